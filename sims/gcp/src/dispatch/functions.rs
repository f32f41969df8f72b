//! Cloud Functions' v2 API on the wire: routed calls to [`crate::services::functions`], and
//! requests to a function's `https://REGION-PROJECT.cloudfunctions.net/NAME` URL, handed to its
//! Cloud Run service's URL with the function's name taken off the path.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::cloudfunctions_v2::Function;

use crate::Gcp;
use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Call, json_response, render_error};
use crate::services::functions::Functions;
use crate::services::storage::Links;

pub async fn handle(
    functions: &Arc<Functions>,
    call: Call,
    body: Body,
    limit: usize,
    links: &Links,
) -> Response {
    match serve(functions, &call, body, limit, links).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn serve(
    functions: &Arc<Functions>,
    call: &Call,
    body: Body,
    limit: usize,
    links: &Links,
) -> Result<Response, GcpError> {
    let name = call.path("name");
    let parent = call.path("parent");
    let ok = |value: &dyn Json| Ok(value.respond(call));
    let read_function = |bytes: bytes::Bytes| call.body::<Function>(&bytes);
    match call.routed.method.id {
        "cloudfunctions.projects.locations.functions.create" => {
            let function = read_function(super::run::collect(body, limit).await?)?;
            let function_id = call.query("functionId").unwrap_or_default();
            ok(&functions.create(parent, function_id, function)?)
        }
        "cloudfunctions.projects.locations.functions.get" => ok(&functions.get(name)?),
        "cloudfunctions.projects.locations.functions.list" => ok(&functions.list(
            parent,
            call.query_i64("pageSize"),
            call.query("pageToken"),
            call.query("filter"),
            call.query("orderBy"),
        )?),
        "cloudfunctions.projects.locations.functions.patch" => {
            let function = read_function(super::run::collect(body, limit).await?)?;
            ok(&functions.update(name, function, call.query("updateMask"))?)
        }
        "cloudfunctions.projects.locations.functions.delete" => ok(&functions.delete(name)?),
        "cloudfunctions.projects.locations.functions.generateUploadUrl" => {
            drop(body);
            ok(&functions.generate_upload_url(parent, links)?)
        }
        "cloudfunctions.projects.locations.functions.generateDownloadUrl" => {
            drop(body);
            ok(&functions.generate_download_url(name, links)?)
        }
        other => Err(GcpError::unimplemented(other)),
    }
}

/// Lets one closure answer any serializable output.
trait Json {
    fn respond(&self, call: &Call) -> Response;
}

impl<T: serde::Serialize> Json for T {
    fn respond(&self, call: &Call) -> Response {
        json_response(StatusCode::OK, self, call)
    }
}

/// A request to `https://REGION-PROJECT.cloudfunctions.net/NAME/rest`: the function's service
/// answers it, seeing `/rest`.
pub async fn serve_url(gcp: &Arc<Gcp>, mut request: Request, host: &str) -> Response {
    let path = request.uri().path().to_string();
    let trimmed = path.trim_start_matches('/');
    let (function, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let Some(service_host) = gcp.functions.service_host_for(host, function) else {
        let error = GcpError::not_found(format!(
            "The requested URL {path} was not found on this server."
        ));
        return render_error(&error, ErrorStyle::Status);
    };
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    match format!("/{rest}{query}").parse::<http::Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => {
            return render_error(
                &GcpError::invalid(format!("Invalid path: {path}")),
                ErrorStyle::Status,
            );
        }
    }
    super::run_app::serve(gcp, request, &service_host).await
}
