//! The Actions cache as `actions/cache@v4` (the toolkit's `@actions/cache`, cache service v2)
//! saves and restores it: Twirp `github.actions.results.api.v1.CacheService` on the results
//! service's origin, `CreateCacheEntry`, `FinalizeCacheEntryUpload` and
//! `GetCacheEntryDownloadURL`, with archives behind signed URLs (`/_results/caches/REPO/ID`:
//! Put Blob and GET, as the toolkit uses them for archives under its 128 MiB single-shot size).
//!
//! Matching is GitHub's: a cache is scoped to the ref of the run that saved it; a run may
//! restore from its own ref and then from the repository's default branch; in each scope the
//! exact key (with the same `version`, the hash of paths and compression) comes first, then
//! each restore key as a prefix, the newest entry winning. An entry whose key, version and
//! scope already exist is not saved again (`ok: false` with the service's message).
//!
//! What this module must not do: read the clock, or use a key as a path (archives are named by
//! entry ID).

use std::path::PathBuf;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use simkit::store::{Collection, StoreError};

use super::artifacts::{Caller, TwirpError, caller, decode, known_method, twirp_response};
use crate::Hub;
use crate::render::Urls;

/// The Twirp service `@actions/cache` calls.
pub const SERVICE: &str = "github.actions.results.api.v1.CacheService";
const BLOB_URL_MILLIS: i64 = 10 * 60_000;

/// One cache entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    pub id: u64,
    pub repo_id: u64,
    pub key: String,
    pub version: String,
    /// The full ref of the run that saved it (`refs/heads/main`).
    pub scope: String,
    pub size: u64,
    pub finalized: bool,
    pub created_at: i64,
}

pub fn open(kit: &simkit::Kit) -> Result<Arc<Collection<CacheEntry>>, StoreError> {
    kit.store().collection("github.actions.caches")
}

fn key(repo_id: u64, id: u64) -> String {
    crate::model::repo_record_key(repo_id, id)
}

fn files(hub: &Hub) -> PathBuf {
    hub.kit.files_dir().join("github-caches")
}

/// Removes every cache archive (a reset empties the records).
pub fn clear_files(kit: &simkit::Kit) {
    crate::model::remove_files_dir(kit, "github-caches");
}

