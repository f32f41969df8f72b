//! The Actions REST operations (`/repos/{o}/{r}/actions/…`, `POST /repos/{o}/{r}/dispatches`)
//! and their shapes (`workflow`, `workflow-run`, `job`), as GitHub's description has them.
//!
//! Logs are served as GitHub serves them: the API answers `302 Found` with a short-lived
//! signed URL (`/_actions/logs/…`), which answers the job's log as text, or a run's logs as a
//! zip of `N_job.txt` files with each job's steps beside them as `job/N_step.txt` (which is
//! how `gh run view --log` names each line's step).
//!
//! What this module must not do: change state itself (the engine does), or serve a log without
//! a valid signature.

use std::io::Write as _;

use http::StatusCode;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::artifacts;
use super::engine;
use super::model::{JobRecord, RunRecord, WorkflowRecord};
use crate::error::GitHubError;
use crate::model::Repo;
use crate::protocol::{Call, Reply};
use crate::render::{self, Urls, node_id, timestamp};
use crate::services::Ctx;
use crate::spec::Op;

/// How long a signed log URL stays valid (GitHub's last about a minute).
const LOG_URL_MILLIS: i64 = 60_000;

fn repo_urls(urls: &Urls, repo: &Repo) -> (String, String) {
    (
        format!("{}/repos/{}", urls.api, repo.full_name()),
        format!("{}/{}", urls.html, repo.full_name()),
    )
}

pub fn workflow(urls: &Urls, repo: &Repo, record: &WorkflowRecord) -> Value {
    let (api, html) = repo_urls(urls, repo);
    let file = record.path.rsplit('/').next().unwrap_or(&record.path);
    json!({
        "id": record.id,
        "node_id": node_id("Workflow", record.id),
        "name": record.name,
        "path": record.path,
        "state": record.state,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "url": format!("{api}/actions/workflows/{}", record.id),
        "html_url": format!("{html}/blob/{}/{}", repo.default_branch, record.path),
        "badge_url": format!("{html}/workflows/{}/badge.svg", percent_encoding::utf8_percent_encode(file, percent_encoding::NON_ALPHANUMERIC)),
    })
}

pub fn run(ctx: &Ctx<'_>, urls: &Urls, repo: &Repo, run: &RunRecord) -> Value {
    let (api, html) = repo_urls(urls, repo);
    let url = format!("{api}/actions/runs/{}", run.id);
    let owner = render::account_or_ghost(&ctx.hub.state, &repo.owner);
    let permissions = ctx.caller.as_ref().map(|_| ctx.permissions(repo));
    let repository = render::repo(urls, repo, &owner, permissions, false);
    let actor = render::simple_user(urls, &render::account_or_ghost(&ctx.hub.state, &run.actor));
    let triggering = render::simple_user(
        urls,
        &render::account_or_ghost(&ctx.hub.state, &run.triggering_actor),
    );
    let head_commit = run.head_commit.as_ref().map_or(Value::Null, |c| {
        json!({
            "id": c.id,
            "tree_id": c.tree_id,
            "message": c.message,
            "timestamp": timestamp(c.timestamp),
            "author": { "name": c.author_name, "email": c.author_email },
            "committer": { "name": c.committer_name, "email": c.committer_email },
        })
    });
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": node_id("WorkflowRun", run.id),
        "check_suite_id": run.id,
        "check_suite_node_id": node_id("CheckSuite", run.id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.display_title,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": url,
        "html_url": format!("{html}/actions/runs/{}", run.id),
        "pull_requests": [],
        "created_at": timestamp(run.created_at),
        "updated_at": timestamp(run.updated_at),
        "actor": actor,
        "run_attempt": run.run_attempt,
        "referenced_workflows": [],
        "run_started_at": timestamp(run.run_started_at),
        "triggering_actor": triggering,
        "jobs_url": format!("{url}/jobs"),
        "logs_url": format!("{url}/logs"),
        "check_suite_url": format!("{api}/check-suites/{}", run.id),
        "artifacts_url": format!("{url}/artifacts"),
        "cancel_url": format!("{url}/cancel"),
        "rerun_url": format!("{url}/rerun"),
        "previous_attempt_url": if run.run_attempt > 1 { Value::String(format!("{url}/attempts/{}", run.run_attempt - 1)) } else { Value::Null },
        "workflow_url": format!("{api}/actions/workflows/{}", run.workflow_id),
        "head_commit": head_commit,
        "repository": repository.clone(),
        "head_repository": repository,
    })
}

