//! The git side of repositories: signatures for commits bleephub makes, what a push changes in
//! the records (`pushed_at`, the default branch of a repository that was empty), and the
//! access a git client gets.

use simkit::git::{GitError, RefUpdate, Signature};

use super::Ctx;
use crate::error::GitHubError;
use crate::model::{Account, Repo, id_key};

/// A git failure is our fault (the repository exists whenever its record does): logged, and
/// answered as GitHub's 500.
pub fn internal(error: GitError) -> GitHubError {
    match error {
        GitError::Conflict(message) => GitHubError::Conflict(message),
        other => {
            tracing::error!(error = %other, "git failed");
            GitHubError::Internal
        }
    }
}

/// The signature GitHub puts on commits it makes for a user: the noreply address.
pub fn signature(account: &Account, now_millis: i64) -> Signature {
    Signature {
        name: account
            .name
            .clone()
            .unwrap_or_else(|| account.login.clone()),
        email: format!("{}+{}@users.noreply.github.com", account.id, account.login),
        time: now_millis.div_euclid(1000),
        offset_minutes: 0,
    }
}

/// Marks a repository pushed now and returns it.
pub fn touch_pushed(ctx: &Ctx<'_>, repo_id: u64) -> Result<Repo, GitHubError> {
    let now = ctx.now;
    ctx.hub
        .state
        .repos
        .update(&id_key(repo_id), |repo| {
            repo.pushed_at = Some(now);
            repo.updated_at = now;
            repo.clone()
        })?
        .ok_or(GitHubError::NotFound)
}

/// What a git client may do with a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitAccess {
    /// Fetch and push.
    Push,
    /// Fetch only.
    Fetch,
    /// Nothing: answered as "Repository not found." (with credentials) or 401 (without).
    None,
}

pub fn access(ctx: &Ctx<'_>, repo: &Repo) -> GitAccess {
    if !ctx.can_read(repo) {
        return GitAccess::None;
    }
    // Installation tokens and narrowed fine-grained tokens push only with `contents: write`.
    let granted = ctx.caller.as_ref().and_then(|c| {
        c.installation
            .as_ref()
            .map(|grant| &grant.permissions)
            .or(c.pat.as_ref().map(|grant| &grant.permissions))
    });
    let contents_write = granted.is_none_or(|permissions| {
        crate::apps::permissions::grants(
            permissions,
            "contents",
            crate::apps::permissions::Level::Write,
        )
    });
    if ctx.caller.is_some()
        && ctx.write_scope(repo)
        && ctx.permissions(repo).push
        && contents_write
        && !repo.archived
    {
        GitAccess::Push
    } else {
        GitAccess::Fetch
    }
}

/// Records a push: `pushed_at`, and for a repository whose default branch does not exist (an
/// empty one), the first branch pushed becomes the default, as on GitHub. Then the push hooks.
pub fn pushed(ctx: &Ctx<'_>, repo: &Repo, updates: &[RefUpdate]) -> Result<(), GitHubError> {
    if updates.is_empty() {
        return Ok(());
    }
    let git = ctx.hub.git.open(&repo.id.to_string()).map_err(internal)?;
    let default_ref = format!("refs/heads/{}", repo.default_branch);
    let mut repo = touch_pushed(ctx, repo.id)?;
    if git.resolve(&default_ref).map_err(internal)?.is_none()
        && let Some(branch) = updates
            .iter()
            .filter(|u| u.new.is_some())
            .find_map(|u| u.name.strip_prefix("refs/heads/"))
    {
        git.set_default_branch(branch).map_err(internal)?;
        let branch = branch.to_string();
        repo = ctx
            .hub
            .state
            .repos
            .update(&id_key(repo.id), |r| {
                r.default_branch = branch;
                r.clone()
            })?
            .ok_or(GitHubError::NotFound)?;
    }
    let pusher = ctx.caller.as_ref().map_or("", |c| c.login());
    ctx.hub.run_push_hooks(&repo, updates, pusher);
    Ok(())
}
