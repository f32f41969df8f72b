//! AWS Key Management Service: keys (symmetric, ECC signing, HMAC), their states and deletion
//! schedule, aliases, key policies, grants, tags, rotation, and real cryptography (AES-256-GCM
//! under per-key material kept in the store, ECDSA, HMAC). Other services encrypt through
//! [`Kms::encrypt_for`] and [`Kms::decrypt_for`], which create the `alias/aws/<service>` managed
//! key on first use as AWS does.
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the generated `Api` trait's table: one delegating line per operation |
//! | [`keys`] | CreateKey, DescribeKey, ListKeys, states, deletion, descriptions, policies, rotation, tags |
//! | [`aliases`] | CreateAlias, UpdateAlias, DeleteAlias, ListAliases |
//! | [`grants`] | CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant |
//! | [`operations`] | the cryptographic operations: Encrypt, Decrypt, ReEncrypt, data keys, random, Sign, Verify, MACs |
//! | [`crypto`] | the ciphertext blob, AES-GCM, ECDSA and HMAC (pure) |
//! | [`unsupported`] | custom key stores, imported key material, multi-Region keys, key agreement: KMS's own errors |
//!
//! State: keys by `account/region/key-id`, aliases by `account/region/alias-name`, grants by
//! `account/region/key-id/grant-id`. Key material never leaves the store except through the
//! cryptographic operations.
//!
//! Limits: RSA and SM2 key specs are refused (`UnsupportedOperationException`): the
//! cryptography library in the build can sign with RSA but cannot generate RSA keys. Signing a
//! precomputed `DIGEST` is refused for the same reason (the library hashes the message
//! itself). Key policies are enforced under `--enforce-iam` (required, as AWS does); grants are
//! stored and listed, not enforced. Deletion is recorded
//! with its date; a key pending deletion is never purged.

mod aliases;
mod api;
pub mod crypto;
mod grants;
mod keys;
mod operations;
mod unsupported;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sim_aws_shapes::kms::{KeyMetadata, Tag};
use sim_aws_shapes::normal::{Timestamp, Unimplemented};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// KMS's documented errors, one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    Disabled(String),
    #[error("{0}")]
    InvalidState(String),
    #[error("invalid ciphertext")]
    InvalidCiphertext,
    #[error("{0}")]
    InvalidKeyUsage(String),
    #[error("{0}")]
    InvalidAliasName(String),
    #[error("{0}")]
    InvalidArn(String),
    #[error("{0}")]
    InvalidMarker(String),
    #[error("{0}")]
    InvalidGrantId(String),
    #[error("{0}")]
    InvalidGrantToken(String),
    #[error("{0}")]
    IncorrectKey(String),
    #[error("{0}")]
    InvalidSignature(String),
    #[error("{0}")]
    InvalidMac(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    Tag(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    UnsupportedOperation(String),
    #[error("{0}")]
    CustomKeyStoreNotFound(String),
    #[error("{0}")]
    CloudHsmClusterNotFound(String),
    #[error("{0}")]
    XksProxyUriUnreachable(String),
    #[error("{0}")]
    Validation(String),
    /// A DryRun request that would have succeeded.
    #[error("The request would have succeeded, but the DryRun option is set.")]
    DryRun,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<KmsError> for AwsError {
    fn from(error: KmsError) -> Self {
        let message = error.to_string();
        let code = match error {
            KmsError::Unimplemented(unimplemented) => return unimplemented.into(),
            KmsError::Store(error) => return error.into(),
            // KMS answers a blob that does not open with no message at all.
            KmsError::InvalidCiphertext => return AwsError::new("InvalidCiphertextException", ""),
            KmsError::NotFound(_) => "NotFoundException",
            KmsError::AlreadyExists(_) => "AlreadyExistsException",
            KmsError::Disabled(_) => "DisabledException",
            KmsError::InvalidState(_) => "KMSInvalidStateException",
            KmsError::InvalidKeyUsage(_) => "InvalidKeyUsageException",
            KmsError::InvalidAliasName(_) => "InvalidAliasNameException",
            KmsError::InvalidArn(_) => "InvalidArnException",
            KmsError::InvalidMarker(_) => "InvalidMarkerException",
            KmsError::InvalidGrantId(_) => "InvalidGrantIdException",
            KmsError::InvalidGrantToken(_) => "InvalidGrantTokenException",
            KmsError::IncorrectKey(_) => "IncorrectKeyException",
            KmsError::InvalidSignature(_) => "KMSInvalidSignatureException",
            KmsError::InvalidMac(_) => "KMSInvalidMacException",
            KmsError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            KmsError::Tag(_) => "TagException",
            KmsError::LimitExceeded(_) => "LimitExceededException",
            KmsError::UnsupportedOperation(_) => "UnsupportedOperationException",
            KmsError::CustomKeyStoreNotFound(_) => "CustomKeyStoreNotFoundException",
            KmsError::CloudHsmClusterNotFound(_) => "CloudHsmClusterNotFoundException",
            KmsError::XksProxyUriUnreachable(_) => "XksProxyUriUnreachableException",
            KmsError::Validation(_) => "ValidationException",
            KmsError::DryRun => "DryRunOperationException",
        };
        AwsError::new(code, message)
    }
}

/// One generation of a key's material: its ID (as `CurrentKeyMaterialId` shows it), when it
/// was made, how, and the secret (base64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    pub id: String,
    pub created: i64,
    /// `AUTOMATIC` or `ON_DEMAND` for rotations; absent for the key's first material.
    pub rotation_type: Option<String>,
    pub secret: String,
}

impl Material {
    fn secret_bytes(&self) -> Vec<u8> {
        STANDARD.decode(&self.secret).unwrap_or_default()
    }
}

/// A stored key: its metadata as DescribeKey shows it, and what only KMS sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub metadata: KeyMetadata,
    pub policy: String,
    pub tags: Vec<Tag>,
    /// Symmetric and HMAC keys: every generation of material, oldest first (the blob names
    /// the one that sealed it).
    pub materials: Vec<Material>,
    /// Asymmetric keys: PKCS#8 private key and DER public key (base64).
    pub private_key: Option<String>,
    pub public_key: Option<String>,
    pub rotation_enabled: bool,
    pub rotation_period_in_days: Option<i32>,
    pub next_rotation: Option<i64>,
    /// Whether AWS manages the key (`alias/aws/...`): it cannot be changed or deleted.
    pub aws_managed: bool,
}

