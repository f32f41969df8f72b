//! Cloud Storage: buckets and objects as the JSON API has them, with object bytes on disk
//! ([`data`]). Handlers take typed inputs (the generated `storage_v1` types and small
//! parameter structs) and return typed outputs or [`GcpError`]; they never see HTTP.
//!
//! What holds as in GCS: bucket names are global and validated; a bucket that holds objects
//! cannot be deleted (409); every write of an object makes a new generation (microseconds of
//! the clock, increasing); `ifGenerationMatch` (0 = must not exist), `ifGenerationNotMatch`,
//! `ifMetagenerationMatch` and `ifMetagenerationNotMatch` answer 412 when they do not hold;
//! `md5Hash` and `crc32c` are the bytes' own; listings page by name with prefix and delimiter
//! and return each object or prefix once.
//!
//! Object versioning ([`versions`]): in a bucket with `versioning.enabled`, an overwrite or a
//! delete keeps the live generation as a noncurrent one (with `timeDeleted`), readable, copyable
//! and deletable by `generation` and listed with `versions=true`; deleting a generation is
//! permanent. Managed folders ([`managed_folders`]) are stored per bucket.
//!
//! Limitations: ACLs and IAM policies (of buckets and managed folders) are not enforced,
//! lifecycle rules and soft delete are not applied, and a rewrite completes in one call.

pub mod data;
pub mod managed_folders;
pub mod versions;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sim_gcp_shapes::storage_v1::{
    Bucket, BucketIamConfigurationBucketPolicyOnly, BucketIamConfigurationUniformBucketLevelAccess,
    BucketStorageLayout, BucketStorageLayoutHierarchicalNamespace, Buckets, ComposeRequest, Object,
    Objects, RewriteResponse,
};
use simkit::Kit;
use simkit::store::Collection;

use crate::error::GcpError;
use crate::protocol::paging;
use crate::time::rfc3339;
use data::{Digester, Digests, ObjectFiles, ObjectWriter};

/// A bucket and the project that owns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BucketRecord {
    project: String,
    bucket: Bucket,
}

/// A generation of an object (the live one, or a noncurrent one) and the file holding its
/// bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ObjectRecord {
    object: Object,
    file: String,
}

/// A resumable upload in progress: where it goes, with what metadata, and the bytes so far in
/// its upload file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadRecord {
    pub bucket: String,
    pub object: Object,
    pub preconditions: Preconditions,
    /// The total the client declared (`X-Upload-Content-Length`), if it did.
    pub declared_total: Option<u64>,
}

/// `if*Match` query parameters of a write or read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preconditions {
    pub if_generation_match: Option<i64>,
    pub if_generation_not_match: Option<i64>,
    pub if_metageneration_match: Option<i64>,
    pub if_metageneration_not_match: Option<i64>,
}

impl Preconditions {
    /// Checks against the current object (`None` when there is none).
    fn check(&self, current: Option<&Object>) -> Result<(), GcpError> {
        let generation = current.and_then(|o| o.generation).unwrap_or(0);
        let metageneration = current.and_then(|o| o.metageneration);
        if let Some(expected) = self.if_generation_match
            && expected != generation
        {
            return Err(GcpError::precondition_failed());
        }
        if let Some(unexpected) = self.if_generation_not_match
            && current.is_some()
            && unexpected == generation
        {
            return Err(GcpError::not_modified());
        }
        if let Some(expected) = self.if_metageneration_match
            && metageneration != Some(expected)
        {
            return Err(GcpError::precondition_failed());
        }
        if let Some(unexpected) = self.if_metageneration_not_match
            && metageneration == Some(unexpected)
        {
            return Err(GcpError::not_modified());
        }
        Ok(())
    }
}

/// A listing of objects.
#[derive(Debug, Clone, Default)]
pub struct ListObjects {
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    pub max_results: Option<i64>,
    pub page_token: Option<String>,
    pub start_offset: Option<String>,
    pub end_offset: Option<String>,
    pub include_trailing_delimiter: bool,
    /// `versions=true`: noncurrent generations too.
    pub versions: bool,
    /// `includeFoldersAsPrefixes=true`: managed folders among the prefixes.
    pub include_folders_as_prefixes: bool,
}

/// Where the simulator is reached, for `selfLink` and `mediaLink`.
#[derive(Debug, Clone)]
pub struct Links {
    pub base_url: String,
}

/// Cloud Storage's state.
pub struct Storage {
    kit: Kit,
    buckets: Arc<Collection<BucketRecord>>,
    /// Keyed `BUCKET/NAME`: bucket names hold no `/`, so one bucket's objects are one key range
    /// in name order.
    objects: Arc<Collection<ObjectRecord>>,
    /// Noncurrent generations of versioned buckets' objects, keyed
    /// [`versions::noncurrent_key`]: one object's generations are one key range, oldest first.
    noncurrent: Arc<Collection<ObjectRecord>>,
    managed_folders: Arc<Collection<managed_folders::ManagedFolderRecord>>,
    uploads: Arc<Collection<UploadRecord>>,
    /// Digests of resumable uploads taken as their chunks arrive, so finishing one need not
    /// read it back; lost at a restart (the upload is then read once when it finishes).
    upload_digests: std::sync::Mutex<std::collections::HashMap<String, Digester>>,
    files: ObjectFiles,
}

