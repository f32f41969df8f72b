//! The HTTP handler joining protocol and services: routes a request by method and path (and
//! the API its host name names), builds the [`Call`], and hands it to the API's front.
//! Cloud Storage's download path (`/download/storage/v1/...`) and resumable session URLs
//! (`/upload/...?upload_id=`), Artifact Registry's docker registry ([`docker_registry`]) and
//! Cloud Run service URLs ([`run_app`]) are recognised here, before discovery routing.

pub mod artifactregistry;
pub mod docker_registry;
pub mod functions;
pub mod logging;
pub mod metadata;
pub mod multipart;
pub mod run;
pub mod run_app;
pub mod secretmanager;
pub mod serviceusage;
pub mod storage;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use simkit::context::RequestContext;

use crate::Gcp;
use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Alt, Call, render_error, route};
use crate::services::storage::Links;

/// The API a host name names: `storage.googleapis.com` -> `storage`,
/// `us-central1-run.googleapis.com` -> `run`.
fn api_of_host(host: Option<&str>) -> Option<String> {
    let host = host?;
    let first = host.strip_suffix(".googleapis.com")?.split('.').next()?;
    let api = first.rsplit('-').next().unwrap_or(first);
    Some(if api == "www" { "storage" } else { api }.to_string())
}

/// The base URL clients reached us at, for links in responses.
fn base_url(request: &Request, context: Option<&RequestContext>) -> String {
    let scheme = context.map(|c| c.scheme.as_str()).unwrap_or("http");
    let authority = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            request
                .headers()
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "127.0.0.1".to_string());
    format!("{scheme}://{authority}")
}

