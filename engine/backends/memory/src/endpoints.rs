//! A container's networks: its endpoints (worked out at create from `NetworkMode` and
//! `NetworkingConfig`, kept in its record), and while it runs its sandbox: a network namespace
//! of its own with one interface per network (`eth0`, `eth1`, …) on that network's bridge,
//! the ports published on the host through a userland proxy (as Docker's `docker-proxy`),
//! and the `/etc/hosts` and `/etc/resolv.conf` the engine writes, as Docker writes them.
//!
//! Names: containers on a user-defined network find each other by name, alias and short ID
//! through the embedded DNS server at `127.0.0.11` ([`crate::dns`]), which answers from the
//! records at each question, so peers that start, stop, connect or disconnect are seen at
//! once. As on Docker, `/etc/hosts` holds only localhost and the container itself, and the
//! default `bridge` network gives no names.
//!
//! `--network container:NAME` joins a running container's sandbox: its namespace, hostname,
//! hosts and resolv.conf files (Docker's errors when it is missing or not running).
//!
//! Limits: IPv4 and TCP only (a `udp` binding fails the start, saying so); a runner with no
//! network namespaces (the process runner) cannot run a container on a bridge network and
//! says so.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use engine_core::EngineError;
use engine_core::api::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use simkit::runner::oci::network::{GroupNetwork, NetworkSpec, PublishedPort};

use crate::containers::{ContainerRecord, Containers};
use crate::networks::{NetworkRecord, Networks, mac_for};

/// A container's endpoint on one network, as stored in its record (keyed by network name).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EndpointRecord {
    pub network_id: String,
    /// Made when the container starts, as Docker makes one per sandbox join.
    #[serde(default)]
    pub endpoint_id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub links: Vec<String>,
    /// Its address while the container runs, empty otherwise.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub prefix_len: u8,
    #[serde(default)]
    pub gateway: String,
    #[serde(default)]
    pub mac: String,
    #[serde(default)]
    pub driver_opts: Option<BTreeMap<String, String>>,
}

/// A running container's network: dropping it closes its published ports, ends its
/// namespace and frees its addresses.
pub struct Sandbox {
    network: Option<Arc<GroupNetwork>>,
    ports: Vec<(String, PublishedPort, String)>,
    leases: Vec<(String, Ipv4Addr)>,
    /// Network name → interface in the namespace.
    pub(crate) interfaces: BTreeMap<String, String>,
    networks: Arc<Networks>,
    pub(crate) hosts_file: Option<PathBuf>,
    pub(crate) resolv_file: Option<PathBuf>,
    /// The hostname a container joining this sandbox (`container:NAME`) takes.
    pub(crate) hostname: String,
    /// The embedded DNS server, on a user-defined network.
    dns: Option<crate::dns::DnsServer>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("interfaces", &self.interfaces)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for (network_id, address) in &self.leases {
            self.networks.release(network_id, *address);
        }
    }
}

impl Sandbox {
    pub fn group(&self) -> Option<Arc<GroupNetwork>> {
        self.network.clone()
    }

    pub fn lease(&mut self, network_id: String, address: Ipv4Addr) {
        self.leases.push((network_id, address));
    }

    pub fn unlease(&mut self, network_id: &str, address: Ipv4Addr) {
        self.leases
            .retain(|(id, held)| !(id == network_id && *held == address));
        self.networks.release(network_id, address);
    }

    pub fn namespace(&self) -> Option<PathBuf> {
        self.network.as_ref().map(|n| n.namespace().to_path_buf())
    }

    /// `NetworkSettings.Ports` entries of the published ports: `80/tcp` → host IP and port.
    pub fn published(&self) -> Vec<(String, String, u16)> {
        self.ports
            .iter()
            .map(|(port, listener, host_ip)| (port.clone(), host_ip.clone(), listener.host_port()))
            .collect()
    }
}

/// What the mode names: a predefined mode, or a network.
fn mode_network(mode: &str) -> &str {
    if mode.is_empty() || mode == "default" {
        "bridge"
    } else {
        mode
    }
}

