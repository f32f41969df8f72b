//! The upstream daemon's Engine API: a small HTTP/1 client of our own over hyper, on a unix
//! socket or TCP. Calls whose answer is read whole reuse idle connections; streaming calls
//! (logs, wait, events, pull, load) and hijacked ones (attach) get a connection each, which
//! ends with them.
//!
//! Paths are sent with the version prefix the upstream announces on `/_ping` (capped at the
//! newest this engine serves), so the upstream answers in the dialect it knows best. An error
//! status becomes an [`EngineError`] with the same status and the upstream's own message.
//!
//! What this module must not do: interpret what it relays (that is [`crate::shapes`]), or keep
//! a connection whose previous answer was not read to the end.

use std::path::PathBuf;
use std::sync::Mutex;

use bytes::Bytes;
use engine_core::EngineError;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::OnceCell;

/// A request body: whole JSON, nothing, or a file streamed from disk.
pub type RequestBody = BoxBody<Bytes, std::io::Error>;

/// At most this many idle connections are kept.
const IDLE_CONNECTIONS: usize = 8;

/// Where the upstream daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    /// `host:port`.
    Tcp(String),
}

impl Endpoint {
    /// Parses `unix:///PATH`, `tcp://HOST:PORT` or `http://HOST:PORT`, as `DOCKER_HOST` spells
    /// them.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(path) = text.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(format!("{text}: a unix endpoint needs a path"));
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        let address = text
            .strip_prefix("tcp://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| format!("{text}: expected unix:///PATH or tcp://HOST:PORT"))?
            .trim_end_matches('/');
        if address
            .rsplit_once(':')
            .is_none_or(|(_, port)| port.parse::<u16>().is_err())
        {
            return Err(format!("{text}: expected tcp://HOST:PORT"));
        }
        Ok(Self::Tcp(address.to_string()))
    }

    /// The `Host` header: the address for TCP, a fixed name for a socket (as the docker CLI).
    fn host_header(&self) -> &str {
        match self {
            Self::Unix(_) => "api.moby.localhost",
            Self::Tcp(address) => address,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// The newest API version this engine serves, which is the newest it asks the upstream for.
const NEWEST: (u32, u32) = engine_core::http::MAX_API_VERSION;

/// The upstream daemon.
pub struct Upstream {
    endpoint: Endpoint,
    /// `/v1.41`: learnt from the first `_ping`.
    prefix: OnceCell<String>,
    idle: Mutex<Vec<SendRequest<RequestBody>>>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// An empty request body.
pub fn empty() -> RequestBody {
    Full::new(Bytes::new())
        .map_err(|never| match never {})
        .boxed()
}

/// A JSON request body.
pub fn json_body<T: serde::Serialize>(value: &T) -> Result<RequestBody, EngineError> {
    let bytes = serde_json::to_vec(value).map_err(EngineError::internal)?;
    Ok(Full::new(Bytes::from(bytes))
        .map_err(|never| match never {})
        .boxed())
}

/// The `{"message"}` of an upstream error body, else its text.
fn upstream_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("message")?.as_str().map(String::from))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string())
}

/// The error an upstream status and body mean, with the upstream's status and message.
pub fn error_from(status: StatusCode, body: &[u8]) -> EngineError {
    let message = upstream_message(body);
    match status.as_u16() {
        304 => EngineError::NotModified,
        400 => EngineError::InvalidParameter(message),
        401 => EngineError::Unauthorized(message),
        403 => EngineError::Forbidden(message),
        404 => EngineError::NotFound(message),
        409 => EngineError::Conflict(message),
        500 => EngineError::Internal(message),
        501 => EngineError::NotImplemented(message),
        503 => EngineError::Unavailable(message),
        status => EngineError::Status { status, message },
    }
}

/// Percent-encodes a path segment that may hold slashes (image names: `127.0.0.1:5000/a/b`).
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A query string from `(name, value)` pairs, `?` included when there are any.
pub fn query(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    format!("?{}", serializer.finish())
}

impl Upstream {
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            prefix: OnceCell::new(),
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// A new connection, its driver spawned (with upgrades, for hijacking).
    async fn connect(&self) -> Result<SendRequest<RequestBody>, EngineError> {
        let unreachable = |error: std::io::Error| {
            EngineError::internal(format!(
                "the docker backend cannot reach its upstream {}: {error}",
                self.endpoint
            ))
        };
        match &self.endpoint {
            Endpoint::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(unreachable)?;
                handshake(stream).await
            }
            Endpoint::Tcp(address) => {
                let stream = tokio::net::TcpStream::connect(address.as_str())
                    .await
                    .map_err(unreachable)?;
                let _ = stream.set_nodelay(true);
                handshake(stream).await
            }
        }
    }

