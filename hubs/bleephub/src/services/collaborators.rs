//! Collaborators, their invitations and roles, and who may be assigned to issues.
//!
//! As on GitHub: adding someone to a repository invites them (201 with the invitation) unless
//! they already have a role there or belong to its organization (204); they become a
//! collaborator when they accept (`PATCH /user/repository_invitations/{id}`). Roles are `pull`,
//! `triage`, `push`, `maintain` and `admin` (user-owned repositories always give `push`); they
//! feed [`Ctx::permissions`]. Assignable people are those with push access.
//!
//! What this module must not do: see HTTP, or let anyone but an administrator change roles.

use serde::Deserialize;

use super::Ctx;
use crate::auth::Principal;
use crate::error::{FieldError, GitHubError};
use crate::model::{
    self, Account, AccountKind, Collaborator, Invitation, Issue, Repo, collaborator_key, issue_key,
};

/// People with a role on a repository, and the role name GitHub shows for each.
pub type Roster = Vec<(Account, &'static str)>;

/// GitHub's roles, weakest first.
pub const ROLES: [&str; 5] = ["pull", "triage", "push", "maintain", "admin"];

/// The role `login` was given on `repo` as a collaborator, if any.
pub fn role_of(ctx: &Ctx<'_>, repo: &Repo, login: &str) -> Option<String> {
    ctx.hub
        .state
        .collaborators
        .get(&collaborator_key(repo.id, login))
        .map(|c| c.permission)
}

/// What `account` may do with `repo` (its own permissions, not the caller's).
fn permissions_of(ctx: &Ctx<'_>, account: &Account, repo: &Repo) -> crate::render::Permissions {
    Ctx {
        hub: ctx.hub,
        caller: Principal::for_account(account.clone()),
        now: ctx.now,
    }
    .permissions(repo)
}

/// The role name GitHub shows for `account` on `repo` (`admin`, `maintain`, `write`, `triage`,
/// `read`), or `None` without access.
pub fn role_name(ctx: &Ctx<'_>, account: &Account, repo: &Repo) -> Option<&'static str> {
    let permissions = permissions_of(ctx, account, repo);
    let role = role_of(ctx, repo, &account.login);
    Some(match role.as_deref() {
        _ if permissions.admin => "admin",
        Some("maintain") => "maintain",
        _ if permissions.push => "write",
        Some("triage") => "triage",
        _ if permissions.pull && (role.is_some() || account_is_member(ctx, account, repo)) => {
            "read"
        }
        _ => return None,
    })
}

fn account_is_member(ctx: &Ctx<'_>, account: &Account, repo: &Repo) -> bool {
    ctx.hub
        .state
        .membership(&repo.owner, &account.login)
        .is_some_and(|m| m.state == "active")
        || repo.owner.eq_ignore_ascii_case(&account.login)
}

/// The repository, if the caller may push to it (GitHub's 403 otherwise, to one who can see it).
fn pushable(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    ctx.require_caller()?;
    if !ctx.permissions(&repo).push {
        return Err(GitHubError::Forbidden(
            "Must have push access to view repository collaborators.".into(),
        ));
    }
    Ok(repo)
}

/// The repository, if the caller administers it.
fn administered(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    ctx.require_caller()?;
    if !ctx.write_scope(&repo) {
        return Err(GitHubError::NotFound);
    }
    if !ctx.permissions(&repo).admin {
        return Err(GitHubError::Forbidden(
            "Must have admin rights to Repository.".into(),
        ));
    }
    Ok(repo)
}

/// Everyone with a role on `repo` and how they got it: the owner (or the organization's
/// members), and direct collaborators. `affiliation` is `all` (default), `direct` or `outside`.
pub fn list(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    affiliation: Option<&str>,
    permission: Option<&str>,
) -> Result<(Repo, Roster), GitHubError> {
    let repo = pushable(ctx, owner, name)?;
    let affiliation = affiliation.unwrap_or("all");
    if !matches!(affiliation, "all" | "direct" | "outside") {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Collaborator",
            "affiliation",
            "invalid",
        )]));
    }
    let state = &ctx.hub.state;
    let mut people: Vec<Account> = Vec::new();
    let direct: Vec<Account> = state
        .collaborators
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .filter_map(|(_, c)| state.account(&c.login))
        .collect();
    let owner_account = state.account(&repo.owner);
    let org = owner_account
        .as_ref()
        .is_some_and(|a| a.kind == AccountKind::Organization);
    if affiliation == "all" {
        if org {
            for (_, membership) in state
                .memberships
                .scan_prefix(&format!("{}/", repo.owner.to_ascii_lowercase()))
            {
                if membership.state == "active"
                    && let Some(account) = state.account(&membership.user)
                {
                    people.push(account);
                }
            }
        } else if let Some(account) = owner_account.clone() {
            people.push(account);
        }
    }
    for account in direct {
        let outside = org
            && state
                .membership(&repo.owner, &account.login)
                .is_none_or(|m| m.state != "active");
        if affiliation == "outside" && !outside {
            continue;
        }
        if !people.iter().any(|p| p.id == account.id) {
            people.push(account);
        }
    }
    people.sort_by_key(|a| a.id);
    let wanted = match permission {
        None => None,
        Some(p) if ROLES.contains(&p) => Some(p),
        Some(_) => {
            return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                "Collaborator",
                "permission",
                "invalid",
            )]));
        }
    };
    let listed = people
        .into_iter()
        .filter_map(|account| {
            let role = role_name(ctx, &account, &repo)?;
            Some((account, role))
        })
        .filter(|(_, role)| {
            wanted.is_none_or(|w| {
                let rank = |r: &str| match r {
                    "pull" | "read" => 0,
                    "triage" => 1,
                    "push" | "write" => 2,
                    "maintain" => 3,
                    _ => 4,
                };
                rank(role) >= rank(w)
            })
        })
        .collect();
    Ok((repo, listed))
}

