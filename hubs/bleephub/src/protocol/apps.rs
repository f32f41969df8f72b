//! Dispatch of the GitHub App operations: the app, its installations, installation tokens and
//! the repositories a token reaches (`{total_count, repository_selection, repositories}`, paged).

use serde_json::{Map, Value, json};

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::model::AccountKind;
use crate::render::apps as shapes;
use crate::services::Ctx;
use crate::services::apps;
use crate::spec::Op;

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    Ok(match call.matched.op {
        Op::AppsGetAuthenticated => {
            let app = apps::authenticated_app(ctx)?;
            let count = apps::installations_count(ctx, &app);
            Reply::ok(shapes::app(urls, state, &app, Some(count)))
        }
        Op::AppsListInstallations => {
            let (app, list) = apps::list_installations(ctx)?;
            call.page(list, |installation| {
                shapes::installation(urls, state, &app, installation)
            })
        }
        Op::AppsGetInstallation => {
            let (app, installation) = apps::get_installation(ctx, call.param("installation_id"))?;
            Reply::ok(shapes::installation(urls, state, &app, &installation))
        }
        Op::AppsGetRepoInstallation => {
            let (app, installation) =
                apps::repo_installation(ctx, call.param("owner"), call.param("repo"))?;
            Reply::ok(shapes::installation(urls, state, &app, &installation))
        }
        Op::AppsGetOrgInstallation => {
            let (app, installation) =
                apps::account_installation(ctx, call.param("org"), AccountKind::Organization)?;
            Reply::ok(shapes::installation(urls, state, &app, &installation))
        }
        Op::AppsGetUserInstallation => {
            let (app, installation) =
                apps::account_installation(ctx, call.param("username"), AccountKind::User)?;
            Reply::ok(shapes::installation(urls, state, &app, &installation))
        }
        Op::AppsCreateInstallationAccessToken => {
            let issued = apps::create_token(ctx, call.param("installation_id"), call.input()?)?;
            let selection = if issued.repositories.is_some() {
                "selected"
            } else {
                issued.installation.repository_selection.as_str()
            };
            let repositories = issued.repositories.as_ref().map(|repos| {
                repos
                    .iter()
                    .map(|repo| render_repo(ctx, urls, repo, false))
                    .collect()
            });
            let body = shapes::token(&issued.token, &issued.grant, selection, repositories);
            Reply {
                // The token is its own resource; GitHub sends no Location for it.
                location: None,
                ..Reply::created(body)
            }
        }
        Op::AppsListReposAccessibleToInstallation => {
            let (selection, repos) = apps::token_repositories(ctx)?;
            let total = repos.len();
            let page = call.page(repos, |repo| render_repo(ctx, urls, repo, false));
            let items = page.body.clone().unwrap_or(Value::Array(Vec::new()));
            let mut body = Map::new();
            body.insert("total_count".into(), json!(total));
            body.insert("repository_selection".into(), json!(selection));
            body.insert("repositories".into(), items);
            Reply {
                body: Some(Value::Object(body)),
                ..page
            }
        }
        _ => return Err(GitHubError::NotFound),
    })
}
