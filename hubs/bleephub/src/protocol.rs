//! The wire: every REST request passes through [`handle`], which
//!
//! 1. strips the Enterprise prefix `/api/v3` (the same API is served at `/`, as api.github.com),
//! 2. authenticates the `Authorization` header (401 `Bad credentials` for an unknown token),
//! 3. counts the request against the caller's hourly budget (403 once it is spent),
//! 4. routes it through the table generated from GitHub's description (404 otherwise),
//! 5. decodes and validates the body against the operation's schema (400/422 as GitHub),
//! 6. calls the typed handler in [`crate::services`] and renders its records,
//! 7. and answers with GitHub's headers: `X-GitHub-Request-Id`, `X-RateLimit-*`,
//!    `X-OAuth-Scopes`, `X-Accepted-OAuth-Scopes`, `ETag` (and 304 for a matching
//!    `If-None-Match`, which does not count against the budget), `Link` for pages.
//!
//! What this module must not do: hold access rules or state changes (services do), or echo
//! the token.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};
use simkit::context::RequestContext;

use crate::Hub;
use crate::auth::{self, Principal};
use crate::error::{DOCS, GitHubError};
use crate::paging::Page;
use crate::ratelimit::Quota;
use crate::render::{self, Urls};
use crate::services::{Ctx, issues, labels, orgs, repos, users};
use crate::spec::{self, Matched, Op};

mod apps;
mod checks;
mod collab;
mod forks;
mod hooks;
mod pulls;
mod releases;
mod repo_git;
mod search;
mod stars;

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new().fallback(handle).with_state(hub)
}

/// What a handler answers, before headers.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<Value>,
    pub(crate) link: Option<String>,
    pub(crate) location: Option<String>,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            link: None,
            location: None,
        }
    }

    pub(crate) fn created(body: Value) -> Self {
        let location = body["url"].as_str().map(String::from);
        Self {
            status: StatusCode::CREATED,
            body: Some(body),
            link: None,
            location,
        }
    }

    pub(crate) fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            link: None,
            location: None,
        }
    }

    /// `302 Found` to `location` (GitHub's log downloads).
    pub(crate) fn found(location: String) -> Self {
        Self {
            status: StatusCode::FOUND,
            body: None,
            link: None,
            location: Some(location),
        }
    }
}

/// One request as the dispatcher sees it.
pub(crate) struct Call<'a> {
    pub(crate) matched: &'a Matched,
    query: Vec<(String, String)>,
    pub(crate) body: Value,
    /// The body as sent, for the one operation whose body is not JSON (asset uploads).
    pub(crate) raw: Option<bytes::Bytes>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) urls: Urls,
    /// The request's URL without its query, for `Link`.
    url: String,
}

impl Call<'_> {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.matched.param(name)
    }

    pub(crate) fn query(&self, name: &str) -> Option<String> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }

    fn input<T: DeserializeOwned>(&self) -> Result<T, GitHubError> {
        serde_json::from_value(self.body.clone())
            .map_err(|error| GitHubError::InvalidRequest(format!("Invalid request.\n\n{error}")))
    }

    /// One page of `all`, rendered, with its `Link` header.
    pub(crate) fn page<T>(&self, all: Vec<T>, render: impl Fn(&T) -> Value) -> Reply {
        let page = Page::from_query(&self.query);
        let total = all.len();
        let items: Vec<Value> = page.slice(all).iter().map(render).collect();
        Reply {
            link: page.link(&self.url, &self.query, total),
            ..Reply::ok(Value::Array(items))
        }
    }

    pub(crate) fn since(&self) -> Result<Option<i64>, GitHubError> {
        self.query("since")
            .map(|text| {
                time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
                    .map_err(|_| {
                        GitHubError::ValidationFailed(vec![crate::error::FieldError::new(
                            "Issue", "since", "invalid",
                        )])
                    })
            })
            .transpose()
    }
}