impl KeyRecord {
    fn arn(&self) -> String {
        self.metadata.arn.clone().unwrap_or_default()
    }

    fn state(&self) -> &str {
        self.metadata.key_state.as_deref().unwrap_or("Enabled")
    }

    fn usage(&self) -> &str {
        self.metadata
            .key_usage
            .as_deref()
            .unwrap_or("ENCRYPT_DECRYPT")
    }

    fn spec(&self) -> &str {
        self.metadata
            .key_spec
            .as_deref()
            .unwrap_or("SYMMETRIC_DEFAULT")
    }

    /// Refuses use of a key that is not enabled, as every cryptographic operation does.
    fn usable(&self) -> Result<(), KmsError> {
        match self.state() {
            "Enabled" => Ok(()),
            "Disabled" => Err(KmsError::Disabled(format!("{} is disabled.", self.arn()))),
            "PendingDeletion" => Err(pending_deletion(&self.arn())),
            other => Err(KmsError::InvalidState(format!(
                "{} is {}.",
                self.arn(),
                other.to_ascii_lowercase()
            ))),
        }
    }
}

fn pending_deletion(arn: &str) -> KmsError {
    KmsError::InvalidState(format!("{arn} is pending deletion."))
}

/// A stored alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub name: String,
    pub target_key_id: String,
    pub created: i64,
    pub updated: i64,
}

/// A stored grant: its listing entry and its token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantRecord {
    pub entry: sim_aws_shapes::kms::GrantListEntry,
    pub token: String,
}

/// The service.
pub struct Kms {
    kit: Kit,
    keys: Arc<Collection<KeyRecord>>,
    aliases: Arc<Collection<AliasRecord>>,
    grants: Arc<Collection<GrantRecord>>,
}

/// Where a KMS request is made: the key prefix and ARNs of one account and region.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub account_id: String,
    pub region: String,
}

impl Scope {
    pub fn new(account_id: &str, region: &str) -> Self {
        Self {
            account_id: account_id.into(),
            region: region.into(),
        }
    }

