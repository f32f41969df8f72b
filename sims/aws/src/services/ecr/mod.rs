//! Amazon ECR, every operation of the model, in front of simkit's OCI registry: what is pushed
//! with docker/skopeo/oras through `/v2/` is what DescribeImages, BatchGetImage and ListImages
//! show, and what PutImage and the layer-upload operations write is what clients pull.
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the generated `Api` trait's table: one delegating line per operation |
//! | [`repositories`] | repositories, tag mutability, scanning and encryption settings, tags, repository and lifecycle policies, lifecycle previews |
//! | [`images`] | DescribeImages, ListImages, BatchGetImage, BatchDeleteImage, PutImage, scans, referrers, storage class |
//! | [`layers`] | the layer-upload operations, layer availability, download URLs, GetAuthorizationToken |
//! | [`registry`] | registry-wide settings: registry policy and scanning, replication, pull-through cache rules, creation templates, account settings, signing, pull-time exclusions |
//! | [`access`] | the registry's provider hooks: host names, authorization tokens, repository existence, immutable tags |
//!
//! State: repositories in `ecr.repositories` keyed `account/region/name`; registry-wide
//! settings in `ecr.registries` keyed `account/region`; pull-through cache rules and creation
//! templates keyed `account/region/prefix`; tokens by password. Images, tags and layers live in
//! simkit's registry under the namespace `account/region`.
//!
//! Limits: scans find nothing (there is no vulnerability database), replication rules are
//! recorded but no image is copied (DescribeImageReplicationStatus says FAILED for each
//! destination), pull-through cache rules are recorded but never pull from the upstream
//! (ValidatePullThroughCacheRule says it cannot reach it; the server-wide `--registry-upstream`
//! is what task images of other registries are pulled through, see [`pull`]), lifecycle policies are evaluated
//! by previews but not applied on a schedule, and KMS keys are recorded, not used.

mod access;
mod api;
mod images;
mod layers;
mod lifecycle;
mod pull;
mod registry;
mod repositories;

#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecr::{ImageIdentifier, ImageTagMutabilityExclusionFilter, Tag};
use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::registry::Registry;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

pub use access::{EcrAccess, TokenRecord};
pub use pull::{names_ecr_image, pinned_image};

