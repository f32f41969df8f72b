//! The embedded DNS server at `127.0.0.11`, as Docker runs one for each container on a
//! user-defined network: the names, aliases and short IDs of the containers that share a
//! network with the asking container are answered from the engine's records (also as
//! `NAME.NETWORK`, and addresses back to `NAME.NETWORK` for reverse lookups); every other
//! question is forwarded to the host's name servers from the engine's own (host) network
//! namespace, so a container needs no route out to resolve outside names.
//!
//! Also here: the container's `/etc/resolv.conf` as Docker writes it ([`resolv_conf`]):
//! `nameserver 127.0.0.11` and `options ndots:0` with the host's servers listed as
//! `ExtServers` on a user-defined network, the host's servers less loopback ones (Google's
//! when none are left) on the default bridge, `--dns`/`--dns-search`/`--dns-option` over them.
//!
//! The server's socket is opened inside the container's network namespace by a thread that
//! enters it, so the engine's other threads stay in the host's; the server itself runs on the
//! engine's runtime and ends when its [`DnsServer`] is dropped. It answers over UDP only: a
//! client that falls back to TCP (truncated answers, which these never are) is refused at once.
//!
//! What it must not do: answer a name of a container on a network the asking container is not
//! on, or invent an address for a name it does not know (those go to the host's servers, and
//! their answer, NXDOMAIN included, is passed back as it came).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where Docker's embedded server listens inside each container.
pub const INTERNAL_SERVER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 11);

/// Docker's TTL for the names it answers itself (moby `libnetwork/resolver.go`, `respTTL`).
const ANSWER_TTL: u32 = 600;

/// How long an outside server has to answer before the next is asked (moby's `extIOTimeout`).
const FORWARD_TIMEOUT: Duration = Duration::from_secs(4);

const TYPE_A: u16 = 1;
const TYPE_PTR: u16 = 12;
const TYPE_AAAA: u16 = 28;
const CLASS_IN: u16 = 1;

const RCODE_FORMERR: u8 = 1;
const RCODE_SERVFAIL: u8 = 2;
const RCODE_NOTIMP: u8 = 4;

/// The one question of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Lower case, without the trailing dot.
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
    /// Where the question ends in the packet (answers follow it).
    end: usize,
}

impl Question {
    pub fn is_address(&self) -> bool {
        self.qclass == CLASS_IN && (self.qtype == TYPE_A || self.qtype == TYPE_AAAA)
    }

    pub fn is_ipv4(&self) -> bool {
        self.qclass == CLASS_IN && self.qtype == TYPE_A
    }

    pub fn is_pointer(&self) -> bool {
        self.qclass == CLASS_IN && self.qtype == TYPE_PTR
    }

    /// The address a reverse lookup (`4.3.2.1.in-addr.arpa`) asks about.
    pub fn pointer_address(&self) -> Option<Ipv4Addr> {
        let digits = self.name.strip_suffix(".in-addr.arpa")?;
        let parts: Vec<u8> = digits
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        match parts.as_slice() {
            [d, c, b, a] => Some(Ipv4Addr::new(*a, *b, *c, *d)),
            _ => None,
        }
    }
}

/// Why a packet is not a query this server can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Too short, or a response: dropped without an answer.
    Ignored,
    /// Answered with this response code.
    Refused(u8),
}

