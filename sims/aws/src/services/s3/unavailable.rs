//! Operations whose feature needs something this simulator does not have, each answering the
//! error S3 gives in that situation: directory buckets (S3 Express: CreateSession,
//! RenameObject; none exist, so ListDirectoryBuckets lists none), S3 Object Lambda
//! (WriteGetObjectResponse: no request route is ever issued), S3 Metadata (needs S3 Tables:
//! no table bucket exists), archive tiers (RestoreObject: no object is ever archived), S3
//! Select and BitTorrent (closed to new customers), and SSE-KMS re-encryption (no KMS keys).
//! Also GetObjectAttributes, which only reads.

use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::s3::{
    Checksum, CreateBucketMetadataConfigurationRequest,
    CreateBucketMetadataTableConfigurationRequest, CreateSessionOutput, CreateSessionRequest,
    DeleteBucketMetadataConfigurationRequest, DeleteBucketMetadataTableConfigurationRequest,
    GetBucketMetadataConfigurationOutput, GetBucketMetadataConfigurationRequest,
    GetBucketMetadataTableConfigurationOutput, GetBucketMetadataTableConfigurationRequest,
    GetObjectAttributesOutput, GetObjectAttributesParts, GetObjectAttributesRequest,
    GetObjectTorrentOutput, GetObjectTorrentRequest, ListDirectoryBucketsOutput,
    ListDirectoryBucketsRequest, RenameObjectOutput, RenameObjectRequest, RestoreObjectOutput,
    RestoreObjectRequest, SelectObjectContentOutput, SelectObjectContentRequest,
    UpdateBucketMetadataInventoryTableConfigurationRequest,
    UpdateBucketMetadataJournalTableConfigurationRequest, UpdateObjectEncryptionRequest,
    UpdateObjectEncryptionResponse, WriteGetObjectResponseRequest,
};

use super::objects::ChecksumMembers;
use super::{S3, S3Error, invalid_argument, invalid_request, no_such_bucket};
use crate::services::Ctx;

fn metadata_configuration_missing() -> S3Error {
    S3Error::new(
        "MetadataConfigurationNotFound",
        404,
        "The specified metadata configuration does not exist.",
    )
}

fn method_not_allowed() -> S3Error {
    S3Error::new(
        "MethodNotAllowed",
        405,
        "The specified method is not allowed against this resource.",
    )
}

impl S3 {
    pub(super) async fn create_session(
        &self,
        ctx: &Ctx,
        input: CreateSessionRequest,
    ) -> Result<CreateSessionOutput, S3Error> {
        // Sessions are for directory buckets, which cannot be created here.
        let _ = ctx;
        Err(no_such_bucket(&input.bucket))
    }

    pub(super) async fn list_directory_buckets(
        &self,
        ctx: &Ctx,
        input: ListDirectoryBucketsRequest,
    ) -> Result<ListDirectoryBucketsOutput, S3Error> {
        let _ = (ctx, input);
        Ok(ListDirectoryBucketsOutput {
            buckets: Some(Vec::new()),
            continuation_token: None,
        })
    }

    pub(super) async fn rename_object(
        &self,
        ctx: &Ctx,
        input: RenameObjectRequest,
    ) -> Result<RenameObjectOutput, S3Error> {
        let bucket = self.owned_bucket(ctx, &input.bucket, None)?;
        let _ = bucket;
        Err(invalid_request(
            "RenameObject is only supported for directory buckets",
        ))
    }

    pub(super) async fn write_get_object_response(
        &self,
        ctx: &Ctx,
        input: WriteGetObjectResponseRequest,
    ) -> Result<(), S3Error> {
        let _ = ctx;
        Err(invalid_request("Invalid request token").with("RequestRoute", input.request_route))
    }

