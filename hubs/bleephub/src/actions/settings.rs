//! Actions secrets and configuration variables, of a repository and of an organization
//! (`/repos/{o}/{r}/actions/secrets|variables`, `/orgs/{org}/actions/secrets|variables`), and
//! what a job gets of them.
//!
//! Secrets arrive as GitHub takes them: sealed (libsodium's `crypto_box_seal`, X25519 and
//! XSalsa20-Poly1305) to the scope's public key from `…/secrets/public-key`, which is what
//! `gh secret set` and the SDKs do. The value is unsealed here with the scope's secret key, so a
//! value sealed to another key is refused, and it is never answered back: the API shows only
//! names and dates. Names are upper-cased, as GitHub shows them.
//!
//! A job gets every secret and variable its repository can see: the organization's (by their
//! visibility: `all`, `private` for private repositories, `selected` for the listed ones), then
//! the repository's own, which win. Secrets travel in the job message as secret variables,
//! which the runner masks and offers as the `secrets` context; variables as the `vars` context.
//!
//! Not reproduced: environment secrets and variables, the `selected-repositories` sub-resources
//! (the IDs are taken when a secret or variable is written), Dependabot and Codespaces secrets,
//! and GitHub's smaller page size for variables (10 by default, 30 at most; pages here are the
//! common 30/100).
//!
//! What this module must not do: answer a secret's value, or keep a value it could not unseal.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use crate::Hub;
use crate::error::GitHubError;
use crate::model::{AccountKind, Repo};
use crate::protocol::{Call, Reply};
use crate::render::timestamp;
use crate::services::Ctx;
use crate::spec::Op;

/// A scope's sealing key: its public half is handed out, its secret half unseals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealingKey {
    pub key_id: String,
    /// The X25519 secret key, base64.
    pub secret: String,
}

/// One secret or variable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setting {
    pub name: String,
    pub value: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Organization settings only: `all`, `private` or `selected`.
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub selected_repository_ids: Vec<u64>,
}

/// The store's collections for settings.
pub struct Settings {
    keys: Arc<Collection<SealingKey>>,
    /// Keyed `secret|variable / repo/{id}|org/{login} / NAME`.
    values: Arc<Collection<Setting>>,
}

impl Settings {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        Ok(Self {
            keys: kit.store().collection("github.actions.sealing_keys")?,
            values: kit.store().collection("github.actions.settings")?,
        })
    }
}

/// Which of the two a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Secret,
    Variable,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Secret => "secret",
            Kind::Variable => "variable",
        }
    }
}

/// A repository's or an organization's settings.
#[derive(Debug, Clone)]
enum Scope {
    Repo(u64),
    Org(String),
}

impl Scope {
    fn key(&self) -> String {
        match self {
            Scope::Repo(id) => format!("repo/{id}"),
            Scope::Org(login) => format!("org/{}", login.to_ascii_lowercase()),
        }
    }
}

fn prefix(kind: Kind, scope: &Scope) -> String {
    format!("{}/{}/", kind.key(), scope.key())
}

/// GitHub's naming rule for secrets and variables (the same words for both, bar the noun).
fn check_name(kind: Kind, name: &str) -> Result<String, GitHubError> {
    let noun = match kind {
        Kind::Secret => "Secret",
        Kind::Variable => "Variable",
    };
    let valid = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if !valid {
        return Err(GitHubError::InvalidRequest(format!(
            "{noun} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_)."
        )));
    }
    let upper = name.to_ascii_uppercase();
    if upper.starts_with("GITHUB_") {
        return Err(GitHubError::InvalidRequest(format!(
            "{noun} names must not start with GITHUB_."
        )));
    }
    Ok(upper)
}

/// The scope's sealing key, made the first time it is asked for.
fn sealing_key(hub: &Hub, scope: &Scope) -> Result<SealingKey, GitHubError> {
    let ids = hub.kit.ids();
    let key = hub.actions.settings.keys.modify(&scope.key(), |slot| {
        Ok::<_, StoreError>(
            slot.get_or_insert_with(|| {
                let bytes = hex::decode(ids.hex(64)).unwrap_or_default();
                SealingKey {
                    key_id: ids.random_word(b"0123456789", 18),
                    secret: STANDARD.encode(bytes),
                }
            })
            .clone(),
        )
    })?;
    Ok(key)
}

