//! `Microsoft.OperationalInsights` (Log Analytics): workspaces on the control plane (create,
//! get, list, delete, `sharedKeys`), the rows workloads write into a workspace's tables, and
//! the query API's engine ([`kql`]).
//!
//! Tables: `FunctionAppLogs`, one row per line a function app's process prints when a
//! diagnostic setting sends its `FunctionAppLogs` category here (`services::insights`);
//! `ContainerAppConsoleLogs_CL`, one row per line a Container Apps job's container
//! prints, with the columns Azure gives it (`TimeGenerated`, `ContainerJobName_s`,
//! `ContainerGroupName_s` = the replica, `ContainerName_s`, `ContainerImage_s`,
//! `EnvironmentName_s`, `Stream_s` = `stdout`/`stderr`, `Log_s`, ...). Rows are store records
//! keyed `customerId\0table\0time\0id`, so they survive a restart and come back in time order.
//!
//! Workspaces are created synchronously (200/201 with `provisioningState: Succeeded`), which the
//! create operation's LRO contract allows. Not served: tables' schemas and retention settings,
//! data export, linked services, saved searches, the ingestion (Data Collector) API.
//! What this module must not do: read HTTP, or render errors (the query API's error shape is
//! `protocol`'s).

pub mod kql;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use simkit::Kit;
use simkit::store::Collection;

use super::apps::{ConsoleLine, ConsoleLogs};
use super::resources::{Resources, resource_location, scoped_key};
use super::{Ctx, ResourceProvider};
use crate::error::ArmError;
use crate::shapes::operationalinsights_workspaces::{
    Workspace, WorkspaceCapping, WorkspaceFeatures, WorkspaceProperties, WorkspaceSku,
};
use crate::shapes::resources::GenericResourceExpanded;
use kql::{ColumnType, QueryError, Table, Value};

pub const NAMESPACE: &str = "Microsoft.OperationalInsights";
const WORKSPACE_TYPE: &str = "Microsoft.OperationalInsights/workspaces";
pub const CONSOLE_TABLE: &str = "ContainerAppConsoleLogs_CL";

/// `ContainerAppConsoleLogs_CL`'s columns, in Azure's order of the ones the simulator fills.
const CONSOLE_COLUMNS: &[(&str, ColumnType)] = &[
    ("TenantId", ColumnType::String),
    ("TimeGenerated", ColumnType::DateTime),
    ("ContainerAppName_s", ColumnType::String),
    ("ContainerJobName_s", ColumnType::String),
    ("ContainerGroupName_s", ColumnType::String),
    ("ContainerName_s", ColumnType::String),
    ("ContainerImage_s", ColumnType::String),
    ("EnvironmentName_s", ColumnType::String),
    ("RevisionName_s", ColumnType::String),
    ("Stream_s", ColumnType::String),
    ("Log_s", ColumnType::String),
    ("_timestamp_d", ColumnType::Real),
    ("Type", ColumnType::String),
];

/// `FunctionAppLogs`: what a function app's diagnostic setting sends (one row per line its
/// process prints), with the columns Azure gives it that the simulator fills.
pub const FUNCTION_TABLE: &str = "FunctionAppLogs";
const FUNCTION_COLUMNS: &[(&str, ColumnType)] = &[
    ("TenantId", ColumnType::String),
    ("TimeGenerated", ColumnType::DateTime),
    ("Category", ColumnType::String),
    ("AppName", ColumnType::String),
    ("FunctionName", ColumnType::String),
    ("HostInstanceId", ColumnType::String),
    ("Level", ColumnType::String),
    ("Message", ColumnType::String),
    ("RoleInstance", ColumnType::String),
    ("_ResourceId", ColumnType::String),
    ("Type", ColumnType::String),
];