/// The scopes GitHub names in `X-Accepted-OAuth-Scopes` for an operation.
fn accepted_scopes(op: Op) -> &'static str {
    match op {
        Op::MetaRoot | Op::RateLimitGet | Op::UsersGetAuthenticated | Op::UsersGetByUsername => "",
        Op::UsersUpdateAuthenticated => "user",
        Op::OrgsGet | Op::OrgsListForUser => "",
        Op::OrgsListForAuthenticatedUser
        | Op::OrgsListMembers
        | Op::OrgsCheckMembershipForUser
        | Op::OrgsGetMembershipForUser
        | Op::OrgsUpdateMembershipForAuthenticatedUser => {
            "admin:org, read:org, repo, user, write:org"
        }
        Op::OrgsSetMembershipForUser | Op::OrgsRemoveMembershipForUser => "admin:org",
        Op::ReposCreateForAuthenticatedUser | Op::ReposCreateInOrg | Op::ReposCreateFork => {
            "public_repo, repo"
        }
        Op::ReposListForks => "",
        Op::SearchIssuesAndPullRequests | Op::SearchRepos | Op::SearchUsers => "",
        Op::ReposDelete => "delete_repo",
        Op::ReposListWebhooks
        | Op::ReposGetWebhook
        | Op::ReposGetWebhookConfigForRepo
        | Op::ReposListWebhookDeliveries
        | Op::ReposGetWebhookDelivery => "admin:repo_hook, read:repo_hook, repo, write:repo_hook",
        Op::ReposCreateWebhook
        | Op::ReposUpdateWebhook
        | Op::ReposDeleteWebhook
        | Op::ReposUpdateWebhookConfigForRepo
        | Op::ReposRedeliverWebhookDelivery
        | Op::ReposPingWebhook
        | Op::ReposTestPushWebhook => "admin:repo_hook, repo, write:repo_hook",
        Op::OrgsListWebhooks
        | Op::OrgsCreateWebhook
        | Op::OrgsGetWebhook
        | Op::OrgsUpdateWebhook
        | Op::OrgsDeleteWebhook
        | Op::OrgsGetWebhookConfigForOrg
        | Op::OrgsUpdateWebhookConfigForOrg
        | Op::OrgsListWebhookDeliveries
        | Op::OrgsGetWebhookDelivery
        | Op::OrgsRedeliverWebhookDelivery
        | Op::OrgsPingWebhook => "admin:org_hook",
        Op::ReposCreateCommitStatus
        | Op::ReposGetCombinedStatusForRef
        | Op::ReposListCommitStatusesForRef => "repo, repo:status",
        Op::AppsGetAuthenticated
        | Op::AppsListInstallations
        | Op::AppsGetInstallation
        | Op::AppsCreateInstallationAccessToken
        | Op::AppsGetRepoInstallation
        | Op::AppsGetOrgInstallation
        | Op::AppsGetUserInstallation
        | Op::AppsListReposAccessibleToInstallation => "",
        Op::ReposListInvitationsForAuthenticatedUser
        | Op::ReposAcceptInvitationForAuthenticatedUser
        | Op::ReposDeclineInvitationForAuthenticatedUser => "repo, repo:invite",
        Op::ReposListDeployKeys
        | Op::ReposCreateDeployKey
        | Op::ReposGetDeployKey
        | Op::ReposDeleteDeployKey => "admin:public_key, repo",
        Op::TeamsList
        | Op::TeamsGetByName
        | Op::TeamsListMembersInOrg
        | Op::TeamsGetMembershipForUserInOrg
        | Op::TeamsListReposInOrg
        | Op::TeamsCheckPermissionsForRepoInOrg => "admin:org, read:org, repo, user, write:org",
        Op::TeamsCreate
        | Op::TeamsUpdateInOrg
        | Op::TeamsDeleteInOrg
        | Op::TeamsAddOrUpdateMembershipForUserInOrg
        | Op::TeamsRemoveMembershipForUserInOrg
        | Op::TeamsAddOrUpdateRepoPermissionsInOrg
        | Op::TeamsRemoveRepoInOrg => "admin:org, repo",
        // Reading stars and watchers needs no scope; changing them needs a repository scope.
        Op::ActivityListStargazersForRepo
        | Op::ActivityGetStargazerCountForRepo
        | Op::ActivityListReposStarredByAuthenticatedUser
        | Op::ActivityListReposStarredByUser
        | Op::ActivityCheckRepoIsStarredByAuthenticatedUser
        | Op::ActivityListWatchersForRepo
        | Op::ActivityGetRepoSubscription
        | Op::ActivityListWatchedReposForAuthenticatedUser
        | Op::ActivityListReposWatchedByUser => "",
        Op::ActivityStarRepoForAuthenticatedUser
        | Op::ActivityUnstarRepoForAuthenticatedUser
        | Op::ActivitySetRepoSubscription
        | Op::ActivityDeleteRepoSubscription => "public_repo, repo",
        _ => "repo",
    }
}

