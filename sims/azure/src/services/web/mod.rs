//! `Microsoft.Web` for Azure Functions: App Service plans (`serverfarms`) and sites of kind
//! `functionapp`, with their `web` config, app settings, host keys and functions. A site whose
//! `linuxFxVersion` is `DOCKER|IMAGE` really runs (`host`): its app command line (or, under
//! oci, its image's entrypoint) with its app settings in the environment, listening on
//! `WEBSITES_PORT`; its default host name `NAME.azurewebsites.net` is proxied to that port.
//!
//! As App Service answers: plans and sites are created synchronously (200, the LRO contract
//! allows it) and read back with the location's display name (`East US`); site names are
//! global (`NAME.azurewebsites.net`), so a name taken in any group is a `Conflict`; a plan with
//! sites cannot be deleted. App settings and the `web` config replace what they name and
//! restart the site. Keys (`masterKey`, the `default` function key) are made once per site.
//!
//! Functions are what the Functions host discovers; a custom container's host runs inside
//! the image, which the simulator does not inspect, so the list is empty and a function is
//! `NotFound` (the real host would list the functions its image declares).
//!
//! Records live in the store keyed `subscription\0group\0name` (lower-cased).
//! What this module must not do: read HTTP or JSON text (handlers take and return shapes).

pub mod host;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use simkit::Kit;
use simkit::store::Collection;

use super::resources::{
    REGIONS, Resources, in_scope, normalise_location, resource_location, scoped_key,
};
use super::{Ctx, ResourceProvider};
use crate::error::ArmError;
use crate::shapes::resources::GenericResourceExpanded;
use crate::shapes::web_apps::HostKeys;
use crate::shapes::web_common::{AppServicePlan, Site, StringDictionary};

pub const NAMESPACE: &str = "Microsoft.Web";
const PLAN_TYPE: &str = "Microsoft.Web/serverfarms";
const SITE_TYPE: &str = "Microsoft.Web/sites";
const CONFIG_TYPE: &str = "Microsoft.Web/sites/config";
/// Every site's default host name is `NAME` under this domain.
pub const SITES_DOMAIN: &str = ".azurewebsites.net";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRecord {
    pub plan: AppServicePlan,
    pub subscription: String,
    pub group: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteRecord {
    /// As read back (its `siteConfig` is the `web` config's subset a GET shows).
    pub site: Site,
    pub subscription: String,
    pub group: String,
    /// The `web` config resource's properties.
    pub config: Map<String, Value>,
    pub app_settings: BTreeMap<String, String>,
    pub master_key: String,
    pub default_function_key: String,
}

pub struct WebApps {
    kit: Kit,
    resources: Arc<Resources>,
    plans: Arc<Collection<PlanRecord>>,
    sites: Arc<Collection<SiteRecord>>,
    /// Each running site's process, by site key.
    running: Mutex<BTreeMap<String, host::Running>>,
    pub(crate) registry: std::sync::OnceLock<Arc<crate::services::acr::ContainerRegistries>>,
    /// Where sites' output goes beyond the simulator's own log (diagnostic settings).
    pub(crate) resource_logs: std::sync::OnceLock<Arc<dyn crate::services::insights::ResourceLogs>>,
}

impl std::fmt::Debug for WebApps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebApps").finish_non_exhaustive()
    }
}

/// App Service's names for plans and sites: 2 to 60 letters, digits and hyphens, not starting
/// or ending with a hyphen (sites: 2 to 60 as well, since they become a host name).
fn valid_name(name: &str) -> bool {
    (2..=60).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// `eastus` → `East US`: App Service answers with the display name.
fn display_location(location: &str) -> String {
    REGIONS
        .iter()
        .find(|(name, _, _)| *name == location)
        .map(|(_, display, _)| (*display).to_string())
        .unwrap_or_else(|| location.to_string())
}

fn object(value: Option<&Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    }
}

