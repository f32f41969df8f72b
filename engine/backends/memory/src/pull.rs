//! Pulls over the OCI distribution API, from registries on this machine (`localhost`,
//! `127.0.0.1:PORT`: plain HTTP, as Docker treats `127.0.0.0/8` as insecure), with the
//! credentials of `X-Registry-Auth` or `docker login` (Basic, or Bearer tokens fetched from
//! the challenge's realm). Every blob is digest-checked as it streams to disk.
//!
//! With `--registry-upstream`, references to Docker Hub and to the upstream's own host are
//! pulled from the upstream (as Docker's registry mirrors stand in for Docker Hub), over
//! simkit's upstream client (`http` or `https`, the configured credentials).
//!
//! A reference no registry here can serve fails with Docker's error (`pull access denied…`,
//! `manifest … not found`); nothing is invented. Other registries beyond this machine are not
//! reached.

use std::sync::Arc;

use axum::body::Body;
use base64::Engine as _;
use engine_core::EngineError;
use engine_core::api::ProgressMessage;
use engine_core::backend::Progress;
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use simkit::registry::Digest;

use crate::images::Images;
use crate::reference::ImageRef;

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Credentials from `X-Registry-Auth` (base64url JSON `{username, password}` or
/// `{identitytoken}`).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl Credentials {
    pub fn from_header(header: Option<&str>) -> Option<Self> {
        let text = header?.trim();
        let bytes = base64::engine::general_purpose::URL_SAFE
            .decode(text)
            .or_else(|_| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))
            })
            .or_else(|_| base64::engine::general_purpose::STANDARD.decode(text))
            .ok()?;
        let value: Value = serde_json::from_slice(&bytes).ok()?;
        let username = value
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let password = value
            .get("password")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        (!username.is_empty()).then_some(Self { username, password })
    }
}

fn is_local(domain: &str) -> bool {
    let host = domain.rsplit_once(':').map_or(domain, |(host, _)| host);
    host == "localhost" || host.starts_with("127.") || host == "[::1]"
}

fn denied(reference: &ImageRef) -> EngineError {
    EngineError::NotFound(format!(
        "pull access denied for {}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
        reference.familiar_repository()
    ))
}

/// Where a pull reads from: a registry on this machine, or the server's upstream (with the
/// repository name the upstream serves the reference under, its token scope).
enum Source {
    Local(Registry),
    Upstream {
        client: simkit::registry::upstream::Client,
        name: String,
    },
}

impl Source {
    async fn get(
        &mut self,
        path: &str,
        accept: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, EngineError> {
        match self {
            Source::Local(registry) => registry.get(path, accept).await,
            Source::Upstream { client, name } => client
                .get(path, name, accept)
                .await
                .map_err(|error| EngineError::Internal(error.to_string())),
        }
    }
}

/// A small client for one registry, holding the token it was given.
struct Registry {
    client: Client<HttpConnector, Body>,
    base: String,
    credentials: Option<Credentials>,
    token: Option<String>,
}

impl Registry {
    fn new(domain: &str, credentials: Option<Credentials>) -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: format!("http://{domain}"),
            credentials,
            token: None,
        }
    }

    fn authorization(&self) -> Option<String> {
        match (&self.token, &self.credentials) {
            (Some(token), _) => Some(format!("Bearer {token}")),
            (None, Some(credentials)) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", credentials.username, credentials.password))
            )),
            _ => None,
        }
    }

    async fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        authorization: Option<String>,
    ) -> Result<http::Response<hyper::body::Incoming>, EngineError> {
        let mut request = http::Request::get(url);
        if let Some(accept) = accept {
            request = request.header(http::header::ACCEPT, accept);
        }
        if let Some(authorization) = authorization {
            request = request.header(http::header::AUTHORIZATION, authorization);
        }
        let request = request.body(Body::empty()).map_err(EngineError::internal)?;
        self.client
            .request(request)
            .await
            .map_err(|error| EngineError::Internal(format!("Get \"{url}\": {error}")))
    }

    /// GET with authentication: on a 401 challenge, fetch a Bearer token (or use Basic) once.
    async fn get(
        &mut self,
        path: &str,
        accept: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, EngineError> {
        let url = format!("{}{path}", self.base);
        let response = self.send(&url, accept, self.authorization()).await?;
        if response.status() != http::StatusCode::UNAUTHORIZED || self.token.is_some() {
            return Ok(response);
        }
        let challenge = response
            .headers()
            .get(http::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if let Some(params) = challenge.strip_prefix("Bearer ") {
            self.token = self.fetch_token(params).await?;
            if self.token.is_some() {
                return self.send(&url, accept, self.authorization()).await;
            }
        }
        Ok(response)
    }

    async fn fetch_token(&self, params: &str) -> Result<Option<String>, EngineError> {
        let mut realm = String::new();
        let mut query = Vec::new();
        for part in params.split(',') {
            let Some((key, value)) = part.trim().split_once('=') else {
                continue;
            };
            let value = value.trim_matches('"');
            if key == "realm" {
                realm = value.to_string();
            } else {
                query.push(format!("{key}={}", percent(value)));
            }
        }
        if !realm.starts_with("http://") {
            return Ok(None);
        }
        let url = if query.is_empty() {
            realm
        } else {
            format!("{realm}?{}", query.join("&"))
        };
        let basic = self.credentials.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password))
            )
        });
        let response = self.send(&url, None, basic).await?;
        if !response.status().is_success() {
            return Ok(None);
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(EngineError::internal)?
            .to_bytes();
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(value
            .get("token")
            .or_else(|| value.get("access_token"))
            .and_then(Value::as_str)
            .map(String::from))
    }
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The registry's error code, from its `{"errors":[{"code","message"}]}` body.
async fn registry_error(response: http::Response<hyper::body::Incoming>) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let code = value
        .pointer("/errors/0/code")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let message = value
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (status, code, message)
}

