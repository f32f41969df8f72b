//! A network namespace shared by the containers of one group (an `awsvpc` task, as on
//! Fargate): they reach each other on `localhost`, and the group's private address is really
//! assigned inside it, on `eth0`, one end of a veth pair whose other end is in a bridge on the
//! host that holds the subnet's router address (its first address, which AWS reserves for the
//! VPC router). The host reaches the group at its address through that bridge.
//!
//! The namespace is made by a thread of the simulator that unshares its own network namespace
//! and opens it ([`new_namespace`]); the open file holds it ([`GroupNetwork`], at
//! `/proc/PID/fd/N`, the path runc and the engine's threads enter), and the thread ends, so no
//! other thread leaves the host's namespace. Two `ip -batch` runs configure it: one started
//! from a thread inside the namespace makes the veth pair (its `eth0` inside, its other end
//! moved to the simulator's namespace), the address, `lo` and the default route; one on the host
//! puts the other end in the subnet's bridge. When the group ends (drop) the file is closed, and
//! once its containers are gone (or the simulator dies and the watchdog kills the runner's
//! cgroup) the kernel deletes the namespace and both ends of the veth pair. The bridges (one per
//! subnet CIDR, shared by every simulator on the host) hold no state of a group: a bridge
//! nothing is attached to is removed when its subnet is deleted ([`remove_subnet_bridge`]) and
//! by the watchdog when the simulator ends; a group that finds its bridge gone makes it again.
//!
//! Endpoints the host serves (the simulator's own API on `127.0.0.1`, the credential endpoint
//! at `169.254.170.2`) are listened on inside the namespace by the simulator itself, through
//! sockets opened in it, and forwarded to the host ([`Forward`]), so code in the container calls
//! its cloud back at the addresses it would use outside and in the cloud.
//!
//! Limits: IPv4 only; subnets of different VPCs with overlapping CIDRs share a bridge; there
//! is no routing between subnets (the host does not forward). Needs root and iproute2 (`ip`). What this module must not do: change the host's existing interfaces
//! or routes (it adds bridges named `slbr…` and veths named `s…h`), or leave a group's veth
//! behind when the group's holder is gone.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::AsRawFd as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::AsyncWriteExt;

use crate::runner::process::ProcessRunner;

/// What a group's network is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSpec {
    /// For logs: the group's name (`ecs/TASK`).
    pub name: String,
    /// The group's private address.
    pub address: Ipv4Addr,
    /// The prefix length of its subnet.
    pub prefix_len: u8,
    /// Sockets opened inside the namespace and forwarded to the host.
    pub forwards: Vec<Forward>,
}

/// A listener inside the namespace whose connections go to `target` on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub listen: SocketAddrV4,
    pub target: SocketAddr,
}

/// A group's namespace: dropping it closes the file that holds it, so the kernel removes the
/// namespace and its veth once no container is left in it.
pub struct GroupNetwork {
    holder: std::fs::File,
    namespace: PathBuf,
    address: Ipv4Addr,
    forwarders: Vec<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for GroupNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupNetwork")
            .field("namespace", &self.namespace)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl GroupNetwork {
    /// The namespace's path, for [`crate::runner::WorkloadSpec::network_namespace`].
    pub fn namespace(&self) -> &std::path::Path {
        &self.namespace
    }

    pub fn address(&self) -> Ipv4Addr {
        self.address
    }
}

impl GroupNetwork {
    /// Runs `ip -batch` commands inside the namespace (the engine sets a container's MAC
    /// address, or removes `eth0` for a container with no network).
    pub async fn ip_inside(&self, commands: &str) -> Result<(), String> {
        ip_batch(Some(&self.namespace), commands).await
    }

    /// Adds a second interface `interface` to the namespace, with `address/prefix_len` on its
    /// subnet's bridge (made when missing) and `mac` when given: a container attached to one
    /// more network. No default route is added; the first interface keeps it.
    pub async fn attach(
        &self,
        interface: &str,
        address: Ipv4Addr,
        prefix_len: u8,
        mac: Option<&str>,
    ) -> Result<(), String> {
        let router = router_of(address, prefix_len);
        let bridge = bridge_name(router, prefix_len);
        ensure_bridge(&bridge, router, prefix_len).await?;
        let host_end = host_end_name();
        let mac = mac
            .map(|mac| format!("link set {interface} address {mac}\n"))
            .unwrap_or_default();
        ip_batch(
            Some(&self.namespace),
            &format!(
                "link add {interface} type veth peer name {host_end} netns {}\n{mac}addr add {address}/{prefix_len} dev {interface}\nlink set {interface} up\n",
                std::process::id()
            ),
        )
        .await?;
        attach_to_bridge(&host_end, &bridge, router, prefix_len).await
    }

