//! Protected branches (`/projects/:id/protected_branches`) and protected tags
//! (`/projects/:id/protected_tags`): listing and reading for reporters, changes for
//! maintainers, as GitLab's `API::ProtectedBranches` and `API::ProtectedTags` answer them
//! (`404 Not found` for an unknown name, `409` for a name protected already).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use super::users::require_all;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{AccessLevelGrant, Project, ProtectedBranch, ProtectedTag, access};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::protection::{describe, is_grantable, record_key};
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/projects/{id}/protected_branches",
            get(list_branches).post(protect_branch),
        )
        .route(
            "/api/v4/projects/{id}/protected_branches/{name}",
            get(get_branch)
                .patch(update_branch)
                .delete(unprotect_branch),
        )
        .route(
            "/api/v4/projects/{id}/protected_tags",
            get(list_tags).post(protect_tag),
        )
        .route(
            "/api/v4/projects/{id}/protected_tags/{name}",
            get(get_tag).delete(unprotect_tag),
        )
}

fn grant_json(grant: &AccessLevelGrant, with_deploy_key: bool) -> Value {
    let mut out = json!({
        "id": grant.id,
        "access_level": grant.access_level,
        "access_level_description": describe(grant.access_level),
        "user_id": null,
        "group_id": null,
    });
    if with_deploy_key {
        out["deploy_key_id"] = Value::Null;
    }
    out
}

fn branch_json(branch: &ProtectedBranch) -> Value {
    json!({
        "id": branch.id,
        "name": branch.name,
        "push_access_levels": [grant_json(&branch.push_access_level, true)],
        "merge_access_levels": [grant_json(&branch.merge_access_level, false)],
        "allow_force_push": branch.allow_force_push,
        "code_owner_approval_required": branch.code_owner_approval_required,
    })
}

fn tag_json(tag: &ProtectedTag) -> Value {
    json!({
        "name": tag.name,
        "create_access_levels": [grant_json(&tag.create_access_level, true)],
    })
}

/// Reading needs the code (reporters and up); changing needs a maintainer.
fn project_for(gitlab: &Gitlab, caller: &Caller, id: &str, needed: i64) -> Result<Project> {
    Ok(gitlab.project_with_access(caller, id, needed)?.0)
}

/// An access level parameter, `40` when absent; Grape's message for one GitLab does not know.
fn level_param(params: &Params, name: &str) -> Result<i64> {
    match params.int(name)? {
        None => Ok(access::MAINTAINER),
        Some(level) if is_grantable(level) => Ok(level),
        Some(_) => Err(GitlabError::InvalidParameter(format!(
            "{name} does not have a valid value"
        ))),
    }
}

async fn list_branches(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let project = project_for(&gitlab, &caller, &id, access::REPORTER)?;
    let search = params.str("search")?;
    let items = gitlab
        .protected_branches(project.id)
        .iter()
        .filter(|branch| {
            search
                .as_ref()
                .is_none_or(|term| branch.name.contains(term.as_str()))
        })
        .map(branch_json)
        .collect();
    paginate(items, &params, &url)
}

fn find_branch(gitlab: &Gitlab, project: &Project, name: &str) -> Result<ProtectedBranch> {
    gitlab
        .db
        .protected_branches
        .get(&record_key(project.id, name))
        .ok_or(GitlabError::RecordNotFound)
}

async fn get_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let project = project_for(&gitlab, &caller, &id, access::REPORTER)?;
    Ok(Json(branch_json(&find_branch(&gitlab, &project, &name)?)))
}