/// `ContainerAppConsoleLogs`: what a managed environment's diagnostic setting sends (its
/// `ContainerAppConsoleLogs` category), one row per line a container prints, with the columns
/// of Azure's resource-specific table that the simulator fills.
pub const CONSOLE_DEDICATED_TABLE: &str = "ContainerAppConsoleLogs";
const CONSOLE_DEDICATED_COLUMNS: &[(&str, ColumnType)] = &[
    ("TenantId", ColumnType::String),
    ("TimeGenerated", ColumnType::DateTime),
    ("ContainerAppName", ColumnType::String),
    ("RevisionName", ColumnType::String),
    ("ContainerGroupName", ColumnType::String),
    ("ContainerName", ColumnType::String),
    ("ContainerImage", ColumnType::String),
    ("EnvironmentName", ColumnType::String),
    ("JobName", ColumnType::String),
    ("ExecutionName", ColumnType::String),
    ("Stream", ColumnType::String),
    ("Log", ColumnType::String),
    ("_ResourceId", ColumnType::String),
    ("Type", ColumnType::String),
];

/// The tables a workspace has, with their columns.
const TABLES: &[(&str, &[(&str, ColumnType)])] = &[
    (CONSOLE_TABLE, CONSOLE_COLUMNS),
    (CONSOLE_DEDICATED_TABLE, CONSOLE_DEDICATED_COLUMNS),
    (FUNCTION_TABLE, FUNCTION_COLUMNS),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceRecord {
    pub workspace: Workspace,
    pub subscription: String,
    pub group: String,
    pub keys: [String; 2],
}

/// One stored row: its time and its string columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowRecord {
    pub time_ms: i64,
    pub columns: BTreeMap<String, String>,
}

pub struct LogAnalytics {
    kit: Kit,
    resources: Arc<Resources>,
    workspaces: Arc<Collection<WorkspaceRecord>>,
    rows: Arc<Collection<RowRecord>>,
}

impl std::fmt::Debug for LogAnalytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogAnalytics").finish_non_exhaustive()
    }
}

