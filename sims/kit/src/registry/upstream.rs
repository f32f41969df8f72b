//! Pull-through from an upstream registry (`--registry-upstream URL`): an image a workload names
//! that no registry of the simulator holds is fetched over the distribution API, checked
//! against its digests, cached in the simulator's own [`Registry`] under the namespace
//! [`CACHE_NAMESPACE`] (content-addressed blobs shared with everything pushed), and run from
//! there. A reference pinned by digest that the cache holds is served without asking the
//! upstream; a tag is resolved upstream on every pull, as a container runtime pulls it.
//!
//! Which references the upstream serves, as Docker's registry mirrors and containerd's hosts
//! map them: those on Docker Hub (`busybox`, `docker.io/library/busybox`: the upstream stands
//! in for it, as a mirror, its URL's path prefixed to the repository name), and those naming
//! the upstream's own `host:port` (the repository name as written). Any other registry is not
//! reached.
//!
//! The client ([`Client`]) speaks the distribution spec's token flow: a 401 with
//! `WWW-Authenticate: Bearer realm=…,service=…,scope=…` is answered by fetching a token from
//! the realm (with the configured credentials as Basic, or anonymously) and retrying; a
//! `Basic` challenge is answered with the credentials. A manifest list or OCI index gives the
//! entry for this machine's platform (`linux/amd64` here). Every manifest and blob is hashed
//! and compared with the digest that names it before it is stored.
//!
//! Transport: `http://` or `https://` upstreams (and token realms and blob redirects of either
//! scheme), one connection per request (HTTP/1.1 over hyper; rustls with the ring provider for
//! TLS). HTTPS trusts the system's CA bundle (`SSL_CERT_FILE`, else Debian's
//! `/etc/ssl/certs/ca-certificates.crt`) and the certificates of `--registry-upstream-ca FILE`
//! (a PEM file, read when the server starts; a file with no certificate is refused then).
//!
//! Limits: blobs are fetched one at a time; the cache is never pruned; no client certificates.
//! What this module must not do: store a byte that does not match its digest, or reach any
//! host but the configured upstream (and the token realm it names).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use base64::Engine as _;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;

use super::reference::{Digest, Reference, split_image};
use super::{Registry, RegistryError};
use crate::runner::LocatedImage;
use crate::runner::oci::image::RegistryImages;

/// The registry namespace pulled-through images are cached under (no provider serves it).
pub const CACHE_NAMESPACE: &str = "upstream-cache";

/// The manifest media types a pull accepts, as container runtimes ask for them.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// The upstream a server pulls through (`--registry-upstream URL`,
/// `--registry-upstream-credentials USER:PASSWORD`, `--registry-upstream-ca FILE`).
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// Whether the upstream is reached over TLS (`https://`).
    pub https: bool,
    /// `host[:port]`, as image references name it.
    pub authority: String,
    /// The path prefix of the URL, without slashes at either end (empty when none): put in
    /// front of Docker Hub repository names.
    pub prefix: String,
    pub credentials: Option<(String, String)>,
    /// Certificates (DER) trusted for HTTPS besides the system's bundle.
    pub extra_roots: Vec<Vec<u8>>,
}

impl std::fmt::Debug for UpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamConfig")
            .field("https", &self.https)
            .field("authority", &self.authority)
            .field("prefix", &self.prefix)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|(user, _)| user),
            )
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

/// Every certificate of PEM `bytes` (DER), skipping other sections.
fn pem_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(bytes)
        .filter_map(Result::ok)
        .map(|certificate| certificate.as_ref().to_vec())
        .collect()
}

impl UpstreamConfig {
    /// Parses `http[s]://HOST[:PORT][/PREFIX]`.
    pub fn parse(url: &str, credentials: Option<&str>) -> Result<Self, String> {
        let malformed =
            || format!("registry upstream {url}: expected http[s]://HOST[:PORT][/PREFIX]");
        let (https, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            return Err(malformed());
        };
        let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() || authority.contains(['@', '?', '#']) || rest.contains(['?', '#'])
        {
            return Err(malformed());
        }
        let credentials = match credentials {
            None => None,
            Some(pair) => {
                let (user, password) = pair.split_once(':').ok_or_else(|| {
                    "registry upstream credentials: expected USER:PASSWORD".to_string()
                })?;
                Some((user.to_string(), password.to_string()))
            }
        };
        Ok(Self {
            https,
            authority: authority.to_ascii_lowercase(),
            prefix: prefix.trim_matches('/').to_string(),
            credentials,
            extra_roots: Vec::new(),
        })
    }

