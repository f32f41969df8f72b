//! IAM groups and membership: create, read (with members), list, rename, delete, and adding
//! and removing users.
//!
//! Membership is kept on the user's side (`User::groups`, names as created), so a user's
//! groups change with the user; a group's members are the users that name it. Renaming a group
//! rewrites its name in every member in the same transaction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    self as shapes, AddUserToGroupRequest, CreateGroupRequest, CreateGroupResponse,
    DeleteGroupRequest, GetGroupRequest, GetGroupResponse, ListGroupsForUserRequest,
    ListGroupsForUserResponse, ListGroupsRequest, ListGroupsResponse, RemoveUserFromGroupRequest,
    UpdateGroupRequest,
};
use simkit::store::Txn;

use super::grants::{Grantee, no_such_entity};
use super::paging::paginate;
use super::{Iam, IamError, account_prefix, key, timestamp, under};
use crate::services::Ctx;

/// IAM's default quota of groups per account.
const GROUPS_QUOTA: (&str, usize) = ("GroupsPerAccount", 300);

/// The most groups a user may belong to (`GroupsPerUser`, not adjustable).
const GROUPS_PER_USER: usize = 10;

/// A stored group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub account_id: String,
    pub path: String,
    pub group_name: String,
    pub group_id: String,
    pub arn: String,
    pub create_date_ms: i64,
    /// ARNs of the managed policies attached, in attachment order.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Inline policies: name to document as given.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
}

impl Group {
    pub fn output(&self) -> shapes::Group {
        shapes::Group {
            path: self.path.clone(),
            group_name: self.group_name.clone(),
            group_id: self.group_id.clone(),
            arn: self.arn.clone(),
            create_date: timestamp(self.create_date_ms),
        }
    }
}

pub(crate) fn no_such_group(group_name: &str) -> IamError {
    no_such_entity(&Group::KIND, group_name)
}

impl Iam {
    pub(crate) fn group(&self, ctx: &Ctx, group_name: &str) -> Result<Group, IamError> {
        self.groups
            .get(&key(&ctx.account_id, group_name))
            .ok_or_else(|| no_such_group(group_name))
    }

    fn group_in(&self, txn: &Txn<'_>, ctx: &Ctx, group_name: &str) -> Result<Group, IamError> {
        txn.get(&self.groups, &key(&ctx.account_id, group_name))?
            .ok_or_else(|| no_such_group(group_name))
    }

    /// Every group of the caller's account, in name order.
    pub(crate) fn account_groups(&self, ctx: &Ctx) -> Vec<Group> {
        self.groups
            .scan_prefix(&account_prefix(&ctx.account_id))
            .into_iter()
            .map(|(_, group)| group)
            .collect()
    }

    /// The users of the caller's account that belong to the group, in name order.
    pub(crate) fn group_members(&self, ctx: &Ctx, group_name: &str) -> Vec<super::users::User> {
        self.account_users(ctx)
            .into_iter()
            .filter(|user| user.in_group(group_name))
            .collect()
    }

