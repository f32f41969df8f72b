//! Versions and their staging labels: reading values (one or in batches), adding versions
//! (idempotent by `ClientRequestToken`), moving labels, listing versions.
//!
//! Labels move as AWS moves them: a label lives on one version at a time; when `AWSCURRENT`
//! moves, the version losing it gets `AWSPREVIOUS` (taken from whichever version had it). A
//! version left with no label is deprecated (kept, listed only with `IncludeDeprecated`).

use sim_aws_shapes::normal::{Blob, Timestamp};
use sim_aws_shapes::secretsmanager::{
    APIErrorType, BatchGetSecretValueRequest, BatchGetSecretValueResponse, GetSecretValueRequest,
    GetSecretValueResponse, ListSecretVersionIdsRequest, ListSecretVersionIdsResponse,
    PutSecretValueRequest, PutSecretValueResponse, SecretValueEntry, SecretVersionsListEntry,
    UpdateSecretVersionStageRequest, UpdateSecretVersionStageResponse,
};

use super::secrets::matches_filters;
use super::{Scope, SecretRecord, SecretsError, SecretsManager, VersionRecord, day_of};
use crate::services::Ctx;
use crate::services::paging;

pub(super) const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";

/// A value as given: a string or bytes.
pub(super) struct Value {
    pub bytes: Vec<u8>,
    pub binary: bool,
}

impl Value {
    /// The value a request carries in `SecretString` or `SecretBinary` (not both).
    pub fn of(string: Option<String>, binary: Option<Blob>) -> Result<Option<Self>, SecretsError> {
        match (string, binary) {
            (Some(_), Some(_)) => Err(SecretsError::InvalidParameter(
                "You can't specify both a binary secret value and a string secret value in the same secret.".into(),
            )),
            (Some(string), None) => Ok(Some(Self {
                bytes: string.into_bytes(),
                binary: false,
            })),
            (None, Some(blob)) => Ok(Some(Self {
                bytes: blob.0,
                binary: true,
            })),
            (None, None) => Ok(None),
        }
    }
}

/// Puts `stage` on `version_id`, taking it from whichever version had it; `AWSCURRENT`
/// leaves `AWSPREVIOUS` on the version it left.
pub(super) fn move_stage(record: &mut SecretRecord, stage: &str, version_id: &str) {
    let previous_holder = record.version_with_stage(stage).map(str::to_string);
    if previous_holder.as_deref() == Some(version_id) {
        return;
    }
    for version in record.versions.values_mut() {
        version.stages.retain(|s| s != stage);
    }
    if stage == CURRENT
        && let Some(previous) = previous_holder
    {
        for version in record.versions.values_mut() {
            version.stages.retain(|s| s != PREVIOUS);
        }
        if let Some(version) = record.versions.get_mut(&previous) {
            version.stages.push(PREVIOUS.into());
        }
    }
    if let Some(version) = record.versions.get_mut(version_id) {
        version.stages.push(stage.to_string());
    }
}

