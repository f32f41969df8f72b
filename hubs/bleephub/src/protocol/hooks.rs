//! Dispatch of the webhook operations of repositories and organizations: hooks, their
//! config, pings, tests and deliveries (paged by cursor, as GitHub pages them).

use serde_json::Value;

use super::{Call, Reply};
use crate::error::GitHubError;
use crate::hooks::render;
use crate::hooks::service::{self, Target};
use crate::services::Ctx;
use crate::spec::Op;

/// `Link` for a cursor-paged list: only `next` (and `first`), as GitHub sends for deliveries.
fn cursor_link(call: &Call<'_>, next: Option<&str>) -> Option<String> {
    let next = next?;
    let keep: Vec<(String, String)> = call
        .query
        .iter()
        .filter(|(key, _)| key != "cursor")
        .cloned()
        .collect();
    let query = |cursor: Option<&str>| {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &keep {
            form.append_pair(key, value);
        }
        if let Some(cursor) = cursor {
            form.append_pair("cursor", cursor);
        }
        form.finish()
    };
    Some(format!(
        "<{url}?{next}>; rel=\"next\", <{url}?{first}>; rel=\"first\"",
        url = call.url,
        next = query(Some(next)),
        first = query(None),
    ))
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let hub = ctx.hub;
    let target = match call.matched.op {
        Op::OrgsListWebhooks
        | Op::OrgsCreateWebhook
        | Op::OrgsGetWebhook
        | Op::OrgsUpdateWebhook
        | Op::OrgsDeleteWebhook
        | Op::OrgsGetWebhookConfigForOrg
        | Op::OrgsUpdateWebhookConfigForOrg
        | Op::OrgsListWebhookDeliveries
        | Op::OrgsGetWebhookDelivery
        | Op::OrgsRedeliverWebhookDelivery
        | Op::OrgsPingWebhook => Target::Org {
            login: call.param("org"),
        },
        _ => Target::Repo {
            owner: call.param("owner"),
            name: call.param("repo"),
        },
    };
    let id = call.param("hook_id");
    Ok(match call.matched.op {
        Op::ReposListWebhooks | Op::OrgsListWebhooks => {
            let (owner, hooks) = service::list(ctx, target)?;
            call.page(hooks, |hook| render::hook(hub, urls, &owner, hook))
        }
        Op::ReposCreateWebhook | Op::OrgsCreateWebhook => {
            let (owner, hook) = service::create(ctx, target, call.input()?, urls)?;
            Reply::created(render::hook(hub, urls, &owner, &hook))
        }
        Op::ReposGetWebhook | Op::OrgsGetWebhook => {
            let (owner, hook) = service::get(ctx, target, id)?;
            Reply::ok(render::hook(hub, urls, &owner, &hook))
        }
        Op::ReposUpdateWebhook | Op::OrgsUpdateWebhook => {
            let (owner, hook) = service::update(ctx, target, id, call.input()?)?;
            Reply::ok(render::hook(hub, urls, &owner, &hook))
        }
        Op::ReposDeleteWebhook | Op::OrgsDeleteWebhook => {
            service::delete(ctx, target, id)?;
            Reply::no_content()
        }
        Op::ReposGetWebhookConfigForRepo | Op::OrgsGetWebhookConfigForOrg => {
            let (_, hook) = service::get(ctx, target, id)?;
            Reply::ok(render::config(&hook.config))
        }
        Op::ReposUpdateWebhookConfigForRepo | Op::OrgsUpdateWebhookConfigForOrg => {
            let hook = service::update_config(ctx, target, id, call.input()?)?;
            Reply::ok(render::config(&hook.config))
        }
        Op::ReposPingWebhook | Op::OrgsPingWebhook => {
            service::ping(ctx, target, id)?;
            Reply::no_content()
        }
        Op::ReposTestPushWebhook => {
            service::test(ctx, call.param("owner"), call.param("repo"), id)?;
            Reply::no_content()
        }
        Op::ReposListWebhookDeliveries | Op::OrgsListWebhookDeliveries => {
            let per_page = call
                .query("per_page")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(30)
                .clamp(1, 100);
            let cursor = call.query("cursor");
            let status = call.query("status");
            let (page, next) = service::deliveries(
                ctx,
                target,
                id,
                cursor.as_deref(),
                per_page,
                status.as_deref(),
            )?;
            Reply {
                link: cursor_link(call, next.as_deref()),
                ..Reply::ok(Value::Array(
                    page.iter().map(render::delivery_item).collect(),
                ))
            }
        }
        Op::ReposGetWebhookDelivery | Op::OrgsGetWebhookDelivery => {
            let delivery = service::delivery(ctx, target, id, call.param("delivery_id"))?;
            Reply::ok(render::delivery(&delivery))
        }
        Op::ReposRedeliverWebhookDelivery | Op::OrgsRedeliverWebhookDelivery => {
            let body = service::redeliver(ctx, target, id, call.param("delivery_id"))?;
            Reply {
                status: http::StatusCode::ACCEPTED,
                ..Reply::ok(body)
            }
        }
        other => {
            tracing::error!(
                ?other,
                "operation routed to the hooks dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}
