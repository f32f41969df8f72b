//! The browser view at `/_sockerless/`, and the JSON it is a view over. Every server built on
//! the kit serves it; the pages read only the routes below, so scripts and tests see what a
//! user sees.
//!
//! | route | gives |
//! |---|---|
//! | `GET /_sockerless/` | the page (plain HTML, a hand-written script and style compiled in) |
//! | `GET /_sockerless/overview` | server, services and their record counts, workloads, requests/s |
//! | `GET /_sockerless/requests?status=&operation=&service=&limit=` | the inspector, newest first |
//! | `GET /_sockerless/requests/{id}` | one exchange: headers and bodies, secrets redacted |
//! | `GET /_sockerless/inspector`, `PUT` with `{"recording": bool}` | the ring's size; pause, resume |
//! | `GET /_sockerless/resources` | collections by service, with counts |
//! | `GET /_sockerless/resources/{collection}?filter=&limit=` | a collection's records |
//! | `GET /_sockerless/resource?collection=&key=` | one record, its links and workloads |
//! | `GET /_sockerless/workloads`, `/workloads/{id}` | workloads: status, times, exit, runner |
//! | `GET /_sockerless/workloads/{id}/logs` | the output kept, as JSON |
//! | `GET /_sockerless/workloads/{id}/logs/stream` | the output as server-sent events, live |
//! | `POST /_sockerless/workloads/{id}/stop?grace=SECONDS`, `/kill` | SIGTERM then SIGKILL; SIGKILL |
//! | `GET/POST /_sockerless/login`, `POST /_sockerless/logout` | sessions, when a token is required |
//!
//! Safety: when the admin API requires a token, so do these routes (the token, or a session
//! cookie from the login form; see [`session`]), and pages redirect to the login form. The page
//! writes every value with `textContent`, never as HTML, and is served with a
//! `Content-Security-Policy` that allows only its own script, so a resource named
//! `<img src=x onerror=...>` is text.
//!
//! What this module must not do: fetch anything from outside the binary, or hold state of its
//! own beyond sessions (the data comes from the kit).

pub mod resources;
pub mod session;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::json;

use crate::Kit;
use crate::context::RequestContext;
use crate::inspector::Filter;
use crate::server::json_error;
use crate::workloads::Tracked;

const INDEX_HTML: &str = include_str!("assets/index.html");
const LOGIN_HTML: &str = include_str!("assets/login.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Where the login form lives.
pub const LOGIN_PATH: &str = "/_sockerless/login";
/// The longest listing of requests or records one call returns.
const MAX_LIMIT: usize = 10_000;
/// How long a page's stop gives a workload between SIGTERM and SIGKILL unless told.
const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// The routes that need the admin token (or a session), for the admin router to guard.
pub fn guarded_routes() -> Router<Kit> {
    Router::new()
        .route("/_sockerless/", get(index))
        .route("/_sockerless/overview", get(overview))
        .route("/_sockerless/requests", get(list_requests))
        .route("/_sockerless/requests/{id}", get(get_request))
        .route(
            "/_sockerless/inspector",
            get(inspector_settings).put(set_inspector),
        )
        .route("/_sockerless/resources", get(list_services))
        .route("/_sockerless/resources/{collection}", get(list_records))
        .route("/_sockerless/resource", get(get_record))
        .route("/_sockerless/workloads", get(list_workloads))
        .route("/_sockerless/workloads/{id}", get(get_workload))
        .route("/_sockerless/workloads/{id}/logs", get(workload_logs))
        .route("/_sockerless/workloads/{id}/logs/stream", get(stream_logs))
        .route("/_sockerless/workloads/{id}/stop", post(stop_workload))
        .route("/_sockerless/workloads/{id}/kill", post(kill_workload))
        .route("/_sockerless/logout", post(logout))
}

/// The routes anyone may reach: the login form and the static script and style.
pub fn open_routes() -> Router<Kit> {
    Router::new()
        .route("/_sockerless", get(to_index))
        .route(LOGIN_PATH, get(login_form).post(login))
        .route("/_sockerless/ui/app.js", get(app_js))
        .route("/_sockerless/ui/app.css", get(app_css))
}

/// Headers every page and asset is served with.
fn page(content_type: &'static str, body: String) -> Response {
    (
        [
            (http::header::CONTENT_TYPE, content_type),
            (
                http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (http::header::REFERRER_POLICY, "no-referrer"),
            (http::header::CACHE_CONTROL, "no-store"),
            (http::header::X_FRAME_OPTIONS, "DENY"),
        ],
        body,
    )
        .into_response()
}

fn redirect(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(http::header::LOCATION, location)]).into_response()
}

