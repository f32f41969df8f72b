//! The `Api` table: each KMS operation of the model, delegated to its handler in the
//! topic module that owns it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::kms::{
    Api, CancelKeyDeletionRequest, CancelKeyDeletionResponse, ConnectCustomKeyStoreRequest,
    ConnectCustomKeyStoreResponse, CreateAliasRequest, CreateCustomKeyStoreRequest,
    CreateCustomKeyStoreResponse, CreateGrantRequest, CreateGrantResponse, CreateKeyRequest,
    CreateKeyResponse, DecryptRequest, DecryptResponse, DeleteAliasRequest,
    DeleteCustomKeyStoreRequest, DeleteCustomKeyStoreResponse, DeleteImportedKeyMaterialRequest,
    DeleteImportedKeyMaterialResponse, DeriveSharedSecretRequest, DeriveSharedSecretResponse,
    DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse, DescribeKeyRequest,
    DescribeKeyResponse, DisableKeyRequest, DisableKeyRotationRequest,
    DisconnectCustomKeyStoreRequest, DisconnectCustomKeyStoreResponse, EnableKeyRequest,
    EnableKeyRotationRequest, EncryptRequest, EncryptResponse, GenerateDataKeyPairRequest,
    GenerateDataKeyPairResponse, GenerateDataKeyPairWithoutPlaintextRequest,
    GenerateDataKeyPairWithoutPlaintextResponse, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse,
    GenerateMacRequest, GenerateMacResponse, GenerateRandomRequest, GenerateRandomResponse,
    GetKeyLastUsageRequest, GetKeyLastUsageResponse, GetKeyPolicyRequest, GetKeyPolicyResponse,
    GetKeyRotationStatusRequest, GetKeyRotationStatusResponse, GetParametersForImportRequest,
    GetParametersForImportResponse, GetPublicKeyRequest, GetPublicKeyResponse,
    ImportKeyMaterialRequest, ImportKeyMaterialResponse, ListAliasesRequest, ListAliasesResponse,
    ListGrantsRequest, ListGrantsResponse, ListKeyPoliciesRequest, ListKeyPoliciesResponse,
    ListKeyRotationsRequest, ListKeyRotationsResponse, ListKeysRequest, ListKeysResponse,
    ListResourceTagsRequest, ListResourceTagsResponse, ListRetirableGrantsRequest,
    PutKeyPolicyRequest, ReEncryptRequest, ReEncryptResponse, ReplicateKeyRequest,
    ReplicateKeyResponse, RetireGrantRequest, RevokeGrantRequest, RotateKeyOnDemandRequest,
    RotateKeyOnDemandResponse, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse,
    SignRequest, SignResponse, TagResourceRequest, UntagResourceRequest, UpdateAliasRequest,
    UpdateCustomKeyStoreRequest, UpdateCustomKeyStoreResponse, UpdateKeyDescriptionRequest,
    UpdatePrimaryRegionRequest, VerifyMacRequest, VerifyMacResponse, VerifyRequest, VerifyResponse,
};