/// Works out a new container's endpoints from its `NetworkMode` and `NetworkingConfig`
/// (API 1.44 lets a create name several networks).
pub fn resolve(
    networks: &Networks,
    host_config: &mut HostConfig,
    networking: Option<&Value>,
) -> Result<BTreeMap<String, EndpointRecord>, EngineError> {
    let mode = mode_network(&host_config.network_mode).to_string();
    if mode.starts_with("container:") {
        // The container has no endpoint of its own: it shares another's at start.
        return Ok(BTreeMap::new());
    }
    // Docker looks user-defined networks up at start, not at create: a container may name
    // a network that does not exist yet ([`Containers::make_sandbox`] fails then).
    let primary = match networks.find(&mode) {
        Ok(record) => record,
        Err(EngineError::NotFound(_)) => NetworkRecord::missing(&mode),
        Err(error) => return Err(error),
    };
    host_config.network_mode = if host_config.network_mode.is_empty() {
        "bridge".into()
    } else {
        host_config.network_mode.clone()
    };
    let configs: BTreeMap<String, EndpointSettings> = networking
        .and_then(|n| n.get("EndpointsConfig"))
        .filter(|v| !v.is_null())
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|error| EngineError::InvalidParameter(format!("invalid JSON: {error}")))?
        .unwrap_or_default();
    let mut endpoints = BTreeMap::new();
    let mut add = |record: &NetworkRecord, settings: Option<&EndpointSettings>| {
        endpoints.insert(record.name.clone(), endpoint_for(record, settings)?);
        Ok::<(), EngineError>(())
    };
    // The CLI names the primary network as the mode names it (`default` included).
    let primary_settings = configs
        .get(&mode)
        .or_else(|| configs.get(&host_config.network_mode))
        .or_else(|| configs.get("default"))
        .or_else(|| configs.get(&primary.name))
        .or_else(|| configs.get(&primary.id));
    add(&primary, primary_settings)?;
    for (name, settings) in &configs {
        if *name == mode || *name == host_config.network_mode || name == "default" {
            continue;
        }
        let record = match networks.find(name) {
            Ok(record) => record,
            Err(EngineError::NotFound(_)) => NetworkRecord::missing(name),
            Err(error) => return Err(error),
        };
        if record.id == primary.id && !record.id.is_empty() {
            continue;
        }
        if primary.name == "host"
            || primary.name == "none"
            || record.name == "host"
            || record.name == "none"
        {
            return Err(EngineError::InvalidParameter(
                "container cannot be connected to host or none network and another network at the same time".into(),
            ));
        }
        add(&record, Some(settings))?;
    }
    Ok(endpoints)
}

fn endpoint_for(
    record: &NetworkRecord,
    settings: Option<&EndpointSettings>,
) -> Result<EndpointRecord, EngineError> {
    let aliases = settings.and_then(|s| s.aliases.clone()).unwrap_or_default();
    if !aliases.is_empty() && record.predefined() {
        return Err(EngineError::InvalidParameter(
            "network-scoped alias is supported only for containers in user defined networks".into(),
        ));
    }
    if settings
        .and_then(|s| s.ipam_config.as_ref())
        .is_some_and(|ipam| {
            ["IPv4Address", "IPv6Address"].iter().any(|key| {
                ipam.get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|a| !a.is_empty())
            })
        })
    {
        return Err(EngineError::not_supported(
            "memory",
            "a container's fixed address on a network",
        ));
    }
    Ok(EndpointRecord {
        network_id: record.id.clone(),
        aliases,
        links: settings.and_then(|s| s.links.clone()).unwrap_or_default(),
        mac: settings
            .and_then(|s| s.mac_address.clone())
            .unwrap_or_default(),
        driver_opts: settings.and_then(|s| s.driver_opts.clone()),
        ..EndpointRecord::default()
    })
}