/// The version a read asks for: by ID, by stage, or `AWSCURRENT`.
pub(super) fn select_version(
    record: &SecretRecord,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> Result<(String, VersionRecord), SecretsError> {
    let stage_missing = |stage: &str| {
        SecretsError::ResourceNotFound(format!(
            "Secrets Manager can't find the specified secret value for staging label: {stage}"
        ))
    };
    let id = match (version_id, stage) {
        (Some(id), _) => id.to_string(),
        (None, stage) => {
            let stage = stage.unwrap_or(CURRENT);
            record
                .version_with_stage(stage)
                .ok_or_else(|| stage_missing(stage))?
                .to_string()
        }
    };
    let version = record.versions.get(&id).cloned().ok_or_else(|| {
        SecretsError::ResourceNotFound(format!(
            "Secrets Manager can't find the specified secret value for VersionId: {id}"
        ))
    })?;
    if let Some(stage) = stage
        && !version.stages.iter().any(|s| s == stage)
    {
        return Err(stage_missing(stage));
    }
    Ok((id, version))
}

impl SecretsManager {
    /// Adds a version holding `value` with `stages` to the secret `secret_id` names. A token
    /// already used for the same value is the same request (nothing changes); for another value
    /// it is refused. Returns the version ID and its stages.
    pub(super) fn add_version(
        &self,
        scope: &Scope,
        secret_id: &str,
        token: Option<String>,
        value: Value,
        stages: Vec<String>,
    ) -> Result<(String, Vec<String>), SecretsError> {
        let record = self.find(scope, secret_id)?;
        let version_id = token.unwrap_or_else(|| self.kit.ids().uuid());
        if let Some(existing) = record
            .versions
            .get(&version_id)
            .filter(|v| !v.sealed.is_empty())
        {
            let same = existing.binary == value.binary
                && self.open(scope, &record, &version_id, existing)? == value.bytes;
            if same {
                return Ok((version_id, existing.stages.clone()));
            }
            return Err(SecretsError::ResourceExists(
                "You can't modify an existing version, you can only create a new version.".into(),
            ));
        }
        // Sealed before the record is changed: KMS may write (its managed key) and a write
        // inside another write's closure is not allowed.
        let sealed = self.seal(scope, &record, &version_id, &value.bytes, value.binary)?;
        let now = self.now();
        self.change(scope, secret_id, |record| {
            // A rotation's placeholder (AWSPENDING, no value yet) takes the value and keeps its
            // stages; any other existing version cannot change.
            let placeholder = record.versions.get(&version_id);
            if placeholder.is_some_and(|v| !v.sealed.is_empty()) {
                return Err(SecretsError::ResourceExists(
                    "You can't modify an existing version, you can only create a new version."
                        .into(),
                ));
            }
            let mut sealed = sealed;
            if let Some(placeholder) = placeholder {
                sealed.stages = placeholder.stages.clone();
            }
            record.versions.insert(version_id.clone(), sealed);
            for stage in &stages {
                move_stage(record, stage, &version_id);
            }
            record.last_changed = now;
            let stages = record.versions[&version_id].stages.clone();
            Ok((version_id.clone(), stages))
        })
    }

    pub(super) async fn put_secret_value(
        &self,
        ctx: &Ctx,
        input: PutSecretValueRequest,
    ) -> Result<PutSecretValueResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_deleted()?;
        record.refuse_if_replica()?;
        let value = Value::of(input.secret_string, input.secret_binary)?.ok_or_else(|| {
            SecretsError::InvalidRequest(
                "You must provide either SecretString or SecretBinary.".into(),
            )
        })?;
        let stages = input
            .version_stages
            .unwrap_or_else(|| vec![CURRENT.to_string()]);
        let (version_id, stages) = self.add_version(
            &scope,
            &input.secret_id,
            input.client_request_token,
            value,
            stages,
        )?;
        Ok(PutSecretValueResponse {
            arn: Some(record.arn),
            name: Some(record.name),
            version_id: Some(version_id),
            version_stages: Some(stages),
        })
    }

    /// Reads a version's value and notes the access (to the day, as AWS reports it).
    fn read_value(
        &self,
        scope: &Scope,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretValueEntry, SecretsError> {
        let record = self.find(scope, secret_id)?;
        record.refuse_if_deleted()?;
        let (id, version) = select_version(&record, version_id, stage)?;
        // A rotation's AWSPENDING version before its function's createSecret step put a value.
        if version.sealed.is_empty() {
            return Err(SecretsError::ResourceNotFound(match (version_id, stage) {
                (Some(id), _) => format!(
                    "Secrets Manager can't find the specified secret value for VersionId: {id}"
                ),
                (None, stage) => format!(
                    "Secrets Manager can't find the specified secret value for staging label: {}",
                    stage.unwrap_or(CURRENT)
                ),
            }));
        }
        let bytes = self.open(scope, &record, &id, &version)?;
        let today = day_of(self.now()).millis();
        if record.last_accessed != Some(today) {
            self.change(scope, secret_id, |record| {
                record.last_accessed = Some(today);
                if let Some(version) = record.versions.get_mut(&id) {
                    version.last_accessed = Some(today);
                }
                Ok(())
            })?;
        }
        let (secret_string, secret_binary) = if version.binary {
            (None, Some(Blob(bytes)))
        } else {
            (Some(String::from_utf8_lossy(&bytes).into_owned()), None)
        };
        Ok(SecretValueEntry {
            arn: Some(record.arn),
            name: Some(record.name),
            version_id: Some(id),
            secret_binary,
            secret_string,
            version_stages: Some(version.stages),
            created_date: Some(Timestamp::from_millis(version.created)),
        })
    }

    pub(super) async fn get_secret_value(
        &self,
        ctx: &Ctx,
        input: GetSecretValueRequest,
    ) -> Result<GetSecretValueResponse, SecretsError> {
        let entry = self.read_value(
            &Scope::of(ctx),
            &input.secret_id,
            input.version_id.as_deref(),
            input.version_stage.as_deref(),
        )?;
        Ok(GetSecretValueResponse {
            arn: entry.arn,
            name: entry.name,
            version_id: entry.version_id,
            secret_binary: entry.secret_binary,
            secret_string: entry.secret_string,
            version_stages: entry.version_stages,
            created_date: entry.created_date,
        })
    }

    pub(super) async fn batch_get_secret_value(
        &self,
        ctx: &Ctx,
        input: BatchGetSecretValueRequest,
    ) -> Result<BatchGetSecretValueResponse, SecretsError> {
        let scope = Scope::of(ctx);
        match (input.secret_id_list, input.filters) {
            (Some(ids), None) => {
                if input.max_results.is_some() {
                    return Err(SecretsError::InvalidParameter(
                        "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided in a request.".into(),
                    ));
                }
                let mut values = Vec::new();
                let mut errors = Vec::new();
                for id in ids {
                    match self.read_value(&scope, &id, None, None) {
                        Ok(entry) => values.push(entry),
                        Err(SecretsError::Store(error)) => return Err(error.into()),
                        Err(error) => errors.push(APIErrorType {
                            error_code: Some(error_code(&error)),
                            message: Some(error.to_string()),
                            secret_id: Some(id),
                        }),
                    }
                }
                Ok(BatchGetSecretValueResponse {
                    secret_values: Some(values),
                    next_token: None,
                    errors: Some(errors),
                })
            }
            (None, Some(filters)) => {
                let entries = self
                    .secrets
                    .scan_prefix(&scope.prefix())
                    .into_iter()
                    .filter(|(_, record)| record.deleted.is_none())
                    .filter(|(_, record)| matches_filters(record, &filters, &scope.region))
                    .collect();
                let size = input.max_results.map_or(20, |n| n.max(1) as usize);
                let page = paging::page(entries, input.next_token.as_deref(), size)
                    .map_err(|_| SecretsError::InvalidNextToken("Invalid NextToken.".into()))?;
                let mut values = Vec::new();
                let mut errors = Vec::new();
                for record in page.items {
                    match self.read_value(&scope, &record.name, None, None) {
                        Ok(entry) => values.push(entry),
                        Err(SecretsError::Store(error)) => return Err(error.into()),
                        Err(error) => errors.push(APIErrorType {
                            error_code: Some(error_code(&error)),
                            message: Some(error.to_string()),
                            secret_id: Some(record.arn),
                        }),
                    }
                }
                Ok(BatchGetSecretValueResponse {
                    secret_values: Some(values),
                    next_token: page.next,
                    errors: Some(errors),
                })
            }
            _ => Err(SecretsError::InvalidParameter(
                "Either 'SecretIdList' or 'Filters' must be provided, but not both.".into(),
            )),
        }
    }

    pub(super) async fn update_secret_version_stage(
        &self,
        ctx: &Ctx,
        input: UpdateSecretVersionStageRequest,
    ) -> Result<UpdateSecretVersionStageResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let stage = input.version_stage;
        let (arn, name) = self.change(&scope, &input.secret_id, |record| {
            record.refuse_if_deleted()?;
            record.refuse_if_replica()?;
            for id in [&input.move_to_version_id, &input.remove_from_version_id]
                .into_iter()
                .flatten()
            {
                if !record.versions.contains_key(id) {
                    return Err(SecretsError::InvalidParameter(format!(
                        "The version ID {id} doesn't exist."
                    )));
                }
            }
            let holder = record.version_with_stage(&stage).map(str::to_string);
            match (&input.move_to_version_id, &input.remove_from_version_id) {
                (Some(to), remove) => {
                    if let Some(holder) = &holder
                        && holder != to
                        && remove.as_ref() != Some(holder)
                    {
                        return Err(SecretsError::InvalidParameter(format!(
                            "The parameter RemoveFromVersionId can't be empty. Staging label {stage} is currently attached to version {holder}, so you must explicitly reference that version in RemoveFromVersionId."
                        )));
                    }
                    move_stage(record, &stage, to);
                }
                (None, Some(from)) => {
                    if holder.as_ref() != Some(from) {
                        return Err(SecretsError::InvalidParameter(format!(
                            "The staging label {stage} is not attached to version {from}."
                        )));
                    }
                    if stage == CURRENT {
                        return Err(SecretsError::InvalidParameter(
                            "You can only move staging label AWSCURRENT to a different secret version. It can\u{2019}t be completely removed.".into(),
                        ));
                    }
                    if let Some(version) = record.versions.get_mut(from) {
                        version.stages.retain(|s| *s != stage);
                    }
                }
                (None, None) => {
                    return Err(SecretsError::InvalidParameter(
                        "You must specify RemoveFromVersionId, MoveToVersionId, or both.".into(),
                    ));
                }
            }
            Ok((record.arn.clone(), record.name.clone()))
        })?;
        Ok(UpdateSecretVersionStageResponse {
            arn: Some(arn),
            name: Some(name),
        })
    }

    pub(super) async fn list_secret_version_ids(
        &self,
        ctx: &Ctx,
        input: ListSecretVersionIdsRequest,
    ) -> Result<ListSecretVersionIdsResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        let deprecated = input.include_deprecated.unwrap_or(false);
        let entries = record
            .versions
            .iter()
            .filter(|(_, version)| deprecated || !version.stages.is_empty())
            .map(|(id, version)| {
                let entry = SecretVersionsListEntry {
                    version_id: Some(id.clone()),
                    version_stages: Some(version.stages.clone()),
                    last_accessed_date: version.last_accessed.map(Timestamp::from_millis),
                    created_date: Some(Timestamp::from_millis(version.created)),
                    kms_key_ids: Some(vec![
                        record
                            .kms_key_id
                            .clone()
                            .unwrap_or_else(|| "DefaultEncryptionKey".into()),
                    ]),
                };
                (format!("{:020}\0{id}", version.created), entry)
            })
            .collect();
        let size = input.max_results.map_or(100, |n| n.max(1) as usize);
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| SecretsError::InvalidNextToken("Invalid NextToken.".into()))?;
        Ok(ListSecretVersionIdsResponse {
            versions: Some(page.items),
            next_token: page.next,
            arn: Some(record.arn),
            name: Some(record.name),
        })
    }
}

