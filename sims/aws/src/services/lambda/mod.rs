//! AWS Lambda, every operation of the model. Functions are stored with their code; Invoke runs
//! them for real: an execution environment is a process started through the kit's runner that
//! speaks the Lambda Runtime API to a server of its own, the way a real runtime does.
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the generated `Api` trait's table: one delegating line per operation |
//! | [`names`] | function names, partial and full ARNs, qualifiers; Lambda's not-found messages |
//! | [`code`] | deployment packages: zip digests, sizes, extraction (pure) |
//! | [`functions`] | CreateFunction, Get*, ListFunctions, Update*, DeleteFunction, versions |
//! | [`aliases`] | aliases and their routing configuration |
//! | [`permissions`] | function and layer resource policies (the `Statement` AWS builds) |
//! | [`layers`] | layers and layer versions |
//! | [`urls`] | function URL configurations |
//! | [`settings`] | concurrency, provisioned concurrency, event invoke configs, recursion, runtime management, scaling, code signing, tags, account settings |
//! | [`mappings`] | event source mappings, capacity providers, durable executions |
//! | [`invoke`] | Invoke, InvokeAsync, InvokeWithResponseStream, function URL invocations |
//! | [`environments`] | execution environments: start, reuse, concurrency, timeouts, logs |
//!
//! State: collections keyed under `account/region/`: functions by name (with `$LATEST`'s
//! configuration and code and the function's own settings), versions by `name\0NNNNNNNNNN`,
//! aliases by `name\0alias`, layers by `layer\0NNNNNNNNNN`, event source mappings by UUID.
//!
//! Image functions (`PackageType: Image`) name an image in the simulator's ECR; the tag is
//! resolved to its digest when the code is set, and invocations run that image through the
//! kit's runner on an OCI runtime (`--workloads oci|auto`), read-only with a writable `/tmp`,
//! as Lambda's least-privileged user, within the function's memory.
//!
//! Limits: VPC, file system and KMS settings are recorded, not applied; image functions need
//! the OCI runtime (under `--workloads process` their invocations answer `ServiceException`
//! saying so); S3 code locations are read
//! from the simulator's own S3 whoever the caller (no IAM check on the read); event source
//! mappings are recorded but poll nothing; code signing is recorded, not verified.

mod aliases;
mod api;
pub mod code;
pub mod environments;
mod functions;
pub mod invoke;
mod layers;
mod mappings;
pub mod names;
mod permissions;
mod settings;
mod urls;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, Weak};

use serde::{Deserialize, Serialize};
use sim_aws_shapes::lambda::{
    AliasConfiguration, CodeSigningConfig, EventSourceMappingConfiguration, FunctionConfiguration,
    FunctionEventInvokeConfig, FunctionScalingConfig, FunctionUrlConfig, ImageConfig,
};
use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;
use crate::services::iam::Iam;
use crate::services::logs::Logs;
use crate::services::s3::S3;
use crate::services::sts::Sts;

pub use environments::Environments;

