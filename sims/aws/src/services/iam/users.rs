//! IAM users: create, read, list, rename, delete (with AWS's `DeleteConflict` rules), tags and
//! permissions boundaries. Everything that belongs to one user and nothing else (its grants,
//! group memberships, login profile, access key IDs, SSH keys, signing certificates,
//! service-specific credentials) is kept in its [`User`] record, so a user and what it holds
//! change atomically; a rename moves the record and updates the few records of other
//! collections that name the user (its access keys, its MFA devices) in the same transaction.
//!
//! Answers differ per operation as AWS's do: `ListUsers` and `GetGroup` leave out tags and the
//! boundary; `CreateUser` and `GetUser` carry them when present.
//!
//! An operation whose `UserName` is optional acts on the caller ([`Subject`]): the IAM user
//! whose key signed the request, or the account's root user; anything else (a role session)
//! must name the user, as in AWS.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    self as shapes, CreateUserRequest, CreateUserResponse, DeleteUserPermissionsBoundaryRequest,
    DeleteUserRequest, GetUserRequest, GetUserResponse, ListUserTagsRequest, ListUserTagsResponse,
    ListUsersRequest, ListUsersResponse, PutUserPermissionsBoundaryRequest, Tag, TagUserRequest,
    UntagUserRequest, UpdateUserRequest,
};
use simkit::store::Txn;

use super::credentials::{StoredServiceCredential, StoredSigningCertificate, StoredSshKey};
use super::grants::Grantee;
use super::grants::no_such_entity;
use super::login_profiles::LoginProfile;
use super::paging::paginate;
use super::roles::boundary;
use super::tags::{TagKeys, initial_tags, merge_tags, page_tags, present, remove_tags};
use super::{Iam, IamError, account_prefix, key, timestamp, under};
use crate::services::Ctx;

/// IAM's quota of users per account.
const USERS_QUOTA: (&str, usize) = ("UsersPerAccount", 5000);

/// How users treat tag keys.
const USER_TAGS: TagKeys = TagKeys::CaseInsensitive;

/// A stored IAM user and everything that belongs to it alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub account_id: String,
    pub path: String,
    pub user_name: String,
    pub user_id: String,
    pub arn: String,
    pub create_date_ms: i64,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
    /// ARNs of the managed policies attached, in attachment order.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Inline policies: name to document as given.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// Names of the groups the user belongs to, in the order it joined them.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub login_profile: Option<LoginProfile>,
    /// When the user's password was last used to sign in (never, in the simulator, unless set).
    #[serde(default)]
    pub password_last_used_ms: Option<i64>,
    /// IDs of the user's access keys (the keys live in their own collection, by ID).
    #[serde(default)]
    pub access_key_ids: Vec<String>,
    #[serde(default)]
    pub ssh_public_keys: Vec<StoredSshKey>,
    #[serde(default)]
    pub signing_certificates: Vec<StoredSigningCertificate>,
    #[serde(default)]
    pub service_credentials: Vec<StoredServiceCredential>,
}

impl User {
    /// Whether the user belongs to the group (group names are case-insensitive).
    pub fn in_group(&self, group_name: &str) -> bool {
        self.groups
            .iter()
            .any(|group| group.eq_ignore_ascii_case(group_name))
    }

    /// As `ListUsers` and `GetGroup` answer it: no tags or boundary.
    pub fn listed(&self) -> shapes::User {
        shapes::User {
            path: self.path.clone(),
            user_name: self.user_name.clone(),
            user_id: self.user_id.clone(),
            arn: self.arn.clone(),
            create_date: timestamp(self.create_date_ms),
            password_last_used: self.password_last_used_ms.map(timestamp),
            permissions_boundary: None,
            tags: None,
        }
    }

    /// As `CreateUser` and `GetUser` answer it.
    pub fn full(&self) -> shapes::User {
        shapes::User {
            permissions_boundary: boundary(&self.permissions_boundary),
            tags: present(&self.tags),
            ..self.listed()
        }
    }
}

/// Whom an operation with an optional `UserName` acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subject {
    /// The account's root user.
    Root,
    /// The IAM user with this name.
    User(String),
}