/// Reads the header and the one question of a query.
pub fn parse_query(packet: &[u8]) -> Result<Question, Unreadable> {
    if packet.len() < 12 {
        return Err(Unreadable::Ignored);
    }
    let flags = u16::from_be_bytes([packet[2], packet[3]]);
    if flags & 0x8000 != 0 {
        return Err(Unreadable::Ignored);
    }
    if (flags >> 11) & 0xf != 0 {
        return Err(Unreadable::Refused(RCODE_NOTIMP));
    }
    if u16::from_be_bytes([packet[4], packet[5]]) != 1 {
        return Err(Unreadable::Refused(RCODE_FORMERR));
    }
    let mut at = 12;
    let mut labels: Vec<String> = Vec::new();
    loop {
        let Some(&length) = packet.get(at) else {
            return Err(Unreadable::Refused(RCODE_FORMERR));
        };
        at += 1;
        if length == 0 {
            break;
        }
        // Queries carry their one name whole; a compression pointer or a name over 255 bytes
        // is malformed.
        if length & 0xc0 != 0 || labels.iter().map(|l| l.len() + 1).sum::<usize>() > 255 {
            return Err(Unreadable::Refused(RCODE_FORMERR));
        }
        let Some(label) = packet.get(at..at + usize::from(length)) else {
            return Err(Unreadable::Refused(RCODE_FORMERR));
        };
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        at += usize::from(length);
    }
    let Some(fixed) = packet.get(at..at + 4) else {
        return Err(Unreadable::Refused(RCODE_FORMERR));
    };
    Ok(Question {
        name: labels.join("."),
        qtype: u16::from_be_bytes([fixed[0], fixed[1]]),
        qclass: u16::from_be_bytes([fixed[2], fixed[3]]),
        end: at + 4,
    })
}

/// What the engine knows of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// A container's addresses (the name is known even when an IPv6 question gets none).
    Addresses(Vec<Ipv4Addr>),
    /// The name a reverse lookup answers.
    Pointer(String),
}

/// The answer to `query` with `known`'s records (none for a known name asked for IPv6).
pub fn answer(query: &[u8], question: &Question, known: &Known) -> Vec<u8> {
    let mut records: Vec<(u16, Vec<u8>)> = Vec::new();
    match known {
        Known::Addresses(addresses) if question.is_ipv4() => {
            records.extend(addresses.iter().map(|a| (TYPE_A, a.octets().to_vec())));
        }
        Known::Addresses(_) => {}
        Known::Pointer(name) => records.push((TYPE_PTR, encode_name(name))),
    }
    let mut out = header(query, 0, records.len() as u16);
    out.extend_from_slice(&query[12..question.end]);
    for (rtype, data) in records {
        // The answer's name points back at the question's (offset 12).
        out.extend_from_slice(&[0xc0, 12]);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ANSWER_TTL.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    out
}

/// An answer with no records and `rcode` (the question echoed when there is one).
pub fn failure(query: &[u8], question: Option<&Question>, rcode: u8) -> Vec<u8> {
    let mut out = header(query, rcode, 0);
    match question {
        Some(question) => out.extend_from_slice(&query[12..question.end]),
        None => out[4..6].copy_from_slice(&0u16.to_be_bytes()),
    }
    out
}

/// A response header for `query`: its ID, opcode and recursion-desired bit, recursion
/// available, one question and `answers` answers.
fn header(query: &[u8], rcode: u8, answers: u16) -> Vec<u8> {
    let asked = u16::from_be_bytes([query[2], query[3]]);
    let flags: u16 = 0x8000 | (asked & 0x7900) | 0x0080 | u16::from(rcode & 0xf);
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&query[0..2]);
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&answers.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name.trim_end_matches('.').split('.') {
        let label = &label.as_bytes()[..label.len().min(63)];
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

/// The name servers and directives of a `resolv.conf`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvConf {
    pub nameservers: Vec<std::net::IpAddr>,
    pub search: Vec<String>,
    pub options: Vec<String>,
    other: Vec<String>,
}

impl ResolvConf {
    /// Parses a `resolv.conf` as the resolver reads it: the last `search` wins, options add up.
    pub fn parse(text: &str) -> Self {
        let mut parsed = Self::default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some(first) = fields.first() else {
                continue;
            };
            if first.starts_with('#') || first.starts_with(';') {
                continue;
            }
            match *first {
                "nameserver" => {
                    if let Some(address) = fields.get(1).and_then(|a| a.parse().ok()) {
                        parsed.nameservers.push(address);
                    }
                }
                "search" | "domain" if fields.len() > 1 => {
                    parsed.search = fields[1..].iter().map(|s| s.to_string()).collect();
                }
                "options" => parsed
                    .options
                    .extend(fields[1..].iter().map(|s| s.to_string())),
                _ => parsed.other.push(line.to_string()),
            }
        }
        parsed
    }
}

/// `--dns`, `--dns-search` and `--dns-option` (`HostConfig.Dns`, `DnsSearch`, `DnsOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub nameservers: Option<Vec<std::net::IpAddr>>,
    pub search: Option<Vec<String>>,
    pub options: Option<Vec<String>>,
}

