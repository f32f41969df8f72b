//! Cloud Storage's JSON API on the wire: turns routed calls into the typed calls of
//! [`crate::services::storage`], and the media protocols (simple, multipart and resumable
//! uploads; downloads with `alt=media` and `Range`) into bytes on disk and back.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use sim_gcp_shapes::storage_v1::{Bucket, ComposeRequest, ManagedFolder, Object};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::multipart;
use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Alt, Call, decode_json, json_response, render_error};
use crate::services::storage::data::{Digests, ObjectWriter};
use crate::services::storage::{Links, ListObjects, Preconditions, Storage};

fn preconditions(call: &Call, prefix: &str) -> Preconditions {
    let get = |name: &str| call.query_i64(&format!("{prefix}{name}"));
    if prefix.is_empty() {
        Preconditions {
            if_generation_match: get("ifGenerationMatch"),
            if_generation_not_match: get("ifGenerationNotMatch"),
            if_metageneration_match: get("ifMetagenerationMatch"),
            if_metageneration_not_match: get("ifMetagenerationNotMatch"),
        }
    } else {
        Preconditions {
            if_generation_match: get("GenerationMatch"),
            if_generation_not_match: get("GenerationNotMatch"),
            if_metageneration_match: get("MetagenerationMatch"),
            if_metageneration_not_match: get("MetagenerationNotMatch"),
        }
    }
}

fn ok<T: serde::Serialize>(call: &Call, outcome: Result<T, GcpError>) -> Response {
    match outcome {
        Ok(value) => json_response(StatusCode::OK, &value, call),
        Err(error) => render_error(&error, ErrorStyle::Storage),
    }
}

fn no_content(outcome: Result<(), GcpError>) -> Response {
    match outcome {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => render_error(&error, ErrorStyle::Storage),
    }
}

async fn collect(body: Body, limit: usize) -> Result<bytes::Bytes, GcpError> {
    simkit::body::collect(body, limit)
        .await
        .map_err(|error| match error {
            simkit::body::BodyError::TooLarge { limit } => GcpError::payload_too_large(limit),
            simkit::body::BodyError::Read(message) => GcpError::bad_request(message),
        })
}

/// Handles a routed Cloud Storage call.
pub async fn handle(
    storage: &Arc<Storage>,
    call: Call,
    body: Body,
    links: &Links,
    limit: usize,
) -> Response {
    match serve(storage, &call, body, links, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Storage),
    }
}

