//! The generated `Api` trait's table for ECR: one delegating line per operation, in
//! alphabetical order; the handlers live in the topic modules.

use sim_aws_shapes::ecr::*;

use super::{Ecr, EcrError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Ecr {
    type Ctx = Ctx;
    type Error = EcrError;

    async fn batch_check_layer_availability(
        &self,
        ctx: &Ctx,
        input: BatchCheckLayerAvailabilityRequest,
    ) -> Result<BatchCheckLayerAvailabilityResponse, EcrError> {
        Ecr::batch_check_layer_availability(self, ctx, input).await
    }

    async fn batch_delete_image(
        &self,
        ctx: &Ctx,
        input: BatchDeleteImageRequest,
    ) -> Result<BatchDeleteImageResponse, EcrError> {
        Ecr::batch_delete_image(self, ctx, input).await
    }

    async fn batch_get_image(
        &self,
        ctx: &Ctx,
        input: BatchGetImageRequest,
    ) -> Result<BatchGetImageResponse, EcrError> {
        Ecr::batch_get_image(self, ctx, input).await
    }

    async fn batch_get_repository_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: BatchGetRepositoryScanningConfigurationRequest,
    ) -> Result<BatchGetRepositoryScanningConfigurationResponse, EcrError> {
        Ecr::batch_get_repository_scanning_configuration(self, ctx, input).await
    }

    async fn complete_layer_upload(
        &self,
        ctx: &Ctx,
        input: CompleteLayerUploadRequest,
    ) -> Result<CompleteLayerUploadResponse, EcrError> {
        Ecr::complete_layer_upload(self, ctx, input).await
    }

    async fn create_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: CreatePullThroughCacheRuleRequest,
    ) -> Result<CreatePullThroughCacheRuleResponse, EcrError> {
        Ecr::create_pull_through_cache_rule(self, ctx, input).await
    }

    async fn create_repository(
        &self,
        ctx: &Ctx,
        input: CreateRepositoryRequest,
    ) -> Result<CreateRepositoryResponse, EcrError> {
        Ecr::create_repository(self, ctx, input).await
    }

    async fn create_repository_creation_template(
        &self,
        ctx: &Ctx,
        input: CreateRepositoryCreationTemplateRequest,
    ) -> Result<CreateRepositoryCreationTemplateResponse, EcrError> {
        Ecr::create_repository_creation_template(self, ctx, input).await
    }

    async fn delete_lifecycle_policy(
        &self,
        ctx: &Ctx,
        input: DeleteLifecyclePolicyRequest,
    ) -> Result<DeleteLifecyclePolicyResponse, EcrError> {
        Ecr::delete_lifecycle_policy(self, ctx, input).await
    }

    async fn delete_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: DeletePullThroughCacheRuleRequest,
    ) -> Result<DeletePullThroughCacheRuleResponse, EcrError> {
        Ecr::delete_pull_through_cache_rule(self, ctx, input).await
    }

    async fn delete_registry_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRegistryPolicyRequest,
    ) -> Result<DeleteRegistryPolicyResponse, EcrError> {
        Ecr::delete_registry_policy(self, ctx, input).await
    }

    async fn delete_repository(
        &self,
        ctx: &Ctx,
        input: DeleteRepositoryRequest,
    ) -> Result<DeleteRepositoryResponse, EcrError> {
        Ecr::delete_repository(self, ctx, input).await
    }

    async fn delete_repository_creation_template(
        &self,
        ctx: &Ctx,
        input: DeleteRepositoryCreationTemplateRequest,
    ) -> Result<DeleteRepositoryCreationTemplateResponse, EcrError> {
        Ecr::delete_repository_creation_template(self, ctx, input).await
    }

    async fn delete_repository_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRepositoryPolicyRequest,
    ) -> Result<DeleteRepositoryPolicyResponse, EcrError> {
        Ecr::delete_repository_policy(self, ctx, input).await
    }

    async fn delete_signing_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteSigningConfigurationRequest,
    ) -> Result<DeleteSigningConfigurationResponse, EcrError> {
        Ecr::delete_signing_configuration(self, ctx, input).await
    }

    async fn deregister_pull_time_update_exclusion(
        &self,
        ctx: &Ctx,
        input: DeregisterPullTimeUpdateExclusionRequest,
    ) -> Result<DeregisterPullTimeUpdateExclusionResponse, EcrError> {
        Ecr::deregister_pull_time_update_exclusion(self, ctx, input).await
    }

    async fn describe_image_replication_status(
        &self,
        ctx: &Ctx,
        input: DescribeImageReplicationStatusRequest,
    ) -> Result<DescribeImageReplicationStatusResponse, EcrError> {
        Ecr::describe_image_replication_status(self, ctx, input).await
    }

    async fn describe_image_scan_findings(
        &self,
        ctx: &Ctx,
        input: DescribeImageScanFindingsRequest,
    ) -> Result<DescribeImageScanFindingsResponse, EcrError> {
        Ecr::describe_image_scan_findings(self, ctx, input).await
    }

    async fn describe_image_signing_status(
        &self,
        ctx: &Ctx,
        input: DescribeImageSigningStatusRequest,
    ) -> Result<DescribeImageSigningStatusResponse, EcrError> {
        Ecr::describe_image_signing_status(self, ctx, input).await
    }

    async fn describe_images(
        &self,
        ctx: &Ctx,
        input: DescribeImagesRequest,
    ) -> Result<DescribeImagesResponse, EcrError> {
        Ecr::describe_images(self, ctx, input).await
    }

    async fn describe_pull_through_cache_rules(
        &self,
        ctx: &Ctx,
        input: DescribePullThroughCacheRulesRequest,
    ) -> Result<DescribePullThroughCacheRulesResponse, EcrError> {
        Ecr::describe_pull_through_cache_rules(self, ctx, input).await
    }

    async fn describe_registry(
        &self,
        ctx: &Ctx,
        input: DescribeRegistryRequest,
    ) -> Result<DescribeRegistryResponse, EcrError> {
        Ecr::describe_registry(self, ctx, input).await
    }

    async fn describe_repositories(
        &self,
        ctx: &Ctx,
        input: DescribeRepositoriesRequest,
    ) -> Result<DescribeRepositoriesResponse, EcrError> {
        Ecr::describe_repositories(self, ctx, input).await
    }

    async fn describe_repository_creation_templates(
        &self,
        ctx: &Ctx,
        input: DescribeRepositoryCreationTemplatesRequest,
    ) -> Result<DescribeRepositoryCreationTemplatesResponse, EcrError> {
        Ecr::describe_repository_creation_templates(self, ctx, input).await
    }

    async fn get_account_setting(
        &self,
        ctx: &Ctx,
        input: GetAccountSettingRequest,
    ) -> Result<GetAccountSettingResponse, EcrError> {
        Ecr::get_account_setting(self, ctx, input).await
    }

    async fn get_authorization_token(
        &self,
        ctx: &Ctx,
        input: GetAuthorizationTokenRequest,
    ) -> Result<GetAuthorizationTokenResponse, EcrError> {
        Ecr::get_authorization_token(self, ctx, input).await
    }

    async fn get_download_url_for_layer(
        &self,
        ctx: &Ctx,
        input: GetDownloadUrlForLayerRequest,
    ) -> Result<GetDownloadUrlForLayerResponse, EcrError> {
        Ecr::get_download_url_for_layer(self, ctx, input).await
    }

    async fn get_lifecycle_policy(
        &self,
        ctx: &Ctx,
        input: GetLifecyclePolicyRequest,
    ) -> Result<GetLifecyclePolicyResponse, EcrError> {
        Ecr::get_lifecycle_policy(self, ctx, input).await
    }

    async fn get_lifecycle_policy_preview(
        &self,
        ctx: &Ctx,
        input: GetLifecyclePolicyPreviewRequest,
    ) -> Result<GetLifecyclePolicyPreviewResponse, EcrError> {
        Ecr::get_lifecycle_policy_preview(self, ctx, input).await
    }

    async fn get_registry_policy(
        &self,
        ctx: &Ctx,
        input: GetRegistryPolicyRequest,
    ) -> Result<GetRegistryPolicyResponse, EcrError> {
        Ecr::get_registry_policy(self, ctx, input).await
    }

    async fn get_registry_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: GetRegistryScanningConfigurationRequest,
    ) -> Result<GetRegistryScanningConfigurationResponse, EcrError> {
        Ecr::get_registry_scanning_configuration(self, ctx, input).await
    }

    async fn get_repository_policy(
        &self,
        ctx: &Ctx,
        input: GetRepositoryPolicyRequest,
    ) -> Result<GetRepositoryPolicyResponse, EcrError> {
        Ecr::get_repository_policy(self, ctx, input).await
    }

    async fn get_signing_configuration(
        &self,
        ctx: &Ctx,
        input: GetSigningConfigurationRequest,
    ) -> Result<GetSigningConfigurationResponse, EcrError> {
        Ecr::get_signing_configuration(self, ctx, input).await
    }

    async fn initiate_layer_upload(
        &self,
        ctx: &Ctx,
        input: InitiateLayerUploadRequest,
    ) -> Result<InitiateLayerUploadResponse, EcrError> {
        Ecr::initiate_layer_upload(self, ctx, input).await
    }

    async fn list_image_referrers(
        &self,
        ctx: &Ctx,
        input: ListImageReferrersRequest,
    ) -> Result<ListImageReferrersResponse, EcrError> {
        Ecr::list_image_referrers(self, ctx, input).await
    }

    async fn list_images(
        &self,
        ctx: &Ctx,
        input: ListImagesRequest,
    ) -> Result<ListImagesResponse, EcrError> {
        Ecr::list_images(self, ctx, input).await
    }

    async fn list_pull_time_update_exclusions(
        &self,
        ctx: &Ctx,
        input: ListPullTimeUpdateExclusionsRequest,
    ) -> Result<ListPullTimeUpdateExclusionsResponse, EcrError> {
        Ecr::list_pull_time_update_exclusions(self, ctx, input).await
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EcrError> {
        Ecr::list_tags_for_resource(self, ctx, input).await
    }

    async fn put_account_setting(
        &self,
        ctx: &Ctx,
        input: PutAccountSettingRequest,
    ) -> Result<PutAccountSettingResponse, EcrError> {
        Ecr::put_account_setting(self, ctx, input).await
    }

    async fn put_image(
        &self,
        ctx: &Ctx,
        input: PutImageRequest,
    ) -> Result<PutImageResponse, EcrError> {
        Ecr::put_image(self, ctx, input).await
    }

    async fn put_image_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: PutImageScanningConfigurationRequest,
    ) -> Result<PutImageScanningConfigurationResponse, EcrError> {
        Ecr::put_image_scanning_configuration(self, ctx, input).await
    }

    async fn put_image_tag_mutability(
        &self,
        ctx: &Ctx,
        input: PutImageTagMutabilityRequest,
    ) -> Result<PutImageTagMutabilityResponse, EcrError> {
        Ecr::put_image_tag_mutability(self, ctx, input).await
    }

    async fn put_lifecycle_policy(
        &self,
        ctx: &Ctx,
        input: PutLifecyclePolicyRequest,
    ) -> Result<PutLifecyclePolicyResponse, EcrError> {
        Ecr::put_lifecycle_policy(self, ctx, input).await
    }

    async fn put_registry_policy(
        &self,
        ctx: &Ctx,
        input: PutRegistryPolicyRequest,
    ) -> Result<PutRegistryPolicyResponse, EcrError> {
        Ecr::put_registry_policy(self, ctx, input).await
    }

    async fn put_registry_scanning_configuration(
        &self,
        ctx: &Ctx,
        input: PutRegistryScanningConfigurationRequest,
    ) -> Result<PutRegistryScanningConfigurationResponse, EcrError> {
        Ecr::put_registry_scanning_configuration(self, ctx, input).await
    }

    async fn put_replication_configuration(
        &self,
        ctx: &Ctx,
        input: PutReplicationConfigurationRequest,
    ) -> Result<PutReplicationConfigurationResponse, EcrError> {
        Ecr::put_replication_configuration(self, ctx, input).await
    }

    async fn put_signing_configuration(
        &self,
        ctx: &Ctx,
        input: PutSigningConfigurationRequest,
    ) -> Result<PutSigningConfigurationResponse, EcrError> {
        Ecr::put_signing_configuration(self, ctx, input).await
    }

    async fn register_pull_time_update_exclusion(
        &self,
        ctx: &Ctx,
        input: RegisterPullTimeUpdateExclusionRequest,
    ) -> Result<RegisterPullTimeUpdateExclusionResponse, EcrError> {
        Ecr::register_pull_time_update_exclusion(self, ctx, input).await
    }

    async fn set_repository_policy(
        &self,
        ctx: &Ctx,
        input: SetRepositoryPolicyRequest,
    ) -> Result<SetRepositoryPolicyResponse, EcrError> {
        Ecr::set_repository_policy(self, ctx, input).await
    }

    async fn start_image_scan(
        &self,
        ctx: &Ctx,
        input: StartImageScanRequest,
    ) -> Result<StartImageScanResponse, EcrError> {
        Ecr::start_image_scan(self, ctx, input).await
    }

    async fn start_lifecycle_policy_preview(
        &self,
        ctx: &Ctx,
        input: StartLifecyclePolicyPreviewRequest,
    ) -> Result<StartLifecyclePolicyPreviewResponse, EcrError> {
        Ecr::start_lifecycle_policy_preview(self, ctx, input).await
    }

    async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, EcrError> {
        Ecr::tag_resource(self, ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, EcrError> {
        Ecr::untag_resource(self, ctx, input).await
    }

    async fn update_image_storage_class(
        &self,
        ctx: &Ctx,
        input: UpdateImageStorageClassRequest,
    ) -> Result<UpdateImageStorageClassResponse, EcrError> {
        Ecr::update_image_storage_class(self, ctx, input).await
    }

    async fn update_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: UpdatePullThroughCacheRuleRequest,
    ) -> Result<UpdatePullThroughCacheRuleResponse, EcrError> {
        Ecr::update_pull_through_cache_rule(self, ctx, input).await
    }

    async fn update_repository_creation_template(
        &self,
        ctx: &Ctx,
        input: UpdateRepositoryCreationTemplateRequest,
    ) -> Result<UpdateRepositoryCreationTemplateResponse, EcrError> {
        Ecr::update_repository_creation_template(self, ctx, input).await
    }

    async fn upload_layer_part(
        &self,
        ctx: &Ctx,
        input: UploadLayerPartRequest,
    ) -> Result<UploadLayerPartResponse, EcrError> {
        Ecr::upload_layer_part(self, ctx, input).await
    }

    async fn validate_pull_through_cache_rule(
        &self,
        ctx: &Ctx,
        input: ValidatePullThroughCacheRuleRequest,
    ) -> Result<ValidatePullThroughCacheRuleResponse, EcrError> {
        Ecr::validate_pull_through_cache_rule(self, ctx, input).await
    }
}
