//! What a user is granted directly: managed policies attached to it (`AttachUserPolicy` and
//! friends) and inline policies embedded in it (`PutUserPolicy` and friends), through the
//! mechanism all grantees share (`grants`). What it gets through its groups is the groups'.

use std::collections::BTreeMap;

use sim_aws_shapes::iam::{
    AttachUserPolicyRequest, DeleteUserPolicyRequest, DetachUserPolicyRequest,
    GetUserPolicyRequest, GetUserPolicyResponse, ListAttachedUserPoliciesRequest,
    ListAttachedUserPoliciesResponse, ListUserPoliciesRequest, ListUserPoliciesResponse,
    PutUserPolicyRequest,
};
use simkit::store::Collection;

use super::grants::{Grantee, GranteeKind};
use super::users::User;
use super::{Iam, IamError};
use crate::services::Ctx;

impl Grantee for User {
    const KIND: GranteeKind = GranteeKind {
        noun: "user",
        attached_quota: ("PoliciesPerUser", 10),
        inline_limit: 2048,
    };

    fn collection(iam: &Iam) -> &Collection<Self> {
        &iam.users
    }

    fn name(&self) -> &str {
        &self.user_name
    }

    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached_policies
    }

    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline_policies
    }
}

impl Iam {
    pub(super) async fn attach_user_policy(
        &self,
        ctx: &Ctx,
        input: AttachUserPolicyRequest,
    ) -> Result<(), IamError> {
        self.attach::<User>(ctx, &input.user_name, input.policy_arn)
    }

    pub(super) async fn detach_user_policy(
        &self,
        ctx: &Ctx,
        input: DetachUserPolicyRequest,
    ) -> Result<(), IamError> {
        self.detach::<User>(ctx, &input.user_name, &input.policy_arn)
    }

    pub(super) async fn list_attached_user_policies(
        &self,
        ctx: &Ctx,
        input: ListAttachedUserPoliciesRequest,
    ) -> Result<ListAttachedUserPoliciesResponse, IamError> {
        let page = self.list_attached::<User>(
            ctx,
            &input.user_name,
            input.path_prefix.as_deref(),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListAttachedUserPoliciesResponse {
            attached_policies: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn put_user_policy(
        &self,
        ctx: &Ctx,
        input: PutUserPolicyRequest,
    ) -> Result<(), IamError> {
        self.put_inline::<User>(
            ctx,
            &input.user_name,
            input.policy_name,
            input.policy_document,
        )
    }

    pub(super) async fn get_user_policy(
        &self,
        ctx: &Ctx,
        input: GetUserPolicyRequest,
    ) -> Result<GetUserPolicyResponse, IamError> {
        let policy = self.get_inline::<User>(ctx, &input.user_name, &input.policy_name)?;
        Ok(GetUserPolicyResponse {
            user_name: policy.entity_name,
            policy_name: policy.policy_name,
            policy_document: policy.document,
        })
    }

    pub(super) async fn delete_user_policy(
        &self,
        ctx: &Ctx,
        input: DeleteUserPolicyRequest,
    ) -> Result<(), IamError> {
        self.delete_inline::<User>(ctx, &input.user_name, &input.policy_name)
    }

    pub(super) async fn list_user_policies(
        &self,
        ctx: &Ctx,
        input: ListUserPoliciesRequest,
    ) -> Result<ListUserPoliciesResponse, IamError> {
        let page = self.list_inline::<User>(
            ctx,
            &input.user_name,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListUserPoliciesResponse {
            policy_names: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