    /// Adds the certificates of PEM file `path` to those HTTPS trusts; an error when it cannot
    /// be read or holds none.
    pub fn trust_ca_file(&mut self, path: &Path) -> Result<(), String> {
        let bytes = std::fs::read(path)
            .map_err(|error| format!("registry upstream CA {}: {error}", path.display()))?;
        let certificates = pem_certificates(&bytes);
        if certificates.is_empty() {
            return Err(format!(
                "registry upstream CA {}: no PEM certificate in it",
                path.display()
            ));
        }
        self.extra_roots.extend(certificates);
        Ok(())
    }

    /// The upstream repository and reference (tag or digest) that serve `image`, or `None`
    /// when `image` names a registry this upstream does not stand for.
    pub fn route(&self, image: &str) -> Option<(String, String)> {
        let parts = split_image(image);
        let host = parts.host.map(str::to_ascii_lowercase);
        let name = match host.as_deref() {
            None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io") => {
                // Docker Hub's official images live under `library/`.
                let name = if parts.name.contains('/') {
                    parts.name.to_string()
                } else {
                    format!("library/{}", parts.name)
                };
                if self.prefix.is_empty() {
                    name
                } else {
                    format!("{}/{name}", self.prefix)
                }
            }
            Some(host) if host == self.authority => parts.name.to_string(),
            Some(_) => return None,
        };
        Some((name, parts.reference.to_string()))
    }
}

/// Why an image could not be pulled through; the text is the tail containerd gives after
/// `failed to resolve ref REF: `.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}: not found")]
    NotFound(String),
    #[error(
        "pull access denied, repository does not exist or may require authorization: server message: {0}"
    )]
    Denied(String),
    #[error("failed to do request: {method} \"{url}\": {reason}")]
    Unreachable {
        method: &'static str,
        url: String,
        reason: String,
    },
    #[error("unexpected status from {method} request to {url}: {status}")]
    Status {
        method: &'static str,
        url: String,
        status: u16,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("failed to store the pulled image: {0}")]
    Store(String),
}

impl From<RegistryError> for PullError {
    fn from(error: RegistryError) -> Self {
        Self::Store(error.to_string())
    }
}

/// A distribution API client for one upstream, holding the tokens it was given by scope.
pub struct Client {
    tls: Result<Arc<rustls::ClientConfig>, String>,
    base: String,
    credentials: Option<(String, String)>,
    tokens: tokio::sync::Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The TLS client configuration: the system's CA bundle and `extra_roots`, HTTP/1.1 by ALPN.
fn tls_config(extra_roots: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    let bundle = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into());
    // A machine without a bundle trusts only the configured CA file.
    let system = std::fs::read(bundle).map(|bytes| pem_certificates(&bytes));
    let (_added, _ignored) = roots.add_parsable_certificates(
        system
            .unwrap_or_default()
            .into_iter()
            .chain(extra_roots.iter().cloned())
            .map(CertificateDer::from),
    );
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("no TLS client for the upstream: {error}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The innermost cause of `error` (the connection's own: refused, reset).
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut reason = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    reason
}

/// Sends `request` over a new HTTP/1.1 connection on `io`.
async fn exchange<T>(
    io: T,
    request: http::Request<Body>,
) -> Result<http::Response<hyper::body::Incoming>, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|error| innermost(&error))?;
    // The connection lives while the response's body is read.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    sender
        .send_request(request)
        .await
        .map_err(|error| innermost(&error))
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Bearer {
        realm: String,
        params: Vec<(String, String)>,
    },
    Basic,
}

/// Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params = Vec::new();
    let mut realm = None;
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if key == "realm" {
            realm = Some(value.to_string());
        } else {
            params.push((key, value.to_string()));
        }
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge::Bearer {
        realm: realm?,
        params,
    })
}

