//! Dispatch of `/search/issues`, `/search/repositories` and `/search/users`: GitHub's envelope
//! (`total_count`, `incomplete_results`, `items` with a `score`), paged with `Link` like any
//! listing.

use serde_json::{Value, json};

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::paging::Page;
use crate::render;
use crate::services::{Ctx, search};
use crate::spec::Op;

fn envelope<T>(
    call: &Call<'_>,
    all: Vec<T>,
    extra: Option<(&str, Value)>,
    item: impl Fn(&T) -> Value,
) -> Reply {
    let page = Page::from_query(&call.query);
    let total = all.len();
    let items: Vec<Value> = page
        .slice(all)
        .iter()
        .map(|found| {
            let mut rendered = item(found);
            rendered["score"] = json!(1.0);
            rendered
        })
        .collect();
    let mut body = json!({
        "total_count": total,
        "incomplete_results": false,
        "items": items,
    });
    if let Some((name, value)) = extra {
        body[name] = value;
    }
    Reply {
        link: page.link(&call.url, &call.query, total),
        ..Reply::ok(body)
    }
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let q = call.query("q");
    let sort = call.query("sort");
    let order = call.query("order");
    let order = search::Order {
        sort: sort.as_deref(),
        order: order.as_deref(),
    };
    Ok(match call.matched.op {
        Op::SearchIssuesAndPullRequests => {
            if let Some(kind) = call.query("search_type").filter(|k| k != "lexical") {
                return Err(GitHubError::Unprocessable(
                    "Validation Failed".into(),
                    vec![format!(
                        "bleephub's search is lexical only; search_type {kind} is not supported."
                    )],
                ));
            }
            let found = search::issues(ctx, q.as_deref(), order)?;
            envelope(
                call,
                found,
                Some(("search_type", json!("lexical"))),
                |(repo, issue)| render::issue(urls, state, repo, issue),
            )
        }
        Op::SearchRepos => {
            let found = search::repositories(ctx, q.as_deref(), order)?;
            envelope(call, found, None, |repo| {
                render_repo(ctx, urls, repo, false)
            })
        }
        Op::SearchUsers => {
            let found = search::users(ctx, q.as_deref(), order)?;
            envelope(call, found, None, |account| {
                render::simple_user(urls, account)
            })
        }
        other => {
            tracing::error!(
                ?other,
                "operation routed to the search dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}