/// `GET …/collaborators/{username}`: whether `login` has a role on the repository.
pub fn check(ctx: &Ctx<'_>, owner: &str, name: &str, login: &str) -> Result<(), GitHubError> {
    let (_, people) = list(ctx, owner, name, None, None)?;
    if people
        .iter()
        .any(|(account, _)| account.login.eq_ignore_ascii_case(login))
    {
        Ok(())
    } else {
        Err(GitHubError::NotFound)
    }
}

/// `GET …/collaborators/{username}/permission`: `admin`, `write`, `read` or `none`, the role
/// name, and the user.
pub fn permission(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    login: &str,
) -> Result<(Repo, Account, &'static str, &'static str), GitHubError> {
    let repo = pushable(ctx, owner, name)?;
    let account = ctx
        .hub
        .state
        .account(login)
        .filter(|a| a.kind != AccountKind::Organization)
        .ok_or(GitHubError::NotFound)?;
    let permissions = permissions_of(ctx, &account, &repo);
    let role = role_name(ctx, &account, &repo);
    let level = if permissions.admin {
        "admin"
    } else if permissions.push {
        "write"
    } else if permissions.pull {
        "read"
    } else {
        "none"
    };
    let role = role.unwrap_or(if permissions.pull { "read" } else { "none" });
    Ok((repo, account, level, role))
}

#[derive(Debug, Default, Deserialize)]
pub struct AddCollaborator {
    pub permission: Option<String>,
}

/// What adding a collaborator did: invited them (the invitation), or gave the role directly.
pub enum Added {
    Invited(Box<(Repo, Invitation)>),
    Direct,
}

