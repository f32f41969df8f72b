//! Secrets themselves: create, describe, list (filters, sort orders, paging), update, delete
//! with a recovery window or at once, restore, and tags.

use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::secretsmanager::{
    CreateSecretRequest, CreateSecretResponse, DeleteSecretRequest, DeleteSecretResponse,
    DescribeSecretRequest, DescribeSecretResponse, Filter, ListSecretsRequest, ListSecretsResponse,
    RestoreSecretRequest, RestoreSecretResponse, SecretListEntry, Tag, TagResourceRequest,
    UntagResourceRequest, UpdateSecretRequest, UpdateSecretResponse,
};

use super::values::{CURRENT, Value};
use super::{Scope, SecretRecord, SecretsError, SecretsManager, marked_for_deletion};
use crate::services::Ctx;
use crate::services::paging;

const DAY_MS: i64 = 86_400_000;
const SUFFIX_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn timestamp(millis: i64) -> Option<Timestamp> {
    Some(Timestamp::from_millis(millis))
}

/// Whether one filter value matches `candidate`: a prefix, or (with a leading `!`) not a prefix.
fn value_matches(value: &str, candidates: &[&str]) -> bool {
    match value.strip_prefix('!') {
        Some(negated) => !candidates
            .iter()
            .any(|c| c.to_lowercase().starts_with(&negated.to_lowercase())),
        None => candidates
            .iter()
            .any(|c| c.to_lowercase().starts_with(&value.to_lowercase())),
    }
}

/// Whether a secret passes every filter (any of a filter's values may match).
pub(super) fn matches_filters(record: &SecretRecord, filters: &[Filter], region: &str) -> bool {
    filters.iter().all(|filter| {
        let keys: Vec<&str> = record
            .tags
            .iter()
            .filter_map(|t| t.key.as_deref())
            .collect();
        let values: Vec<&str> = record
            .tags
            .iter()
            .filter_map(|t| t.value.as_deref())
            .collect();
        let description = record.description.as_deref().unwrap_or_default();
        let primary = record.primary_region.as_deref().unwrap_or(region);
        let candidates: Vec<&str> = match filter.key.as_deref().unwrap_or("all") {
            "name" => vec![record.name.as_str()],
            "description" => vec![description],
            "tag-key" => keys,
            "tag-value" => values,
            "primary-region" => vec![primary],
            "owning-service" => Vec::new(),
            _ => {
                let mut all = vec![record.name.as_str(), description];
                all.extend(keys);
                all.extend(values);
                all
            }
        };
        filter
            .values
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|value| value_matches(value, &candidates))
    })
}

fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(slot) => slot.value = tag.value,
            None => existing.push(tag),
        }
    }
}

impl SecretRecord {
    fn describe(&self) -> DescribeSecretResponse {
        DescribeSecretResponse {
            arn: Some(self.arn.clone()),
            name: Some(self.name.clone()),
            r#type: self.secret_type.clone(),
            description: self.description.clone(),
            kms_key_id: self.kms_key_id.clone(),
            rotation_enabled: self.rotation_enabled,
            rotation_lambda_arn: self.rotation_lambda_arn.clone(),
            rotation_rules: self.rotation_rules.clone(),
            last_rotated_date: self.last_rotated.and_then(timestamp),
            last_changed_date: timestamp(self.last_changed),
            last_accessed_date: self.last_accessed.and_then(timestamp),
            deleted_date: self.deleted.and_then(timestamp),
            tags: (!self.tags.is_empty()).then(|| self.tags.clone()),
            version_ids_to_stages: Some(self.versions_to_stages()),
            created_date: timestamp(self.created),
            primary_region: self.primary_region.clone(),
            replication_status: (!self.replication.is_empty()).then(|| self.replication.clone()),
            ..Default::default()
        }
    }

    fn list_entry(&self) -> SecretListEntry {
        let described = self.describe();
        SecretListEntry {
            arn: described.arn,
            name: described.name,
            r#type: described.r#type,
            description: described.description,
            kms_key_id: described.kms_key_id,
            rotation_enabled: described.rotation_enabled,
            rotation_lambda_arn: described.rotation_lambda_arn,
            rotation_rules: described.rotation_rules,
            last_rotated_date: described.last_rotated_date,
            last_changed_date: described.last_changed_date,
            last_accessed_date: described.last_accessed_date,
            deleted_date: described.deleted_date,
            tags: described.tags,
            secret_versions_to_stages: described.version_ids_to_stages,
            created_date: described.created_date,
            primary_region: described.primary_region,
            ..Default::default()
        }
    }
}

