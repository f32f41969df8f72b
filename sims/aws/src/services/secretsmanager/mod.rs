//! AWS Secrets Manager: secrets with versions and staging labels (`AWSCURRENT`,
//! `AWSPENDING`, `AWSPREVIOUS` moving as AWS moves them), values encrypted through KMS
//! in-process (the secret's key, or `alias/aws/secretsmanager` made on first use), deletion with
//! a recovery window, resource policies, rotation metadata, replication into other Regions'
//! state, BatchGetSecretValue, GetRandomPassword, ListSecrets with filters, and tags.
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the generated `Api` trait's table: one delegating line per operation |
//! | [`secrets`] | CreateSecret, DescribeSecret, ListSecrets, UpdateSecret, DeleteSecret, RestoreSecret, tags |
//! | [`values`] | versions and stages: GetSecretValue, PutSecretValue, BatchGetSecretValue, UpdateSecretVersionStage, ListSecretVersionIds |
//! | [`rotation`] | RotateSecret and CancelRotateSecret |
//! | [`policies`] | resource policies and ValidateResourcePolicy |
//! | [`replication`] | ReplicateSecretToRegions, RemoveRegionsFromReplication, StopReplicationToReplica |
//! | [`password`] | GetRandomPassword (pure) |
//!
//! State: secrets by `account/region/name`, each record holding its versions (values sealed by
//! KMS under the encryption context AWS uses, `SecretARN` and `SecretVersionId`).
//!
//! Rotation invokes the rotation function through Lambda (see `rotation`); resource policies
//! are evaluated under `--enforce-iam` (`Service::resource_policy`).
//!
//! Limits: scheduled rotations (`RotationRules`) are recorded but never start by themselves,
//! and a failed rotation is not retried; a secret pending deletion is never purged when its
//! window ends.

mod api;
pub mod password;
mod policies;
mod replication;
mod rotation;
mod secrets;
mod values;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::{Timestamp, Unimplemented};
use sim_aws_shapes::secretsmanager::{ReplicationStatusType, RotationRulesType, Tag};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::kms::{Kms, KmsError};
use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// Secrets Manager's documented errors, one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    ResourceExists(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidNextToken(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    PublicPolicy(String),
    #[error("{0}")]
    Encryption(String),
    #[error("{0}")]
    Decryption(String),
    /// Secrets Manager could not invoke a rotation function (not in the model's error list).
    #[error("{0}")]
    AccessDenied(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SecretsError> for AwsError {
    fn from(error: SecretsError) -> Self {
        let message = error.to_string();
        let code = match error {
            SecretsError::Unimplemented(unimplemented) => return unimplemented.into(),
            SecretsError::Store(error) => return error.into(),
            SecretsError::ResourceNotFound(_) => "ResourceNotFoundException",
            SecretsError::ResourceExists(_) => "ResourceExistsException",
            SecretsError::InvalidParameter(_) => "InvalidParameterException",
            SecretsError::InvalidRequest(_) => "InvalidRequestException",
            SecretsError::InvalidNextToken(_) => "InvalidNextTokenException",
            SecretsError::LimitExceeded(_) => "LimitExceededException",
            SecretsError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            SecretsError::PublicPolicy(_) => "PublicPolicyException",
            SecretsError::Encryption(_) => "EncryptionFailure",
            SecretsError::Decryption(_) => "DecryptionFailure",
            SecretsError::AccessDenied(message) => {
                return AwsError::with_status("AccessDeniedException", 400, message);
            }
        };
        AwsError::new(code, message)
    }
}

/// What Secrets Manager answers when KMS refuses to encrypt a value.
fn encryption_failure(error: KmsError) -> SecretsError {
    match error {
        KmsError::Store(error) => SecretsError::Store(error),
        KmsError::NotFound(_) | KmsError::InvalidArn(_) => SecretsError::ResourceNotFound(
            "Secrets Manager can't find the specified KMS key.".into(),
        ),
        KmsError::Disabled(message) | KmsError::InvalidState(message) => {
            SecretsError::Encryption(format!("Access to KMS is not allowed: {message}"))
        }
        other => SecretsError::Encryption(other.to_string()),
    }
}

fn secret_not_found() -> SecretsError {
    SecretsError::ResourceNotFound("Secrets Manager can't find the specified secret.".into())
}

fn marked_for_deletion() -> SecretsError {
    SecretsError::InvalidRequest(
        "You can't perform this operation on the secret because it was marked for deletion.".into(),
    )
}

/// One version of a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub created: i64,
    pub stages: Vec<String>,
    /// The KMS ciphertext of the value (base64); empty for the AWSPENDING version RotateSecret
    /// makes before the rotation function's createSecret step puts its value.
    pub sealed: String,
    /// Whether the value was given as SecretBinary.
    pub binary: bool,
    pub last_accessed: Option<i64>,
    /// The key ARN that sealed it.
    pub kms_key_arn: String,
}

