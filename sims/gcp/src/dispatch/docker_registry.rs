//! The docker registry behind Artifact Registry on the wire: which requests are the registry's,
//! the token endpoint, and the hand-over to simkit's distribution API
//! ([`simkit::registry::http`]) with the access checks Artifact Registry makes first.
//!
//! A request is the registry's when it is addressed to `LOCATION-docker.pkg.dev` (Host header,
//! or a proxy's absolute URI) under `/v2`, or, on any other host, when its path is `/v2/`,
//! `/v2/token`, or the path form `/v2/LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE/...`
//! (what `docker` and `skopeo` send for the image
//! `127.0.0.1:4567/LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE`). The Google APIs served
//! under `/v2/` (Run, Logging) never use those paths. A path-form request reaches the registry
//! as the host form would, and the `Location` headers it gets back keep its prefix; a
//! challenge names the token endpoint at the address the client used.
//!
//! Must not: serve the distribution API itself (simkit does); decide access (the service does).

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};
use simkit::context::RequestContext;
use simkit::registry::RegistryError;
use simkit::registry::reference::{self, Route};
use tower::ServiceExt;

use crate::Gcp;
use crate::services::artifactregistry::docker::location_of_host;

/// What a registry request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/v2/token`: the token exchange.
    Token,
    /// The distribution API, at `path` (`/v2/...`), of the registry in `location` (none for
    /// the bare `/v2/` on the simulator's own address); `prefix` is the path form's host
    /// component, to put back in the `Location` headers.
    Registry {
        location: Option<String>,
        prefix: Option<String>,
        path: String,
    },
}

/// Whether a request to `host` for `path` is the registry's, and what it addresses.
pub fn target(host: Option<&str>, path: &str) -> Option<Target> {
    if let Some(location) = host.and_then(location_of_host) {
        if path == "/v2/token" {
            return Some(Target::Token);
        }
        return (path == "/v2" || path.starts_with("/v2/")).then(|| Target::Registry {
            location: Some(location.to_string()),
            prefix: None,
            path: path.to_string(),
        });
    }
    match path {
        "/v2/token" => return Some(Target::Token),
        "/v2" | "/v2/" => {
            return Some(Target::Registry {
                location: None,
                prefix: None,
                path: path.to_string(),
            });
        }
        _ => {}
    }
    let rest = path.strip_prefix("/v2/")?;
    let (first, after) = rest.split_once('/')?;
    let location = location_of_host(first)?;
    Some(Target::Registry {
        location: Some(location.to_string()),
        prefix: Some(first.to_string()),
        path: format!("/v2/{after}"),
    })
}