fn percent(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl Client {
    pub fn new(config: &UpstreamConfig) -> Self {
        let scheme = if config.https { "https" } else { "http" };
        Self {
            tls: tls_config(&config.extra_roots),
            base: format!("{scheme}://{}", config.authority),
            credentials: config.credentials.clone(),
            tokens: tokio::sync::Mutex::default(),
        }
    }

    fn basic(&self) -> Option<String> {
        self.credentials.as_ref().map(|(user, password)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )
        })
    }

    async fn send(
        &self,
        method: &'static str,
        url: &str,
        accept: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, PullError> {
        let unreachable = |reason: String| PullError::Unreachable {
            method: if method == "GET" { "Get" } else { "Head" },
            url: url.to_string(),
            reason,
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|error: http::uri::InvalidUri| unreachable(error.to_string()))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(unreachable("unsupported protocol scheme".into())),
        };
        let (Some(host), Some(authority)) = (uri.host(), uri.authority()) else {
            return Err(unreachable("no host in the URL".into()));
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let mut request = http::Request::builder()
            .method(method)
            .uri(uri.path_and_query().map_or("/", |path| path.as_str()))
            .header(http::header::HOST, authority.as_str());
        if let Some(accept) = accept {
            request = request.header(http::header::ACCEPT, accept);
        }
        if let Some(authorization) = authorization {
            request = request.header(http::header::AUTHORIZATION, authorization);
        }
        let request = request
            .body(Body::empty())
            .map_err(|error| unreachable(error.to_string()))?;
        let tcp = tokio::time::timeout(
            Duration::from_secs(10),
            tokio::net::TcpStream::connect((host.as_str(), port)),
        )
        .await
        .map_err(|_| unreachable(format!("dial tcp {host}:{port}: i/o timeout")))?
        .map_err(|error| unreachable(error.to_string()))?;
        let answered = if https {
            let name = ServerName::try_from(host.clone())
                .map_err(|error| unreachable(error.to_string()))?;
            let config = self.tls.clone().map_err(unreachable)?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|error| unreachable(format!("tls: {}", innermost(&error))))?;
            exchange(tls, request).await
        } else {
            exchange(tcp, request).await
        };
        answered.map_err(unreachable)
    }

    /// The upstream's base URL (`https://HOST:PORT`), for messages.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET `path` (`/v2/...`) with authentication: answers one challenge, then keeps the token
    /// for `scope` (the repository).
    pub async fn get(
        &self,
        path: &str,
        scope: &str,
        accept: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, PullError> {
        let url = format!("{}{path}", self.base);
        let known = self.tokens.lock().await.get(scope).cloned();
        let authorization = known.map(|token| format!("Bearer {token}"));
        let response = self
            .send("GET", &url, accept, authorization.as_deref())
            .await?;
        if response.status() != http::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let challenge = response
            .headers()
            .get(http::header::WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_challenge);
        let authorization = match challenge {
            Some(Challenge::Bearer { realm, params }) => {
                let token = self.token(&realm, &params, scope).await?;
                self.tokens
                    .lock()
                    .await
                    .insert(scope.to_string(), token.clone());
                format!("Bearer {token}")
            }
            Some(Challenge::Basic) => match self.basic() {
                Some(basic) => basic,
                None => return Ok(response),
            },
            None => return Ok(response),
        };
        self.send("GET", &url, accept, Some(&authorization)).await
    }

    /// Fetches a token from the challenge's realm for pulling `scope`.
    async fn token(
        &self,
        realm: &str,
        params: &[(String, String)],
        scope: &str,
    ) -> Result<String, PullError> {
        if !realm.starts_with("http://") && !realm.starts_with("https://") {
            return Err(PullError::Invalid(format!(
                "the upstream's token realm {realm} is not an http or https URL"
            )));
        }
        let mut query: Vec<String> = params
            .iter()
            .filter(|(key, _)| key != "scope")
            .map(|(key, value)| format!("{}={}", percent(key), percent(value)))
            .collect();
        query.push(format!(
            "scope={}",
            percent(&format!("repository:{scope}:pull"))
        ));
        let separator = if realm.contains('?') { '&' } else { '?' };
        let url = format!("{realm}{separator}{}", query.join("&"));
        let response = self
            .send("GET", &url, None, self.basic().as_deref())
            .await?;
        let status = response.status();
        let body = collect(response).await?;
        if !status.is_success() {
            return Err(PullError::Denied(server_message(&body, status.as_u16())));
        }
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        value
            .get("token")
            .or_else(|| value.get("access_token"))
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| PullError::Invalid(format!("the token endpoint {realm} gave no token")))
    }
}

