//! What a role is granted: managed policies attached to it (`AttachRolePolicy` and friends) and
//! inline policies embedded in it (`PutRolePolicy` and friends), through the mechanism all
//! grantees share (`grants`).

use std::collections::BTreeMap;

use sim_aws_shapes::iam::{
    AttachRolePolicyRequest, DeleteRolePolicyRequest, DetachRolePolicyRequest,
    GetRolePolicyRequest, GetRolePolicyResponse, ListAttachedRolePoliciesRequest,
    ListAttachedRolePoliciesResponse, ListRolePoliciesRequest, ListRolePoliciesResponse,
    PutRolePolicyRequest,
};
use simkit::store::Collection;

use super::grants::{Grantee, GranteeKind};
use super::roles::Role;
use super::{Iam, IamError};
use crate::services::Ctx;

impl Grantee for Role {
    const KIND: GranteeKind = GranteeKind {
        noun: "role",
        attached_quota: ("PoliciesPerRole", 10),
        inline_limit: 10_240,
    };

    fn collection(iam: &Iam) -> &Collection<Self> {
        &iam.roles
    }

    fn name(&self) -> &str {
        &self.role_name
    }

    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached_policies
    }

    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline_policies
    }

    fn check_modifiable(&self) -> Result<(), IamError> {
        Role::check_modifiable(self)
    }
}

impl Iam {
    pub(super) async fn attach_role_policy(
        &self,
        ctx: &Ctx,
        input: AttachRolePolicyRequest,
    ) -> Result<(), IamError> {
        self.attach::<Role>(ctx, &input.role_name, input.policy_arn)
    }

    pub(super) async fn detach_role_policy(
        &self,
        ctx: &Ctx,
        input: DetachRolePolicyRequest,
    ) -> Result<(), IamError> {
        self.detach::<Role>(ctx, &input.role_name, &input.policy_arn)
    }

    pub(super) async fn list_attached_role_policies(
        &self,
        ctx: &Ctx,
        input: ListAttachedRolePoliciesRequest,
    ) -> Result<ListAttachedRolePoliciesResponse, IamError> {
        let page = self.list_attached::<Role>(
            ctx,
            &input.role_name,
            input.path_prefix.as_deref(),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListAttachedRolePoliciesResponse {
            attached_policies: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn put_role_policy(
        &self,
        ctx: &Ctx,
        input: PutRolePolicyRequest,
    ) -> Result<(), IamError> {
        self.put_inline::<Role>(
            ctx,
            &input.role_name,
            input.policy_name,
            input.policy_document,
        )
    }

    pub(super) async fn get_role_policy(
        &self,
        ctx: &Ctx,
        input: GetRolePolicyRequest,
    ) -> Result<GetRolePolicyResponse, IamError> {
        let policy = self.get_inline::<Role>(ctx, &input.role_name, &input.policy_name)?;
        Ok(GetRolePolicyResponse {
            role_name: policy.entity_name,
            policy_name: policy.policy_name,
            policy_document: policy.document,
        })
    }

    pub(super) async fn delete_role_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRolePolicyRequest,
    ) -> Result<(), IamError> {
        self.delete_inline::<Role>(ctx, &input.role_name, &input.policy_name)
    }

    pub(super) async fn list_role_policies(
        &self,
        ctx: &Ctx,
        input: ListRolePoliciesRequest,
    ) -> Result<ListRolePoliciesResponse, IamError> {
        let page = self.list_inline::<Role>(
            ctx,
            &input.role_name,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListRolePoliciesResponse {
            policy_names: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
