//! IAM roles: create, read, list, update, delete; their trust policies, tags and permissions
//! boundaries. What a role is granted (attached and inline policies) lives in `role_policies`,
//! but is stored in the [`Role`] record so a role and its grants change atomically.
//!
//! AWS answers a role with different members per operation, and so does this module:
//! `CreateRole` and `UpdateRoleDescription` leave out `MaxSessionDuration` and `RoleLastUsed`;
//! `GetRole` has everything; `ListRoles` leaves out tags, the boundary and `RoleLastUsed`;
//! roles inside an instance profile carry only the basic members.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    self as shapes, AttachedPermissionsBoundary, CreateRoleRequest, CreateRoleResponse,
    DeleteRolePermissionsBoundaryRequest, DeleteRoleRequest, GetRoleRequest, GetRoleResponse,
    ListRoleTagsRequest, ListRoleTagsResponse, ListRolesRequest, ListRolesResponse,
    PutRolePermissionsBoundaryRequest, RoleLastUsed, Tag, TagRoleRequest, UntagRoleRequest,
    UpdateAssumeRolePolicyRequest, UpdateRoleDescriptionRequest, UpdateRoleDescriptionResponse,
    UpdateRoleRequest, UpdateRoleResponse,
};

use super::paging::paginate;
use super::tags::{TagKeys, initial_tags, merge_tags, page_tags, present, remove_tags};
use super::{
    Iam, IamError, account_prefix, check_document, encode_document, key, timestamp, under,
};
use crate::policy::PolicyKind;
use crate::services::Ctx;

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
const TRUST_POLICY_QUOTA: (&str, usize) = ("ACLSizePerRole", 2048);

/// IAM's default quota of roles per account.
const ROLES_QUOTA: (&str, usize) = ("RolesPerAccount", 1000);

/// How roles treat tag keys.
pub(crate) const ROLE_TAGS: TagKeys = TagKeys::CaseInsensitive;

fn check_trust_policy(document: &str) -> Result<(), IamError> {
    check_document(document, PolicyKind::Trust, Some(TRUST_POLICY_QUOTA))
}

pub(crate) fn no_such_role(role_name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The role with name {role_name} cannot be found."))
}

/// A permissions boundary as IAM answers it.
pub(crate) fn boundary(arn: &Option<String>) -> Option<AttachedPermissionsBoundary> {
    arn.as_ref().map(|arn| AttachedPermissionsBoundary {
        // AWS answers `Policy`, although the model's enum names `PermissionsBoundaryPolicy`.
        permissions_boundary_type: Some("Policy".into()),
        permissions_boundary_arn: Some(arn.clone()),
    })
}

impl Role {
    /// The members every answer carries (roles inside instance profiles have only these).
    pub fn basic(&self) -> shapes::Role {
        shapes::Role {
            path: self.path.clone(),
            role_name: self.role_name.clone(),
            role_id: self.role_id.clone(),
            arn: self.arn.clone(),
            create_date: timestamp(self.create_date_ms),
            assume_role_policy_document: Some(encode_document(&self.assume_role_policy_document)),
            description: self.description.clone(),
            ..Default::default()
        }
    }

    /// As `CreateRole` and `UpdateRoleDescription` answer it.
    pub fn created(&self) -> shapes::Role {
        shapes::Role {
            permissions_boundary: boundary(&self.permissions_boundary),
            tags: present(&self.tags),
            ..self.basic()
        }
    }

    /// As `GetRole` answers it: everything.
    pub fn full(&self) -> shapes::Role {
        shapes::Role {
            max_session_duration: Some(self.max_session_duration as i32),
            role_last_used: Some(RoleLastUsed::default()),
            ..self.created()
        }
    }

