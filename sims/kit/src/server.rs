//! Server bootstrap: bind (`--port 0` for any free port), announce one `READY <name> <url>` line
//! on stdout once listening, serve plain HTTP and TLS on the same port (HTTP/1.1 and HTTP/2,
//! upgrades included), and shut down gracefully, letting requests in flight finish.
//!
//! Every request passes the kit's middleware before the simulator's router: a request ID and
//! [`RequestContext`], a tracing span, the body-size limit (413 in the provider's shape) and a
//! panic guard (the provider's internal error, never a dropped connection).
//!
//! `CONNECT host:port` (a client whose `HTTPS_PROXY` names the server) opens a tunnel *into this
//! same server*: the tunnel's bytes are served as one more TLS connection, with a certificate
//! for the name the client asks for, so `https://NAME.azurecr.io` or `https://sts.amazonaws.com`
//! reach the simulator with their own Host. It never dials anywhere else.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tracing::Instrument;

use crate::Kit;
use crate::body::BodyLimit;
use crate::context::{ConnectionInfo, RequestContext, Scheme, split_authority};
use crate::tls::TLS_HANDSHAKE_BYTE;

/// Errors the kit itself answers, rendered by the simulator in its provider's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KitError {
    /// The body is over the server's limit (HTTP 413).
    PayloadTooLarge { limit: usize },
    /// A handler panicked: our bug, answered as the provider's internal error (HTTP 500).
    Internal,
}

/// Renders [`KitError`]s in a provider's error shape.
pub trait ErrorRenderer: Send + Sync + 'static {
    fn render(&self, error: &KitError, request: &RequestContext) -> Response;

    /// The larger limit for a request whose body the provider streams to disk rather than
    /// holding it (S3's object uploads, up to 5 GiB), or `None` for the server's limit. The
    /// provider enforces the small limit itself on requests it then does not stream.
    fn streaming_limit(&self, request: &http::request::Parts) -> Option<u64> {
        let _ = request;
        None
    }
}

/// The limit a request may stream up to, when its provider said it streams the body.
#[derive(Debug, Clone, Copy)]
pub struct StreamingLimit(pub Option<u64>);

/// The renderer for servers without a provider shape of their own: a small JSON body.
#[derive(Debug, Default)]
pub struct JsonErrors;

impl ErrorRenderer for JsonErrors {
    fn render(&self, error: &KitError, request: &RequestContext) -> Response {
        let (status, code, message) = match error {
            KitError::PayloadTooLarge { limit } => (
                http::StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLarge",
                format!("the request body is larger than the limit of {limit} bytes"),
            ),
            KitError::Internal => (
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the simulator failed while handling this request".to_string(),
            ),
        };
        json_error(status, code, &message, &request.id)
    }
}

/// `{"error":{"code","message","requestId"}}`: the kit's own error shape (admin API, defaults).
pub fn json_error(
    status: http::StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> Response {
    let body =
        serde_json::json!({"error": {"code": code, "message": message, "requestId": request_id}});
    (status, axum::Json(body)).into_response()
}

/// Where and how a server listens.
#[derive(Debug, Clone)]
pub struct Listen {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Print `READY <name> <url>` on stdout once listening.
    pub announce: bool,
    /// How long in-flight requests get to finish at shutdown.
    pub shutdown_grace: Duration,
    /// How long a connection may take to send a request's head (its first byte, the TLS
    /// handshake, then the request line and headers). The clock starts whenever a connection
    /// waits for a request, so it is also how long an idle keep-alive connection stays open.
    /// It does not apply once a request is being answered: long-polls, streamed responses
    /// and long uploads take as long as they take.
    pub request_head_timeout: Duration,
    /// The most connections served at once. Past it the server stops accepting until one
    /// closes, and new connections wait in the kernel's backlog (backpressure, not refusal).
    pub max_connections: usize,
    /// Also serve plain HTTP on this unix socket (the Docker engine's `unix://` endpoint),
    /// made with mode 0660; a stale socket file left by a dead server is replaced.
    pub unix_socket: Option<std::path::PathBuf>,
}

impl Default for Listen {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            announce: false,
            shutdown_grace: Duration::from_secs(10),
            request_head_timeout: Duration::from_secs(30),
            max_connections: default_max_connections(),
            unix_socket: None,
        }
    }
}

