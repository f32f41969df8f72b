//! Amazon S3: buckets, objects with bodies streamed to and from disk, listings, multipart
//! uploads, versioning, tagging, and bucket configurations read back as written.
//!
//! | module | holds |
//! |---|---|
//! | `api` | the generated `Api` trait's table: one delegating line per operation |
//! | `buckets` | CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation, naming rules |
//! | `objects` | PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject, conditions, ranges |
//! | `listing` | ListObjects, ListObjectsV2, ListObjectVersions (prefix, delimiter, markers, url encoding) |
//! | `multipart` | multipart uploads: create, parts, copy parts, complete, abort, list |
//! | `configs` | versioning, tagging, policy, ACLs and the bucket configurations stored as written |
//! | `settings` | accelerate, request payment, logging, replication, ABAC, policy status, deprecated lifecycle and notification, ID-keyed configurations (analytics, inventory, metrics, intelligent tiering) |
//! | `object_lock` | Object Lock configuration, legal holds, retention |
//! | `unavailable` | operations whose feature needs what the simulator lacks, answering S3's error; GetObjectAttributes |
//! | `data` | the object files: named by ID under the S3 directory, never by key |
//! | `internal` | what other services do with S3 from the inside: read a package, write an export, read a bucket policy |
//!
//! State: buckets by name (the namespace is global across accounts); object versions by
//! `bucket\0key\0rank`, where the rank sorts a key's newest version first; multipart uploads
//! by `bucket\0key\0upload-id` and their parts by `upload-id\0part-number`. Object bytes live in
//! files named by random IDs under `<state-dir>/s3/objects` (the scratch directory in memory
//! mode), so a key such as `../../etc/passwd` is only ever a string in a record.
//!
//! Limits: no server-side encryption is performed (the settings are recorded and echoed);
//! replication, inventory, analytics and logging are stored but nothing is delivered, and
//! notification destinations are refused (no SNS, SQS or Lambda to validate them against);
//! storage classes are labels; object lock is recorded, retention is not enforced on deletes;
//! bucket policies are evaluated under `--enforce-iam` (`Service::resource_policy`), ACLs are not;
//! directory buckets, S3 Select, BitTorrent, Object Lambda and S3 Metadata answer S3's errors
//! for their absence (see `unavailable`).

mod api;
mod buckets;
mod configs;
pub mod data;
pub mod internal;
mod listing;
mod multipart;
mod object_lock;
mod objects;
mod settings;
mod unavailable;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// S3's errors: its code, HTTP status, message and the extra elements of its `<Error>`.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{message}")]
    Api {
        code: &'static str,
        status: u16,
        message: String,
        fields: Vec<(&'static str, String)>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("object data: {0}")]
    Io(#[from] std::io::Error),
}

impl S3Error {
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self::Api {
            code,
            status,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// Adds an element to the error body (`<Key>`, `<BucketName>`).
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        if let Self::Api { fields, .. } = &mut self {
            fields.push((name, value.into()));
        }
        self
    }
}

impl From<S3Error> for AwsError {
    fn from(error: S3Error) -> Self {
        match error {
            S3Error::Unimplemented(unimplemented) => AwsError::with_status(
                "NotImplemented",
                501,
                format!(
                    "A header you provided implies functionality that is not implemented ({})",
                    unimplemented.operation
                ),
            ),
            S3Error::Api {
                code,
                status,
                message,
                fields,
            } => {
                let mut error = AwsError::with_status(code, status, message);
                for (name, value) in fields {
                    error = error.field(name, value);
                }
                error
            }
            S3Error::Store(error) => error.into(),
            S3Error::Io(error) => {
                tracing::error!(%error, "object data failure");
                AwsError::with_status(
                    "InternalError",
                    500,
                    "We encountered an internal error. Please try again.",
                )
            }
        }
    }
}

pub(crate) fn no_such_bucket(bucket: &str) -> S3Error {
    S3Error::new("NoSuchBucket", 404, "The specified bucket does not exist")
        .with("BucketName", bucket)
}

pub(crate) fn no_such_key(key: &str) -> S3Error {
    S3Error::new("NoSuchKey", 404, "The specified key does not exist.").with("Key", key)
}

pub(crate) fn invalid_argument(message: impl Into<String>) -> S3Error {
    S3Error::new("InvalidArgument", 400, message)
}

pub(crate) fn invalid_request(message: impl Into<String>) -> S3Error {
    S3Error::new("InvalidRequest", 400, message)
}

/// A stored bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketRecord {
    pub name: String,
    pub account_id: String,
    pub region: String,
    pub created_ms: i64,
    /// `Enabled` or `Suspended` once set; never set means unversioned.
    pub versioning: Option<String>,
    pub mfa_delete: Option<String>,
    pub object_lock_enabled: bool,
    /// Configurations stored as written, by name (`cors`, `lifecycle`, `policy`, ...), in the
    /// normal form of their generated types.
    pub configs: BTreeMap<String, serde_json::Value>,
    /// Counts versions written, to rank them newest first.
    pub next_rank: u64,
}

/// One version of an object (or a delete marker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectRecord {
    pub key: String,
    /// `null` for versions written while versioning was never enabled or suspended.
    pub version_id: String,
    pub delete_marker: bool,
    /// The file holding the bytes (none for delete markers).
    pub data_id: Option<String>,
    pub size: u64,
    pub etag: String,
    pub last_modified_ms: i64,
    pub headers: ObjectHeaders,
    pub metadata: BTreeMap<String, String>,
    pub tags: Vec<(String, String)>,
    pub storage_class: Option<String>,
    /// Algorithm name and base64 value.
    pub checksum: Option<(String, String)>,
    pub checksum_type: Option<String>,
    pub parts_count: Option<i32>,
    pub acl: Option<serde_json::Value>,
    pub legal_hold: Option<String>,
    pub retention: Option<serde_json::Value>,
    pub owner_account: String,
}

