//! Networks: records in the kit's store (`engine.networks`, durable with a state directory),
//! Docker's predefined `bridge`, `host` and `none`, user-defined `bridge` networks with a
//! subnet each, their filters, errors and events, and the addresses leased to running
//! containers.
//!
//! Which containers are attached is not stored here: the caller passes the endpoints it finds
//! in the container records, so the two never disagree. An address is leased only while its
//! container runs (a stopped container shows no address, as on Docker), chosen at random in
//! the subnet: every engine on this host shares one kernel bridge per subnet, and random
//! addresses keep two engines' containers from taking the same one.
//!
//! What this module must not do: remove a predefined network, or a network a running
//! container is attached to.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use engine_core::api::*;
use engine_core::{EngineError, Events};
use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

/// The networks every daemon has.
pub const PREDEFINED: [&str; 3] = ["bridge", "host", "none"];

/// Docker's default bridge subnet (`docker0`).
const DEFAULT_BRIDGE_SUBNET: (Ipv4Addr, u8) = (Ipv4Addr::new(172, 17, 0, 0), 16);

/// One network, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NetworkRecord {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub created_nanos: i64,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    pub enable_ipv6: bool,
    pub ipam_driver: String,
    pub ipam_options: BTreeMap<String, String>,
    /// The subnet (`172.18.0.0/16`), empty for `host` and `none`.
    pub subnet: String,
    pub gateway: String,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

impl NetworkRecord {
    pub fn predefined(&self) -> bool {
        PREDEFINED.contains(&self.name.as_str())
    }

    /// The subnet's network address and prefix length, for bridge networks.
    pub fn subnet(&self) -> Option<(Ipv4Addr, u8)> {
        parse_cidr(&self.subnet).ok()
    }

    /// A network a container names that does not exist (yet): no ID, looked up at start.
    pub fn missing(name: &str) -> Self {
        Self {
            id: String::new(),
            name: name.to_string(),
            driver: String::new(),
            created_nanos: 0,
            internal: false,
            attachable: false,
            ingress: false,
            enable_ipv6: false,
            ipam_driver: String::new(),
            ipam_options: BTreeMap::new(),
            subnet: String::new(),
            gateway: String::new(),
            options: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }

    pub fn gateway_address(&self) -> Option<Ipv4Addr> {
        self.gateway.parse().ok()
    }
}

/// A container's attachment to a network, as an endpoint list passes it in.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    pub container_id: String,
    pub container_name: String,
    pub endpoint_id: String,
    pub mac: String,
    /// `172.18.0.2/16`, empty while the container is not running.
    pub address: String,
}

/// Parses `A.B.C.D/N` into its network address and prefix length.
pub fn parse_cidr(text: &str) -> Result<(Ipv4Addr, u8), EngineError> {
    let bad = || EngineError::InvalidParameter(format!("invalid CIDR address: {text}"));
    let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
    let address: Ipv4Addr = address.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    if prefix > 32 {
        return Err(bad());
    }
    Ok((mask(address, prefix), prefix))
}

fn mask(address: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let bits = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    };
    Ipv4Addr::from(u32::from(address) & bits)
}

fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let shorter = a.1.min(b.1);
    mask(a.0, shorter) == mask(b.0, shorter)
}

/// The pools Docker takes subnets from for new networks: `172.18`–`172.30/16`, then
/// `192.168.N.0/20`. `172.31/16` is left out: it is AWS's default VPC, which the AWS simulator
/// serves on this host's bridges too.
fn candidate_subnets() -> impl Iterator<Item = (Ipv4Addr, u8)> {
    (18u8..=30)
        .map(|second| (Ipv4Addr::new(172, second, 0, 0), 16))
        .chain((0u8..16).map(|step| (Ipv4Addr::new(192, 168, step * 16, 0), 20)))
}

/// A MAC address from an IPv4 address, as Docker made them (`02:42` and the address).
pub fn mac_for(address: Ipv4Addr) -> String {
    let [a, b, c, d] = address.octets();
    format!("02:42:{a:02x}:{b:02x}:{c:02x}:{d:02x}")
}

fn no_such_network(reference: &str) -> EngineError {
    EngineError::NotFound(format!("network {reference} not found"))
}

