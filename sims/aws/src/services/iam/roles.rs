//! IAM roles.

use serde::{Deserialize, Serialize};

use super::{Iam, IamError, Tag, check_document, encode_document};
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
}

/// The store key of a role: role names are unique per account, whatever their path.
pub(crate) fn key(account_id: &str, role_name: &str) -> String {
    format!("{account_id}/{}", role_name.to_ascii_lowercase())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPermissionsBoundary {
    pub permissions_boundary_type: String,
    pub permissions_boundary_arn: String,
}

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
}

impl Role {
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
                    permissions_boundary_type: "Policy".into(),
                    permissions_boundary_arn: arn,
                }
            }),
            tags: self.tags.clone(),
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

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl Iam {
    pub(crate) fn role(&self, ctx: &Ctx, role_name: &str) -> Result<Role, IamError> {
        self.roles
            .get(&key(&ctx.account_id, role_name))
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!("The role with name {role_name} cannot be found."))
            })
    }

    pub(super) async fn create_role(
        &self,
        ctx: &Ctx,
        input: CreateRoleRequest,
    ) -> Result<CreateRoleResponse, IamError> {
        check_document(&input.assume_role_policy_document)?;
        let path = input.path.unwrap_or_else(|| "/".into());
        let role = Role {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:role{path}{}",
                ctx.account_id, input.role_name
            ),
            path,
            role_name: input.role_name.clone(),
            role_id: format!("AROA{}", self.kit.ids().from_alphabet(ID_ALPHABET, 17)),
            create_date_ms: self.kit.clock().now_millis(),
            assume_role_policy_document: input.assume_role_policy_document,
            description: input.description,
            max_session_duration: input.max_session_duration.unwrap_or(3600),
            permissions_boundary: input.permissions_boundary,
            tags: input.tags,
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
            role: self.role(ctx, &input.role_name)?.output(),
        })
    }
}
