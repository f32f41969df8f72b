//! `Microsoft.ContainerRegistry` registries on the control plane, and the registry each one
//! fronts on the data plane.
//!
//! Control plane: create (201 `Creating`, finished by an operation, as ACR answers a new
//! registry), read, list by group and subscription, update (`PATCH`: tags, SKU, admin user),
//! delete, `checkNameAvailability`, and the admin user's `listCredentials` and
//! `regenerateCredential`. Registry names are global, as in Azure (`NAME.azurecr.io` is one DNS
//! name): the collection is keyed by the lower-cased name, and a name taken anywhere is
//! `AlreadyInUse`.
//!
//! Data plane: each registry is one namespace (its lower-cased name) of simkit's OCI registry;
//! [`access`] authenticates requests to `NAME.azurecr.io` (admin user, ACR's refresh and access
//! tokens) and issues those tokens; [`pull`] finds a workload's image in it.
//!
//! Not served (ARM's `NotImplemented` from `protocol`): replications, webhooks, scope maps and
//! tokens, tasks and runs, cache rules, private endpoints, `importImage`, `listUsages`.

pub mod access;
pub mod pull;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::operations::Outcome;
use simkit::registry::Registry as OciRegistry;
use simkit::store::Collection;

use super::resources::{Resources, resource_location};
use super::{Ctx, ResourceProvider};
use crate::async_ops::AsyncOperations;
use crate::error::ArmError;
use crate::shapes::containerregistry::{
    EncryptionProperty, ExportPolicy, NetworkRuleSet, Policies, QuarantinePolicy,
    RegenerateCredentialParameters, Registry, RegistryListCredentialsResult,
    RegistryNameCheckRequest, RegistryNameStatus, RegistryPassword, RegistryProperties,
    RegistryUpdateParameters, RetentionPolicy, Sku, SystemData, TrustPolicy,
};
use crate::shapes::resources::{GenericResourceExpanded, Sku as GenericSku};

pub const NAMESPACE: &str = "Microsoft.ContainerRegistry";
pub const TYPE: &str = "Microsoft.ContainerRegistry/registries";
/// The DNS suffix of every registry's login server.
pub const LOGIN_SUFFIX: &str = "azurecr.io";
/// The SKUs a registry can be created with (`Classic` is retired: refused).
const SKUS: &[&str] = &["Basic", "Standard", "Premium"];
const PASSWORD_NAMES: [&str; 2] = ["password", "password2"];

/// A registry as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistryRecord {
    pub registry: Registry,
    pub subscription: String,
    pub group: String,
    /// The admin user's two passwords (`password`, `password2`).
    pub passwords: [String; 2],
}

impl RegistryRecord {
    fn admin_enabled(&self) -> bool {
        self.registry
            .properties
            .as_ref()
            .and_then(|p| p.admin_user_enabled)
            .unwrap_or(false)
    }

    fn name(&self) -> String {
        self.registry.name.clone().unwrap_or_default()
    }
}

/// What a create did: created (the operation finishing it) or updated in place.
#[derive(Debug)]
pub struct Provisioned {
    pub registry: Registry,
    pub created: bool,
    pub operation: String,
    pub location: String,
}

pub struct ContainerRegistries {
    kit: Kit,
    records: Arc<Collection<RegistryRecord>>,
    resources: Arc<Resources>,
    operations: AsyncOperations,
    registry: Arc<OciRegistry>,
    access: Arc<access::AcrAccess>,
}

impl std::fmt::Debug for ContainerRegistries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerRegistries")
            .finish_non_exhaustive()
    }
}