/// The code an error is reported under in BatchGetSecretValue's `Errors`.
fn error_code(error: &SecretsError) -> String {
    let code = match error {
        SecretsError::ResourceNotFound(_) => "ResourceNotFoundException",
        SecretsError::InvalidRequest(_) => "InvalidRequestException",
        SecretsError::Decryption(_) => "DecryptionFailure",
        _ => "InvalidParameterException",
    };
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(versions: &[(&str, &[&str])]) -> SecretRecord {
        SecretRecord {
            name: "s".into(),
            arn: "arn".into(),
            description: None,
            kms_key_id: None,
            secret_type: None,
            tags: Vec::new(),
            versions: versions
                .iter()
                .map(|(id, stages)| {
                    (
                        id.to_string(),
                        VersionRecord {
                            created: 0,
                            stages: stages.iter().map(|s| s.to_string()).collect(),
                            sealed: String::new(),
                            binary: false,
                            last_accessed: None,
                            kms_key_arn: String::new(),
                        },
                    )
                })
                .collect(),
            created: 0,
            last_changed: 0,
            last_accessed: None,
            deleted: None,
            rotation_enabled: None,
            rotation_lambda_arn: None,
            rotation_rules: None,
            last_rotated: None,
            resource_policy: None,
            primary_region: None,
            replication: Vec::new(),
        }
    }

    fn stages(record: &SecretRecord, id: &str) -> Vec<String> {
        record.versions[id].stages.clone()
    }

    #[test]
    fn current_leaves_previous_behind_and_previous_moves_on() {
        let mut record = secret(&[
            ("v1", &["AWSPREVIOUS"]),
            ("v2", &["AWSCURRENT"]),
            ("v3", &[]),
        ]);
        move_stage(&mut record, CURRENT, "v3");
        assert_eq!(stages(&record, "v3"), ["AWSCURRENT"]);
        assert_eq!(stages(&record, "v2"), ["AWSPREVIOUS"]);
        assert!(stages(&record, "v1").is_empty());
    }

    #[test]
    fn other_labels_just_move() {
        let mut record = secret(&[("v1", &["AWSCURRENT", "custom"]), ("v2", &[])]);
        move_stage(&mut record, "custom", "v2");
        assert_eq!(stages(&record, "v1"), ["AWSCURRENT"]);
        assert_eq!(stages(&record, "v2"), ["custom"]);
    }

    #[test]
    fn reads_select_by_id_or_stage() {
        let record = secret(&[("v1", &["AWSPREVIOUS"]), ("v2", &["AWSCURRENT"])]);
        assert_eq!(select_version(&record, None, None).unwrap().0, "v2");
        assert_eq!(
            select_version(&record, None, Some("AWSPREVIOUS"))
                .unwrap()
                .0,
            "v1"
        );
        assert!(select_version(&record, Some("v1"), Some("AWSCURRENT")).is_err());
        assert!(select_version(&record, None, Some("AWSPENDING")).is_err());
    }
}