    fn of(ctx: &Ctx) -> Self {
        Self::new(&ctx.account_id, &ctx.region)
    }

    fn prefix(&self) -> String {
        format!("{}/{}/", self.account_id, self.region)
    }

    fn key_key(&self, key_id: &str) -> String {
        format!("{}{key_id}", self.prefix())
    }

    fn alias_key(&self, alias: &str) -> String {
        format!("{}{alias}", self.prefix())
    }

    fn grant_key(&self, key_id: &str, grant_id: &str) -> String {
        format!("{}{key_id}/{grant_id}", self.prefix())
    }

    fn key_arn(&self, key_id: &str) -> String {
        format!(
            "arn:aws:kms:{}:{}:key/{key_id}",
            self.region, self.account_id
        )
    }

    fn alias_arn(&self, alias: &str) -> String {
        format!("arn:aws:kms:{}:{}:{alias}", self.region, self.account_id)
    }
}

/// Whether `id` has a key ID's form (a UUID, or `mrk-` and 32 hex digits).
fn is_key_id(id: &str) -> bool {
    let uuid = id.len() == 36
        && id.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let multi_region = id
        .strip_prefix("mrk-")
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()));
    uuid || multi_region
}

fn key_not_found(arn: &str) -> KmsError {
    KmsError::NotFound(format!("Key '{arn}' does not exist"))
}

fn invalid_key_id(id: &str) -> KmsError {
    KmsError::NotFound(format!("Invalid keyId '{id}'"))
}

impl Kms {
    pub fn new(kit: Kit) -> Result<Self, StoreError> {
        let store = kit.store();
        Ok(Self {
            keys: store.collection("kms.keys")?,
            aliases: store.collection("kms.aliases")?,
            grants: store.collection("kms.grants")?,
            kit,
        })
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// The key a request names: a key ID, a key ARN, and (when `aliases` allows, as the
    /// cryptographic operations and DescribeKey do) an alias name or alias ARN.
    fn find_key(&self, scope: &Scope, id: &str, aliases: bool) -> Result<KeyRecord, KmsError> {
        if let Some(rest) = id.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [_, "kms", region, account, resource] = parts.as_slice() else {
                return Err(KmsError::InvalidArn(format!("Invalid arn {id}")));
            };
            let here = Scope::new(account, region);
            if let Some(key_id) = resource.strip_prefix("key/") {
                return self
                    .keys
                    .get(&here.key_key(key_id))
                    .ok_or_else(|| key_not_found(id));
            }
            if resource.starts_with("alias/") && aliases {
                return self.key_of_alias(&here, resource);
            }
            return Err(invalid_key_id(id));
        }
        if id.starts_with("alias/") {
            if !aliases {
                return Err(invalid_key_id(id));
            }
            return self.key_of_alias(scope, id);
        }
        if !is_key_id(id) {
            return Err(invalid_key_id(id));
        }
        self.keys
            .get(&scope.key_key(id))
            .ok_or_else(|| key_not_found(&scope.key_arn(id)))
    }

    fn key_of_alias(&self, scope: &Scope, alias: &str) -> Result<KeyRecord, KmsError> {
        let not_found =
            || KmsError::NotFound(format!("Alias {} is not found.", scope.alias_arn(alias)));
        let record = self
            .aliases
            .get(&scope.alias_key(alias))
            .ok_or_else(not_found)?;
        self.keys
            .get(&scope.key_key(&record.target_key_id))
            .ok_or_else(not_found)
    }

    /// Changes a stored key; `change` may refuse.
    fn change_key<R>(
        &self,
        scope: &Scope,
        key_id: &str,
        change: impl FnOnce(&mut KeyRecord) -> Result<R, KmsError>,
    ) -> Result<R, KmsError> {
        self.keys.modify(&scope.key_key(key_id), |slot| match slot {
            Some(record) => change(record),
            None => Err(key_not_found(&scope.key_arn(key_id))),
        })
    }

