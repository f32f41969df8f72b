//! File system policies (IAM resource policies, checked by `crate::policy`), backup and
//! lifecycle policies, and replication configurations: a replica is a real file system made
//! in the destination region (or an existing one there whose overwrite protection is off),
//! marked `REPLICATING` until the configuration is deleted.

use sim_aws_shapes::efs::{
    BackupPolicy, BackupPolicyDescription, CreateReplicationConfigurationRequest,
    DeleteFileSystemPolicyRequest, DeleteReplicationConfigurationRequest,
    DescribeBackupPolicyRequest, DescribeFileSystemPolicyRequest,
    DescribeLifecycleConfigurationRequest, DescribeReplicationConfigurationsRequest,
    DescribeReplicationConfigurationsResponse, Destination, FileSystemPolicyDescription,
    FileSystemProtectionDescription, LifecycleConfigurationDescription, PutBackupPolicyRequest,
    PutFileSystemPolicyRequest, PutLifecycleConfigurationRequest,
    ReplicationConfigurationDescription,
};

use super::{Ctx, Efs, EfsError, key};
use crate::policy::{self, PolicyKind};
use crate::services::paging;

impl Efs {
    pub(super) async fn put_file_system_policy(
        &self,
        ctx: &Ctx,
        input: PutFileSystemPolicyRequest,
    ) -> Result<FileSystemPolicyDescription, EfsError> {
        let id = input.file_system_id;
        self.find_file_system(ctx, &id)?;
        policy::check(&input.policy, PolicyKind::Resource)
            .map_err(|malformed| EfsError::InvalidPolicy(malformed.0))?;
        self.file_systems.update(&key(ctx, &id), |fs| {
            fs.policy = Some(input.policy.clone());
        })?;
        Ok(FileSystemPolicyDescription {
            file_system_id: Some(id),
            policy: Some(input.policy),
        })
    }

    pub(super) async fn describe_file_system_policy(
        &self,
        ctx: &Ctx,
        input: DescribeFileSystemPolicyRequest,
    ) -> Result<FileSystemPolicyDescription, EfsError> {
        let id = input.file_system_id;
        let record = self.find_file_system(ctx, &id)?;
        let policy = record.policy.ok_or_else(|| {
            EfsError::PolicyNotFound(format!("Policy for file system '{id}' does not exist."))
        })?;
        Ok(FileSystemPolicyDescription {
            file_system_id: Some(id),
            policy: Some(policy),
        })
    }

    pub(super) async fn delete_file_system_policy(
        &self,
        ctx: &Ctx,
        input: DeleteFileSystemPolicyRequest,
    ) -> Result<(), EfsError> {
        let id = input.file_system_id;
        self.find_file_system(ctx, &id)?;
        self.file_systems
            .update(&key(ctx, &id), |fs| fs.policy = None)?;
        Ok(())
    }

    pub(super) async fn put_backup_policy(
        &self,
        ctx: &Ctx,
        input: PutBackupPolicyRequest,
    ) -> Result<BackupPolicyDescription, EfsError> {
        let id = input.file_system_id;
        self.find_file_system(ctx, &id)?;
        let status = input.backup_policy.status;
        if !matches!(status.as_str(), "ENABLED" | "DISABLED") {
            return Err(EfsError::Validation(format!(
                "Backup policy status '{status}' is invalid: use ENABLED or DISABLED."
            )));
        }
        self.file_systems.update(&key(ctx, &id), |fs| {
            fs.backup_policy = Some(status.clone());
        })?;
        Ok(BackupPolicyDescription {
            backup_policy: Some(BackupPolicy { status }),
        })
    }

    pub(super) async fn describe_backup_policy(
        &self,
        ctx: &Ctx,
        input: DescribeBackupPolicyRequest,
    ) -> Result<BackupPolicyDescription, EfsError> {
        let id = input.file_system_id;
        let record = self.find_file_system(ctx, &id)?;
        let status = record.backup_policy.ok_or_else(|| {
            EfsError::PolicyNotFound(format!(
                "Backup policy for file system '{id}' does not exist."
            ))
        })?;
        Ok(BackupPolicyDescription {
            backup_policy: Some(BackupPolicy { status }),
        })
    }

