//! A project's repository through REST: branches, tags, commits (list, get, create with
//! actions), files (get, raw, create, update, delete: each a commit), and the tree. Changes
//! are real commits in the project's git repository (`simkit::git`), and a commit made here
//! starts a pipeline as a push does.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use http::{HeaderValue, StatusCode};
use serde_json::{Value, json};
use simkit::git::{Commit, CommitRequest, EntryKind, FileChange, RefUpdate, Repo};

use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Project, access};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, format_time};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/repository/branches",
            get(list_branches).post(create_branch),
        )
        .route(
            "/api/v4/projects/{id}/repository/branches/{branch}",
            get(get_branch).delete(delete_branch),
        )
        .route(
            "/api/v4/projects/{id}/repository/tags",
            get(list_tags).post(create_tag),
        )
        .route(
            "/api/v4/projects/{id}/repository/tags/{tag}",
            get(get_tag).delete(delete_tag),
        )
        .route(
            "/api/v4/projects/{id}/repository/commits",
            get(list_commits).post(create_commit),
        )
        .route(
            "/api/v4/projects/{id}/repository/commits/{sha}",
            get(get_commit),
        )
        .route(
            "/api/v4/projects/{id}/repository/files/{path}",
            get(get_file)
                .post(create_file)
                .put(update_file)
                .delete(delete_file),
        )
        .route(
            "/api/v4/projects/{id}/repository/files/{path}/raw",
            get(raw_file),
        )
        .route("/api/v4/projects/{id}/repository/tree", get(tree))
}

fn time_of(seconds: i64) -> String {
    format_time(simkit::clock::from_millis(seconds * 1000))
}

impl Gitlab {
    pub(super) fn commit_json(&self, project: &Project, commit: &Commit) -> Value {
        let title = commit.message.lines().next().unwrap_or_default();
        json!({
            "id": commit.sha,
            "short_id": &commit.sha[..commit.sha.len().min(8)],
            "created_at": time_of(commit.committer.time),
            "parent_ids": commit.parents,
            "title": title,
            "message": commit.message,
            "author_name": commit.author.name,
            "author_email": commit.author.email,
            "authored_date": time_of(commit.author.time),
            "committer_name": commit.committer.name,
            "committer_email": commit.committer.email,
            "committed_date": time_of(commit.committer.time),
            "trailers": {},
            "extended_trailers": {},
            "web_url": format!("{}/{}/-/commit/{}", self.external_url(), project.path_with_namespace, commit.sha),
        })
    }

    /// A commit made through the API starts a pipeline, as a push does.
    fn after_commit(
        &self,
        project: &Project,
        user: &crate::model::User,
        branch: &str,
        old: Option<String>,
        new: &str,
    ) {
        self.pipeline_for_push(
            project,
            user,
            &RefUpdate {
                name: format!("refs/heads/{branch}"),
                old,
                new: Some(new.to_string()),
            },
        );
    }
}

pub(super) fn readable(gitlab: &Gitlab, caller: &Caller, id: &str) -> Result<(Project, Repo)> {
    let (project, level) = gitlab.visible_project(caller, id)?;
    // Guests cannot read the code of private and internal projects.
    if project.visibility != "public" && level < access::REPORTER {
        return Err(GitlabError::Forbidden);
    }
    let repo = gitlab.repo(&project)?;
    Ok((project, repo))
}

pub(super) fn writable(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
) -> Result<(Project, Repo, crate::model::User)> {
    let (project, _) = gitlab.project_with_access(caller, id, access::DEVELOPER)?;
    let user = caller.require_user()?.clone();
    let repo = gitlab.repo(&project)?;
    Ok((project, repo, user))
}

/// GitLab's `authorize_push_to_branch!`, for the files and commits APIs.
fn authorize_push_to_branch(
    gitlab: &Gitlab,
    project: &Project,
    user: &crate::model::User,
    branch: &str,
) -> Result<()> {
    if gitlab.can_push_to_branch(project, user, branch) {
        Ok(())
    } else {
        Err(GitlabError::ForbiddenBecause(
            "You are not allowed to push into this branch".into(),
        ))
    }
}

