//! Parameters: put (new versions, overwrite rules, allowed patterns, SecureString sealing),
//! get (one, several, by path; selectors; decryption), delete, history and labels.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    DeleteParameterRequest, DeleteParameterResult, DeleteParametersRequest, DeleteParametersResult,
    GetParameterHistoryRequest, GetParameterHistoryResult, GetParameterRequest, GetParameterResult,
    GetParametersByPathRequest, GetParametersByPathResult, GetParametersRequest,
    GetParametersResult, LabelParameterVersionRequest, LabelParameterVersionResult, Parameter,
    ParameterHistory, ParameterInlinePolicy, PutParameterRequest, PutParameterResult,
    UnlabelParameterVersionRequest, UnlabelParameterVersionResult,
};

use super::describe::{check_filters, matches_filter};
use super::names::{self, Selector};
use super::{ParameterRecord, Ssm, SsmError, VersionRecord, parameter_not_found, public};
use crate::services::Ctx;
use crate::services::kms::KmsError;

const MAX_VERSIONS: usize = 100;
const MAX_LABELS: usize = 10;

/// The key a parameter is stored under.
pub(super) fn key(ctx: &Ctx, name: &str) -> String {
    format!("{}{name}", ctx.scope())
}

/// The encryption context AWS seals SecureString values under.
fn sealing_context(arn: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("PARAMETER_ARN".to_string(), arn.to_string())])
}

/// The policies of a version, as DescribeParameters and GetParameterHistory list them.
pub(super) fn inline_policies(version: &VersionRecord) -> Option<Vec<ParameterInlinePolicy>> {
    let text = version.policies.as_deref()?;
    let policies: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    Some(
        policies
            .into_iter()
            .map(|policy| ParameterInlinePolicy {
                policy_type: policy["Type"].as_str().map(str::to_string),
                policy_status: Some("Pending".into()),
                policy_text: Some(policy.to_string()),
            })
            .collect(),
    )
}

fn kms_failure(error: KmsError) -> SsmError {
    match error {
        KmsError::Store(error) => SsmError::Store(error),
        KmsError::NotFound(_) | KmsError::InvalidArn(_) => SsmError::new("InvalidKeyId", ""),
        other => SsmError::new("InvalidKeyId", other.to_string()),
    }
}

impl Ssm {
    /// A parameter by name (or ARN), the public ones included.
    pub(super) fn lookup(&self, ctx: &Ctx, reference: &str) -> Option<ParameterRecord> {
        let name = names::name_of(reference);
        if public::is_public(&name) {
            let value = public::all().get(&name)?;
            return Some(ParameterRecord {
                name: name.clone(),
                versions: vec![VersionRecord {
                    version: 1,
                    parameter_type: "String".into(),
                    value: value.clone(),
                    key_id: None,
                    description: None,
                    allowed_pattern: None,
                    tier: "Standard".into(),
                    policies: None,
                    data_type: "text".into(),
                    labels: Vec::new(),
                    modified: 0,
                    user: String::new(),
                }],
                tags: Vec::new(),
            });
        }
        self.parameters.get(&key(ctx, &name)).or_else(|| {
            // An ARN drops the leading `/` of a root-level name like `plain`.
            let bare = name.strip_prefix('/')?;
            self.parameters.get(&key(ctx, bare))
        })
    }

    fn arn_of(&self, ctx: &Ctx, name: &str) -> String {
        if public::is_public(name) {
            let name = name.strip_prefix('/').unwrap_or(name);
            return format!("arn:aws:ssm:{}::parameter/{name}", ctx.region);
        }
        names::arn(&ctx.region, &ctx.account_id, name)
    }

    /// The value a reader sees: SecureStrings decrypted when asked.
    fn readable_value(
        &self,
        ctx: &Ctx,
        name: &str,
        version: &VersionRecord,
        decrypt: bool,
    ) -> Result<String, SsmError> {
        if version.parameter_type != "SecureString" || !decrypt {
            return Ok(version.value.clone());
        }
        let blob = STANDARD.decode(&version.value).unwrap_or_default();
        let plaintext = self
            .kms
            .decrypt_for(
                &ctx.account_id,
                &ctx.region,
                &blob,
                &sealing_context(&self.arn_of(ctx, name)),
            )
            .map_err(kms_failure)?;
        Ok(String::from_utf8_lossy(&plaintext).into_owned())
    }