fn object_key(bucket: &str, name: &str) -> String {
    format!("{bucket}/{name}")
}

fn bucket_not_found() -> GcpError {
    GcpError::not_found("The specified bucket does not exist.")
}

fn object_not_found(bucket: &str, name: &str) -> GcpError {
    GcpError::not_found(format!("No such object: {bucket}/{name}"))
}

/// GCS's etag: base64 of the protobuf encoding of (generation, metageneration).
fn etag(generation: Option<i64>, metageneration: i64) -> String {
    use base64::Engine;
    let mut bytes = Vec::new();
    let mut varint = |tag: u8, mut value: u64| {
        bytes.push(tag);
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
    };
    if let Some(generation) = generation {
        varint(0x08, generation as u64);
    }
    varint(0x10, metageneration as u64);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Cloud Storage's rules for bucket names.
fn validate_bucket_name(name: &str) -> Result<(), GcpError> {
    let invalid = || GcpError::invalid(format!("Invalid bucket name: '{name}'"));
    let max = if name.contains('.') { 222 } else { 63 };
    if name.len() < 3 || name.len() > max {
        return Err(invalid());
    }
    let bytes = name.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(bytes[0]) || !edge(bytes[bytes.len() - 1]) {
        return Err(invalid());
    }
    if !bytes
        .iter()
        .all(|&b| edge(b) || matches!(b, b'-' | b'_' | b'.'))
        || name.starts_with("goog")
        || name
            .split('.')
            .any(|part| part.is_empty() || part.len() > 63)
    {
        return Err(invalid());
    }
    Ok(())
}

/// Object names: 1 to 1024 bytes of UTF-8, no carriage return or line feed.
fn validate_object_name(name: &str) -> Result<(), GcpError> {
    if name.is_empty() {
        return Err(GcpError::required("object"));
    }
    if name.len() > 1024 || name.contains(['\r', '\n']) || name == "." || name == ".." {
        return Err(GcpError::invalid(format!(
            "The specified object name is not valid: {name}"
        )));
    }
    Ok(())
}

fn encode_name(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl Storage {
    pub fn new(kit: Kit) -> Result<Arc<Self>, GcpError> {
        let root = kit.files_dir().join("storage");
        Ok(Arc::new(Self {
            buckets: kit.store().collection("storage.buckets")?,
            objects: kit.store().collection("storage.objects")?,
            noncurrent: kit.store().collection("storage.noncurrent_objects")?,
            managed_folders: kit.store().collection("storage.managed_folders")?,
            uploads: kit.store().collection("storage.uploads")?,
            upload_digests: Default::default(),
            files: ObjectFiles::new(&root),
            kit,
        }))
    }

    pub fn files(&self) -> &ObjectFiles {
        &self.files
    }

    fn now(&self) -> String {
        rfc3339(self.kit.clock().now())
    }

    /// A new, increasing generation number: the clock's microseconds, past `previous`.
    fn generation_after(&self, previous: Option<i64>) -> i64 {
        let micros = self
            .kit
            .clock()
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        micros.max(previous.unwrap_or(0) + 1)
    }

    fn new_file_id(&self) -> String {
        self.kit.ids().hex(32)
    }

    fn bucket_record(&self, name: &str) -> Result<BucketRecord, GcpError> {
        self.buckets.get(name).ok_or_else(bucket_not_found)
    }

    fn with_bucket_links(&self, mut bucket: Bucket, links: &Links) -> Bucket {
        if let Some(name) = &bucket.name {
            bucket.self_link = Some(format!(
                "{}/storage/v1/b/{}",
                links.base_url,
                encode_name(name)
            ));
        }
        bucket
    }

    fn with_object_links(&self, mut object: Object, links: &Links) -> Object {
        if let (Some(bucket), Some(name)) = (&object.bucket, &object.name) {
            let path = format!("b/{}/o/{}", encode_name(bucket), encode_name(name));
            object.self_link = Some(format!("{}/storage/v1/{path}", links.base_url));
            object.media_link = Some(format!(
                "{}/download/storage/v1/{path}?generation={}&alt=media",
                links.base_url,
                object.generation.unwrap_or(0)
            ));
        }
        object
    }

    // --- buckets -------------------------------------------------------------------------

    pub fn insert_bucket(
        &self,
        project: &str,
        input: Bucket,
        links: &Links,
    ) -> Result<Bucket, GcpError> {
        let name = input
            .name
            .clone()
            .ok_or_else(|| GcpError::required("bucket.name"))?;
        validate_bucket_name(&name)?;
        let now = self.now();
        let mut bucket = input;
        bucket.kind = Some("storage#bucket".into());
        bucket.id = Some(name.clone());
        bucket.project_number = Some(crate::project::number(project));
        bucket.time_created = Some(now.clone());
        bucket.updated = Some(now);
        bucket.metageneration = Some(1);
        bucket.etag = Some(etag(None, 1));
        bucket.location = Some(
            bucket
                .location
                .unwrap_or_else(|| "US".into())
                .to_uppercase(),
        );
        if bucket.location_type.is_none() {
            let location = bucket.location.as_deref().unwrap_or("US");
            bucket.location_type = Some(
                if matches!(location, "US" | "EU" | "ASIA") {
                    "multi-region"
                } else if location.contains('-') {
                    "region"
                } else {
                    "dual-region"
                }
                .into(),
            );
        }
        bucket
            .storage_class
            .get_or_insert_with(|| "STANDARD".into());
        bucket.rpo.get_or_insert_with(|| "DEFAULT".into());
        let mut iam = bucket.iam_configuration.take().unwrap_or_default();
        let uniform = iam
            .uniform_bucket_level_access
            .as_ref()
            .and_then(|u| u.enabled)
            .unwrap_or(false);
        iam.uniform_bucket_level_access = Some(BucketIamConfigurationUniformBucketLevelAccess {
            enabled: Some(uniform),
            ..Default::default()
        });
        iam.bucket_policy_only = Some(BucketIamConfigurationBucketPolicyOnly {
            enabled: Some(uniform),
            ..Default::default()
        });
        iam.public_access_prevention
            .get_or_insert_with(|| "inherited".into());
        bucket.iam_configuration = Some(iam);
        let record = BucketRecord {
            project: project.to_string(),
            bucket: bucket.clone(),
        };
        let inserted = self.kit.store().transaction(|txn| {
            if txn.contains::<BucketRecord>(&self.buckets, &name)? {
                return Ok::<_, GcpError>(false);
            }
            txn.insert(&self.buckets, &name, record)?;
            Ok(true)
        })?;
        if !inserted {
            return Err(GcpError::conflict(
                "Your previous request to create the named bucket succeeded and you already own it.",
            ));
        }
        Ok(self.with_bucket_links(bucket, links))
    }

    pub fn get_bucket(
        &self,
        name: &str,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<Bucket, GcpError> {
        let record = self.bucket_record(name)?;
        check_bucket_preconditions(preconditions, &record.bucket)?;
        Ok(self.with_bucket_links(record.bucket, links))
    }

    /// The bucket's location and namespace layout (`getStorageLayout`; `gcloud storage rm -r`).
    pub fn get_storage_layout(&self, name: &str) -> Result<BucketStorageLayout, GcpError> {
        let bucket = self.bucket_record(name)?.bucket;
        Ok(BucketStorageLayout {
            kind: Some("storage#storageLayout".into()),
            bucket: Some(name.to_string()),
            location: bucket.location,
            location_type: bucket.location_type,
            hierarchical_namespace: Some(BucketStorageLayoutHierarchicalNamespace {
                enabled: Some(
                    bucket
                        .hierarchical_namespace
                        .and_then(|h| h.enabled)
                        .unwrap_or(false),
                ),
            }),
            ..Default::default()
        })
    }

    pub fn list_buckets(
        &self,
        project: &str,
        prefix: Option<&str>,
        max_results: Option<i64>,
        page_token: Option<&str>,
        links: &Links,
    ) -> Result<Buckets, GcpError> {
        let page_size = paging::page_size(max_results, 1000, 1000)?;
        let after = paging::resume_after(page_token)?;
        let prefix = prefix.unwrap_or("");
        let start = match &after {
            Some(after) => std::ops::Bound::Excluded(after.clone()),
            None => std::ops::Bound::Included(prefix.to_string()),
        };
        let mut items = Vec::new();
        let mut next = None;
        let mut cursor = start;
        'scan: loop {
            let batch =
                self.buckets
                    .range((cursor.clone(), std::ops::Bound::Unbounded), 256, false);
            if batch.is_empty() {
                break;
            }
            for (key, record) in &batch {
                cursor = std::ops::Bound::Excluded(key.clone());
                if !key.starts_with(prefix) {
                    break 'scan;
                }
                if record.project != project {
                    continue;
                }
                if items.len() == page_size {
                    next = items
                        .last()
                        .and_then(|b: &Bucket| b.name.clone())
                        .map(|n| paging::token(&n));
                    break 'scan;
                }
                items.push(self.with_bucket_links(record.bucket.clone(), links));
            }
        }
        Ok(Buckets {
            kind: Some("storage#buckets".into()),
            items: (!items.is_empty()).then_some(items),
            next_page_token: next,
            ..Default::default()
        })
    }

    /// Applies the fields `patch` sets (a JSON merge of the resource): metageneration + 1.
    pub fn patch_bucket(
        &self,
        name: &str,
        patch: serde_json::Value,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<Bucket, GcpError> {
        let now = self.now();
        let updated = self.kit.store().transaction(|txn| {
            let mut record = txn
                .get::<BucketRecord>(&self.buckets, name)?
                .ok_or_else(bucket_not_found)?;
            check_bucket_preconditions(preconditions, &record.bucket)?;
            let mut value =
                serde_json::to_value(&record.bucket).map_err(|_| GcpError::internal())?;
            merge(&mut value, patch.clone());
            let mut bucket: Bucket = serde_json::from_value(value)
                .map_err(|error| GcpError::invalid(format!("Invalid value: {error}")))?;
            // What the server owns is not the client's to change.
            bucket.name = record.bucket.name.clone();
            bucket.id = record.bucket.id.clone();
            bucket.project_number = record.bucket.project_number;
            bucket.time_created = record.bucket.time_created.clone();
            bucket.location = record.bucket.location.clone();
            let metageneration = record.bucket.metageneration.unwrap_or(1) + 1;
            bucket.metageneration = Some(metageneration);
            bucket.etag = Some(etag(None, metageneration));
            bucket.updated = Some(now.clone());
            record.bucket = bucket.clone();
            txn.insert(&self.buckets, name, record)?;
            Ok::<_, GcpError>(bucket)
        })?;
        Ok(self.with_bucket_links(updated, links))
    }

    pub fn delete_bucket(&self, name: &str, preconditions: &Preconditions) -> Result<(), GcpError> {
        self.kit.store().transaction(|txn| {
            let record = txn
                .get::<BucketRecord>(&self.buckets, name)?
                .ok_or_else(bucket_not_found)?;
            check_bucket_preconditions(preconditions, &record.bucket)?;
            if !txn
                .scan_prefix::<ObjectRecord>(&self.objects, &format!("{name}/"))?
                .is_empty()
                || !txn
                    .scan_prefix::<ObjectRecord>(&self.noncurrent, &format!("{name}/"))?
                    .is_empty()
            {
                return Err(GcpError::conflict_state(
                    "The bucket you tried to delete is not empty.",
                ));
            }
            txn.remove(&self.buckets, name)?;
            Ok(())
        })
    }

    // --- objects -------------------------------------------------------------------------

    /// Stores an object whose bytes are already in object file `file` with `digests`. The file
    /// is removed if the write does not happen.
    pub fn put_object(
        &self,
        bucket: &str,
        metadata: Object,
        file: String,
        digests: Digests,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<Object, GcpError> {
        let outcome = self.commit_object(bucket, metadata, &file, &digests, preconditions);
        if outcome.is_err() {
            self.files.remove_object(&file);
        }
        outcome.map(|object| self.with_object_links(object, links))
    }

    fn commit_object(
        &self,
        bucket: &str,
        metadata: Object,
        file: &str,
        digests: &Digests,
        preconditions: &Preconditions,
    ) -> Result<Object, GcpError> {
        let name = metadata.name.clone().unwrap_or_default();
        validate_object_name(&name)?;
        if let Some(expected) = &metadata.md5_hash
            && *expected != digests.md5
        {
            return Err(GcpError::bad_request(format!(
                "Provided MD5 hash \"{expected}\" doesn't match calculated MD5 hash \"{}\".",
                digests.md5
            )));
        }
        if let Some(expected) = &metadata.crc32c
            && *expected != digests.crc32c
        {
            return Err(GcpError::bad_request(format!(
                "Provided CRC32C \"{expected}\" doesn't match calculated CRC32C \"{}\".",
                digests.crc32c
            )));
        }
        let now = self.now();
        let key = object_key(bucket, &name);
        let (object, replaced) = self.kit.store().transaction(|txn| -> Result<_, GcpError> {
            let bucket_record = txn
                .get::<BucketRecord>(&self.buckets, bucket)?
                .ok_or_else(bucket_not_found)?;
            let current = txn.get::<ObjectRecord>(&self.objects, &key)?;
            preconditions.check(current.as_ref().map(|r| &r.object))?;
            let generation =
                self.generation_after(current.as_ref().and_then(|r| r.object.generation));
            let mut object = metadata.clone();
            object.kind = Some("storage#object".into());
            object.name = Some(name.clone());
            object.bucket = Some(bucket.to_string());
            object.id = Some(format!("{bucket}/{name}/{generation}"));
            object.generation = Some(generation);
            object.metageneration = Some(1);
            object
                .content_type
                .get_or_insert_with(|| "application/octet-stream".into());
            object
                .storage_class
                .get_or_insert_with(|| "STANDARD".into());
            object.size = Some(digests.size);
            if object.component_count.is_some_and(|n| n < 1) {
                object.component_count = None;
            }
            object.md5_hash = Some(digests.md5.clone());
            object.crc32c = Some(digests.crc32c.clone());
            object.etag = Some(etag(Some(generation), 1));
            object.time_created = Some(now.clone());
            object.updated = Some(now.clone());
            object.time_storage_class_updated = Some(now.clone());
            object.time_finalized = Some(now.clone());
            txn.insert(
                &self.objects,
                &key,
                ObjectRecord {
                    object: object.clone(),
                    file: file.to_string(),
                },
            )?;
            // A versioned bucket keeps the overwritten generation, noncurrent from now.
            let replaced = match current {
                Some(current) if versioning_enabled(&bucket_record.bucket) => {
                    self.keep_noncurrent(txn, bucket, &name, current, &now)?;
                    None
                }
                current => current.map(|r| r.file),
            };
            Ok((object, replaced))
        })?;
        if let Some(old) = replaced {
            self.files.remove_object(&old);
        }
        Ok(object)
    }

    /// Refuses an upload to a bucket that does not exist before any byte is written.
    pub fn check_bucket(&self, bucket: &str) -> Result<(), GcpError> {
        if self.buckets.contains(bucket) {
            Ok(())
        } else {
            Err(bucket_not_found())
        }
    }

    /// A new object file to stream an upload into; [`Storage::put_object`] adopts it.
    pub async fn object_writer(&self) -> Result<ObjectWriter, GcpError> {
        Ok(self.files.writer(&self.new_file_id()).await?)
    }

    fn live(
        &self,
        bucket: &str,
        name: &str,
        generation: Option<i64>,
    ) -> Result<ObjectRecord, GcpError> {
        if !self.buckets.contains(bucket) {
            return Err(bucket_not_found());
        }
        let live = self.objects.get(&object_key(bucket, name));
        match generation {
            Some(wanted) if live.as_ref().and_then(|r| r.object.generation) != Some(wanted) => self
                .noncurrent
                .get(&versions::noncurrent_key(bucket, name, wanted))
                .ok_or_else(|| object_not_found(bucket, name)),
            _ => live.ok_or_else(|| object_not_found(bucket, name)),
        }
    }

    /// An object's metadata and the path of its bytes.
    pub fn get_object(
        &self,
        bucket: &str,
        name: &str,
        generation: Option<i64>,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<(Object, std::path::PathBuf), GcpError> {
        let record = self.live(bucket, name, generation)?;
        preconditions.check(Some(&record.object))?;
        let path = self.files.object_path(&record.file);
        Ok((self.with_object_links(record.object, links), path))
    }

    pub fn patch_object(
        &self,
        bucket: &str,
        name: &str,
        patch: serde_json::Value,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<Object, GcpError> {
        let now = self.now();
        let key = object_key(bucket, name);
        let object = self.kit.store().transaction(|txn| {
            if !txn.contains::<BucketRecord>(&self.buckets, bucket)? {
                return Err(bucket_not_found());
            }
            let mut record = txn
                .get::<ObjectRecord>(&self.objects, &key)?
                .ok_or_else(|| object_not_found(bucket, name))?;
            preconditions.check(Some(&record.object))?;
            let mut value =
                serde_json::to_value(&record.object).map_err(|_| GcpError::internal())?;
            merge(&mut value, patch.clone());
            let mut object: Object = serde_json::from_value(value)
                .map_err(|error| GcpError::invalid(format!("Invalid value: {error}")))?;
            // Only metadata changes: the bytes and their identity stay.
            let kept = &record.object;
            object.name = kept.name.clone();
            object.bucket = kept.bucket.clone();
            object.id = kept.id.clone();
            object.generation = kept.generation;
            object.size = kept.size;
            object.md5_hash = kept.md5_hash.clone();
            object.crc32c = kept.crc32c.clone();
            object.time_created = kept.time_created.clone();
            let metageneration = kept.metageneration.unwrap_or(1) + 1;
            object.metageneration = Some(metageneration);
            object.etag = Some(etag(object.generation, metageneration));
            object.updated = Some(now.clone());
            record.object = object.clone();
            txn.insert(&self.objects, &key, record)?;
            Ok(object)
        })?;
        Ok(self.with_object_links(object, links))
    }

    pub fn delete_object(
        &self,
        bucket: &str,
        name: &str,
        generation: Option<i64>,
        preconditions: &Preconditions,
    ) -> Result<(), GcpError> {
        let key = object_key(bucket, name);
        let now = self.now();
        let file = self.kit.store().transaction(|txn| -> Result<_, GcpError> {
            let bucket_record = txn
                .get::<BucketRecord>(&self.buckets, bucket)?
                .ok_or_else(bucket_not_found)?;
            let live = txn.get::<ObjectRecord>(&self.objects, &key)?;
            let live_generation = live.as_ref().and_then(|r| r.object.generation);
            // A noncurrent generation named by number is deleted for good.
            if let Some(wanted) = generation
                && live_generation != Some(wanted)
            {
                let noncurrent_key = versions::noncurrent_key(bucket, name, wanted);
                let record = txn
                    .get::<ObjectRecord>(&self.noncurrent, &noncurrent_key)?
                    .ok_or_else(|| object_not_found(bucket, name))?;
                preconditions.check(Some(&record.object))?;
                txn.remove(&self.noncurrent, &noncurrent_key)?;
                return Ok(Some(record.file));
            }
            let record = live.ok_or_else(|| object_not_found(bucket, name))?;
            preconditions.check(Some(&record.object))?;
            txn.remove(&self.objects, &key)?;
            // Deleting the live object of a versioned bucket without naming its generation
            // makes it noncurrent; naming it deletes it for good.
            if generation.is_none() && versioning_enabled(&bucket_record.bucket) {
                self.keep_noncurrent(txn, bucket, name, record, &now)?;
                return Ok(None);
            }
            Ok(Some(record.file))
        })?;
        if let Some(file) = file {
            self.files.remove_object(&file);
        }
        Ok(())
    }

    /// Lists objects by name: items and, with a delimiter, the prefixes that stand for what
    /// lies below them, each once across pages.
    pub fn list_objects(
        &self,
        bucket: &str,
        list: &ListObjects,
        links: &Links,
    ) -> Result<Objects, GcpError> {
        if list.versions {
            return self.list_object_versions(bucket, list, links);
        }
        if !self.buckets.contains(bucket) {
            return Err(bucket_not_found());
        }
        let page_size = paging::page_size(list.max_results, 1000, 1000)?;
        let after = paging::resume_after(list.page_token.as_deref())?;
        let prefix = list.prefix.clone().unwrap_or_default();
        let delimiter = list.delimiter.clone().filter(|d| !d.is_empty());
        let key_prefix = object_key(bucket, &prefix);
        let mut start = std::ops::Bound::Included(key_prefix.clone());
        if let Some(offset) = &list.start_offset
            && offset.as_str() > prefix.as_str()
        {
            start = std::ops::Bound::Included(object_key(bucket, offset));
        }
        // A token names the last item or prefix a page held; a prefix covers all below it.
        let mut skip_below: Option<String> = None;
        if let Some(after) = &after {
            start = std::ops::Bound::Excluded(object_key(bucket, after));
            if delimiter
                .as_ref()
                .is_some_and(|d| after.ends_with(d.as_str()))
            {
                skip_below = Some(after.clone());
            }
        }
        let mut items: Vec<Object> = Vec::new();
        let mut prefixes: Vec<String> = Vec::new();
        let mut last_emitted: Option<String> = None;
        let mut next_token = None;
        let mut cursor = start;
        let bucket_prefix_len = bucket.len() + 1;
        'scan: loop {
            let batch =
                self.objects
                    .range((cursor.clone(), std::ops::Bound::Unbounded), 512, false);
            if batch.is_empty() {
                break;
            }
            for (key, record) in batch {
                cursor = std::ops::Bound::Excluded(key.clone());
                if !key.starts_with(&key_prefix) {
                    break 'scan;
                }
                let name = &key[bucket_prefix_len..];
                if list
                    .end_offset
                    .as_ref()
                    .is_some_and(|end| name >= end.as_str())
                {
                    break 'scan;
                }
                if skip_below
                    .as_ref()
                    .is_some_and(|p| name.starts_with(p.as_str()))
                {
                    continue;
                }
                let rest = &name[prefix.len()..];
                let common = delimiter.as_ref().and_then(|d| {
                    rest.find(d.as_str())
                        .map(|at| format!("{prefix}{}", &rest[..at + d.len()]))
                });
                if items.len() + prefixes.len() == page_size {
                    next_token = last_emitted.as_deref().map(paging::token);
                    break 'scan;
                }
                match common {
                    Some(common) => {
                        if list.include_trailing_delimiter && name == common {
                            items.push(self.with_object_links(record.object, links));
                        }
                        if !prefixes.contains(&common) {
                            prefixes.push(common.clone());
                        }
                        skip_below = Some(common.clone());
                        last_emitted = Some(common);
                    }
                    None => {
                        items.push(self.with_object_links(record.object, links));
                        last_emitted = Some(name.to_string());
                    }
                }
            }
        }
        // `includeFoldersAsPrefixes` (with `/`): managed folders at this level are prefixes
        // too, on the page whose range holds them.
        if list.include_folders_as_prefixes && delimiter.as_deref() == Some("/") {
            for (folder_key, _) in self
                .managed_folders
                .scan_prefix(&object_key(bucket, &prefix))
            {
                let name = &folder_key[bucket_prefix_len..];
                let rest = &name[prefix.len()..];
                let Some(at) = rest.find('/') else { continue };
                let common = format!("{prefix}{}", &rest[..=at]);
                let in_range = after.as_ref().is_none_or(|a| common.as_str() > a.as_str())
                    && (next_token.is_none()
                        || last_emitted.as_ref().is_some_and(|l| common <= *l));
                if in_range && !prefixes.contains(&common) {
                    prefixes.push(common);
                }
            }
            prefixes.sort();
        }
        Ok(Objects {
            kind: Some("storage#objects".into()),
            items: (!items.is_empty()).then_some(items),
            prefixes: (!prefixes.is_empty()).then_some(prefixes),
            next_page_token: next_token,
        })
    }

    /// Copies an object (copy and rewrite): the destination gets the source's bytes and the
    /// metadata given, or the source's.
    pub fn copy_object(
        &self,
        source: (&str, &str, Option<i64>),
        destination: (&str, &str),
        metadata: Option<Object>,
        source_preconditions: &Preconditions,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<Object, GcpError> {
        let (source_bucket, source_name, source_generation) = source;
        let record = self.live(source_bucket, source_name, source_generation)?;
        source_preconditions.check(Some(&record.object))?;
        if !self.buckets.contains(destination.0) {
            return Err(bucket_not_found());
        }
        let mut object = metadata.unwrap_or_else(|| {
            let from = &record.object;
            Object {
                content_type: from.content_type.clone(),
                content_encoding: from.content_encoding.clone(),
                content_disposition: from.content_disposition.clone(),
                content_language: from.content_language.clone(),
                cache_control: from.cache_control.clone(),
                metadata: from.metadata.clone(),
                ..Default::default()
            }
        });
        object.name = Some(destination.1.to_string());
        object.md5_hash = None;
        object.crc32c = None;
        let file = self.new_file_id();
        self.files.link(&record.file, &file)?;
        let digests = Digests {
            size: record.object.size.unwrap_or(0),
            md5: record.object.md5_hash.clone().unwrap_or_default(),
            crc32c: record.object.crc32c.clone().unwrap_or_default(),
        };
        self.put_object(destination.0, object, file, digests, preconditions, links)
    }

    pub fn rewrite_object(
        &self,
        source: (&str, &str, Option<i64>),
        destination: (&str, &str),
        metadata: Option<Object>,
        source_preconditions: &Preconditions,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<RewriteResponse, GcpError> {
        let object = self.copy_object(
            source,
            destination,
            metadata,
            source_preconditions,
            preconditions,
            links,
        )?;
        let size = object.size.unwrap_or(0);
        Ok(RewriteResponse {
            kind: Some("storage#rewriteResponse".into()),
            total_bytes_rewritten: Some(size as i64),
            object_size: Some(size as i64),
            done: Some(true),
            resource: Some(object),
            ..Default::default()
        })
    }

    /// Concatenates up to 32 source objects of one bucket into a new object.
    pub fn compose_object(
        &self,
        bucket: &str,
        destination: &str,
        request: ComposeRequest,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<Object, GcpError> {
        let sources = request.source_objects.unwrap_or_default();
        if sources.is_empty() {
            return Err(GcpError::required("sourceObjects"));
        }
        if sources.len() > 32 {
            return Err(GcpError::invalid(
                "The number of source components provided (33) exceeds the maximum (32)"
                    .replace("(33)", &format!("({})", sources.len())),
            ));
        }
        let mut files = Vec::new();
        for source in &sources {
            let name = source
                .name
                .clone()
                .ok_or_else(|| GcpError::required("sourceObjects.name"))?;
            let record = self.live(bucket, &name, source.generation)?;
            if let Some(expected) = source
                .object_preconditions
                .as_ref()
                .and_then(|p| p.if_generation_match)
                && Some(expected) != record.object.generation
            {
                return Err(GcpError::precondition_failed());
            }
            files.push(record.file);
        }
        let mut object = request.destination.unwrap_or_default();
        object.name = Some(destination.to_string());
        object.md5_hash = None;
        object.crc32c = None;
        object.component_count = Some(sources.len() as i32);
        let file = self.new_file_id();
        let digests = self.files.concatenate(&files, &file)?;
        self.put_object(bucket, object, file, digests, preconditions, links)
    }

    // --- resumable uploads ---------------------------------------------------------------

    /// Starts a resumable upload; its ID goes into the session URL.
    pub fn start_upload(
        &self,
        bucket: &str,
        metadata: Object,
        declared_total: Option<u64>,
        preconditions: Preconditions,
    ) -> Result<String, GcpError> {
        if !self.buckets.contains(bucket) {
            return Err(bucket_not_found());
        }
        validate_object_name(metadata.name.as_deref().unwrap_or(""))?;
        let id = self.new_file_id();
        self.files.create_upload(&id)?;
        self.uploads.insert(
            &id,
            UploadRecord {
                bucket: bucket.to_string(),
                object: metadata,
                preconditions,
                declared_total,
            },
        )?;
        Ok(id)
    }

    pub fn upload(&self, id: &str) -> Result<UploadRecord, GcpError> {
        self.uploads.get(id).ok_or_else(|| {
            GcpError::not_found("No such upload session.").with_location("parameter", "upload_id")
        })
    }

    /// Finishes an upload whose bytes are all in its file: the object is written.
    pub fn finish_upload(&self, id: &str, links: &Links) -> Result<Object, GcpError> {
        let upload = self.upload(id)?;
        let file = self.new_file_id();
        let known = self.take_upload_digester(id, None).map(Digester::finish);
        let digests = self.files.adopt_upload(id, &file, known)?;
        self.uploads.remove(id)?;
        self.put_object(
            &upload.bucket,
            upload.object,
            file,
            digests,
            &upload.preconditions,
            links,
        )
    }

    /// Cancels an upload (`DELETE` on its session URL).
    pub fn cancel_upload(&self, id: &str) -> Result<(), GcpError> {
        self.upload(id)?;
        self.uploads.remove(id)?;
        self.take_upload_digester(id, None);
        self.files.remove_upload(id);
        Ok(())
    }

    /// The running digests of upload `id`, if they cover exactly its first `received` bytes
    /// (any length when `None`); a new one for an empty upload.
    pub fn take_upload_digester(&self, id: &str, received: Option<u64>) -> Option<Digester> {
        let mut digests = self
            .upload_digests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match (digests.remove(id), received) {
            (Some(digester), None) => Some(digester),
            (Some(digester), Some(received)) if digester.len() == received => Some(digester),
            (_, Some(0)) => Some(Digester::default()),
            _ => None,
        }
    }

    /// Keeps upload `id`'s running digests for its next chunk.
    pub fn keep_upload_digester(&self, id: &str, digester: Digester) {
        self.upload_digests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_string(), digester);
    }
}

/// Whether a bucket keeps noncurrent generations.
fn versioning_enabled(bucket: &Bucket) -> bool {
    bucket
        .versioning
        .as_ref()
        .and_then(|versioning| versioning.enabled)
        .unwrap_or(false)
}

fn check_bucket_preconditions(
    preconditions: &Preconditions,
    bucket: &Bucket,
) -> Result<(), GcpError> {
    if let Some(expected) = preconditions.if_metageneration_match
        && bucket.metageneration != Some(expected)
    {
        return Err(GcpError::precondition_failed());
    }
    if let Some(unexpected) = preconditions.if_metageneration_not_match
        && bucket.metageneration == Some(unexpected)
    {
        return Err(GcpError::not_modified());
    }
    Ok(())
}

/// JSON merge patch (RFC 7396): objects merge, `null` removes, anything else replaces.
fn merge(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(target), serde_json::Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(&key);
                } else {
                    merge(target.entry(key).or_insert(serde_json::Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_cloud_storage_rules() {
        for good in ["abc", "my-bucket_1", "a.b.c", "0bucket"] {
            assert!(validate_bucket_name(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "Upper",
            "-abc",
            "abc-",
            "goog-x",
            "a..b",
            "a b c",
            &"x".repeat(64),
        ] {
            let error = validate_bucket_name(bad).expect_err(bad);
            assert_eq!(error.message, format!("Invalid bucket name: '{bad}'"));
        }
    }

    #[test]
    fn etags_are_protobuf_of_the_generations() {
        assert_eq!(etag(None, 1), "EAE=");
        assert_eq!(etag(Some(1), 1), "CAEQAQ==");
    }

    #[test]
    fn preconditions_hold_or_answer_412() {
        let object = Object {
            generation: Some(5),
            metageneration: Some(2),
            ..Default::default()
        };
        let check =
            |p: Preconditions, current: Option<&Object>| p.check(current).map_err(|e| e.http);
        assert_eq!(
            check(
                Preconditions {
                    if_generation_match: Some(0),
                    ..Default::default()
                },
                None
            ),
            Ok(())
        );
        assert_eq!(
            check(
                Preconditions {
                    if_generation_match: Some(0),
                    ..Default::default()
                },
                Some(&object)
            ),
            Err(412)
        );
        assert_eq!(
            check(
                Preconditions {
                    if_generation_match: Some(5),
                    ..Default::default()
                },
                Some(&object)
            ),
            Ok(())
        );
        assert_eq!(
            check(
                Preconditions {
                    if_metageneration_match: Some(1),
                    ..Default::default()
                },
                Some(&object)
            ),
            Err(412)
        );
        assert_eq!(
            check(
                Preconditions {
                    if_generation_not_match: Some(5),
                    ..Default::default()
                },
                Some(&object)
            ),
            Err(304)
        );
    }

    #[test]
    fn merge_patch_sets_replaces_and_removes() {
        let mut value = serde_json::json!({"labels": {"a": "1", "b": "2"}, "x": 1});
        merge(
            &mut value,
            serde_json::json!({"labels": {"a": null, "c": "3"}, "x": 2}),
        );
        assert_eq!(
            value,
            serde_json::json!({"labels": {"b": "2", "c": "3"}, "x": 2})
        );
    }
}
