//! Cloud Run's v2 API on the wire: routed calls to [`crate::services::run`] and the
//! operations of [`crate::services::operations`].

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Job, GoogleCloudRunV2RunJobRequest, GoogleLongrunningWaitOperationRequest,
};

use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Call, json_response, render_error};
use crate::services::run::Run;
use crate::services::run::execution::parse_duration;

pub async fn handle(run: &Arc<Run>, call: Call, body: Body, limit: usize) -> Response {
    match serve(run, &call, body, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn collect(body: Body, limit: usize) -> Result<bytes::Bytes, GcpError> {
    simkit::body::collect(body, limit)
        .await
        .map_err(|error| match error {
            simkit::body::BodyError::TooLarge { limit } => GcpError::payload_too_large(limit),
            simkit::body::BodyError::Read(message) => GcpError::invalid(message),
        })
}

async fn serve(
    run: &Arc<Run>,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    let name = call.path("name");
    let parent = call.path("parent");
    let page_size = call.query_i64("pageSize");
    let page_token = call.query("pageToken");
    let ok = |value: &dyn erased::Json| Ok(value.respond(call));
    match call.routed.method.id {
        "run.projects.locations.jobs.create" => {
            let job: GoogleCloudRunV2Job = call.body(&collect(body, limit).await?)?;
            let job_id = call.query("jobId").unwrap_or_default();
            ok(&run.create_job(parent, job_id, job, call.query_bool("validateOnly"))?)
        }
        "run.projects.locations.jobs.get" => ok(&run.get_job(name)?),
        "run.projects.locations.jobs.list" => ok(&run.list_jobs(parent, page_size, page_token)?),
        "run.projects.locations.jobs.patch" => {
            let job: GoogleCloudRunV2Job = call.body(&collect(body, limit).await?)?;
            ok(&run.update_job(name, job)?)
        }
        "run.projects.locations.jobs.delete" => ok(&run.delete_job(name)?),
        "run.projects.locations.jobs.run" => {
            let request: GoogleCloudRunV2RunJobRequest = call.body(&collect(body, limit).await?)?;
            ok(&run.run_job(name, request)?)
        }
        "run.projects.locations.jobs.executions.get" => ok(&run.get_execution(name)?),
        "run.projects.locations.jobs.executions.list" => {
            ok(&run.list_executions(parent, page_size, page_token)?)
        }
        "run.projects.locations.jobs.executions.cancel" => ok(&run.cancel_execution(name)?),
        "run.projects.locations.jobs.executions.delete" => ok(&run.delete_execution(name)?),
        "run.projects.locations.jobs.executions.tasks.get" => ok(&run.get_task(name)?),
        "run.projects.locations.jobs.executions.tasks.list" => {
            ok(&run.list_tasks(parent, page_size, page_token)?)
        }
        other => Err(GcpError::unimplemented(other)),
    }
}

/// `operations.get/list/wait/delete` of any API whose work returns operations.
pub async fn handle_operations(run: &Arc<Run>, call: Call, body: Body, limit: usize) -> Response {
    match serve_operations(run, &call, body, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn serve_operations(
    run: &Arc<Run>,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    let name = call.path("name");
    let page_size = call.query_i64("pageSize");
    let page_token = call.query("pageToken");
    let ok = |value: &dyn erased::Json| Ok(value.respond(call));
    let verb = call.routed.method.id.rsplit('.').next().unwrap_or_default();
    match verb {
        "get" => ok(&run.long_running.get(name)?),
        "list" => ok(&run.long_running.list(name, page_size, page_token)?),
        "wait" => {
            let request: GoogleLongrunningWaitOperationRequest =
                call.body(&collect(body, limit).await?)?;
            let timeout = match request.timeout.as_deref() {
                Some(text) => Some(
                    parse_duration(text)
                        .ok_or_else(|| GcpError::invalid(format!("Invalid timeout: {text}")))?,
                ),
                None => None,
            };
            ok(&run.long_running.wait(name, timeout).await?)
        }
        "delete" => {
            run.long_running.delete(name)?;
            ok(&serde_json::json!({}))
        }
        _ => Err(GcpError::unimplemented(call.routed.method.id)),
    }
}

/// Lets one closure answer any serializable output.
mod erased {
    use super::*;

    pub trait Json {
        fn respond(&self, call: &Call) -> Response;
    }

    impl<T: serde::Serialize> Json for T {
        fn respond(&self, call: &Call) -> Response {
            json_response(StatusCode::OK, self, call)
        }
    }
}