/// The URLs a results-service caller reached the hub by (its signed blob URLs use them).
fn results_urls(parts: &http::request::Parts, context: Option<&RequestContext>) -> Urls {
    let authority = match context {
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
    let scheme = context.map_or("http", |c| c.scheme.as_str());
    Urls::new(scheme, &authority, false)
}

async fn handle(State(hub): State<Arc<Hub>>, request: Request) -> Response {
    let context = request.extensions().get::<RequestContext>().cloned();
    let request_id = context
        .as_ref()
        .map_or_else(String::new, |c| github_request_id(&c.id));
    let now = hub.kit.clock().now_millis();
    let (parts, body) = request.into_parts();
    if let Some((owner, name, service)) = crate::githttp::parse(parts.uri.path()) {
        return crate::githttp::serve(hub.clone(), parts, body, owner, name, service).await;
    }
    if parts.uri.path().starts_with("/_releases/assets/") && parts.method == Method::GET {
        let ctx = Ctx {
            hub: &hub,
            caller: None,
            now,
        };
        return releases::serve_link(
            &ctx,
            parts.uri.path(),
            parts.uri.query().unwrap_or_default(),
        );
    }
    if crate::actions::runner::owns(parts.uri.path()) {
        return crate::actions::runner::serve(hub.clone(), parts, body, context, now).await;
    }
    if parts.uri.path().starts_with("/_codeload/") && parts.method == Method::GET {
        let query = parts.uri.query().unwrap_or_default();
        return crate::services::archives::serve_codeload(&hub, parts.uri.path(), query, now);
    }
    if let Some(rest) = parts
        .uri
        .path()
        .strip_prefix("/twirp/")
        .filter(|_| parts.method == Method::POST)
    {
        let (service, method) = rest.rsplit_once('/').unwrap_or((rest, ""));
        let body = match simkit::body::collect(body, 1024 * 1024).await {
            Ok(bytes) => bytes,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let urls = results_urls(&parts, context.as_ref());
        let authorization = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok());
        return match service {
            crate::actions::artifacts::SERVICE => crate::actions::artifacts::serve_twirp(
                &hub,
                method,
                authorization,
                &body,
                &urls,
                now,
            ),
            crate::actions::caches::SERVICE => {
                crate::actions::caches::serve_twirp(&hub, method, authorization, &body, &urls, now)
            }
            _ => crate::actions::artifacts::bad_route(rest),
        };
    }
    if parts.uri.path().starts_with("/_results/caches/") {
        let body = match simkit::body::collect(body, 256 * 1024 * 1024).await {
            Ok(bytes) => bytes,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        return crate::actions::caches::serve_blob(
            &hub,
            &parts.method,
            parts.uri.path(),
            parts.uri.query().unwrap_or_default(),
            &body,
            now,
        );
    }
    if parts.uri.path().starts_with("/_results/blobs/") {
        // Blocks are at most what the toolkit stages (8 MiB); a single Put Blob as large.
        let body = match simkit::body::collect(body, 256 * 1024 * 1024).await {
            Ok(bytes) => bytes,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        return crate::actions::artifacts::serve_blob(
            &hub,
            &parts.method,
            parts.uri.path(),
            parts.uri.query().unwrap_or_default(),
            &body,
            now,
        );
    }
    if parts.uri.path().starts_with("/_actions/") {
        return crate::actions::serve(&hub, &parts, body, now).await;
    }
    if crate::oauth::owns(parts.uri.path()) && parts.method == Method::POST {
        let web = match context.as_ref() {
            Some(RequestContext {
                host: Some(host),
                port,
                scheme,
                ..
            }) => match port {
                Some(port) => format!("{}://{host}:{port}", scheme.as_str()),
                None => format!("{}://{host}", scheme.as_str()),
            },
            _ => "http://localhost".to_string(),
        };
        return crate::oauth::serve(hub.clone(), parts, body, web).await;
    }
    if matches!(parts.uri.path(), "/graphql" | "/api/graphql") && parts.method == Method::POST {
        return crate::graphql::serve(hub.clone(), parts, body, context, request_id).await;
    }

    // Who is calling. A bad token is 401 before anything else, as on GitHub.
    let caller = match parts
        .headers
        .get(http::header::AUTHORIZATION)
        .map(|value| value.to_str().map_err(|_| GitHubError::BadCredentials))
    {
        None => Ok(None),
        Some(header) => header
            .and_then(auth::presented_token)
            .and_then(|token| auth::authenticate(&hub.state, &token, now))
            .map(Some),
    };
    let mut headers = base_headers(&request_id);
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => return error_response(&error, DOCS, headers),
    };
    if let Some(scopes) = caller.as_ref().and_then(Principal::scopes_header)
        && let Ok(value) = HeaderValue::from_str(&scopes)
    {
        headers.insert("x-oauth-scopes", value);
    }

    // Enterprise serves the API under /api/v3 and asset uploads under /api/uploads.
    let (path, enterprise) = match parts
        .uri
        .path()
        .strip_prefix("/api/v3")
        .or_else(|| parts.uri.path().strip_prefix("/api/uploads"))
    {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => (rest.to_string(), true),
        _ => (parts.uri.path().to_string(), false),
    };
    let matched = spec::route(parts.method.as_str(), &path);

    // The budget: `/rate_limit` itself is free, as on GitHub.
    let caller_key = match &caller {
        Some(principal) => format!("user:{}", principal.account.id),
        None => format!(
            "ip:{}",
            context
                .as_ref()
                .and_then(|c| c.peer)
                .map_or_else(|| "unknown".into(), |peer| peer.ip().to_string())
        ),
    };
    let anonymous = caller.is_none();
    let seconds = now.div_euclid(1000);
    let free = matches!(matched.as_ref().map(|m| m.op), Some(Op::RateLimitGet));
    let quota = if free {
        Ok(hub.limits.peek(&caller_key, anonymous, seconds))
    } else {
        hub.limits.take(&caller_key, anonymous, seconds)
    };
    let quota = match quota {
        Ok(quota) => quota,
        Err(spent) => {
            rate_headers(&mut headers, &spent);
            let who = match &caller {
                Some(principal) => format!("user ID {}", principal.account.id),
                None => format!(
                    "{}. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
                    caller_key.trim_start_matches("ip:")
                ),
            };
            let message = match &caller {
                Some(_) => format!("API rate limit exceeded for {who}."),
                None => format!("API rate limit exceeded for {who}"),
            };
            return error_response(&GitHubError::RateLimited(message), DOCS, headers);
        }
    };
    rate_headers(&mut headers, &quota);

    let authority = match context.as_ref() {
        Some(RequestContext {
            host: Some(host),
            port,
            ..
        }) => match port {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        },
        _ => parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string(),
    };
    let scheme = context.as_ref().map_or("http", |c| c.scheme.as_str());
    let urls = Urls::new(scheme, &authority, enterprise);
    let url = format!(
        "{}{}",
        if enterprise {
            urls.api.clone()
        } else {
            format!("{scheme}://{authority}")
        },
        path
    );

    let Some(matched) = matched else {
        if parts.method == Method::GET
            && let Some(download) = releases::parse_download(&path)
        {
            let ctx = Ctx {
                hub: &hub,
                caller,
                now,
            };
            return match releases::web_download(&ctx, &urls, download) {
                Ok(location) => finish(
                    &hub,
                    Reply::found(location),
                    &parts.method,
                    &parts.headers,
                    headers,
                    &caller_key,
                ),
                Err(error) => error_response(&error, DOCS, headers),
            };
        }
        return error_response(&GitHubError::NotFound, DOCS, headers);
    };
    if let Ok(value) = HeaderValue::from_str(accepted_scopes(matched.op)) {
        headers.insert("x-accepted-oauth-scopes", value);
    }
    // Apps' JWTs and installation tokens: what the operation needs of them.
    if let Err((error, accepted)) = crate::apps::permissions::check(
        caller.as_ref(),
        matched.op,
        matched.operation_id,
        parts.method.as_str(),
    ) {
        if let Some(value) = accepted.and_then(|a| HeaderValue::from_str(&a).ok()) {
            headers.insert("x-accepted-github-permissions", value);
        }
        return error_response(&error, matched.documentation_url, headers);
    }

    // The inspector shows GitHub's own operation ID (`repos/get`) rather than the route.
    if let Some(annotation) = simkit::inspector::Annotation::of(&parts.extensions) {
        annotation.operation("github", matched.operation_id);
    }
    // DELETE carries a body where the operation describes one (deleting a file names its blob).
    let has_body = matches!(parts.method, Method::POST | Method::PATCH | Method::PUT)
        || (parts.method == Method::DELETE && spec::request_schema(matched.operation_id).is_some());
    let upload = matched.op == Op::ReposUploadReleaseAsset;
    let mut raw = None;
    let body = if upload {
        match simkit::body::collect(body, hub.kit.body_limit()).await {
            Ok(bytes) => raw = Some(bytes),
            Err(_) => {
                return error_response(
                    &GitHubError::BadRequest("Body is too large".into()),
                    matched.documentation_url,
                    headers,
                );
            }
        }
        Value::Object(Default::default())
    } else if has_body {
        match read_json(body, hub.kit.body_limit(), matched.operation_id).await {
            Ok(body) => body,
            Err(error) => return error_response(&error, matched.documentation_url, headers),
        }
    } else {
        Value::Object(Default::default())
    };
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let call = Call {
        matched: &matched,
        query,
        body,
        raw,
        headers: &parts.headers,
        urls,
        url,
    };
    let ctx = Ctx {
        hub: &hub,
        caller,
        now,
    };
    let reply = match dispatch(&ctx, &call, &quota) {
        Ok(reply) => reply,
        Err(error) => {
            if error == GitHubError::Internal {
                tracing::error!(operation = matched.operation_id, "internal error");
            }
            return error_response(&error, matched.documentation_url, headers);
        }
    };
    finish(
        &hub,
        reply,
        &parts.method,
        &parts.headers,
        headers,
        &caller_key,
    )
}

/// GitHub's request IDs look like `C0DE:1F2A:3B4C5D:6E7F80:65A1B2C3`; ours are the kit's ID in
/// that upper-case, colon-separated form.
fn github_request_id(id: &str) -> String {
    let hex: String = id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_uppercase();
    if hex.len() < 28 {
        return hex;
    }
    format!(
        "{}:{}:{}:{}:{}",
        &hex[0..4],
        &hex[4..8],
        &hex[8..14],
        &hex[14..20],
        &hex[20..28]
    )
}

fn base_headers(request_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-github-request-id", value);
    }
    headers.insert(
        "x-github-media-type",
        HeaderValue::from_static("github.v3; format=json"),
    );
    headers.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset"),
    );
    headers
}

