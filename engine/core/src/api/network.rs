//! Network shapes: `POST /networks/create`'s body, a network as inspect and list show it, the
//! connect and disconnect bodies, and the prune report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One `IPAM.Config` entry: a subnet and its gateway.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IpamConfig {
    #[serde(rename = "Subnet", default, skip_serializing_if = "String::is_empty")]
    pub subnet: String,
    #[serde(rename = "IPRange", default, skip_serializing_if = "String::is_empty")]
    pub ip_range: String,
    #[serde(rename = "Gateway", default, skip_serializing_if = "String::is_empty")]
    pub gateway: String,
}

/// A network's `IPAM`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Ipam {
    #[serde(rename = "Driver", default)]
    pub driver: String,
    #[serde(rename = "Options", default)]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(rename = "Config", default)]
    pub config: Option<Vec<IpamConfig>>,
}

/// `POST /networks/create`'s body. Fields no backend reads are kept in `extra`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NetworkCreate {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Driver", default)]
    pub driver: String,
    #[serde(rename = "Scope", default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(rename = "Internal", default)]
    pub internal: bool,
    #[serde(rename = "Attachable", default)]
    pub attachable: bool,
    #[serde(rename = "Ingress", default)]
    pub ingress: bool,
    #[serde(
        rename = "EnableIPv6",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_ipv6: Option<bool>,
    #[serde(rename = "IPAM", default, skip_serializing_if = "Option::is_none")]
    pub ipam: Option<Ipam>,
    #[serde(rename = "Options", default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(rename = "Labels", default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /networks/create`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NetworkCreated {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Warning", default)]
    pub warning: String,
}

/// A container attached to a network, as the network's inspect lists it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NetworkContainer {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "EndpointID", default)]
    pub endpoint_id: String,
    #[serde(rename = "MacAddress", default)]
    pub mac_address: String,
    #[serde(rename = "IPv4Address", default)]
    pub ipv4_address: String,
    #[serde(rename = "IPv6Address", default)]
    pub ipv6_address: String,
}

/// A network, as `GET /networks/{id}` and the list show it (the list leaves `Containers`
/// empty, as Docker does).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Network {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Id", default)]
    pub id: String,
    #[serde(rename = "Created", default)]
    pub created: String,
    #[serde(rename = "Scope", default)]
    pub scope: String,
    #[serde(rename = "Driver", default)]
    pub driver: String,
    #[serde(rename = "EnableIPv4", default = "enabled")]
    pub enable_ipv4: bool,
    #[serde(rename = "EnableIPv6", default)]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM", default)]
    pub ipam: Ipam,
    #[serde(rename = "Internal", default)]
    pub internal: bool,
    #[serde(rename = "Attachable", default)]
    pub attachable: bool,
    #[serde(rename = "Ingress", default)]
    pub ingress: bool,
    #[serde(rename = "ConfigFrom", default)]
    pub config_from: Value,
    #[serde(rename = "ConfigOnly", default)]
    pub config_only: bool,
    #[serde(rename = "Containers", default)]
    pub containers: BTreeMap<String, NetworkContainer>,
    #[serde(rename = "Options", default)]
    pub options: BTreeMap<String, String>,
    #[serde(rename = "Labels", default)]
    pub labels: BTreeMap<String, String>,
}

fn enabled() -> bool {
    true
}

/// A container's settings on one network (`NetworkingConfig.EndpointsConfig.NAME`, and the
/// connect body's `EndpointConfig`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EndpointSettings {
    #[serde(rename = "Aliases", default)]
    pub aliases: Option<Vec<String>>,
    #[serde(rename = "Links", default)]
    pub links: Option<Vec<String>>,
    #[serde(rename = "MacAddress", default)]
    pub mac_address: Option<String>,
    #[serde(rename = "IPAMConfig", default)]
    pub ipam_config: Option<Value>,
    #[serde(rename = "DriverOpts", default)]
    pub driver_opts: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /networks/{id}/connect`'s body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NetworkConnect {
    #[serde(rename = "Container", default)]
    pub container: String,
    #[serde(rename = "EndpointConfig", default)]
    pub endpoint_config: Option<EndpointSettings>,
}

/// `POST /networks/{id}/disconnect`'s body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NetworkDisconnect {
    #[serde(rename = "Container", default)]
    pub container: String,
    #[serde(rename = "Force", default)]
    pub force: bool,
}

/// `POST /networks/prune`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NetworkPruneReport {
    #[serde(rename = "NetworksDeleted")]
    pub networks_deleted: Option<Vec<String>>,
}
