//! The blob service's wire, at each storage account's blob endpoint: by host
//! (`ACCOUNT.blob.core.windows.net`, reached through a proxy or a Host header) or in Azurite's
//! path form (`http(s)://127.0.0.1:4568/ACCOUNT/CONTAINER/BLOB`, which is how clients on this
//! machine reach it: `*.blob.*` names do not resolve here).
//!
//! A request is recognised before its body is read, so blob bodies stream to disk (the kit's
//! `streaming_limit` lets Put Blob and Put Block bodies past the server's small limit). Each
//! request is authenticated as Azure Storage does it (Shared Key with either account key,
//! account and service SAS, bearer tokens from the simulator's Entra ID, anonymous reads of
//! public containers), checked against `x-ms-version`, then handed to `services::blob`.
//! Answers carry Azure's headers (`x-ms-request-id`, `x-ms-version`, `ETag`, `Last-Modified`,
//! `Content-MD5`...) and errors its XML body with the `x-ms-error-code` header.
//!
//! | module | holds |
//! |---|---|
//! | [`auth`] | Shared Key and SAS strings-to-sign, the header collation, signatures |
//! | [`xml`] | listings, block lists, access policies and errors in Azure's XML |

pub mod auth;
pub mod xml;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use simkit::context::RequestContext;

use crate::Azure;
use crate::services::blob::{
    BlobError, BlobHeaders, BlobRecord, Conditions, ContainerRecord, DEV_ACCOUNT, MAX_RESULTS,
    Staged,
};
use auth::SasFields;

/// The version answered when a request names none; the newest the simulator knows.
pub const DEFAULT_VERSION: &str = "2025-11-05";
/// The oldest and newest `x-ms-version` the simulator accepts.
const OLDEST_VERSION: &str = "2009-09-19";
const NEWEST_VERSION: &str = "2026-10-06";
/// Put Blob and Put Block bodies may be this large (Azure's limits: 5000 MiB and 4000 MiB).
pub const BODY_LIMIT: u64 = 5000 * 1024 * 1024;
/// The largest range whose MD5 Azure computes on request.
const RANGE_MD5_LIMIT: u64 = 4 * 1024 * 1024;
/// First segments that are never an account name in the path form: ARM and identity's routes.
const RESERVED: &[&str] = &[
    "subscriptions",
    "tenants",
    "providers",
    "metadata",
    "msi",
    "common",
    "organizations",
    "consumers",
];

/// Which account, container and blob a data-plane request addresses.
#[derive(Debug, Clone)]
pub struct Target {
    pub account: String,
    pub container: Option<String>,
    pub blob: Option<String>,
    /// The URI path as sent, for the Shared Key canonicalized resource.
    raw_path: String,
    /// The account named in the path (Azurite's form) rather than the host.
    path_style: bool,
}

/// Whether a PUT streams its body: Put Blob (`x-ms-blob-type`) and Put Block.
pub fn streams_body(parts: &http::request::Parts) -> bool {
    parts.method == Method::PUT
        && (parts.headers.contains_key("x-ms-blob-type")
            || parts.uri.query().is_some_and(|q| {
                q.split('&')
                    .any(|pair| pair.eq_ignore_ascii_case("comp=block"))
            }))
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// The data-plane target of a request, if it is one.
pub fn target(
    azure: &Azure,
    parts: &http::request::Parts,
    context: &RequestContext,
) -> Option<Target> {
    let raw_path = parts.uri.path().to_string();
    let host = context.host.as_deref().unwrap_or("").to_ascii_lowercase();
    let trimmed = raw_path.trim_start_matches('/');
    let (account, rest, path_style) = match host.split_once(".blob.") {
        Some((account, _)) if crate::services::storage::valid_account_name(account) => {
            (account.to_string(), trimmed, false)
        }
        _ => {
            let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
            let first = decode(first);
            // A storage client's request (x-ms-version, Shared Key, a SAS) for an account that
            // does not exist is the blob service's to refuse, not ARM's.
            let storage_client = parts.headers.contains_key("x-ms-version")
                || parts.uri.query().is_some_and(|q| q.contains("sig="));
            if RESERVED.contains(&first.as_str())
                || !crate::services::storage::valid_account_name(&first)
                || !(first == DEV_ACCOUNT || storage_client || azure.storage.account_exists(&first))
            {
                return None;
            }
            (first, rest, true)
        }
    };
    let (container, blob) = match rest.split_once('/') {
        Some((container, blob)) => (container, Some(blob)),
        None => (rest, None),
    };
    Some(Target {
        account,
        container: (!container.is_empty()).then(|| decode(container)),
        blob: blob.filter(|b| !b.is_empty()).map(decode),
        raw_path,
        path_style,
    })
}

/// One blob-service operation, decided from method, query and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    ListContainers,
    GetAccountInfo,
    CreateContainer,
    GetContainerProperties,
    DeleteContainer,
    SetContainerMetadata,
    GetContainerAcl,
    SetContainerAcl,
    ListBlobs,
    PutBlob,
    CopyBlob,
    PutBlock,
    PutBlockList,
    GetBlockList,
    GetBlob,
    GetBlobProperties,
    DeleteBlob,
    SetBlobMetadata,
    GetBlobMetadata,
    SetBlobProperties,
}

impl Op {
    /// (account SAS resource type, permissions any one of which allows the operation).
    fn needs(self) -> (char, &'static str) {
        use Op::*;
        match self {
            ListContainers => ('s', "l"),
            GetAccountInfo => ('s', "rwdlac"),
            CreateContainer => ('c', "cw"),
            GetContainerProperties | GetContainerAcl => ('c', "r"),
            SetContainerMetadata | SetContainerAcl => ('c', "w"),
            DeleteContainer => ('c', "d"),
            ListBlobs => ('c', "l"),
            PutBlob | CopyBlob | PutBlock | PutBlockList => ('o', "cw"),
            GetBlockList | GetBlob | GetBlobProperties | GetBlobMetadata => ('o', "r"),
            SetBlobMetadata | SetBlobProperties => ('o', "w"),
            DeleteBlob => ('o', "d"),
        }
    }