    /// An idle connection that is still open and ready, else a new one. The flag says whether
    /// it came from the pool (a stale pooled connection is retried once on a new one).
    async fn checkout(&self) -> Result<(SendRequest<RequestBody>, bool), EngineError> {
        loop {
            let candidate = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .pop();
            match candidate {
                Some(sender) if sender.is_ready() && !sender.is_closed() => {
                    return Ok((sender, true));
                }
                Some(_) => continue,
                None => return Ok((self.connect().await?, false)),
            }
        }
    }

    fn checkin(&self, sender: SendRequest<RequestBody>) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(sender);
        }
    }

    /// `/v1.X`, asked of the upstream once.
    async fn prefix(&self) -> Result<&str, EngineError> {
        self.prefix
            .get_or_try_init(|| async {
                let mut sender = self.connect().await?;
                let request = self.request(Method::GET, "/_ping", empty(), &[])?;
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|error| self.failed(error))?;
                let announced = response
                    .headers()
                    .get("Api-Version")
                    .and_then(|value| value.to_str().ok())
                    .and_then(parse_version);
                let (major, minor) = match announced {
                    Some(version) if version <= NEWEST => version,
                    _ => NEWEST,
                };
                Ok(format!("/v{major}.{minor}"))
            })
            .await
            .map(String::as_str)
    }

    fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: RequestBody,
        headers: &[(&str, String)],
    ) -> Result<Request<RequestBody>, EngineError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(http::header::HOST, self.endpoint.host_header())
            .header(http::header::USER_AGENT, "sockerless-engine");
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        builder.body(body).map_err(EngineError::internal)
    }

    fn failed(&self, error: hyper::Error) -> EngineError {
        EngineError::internal(format!(
            "the docker backend's upstream {} failed: {error}",
            self.endpoint
        ))
    }

    /// Sends a call on its own connection and returns the answer's head with its body still
    /// to read; an error status is returned as the upstream's error.
    pub async fn open(
        &self,
        method: Method,
        path_and_query: &str,
        body: RequestBody,
        headers: &[(&str, String)],
    ) -> Result<Response<Incoming>, EngineError> {
        let path = format!("{}{path_and_query}", self.prefix().await?);
        let mut sender = self.connect().await?;
        let request = self.request(method, &path, body, headers)?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| self.failed(error))?;
        let status = response.status();
        if status.is_client_error()
            || status.is_server_error()
            || status == StatusCode::NOT_MODIFIED
        {
            let bytes = read_all(response.into_body()).await?;
            return Err(error_from(status, &bytes));
        }
        Ok(response)
    }

    /// Sends a call and reads its answer whole: the status and body of a success, or the
    /// upstream's error. The connection goes back to the pool.
    pub async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(StatusCode, Bytes), EngineError> {
        let path = format!("{}{path_and_query}", self.prefix().await?);
        let encoded = match &body {
            Some(value) => Some(serde_json::to_vec(value).map_err(EngineError::internal)?),
            None => None,
        };
        let make = || {
            let (request_body, headers) = match &encoded {
                Some(bytes) => (
                    Full::new(Bytes::from(bytes.clone()))
                        .map_err(|never| match never {})
                        .boxed(),
                    vec![("Content-Type", "application/json".to_string())],
                ),
                None => (empty(), Vec::new()),
            };
            self.request(method.clone(), &path, request_body, &headers)
        };
        let (mut sender, pooled) = self.checkout().await?;
        let response = match sender.send_request(make()?).await {
            Ok(response) => response,
            Err(error) if pooled => {
                // The pooled connection went stale between its last answer and now.
                tracing::debug!(%error, "stale upstream connection, retrying on a new one");
                sender = self.connect().await?;
                sender
                    .send_request(make()?)
                    .await
                    .map_err(|error| self.failed(error))?
            }
            Err(error) => return Err(self.failed(error)),
        };
        let status = response.status();
        let bytes = read_all(response.into_body()).await?;
        self.checkin(sender);
        if status.is_client_error()
            || status.is_server_error()
            || status == StatusCode::NOT_MODIFIED
        {
            return Err(error_from(status, &bytes));
        }
        Ok((status, bytes))
    }

    /// A call whose answer is JSON, decoded as `T` after `fix` has filled what the upstream
    /// left out or null.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<serde_json::Value>,
        fix: fn(&mut serde_json::Value),
    ) -> Result<T, EngineError> {
        let (_, bytes) = self.call(method, path_and_query, body).await?;
        let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|error| {
            EngineError::internal(format!(
                "the upstream answered {path_and_query} with bad JSON: {error}"
            ))
        })?;
        fix(&mut value);
        serde_json::from_value(value).map_err(|error| {
            EngineError::internal(format!(
                "the upstream's answer to {path_and_query} is not Docker's shape: {error}"
            ))
        })
    }

    /// Sends a call that hijacks the connection (`Upgrade: tcp`) and returns the raw stream,
    /// with the answer's content type (raw or multiplexed).
    pub async fn hijack(
        &self,
        path_and_query: &str,
    ) -> Result<(hyper::upgrade::Upgraded, Option<String>), EngineError> {
        self.hijack_with(path_and_query, None).await
    }

    /// [`Self::hijack`] with a JSON body (exec start sends one).
    pub async fn hijack_with(
        &self,
        path_and_query: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(hyper::upgrade::Upgraded, Option<String>), EngineError> {
        let mut headers = vec![
            ("Connection", "Upgrade".to_string()),
            ("Upgrade", "tcp".to_string()),
        ];
        let request_body = match body {
            Some(value) => {
                headers.push(("Content-Type", "application/json".to_string()));
                let bytes = serde_json::to_vec(&value).map_err(EngineError::internal)?;
                Full::new(Bytes::from(bytes))
                    .map_err(|never| match never {})
                    .boxed()
            }
            None => empty(),
        };
        let response = self
            .open(Method::POST, path_and_query, request_body, &headers)
            .await?;
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(String::from);
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Err(EngineError::internal(format!(
                "the upstream answered {path_and_query} with {} instead of switching protocols",
                response.status()
            )));
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|error| self.failed(error))?;
        Ok((upgraded, content_type))
    }
}