fn rate_headers(headers: &mut HeaderMap, quota: &Quota) {
    for (name, value) in [
        ("x-ratelimit-limit", quota.limit.to_string()),
        ("x-ratelimit-remaining", quota.remaining().to_string()),
        ("x-ratelimit-reset", quota.reset.to_string()),
        ("x-ratelimit-used", quota.used.to_string()),
        ("x-ratelimit-resource", "core".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

fn json_response(status: StatusCode, body: &Value, mut headers: HeaderMap) -> Response {
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (status, headers, bytes).into_response()
}

fn error_response(error: &GitHubError, documentation_url: &str, headers: HeaderMap) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &error.body(documentation_url), headers)
}

/// Reads a JSON body: an empty body is `{}`; text that is not JSON is GitHub's 400 `Problems
/// parsing JSON`; a value that breaks the operation's schema its 422.
async fn read_json(body: Body, limit: usize, operation_id: &str) -> Result<Value, GitHubError> {
    let bytes = simkit::body::collect(body, limit)
        .await
        .map_err(|error| match error {
            simkit::body::BodyError::TooLarge { .. } => {
                GitHubError::BadRequest("Body is too large".into())
            }
            simkit::body::BodyError::Read(_) => GitHubError::ProblemsParsingJson,
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let empty = Value::Object(Default::default());
        spec::validate_request(operation_id, &empty).map_err(GitHubError::InvalidRequest)?;
        return Ok(empty);
    }
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|_| GitHubError::ProblemsParsingJson)?;
    if !value.is_object() {
        return Err(GitHubError::BadRequest(
            "Body should be a JSON object".into(),
        ));
    }
    spec::validate_request(operation_id, &value).map_err(GitHubError::InvalidRequest)?;
    Ok(value)
}

/// Adds the reply's own headers, and turns a GET whose `ETag` the client already holds into a
/// 304 that does not count against its budget.
fn finish(
    hub: &Hub,
    reply: Reply,
    method: &Method,
    request_headers: &HeaderMap,
    mut headers: HeaderMap,
    caller_key: &str,
) -> Response {
    if let Some(link) = reply
        .link
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(http::header::LINK, link);
    }
    if let Some(location) = reply
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(http::header::LOCATION, location);
    }
    let Some(body) = reply.body else {
        return (reply.status, headers).into_response();
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    if *method == Method::GET && reply.status == StatusCode::OK {
        let etag = format!("W/\"{}\"", hex::encode(Sha256::digest(&bytes)));
        let matches = request_headers
            .get_all(http::header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|candidate| {
                let candidate = candidate.trim();
                candidate == "*"
                    || candidate.trim_start_matches("W/") == etag.trim_start_matches("W/")
            });
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(http::header::ETAG, value);
        }
        headers.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=60, s-maxage=60"),
        );
        headers.insert(
            http::header::VARY,
            HeaderValue::from_static("Accept, Authorization, Cookie, X-GitHub-OTP"),
        );
        if matches {
            hub.limits.refund(caller_key);
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
    }
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    (reply.status, headers, bytes).into_response()
}