    fn is_read(self) -> bool {
        use Op::*;
        matches!(
            self,
            GetContainerProperties
                | ListBlobs
                | GetBlockList
                | GetBlob
                | GetBlobProperties
                | GetBlobMetadata
        )
    }
}

/// What a request carried, as the handlers need it.
struct Request<'a> {
    target: Target,
    method: Method,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    context: RequestContext,
    azure: &'a Azure,
}

impl Request<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn account(&self) -> &str {
        &self.target.account
    }

    fn container(&self) -> Result<&str, BlobError> {
        self.target
            .container
            .as_deref()
            .ok_or(BlobError::InvalidResourceName)
    }

    fn blob(&self) -> Result<&str, BlobError> {
        self.target
            .blob
            .as_deref()
            .ok_or(BlobError::InvalidResourceName)
    }

    fn version(&self) -> &str {
        self.header("x-ms-version").unwrap_or(DEFAULT_VERSION)
    }

    /// The endpoint listings name, as the client addressed it.
    fn service_endpoint(&self) -> String {
        let host = self.context.host.as_deref().unwrap_or("127.0.0.1");
        let authority = match self.context.port {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        if self.target.path_style {
            format!(
                "{}://{authority}/{}/",
                self.context.scheme.as_str(),
                self.target.account
            )
        } else {
            format!("{}://{authority}/", self.context.scheme.as_str())
        }
    }

    fn metadata(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter_map(|(name, value)| {
                let name = name.as_str().strip_prefix("x-ms-meta-")?;
                Some((name.to_string(), value.to_str().ok()?.to_string()))
            })
            .collect()
    }

    fn conditions(&self, prefix: &str) -> Result<Conditions, BlobError> {
        let date = |name: &str| -> Result<Option<i64>, BlobError> {
            let header = format!("{prefix}{name}");
            match self.header(&header) {
                None => Ok(None),
                Some(text) => xml::parse_http_date(text).map(Some).ok_or_else(|| {
                    BlobError::InvalidHeaderValue {
                        name: header.clone(),
                        value: text.to_string(),
                    }
                }),
            }
        };
        Ok(Conditions {
            if_match: self
                .header(&format!("{prefix}if-match"))
                .map(str::to_string),
            if_none_match: self
                .header(&format!("{prefix}if-none-match"))
                .map(str::to_string),
            if_modified_since: date("if-modified-since")?,
            if_unmodified_since: date("if-unmodified-since")?,
        })
    }

    /// The properties Put Blob and Put Block List set: `x-ms-blob-*`, or for Put Blob the
    /// standard headers when those are absent.
    fn blob_headers(&self, standard_fallback: bool) -> BlobHeaders {
        let pick = |ms: &str, standard: &str| {
            self.header(ms)
                .or_else(|| standard_fallback.then(|| self.header(standard)).flatten())
                .map(str::to_string)
        };
        BlobHeaders {
            content_type: pick("x-ms-blob-content-type", "content-type"),
            content_encoding: pick("x-ms-blob-content-encoding", "content-encoding"),
            content_language: pick("x-ms-blob-content-language", "content-language"),
            content_disposition: pick("x-ms-blob-content-disposition", "content-disposition"),
            cache_control: pick("x-ms-blob-cache-control", "cache-control"),
            content_md5: self.header("x-ms-blob-content-md5").map(str::to_string),
        }
    }
}

/// Answers a blob data-plane request.
pub async fn handle(
    azure: &Azure,
    target: Target,
    parts: http::request::Parts,
    body: Body,
    context: RequestContext,
) -> Response {
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let request = Request {
        target,
        method: parts.method,
        headers: parts.headers,
        query,
        context,
        azure,
    };
    let head = request.method == Method::HEAD;
    let outcome = match operation(&request) {
        Ok(op) => match authorize(&request, op) {
            Ok(()) => serve(&request, op, body).await,
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => render_error(&error, &request, head),
    };
    common_headers(&mut response, &request);
    response
}

fn common_headers(response: &mut Response, request: &Request<'_>) {
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&request.context.id) {
        headers.insert("x-ms-request-id", id);
    }
    if let Ok(version) = HeaderValue::from_str(request.version()) {
        headers.insert("x-ms-version", version);
    }
    if let Some(client) = request.headers.get("x-ms-client-request-id") {
        headers.insert("x-ms-client-request-id", client.clone());
    }
    if let Ok(date) = HeaderValue::from_str(&xml::http_date(request.azure.kit.clock().now_millis()))
    {
        headers.insert(http::header::DATE, date);
    }
    headers.insert(
        http::header::SERVER,
        HeaderValue::from_static("Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"),
    );
}