pub fn job(urls: &Urls, repo: &Repo, run: &RunRecord, job: &JobRecord) -> Value {
    let (api, html) = repo_urls(urls, repo);
    let steps: Vec<Value> = job
        .steps
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "status": s.status,
                "conclusion": s.conclusion,
                "number": s.number,
                "started_at": s.started_at.map(timestamp),
                "completed_at": s.completed_at.map(timestamp),
            })
        })
        .collect();
    json!({
        "id": job.id,
        "run_id": job.run_id,
        "workflow_name": run.name,
        "head_branch": run.head_branch,
        "run_url": format!("{api}/actions/runs/{}", job.run_id),
        "run_attempt": job.run_attempt,
        "node_id": node_id("CheckRun", job.id),
        "head_sha": run.head_sha,
        "url": format!("{api}/actions/jobs/{}", job.id),
        "html_url": format!("{html}/actions/runs/{}/job/{}", job.run_id, job.id),
        "status": job.status,
        "conclusion": job.conclusion,
        "created_at": timestamp(job.created_at),
        "started_at": timestamp(job.started_at.unwrap_or(job.created_at)),
        "completed_at": job.completed_at.map(timestamp),
        "name": job.name,
        "steps": steps,
        "check_run_url": format!("{api}/check-runs/{}", job.id),
        "labels": job.labels,
        "runner_id": job.runner_id,
        "runner_name": job.runner_name,
        "runner_group_id": job.runner_id.map(|_| 1),
        "runner_group_name": job.runner_id.map(|_| "Default"),
    })
}

/// `status` matches a run's status or its conclusion, as GitHub's filter does.
fn run_matches(run: &RunRecord, call: &Call<'_>) -> Result<bool, GitHubError> {
    let q = |name: &str| call.query(name).filter(|v| !v.is_empty());
    if let Some(actor) = q("actor")
        && !run.actor.eq_ignore_ascii_case(&actor)
    {
        return Ok(false);
    }
    if let Some(branch) = q("branch")
        && run.head_branch.as_deref() != Some(branch.as_str())
    {
        return Ok(false);
    }
    if let Some(event) = q("event")
        && run.event != event
    {
        return Ok(false);
    }
    if let Some(status) = q("status")
        && run.status != status
        && run.conclusion.as_deref() != Some(status.as_str())
    {
        return Ok(false);
    }
    if let Some(sha) = q("head_sha")
        && run.head_sha != sha
    {
        return Ok(false);
    }
    if let Some(created) = q("created") {
        return created_matches(&created, run.created_at);
    }
    Ok(true)
}