async fn collect(
    response: http::Response<hyper::body::Incoming>,
) -> Result<bytes::Bytes, PullError> {
    response
        .into_body()
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|error| PullError::Invalid(format!("reading the upstream's answer: {error}")))
}

/// `CODE: message` of a registry's `{"errors":[…]}` body, or the status.
fn server_message(body: &[u8], status: u16) -> String {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = value.pointer("/errors/0/code").and_then(Value::as_str);
    let message = value.pointer("/errors/0/message").and_then(Value::as_str);
    match (code, message) {
        (Some(code), Some(message)) => format!("{}: {message}", code.to_ascii_lowercase()),
        (Some(code), None) => code.to_ascii_lowercase(),
        _ => format!("status {status}"),
    }
}

/// Pulls images through an upstream into a [`Registry`] (see the module's docs). Each
/// registry holds its own, made from the kit's `--registry-upstream` when it opens
/// ([`Registry::pull_through`]).
pub struct PullThrough {
    config: UpstreamConfig,
    client: Client,
}

impl std::fmt::Debug for PullThrough {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullThrough")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// This machine's platform, as an index names it.
fn platform() -> (&'static str, &'static str) {
    let architecture = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    ("linux", architecture)
}

impl PullThrough {
    pub fn new(config: UpstreamConfig) -> Self {
        Self {
            client: Client::new(&config),
            config,
        }
    }

    pub fn config(&self) -> &UpstreamConfig {
        &self.config
    }

    /// The repository `image` is cached under: the upstream's authority and its repository.
    fn cache_name(&self, upstream_name: &str) -> String {
        format!("{}/{upstream_name}", self.config.authority)
    }

    fn located(registry: &Arc<Registry>, cache_name: String, digest: &Digest) -> LocatedImage {
        LocatedImage {
            store: Arc::new(RegistryImages {
                registry: registry.clone(),
                namespace: CACHE_NAMESPACE.to_string(),
                name: cache_name,
            }),
            manifest_digest: digest.as_str().to_string(),
        }
    }

    /// Whether this upstream stands for the registry `image` names.
    pub fn serves(&self, image: &str) -> bool {
        self.config.route(image).is_some()
    }

    /// `image`, from `registry`'s cache when it is pinned by a digest the cache holds, else
    /// pulled from the upstream and cached there. `None` when the upstream does not serve its
    /// registry.
    pub async fn pull(
        &self,
        registry: &Arc<Registry>,
        image: &str,
    ) -> Option<Result<LocatedImage, PullError>> {
        let (name, reference) = self.config.route(image)?;
        Some(self.pull_routed(registry, image, &name, &reference).await)
    }

