//! GitHub Apps over REST: the app itself (`GET /app`), its installations (listed, by ID, by
//! repository, organization or user), installation access tokens (`ghs_…`, narrowed to
//! repositories and permissions, expiring after an hour), and the repositories a token reaches
//! (`GET /installation/repositories`). Who may call what is [`crate::apps::permissions`].
//!
//! What this module must not do: see HTTP, or give a token more than its installation has.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Ctx;
use crate::apps::permissions::{self, Level};
use crate::auth::{self, TokenKind};
use crate::error::GitHubError;
use crate::model::{self, App, Installation, InstallationToken, Repo};

/// How long an installation token lives (GitHub: one hour).
pub const TOKEN_LIFETIME_MILLIS: i64 = 3_600_000;

/// GitHub's 422s for a token request asking more than the installation has.
pub const PERMISSIONS_NOT_GRANTED: &str =
    "The permissions requested are not granted to this installation.";
pub const REPOSITORY_NOT_ACCESSIBLE: &str = "There is at least one repository that does not exist or is not accessible to the parent installation.";

/// The app whose JWT the caller presented (the protocol lets only such callers in).
pub fn authenticated_app(ctx: &Ctx<'_>) -> Result<App, GitHubError> {
    ctx.caller
        .as_ref()
        .and_then(|c| c.app.clone())
        .ok_or_else(|| GitHubError::Unauthorized(crate::apps::jwt::UNDECODABLE.into()))
}

/// How many accounts the app is installed on.
pub fn installations_count(ctx: &Ctx<'_>, app: &App) -> usize {
    list_installations_of(ctx, app).len()
}

fn list_installations_of(ctx: &Ctx<'_>, app: &App) -> Vec<Installation> {
    ctx.hub
        .state
        .installations
        .all()
        .into_iter()
        .map(|(_, installation)| installation)
        .filter(|installation| installation.app_id == app.id)
        .collect()
}

/// `GET /app/installations`, oldest first.
pub fn list_installations(ctx: &Ctx<'_>) -> Result<(App, Vec<Installation>), GitHubError> {
    let app = authenticated_app(ctx)?;
    let list = list_installations_of(ctx, &app);
    Ok((app, list))
}

/// `GET /app/installations/{installation_id}`: the app's own installations only.
pub fn get_installation(ctx: &Ctx<'_>, id: &str) -> Result<(App, Installation), GitHubError> {
    let app = authenticated_app(ctx)?;
    let installation = id
        .parse::<u64>()
        .ok()
        .and_then(|id| ctx.hub.state.installations.get(&model::id_key(id)))
        .filter(|installation| installation.app_id == app.id)
        .ok_or(GitHubError::NotFound)?;
    Ok((app, installation))
}

/// `GET /repos/{owner}/{repo}/installation`: the app's installation reaching the repository.
pub fn repo_installation(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
) -> Result<(App, Installation), GitHubError> {
    let app = authenticated_app(ctx)?;
    let repo = ctx
        .hub
        .state
        .repo_by_name(owner, name)
        .ok_or(GitHubError::NotFound)?;
    let installation = crate::apps::installation_on(&ctx.hub.state, app.id, &repo.owner)
        .filter(|installation| crate::apps::reaches(installation, &repo))
        .ok_or(GitHubError::NotFound)?;
    Ok((app, installation))
}

/// `GET /orgs/{org}/installation` and `GET /users/{username}/installation`.
pub fn account_installation(
    ctx: &Ctx<'_>,
    login: &str,
    kind: model::AccountKind,
) -> Result<(App, Installation), GitHubError> {
    let app = authenticated_app(ctx)?;
    let account = ctx
        .hub
        .state
        .account(login)
        .filter(|a| a.kind == kind)
        .ok_or(GitHubError::NotFound)?;
    let installation = crate::apps::installation_on(&ctx.hub.state, app.id, &account.login)
        .ok_or(GitHubError::NotFound)?;
    Ok((app, installation))
}

/// `POST /app/installations/{installation_id}/access_tokens`.
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    pub repositories: Option<Vec<String>>,
    pub repository_ids: Option<Vec<u64>>,
    pub permissions: Option<BTreeMap<String, String>>,
}

/// A new installation token: the token (shown once), its grant, and the repositories it was
/// narrowed to (`None` when it reaches all of the installation's).
pub struct IssuedToken {
    pub token: String,
    pub grant: InstallationToken,
    pub installation: Installation,
    pub repositories: Option<Vec<Repo>>,
}