async fn to_index() -> Response {
    redirect("/_sockerless/")
}

async fn app_js() -> Response {
    page("text/javascript; charset=utf-8", APP_JS.to_string())
}

async fn app_css() -> Response {
    page("text/css; charset=utf-8", APP_CSS.to_string())
}

/// The page, with the session's CSRF token for the script to send back. Server and token are
/// the only values put into the HTML, both from the kit (a name and hex), never from a request.
async fn index(State(kit): State<Kit>, headers: http::HeaderMap) -> Response {
    let csrf = kit
        .sessions()
        .of_request(&kit, &headers)
        .map(|(_, session)| session.csrf)
        .unwrap_or_default();
    let html = INDEX_HTML
        .replace("{{csrf}}", &escape_html(&csrf))
        .replace("{{server}}", &escape_html(kit.name()))
        .replace(
            "{{login}}",
            if kit.admin_token().is_some() {
                "1"
            } else {
                "0"
            },
        );
    page("text/html; charset=utf-8", html)
}

/// Escapes text for an HTML attribute or element.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

async fn login_form(State(kit): State<Kit>) -> Response {
    if kit.admin_token().is_none() {
        return redirect("/_sockerless/");
    }
    login_page(&kit, StatusCode::OK, "")
}

fn login_page(kit: &Kit, status: StatusCode, message: &str) -> Response {
    let html = LOGIN_HTML
        .replace("{{server}}", &escape_html(kit.name()))
        .replace("{{message}}", &escape_html(message));
    let mut response = page("text/html; charset=utf-8", html);
    *response.status_mut() = status;
    response
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    token: String,
}