    pub(super) async fn create_bucket_metadata_configuration(
        &self,
        ctx: &Ctx,
        input: CreateBucketMetadataConfigurationRequest,
    ) -> Result<(), S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(invalid_request(
            "The S3 Tables table bucket for the metadata configuration does not exist.",
        ))
    }

    pub(super) async fn create_bucket_metadata_table_configuration(
        &self,
        ctx: &Ctx,
        input: CreateBucketMetadataTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(invalid_request(
            "The S3 Tables table bucket for the metadata configuration does not exist.",
        ))
    }

    pub(super) async fn get_bucket_metadata_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketMetadataConfigurationRequest,
    ) -> Result<GetBucketMetadataConfigurationOutput, S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(metadata_configuration_missing())
    }

    pub(super) async fn get_bucket_metadata_table_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketMetadataTableConfigurationRequest,
    ) -> Result<GetBucketMetadataTableConfigurationOutput, S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(S3Error::new(
            "MetadataTableConfigurationNotFound",
            404,
            "The specified metadata table configuration does not exist.",
        ))
    }

    pub(super) async fn delete_bucket_metadata_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketMetadataConfigurationRequest,
    ) -> Result<(), S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(metadata_configuration_missing())
    }

    pub(super) async fn delete_bucket_metadata_table_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketMetadataTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(S3Error::new(
            "MetadataTableConfigurationNotFound",
            404,
            "The specified metadata table configuration does not exist.",
        ))
    }

    pub(super) async fn update_bucket_metadata_inventory_table_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateBucketMetadataInventoryTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(metadata_configuration_missing())
    }

    pub(super) async fn update_bucket_metadata_journal_table_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateBucketMetadataJournalTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Err(metadata_configuration_missing())
    }

    pub(super) async fn restore_object(
        &self,
        ctx: &Ctx,
        input: RestoreObjectRequest,
    ) -> Result<RestoreObjectOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        Err(S3Error::new(
            "InvalidObjectState",
            403,
            "Restore is not allowed for the object's current storage class",
        ))
    }

    pub(super) async fn select_object_content(
        &self,
        ctx: &Ctx,
        input: SelectObjectContentRequest,
    ) -> Result<SelectObjectContentOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.find_object(&bucket.name, &input.key, None)?;
        Err(method_not_allowed())
    }

    pub(super) async fn get_object_torrent(
        &self,
        ctx: &Ctx,
        input: GetObjectTorrentRequest,
    ) -> Result<GetObjectTorrentOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.find_object(&bucket.name, &input.key, None)?;
        Err(method_not_allowed())
    }

    pub(super) async fn update_object_encryption(
        &self,
        ctx: &Ctx,
        input: UpdateObjectEncryptionRequest,
    ) -> Result<UpdateObjectEncryptionResponse, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        Err(
            invalid_argument("The specified KMS key does not exist.").with(
                "ArgumentName",
                "x-amz-server-side-encryption-aws-kms-key-id",
            ),
        )
    }

    pub(super) async fn get_object_attributes(
        &self,
        ctx: &Ctx,
        input: GetObjectAttributesRequest,
    ) -> Result<GetObjectAttributesOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (_, object) =
            self.find_object(&bucket.name, &input.key, input.version_id.as_deref())?;
        let wants = |name: &str| input.object_attributes.iter().any(|a| a == name);
        let members = ChecksumMembers::of(object.checksum.as_ref());
        Ok(GetObjectAttributesOutput {
            delete_marker: None,
            last_modified: Some(Timestamp::from_millis(object.last_modified_ms)),
            version_id: bucket
                .versioning
                .is_some()
                .then(|| object.version_id.clone()),
            request_charged: None,
            e_tag: wants("ETag").then(|| object.etag.trim_matches('"').to_string()),
            checksum: (wants("Checksum") && object.checksum.is_some()).then(|| Checksum {
                checksum_crc32: members.crc32,
                checksum_crc32_c: members.crc32c,
                checksum_crc64_nvme: members.crc64nvme,
                checksum_sha1: members.sha1,
                checksum_sha256: members.sha256,
                checksum_type: object.checksum_type.clone(),
                ..Default::default()
            }),
            object_parts: (wants("ObjectParts") && object.parts_count.is_some()).then(|| {
                GetObjectAttributesParts {
                    total_parts_count: object.parts_count,
                    ..Default::default()
                }
            }),
            storage_class: wants("StorageClass").then(|| {
                object
                    .storage_class
                    .clone()
                    .unwrap_or_else(|| "STANDARD".to_string())
            }),
            object_size: wants("ObjectSize").then_some(object.size as i64),
        })
    }
}