fn render_error(error: &BlobError, request: &Request<'_>, head: bool) -> Response {
    let (status, code, message) = error.parts();
    if status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED {
        tracing::error!(code, %message, request_id = %request.context.id, "answering a blob error");
    } else {
        tracing::debug!(code, %message, request_id = %request.context.id, "answering a blob error");
    }
    let body = if head || status == StatusCode::NOT_MODIFIED {
        Body::empty()
    } else {
        Body::from(xml::error_body(
            error,
            &request.context.id,
            request.azure.kit.clock().now_millis(),
        ))
    };
    let mut response = (status, body).into_response();
    simkit::inspector::ResponseNote::error(code).attach(&mut response);
    let headers = response.headers_mut();
    headers.insert("x-ms-error-code", HeaderValue::from_static(code));
    if !head && status != StatusCode::NOT_MODIFIED {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
    }
    match error {
        BlobError::InvalidRange { size } => {
            if let Ok(range) = HeaderValue::from_str(&format!("bytes */{size}")) {
                headers.insert(http::header::CONTENT_RANGE, range);
            }
        }
        BlobError::InvalidAuthenticationInfo { .. } | BlobError::NoAuthenticationInformation => {
            let challenge = format!(
                "Bearer authorization_uri=https://login.microsoftonline.com/{}/oauth2/authorize resource_id=https://storage.azure.com",
                request.azure.identity.tenant_id()
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(http::header::WWW_AUTHENTICATE, value);
            }
        }
        _ => {}
    }
    response
}

