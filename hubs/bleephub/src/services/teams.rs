//! An organization's teams: members (`member` or `maintainer`) and the repositories the team
//! has a role on, which its active members get ([`role_of`] feeds [`Ctx::permissions`]).
//! Organization members create teams (the creator becomes a maintainer, as on GitHub);
//! organization owners and the team's maintainers change them. Adding someone from outside the
//! organization invites them to it: their team membership stays `pending` until they accept.
//!
//! What this module must not do: see HTTP.

use serde::Deserialize;

use super::Ctx;
use super::collaborators::ROLES;
use crate::error::{FieldError, GitHubError};
use crate::model::{
    self, Account, AccountKind, Membership, Repo, Team, TeamMember, membership_key,
};

fn team_key(org: &str, slug: &str) -> String {
    format!("{}/{}", org.to_ascii_lowercase(), slug.to_ascii_lowercase())
}

fn member_key(team_id: u64, login: &str) -> String {
    format!("{team_id:012}/{}", login.to_ascii_lowercase())
}

fn repo_key(team_id: u64, repo_id: u64) -> String {
    format!("{team_id:012}/{repo_id:012}")
}

/// GitHub's slug of a team name: lower-cased, runs of other characters one hyphen.
pub fn slug_of(name: &str) -> String {
    crate::apps::slug_of(name)
}

fn rank(role: &str) -> usize {
    ROLES.iter().position(|r| *r == role).unwrap_or(0)
}

/// The strongest role `login` gets on `repo` through the teams of its organization.
pub fn role_of(ctx: &Ctx<'_>, repo: &Repo, login: &str) -> Option<String> {
    let state = &ctx.hub.state;
    let active = state
        .membership(&repo.owner, login)
        .is_some_and(|m| m.state == "active");
    if !active {
        return None;
    }
    state
        .teams
        .scan_prefix(&format!("{}/", repo.owner.to_ascii_lowercase()))
        .into_iter()
        .filter(|(_, team)| {
            state
                .team_members
                .get(&member_key(team.id, login))
                .is_some()
        })
        .filter_map(|(_, team)| state.team_repos.get(&repo_key(team.id, repo.id)))
        .max_by_key(|role| rank(role))
}

fn invalid(field: &str, message: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::custom("Team", field, message)])
}

fn check_role(role: &str) -> Result<String, GitHubError> {
    let role = match role {
        "read" => "pull",
        "write" => "push",
        other => other,
    };
    if ROLES.contains(&role) {
        Ok(role.to_string())
    } else {
        Err(invalid(
            "permission",
            &format!("{role} is not a valid permission"),
        ))
    }
}

/// The organization, if the caller is an active member of it (404 otherwise: GitHub does not
/// show an organization's teams to outsiders).
fn member_org(ctx: &Ctx<'_>, org: &str) -> Result<Account, GitHubError> {
    let caller = ctx.require_caller()?;
    let account = ctx
        .hub
        .state
        .account(org)
        .filter(|a| a.kind == AccountKind::Organization)
        .ok_or(GitHubError::NotFound)?;
    if ctx.org_role(&account.login).is_none() && !caller.account.site_admin {
        return Err(GitHubError::NotFound);
    }
    Ok(account)
}

fn find(ctx: &Ctx<'_>, org: &str, slug: &str) -> Result<(Account, Team), GitHubError> {
    let org = member_org(ctx, org)?;
    let team = ctx
        .hub
        .state
        .teams
        .get(&team_key(&org.login, slug))
        .ok_or(GitHubError::NotFound)?;
    Ok((org, team))
}

/// Whether the caller owns the organization or maintains the team.
fn may_manage(ctx: &Ctx<'_>, org: &Account, team: &Team) -> bool {
    let Some(caller) = ctx.caller.as_ref() else {
        return false;
    };
    caller.account.site_admin
        || ctx.org_role(&org.login).as_deref() == Some("admin")
        || ctx
            .hub
            .state
            .team_members
            .get(&member_key(team.id, caller.login()))
            .is_some_and(|m| m.role == "maintainer")
}