fn bool_filter(key: &str, value: &str) -> Result<bool, EngineError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(EngineError::InvalidParameter(format!(
            "invalid filter '{key}={value}'"
        ))),
    }
}

pub struct Networks {
    kit: Kit,
    events: Events,
    records: Arc<Collection<NetworkRecord>>,
    /// Held while a name (or subnet) is checked and taken.
    naming: Mutex<()>,
    /// Addresses held by running containers, per network ID.
    leases: Mutex<BTreeMap<String, BTreeSet<Ipv4Addr>>>,
}

impl std::fmt::Debug for Networks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Networks")
    }
}

impl Networks {
    pub fn open(kit: &Kit, events: &Events) -> Result<Self, String> {
        let records: Arc<Collection<NetworkRecord>> = kit
            .store()
            .collection("engine.networks")
            .map_err(|error| error.to_string())?;
        let networks = Self {
            kit: kit.clone(),
            events: events.clone(),
            records,
            naming: Mutex::default(),
            leases: Mutex::default(),
        };
        networks.ensure_predefined().map_err(|e| e.to_string())?;
        Ok(networks)
    }

    /// Makes `bridge`, `host` and `none` when the store lacks them (a new state directory, or
    /// after a reset).
    pub fn ensure_predefined(&self) -> Result<(), EngineError> {
        let _naming = self.naming.lock().unwrap_or_else(|p| p.into_inner());
        let all = self.records.all();
        for name in PREDEFINED {
            if all.iter().any(|(_, r)| r.name == name) {
                continue;
            }
            let mut record = self.blank(name);
            match name {
                "bridge" => {
                    let (network, prefix) = DEFAULT_BRIDGE_SUBNET;
                    record.subnet = format!("{network}/{prefix}");
                    record.gateway =
                        simkit::runner::oci::network::router_of(network, prefix).to_string();
                    for (key, value) in [
                        ("com.docker.network.bridge.default_bridge", "true"),
                        ("com.docker.network.bridge.enable_icc", "true"),
                        ("com.docker.network.bridge.enable_ip_masquerade", "true"),
                        ("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0"),
                        ("com.docker.network.bridge.name", "docker0"),
                        ("com.docker.network.driver.mtu", "1500"),
                    ] {
                        record.options.insert(key.into(), value.into());
                    }
                }
                "host" => record.driver = "host".into(),
                _ => record.driver = "null".into(),
            }
            self.records.insert(&record.id.clone(), record)?;
        }
        Ok(())
    }