async fn serve(
    storage: &Arc<Storage>,
    call: &Call,
    body: Body,
    links: &Links,
    limit: usize,
) -> Result<Response, GcpError> {
    let bucket = call.path("bucket");
    let object = call.path("object");
    let generation = call.query_i64("generation");
    Ok(match call.routed.method.id {
        "storage.buckets.insert" => {
            let project = call.query("project").unwrap_or_default();
            let input: Bucket = call.body(&collect(body, limit).await?)?;
            ok(call, storage.insert_bucket(project, input, links))
        }
        "storage.buckets.get" => ok(
            call,
            storage.get_bucket(bucket, &preconditions(call, ""), links),
        ),
        "storage.buckets.getStorageLayout" => ok(call, storage.get_storage_layout(bucket)),
        "storage.buckets.list" => {
            let project = call.query("project").unwrap_or_default();
            ok(
                call,
                storage.list_buckets(
                    project,
                    call.query("prefix"),
                    call.query_i64("maxResults"),
                    call.query("pageToken"),
                    links,
                ),
            )
        }
        "storage.buckets.patch" | "storage.buckets.update" => {
            let patch: serde_json::Value = call.body(&collect(body, limit).await?)?;
            ok(
                call,
                storage.patch_bucket(bucket, patch, &preconditions(call, ""), links),
            )
        }
        "storage.buckets.delete" => {
            no_content(storage.delete_bucket(bucket, &preconditions(call, "")))
        }
        "storage.objects.insert" if call.routed.upload => {
            upload(storage, call, body, links, limit).await?
        }
        "storage.objects.insert" => {
            return Err(GcpError::bad_request(
                "Upload requests must include an uploadType URL parameter and a URL path beginning with /upload/",
            ));
        }
        "storage.objects.get" => {
            let (object, path) =
                storage.get_object(bucket, object, generation, &preconditions(call, ""), links)?;
            match call.alt {
                Alt::Json => json_response(StatusCode::OK, &object, call),
                Alt::Media => download(call, &object, &path).await?,
            }
        }
        "storage.objects.list" => {
            let list = ListObjects {
                prefix: call.query("prefix").map(str::to_string),
                delimiter: call.query("delimiter").map(str::to_string),
                max_results: call.query_i64("maxResults"),
                page_token: call.query("pageToken").map(str::to_string),
                start_offset: call.query("startOffset").map(str::to_string),
                end_offset: call.query("endOffset").map(str::to_string),
                include_trailing_delimiter: call.query_bool("includeTrailingDelimiter"),
                versions: call.query_bool("versions"),
                include_folders_as_prefixes: call.query_bool("includeFoldersAsPrefixes"),
            };
            ok(call, storage.list_objects(bucket, &list, links))
        }
        "storage.objects.patch" | "storage.objects.update" => {
            let patch: serde_json::Value = call.body(&collect(body, limit).await?)?;
            ok(
                call,
                storage.patch_object(bucket, object, patch, &preconditions(call, ""), links),
            )
        }
        "storage.objects.delete" => {
            no_content(storage.delete_object(bucket, object, generation, &preconditions(call, "")))
        }
        "storage.objects.copy" | "storage.objects.rewrite" => {
            let bytes = collect(body, limit).await?;
            let metadata: Option<Object> = if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(call.body(&bytes)?)
            };
            let source = (
                call.path("sourceBucket"),
                call.path("sourceObject"),
                call.query_i64("sourceGeneration"),
            );
            let destination = (
                call.path("destinationBucket"),
                call.path("destinationObject"),
            );
            let source_preconditions = preconditions(call, "ifSource");
            if call.routed.method.id == "storage.objects.copy" {
                ok(
                    call,
                    storage.copy_object(
                        source,
                        destination,
                        metadata,
                        &source_preconditions,
                        &preconditions(call, ""),
                        links,
                    ),
                )
            } else {
                ok(
                    call,
                    storage.rewrite_object(
                        source,
                        destination,
                        metadata,
                        &source_preconditions,
                        &preconditions(call, ""),
                        links,
                    ),
                )
            }
        }
        "storage.objects.compose" => {
            let request: ComposeRequest = call.body(&collect(body, limit).await?)?;
            ok(
                call,
                storage.compose_object(
                    call.path("destinationBucket"),
                    call.path("destinationObject"),
                    request,
                    &preconditions(call, ""),
                    links,
                ),
            )
        }
        "storage.managedFolders.insert" => {
            let input: ManagedFolder = call.body(&collect(body, limit).await?)?;
            ok(call, storage.insert_managed_folder(bucket, input, links))
        }
        "storage.managedFolders.get" => ok(
            call,
            storage.get_managed_folder(
                bucket,
                call.path("managedFolder"),
                &preconditions(call, ""),
                links,
            ),
        ),
        "storage.managedFolders.list" => ok(
            call,
            storage.list_managed_folders(
                bucket,
                call.query("prefix"),
                call.query_i64("pageSize"),
                call.query("pageToken"),
                links,
            ),
        ),
        "storage.managedFolders.delete" => no_content(storage.delete_managed_folder(
            bucket,
            call.path("managedFolder"),
            call.query_bool("allowNonEmpty"),
            &preconditions(call, ""),
        )),
        other => return Err(GcpError::unimplemented(other)),
    })
}

