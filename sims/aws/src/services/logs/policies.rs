//! Policies: resource policies (for the account, or on one log group, with revision IDs),
//! data protection policies of log groups, account policies of each type, and field index
//! policies with the field indexes they define (DescribeFieldIndexes reads each indexed field's
//! first and last event from the stored events).
//!
//! Group policies live under the group's key in their own collections and go with the group.
//! Limits: data protection policies are recorded and reported (a group shows
//! `dataProtectionStatus`) but events are not masked when read; field indexes do not speed
//! queries up (the simulator scans).

use std::collections::BTreeSet;

use sim_aws_shapes::logs::{
    AccountPolicy, DeleteAccountPolicyRequest, DeleteDataProtectionPolicyRequest,
    DeleteIndexPolicyRequest, DeleteIndexPolicyResponse, DeleteResourcePolicyRequest,
    DescribeAccountPoliciesRequest, DescribeAccountPoliciesResponse, DescribeFieldIndexesRequest,
    DescribeFieldIndexesResponse, DescribeIndexPoliciesRequest, DescribeIndexPoliciesResponse,
    DescribeResourcePoliciesRequest, DescribeResourcePoliciesResponse, FieldIndex,
    GetDataProtectionPolicyRequest, GetDataProtectionPolicyResponse, IndexPolicy,
    PutAccountPolicyRequest, PutAccountPolicyResponse, PutDataProtectionPolicyRequest,
    PutDataProtectionPolicyResponse, PutIndexPolicyRequest, PutIndexPolicyResponse,
    PutResourcePolicyRequest, PutResourcePolicyResponse, ResourcePolicy,
};

use super::token::{self, split};
use super::{Logs, LogsError, Scope, limit_exceeded};
use crate::policy::{self, PolicyKind};
use crate::services::Ctx;

/// Account-scoped resource policies a region can hold.
const MAX_RESOURCE_POLICIES: usize = 10;

/// Describe pages hold at most this many policies, and this many by default.
const MAX_DESCRIBE: usize = 50;

fn policy_not_found(name: &str) -> LogsError {
    LogsError::ResourceNotFound(format!("Policy with name [{name}] does not exist."))
}

fn malformed(error: policy::MalformedPolicy) -> LogsError {
    LogsError::InvalidParameter(error.0)
}

/// How many account policies of a type an account can hold.
fn account_policy_limit(policy_type: &str) -> usize {
    match policy_type {
        "DATA_PROTECTION_POLICY" | "SUBSCRIPTION_FILTER_POLICY" => 1,
        "TRANSFORMER_POLICY" => 20,
        "FIELD_INDEX_POLICY" => 40,
        _ => 5,
    }
}

/// Checks a data protection policy's shape: a JSON object whose statements each name data
/// identifiers and an operation (`Audit` or `Deidentify`).
fn check_data_protection(document: &str) -> Result<(), LogsError> {
    let invalid = |message: &str| LogsError::InvalidParameter(message.to_string());
    let parsed: serde_json::Value = serde_json::from_str(document)
        .map_err(|_| invalid("The policy document is not valid JSON."))?;
    let statements = parsed["Statement"]
        .as_array()
        .ok_or_else(|| invalid("The data protection policy must have a Statement array."))?;
    if statements.is_empty() {
        return Err(invalid(
            "The data protection policy must have at least one statement.",
        ));
    }
    for statement in statements {
        let identifiers = statement["DataIdentifier"].as_array();
        if identifiers.is_none_or(|identifiers| identifiers.is_empty()) {
            return Err(invalid(
                "Each statement of a data protection policy must name at least one DataIdentifier.",
            ));
        }
        let operation = &statement["Operation"];
        if operation.get("Audit").is_none() && operation.get("Deidentify").is_none() {
            return Err(invalid(
                "Each statement of a data protection policy must have an Audit or Deidentify operation.",
            ));
        }
    }
    Ok(())
}

/// The fields an index policy indexes: `{"Fields": ["a", "b"]}`.
fn indexed_fields(document: &str) -> Result<Vec<String>, LogsError> {
    let invalid = || {
        LogsError::InvalidParameter(
            "The index policy document must be a JSON object with a Fields array of field names."
                .into(),
        )
    };
    let parsed: serde_json::Value = serde_json::from_str(document).map_err(|_| invalid())?;
    let fields = parsed["Fields"].as_array().ok_or_else(invalid)?;
    fields
        .iter()
        .map(|field| field.as_str().map(str::to_string).ok_or_else(invalid))
        .collect()
}

