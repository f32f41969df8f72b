//! Users (`/user`, `/users`) and personal access tokens (`/users/:id/personal_access_tokens`,
//! `/personal_access_tokens`). Creating users and tokens for others is for administrators, as
//! in GitLab; a token's secret is shown once, when it is created.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{AccessToken, User, key};
use crate::paging::{Page, RequestUrl, paginate};
use crate::params::Params;
use crate::state::{Gitlab, digest};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route("/api/v4/user", get(current_user))
        .route("/api/v4/users", get(list_users).post(create_user))
        .route("/api/v4/users/{id}", get(get_user).delete(delete_user))
        .route(
            "/api/v4/users/{id}/personal_access_tokens",
            post(create_token),
        )
        .route("/api/v4/personal_access_tokens", get(list_tokens))
        .route(
            "/api/v4/personal_access_tokens/{id}",
            get(get_token).delete(revoke_token),
        )
}

/// Scopes a personal access token may carry.
const SCOPES: &[&str] = &[
    "api",
    "read_api",
    "read_user",
    "create_runner",
    "manage_runner",
    "k8s_proxy",
    "read_repository",
    "write_repository",
    "read_registry",
    "write_registry",
    "read_virtual_registry",
    "write_virtual_registry",
    "sudo",
    "admin_mode",
    "ai_features",
    "read_service_ping",
    "self_rotate",
];

