//! Instance profiles: containers for the (at most one) role an EC2 instance runs as.
//!
//! A profile stores its role by name; answers resolve the name to the role as it is now, the
//! way IAM answers with the current role. `DeleteRole` refuses a role that is still in a
//! profile, so a profile never names a role that does not exist.
//!
//! `GetInstanceProfile` always answers `Tags` (empty when there are none); `CreateInstanceProfile`
//! only when some were given; the list operations never (recorded from AWS).

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    self as shapes, AddRoleToInstanceProfileRequest, CreateInstanceProfileRequest,
    CreateInstanceProfileResponse, DeleteInstanceProfileRequest, GetInstanceProfileRequest,
    GetInstanceProfileResponse, ListInstanceProfileTagsRequest, ListInstanceProfileTagsResponse,
    ListInstanceProfilesForRoleRequest, ListInstanceProfilesForRoleResponse,
    ListInstanceProfilesRequest, ListInstanceProfilesResponse,
    RemoveRoleFromInstanceProfileRequest, Tag, TagInstanceProfileRequest,
    UntagInstanceProfileRequest,
};

use super::paging::paginate;
use super::roles::no_such_role;
use super::tags::{TagKeys, initial_tags, merge_tags, page_tags, present, remove_tags};
use super::{Iam, IamError, account_prefix, key, timestamp, under};
use crate::services::Ctx;

/// IAM's default quota of instance profiles per account.
const PROFILES_QUOTA: (&str, usize) = ("InstanceProfilesPerAccount", 1000);

/// IAM's quota of roles per instance profile (`InstanceSessionsPerInstanceProfile`).
const MAX_ROLES: usize = 1;

/// How instance profiles treat tag keys.
const PROFILE_TAGS: TagKeys = TagKeys::CaseInsensitive;

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

/// Which `Tags` an answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileTags {
    /// None (the list operations).
    Absent,
    /// Only when there are some (`CreateInstanceProfile`).
    WhenPresent,
    /// Always, possibly empty (`GetInstanceProfile`).
    Always,
}

impl Iam {
    /// Every instance profile of the caller's account, in name order.
    pub(crate) fn account_instance_profiles(&self, ctx: &Ctx) -> Vec<InstanceProfile> {
        self.instance_profiles
            .scan_prefix(&account_prefix(&ctx.account_id))
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

    /// The profile as IAM answers it, with its roles as they are now (their basic members only,
    /// as IAM answers them inside a profile).
    pub(crate) fn profile_output(
        &self,
        ctx: &Ctx,
        profile: InstanceProfile,
        tags: ProfileTags,
    ) -> shapes::InstanceProfile {
        shapes::InstanceProfile {
            roles: profile
                .roles
                .iter()
                .filter_map(|name| self.roles.get(&key(&ctx.account_id, name)))
                .map(|role| role.basic())
                .collect(),
            path: profile.path,
            instance_profile_name: profile.instance_profile_name,
            instance_profile_id: profile.instance_profile_id,
            arn: profile.arn,
            create_date: timestamp(profile.create_date_ms),
            tags: match tags {
                ProfileTags::Absent => None,
                ProfileTags::WhenPresent => present(&profile.tags),
                ProfileTags::Always => Some(profile.tags),
            },
        }
    }

    pub(super) async fn create_instance_profile(
        &self,
        ctx: &Ctx,
        input: CreateInstanceProfileRequest,
    ) -> Result<CreateInstanceProfileResponse, IamError> {
        let tags = initial_tags(input.tags, PROFILE_TAGS)?;
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
        self.insert_new(
            &self.instance_profiles,
            ctx,
            &input.instance_profile_name,
            profile.clone(),
            PROFILES_QUOTA,
            || {
                IamError::EntityAlreadyExists(format!(
                    "Instance Profile {} already exists.",
                    input.instance_profile_name
                ))
            },
        )?;
        Ok(CreateInstanceProfileResponse {
            instance_profile: self.profile_output(ctx, profile, ProfileTags::WhenPresent),
        })
    }

    pub(super) async fn get_instance_profile(
        &self,
        ctx: &Ctx,
        input: GetInstanceProfileRequest,
    ) -> Result<GetInstanceProfileResponse, IamError> {
        let profile = self.instance_profile(ctx, &input.instance_profile_name)?;
        Ok(GetInstanceProfileResponse {
            instance_profile: self.profile_output(ctx, profile, ProfileTags::Always),
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
        self.transaction(|txn| {
            let profile_key = key(&ctx.account_id, &input.instance_profile_name);
            let mut profile = txn
                .get(&self.instance_profiles, &profile_key)?
                .ok_or_else(|| no_such_profile(&input.instance_profile_name))?;
            let role = txn
                .get(&self.roles, &key(&ctx.account_id, &input.role_name))?
                .ok_or_else(|| no_such_role(&input.role_name))?;
            if profile.roles.len() >= MAX_ROLES {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: {MAX_ROLES}"
                )));
            }
            profile.roles.push(role.role_name);
            txn.insert(&self.instance_profiles, &profile_key, profile)?;
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
                    "Role {} in Instance Profile {} cannot be found.",
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
        let entries = self
            .account_instance_profiles(ctx)
            .into_iter()
            .filter(|profile| under(&profile.path, input.path_prefix.as_deref()))
            .map(|profile| (profile.instance_profile_name.to_ascii_lowercase(), profile))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListInstanceProfilesResponse {
            instance_profiles: page
                .items
                .into_iter()
                .map(|profile| self.profile_output(ctx, profile, ProfileTags::Absent))
                .collect(),
            is_truncated: Some(page.is_truncated),
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
                .map(|profile| self.profile_output(ctx, profile, ProfileTags::Absent))
                .collect(),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn tag_instance_profile(
        &self,
        ctx: &Ctx,
        input: TagInstanceProfileRequest,
    ) -> Result<(), IamError> {
        self.modify_instance_profile(ctx, &input.instance_profile_name, |slot| match slot {
            Some(profile) => merge_tags(&mut profile.tags, input.tags, PROFILE_TAGS),
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
                remove_tags(&mut profile.tags, &input.tag_keys, PROFILE_TAGS);
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
        let page = page_tags(
            profile.tags,
            PROFILE_TAGS,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListInstanceProfileTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