impl Subject {
    /// The subject named by `user_name`, or else the caller.
    pub fn of(ctx: &Ctx, user_name: Option<String>) -> Result<Self, IamError> {
        if let Some(name) = user_name {
            return Ok(Subject::User(name));
        }
        let arn = &ctx.caller.arn;
        if arn == &format!("arn:aws:iam::{}:root", ctx.account_id) {
            return Ok(Subject::Root);
        }
        match arn.split_once(":user/") {
            Some((_, path_and_name)) if arn.starts_with("arn:aws:iam::") => Ok(Subject::User(
                path_and_name
                    .rsplit('/')
                    .next()
                    .unwrap_or(path_and_name)
                    .to_string(),
            )),
            _ => Err(IamError::Validation(
                "Must specify userName when calling with non-User credentials".into(),
            )),
        }
    }
}

pub(crate) fn no_such_user(user_name: &str) -> IamError {
    no_such_entity(&User::KIND, user_name)
}

impl Iam {
    pub(crate) fn user(&self, ctx: &Ctx, user_name: &str) -> Result<User, IamError> {
        self.users
            .get(&key(&ctx.account_id, user_name))
            .ok_or_else(|| no_such_user(user_name))
    }

    /// The user, read through a transaction (as it has left it so far).
    pub(crate) fn user_in(
        &self,
        txn: &Txn<'_>,
        ctx: &Ctx,
        user_name: &str,
    ) -> Result<User, IamError> {
        txn.get(&self.users, &key(&ctx.account_id, user_name))?
            .ok_or_else(|| no_such_user(user_name))
    }

    /// Changes an existing user atomically; `NoSuchEntity` if it is missing.
    pub(crate) fn modify_user<R>(
        &self,
        ctx: &Ctx,
        user_name: &str,
        change: impl FnOnce(&mut User) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        self.users
            .modify(&key(&ctx.account_id, user_name), |slot| match slot {
                Some(user) => change(user),
                None => Err(no_such_user(user_name)),
            })
    }

    /// Every user of the caller's account, in name order.
    pub(crate) fn account_users(&self, ctx: &Ctx) -> Vec<User> {
        self.users
            .scan_prefix(&account_prefix(&ctx.account_id))
            .into_iter()
            .map(|(_, user)| user)
            .collect()
    }

    pub(super) async fn create_user(
        &self,
        ctx: &Ctx,
        input: CreateUserRequest,
    ) -> Result<CreateUserResponse, IamError> {
        let tags = initial_tags(input.tags, USER_TAGS)?;
        let path = input.path.unwrap_or_else(|| "/".into());
        let user = User {
            account_id: ctx.account_id.clone(),
            arn: format!(
                "arn:aws:iam::{}:user{path}{}",
                ctx.account_id, input.user_name
            ),
            path,
            user_name: input.user_name.clone(),
            user_id: self.unique_id("AIDA"),
            create_date_ms: self.now_millis(),
            permissions_boundary: input.permissions_boundary,
            tags,
            attached_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
            groups: Vec::new(),
            login_profile: None,
            password_last_used_ms: None,
            access_key_ids: Vec::new(),
            ssh_public_keys: Vec::new(),
            signing_certificates: Vec::new(),
            service_credentials: Vec::new(),
        };
        self.transaction(|txn| {
            if let Some(boundary) = &user.permissions_boundary {
                self.check_boundary(ctx, boundary)?;
            }
            let user_key = key(&ctx.account_id, &user.user_name);
            if txn.contains(&self.users, &user_key)? {
                return Err(IamError::EntityAlreadyExists(format!(
                    "User with name {} already exists.",
                    user.user_name
                )));
            }
            self.check_account_quota(txn, &self.users, ctx, USERS_QUOTA)?;
            txn.insert(&self.users, &user_key, user.clone())?;
            Ok(())
        })?;
        Ok(CreateUserResponse {
            user: Some(user.full()),
        })
    }

    pub(super) async fn get_user(
        &self,
        ctx: &Ctx,
        input: GetUserRequest,
    ) -> Result<GetUserResponse, IamError> {
        let user = match Subject::of(ctx, input.user_name)? {
            Subject::User(name) => self.user(ctx, &name)?.full(),
            Subject::Root => self.root_user(ctx),
        };
        Ok(GetUserResponse { user })
    }

    /// The root user as `GetUser` answers it: the account ID as its user ID, and the root ARN.
    fn root_user(&self, ctx: &Ctx) -> shapes::User {
        shapes::User {
            path: String::new(),
            user_name: String::new(),
            user_id: ctx.account_id.clone(),
            arn: format!("arn:aws:iam::{}:root", ctx.account_id),
            create_date: timestamp(self.account_created_ms(ctx)),
            ..Default::default()
        }
    }

