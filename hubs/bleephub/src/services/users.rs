//! Users: the authenticated user (`GET/PATCH /user`) and any user (`GET /users/{username}`).

use serde::Deserialize;

use super::Ctx;
use crate::error::GitHubError;
use crate::model::{Account, AccountKind};
use crate::render::UserCounts;

/// `PATCH /user`.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub email: Option<String>,
    pub blog: Option<String>,
    pub company: Option<String>,
    pub location: Option<String>,
    pub bio: Option<String>,
}

pub fn get_authenticated(ctx: &Ctx<'_>) -> Result<(Account, UserCounts), GitHubError> {
    let caller = ctx.require_caller()?;
    Ok((caller.account.clone(), counts(ctx, &caller.account.login)))
}

pub fn update_authenticated(
    ctx: &Ctx<'_>,
    input: UpdateUser,
) -> Result<(Account, UserCounts), GitHubError> {
    let caller = ctx.require_caller()?;
    if !caller.has_scope("user") {
        return Err(GitHubError::NotFound);
    }
    let login = caller.account.login.clone();
    let now = ctx.now;
    let updated = ctx
        .hub
        .state
        .accounts
        .update(&login.to_ascii_lowercase(), |account| {
            let set = |field: &mut Option<String>, value: Option<String>| {
                if let Some(value) = value {
                    *field = Some(value).filter(|v| !v.is_empty());
                }
            };
            set(&mut account.name, input.name);
            set(&mut account.email, input.email);
            set(&mut account.company, input.company);
            set(&mut account.location, input.location);
            set(&mut account.bio, input.bio);
            if let Some(blog) = input.blog {
                account.blog = blog;
            }
            account.updated_at = now;
            account.clone()
        })?
        .ok_or(GitHubError::NotFound)?;
    Ok((updated, counts(ctx, &login)))
}

pub fn get_by_username(
    ctx: &Ctx<'_>,
    username: &str,
) -> Result<(Account, UserCounts), GitHubError> {
    let account = ctx
        .hub
        .state
        .account(username)
        .ok_or(GitHubError::NotFound)?;
    Ok((account.clone(), counts(ctx, &account.login)))
}

/// Repository counts of an account (public ones, and private ones the owner holds).
pub fn counts(ctx: &Ctx<'_>, login: &str) -> UserCounts {
    let mut counts = UserCounts::default();
    for (_, repo) in ctx.hub.state.repos.all() {
        if repo.owner.eq_ignore_ascii_case(login) {
            if repo.private {
                counts.private_repos += 1;
            } else {
                counts.public_repos += 1;
            }
        }
    }
    counts
}

/// Whether an account is an organization.
pub fn is_org(account: &Account) -> bool {
    account.kind == AccountKind::Organization
}
