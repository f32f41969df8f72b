//! Log groups: create, delete, describe (with prefix, pattern and identifier filters and
//! paging), ListLogGroups (by name pattern, class, tags and indexed fields), retention,
//! deletion protection, KMS keys (recorded, not used), bearer token authentication, and tags by
//! name (TagLogGroup and friends).

use std::collections::{BTreeMap, BTreeSet};

use sim_aws_shapes::logs::{
    AssociateKmsKeyRequest, CreateLogGroupRequest, DeleteLogGroupRequest,
    DeleteRetentionPolicyRequest, DescribeLogGroupsRequest, DescribeLogGroupsResponse,
    DisassociateKmsKeyRequest, ListAggregateLogGroupSummariesRequest,
    ListAggregateLogGroupSummariesResponse, ListLogGroupsRequest, ListLogGroupsResponse,
    ListTagsLogGroupRequest, ListTagsLogGroupResponse, LogGroup, LogGroupSummary,
    PutBearerTokenAuthenticationRequest, PutLogGroupDeletionProtectionRequest,
    PutRetentionPolicyRequest, TagFilter, TagLogGroupRequest, UntagLogGroupRequest,
};

use super::tags::{MAX_TAGS, Tagged, add_tags};
use super::token::{self, opaque, parse_opaque};
use super::{GroupRecord, Logs, LogsError, Scope, group_not_found, protected, walk};
use crate::services::Ctx;

/// The retention periods AWS accepts, in days.
const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Describe pages hold at most this many groups, and this many by default.
const MAX_DESCRIBE: usize = 50;

/// ListLogGroups pages hold this many groups by default.
const MAX_LIST: usize = 50;

/// The setting that holds the KMS key of the account's query results.
pub(crate) const QUERY_RESULTS_KEY: &str = "\0query-results-kms-key";

/// What creating a group takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewGroup {
    pub name: String,
    pub kms_key_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub log_group_class: Option<String>,
    pub deletion_protection_enabled: bool,
}

impl NewGroup {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }
}

/// Which members a described group carries: a listing by `logGroupNamePattern` leaves out
/// `storedBytes` and `deletionProtectionEnabled`, as AWS does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupView {
    Full,
    ByPattern,
}

impl super::tags::HasTags for GroupRecord {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.tags
    }
}

impl Logs {
    /// A group as DescribeLogGroups shows it, with the members other records decide.
    pub(crate) fn describe_group(
        &self,
        scope: &Scope,
        group: &GroupRecord,
        view: GroupView,
    ) -> LogGroup {
        let log_group_arn = scope.group_arn(&group.name);
        let full = view == GroupView::Full;
        let (data_protection_status, inherited_properties) =
            self.data_protection_of(scope, &group.name);
        LogGroup {
            log_group_name: Some(group.name.clone()),
            creation_time: Some(group.creation_time),
            retention_in_days: group.retention_in_days,
            metric_filter_count: Some(self.metric_filter_count(scope, &group.name)),
            arn: Some(format!("{log_group_arn}:*")),
            stored_bytes: full.then_some(group.stored_bytes),
            kms_key_id: group.kms_key_id.clone(),
            data_protection_status,
            inherited_properties,
            log_group_class: Some(group.log_group_class.clone()),
            log_group_arn: Some(log_group_arn),
            deletion_protection_enabled: full.then_some(group.deletion_protection_enabled),
            bearer_token_authentication_enabled: group.bearer_token_authentication_enabled,
        }
    }
}

impl Logs {
    pub(crate) fn create_group(&self, scope: &Scope, new: NewGroup) -> Result<(), LogsError> {
        // AWS keeps `aws/` for its own groups (theirs start with `/aws/`, which is allowed).
        if new.name.starts_with("aws/") {
            return Err(LogsError::InvalidParameter(
                "Log group names can't start with the string aws/".into(),
            ));
        }
        if new.tags.len() > MAX_TAGS {
            return Err(LogsError::InvalidParameter(format!(
                "A resource can have no more than {MAX_TAGS} tags."
            )));
        }
        let record = GroupRecord {
            name: new.name.clone(),
            creation_time: self.now(),
            retention_in_days: None,
            kms_key_id: new.kms_key_id,
            log_group_class: new.log_group_class.unwrap_or_else(|| "STANDARD".into()),
            deletion_protection_enabled: new.deletion_protection_enabled,
            tags: new.tags,
            stored_bytes: 0,
            bearer_token_authentication_enabled: None,
        };
        self.groups.modify(&scope.group_key(&new.name), |slot| {
            if slot.is_some() {
                return Err(LogsError::ResourceAlreadyExists(
                    "The specified log group already exists".into(),
                ));
            }
            *slot = Some(record);
            Ok(())
        })
    }