fn secret_key(key: &SealingKey) -> Result<crypto_box::SecretKey, GitHubError> {
    let bytes: [u8; 32] = STANDARD
        .decode(&key.secret)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(GitHubError::Internal)?;
    Ok(crypto_box::SecretKey::from(bytes))
}

fn public_key(key: &SealingKey) -> Result<Value, GitHubError> {
    let public = secret_key(key)?.public_key();
    Ok(json!({"key_id": key.key_id, "key": STANDARD.encode(public.as_bytes())}))
}

/// Unseals `encrypted_value` (base64 of a sealed box) with the scope's key.
fn unseal(key: &SealingKey, key_id: &str, encrypted: &str) -> Result<String, GitHubError> {
    // Our wording: GitHub's answers for a stale key or a box it cannot open are not recorded.
    if key_id != key.key_id {
        return Err(GitHubError::InvalidRequest(format!(
            "Bad request - the key_id {key_id} is not this repository's current public key"
        )));
    }
    let sealed = STANDARD.decode(encrypted).map_err(|_| {
        GitHubError::InvalidRequest("Bad request - encrypted_value is not base64".into())
    })?;
    let opened = secret_key(key)?.unseal(&sealed).map_err(|_| {
        GitHubError::InvalidRequest(
            "Bad request - encrypted_value could not be decrypted with the public key".into(),
        )
    })?;
    String::from_utf8(opened)
        .map_err(|_| GitHubError::InvalidRequest("Bad request - the secret is not UTF-8".into()))
}

fn render(kind: Kind, scope: &Scope, setting: &Setting, api: &str) -> Value {
    let mut body = json!({
        "name": setting.name,
        "created_at": timestamp(setting.created_at),
        "updated_at": timestamp(setting.updated_at),
    });
    if kind == Kind::Variable {
        body["value"] = json!(setting.value);
    }
    if let Scope::Org(login) = scope {
        let visibility = setting.visibility.clone().unwrap_or_else(|| "all".into());
        if visibility == "selected" {
            body["selected_repositories_url"] = json!(format!(
                "{api}/orgs/{login}/actions/{}s/{}/repositories",
                kind.key(),
                setting.name
            ));
        }
        body["visibility"] = json!(visibility);
    }
    body
}

