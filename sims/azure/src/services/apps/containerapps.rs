//! Container apps (`Microsoft.App/containerApps`) and their revisions.
//!
//! A PUT (or PATCH, merged over what is stored) answers the app `InProgress`; the operation it
//! starts finishes once the app's latest revision has a replica running, and sets
//! `latestReadyRevisionName`. Every change of `properties.template` makes a new revision,
//! named `APP--SUFFIX` (`template.revisionSuffix`, or seven random characters), as Azure does;
//! changes outside the template (secrets, ingress, registries) change the app alone. In
//! `Single` revision mode a new revision deactivates the others; in `Multiple` mode they stay
//! active until deactivated. `ingress.fqdn` is `APP.DEFAULTDOMAIN` of the environment
//! (`APP.internal.DEFAULTDOMAIN` when not `external`), and each revision's is
//! `APP--SUFFIX.DEFAULTDOMAIN`. Secrets keep their values in the record; reads show names
//! only and `listSecrets` shows values.
//!
//! Revisions are records keyed under their app; an active revision has one replica, run by
//! [`super::replicas`]. After a restart every active revision gets its replica again.
//!
//! Not served: `start`/`stop` of apps, auth configs, source controls, custom domains, Dapr,
//! scale rules (each active revision runs one replica whatever `scale` says), TCP transport.
//! What this module must not do: read HTTP or JSON text.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use simkit::operations::Outcome;

use super::{
    ContainerApps, Deleting, Provisioning, set_provisioning_state, system_data, valid_app_name,
};
use crate::error::ArmError;
use crate::services::resources::{resource_location, scoped_key};
use crate::shapes::app_common::Secret;
use crate::shapes::app_containerapps::ContainerApp;
use crate::shapes::app_revisions::{Replica, Revision};

pub(super) const APP_TYPE: &str = "Microsoft.App/containerApps";
const REVISION_TYPE: &str = "Microsoft.App/containerApps/revisions";
const REPLICA_TYPE: &str = "Microsoft.App/containerApps/revisions/replicas";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRecord {
    /// As read back: secrets carry names only.
    pub app: ContainerApp,
    pub subscription: String,
    pub group: String,
    /// The secrets with their values.
    pub secrets: Vec<Secret>,
    /// The environment's default domain, for host names.
    pub domain: String,
    /// The Log Analytics workspace the environment sends console logs to.
    pub log_analytics_customer_id: Option<String>,
    pub environment_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub revision: Revision,
    pub app: String,
    /// When it was made (ms since the epoch), for ordering.
    pub created_ms: i64,
    pub active: bool,
}

fn revision_key(app_key: &str, revision: &str) -> String {
    format!("{app_key}\0{}", revision.to_ascii_lowercase())
}

/// `properties` as an object (an error when it is something else).
fn properties_object(properties: Option<&Value>) -> Result<Map<String, Value>, ArmError> {
    match properties {
        Some(Value::Object(map)) => Ok(map.clone()),
        None | Some(Value::Null) => Err(ArmError::MissingRequiredProperty("properties".into())),
        Some(_) => Err(ArmError::InvalidRequestContent(
            "'properties' must be an object".into(),
        )),
    }
}

