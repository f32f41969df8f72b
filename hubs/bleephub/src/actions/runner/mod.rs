//! The runner service: the Azure DevOps-style `/_apis/…` protocol the official
//! `actions/runner` speaks (read from its source: `Runner.Listener`, `Sdk/DTWebApi`,
//! `Sdk/DTPipelines`), served behind any tenant path prefix.
//!
//! The sequence a runner follows, and where each step lives:
//!
//! 1. `POST /actions/runner-registration` (`RemoteAuth` with a registration token) answers the
//!    tenant URL and a registration token ([`agents`]);
//! 2. `GET _apis/connectionData` and `OPTIONS _apis/` describe the service and the route of each
//!    resource by its GUID ([`locations`]);
//! 3. pools and agents: the runner registers its name, labels and RSA public key ([`agents`]);
//! 4. `POST _apis/oauth2/token` exchanges the runner's RS256 client assertion for an access
//!    token ([`agents`], [`token`]);
//! 5. a session, then the message long-poll, which hands out a queued job whose `runs-on`
//!    labels the agent has, as a `PipelineAgentJobRequest` ([`dispatch`], [`message`]);
//! 6. the job request renewed and finished; timeline records, logs and the `JobCompleted` plan
//!    event ([`plan`]), which conclude the job and move the run on;
//! 7. action download info for the job's `uses:` actions, resolved in this fake's repositories
//!    ([`downloads`]).
//!
//! Messages are encrypted with the session's key ([`crypto`]). Not reproduced yet: the broker
//! and run-service (v2) flows, `AgentRefreshMessage`, and the results and artifact services.
//!
//! What this module must not do: answer any `_apis` call but `connectionData`, `OPTIONS` and the
//! token exchange without a token it issued, or let a token act outside its grant.

pub mod agents;
pub mod crypto;
pub mod dispatch;
pub mod downloads;
pub mod locations;
pub mod message;
pub mod model;
pub mod plan;
pub mod token;

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode};
use serde_json::{Value, json};
use simkit::Kit;
use simkit::context::RequestContext;
use simkit::store::StoreError;

use crate::Hub;
use model::RunnerRecords;
use token::Grant;

/// The one agent pool a repository's runners join (GitHub's `Default` runner group).
pub const POOL_ID: u64 = 1;

/// How long a job request stays locked without a renewal (the service's ten minutes).
pub const LOCK_MILLIS: i64 = 600_000;

/// How long a message poll waits for work before answering none.
pub const POLL_MILLIS: u64 = 50_000;

/// How long a session may go unpolled before a new session of its agent replaces it. A
/// listener polls again as soon as a poll ends (at most [`POLL_MILLIS`] later), and the runner
/// retries a session conflict for four minutes, so a runner killed without deleting its
/// session gets a new one within that time.
pub const SESSION_IDLE_MILLIS: i64 = 120_000;

/// The largest body the service reads (log uploads are the big ones).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The runner service's state: its records and the key it signs tokens with.
pub struct RunnerService {
    pub records: RunnerRecords,
    signing_key: Vec<u8>,
    /// The tenant segment of the service URL (`/_services/pipelines/{tenant}`).
    pub tenant: String,
}

impl RunnerService {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        let records = RunnerRecords::open(kit)?;
        // The key and tenant are kept in the store, so tokens and registered runners keep
        // working across a restart with `--state-dir`.
        let fetch = |name: &str, make: &dyn Fn() -> String| -> Result<String, StoreError> {
            records.signing.modify(name, |slot| {
                Ok::<_, StoreError>(slot.get_or_insert_with(make).clone())
            })
        };
        let ids = kit.ids();
        let signing_key = fetch("key", &|| ids.hex(64))?.into_bytes();
        let tenant = fetch("tenant", &|| {
            ids.random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 50)
        })?;
        Ok(Self {
            records,
            signing_key,
            tenant,
        })
    }

    pub fn issue(&self, kit: &Kit, grant: &Grant, lifetime_seconds: i64) -> String {
        self.issue_scoped(kit, grant, lifetime_seconds, None)
    }

    /// A token with an `scp` claim: a job's carries `Actions.Results:RUN:JOB`, which the
    /// toolkit's artifact and cache clients read their backend IDs from.
    pub fn issue_scoped(
        &self,
        kit: &Kit,
        grant: &Grant,
        lifetime_seconds: i64,
        scope: Option<&str>,
    ) -> String {
        let now = kit.clock().now_millis() / 1000;
        token::issue(
            &self.signing_key,
            grant,
            now,
            lifetime_seconds,
            &kit.ids().uuid(),
            scope,
        )
    }

    pub(crate) fn verify(&self, token: &str, now_seconds: i64) -> Option<Grant> {
        token::verify_issued(&self.signing_key, token, now_seconds)
    }
}

/// Whether a request path belongs to the runner service.
pub fn owns(path: &str) -> bool {
    path.starts_with("/_apis/")
        || path == "/_apis"
        || path.starts_with("/_services/")
        || agents::is_registration_path(path)
}

