//! Operations (what namespace changes and instance registrations return) and tags. The work
//! of an operation is done when it is submitted; the operation reads `SUBMITTED` for a short
//! while and `SUCCESS` after, so clients that poll GetOperation see it finish as on AWS.

use std::collections::BTreeMap;

use sim_aws_shapes::servicediscovery::{
    GetOperationRequest, GetOperationResponse, ListOperationsRequest, ListOperationsResponse,
    ListTagsForResourceRequest, ListTagsForResourceResponse, Operation, OperationSummary, Tag,
    TagResourceRequest, TagResourceResponse, UntagResourceRequest, UntagResourceResponse,
};

use super::{CloudMap, CloudMapError, Ctx, key};
use crate::services::paging;

/// How long an operation reads SUBMITTED.
const SUBMITTED_FOR_MILLIS: i64 = 200;
const TAGS_PER_RESOURCE: usize = 200;

/// Checks a filter's condition against what the filter allows (`EQ` by default).
pub(super) fn condition(
    given: Option<&str>,
    allowed: &[&str],
    filter: &str,
) -> Result<String, CloudMapError> {
    let condition = given.unwrap_or("EQ").to_string();
    if !allowed.contains(&condition.as_str()) {
        return Err(CloudMapError::InvalidInput(format!(
            "The condition {condition} is not supported for the filter {filter}."
        )));
    }
    Ok(condition)
}

/// Whether `value` passes a filter of `condition` over `values`.
pub(super) fn passes(condition: &str, values: &[String], value: &str) -> bool {
    match condition {
        "BEGINS_WITH" => values.iter().any(|v| value.starts_with(v.as_str())),
        "BETWEEN" => match (values.first(), values.get(1)) {
            (Some(low), Some(high)) => {
                let number = value.parse::<f64>().unwrap_or_default();
                low.parse::<f64>().is_ok_and(|low| number >= low)
                    && high.parse::<f64>().is_ok_and(|high| number <= high)
            }
            _ => false,
        },
        _ => values.iter().any(|v| v == value),
    }
}