/// A port key (`80/tcp`, `53/udp`, `80`) as number and protocol.
fn parse_port(key: &str) -> Result<(u16, String), EngineError> {
    let (number, protocol) = key.split_once('/').unwrap_or((key, "tcp"));
    let number = number.parse::<u16>().map_err(|_| {
        EngineError::InvalidParameter(format!("invalid port specification: \"{key}\""))
    })?;
    Ok((number, protocol.to_string()))
}

/// The container's exposed ports (`Config.ExposedPorts`, which create fills from the image
/// and the bindings), sorted.
pub fn exposed_ports(record: &ContainerRecord) -> Vec<String> {
    let mut ports: Vec<String> = record
        .config
        .extra
        .get("ExposedPorts")
        .and_then(Value::as_object)
        .map(|ports| ports.keys().cloned().collect())
        .unwrap_or_default();
    ports.sort_by_key(|key| parse_port(key).unwrap_or((0, String::new())));
    ports
}

/// `HostConfig.PortBindings`: port key → (host IP, host port; 0 for one the kernel picks).
pub(crate) fn port_bindings(
    record: &ContainerRecord,
) -> Result<Vec<(String, String, u16)>, EngineError> {
    let mut out = Vec::new();
    let bindings = record.host_config.extra.get("PortBindings");
    if let Some(bindings) = bindings.and_then(Value::as_object) {
        for (port, hosts) in bindings {
            for host in hosts.as_array().into_iter().flatten() {
                let host_ip = host.get("HostIp").and_then(Value::as_str).unwrap_or("");
                let host_port = host.get("HostPort").and_then(Value::as_str).unwrap_or("");
                let host_port = if host_port.is_empty() {
                    0
                } else {
                    host_port.parse::<u16>().map_err(|_| {
                        EngineError::InvalidParameter(format!(
                            "invalid port specification: \"{host_port}\""
                        ))
                    })?
                };
                out.push((port.clone(), host_ip.to_string(), host_port));
            }
        }
    }
    let publish_all = record
        .host_config
        .extra
        .get("PublishAllPorts")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if publish_all {
        for port in exposed_ports(record) {
            if !out.iter().any(|(p, _, _)| *p == port) {
                out.push((port, String::new(), 0));
            }
        }
    }
    Ok(out)
}

/// Fills `Config.ExposedPorts` at create: the image's, the container's, and every bound port.
pub fn merge_exposed(config: &mut ContainerConfig, host_config: &HostConfig, image_config: &Value) {
    let mut exposed = serde_json::Map::new();
    for source in [
        image_config.get("ExposedPorts"),
        config.extra.get("ExposedPorts"),
    ] {
        if let Some(ports) = source.and_then(Value::as_object) {
            for key in ports.keys() {
                let key = if key.contains('/') {
                    key.clone()
                } else {
                    format!("{key}/tcp")
                };
                exposed.insert(key, json!({}));
            }
        }
    }
    if let Some(bindings) = host_config
        .extra
        .get("PortBindings")
        .and_then(Value::as_object)
    {
        for key in bindings.keys() {
            let key = if key.contains('/') {
                key.clone()
            } else {
                format!("{key}/tcp")
            };
            exposed.insert(key, json!({}));
        }
    }
    if !exposed.is_empty() {
        config
            .extra
            .insert("ExposedPorts".into(), Value::Object(exposed));
    }
}