/// The scope a request names, if the caller may manage its settings: collaborators with push
/// access for a repository, organization owners for an organization (others get GitHub's 404).
fn scope_of(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Scope, GitHubError> {
    if !call.param("org").is_empty() {
        let org = call.param("org");
        let account = ctx
            .hub
            .state
            .account(org)
            .filter(|a| a.kind == AccountKind::Organization)
            .ok_or(GitHubError::NotFound)?;
        let caller = ctx.require_caller()?;
        let admin =
            caller.account.site_admin || ctx.org_role(&account.login).as_deref() == Some("admin");
        if !admin || !caller.has_scope("admin:org") {
            return Err(GitHubError::NotFound);
        }
        return Ok(Scope::Org(account.login));
    }
    let repo = ctx.writable_repo(call.param("owner"), call.param("repo"))?;
    Ok(Scope::Repo(repo.id))
}

fn list(hub: &Hub, kind: Kind, scope: &Scope) -> Vec<Setting> {
    hub.actions
        .settings
        .values
        .scan_prefix(&prefix(kind, scope))
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

/// The organization-only members of a write (`visibility`, `selected_repository_ids`).
fn org_members(call: &Call<'_>, scope: &Scope, setting: &mut Setting) -> Result<(), GitHubError> {
    if !matches!(scope, Scope::Org(_)) {
        return Ok(());
    }
    if let Some(visibility) = call.body.get("visibility").and_then(Value::as_str) {
        setting.visibility = Some(visibility.to_string());
    }
    if let Some(ids) = call
        .body
        .get("selected_repository_ids")
        .and_then(Value::as_array)
    {
        setting.selected_repository_ids = ids
            .iter()
            .filter_map(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .collect();
    }
    if setting.visibility.is_none() {
        // GitHub requires it when creating an organization setting.
        return Err(GitHubError::InvalidRequest(
            "Invalid request.\n\n\"visibility\" wasn't supplied.".into(),
        ));
    }
    Ok(())
}

pub(crate) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let hub = ctx.hub;
    let scope = scope_of(ctx, call)?;
    let api = call.urls.api.clone();
    let values = &hub.actions.settings.values;
    let key = |kind: Kind, name: &str| format!("{}{name}", prefix(kind, &scope));
    Ok(match call.matched.op {
        Op::ActionsGetRepoPublicKey | Op::ActionsGetOrgPublicKey => {
            Reply::ok(public_key(&sealing_key(hub, &scope)?)?)
        }
        Op::ActionsListRepoSecrets | Op::ActionsListOrgSecrets => {
            let all = list(hub, Kind::Secret, &scope);
            let total = all.len();
            let page = call.page(all, |s| render(Kind::Secret, &scope, s, &api));
            super::rest::wrap(page, total, "secrets")
        }
        Op::ActionsListRepoVariables | Op::ActionsListOrgVariables => {
            let all = list(hub, Kind::Variable, &scope);
            let total = all.len();
            let page = call.page(all, |s| render(Kind::Variable, &scope, s, &api));
            super::rest::wrap(page, total, "variables")
        }
        Op::ActionsGetRepoSecret | Op::ActionsGetOrgSecret => {
            let name = call.param("secret_name").to_ascii_uppercase();
            let setting = values
                .get(&key(Kind::Secret, &name))
                .ok_or(GitHubError::NotFound)?;
            Reply::ok(render(Kind::Secret, &scope, &setting, &api))
        }
        Op::ActionsGetRepoVariable | Op::ActionsGetOrgVariable => {
            let name = call.param("name").to_ascii_uppercase();
            let setting = values
                .get(&key(Kind::Variable, &name))
                .ok_or(GitHubError::NotFound)?;
            Reply::ok(render(Kind::Variable, &scope, &setting, &api))
        }
        Op::ActionsCreateOrUpdateRepoSecret | Op::ActionsCreateOrUpdateOrgSecret => {
            let name = check_name(Kind::Secret, call.param("secret_name"))?;
            let text = |field: &str| call.body.get(field).and_then(Value::as_str).unwrap_or("");
            let value = unseal(
                &sealing_key(hub, &scope)?,
                text("key_id"),
                text("encrypted_value"),
            )?;
            let now = ctx.now;
            let created = values.modify(&key(Kind::Secret, &name), |slot| {
                let created = slot.is_none();
                let mut setting = slot.clone().unwrap_or(Setting {
                    name: name.clone(),
                    value: String::new(),
                    created_at: now,
                    updated_at: now,
                    visibility: None,
                    selected_repository_ids: Vec::new(),
                });
                setting.value = value;
                setting.updated_at = now;
                org_members(call, &scope, &mut setting)?;
                *slot = Some(setting);
                Ok::<_, GitHubError>(created)
            })?;
            if created {
                Reply::created(json!({}))
            } else {
                Reply::no_content()
            }
        }
        Op::ActionsCreateRepoVariable | Op::ActionsCreateOrgVariable => {
            let given = call.body.get("name").and_then(Value::as_str).unwrap_or("");
            let name = check_name(Kind::Variable, given)?;
            let value = call.body.get("value").and_then(Value::as_str).unwrap_or("");
            let now = ctx.now;
            values.modify(&key(Kind::Variable, &name), |slot| {
                if slot.is_some() {
                    return Err(GitHubError::Conflict(
                        "Already exists - Variable already exists".into(),
                    ));
                }
                let mut setting = Setting {
                    name: name.clone(),
                    value: value.to_string(),
                    created_at: now,
                    updated_at: now,
                    visibility: None,
                    selected_repository_ids: Vec::new(),
                };
                org_members(call, &scope, &mut setting)?;
                *slot = Some(setting);
                Ok(())
            })?;
            Reply::created(json!({}))
        }
        Op::ActionsUpdateRepoVariable | Op::ActionsUpdateOrgVariable => {
            let name = call.param("name").to_ascii_uppercase();
            let now = ctx.now;
            let old_key = key(Kind::Variable, &name);
            let mut setting = values.get(&old_key).ok_or(GitHubError::NotFound)?;
            if let Some(value) = call.body.get("value").and_then(Value::as_str) {
                setting.value = value.to_string();
            }
            org_members(call, &scope, &mut setting)?;
            setting.updated_at = now;
            let renamed = match call.body.get("name").and_then(Value::as_str) {
                Some(new) => check_name(Kind::Variable, new)?,
                None => name.clone(),
            };
            setting.name = renamed.clone();
            let new_key = key(Kind::Variable, &renamed);
            hub.state.store.transaction(|txn| {
                if new_key != old_key {
                    if txn.get(values, &new_key)?.is_some() {
                        return Err(GitHubError::Conflict(
                            "Already exists - Variable already exists".into(),
                        ));
                    }
                    txn.remove(values, &old_key)?;
                }
                txn.insert(values, &new_key, setting.clone())?;
                Ok::<_, GitHubError>(())
            })?;
            Reply::no_content()
        }
        Op::ActionsDeleteRepoSecret | Op::ActionsDeleteOrgSecret => {
            let name = call.param("secret_name").to_ascii_uppercase();
            values
                .remove(&key(Kind::Secret, &name))?
                .ok_or(GitHubError::NotFound)?;
            Reply::no_content()
        }
        Op::ActionsDeleteRepoVariable | Op::ActionsDeleteOrgVariable => {
            let name = call.param("name").to_ascii_uppercase();
            values
                .remove(&key(Kind::Variable, &name))?
                .ok_or(GitHubError::NotFound)?;
            Reply::no_content()
        }
        _ => return Err(GitHubError::NotFound),
    })
}

/// Whether an organization setting reaches `repo`.
fn reaches(setting: &Setting, repo: &Repo) -> bool {
    match setting.visibility.as_deref() {
        Some("private") => repo.private,
        Some("selected") => setting.selected_repository_ids.contains(&repo.id),
        _ => true,
    }
}

/// What a job of `repo` gets: `(secrets, variables)` by name, the organization's first, the
/// repository's over them.
pub fn for_job(hub: &Hub, repo: &Repo) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let owner_is_org = hub
        .state
        .account(&repo.owner)
        .is_some_and(|a| a.kind == AccountKind::Organization);
    let gather = |kind: Kind| {
        let mut found = BTreeMap::new();
        if owner_is_org {
            for setting in list(hub, kind, &Scope::Org(repo.owner.clone())) {
                if reaches(&setting, repo) {
                    found.insert(setting.name, setting.value);
                }
            }
        }
        for setting in list(hub, kind, &Scope::Repo(repo.id)) {
            found.insert(setting.name, setting.value);
        }
        found
    };
    (gather(Kind::Secret), gather(Kind::Variable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_githubs_rule() {
        assert_eq!(check_name(Kind::Secret, "my_token").unwrap(), "MY_TOKEN");
        assert_eq!(check_name(Kind::Variable, "_X1").unwrap(), "_X1");
        for bad in ["", "1ABC", "A-B", "A B", "ÄB"] {
            let error = check_name(Kind::Secret, bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("Secret names can only contain"),
                "{bad}"
            );
        }
        assert_eq!(
            check_name(Kind::Variable, "github_x")
                .unwrap_err()
                .to_string(),
            "Variable names must not start with GITHUB_."
        );
    }

    #[test]
    fn a_value_sealed_to_the_key_opens_and_another_does_not() {
        let key = SealingKey {
            key_id: "123".into(),
            secret: STANDARD.encode([7u8; 32]),
        };
        let public = secret_key(&key).unwrap().public_key();
        let sealed = public
            .seal(&mut crypto_box::aead::OsRng, b"hunter2")
            .unwrap();
        let encoded = STANDARD.encode(&sealed);
        assert_eq!(unseal(&key, "123", &encoded).unwrap(), "hunter2");
        assert!(unseal(&key, "999", &encoded).is_err());
        let other = SealingKey {
            key_id: "123".into(),
            secret: STANDARD.encode([8u8; 32]),
        };
        assert!(unseal(&other, "123", &encoded).is_err());
        assert!(unseal(&key, "123", "not base64!").is_err());
    }
}