/// Raises this process's open-file limit to its hard limit (a server holds one descriptor per
/// connection, and workloads hold pipes) and returns the new soft limit.
pub fn raise_open_file_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) => {
            if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
                hard
            } else {
                soft
            }
        }
        Err(_) => 1024,
    }
}

/// Connections a server may hold: most of the open-file limit, leaving room for the store,
/// workloads and other servers in the process, and at most 10,000.
fn default_max_connections() -> usize {
    use nix::sys::resource::{Resource, getrlimit};
    let soft = getrlimit(Resource::RLIMIT_NOFILE).map_or(1024, |(soft, _)| soft);
    let usable = soft.saturating_sub(512) / 2;
    usable.clamp(64, 10_000) as usize
}

/// A server that is listening. Dropping it starts a shutdown; [`RunningServer::shutdown`]
/// waits for it.
pub struct RunningServer {
    name: String,
    addr: SocketAddr,
    url: String,
    kit: Kit,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("name", &self.name)
            .field("url", &self.url)
            .finish()
    }
}

impl RunningServer {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`; the same port answers `https://`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The same endpoint over TLS, verified with the CA at [`Kit::ca_path`].
    pub fn https_url(&self) -> String {
        self.url.replacen("http://", "https://", 1)
    }

    pub fn kit(&self) -> &Kit {
        &self.kit
    }

    /// Stops accepting, lets requests in flight finish (up to the grace period), then ends
    /// every workload still running.
    pub async fn shutdown(mut self) {
        self.begin_shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Runs until `signals` reports SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until(self, signals: &mut Signals) {
        signals.recv().await;
        self.shutdown().await;
    }

    fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}

/// SIGTERM and SIGINT (Ctrl-C), caught from the moment [`Signals::install`] runs. Install it
/// before the first server announces itself: a supervisor may signal as soon as it reads the
/// READY line, and a signal that arrives before the handler kills the process uncleanly.
pub struct Signals {
    terminate: Option<tokio::signal::unix::Signal>,
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl std::fmt::Debug for Signals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signals")
    }
}

