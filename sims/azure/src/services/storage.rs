//! `Microsoft.Storage` storage accounts on the control plane: create (a real asynchronous
//! operation, 202 then polled, as Azure answers a new account), read, list by group and
//! subscription, update, delete, `listKeys`, `regenerateKey` and `checkNameAvailability`.
//!
//! Account names are global, as in Azure: the collection is keyed by name, and a name taken in
//! any group or subscription is `StorageAccountAlreadyTaken`. Each account owns a directory
//! under the kit's files directory (`storage/NAME`), made by the create operation's work and
//! removed with the account; user input never becomes a path beyond the validated name.
//!
//! Not yet served: the blob data plane behind `primaryEndpoints`, blob containers, file shares,
//! queues, tables, SAS listings, failover, encryption scopes, management policies; they answer
//! ARM's `NotImplemented` from `protocol`.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::operations::Outcome;
use simkit::store::Collection;

use super::blob::{Blobs, DEV_ACCOUNT, DEV_ACCOUNT_KEY};
use super::resources::{Resources, resource_location};
use super::{Ctx, ResourceProvider};
use crate::async_ops::AsyncOperations;
use crate::error::ArmError;
use crate::shapes::resources::{GenericResourceExpanded, Sku as GenericSku};
use crate::shapes::storage::{
    CheckNameAvailabilityResult, Encryption, EncryptionService, EncryptionServices, Endpoints,
    KeyCreationTime, NetworkRuleSet, StorageAccount, StorageAccountCheckNameAvailabilityParameters,
    StorageAccountCreateParameters, StorageAccountKey, StorageAccountListKeysResult,
    StorageAccountProperties, StorageAccountRegenerateKeyParameters,
    StorageAccountUpdateParameters,
};
use crate::shapes::storage_common::Sku;

pub const NAMESPACE: &str = "Microsoft.Storage";
const TYPE: &str = "Microsoft.Storage/storageAccounts";
const SKUS: &[&str] = &[
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Premium_LRS",
    "Premium_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
];
const KINDS: &[&str] = &[
    "Storage",
    "StorageV2",
    "BlobStorage",
    "FileStorage",
    "BlockBlobStorage",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRecord {
    pub account: StorageAccount,
    pub subscription: String,
    pub group: String,
    pub keys: [String; 2],
    pub key_created: [String; 2],
}

/// What a create did: created (the operation finishing it) or updated in place.
#[derive(Debug)]
pub enum CreateOutcome {
    Accepted { operation: String, location: String },
    Updated(StorageAccount),
}

pub struct Storage {
    kit: Kit,
    blobs: Blobs,
    accounts: Arc<Collection<AccountRecord>>,
    resources: Arc<Resources>,
    operations: AsyncOperations,
    /// `core.windows.net`: the suffix of the accounts' endpoints.
    suffix: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").finish_non_exhaustive()
    }
}

/// Azure's rule: 3 to 24 characters, digits and lower-case letters only.
pub fn valid_account_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
}