/// An error in the service's shape (`WrappedException`), or the OAuth one.
#[derive(Debug)]
pub enum ServiceError {
    /// A typed exception the runner maps by `typeKey`.
    Exception {
        status: StatusCode,
        type_key: &'static str,
        message: String,
    },
    /// No token, or one this service did not issue, or one outside its grant.
    Unauthorized,
    /// The token exchange refused the client assertion.
    OAuth {
        error: &'static str,
        description: String,
    },
    /// GitHub's own 404 (the registration bootstrap).
    GitHubNotFound,
    BadRequest(String),
    NotFound(String),
    Internal,
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "runner service store");
        ServiceError::Internal
    }
}

impl From<crate::error::GitHubError> for ServiceError {
    fn from(error: crate::error::GitHubError) -> Self {
        tracing::error!(?error, "runner service engine");
        ServiceError::Internal
    }
}

impl ServiceError {
    pub fn exception(
        status: StatusCode,
        type_key: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ServiceError::Exception {
            status,
            type_key,
            message: message.into(),
        }
    }

    fn into_response(self) -> Response {
        let wrapped = |status: StatusCode, type_key: &str, message: &str| {
            let body = json!({
                "$id": "1",
                "innerException": null,
                "message": message,
                "typeName": format!("GitHub.DistributedTask.WebApi.{type_key}, GitHub.DistributedTask.WebApi"),
                "typeKey": type_key,
                "errorCode": 0,
                "eventId": 3000,
            });
            json_reply(status, &body)
        };
        match self {
            ServiceError::Exception {
                status,
                type_key,
                message,
            } => wrapped(status, type_key, &message),
            ServiceError::BadRequest(message) => {
                wrapped(StatusCode::BAD_REQUEST, "ArgumentException", &message)
            }
            ServiceError::NotFound(message) => wrapped(
                StatusCode::NOT_FOUND,
                "VssResourceNotFoundException",
                &message,
            ),
            ServiceError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(http::header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response(),
            ServiceError::OAuth { error, description } => json_reply(
                StatusCode::BAD_REQUEST,
                &json!({"error": error, "error_description": description}),
            ),
            ServiceError::GitHubNotFound => json_reply(
                StatusCode::NOT_FOUND,
                &json!({"message": "Not Found", "documentation_url": crate::error::DOCS, "status": "404"}),
            ),
            ServiceError::Internal => wrapped(
                StatusCode::INTERNAL_SERVER_ERROR,
                "VssServiceException",
                "An unexpected error occurred.",
            ),
        }
    }
}

pub fn json_reply(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, serde_json::to_vec(body).unwrap_or_default()).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// What a handler answers.
pub enum Answer {
    Json(StatusCode, Value),
    /// `202 Accepted` without a body: a poll that found nothing.
    Nothing,
    NoContent,
}

impl Answer {
    pub fn ok(body: Value) -> Self {
        Answer::Json(StatusCode::OK, body)
    }
}

/// A collection in the service's wrapper: `{"count": n, "value": [...]}`.
pub fn collection(items: Vec<Value>) -> Value {
    json!({"count": items.len(), "value": items})
}

/// One request as the handlers see it.
pub struct Request<'a> {
    pub hub: &'a Arc<Hub>,
    pub method: Method,
    /// The path segments after `_apis/`, as sent.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub grant: Option<Grant>,
    /// The service's base URL as the client reached it (`…/_services/pipelines/{tenant}`).
    pub base_url: String,
    /// The web host's URL (`http://github.localhost`).
    pub html_url: String,
    pub now: i64,
}

impl Request<'_> {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Result<Value, ServiceError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ServiceError::BadRequest(format!("The request body could not be read: {e}"))
        })
    }

    pub fn service(&self) -> &RunnerService {
        &self.hub.actions.runner
    }

    pub fn records(&self) -> &RunnerRecords {
        &self.hub.actions.runner.records
    }

    pub fn segment(&self, index: usize) -> &str {
        self.segments.get(index).map_or("", String::as_str)
    }
}

/// Serves one request of the runner service.
pub async fn serve(
    hub: Arc<Hub>,
    parts: http::request::Parts,
    body: Body,
    context: Option<RequestContext>,
    now: i64,
) -> Response {
    let body = match simkit::body::collect(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ServiceError::BadRequest("The request body is too large.".into())
                .into_response();
        }
    };
    let authority = match context.as_ref() {
        Some(RequestContext {
            host: Some(host),
            port,
            ..
        }) => port.map_or_else(|| host.clone(), |p| format!("{host}:{p}")),
        _ => parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string(),
    };
    let scheme = context.as_ref().map_or("http", |c| c.scheme.as_str());
    let urls = crate::render::Urls::new(scheme, &authority, false);
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    if agents::is_registration_path(&path) {
        let header = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_string();
        return match agents::runner_registration(&hub, &header, &body, &urls, now) {
            Ok(value) => json_reply(StatusCode::OK, &value),
            Err(error) => error.into_response(),
        };
    }
    // Everything after the `_apis` segment; the tenant prefix before it names nothing we need.
    let Some(position) = path.find("/_apis") else {
        return ServiceError::NotFound(format!("The resource {path} was not found."))
            .into_response();
    };
    let prefix = &path[..position];
    let base_url = format!("{}{}", urls.html, service_prefix(prefix));
    let segments: Vec<String> = path[position + "/_apis".len()..]
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let grant = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .and_then(|t| hub.actions.runner.verify(t.trim(), now / 1000));
    let request = Request {
        hub: &hub,
        method: parts.method.clone(),
        segments,
        query,
        body,
        grant,
        base_url,
        html_url: urls.html.clone(),
        now,
    };
    match route(&request).await {
        Ok(Answer::Json(status, value)) => json_reply(status, &value),
        Ok(Answer::Nothing) => StatusCode::ACCEPTED.into_response(),
        Ok(Answer::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error.into_response(),
    }
}

