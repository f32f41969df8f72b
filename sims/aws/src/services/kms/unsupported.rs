//! What needs hardware or key material from outside: custom key stores (CloudHSM clusters and
//! external key store proxies, none of which exist here), importing key material (which needs
//! RSA wrapping keys the build cannot generate), key agreement; and multi-Region keys, which are
//! replicated for real into another Region's state.

use sim_aws_shapes::kms::{
    ConnectCustomKeyStoreRequest, ConnectCustomKeyStoreResponse, CreateCustomKeyStoreRequest,
    CreateCustomKeyStoreResponse, DeleteCustomKeyStoreRequest, DeleteCustomKeyStoreResponse,
    DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse, DeriveSharedSecretRequest,
    DeriveSharedSecretResponse, DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse,
    DisconnectCustomKeyStoreRequest, DisconnectCustomKeyStoreResponse,
    GetParametersForImportRequest, GetParametersForImportResponse, ImportKeyMaterialRequest,
    ImportKeyMaterialResponse, MultiRegionKey, ReplicateKeyRequest, ReplicateKeyResponse,
    UpdateCustomKeyStoreRequest, UpdateCustomKeyStoreResponse, UpdatePrimaryRegionRequest,
};

use super::{Kms, KmsError, Scope};
use crate::services::Ctx;

fn store_not_found() -> KmsError {
    KmsError::CustomKeyStoreNotFound("Custom key store is not found.".into())
}

fn not_multi_region(arn: &str) -> KmsError {
    KmsError::UnsupportedOperation(format!("{arn} is not a multi-region key."))
}

impl Kms {
    pub(super) async fn create_custom_key_store(
        &self,
        _ctx: &Ctx,
        input: CreateCustomKeyStoreRequest,
    ) -> Result<CreateCustomKeyStoreResponse, KmsError> {
        if input.custom_key_store_type.as_deref() == Some("EXTERNAL_KEY_STORE") {
            return Err(KmsError::XksProxyUriUnreachable(
                "KMS was unable to reach the specified XksProxyUriPath.".into(),
            ));
        }
        Err(KmsError::CloudHsmClusterNotFound(format!(
            "CloudHSM cluster {} is not found.",
            input.cloud_hsm_cluster_id.unwrap_or_default()
        )))
    }

    pub(super) async fn describe_custom_key_stores(
        &self,
        _ctx: &Ctx,
        input: DescribeCustomKeyStoresRequest,
    ) -> Result<DescribeCustomKeyStoresResponse, KmsError> {
        if input.custom_key_store_id.is_some() || input.custom_key_store_name.is_some() {
            return Err(store_not_found());
        }
        Ok(DescribeCustomKeyStoresResponse {
            custom_key_stores: Some(Vec::new()),
            next_marker: None,
            truncated: Some(false),
        })
    }

    pub(super) async fn connect_custom_key_store(
        &self,
        _ctx: &Ctx,
        _input: ConnectCustomKeyStoreRequest,
    ) -> Result<ConnectCustomKeyStoreResponse, KmsError> {
        Err(store_not_found())
    }

    pub(super) async fn disconnect_custom_key_store(
        &self,
        _ctx: &Ctx,
        _input: DisconnectCustomKeyStoreRequest,
    ) -> Result<DisconnectCustomKeyStoreResponse, KmsError> {
        Err(store_not_found())
    }

    pub(super) async fn delete_custom_key_store(
        &self,
        _ctx: &Ctx,
        _input: DeleteCustomKeyStoreRequest,
    ) -> Result<DeleteCustomKeyStoreResponse, KmsError> {
        Err(store_not_found())
    }

    pub(super) async fn update_custom_key_store(
        &self,
        _ctx: &Ctx,
        _input: UpdateCustomKeyStoreRequest,
    ) -> Result<UpdateCustomKeyStoreResponse, KmsError> {
        Err(store_not_found())
    }

    /// Import operations apply only to keys created with `Origin: EXTERNAL`.
    /// Always a refusal: the key's own when it is absent or not `EXTERNAL`, else the missing
    /// RSA wrapping key's.
    fn import_refusal(&self, ctx: &Ctx, key_id: &str) -> KmsError {
        let record = match self.find_key(&Scope::of(ctx), key_id, false) {
            Ok(record) => record,
            Err(error) => return error,
        };
        if record.metadata.origin.as_deref() != Some("EXTERNAL") {
            return KmsError::UnsupportedOperation(format!(
                "{} origin is {} which is not valid for this operation.",
                record.arn(),
                record.metadata.origin.as_deref().unwrap_or("AWS_KMS")
            ));
        }
        KmsError::UnsupportedOperation(
            "Importing key material needs RSA wrapping keys, which Sockerless's KMS cannot generate.".into(),
        )
    }

    pub(super) async fn get_parameters_for_import(
        &self,
        ctx: &Ctx,
        input: GetParametersForImportRequest,
    ) -> Result<GetParametersForImportResponse, KmsError> {
        Err(self.import_refusal(ctx, &input.key_id))
    }

    pub(super) async fn import_key_material(
        &self,
        ctx: &Ctx,
        input: ImportKeyMaterialRequest,
    ) -> Result<ImportKeyMaterialResponse, KmsError> {
        Err(self.import_refusal(ctx, &input.key_id))
    }

