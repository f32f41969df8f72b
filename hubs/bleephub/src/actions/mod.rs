//! GitHub Actions in the GitHub fake: workflows, runs and jobs, started by pushes and
//! dispatches, and their REST surface.
//!
//! | module | holds |
//! |---|---|
//! | [`model`] | the records (workflows, runs, jobs, logs) in the kit's store |
//! | [`engine`] | events into runs, ready jobs into records, jobs' ends into the run's conclusion |
//! | [`rest`] | the `/repos/{o}/{r}/actions/…` operations and `POST /repos/{o}/{r}/dispatches` |
//! | [`artifacts`] | the results service's artifacts (Twirp), their signed blob URLs and REST listings |
//! | [`caches`] | the results service's cache entries (Twirp), matched by key, restore keys and ref scope |
//! | [`settings`] | secrets and variables of repositories and organizations, and what a job gets of them |
//! | [`runner`] | the runner service (`/_apis/…`) the official runner registers with and takes jobs from |
//!
//! The languages (expressions, workflow files, matrices, filters) are the `actions` crate's;
//! this module holds state and answers requests.
//!
//! What this module must not do: read the clock (the request's time is passed in), or start
//! a job on anything but a runner that asked for one.

pub mod artifacts;
pub mod caches;
pub mod engine;
pub mod model;
pub mod rest;
pub mod runner;
pub mod settings;

use std::sync::Arc;

use serde_json::{Map, Value, json};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use crate::Hub;
use crate::error::{FieldError, GitHubError};
use crate::model::Repo;
use engine::Trigger;

/// The Actions state of a hub.
pub struct Actions {
    pub records: model::Records,
    /// Each run's workflow file as it was when the run started (`repoID/runID`), so later jobs
    /// are planned from the same text even after the file changes.
    pub sources: Arc<Collection<String>>,
    /// Woken whenever jobs are queued or cancelled: long-polling runners wait on it.
    pub jobs_changed: tokio::sync::Notify,
    /// The key log URLs are signed with, made at start (signed URLs live a minute, so they need
    /// not survive a restart).
    pub log_secret: String,
    /// The runner service: agents, sessions, job requests, timelines and logs.
    pub runner: runner::RunnerService,
    /// Secrets and configuration variables.
    pub settings: settings::Settings,
    /// Artifacts uploaded through the results service.
    pub artifacts: Arc<Collection<artifacts::ArtifactRecord>>,
    /// Cache entries saved through the results service.
    pub caches: Arc<Collection<caches::CacheEntry>>,
}

impl Actions {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        Ok(Self {
            records: model::Records::open(kit)?,
            sources: kit.store().collection("github.actions.sources")?,
            jobs_changed: tokio::sync::Notify::new(),
            log_secret: kit.ids().hex(64),
            runner: runner::RunnerService::open(kit)?,
            settings: settings::Settings::open(kit)?,
            artifacts: artifacts::open(kit)?,
            caches: caches::open(kit)?,
        })
    }
}

/// The push hook: every ref a push created or moved starts the runs its workflows ask for.
pub fn on_push(hub: &Hub, repo: &Repo, updates: &[simkit::git::RefUpdate], pusher: &str) {
    let now = hub.kit.clock().now_millis();
    for update in updates {
        let Some(sha) = &update.new else { continue };
        let changed_paths = update.old.as_ref().and_then(|old| {
            let git = hub.git.open(&repo.id.to_string()).ok()?;
            let comparison = git.compare(old, sha).ok()?;
            Some(
                comparison
                    .files
                    .into_iter()
                    .map(|f| f.path)
                    .collect::<Vec<_>>(),
            )
        });
        let payload = json!({
            "ref": update.name,
            "before": update.old.clone().unwrap_or_else(|| "0".repeat(40)),
            "after": sha,
            "created": update.old.is_none(),
            "deleted": false,
            "forced": false,
            "base_ref": null,
            "pusher": { "name": pusher },
            "sender": { "login": pusher },
            "repository": { "full_name": repo.full_name(), "name": repo.name, "owner": { "login": repo.owner } },
        });
        let trigger = Trigger {
            event: "push".into(),
            git_ref: update.name.clone(),
            sha: sha.clone(),
            actor: pusher.to_string(),
            payload,
            changed_paths,
            inputs: Map::new(),
        };
        if let Err(error) = engine::start_runs(hub, repo, &trigger, now) {
            tracing::error!(?error, repo = %repo.full_name(), "starting workflow runs for a push");
        }
    }
}

/// Installs the push hook on a hub.
pub fn install(hub: &Arc<Hub>) {
    let weak = Arc::downgrade(hub);
    hub.on_push(move |repo, updates, pusher| {
        if let Some(hub) = weak.upgrade() {
            on_push(&hub, repo, updates, pusher);
        }
    });
}

