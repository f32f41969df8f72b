//! The CI linter: `POST /projects/:id/ci/lint` checks the `content` given, `GET
//! /projects/:id/ci/lint` the project's own configuration at `sha` or `ref` (the default
//! branch otherwise); `include: local` reads the project's repository at that commit. Answers
//! are always 200, with `valid`, `errors`, `warnings` and `merged_yaml` as GitLab gives them.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::repository::readable;
use super::users::require_all;
use crate::auth::Caller;
use crate::ci::config;
use crate::error::{GitlabError, Result};
use crate::params::Params;
use crate::repository::read_text;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new().route(
        "/api/v4/projects/{id}/ci/lint",
        get(lint_project).post(lint_content),
    )
}

/// GitLab's lint result for `source`, reading includes at `sha` of `repo` (and other
/// projects' as the caller may read them).
fn lint(
    gitlab: &Gitlab,
    caller: &Caller,
    source: &str,
    repo: &simkit::git::Repo,
    sha: Option<&str>,
) -> Value {
    let sources = crate::includes::RepositorySources {
        gitlab,
        user: caller.user(),
        repo,
        sha,
        // The instance's own variables are there for a lint too (`$CI_SERVER_FQDN` in a
        // component's address).
        variables: [("CI_SERVER_FQDN".to_string(), gitlab.server_fqdn())]
            .into_iter()
            .collect(),
        changed_files: None,
    };
    let merged = config::merged_yaml(source, &sources);
    let checked = config::parse(source, &sources);
    let errors: Vec<String> = match (&merged, &checked) {
        (Err(error), _) | (Ok(_), Err(error)) => vec![error.0.clone()],
        (Ok(_), Ok(_)) => Vec::new(),
    };
    json!({
        "valid": errors.is_empty(),
        "errors": errors,
        "warnings": [],
        "merged_yaml": merged.ok(),
        "includes": [],
    })
}

async fn lint_content(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    require_all(&params, &["content"])?;
    let content = params.required_str("content")?;
    let git_ref = params
        .str("ref")?
        .unwrap_or_else(|| project.default_branch.clone());
    let sha = match simkit::git::names::check_revision(&git_ref) {
        Ok(()) => repo.resolve(&git_ref)?,
        Err(_) => None,
    };
    Ok(Json(lint(
        &gitlab,
        &caller,
        &content,
        &repo,
        sha.as_deref(),
    )))
}

async fn lint_project(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let revision = match (params.str("sha")?, params.str("ref")?) {
        (Some(sha), _) => sha,
        (None, Some(git_ref)) => git_ref,
        (None, None) => project.default_branch.clone(),
    };
    let sha = match simkit::git::names::check_revision(&revision) {
        Ok(()) => repo.resolve(&revision)?,
        Err(_) => None,
    };
    let config_path = project
        .ci_config_path
        .clone()
        .unwrap_or_else(|| ".gitlab-ci.yml".into());
    let Some(sha) = sha else {
        return Err(GitlabError::not_found("Commit"));
    };
    // No configuration file lints as empty content, with the linter's message for it.
    let source = read_text(&repo, &sha, &config_path).unwrap_or_default();
    Ok(Json(lint(&gitlab, &caller, &source, &repo, Some(&sha))))
}
