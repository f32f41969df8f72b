//! Dispatch of commit statuses, check runs and check suites. Listings of check runs and
//! suites are objects (`{total_count, check_runs|check_suites}`), and a combined status pages
//! its `statuses`; each keeps the page's `Link`.

use serde_json::{Map, Value, json};

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::model::{CheckRun, Repo};
use crate::render::checks as shapes;
use crate::services::Ctx;
use crate::services::checks::{self, RunFilter};
use crate::spec::Op;

/// A page of items inside `{total_count, KEY: [...]}`, keeping its `Link`.
fn wrap(page: Reply, total: usize, key: &str) -> Reply {
    let items = page.body.clone().unwrap_or(Value::Array(Vec::new()));
    let mut body = Map::new();
    body.insert("total_count".into(), json!(total));
    body.insert(key.into(), items);
    Reply {
        body: Some(Value::Object(body)),
        ..page
    }
}

fn run_filter(call: &Call<'_>) -> RunFilter {
    RunFilter {
        check_name: call.query("check_name"),
        status: call.query("status"),
        filter: call.query("filter"),
    }
}

/// The slug of the app that made `run` (its suite's).
fn app_of(ctx: &Ctx<'_>, repo: &Repo, run: &CheckRun) -> String {
    ctx.hub
        .state
        .check_suites
        .get(&format!("{:012}/{:012}", repo.id, run.suite_id))
        .map_or_else(|| "github-actions".to_string(), |suite| suite.app)
}

/// `simple-commit` of `sha`, or null when git cannot read it.
fn head_commit(ctx: &Ctx<'_>, repo: &Repo, sha: &str) -> Value {
    let Ok(git) = crate::services::commits::open(ctx, repo) else {
        return Value::Null;
    };
    let Ok(Some(commit)) = git.commit_info(sha) else {
        return Value::Null;
    };
    let time = |signature: &simkit::git::Signature| {
        crate::render::timestamp(signature.time.saturating_mul(1000))
    };
    json!({
        "id": commit.sha,
        "tree_id": commit.tree,
        "message": commit.message.trim_end_matches('\n'),
        "timestamp": time(&commit.committer),
        "author": { "name": commit.author.name, "email": commit.author.email },
        "committer": { "name": commit.committer.name, "email": commit.committer.email },
    })
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let name = call.param("repo");
    let render_run = |repo: &Repo, run: &CheckRun| {
        let app = shapes::app_of_slug(urls, state, &app_of(ctx, repo, run));
        shapes::check_run(urls, repo, app, run)
    };
    Ok(match call.matched.op {
        Op::ReposCreateCommitStatus => {
            let (repo, status) =
                checks::create_status(ctx, owner, name, call.param("sha"), call.input()?)?;
            Reply::created(shapes::status(urls, state, &repo, &status))
        }
        Op::ReposListCommitStatusesForRef => {
            let (repo, statuses) = checks::list_statuses(ctx, owner, name, call.param("ref"))?;
            call.page(statuses, |status| {
                shapes::status(urls, state, &repo, status)
            })
        }
        Op::ReposGetCombinedStatusForRef => {
            let combined = checks::combined(ctx, owner, name, call.param("ref"))?;
            let repo = &combined.repo;
            let total = combined.latest.len();
            let page = call.page(combined.latest, |status| {
                shapes::simple_status(urls, state, repo, status)
            });
            let items = match page.body.clone() {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            let body = shapes::combined(
                urls,
                &combined.state,
                &combined.sha,
                items,
                total,
                render_repo(ctx, urls, repo, false),
                repo,
            );
            Reply {
                body: Some(body),
                ..page
            }
        }
        Op::ChecksCreate => {
            let (repo, run) = checks::create_run_as_app(ctx, owner, name, call.input()?)?;
            Reply::created(render_run(&repo, &run))
        }
        Op::ChecksUpdate => {
            let (repo, run) = checks::update_run_as_app(
                ctx,
                owner,
                name,
                call.param("check_run_id"),
                call.input()?,
            )?;
            Reply::ok(render_run(&repo, &run))
        }
        Op::ChecksCreateSuite => {
            let head_sha = call.body["head_sha"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let (repo, suite, created) = checks::create_suite_as_app(ctx, owner, name, &head_sha)?;
            let runs = checks::runs_of_suite(ctx, &repo, suite.id);
            let body = shapes::check_suite(
                urls,
                render_repo(ctx, urls, &repo, false),
                &repo,
                &suite,
                &runs,
                head_commit(ctx, &repo, &suite.head_sha),
                shapes::app_of_slug(urls, state, &suite.app),
            );
            if created {
                Reply::created(body)
            } else {
                Reply::ok(body)
            }
        }
        Op::ChecksGet => {
            let (repo, run) = checks::get_run(ctx, owner, name, call.param("check_run_id"))?;
            Reply::ok(render_run(&repo, &run))
        }
        Op::ChecksListForRef => {
            let (repo, runs) =
                checks::list_runs_for_ref(ctx, owner, name, call.param("ref"), &run_filter(call))?;
            let total = runs.len();
            wrap(
                call.page(runs, |run| render_run(&repo, run)),
                total,
                "check_runs",
            )
        }
        Op::ChecksListForSuite => {
            let (repo, runs) = checks::list_runs_for_suite(
                ctx,
                owner,
                name,
                call.param("check_suite_id"),
                &run_filter(call),
            )?;
            let total = runs.len();
            wrap(
                call.page(runs, |run| render_run(&repo, run)),
                total,
                "check_runs",
            )
        }
        Op::ChecksGetSuite => {
            let (repo, suite) = checks::get_suite(ctx, owner, name, call.param("check_suite_id"))?;
            let runs = checks::runs_of_suite(ctx, &repo, suite.id);
            Reply::ok(shapes::check_suite(
                urls,
                render_repo(ctx, urls, &repo, false),
                &repo,
                &suite,
                &runs,
                head_commit(ctx, &repo, &suite.head_sha),
                shapes::app_of_slug(urls, state, &suite.app),
            ))
        }
        Op::ChecksListSuitesForRef => {
            let app = call.query("app_slug");
            let (repo, suites) =
                checks::list_suites_for_ref(ctx, owner, name, call.param("ref"), app.as_deref())?;
            let total = suites.len();
            let page = call.page(suites, |suite| {
                let runs = checks::runs_of_suite(ctx, &repo, suite.id);
                shapes::check_suite(
                    urls,
                    render_repo(ctx, urls, &repo, false),
                    &repo,
                    suite,
                    &runs,
                    head_commit(ctx, &repo, &suite.head_sha),
                    shapes::app_of_slug(urls, state, &suite.app),
                )
            });
            wrap(page, total, "check_suites")
        }
        _ => return Err(GitHubError::NotFound),
    })
}
