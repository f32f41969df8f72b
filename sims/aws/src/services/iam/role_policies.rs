//! What a role is granted: managed policies attached to it (`AttachRolePolicy` and friends) and
//! inline policies embedded in it (`PutRolePolicy` and friends). Both are kept in the
//! [`super::Role`] record; a policy's attachment count is derived from the roles, so it cannot
//! drift from them.

use serde::{Deserialize, Serialize};

use super::paging::paginate;
use super::policies::{PolicyArn, policy_position};
use super::{Iam, IamError, check_document, encode_document, policy_size};
use crate::services::Ctx;

/// IAM's default quota of managed policies per role (`PoliciesPerRole`).
const MAX_ATTACHED_POLICIES: usize = 10;

/// IAM's quota on the total size of a role's inline policies.
const MAX_INLINE_POLICY_SIZE: usize = 10_240;

fn no_such_inline_policy(policy_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The role policy with name {policy_name} cannot be found."
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachRolePolicyRequest {
    pub role_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DetachRolePolicyRequest {
    pub role_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAttachedRolePoliciesRequest {
    pub role_name: String,
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

/// IAM's `AttachedPolicy` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAttachedRolePoliciesResponse {
    pub attached_policies: Vec<AttachedPolicy>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRolePolicyRequest {
    pub role_name: String,
    pub policy_name: String,
    pub policy_document: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRolePolicyRequest {
    pub role_name: String,
    pub policy_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRolePolicyResponse {
    pub role_name: String,
    pub policy_name: String,
    pub policy_document: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRolePolicyRequest {
    pub role_name: String,
    pub policy_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolePoliciesRequest {
    pub role_name: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolePoliciesResponse {
    pub policy_names: Vec<String>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Iam {
    pub(super) async fn attach_role_policy(
        &self,
        ctx: &Ctx,
        input: AttachRolePolicyRequest,
    ) -> Result<(), IamError> {
        let _relations = self.relations();
        self.role(ctx, &input.role_name)?;
        self.policy(ctx, &input.policy_arn)?;
        self.modify_role(ctx, &input.role_name, |role| {
            // Attaching again is a no-op in IAM, not an error.
            if role.attached_policies.contains(&input.policy_arn) {
                return Ok(());
            }
            if role.attached_policies.len() >= MAX_ATTACHED_POLICIES {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for PoliciesPerRole: {MAX_ATTACHED_POLICIES}"
                )));
            }
            role.attached_policies.push(input.policy_arn);
            Ok(())
        })
    }

    pub(super) async fn detach_role_policy(
        &self,
        ctx: &Ctx,
        input: DetachRolePolicyRequest,
    ) -> Result<(), IamError> {
        PolicyArn::parse(&input.policy_arn)?;
        self.modify_role(ctx, &input.role_name, |role| {
            let before = role.attached_policies.len();
            role.attached_policies
                .retain(|arn| *arn != input.policy_arn);
            if role.attached_policies.len() == before {
                return Err(IamError::NoSuchEntity(format!(
                    "Policy {} was not found.",
                    input.policy_arn
                )));
            }
            Ok(())
        })
    }

    pub(super) async fn list_attached_role_policies(
        &self,
        ctx: &Ctx,
        input: ListAttachedRolePoliciesRequest,
    ) -> Result<ListAttachedRolePoliciesResponse, IamError> {
        let role = self.role(ctx, &input.role_name)?;
        let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
        let entries = role
            .attached_policies
            .iter()
            .filter_map(|arn| PolicyArn::parse(arn).ok())
            .filter(|parsed| parsed.path.starts_with(&prefix))
            .map(|parsed| {
                (
                    policy_position(parsed.name, parsed.is_aws()),
                    AttachedPolicy {
                        policy_name: parsed.name.to_string(),
                        policy_arn: parsed.arn.to_string(),
                    },
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListAttachedRolePoliciesResponse {
            attached_policies: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn put_role_policy(
        &self,
        ctx: &Ctx,
        input: PutRolePolicyRequest,
    ) -> Result<(), IamError> {
        check_document(&input.policy_document, crate::policy::PolicyKind::Identity)?;
        self.modify_role(ctx, &input.role_name, |role| {
            let others: usize = role
                .inline_policies
                .iter()
                .filter(|(name, _)| **name != input.policy_name)
                .map(|(_, document)| policy_size(document))
                .sum();
            if others + policy_size(&input.policy_document) > MAX_INLINE_POLICY_SIZE {
                return Err(IamError::LimitExceeded(format!(
                    "Maximum policy size of {MAX_INLINE_POLICY_SIZE} bytes exceeded for role {}",
                    role.role_name
                )));
            }
            role.inline_policies
                .insert(input.policy_name, input.policy_document);
            Ok(())
        })
    }

    pub(super) async fn get_role_policy(
        &self,
        ctx: &Ctx,
        input: GetRolePolicyRequest,
    ) -> Result<GetRolePolicyResponse, IamError> {
        let role = self.role(ctx, &input.role_name)?;
        let document = role
            .inline_policies
            .get(&input.policy_name)
            .ok_or_else(|| no_such_inline_policy(&input.policy_name))?;
        Ok(GetRolePolicyResponse {
            policy_document: encode_document(document),
            role_name: role.role_name,
            policy_name: input.policy_name,
        })
    }

    pub(super) async fn delete_role_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRolePolicyRequest,
    ) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            role.inline_policies
                .remove(&input.policy_name)
                .map(|_| ())
                .ok_or_else(|| no_such_inline_policy(&input.policy_name))
        })
    }

    pub(super) async fn list_role_policies(
        &self,
        ctx: &Ctx,
        input: ListRolePoliciesRequest,
    ) -> Result<ListRolePoliciesResponse, IamError> {
        let role = self.role(ctx, &input.role_name)?;
        let entries = role
            .inline_policies
            .into_keys()
            .map(|name| (name.clone(), name))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListRolePoliciesResponse {
            policy_names: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }
}