impl Containers {
    /// Makes a starting container's sandbox: its namespace and interfaces, its addresses
    /// (written into its record's endpoints), its published ports and its hosts file. `None`
    /// for `host` mode, which uses the host's network as Docker's does.
    pub(crate) async fn make_sandbox(
        self: &Arc<Self>,
        record: &ContainerRecord,
    ) -> Result<Option<Sandbox>, EngineError> {
        let mode = mode_network(&record.host_config.network_mode).to_string();
        if mode == "host" {
            return Ok(None);
        }
        let runner = self.runner_for(record)?;
        let mut sandbox = Sandbox {
            network: None,
            ports: Vec::new(),
            leases: Vec::new(),
            interfaces: BTreeMap::new(),
            networks: self.networks.clone(),
            hosts_file: None,
            resolv_file: None,
            hostname: record.config.hostname.clone(),
            dns: None,
        };
        if let Some(target) = mode.strip_prefix("container:") {
            return self.joined_sandbox(&record.id, target, sandbox).map(Some);
        }
        let spec_name = format!("engine/{}", &record.id[..12]);
        if mode == "none" {
            let spec = NetworkSpec {
                name: spec_name,
                address: Ipv4Addr::new(169, 254, 0, 2),
                prefix_len: 30,
                forwards: Vec::new(),
            };
            let network = runner
                .group_network(&spec)
                .await
                .map_err(EngineError::internal)?
                .ok_or_else(|| no_namespaces(&runner))?;
            network
                .ip_inside("link delete eth0\n")
                .await
                .map_err(EngineError::internal)?;
            sandbox.network = Some(Arc::new(network));
            return Ok(Some(sandbox));
        }
        let setup = |error: EngineError| match error {
            EngineError::NotFound(message) => {
                EngineError::NotFound(format!("failed to set up container networking: {message}"))
            }
            other => other,
        };
        // The primary network first (it holds the default route), then the others by name.
        let primary = self.networks.find(&mode).map_err(setup)?;
        let mut order: Vec<String> = vec![primary.name.clone()];
        order.extend(
            record
                .endpoints
                .keys()
                .filter(|n| **n != primary.name)
                .cloned(),
        );
        let mut updates: Vec<(String, EndpointRecord)> = Vec::new();
        for (index, name) in order.iter().enumerate() {
            let Some(endpoint) = record.endpoints.get(name) else {
                continue;
            };
            let network = self
                .networks
                .find(&endpoint.network_id)
                .or_else(|_| self.networks.find(name))
                .map_err(setup)?;
            let (_, prefix_len) = network.subnet().ok_or_else(|| {
                EngineError::internal(format!("network {} has no subnet", network.name))
            })?;
            let address = self.networks.lease(&network)?;
            sandbox.leases.push((network.id.clone(), address));
            let mac = if endpoint.mac.is_empty() {
                mac_for(address)
            } else {
                endpoint.mac.clone()
            };
            let interface = format!("eth{index}");
            if index == 0 {
                let spec = NetworkSpec {
                    name: spec_name.clone(),
                    address,
                    prefix_len,
                    forwards: Vec::new(),
                };
                let group = runner
                    .group_network(&spec)
                    .await
                    .map_err(|problem| {
                        EngineError::internal(format!(
                            "failed to set up container networking: {problem}"
                        ))
                    })?
                    .ok_or_else(|| no_namespaces(&runner))?;
                group
                    .ip_inside(&format!("link set eth0 address {mac}\n"))
                    .await
                    .map_err(EngineError::internal)?;
                sandbox.network = Some(Arc::new(group));
            } else if let Some(group) = &sandbox.network {
                group
                    .attach(&interface, address, prefix_len, Some(&mac))
                    .await
                    .map_err(EngineError::internal)?;
            }
            sandbox.interfaces.insert(network.name.clone(), interface);
            let mut updated = endpoint.clone();
            updated.network_id = network.id.clone();
            updated.endpoint_id = self.new_id();
            updated.address = address.to_string();
            updated.prefix_len = prefix_len;
            updated.gateway = network.gateway.clone();
            updated.mac = mac;
            updates.push((network.name.clone(), updated));
        }
        // Published ports go to the primary address.
        let target = updates
            .first()
            .and_then(|(_, e)| e.address.parse::<Ipv4Addr>().ok());
        if let Some(target) = target {
            for (port, host_ip, host_port) in port_bindings(record)? {
                let (number, protocol) = parse_port(&port)?;
                if protocol != "tcp" {
                    return Err(EngineError::not_supported(
                        "memory",
                        &format!("publishing {protocol} ports"),
                    ));
                }
                let listen_ip: std::net::IpAddr = if host_ip.is_empty() {
                    std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                } else {
                    host_ip.parse().map_err(|_| {
                        EngineError::InvalidParameter(format!("invalid IP address: {host_ip}"))
                    })?
                };
                let listener = PublishedPort::open(
                    SocketAddr::new(listen_ip, host_port),
                    SocketAddr::new(std::net::IpAddr::V4(target), number),
                )
                .await
                .map_err(|problem| {
                    EngineError::Internal(format!(
                        "driver failed programming external connectivity on endpoint {} ({}): {problem}",
                        record.name,
                        updates.first().map(|(_, e)| e.endpoint_id.clone()).unwrap_or_default()
                    ))
                })?;
                sandbox.ports.push((port, listener, listen_ip.to_string()));
            }
        }
        self.records_update(&record.id, |r| {
            for (name, endpoint) in &updates {
                r.endpoints.insert(name.clone(), endpoint.clone());
            }
        })?;
        sandbox.hosts_file = Some(self.container_dir(&record.id).join("hosts"));
        let user_defined = updates
            .iter()
            .any(|(name, _)| !crate::networks::PREDEFINED.contains(&name.as_str()));
        let (resolv, forward_to) = crate::dns::resolv_conf(
            &std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
            &dns_overrides(&record.host_config)?,
            user_defined,
        );
        let resolv_file = self.container_dir(&record.id).join("resolv.conf");
        if let Some(parent) = resolv_file.parent() {
            std::fs::create_dir_all(parent).map_err(EngineError::internal)?;
        }
        std::fs::write(&resolv_file, resolv).map_err(EngineError::internal)?;
        sandbox.resolv_file = Some(resolv_file);
        if user_defined && let Some(namespace) = sandbox.namespace() {
            let containers = Arc::downgrade(self);
            let asking = record.id.clone();
            let lookup: crate::dns::Lookup = Arc::new(move |question| {
                containers
                    .upgrade()
                    .and_then(|containers| containers.dns_lookup(&asking, question))
            });
            let server = crate::dns::DnsServer::start(namespace, lookup, forward_to)
                .await
                .map_err(|problem| {
                    EngineError::internal(format!(
                        "failed to set up container networking: {problem}"
                    ))
                })?;
            sandbox.dns = Some(server);
        }
        Ok(Some(sandbox))
    }