/// Whether an account policy's selection criteria (`LogGroupNamePrefix IN ["a", "b"]` or
/// `LogGroupName NOT IN [...]`) take in `group`. Without criteria a policy takes in every group.
fn selects(criteria: Option<&str>, group: &str) -> bool {
    let Some(criteria) = criteria.map(str::trim).filter(|c| !c.is_empty()) else {
        return true;
    };
    let names = || -> Vec<String> {
        criteria
            .split_once('[')
            .and_then(|(_, rest)| rest.rsplit_once(']'))
            .map(|(inside, _)| {
                inside
                    .split(',')
                    .map(|name| name.trim().trim_matches('"').to_string())
                    .filter(|name| !name.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    if criteria.starts_with("LogGroupNamePrefix IN") {
        names()
            .iter()
            .any(|prefix| group.starts_with(prefix.as_str()))
    } else if criteria.starts_with("LogGroupName NOT IN") {
        !names().iter().any(|name| name == group)
    } else {
        false
    }
}

impl Logs {
    pub(crate) async fn put_resource_policy(
        &self,
        ctx: &Ctx,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, LogsError> {
        let scope = Scope::of(ctx);
        let document = input.policy_document.clone().ok_or_else(|| {
            LogsError::InvalidParameter("policyDocument must be specified.".into())
        })?;
        policy::check(&document, PolicyKind::Resource).map_err(malformed)?;
        let now = self.now();
        if let Some(arn) = &input.resource_arn {
            // A policy on one log group, guarded by its revision ID.
            let group = scope.group_in_arn(arn)?;
            self.group(&scope, &group)?;
            let revision = self.kit.ids().uuid();
            let key = scope.group_key(&format!("resource\0{group}"));
            let stored = self.resource_policies.modify(&key, |slot| {
                let current = slot.as_ref().and_then(|policy| policy.revision_id.clone());
                if current != input.expected_revision_id && current.is_some() {
                    return Err(LogsError::InvalidParameter(
                        "The expectedRevisionId does not match the policy's current revision."
                            .into(),
                    ));
                }
                let policy = ResourcePolicy {
                    policy_name: input.policy_name.clone(),
                    policy_document: Some(document.clone()),
                    last_updated_time: Some(now),
                    policy_scope: Some("RESOURCE".into()),
                    resource_arn: Some(scope.group_arn(&group)),
                    revision_id: Some(revision.clone()),
                };
                *slot = Some(policy.clone());
                Ok(policy)
            })?;
            return Ok(PutResourcePolicyResponse {
                resource_policy: Some(stored),
                revision_id: Some(revision),
            });
        }
        let name = input
            .policy_name
            .clone()
            .ok_or_else(|| LogsError::InvalidParameter("policyName must be specified.".into()))?;
        let key = scope.group_key(&format!("account\0{name}"));
        let existing = self
            .resource_policies
            .scan_prefix(&scope.group_key("account\0"));
        if !existing.iter().any(|(found, _)| *found == key)
            && existing.len() >= MAX_RESOURCE_POLICIES
        {
            return Err(limit_exceeded());
        }
        let policy = ResourcePolicy {
            policy_name: Some(name),
            policy_document: Some(document),
            last_updated_time: Some(now),
            policy_scope: Some("ACCOUNT".into()),
            resource_arn: None,
            revision_id: None,
        };
        self.resource_policies.insert(&key, policy.clone())?;
        Ok(PutResourcePolicyResponse {
            resource_policy: Some(policy),
            revision_id: None,
        })
    }

    pub(crate) async fn describe_resource_policies(
        &self,
        ctx: &Ctx,
        input: DescribeResourcePoliciesRequest,
    ) -> Result<DescribeResourcePoliciesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let prefix = match (&input.resource_arn, input.policy_scope.as_deref()) {
            (Some(arn), _) => {
                let group = scope.group_in_arn(arn)?;
                self.group(&scope, &group)?;
                scope.group_key(&format!("resource\0{group}"))
            }
            (None, Some("RESOURCE")) => scope.group_key("resource\0"),
            (None, _) => scope.group_key("account\0"),
        };
        let entries = self.resource_policies.scan_prefix(&prefix);
        let page = token::page(
            "resource-policies",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeResourcePoliciesResponse {
            resource_policies: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_resource_policy(
        &self,
        ctx: &Ctx,
        input: DeleteResourcePolicyRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        if let Some(arn) = &input.resource_arn {
            let group = scope.group_in_arn(arn)?;
            let key = scope.group_key(&format!("resource\0{group}"));
            return self.resource_policies.modify(&key, |slot| {
                let Some(current) = slot.as_ref() else {
                    return Err(LogsError::ResourceNotFound(format!(
                        "No resource policy exists for {arn}."
                    )));
                };
                if input.expected_revision_id.is_some()
                    && current.revision_id != input.expected_revision_id
                {
                    return Err(LogsError::InvalidParameter(
                        "The expectedRevisionId does not match the policy's current revision."
                            .into(),
                    ));
                }
                *slot = None;
                Ok(())
            });
        }
        let name = input.policy_name.unwrap_or_default();
        self.resource_policies
            .remove(&scope.group_key(&format!("account\0{name}")))?
            .ok_or_else(|| policy_not_found(&name))?;
        Ok(())
    }

    pub(crate) async fn put_data_protection_policy(
        &self,
        ctx: &Ctx,
        input: PutDataProtectionPolicyRequest,
    ) -> Result<PutDataProtectionPolicyResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier.clone()))?;
        self.group(&scope, &group)?;
        check_data_protection(&input.policy_document)?;
        let policy = GetDataProtectionPolicyResponse {
            log_group_identifier: Some(input.log_group_identifier),
            policy_document: Some(input.policy_document),
            last_updated_time: Some(self.now()),
        };
        self.data_protection_policies
            .insert(&scope.group_key(&group), policy.clone())?;
        Ok(PutDataProtectionPolicyResponse {
            log_group_identifier: policy.log_group_identifier,
            policy_document: policy.policy_document,
            last_updated_time: policy.last_updated_time,
        })
    }

    pub(crate) async fn get_data_protection_policy(
        &self,
        ctx: &Ctx,
        input: GetDataProtectionPolicyRequest,
    ) -> Result<GetDataProtectionPolicyResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier.clone()))?;
        self.group(&scope, &group)?;
        Ok(self
            .data_protection_policies
            .get(&scope.group_key(&group))
            .map(|policy| GetDataProtectionPolicyResponse {
                log_group_identifier: Some(input.log_group_identifier.clone()),
                ..policy
            })
            .unwrap_or(GetDataProtectionPolicyResponse {
                log_group_identifier: Some(input.log_group_identifier),
                policy_document: None,
                last_updated_time: None,
            }))
    }

    pub(crate) async fn delete_data_protection_policy(
        &self,
        ctx: &Ctx,
        input: DeleteDataProtectionPolicyRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier))?;
        self.group(&scope, &group)?;
        self.data_protection_policies
            .remove(&scope.group_key(&group))?
            .ok_or_else(|| {
                LogsError::ResourceNotFound(
                    "The specified log group has no data protection policy.".into(),
                )
            })?;
        Ok(())
    }

    /// `dataProtectionStatus` and `inheritedProperties` of a described group.
    pub(crate) fn data_protection_of(
        &self,
        scope: &Scope,
        group: &str,
    ) -> (Option<String>, Option<Vec<String>>) {
        let own = self
            .data_protection_policies
            .contains(&scope.group_key(group));
        let inherited = self
            .account_policies
            .scan_prefix(&scope.group_key("DATA_PROTECTION_POLICY\0"))
            .into_iter()
            .any(|(_, policy)| selects(policy.selection_criteria.as_deref(), group));
        let status = (own || inherited).then(|| "ACTIVATED".to_string());
        let inherited = inherited.then(|| vec!["ACCOUNT_DATA_PROTECTION".to_string()]);
        (status, inherited)
    }

    pub(crate) async fn put_account_policy(
        &self,
        ctx: &Ctx,
        input: PutAccountPolicyRequest,
    ) -> Result<PutAccountPolicyResponse, LogsError> {
        let scope = Scope::of(ctx);
        match input.policy_type.as_str() {
            "DATA_PROTECTION_POLICY" => check_data_protection(&input.policy_document)?,
            "FIELD_INDEX_POLICY" => {
                indexed_fields(&input.policy_document)?;
            }
            _ => {
                serde_json::from_str::<serde_json::Value>(&input.policy_document).map_err(
                    |_| {
                        LogsError::InvalidParameter("The policy document is not valid JSON.".into())
                    },
                )?;
            }
        }
        let prefix = scope.group_key(&format!("{}\0", input.policy_type));
        let key = format!("{prefix}{}", input.policy_name);
        let existing = self.account_policies.scan_prefix(&prefix);
        if !existing.iter().any(|(found, _)| *found == key)
            && existing.len() >= account_policy_limit(&input.policy_type)
        {
            return Err(limit_exceeded());
        }
        let policy = AccountPolicy {
            policy_name: Some(input.policy_name),
            policy_document: Some(input.policy_document),
            last_updated_time: Some(self.now()),
            policy_type: Some(input.policy_type),
            scope: Some(input.scope.unwrap_or_else(|| "ALL".into())),
            selection_criteria: input.selection_criteria,
            account_id: Some(ctx.account_id.clone()),
        };
        self.account_policies.insert(&key, policy.clone())?;
        Ok(PutAccountPolicyResponse {
            account_policy: Some(policy),
        })
    }

    pub(crate) async fn describe_account_policies(
        &self,
        ctx: &Ctx,
        input: DescribeAccountPoliciesRequest,
    ) -> Result<DescribeAccountPoliciesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let prefix = scope.group_key(&format!("{}\0", input.policy_type));
        let entries = self
            .account_policies
            .scan_prefix(&prefix)
            .into_iter()
            .filter(|(_, policy)| {
                input
                    .policy_name
                    .as_ref()
                    .is_none_or(|name| policy.policy_name.as_ref() == Some(name))
                    && input
                        .account_identifiers
                        .as_ref()
                        .is_none_or(|accounts| accounts.contains(&ctx.account_id))
            })
            .collect();
        let page = token::page(
            "account-policies",
            entries,
            input.next_token.as_deref(),
            MAX_DESCRIBE,
        )?;
        Ok(DescribeAccountPoliciesResponse {
            account_policies: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_account_policy(
        &self,
        ctx: &Ctx,
        input: DeleteAccountPolicyRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let key = scope.group_key(&format!("{}\0{}", input.policy_type, input.policy_name));
        self.account_policies
            .remove(&key)?
            .ok_or_else(|| policy_not_found(&input.policy_name))?;
        Ok(())
    }

    pub(crate) async fn put_index_policy(
        &self,
        ctx: &Ctx,
        input: PutIndexPolicyRequest,
    ) -> Result<PutIndexPolicyResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier.clone()))?;
        self.group(&scope, &group)?;
        indexed_fields(&input.policy_document)?;
        let policy = IndexPolicy {
            log_group_identifier: Some(input.log_group_identifier),
            last_update_time: Some(self.now()),
            policy_document: Some(input.policy_document),
            policy_name: None,
            source: Some("LOG_GROUP".into()),
        };
        self.index_policies
            .insert(&scope.group_key(&group), policy.clone())?;
        Ok(PutIndexPolicyResponse {
            index_policy: Some(policy),
        })
    }

    pub(crate) async fn delete_index_policy(
        &self,
        ctx: &Ctx,
        input: DeleteIndexPolicyRequest,
    ) -> Result<DeleteIndexPolicyResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier))?;
        self.group(&scope, &group)?;
        self.index_policies
            .remove(&scope.group_key(&group))?
            .ok_or_else(|| {
                LogsError::ResourceNotFound("The specified log group has no index policy.".into())
            })?;
        Ok(DeleteIndexPolicyResponse {})
    }

    /// The index policy that applies to a group: its own, else an account policy selecting it.
    fn index_policy_of(&self, scope: &Scope, identifier: &str, group: &str) -> Option<IndexPolicy> {
        if let Some(own) = self.index_policies.get(&scope.group_key(group)) {
            return Some(IndexPolicy {
                log_group_identifier: Some(identifier.to_string()),
                ..own
            });
        }
        self.account_policies
            .scan_prefix(&scope.group_key("FIELD_INDEX_POLICY\0"))
            .into_iter()
            .map(|(_, policy)| policy)
            .find(|policy| selects(policy.selection_criteria.as_deref(), group))
            .map(|policy| IndexPolicy {
                log_group_identifier: Some(identifier.to_string()),
                last_update_time: policy.last_updated_time,
                policy_document: policy.policy_document,
                policy_name: policy.policy_name,
                source: Some("ACCOUNT".into()),
            })
    }

    /// Whether the index policy that applies to a group indexes any of `names`.
    pub(crate) fn indexes_any_field(&self, scope: &Scope, group: &str, names: &[String]) -> bool {
        self.index_policy_of(scope, group, group)
            .and_then(|policy| indexed_fields(policy.policy_document.as_deref()?).ok())
            .is_some_and(|fields| names.iter().any(|name| fields.contains(name)))
    }

    pub(crate) async fn describe_index_policies(
        &self,
        ctx: &Ctx,
        input: DescribeIndexPoliciesRequest,
    ) -> Result<DescribeIndexPoliciesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let mut entries = Vec::new();
        for identifier in input.log_group_identifiers {
            let group = scope.group_named(None, Some(identifier.clone()))?;
            self.group(&scope, &group)?;
            if let Some(policy) = self.index_policy_of(&scope, &identifier, &group) {
                entries.push((group, policy));
            }
        }
        let page = token::page(
            "index-policies",
            entries,
            input.next_token.as_deref(),
            MAX_DESCRIBE,
        )?;
        Ok(DescribeIndexPoliciesResponse {
            index_policies: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn describe_field_indexes(
        &self,
        ctx: &Ctx,
        input: DescribeFieldIndexesRequest,
    ) -> Result<DescribeFieldIndexesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let now = self.now();
        let mut entries = Vec::new();
        for identifier in input.log_group_identifiers {
            let group = scope.group_named(None, Some(identifier.clone()))?;
            self.group(&scope, &group)?;
            let Some(policy) = self.index_policy_of(&scope, &identifier, &group) else {
                continue;
            };
            let fields: BTreeSet<String> =
                indexed_fields(policy.policy_document.as_deref().unwrap_or("{}"))
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
            // The first and last event that carries each field, from the stored events.
            let mut seen: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
            self.scan_group(&scope, &group, 0, i64::MAX, |_, position, event| {
                let Ok(serde_json::Value::Object(object)) =
                    serde_json::from_str::<serde_json::Value>(&event.message)
                else {
                    return;
                };
                let (timestamp, _) = split(position);
                for field in fields.iter().filter(|field| object.contains_key(*field)) {
                    let span = seen.entry(field.clone()).or_insert((timestamp, timestamp));
                    span.0 = span.0.min(timestamp);
                    span.1 = span.1.max(timestamp);
                }
            });
            for field in fields {
                let span = seen.get(&field).copied();
                entries.push((
                    format!("{group}\0{field}"),
                    FieldIndex {
                        log_group_identifier: Some(identifier.clone()),
                        field_index_name: Some(field),
                        last_scan_time: Some(now),
                        first_event_time: span.map(|(first, _)| first),
                        last_event_time: span.map(|(_, last)| last),
                        r#type: Some("FIELD_INDEX".into()),
                    },
                ));
            }
        }
        let page = token::page(
            "field-indexes",
            entries,
            input.next_token.as_deref(),
            MAX_DESCRIBE,
        )?;
        Ok(DescribeFieldIndexesResponse {
            field_indexes: Some(page.items),
            next_token: page.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_criteria_take_in_groups_by_prefix_or_exclusion() {
        assert!(selects(None, "/any"));
        let prefixes = r#"LogGroupNamePrefix IN ["/app/", "/web"]"#;
        assert!(selects(Some(prefixes), "/app/x"));
        assert!(selects(Some(prefixes), "/webserver"));
        assert!(!selects(Some(prefixes), "/other"));
        let excluded = r#"LogGroupName NOT IN ["/a", "/b"]"#;
        assert!(!selects(Some(excluded), "/a"));
        assert!(selects(Some(excluded), "/c"));
    }

    #[test]
    fn policy_documents_are_checked_for_their_shape() {
        assert_eq!(
            indexed_fields(r#"{"Fields": ["a", "b"]}"#).unwrap(),
            ["a", "b"]
        );
        assert!(indexed_fields(r#"{"Fields": [1]}"#).is_err());
        assert!(indexed_fields("nope").is_err());
        let good = r#"{"Name":"p","Version":"2021-06-01","Statement":[
            {"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Audit":{"FindingsDestination":{}}}},
            {"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Deidentify":{"MaskConfig":{}}}}]}"#;
        assert!(check_data_protection(good).is_ok());
        assert!(check_data_protection(r#"{"Statement":[]}"#).is_err());
        assert!(check_data_protection(r#"{"Statement":[{"DataIdentifier":["x"]}]}"#).is_err());
    }
}
