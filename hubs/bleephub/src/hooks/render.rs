//! Hooks and deliveries in GitHub's shapes (`hook`, `org-hook`, `webhook-config`,
//! `hook-delivery-item`, `hook-delivery`). A secret shows as `********`.

use serde_json::{Map, Value, json};
use simkit::webhook::{Delivery, DeliveryState, Outcome};

use super::service::Owner;
use super::{Hook, HookConfig};
use crate::Hub;
use crate::render::{Urls, timestamp};

pub fn config(config: &HookConfig) -> Value {
    let mut body = json!({
        "content_type": config.content_type,
        "insecure_ssl": config.insecure_ssl,
        "url": config.url,
    });
    if config.secret.is_some() {
        body["secret"] = "********".into();
    }
    body
}

/// The text GitHub shows for how a delivery went.
pub fn status_text(delivery: &Delivery) -> String {
    match (&delivery.outcome, delivery.state) {
        (_, DeliveryState::Pending) if delivery.attempts == 0 => "Pending".into(),
        (Some(Outcome::Response { status }), _) if (200..300).contains(status) => "OK".into(),
        (Some(Outcome::Response { status }), _) => format!("Invalid HTTP Response: {status}"),
        (Some(Outcome::TimedOut), _) => "timed out".into(),
        (Some(Outcome::ConnectFailed { .. }), _) => "failed to connect to host".into(),
        (Some(Outcome::Unsupported { reason }), _) => reason.clone(),
        (None, _) => "Pending".into(),
    }
}

/// `last_response`: the latest delivery's answer, or `unused` before the first.
fn last_response(hub: &Hub, hook: &Hook) -> Value {
    let latest = hub
        .hooks
        .deliveries
        .list(&hook.key())
        .into_iter()
        .find(|d| d.state != DeliveryState::Pending);
    match latest {
        None => json!({"code": null, "status": "unused", "message": null}),
        Some(delivery) => {
            let code = match delivery.status_code() {
                0 => Value::Null,
                code => code.into(),
            };
            json!({"code": code, "status": "active", "message": status_text(&delivery)})
        }
    }
}

/// `hook` (repository) or `org-hook`, with URLs under the request's API root.
pub fn hook(hub: &Hub, urls: &Urls, owner: &Owner, hook: &Hook) -> Value {
    match owner {
        Owner::Repo(repo) => {
            let url = format!("{}/repos/{}/hooks/{}", urls.api, repo.full_name(), hook.id);
            json!({
                "type": "Repository",
                "id": hook.id,
                "name": hook.name,
                "active": hook.active,
                "events": hook.events,
                "config": config(&hook.config),
                "updated_at": timestamp(hook.updated_at),
                "created_at": timestamp(hook.created_at),
                "url": url,
                "test_url": format!("{url}/test"),
                "ping_url": format!("{url}/pings"),
                "deliveries_url": format!("{url}/deliveries"),
                "last_response": last_response(hub, hook),
            })
        }
        Owner::Org(org) => {
            let url = format!("{}/orgs/{}/hooks/{}", urls.api, org.login, hook.id);
            json!({
                "type": "Organization",
                "id": hook.id,
                "url": url,
                "ping_url": format!("{url}/pings"),
                "deliveries_url": format!("{url}/deliveries"),
                "name": hook.name,
                "events": hook.events,
                "active": hook.active,
                "config": config(&hook.config),
                "updated_at": timestamp(hook.updated_at),
                "created_at": timestamp(hook.created_at),
            })
        }
    }
}

/// `hook-delivery-item`.
pub fn delivery_item(delivery: &Delivery) -> Value {
    let at = delivery.attempted_at.unwrap_or(delivery.created_at);
    json!({
        "id": delivery.id,
        "guid": delivery.guid,
        "delivered_at": timestamp(at),
        "redelivery": delivery.redelivery,
        "duration": delivery.duration_ms / 1000.0,
        "status": status_text(delivery),
        "status_code": delivery.status_code(),
        "event": delivery.event,
        "action": delivery.action,
        "installation_id": null,
        "repository_id": delivery.extra.get("repository_id").cloned().unwrap_or(Value::Null),
        "throttled_at": null,
    })
}

fn header_map(headers: &[(String, String)]) -> Value {
    let map: Map<String, Value> = headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    Value::Object(map)
}

/// `hook-delivery`: the item, the URL, and the request and response as they went. The request
/// payload is the event's JSON whatever the content type (as GitHub shows it).
pub fn delivery(delivery: &Delivery) -> Value {
    let mut body = delivery_item(delivery);
    let json_text = if delivery.request_body.starts_with("payload=") {
        form_urlencoded::parse(delivery.request_body.as_bytes())
            .find(|(key, _)| key == "payload")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    } else {
        delivery.request_body.clone()
    };
    let payload: Value = serde_json::from_str(&json_text).unwrap_or(Value::Null);
    body["url"] = delivery.url.clone().into();
    body["request"] = json!({
        "headers": header_map(&delivery.request_headers),
        "payload": payload,
    });
    body["response"] = json!({
        "headers": header_map(&delivery.response_headers),
        "payload": delivery.response_body,
    });
    body
}
