//! `Microsoft.Insights` diagnostic settings: extension resources under a resource
//! (`{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}`) that send the
//! resource's log categories to a Log Analytics workspace, and the routing of what workloads
//! print through them.
//!
//! Served categories, as Azure names them: a function app (`Microsoft.Web/sites`) has
//! `FunctionAppLogs`, whose rows land in the workspace's `FunctionAppLogs` table (one row per
//! line the site's process prints: `Category` `Host.Function.Console`, `Level` `Information`
//! for stdout and `Error` for stderr); a Container Apps managed environment has
//! `ContainerAppConsoleLogs`, whose rows land in the resource-specific `ContainerAppConsoleLogs`
//! table (one per line any of its apps' or jobs' containers prints, beside the
//! `ContainerAppConsoleLogs_CL` row its `appLogsConfiguration` workspace gets).
//! `ContainerAppSystemLogs` is refused as not implemented (the simulator writes no system
//! logs). A setting names categories one by one or through the `allLogs` group. Other resource types answer `ResourceTypeNotSupported`; an unknown category
//! is refused. As Azure does, a PUT creates or replaces (200), a delete answers 200 (or 204),
//! a listing has no `nextLink`, rows for a workspace that no longer exists are dropped, and a
//! setting outlives its resource (one made again with the same ID sends its logs again).
//!
//! Not served: metrics, storage account, Event Hubs and partner destinations (their IDs are
//! kept but nothing is sent there), the `Dedicated` destination type's other tables, and the
//! categories of other resource types.
//! What this module must not do: read HTTP or JSON text.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

use super::apps::{ConsoleLine, ConsoleLogs};
use super::loganalytics::{CONSOLE_DEDICATED_TABLE, FUNCTION_TABLE, LogAnalytics};
use super::resources::Resources;
use super::{Caller, ResourceProvider};
use crate::error::ArmError;
use crate::shapes::insights_diagnosticsettings::DiagnosticSettingsResource;
use crate::shapes::resources::GenericResourceExpanded;
use crate::shapes::types_v2::SystemData;

pub const NAMESPACE: &str = "Microsoft.Insights";
const SETTING_TYPE: &str = "Microsoft.Insights/diagnosticSettings";

/// The log categories each resource type has (lower-cased type), as Azure names them.
const CATEGORIES: &[(&str, &[&str])] = &[
    ("microsoft.web/sites", &["FunctionAppLogs"]),
    (
        "microsoft.app/managedenvironments",
        &["ContainerAppConsoleLogs"],
    ),
];

/// Categories Azure has that the simulator produces no rows for: refused by name rather than
/// accepted and left empty.
const UNSERVED_CATEGORIES: &[&str] = &["ContainerAppSystemLogs", "AppEnvSpringAppConsoleLogs"];

/// The category groups a setting may name instead of categories.
const CATEGORY_GROUPS: &[&str] = &["allLogs"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettingRecord {
    /// The resource the setting is under, as its PUT spelled it.
    pub resource_id: String,
    pub setting: DiagnosticSettingsResource,
}

/// One line a workload printed, for the resource whose diagnostic settings route it.
#[derive(Debug, Clone)]
pub struct ResourceLogLine {
    pub resource_id: String,
    pub app_name: String,
    pub time_ms: i64,
    pub stderr: bool,
    pub text: String,
}

/// Where a function app's output goes (implemented by [`Insights`]).
pub trait ResourceLogs: Send + Sync + 'static {
    fn function_app_line(&self, line: ResourceLogLine);
}

pub struct Insights {
    kit: Kit,
    resources: Arc<Resources>,
    log_analytics: Arc<LogAnalytics>,
    settings: Arc<Collection<SettingRecord>>,
}

impl std::fmt::Debug for Insights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Insights").finish_non_exhaustive()
    }
}

fn setting_key(resource_id: &str, name: &str) -> String {
    format!("{}\0{}", resource_id.trim_end_matches('/'), name).to_ascii_lowercase()
}

/// The lower-cased `namespace/type` of a resource ID, when it names a top-level resource.
fn resource_type(resource_id: &str) -> Option<String> {
    let parts: Vec<&str> = resource_id.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [subscriptions, _, groups, _, providers, namespace, kind, _]
            if subscriptions.eq_ignore_ascii_case("subscriptions")
                && groups.eq_ignore_ascii_case("resourcegroups")
                && providers.eq_ignore_ascii_case("providers") =>
        {
            Some(format!("{namespace}/{kind}").to_ascii_lowercase())
        }
        _ => None,
    }
}