use super::{Kms, KmsError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Kms {
    type Ctx = Ctx;
    type Error = KmsError;

    async fn cancel_key_deletion(
        &self,
        ctx: &Ctx,
        input: CancelKeyDeletionRequest,
    ) -> Result<CancelKeyDeletionResponse, KmsError> {
        Kms::cancel_key_deletion(self, ctx, input).await
    }

    async fn connect_custom_key_store(
        &self,
        ctx: &Ctx,
        input: ConnectCustomKeyStoreRequest,
    ) -> Result<ConnectCustomKeyStoreResponse, KmsError> {
        Kms::connect_custom_key_store(self, ctx, input).await
    }

    async fn create_alias(&self, ctx: &Ctx, input: CreateAliasRequest) -> Result<(), KmsError> {
        Kms::create_alias(self, ctx, input).await
    }

    async fn create_custom_key_store(
        &self,
        ctx: &Ctx,
        input: CreateCustomKeyStoreRequest,
    ) -> Result<CreateCustomKeyStoreResponse, KmsError> {
        Kms::create_custom_key_store(self, ctx, input).await
    }

    async fn create_grant(
        &self,
        ctx: &Ctx,
        input: CreateGrantRequest,
    ) -> Result<CreateGrantResponse, KmsError> {
        Kms::create_grant(self, ctx, input).await
    }

    async fn create_key(
        &self,
        ctx: &Ctx,
        input: CreateKeyRequest,
    ) -> Result<CreateKeyResponse, KmsError> {
        Kms::create_key(self, ctx, input).await
    }

    async fn decrypt(&self, ctx: &Ctx, input: DecryptRequest) -> Result<DecryptResponse, KmsError> {
        Kms::decrypt(self, ctx, input).await
    }

    async fn delete_alias(&self, ctx: &Ctx, input: DeleteAliasRequest) -> Result<(), KmsError> {
        Kms::delete_alias(self, ctx, input).await
    }

    async fn delete_custom_key_store(
        &self,
        ctx: &Ctx,
        input: DeleteCustomKeyStoreRequest,
    ) -> Result<DeleteCustomKeyStoreResponse, KmsError> {
        Kms::delete_custom_key_store(self, ctx, input).await
    }

    async fn delete_imported_key_material(
        &self,
        ctx: &Ctx,
        input: DeleteImportedKeyMaterialRequest,
    ) -> Result<DeleteImportedKeyMaterialResponse, KmsError> {
        Kms::delete_imported_key_material(self, ctx, input).await
    }

    async fn derive_shared_secret(
        &self,
        ctx: &Ctx,
        input: DeriveSharedSecretRequest,
    ) -> Result<DeriveSharedSecretResponse, KmsError> {
        Kms::derive_shared_secret(self, ctx, input).await
    }

    async fn describe_custom_key_stores(
        &self,
        ctx: &Ctx,
        input: DescribeCustomKeyStoresRequest,
    ) -> Result<DescribeCustomKeyStoresResponse, KmsError> {
        Kms::describe_custom_key_stores(self, ctx, input).await
    }

    async fn describe_key(
        &self,
        ctx: &Ctx,
        input: DescribeKeyRequest,
    ) -> Result<DescribeKeyResponse, KmsError> {
        Kms::describe_key(self, ctx, input).await
    }

    async fn disable_key(&self, ctx: &Ctx, input: DisableKeyRequest) -> Result<(), KmsError> {
        Kms::disable_key(self, ctx, input).await
    }

    async fn disable_key_rotation(
        &self,
        ctx: &Ctx,
        input: DisableKeyRotationRequest,
    ) -> Result<(), KmsError> {
        Kms::disable_key_rotation(self, ctx, input).await
    }

    async fn disconnect_custom_key_store(
        &self,
        ctx: &Ctx,
        input: DisconnectCustomKeyStoreRequest,
    ) -> Result<DisconnectCustomKeyStoreResponse, KmsError> {
        Kms::disconnect_custom_key_store(self, ctx, input).await
    }

    async fn enable_key(&self, ctx: &Ctx, input: EnableKeyRequest) -> Result<(), KmsError> {
        Kms::enable_key(self, ctx, input).await
    }

    async fn enable_key_rotation(
        &self,
        ctx: &Ctx,
        input: EnableKeyRotationRequest,
    ) -> Result<(), KmsError> {
        Kms::enable_key_rotation(self, ctx, input).await
    }

    async fn encrypt(&self, ctx: &Ctx, input: EncryptRequest) -> Result<EncryptResponse, KmsError> {
        Kms::encrypt(self, ctx, input).await
    }

    async fn generate_data_key(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, KmsError> {
        Kms::generate_data_key(self, ctx, input).await
    }

    async fn generate_data_key_pair(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyPairRequest,
    ) -> Result<GenerateDataKeyPairResponse, KmsError> {
        Kms::generate_data_key_pair(self, ctx, input).await
    }

    async fn generate_data_key_pair_without_plaintext(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyPairWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError> {
        Kms::generate_data_key_pair_without_plaintext(self, ctx, input).await
    }

    async fn generate_data_key_without_plaintext(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyWithoutPlaintextResponse, KmsError> {
        Kms::generate_data_key_without_plaintext(self, ctx, input).await
    }

    async fn generate_mac(
        &self,
        ctx: &Ctx,
        input: GenerateMacRequest,
    ) -> Result<GenerateMacResponse, KmsError> {
        Kms::generate_mac(self, ctx, input).await
    }

    async fn generate_random(
        &self,
        ctx: &Ctx,
        input: GenerateRandomRequest,
    ) -> Result<GenerateRandomResponse, KmsError> {
        Kms::generate_random(self, ctx, input).await
    }

    async fn get_key_last_usage(
        &self,
        ctx: &Ctx,
        input: GetKeyLastUsageRequest,
    ) -> Result<GetKeyLastUsageResponse, KmsError> {
        Kms::get_key_last_usage(self, ctx, input).await
    }

    async fn get_key_policy(
        &self,
        ctx: &Ctx,
        input: GetKeyPolicyRequest,
    ) -> Result<GetKeyPolicyResponse, KmsError> {
        Kms::get_key_policy(self, ctx, input).await
    }

    async fn get_key_rotation_status(
        &self,
        ctx: &Ctx,
        input: GetKeyRotationStatusRequest,
    ) -> Result<GetKeyRotationStatusResponse, KmsError> {
        Kms::get_key_rotation_status(self, ctx, input).await
    }

    async fn get_parameters_for_import(
        &self,
        ctx: &Ctx,
        input: GetParametersForImportRequest,
    ) -> Result<GetParametersForImportResponse, KmsError> {
        Kms::get_parameters_for_import(self, ctx, input).await
    }

    async fn get_public_key(
        &self,
        ctx: &Ctx,
        input: GetPublicKeyRequest,
    ) -> Result<GetPublicKeyResponse, KmsError> {
        Kms::get_public_key(self, ctx, input).await
    }

    async fn import_key_material(
        &self,
        ctx: &Ctx,
        input: ImportKeyMaterialRequest,
    ) -> Result<ImportKeyMaterialResponse, KmsError> {
        Kms::import_key_material(self, ctx, input).await
    }

    async fn list_aliases(
        &self,
        ctx: &Ctx,
        input: ListAliasesRequest,
    ) -> Result<ListAliasesResponse, KmsError> {
        Kms::list_aliases(self, ctx, input).await
    }

    async fn list_grants(
        &self,
        ctx: &Ctx,
        input: ListGrantsRequest,
    ) -> Result<ListGrantsResponse, KmsError> {
        Kms::list_grants(self, ctx, input).await
    }

    async fn list_key_policies(
        &self,
        ctx: &Ctx,
        input: ListKeyPoliciesRequest,
    ) -> Result<ListKeyPoliciesResponse, KmsError> {
        Kms::list_key_policies(self, ctx, input).await
    }

    async fn list_key_rotations(
        &self,
        ctx: &Ctx,
        input: ListKeyRotationsRequest,
    ) -> Result<ListKeyRotationsResponse, KmsError> {
        Kms::list_key_rotations(self, ctx, input).await
    }

    async fn list_keys(
        &self,
        ctx: &Ctx,
        input: ListKeysRequest,
    ) -> Result<ListKeysResponse, KmsError> {
        Kms::list_keys(self, ctx, input).await
    }

    async fn list_resource_tags(
        &self,
        ctx: &Ctx,
        input: ListResourceTagsRequest,
    ) -> Result<ListResourceTagsResponse, KmsError> {
        Kms::list_resource_tags(self, ctx, input).await
    }

    async fn list_retirable_grants(
        &self,
        ctx: &Ctx,
        input: ListRetirableGrantsRequest,
    ) -> Result<ListGrantsResponse, KmsError> {
        Kms::list_retirable_grants(self, ctx, input).await
    }

    async fn put_key_policy(&self, ctx: &Ctx, input: PutKeyPolicyRequest) -> Result<(), KmsError> {
        Kms::put_key_policy(self, ctx, input).await
    }

    async fn re_encrypt(
        &self,
        ctx: &Ctx,
        input: ReEncryptRequest,
    ) -> Result<ReEncryptResponse, KmsError> {
        Kms::re_encrypt(self, ctx, input).await
    }

    async fn replicate_key(
        &self,
        ctx: &Ctx,
        input: ReplicateKeyRequest,
    ) -> Result<ReplicateKeyResponse, KmsError> {
        Kms::replicate_key(self, ctx, input).await
    }

    async fn retire_grant(&self, ctx: &Ctx, input: RetireGrantRequest) -> Result<(), KmsError> {
        Kms::retire_grant(self, ctx, input).await
    }

    async fn revoke_grant(&self, ctx: &Ctx, input: RevokeGrantRequest) -> Result<(), KmsError> {
        Kms::revoke_grant(self, ctx, input).await
    }

    async fn rotate_key_on_demand(
        &self,
        ctx: &Ctx,
        input: RotateKeyOnDemandRequest,
    ) -> Result<RotateKeyOnDemandResponse, KmsError> {
        Kms::rotate_key_on_demand(self, ctx, input).await
    }

    async fn schedule_key_deletion(
        &self,
        ctx: &Ctx,
        input: ScheduleKeyDeletionRequest,
    ) -> Result<ScheduleKeyDeletionResponse, KmsError> {
        Kms::schedule_key_deletion(self, ctx, input).await
    }

    async fn sign(&self, ctx: &Ctx, input: SignRequest) -> Result<SignResponse, KmsError> {
        Kms::sign(self, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &Ctx, input: TagResourceRequest) -> Result<(), KmsError> {
        Kms::tag_resource(self, ctx, input).await
    }

    async fn untag_resource(&self, ctx: &Ctx, input: UntagResourceRequest) -> Result<(), KmsError> {
        Kms::untag_resource(self, ctx, input).await
    }

    async fn update_alias(&self, ctx: &Ctx, input: UpdateAliasRequest) -> Result<(), KmsError> {
        Kms::update_alias(self, ctx, input).await
    }

    async fn update_custom_key_store(
        &self,
        ctx: &Ctx,
        input: UpdateCustomKeyStoreRequest,
    ) -> Result<UpdateCustomKeyStoreResponse, KmsError> {
        Kms::update_custom_key_store(self, ctx, input).await
    }

    async fn update_key_description(
        &self,
        ctx: &Ctx,
        input: UpdateKeyDescriptionRequest,
    ) -> Result<(), KmsError> {
        Kms::update_key_description(self, ctx, input).await
    }

    async fn update_primary_region(
        &self,
        ctx: &Ctx,
        input: UpdatePrimaryRegionRequest,
    ) -> Result<(), KmsError> {
        Kms::update_primary_region(self, ctx, input).await
    }

    async fn verify(&self, ctx: &Ctx, input: VerifyRequest) -> Result<VerifyResponse, KmsError> {
        Kms::verify(self, ctx, input).await
    }

    async fn verify_mac(
        &self,
        ctx: &Ctx,
        input: VerifyMacRequest,
    ) -> Result<VerifyMacResponse, KmsError> {
        Kms::verify_mac(self, ctx, input).await
    }
}