impl Signals {
    pub fn install() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Self {
            terminate: signal(SignalKind::terminate()).ok(),
            interrupt: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// Waits for the next SIGTERM or SIGINT.
    pub async fn recv(&mut self) {
        let terminate = async {
            match &mut self.terminate {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        let interrupt = async {
            match &mut self.interrupt {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = terminate => {}
            _ = interrupt => {}
        }
    }
}

#[derive(Clone)]
struct MiddlewareState {
    kit: Kit,
    errors: Arc<dyn ErrorRenderer>,
}

/// Serves `app` (plus the admin API under `/_sockerless/`) for `kit` until shut down.
pub async fn serve(
    kit: Kit,
    listen: Listen,
    app: Router,
    errors: Arc<dyn ErrorRenderer>,
) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind((listen.bind, listen.port)).await?;
    let addr = listener.local_addr()?;
    let advertised = match addr.ip() {
        ip if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        ip => ip,
    };
    let url = match advertised {
        IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
    };
    let tls = kit
        .authority()
        .server_config()
        .map(TlsAcceptor::from)
        .map_err(std::io::Error::other)?;
    let name = kit.name().to_string();

    let state = MiddlewareState {
        kit: kit.clone(),
        errors,
    };
    let app = app
        .merge(crate::admin::router(kit.clone()))
        .layer(axum::middleware::from_fn_with_state(state, middleware));

    let unix = match &listen.unix_socket {
        Some(path) => Some(bind_unix(path)?),
        None => None,
    };
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(accept_loop(
        listener,
        unix,
        tls,
        app,
        stop_rx,
        listen.clone(),
        kit.clone(),
    ));
    if listen.announce {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "READY {name} {url}");
        let _ = stdout.flush();
    }
    tracing::info!(server = %name, %url, "listening");
    Ok(RunningServer {
        name,
        addr,
        url,
        kit,
        stop: Some(stop_tx),
        task: Some(task),
    })
}

/// Binds a unix socket at `path` with mode 0660 (owner and group, as dockerd's), replacing a
/// socket file nobody answers on; a live socket or any other file there is an error.
fn bind_unix(path: &std::path::Path) -> std::io::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        let live = std::os::unix::net::UnixStream::connect(path).is_ok();
        if !meta.file_type().is_socket() || live {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("{} exists and is in use", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = tokio::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// The next connection on the unix socket, or never when there is none.
async fn accept_unix(
    unix: Option<&tokio::net::UnixListener>,
) -> std::io::Result<tokio::net::UnixStream> {
    match unix {
        Some(listener) => listener.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

async fn accept_loop(
    listener: TcpListener,
    unix: Option<tokio::net::UnixListener>,
    tls: TlsAcceptor,
    app: Router,
    mut stop: oneshot::Receiver<()>,
    listen: Listen,
    kit: Kit,
) {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(listen.max_connections));
    let head_timeout = listen.request_head_timeout;
    loop {
        // A slot first: when every one is taken the server stops accepting, and clients wait
        // in the backlog until a connection closes.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = &mut stop => break,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let local = stream.local_addr().unwrap_or(peer);
                    let (tls, app) = (tls.clone(), app.clone());
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        serve_connection(stream, peer, local, tls, app, watcher, head_timeout).await;
                        drop(slot);
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            accepted = accept_unix(unix.as_ref()) => match accepted {
                Ok(stream) => {
                    // A unix peer has no IP address; loopback stands for "this machine".
                    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
                    let info = ConnectionInfo { peer: loopback, local: loopback, scheme: Scheme::Http };
                    let app = app.clone();
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        serve_io(TokioIo::new(stream), info, app, watcher, head_timeout, None).await;
                        drop(slot);
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed on the unix socket");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = &mut stop => break,
        }
    }
    drop(listener);
    if let (Some(unix), Some(path)) = (unix, &listen.unix_socket) {
        drop(unix);
        let _ = std::fs::remove_file(path);
    }
    if tokio::time::timeout(listen.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            server = kit.name(),
            "requests still in flight after the grace period"
        );
    }
    kit.shut_down_workloads().await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    tls: TlsAcceptor,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
    head_timeout: Duration,
) {
    let mut first = [0u8; 1];
    // A client that connects and says nothing for this long is dropped.
    let scheme = match tokio::time::timeout(head_timeout, stream.peek(&mut first)).await {
        Ok(Ok(1)) if first[0] == TLS_HANDSHAKE_BYTE => Scheme::Https,
        Ok(Ok(1)) => Scheme::Http,
        _ => return,
    };
    let info = ConnectionInfo {
        peer,
        local,
        scheme,
    };
    match scheme {
        Scheme::Http => {
            let tunnel = Some(tls);
            serve_io(
                TokioIo::new(stream),
                info,
                app,
                watcher,
                head_timeout,
                tunnel,
            )
            .await
        }
        Scheme::Https => match tokio::time::timeout(head_timeout, tls.accept(stream)).await {
            Ok(Ok(stream)) => {
                let tunnel = Some(tls);
                serve_io(
                    TokioIo::new(stream),
                    info,
                    app,
                    watcher,
                    head_timeout,
                    tunnel,
                )
                .await
            }
            Ok(Err(error)) => tracing::debug!(%error, %peer, "TLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        },
    }
}

async fn serve_io<I>(
    io: I,
    info: ConnectionInfo,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
    head_timeout: Duration,
    tunnel: Option<TlsAcceptor>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
            if request.method() == http::Method::CONNECT {
                return std::future::ready(Ok::<_, Infallible>(open_tunnel(
                    &mut request,
                    &info,
                    &app,
                    tunnel.as_ref(),
                    head_timeout,
                )))
                .left_future();
            }
            request.extensions_mut().insert(info.clone());
            let app = app.clone();
            async move {
                app.oneshot(request.map(Body::new))
                    .await
                    .map_err(|never: Infallible| match never {})
            }
            .right_future()
        });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout);
    // HTTP/2 connections are idle-checked with pings: a peer that stops answering is dropped.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(head_timeout))
        .keep_alive_timeout(Duration::from_secs(20));
    let connection = builder
        .serve_connection_with_upgrades(io, service)
        .into_owned();
    if let Err(error) = watcher.watch(connection).await {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Answers `CONNECT`: 200, then the tunnel is served as a TLS connection to this server. Only
/// connections that can carry one (TCP, not the unix socket or a tunnel) open tunnels.
fn open_tunnel(
    request: &mut http::Request<hyper::body::Incoming>,
    info: &ConnectionInfo,
    app: &Router,
    tunnel: Option<&TlsAcceptor>,
    head_timeout: Duration,
) -> Response {
    let Some(tls) = tunnel.cloned() else {
        return (http::StatusCode::METHOD_NOT_ALLOWED, Body::empty()).into_response();
    };
    let upgrade = hyper::upgrade::on(request);
    let (info, app) = (info.clone(), app.clone());
    tokio::spawn(async move {
        let upgraded = match upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => {
                tracing::debug!(%error, "CONNECT upgrade failed");
                return;
            }
        };
        let stream =
            match tokio::time::timeout(head_timeout, tls.accept(TokioIo::new(upgraded))).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(error)) => {
                    tracing::debug!(%error, "TLS handshake in a tunnel failed");
                    return;
                }
                Err(_) => return,
            };
        let info = ConnectionInfo {
            scheme: Scheme::Https,
            ..info
        };
        serve_tunnel(TokioIo::new(stream), info, app, head_timeout).await;
    });
    (http::StatusCode::OK, Body::empty()).into_response()
}

/// Serves a tunnel's requests (no further `CONNECT`).
async fn serve_tunnel<I>(io: I, info: ConnectionInfo, app: Router, head_timeout: Duration)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(info.clone());
            let app = app.clone();
            async move {
                app.oneshot(request.map(Body::new))
                    .await
                    .map_err(|never: Infallible| match never {})
            }
        });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout);
    if let Err(error) = builder.serve_connection(io, service).await {
        tracing::debug!(%error, "tunnelled connection ended with an error");
    }
}