/// ACR's rule: 5 to 50 letters and digits.
pub fn valid_registry_name(name: &str) -> bool {
    (5..=50).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `NAME.azurecr.io` → the registry name (lower-cased), for a host a request was addressed to.
pub fn registry_of_host(host: &str) -> Option<String> {
    let name = host.strip_suffix(".azurecr.io")?;
    valid_registry_name(name).then(|| name.to_ascii_lowercase())
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
    #[error(transparent)]
    Registry(#[from] simkit::registry::OpenError),
}

impl ContainerRegistries {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
        operations: AsyncOperations,
        identity: Arc<crate::identity::Identity>,
    ) -> Result<Arc<Self>, OpenError> {
        let records = kit.store().collection::<RegistryRecord>("acr-registries")?;
        let access = Arc::new(access::AcrAccess::new(
            kit.clone(),
            records.clone(),
            identity,
        ));
        let registry = OciRegistry::open(kit.clone(), access.clone())?;
        Ok(Arc::new(Self {
            kit,
            records,
            resources,
            operations,
            registry,
            access,
        }))
    }

    /// The OCI registry behind every registry's login server.
    pub fn oci(&self) -> &Arc<OciRegistry> {
        &self.registry
    }

    pub fn access(&self) -> &Arc<access::AcrAccess> {
        &self.access
    }

    fn now(&self) -> String {
        crate::time::arm_timestamp(self.kit.clock().now_millis())
    }

    fn new_password(&self) -> String {
        // ACR's admin passwords are 52 characters of letters, digits, `+` and `/`; hex is a
        // subset clients take the same way.
        self.kit.ids().hex(52)
    }

    pub fn check_name_availability(
        &self,
        subscription: &str,
        request: RegistryNameCheckRequest,
    ) -> Result<RegistryNameStatus, ArmError> {
        self.resources.check_subscription(subscription)?;
        let name = request
            .name
            .ok_or_else(|| ArmError::MissingRequiredProperty("name".into()))?;
        match request.r#type.as_deref() {
            Some(kind) if kind.eq_ignore_ascii_case(TYPE) => {}
            Some(kind) => {
                return Err(ArmError::InvalidValue {
                    property: "type".into(),
                    value: kind.to_string(),
                });
            }
            None => return Err(ArmError::MissingRequiredProperty("type".into())),
        }
        Ok(if !valid_registry_name(&name) {
            let (_, _, message) = ArmError::InvalidRegistryName(name.clone()).parts();
            RegistryNameStatus {
                name_available: Some(false),
                reason: Some("Invalid".into()),
                message: Some(message),
            }
        } else if self.records.contains(&name.to_ascii_lowercase()) {
            RegistryNameStatus {
                name_available: Some(false),
                reason: Some("AlreadyExists".into()),
                message: Some(format!("The registry {name} is already in use.")),
            }
        } else {
            RegistryNameStatus {
                name_available: Some(true),
                ..Default::default()
            }
        })
    }

    fn system_data(ctx: &Ctx, now: &str) -> SystemData {
        SystemData {
            created_by: Some(ctx.caller.name.clone()),
            created_by_type: Some(ctx.caller.kind.into()),
            created_at: Some(now.to_string()),
            last_modified_by: Some(ctx.caller.name.clone()),
            last_modified_by_type: Some(ctx.caller.kind.into()),
            last_modified_at: Some(now.to_string()),
        }
    }

    fn sku(name: &str) -> Result<Sku, ArmError> {
        let sku = SKUS
            .iter()
            .find(|s| s.eq_ignore_ascii_case(name))
            .ok_or_else(|| ArmError::InvalidValue {
                property: "sku.name".into(),
                value: name.to_string(),
            })?;
        Ok(Sku {
            name: Some((*sku).to_string()),
            tier: Some((*sku).to_string()),
        })
    }

    /// `PUT`: a new registry is `Creating` until its operation finishes; an existing one of the
    /// same group is updated in place.
    pub fn begin_create(
        self: &Arc<Self>,
        ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: Registry,
    ) -> Result<Provisioned, ArmError> {
        // Storage and ACR spell the group in IDs as the request does.
        self.resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_registry_name(name) {
            return Err(ArmError::InvalidRegistryName(name.to_string()));
        }
        let sku_name = request
            .sku
            .as_ref()
            .and_then(|s| s.name.clone())
            .ok_or_else(|| ArmError::MissingRequiredProperty("sku".into()))?;
        let sku = Self::sku(&sku_name)?;
        let location = resource_location(TYPE, request.location.as_deref())?;
        let asked = request.properties.clone().unwrap_or_default();
        let now = self.now();
        let key = name.to_ascii_lowercase();
        let registry = Registry {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group}/providers/{TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            sku: Some(Box::new(sku.clone())),
            system_data: Some(Box::new(Self::system_data(ctx, &now))),
            identity: None,
            properties: Some(Box::new(RegistryProperties {
                login_server: Some(format!("{key}.{LOGIN_SUFFIX}")),
                creation_date: Some(now.clone()),
                provisioning_state: Some("Creating".into()),
                admin_user_enabled: Some(asked.admin_user_enabled.unwrap_or(false)),
                network_rule_set: (sku.name.as_deref() == Some("Premium")).then(|| {
                    Box::new(NetworkRuleSet {
                        default_action: Some("Allow".into()),
                        ip_rules: Some(Vec::new()),
                    })
                }),
                policies: Some(Box::new(Policies {
                    quarantine_policy: Some(Box::new(QuarantinePolicy {
                        status: Some("disabled".into()),
                    })),
                    trust_policy: Some(Box::new(TrustPolicy {
                        r#type: Some("Notary".into()),
                        status: Some("disabled".into()),
                    })),
                    retention_policy: Some(Box::new(RetentionPolicy {
                        days: Some(7),
                        last_updated_time: Some(now.clone()),
                        status: Some("disabled".into()),
                    })),
                    export_policy: Some(Box::new(ExportPolicy {
                        status: Some("enabled".into()),
                    })),
                })),
                encryption: Some(Box::new(EncryptionProperty {
                    status: Some("disabled".into()),
                    key_vault_properties: None,
                })),
                data_endpoint_enabled: Some(false),
                data_endpoint_host_names: Some(Vec::new()),
                private_endpoint_connections: Some(Vec::new()),
                public_network_access: Some(
                    asked
                        .public_network_access
                        .clone()
                        .unwrap_or_else(|| "Enabled".into()),
                ),
                network_rule_bypass_options: Some("AzureServices".into()),
                zone_redundancy: Some("Disabled".into()),
                status: None,
            })),
        };
        let passwords = [self.new_password(), self.new_password()];
        let group_name = group.to_string();
        let updated = self.records.modify(&key, |slot| match slot {
            Some(record)
                if record.subscription.eq_ignore_ascii_case(subscription)
                    && record.group.eq_ignore_ascii_case(&group_name) =>
            {
                // PUT on an existing registry updates what it may change.
                if request.tags.is_some() {
                    record.registry.tags = request.tags.clone();
                }
                record.registry.sku = Some(Box::new(sku.clone()));
                if let (Some(enabled), Some(properties)) = (
                    asked.admin_user_enabled,
                    record.registry.properties.as_mut(),
                ) {
                    properties.admin_user_enabled = Some(enabled);
                }
                if let Some(data) = record.registry.system_data.as_mut() {
                    data.last_modified_at = Some(now.clone());
                    data.last_modified_by = Some(ctx.caller.name.clone());
                }
                Ok(Some(record.registry.clone()))
            }
            Some(_) => Err(ArmError::RegistryNameInUse(key.clone())),
            None => {
                *slot = Some(RegistryRecord {
                    registry: registry.clone(),
                    subscription: subscription.to_string(),
                    group: group_name.clone(),
                    passwords: passwords.clone(),
                });
                Ok(None)
            }
        })?;
        let (registry, created) = match updated {
            Some(existing) => (existing, false),
            None => (registry, true),
        };
        let this = self.clone();
        let operation_key = key.clone();
        let operation = self.operations.start(
            serde_json::json!({"kind": "registryCreate", "registry": registry.id}),
            async move { this.finish_create(&operation_key) },
        )?;
        Ok(Provisioned {
            registry,
            created,
            operation,
            location: location.to_string(),
        })
    }

    fn finish_create(&self, key: &str) -> Outcome {
        let finished = self.records.update(key, |record| {
            if let Some(properties) = record.registry.properties.as_mut() {
                properties.provisioning_state = Some("Succeeded".into());
            }
            record.registry.clone()
        });
        match finished {
            Ok(Some(registry)) => {
                Outcome::Response(serde_json::to_value(registry).unwrap_or_default())
            }
            // Deleted while it was being created: the operation still finished.
            Ok(None) => Outcome::Response(serde_json::Value::Null),
            Err(error) => {
                tracing::error!(%error, registry = key, "could not record a registry's creation");
                Outcome::Error {
                    code: "InternalServerError".into(),
                    message: "The registry could not be provisioned.".into(),
                }
            }
        }
    }

    fn record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<RegistryRecord, ArmError> {
        self.resources.check_subscription(subscription)?;
        self.resources.get_group(subscription, group)?;
        self.records
            .get(&name.to_ascii_lowercase())
            .filter(|r| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && r.group.eq_ignore_ascii_case(group)
            })
            .ok_or_else(|| ArmError::ResourceNotFound {
                resource_type: TYPE.into(),
                name: name.to_string(),
                group: group.to_string(),
            })
    }

    pub fn get(&self, subscription: &str, group: &str, name: &str) -> Result<Registry, ArmError> {
        Ok(self.record(subscription, group, name)?.registry)
    }

    pub fn list(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, Registry)>, ArmError> {
        self.resources.check_subscription(subscription)?;
        if let Some(group) = group {
            self.resources.get_group(subscription, group)?;
        }
        Ok(self
            .records
            .all()
            .into_iter()
            .filter(|(_, r)| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && group.is_none_or(|g| r.group.eq_ignore_ascii_case(g))
            })
            .map(|(key, r)| (key, r.registry))
            .collect())
    }

    /// `PATCH`: tags, SKU, the admin user and public network access.
    pub fn update(
        &self,
        ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        patch: RegistryUpdateParameters,
    ) -> Result<Registry, ArmError> {
        self.record(subscription, group, name)?;
        let sku = match patch.sku.as_ref().and_then(|s| s.name.as_deref()) {
            Some(sku) => Some(Self::sku(sku)?),
            None => None,
        };
        let now = self.now();
        let updated = self.records.update(&name.to_ascii_lowercase(), |record| {
            if let Some(tags) = patch.tags.clone() {
                record.registry.tags = Some(tags);
            }
            if let Some(sku) = sku.clone() {
                record.registry.sku = Some(Box::new(sku));
            }
            if let (Some(changes), Some(properties)) = (
                patch.properties.as_ref(),
                record.registry.properties.as_mut(),
            ) {
                if changes.admin_user_enabled.is_some() {
                    properties.admin_user_enabled = changes.admin_user_enabled;
                }
                if changes.public_network_access.is_some() {
                    properties.public_network_access = changes.public_network_access.clone();
                }
            }
            if let Some(data) = record.registry.system_data.as_mut() {
                data.last_modified_at = Some(now.clone());
                data.last_modified_by = Some(ctx.caller.name.clone());
                data.last_modified_by_type = Some(ctx.caller.kind.into());
            }
            record.registry.clone()
        })?;
        updated.ok_or_else(|| ArmError::ResourceNotFound {
            resource_type: TYPE.into(),
            name: name.to_string(),
            group: group.to_string(),
        })
    }

    /// `DELETE`: the registry and everything pushed to it; `false` when there was nothing.
    pub fn delete(&self, subscription: &str, group: &str, name: &str) -> Result<bool, ArmError> {
        match self.record(subscription, group, name) {
            Ok(record) => {
                self.remove(&record)?;
                Ok(true)
            }
            Err(ArmError::ResourceNotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    fn remove(&self, record: &RegistryRecord) -> Result<(), ArmError> {
        let namespace = record.name().to_ascii_lowercase();
        self.records.remove(&namespace)?;
        // A registry made later with the same name starts empty, as in Azure.
        for repository in self.registry.repositories(&namespace) {
            if let Err(error) = self.registry.delete_repository(&namespace, &repository) {
                tracing::error!(%error, registry = %namespace, "a repository was not removed");
                return Err(ArmError::Internal);
            }
        }
        Ok(())
    }

    fn credentials(record: &RegistryRecord) -> RegistryListCredentialsResult {
        RegistryListCredentialsResult {
            username: Some(record.name()),
            passwords: Some(
                PASSWORD_NAMES
                    .iter()
                    .zip(record.passwords.iter())
                    .map(|(name, value)| {
                        Box::new(RegistryPassword {
                            name: Some((*name).to_string()),
                            value: Some(value.clone()),
                        })
                    })
                    .collect(),
            ),
        }
    }

    fn admin_record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<RegistryRecord, ArmError> {
        let record = self.record(subscription, group, name)?;
        if !record.admin_enabled() {
            return Err(ArmError::AdminUserDisabled(
                record.registry.id.clone().unwrap_or_default(),
            ));
        }
        Ok(record)
    }

    pub fn list_credentials(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<RegistryListCredentialsResult, ArmError> {
        Ok(Self::credentials(&self.admin_record(
            subscription,
            group,
            name,
        )?))
    }

    pub fn regenerate_credential(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        request: RegenerateCredentialParameters,
    ) -> Result<RegistryListCredentialsResult, ArmError> {
        self.admin_record(subscription, group, name)?;
        let which = request
            .name
            .ok_or_else(|| ArmError::MissingRequiredProperty("name".into()))?;
        let index = PASSWORD_NAMES
            .iter()
            .position(|p| p.eq_ignore_ascii_case(&which))
            .ok_or_else(|| ArmError::InvalidValue {
                property: "name".into(),
                value: which.clone(),
            })?;
        let password = self.new_password();
        let updated = self.records.update(&name.to_ascii_lowercase(), |record| {
            record.passwords[index] = password.clone();
            Self::credentials(record)
        })?;
        updated.ok_or_else(|| ArmError::ResourceNotFound {
            resource_type: TYPE.into(),
            name: name.to_string(),
            group: group.to_string(),
        })
    }
}

impl ResourceProvider for ContainerRegistries {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded> {
        self.list(subscription, Some(group))
            .unwrap_or_default()
            .into_iter()
            .map(|(_, registry)| {
                let properties = registry.properties.as_deref();
                GenericResourceExpanded {
                    id: registry.id.clone(),
                    name: registry.name.clone(),
                    r#type: registry.r#type.clone(),
                    location: registry.location.clone(),
                    tags: registry.tags.clone(),
                    sku: registry.sku.as_ref().map(|s| {
                        Box::new(GenericSku {
                            name: s.name.clone(),
                            tier: s.tier.clone(),
                            ..Default::default()
                        })
                    }),
                    created_time: properties.and_then(|p| p.creation_date.clone()),
                    changed_time: registry
                        .system_data
                        .as_ref()
                        .and_then(|d| d.last_modified_at.clone()),
                    provisioning_state: properties.and_then(|p| p.provisioning_state.clone()),
                    ..Default::default()
                }
            })
            .collect()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let doomed: Vec<RegistryRecord> = self
            .records
            .all()
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| {
                r.subscription.eq_ignore_ascii_case(subscription)
                    && r.group.eq_ignore_ascii_case(group)
            })
            .collect();
        for record in doomed {
            self.remove(&record)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn registry_names_and_hosts() {
        assert!(super::valid_registry_name("myReg1"));
        assert!(!super::valid_registry_name("abcd"));
        assert!(!super::valid_registry_name("with-dash"));
        assert!(!super::valid_registry_name(&"a".repeat(51)));
        assert_eq!(
            super::registry_of_host("myreg1.azurecr.io").as_deref(),
            Some("myreg1")
        );
        assert_eq!(super::registry_of_host("x.azurecr.io"), None);
        assert_eq!(super::registry_of_host("myreg1.azurecr.io.evil"), None);
        assert_eq!(super::registry_of_host("localhost"), None);
    }
}
