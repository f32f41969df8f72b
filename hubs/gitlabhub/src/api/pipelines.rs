//! Pipelines: `/projects/:id/pipelines` (list with `scope`, `status`, `ref`, `sha`, `source`),
//! `POST /projects/:id/pipeline` (with variables), get, cancel, retry, delete, and a
//! pipeline's variables and jobs.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::Value;

use super::{numeric, sort_json};
use crate::auth::Caller;
use crate::engine::NewPipeline;
use crate::error::{GitlabError, Result};
use crate::model::{Pipeline, PipelineVariable, Project, access};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/projects/{id}/pipelines", get(list_pipelines))
        .route("/api/v4/projects/{id}/pipeline", post(create_pipeline))
        .route(
            "/api/v4/projects/{id}/pipelines/{pipeline_id}",
            get(get_pipeline).delete(delete_pipeline),
        )
        .route(
            "/api/v4/projects/{id}/pipelines/{pipeline_id}/cancel",
            post(cancel_pipeline),
        )
        .route(
            "/api/v4/projects/{id}/pipelines/{pipeline_id}/retry",
            post(retry_pipeline),
        )
        .route(
            "/api/v4/projects/{id}/pipelines/{pipeline_id}/variables",
            get(pipeline_variables),
        )
        .route(
            "/api/v4/projects/{id}/pipelines/{pipeline_id}/jobs",
            get(pipeline_jobs),
        )
        .route(
            "/api/v4/projects/{id}/pipelines/{pipeline_id}/bridges",
            get(pipeline_bridges),
        )
}

const STATUSES: &[&str] = &[
    "created",
    "waiting_for_resource",
    "preparing",
    "pending",
    "running",
    "success",
    "failed",
    "canceled",
    "canceling",
    "skipped",
    "manual",
    "scheduled",
];

fn find_pipeline(gitlab: &Gitlab, project: &Project, pipeline_id: &str) -> Result<Pipeline> {
    let id = numeric(pipeline_id, "pipeline_id")?;
    gitlab
        .pipeline(id)
        .filter(|pipeline| pipeline.project_id == project.id)
        .ok_or_else(|| GitlabError::not_found("Pipeline"))
}

async fn list_pipelines(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let scope = params.str("scope")?;
    let status = params.str("status")?;
    if let Some(status) = &status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(GitlabError::InvalidParameter(
            "status does not have a valid value".into(),
        ));
    }
    let git_ref = params.str("ref")?;
    let sha = params.str("sha")?;
    let source = params.str("source")?;
    let username = params.str("username")?;
    let order_by = params.str("order_by")?.unwrap_or_else(|| "id".into());
    if !["id", "status", "ref", "updated_at", "user_id"].contains(&order_by.as_str()) {
        return Err(GitlabError::InvalidParameter(
            "order_by does not have a valid value".into(),
        ));
    }
    let sort = params.str("sort")?.unwrap_or_else(|| "desc".into());
    let mut items: Vec<Value> = gitlab
        .db
        .pipelines
        .all()
        .into_iter()
        .map(|(_, pipeline)| pipeline)
        .filter(|p| p.project_id == project.id)
        .filter(|p| match scope.as_deref() {
            Some("running") => p.status == "running",
            Some("pending") => p.status == "pending",
            Some("finished") => matches!(
                p.status.as_str(),
                "success" | "failed" | "canceled" | "skipped"
            ),
            Some("branches") => !p.tag,
            Some("tags") => p.tag,
            _ => true,
        })
        .filter(|p| status.as_ref().is_none_or(|s| p.status == *s))
        .filter(|p| git_ref.as_ref().is_none_or(|r| p.git_ref == *r))
        .filter(|p| sha.as_ref().is_none_or(|s| p.sha == *s))
        .filter(|p| source.as_ref().is_none_or(|s| p.source == *s))
        .filter(|p| {
            username
                .as_ref()
                .is_none_or(|name| gitlab.user(p.user_id).is_some_and(|u| u.username == *name))
        })
        .map(|p| {
            let mut body = gitlab.pipeline_json(&p, false);
            body["user_id"] = p.user_id.into();
            body
        })
        .collect();
    sort_json(
        &mut items,
        if order_by == "user_id" {
            "user_id"
        } else {
            &order_by
        },
        sort == "desc",
    );
    for item in &mut items {
        if let Value::Object(map) = item {
            map.remove("user_id");
        }
    }
    paginate(items, &params, &url)
}

