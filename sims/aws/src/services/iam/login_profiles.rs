//! Login profiles: a user's console password (`CreateLoginProfile`, `GetLoginProfile`,
//! `UpdateLoginProfile`, `DeleteLoginProfile`), and `ChangePassword`, by which an IAM user
//! changes its own password. New passwords are checked against the account's password policy
//! (`passwords`), including the reuse rule.
//!
//! Passwords are never stored: a profile keeps a salted digest of the current password, enough
//! to verify the old password `ChangePassword` is given, and of the few before it that the
//! reuse rule may forbid.
//!
//! Assumptions (AWS's answers were not found recorded): `ChangePassword` from anything but an
//! IAM user answers `InvalidUserType`, and a wrong old password `AccessDenied`.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    self as shapes, ChangePasswordRequest, CreateLoginProfileRequest, CreateLoginProfileResponse,
    DeleteLoginProfileRequest, GetLoginProfileRequest, GetLoginProfileResponse,
    UpdateLoginProfileRequest,
};

use super::passwords::{digest, matches, violation};
use super::users::Subject;
use super::{Iam, IamError, timestamp};
use crate::services::Ctx;

/// How many previous passwords a profile remembers (the most `PasswordReusePrevention` allows).
const REMEMBERED_PASSWORDS: usize = 24;

/// A user's login profile, kept in its user record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub create_date_ms: i64,
    pub password_reset_required: bool,
    /// The current password's salted digest (`passwords::digest`).
    pub password_digest: String,
    /// Digests of earlier passwords, newest first.
    #[serde(default)]
    pub previous_digests: Vec<String>,
    /// When the password was last set (creation, update or change).
    #[serde(default)]
    pub password_changed_ms: Option<i64>,
}

impl LoginProfile {
    /// When the current password was set.
    pub fn last_changed_ms(&self) -> i64 {
        self.password_changed_ms.unwrap_or(self.create_date_ms)
    }

    fn output(&self, user_name: &str) -> shapes::LoginProfile {
        shapes::LoginProfile {
            user_name: user_name.to_string(),
            create_date: timestamp(self.create_date_ms),
            password_reset_required: Some(self.password_reset_required),
        }
    }

    /// Whether `password` is the current one or one of the last `count` before it.
    fn used_recently(&self, password: &str, count: usize) -> bool {
        matches(&self.password_digest, password)
            || self
                .previous_digests
                .iter()
                .take(count.saturating_sub(1))
                .any(|previous| matches(previous, password))
    }
}

fn no_such_profile(user_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "Login Profile for User {user_name} cannot be found."
    ))
}

/// The IAM user a login-profile operation acts on: named, or else the calling user.
fn profile_owner(ctx: &Ctx, user_name: Option<String>) -> Result<String, IamError> {
    match Subject::of(ctx, user_name)? {
        Subject::User(name) => Ok(name),
        Subject::Root => Err(IamError::Validation(
            "Must specify userName when calling with non-User credentials".into(),
        )),
    }
}

impl Iam {
    /// A salted digest of a new password.
    fn password_digest(&self, password: &str) -> String {
        let salt = self.kit.ids().random_word(b"0123456789abcdef", 16);
        digest(&salt, password)
    }

    /// Refuses a password the account's policy does not allow.
    fn check_password(
        &self,
        ctx: &Ctx,
        password: &str,
        previous: Option<&LoginProfile>,
    ) -> Result<(), IamError> {
        let policy = self.account_settings(ctx).password_policy;
        let reused = match (&policy, previous) {
            (Some(policy), Some(profile)) => policy
                .password_reuse_prevention
                .is_some_and(|count| profile.used_recently(password, count.max(0) as usize)),
            _ => false,
        };
        match violation(password, policy.as_ref(), reused) {
            Some(message) => Err(IamError::PasswordPolicyViolation(message)),
            None => Ok(()),
        }
    }