    pub(super) async fn create_group(
        &self,
        ctx: &Ctx,
        input: CreateGroupRequest,
    ) -> Result<CreateGroupResponse, IamError> {
        let path = input.path.unwrap_or_else(|| "/".into());
        let group = Group {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:group{path}{}",
                ctx.account_id, input.group_name
            ),
            path,
            group_name: input.group_name.clone(),
            group_id: self.unique_id("AGPA"),
            create_date_ms: self.now_millis(),
            attached_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
        };
        self.insert_new(
            &self.groups,
            ctx,
            &input.group_name,
            group.clone(),
            GROUPS_QUOTA,
            || {
                IamError::EntityAlreadyExists(format!(
                    "Group with name {} already exists.",
                    input.group_name
                ))
            },
        )?;
        Ok(CreateGroupResponse {
            group: group.output(),
        })
    }

    pub(super) async fn get_group(
        &self,
        ctx: &Ctx,
        input: GetGroupRequest,
    ) -> Result<GetGroupResponse, IamError> {
        let group = self.group(ctx, &input.group_name)?;
        let entries = self
            .group_members(ctx, &group.group_name)
            .into_iter()
            .map(|user| (user.user_name.to_ascii_lowercase(), user.listed()))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(GetGroupResponse {
            group: group.output(),
            users: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn list_groups(
        &self,
        ctx: &Ctx,
        input: ListGroupsRequest,
    ) -> Result<ListGroupsResponse, IamError> {
        let entries = self
            .account_groups(ctx)
            .into_iter()
            .filter(|group| under(&group.path, input.path_prefix.as_deref()))
            .map(|group| (group.group_name.to_ascii_lowercase(), group.output()))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListGroupsResponse {
            groups: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn list_groups_for_user(
        &self,
        ctx: &Ctx,
        input: ListGroupsForUserRequest,
    ) -> Result<ListGroupsForUserResponse, IamError> {
        let user = self.user(ctx, &input.user_name)?;
        let entries = user
            .groups
            .iter()
            .filter_map(|name| self.groups.get(&key(&ctx.account_id, name)))
            .map(|group| (group.group_name.to_ascii_lowercase(), group.output()))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListGroupsForUserResponse {
            groups: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_group(
        &self,
        ctx: &Ctx,
        input: UpdateGroupRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let old_key = key(&ctx.account_id, &input.group_name);
            let mut group = self.group_in(txn, ctx, &input.group_name)?;
            let old_name = group.group_name.clone();
            if let Some(path) = input.new_path {
                group.path = path;
            }
            if let Some(new_name) = input.new_group_name {
                let new_key = key(&ctx.account_id, &new_name);
                if new_key != old_key && txn.contains(&self.groups, &new_key)? {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "Group with name {new_name} already exists."
                    )));
                }
                for (user_key, mut user) in
                    txn.scan_prefix(&self.users, &account_prefix(&ctx.account_id))?
                {
                    if user.in_group(&old_name) {
                        for membership in &mut user.groups {
                            if membership.eq_ignore_ascii_case(&old_name) {
                                membership.clone_from(&new_name);
                            }
                        }
                        txn.insert(&self.users, &user_key, user)?;
                    }
                }
                group.group_name = new_name;
            }
            group.arn = format!(
                "arn:aws:iam::{}:group{}{}",
                ctx.account_id, group.path, group.group_name
            );
            txn.remove(&self.groups, &old_key)?;
            txn.insert(
                &self.groups,
                &key(&ctx.account_id, &group.group_name),
                group,
            )?;
            Ok(())
        })
    }

    pub(super) async fn delete_group(
        &self,
        ctx: &Ctx,
        input: DeleteGroupRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let group = self.group_in(txn, ctx, &input.group_name)?;
            let has_members = txn
                .scan_prefix(&self.users, &account_prefix(&ctx.account_id))?
                .iter()
                .any(|(_, user)| user.in_group(&group.group_name));
            let conflict = |what: &str| {
                Err(IamError::DeleteConflict(format!(
                    "Cannot delete entity, must {what} first."
                )))
            };
            if has_members {
                return conflict("remove users from group");
            }
            if !group.attached_policies.is_empty() {
                return conflict("detach all policies");
            }
            if !group.inline_policies.is_empty() {
                return conflict("delete policies");
            }
            txn.remove(&self.groups, &key(&ctx.account_id, &input.group_name))?;
            Ok(())
        })
    }

    pub(super) async fn add_user_to_group(
        &self,
        ctx: &Ctx,
        input: AddUserToGroupRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let mut user = self.user_in(txn, ctx, &input.user_name)?;
            let group = self.group_in(txn, ctx, &input.group_name)?;
            if user.in_group(&group.group_name) {
                return Ok(());
            }
            if user.groups.len() >= GROUPS_PER_USER {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
                )));
            }
            user.groups.push(group.group_name);
            txn.insert(&self.users, &key(&ctx.account_id, &input.user_name), user)?;
            Ok(())
        })
    }

    pub(super) async fn remove_user_from_group(
        &self,
        ctx: &Ctx,
        input: RemoveUserFromGroupRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let mut user = self.user_in(txn, ctx, &input.user_name)?;
            self.group_in(txn, ctx, &input.group_name)?;
            // Removing a user that is not a member succeeds, as in AWS.
            user.groups
                .retain(|group| !group.eq_ignore_ascii_case(&input.group_name));
            txn.insert(&self.users, &key(&ctx.account_id, &input.user_name), user)?;
            Ok(())
        })
    }
}