    /// As `ListRoles` answers it: no tags, boundary or `RoleLastUsed`.
    pub fn listed(&self) -> shapes::Role {
        shapes::Role {
            max_session_duration: Some(self.max_session_duration as i32),
            ..self.basic()
        }
    }
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
            .scan_prefix(&account_prefix(&ctx.account_id))
            .into_iter()
            .map(|(_, role)| role)
            .collect()
    }

    /// Checks that a permissions boundary names a managed policy that exists.
    pub(crate) fn check_boundary(&self, ctx: &Ctx, arn: &str) -> Result<(), IamError> {
        self.policy(ctx, arn)
            .map(|_| ())
            .map_err(|error| match error {
                IamError::NoSuchEntity(_) => IamError::NoSuchEntity(format!(
                    "Scope ARN: {arn} does not exist or is not attachable."
                )),
                IamError::Validation(message) => IamError::InvalidInput(message),
                other => other,
            })
    }

    pub(super) async fn create_role(
        &self,
        ctx: &Ctx,
        input: CreateRoleRequest,
    ) -> Result<CreateRoleResponse, IamError> {
        check_trust_policy(&input.assume_role_policy_document)?;
        let tags = initial_tags(input.tags, ROLE_TAGS)?;
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
            max_session_duration: input.max_session_duration.map_or(3600, i64::from),
            permissions_boundary: input.permissions_boundary,
            tags,
            attached_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
        };
        self.insert_role(ctx, role.clone())?;
        Ok(CreateRoleResponse {
            role: role.created(),
        })
    }

    /// Stores a new role, refusing a name taken in any case and a boundary that does not exist
    /// (checked in the same transaction, so the boundary cannot vanish meanwhile).
    pub(crate) fn insert_role(&self, ctx: &Ctx, role: Role) -> Result<(), IamError> {
        self.transaction(|txn| {
            if let Some(boundary) = &role.permissions_boundary {
                self.check_boundary(ctx, boundary)?;
            }
            let role_key = key(&ctx.account_id, &role.role_name);
            if txn.contains(&self.roles, &role_key)? {
                return Err(IamError::EntityAlreadyExists(format!(
                    "Role with name {} already exists.",
                    role.role_name
                )));
            }
            self.check_account_quota(txn, &self.roles, ctx, ROLES_QUOTA)?;
            txn.insert(&self.roles, &role_key, role)?;
            Ok(())
        })
    }

    pub(super) async fn get_role(
        &self,
        ctx: &Ctx,
        input: GetRoleRequest,
    ) -> Result<GetRoleResponse, IamError> {
        Ok(GetRoleResponse {
            role: self.role(ctx, &input.role_name)?.full(),
        })
    }

    pub(super) async fn list_roles(
        &self,
        ctx: &Ctx,
        input: ListRolesRequest,
    ) -> Result<ListRolesResponse, IamError> {
        let entries = self
            .account_roles(ctx)
            .into_iter()
            .filter(|role| under(&role.path, input.path_prefix.as_deref()))
            .map(|role| (role.role_name.to_ascii_lowercase(), role.listed()))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListRolesResponse {
            roles: page.items,
            is_truncated: Some(page.is_truncated),
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
                role.max_session_duration = i64::from(duration);
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
            role: Some(role.created()),
        })
    }

    pub(super) async fn update_assume_role_policy(
        &self,
        ctx: &Ctx,
        input: UpdateAssumeRolePolicyRequest,
    ) -> Result<(), IamError> {
        check_trust_policy(&input.policy_document)?;
        self.modify_role(ctx, &input.role_name, |role| {
            role.check_modifiable()?;
            role.assume_role_policy_document = input.policy_document;
            Ok(())
        })
    }

    pub(super) async fn delete_role(
        &self,
        ctx: &Ctx,
        input: DeleteRoleRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let role_key = key(&ctx.account_id, &input.role_name);
            let role = txn
                .get(&self.roles, &role_key)?
                .ok_or_else(|| no_such_role(&input.role_name))?;
            role.check_modifiable()?;
            // Checked first, as IAM does: a role in a profile cannot go whatever else it holds.
            let in_profile = txn
                .scan_prefix(&self.instance_profiles, &account_prefix(&ctx.account_id))?
                .iter()
                .any(|(_, profile)| profile.holds(&input.role_name));
            if in_profile {
                return Err(IamError::DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first.".into(),
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
            txn.remove(&self.roles, &role_key)?;
            Ok(())
        })
    }

    pub(super) async fn put_role_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: PutRolePermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let role_key = key(&ctx.account_id, &input.role_name);
            let mut role = txn
                .get(&self.roles, &role_key)?
                .ok_or_else(|| no_such_role(&input.role_name))?;
            role.check_modifiable()?;
            self.check_boundary(ctx, &input.permissions_boundary)?;
            role.permissions_boundary = Some(input.permissions_boundary);
            txn.insert(&self.roles, &role_key, role)?;
            Ok(())
        })
    }

    pub(super) async fn delete_role_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: DeleteRolePermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            role.check_modifiable()?;
            role.permissions_boundary = None;
            Ok(())
        })
    }

    pub(super) async fn tag_role(&self, ctx: &Ctx, input: TagRoleRequest) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            merge_tags(&mut role.tags, input.tags, ROLE_TAGS)
        })
    }

    pub(super) async fn untag_role(
        &self,
        ctx: &Ctx,
        input: UntagRoleRequest,
    ) -> Result<(), IamError> {
        self.modify_role(ctx, &input.role_name, |role| {
            remove_tags(&mut role.tags, &input.tag_keys, ROLE_TAGS);
            Ok(())
        })
    }

    pub(super) async fn list_role_tags(
        &self,
        ctx: &Ctx,
        input: ListRoleTagsRequest,
    ) -> Result<ListRoleTagsResponse, IamError> {
        let role = self.role(ctx, &input.role_name)?;
        let page = page_tags(
            role.tags,
            ROLE_TAGS,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListRoleTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
