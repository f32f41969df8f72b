//! GitHub Apps: registering an app (what its owner does in GitHub's web UI: here
//! `POST /_sockerless/github/apps`, which answers the private key once, as GitHub's "Generate a
//! private key" download does), installing it on an account, and what its credentials may do.
//!
//! | module | holds |
//! |---|---|
//! | [`jwt`] | the app's RS256 JWT and GitHub's 401 messages about it |
//! | [`permissions`] | the permission each REST operation needs from an installation token |
//!
//! The REST side (`GET /app`, installations, `POST …/access_tokens`, `GET
//! /installation/repositories`) is [`crate::services::apps`].
//!
//! What this module must not do: keep an app's private key (only its public half is stored).

pub mod jwt;
pub mod permissions;

use std::collections::BTreeMap;

use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};

use crate::error::{FieldError, GitHubError};
use crate::model::{self, AccountKind, App, Installation, State};

/// What registering an app needs.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewApp {
    pub name: String,
    /// The owning user or organization.
    pub owner: String,
    pub description: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
    #[serde(default)]
    pub events: Vec<String>,
}

/// A registered app and its private key (PKCS#1 PEM), shown this once.
pub struct Registered {
    pub app: App,
    pub private_key_pem: String,
}

fn invalid(resource: &str, field: &str, message: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::custom(resource, field, message)])
}

/// `permissions` checked against the names and levels GitHub knows.
pub fn check_permissions(
    resource: &str,
    permissions: &BTreeMap<String, String>,
) -> Result<(), GitHubError> {
    for (name, level) in permissions {
        if !permissions::KNOWN.contains(&name.as_str()) {
            return Err(invalid(
                resource,
                "permissions",
                &format!("{name} is not a valid permission"),
            ));
        }
        if permissions::Level::parse(level).is_none() {
            return Err(invalid(
                resource,
                "permissions",
                &format!("{level} is not a valid permission level for {name}"),
            ));
        }
    }
    Ok(())
}

/// The slug GitHub derives from an app's name: lower-cased, runs of anything but letters and
/// digits made one hyphen.
pub fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Registers an app owned by `input.owner`, with a new 2048-bit RSA key and the app's bot
/// account (`slug[bot]`).
pub fn register(
    state: &State,
    ids: &dyn simkit::ids::IdGen,
    now: i64,
    input: NewApp,
) -> Result<Registered, GitHubError> {
    let owner = state
        .account(&input.owner)
        .filter(|a| a.kind != AccountKind::Bot)
        .ok_or_else(|| invalid("Integration", "owner", "owner does not exist"))?;
    let slug = slug_of(&input.name);
    if slug.is_empty() {
        return Err(invalid("Integration", "name", "Name can't be blank"));
    }
    check_permissions("Integration", &input.permissions)?;
    if state.apps.all().iter().any(|(_, app)| app.slug == slug) {
        return Err(invalid("Integration", "name", "Name is already in use"));
    }
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|error| {
        tracing::error!(%error, "generating an app's key");
        GitHubError::Internal
    })?;
    let private_key_pem = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|_| GitHubError::Internal)?
        .to_string();
    let public_key_pem = key
        .to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|_| GitHubError::Internal)?;
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let client_id = format!("Iv23li{}", ids.random_word(ALPHANUMERIC, 14));
    let bot_login = format!("{slug}[bot]");
    crate::auth::create_account(state, &bot_login, AccountKind::Bot, now, |_| {})?;
    let app = state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "app")?;
        let mut permissions = input.permissions.clone();
        permissions
            .entry("metadata".into())
            .or_insert_with(|| "read".into());
        let app = App {
            id,
            slug: slug.clone(),
            name: input.name.clone(),
            owner: owner.login.clone(),
            description: input.description.clone(),
            external_url: input.url.clone().unwrap_or_default(),
            client_id: client_id.clone(),
            public_key_pem: public_key_pem.clone(),
            permissions,
            events: input.events.clone(),
            created_at: now,
            updated_at: now,
        };
        txn.insert(&state.apps, &model::id_key(id), app.clone())?;
        Ok::<_, GitHubError>(app)
    })?;
    Ok(Registered {
        app,
        private_key_pem,
    })
}

/// What installing an app needs: the account, and the repositories when only some are chosen.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewInstallation {
    pub account: String,
    /// Names of the account's repositories; absent for all of them.
    pub repositories: Option<Vec<String>>,
}

/// Installs app `app_id` on `input.account` with the app's permissions and events; an app is
/// installed at most once per account, as on GitHub.
pub fn install(
    state: &State,
    now: i64,
    app_id: u64,
    input: NewInstallation,
) -> Result<Installation, GitHubError> {
    let app = state
        .apps
        .get(&model::id_key(app_id))
        .ok_or(GitHubError::NotFound)?;
    let account = state
        .account(&input.account)
        .filter(|a| a.kind != AccountKind::Bot)
        .ok_or_else(|| invalid("Installation", "account", "account does not exist"))?;
    if installation_on(state, app.id, &account.login).is_some() {
        return Err(invalid(
            "Installation",
            "account",
            "The app is already installed on this account",
        ));
    }
    let (selection, repository_ids) = match &input.repositories {
        None => ("all", Vec::new()),
        Some(names) => {
            let mut ids = Vec::new();
            for name in names {
                let repo = state.repo_by_name(&account.login, name).ok_or_else(|| {
                    invalid(
                        "Installation",
                        "repositories",
                        &format!("{name} is not a repository of {}", account.login),
                    )
                })?;
                ids.push(repo.id);
            }
            ("selected", ids)
        }
    };
    state.store.transaction(|txn| {
        let id = model::next_id(txn, &state.counters, "installation")?;
        let installation = Installation {
            id,
            app_id: app.id,
            account: account.login.clone(),
            repository_selection: selection.into(),
            repository_ids: repository_ids.clone(),
            permissions: app.permissions.clone(),
            events: app.events.clone(),
            created_at: now,
            updated_at: now,
            suspended_at: None,
        };
        txn.insert(
            &state.installations,
            &model::id_key(id),
            installation.clone(),
        )?;
        Ok::<_, GitHubError>(installation)
    })
}

/// The installation of app `app_id` on `account`, if any.
pub fn installation_on(state: &State, app_id: u64, account: &str) -> Option<Installation> {
    state
        .installations
        .all()
        .into_iter()
        .map(|(_, installation)| installation)
        .find(|i| i.app_id == app_id && i.account.eq_ignore_ascii_case(account))
}

/// Whether `installation` reaches repository `repo` (its account's, and chosen).
pub fn reaches(installation: &Installation, repo: &model::Repo) -> bool {
    repo.owner.eq_ignore_ascii_case(&installation.account)
        && (installation.repository_selection == "all"
            || installation.repository_ids.contains(&repo.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_derived_as_github_does() {
        for (name, slug) in [
            ("Octo Bot", "octo-bot"),
            ("my_app!! 2", "my-app-2"),
            ("  x  ", "x"),
            ("!!!", ""),
        ] {
            assert_eq!(slug_of(name), slug, "{name}");
        }
    }
}
