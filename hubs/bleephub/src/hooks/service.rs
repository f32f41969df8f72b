//! The hook operations, typed: list, create (which pings), get, update, delete, the `config`
//! sub-resource, pings, tests, and the deliveries log with redelivery. Repository hooks need
//! admin rights on the repository (others get `Not Found`, as on GitHub) and a token with
//! `repo` or a `*:repo_hook` scope; organization hooks need an organization admin and
//! `admin:org_hook`.
//!
//! What this module must not do: see HTTP, or show a secret.

use serde::Deserialize;
use serde_json::{Value, json};
use simkit::webhook::{Delivery, DeliveryState};

use super::{Hook, HookConfig, HookScope, hook_key, scope_prefix};
use crate::error::{FieldError, GitHubError};
use crate::model::{self, Account, AccountKind, Repo};
use crate::render::Urls;
use crate::services::Ctx;

/// Whose hooks an operation is about, as its path names them.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Repo { owner: &'a str, name: &'a str },
    Org { login: &'a str },
}

/// A target the caller administers.
#[derive(Debug, Clone)]
pub enum Owner {
    Repo(Repo),
    Org(Account),
}

impl Owner {
    pub fn scope(&self) -> HookScope {
        match self {
            Owner::Repo(repo) => HookScope::Repo { repo_id: repo.id },
            Owner::Org(org) => HookScope::Org {
                org_id: org.id,
                login: org.login.clone(),
            },
        }
    }
}

/// Read or write: which scopes a token needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// `POST`/`PATCH` bodies of hooks.
#[derive(Debug, Default, Deserialize)]
pub struct HookInput {
    pub name: Option<String>,
    pub config: Option<ConfigInput>,
    pub events: Option<Vec<String>>,
    pub add_events: Option<Vec<String>>,
    pub remove_events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// A hook's `config` as a client sends it (`insecure_ssl` may be a string or a number).
#[derive(Debug, Default, Deserialize)]
pub struct ConfigInput {
    pub url: Option<String>,
    pub content_type: Option<String>,
    pub secret: Option<String>,
    pub insecure_ssl: Option<Value>,
}

fn owner(ctx: &Ctx<'_>, target: Target<'_>, access: Access) -> Result<Owner, GitHubError> {
    let caller = ctx.require_caller()?;
    match target {
        Target::Repo { owner, name } => {
            let repo = ctx.readable_repo(owner, name)?;
            let scopes: &[&str] = match access {
                Access::Read => &["repo", "read:repo_hook"],
                Access::Write => &["repo", "write:repo_hook"],
            };
            if !scopes.iter().any(|s| caller.has_scope(s)) {
                return Err(GitHubError::NotFound);
            }
            if !ctx.permissions(&repo).admin {
                return Err(GitHubError::NotFound);
            }
            Ok(Owner::Repo(repo))
        }
        Target::Org { login } => {
            let org = ctx
                .hub
                .state
                .account(login)
                .filter(|a| a.kind == AccountKind::Organization)
                .ok_or(GitHubError::NotFound)?;
            let admin =
                caller.account.site_admin || ctx.org_role(&org.login).as_deref() == Some("admin");
            if !admin || !caller.has_scope("admin:org_hook") {
                return Err(GitHubError::NotFound);
            }
            Ok(Owner::Org(org))
        }
    }
}

fn invalid(message: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::unfielded("Hook", message)])
}

/// `"0"` or `"1"` from what a client sent.
fn insecure_ssl(value: Option<&Value>) -> Result<Option<String>, GitHubError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text == "0" || text == "1" => Ok(Some(text.clone())),
        Some(Value::Number(number)) if number.as_u64() == Some(0) || number.as_u64() == Some(1) => {
            Ok(Some(number.to_string()))
        }
        Some(_) => Err(invalid("Config insecure_ssl must be 0 or 1")),
    }
}

/// Applies `input` over `config` (absent members keep their values).
fn apply_config(config: &mut HookConfig, input: ConfigInput) -> Result<(), GitHubError> {
    if let Some(url) = input.url {
        config.url = url;
    }
    if let Some(content_type) = input.content_type {
        config.content_type = content_type;
    }
    if let Some(secret) = input.secret {
        config.secret = Some(secret).filter(|s| !s.is_empty());
    }
    if let Some(flag) = insecure_ssl(input.insecure_ssl.as_ref())? {
        config.insecure_ssl = flag;
    }
    check_config(config)
}

fn check_config(config: &HookConfig) -> Result<(), GitHubError> {
    if config.url.trim().is_empty() {
        return Err(invalid("Config must contain URL"));
    }
    let parsed: Option<http::Uri> = config.url.parse().ok();
    let usable = parsed.as_ref().is_some_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
    });
    if !usable {
        return Err(invalid("Config url is not a valid URL"));
    }
    if !matches!(config.content_type.as_str(), "json" | "form") {
        return Err(invalid("Config content_type must be json or form"));
    }
    Ok(())
}