async fn login(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    body: axum::body::Bytes,
) -> Response {
    let Some(expected) = kit.admin_token() else {
        return redirect("/_sockerless/");
    };
    let form: LoginForm = match serde_urlencoded_form(&body) {
        Some(form) => form,
        None => return login_page(&kit, StatusCode::BAD_REQUEST, "The form could not be read."),
    };
    if !session::same_secret(expected, form.token.trim()) {
        return login_page(
            &kit,
            StatusCode::UNAUTHORIZED,
            "That is not this server's admin token.",
        );
    }
    let id = kit.sessions().create(&kit);
    let secure = if request.scheme == crate::context::Scheme::Https {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={id}; Path=/_sockerless; HttpOnly; SameSite=Strict{secure}",
        kit.sessions().cookie_name(&kit)
    );
    (
        StatusCode::SEE_OTHER,
        [
            (http::header::LOCATION, "/_sockerless/".to_string()),
            (http::header::SET_COOKIE, cookie),
            (http::header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

/// The login form's fields.
fn serde_urlencoded_form(body: &[u8]) -> Option<LoginForm> {
    let mut token = None;
    for (name, value) in form_urlencoded::parse(body) {
        if name == "token" {
            token = Some(value.into_owned());
        }
    }
    Some(LoginForm {
        token: token.unwrap_or_default(),
    })
}

async fn logout(State(kit): State<Kit>, headers: http::HeaderMap) -> Response {
    if let Some((id, _)) = kit.sessions().of_request(&kit, &headers) {
        kit.sessions().end(&id);
    }
    let cookie = format!(
        "{}=; Path=/_sockerless; HttpOnly; SameSite=Strict; Max-Age=0",
        kit.sessions().cookie_name(&kit)
    );
    (
        StatusCode::SEE_OTHER,
        [
            (http::header::LOCATION, LOGIN_PATH.to_string()),
            (http::header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

async fn overview(State(kit): State<Kit>) -> Response {
    let workloads = kit.workloads().list();
    let running = workloads.iter().filter(|w| w.running()).count();
    let recent: Vec<_> = workloads.iter().take(20).map(|w| w.to_json()).collect();
    let now = kit.clock().monotonic();
    let uptime = now.saturating_duration_since(kit.started());
    axum::Json(json!({
        "server": kit.name(),
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeMs": uptime.as_millis() as u64,
        "durable": kit.store().is_durable(),
        "services": resources::services(&kit)["services"],
        "workloads": {"running": running, "listed": workloads.len(), "recent": recent},
        "requests": {
            "held": kit.inspector().len(),
            "capacity": kit.inspector().capacity(),
            "perSecond": kit.inspector().rate(now, Duration::from_secs(10)),
            "recording": kit.inspector().recording(),
        },
        "faults": kit.faults().list().len(),
        "tokenRequired": kit.admin_token().is_some(),
    }))
    .into_response()
}

#[derive(Deserialize, Default)]
struct RequestsQuery {
    status: Option<String>,
    operation: Option<String>,
    service: Option<String>,
    limit: Option<String>,
}

fn bad_request(request: &RequestContext, message: &str) -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequest",
        message,
        &request.id,
    )
}

/// A `limit` parameter: absent, or a whole number from 1 to [`MAX_LIMIT`].
fn parse_limit(limit: Option<&str>) -> Result<Option<usize>, String> {
    match limit.filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(Some(limit)),
            _ => Err(format!(
                "limit must be a whole number from 1 to {MAX_LIMIT}, not {text:?}"
            )),
        },
    }
}

async fn list_requests(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    query: Result<Query<RequestsQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_request(&request, "the query string could not be read");
    };
    let limit = match parse_limit(query.limit.as_deref()) {
        Ok(limit) => limit,
        Err(message) => return bad_request(&request, &message),
    };
    let filter = Filter {
        status: query.status.filter(|s| !s.is_empty()),
        operation: query.operation.filter(|s| !s.is_empty()),
        service: query.service.filter(|s| !s.is_empty()),
        limit,
    };
    let listed: Vec<_> = kit
        .inspector()
        .list(&filter)
        .iter()
        .map(|exchange| exchange.summary())
        .collect();
    axum::Json(json!({
        "requests": listed,
        "held": kit.inspector().len(),
        "capacity": kit.inspector().capacity(),
        "recording": kit.inspector().recording(),
        "bodyCap": crate::inspector::BODY_CAP,
    }))
    .into_response()
}

fn inspector_json(kit: &Kit) -> serde_json::Value {
    json!({
        "capacity": kit.inspector().capacity(),
        "held": kit.inspector().len(),
        "recording": kit.inspector().recording(),
        "bodyCap": crate::inspector::BODY_CAP,
    })
}

async fn inspector_settings(State(kit): State<Kit>) -> Response {
    axum::Json(inspector_json(&kit)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InspectorChange {
    recording: bool,
}

/// Pauses or resumes recording. The body must be `{"recording": true|false}`; a server started
/// with `--inspector-size 0` has nothing to resume.
async fn set_inspector(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    body: axum::body::Bytes,
) -> Response {
    let change: InspectorChange = match serde_json::from_slice(&body) {
        Ok(change) => change,
        Err(error) => {
            return bad_request(
                &request,
                &format!("the body must be {{\"recording\": true|false}}: {error}"),
            );
        }
    };
    if change.recording && !kit.inspector().enabled() {
        return json_error(
            StatusCode::CONFLICT,
            "InspectorDisabled",
            "the inspector is off on this server (--inspector-size 0): there is nothing to resume",
            &request.id,
        );
    }
    kit.inspector().set_recording(change.recording);
    axum::Json(inspector_json(&kit)).into_response()
}

async fn get_request(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    let Ok(number) = id.parse::<u64>() else {
        return bad_request(&request, &format!("{id:?} is not a request number"));
    };
    match kit.inspector().get(number) {
        Some(exchange) => axum::Json(exchange.detail()).into_response(),
        None => json_error(
            StatusCode::NOT_FOUND,
            "RequestNotFound",
            &format!("request {number} is not (or no longer) held by the inspector"),
            &request.id,
        ),
    }
}

async fn list_services(State(kit): State<Kit>) -> Response {
    axum::Json(resources::services(&kit)).into_response()
}

#[derive(Deserialize, Default)]
struct RecordsQuery {
    filter: Option<String>,
    limit: Option<String>,
}

async fn list_records(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(collection): Path<String>,
    query: Result<Query<RecordsQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_request(&request, "the query string could not be read");
    };
    let limit = match parse_limit(query.limit.as_deref()) {
        Ok(limit) => limit.unwrap_or(500),
        Err(message) => return bad_request(&request, &message),
    };
    match resources::list(&kit, &collection, query.filter.as_deref(), limit) {
        Some(listing) => axum::Json(listing).into_response(),
        None => collection_not_found(&request, &collection),
    }
}

fn collection_not_found(request: &RequestContext, collection: &str) -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "CollectionNotFound",
        &format!("no collection {collection:?}"),
        &request.id,
    )
}

#[derive(Deserialize, Default)]
struct RecordQuery {
    collection: Option<String>,
    key: Option<String>,
}

async fn get_record(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(RecordQuery {
        collection: Some(collection),
        key: Some(key),
    })) = query
    else {
        return bad_request(&request, "collection and key are required");
    };
    match resources::inspect(&kit, &collection, &key) {
        Some(record) => axum::Json(record).into_response(),
        None => json_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("no record {key:?} in {collection:?}"),
            &request.id,
        ),
    }
}

