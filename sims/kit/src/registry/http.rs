//! The distribution API over HTTP: every request under `/v2` is authenticated through the
//! provider, split into a route ([`super::reference::route`]), checked (names, digests,
//! repository) and served from [`Registry`]. Errors use the spec's body; every answer carries
//! `Docker-Distribution-API-Version: registry/2.0`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use http_body_util::BodyExt;
use serde_json::json;

use super::blobs::{parse_content_range, parse_range};
use super::error::{Code, RegistryError};
use super::reference::{self, Digest, DigestError, Reference, ReferenceError, Route};
use super::{Challenge, MAX_MANIFEST_BYTES, Registry, RequestHead};
use crate::context::RequestContext;

const API_VERSION: &str = "registry/2.0";

/// The registry's routes: `/v2`, `/v2/` and everything below.
pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/v2", any(handle))
        .route("/v2/", any(handle))
        .route("/v2/{*rest}", any(handle))
        .with_state(registry)
}

enum Failure {
    Error(Box<RegistryError>),
    Challenge(Box<Challenge>),
}

impl From<RegistryError> for Failure {
    fn from(error: RegistryError) -> Self {
        Failure::Error(Box::new(error))
    }
}

type Outcome = Result<Response, Failure>;

async fn handle(State(registry): State<Arc<Registry>>, request: Request) -> Response {
    let head_only = request.method() == Method::HEAD;
    let mut response = match serve(&registry, request).await {
        Ok(response) => response,
        Err(failure) => {
            let (error, challenge) = match failure {
                Failure::Error(error) => (*error, None),
                Failure::Challenge(challenge) => {
                    (challenge.error, Some(challenge.www_authenticate))
                }
            };
            tracing::debug!(code = error.code.as_str(), message = %error.message, "registry error");
            let body = if head_only {
                Body::empty()
            } else {
                Body::from(error.body().to_string())
            };
            let mut response = (error.code.status(), body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    };
    response.headers_mut().insert(
        "Docker-Distribution-API-Version",
        HeaderValue::from_static(API_VERSION),
    );
    response
}

fn query(request: &Request) -> Vec<(String, String)> {
    request
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn name_invalid(name: &str) -> RegistryError {
    RegistryError::new(Code::NameInvalid).detail(json!({"name": name}))
}

fn digest_of(text: &str) -> Result<Digest, RegistryError> {
    Digest::parse(text).map_err(|error| {
        let message = match error {
            DigestError::Malformed => "invalid digest",
            DigestError::Unsupported => "unsupported digest algorithm",
        };
        RegistryError::with_message(Code::DigestInvalid, message).detail(json!({"digest": text}))
    })
}

fn empty(status: StatusCode, headers: &[(&str, String)]) -> Response {
    let mut response = (status, Body::empty()).into_response();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::try_from(*name),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(0));
    response
}

async fn serve(registry: &Registry, request: Request) -> Outcome {
    let namespace = {
        let context = request.extensions().get::<RequestContext>();
        let head = RequestHead {
            host: context.and_then(|c| c.host.as_deref()),
            authorization: header_str(request.headers(), header::AUTHORIZATION),
            query: request.uri().query(),
        };
        registry
            .provider
            .authenticate(&head)
            .map_err(Failure::Challenge)?
    };
    let route = reference::route(request.uri().path())
        .ok_or_else(|| RegistryError::with_message(Code::Unsupported, "unknown API path"))?;
    let name = match &route {
        Route::Base => {
            return Ok(([(header::CONTENT_TYPE, "application/json")], "{}").into_response());
        }
        Route::Manifest { name, .. }
        | Route::Blob { name, .. }
        | Route::Uploads { name }
        | Route::Upload { name, .. }
        | Route::Tags { name }
        | Route::Referrers { name, .. } => name.clone(),
    };
    if !reference::valid_name(&name) {
        return Err(name_invalid(&name).into());
    }
    registry.provider.check_repository(&namespace, &name)?;
    let method = request.method().clone();
    let ns = namespace.as_str();
    match (route, method) {
        (Route::Manifest { reference, .. }, Method::GET | Method::HEAD) => get_manifest(
            registry,
            ns,
            &name,
            &reference,
            request.method() == Method::HEAD,
        ),
        (Route::Manifest { reference, .. }, Method::PUT) => {
            put_manifest(registry, ns, &name, &reference, request).await
        }
        (Route::Manifest { reference, .. }, Method::DELETE) => {
            delete_manifest(registry, ns, &name, &reference)
        }
        (Route::Blob { digest, .. }, Method::GET | Method::HEAD) => {
            let range = header_str(request.headers(), header::RANGE).map(String::from);
            let head = request.method() == Method::HEAD;
            get_blob(registry, ns, &name, &digest, range.as_deref(), head).await
        }
        (Route::Blob { digest, .. }, Method::DELETE) => {
            let digest = digest_of(&digest)?;
            if !registry.unlink_blob(ns, &name, &digest)? {
                return Err(RegistryError::new(Code::BlobUnknown).into());
            }
            Ok(empty(
                StatusCode::ACCEPTED,
                &[("Docker-Content-Digest", digest.to_string())],
            ))
        }
        (Route::Uploads { .. }, Method::POST) => start_upload(registry, ns, &name, request).await,
        (Route::Upload { id, .. }, method) => {
            let upload = registry
                .upload(ns, &name, &id)
                .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
            match method {
                Method::GET => Ok(upload_status(
                    &name,
                    &id,
                    upload.offset,
                    StatusCode::NO_CONTENT,
                )),
                Method::PATCH => patch_upload(registry, &name, &id, upload.offset, request).await,
                Method::PUT => finish_upload(registry, &name, &id, request).await,
                Method::DELETE => {
                    registry.cancel_upload(&id)?;
                    Ok(empty(StatusCode::NO_CONTENT, &[]))
                }
                _ => Err(RegistryError::new(Code::Unsupported).into()),
            }
        }
        (Route::Tags { .. }, Method::GET) => list_tags(registry, ns, &name, &query(&request)),
        (Route::Referrers { digest, .. }, Method::GET) => {
            let digest = digest_of(&digest)?;
            referrers(registry, ns, &name, &digest, &query(&request))
        }
        _ => Err(RegistryError::new(Code::Unsupported).into()),
    }
}

fn reference_of(text: &str) -> Result<Reference, RegistryError> {
    Reference::parse(text).map_err(|error| match error {
        ReferenceError::Tag => RegistryError::with_message(Code::TagInvalid, "invalid tag")
            .detail(json!({"tag": text})),
        ReferenceError::Digest(_) => match digest_of(text) {
            Err(error) => error,
            Ok(_) => RegistryError::new(Code::DigestInvalid),
        },
    })
}

fn manifest_unknown(reference: &str) -> RegistryError {
    RegistryError::new(Code::ManifestUnknown).detail(json!({"tag": reference}))
}

fn get_manifest(registry: &Registry, ns: &str, name: &str, text: &str, head: bool) -> Outcome {
    let reference = reference_of(text)?;
    let digest = registry
        .resolve(ns, name, &reference)
        .ok_or_else(|| manifest_unknown(text))?;
    let manifest = registry
        .manifest(ns, name, &digest)
        .ok_or_else(|| manifest_unknown(text))?;
    let bytes = manifest.bytes();
    let length = bytes.len();
    let body = if head {
        Body::empty()
    } else {
        registry.record_pull(ns, name, &digest)?;
        Body::from(bytes)
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&manifest.media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(value) = HeaderValue::from_str(digest.as_str()) {
        headers.insert("Docker-Content-Digest", value.clone());
        headers.insert(header::ETAG, value);
    }
    Ok(response)
}

async fn put_manifest(
    registry: &Registry,
    ns: &str,
    name: &str,
    text: &str,
    request: Request,
) -> Outcome {
    let reference = reference_of(text)?;
    let content_type = header_str(request.headers(), header::CONTENT_TYPE).map(String::from);
    let limited = http_body_util::Limited::new(request.into_body(), MAX_MANIFEST_BYTES);
    let bytes = limited
        .collect()
        .await
        .map_err(|_| {
            RegistryError::with_message(
                Code::SizeInvalid,
                format!("manifest larger than {MAX_MANIFEST_BYTES} bytes"),
            )
        })?
        .to_bytes();
    let digest = registry
        .put_manifest(ns, name, &reference, content_type.as_deref(), &bytes)
        .await?;
    let mut headers = vec![
        ("Location", format!("/v2/{name}/manifests/{digest}")),
        ("Docker-Content-Digest", digest.to_string()),
    ];
    if let Some(subject) = registry.manifest(ns, name, &digest).and_then(|m| m.subject) {
        headers.push(("OCI-Subject", subject));
    }
    Ok(empty(StatusCode::CREATED, &headers))
}

fn delete_manifest(registry: &Registry, ns: &str, name: &str, text: &str) -> Outcome {
    match reference_of(text)? {
        Reference::Tag(tag) => {
            if !registry.untag(ns, name, &tag)? {
                return Err(manifest_unknown(text).into());
            }
        }
        Reference::Digest(digest) => {
            if registry.delete_manifest(ns, name, &digest)?.is_none() {
                return Err(manifest_unknown(text).into());
            }
        }
    }
    Ok(empty(StatusCode::ACCEPTED, &[]))
}

async fn get_blob(
    registry: &Registry,
    ns: &str,
    name: &str,
    text: &str,
    range: Option<&str>,
    head: bool,
) -> Outcome {
    let digest = digest_of(text)?;
    let size = registry
        .blob_size(ns, name, &digest)
        .ok_or_else(|| RegistryError::new(Code::BlobUnknown).detail(json!({"digest": text})))?;
    let range = match range {
        Some(header) => match parse_range(header, size) {
            Ok(range) => Some(range),
            Err(_) => {
                return Ok(empty(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    &[("Content-Range", format!("bytes */{size}"))],
                ));
            }
        },
        None => None,
    };
    let body = if head {
        Body::empty()
    } else {
        registry.blobs.open(&digest, range).await?
    };
    let (status, length) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, end - start + 1),
        None => (StatusCode::OK, size),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some((start, end)) = range
        && let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}"))
    {
        headers.insert(header::CONTENT_RANGE, value);
    }
    if let Ok(value) = HeaderValue::from_str(digest.as_str()) {
        headers.insert("Docker-Content-Digest", value.clone());
        headers.insert(header::ETAG, value);
    }
    Ok(response)
}

fn upload_status(name: &str, id: &str, offset: u64, status: StatusCode) -> Response {
    empty(
        status,
        &[
            ("Location", format!("/v2/{name}/blobs/uploads/{id}")),
            ("Range", format!("0-{}", offset.saturating_sub(1))),
            ("Docker-Upload-UUID", id.to_string()),
        ],
    )
}

fn blob_created(name: &str, digest: &Digest) -> Response {
    empty(
        StatusCode::CREATED,
        &[
            ("Location", format!("/v2/{name}/blobs/{digest}")),
            ("Docker-Content-Digest", digest.to_string()),
        ],
    )
}

async fn start_upload(registry: &Registry, ns: &str, name: &str, request: Request) -> Outcome {
    let query = query(&request);
    if let Some(mount) = param(&query, "mount") {
        let digest = digest_of(mount)?;
        // A mount from a repository we cannot read, or that lacks the blob, starts an upload
        // instead, as the spec says.
        if let Some(from) = param(&query, "from")
            && reference::valid_name(from)
            && registry.provider.check_repository(ns, from).is_ok()
            && let Some(size) = registry.blob_size(ns, from, &digest)
        {
            registry.link_blob(ns, name, &digest, size)?;
            return Ok(blob_created(name, &digest));
        }
    }
    if let Some(digest) = param(&query, "digest") {
        let digest = digest_of(digest)?;
        let size = registry
            .blobs
            .put_stream(request.into_body(), &digest)
            .await?;
        registry.link_blob(ns, name, &digest, size)?;
        return Ok(blob_created(name, &digest));
    }
    let id = registry.start_upload(ns, name)?;
    Ok(upload_status(name, &id, 0, StatusCode::ACCEPTED))
}

async fn patch_upload(
    registry: &Registry,
    name: &str,
    id: &str,
    offset: u64,
    request: Request,
) -> Outcome {
    if let Some(range) = header_str(request.headers(), header::CONTENT_RANGE) {
        match parse_content_range(range) {
            Some((start, _)) if start == offset => {}
            _ => {
                return Ok(empty(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    &[
                        ("Location", format!("/v2/{name}/blobs/uploads/{id}")),
                        ("Range", format!("0-{}", offset.saturating_sub(1))),
                    ],
                ));
            }
        }
    }
    let path = registry
        .blobs
        .upload_path(id)
        .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
    let added = registry.blobs.append(&path, request.into_body()).await?;
    let offset = registry.advance_upload(id, added)?;
    Ok(upload_status(name, id, offset, StatusCode::ACCEPTED))
}

async fn finish_upload(registry: &Registry, name: &str, id: &str, request: Request) -> Outcome {
    let query = query(&request);
    let digest = param(&query, "digest")
        .ok_or_else(|| RegistryError::with_message(Code::DigestInvalid, "digest missing"))?;
    let digest = digest_of(digest)?;
    let path = registry
        .blobs
        .upload_path(id)
        .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
    let added = registry.blobs.append(&path, request.into_body()).await?;
    if added > 0 {
        registry.advance_upload(id, added)?;
    }
    registry.complete_upload(id, &digest).await?;
    Ok(blob_created(name, &digest))
}

fn list_tags(registry: &Registry, ns: &str, name: &str, query: &[(String, String)]) -> Outcome {
    let mut tags = registry.tag_names(ns, name);
    if let Some(last) = param(query, "last") {
        tags.retain(|tag| tag.as_str() > last);
    }
    let limit =
        match param(query, "n") {
            Some(n) => Some(n.parse::<usize>().map_err(|_| {
                RegistryError::with_message(Code::Unsupported, "invalid page size n")
            })?),
            None => None,
        };
    let mut link = None;
    if let Some(limit) = limit
        && tags.len() > limit
    {
        tags.truncate(limit);
        if let Some(last) = tags.last() {
            let last: String = form_urlencoded::byte_serialize(last.as_bytes()).collect();
            link = Some(format!(
                "</v2/{name}/tags/list?n={limit}&last={last}>; rel=\"next\""
            ));
        }
    }
    let body = json!({"name": name, "tags": tags}).to_string();
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(value) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

fn referrers(
    registry: &Registry,
    ns: &str,
    name: &str,
    digest: &Digest,
    query: &[(String, String)],
) -> Outcome {
    let wanted = param(query, "artifactType");
    let manifests: Vec<_> = registry
        .referrers(ns, name, digest)
        .into_iter()
        .filter_map(|image| {
            let bytes = image.manifest.bytes();
            let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            let artifact_type = image
                .manifest
                .artifact_type
                .clone()
                .or(image.manifest.config_media_type.clone());
            if wanted.is_some() && wanted != artifact_type.as_deref() {
                return None;
            }
            let mut descriptor = json!({
                "mediaType": image.manifest.media_type,
                "digest": image.digest.as_str(),
                "size": image.manifest.size,
            });
            if let Some(artifact_type) = artifact_type {
                descriptor["artifactType"] = json!(artifact_type);
            }
            if let Some(annotations) = value.get("annotations") {
                descriptor["annotations"] = annotations.clone();
            }
            Some(descriptor)
        })
        .collect();
    let body = json!({
        "schemaVersion": 2,
        "mediaType": super::manifest::OCI_INDEX,
        "manifests": manifests,
    })
    .to_string();
    let mut response = ([(header::CONTENT_TYPE, super::manifest::OCI_INDEX)], body).into_response();
    if wanted.is_some() {
        response.headers_mut().insert(
            "OCI-Filters-Applied",
            HeaderValue::from_static("artifactType"),
        );
    }
    Ok(response)
}
