//! Registration: the bootstrap (`POST /actions/runner-registration`), agent pools, agents
//! with their labels and RSA public keys, and the OAuth token exchange.
//!
//! A runner registers with a repository's registration token (made by
//! `POST /repos/{o}/{r}/actions/runners/registration-token`): the bootstrap checks it and
//! answers the service URL and a registration grant for that repository, with which the runner
//! lists pools and adds (or replaces) its agent. The agent answer carries the OAuth client the
//! runner will authenticate as, and the token URL its assertions are for.
//!
//! What this module must not do: keep a registration token itself (only its hash is stored,
//! by the REST side), or let a grant reach another repository's agents.

use base64::Engine as _;
use http::StatusCode;
use serde_json::{Value, json};

use super::model::{AgentRecord, Label, id_key};
use super::token::{self, Grant, PublicKey};
use super::{Answer, POOL_ID, Request, ServiceError, collection, time};
use crate::Hub;
use crate::model::next_id;
use crate::render::Urls;

/// The bootstrap's paths: `api.HOST/actions/runner-registration` (github.com style) and
/// `HOST/api/v3/actions/runner-registration` (Enterprise).
pub fn is_registration_path(path: &str) -> bool {
    matches!(
        path,
        "/actions/runner-registration" | "/api/v3/actions/runner-registration"
    )
}

/// How long the registration grant lasts.
const REGISTRATION_SECONDS: i64 = 3600;
/// How long an agent's access token lasts.
const ACCESS_SECONDS: i64 = 3600;

/// `POST /actions/runner-registration` with `Authorization: RemoteAuth TOKEN` and
/// `{"url": "https://github.com/OWNER/REPO", "runner_event": "register"}`.
pub fn runner_registration(
    hub: &Hub,
    authorization: &str,
    body: &[u8],
    urls: &Urls,
    now: i64,
) -> Result<Value, ServiceError> {
    let (scheme, presented) = authorization.trim().split_once(' ').unwrap_or(("", ""));
    if !scheme.eq_ignore_ascii_case("RemoteAuth") {
        return Err(ServiceError::GitHubNotFound);
    }
    let record = hub
        .actions
        .records
        .registration_tokens
        .get(&crate::auth::token_hash(presented.trim()))
        .filter(|t| t.expires_at > now)
        // GitHub answers an unknown or expired token with 404, which the runner reports as is.
        .ok_or(ServiceError::GitHubNotFound)?;
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let url = request
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let repo = hub
        .state
        .repos
        .get(&crate::model::id_key(record.repo_id))
        .ok_or(ServiceError::GitHubNotFound)?;
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p))
        .trim_matches('/');
    if !path.eq_ignore_ascii_case(&repo.full_name()) {
        return Err(ServiceError::GitHubNotFound);
    }
    let service = &hub.actions.runner;
    let token = service.issue(
        &hub.kit,
        &Grant::Registration { repo_id: repo.id },
        REGISTRATION_SECONDS,
    );
    Ok(json!({
        "url": format!("{}/_services/pipelines/{}", urls.html, service.tenant),
        "token": token,
        "token_schema": "OAuthAccessToken",
        "use_v2_flow": false,
    }))
}

/// The repository a grant may register runners in.
fn registration_repo(request: &Request<'_>, grant: &Grant) -> Result<u64, ServiceError> {
    match grant {
        Grant::Registration { repo_id } => Ok(*repo_id),
        Grant::Agent { agent_id } => request
            .records()
            .agent(*agent_id)
            .map(|a| a.repo_id)
            .ok_or(ServiceError::Unauthorized),
        Grant::Job { .. } => Err(ServiceError::Unauthorized),
    }
}

/// `GET _apis/distributedtask/pools`: the repository's `Default` group.
pub fn list_pools(request: &Request<'_>, grant: &Grant) -> Result<Answer, ServiceError> {
    let repo_id = registration_repo(request, grant)?;
    let size = request
        .records()
        .agents
        .all()
        .into_iter()
        .filter(|(_, a)| a.repo_id == repo_id)
        .count();
    let pool = json!({
        "id": POOL_ID,
        "name": "Default",
        "isHosted": false,
        "isInternal": true,
        "poolType": "automation",
        "size": size,
        "isLegacy": false,
        "createdOn": time(0),
        "autoProvision": false,
        "autoSize": null,
        "targetSize": null,
        "agentCloudId": null,
    });
    let wanted = request.query("poolName");
    let pools = match wanted {
        Some(name) if !name.eq_ignore_ascii_case("Default") => vec![],
        _ => vec![pool],
    };
    Ok(Answer::ok(collection(pools)))
}