/// A ref change made through the API passes the same checks as a push, with the web's
/// allowances; a refusal is GitLab's pre-receive message with 400.
fn check_web_change(
    gitlab: &Gitlab,
    project: &Project,
    user: &crate::model::User,
    ref_name: &str,
    change: simkit::git::rules::Change,
) -> Result<()> {
    gitlab
        .check_web_change(project, user, ref_name, change)
        .map_err(GitlabError::BadRequestMessage)
}

fn branch_json(
    gitlab: &Gitlab,
    caller: &Caller,
    project: &Project,
    repo: &Repo,
    name: &str,
    sha: &str,
) -> Result<Value> {
    let commit = repo.commit_info(sha)?.ok_or(GitlabError::Internal)?;
    let default = name == project.default_branch;
    let merged = !default
        && repo.resolve(&project.default_branch)?.is_some()
        && repo
            .is_ancestor(sha, &project.default_branch)
            .unwrap_or(false);
    let protections: Vec<crate::model::ProtectedBranch> = gitlab
        .protected_branches(project.id)
        .into_iter()
        .filter(|protected| simkit::git::rules::matches(&protected.name, name))
        .collect();
    let developers_can = |level: fn(&crate::model::ProtectedBranch) -> i64| {
        protections
            .iter()
            .any(|protected| level(protected) == access::DEVELOPER)
    };
    Ok(json!({
        "name": name,
        "merged": merged,
        "protected": !protections.is_empty(),
        "default": default,
        "developers_can_push": developers_can(|p| p.push_access_level.access_level),
        "developers_can_merge": developers_can(|p| p.merge_access_level.access_level),
        "can_push": caller.user().is_some_and(|user| gitlab.can_push_to_branch(project, user, name)),
        "web_url": format!("{}/{}/-/tree/{name}", gitlab.external_url(), project.path_with_namespace),
        "commit": gitlab.commit_json(project, &commit),
    }))
}

fn branches(repo: &Repo) -> Result<Vec<(String, String)>> {
    Ok(repo
        .refs()?
        .into_iter()
        .filter_map(|r| {
            r.name
                .strip_prefix("refs/heads/")
                .map(|name| (name.to_string(), r.target))
        })
        .collect())
}

async fn list_branches(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let search = params.str("search")?;
    let mut items = Vec::new();
    for (name, sha) in branches(&repo)? {
        let keep = match &search {
            None => true,
            Some(term) if term.starts_with('^') => name.starts_with(&term[1..]),
            Some(term) if term.ends_with('$') => name.ends_with(&term[..term.len() - 1]),
            Some(term) => name.contains(term.as_str()),
        };
        if keep {
            items.push(branch_json(&gitlab, &caller, &project, &repo, &name, &sha)?);
        }
    }
    paginate(items, &params, &url)
}

async fn get_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, branch)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let (name, sha) = branches(&repo)?
        .into_iter()
        .find(|(name, _)| *name == branch)
        .ok_or_else(|| GitlabError::not_found("Branch"))?;
    Ok(Json(branch_json(
        &gitlab, &caller, &project, &repo, &name, &sha,
    )?))
}

async fn create_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    require_all(&params, &["branch", "ref"])?;
    let branch = params.required_str("branch")?;
    let source = params.required_str("ref")?;
    if simkit::git::names::check_branch(&branch).is_err() {
        return Err(GitlabError::BadRequestMessage(
            "Branch name is invalid".into(),
        ));
    }
    if repo.resolve(&format!("refs/heads/{branch}"))?.is_some() {
        return Err(GitlabError::BadRequestMessage(
            "Branch already exists".into(),
        ));
    }
    let sha = match simkit::git::names::check_revision(&source) {
        Ok(()) => repo.resolve(&source)?,
        Err(_) => None,
    }
    .ok_or_else(|| {
        GitlabError::BadRequestMessage("Invalid reference name: ".to_string() + &source)
    })?;
    check_web_change(
        &gitlab,
        &project,
        &user,
        &format!("refs/heads/{branch}"),
        simkit::git::rules::Change::Create,
    )?;
    repo.update_ref(&format!("refs/heads/{branch}"), Some(&sha), None)?;
    gitlab.after_commit(&project, &user, &branch, None, &sha);
    Ok((
        StatusCode::CREATED,
        Json(branch_json(
            &gitlab, &caller, &project, &repo, &branch, &sha,
        )?),
    ))
}

