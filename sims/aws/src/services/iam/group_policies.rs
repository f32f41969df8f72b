//! What a group grants its members: managed policies attached to it (`AttachGroupPolicy` and
//! friends) and inline policies embedded in it (`PutGroupPolicy` and friends), through the
//! mechanism all grantees share (`grants`).

use std::collections::BTreeMap;

use sim_aws_shapes::iam::{
    AttachGroupPolicyRequest, DeleteGroupPolicyRequest, DetachGroupPolicyRequest,
    GetGroupPolicyRequest, GetGroupPolicyResponse, ListAttachedGroupPoliciesRequest,
    ListAttachedGroupPoliciesResponse, ListGroupPoliciesRequest, ListGroupPoliciesResponse,
    PutGroupPolicyRequest,
};
use simkit::store::Collection;

use super::grants::{Grantee, GranteeKind};
use super::groups::Group;
use super::{Iam, IamError};
use crate::services::Ctx;

impl Grantee for Group {
    const KIND: GranteeKind = GranteeKind {
        noun: "group",
        attached_quota: ("PoliciesPerGroup", 10),
        inline_limit: 5120,
    };

    fn collection(iam: &Iam) -> &Collection<Self> {
        &iam.groups
    }

    fn name(&self) -> &str {
        &self.group_name
    }

    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached_policies
    }

    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline_policies
    }
}

impl Iam {
    pub(super) async fn attach_group_policy(
        &self,
        ctx: &Ctx,
        input: AttachGroupPolicyRequest,
    ) -> Result<(), IamError> {
        self.attach::<Group>(ctx, &input.group_name, input.policy_arn)
    }

    pub(super) async fn detach_group_policy(
        &self,
        ctx: &Ctx,
        input: DetachGroupPolicyRequest,
    ) -> Result<(), IamError> {
        self.detach::<Group>(ctx, &input.group_name, &input.policy_arn)
    }

    pub(super) async fn list_attached_group_policies(
        &self,
        ctx: &Ctx,
        input: ListAttachedGroupPoliciesRequest,
    ) -> Result<ListAttachedGroupPoliciesResponse, IamError> {
        let page = self.list_attached::<Group>(
            ctx,
            &input.group_name,
            input.path_prefix.as_deref(),
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListAttachedGroupPoliciesResponse {
            attached_policies: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn put_group_policy(
        &self,
        ctx: &Ctx,
        input: PutGroupPolicyRequest,
    ) -> Result<(), IamError> {
        self.put_inline::<Group>(
            ctx,
            &input.group_name,
            input.policy_name,
            input.policy_document,
        )
    }

    pub(super) async fn get_group_policy(
        &self,
        ctx: &Ctx,
        input: GetGroupPolicyRequest,
    ) -> Result<GetGroupPolicyResponse, IamError> {
        let policy = self.get_inline::<Group>(ctx, &input.group_name, &input.policy_name)?;
        Ok(GetGroupPolicyResponse {
            group_name: policy.entity_name,
            policy_name: policy.policy_name,
            policy_document: policy.document,
        })
    }

    pub(super) async fn delete_group_policy(
        &self,
        ctx: &Ctx,
        input: DeleteGroupPolicyRequest,
    ) -> Result<(), IamError> {
        self.delete_inline::<Group>(ctx, &input.group_name, &input.policy_name)
    }

    pub(super) async fn list_group_policies(
        &self,
        ctx: &Ctx,
        input: ListGroupPoliciesRequest,
    ) -> Result<ListGroupPoliciesResponse, IamError> {
        let page = self.list_inline::<Group>(
            ctx,
            &input.group_name,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListGroupPoliciesResponse {
            policy_names: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