fn repo_filters(call: &Call<'_>) -> repos::ListRepos {
    repos::ListRepos {
        kind: call.query("type"),
        visibility: call.query("visibility"),
        sort: call.query("sort"),
        direction: call.query("direction"),
    }
}

fn render_repo(ctx: &Ctx<'_>, urls: &Urls, repo: &crate::model::Repo, full: bool) -> Value {
    let owner = render::account_or_ghost(&ctx.hub.state, &repo.owner);
    let permissions = ctx.caller.as_ref().map(|_| ctx.permissions(repo));
    let mut body = render::repo(urls, repo, &owner, permissions, full);
    // A fork's full form names its parent and the root of its network.
    if full && let Some((parent, source)) = crate::services::forks::lineage(ctx, repo) {
        body["parent"] = render_repo(ctx, urls, &parent, false);
        body["source"] = render_repo(ctx, urls, &source, false);
    }
    body
}

/// Calls the operation's handler and renders what it returns.
fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>, quota: &Quota) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let repo_name = call.param("repo");
    Ok(match call.matched.op {
        Op::MetaRoot => Reply::ok(render::root(urls)),
        Op::RateLimitGet => {
            let rate = serde_json::json!({
                "limit": quota.limit, "used": quota.used,
                "remaining": quota.remaining(), "reset": quota.reset,
            });
            let mut core = rate.clone();
            core["resource"] = "core".into();
            // Only the core budget is counted; bleephub serves no search or GraphQL budget
            // of its own yet, so theirs show nothing used.
            let unused = |limit: u32, resource: &str| {
                serde_json::json!({
                    "limit": limit, "used": 0, "remaining": limit,
                    "reset": quota.reset, "resource": resource,
                })
            };
            Reply::ok(serde_json::json!({
                "resources": {
                    "core": core,
                    "search": unused(30, "search"),
                    "graphql": unused(5000, "graphql"),
                },
                "rate": rate,
            }))
        }
        Op::UsersGetAuthenticated => {
            let (account, counts) = users::get_authenticated(ctx)?;
            Reply::ok(render::user(urls, &account, counts, true))
        }
        Op::UsersUpdateAuthenticated => {
            let (account, counts) = users::update_authenticated(ctx, call.input()?)?;
            Reply::ok(render::user(urls, &account, counts, true))
        }
        Op::UsersGetByUsername => {
            let (account, counts) = users::get_by_username(ctx, call.param("username"))?;
            let own = ctx
                .caller
                .as_ref()
                .is_some_and(|c| c.account.id == account.id);
            Reply::ok(render::user(urls, &account, counts, own))
        }
        Op::OrgsGet => {
            let org = orgs::get(ctx, call.param("org"))?;
            let counts = users::counts(ctx, &org.login);
            Reply::ok(render::org_full(urls, &org, counts))
        }
        Op::OrgsListForAuthenticatedUser => call
            .page(orgs::list_for_authenticated_user(ctx)?, |org| {
                render::org_simple(urls, org)
            }),
        Op::OrgsListForUser => call
            .page(orgs::list_for_user(ctx, call.param("username"))?, |org| {
                render::org_simple(urls, org)
            }),
        Op::OrgsListMembers => {
            let role = call.query("role");
            call.page(
                orgs::list_members(ctx, call.param("org"), role.as_deref())?,
                |user| render::simple_user(urls, user),
            )
        }
        Op::OrgsCheckMembershipForUser => {
            orgs::check_membership(ctx, call.param("org"), call.param("username"))?;
            Reply::no_content()
        }
        Op::OrgsGetMembershipForUser => {
            let (membership, org, user) =
                orgs::get_membership(ctx, call.param("org"), call.param("username"))?;
            Reply::ok(render::membership(urls, &membership, &org, &user))
        }
        Op::OrgsSetMembershipForUser => {
            let (membership, org, user) = orgs::set_membership(
                ctx,
                call.param("org"),
                call.param("username"),
                call.input()?,
            )?;
            Reply::ok(render::membership(urls, &membership, &org, &user))
        }
        Op::OrgsUpdateMembershipForAuthenticatedUser => {
            let (membership, org, user) =
                orgs::update_own_membership(ctx, call.param("org"), call.input()?)?;
            Reply::ok(render::membership(urls, &membership, &org, &user))
        }
        Op::OrgsRemoveMembershipForUser => {
            orgs::remove_membership(ctx, call.param("org"), call.param("username"))?;
            Reply::no_content()
        }
        Op::ReposListForAuthenticatedUser => {
            let list = repos::list_for_authenticated_user(ctx, repo_filters(call))?;
            call.page(list, |repo| render_repo(ctx, urls, repo, false))
        }
        Op::ReposListForUser => {
            let list = repos::list_for_user(ctx, call.param("username"), repo_filters(call))?;
            call.page(list, |repo| render_repo(ctx, urls, repo, false))
        }
        Op::ReposListForOrg => {
            let list = repos::list_for_org(ctx, call.param("org"), repo_filters(call))?;
            call.page(list, |repo| render_repo(ctx, urls, repo, false))
        }
        Op::ReposCreateForAuthenticatedUser => {
            let repo = repos::create(ctx, None, call.input()?)?;
            Reply::created(render_repo(ctx, urls, &repo, true))
        }
        Op::ReposCreateInOrg => {
            let repo = repos::create(ctx, Some(call.param("org")), call.input()?)?;
            Reply::created(render_repo(ctx, urls, &repo, true))
        }
        Op::ReposGet => Reply::ok(render_repo(
            ctx,
            urls,
            &repos::get(ctx, owner, repo_name)?,
            true,
        )),
        Op::ReposUpdate => {
            let repo = repos::update(ctx, owner, repo_name, call.input()?)?;
            Reply::ok(render_repo(ctx, urls, &repo, true))
        }
        Op::ReposDelete => {
            repos::delete(ctx, owner, repo_name)?;
            Reply::no_content()
        }
        Op::IssuesListForRepo => {
            let filters = issues::ListIssues {
                state: call.query("state"),
                labels: call.query("labels"),
                sort: call.query("sort"),
                direction: call.query("direction"),
                creator: call.query("creator"),
                assignee: call.query("assignee"),
                since: call.since()?,
            };
            let (repo, list) = issues::list_for_repo(ctx, owner, repo_name, filters)?;
            call.page(list, |issue| render::issue(urls, state, &repo, issue))
        }
        Op::IssuesCreate => {
            let (repo, issue) = issues::create(ctx, owner, repo_name, call.input()?)?;
            collab::apply_issue_milestone(ctx, call, &repo, issue.number)?;
            Reply::created(render::issue(urls, state, &repo, &issue))
        }
        Op::IssuesGet => {
            let (repo, issue) = issues::get(ctx, owner, repo_name, call.param("issue_number"))?;
            Reply::ok(render::issue(urls, state, &repo, &issue))
        }
        Op::IssuesUpdate => {
            let (repo, issue) = issues::update(
                ctx,
                owner,
                repo_name,
                call.param("issue_number"),
                call.input()?,
            )?;
            collab::apply_issue_milestone(ctx, call, &repo, issue.number)?;
            Reply::ok(render::issue(urls, state, &repo, &issue))
        }
        Op::IssuesListComments => {
            let (repo, list) = issues::list_comments(
                ctx,
                owner,
                repo_name,
                call.param("issue_number"),
                call.since()?,
            )?;
            call.page(list, |comment| render::comment(urls, state, &repo, comment))
        }
        Op::IssuesCreateComment => {
            let (repo, comment) = issues::create_comment(
                ctx,
                owner,
                repo_name,
                call.param("issue_number"),
                call.input()?,
            )?;
            Reply::created(render::comment(urls, state, &repo, &comment))
        }
        Op::IssuesGetComment => {
            let (repo, comment) =
                issues::get_comment(ctx, owner, repo_name, call.param("comment_id"))?;
            Reply::ok(render::comment(urls, state, &repo, &comment))
        }
        Op::IssuesUpdateComment => {
            let (repo, comment) = issues::update_comment(
                ctx,
                owner,
                repo_name,
                call.param("comment_id"),
                call.input()?,
            )?;
            Reply::ok(render::comment(urls, state, &repo, &comment))
        }
        Op::IssuesDeleteComment => {
            issues::delete_comment(ctx, owner, repo_name, call.param("comment_id"))?;
            Reply::no_content()
        }
        Op::IssuesListLabelsForRepo => {
            let (repo, list) = labels::list(ctx, owner, repo_name)?;
            call.page(list, |label| render::label(urls, &repo, label))
        }
        Op::IssuesCreateLabel => {
            let (repo, label) = labels::create(ctx, owner, repo_name, call.input()?)?;
            Reply::created(render::label(urls, &repo, &label))
        }
        Op::IssuesGetLabel => {
            let (repo, label) = labels::get(ctx, owner, repo_name, call.param("name"))?;
            Reply::ok(render::label(urls, &repo, &label))
        }
        Op::IssuesUpdateLabel => {
            let (repo, label) =
                labels::update(ctx, owner, repo_name, call.param("name"), call.input()?)?;
            Reply::ok(render::label(urls, &repo, &label))
        }
        Op::IssuesDeleteLabel => {
            labels::delete(ctx, owner, repo_name, call.param("name"))?;
            Reply::no_content()
        }
        Op::ReposListBranches
        | Op::ReposGetBranch
        | Op::ReposGetBranchProtection
        | Op::ReposUpdateBranchProtection
        | Op::ReposDeleteBranchProtection
        | Op::ReposListCommits
        | Op::ReposGetCommit
        | Op::ReposCompareCommits
        | Op::ReposListTags
        | Op::ReposGetContent
        | Op::ReposGetReadme
        | Op::ReposCreateOrUpdateFileContents
        | Op::ReposDeleteFile
        | Op::GitListRefs
        | Op::GitListMatchingRefs
        | Op::GitGetRef
        | Op::GitCreateRef
        | Op::GitUpdateRef
        | Op::GitDeleteRef
        | Op::GitGetBlob
        | Op::GitCreateBlob
        | Op::GitGetTree
        | Op::GitCreateTree
        | Op::GitGetCommit
        | Op::GitCreateCommit
        | Op::GitGetTag
        | Op::GitCreateTag => repo_git::dispatch(ctx, call)?,
        Op::PullsList
        | Op::PullsCreate
        | Op::PullsGet
        | Op::PullsUpdate
        | Op::PullsListCommits
        | Op::PullsListFiles
        | Op::PullsCheckIfMerged
        | Op::PullsMerge
        | Op::PullsListReviews
        | Op::PullsCreateReview
        | Op::PullsGetReview
        | Op::PullsSubmitReview
        | Op::PullsListRequestedReviewers
        | Op::PullsRequestReviewers
        | Op::PullsRemoveRequestedReviewers
        | Op::PullsListReviewComments
        | Op::PullsListReviewCommentsForRepo
        | Op::PullsListCommentsForReview
        | Op::PullsCreateReviewComment
        | Op::PullsCreateReplyForReviewComment
        | Op::PullsGetReviewComment
        | Op::PullsUpdateReviewComment
        | Op::PullsDeleteReviewComment => pulls::dispatch(ctx, call)?,
        Op::ActionsListRepoWorkflows
        | Op::ActionsGetWorkflow
        | Op::ActionsDisableWorkflow
        | Op::ActionsEnableWorkflow
        | Op::ActionsCreateWorkflowDispatch
        | Op::ActionsListWorkflowRuns
        | Op::ActionsListWorkflowRunsForRepo
        | Op::ActionsGetWorkflowRun
        | Op::ActionsGetWorkflowRunAttempt
        | Op::ActionsDeleteWorkflowRun
        | Op::ActionsCancelWorkflowRun
        | Op::ActionsReRunWorkflow
        | Op::ActionsReRunWorkflowFailedJobs
        | Op::ActionsListJobsForWorkflowRun
        | Op::ActionsListJobsForWorkflowRunAttempt
        | Op::ActionsGetJobForWorkflowRun
        | Op::ActionsDownloadJobLogsForWorkflowRun
        | Op::ActionsDownloadWorkflowRunLogs
        | Op::ActionsListWorkflowRunArtifacts
        | Op::ActionsListArtifactsForRepo
        | Op::ActionsGetArtifact
        | Op::ActionsDeleteArtifact
        | Op::ActionsDownloadArtifact
        | Op::ChecksListAnnotations
        | Op::ActionsCreateRegistrationTokenForRepo
        | Op::ReposCreateDispatchEvent => crate::actions::rest::dispatch(ctx, call)?,
        Op::ActionsGetRepoPublicKey
        | Op::ActionsListRepoSecrets
        | Op::ActionsGetRepoSecret
        | Op::ActionsCreateOrUpdateRepoSecret
        | Op::ActionsDeleteRepoSecret
        | Op::ActionsListRepoVariables
        | Op::ActionsCreateRepoVariable
        | Op::ActionsGetRepoVariable
        | Op::ActionsUpdateRepoVariable
        | Op::ActionsDeleteRepoVariable
        | Op::ActionsGetOrgPublicKey
        | Op::ActionsListOrgSecrets
        | Op::ActionsGetOrgSecret
        | Op::ActionsCreateOrUpdateOrgSecret
        | Op::ActionsDeleteOrgSecret
        | Op::ActionsListOrgVariables
        | Op::ActionsCreateOrgVariable
        | Op::ActionsGetOrgVariable
        | Op::ActionsUpdateOrgVariable
        | Op::ActionsDeleteOrgVariable => crate::actions::settings::dispatch(ctx, call)?,
        Op::ReposDownloadTarballArchive | Op::ReposDownloadZipballArchive => {
            crate::services::archives::dispatch(ctx, call)?
        }
        Op::ReposListWebhooks
        | Op::ReposCreateWebhook
        | Op::ReposGetWebhook
        | Op::ReposUpdateWebhook
        | Op::ReposDeleteWebhook
        | Op::ReposGetWebhookConfigForRepo
        | Op::ReposUpdateWebhookConfigForRepo
        | Op::ReposListWebhookDeliveries
        | Op::ReposGetWebhookDelivery
        | Op::ReposRedeliverWebhookDelivery
        | Op::ReposPingWebhook
        | Op::ReposTestPushWebhook
        | Op::OrgsListWebhooks
        | Op::OrgsCreateWebhook
        | Op::OrgsGetWebhook
        | Op::OrgsUpdateWebhook
        | Op::OrgsDeleteWebhook
        | Op::OrgsGetWebhookConfigForOrg
        | Op::OrgsUpdateWebhookConfigForOrg
        | Op::OrgsListWebhookDeliveries
        | Op::OrgsGetWebhookDelivery
        | Op::OrgsRedeliverWebhookDelivery
        | Op::OrgsPingWebhook => hooks::dispatch(ctx, call)?,
        Op::ReposListReleases
        | Op::ReposCreateRelease
        | Op::ReposGetRelease
        | Op::ReposUpdateRelease
        | Op::ReposDeleteRelease
        | Op::ReposGetLatestRelease
        | Op::ReposGetReleaseByTag
        | Op::ReposListReleaseAssets
        | Op::ReposUploadReleaseAsset
        | Op::ReposGetReleaseAsset
        | Op::ReposUpdateReleaseAsset
        | Op::ReposDeleteReleaseAsset => releases::dispatch(ctx, call)?,
        Op::ReposCreateCommitStatus
        | Op::ReposGetCombinedStatusForRef
        | Op::ReposListCommitStatusesForRef
        | Op::ChecksCreate
        | Op::ChecksGet
        | Op::ChecksUpdate
        | Op::ChecksListForRef
        | Op::ChecksCreateSuite
        | Op::ChecksGetSuite
        | Op::ChecksListSuitesForRef
        | Op::ChecksListForSuite => checks::dispatch(ctx, call)?,
        Op::AppsGetAuthenticated
        | Op::AppsListInstallations
        | Op::AppsGetInstallation
        | Op::AppsCreateInstallationAccessToken
        | Op::AppsGetRepoInstallation
        | Op::AppsGetOrgInstallation
        | Op::AppsGetUserInstallation
        | Op::AppsListReposAccessibleToInstallation => apps::dispatch(ctx, call)?,
        Op::ReposListCollaborators
        | Op::ReposCheckCollaborator
        | Op::ReposAddCollaborator
        | Op::ReposRemoveCollaborator
        | Op::ReposGetCollaboratorPermissionLevel
        | Op::ReposListInvitations
        | Op::ReposListInvitationsForAuthenticatedUser
        | Op::ReposAcceptInvitationForAuthenticatedUser
        | Op::ReposDeclineInvitationForAuthenticatedUser
        | Op::ReposGetAllTopics
        | Op::ReposReplaceAllTopics
        | Op::IssuesListAssignees
        | Op::IssuesCheckUserCanBeAssigned
        | Op::IssuesAddAssignees
        | Op::IssuesRemoveAssignees
        | Op::IssuesListMilestones
        | Op::IssuesCreateMilestone
        | Op::IssuesGetMilestone
        | Op::IssuesUpdateMilestone
        | Op::IssuesDeleteMilestone
        | Op::ReposListDeployKeys
        | Op::ReposCreateDeployKey
        | Op::ReposGetDeployKey
        | Op::ReposDeleteDeployKey
        | Op::TeamsList
        | Op::TeamsCreate
        | Op::TeamsGetByName
        | Op::TeamsUpdateInOrg
        | Op::TeamsDeleteInOrg
        | Op::TeamsListMembersInOrg
        | Op::TeamsGetMembershipForUserInOrg
        | Op::TeamsAddOrUpdateMembershipForUserInOrg
        | Op::TeamsRemoveMembershipForUserInOrg
        | Op::TeamsListReposInOrg
        | Op::TeamsCheckPermissionsForRepoInOrg
        | Op::TeamsAddOrUpdateRepoPermissionsInOrg
        | Op::TeamsRemoveRepoInOrg => collab::dispatch(ctx, call)?,
        Op::ActivityListStargazersForRepo
        | Op::ActivityGetStargazerCountForRepo
        | Op::ActivityListReposStarredByAuthenticatedUser
        | Op::ActivityListReposStarredByUser
        | Op::ActivityCheckRepoIsStarredByAuthenticatedUser
        | Op::ActivityStarRepoForAuthenticatedUser
        | Op::ActivityUnstarRepoForAuthenticatedUser
        | Op::ActivityListWatchersForRepo
        | Op::ActivityGetRepoSubscription
        | Op::ActivitySetRepoSubscription
        | Op::ActivityDeleteRepoSubscription
        | Op::ActivityListWatchedReposForAuthenticatedUser
        | Op::ActivityListReposWatchedByUser => stars::dispatch(ctx, call)?,
        Op::ReposListForks | Op::ReposCreateFork => forks::dispatch(ctx, call)?,
        Op::SearchIssuesAndPullRequests | Op::SearchRepos | Op::SearchUsers => {
            search::dispatch(ctx, call)?
        }
    })
}

/// Renders the kit's own errors (oversize bodies, panics) as GitHub does.
pub struct KitErrors;

impl simkit::server::ErrorRenderer for KitErrors {
    fn render(&self, error: &simkit::server::KitError, request: &RequestContext) -> Response {
        let error = match error {
            simkit::server::KitError::PayloadTooLarge { .. } => {
                GitHubError::BadRequest("Body is too large".into())
            }
            simkit::server::KitError::Internal => GitHubError::Internal,
        };
        error_response(&error, DOCS, base_headers(&github_request_id(&request.id)))
    }
}
