//! The `Api` table: every S3 operation, delegated to its handler in the topic module that owns
//! it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::s3::{
    AbortMultipartUploadOutput, AbortMultipartUploadRequest, Api, CompleteMultipartUploadOutput,
    CompleteMultipartUploadRequest, CopyObjectOutput, CopyObjectRequest,
    CreateBucketMetadataConfigurationRequest, CreateBucketMetadataTableConfigurationRequest,
    CreateBucketOutput, CreateBucketRequest, CreateMultipartUploadOutput,
    CreateMultipartUploadRequest, CreateSessionOutput, CreateSessionRequest,
    DeleteBucketAnalyticsConfigurationRequest, DeleteBucketCorsRequest,
    DeleteBucketEncryptionRequest, DeleteBucketIntelligentTieringConfigurationRequest,
    DeleteBucketInventoryConfigurationRequest, DeleteBucketLifecycleRequest,
    DeleteBucketMetadataConfigurationRequest, DeleteBucketMetadataTableConfigurationRequest,
    DeleteBucketMetricsConfigurationRequest, DeleteBucketOwnershipControlsRequest,
    DeleteBucketPolicyRequest, DeleteBucketReplicationRequest, DeleteBucketRequest,
    DeleteBucketTaggingRequest, DeleteBucketWebsiteRequest, DeleteObjectOutput,
    DeleteObjectRequest, DeleteObjectTaggingOutput, DeleteObjectTaggingRequest,
    DeleteObjectsOutput, DeleteObjectsRequest, DeletePublicAccessBlockRequest, GetBucketAbacOutput,
    GetBucketAbacRequest, GetBucketAccelerateConfigurationOutput,
    GetBucketAccelerateConfigurationRequest, GetBucketAclOutput, GetBucketAclRequest,
    GetBucketAnalyticsConfigurationOutput, GetBucketAnalyticsConfigurationRequest,
    GetBucketCorsOutput, GetBucketCorsRequest, GetBucketEncryptionOutput,
    GetBucketEncryptionRequest, GetBucketIntelligentTieringConfigurationOutput,
    GetBucketIntelligentTieringConfigurationRequest, GetBucketInventoryConfigurationOutput,
    GetBucketInventoryConfigurationRequest, GetBucketLifecycleConfigurationOutput,
    GetBucketLifecycleConfigurationRequest, GetBucketLifecycleOutput, GetBucketLifecycleRequest,
    GetBucketLocationOutput, GetBucketLocationRequest, GetBucketLoggingOutput,
    GetBucketLoggingRequest, GetBucketMetadataConfigurationOutput,
    GetBucketMetadataConfigurationRequest, GetBucketMetadataTableConfigurationOutput,
    GetBucketMetadataTableConfigurationRequest, GetBucketMetricsConfigurationOutput,
    GetBucketMetricsConfigurationRequest, GetBucketNotificationConfigurationRequest,
    GetBucketOwnershipControlsOutput, GetBucketOwnershipControlsRequest, GetBucketPolicyOutput,
    GetBucketPolicyRequest, GetBucketPolicyStatusOutput, GetBucketPolicyStatusRequest,
    GetBucketReplicationOutput, GetBucketReplicationRequest, GetBucketRequestPaymentOutput,
    GetBucketRequestPaymentRequest, GetBucketTaggingOutput, GetBucketTaggingRequest,
    GetBucketVersioningOutput, GetBucketVersioningRequest, GetBucketWebsiteOutput,
    GetBucketWebsiteRequest, GetObjectAclOutput, GetObjectAclRequest, GetObjectAttributesOutput,
    GetObjectAttributesRequest, GetObjectLegalHoldOutput, GetObjectLegalHoldRequest,
    GetObjectLockConfigurationOutput, GetObjectLockConfigurationRequest, GetObjectOutput,
    GetObjectRequest, GetObjectRetentionOutput, GetObjectRetentionRequest, GetObjectTaggingOutput,
    GetObjectTaggingRequest, GetObjectTorrentOutput, GetObjectTorrentRequest,
    GetPublicAccessBlockOutput, GetPublicAccessBlockRequest, HeadBucketOutput, HeadBucketRequest,
    HeadObjectOutput, HeadObjectRequest, ListBucketAnalyticsConfigurationsOutput,
    ListBucketAnalyticsConfigurationsRequest, ListBucketIntelligentTieringConfigurationsOutput,
    ListBucketIntelligentTieringConfigurationsRequest, ListBucketInventoryConfigurationsOutput,
    ListBucketInventoryConfigurationsRequest, ListBucketMetricsConfigurationsOutput,
    ListBucketMetricsConfigurationsRequest, ListBucketsOutput, ListBucketsRequest,
    ListDirectoryBucketsOutput, ListDirectoryBucketsRequest, ListMultipartUploadsOutput,
    ListMultipartUploadsRequest, ListObjectVersionsOutput, ListObjectVersionsRequest,
    ListObjectsOutput, ListObjectsRequest, ListObjectsV2Output, ListObjectsV2Request,
    ListPartsOutput, ListPartsRequest, NotificationConfiguration,
    NotificationConfigurationDeprecated, PutBucketAbacRequest,
    PutBucketAccelerateConfigurationRequest, PutBucketAclRequest,
    PutBucketAnalyticsConfigurationRequest, PutBucketCorsRequest, PutBucketEncryptionRequest,
    PutBucketIntelligentTieringConfigurationRequest, PutBucketInventoryConfigurationRequest,
    PutBucketLifecycleConfigurationOutput, PutBucketLifecycleConfigurationRequest,
    PutBucketLifecycleRequest, PutBucketLoggingRequest, PutBucketMetricsConfigurationRequest,
    PutBucketNotificationConfigurationRequest, PutBucketNotificationRequest,
    PutBucketOwnershipControlsRequest, PutBucketPolicyRequest, PutBucketReplicationRequest,
    PutBucketRequestPaymentRequest, PutBucketTaggingRequest, PutBucketVersioningRequest,
    PutBucketWebsiteRequest, PutObjectAclOutput, PutObjectAclRequest, PutObjectLegalHoldOutput,
    PutObjectLegalHoldRequest, PutObjectLockConfigurationOutput, PutObjectLockConfigurationRequest,
    PutObjectOutput, PutObjectRequest, PutObjectRetentionOutput, PutObjectRetentionRequest,
    PutObjectTaggingOutput, PutObjectTaggingRequest, PutPublicAccessBlockRequest,
    RenameObjectOutput, RenameObjectRequest, RestoreObjectOutput, RestoreObjectRequest,
    SelectObjectContentOutput, SelectObjectContentRequest,
    UpdateBucketMetadataInventoryTableConfigurationRequest,
    UpdateBucketMetadataJournalTableConfigurationRequest, UpdateObjectEncryptionRequest,
    UpdateObjectEncryptionResponse, UploadPartCopyOutput, UploadPartCopyRequest, UploadPartOutput,
    UploadPartRequest, WriteGetObjectResponseRequest,
};

