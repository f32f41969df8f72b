//! OpsCenter: OpsItems (create, get, update, describe with OpsCenter's filter operators,
//! delete) and OpsMetadata (create, get paged by key, update, list, delete).

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    CreateOpsItemRequest, CreateOpsItemResponse, CreateOpsMetadataRequest, CreateOpsMetadataResult,
    DeleteOpsItemRequest, DeleteOpsItemResponse, DeleteOpsMetadataRequest, DeleteOpsMetadataResult,
    DescribeOpsItemsRequest, DescribeOpsItemsResponse, GetOpsItemRequest, GetOpsItemResponse,
    GetOpsMetadataRequest, GetOpsMetadataResult, ListOpsMetadataRequest, ListOpsMetadataResult,
    OpsItem, OpsItemFilter, OpsItemSummary, OpsMetadata, Tag, UpdateOpsItemRequest,
    UpdateOpsItemResponse, UpdateOpsMetadataRequest, UpdateOpsMetadataResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// A stored OpsItem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsItemRecord {
    pub item: OpsItem,
    pub tags: Vec<Tag>,
}

/// A stored OpsMetadata object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsMetadataRecord {
    pub summary: OpsMetadata,
    pub metadata: std::collections::BTreeMap<String, sim_aws_shapes::ssm::MetadataValue>,
    pub tags: Vec<Tag>,
}

fn no_item(id: &str) -> SsmError {
    SsmError::new(
        "OpsItemNotFoundException",
        format!("OpsItem with id {id} not found."),
    )
}

fn no_metadata(arn: &str) -> SsmError {
    SsmError::new(
        "OpsMetadataNotFoundException",
        format!("OpsMetadata object {arn} does not exist."),
    )
}

/// Whether an OpsItem passes one DescribeOpsItems filter.
fn passes(item: &OpsItem, filter: &OpsItemFilter) -> bool {
    let text = |value: Option<&String>| value.cloned();
    let field = match filter.key.as_str() {
        "OpsItemId" => text(item.ops_item_id.as_ref()),
        "Status" => text(item.status.as_ref()),
        "Title" => text(item.title.as_ref()),
        "Source" => text(item.source.as_ref()),
        "Category" => text(item.category.as_ref()),
        "Severity" => text(item.severity.as_ref()),
        "OpsItemType" => text(item.ops_item_type.as_ref()),
        "CreatedBy" => text(item.created_by.as_ref()),
        "LastModifiedBy" => text(item.last_modified_by.as_ref()),
        "Priority" => item.priority.map(|p| p.to_string()),
        "CreatedTime" => item.created_time.map(|t| t.0.to_string()),
        "LastModifiedTime" => item.last_modified_time.map(|t| t.0.to_string()),
        _ => return true,
    };
    let Some(field) = field else { return false };
    filter
        .values
        .iter()
        .any(|value| match filter.operator.as_str() {
            "Equal" => field == *value,
            "Contains" => field.contains(value.as_str()),
            "GreaterThan" => compare(&field, value).is_gt(),
            "LessThan" => compare(&field, value).is_lt(),
            _ => false,
        })
}

/// Compares numerically when both sides are numbers, else as text.
fn compare(left: &str, right: &str) -> std::cmp::Ordering {
    match (left.parse::<f64>(), right.parse::<f64>()) {
        (Ok(l), Ok(r)) => l.total_cmp(&r),
        _ => left.cmp(right),
    }
}

impl Ssm {
    fn item_key(ctx: &Ctx, id: &str) -> String {
        format!("{}{id}", ctx.scope())
    }

