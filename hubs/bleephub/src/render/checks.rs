//! Commit statuses, combined statuses, check runs and check suites in GitHub's shapes
//! (`status`, `simple-commit-status`, `combined-commit-status`, `check-run`, `check-suite`),
//! and the one app that makes check runs here, GitHub Actions, as an `integration`.

use serde_json::{Value, json};

use super::{Urls, account_or_ghost, node_id, optional_time, simple_user, timestamp};
use crate::model::{Account, AccountKind, CheckRun, CheckSuite, CommitStatus, Repo, State};

/// The `integration` of the app with `slug`: a registered app, else GitHub Actions'.
pub fn app_of_slug(urls: &Urls, state: &State, slug: &str) -> Value {
    match state
        .apps
        .all()
        .into_iter()
        .find(|(_, app)| app.slug == slug)
    {
        Some((_, app)) => super::apps::app(urls, state, &app, None),
        None => integration(urls, slug),
    }
}

/// GitHub Actions' app, as GitHub shows it on every check it makes.
pub fn integration(urls: &Urls, slug: &str) -> Value {
    let owner = Account {
        id: 9919,
        login: "github".into(),
        kind: AccountKind::Organization,
        name: Some("GitHub".into()),
        email: None,
        company: None,
        blog: String::new(),
        location: None,
        bio: None,
        description: None,
        site_admin: false,
        created_at: 0,
        updated_at: 0,
    };
    json!({
        "id": 15368,
        "slug": slug,
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": simple_user(urls, &owner),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": format!("{}/apps/{slug}", urls.html),
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {
            "actions": "write",
            "checks": "write",
            "contents": "write",
            "deployments": "write",
            "issues": "write",
            "metadata": "read",
            "packages": "write",
            "pull_requests": "write",
            "statuses": "write",
        },
        "events": ["check_run", "check_suite", "create", "delete", "pull_request", "push", "release", "workflow_dispatch"],
    })
}

fn status_url(urls: &Urls, repo: &Repo, sha: &str) -> String {
    format!("{}/repos/{}/statuses/{sha}", urls.api, repo.full_name())
}

/// `simple-commit-status`: the members every status shape shares.
pub fn simple_status(urls: &Urls, state: &State, repo: &Repo, status: &CommitStatus) -> Value {
    let creator = account_or_ghost(state, &status.creator);
    json!({
        "url": status_url(urls, repo, &status.sha),
        "avatar_url": format!("{}/avatars/u/{}", urls.html, creator.id),
        "id": status.id,
        "node_id": node_id("StatusContext", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": timestamp(status.created_at),
        "updated_at": timestamp(status.created_at),
    })
}

/// `status`: a status with its creator.
pub fn status(urls: &Urls, state: &State, repo: &Repo, status: &CommitStatus) -> Value {
    let mut body = simple_status(urls, state, repo, status);
    body["creator"] = simple_user(urls, &account_or_ghost(state, &status.creator));
    body
}

/// `combined-commit-status`, with one page of the latest statuses.
pub fn combined(
    urls: &Urls,
    state_of: &str,
    sha: &str,
    statuses: Vec<Value>,
    total: usize,
    repository: Value,
    repo: &Repo,
) -> Value {
    let commit_url = format!("{}/repos/{}/commits/{sha}", urls.api, repo.full_name());
    json!({
        "state": state_of,
        "statuses": statuses,
        "sha": sha,
        "total_count": total,
        "repository": repository,
        "commit_url": commit_url,
        "url": format!("{commit_url}/status"),
    })
}

/// `check-run`; `app` is the `integration` that made it ([`app_of_slug`]).
pub fn check_run(urls: &Urls, repo: &Repo, app: Value, run: &CheckRun) -> Value {
    let url = format!(
        "{}/repos/{}/check-runs/{}",
        urls.api,
        repo.full_name(),
        run.id
    );
    let html_url = format!("{}/{}/runs/{}", urls.html, repo.full_name(), run.id);
    json!({
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": node_id("CheckRun", run.id),
        "external_id": run.external_id.clone().unwrap_or_default(),
        "url": url,
        "html_url": html_url,
        "details_url": run.details_url.clone().unwrap_or(html_url.clone()),
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": optional_time(run.started_at),
        "completed_at": optional_time(run.completed_at),
        "output": {
            "title": run.output_title,
            "summary": run.output_summary,
            "text": run.output_text,
            "annotations_count": 0,
            "annotations_url": format!("{url}/annotations"),
        },
        "name": run.name,
        "check_suite": { "id": run.suite_id },
        "app": app,
        "pull_requests": [],
    })
}

/// `check-suite`, its status and conclusion folded from `runs`.
pub fn check_suite(
    urls: &Urls,
    repository: Value,
    repo: &Repo,
    suite: &CheckSuite,
    runs: &[CheckRun],
    head_commit: Value,
    app: Value,
) -> Value {
    let (status, conclusion) = crate::services::checks::suite_state(runs);
    let url = format!(
        "{}/repos/{}/check-suites/{}",
        urls.api,
        repo.full_name(),
        suite.id
    );
    json!({
        "id": suite.id,
        "node_id": node_id("CheckSuite", suite.id),
        "head_branch": suite.head_branch,
        "head_sha": suite.head_sha,
        "status": status,
        "conclusion": conclusion,
        "url": url,
        "before": Value::Null,
        "after": suite.head_sha,
        "pull_requests": [],
        "app": app,
        "repository": repository,
        "created_at": timestamp(suite.created_at),
        "updated_at": timestamp(suite.updated_at),
        "head_commit": head_commit,
        "latest_check_runs_count": runs.len(),
        "check_runs_url": format!("{url}/check-runs"),
        "rerequestable": true,
        "runs_rerequestable": true,
    })
}