    /// The sandbox of a container started with `--network container:NAME`: the running
    /// container's namespace, hostname and files, nothing of its own.
    fn joined_sandbox(
        &self,
        own_id: &str,
        target: &str,
        mut sandbox: Sandbox,
    ) -> Result<Sandbox, EngineError> {
        let joined = self.find(target)?;
        if joined.id == own_id {
            return Err(EngineError::internal("cannot join own network"));
        }
        let sandboxes = self.lock_sandboxes();
        let Some(theirs) = sandboxes
            .get(&joined.id)
            .filter(|_| joined.state.status == "running")
        else {
            return Err(EngineError::Conflict(format!(
                "cannot join network of a non running container: {target}"
            )));
        };
        sandbox.network = theirs.network.clone();
        sandbox.hosts_file = theirs.hosts_file.clone();
        sandbox.resolv_file = theirs.resolv_file.clone();
        sandbox.hostname = theirs.hostname.clone();
        Ok(sandbox)
    }

    /// What the embedded DNS server of container `asking` answers itself: the addresses of the
    /// running containers on its user-defined networks named (or aliased, or short-IDed)
    /// `question`, also as `NAME.NETWORK`; the `NAME.NETWORK` of an address asked in reverse.
    pub(crate) fn dns_lookup(
        &self,
        asking: &str,
        question: &crate::dns::Question,
    ) -> Option<crate::dns::Known> {
        let record = self.records_get(asking)?;
        let shared = |network: &String| {
            !crate::networks::PREDEFINED.contains(&network.as_str())
                && record.endpoints.contains_key(network)
        };
        let peers: Vec<ContainerRecord> = self
            .all()
            .into_iter()
            .filter(|peer| peer.state.status == "running")
            .collect();
        if question.is_address() {
            let mut found: Vec<Ipv4Addr> = Vec::new();
            for peer in &peers {
                for (network, endpoint) in peer.endpoints.iter().filter(|(n, _)| shared(n)) {
                    let Ok(address) = endpoint.address.parse::<Ipv4Addr>() else {
                        continue;
                    };
                    let names = std::iter::once(peer.name.as_str())
                        .chain(endpoint.aliases.iter().map(String::as_str))
                        .chain(std::iter::once(&peer.id[..12]));
                    let named = names.map(str::to_ascii_lowercase).any(|name| {
                        question.name == name
                            || question.name == format!("{name}.{}", network.to_ascii_lowercase())
                    });
                    if named && !found.contains(&address) {
                        found.push(address);
                    }
                }
            }
            return (!found.is_empty()).then_some(crate::dns::Known::Addresses(found));
        }
        if question.is_pointer() {
            let wanted = question.pointer_address()?.to_string();
            for peer in &peers {
                for (network, endpoint) in peer.endpoints.iter().filter(|(n, _)| shared(n)) {
                    if endpoint.address == wanted {
                        return Some(crate::dns::Known::Pointer(format!(
                            "{}.{network}",
                            peer.name
                        )));
                    }
                }
            }
        }
        None
    }