    pub(super) async fn list_users(
        &self,
        ctx: &Ctx,
        input: ListUsersRequest,
    ) -> Result<ListUsersResponse, IamError> {
        let entries = self
            .account_users(ctx)
            .into_iter()
            .filter(|user| under(&user.path, input.path_prefix.as_deref()))
            .map(|user| (user.user_name.to_ascii_lowercase(), user.listed()))
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListUsersResponse {
            users: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    pub(super) async fn update_user(
        &self,
        ctx: &Ctx,
        input: UpdateUserRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let old_key = key(&ctx.account_id, &input.user_name);
            let mut user = self.user_in(txn, ctx, &input.user_name)?;
            if let Some(path) = input.new_path {
                user.path = path;
            }
            let renamed = input
                .new_user_name
                .filter(|new_name| *new_name != user.user_name);
            if let Some(new_name) = &renamed {
                let new_key = key(&ctx.account_id, new_name);
                if new_key != old_key && txn.contains(&self.users, &new_key)? {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "User with name {new_name} already exists."
                    )));
                }
                user.user_name = new_name.clone();
                self.rename_user_references(txn, ctx, &input.user_name, new_name, &user)?;
            }
            user.arn = format!(
                "arn:aws:iam::{}:user{}{}",
                ctx.account_id, user.path, user.user_name
            );
            txn.remove(&self.users, &old_key)?;
            txn.insert(&self.users, &key(&ctx.account_id, &user.user_name), user)?;
            Ok(())
        })
    }

    /// After a rename, the records of other collections that name the user follow it.
    fn rename_user_references(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        old_name: &str,
        new_name: &str,
        user: &User,
    ) -> Result<(), IamError> {
        for access_key_id in &user.access_key_ids {
            txn.update(&self.access_keys, access_key_id, |access_key| {
                access_key.user_name = Some(new_name.to_string());
            })?;
        }
        self.rename_mfa_owner(txn, ctx, old_name, new_name)
    }

    pub(super) async fn delete_user(
        &self,
        ctx: &Ctx,
        input: DeleteUserRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let user = self.user_in(txn, ctx, &input.user_name)?;
            let conflict = |what: &str| {
                Err(IamError::DeleteConflict(format!(
                    "Cannot delete entity, must {what} first."
                )))
            };
            if user.login_profile.is_some() {
                return conflict("delete login profile");
            }
            if !user.attached_policies.is_empty() {
                return conflict("detach all policies");
            }
            if !user.inline_policies.is_empty() {
                return conflict("delete policies");
            }
            if !user.access_key_ids.is_empty() {
                return conflict("delete access keys");
            }
            if user.holds_other_credentials() {
                return conflict("remove referenced objects");
            }
            if self.has_mfa_devices(txn, ctx, &user.user_name)? {
                return conflict("delete MFA device");
            }
            if !user.groups.is_empty() {
                return conflict("remove users from group");
            }
            txn.remove(&self.users, &key(&ctx.account_id, &input.user_name))?;
            Ok(())
        })
    }

    pub(super) async fn put_user_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: PutUserPermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let mut user = self.user_in(txn, ctx, &input.user_name)?;
            self.check_boundary(ctx, &input.permissions_boundary)?;
            user.permissions_boundary = Some(input.permissions_boundary);
            txn.insert(&self.users, &key(&ctx.account_id, &input.user_name), user)?;
            Ok(())
        })
    }

    pub(super) async fn delete_user_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: DeleteUserPermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        self.modify_user(ctx, &input.user_name, |user| {
            user.permissions_boundary = None;
            Ok(())
        })
    }

    pub(super) async fn tag_user(&self, ctx: &Ctx, input: TagUserRequest) -> Result<(), IamError> {
        self.modify_user(ctx, &input.user_name, |user| {
            merge_tags(&mut user.tags, input.tags, USER_TAGS)
        })
    }

    pub(super) async fn untag_user(
        &self,
        ctx: &Ctx,
        input: UntagUserRequest,
    ) -> Result<(), IamError> {
        self.modify_user(ctx, &input.user_name, |user| {
            remove_tags(&mut user.tags, &input.tag_keys, USER_TAGS);
            Ok(())
        })
    }

    pub(super) async fn list_user_tags(
        &self,
        ctx: &Ctx,
        input: ListUserTagsRequest,
    ) -> Result<ListUserTagsResponse, IamError> {
        let user = self.user(ctx, &input.user_name)?;
        let page = page_tags(
            user.tags,
            USER_TAGS,
            input.marker.as_deref(),
            input.max_items,
        )?;
        Ok(ListUserTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}