/// `PUT …/collaborators/{username}`.
pub fn add(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    login: &str,
    input: AddCollaborator,
) -> Result<Added, GitHubError> {
    let repo = administered(ctx, owner, name)?;
    let state = &ctx.hub.state;
    let account = state
        .account(login)
        .filter(|a| a.kind == AccountKind::User)
        .ok_or(GitHubError::NotFound)?;
    if repo.owner.eq_ignore_ascii_case(&account.login) {
        return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
            "Repository",
            "Repository owner cannot be a collaborator",
        )]));
    }
    let org = state
        .account(&repo.owner)
        .is_some_and(|a| a.kind == AccountKind::Organization);
    let role = match input.permission.as_deref() {
        // Only organization-owned repositories take a role; personal ones always give push.
        Some(role) if org => {
            let role = match role {
                "read" => "pull",
                "write" => "push",
                other => other,
            };
            if !ROLES.contains(&role) {
                return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                    "Repository",
                    "permission",
                    &format!("{role} is not a valid permission."),
                )]));
            }
            role.to_string()
        }
        _ => "push".to_string(),
    };
    let key = collaborator_key(repo.id, &account.login);
    let member = org
        && state
            .membership(&repo.owner, &account.login)
            .is_some_and(|m| m.state == "active");
    if state.collaborators.get(&key).is_some() || member {
        state.collaborators.insert(
            &key,
            Collaborator {
                repo_id: repo.id,
                login: account.login.clone(),
                permission: role,
            },
        )?;
        return Ok(Added::Direct);
    }
    let inviter = ctx.require_caller()?.login().to_string();
    let pending = pending_for(ctx, &repo, &account.login);
    let invitation = state.store.transaction(|txn| {
        let id = match &pending {
            Some(invitation) => invitation.id,
            None => model::next_id(txn, &state.counters, "invitation")?,
        };
        let invitation = Invitation {
            id,
            repo_id: repo.id,
            invitee: account.login.clone(),
            inviter: inviter.clone(),
            permission: role.clone(),
            created_at: pending.as_ref().map_or(ctx.now, |p| p.created_at),
        };
        txn.insert(&state.invitations, &model::id_key(id), invitation.clone())?;
        Ok::<_, GitHubError>(invitation)
    })?;
    Ok(Added::Invited(Box::new((repo, invitation))))
}

fn pending_for(ctx: &Ctx<'_>, repo: &Repo, login: &str) -> Option<Invitation> {
    ctx.hub
        .state
        .invitations
        .all()
        .into_iter()
        .map(|(_, invitation)| invitation)
        .find(|i| i.repo_id == repo.id && i.invitee.eq_ignore_ascii_case(login))
}

/// `DELETE …/collaborators/{username}`: an administrator, or the collaborator leaving.
pub fn remove(ctx: &Ctx<'_>, owner: &str, name: &str, login: &str) -> Result<(), GitHubError> {
    let caller = ctx.require_caller()?.login().to_string();
    let repo = if caller.eq_ignore_ascii_case(login) {
        ctx.readable_repo(owner, name)?
    } else {
        administered(ctx, owner, name)?
    };
    let state = &ctx.hub.state;
    state
        .collaborators
        .remove(&collaborator_key(repo.id, login))?;
    if let Some(invitation) = pending_for(ctx, &repo, login) {
        state.invitations.remove(&model::id_key(invitation.id))?;
    }
    Ok(())
}

/// `GET …/invitations`: the repository's pending invitations (administrators).
pub fn list_for_repo(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
) -> Result<(Repo, Vec<Invitation>), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    let list = ctx
        .hub
        .state
        .invitations
        .all()
        .into_iter()
        .map(|(_, i)| i)
        .filter(|i| i.repo_id == repo.id)
        .collect();
    Ok((repo, list))
}

/// `GET /user/repository_invitations`: the caller's pending invitations, with their
/// repositories (invitations to deleted repositories are gone).
pub fn list_for_user(ctx: &Ctx<'_>) -> Result<Vec<(Repo, Invitation)>, GitHubError> {
    let login = ctx.require_caller()?.login().to_string();
    let state = &ctx.hub.state;
    Ok(state
        .invitations
        .all()
        .into_iter()
        .map(|(_, i)| i)
        .filter(|i| i.invitee.eq_ignore_ascii_case(&login))
        .filter_map(|i| Some((state.repos.get(&model::id_key(i.repo_id))?, i)))
        .collect())
}