impl CloudMap {
    /// Records a finished piece of work as an operation; returns its ID.
    pub(super) fn submit(
        &self,
        ctx: &Ctx,
        kind: &str,
        targets: BTreeMap<String, String>,
    ) -> Result<String, CloudMapError> {
        let id = format!(
            "{}-{}",
            self.kit
                .ids()
                .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 32),
            self.kit
                .ids()
                .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 8)
        );
        let now = self.now();
        self.operations.insert(
            &key(ctx, &id),
            Operation {
                id: Some(id.clone()),
                owner_account: Some(ctx.account_id.clone()),
                r#type: Some(kind.to_string()),
                status: Some("SUBMITTED".into()),
                create_date: Some(now),
                update_date: Some(now),
                targets: Some(targets),
                ..Default::default()
            },
        )?;
        Ok(id)
    }

    /// The operation as it reads now.
    fn settled(&self, mut operation: Operation) -> Operation {
        let now = self.kit.clock().now_millis();
        let created = operation.create_date.map(|d| d.millis()).unwrap_or(now);
        if now - created >= SUBMITTED_FOR_MILLIS {
            operation.status = Some("SUCCESS".into());
            operation.update_date = Some(sim_aws_shapes::normal::Timestamp::from_millis(
                created + SUBMITTED_FOR_MILLIS,
            ));
        }
        operation
    }

    pub(super) async fn get_operation(
        &self,
        ctx: &Ctx,
        input: GetOperationRequest,
    ) -> Result<GetOperationResponse, CloudMapError> {
        let operation = self
            .operations
            .get(&key(ctx, &input.operation_id))
            .ok_or_else(|| {
                CloudMapError::OperationNotFound(format!(
                    "No operation found with ID {}",
                    input.operation_id
                ))
            })?;
        Ok(GetOperationResponse {
            operation: Some(self.settled(operation)),
        })
    }

    pub(super) async fn list_operations(
        &self,
        ctx: &Ctx,
        input: ListOperationsRequest,
    ) -> Result<ListOperationsResponse, CloudMapError> {
        let mut checks = Vec::new();
        for filter in input.filters.unwrap_or_default() {
            let allowed: &[&str] = match filter.name.as_str() {
                "UPDATE_DATE" => &["BETWEEN"],
                _ => &["EQ", "IN"],
            };
            let condition = condition(filter.condition.as_deref(), allowed, &filter.name)?;
            checks.push((filter.name, condition, filter.values));
        }
        let entries = self
            .operations
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, operation)| self.settled(operation))
            .filter(|operation| {
                checks.iter().all(|(name, condition, values)| {
                    let targets = operation.targets.clone().unwrap_or_default();
                    let value = match name.as_str() {
                        "NAMESPACE_ID" => targets.get("NAMESPACE").cloned(),
                        "SERVICE_ID" => targets.get("SERVICE").cloned(),
                        "STATUS" => operation.status.clone(),
                        "TYPE" => operation.r#type.clone(),
                        "UPDATE_DATE" => operation
                            .update_date
                            .map(|d| (d.millis() as f64 / 1000.0).to_string()),
                        _ => None,
                    };
                    value.is_some_and(|value| passes(condition, values, &value))
                })
            })
            .map(|operation| {
                (
                    operation.id.clone().unwrap_or_default(),
                    OperationSummary {
                        id: operation.id,
                        status: operation.status,
                    },
                )
            })
            .collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| CloudMapError::InvalidInput("Invalid NextToken".into()))?;
        Ok(ListOperationsResponse {
            operations: Some(page.items),
            next_token: page.next,
        })
    }

    /// Changes the tags of the namespace or service with `arn`.
    fn retag(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut Vec<Tag>) -> Result<(), CloudMapError>,
    ) -> Result<(), CloudMapError> {
        let not_found =
            || CloudMapError::ResourceNotFound(format!("The resource {arn} can't be found."));
        let id = arn.rsplit('/').next().unwrap_or_default();
        if !arn.starts_with(&format!(
            "arn:aws:servicediscovery:{}:{}:",
            ctx.region, ctx.account_id
        )) {
            return Err(not_found());
        }
        if arn.contains(":namespace/") {
            self.namespaces.modify(&key(ctx, id), |slot| {
                change(&mut slot.as_mut().ok_or_else(not_found)?.tags)
            })
        } else if arn.contains(":service/") {
            self.services.modify(&key(ctx, id), |slot| {
                change(&mut slot.as_mut().ok_or_else(not_found)?.tags)
            })
        } else {
            Err(not_found())
        }
    }

    pub(super) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, CloudMapError> {
        let arn = input.resource_arn.clone();
        self.retag(ctx, &input.resource_arn, |tags| {
            for tag in input.tags {
                match tags.iter_mut().find(|have| have.key == tag.key) {
                    Some(have) => have.value = tag.value,
                    None => tags.push(tag),
                }
            }
            if tags.len() > TAGS_PER_RESOURCE {
                return Err(CloudMapError::TooManyTags {
                    message: format!("A resource can have at most {TAGS_PER_RESOURCE} tags."),
                    resource_name: arn,
                });
            }
            Ok(())
        })?;
        Ok(TagResourceResponse {})
    }

    pub(super) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, CloudMapError> {
        self.retag(ctx, &input.resource_arn, |tags| {
            tags.retain(|tag| !input.tag_keys.contains(&tag.key));
            Ok(())
        })?;
        Ok(UntagResourceResponse {})
    }

    pub(super) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, CloudMapError> {
        let mut found = Vec::new();
        self.retag(ctx, &input.resource_arn, |tags| {
            found = tags.clone();
            Ok(())
        })?;
        Ok(ListTagsForResourceResponse { tags: Some(found) })
    }
}
