//! Objects: PutObject (streamed body, Content-MD5 and checksums, conditional writes), GetObject
//! and HeadObject (versions, ranges, conditional reads), DeleteObject(s) with delete markers,
//! CopyObject (metadata and tagging directives, conditional copies), and the version writes
//! they share.

use std::collections::BTreeMap;

use base64::Engine;
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::s3::{
    CopyObjectOutput, CopyObjectRequest, CopyObjectResult, DeleteObjectOutput, DeleteObjectRequest,
    DeleteObjectsOutput, DeleteObjectsRequest, DeletedObject, Error, GetObjectOutput,
    GetObjectRequest, HeadObjectOutput, HeadObjectRequest, PutObjectOutput, PutObjectRequest,
};

use super::{
    BucketRecord, ObjectHeaders, ObjectRecord, S3, S3Error, invalid_argument, invalid_request,
    key_prefix, no_such_key, version_key,
};
use crate::protocol::stream::{self, FileAnswer, Spooled};
use crate::services::Ctx;

/// Checksum values by algorithm name, as the output members carry them.
#[derive(Debug, Default)]
pub(super) struct ChecksumMembers {
    pub crc32: Option<String>,
    pub crc32c: Option<String>,
    pub crc64nvme: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}

impl ChecksumMembers {
    pub fn of(checksum: Option<&(String, String)>) -> Self {
        let mut members = Self::default();
        if let Some((algorithm, value)) = checksum {
            let slot = match algorithm.as_str() {
                "CRC32" => &mut members.crc32,
                "CRC32C" => &mut members.crc32c,
                "CRC64NVME" => &mut members.crc64nvme,
                "SHA1" => &mut members.sha1,
                "SHA256" => &mut members.sha256,
                _ => return members,
            };
            *slot = Some(value.clone());
        }
        members
    }
}

/// The checksum a spooled body carries, after comparing what the client claimed.
pub(super) fn verify_body(
    spooled: &Spooled,
    content_md5: Option<&str>,
) -> Result<Option<(String, String)>, S3Error> {
    if let Some(claimed) = content_md5 {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(claimed.trim())
            .ok()
            .filter(|bytes| bytes.len() == 16);
        match decoded {
            None => {
                return Err(S3Error::new(
                    "InvalidDigest",
                    400,
                    "The Content-MD5 you specified was invalid.",
                )
                .with("Content-MD5", claimed));
            }
            Some(bytes) if bytes != spooled.md5 => {
                return Err(S3Error::new(
                    "BadDigest",
                    400,
                    "The Content-MD5 you specified did not match what we received.",
                )
                .with("ExpectedDigest", claimed)
                .with(
                    "CalculatedDigest",
                    base64::engine::general_purpose::STANDARD.encode(spooled.md5),
                ));
            }
            Some(_) => {}
        }
    }
    match &spooled.checksum {
        Some(checksum) => {
            if let Some(claimed) = &checksum.claimed
                && claimed != &checksum.computed
            {
                return Err(S3Error::new(
                    "BadDigest",
                    400,
                    format!(
                        "The {} you specified did not match the calculated checksum.",
                        checksum.algorithm.name()
                    ),
                ));
            }
            Ok(Some((
                checksum.algorithm.name().to_string(),
                checksum.computed.clone(),
            )))
        }
        None => Ok(None),
    }
}

/// Whether an ETag condition (`"abc"`, `abc`, `*`, or a comma-separated list) names `etag`.
fn etag_matches(condition: &str, etag: &str) -> bool {
    condition.split(',').any(|candidate| {
        let candidate = candidate.trim();
        candidate == "*" || candidate.trim_matches('"') == etag.trim_matches('"')
    })
}

/// The HTTP date S3 compares at second precision.
fn seconds(timestamp: Timestamp) -> i64 {
    timestamp.seconds()
}