    /// A version as GetParameter and friends return it.
    pub(super) fn output(
        &self,
        ctx: &Ctx,
        record: &ParameterRecord,
        version: &VersionRecord,
        selector: Option<String>,
        decrypt: bool,
    ) -> Result<Parameter, SsmError> {
        Ok(Parameter {
            name: Some(record.name.clone()),
            r#type: Some(version.parameter_type.clone()),
            value: Some(self.readable_value(ctx, &record.name, version, decrypt)?),
            version: Some(version.version),
            selector,
            source_result: None,
            last_modified_date: Some(Timestamp::from_millis(version.modified)),
            arn: Some(self.arn_of(ctx, &record.name)),
            data_type: Some(version.data_type.clone()),
        })
    }

    /// The version a requested `name[:selector]` stands for.
    fn select(
        &self,
        ctx: &Ctx,
        requested: &str,
    ) -> Result<(ParameterRecord, VersionRecord, Option<String>), SsmError> {
        let (name, selector) = names::split_selector(requested);
        let record = self.lookup(ctx, name).ok_or_else(parameter_not_found)?;
        let (version, shown) = match selector {
            Selector::Latest => (record.latest().clone(), None),
            Selector::Version(number) => {
                let version = record
                    .versions
                    .iter()
                    .find(|v| v.version == number)
                    .cloned()
                    .ok_or_else(|| {
                        SsmError::new(
                            "ParameterVersionNotFound",
                            format!(
                                "Systems Manager could not find version {number} of {name}. Verify the version and try again."
                            ),
                        )
                    })?;
                (version, Some(format!(":{number}")))
            }
            Selector::Label(label) => {
                let version = record
                    .versions
                    .iter()
                    .find(|v| v.labels.contains(&label))
                    .cloned()
                    .ok_or_else(parameter_not_found)?;
                (version, Some(format!(":{label}")))
            }
        };
        Ok((record, version, shown))
    }

