//! Artifact Registry's v1 API on the wire: routed calls to
//! [`crate::services::artifactregistry`]; the methods not built answer 501 naming themselves.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::artifactregistry_v1::Repository;

use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Call, json_response, render_error};
use crate::services::artifactregistry::ArtifactRegistry;

pub async fn handle(
    registry: &Arc<ArtifactRegistry>,
    call: Call,
    body: Body,
    limit: usize,
) -> Response {
    match serve(registry, &call, body, limit).await {
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
    registry: &Arc<ArtifactRegistry>,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    let name = call.path("name");
    let parent = call.path("parent");
    let respond = |value: &dyn erased::Json| Ok(value.respond(call));
    match call.routed.method.id {
        "artifactregistry.projects.locations.repositories.create" => {
            let repository: Repository = call.body(&collect(body, limit).await?)?;
            let id = call.query("repositoryId").unwrap_or_default();
            respond(&registry.create_repository(parent, id, repository)?)
        }
        "artifactregistry.projects.locations.repositories.get" => {
            respond(&registry.get_repository(name)?)
        }
        "artifactregistry.projects.locations.repositories.list" => {
            respond(&registry.list_repositories(
                parent,
                call.query_i64("pageSize"),
                call.query("pageToken"),
            )?)
        }
        "artifactregistry.projects.locations.repositories.patch" => {
            let repository: Repository = call.body(&collect(body, limit).await?)?;
            respond(&registry.patch_repository(name, repository, call.query("updateMask"))?)
        }
        "artifactregistry.projects.locations.repositories.delete" => {
            respond(&registry.delete_repository(name)?)
        }
        other => Err(GcpError::unimplemented(other)),
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
