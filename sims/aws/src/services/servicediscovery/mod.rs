//! AWS Cloud Map: HTTP, private DNS and public DNS namespaces, services in them, registered
//! instances with their attributes and health, `DiscoverInstances` (served on the `data-` host
//! prefix as on any other host: the simulator answers every name it is reached by), operations
//! that finish (SUBMITTED, then SUCCESS once the work is done), service attributes and tags.
//! ECS registers its services' tasks here (see [`CloudMap::register_task`]).
//!
//! | module | holds |
//! |---|---|
//! | `api` | the `impl Api` table: one delegating line per operation |
//! | `namespaces` | namespaces |
//! | `services` | services and their attributes |
//! | `instances` | instances, their health, discovery |
//! | `operations` | operations and their filters; tags |
//!
//! Limits (stated openly): no DNS server answers the namespaces' records and no Route 53
//! health checker probes instances: an instance of a service with a Route 53 health check is
//! healthy, one with a custom health check is what UpdateInstanceCustomHealthStatus last said.

mod api;
mod instances;
mod namespaces;
mod operations;
mod services;

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_aws_shapes::normal::Unimplemented;
use sim_aws_shapes::servicediscovery::{
    Instance, Namespace, Operation, Service as CloudMapService, Tag,
};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::ec2::Ec2;
use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// Cloud Map's documented errors: one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum CloudMapError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    CustomHealthNotFound(String),
    #[error("{message}")]
    DuplicateRequest {
        message: String,
        operation_id: String,
    },
    #[error("{0}")]
    InstanceNotFound(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{message}")]
    NamespaceAlreadyExists {
        message: String,
        namespace_id: String,
        creator_request_id: Option<String>,
    },
    #[error("{0}")]
    NamespaceNotFound(String),
    #[error("{0}")]
    OperationNotFound(String),
    #[error("{0}")]
    ResourceInUse(String),
    #[error("{0}")]
    ResourceLimitExceeded(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{message}")]
    ServiceAlreadyExists {
        message: String,
        service_id: String,
        service_arn: String,
        creator_request_id: Option<String>,
    },
    #[error("{0}")]
    ServiceAttributesLimitExceeded(String),
    #[error("{0}")]
    ServiceNotFound(String),
    #[error("{message}")]
    TooManyTags {
        message: String,
        resource_name: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CloudMapError> for AwsError {
    fn from(error: CloudMapError) -> Self {
        let message = error.to_string();
        let code = match error {
            CloudMapError::Unimplemented(unimplemented) => return unimplemented.into(),
            CloudMapError::Store(_) => return AwsError::internal(),
            CloudMapError::DuplicateRequest { operation_id, .. } => {
                return AwsError::new("DuplicateRequest", message)
                    .field("DuplicateOperationId", operation_id);
            }
            CloudMapError::NamespaceAlreadyExists {
                namespace_id,
                creator_request_id,
                ..
            } => {
                let error = AwsError::new("NamespaceAlreadyExists", message)
                    .field("NamespaceId", namespace_id);
                return match creator_request_id {
                    Some(id) => error.field("CreatorRequestId", id),
                    None => error,
                };
            }
            CloudMapError::ServiceAlreadyExists {
                service_id,
                service_arn,
                creator_request_id,
                ..
            } => {
                let error = AwsError::new("ServiceAlreadyExists", message)
                    .field("ServiceId", service_id)
                    .field("ServiceArn", service_arn);
                return match creator_request_id {
                    Some(id) => error.field("CreatorRequestId", id),
                    None => error,
                };
            }
            CloudMapError::TooManyTags { resource_name, .. } => {
                return AwsError::new("TooManyTagsException", message)
                    .field("ResourceName", resource_name);
            }
            CloudMapError::CustomHealthNotFound(_) => "CustomHealthNotFound",
            CloudMapError::InstanceNotFound(_) => "InstanceNotFound",
            CloudMapError::InvalidInput(_) => "InvalidInput",
            CloudMapError::NamespaceNotFound(_) => "NamespaceNotFound",
            CloudMapError::OperationNotFound(_) => "OperationNotFound",
            CloudMapError::ResourceInUse(_) => "ResourceInUse",
            CloudMapError::ResourceLimitExceeded(_) => "ResourceLimitExceeded",
            CloudMapError::ResourceNotFound(_) => "ResourceNotFoundException",
            CloudMapError::ServiceAttributesLimitExceeded(_) => {
                "ServiceAttributesLimitExceededException"
            }
            CloudMapError::ServiceNotFound(_) => "ServiceNotFound",
        };
        AwsError::new(code, message)
    }
}

/// A namespace and its tags.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NamespaceRecord {
    pub namespace: Namespace,
    pub tags: Vec<Tag>,
    /// The VPC of a private DNS namespace.
    pub vpc: Option<String>,
}

/// A service, its tags and attributes, and the revision of its instance set.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceRecord {
    pub service: CloudMapService,
    pub tags: Vec<Tag>,
    pub attributes: BTreeMap<String, String>,
    pub revision: i64,
}

/// An instance and its health.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InstanceRecord {
    pub instance: Instance,
    pub health: String,
}

pub struct CloudMap {
    kit: Kit,
    ec2: Arc<Ec2>,
    namespaces: Arc<Collection<NamespaceRecord>>,
    services: Arc<Collection<ServiceRecord>>,
    /// Keyed `account/region/service-id/instance-id`.
    instances: Arc<Collection<InstanceRecord>>,
    operations: Arc<Collection<Operation>>,
}

impl CloudMap {
    pub fn new(kit: Kit, ec2: Arc<Ec2>) -> Result<Arc<Self>, StoreError> {
        let store = kit.store().clone();
        Ok(Arc::new(Self {
            namespaces: store.collection("servicediscovery.namespaces")?,
            services: store.collection("servicediscovery.services")?,
            instances: store.collection("servicediscovery.instances")?,
            operations: store.collection("servicediscovery.operations")?,
            kit,
            ec2,
        }))
    }

    fn now(&self) -> sim_aws_shapes::normal::Timestamp {
        sim_aws_shapes::normal::Timestamp::from_millis(self.kit.clock().now_millis())
    }

    /// Cloud Map's IDs: a prefix and 16 lower-case letters and digits.
    fn new_id(&self, prefix: &str) -> String {
        format!(
            "{prefix}-{}",
            self.kit
                .ids()
                .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 16)
        )
    }
}

/// The key of a record: `account/region/id`.
fn key(ctx: &Ctx, id: &str) -> String {
    format!("{}{id}", ctx.scope())
}

#[async_trait::async_trait]
impl Service for CloudMap {
    fn model(&self) -> &'static Model {
        model::servicediscovery()
    }

    fn validation(&self) -> Validation {
        Validation::standard("InvalidInput")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "servicediscovery",
            operation,
            sim_aws_shapes::servicediscovery::dispatch(self, ctx, operation, input).await,
        )
    }
}