/// An agent as the service answers it (`TaskAgent`).
pub fn render_agent(agent: &AgentRecord, token_url: Option<&str>) -> Value {
    let labels: Vec<Value> = agent
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| json!({"id": i + 1, "name": l.name, "type": l.kind}))
        .collect();
    let mut out = json!({
        "id": agent.id,
        "name": agent.name,
        "version": agent.version,
        "osDescription": agent.os_description,
        "enabled": true,
        "status": "offline",
        "provisioningState": "Provisioned",
        "ephemeral": agent.ephemeral,
        "disableUpdate": agent.disable_update,
        "maxParallelism": agent.max_parallelism,
        "createdOn": time(agent.created_at),
        "statusChangedOn": time(agent.status_changed_at),
        "labels": labels,
        "properties": {},
    });
    if let Some(url) = token_url {
        out["authorization"] = json!({
            "authorizationUrl": url,
            "clientId": agent.client_id,
            "publicKey": {"exponent": agent.exponent, "modulus": agent.modulus},
        });
    }
    out
}

/// The token URL of the service as the client reached it.
fn token_url(request: &Request<'_>) -> String {
    format!("{}/_apis/oauth2/token", request.base_url)
}

/// `GET _apis/distributedtask/pools/1/agents?agentName=NAME`.
pub fn list_agents(request: &Request<'_>, grant: &Grant) -> Result<Answer, ServiceError> {
    let repo_id = registration_repo(request, grant)?;
    let name = request.query("agentName");
    let agents: Vec<Value> = request
        .records()
        .agents
        .all()
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.repo_id == repo_id && name.is_none_or(|n| a.name.eq_ignore_ascii_case(n)))
        .map(|a| render_agent(&a, None))
        .collect();
    Ok(Answer::ok(collection(agents)))
}