async fn delete_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, branch)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    if branch == project.default_branch {
        return Err(GitlabError::BadRequestMessage(
            "The default branch of a project cannot be deleted.".into(),
        ));
    }
    if simkit::git::names::check_branch(&branch).is_err()
        || repo.resolve(&format!("refs/heads/{branch}"))?.is_none()
    {
        return Err(GitlabError::not_found("Branch"));
    }
    check_web_change(
        &gitlab,
        &project,
        &user,
        &format!("refs/heads/{branch}"),
        simkit::git::rules::Change::Delete,
    )?;
    repo.update_ref(&format!("refs/heads/{branch}"), None, None)?;
    Ok(StatusCode::NO_CONTENT)
}

fn tag_json(
    gitlab: &Gitlab,
    project: &Project,
    repo: &Repo,
    name: &str,
    target: &str,
    peeled: Option<&str>,
) -> Result<Value> {
    let commit_sha = peeled.unwrap_or(target);
    let commit = repo.commit_info(commit_sha)?.ok_or(GitlabError::Internal)?;
    Ok(json!({
        "name": name,
        "message": null,
        "target": target,
        "commit": gitlab.commit_json(project, &commit),
        "release": null,
        "protected": gitlab.tag_is_protected(project.id, name),
        "created_at": null,
    }))
}

async fn list_tags(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let mut items = Vec::new();
    for r in repo.refs()? {
        if let Some(name) = r.name.strip_prefix("refs/tags/") {
            items.push(tag_json(
                &gitlab,
                &project,
                &repo,
                name,
                &r.target,
                r.peeled.as_deref(),
            )?);
        }
    }
    // GitLab lists tags newest first by default (`order_by=updated`); by name descending here.
    items.reverse();
    paginate(items, &params, &url)
}

async fn get_tag(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let found = repo
        .refs()?
        .into_iter()
        .find(|r| r.name == format!("refs/tags/{tag}"))
        .ok_or_else(|| GitlabError::not_found("Tag"))?;
    Ok(Json(tag_json(
        &gitlab,
        &project,
        &repo,
        &tag,
        &found.target,
        found.peeled.as_deref(),
    )?))
}

async fn create_tag(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    require_all(&params, &["tag_name", "ref"])?;
    let name = params.required_str("tag_name")?;
    let source = params.required_str("ref")?;
    if simkit::git::names::check_ref_name(&format!("refs/tags/{name}")).is_err() {
        return Err(GitlabError::BadRequestMessage("Tag name invalid".into()));
    }
    if repo.resolve(&format!("refs/tags/{name}"))?.is_some() {
        return Err(GitlabError::BadRequestMessage(format!(
            "Tag {name} already exists"
        )));
    }
    let sha = match simkit::git::names::check_revision(&source) {
        Ok(()) => repo.resolve(&source)?,
        Err(_) => None,
    }
    .ok_or_else(|| {
        GitlabError::BadRequestMessage("Target ".to_string() + &source + " is invalid")
    })?;
    check_web_change(
        &gitlab,
        &project,
        &user,
        &format!("refs/tags/{name}"),
        simkit::git::rules::Change::Create,
    )?;
    let target = match params.str("message")?.filter(|m| !m.is_empty()) {
        Some(message) => {
            repo.create_annotated_tag(&name, &sha, &message, &gitlab.signature(&user))?
        }
        None => {
            repo.update_ref(&format!("refs/tags/{name}"), Some(&sha), None)?;
            sha.clone()
        }
    };
    gitlab.pipeline_for_push(
        &project,
        &user,
        &RefUpdate {
            name: format!("refs/tags/{name}"),
            old: None,
            new: Some(target.clone()),
        },
    );
    let mut body = tag_json(&gitlab, &project, &repo, &name, &target, Some(&sha))?;
    body["message"] = json!(params.str("message")?);
    Ok((StatusCode::CREATED, Json(body)))
}