    fn blank(&self, name: &str) -> NetworkRecord {
        NetworkRecord {
            id: self.kit.ids().hex(64),
            name: name.to_string(),
            driver: "bridge".into(),
            created_nanos: crate::containers::nanos(self.kit.clock().now()),
            internal: false,
            attachable: false,
            ingress: false,
            enable_ipv6: false,
            ipam_driver: "default".into(),
            ipam_options: BTreeMap::new(),
            subnet: String::new(),
            gateway: String::new(),
            options: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }

    /// The predefined networks again after a reset emptied the store.
    fn after_reset(&self) {
        if self.records.all().is_empty()
            && let Err(error) = self.ensure_predefined()
        {
            tracing::error!(%error, "cannot make the predefined networks");
        }
    }

    pub fn all(&self) -> Vec<NetworkRecord> {
        self.after_reset();
        let mut all: Vec<_> = self.records.all().into_iter().map(|(_, r)| r).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// The network `reference` names: full ID, then name, then ID prefix (Docker's order).
    pub fn find(&self, reference: &str) -> Result<NetworkRecord, EngineError> {
        if reference.is_empty() {
            return Err(no_such_network(reference));
        }
        self.after_reset();
        if let Some(record) = self.records.get(reference) {
            return Ok(record);
        }
        let all = self.records.all();
        if let Some((_, record)) = all.iter().find(|(_, r)| r.name == reference) {
            return Ok(record.clone());
        }
        let matching: Vec<_> = all
            .iter()
            .filter(|(id, _)| id.starts_with(reference))
            .collect();
        match matching.len() {
            1 => Ok(matching[0].1.clone()),
            0 => Err(no_such_network(reference)),
            count => Err(EngineError::InvalidParameter(format!(
                "network {reference} is ambiguous ({count} matches found based on ID prefix)"
            ))),
        }
    }

    pub fn create(&self, create: NetworkCreate) -> Result<NetworkCreated, EngineError> {
        let name = create.name.trim().to_string();
        if name.is_empty() {
            return Err(EngineError::InvalidParameter(
                "invalid name: name is empty".into(),
            ));
        }
        let driver = if create.driver.is_empty() {
            "bridge".to_string()
        } else {
            create.driver.clone()
        };
        match driver.as_str() {
            "bridge" => {}
            "host" | "null" => {
                return Err(EngineError::Forbidden(format!(
                    "only one instance of \"{driver}\" network is allowed"
                )));
            }
            other => {
                return Err(EngineError::NotFound(format!(
                    "plugin \"{other}\" not found"
                )));
            }
        }
        let ipam = create.ipam.clone().unwrap_or_default();
        let ipam_driver = if ipam.driver.is_empty() {
            "default".to_string()
        } else {
            ipam.driver.clone()
        };
        if ipam_driver != "default" {
            return Err(EngineError::NotFound(format!(
                "plugin \"{ipam_driver}\" not found"
            )));
        }
        let asked = ipam.config.clone().unwrap_or_default();
        if asked.len() > 1 {
            return Err(EngineError::not_supported(
                "memory",
                "networks with more than one IPAM config",
            ));
        }
        let _naming = self.naming.lock().unwrap_or_else(|p| p.into_inner());
        let existing = self.all();
        if existing.iter().any(|r| r.name == name) {
            return Err(EngineError::Conflict(format!(
                "network with name {name} already exists"
            )));
        }
        let taken: Vec<(Ipv4Addr, u8)> = existing.iter().filter_map(|r| r.subnet()).collect();
        let (network, prefix, gateway) = match asked.first() {
            Some(config) if !config.subnet.is_empty() => {
                let (network, prefix) = parse_cidr(&config.subnet)?;
                if prefix > 30 {
                    return Err(EngineError::InvalidParameter(format!(
                        "invalid subnet {}: the prefix length leaves no room for containers",
                        config.subnet
                    )));
                }
                if taken
                    .iter()
                    .any(|other| overlaps(*other, (network, prefix)))
                {
                    return Err(EngineError::Forbidden(
                        "Pool overlaps with other one on this address space".into(),
                    ));
                }
                let gateway = if config.gateway.is_empty() {
                    simkit::runner::oci::network::router_of(network, prefix)
                } else {
                    let gateway: Ipv4Addr = config.gateway.parse().map_err(|_| {
                        EngineError::InvalidParameter(format!(
                            "invalid gateway address {}",
                            config.gateway
                        ))
                    })?;
                    if mask(gateway, prefix) != network {
                        return Err(EngineError::Forbidden(format!(
                            "no matching subnet for gateway {gateway}"
                        )));
                    }
                    gateway
                };
                (network, prefix, gateway)
            }
            Some(_) => {
                return Err(EngineError::InvalidParameter(
                    "a gateway needs a subnet".into(),
                ));
            }
            None => {
                let (network, prefix) = candidate_subnets()
                    .find(|candidate| !taken.iter().any(|other| overlaps(*other, *candidate)))
                    .ok_or_else(|| {
                        EngineError::Forbidden(
                            "all predefined address pools have been fully subnetted".into(),
                        )
                    })?;
                (
                    network,
                    prefix,
                    simkit::runner::oci::network::router_of(network, prefix),
                )
            }
        };
        // The kernel's bridge holds the gateway: a subnet's bridge must have its first
        // address, which is what the runner gives it.
        if gateway != simkit::runner::oci::network::router_of(network, prefix) {
            return Err(EngineError::not_supported(
                "memory",
                "a gateway other than the subnet's first address",
            ));
        }
        let mut record = self.blank(&name);
        record.driver = driver;
        record.internal = create.internal;
        record.attachable = create.attachable;
        record.ingress = create.ingress;
        record.enable_ipv6 = create.enable_ipv6.unwrap_or(false);
        record.ipam_options = ipam.options.unwrap_or_default();
        record.subnet = format!("{network}/{prefix}");
        record.gateway = gateway.to_string();
        record.options = create.options.unwrap_or_default();
        record.labels = create.labels.unwrap_or_default();
        if record.enable_ipv6 {
            return Err(EngineError::not_supported("memory", "IPv6 networks"));
        }
        self.records.insert(&record.id, record.clone())?;
        drop(_naming);
        self.publish(&record, "create", &[("type", record.driver.clone())]);
        Ok(NetworkCreated {
            id: record.id,
            warning: String::new(),
        })
    }

    pub fn publish(&self, record: &NetworkRecord, action: &str, extra: &[(&str, String)]) {
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), record.name.clone());
        attributes.insert("type".to_string(), record.driver.clone());
        for (key, value) in extra {
            attributes.insert(key.to_string(), value.clone());
        }
        self.events
            .publish("network", action, &record.id, attributes);
    }

