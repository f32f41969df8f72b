//! Service Usage's v1 API on the wire: routed calls to [`crate::services::serviceusage`].

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::serviceusage_v1::{BatchEnableServicesRequest, DisableServiceRequest};

use super::run::collect;
use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Call, json_response, render_error};
use crate::services::serviceusage::ServiceUsage;

pub async fn handle(usage: &Arc<ServiceUsage>, call: Call, body: Body, limit: usize) -> Response {
    match serve(usage, &call, body, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn serve(
    usage: &Arc<ServiceUsage>,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    let name = call.path("name");
    let parent = call.path("parent");
    let page_size = call.query_i64("pageSize");
    let page_token = call.query("pageToken");
    let respond = |value: &dyn Json| Ok(value.respond(call));
    match call.routed.method.id {
        "serviceusage.services.get" => respond(&usage.get_service(name)?),
        "serviceusage.services.list" => {
            respond(&usage.list_services(parent, call.query("filter"), page_size, page_token)?)
        }
        "serviceusage.services.batchGet" => {
            let names: Vec<String> = call
                .query
                .iter()
                .filter(|(key, _)| key == "names")
                .map(|(_, value)| value.clone())
                .collect();
            respond(&usage.batch_get_services(parent, &names)?)
        }
        "serviceusage.services.enable" => {
            // EnableServiceRequest has no fields; its body is read only to be well-formed.
            let _: serde_json::Value = call.body(&collect(body, limit).await?)?;
            respond(&usage.enable_service(name)?)
        }
        "serviceusage.services.disable" => {
            let _: DisableServiceRequest = call.body(&collect(body, limit).await?)?;
            respond(&usage.disable_service(name)?)
        }
        "serviceusage.services.batchEnable" => {
            let request: BatchEnableServicesRequest = call.body(&collect(body, limit).await?)?;
            respond(&usage.batch_enable_services(parent, request)?)
        }
        "serviceusage.operations.get" => respond(&usage.get_operation(name)?),
        "serviceusage.operations.list" => respond(&usage.list_operations(page_size, page_token)?),
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
