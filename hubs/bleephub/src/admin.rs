//! `/_sockerless/github/…`: what tests and users need to set the fake up, which GitHub does in
//! its web UI. Guarded like the kit's admin API: when the kit has an admin token it is
//! required; the site administrator's GitHub token is accepted too.
//!
//! | route | does |
//! |---|---|
//! | `POST /_sockerless/github/users` `{"login","name"?,"email"?,"site_admin"?}` | creates a user |
//! | `POST /_sockerless/github/orgs` `{"login","name"?,"description"?,"admins"?:[..],"members"?:[..]}` | creates an organization with active members |
//! | `POST /_sockerless/github/tokens` `{"login","scopes"?:[..],"kind"?:"classic"\|"fine-grained"}` | issues a personal access token; the answer `{"token","login","scopes"}` is the only place it is ever shown |
//!
//! Errors are GitHub's shapes (422 with `errors[]`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::Hub;
use crate::auth::{self, TokenKind};
use crate::error::{DOCS, FieldError, GitHubError};
use crate::model::{AccountKind, Membership, Token, membership_key};

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/_sockerless/github/users", post(create_user))
        .route("/_sockerless/github/orgs", post(create_org))
        .route("/_sockerless/github/tokens", post(create_token))
        .with_state(hub)
}

fn reply(result: Result<serde_json::Value, GitHubError>) -> Response {
    match result {
        Ok(body) => (StatusCode::CREATED, axum::Json(body)).into_response(),
        Err(error) => (
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(error.body(DOCS)),
        )
            .into_response(),
    }
}

fn authorize(hub: &Hub, headers: &HeaderMap) -> Result<(), GitHubError> {
    if simkit::admin::has_admin_token(&hub.kit, headers) {
        return Ok(());
    }
    let site_admin = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| auth::presented_token(v).ok())
        .and_then(|token| auth::authenticate(&hub.state, &token).ok())
        .is_some_and(|principal| principal.account.site_admin);
    if site_admin || hub.kit.admin_token().is_none() {
        Ok(())
    } else {
        Err(GitHubError::RequiresAuthentication)
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, GitHubError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| GitHubError::ProblemsParsingJson)?;
    serde_json::from_value(value)
        .map_err(|error| GitHubError::InvalidRequest(format!("Invalid request.\n\n{error}")))
}

fn check_login(login: &str, resource: &str) -> Result<(), GitHubError> {
    if auth::valid_login(login) {
        Ok(())
    } else {
        Err(GitHubError::ValidationFailed(vec![FieldError::new(
            resource, "login", "invalid",
        )]))
    }
}

#[derive(Deserialize)]
struct NewUser {
    login: String,
    name: Option<String>,
    email: Option<String>,
    #[serde(default)]
    site_admin: bool,
}

async fn create_user(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let input: NewUser = parse(&body)?;
        check_login(&input.login, "User")?;
        let now = hub.kit.clock().now_millis();
        let account =
            auth::create_account(&hub.state, &input.login, AccountKind::User, now, |a| {
                a.name = input.name;
                a.email = input.email;
                a.site_admin = input.site_admin;
            })?;
        Ok(json!({"login": account.login, "id": account.id, "type": "User"}))
    })())
}

#[derive(Deserialize)]
struct NewOrg {
    login: String,
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    admins: Vec<String>,
    #[serde(default)]
    members: Vec<String>,
}

async fn create_org(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let input: NewOrg = parse(&body)?;
        check_login(&input.login, "Organization")?;
        let people: Vec<(String, &str)> = input
            .admins
            .iter()
            .map(|login| (login.clone(), "admin"))
            .chain(input.members.iter().map(|login| (login.clone(), "member")))
            .collect();
        for (login, _) in &people {
            match hub.state.account(login) {
                Some(account) if account.kind == AccountKind::User => {}
                _ => {
                    return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                        "Organization",
                        "members",
                        &format!("{login} is not a user"),
                    )]));
                }
            }
        }
        let now = hub.kit.clock().now_millis();
        let org = auth::create_account(
            &hub.state,
            &input.login,
            AccountKind::Organization,
            now,
            |a| {
                a.name = input.name;
                a.description = input.description;
            },
        )?;
        for (login, role) in people {
            let user = hub.state.account(&login).ok_or(GitHubError::NotFound)?;
            hub.state.memberships.insert(
                &membership_key(&org.login, &user.login),
                Membership {
                    org: org.login.clone(),
                    user: user.login,
                    role: role.into(),
                    state: "active".into(),
                },
            )?;
        }
        Ok(json!({"login": org.login, "id": org.id, "type": "Organization"}))
    })())
}

#[derive(Deserialize)]
struct NewToken {
    login: String,
    #[serde(default)]
    scopes: Vec<String>,
    kind: Option<String>,
}

async fn create_token(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let input: NewToken = parse(&body)?;
        let account = hub
            .state
            .account(&input.login)
            .filter(|a| a.kind == AccountKind::User)
            .ok_or(GitHubError::NotFound)?;
        let kind = match input.kind.as_deref() {
            None | Some("classic") => TokenKind::Classic,
            Some("fine-grained") => TokenKind::FineGrained,
            Some(_) => {
                return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                    "Token", "kind", "invalid",
                )]));
            }
        };
        if let Some(unknown) = input.scopes.iter().find(|s| !auth::is_known_scope(s)) {
            return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                "Token",
                "scopes",
                &format!("{unknown} is not a valid scope"),
            )]));
        }
        let token = auth::new_token(hub.kit.ids().as_ref(), kind);
        hub.state.tokens.insert(
            &auth::token_hash(&token),
            Token {
                login: account.login.clone(),
                kind,
                scopes: input.scopes.clone(),
                created_at: hub.kit.clock().now_millis(),
            },
        )?;
        Ok(json!({"token": token, "login": account.login, "scopes": input.scopes}))
    })())
}