fn managed(ctx: &Ctx<'_>, org: &str, slug: &str) -> Result<(Account, Team), GitHubError> {
    let (org, team) = find(ctx, org, slug)?;
    if !may_manage(ctx, &org, &team) {
        return Err(GitHubError::Forbidden(
            "You must be an organization owner or team maintainer to perform this action.".into(),
        ));
    }
    Ok((org, team))
}

/// Counts of a team: (members, repositories).
pub fn counts(ctx: &Ctx<'_>, team: &Team) -> (usize, usize) {
    let prefix = format!("{:012}/", team.id);
    (
        ctx.hub.state.team_members.scan_prefix(&prefix).len(),
        ctx.hub.state.team_repos.scan_prefix(&prefix).len(),
    )
}

pub fn list(ctx: &Ctx<'_>, org: &str) -> Result<Vec<Team>, GitHubError> {
    let org = member_org(ctx, org)?;
    let login = ctx.require_caller()?.login().to_string();
    let owner = ctx.org_role(&org.login).as_deref() == Some("admin");
    let state = &ctx.hub.state;
    let mut teams: Vec<Team> = state
        .teams
        .scan_prefix(&format!("{}/", org.login.to_ascii_lowercase()))
        .into_iter()
        .map(|(_, team)| team)
        // Secret teams are seen by their members and the organization's owners only.
        .filter(|team| {
            team.privacy != "secret"
                || owner
                || state
                    .team_members
                    .get(&member_key(team.id, &login))
                    .is_some()
        })
        .collect();
    teams.sort_by_key(|team| team.id);
    Ok(teams)
}

pub fn get(ctx: &Ctx<'_>, org: &str, slug: &str) -> Result<(Account, Team), GitHubError> {
    find(ctx, org, slug)
}

#[derive(Debug, Default, Deserialize)]
pub struct TeamInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub privacy: Option<String>,
    pub notification_setting: Option<String>,
    pub permission: Option<String>,
    #[serde(default)]
    pub maintainers: Vec<String>,
    #[serde(default)]
    pub repo_names: Vec<String>,
}

fn check_privacy(privacy: &str) -> Result<(), GitHubError> {
    if matches!(privacy, "closed" | "secret") {
        Ok(())
    } else {
        Err(invalid(
            "privacy",
            &format!("{privacy} is not a valid privacy"),
        ))
    }
}

pub fn create(ctx: &Ctx<'_>, org: &str, input: TeamInput) -> Result<(Account, Team), GitHubError> {
    let org = member_org(ctx, org)?;
    let creator = ctx.require_caller()?.login().to_string();
    let name = input
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            GitHubError::ValidationFailed(vec![FieldError::new("Team", "name", "missing_field")])
        })?;
    let slug = slug_of(&name);
    let state = &ctx.hub.state;
    if slug.is_empty() || state.teams.get(&team_key(&org.login, &slug)).is_some() {
        return Err(invalid("name", "Name must be unique for this org"));
    }
    let privacy = input.privacy.clone().unwrap_or_else(|| "secret".into());
    check_privacy(&privacy)?;
    let permission = check_role(input.permission.as_deref().unwrap_or("pull"))?;
    let mut repos = Vec::new();
    for full in &input.repo_names {
        let repo = full
            .split_once('/')
            .and_then(|(owner, name)| state.repo_by_name(owner, name))
            .filter(|repo| repo.owner.eq_ignore_ascii_case(&org.login))
            .ok_or_else(|| {
                invalid(
                    "repo_names",
                    &format!("{full} is not a repository of {}", org.login),
                )
            })?;
        repos.push(repo);
    }
    let mut maintainers = vec![creator];
    for login in &input.maintainers {
        let account = state
            .account(login)
            .filter(|a| a.kind == AccountKind::User)
            .ok_or_else(|| invalid("maintainers", &format!("{login} is not a user")))?;
        if !maintainers
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&account.login))
        {
            maintainers.push(account.login);
        }
    }
    let team = state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "team")?;
        let team = Team {
            id,
            org: org.login.clone(),
            slug: slug.clone(),
            name: name.clone(),
            description: input.description.clone(),
            privacy: privacy.clone(),
            notification_setting: input
                .notification_setting
                .clone()
                .unwrap_or_else(|| "notifications_enabled".into()),
            permission: permission.clone(),
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        txn.insert(&state.teams, &team_key(&org.login, &slug), team.clone())?;
        for login in &maintainers {
            txn.insert(
                &state.team_members,
                &member_key(id, login),
                TeamMember {
                    team_id: id,
                    login: login.clone(),
                    role: "maintainer".into(),
                },
            )?;
        }
        for repo in &repos {
            txn.insert(
                &state.team_repos,
                &repo_key(id, repo.id),
                permission.clone(),
            )?;
        }
        Ok::<_, GitHubError>(team)
    })?;
    Ok((org, team))
}