/// Applies GET/HEAD conditions in RFC 7232's order: 412 for If-Match and If-Unmodified-Since,
/// 304 for If-None-Match and If-Modified-Since.
fn check_read_conditions(
    object: &ObjectRecord,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    if_modified_since: Option<Timestamp>,
    if_unmodified_since: Option<Timestamp>,
) -> Result<(), S3Error> {
    let modified = object.last_modified_ms.div_euclid(1000);
    if let Some(condition) = if_match {
        if !etag_matches(condition, &object.etag) {
            return Err(precondition_failed("If-Match"));
        }
    } else if let Some(since) = if_unmodified_since
        && modified > seconds(since)
    {
        return Err(precondition_failed("If-Unmodified-Since"));
    }
    if let Some(condition) = if_none_match {
        if etag_matches(condition, &object.etag) {
            return Err(not_modified(object));
        }
    } else if let Some(since) = if_modified_since
        && modified <= seconds(since)
    {
        return Err(not_modified(object));
    }
    Ok(())
}

fn precondition_failed(condition: &str) -> S3Error {
    S3Error::new(
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
    )
    .with("Condition", condition)
}

fn not_modified(object: &ObjectRecord) -> S3Error {
    let _ = object;
    S3Error::new("NotModified", 304, "Not Modified")
}

/// A satisfiable byte range of an object of `size` bytes: (first, last) inclusive. `None` when
/// the header is not a single `bytes=` range (S3 then answers the whole object).
pub(super) fn parse_range(header: &str, size: u64) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    let unsatisfiable = || {
        S3Error::new(
            "InvalidRange",
            416,
            "The requested range is not satisfiable",
        )
        .with("RangeRequested", header)
        .with("ActualObjectSize", size.to_string())
    };
    let (first, last) = match (first.trim(), last.trim()) {
        ("", "") => return Ok(None),
        ("", suffix) => {
            let Ok(suffix) = suffix.parse::<u64>() else {
                return Ok(None);
            };
            if suffix == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(suffix), size - 1)
        }
        (first, last) => {
            let Ok(first) = first.parse::<u64>() else {
                return Ok(None);
            };
            let last = if last.is_empty() {
                u64::MAX
            } else {
                match last.parse::<u64>() {
                    Ok(last) if last >= first => last,
                    _ => return Ok(None),
                }
            };
            if first >= size {
                return Err(unsatisfiable());
            }
            (first, last.min(size - 1))
        }
    };
    Ok(Some((first, last)))
}

/// The `Metadata` S3 keeps: names lower-cased, as HTTP headers arrive.
fn metadata_of(metadata: Option<BTreeMap<String, String>>) -> BTreeMap<String, String> {
    metadata
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect()
}