    /// Removes an interface from the namespace (the kernel removes its veth's other end).
    pub async fn detach(&self, interface: &str) -> Result<(), String> {
        ip_batch(Some(&self.namespace), &format!("link delete {interface}\n")).await
    }
}

impl Drop for GroupNetwork {
    fn drop(&mut self) {
        for forwarder in &self.forwarders {
            forwarder.abort();
        }
        // The file (`holder`) closes after this: the namespace's last reference outside its
        // containers.
        tracing::debug!(namespace = %self.namespace.display(), fd = self.holder.as_raw_fd(), "the group's network is released");
    }
}

/// A host port published to a container: connections to it on the host are proxied to an
/// address in the container's network namespace, by the simulator itself (a userland proxy, as
/// Docker's `docker-proxy`; no NAT rule is written). Dropping it closes the listener;
/// connections already proxied run until either side closes.
pub struct PublishedPort {
    address: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for PublishedPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishedPort")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl PublishedPort {
    /// Listens at `listen` on the host (port 0: one the kernel picks, as a dynamic host port)
    /// and proxies each connection to `target`. Fails as binding fails: Docker's words when
    /// the port is taken.
    pub async fn open(listen: SocketAddr, target: SocketAddr) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::AddrInUse => {
                    format!("Bind for {listen} failed: port is already allocated")
                }
                _ => format!("cannot listen at {listen}: {error}"),
            })?;
        let address = listener.local_addr().map_err(|error| error.to_string())?;
        let accepting = tokio::spawn(async move {
            while let Ok((mut outside, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(mut inside) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut outside, &mut inside).await;
                    }
                });
            }
        });
        Ok(Self { address, accepting })
    }

    /// The host port it listens on.
    pub fn host_port(&self) -> u16 {
        self.address.port()
    }
}

impl Drop for PublishedPort {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// The subnet's network address and its router's (the first address after it).
pub fn router_of(address: Ipv4Addr, prefix_len: u8) -> Ipv4Addr {
    let mask = if prefix_len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix_len.min(32)))
    };
    Ipv4Addr::from((u32::from(address) & mask).wrapping_add(1))
}

/// The bridge of a subnet: `slbr` and eight hex digits of the subnet, within the kernel's
/// fifteen characters.
pub fn bridge_name(router: Ipv4Addr, prefix_len: u8) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{router}/{prefix_len}").as_bytes());
    format!("slbr{}", &hex::encode(digest)[..8])
}

static NEXT_VETH: AtomicU64 = AtomicU64::new(0);
/// Bridges are made once; two groups of one subnet must not race to make the same one.
static BRIDGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A veth end's name on the host: `s`, this process's ID, `x`, a counter, `h`.
fn host_end_name() -> String {
    let number = NEXT_VETH.fetch_add(1, Ordering::Relaxed);
    format!("s{:x}x{number:x}h", std::process::id())
}