/// Grape reports every missing required parameter at once.
pub fn require_all(params: &Params, names: &[&str]) -> Result<()> {
    let missing: Vec<String> = names
        .iter()
        .filter(|name| !params.has(name))
        .map(|name| format!("{name} is missing"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(GitlabError::InvalidParameter(missing.join(", ")))
    }
}

async fn current_user(State(gitlab): State<Arc<Gitlab>>, caller: Caller) -> Result<Json<Value>> {
    let user = caller.require_user()?;
    Ok(Json(gitlab.user_full(user, true)))
}

async fn list_users(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    let admin = caller.user().is_some_and(|user| user.is_admin);
    let search = params.str("search")?.map(|s| s.to_lowercase());
    let username = params.str("username")?.map(|s| s.to_lowercase());
    let active = params.bool("active")?;
    let blocked = params.bool("blocked")?;
    let users: Vec<Value> = gitlab
        .db
        .users
        .all()
        .into_iter()
        .map(|(_, user)| user)
        .filter(|user| {
            username
                .as_ref()
                .is_none_or(|name| user.username.to_lowercase() == *name)
        })
        .filter(|user| {
            search.as_ref().is_none_or(|term| {
                user.username.to_lowercase().contains(term)
                    || user.name.to_lowercase().contains(term)
                    || (admin && user.email.to_lowercase() == *term)
            })
        })
        .filter(|user| active != Some(true) || user.state == "active")
        .filter(|user| blocked != Some(true) || user.state == "blocked")
        .map(|user| {
            if admin {
                gitlab.user_full(&user, true)
            } else {
                gitlab.user_basic(&user)
            }
        })
        .collect();
    paginate(users, &params, &url)
}

async fn get_user(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let id: u64 = id.parse().map_err(|_| GitlabError::not_found("User"))?;
    let user = gitlab
        .user(id)
        .ok_or_else(|| GitlabError::not_found("User"))?;
    let admin = caller.user().is_some_and(|user| user.is_admin);
    Ok(Json(gitlab.user_full(&user, admin)))
}

async fn create_user(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    caller.require_admin()?;
    require_all(&params, &["email", "name", "username"])?;
    if !params.has("password")
        && params.bool("reset_password")? != Some(true)
        && params.bool("force_random_password")? != Some(true)
    {
        return Err(GitlabError::InvalidParameter(
            "password, reset_password, force_random_password are missing, at least one parameter must be provided".into(),
        ));
    }
    let username = params.required_str("username")?;
    let email = params.required_str("email")?;
    let name = params.required_str("name")?;
    let valid_username = !username.is_empty()
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !username.starts_with(['-', '.'])
        && !username.ends_with(['-', '.']);
    if !valid_username {
        return Err(GitlabError::Validation(vec![(
            "username".into(),
            "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'.".into(),
        )]));
    }
    let mut problems = Vec::new();
    if gitlab.user_by_name(&username).is_some()
        || gitlab
            .db
            .groups_by_path
            .contains(&username.to_ascii_lowercase())
    {
        problems.push(("username".to_string(), "has already been taken".to_string()));
    }
    if gitlab
        .db
        .users
        .all()
        .iter()
        .any(|(_, user)| user.email.eq_ignore_ascii_case(&email))
    {
        problems.push(("email".to_string(), "has already been taken".to_string()));
    }
    if !email.contains('@') {
        problems.push(("email".to_string(), "is invalid".to_string()));
    }
    if !problems.is_empty() {
        return Err(GitlabError::Validation(problems));
    }
    let id = gitlab.next_id("users")?;
    let namespace_id = gitlab.next_id("namespaces")?;
    let user = User {
        id,
        username: username.clone(),
        name,
        email,
        is_admin: params.bool("admin")?.unwrap_or(false),
        bot: false,
        state: "active".into(),
        created_at: gitlab.now(),
        namespace_id,
    };
    let lowered = username.to_ascii_lowercase();
    gitlab.kit.store().transaction(|txn| {
        // Checked again inside the transaction: two concurrent creations cannot both win.
        if txn.contains(&gitlab.db.users_by_name, &lowered)? {
            return Err(GitlabError::taken("username"));
        }
        txn.insert(&gitlab.db.users, &key(id), user.clone())?;
        txn.insert(&gitlab.db.users_by_name, &lowered, id)?;
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(gitlab.user_full(&user, true))))
}

async fn delete_user(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let admin = caller.require_admin()?;
    let id: u64 = id.parse().map_err(|_| GitlabError::not_found("User"))?;
    let user = gitlab
        .user(id)
        .ok_or_else(|| GitlabError::not_found("User"))?;
    if user.id == admin.id {
        return Err(GitlabError::Forbidden);
    }
    let owns_projects = gitlab
        .db
        .projects
        .all()
        .iter()
        .any(|(_, project)| project.owner == crate::model::Owner::User(user.id));
    if owns_projects {
        // GitLab deletes a user's personal projects with them; we ask for them to go first
        // rather than delete repositories behind the caller's back.
        return Err(GitlabError::Conflict(
            "User has personal projects: delete them first".into(),
        ));
    }
    let tokens: Vec<String> = gitlab
        .db
        .tokens
        .all()
        .into_iter()
        .filter(|(_, token)| token.user_id == user.id)
        .map(|(key, _)| key)
        .collect();
    gitlab.kit.store().transaction(|txn| {
        txn.remove(&gitlab.db.users, &key(user.id))?;
        txn.remove(
            &gitlab.db.users_by_name,
            &user.username.to_ascii_lowercase(),
        )?;
        for token in &tokens {
            txn.remove(&gitlab.db.tokens, token)?;
        }
        Ok::<_, GitlabError>(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

fn token_json(token: &AccessToken, today: &str) -> Value {
    let expired = token
        .expires_at
        .as_deref()
        .is_some_and(|date| date <= today);
    json!({
        "id": token.id,
        "name": token.name,
        "revoked": token.revoked,
        "created_at": token.created_at,
        "description": null,
        "scopes": token.scopes,
        "user_id": token.user_id,
        "last_used_at": null,
        "active": !token.revoked && !expired,
        "expires_at": token.expires_at,
    })
}

fn valid_date(date: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(date, format).is_ok()
}

async fn create_token(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    Path(user_id): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    caller.require_admin()?;
    let user_id: u64 = user_id
        .parse()
        .map_err(|_| GitlabError::invalid("user_id"))?;
    let user = gitlab
        .user(user_id)
        .ok_or_else(|| GitlabError::not_found("User"))?;
    require_all(&params, &["name", "scopes"])?;
    let name = params.required_str("name")?;
    let scopes = params.list("scopes")?.unwrap_or_default();
    if scopes.is_empty() || scopes.iter().any(|scope| !SCOPES.contains(&scope.as_str())) {
        return Err(GitlabError::InvalidParameter(
            "scopes does not have a valid value".into(),
        ));
    }
    let expires_at = params.str("expires_at")?;
    if let Some(date) = &expires_at
        && !valid_date(date)
    {
        return Err(GitlabError::InvalidParameter(
            "expires_at is invalid".into(),
        ));
    }
    let secret = gitlab.new_token("glpat-");
    let id = gitlab.next_id("tokens")?;
    let record = AccessToken {
        id,
        user_id: user.id,
        name,
        scopes,
        expires_at,
        revoked: false,
        created_at: gitlab.now(),
        digest: digest(&secret),
    };
    gitlab.db.tokens.insert(&record.digest, record.clone())?;
    let mut body = token_json(&record, &gitlab.now()[..10]);
    body["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

/// Tokens the caller may see: their own, or anyone's for an administrator.
fn visible_tokens(gitlab: &Gitlab, caller: &User) -> Vec<AccessToken> {
    let mut tokens: Vec<AccessToken> = gitlab
        .db
        .tokens
        .all()
        .into_iter()
        .map(|(_, token)| token)
        .filter(|token| caller.is_admin || token.user_id == caller.id)
        .collect();
    tokens.sort_by_key(|token| token.id);
    tokens
}

async fn list_tokens(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    url: RequestUrl,
    params: Params,
) -> Result<Page> {
    let user = caller.require_personal()?;
    let only_user = params.int("user_id")?;
    let state = params.str("state")?;
    let today = gitlab.now()[..10].to_string();
    let tokens: Vec<Value> = visible_tokens(&gitlab, user)
        .iter()
        .filter(|token| only_user.is_none_or(|id| token.user_id as i64 == id))
        .map(|token| token_json(token, &today))
        .filter(|token| match state.as_deref() {
            Some("active") => token["active"] == json!(true),
            Some("inactive") => token["active"] == json!(false),
            _ => true,
        })
        .collect();
    paginate(tokens, &params, &url)
}

fn find_token(
    gitlab: &Gitlab,
    caller: &User,
    id: &str,
    presented: Option<String>,
) -> Result<AccessToken> {
    if id == "self" {
        let presented = presented.ok_or(GitlabError::Unauthorized)?;
        return gitlab
            .db
            .tokens
            .get(&digest(&presented))
            .ok_or(GitlabError::Unauthorized);
    }
    let id: u64 = id.parse().map_err(|_| GitlabError::invalid("id"))?;
    visible_tokens(gitlab, caller)
        .into_iter()
        .find(|token| token.id == id)
        .ok_or_else(|| GitlabError::not_found("Personal Access Token"))
}

fn presented_token(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get("private-token")
        .or_else(|| headers.get(http::header::AUTHORIZATION))
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim_start_matches("Bearer ").trim().to_string())
}

async fn get_token(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    headers: http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let user = caller.require_personal()?;
    let token = find_token(&gitlab, user, &id, presented_token(&headers))?;
    Ok(Json(token_json(&token, &gitlab.now()[..10])))
}

async fn revoke_token(
    State(gitlab): State<Arc<Gitlab>>,
    caller: Caller,
    headers: http::HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let user = caller.require_personal()?;
    let token = find_token(&gitlab, user, &id, presented_token(&headers))?;
    if token.revoked {
        return Err(GitlabError::BadRequest("Token already revoked".into()));
    }
    gitlab
        .db
        .tokens
        .update(&token.digest, |record| record.revoked = true)?;
    Ok(StatusCode::NO_CONTENT)
}
