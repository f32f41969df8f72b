//! Webhooks: repository and organization hooks, the events bleephub sends them, and their
//! deliveries (over `simkit::webhook`, which queues, sends, records and redelivers).
//!
//! | module | holds |
//! |---|---|
//! | this one | [`Hook`] records, [`Hooks`] (the records and the kit's deliveries), [`emit`] |
//! | [`service`] | the typed hook operations: CRUD, config, pings, tests, deliveries |
//! | [`render`] | hooks and deliveries in GitHub's shapes |
//! | [`events`] | the payloads of `push`, `create`, `delete`, `issues`, `issue_comment`, `pull_request`, `pull_request_review`, `release` |
//!
//! A delivery is signed as GitHub signs it (`X-Hub-Signature-256: sha256=HMAC` and the older
//! `X-Hub-Signature: sha1=HMAC`, only when the hook has a secret), carries GitHub's headers
//! (`X-GitHub-Event`, `X-GitHub-Delivery`, `X-GitHub-Hook-ID`,
//! `X-GitHub-Hook-Installation-Target-ID`/`-Type`, `User-Agent: GitHub-Hookshot/…`), and is
//! sent as JSON or, for `content_type: form`, as `payload=` form data. GitHub never retries a
//! failed delivery by itself (its documentation says so); it is redelivered through the API.
//! The URLs inside a payload are those of the API the hook's creator used.
//!
//! What this module must not do: echo a hook's secret (it is shown as `********`), or let
//! a failed delivery fail the request that caused the event.

pub mod events;
pub mod render;
pub mod service;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use simkit::Kit;
use simkit::store::{Collection, StoreError};
use simkit::webhook::{Outgoing, RetryPolicy, WebhookConfig, Webhooks};

use crate::Hub;
use crate::model::{AccountKind, Repo};
use crate::render::Urls;

/// What `User-Agent` deliveries carry: GitHub's is `GitHub-Hookshot/` and a short build hash.
pub const USER_AGENT: &str = "GitHub-Hookshot/b1eeb00";

/// Whose hook it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookScope {
    Repo { repo_id: u64 },
    Org { org_id: u64, login: String },
}

/// A hook's `config`. The secret is kept to sign deliveries and never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookConfig {
    pub url: String,
    /// `json` or `form`.
    pub content_type: String,
    pub secret: Option<String>,
    /// `"0"` (check the receiver's certificate) or `"1"`.
    pub insecure_ssl: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    pub id: u64,
    pub scope: HookScope,
    pub name: String,
    pub active: bool,
    pub events: Vec<String>,
    pub config: HookConfig,
    pub created_at: i64,
    pub updated_at: i64,
    /// The API and web roots the hook's creator used; payload URLs are built on them.
    pub api_url: String,
    pub html_url: String,
}

impl Hook {
    /// The store key, which is also the kit's name for the hook's deliveries.
    pub fn key(&self) -> String {
        hook_key(&self.scope, self.id)
    }

    pub fn urls(&self) -> Urls {
        Urls {
            api: self.api_url.clone(),
            html: self.html_url.clone(),
        }
    }

    /// Whether an event of this name goes to this hook.
    pub fn wants(&self, event: &str) -> bool {
        self.active && self.events.iter().any(|e| e == event || e == "*")
    }
}

/// `repo/ID/HOOK` or `org/ID/HOOK`, zero-padded so a scope's hooks list in creation order.
pub fn hook_key(scope: &HookScope, id: u64) -> String {
    format!("{}{id:012}", scope_prefix(scope))
}

pub fn scope_prefix(scope: &HookScope) -> String {
    match scope {
        HookScope::Repo { repo_id } => format!("repo/{repo_id:012}/"),
        HookScope::Org { org_id, .. } => format!("org/{org_id:012}/"),
    }
}

/// The hook records and their deliveries.
pub struct Hooks {
    pub records: Arc<Collection<Hook>>,
    pub deliveries: Webhooks,
}

impl Hooks {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        let config = WebhookConfig {
            // GitHub gives a receiver 10 seconds and never retries on its own.
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::NEVER,
            ..WebhookConfig::default()
        };
        Ok(Self {
            records: kit.store().collection("github.hooks")?,
            deliveries: Webhooks::start(kit, "github", config)?,
        })
    }

    /// The hooks that get events of `repo`: its own, then its organization's.
    fn for_repo(&self, hub: &Hub, repo: &Repo) -> Vec<Hook> {
        let mut hooks: Vec<Hook> = self
            .records
            .scan_prefix(&scope_prefix(&HookScope::Repo { repo_id: repo.id }))
            .into_iter()
            .map(|(_, hook)| hook)
            .collect();
        if let Some(owner) = hub.state.account(&repo.owner)
            && owner.kind == AccountKind::Organization
        {
            let scope = HookScope::Org {
                org_id: owner.id,
                login: owner.login,
            };
            hooks.extend(
                self.records
                    .scan_prefix(&scope_prefix(&scope))
                    .into_iter()
                    .map(|(_, hook)| hook),
            );
        }
        hooks
    }
}