    pub(super) async fn put_parameter(
        &self,
        ctx: &Ctx,
        input: PutParameterRequest,
    ) -> Result<PutParameterResult, SsmError> {
        names::check_new_name(&input.name)?;
        let overwrite = input.overwrite.unwrap_or(false);
        if overwrite && input.tags.as_ref().is_some_and(|tags| !tags.is_empty()) {
            return Err(SsmError::validation(
                "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
            ));
        }
        let existing = self.parameters.get(&key(ctx, &input.name));
        if existing.is_some() && !overwrite {
            return Err(SsmError::new(
                "ParameterAlreadyExists",
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
            ));
        }
        let previous = existing.as_ref().map(|record| record.latest().clone());
        let parameter_type = match (&input.r#type, &previous) {
            (Some(kind), _) => kind.clone(),
            (None, Some(previous)) => previous.parameter_type.clone(),
            (None, None) => {
                return Err(SsmError::validation(
                    "A parameter type is required when you create a parameter.",
                ));
            }
        };
        if input.key_id.is_some() && parameter_type != "SecureString" {
            return Err(SsmError::validation(
                "KeyId is required for SecureString type parameter only.",
            ));
        }
        let allowed_pattern = input
            .allowed_pattern
            .or_else(|| previous.as_ref().and_then(|p| p.allowed_pattern.clone()));
        if let Some(pattern) = &allowed_pattern {
            let regex = regex::Regex::new(pattern).map_err(|_| {
                SsmError::new(
                    "InvalidAllowedPatternException",
                    "The allowed pattern is not a valid regular expression.",
                )
            })?;
            if !regex.is_match(&input.value) {
                return Err(SsmError::new(
                    "ParameterPatternMismatchException",
                    format!(
                        "Parameter value, cannot be validated against allowedPattern: {pattern}"
                    ),
                ));
            }
        }
        let data_type = input
            .data_type
            .or_else(|| previous.as_ref().map(|p| p.data_type.clone()))
            .unwrap_or_else(|| "text".into());
        if data_type == "aws:ec2:image" && !input.value.starts_with("ami-") {
            return Err(SsmError::validation(format!(
                "Parameter value {} isn't valid for data type aws:ec2:image. The value must be an AMI ID.",
                input.value
            )));
        }
        let advanced_asked = input.tier.as_deref() == Some("Advanced");
        let was_advanced = previous.as_ref().is_some_and(|p| p.tier == "Advanced");
        if input.tier.as_deref() == Some("Standard") && was_advanced {
            return Err(SsmError::validation(
                "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
            ));
        }
        let needs_advanced = input.value.len() > 4096 || input.policies.is_some();
        let tier = if advanced_asked
            || was_advanced
            || (needs_advanced && input.tier.as_deref() == Some("Intelligent-Tiering"))
        {
            "Advanced"
        } else {
            "Standard"
        };
        if tier == "Standard" && input.value.len() > 4096 {
            return Err(SsmError::validation(
                "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
            ));
        }
        if tier == "Standard" && input.policies.is_some() {
            return Err(SsmError::validation(
                "Parameter policies are supported only for advanced-tier parameters.",
            ));
        }
        if let Some(policies) = &input.policies
            && !serde_json::from_str::<serde_json::Value>(policies).is_ok_and(|v| v.is_array())
        {
            return Err(SsmError::new(
                "InvalidPolicyAttributeException",
                "The policy document is not a valid JSON array.",
            ));
        }
        let key_id = (parameter_type == "SecureString").then(|| {
            input
                .key_id
                .clone()
                .or_else(|| previous.as_ref().and_then(|p| p.key_id.clone()))
                .unwrap_or_else(|| "alias/aws/ssm".into())
        });
        // Sealed before the record is written: KMS may write its managed key.
        let value = match &key_id {
            Some(key) => {
                let explicit = (key != "alias/aws/ssm").then_some(key.as_str());
                let (blob, _) = self
                    .kms
                    .encrypt_for(
                        &ctx.account_id,
                        &ctx.region,
                        "ssm",
                        explicit,
                        input.value.as_bytes(),
                        &sealing_context(&names::arn(&ctx.region, &ctx.account_id, &input.name)),
                    )
                    .map_err(kms_failure)?;
                STANDARD.encode(blob)
            }
            None => input.value.clone(),
        };
        let version = VersionRecord {
            version: 0,
            parameter_type,
            value,
            key_id,
            description: input
                .description
                .or_else(|| previous.as_ref().and_then(|p| p.description.clone())),
            allowed_pattern,
            tier: tier.to_string(),
            policies: input.policies,
            data_type,
            labels: Vec::new(),
            modified: self.now(),
            user: ctx.caller.arn.clone(),
        };
        let tags = input.tags.unwrap_or_default();
        let name = input.name.clone();
        let number = self.parameters.modify(&key(ctx, &input.name), |slot| {
            let record = slot.get_or_insert_with(|| ParameterRecord {
                name: name.clone(),
                versions: Vec::new(),
                tags: tags.clone(),
            });
            if !record.versions.is_empty() && !overwrite {
                return Err(SsmError::new(
                    "ParameterAlreadyExists",
                    "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
                ));
            }
            if record.versions.len() >= MAX_VERSIONS {
                // AWS drops the oldest version unless it carries a label.
                if record.versions[0].labels.is_empty() {
                    record.versions.remove(0);
                } else {
                    return Err(SsmError::new(
                        "ParameterMaxVersionLimitExceeded",
                        format!(
                            "You attempted to create a new version of {name} by calling the PutParameter API with the overwrite flag. Version {}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.",
                            record.versions[0].version
                        ),
                    ));
                }
            }
            let number = record.versions.last().map_or(1, |v| v.version + 1);
            let mut version = version;
            version.version = number;
            record.versions.push(version);
            Ok(number)
        })?;
        Ok(PutParameterResult {
            version: Some(number),
            tier: Some(tier.into()),
        })
    }

