//! Commits, comparisons, tags and branches, read from the repository's real git storage:
//! `GET /commits` (filtered by `sha`, `path`, `author`, `since`, `until`, paged by git itself),
//! a commit with its files and stats, `base...head` comparisons, the tag and branch listings,
//! and branch protection (kept as records; a protected branch refuses force moves and deletion
//! through the API).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use simkit::git::{ChangeStatus, Commit, Comparison, EMPTY_TREE, FileDiff, LogFilter};

use super::Ctx;
use super::git::internal;
use crate::error::GitHubError;
use crate::model::{BranchProtection, Repo, protection_key};

/// A changed file with the blob it ends as (or was, when removed).
#[derive(Debug, Clone)]
pub struct ChangedFile {
    pub diff: FileDiff,
    pub blob: String,
}

/// What a single commit shows beyond the commit itself.
#[derive(Debug, Clone, Default)]
pub struct CommitDetail {
    pub files: Vec<ChangedFile>,
}

/// The repository's git storage.
pub fn open(ctx: &Ctx<'_>, repo: &Repo) -> Result<simkit::git::Repo, GitHubError> {
    ctx.hub.git.open(&repo.id.to_string()).map_err(internal)
}

fn empty_repository() -> GitHubError {
    GitHubError::Conflict("Git Repository is empty.".into())
}

/// The commit a revision names, or `None` (an invalid revision names nothing).
pub fn resolve(git: &simkit::git::Repo, rev: &str) -> Result<Option<String>, GitHubError> {
    match git.resolve(rev) {
        Ok(found) => Ok(found),
        Err(simkit::git::GitError::Invalid { .. }) => Ok(None),
        Err(error) => Err(internal(error)),
    }
}

/// `GET /repos/{owner}/{repo}/commits` filters.
#[derive(Debug, Default, Clone)]
pub struct ListCommits {
    pub sha: Option<String>,
    pub path: Option<String>,
    pub author: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// One page of the history `filters` keeps, and how many commits it keeps in all.
pub fn list(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    filters: ListCommits,
    skip: usize,
    limit: usize,
) -> Result<(Repo, Vec<Commit>, usize), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    if git.is_empty().map_err(internal)? {
        return Err(empty_repository());
    }
    let rev = filters
        .sha
        .clone()
        .unwrap_or_else(|| repo.default_branch.clone());
    let start = resolve(&git, &rev)?
        .ok_or_else(|| GitHubError::Missing(format!("No commit found for SHA: {rev}")))?;
    let path = filters
        .path
        .map(|p| p.trim_matches('/').to_string())
        .filter(|p| simkit::git::names::check_path(p).is_ok());
    let mut authors = Vec::new();
    if let Some(author) = filters.author {
        // A login stands for the account's addresses, as GitHub matches verified emails.
        if let Some(account) = ctx.hub.state.account(&author) {
            authors.push(format!(
                "{}+{}@users.noreply.github.com",
                account.id, account.login
            ));
            authors.extend(account.email);
        } else {
            authors.push(author);
        }
    }
    let filter = LogFilter {
        rev: start,
        path,
        authors,
        since: filters.since.map(|ms| ms.div_euclid(1000)),
        until: filters.until.map(|ms| ms.div_euclid(1000)),
    };
    let total = git.count_filtered(&filter).map_err(internal)? as usize;
    let commits = git.log_filtered(&filter, skip, limit).map_err(internal)?;
    Ok((repo, commits, total))
}