    /// The network as inspect shows it, with the containers attached to it.
    pub fn view(&self, record: &NetworkRecord, attached: &[Attached]) -> Network {
        let config = if record.subnet.is_empty() {
            Vec::new()
        } else {
            vec![IpamConfig {
                subnet: record.subnet.clone(),
                ip_range: String::new(),
                gateway: record.gateway.clone(),
            }]
        };
        let containers = attached
            .iter()
            .filter(|a| !a.address.is_empty())
            .map(|a| {
                (
                    a.container_id.clone(),
                    NetworkContainer {
                        name: a.container_name.clone(),
                        endpoint_id: a.endpoint_id.clone(),
                        mac_address: a.mac.clone(),
                        ipv4_address: a.address.clone(),
                        ipv6_address: String::new(),
                    },
                )
            })
            .collect();
        Network {
            name: record.name.clone(),
            id: record.id.clone(),
            created: rfc3339_nanos(crate::containers::from_nanos(record.created_nanos)),
            scope: "local".into(),
            driver: record.driver.clone(),
            enable_ipv4: true,
            enable_ipv6: record.enable_ipv6,
            ipam: Ipam {
                driver: record.ipam_driver.clone(),
                options: if record.predefined() {
                    None
                } else {
                    Some(record.ipam_options.clone())
                },
                config: Some(config),
            },
            internal: record.internal,
            attachable: record.attachable,
            ingress: record.ingress,
            config_from: serde_json::json!({ "Network": "" }),
            config_only: false,
            containers,
            options: record.options.clone(),
            labels: record.labels.clone(),
        }
    }

