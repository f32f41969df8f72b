//! `/_sockerless/github/…`: what tests and users need to set the fake up, which GitHub does in
//! its web UI. Guarded like the kit's admin API: when the kit has an admin token it is
//! required; the site administrator's GitHub token is accepted too.
//!
//! | route | does |
//! |---|---|
//! | `POST /_sockerless/github/users` `{"login","name"?,"email"?,"site_admin"?}` | creates a user |
//! | `POST /_sockerless/github/orgs` `{"login","name"?,"description"?,"admins"?:[..],"members"?:[..]}` | creates an organization with active members |
//! | `POST /_sockerless/github/tokens` `{"login","scopes"?:[..],"kind"?:"classic"\|"fine-grained","permissions"?:{..},"repositories"?:["owner/name"]}` | issues a personal access token (a fine-grained one narrowed to permissions and repositories when given); the answer `{"token","login","scopes"}` is the only place it is ever shown |
//! | `POST /_sockerless/github/apps` `{"name","owner","description"?,"url"?,"permissions"?:{"checks":"write",..},"events"?:[..]}` | registers a GitHub App as its owner does in the web UI; the answer `{"id","slug","client_id","owner","pem"}` carries the app's private key (PKCS#1 PEM), shown this once as GitHub's key download |
//! | `POST /_sockerless/github/apps/{app_id}/installations` `{"account","repositories"?:[names]}` | installs the app on a user or organization (all its repositories, or the ones named), with the app's permissions; the answer `{"id","app_id","account","repository_selection"}` |
//! | `POST /_sockerless/github/oauth-apps` `{"name"}` | registers an OAuth app for the device flow; the answer `{"client_id","name"}` (GitHub CLI's is always there) |
//! | `POST /_sockerless/github/device/approve` `{"user_code","login","deny"?}` | the user approves (or denies) a device code, as on `/login/device` in the browser |
//!
//! Errors are GitHub's shapes (422 with `errors[]`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
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
        .route("/_sockerless/github/apps", post(create_app))
        .route(
            "/_sockerless/github/apps/{app_id}/installations",
            post(create_installation),
        )
        .route("/_sockerless/github/oauth-apps", post(create_oauth_app))
        .route("/_sockerless/github/device/approve", post(approve_device))
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
        .and_then(|token| auth::authenticate(&hub.state, &token, hub.kit.clock().now_millis()).ok())
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
    /// Fine-grained tokens: their permissions (`{"issues": "write", ...}`).
    permissions: Option<std::collections::BTreeMap<String, String>>,
    /// Fine-grained tokens: the repositories (`owner/name`) they are narrowed to.
    repositories: Option<Vec<String>>,
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
        let narrowed = input.permissions.is_some() || input.repositories.is_some();
        if narrowed && kind != TokenKind::FineGrained {
            return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
                "Token",
                "permissions",
                "only fine-grained tokens have permissions and repositories",
            )]));
        }
        let grant = if narrowed {
            let permissions = input.permissions.clone().unwrap_or_default();
            crate::apps::check_permissions("Token", &permissions)?;
            let repository_ids = match &input.repositories {
                None => None,
                Some(names) => {
                    let mut ids = Vec::new();
                    for full in names {
                        let repo = full
                            .split_once('/')
                            .and_then(|(owner, name)| hub.state.repo_by_name(owner, name))
                            .ok_or_else(|| {
                                GitHubError::ValidationFailed(vec![FieldError::custom(
                                    "Token",
                                    "repositories",
                                    &format!("{full} is not a repository"),
                                )])
                            })?;
                        ids.push(repo.id);
                    }
                    Some(ids)
                }
            };
            Some(crate::model::PatGrant {
                permissions,
                repository_ids,
            })
        } else {
            None
        };
        let token = auth::new_token(hub.kit.ids().as_ref(), kind);
        if let Some(grant) = grant {
            hub.state
                .pat_grants
                .insert(&auth::token_hash(&token), grant)?;
        }
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

async fn create_app(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let input: crate::apps::NewApp = parse(&body)?;
        let now = hub.kit.clock().now_millis();
        let registered = crate::apps::register(&hub.state, hub.kit.ids().as_ref(), now, input)?;
        let app = registered.app;
        Ok(json!({
            "id": app.id,
            "slug": app.slug,
            "name": app.name,
            "client_id": app.client_id,
            "owner": app.owner,
            "permissions": app.permissions,
            "pem": registered.private_key_pem,
        }))
    })())
}

async fn create_installation(
    State(hub): State<Arc<Hub>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let app_id: u64 = app_id.parse().map_err(|_| GitHubError::NotFound)?;
        let input: crate::apps::NewInstallation = parse(&body)?;
        let now = hub.kit.clock().now_millis();
        let installation = crate::apps::install(&hub.state, now, app_id, input)?;
        Ok(json!({
            "id": installation.id,
            "app_id": installation.app_id,
            "account": installation.account,
            "repository_selection": installation.repository_selection,
            "permissions": installation.permissions,
        }))
    })())
}

#[derive(Deserialize)]
struct NewOAuthApp {
    name: String,
}

async fn create_oauth_app(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let input: NewOAuthApp = parse(&body)?;
        let app = crate::oauth::register_app(&hub, &input.name)?;
        Ok(json!({"client_id": app.client_id, "name": app.name}))
    })())
}

#[derive(Deserialize)]
struct Approval {
    user_code: String,
    login: String,
    #[serde(default)]
    deny: bool,
}

async fn approve_device(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    reply((|| {
        authorize(&hub, &headers)?;
        let input: Approval = parse(&body)?;
        crate::oauth::approve(&hub, &input.user_code, &input.login, input.deny)?;
        Ok(json!({"user_code": input.user_code, "login": input.login, "approved": !input.deny}))
    })())
}