/// A stored secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretRecord {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// The key as the customer named it; absent means the managed key.
    pub kms_key_id: Option<String>,
    pub secret_type: Option<String>,
    pub tags: Vec<Tag>,
    pub versions: BTreeMap<String, VersionRecord>,
    pub created: i64,
    pub last_changed: i64,
    pub last_accessed: Option<i64>,
    pub deleted: Option<i64>,
    pub rotation_enabled: Option<bool>,
    pub rotation_lambda_arn: Option<String>,
    pub rotation_rules: Option<RotationRulesType>,
    pub last_rotated: Option<i64>,
    pub resource_policy: Option<String>,
    /// Present on a replica: the Region of its primary.
    pub primary_region: Option<String>,
    /// On a primary: where it is replicated.
    pub replication: Vec<ReplicationStatusType>,
}

impl SecretRecord {
    /// The version holding `stage`.
    fn version_with_stage(&self, stage: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, version)| version.stages.iter().any(|s| s == stage))
            .map(|(id, _)| id.as_str())
    }

    fn refuse_if_deleted(&self) -> Result<(), SecretsError> {
        if self.deleted.is_some() {
            Err(marked_for_deletion())
        } else {
            Ok(())
        }
    }

    /// Writes to a replica are refused: they go to the primary's Region.
    fn refuse_if_replica(&self) -> Result<(), SecretsError> {
        match &self.primary_region {
            Some(region) => Err(SecretsError::InvalidRequest(format!(
                "Operation not permitted on a replica secret. Call must be made in primary secret's region ({region})."
            ))),
            None => Ok(()),
        }
    }

    fn versions_to_stages(&self) -> BTreeMap<String, Vec<String>> {
        self.versions
            .iter()
            .filter(|(_, version)| !version.stages.is_empty())
            .map(|(id, version)| (id.clone(), version.stages.clone()))
            .collect()
    }
}

/// AWS reports access dates to the day.
fn day_of(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis - millis.rem_euclid(86_400_000))
}

/// The service.
pub struct SecretsManager {
    kit: Kit,
    kms: Arc<Kms>,
    secrets: Arc<Collection<SecretRecord>>,
    /// Set once by [`SecretsManager::connect_lambda`].
    rotation: std::sync::OnceLock<rotation::Rotation>,
}

/// One account and Region's secrets.
#[derive(Debug, Clone)]
struct Scope {
    account_id: String,
    region: String,
}

impl Scope {
    fn of(ctx: &Ctx) -> Self {
        Self {
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
        }
    }

    fn in_region(&self, region: &str) -> Self {
        Self {
            account_id: self.account_id.clone(),
            region: region.to_string(),
        }
    }

    fn prefix(&self) -> String {
        format!("{}/{}/", self.account_id, self.region)
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix())
    }

    fn arn(&self, name: &str, suffix: &str) -> String {
        format!(
            "arn:aws:secretsmanager:{}:{}:secret:{name}-{suffix}",
            self.region, self.account_id
        )
    }
}

impl SecretsManager {
    pub fn new(kit: Kit, kms: Arc<Kms>) -> Result<Self, StoreError> {
        Ok(Self {
            secrets: kit.store().collection("secretsmanager.secrets")?,
            kms,
            rotation: std::sync::OnceLock::new(),
            kit,
        })
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// The name a `SecretId` (a name, a full ARN, or an ARN without its random suffix) stands
    /// for, if such a secret exists.
    fn find(&self, scope: &Scope, secret_id: &str) -> Result<SecretRecord, SecretsError> {
        if let Some(rest) = secret_id.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(6, ':').collect();
            let [_, "secretsmanager", region, account, "secret", resource] = parts.as_slice()
            else {
                return Err(secret_not_found());
            };
            let there = Scope {
                account_id: account.to_string(),
                region: region.to_string(),
            };
            if let Some(record) = self.secrets.get(&there.key(resource)) {
                return Ok(record);
            }
            // A full ARN: the name is everything before the last `-` and six characters.
            if let Some((name, suffix)) = resource.rsplit_once('-')
                && suffix.len() == 6
                && let Some(record) = self.secrets.get(&there.key(name))
                && record.arn == secret_id
            {
                return Ok(record);
            }
            return Err(secret_not_found());
        }
        self.secrets
            .get(&scope.key(secret_id))
            .ok_or_else(secret_not_found)
    }

