//! Running one job message, as the official runner's worker does: the job's contexts, secrets
//! and masks from the message, its workspace, a "Set up job" step (where `uses:` actions are
//! resolved and downloaded), each step with its timeline record and log, a "Complete job"
//! step, then the job's outputs, `JobCompleted` and the result.
//!
//! Steps run through [`crate::step`]; `uses:` actions are downloaded before the first step
//! ([`crate::uses`]). A job with `container:` or `services:` gets "Initialize containers" and
//! "Stop containers" steps around its own ([`crate::containers`]), and its steps run in the job
//! container.
//!
//! What this module must not do: let a step's output reach a log unmasked, or let a failure of
//! one step stop the job from reporting its result.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use actions::expr::{Contexts, Status};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::containers;
use crate::docker::Engine;
use crate::evaluate::{self, StepHost};
use crate::output::Masks;
use crate::step::{self, StepContext};
use crate::timeline::{Plan, Record, Reporter};
use crate::uses::{self, Downloads};
use crate::{RunnerError, Shared, iso};

/// A step's result, as the runner's `TaskResult` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    Canceled,
    Skipped,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Canceled => "canceled",
            Outcome::Skipped => "skipped",
        }
    }

    /// As the `steps` context spells it.
    pub(crate) fn context_name(self) -> &'static str {
        match self {
            Outcome::Succeeded => "success",
            Outcome::Failed => "failure",
            Outcome::Canceled => "cancelled",
            Outcome::Skipped => "skipped",
        }
    }
}

/// The job's state as steps go by.
pub(crate) struct JobState {
    pub(crate) contexts: Contexts,
    /// The job's env: workflow and job `env:`, then what `GITHUB_ENV` added.
    pub(crate) env: Map<String, Value>,
    /// A composite action's step env, which its own steps see over the job's.
    pub(crate) scope_env: Map<String, Value>,
    pub(crate) path_additions: Vec<String>,
    pub(crate) masks: Masks,
    pub(crate) failed: bool,
    pub(crate) steps_context: Map<String, Value>,
    /// The directory of the composite action whose steps are running (`GITHUB_ACTION_PATH`).
    pub(crate) action_path: Option<PathBuf>,
    /// `job.container` and `job.services`, once the job's containers are up.
    pub(crate) job_context: Map<String, Value>,
    /// JavaScript actions' `post:` scripts queued as their steps ran.
    pub(crate) post_steps: Vec<uses::Phase>,
    /// What each action step saved with `GITHUB_STATE`, by its context name.
    pub(crate) action_states: BTreeMap<String, BTreeMap<String, String>>,
}

impl JobState {
    pub(crate) fn status(&self, cancelled: bool) -> Status {
        if cancelled {
            Status::Cancelled
        } else if self.failed {
            Status::Failure
        } else {
            Status::Success
        }
    }

    pub(crate) fn refresh_contexts(&mut self, cancelled: bool) {
        evaluate::set_context(&mut self.contexts, "env", &Value::Object(self.env.clone()));
        evaluate::set_context(
            &mut self.contexts,
            "steps",
            &Value::Object(self.steps_context.clone()),
        );
        let status = match self.status(cancelled) {
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Cancelled => "cancelled",
        };
        let mut job = self.job_context.clone();
        job.insert("status".into(), Value::String(status.into()));
        evaluate::set_context(&mut self.contexts, "job", &Value::Object(job));
    }
}

/// Where a job's files live: `WORK/REPO/REPO` as the workspace, `WORK/_temp` for scripts and
/// environment files.
pub(crate) struct Directories {
    pub(crate) workspace: PathBuf,
    pub(crate) temp: PathBuf,
}