impl Insights {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
        log_analytics: Arc<LogAnalytics>,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        Ok(Arc::new(Self {
            settings: kit.store().collection("insights-diagnostic-settings")?,
            kit,
            resources,
            log_analytics,
        }))
    }

    /// `PUT {resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}`.
    pub fn put_setting(
        &self,
        caller: &Caller,
        resource_id: &str,
        name: &str,
        request: DiagnosticSettingsResource,
    ) -> Result<DiagnosticSettingsResource, ArmError> {
        self.resources.check_scope(resource_id)?;
        let kind = resource_type(resource_id).unwrap_or_default();
        let categories = CATEGORIES
            .iter()
            .find(|(t, _)| *t == kind)
            .map(|(_, categories)| *categories)
            .ok_or_else(|| ArmError::ResourceTypeNotSupported(kind.clone()))?;
        let mut properties = request
            .properties
            .map(|p| *p)
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties".into()))?;
        for log in properties.logs.iter().flatten() {
            match (&log.category, &log.category_group) {
                (Some(category), _) if UNSERVED_CATEGORIES.contains(&category.as_str()) => {
                    return Err(ArmError::NotImplemented(format!(
                        "the diagnostic category '{category}'"
                    )));
                }
                (Some(category), _) if !categories.contains(&category.as_str()) => {
                    return Err(ArmError::DiagnosticCategoryNotSupported(category.clone()));
                }
                (None, Some(group)) if !CATEGORY_GROUPS.contains(&group.as_str()) => {
                    return Err(ArmError::DiagnosticCategoryNotSupported(group.clone()));
                }
                (None, None) => {
                    return Err(ArmError::MissingRequiredProperty(
                        "properties.logs.category".into(),
                    ));
                }
                _ => {}
            }
        }
        let destinations = [
            &properties.workspace_id,
            &properties.storage_account_id,
            &properties.event_hub_authorization_rule_id,
            &properties.marketplace_partner_id,
        ];
        if destinations.iter().all(|d| d.is_none()) {
            return Err(ArmError::DiagnosticSettingWithoutDestination);
        }
        if let Some(workspace) = &properties.workspace_id
            && self
                .log_analytics
                .customer_for_workspace(workspace)
                .is_none()
        {
            return Err(ArmError::DiagnosticWorkspaceNotFound(workspace.clone()));
        }
        properties.metrics.get_or_insert_with(Vec::new);
        properties.logs.get_or_insert_with(Vec::new);
        let now = crate::time::arm_timestamp(self.kit.clock().now_millis());
        let key = setting_key(resource_id, name);
        let created_at = self
            .settings
            .get(&key)
            .and_then(|r| r.setting.system_data)
            .and_then(|data| data.created_at)
            .unwrap_or_else(|| now.clone());
        let setting = DiagnosticSettingsResource {
            id: Some(format!(
                "{}/providers/microsoft.insights/diagnosticSettings/{name}",
                resource_id.trim_end_matches('/')
            )),
            name: Some(name.to_string()),
            r#type: Some(SETTING_TYPE.into()),
            properties: Some(Box::new(properties)),
            system_data: Some(Box::new(SystemData {
                created_by: Some(caller.name.clone()),
                created_by_type: Some(caller.kind.to_string()),
                created_at: Some(created_at),
                last_modified_by: Some(caller.name.clone()),
                last_modified_by_type: Some(caller.kind.to_string()),
                last_modified_at: Some(now),
            })),
        };
        self.settings.insert(
            &key,
            SettingRecord {
                resource_id: resource_id.to_string(),
                setting: setting.clone(),
            },
        )?;
        Ok(setting)
    }

    pub fn get_setting(
        &self,
        resource_id: &str,
        name: &str,
    ) -> Result<DiagnosticSettingsResource, ArmError> {
        self.resources.check_scope(resource_id)?;
        self.settings
            .get(&setting_key(resource_id, name))
            .map(|r| r.setting)
            .ok_or_else(|| ArmError::DiagnosticSettingNotFound(name.to_string()))
    }

    pub fn list_settings(
        &self,
        resource_id: &str,
    ) -> Result<Vec<DiagnosticSettingsResource>, ArmError> {
        self.resources.check_scope(resource_id)?;
        Ok(self
            .settings
            .scan_prefix(&setting_key(resource_id, ""))
            .into_iter()
            .map(|(_, r)| r.setting)
            .collect())
    }

    /// `DELETE`: `false` when there was none.
    pub fn delete_setting(&self, resource_id: &str, name: &str) -> Result<bool, ArmError> {
        self.resources.check_scope(resource_id)?;
        Ok(self
            .settings
            .remove(&setting_key(resource_id, name))?
            .is_some())
    }

    /// The workspaces (customer IDs) `resource_id`'s settings send `category` to.
    fn destinations(&self, resource_id: &str, category: &str) -> Vec<String> {
        self.settings
            .scan_prefix(&setting_key(resource_id, ""))
            .into_iter()
            .filter_map(|(_, record)| {
                let properties = record.setting.properties?;
                let sends = properties.logs.iter().flatten().any(|log| {
                    log.enabled == Some(true)
                        && (log.category.as_deref() == Some(category)
                            || log.category_group.as_deref() == Some("allLogs"))
                });
                sends
                    .then(|| {
                        properties
                            .workspace_id
                            .as_deref()
                            .and_then(|w| self.log_analytics.customer_for_workspace(w))
                    })
                    .flatten()
            })
            .collect()
    }
}