    /// Forgets a stopped container's addresses (its sandbox was dropped).
    pub(crate) fn clear_addresses(&self, id: &str) {
        let _ = self.records_update(id, |r| {
            for endpoint in r.endpoints.values_mut() {
                endpoint.address.clear();
                endpoint.endpoint_id.clear();
                endpoint.gateway.clear();
                endpoint.prefix_len = 0;
                if endpoint.mac.starts_with("02:42:") {
                    endpoint.mac.clear();
                }
            }
        });
    }

    /// The hosts file of a running container, as Docker writes it: localhost and itself (its
    /// peers' names come from the embedded DNS server).
    fn hosts_text(&self, record: &ContainerRecord) -> String {
        let mut text = String::from(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
        );
        let primary = mode_network(&record.host_config.network_mode);
        if let Some(own) = record
            .endpoints
            .get(primary)
            .filter(|e| !e.address.is_empty())
        {
            text.push_str(&format!("{}\t{}\n", own.address, record.config.hostname));
        }
        text
    }

    /// Writes a starting container's hosts file; the mount that puts it at `/etc/hosts`.
    pub(crate) fn hosts_mount(
        &self,
        record: &ContainerRecord,
        file: &std::path::Path,
    ) -> Result<simkit::runner::WorkloadMount, EngineError> {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(EngineError::internal)?;
        }
        std::fs::write(file, self.hosts_text(record)).map_err(EngineError::internal)?;
        Ok(simkit::runner::WorkloadMount {
            source: file.to_path_buf(),
            destination: "/etc/hosts".into(),
            read_only: false,
        })
    }

    /// `NetworkSettings` as Docker fills it.
    pub(crate) fn network_settings(&self, record: &ContainerRecord) -> Value {
        let running = record.state.status == "running";
        let primary = mode_network(&record.host_config.network_mode);
        let published = self.published_ports(&record.id);
        let mut ports = serde_json::Map::new();
        if running {
            for port in exposed_ports(record) {
                let bound: Vec<Value> = published
                    .iter()
                    .filter(|(p, _, _)| *p == port)
                    .map(|(_, ip, host_port)| json!({ "HostIp": ip, "HostPort": host_port.to_string() }))
                    .collect();
                ports.insert(
                    port,
                    if bound.is_empty() {
                        Value::Null
                    } else {
                        Value::Array(bound)
                    },
                );
            }
        }
        let mut networks = serde_json::Map::new();
        for (name, endpoint) in &record.endpoints {
            let user_defined = !crate::networks::PREDEFINED.contains(&name.as_str());
            let dns_names = if user_defined && running {
                let mut names = vec![record.name.clone(), record.id[..12].to_string()];
                names.extend(endpoint.aliases.iter().cloned());
                json!(names)
            } else {
                Value::Null
            };
            networks.insert(
                name.clone(),
                json!({
                    "IPAMConfig": null,
                    "Links": if endpoint.links.is_empty() { Value::Null } else { json!(endpoint.links) },
                    "Aliases": if endpoint.aliases.is_empty() { Value::Null } else { json!(endpoint.aliases) },
                    "MacAddress": endpoint.mac,
                    "DriverOpts": endpoint.driver_opts,
                    "GwPriority": 0,
                    "NetworkID": endpoint.network_id,
                    "EndpointID": endpoint.endpoint_id,
                    "Gateway": endpoint.gateway,
                    "IPAddress": endpoint.address,
                    "IPPrefixLen": endpoint.prefix_len,
                    "IPv6Gateway": "",
                    "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0,
                    "DNSNames": dns_names,
                }),
            );
        }
        let default_bridge = record
            .endpoints
            .get("bridge")
            .filter(|_| primary == "bridge");
        let field =
            |get: fn(&EndpointRecord) -> Value, empty: Value| default_bridge.map_or(empty, get);
        json!({
            "Bridge": "",
            "SandboxID": if running { record.id.clone() } else { String::new() },
            "SandboxKey": if running { format!("/var/run/docker/netns/{}", &record.id[..12]) } else { String::new() },
            "Ports": ports,
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            "EndpointID": field(|e| json!(e.endpoint_id), json!("")),
            "Gateway": field(|e| json!(e.gateway), json!("")),
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": field(|e| json!(e.address), json!("")),
            "IPPrefixLen": field(|e| json!(e.prefix_len), json!(0)),
            "IPv6Gateway": "",
            "MacAddress": field(|e| json!(e.mac), json!("")),
            "Networks": networks,
        })
    }

    /// `Ports` of a container list entry.
    pub(crate) fn summary_ports(&self, record: &ContainerRecord) -> Vec<Value> {
        let published = self.published_ports(&record.id);
        let mut out = Vec::new();
        for port in exposed_ports(record) {
            let Ok((number, protocol)) = parse_port(&port) else {
                continue;
            };
            let bound: Vec<_> = published.iter().filter(|(p, _, _)| *p == port).collect();
            if bound.is_empty() || record.state.status != "running" {
                out.push(json!({ "PrivatePort": number, "Type": protocol }));
            }
            if record.state.status == "running" {
                for (_, ip, host_port) in bound {
                    out.push(json!({ "IP": ip, "PrivatePort": number, "PublicPort": host_port, "Type": protocol }));
                }
            }
        }
        out
    }

    /// `docker network connect`: adds the endpoint to the record and, while the container
    /// runs, an interface to its namespace.
    pub async fn connect(
        &self,
        network_ref: &str,
        connect: NetworkConnect,
    ) -> Result<(), EngineError> {
        let network = self.networks.find(network_ref)?;
        let record = self.find(&connect.container)?;
        let primary = mode_network(&record.host_config.network_mode);
        if primary == "none" || network.name == "none" {
            return Err(EngineError::Forbidden(
                "container cannot be disconnected from none network or connected to none network"
                    .into(),
            ));
        }
        if primary == "host" || network.name == "host" {
            return Err(EngineError::Forbidden(
                "container cannot be disconnected from host network or connected to host network"
                    .into(),
            ));
        }
        if record.endpoints.contains_key(&network.name) {
            return Err(EngineError::Forbidden(format!(
                "endpoint with name {} already exists in network {}",
                record.name, network.name
            )));
        }
        let mut endpoint = endpoint_for(&network, connect.endpoint_config.as_ref())?;
        let running = self.sandbox_namespace(&record.id).is_some();
        if running {
            let (_, prefix_len) = network.subnet().ok_or_else(|| {
                EngineError::internal(format!("network {} has no subnet", network.name))
            })?;
            let address = self.networks.lease(&network)?;
            let mac = if endpoint.mac.is_empty() {
                mac_for(address)
            } else {
                endpoint.mac.clone()
            };
            let attached = self
                .attach_interface(&record.id, &network, address, prefix_len, &mac)
                .await;
            if let Err(error) = attached {
                self.networks.release(&network.id, address);
                return Err(error);
            }
            endpoint.endpoint_id = self.new_id();
            endpoint.address = address.to_string();
            endpoint.prefix_len = prefix_len;
            endpoint.gateway = network.gateway.clone();
            endpoint.mac = mac;
        }
        self.records_update(&record.id, |r| {
            r.endpoints.insert(network.name.clone(), endpoint.clone());
        })?;
        self.networks
            .publish(&network, "connect", &[("container", record.id.clone())]);
        Ok(())
    }

    /// `docker network disconnect`.
    pub async fn disconnect(
        &self,
        network_ref: &str,
        disconnect: NetworkDisconnect,
    ) -> Result<(), EngineError> {
        let network = self.networks.find(network_ref)?;
        let record = self.find(&disconnect.container)?;
        let Some(endpoint) = record.endpoints.get(&network.name).cloned() else {
            return Err(EngineError::Forbidden(format!(
                "container {} is not connected to network {}",
                record.id, network.name
            )));
        };
        if network.name == "host" {
            return Err(EngineError::Forbidden(
                "container cannot be disconnected from host network or connected to host network"
                    .into(),
            ));
        }
        self.detach_interface(&record.id, &network.name, &endpoint)
            .await?;
        self.records_update(&record.id, |r| {
            r.endpoints.remove(&network.name);
        })?;
        self.networks
            .publish(&network, "disconnect", &[("container", record.id.clone())]);
        Ok(())
    }
}