/// A container's `/etc/resolv.conf` as Docker writes it, and the servers the embedded server
/// forwards to (empty when the container has none: `internal` false).
pub fn resolv_conf(host: &str, overrides: &Overrides, internal: bool) -> (String, Vec<SocketAddr>) {
    let mut conf = ResolvConf::parse(host);
    let mut changed: Vec<&str> = Vec::new();
    if let Some(servers) = &overrides.nameservers {
        conf.nameservers = servers.clone();
        changed.push("nameservers");
    }
    if let Some(search) = &overrides.search {
        conf.search = search.iter().filter(|s| *s != ".").cloned().collect();
        changed.push("search");
    }
    let mut ndots_from = conf
        .options
        .iter()
        .any(|o| o.starts_with("ndots:"))
        .then_some("host");
    if let Some(options) = &overrides.options {
        conf.options = options.clone();
        changed.push("options");
        ndots_from = conf
            .options
            .iter()
            .any(|o| o.starts_with("ndots:"))
            .then_some("override");
    }
    let google = || -> Vec<std::net::IpAddr> {
        vec![
            Ipv4Addr::new(8, 8, 8, 8).into(),
            Ipv4Addr::new(8, 8, 4, 4).into(),
        ]
    };
    let mut used_default = false;
    let mut external: Vec<std::net::IpAddr> = Vec::new();
    let transform;
    if internal {
        transform = "internal resolver";
        external = std::mem::replace(&mut conf.nameservers, vec![INTERNAL_SERVER.into()]);
        if external.is_empty() {
            external = google();
            used_default = true;
        }
        if !conf.options.iter().any(|o| {
            o.strip_prefix("ndots:")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        }) {
            conf.options.retain(|o| !o.starts_with("ndots:"));
            conf.options.push("ndots:0".into());
            ndots_from = Some("internal");
        }
    } else {
        transform = "legacy";
        if overrides.nameservers.is_none() {
            conf.nameservers
                .retain(|a| !a.is_loopback() && !matches!(a, std::net::IpAddr::V6(_)));
            if conf.nameservers.is_empty() {
                conf.nameservers = google();
                used_default = true;
            }
        }
    }
    let mut text = String::from(
        "# Generated by Docker Engine.\n# This file can be edited; Docker Engine will not make further changes once it\n# has been modified.\n\n",
    );
    for server in &conf.nameservers {
        text.push_str(&format!("nameserver {server}\n"));
    }
    if !conf.search.is_empty() {
        text.push_str(&format!("search {}\n", conf.search.join(" ")));
    }
    if !conf.options.is_empty() {
        text.push_str(&format!("options {}\n", conf.options.join(" ")));
    }
    for line in &conf.other {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!(
        "\n# Based on host file: '/etc/resolv.conf' ({transform})\n"
    ));
    if used_default {
        text.push_str("# Used default nameservers.\n");
    }
    if !external.is_empty() {
        let listed: Vec<String> = external
            .iter()
            .map(|a| {
                if a.is_loopback() && overrides.nameservers.is_none() {
                    format!("host({a})")
                } else {
                    a.to_string()
                }
            })
            .collect();
        text.push_str(&format!("# ExtServers: [{}]\n", listed.join(" ")));
    }
    text.push_str(&format!("# Overrides: [{}]\n", changed.join(" ")));
    if let Some(from) = ndots_from {
        text.push_str(&format!("# Option ndots from: {from}\n"));
    }
    let forward_to = external
        .into_iter()
        .map(|address| SocketAddr::new(address, 53))
        .collect();
    (text, forward_to)
}

/// Answers a question from the engine's records, or `None` to forward it.
pub type Lookup = Arc<dyn Fn(&Question) -> Option<Known> + Send + Sync>;

