//! The workflow engine: events into runs, runs into jobs, jobs' ends into the run's.
//!
//! A push (or a dispatch) reads `.github/workflows/*.y{a,}ml` at the commit, registers each
//! file as a workflow, and starts a run for every active workflow whose `on:` matches. A file
//! GitHub could not run still gets a run on push: completed, `failure`, with the message GitHub
//! shows (`The workflow is not valid. ...`) and no jobs.
//!
//! Jobs are created when they become ready, as on GitHub: a job without `needs` at once; a job
//! with `needs` when every job it needs has completed. Its `if:` (default `success()`) is then
//! evaluated over `github`, `needs`, `inputs` and `vars`; a false condition gives one
//! `skipped` job. A matrix (written out or from an expression) gives one job per combination,
//! named `job (a, b)`. Jobs wait `queued` until a runner with matching labels takes them.
//!
//! What this module must not do: see HTTP or read the clock (times come from the caller).

use serde_json::{Map, Value, json};

use ::actions::expr::{self, Expression, Status, StatusHost};
use ::actions::workflow::{self, Event, InvalidWorkflow, Workflow};

use super::model::{
    HeadCommit, JobRecord, RunRecord, WorkflowRecord, job_key, run_key, workflow_key,
};
use crate::Hub;
use crate::error::GitHubError;
use crate::model::{Repo, next_id};

/// Why a run is being created.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// `push`, `workflow_dispatch`, `repository_dispatch`.
    pub event: String,
    /// `refs/heads/main`, `refs/tags/v1`.
    pub git_ref: String,
    pub sha: String,
    pub actor: String,
    /// `github.event`.
    pub payload: Value,
    /// Paths the push changed, when known.
    pub changed_paths: Option<Vec<String>>,
    /// `inputs` of a dispatch.
    pub inputs: Map<String, Value>,
}

fn internal<E: std::fmt::Display>(error: E) -> GitHubError {
    tracing::error!(%error, "actions engine");
    GitHubError::Internal
}