/// Runs `ip -batch` with `commands`, on the host, or inside `namespace`: started from a thread
/// of its own that enters the namespace first (a child is made in its parent thread's network
/// namespace), so no `nsenter` is needed and the simulator's other threads stay on the host.
async fn ip_batch(namespace: Option<&std::path::Path>, commands: &str) -> Result<(), String> {
    if let Some(namespace) = namespace {
        let namespace = namespace.to_path_buf();
        let commands = commands.to_string();
        return tokio::task::spawn_blocking(move || ip_batch_inside(namespace, commands))
            .await
            .map_err(|error| error.to_string())?;
    }
    let mut child = tokio::process::Command::new("ip")
        .args(["-batch", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run ip: {error}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(commands.as_bytes())
            .await
            .map_err(|error| format!("cannot talk to ip: {error}"))?;
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|error| format!("ip did not finish: {error}"))?;
    ip_outcome(&output)
}

fn ip_outcome(output: &std::process::Output) -> Result<(), String> {
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// [`ip_batch`] inside `namespace`, blocking: a new thread enters it and runs `ip` from there.
fn ip_batch_inside(namespace: PathBuf, commands: String) -> Result<(), String> {
    std::thread::spawn(move || -> Result<(), String> {
        let file = std::fs::File::open(&namespace)
            .map_err(|error| format!("cannot open {}: {error}", namespace.display()))?;
        nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(|errno| format!("cannot enter the group's network namespace: {errno}"))?;
        let mut child = std::process::Command::new("ip")
            .args(["-batch", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot run ip: {error}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(commands.as_bytes())
                .map_err(|error| format!("cannot talk to ip: {error}"))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|error| format!("ip did not finish: {error}"))?;
        ip_outcome(&output)
    })
    .join()
    .map_err(|_| "the thread running ip in the namespace panicked".to_string())?
}

/// A new network namespace, held by the file returned: a thread of its own unshares its
/// network namespace and opens it, then ends (the simulator's other threads never leave the
/// host's namespace).
fn new_namespace() -> Result<std::fs::File, String> {
    std::thread::spawn(|| -> Result<std::fs::File, String> {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(|errno| format!("cannot make a network namespace: {errno}"))?;
        std::fs::File::open("/proc/thread-self/ns/net")
            .map_err(|error| format!("cannot open the new network namespace: {error}"))
    })
    .join()
    .map_err(|_| "the thread making the network namespace panicked".to_string())?
}

/// Puts the host end `host_end` of a group's veth in `bridge` and brings it up; makes the
/// bridge again, once, if it went between making and attaching (another simulator on this
/// host removed it as unused).
async fn attach_to_bridge(
    host_end: &str,
    bridge: &str,
    router: Ipv4Addr,
    prefix_len: u8,
) -> Result<(), String> {
    let attach = format!("link set {host_end} master {bridge}\nlink set {host_end} up\n");
    if ip_batch(None, &attach).await.is_err() {
        ensure_bridge(bridge, router, prefix_len).await?;
        ip_batch(None, &attach).await?;
    }
    Ok(())
}

async fn ensure_bridge(bridge: &str, router: Ipv4Addr, prefix_len: u8) -> Result<(), String> {
    let _guard = BRIDGES.lock().await;
    if std::path::Path::new("/sys/class/net").join(bridge).exists() {
        return Ok(());
    }
    let made = ip_batch(
        None,
        &format!(
            "link add {bridge} type bridge\naddr add {router}/{prefix_len} dev {bridge}\nlink set {bridge} up\n"
        ),
    )
    .await;
    match made {
        // Another simulator on this host made the same subnet's bridge at the same moment:
        // finish it idempotently rather than fail the task.
        Err(_) if std::path::Path::new("/sys/class/net").join(bridge).exists() => {
            ip_batch(
                None,
                &format!("addr replace {router}/{prefix_len} dev {bridge}\nlink set {bridge} up\n"),
            )
            .await
        }
        made => made,
    }
}

/// Removes the bridge of the subnet `network/prefix_len` when nothing is attached to it (its
/// subnet was deleted): true when it was removed. A bridge still in use by a group of any
/// simulator on this host stays.
pub async fn remove_subnet_bridge(network: Ipv4Addr, prefix_len: u8) -> Result<bool, String> {
    let router = router_of(network, prefix_len);
    let bridge = bridge_name(router, prefix_len);
    let _guard = BRIDGES.lock().await;
    let attached = std::path::Path::new("/sys/class/net")
        .join(&bridge)
        .join("brif");
    let Ok(mut ports) = std::fs::read_dir(&attached) else {
        return Ok(false);
    };
    if ports.next().is_some() {
        return Ok(false);
    }
    ip_batch(None, &format!("link delete {bridge} type bridge\n")).await?;
    tracing::info!(%bridge, "the subnet's bridge is removed");
    Ok(true)
}

/// Opens a listener at `listen` inside the namespace at `namespace`: a thread of its own enters
/// the namespace, so the simulator's other threads stay in the host's.
fn listen_inside(
    namespace: PathBuf,
    listen: SocketAddrV4,
) -> Result<std::net::TcpListener, String> {
    std::thread::spawn(move || -> Result<std::net::TcpListener, String> {
        let file = std::fs::File::open(&namespace)
            .map_err(|error| format!("cannot open {}: {error}", namespace.display()))?;
        nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(|errno| format!("cannot enter the task's network namespace: {errno}"))?;
        let listener = std::net::TcpListener::bind(listen)
            .map_err(|error| format!("cannot listen at {listen} in the namespace: {error}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|error| error.to_string())?;
        Ok(listener)
    })
    .join()
    .map_err(|_| "the namespace listener's thread panicked".to_string())?
}

fn forward(
    listener: std::net::TcpListener,
    target: SocketAddr,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|error| error.to_string())?;
    Ok(tokio::spawn(async move {
        while let Ok((mut inside, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outside) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inside, &mut outside).await;
                }
            });
        }
    }))
}

