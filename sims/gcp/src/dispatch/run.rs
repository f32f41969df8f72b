//! Cloud Run's v2 API on the wire: routed calls to [`crate::services::run`] and the
//! operations of [`crate::services::operations`].

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Job, GoogleCloudRunV2RunJobRequest, GoogleCloudRunV2Service,
    GoogleIamV1SetIamPolicyRequest, GoogleIamV1TestIamPermissionsRequest,
    GoogleLongrunningWaitOperationRequest,
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

pub(crate) async fn collect(body: Body, limit: usize) -> Result<bytes::Bytes, GcpError> {
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
        "run.projects.locations.services.create" => {
            let service: GoogleCloudRunV2Service = call.body(&collect(body, limit).await?)?;
            let service_id = call.query("serviceId").unwrap_or_default();
            ok(&run.create_service(parent, service_id, service, call.query_bool("validateOnly"))?)
        }
        "run.projects.locations.services.get" => ok(&run.get_service(name)?),
        "run.projects.locations.services.list" => {
            ok(&run.list_services(parent, page_size, page_token)?)
        }
        "run.projects.locations.services.patch" => {
            let service: GoogleCloudRunV2Service = call.body(&collect(body, limit).await?)?;
            ok(&run.update_service(
                name,
                service,
                call.query_bool("allowMissing"),
                call.query_bool("forceNewRevision"),
                call.query_bool("validateOnly"),
            )?)
        }
        "run.projects.locations.services.delete" => {
            ok(&run.delete_service(name, call.query("etag"))?)
        }
        "run.projects.locations.services.revisions.get" => ok(&run.get_revision(name)?),
        "run.projects.locations.services.revisions.list" => {
            ok(&run.list_revisions(parent, page_size, page_token)?)
        }
        "run.projects.locations.services.revisions.delete" => ok(&run.delete_revision(name)?),
        other => Err(GcpError::unimplemented(other)),
    }
}

/// Whether a method is one of the resource policy methods.
pub fn is_iam_method(id: &str) -> bool {
    id.ends_with(".getIamPolicy")
        || id.ends_with(".setIamPolicy")
        || id.ends_with(".testIamPermissions")
}