pub fn update(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    input: TeamInput,
) -> Result<(Account, Team), GitHubError> {
    let (org, mut team) = managed(ctx, org, slug)?;
    let state = &ctx.hub.state;
    let old_key = team_key(&org.login, &team.slug);
    if let Some(name) = input.name.filter(|n| *n != team.name) {
        let new_slug = slug_of(&name);
        if new_slug.is_empty()
            || (!new_slug.eq_ignore_ascii_case(&team.slug)
                && state.teams.get(&team_key(&org.login, &new_slug)).is_some())
        {
            return Err(invalid("name", "Name must be unique for this org"));
        }
        team.name = name;
        team.slug = new_slug;
    }
    if let Some(description) = input.description {
        team.description = Some(description);
    }
    if let Some(privacy) = input.privacy {
        check_privacy(&privacy)?;
        team.privacy = privacy;
    }
    if let Some(setting) = input.notification_setting {
        team.notification_setting = setting;
    }
    if let Some(permission) = input.permission {
        team.permission = check_role(&permission)?;
    }
    team.updated_at = ctx.now;
    state.store.transaction(|txn| {
        txn.remove(&state.teams, &old_key)?;
        txn.insert(
            &state.teams,
            &team_key(&org.login, &team.slug),
            team.clone(),
        )?;
        Ok::<_, GitHubError>(())
    })?;
    Ok((org, team))
}

pub fn delete(ctx: &Ctx<'_>, org: &str, slug: &str) -> Result<(), GitHubError> {
    let (org, team) = managed(ctx, org, slug)?;
    let state = &ctx.hub.state;
    let prefix = format!("{:012}/", team.id);
    state.store.transaction(|txn| {
        txn.remove(&state.teams, &team_key(&org.login, &team.slug))?;
        txn.remove_prefix(&state.team_members, &prefix)?;
        txn.remove_prefix(&state.team_repos, &prefix)?;
        Ok::<_, GitHubError>(())
    })
}

/// Members of a team with `role` (`all`, `member` or `maintainer`).
pub fn members(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    role: Option<&str>,
) -> Result<Vec<Account>, GitHubError> {
    let (_, team) = find(ctx, org, slug)?;
    let role = role.unwrap_or("all");
    if !matches!(role, "all" | "member" | "maintainer") {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Team", "role", "invalid",
        )]));
    }
    let state = &ctx.hub.state;
    let mut people: Vec<Account> = state
        .team_members
        .scan_prefix(&format!("{:012}/", team.id))
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| role == "all" || m.role == role)
        .filter_map(|m| state.account(&m.login))
        .collect();
    people.sort_by_key(|a| a.id);
    Ok(people)
}

/// A team membership: (role, `active` or `pending`).
pub fn membership(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    login: &str,
) -> Result<(String, String), GitHubError> {
    let (org, team) = find(ctx, org, slug)?;
    let member = ctx
        .hub
        .state
        .team_members
        .get(&member_key(team.id, login))
        .ok_or(GitHubError::NotFound)?;
    Ok((member.role, org_state(ctx, &org, login)))
}

fn org_state(ctx: &Ctx<'_>, org: &Account, login: &str) -> String {
    ctx.hub
        .state
        .membership(&org.login, login)
        .map_or_else(|| "pending".to_string(), |m| m.state)
}