fn find(ctx: &Ctx<'_>, owner: &Owner, id: &str) -> Result<Hook, GitHubError> {
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    ctx.hub
        .hooks
        .records
        .get(&hook_key(&owner.scope(), id))
        .ok_or(GitHubError::NotFound)
}

pub fn list(ctx: &Ctx<'_>, target: Target<'_>) -> Result<(Owner, Vec<Hook>), GitHubError> {
    let owner = owner(ctx, target, Access::Read)?;
    let hooks = ctx
        .hub
        .hooks
        .records
        .scan_prefix(&scope_prefix(&owner.scope()))
        .into_iter()
        .map(|(_, hook)| hook)
        .collect();
    Ok((owner, hooks))
}

pub fn get(ctx: &Ctx<'_>, target: Target<'_>, id: &str) -> Result<(Owner, Hook), GitHubError> {
    let owner = owner(ctx, target, Access::Read)?;
    let hook = find(ctx, &owner, id)?;
    Ok((owner, hook))
}

/// Creates a hook and pings it, as GitHub does.
pub fn create(
    ctx: &Ctx<'_>,
    target: Target<'_>,
    input: HookInput,
    urls: &Urls,
) -> Result<(Owner, Hook), GitHubError> {
    let owner = owner(ctx, target, Access::Write)?;
    let name = input.name.unwrap_or_else(|| "web".into());
    if name != "web" {
        return Err(invalid(&format!("Name {name} is not a valid hook name")));
    }
    let mut config = HookConfig {
        url: String::new(),
        content_type: "form".into(),
        secret: None,
        insecure_ssl: "0".into(),
    };
    apply_config(&mut config, input.config.unwrap_or_default())?;
    let events = input.events.unwrap_or_else(|| vec!["push".into()]);
    let state = &ctx.hub.state;
    let scope = owner.scope();
    let hooks = &ctx.hub.hooks.records;
    let hook = state.store.transaction(|txn| {
        let existing = txn.scan_prefix(hooks, &scope_prefix(&scope))?;
        if existing.iter().any(|(_, h)| h.config.url == config.url) {
            return Err(invalid(match owner {
                Owner::Repo(_) => "Hook already exists on this repository",
                Owner::Org(_) => "Hook already exists on this organization",
            }));
        }
        let id = model::next_id(txn, &state.counters, "hook")?;
        let hook = Hook {
            id,
            scope: scope.clone(),
            name: name.clone(),
            active: input.active.unwrap_or(true),
            events: events.clone(),
            config: config.clone(),
            created_at: ctx.now,
            updated_at: ctx.now,
            api_url: urls.api.clone(),
            html_url: urls.html.clone(),
        };
        txn.insert(hooks, &hook.key(), hook.clone())?;
        Ok(hook)
    })?;
    ping_hook(ctx, &owner, &hook);
    Ok((owner, hook))
}

pub fn update(
    ctx: &Ctx<'_>,
    target: Target<'_>,
    id: &str,
    input: HookInput,
) -> Result<(Owner, Hook), GitHubError> {
    let owner = owner(ctx, target, Access::Write)?;
    let current = find(ctx, &owner, id)?;
    let mut hook = current.clone();
    if let Some(config) = input.config {
        apply_config(&mut hook.config, config)?;
    }
    if let Some(events) = input.events {
        hook.events = events;
    }
    for event in input.add_events.unwrap_or_default() {
        if !hook.events.contains(&event) {
            hook.events.push(event);
        }
    }
    let remove = input.remove_events.unwrap_or_default();
    hook.events.retain(|e| !remove.contains(e));
    if let Some(active) = input.active {
        hook.active = active;
    }
    hook.updated_at = ctx.now;
    ctx.hub.hooks.records.insert(&hook.key(), hook.clone())?;
    Ok((owner, hook))
}

pub fn update_config(
    ctx: &Ctx<'_>,
    target: Target<'_>,
    id: &str,
    input: ConfigInput,
) -> Result<Hook, GitHubError> {
    let owner = owner(ctx, target, Access::Write)?;
    let mut hook = find(ctx, &owner, id)?;
    apply_config(&mut hook.config, input)?;
    hook.updated_at = ctx.now;
    ctx.hub.hooks.records.insert(&hook.key(), hook.clone())?;
    Ok(hook)
}

pub fn delete(ctx: &Ctx<'_>, target: Target<'_>, id: &str) -> Result<(), GitHubError> {
    let owner = owner(ctx, target, Access::Write)?;
    let hook = find(ctx, &owner, id)?;
    ctx.hub.hooks.records.remove(&hook.key())?;
    ctx.hub.hooks.deliveries.forget_hook(&hook.key())?;
    Ok(())
}