async fn delete_tag(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    let name = format!("refs/tags/{tag}");
    if simkit::git::names::check_ref_name(&name).is_err()
        || !repo.refs()?.iter().any(|r| r.name == name)
    {
        return Err(GitlabError::not_found("Tag"));
    }
    check_web_change(
        &gitlab,
        &project,
        &user,
        &name,
        simkit::git::rules::Change::Delete,
    )?;
    repo.update_ref(&name, None, None)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_commits(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let rev = params
        .str("ref_name")?
        .unwrap_or_else(|| project.default_branch.clone());
    let path = params.str("path")?;
    if simkit::git::names::check_revision(&rev).is_err() || repo.resolve(&rev)?.is_none() {
        // GitLab lists nothing for a ref that does not exist.
        return paginate(Vec::new(), &params, &url);
    }
    let commits = repo.log(&rev, path.as_deref(), 0, 10_000)?;
    let items = commits
        .iter()
        .map(|c| gitlab.commit_json(&project, c))
        .collect();
    paginate(items, &params, &url)
}

async fn get_commit(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let commit = match simkit::git::names::check_revision(&sha) {
        Ok(()) => repo.commit_info(&sha)?,
        Err(_) => None,
    }
    .ok_or_else(|| GitlabError::not_found("Commit"))?;
    let mut body = gitlab.commit_json(&project, &commit);
    let (additions, deletions) = match commit.parents.first() {
        Some(parent) => repo
            .diff(parent, &commit.sha)?
            .iter()
            .fold((0, 0), |(a, d), f| {
                (a + f.additions.unwrap_or(0), d + f.deletions.unwrap_or(0))
            }),
        None => (0, 0),
    };
    body["stats"] =
        json!({"additions": additions, "deletions": deletions, "total": additions + deletions});
    let last_pipeline = gitlab
        .db
        .pipelines
        .all()
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p.project_id == project.id && p.sha == commit.sha)
        .max_by_key(|p| p.id);
    body["status"] = json!(last_pipeline.as_ref().map(|p| p.status.clone()));
    body["last_pipeline"] = last_pipeline.map_or(Value::Null, |p| gitlab.pipeline_json(&p, false));
    Ok(Json(body))
}

/// Decodes `content` as `encoding` (`text` or `base64`) says.
fn decode_content(params: &Params) -> Result<Vec<u8>> {
    let content = params.str("content")?.unwrap_or_default();
    match params.str("encoding")?.as_deref() {
        None | Some("text") => Ok(content.into_bytes()),
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .map_err(|_| GitlabError::BadRequestMessage("Invalid base64".into())),
        Some(_) => Err(GitlabError::InvalidParameter(
            "encoding does not have a valid value".into(),
        )),
    }
}

fn author(
    gitlab: &Gitlab,
    user: &crate::model::User,
    params: &Params,
) -> Result<simkit::git::Signature> {
    let mut signature = gitlab.signature(user);
    if let Some(name) = params.str("author_name")? {
        signature.name = name;
    }
    if let Some(email) = params.str("author_email")? {
        signature.email = email;
    }
    Ok(signature)
}