/// Lambda's documented errors, one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum LambdaError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    ResourceConflict(String),
    #[error("{0}")]
    InvalidParameterValue(String),
    #[error("{0}")]
    InvalidRequestContent(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PolicyLengthExceeded(String),
    #[error("{0}")]
    ProvisionedConcurrencyConfigNotFound(String),
    #[error("{0}")]
    CodeSigningConfigNotFound(String),
    #[error("{0}")]
    RequestTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    ResourceNotReady(String),
    #[error("{0}")]
    Service(String),
    /// Throttled; `reason` is AWS's `Reason` member.
    #[error("{message}")]
    TooManyRequests { message: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LambdaError> for AwsError {
    fn from(error: LambdaError) -> Self {
        // Lambda's error bodies carry `Type` (`User` or `Service`); the shapes whose member is
        // spelt `Message` get it as well as the protocol's `message`.
        let lambda = |code: &str, message: String| {
            let error = AwsError::new(code, message.clone()).field("Type", "User");
            if code == "ResourceNotFoundException" {
                error.field("Message", message)
            } else {
                error
            }
        };
        match error {
            LambdaError::Unimplemented(unimplemented) => unimplemented.into(),
            LambdaError::ResourceNotFound(m) => lambda("ResourceNotFoundException", m),
            LambdaError::ResourceConflict(m) => lambda("ResourceConflictException", m),
            LambdaError::InvalidParameterValue(m) => lambda("InvalidParameterValueException", m),
            LambdaError::InvalidRequestContent(m) => lambda("InvalidRequestContentException", m),
            LambdaError::PreconditionFailed(m) => lambda("PreconditionFailedException", m),
            LambdaError::PolicyLengthExceeded(m) => lambda("PolicyLengthExceededException", m),
            LambdaError::ProvisionedConcurrencyConfigNotFound(m) => {
                lambda("ProvisionedConcurrencyConfigNotFoundException", m)
            }
            LambdaError::CodeSigningConfigNotFound(m) => {
                lambda("CodeSigningConfigNotFoundException", m)
            }
            LambdaError::RequestTooLarge(m) => lambda("RequestTooLargeException", m),
            LambdaError::UnsupportedMediaType(m) => lambda("UnsupportedMediaTypeException", m),
            LambdaError::ResourceNotReady(m) => lambda("ResourceNotReadyException", m),
            LambdaError::Service(m) => AwsError::new("ServiceException", m.clone())
                .field("Type", "Service")
                .field("Message", m),
            LambdaError::TooManyRequests { message, reason } => {
                lambda("TooManyRequestsException", message).field("Reason", reason)
            }
            LambdaError::Store(error) => error.into(),
        }
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> LambdaError {
    LambdaError::InvalidParameterValue(message.into())
}

/// A function's code: a zip archive or a container image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CodeRecord {
    #[serde(with = "base64_bytes")]
    pub zip: Option<Vec<u8>>,
    pub image_uri: Option<String>,
    /// The image the tag named when the code was set (`HOST/NAME@sha256:...`): what runs, as
    /// on AWS, even if the tag moves later.
    #[serde(default)]
    pub resolved_image_uri: Option<String>,
}

/// A stored function: `$LATEST` and everything attached to the function as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionRecord {
    pub config: FunctionConfiguration,
    pub code: CodeRecord,
    pub image_config: Option<ImageConfig>,
    pub tags: BTreeMap<String, String>,
    pub reserved_concurrency: Option<i32>,
    /// The last version published (0: none).
    pub last_version: u64,
    /// Resource policy statements by qualifier (`""` for the unqualified function).
    pub policies: BTreeMap<String, PolicyRecord>,
    /// Function URL configurations by qualifier (`""` for the unqualified function).
    pub urls: BTreeMap<String, UrlRecord>,
    pub event_invoke_configs: BTreeMap<String, FunctionEventInvokeConfig>,
    pub provisioned: BTreeMap<String, ProvisionedRecord>,
    pub recursive_loop: String,
    /// Runtime management by qualifier: (`UpdateRuntimeOn`, runtime version ARN).
    pub runtime_management: BTreeMap<String, (String, Option<String>)>,
    pub code_signing_config_arn: Option<String>,
    pub scaling: BTreeMap<String, FunctionScalingConfig>,
}

/// A published version: a frozen copy of `$LATEST`'s configuration and code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub config: FunctionConfiguration,
    pub code: CodeRecord,
    pub image_config: Option<ImageConfig>,
}

/// A resource policy: its statements (JSON objects) and revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PolicyRecord {
    pub statements: Vec<serde_json::Value>,
    pub revision_id: String,
}

/// A function URL: its configuration and the ID in its host name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlRecord {
    pub url_id: String,
    pub config: FunctionUrlConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionedRecord {
    pub requested: i32,
    pub last_modified: String,
}

/// A published layer version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerVersionRecord {
    pub response: sim_aws_shapes::lambda::GetLayerVersionResponse,
    #[serde(with = "base64_bytes")]
    pub zip: Option<Vec<u8>>,
    pub policy: PolicyRecord,
}

/// Where a function URL leads: the function and qualifier it invokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlTarget {
    pub account_id: String,
    pub region: String,
    pub function: String,
    pub qualifier: String,
}

/// The Lambda service.
pub struct Lambda {
    kit: Kit,
    iam: Arc<Iam>,
    /// Where `Code.S3Bucket`/`S3Key` packages are read from.
    s3: Arc<S3>,
    this: Weak<Lambda>,
    functions: Arc<Collection<FunctionRecord>>,
    versions: Arc<Collection<VersionRecord>>,
    aliases: Arc<Collection<AliasConfiguration>>,
    layers: Arc<Collection<LayerVersionRecord>>,
    mappings: Arc<Collection<EventSourceMappingConfiguration>>,
    code_signing: Arc<Collection<CodeSigningConfig>>,
    capacity_providers: Arc<Collection<sim_aws_shapes::lambda::CapacityProvider>>,
    /// Function URL IDs (the host name's first label) to what they invoke.
    url_targets: Arc<Collection<UrlTarget>>,
    environments: Arc<Environments>,
    endpoint: OnceLock<String>,
    /// Where image functions' images are found (ECR).
    image_locator: OnceLock<crate::services::ecs::ImageLocator>,
}

