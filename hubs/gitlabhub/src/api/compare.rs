//! Diffs of a repository: `GET /projects/:id/repository/compare` (`from`, `to`, `straight`)
//! and `GET /projects/:id/repository/commits/:sha/diff`, in GitLab's `Compare` and `Diff`
//! entities.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::merge_requests::diff_json;
use super::repository::readable;
use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/projects/{id}/repository/compare", get(compare))
        .route(
            "/api/v4/projects/{id}/repository/commits/{sha}/diff",
            get(commit_diff),
        )
}

/// A revision named by a client, resolved to a commit, or `None`.
fn resolve(repo: &simkit::git::Repo, rev: &str) -> Result<Option<String>> {
    if simkit::git::names::check_revision(rev).is_err() {
        return Ok(None);
    }
    Ok(repo.resolve(rev)?)
}

async fn compare(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    require_all(&params, &["from", "to"])?;
    let from = params.required_str("from")?;
    let to = params.required_str("to")?;
    let straight = params.bool("straight")?.unwrap_or(false);
    let (Some(from_sha), Some(to_sha)) = (resolve(&repo, &from)?, resolve(&repo, &to)?) else {
        return Err(GitlabError::not_found("Ref"));
    };
    let comparison = repo.compare(&from_sha, &to_sha)?;
    // `straight` diffs the two commits as they are (`from..to`); otherwise from their merge
    // base (`from...to`), as `compare` computed.
    let files = if straight {
        repo.diff(&from_sha, &to_sha)?
    } else {
        comparison.files
    };
    let commits: Vec<Value> = comparison
        .commits
        .iter()
        .map(|commit| gitlab.commit_json(&project, commit))
        .collect();
    let separator = if straight { ".." } else { "..." };
    Ok(Json(json!({
        "commit": commits.last().cloned().unwrap_or(Value::Null),
        "commits": commits,
        "diffs": files.iter().map(diff_json).collect::<Vec<_>>(),
        "compare_timeout": false,
        "compare_same_ref": from == to,
        "web_url": format!("{}/{}/-/compare/{from}{separator}{to}", gitlab.external_url(), project.path_with_namespace),
    })))
}

async fn commit_diff(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, sha)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (_, repo) = readable(&gitlab, &caller, &id)?;
    let commit = match simkit::git::names::check_revision(&sha) {
        Ok(()) => repo.commit_info(&sha)?,
        Err(_) => None,
    }
    .ok_or_else(|| GitlabError::not_found("Commit"))?;
    let files = match commit.parents.first() {
        Some(parent) => repo.diff(parent, &commit.sha)?,
        // A root commit adds every file it holds.
        None => repo.diff(EMPTY_TREE, &commit.sha)?,
    };
    paginate(files.iter().map(diff_json).collect(), &params, &url)
}

/// git's empty tree, which every repository knows without storing it.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