/// `POST …/agents` (a new agent) or `PUT …/agents/{id}` (replace: same ID, new key and labels).
pub fn add_agent(
    request: &Request<'_>,
    grant: &Grant,
    replace: Option<u64>,
) -> Result<Answer, ServiceError> {
    let repo_id = registration_repo(request, grant)?;
    let body = request.json()?;
    let text = |v: &Value, name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let name = text(&body, "name");
    if name.is_empty() {
        return Err(ServiceError::BadRequest(
            "The agent name must be given.".into(),
        ));
    }
    let key = body
        .pointer("/authorization/publicKey")
        .cloned()
        .unwrap_or(Value::Null);
    let (exponent, modulus) = (text(&key, "exponent"), text(&key, "modulus"));
    if PublicKey::from_base64(&exponent, &modulus).is_none_or(|k| k.modulus.len() < 128) {
        return Err(ServiceError::BadRequest(
            "The agent's authorization must carry an RSA public key.".into(),
        ));
    }
    let labels: Vec<Label> = body
        .get("labels")
        .and_then(Value::as_array)
        .map(|labels| {
            labels
                .iter()
                .map(|l| Label {
                    name: text(l, "name"),
                    kind: match l.get("type") {
                        Some(Value::Number(n)) if n.as_i64() == Some(1) => "user".into(),
                        Some(Value::String(s)) => s.to_ascii_lowercase(),
                        _ => "system".into(),
                    },
                })
                .filter(|l| !l.name.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let hub = request.hub;
    let records = request.records();
    let agent = hub.state.store.transaction(|txn| {
        let same_name = txn
            .scan_prefix(&records.agents, "")?
            .into_iter()
            .map(|(_, a)| a)
            .find(|a| a.repo_id == repo_id && a.name.eq_ignore_ascii_case(&name));
        let (id, client_id, created_at) = match replace {
            None => {
                if same_name.is_some() {
                    return Err(ServiceError::exception(
                        StatusCode::CONFLICT,
                        "TaskAgentExistsException",
                        format!("Agent {name} already exists in pool Default."),
                    ));
                }
                (
                    next_id(txn, &hub.state.counters, "agent")?,
                    hub.kit.ids().uuid(),
                    request.now,
                )
            }
            Some(id) => {
                let existing = txn
                    .get(&records.agents, &id_key(id))?
                    .filter(|a| a.repo_id == repo_id)
                    .ok_or_else(|| {
                        ServiceError::exception(
                            StatusCode::NOT_FOUND,
                            "TaskAgentNotFoundException",
                            format!("Agent {id} could not be found in pool Default."),
                        )
                    })?;
                (id, existing.client_id, existing.created_at)
            }
        };
        let agent = AgentRecord {
            id,
            repo_id,
            name: name.clone(),
            version: text(&body, "version"),
            os_description: text(&body, "osDescription"),
            labels: labels.clone(),
            ephemeral: body
                .get("ephemeral")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            disable_update: body
                .get("disableUpdate")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            max_parallelism: body
                .get("maxParallelism")
                .and_then(Value::as_i64)
                .unwrap_or(1),
            client_id,
            exponent: exponent.clone(),
            modulus: modulus.clone(),
            created_at,
            status_changed_at: request.now,
        };
        txn.insert(&records.agents, &id_key(id), agent.clone())?;
        Ok::<_, ServiceError>(agent)
    })?;
    Ok(Answer::ok(render_agent(&agent, Some(&token_url(request)))))
}

/// `DELETE …/agents/{id}`: the agent and its session go.
pub fn delete_agent(request: &Request<'_>, grant: &Grant, id: u64) -> Result<Answer, ServiceError> {
    let repo_id = registration_repo(request, grant)?;
    let records = request.records();
    records
        .agent(id)
        .filter(|a| a.repo_id == repo_id)
        .ok_or_else(|| {
            ServiceError::exception(
                StatusCode::NOT_FOUND,
                "TaskAgentNotFoundException",
                format!("Agent {id} could not be found in pool Default."),
            )
        })?;
    records.agents.remove(&id_key(id))?;
    records.sessions.remove(&id_key(id))?;
    Ok(Answer::NoContent)
}

/// `POST …/_apis/oauth2/token` with a form: `grant_type=client_credentials`,
/// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
/// `client_assertion=JWT`.
pub fn oauth_token(request: &Request<'_>) -> Result<Answer, ServiceError> {
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let invalid = |error: &'static str, description: &str| ServiceError::OAuth {
        error,
        description: description.to_string(),
    };
    if field("grant_type") != "client_credentials" {
        return Err(invalid(
            "unsupported_grant_type",
            "The grant type must be client_credentials.",
        ));
    }
    if field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        return Err(invalid(
            "invalid_client",
            "The client assertion type is not supported.",
        ));
    }
    let assertion = field("client_assertion");
    // The client is named by the assertion's issuer, read before its signature is checked
    // against that client's key.
    let issuer = assertion
        .split('.')
        .nth(1)
        .and_then(|c| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
        })
        .and_then(|c| serde_json::from_slice::<Value>(&c).ok())
        .and_then(|c| c.get("iss").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let agent = request
        .records()
        .agents
        .all()
        .into_iter()
        .map(|(_, a)| a)
        .find(|a| a.client_id.eq_ignore_ascii_case(&issuer))
        .ok_or_else(|| invalid("invalid_client", "The client is not registered."))?;
    let key = PublicKey::from_base64(&agent.exponent, &agent.modulus)
        .ok_or_else(|| invalid("invalid_client", "The client is not registered."))?;
    token::verify_assertion(
        assertion,
        &agent.client_id,
        &key,
        &token_url(request),
        request.now / 1000,
    )
    .map_err(|refused| ServiceError::OAuth {
        error: "invalid_client",
        description: refused.0,
    })?;
    let access = request.service().issue(
        &request.hub.kit,
        &Grant::Agent { agent_id: agent.id },
        ACCESS_SECONDS,
    );
    Ok(Answer::ok(json!({
        "access_token": access,
        "token_type": "JWT",
        "expires_in": ACCESS_SECONDS,
        "scope": "/",
    })))
}
