//! Object Lock: the bucket's configuration (only on buckets created with Object Lock, or
//! versioned ones), and each version's legal hold and retention, recorded and read back.
//! Retention is not enforced on deletes (see the module limits in `mod.rs`).

use sim_aws_shapes::normal::{FromNormal, ToNormal};
use sim_aws_shapes::s3::{
    GetObjectLegalHoldOutput, GetObjectLegalHoldRequest, GetObjectLockConfigurationOutput,
    GetObjectLockConfigurationRequest, GetObjectRetentionOutput, GetObjectRetentionRequest,
    ObjectLockConfiguration, ObjectLockLegalHold, ObjectLockRetention, PutObjectLegalHoldOutput,
    PutObjectLegalHoldRequest, PutObjectLockConfigurationOutput, PutObjectLockConfigurationRequest,
    PutObjectRetentionOutput, PutObjectRetentionRequest,
};

use super::{BucketRecord, S3, S3Error, invalid_request};
use crate::services::Ctx;

fn missing_lock_configuration() -> S3Error {
    invalid_request("Bucket is missing Object Lock Configuration")
}

fn require_lock(bucket: &BucketRecord) -> Result<(), S3Error> {
    if bucket.object_lock_enabled {
        Ok(())
    } else {
        Err(missing_lock_configuration())
    }
}

impl S3 {
    pub(super) async fn get_object_lock_configuration(
        &self,
        ctx: &Ctx,
        input: GetObjectLockConfigurationRequest,
    ) -> Result<GetObjectLockConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let value = bucket
            .configs
            .get("object-lock")
            .cloned()
            .filter(|_| bucket.object_lock_enabled)
            .ok_or_else(|| {
                S3Error::new(
                    "ObjectLockConfigurationNotFoundError",
                    404,
                    "Object Lock configuration does not exist for this bucket",
                )
                .with("BucketName", &bucket.name)
            })?;
        let configuration = ObjectLockConfiguration::from_normal(value).map_err(|error| {
            tracing::error!(%error, "a stored object lock configuration does not read back");
            S3Error::new(
                "InternalError",
                500,
                "We encountered an internal error. Please try again.",
            )
        })?;
        Ok(GetObjectLockConfigurationOutput {
            object_lock_configuration: Some(configuration),
        })
    }

    pub(super) async fn put_object_lock_configuration(
        &self,
        ctx: &Ctx,
        input: PutObjectLockConfigurationRequest,
    ) -> Result<PutObjectLockConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if !bucket.object_lock_enabled && bucket.versioning.as_deref() != Some("Enabled") {
            return Err(S3Error::new(
                "InvalidBucketState",
                409,
                "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
            ));
        }
        let configuration = input.object_lock_configuration.unwrap_or_default();
        if configuration.object_lock_enabled.as_deref() != Some("Enabled") {
            return Err(S3Error::new(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        let value = configuration.into_normal();
        self.buckets.modify(&bucket.name, |slot| match slot {
            Some(record) => {
                record.object_lock_enabled = true;
                record.configs.insert("object-lock".to_string(), value);
                Ok(())
            }
            None => Err(super::no_such_bucket(&bucket.name)),
        })?;
        Ok(PutObjectLockConfigurationOutput::default())
    }

    pub(super) async fn get_object_legal_hold(
        &self,
        ctx: &Ctx,
        input: GetObjectLegalHoldRequest,
    ) -> Result<GetObjectLegalHoldOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        require_lock(&bucket)?;
        let (_, object) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        let status = object.legal_hold.ok_or_else(|| {
            S3Error::new(
                "NoSuchObjectLockConfiguration",
                404,
                "The specified object does not have a ObjectLock configuration",
            )
        })?;
        Ok(GetObjectLegalHoldOutput {
            legal_hold: Some(ObjectLockLegalHold {
                status: Some(status),
            }),
        })
    }

    pub(super) async fn put_object_legal_hold(
        &self,
        ctx: &Ctx,
        input: PutObjectLegalHoldRequest,
    ) -> Result<PutObjectLegalHoldOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        require_lock(&bucket)?;
        let (record_key, _) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        let status = input.legal_hold.and_then(|hold| hold.status);
        self.objects
            .update(&record_key, |record| record.legal_hold = status)?;
        Ok(PutObjectLegalHoldOutput::default())
    }

    pub(super) async fn get_object_retention(
        &self,
        ctx: &Ctx,
        input: GetObjectRetentionRequest,
    ) -> Result<GetObjectRetentionOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        require_lock(&bucket)?;
        let (_, object) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        let retention = object
            .retention
            .and_then(|value| ObjectLockRetention::from_normal(value).ok())
            .ok_or_else(|| {
                S3Error::new(
                    "NoSuchObjectLockConfiguration",
                    404,
                    "The specified object does not have a ObjectLock configuration",
                )
            })?;
        Ok(GetObjectRetentionOutput {
            retention: Some(retention),
        })
    }

    pub(super) async fn put_object_retention(
        &self,
        ctx: &Ctx,
        input: PutObjectRetentionRequest,
    ) -> Result<PutObjectRetentionOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        require_lock(&bucket)?;
        let (record_key, _) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        let retention = input.retention.unwrap_or_default();
        if let Some(until) = retention.retain_until_date
            && until.millis() <= self.now()
        {
            return Err(invalid_request(
                "The retain until date must be in the future!",
            ));
        }
        let value = retention.into_normal();
        self.objects
            .update(&record_key, |record| record.retention = Some(value))?;
        Ok(PutObjectRetentionOutput::default())
    }
}
