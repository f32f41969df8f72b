//! `Microsoft.Resources`: the subscription (one, configured), its tenant, resource provider
//! registrations, resource groups and the generic listing of what groups hold.
//!
//! Resource groups are keyed `{subscription}/{lower-cased name}`: ARM's names are
//! case-insensitive and keep the spelling they were created with. Deleting a group is a real
//! asynchronous operation: the group turns `Deleting` at once, the work deletes every resource
//! each provider holds in it, then the group, and only then does the operation succeed.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::operations::Outcome;
use simkit::store::Collection;

use super::{Ctx, ResourceProvider};
use crate::async_ops::AsyncOperations;
use crate::error::ArmError;
use crate::shapes::resources::{
    GenericResourceExpanded, Provider, ProviderResourceType, ResourceGroup, ResourceGroupPatchable,
    ResourceGroupProperties,
};
use crate::shapes::subscriptions::{
    Location, LocationMetadata, Subscription, SubscriptionPolicies, TenantIdDescription,
};

/// The regions the simulator offers: (name, display name, geography group), as Azure has them.
pub const REGIONS: &[(&str, &str, &str)] = &[
    ("australiaeast", "Australia East", "Asia Pacific"),
    ("brazilsouth", "Brazil South", "South America"),
    ("canadacentral", "Canada Central", "Canada"),
    ("centralindia", "Central India", "Asia Pacific"),
    ("centralus", "Central US", "US"),
    ("eastasia", "East Asia", "Asia Pacific"),
    ("eastus", "East US", "US"),
    ("eastus2", "East US 2", "US"),
    ("francecentral", "France Central", "Europe"),
    ("germanywestcentral", "Germany West Central", "Europe"),
    ("japaneast", "Japan East", "Asia Pacific"),
    ("koreacentral", "Korea Central", "Asia Pacific"),
    ("northcentralus", "North Central US", "US"),
    ("northeurope", "North Europe", "Europe"),
    ("norwayeast", "Norway East", "Europe"),
    ("southafricanorth", "South Africa North", "Africa"),
    ("southcentralus", "South Central US", "US"),
    ("southeastasia", "Southeast Asia", "Asia Pacific"),
    ("swedencentral", "Sweden Central", "Europe"),
    ("switzerlandnorth", "Switzerland North", "Europe"),
    ("uaenorth", "UAE North", "Middle East"),
    ("uksouth", "UK South", "Europe"),
    ("westcentralus", "West Central US", "US"),
    ("westeurope", "West Europe", "Europe"),
    ("westus", "West US", "US"),
    ("westus2", "West US 2", "US"),
    ("westus3", "West US 3", "US"),
];

/// The regions' names.
pub const LOCATIONS: &[&str] = &[
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "japaneast",
    "koreacentral",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westcentralus",
    "westeurope",
    "westus",
    "westus2",
    "westus3",
];

/// The namespaces the simulator serves; registered in every subscription from the start.
pub const SERVED_NAMESPACES: &[&str] = &[
    "Microsoft.Resources",
    "Microsoft.Storage",
    "Microsoft.App",
    "Microsoft.OperationalInsights",
    "Microsoft.ContainerRegistry",
    "Microsoft.Web",
    "Microsoft.ManagedIdentity",
    "Microsoft.Authorization",
    "Microsoft.Insights",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRecord {
    pub group: ResourceGroup,
    pub subscription: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Registration {
    state: String,
}

pub struct Resources {
    kit: Kit,
    subscription_id: String,
    tenant_id: String,
    groups: Arc<Collection<GroupRecord>>,
    registrations: Arc<Collection<Registration>>,
    providers: std::sync::RwLock<Vec<Arc<dyn ResourceProvider>>>,
    operations: AsyncOperations,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources").finish_non_exhaustive()
    }
}

fn group_key(subscription: &str, name: &str) -> String {
    format!(
        "{}/{}",
        subscription.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}

/// ARM's resource group name rule: letters, digits, `-`, `.`, `(`, `)`, `_`, up to 90
/// characters, not ending in a period.
fn check_group_name(name: &str) -> Result<(), ArmError> {
    let invalid: String = name
        .chars()
        .filter(|c| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '(' | ')' | '_')))
        .collect();
    if !invalid.is_empty() {
        return Err(ArmError::InvalidResourceGroup {
            name: name.to_string(),
            invalid,
        });
    }
    if name.is_empty() || name.chars().count() > 90 || name.ends_with('.') {
        return Err(ArmError::InvalidResourceGroup {
            name: name.to_string(),
            invalid: name.chars().last().map(String::from).unwrap_or_default(),
        });
    }
    Ok(())
}