async fn create_commit(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, repo, user) = writable(&gitlab, &caller, &id)?;
    require_all(&params, &["branch", "commit_message", "actions"])?;
    let branch = params.required_str("branch")?;
    authorize_push_to_branch(&gitlab, &project, &user, &branch)?;
    let Some(Value::Array(actions)) = params.get("actions") else {
        return Err(GitlabError::invalid("actions"));
    };
    let start = params.str("start_branch")?.or(params.str("start_sha")?);
    let base = match &start {
        Some(start) => Some(start.clone()),
        None => Some(branch.clone()).filter(|b| {
            repo.resolve(&format!("refs/heads/{b}"))
                .ok()
                .flatten()
                .is_some()
        }),
    };
    let exists = |path: &str| -> Result<bool> {
        Ok(match &base {
            Some(rev) => repo.read_blob(rev, path)?.is_some(),
            None => false,
        })
    };
    let mut files = Vec::new();
    for action in actions {
        let kind = action
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let path = action
            .get("file_path")
            .and_then(Value::as_str)
            .ok_or_else(|| GitlabError::missing("actions[file_path]"))?
            .to_string();
        let content = || -> Result<Vec<u8>> {
            let text = action
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match action.get("encoding").and_then(Value::as_str) {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| GitlabError::BadRequestMessage("Invalid base64".into())),
                _ => Ok(text.as_bytes().to_vec()),
            }
        };
        match kind {
            "create" | "update" | "delete" => {
                let should_exist = kind != "create";
                if exists(&path)? != should_exist {
                    let message = if should_exist {
                        "A file with this name doesn't exist"
                    } else {
                        "A file with this name already exists"
                    };
                    return Err(GitlabError::BadRequestMessage(message.to_string()));
                }
                let content = if kind == "delete" {
                    None
                } else {
                    Some(content()?)
                };
                files.push(FileChange { path, content });
            }
            "move" => {
                let previous = action
                    .get("previous_path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| GitlabError::missing("actions[previous_path]"))?
                    .to_string();
                let bytes = match action.get("content") {
                    Some(_) => content()?,
                    None => base
                        .as_ref()
                        .map(|rev| repo.read_blob(rev, &previous))
                        .transpose()?
                        .flatten()
                        .ok_or_else(|| {
                            GitlabError::BadRequestMessage(
                                "A file with this name doesn't exist".into(),
                            )
                        })?,
                };
                files.push(FileChange {
                    path: previous,
                    content: None,
                });
                files.push(FileChange {
                    path,
                    content: Some(bytes),
                });
            }
            _ => {
                return Err(GitlabError::InvalidParameter(
                    "actions[action] does not have a valid value".into(),
                ));
            }
        }
    }
    let old = repo.resolve(&format!("refs/heads/{branch}"))?;
    let commit = repo.commit(&CommitRequest {
        branch: branch.clone(),
        start_branch: start,
        message: params.required_str("commit_message")?,
        author: author(&gitlab, &user, &params)?,
        committer: None,
        files,
        expected_head: None,
    })?;
    gitlab.after_commit(&project, &user, &branch, old, &commit.sha);
    Ok((
        StatusCode::CREATED,
        Json(gitlab.commit_json(&project, &commit)),
    ))
}

async fn get_file(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, path)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let (_, repo) = readable(&gitlab, &caller, &id)?;
    let rev = params.required_str("ref")?;
    let not_found = || GitlabError::not_found("File");
    if simkit::git::names::check_revision(&rev).is_err()
        || simkit::git::names::check_path(&path).is_err()
    {
        return Err(not_found());
    }
    let commit = repo.resolve(&rev)?.ok_or_else(not_found)?;
    let entry = repo
        .entry(&commit, &path)?
        .filter(|e| e.kind == EntryKind::Blob)
        .ok_or_else(not_found)?;
    let bytes = repo.blob(&entry.sha)?;
    let last = repo.log(&commit, Some(&path), 0, 1)?;
    use sha2::Digest;
    Ok(Json(json!({
        "file_name": entry.name,
        "file_path": path,
        "size": bytes.len(),
        "encoding": "base64",
        "content": base64::engine::general_purpose::STANDARD.encode(&bytes),
        "content_sha256": hex::encode(sha2::Sha256::digest(&bytes)),
        "ref": rev,
        "blob_id": entry.sha,
        "commit_id": commit,
        "last_commit_id": last.first().map(|c| c.sha.clone()),
        "execute_filemode": entry.mode == "100755",
    })))
}

async fn raw_file(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, path)): Path<(String, String)>,
    params: Params,
) -> Result<Response> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let rev = params
        .str("ref")?
        .unwrap_or_else(|| project.default_branch.clone());
    let not_found = || GitlabError::not_found("File");
    if simkit::git::names::check_revision(&rev).is_err()
        || simkit::git::names::check_path(&path).is_err()
    {
        return Err(not_found());
    }
    let bytes = repo.read_blob(&rev, &path)?.ok_or_else(not_found)?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