    /// Changes a group in place; `ResourceNotFound` if it is missing.
    pub(crate) fn change_group<R>(
        &self,
        scope: &Scope,
        group: &str,
        change: impl FnOnce(&mut GroupRecord) -> Result<R, LogsError>,
    ) -> Result<R, LogsError> {
        self.groups
            .modify(&scope.group_key(group), |slot| match slot.as_mut() {
                Some(record) => change(record),
                None => Err(group_not_found()),
            })
    }

    pub(crate) async fn create_log_group(
        &self,
        ctx: &Ctx,
        input: CreateLogGroupRequest,
    ) -> Result<(), LogsError> {
        // AWS keeps `aws/...` for its own services' groups, whatever the case.
        if input
            .log_group_name
            .to_ascii_lowercase()
            .starts_with("aws/")
        {
            return Err(LogsError::InvalidParameter(
                "Log groups starting with AWS/ are reserved for AWS.".into(),
            ));
        }
        self.create_group(
            &Scope::of(ctx),
            NewGroup {
                name: input.log_group_name,
                kms_key_id: input.kms_key_id,
                tags: input.tags.unwrap_or_default(),
                log_group_class: input.log_group_class,
                deletion_protection_enabled: input.deletion_protection_enabled.unwrap_or(false),
            },
        )
    }

    pub(crate) async fn delete_log_group(
        &self,
        ctx: &Ctx,
        input: DeleteLogGroupRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let _writer = self.write_lock();
        if self
            .group(&scope, &input.log_group_name)?
            .deletion_protection_enabled
        {
            return Err(protected());
        }
        // One transaction: a deletion cut short by a crash leaves the group whole.
        let children = scope.group_children(&input.log_group_name);
        self.kit.store().transaction(|txn| {
            txn.remove_prefix(&self.events, &children)?;
            txn.remove_prefix(&self.streams, &children)?;
            txn.remove_prefix(&self.metric_filters, &children)?;
            txn.remove_prefix(&self.subscription_filters, &children)?;
            // The group's own policies and transformer are keyed by the group itself.
            let own = scope.group_key(&input.log_group_name);
            txn.remove(&self.data_protection_policies, &own)?;
            txn.remove(&self.index_policies, &own)?;
            txn.remove(&self.transformers, &own)?;
            txn.remove(
                &self.resource_policies,
                &scope.group_key(&format!("resource\0{}", input.log_group_name)),
            )?;
            txn.remove(&self.groups, &scope.group_key(&input.log_group_name))?;
            Ok::<_, LogsError>(())
        })
    }

    pub(crate) async fn describe_log_groups(
        &self,
        ctx: &Ctx,
        input: DescribeLogGroupsRequest,
    ) -> Result<DescribeLogGroupsResponse, LogsError> {
        let scope = Scope::of(ctx);
        if input.log_group_name_prefix.is_some() && input.log_group_name_pattern.is_some() {
            return Err(LogsError::InvalidParameter(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
                    .into(),
            ));
        }
        if input.log_group_identifiers.is_some()
            && (input.log_group_name_prefix.is_some() || input.log_group_name_pattern.is_some())
        {
            return Err(LogsError::InvalidParameter(
                "logGroupIdentifiers cannot be used with logGroupNamePrefix or logGroupNamePattern."
                    .into(),
            ));
        }
        // Identifiers of other accounts or regions name nothing here, so they match nothing.
        let wanted: Option<BTreeSet<String>> = input.log_group_identifiers.map(|identifiers| {
            identifiers
                .into_iter()
                .filter_map(|identifier| scope.group_named(None, Some(identifier)).ok())
                .collect()
        });
        let limit = input
            .limit
            .map_or(MAX_DESCRIBE, |limit| limit.clamp(1, 50) as usize);
        let resume = match &input.next_token {
            Some(token) => Some(scope.group_key(&parse_opaque("groups", token)?)),
            None => None,
        };
        let prefix = scope.group_key(input.log_group_name_prefix.as_deref().unwrap_or(""));
        let mut page = Vec::new();
        let mut more = false;
        walk(&self.groups, &prefix, resume, false, |_, group| {
            let fits = input
                .log_group_name_pattern
                .as_deref()
                .is_none_or(|pattern| group.name.contains(pattern))
                && input
                    .log_group_class
                    .as_deref()
                    .is_none_or(|class| group.log_group_class == class)
                && wanted
                    .as_ref()
                    .is_none_or(|names| names.contains(&group.name));
            if !fits {
                return true;
            }
            if page.len() == limit {
                more = true;
                return false;
            }
            page.push(group);
            true
        });
        let next_token = match page.last() {
            Some(last) if more => Some(opaque("groups", &last.name)),
            _ => None,
        };
        let view = if input.log_group_name_pattern.is_some() {
            GroupView::ByPattern
        } else {
            GroupView::Full
        };
        Ok(DescribeLogGroupsResponse {
            log_groups: Some(
                page.iter()
                    .map(|group| self.describe_group(&scope, group, view))
                    .collect(),
            ),
            next_token,
        })
    }