/// Runs the job in `message` (the `PipelineAgentJobRequest` body) to its end and reports it.
/// Answers the job's result.
pub async fn run(
    shared: Arc<Shared>,
    message: Value,
    cancel: watch::Receiver<bool>,
) -> Result<Outcome, RunnerError> {
    let plan = Plan::of(&message)?;
    let reporter = Reporter {
        http: &shared.http,
        service: &shared.service,
        plan,
    };
    let request_id = message["requestId"].as_u64().unwrap_or_default();
    let display_name = message["jobDisplayName"]
        .as_str()
        .unwrap_or("job")
        .to_string();
    let mut job_record = Record {
        id: reporter.plan.job_id.clone(),
        parent: None,
        kind: "Job",
        name: display_name.clone(),
        ref_name: message["jobName"].as_str().map(str::to_string),
        order: 1,
        state: "inProgress",
        result: None,
        start: Some(iso(shared.clock.now())),
        finish: None,
        log: None,
    };
    reporter.update(&[&job_record]).await?;

    let mut state = initial_state(&message);
    let directories = prepare_directories(&shared, &message, &state)?;
    github_environment(&shared, &message, &directories, &mut state);
    let defaults = run_defaults(&message);
    // What the official runner's first step, "Set up job", logs (and where setup fails).
    let setup_start = iso(shared.clock.now());
    let mut job_lines: Vec<String> = vec![
        format!("Runner name: '{}'", shared.name),
        "Prepare workflow directory".into(),
    ];

    // Workflow and job `env`, each layer seeing the ones before it.
    let host = StepHost {
        status: Status::Success,
        workspace: None,
    };
    let mut setup_failed = None;
    for layer in message["environmentVariables"]
        .as_array()
        .into_iter()
        .flatten()
    {
        state.refresh_contexts(false);
        match evaluate::string_map(layer, &state.contexts, &host) {
            Ok(pairs) => {
                for (k, v) in pairs {
                    state.env.insert(k, Value::String(v));
                }
            }
            Err(error) => setup_failed = Some(error.to_string()),
        }
    }
    // `container:` and `services:` evaluated now (they may use `matrix`, `vars`, `secrets`),
    // their engine found; the containers start after "Set up job", as on GitHub.
    let mut wanted = None;
    if setup_failed.is_none() {
        state.refresh_contexts(false);
        match wanted_containers(&message, &state, &host) {
            Ok(found) => wanted = found,
            Err(error) => setup_failed = Some(error),
        }
    }
    if let Some(error) = &setup_failed {
        job_lines.push(format!("##[error]{error}"));
        state.failed = true;
    }

    let steps = message["steps"].as_array().cloned().unwrap_or_default();
    let cx = StepContext {
        shared: &shared,
        reporter: &reporter,
        directories: &directories,
        defaults: &defaults,
        cancel: cancel.clone(),
        container: None,
    };
    let mut downloads = Downloads::default();
    if setup_failed.is_none() {
        let token = github_field(&state, "token");
        if let Err(why) = uses::download(&cx, &steps, &token, &mut downloads, &mut job_lines).await
        {
            job_lines.push(format!("##[error]{why}"));
            state.failed = true;
            setup_failed = Some(why);
        }
    }
    job_lines.push(format!("Complete job name: {display_name}"));
    let setup_id = shared.ids.uuid();
    let setup_record = Record {
        id: setup_id.clone(),
        parent: Some(reporter.plan.job_id.clone()),
        kind: "Task",
        name: "Set up job".into(),
        ref_name: Some("__setup".into()),
        order: 1,
        state: "completed",
        result: Some(if setup_failed.is_some() {
            Outcome::Failed.name()
        } else {
            Outcome::Succeeded.name()
        }),
        start: Some(setup_start),
        finish: Some(iso(shared.clock.now())),
        log: Some(
            reporter
                .upload_log(&setup_id, stamped(&shared, &job_lines, &state.masks))
                .await?,
        ),
    };
    reporter.update(&[&setup_record]).await?;
    let mut step_records: Vec<Record> = vec![setup_record];
    let mut order = 2;
    let mut made = None;
    if let Some((engine, job, services)) = wanted {
        let mut lines = Vec::new();
        let start = iso(shared.clock.now());
        let request = containers::Request {
            job,
            services,
            work: &shared.work,
            workspace: &directories.workspace,
            runner_name: &shared.name,
            id: shared.ids.uuid().replace('-', ""),
        };
        let (started, outcome) = containers::start(engine, request, &mut lines).await;
        if let Err(why) = &outcome {
            lines.push(format!("##[error]{why}"));
            state.failed = true;
            setup_failed = Some(why.clone());
        }
        state.job_context = started.context.clone();
        let record = finished_record(
            &shared,
            &reporter,
            "Initialize containers",
            "__init_containers",
            order,
            start,
            if outcome.is_ok() {
                Outcome::Succeeded
            } else {
                Outcome::Failed
            },
            stamped(&shared, &lines, &state.masks),
        )
        .await?;
        step_records.push(record);
        order += 1;
        made = Some(started);
    }
    let cx = StepContext {
        container: made.as_ref().and_then(|m| m.target.as_ref()),
        ..cx
    };
    if setup_failed.is_none() {
        for phase in uses::pre_phases(&cx, &mut state, &steps, &downloads) {
            let display = format!("Pre {}", phase.display);
            if let Some(record) = run_phase_record(&cx, &mut state, &phase, display, order).await? {
                step_records.push(record);
                order += 1;
            }
        }
    }
    for (index, step) in steps.iter().enumerate() {
        let record = run_step(
            &cx,
            &mut state,
            step,
            index,
            order,
            &downloads,
            setup_failed.is_some(),
        )
        .await?;
        step_records.push(record);
        order += 1;
    }
    let posts = std::mem::take(&mut state.post_steps);
    for phase in posts.iter().rev() {
        let display = format!("Post {}", phase.display);
        if let Some(record) = run_phase_record(&cx, &mut state, phase, display, order).await? {
            step_records.push(record);
            order += 1;
        }
    }
    if let Some(made) = &made {
        let mut lines = Vec::new();
        let start = iso(shared.clock.now());
        containers::stop(made, &mut lines).await;
        let record = finished_record(
            &shared,
            &reporter,
            "Stop containers",
            "__stop_containers",
            order,
            start,
            Outcome::Succeeded,
            stamped(&shared, &lines, &state.masks),
        )
        .await?;
        step_records.push(record);
        order += 1;
    }
    let mut complete_lines = vec!["Cleaning up orphan processes".to_string()];

    let cancelled = *cancel.borrow();
    state.refresh_contexts(cancelled);
    let result = if cancelled {
        Outcome::Canceled
    } else if state.failed {
        Outcome::Failed
    } else {
        Outcome::Succeeded
    };
    let mut outputs = Vec::new();
    if !message["jobOutputs"].is_null() {
        match evaluate::string_map(&message["jobOutputs"], &state.contexts, &host) {
            Ok(pairs) => outputs = pairs,
            Err(error) => complete_lines.push(format!("##[warning]job outputs: {error}")),
        }
    }
    let complete_start = iso(shared.clock.now());
    let complete_id = shared.ids.uuid();
    let complete_record = Record {
        id: complete_id.clone(),
        parent: Some(reporter.plan.job_id.clone()),
        kind: "Task",
        name: "Complete job".into(),
        ref_name: Some("__complete".into()),
        order,
        state: "completed",
        result: Some(Outcome::Succeeded.name()),
        start: Some(complete_start.clone()),
        finish: Some(complete_start),
        log: Some(
            reporter
                .upload_log(
                    &complete_id,
                    stamped(&shared, &complete_lines, &state.masks),
                )
                .await?,
        ),
    };
    step_records.push(complete_record);
    job_record.state = "completed";
    job_record.result = Some(result.name());
    job_record.finish = Some(iso(shared.clock.now()));
    let mut all: Vec<&Record> = vec![&job_record];
    all.extend(step_records.iter());
    reporter.update(&all).await?;
    reporter
        .job_completed(request_id, result.name(), &outputs)
        .await?;
    Ok(result)
}

