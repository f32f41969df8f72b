//! What the kit learns about each request before a simulator sees it: its ID, the connection it
//! came on, and the host name it was addressed to. Routing by host (virtual-host S3,
//! `NAME.azurecr.io`, `*.run.app`) reads [`RequestContext::host`], which comes from an
//! absolute-form URI (a client behind `HTTP_PROXY`) or else the `Host` header.

use std::net::SocketAddr;

/// Plain HTTP or TLS, as sniffed on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Set once per connection.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub peer: SocketAddr,
    pub local: SocketAddr,
    pub scheme: Scheme,
}

/// Set once per request, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request ID: providers echo it in their own header (`x-amzn-RequestId`, ...).
    pub id: String,
    /// The host name the request was addressed to, lower-cased, without the port.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Whether the request line carried an absolute URI (the client used us as a proxy).
    pub via_proxy: bool,
    pub scheme: Scheme,
    pub peer: Option<SocketAddr>,
}

/// Splits an authority (`host`, `host:port`, `[::1]:port`) into a lower-cased host and a port.
pub fn split_authority(authority: &str) -> (String, Option<u16>) {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(rest) = authority.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (host.to_ascii_lowercase(), port);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host.to_ascii_lowercase(), port.parse().ok()),
        _ => (authority.to_ascii_lowercase(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_split() {
        let cases: [(&str, (&str, Option<u16>)); 6] = [
            ("localhost", ("localhost", None)),
            ("S3.Amazonaws.com:4566", ("s3.amazonaws.com", Some(4566))),
            ("[::1]:80", ("::1", Some(80))),
            ("[::1]", ("::1", None)),
            ("::1", ("::1", None)),
            ("user@example.com:8080", ("example.com", Some(8080))),
        ];
        for (input, (host, port)) in cases {
            assert_eq!(split_authority(input), (host.to_string(), port), "{input}");
        }
    }
}