/// The tags of an `x-amz-tagging` header (`k1=v1&k2=v2`).
pub(super) fn tags_of_header(header: Option<&str>) -> Result<Vec<(String, String)>, S3Error> {
    let Some(header) = header else {
        return Ok(Vec::new());
    };
    let tags: Vec<(String, String)> = form_urlencoded::parse(header.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    super::configs::check_object_tags(&tags)?;
    Ok(tags)
}

impl S3 {
    /// The newest version of `key` (a delete marker included), if any.
    pub(super) fn latest(&self, bucket: &str, key: &str) -> Option<(String, ObjectRecord)> {
        let prefix = key_prefix(bucket, key);
        // Every version key is `prefix` followed by digits, so all sort below this bound.
        let upper = format!("{prefix}\u{7f}");
        self.objects
            .range(prefix..upper, 1, false)
            .into_iter()
            .next()
    }

    /// The version `version_id` of `key`, or the newest when absent; errors as GET does.
    pub(super) fn find_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<(String, ObjectRecord), S3Error> {
        match version_id {
            None => match self.latest(bucket, key) {
                Some((record_key, object)) if !object.delete_marker => Ok((record_key, object)),
                Some(_) => Err(no_such_key(key)),
                None => Err(no_such_key(key)),
            },
            Some(version_id) => {
                if version_id != "null" && !is_version_id(version_id) {
                    return Err(invalid_argument("Invalid version id specified")
                        .with("ArgumentName", "versionId")
                        .with("ArgumentValue", version_id));
                }
                self.objects
                    .scan_prefix(&key_prefix(bucket, key))
                    .into_iter()
                    .find(|(_, object)| object.version_id == version_id)
                    .ok_or_else(|| {
                        S3Error::new(
                            "NoSuchVersion",
                            404,
                            "The specified version does not exist.",
                        )
                        .with("Key", key)
                        .with("VersionId", version_id)
                    })
            }
        }
    }

    /// Stores `object` as the newest version of its key in `bucket`, as the bucket's versioning
    /// state says: a new version ID when enabled, else replacing the `null` version. Returns the
    /// version ID. Files of replaced versions are removed after the write commits.
    pub(super) fn write_version(
        &self,
        bucket: &BucketRecord,
        mut object: ObjectRecord,
    ) -> Result<String, S3Error> {
        let versioned = bucket.versioning.as_deref() == Some("Enabled");
        object.version_id = if versioned {
            new_version_id(self.kit.ids().as_ref())
        } else {
            "null".to_string()
        };
        let version_id = object.version_id.clone();
        let prefix = key_prefix(&bucket.name, &object.key);
        let replaced = self.kit.store().transaction(|txn| {
            let Some(mut current) = txn.get(&self.buckets, &bucket.name)? else {
                return Err(super::no_such_bucket(&bucket.name));
            };
            let rank = current.next_rank;
            current.next_rank += 1;
            let mut replaced = Vec::new();
            if !versioned {
                for (key, old) in txn.scan_prefix(&self.objects, &prefix)? {
                    if old.version_id == "null" {
                        txn.remove(&self.objects, &key)?;
                        replaced.extend(old.data_id);
                    }
                }
            }
            txn.insert(
                &self.objects,
                &version_key(&bucket.name, &object.key, rank),
                object.clone(),
            )?;
            txn.insert(&self.buckets, &bucket.name, current)?;
            Ok::<_, S3Error>(replaced)
        })?;
        for data_id in replaced {
            self.data.remove(&data_id);
        }
        Ok(version_id)
    }

    pub(super) async fn put_object(
        &self,
        ctx: &Ctx,
        input: PutObjectRequest,
    ) -> Result<PutObjectOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let spooled = stream::take_input().ok_or_else(|| {
            S3Error::new("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")
        })?;
        if let Some(declared) = input.content_length
            && declared >= 0
            && declared as u64 != spooled.len
        {
            return Err(S3Error::new(
                "IncompleteBody",
                400,
                "You did not provide the number of bytes specified by the Content-Length HTTP header",
            ));
        }
        let checksum = verify_body(&spooled, input.content_md5.as_deref())?;
        self.check_write_conditions(
            &bucket,
            &input.key,
            input.if_match.as_deref(),
            input.if_none_match.as_deref(),
        )?;
        let tags = tags_of_header(input.tagging.as_deref())?;
        let acl = super::configs::acl_from_request(
            ctx,
            input.acl.as_deref(),
            &super::configs::GrantHeaders {
                full_control: input.grant_full_control.clone(),
                read: input.grant_read.clone(),
                read_acp: input.grant_read_acp.clone(),
                write: None,
                write_acp: input.grant_write_acp.clone(),
            },
            None,
        )?;
        let data_id = self.kit.ids().hex(32);
        self.data.adopt(&spooled.path, &data_id)?;
        let etag = format!("\"{}\"", hex::encode(spooled.md5));
        let object = ObjectRecord {
            key: input.key.clone(),
            version_id: String::new(),
            delete_marker: false,
            data_id: Some(data_id),
            size: spooled.len,
            etag: etag.clone(),
            last_modified_ms: self.now(),
            headers: ObjectHeaders {
                content_type: Some(
                    input
                        .content_type
                        .clone()
                        .unwrap_or_else(|| "binary/octet-stream".to_string()),
                ),
                content_encoding: input
                    .content_encoding
                    .clone()
                    .map(|e| strip_aws_chunked(&e))
                    .filter(|e| !e.is_empty()),
                content_disposition: input.content_disposition.clone(),
                content_language: input.content_language.clone(),
                cache_control: input.cache_control.clone(),
                expires: input.expires.clone(),
                website_redirect_location: input.website_redirect_location.clone(),
                server_side_encryption: Some(
                    input
                        .server_side_encryption
                        .clone()
                        .unwrap_or_else(|| "AES256".to_string()),
                ),
                ssekms_key_id: input.ssekms_key_id.clone(),
            },
            metadata: metadata_of(input.metadata),
            tags,
            storage_class: input.storage_class.filter(|c| c != "STANDARD"),
            checksum: checksum.clone(),
            checksum_type: checksum.as_ref().map(|_| "FULL_OBJECT".to_string()),
            parts_count: None,
            acl,
            legal_hold: input.object_lock_legal_hold_status,
            retention: None,
            owner_account: ctx.account_id.clone(),
        };
        let version_id = self.write_version(&bucket, object)?;
        let members = ChecksumMembers::of(checksum.as_ref());
        Ok(PutObjectOutput {
            e_tag: Some(etag),
            checksum_crc32: members.crc32,
            checksum_crc32_c: members.crc32c,
            checksum_crc64_nvme: members.crc64nvme,
            checksum_sha1: members.sha1,
            checksum_sha256: members.sha256,
            checksum_type: checksum.map(|_| "FULL_OBJECT".to_string()),
            server_side_encryption: Some(
                input
                    .server_side_encryption
                    .unwrap_or_else(|| "AES256".to_string()),
            ),
            version_id: (version_id != "null").then_some(version_id),
            ..Default::default()
        })
    }

    /// Conditional writes: `If-None-Match: *` refuses an existing key, `If-Match` needs the
    /// current ETag.
    pub(super) fn check_write_conditions(
        &self,
        bucket: &BucketRecord,
        key: &str,
        if_match: Option<&str>,
        if_none_match: Option<&str>,
    ) -> Result<(), S3Error> {
        if if_match.is_none() && if_none_match.is_none() {
            return Ok(());
        }
        let current = self
            .latest(&bucket.name, key)
            .filter(|(_, object)| !object.delete_marker);
        if let Some(condition) = if_none_match {
            if condition.trim() != "*" {
                return Err(S3Error::new(
                    "NotImplemented",
                    501,
                    "A header you provided implies functionality that is not implemented",
                )
                .with("Header", "If-None-Match"));
            }
            if current.is_some() {
                return Err(precondition_failed("If-None-Match"));
            }
        }
        if let Some(condition) = if_match {
            match &current {
                None => return Err(no_such_key(key)),
                Some((_, object)) if !etag_matches(condition, &object.etag) => {
                    return Err(precondition_failed("If-Match"));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    pub(super) async fn get_object(
        &self,
        ctx: &Ctx,
        input: GetObjectRequest,
    ) -> Result<GetObjectOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (_, object) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        if object.delete_marker {
            return Err(S3Error::new(
                "MethodNotAllowed",
                405,
                "The specified method is not allowed against this resource.",
            )
            .with("Method", "GET")
            .with("ResourceType", "DeleteMarker"));
        }
        check_read_conditions(
            &object,
            input.if_match.as_deref(),
            input.if_none_match.as_deref(),
            input.if_modified_since,
            input.if_unmodified_since,
        )?;
        let range = match &input.range {
            Some(header) => parse_range(header, object.size)?,
            None => None,
        };
        let data_id = object.data_id.clone().unwrap_or_default();
        let file = self.data.open(&data_id)?;
        let (offset, len, content_range) = match range {
            Some((first, last)) => (
                first,
                last - first + 1,
                Some(format!("bytes {first}-{last}/{}", object.size)),
            ),
            None => (0, object.size, None),
        };
        stream::respond_with_file(FileAnswer {
            file,
            offset,
            len,
            status: content_range.as_ref().map(|_| 206),
        });
        // A range's bytes do not have the whole object's checksum: S3 answers none.
        let checksum_mode = input.checksum_mode.as_deref().filter(|_| range.is_none());
        let head = head_of(&object, &bucket, checksum_mode);
        Ok(GetObjectOutput {
            body: None,
            delete_marker: None,
            accept_ranges: Some("bytes".to_string()),
            last_modified: head.last_modified,
            content_length: Some(len as i64),
            e_tag: head.e_tag,
            checksum_crc32: head.checksum_crc32,
            checksum_crc32_c: head.checksum_crc32_c,
            checksum_crc64_nvme: head.checksum_crc64_nvme,
            checksum_sha1: head.checksum_sha1,
            checksum_sha256: head.checksum_sha256,
            checksum_type: head.checksum_type,
            version_id: head.version_id,
            cache_control: input.response_cache_control.or(head.cache_control),
            content_disposition: input
                .response_content_disposition
                .or(head.content_disposition),
            content_encoding: input.response_content_encoding.or(head.content_encoding),
            content_language: input.response_content_language.or(head.content_language),
            content_range,
            content_type: input.response_content_type.or(head.content_type),
            expires: head.expires,
            website_redirect_location: head.website_redirect_location,
            server_side_encryption: head.server_side_encryption,
            metadata: head.metadata,
            ssekms_key_id: head.ssekms_key_id,
            storage_class: head.storage_class,
            parts_count: head.parts_count.filter(|_| input.part_number.is_some()),
            tag_count: head.tag_count,
            object_lock_legal_hold_status: head.object_lock_legal_hold_status,
            ..Default::default()
        })
    }

    pub(super) async fn head_object(
        &self,
        ctx: &Ctx,
        input: HeadObjectRequest,
    ) -> Result<HeadObjectOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (_, object) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        if object.delete_marker {
            return Err(S3Error::new(
                "MethodNotAllowed",
                405,
                "The specified method is not allowed against this resource.",
            ));
        }
        check_read_conditions(
            &object,
            input.if_match.as_deref(),
            input.if_none_match.as_deref(),
            input.if_modified_since,
            input.if_unmodified_since,
        )?;
        let mut head = head_of(&object, &bucket, input.checksum_mode.as_deref());
        if let Some(header) = &input.range
            && let Some((first, last)) = parse_range(header, object.size)?
        {
            head.content_length = Some((last - first + 1) as i64);
            head.content_range = Some(format!("bytes {first}-{last}/{}", object.size));
        }
        if input.part_number.is_none() {
            head.parts_count = None;
        }
        head.cache_control = input.response_cache_control.or(head.cache_control);
        head.content_type = input.response_content_type.or(head.content_type);
        Ok(head)
    }

    pub(super) async fn delete_object(
        &self,
        ctx: &Ctx,
        input: DeleteObjectRequest,
    ) -> Result<DeleteObjectOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if let Some(condition) = &input.if_match {
            match self.latest(&bucket.name, &input.key) {
                Some((_, object)) if !object.delete_marker => {
                    if !etag_matches(condition, &object.etag) {
                        return Err(precondition_failed("If-Match"));
                    }
                }
                _ => return Err(no_such_key(&input.key)),
            }
        }
        let deleted = self.delete_one(ctx, &bucket, &input.key, input.version_id.as_deref())?;
        Ok(DeleteObjectOutput {
            delete_marker: deleted.delete_marker,
            version_id: deleted.version_id,
            request_charged: None,
        })
    }

    /// Deletes a version, or (without one) deletes the key as the bucket's versioning says:
    /// a delete marker when versioning is on, else the `null` version goes.
    fn delete_one(
        &self,
        ctx: &Ctx,
        bucket: &BucketRecord,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<DeletedObject, S3Error> {
        if let Some(version_id) = version_id {
            if version_id != "null" && !is_version_id(version_id) {
                return Err(invalid_argument("Invalid version id specified")
                    .with("ArgumentName", "versionId")
                    .with("ArgumentValue", version_id));
            }
            let found = self
                .objects
                .scan_prefix(&key_prefix(&bucket.name, key))
                .into_iter()
                .find(|(_, object)| object.version_id == version_id);
            let mut marker = None;
            if let Some((record_key, object)) = found {
                self.objects.remove(&record_key)?;
                if let Some(data_id) = &object.data_id {
                    self.data.remove(data_id);
                }
                marker = object.delete_marker.then_some(true);
            }
            return Ok(DeletedObject {
                key: Some(key.to_string()),
                version_id: Some(version_id.to_string()),
                delete_marker: marker,
                delete_marker_version_id: marker.map(|_| version_id.to_string()),
            });
        }
        if bucket.versioning.is_none() {
            let prefix = key_prefix(&bucket.name, key);
            for (record_key, object) in self.objects.scan_prefix(&prefix) {
                self.objects.remove(&record_key)?;
                if let Some(data_id) = &object.data_id {
                    self.data.remove(data_id);
                }
            }
            return Ok(DeletedObject {
                key: Some(key.to_string()),
                ..Default::default()
            });
        }
        let marker = ObjectRecord {
            key: key.to_string(),
            version_id: String::new(),
            delete_marker: true,
            data_id: None,
            size: 0,
            etag: String::new(),
            last_modified_ms: self.now(),
            headers: ObjectHeaders::default(),
            metadata: BTreeMap::new(),
            tags: Vec::new(),
            storage_class: None,
            checksum: None,
            checksum_type: None,
            parts_count: None,
            acl: None,
            legal_hold: None,
            retention: None,
            owner_account: ctx.account_id.clone(),
        };
        let version_id = self.write_version(bucket, marker)?;
        Ok(DeletedObject {
            key: Some(key.to_string()),
            version_id: None,
            delete_marker: Some(true),
            delete_marker_version_id: Some(version_id),
        })
    }

    pub(super) async fn delete_objects(
        &self,
        ctx: &Ctx,
        input: DeleteObjectsRequest,
    ) -> Result<DeleteObjectsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if input.delete.objects.len() > 1000 {
            return Err(S3Error::new(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        let quiet = input.delete.quiet.unwrap_or(false);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for identifier in input.delete.objects {
            match self.delete_one(
                ctx,
                &bucket,
                &identifier.key,
                identifier.version_id.as_deref(),
            ) {
                Ok(mut result) => {
                    if result.version_id.is_none() {
                        result.version_id = identifier.version_id.clone();
                    }
                    if !quiet {
                        deleted.push(result);
                    }
                }
                Err(S3Error::Api { code, message, .. }) => errors.push(Error {
                    key: Some(identifier.key),
                    version_id: identifier.version_id,
                    code: Some(code.to_string()),
                    message: Some(message),
                }),
                Err(other) => return Err(other),
            }
        }
        Ok(DeleteObjectsOutput {
            deleted: Some(deleted),
            request_charged: None,
            errors: (!errors.is_empty()).then_some(errors),
        })
    }

    /// The object a copy reads: `bucket/key[?versionId=v]`, URL-encoded, with an optional
    /// leading slash.
    pub(super) fn copy_source(
        &self,
        ctx: &Ctx,
        source: &str,
    ) -> Result<(BucketRecord, ObjectRecord), S3Error> {
        let (path, version_id) = match source.split_once("?versionId=") {
            Some((path, version)) => (path, Some(version.to_string())),
            None => (source, None),
        };
        let path = percent_encoding::percent_decode_str(path.trim_start_matches('/'))
            .decode_utf8_lossy()
            .into_owned();
        let Some((bucket_name, key)) = path.split_once('/').filter(|(_, k)| !k.is_empty()) else {
            return Err(invalid_argument("Invalid copy source object key")
                .with("ArgumentName", "x-amz-copy-source")
                .with("ArgumentValue", source));
        };
        let bucket = self.owned_bucket(ctx, bucket_name, None)?;
        let (_, object) = self.find_object(&bucket.name, key, version_id.as_deref())?;
        if object.delete_marker {
            return Err(invalid_request(
                "The source of a copy request may not specifically refer to a delete marker by version id.",
            ));
        }
        Ok((bucket, object))
    }

    pub(super) async fn copy_object(
        &self,
        ctx: &Ctx,
        input: CopyObjectRequest,
    ) -> Result<CopyObjectOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (source_bucket, source) = self.copy_source(ctx, &input.copy_source)?;
        check_copy_conditions(
            &source,
            input.copy_source_if_match.as_deref(),
            input.copy_source_if_none_match.as_deref(),
            input.copy_source_if_modified_since,
            input.copy_source_if_unmodified_since,
        )?;
        self.check_write_conditions(
            &bucket,
            &input.key,
            input.if_match.as_deref(),
            input.if_none_match.as_deref(),
        )?;
        let replace_metadata = input.metadata_directive.as_deref() == Some("REPLACE");
        let replace_tags = input.tagging_directive.as_deref() == Some("REPLACE");
        let same_object = source_bucket.name == bucket.name && source.key == input.key;
        if same_object
            && !replace_metadata
            && input.storage_class.is_none()
            && input.server_side_encryption.is_none()
            && input.website_redirect_location.is_none()
        {
            return Err(invalid_request(
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
            ));
        }
        let data_id = self.kit.ids().hex(32);
        self.data
            .link(source.data_id.as_deref().unwrap_or_default(), &data_id)?;
        let mut object = source.clone();
        object.key = input.key.clone();
        object.data_id = Some(data_id);
        object.last_modified_ms = self.now();
        object.owner_account = ctx.account_id.clone();
        object.acl = None;
        if replace_metadata {
            object.metadata = metadata_of(input.metadata);
            object.headers = ObjectHeaders {
                content_type: Some(
                    input
                        .content_type
                        .unwrap_or_else(|| "binary/octet-stream".to_string()),
                ),
                content_encoding: input.content_encoding,
                content_disposition: input.content_disposition,
                content_language: input.content_language,
                cache_control: input.cache_control,
                expires: input.expires,
                website_redirect_location: input.website_redirect_location.clone(),
                server_side_encryption: source.headers.server_side_encryption.clone(),
                ssekms_key_id: source.headers.ssekms_key_id.clone(),
            };
        } else if let Some(redirect) = input.website_redirect_location {
            object.headers.website_redirect_location = Some(redirect);
        }
        if let Some(encryption) = input.server_side_encryption {
            object.headers.server_side_encryption = Some(encryption);
        }
        if replace_tags {
            object.tags = tags_of_header(input.tagging.as_deref())?;
        }
        if let Some(class) = input.storage_class {
            object.storage_class = Some(class).filter(|c| c != "STANDARD");
        }
        let version_id = self.write_version(&bucket, object.clone())?;
        let members = ChecksumMembers::of(object.checksum.as_ref());
        Ok(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(object.etag),
                last_modified: Some(Timestamp::from_millis(object.last_modified_ms)),
                checksum_type: object.checksum_type,
                checksum_crc32: members.crc32,
                checksum_crc32_c: members.crc32c,
                checksum_crc64_nvme: members.crc64nvme,
                checksum_sha1: members.sha1,
                checksum_sha256: members.sha256,
                ..Default::default()
            }),
            copy_source_version_id: (source.version_id != "null").then_some(source.version_id),
            version_id: (version_id != "null").then_some(version_id),
            server_side_encryption: object.headers.server_side_encryption,
            ..Default::default()
        })
    }
}