/// The SKU's tier as App Service fills it in from the name.
fn sku_tier(name: &str) -> &'static str {
    match name.to_ascii_uppercase().as_str() {
        "Y1" => "Dynamic",
        "EP1" | "EP2" | "EP3" => "ElasticPremium",
        "F1" => "Free",
        "D1" => "Shared",
        "B1" | "B2" | "B3" => "Basic",
        "S1" | "S2" | "S3" => "Standard",
        "FC1" => "FlexConsumption",
        name if name.starts_with('P') && name.ends_with("V3") => "PremiumV3",
        name if name.starts_with('P') && name.ends_with("V2") => "PremiumV2",
        _ => "Standard",
    }
}

/// The `web` config's defaults for a new Linux site.
fn default_config() -> Map<String, Value> {
    let mut config = Map::new();
    for (name, value) in [
        ("numberOfWorkers", json!(1)),
        ("linuxFxVersion", json!("")),
        ("appCommandLine", json!("")),
        ("alwaysOn", json!(false)),
        ("http20Enabled", json!(false)),
        ("minTlsVersion", json!("1.2")),
        ("ftpsState", json!("FtpsOnly")),
        ("use32BitWorkerProcess", json!(false)),
        ("webSocketsEnabled", json!(false)),
        ("scmType", json!("None")),
        ("localMySqlEnabled", json!(false)),
        ("http20ProxyFlag", json!(0)),
        ("functionAppScaleLimit", json!(0)),
        ("minimumElasticInstanceCount", json!(0)),
    ] {
        config.insert(name.into(), value);
    }
    config
}