    pub(super) async fn create_ops_item(
        &self,
        ctx: &Ctx,
        input: CreateOpsItemRequest,
    ) -> Result<CreateOpsItemResponse, SsmError> {
        let id = format!("oi-{}", self.kit.ids().hex(12));
        let arn = ctx.arn("ssm", &format!("opsitem/{id}"));
        let now = Some(Timestamp(self.now()));
        for related in input.related_ops_items.iter().flatten() {
            if !self
                .ops_items
                .contains(&Self::item_key(ctx, &related.ops_item_id))
            {
                return Err(no_item(&related.ops_item_id));
            }
        }
        let item = OpsItem {
            created_by: Some(ctx.caller.arn.clone()),
            ops_item_type: Some(
                input
                    .ops_item_type
                    .unwrap_or_else(|| "/aws/issues".to_owned()),
            ),
            created_time: now,
            description: Some(input.description),
            last_modified_by: Some(ctx.caller.arn.clone()),
            last_modified_time: now,
            notifications: input.notifications,
            priority: input.priority,
            related_ops_items: input.related_ops_items,
            status: Some("Open".to_owned()),
            ops_item_id: Some(id.clone()),
            version: Some(self.kit.ids().uuid()),
            title: Some(input.title),
            source: Some(input.source),
            operational_data: input.operational_data,
            category: input.category,
            severity: input.severity,
            actual_start_time: input.actual_start_time,
            actual_end_time: input.actual_end_time,
            planned_start_time: input.planned_start_time,
            planned_end_time: input.planned_end_time,
            ops_item_arn: Some(arn.clone()),
        };
        self.ops_items.insert(
            &Self::item_key(ctx, &id),
            OpsItemRecord {
                item,
                tags: input.tags.unwrap_or_default(),
            },
        )?;
        Ok(CreateOpsItemResponse {
            ops_item_id: Some(id),
            ops_item_arn: Some(arn),
        })
    }

    pub(super) async fn get_ops_item(
        &self,
        ctx: &Ctx,
        input: GetOpsItemRequest,
    ) -> Result<GetOpsItemResponse, SsmError> {
        let record = self
            .ops_items
            .get(&Self::item_key(ctx, &input.ops_item_id))
            .ok_or_else(|| no_item(&input.ops_item_id))?;
        Ok(GetOpsItemResponse {
            ops_item: Some(record.item),
        })
    }

    pub(super) async fn update_ops_item(
        &self,
        ctx: &Ctx,
        input: UpdateOpsItemRequest,
    ) -> Result<UpdateOpsItemResponse, SsmError> {
        let now = Timestamp(self.now());
        let version = self.kit.ids().uuid();
        let id = input.ops_item_id.clone();
        self.ops_items.modify(&Self::item_key(ctx, &id), |slot| {
            let item = &mut slot.as_mut().ok_or_else(|| no_item(&id))?.item;
            macro_rules! set {
                ($($field:ident),*) => {$(
                    if input.$field.is_some() {
                        item.$field = input.$field;
                    }
                )*};
            }
            set!(
                description,
                notifications,
                priority,
                related_ops_items,
                status,
                title,
                category,
                severity,
                actual_start_time,
                actual_end_time,
                planned_start_time,
                planned_end_time
            );
            if let Some(data) = input.operational_data {
                item.operational_data
                    .get_or_insert_with(Default::default)
                    .extend(data);
            }
            if let (Some(data), Some(keys)) = (
                &mut item.operational_data,
                &input.operational_data_to_delete,
            ) {
                data.retain(|key, _| !keys.contains(key));
            }
            item.last_modified_by = Some(ctx.caller.arn.clone());
            item.last_modified_time = Some(now);
            item.version = Some(version);
            Ok::<_, SsmError>(())
        })?;
        Ok(UpdateOpsItemResponse {})
    }

