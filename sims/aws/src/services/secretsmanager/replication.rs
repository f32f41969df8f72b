//! Replication into other Regions of the same account, for real: a replica is a copy of the
//! secret in the other Region's state, its values sealed again under that Region's key. A
//! replica refuses writes (they belong to the primary); StopReplicationToReplica makes it a
//! standalone secret. Values written to the primary after replication are not copied again.

use sim_aws_shapes::secretsmanager::{
    RemoveRegionsFromReplicationRequest, RemoveRegionsFromReplicationResponse, ReplicaRegionType,
    ReplicateSecretToRegionsRequest, ReplicateSecretToRegionsResponse, ReplicationStatusType,
    StopReplicationToReplicaRequest, StopReplicationToReplicaResponse,
};

use super::{Scope, SecretRecord, SecretsError, SecretsManager};
use crate::services::Ctx;

impl SecretsManager {
    /// Copies the secret `name` of `scope` into each Region; returns the secret's replication
    /// status afterwards.
    pub(super) fn replicate(
        &self,
        scope: &Scope,
        name: &str,
        regions: Vec<ReplicaRegionType>,
        force: bool,
    ) -> Result<Vec<ReplicationStatusType>, SecretsError> {
        let primary = self.find(scope, name)?;
        primary.refuse_if_replica()?;
        let mut statuses = Vec::new();
        for replica_region in regions {
            let region = replica_region.region.clone().unwrap_or_default();
            if region == scope.region
                || primary
                    .replication
                    .iter()
                    .any(|r| r.region.as_deref() == Some(&region))
            {
                return Err(SecretsError::InvalidParameter(format!(
                    "Invalid replica region: {region}"
                )));
            }
            let there = scope.in_region(&region);
            let status = |state: &str, message: &str| ReplicationStatusType {
                region: Some(region.clone()),
                kms_key_id: Some(
                    replica_region
                        .kms_key_id
                        .clone()
                        .unwrap_or_else(|| "alias/aws/secretsmanager".into()),
                ),
                status: Some(state.into()),
                status_message: Some(message.into()),
                last_accessed_date: None,
            };
            if self.secrets.contains(&there.key(name)) && !force {
                statuses.push(status(
                    "Failed",
                    "Replication failed: Secret name already exists in region.",
                ));
                continue;
            }
            let suffix = primary.arn.rsplit('-').next().unwrap_or_default();
            let mut replica = SecretRecord {
                arn: there.arn(name, suffix),
                kms_key_id: replica_region.kms_key_id.clone(),
                versions: Default::default(),
                primary_region: Some(scope.region.clone()),
                replication: Vec::new(),
                resource_policy: None,
                ..primary.clone()
            };
            for (id, version) in &primary.versions {
                let value = self.open(scope, &primary, id, version)?;
                let mut copy = self.seal(&there, &replica, id, &value, version.binary)?;
                copy.stages = version.stages.clone();
                copy.created = version.created;
                replica.versions.insert(id.clone(), copy);
            }
            self.secrets.insert(&there.key(name), replica)?;
            statuses.push(status("InSync", "Replication succeeded"));
        }
        self.change(scope, name, |record| {
            for status in &statuses {
                if status.status.as_deref() == Some("InSync") {
                    record.replication.push(status.clone());
                }
            }
            Ok(record.replication.clone())
        })?;
        Ok(statuses)
    }

    pub(super) async fn replicate_secret_to_regions(
        &self,
        ctx: &Ctx,
        input: ReplicateSecretToRegionsRequest,
    ) -> Result<ReplicateSecretToRegionsResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_deleted()?;
        let statuses = self.replicate(
            &scope,
            &record.name,
            input.add_replica_regions,
            input.force_overwrite_replica_secret.unwrap_or(false),
        )?;
        Ok(ReplicateSecretToRegionsResponse {
            arn: Some(record.arn),
            replication_status: Some(statuses),
        })
    }

    pub(super) async fn remove_regions_from_replication(
        &self,
        ctx: &Ctx,
        input: RemoveRegionsFromReplicationRequest,
    ) -> Result<RemoveRegionsFromReplicationResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_replica()?;
        for region in &input.remove_replica_regions {
            if !record
                .replication
                .iter()
                .any(|r| r.region.as_deref() == Some(region))
            {
                return Err(SecretsError::InvalidParameter(format!(
                    "Invalid replica region: {region}"
                )));
            }
        }
        for region in &input.remove_replica_regions {
            self.secrets
                .remove(&scope.in_region(region).key(&record.name))?;
        }
        let remaining = self.change(&scope, &record.name, |record| {
            record.replication.retain(|r| {
                !r.region
                    .as_ref()
                    .is_some_and(|region| input.remove_replica_regions.contains(region))
            });
            Ok(record.replication.clone())
        })?;
        Ok(RemoveRegionsFromReplicationResponse {
            arn: Some(record.arn),
            replication_status: Some(remaining),
        })
    }

    pub(super) async fn stop_replication_to_replica(
        &self,
        ctx: &Ctx,
        input: StopReplicationToReplicaRequest,
    ) -> Result<StopReplicationToReplicaResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        let Some(primary_region) = record.primary_region.clone() else {
            return Err(SecretsError::InvalidRequest(
                "StopReplicationToReplica is only valid on a replica secret.".into(),
            ));
        };
        self.change(&scope, &record.name, |record| {
            record.primary_region = None;
            Ok(())
        })?;
        let primary = scope.in_region(&primary_region);
        if self.secrets.contains(&primary.key(&record.name)) {
            self.change(&primary, &record.name, |primary| {
                primary
                    .replication
                    .retain(|r| r.region.as_deref() != Some(&scope.region));
                Ok(())
            })?;
        }
        Ok(StopReplicationToReplicaResponse {
            arn: Some(record.arn),
        })
    }
}