async fn protect_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let project = project_for(&gitlab, &caller, &id, access::MAINTAINER)?;
    require_all(&params, &["name"])?;
    let name = params.required_str("name")?;
    let push = level_param(&params, "push_access_level")?;
    let merge = level_param(&params, "merge_access_level")?;
    let allow_force_push = params.bool("allow_force_push")?.unwrap_or(false);
    let code_owner_approval_required = params
        .bool("code_owner_approval_required")?
        .unwrap_or(false);
    let record_key = record_key(project.id, &name);
    if gitlab.db.protected_branches.contains(&record_key) {
        return Err(GitlabError::Conflict(format!(
            "Protected branch '{name}' already exists"
        )));
    }
    let record = ProtectedBranch {
        id: gitlab.next_id("protected_branches")?,
        name,
        push_access_level: AccessLevelGrant {
            id: gitlab.next_id("protected_branch_push_levels")?,
            access_level: push,
        },
        merge_access_level: AccessLevelGrant {
            id: gitlab.next_id("protected_branch_merge_levels")?,
            access_level: merge,
        },
        allow_force_push,
        code_owner_approval_required,
    };
    let inserted = gitlab.kit.store().transaction(|txn| {
        if txn.contains(&gitlab.db.protected_branches, &record_key)? {
            return Ok::<_, GitlabError>(false);
        }
        txn.insert(&gitlab.db.protected_branches, &record_key, record.clone())?;
        Ok(true)
    })?;
    if !inserted {
        return Err(GitlabError::Conflict(format!(
            "Protected branch '{}' already exists",
            record.name
        )));
    }
    Ok((StatusCode::CREATED, Json(branch_json(&record))))
}

async fn update_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>> {
    let project = project_for(&gitlab, &caller, &id, access::MAINTAINER)?;
    find_branch(&gitlab, &project, &name)?;
    let allow_force_push = params.bool("allow_force_push")?;
    let code_owner = params.bool("code_owner_approval_required")?;
    let updated = gitlab
        .db
        .protected_branches
        .update(&record_key(project.id, &name), |record| {
            if let Some(flag) = allow_force_push {
                record.allow_force_push = flag;
            }
            if let Some(flag) = code_owner {
                record.code_owner_approval_required = flag;
            }
            record.clone()
        })?
        .ok_or(GitlabError::RecordNotFound)?;
    Ok(Json(branch_json(&updated)))
}

async fn unprotect_branch(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode> {
    let project = project_for(&gitlab, &caller, &id, access::MAINTAINER)?;
    gitlab
        .db
        .protected_branches
        .remove(&record_key(project.id, &name))?
        .ok_or(GitlabError::RecordNotFound)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_tags(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let project = project_for(&gitlab, &caller, &id, access::REPORTER)?;
    let items = gitlab
        .protected_tags(project.id)
        .iter()
        .map(tag_json)
        .collect();
    paginate(items, &params, &url)
}

async fn get_tag(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let project = project_for(&gitlab, &caller, &id, access::REPORTER)?;
    let tag = gitlab
        .db
        .protected_tags
        .get(&record_key(project.id, &name))
        .ok_or(GitlabError::RecordNotFound)?;
    Ok(Json(tag_json(&tag)))
}

async fn protect_tag(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let project = project_for(&gitlab, &caller, &id, access::MAINTAINER)?;
    require_all(&params, &["name"])?;
    let name = params.required_str("name")?;
    let create = level_param(&params, "create_access_level")?;
    let record_key = record_key(project.id, &name);
    let record = ProtectedTag {
        id: gitlab.next_id("protected_tags")?,
        name,
        create_access_level: AccessLevelGrant {
            id: gitlab.next_id("protected_tag_create_levels")?,
            access_level: create,
        },
    };
    let inserted = gitlab.kit.store().transaction(|txn| {
        if txn.contains(&gitlab.db.protected_tags, &record_key)? {
            return Ok::<_, GitlabError>(false);
        }
        txn.insert(&gitlab.db.protected_tags, &record_key, record.clone())?;
        Ok(true)
    })?;
    if !inserted {
        // The model's uniqueness validation, rendered with its full message (422).
        return Err(GitlabError::UnprocessableListed(
            "Name has already been taken".into(),
        ));
    }
    Ok((StatusCode::CREATED, Json(tag_json(&record))))
}

async fn unprotect_tag(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode> {
    let project = project_for(&gitlab, &caller, &id, access::MAINTAINER)?;
    gitlab
        .db
        .protected_tags
        .remove(&record_key(project.id, &name))?
        .ok_or(GitlabError::RecordNotFound)?;
    Ok(StatusCode::NO_CONTENT)
}