    pub(crate) async fn put_retention_policy(
        &self,
        ctx: &Ctx,
        input: PutRetentionPolicyRequest,
    ) -> Result<(), LogsError> {
        let days = input.retention_in_days;
        if !RETENTION_DAYS.contains(&days) {
            let allowed: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
            return Err(LogsError::InvalidParameter(format!(
                "1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            )));
        }
        self.change_group(&Scope::of(ctx), &input.log_group_name, |record| {
            record.retention_in_days = Some(days);
            Ok(())
        })
    }

    pub(crate) async fn delete_retention_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRetentionPolicyRequest,
    ) -> Result<(), LogsError> {
        self.change_group(&Scope::of(ctx), &input.log_group_name, |record| {
            record.retention_in_days = None;
            Ok(())
        })
    }

    pub(crate) async fn put_log_group_deletion_protection(
        &self,
        ctx: &Ctx,
        input: PutLogGroupDeletionProtectionRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier))?;
        self.change_group(&scope, &group, |record| {
            record.deletion_protection_enabled = input.deletion_protection_enabled;
            Ok(())
        })
    }

    pub(crate) async fn tag_log_group(
        &self,
        ctx: &Ctx,
        input: TagLogGroupRequest,
    ) -> Result<(), LogsError> {
        // TagLogGroup reports too many tags as a plain InvalidParameterException.
        let scope = Scope::of(ctx);
        let resource = Tagged::Group(input.log_group_name);
        self.change_tags(&scope, &resource, |tags| {
            add_tags(tags, input.tags).map_err(LogsError::InvalidParameter)
        })
    }

    pub(crate) async fn untag_log_group(
        &self,
        ctx: &Ctx,
        input: UntagLogGroupRequest,
    ) -> Result<(), LogsError> {
        let resource = Tagged::Group(input.log_group_name);
        self.change_tags(&Scope::of(ctx), &resource, |tags| {
            for key in &input.tags {
                tags.remove(key);
            }
            Ok(())
        })
    }

    pub(crate) async fn list_tags_log_group(
        &self,
        ctx: &Ctx,
        input: ListTagsLogGroupRequest,
    ) -> Result<ListTagsLogGroupResponse, LogsError> {
        let resource = Tagged::Group(input.log_group_name);
        Ok(ListTagsLogGroupResponse {
            tags: Some(self.resource_tags(&Scope::of(ctx), &resource)?),
        })
    }

