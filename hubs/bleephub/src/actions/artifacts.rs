//! Workflow artifacts as `actions/upload-artifact@v4` and `download-artifact@v4` (the toolkit's
//! `@actions/artifact`) store and fetch them, and as the REST API and `gh run download` show
//! them.
//!
//! - **The results service** (`POST /twirp/github.actions.results.api.v1.ArtifactService/M`,
//!   at the origin of `ACTIONS_RESULTS_URL`, which the job message gives as the
//!   `SystemVssConnection`'s `ResultsServiceUrl`): `CreateArtifact`, `FinalizeArtifact`,
//!   `ListArtifacts`, `GetSignedArtifactURL`, `DeleteArtifact`, JSON with the proto's field
//!   names, Twirp's `{"code","msg"}` errors. The caller is the job whose access token it
//!   presents; the token's `Actions.Results:RUN:JOB` scope names the backend IDs, and a
//!   request naming other IDs is refused.
//! - **Blob storage** (`/_results/blobs/REPO/ID?se=…&sig=…&sp=…`): the signed URLs the service
//!   hands out, answering as Azure Blob Storage does to the Azure SDK: Put Block
//!   (`comp=block&blockid=`), Put Block List (`comp=blocklist`) and Put Blob for uploads,
//!   GET for downloads, `AuthenticationFailed` for a bad or expired signature.
//! - **REST**: `…/actions/artifacts`, `…/actions/runs/{id}/artifacts`, `…/artifacts/{id}`
//!   (get, delete) and `…/artifacts/{id}/zip` (302 to a signed download URL).
//!
//! An artifact's bytes live in `files/github-artifacts/ID` (blocks being staged in
//! `ID.blocks/`), its record in `github.actions.artifacts` (`repoID/artifactID`). Artifacts
//! appear in listings once finalized, as on GitHub.
//!
//! What this module must not do: read the clock (the request's time is passed in), or use a
//! block ID or an artifact name as a path (block files are named by their hex).

use std::path::PathBuf;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use simkit::store::{Collection, StoreError};

use super::model::{JobRecord, RunRecord};
use super::runner::token::Grant;
use crate::Hub;
use crate::render::{Urls, node_id, timestamp};

/// The Twirp service `@actions/artifact` calls.
pub const SERVICE: &str = "github.actions.results.api.v1.ArtifactService";
/// How long a signed blob URL lives (GitHub's upload and download URLs last minutes).
const BLOB_URL_MILLIS: i64 = 10 * 60_000;
/// How long an artifact is kept when the upload names no retention (GitHub's default).
const RETENTION_MILLIS: i64 = 90 * 24 * 3_600_000;

/// One artifact of a workflow run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    pub id: u64,
    pub repo_id: u64,
    pub run_id: u64,
    /// The job that uploaded it.
    pub job_id: u64,
    pub name: String,
    pub mime_type: String,
    pub size: u64,
    /// `sha256:HEX` of the uploaded bytes.
    pub digest: Option<String>,
    pub finalized: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
}

pub fn open(kit: &simkit::Kit) -> Result<Arc<Collection<ArtifactRecord>>, StoreError> {
    kit.store().collection("github.actions.artifacts")
}

fn key(repo_id: u64, id: u64) -> String {
    crate::model::repo_record_key(repo_id, id)
}

fn files(hub: &Hub) -> PathBuf {
    hub.kit.files_dir().join("github-artifacts")
}

/// Removes every artifact's bytes (a reset empties the records).
pub fn clear_files(kit: &simkit::Kit) {
    crate::model::remove_files_dir(kit, "github-artifacts");
}

/// The backend IDs the results service knows a run and a job by (UUID-shaped, as GitHub's).
pub fn run_backend_id(repo_id: u64, run_id: u64) -> String {
    format!("{repo_id:08x}-0000-4000-8000-{run_id:012x}")
}

pub fn job_backend_id(job_id: u64) -> String {
    format!("00000000-0000-5000-8000-{job_id:012x}")
}

/// The scope a job's access token carries, which `@actions/artifact` reads the IDs from.
pub fn results_scope(repo_id: u64, run_id: u64, job_id: u64) -> String {
    format!(
        "Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:{}:{}",
        run_backend_id(repo_id, run_id),
        job_backend_id(job_id)
    )
}

