//! ECS's `bridge` network mode (the default on EC2 and external instances): each container
//! that runs in its image gets a network namespace of its own with an address on a Docker-style
//! bridge (`172.17.0.0/16`, router `172.17.0.1`, as `docker0`), and each of its `portMappings`
//! is published on the host: `hostPort`, or a port the kernel picks when it is 0 or absent
//! (ECS's dynamic host ports), reported in DescribeTasks as the container's `networkBindings`.
//!
//! Publishing is a userland TCP proxy in the simulator
//! ([`simkit::runner::oci::network::PublishedPort`], as Docker's `docker-proxy`), listening on
//! every host address as ECS binds (`bindIP` `0.0.0.0`); no NAT rule is written. A container
//! that runs as a host process (no image, or `--workloads process`) binds its ports on the host
//! itself: a mapping to another host port is proxied to `127.0.0.1:containerPort`.
//!
//! Limits: TCP only (a `udp` mapping fails the task, saying so); port ranges are refused the
//! same way; containers of one task do not share `localhost` (as on Docker's bridge) and reach
//! each other by address only. What this module must not do: write NAT rules or leave a
//! listener open after its task has ended (the handles close them when dropped).

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;

use sim_aws_shapes::ecs::{NetworkBinding, PortMapping};
use simkit::runner::oci::network::PublishedPort;

/// The bridge's subnet: Docker's default, which ECS's agent uses on its instances.
pub(super) const BRIDGE_NETWORK: Ipv4Addr = Ipv4Addr::new(172, 17, 0, 0);
pub(super) const BRIDGE_PREFIX_LEN: u8 = 16;

/// Addresses held by containers of this simulator.
static LEASED: Mutex<BTreeSet<Ipv4Addr>> = Mutex::new(BTreeSet::new());

/// A container's address on the bridge, free again when dropped.
#[derive(Debug)]
pub(super) struct AddressLease(Ipv4Addr);

impl AddressLease {
    /// An address not held by another container of this simulator, chosen from `random` so
    /// that simulators sharing the host's bridge are unlikely to pick the same one.
    pub fn take(mut random: impl FnMut() -> u64) -> Self {
        let mut leased = LEASED.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            // Hosts .0.2 to .255.254: not the network, the router or the broadcast address.
            let host = 2 + (random() % 65_533) as u32;
            let address = Ipv4Addr::from(u32::from(BRIDGE_NETWORK) + host);
            if leased.insert(address) {
                return Self(address);
            }
        }
    }

    pub fn address(&self) -> Ipv4Addr {
        self.0
    }
}

impl Drop for AddressLease {
    fn drop(&mut self) {
        LEASED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.0);
    }
}

/// A container's published ports: the listeners (open while held) and what DescribeTasks
/// reports.
#[derive(Debug, Default)]
pub(super) struct Published {
    pub ports: Vec<PublishedPort>,
    pub bindings: Vec<NetworkBinding>,
}

/// Publishes `mappings` of a container at `address` (its bridge address, or `None` for a host
/// process). The reason a task fails to start when one cannot be published.
pub(super) async fn publish(
    mappings: &[PortMapping],
    address: Option<Ipv4Addr>,
) -> Result<Published, String> {
    let mut published = Published::default();
    for mapping in mappings {
        let protocol = mapping.protocol.clone().unwrap_or_else(|| "tcp".into());
        if mapping.container_port_range.is_some() {
            return Err(
                "CannotStartContainerError: the simulator does not publish port ranges (containerPortRange)".into(),
            );
        }
        let Some(container_port) = mapping
            .container_port
            .and_then(|port| u16::try_from(port).ok())
        else {
            continue;
        };
        if protocol != "tcp" {
            return Err(format!(
                "CannotStartContainerError: the simulator publishes TCP ports only: {protocol} port {container_port} cannot be published"
            ));
        }
        let host_port = mapping
            .host_port
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or(0);
        let binding = |host_port: u16| NetworkBinding {
            bind_ip: Some("0.0.0.0".into()),
            container_port: Some(i32::from(container_port)),
            host_port: Some(i32::from(host_port)),
            protocol: Some(protocol.clone()),
            ..NetworkBinding::default()
        };
        let target = match address {
            Some(address) => SocketAddr::from((address, container_port)),
            // A host process listens on the host: the same port needs no proxy.
            None if host_port == container_port => {
                published.bindings.push(binding(host_port));
                continue;
            }
            None => SocketAddr::from((Ipv4Addr::LOCALHOST, container_port)),
        };
        let port = PublishedPort::open(
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, host_port)),
            target,
        )
        .await
        .map_err(|error| {
            format!("CannotStartContainerError: failed to publish port {container_port}: {error}")
        })?;
        published.bindings.push(binding(port.host_port()));
        published.ports.push(port);
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_are_bridge_hosts_and_unique_until_dropped() {
        let mut values = [7_u64, 7, 7, 9].into_iter();
        let first = AddressLease::take(|| values.next().unwrap_or(11));
        let second = AddressLease::take(|| values.next().unwrap_or(11));
        assert_eq!(first.address(), Ipv4Addr::new(172, 17, 0, 9));
        assert_eq!(second.address(), Ipv4Addr::new(172, 17, 0, 11));
        drop(first);
        let again = AddressLease::take(|| 7);
        assert_eq!(again.address(), Ipv4Addr::new(172, 17, 0, 9));
    }

    #[tokio::test]
    async fn refused_mappings_say_why() {
        let udp = PortMapping {
            container_port: Some(53),
            protocol: Some("udp".into()),
            ..PortMapping::default()
        };
        assert_eq!(
            publish(&[udp], None).await.unwrap_err(),
            "CannotStartContainerError: the simulator publishes TCP ports only: udp port 53 cannot be published"
        );
        let same = PortMapping {
            container_port: Some(8080),
            host_port: Some(8080),
            ..PortMapping::default()
        };
        let published = publish(&[same], None).await.unwrap();
        assert!(published.ports.is_empty());
        assert_eq!(published.bindings[0].host_port, Some(8080));
    }
}