/// Repositories of `installation` (all it reaches, in ID order).
pub fn installation_repositories(ctx: &Ctx<'_>, installation: &Installation) -> Vec<Repo> {
    ctx.hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| crate::apps::reaches(installation, repo))
        .collect()
}

pub fn create_token(
    ctx: &Ctx<'_>,
    id: &str,
    input: TokenRequest,
) -> Result<IssuedToken, GitHubError> {
    let (app, installation) = get_installation(ctx, id)?;
    if installation.suspended_at.is_some() {
        return Err(GitHubError::Forbidden(
            "This installation has been suspended".into(),
        ));
    }
    // An empty map asks for nothing in particular (PyGithub always sends one): everything the
    // installation has, as when the member is absent.
    let permissions = match input.permissions.filter(|asked| !asked.is_empty()) {
        None => installation.permissions.clone(),
        Some(asked) => {
            for (name, level) in &asked {
                let granted = Level::parse(level).is_some_and(|level| {
                    permissions::grants(&installation.permissions, name, level)
                });
                if !granted {
                    return Err(GitHubError::Unprocessable(
                        PERMISSIONS_NOT_GRANTED.into(),
                        Vec::new(),
                    ));
                }
            }
            // Every installation token can read metadata, and says so.
            let mut asked = asked;
            asked
                .entry("metadata".into())
                .or_insert_with(|| "read".into());
            asked
        }
    };
    let reachable = installation_repositories(ctx, &installation);
    let narrowed = match (input.repositories, input.repository_ids) {
        (None, None) => None,
        (names, ids) => {
            let mut chosen: Vec<Repo> = Vec::new();
            for name in names.unwrap_or_default() {
                let repo = reachable
                    .iter()
                    .find(|repo| repo.name.eq_ignore_ascii_case(&name))
                    .ok_or_else(|| {
                        GitHubError::Unprocessable(REPOSITORY_NOT_ACCESSIBLE.into(), Vec::new())
                    })?;
                chosen.push(repo.clone());
            }
            for id in ids.unwrap_or_default() {
                let repo = reachable.iter().find(|repo| repo.id == id).ok_or_else(|| {
                    GitHubError::Unprocessable(REPOSITORY_NOT_ACCESSIBLE.into(), Vec::new())
                })?;
                chosen.push(repo.clone());
            }
            chosen.sort_by_key(|repo| repo.id);
            chosen.dedup_by_key(|repo| repo.id);
            Some(chosen)
        }
    };
    let token = auth::new_token(ctx.hub.kit.ids().as_ref(), TokenKind::App);
    let grant = InstallationToken {
        installation_id: installation.id,
        app_id: app.id,
        permissions,
        repository_ids: narrowed
            .as_ref()
            .map(|repos| repos.iter().map(|repo| repo.id).collect()),
        created_at: ctx.now,
        expires_at: ctx.now + TOKEN_LIFETIME_MILLIS,
    };
    ctx.hub
        .state
        .installation_tokens
        .insert(&auth::token_hash(&token), grant.clone())?;
    Ok(IssuedToken {
        token,
        grant,
        installation,
        repositories: narrowed,
    })
}

/// Whether an installation token's grant reaches `repo`.
pub fn token_reaches(ctx: &Ctx<'_>, grant: &InstallationToken, repo: &Repo) -> bool {
    let Some(installation) = ctx
        .hub
        .state
        .installations
        .get(&model::id_key(grant.installation_id))
    else {
        return false;
    };
    crate::apps::reaches(&installation, repo)
        && grant
            .repository_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&repo.id))
}

/// `GET /installation/repositories`: what the caller's installation token reaches, and the
/// installation's `repository_selection`.
pub fn token_repositories(ctx: &Ctx<'_>) -> Result<(String, Vec<Repo>), GitHubError> {
    let grant = ctx
        .caller
        .as_ref()
        .and_then(|c| c.installation.clone())
        .ok_or_else(|| GitHubError::Forbidden(permissions::INSTALLATION_TOKEN_ONLY.into()))?;
    let installation = ctx
        .hub
        .state
        .installations
        .get(&model::id_key(grant.installation_id))
        .ok_or(GitHubError::BadCredentials)?;
    let repos = installation_repositories(ctx, &installation)
        .into_iter()
        .filter(|repo| token_reaches(ctx, &grant, repo))
        .collect();
    let selection = if grant.repository_ids.is_some() {
        "selected".to_string()
    } else {
        installation.repository_selection.clone()
    };
    Ok((selection, repos))
}