/// `uploadType=media|multipart|resumable` on `POST /upload/storage/v1/b/BUCKET/o`.
async fn upload(
    storage: &Arc<Storage>,
    call: &Call,
    body: Body,
    links: &Links,
    limit: usize,
) -> Result<Response, GcpError> {
    let bucket = call.path("bucket");
    let preconditions = preconditions(call, "");
    let from_query = |mut object: Object| {
        if let Some(name) = call.query("name") {
            object.name = Some(name.to_string());
        }
        if let Some(encoding) = call.query("contentEncoding") {
            object.content_encoding = Some(encoding.to_string());
        }
        object
    };
    match call.query("uploadType") {
        Some("media") => {
            let mut object = from_query(Object::default());
            if object.name.is_none() {
                return Err(GcpError::required("name"));
            }
            object.content_type = call.header("content-type").map(str::to_string);
            storage.check_bucket(bucket)?;
            let writer = storage.object_writer().await?;
            let written = stream_media(writer, body).await;
            let (file, digests) = abandon_on_error(storage, written)?;
            let object =
                storage.put_object(bucket, object, file, digests, &preconditions, links)?;
            Ok(json_response(StatusCode::OK, &object, call))
        }
        Some("multipart") => {
            let content_type = call.header("content-type").unwrap_or_default();
            let boundary = multipart::boundary(content_type).ok_or_else(|| {
                GcpError::bad_request(format!(
                    "Invalid multipart request with Content-Type: {content_type}"
                ))
            })?;
            storage.check_bucket(bucket)?;
            let writer = storage.object_writer().await?;
            let received = stream_multipart(writer, body, &boundary, limit).await;
            let (metadata, media_type, file, digests) = abandon_on_error(storage, received)?;
            let parsed = decode_json::<Object>(&metadata, ErrorStyle::Storage).and_then(|object| {
                let mut object = from_query(object);
                if object.name.is_none() {
                    return Err(GcpError::required("name"));
                }
                if object.content_type.is_none() {
                    object.content_type = media_type;
                }
                Ok(object)
            });
            let object = match parsed {
                Ok(object) => object,
                Err(error) => {
                    storage.files().remove_object(&file);
                    return Err(error);
                }
            };
            let object =
                storage.put_object(bucket, object, file, digests, &preconditions, links)?;
            Ok(json_response(StatusCode::OK, &object, call))
        }
        Some("resumable") => {
            let bytes = collect(body, limit).await?;
            let mut object: Object = decode_json(&bytes, ErrorStyle::Storage)?;
            object = from_query(object);
            if object.name.is_none() {
                return Err(GcpError::required("name"));
            }
            if object.content_type.is_none() {
                object.content_type = call.header("x-upload-content-type").map(str::to_string);
            }
            let total = call
                .header("x-upload-content-length")
                .and_then(|v| v.parse().ok());
            let id = storage.start_upload(bucket, object, total, preconditions)?;
            let location = format!(
                "{}/upload/storage/v1/b/{}/o?uploadType=resumable&upload_id={id}",
                links.base_url,
                percent_encoding::utf8_percent_encode(bucket, percent_encoding::NON_ALPHANUMERIC)
            );
            let mut response = StatusCode::OK.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(http::header::LOCATION, value);
            }
            Ok(response)
        }
        Some(other) => Err(GcpError::invalid(format!("Invalid upload type: {other}"))
            .with_location("parameter", "uploadType")),
        None => Err(GcpError::required("uploadType")),
    }
}

/// A request body's stream broke: over the streaming limit, or the connection went.
fn body_error(error: axum::Error) -> GcpError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return GcpError::payload_too_large(
                usize::try_from(crate::UPLOAD_CHUNK_LIMIT).unwrap_or(usize::MAX),
            );
        }
        source = current.source();
    }
    tracing::debug!(%error, "upload body interrupted");
    GcpError::bad_request("The upload was interrupted.")
}

/// On failure, removes the object file being written (its ID travels in the error's pair).
fn abandon_on_error<T>(
    storage: &Storage,
    outcome: Result<T, (String, GcpError)>,
) -> Result<T, GcpError> {
    outcome.map_err(|(file, error)| {
        storage.files().remove_object(&file);
        error
    })
}

