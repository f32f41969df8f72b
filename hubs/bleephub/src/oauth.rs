//! The OAuth device flow (`POST /login/device/code`, `POST /login/oauth/access_token`), as
//! `gh auth login` drives it: a device code and a user code, the user approving the code in the
//! browser (here `POST /_sockerless/github/device/approve`), and the client polling until it
//! gets a `gho_…` token with the scopes it asked for. Answers are form-encoded unless the
//! client accepts JSON, and the polling errors are GitHub's: `authorization_pending`,
//! `slow_down` (polling faster than `interval`, which then grows by 5 seconds),
//! `expired_token` (after 15 minutes), `access_denied`, `incorrect_device_code`,
//! `incorrect_client_credentials`, `unsupported_grant_type`.
//!
//! OAuth apps: GitHub CLI's (client ID `178c6fc778ccc68e1d6a`, which GitHub Enterprise Server
//! also knows) is always there; others are registered with `POST /_sockerless/github/oauth-apps`.
//!
//! What this module must not do: keep a device code or a token (only their hashes), or issue a
//! token before the code was approved.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Hub;
use crate::auth;
use crate::error::GitHubError;
use crate::model::{Token, TokenKind};

/// GitHub CLI's OAuth app.
pub const GH_CLIENT_ID: &str = "178c6fc778ccc68e1d6a";
/// How long a device code lives (GitHub: 15 minutes).
pub const EXPIRES_IN: i64 = 900;
/// The minimum seconds between polls GitHub asks for.
pub const INTERVAL: i64 = 5;

const ERROR_URI: &str = "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow";

/// An OAuth app that may start the device flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthApp {
    pub client_id: String,
    pub name: String,
}

/// A device code being authorized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceGrant {
    pub client_id: String,
    pub user_code: String,
    pub scopes: Vec<String>,
    pub expires_at: i64,
    /// Seconds the client must wait between polls (grows on `slow_down`).
    pub interval: i64,
    pub last_poll: Option<i64>,
    /// The user who approved the code, or `None` while pending.
    pub approved_by: Option<String>,
    pub denied: bool,
}

/// The device flow's collections.
pub struct DeviceFlow {
    pub apps: Arc<simkit::store::Collection<OAuthApp>>,
    /// By SHA-256 of the device code.
    pub grants: Arc<simkit::store::Collection<DeviceGrant>>,
}

impl DeviceFlow {
    pub fn open(kit: &simkit::Kit) -> Result<Self, simkit::store::StoreError> {
        let store = kit.store();
        Ok(Self {
            apps: store.collection("github.oauth_apps")?,
            grants: store.collection("github.device_grants")?,
        })
    }

    fn app(&self, client_id: &str) -> Option<OAuthApp> {
        if client_id == GH_CLIENT_ID {
            return Some(OAuthApp {
                client_id: GH_CLIENT_ID.into(),
                name: "GitHub CLI".into(),
            });
        }
        self.apps.get(client_id)
    }
}

/// Whether `path` is one of the device flow's endpoints.
pub fn owns(path: &str) -> bool {
    matches!(path, "/login/device/code" | "/login/oauth/access_token")
}

/// The answer, form-encoded as GitHub sends it by default, or JSON for `Accept: application/json`.
fn answer(headers: &HeaderMap, status: StatusCode, fields: &[(&str, String)]) -> Response {
    let wants_json = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let mut body = Map::new();
        for (key, value) in fields {
            let value = match value.parse::<i64>() {
                Ok(n) if matches!(*key, "expires_in" | "interval") => Value::from(n),
                _ => Value::from(value.clone()),
            };
            body.insert((*key).into(), value);
        }
        return (
            status,
            [(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )],
            Value::Object(body).to_string(),
        )
            .into_response();
    }
    let text = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    (
        status,
        [(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

fn error(headers: &HeaderMap, code: &str, description: &str, extra: &[(&str, String)]) -> Response {
    let mut fields = vec![
        ("error", code.to_string()),
        ("error_description", description.to_string()),
        ("error_uri", ERROR_URI.to_string()),
    ];
    fields.extend_from_slice(extra);
    answer(headers, StatusCode::OK, &fields)
}

/// `POST /login/device/code` and `POST /login/oauth/access_token`; `web` is the site's origin
/// (for `verification_uri`).
pub async fn serve(
    hub: Arc<Hub>,
    parts: http::request::Parts,
    body: Body,
    web: String,
) -> Response {
    let headers = &parts.headers;
    let bytes = match simkit::body::collect(body, hub.kit.body_limit()).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error(
                headers,
                "invalid_request",
                "The request body is too large.",
                &[],
            );
        }
    };
    // Form bodies, or the same members as a query string or JSON (GitHub takes all three).
    let mut fields: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    match serde_json::from_slice::<Map<String, Value>>(&bytes) {
        Ok(map) => fields.extend(
            map.into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))),
        ),
        Err(_) => fields.extend(form_urlencoded::parse(&bytes).into_owned()),
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let now = hub.kit.clock().now_millis().div_euclid(1000);
    let flow = &hub.device_flow;
    let client_id = field("client_id");
    if flow.app(&client_id).is_none() {
        return error(
            headers,
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
            &[],
        );
    }
    if parts.uri.path() == "/login/device/code" {
        return request_code(&hub, headers, &client_id, &field("scope"), now, &web);
    }
    if field("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" {
        return error(
            headers,
            "unsupported_grant_type",
            "The grant type is not supported.",
            &[],
        );
    }
    poll(&hub, headers, &client_id, &field("device_code"), now)
}