/// A location as ARM normalises it (`East US` → `eastus`), if it is one the simulator offers.
pub fn normalise_location(location: &str) -> Option<&'static str> {
    if let Some((name, _, _)) = REGIONS
        .iter()
        .find(|(_, display, _)| display.eq_ignore_ascii_case(location.trim()))
    {
        return Some(name);
    }
    let compact: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    LOCATIONS.iter().copied().find(|l| *l == compact)
}

impl Resources {
    pub fn new(
        kit: Kit,
        subscription_id: &str,
        tenant_id: &str,
        operations: AsyncOperations,
    ) -> Result<Self, simkit::store::StoreError> {
        Ok(Self {
            groups: kit.store().collection("resource-groups")?,
            registrations: kit.store().collection("provider-registrations")?,
            kit,
            subscription_id: subscription_id.to_string(),
            tenant_id: tenant_id.to_string(),
            providers: std::sync::RwLock::default(),
            operations,
        })
    }

    /// Lets `provider`'s resources be listed in, and deleted with, their groups.
    pub fn add_provider(&self, provider: Arc<dyn ResourceProvider>) {
        self.providers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(provider);
    }

    fn providers(&self) -> Vec<Arc<dyn ResourceProvider>> {
        self.providers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The subscription a path names, or ARM's error for a malformed or unknown one.
    pub fn check_subscription(&self, subscription: &str) -> Result<(), ArmError> {
        if !is_guid(subscription) {
            return Err(ArmError::InvalidSubscriptionId(subscription.to_string()));
        }
        if !subscription.eq_ignore_ascii_case(&self.subscription_id) {
            return Err(ArmError::SubscriptionNotFound(subscription.to_string()));
        }
        Ok(())
    }

    // --- subscriptions and tenants ---

    pub fn subscription(&self) -> Subscription {
        Subscription {
            id: Some(format!("/subscriptions/{}", self.subscription_id)),
            subscription_id: Some(self.subscription_id.clone()),
            tenant_id: Some(self.tenant_id.clone()),
            display_name: Some("Sockerless".into()),
            state: Some("Enabled".into()),
            authorization_source: Some("RoleBased".into()),
            managed_by_tenants: Some(Vec::new()),
            subscription_policies: Some(Box::new(SubscriptionPolicies {
                location_placement_id: Some("Public_2014-09-01".into()),
                quota_id: Some("PayAsYouGo_2014-09-01".into()),
                spending_limit: Some("Off".into()),
            })),
            ..Default::default()
        }
    }

    pub fn list_subscriptions(&self) -> Vec<Subscription> {
        vec![self.subscription()]
    }

    pub fn get_subscription(&self, subscription: &str) -> Result<Subscription, ArmError> {
        self.check_subscription(subscription)?;
        Ok(self.subscription())
    }

    /// `GET /subscriptions/{id}/locations`.
    pub fn list_locations(&self, subscription: &str) -> Result<Vec<Location>, ArmError> {
        self.check_subscription(subscription)?;
        Ok(REGIONS
            .iter()
            .map(|(name, display, geography)| Location {
                id: Some(format!("/subscriptions/{subscription}/locations/{name}")),
                subscription_id: None,
                name: Some((*name).to_string()),
                r#type: Some("Region".into()),
                display_name: Some((*display).to_string()),
                regional_display_name: Some(format!("({geography}) {display}")),
                metadata: Some(Box::new(LocationMetadata {
                    region_type: Some("Physical".into()),
                    region_category: Some("Recommended".into()),
                    geography_group: Some((*geography).to_string()),
                    ..Default::default()
                })),
                ..Default::default()
            })
            .collect())
    }

    pub fn list_tenants(&self) -> Vec<TenantIdDescription> {
        vec![TenantIdDescription {
            id: Some(format!("/tenants/{}", self.tenant_id)),
            tenant_id: Some(self.tenant_id.clone()),
            tenant_category: Some("Home".into()),
            display_name: Some("Sockerless".into()),
            default_domain: Some("sockerless.onmicrosoft.com".into()),
            domains: Some(vec!["sockerless.onmicrosoft.com".into()]),
            tenant_type: Some("AAD".into()),
            ..Default::default()
        }]
    }

    // --- providers ---

    fn registration_state(&self, subscription: &str, namespace: &str) -> &'static str {
        let key = group_key(subscription, namespace);
        match self.registrations.get(&key).map(|r| r.state) {
            Some(state) if state == "Unregistered" => "NotRegistered",
            Some(_) => "Registered",
            None if SERVED_NAMESPACES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(namespace)) =>
            {
                "Registered"
            }
            None => "NotRegistered",
        }
    }

    /// Whether `namespace` may be used in `subscription` (ARM's `MissingSubscriptionRegistration`).
    pub fn check_registered(&self, subscription: &str, namespace: &str) -> Result<(), ArmError> {
        if namespace.eq_ignore_ascii_case("Microsoft.Resources")
            || self.registration_state(subscription, namespace) == "Registered"
        {
            Ok(())
        } else {
            Err(ArmError::MissingSubscriptionRegistration(
                namespace.to_string(),
            ))
        }
    }

    fn provider(&self, subscription: &str, namespace: &'static str) -> Provider {
        let resource_types = crate::api_versions::resource_types(namespace)
            .into_iter()
            .filter(|t| !t.starts_with('{'))
            .map(|resource_type| {
                Box::new(ProviderResourceType {
                    resource_type: Some(resource_type.to_string()),
                    locations: Some(LOCATIONS.iter().map(|l| display_location(l)).collect()),
                    api_versions: Some(
                        crate::api_versions::supported(namespace, resource_type)
                            .into_iter()
                            .map(str::to_string)
                            .collect(),
                    ),
                    ..Default::default()
                })
            })
            .collect();
        Provider {
            id: Some(format!(
                "/subscriptions/{subscription}/providers/{namespace}"
            )),
            namespace: Some(namespace.to_string()),
            registration_state: Some(self.registration_state(subscription, namespace).into()),
            registration_policy: Some("RegistrationRequired".into()),
            resource_types: Some(resource_types),
            ..Default::default()
        }
    }

    pub fn list_providers(&self, subscription: &str) -> Result<Vec<Provider>, ArmError> {
        self.check_subscription(subscription)?;
        Ok(SERVED_NAMESPACES
            .iter()
            .map(|ns| self.provider(subscription, ns))
            .collect())
    }

    pub fn get_provider(&self, subscription: &str, namespace: &str) -> Result<Provider, ArmError> {
        self.check_subscription(subscription)?;
        let namespace = served_namespace(namespace)?;
        Ok(self.provider(subscription, namespace))
    }

    /// Registers or unregisters `namespace` (`register` / `unregister`).
    pub fn set_registration(
        &self,
        subscription: &str,
        namespace: &str,
        register: bool,
    ) -> Result<Provider, ArmError> {
        self.check_subscription(subscription)?;
        let namespace = served_namespace(namespace)?;
        let state = if register {
            "Registered"
        } else {
            "Unregistered"
        };
        self.registrations.insert(
            &group_key(subscription, namespace),
            Registration {
                state: state.into(),
            },
        )?;
        Ok(self.provider(subscription, namespace))
    }

    // --- resource groups ---

    /// `PUT`: creates the group (`true`) or updates its tags (`false`).
    pub fn create_or_update_group(
        &self,
        ctx: &Ctx,
        subscription: &str,
        name: &str,
        body: ResourceGroup,
    ) -> Result<(ResourceGroup, bool), ArmError> {
        self.check_subscription(subscription)?;
        check_group_name(name)?;
        let requested = body.location.clone().ok_or(ArmError::LocationRequired)?;
        let location = normalise_location(&requested).ok_or_else(|| {
            ArmError::LocationNotAvailableForResourceGroup {
                location: requested.clone(),
                available: LOCATIONS.to_vec(),
            }
        })?;
        let key = group_key(subscription, name);
        let now = crate::time::arm_timestamp(self.kit.clock().now_millis());
        let _ = ctx;
        self.groups.modify(&key, |slot| match slot {
            Some(record) => {
                let existing = record.group.location.clone().unwrap_or_default();
                if record_deleting(record) {
                    return Err(ArmError::ResourceGroupBeingDeleted(
                        record.group.name.clone().unwrap_or_default(),
                    ));
                }
                if existing != location {
                    return Err(ArmError::InvalidResourceGroupLocation {
                        name: name.to_string(),
                        existing,
                        requested: location.to_string(),
                    });
                }
                record.group.tags = body.tags.clone();
                if body.managed_by.is_some() {
                    record.group.managed_by = body.managed_by.clone();
                }
                Ok((record.group.clone(), false))
            }
            None => {
                let _ = now;
                let group = ResourceGroup {
                    id: Some(format!(
                        "/subscriptions/{subscription}/resourceGroups/{name}"
                    )),
                    name: Some(name.to_string()),
                    r#type: Some("Microsoft.Resources/resourceGroups".into()),
                    location: Some(location.to_string()),
                    managed_by: body.managed_by.clone(),
                    tags: body.tags.clone(),
                    properties: Some(Box::new(ResourceGroupProperties {
                        provisioning_state: Some("Succeeded".into()),
                    })),
                };
                *slot = Some(GroupRecord {
                    group: group.clone(),
                    subscription: subscription.to_string(),
                });
                Ok((group, true))
            }
        })
    }

    pub fn get_group(&self, subscription: &str, name: &str) -> Result<ResourceGroup, ArmError> {
        self.check_subscription(subscription)?;
        self.groups
            .get(&group_key(subscription, name))
            .map(|r| r.group)
            .ok_or_else(|| ArmError::ResourceGroupNotFound(name.to_string()))
    }

    /// ARM's checks before a resource of `namespace` is created or replaced in `group`, in
    /// the order ARM makes them: the subscription, the provider's registration, then the
    /// group, which must exist and not be being deleted. Returns the group's name as it was
    /// created (resource IDs spell it so, whatever case the request used).
    pub fn group_for_create(
        &self,
        subscription: &str,
        namespace: &str,
        group: &str,
    ) -> Result<String, ArmError> {
        self.check_subscription(subscription)?;
        self.check_registered(subscription, namespace)?;
        Ok(self
            .usable_group(subscription, group)?
            .name
            .unwrap_or_else(|| group.to_string()))
    }

    /// A group that exists and is not being deleted: where new resources may go.
    pub fn usable_group(&self, subscription: &str, name: &str) -> Result<ResourceGroup, ArmError> {
        let record = self
            .groups
            .get(&group_key(subscription, name))
            .ok_or_else(|| ArmError::ResourceGroupNotFound(name.to_string()))?;
        if record_deleting(&record) {
            return Err(ArmError::ResourceGroupBeingDeleted(
                record.group.name.unwrap_or_default(),
            ));
        }
        Ok(record.group)
    }

    /// `PATCH`: tags and `managedBy`.
    pub fn update_group(
        &self,
        subscription: &str,
        name: &str,
        patch: ResourceGroupPatchable,
    ) -> Result<ResourceGroup, ArmError> {
        self.check_subscription(subscription)?;
        self.groups
            .modify(&group_key(subscription, name), |slot| match slot {
                None => Err(ArmError::ResourceGroupNotFound(name.to_string())),
                Some(record) if record_deleting(record) => {
                    Err(ArmError::ResourceGroupBeingDeleted(
                        record.group.name.clone().unwrap_or_default(),
                    ))
                }
                Some(record) => {
                    if let Some(tags) = patch.tags {
                        record.group.tags = Some(tags);
                    }
                    if let Some(managed_by) = patch.managed_by {
                        record.group.managed_by = Some(managed_by);
                    }
                    Ok(record.group.clone())
                }
            })
    }

    pub fn list_groups(
        &self,
        subscription: &str,
    ) -> Result<Vec<(String, ResourceGroup)>, ArmError> {
        self.check_subscription(subscription)?;
        let prefix = format!("{}/", subscription.to_ascii_lowercase());
        Ok(self
            .groups
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, record)| (key, record.group))
            .collect())
    }

    /// `DELETE`: marks the group `Deleting` and starts the work; returns the operation's ID.
    pub fn begin_delete_group(
        self: &Arc<Self>,
        subscription: &str,
        name: &str,
    ) -> Result<Option<String>, ArmError> {
        self.check_subscription(subscription)?;
        let key = group_key(subscription, name);
        let started = self.groups.modify(&key, |slot| -> Result<bool, ArmError> {
            match slot {
                None => Ok(false),
                Some(record) => {
                    if let Some(properties) = record.group.properties.as_mut() {
                        properties.provisioning_state = Some("Deleting".into());
                    }
                    Ok(true)
                }
            }
        })?;
        if !started {
            return Ok(None);
        }
        let this = self.clone();
        let subscription = subscription.to_string();
        let name = name.to_string();
        let metadata = serde_json::json!({"kind": "resourceGroupDelete", "subscription": subscription, "group": name});
        let id = self.operations.start(metadata, async move {
            match this.delete_group_now(&subscription, &name) {
                Ok(()) => Outcome::Response(serde_json::Value::Null),
                Err(error) => {
                    let (_, code, message) = error.parts();
                    Outcome::Error {
                        code: code.into(),
                        message,
                    }
                }
            }
        })?;
        Ok(Some(id))
    }

    fn delete_group_now(&self, subscription: &str, name: &str) -> Result<(), ArmError> {
        for provider in self.providers() {
            provider.delete_group_contents(subscription, name)?;
        }
        self.groups.remove(&group_key(subscription, name))?;
        Ok(())
    }

    /// Every resource in `group`, from every provider, ordered by ID.
    pub fn resources_in_group(
        &self,
        subscription: &str,
        group: &str,
    ) -> Result<Vec<GenericResourceExpanded>, ArmError> {
        self.get_group(subscription, group)?;
        let mut resources: Vec<GenericResourceExpanded> = self
            .providers()
            .iter()
            .flat_map(|p| p.resources_in_group(subscription, group))
            .collect();
        resources.sort_by_key(|r| r.id.clone().unwrap_or_default().to_ascii_lowercase());
        Ok(resources)
    }

    /// Every resource in the subscription.
    pub fn resources_in_subscription(
        &self,
        subscription: &str,
    ) -> Result<Vec<GenericResourceExpanded>, ArmError> {
        let mut resources = Vec::new();
        for (_, group) in self.list_groups(subscription)? {
            let name = group.name.unwrap_or_default();
            for provider in self.providers() {
                resources.extend(provider.resources_in_group(subscription, &name));
            }
        }
        resources.sort_by_key(|r| r.id.clone().unwrap_or_default().to_ascii_lowercase());
        Ok(resources)
    }
}