fn initial_state(message: &Value) -> JobState {
    let mut contexts = Contexts::new();
    let mut masks = Masks::default();
    let mut secrets = Map::new();
    for pair in message["contextData"]["d"].as_array().into_iter().flatten() {
        if let Some(name) = pair["k"].as_str() {
            let value = evaluate::context_data(&pair["v"]);
            if name == "secrets" {
                if let Value::Object(map) = &value {
                    secrets.extend(map.clone());
                }
                continue;
            }
            evaluate::set_context(&mut contexts, name, &value);
        }
    }
    // Secret variables are masked and, but for the system's tokens, are the `secrets` context
    // (the runner's `Variables.ToSecretsContext`); the job's token is `secrets.GITHUB_TOKEN`.
    for (name, variable) in message["variables"].as_object().into_iter().flatten() {
        if variable["isSecret"] == Value::Bool(true)
            && let Some(value) = variable["value"].as_str()
        {
            masks.add(value);
            if name.eq_ignore_ascii_case("system.github.token") {
                secrets.insert("GITHUB_TOKEN".into(), Value::String(value.into()));
            } else if !name.eq_ignore_ascii_case("system.accesstoken") {
                secrets.insert(name.clone(), Value::String(value.into()));
            }
        }
    }
    for secret in secrets.values().filter_map(Value::as_str) {
        masks.add(secret);
    }
    for mask in message["mask"].as_array().into_iter().flatten() {
        if let Some(value) = mask["value"].as_str() {
            masks.add(value);
        }
    }
    evaluate::set_context(&mut contexts, "secrets", &Value::Object(secrets));
    JobState {
        contexts,
        env: Map::new(),
        scope_env: Map::new(),
        path_additions: Vec::new(),
        masks,
        failed: false,
        steps_context: Map::new(),
        action_path: None,
        job_context: Map::new(),
        post_steps: Vec::new(),
        action_states: BTreeMap::new(),
    }
}