impl ProcessRunner {
    /// Makes a group's network namespace (see the module's docs).
    pub(crate) async fn group_network(&self, spec: &NetworkSpec) -> Result<GroupNetwork, String> {
        let holder = tokio::task::spawn_blocking(new_namespace)
            .await
            .map_err(|error| error.to_string())??;
        let namespace = PathBuf::from(format!(
            "/proc/{}/fd/{}",
            std::process::id(),
            holder.as_raw_fd()
        ));
        let mut network = GroupNetwork {
            holder,
            namespace: namespace.clone(),
            address: spec.address,
            forwarders: Vec::new(),
        };
        let router = router_of(spec.address, spec.prefix_len);
        let bridge = bridge_name(router, spec.prefix_len);
        ensure_bridge(&bridge, router, spec.prefix_len).await?;
        let host_end = host_end_name();
        let address = spec.address;
        let prefix_len = spec.prefix_len;
        // The veth pair is made from inside, its other end moved to the simulator's namespace
        // (`netns PID`: the namespace of this process's main thread, the host's).
        ip_batch(
            Some(&namespace),
            &format!(
                "link add eth0 type veth peer name {host_end} netns {}\naddr add {address}/{prefix_len} dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via {router}\naddr add 169.254.170.2/32 dev lo\n",
                std::process::id()
            ),
        )
        .await?;
        attach_to_bridge(&host_end, &bridge, router, spec.prefix_len).await?;
        for wanted in &spec.forwards {
            let listener = {
                let namespace = namespace.clone();
                let listen = wanted.listen;
                tokio::task::spawn_blocking(move || listen_inside(namespace, listen))
                    .await
                    .map_err(|error| error.to_string())??
            };
            network.forwarders.push(forward(listener, wanted.target)?);
        }
        tracing::info!(group = %spec.name, %address, %bridge, "group network ready");
        Ok(network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_published_port_proxies_until_dropped() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = server.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = server.accept().await {
                let _ = stream.write_all(b"hello from inside").await;
            }
        });
        let published = PublishedPort::open("127.0.0.1:0".parse().unwrap(), target)
            .await
            .unwrap();
        let port = published.host_port();
        assert_ne!(port, 0);
        let mut answer = String::new();
        let mut client = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        client.read_to_string(&mut answer).await.unwrap();
        assert_eq!(answer, "hello from inside");
        let taken = PublishedPort::open(format!("127.0.0.1:{port}").parse().unwrap(), target)
            .await
            .unwrap_err();
        assert_eq!(
            taken,
            format!("Bind for 127.0.0.1:{port} failed: port is already allocated")
        );
        drop(published);
        tokio::task::yield_now().await;
        let mut refused = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                refused = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(refused, "the port still listens after the drop");
    }

    #[test]
    fn the_router_is_the_subnets_first_address() {
        assert_eq!(
            (
                router_of("172.31.5.9".parse().unwrap(), 20),
                router_of("10.0.1.200".parse().unwrap(), 24),
            ),
            ("172.31.0.1".parse().unwrap(), "10.0.1.1".parse().unwrap())
        );
        let name = bridge_name("172.31.0.1".parse().unwrap(), 20);
        assert!(name.len() <= 15 && name.starts_with("slbr"), "{name}");
    }
}