async fn list_workloads(State(kit): State<Kit>) -> Response {
    let listed: Vec<_> = kit.workloads().list().iter().map(|w| w.to_json()).collect();
    axum::Json(json!({ "workloads": listed })).into_response()
}

fn find_workload(
    kit: &Kit,
    request: &RequestContext,
    id: &str,
) -> Result<std::sync::Arc<Tracked>, Box<Response>> {
    let Ok(number) = id.parse::<u64>() else {
        return Err(Box::new(bad_request(
            request,
            &format!("{id:?} is not a workload number"),
        )));
    };
    kit.workloads().get(number).ok_or_else(|| {
        Box::new(json_error(
            StatusCode::NOT_FOUND,
            "WorkloadNotFound",
            &format!("no workload {number}"),
            &request.id,
        ))
    })
}

async fn get_workload(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    match find_workload(&kit, &request, &id) {
        Ok(tracked) => axum::Json(tracked.to_json()).into_response(),
        Err(response) => *response,
    }
}

async fn workload_logs(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    match find_workload(&kit, &request, &id) {
        Ok(tracked) => {
            let lines: Vec<_> = tracked.output.lines().iter().map(|l| l.to_json()).collect();
            axum::Json(json!({ "lines": lines, "workload": tracked.to_json() })).into_response()
        }
        Err(response) => *response,
    }
}

/// What the log stream does next.
enum StreamState {
    Backlog {
        tracked: std::sync::Arc<Tracked>,
        receiver: tokio::sync::broadcast::Receiver<crate::workloads::NumberedLine>,
        backlog: std::vec::IntoIter<crate::workloads::NumberedLine>,
        last: u64,
    },
    Live {
        tracked: std::sync::Arc<Tracked>,
        receiver: tokio::sync::broadcast::Receiver<crate::workloads::NumberedLine>,
        last: u64,
    },
    Done,
}

