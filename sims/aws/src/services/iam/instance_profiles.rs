//! Instance profiles: containers for the (at most one) role an EC2 instance runs as.
//!
//! A profile stores its role by name; answers resolve the name to the role as it is now, the
//! way IAM answers with the current role. `DeleteRole` refuses a role that is still in a
//! profile, so a profile never names a role that does not exist.

use serde::{Deserialize, Serialize};

use super::paging::paginate;
use super::roles::{RoleOutput, no_such_role};
use super::{Iam, IamError, Tag, key, merge_tags, page_tags, remove_tags};
use crate::services::Ctx;
use crate::services::wire::epoch_seconds;

/// IAM's quota of roles per instance profile (`InstanceSessionsPerInstanceProfile`).
const MAX_ROLES: usize = 1;

/// A stored instance profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceProfile {
    pub account_id: String,
    pub path: String,
    pub instance_profile_name: String,
    pub instance_profile_id: String,
    pub arn: String,
    pub create_date_ms: i64,
    /// Names of the roles in the profile (IAM allows one).
    pub roles: Vec<String>,
    pub tags: Vec<Tag>,
}

impl InstanceProfile {
    /// Whether the profile holds the role (role names are case-insensitive).
    pub fn holds(&self, role_name: &str) -> bool {
        self.roles
            .iter()
            .any(|held| held.eq_ignore_ascii_case(role_name))
    }
}

fn no_such_profile(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("Instance Profile {name} cannot be found."))
}

