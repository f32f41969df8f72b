//! What other services do with S3 on their own account, the way AWS's services do it from the
//! inside: Lambda reads deployment packages (`Code.S3Bucket`/`S3Key`), CloudWatch Logs writes
//! export tasks' objects, and the authorizer reads bucket policies.
//!
//! These calls take no [`Ctx`](crate::services::Ctx): they are the service's own requests, not
//! the client's, so they answer S3's errors as the calling service will quote them.
//!
//! Must not: build a file path from a bucket or key (objects are found through their records).

use std::io::Read;

use super::{BucketRecord, ObjectHeaders, ObjectRecord, S3, S3Error, no_such_bucket};

/// An object another service writes: its bytes and representation headers.
#[derive(Debug, Clone, Default)]
pub struct NewObject {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
}

impl S3Error {
    /// S3's error code and message, as services quote them (`S3 Error Code: NoSuchKey`).
    pub fn code_and_message(&self) -> (&str, String) {
        match self {
            S3Error::Api { code, message, .. } => (code, message.clone()),
            _ => (
                "InternalError",
                "We encountered an internal error. Please try again.".to_string(),
            ),
        }
    }
}

impl S3 {
    /// The bucket `name`, if it exists.
    pub fn bucket_record(&self, name: &str) -> Option<BucketRecord> {
        self.buckets.get(name)
    }

    /// The bucket's policy document as written, if it has one.
    pub fn bucket_policy(&self, name: &str) -> Option<String> {
        self.buckets
            .get(name)?
            .configs
            .get("policy")
            .and_then(|policy| policy.as_str().map(str::to_string))
    }

    /// The bytes of `key` in `bucket` (its newest version, or `version_id`), at most `limit`
    /// bytes: a larger object answers `EntityTooLarge` rather than filling memory.
    pub fn read_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        limit: u64,
    ) -> Result<Vec<u8>, S3Error> {
        self.bucket(bucket)?;
        let (_, object) = self.find_object(bucket, key, version_id)?;
        if object.size > limit {
            return Err(S3Error::new(
                "EntityTooLarge",
                400,
                "Your proposed upload exceeds the maximum allowed size",
            ));
        }
        let Some(data_id) = object.data_id else {
            return Err(super::no_such_key(key));
        };
        let mut bytes = Vec::with_capacity(object.size as usize);
        self.data.open(&data_id)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Writes `object` as `key` in `bucket`, owned by `owner_account`, as a PutObject with no
    /// conditions would: a new version when versioning is enabled. Returns the version ID.
    pub fn write_object(
        &self,
        owner_account: &str,
        bucket: &str,
        key: &str,
        object: NewObject,
    ) -> Result<String, S3Error> {
        let record = self
            .buckets
            .get(bucket)
            .ok_or_else(|| no_such_bucket(bucket))?;
        let data_id = self.kit.ids().hex(32);
        self.data.write(&data_id, &object.bytes)?;
        let md5 = {
            use md5::Digest;
            hex::encode(md5::Md5::digest(&object.bytes))
        };
        let stored = ObjectRecord {
            key: key.to_string(),
            version_id: String::new(),
            delete_marker: false,
            data_id: Some(data_id.clone()),
            size: object.bytes.len() as u64,
            etag: format!("\"{md5}\""),
            last_modified_ms: self.now(),
            headers: ObjectHeaders {
                content_type: Some(
                    object
                        .content_type
                        .unwrap_or_else(|| "binary/octet-stream".to_string()),
                ),
                content_encoding: object.content_encoding,
                server_side_encryption: Some("AES256".to_string()),
                ..ObjectHeaders::default()
            },
            metadata: Default::default(),
            tags: Vec::new(),
            storage_class: None,
            checksum: None,
            checksum_type: None,
            parts_count: None,
            acl: None,
            legal_hold: None,
            retention: None,
            owner_account: owner_account.to_string(),
        };
        match self.write_version(&record, stored) {
            Ok(version_id) => Ok(version_id),
            Err(error) => {
                self.data.remove(&data_id);
                Err(error)
            }
        }
    }
}