/// `PUT …/memberships/{username}`: adds or changes a member; someone outside the organization
/// is invited to it (pending).
pub fn set_membership(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    login: &str,
    role: Option<&str>,
) -> Result<(String, String), GitHubError> {
    let (org, team) = managed(ctx, org, slug)?;
    let state = &ctx.hub.state;
    let account = state
        .account(login)
        .filter(|a| a.kind == AccountKind::User)
        .ok_or(GitHubError::NotFound)?;
    let role = role.unwrap_or("member");
    if !matches!(role, "member" | "maintainer") {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "TeamMember",
            "role",
            "invalid",
        )]));
    }
    state.store.transaction(|txn| {
        let key = membership_key(&org.login, &account.login);
        if !txn.contains(&state.memberships, &key)? {
            txn.insert(
                &state.memberships,
                &key,
                Membership {
                    org: org.login.clone(),
                    user: account.login.clone(),
                    role: "member".into(),
                    state: "pending".into(),
                },
            )?;
        }
        txn.insert(
            &state.team_members,
            &member_key(team.id, &account.login),
            TeamMember {
                team_id: team.id,
                login: account.login.clone(),
                role: role.to_string(),
            },
        )?;
        Ok::<_, GitHubError>(())
    })?;
    Ok((role.to_string(), org_state(ctx, &org, &account.login)))
}

pub fn remove_membership(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    login: &str,
) -> Result<(), GitHubError> {
    let (_, team) = managed(ctx, org, slug)?;
    ctx.hub
        .state
        .team_members
        .remove(&member_key(team.id, login))?;
    Ok(())
}

/// The repositories the team has a role on, with the role.
pub fn repos(ctx: &Ctx<'_>, org: &str, slug: &str) -> Result<Vec<(Repo, String)>, GitHubError> {
    let (_, team) = find(ctx, org, slug)?;
    let state = &ctx.hub.state;
    Ok(state
        .team_repos
        .scan_prefix(&format!("{:012}/", team.id))
        .into_iter()
        .filter_map(|(key, role)| {
            let repo_id = key.rsplit('/').next()?.parse::<u64>().ok()?;
            Some((state.repos.get(&model::id_key(repo_id))?, role))
        })
        .collect())
}

/// The team's role on `owner/name`, or 404.
pub fn repo_role(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    owner: &str,
    name: &str,
) -> Result<(Repo, String), GitHubError> {
    let (_, team) = find(ctx, org, slug)?;
    let state = &ctx.hub.state;
    let repo = state
        .repo_by_name(owner, name)
        .ok_or(GitHubError::NotFound)?;
    let role = state
        .team_repos
        .get(&repo_key(team.id, repo.id))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, role))
}

/// `PUT …/repos/{owner}/{repo}`: the organization's repository, with `permission` (the team's
/// default when absent).
pub fn set_repo(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    owner: &str,
    name: &str,
    permission: Option<&str>,
) -> Result<(), GitHubError> {
    let (org, team) = managed(ctx, org, slug)?;
    let state = &ctx.hub.state;
    let repo = state
        .repo_by_name(owner, name)
        .ok_or(GitHubError::NotFound)?;
    if !repo.owner.eq_ignore_ascii_case(&org.login) {
        return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
            "Team",
            "Repository must be owned by the team's organization",
        )]));
    }
    let role = check_role(permission.unwrap_or(&team.permission))?;
    state.team_repos.insert(&repo_key(team.id, repo.id), role)?;
    Ok(())
}

pub fn remove_repo(
    ctx: &Ctx<'_>,
    org: &str,
    slug: &str,
    owner: &str,
    name: &str,
) -> Result<(), GitHubError> {
    let (_, team) = managed(ctx, org, slug)?;
    let state = &ctx.hub.state;
    let repo = state
        .repo_by_name(owner, name)
        .ok_or(GitHubError::NotFound)?;
    state.team_repos.remove(&repo_key(team.id, repo.id))?;
    Ok(())
}
