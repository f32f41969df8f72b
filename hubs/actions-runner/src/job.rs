//! Running one job message, as the official runner's worker does: the job's contexts and masks
//! from the message, its workspace and environment files, each step's `if:` against the job's
//! status, the step run (a `run:` script, or the runner's native `actions/checkout`), the
//! environment files read back after it (`GITHUB_ENV`, `GITHUB_OUTPUT`, `GITHUB_PATH`), the
//! step's log and timeline record, then the job's outputs, `JobCompleted` and the result.
//!
//! `uses:` steps other than `actions/checkout` fail with an error naming why (this runner does
//! not download actions yet). Job containers and services are refused the same way.
//!
//! What this module must not do: let a step's output reach a log unmasked, or let a failure of
//! one step stop the job from reporting its result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actions::expr::{Contexts, Status};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::evaluate::{self, StepHost};
use crate::output::{CommandReader, Masks, Printed, read_key_values};
use crate::process::{self, Ended, Launch};
use crate::timeline::{Plan, Record, Reporter};
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
    fn context_name(self) -> &'static str {
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
    env: Map<String, Value>,
    path_additions: Vec<String>,
    pub(crate) masks: Masks,
    failed: bool,
    steps_context: Map<String, Value>,
}

impl JobState {
    fn status(&self, cancelled: bool) -> Status {
        if cancelled {
            Status::Cancelled
        } else if self.failed {
            Status::Failure
        } else {
            Status::Success
        }
    }

