//! IAM roles: create, read, list, update, delete; their trust policies, tags and permissions
//! boundaries. What a role is granted (attached and inline policies) lives in
//! `role_policies`, but is stored in the [`Role`] record so a role and its grants
//! change atomically.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::paging::paginate;
use super::{Iam, IamError, Tag, check_document, encode_document, key, merge_tags, page_tags};
use super::{policy_size, remove_tags};
use crate::services::Ctx;
use crate::services::wire::epoch_seconds;

/// A stored role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub account_id: String,
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date_ms: i64,
    pub assume_role_policy_document: String,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
    /// ARNs of the managed policies attached, in attachment order.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Inline policies: name to document as given.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
}

/// IAM's default quota on a trust policy's size (`ACLSizePerRole`).
const MAX_TRUST_POLICY_SIZE: usize = 2048;

fn check_trust_policy(document: &str) -> Result<(), IamError> {
    check_document(document, crate::policy::PolicyKind::Trust)?;
    if policy_size(document) > MAX_TRUST_POLICY_SIZE {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY_SIZE}"
        )));
    }
    Ok(())
}

pub(crate) fn no_such_role(role_name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The role with name {role_name} cannot be found."))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPermissionsBoundary {
    pub permissions_boundary_type: String,
    pub permissions_boundary_arn: String,
}

/// IAM's `RoleLastUsed`: empty, as for a role never used (the simulator does not track use).
#[derive(Debug, Serialize)]
pub struct RoleLastUsed {}

/// IAM's `Role` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleOutput {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    #[serde(with = "epoch_seconds")]
    pub create_date: i64,
    pub assume_role_policy_document: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub max_session_duration: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<AttachedPermissionsBoundary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_last_used: Option<RoleLastUsed>,
}

impl Role {
    /// The role with everything IAM returns for a single role.
    pub fn output(&self) -> RoleOutput {
        RoleOutput {
            path: self.path.clone(),
            role_name: self.role_name.clone(),
            role_id: self.role_id.clone(),
            arn: self.arn.clone(),
            create_date: self.create_date_ms,
            assume_role_policy_document: encode_document(&self.assume_role_policy_document),
            description: self.description.clone(),
            max_session_duration: self.max_session_duration,
            permissions_boundary: self.permissions_boundary.clone().map(|arn| {
                AttachedPermissionsBoundary {
                    permissions_boundary_type: "PermissionsBoundaryPolicy".into(),
                    permissions_boundary_arn: arn,
                }
            }),
            tags: self.tags.clone(),
            role_last_used: None,
        }
    }