impl Lambda {
    pub fn new(
        kit: Kit,
        logs: Arc<Logs>,
        sts: Arc<Sts>,
        iam: Arc<Iam>,
        s3: Arc<S3>,
    ) -> Result<Arc<Self>, StoreError> {
        let store = kit.store();
        let functions = store.collection("lambda.functions")?;
        let versions = store.collection("lambda.versions")?;
        let aliases = store.collection("lambda.aliases")?;
        let layers = store.collection("lambda.layers")?;
        let mappings = store.collection("lambda.event_source_mappings")?;
        let code_signing = store.collection("lambda.code_signing_configs")?;
        let capacity_providers = store.collection("lambda.capacity_providers")?;
        let url_targets = store.collection("lambda.url_targets")?;
        let environments = Environments::new(kit.clone(), logs, sts);
        let lambda = Arc::new_cyclic(|this| Self {
            kit: kit.clone(),
            iam,
            s3,
            this: this.clone(),
            functions,
            versions,
            aliases,
            layers,
            mappings,
            code_signing,
            capacity_providers,
            url_targets,
            environments: environments.clone(),
            endpoint: OnceLock::new(),
            image_locator: OnceLock::new(),
        });
        let on_reset = environments.clone();
        kit.on_reset(move || on_reset.stop_all_now());
        let on_shutdown = Arc::downgrade(&environments);
        kit.on_shutdown(move || {
            let environments = on_shutdown.upgrade();
            async move {
                if let Some(environments) = environments {
                    environments.stop_all_now();
                }
            }
        });
        Ok(lambda)
    }

    /// Tells Lambda where the simulator listens (code locations, functions' `AWS_ENDPOINT_URL`).
    pub fn set_endpoint(&self, url: &str) {
        let url = url.trim_end_matches('/').to_string();
        self.environments.set_endpoint(&url);
        let _ = self.endpoint.set(url);
    }

    /// Gives the function that serves each environment's Runtime API (the HTTP layer's).
    pub fn set_runtime_api_server(&self, serve: environments::ServeRuntimeApi) {
        self.environments.set_server(serve);
    }

    /// Connects the registry image functions' images are read from (ECR).
    pub fn connect_image_locator(&self, locator: crate::services::ecs::ImageLocator) {
        self.environments.set_image_locator(locator.clone());
        let _ = self.image_locator.set(locator);
    }

    /// Where an image is, or why it cannot be had.
    fn locate_image(&self, image: &str) -> Result<simkit::runner::LocatedImage, String> {
        match self.image_locator.get() {
            Some(locate) => locate(image),
            None => Err(format!("{image}: no registry is connected")),
        }
    }

    fn endpoint(&self) -> String {
        self.endpoint
            .get()
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1:4566".into())
    }

    fn arc(&self) -> Option<Arc<Lambda>> {
        self.this.upgrade()
    }

    fn now_millis(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// Lambda's `LastModified`: `2024-01-02T03:04:05.678+0000`.
    fn last_modified(&self) -> String {
        lambda_time(self.now_millis())
    }

    fn revision(&self) -> String {
        self.kit.ids().uuid()
    }
}

/// Zip archives in records, as base64 text (records are JSON).
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => serializer.serialize_some(&STANDARD.encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| STANDARD.decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// `2024-01-02T03:04:05.678+0000`, the way Lambda writes times as strings.
pub fn lambda_time(millis: i64) -> String {
    let moment = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        moment.year(),
        moment.month() as u8,
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second(),
        moment.millisecond()
    )
}

#[async_trait::async_trait]
impl Service for Lambda {
    fn model(&self) -> &'static Model {
        model::lambda()
    }

    /// A function's policy (AddPermission's statements): the unqualified function's, with the
    /// qualifier's own when the ARN names a version or alias. The function may be named by
    /// name, partial ARN or full ARN in the request.
    fn resource_policy(&self, resource_arn: &str) -> Option<super::ResourcePolicy> {
        let parts = super::split_arn(resource_arn)?;
        let named = parts.resource.strip_prefix("function:")?;
        let (account, region, name, qualifier) = match super::split_arn(named) {
            Some(inner) => {
                let rest = inner.resource.strip_prefix("function:")?;
                let (name, qualifier) = rest.split_once(':').unwrap_or((rest, ""));
                (inner.account, inner.region, name, qualifier)
            }
            None => {
                let (name, qualifier) = named.split_once(':').unwrap_or((named, ""));
                (parts.account, parts.region, name, qualifier)
            }
        };
        let record = self.functions.get(&format!("{account}/{region}/{name}"))?;
        let mut statements: Vec<serde_json::Value> = record
            .policies
            .get("")
            .map(|policy| policy.statements.clone())
            .unwrap_or_default();
        if !qualifier.is_empty()
            && let Some(policy) = record.policies.get(qualifier)
        {
            statements.extend(policy.statements.iter().cloned());
        }
        if statements.is_empty() {
            return None;
        }
        let arn = format!("arn:aws:lambda:{region}:{account}:function:{name}");
        Some(super::ResourcePolicy {
            document: Some(
                serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
            ),
            owner_account: account.to_string(),
            resource_arn: Some(if qualifier.is_empty() {
                arn
            } else {
                format!("{arn}:{qualifier}")
            }),
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
            "lambda",
            operation,
            sim_aws_shapes::lambda::dispatch(self, ctx, operation, input).await,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_times_have_milliseconds_and_offset() {
        assert_eq!(
            lambda_time(1_704_164_645_678),
            "2024-01-02T03:04:05.678+0000"
        );
        assert_eq!(lambda_time(0), "1970-01-01T00:00:00.000+0000");
    }
}