async fn middleware(
    State(state): State<MiddlewareState>,
    request: Request,
    next: Next,
) -> Response {
    let connection = request.extensions().get::<ConnectionInfo>().cloned();
    let via_proxy = request.uri().authority().is_some();
    let authority = request
        .uri()
        .authority()
        .map(|authority| authority.as_str().to_string())
        .or_else(|| {
            request
                .headers()
                .get(http::header::HOST)
                .and_then(|host| host.to_str().ok())
                .map(String::from)
        });
    let (host, port) = match authority {
        Some(authority) => {
            let (host, port) = split_authority(&authority);
            (Some(host), port)
        }
        None => (None, None),
    };
    let context = RequestContext {
        id: state.kit.ids().uuid(),
        host,
        port,
        via_proxy,
        scheme: connection.as_ref().map_or(Scheme::Http, |c| c.scheme),
        peer: connection.map(|c| c.peer),
    };
    let span = tracing::debug_span!(
        "request",
        server = state.kit.name(),
        id = %context.id,
        method = %request.method(),
        path = %request.uri().path(),
        operation = tracing::field::Empty,
    );
    let (mut head, body) = request.into_parts();
    let streaming_limit = state.errors.streaming_limit(&head);
    head.extensions.insert(StreamingLimit(streaming_limit));
    let mut request = Request::from_parts(head, body);
    let limit = match streaming_limit {
        Some(streaming) => usize::try_from(streaming).unwrap_or(usize::MAX),
        None => state.kit.body_limit(),
    };
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        tracing::debug!(parent: &span, ?declared, limit, "body over the limit");
        return state
            .errors
            .render(&KitError::PayloadTooLarge { limit }, &context);
    }
    request
        .extensions_mut()
        .insert(BodyLimit(state.kit.body_limit()));
    request.extensions_mut().insert(context.clone());
    let started = state.kit.clock().monotonic();
    let recording = state
        .kit
        .inspector()
        .begin(&mut request, state.kit.clock().now(), started);
    let outcome = std::panic::AssertUnwindSafe(next.run(request).instrument(span.clone()))
        .catch_unwind()
        .await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(parent: &span, %message, "handler panicked");
            state.errors.render(&KitError::Internal, &context)
        }
    };
    let elapsed = state
        .kit
        .clock()
        .monotonic()
        .saturating_duration_since(started);
    tracing::debug!(parent: &span, status = response.status().as_u16(), ?elapsed, "answered");
    if let Some(recording) = recording {
        state
            .kit
            .inspector()
            .finish(recording, &context.id, context.peer, &mut response, elapsed);
    }
    response
}