/// A running embedded server: dropping it stops it and closes its socket.
#[derive(Debug)]
pub struct DnsServer {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DnsServer {
    /// Listens at `127.0.0.11:53` inside the namespace at `namespace` and answers there.
    pub async fn start(
        namespace: PathBuf,
        lookup: Lookup,
        forward_to: Vec<SocketAddr>,
    ) -> Result<Self, String> {
        let socket = tokio::task::spawn_blocking(move || bind_inside(namespace))
            .await
            .map_err(|error| error.to_string())??;
        let socket = Arc::new(tokio::net::UdpSocket::from_std(socket).map_err(|e| e.to_string())?);
        let forward_to = Arc::new(forward_to);
        let task = tokio::spawn(async move {
            let mut buffer = vec![0u8; 4096];
            loop {
                let Ok((length, from)) = socket.recv_from(&mut buffer).await else {
                    continue;
                };
                let query = buffer[..length].to_vec();
                let socket = socket.clone();
                let lookup = lookup.clone();
                let forward_to = forward_to.clone();
                tokio::spawn(async move {
                    if let Some(reply) = respond(&query, &lookup, &forward_to).await {
                        let _ = socket.send_to(&reply, from).await;
                    }
                });
            }
        });
        Ok(Self { task })
    }
}

/// The reply to one query: from the records, or from the first outside server that answers.
async fn respond(query: &[u8], lookup: &Lookup, forward_to: &[SocketAddr]) -> Option<Vec<u8>> {
    let question = match parse_query(query) {
        Ok(question) => question,
        Err(Unreadable::Ignored) => return None,
        Err(Unreadable::Refused(rcode)) => return Some(failure(query, None, rcode)),
    };
    if let Some(known) = lookup(&question) {
        return Some(answer(query, &question, &known));
    }
    for server in forward_to {
        if let Some(reply) = forward(query, *server).await {
            return Some(reply);
        }
    }
    Some(failure(query, Some(&question), RCODE_SERVFAIL))
}

/// Asks `server` the query as it came, from the engine's namespace.
async fn forward(query: &[u8], server: SocketAddr) -> Option<Vec<u8>> {
    let local: SocketAddr = if server.is_ipv4() {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0))
    };
    let socket = tokio::net::UdpSocket::bind(local).await.ok()?;
    socket.connect(server).await.ok()?;
    socket.send(query).await.ok()?;
    let mut buffer = vec![0u8; 65535];
    let exchange = async {
        loop {
            let length = socket.recv(&mut buffer).await.ok()?;
            // A late answer to another query on this port is not this one's.
            if length >= 12 && buffer[..2] == query[..2] {
                return Some(buffer[..length].to_vec());
            }
        }
    };
    tokio::time::timeout(FORWARD_TIMEOUT, exchange)
        .await
        .ok()
        .flatten()
}