macro_rules! ecr_errors {
    ($($variant:ident => $code:literal),* $(,)?) => {
        /// ECR's documented errors, one variant per error shape its operations answer.
        #[derive(Debug, thiserror::Error)]
        pub enum EcrError {
            #[error(transparent)]
            Unimplemented(#[from] Unimplemented),
            #[error(transparent)]
            Store(#[from] StoreError),
            /// A part out of order: AWS says which byte it last took.
            #[error("{message}")]
            InvalidLayerPart { message: String, registry_id: String, repository_name: String, upload_id: String, last_valid_byte_received: i64 },
            $(#[error("{0}")] $variant(String),)*
        }

        impl From<EcrError> for AwsError {
            fn from(error: EcrError) -> Self {
                match error {
                    EcrError::Unimplemented(unimplemented) => unimplemented.into(),
                    EcrError::Store(error) => error.into(),
                    EcrError::InvalidLayerPart { message, registry_id, repository_name, upload_id, last_valid_byte_received } => {
                        AwsError::new("InvalidLayerPartException", message)
                            .field("registryId", registry_id)
                            .field("repositoryName", repository_name)
                            .field("uploadId", upload_id)
                            .field("lastValidByteReceived", last_valid_byte_received)
                    }
                    $(EcrError::$variant(message) => AwsError::new($code, message),)*
                }
            }
        }
    };
}

ecr_errors! {
    RepositoryNotFound => "RepositoryNotFoundException",
    RepositoryAlreadyExists => "RepositoryAlreadyExistsException",
    RepositoryNotEmpty => "RepositoryNotEmptyException",
    RepositoryPolicyNotFound => "RepositoryPolicyNotFoundException",
    LifecyclePolicyNotFound => "LifecyclePolicyNotFoundException",
    LifecyclePolicyPreviewNotFound => "LifecyclePolicyPreviewNotFoundException",
    RegistryPolicyNotFound => "RegistryPolicyNotFoundException",
    ImageNotFound => "ImageNotFoundException",
    ImageAlreadyExists => "ImageAlreadyExistsException",
    ImageTagAlreadyExists => "ImageTagAlreadyExistsException",
    ImageDigestDoesNotMatch => "ImageDigestDoesNotMatchException",
    LayersNotFound => "LayersNotFoundException",
    ReferencedImagesNotFound => "ReferencedImagesNotFoundException",
    InvalidParameter => "InvalidParameterException",
    InvalidTagParameter => "InvalidTagParameterException",
    TooManyTags => "TooManyTagsException",
    UploadNotFound => "UploadNotFoundException",
    InvalidLayer => "InvalidLayerException",
    LayerAlreadyExists => "LayerAlreadyExistsException",
    EmptyUpload => "EmptyUploadException",
    ScanNotFound => "ScanNotFoundException",
    PullThroughCacheRuleAlreadyExists => "PullThroughCacheRuleAlreadyExistsException",
    PullThroughCacheRuleNotFound => "PullThroughCacheRuleNotFoundException",
    UnsupportedUpstreamRegistry => "UnsupportedUpstreamRegistryException",
    SecretNotFound => "SecretNotFoundException",
    TemplateAlreadyExists => "TemplateAlreadyExistsException",
    TemplateNotFound => "TemplateNotFoundException",
    SigningConfigurationNotFound => "SigningConfigurationNotFoundException",
    ExclusionAlreadyExists => "ExclusionAlreadyExistsException",
    ExclusionNotFound => "ExclusionNotFoundException",
    Validation => "ValidationException",
    UnsupportedImageType => "UnsupportedImageTypeException",
    ImageArchived => "ImageArchivedException",
    Server => "ServerException",
}

impl From<simkit::registry::RegistryError> for EcrError {
    /// A registry failure the operation has no better word for (the disk): ECR's ServerException.
    fn from(error: simkit::registry::RegistryError) -> Self {
        EcrError::Server(error.message)
    }
}

/// A stored repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryRecord {
    pub name: String,
    pub created_at: i64,
    pub image_tag_mutability: String,
    pub exclusion_filters: Option<Vec<ImageTagMutabilityExclusionFilter>>,
    pub scan_on_push: bool,
    pub encryption_type: String,
    pub kms_key: Option<String>,
    pub tags: Vec<Tag>,
    pub policy: Option<String>,
    pub lifecycle_policy: Option<String>,
    /// The last lifecycle preview: the policy it ran and when.
    pub lifecycle_preview: Option<String>,
    /// Images whose scan was started (digest → when it completed).
    #[serde(default)]
    pub scans: std::collections::BTreeMap<String, i64>,
    /// Archived images (digest → when); an image absent is ACTIVE.
    #[serde(default)]
    pub archived: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    pub activated: std::collections::BTreeMap<String, i64>,
}

impl RepositoryRecord {
    /// Whether `tag` may not move: an immutable repository, less its exclusion filters
    /// (or a mutable one, plus them).
    pub fn tag_is_immutable(&self, tag: &str) -> bool {
        let excluded = self.exclusion_filters.iter().flatten().any(|filter| {
            filter.filter_type == "WILDCARD" && wildcard_matches(&filter.filter, tag)
        });
        match self.image_tag_mutability.as_str() {
            "IMMUTABLE" => true,
            "IMMUTABLE_WITH_EXCLUSION" => !excluded,
            "MUTABLE_WITH_EXCLUSION" => excluded,
            _ => false,
        }
    }
}

/// `*` matches any run of characters.
pub(crate) fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            match rest.strip_prefix(part) {
                Some(after) => rest = after,
                None => return false,
            }
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// One account and region's registry: its names, keys and ARNs.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub account_id: String,
    pub region: String,
}

impl Scope {
    pub fn of(ctx: &Ctx) -> Self {
        Self {
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
        }
    }

    /// The registry's namespace in simkit's registry.
    pub fn namespace(&self) -> String {
        format!("{}/{}", self.account_id, self.region)
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}/{}/{name}", self.account_id, self.region)
    }

    pub fn prefix(&self) -> String {
        format!("{}/{}/", self.account_id, self.region)
    }

    pub fn repository_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:ecr:{}:{}:repository/{name}",
            self.region, self.account_id
        )
    }

    pub fn host(&self) -> String {
        format!("{}.dkr.ecr.{}.amazonaws.com", self.account_id, self.region)
    }

    pub fn repository_not_found(&self, name: &str) -> EcrError {
        EcrError::RepositoryNotFound(format!(
            "The repository with name '{name}' does not exist in the registry with id '{}'",
            self.account_id
        ))
    }

    pub fn image_not_found(&self, name: &str, id: &ImageIdentifier) -> EcrError {
        EcrError::ImageNotFound(format!(
            "The image with imageId {} does not exist within the repository with name '{name}' in the registry with id '{}'",
            describe_image_id(id),
            self.account_id
        ))
    }
}