/// What every payload ends with: `repository`, `organization` (for an organization's
/// repository) and `sender`.
fn context_fields(hub: &Hub, urls: &Urls, repo: Option<&Repo>, sender: &str) -> Map<String, Value> {
    let state = &hub.state;
    let mut fields = Map::new();
    if let Some(repo) = repo {
        let owner = crate::render::account_or_ghost(state, &repo.owner);
        fields.insert(
            "repository".into(),
            crate::render::repo(urls, repo, &owner, None, false),
        );
        if owner.kind == AccountKind::Organization {
            fields.insert(
                "organization".into(),
                crate::render::org_simple(urls, &owner),
            );
        }
    }
    fields.insert(
        "sender".into(),
        crate::render::simple_user(urls, &crate::render::account_or_ghost(state, sender)),
    );
    fields
}

/// Sends event `event` (with `action`) about `repo` to every hook that wants it. `body`
/// builds the event's own members from the hook's URLs; `repository`, `organization` and
/// `sender` are added here. Failures are logged: an event never fails its request.
pub fn emit(
    hub: &Hub,
    repo: &Repo,
    sender: &str,
    event: &str,
    action: Option<&str>,
    body: impl Fn(&Urls) -> Map<String, Value>,
) {
    let hooks: Vec<Hook> = hub
        .hooks
        .for_repo(hub, repo)
        .into_iter()
        .filter(|hook| hook.wants(event))
        .collect();
    for hook in hooks {
        let urls = hook.urls();
        let mut payload = Map::new();
        if let Some(action) = action {
            payload.insert("action".into(), action.into());
        }
        payload.extend(body(&urls));
        payload.extend(context_fields(hub, &urls, Some(repo), sender));
        if event == "push" {
            events::push_repository(&mut payload);
        }
        send(
            hub,
            &hook,
            event,
            action,
            Value::Object(payload),
            Some(repo.id),
        );
    }
}

/// Queues one delivery of `payload` to `hook`, with GitHub's headers and signatures.
pub fn send(
    hub: &Hub,
    hook: &Hook,
    event: &str,
    action: Option<&str>,
    payload: Value,
    repository_id: Option<u64>,
) {
    let json = payload.to_string();
    let (content_type, body) = if hook.config.content_type == "form" {
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &json)
            .finish();
        ("application/x-www-form-urlencoded", form)
    } else {
        ("application/json", json)
    };
    let guid = hub.kit.ids().uuid();
    let (target_id, target_type) = match &hook.scope {
        HookScope::Repo { repo_id } => (*repo_id, "repository"),
        HookScope::Org { org_id, .. } => (*org_id, "organization"),
    };
    let mut headers = vec![
        ("Accept".to_string(), "*/*".to_string()),
        ("Content-Type".to_string(), content_type.to_string()),
        ("User-Agent".to_string(), USER_AGENT.to_string()),
        ("X-GitHub-Delivery".to_string(), guid.clone()),
        ("X-GitHub-Event".to_string(), event.to_string()),
        ("X-GitHub-Hook-ID".to_string(), hook.id.to_string()),
        (
            "X-GitHub-Hook-Installation-Target-ID".to_string(),
            target_id.to_string(),
        ),
        (
            "X-GitHub-Hook-Installation-Target-Type".to_string(),
            target_type.to_string(),
        ),
    ];
    if let Some(secret) = hook.config.secret.as_deref().filter(|s| !s.is_empty()) {
        let bytes = body.as_bytes();
        headers.push((
            "X-Hub-Signature".to_string(),
            format!(
                "sha1={}",
                simkit::webhook::sign::hmac_sha1_hex(secret.as_bytes(), bytes)
            ),
        ));
        headers.push((
            "X-Hub-Signature-256".to_string(),
            format!(
                "sha256={}",
                simkit::webhook::sign::hmac_sha256_hex(secret.as_bytes(), bytes)
            ),
        ));
    }
    let outgoing = Outgoing {
        hook: hook.key(),
        guid,
        event: event.to_string(),
        action: action.map(String::from),
        url: hook.config.url.clone(),
        headers,
        body,
        verify_tls: hook.config.insecure_ssl != "1",
        extra: json!({ "repository_id": repository_id }),
    };
    if let Err(error) = hub.hooks.deliveries.enqueue(outgoing) {
        tracing::error!(%error, hook = hook.id, event, "queueing a webhook delivery");
    }
}

/// Sends the push events of every push over git.
pub fn install(hub: &Arc<Hub>) {
    let weak = Arc::downgrade(hub);
    hub.on_push(move |repo, updates, pusher| {
        if let Some(hub) = weak.upgrade() {
            events::refs_changed(&hub, repo, updates, pusher);
        }
    });
}

#[cfg(test)]
mod tests;