fn own_invitation(ctx: &Ctx<'_>, id: &str) -> Result<Invitation, GitHubError> {
    let login = ctx.require_caller()?.login().to_string();
    id.parse::<u64>()
        .ok()
        .and_then(|id| ctx.hub.state.invitations.get(&model::id_key(id)))
        .filter(|i| i.invitee.eq_ignore_ascii_case(&login))
        .ok_or(GitHubError::NotFound)
}

/// `PATCH /user/repository_invitations/{id}`: the invitee becomes a collaborator.
pub fn accept(ctx: &Ctx<'_>, id: &str) -> Result<(), GitHubError> {
    let invitation = own_invitation(ctx, id)?;
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        txn.remove(&state.invitations, &model::id_key(invitation.id))?;
        if txn.contains(&state.repos, &model::id_key(invitation.repo_id))? {
            txn.insert(
                &state.collaborators,
                &collaborator_key(invitation.repo_id, &invitation.invitee),
                Collaborator {
                    repo_id: invitation.repo_id,
                    login: invitation.invitee.clone(),
                    permission: invitation.permission.clone(),
                },
            )?;
        }
        Ok::<_, GitHubError>(())
    })
}

/// `DELETE /user/repository_invitations/{id}`.
pub fn decline(ctx: &Ctx<'_>, id: &str) -> Result<(), GitHubError> {
    let invitation = own_invitation(ctx, id)?;
    ctx.hub
        .state
        .invitations
        .remove(&model::id_key(invitation.id))?;
    Ok(())
}

/// Whether `account` can be assigned issues of `repo` (push access, as on GitHub).
fn assignable(ctx: &Ctx<'_>, account: &Account, repo: &Repo) -> bool {
    account.kind != AccountKind::Organization && permissions_of(ctx, account, repo).push
}

/// `GET …/assignees`: everyone with push access.
pub fn list_assignees(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
) -> Result<(Repo, Vec<Account>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let state = &ctx.hub.state;
    let mut people: Vec<Account> = state
        .accounts
        .all()
        .into_iter()
        .map(|(_, account)| account)
        .filter(|account| account.kind == AccountKind::User && !account.site_admin)
        .filter(|account| assignable(ctx, account, &repo))
        .collect();
    people.sort_by_key(|a| a.id);
    Ok((repo, people))
}

/// `GET …/assignees/{assignee}`: 204 if `login` can be assigned, 404 otherwise.
pub fn check_assignee(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    login: &str,
) -> Result<(), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    match ctx.hub.state.account(login) {
        Some(account) if assignable(ctx, &account, &repo) => Ok(()),
        _ => Err(GitHubError::NotFound),
    }
}

/// `POST` (add) or `DELETE` (remove) `…/issues/{n}/assignees`: people who cannot be assigned
/// are silently ignored, as are callers without push access; at most ten assignees.
pub fn change_assignees(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    logins: &[String],
    add: bool,
) -> Result<(Repo, Issue), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    ctx.require_caller()?;
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let state = &ctx.hub.state;
    let key = issue_key(repo.id, number);
    let before = state.issues.get(&key).ok_or(GitHubError::NotFound)?;
    if !ctx.permissions(&repo).push {
        return Ok((repo, before));
    }
    let mut issue = before.clone();
    for login in logins {
        if add {
            let Some(account) = state.account(login) else {
                continue;
            };
            let present = issue
                .assignees
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&account.login));
            if !present && issue.assignees.len() < 10 && assignable(ctx, &account, &repo) {
                issue.assignees.push(account.login);
            }
        } else {
            issue.assignees.retain(|a| !a.eq_ignore_ascii_case(login));
        }
    }
    if issue.assignees != before.assignees {
        issue.updated_at = ctx.now;
        state.issues.insert(&key, issue.clone())?;
        crate::hooks::events::issue_updated(ctx, &repo, Some(&before), &issue);
    }
    Ok((repo, issue))
}