/// GitHub's date search syntax for `created`: `DATE`, `>DATE`, `>=DATE`, `<DATE`, `<=DATE`,
/// `DATE..DATE` (dates `YYYY-MM-DD`, or full timestamps).
fn created_matches(filter: &str, millis: i64) -> Result<bool, GitHubError> {
    let parse = |text: &str| -> Result<(i64, i64), GitHubError> {
        let invalid = || {
            GitHubError::ValidationFailed(vec![crate::error::FieldError::new(
                "WorkflowRun",
                "created",
                "invalid",
            )])
        };
        if let Ok(t) =
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        {
            let ms = (t.unix_timestamp_nanos() / 1_000_000) as i64;
            return Ok((ms, ms));
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(text, &format).map_err(|_| invalid())?;
        let start = date.midnight().assume_utc().unix_timestamp() * 1000;
        Ok((start, start + 86_400_000 - 1))
    };
    if let Some((from, to)) = filter.split_once("..") {
        let (start, _) = if from == "*" {
            (i64::MIN, 0)
        } else {
            parse(from)?
        };
        let (_, end) = if to == "*" { (0, i64::MAX) } else { parse(to)? };
        return Ok(millis >= start && millis <= end);
    }
    for (prefix, check) in [
        (
            ">=",
            (|m: i64, s: i64, _e: i64| m >= s) as fn(i64, i64, i64) -> bool,
        ),
        ("<=", |m, _s, e| m <= e),
        (">", |m, _s, e| m > e),
        ("<", |m, s, _e| m < s),
    ] {
        if let Some(rest) = filter.strip_prefix(prefix) {
            let (s, e) = parse(rest)?;
            return Ok(check(millis, s, e));
        }
    }
    let (s, e) = parse(filter)?;
    Ok(millis >= s && millis <= e)
}

fn runs_page(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    repo: &Repo,
    workflow_id: Option<u64>,
) -> Result<Reply, GitHubError> {
    let mut runs = Vec::new();
    for run in ctx.hub.actions.records.runs_of(repo.id) {
        if workflow_id.is_some_and(|id| run.workflow_id != id) {
            continue;
        }
        if run_matches(&run, call)? {
            runs.push(run);
        }
    }
    let total = runs.len();
    let page = call.page(runs, |r| run(ctx, &call.urls, repo, r));
    Ok(wrap(page, total, "workflow_runs"))
}

/// A page of items inside `{total_count, KEY: [...]}`, keeping its `Link`.
pub(crate) fn wrap(page: Reply, total: usize, key: &str) -> Reply {
    let items = page.body.clone().unwrap_or(Value::Array(Vec::new()));
    let mut body = Map::new();
    body.insert("total_count".into(), json!(total));
    body.insert(key.into(), items);
    Reply {
        body: Some(Value::Object(body)),
        ..page
    }
}

fn number(text: &str) -> Result<u64, GitHubError> {
    text.parse().map_err(|_| GitHubError::NotFound)
}

pub(crate) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let hub = ctx.hub;
    let records = &hub.actions.records;
    let owner = call.param("owner");
    let name = call.param("repo");
    let urls = &call.urls;
    let actor = || {
        ctx.caller
            .as_ref()
            .map(|c| c.login().to_string())
            .unwrap_or_default()
    };
    Ok(match call.matched.op {
        Op::ActionsListRepoWorkflows => {
            let repo = ctx.readable_repo(owner, name)?;
            let all = records.workflows_of(repo.id);
            let total = all.len();
            wrap(
                call.page(all, |w| workflow(urls, &repo, w)),
                total,
                "workflows",
            )
        }
        Op::ActionsGetWorkflow => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .workflow(repo.id, call.param("workflow_id"))
                .ok_or(GitHubError::NotFound)?;
            Reply::ok(workflow(urls, &repo, &record))
        }
        Op::ActionsDisableWorkflow | Op::ActionsEnableWorkflow => {
            let repo = ctx.writable_repo(owner, name)?;
            let record = records
                .workflow(repo.id, call.param("workflow_id"))
                .ok_or(GitHubError::NotFound)?;
            let state = if call.matched.op == Op::ActionsEnableWorkflow {
                "active"
            } else {
                "disabled_manually"
            };
            records
                .workflows
                .update(&super::model::workflow_key(repo.id, &record.path), |w| {
                    w.state = state.into();
                    w.updated_at = ctx.now;
                })?;
            Reply::no_content()
        }
        Op::ActionsCreateWorkflowDispatch => {
            let repo = ctx.writable_repo(owner, name)?;
            let git_ref = call
                .body
                .get("ref")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let inputs = call
                .body
                .get("inputs")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let run = super::dispatch_workflow(
                hub,
                &repo,
                call.param("workflow_id"),
                &git_ref,
                &inputs,
                &actor(),
                ctx.now,
            )?;
            if call.body.get("return_run_details").and_then(Value::as_bool) == Some(true) {
                let (api, html) = repo_urls(urls, &repo);
                Reply::ok(json!({
                    "workflow_run_id": run.id,
                    "run_url": format!("{api}/actions/runs/{}", run.id),
                    "html_url": format!("{html}/actions/runs/{}", run.id),
                }))
            } else {
                Reply::no_content()
            }
        }
        Op::ReposCreateDispatchEvent => {
            let repo = ctx.writable_repo(owner, name)?;
            let event_type = call
                .body
                .get("event_type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let payload = call
                .body
                .get("client_payload")
                .cloned()
                .unwrap_or_else(|| json!({}));
            super::repository_dispatch(hub, &repo, event_type, payload, &actor(), ctx.now)?;
            Reply::no_content()
        }
        Op::ActionsListWorkflowRuns => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .workflow(repo.id, call.param("workflow_id"))
                .ok_or(GitHubError::NotFound)?;
            runs_page(ctx, call, &repo, Some(record.id))?
        }
        Op::ActionsListWorkflowRunsForRepo => {
            let repo = ctx.readable_repo(owner, name)?;
            runs_page(ctx, call, &repo, None)?
        }
        Op::ActionsGetWorkflowRun | Op::ActionsGetWorkflowRunAttempt => {
            let repo = ctx.readable_repo(owner, name)?;
            let mut record = records
                .run(repo.id, number(call.param("run_id"))?)
                .ok_or(GitHubError::NotFound)?;
            if call.matched.op == Op::ActionsGetWorkflowRunAttempt {
                let attempt = number(call.param("attempt_number"))?;
                if attempt == 0 || attempt > record.run_attempt {
                    return Err(GitHubError::NotFound);
                }
                if attempt < record.run_attempt {
                    let jobs = records.jobs_of(repo.id, record.id, Some(attempt));
                    record.run_attempt = attempt;
                    record.status = "completed".into();
                    record.conclusion = Some(attempt_conclusion(&jobs));
                }
            }
            Reply::ok(run(ctx, urls, &repo, &record))
        }
        Op::ActionsDeleteWorkflowRun => {
            let repo = ctx.writable_repo(owner, name)?;
            engine::delete(hub, &repo, number(call.param("run_id"))?)?;
            Reply::no_content()
        }
        Op::ActionsCancelWorkflowRun => {
            let repo = ctx.writable_repo(owner, name)?;
            engine::cancel(hub, &repo, number(call.param("run_id"))?, ctx.now)?;
            Reply {
                status: StatusCode::ACCEPTED,
                ..Reply::ok(json!({}))
            }
        }
        Op::ActionsReRunWorkflow | Op::ActionsReRunWorkflowFailedJobs => {
            let repo = ctx.writable_repo(owner, name)?;
            let failed_only = call.matched.op == Op::ActionsReRunWorkflowFailedJobs;
            engine::rerun(
                hub,
                &repo,
                number(call.param("run_id"))?,
                failed_only,
                &actor(),
                ctx.now,
            )?;
            Reply {
                status: StatusCode::CREATED,
                ..Reply::ok(json!({}))
            }
        }
        Op::ActionsListJobsForWorkflowRun | Op::ActionsListJobsForWorkflowRunAttempt => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .run(repo.id, number(call.param("run_id"))?)
                .ok_or(GitHubError::NotFound)?;
            let attempt = if call.matched.op == Op::ActionsListJobsForWorkflowRunAttempt {
                let attempt = number(call.param("attempt_number"))?;
                if attempt == 0 || attempt > record.run_attempt {
                    return Err(GitHubError::NotFound);
                }
                Some(attempt)
            } else {
                match call.query("filter").as_deref() {
                    None | Some("latest") => Some(record.run_attempt),
                    Some("all") => None,
                    Some(other) => {
                        return Err(GitHubError::InvalidRequest(format!(
                            "Invalid request.\n\n{other} is not a member of [\"latest\", \"all\"]."
                        )));
                    }
                }
            };
            let jobs = records.jobs_of(repo.id, record.id, attempt);
            let total = jobs.len();
            wrap(
                call.page(jobs, |j| job(urls, &repo, &record, j)),
                total,
                "jobs",
            )
        }
        Op::ActionsGetJobForWorkflowRun => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .job(repo.id, number(call.param("job_id"))?)
                .ok_or(GitHubError::NotFound)?;
            let run_record = records
                .run(repo.id, record.run_id)
                .ok_or(GitHubError::NotFound)?;
            Reply::ok(job(urls, &repo, &run_record, &record))
        }
        Op::ActionsDownloadJobLogsForWorkflowRun => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .job(repo.id, number(call.param("job_id"))?)
                .ok_or(GitHubError::NotFound)?;
            Reply::found(signed_log_url(
                hub, urls, "job", repo.id, record.id, ctx.now,
            ))
        }
        Op::ActionsDownloadWorkflowRunLogs => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .run(repo.id, number(call.param("run_id"))?)
                .ok_or(GitHubError::NotFound)?;
            Reply::found(signed_log_url(
                hub, urls, "run", repo.id, record.id, ctx.now,
            ))
        }
        Op::ActionsCreateRegistrationTokenForRepo => {
            let repo = ctx.writable_repo(owner, name)?;
            if !ctx.permissions(&repo).admin {
                return Err(GitHubError::Forbidden(
                    "Must have admin rights to Repository.".into(),
                ));
            }
            let token = registration_token(hub);
            let expires_at = ctx.now + 3_600_000;
            records.registration_tokens.insert(
                &crate::auth::token_hash(&token),
                super::model::RegistrationToken {
                    repo_id: repo.id,
                    expires_at,
                },
            )?;
            Reply {
                status: StatusCode::CREATED,
                ..Reply::ok(json!({"token": token, "expires_at": timestamp(expires_at)}))
            }
        }
        Op::ActionsListWorkflowRunArtifacts | Op::ActionsListArtifactsForRepo => {
            let repo = ctx.readable_repo(owner, name)?;
            let run_id = match call.matched.op {
                Op::ActionsListWorkflowRunArtifacts => Some(
                    records
                        .run(repo.id, number(call.param("run_id"))?)
                        .ok_or(GitHubError::NotFound)?
                        .id,
                ),
                _ => None,
            };
            let name_filter = call.query("name");
            let all = artifacts::listed(hub, repo.id, run_id, name_filter.as_deref());
            let total = all.len();
            wrap(
                call.page(all, |a| {
                    let run = records.run(repo.id, a.run_id);
                    artifacts::render(urls, &repo, run.as_ref(), a, ctx.now)
                }),
                total,
                "artifacts",
            )
        }
        Op::ActionsGetArtifact => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = artifacts::get(hub, repo.id, number(call.param("artifact_id"))?)
                .ok_or(GitHubError::NotFound)?;
            let run = records.run(repo.id, record.run_id);
            Reply::ok(artifacts::render(
                urls,
                &repo,
                run.as_ref(),
                &record,
                ctx.now,
            ))
        }
        Op::ActionsDeleteArtifact => {
            let repo = ctx.writable_repo(owner, name)?;
            let record = artifacts::get(hub, repo.id, number(call.param("artifact_id"))?)
                .ok_or(GitHubError::NotFound)?;
            artifacts::delete(hub, &record)?;
            Reply::no_content()
        }
        Op::ActionsDownloadArtifact => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = artifacts::get(hub, repo.id, number(call.param("artifact_id"))?)
                .ok_or(GitHubError::NotFound)?;
            if call.param("archive_format") != "zip" {
                return Err(GitHubError::NotFound);
            }
            if record.expires_at <= ctx.now {
                return Err(GitHubError::Gone("Artifact has expired".into()));
            }
            Reply::found(artifacts::download_url(hub, urls, &record, ctx.now))
        }
        Op::ChecksListAnnotations => {
            let repo = ctx.readable_repo(owner, name)?;
            let record = records
                .job(repo.id, number(call.param("check_run_id"))?)
                .ok_or(GitHubError::NotFound)?;
            let run_record = records
                .run(repo.id, record.run_id)
                .ok_or(GitHubError::NotFound)?;
            let log = super::runner::plan::job_log(hub, record.id);
            let annotations = annotations(urls, &repo, &run_record, &log);
            call.page(annotations, Clone::clone)
        }
        _ => return Err(GitHubError::NotFound),
    })
}