    /// Changes the secret `secret_id` names; `change` may refuse.
    fn change<R>(
        &self,
        scope: &Scope,
        secret_id: &str,
        change: impl FnOnce(&mut SecretRecord) -> Result<R, SecretsError>,
    ) -> Result<R, SecretsError> {
        let found = self.find(scope, secret_id)?;
        let here = Scope {
            account_id: found
                .arn
                .split(':')
                .nth(4)
                .unwrap_or(&scope.account_id)
                .to_string(),
            region: found
                .arn
                .split(':')
                .nth(3)
                .unwrap_or(&scope.region)
                .to_string(),
        };
        self.secrets
            .modify(&here.key(&found.name), |slot| match slot {
                Some(record) => change(record),
                None => Err(secret_not_found()),
            })
    }

    /// Seals a value for a version of `record` (the key named on the secret, or the managed
    /// key).
    fn seal(
        &self,
        scope: &Scope,
        record: &SecretRecord,
        version_id: &str,
        value: &[u8],
        binary: bool,
    ) -> Result<VersionRecord, SecretsError> {
        let context = value_context(&record.arn, version_id);
        let (blob, key_arn) = self
            .kms
            .encrypt_for(
                &scope.account_id,
                &scope.region,
                "secretsmanager",
                record.kms_key_id.as_deref(),
                value,
                &context,
            )
            .map_err(encryption_failure)?;
        Ok(VersionRecord {
            created: self.now(),
            stages: Vec::new(),
            sealed: STANDARD.encode(blob),
            binary,
            last_accessed: None,
            kms_key_arn: key_arn,
        })
    }

    /// Opens a version's value.
    fn open(
        &self,
        scope: &Scope,
        record: &SecretRecord,
        version_id: &str,
        version: &VersionRecord,
    ) -> Result<Vec<u8>, SecretsError> {
        let blob = STANDARD.decode(&version.sealed).unwrap_or_default();
        self.kms
            .decrypt_for(
                &scope.account_id,
                &scope.region,
                &blob,
                &value_context(&record.arn, version_id),
            )
            .map_err(|error| match error {
                KmsError::Store(error) => SecretsError::Store(error),
                other => SecretsError::Decryption(format!(
                    "Secrets Manager can't decrypt the protected secret text using the provided KMS key. {other}"
                )),
            })
    }

    /// A secret's value as the latest holder of a stage, for ECS: the string (or the binary
    /// as UTF-8) of `secret_id` at `stage` or `version_id` (AWSCURRENT when neither is given).
    pub fn value_for(
        &self,
        account_id: &str,
        region: &str,
        secret_id: &str,
        stage: Option<&str>,
        version_id: Option<&str>,
    ) -> Result<String, SecretsError> {
        let scope = Scope {
            account_id: account_id.into(),
            region: region.into(),
        };
        let record = self.find(&scope, secret_id)?;
        record.refuse_if_deleted()?;
        let (id, version) = values::select_version(&record, version_id, stage)?;
        let bytes = self.open(&scope, &record, &id, &version)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The encryption context AWS seals secret values under.
fn value_context(arn: &str, version_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("SecretARN".to_string(), arn.to_string()),
        ("SecretVersionId".to_string(), version_id.to_string()),
    ])
}

#[async_trait::async_trait]
impl Service for SecretsManager {
    fn model(&self) -> &'static Model {
        model::secretsmanager()
    }

    /// A secret's resource policy; the request may name the secret by name, partial ARN or
    /// full ARN, so the statements are matched against its full ARN.
    fn resource_policy(&self, resource_arn: &str) -> Option<super::ResourcePolicy> {
        let parts = super::split_arn(resource_arn)?;
        let scope = Scope {
            account_id: parts.account.to_string(),
            region: parts.region.to_string(),
        };
        let id = parts.resource.strip_prefix("secret:")?;
        let record = if id.starts_with("arn:") {
            self.find(&scope, id)
        } else {
            self.find(&scope, resource_arn)
        }
        .ok()?;
        Some(super::ResourcePolicy {
            document: record.resource_policy,
            owner_account: scope.account_id,
            resource_arn: Some(record.arn),
            required: false,
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
            "secretsmanager",
            operation,
            sim_aws_shapes::secretsmanager::dispatch(self, ctx, operation, input).await,
        )
    }
}