/// Checks `docker login` credentials against the registry at `server` (`/auth`).
pub async fn login(server: &str, credentials: Credentials) -> Result<(), EngineError> {
    let domain = server
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let domain = domain.split('/').next().unwrap_or(domain);
    if !is_local(domain) {
        return Err(EngineError::Unauthorized(format!(
            "Get \"https://{domain}/v2/\": the engine reaches registries on this machine only"
        )));
    }
    let mut registry = Registry::new(domain, Some(credentials));
    let response = registry.get("/v2/", None).await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(EngineError::Unauthorized(format!(
            "login attempt to http://{domain}/v2/ failed with status: {} {}",
            response.status().as_u16(),
            response.status().canonical_reason().unwrap_or("")
        )))
    }
}

/// Pulls `reference` into `images`; returns the image ID. `upstream` is the server's
/// `--registry-upstream`, if any.
pub async fn pull(
    images: &Arc<Images>,
    reference: &ImageRef,
    credentials: Option<Credentials>,
    upstream: Option<&simkit::registry::upstream::UpstreamConfig>,
    progress: &Progress,
) -> Result<String, EngineError> {
    let wanted = reference
        .digest
        .clone()
        .or(reference.tag.clone())
        .unwrap_or_else(|| "latest".into());
    let (mut registry, path) = if is_local(&reference.domain) {
        (
            Source::Local(Registry::new(&reference.domain, credentials)),
            reference.path.clone(),
        )
    } else {
        // Beyond this machine only the upstream is reached, for the registries it stands for.
        let routed = upstream.and_then(|upstream| {
            let (name, _) = upstream.route(&format!("{}/{}", reference.domain, reference.path))?;
            Some((upstream, name))
        });
        let Some((upstream, name)) = routed else {
            return Err(denied(reference));
        };
        let client = simkit::registry::upstream::Client::new(upstream);
        (
            Source::Upstream {
                client,
                name: name.clone(),
            },
            name,
        )
    };
    let path = &path;
    let response = registry
        .get(&format!("/v2/{path}/manifests/{wanted}"), Some(ACCEPT))
        .await?;
    if !response.status().is_success() {
        let (status, code, message) = registry_error(response).await;
        return Err(match (status, code.as_str()) {
            (404, "MANIFEST_UNKNOWN") | (404, "") => EngineError::NotFound(format!(
                "manifest for {} not found: manifest unknown: {}",
                reference.familiar(),
                if message.is_empty() {
                    "manifest unknown"
                } else {
                    &message
                }
            )),
            (401 | 403, _) | (404, "NAME_UNKNOWN") => denied(reference),
            _ => EngineError::Internal(format!(
                "error from registry: {}",
                if message.is_empty() {
                    format!("status {status}")
                } else {
                    message
                }
            )),
        });
    }
    let _ = progress
        .send(ProgressMessage {
            status: Some(format!("Pulling from {}", reference.path)),
            id: Some(reference.tag.clone().unwrap_or(wanted.clone())),
            ..ProgressMessage::default()
        })
        .await;
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(EngineError::internal)?
        .to_bytes();
    let top_digest = Digest::of(&bytes);
    if let Some(expected) = &reference.digest
        && top_digest.as_str() != expected
    {
        return Err(EngineError::InvalidParameter(format!(
            "manifest verification failed for digest {expected}"
        )));
    }
    images
        .blobs()
        .put_bytes(&bytes)
        .await
        .map_err(EngineError::internal)?;
    let mut manifest: Value = serde_json::from_slice(&bytes).map_err(|error| {
        EngineError::Internal(format!("bad manifest from the registry: {error}"))
    })?;
    let mut manifest_digest = top_digest.clone();
    if let Some(list) = manifest.get("manifests").and_then(Value::as_array) {
        let arch = crate::platform_architecture();
        let chosen = list
            .iter()
            .find(|m| {
                m.pointer("/platform/architecture").and_then(Value::as_str) == Some(arch)
                    && m.pointer("/platform/os").and_then(Value::as_str) == Some("linux")
            })
            .and_then(|m| m.get("digest").and_then(Value::as_str))
            .ok_or_else(|| {
                EngineError::NotFound(format!(
                    "no matching manifest for linux/{arch} in the manifest list entries"
                ))
            })?
            .to_string();
        let response = registry
            .get(&format!("/v2/{path}/manifests/{chosen}"), Some(ACCEPT))
            .await?;
        if !response.status().is_success() {
            return Err(EngineError::NotFound(format!(
                "manifest {chosen} not found"
            )));
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(EngineError::internal)?
            .to_bytes();
        manifest_digest = Digest::of(&bytes);
        if manifest_digest.as_str() != chosen {
            return Err(EngineError::Internal(format!(
                "manifest {chosen} does not match its digest"
            )));
        }
        images
            .blobs()
            .put_bytes(&bytes)
            .await
            .map_err(EngineError::internal)?;
        manifest = serde_json::from_slice(&bytes).map_err(EngineError::internal)?;
    }
    let config_digest = manifest
        .pointer("/config/digest")
        .and_then(Value::as_str)
        .ok_or_else(|| EngineError::Internal("the manifest names no config".into()))?
        .to_string();
    let mut size = 0i64;
    let layers: Vec<(String, i64)> = manifest
        .get("layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some((
                l.get("digest")?.as_str()?.to_string(),
                l.get("size").and_then(Value::as_i64).unwrap_or(0),
            ))
        })
        .collect();
    let already = images.find(&config_digest).is_ok();
    for (digest, layer_size) in
        std::iter::once((config_digest.clone(), 0)).chain(layers.iter().cloned())
    {
        let parsed = Digest::parse(&digest)
            .map_err(|_| EngineError::Internal(format!("bad digest {digest}")))?;
        let short = parsed.hex()[..12].to_string();
        size += layer_size;
        if images.blobs().size(&parsed).is_some() {
            if digest != config_digest {
                let _ = progress
                    .send(ProgressMessage {
                        status: Some("Already exists".into()),
                        id: Some(short),
                        ..Default::default()
                    })
                    .await;
            }
            continue;
        }
        if digest != config_digest {
            let _ = progress
                .send(ProgressMessage {
                    status: Some("Pulling fs layer".into()),
                    id: Some(short.clone()),
                    ..Default::default()
                })
                .await;
        }
        let response = registry
            .get(&format!("/v2/{path}/blobs/{digest}"), None)
            .await?;
        if !response.status().is_success() {
            return Err(EngineError::NotFound(format!(
                "blob {digest} not found in the registry"
            )));
        }
        images
            .blobs()
            .put_stream(Body::new(response.into_body()), &parsed)
            .await
            .map_err(|error| {
                EngineError::Internal(format!("failed to register layer: {error:?}"))
            })?;
        if digest != config_digest {
            let _ = progress
                .send(ProgressMessage {
                    status: Some("Download complete".into()),
                    id: Some(short.clone()),
                    ..Default::default()
                })
                .await;
            let _ = progress
                .send(ProgressMessage {
                    status: Some("Pull complete".into()),
                    id: Some(short),
                    ..Default::default()
                })
                .await;
        }
    }
    let tags: Vec<String> = reference.full_tagged().into_iter().collect();
    let repo_digest = format!("{}@{}", reference.repository(), top_digest.as_str());
    let id = images.record(
        manifest_digest.as_str(),
        &config_digest,
        size,
        &tags,
        Some(repo_digest),
    )?;
    let _ = progress
        .send(ProgressMessage::status(format!(
            "Digest: {}",
            top_digest.as_str()
        )))
        .await;
    let status = if already {
        format!("Status: Image is up to date for {}", reference.familiar())
    } else {
        format!(
            "Status: Downloaded newer image for {}",
            reference.familiar()
        )
    };
    let _ = progress.send(ProgressMessage::status(status)).await;
    Ok(id)
}
