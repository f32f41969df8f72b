//! The `Api` table: each S3 operation implemented, delegated to its handler in the topic module
//! that owns it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::s3::{
    Api, AbortMultipartUploadOutput, AbortMultipartUploadRequest, CompleteMultipartUploadOutput, CompleteMultipartUploadRequest, CopyObjectOutput, CopyObjectRequest, CreateBucketOutput, CreateBucketRequest, CreateMultipartUploadOutput, CreateMultipartUploadRequest, DeleteBucketCorsRequest, DeleteBucketEncryptionRequest, DeleteBucketLifecycleRequest, DeleteBucketOwnershipControlsRequest, DeleteBucketPolicyRequest, DeleteBucketRequest, DeleteBucketTaggingRequest, DeleteBucketWebsiteRequest, DeleteObjectOutput, DeleteObjectRequest, DeleteObjectTaggingOutput, DeleteObjectTaggingRequest, DeleteObjectsOutput, DeleteObjectsRequest, DeletePublicAccessBlockRequest, GetBucketAclOutput, GetBucketAclRequest, GetBucketCorsOutput, GetBucketCorsRequest, GetBucketEncryptionOutput, GetBucketEncryptionRequest, GetBucketLifecycleConfigurationOutput, GetBucketLifecycleConfigurationRequest, GetBucketLocationOutput, GetBucketLocationRequest, GetBucketNotificationConfigurationRequest, GetBucketOwnershipControlsOutput, GetBucketOwnershipControlsRequest, GetBucketPolicyOutput, GetBucketPolicyRequest, GetBucketTaggingOutput, GetBucketTaggingRequest, GetBucketVersioningOutput, GetBucketVersioningRequest, GetBucketWebsiteOutput, GetBucketWebsiteRequest, GetObjectAclOutput, GetObjectAclRequest, GetObjectOutput, GetObjectRequest, GetObjectTaggingOutput, GetObjectTaggingRequest, GetPublicAccessBlockOutput, GetPublicAccessBlockRequest, HeadBucketOutput, HeadBucketRequest, HeadObjectOutput, HeadObjectRequest, ListBucketsOutput, ListBucketsRequest, ListMultipartUploadsOutput, ListMultipartUploadsRequest, ListObjectVersionsOutput, ListObjectVersionsRequest, ListObjectsOutput, ListObjectsRequest, ListObjectsV2Output, ListObjectsV2Request, ListPartsOutput, ListPartsRequest, NotificationConfiguration, PutBucketAclRequest, PutBucketCorsRequest, PutBucketEncryptionRequest, PutBucketLifecycleConfigurationOutput, PutBucketLifecycleConfigurationRequest, PutBucketNotificationConfigurationRequest, PutBucketOwnershipControlsRequest, PutBucketPolicyRequest, PutBucketTaggingRequest, PutBucketVersioningRequest, PutBucketWebsiteRequest, PutObjectAclOutput, PutObjectAclRequest, PutObjectOutput, PutObjectRequest, PutObjectTaggingOutput, PutObjectTaggingRequest, PutPublicAccessBlockRequest, UploadPartCopyOutput, UploadPartCopyRequest, UploadPartOutput, UploadPartRequest,
};

