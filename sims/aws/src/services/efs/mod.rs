//! Amazon Elastic File System: file systems (creation-token idempotency, `creating` →
//! `available`, `deleting` → gone), mount targets (one per availability zone, each a network
//! interface in a subnet of one VPC), access points (POSIX user, root directory and its
//! creation info), file system, backup and lifecycle policies, replication configurations,
//! protection, tags, and account preferences.
//!
//! Each file system is also a directory (under the state directory, or a temporary one in
//! memory mode) that ECS tasks mounting it share: see [`Efs::volume_root`].
//!
//! | module | holds |
//! |---|---|
//! | `api` | the `impl Api` table: one delegating line per operation |
//! | `file_systems` | file systems, their protection, account preferences |
//! | `mount_targets` | mount targets and their security groups |
//! | `access_points` | access points |
//! | `policies` | file system, backup and lifecycle policies; replication configurations |
//! | `tags` | CreateTags, DeleteTags, DescribeTags, TagResource, UntagResource, ListTagsForResource |
//!
//! Limits (stated openly): replication needs a destination file system in another region that
//! a replication process would keep in sync; CreateReplicationConfiguration answers EFS's
//! error for a destination it cannot reach. Sizes are the bytes in the file system's directory.

mod access_points;
mod api;
mod file_systems;
mod mount_targets;
mod policies;
mod tags;

use std::path::PathBuf;
use std::sync::Arc;