/// Conditions on a copy's source: all four answer 412.
pub(super) fn check_copy_conditions(
    source: &ObjectRecord,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    if_modified_since: Option<Timestamp>,
    if_unmodified_since: Option<Timestamp>,
) -> Result<(), S3Error> {
    let modified = source.last_modified_ms.div_euclid(1000);
    if let Some(condition) = if_match
        && !etag_matches(condition, &source.etag)
    {
        return Err(precondition_failed("x-amz-copy-source-If-Match"));
    }
    if let Some(condition) = if_none_match
        && etag_matches(condition, &source.etag)
    {
        return Err(precondition_failed("x-amz-copy-source-If-None-Match"));
    }
    if if_match.is_none()
        && let Some(since) = if_unmodified_since
        && modified > since.seconds()
    {
        return Err(precondition_failed("x-amz-copy-source-If-Unmodified-Since"));
    }
    if if_none_match.is_none()
        && let Some(since) = if_modified_since
        && modified <= since.seconds()
    {
        return Err(precondition_failed("x-amz-copy-source-If-Modified-Since"));
    }
    Ok(())
}

/// What HEAD (and GET) answer for `object`.
fn head_of(
    object: &ObjectRecord,
    bucket: &BucketRecord,
    checksum_mode: Option<&str>,
) -> HeadObjectOutput {
    let members = if checksum_mode == Some("ENABLED") {
        ChecksumMembers::of(object.checksum.as_ref())
    } else {
        ChecksumMembers::default()
    };
    let checksum_enabled = checksum_mode == Some("ENABLED") && object.checksum.is_some();
    HeadObjectOutput {
        accept_ranges: Some("bytes".to_string()),
        last_modified: Some(Timestamp::from_millis(object.last_modified_ms)),
        content_length: Some(object.size as i64),
        e_tag: Some(object.etag.clone()),
        checksum_crc32: members.crc32,
        checksum_crc32_c: members.crc32c,
        checksum_crc64_nvme: members.crc64nvme,
        checksum_sha1: members.sha1,
        checksum_sha256: members.sha256,
        checksum_type: checksum_enabled
            .then(|| object.checksum_type.clone())
            .flatten(),
        version_id: bucket
            .versioning
            .is_some()
            .then(|| object.version_id.clone()),
        cache_control: object.headers.cache_control.clone(),
        content_disposition: object.headers.content_disposition.clone(),
        content_encoding: object.headers.content_encoding.clone(),
        content_language: object.headers.content_language.clone(),
        content_type: object.headers.content_type.clone(),
        expires: object.headers.expires.clone(),
        website_redirect_location: object.headers.website_redirect_location.clone(),
        server_side_encryption: object.headers.server_side_encryption.clone(),
        ssekms_key_id: object.headers.ssekms_key_id.clone(),
        metadata: Some(object.metadata.clone()).filter(|m| !m.is_empty()),
        storage_class: object.storage_class.clone(),
        parts_count: object.parts_count,
        tag_count: (!object.tags.is_empty()).then_some(object.tags.len() as i32),
        object_lock_legal_hold_status: object.legal_hold.clone(),
        ..Default::default()
    }
}

