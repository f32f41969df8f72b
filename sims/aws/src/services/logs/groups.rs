//! Log groups: create, delete, describe (with prefix, pattern and identifier filters and
//! paging), retention, deletion protection, and tags by name (TagLogGroup and friends).

use std::collections::{BTreeMap, BTreeSet};

use sim_aws_shapes::logs::{
    CreateLogGroupRequest, DeleteLogGroupRequest, DeleteRetentionPolicyRequest,
    DescribeLogGroupsRequest, DescribeLogGroupsResponse, ListTagsLogGroupRequest,
    ListTagsLogGroupResponse, LogGroup, PutLogGroupDeletionProtectionRequest,
    PutRetentionPolicyRequest, TagLogGroupRequest, UntagLogGroupRequest,
};

use super::tags::{MAX_TAGS, Tagged, add_tags};
use super::token::{opaque, parse_opaque};
use super::{GroupRecord, Logs, LogsError, Scope, group_not_found, protected, walk};
use crate::services::Ctx;

/// The retention periods AWS accepts, in days.
const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Describe pages hold at most this many groups, and this many by default.
const MAX_DESCRIBE: usize = 50;

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

impl GroupRecord {
    pub(crate) fn output(&self, scope: &Scope, view: GroupView, metric_filters: i32) -> LogGroup {
        let log_group_arn = scope.group_arn(&self.name);
        let full = view == GroupView::Full;
        LogGroup {
            log_group_name: Some(self.name.clone()),
            creation_time: Some(self.creation_time),
            retention_in_days: self.retention_in_days,
            metric_filter_count: Some(metric_filters),
            arn: Some(format!("{log_group_arn}:*")),
            stored_bytes: full.then_some(self.stored_bytes),
            kms_key_id: self.kms_key_id.clone(),
            log_group_class: Some(self.log_group_class.clone()),
            log_group_arn: Some(log_group_arn),
            deletion_protection_enabled: full.then_some(self.deletion_protection_enabled),
            ..LogGroup::default()
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
                    .map(|group| {
                        let count = self.metric_filter_count(&scope, &group.name);
                        group.output(&scope, view, count)
                    })
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
}
