//! Tags on every Logs resource that carries them: TagResource, UntagResource and
//! ListTagsForResource resolve an ARN to its resource ([`Tagged`]) and change the tags kept in
//! that resource's own record, so a tag and its resource are written and deleted together.
//!
//! A Logs ARN of another account or region names nothing here, nor does a resource type Logs
//! does not tag.

use std::collections::BTreeMap;

use sim_aws_shapes::logs::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, TagResourceRequest,
    UntagResourceRequest,
};
use simkit::store::{Collection, Record};

use super::{Logs, LogsError, Scope, group_not_found};
use crate::services::Ctx;

/// Tags a resource can carry.
pub(crate) const MAX_TAGS: usize = 50;

/// A taggable resource, by its key in this account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tagged {
    Group(String),
    Destination(String),
    DeliverySource(String),
    DeliveryDestination(String),
    Delivery(String),
    AnomalyDetector(String),
    LookupTable(String),
    ScheduledQuery(String),
}

/// A stored record with tags of its own.
pub(crate) trait HasTags {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String>;
}

/// Merges `added` into `tags`, refusing (with AWS's message) to go past [`MAX_TAGS`].
pub(crate) fn add_tags(
    tags: &mut BTreeMap<String, String>,
    added: BTreeMap<String, String>,
) -> Result<(), String> {
    let mut merged = tags.clone();
    merged.extend(added);
    if merged.len() > MAX_TAGS {
        return Err(format!("A resource can have no more than {MAX_TAGS} tags."));
    }
    *tags = merged;
    Ok(())
}

fn resource_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified resource does not exist.".into())
}

impl Scope {
    /// The resource a Logs ARN names in this account and region.
    pub(crate) fn tagged(&self, arn: &str) -> Result<Tagged, LogsError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let ["arn", _partition, "logs", region, account_id, resource] = parts.as_slice() else {
            return Err(LogsError::InvalidParameter(format!("Invalid ARN: {arn}")));
        };
        let (kind, name) = resource.split_once(':').unwrap_or((resource, ""));
        let here = *region == self.region && *account_id == self.account_id;
        match kind {
            "log-group" => {
                let group = match name.split_once(':') {
                    None => name,
                    Some((group, "*")) => group,
                    Some(_) => return Err(resource_not_found()),
                };
                if !here || group.is_empty() {
                    return Err(group_not_found());
                }
                Ok(Tagged::Group(group.to_string()))
            }
            _ if !here || name.is_empty() => Err(resource_not_found()),
            "destination" => Ok(Tagged::Destination(name.to_string())),
            "delivery-source" => Ok(Tagged::DeliverySource(name.to_string())),
            "delivery-destination" => Ok(Tagged::DeliveryDestination(name.to_string())),
            "delivery" => Ok(Tagged::Delivery(name.to_string())),
            "anomaly-detector" => Ok(Tagged::AnomalyDetector(name.to_string())),
            "lookup-table" => Ok(Tagged::LookupTable(name.to_string())),
            "scheduled-query" => Ok(Tagged::ScheduledQuery(name.to_string())),
            _ => Err(resource_not_found()),
        }
    }
}

/// Changes the tags of the record at `key`; `missing` when there is none.
fn change_in<V: Record + HasTags>(
    collection: &Collection<V>,
    key: &str,
    missing: fn() -> LogsError,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), LogsError>,
) -> Result<(), LogsError> {
    collection.modify(key, |slot| match slot.as_mut() {
        Some(record) => change(record.tags_mut()),
        None => Err(missing()),
    })
}

fn tags_in<V: Record + HasTags>(
    collection: &Collection<V>,
    key: &str,
    missing: fn() -> LogsError,
) -> Result<BTreeMap<String, String>, LogsError> {
    let mut record = collection.get(key).ok_or_else(missing)?;
    Ok(std::mem::take(record.tags_mut()))
}

impl Logs {
    /// Changes a resource's tags in place.
    pub(crate) fn change_tags(
        &self,
        scope: &Scope,
        resource: &Tagged,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), LogsError>,
    ) -> Result<(), LogsError> {
        match resource {
            Tagged::Group(name) => change_in(
                &self.groups,
                &scope.group_key(name),
                group_not_found,
                change,
            ),
            Tagged::Destination(name) => change_in(
                &self.destinations,
                &scope.group_key(name),
                resource_not_found,
                change,
            ),
            Tagged::DeliverySource(name) => change_in(
                &self.delivery_sources,
                &scope.group_key(name),
                resource_not_found,
                change,
            ),
            Tagged::DeliveryDestination(name) => change_in(
                &self.delivery_destinations,
                &scope.group_key(name),
                resource_not_found,
                change,
            ),
            Tagged::Delivery(id) => change_in(
                &self.deliveries,
                &scope.group_key(id),
                resource_not_found,
                change,
            ),
            Tagged::AnomalyDetector(id) => change_in(
                &self.anomaly_detectors,
                &scope.group_key(id),
                resource_not_found,
                change,
            ),
            Tagged::LookupTable(name) => change_in(
                &self.lookup_tables,
                &scope.group_key(name),
                resource_not_found,
                change,
            ),
            Tagged::ScheduledQuery(name) => change_in(
                &self.scheduled_queries,
                &scope.group_key(name),
                resource_not_found,
                change,
            ),
        }
    }

    /// A resource's tags.
    pub(crate) fn resource_tags(
        &self,
        scope: &Scope,
        resource: &Tagged,
    ) -> Result<BTreeMap<String, String>, LogsError> {
        match resource {
            Tagged::Group(name) => tags_in(&self.groups, &scope.group_key(name), group_not_found),
            Tagged::Destination(name) => tags_in(
                &self.destinations,
                &scope.group_key(name),
                resource_not_found,
            ),
            Tagged::DeliverySource(name) => tags_in(
                &self.delivery_sources,
                &scope.group_key(name),
                resource_not_found,
            ),
            Tagged::DeliveryDestination(name) => tags_in(
                &self.delivery_destinations,
                &scope.group_key(name),
                resource_not_found,
            ),
            Tagged::Delivery(id) => {
                tags_in(&self.deliveries, &scope.group_key(id), resource_not_found)
            }
            Tagged::AnomalyDetector(id) => tags_in(
                &self.anomaly_detectors,
                &scope.group_key(id),
                resource_not_found,
            ),
            Tagged::LookupTable(name) => tags_in(
                &self.lookup_tables,
                &scope.group_key(name),
                resource_not_found,
            ),
            Tagged::ScheduledQuery(name) => tags_in(
                &self.scheduled_queries,
                &scope.group_key(name),
                resource_not_found,
            ),
        }
    }

    pub(crate) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let resource = scope.tagged(&input.resource_arn)?;
        let resource_name = input.resource_arn.clone();
        self.change_tags(&scope, &resource, |tags| {
            add_tags(tags, input.tags).map_err(|message| LogsError::TooManyTags {
                message,
                resource_name,
            })
        })
    }

    pub(crate) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let resource = scope.tagged(&input.resource_arn)?;
        self.change_tags(&scope, &resource, |tags| {
            for key in &input.tag_keys {
                tags.remove(key);
            }
            Ok(())
        })
    }

    pub(crate) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, LogsError> {
        let scope = Scope::of(ctx);
        let resource = scope.tagged(&input.resource_arn)?;
        Ok(ListTagsForResourceResponse {
            tags: Some(self.resource_tags(&scope, &resource)?),
        })
    }
}