use sim_aws_shapes::efs::{
    AccessPointDescription, FileSystemDescription, MountTargetDescription,
    ReplicationConfigurationDescription,
};
use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::ec2::Ec2;
use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// EFS's documented errors: one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum EfsError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    AccessPointAlreadyExists(String),
    #[error("{0}")]
    AccessPointNotFound(String),
    #[error("{0}")]
    AvailabilityZonesMismatch(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    FileSystemAlreadyExists {
        message: String,
        file_system_id: String,
    },
    #[error("{0}")]
    FileSystemInUse(String),
    #[error("{0}")]
    FileSystemNotFound(String),
    #[error("{0}")]
    IncorrectFileSystemLifeCycleState(String),
    #[error("{0}")]
    InvalidPolicy(String),
    #[error("{0}")]
    IpAddressInUse(String),
    #[error("{0}")]
    MountTargetConflict(String),
    #[error("{0}")]
    MountTargetNotFound(String),
    #[error("{0}")]
    NoFreeAddressesInSubnet(String),
    #[error("{0}")]
    PolicyNotFound(String),
    #[error("{0}")]
    ReplicationNotFound(String),
    #[error("{0}")]
    SecurityGroupLimitExceeded(String),
    #[error("{0}")]
    SecurityGroupNotFound(String),
    #[error("{0}")]
    SubnetNotFound(String),
    #[error("{0}")]
    UnsupportedAvailabilityZone(String),
    #[error("{0}")]
    Validation(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EfsError> for AwsError {
    fn from(error: EfsError) -> Self {
        let message = error.to_string();
        let code = match &error {
            EfsError::Unimplemented(unimplemented) => return (*unimplemented).into(),
            EfsError::Store(_) => return AwsError::internal(),
            EfsError::FileSystemAlreadyExists { file_system_id, .. } => {
                return AwsError::new("FileSystemAlreadyExists", message)
                    .field("ErrorCode", "FileSystemAlreadyExists")
                    .field("FileSystemId", file_system_id.clone());
            }
            EfsError::AccessPointAlreadyExists(_) => "AccessPointAlreadyExists",
            EfsError::AccessPointNotFound(_) => "AccessPointNotFound",
            EfsError::AvailabilityZonesMismatch(_) => "AvailabilityZonesMismatch",
            EfsError::BadRequest(_) => "BadRequest",
            EfsError::FileSystemInUse(_) => "FileSystemInUse",
            EfsError::FileSystemNotFound(_) => "FileSystemNotFound",
            EfsError::IncorrectFileSystemLifeCycleState(_) => "IncorrectFileSystemLifeCycleState",
            EfsError::InvalidPolicy(_) => "InvalidPolicyException",
            EfsError::IpAddressInUse(_) => "IpAddressInUse",
            EfsError::MountTargetConflict(_) => "MountTargetConflict",
            EfsError::MountTargetNotFound(_) => "MountTargetNotFound",
            EfsError::NoFreeAddressesInSubnet(_) => "NoFreeAddressesInSubnet",
            EfsError::PolicyNotFound(_) => "PolicyNotFound",
            EfsError::ReplicationNotFound(_) => "ReplicationNotFound",
            EfsError::SecurityGroupLimitExceeded(_) => "SecurityGroupLimitExceeded",
            EfsError::SecurityGroupNotFound(_) => "SecurityGroupNotFound",
            EfsError::SubnetNotFound(_) => "SubnetNotFound",
            EfsError::UnsupportedAvailabilityZone(_) => "UnsupportedAvailabilityZone",
            EfsError::Validation(_) => "ValidationException",
        };
        // EFS's error bodies carry the code again as `ErrorCode`.
        let wire = code.trim_end_matches("Exception");
        AwsError::new(code, message).field("ErrorCode", wire)
    }
}

impl EfsError {
    pub(crate) fn file_system_not_found(id: &str) -> Self {
        EfsError::FileSystemNotFound(format!("File system '{id}' does not exist."))
    }
}

/// A file system and what EFS keeps beside its description.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileSystemRecord {
    pub description: FileSystemDescription,
    pub policy: Option<String>,
    pub backup_policy: Option<String>,
    pub lifecycle_policies: Vec<sim_aws_shapes::efs::LifecyclePolicy>,
}

pub struct Efs {
    kit: Kit,
    ec2: Arc<Ec2>,
    file_systems: Arc<Collection<FileSystemRecord>>,
    mount_targets: Arc<Collection<MountTargetDescription>>,
    /// Per mount target: its security groups.
    mount_target_groups: Arc<Collection<Vec<String>>>,
    access_points: Arc<Collection<AccessPointDescription>>,
    replications: Arc<Collection<ReplicationConfigurationDescription>>,
    /// Per `account/region/`: the resource ID type chosen (`LONG_ID` or `SHORT_ID`).
    preferences: Arc<Collection<String>>,
}

impl Efs {
    pub fn new(kit: Kit, ec2: Arc<Ec2>) -> Result<Arc<Self>, StoreError> {
        let store = kit.store().clone();
        Ok(Arc::new(Self {
            file_systems: store.collection("efs.file-systems")?,
            mount_targets: store.collection("efs.mount-targets")?,
            mount_target_groups: store.collection("efs.mount-target-groups")?,
            access_points: store.collection("efs.access-points")?,
            replications: store.collection("efs.replications")?,
            preferences: store.collection("efs.account-preferences")?,
            kit,
            ec2,
        }))
    }
}

impl Efs {
    /// The directory that is file system `file_system_id`'s contents.
    pub fn volume_root(&self, account_id: &str, region: &str, file_system_id: &str) -> PathBuf {
        self.kit
            .files_dir()
            .join("efs")
            .join(account_id)
            .join(region)
            .join(file_system_id)
    }

    /// An access point of this account and region, if it exists.
    pub fn access_point(&self, ctx: &Ctx, access_point_id: &str) -> Option<AccessPointDescription> {
        self.access_points.get(&key(ctx, access_point_id))
    }

    /// Whether file system `file_system_id` exists in this account and region.
    pub fn file_system_exists(&self, ctx: &Ctx, file_system_id: &str) -> bool {
        self.file_systems.contains(&key(ctx, file_system_id))
    }

    fn now(&self) -> sim_aws_shapes::normal::Timestamp {
        sim_aws_shapes::normal::Timestamp::from_millis(self.kit.clock().now_millis())
    }
}

/// The key of a record: `account/region/id`.
fn key(ctx: &Ctx, id: &str) -> String {
    format!("{}{id}", ctx.scope())
}

#[async_trait::async_trait]
impl Service for Efs {
    fn model(&self) -> &'static Model {
        model::efs()
    }

    fn validation(&self) -> Validation {
        Validation::standard("BadRequest")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "efs",
            operation,
            sim_aws_shapes::efs::dispatch(self, ctx, operation, input).await,
        )
    }
}