use super::{S3, S3Error};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for S3 {
    type Ctx = Ctx;
    type Error = S3Error;

    async fn abort_multipart_upload(&self, ctx: &Ctx, input: AbortMultipartUploadRequest) -> Result<AbortMultipartUploadOutput, S3Error> {
        S3::abort_multipart_upload(self, ctx, input).await
    }

    async fn complete_multipart_upload(&self, ctx: &Ctx, input: CompleteMultipartUploadRequest) -> Result<CompleteMultipartUploadOutput, S3Error> {
        S3::complete_multipart_upload(self, ctx, input).await
    }

    async fn copy_object(&self, ctx: &Ctx, input: CopyObjectRequest) -> Result<CopyObjectOutput, S3Error> {
        S3::copy_object(self, ctx, input).await
    }

    async fn create_bucket(&self, ctx: &Ctx, input: CreateBucketRequest) -> Result<CreateBucketOutput, S3Error> {
        S3::create_bucket(self, ctx, input).await
    }

    async fn create_multipart_upload(&self, ctx: &Ctx, input: CreateMultipartUploadRequest) -> Result<CreateMultipartUploadOutput, S3Error> {
        S3::create_multipart_upload(self, ctx, input).await
    }

    async fn delete_bucket(&self, ctx: &Ctx, input: DeleteBucketRequest) -> Result<(), S3Error> {
        S3::delete_bucket(self, ctx, input).await
    }

    async fn delete_bucket_cors(&self, ctx: &Ctx, input: DeleteBucketCorsRequest) -> Result<(), S3Error> {
        S3::delete_bucket_cors(self, ctx, input).await
    }

    async fn delete_bucket_encryption(&self, ctx: &Ctx, input: DeleteBucketEncryptionRequest) -> Result<(), S3Error> {
        S3::delete_bucket_encryption(self, ctx, input).await
    }

    async fn delete_bucket_lifecycle(&self, ctx: &Ctx, input: DeleteBucketLifecycleRequest) -> Result<(), S3Error> {
        S3::delete_bucket_lifecycle(self, ctx, input).await
    }

    async fn delete_bucket_ownership_controls(&self, ctx: &Ctx, input: DeleteBucketOwnershipControlsRequest) -> Result<(), S3Error> {
        S3::delete_bucket_ownership_controls(self, ctx, input).await
    }

    async fn delete_bucket_policy(&self, ctx: &Ctx, input: DeleteBucketPolicyRequest) -> Result<(), S3Error> {
        S3::delete_bucket_policy(self, ctx, input).await
    }

    async fn delete_bucket_tagging(&self, ctx: &Ctx, input: DeleteBucketTaggingRequest) -> Result<(), S3Error> {
        S3::delete_bucket_tagging(self, ctx, input).await
    }

    async fn delete_bucket_website(&self, ctx: &Ctx, input: DeleteBucketWebsiteRequest) -> Result<(), S3Error> {
        S3::delete_bucket_website(self, ctx, input).await
    }

    async fn delete_object(&self, ctx: &Ctx, input: DeleteObjectRequest) -> Result<DeleteObjectOutput, S3Error> {
        S3::delete_object(self, ctx, input).await
    }

    async fn delete_object_tagging(&self, ctx: &Ctx, input: DeleteObjectTaggingRequest) -> Result<DeleteObjectTaggingOutput, S3Error> {
        S3::delete_object_tagging(self, ctx, input).await
    }

    async fn delete_objects(&self, ctx: &Ctx, input: DeleteObjectsRequest) -> Result<DeleteObjectsOutput, S3Error> {
        S3::delete_objects(self, ctx, input).await
    }

    async fn delete_public_access_block(&self, ctx: &Ctx, input: DeletePublicAccessBlockRequest) -> Result<(), S3Error> {
        S3::delete_public_access_block(self, ctx, input).await
    }

    async fn get_bucket_acl(&self, ctx: &Ctx, input: GetBucketAclRequest) -> Result<GetBucketAclOutput, S3Error> {
        S3::get_bucket_acl(self, ctx, input).await
    }

    async fn get_bucket_cors(&self, ctx: &Ctx, input: GetBucketCorsRequest) -> Result<GetBucketCorsOutput, S3Error> {
        S3::get_bucket_cors(self, ctx, input).await
    }

    async fn get_bucket_encryption(&self, ctx: &Ctx, input: GetBucketEncryptionRequest) -> Result<GetBucketEncryptionOutput, S3Error> {
        S3::get_bucket_encryption(self, ctx, input).await
    }

    async fn get_bucket_lifecycle_configuration(&self, ctx: &Ctx, input: GetBucketLifecycleConfigurationRequest) -> Result<GetBucketLifecycleConfigurationOutput, S3Error> {
        S3::get_bucket_lifecycle_configuration(self, ctx, input).await
    }

    async fn get_bucket_location(&self, ctx: &Ctx, input: GetBucketLocationRequest) -> Result<GetBucketLocationOutput, S3Error> {
        S3::get_bucket_location(self, ctx, input).await
    }

    async fn get_bucket_notification_configuration(&self, ctx: &Ctx, input: GetBucketNotificationConfigurationRequest) -> Result<NotificationConfiguration, S3Error> {
        S3::get_bucket_notification_configuration(self, ctx, input).await
    }

    async fn get_bucket_ownership_controls(&self, ctx: &Ctx, input: GetBucketOwnershipControlsRequest) -> Result<GetBucketOwnershipControlsOutput, S3Error> {
        S3::get_bucket_ownership_controls(self, ctx, input).await
    }

    async fn get_bucket_policy(&self, ctx: &Ctx, input: GetBucketPolicyRequest) -> Result<GetBucketPolicyOutput, S3Error> {
        S3::get_bucket_policy(self, ctx, input).await
    }

    async fn get_bucket_tagging(&self, ctx: &Ctx, input: GetBucketTaggingRequest) -> Result<GetBucketTaggingOutput, S3Error> {
        S3::get_bucket_tagging(self, ctx, input).await
    }

    async fn get_bucket_versioning(&self, ctx: &Ctx, input: GetBucketVersioningRequest) -> Result<GetBucketVersioningOutput, S3Error> {
        S3::get_bucket_versioning(self, ctx, input).await
    }

    async fn get_bucket_website(&self, ctx: &Ctx, input: GetBucketWebsiteRequest) -> Result<GetBucketWebsiteOutput, S3Error> {
        S3::get_bucket_website(self, ctx, input).await
    }

    async fn get_object(&self, ctx: &Ctx, input: GetObjectRequest) -> Result<GetObjectOutput, S3Error> {
        S3::get_object(self, ctx, input).await
    }

    async fn get_object_acl(&self, ctx: &Ctx, input: GetObjectAclRequest) -> Result<GetObjectAclOutput, S3Error> {
        S3::get_object_acl(self, ctx, input).await
    }

    async fn get_object_tagging(&self, ctx: &Ctx, input: GetObjectTaggingRequest) -> Result<GetObjectTaggingOutput, S3Error> {
        S3::get_object_tagging(self, ctx, input).await
    }

    async fn get_public_access_block(&self, ctx: &Ctx, input: GetPublicAccessBlockRequest) -> Result<GetPublicAccessBlockOutput, S3Error> {
        S3::get_public_access_block(self, ctx, input).await
    }

    async fn head_bucket(&self, ctx: &Ctx, input: HeadBucketRequest) -> Result<HeadBucketOutput, S3Error> {
        S3::head_bucket(self, ctx, input).await
    }

    async fn head_object(&self, ctx: &Ctx, input: HeadObjectRequest) -> Result<HeadObjectOutput, S3Error> {
        S3::head_object(self, ctx, input).await
    }

    async fn list_buckets(&self, ctx: &Ctx, input: ListBucketsRequest) -> Result<ListBucketsOutput, S3Error> {
        S3::list_buckets(self, ctx, input).await
    }

    async fn list_multipart_uploads(&self, ctx: &Ctx, input: ListMultipartUploadsRequest) -> Result<ListMultipartUploadsOutput, S3Error> {
        S3::list_multipart_uploads(self, ctx, input).await
    }

    async fn list_object_versions(&self, ctx: &Ctx, input: ListObjectVersionsRequest) -> Result<ListObjectVersionsOutput, S3Error> {
        S3::list_object_versions(self, ctx, input).await
    }

    async fn list_objects(&self, ctx: &Ctx, input: ListObjectsRequest) -> Result<ListObjectsOutput, S3Error> {
        S3::list_objects(self, ctx, input).await
    }

    async fn list_objects_v2(&self, ctx: &Ctx, input: ListObjectsV2Request) -> Result<ListObjectsV2Output, S3Error> {
        S3::list_objects_v2(self, ctx, input).await
    }

    async fn list_parts(&self, ctx: &Ctx, input: ListPartsRequest) -> Result<ListPartsOutput, S3Error> {
        S3::list_parts(self, ctx, input).await
    }

    async fn put_bucket_acl(&self, ctx: &Ctx, input: PutBucketAclRequest) -> Result<(), S3Error> {
        S3::put_bucket_acl(self, ctx, input).await
    }

    async fn put_bucket_cors(&self, ctx: &Ctx, input: PutBucketCorsRequest) -> Result<(), S3Error> {
        S3::put_bucket_cors(self, ctx, input).await
    }

    async fn put_bucket_encryption(&self, ctx: &Ctx, input: PutBucketEncryptionRequest) -> Result<(), S3Error> {
        S3::put_bucket_encryption(self, ctx, input).await
    }

    async fn put_bucket_lifecycle_configuration(&self, ctx: &Ctx, input: PutBucketLifecycleConfigurationRequest) -> Result<PutBucketLifecycleConfigurationOutput, S3Error> {
        S3::put_bucket_lifecycle_configuration(self, ctx, input).await
    }

    async fn put_bucket_notification_configuration(&self, ctx: &Ctx, input: PutBucketNotificationConfigurationRequest) -> Result<(), S3Error> {
        S3::put_bucket_notification_configuration(self, ctx, input).await
    }

    async fn put_bucket_ownership_controls(&self, ctx: &Ctx, input: PutBucketOwnershipControlsRequest) -> Result<(), S3Error> {
        S3::put_bucket_ownership_controls(self, ctx, input).await
    }

    async fn put_bucket_policy(&self, ctx: &Ctx, input: PutBucketPolicyRequest) -> Result<(), S3Error> {
        S3::put_bucket_policy(self, ctx, input).await
    }

    async fn put_bucket_tagging(&self, ctx: &Ctx, input: PutBucketTaggingRequest) -> Result<(), S3Error> {
        S3::put_bucket_tagging(self, ctx, input).await
    }

    async fn put_bucket_versioning(&self, ctx: &Ctx, input: PutBucketVersioningRequest) -> Result<(), S3Error> {
        S3::put_bucket_versioning(self, ctx, input).await
    }

    async fn put_bucket_website(&self, ctx: &Ctx, input: PutBucketWebsiteRequest) -> Result<(), S3Error> {
        S3::put_bucket_website(self, ctx, input).await
    }

    async fn put_object(&self, ctx: &Ctx, input: PutObjectRequest) -> Result<PutObjectOutput, S3Error> {
        S3::put_object(self, ctx, input).await
    }

    async fn put_object_acl(&self, ctx: &Ctx, input: PutObjectAclRequest) -> Result<PutObjectAclOutput, S3Error> {
        S3::put_object_acl(self, ctx, input).await
    }

    async fn put_object_tagging(&self, ctx: &Ctx, input: PutObjectTaggingRequest) -> Result<PutObjectTaggingOutput, S3Error> {
        S3::put_object_tagging(self, ctx, input).await
    }

    async fn put_public_access_block(&self, ctx: &Ctx, input: PutPublicAccessBlockRequest) -> Result<(), S3Error> {
        S3::put_public_access_block(self, ctx, input).await
    }

    async fn upload_part(&self, ctx: &Ctx, input: UploadPartRequest) -> Result<UploadPartOutput, S3Error> {
        S3::upload_part(self, ctx, input).await
    }

    async fn upload_part_copy(&self, ctx: &Ctx, input: UploadPartCopyRequest) -> Result<UploadPartCopyOutput, S3Error> {
        S3::upload_part_copy(self, ctx, input).await
    }
}