/// `getIamPolicy`, `setIamPolicy` and `testIamPermissions` of services and jobs, v1 or v2.
pub async fn handle_iam(run: &Arc<Run>, call: Call, body: Body, limit: usize) -> Response {
    match serve_iam(run, &call, body, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn serve_iam(
    run: &Arc<Run>,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    let resource = call.path("resource");
    let ok = |value: &dyn erased::Json| Ok(value.respond(call));
    let verb = call.routed.method.id.rsplit('.').next().unwrap_or_default();
    match verb {
        "getIamPolicy" => {
            drop(body);
            ok(&run.get_iam_policy(resource, call.query_i64("options.requestedPolicyVersion"))?)
        }
        "setIamPolicy" => {
            let request: GoogleIamV1SetIamPolicyRequest =
                call.body(&collect(body, limit).await?)?;
            ok(&run.set_iam_policy(resource, request)?)
        }
        "testIamPermissions" => {
            let request: GoogleIamV1TestIamPermissionsRequest =
                call.body(&collect(body, limit).await?)?;
            ok(&run.test_iam_permissions(resource, request)?)
        }
        _ => Err(GcpError::unimplemented(call.routed.method.id)),
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

/// The region a regional host names: `us-central1-run.googleapis.com` -> `us-central1`.
pub fn region_of_host(host: Option<&str>) -> Option<String> {
    let first = host?.strip_suffix(".googleapis.com")?.split('.').next()?;
    let (region, api) = first.rsplit_once('-')?;
    (api == "run" && !region.is_empty()).then(|| region.to_string())
}

/// Cloud Run's v1 (Knative) API: routed calls to [`crate::services::run::knative`].
pub async fn handle_v1(
    run: &Arc<Run>,
    call: Call,
    body: Body,
    limit: usize,
    region: Option<String>,
) -> Response {
    match serve_v1(run, &call, body, limit, region).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn serve_v1(
    run: &Arc<Run>,
    call: &Call,
    body: Body,
    limit: usize,
    region: Option<String>,
) -> Result<Response, GcpError> {
    use crate::services::run::knative::{ListOptions, Scope};
    use sim_gcp_shapes::run_v1 as v1;
    // `namespaces/NS` (a parent) or `namespaces/NS/KIND/ID` (a name).
    let target = match call.path("name") {
        "" => call.path("parent"),
        name => name,
    };
    let segments: Vec<&str> = target.split('/').collect();
    let (namespace, id) = match segments.as_slice() {
        ["namespaces", namespace] => (*namespace, ""),
        ["namespaces", namespace, _, id] => (*namespace, *id),
        _ => {
            return Err(GcpError::invalid(format!(
                "Invalid resource name: {target}"
            )));
        }
    };
    if namespace.is_empty() {
        return Err(GcpError::invalid(format!(
            "Invalid resource name: {target}"
        )));
    }
    let scope = Scope {
        namespace: namespace.to_string(),
        region,
    };
    let options = ListOptions {
        label_selector: call.query("labelSelector").map(str::to_string),
        limit: call.query_i64("limit"),
        continue_token: call.query("continue").map(str::to_string),
    };
    let ok = |value: &dyn erased::Json| Ok(value.respond(call));
    match call.routed.method.id {
        "run.namespaces.jobs.create" => {
            let job: v1::Job = call.body(&collect(body, limit).await?)?;
            ok(&run.v1_create_job(&scope, job)?)
        }
        "run.namespaces.jobs.get" => ok(&run.v1_get_job(&scope, id)?),
        "run.namespaces.jobs.list" => ok(&run.v1_list_jobs(&scope, &options)?),
        "run.namespaces.jobs.replaceJob" => {
            let job: v1::Job = call.body(&collect(body, limit).await?)?;
            ok(&run.v1_replace_job(&scope, id, job)?)
        }
        "run.namespaces.jobs.delete" => ok(&run.v1_delete_job(&scope, id)?),
        "run.namespaces.jobs.run" => {
            let request: v1::RunJobRequest = call.body(&collect(body, limit).await?)?;
            ok(&run.v1_run_job(&scope, id, request)?)
        }
        "run.namespaces.executions.get" => ok(&run.v1_get_execution(&scope, id)?),
        "run.namespaces.executions.list" => ok(&run.v1_list_executions(&scope, &options)?),
        "run.namespaces.executions.cancel" => {
            drop(body);
            ok(&run.v1_cancel_execution(&scope, id)?)
        }
        "run.namespaces.executions.delete" => ok(&run.v1_delete_execution(&scope, id)?),
        "run.namespaces.tasks.get" => ok(&run.v1_get_task(&scope, id)?),
        "run.namespaces.tasks.list" => ok(&run.v1_list_tasks(&scope, &options)?),
        "run.namespaces.services.create" => {
            let service: v1::Service = call.body(&collect(body, limit).await?)?;
            ok(&run.v1_create_service(&scope, service, call.query("dryRun").is_some())?)
        }
        "run.namespaces.services.get" => ok(&run.v1_get_service(&scope, id)?),
        "run.namespaces.services.list" => ok(&run.v1_list_services(&scope, &options)?),
        "run.namespaces.services.replaceService" => {
            let service: v1::Service = call.body(&collect(body, limit).await?)?;
            ok(&run.v1_replace_service(&scope, id, service, call.query("dryRun").is_some())?)
        }
        "run.namespaces.services.delete" => ok(&run.v1_delete_service(&scope, id)?),
        "run.namespaces.revisions.get" => ok(&run.v1_get_revision(&scope, id)?),
        "run.namespaces.revisions.list" => ok(&run.v1_list_revisions(&scope, &options)?),
        "run.namespaces.revisions.delete" => ok(&run.v1_delete_revision(&scope, id)?),
        other => Err(GcpError::unimplemented(other)),
    }
}