/// A job's annotations: the `##[error]` and `##[warning]` lines of its log, as the runner
/// reports workflow command errors and warnings.
fn annotations(urls: &Urls, repo: &Repo, run: &RunRecord, log: &str) -> Vec<Value> {
    let (_, html) = repo_urls(urls, repo);
    log.lines()
        .filter_map(|line| {
            let line = line
                .split_once(' ')
                .filter(|(stamp, _)| stamp.contains('T'))
                .map_or(line, |(_, rest)| rest);
            let (level, message) = if let Some(m) = line.strip_prefix("##[error]") {
                ("failure", m)
            } else if let Some(m) = line.strip_prefix("##[warning]") {
                ("warning", m)
            } else {
                return None;
            };
            Some(json!({
                "path": ".github",
                "blob_href": format!("{html}/blob/{}/.github", run.head_sha),
                "start_line": 1,
                "end_line": 1,
                "start_column": null,
                "end_column": null,
                "annotation_level": level,
                "title": "",
                "message": message,
                "raw_details": null,
            }))
        })
        .collect()
}

/// A registration token as GitHub makes them: 29 upper-case letters and digits, starting `A`.
fn registration_token(hub: &crate::Hub) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    format!("A{}", hub.kit.ids().random_word(ALPHABET, 28))
}