pub(crate) fn github_field(state: &JobState, name: &str) -> String {
    state
        .contexts
        .get("github")
        .map(|g| g.to_json())
        .and_then(|g| g.get(name).cloned())
        .map(|v| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

fn prepare_directories(
    shared: &Shared,
    message: &Value,
    state: &JobState,
) -> Result<Directories, RunnerError> {
    let repository = github_field(state, "repository");
    let repo_name = repository
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("workspace")
        .to_string();
    let _ = message;
    let workspace = shared.work.join(&repo_name).join(&repo_name);
    let temp = shared.work.join("_temp");
    for dir in [
        shared.work.join(&repo_name),
        workspace.clone(),
        temp.clone(),
    ] {
        shared.make_step_dir(&dir)?;
    }
    Ok(Directories { workspace, temp })
}

/// The variables every step sees (`GITHUB_*`, `RUNNER_*`, `CI`), and the `runner` context.
fn github_environment(
    shared: &Shared,
    message: &Value,
    directories: &Directories,
    state: &mut JobState,
) {
    let mut base = BTreeMap::new();
    for (variable, field) in [
        ("GITHUB_REPOSITORY", "repository"),
        ("GITHUB_REPOSITORY_OWNER", "repository_owner"),
        ("GITHUB_SHA", "sha"),
        ("GITHUB_REF", "ref"),
        ("GITHUB_REF_NAME", "ref_name"),
        ("GITHUB_REF_TYPE", "ref_type"),
        ("GITHUB_RUN_ID", "run_id"),
        ("GITHUB_RUN_NUMBER", "run_number"),
        ("GITHUB_RUN_ATTEMPT", "run_attempt"),
        ("GITHUB_EVENT_NAME", "event_name"),
        ("GITHUB_ACTOR", "actor"),
        ("GITHUB_WORKFLOW", "workflow"),
        ("GITHUB_SERVER_URL", "server_url"),
        ("GITHUB_API_URL", "api_url"),
        ("GITHUB_GRAPHQL_URL", "graphql_url"),
        ("GITHUB_HEAD_REF", "head_ref"),
        ("GITHUB_BASE_REF", "base_ref"),
        ("GITHUB_RETENTION_DAYS", "retention_days"),
    ] {
        base.insert(variable.to_string(), github_field(state, field));
    }
    base.insert(
        "GITHUB_JOB".into(),
        message["jobName"].as_str().unwrap_or_default().into(),
    );
    base.insert(
        "GITHUB_WORKSPACE".into(),
        directories.workspace.display().to_string(),
    );
    base.insert("CI".into(), "true".into());
    base.insert("GITHUB_ACTIONS".into(), "true".into());
    base.insert("RUNNER_OS".into(), "Linux".into());
    base.insert("RUNNER_ARCH".into(), shared.arch.clone());
    base.insert("RUNNER_NAME".into(), shared.name.clone());
    base.insert("RUNNER_TEMP".into(), directories.temp.display().to_string());
    base.insert(
        "RUNNER_WORKSPACE".into(),
        directories
            .workspace
            .parent()
            .unwrap_or(&directories.workspace)
            .display()
            .to_string(),
    );
    evaluate::set_context(
        &mut state.contexts,
        "runner",
        &json!({"os": "Linux", "arch": shared.arch, "name": shared.name, "temp": directories.temp, "workspace": directories.workspace.parent(), "environment": "self-hosted"}),
    );
    let mut github = state
        .contexts
        .get("github")
        .map(|g| g.to_json())
        .unwrap_or_else(|| json!({}));
    github["workspace"] = Value::String(directories.workspace.display().to_string());
    evaluate::set_context(&mut state.contexts, "github", &github);
    *shared.base_env.lock().unwrap_or_else(|p| p.into_inner()) = base;
    *shared.action_env.lock().unwrap_or_else(|p| p.into_inner()) = action_environment(message);
}

/// The variables the runner gives JavaScript actions from the job's `SystemVssConnection`
/// (its handlers' `ACTIONS_RUNTIME_URL`, `ACTIONS_RUNTIME_TOKEN`, `ACTIONS_RESULTS_URL`,
/// `ACTIONS_CACHE_URL`, and `ACTIONS_CACHE_SERVICE_V2` when the job's variables ask for it).
fn action_environment(message: &Value) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let Some(connection) = message["resources"]["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "SystemVssConnection")
    else {
        return env;
    };
    let mut put = |name: &str, value: &Value| {
        if let Some(text) = value.as_str().filter(|t| !t.is_empty()) {
            env.insert(name.to_string(), text.to_string());
        }
    };
    put("ACTIONS_RUNTIME_URL", &connection["url"]);
    put(
        "ACTIONS_RUNTIME_TOKEN",
        &connection["authorization"]["parameters"]["AccessToken"],
    );
    put("ACTIONS_CACHE_URL", &connection["data"]["CacheServerUrl"]);
    put(
        "ACTIONS_RESULTS_URL",
        &connection["data"]["ResultsServiceUrl"],
    );
    let cache_v2 = &message["variables"]["actions_uses_cache_service_v2"]["value"];
    if cache_v2
        .as_str()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        env.insert("ACTIONS_CACHE_SERVICE_V2".into(), "True".into());
    }
    env
}

/// `defaults.run` of the workflow then the job (the job's wins).
fn run_defaults(message: &Value) -> (Option<String>, Option<String>) {
    let (mut shell, mut directory) = (None, None);
    let host = StepHost {
        status: Status::Success,
        workspace: None,
    };
    for layer in message["defaults"].as_array().into_iter().flatten() {
        if let Ok(Value::Object(map)) = evaluate::token(layer, &Contexts::new(), &host)
            && let Some(run) = map.get("run")
        {
            if let Some(s) = run["shell"].as_str() {
                shell = Some(s.to_string());
            }
            if let Some(d) = run["working-directory"].as_str() {
                directory = Some(d.to_string());
            }
        }
    }
    (shell, directory)
}

/// The log content as uploaded: each line stamped with the time it is written.
fn stamped(shared: &Shared, lines: &[String], masks: &Masks) -> String {
    let now = iso(shared.clock.now());
    lines
        .iter()
        .map(|l| format!("{now} {}\n", masks.apply(l)))
        .collect()
}

/// One step of the job with its timeline record: reported in progress, run, its log uploaded
/// and its result reported.
async fn run_step(
    cx: &StepContext<'_>,
    state: &mut JobState,
    step: &Value,
    index: usize,
    order: u64,
    downloads: &Downloads,
    setup_failed: bool,
) -> Result<Record, RunnerError> {
    let shared = cx.shared;
    let reporter = cx.reporter;
    let record_id = step["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| shared.ids.uuid());
    let prepared = step::prepare(cx, state, step, index, downloads, setup_failed);
    let mut record = Record {
        id: record_id.clone(),
        parent: Some(reporter.plan.job_id.clone()),
        kind: "Task",
        name: prepared.name.clone(),
        ref_name: Some(prepared.context_name.clone()),
        order,
        state: "inProgress",
        result: None,
        start: Some(iso(shared.clock.now())),
        finish: None,
        log: None,
    };
    let mut lines = prepared.lines.clone();
    if !prepared.run_it {
        step::skip(state, &prepared);
        record.state = "completed";
        record.result = Some(Outcome::Skipped.name());
        record.finish = record.start.clone();
        if !lines.is_empty() {
            record.log = Some(
                reporter
                    .upload_log(&record_id, stamped(shared, &lines, &state.masks))
                    .await?,
            );
        }
        reporter.update(&[&record]).await?;
        return Ok(record);
    }
    reporter.update(&[&record]).await?;
    let finished = step::execute(cx, state, prepared, &mut lines).await?;
    let content = stamped(shared, &lines, &state.masks);
    let masked: Vec<String> = lines.iter().map(|l| state.masks.apply(l)).collect();
    reporter.feed(&record_id, &masked, 1).await?;
    record.log = Some(reporter.upload_log(&record_id, content).await?);
    record.state = "completed";
    record.result = Some(finished.conclusion.name());
    record.finish = Some(iso(shared.clock.now()));
    reporter.update(&[&record]).await?;
    Ok(record)
}

/// The job container and services a job asks for, evaluated, with the engine to run them on;
/// `None` when it asks for neither. No engine is an error naming why.
#[allow(clippy::type_complexity)] // Read once, where it is made.
fn wanted_containers(
    message: &Value,
    state: &JobState,
    host: &StepHost,
) -> Result<
    Option<(
        Engine,
        Option<containers::Spec>,
        Vec<(String, containers::Spec)>,
    )>,
    String,
> {
    let evaluated = |token: &Value, what: &str| {
        evaluate::token(token, &state.contexts, host).map_err(|e| format!("{what}: {e}"))
    };
    let job = containers::spec_of(
        &evaluated(&message["jobContainer"], "container")?,
        "container",
    )?;
    let mut services = Vec::new();
    if let Value::Object(map) = evaluated(&message["jobServiceContainers"], "services")? {
        for (label, value) in map {
            if let Some(spec) = containers::spec_of(&value, &format!("services.{label}"))? {
                services.push((label, spec));
            }
        }
    }
    if job.is_none() && services.is_empty() {
        return Ok(None);
    }
    let engine = Engine::locate(std::env::var("DOCKER_HOST").ok().as_deref())
        .map_err(|why| format!("Container operations need a Docker Engine API: {why}"))?;
    Ok(Some((engine, job, services)))
}

/// A step of the runner's own (containers started or stopped), reported finished with its log.
#[allow(clippy::too_many_arguments)] // A record's fields, given once each.
async fn finished_record(
    shared: &Shared,
    reporter: &Reporter<'_>,
    name: &str,
    ref_name: &str,
    order: u64,
    start: String,
    outcome: Outcome,
    log: String,
) -> Result<Record, RunnerError> {
    let id = shared.ids.uuid();
    let record = Record {
        id: id.clone(),
        parent: Some(reporter.plan.job_id.clone()),
        kind: "Task",
        name: name.into(),
        ref_name: Some(ref_name.into()),
        order,
        state: "completed",
        result: Some(outcome.name()),
        start: Some(start),
        finish: Some(iso(shared.clock.now())),
        log: Some(reporter.upload_log(&id, log).await?),
    };
    reporter.update(&[&record]).await?;
    Ok(record)
}

/// A `pre:`/`post:` script as a step with its record; `None` when its condition did not hold
/// (the runner leaves no record for it then).
async fn run_phase_record(
    cx: &StepContext<'_>,
    state: &mut JobState,
    phase: &uses::Phase,
    display: String,
    order: u64,
) -> Result<Option<Record>, RunnerError> {
    let shared = cx.shared;
    let start = iso(shared.clock.now());
    let mut lines = Vec::new();
    let Some(outcome) = step::execute_phase(cx, state, phase, &mut lines).await? else {
        return Ok(None);
    };
    let masked = display.clone();
    let record = finished_record(
        shared,
        cx.reporter,
        &state.masks.apply(&masked),
        &format!(
            "{}_{}",
            if display.starts_with("Pre ") {
                "__pre"
            } else {
                "__post"
            },
            phase.context_name
        ),
        order,
        start,
        outcome,
        stamped(shared, &lines, &state.masks),
    )
    .await?;
    Ok(Some(record))
}
