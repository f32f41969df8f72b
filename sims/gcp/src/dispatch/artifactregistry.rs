//! Artifact Registry's v1 API on the wire: routed calls to
//! [`crate::services::artifactregistry`] (repositories, packages, versions, tags, docker
//! images); the methods not built answer 501 naming themselves.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::artifactregistry_v1::{Repository, Tag};

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
        "artifactregistry.projects.locations.repositories.packages.list" => {
            respond(&registry.list_packages(
                parent,
                call.query_i64("pageSize"),
                call.query("pageToken"),
                call.query("filter"),
                call.query("orderBy"),
            )?)
        }
        "artifactregistry.projects.locations.repositories.packages.get" => {
            respond(&registry.get_package(name)?)
        }
        "artifactregistry.projects.locations.repositories.packages.delete" => {
            respond(&registry.delete_package(name)?)
        }
        "artifactregistry.projects.locations.repositories.packages.versions.list" => {
            respond(&registry.list_versions(
                parent,
                call.query("view"),
                call.query_i64("pageSize"),
                call.query("pageToken"),
                call.query("filter"),
                call.query("orderBy"),
            )?)
        }
        "artifactregistry.projects.locations.repositories.packages.versions.get" => {
            respond(&registry.get_version(name, call.query("view"))?)
        }
        "artifactregistry.projects.locations.repositories.packages.versions.delete" => {
            let force = call.query("force") == Some("true");
            respond(&registry.delete_version(name, force)?)
        }
        "artifactregistry.projects.locations.repositories.packages.tags.list" => {
            respond(&registry.list_tags(
                parent,
                call.query("filter"),
                call.query_i64("pageSize"),
                call.query("pageToken"),
            )?)
        }
        "artifactregistry.projects.locations.repositories.packages.tags.get" => {
            respond(&registry.get_tag(name)?)
        }
        "artifactregistry.projects.locations.repositories.packages.tags.delete" => {
            respond(&registry.delete_tag(name)?)
        }
        "artifactregistry.projects.locations.repositories.packages.tags.create" => {
            let tag: Tag = call.body(&collect(body, limit).await?)?;
            let tag_id = call.query("tagId").unwrap_or_default();
            respond(&registry.create_tag(parent, tag_id, tag).await?)
        }
        "artifactregistry.projects.locations.repositories.packages.tags.patch" => {
            let tag: Tag = call.body(&collect(body, limit).await?)?;
            respond(&registry.patch_tag(name, tag).await?)
        }
        "artifactregistry.projects.locations.repositories.dockerImages.list" => {
            respond(&registry.list_docker_images(
                parent,
                call.query_i64("pageSize"),
                call.query("pageToken"),
                call.query("orderBy"),
            )?)
        }
        "artifactregistry.projects.locations.repositories.dockerImages.get" => {
            respond(&registry.get_docker_image(name)?)
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