/// The workflow files at `sha`: `(path, source)`.
pub fn workflow_files(
    hub: &Hub,
    repo: &Repo,
    sha: &str,
) -> Result<Vec<(String, String)>, GitHubError> {
    let git = hub.git.open(&repo.id.to_string()).map_err(internal)?;
    let Some(entries) = git.tree(sha, ".github/workflows").map_err(internal)? else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for entry in entries {
        if entry.kind != simkit::git::EntryKind::Blob
            || !(entry.name.ends_with(".yml") || entry.name.ends_with(".yaml"))
        {
            continue;
        }
        let bytes = git.blob(&entry.sha).map_err(internal)?;
        files.push((
            entry.path.clone(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    Ok(files)
}

/// Registers a workflow file (or refreshes its name), keeping its ID and state.
pub fn register_workflow(
    hub: &Hub,
    repo: &Repo,
    path: &str,
    name: &str,
    now: i64,
) -> Result<WorkflowRecord, GitHubError> {
    let records = &hub.actions.records;
    let key = workflow_key(repo.id, path);
    if let Some(existing) = records.workflows.get(&key) {
        if existing.name == name {
            return Ok(existing);
        }
        let updated = records
            .workflows
            .update(&key, |w| {
                w.name = name.to_string();
                w.updated_at = now;
                w.clone()
            })?
            .ok_or(GitHubError::Internal)?;
        return Ok(updated);
    }
    let state = &hub.state;
    state.store.transaction(|txn| {
        let id = next_id(txn, &state.counters, "workflow")?;
        let record = WorkflowRecord {
            id,
            repo_id: repo.id,
            path: path.to_string(),
            name: name.to_string(),
            state: "active".into(),
            created_at: now,
            updated_at: now,
        };
        txn.insert(&records.workflows, &key, record.clone())?;
        Ok::<_, GitHubError>(record)
    })
}

/// A workflow's display name from its source: `name:` if it parses that far, else its path.
fn name_of(path: &str, source: &str) -> String {
    serde_yaml::from_str::<serde_yaml::Value>(source)
        .ok()
        .and_then(|doc| doc.get("name").and_then(|n| n.as_str().map(str::to_string)))
        .unwrap_or_else(|| path.to_string())
}

/// Starts the runs an event causes in `repo` at `trigger.sha`, for the workflows `select`
/// keeps (all of them for pushes and repository dispatches).
pub fn start_runs(
    hub: &Hub,
    repo: &Repo,
    trigger: &Trigger,
    now: i64,
) -> Result<Vec<RunRecord>, GitHubError> {
    let mut started = Vec::new();
    for (path, source) in workflow_files(hub, repo, &trigger.sha)? {
        let record = register_workflow(hub, repo, &path, &name_of(&path, &source), now)?;
        if record.state != "active" {
            continue;
        }
        match workflow::parse(&path, &source) {
            Ok(parsed) => {
                let event = match trigger.event.as_str() {
                    "push" => Event::Push {
                        git_ref: &trigger.git_ref,
                        changed_paths: trigger.changed_paths.as_deref(),
                    },
                    "repository_dispatch" => Event::RepositoryDispatch {
                        event_type: trigger
                            .payload
                            .get("action")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    },
                    _ => continue,
                };
                if parsed.on.matches(&event) {
                    started.push(create_run(
                        hub,
                        repo,
                        &record,
                        Ok((&parsed, &source)),
                        trigger,
                        now,
                    )?);
                }
            }
            Err(invalid) if trigger.event == "push" => {
                started.push(create_run(hub, repo, &record, Err(&invalid), trigger, now)?);
            }
            Err(_) => {}
        }
    }
    Ok(started)
}

/// The first line of a commit message.
fn title_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}

/// The commit a run is for, as `head_commit`.
pub fn head_commit(hub: &Hub, repo: &Repo, sha: &str) -> Option<HeadCommit> {
    let git = hub.git.open(&repo.id.to_string()).ok()?;
    let commit = git.commit_info(sha).ok()??;
    Some(HeadCommit {
        id: commit.sha,
        tree_id: commit.tree,
        message: commit.message.trim_end().to_string(),
        timestamp: commit.committer.time * 1000,
        author_name: commit.author.name,
        author_email: commit.author.email,
        committer_name: commit.committer.name,
        committer_email: commit.committer.email,
    })
}

/// Creates a run of `record` (parsed, or the error GitHub shows for it) and its first jobs.
pub fn create_run(
    hub: &Hub,
    repo: &Repo,
    record: &WorkflowRecord,
    workflow: Result<(&Workflow, &str), &InvalidWorkflow>,
    trigger: &Trigger,
    now: i64,
) -> Result<RunRecord, GitHubError> {
    let records = &hub.actions.records;
    let state = &hub.state;
    let head = head_commit(hub, repo, &trigger.sha);
    let head_branch = trigger
        .git_ref
        .strip_prefix("refs/heads/")
        .or_else(|| trigger.git_ref.strip_prefix("refs/tags/"))
        .map(str::to_string);
    let (status, conclusion, error, source) = match &workflow {
        Ok((_, source)) => ("queued", None, None, Some(source.to_string())),
        Err(invalid) => (
            "completed",
            Some("failure".to_string()),
            Some(format!("{}\n{invalid}", invalid.title())),
            None,
        ),
    };
    let mut cancels_in_progress = false;
    let run = state.store.transaction(|txn| {
        let id = next_id(txn, &state.counters, "run")?;
        let run_number = next_id(txn, &state.counters, &format!("run_number/{}", record.id))?;
        let mut run = RunRecord {
            id,
            repo_id: repo.id,
            workflow_id: record.id,
            path: record.path.clone(),
            name: record.name.clone(),
            display_title: String::new(),
            run_number,
            run_attempt: 1,
            event: trigger.event.clone(),
            status: status.to_string(),
            conclusion: conclusion.clone(),
            head_branch: head_branch.clone(),
            head_sha: trigger.sha.clone(),
            git_ref: trigger.git_ref.clone(),
            head_commit: head.clone(),
            actor: trigger.actor.clone(),
            triggering_actor: trigger.actor.clone(),
            payload: trigger.payload.clone(),
            error: error.clone(),
            created_at: now,
            updated_at: now,
            run_started_at: now,
            concurrency_group: None,
        };
        run.display_title = display_title(
            &run,
            workflow.as_ref().ok().map(|(w, _)| *w),
            &trigger.inputs,
            repo,
        );
        if let Ok((parsed, _)) = &workflow
            && let Some((group, cancel_in_progress)) =
                concurrency_of(&run, parsed, &trigger.inputs, repo)
        {
            run.concurrency_group = Some(group);
            cancels_in_progress = cancel_in_progress;
        }
        txn.insert(&records.runs, &run_key(repo.id, id), run.clone())?;
        if let Some(source) = &source {
            txn.insert(&hub.actions.sources, &run_key(repo.id, id), source.clone())?;
        }
        Ok::<_, GitHubError>(run)
    })?;
    if workflow.is_ok() && !wait_for_group(hub, repo, &run, cancels_in_progress, now)? {
        advance(hub, repo, run.id, now)?;
    }
    Ok(records.run(repo.id, run.id).unwrap_or(run))
}

/// The workflow's `concurrency` evaluated for `run`: its group and whether it cancels what is
/// in progress (`None` without one, or when the group evaluates empty).
fn concurrency_of(
    run: &RunRecord,
    workflow: &Workflow,
    inputs: &Map<String, Value>,
    repo: &Repo,
) -> Option<(String, bool)> {
    let concurrency = workflow.concurrency.as_ref()?;
    let contexts = contexts(run, repo, inputs, &Map::new());
    let evaluate = |text: &str| -> Option<expr::Value> {
        let source = if ::actions::expr::template::has_expression(text) {
            ::actions::expr::template::split(text)
                .map(|segments| ::actions::expr::template::to_expression_source(&segments))
                .ok()?
        } else {
            format!("'{}'", text.replace('\'', "''"))
        };
        Expression::parse(&source, workflow::contexts::WORKFLOW_CONCURRENCY, &[])
            .ok()?
            .evaluate(&contexts, &StatusHost(Status::Success))
            .ok()
    };
    let group = evaluate(&concurrency.group)?.to_display_string();
    if group.is_empty() {
        return None;
    }
    let cancel_in_progress = match &concurrency.cancel_in_progress {
        Value::Bool(b) => *b,
        Value::String(text) => evaluate(text).is_some_and(|v| v.is_truthy()),
        _ => false,
    };
    Some((group, cancel_in_progress))
}

/// GitHub's concurrency rule for a new run of a group: at most one run in progress and one
/// pending. With `cancel-in-progress` every unfinished run of the group is cancelled; without,
/// only a pending one is (the newer request wins), and the new run waits (`pending`) while one
/// is in progress. Answers whether the new run waits.
fn wait_for_group(
    hub: &Hub,
    repo: &Repo,
    run: &RunRecord,
    cancel_in_progress: bool,
    now: i64,
) -> Result<bool, GitHubError> {
    let Some(group) = &run.concurrency_group else {
        return Ok(false);
    };
    let records = &hub.actions.records;
    let others = |records: &super::model::Records| {
        records
            .runs_of(repo.id)
            .into_iter()
            .filter(|r| {
                r.id != run.id
                    && r.status != "completed"
                    && r.concurrency_group.as_ref() == Some(group)
            })
            .collect::<Vec<_>>()
    };
    for other in others(records) {
        if cancel_in_progress || other.status == "pending" {
            cancel(hub, repo, other.id, now)?;
        }
    }
    if others(records).is_empty() {
        return Ok(false);
    }
    records.runs.update(&run_key(repo.id, run.id), |r| {
        r.status = "pending".into();
        r.updated_at = now;
    })?;
    Ok(true)
}

/// When a run of a concurrency group completes, the group's pending run (if nothing else of
/// the group is unfinished) is queued and its jobs created.
fn release_group(
    hub: &Hub,
    repo: &Repo,
    finished: &RunRecord,
    now: i64,
) -> Result<(), GitHubError> {
    let Some(group) = &finished.concurrency_group else {
        return Ok(());
    };
    let records = &hub.actions.records;
    let unfinished: Vec<RunRecord> = records
        .runs_of(repo.id)
        .into_iter()
        .filter(|r| {
            r.id != finished.id
                && r.status != "completed"
                && r.concurrency_group.as_ref() == Some(group)
        })
        .collect();
    if unfinished.iter().any(|r| r.status != "pending") {
        return Ok(());
    }
    if let Some(next) = unfinished.iter().min_by_key(|r| r.id) {
        records.runs.update(&run_key(repo.id, next.id), |r| {
            r.status = "queued".into();
            r.updated_at = now;
        })?;
        advance(hub, repo, next.id, now)?;
    }
    Ok(())
}

/// `run-name` evaluated over `github` and `inputs`, else what GitHub shows by event: the head
/// commit's first line for pushes, the workflow's name otherwise.
fn display_title(
    run: &RunRecord,
    workflow: Option<&Workflow>,
    inputs: &Map<String, Value>,
    repo: &Repo,
) -> String {
    if let Some(run_name) = workflow.and_then(|w| w.run_name.as_deref()) {
        let contexts = contexts(run, repo, inputs, &Map::new());
        let source = ::actions::expr::template::split(run_name)
            .map(|segments| ::actions::expr::template::to_expression_source(&segments))
            .unwrap_or_else(|_| format!("'{}'", run_name.replace('\'', "''")));
        let text = if ::actions::expr::template::has_expression(run_name) {
            source
        } else {
            format!("'{}'", run_name.replace('\'', "''"))
        };
        if let Ok(expression) = Expression::parse(&text, workflow::contexts::RUN_NAME, &[])
            && let Ok(value) = expression.evaluate(&contexts, &StatusHost(Status::Success))
        {
            return value.to_display_string();
        }
    }
    match (&run.event[..], &run.head_commit) {
        ("push", Some(commit)) => title_line(&commit.message),
        _ => run.name.clone(),
    }
}

/// The `github` context a run's expressions read on the server side.
pub fn github_context(run: &RunRecord, repo: &Repo) -> Value {
    let ref_name = run
        .git_ref
        .strip_prefix("refs/heads/")
        .or_else(|| run.git_ref.strip_prefix("refs/tags/"))
        .unwrap_or(&run.git_ref);
    let ref_type = if run.git_ref.starts_with("refs/tags/") {
        "tag"
    } else {
        "branch"
    };
    json!({
        "event_name": run.event,
        "event": run.payload,
        "ref": run.git_ref,
        "ref_name": ref_name,
        "ref_type": ref_type,
        "sha": run.head_sha,
        "repository": repo.full_name(),
        "repository_owner": repo.owner,
        "repository_id": repo.id.to_string(),
        "actor": run.actor,
        "triggering_actor": run.triggering_actor,
        "run_id": run.id.to_string(),
        "run_number": run.run_number.to_string(),
        "run_attempt": run.run_attempt.to_string(),
        "workflow": run.name,
        "workflow_ref": format!("{}/{}@{}", repo.full_name(), run.path, run.git_ref),
        "head_ref": "",
        "base_ref": "",
    })
}

fn contexts(
    run: &RunRecord,
    repo: &Repo,
    inputs: &Map<String, Value>,
    needs: &Map<String, Value>,
) -> expr::Contexts {
    let mut contexts = expr::Contexts::new();
    contexts.insert("github", expr::Value::from_json(&github_context(run, repo)));
    contexts.insert(
        "inputs",
        expr::Value::from_json(&Value::Object(inputs.clone())),
    );
    contexts.insert(
        "needs",
        expr::Value::from_json(&Value::Object(needs.clone())),
    );
    contexts.insert("vars", expr::Value::from_json(&json!({})));
    contexts
}

/// A job's result as `needs.<id>.result` shows it, from its records (one per combination).
fn result_of(jobs: &[&JobRecord]) -> &'static str {
    let conclusions: Vec<&str> = jobs
        .iter()
        .filter_map(|j| j.conclusion.as_deref())
        .collect();
    if conclusions.contains(&"failure") {
        "failure"
    } else if conclusions.contains(&"cancelled") {
        "cancelled"
    } else if !conclusions.is_empty() && conclusions.iter().all(|c| *c == "skipped") {
        "skipped"
    } else {
        "success"
    }
}

/// The `needs` context of a job: each job it needs, with its result and the outputs of its
/// records (one per matrix combination).
pub fn needs_context(hub: &Hub, run: &RunRecord, job: &workflow::Job) -> Map<String, Value> {
    let existing = hub
        .actions
        .records
        .jobs_of(run.repo_id, run.id, Some(run.run_attempt));
    let mut needs = Map::new();
    for need in &job.needs {
        let of_need: Vec<&JobRecord> = existing.iter().filter(|j| &j.job_key == need).collect();
        let mut outputs = Map::new();
        for record in &of_need {
            for (k, v) in &record.outputs {
                outputs.insert(k.clone(), v.clone());
            }
        }
        needs.insert(
            need.clone(),
            json!({"result": result_of(&of_need), "outputs": outputs}),
        );
    }
    needs
}

/// Creates the jobs that became ready, and brings the run's status up to date.
pub fn advance(hub: &Hub, repo: &Repo, run_id: u64, now: i64) -> Result<(), GitHubError> {
    let records = &hub.actions.records;
    let Some(run) = records.run(repo.id, run_id) else {
        return Ok(());
    };
    if run.status == "completed" {
        return Ok(());
    }
    let Some(source) = hub.actions.sources.get(&run_key(repo.id, run_id)) else {
        return Ok(());
    };
    let workflow = match workflow::parse(&run.path, &source) {
        Ok(w) => w,
        Err(_) => return Ok(()),
    };
    let inputs: Map<String, Value> = run
        .payload
        .get("inputs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut created_any = false;
    for job in workflow::topological_order(&workflow) {
        let existing = records.jobs_of(repo.id, run_id, Some(run.run_attempt));
        if existing.iter().any(|j| j.job_key == job.id) {
            continue;
        }
        let mut needs = Map::new();
        let mut ready = true;
        let mut status = Status::Success;
        for need in &job.needs {
            let of_need: Vec<&JobRecord> = existing.iter().filter(|j| &j.job_key == need).collect();
            if of_need.is_empty() || of_need.iter().any(|j| j.status != "completed") {
                ready = false;
                break;
            }
            let result = result_of(&of_need);
            match result {
                "failure" => status = Status::Failure,
                "cancelled" if status != Status::Failure => status = Status::Cancelled,
                // A skipped dependency makes its dependents skip under the implicit success().
                "skipped" if status == Status::Success => status = Status::Failure,
                _ => {}
            }
            let mut outputs = Map::new();
            for record in &of_need {
                for (k, v) in &record.outputs {
                    outputs.insert(k.clone(), v.clone());
                }
            }
            needs.insert(need.clone(), json!({"result": result, "outputs": outputs}));
        }
        if !ready {
            continue;
        }
        let mut contexts = contexts(&run, repo, &inputs, &needs);
        // Job-level `if:` and `strategy` may read `vars`, as on GitHub.
        let (_, variables) = super::settings::for_job(hub, repo);
        contexts.insert("vars", expr::Value::from_json(&json!(variables)));
        let condition = job
            .condition
            .clone()
            .unwrap_or_else(|| "success()".to_string());
        let runs = Expression::parse(
            &condition,
            workflow::contexts::JOB_IF,
            expr::STATUS_FUNCTIONS,
        )
        .map_err(|e| e.to_string())
        .and_then(|e| {
            e.evaluate_condition(&contexts, &StatusHost(status))
                .map_err(|e| e.to_string())
        });
        let combinations: Vec<Value> = match runs {
            Ok(false) => {
                insert_job(
                    hub,
                    &run,
                    job,
                    Value::Null,
                    "completed",
                    Some("skipped"),
                    now,
                )?;
                created_any = true;
                continue;
            }
            Err(message) => {
                // GitHub fails the job when its condition cannot be evaluated.
                let record = insert_job(
                    hub,
                    &run,
                    job,
                    Value::Null,
                    "completed",
                    Some("failure"),
                    now,
                )?;
                append_log(hub, record.id, &format!("##[error]{message}\n"))?;
                created_any = true;
                continue;
            }
            Ok(true) => match matrix_of(job, &contexts) {
                Ok(list) => list,
                Err(message) => {
                    let record = insert_job(
                        hub,
                        &run,
                        job,
                        Value::Null,
                        "completed",
                        Some("failure"),
                        now,
                    )?;
                    append_log(hub, record.id, &format!("##[error]{message}\n"))?;
                    created_any = true;
                    continue;
                }
            },
        };
        for combination in combinations {
            insert_job(hub, &run, job, combination, "queued", None, now)?;
        }
        created_any = true;
    }
    settle(hub, repo, run_id, now)?;
    if created_any {
        hub.actions.jobs_changed.notify_waiters();
    }
    Ok(())
}

/// A job's matrix combinations (`[null]` without a matrix).
fn matrix_of(job: &workflow::Job, contexts: &expr::Contexts) -> Result<Vec<Value>, String> {
    let Some(matrix) = job.strategy.as_ref().and_then(|s| s.matrix.clone()) else {
        return Ok(vec![Value::Null]);
    };
    let matrix = evaluate_json(&matrix, contexts)?;
    let combinations = workflow::matrix::expand(&matrix).map_err(|e| e.to_string())?;
    Ok(combinations.into_iter().map(Value::Object).collect())
}

/// Evaluates every `${{ }}` in a JSON value; a string that is one expression keeps its type.
fn evaluate_json(value: &Value, contexts: &expr::Contexts) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) if ::actions::expr::template::has_expression(s) => {
            let segments = ::actions::expr::template::split(s).map_err(|e| e.to_string())?;
            let source = ::actions::expr::template::to_expression_source(&segments);
            let expression = Expression::parse(&source, workflow::contexts::JOB_STRATEGY, &[])
                .map_err(|e| e.to_string())?;
            expression
                .evaluate(contexts, &StatusHost(Status::Success))
                .map_err(|e| e.to_string())?
                .to_json()
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| evaluate_json(v, contexts))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), evaluate_json(v, contexts)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn insert_job(
    hub: &Hub,
    run: &RunRecord,
    job: &workflow::Job,
    matrix: Value,
    status: &str,
    conclusion: Option<&str>,
    now: i64,
) -> Result<JobRecord, GitHubError> {
    let state = &hub.state;
    let records = &hub.actions.records;
    let base = job.name.clone().unwrap_or_else(|| job.id.clone());
    let name = match matrix.as_object() {
        Some(combination) if !base.contains("${{") => {
            format!("{base} {}", workflow::matrix::display_suffix(combination))
        }
        _ => base,
    };
    let finished = (status == "completed").then_some(now);
    state.store.transaction(|txn| {
        let id = next_id(txn, &state.counters, "job")?;
        let record = JobRecord {
            id,
            repo_id: run.repo_id,
            run_id: run.id,
            run_attempt: run.run_attempt,
            job_key: job.id.clone(),
            name: name.clone(),
            status: status.to_string(),
            conclusion: conclusion.map(str::to_string),
            labels: job.labels(),
            matrix: matrix.clone(),
            steps: Vec::new(),
            outputs: Map::new(),
            runner_id: None,
            runner_name: None,
            created_at: now,
            started_at: finished,
            completed_at: finished,
        };
        txn.insert(&records.jobs, &job_key(run.repo_id, id), record.clone())?;
        Ok::<_, GitHubError>(record)
    })
}

/// Appends text to a job's log.
pub fn append_log(hub: &Hub, job_id: u64, text: &str) -> Result<(), GitHubError> {
    let logs = &hub.actions.records.logs;
    let key = super::model::log_key(job_id);
    let mut log = logs.get(&key).unwrap_or_default();
    log.push_str(text);
    logs.insert(&key, log)?;
    Ok(())
}

/// The run's status from its jobs: completed once every job of the workflow has finished.
fn settle(hub: &Hub, repo: &Repo, run_id: u64, now: i64) -> Result<(), GitHubError> {
    let records = &hub.actions.records;
    let Some(run) = records.run(repo.id, run_id) else {
        return Ok(());
    };
    let Some(source) = hub.actions.sources.get(&run_key(repo.id, run_id)) else {
        return Ok(());
    };
    let Ok(workflow) = workflow::parse(&run.path, &source) else {
        return Ok(());
    };
    let jobs = records.jobs_of(repo.id, run_id, Some(run.run_attempt));
    let all_created = workflow
        .jobs
        .iter()
        .all(|j| jobs.iter().any(|r| r.job_key == j.id));
    let all_done = jobs.iter().all(|j| j.status == "completed");
    let (status, conclusion) = if all_created && all_done {
        let continue_on_error = |record: &JobRecord| {
            workflow
                .job(&record.job_key)
                .is_some_and(|j| j.continue_on_error == Value::Bool(true))
        };
        let conclusions: Vec<&str> = jobs
            .iter()
            .filter(|j| !continue_on_error(j))
            .filter_map(|j| j.conclusion.as_deref())
            .collect();
        let conclusion = if conclusions.contains(&"failure") {
            "failure"
        } else if conclusions.contains(&"cancelled") {
            "cancelled"
        } else if !jobs.is_empty()
            && jobs
                .iter()
                .all(|j| j.conclusion.as_deref() == Some("skipped"))
        {
            "skipped"
        } else {
            "success"
        };
        ("completed", Some(conclusion.to_string()))
    } else if jobs
        .iter()
        .any(|j| j.status == "in_progress" || j.status == "completed")
    {
        ("in_progress", None)
    } else {
        ("queued", None)
    };
    if run.status != status || run.conclusion != conclusion {
        records.runs.update(&run_key(repo.id, run_id), |r| {
            r.status = status.to_string();
            r.conclusion = conclusion.clone();
            r.updated_at = now;
        })?;
        if status == "completed" {
            release_group(hub, repo, &run, now)?;
        }
    }
    Ok(())
}

/// Cancels a run: jobs not yet completed end `cancelled` (a runner holding one is told by its
/// next message), then the run.
pub fn cancel(hub: &Hub, repo: &Repo, run_id: u64, now: i64) -> Result<(), GitHubError> {
    let records = &hub.actions.records;
    let run = records.run(repo.id, run_id).ok_or(GitHubError::NotFound)?;
    if run.status == "completed" {
        return Err(GitHubError::Conflict(
            "Cannot cancel a workflow run that is completed.".into(),
        ));
    }
    for job in records.jobs_of(repo.id, run_id, Some(run.run_attempt)) {
        if job.status != "completed" {
            records.jobs.update(&job_key(repo.id, job.id), |j| {
                j.status = "completed".into();
                j.conclusion = Some("cancelled".into());
                j.completed_at = Some(now);
                if j.started_at.is_none() {
                    j.started_at = Some(now);
                }
            })?;
        }
    }
    records.runs.update(&run_key(repo.id, run_id), |r| {
        r.status = "completed".into();
        r.conclusion = Some("cancelled".into());
        r.updated_at = now;
    })?;
    release_group(hub, repo, &run, now)?;
    hub.actions.jobs_changed.notify_waiters();
    Ok(())
}

/// Re-runs a completed run as its next attempt: every job, or (`failed_only`) the failed and
/// cancelled ones and their dependents, the rest carried over as they ended.
pub fn rerun(
    hub: &Hub,
    repo: &Repo,
    run_id: u64,
    failed_only: bool,
    actor: &str,
    now: i64,
) -> Result<(), GitHubError> {
    let records = &hub.actions.records;
    let run = records.run(repo.id, run_id).ok_or(GitHubError::NotFound)?;
    if run.status != "completed" {
        return Err(GitHubError::Forbidden(
            "This workflow run is not completed".to_string(),
        ));
    }
    if hub.actions.sources.get(&run_key(repo.id, run_id)).is_none() {
        return Err(GitHubError::Forbidden(
            "This workflow run cannot be rerun".into(),
        ));
    }
    let previous = records.jobs_of(repo.id, run_id, Some(run.run_attempt));
    if failed_only
        && !previous
            .iter()
            .any(|j| matches!(j.conclusion.as_deref(), Some("failure" | "cancelled")))
    {
        return Err(GitHubError::Forbidden(
            "This workflow run has no failed jobs".into(),
        ));
    }
    let attempt = run.run_attempt + 1;
    records.runs.update(&run_key(repo.id, run_id), |r| {
        r.run_attempt = attempt;
        r.status = "queued".into();
        r.conclusion = None;
        r.triggering_actor = actor.to_string();
        r.run_started_at = now;
        r.updated_at = now;
    })?;
    if failed_only {
        let state = &hub.state;
        for job in previous
            .iter()
            .filter(|j| j.conclusion.as_deref() == Some("success"))
        {
            state.store.transaction(|txn| {
                let id = next_id(txn, &state.counters, "job")?;
                let copy = JobRecord {
                    id,
                    run_attempt: attempt,
                    ..job.clone()
                };
                txn.insert(&records.jobs, &job_key(repo.id, id), copy)?;
                Ok::<_, GitHubError>(())
            })?;
        }
    }
    advance(hub, repo, run_id, now)
}

/// Deletes a run with its jobs and logs.
pub fn delete(hub: &Hub, repo: &Repo, run_id: u64) -> Result<(), GitHubError> {
    let records = &hub.actions.records;
    records.run(repo.id, run_id).ok_or(GitHubError::NotFound)?;
    for job in records.jobs_of(repo.id, run_id, None) {
        records.jobs.remove(&job_key(repo.id, job.id))?;
        records.logs.remove(&super::model::log_key(job.id))?;
    }
    records.runs.remove(&run_key(repo.id, run_id))?;
    hub.actions.sources.remove(&run_key(repo.id, run_id))?;
    Ok(())
}