/// A Twirp error: its code, HTTP status and message.
#[derive(Debug)]
pub(crate) struct TwirpError {
    code: &'static str,
    status: StatusCode,
    msg: String,
}

impl TwirpError {
    pub(crate) fn new(code: &'static str, msg: impl Into<String>) -> Self {
        let status = match code {
            "invalid_argument" | "malformed" | "out_of_range" => StatusCode::BAD_REQUEST,
            "unauthenticated" => StatusCode::UNAUTHORIZED,
            "permission_denied" => StatusCode::FORBIDDEN,
            "not_found" | "bad_route" => StatusCode::NOT_FOUND,
            "already_exists" | "aborted" => StatusCode::CONFLICT,
            "failed_precondition" => StatusCode::PRECONDITION_FAILED,
            "unimplemented" => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self {
            code,
            status,
            msg: msg.into(),
        }
    }

    pub(crate) fn into_response(self) -> Response {
        (
            self.status,
            [(http::header::CONTENT_TYPE, "application/json")],
            json!({"code": self.code, "msg": self.msg}).to_string(),
        )
            .into_response()
    }
}

/// The HTTP answer to a Twirp call: its JSON result, or its error.
pub(crate) fn twirp_response(answer: Result<Value, TwirpError>) -> Response {
    match answer {
        Ok(value) => (
            StatusCode::OK,
            [(http::header::CONTENT_TYPE, "application/json")],
            value.to_string(),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// `Ok` when `method` is one of `methods`, which `service` serves; else Twirp's `bad_route`.
pub(crate) fn known_method(
    service: &str,
    method: &str,
    methods: &[&str],
) -> Result<(), TwirpError> {
    if methods.contains(&method) {
        return Ok(());
    }
    Err(TwirpError::new(
        "bad_route",
        format!("no handler for path \"/twirp/{service}/{method}\""),
    ))
}

/// A Twirp request body as JSON, else Twirp's `malformed`.
pub(crate) fn decode(body: &[u8]) -> Result<Value, TwirpError> {
    serde_json::from_slice(body).map_err(|e| {
        TwirpError::new(
            "malformed",
            format!("the json request could not be decoded: {e}"),
        )
    })
}

impl From<StoreError> for TwirpError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "artifacts store");
        TwirpError::new("internal", "internal error")
    }
}

/// Twirp's answer for a service or method this hub does not serve.
pub fn bad_route(path: &str) -> Response {
    TwirpError::new(
        "bad_route",
        format!("no handler for path \"/twirp/{path}\""),
    )
    .into_response()
}

/// The job a results-service call acts for, from its bearer token.
pub(crate) struct Caller {
    pub job: JobRecord,
    pub run: RunRecord,
}

pub(crate) fn caller(
    hub: &Hub,
    authorization: Option<&str>,
    now: i64,
) -> Result<Caller, TwirpError> {
    let unauthenticated = || TwirpError::new("unauthenticated", "invalid or missing token");
    let token = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(unauthenticated)?;
    let Some(Grant::Job { request_id }) = hub.actions.runner.verify(token.trim(), now / 1000)
    else {
        return Err(unauthenticated());
    };
    let request = hub
        .actions
        .runner
        .records
        .request(request_id)
        .filter(|r| !r.completed)
        .ok_or_else(unauthenticated)?;
    let records = &hub.actions.records;
    let job = records
        .job(request.repo_id, request.job_id)
        .ok_or_else(unauthenticated)?;
    let run = records
        .run(request.repo_id, request.run_id)
        .ok_or_else(unauthenticated)?;
    Ok(Caller { job, run })
}

/// The request's backend IDs must be the caller's run, and the caller's job for an upload;
/// reads name the job that uploaded the artifact (`download-artifact` sends the IDs
/// `ListArtifacts` answered), which may be any job of the run.
fn check_ids(hub: &Hub, caller: &Caller, body: &Value, own_job: bool) -> Result<(), TwirpError> {
    let run_id = body["workflow_run_backend_id"].as_str().unwrap_or_default();
    let job_id = body["workflow_job_run_backend_id"]
        .as_str()
        .unwrap_or_default();
    if run_id.is_empty() || job_id.is_empty() {
        return Err(TwirpError::new(
            "invalid_argument",
            "workflow_run_backend_id and workflow_job_run_backend_id are required",
        ));
    }
    let job_of_run = || {
        hub.actions
            .records
            .jobs_of(caller.run.repo_id, caller.run.id, None)
            .iter()
            .any(|j| job_backend_id(j.id) == job_id)
    };
    let job_allowed = job_id == job_backend_id(caller.job.id) || (!own_job && job_of_run());
    if run_id != run_backend_id(caller.run.repo_id, caller.run.id) || !job_allowed {
        return Err(TwirpError::new(
            "permission_denied",
            "the token does not grant access to this workflow run",
        ));
    }
    Ok(())
}

fn of_run(hub: &Hub, repo_id: u64, run_id: u64) -> Vec<ArtifactRecord> {
    hub.actions
        .artifacts
        .scan_prefix(&crate::model::repo_prefix(repo_id))
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.run_id == run_id)
        .collect()
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field].as_str().unwrap_or_default()
}