    async fn pull_routed(
        &self,
        registry: &Arc<Registry>,
        image: &str,
        name: &str,
        reference: &str,
    ) -> Result<LocatedImage, PullError> {
        let cache_name = self.cache_name(name);
        let pinned = Digest::parse(reference).ok();
        if reference.contains(':') && pinned.is_none() {
            return Err(PullError::Invalid(format!(
                "invalid reference {image}: unsupported digest"
            )));
        }
        if let Some(digest) = &pinned
            && registry
                .resolve(
                    CACHE_NAMESPACE,
                    &cache_name,
                    &Reference::Digest(digest.clone()),
                )
                .is_some()
        {
            return Ok(Self::located(registry, cache_name, digest));
        }
        let (bytes, media_type) = self
            .manifest(image, name, reference, pinned.as_ref())
            .await?;
        let parsed: Value = serde_json::from_slice(&bytes).map_err(|error| {
            PullError::Invalid(format!("the upstream's manifest for {image}: {error}"))
        })?;
        if let Some(entries) = parsed.get("manifests").and_then(Value::as_array) {
            let (os, architecture) = platform();
            let chosen = entries
                .iter()
                .find(|entry| {
                    entry.pointer("/platform/os").and_then(Value::as_str) == Some(os)
                        && entry.pointer("/platform/architecture").and_then(Value::as_str)
                            == Some(architecture)
                })
                .and_then(|entry| entry.get("digest").and_then(Value::as_str))
                .and_then(|digest| Digest::parse(digest).ok())
                .ok_or_else(|| {
                    PullError::Invalid(format!(
                        "no match for platform in manifest: not found (no {os}/{architecture} entry in {image})"
                    ))
                })?;
            if pinned.is_some() {
                // Only the platform's manifest is fetched, so the index itself cannot be
                // stored byte for byte under its digest.
                return Err(PullError::Invalid(format!(
                    "{image} pins a multi-platform index, which the pull-through cache cannot keep (only the {os}/{architecture} manifest is fetched): pin that manifest's digest, {}",
                    chosen.as_str()
                )));
            }
            let (child, child_type) = self
                .manifest(image, name, chosen.as_str(), Some(&chosen))
                .await?;
            self.store_image(registry, image, &cache_name, name, &child)
                .await?;
            Self::store_manifest(registry, &cache_name, &chosen, &child_type, &child).await?;
            // The tag is cached on an index of the one platform fetched: a stored index
            // references only what its repository holds.
            let single = single_entry_index(&parsed, &chosen, &media_type)?;
            let digest = registry
                .put_manifest(
                    CACHE_NAMESPACE,
                    &cache_name,
                    &Reference::Tag(reference.to_string()),
                    Some(&media_type),
                    &single,
                )
                .await?;
            return Ok(Self::located(registry, cache_name, &digest));
        }
        self.store_image(registry, image, &cache_name, name, &bytes)
            .await?;
        let reference = match &pinned {
            Some(digest) => Reference::Digest(digest.clone()),
            None => Reference::Tag(reference.to_string()),
        };
        let digest = registry
            .put_manifest(
                CACHE_NAMESPACE,
                &cache_name,
                &reference,
                Some(&media_type),
                &bytes,
            )
            .await?;
        Ok(Self::located(registry, cache_name, &digest))
    }