/// Binds `127.0.0.11:53` inside the namespace from a thread that enters it (and then ends,
/// so no thread of the engine stays in a container's namespace).
fn bind_inside(namespace: PathBuf) -> Result<std::net::UdpSocket, String> {
    std::thread::spawn(move || -> Result<std::net::UdpSocket, String> {
        let file = std::fs::File::open(&namespace)
            .map_err(|error| format!("cannot open {}: {error}", namespace.display()))?;
        nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(|errno| format!("cannot enter the container's network namespace: {errno}"))?;
        let socket = std::net::UdpSocket::bind(SocketAddrV4::new(INTERNAL_SERVER, 53))
            .map_err(|error| format!("cannot listen at {INTERNAL_SERVER}:53: {error}"))?;
        socket
            .set_nonblocking(true)
            .map_err(|error| error.to_string())?;
        Ok(socket)
    })
    .join()
    .map_err(|_| "the DNS listener's thread panicked".to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut packet = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        packet.extend(encode_name(name));
        packet.extend_from_slice(&qtype.to_be_bytes());
        packet.extend_from_slice(&CLASS_IN.to_be_bytes());
        packet
    }

    #[test]
    fn a_question_is_read_in_lower_case() {
        let question = parse_query(&query("Server.Net1", TYPE_A)).unwrap();
        assert_eq!(question.name, "server.net1");
        assert!(question.is_ipv4());
    }

    #[test]
    fn an_answer_carries_the_addresses_with_dockers_ttl() {
        let packet = query("web", TYPE_A);
        let question = parse_query(&packet).unwrap();
        let reply = answer(
            &packet,
            &question,
            &Known::Addresses(vec![Ipv4Addr::new(172, 18, 0, 2)]),
        );
        assert_eq!(&reply[..2], &[0x12, 0x34]);
        assert_eq!(reply[2] & 0x80, 0x80, "a response");
        assert_eq!(reply[3] & 0x0f, 0, "NOERROR");
        assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 1);
        assert_eq!(&reply[reply.len() - 4..], &[172, 18, 0, 2]);
        let ttl = &reply[reply.len() - 10..reply.len() - 6];
        assert_eq!(ttl, &600u32.to_be_bytes());
    }

    #[test]
    fn a_known_name_asked_for_ipv6_gets_no_records_and_no_error() {
        let packet = query("web", TYPE_AAAA);
        let question = parse_query(&packet).unwrap();
        let reply = answer(
            &packet,
            &question,
            &Known::Addresses(vec![Ipv4Addr::new(172, 18, 0, 2)]),
        );
        assert_eq!(reply[3] & 0x0f, 0);
        assert_eq!(u16::from_be_bytes([reply[6], reply[7]]), 0);
    }

    #[test]
    fn malformed_queries_are_refused_or_dropped() {
        assert_eq!(parse_query(&[1, 2, 3]), Err(Unreadable::Ignored));
        let mut packet = query("web", TYPE_A);
        packet[2] |= 0x80;
        assert_eq!(parse_query(&packet), Err(Unreadable::Ignored));
        let mut truncated = query("web", TYPE_A);
        truncated.truncate(15);
        assert_eq!(
            parse_query(&truncated),
            Err(Unreadable::Refused(RCODE_FORMERR))
        );
        let mut pointer = query("web", TYPE_A);
        pointer[12] = 0xc0;
        assert_eq!(
            parse_query(&pointer),
            Err(Unreadable::Refused(RCODE_FORMERR))
        );
        let reply = failure(&pointer, None, RCODE_FORMERR);
        assert_eq!(reply.len(), 12);
        assert_eq!(reply[3] & 0x0f, RCODE_FORMERR);
    }

    #[test]
    fn reverse_lookups_read_the_address() {
        let question = parse_query(&query("2.0.18.172.in-addr.arpa", TYPE_PTR)).unwrap();
        assert_eq!(
            question.pointer_address(),
            Some(Ipv4Addr::new(172, 18, 0, 2))
        );
    }

    #[test]
    fn a_user_network_gets_the_internal_server_as_docker_writes_it() {
        let (text, forward) = resolv_conf("nameserver 10.0.0.1\n", &Overrides::default(), true);
        assert_eq!(
            text,
            "# Generated by Docker Engine.\n# This file can be edited; Docker Engine will not make further changes once it\n# has been modified.\n\nnameserver 127.0.0.11\noptions ndots:0\n\n# Based on host file: '/etc/resolv.conf' (internal resolver)\n# ExtServers: [10.0.0.1]\n# Overrides: []\n# Option ndots from: internal\n"
        );
        assert_eq!(forward, vec!["10.0.0.1:53".parse().unwrap()]);
    }

    #[test]
    fn the_default_bridge_drops_loopback_servers_for_googles() {
        let (text, forward) = resolv_conf(
            "nameserver 127.0.0.53\nsearch example.com\n",
            &Overrides::default(),
            false,
        );
        assert!(text.contains("nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch example.com\n"));
        assert!(text.contains("(legacy)\n# Used default nameservers.\n# Overrides: []\n"));
        assert!(forward.is_empty());
    }

    #[test]
    fn overrides_replace_the_hosts_directives() {
        let overrides = Overrides {
            nameservers: Some(vec!["1.1.1.1".parse().unwrap()]),
            search: Some(vec!["corp".into()]),
            options: Some(vec!["ndots:2".into()]),
        };
        let (text, forward) = resolv_conf("nameserver 10.0.0.1\n", &overrides, true);
        assert!(
            text.contains("nameserver 127.0.0.11\nsearch corp\noptions ndots:2\n"),
            "{text}"
        );
        assert!(text.contains("# ExtServers: [1.1.1.1]\n# Overrides: [nameservers search options]\n# Option ndots from: override\n"), "{text}");
        assert_eq!(forward, vec!["1.1.1.1:53".parse().unwrap()]);
    }
}