    fn matches(
        record: &NetworkRecord,
        key: &str,
        value: &str,
        in_use: bool,
    ) -> Result<bool, EngineError> {
        Ok(match key {
            "name" => record.name.contains(value),
            "id" => record.id.contains(value),
            "driver" => record.driver == value,
            "scope" => value == "local",
            "label" => match value.split_once('=') {
                Some((k, v)) => record.labels.get(k).map(String::as_str) == Some(v),
                None => record.labels.contains_key(value),
            },
            "type" => match value {
                "custom" => !record.predefined(),
                "builtin" => record.predefined(),
                _ => {
                    return Err(EngineError::InvalidParameter(format!(
                        "invalid filter: 'type'='{value}'"
                    )));
                }
            },
            "dangling" => {
                let dangling = bool_filter(key, value)?;
                let is_dangling = !record.predefined() && !in_use;
                dangling == is_dangling
            }
            other => {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{other}'"
                )));
            }
        })
    }

    /// The networks `filters` keeps; `in_use` says whether a network has running containers.
    pub fn list(
        &self,
        filters: &Filters,
        in_use: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<NetworkRecord>, EngineError> {
        let mut out = Vec::new();
        for record in self.all() {
            let used = in_use(&record.id);
            let mut keep = true;
            for (key, values) in filters {
                if values.is_empty() {
                    continue;
                }
                if key == "label" {
                    for value in values {
                        keep &= Self::matches(&record, key, value, used)?;
                    }
                } else {
                    let mut any = false;
                    for value in values {
                        any |= Self::matches(&record, key, value, used)?;
                    }
                    keep &= any;
                }
            }
            if keep {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Removes a network no running container is attached to (`attached`: the running ones).
    pub fn remove(
        &self,
        reference: &str,
        attached: &dyn Fn(&str) -> usize,
    ) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        if record.predefined() {
            return Err(EngineError::Forbidden(format!(
                "{} is a pre-defined network and cannot be removed",
                record.name
            )));
        }
        if attached(&record.id) > 0 {
            return Err(EngineError::Forbidden(format!(
                "error while removing network: network {} id {} has active endpoints",
                record.name, record.id
            )));
        }
        self.records.remove(&record.id)?;
        self.publish(&record, "destroy", &[]);
        Ok(())
    }

    /// Removes the user-defined networks no running container uses, and which `filters`
    /// (`label`, `label!`) keep. `until` is not served yet: it answers Docker's invalid-filter
    /// error rather than prune more than asked.
    pub fn prune(
        &self,
        filters: &Filters,
        attached: &dyn Fn(&str) -> usize,
    ) -> Result<NetworkPruneReport, EngineError> {
        for key in filters.keys() {
            if !matches!(key.as_str(), "label" | "label!") {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{key}'"
                )));
            }
        }
        let mut deleted = Vec::new();
        for record in self.all() {
            if record.predefined() || attached(&record.id) > 0 {
                continue;
            }
            let label = |value: &String| match value.split_once('=') {
                Some((k, v)) => record.labels.get(k).map(String::as_str) == Some(v),
                None => record.labels.contains_key(value.as_str()),
            };
            if !filters
                .get("label")
                .is_none_or(|values| values.iter().all(label))
            {
                continue;
            }
            if filters
                .get("label!")
                .is_some_and(|values| values.iter().any(label))
            {
                continue;
            }
            if self.records.remove(&record.id)?.is_some() {
                self.publish(&record, "destroy", &[]);
                deleted.push(record.name.clone());
            }
        }
        Ok(NetworkPruneReport {
            networks_deleted: Some(deleted),
        })
    }

    /// Leases a free address of `record`'s subnet to a starting container.
    pub fn lease(&self, record: &NetworkRecord) -> Result<Ipv4Addr, EngineError> {
        let (network, prefix) = record.subnet().ok_or_else(|| {
            EngineError::internal(format!("network {} has no subnet", record.name))
        })?;
        let gateway = record.gateway_address();
        let hosts = (1u64 << (32 - u32::from(prefix))).saturating_sub(2);
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        let held = leases.entry(record.id.clone()).or_default();
        if held.len() as u64 + 1 >= hosts {
            return Err(EngineError::Forbidden(format!(
                "no available IPv4 addresses on this network's address pools: {} ({})",
                record.name, record.id
            )));
        }
        let ids = self.kit.ids();
        loop {
            let random = u64::from_str_radix(&ids.hex(12), 16).unwrap_or(0);
            let offset = 1 + (random % hosts) as u32;
            let address = Ipv4Addr::from(u32::from(network) + offset);
            if Some(address) == gateway {
                continue;
            }
            if held.insert(address) {
                return Ok(address);
            }
        }
    }

    pub fn release(&self, network_id: &str, address: Ipv4Addr) {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(held) = leases.get_mut(network_id) {
            held.remove(&address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets() {
        assert_eq!(
            parse_cidr("10.1.2.3/16").unwrap(),
            (Ipv4Addr::new(10, 1, 0, 0), 16)
        );
        assert!(parse_cidr("10.1.2.3").is_err());
        assert!(parse_cidr("10.1.2.3/33").is_err());
        assert!(overlaps(
            (Ipv4Addr::new(172, 18, 0, 0), 16),
            (Ipv4Addr::new(172, 18, 5, 0), 24)
        ));
        assert!(!overlaps(
            (Ipv4Addr::new(172, 18, 0, 0), 16),
            (Ipv4Addr::new(172, 19, 0, 0), 16)
        ));
        assert_eq!(mac_for(Ipv4Addr::new(172, 18, 0, 2)), "02:42:ac:12:00:02");
        assert_eq!(
            candidate_subnets().next(),
            Some((Ipv4Addr::new(172, 18, 0, 0), 16))
        );
    }
}