    pub(super) async fn describe_ops_items(
        &self,
        ctx: &Ctx,
        input: DescribeOpsItemsRequest,
    ) -> Result<DescribeOpsItemsResponse, SsmError> {
        let filters = input.ops_item_filters.unwrap_or_default();
        let entries = self
            .ops_items
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record.item)
            .filter(|item| filters.iter().all(|f| passes(item, f)))
            .map(|item| {
                let summary = OpsItemSummary {
                    created_by: item.created_by,
                    created_time: item.created_time,
                    last_modified_by: item.last_modified_by,
                    last_modified_time: item.last_modified_time,
                    priority: item.priority,
                    source: item.source,
                    status: item.status,
                    ops_item_id: item.ops_item_id.clone(),
                    title: item.title,
                    operational_data: item.operational_data,
                    category: item.category,
                    severity: item.severity,
                    ops_item_type: item.ops_item_type,
                    actual_start_time: item.actual_start_time,
                    actual_end_time: item.actual_end_time,
                    planned_start_time: item.planned_start_time,
                    planned_end_time: item.planned_end_time,
                };
                (item.ops_item_id.unwrap_or_default(), summary)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(DescribeOpsItemsResponse {
            ops_item_summaries: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_ops_item(
        &self,
        ctx: &Ctx,
        input: DeleteOpsItemRequest,
    ) -> Result<DeleteOpsItemResponse, SsmError> {
        // Deleting an OpsItem that does not exist succeeds, as in OpsCenter.
        self.ops_items
            .remove(&Self::item_key(ctx, &input.ops_item_id))?;
        Ok(DeleteOpsItemResponse {})
    }

    pub(super) fn metadata_arn(ctx: &Ctx, resource_id: &str) -> String {
        ctx.arn(
            "ssm",
            &format!("opsmetadata/{}", resource_id.trim_start_matches('/')),
        )
    }

    pub(super) async fn create_ops_metadata(
        &self,
        ctx: &Ctx,
        input: CreateOpsMetadataRequest,
    ) -> Result<CreateOpsMetadataResult, SsmError> {
        let arn = Self::metadata_arn(ctx, &input.resource_id);
        let now = Some(Timestamp(self.now()));
        let record = OpsMetadataRecord {
            summary: OpsMetadata {
                resource_id: Some(input.resource_id.clone()),
                ops_metadata_arn: Some(arn.clone()),
                last_modified_date: now,
                last_modified_user: Some(ctx.caller.arn.clone()),
                creation_date: now,
            },
            metadata: input.metadata.unwrap_or_default().into_iter().collect(),
            tags: input.tags.unwrap_or_default(),
        };
        self.ops_metadata
            .modify(&format!("{}{arn}", ctx.scope()), |slot| {
                if slot.is_some() {
                    return Err(SsmError::new(
                        "OpsMetadataAlreadyExistsException",
                        format!(
                            "OpsMetadata object for {} already exists.",
                            input.resource_id
                        ),
                    ));
                }
                *slot = Some(record);
                Ok(())
            })?;
        Ok(CreateOpsMetadataResult {
            ops_metadata_arn: Some(arn),
        })
    }

    pub(super) async fn get_ops_metadata(
        &self,
        ctx: &Ctx,
        input: GetOpsMetadataRequest,
    ) -> Result<GetOpsMetadataResult, SsmError> {
        let record = self
            .ops_metadata
            .get(&format!("{}{}", ctx.scope(), input.ops_metadata_arn))
            .ok_or_else(|| no_metadata(&input.ops_metadata_arn))?;
        let entries = record
            .metadata
            .into_iter()
            .map(|(k, v)| (k.clone(), (k, v)))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(GetOpsMetadataResult {
            resource_id: record.summary.resource_id,
            metadata: Some(page.items.into_iter().collect()),
            next_token: page.next,
        })
    }

    pub(super) async fn update_ops_metadata(
        &self,
        ctx: &Ctx,
        input: UpdateOpsMetadataRequest,
    ) -> Result<UpdateOpsMetadataResult, SsmError> {
        let now = Timestamp(self.now());
        let arn = input.ops_metadata_arn.clone();
        self.ops_metadata
            .modify(&format!("{}{arn}", ctx.scope()), |slot| {
                let record = slot.as_mut().ok_or_else(|| no_metadata(&arn))?;
                record
                    .metadata
                    .extend(input.metadata_to_update.unwrap_or_default());
                for key in input.keys_to_delete.iter().flatten() {
                    record.metadata.remove(key);
                }
                record.summary.last_modified_date = Some(now);
                record.summary.last_modified_user = Some(ctx.caller.arn.clone());
                Ok::<_, SsmError>(())
            })?;
        Ok(UpdateOpsMetadataResult {
            ops_metadata_arn: Some(input.ops_metadata_arn),
        })
    }

    pub(super) async fn list_ops_metadata(
        &self,
        ctx: &Ctx,
        input: ListOpsMetadataRequest,
    ) -> Result<ListOpsMetadataResult, SsmError> {
        let filters = input.filters.unwrap_or_default();
        let entries = self
            .ops_metadata
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record.summary)
            .filter(|m| {
                filters.iter().all(|f| match f.key.as_str() {
                    "ResourceId" => m
                        .resource_id
                        .as_ref()
                        .is_some_and(|id| f.values.iter().any(|v| id.starts_with(v.as_str()))),
                    _ => true,
                })
            })
            .map(|m| (m.ops_metadata_arn.clone().unwrap_or_default(), m))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(ListOpsMetadataResult {
            ops_metadata_list: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_ops_metadata(
        &self,
        ctx: &Ctx,
        input: DeleteOpsMetadataRequest,
    ) -> Result<DeleteOpsMetadataResult, SsmError> {
        self.ops_metadata
            .remove(&format!("{}{}", ctx.scope(), input.ops_metadata_arn))?
            .ok_or_else(|| no_metadata(&input.ops_metadata_arn))?;
        Ok(DeleteOpsMetadataResult {})
    }
}