    pub(super) async fn get_parameter(
        &self,
        ctx: &Ctx,
        input: GetParameterRequest,
    ) -> Result<GetParameterResult, SsmError> {
        let (record, version, selector) = self.select(ctx, &input.name)?;
        let decrypt = input.with_decryption.unwrap_or(false);
        Ok(GetParameterResult {
            parameter: Some(self.output(ctx, &record, &version, selector, decrypt)?),
        })
    }

    pub(super) async fn get_parameters(
        &self,
        ctx: &Ctx,
        input: GetParametersRequest,
    ) -> Result<GetParametersResult, SsmError> {
        let decrypt = input.with_decryption.unwrap_or(false);
        let mut parameters = Vec::new();
        let mut invalid = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for requested in input.names {
            if !seen.insert(requested.clone()) {
                continue;
            }
            match self.select(ctx, &requested) {
                Ok((record, version, selector)) => {
                    parameters.push(self.output(ctx, &record, &version, selector, decrypt)?)
                }
                Err(SsmError::Store(error)) => return Err(error.into()),
                Err(_) => invalid.push(requested),
            }
        }
        Ok(GetParametersResult {
            parameters: Some(parameters),
            invalid_parameters: Some(invalid),
        })
    }

    pub(super) async fn get_parameters_by_path(
        &self,
        ctx: &Ctx,
        input: GetParametersByPathRequest,
    ) -> Result<GetParametersByPathResult, SsmError> {
        names::check_path(&input.path)?;
        let filters = input.parameter_filters.unwrap_or_default();
        check_filters(&filters, true)?;
        let recursive = input.recursive.unwrap_or(false);
        let decrypt = input.with_decryption.unwrap_or(false);
        let records: Vec<ParameterRecord> = if public::is_public(&format!("{}/", input.path)) {
            public::all()
                .keys()
                .filter_map(|name| self.lookup(ctx, name))
                .collect()
        } else {
            self.parameters
                .scan_prefix(&ctx.scope())
                .into_iter()
                .map(|(_, record)| record)
                .collect()
        };
        let entries = records
            .into_iter()
            .filter(|record| names::under_path(&record.name, &input.path, recursive))
            .filter(|record| filters.iter().all(|f| matches_filter(record, f)))
            .map(|record| (record.name.clone(), record))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 10)?;
        let mut parameters = Vec::new();
        for record in page.items {
            parameters.push(self.output(ctx, &record, record.latest(), None, decrypt)?);
        }
        Ok(GetParametersByPathResult {
            parameters: Some(parameters),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_parameter(
        &self,
        ctx: &Ctx,
        input: DeleteParameterRequest,
    ) -> Result<DeleteParameterResult, SsmError> {
        match self.parameters.remove(&key(ctx, &input.name))? {
            Some(_) => Ok(DeleteParameterResult {}),
            None => Err(parameter_not_found()),
        }
    }

    pub(super) async fn delete_parameters(
        &self,
        ctx: &Ctx,
        input: DeleteParametersRequest,
    ) -> Result<DeleteParametersResult, SsmError> {
        let mut deleted = Vec::new();
        let mut invalid = Vec::new();
        for name in input.names {
            match self.parameters.remove(&key(ctx, &name))? {
                Some(_) => deleted.push(name),
                None => invalid.push(name),
            }
        }
        Ok(DeleteParametersResult {
            deleted_parameters: Some(deleted),
            invalid_parameters: Some(invalid),
        })
    }

    pub(super) async fn get_parameter_history(
        &self,
        ctx: &Ctx,
        input: GetParameterHistoryRequest,
    ) -> Result<GetParameterHistoryResult, SsmError> {
        let record = self
            .lookup(ctx, &input.name)
            .ok_or_else(parameter_not_found)?;
        let decrypt = input.with_decryption.unwrap_or(false);
        let entries = record
            .versions
            .iter()
            .map(|version| (format!("{:020}", version.version), version))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        let mut parameters = Vec::new();
        for version in page.items {
            parameters.push(ParameterHistory {
                name: Some(record.name.clone()),
                r#type: Some(version.parameter_type.clone()),
                key_id: version.key_id.clone(),
                last_modified_date: Some(Timestamp::from_millis(version.modified)),
                last_modified_user: Some(version.user.clone()),
                description: version.description.clone(),
                value: Some(self.readable_value(ctx, &record.name, version, decrypt)?),
                allowed_pattern: version.allowed_pattern.clone(),
                version: Some(version.version),
                labels: Some(version.labels.clone()),
                tier: Some(version.tier.clone()),
                policies: Some(inline_policies(version).unwrap_or_default()),
                data_type: Some(version.data_type.clone()),
            });
        }
        Ok(GetParameterHistoryResult {
            parameters: Some(parameters),
            next_token: page.next,
        })
    }

    pub(super) async fn label_parameter_version(
        &self,
        ctx: &Ctx,
        input: LabelParameterVersionRequest,
    ) -> Result<LabelParameterVersionResult, SsmError> {
        let invalid = names::invalid_labels(&input.labels);
        let valid: Vec<String> = input
            .labels
            .iter()
            .filter(|label| !invalid.contains(label))
            .cloned()
            .collect();
        let name = input.name.clone();
        let number = self.parameters.modify(&key(ctx, &input.name), |slot| {
            let record = slot.as_mut().ok_or_else(parameter_not_found)?;
            let number = input
                .parameter_version
                .unwrap_or_else(|| record.latest().version);
            let index = record
                .versions
                .iter()
                .position(|v| v.version == number)
                .ok_or_else(|| {
                    SsmError::new(
                        "ParameterVersionNotFound",
                        format!(
                            "Systems Manager could not find version {number} of {name}. Verify the version and try again."
                        ),
                    )
                })?;
            for version in record.versions.iter_mut() {
                version.labels.retain(|label| !valid.contains(label));
            }
            let target = &mut record.versions[index];
            for label in &valid {
                target.labels.push(label.clone());
            }
            if target.labels.len() > MAX_LABELS {
                return Err(SsmError::new(
                    "ParameterVersionLabelLimitExceeded",
                    "An parameter version can have maximum 10 labels.Move one or more labels to another version and try again.",
                ));
            }
            Ok(number)
        })?;
        Ok(LabelParameterVersionResult {
            invalid_labels: Some(invalid),
            parameter_version: Some(number),
        })
    }

    pub(super) async fn unlabel_parameter_version(
        &self,
        ctx: &Ctx,
        input: UnlabelParameterVersionRequest,
    ) -> Result<UnlabelParameterVersionResult, SsmError> {
        let name = input.name.clone();
        let (removed, invalid) = self.parameters.modify(&key(ctx, &input.name), |slot| {
            let record = slot.as_mut().ok_or_else(parameter_not_found)?;
            let version = record
                .versions
                .iter_mut()
                .find(|v| v.version == input.parameter_version)
                .ok_or_else(|| {
                    SsmError::new(
                        "ParameterVersionNotFound",
                        format!(
                            "Systems Manager could not find version {} of {name}. Verify the version and try again.",
                            input.parameter_version
                        ),
                    )
                })?;
            let (removed, invalid): (Vec<String>, Vec<String>) = input
                .labels
                .iter()
                .cloned()
                .partition(|label| version.labels.contains(label));
            version.labels.retain(|label| !removed.contains(label));
            Ok::<_, SsmError>((removed, invalid))
        })?;
        Ok(UnlabelParameterVersionResult {
            removed_labels: Some(removed),
            invalid_labels: Some(invalid),
        })
    }
}

impl Ssm {
    /// A parameter's latest value, decrypted, for ECS container secrets: `reference` is a name
    /// (with an optional selector) or a parameter ARN of this account and Region.
    pub fn value_for(
        &self,
        account_id: &str,
        region: &str,
        reference: &str,
    ) -> Result<String, SsmError> {
        let ctx = Ctx {
            request_id: String::new(),
            account_id: account_id.to_string(),
            region: region.to_string(),
            caller: crate::services::Caller::root(account_id, ""),
        };
        let name = names::name_of(reference);
        let (record, version, _) = self.select(&ctx, &name)?;
        self.readable_value(&ctx, &record.name, &version, true)
    }
}