/// The service base a path prefix stands for: the tenant path up to (not including) a plan's
/// scope identifier segment.
fn service_prefix(prefix: &str) -> String {
    let segments: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["_services", "pipelines", tenant, ..] => format!("/_services/pipelines/{tenant}"),
        _ => String::new(),
    }
}

async fn route(request: &Request<'_>) -> Result<Answer, ServiceError> {
    let segments: Vec<String> = request
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = &request.method;
    match (method, s.as_slice()) {
        (&Method::OPTIONS, []) => return Ok(Answer::ok(locations::resource_locations())),
        (&Method::GET, ["connectiondata"]) => {
            return Ok(Answer::ok(locations::connection_data(request)));
        }
        (&Method::POST, ["oauth2", "token", ..]) => return agents::oauth_token(request),
        _ => {}
    }
    let Some(grant) = request.grant.clone() else {
        return Err(ServiceError::Unauthorized);
    };
    match (method, s.as_slice()) {
        (&Method::GET, ["distributedtask", "pools"]) => agents::list_pools(request, &grant),
        (&Method::GET, ["distributedtask", "pools", pool, "agents"]) => {
            check_pool(pool)?;
            agents::list_agents(request, &grant)
        }
        (&Method::POST, ["distributedtask", "pools", pool, "agents"]) => {
            check_pool(pool)?;
            agents::add_agent(request, &grant, None)
        }
        (&Method::PUT, ["distributedtask", "pools", pool, "agents", id]) => {
            check_pool(pool)?;
            agents::add_agent(request, &grant, Some(number(id)?))
        }
        (&Method::DELETE, ["distributedtask", "pools", pool, "agents", id]) => {
            check_pool(pool)?;
            agents::delete_agent(request, &grant, number(id)?)
        }
        (&Method::POST, ["distributedtask", "pools", pool, "sessions"]) => {
            check_pool(pool)?;
            dispatch::create_session(request, &grant)
        }
        (&Method::DELETE, ["distributedtask", "pools", pool, "sessions", id]) => {
            check_pool(pool)?;
            dispatch::delete_session(request, &grant, id)
        }
        (&Method::GET, ["distributedtask", "pools", pool, "messages"]) => {
            check_pool(pool)?;
            dispatch::get_message(request, &grant).await
        }
        (&Method::DELETE, ["distributedtask", "pools", pool, "messages", id]) => {
            check_pool(pool)?;
            dispatch::delete_message(request, &grant, number(id)?)
        }
        (&Method::PATCH, ["distributedtask", "pools", pool, "jobrequests", id]) => {
            check_pool(pool)?;
            dispatch::update_request(request, &grant, number(id)?)
        }
        (method, ["distributedtask", "hubs", _hub, "plans", plan_id, rest @ ..]) => {
            plan::route(request, &grant, method, plan_id, rest)
        }
        _ => Err(ServiceError::NotFound(format!(
            "The resource {} {} was not found.",
            method,
            request.segments.join("/")
        ))),
    }
}

fn check_pool(pool: &str) -> Result<(), ServiceError> {
    if pool.parse::<u64>().ok() == Some(POOL_ID) {
        Ok(())
    } else {
        Err(ServiceError::exception(
            StatusCode::NOT_FOUND,
            "TaskAgentPoolNotFoundException",
            format!("Agent pool {pool} could not be found."),
        ))
    }
}

pub fn number(text: &str) -> Result<u64, ServiceError> {
    text.parse()
        .map_err(|_| ServiceError::BadRequest(format!("The value {text} is not a valid number.")))
}

/// A time as the service writes it (`2026-01-02T03:04:05.678Z`).
pub fn time(millis: i64) -> String {
    simkit::clock::iso_millis(simkit::clock::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_prefixes_and_times() {
        assert_eq!(
            service_prefix("/_services/pipelines/abc"),
            "/_services/pipelines/abc"
        );
        assert_eq!(
            service_prefix("/_services/pipelines/abc/6f1d2c3e-0000-0000-0000-000000000000"),
            "/_services/pipelines/abc"
        );
        assert_eq!(service_prefix(""), "");
        assert!(owns("/_services/pipelines/x/_apis/connectionData"));
        assert!(owns("/api/v3/actions/runner-registration"));
        assert!(!owns("/repos/o/_apis"));
        assert_eq!(time(1_767_323_045_123), "2026-01-02T03:04:05.123Z");
    }
}