    /// The manifest `reference` of upstream repository `name`, checked against `pinned` (or
    /// the upstream's `Docker-Content-Digest`), and its media type.
    async fn manifest(
        &self,
        image: &str,
        name: &str,
        reference: &str,
        pinned: Option<&Digest>,
    ) -> Result<(bytes::Bytes, String), PullError> {
        let path = format!("/v2/{name}/manifests/{reference}");
        let response = self.client.get(&path, name, Some(ACCEPT)).await?;
        let status = response.status();
        let announced = response
            .headers()
            .get("docker-content-digest")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| Digest::parse(value).ok());
        let media_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(';').next().unwrap_or(value).trim().to_string());
        let body = collect(response).await?;
        match status.as_u16() {
            200 => {}
            404 => return Err(PullError::NotFound(image.to_string())),
            401 | 403 => {
                return Err(PullError::Denied(server_message(&body, status.as_u16())));
            }
            other => {
                return Err(PullError::Status {
                    method: "GET",
                    url: format!("{}{path}", self.client.base),
                    status: other,
                });
            }
        }
        let actual = Digest::of(&body);
        if let Some(expected) = pinned.or(announced.as_ref())
            && *expected != actual
        {
            return Err(PullError::Invalid(format!(
                "manifest verification failed for digest {}",
                expected.as_str()
            )));
        }
        let media_type = match media_type {
            Some(media_type) if media_type != "application/json" => media_type,
            _ => serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|value| value.get("mediaType")?.as_str().map(String::from))
                .unwrap_or_else(|| "application/vnd.oci.image.manifest.v1+json".into()),
        };
        Ok((body, media_type))
    }

    /// Fetches every blob image manifest `bytes` references (those the cache lacks) and links
    /// them into the cached repository.
    async fn store_image(
        &self,
        registry: &Arc<Registry>,
        image: &str,
        cache_name: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), PullError> {
        let manifest: Value = serde_json::from_slice(bytes).map_err(|error| {
            PullError::Invalid(format!("the upstream's manifest for {image}: {error}"))
        })?;
        let descriptors = manifest.get("config").into_iter().chain(
            manifest
                .get("layers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for descriptor in descriptors {
            let digest = descriptor
                .get("digest")
                .and_then(Value::as_str)
                .and_then(|digest| Digest::parse(digest).ok())
                .ok_or_else(|| {
                    PullError::Invalid(format!(
                        "the upstream's manifest for {image} names a blob without a valid digest"
                    ))
                })?;
            if registry
                .blob_size(CACHE_NAMESPACE, cache_name, &digest)
                .is_some()
            {
                continue;
            }
            let size = match registry.blobs().size(&digest) {
                // Content-addressed: a blob pushed or pulled before is the same bytes.
                Some(size) => size,
                None => self.fetch_blob(registry, image, name, &digest).await?,
            };
            registry.link_blob(CACHE_NAMESPACE, cache_name, &digest, size)?;
        }
        Ok(())
    }

    async fn fetch_blob(
        &self,
        registry: &Registry,
        image: &str,
        name: &str,
        digest: &Digest,
    ) -> Result<u64, PullError> {
        let path = format!("/v2/{name}/blobs/{}", digest.as_str());
        let mut response = self.client.get(&path, name, None).await?;
        // Registries may send blobs from elsewhere (a redirect to storage): follow a few.
        for _ in 0..3 {
            if !response.status().is_redirection() {
                break;
            }
            let Some(location) = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(String::from)
            else {
                break;
            };
            let url = if location.starts_with('/') {
                format!("{}{location}", self.client.base)
            } else {
                location
            };
            if !url.starts_with("http://") && !url.starts_with("https://") {
                return Err(PullError::Invalid(format!(
                    "the upstream sends blob {} from {url}, which is not an http or https URL",
                    digest.as_str()
                )));
            }
            response = self.client.send("GET", &url, None, None).await?;
        }
        match response.status().as_u16() {
            200 => {}
            404 => {
                return Err(PullError::Invalid(format!(
                    "failed to copy: httpReadSeeker: failed open: content at {}{path} not found: not found (image {image})",
                    self.client.base
                )));
            }
            status => {
                return Err(PullError::Status {
                    method: "GET",
                    url: format!("{}{path}", self.client.base),
                    status,
                });
            }
        }
        registry
            .blobs()
            .put_stream(Body::new(response.into_body()), digest)
            .await
            .map_err(|error| match error.code {
                super::Code::DigestInvalid => PullError::Invalid(format!(
                    "failed commit on ref \"layer-{}\": unexpected commit digest: the content does not match {}",
                    digest.as_str(),
                    digest.as_str()
                )),
                _ => PullError::Store(error.to_string()),
            })
    }

    /// Stores manifest `bytes` (already checked) in the cache by its digest.
    async fn store_manifest(
        registry: &Registry,
        cache_name: &str,
        digest: &Digest,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<(), PullError> {
        registry
            .put_manifest(
                CACHE_NAMESPACE,
                cache_name,
                &Reference::Digest(digest.clone()),
                Some(media_type),
                bytes,
            )
            .await?;
        Ok(())
    }
}

/// An index holding only the entry for `chosen` (the other platforms are not fetched, and a
/// stored index must reference only what the repository holds).
fn single_entry_index(
    index: &Value,
    chosen: &Digest,
    media_type: &str,
) -> Result<Vec<u8>, PullError> {
    let mut single = index.clone();
    let entries = index
        .get("manifests")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter(|entry| {
                    entry.get("digest").and_then(Value::as_str) == Some(chosen.as_str())
                })
                .cloned()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    single["manifests"] = Value::Array(entries);
    if single.get("mediaType").is_none() {
        single["mediaType"] = Value::String(media_type.to_string());
    }
    serde_json::to_vec(&single).map_err(|error| PullError::Invalid(error.to_string()))
}

#[cfg(test)]
#[path = "upstream_tests.rs"]
mod tests;