/// Which operation a request is, or the service's error for one it is not.
fn operation(request: &Request<'_>) -> Result<Op, BlobError> {
    if let Some(version) = request.header("x-ms-version") {
        let well_formed = version.len() == 10
            && time::Date::parse(
                version,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_ok();
        if !well_formed || !(OLDEST_VERSION..=NEWEST_VERSION).contains(&version) {
            return Err(BlobError::InvalidHeaderValue {
                name: "x-ms-version".into(),
                value: version.to_string(),
            });
        }
    }
    let comp = request.query("comp").map(str::to_ascii_lowercase);
    let restype = request.query("restype").map(str::to_ascii_lowercase);
    let method = &request.method;
    let target = &request.target;
    use Op::*;
    let op = match (&target.container, &target.blob) {
        (None, _) => match (method, restype.as_deref(), comp.as_deref()) {
            (&Method::GET, None, Some("list")) => ListContainers,
            (&Method::GET | &Method::HEAD, Some("account"), Some("properties")) => GetAccountInfo,
            _ => return Err(not_implemented(request)),
        },
        (Some(_), None) => match (method, restype.as_deref(), comp.as_deref()) {
            (&Method::PUT, Some("container"), None) => CreateContainer,
            (&Method::GET | &Method::HEAD, Some("container"), None | Some("metadata")) => {
                GetContainerProperties
            }
            (&Method::DELETE, Some("container"), None) => DeleteContainer,
            (&Method::PUT, Some("container"), Some("metadata")) => SetContainerMetadata,
            (&Method::GET | &Method::HEAD, Some("container"), Some("acl")) => GetContainerAcl,
            (&Method::PUT, Some("container"), Some("acl")) => SetContainerAcl,
            (&Method::GET, Some("container"), Some("list")) => ListBlobs,
            (
                &Method::GET | &Method::HEAD | &Method::PUT | &Method::DELETE,
                Some("container"),
                _,
            ) => {
                return Err(not_implemented(request));
            }
            (&Method::GET | &Method::HEAD | &Method::PUT | &Method::DELETE, Some(_), _) => {
                return Err(BlobError::InvalidQueryParameterValue {
                    name: "restype".into(),
                    value: request.query("restype").unwrap_or("").to_string(),
                });
            }
            // A container path without restype names a blob in `$root`: not served.
            (&Method::GET | &Method::HEAD | &Method::PUT | &Method::DELETE, None, _) => {
                return Err(not_implemented(request));
            }
            _ => return Err(BlobError::UnsupportedHttpVerb),
        },
        (Some(_), Some(_)) => match (method, comp.as_deref()) {
            (&Method::PUT, None) if request.headers.contains_key("x-ms-copy-source") => CopyBlob,
            (&Method::PUT, None) => match request.header("x-ms-blob-type") {
                Some(kind) if kind.eq_ignore_ascii_case("BlockBlob") => PutBlob,
                Some("AppendBlob" | "PageBlob") => return Err(not_implemented(request)),
                Some(other) => {
                    return Err(BlobError::InvalidHeaderValue {
                        name: "x-ms-blob-type".into(),
                        value: other.to_string(),
                    });
                }
                None => {
                    return Err(BlobError::MissingRequiredHeader {
                        name: "x-ms-blob-type".into(),
                    });
                }
            },
            (&Method::PUT, Some("block")) if request.headers.contains_key("x-ms-copy-source") => {
                return Err(not_implemented(request));
            }
            (&Method::PUT, Some("block")) => PutBlock,
            (&Method::PUT, Some("blocklist")) => PutBlockList,
            (&Method::GET, Some("blocklist")) => GetBlockList,
            (&Method::GET, None) => GetBlob,
            (&Method::HEAD, None) => GetBlobProperties,
            (&Method::DELETE, None) => DeleteBlob,
            (&Method::PUT, Some("metadata")) => SetBlobMetadata,
            (&Method::GET | &Method::HEAD, Some("metadata")) => GetBlobMetadata,
            (&Method::PUT, Some("properties")) => SetBlobProperties,
            (&Method::GET | &Method::HEAD | &Method::PUT | &Method::DELETE, _) => {
                return Err(not_implemented(request));
            }
            _ => return Err(BlobError::UnsupportedHttpVerb),
        },
    };
    Ok(op)
}

fn not_implemented(request: &Request<'_>) -> BlobError {
    let query: Vec<String> = request
        .query
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "comp" | "restype"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let blob_type = request
        .header("x-ms-blob-type")
        .map(|t| format!(" (x-ms-blob-type {t})"))
        .unwrap_or_default();
    BlobError::NotImplemented(format!(
        "the blob operation {} {}{}{blob_type}",
        request.method,
        if request.target.blob.is_some() {
            "on a blob"
        } else if request.target.container.is_some() {
            "on a container"
        } else {
            "on the service"
        },
        if query.is_empty() {
            String::new()
        } else {
            format!(" with {}", query.join("&"))
        }
    ))
}

/// Authenticates the request and checks it may do `op`.
fn authorize(request: &Request<'_>, op: Op) -> Result<(), BlobError> {
    let azure = request.azure;
    let account = request.account();
    let keys = azure
        .storage
        .data_plane_keys(account)
        .ok_or(BlobError::ResourceNotFound)?;
    if let Some(header) = request.header("authorization") {
        if request.header("x-ms-version").is_none() {
            return Err(BlobError::MissingRequiredHeader {
                name: "x-ms-version".into(),
            });
        }
        let (scheme, credentials) = header.split_once(' ').unwrap_or((header, ""));
        return match scheme {
            "SharedKey" => check_shared_key(request, credentials.trim(), &keys),
            "Bearer" => check_bearer(request, credentials.trim()),
            other => Err(BlobError::InvalidAuthenticationInfo {
                detail: format!("Authentication scheme {other} is not supported."),
            }),
        };
    }
    if let Some(sas) = SasFields::from_query(&request.query) {
        return check_sas(request, op, &sas, &keys);
    }
    // Anonymous: reads of a public container's blobs, and listings of a `container` one.
    let public = request
        .target
        .container
        .as_deref()
        .and_then(|c| azure.storage.blobs().get_container(account, c).ok())
        .and_then(|c| c.public_access);
    let allowed = matches!(
        (public.as_deref(), op),
        (
            Some("container"),
            Op::ListBlobs | Op::GetContainerProperties
        ) | (
            Some("container" | "blob"),
            Op::GetBlob | Op::GetBlobProperties | Op::GetBlobMetadata
        )
    );
    if allowed {
        Ok(())
    } else if op.is_read() {
        Err(BlobError::ResourceNotFound)
    } else {
        Err(BlobError::NoAuthenticationInformation)
    }
}

fn check_shared_key(
    request: &Request<'_>,
    credentials: &str,
    keys: &[String],
) -> Result<(), BlobError> {
    let (account, signature) =
        credentials
            .split_once(':')
            .ok_or_else(|| BlobError::InvalidAuthenticationInfo {
                detail: "The Authorization header is not in a valid format.".into(),
            })?;
    if account != request.account() {
        return Err(BlobError::AuthenticationFailed {
            detail: format!(
                "The account being accessed ('{}') does not match the account in the Authorization header ('{account}').",
                request.account()
            ),
        });
    }
    // Azurite's path form: clients sign the path with or without the account in it.
    let mut paths = vec![request.target.raw_path.clone()];
    if request.target.path_style
        && let Some(rest) = request.target.raw_path.strip_prefix(&format!("/{account}"))
    {
        paths.push(if rest.is_empty() {
            "/".into()
        } else {
            rest.to_string()
        });
    }
    let mut first = None;
    for path in &paths {
        let text = auth::shared_key_string_to_sign(
            request.method.as_str(),
            &request.headers,
            account,
            path,
            &request.query,
        );
        if keys
            .iter()
            .filter_map(|key| auth::sign(key, &text))
            .any(|computed| auth::same_signature(&computed, signature))
        {
            return Ok(());
        }
        first.get_or_insert(text);
    }
    Err(BlobError::AuthenticationFailed {
        detail: format!(
            "The MAC signature found in the HTTP request '{signature}' is not the same as any computed signature. Server used following string to sign: '{}'.",
            first.unwrap_or_default()
        ),
    })
}

fn check_bearer(request: &Request<'_>, token: &str) -> Result<(), BlobError> {
    let claims = request.azure.identity.verify(token).map_err(|error| {
        let (_, _, message) = error.parts();
        BlobError::InvalidAuthenticationInfo { detail: message }
    })?;
    let audience = claims.aud.trim_end_matches('/');
    let account_audience = format!("https://{}.blob.core.windows.net", request.account());
    if audience != "https://storage.azure.com" && audience != account_audience {
        return Err(BlobError::InvalidAuthenticationInfo {
            detail: "Audience validation failed. Audience did not match.".into(),
        });
    }
    // Role assignments are not simulated yet: every principal of the directory holds
    // Storage Blob Data Owner.
    Ok(())
}

fn check_sas(
    request: &Request<'_>,
    op: Op,
    sas: &SasFields,
    keys: &[String],
) -> Result<(), BlobError> {
    let account = request.account();
    if sas.user_delegation {
        return Err(BlobError::NotImplemented(
            "user delegation SAS (user delegation keys)".into(),
        ));
    }
    let (resource_type, allowed) = op.needs();
    let (text, permissions, start, expiry) = if sas.is_account_sas() {
        if !sas.services.as_deref().unwrap_or("").contains('b') {
            return Err(BlobError::AuthorizationServiceMismatch);
        }
        if !sas
            .resource_types
            .as_deref()
            .unwrap_or("")
            .contains(resource_type)
        {
            return Err(BlobError::AuthorizationResourceTypeMismatch);
        }
        (
            sas.account_string_to_sign(account),
            sas.permissions.clone(),
            sas.start.clone(),
            sas.expiry.clone(),
        )
    } else {
        let container = request.target.container.as_deref().unwrap_or("");
        let resource = match sas.resource.as_deref() {
            Some("c") => format!("/blob/{account}/{container}"),
            Some("b") => format!(
                "/blob/{account}/{container}/{}",
                request.target.blob.as_deref().unwrap_or("")
            ),
            _ => {
                return Err(BlobError::AuthenticationFailed {
                    detail: "The signed resource (sr) is missing or not supported.".into(),
                });
            }
        };
        // A container SAS reaches the container's blobs; a blob SAS that blob only. The
        // service SAS has no service-level operations.
        if resource_type == 's' || (sas.resource.as_deref() == Some("b") && resource_type != 'o') {
            return Err(BlobError::AuthorizationResourceTypeMismatch);
        }
        // A stored access policy supplies what the token leaves out.
        let policy = match &sas.identifier {
            Some(id) => {
                let stored = request
                    .azure
                    .storage
                    .blobs()
                    .get_container(account, container)
                    .ok()
                    .and_then(|c| c.identifiers.into_iter().find(|i| &i.id == id));
                Some(stored.ok_or_else(|| BlobError::AuthenticationFailed {
                    detail: format!("The specified signed identifier '{id}' does not exist."),
                })?)
            }
            None => None,
        };
        let from_policy =
            |field: fn(&crate::services::blob::SignedIdentifier) -> Option<String>| {
                policy.as_ref().and_then(field)
            };
        (
            sas.service_string_to_sign(&resource),
            sas.permissions
                .clone()
                .or_else(|| from_policy(|p| p.permission.clone())),
            sas.start
                .clone()
                .or_else(|| from_policy(|p| p.start.clone())),
            sas.expiry
                .clone()
                .or_else(|| from_policy(|p| p.expiry.clone())),
        )
    };
    if !keys
        .iter()
        .filter_map(|key| auth::sign(key, &text))
        .any(|computed| auth::same_signature(&computed, &sas.signature))
    {
        return Err(BlobError::AuthenticationFailed {
            detail: format!("Signature did not match. String to sign used was {text}"),
        });
    }
    if sas.protocol.as_deref() == Some("https")
        && request.context.scheme != simkit::context::Scheme::Https
    {
        return Err(BlobError::AuthorizationProtocolMismatch);
    }
    let now = request.azure.kit.clock().now_millis() / 1000;
    let parsed_start = start.as_deref().map(auth::parse_sas_time);
    let parsed_expiry = expiry.as_deref().map(auth::parse_sas_time);
    let in_window = match (parsed_start, parsed_expiry) {
        (Some(None), _) | (_, Some(None)) | (_, None) => false,
        (Some(Some(start)), Some(Some(expiry))) => start <= now && now < expiry,
        (None, Some(Some(expiry))) => now < expiry,
    };
    if !in_window {
        return Err(BlobError::AuthenticationFailed {
            detail: format!(
                "Signature not valid in the specified time frame: Start [{}] - Expiry [{}] - Current [{}]",
                start.unwrap_or_default(),
                expiry.unwrap_or_default(),
                xml::http_date(now * 1000)
            ),
        });
    }
    let granted = permissions.unwrap_or_default();
    if !allowed.chars().any(|p| granted.contains(p)) {
        return Err(BlobError::AuthorizationPermissionMismatch);
    }
    Ok(())
}

fn status(status: StatusCode) -> Response {
    (status, Body::empty()).into_response()
}

fn set(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

fn set_metadata(response: &mut Response, metadata: &[(String, String)]) {
    for (name, value) in metadata {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(format!("x-ms-meta-{name}").as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
}

fn etag_headers(response: &mut Response, etag: &str, last_modified_ms: i64) {
    set(response, "etag", etag);
    set(response, "last-modified", &xml::http_date(last_modified_ms));
}

fn xml_response(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

fn container_headers(response: &mut Response, container: &ContainerRecord) {
    etag_headers(response, &container.etag, container.last_modified_ms);
    set_metadata(response, &container.metadata);
    set(response, "x-ms-lease-status", "unlocked");
    set(response, "x-ms-lease-state", "available");
    set(response, "x-ms-has-immutability-policy", "false");
    set(response, "x-ms-has-legal-hold", "false");
    set(
        response,
        "x-ms-default-encryption-scope",
        "$account-encryption-key",
    );
    set(response, "x-ms-deny-encryption-scope-override", "false");
    if let Some(access) = &container.public_access {
        set(response, "x-ms-blob-public-access", access);
    }
}

fn blob_headers(response: &mut Response, blob: &BlobRecord) {
    let headers = &blob.headers;
    etag_headers(response, &blob.etag, blob.last_modified_ms);
    set(
        response,
        "content-type",
        headers
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    for (name, value) in [
        ("content-encoding", &headers.content_encoding),
        ("content-language", &headers.content_language),
        ("content-disposition", &headers.content_disposition),
        ("cache-control", &headers.cache_control),
    ] {
        if let Some(value) = value {
            set(response, name, value);
        }
    }
    set_metadata(response, &blob.metadata);
    set(response, "x-ms-blob-type", "BlockBlob");
    set(
        response,
        "x-ms-creation-time",
        &xml::http_date(blob.created_ms),
    );
    set(response, "x-ms-lease-status", "unlocked");
    set(response, "x-ms-lease-state", "available");
    set(response, "x-ms-server-encrypted", "true");
    set(response, "accept-ranges", "bytes");
    if let Some(copy) = &blob.copy {
        set(response, "x-ms-copy-id", &copy.id);
        set(response, "x-ms-copy-source", &copy.source);
        set(response, "x-ms-copy-status", "success");
        set(
            response,
            "x-ms-copy-progress",
            &format!("{}/{}", copy.size, copy.size),
        );
        set(
            response,
            "x-ms-copy-completion-time",
            &xml::http_date(copy.completed_ms),
        );
    }
}

/// `bytes=START-END` or `bytes=START-`, from `x-ms-range` or `Range`, clipped to `size`.
fn byte_range(request: &Request<'_>, size: u64) -> Result<Option<(u64, u64)>, BlobError> {
    let Some(text) = request
        .header("x-ms-range")
        .or_else(|| request.header("range"))
    else {
        return Ok(None);
    };
    let Some(spec) = text.trim().strip_prefix("bytes=") else {
        // Azure ignores a Range it cannot read and answers the whole blob.
        return Ok(None);
    };
    let Some((start, end)) = spec.split_once('-') else {
        return Ok(None);
    };
    let Ok(start) = start.trim().parse::<u64>() else {
        return Ok(None);
    };
    let end = match end.trim() {
        "" => None,
        end => match end.parse::<u64>() {
            Ok(end) if end >= start => Some(end),
            _ => return Ok(None),
        },
    };
    if start >= size {
        return Err(BlobError::InvalidRange { size });
    }
    let end = end.map_or(size - 1, |end| end.min(size - 1));
    Ok(Some((start, end)))
}

/// Streams a request body into a new incoming file, digesting it; checks `Content-MD5`.
async fn receive(request: &Request<'_>, body: Body) -> Result<Staged, BlobError> {
    let blobs = request.azure.storage.blobs();
    let account = request.account();
    let id = blobs.new_file_id();
    let (sender, chunks) = tokio::sync::mpsc::channel(16);
    let writer = blobs.files().write_incoming(account, &id, chunks);
    let mut stream = body.into_data_stream();
    let outcome: Result<(), BlobError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| {
                let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
                while let Some(current) = source {
                    if current.is::<http_body_util::LengthLimitError>() {
                        return BlobError::RequestBodyTooLarge;
                    }
                    source = current.source();
                }
                tracing::debug!(%error, "reading a blob body failed");
                BlobError::InvalidHeaderValue {
                    name: "Content-Length".into(),
                    value: request.header("content-length").unwrap_or("").to_string(),
                }
            })?;
            if sender.send(chunk).await.is_err() {
                // The writer stopped: its error is reported below.
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(sender);
    let written = match writer.await {
        Ok(written) => written.map_err(BlobError::from),
        Err(error) => {
            tracing::error!(%error, "the blob writer thread failed");
            Err(BlobError::from(std::io::Error::other(
                "the blob writer failed",
            )))
        }
    };
    let digests = match outcome.and(written) {
        Ok(digests) => digests,
        Err(error) => {
            blobs.files().remove_incoming(account, &id);
            return Err(error);
        }
    };
    if let Some(sent) = request.header("content-md5")
        && sent != digests.md5
    {
        blobs.files().remove_incoming(account, &id);
        return Err(BlobError::Md5Mismatch {
            sent: sent.to_string(),
            computed: digests.md5,
        });
    }
    Ok(Staged { id, digests })
}

/// Reads a small body (block lists, access policies) under the server's limit.
async fn small_body(request: &Request<'_>, body: Body) -> Result<bytes::Bytes, BlobError> {
    simkit::body::collect(body, request.azure.kit.body_limit())
        .await
        .map_err(|error| match error {
            simkit::body::BodyError::TooLarge { .. } => BlobError::RequestBodyTooLarge,
            simkit::body::BodyError::Read(_) => BlobError::InvalidXmlDocument,
        })
}

fn max_results(request: &Request<'_>) -> Result<Option<usize>, BlobError> {
    match request.query("maxresults") {
        None => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_RESULTS).contains(&n) => Ok(Some(n)),
            Ok(_) => Err(BlobError::OutOfRangeInput),
            Err(_) => Err(BlobError::InvalidQueryParameterValue {
                name: "maxresults".into(),
                value: text.to_string(),
            }),
        },
    }
}

fn includes(request: &Request<'_>, what: &str) -> bool {
    request.query("include").is_some_and(|list| {
        list.split(',')
            .any(|item| item.trim().eq_ignore_ascii_case(what))
    })
}

async fn serve(request: &Request<'_>, op: Op, body: Body) -> Result<Response, BlobError> {
    let blobs = request.azure.storage.blobs();
    let account = request.account();
    let created = |etag: &str, last_modified_ms: i64| {
        let mut response = status(StatusCode::CREATED);
        etag_headers(&mut response, etag, last_modified_ms);
        response
    };
    match op {
        Op::GetAccountInfo => {
            let mut response = status(StatusCode::OK);
            set(&mut response, "x-ms-sku-name", "Standard_LRS");
            set(&mut response, "x-ms-account-kind", "StorageV2");
            set(&mut response, "x-ms-is-hns-enabled", "false");
            Ok(response)
        }
        Op::ListContainers => {
            let max = max_results(request)?;
            let prefix = request.query("prefix").unwrap_or("");
            let marker = request.query("marker").filter(|m| !m.is_empty());
            let page = blobs.list_containers(account, prefix, marker, max.unwrap_or(MAX_RESULTS));
            let endpoint = request.service_endpoint();
            Ok(xml_response(xml::container_list(
                &page,
                &xml::ListingQuery {
                    service_endpoint: &endpoint,
                    prefix,
                    marker,
                    max_results: max,
                    delimiter: None,
                    include_metadata: includes(request, "metadata"),
                },
            )))
        }
        Op::CreateContainer => {
            let access = match request.header("x-ms-blob-public-access") {
                None => None,
                Some(access @ ("container" | "blob")) => Some(access.to_string()),
                Some(other) => {
                    return Err(BlobError::InvalidHeaderValue {
                        name: "x-ms-blob-public-access".into(),
                        value: other.to_string(),
                    });
                }
            };
            let container = blobs.create_container(
                account,
                request.container()?,
                request.metadata(),
                access,
            )?;
            Ok(created(&container.etag, container.last_modified_ms))
        }
        Op::GetContainerProperties => {
            let container = blobs.get_container(account, request.container()?)?;
            let mut response = status(StatusCode::OK);
            container_headers(&mut response, &container);
            Ok(response)
        }
        Op::DeleteContainer => {
            blobs.delete_container(account, request.container()?, &request.conditions("")?)?;
            Ok(status(StatusCode::ACCEPTED))
        }
        Op::SetContainerMetadata => {
            let container = blobs.set_container_metadata(
                account,
                request.container()?,
                request.metadata(),
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::OK);
            etag_headers(&mut response, &container.etag, container.last_modified_ms);
            Ok(response)
        }
        Op::GetContainerAcl => {
            let container = blobs.get_container(account, request.container()?)?;
            let mut response = xml_response(xml::signed_identifiers(&container.identifiers));
            etag_headers(&mut response, &container.etag, container.last_modified_ms);
            if let Some(access) = &container.public_access {
                set(&mut response, "x-ms-blob-public-access", access);
            }
            Ok(response)
        }
        Op::SetContainerAcl => {
            let access = match request.header("x-ms-blob-public-access") {
                None | Some("") => None,
                Some(access @ ("container" | "blob")) => Some(access.to_string()),
                Some(other) => {
                    return Err(BlobError::InvalidHeaderValue {
                        name: "x-ms-blob-public-access".into(),
                        value: other.to_string(),
                    });
                }
            };
            let body = small_body(request, body).await?;
            let identifiers = xml::parse_signed_identifiers(&body)?;
            let container = blobs.set_container_acl(
                account,
                request.container()?,
                access,
                identifiers,
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::OK);
            etag_headers(&mut response, &container.etag, container.last_modified_ms);
            Ok(response)
        }
        Op::ListBlobs => {
            let max = max_results(request)?;
            let prefix = request.query("prefix").unwrap_or("");
            let marker = request.query("marker").filter(|m| !m.is_empty());
            let delimiter = request.query("delimiter").filter(|d| !d.is_empty());
            let container = request.container()?;
            let page = blobs.list_blobs(
                account,
                container,
                prefix,
                delimiter,
                marker,
                max.unwrap_or(MAX_RESULTS),
            )?;
            let endpoint = request.service_endpoint();
            Ok(xml_response(xml::blob_list(
                container,
                &page,
                &xml::ListingQuery {
                    service_endpoint: &endpoint,
                    prefix,
                    marker,
                    max_results: max,
                    delimiter,
                    include_metadata: includes(request, "metadata"),
                },
            )))
        }
        Op::PutBlob => {
            let conditions = request.conditions("")?;
            let (container, blob) = (request.container()?, request.blob()?);
            // Refuse before the body is read where the outcome is already known.
            blobs.get_container(account, container)?;
            let staged = receive(request, body).await?;
            let md5 = staged.digests.md5.clone();
            let record = blobs.put_blob(
                account,
                container,
                blob,
                staged,
                request.blob_headers(true),
                request.metadata(),
                &conditions,
            )?;
            let mut response = created(&record.etag, record.last_modified_ms);
            set(&mut response, "content-md5", &md5);
            set(&mut response, "x-ms-request-server-encrypted", "true");
            Ok(response)
        }
        Op::PutBlock => {
            let block_id = request
                .query("blockid")
                .ok_or_else(|| BlobError::InvalidQueryParameterValue {
                    name: "blockid".into(),
                    value: String::new(),
                })?
                .to_string();
            let (container, blob) = (request.container()?, request.blob()?);
            blobs.get_container(account, container)?;
            let staged = receive(request, body).await?;
            let md5 = staged.digests.md5.clone();
            blobs.stage_block(account, container, blob, &block_id, staged)?;
            let mut response = status(StatusCode::CREATED);
            set(&mut response, "content-md5", &md5);
            set(&mut response, "x-ms-request-server-encrypted", "true");
            Ok(response)
        }
        Op::PutBlockList => {
            let conditions = request.conditions("")?;
            let body = small_body(request, body).await?;
            let list = xml::parse_block_list(&body)?;
            let record = blobs.commit_block_list(
                account,
                request.container()?,
                request.blob()?,
                &list,
                request.blob_headers(false),
                request.metadata(),
                &conditions,
            )?;
            let mut response = created(&record.etag, record.last_modified_ms);
            set(&mut response, "x-ms-request-server-encrypted", "true");
            Ok(response)
        }
        Op::GetBlockList => {
            let which = request
                .query("blocklisttype")
                .unwrap_or("committed")
                .to_ascii_lowercase();
            let (committed, uncommitted) = match which.as_str() {
                "committed" => (true, false),
                "uncommitted" => (false, true),
                "all" => (true, true),
                _ => {
                    return Err(BlobError::InvalidQueryParameterValue {
                        name: "blocklisttype".into(),
                        value: which,
                    });
                }
            };
            let (current, staged) =
                blobs.get_block_list(account, request.container()?, request.blob()?)?;
            let committed_blocks = current
                .as_ref()
                .map(|c| c.blocks.clone())
                .unwrap_or_default();
            let mut response = xml_response(xml::block_list(
                committed.then_some(committed_blocks.as_slice()),
                uncommitted.then_some(staged.as_slice()),
            ));
            if let Some(current) = &current {
                etag_headers(&mut response, &current.etag, current.last_modified_ms);
                set(
                    &mut response,
                    "x-ms-blob-content-length",
                    &current.size.to_string(),
                );
            }
            Ok(response)
        }
        Op::GetBlob => get_blob(request).await,
        Op::GetBlobProperties => {
            let record = blobs.get_blob(
                account,
                request.container()?,
                request.blob()?,
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::OK);
            blob_headers(&mut response, &record);
            set(&mut response, "content-length", &record.size.to_string());
            if let Some(md5) = &record.headers.content_md5 {
                set(&mut response, "content-md5", md5);
            }
            set(&mut response, "x-ms-access-tier", "Hot");
            set(&mut response, "x-ms-access-tier-inferred", "true");
            Ok(response)
        }
        Op::GetBlobMetadata => {
            let record = blobs.get_blob(
                account,
                request.container()?,
                request.blob()?,
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::OK);
            etag_headers(&mut response, &record.etag, record.last_modified_ms);
            set_metadata(&mut response, &record.metadata);
            Ok(response)
        }
        Op::DeleteBlob => {
            if request.header("x-ms-delete-snapshots").is_some()
                || request.query("snapshot").is_some()
            {
                return Err(not_implemented(request));
            }
            blobs.delete_blob(
                account,
                request.container()?,
                request.blob()?,
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::ACCEPTED);
            set(&mut response, "x-ms-delete-type-permanent", "true");
            Ok(response)
        }
        Op::SetBlobMetadata => {
            let record = blobs.set_blob_metadata(
                account,
                request.container()?,
                request.blob()?,
                request.metadata(),
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::OK);
            etag_headers(&mut response, &record.etag, record.last_modified_ms);
            set(&mut response, "x-ms-request-server-encrypted", "true");
            Ok(response)
        }
        Op::SetBlobProperties => {
            let record = blobs.set_blob_properties(
                account,
                request.container()?,
                request.blob()?,
                request.blob_headers(false),
                &request.conditions("")?,
            )?;
            let mut response = status(StatusCode::OK);
            etag_headers(&mut response, &record.etag, record.last_modified_ms);
            Ok(response)
        }
        Op::CopyBlob => copy_blob(request).await,
    }
}

async fn get_blob(request: &Request<'_>) -> Result<Response, BlobError> {
    let blobs = request.azure.storage.blobs();
    let account = request.account();
    let record = blobs.get_blob(
        account,
        request.container()?,
        request.blob()?,
        &request.conditions("")?,
    )?;
    let range = byte_range(request, record.size)?;
    let want_range_md5 = request
        .header("x-ms-range-get-content-md5")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let (offset, length) = match range {
        Some((start, end)) => (start, end - start + 1),
        None => (0, record.size),
    };
    if want_range_md5 && (range.is_none() || length > RANGE_MD5_LIMIT) {
        return Err(BlobError::OutOfRangeInput);
    }
    let chunks = blobs
        .files()
        .read_chunks(account, &record.file, offset, length)?;
    let stream = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    });
    let code = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = (code, Body::from_stream(stream)).into_response();
    blob_headers(&mut response, &record);
    set(&mut response, "content-length", &length.to_string());
    match range {
        Some((start, end)) => {
            set(
                &mut response,
                "content-range",
                &format!("bytes {start}-{end}/{}", record.size),
            );
            if let Some(md5) = &record.headers.content_md5 {
                set(&mut response, "x-ms-blob-content-md5", md5);
            }
            if want_range_md5 {
                let md5 = blobs
                    .files()
                    .md5_of_range(account, &record.file, offset, length)?;
                set(&mut response, "content-md5", &md5);
            }
        }
        None => {
            if let Some(md5) = &record.headers.content_md5 {
                set(&mut response, "content-md5", md5);
            }
        }
    }
    Ok(response)
}

/// Copy Blob (and Copy Blob From URL, `x-ms-requires-sync`) from a blob this simulator holds.
/// The source is authorised as Azure does within an account: the same account, or a SAS in
/// the source URL.
async fn copy_blob(request: &Request<'_>) -> Result<Response, BlobError> {
    let source_url = request.header("x-ms-copy-source").unwrap_or("").to_string();
    let uri: http::Uri = source_url
        .parse()
        .map_err(|_| BlobError::InvalidHeaderValue {
            name: "x-ms-copy-source".into(),
            value: source_url.clone(),
        })?;
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    let path = uri.path().trim_start_matches('/');
    let mut parts: Vec<String> = Vec::new();
    if let Some((account, _)) = host.split_once(".blob.") {
        parts.push(account.to_string());
        parts.extend(path.splitn(2, '/').map(decode));
    } else {
        parts.extend(path.splitn(3, '/').map(decode));
    }
    let [source_account, source_container, source_blob] = parts.as_slice() else {
        return Err(BlobError::CannotVerifyCopySource);
    };
    if source_account != request.account() {
        let query: Vec<(String, String)> = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let keys = request
            .azure
            .storage
            .data_plane_keys(source_account)
            .ok_or(BlobError::CannotVerifyCopySource)?;
        let sas = SasFields::from_query(&query).ok_or(BlobError::CannotVerifyCopySource)?;
        let source_request = Request {
            target: Target {
                account: source_account.clone(),
                container: Some(source_container.clone()),
                blob: Some(source_blob.clone()),
                raw_path: uri.path().to_string(),
                path_style: !host.contains(".blob."),
            },
            method: Method::GET,
            headers: HeaderMap::new(),
            query,
            context: request.context.clone(),
            azure: request.azure,
        };
        check_sas(&source_request, Op::GetBlob, &sas, &keys)
            .map_err(|_| BlobError::CannotVerifyCopySource)?;
    }
    let metadata = request.metadata();
    let record = request.azure.storage.blobs().copy_blob(
        (source_account, source_container, source_blob),
        &source_url,
        request.account(),
        request.container()?,
        request.blob()?,
        (!metadata.is_empty()).then_some(metadata),
        &request.conditions("")?,
    )?;
    let mut response = status(StatusCode::ACCEPTED);
    etag_headers(&mut response, &record.etag, record.last_modified_ms);
    if let Some(copy) = &record.copy {
        set(&mut response, "x-ms-copy-id", &copy.id);
    }
    set(&mut response, "x-ms-copy-status", "success");
    Ok(response)
}