/// `POST …/actions/workflows/{id}/dispatches`: a run of that workflow at `git_ref`.
pub fn dispatch_workflow(
    hub: &Hub,
    repo: &Repo,
    workflow_id: &str,
    git_ref: &str,
    inputs: &Map<String, Value>,
    actor: &str,
    now: i64,
) -> Result<model::RunRecord, GitHubError> {
    let record = hub
        .actions
        .records
        .workflow(repo.id, workflow_id)
        .ok_or(GitHubError::NotFound)?;
    let git = hub
        .git
        .open(&repo.id.to_string())
        .map_err(|_| GitHubError::Internal)?;
    let full_ref = if git_ref.starts_with("refs/") {
        git_ref.to_string()
    } else if git
        .resolve(&format!("refs/heads/{git_ref}"))
        .ok()
        .flatten()
        .is_some()
    {
        format!("refs/heads/{git_ref}")
    } else {
        format!("refs/tags/{git_ref}")
    };
    let sha = git.resolve(&full_ref).ok().flatten().ok_or_else(|| {
        GitHubError::ValidationFailed(vec![FieldError::unfielded(
            "Workflow",
            &format!("No ref found for: {git_ref}"),
        )])
    })?;
    let source = git
        .read_blob(&sha, &record.path)
        .ok()
        .flatten()
        .ok_or_else(|| GitHubError::Missing(format!("No workflow file found at ref {git_ref}")))?;
    let source = String::from_utf8_lossy(&source).into_owned();
    let parsed = ::actions::workflow::parse(&record.path, &source)
        .map_err(|invalid| GitHubError::Unprocessable(invalid.to_string(), Vec::new()))?;
    if record.state != "active" {
        return Err(GitHubError::Unprocessable(
            "Workflow is disabled".into(),
            Vec::new(),
        ));
    }
    let inputs = ::actions::workflow::triggers::dispatch_context(&parsed.on, inputs)
        .map_err(|e| GitHubError::Unprocessable(e.to_string(), Vec::new()))?;
    let trigger = Trigger {
        event: "workflow_dispatch".into(),
        git_ref: full_ref.clone(),
        sha,
        actor: actor.to_string(),
        payload: json!({
            "inputs": inputs,
            "ref": full_ref,
            "workflow": record.path,
            "sender": { "login": actor },
            "repository": { "full_name": repo.full_name(), "name": repo.name, "owner": { "login": repo.owner } },
        }),
        changed_paths: None,
        inputs,
    };
    engine::create_run(hub, repo, &record, Ok((&parsed, &source)), &trigger, now)
}

/// `POST /repos/{o}/{r}/dispatches`: runs of the default branch's workflows that listen for
/// `repository_dispatch` of this type.
pub fn repository_dispatch(
    hub: &Hub,
    repo: &Repo,
    event_type: &str,
    client_payload: Value,
    actor: &str,
    now: i64,
) -> Result<(), GitHubError> {
    let git = hub
        .git
        .open(&repo.id.to_string())
        .map_err(|_| GitHubError::Internal)?;
    let git_ref = format!("refs/heads/{}", repo.default_branch);
    let Some(sha) = git.resolve(&git_ref).ok().flatten() else {
        return Ok(());
    };
    let trigger = Trigger {
        event: "repository_dispatch".into(),
        git_ref,
        sha,
        actor: actor.to_string(),
        payload: json!({
            "action": event_type,
            "branch": repo.default_branch,
            "client_payload": client_payload,
            "sender": { "login": actor },
            "repository": { "full_name": repo.full_name(), "name": repo.name, "owner": { "login": repo.owner } },
        }),
        changed_paths: None,
        inputs: Map::new(),
    };
    engine::start_runs(hub, repo, &trigger, now)?;
    Ok(())
}

/// Requests under `/_actions/`: signed log downloads.
pub async fn serve(
    hub: &Hub,
    parts: &http::request::Parts,
    _body: axum::body::Body,
    now: i64,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if parts.uri.path().starts_with("/_actions/logs/") && parts.method == http::Method::GET {
        return match rest::serve_log(
            hub,
            parts.uri.path(),
            parts.uri.query().unwrap_or_default(),
            now,
        ) {
            Some((content_type, bytes)) => {
                ([(http::header::CONTENT_TYPE, content_type)], bytes).into_response()
            }
            // What GitHub's blob storage answers for an expired or forged link.
            None => (
                http::StatusCode::FORBIDDEN,
                [(http::header::CONTENT_TYPE, "application/xml")],
                AUTH_FAILED,
            )
                .into_response(),
        };
    }
    let body = serde_json::json!({"message": "Not Found", "documentation_url": crate::error::DOCS, "status": "404"});
    (
        http::StatusCode::NOT_FOUND,
        [(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        body.to_string(),
    )
        .into_response()
}

const AUTH_FAILED: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>";