/// Workspace names: 4 to 63 letters, digits and hyphens, starting and ending alphanumeric.
fn valid_workspace_name(name: &str) -> bool {
    (4..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

impl LogAnalytics {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        Ok(Arc::new(Self {
            workspaces: kit.store().collection("loganalytics-workspaces")?,
            rows: kit.store().collection("loganalytics-rows")?,
            kit,
            resources,
        }))
    }

    fn new_key(&self) -> String {
        let bytes: Vec<u8> = (0..8)
            .flat_map(|_| self.kit.ids().next_u64().to_le_bytes())
            .collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// `PUT`: a new workspace gets a customer ID and keys; an existing one keeps them.
    pub fn create_or_update(
        &self,
        _ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: Workspace,
    ) -> Result<(Workspace, bool), ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_workspace_name(name) {
            return Err(ArmError::InvalidValue {
                property: "workspaceName".into(),
                value: name.to_string(),
            });
        }
        let location = resource_location(WORKSPACE_TYPE, request.location.as_deref())?;
        let now = crate::time::arm_timestamp(self.kit.clock().now_millis());
        let key = scoped_key(subscription, group, name);
        let existing = self.workspaces.get(&key);
        let asked = request.properties.clone().unwrap_or_default();
        let (customer_id, created_date, keys) = match &existing {
            Some(record) => (
                record
                    .workspace
                    .properties
                    .as_ref()
                    .and_then(|p| p.customer_id.clone())
                    .unwrap_or_default(),
                record
                    .workspace
                    .properties
                    .as_ref()
                    .and_then(|p| p.created_date.clone())
                    .unwrap_or_else(|| now.clone()),
                record.keys.clone(),
            ),
            None => (
                self.kit.ids().uuid(),
                now.clone(),
                [self.new_key(), self.new_key()],
            ),
        };
        let workspace = Workspace {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group_name}/providers/{WORKSPACE_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(WORKSPACE_TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            etag: Some(format!("\"{}\"", self.kit.ids().hex(16))),
            properties: Some(Box::new(WorkspaceProperties {
                customer_id: Some(customer_id),
                provisioning_state: Some("Succeeded".into()),
                created_date: Some(created_date),
                modified_date: Some(now),
                sku: Some(Box::new(WorkspaceSku {
                    name: Some(
                        asked
                            .sku
                            .as_ref()
                            .and_then(|s| s.name.clone())
                            .unwrap_or_else(|| "PerGB2018".into()),
                    ),
                    ..Default::default()
                })),
                retention_in_days: Some(asked.retention_in_days.unwrap_or(30)),
                features: Some(Box::new(WorkspaceFeatures {
                    enable_log_access_using_only_resource_permissions: Some(true),
                    ..Default::default()
                })),
                workspace_capping: Some(Box::new(WorkspaceCapping {
                    daily_quota_gb: Some(-1.0),
                    ..Default::default()
                })),
                public_network_access_for_ingestion: Some(
                    asked
                        .public_network_access_for_ingestion
                        .unwrap_or_else(|| "Enabled".into()),
                ),
                public_network_access_for_query: Some(
                    asked
                        .public_network_access_for_query
                        .unwrap_or_else(|| "Enabled".into()),
                ),
                ..Default::default()
            })),
            ..Default::default()
        };
        self.workspaces.insert(
            &key,
            WorkspaceRecord {
                workspace: workspace.clone(),
                subscription: subscription.to_string(),
                group: group_name,
                keys,
            },
        )?;
        Ok((workspace, existing.is_none()))
    }

    fn record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<WorkspaceRecord, ArmError> {
        self.resources
            .record_in_group(&self.workspaces, WORKSPACE_TYPE, subscription, group, name)
    }

    pub fn get(&self, subscription: &str, group: &str, name: &str) -> Result<Workspace, ArmError> {
        Ok(self.record(subscription, group, name)?.workspace)
    }

    pub fn list(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, Workspace)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.workspaces, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.workspace))
            .collect())
    }

    /// `sharedKeys`: (primary, secondary). `SharedKeys.json` is not vendored, so the pair is
    /// named on the wire by `protocol`.
    pub fn shared_keys(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<[String; 2], ArmError> {
        Ok(self.record(subscription, group, name)?.keys)
    }

    /// `DELETE`: the workspace and its rows; `false` when there was nothing to delete.
    pub fn delete(&self, subscription: &str, group: &str, name: &str) -> Result<bool, ArmError> {
        match self.record(subscription, group, name) {
            Ok(record) => {
                self.remove(&scoped_key(subscription, group, name), &record)?;
                Ok(true)
            }
            Err(ArmError::ResourceNotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    fn remove(&self, key: &str, record: &WorkspaceRecord) -> Result<(), ArmError> {
        if let Some(customer_id) = record
            .workspace
            .properties
            .as_ref()
            .and_then(|p| p.customer_id.clone())
        {
            for (row, _) in self.rows.scan_prefix(&format!("{customer_id}\0")) {
                self.rows.remove(&row)?;
            }
        }
        self.workspaces.remove(key)?;
        Ok(())
    }

    /// Whether a workspace with this customer ID exists (the query API's 404 otherwise).
    pub fn knows_customer(&self, customer_id: &str) -> bool {
        self.workspaces.all().iter().any(|(_, r)| {
            r.workspace
                .properties
                .as_ref()
                .and_then(|p| p.customer_id.as_deref())
                .is_some_and(|id| id.eq_ignore_ascii_case(customer_id))
        })
    }

    /// Runs `query` over the workspace's tables, limited to rows in `window` (ms, inclusive).
    pub fn query(
        &self,
        customer_id: &str,
        query: &str,
        window: Option<(i64, i64)>,
    ) -> Result<Table, QueryError> {
        let parsed = kql::parse(query)?;
        let Some((table_name, columns)) = TABLES.iter().find(|(name, _)| *name == parsed.table)
        else {
            return Err(QueryError::Unresolved {
                operator: parsed
                    .operators
                    .first()
                    .map(operator_name)
                    .unwrap_or("table")
                    .to_string(),
                name: parsed.table,
            });
        };
        let customer_id = customer_id.to_ascii_lowercase();
        let prefix = format!("{customer_id}\0{table_name}\0");
        let tenant = self.resources.tenant_id().to_string();
        let rows = self
            .rows
            .scan_prefix(&prefix)
            .into_iter()
            .filter(|(_, row)| {
                window.is_none_or(|(from, to)| row.time_ms >= from && row.time_ms <= to)
            })
            .map(|(_, row)| {
                columns
                    .iter()
                    .map(|(name, _)| match *name {
                        "TenantId" => Value::Str(tenant.clone()),
                        "TimeGenerated" => Value::DateTime(row.time_ms),
                        "_timestamp_d" => Value::Real(row.time_ms as f64 / 1000.0),
                        "Type" => Value::Str((*table_name).into()),
                        other => Value::Str(row.columns.get(other).cloned().unwrap_or_default()),
                    })
                    .collect()
            })
            .collect();
        let table = Table {
            columns: columns
                .iter()
                .map(|(name, kind)| ((*name).to_string(), *kind))
                .collect(),
            rows,
        };
        parsed.run(table, self.kit.clock().now_millis())
    }
}

fn operator_name(operator: &kql::Operator) -> &'static str {
    match operator {
        kql::Operator::Where(_) => "where",
        kql::Operator::Project(_) => "project",
        kql::Operator::Extend(_) => "extend",
        kql::Operator::Order(_) => "order",
        kql::Operator::Take(_) => "take",
        kql::Operator::Top(..) => "top",
        kql::Operator::Count => "count",
        kql::Operator::SummarizeCount(_) => "summarize",
        kql::Operator::Distinct(_) => "distinct",
    }
}

impl LogAnalytics {
    /// The customer ID of the workspace whose ARM ID is `workspace_id`, if it exists.
    pub fn customer_for_workspace(&self, workspace_id: &str) -> Option<String> {
        self.workspaces.all().into_iter().find_map(|(_, r)| {
            r.workspace
                .id
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(workspace_id))
                .then(|| r.workspace.properties.and_then(|p| p.customer_id))
                .flatten()
        })
    }

    /// Appends a row to `table` of the workspace `customer_id` (dropped, as Azure drops it,
    /// when there is no such workspace).
    pub fn append_row(
        &self,
        customer_id: &str,
        table: &str,
        time_ms: i64,
        columns: BTreeMap<String, String>,
    ) {
        let customer_id = customer_id.to_ascii_lowercase();
        if !self.knows_customer(&customer_id) {
            return;
        }
        let key = format!(
            "{customer_id}\0{table}\0{time_ms:016}\0{}",
            self.kit.ids().hex(12)
        );
        if let Err(error) = self.rows.insert(&key, RowRecord { time_ms, columns }) {
            tracing::error!(%error, table, "could not store a log row");
        }
    }
}

impl ConsoleLogs for LogAnalytics {
    fn append(&self, line: ConsoleLine) {
        let columns = BTreeMap::from([
            ("ContainerAppName_s".to_string(), line.app),
            ("ContainerJobName_s".to_string(), line.job),
            ("ContainerGroupName_s".to_string(), line.replica),
            ("ContainerName_s".to_string(), line.container),
            ("ContainerImage_s".to_string(), line.image),
            ("EnvironmentName_s".to_string(), line.environment),
            ("RevisionName_s".to_string(), line.revision),
            ("Stream_s".to_string(), line.stream.to_string()),
            ("Log_s".to_string(), line.log),
        ]);
        let _ = (line.execution, line.environment_id);
        // Azure drops what is sent to a workspace that does not exist; so does `append_row`.
        if let Some(customer_id) = &line.customer_id {
            self.append_row(customer_id, CONSOLE_TABLE, line.time_ms, columns);
        }
    }
}

impl ResourceProvider for LogAnalytics {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded> {
        self.list(subscription, Some(group))
            .unwrap_or_default()
            .into_iter()
            .map(|(_, w)| GenericResourceExpanded {
                id: w.id,
                name: w.name,
                r#type: w.r#type,
                location: w.location,
                tags: w.tags,
                ..Default::default()
            })
            .collect()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let prefix = super::resources::group_prefix(subscription, group);
        for (key, record) in self.workspaces.scan_prefix(&prefix) {
            self.remove(&key, &record)?;
        }
        Ok(())
    }
}

/// The query API's table as JSON: `{"name","columns":[{"name","type"}],"rows":[[…]]}`.
pub fn table_json(table: &Table) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = table
        .rows
        .iter()
        .map(|row| {
            serde_json::Value::Array(
                row.iter()
                    .map(|value| match value {
                        Value::Null => serde_json::Value::Null,
                        Value::Str(s) => json!(s),
                        Value::Long(n) => json!(n),
                        Value::Real(n) => json!(n),
                        Value::Bool(b) => json!(b),
                        Value::DateTime(ms) => json!(crate::time::arm_timestamp(*ms)),
                        Value::Timespan(ms) => json!(timespan_text(*ms)),
                    })
                    .collect(),
            )
        })
        .collect();
    json!({
        "name": "PrimaryResult",
        "columns": table.columns.iter().map(|(name, kind)| json!({"name": name, "type": kind.as_str()})).collect::<Vec<_>>(),
        "rows": rows,
    })
}