    /// The AWS managed key of `service` (`alias/aws/<service>`), created on first use.
    pub(crate) fn managed_key(&self, scope: &Scope, service: &str) -> Result<KeyRecord, KmsError> {
        let alias = format!("alias/aws/{service}");
        if let Ok(record) = self.key_of_alias(scope, &alias) {
            return Ok(record);
        }
        let description = format!(
            "Default key that protects my {} when no other key is defined",
            managed_noun(service)
        );
        let record = self.new_key(scope, keys::NewKey::managed(description))?;
        let key_id = record.metadata.key_id.clone();
        let now = self.now();
        let alias_record = AliasRecord {
            name: alias.clone(),
            target_key_id: key_id,
            created: now,
            updated: now,
        };
        let key_record = record.clone();
        let winner = self.kit.store().transaction(|txn| {
            if let Some(existing) = txn.get(&self.aliases, &scope.alias_key(&alias))? {
                return Ok::<_, KmsError>(existing.target_key_id);
            }
            txn.insert(
                &self.keys,
                &scope.key_key(&key_record.metadata.key_id),
                key_record.clone(),
            )?;
            txn.insert(
                &self.aliases,
                &scope.alias_key(&alias),
                alias_record.clone(),
            )?;
            Ok(key_record.metadata.key_id.clone())
        })?;
        self.keys
            .get(&scope.key_key(&winner))
            .ok_or_else(|| key_not_found(&scope.key_arn(&winner)))
    }

    /// Encrypts for another service, in-process: under `key` (any form a request may use), or
    /// the service's managed key when `key` is absent. Returns the blob and the key's ARN.
    pub fn encrypt_for(
        &self,
        account_id: &str,
        region: &str,
        service: &str,
        key: Option<&str>,
        plaintext: &[u8],
        context: &BTreeMap<String, String>,
    ) -> Result<(Vec<u8>, String), KmsError> {
        let scope = Scope::new(account_id, region);
        let record = match key {
            Some(key) => self.find_key(&scope, key, true)?,
            None => self.managed_key(&scope, service)?,
        };
        let blob = operations::seal_with(&record, plaintext, context)?;
        Ok((blob, record.arn()))
    }

    /// Decrypts a blob [`Kms::encrypt_for`] made (the blob names its key).
    pub fn decrypt_for(
        &self,
        account_id: &str,
        region: &str,
        blob: &[u8],
        context: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, KmsError> {
        let scope = Scope::new(account_id, region);
        let (_, plaintext) = self.open_blob(&scope, blob, context, None)?;
        Ok(plaintext)
    }

    /// The key ARN `key` names (for services that report the key they used), if it exists.
    pub fn key_arn(&self, account_id: &str, region: &str, key: &str) -> Result<String, KmsError> {
        let scope = Scope::new(account_id, region);
        self.find_key(&scope, key, true).map(|record| record.arn())
    }
}

/// How a managed key's description names what it protects.
fn managed_noun(service: &str) -> &str {
    match service {
        "secretsmanager" => "Secrets Manager secrets",
        "ssm" => "SSM parameters",
        other => other,
    }
}

fn timestamp(millis: i64) -> Option<Timestamp> {
    Some(Timestamp::from_millis(millis))
}

#[async_trait::async_trait]
impl Service for Kms {
    fn model(&self) -> &'static Model {
        model::kms()
    }

    /// A key's policy, which every request on the key needs (alone, or by delegating to the
    /// account's IAM policies as the default policy does). The request may name the key by ID,
    /// key ARN, alias name or alias ARN.
    fn resource_policy(&self, resource_arn: &str) -> Option<super::ResourcePolicy> {
        let parts = super::split_arn(resource_arn)?;
        let scope = Scope::new(parts.account, parts.region);
        let id = match parts.resource.strip_prefix("key/") {
            Some(inner) if inner.starts_with("arn:") || inner.starts_with("alias/") => inner,
            Some(_) => resource_arn,
            None if parts.resource.starts_with("alias/") => resource_arn,
            None => return None,
        };
        let record = self.find_key(&scope, id, true).ok()?;
        Some(super::ResourcePolicy {
            document: Some(record.policy),
            owner_account: parts.account.to_string(),
            resource_arn: record.metadata.arn.clone(),
            required: true,
        })
    }

    fn validation(&self) -> Validation {
        Validation::standard("ValidationException")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "kms",
            operation,
            sim_aws_shapes::kms::dispatch(self, ctx, operation, input).await,
        )
    }
}
