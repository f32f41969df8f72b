//! Jobs: `/projects/:id/jobs` (with `scope[]`), a job, its trace (`/trace`), its artifacts
//! archive, and the retry, cancel and play actions.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderValue, StatusCode};
use serde_json::Value;

use super::numeric;
use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Job, Project, access, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::Gitlab;

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/projects/{id}/jobs", get(list_jobs))
        .route("/api/v4/projects/{id}/jobs/{job_id}", get(get_job))
        .route("/api/v4/projects/{id}/jobs/{job_id}/trace", get(get_trace))
        .route(
            "/api/v4/projects/{id}/jobs/{job_id}/artifacts",
            get(get_artifacts),
        )
        .route("/api/v4/projects/{id}/jobs/{job_id}/retry", post(retry_job))
        .route(
            "/api/v4/projects/{id}/jobs/{job_id}/cancel",
            post(cancel_job),
        )
        .route("/api/v4/projects/{id}/jobs/{job_id}/play", post(play_job))
        .route("/api/v4/projects/{id}/jobs/{job_id}/erase", post(erase_job))
        .route("/api/v4/job", get(current_job))
}

const SCOPES: &[&str] = &[
    "created",
    "pending",
    "running",
    "failed",
    "success",
    "canceled",
    "skipped",
    "waiting_for_resource",
    "manual",
    "scheduled",
    "preparing",
    "canceling",
];

/// Filters by `scope`/`scope[]` and `include_retried`, newest first, presented.
pub fn filter_jobs(gitlab: &Gitlab, jobs: Vec<Job>, params: &Params) -> Result<Vec<Value>> {
    let scopes = params.list("scope")?;
    if let Some(scopes) = &scopes
        && scopes.iter().any(|s| !SCOPES.contains(&s.as_str()))
    {
        return Err(GitlabError::InvalidParameter(
            "scope does not have a valid value".into(),
        ));
    }
    let include_retried = params.bool("include_retried")?.unwrap_or(false);
    let mut jobs: Vec<Job> = jobs
        .into_iter()
        // Bridges are listed at `/pipelines/:id/bridges`, never with jobs.
        .filter(|job| job.spec.trigger.is_none())
        .filter(|job| include_retried || !job.retried)
        .filter(|job| scopes.as_ref().is_none_or(|s| s.contains(&job.status)))
        .collect();
    jobs.sort_by_key(|job| std::cmp::Reverse(job.id));
    Ok(jobs.iter().map(|job| gitlab.job_json(job)).collect())
}

fn find_job(gitlab: &Gitlab, project: &Project, job_id: &str) -> Result<Job> {
    let id = numeric(job_id, "job_id")?;
    gitlab
        .job(id)
        .filter(|job| job.project_id == project.id)
        .ok_or_else(|| GitlabError::not_found("Job"))
}

async fn list_jobs(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    Path(id): Path<String>,
    params: Params,
) -> Result<Page> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let jobs = gitlab
        .db
        .jobs
        .all()
        .into_iter()
        .map(|(_, job)| job)
        .filter(|job| job.project_id == project.id)
        .collect();
    let items = filter_jobs(&gitlab, jobs, &params)?;
    paginate(items, &params, &url)
}

async fn get_job(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    Ok(Json(gitlab.job_json(&job)))
}

/// `GET /job` with a job token: the job itself.
async fn current_job(State(gitlab): State<Arc<Gitlab>>, caller: Caller) -> Result<Json<Value>> {
    match caller {
        Caller::Job { job, .. } => Ok(Json(gitlab.job_json(&job))),
        _ => Err(GitlabError::Unauthorized),
    }
}

async fn get_trace(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Response> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    let trace = gitlab.db.traces.get(&key(job.id)).unwrap_or_default();
    let mut response = trace.into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain"),
    );
    Ok(response)
}

async fn get_artifacts(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Response> {
    let (project, _) = gitlab.visible_project(&caller, &id)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    crate::runner_api::artifacts_response(&gitlab, &job)
}

async fn retry_job(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    let retry = gitlab.retry_job(&job)?;
    Ok((StatusCode::CREATED, Json(gitlab.job_json(&retry))))
}

/// `POST /jobs/:id/cancel` as GitLab's `BuildCancelService`: only a cancelable job (created,
/// pending, running, waiting, scheduled) is canceled, anything else is 422 `Unprocessable
/// entity`; `force` lets a maintainer end a job stuck in `canceling`.
async fn cancel_job(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, level) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    let force = params.bool("force")?.unwrap_or(false);
    let cancelable = job.is_active() && job.status != "canceling";
    let force_cancelable = force && job.status == "canceling" && level >= access::MAINTAINER;
    if !cancelable && !force_cancelable {
        return Err(GitlabError::UnprocessableMessage(
            "Unprocessable entity".into(),
        ));
    }
    let canceled = gitlab.cancel_job(&job)?;
    Ok((StatusCode::CREATED, Json(gitlab.job_json(&canceled))))
}

async fn play_job(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    let played = gitlab.play_job(&job)?;
    Ok(Json(gitlab.job_json(&played)))
}

/// Removes a finished job's trace and artifacts, as GitLab's `erase`; a job still running, or
/// with nothing to erase, is `403 Forbidden - Job is not erasable!`.
async fn erase_job(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>)> {
    let (project, _) = gitlab.project_with_access(&caller, &id, access::DEVELOPER)?;
    let job = find_job(&gitlab, &project, &job_id)?;
    let has_trace = gitlab.db.traces.contains(&key(job.id));
    if !job.is_finished() || (!has_trace && job.artifacts_file.is_none()) {
        return Err(GitlabError::ForbiddenBecause("Job is not erasable!".into()));
    }
    let now = gitlab.now();
    let erased = {
        let _guard = gitlab.engine_lock();
        gitlab.kit.store().transaction(|txn| {
            txn.remove(&gitlab.db.traces, &key(job.id))?;
            txn.update(&gitlab.db.jobs, &key(job.id), |record| {
                record.artifacts_file = None;
                record.trace_length = 0;
                record.erased_at = Some(now.clone());
                record.clone()
            })
        })?
    }
    .ok_or_else(|| GitlabError::not_found("Job"))?;
    if let Err(error) = std::fs::remove_file(gitlab.artifacts_path(job.id))
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::error!(%error, job = job.id, "removing erased artifacts");
    }
    Ok((StatusCode::CREATED, Json(gitlab.job_json(&erased))))
}