    /// The role as list operations return it: IAM leaves out `Tags`, `PermissionsBoundary` and
    /// `RoleLastUsed` there (clients must call GetRole for them).
    pub fn listed(&self) -> RoleOutput {
        RoleOutput {
            permissions_boundary: None,
            tags: Vec::new(),
            ..self.output()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRoleRequest {
    #[serde(default)]
    pub path: Option<String>,
    pub role_name: String,
    pub assume_role_policy_document: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_session_duration: Option<i64>,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRoleResponse {
    pub role: RoleOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRoleRequest {
    pub role_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRoleResponse {
    pub role: RoleOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesRequest {
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesResponse {
    pub roles: Vec<RoleOutput>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoleRequest {
    pub role_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_session_duration: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct UpdateRoleResponse {}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoleDescriptionRequest {
    pub role_name: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoleDescriptionResponse {
    pub role: RoleOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAssumeRolePolicyRequest {
    pub role_name: String,
    pub policy_document: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRoleRequest {
    pub role_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRolePermissionsBoundaryRequest {
    pub role_name: String,
    pub permissions_boundary: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteRolePermissionsBoundaryRequest {
    pub role_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagRoleRequest {
    pub role_name: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagRoleRequest {
    pub role_name: String,
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRoleTagsRequest {
    pub role_name: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRoleTagsResponse {
    pub tags: Vec<Tag>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Iam {
    pub(crate) fn role(&self, ctx: &Ctx, role_name: &str) -> Result<Role, IamError> {
        self.roles
            .get(&key(&ctx.account_id, role_name))
            .ok_or_else(|| no_such_role(role_name))
    }

    /// Changes an existing role atomically; `NoSuchEntity` if it is missing.
    pub(crate) fn modify_role<R>(
        &self,
        ctx: &Ctx,
        role_name: &str,
        change: impl FnOnce(&mut Role) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        self.roles
            .modify(&key(&ctx.account_id, role_name), |slot| match slot {
                Some(role) => change(role),
                None => Err(no_such_role(role_name)),
            })
    }

    /// Every role of the caller's account, in name order.
    pub(crate) fn account_roles(&self, ctx: &Ctx) -> Vec<Role> {
        self.roles
            .scan_prefix(&format!("{}/", ctx.account_id))
            .into_iter()
            .map(|(_, role)| role)
            .collect()
    }

    /// Checks that a permissions boundary names a managed policy that exists.
    fn check_boundary(&self, ctx: &Ctx, arn: &str) -> Result<(), IamError> {
        self.policy(ctx, arn)
            .map(|_| ())
            .map_err(|error| match error {
                IamError::NoSuchEntity(_) => IamError::NoSuchEntity(format!(
                    "Scope ARN: {arn} does not exist or is not attachable."
                )),
                other => other,
            })
    }

    pub(super) async fn create_role(
        &self,
        ctx: &Ctx,
        input: CreateRoleRequest,
    ) -> Result<CreateRoleResponse, IamError> {
        check_trust_policy(&input.assume_role_policy_document)?;
        let mut tags = Vec::new();
        merge_tags(&mut tags, input.tags, "TagsPerRole")?;
        // Only a boundary ties the new role to another record; plain creates need no lock.
        let _relations = input
            .permissions_boundary
            .is_some()
            .then(|| self.relations());
        if let Some(boundary) = &input.permissions_boundary {
            self.check_boundary(ctx, boundary)?;
        }
        let path = input.path.unwrap_or_else(|| "/".into());
        let role = Role {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:role{path}{}",
                ctx.account_id, input.role_name
            ),
            path,
            role_name: input.role_name.clone(),
            role_id: self.unique_id("AROA"),
            create_date_ms: self.now_millis(),
            assume_role_policy_document: input.assume_role_policy_document,
            description: input.description,
            max_session_duration: input.max_session_duration.unwrap_or(3600),
            permissions_boundary: input.permissions_boundary,
            tags,
            attached_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
        };
        self.roles
            .modify(&key(&ctx.account_id, &input.role_name), |slot| {
                if slot.is_some() {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "Role with name {} already exists.",
                        input.role_name
                    )));
                }
                *slot = Some(role.clone());
                Ok(())
            })?;
        Ok(CreateRoleResponse {
            role: role.output(),
        })
    }

    pub(super) async fn get_role(
        &self,
        ctx: &Ctx,
        input: GetRoleRequest,
    ) -> Result<GetRoleResponse, IamError> {
        Ok(GetRoleResponse {
            role: RoleOutput {
                role_last_used: Some(RoleLastUsed {}),
                ..self.role(ctx, &input.role_name)?.output()
            },
        })
    }

    pub(super) async fn list_roles(
        &self,
        ctx: &Ctx,
        input: ListRolesRequest,
    ) -> Result<ListRolesResponse, IamError> {
        let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
        let entries = self
            .account_roles(ctx)
            .into_iter()
            .filter(|role| role.path.starts_with(&prefix))
            .map(|role| (role.role_name.to_ascii_lowercase(), role.listed()))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListRolesResponse {
            roles: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn update_role(
        &self,
        ctx: &Ctx,
        input: UpdateRoleRequest,
    ) -> Result<UpdateRoleResponse, IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            if let Some(description) = input.description {
                role.description = Some(description);
            }
            if let Some(duration) = input.max_session_duration {
                role.max_session_duration = duration;
            }
            Ok(())
        })?;
        Ok(UpdateRoleResponse {})
    }

    pub(super) async fn update_role_description(
        &self,
        ctx: &Ctx,
        input: UpdateRoleDescriptionRequest,
    ) -> Result<UpdateRoleDescriptionResponse, IamError> {
        let role = self.modify_role(ctx, &input.role_name, |role| {
            role.description = Some(input.description);
            Ok(role.clone())
        })?;
        Ok(UpdateRoleDescriptionResponse {
            role: role.output(),
        })
    }

    pub(super) async fn update_assume_role_policy(
        &self,
        ctx: &Ctx,
        input: UpdateAssumeRolePolicyRequest,
    ) -> Result<(), IamError> {
        check_trust_policy(&input.policy_document)?;
        self.modify_role(ctx, &input.role_name, |role| {
            role.assume_role_policy_document = input.policy_document;
            Ok(())
        })
    }

    pub(super) async fn delete_role(
        &self,
        ctx: &Ctx,
        input: DeleteRoleRequest,
    ) -> Result<(), IamError> {
        let _relations = self.relations();
        // Checked first, as IAM does: a role in a profile cannot go whatever else it holds.
        let in_profile = self
            .account_instance_profiles(ctx)
            .iter()
            .any(|profile| profile.holds(&input.role_name));
        self.roles
            .modify(&key(&ctx.account_id, &input.role_name), |slot| {
                let Some(role) = slot else {
                    return Err(no_such_role(&input.role_name));
                };
                if in_profile {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must remove roles from instance profile first."
                            .into(),
                    ));
                }
                if !role.attached_policies.is_empty() {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must detach all policies first.".into(),
                    ));
                }
                if !role.inline_policies.is_empty() {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must delete policies first.".into(),
                    ));
                }
                *slot = None;
                Ok(())
            })
    }

    pub(super) async fn put_role_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: PutRolePermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        let _relations = self.relations();
        self.role(ctx, &input.role_name)?;
        self.check_boundary(ctx, &input.permissions_boundary)?;
        self.modify_role(ctx, &input.role_name, |role| {
            role.permissions_boundary = Some(input.permissions_boundary);
            Ok(())
        })
    }

    pub(super) async fn delete_role_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: DeleteRolePermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            role.permissions_boundary = None;
            Ok(())
        })
    }

    pub(super) async fn tag_role(&self, ctx: &Ctx, input: TagRoleRequest) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            merge_tags(&mut role.tags, input.tags, "TagsPerRole")
        })
    }

    pub(super) async fn untag_role(
        &self,
        ctx: &Ctx,
        input: UntagRoleRequest,
    ) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            remove_tags(&mut role.tags, &input.tag_keys);
            Ok(())
        })
    }

    pub(super) async fn list_role_tags(
        &self,
        ctx: &Ctx,
        input: ListRoleTagsRequest,
    ) -> Result<ListRoleTagsResponse, IamError> {
        let role = self.role(ctx, &input.role_name)?;
        let page = page_tags(role.tags, input.marker.as_deref(), input.max_items)?;
        Ok(ListRoleTagsResponse {
            tags: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }
}