/// `aws-chunked` is the transfer's encoding, not the object's: S3 drops it.
fn strip_aws_chunked(encoding: &str) -> String {
    encoding
        .split(',')
        .map(str::trim)
        .filter(|e| !e.eq_ignore_ascii_case("aws-chunked") && !e.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// A version ID of ours: 32 characters of S3's alphabet.
fn is_version_id(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

fn new_version_id(ids: &dyn simkit::ids::IdGen) -> String {
    ids.random_word(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._",
        32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_s3_reads_them() {
        assert_eq!(parse_range("bytes=0-4", 10).unwrap(), Some((0, 4)));
        assert_eq!(parse_range("bytes=5-", 10).unwrap(), Some((5, 9)));
        assert_eq!(parse_range("bytes=-3", 10).unwrap(), Some((7, 9)));
        assert_eq!(parse_range("bytes=-30", 10).unwrap(), Some((0, 9)));
        assert_eq!(parse_range("bytes=2-100", 10).unwrap(), Some((2, 9)));
        assert_eq!(parse_range("bytes=5-2", 10).unwrap(), None);
        assert_eq!(parse_range("items=0-1", 10).unwrap(), None);
        assert!(parse_range("bytes=10-", 10).is_err());
        assert!(parse_range("bytes=-0", 10).is_err());
    }

    #[test]
    fn etag_conditions() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("abc", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(!etag_matches("\"x\"", "\"abc\""));
    }
}