fn pipeline_variables_param(params: &Params) -> Result<Vec<PipelineVariable>> {
    let Some(value) = params.get("variables") else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = value else {
        return Err(GitlabError::invalid("variables"));
    };
    items
        .iter()
        .map(|item| {
            let key = item.get("key").and_then(Value::as_str);
            let value = item.get("value").map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            match (key, value) {
                (Some(key), Some(value)) => Ok(PipelineVariable {
                    key: key.to_string(),
                    value,
                    variable_type: item
                        .get("variable_type")
                        .and_then(Value::as_str)
                        .unwrap_or("env_var")
                        .to_string(),
                }),
                _ => Err(GitlabError::InvalidParameter(
                    "variables[key] is missing, variables[value] is missing".into(),
                )),
            }
        })
        .collect()
}

/// The commit a pipeline for branch or tag `git_ref` runs on, and whether it is a tag; GitLab's
/// `Reference not found` otherwise.
pub(super) fn pipeline_ref(repo: &simkit::git::Repo, git_ref: &str) -> Result<(String, bool)> {
    if simkit::git::names::check_branch(git_ref).is_ok() {
        if let Some(sha) = repo.resolve(&format!("refs/heads/{git_ref}"))? {
            return Ok((sha, false));
        }
        if let Some(sha) = repo.resolve(&format!("refs/tags/{git_ref}"))? {
            return Ok((sha, true));
        }
    }
    Err(GitlabError::Validation(vec![(
        "base".into(),
        "Reference not found".into(),
    )]))
}

async fn create_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let user = caller.require_user()?.clone();
    let git_ref = params.required_str("ref")?;
    let variables = pipeline_variables_param(&params)?;
    let (sha, tag) = pipeline_ref(&gitlab.repo(&project)?, &git_ref)?;
    let pipeline = gitlab.create_pipeline(
        &project,
        &user,
        NewPipeline {
            git_ref,
            tag,
            sha,
            before_sha: "0000000000000000000000000000000000000000".into(),
            source: "api".into(),
            variables,
            changed_files: None,
            merge_request_iid: None,
            config_source: None,
            upstream: None,
        },
    )?;
    Ok((
        StatusCode::CREATED,
        Json(gitlab.pipeline_json(&pipeline, true)),
    ))
}

async fn get_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, pipeline_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    Ok(Json(gitlab.pipeline_json(&pipeline, true)))
}

async fn cancel_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, pipeline_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    gitlab.cancel_pipeline(&pipeline)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    Ok(Json(gitlab.pipeline_json(&pipeline, true)))
}

async fn retry_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, pipeline_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    gitlab.retry_pipeline(&pipeline)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    Ok((
        StatusCode::CREATED,
        Json(gitlab.pipeline_json(&pipeline, true)),
    ))
}

async fn delete_pipeline(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, pipeline_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::OWNER)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    gitlab.delete_pipeline(&pipeline)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn pipeline_variables(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, pipeline_id)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    let items = pipeline
        .variables
        .iter()
        .map(|v| serde_json::json!({"key": v.key, "value": v.value, "variable_type": v.variable_type}))
        .collect();
    paginate(items, &params, &url)
}

/// `GET /projects/:id/pipelines/:pipeline_id/bridges`: the trigger jobs, each with the
/// pipeline it started.
async fn pipeline_bridges(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, pipeline_id)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    let scopes = params.list("scope")?;
    let mut bridges: Vec<crate::model::Job> = gitlab
        .pipeline_jobs(pipeline.id)
        .into_iter()
        .filter(|job| job.spec.trigger.is_some() && !job.retried)
        .filter(|job| scopes.as_ref().is_none_or(|s| s.contains(&job.status)))
        .collect();
    bridges.sort_by_key(|job| std::cmp::Reverse(job.id));
    let items = bridges.iter().map(|job| gitlab.bridge_json(job)).collect();
    paginate(items, &params, &url)
}

async fn pipeline_jobs(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path((id, pipeline_id)): Path<(String, String)>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let pipeline = find_pipeline(&gitlab, &project, &pipeline_id)?;
    let jobs = gitlab.pipeline_jobs(pipeline.id);
    let items = super::jobs::filter_jobs(&gitlab, jobs, &params)?;
    paginate(items, &params, &url)
}