/// How ECR prints an image ID in messages: `{imageDigest:'sha256:…', imageTag:'v1'}`.
pub(crate) fn describe_image_id(id: &ImageIdentifier) -> String {
    format!(
        "{{imageDigest:'{}', imageTag:'{}'}}",
        id.image_digest.as_deref().unwrap_or("null"),
        id.image_tag.as_deref().unwrap_or("null")
    )
}

/// Amazon ECR.
pub struct Ecr {
    pub(crate) kit: Kit,
    pub(crate) registry: Arc<Registry>,
    pub(crate) access: Arc<EcrAccess>,
    pub(crate) repositories: Arc<Collection<RepositoryRecord>>,
    pub(crate) registries: Arc<Collection<registry::RegistrySettings>>,
    pub(crate) cache_rules: Arc<Collection<registry::CacheRuleRecord>>,
    pub(crate) templates: Arc<Collection<registry::TemplateRecord>>,
    /// Where the simulator listens, for download URLs; set once it does.
    endpoint: OnceLock<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EcrStartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] simkit::registry::OpenError),
}

impl Ecr {
    pub fn new(kit: Kit, account_id: &str, region: &str) -> Result<Arc<Self>, EcrStartError> {
        let repositories = kit.store().collection("ecr.repositories")?;
        let access = Arc::new(EcrAccess::new(
            kit.clone(),
            repositories.clone(),
            kit.store().collection("ecr.tokens")?,
            account_id,
            region,
        ));
        let registry = Registry::open(kit.clone(), access.clone())?;
        Ok(Arc::new(Self {
            registries: kit.store().collection("ecr.registries")?,
            cache_rules: kit.store().collection("ecr.cache_rules")?,
            templates: kit.store().collection("ecr.templates")?,
            kit,
            registry,
            access,
            repositories,
            endpoint: OnceLock::new(),
        }))
    }

    /// The registry's HTTP routes (`/v2/...`), to be served before AWS protocol routing.
    pub fn registry_router(&self) -> axum::Router {
        simkit::registry::http::router(self.registry.clone())
    }

    pub fn set_endpoint(&self, url: &str) {
        let _ = self.endpoint.set(url.to_string());
    }

    pub(crate) fn endpoint(&self) -> &str {
        self.endpoint
            .get()
            .map_or("http://127.0.0.1:4566", String::as_str)
    }

    pub(crate) fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// The repository `name` of the caller's registry.
    pub(crate) fn repository(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<RepositoryRecord, EcrError> {
        self.repositories
            .get(&scope.key(name))
            .ok_or_else(|| scope.repository_not_found(name))
    }
}

#[async_trait::async_trait]
impl Service for Ecr {
    fn model(&self) -> &'static Model {
        model::ecr()
    }

    /// A repository's policy (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`).
    fn resource_policy(&self, resource_arn: &str) -> Option<super::ResourcePolicy> {
        let parts = super::split_arn(resource_arn)?;
        let name = parts.resource.strip_prefix("repository/")?;
        let scope = Scope {
            account_id: parts.account.to_string(),
            region: parts.region.to_string(),
        };
        let text = self.repositories.get(&scope.key(name))?.policy?;
        Some(super::ResourcePolicy {
            document: Some(repositories::complete_policy(&text, resource_arn)),
            owner_account: scope.account_id,
            resource_arn: None,
            required: false,
        })
    }

    fn validation(&self) -> Validation {
        Validation::standard("InvalidParameterException")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "ecr",
            operation,
            sim_aws_shapes::ecr::dispatch(self, ctx, operation, input).await,
        )
    }
}