    pub(super) async fn put_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: PutLifecycleConfigurationRequest,
    ) -> Result<LifecycleConfigurationDescription, EfsError> {
        let id = input.file_system_id;
        self.find_file_system(ctx, &id)?;
        for policy in &input.lifecycle_policies {
            let given = [
                policy.transition_to_ia.is_some(),
                policy.transition_to_primary_storage_class.is_some(),
                policy.transition_to_archive.is_some(),
            ];
            if given.iter().filter(|g| **g).count() != 1 {
                return Err(EfsError::BadRequest(
                    "Each lifecycle policy must have exactly one transition.".into(),
                ));
            }
        }
        self.file_systems.update(&key(ctx, &id), |fs| {
            fs.lifecycle_policies = input.lifecycle_policies.clone();
        })?;
        Ok(LifecycleConfigurationDescription {
            lifecycle_policies: Some(input.lifecycle_policies),
        })
    }

    pub(super) async fn describe_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: DescribeLifecycleConfigurationRequest,
    ) -> Result<LifecycleConfigurationDescription, EfsError> {
        let record = self.find_file_system(ctx, &input.file_system_id)?;
        Ok(LifecycleConfigurationDescription {
            lifecycle_policies: Some(record.lifecycle_policies),
        })
    }

    pub(super) async fn create_replication_configuration(
        &self,
        ctx: &Ctx,
        input: CreateReplicationConfigurationRequest,
    ) -> Result<ReplicationConfigurationDescription, EfsError> {
        let source_id = input.source_file_system_id;
        let source = self.find_file_system(ctx, &source_id)?;
        if input.destinations.len() != 1 {
            return Err(EfsError::Validation(
                "A replication configuration has exactly one destination.".into(),
            ));
        }
        let destination = &input.destinations[0];
        let involved = self.replications.all().into_iter().any(|(_, r)| {
            r.source_file_system_arn
                == source
                    .description
                    .file_system_arn
                    .clone()
                    .unwrap_or_default()
                || r.destinations.iter().any(|d| d.file_system_id == source_id)
        });
        if involved {
            return Err(EfsError::Validation(format!(
                "File system '{source_id}' is already part of a replication configuration."
            )));
        }
        let region = match (&destination.region, &destination.availability_zone_name) {
            (Some(region), _) => region.clone(),
            (None, Some(zone)) => zone
                .trim_end_matches(|c: char| c.is_ascii_lowercase())
                .to_string(),
            (None, None) => ctx.region.clone(),
        };
        let mut remote = ctx.clone();
        remote.region = region.clone();
        let destination_id = match &destination.file_system_id {
            Some(id) => {
                let existing = self.find_file_system(&remote, id)?;
                let protection = existing
                    .description
                    .file_system_protection
                    .and_then(|p| p.replication_overwrite_protection);
                if protection.as_deref() != Some("DISABLED") {
                    return Err(EfsError::Validation(format!(
                        "The destination file system '{id}' must have its replication overwrite protection disabled."
                    )));
                }
                id.clone()
            }
            None => {
                let token = format!("replica-{}", self.kit.ids().uuid());
                let replica = self
                    .create_file_system(
                        &remote,
                        sim_aws_shapes::efs::CreateFileSystemRequest {
                            creation_token: token,
                            performance_mode: Some(source.description.performance_mode.clone()),
                            encrypted: Some(true),
                            kms_key_id: destination.kms_key_id.clone(),
                            throughput_mode: source.description.throughput_mode.clone(),
                            provisioned_throughput_in_mibps: source
                                .description
                                .provisioned_throughput_in_mibps,
                            availability_zone_name: destination.availability_zone_name.clone(),
                            backup: Some(false),
                            tags: None,
                        },
                    )
                    .await?;
                replica.file_system_id
            }
        };
        self.file_systems
            .update(&key(&remote, &destination_id), |fs| {
                fs.description.file_system_protection = Some(FileSystemProtectionDescription {
                    replication_overwrite_protection: Some("REPLICATING".into()),
                });
            })?;
        let source_arn = source
            .description
            .file_system_arn
            .clone()
            .unwrap_or_default();
        let configuration = ReplicationConfigurationDescription {
            source_file_system_id: source_id.clone(),
            source_file_system_region: ctx.region.clone(),
            source_file_system_arn: source_arn.clone(),
            original_source_file_system_arn: source_arn,
            creation_time: self.now(),
            destinations: vec![Destination {
                status: "ENABLING".into(),
                file_system_id: destination_id,
                region,
                last_replicated_timestamp: None,
                owner_id: Some(ctx.account_id.clone()),
                status_message: None,
                role_arn: destination.role_arn.clone(),
            }],
            source_file_system_owner_id: Some(ctx.account_id.clone()),
        };
        let mut stored = configuration.clone();
        stored.destinations[0].status = "ENABLED".into();
        self.replications.insert(&key(ctx, &source_id), stored)?;
        Ok(configuration)
    }

    pub(super) async fn describe_replication_configurations(
        &self,
        ctx: &Ctx,
        input: DescribeReplicationConfigurationsRequest,
    ) -> Result<DescribeReplicationConfigurationsResponse, EfsError> {
        if let Some(id) = &input.file_system_id {
            self.find_file_system(ctx, id)?;
        }
        let entries: Vec<(String, ReplicationConfigurationDescription)> = self
            .replications
            .all()
            .into_iter()
            .filter(|(record_key, r)| {
                let here = record_key.starts_with(&ctx.scope())
                    || r.destinations.iter().any(|d| d.region == ctx.region);
                here && input.file_system_id.as_ref().is_none_or(|id| {
                    r.source_file_system_id == *id
                        || r.destinations.iter().any(|d| d.file_system_id == *id)
                })
            })
            .collect();
        if entries.is_empty() && input.file_system_id.is_some() {
            return Err(EfsError::ReplicationNotFound(format!(
                "No replication configuration found for file system '{}'.",
                input.file_system_id.unwrap_or_default()
            )));
        }
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| EfsError::BadRequest("Invalid NextToken".into()))?;
        Ok(DescribeReplicationConfigurationsResponse {
            replications: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_replication_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteReplicationConfigurationRequest,
    ) -> Result<(), EfsError> {
        let id = input.source_file_system_id;
        let configuration = self.replications.get(&key(ctx, &id)).ok_or_else(|| {
            EfsError::ReplicationNotFound(format!(
                "No replication configuration found for file system '{id}'."
            ))
        })?;
        for destination in &configuration.destinations {
            let remote = format!(
                "{}/{}/{}",
                ctx.account_id, destination.region, destination.file_system_id
            );
            self.file_systems.update(&remote, |fs| {
                fs.description.file_system_protection = Some(FileSystemProtectionDescription {
                    replication_overwrite_protection: Some("ENABLED".into()),
                });
            })?;
        }
        self.replications.remove(&key(ctx, &id))?;
        Ok(())
    }
}