fn entries(hub: &Hub, repo_id: u64) -> Vec<CacheEntry> {
    hub.actions
        .caches
        .scan_prefix(&crate::model::repo_prefix(repo_id))
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

/// `POST /twirp/…CacheService/{method}`.
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
            "CreateCacheEntry",
            "FinalizeCacheEntryUpload",
            "GetCacheEntryDownloadURL",
        ],
    )?;
    let Caller { run, .. } = caller(hub, authorization, now)?;
    let body = decode(body)?;
    let cache_key = body["key"].as_str().unwrap_or_default();
    let version = body["version"].as_str().unwrap_or_default();
    if cache_key.is_empty() || cache_key.len() > 512 || cache_key.contains(',') {
        return Err(TwirpError::new(
            "invalid_argument",
            "key is required, at most 512 characters and without commas",
        ));
    }
    if version.is_empty() {
        return Err(TwirpError::new("invalid_argument", "version is required"));
    }
    let repo_id = run.repo_id;
    let scope = run.git_ref.clone();
    let collection = &hub.actions.caches;
    match method {
        "CreateCacheEntry" => {
            let existing = entries(hub, repo_id)
                .into_iter()
                .find(|e| e.key == cache_key && e.version == version && e.scope == scope);
            if let Some(existing) = existing {
                if existing.finalized {
                    return Ok(json!({
                        "ok": false,
                        "message": "cache entry with the same key, version, and scope already exists",
                    }));
                }
                // An upload that never finished is replaced.
                collection.remove(&key(repo_id, existing.id))?;
                let _ = std::fs::remove_file(files(hub).join(existing.id.to_string()));
            }
            let state = &hub.state;
            let entry = state.store.transaction(|txn| {
                let id = crate::model::next_id(txn, &state.counters, "cache")?;
                let entry = CacheEntry {
                    id,
                    repo_id,
                    key: cache_key.to_string(),
                    version: version.to_string(),
                    scope: scope.clone(),
                    size: 0,
                    finalized: false,
                    created_at: now,
                };
                txn.insert(collection, &key(repo_id, id), entry.clone())?;
                Ok::<_, TwirpError>(entry)
            })?;
            Ok(json!({"ok": true, "signed_upload_url": blob_url(hub, urls, &entry, "w", now)}))
        }
        "FinalizeCacheEntryUpload" => {
            let Some(mut entry) = entries(hub, repo_id).into_iter().find(|e| {
                e.key == cache_key && e.version == version && e.scope == scope && !e.finalized
            }) else {
                return Ok(json!({"ok": false, "message": "cache entry not found"}));
            };
            let size = std::fs::metadata(files(hub).join(entry.id.to_string()))
                .map(|m| m.len())
                .map_err(|_| {
                    TwirpError::new("failed_precondition", "the cache archive was not uploaded")
                })?;
            let claimed: u64 = body["size_bytes"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .or_else(|| body["size_bytes"].as_u64())
                .unwrap_or(0);
            if claimed != size {
                return Err(TwirpError::new(
                    "invalid_argument",
                    format!("size_bytes {claimed} does not match the uploaded {size} bytes"),
                ));
            }
            entry.size = size;
            entry.finalized = true;
            collection.insert(&key(repo_id, entry.id), entry.clone())?;
            Ok(json!({"ok": true, "entry_id": entry.id.to_string()}))
        }
        _ => {
            let restore_keys: Vec<&str> = body["restore_keys"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let default_ref = hub
                .state
                .repos
                .get(&crate::model::id_key(repo_id))
                .map(|r| format!("refs/heads/{}", r.default_branch));
            let found = find(
                &entries(hub, repo_id),
                cache_key,
                &restore_keys,
                version,
                &scope,
                default_ref.as_deref(),
            );
            Ok(match found {
                Some(entry) => json!({
                    "ok": true,
                    "signed_download_url": blob_url(hub, urls, &entry, "r", now),
                    "matched_key": entry.key,
                }),
                None => json!({"ok": false, "signed_download_url": "", "matched_key": ""}),
            })
        }
    }
}

/// GitHub's lookup: per scope (the run's ref, then the default branch), the exact key, then
/// each restore key as a prefix (newest first); the version must match throughout.
fn find(
    all: &[CacheEntry],
    cache_key: &str,
    restore_keys: &[&str],
    version: &str,
    scope: &str,
    default_ref: Option<&str>,
) -> Option<CacheEntry> {
    let scopes = std::iter::once(scope).chain(default_ref.filter(|d| *d != scope));
    for scope in scopes {
        let candidates: Vec<&CacheEntry> = all
            .iter()
            .filter(|e| e.finalized && e.scope == scope && e.version == version)
            .collect();
        if let Some(exact) = candidates.iter().rev().find(|e| e.key == cache_key) {
            return Some((*exact).clone());
        }
        for prefix in restore_keys {
            if let Some(hit) = candidates.iter().rev().find(|e| e.key.starts_with(prefix)) {
                return Some((*hit).clone());
            }
        }
    }
    None
}

fn signature(hub: &Hub, permission: &str, repo_id: u64, id: u64, expires: i64) -> String {
    let mut digest = Sha256::new();
    digest.update(hub.actions.log_secret.as_bytes());
    digest.update(format!("cache/{permission}/{repo_id}/{id}/{expires}").as_bytes());
    hex::encode(digest.finalize())
}

fn blob_url(hub: &Hub, urls: &Urls, entry: &CacheEntry, permission: &str, now: i64) -> String {
    let expires = now + BLOB_URL_MILLIS;
    let sig = signature(hub, permission, entry.repo_id, entry.id, expires);
    format!(
        "{}/_results/caches/{}/{}?sp={permission}&se={expires}&sig={sig}",
        urls.html, entry.repo_id, entry.id
    )
}

/// `PUT`/`GET /_results/caches/REPO/ID?…`: Put Blob of an archive, and its download.
pub fn serve_blob(
    hub: &Hub,
    method: &http::Method,
    path: &str,
    query: &str,
    body: &[u8],
    now: i64,
) -> Response {
    use super::artifacts::storage_error;
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
    let mut parts = path.trim_start_matches("/_results/caches/").split('/');
    let (Some(Ok(repo_id)), Some(Ok(id)), None) = (
        parts.next().map(str::parse::<u64>),
        parts.next().map(str::parse::<u64>),
        parts.next(),
    ) else {
        return denied();
    };
    let (Some(permission), Some(Ok(expires)), Some(sig)) =
        (get("sp"), get("se").map(str::parse::<i64>), get("sig"))
    else {
        return denied();
    };
    if expires < now || sig != signature(hub, permission, repo_id, id, expires) {
        return denied();
    }
    let Some(entry) = hub.actions.caches.get(&key(repo_id, id)) else {
        return storage_error(
            StatusCode::NOT_FOUND,
            "BlobNotFound",
            "The specified blob does not exist.",
        );
    };
    let file = files(hub).join(id.to_string());
    match (method, permission) {
        (&http::Method::GET, "r") if entry.finalized => match std::fs::read(&file) {
            Ok(bytes) => (
                [(http::header::CONTENT_TYPE, "application/octet-stream")],
                bytes,
            )
                .into_response(),
            Err(_) => storage_error(
                StatusCode::NOT_FOUND,
                "BlobNotFound",
                "The specified blob does not exist.",
            ),
        },
        (&http::Method::PUT, "w") if !entry.finalized => {
            if get("comp").is_some() {
                // The toolkit sends archives under 128 MiB in one Put Blob; blocks are not kept.
                return storage_error(
                    StatusCode::NOT_IMPLEMENTED,
                    "NotImplemented",
                    "This cache store takes an archive in one Put Blob; Put Block is not supported.",
                );
            }
            match std::fs::create_dir_all(files(hub)).and_then(|()| std::fs::write(&file, body)) {
                Ok(()) => (
                    StatusCode::CREATED,
                    [(http::header::ETAG, format!("\"0x{id:X}{now:X}\""))],
                )
                    .into_response(),
                Err(error) => {
                    tracing::error!(%error, "cache archive");
                    storage_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalError",
                        "The server encountered an internal error.",
                    )
                }
            }
        }
        _ => storage_error(
            StatusCode::FORBIDDEN,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, key: &str, scope: &str) -> CacheEntry {
        CacheEntry {
            id,
            repo_id: 1,
            key: key.into(),
            version: "v".into(),
            scope: scope.into(),
            size: 1,
            finalized: true,
            created_at: 0,
        }
    }

    #[test]
    fn lookup_follows_githubs_order() {
        let main = "refs/heads/main";
        let feature = "refs/heads/feature";
        let all = vec![
            entry(1, "deps-1", main),
            entry(2, "deps-2", main),
            entry(3, "deps-3", feature),
        ];
        let find_id = |key: &str, restore: &[&str], scope: &str| {
            find(&all, key, restore, "v", scope, Some(main)).map(|e| e.id)
        };
        // The exact key first, then the newest prefix match in the run's own scope.
        assert_eq!(find_id("deps-1", &["deps-"], main), Some(1));
        assert_eq!(find_id("deps-9", &["deps-"], main), Some(2));
        assert_eq!(find_id("deps-9", &["deps-"], feature), Some(3));
        // A branch falls back to the default branch; the default branch never sees a branch's.
        assert_eq!(find_id("deps-1", &[], feature), Some(1));
        assert_eq!(find_id("deps-3", &[], main), None);
        // Another version never matches.
        assert_eq!(find(&all, "deps-1", &[], "w", main, Some(main)), None);
    }
}
