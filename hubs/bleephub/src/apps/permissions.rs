//! What a GitHub App may call: the permission (and level) each REST operation needs from an
//! installation token, the operations only an app's JWT may call, and the ones no integration
//! may (the authenticated user's own resources). GitHub answers 403 `Resource not accessible by
//! integration` with `X-Accepted-GitHub-Permissions` naming what would have been enough.
//!
//! What this module must not do: decide which repositories an installation reaches (that is
//! [`crate::services::Ctx::permissions`]), or know HTTP beyond the method.

use std::collections::BTreeMap;

use crate::auth::Principal;
use crate::error::GitHubError;
use crate::spec::Op;

/// GitHub's message when an app's token lacks what an operation needs.
pub const NOT_ACCESSIBLE: &str = "Resource not accessible by integration";

/// GitHub's message when a fine-grained personal access token lacks what an operation needs.
pub const PAT_NOT_ACCESSIBLE: &str = "Resource not accessible by personal access token";

/// GitHub's 403 to anything but an installation token on `GET /installation/repositories`.
pub const INSTALLATION_TOKEN_ONLY: &str = "You must authenticate with an installation access token in order to list repositories for an installation.";

/// Permission levels, ordered: `write` includes `read`, `admin` includes both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Admin,
}

impl Level {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Level::Read),
            "write" => Some(Level::Write),
            "admin" => Some(Level::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Admin => "admin",
        }
    }
}

/// The permissions an app can be given (repository and organization ones GitHub lists for
/// installation tokens).
pub const KNOWN: &[&str] = &[
    "actions",
    "administration",
    "checks",
    "contents",
    "deployments",
    "environments",
    "issues",
    "metadata",
    "packages",
    "pages",
    "pull_requests",
    "repository_hooks",
    "repository_projects",
    "secrets",
    "security_events",
    "statuses",
    "variables",
    "vulnerability_alerts",
    "workflows",
    "members",
    "organization_administration",
    "organization_hooks",
    "organization_secrets",
    "organization_self_hosted_runners",
];

/// Whether `granted` gives `permission` at `level` (`metadata: read` always holds).
pub fn grants(granted: &BTreeMap<String, String>, permission: &str, level: Level) -> bool {
    if permission == "metadata" && level == Level::Read {
        return true;
    }
    granted
        .get(permission)
        .and_then(|text| Level::parse(text))
        .is_some_and(|have| have >= level)
}

/// The operations called with the app's JWT (and nothing else).
pub fn is_app_operation(op: Op) -> bool {
    matches!(
        op,
        Op::AppsGetAuthenticated
            | Op::AppsListInstallations
            | Op::AppsGetInstallation
            | Op::AppsCreateInstallationAccessToken
            | Op::AppsGetRepoInstallation
            | Op::AppsGetOrgInstallation
            | Op::AppsGetUserInstallation
    )
}

/// Operations about the authenticated user themselves, which no integration may call.
fn is_user_operation(op: Op) -> bool {
    matches!(
        op,
        Op::UsersGetAuthenticated
            | Op::UsersUpdateAuthenticated
            | Op::OrgsListForAuthenticatedUser
            | Op::OrgsUpdateMembershipForAuthenticatedUser
            | Op::ReposListForAuthenticatedUser
            | Op::ReposCreateForAuthenticatedUser
            | Op::ActivityListReposStarredByAuthenticatedUser
            | Op::ActivityCheckRepoIsStarredByAuthenticatedUser
            | Op::ActivityStarRepoForAuthenticatedUser
            | Op::ActivityUnstarRepoForAuthenticatedUser
            | Op::ActivityListWatchedReposForAuthenticatedUser
            | Op::ActivityGetRepoSubscription
            | Op::ActivitySetRepoSubscription
            | Op::ActivityDeleteRepoSubscription
    )
}

/// The permission an installation token needs for `operation_id` (GitHub's operationId) called
/// with `method`: reads need `read`, everything else `write`. `None`: nothing beyond access to
/// the repository (the API root, rate limits).
pub fn required(operation_id: &str, method: &str) -> Option<(&'static str, Level)> {
    let level = if method == "GET" {
        Level::Read
    } else {
        Level::Write
    };
    let (family, name) = operation_id.split_once('/')?;
    let permission = match family {
        "meta" | "rate-limit" | "apps" | "users" | "search" => return None,
        // Starring and watching are the user's own (GitHub's `starring` and `watching` user
        // permissions), which bleephub does not narrow; listings need the repository's metadata.
        "activity" if method != "GET" || name.contains("authenticated-user") => return None,
        "activity" => return Some(("metadata", Level::Read)),
        "checks" => "checks",
        "pulls" => "pull_requests",
        "issues" => "issues",
        "git" => "contents",
        "actions" => "actions",
        "teams" => "members",
        "orgs" if name.contains("webhook") => "organization_hooks",
        "orgs" if name == "get" || name == "list-for-user" => {
            return Some(("metadata", Level::Read));
        }
        "orgs" => "members",
        "repos" => repository_permission(name, level),
        _ => return Some(("metadata", level)),
    };
    Some((permission, level))
}