    pub(super) async fn delete_imported_key_material(
        &self,
        ctx: &Ctx,
        input: DeleteImportedKeyMaterialRequest,
    ) -> Result<DeleteImportedKeyMaterialResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, false)?;
        if record.metadata.origin.as_deref() != Some("EXTERNAL") {
            return Err(KmsError::UnsupportedOperation(format!(
                "{} origin is {} which is not valid for this operation.",
                record.arn(),
                record.metadata.origin.as_deref().unwrap_or("AWS_KMS")
            )));
        }
        // An EXTERNAL key here never has material (import is refused), so it stays pending.
        Err(KmsError::InvalidState(format!(
            "{} is pending import.",
            record.arn()
        )))
    }

    pub(super) async fn derive_shared_secret(
        &self,
        ctx: &Ctx,
        input: DeriveSharedSecretRequest,
    ) -> Result<DeriveSharedSecretResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, true)?;
        record.usable()?;
        if record.usage() != "KEY_AGREEMENT" {
            return Err(KmsError::InvalidKeyUsage(format!(
                "{} key usage is {} which is not valid for DeriveSharedSecret.",
                record.arn(),
                record.usage()
            )));
        }
        Err(KmsError::InvalidKeyUsage(
            "Key agreement is not supported by Sockerless's KMS.".into(),
        ))
    }

    pub(super) async fn replicate_key(
        &self,
        ctx: &Ctx,
        input: ReplicateKeyRequest,
    ) -> Result<ReplicateKeyResponse, KmsError> {
        let scope = Scope::of(ctx);
        let primary = self.find_key(&scope, &input.key_id, false)?;
        if primary.metadata.multi_region != Some(true) {
            return Err(not_multi_region(&primary.arn()));
        }
        if input.replica_region == ctx.region {
            return Err(KmsError::Validation(format!(
                "Replica region {} is the same as the primary region.",
                input.replica_region
            )));
        }
        let there = Scope::new(&ctx.account_id, &input.replica_region);
        let key_id = primary.metadata.key_id.clone();
        if self.keys.contains(&there.key_key(&key_id)) {
            return Err(KmsError::AlreadyExists(format!(
                "Replica key {} already exists.",
                there.key_arn(&key_id)
            )));
        }
        let replica_ref = MultiRegionKey {
            arn: Some(there.key_arn(&key_id)),
            region: Some(input.replica_region.clone()),
        };
        let mut replica = primary.clone();
        replica.metadata.arn = Some(there.key_arn(&key_id));
        replica.metadata.creation_date = super::timestamp(self.now());
        if let Some(description) = input.description {
            replica.metadata.description = Some(description);
        }
        if let Some(policy) = input.policy {
            replica.policy = policy;
        }
        replica.tags = input.tags.unwrap_or_default();
        let mut configuration = primary
            .metadata
            .multi_region_configuration
            .clone()
            .unwrap_or_default();
        let mut replicas = configuration.replica_keys.take().unwrap_or_default();
        replicas.push(replica_ref);
        configuration.replica_keys = Some(replicas);
        let mut replica_configuration = configuration.clone();
        replica_configuration.multi_region_key_type = Some("REPLICA".into());
        replica.metadata.multi_region_configuration = Some(replica_configuration);
        self.kit.store().transaction(|txn| {
            txn.update(&self.keys, &scope.key_key(&key_id), |record| {
                record.metadata.multi_region_configuration = Some(configuration.clone());
            })?;
            txn.insert(&self.keys, &there.key_key(&key_id), replica.clone())?;
            Ok::<_, KmsError>(())
        })?;
        Ok(ReplicateKeyResponse {
            replica_key_metadata: Some(replica.metadata),
            replica_policy: Some(replica.policy),
            replica_tags: Some(replica.tags),
        })
    }

    pub(super) async fn update_primary_region(
        &self,
        ctx: &Ctx,
        input: UpdatePrimaryRegionRequest,
    ) -> Result<(), KmsError> {
        let scope = Scope::of(ctx);
        let primary = self.find_key(&scope, &input.key_id, false)?;
        if primary.metadata.multi_region != Some(true) {
            return Err(not_multi_region(&primary.arn()));
        }
        let key_id = primary.metadata.key_id.clone();
        let there = Scope::new(&ctx.account_id, &input.primary_region);
        if !self.keys.contains(&there.key_key(&key_id)) {
            return Err(KmsError::NotFound(format!(
                "Key '{}' does not exist",
                there.key_arn(&key_id)
            )));
        }
        let new_primary = MultiRegionKey {
            arn: Some(there.key_arn(&key_id)),
            region: Some(input.primary_region.clone()),
        };
        // Every copy learns the new primary; the old primary becomes a replica.
        let regions: Vec<String> = primary
            .metadata
            .multi_region_configuration
            .as_ref()
            .and_then(|c| c.replica_keys.clone())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|key| key.region)
            .chain([ctx.region.clone()])
            .collect();
        let replicas: Vec<MultiRegionKey> = regions
            .iter()
            .filter(|region| **region != input.primary_region)
            .map(|region| MultiRegionKey {
                arn: Some(Scope::new(&ctx.account_id, region).key_arn(&key_id)),
                region: Some(region.clone()),
            })
            .collect();
        self.kit.store().transaction(|txn| {
            for region in &regions {
                let here = Scope::new(&ctx.account_id, region);
                txn.update(&self.keys, &here.key_key(&key_id), |record| {
                    let configuration = record
                        .metadata
                        .multi_region_configuration
                        .get_or_insert_with(Default::default);
                    configuration.multi_region_key_type = Some(
                        if *region == input.primary_region {
                            "PRIMARY"
                        } else {
                            "REPLICA"
                        }
                        .into(),
                    );
                    configuration.primary_key = Some(new_primary.clone());
                    configuration.replica_keys = Some(replicas.clone());
                })?;
            }
            Ok::<_, KmsError>(())
        })
    }
}