/// The files changed between two commits, each with its blob (from `to`, or from `from` for
/// removed files).
pub fn changed_files(
    git: &simkit::git::Repo,
    from: &str,
    to: &str,
) -> Result<Vec<ChangedFile>, GitHubError> {
    let diffs = git.diff(from, to).map_err(internal)?;
    let blobs = |rev: &str| -> Result<HashMap<String, String>, GitHubError> {
        if rev == EMPTY_TREE {
            return Ok(HashMap::new());
        }
        Ok(git
            .tree_of(rev, true)
            .map_err(internal)?
            .map(|(_, entries)| {
                entries
                    .into_iter()
                    .map(|entry| (entry.path, entry.sha))
                    .collect()
            })
            .unwrap_or_default())
    };
    let after = blobs(to)?;
    let before = if diffs.iter().any(|d| d.status == ChangeStatus::Removed) {
        blobs(from)?
    } else {
        HashMap::new()
    };
    Ok(diffs
        .into_iter()
        .map(|diff| {
            let blob = match diff.status {
                ChangeStatus::Removed => before.get(&diff.path),
                _ => after.get(&diff.path),
            }
            .cloned()
            .unwrap_or_else(|| "0".repeat(40));
            ChangedFile { diff, blob }
        })
        .collect())
}

/// A commit with its files, named by SHA, branch or tag.
pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    reference: &str,
) -> Result<(Repo, Commit, CommitDetail), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    if git.is_empty().map_err(internal)? {
        return Err(empty_repository());
    }
    let no_commit = || GitHubError::InvalidRequest(format!("No commit found for SHA: {reference}"));
    let sha = resolve(&git, reference)?.ok_or_else(no_commit)?;
    let commit = git
        .commit_info(&sha)
        .map_err(internal)?
        .ok_or_else(no_commit)?;
    let from = commit
        .parents
        .first()
        .cloned()
        .unwrap_or_else(|| EMPTY_TREE.to_string());
    let files = changed_files(&git, &from, &commit.sha)?;
    Ok((repo, commit, CommitDetail { files }))
}

/// A comparison and what renders it.
pub struct Compared {
    pub repo: Repo,
    pub comparison: Comparison,
    pub base_commit: Commit,
    pub merge_base_commit: Commit,
    pub files: Vec<ChangedFile>,
}

/// `owner:branch` names a branch of a repository of that owner; here only the repository's
/// own owner is known (forks are not served).
fn local_side<'a>(repo: &Repo, side: &'a str) -> &'a str {
    match side.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => branch,
        _ => side,
    }
}

/// `GET /repos/{owner}/{repo}/compare/{base}...{head}`.
pub fn compare(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    base: &str,
    head: &str,
) -> Result<Compared, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let base_sha = resolve(&git, local_side(&repo, base))?.ok_or(GitHubError::NotFound)?;
    let head_sha = resolve(&git, local_side(&repo, head))?.ok_or(GitHubError::NotFound)?;
    let comparison = git.compare(&base_sha, &head_sha).map_err(internal)?;
    let merge_base = comparison.merge_base.clone().ok_or_else(|| {
        GitHubError::Missing(format!("No common ancestor between {base} and {head}."))
    })?;
    let read = |sha: &str| -> Result<Commit, GitHubError> {
        git.commit_info(sha)
            .map_err(internal)?
            .ok_or(GitHubError::Internal)
    };
    let files = changed_files(&git, &merge_base, &head_sha)?;
    Ok(Compared {
        base_commit: read(&base_sha)?,
        merge_base_commit: read(&merge_base)?,
        repo,
        comparison,
        files,
    })
}

/// The repository's tags, newest name first as GitHub lists them, with the commit each names.
pub fn list_tags(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
) -> Result<(Repo, Vec<(String, String)>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let mut tags: Vec<(String, String)> = git
        .refs()
        .map_err(internal)?
        .into_iter()
        .filter_map(|r| {
            let tag = r.name.strip_prefix("refs/tags/")?.to_string();
            Some((tag, r.peeled.unwrap_or(r.target)))
        })
        .collect();
    tags.sort_by(|a, b| b.0.cmp(&a.0));
    Ok((repo, tags))
}

/// A branch as listings show it: `(name, head SHA, protected)`.
pub type BranchHead = (String, String, bool);

/// Every branch, by name.
pub fn list_branches(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    protected: Option<bool>,
) -> Result<(Repo, Vec<BranchHead>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let branches = git
        .refs()
        .map_err(internal)?
        .into_iter()
        .filter_map(|r| {
            let branch = r.name.strip_prefix("refs/heads/")?.to_string();
            let is_protected = is_protected(ctx, &repo, &branch);
            Some((branch, r.target, is_protected))
        })
        .filter(|(_, _, is_protected)| protected.is_none_or(|wanted| wanted == *is_protected))
        .collect();
    Ok((repo, branches))
}