/// The conclusion an earlier attempt ended with, from its jobs.
fn attempt_conclusion(jobs: &[JobRecord]) -> String {
    let conclusions: Vec<&str> = jobs
        .iter()
        .filter_map(|j| j.conclusion.as_deref())
        .collect();
    if conclusions.contains(&"failure") {
        "failure".into()
    } else if conclusions.contains(&"cancelled") {
        "cancelled".into()
    } else {
        "success".into()
    }
}

fn signature(hub: &crate::Hub, kind: &str, repo_id: u64, id: u64, expires: i64) -> String {
    let mut digest = Sha256::new();
    digest.update(hub.actions.log_secret.as_bytes());
    digest.update(format!("{kind}/{repo_id}/{id}/{expires}").as_bytes());
    hex::encode(digest.finalize())
}

fn signed_log_url(
    hub: &crate::Hub,
    urls: &Urls,
    kind: &str,
    repo_id: u64,
    id: u64,
    now: i64,
) -> String {
    let expires = now + LOG_URL_MILLIS;
    let sig = signature(hub, kind, repo_id, id, expires);
    format!(
        "{}/_actions/logs/{kind}/{repo_id}/{id}?expires={expires}&sig={sig}",
        urls.html
    )
}

/// A job's or step's name as a file name in a run's logs zip: without `/` and `:`, at most
/// 90 UTF-16 units, trimmed (as GitHub writes them and gh matches them).
fn zip_name(name: &str) -> String {
    let cleaned: Vec<u16> = name.replace(['/', ':'], "").encode_utf16().collect();
    let cut = &cleaned[..cleaned.len().min(90)];
    String::from_utf16_lossy(cut).trim().to_string()
}