fn repository_permission(name: &str, level: Level) -> &'static str {
    if name.contains("webhook") {
        "repository_hooks"
    } else if name.contains("commit-status") || name == "get-combined-status-for-ref" {
        "statuses"
    } else if name.contains("protection") || name.contains("deploy-key") {
        "administration"
    } else if name.contains("release")
        || name.contains("content")
        || name.contains("file")
        || name.contains("commit")
        || name.contains("branch")
        || name.contains("tag")
        || name.contains("readme")
        || name == "create-dispatch-event"
    {
        "contents"
    } else if level == Level::Read {
        "metadata"
    } else {
        // Creating, updating and deleting repositories, topics and collaborators.
        "administration"
    }
}

/// Whether `caller` may call `op` (`operation_id`, `method`); the 401/403 GitHub answers
/// otherwise, with the `X-Accepted-GitHub-Permissions` value for a missing permission.
pub fn check(
    caller: Option<&Principal>,
    op: Op,
    operation_id: &str,
    method: &str,
) -> Result<(), (GitHubError, Option<String>)> {
    let app_jwt = caller.is_some_and(|c| c.app.is_some());
    if is_app_operation(op) {
        return if app_jwt {
            Ok(())
        } else {
            Err((
                GitHubError::Unauthorized(super::jwt::UNDECODABLE.into()),
                None,
            ))
        };
    }
    if app_jwt {
        return Err((GitHubError::Forbidden(NOT_ACCESSIBLE.into()), None));
    }
    if let Some(pat) = caller.and_then(|c| c.pat.as_ref()) {
        return match required(operation_id, method) {
            Some((permission, level)) if !grants(&pat.permissions, permission, level) => Err((
                GitHubError::Forbidden(PAT_NOT_ACCESSIBLE.into()),
                Some(format!("{permission}={}", level.as_str())),
            )),
            _ => Ok(()),
        };
    }
    let Some(grant) = caller.and_then(|c| c.installation.as_ref()) else {
        return if op == Op::AppsListReposAccessibleToInstallation {
            Err((GitHubError::Forbidden(INSTALLATION_TOKEN_ONLY.into()), None))
        } else {
            Ok(())
        };
    };
    if is_user_operation(op) {
        return Err((GitHubError::Forbidden(NOT_ACCESSIBLE.into()), None));
    }
    match required(operation_id, method) {
        Some((permission, level)) if !grants(&grant.permissions, permission, level) => Err((
            GitHubError::Forbidden(NOT_ACCESSIBLE.into()),
            Some(format!("{permission}={}", level.as_str())),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_need_githubs_permissions() {
        let cases = [
            ("checks/create", "POST", Some(("checks", Level::Write))),
            ("checks/get", "GET", Some(("checks", Level::Read))),
            (
                "repos/create-commit-status",
                "POST",
                Some(("statuses", Level::Write)),
            ),
            ("repos/list-commits", "GET", Some(("contents", Level::Read))),
            ("repos/get-content", "GET", Some(("contents", Level::Read))),
            ("repos/get", "GET", Some(("metadata", Level::Read))),
            (
                "repos/replace-all-topics",
                "PUT",
                Some(("administration", Level::Write)),
            ),
            (
                "repos/create-webhook",
                "POST",
                Some(("repository_hooks", Level::Write)),
            ),
            ("issues/create", "POST", Some(("issues", Level::Write))),
            ("pulls/merge", "PUT", Some(("pull_requests", Level::Write))),
            ("rate-limit/get", "GET", None),
        ];
        for (operation_id, method, expected) in cases {
            assert_eq!(required(operation_id, method), expected, "{operation_id}");
        }
    }

    #[test]
    fn levels_include_lower_ones() {
        let granted: BTreeMap<String, String> = [("checks".to_string(), "write".to_string())]
            .into_iter()
            .collect();
        assert!(grants(&granted, "checks", Level::Read));
        assert!(grants(&granted, "checks", Level::Write));
        assert!(!grants(&granted, "checks", Level::Admin));
        assert!(grants(&granted, "metadata", Level::Read));
        assert!(!grants(&granted, "issues", Level::Read));
    }
}