/// The representation headers S3 stores with an object and answers on GET and HEAD.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectHeaders {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub cache_control: Option<String>,
    pub expires: Option<String>,
    pub website_redirect_location: Option<String>,
    pub server_side_encryption: Option<String>,
    pub ssekms_key_id: Option<String>,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub key: String,
    pub upload_id: String,
    pub initiated_ms: i64,
    pub headers: ObjectHeaders,
    pub metadata: BTreeMap<String, String>,
    pub tags: Vec<(String, String)>,
    pub storage_class: Option<String>,
    pub checksum_algorithm: Option<String>,
    pub checksum_type: Option<String>,
    pub acl: Option<serde_json::Value>,
    pub owner_account: String,
}

/// One uploaded part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartRecord {
    pub part_number: i32,
    pub data_id: String,
    pub size: u64,
    /// The part's MD5, hex, unquoted.
    pub md5_hex: String,
    pub last_modified_ms: i64,
    pub checksum: Option<(String, String)>,
}

/// The S3 service.
pub struct S3 {
    kit: Kit,
    buckets: Arc<Collection<BucketRecord>>,
    objects: Arc<Collection<ObjectRecord>>,
    uploads: Arc<Collection<UploadRecord>>,
    parts: Arc<Collection<PartRecord>>,
    data: data::ObjectFiles,
}

/// Where S3 keeps its files: its directory among the kit's files.
pub fn data_dir(kit: &Kit) -> PathBuf {
    kit.files_dir().join("s3")
}

impl S3 {
    pub fn new(kit: Kit, config: &crate::Config) -> Result<Self, StoreError> {
        let _ = config;
        let store = kit.store();
        let data = data::ObjectFiles::new(data_dir(&kit));
        Ok(Self {
            buckets: store.collection("s3-buckets")?,
            objects: store.collection("s3-objects")?,
            uploads: store.collection("s3-uploads")?,
            parts: store.collection("s3-parts")?,
            data,
            kit,
        })
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// The bucket, if it exists (in any account: S3's namespace is global).
    fn bucket(&self, name: &str) -> Result<BucketRecord, S3Error> {
        self.buckets.get(name).ok_or_else(|| no_such_bucket(name))
    }
}

/// The canonical user ID S3 shows for an account (64 hex digits, stable per account).
pub fn canonical_id(account_id: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("s3-canonical-{account_id}")))
}

/// The key of a version record.
fn version_key(bucket: &str, key: &str, rank: u64) -> String {
    format!("{bucket}\0{key}\0{:020}", u64::MAX - rank)
}

/// The prefix of all versions of `key`.
fn key_prefix(bucket: &str, key: &str) -> String {
    format!("{bucket}\0{key}\0")
}

fn upload_key(bucket: &str, key: &str, upload_id: &str) -> String {
    format!("{bucket}\0{key}\0{upload_id}")
}

fn part_key(upload_id: &str, part_number: i32) -> String {
    format!("{upload_id}\0{part_number:05}")
}

#[async_trait::async_trait]
impl Service for S3 {
    fn model(&self) -> &'static Model {
        model::s3()
    }

    /// A bucket's policy, for the bucket and its objects (`arn:aws:s3:::BUCKET[/KEY]`).
    fn resource_policy(&self, resource_arn: &str) -> Option<super::ResourcePolicy> {
        let path = resource_arn.strip_prefix("arn:aws:s3:::")?;
        let bucket_name = path.split('/').next().filter(|name| !name.is_empty())?;
        let bucket = self.buckets.get(bucket_name)?;
        let document = bucket.configs.get("policy")?.as_str()?.to_string();
        Some(super::ResourcePolicy {
            document: Some(document),
            owner_account: bucket.account_id,
            resource_arn: None,
            required: false,
        })
    }

    fn validation(&self) -> Validation {
        Validation {
            code: "InvalidArgument",
            echo_values: false,
            special: |_| None,
        }
    }

    /// CreateBucket's one constrained member clients get wrong is `LocationConstraint`, which S3
    /// refuses as `InvalidLocationConstraint` (`us-east-1` is not among its values).
    fn validation_for(&self, operation: &str) -> Validation {
        if operation == "CreateBucket" {
            return Validation {
                code: "InvalidLocationConstraint",
                echo_values: false,
                special: |violation| {
                    (violation.member() == "LocationConstraint")
                        .then(|| "The specified location-constraint is not valid".to_string())
                },
            };
        }
        self.validation()
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "s3",
            operation,
            sim_aws_shapes::s3::dispatch(self, ctx, operation, input).await,
        )
    }
}
