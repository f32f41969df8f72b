//! File systems: creation-token idempotency, `creating` then `available`, the size of what
//! tasks wrote into them, throughput updates, replication overwrite protection, and the
//! account's resource ID preference.

use sim_aws_shapes::efs::{
    CreateFileSystemRequest, DeleteFileSystemRequest, DescribeAccountPreferencesRequest,
    DescribeAccountPreferencesResponse, DescribeFileSystemsRequest, DescribeFileSystemsResponse,
    FileSystemDescription, FileSystemProtectionDescription, FileSystemSize,
    PutAccountPreferencesRequest, PutAccountPreferencesResponse, ResourceIdPreference,
    UpdateFileSystemProtectionRequest, UpdateFileSystemRequest,
};

use super::{Ctx, Efs, EfsError, FileSystemRecord, key};
use crate::services::paging;

/// What an empty file system measures, as EFS reports it (its metadata).
const EMPTY_SIZE: i64 = 6144;

/// Bytes under `path`, following no links.
fn bytes_under(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => bytes_under(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Efs {
    pub(super) fn find_file_system(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> Result<FileSystemRecord, EfsError> {
        self.file_systems
            .get(&key(ctx, id))
            .ok_or_else(|| EfsError::file_system_not_found(id))
    }

    /// The description as DescribeFileSystems shows it now.
    pub(super) fn described(&self, ctx: &Ctx, record: FileSystemRecord) -> FileSystemDescription {
        let mut description = record.description;
        let root = self.volume_root(&ctx.account_id, &ctx.region, &description.file_system_id);
        let bytes = EMPTY_SIZE + bytes_under(&root) as i64;
        description.size_in_bytes = FileSystemSize {
            value: bytes,
            timestamp: Some(self.now()),
            value_in_ia: Some(0),
            value_in_standard: Some(bytes),
            value_in_archive: Some(0),
        };
        description.number_of_mount_targets = self
            .mount_targets
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, mt)| mt.file_system_id == description.file_system_id)
            .count() as i32;
        description
    }

    pub(super) async fn create_file_system(
        &self,
        ctx: &Ctx,
        input: CreateFileSystemRequest,
    ) -> Result<FileSystemDescription, EfsError> {
        let token = input.creation_token;
        if let Some((_, existing)) = self
            .file_systems
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, fs)| fs.description.creation_token == token)
        {
            return Err(EfsError::FileSystemAlreadyExists {
                message: format!(
                    "File system '{}' already exists with creation token '{token}'",
                    existing.description.file_system_id
                ),
                file_system_id: existing.description.file_system_id,
            });
        }
        let throughput_mode = input.throughput_mode.unwrap_or_else(|| "bursting".into());
        if throughput_mode == "provisioned" && input.provisioned_throughput_in_mibps.is_none() {
            return Err(EfsError::BadRequest(
                "Provisioned throughput mode requires ProvisionedThroughputInMibps.".into(),
            ));
        }
        if throughput_mode != "provisioned" && input.provisioned_throughput_in_mibps.is_some() {
            return Err(EfsError::BadRequest(
                "ProvisionedThroughputInMibps can only be set with the provisioned throughput mode."
                    .into(),
            ));
        }
        let performance_mode = input
            .performance_mode
            .unwrap_or_else(|| "generalPurpose".into());
        let zone = match &input.availability_zone_name {
            Some(name) => Some(crate::services::ec2::zone_id(&ctx.region, name).ok_or_else(
                || {
                    EfsError::UnsupportedAvailabilityZone(format!(
                        "The availability zone '{name}' is not supported."
                    ))
                },
            )?),
            None => None,
        };
        let id = format!("fs-{}", self.kit.ids().hex(17));
        let encrypted = input.encrypted.unwrap_or(false);
        let tags = input.tags.unwrap_or_default();
        let name = tags
            .iter()
            .find(|t| t.key == "Name")
            .map(|t| t.value.clone());
        let description = FileSystemDescription {
            owner_id: ctx.account_id.clone(),
            creation_token: token,
            file_system_id: id.clone(),
            file_system_arn: Some(ctx.arn("elasticfilesystem", &format!("file-system/{id}"))),
            creation_time: self.now(),
            life_cycle_state: "creating".into(),
            name,
            number_of_mount_targets: 0,
            size_in_bytes: FileSystemSize {
                value: EMPTY_SIZE,
                timestamp: None,
                value_in_ia: Some(0),
                value_in_standard: Some(EMPTY_SIZE),
                value_in_archive: Some(0),
            },
            performance_mode,
            encrypted: Some(encrypted),
            kms_key_id: if encrypted {
                Some(
                    input
                        .kms_key_id
                        .unwrap_or_else(|| ctx.arn("kms", "alias/aws/elasticfilesystem")),
                )
            } else {
                None
            },
            throughput_mode: Some(throughput_mode),
            provisioned_throughput_in_mibps: input.provisioned_throughput_in_mibps,
            availability_zone_name: input.availability_zone_name.clone(),
            availability_zone_id: zone,
            tags,
            file_system_protection: Some(FileSystemProtectionDescription {
                replication_overwrite_protection: Some("ENABLED".into()),
            }),
        };
        std::fs::create_dir_all(self.volume_root(&ctx.account_id, &ctx.region, &id)).map_err(
            |error| {
                tracing::error!(%error, "could not make a file system's directory");
                EfsError::BadRequest("The file system could not be created.".into())
            },
        )?;
        // Nothing provisions storage here: the file system is available from its first
        // Describe on, while the creation answers `creating` as EFS does.
        let mut stored = description.clone();
        stored.life_cycle_state = "available".into();
        self.file_systems.insert(
            &key(ctx, &id),
            FileSystemRecord {
                description: stored,
                policy: None,
                backup_policy: Some(
                    if input.backup == Some(true) {
                        "ENABLED"
                    } else {
                        "DISABLED"
                    }
                    .into(),
                ),
                lifecycle_policies: Vec::new(),
            },
        )?;
        Ok(description)
    }

    pub(super) async fn describe_file_systems(
        &self,
        ctx: &Ctx,
        input: DescribeFileSystemsRequest,
    ) -> Result<DescribeFileSystemsResponse, EfsError> {
        if input.creation_token.is_some() && input.file_system_id.is_some() {
            return Err(EfsError::BadRequest(
                "Request cannot contain both a file system ID and a creation token.".into(),
            ));
        }
        if let Some(id) = &input.file_system_id {
            self.find_file_system(ctx, id)?;
        }
        let entries = self
            .file_systems
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, fs)| {
                input
                    .file_system_id
                    .as_ref()
                    .is_none_or(|id| *id == fs.description.file_system_id)
                    && input
                        .creation_token
                        .as_ref()
                        .is_none_or(|token| *token == fs.description.creation_token)
            })
            .map(|(_, fs)| (fs.description.file_system_id.clone(), fs))
            .collect();
        let size = input.max_items.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.marker.as_deref(), size)
            .map_err(|_| EfsError::BadRequest("Invalid Marker".into()))?;
        Ok(DescribeFileSystemsResponse {
            marker: input.marker,
            file_systems: Some(
                page.items
                    .into_iter()
                    .map(|fs| self.described(ctx, fs))
                    .collect(),
            ),
            next_marker: page.next,
        })
    }

    pub(super) async fn delete_file_system(
        &self,
        ctx: &Ctx,
        input: DeleteFileSystemRequest,
    ) -> Result<(), EfsError> {
        let id = input.file_system_id;
        self.find_file_system(ctx, &id)?;
        let has_targets = self
            .mount_targets
            .scan_prefix(&ctx.scope())
            .iter()
            .any(|(_, mt)| mt.file_system_id == id);
        if has_targets {
            return Err(EfsError::FileSystemInUse(format!(
                "File system '{id}' has mount targets and cannot be deleted."
            )));
        }
        let replicated = self
            .replications
            .scan_prefix(&ctx.scope())
            .iter()
            .any(|(_, r)| {
                r.source_file_system_id == id
                    || r.destinations.iter().any(|d| d.file_system_id == id)
            });
        if replicated {
            return Err(EfsError::FileSystemInUse(format!(
                "File system '{id}' is part of a replication configuration and cannot be deleted."
            )));
        }
        self.kit.store().transaction(|txn| {
            txn.remove(&self.file_systems, &key(ctx, &id))?;
            for (record_key, point) in txn.scan_prefix(&self.access_points, &ctx.scope())? {
                if point.file_system_id.as_deref() == Some(id.as_str()) {
                    txn.remove(&self.access_points, &record_key)?;
                }
            }
            Ok::<_, EfsError>(())
        })?;
        let _ = std::fs::remove_dir_all(self.volume_root(&ctx.account_id, &ctx.region, &id));
        Ok(())
    }

    pub(super) async fn update_file_system(
        &self,
        ctx: &Ctx,
        input: UpdateFileSystemRequest,
    ) -> Result<FileSystemDescription, EfsError> {
        let id = input.file_system_id;
        let record = self.find_file_system(ctx, &id)?;
        let mode = input
            .throughput_mode
            .clone()
            .or(record.description.throughput_mode.clone())
            .unwrap_or_default();
        if mode == "provisioned"
            && input.provisioned_throughput_in_mibps.is_none()
            && record.description.provisioned_throughput_in_mibps.is_none()
        {
            return Err(EfsError::BadRequest(
                "Provisioned throughput mode requires ProvisionedThroughputInMibps.".into(),
            ));
        }
        let updated = self
            .file_systems
            .update(&key(ctx, &id), |fs| {
                fs.description.throughput_mode = Some(mode.clone());
                if mode == "provisioned" {
                    if let Some(mibps) = input.provisioned_throughput_in_mibps {
                        fs.description.provisioned_throughput_in_mibps = Some(mibps);
                    }
                } else {
                    fs.description.provisioned_throughput_in_mibps = None;
                }
                fs.clone()
            })?
            .ok_or_else(|| EfsError::file_system_not_found(&id))?;
        let mut described = self.described(ctx, updated);
        described.life_cycle_state = "updating".into();
        Ok(described)
    }

    pub(super) async fn update_file_system_protection(
        &self,
        ctx: &Ctx,
        input: UpdateFileSystemProtectionRequest,
    ) -> Result<FileSystemProtectionDescription, EfsError> {
        let id = input.file_system_id;
        let record = self.find_file_system(ctx, &id)?;
        let current = record
            .description
            .file_system_protection
            .and_then(|p| p.replication_overwrite_protection)
            .unwrap_or_else(|| "ENABLED".into());
        let wanted = input
            .replication_overwrite_protection
            .unwrap_or(current.clone());
        if current == "REPLICATING" && wanted != "REPLICATING" {
            return Err(EfsError::IncorrectFileSystemLifeCycleState(format!(
                "File system '{id}' is a replication destination; its protection cannot change while it replicates."
            )));
        }
        let protection = FileSystemProtectionDescription {
            replication_overwrite_protection: Some(wanted),
        };
        self.file_systems.update(&key(ctx, &id), |fs| {
            fs.description.file_system_protection = Some(protection.clone());
        })?;
        Ok(protection)
    }

    fn preference(&self, ctx: &Ctx) -> ResourceIdPreference {
        ResourceIdPreference {
            resource_id_type: Some(
                self.preferences
                    .get(&ctx.scope())
                    .unwrap_or_else(|| "LONG_ID".into()),
            ),
            resources: Some(vec!["FILE_SYSTEM".into(), "MOUNT_TARGET".into()]),
        }
    }

    pub(super) async fn describe_account_preferences(
        &self,
        ctx: &Ctx,
        _input: DescribeAccountPreferencesRequest,
    ) -> Result<DescribeAccountPreferencesResponse, EfsError> {
        Ok(DescribeAccountPreferencesResponse {
            resource_id_preference: Some(self.preference(ctx)),
            next_token: None,
        })
    }

    pub(super) async fn put_account_preferences(
        &self,
        ctx: &Ctx,
        input: PutAccountPreferencesRequest,
    ) -> Result<PutAccountPreferencesResponse, EfsError> {
        self.preferences
            .insert(&ctx.scope(), input.resource_id_type)?;
        Ok(PutAccountPreferencesResponse {
            resource_id_preference: Some(self.preference(ctx)),
        })
    }
}