    pub(super) async fn create_login_profile(
        &self,
        ctx: &Ctx,
        input: CreateLoginProfileRequest,
    ) -> Result<CreateLoginProfileResponse, IamError> {
        let user_name = profile_owner(ctx, input.user_name)?;
        let user = self.user(ctx, &user_name)?;
        if user.login_profile.is_some() {
            return Err(IamError::EntityAlreadyExists(format!(
                "Login Profile for user {user_name} already exists."
            )));
        }
        let password = input.password.ok_or_else(|| {
            IamError::Validation(
                "1 validation error detected: Value at 'password' failed to satisfy constraint: \
                 Member must not be null"
                    .into(),
            )
        })?;
        self.check_password(ctx, &password, None)?;
        let profile = LoginProfile {
            create_date_ms: self.now_millis(),
            password_reset_required: input.password_reset_required.unwrap_or(false),
            password_digest: self.password_digest(&password),
            previous_digests: Vec::new(),
            password_changed_ms: None,
        };
        let user_name = self.modify_user(ctx, &user_name, |user| {
            if user.login_profile.is_some() {
                return Err(IamError::EntityAlreadyExists(format!(
                    "Login Profile for user {} already exists.",
                    user.user_name
                )));
            }
            user.login_profile = Some(profile.clone());
            Ok(user.user_name.clone())
        })?;
        Ok(CreateLoginProfileResponse {
            login_profile: profile.output(&user_name),
        })
    }

    pub(super) async fn get_login_profile(
        &self,
        ctx: &Ctx,
        input: GetLoginProfileRequest,
    ) -> Result<GetLoginProfileResponse, IamError> {
        let user_name = profile_owner(ctx, input.user_name)?;
        let user = self.user(ctx, &user_name)?;
        let profile = user
            .login_profile
            .as_ref()
            .ok_or_else(|| no_such_profile(&user.user_name))?;
        Ok(GetLoginProfileResponse {
            login_profile: profile.output(&user.user_name),
        })
    }

    pub(super) async fn update_login_profile(
        &self,
        ctx: &Ctx,
        input: UpdateLoginProfileRequest,
    ) -> Result<(), IamError> {
        let user = self.user(ctx, &input.user_name)?;
        let profile = user
            .login_profile
            .ok_or_else(|| no_such_profile(&user.user_name))?;
        let now = self.now_millis();
        let new_digest = match &input.password {
            Some(password) => {
                self.check_password(ctx, password, Some(&profile))?;
                Some(self.password_digest(password))
            }
            None => None,
        };
        self.modify_user(ctx, &input.user_name, |user| {
            let name = user.user_name.clone();
            let profile = user
                .login_profile
                .as_mut()
                .ok_or_else(|| no_such_profile(&name))?;
            if let Some(new_digest) = new_digest {
                replace_password(profile, new_digest, now);
            }
            if let Some(required) = input.password_reset_required {
                profile.password_reset_required = required;
            }
            Ok(())
        })
    }

    pub(super) async fn delete_login_profile(
        &self,
        ctx: &Ctx,
        input: DeleteLoginProfileRequest,
    ) -> Result<(), IamError> {
        let user_name = profile_owner(ctx, input.user_name)?;
        self.modify_user(ctx, &user_name, |user| match user.login_profile.take() {
            Some(_) => Ok(()),
            None => Err(no_such_profile(&user.user_name)),
        })
    }

    pub(super) async fn change_password(
        &self,
        ctx: &Ctx,
        input: ChangePasswordRequest,
    ) -> Result<(), IamError> {
        let user_name = match Subject::of(ctx, None) {
            Ok(Subject::User(name)) => name,
            _ => {
                return Err(IamError::InvalidUserType(
                    "Only IAM users can change their own password.".into(),
                ));
            }
        };
        let user = self.user(ctx, &user_name)?;
        let profile = user
            .login_profile
            .ok_or_else(|| no_such_profile(&user.user_name))?;
        if !matches(&profile.password_digest, &input.old_password) {
            return Err(IamError::AccessDenied(
                "The old password was incorrect.".into(),
            ));
        }
        self.check_password(ctx, &input.new_password, Some(&profile))?;
        let new_digest = self.password_digest(&input.new_password);
        let now = self.now_millis();
        self.modify_user(ctx, &user_name, |user| {
            let name = user.user_name.clone();
            let profile = user
                .login_profile
                .as_mut()
                .ok_or_else(|| no_such_profile(&name))?;
            replace_password(profile, new_digest, now);
            profile.password_reset_required = false;
            Ok(())
        })
    }
}

/// Makes `new_digest` the current password, remembering the old one for the reuse rule.
fn replace_password(profile: &mut LoginProfile, new_digest: String, now_ms: i64) {
    profile.password_changed_ms = Some(now_ms);
    let old = std::mem::replace(&mut profile.password_digest, new_digest);
    profile.previous_digests.insert(0, old);
    profile.previous_digests.truncate(REMEMBERED_PASSWORDS);
}