impl Storage {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
        operations: AsyncOperations,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        Ok(Arc::new(Self {
            accounts: kit.store().collection("storage-accounts")?,
            blobs: Blobs::new(kit.clone())?,
            kit,
            resources,
            operations,
            suffix: "core.windows.net".into(),
        }))
    }

    fn data_dir(&self, name: &str) -> std::path::PathBuf {
        // `name` passed valid_account_name: digits and lower-case letters only.
        self.kit.files_dir().join("storage").join(name)
    }

    fn new_key(&self) -> String {
        let bytes: Vec<u8> = (0..8)
            .flat_map(|_| self.kit.ids().next_u64().to_le_bytes())
            .collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn now(&self) -> String {
        crate::time::arm_timestamp(self.kit.clock().now_millis())
    }

    pub fn check_name_availability(
        &self,
        subscription: &str,
        request: StorageAccountCheckNameAvailabilityParameters,
    ) -> Result<CheckNameAvailabilityResult, ArmError> {
        self.resources.check_subscription(subscription)?;
        let name = request
            .name
            .ok_or_else(|| ArmError::MissingRequiredProperty("name".into()))?;
        if let Some(kind) = request.r#type.as_deref()
            && !kind.eq_ignore_ascii_case(TYPE)
        {
            return Err(ArmError::InvalidValue {
                property: "type".into(),
                value: kind.to_string(),
            });
        }
        Ok(if !valid_account_name(&name) {
            let (_, _, message) = ArmError::AccountNameInvalid(name.clone()).parts();
            CheckNameAvailabilityResult {
                name_available: Some(false),
                reason: Some("AccountNameInvalid".into()),
                message: Some(message),
            }
        } else if self.accounts.contains(&name) {
            CheckNameAvailabilityResult {
                name_available: Some(false),
                reason: Some("AlreadyExists".into()),
                message: Some(format!(
                    "The storage account named {name} is already taken."
                )),
            }
        } else {
            CheckNameAvailabilityResult {
                name_available: Some(true),
                ..Default::default()
            }
        })
    }

    fn endpoints(&self, name: &str) -> Endpoints {
        let suffix = &self.suffix;
        Endpoints {
            blob: Some(format!("https://{name}.blob.{suffix}/")),
            queue: Some(format!("https://{name}.queue.{suffix}/")),
            table: Some(format!("https://{name}.table.{suffix}/")),
            file: Some(format!("https://{name}.file.{suffix}/")),
            web: Some(format!("https://{name}.z13.web.{suffix}/")),
            dfs: Some(format!("https://{name}.dfs.{suffix}/")),
            ..Default::default()
        }
    }

    /// `PUT`: a new account is created by an operation; an existing one of the same group is
    /// updated in place.
    pub fn begin_create(
        self: &Arc<Self>,
        ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: StorageAccountCreateParameters,
    ) -> Result<CreateOutcome, ArmError> {
        // Storage and ACR spell the group in IDs as the request does.
        self.resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_account_name(name) {
            return Err(ArmError::AccountNameInvalid(name.to_string()));
        }
        let sku = request
            .sku
            .as_ref()
            .and_then(|s| s.name.clone())
            .ok_or_else(|| ArmError::MissingRequiredProperty("sku".into()))?;
        let sku =
            SKUS.iter()
                .find(|s| s.eq_ignore_ascii_case(&sku))
                .ok_or(ArmError::InvalidValue {
                    property: "sku.name".into(),
                    value: sku.clone(),
                })?;
        let kind = request
            .kind
            .clone()
            .ok_or_else(|| ArmError::MissingRequiredProperty("kind".into()))?;
        let kind =
            KINDS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(&kind))
                .ok_or(ArmError::InvalidValue {
                    property: "kind".into(),
                    value: kind.clone(),
                })?;
        let location = resource_location(TYPE, request.location.as_deref())?;
        let _ = ctx;
        let group_name = group.to_string();
        let properties = request.properties.clone().unwrap_or_default();
        let now = self.now();
        let account = StorageAccount {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group}/providers/{TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            kind: Some((*kind).to_string()),
            sku: Some(Box::new(Sku {
                name: Some((*sku).to_string()),
                tier: Some(
                    if sku.starts_with("Premium") {
                        "Premium"
                    } else {
                        "Standard"
                    }
                    .into(),
                ),
            })),
            properties: Some(Box::new(StorageAccountProperties {
                provisioning_state: Some("Creating".into()),
                creation_time: Some(now.clone()),
                primary_endpoints: Some(Box::new(self.endpoints(name))),
                primary_location: Some(location.to_string()),
                status_of_primary: Some("available".into()),
                access_tier: (*kind != "Storage" && *kind != "FileStorage").then(|| {
                    properties
                        .access_tier
                        .clone()
                        .unwrap_or_else(|| "Hot".into())
                }),
                supports_https_traffic_only: Some(
                    properties.supports_https_traffic_only.unwrap_or(true),
                ),
                minimum_tls_version: Some(
                    properties
                        .minimum_tls_version
                        .clone()
                        .unwrap_or_else(|| "TLS1_0".into()),
                ),
                allow_blob_public_access: Some(
                    properties.allow_blob_public_access.unwrap_or(false),
                ),
                allow_shared_key_access: properties.allow_shared_key_access,
                is_hns_enabled: properties.is_hns_enabled,
                key_creation_time: Some(Box::new(KeyCreationTime {
                    key1: Some(now.clone()),
                    key2: Some(now.clone()),
                })),
                network_acls: Some(Box::new(NetworkRuleSet {
                    bypass: Some("AzureServices".into()),
                    default_action: Some("Allow".into()),
                    ip_rules: Some(Vec::new()),
                    virtual_network_rules: Some(Vec::new()),
                    ..Default::default()
                })),
                encryption: Some(Box::new(Encryption {
                    key_source: Some("Microsoft.Storage".into()),
                    services: Some(Box::new(EncryptionServices {
                        blob: Some(Box::new(EncryptionService {
                            enabled: Some(true),
                            key_type: Some("Account".into()),
                            last_enabled_time: Some(now.clone()),
                        })),
                        file: Some(Box::new(EncryptionService {
                            enabled: Some(true),
                            key_type: Some("Account".into()),
                            last_enabled_time: Some(now.clone()),
                        })),
                        ..Default::default()
                    })),
                    ..Default::default()
                })),
                ..Default::default()
            })),
            ..Default::default()
        };
        let keys = [self.new_key(), self.new_key()];
        let updated = self.accounts.modify(name, |slot| match slot {
            Some(record)
                if record.subscription.eq_ignore_ascii_case(subscription)
                    && record.group.eq_ignore_ascii_case(&group_name) =>
            {
                // PUT on an existing account updates what it may change.
                if let Some(tags) = request.tags.clone() {
                    record.account.tags = Some(tags);
                }
                if let Some(account_sku) = account.sku.clone() {
                    record.account.sku = Some(account_sku);
                }
                Ok(Some(record.account.clone()))
            }
            Some(_) => Err(ArmError::StorageAccountAlreadyTaken(name.to_string())),
            None => {
                *slot = Some(AccountRecord {
                    account: account.clone(),
                    subscription: subscription.to_string(),
                    group: group_name.clone(),
                    keys: keys.clone(),
                    key_created: [now.clone(), now.clone()],
                });
                Ok(None)
            }
        })?;
        if let Some(account) = updated {
            return Ok(CreateOutcome::Updated(account));
        }
        let this = self.clone();
        let account_name = name.to_string();
        let operation = self.operations.start(
            serde_json::json!({"kind": "storageAccountCreate", "account": name}),
            async move { this.finish_create(&account_name) },
        )?;
        Ok(CreateOutcome::Accepted {
            operation,
            location: location.to_string(),
        })
    }

    /// The create operation's work: the account's directory, then `Succeeded`.
    fn finish_create(&self, name: &str) -> Outcome {
        if let Err(error) = std::fs::create_dir_all(self.data_dir(name)) {
            tracing::error!(%error, account = name, "could not make the account's directory");
            let _ = self.accounts.update(name, |record| {
                if let Some(properties) = record.account.properties.as_mut() {
                    properties.provisioning_state = Some("Failed".into());
                }
            });
            return Outcome::Error {
                code: "InternalServerError".into(),
                message: "The storage account could not be provisioned.".into(),
            };
        }
        let finished = self.accounts.update(name, |record| {
            if let Some(properties) = record.account.properties.as_mut() {
                properties.provisioning_state = Some("Succeeded".into());
            }
            record.account.clone()
        });
        match finished {
            Ok(Some(account)) => {
                Outcome::Response(serde_json::to_value(account).unwrap_or_default())
            }
            // Deleted while it was being created: the operation still finished.
            Ok(None) => Outcome::Response(serde_json::Value::Null),
            Err(error) => {
                tracing::error!(%error, account = name, "could not record an account's creation");
                Outcome::Error {
                    code: "InternalServerError".into(),
                    message: "The storage account could not be provisioned.".into(),
                }
            }
        }
    }

    fn record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<AccountRecord, ArmError> {
        self.resources.check_subscription(subscription)?;
        self.resources.get_group(subscription, group)?;
        self.accounts
            .get(name)
            .filter(|r| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && r.group.eq_ignore_ascii_case(group)
            })
            .ok_or_else(|| ArmError::ResourceNotFound {
                resource_type: TYPE.into(),
                name: name.to_string(),
                group: group.to_string(),
            })
    }

    pub fn get_properties(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<StorageAccount, ArmError> {
        Ok(self.record(subscription, group, name)?.account)
    }

    /// `PATCH`: tags, SKU and the account's settable properties.
    pub fn update(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        patch: StorageAccountUpdateParameters,
    ) -> Result<StorageAccount, ArmError> {
        self.record(subscription, group, name)?;
        let updated = self.accounts.update(name, |record| {
            if let Some(tags) = patch.tags {
                record.account.tags = Some(tags);
            }
            if let Some(sku) = patch.sku.and_then(|s| s.name) {
                record.account.sku = Some(Box::new(Sku {
                    tier: Some(
                        if sku.starts_with("Premium") {
                            "Premium"
                        } else {
                            "Standard"
                        }
                        .into(),
                    ),
                    name: Some(sku),
                }));
            }
            if let (Some(changes), Some(properties)) =
                (patch.properties, record.account.properties.as_mut())
            {
                if changes.access_tier.is_some() {
                    properties.access_tier = changes.access_tier;
                }
                if changes.minimum_tls_version.is_some() {
                    properties.minimum_tls_version = changes.minimum_tls_version;
                }
                if changes.allow_blob_public_access.is_some() {
                    properties.allow_blob_public_access = changes.allow_blob_public_access;
                }
                if changes.supports_https_traffic_only.is_some() {
                    properties.supports_https_traffic_only = changes.supports_https_traffic_only;
                }
            }
            record.account.clone()
        })?;
        updated.ok_or_else(|| ArmError::ResourceNotFound {
            resource_type: TYPE.into(),
            name: name.to_string(),
            group: group.to_string(),
        })
    }

    pub fn list_by_group(
        &self,
        subscription: &str,
        group: &str,
    ) -> Result<Vec<(String, StorageAccount)>, ArmError> {
        self.resources.check_subscription(subscription)?;
        self.resources.get_group(subscription, group)?;
        Ok(self
            .accounts
            .all()
            .into_iter()
            .filter(|(_, r)| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && r.group.eq_ignore_ascii_case(group)
            })
            .map(|(key, r)| (key, r.account))
            .collect())
    }

    pub fn list(&self, subscription: &str) -> Result<Vec<(String, StorageAccount)>, ArmError> {
        self.resources.check_subscription(subscription)?;
        Ok(self
            .accounts
            .all()
            .into_iter()
            .filter(|(_, r)| r.subscription.eq_ignore_ascii_case(subscription))
            .map(|(key, r)| (key, r.account))
            .collect())
    }

    /// `DELETE`: synchronous in Azure; `false` when there was nothing to delete.
    pub fn delete(&self, subscription: &str, group: &str, name: &str) -> Result<bool, ArmError> {
        match self.record(subscription, group, name) {
            Ok(_) => {
                self.remove(name)?;
                Ok(true)
            }
            Err(ArmError::ResourceNotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    fn remove(&self, name: &str) -> Result<(), ArmError> {
        self.accounts.remove(name)?;
        if let Err(error) = self.blobs.remove_account(name) {
            tracing::error!(%error, account = name, "the account's blobs were not removed");
            return Err(ArmError::Internal);
        }
        let dir = self.data_dir(name);
        if dir.exists()
            && let Err(error) = std::fs::remove_dir_all(&dir)
        {
            tracing::warn!(%error, account = name, "the account's directory was not removed");
        }
        Ok(())
    }

    fn keys_of(record: &AccountRecord) -> StorageAccountListKeysResult {
        let keys = ["key1", "key2"]
            .iter()
            .zip(record.keys.iter().zip(record.key_created.iter()))
            .map(|(name, (value, created))| {
                Box::new(StorageAccountKey {
                    key_name: Some((*name).to_string()),
                    value: Some(value.clone()),
                    permissions: Some("FULL".into()),
                    creation_time: Some(created.clone()),
                })
            })
            .collect();
        StorageAccountListKeysResult { keys: Some(keys) }
    }

    fn provisioned(record: &AccountRecord) -> Result<(), ArmError> {
        let state = record
            .account
            .properties
            .as_ref()
            .and_then(|p| p.provisioning_state.as_deref());
        if state == Some("Succeeded") {
            Ok(())
        } else {
            Err(ArmError::StorageAccountIsNotProvisioned(
                record.account.name.clone().unwrap_or_default(),
            ))
        }
    }

    pub fn list_keys(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<StorageAccountListKeysResult, ArmError> {
        let record = self.record(subscription, group, name)?;
        Self::provisioned(&record)?;
        Ok(Self::keys_of(&record))
    }

    pub fn regenerate_key(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        request: StorageAccountRegenerateKeyParameters,
    ) -> Result<StorageAccountListKeysResult, ArmError> {
        let record = self.record(subscription, group, name)?;
        Self::provisioned(&record)?;
        let key_name = request
            .key_name
            .ok_or_else(|| ArmError::MissingRequiredProperty("keyName".into()))?;
        let index = match key_name.to_ascii_lowercase().as_str() {
            "key1" => 0,
            "key2" => 1,
            _ => {
                return Err(ArmError::InvalidValue {
                    property: "keyName".into(),
                    value: key_name,
                });
            }
        };
        let key = self.new_key();
        let now = self.now();
        let updated = self.accounts.update(name, |record| {
            record.keys[index] = key.clone();
            record.key_created[index] = now.clone();
            if let Some(times) = record
                .account
                .properties
                .as_mut()
                .and_then(|p| p.key_creation_time.as_mut())
            {
                if index == 0 {
                    times.key1 = Some(now.clone());
                } else {
                    times.key2 = Some(now.clone());
                }
            }
            Self::keys_of(record)
        })?;
        updated.ok_or_else(|| ArmError::ResourceNotFound {
            resource_type: TYPE.into(),
            name: name.to_string(),
            group: group.to_string(),
        })
    }

    /// The blob service behind the accounts' blob endpoints.
    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    /// Whether an account of this name exists (in any state).
    pub fn account_exists(&self, name: &str) -> bool {
        self.accounts.contains(name)
    }

    /// The keys the data plane accepts for `name`: a provisioned account's two keys, or
    /// Azurite's well-known key for its development account; `None` for no such account.
    pub fn data_plane_keys(&self, name: &str) -> Option<Vec<String>> {
        if name == DEV_ACCOUNT {
            return Some(vec![DEV_ACCOUNT_KEY.to_string()]);
        }
        let record = self.accounts.get(name)?;
        Self::provisioned(&record).ok()?;
        Some(record.keys.to_vec())
    }
}

impl ResourceProvider for Storage {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded> {
        self.accounts
            .all()
            .into_iter()
            .filter(|(_, r)| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && r.group.eq_ignore_ascii_case(group)
            })
            .map(|(_, r)| {
                let account = r.account;
                let properties = account.properties.as_deref();
                GenericResourceExpanded {
                    id: account.id.clone(),
                    name: account.name.clone(),
                    r#type: account.r#type.clone(),
                    location: account.location.clone(),
                    tags: account.tags.clone(),
                    kind: account.kind.clone(),
                    sku: account.sku.as_ref().map(|s| {
                        Box::new(GenericSku {
                            name: s.name.clone(),
                            tier: s.tier.clone(),
                            ..Default::default()
                        })
                    }),
                    created_time: properties.and_then(|p| p.creation_time.clone()),
                    changed_time: properties.and_then(|p| p.creation_time.clone()),
                    provisioning_state: properties.and_then(|p| p.provisioning_state.clone()),
                    ..Default::default()
                }
            })
            .collect()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let names: Vec<String> = self
            .accounts
            .all()
            .into_iter()
            .filter(|(_, r)| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && r.group.eq_ignore_ascii_case(group)
            })
            .map(|(name, _)| name)
            .collect();
        for name in names {
            self.remove(&name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_names() {
        assert!(super::valid_account_name("abc123"));
        assert!(!super::valid_account_name("ab"));
        assert!(!super::valid_account_name("Upper"));
        assert!(!super::valid_account_name("with-dash"));
        assert!(!super::valid_account_name(&"a".repeat(25)));
    }
}