/// A media upload's body, streamed into an object file.
async fn stream_media(
    mut writer: ObjectWriter,
    body: Body,
) -> Result<(String, Digests), (String, GcpError)> {
    use futures_util::StreamExt;
    let file = writer.id().to_string();
    let failed = |error: GcpError| (file.clone(), error);
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|error| failed(body_error(error)))?;
        writer
            .write(&frame)
            .await
            .map_err(|error| failed(error.into()))?;
    }
    writer.finish().await.map_err(|error| failed(error.into()))
}

/// What a multipart upload carried: the metadata part's bytes, the media part's content type,
/// and the media's object file with its digests.
type Multipart = (Vec<u8>, Option<String>, String, Digests);

/// A multipart upload's body: the metadata part (at most `limit` bytes) kept, the media part
/// streamed into an object file as it arrives.
async fn stream_multipart(
    mut writer: ObjectWriter,
    body: Body,
    boundary: &str,
    limit: usize,
) -> Result<Multipart, (String, GcpError)> {
    use futures_util::StreamExt;
    let file = writer.id().to_string();
    let failed = |error: GcpError| (file.clone(), error);
    let malformed = || {
        GcpError::bad_request(
            "Invalid multipart request: expected a metadata part and a media part.",
        )
    };
    let mut related = multipart::Related::new(boundary);
    let mut events = Vec::new();
    let mut metadata = Vec::new();
    let mut media_type = None;
    let mut parts = 0;
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|error| failed(body_error(error)))?;
        related
            .feed(&frame, &mut events)
            .map_err(|_| failed(malformed()))?;
        for event in events.drain(..) {
            match event {
                multipart::Event::PartStart { content_type } => {
                    parts += 1;
                    if parts == 2 {
                        media_type = content_type;
                    }
                }
                multipart::Event::Data(bytes) if parts == 1 => {
                    if metadata.len() + bytes.len() > limit {
                        return Err(failed(GcpError::payload_too_large(limit)));
                    }
                    metadata.extend_from_slice(&bytes);
                }
                multipart::Event::Data(bytes) if parts == 2 => writer
                    .write(&bytes)
                    .await
                    .map_err(|error| failed(error.into()))?,
                multipart::Event::Data(_) => return Err(failed(malformed())),
                multipart::Event::PartEnd => {}
            }
        }
    }
    if !related.closed() || parts != 2 {
        return Err(failed(malformed()));
    }
    let (file, digests) = writer
        .finish()
        .await
        .map_err(|error| failed(error.into()))?;
    Ok((metadata, media_type, file, digests))
}

/// `Content-Range` of a resumable chunk: `bytes A-B/T`, `bytes A-B/*`, `bytes */T`, `bytes */*`.
#[derive(Debug, PartialEq, Eq)]
struct ChunkRange {
    first: Option<u64>,
    total: Option<u64>,
}

fn chunk_range(header: Option<&str>) -> Result<Option<ChunkRange>, GcpError> {
    let Some(header) = header else {
        return Ok(None);
    };
    let bad = || GcpError::bad_request(format!("Failed to parse Content-Range header: {header}"));
    let spec = header.trim().strip_prefix("bytes ").ok_or_else(bad)?;
    let (range, total) = spec.split_once('/').ok_or_else(bad)?;
    let total = match total {
        "*" => None,
        total => Some(total.parse().map_err(|_| bad())?),
    };
    let first = match range {
        "*" => None,
        range => {
            let (first, last) = range.split_once('-').ok_or_else(bad)?;
            let first: u64 = first.parse().map_err(|_| bad())?;
            let last: u64 = last.parse().map_err(|_| bad())?;
            if last < first {
                return Err(bad());
            }
            Some(first)
        }
    };
    Ok(Some(ChunkRange { first, total }))
}

/// A chunk of a resumable upload (`PUT` on the session URL), or its cancellation (`DELETE`).
pub async fn resumable_chunk(
    storage: &Arc<Storage>,
    http_method: &http::Method,
    upload_id: &str,
    headers: &http::HeaderMap,
    body: Body,
    links: &Links,
) -> Response {
    match chunk(storage, http_method, upload_id, headers, body, links).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Storage),
    }
}