async fn change_file(
    gitlab: &Gitlab,
    caller: &Caller,
    id: &str,
    path: &str,
    params: &Params,
    mode: &str,
) -> Result<Value> {
    let (project, repo, user) = writable(gitlab, caller, id)?;
    let mut required = vec!["branch", "commit_message"];
    if mode != "delete" {
        required.push("content");
    }
    require_all(params, &required)?;
    if simkit::git::names::check_path(path).is_err() || path.is_empty() {
        return Err(GitlabError::BadRequestMessage(
            "Your changes could not be committed, because the file path is invalid".into(),
        ));
    }
    let branch = params.required_str("branch")?;
    authorize_push_to_branch(gitlab, &project, &user, &branch)?;
    let start = params.str("start_branch")?;
    let base = start.clone().unwrap_or_else(|| branch.clone());
    let old = repo.resolve(&format!("refs/heads/{branch}"))?;
    let base_exists = repo.resolve(&format!("refs/heads/{base}"))?.is_some();
    if start.is_none() && old.is_none() && !repo.is_empty()? {
        return Err(GitlabError::BadRequestMessage(
            "You can only create or edit files when you are on a branch".into(),
        ));
    }
    let exists = base_exists && repo.read_blob(&base, path)?.is_some();
    match (mode, exists) {
        ("create", true) => {
            return Err(GitlabError::BadRequestMessage(
                "A file with this name already exists".into(),
            ));
        }
        ("update" | "delete", false) => {
            return Err(GitlabError::BadRequestMessage(
                "A file with this name doesn't exist".into(),
            ));
        }
        _ => {}
    }
    let expected_head = params.str("last_commit_id")?;
    if let Some(expected) = &expected_head
        && let Some(last) = repo.log(&base, Some(path), 0, 1)?.first()
        && last.sha != *expected
    {
        return Err(GitlabError::BadRequestMessage(
            "You are attempting to update a file that has changed since you started editing it."
                .into(),
        ));
    }
    let content = if mode == "delete" {
        None
    } else {
        Some(decode_content(params)?)
    };
    let commit = repo.commit(&CommitRequest {
        branch: branch.clone(),
        start_branch: start.filter(|_| old.is_none()),
        message: params.required_str("commit_message")?,
        author: author(gitlab, &user, params)?,
        committer: None,
        files: vec![FileChange {
            path: path.to_string(),
            content,
        }],
        expected_head: None,
    })?;
    gitlab.after_commit(&project, &user, &branch, old, &commit.sha);
    Ok(json!({"file_path": path, "branch": branch}))
}

async fn create_file(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, path)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let body = change_file(&gitlab, &caller, &id, &path, &params, "create").await?;
    Ok((StatusCode::CREATED, Json(body)))
}

async fn update_file(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, path)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    Ok(Json(
        change_file(&gitlab, &caller, &id, &path, &params, "update").await?,
    ))
}

async fn delete_file(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, path)): Path<(String, String)>,
    params: Params,
) -> Result<StatusCode> {
    change_file(&gitlab, &caller, &id, &path, &params, "delete").await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn tree(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, repo) = readable(&gitlab, &caller, &id)?;
    let rev = params
        .str("ref")?
        .unwrap_or_else(|| project.default_branch.clone());
    let path = params.str("path")?.unwrap_or_default();
    let path = path.trim_matches('/').to_string();
    let recursive = params.bool("recursive")?.unwrap_or(false);
    let not_found = || GitlabError::not_found("Tree");
    if simkit::git::names::check_revision(&rev).is_err()
        || simkit::git::names::check_path(&path).is_err()
    {
        return Err(not_found());
    }
    if repo.resolve(&rev)?.is_none() {
        return Err(not_found());
    }
    let entries = if recursive {
        repo.tree_recursive(&rev, &path)?
    } else {
        repo.tree(&rev, &path)?
    }
    .ok_or_else(not_found)?;
    let items = entries
        .into_iter()
        .map(|entry| {
            json!({
                "id": entry.sha,
                "name": entry.name,
                "type": match entry.kind { EntryKind::Blob => "blob", EntryKind::Tree => "tree", EntryKind::Commit => "commit" },
                "path": entry.path,
                "mode": entry.mode,
            })
        })
        .collect();
    paginate(items, &params, &url)
}
