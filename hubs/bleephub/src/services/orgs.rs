//! Organizations and their members. Organizations are created through the admin API (on
//! GitHub.com they are made in the web UI); members are invited with
//! `PUT /orgs/{org}/memberships/{username}` (pending until the user accepts with
//! `PATCH /user/memberships/orgs/{org}`), or added directly through the admin API.

use serde::Deserialize;

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{Account, AccountKind, Membership, membership_key};

pub fn get(ctx: &Ctx<'_>, org: &str) -> Result<Account, GitHubError> {
    ctx.hub
        .state
        .account(org)
        .filter(|a| a.kind == AccountKind::Organization)
        .ok_or(GitHubError::NotFound)
}

/// The organizations `login` is an active member of, in ID order.
pub fn orgs_of(ctx: &Ctx<'_>, login: &str) -> Vec<Account> {
    let user = login.to_ascii_lowercase();
    let mut orgs: Vec<Account> = ctx
        .hub
        .state
        .memberships
        .all()
        .into_iter()
        .filter(|(_, m)| m.user.eq_ignore_ascii_case(&user) && m.state == "active")
        .filter_map(|(_, m)| ctx.hub.state.account(&m.org))
        .collect();
    orgs.sort_by_key(|org| org.id);
    orgs
}

pub fn list_for_authenticated_user(ctx: &Ctx<'_>) -> Result<Vec<Account>, GitHubError> {
    let caller = ctx.require_caller()?;
    Ok(orgs_of(ctx, caller.login()))
}

/// Organizations of another user. Membership visibility is not modelled, so only the caller's
/// own organizations (which it can see anyway) are listed for other users too.
pub fn list_for_user(ctx: &Ctx<'_>, username: &str) -> Result<Vec<Account>, GitHubError> {
    let user = ctx
        .hub
        .state
        .account(username)
        .ok_or(GitHubError::NotFound)?;
    Ok(orgs_of(ctx, &user.login)
        .into_iter()
        .filter(|org| ctx.org_role(&org.login).is_some())
        .collect())
}

/// Members, for members of the organization (others would see only public members, and
/// membership visibility is not modelled: they see none).
pub fn list_members(
    ctx: &Ctx<'_>,
    org: &str,
    role: Option<&str>,
) -> Result<Vec<Account>, GitHubError> {
    let org = get(ctx, org)?;
    if ctx.org_role(&org.login).is_none()
        && !ctx.caller.as_ref().is_some_and(|c| c.account.site_admin)
    {
        return Ok(Vec::new());
    }
    let prefix = format!("{}/", org.login.to_ascii_lowercase());
    let mut members: Vec<Account> = ctx
        .hub
        .state
        .memberships
        .scan_prefix(&prefix)
        .into_iter()
        .filter(|(_, m)| m.state == "active")
        .filter(|(_, m)| role.is_none_or(|r| r == "all" || r == m.role))
        .filter_map(|(_, m)| ctx.hub.state.account(&m.user))
        .collect();
    members.sort_by_key(|user| user.id);
    Ok(members)
}

/// `GET /orgs/{org}/members/{username}`: `Ok` (204) for an active member the caller can see.
pub fn check_membership(ctx: &Ctx<'_>, org: &str, username: &str) -> Result<(), GitHubError> {
    let org = get(ctx, org)?;
    if ctx.org_role(&org.login).is_none() {
        return Err(GitHubError::NotFound);
    }
    ctx.hub
        .state
        .membership(&org.login, username)
        .filter(|m| m.state == "active")
        .map(|_| ())
        .ok_or(GitHubError::NotFound)
}

pub fn get_membership(
    ctx: &Ctx<'_>,
    org: &str,
    username: &str,
) -> Result<(Membership, Account, Account), GitHubError> {
    let caller = ctx.require_caller()?;
    let org = get(ctx, org)?;
    let is_self = caller.login().eq_ignore_ascii_case(username);
    if !is_self && ctx.org_role(&org.login).is_none() {
        return Err(GitHubError::NotFound);
    }
    let membership = ctx
        .hub
        .state
        .membership(&org.login, username)
        .ok_or(GitHubError::NotFound)?;
    let user = ctx
        .hub
        .state
        .account(username)
        .ok_or(GitHubError::NotFound)?;
    Ok((membership, org, user))
}

/// `PUT /orgs/{org}/memberships/{username}`.
#[derive(Debug, Default, Deserialize)]
pub struct SetMembership {
    pub role: Option<String>,
}

pub fn set_membership(
    ctx: &Ctx<'_>,
    org: &str,
    username: &str,
    input: SetMembership,
) -> Result<(Membership, Account, Account), GitHubError> {
    let caller = ctx.require_caller()?;
    let org = get(ctx, org)?;
    require_org_admin(ctx, &org)?;
    if !caller.has_scope("admin:org") {
        return Err(GitHubError::NotFound);
    }
    let role = input.role.unwrap_or_else(|| "member".into());
    if role != "admin" && role != "member" {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Membership",
            "role",
            "invalid",
        )]));
    }
    let user = ctx
        .hub
        .state
        .account(username)
        .ok_or(GitHubError::NotFound)?;
    if user.kind != AccountKind::User {
        return Err(GitHubError::NotFound);
    }
    let membership =
        ctx.hub
            .state
            .memberships
            .modify(&membership_key(&org.login, &user.login), |slot| {
                let state = slot
                    .as_ref()
                    .map_or_else(|| "pending".to_string(), |m| m.state.clone());
                let membership = Membership {
                    org: org.login.clone(),
                    user: user.login.clone(),
                    role,
                    state,
                };
                *slot = Some(membership.clone());
                Ok::<_, GitHubError>(membership)
            })?;
    Ok((membership, org, user))
}

/// `PATCH /user/memberships/orgs/{org}` with `{"state":"active"}`: the user accepts.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateOwnMembership {
    pub state: String,
}

pub fn update_own_membership(
    ctx: &Ctx<'_>,
    org: &str,
    input: UpdateOwnMembership,
) -> Result<(Membership, Account, Account), GitHubError> {
    let caller = ctx.require_caller()?;
    let org = get(ctx, org)?;
    if input.state != "active" {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Membership",
            "state",
            "invalid",
        )]));
    }
    let key = membership_key(&org.login, caller.login());
    let membership = ctx
        .hub
        .state
        .memberships
        .update(&key, |m| {
            m.state = "active".into();
            m.clone()
        })?
        .ok_or(GitHubError::NotFound)?;
    Ok((membership, org, caller.account.clone()))
}

pub fn remove_membership(ctx: &Ctx<'_>, org: &str, username: &str) -> Result<(), GitHubError> {
    let caller = ctx.require_caller()?;
    let org = get(ctx, org)?;
    if !caller.login().eq_ignore_ascii_case(username) {
        require_org_admin(ctx, &org)?;
    }
    ctx.hub
        .state
        .memberships
        .remove(&membership_key(&org.login, username))?
        .map(|_| ())
        .ok_or(GitHubError::NotFound)
}

fn require_org_admin(ctx: &Ctx<'_>, org: &Account) -> Result<(), GitHubError> {
    let site_admin = ctx.caller.as_ref().is_some_and(|c| c.account.site_admin);
    match ctx.org_role(&org.login).as_deref() {
        Some("admin") => Ok(()),
        _ if site_admin => Ok(()),
        Some(_) => Err(GitHubError::Forbidden(
            "You must be an admin to update organization membership.".into(),
        )),
        None => Err(GitHubError::NotFound),
    }
}