fn request_code(
    hub: &Hub,
    headers: &HeaderMap,
    client_id: &str,
    scope: &str,
    now: i64,
    web: &str,
) -> Response {
    const WORD: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ0123456789";
    const HEX: &[u8] = b"0123456789abcdef";
    let ids = hub.kit.ids();
    let device_code = ids.random_word(HEX, 40);
    let user_code = format!("{}-{}", ids.random_word(WORD, 4), ids.random_word(WORD, 4));
    let scopes: Vec<String> = scope
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let grant = DeviceGrant {
        client_id: client_id.to_string(),
        user_code: user_code.clone(),
        scopes,
        expires_at: now + EXPIRES_IN,
        interval: INTERVAL,
        last_poll: None,
        approved_by: None,
        denied: false,
    };
    if let Err(error) = hub
        .device_flow
        .grants
        .insert(&auth::token_hash(&device_code), grant)
    {
        tracing::error!(%error, "storing a device code");
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    }
    answer(
        headers,
        StatusCode::OK,
        &[
            ("device_code", device_code),
            ("expires_in", EXPIRES_IN.to_string()),
            ("interval", INTERVAL.to_string()),
            ("user_code", user_code),
            ("verification_uri", format!("{web}/login/device")),
        ],
    )
}

fn poll(hub: &Hub, headers: &HeaderMap, client_id: &str, device_code: &str, now: i64) -> Response {
    let key = auth::token_hash(device_code);
    let grants = &hub.device_flow.grants;
    let Some(mut grant) = grants.get(&key).filter(|g| g.client_id == client_id) else {
        return error(
            headers,
            "incorrect_device_code",
            "The device_code provided is not valid.",
            &[],
        );
    };
    if now >= grant.expires_at {
        return error(
            headers,
            "expired_token",
            "The `device_code` has expired.",
            &[],
        );
    }
    if grant.denied {
        return error(
            headers,
            "access_denied",
            "The authorization request was denied.",
            &[],
        );
    }
    let too_soon = grant
        .last_poll
        .is_some_and(|last| now - last < grant.interval);
    grant.last_poll = Some(now);
    if too_soon {
        grant.interval += 5;
        let interval = grant.interval;
        if grants.insert(&key, grant).is_err() {
            return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
        }
        return error(
            headers,
            "slow_down",
            &format!(
                "Too many requests have been made in the same timeframe. Please wait {interval} seconds."
            ),
            &[("interval", interval.to_string())],
        );
    }
    let Some(login) = grant.approved_by.clone() else {
        let _ = grants.insert(&key, grant);
        return error(
            headers,
            "authorization_pending",
            "The authorization request is still pending.",
            &[],
        );
    };
    // Approved: the token, once; the device code is spent.
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let token = format!("gho_{}", hub.kit.ids().random_word(ALPHANUMERIC, 36));
    let record = Token {
        login,
        kind: TokenKind::Classic,
        scopes: grant.scopes.clone(),
        created_at: now.saturating_mul(1000),
    };
    let stored = hub.state.store.transaction(|txn| {
        txn.remove(grants, &key)?;
        txn.insert(&hub.state.tokens, &auth::token_hash(&token), record.clone())?;
        Ok::<_, GitHubError>(())
    });
    if stored.is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    }
    answer(
        headers,
        StatusCode::OK,
        &[
            ("access_token", token),
            ("token_type", "bearer".into()),
            ("scope", grant.scopes.join(",")),
        ],
    )
}

/// The user `login` approves (or denies) the device code whose user code is `user_code`.
pub fn approve(hub: &Hub, user_code: &str, login: &str, deny: bool) -> Result<(), GitHubError> {
    let account = hub
        .state
        .account(login)
        .filter(|a| a.kind == crate::model::AccountKind::User)
        .ok_or(GitHubError::NotFound)?;
    let now = hub.kit.clock().now_millis().div_euclid(1000);
    let (key, mut grant) = hub
        .device_flow
        .grants
        .all()
        .into_iter()
        .find(|(_, g)| g.user_code.eq_ignore_ascii_case(user_code) && g.expires_at > now)
        .ok_or(GitHubError::NotFound)?;
    if deny {
        grant.denied = true;
    } else {
        grant.approved_by = Some(account.login);
    }
    hub.device_flow.grants.insert(&key, grant)?;
    Ok(())
}

/// Registers an OAuth app named `name`; its client ID.
pub fn register_app(hub: &Hub, name: &str) -> Result<OAuthApp, GitHubError> {
    const HEX: &[u8] = b"0123456789abcdef";
    let app = OAuthApp {
        client_id: format!("Ov23li{}", hub.kit.ids().random_word(HEX, 14)),
        name: name.to_string(),
    };
    hub.device_flow.apps.insert(&app.client_id, app.clone())?;
    Ok(app)
}