async fn handshake<T>(io: T) -> Result<SendRequest<RequestBody>, EngineError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|error| EngineError::internal(format!("upstream handshake failed: {error}")))?;
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "upstream connection ended");
        }
    });
    Ok(sender)
}

/// Reads a body whole.
pub async fn read_all(body: Incoming) -> Result<Bytes, EngineError> {
    body.collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|error| EngineError::internal(format!("reading the upstream's answer: {error}")))
}

/// `1.41` → `(1, 41)`.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("unix:///run/podman.sock"),
            Ok(Endpoint::Unix("/run/podman.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:2375"),
            Ok(Endpoint::Tcp("127.0.0.1:2375".into()))
        );
        assert!(Endpoint::parse("tcp://127.0.0.1").is_err());
        assert!(Endpoint::parse("unix://").is_err());
        assert!(Endpoint::parse("/run/podman.sock").is_err());
    }

    #[test]
    fn errors_keep_status_and_message() {
        let error = error_from(
            StatusCode::NOT_FOUND,
            br#"{"cause":"no such container","message":"no container with name or ID \"x\" found: no such container","response":404}"#,
        );
        assert_eq!(
            error,
            EngineError::NotFound(
                "no container with name or ID \"x\" found: no such container".into()
            )
        );
        let other = error_from(StatusCode::NOT_ACCEPTABLE, b"plain text\n");
        assert_eq!(other.status(), StatusCode::NOT_ACCEPTABLE);
        assert_eq!(other.to_string(), "plain text");
    }

    #[test]
    fn segments_and_queries() {
        assert_eq!(path_segment("127.0.0.1:5000/a/b:1"), "127.0.0.1:5000/a/b:1");
        assert_eq!(path_segment("a b?#"), "a%20b%3F%23");
        assert_eq!(query(&[]), "");
        assert_eq!(
            query(&[("t", "1".into()), ("filters", "{\"a\":[\"b c\"]}".into())]),
            "?t=1&filters=%7B%22a%22%3A%5B%22b+c%22%5D%7D"
        );
        assert_eq!(parse_version("1.41"), Some((1, 41)));
    }
}