/// What a site's GET shows of its config: the settings that shape the runtime.
fn site_config_view(config: &Map<String, Value>) -> Value {
    let mut view = Map::new();
    for name in [
        "numberOfWorkers",
        "linuxFxVersion",
        "acrUseManagedIdentityCreds",
        "alwaysOn",
        "http20Enabled",
        "functionAppScaleLimit",
        "minimumElasticInstanceCount",
    ] {
        view.insert(
            name.into(),
            config.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(view)
}

impl WebApps {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        Ok(Arc::new(Self {
            plans: kit.store().collection("web-serverfarms")?,
            sites: kit.store().collection("web-sites")?,
            kit,
            resources,
            running: Mutex::default(),
            registry: std::sync::OnceLock::new(),
            resource_logs: std::sync::OnceLock::new(),
        }))
    }

    /// Connects where custom containers' images are found (the simulator's ACR).
    pub fn connect_registry(&self, registry: Arc<crate::services::acr::ContainerRegistries>) {
        let _ = self.registry.set(registry);
    }

    /// Connects where sites' output is routed by their diagnostic settings.
    pub fn connect_resource_logs(&self, logs: Arc<dyn crate::services::insights::ResourceLogs>) {
        let _ = self.resource_logs.set(logs);
    }

    fn now(&self) -> String {
        crate::time::arm_timestamp(self.kit.clock().now_millis())
    }

    // --- plans ---

    /// `PUT serverfarms/NAME`: the plan as App Service fills it in; `true` when it is new.
    pub fn put_plan(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        request: AppServicePlan,
    ) -> Result<(AppServicePlan, bool), ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_name(name) {
            return Err(ArmError::InvalidValue {
                property: "name".into(),
                value: name.to_string(),
            });
        }
        let location = resource_location(PLAN_TYPE, request.location.as_deref())?;
        let key = scoped_key(subscription, group, name);
        let existing = self.plans.get(&key);
        let sku_name = request
            .sku
            .as_ref()
            .and_then(|s| s.name.clone())
            .unwrap_or_else(|| "S1".into());
        let tier = request
            .sku
            .as_ref()
            .and_then(|s| s.tier.clone())
            .unwrap_or_else(|| sku_tier(&sku_name).to_string());
        let asked = object(request.properties.as_ref());
        let reserved = asked
            .get("reserved")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let sites = self.sites_on_plan(subscription, &group_name, name).len();
        let mut properties = asked.clone();
        for (field, value) in [
            ("serverFarmId", json!(0)),
            ("name", json!(name)),
            ("status", json!("Ready")),
            ("provisioningState", json!("Succeeded")),
            ("subscription", json!(subscription)),
            ("resourceGroup", json!(group_name)),
            ("geoRegion", json!(display_location(location))),
            ("reserved", json!(reserved)),
            ("numberOfSites", json!(sites)),
            ("numberOfWorkers", json!(1)),
            (
                "maximumNumberOfWorkers",
                json!(if tier == "Dynamic" { 200 } else { 30 }),
            ),
            ("perSiteScaling", json!(false)),
            ("isSpot", json!(false)),
            ("isXenon", json!(false)),
            ("hyperV", json!(false)),
            ("zoneRedundant", json!(false)),
            (
                "kind",
                json!(request.kind.clone().unwrap_or_else(|| "app".into())),
            ),
        ] {
            properties.insert(field.into(), value);
        }
        let plan = AppServicePlan {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group_name}/providers/{PLAN_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(PLAN_TYPE.into()),
            kind: Some(request.kind.clone().unwrap_or_else(|| "app".into())),
            location: Some(display_location(location)),
            tags: request.tags.clone(),
            sku: Some(Box::new(crate::shapes::web_common::SkuDescription {
                name: Some(sku_name.clone()),
                tier: Some(tier),
                size: Some(sku_name.clone()),
                family: Some(
                    sku_name
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .to_string(),
                ),
                capacity: Some(if sku_name.eq_ignore_ascii_case("Y1") {
                    0
                } else {
                    1
                }),
                ..Default::default()
            })),
            properties: Some(Value::Object(properties)),
            ..Default::default()
        };
        self.plans.insert(
            &key,
            PlanRecord {
                plan: plan.clone(),
                subscription: subscription.to_string(),
                group: group_name,
            },
        )?;
        Ok((plan, existing.is_none()))
    }

    fn plan_record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<PlanRecord, ArmError> {
        self.resources
            .record_in_group(&self.plans, PLAN_TYPE, subscription, group, name)
    }

    pub fn get_plan(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<AppServicePlan, ArmError> {
        let record = self.plan_record(subscription, group, name)?;
        let mut plan = record.plan;
        let sites = self.sites_on_plan(subscription, &record.group, name).len();
        if let Some(Value::Object(properties)) = plan.properties.as_mut() {
            properties.insert("numberOfSites".into(), json!(sites));
        }
        Ok(plan)
    }

    pub fn list_plans(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, AppServicePlan)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.plans, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.plan))
            .collect())
    }

    /// `DELETE`: refused while sites use the plan; `false` when there was none.
    pub fn delete_plan(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<bool, ArmError> {
        let record = match self.plan_record(subscription, group, name) {
            Ok(record) => record,
            Err(ArmError::ResourceNotFound { .. }) => return Ok(false),
            Err(error) => return Err(error),
        };
        let sites = self.sites_on_plan(subscription, &record.group, name);
        if !sites.is_empty() {
            return Err(ArmError::ServerFarmInUse {
                plan: record.plan.name.unwrap_or_else(|| name.to_string()),
                sites: sites.join(", "),
            });
        }
        self.plans.remove(&scoped_key(subscription, group, name))?;
        Ok(true)
    }

    /// The names of the sites whose `serverFarmId` is this plan.
    fn sites_on_plan(&self, subscription: &str, group: &str, plan: &str) -> Vec<String> {
        let id = format!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/{PLAN_TYPE}/{plan}"
        );
        self.sites
            .all()
            .into_iter()
            .filter(|(_, r)| {
                server_farm_id(&r.site).is_some_and(|farm| farm.eq_ignore_ascii_case(&id))
            })
            .filter_map(|(_, r)| r.site.name)
            .collect()
    }

    /// The plan a site's `serverFarmId` names.
    fn plan_by_id(&self, id: &str) -> Option<PlanRecord> {
        let parts: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [
                "subscriptions",
                subscription,
                "resourceGroups" | "resourcegroups",
                group,
                "providers",
                namespace,
                kind,
                name,
            ] if namespace.eq_ignore_ascii_case(NAMESPACE)
                && kind.eq_ignore_ascii_case("serverfarms") =>
            {
                self.plans.get(&scoped_key(subscription, group, name))
            }
            _ => None,
        }
    }

    // --- sites ---

    /// `PUT sites/NAME`: creates or replaces a site; `true` when it is new. A running custom
    /// container is started (again).
    pub fn put_site(
        self: &Arc<Self>,
        ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: Site,
    ) -> Result<(Site, bool), ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_name(name) {
            return Err(ArmError::InvalidValue {
                property: "name".into(),
                value: name.to_string(),
            });
        }
        let key = scoped_key(subscription, group, name);
        if let Some((_, other)) = self.site_by_name(name)
            && !key.eq_ignore_ascii_case(&site_key(&other))
        {
            return Err(ArmError::WebsiteNameTaken(name.to_string()));
        }
        let location = resource_location(SITE_TYPE, request.location.as_deref())?;
        let asked = object(request.properties.as_ref());
        let farm_id = asked
            .get("serverFarmId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties.serverFarmId".into()))?;
        let plan = self
            .plan_by_id(&farm_id)
            .ok_or_else(|| ArmError::InvalidValue {
                property: "properties.serverFarmId".into(),
                value: farm_id.clone(),
            })?;
        let existing = self.sites.get(&key);
        let mut config = existing
            .as_ref()
            .map(|r| r.config.clone())
            .unwrap_or_else(default_config);
        let asked_config = object(asked.get("siteConfig"));
        let mut app_settings = existing
            .as_ref()
            .map(|r| r.app_settings.clone())
            .unwrap_or_default();
        if let Some(Value::Array(pairs)) = asked_config.get("appSettings") {
            app_settings = name_value_pairs(pairs)?;
        }
        for (field, value) in asked_config {
            if field != "appSettings" && !value.is_null() {
                config.insert(field, value);
            }
        }
        let now = self.now();
        let kind = request
            .kind
            .clone()
            .unwrap_or_else(|| "functionapp,linux,container".into());
        let host_name = format!("{}{SITES_DOMAIN}", name.to_ascii_lowercase());
        let scm_host = format!("{}.scm{SITES_DOMAIN}", name.to_ascii_lowercase());
        let plan_reserved = plan
            .plan
            .properties
            .as_ref()
            .and_then(|p| p.get("reserved"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let plan_tier = plan
            .plan
            .sku
            .as_ref()
            .and_then(|sku| sku.tier.clone())
            .unwrap_or_default();
        let mut properties = asked.clone();
        properties.remove("siteConfig");
        for (field, value) in [
            ("name", json!(name)),
            ("state", json!("Running")),
            ("hostNames", json!([host_name])),
            ("enabledHostNames", json!([host_name, scm_host])),
            ("defaultHostName", json!(host_name)),
            ("repositorySiteName", json!(name)),
            ("usageState", json!("Normal")),
            ("availabilityState", json!("Normal")),
            (
                "enabled",
                json!(
                    asked
                        .get("enabled")
                        .and_then(Value::as_bool)
                        .unwrap_or(true)
                ),
            ),
            (
                "hostNameSslStates",
                json!([
                    {"name": host_name, "sslState": "Disabled", "hostType": "Standard"},
                    {"name": scm_host, "sslState": "Disabled", "hostType": "Repository"},
                ]),
            ),
            ("serverFarmId", json!(plan.plan.id)),
            ("reserved", json!(plan_reserved)),
            ("sku", json!(plan_tier)),
            ("isXenon", json!(false)),
            ("hyperV", json!(false)),
            ("lastModifiedTimeUtc", json!(now)),
            ("resourceGroup", json!(group_name)),
            (
                "httpsOnly",
                json!(
                    asked
                        .get("httpsOnly")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                ),
            ),
            ("clientAffinityEnabled", json!(false)),
            ("clientCertEnabled", json!(false)),
            ("hostNamesDisabled", json!(false)),
            ("containerSize", json!(1536)),
            ("dailyMemoryTimeQuota", json!(0)),
            ("outboundIpAddresses", json!("127.0.0.1")),
            ("possibleOutboundIpAddresses", json!("127.0.0.1")),
            ("defaultHostNameScope", json!("Global")),
            ("kind", json!(kind)),
            ("siteConfig", site_config_view(&config)),
        ] {
            properties.insert(field.into(), value);
        }
        let site = Site {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group_name}/providers/{SITE_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(SITE_TYPE.into()),
            kind: Some(kind),
            location: Some(display_location(location)),
            tags: request.tags.clone(),
            identity: request.identity.clone(),
            properties: Some(Value::Object(properties)),
            ..Default::default()
        };
        let _ = ctx;
        let (master_key, default_function_key) = match &existing {
            Some(record) => (
                record.master_key.clone(),
                record.default_function_key.clone(),
            ),
            None => (self.new_key(), self.new_key()),
        };
        self.sites.insert(
            &key,
            SiteRecord {
                site: site.clone(),
                subscription: subscription.to_string(),
                group: group_name,
                config,
                app_settings,
                master_key,
                default_function_key,
            },
        )?;
        self.restart(&key);
        Ok((site, existing.is_none()))
    }

    /// A function key as Azure makes them: 56 URL-safe base64 characters.
    fn new_key(&self) -> String {
        use base64::Engine as _;
        let bytes: Vec<u8> = (0..6)
            .flat_map(|_| self.kit.ids().next_u64().to_le_bytes())
            .collect();
        let mut key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        key.truncate(54);
        key.push_str("==");
        key
    }

    /// The site named `name` in any group (site names are global).
    fn site_by_name(&self, name: &str) -> Option<(String, SiteRecord)> {
        self.sites.all().into_iter().find(|(_, r)| {
            r.site
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    fn site_record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<SiteRecord, ArmError> {
        self.resources
            .record_in_group(&self.sites, SITE_TYPE, subscription, group, name)
    }

    pub fn get_site(&self, subscription: &str, group: &str, name: &str) -> Result<Site, ArmError> {
        Ok(self.site_record(subscription, group, name)?.site)
    }

    pub fn list_sites(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, Site)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.sites, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.site))
            .collect())
    }

    /// `PATCH sites/NAME`: tags, `enabled`, `httpsOnly` and the `siteConfig` it names merged
    /// over the site.
    pub fn patch_site(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        name: &str,
        patch: Value,
    ) -> Result<Site, ArmError> {
        let key = scoped_key(subscription, group, name);
        let mut record = self.site_record(subscription, group, name)?;
        if let Some(Value::Object(tags)) = patch.get("tags") {
            record.site.tags = Some(
                tags.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect(),
            );
        }
        let asked = object(patch.get("properties"));
        if let Some(Value::Object(site_config)) = asked.get("siteConfig") {
            if let Some(Value::Array(pairs)) = site_config.get("appSettings") {
                record.app_settings = name_value_pairs(pairs)?;
            }
            for (field, value) in site_config {
                if field != "appSettings" && !value.is_null() {
                    record.config.insert(field.clone(), value.clone());
                }
            }
        }
        let now = self.now();
        let view = site_config_view(&record.config);
        if let Some(Value::Object(properties)) = record.site.properties.as_mut() {
            for field in ["enabled", "httpsOnly", "clientAffinityEnabled"] {
                if let Some(value) = asked.get(field).filter(|v| v.is_boolean()) {
                    properties.insert(field.into(), value.clone());
                }
            }
            properties.insert("lastModifiedTimeUtc".into(), json!(now));
            properties.insert("siteConfig".into(), view);
        }
        self.sites.insert(&key, record.clone())?;
        self.restart(&key);
        Ok(record.site)
    }

    /// `DELETE sites/NAME`: stops its process; its plan goes too when no other site uses it,
    /// unless `delete_empty_server_farm` is `false` (App Service's default is to delete it).
    /// `false` when there was no site.
    pub fn delete_site(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        delete_empty_server_farm: bool,
    ) -> Result<bool, ArmError> {
        let record = match self.site_record(subscription, group, name) {
            Ok(record) => record,
            Err(ArmError::ResourceNotFound { .. }) => return Ok(false),
            Err(error) => return Err(error),
        };
        let key = scoped_key(subscription, group, name);
        self.stop(&key);
        self.sites.remove(&key)?;
        if delete_empty_server_farm
            && let Some(plan) = server_farm_id(&record.site).and_then(|id| self.plan_by_id(id))
        {
            let plan_name = plan.plan.name.clone().unwrap_or_default();
            if self
                .sites_on_plan(&plan.subscription, &plan.group, &plan_name)
                .is_empty()
            {
                self.plans
                    .remove(&scoped_key(&plan.subscription, &plan.group, &plan_name))?;
            }
        }
        Ok(true)
    }

    /// `GET sites/NAME/config/slotConfigNames`: the settings that stick to a slot (none: slots
    /// are not served).
    pub fn slot_config_names(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Value, ArmError> {
        let record = self.site_record(subscription, group, name)?;
        Ok(config_resource(
            &record,
            "slotConfigNames",
            json!({
                "connectionStringNames": null,
                "appSettingNames": null,
                "azureStorageConfigNames": null,
            }),
        ))
    }

    /// `GET sites/NAME/config/web`.
    pub fn get_config(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Value, ArmError> {
        let record = self.site_record(subscription, group, name)?;
        Ok(config_resource(
            &record,
            "web",
            Value::Object(record.config.clone()),
        ))
    }

    /// `PUT` (replace) or `PATCH` (merge) `sites/NAME/config/web`; restarts the site.
    pub fn update_config(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        name: &str,
        request: Value,
        replace: bool,
    ) -> Result<Value, ArmError> {
        let key = scoped_key(subscription, group, name);
        let mut record = self.site_record(subscription, group, name)?;
        let asked = object(request.get("properties"));
        let mut config = if replace {
            default_config()
        } else {
            record.config.clone()
        };
        if let Some(Value::Array(pairs)) = asked.get("appSettings") {
            record.app_settings = name_value_pairs(pairs)?;
        }
        for (field, value) in asked {
            if field != "appSettings" && !value.is_null() {
                config.insert(field, value);
            }
        }
        record.config = config;
        let view = site_config_view(&record.config);
        if let Some(Value::Object(properties)) = record.site.properties.as_mut() {
            properties.insert("siteConfig".into(), view);
        }
        self.sites.insert(&key, record.clone())?;
        self.restart(&key);
        Ok(config_resource(
            &record,
            "web",
            Value::Object(record.config.clone()),
        ))
    }

    /// `POST sites/NAME/config/appsettings/list`.
    pub fn list_app_settings(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<StringDictionary, ArmError> {
        let record = self.site_record(subscription, group, name)?;
        Ok(settings_dictionary(&record))
    }

    /// `PUT sites/NAME/config/appsettings`: the settings are replaced by these; the site
    /// restarts with them.
    pub fn put_app_settings(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        name: &str,
        request: StringDictionary,
    ) -> Result<StringDictionary, ArmError> {
        let key = scoped_key(subscription, group, name);
        let mut record = self.site_record(subscription, group, name)?;
        record.app_settings = request.properties.clone().unwrap_or_default();
        self.sites.insert(&key, record.clone())?;
        self.restart(&key);
        Ok(settings_dictionary(&record))
    }

    /// `POST sites/NAME/host/default/listkeys`.
    pub fn host_keys(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<HostKeys, ArmError> {
        let record = self.site_record(subscription, group, name)?;
        Ok(HostKeys {
            master_key: Some(record.master_key.clone()),
            function_keys: Some(BTreeMap::from([(
                "default".to_string(),
                record.default_function_key.clone(),
            )])),
            system_keys: Some(BTreeMap::new()),
        })
    }

    /// `GET sites/NAME/functions`: what the host discovered (none: see the module's doc).
    pub fn list_functions(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Vec<(String, Value)>, ArmError> {
        self.site_record(subscription, group, name)?;
        Ok(Vec::new())
    }

    /// `GET sites/NAME/functions/FUNCTION` (and its keys): no function is discovered.
    pub fn get_function(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        function: &str,
    ) -> Result<Value, ArmError> {
        self.site_record(subscription, group, name)?;
        Err(ArmError::FunctionNotFound(function.to_string()))
    }
}

fn site_key(record: &SiteRecord) -> String {
    scoped_key(
        &record.subscription,
        &record.group,
        record.site.name.as_deref().unwrap_or_default(),
    )
}

fn server_farm_id(site: &Site) -> Option<&str> {
    site.properties.as_ref()?.get("serverFarmId")?.as_str()
}

/// `[{"name": ..., "value": ...}]` as a map; a pair without a name is refused.
fn name_value_pairs(pairs: &[Value]) -> Result<BTreeMap<String, String>, ArmError> {
    pairs
        .iter()
        .map(|pair| {
            let name = pair.get("name").and_then(Value::as_str).ok_or_else(|| {
                ArmError::MissingRequiredProperty("siteConfig.appSettings.name".into())
            })?;
            let value = pair
                .get("value")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

fn config_resource(record: &SiteRecord, config_name: &str, properties: Value) -> Value {
    json!({
        "id": format!("{}/config/{config_name}", record.site.id.as_deref().unwrap_or_default()),
        "name": config_name,
        "type": CONFIG_TYPE,
        "location": record.site.location,
        "properties": properties,
    })
}

fn settings_dictionary(record: &SiteRecord) -> StringDictionary {
    StringDictionary {
        id: Some(format!(
            "{}/config/appsettings",
            record.site.id.as_deref().unwrap_or_default()
        )),
        name: Some("appsettings".into()),
        r#type: Some(CONFIG_TYPE.into()),
        kind: None,
        properties: Some(record.app_settings.clone()),
    }
}

impl ResourceProvider for WebApps {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded> {
        let plans = self
            .plans
            .all()
            .into_iter()
            .filter(|(_, r)| in_scope(&r.subscription, &r.group, subscription, Some(group)))
            .map(|(_, r)| GenericResourceExpanded {
                id: r.plan.id,
                name: r.plan.name,
                r#type: r.plan.r#type,
                kind: r.plan.kind,
                location: r
                    .plan
                    .location
                    .as_deref()
                    .and_then(normalise_location)
                    .map(str::to_string),
                tags: r.plan.tags,
                ..Default::default()
            });
        let sites = self
            .sites
            .all()
            .into_iter()
            .filter(|(_, r)| in_scope(&r.subscription, &r.group, subscription, Some(group)))
            .map(|(_, r)| GenericResourceExpanded {
                id: r.site.id,
                name: r.site.name,
                r#type: r.site.r#type,
                kind: r.site.kind,
                location: r
                    .site
                    .location
                    .as_deref()
                    .and_then(normalise_location)
                    .map(str::to_string),
                tags: r.site.tags,
                ..Default::default()
            });
        plans.chain(sites).collect()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let prefix = super::resources::group_prefix(subscription, group);
        for (key, _) in self.sites.scan_prefix(&prefix) {
            self.stop(&key);
            self.sites.remove(&key)?;
        }
        for (key, _) in self.plans.scan_prefix(&prefix) {
            self.plans.remove(&key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tiers() {
        for good in ["ab", "func-1", "A1b2", &"a".repeat(60)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["a", "-ab", "ab-", "a_b", "a.b", &"a".repeat(61)] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(sku_tier("Y1"), "Dynamic");
        assert_eq!(sku_tier("ep1"), "ElasticPremium");
        assert_eq!(sku_tier("P1v3"), "PremiumV3");
        assert_eq!(display_location("eastus"), "East US");
    }

    #[test]
    fn app_settings_pairs() {
        let pairs = vec![json!({"name": "A", "value": "1"}), json!({"name": "B"})];
        let map = name_value_pairs(&pairs).expect("pairs");
        assert_eq!(map.get("A").map(String::as_str), Some("1"));
        assert_eq!(map.get("B").map(String::as_str), Some(""));
        assert!(name_value_pairs(&[json!({"value": "x"})]).is_err());
    }
}