/// RFC 7396: `patch` merged over `target`.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (name, value) in patch {
                if value.is_null() {
                    target.remove(name);
                } else {
                    merge_patch(target.entry(name.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn string_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |value, name| value.get(name))?
        .as_str()
}

impl ContainerApps {
    /// `PUT`: creates or replaces an app.
    pub fn create_app(
        self: &Arc<Self>,
        ctx: &super::Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: ContainerApp,
    ) -> Result<Provisioning<ContainerApp>, ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, super::NAMESPACE, group)?;
        if !valid_app_name(name) {
            return Err(ArmError::ContainerAppJobInvalidName(name.to_string()));
        }
        let location = resource_location(APP_TYPE, request.location.as_deref())?;
        let properties = properties_object(request.properties.as_ref())?;
        self.provision_app(
            ctx,
            subscription,
            &group_name,
            name,
            location,
            request,
            properties,
        )
    }

    /// `PATCH`: merges the body over the stored app (its secrets' values kept unless the patch
    /// names secrets), then provisions it as a PUT would.
    pub fn update_app(
        self: &Arc<Self>,
        ctx: &super::Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        patch: Value,
    ) -> Result<Provisioning<ContainerApp>, ArmError> {
        let record = self.app_record(subscription, group, name)?;
        let mut merged = serde_json::to_value(&record.app).map_err(|_| ArmError::Internal)?;
        if let Some(Value::Object(configuration)) = merged
            .get_mut("properties")
            .and_then(|p| p.get_mut("configuration"))
        {
            configuration.insert(
                "secrets".into(),
                serde_json::to_value(&record.secrets).unwrap_or_default(),
            );
        }
        if let Some(Value::Object(properties)) = merged.get_mut("properties") {
            for read_only in [
                "provisioningState",
                "latestRevisionName",
                "latestReadyRevisionName",
                "latestRevisionFqdn",
                "eventStreamEndpoint",
            ] {
                properties.remove(read_only);
            }
        }
        merge_patch(&mut merged, &patch);
        let request: ContainerApp = serde_json::from_value(merged)
            .map_err(|error| ArmError::InvalidRequestContent(error.to_string()))?;
        let properties = properties_object(request.properties.as_ref())?;
        let location = resource_location(APP_TYPE, request.location.as_deref())?;
        self.provision_app(
            ctx,
            subscription,
            &record.group,
            name,
            location,
            request,
            properties,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn provision_app(
        self: &Arc<Self>,
        ctx: &super::Ctx,
        subscription: &str,
        group_name: &str,
        name: &str,
        location: &'static str,
        request: ContainerApp,
        mut properties: Map<String, Value>,
    ) -> Result<Provisioning<ContainerApp>, ArmError> {
        let environment_id = properties
            .get("managedEnvironmentId")
            .or_else(|| properties.get("environmentId"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                ArmError::MissingRequiredProperty("properties.managedEnvironmentId".into())
            })?;
        let environment = self.environment_by_id(&environment_id)?;
        let domain = environment
            .environment
            .properties
            .as_ref()
            .and_then(|p| string_at(p, &["defaultDomain"]))
            .unwrap_or_default()
            .to_string();
        let template = properties
            .get("template")
            .cloned()
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties.template".into()))?;
        let mut configuration = match properties.remove("configuration") {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => Map::new(),
            Some(_) => {
                return Err(ArmError::InvalidRequestContent(
                    "'properties.configuration' must be an object".into(),
                ));
            }
        };
        let secrets: Vec<Secret> = configuration
            .get("secrets")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|error| ArmError::InvalidRequestContent(error.to_string()))?
            .unwrap_or_default();
        let containers = super::replicas::template_containers(&template)?;
        super::check_containers(&containers, &secrets, "properties.template")?;
        let mode = match configuration
            .get("activeRevisionsMode")
            .and_then(Value::as_str)
        {
            None => "Single",
            Some(mode) if mode.eq_ignore_ascii_case("single") => "Single",
            Some(mode) if mode.eq_ignore_ascii_case("multiple") => "Multiple",
            Some(other) => {
                return Err(ArmError::InvalidValue {
                    property: "properties.configuration.activeRevisionsMode".into(),
                    value: other.to_string(),
                });
            }
        };
        configuration.insert("activeRevisionsMode".into(), json!(mode));
        configuration.insert(
            "secrets".into(),
            json!(
                secrets
                    .iter()
                    .map(|s| json!({"name": s.name}))
                    .collect::<Vec<_>>()
            ),
        );
        let mut app_fqdn = None;
        if let Some(Value::Object(ingress)) = configuration.get_mut("ingress") {
            let target_port = ingress.get("targetPort").and_then(Value::as_i64);
            match target_port {
                Some(port) if (1..=65535).contains(&port) => {}
                Some(port) => {
                    return Err(ArmError::InvalidValue {
                        property: "properties.configuration.ingress.targetPort".into(),
                        value: port.to_string(),
                    });
                }
                None => {
                    return Err(ArmError::MissingRequiredProperty(
                        "properties.configuration.ingress.targetPort".into(),
                    ));
                }
            }
            let external = ingress
                .get("external")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            ingress.insert("external".into(), json!(external));
            let fqdn = if external {
                format!("{name}.{domain}")
            } else {
                format!("{name}.internal.{domain}")
            };
            ingress.insert("fqdn".into(), json!(fqdn));
            ingress.entry("transport").or_insert_with(|| json!("Auto"));
            ingress
                .entry("allowInsecure")
                .or_insert_with(|| json!(false));
            if ingress
                .get("traffic")
                .is_none_or(|t| t.as_array().is_none_or(Vec::is_empty))
            {
                ingress.insert(
                    "traffic".into(),
                    json!([{"weight": 100, "latestRevision": true}]),
                );
            }
            app_fqdn = Some(fqdn);
        }
        let app_key = scoped_key(subscription, group_name, name);
        let existing = self.container_apps.get(&app_key);
        let previous_template = existing.as_ref().and_then(|r| {
            r.app
                .properties
                .as_ref()
                .and_then(|p| p.get("template"))
                .cloned()
        });
        let previous_revision = existing.as_ref().and_then(|r| {
            r.app
                .properties
                .as_ref()
                .and_then(|p| string_at(p, &["latestRevisionName"]))
                .map(str::to_string)
        });
        let now_ms = self.kit.clock().now_millis();
        let now = self.now();
        let new_revision = match (&previous_revision, previous_template) {
            (Some(revision), Some(previous)) if previous == template => {
                Some((revision.clone(), false))
            }
            _ => {
                let suffix = string_at(&template, &["revisionSuffix"])
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        self.kit
                            .ids()
                            .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 7)
                    });
                let revision = format!("{name}--{suffix}");
                if self.revisions.contains(&revision_key(&app_key, &revision)) {
                    return Err(ArmError::InvalidValue {
                        property: "properties.template.revisionSuffix".into(),
                        value: format!("{suffix} (revision {revision} already exists)"),
                    });
                }
                Some((revision, true))
            }
        };
        let (latest_revision, made_revision) =
            new_revision.unwrap_or_else(|| (String::new(), false));
        properties.insert("provisioningState".into(), json!("InProgress"));
        properties.insert("managedEnvironmentId".into(), json!(environment_id));
        properties.insert("environmentId".into(), json!(environment_id));
        properties.insert("configuration".into(), Value::Object(configuration));
        properties
            .entry("workloadProfileName")
            .or_insert(Value::Null);
        properties.insert("latestRevisionName".into(), json!(latest_revision));
        let ready = existing.as_ref().and_then(|r| {
            r.app
                .properties
                .as_ref()
                .and_then(|p| string_at(p, &["latestReadyRevisionName"]))
                .map(str::to_string)
        });
        properties.insert(
            "latestReadyRevisionName".into(),
            ready.map(Value::from).unwrap_or(Value::Null),
        );
        properties.insert(
            "latestRevisionFqdn".into(),
            json!(if app_fqdn.is_some() {
                format!("{latest_revision}.{domain}")
            } else {
                String::new()
            }),
        );
        properties.insert(
            "eventStreamEndpoint".into(),
            json!(format!(
                "https://{location}.azurecontainerapps.dev/subscriptions/{subscription}/resourceGroups/{group_name}/containerApps/{name}/eventstream"
            )),
        );
        let created_system = existing
            .as_ref()
            .and_then(|r| r.app.system_data.clone())
            .and_then(|s| serde_json::to_value(s).ok());
        let mut system = system_data(&ctx.caller, &now);
        if let Some(created) = created_system {
            for field in ["createdBy", "createdByType", "createdAt"] {
                if let Some(value) = created.get(field) {
                    system[field] = value.clone();
                }
            }
        }
        let app = ContainerApp {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group_name}/providers/{APP_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(APP_TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            identity: request.identity.clone(),
            managed_by: request.managed_by.clone(),
            extended_location: request.extended_location.clone(),
            properties: Some(Value::Object(properties)),
            system_data: serde_json::from_value(system).ok(),
        };
        let record = AppRecord {
            app: app.clone(),
            subscription: subscription.to_string(),
            group: group_name.to_string(),
            secrets,
            domain: domain.clone(),
            log_analytics_customer_id: environment.log_analytics_customer_id.clone(),
            environment_name: environment.environment.name.clone().unwrap_or_default(),
        };
        self.container_apps.insert(&app_key, record)?;
        if made_revision {
            let revision = Revision {
                id: Some(format!(
                    "{}/revisions/{latest_revision}",
                    app.id.clone().unwrap_or_default()
                )),
                name: Some(latest_revision.clone()),
                r#type: Some(REVISION_TYPE.into()),
                properties: Some(json!({
                    "createdTime": now,
                    "lastActiveTime": now,
                    "fqdn": if app_fqdn.is_some() { format!("{latest_revision}.{domain}") } else { String::new() },
                    "template": template,
                    "active": true,
                    "replicas": 0,
                    "trafficWeight": 0,
                    "healthState": "None",
                    "provisioningState": "Provisioning",
                    "runningState": "Activating",
                })),
                system_data: None,
            };
            self.revisions.insert(
                &revision_key(&app_key, &latest_revision),
                RevisionRecord {
                    revision,
                    app: name.to_string(),
                    created_ms: now_ms,
                    active: true,
                },
            )?;
        }
        let this = self.clone();
        let operation_key = app_key.clone();
        let single = mode == "Single";
        let operation = self.operations.start(
            json!({"kind": "containerAppCreate", "app": app.id}),
            async move {
                if made_revision {
                    if single {
                        this.deactivate_others(&operation_key, &latest_revision)
                            .await;
                    }
                    this.activate(&operation_key, &latest_revision).await;
                } else {
                    // Secrets or settings changed: running replicas restart to read them.
                    this.restart_active(&operation_key).await;
                }
                this.refresh_traffic(&operation_key);
                let finished = this.container_apps.update(&operation_key, |record| {
                    if let Some(Value::Object(properties)) = record.app.properties.as_mut() {
                        properties.insert("latestReadyRevisionName".into(), json!(latest_revision));
                    }
                    set_provisioning_state(&mut record.app.properties, "Succeeded");
                    record.app.clone()
                });
                super::finished_outcome(finished)
            },
        )?;
        Ok(Provisioning {
            resource: app,
            created: existing.is_none(),
            operation,
            location: location.to_string(),
        })
    }

    pub(super) fn app_record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<AppRecord, ArmError> {
        self.resources
            .record_in_group(&self.container_apps, APP_TYPE, subscription, group, name)
    }

    pub fn get_app(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<ContainerApp, ArmError> {
        Ok(self.app_record(subscription, group, name)?.app)
    }

    pub fn list_apps(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, ContainerApp)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.container_apps, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.app))
            .collect())
    }

    /// `listSecrets`: names and values.
    pub fn list_app_secrets(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Vec<Secret>, ArmError> {
        Ok(self.app_record(subscription, group, name)?.secrets)
    }

    /// `DELETE`: stops every replica, then removes the app and its revisions.
    pub fn delete_app(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Option<Deleting>, ArmError> {
        let record = match self.app_record(subscription, group, name) {
            Ok(record) => record,
            Err(ArmError::ResourceNotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let app_key = scoped_key(subscription, group, name);
        self.container_apps.update(&app_key, |record| {
            set_provisioning_state(&mut record.app.properties, "Deleting");
        })?;
        let this = self.clone();
        let operation = self.operations.start(
            json!({"kind": "containerAppDelete", "app": record.app.id}),
            async move {
                match this.remove_app(&app_key).await {
                    Ok(()) => Outcome::Response(Value::Null),
                    Err(error) => super::internal_outcome(&error),
                }
            },
        )?;
        Ok(Some(Deleting {
            operation,
            location: record.app.location.unwrap_or_default(),
        }))
    }

    /// Stops an app's replicas and removes its records.
    pub(super) async fn remove_app(&self, app_key: &str) -> Result<(), simkit::store::StoreError> {
        let prefix = format!("{app_key}\0");
        for (key, _) in self.revisions.scan_prefix(&prefix) {
            self.stop_replica(&key).await;
            self.revisions.remove(&key)?;
        }
        self.container_apps.remove(app_key)?;
        Ok(())
    }

    // --- revisions ---

    pub fn list_revisions(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
    ) -> Result<Vec<(String, Revision)>, ArmError> {
        self.app_record(subscription, group, app)?;
        let prefix = format!("{}\0", scoped_key(subscription, group, app));
        let mut revisions: Vec<(i64, String, Revision)> = self
            .revisions
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, r)| (r.created_ms, key.clone(), self.revision_view(&key, r)))
            .collect();
        revisions.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(revisions
            .into_iter()
            .enumerate()
            .map(|(index, (_, _, revision))| (format!("{index:010}"), revision))
            .collect())
    }

    fn revision_record(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
    ) -> Result<(String, RevisionRecord), ArmError> {
        self.app_record(subscription, group, app)?;
        let revision_key = revision_key(&scoped_key(subscription, group, app), revision);
        self.revisions
            .get(&revision_key)
            .map(|record| (revision_key, record))
            .ok_or_else(|| ArmError::ResourceNotFound {
                resource_type: REVISION_TYPE.into(),
                name: revision.to_string(),
                group: group.to_string(),
            })
    }

    pub fn get_revision(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
    ) -> Result<Revision, ArmError> {
        let (key, record) = self.revision_record(subscription, group, app, revision)?;
        Ok(self.revision_view(&key, record))
    }

    /// A revision as read: its replica count and states from the replica running now.
    fn revision_view(&self, revision_key: &str, record: RevisionRecord) -> Revision {
        let mut revision = record.revision;
        let state = self.replica_state(revision_key);
        if let Some(Value::Object(properties)) = revision.properties.as_mut() {
            let (replicas, running, health, provisioning) = match (&state, record.active) {
                (_, false) => (0, "Stopped", "None", "Deprovisioned"),
                (Some(state), true) if state.running => (1, "Running", "Healthy", "Provisioned"),
                (Some(_), true) => (1, "Degraded", "Unhealthy", "Provisioned"),
                (None, true) => (0, "Activating", "None", "Provisioning"),
            };
            properties.insert("active".into(), json!(record.active));
            properties.insert("replicas".into(), json!(replicas));
            properties.insert("runningState".into(), json!(running));
            properties.insert("healthState".into(), json!(health));
            properties.insert("provisioningState".into(), json!(provisioning));
        }
        revision
    }

    pub async fn activate_revision(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
    ) -> Result<(), ArmError> {
        let (_, record) = self.revision_record(subscription, group, app, revision)?;
        let app_key = scoped_key(subscription, group, app);
        let name = record.revision.name.unwrap_or_default();
        self.activate(&app_key, &name).await;
        self.refresh_traffic(&app_key);
        Ok(())
    }

    pub async fn deactivate_revision(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
    ) -> Result<(), ArmError> {
        let (revision_key, _) = self.revision_record(subscription, group, app, revision)?;
        self.stop_replica(&revision_key).await;
        self.revisions.update(&revision_key, |record| {
            record.active = false;
        })?;
        self.refresh_traffic(&scoped_key(subscription, group, app));
        Ok(())
    }

    /// `restart`: the revision's replica is replaced by a new one.
    pub async fn restart_revision(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
    ) -> Result<(), ArmError> {
        let (revision_key, record) = self.revision_record(subscription, group, app, revision)?;
        if !record.active {
            return Err(ArmError::InvalidValue {
                property: "revision".into(),
                value: format!("{revision} is not active"),
            });
        }
        self.stop_replica(&revision_key).await;
        self.start_replica(&scoped_key(subscription, group, app), &revision_key)
            .await;
        Ok(())
    }

    pub fn list_replicas(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
    ) -> Result<Vec<(String, Replica)>, ArmError> {
        let (revision_key, record) = self.revision_record(subscription, group, app, revision)?;
        let revision_id = record.revision.id.unwrap_or_default();
        Ok(self
            .replica_state(&revision_key)
            .into_iter()
            .map(|state| {
                let replica = Replica {
                    id: Some(format!("{revision_id}/replicas/{}", state.name)),
                    name: Some(state.name.clone()),
                    r#type: Some(REPLICA_TYPE.into()),
                    properties: Some(state.properties()),
                    system_data: None,
                };
                (state.name, replica)
            })
            .collect())
    }

    pub fn get_replica(
        &self,
        subscription: &str,
        group: &str,
        app: &str,
        revision: &str,
        replica: &str,
    ) -> Result<Replica, ArmError> {
        self.list_replicas(subscription, group, app, revision)?
            .into_iter()
            .map(|(_, r)| r)
            .find(|r| r.name.as_deref() == Some(replica))
            .ok_or_else(|| ArmError::ResourceNotFound {
                resource_type: REPLICA_TYPE.into(),
                name: replica.to_string(),
                group: group.to_string(),
            })
    }

    // --- what revisions do ---

    /// Marks `revision` active and starts its replica (unless one runs).
    async fn activate(&self, app_key: &str, revision: &str) {
        let revision_key = revision_key(app_key, revision);
        let now = self.now();
        if let Err(error) = self.revisions.update(&revision_key, |record| {
            record.active = true;
            if let Some(Value::Object(properties)) = record.revision.properties.as_mut() {
                properties.insert("lastActiveTime".into(), json!(now));
            }
        }) {
            tracing::error!(%error, "could not record a revision's activation");
        }
        if self.replica_state(&revision_key).is_none() {
            self.start_replica(app_key, &revision_key).await;
        }
    }

    /// Single revision mode: every other revision is deactivated (its replica stopped first,
    /// so the new one can take the port).
    async fn deactivate_others(&self, app_key: &str, keep: &str) {
        let keep_key = revision_key(app_key, keep);
        for (key, record) in self.revisions.scan_prefix(&format!("{app_key}\0")) {
            if key != keep_key && record.active {
                self.stop_replica(&key).await;
                if let Err(error) = self.revisions.update(&key, |r| r.active = false) {
                    tracing::error!(%error, "could not record a revision's deactivation");
                }
            }
        }
    }

    /// Restarts every active revision's replica (the app's secrets or settings changed).
    async fn restart_active(&self, app_key: &str) {
        for (key, record) in self.revisions.scan_prefix(&format!("{app_key}\0")) {
            if record.active {
                self.stop_replica(&key).await;
                self.start_replica(app_key, &key).await;
            }
        }
    }

    /// Each revision's `trafficWeight` from the app's `ingress.traffic`.
    fn refresh_traffic(&self, app_key: &str) {
        let Some(app) = self.container_apps.get(app_key) else {
            return;
        };
        let properties = app.app.properties.clone().unwrap_or_default();
        let latest = string_at(&properties, &["latestRevisionName"])
            .unwrap_or_default()
            .to_ascii_lowercase();
        let traffic = properties
            .get("configuration")
            .and_then(|c| c.get("ingress"))
            .and_then(|i| i.get("traffic"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (key, record) in self.revisions.scan_prefix(&format!("{app_key}\0")) {
            let name = record
                .revision
                .name
                .clone()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let weight: i64 = traffic
                .iter()
                .filter(|entry| {
                    let by_name = entry
                        .get("revisionName")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(&name));
                    let latest_entry = entry.get("latestRevision").and_then(Value::as_bool)
                        == Some(true)
                        && name == latest;
                    by_name || latest_entry
                })
                .filter_map(|entry| entry.get("weight").and_then(Value::as_i64))
                .sum();
            if let Err(error) = self.revisions.update(&key, |record| {
                if let Some(Value::Object(properties)) = record.revision.properties.as_mut() {
                    properties.insert("trafficWeight".into(), json!(weight));
                }
            }) {
                tracing::error!(%error, "could not record a revision's traffic weight");
            }
        }
    }

    /// After a restart: every active revision gets its replica again.
    pub fn resume_revisions(self: &Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move {
            for (key, record) in this.revisions.all() {
                if record.active
                    && let Some((app_key, _)) = key.rsplit_once('\0')
                {
                    this.start_replica(app_key, &key).await;
                }
            }
        });
    }

    /// The app whose ingress answers `host`, and which of its revisions it names
    /// (`APP--SUFFIX.DOMAIN` a revision, `APP---LABEL.DOMAIN` a label).
    pub fn app_for_host(&self, host: &str) -> Option<IngressTarget> {
        let host = host.to_ascii_lowercase();
        let (first, domain) = host.split_once('.')?;
        let (domain, internal) = match domain.strip_prefix("internal.") {
            Some(rest) => (rest, true),
            None => (domain, false),
        };
        let (app_name, selector) = if let Some((app, label)) = first.split_once("---") {
            (app, Selector::Label(label.to_string()))
        } else if let Some((app, _)) = first.split_once("--") {
            (app, Selector::Revision(first.to_string()))
        } else {
            (first, Selector::Traffic)
        };
        let (app_key, record) = self.container_apps.all().into_iter().find(|(_, r)| {
            r.domain.eq_ignore_ascii_case(domain)
                && r.app
                    .name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(app_name))
        })?;
        let ingress = record
            .app
            .properties
            .as_ref()
            .and_then(|p| p.get("configuration"))
            .and_then(|c| c.get("ingress"))
            .cloned();
        let target_port = ingress
            .as_ref()
            .and_then(|i| i.get("targetPort"))
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok());
        let external = ingress
            .as_ref()
            .and_then(|i| i.get("external"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let revision = match selector {
            Selector::Revision(name) => Some(name),
            Selector::Label(label) => ingress
                .as_ref()
                .and_then(|i| i.get("traffic"))
                .and_then(Value::as_array)
                .and_then(|traffic| {
                    traffic.iter().find_map(|entry| {
                        (entry.get("label").and_then(Value::as_str) == Some(label.as_str()))
                            .then(|| entry.get("revisionName").and_then(Value::as_str))
                            .flatten()
                            .map(str::to_string)
                    })
                }),
            Selector::Traffic => None,
        };
        // A revision that is not active (or does not exist) has no replica to answer.
        let serving = match &revision {
            Some(name) => self
                .revisions
                .get(&revision_key(&app_key, name))
                .is_some_and(|r| r.active),
            None => self
                .revisions
                .scan_prefix(&format!("{app_key}\0"))
                .into_iter()
                .any(|(_, r)| r.active),
        };
        Some(IngressTarget {
            app: record.app.name.unwrap_or_default(),
            target_port: target_port.filter(|_| serving),
            reachable: ingress.is_some() && (external || internal),
        })
    }
}

enum Selector {
    Traffic,
    Revision(String),
    Label(String),
}

/// Where a request to an app's host name goes.
#[derive(Debug, Clone)]
pub struct IngressTarget {
    pub app: String,
    /// The port its replicas listen on, when an active revision serves the name.
    pub target_port: Option<u16>,
    /// Whether the name is one the app's ingress answers.
    pub reachable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge_patch(&mut target, &json!({"b": {"c": null, "e": 4}, "f": [1]}));
        assert_eq!(target, json!({"a": 1, "b": {"d": 3, "e": 4}, "f": [1]}));
    }
}
