//! GitHub Apps' shapes: `integration` (an app), `installation` and `installation-token`, with
//! URLs pointing back at the fake.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Urls, account_or_ghost, node_id, simple_user, timestamp};
use crate::model::{App, Installation, InstallationToken, State};

fn permissions(map: &BTreeMap<String, String>) -> Value {
    json!(map)
}

/// `integration`: the app as `GET /app` and an installation's check runs show it.
pub fn app(urls: &Urls, state: &State, app: &App, installations_count: Option<usize>) -> Value {
    let owner = account_or_ghost(state, &app.owner);
    let html_url = format!("{}/apps/{}", urls.html, app.slug);
    // GitHub requires a homepage URL when an app is registered; the app's page stands in.
    let external_url = if app.external_url.is_empty() {
        html_url.clone()
    } else {
        app.external_url.clone()
    };
    let mut body = json!({
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("Integration", app.id),
        "client_id": app.client_id,
        "owner": simple_user(urls, &owner),
        "name": app.name,
        "description": app.description,
        "external_url": external_url,
        "html_url": html_url,
        "created_at": timestamp(app.created_at),
        "updated_at": timestamp(app.updated_at),
        "permissions": permissions(&app.permissions),
        "events": app.events,
    });
    if let Some(count) = installations_count {
        body["installations_count"] = count.into();
    }
    body
}

/// `installation`.
pub fn installation(urls: &Urls, state: &State, app: &App, installation: &Installation) -> Value {
    let account = account_or_ghost(state, &installation.account);
    let html_url = match account.kind {
        crate::model::AccountKind::Organization => format!(
            "{}/organizations/{}/settings/installations/{}",
            urls.html, account.login, installation.id
        ),
        _ => format!("{}/settings/installations/{}", urls.html, installation.id),
    };
    json!({
        "id": installation.id,
        "client_id": app.client_id,
        "account": simple_user(urls, &account),
        "repository_selection": installation.repository_selection,
        "access_tokens_url": format!("{}/app/installations/{}/access_tokens", urls.api, installation.id),
        "repositories_url": format!("{}/installation/repositories", urls.api),
        "html_url": html_url,
        "app_id": app.id,
        "app_slug": app.slug,
        "target_id": account.id,
        "target_type": account.kind.as_str(),
        "permissions": permissions(&installation.permissions),
        "events": installation.events,
        "created_at": timestamp(installation.created_at),
        "updated_at": timestamp(installation.updated_at),
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "suspended_by": null,
        "suspended_at": installation.suspended_at.map(timestamp),
    })
}

/// `installation-token`: the token (this once), its expiry and grant, and the repositories
/// it was narrowed to (already rendered) when it was.
pub fn token(
    token: &str,
    grant: &InstallationToken,
    selection: &str,
    repositories: Option<Vec<Value>>,
) -> Value {
    let mut body = json!({
        "token": token,
        "expires_at": timestamp(grant.expires_at),
        "permissions": permissions(&grant.permissions),
        "repository_selection": selection,
    });
    if let Some(repositories) = repositories {
        body["repositories"] = Value::Array(repositories);
    }
    body
}