impl SecretsManager {
    pub(super) async fn create_secret(
        &self,
        ctx: &Ctx,
        input: CreateSecretRequest,
    ) -> Result<CreateSecretResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let value = Value::of(input.secret_string, input.secret_binary)?;
        let tags = input.tags.unwrap_or_default();
        if let Some(existing) = self.secrets.get(&scope.key(&input.name)) {
            if existing.deleted.is_some() {
                return Err(SecretsError::InvalidRequest(
                    "You can't create this secret because a secret with this name is already scheduled for deletion.".into(),
                ));
            }
            return Err(SecretsError::ResourceExists(format!(
                "The operation failed because the secret {} already exists.",
                input.name
            )));
        }
        if let Some(key) = &input.kms_key_id {
            self.kms
                .key_arn(&scope.account_id, &scope.region, key)
                .map_err(super::encryption_failure)?;
        }
        let now = self.now();
        let suffix = self.kit.ids().random_word(SUFFIX_ALPHABET, 6);
        let record = SecretRecord {
            arn: scope.arn(&input.name, &suffix),
            name: input.name.clone(),
            description: input.description,
            kms_key_id: input.kms_key_id,
            secret_type: input.r#type,
            tags,
            versions: Default::default(),
            created: now,
            last_changed: now,
            last_accessed: None,
            deleted: None,
            rotation_enabled: None,
            rotation_lambda_arn: None,
            rotation_rules: None,
            last_rotated: None,
            resource_policy: None,
            primary_region: None,
            replication: Vec::new(),
        };
        self.secrets.modify(&scope.key(&input.name), |slot| {
            if slot.is_some() {
                return Err(SecretsError::ResourceExists(format!(
                    "The operation failed because the secret {} already exists.",
                    input.name
                )));
            }
            *slot = Some(record.clone());
            Ok(())
        })?;
        let version_id = match value {
            Some(value) => Some(
                self.add_version(
                    &scope,
                    &input.name,
                    input.client_request_token,
                    value,
                    vec![CURRENT.into()],
                )?
                .0,
            ),
            None => None,
        };
        let replication_status = match input.add_replica_regions {
            Some(regions) if !regions.is_empty() => Some(self.replicate(
                &scope,
                &input.name,
                regions,
                input.force_overwrite_replica_secret.unwrap_or(false),
            )?),
            _ => None,
        };
        Ok(CreateSecretResponse {
            arn: Some(record.arn),
            name: Some(record.name),
            version_id,
            replication_status,
        })
    }

    pub(super) async fn describe_secret(
        &self,
        ctx: &Ctx,
        input: DescribeSecretRequest,
    ) -> Result<DescribeSecretResponse, SecretsError> {
        Ok(self.find(&Scope::of(ctx), &input.secret_id)?.describe())
    }

    pub(super) async fn list_secrets(
        &self,
        ctx: &Ctx,
        input: ListSecretsRequest,
    ) -> Result<ListSecretsResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let filters = input.filters.unwrap_or_default();
        let include_deleted = input.include_planned_deletion.unwrap_or(false);
        let descending = input.sort_order.as_deref() != Some("asc");
        let sort_by = input.sort_by.as_deref().unwrap_or("created-date");
        let entries = self
            .secrets
            .scan_prefix(&scope.prefix())
            .into_iter()
            .filter(|(_, record)| include_deleted || record.deleted.is_none())
            .filter(|(_, record)| matches_filters(record, &filters, &scope.region))
            .map(|(_, record)| {
                let millis = match sort_by {
                    "last-accessed-date" => record.last_accessed.unwrap_or(0),
                    "last-changed-date" => record.last_changed,
                    _ => record.created,
                };
                let order = if sort_by == "name" {
                    record.name.clone()
                } else {
                    let ordinal = if descending {
                        i64::MAX - millis
                    } else {
                        millis
                    };
                    format!("{ordinal:020}")
                };
                // Descending names sort by their inverted bytes.
                let order = if sort_by == "name" && descending {
                    order
                        .bytes()
                        .map(|b| format!("{:02x}", 255 - b))
                        .collect::<String>()
                        + "~"
                } else {
                    order
                };
                (format!("{order}\0{}", record.name), record.list_entry())
            })
            .collect();
        let size = input.max_results.map_or(100, |n| n.max(1) as usize);
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| SecretsError::InvalidNextToken("Invalid NextToken.".into()))?;
        Ok(ListSecretsResponse {
            secret_list: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_secret(
        &self,
        ctx: &Ctx,
        input: UpdateSecretRequest,
    ) -> Result<UpdateSecretResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_deleted()?;
        record.refuse_if_replica()?;
        let value = Value::of(input.secret_string, input.secret_binary)?;
        if let Some(key) = &input.kms_key_id {
            self.kms
                .key_arn(&scope.account_id, &scope.region, key)
                .map_err(super::encryption_failure)?;
        }
        let now = self.now();
        self.change(&scope, &input.secret_id, |record| {
            if let Some(description) = input.description {
                record.description = Some(description);
            }
            if let Some(key) = input.kms_key_id {
                record.kms_key_id = Some(key);
            }
            if let Some(secret_type) = input.r#type {
                record.secret_type = Some(secret_type);
            }
            record.last_changed = now;
            Ok(())
        })?;
        let version_id = match value {
            Some(value) => Some(
                self.add_version(
                    &scope,
                    &input.secret_id,
                    input.client_request_token,
                    value,
                    vec![CURRENT.into()],
                )?
                .0,
            ),
            None => None,
        };
        Ok(UpdateSecretResponse {
            arn: Some(record.arn),
            name: Some(record.name),
            version_id,
        })
    }

    pub(super) async fn delete_secret(
        &self,
        ctx: &Ctx,
        input: DeleteSecretRequest,
    ) -> Result<DeleteSecretResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let force = input.force_delete_without_recovery.unwrap_or(false);
        if force && input.recovery_window_in_days.is_some() {
            return Err(SecretsError::InvalidParameter(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.".into(),
            ));
        }
        let days = input.recovery_window_in_days.unwrap_or(30);
        if !force && !(7..=30).contains(&days) {
            return Err(SecretsError::InvalidParameter(
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).".into(),
            ));
        }
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_replica()?;
        if !record.replication.is_empty() {
            return Err(SecretsError::InvalidRequest(format!(
                "You can't delete secret {} that still has replica regions [{}]",
                record.name,
                record
                    .replication
                    .iter()
                    .filter_map(|r| r.region.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let now = self.now();
        if force {
            self.secrets.remove(&scope.key(&record.name))?;
            return Ok(DeleteSecretResponse {
                arn: Some(record.arn),
                name: Some(record.name),
                deletion_date: timestamp(now),
            });
        }
        let deletion = now + days * DAY_MS;
        self.change(&scope, &input.secret_id, |record| {
            if record.deleted.is_some() {
                return Err(marked_for_deletion());
            }
            record.deleted = Some(now);
            Ok(())
        })?;
        Ok(DeleteSecretResponse {
            arn: Some(record.arn),
            name: Some(record.name),
            deletion_date: timestamp(deletion),
        })
    }

    pub(super) async fn restore_secret(
        &self,
        ctx: &Ctx,
        input: RestoreSecretRequest,
    ) -> Result<RestoreSecretResponse, SecretsError> {
        let (arn, name) = self.change(&Scope::of(ctx), &input.secret_id, |record| {
            record.refuse_if_replica()?;
            record.deleted = None;
            Ok((record.arn.clone(), record.name.clone()))
        })?;
        Ok(RestoreSecretResponse {
            arn: Some(arn),
            name: Some(name),
        })
    }

    pub(super) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<(), SecretsError> {
        self.change(&Scope::of(ctx), &input.secret_id, |record| {
            record.refuse_if_deleted()?;
            merge_tags(&mut record.tags, input.tags);
            if record.tags.len() > 50 {
                return Err(SecretsError::InvalidParameter(
                    "Number of tags exceeds Secrets Manager limit of 50 tags per secret.".into(),
                ));
            }
            Ok(())
        })
    }

    pub(super) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), SecretsError> {
        self.change(&Scope::of(ctx), &input.secret_id, |record| {
            record.refuse_if_deleted()?;
            record
                .tags
                .retain(|tag| !tag.key.as_ref().is_some_and(|k| input.tag_keys.contains(k)));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_prefixes_and_bang_negates() {
        assert!(value_matches("prod", &["production/db"]));
        assert!(!value_matches("!prod", &["production/db"]));
        assert!(value_matches("!dev", &["production/db"]));
        assert!(!value_matches("db", &["production/db"]));
    }
}
