//! Shapes of the people and planning around a repository: `collaborator`,
//! `repository-collaborator-permission`, `repository-invitation`, `milestone`, `deploy-key`.

use serde_json::{Value, json};

use super::{Urls, account_or_ghost, node_id, simple_user, timestamp};
use crate::model::{Account, DeployKey, Invitation, Milestone, Repo, State};

/// The invitation's permission as GitHub names it (`write` for `push`, `read` for `pull`).
fn role_word(role: &str) -> &str {
    match role {
        "push" => "write",
        "pull" => "read",
        other => other,
    }
}

/// `collaborator`: the user with `role_name` and the permissions it implies.
pub fn collaborator(urls: &Urls, account: &Account, role_name: &str) -> Value {
    let rank = match role_name {
        "admin" => 4,
        "maintain" => 3,
        "write" => 2,
        "triage" => 1,
        _ => 0,
    };
    let mut body = simple_user(urls, account);
    body["permissions"] = json!({
        "pull": true,
        "triage": rank >= 1,
        "push": rank >= 2,
        "maintain": rank >= 3,
        "admin": rank >= 4,
    });
    body["role_name"] = role_name.into();
    body
}

/// `repository-collaborator-permission`.
pub fn permission(urls: &Urls, account: &Account, level: &str, role_name: &str) -> Value {
    json!({
        "permission": level,
        "role_name": role_name,
        "user": collaborator(urls, account, role_name),
    })
}

/// `repository-invitation`; `repository` is the rendered repository.
pub fn invitation(
    urls: &Urls,
    state: &State,
    repo: &Repo,
    invitation: &Invitation,
    repository: Value,
) -> Value {
    json!({
        "id": invitation.id,
        "node_id": node_id("RepositoryInvitation", invitation.id),
        "repository": repository,
        "invitee": simple_user(urls, &account_or_ghost(state, &invitation.invitee)),
        "inviter": simple_user(urls, &account_or_ghost(state, &invitation.inviter)),
        "permissions": role_word(&invitation.permission),
        "created_at": timestamp(invitation.created_at),
        "expired": false,
        "url": format!("{}/user/repository_invitations/{}", urls.api, invitation.id),
        "html_url": format!("{}/{}/invitations", urls.html, repo.full_name()),
    })
}

/// `milestone`, with its issue counts.
pub fn milestone(urls: &Urls, state: &State, repo: &Repo, milestone: &Milestone) -> Value {
    let (open, closed) = crate::services::milestones::counts(state, repo.id, milestone.number);
    let url = format!(
        "{}/repos/{}/milestones/{}",
        urls.api,
        repo.full_name(),
        milestone.number
    );
    json!({
        "url": url,
        "html_url": format!("{}/{}/milestone/{}", urls.html, repo.full_name(), milestone.number),
        "labels_url": format!("{url}/labels"),
        "id": milestone.id,
        "node_id": node_id("Milestone", milestone.id),
        "number": milestone.number,
        "state": milestone.state,
        "title": milestone.title,
        "description": milestone.description,
        "creator": simple_user(urls, &account_or_ghost(state, &milestone.creator)),
        "open_issues": open,
        "closed_issues": closed,
        "created_at": timestamp(milestone.created_at),
        "updated_at": timestamp(milestone.updated_at),
        "closed_at": milestone.closed_at.map(timestamp),
        "due_on": milestone.due_on.map(timestamp),
    })
}

/// `deploy-key`.
pub fn deploy_key(urls: &Urls, repo: &Repo, key: &DeployKey) -> Value {
    json!({
        "id": key.id,
        "key": key.key,
        "url": format!("{}/repos/{}/keys/{}", urls.api, repo.full_name(), key.id),
        "title": key.title,
        "verified": true,
        "created_at": timestamp(key.created_at),
        "read_only": key.read_only,
        "added_by": key.added_by,
        "last_used": null,
        "enabled": true,
    })
}

/// `team` (with `full`: `team-full`, its counts and organization).
pub fn team(urls: &Urls, team: &crate::model::Team, full: Option<(usize, usize, Value)>) -> Value {
    // GitHub's own `url` is `/organizations/{org_id}/team/{team_id}`, a route bleephub does not
    // serve; clients follow `url` (PyGithub builds every team call on it), so it names the
    // documented route of the same team.
    let url = format!("{}/orgs/{}/teams/{}", urls.api, team.org, team.slug);
    let mut body = json!({
        "id": team.id,
        "node_id": node_id("Team", team.id),
        "url": url,
        "html_url": format!("{}/orgs/{}/teams/{}", urls.html, team.org, team.slug),
        "name": team.name,
        "slug": team.slug,
        "description": team.description,
        "privacy": team.privacy,
        "notification_setting": team.notification_setting,
        "permission": team.permission,
        "members_url": format!("{url}/members{{/member}}"),
        "repositories_url": format!("{url}/repos"),
        "type": "organization",
        "parent": null,
    });
    if let Some((members, repos, organization)) = full {
        body["members_count"] = members.into();
        body["repos_count"] = repos.into();
        body["created_at"] = timestamp(team.created_at).into();
        body["updated_at"] = timestamp(team.updated_at).into();
        body["organization"] = organization;
    }
    body
}

/// `team-membership`.
pub fn team_membership(
    urls: &Urls,
    team: &crate::model::Team,
    login: &str,
    role: &str,
    state: &str,
) -> Value {
    json!({
        "url": format!("{}/orgs/{}/teams/{}/memberships/{login}", urls.api, team.org, team.slug),
        "role": role,
        "state": state,
    })
}

/// The permissions object of a role (`pull` … `admin`).
pub fn role_permissions(role: &str) -> Value {
    let rank = crate::services::collaborators::ROLES
        .iter()
        .position(|r| *r == role)
        .unwrap_or(0);
    json!({
        "pull": true,
        "triage": rank >= 1,
        "push": rank >= 2,
        "maintain": rank >= 3,
        "admin": rank >= 4,
    })
}