pub async fn handle(State(gcp): State<Arc<Gcp>>, request: Request) -> Response {
    let context = request.extensions().get::<RequestContext>().cloned();
    let limit = request
        .extensions()
        .get::<simkit::body::BodyLimit>()
        .map(|l| l.0)
        .unwrap_or(simkit::DEFAULT_BODY_LIMIT);
    let links = Links {
        base_url: base_url(&request, context.as_ref()),
    };
    if let Some(host) = context
        .as_ref()
        .and_then(|c| c.host.clone())
        .filter(|host| run_app::is_run_app(Some(host)))
    {
        if let Some(annotation) = simkit::inspector::Annotation::of(request.extensions()) {
            annotation.operation("run", "run.app");
        }
        return run_app::serve(&gcp, request, &host).await;
    }
    if let Some(host) = context
        .as_ref()
        .and_then(|c| c.host.clone())
        .filter(|host| host.ends_with(".cloudfunctions.net"))
    {
        if let Some(annotation) = simkit::inspector::Annotation::of(request.extensions()) {
            annotation.operation("cloudfunctions", "cloudfunctions.net");
        }
        return functions::serve_url(&gcp, request, &host).await;
    }
    if request.uri().path().starts_with(metadata::PATH_PREFIX) {
        if let Some(annotation) = simkit::inspector::Annotation::of(request.extensions()) {
            annotation.operation("metadata", "computeMetadata");
        }
        return metadata::serve(&gcp.metadata, &request);
    }
    if metadata::is_token_info(
        context.as_ref().and_then(|c| c.host.as_deref()),
        request.uri().path(),
    ) {
        if let Some(annotation) = simkit::inspector::Annotation::of(request.extensions()) {
            annotation.operation("oauth2", "tokeninfo");
        }
        return metadata::token_info(&gcp.metadata, request.uri().query());
    }
    if let Some(target) = docker_registry::target(
        context.as_ref().and_then(|c| c.host.as_deref()),
        request.uri().path(),
    ) {
        if let Some(annotation) = simkit::inspector::Annotation::of(request.extensions()) {
            annotation.operation("artifactregistry", "docker.registry");
        }
        return docker_registry::serve(&gcp, request, &links.base_url, target).await;
    }
    let (parts, body) = request.into_parts();
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let style = if raw_path.starts_with("/storage/")
        || raw_path.starts_with("/upload/storage/")
        || raw_path.starts_with("/resumable/upload/storage/")
        || raw_path.starts_with("/download/storage/")
    {
        ErrorStyle::Storage
    } else {
        ErrorStyle::Status
    };
    // A resumable session URL: the upload's chunks and its cancellation.
    if raw_path.starts_with("/upload/storage/")
        || raw_path.starts_with("/resumable/upload/storage/")
    {
        let upload_id = form_urlencoded::parse(raw_query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "upload_id")
            .map(|(_, v)| v.into_owned());
        if let Some(upload_id) = upload_id {
            return storage::resumable_chunk(
                &gcp.storage,
                &parts.method,
                &upload_id,
                &parts.headers,
                body,
                &links,
            )
            .await;
        }
    }
    let (path, media_download) = match raw_path.strip_prefix("/download") {
        Some(rest) if rest.starts_with("/storage/v1/") => (rest, true),
        _ => (raw_path.as_str(), false),
    };
    let api = api_of_host(context.as_ref().and_then(|c| c.host.as_deref()));
    let Some(routed) = route::route(parts.method.as_str(), path, api.as_deref()) else {
        let error = GcpError::not_found(format!(
            "The requested URL {raw_path} was not found on this server."
        ));
        return render_error(&error, style);
    };
    let mut call = match Call::new(routed, raw_query.as_deref(), parts.headers, style) {
        Ok(call) => call,
        Err(error) => return render_error(&error, style),
    };
    if media_download {
        call.alt = Alt::Media;
    }
    let api = call.routed.method.api;
    let operation = call.routed.method.id;
    if let Some(annotation) = simkit::inspector::Annotation::of(&parts.extensions) {
        annotation.operation(api, operation);
    }
    let injected = gcp.kit.faults().check(api, operation);
    if let Some(delay) = injected.latency {
        tokio::time::sleep(delay).await;
    }
    if let Some(fault) = injected.failure {
        return render_error(&GcpError::from_fault(&fault), style);
    }
    // Operations share one path across APIs (`v2/{+name}` of Run and Functions); without a
    // host naming the API the route may pick either, and one store holds them all.
    if api != "storage" && operation.contains(".projects.locations.operations.") {
        return run::handle_operations(&gcp.run, call, body, limit).await;
    }
    match api {
        "storage" => storage::handle(&gcp.storage, call, body, &links, limit).await,
        "logging" => logging::handle(&gcp.logging, call, body, limit).await,
        "artifactregistry" => {
            artifactregistry::handle(&gcp.artifact_registry, call, body, limit).await
        }
        "cloudfunctions" => functions::handle(&gcp.functions, call, body, limit, &links).await,
        "secretmanager" => secretmanager::handle(&gcp.secret_manager, call, body, limit).await,
        "serviceusage" => serviceusage::handle(&gcp.service_usage, call, body, limit).await,
        // The policy methods have one ID and one shape under v1 and v2.
        "run" if run::is_iam_method(operation) => {
            run::handle_iam(&gcp.run, call, body, limit).await
        }
        "run" if call.routed.method.version == "v2" => {
            run::handle(&gcp.run, call, body, limit).await
        }
        "run" if call.routed.method.version == "v1" => {
            let region = run::region_of_host(context.as_ref().and_then(|c| c.host.as_deref()));
            run::handle_v1(&gcp.run, call, body, limit, region).await
        }
        _ => {
            drop(body);
            render_error(&GcpError::unimplemented(operation), style)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_name_apis() {
        assert_eq!(
            api_of_host(Some("storage.googleapis.com")).as_deref(),
            Some("storage")
        );
        assert_eq!(
            api_of_host(Some("us-central1-run.googleapis.com")).as_deref(),
            Some("run")
        );
        assert_eq!(
            api_of_host(Some("logging.googleapis.com")).as_deref(),
            Some("logging")
        );
        assert_eq!(api_of_host(Some("127.0.0.1")), None);
        assert_eq!(
            run::region_of_host(Some("europe-west1-run.googleapis.com")).as_deref(),
            Some("europe-west1")
        );
        assert_eq!(run::region_of_host(Some("run.googleapis.com")), None);
        assert_eq!(
            run::region_of_host(Some("us-central1-logging.googleapis.com")),
            None
        );
    }
}
