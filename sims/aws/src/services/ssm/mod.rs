//! AWS Systems Manager: documents, maintenance windows, patch baselines and service settings,
//! and Parameter Store in full: parameters (`String`, `StringList`, and
//! `SecureString` sealed through KMS in-process under the given key or `alias/aws/ssm`), their
//! versions and history, selectors (`name:version`, `name:label`), labels, tiers and policies,
//! paths, filters and paging, tags, and AWS's public parameters under `/aws/service/`.
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the generated `Api` trait's table: one delegating line per operation |
//! | [`parameters`] | PutParameter, GetParameter(s), GetParametersByPath, DeleteParameter(s), GetParameterHistory, labels |
//! | [`describe`] | DescribeParameters and the filters it shares with GetParametersByPath (pure matching) |
//! | [`names`] | parameter names, paths, selectors and ARNs (pure) |
//! | [`public`] | the vendored `/aws/service/...` public parameters |
//! | [`documents`] | documents, their versions and sharing |
//! | [`document_content`] | what a document's JSON or YAML says (pure) |
//! | [`windows`] | maintenance windows, their targets and tasks |
//! | [`baselines`] | patch baselines, default baselines and patch groups |
//! | [`settings`] | service settings |
//! | [`associations`] | State Manager associations and their versions |
//! | [`activations`] | hybrid activations |
//! | [`opsitems`] | OpsCenter: OpsItems and OpsMetadata |
//! | [`policies`] | resource policies on parameters and the OpsItem group |
//! | [`tags`] | AddTagsToResource, ListTagsForResource, RemoveTagsFromResource |
//! | [`fleet`] | inventory, compliance, patch states and node listings of an account with no managed nodes |
//! | [`instances`] | Run Command and Session Manager without managed instances: empty listings and SSM's errors |
//!
//! Limits: there are no managed instances (Run Command and sessions answer as for an account
//! without any), so maintenance windows never execute, patch groups hold no instances,
//! associations stay `Pending` and never run, and inventory and compliance hold nothing.
//! Automation, change calendars and resource data syncs are not implemented and answer
//! NotImplemented. Parameter policies are stored and reported, never acted on.
//!
//! State: one collection per kind of record, keyed `account/region/...`.

mod activations;
mod api;
mod associations;
mod baselines;
mod describe;
mod document_content;
mod documents;
mod fleet;
mod instances;
pub mod names;
mod opsitems;
mod parameters;
mod policies;
mod public;
mod settings;
mod tags;
mod windows;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Unimplemented;
use sim_aws_shapes::ssm::Tag;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::kms::Kms;
use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// Systems Manager's errors: the code is the model's error shape name, so one variant carries
/// every documented error this service answers.
#[derive(Debug, thiserror::Error)]
pub enum SsmError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{message}")]
    Coded { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SsmError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self::Coded {
            code,
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }
}

impl From<SsmError> for AwsError {
    fn from(error: SsmError) -> Self {
        match error {
            SsmError::Unimplemented(unimplemented) => unimplemented.into(),
            SsmError::Store(error) => error.into(),
            SsmError::Coded { code, message } => AwsError::new(code, message),
        }
    }
}

/// One page of a listing: `max_results` entries at most (`default` when absent), and SSM's error
/// for a token it did not make.
fn page<T>(
    entries: Vec<(String, T)>,
    token: Option<&str>,
    max_results: Option<i32>,
    default: usize,
) -> Result<crate::services::paging::Page<T>, SsmError> {
    let size = max_results.map_or(default, |n| n.max(1) as usize);
    crate::services::paging::page(entries, token, size)
        .map_err(|_| SsmError::new("InvalidNextToken", "The specified token isn't valid."))
}

fn parameter_not_found() -> SsmError {
    // AWS answers a missing parameter with no message.
    SsmError::new("ParameterNotFound", "")
}

/// One version of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub version: i64,
    pub parameter_type: String,
    /// The value; for a SecureString, the KMS ciphertext in base64 (what AWS shows without
    /// decryption).
    pub value: String,
    pub key_id: Option<String>,
    pub description: Option<String>,
    pub allowed_pattern: Option<String>,
    pub tier: String,
    pub policies: Option<String>,
    pub data_type: String,
    pub labels: Vec<String>,
    pub modified: i64,
    pub user: String,
}

/// A stored parameter: its versions (oldest first) and tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterRecord {
    pub name: String,
    pub versions: Vec<VersionRecord>,
    pub tags: Vec<Tag>,
}

impl ParameterRecord {
    fn latest(&self) -> &VersionRecord {
        self.versions
            .last()
            .expect("a stored parameter has at least one version")
    }
}

/// The service.
pub struct Ssm {
    kit: Kit,
    kms: Arc<Kms>,
    parameters: Arc<Collection<ParameterRecord>>,
    documents: Arc<Collection<documents::DocumentRecord>>,
    windows: Arc<Collection<windows::WindowRecord>>,
    baselines: Arc<Collection<baselines::BaselineRecord>>,
    /// Patch groups' baselines, by operating system and group.
    patch_groups: Arc<Collection<baselines::PatchGroupRecord>>,
    /// The account's default baseline per operating system.
    patch_settings: Arc<Collection<baselines::PatchGroupRecord>>,
    settings: Arc<Collection<settings::SettingRecord>>,
    associations: Arc<Collection<associations::AssociationRecord>>,
    activations: Arc<Collection<activations::ActivationRecord>>,
    /// Resource policies by resource ARN.
    resource_policies: Arc<Collection<policies::PolicySet>>,
    ops_items: Arc<Collection<opsitems::OpsItemRecord>>,
    ops_metadata: Arc<Collection<opsitems::OpsMetadataRecord>>,
}

impl Ssm {
    pub fn new(kit: Kit, kms: Arc<Kms>) -> Result<Self, StoreError> {
        Ok(Self {
            parameters: kit.store().collection("ssm.parameters")?,
            documents: kit.store().collection("ssm.documents")?,
            windows: kit.store().collection("ssm.windows")?,
            baselines: kit.store().collection("ssm.baselines")?,
            patch_groups: kit.store().collection("ssm.patchgroups")?,
            patch_settings: kit.store().collection("ssm.defaultbaselines")?,
            settings: kit.store().collection("ssm.settings")?,
            associations: kit.store().collection("ssm.associations")?,
            activations: kit.store().collection("ssm.activations")?,
            resource_policies: kit.store().collection("ssm.resourcepolicies")?,
            ops_items: kit.store().collection("ssm.opsitems")?,
            ops_metadata: kit.store().collection("ssm.opsmetadata")?,
            kms,
            kit,
        })
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }
}

#[async_trait::async_trait]
impl Service for Ssm {
    fn model(&self) -> &'static Model {
        model::ssm()
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
            "ssm",
            operation,
            sim_aws_shapes::ssm::dispatch(self, ctx, operation, input).await,
        )
    }
}