async fn chunk(
    storage: &Arc<Storage>,
    http_method: &http::Method,
    upload_id: &str,
    headers: &http::HeaderMap,
    body: Body,
    links: &Links,
) -> Result<Response, GcpError> {
    if !upload_id.bytes().all(|b| b.is_ascii_alphanumeric()) || upload_id.is_empty() {
        return Err(GcpError::not_found("No such upload session."));
    }
    if *http_method == http::Method::DELETE {
        storage.cancel_upload(upload_id)?;
        // GCS answers a cancelled session with 499 Client Closed Request.
        return Ok(StatusCode::from_u16(499)
            .unwrap_or(StatusCode::NO_CONTENT)
            .into_response());
    }
    if *http_method != http::Method::PUT && *http_method != http::Method::POST {
        return Err(GcpError::bad_request(
            "Resumable uploads take PUT requests.",
        ));
    }
    let upload = storage.upload(upload_id)?;
    let header = headers
        .get(http::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok());
    let range = chunk_range(header)?;
    let files = storage.files();
    let received = files.upload_len(upload_id)?;
    let (first, total) = match &range {
        Some(range) => (range.first, range.total.or(upload.declared_total)),
        // No Content-Range: the body is the whole object.
        None => (Some(0), None),
    };
    let mut now_received = received;
    if let Some(first) = first {
        if first > received {
            return Err(GcpError::bad_request(format!(
                "Invalid request. According to the Content-Range header, the upload offset is {first} byte(s), which exceeds already uploaded size of {received} byte(s)."
            )));
        }
        // Bytes the client sends again (it resumed from an earlier offset) are skipped.
        let mut skip = received - first;
        let mut digester = storage.take_upload_digester(upload_id, Some(received));
        let mut file = files.append_upload(upload_id).await?;
        let mut stream = body.into_data_stream();
        use futures_util::StreamExt;
        while let Some(frame) = stream.next().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(error) => {
                    // The connection broke: keep what arrived whole, as GCS does.
                    file.flush().await?;
                    if let Some(digester) = digester {
                        storage.keep_upload_digester(upload_id, digester);
                    }
                    return Err(body_error(error));
                }
            };
            let data: &[u8] = &frame;
            let data = if skip > 0 {
                let cut = (skip as usize).min(data.len());
                skip -= cut as u64;
                &data[cut..]
            } else {
                data
            };
            file.write_all(data).await?;
            if let Some(digester) = digester.as_mut() {
                digester.update(data);
            }
            now_received += data.len() as u64;
        }
        file.flush().await?;
        if let Some(digester) = digester {
            storage.keep_upload_digester(upload_id, digester);
        }
    }
    let finished = match (range.as_ref(), total) {
        (None, _) => true,
        (Some(_), Some(total)) => now_received >= total,
        (Some(_), None) => false,
    };
    if let Some(total) = total
        && now_received > total
    {
        files.truncate_upload(upload_id, received)?;
        storage.take_upload_digester(upload_id, None);
        return Err(GcpError::bad_request(format!(
            "Invalid request. The upload has {now_received} bytes, more than the declared {total}."
        )));
    }
    if finished {
        let object = storage.finish_upload(upload_id, links)?;
        let body = serde_json::to_vec(&object).unwrap_or_default();
        let mut response = (StatusCode::OK, body).into_response();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        return Ok(response);
    }
    // 308 Resume Incomplete, with the bytes held so far.
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    if now_received > 0
        && let Ok(value) = HeaderValue::from_str(&format!("bytes=0-{}", now_received - 1))
    {
        response.headers_mut().insert(http::header::RANGE, value);
    }
    response
        .headers_mut()
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    Ok(response)
}