fn registry_error(error: &RegistryError) -> Response {
    let mut response = (error.code.status(), Body::from(error.body().to_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        "Docker-Distribution-API-Version",
        HeaderValue::from_static("registry/2.0"),
    );
    response
}

/// Serves a registry request; `base_url` is the address the client used.
pub async fn serve(gcp: &Gcp, request: Request, base_url: &str, target: Target) -> Response {
    let registry = &gcp.artifact_registry;
    let access = registry.docker_access();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let (location, prefix, path) = match target {
        Target::Token => {
            return match access.issue_token(authorization.as_deref()) {
                Ok(grant) => (
                    [(header::CONTENT_TYPE, "application/json")],
                    serde_json::json!({
                        "token": grant.token,
                        "access_token": grant.token,
                        "expires_in": grant.expires_in,
                        "issued_at": grant.issued_at,
                    })
                    .to_string(),
                )
                    .into_response(),
                Err(error) => registry_error(&error),
            };
        }
        Target::Registry {
            location,
            prefix,
            path,
        } => (location, prefix, path),
    };
    let route = reference::route(&path);
    let name = match &route {
        Some(
            Route::Manifest { name, .. }
            | Route::Blob { name, .. }
            | Route::Uploads { name }
            | Route::Upload { name, .. }
            | Route::Tags { name }
            | Route::Referrers { name, .. },
        ) => Some(name.clone()),
        Some(Route::Base) | None => None,
    };
    let method = request.method().clone();
    // Artifact Registry names the permission a write or a read needs; the registry's own check
    // (which cannot tell them apart) only backs this one up.
    if let (Some(name), Some(location), Some(caller)) =
        (&name, &location, access.caller(authorization.as_deref()))
        && reference::valid_name(name)
    {
        let write = !matches!(method, Method::GET | Method::HEAD);
        if let Err(error) = access.check_access(location, name, write, caller) {
            return registry_error(&error);
        }
    }
    let manifest_change = matches!(route, Some(Route::Manifest { .. }))
        .then(|| method.clone())
        .filter(|m| *m == Method::PUT || *m == Method::DELETE);
    let service_host = location
        .as_ref()
        .map(|location| format!("{location}-docker.pkg.dev"));
    let (mut parts, body) = request.into_parts();
    let query = parts
        .uri
        .query()
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    parts.uri = match format!("{path}{query}").parse() {
        Ok(uri) => uri,
        Err(_) => {
            return registry_error(&RegistryError::with_message(
                simkit::registry::Code::Unsupported,
                "unknown API path",
            ));
        }
    };
    if let Some(context) = parts.extensions.get_mut::<RequestContext>() {
        context.host = service_host.clone();
    }
    let Ok(mut response) = gcp
        .registry_router
        .clone()
        .oneshot(Request::from_parts(parts, body))
        .await;
    if let (Some(method), Some(location), Some(name)) = (manifest_change, &location, &name) {
        let recorded = match (method, response.status()) {
            (Method::PUT, StatusCode::CREATED) => registry.record_push(location, name),
            (Method::DELETE, StatusCode::ACCEPTED) => registry.forget_if_empty(location, name),
            _ => Ok(()),
        };
        if let Err(error) = recorded {
            tracing::error!(%error, "could not record a package change");
        }
    }
    let headers = response.headers_mut();
    if let Some(prefix) = &prefix
        && let Some(location) = headers
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("/v2/"))
            .map(|rest| format!("/v2/{prefix}/{rest}"))
        && let Ok(value) = HeaderValue::from_str(&location)
    {
        headers.insert(header::LOCATION, value);
    }
    if response.status() == StatusCode::UNAUTHORIZED {
        let service = service_host.unwrap_or_else(|| {
            base_url
                .split_once("://")
                .map_or(base_url, |(_, authority)| authority)
                .to_string()
        });
        if let Ok(value) = HeaderValue::from_str(&format!(
            "Bearer realm=\"{base_url}/v2/token\",service=\"{service}\""
        )) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_requests_are_told_apart_from_google_apis() {
        let registry = |location: Option<&str>, prefix: Option<&str>, path: &str| {
            Some(Target::Registry {
                location: location.map(str::to_string),
                prefix: prefix.map(str::to_string),
                path: path.to_string(),
            })
        };
        let cases = [
            (
                Some("us-docker.pkg.dev"),
                "/v2/p/r/app/manifests/v1",
                registry(Some("us"), None, "/v2/p/r/app/manifests/v1"),
            ),
            (Some("us-docker.pkg.dev"), "/v2/token", Some(Target::Token)),
            (Some("127.0.0.1"), "/v2/token", Some(Target::Token)),
            (None, "/v2/", registry(None, None, "/v2/")),
            (
                Some("127.0.0.1"),
                "/v2/europe-west1-docker.pkg.dev/p/r/app/blobs/uploads/",
                registry(
                    Some("europe-west1"),
                    Some("europe-west1-docker.pkg.dev"),
                    "/v2/p/r/app/blobs/uploads/",
                ),
            ),
            (Some("127.0.0.1"), "/v2/projects/p/locations/l/jobs", None),
            (Some("logging.googleapis.com"), "/v2/entries:list", None),
            (Some("us-docker.pkg.dev"), "/v1/projects", None),
        ];
        for (host, path, expected) in cases {
            assert_eq!(target(host, path), expected, "{host:?} {path}");
        }
    }
}