/// `ping`: the hook's zen, its ID and itself.
fn ping_hook(ctx: &Ctx<'_>, owner: &Owner, hook: &Hook) {
    let urls = hook.urls();
    let sender = ctx.caller.as_ref().map_or("", |c| c.login());
    let mut payload = serde_json::Map::new();
    payload.insert("zen".into(), super::events::zen(hook.id).into());
    payload.insert("hook_id".into(), hook.id.into());
    payload.insert(
        "hook".into(),
        super::render::hook(ctx.hub, &urls, owner, hook),
    );
    let repo = match owner {
        Owner::Repo(repo) => Some(repo),
        Owner::Org(_) => None,
    };
    payload.extend(super::context_fields(ctx.hub, &urls, repo, sender));
    if let Owner::Org(org) = owner {
        payload.insert("organization".into(), crate::render::org_simple(&urls, org));
    }
    super::send(
        ctx.hub,
        hook,
        "ping",
        None,
        Value::Object(payload),
        repo.map(|r| r.id),
    );
}

pub fn ping(ctx: &Ctx<'_>, target: Target<'_>, id: &str) -> Result<(), GitHubError> {
    let owner = owner(ctx, target, Access::Write)?;
    let hook = find(ctx, &owner, id)?;
    ping_hook(ctx, &owner, &hook);
    Ok(())
}

/// `POST …/hooks/{id}/tests`: the latest push to the default branch again, if the hook takes
/// `push` events (otherwise nothing is sent, and the answer is the same 204).
pub fn test(ctx: &Ctx<'_>, owner_name: &str, name: &str, id: &str) -> Result<(), GitHubError> {
    let owner = owner(
        ctx,
        Target::Repo {
            owner: owner_name,
            name,
        },
        Access::Write,
    )?;
    let hook = find(ctx, &owner, id)?;
    let Owner::Repo(repo) = &owner else {
        return Err(GitHubError::NotFound);
    };
    if !hook.wants("push") {
        return Ok(());
    }
    let sender = ctx.caller.as_ref().map_or("", |c| c.login()).to_string();
    if let Some(payload) = super::events::latest_push(ctx.hub, repo, &sender, &hook.urls()) {
        super::send(ctx.hub, &hook, "push", None, payload, Some(repo.id));
    }
    Ok(())
}

/// One page of deliveries: newest first, after the cursor, optionally only failures or
/// successes. Answers the page and the cursor of the next one.
pub fn deliveries(
    ctx: &Ctx<'_>,
    target: Target<'_>,
    id: &str,
    cursor: Option<&str>,
    per_page: usize,
    status: Option<&str>,
) -> Result<(Vec<Delivery>, Option<String>), GitHubError> {
    let owner = owner(ctx, target, Access::Read)?;
    let hook = find(ctx, &owner, id)?;
    let after = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(cursor) => Some(
            cursor
                .strip_prefix("v1_")
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| {
                    GitHubError::ValidationFailed(vec![FieldError::new(
                        "HookDelivery",
                        "cursor",
                        "invalid",
                    )])
                })?,
        ),
    };
    if let Some(status) = status
        && !matches!(status, "success" | "failure")
    {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "HookDelivery",
            "status",
            "invalid",
        )]));
    }
    let mut matching = ctx
        .hub
        .hooks
        .deliveries
        .list(&hook.key())
        .into_iter()
        .filter(|d| after.is_none_or(|after| d.id < after))
        .filter(|d| match status {
            Some("success") => d.state == DeliveryState::Delivered,
            Some("failure") => d.state == DeliveryState::Failed,
            _ => true,
        });
    let page: Vec<Delivery> = matching.by_ref().take(per_page).collect();
    let next = match (page.last(), matching.next()) {
        (Some(last), Some(_)) => Some(format!("v1_{}", last.id)),
        _ => None,
    };
    Ok((page, next))
}

pub fn delivery(
    ctx: &Ctx<'_>,
    target: Target<'_>,
    id: &str,
    delivery_id: &str,
) -> Result<Delivery, GitHubError> {
    let owner = owner(ctx, target, Access::Read)?;
    let hook = find(ctx, &owner, id)?;
    let delivery_id: u64 = delivery_id.parse().map_err(|_| GitHubError::NotFound)?;
    ctx.hub
        .hooks
        .deliveries
        .get(&hook.key(), delivery_id)
        .ok_or(GitHubError::NotFound)
}

pub fn redeliver(
    ctx: &Ctx<'_>,
    target: Target<'_>,
    id: &str,
    delivery_id: &str,
) -> Result<Value, GitHubError> {
    let owner = owner(ctx, target, Access::Write)?;
    let hook = find(ctx, &owner, id)?;
    let delivery_id: u64 = delivery_id.parse().map_err(|_| GitHubError::NotFound)?;
    match ctx.hub.hooks.deliveries.redeliver(&hook.key(), delivery_id) {
        Ok(_) => Ok(json!({})),
        Err(simkit::webhook::WebhookError::NotFound { .. }) => Err(GitHubError::NotFound),
        Err(simkit::webhook::WebhookError::Store(error)) => Err(error.into()),
    }
}
