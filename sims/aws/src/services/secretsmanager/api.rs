//! The `Api` table: each Secrets Manager operation of the model, delegated to its handler in the
//! topic module that owns it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::secretsmanager::{
    Api, BatchGetSecretValueRequest, BatchGetSecretValueResponse, CancelRotateSecretRequest,
    CancelRotateSecretResponse, CreateSecretRequest, CreateSecretResponse,
    DeleteResourcePolicyRequest, DeleteResourcePolicyResponse, DeleteSecretRequest,
    DeleteSecretResponse, DescribeSecretRequest, DescribeSecretResponse, GetRandomPasswordRequest,
    GetRandomPasswordResponse, GetResourcePolicyRequest, GetResourcePolicyResponse,
    GetSecretValueRequest, GetSecretValueResponse, ListSecretVersionIdsRequest,
    ListSecretVersionIdsResponse, ListSecretsRequest, ListSecretsResponse,
    PutResourcePolicyRequest, PutResourcePolicyResponse, PutSecretValueRequest,
    PutSecretValueResponse, RemoveRegionsFromReplicationRequest,
    RemoveRegionsFromReplicationResponse, ReplicateSecretToRegionsRequest,
    ReplicateSecretToRegionsResponse, RestoreSecretRequest, RestoreSecretResponse,
    RotateSecretRequest, RotateSecretResponse, StopReplicationToReplicaRequest,
    StopReplicationToReplicaResponse, TagResourceRequest, UntagResourceRequest,
    UpdateSecretRequest, UpdateSecretResponse, UpdateSecretVersionStageRequest,
    UpdateSecretVersionStageResponse, ValidateResourcePolicyRequest,
    ValidateResourcePolicyResponse,
};

use super::{SecretsError, SecretsManager};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for SecretsManager {
    type Ctx = Ctx;
    type Error = SecretsError;

    async fn batch_get_secret_value(
        &self,
        ctx: &Ctx,
        input: BatchGetSecretValueRequest,
    ) -> Result<BatchGetSecretValueResponse, SecretsError> {
        SecretsManager::batch_get_secret_value(self, ctx, input).await
    }

    async fn cancel_rotate_secret(
        &self,
        ctx: &Ctx,
        input: CancelRotateSecretRequest,
    ) -> Result<CancelRotateSecretResponse, SecretsError> {
        SecretsManager::cancel_rotate_secret(self, ctx, input).await
    }

    async fn create_secret(
        &self,
        ctx: &Ctx,
        input: CreateSecretRequest,
    ) -> Result<CreateSecretResponse, SecretsError> {
        SecretsManager::create_secret(self, ctx, input).await
    }

    async fn delete_resource_policy(
        &self,
        ctx: &Ctx,
        input: DeleteResourcePolicyRequest,
    ) -> Result<DeleteResourcePolicyResponse, SecretsError> {
        SecretsManager::delete_resource_policy(self, ctx, input).await
    }

    async fn delete_secret(
        &self,
        ctx: &Ctx,
        input: DeleteSecretRequest,
    ) -> Result<DeleteSecretResponse, SecretsError> {
        SecretsManager::delete_secret(self, ctx, input).await
    }

    async fn describe_secret(
        &self,
        ctx: &Ctx,
        input: DescribeSecretRequest,
    ) -> Result<DescribeSecretResponse, SecretsError> {
        SecretsManager::describe_secret(self, ctx, input).await
    }

    async fn get_random_password(
        &self,
        ctx: &Ctx,
        input: GetRandomPasswordRequest,
    ) -> Result<GetRandomPasswordResponse, SecretsError> {
        SecretsManager::get_random_password(self, ctx, input).await
    }

    async fn get_resource_policy(
        &self,
        ctx: &Ctx,
        input: GetResourcePolicyRequest,
    ) -> Result<GetResourcePolicyResponse, SecretsError> {
        SecretsManager::get_resource_policy(self, ctx, input).await
    }

    async fn get_secret_value(
        &self,
        ctx: &Ctx,
        input: GetSecretValueRequest,
    ) -> Result<GetSecretValueResponse, SecretsError> {
        SecretsManager::get_secret_value(self, ctx, input).await
    }

    async fn list_secret_version_ids(
        &self,
        ctx: &Ctx,
        input: ListSecretVersionIdsRequest,
    ) -> Result<ListSecretVersionIdsResponse, SecretsError> {
        SecretsManager::list_secret_version_ids(self, ctx, input).await
    }

    async fn list_secrets(
        &self,
        ctx: &Ctx,
        input: ListSecretsRequest,
    ) -> Result<ListSecretsResponse, SecretsError> {
        SecretsManager::list_secrets(self, ctx, input).await
    }

    async fn put_resource_policy(
        &self,
        ctx: &Ctx,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, SecretsError> {
        SecretsManager::put_resource_policy(self, ctx, input).await
    }

    async fn put_secret_value(
        &self,
        ctx: &Ctx,
        input: PutSecretValueRequest,
    ) -> Result<PutSecretValueResponse, SecretsError> {
        SecretsManager::put_secret_value(self, ctx, input).await
    }

    async fn remove_regions_from_replication(
        &self,
        ctx: &Ctx,
        input: RemoveRegionsFromReplicationRequest,
    ) -> Result<RemoveRegionsFromReplicationResponse, SecretsError> {
        SecretsManager::remove_regions_from_replication(self, ctx, input).await
    }

    async fn replicate_secret_to_regions(
        &self,
        ctx: &Ctx,
        input: ReplicateSecretToRegionsRequest,
    ) -> Result<ReplicateSecretToRegionsResponse, SecretsError> {
        SecretsManager::replicate_secret_to_regions(self, ctx, input).await
    }

    async fn restore_secret(
        &self,
        ctx: &Ctx,
        input: RestoreSecretRequest,
    ) -> Result<RestoreSecretResponse, SecretsError> {
        SecretsManager::restore_secret(self, ctx, input).await
    }

    async fn rotate_secret(
        &self,
        ctx: &Ctx,
        input: RotateSecretRequest,
    ) -> Result<RotateSecretResponse, SecretsError> {
        SecretsManager::rotate_secret(self, ctx, input).await
    }

    async fn stop_replication_to_replica(
        &self,
        ctx: &Ctx,
        input: StopReplicationToReplicaRequest,
    ) -> Result<StopReplicationToReplicaResponse, SecretsError> {
        SecretsManager::stop_replication_to_replica(self, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &Ctx, input: TagResourceRequest) -> Result<(), SecretsError> {
        SecretsManager::tag_resource(self, ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), SecretsError> {
        SecretsManager::untag_resource(self, ctx, input).await
    }

    async fn update_secret(
        &self,
        ctx: &Ctx,
        input: UpdateSecretRequest,
    ) -> Result<UpdateSecretResponse, SecretsError> {
        SecretsManager::update_secret(self, ctx, input).await
    }

    async fn update_secret_version_stage(
        &self,
        ctx: &Ctx,
        input: UpdateSecretVersionStageRequest,
    ) -> Result<UpdateSecretVersionStageResponse, SecretsError> {
        SecretsManager::update_secret_version_stage(self, ctx, input).await
    }

    async fn validate_resource_policy(
        &self,
        ctx: &Ctx,
        input: ValidateResourcePolicyRequest,
    ) -> Result<ValidateResourcePolicyResponse, SecretsError> {
        SecretsManager::validate_resource_policy(self, ctx, input).await
    }
}