/// What a signed log URL answers: `(content type, bytes)`, or `None` for a bad or expired
/// signature or a log that no longer exists.
pub fn serve_log(
    hub: &crate::Hub,
    path: &str,
    query: &str,
    now: i64,
) -> Option<(&'static str, Vec<u8>)> {
    let rest = path.strip_prefix("/_actions/logs/")?;
    let mut parts = rest.split('/');
    let kind = parts.next()?;
    let repo_id: u64 = parts.next()?.parse().ok()?;
    let id: u64 = parts.next()?.parse().ok()?;
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let expires: i64 = get("expires")?.parse().ok()?;
    if expires < now || get("sig")? != signature(hub, kind, repo_id, id, expires) {
        return None;
    }
    let records = &hub.actions.records;
    match kind {
        "job" => {
            records.job(repo_id, id)?;
            Some((
                "text/plain",
                super::runner::plan::job_log(hub, id).into_bytes(),
            ))
        }
        "run" => {
            let run = records.run(repo_id, id)?;
            let jobs = records.jobs_of(repo_id, id, Some(run.run_attempt));
            let mut buffer = std::io::Cursor::new(Vec::new());
            {
                let mut zip = zip::ZipWriter::new(&mut buffer);
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated);
                for (index, job) in jobs.iter().enumerate() {
                    let log = super::runner::plan::job_log(hub, job.id);
                    // Names are data from the workflow: slashes would make folders, so they go
                    // (gh looks for `JOB/N_*.txt` with the job's name cleaned the same way).
                    let folder = zip_name(&job.name);
                    let file = format!("{index}_{folder}.txt");
                    zip.start_file(file, options).ok()?;
                    zip.write_all(log.as_bytes()).ok()?;
                    for (number, step, text) in super::runner::plan::step_logs(hub, job.id) {
                        let file = format!("{folder}/{number}_{}.txt", zip_name(&step));
                        zip.start_file(file, options).ok()?;
                        zip.write_all(text.as_bytes()).ok()?;
                    }
                }
                zip.finish().ok()?;
            }
            Some(("application/zip", buffer.into_inner()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_names_are_cleaned_as_github_writes_them() {
        assert_eq!(zip_name("build (a, b)"), "build (a, b)");
        assert_eq!(zip_name("deploy / run: x"), "deploy  run x");
        let long = "é".repeat(100);
        assert_eq!(zip_name(&long).encode_utf16().count(), 90);
        assert_eq!(zip_name(&format!("{} x", "a".repeat(89))), "a".repeat(89));
    }
}