use super::{S3, S3Error};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for S3 {
    type Ctx = Ctx;
    type Error = S3Error;

    async fn abort_multipart_upload(
        &self,
        ctx: &Ctx,
        input: AbortMultipartUploadRequest,
    ) -> Result<AbortMultipartUploadOutput, S3Error> {
        S3::abort_multipart_upload(self, ctx, input).await
    }

    async fn complete_multipart_upload(
        &self,
        ctx: &Ctx,
        input: CompleteMultipartUploadRequest,
    ) -> Result<CompleteMultipartUploadOutput, S3Error> {
        S3::complete_multipart_upload(self, ctx, input).await
    }

    async fn copy_object(
        &self,
        ctx: &Ctx,
        input: CopyObjectRequest,
    ) -> Result<CopyObjectOutput, S3Error> {
        S3::copy_object(self, ctx, input).await
    }

    async fn create_bucket(
        &self,
        ctx: &Ctx,
        input: CreateBucketRequest,
    ) -> Result<CreateBucketOutput, S3Error> {
        S3::create_bucket(self, ctx, input).await
    }

    async fn create_bucket_metadata_configuration(
        &self,
        ctx: &Ctx,
        input: CreateBucketMetadataConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::create_bucket_metadata_configuration(self, ctx, input).await
    }

    async fn create_bucket_metadata_table_configuration(
        &self,
        ctx: &Ctx,
        input: CreateBucketMetadataTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::create_bucket_metadata_table_configuration(self, ctx, input).await
    }

    async fn create_multipart_upload(
        &self,
        ctx: &Ctx,
        input: CreateMultipartUploadRequest,
    ) -> Result<CreateMultipartUploadOutput, S3Error> {
        S3::create_multipart_upload(self, ctx, input).await
    }

    async fn create_session(
        &self,
        ctx: &Ctx,
        input: CreateSessionRequest,
    ) -> Result<CreateSessionOutput, S3Error> {
        S3::create_session(self, ctx, input).await
    }

    async fn delete_bucket(&self, ctx: &Ctx, input: DeleteBucketRequest) -> Result<(), S3Error> {
        S3::delete_bucket(self, ctx, input).await
    }

    async fn delete_bucket_analytics_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketAnalyticsConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_analytics_configuration(self, ctx, input).await
    }

    async fn delete_bucket_cors(
        &self,
        ctx: &Ctx,
        input: DeleteBucketCorsRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_cors(self, ctx, input).await
    }

    async fn delete_bucket_encryption(
        &self,
        ctx: &Ctx,
        input: DeleteBucketEncryptionRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_encryption(self, ctx, input).await
    }

    async fn delete_bucket_intelligent_tiering_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketIntelligentTieringConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_intelligent_tiering_configuration(self, ctx, input).await
    }

    async fn delete_bucket_inventory_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketInventoryConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_inventory_configuration(self, ctx, input).await
    }

    async fn delete_bucket_lifecycle(
        &self,
        ctx: &Ctx,
        input: DeleteBucketLifecycleRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_lifecycle(self, ctx, input).await
    }

    async fn delete_bucket_metadata_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketMetadataConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_metadata_configuration(self, ctx, input).await
    }

    async fn delete_bucket_metadata_table_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketMetadataTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_metadata_table_configuration(self, ctx, input).await
    }

    async fn delete_bucket_metrics_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketMetricsConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_metrics_configuration(self, ctx, input).await
    }

    async fn delete_bucket_ownership_controls(
        &self,
        ctx: &Ctx,
        input: DeleteBucketOwnershipControlsRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_ownership_controls(self, ctx, input).await
    }

    async fn delete_bucket_policy(
        &self,
        ctx: &Ctx,
        input: DeleteBucketPolicyRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_policy(self, ctx, input).await
    }

    async fn delete_bucket_replication(
        &self,
        ctx: &Ctx,
        input: DeleteBucketReplicationRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_replication(self, ctx, input).await
    }

    async fn delete_bucket_tagging(
        &self,
        ctx: &Ctx,
        input: DeleteBucketTaggingRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_tagging(self, ctx, input).await
    }

    async fn delete_bucket_website(
        &self,
        ctx: &Ctx,
        input: DeleteBucketWebsiteRequest,
    ) -> Result<(), S3Error> {
        S3::delete_bucket_website(self, ctx, input).await
    }

    async fn delete_object(
        &self,
        ctx: &Ctx,
        input: DeleteObjectRequest,
    ) -> Result<DeleteObjectOutput, S3Error> {
        S3::delete_object(self, ctx, input).await
    }

    async fn delete_object_tagging(
        &self,
        ctx: &Ctx,
        input: DeleteObjectTaggingRequest,
    ) -> Result<DeleteObjectTaggingOutput, S3Error> {
        S3::delete_object_tagging(self, ctx, input).await
    }

    async fn delete_objects(
        &self,
        ctx: &Ctx,
        input: DeleteObjectsRequest,
    ) -> Result<DeleteObjectsOutput, S3Error> {
        S3::delete_objects(self, ctx, input).await
    }

    async fn delete_public_access_block(
        &self,
        ctx: &Ctx,
        input: DeletePublicAccessBlockRequest,
    ) -> Result<(), S3Error> {
        S3::delete_public_access_block(self, ctx, input).await
    }

    async fn get_bucket_abac(
        &self,
        ctx: &Ctx,
        input: GetBucketAbacRequest,
    ) -> Result<GetBucketAbacOutput, S3Error> {
        S3::get_bucket_abac(self, ctx, input).await
    }

    async fn get_bucket_accelerate_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketAccelerateConfigurationRequest,
    ) -> Result<GetBucketAccelerateConfigurationOutput, S3Error> {
        S3::get_bucket_accelerate_configuration(self, ctx, input).await
    }

    async fn get_bucket_acl(
        &self,
        ctx: &Ctx,
        input: GetBucketAclRequest,
    ) -> Result<GetBucketAclOutput, S3Error> {
        S3::get_bucket_acl(self, ctx, input).await
    }

    async fn get_bucket_analytics_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketAnalyticsConfigurationRequest,
    ) -> Result<GetBucketAnalyticsConfigurationOutput, S3Error> {
        S3::get_bucket_analytics_configuration(self, ctx, input).await
    }

    async fn get_bucket_cors(
        &self,
        ctx: &Ctx,
        input: GetBucketCorsRequest,
    ) -> Result<GetBucketCorsOutput, S3Error> {
        S3::get_bucket_cors(self, ctx, input).await
    }

    async fn get_bucket_encryption(
        &self,
        ctx: &Ctx,
        input: GetBucketEncryptionRequest,
    ) -> Result<GetBucketEncryptionOutput, S3Error> {
        S3::get_bucket_encryption(self, ctx, input).await
    }

    async fn get_bucket_intelligent_tiering_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketIntelligentTieringConfigurationRequest,
    ) -> Result<GetBucketIntelligentTieringConfigurationOutput, S3Error> {
        S3::get_bucket_intelligent_tiering_configuration(self, ctx, input).await
    }

    async fn get_bucket_inventory_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketInventoryConfigurationRequest,
    ) -> Result<GetBucketInventoryConfigurationOutput, S3Error> {
        S3::get_bucket_inventory_configuration(self, ctx, input).await
    }

    async fn get_bucket_lifecycle(
        &self,
        ctx: &Ctx,
        input: GetBucketLifecycleRequest,
    ) -> Result<GetBucketLifecycleOutput, S3Error> {
        S3::get_bucket_lifecycle(self, ctx, input).await
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketLifecycleConfigurationRequest,
    ) -> Result<GetBucketLifecycleConfigurationOutput, S3Error> {
        S3::get_bucket_lifecycle_configuration(self, ctx, input).await
    }

    async fn get_bucket_location(
        &self,
        ctx: &Ctx,
        input: GetBucketLocationRequest,
    ) -> Result<GetBucketLocationOutput, S3Error> {
        S3::get_bucket_location(self, ctx, input).await
    }

    async fn get_bucket_logging(
        &self,
        ctx: &Ctx,
        input: GetBucketLoggingRequest,
    ) -> Result<GetBucketLoggingOutput, S3Error> {
        S3::get_bucket_logging(self, ctx, input).await
    }

    async fn get_bucket_metadata_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketMetadataConfigurationRequest,
    ) -> Result<GetBucketMetadataConfigurationOutput, S3Error> {
        S3::get_bucket_metadata_configuration(self, ctx, input).await
    }

    async fn get_bucket_metadata_table_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketMetadataTableConfigurationRequest,
    ) -> Result<GetBucketMetadataTableConfigurationOutput, S3Error> {
        S3::get_bucket_metadata_table_configuration(self, ctx, input).await
    }

    async fn get_bucket_metrics_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketMetricsConfigurationRequest,
    ) -> Result<GetBucketMetricsConfigurationOutput, S3Error> {
        S3::get_bucket_metrics_configuration(self, ctx, input).await
    }

    async fn get_bucket_notification(
        &self,
        ctx: &Ctx,
        input: GetBucketNotificationConfigurationRequest,
    ) -> Result<NotificationConfigurationDeprecated, S3Error> {
        S3::get_bucket_notification(self, ctx, input).await
    }

    async fn get_bucket_notification_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketNotificationConfigurationRequest,
    ) -> Result<NotificationConfiguration, S3Error> {
        S3::get_bucket_notification_configuration(self, ctx, input).await
    }

    async fn get_bucket_ownership_controls(
        &self,
        ctx: &Ctx,
        input: GetBucketOwnershipControlsRequest,
    ) -> Result<GetBucketOwnershipControlsOutput, S3Error> {
        S3::get_bucket_ownership_controls(self, ctx, input).await
    }

    async fn get_bucket_policy(
        &self,
        ctx: &Ctx,
        input: GetBucketPolicyRequest,
    ) -> Result<GetBucketPolicyOutput, S3Error> {
        S3::get_bucket_policy(self, ctx, input).await
    }

    async fn get_bucket_policy_status(
        &self,
        ctx: &Ctx,
        input: GetBucketPolicyStatusRequest,
    ) -> Result<GetBucketPolicyStatusOutput, S3Error> {
        S3::get_bucket_policy_status(self, ctx, input).await
    }

    async fn get_bucket_replication(
        &self,
        ctx: &Ctx,
        input: GetBucketReplicationRequest,
    ) -> Result<GetBucketReplicationOutput, S3Error> {
        S3::get_bucket_replication(self, ctx, input).await
    }

    async fn get_bucket_request_payment(
        &self,
        ctx: &Ctx,
        input: GetBucketRequestPaymentRequest,
    ) -> Result<GetBucketRequestPaymentOutput, S3Error> {
        S3::get_bucket_request_payment(self, ctx, input).await
    }

    async fn get_bucket_tagging(
        &self,
        ctx: &Ctx,
        input: GetBucketTaggingRequest,
    ) -> Result<GetBucketTaggingOutput, S3Error> {
        S3::get_bucket_tagging(self, ctx, input).await
    }

    async fn get_bucket_versioning(
        &self,
        ctx: &Ctx,
        input: GetBucketVersioningRequest,
    ) -> Result<GetBucketVersioningOutput, S3Error> {
        S3::get_bucket_versioning(self, ctx, input).await
    }

    async fn get_bucket_website(
        &self,
        ctx: &Ctx,
        input: GetBucketWebsiteRequest,
    ) -> Result<GetBucketWebsiteOutput, S3Error> {
        S3::get_bucket_website(self, ctx, input).await
    }

    async fn get_object(
        &self,
        ctx: &Ctx,
        input: GetObjectRequest,
    ) -> Result<GetObjectOutput, S3Error> {
        S3::get_object(self, ctx, input).await
    }

    async fn get_object_acl(
        &self,
        ctx: &Ctx,
        input: GetObjectAclRequest,
    ) -> Result<GetObjectAclOutput, S3Error> {
        S3::get_object_acl(self, ctx, input).await
    }

    async fn get_object_attributes(
        &self,
        ctx: &Ctx,
        input: GetObjectAttributesRequest,
    ) -> Result<GetObjectAttributesOutput, S3Error> {
        S3::get_object_attributes(self, ctx, input).await
    }

    async fn get_object_legal_hold(
        &self,
        ctx: &Ctx,
        input: GetObjectLegalHoldRequest,
    ) -> Result<GetObjectLegalHoldOutput, S3Error> {
        S3::get_object_legal_hold(self, ctx, input).await
    }

    async fn get_object_lock_configuration(
        &self,
        ctx: &Ctx,
        input: GetObjectLockConfigurationRequest,
    ) -> Result<GetObjectLockConfigurationOutput, S3Error> {
        S3::get_object_lock_configuration(self, ctx, input).await
    }

    async fn get_object_retention(
        &self,
        ctx: &Ctx,
        input: GetObjectRetentionRequest,
    ) -> Result<GetObjectRetentionOutput, S3Error> {
        S3::get_object_retention(self, ctx, input).await
    }

    async fn get_object_tagging(
        &self,
        ctx: &Ctx,
        input: GetObjectTaggingRequest,
    ) -> Result<GetObjectTaggingOutput, S3Error> {
        S3::get_object_tagging(self, ctx, input).await
    }

    async fn get_object_torrent(
        &self,
        ctx: &Ctx,
        input: GetObjectTorrentRequest,
    ) -> Result<GetObjectTorrentOutput, S3Error> {
        S3::get_object_torrent(self, ctx, input).await
    }

    async fn get_public_access_block(
        &self,
        ctx: &Ctx,
        input: GetPublicAccessBlockRequest,
    ) -> Result<GetPublicAccessBlockOutput, S3Error> {
        S3::get_public_access_block(self, ctx, input).await
    }

    async fn head_bucket(
        &self,
        ctx: &Ctx,
        input: HeadBucketRequest,
    ) -> Result<HeadBucketOutput, S3Error> {
        S3::head_bucket(self, ctx, input).await
    }

    async fn head_object(
        &self,
        ctx: &Ctx,
        input: HeadObjectRequest,
    ) -> Result<HeadObjectOutput, S3Error> {
        S3::head_object(self, ctx, input).await
    }

    async fn list_bucket_analytics_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketAnalyticsConfigurationsRequest,
    ) -> Result<ListBucketAnalyticsConfigurationsOutput, S3Error> {
        S3::list_bucket_analytics_configurations(self, ctx, input).await
    }

    async fn list_bucket_intelligent_tiering_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketIntelligentTieringConfigurationsRequest,
    ) -> Result<ListBucketIntelligentTieringConfigurationsOutput, S3Error> {
        S3::list_bucket_intelligent_tiering_configurations(self, ctx, input).await
    }

    async fn list_bucket_inventory_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketInventoryConfigurationsRequest,
    ) -> Result<ListBucketInventoryConfigurationsOutput, S3Error> {
        S3::list_bucket_inventory_configurations(self, ctx, input).await
    }

    async fn list_bucket_metrics_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketMetricsConfigurationsRequest,
    ) -> Result<ListBucketMetricsConfigurationsOutput, S3Error> {
        S3::list_bucket_metrics_configurations(self, ctx, input).await
    }

    async fn list_buckets(
        &self,
        ctx: &Ctx,
        input: ListBucketsRequest,
    ) -> Result<ListBucketsOutput, S3Error> {
        S3::list_buckets(self, ctx, input).await
    }

    async fn list_directory_buckets(
        &self,
        ctx: &Ctx,
        input: ListDirectoryBucketsRequest,
    ) -> Result<ListDirectoryBucketsOutput, S3Error> {
        S3::list_directory_buckets(self, ctx, input).await
    }

    async fn list_multipart_uploads(
        &self,
        ctx: &Ctx,
        input: ListMultipartUploadsRequest,
    ) -> Result<ListMultipartUploadsOutput, S3Error> {
        S3::list_multipart_uploads(self, ctx, input).await
    }

    async fn list_object_versions(
        &self,
        ctx: &Ctx,
        input: ListObjectVersionsRequest,
    ) -> Result<ListObjectVersionsOutput, S3Error> {
        S3::list_object_versions(self, ctx, input).await
    }

    async fn list_objects(
        &self,
        ctx: &Ctx,
        input: ListObjectsRequest,
    ) -> Result<ListObjectsOutput, S3Error> {
        S3::list_objects(self, ctx, input).await
    }

    async fn list_objects_v2(
        &self,
        ctx: &Ctx,
        input: ListObjectsV2Request,
    ) -> Result<ListObjectsV2Output, S3Error> {
        S3::list_objects_v2(self, ctx, input).await
    }

    async fn list_parts(
        &self,
        ctx: &Ctx,
        input: ListPartsRequest,
    ) -> Result<ListPartsOutput, S3Error> {
        S3::list_parts(self, ctx, input).await
    }

    async fn put_bucket_abac(&self, ctx: &Ctx, input: PutBucketAbacRequest) -> Result<(), S3Error> {
        S3::put_bucket_abac(self, ctx, input).await
    }

    async fn put_bucket_accelerate_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketAccelerateConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_accelerate_configuration(self, ctx, input).await
    }

    async fn put_bucket_acl(&self, ctx: &Ctx, input: PutBucketAclRequest) -> Result<(), S3Error> {
        S3::put_bucket_acl(self, ctx, input).await
    }

    async fn put_bucket_analytics_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketAnalyticsConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_analytics_configuration(self, ctx, input).await
    }

    async fn put_bucket_cors(&self, ctx: &Ctx, input: PutBucketCorsRequest) -> Result<(), S3Error> {
        S3::put_bucket_cors(self, ctx, input).await
    }

    async fn put_bucket_encryption(
        &self,
        ctx: &Ctx,
        input: PutBucketEncryptionRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_encryption(self, ctx, input).await
    }

    async fn put_bucket_intelligent_tiering_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketIntelligentTieringConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_intelligent_tiering_configuration(self, ctx, input).await
    }

    async fn put_bucket_inventory_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketInventoryConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_inventory_configuration(self, ctx, input).await
    }

    async fn put_bucket_lifecycle(
        &self,
        ctx: &Ctx,
        input: PutBucketLifecycleRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_lifecycle(self, ctx, input).await
    }

    async fn put_bucket_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketLifecycleConfigurationRequest,
    ) -> Result<PutBucketLifecycleConfigurationOutput, S3Error> {
        S3::put_bucket_lifecycle_configuration(self, ctx, input).await
    }

    async fn put_bucket_logging(
        &self,
        ctx: &Ctx,
        input: PutBucketLoggingRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_logging(self, ctx, input).await
    }

    async fn put_bucket_metrics_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketMetricsConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_metrics_configuration(self, ctx, input).await
    }

    async fn put_bucket_notification(
        &self,
        ctx: &Ctx,
        input: PutBucketNotificationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_notification(self, ctx, input).await
    }

    async fn put_bucket_notification_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketNotificationConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_notification_configuration(self, ctx, input).await
    }

    async fn put_bucket_ownership_controls(
        &self,
        ctx: &Ctx,
        input: PutBucketOwnershipControlsRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_ownership_controls(self, ctx, input).await
    }

    async fn put_bucket_policy(
        &self,
        ctx: &Ctx,
        input: PutBucketPolicyRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_policy(self, ctx, input).await
    }

    async fn put_bucket_replication(
        &self,
        ctx: &Ctx,
        input: PutBucketReplicationRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_replication(self, ctx, input).await
    }

    async fn put_bucket_request_payment(
        &self,
        ctx: &Ctx,
        input: PutBucketRequestPaymentRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_request_payment(self, ctx, input).await
    }

    async fn put_bucket_tagging(
        &self,
        ctx: &Ctx,
        input: PutBucketTaggingRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_tagging(self, ctx, input).await
    }

    async fn put_bucket_versioning(
        &self,
        ctx: &Ctx,
        input: PutBucketVersioningRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_versioning(self, ctx, input).await
    }

    async fn put_bucket_website(
        &self,
        ctx: &Ctx,
        input: PutBucketWebsiteRequest,
    ) -> Result<(), S3Error> {
        S3::put_bucket_website(self, ctx, input).await
    }

    async fn put_object(
        &self,
        ctx: &Ctx,
        input: PutObjectRequest,
    ) -> Result<PutObjectOutput, S3Error> {
        S3::put_object(self, ctx, input).await
    }

    async fn put_object_acl(
        &self,
        ctx: &Ctx,
        input: PutObjectAclRequest,
    ) -> Result<PutObjectAclOutput, S3Error> {
        S3::put_object_acl(self, ctx, input).await
    }

    async fn put_object_legal_hold(
        &self,
        ctx: &Ctx,
        input: PutObjectLegalHoldRequest,
    ) -> Result<PutObjectLegalHoldOutput, S3Error> {
        S3::put_object_legal_hold(self, ctx, input).await
    }

    async fn put_object_lock_configuration(
        &self,
        ctx: &Ctx,
        input: PutObjectLockConfigurationRequest,
    ) -> Result<PutObjectLockConfigurationOutput, S3Error> {
        S3::put_object_lock_configuration(self, ctx, input).await
    }

    async fn put_object_retention(
        &self,
        ctx: &Ctx,
        input: PutObjectRetentionRequest,
    ) -> Result<PutObjectRetentionOutput, S3Error> {
        S3::put_object_retention(self, ctx, input).await
    }

    async fn put_object_tagging(
        &self,
        ctx: &Ctx,
        input: PutObjectTaggingRequest,
    ) -> Result<PutObjectTaggingOutput, S3Error> {
        S3::put_object_tagging(self, ctx, input).await
    }

    async fn put_public_access_block(
        &self,
        ctx: &Ctx,
        input: PutPublicAccessBlockRequest,
    ) -> Result<(), S3Error> {
        S3::put_public_access_block(self, ctx, input).await
    }

    async fn rename_object(
        &self,
        ctx: &Ctx,
        input: RenameObjectRequest,
    ) -> Result<RenameObjectOutput, S3Error> {
        S3::rename_object(self, ctx, input).await
    }

    async fn restore_object(
        &self,
        ctx: &Ctx,
        input: RestoreObjectRequest,
    ) -> Result<RestoreObjectOutput, S3Error> {
        S3::restore_object(self, ctx, input).await
    }

    async fn select_object_content(
        &self,
        ctx: &Ctx,
        input: SelectObjectContentRequest,
    ) -> Result<SelectObjectContentOutput, S3Error> {
        S3::select_object_content(self, ctx, input).await
    }

    async fn update_bucket_metadata_inventory_table_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateBucketMetadataInventoryTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::update_bucket_metadata_inventory_table_configuration(self, ctx, input).await
    }

    async fn update_bucket_metadata_journal_table_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateBucketMetadataJournalTableConfigurationRequest,
    ) -> Result<(), S3Error> {
        S3::update_bucket_metadata_journal_table_configuration(self, ctx, input).await
    }

    async fn update_object_encryption(
        &self,
        ctx: &Ctx,
        input: UpdateObjectEncryptionRequest,
    ) -> Result<UpdateObjectEncryptionResponse, S3Error> {
        S3::update_object_encryption(self, ctx, input).await
    }

    async fn upload_part(
        &self,
        ctx: &Ctx,
        input: UploadPartRequest,
    ) -> Result<UploadPartOutput, S3Error> {
        S3::upload_part(self, ctx, input).await
    }

    async fn upload_part_copy(
        &self,
        ctx: &Ctx,
        input: UploadPartCopyRequest,
    ) -> Result<UploadPartCopyOutput, S3Error> {
        S3::upload_part_copy(self, ctx, input).await
    }

    async fn write_get_object_response(
        &self,
        ctx: &Ctx,
        input: WriteGetObjectResponseRequest,
    ) -> Result<(), S3Error> {
        S3::write_get_object_response(self, ctx, input).await
    }
}