/// The output as server-sent events: `line` events (JSON of one line) for the lines kept and
/// each new one, then one `exit` event (the workload's JSON) when it has ended and all its
/// output has arrived. A reader too slow for the feed gets a `gap` event saying how many lines
/// it missed.
async fn stream_logs(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    let tracked = match find_workload(&kit, &request, &id) {
        Ok(tracked) => tracked,
        Err(response) => return *response,
    };
    let (receiver, backlog) = tracked.output.follow();
    let start = StreamState::Backlog {
        tracked,
        receiver,
        backlog: backlog.into_iter(),
        last: 0,
    };
    Sse::new(log_events(start))
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn log_events(start: StreamState) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(start, |state| async move {
        match state {
            StreamState::Backlog {
                tracked,
                receiver,
                mut backlog,
                last,
            } => match backlog.next() {
                Some(line) => {
                    let event = Event::default()
                        .event("line")
                        .data(line.to_json().to_string());
                    let last = line.number;
                    Some((
                        Ok(event),
                        StreamState::Backlog {
                            tracked,
                            receiver,
                            backlog,
                            last,
                        },
                    ))
                }
                None => Some((
                    Ok(Event::default().comment("live")),
                    StreamState::Live {
                        tracked,
                        receiver,
                        last,
                    },
                )),
            },
            StreamState::Live {
                tracked,
                mut receiver,
                last,
            } => {
                use tokio::sync::broadcast::error::RecvError;
                loop {
                    let next = tokio::select! {
                        biased;
                        received = receiver.recv() => Some(received),
                        _ = tracked.workload.wait() => None,
                    };
                    match next {
                        Some(Ok(line)) if line.number <= last => continue,
                        Some(Ok(line)) => {
                            let event = Event::default()
                                .event("line")
                                .data(line.to_json().to_string());
                            let last = line.number;
                            return Some((
                                Ok(event),
                                StreamState::Live {
                                    tracked,
                                    receiver,
                                    last,
                                },
                            ));
                        }
                        Some(Err(RecvError::Lagged(missed))) => {
                            let event = Event::default()
                                .event("gap")
                                .data(json!({ "missed": missed }).to_string());
                            return Some((
                                Ok(event),
                                StreamState::Live {
                                    tracked,
                                    receiver,
                                    last,
                                },
                            ));
                        }
                        // The feed only closes with the registry; the workload has ended.
                        Some(Err(RecvError::Closed)) | None => {
                            // Lines that arrived with the exit are still in the channel.
                            if let Ok(line) = receiver.try_recv() {
                                if line.number <= last {
                                    continue;
                                }
                                let event = Event::default()
                                    .event("line")
                                    .data(line.to_json().to_string());
                                let last = line.number;
                                return Some((
                                    Ok(event),
                                    StreamState::Live {
                                        tracked,
                                        receiver,
                                        last,
                                    },
                                ));
                            }
                            let event = Event::default()
                                .event("exit")
                                .data(tracked.to_json().to_string());
                            return Some((Ok(event), StreamState::Done));
                        }
                    }
                }
            }
            StreamState::Done => None,
        }
    })
}

#[derive(Deserialize, Default)]
struct StopQuery {
    grace: Option<String>,
}

async fn stop_workload(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
    query: Result<Query<StopQuery>, QueryRejection>,
) -> Response {
    let tracked = match find_workload(&kit, &request, &id) {
        Ok(tracked) => tracked,
        Err(response) => return *response,
    };
    let grace = match query
        .ok()
        .and_then(|Query(q)| q.grace)
        .filter(|g| !g.is_empty())
    {
        None => DEFAULT_STOP_GRACE,
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) if seconds <= 3600 => Duration::from_secs(seconds),
            _ => {
                return bad_request(
                    &request,
                    &format!("grace must be a whole number of seconds up to 3600, not {text:?}"),
                );
            }
        },
    };
    if !tracked.running() {
        return workload_not_running(&request, &tracked);
    }
    tracked.workload.stop(grace);
    (StatusCode::ACCEPTED, axum::Json(tracked.to_json())).into_response()
}

async fn kill_workload(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    let tracked = match find_workload(&kit, &request, &id) {
        Ok(tracked) => tracked,
        Err(response) => return *response,
    };
    if !tracked.running() {
        return workload_not_running(&request, &tracked);
    }
    tracked.workload.kill();
    (StatusCode::ACCEPTED, axum::Json(tracked.to_json())).into_response()
}

fn workload_not_running(request: &RequestContext, tracked: &Tracked) -> Response {
    json_error(
        StatusCode::CONFLICT,
        "WorkloadNotRunning",
        &format!("workload {} has already ended", tracked.id),
        &request.id,
    )
}