    pub(crate) async fn list_log_groups(
        &self,
        ctx: &Ctx,
        input: ListLogGroupsRequest,
    ) -> Result<ListLogGroupsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let mut entries = Vec::new();
        walk(
            &self.groups,
            &scope.group_key(""),
            None,
            false,
            |_, group| {
                let wanted = input
                .log_group_name_pattern
                .as_deref()
                .is_none_or(|pattern| name_pattern_matches(pattern, &group.name))
                && input
                    .log_group_class
                    .as_deref()
                    .is_none_or(|class| group.log_group_class == class)
                && input
                    .log_group_tags
                    .iter()
                    .flatten()
                    .all(|filter| tag_filter_matches(filter, &group.tags))
                // The simulator's groups come from no vended data source.
                && input.data_sources.as_ref().is_none_or(Vec::is_empty)
                && input.field_index_names.as_ref().is_none_or(|names| {
                    self.indexes_any_field(&scope, &group.name, names)
                });
                if wanted {
                    entries.push((
                        group.name.clone(),
                        LogGroupSummary {
                            log_group_arn: Some(scope.group_arn(&group.name)),
                            log_group_class: Some(group.log_group_class.clone()),
                            log_group_name: Some(group.name),
                        },
                    ));
                }
                true
            },
        );
        let page = token::page(
            "list-groups",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_LIST, |limit| limit as usize),
        )?;
        Ok(ListLogGroupsResponse {
            log_groups: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn list_aggregate_log_group_summaries(
        &self,
        _ctx: &Ctx,
        input: ListAggregateLogGroupSummariesRequest,
    ) -> Result<ListAggregateLogGroupSummariesResponse, LogsError> {
        // Summaries group log groups by the data source (a vended log type) they hold; no
        // group of the simulator holds one, so there is nothing to summarise.
        token::page::<()>(
            "aggregate-summaries",
            Vec::new(),
            input.next_token.as_deref(),
            1,
        )?;
        Ok(ListAggregateLogGroupSummariesResponse {
            aggregate_log_group_summaries: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(crate) async fn associate_kms_key(
        &self,
        ctx: &Ctx,
        input: AssociateKmsKeyRequest,
    ) -> Result<(), LogsError> {
        self.set_kms_key(
            ctx,
            input.log_group_name,
            input.resource_identifier,
            Some(input.kms_key_id),
        )
    }

    pub(crate) async fn disassociate_kms_key(
        &self,
        ctx: &Ctx,
        input: DisassociateKmsKeyRequest,
    ) -> Result<(), LogsError> {
        self.set_kms_key(ctx, input.log_group_name, input.resource_identifier, None)
    }

    /// Records (or clears) the KMS key of a group, or of the account's query results
    /// (`arn:aws:logs:REGION:ACCOUNT:query-result:*`). Keys are recorded, not used.
    fn set_kms_key(
        &self,
        ctx: &Ctx,
        name: Option<String>,
        resource: Option<String>,
        key: Option<String>,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let query_results = ctx.arn("logs", "query-result:*");
        let group = match (name, resource) {
            (Some(name), None) => name,
            (None, Some(resource)) if resource == query_results => {
                let setting = scope.group_key(QUERY_RESULTS_KEY);
                match key {
                    Some(key) => {
                        self.settings.insert(&setting, key)?;
                    }
                    None => {
                        self.settings.remove(&setting)?.ok_or_else(|| {
                            LogsError::ResourceNotFound(
                                "No KMS key is associated with query results.".into(),
                            )
                        })?;
                    }
                }
                return Ok(());
            }
            (None, Some(resource)) => scope.group_in_arn(&resource)?,
            _ => {
                return Err(LogsError::InvalidParameter(
                    "Exactly one of logGroupName and resourceIdentifier must be specified.".into(),
                ));
            }
        };
        self.change_group(&scope, &group, |record| {
            record.kms_key_id = key;
            Ok(())
        })
    }

    pub(crate) async fn put_bearer_token_authentication(
        &self,
        ctx: &Ctx,
        input: PutBearerTokenAuthenticationRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier))?;
        self.change_group(&scope, &group, |record| {
            record.bearer_token_authentication_enabled =
                Some(input.bearer_token_authentication_enabled);
            Ok(())
        })
    }
}

/// ListLogGroups' `logGroupNamePattern`: alternatives separated by `|`, each a substring of
/// the name, or its prefix when it starts with `^`. Case-sensitive, as AWS documents.
fn name_pattern_matches(pattern: &str, name: &str) -> bool {
    pattern
        .split('|')
        .any(|alternative| match alternative.strip_prefix('^') {
            Some(prefix) => name.starts_with(prefix),
            None => name.contains(alternative),
        })
}

/// A tag filter: the group has the key and, when values are given, a value matching one of
/// them (`*` at either end is a wildcard, a leading `!` negates).
fn tag_filter_matches(filter: &TagFilter, tags: &BTreeMap<String, String>) -> bool {
    let Some(value) = tags.get(&filter.key) else {
        return false;
    };
    let Some(values) = filter.values.as_ref().filter(|values| !values.is_empty()) else {
        return true;
    };
    values.iter().any(|wanted| {
        let (negated, wanted) = match wanted.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, wanted.as_str()),
        };
        let (starts, wanted) = match wanted.strip_prefix('*') {
            Some(rest) => (true, rest),
            None => (false, wanted),
        };
        let (ends, wanted) = match wanted.strip_suffix('*') {
            Some(rest) => (true, rest),
            None => (false, wanted),
        };
        let found = match (starts, ends) {
            (true, true) => value.contains(wanted),
            (true, false) => value.ends_with(wanted),
            (false, true) => value.starts_with(wanted),
            (false, false) => value == wanted,
        };
        found != negated
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns_match_prefixes_and_substrings() {
        assert!(name_pattern_matches(
            "^/aws/lambda|discovery",
            "/aws/lambda/f"
        ));
        assert!(name_pattern_matches(
            "^/aws/lambda|discovery",
            "/x/discovery/y"
        ));
        assert!(!name_pattern_matches("^/aws/lambda|discovery", "/x/lambda"));
        assert!(!name_pattern_matches("^lambda", "/aws/lambda"));
        assert!(!name_pattern_matches("Discovery", "discovery"));
    }

    #[test]
    fn tag_filters_match_keys_values_wildcards_and_negations() {
        let tags: BTreeMap<String, String> = [("env".to_string(), "production".to_string())].into();
        let filter = |key: &str, values: &[&str]| TagFilter {
            key: key.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        };
        assert!(tag_filter_matches(&filter("env", &[]), &tags));
        assert!(tag_filter_matches(&filter("env", &["prod*"]), &tags));
        assert!(tag_filter_matches(&filter("env", &["*duct*"]), &tags));
        assert!(!tag_filter_matches(&filter("env", &["dev"]), &tags));
        assert!(tag_filter_matches(&filter("env", &["!dev"]), &tags));
        assert!(!tag_filter_matches(&filter("team", &[]), &tags));
    }
}