/// A `Range: bytes=...` header resolved against `size`: `(first, last)` inclusive.
fn byte_range(header: &str, size: u64) -> Result<Option<(u64, u64)>, GcpError> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    // Several ranges are answered whole, as GCS does.
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (first, last) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: u64 = suffix
                .parse()
                .map_err(|_| GcpError::range_not_satisfiable())?;
            if n == 0 {
                return Err(GcpError::range_not_satisfiable());
            }
            (size.saturating_sub(n), size.saturating_sub(1))
        }
        (first, "") => (
            first
                .parse()
                .map_err(|_| GcpError::range_not_satisfiable())?,
            size.saturating_sub(1),
        ),
        (first, last) => {
            let first: u64 = first
                .parse()
                .map_err(|_| GcpError::range_not_satisfiable())?;
            let last: u64 = last
                .parse()
                .map_err(|_| GcpError::range_not_satisfiable())?;
            if last < first {
                return Ok(None);
            }
            (first, last.min(size.saturating_sub(1)))
        }
    };
    if first >= size {
        return Err(GcpError::range_not_satisfiable());
    }
    Ok(Some((first, last)))
}

/// The object's bytes (`alt=media`), whole or the requested range, streamed from disk.
async fn download(
    call: &Call,
    object: &Object,
    path: &std::path::Path,
) -> Result<Response, GcpError> {
    let size = object.size.unwrap_or(0);
    let range = match call.header("range") {
        Some(header) if size > 0 => byte_range(header, size)?,
        Some(header) if header.trim().starts_with("bytes=") && size == 0 => None,
        _ => None,
    };
    let mut file = tokio::fs::File::open(path).await?;
    let (status, first, length) = match range {
        Some((first, last)) => (StatusCode::PARTIAL_CONTENT, first, last - first + 1),
        None => (StatusCode::OK, 0, size),
    };
    if first > 0 {
        file.seek(std::io::SeekFrom::Start(first)).await?;
    }
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(length), 256 * 1024);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(
        "content-type",
        object
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
    );
    set("content-length", length.to_string());
    set(
        "x-goog-generation",
        object.generation.unwrap_or(0).to_string(),
    );
    set(
        "x-goog-metageneration",
        object.metageneration.unwrap_or(1).to_string(),
    );
    set("x-goog-stored-content-length", size.to_string());
    set(
        "x-goog-stored-content-encoding",
        object
            .content_encoding
            .clone()
            .unwrap_or_else(|| "identity".into()),
    );
    set(
        "x-goog-storage-class",
        object
            .storage_class
            .clone()
            .unwrap_or_else(|| "STANDARD".into()),
    );
    set(
        "x-goog-hash",
        format!(
            "crc32c={},md5={}",
            object.crc32c.clone().unwrap_or_default(),
            object.md5_hash.clone().unwrap_or_default()
        ),
    );
    set("etag", object.etag.clone().unwrap_or_default());
    set("accept-ranges", "bytes".to_string());
    if status == StatusCode::PARTIAL_CONTENT {
        set(
            "content-range",
            format!("bytes {first}-{}/{size}", first + length - 1),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_of_resumable_chunks() {
        assert_eq!(
            chunk_range(Some("bytes 0-9/100")).expect("ok"),
            Some(ChunkRange {
                first: Some(0),
                total: Some(100)
            })
        );
        assert_eq!(
            chunk_range(Some("bytes 10-19/*")).expect("ok"),
            Some(ChunkRange {
                first: Some(10),
                total: None
            })
        );
        assert_eq!(
            chunk_range(Some("bytes */100")).expect("ok"),
            Some(ChunkRange {
                first: None,
                total: Some(100)
            })
        );
        assert_eq!(
            chunk_range(Some("bytes */*")).expect("ok"),
            Some(ChunkRange {
                first: None,
                total: None
            })
        );
        assert!(chunk_range(Some("bytes 9-1/10")).is_err());
        assert!(chunk_range(Some("items 0-1/2")).is_err());
    }

    #[test]
    fn download_ranges() {
        assert_eq!(byte_range("bytes=0-4", 10).expect("ok"), Some((0, 4)));
        assert_eq!(byte_range("bytes=5-", 10).expect("ok"), Some((5, 9)));
        assert_eq!(byte_range("bytes=-3", 10).expect("ok"), Some((7, 9)));
        assert_eq!(byte_range("bytes=8-100", 10).expect("ok"), Some((8, 9)));
        assert_eq!(
            byte_range("bytes=10-", 10).expect_err("past the end").http,
            416
        );
    }
}