fn record_deleting(record: &GroupRecord) -> bool {
    record
        .group
        .properties
        .as_ref()
        .and_then(|p| p.provisioning_state.as_deref())
        == Some("Deleting")
}

/// A new resource's (of `resource_type`) `location`, normalised (`East US` → `eastus`): ARM's
/// `LocationRequired` when it is missing, `LocationNotAvailableForResourceType` when the
/// simulator offers no such region.
pub fn resource_location(
    resource_type: &str,
    requested: Option<&str>,
) -> Result<&'static str, ArmError> {
    let requested = requested.ok_or(ArmError::LocationRequired)?;
    normalise_location(requested).ok_or_else(|| ArmError::InvalidResourceLocation {
        resource_type: resource_type.to_string(),
        location: requested.to_string(),
        available: LOCATIONS.to_vec(),
    })
}

/// `eastus` → `East US`: how providers' `locations` lists spell regions.
fn display_location(location: &str) -> String {
    REGIONS
        .iter()
        .find(|(name, _, _)| *name == location)
        .map_or_else(
            || location.to_string(),
            |(_, display, _)| display.to_string(),
        )
}

fn served_namespace(namespace: &str) -> Result<&'static str, ArmError> {
    SERVED_NAMESPACES
        .iter()
        .copied()
        .find(|n| n.eq_ignore_ascii_case(namespace))
        .ok_or_else(|| ArmError::InvalidResourceNamespace(namespace.to_string()))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