/// Docker's checks of a create that shares another container's network (moby
/// `runconfig.validateNetContainerMode`): what belongs to the namespace's owner is refused.
pub fn validate_container_mode(
    config: &ContainerConfig,
    host_config: &HostConfig,
) -> Result<(), EngineError> {
    let mode = host_config.network_mode.as_str();
    if mode != "container" && !mode.starts_with("container:") {
        return Ok(());
    }
    let refuse = |message: &str| Err(EngineError::InvalidParameter(message.into()));
    let given = |value: Option<&Value>| match value {
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(items)) => !items.is_empty(),
        Some(Value::Bool(set)) => *set,
        _ => false,
    };
    if mode.strip_prefix("container:").is_none_or(str::is_empty) {
        return refuse("invalid network mode: invalid container format container:<name|id>");
    }
    if !config.hostname.is_empty() {
        return refuse("conflicting options: hostname and the network mode");
    }
    if given(host_config.extra.get("Links")) {
        return refuse(
            "conflicting options: container type network can't be used with links. This would result in undefined behavior",
        );
    }
    if given(host_config.extra.get("Dns")) {
        return refuse("conflicting options: dns and the network mode");
    }
    if given(host_config.extra.get("ExtraHosts")) {
        return refuse("conflicting options: custom host-to-IP mapping and the network mode");
    }
    if given(host_config.extra.get("PortBindings"))
        || given(host_config.extra.get("PublishAllPorts"))
    {
        return refuse("conflicting options: port publishing and the container type network mode");
    }
    if given(config.extra.get("ExposedPorts")) {
        return refuse("conflicting options: port exposing and the container type network mode");
    }
    Ok(())
}

/// `HostConfig.Dns`, `DnsSearch` and `DnsOptions` (absent, null or empty: the host's).
fn dns_overrides(host_config: &HostConfig) -> Result<crate::dns::Overrides, EngineError> {
    let list = |key: &str| -> Option<Vec<String>> {
        host_config
            .extra
            .get(key)
            .and_then(Value::as_array)
            .filter(|items| !items.is_empty())
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
    };
    let nameservers = list("Dns")
        .map(|servers| {
            servers
                .iter()
                .map(|server| {
                    server.parse().map_err(|_| {
                        EngineError::InvalidParameter(format!("{server} is not an ip address"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(crate::dns::Overrides {
        nameservers,
        search: list("DnsSearch"),
        options: list("DnsOptions"),
    })
}

fn no_namespaces(runner: &Arc<dyn simkit::runner::Runner>) -> EngineError {
    EngineError::not_supported(
        "memory",
        &format!(
            "bridge networks on the {} runner (it has no network namespaces; use --network host)",
            runner.isolation().runner
        ),
    )
}
