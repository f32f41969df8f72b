//! Dispatch of stars and watching. Listings of stars answer with the star's time too when the
//! client asks for `application/vnd.github.star+json` (GitHub's `stargazer` and
//! `starred-repository` shapes), as PyGithub's `get_stargazers_with_dates` does.

use serde_json::json;

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::render;
use crate::services::{Ctx, stars};
use crate::spec::Op;

fn with_dates(call: &Call<'_>) -> bool {
    call.headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("star+json"))
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let owner = call.param("owner");
    let name = call.param("repo");
    let sort = call.query("sort");
    let direction = call.query("direction");
    Ok(match call.matched.op {
        Op::ActivityListStargazersForRepo => {
            let list = stars::stargazers(ctx, owner, name)?;
            let dates = with_dates(call);
            call.page(list, |(account, star)| {
                let user = render::simple_user(urls, account);
                if dates {
                    json!({"starred_at": render::timestamp(star.starred_at), "user": user})
                } else {
                    user
                }
            })
        }
        Op::ActivityGetStargazerCountForRepo => {
            let count = stars::stargazers(ctx, owner, name)?.len();
            Reply::ok(json!({ "count": count }))
        }
        Op::ActivityListReposStarredByAuthenticatedUser | Op::ActivityListReposStarredByUser => {
            let list = if call.matched.op == Op::ActivityListReposStarredByUser {
                stars::starred_by(
                    ctx,
                    call.param("username"),
                    sort.as_deref(),
                    direction.as_deref(),
                )?
            } else {
                stars::starred_by_caller(ctx, sort.as_deref(), direction.as_deref())?
            };
            let dates = with_dates(call);
            call.page(list, |(repo, star)| {
                let rendered = render_repo(ctx, urls, repo, false);
                if dates {
                    json!({"starred_at": render::timestamp(star.starred_at), "repo": rendered})
                } else {
                    rendered
                }
            })
        }
        Op::ActivityCheckRepoIsStarredByAuthenticatedUser => {
            stars::check_starred(ctx, owner, name)?;
            Reply::no_content()
        }
        Op::ActivityStarRepoForAuthenticatedUser => {
            stars::star(ctx, owner, name)?;
            Reply::no_content()
        }
        Op::ActivityUnstarRepoForAuthenticatedUser => {
            stars::unstar(ctx, owner, name)?;
            Reply::no_content()
        }
        Op::ActivityListWatchersForRepo => {
            let list = stars::watchers(ctx, owner, name)?;
            call.page(list, |account| render::simple_user(urls, account))
        }
        Op::ActivityGetRepoSubscription | Op::ActivitySetRepoSubscription => {
            let (repo, subscription) = if call.matched.op == Op::ActivityGetRepoSubscription {
                stars::get_subscription(ctx, owner, name)?
            } else {
                stars::set_subscription(ctx, owner, name, call.input()?)?
            };
            let repository_url = format!("{}/repos/{}", urls.api, repo.full_name());
            Reply::ok(json!({
                "subscribed": subscription.subscribed,
                "ignored": subscription.ignored,
                "reason": null,
                "created_at": render::timestamp(subscription.created_at),
                "url": format!("{repository_url}/subscription"),
                "repository_url": repository_url,
            }))
        }
        Op::ActivityDeleteRepoSubscription => {
            stars::delete_subscription(ctx, owner, name)?;
            Reply::no_content()
        }
        Op::ActivityListWatchedReposForAuthenticatedUser | Op::ActivityListReposWatchedByUser => {
            let list = if call.matched.op == Op::ActivityListReposWatchedByUser {
                stars::watched_by(ctx, call.param("username"))?
            } else {
                stars::watched_by_caller(ctx)?
            };
            call.page(list, |repo| render_repo(ctx, urls, repo, false))
        }
        other => {
            tracing::error!(
                ?other,
                "operation routed to the stars dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}