/// `POST /twirp/…ArtifactService/{method}`.
pub fn serve_twirp(
    hub: &Hub,
    method: &str,
    authorization: Option<&str>,
    body: &[u8],
    urls: &Urls,
    now: i64,
) -> Response {
    twirp_response(twirp(hub, method, authorization, body, urls, now))
}

fn twirp(
    hub: &Hub,
    method: &str,
    authorization: Option<&str>,
    body: &[u8],
    urls: &Urls,
    now: i64,
) -> Result<Value, TwirpError> {
    known_method(
        SERVICE,
        method,
        &[
            "CreateArtifact",
            "FinalizeArtifact",
            "ListArtifacts",
            "GetSignedArtifactURL",
            "DeleteArtifact",
            "MigrateArtifact",
            "FinalizeMigratedArtifact",
        ],
    )?;
    let caller = caller(hub, authorization, now)?;
    let body = decode(body)?;
    check_ids(
        hub,
        &caller,
        &body,
        matches!(method, "CreateArtifact" | "FinalizeArtifact"),
    )?;
    let (repo_id, run_id) = (caller.run.repo_id, caller.run.id);
    let collection = &hub.actions.artifacts;
    let by_name = |name: &str, finalized: bool| {
        of_run(hub, repo_id, run_id)
            .into_iter()
            .find(|a| a.name == name && a.finalized == finalized)
    };
    match method {
        "CreateArtifact" => {
            let name = text(&body, "name");
            validate_name(name)?;
            if body["version"].as_u64().unwrap_or(0) < 4 {
                return Err(TwirpError::new(
                    "invalid_argument",
                    "artifact version must be 4 or later",
                ));
            }
            if by_name(name, true).is_some() {
                return Err(TwirpError::new(
                    "already_exists",
                    "an artifact with this name already exists on the workflow run",
                ));
            }
            let expires_at = match body["expires_at"].as_str() {
                Some(stamp) => parse_time(stamp).ok_or_else(|| {
                    TwirpError::new("invalid_argument", "expires_at is not a timestamp")
                })?,
                None => now + RETENTION_MILLIS,
            };
            let mime_type = body["mime_type"]
                .as_str()
                .unwrap_or("application/zip")
                .to_string();
            // An unfinalized artifact of that name (an upload that failed half way) is
            // replaced, as a retried upload-artifact step expects.
            if let Some(stale) = by_name(name, false) {
                collection.remove(&key(repo_id, stale.id))?;
                remove_files(hub, stale.id);
            }
            let state = &hub.state;
            let record = state.store.transaction(|txn| {
                let id = crate::model::next_id(txn, &state.counters, "artifact")?;
                let record = ArtifactRecord {
                    id,
                    repo_id,
                    run_id,
                    job_id: caller.job.id,
                    name: name.to_string(),
                    mime_type,
                    size: 0,
                    digest: None,
                    finalized: false,
                    created_at: now,
                    updated_at: now,
                    expires_at,
                };
                txn.insert(collection, &key(repo_id, id), record.clone())?;
                Ok::<_, TwirpError>(record)
            })?;
            Ok(json!({
                "ok": true,
                "signed_upload_url": blob_url(hub, urls, &record, "w", now),
            }))
        }
        "FinalizeArtifact" => {
            let name = text(&body, "name");
            let Some(mut record) = by_name(name, false) else {
                return Err(TwirpError::new(
                    "not_found",
                    format!("no artifact named {name} is being uploaded on this workflow run"),
                ));
            };
            let path = files(hub).join(record.id.to_string());
            let bytes = std::fs::read(&path).map_err(|_| {
                TwirpError::new(
                    "failed_precondition",
                    "the artifact's blob was not uploaded",
                )
            })?;
            let size: u64 = text(&body, "size").parse().unwrap_or(0);
            if size != bytes.len() as u64 {
                return Err(TwirpError::new(
                    "invalid_argument",
                    format!(
                        "size {size} does not match the uploaded blob's {} bytes",
                        bytes.len()
                    ),
                ));
            }
            let digest = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
            if let Some(claimed) = body["hash"].as_str()
                && claimed != digest
            {
                return Err(TwirpError::new(
                    "invalid_argument",
                    "hash does not match the uploaded blob",
                ));
            }
            record.size = size;
            record.digest = Some(digest);
            record.finalized = true;
            record.updated_at = now;
            collection.insert(&key(repo_id, record.id), record.clone())?;
            Ok(json!({"ok": true, "artifact_id": record.id.to_string()}))
        }
        "ListArtifacts" => {
            let name = body["name_filter"].as_str();
            let id: Option<u64> = match &body["id_filter"] {
                Value::Null => None,
                Value::String(s) => Some(s.parse().map_err(|_| {
                    TwirpError::new("invalid_argument", "id_filter is not an integer")
                })?),
                other => other.as_u64(),
            };
            let artifacts: Vec<Value> = of_run(hub, repo_id, run_id)
                .into_iter()
                .filter(|a| a.finalized && a.expires_at > now)
                .filter(|a| name.is_none_or(|n| a.name == n))
                .filter(|a| id.is_none_or(|i| a.id == i))
                .map(|a| {
                    json!({
                        "workflow_run_backend_id": run_backend_id(a.repo_id, a.run_id),
                        "workflow_job_run_backend_id": job_backend_id(a.job_id),
                        "database_id": a.id.to_string(),
                        "name": a.name,
                        "size": a.size.to_string(),
                        "created_at": timestamp(a.created_at),
                        "digest": a.digest,
                    })
                })
                .collect();
            Ok(json!({"artifacts": artifacts}))
        }
        "GetSignedArtifactURL" => {
            let name = text(&body, "name");
            let record = by_name(name, true)
                .filter(|a| a.expires_at > now)
                .ok_or_else(|| TwirpError::new("not_found", "artifact not found"))?;
            Ok(json!({"signed_url": blob_url(hub, urls, &record, "r", now)}))
        }
        "DeleteArtifact" => {
            let name = text(&body, "name");
            let record = by_name(name, true)
                .ok_or_else(|| TwirpError::new("not_found", "artifact not found"))?;
            collection.remove(&key(repo_id, record.id))?;
            remove_files(hub, record.id);
            Ok(json!({"ok": true, "artifact_id": record.id.to_string()}))
        }
        _ => Err(TwirpError::new(
            "unimplemented",
            format!("{method} is not implemented by this results service"),
        )),
    }
}

