//! Action download info: `POST {plan}/actiondownloadinfo?jobId=…` with the runner's
//! `ActionReferenceList` (`{"actions": [{"nameWithOwner", "ref", "path"}]}`), answered with an
//! `ActionDownloadInfoCollection`: for each `owner/repo@ref`, the repository it resolves to,
//! the commit, and `tarballUrl`/`zipballUrl` (the REST archive endpoints of the repository in
//! this fake, so actions pushed here run offline; nothing is fetched from the internet).
//!
//! A ref resolves as GitHub resolves `uses:` refs: a tag, then a branch, then a commit SHA. An
//! action in a private repository other than the job's own is not resolvable (GitHub's default
//! access policy). An unresolvable action fails the whole request with the runner's
//! `UnresolvableActionDownloadInfoException` (422) and GitHub's message, which the runner shows
//! and does not retry.
//!
//! No `authentication` is answered, so the runner downloads with the job's `GITHUB_TOKEN`, as it
//! does when GitHub answers none.
//!
//! What this module must not do: resolve a repository the job's token could not read.

use serde_json::{Map, Value, json};

use super::model::RequestRecord;
use super::{Answer, Request, ServiceError};

/// A ref of `repo` as a `uses:` reference resolves it: a tag, a branch, or a commit SHA.
fn resolve_ref(git: &simkit::git::Repo, git_ref: &str) -> Option<String> {
    for candidate in [
        format!("refs/tags/{git_ref}"),
        format!("refs/heads/{git_ref}"),
    ] {
        if let Ok(Some(sha)) = git.resolve(&candidate) {
            return Some(sha);
        }
    }
    if simkit::git::names::is_object_id(git_ref) {
        return git.resolve(git_ref).ok().flatten();
    }
    None
}

fn unresolvable(message: String) -> ServiceError {
    ServiceError::exception(
        http::StatusCode::UNPROCESSABLE_ENTITY,
        "UnresolvableActionDownloadInfoException",
        message,
    )
}

/// `POST …/actiondownloadinfo`.
pub fn resolve(request: &Request<'_>, owned: &RequestRecord) -> Result<Answer, ServiceError> {
    let body = request.json()?;
    let hub = request.hub;
    let mut resolved = Map::new();
    for action in body
        .get("actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name_with_owner = action
            .get("nameWithOwner")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let git_ref = action
            .get("ref")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let shown = format!("{name_with_owner}@{git_ref}");
        let (owner, name) = name_with_owner.split_once('/').ok_or_else(|| {
            unresolvable(format!(
                "Unable to resolve action `{shown}`, repository not found"
            ))
        })?;
        let repo = hub
            .state
            .repo_by_name(owner, name)
            .filter(|r| !r.private || r.id == owned.repo_id)
            .ok_or_else(|| {
                unresolvable(format!(
                    "Unable to resolve action `{shown}`, repository not found"
                ))
            })?;
        let sha = hub
            .git
            .open(&repo.id.to_string())
            .ok()
            .and_then(|git| resolve_ref(&git, git_ref))
            .ok_or_else(|| {
                unresolvable(format!(
                    "Unable to resolve action `{shown}`, unable to find version `{git_ref}`"
                ))
            })?;
        let api = format!("{}/api/v3/repos/{}", request.html_url, repo.full_name());
        resolved.insert(
            shown,
            json!({
                "nameWithOwner": name_with_owner,
                "resolvedNameWithOwner": repo.full_name(),
                "resolvedSha": sha,
                "ref": git_ref,
                "tarballUrl": format!("{api}/tarball/{sha}"),
                "zipballUrl": format!("{api}/zipball/{sha}"),
            }),
        );
    }
    Ok(Answer::ok(json!({"actions": resolved})))
}