    fn refresh_contexts(&mut self, cancelled: bool) {
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
        evaluate::set_context(&mut self.contexts, "job", &json!({"status": status}));
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
    let mut job_lines: Vec<String> = Vec::new();

    // Workflow and job `env`, each layer seeing the ones before it.
    let host = StepHost {
        status: Status::Success,
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
    for (what, key) in [
        ("job containers", "jobContainer"),
        ("service containers", "jobServiceContainers"),
    ] {
        if !message[key].is_null() {
            setup_failed = Some(format!(
                "this runner does not run {what} yet (it has no Docker Engine API client)"
            ));
        }
    }
    if let Some(error) = &setup_failed {
        job_lines.push(format!("##[error]{error}"));
        state.failed = true;
    }

    let steps = message["steps"].as_array().cloned().unwrap_or_default();
    let mut step_records: Vec<Record> = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let cancelled = *cancel.borrow();
        state.refresh_contexts(cancelled);
        let record = run_step(
            &shared,
            &reporter,
            &mut state,
            &directories,
            &defaults,
            step,
            index,
            cancel.clone(),
            setup_failed.is_some(),
        )
        .await?;
        step_records.push(record);
    }

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
            Err(error) => job_lines.push(format!("##[warning]job outputs: {error}")),
        }
    }
    if !job_lines.is_empty() {
        let content = stamped(&shared, &job_lines, &state.masks);
        job_record.log = Some(reporter.upload_log(&job_record.id, content).await?);
    }
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
    for (name, variable) in message["variables"].as_object().into_iter().flatten() {
        if variable["isSecret"] == Value::Bool(true)
            && let Some(value) = variable["value"].as_str()
        {
            masks.add(value);
            if name == "system.github.token" {
                secrets.insert("GITHUB_TOKEN".into(), Value::String(value.into()));
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
        path_additions: Vec::new(),
        masks,
        failed: false,
        steps_context: Map::new(),
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
}

/// `defaults.run` of the workflow then the job (the job's wins).
fn run_defaults(message: &Value) -> (Option<String>, Option<String>) {
    let (mut shell, mut directory) = (None, None);
    let host = StepHost {
        status: Status::Success,
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

/// What a step runs.
enum Action {
    Script { script: String },
    Checkout,
    Unsupported(String),
}

fn action_of(step: &Value) -> Action {
    let reference = &step["reference"];
    match reference["type"].as_str() {
        Some("script") => Action::Script {
            script: String::new(),
        },
        Some("repository") => {
            let name = reference["name"].as_str().unwrap_or_default();
            if reference["repositoryType"] == "GitHub"
                && name.eq_ignore_ascii_case("actions/checkout")
                && reference["path"].as_str().unwrap_or_default().is_empty()
            {
                Action::Checkout
            } else {
                let shown = if reference["repositoryType"] == "self" {
                    format!("./{}", reference["path"].as_str().unwrap_or_default())
                } else {
                    format!("{name}@{}", reference["ref"].as_str().unwrap_or_default())
                };
                Action::Unsupported(format!(
                    "{shown}: this runner does not download or run actions yet (only `run:` steps and actions/checkout)"
                ))
            }
        }
        Some("containerRegistry") => Action::Unsupported(format!(
            "docker://{}: this runner does not run container actions (it has no Docker Engine API client)",
            reference["image"].as_str().unwrap_or_default()
        )),
        other => Action::Unsupported(format!(
            "a step of reference type {other:?} is not supported by this runner"
        )),
    }
}

#[allow(clippy::too_many_arguments)] // The job's pieces, borrowed separately on purpose.
async fn run_step(
    shared: &Shared,
    reporter: &Reporter<'_>,
    state: &mut JobState,
    directories: &Directories,
    defaults: &(Option<String>, Option<String>),
    step: &Value,
    index: usize,
    cancel: watch::Receiver<bool>,
    setup_failed: bool,
) -> Result<Record, RunnerError> {
    let record_id = step["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| shared.ids.uuid());
    let context_name = step["contextName"]
        .as_str()
        .unwrap_or(&format!("__{index}"))
        .to_string();
    let cancelled = *cancel.borrow();
    let status = state.status(cancelled);
    let host = StepHost { status };
    let mut action = action_of(step);
    // The step's env first: its own inputs see it in the `env` context.
    let mut env = state.env.clone();
    if !step["environment"].is_null() {
        match evaluate::string_map(&step["environment"], &state.contexts, &host) {
            Ok(pairs) => {
                for (k, v) in pairs {
                    env.insert(k, Value::String(v));
                }
            }
            Err(error) => {
                action = Action::Unsupported(format!("env: {error}"));
            }
        }
    }
    evaluate::set_context(&mut state.contexts, "env", &Value::Object(env.clone()));
    let inputs = match evaluate::token(&step["inputs"], &state.contexts, &host) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Action::Script { script } = &mut action {
        *script = inputs
            .get("script")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
    }
    let name = step_name(step, &action, &state.contexts, &host);
    let mut record = Record {
        id: record_id.clone(),
        parent: Some(reporter.plan.job_id.clone()),
        kind: "Task",
        name: state.masks.apply(&name),
        ref_name: Some(context_name.clone()),
        order: index as u64 + 1,
        state: "inProgress",
        result: None,
        start: Some(iso(shared.clock.now())),
        finish: None,
        log: None,
    };
    let mut lines: Vec<String> = Vec::new();

    let condition = step["condition"].as_str().unwrap_or("success()");
    let run_it = if setup_failed {
        false
    } else {
        match evaluate::condition(condition, &state.contexts, &host) {
            Ok(run) => run,
            Err(error) => {
                lines.push(format!(
                    "##[error]The step's condition could not be evaluated: {error}"
                ));
                state.failed = true;
                false
            }
        }
    };
    if !run_it {
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
        state.steps_context.insert(
            context_name,
            json!({"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}),
        );
        reporter.update(&[&record]).await?;
        return Ok(record);
    }
    reporter.update(&[&record]).await?;

    let timeout = step["timeoutInMinutes"]
        .as_f64()
        .or_else(|| {
            evaluate::token(&step["timeoutInMinutes"], &state.contexts, &host)
                .ok()
                .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
        })
        .filter(|m| *m > 0.0)
        .map(|m| Duration::from_secs_f64(m * 60.0));
    let continue_on_error = match &step["continueOnError"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        other => evaluate::token(other, &state.contexts, &host)
            .map(|v| actions::expr::Value::from_json(&v).is_truthy())
            .unwrap_or(false),
    };

    let files = StepFiles::make(shared, &directories.temp, &record_id)?;
    let collected: Arc<Mutex<(Vec<String>, Masks, CommandReader)>> = Arc::new(Mutex::new((
        Vec::new(),
        state.masks.clone(),
        CommandReader::default(),
    )));
    let sink_state = collected.clone();
    let on_line: Arc<dyn Fn(String) + Send + Sync> = Arc::new(move |text: String| {
        let mut guard = sink_state.lock().unwrap_or_else(|p| p.into_inner());
        let (lines, masks, reader) = &mut *guard;
        match reader.read(&text) {
            Printed::Log(line) => lines.push(masks.apply(&line)),
            Printed::Mask(value) => masks.add(&value),
            Printed::Annotation { level, message } => {
                lines.push(format!("##[{level}]{}", masks.apply(&message)))
            }
            Printed::Nothing => {}
        }
    });

    let mut step_env: BTreeMap<String, String> = shared
        .base_env
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    for (k, v) in &env {
        step_env.insert(
            k.clone(),
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string()),
        );
    }
    let mut path: Vec<String> = state.path_additions.iter().rev().cloned().collect();
    path.push(shared.host_path.clone());
    let path = path.join(":");
    step_env.insert("PATH".into(), path.clone());
    step_env.insert("GITHUB_ENV".into(), files.env.display().to_string());
    step_env.insert("GITHUB_OUTPUT".into(), files.output.display().to_string());
    step_env.insert("GITHUB_PATH".into(), files.path.display().to_string());
    step_env.insert(
        "GITHUB_STEP_SUMMARY".into(),
        files.summary.display().to_string(),
    );
    step_env.insert("GITHUB_STATE".into(), files.state.display().to_string());
    step_env.insert("GITHUB_ACTION".into(), context_name.clone());

    let ended = match &action {
        Action::Script { script } => {
            let (shell, directory) = (
                inputs
                    .get("shell")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| defaults.0.clone()),
                inputs
                    .get("workingDirectory")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| defaults.1.clone()),
            );
            lines.push(format!(
                "##[group]Run {}",
                script.lines().next().unwrap_or_default()
            ));
            lines.extend(script.lines().map(str::to_string));
            if !env.is_empty() {
                lines.push("env:".into());
                lines.extend(
                    env.iter()
                        .map(|(k, v)| format!("  {k}: {}", v.as_str().unwrap_or_default())),
                );
            }
            lines.push("##[endgroup]".into());
            match process::resolve_shell(shell.as_deref(), &path, shared.step_owner.is_some()) {
                Err(error) => Ended::NotStarted(error.0),
                Ok(resolved) => {
                    let script_path = directories.temp.join(format!(
                        "{}{}",
                        shared.ids.uuid(),
                        resolved.extension
                    ));
                    shared.write_step_file(&script_path, script)?;
                    let argv = resolved
                        .argv
                        .iter()
                        .map(|a| a.replace("{0}", &script_path.display().to_string()))
                        .collect();
                    let working_directory = match &directory {
                        Some(d) if Path::new(d).is_absolute() => PathBuf::from(d),
                        Some(d) => directories.workspace.join(d),
                        None => directories.workspace.clone(),
                    };
                    let launch = Launch {
                        name: format!("step/{context_name}"),
                        argv,
                        working_directory,
                        env: step_env,
                        timeout,
                        user: None,
                    };
                    let ended = process::run(
                        shared.processes.as_ref(),
                        launch,
                        cancel.clone(),
                        on_line.clone(),
                    )
                    .await;
                    let _ = std::fs::remove_file(&script_path);
                    ended
                }
            }
        }
        Action::Checkout => {
            lines.push("##[group]Run actions/checkout".into());
            lines.extend(inputs.iter().map(|(k, v)| {
                format!(
                    "  {k}: {}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            }));
            lines.push("##[endgroup]".into());
            let launch = crate::checkout::launch(
                state,
                &inputs,
                directories,
                step_env,
                &context_name,
                github_field(state, "server_url"),
            );
            match launch {
                Ok(launch) => {
                    process::run(
                        shared.processes.as_ref(),
                        launch,
                        cancel.clone(),
                        on_line.clone(),
                    )
                    .await
                }
                Err(message) => Ended::NotStarted(message),
            }
        }
        Action::Unsupported(message) => Ended::NotStarted(message.clone()),
    };

    let (printed, masks, _) =
        std::mem::take(&mut *collected.lock().unwrap_or_else(|p| p.into_inner()));
    state.masks = masks;
    lines.extend(printed);
    let mut outcome = match &ended {
        Ended::Exited(0) => Outcome::Succeeded,
        Ended::Exited(code) => {
            lines.push(format!("##[error]Process completed with exit code {code}."));
            Outcome::Failed
        }
        Ended::TimedOut => {
            lines.push(format!(
                "##[error]The action '{}' has timed out after {} minutes.",
                name,
                timeout.map_or(0, |t| t.as_secs() / 60)
            ));
            Outcome::Failed
        }
        Ended::Cancelled => {
            lines.push("##[error]The operation was canceled.".into());
            Outcome::Canceled
        }
        Ended::NotStarted(message) => {
            lines.push(format!("##[error]{message}"));
            Outcome::Failed
        }
    };

    // Environment files, read back whatever the outcome (GitHub does too).
    let mut outputs = Map::new();
    for (file, kind) in [
        (&files.env, "env"),
        (&files.output, "output"),
        (&files.path, "path"),
    ] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        if kind == "path" {
            state.path_additions.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string),
            );
            continue;
        }
        match read_key_values(&text) {
            Ok(pairs) => {
                for (k, v) in pairs {
                    if kind == "env" {
                        state.env.insert(k, Value::String(v));
                    } else {
                        outputs.insert(k, Value::String(v));
                    }
                }
            }
            Err(error) => {
                lines.push(format!(
                    "##[error]Unable to process file command '{kind}' successfully."
                ));
                lines.push(format!("##[error]{error}"));
                outcome = Outcome::Failed;
            }
        }
    }
    files.remove();

    let conclusion = if outcome == Outcome::Failed && continue_on_error {
        Outcome::Succeeded
    } else {
        outcome
    };
    if conclusion == Outcome::Failed {
        state.failed = true;
    }
    state.steps_context.insert(
        context_name,
        json!({"outputs": outputs, "outcome": outcome.context_name(), "conclusion": conclusion.context_name()}),
    );
    let content = stamped(shared, &lines, &state.masks);
    let masked: Vec<String> = lines.iter().map(|l| state.masks.apply(l)).collect();
    reporter.feed(&record_id, &masked, 1).await?;
    record.log = Some(reporter.upload_log(&record_id, content).await?);
    record.state = "completed";
    record.result = Some(conclusion.name());
    record.finish = Some(iso(shared.clock.now()));
    reporter.update(&[&record]).await?;
    Ok(record)
}

/// The step's display name: its `name:`, else `Run SCRIPT'S FIRST LINE` or `Run ACTION`.
fn step_name(step: &Value, action: &Action, contexts: &Contexts, host: &StepHost) -> String {
    if !step["displayNameToken"].is_null()
        && let Ok(Some(name)) = evaluate::token_string(&step["displayNameToken"], contexts, host)
    {
        return name;
    }
    match action {
        Action::Script { script } => {
            format!("Run {}", script.lines().next().unwrap_or_default().trim())
        }
        _ => {
            let reference = &step["reference"];
            match reference["type"].as_str() {
                Some("repository") if reference["repositoryType"] == "self" => {
                    format!("Run ./{}", reference["path"].as_str().unwrap_or_default())
                }
                Some("repository") => format!(
                    "Run {}@{}",
                    reference["name"].as_str().unwrap_or_default(),
                    reference["ref"].as_str().unwrap_or_default()
                ),
                Some("containerRegistry") => format!(
                    "Run docker://{}",
                    reference["image"].as_str().unwrap_or_default()
                ),
                _ => step["name"].as_str().unwrap_or("step").to_string(),
            }
        }
    }
}

/// The environment files of one step, made empty and writable by the step's user.
struct StepFiles {
    env: PathBuf,
    output: PathBuf,
    path: PathBuf,
    summary: PathBuf,
    state: PathBuf,
}

impl StepFiles {
    fn make(shared: &Shared, temp: &Path, record_id: &str) -> Result<StepFiles, RunnerError> {
        let dir = temp.join("_runner_file_commands");
        shared.make_step_dir(&dir)?;
        let file = |kind: &str| dir.join(format!("{kind}_{record_id}"));
        let files = StepFiles {
            env: file("set_env"),
            output: file("set_output"),
            path: file("add_path"),
            summary: file("step_summary"),
            state: file("save_state"),
        };
        for path in [
            &files.env,
            &files.output,
            &files.path,
            &files.summary,
            &files.state,
        ] {
            shared.write_step_file(path, "")?;
        }
        Ok(files)
    }

    fn remove(&self) {
        for path in [
            &self.env,
            &self.output,
            &self.path,
            &self.summary,
            &self.state,
        ] {
            let _ = std::fs::remove_file(path);
        }
    }
}