/// IAM's `InstanceProfile` shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfileOutput {
    pub path: String,
    pub instance_profile_name: String,
    pub instance_profile_id: String,
    pub arn: String,
    #[serde(with = "epoch_seconds")]
    pub create_date: i64,
    pub roles: Vec<RoleOutput>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInstanceProfileRequest {
    pub instance_profile_name: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInstanceProfileResponse {
    pub instance_profile: InstanceProfileOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetInstanceProfileRequest {
    pub instance_profile_name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetInstanceProfileResponse {
    pub instance_profile: InstanceProfileOutput,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteInstanceProfileRequest {
    pub instance_profile_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddRoleToInstanceProfileRequest {
    pub instance_profile_name: String,
    pub role_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveRoleFromInstanceProfileRequest {
    pub instance_profile_name: String,
    pub role_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesRequest {
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesResponse {
    pub instance_profiles: Vec<InstanceProfileOutput>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesForRoleRequest {
    pub role_name: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesForRoleResponse {
    pub instance_profiles: Vec<InstanceProfileOutput>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagInstanceProfileRequest {
    pub instance_profile_name: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagInstanceProfileRequest {
    pub instance_profile_name: String,
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfileTagsRequest {
    pub instance_profile_name: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfileTagsResponse {
    pub tags: Vec<Tag>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Iam {
    /// Every instance profile of the caller's account, in name order.
    pub(crate) fn account_instance_profiles(&self, ctx: &Ctx) -> Vec<InstanceProfile> {
        self.instance_profiles
            .scan_prefix(&format!("{}/", ctx.account_id))
            .into_iter()
            .map(|(_, profile)| profile)
            .collect()
    }

    fn instance_profile(&self, ctx: &Ctx, name: &str) -> Result<InstanceProfile, IamError> {
        self.instance_profiles
            .get(&key(&ctx.account_id, name))
            .ok_or_else(|| no_such_profile(name))
    }

    fn modify_instance_profile<R>(
        &self,
        ctx: &Ctx,
        name: &str,
        change: impl FnOnce(&mut Option<InstanceProfile>) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        self.instance_profiles
            .modify(&key(&ctx.account_id, name), |slot| {
                if slot.is_none() {
                    return Err(no_such_profile(name));
                }
                change(slot)
            })
    }

    /// The profile as IAM answers it, with its roles as they are now (without their tags and
    /// boundaries, as in IAM's listings).
    fn profile_output(&self, ctx: &Ctx, profile: InstanceProfile) -> InstanceProfileOutput {
        InstanceProfileOutput {
            roles: profile
                .roles
                .iter()
                .filter_map(|name| self.roles.get(&key(&ctx.account_id, name)))
                .map(|role| role.listed())
                .collect(),
            path: profile.path,
            instance_profile_name: profile.instance_profile_name,
            instance_profile_id: profile.instance_profile_id,
            arn: profile.arn,
            create_date: profile.create_date_ms,
            tags: profile.tags,
        }
    }

    pub(super) async fn create_instance_profile(
        &self,
        ctx: &Ctx,
        input: CreateInstanceProfileRequest,
    ) -> Result<CreateInstanceProfileResponse, IamError> {
        let mut tags = Vec::new();
        merge_tags(&mut tags, input.tags, "TagsPerInstanceProfile")?;
        let path = input.path.unwrap_or_else(|| "/".into());
        let profile = InstanceProfile {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:instance-profile{path}{}",
                ctx.account_id, input.instance_profile_name
            ),
            path,
            instance_profile_name: input.instance_profile_name.clone(),
            instance_profile_id: self.unique_id("AIPA"),
            create_date_ms: self.now_millis(),
            roles: Vec::new(),
            tags,
        };
        self.instance_profiles.modify(
            &key(&ctx.account_id, &input.instance_profile_name),
            |slot| {
                if slot.is_some() {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "Instance Profile {} already exists.",
                        input.instance_profile_name
                    )));
                }
                *slot = Some(profile.clone());
                Ok(())
            },
        )?;
        Ok(CreateInstanceProfileResponse {
            instance_profile: self.profile_output(ctx, profile),
        })
    }

    pub(super) async fn get_instance_profile(
        &self,
        ctx: &Ctx,
        input: GetInstanceProfileRequest,
    ) -> Result<GetInstanceProfileResponse, IamError> {
        let profile = self.instance_profile(ctx, &input.instance_profile_name)?;
        Ok(GetInstanceProfileResponse {
            instance_profile: self.profile_output(ctx, profile),
        })
    }

    pub(super) async fn delete_instance_profile(
        &self,
        ctx: &Ctx,
        input: DeleteInstanceProfileRequest,
    ) -> Result<(), IamError> {
        self.modify_instance_profile(ctx, &input.instance_profile_name, |slot| {
            if slot
                .as_ref()
                .is_some_and(|profile| !profile.roles.is_empty())
            {
                return Err(IamError::DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first.".into(),
                ));
            }
            *slot = None;
            Ok(())
        })
    }

    pub(super) async fn add_role_to_instance_profile(
        &self,
        ctx: &Ctx,
        input: AddRoleToInstanceProfileRequest,
    ) -> Result<(), IamError> {
        let _relations = self.relations();
        self.instance_profile(ctx, &input.instance_profile_name)?;
        let role = self.role(ctx, &input.role_name)?;
        self.modify_instance_profile(ctx, &input.instance_profile_name, |slot| {
            let Some(profile) = slot else {
                return Err(no_such_profile(&input.instance_profile_name));
            };
            if profile.roles.len() >= MAX_ROLES {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: {MAX_ROLES}"
                )));
            }
            profile.roles.push(role.role_name);
            Ok(())
        })
    }

    pub(super) async fn remove_role_from_instance_profile(
        &self,
        ctx: &Ctx,
        input: RemoveRoleFromInstanceProfileRequest,
    ) -> Result<(), IamError> {
        self.instance_profile(ctx, &input.instance_profile_name)?;
        self.role(ctx, &input.role_name)?;
        self.modify_instance_profile(ctx, &input.instance_profile_name, |slot| {
            let Some(profile) = slot else {
                return Err(no_such_profile(&input.instance_profile_name));
            };
            if !profile.holds(&input.role_name) {
                return Err(IamError::NoSuchEntity(format!(
                    "The role with name {} cannot be found in instance profile {}.",
                    input.role_name, input.instance_profile_name
                )));
            }
            profile
                .roles
                .retain(|held| !held.eq_ignore_ascii_case(&input.role_name));
            Ok(())
        })
    }

    pub(super) async fn list_instance_profiles(
        &self,
        ctx: &Ctx,
        input: ListInstanceProfilesRequest,
    ) -> Result<ListInstanceProfilesResponse, IamError> {
        let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
        let entries = self
            .account_instance_profiles(ctx)
            .into_iter()
            .filter(|profile| profile.path.starts_with(&prefix))
            .map(|profile| (profile.instance_profile_name.to_ascii_lowercase(), profile))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListInstanceProfilesResponse {
            instance_profiles: page
                .items
                .into_iter()
                .map(|profile| self.profile_output(ctx, profile))
                .collect(),
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn list_instance_profiles_for_role(
        &self,
        ctx: &Ctx,
        input: ListInstanceProfilesForRoleRequest,
    ) -> Result<ListInstanceProfilesForRoleResponse, IamError> {
        if !self.roles.contains(&key(&ctx.account_id, &input.role_name)) {
            return Err(no_such_role(&input.role_name));
        }
        let entries = self
            .account_instance_profiles(ctx)
            .into_iter()
            .filter(|profile| profile.holds(&input.role_name))
            .map(|profile| (profile.instance_profile_name.to_ascii_lowercase(), profile))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListInstanceProfilesForRoleResponse {
            instance_profiles: page
                .items
                .into_iter()
                .map(|profile| self.profile_output(ctx, profile))
                .collect(),
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }

    pub(super) async fn tag_instance_profile(
        &self,
        ctx: &Ctx,
        input: TagInstanceProfileRequest,
    ) -> Result<(), IamError> {
        self.modify_instance_profile(ctx, &input.instance_profile_name, |slot| match slot {
            Some(profile) => merge_tags(&mut profile.tags, input.tags, "TagsPerInstanceProfile"),
            None => Err(no_such_profile(&input.instance_profile_name)),
        })
    }

    pub(super) async fn untag_instance_profile(
        &self,
        ctx: &Ctx,
        input: UntagInstanceProfileRequest,
    ) -> Result<(), IamError> {
        self.modify_instance_profile(ctx, &input.instance_profile_name, |slot| match slot {
            Some(profile) => {
                remove_tags(&mut profile.tags, &input.tag_keys);
                Ok(())
            }
            None => Err(no_such_profile(&input.instance_profile_name)),
        })
    }

    pub(super) async fn list_instance_profile_tags(
        &self,
        ctx: &Ctx,
        input: ListInstanceProfileTagsRequest,
    ) -> Result<ListInstanceProfileTagsResponse, IamError> {
        let profile = self.instance_profile(ctx, &input.instance_profile_name)?;
        let page = page_tags(profile.tags, input.marker.as_deref(), input.max_items)?;
        Ok(ListInstanceProfileTagsResponse {
            tags: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    }
}