pub fn is_protected(ctx: &Ctx<'_>, repo: &Repo, branch: &str) -> bool {
    ctx.hub
        .state
        .protections
        .get(&protection_key(repo.id, branch))
        .is_some()
}

/// A branch and its head commit.
pub fn get_branch(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    branch: &str,
) -> Result<(Repo, Commit, bool), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let git = open(ctx, &repo)?;
    let missing = || GitHubError::Missing("Branch not found".into());
    if simkit::git::names::check_branch(branch).is_err() {
        return Err(missing());
    }
    let head = git
        .commit_info(&format!("refs/heads/{branch}"))
        .map_err(internal)?
        .ok_or_else(missing)?;
    let protected = is_protected(ctx, &repo, branch);
    Ok((repo, head, protected))
}

/// The repository if the caller administers it (branch protection needs admin).
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

pub fn get_protection(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    branch: &str,
) -> Result<(Repo, BranchProtection), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    get_branch(ctx, owner, name, branch)?;
    let protection = ctx
        .hub
        .state
        .protections
        .get(&protection_key(repo.id, branch))
        .ok_or_else(|| GitHubError::Missing("Branch not protected".into()))?;
    Ok((repo, protection))
}

/// `PUT .../branches/{branch}/protection`: the four required members may be null.
#[derive(Debug, Deserialize)]
pub struct UpdateProtection {
    pub required_status_checks: Option<Value>,
    pub enforce_admins: Option<bool>,
    pub required_pull_request_reviews: Option<Value>,
    pub required_linear_history: Option<bool>,
    pub allow_force_pushes: Option<bool>,
    pub allow_deletions: Option<bool>,
    pub required_conversation_resolution: Option<bool>,
}

pub fn update_protection(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    branch: &str,
    input: UpdateProtection,
) -> Result<(Repo, BranchProtection), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    get_branch(ctx, owner, name, branch)?;
    let required_status_checks = input.required_status_checks.as_ref().map(|checks| {
        let strict = checks["strict"].as_bool().unwrap_or(false);
        let mut contexts: Vec<String> = checks["contexts"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(listed) = checks["checks"].as_array() {
            contexts.extend(
                listed
                    .iter()
                    .filter_map(|c| c["context"].as_str().map(String::from)),
            );
        }
        (strict, contexts)
    });
    let reviews = input.required_pull_request_reviews.as_ref();
    let protection = BranchProtection {
        repo_id: repo.id,
        branch: branch.to_string(),
        required_status_checks,
        enforce_admins: input.enforce_admins.unwrap_or(false),
        required_approving_review_count: reviews
            .map(|r| r["required_approving_review_count"].as_u64().unwrap_or(1)),
        dismiss_stale_reviews: reviews
            .and_then(|r| r["dismiss_stale_reviews"].as_bool())
            .unwrap_or(false),
        require_code_owner_reviews: reviews
            .and_then(|r| r["require_code_owner_reviews"].as_bool())
            .unwrap_or(false),
        required_linear_history: input.required_linear_history.unwrap_or(false),
        allow_force_pushes: input.allow_force_pushes.unwrap_or(false),
        allow_deletions: input.allow_deletions.unwrap_or(false),
        required_conversation_resolution: input.required_conversation_resolution.unwrap_or(false),
    };
    ctx.hub
        .state
        .protections
        .insert(&protection_key(repo.id, branch), protection.clone())?;
    Ok((repo, protection))
}

pub fn delete_protection(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    branch: &str,
) -> Result<(), GitHubError> {
    let repo = administered(ctx, owner, name)?;
    get_branch(ctx, owner, name, branch)?;
    ctx.hub
        .state
        .protections
        .remove(&protection_key(repo.id, branch))?
        .map(drop)
        .ok_or_else(|| GitHubError::Missing("Branch not protected".into()))
}