/// `1.02:03:04.5000000`: KQL's timespan text.
fn timespan_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.abs();
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    let (hours, rest) = (rest / 3_600_000, rest % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    let day_part = if days > 0 {
        format!("{days}.")
    } else {
        String::new()
    };
    format!(
        "{sign}{day_part}{hours:02}:{minutes:02}:{seconds:02}.{:07}",
        millis * 10_000
    )
}

/// The query API's `timespan`: an ISO 8601 duration ending now (`PT1H`, `P1D`), or an
/// interval `start/end` or `start/duration`. `None` when it is not one of these.
pub fn parse_timespan(text: &str, now_ms: i64) -> Option<(i64, i64)> {
    match text.split_once('/') {
        None => Some((now_ms - duration_ms(text)?, now_ms)),
        Some((start, end)) => {
            let start = kql::parse_datetime(start)?;
            let end = kql::parse_datetime(end).or_else(|| Some(start + duration_ms(end)?))?;
            Some((start, end))
        }
    }
}

/// `P1DT2H3M4.5S` in milliseconds.
fn duration_ms(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0.0;
    for (part, units) in [
        (date, &[('W', 604_800_000.0), ('D', 86_400_000.0)][..]),
        (
            time,
            &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1_000.0)][..],
        ),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
            } else {
                let (_, factor) = units.iter().find(|(u, _)| *u == c)?;
                total += number.parse::<f64>().ok()? * factor;
                number.clear();
            }
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_parse() {
        let now = 1_800_000_000_000;
        assert_eq!(parse_timespan("PT1H", now), Some((now - 3_600_000, now)));
        assert_eq!(
            parse_timespan("P1DT30M", now),
            Some((now - 88_200_000, now))
        );
        let start = kql::parse_datetime("2027-01-15T08:00:00Z").expect("date");
        assert_eq!(
            parse_timespan("2027-01-15T08:00:00Z/PT2H", now),
            Some((start, start + 7_200_000))
        );
        assert_eq!(parse_timespan("1h", now), None);
        assert_eq!(parse_timespan("PT5X", now), None);
    }

    #[test]
    fn timespan_text_is_kql_s() {
        assert_eq!(timespan_text(93_784_500), "1.02:03:04.5000000");
        assert_eq!(timespan_text(60_000), "00:01:00.0000000");
    }

    #[test]
    fn workspace_names() {
        assert!(valid_workspace_name("logs-1"));
        assert!(!valid_workspace_name("abc"));
        assert!(!valid_workspace_name("-logs"));
    }
}