/// The store key of a group-scoped resource: ARM's names are case-insensitive.
pub fn scoped_key(subscription: &str, group: &str, name: &str) -> String {
    format!("{subscription}\0{group}\0{name}").to_ascii_lowercase()
}

/// The prefix every [`scoped_key`] in `group` starts with: what a group's delete scans.
pub fn group_prefix(subscription: &str, group: &str) -> String {
    format!("{subscription}\0{group}\0").to_ascii_lowercase()
}

impl Resources {
    /// The record of `name` in `group`, after the subscription and group checks ARM makes
    /// first; `ResourceNotFound` naming `resource_type` when there is none.
    pub fn record_in_group<V: simkit::store::Record>(
        &self,
        records: &Collection<V>,
        resource_type: &str,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<V, ArmError> {
        self.check_subscription(subscription)?;
        self.get_group(subscription, group)?;
        records
            .get(&scoped_key(subscription, group, name))
            .ok_or_else(|| ArmError::ResourceNotFound {
                resource_type: resource_type.into(),
                name: name.to_string(),
                group: group.to_string(),
            })
    }

    /// ARM's checks of the scope an extension resource (a role assignment, a diagnostic
    /// setting) is put under: the subscription, the group, the resource (a child resource's
    /// scope needs its top-level resource). `/` is the directory's root.
    pub fn check_scope(&self, scope: &str) -> Result<(), ArmError> {
        let parts: Vec<&str> = scope.split('/').filter(|s| !s.is_empty()).collect();
        let lower: Vec<String> = parts.iter().map(|s| s.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        match lower.as_slice() {
            [] => Ok(()),
            ["subscriptions", _] => self.check_subscription(parts[1]),
            ["subscriptions", _, "resourcegroups", _] => {
                self.get_group(parts[1], parts[3]).map(|_| ())
            }
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                _,
                _,
                ..,
            ] => {
                let top = format!("/{}", parts[..8].join("/"));
                let held = self
                    .resources_in_group(parts[1], parts[3])?
                    .into_iter()
                    .any(|r| r.id.is_some_and(|id| id.eq_ignore_ascii_case(&top)));
                if held {
                    Ok(())
                } else {
                    Err(ArmError::ResourceNotFound {
                        resource_type: format!("{}/{}", parts[5], parts[6]),
                        name: parts[7].to_string(),
                        group: parts[3].to_string(),
                    })
                }
            }
            _ => Err(ArmError::InvalidScope(scope.to_string())),
        }
    }

    /// The records in `subscription`, narrowed to `group` when one is given, after ARM's
    /// checks of both; `scope` reads a record's subscription and group.
    pub fn records_in_scope<V: simkit::store::Record>(
        &self,
        records: &Collection<V>,
        subscription: &str,
        group: Option<&str>,
        scope: impl Fn(&V) -> (&str, &str),
    ) -> Result<Vec<(String, V)>, ArmError> {
        self.check_subscription(subscription)?;
        if let Some(group) = group {
            self.get_group(subscription, group)?;
        }
        Ok(records
            .all()
            .into_iter()
            .filter(|(_, record)| {
                let (record_subscription, record_group) = scope(record);
                in_scope(record_subscription, record_group, subscription, group)
            })
            .collect())
    }
}

/// Whether a record of `record_subscription` and `record_group` is in a listing of
/// `subscription`, narrowed to `group` when one is given (ARM compares names case-insensitively).
pub fn in_scope(
    record_subscription: &str,
    record_group: &str,
    subscription: &str,
    group: Option<&str>,
) -> bool {
    record_subscription.eq_ignore_ascii_case(subscription)
        && group.is_none_or(|g| record_group.eq_ignore_ascii_case(g))
}

pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_follow_arm_rules() {
        assert!(check_group_name("rg-1_(a).b").is_ok());
        assert!(matches!(
            check_group_name("a!b*"),
            Err(ArmError::InvalidResourceGroup { invalid, .. }) if invalid == "!*"
        ));
        assert!(check_group_name("ends.").is_err());
        assert!(check_group_name(&"a".repeat(91)).is_err());
    }

    #[test]
    fn locations_normalise() {
        assert_eq!(normalise_location("East US"), Some("eastus"));
        assert_eq!(normalise_location("westeurope"), Some("westeurope"));
        assert_eq!(normalise_location("mars"), None);
        assert_eq!(display_location("eastus2"), "East US 2");
        assert_eq!(display_location("westcentralus"), "West Central US");
        assert_eq!(REGIONS.len(), LOCATIONS.len());
    }

    #[test]
    fn guids() {
        assert!(is_guid("5c4b3a29-1d0e-4f8a-9b7c-6d5e4f3a2b1c"));
        assert!(!is_guid("not-a-guid"));
    }
}