/// GitHub's rules for artifact names (`@actions/artifact` checks the same characters first).
fn validate_name(name: &str) -> Result<(), TwirpError> {
    const INVALID: &[char] = &['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];
    if name.trim().is_empty() {
        return Err(TwirpError::new("invalid_argument", "name is required"));
    }
    if let Some(c) = name.chars().find(|c| INVALID.contains(c)) {
        return Err(TwirpError::new(
            "invalid_argument",
            format!("the artifact name contains an invalid character {c:?}"),
        ));
    }
    Ok(())
}

fn parse_time(stamp: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn remove_files(hub: &Hub, id: u64) {
    let dir = files(hub);
    let _ = std::fs::remove_file(dir.join(id.to_string()));
    let _ = std::fs::remove_dir_all(dir.join(format!("{id}.blocks")));
}

fn signature(hub: &Hub, permission: &str, repo_id: u64, id: u64, expires: i64) -> String {
    let mut digest = Sha256::new();
    digest.update(hub.actions.log_secret.as_bytes());
    digest.update(format!("artifact/{permission}/{repo_id}/{id}/{expires}").as_bytes());
    hex::encode(digest.finalize())
}

/// A signed blob URL: `sp=w` to upload (before finalizing), `sp=r` to download.
fn blob_url(hub: &Hub, urls: &Urls, record: &ArtifactRecord, permission: &str, now: i64) -> String {
    let expires = now + BLOB_URL_MILLIS;
    let sig = signature(hub, permission, record.repo_id, record.id, expires);
    format!(
        "{}/_results/blobs/{}/{}?sp={permission}&se={expires}&sig={sig}",
        urls.html, record.repo_id, record.id
    )
}

/// The signed download URL the REST API redirects to.
pub fn download_url(hub: &Hub, urls: &Urls, record: &ArtifactRecord, now: i64) -> String {
    blob_url(hub, urls, record, "r", now)
}

const AUTH_FAILED: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>";

pub(crate) fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = if code == "AuthenticationFailed" {
        AUTH_FAILED.to_string()
    } else {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        )
    };
    (
        status,
        [
            (http::header::CONTENT_TYPE, "application/xml".to_string()),
            (
                http::header::HeaderName::from_static("x-ms-error-code"),
                code.to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

/// `PUT`/`GET /_results/blobs/REPO/ID?…`: the blob storage behind the signed URLs.
pub fn serve_blob(
    hub: &Hub,
    method: &http::Method,
    path: &str,
    query: &str,
    body: &[u8],
    now: i64,
) -> Response {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let denied = || storage_error(StatusCode::FORBIDDEN, "AuthenticationFailed", "");
    let Some(rest) = path.strip_prefix("/_results/blobs/") else {
        return denied();
    };
    let mut parts = rest.split('/');
    let (Some(Ok(repo_id)), Some(Ok(id)), None) = (
        parts.next().map(str::parse::<u64>),
        parts.next().map(str::parse::<u64>),
        parts.next(),
    ) else {
        return denied();
    };
    let (Some(permission), Some(expires), Some(sig)) = (get("sp"), get("se"), get("sig")) else {
        return denied();
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return denied();
    };
    if expires < now || sig != signature(hub, permission, repo_id, id, expires) {
        return denied();
    }
    let Some(record) = hub.actions.artifacts.get(&key(repo_id, id)) else {
        return storage_error(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
        );
    };
    let dir = files(hub);
    let file = dir.join(id.to_string());
    let ok = |status: StatusCode| {
        (
            status,
            [
                (http::header::ETAG, format!("\"0x{id:X}{now:X}\"")),
                (
                    http::header::HeaderName::from_static("x-ms-request-server-encrypted"),
                    "true".to_string(),
                ),
            ],
        )
            .into_response()
    };
    let io_error = |error: std::io::Error| {
        tracing::error!(%error, "artifact blob");
        storage_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server encountered an internal error.",
        )
    };
    match (method, permission) {
        (&http::Method::GET, "r") if record.finalized => match std::fs::read(&file) {
            Ok(bytes) => (
                [
                    (http::header::CONTENT_TYPE, record.mime_type.clone()),
                    (
                        http::header::HeaderName::from_static("x-ms-blob-type"),
                        "BlockBlob".to_string(),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(error) => io_error(error),
        },
        (&http::Method::PUT, "w") if !record.finalized => {
            let blocks = dir.join(format!("{id}.blocks"));
            let result = match get("comp") {
                Some("block") => {
                    let Some(block_id) = get("blockid").filter(|b| !b.is_empty()) else {
                        return storage_error(
                            StatusCode::BAD_REQUEST,
                            "InvalidQueryParameterValue",
                            "Value for one of the query parameters specified in the request URI is invalid.",
                        );
                    };
                    std::fs::create_dir_all(&blocks)
                        .and_then(|()| std::fs::write(blocks.join(hex::encode(block_id)), body))
                }
                Some("blocklist") => {
                    let ids = block_list(body);
                    let mut whole = Vec::new();
                    for block_id in &ids {
                        match std::fs::read(blocks.join(hex::encode(block_id))) {
                            Ok(bytes) => whole.extend_from_slice(&bytes),
                            Err(_) => {
                                return storage_error(
                                    StatusCode::BAD_REQUEST,
                                    "InvalidBlockList",
                                    "The specified block list is invalid.",
                                );
                            }
                        }
                    }
                    let written = std::fs::write(&file, &whole);
                    let _ = std::fs::remove_dir_all(&blocks);
                    written
                }
                None => std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, body)),
                Some(_) => {
                    return storage_error(
                        StatusCode::BAD_REQUEST,
                        "InvalidQueryParameterValue",
                        "Value for one of the query parameters specified in the request URI is invalid.",
                    );
                }
            };
            match result {
                Ok(()) => ok(StatusCode::CREATED),
                Err(error) => io_error(error),
            }
        }
        _ => storage_error(
            StatusCode::FORBIDDEN,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        ),
    }
}

/// The block IDs of a Put Block List body (`<Latest>`, `<Committed>` or `<Uncommitted>`), in
/// order. Only the blocks staged for this blob exist, so each kind reads the same store.
fn block_list(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut ids = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if matches!(tag, "Latest" | "Committed" | "Uncommitted") {
            let close = format!("</{tag}>");
            if let Some(stop) = rest.find(&close) {
                ids.push(rest[..stop].trim().to_string());
                rest = &rest[stop + close.len()..];
            }
        }
    }
    ids
}

/// The REST `artifact` shape.
pub fn render(
    urls: &Urls,
    repo: &crate::model::Repo,
    run: Option<&RunRecord>,
    a: &ArtifactRecord,
    now: i64,
) -> Value {
    let api = format!(
        "{}/repos/{}/actions/artifacts/{}",
        urls.api,
        repo.full_name(),
        a.id
    );
    json!({
        "id": a.id,
        "node_id": node_id("Artifact", a.id),
        "name": a.name,
        "size_in_bytes": a.size,
        "url": api,
        "archive_download_url": format!("{api}/zip"),
        "expired": a.expires_at <= now,
        "created_at": timestamp(a.created_at),
        "updated_at": timestamp(a.updated_at),
        "expires_at": timestamp(a.expires_at),
        "digest": a.digest,
        "workflow_run": {
            "id": a.run_id,
            "repository_id": a.repo_id,
            "head_repository_id": a.repo_id,
            "head_branch": run.and_then(|r| r.head_branch.clone()),
            "head_sha": run.map(|r| r.head_sha.clone()),
        },
    })
}

/// Finalized artifacts of a repository (of one run with `run_id`), newest first.
pub fn listed(
    hub: &Hub,
    repo_id: u64,
    run_id: Option<u64>,
    name: Option<&str>,
) -> Vec<ArtifactRecord> {
    let mut all: Vec<ArtifactRecord> = hub
        .actions
        .artifacts
        .scan_prefix(&crate::model::repo_prefix(repo_id))
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.finalized)
        .filter(|a| run_id.is_none_or(|r| a.run_id == r))
        .filter(|a| name.is_none_or(|n| a.name == n))
        .collect();
    all.reverse();
    all
}

/// Deletes one artifact and its bytes.
pub fn delete(hub: &Hub, record: &ArtifactRecord) -> Result<(), StoreError> {
    hub.actions
        .artifacts
        .remove(&key(record.repo_id, record.id))?;
    remove_files(hub, record.id);
    Ok(())
}

pub fn get(hub: &Hub, repo_id: u64, id: u64) -> Option<ArtifactRecord> {
    hub.actions
        .artifacts
        .get(&key(repo_id, id))
        .filter(|a| a.finalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_keep_their_order() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>AAA=</Latest><Uncommitted>BBB=</Uncommitted><Latest>CCC=</Latest></BlockList>"#;
        assert_eq!(block_list(body), vec!["AAA=", "BBB=", "CCC="]);
    }

    #[test]
    fn backend_ids_are_uuid_shaped_and_distinct() {
        let run = run_backend_id(3, 17);
        let job = job_backend_id(17);
        assert_eq!(run.len(), 36);
        assert_eq!(job.len(), 36);
        assert_ne!(run, job);
        assert!(results_scope(3, 17, 17).contains(&format!("Actions.Results:{run}:{job}")));
    }

    #[test]
    fn names_follow_github_rules() {
        assert!(validate_name("build-output").is_ok());
        assert!(validate_name("a/b").is_err());
        assert!(validate_name(" ").is_err());
    }
}