impl ResourceLogs for Insights {
    fn function_app_line(&self, line: ResourceLogLine) {
        for customer_id in self.destinations(&line.resource_id, "FunctionAppLogs") {
            let columns = BTreeMap::from([
                ("Category".to_string(), "Host.Function.Console".to_string()),
                ("AppName".to_string(), line.app_name.clone()),
                ("FunctionName".to_string(), String::new()),
                ("HostInstanceId".to_string(), String::new()),
                (
                    "Level".to_string(),
                    if line.stderr { "Error" } else { "Information" }.to_string(),
                ),
                ("Message".to_string(), line.text.clone()),
                ("RoleInstance".to_string(), String::new()),
                // Azure writes `_ResourceId` upper-cased.
                (
                    "_ResourceId".to_string(),
                    line.resource_id.to_ascii_uppercase(),
                ),
            ]);
            self.log_analytics
                .append_row(&customer_id, FUNCTION_TABLE, line.time_ms, columns);
        }
    }
}

impl ConsoleLogs for Insights {
    /// A container's line: to the environment's `appLogsConfiguration` workspace
    /// (`ContainerAppConsoleLogs_CL`), and to `ContainerAppConsoleLogs` in each workspace the
    /// environment's diagnostic settings name.
    fn append(&self, line: ConsoleLine) {
        for customer_id in self.destinations(&line.environment_id, "ContainerAppConsoleLogs") {
            let columns = BTreeMap::from([
                ("ContainerAppName".to_string(), line.app.clone()),
                ("RevisionName".to_string(), line.revision.clone()),
                ("ContainerGroupName".to_string(), line.replica.clone()),
                ("ContainerName".to_string(), line.container.clone()),
                ("ContainerImage".to_string(), line.image.clone()),
                ("EnvironmentName".to_string(), line.environment.clone()),
                ("JobName".to_string(), line.job.clone()),
                ("ExecutionName".to_string(), line.execution.clone()),
                ("Stream".to_string(), line.stream.to_string()),
                ("Log".to_string(), line.log.clone()),
                (
                    "_ResourceId".to_string(),
                    line.environment_id.to_ascii_uppercase(),
                ),
            ]);
            self.log_analytics.append_row(
                &customer_id,
                CONSOLE_DEDICATED_TABLE,
                line.time_ms,
                columns,
            );
        }
        self.log_analytics.append(line);
    }
}

impl ResourceProvider for Insights {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    /// Diagnostic settings are extension resources: a group's listing does not show them.
    fn resources_in_group(
        &self,
        _subscription: &str,
        _group: &str,
    ) -> Vec<GenericResourceExpanded> {
        Vec::new()
    }

    /// Diagnostic settings outlive their resource, as Azure's do: a resource made again with
    /// the same ID sends its logs where the old one did.
    fn delete_group_contents(&self, _subscription: &str, _group: &str) -> Result<(), ArmError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_types_of_ids() {
        assert_eq!(
            resource_type("/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/f")
                .as_deref(),
            Some("microsoft.web/sites")
        );
        assert_eq!(resource_type("/subscriptions/s/resourceGroups/g"), None);
        assert_eq!(
            setting_key("/subscriptions/S/x/", "Logs"),
            "/subscriptions/s/x\0logs"
        );
    }
}
