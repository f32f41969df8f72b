//! One step, as the runner's worker runs it, in two halves:
//!
//! - [`prepare`]: the step's env (over the job's), its inputs (`with:`, or a `run:` step's
//!   script, shell and working directory) and display name evaluated, and its `if:` against
//!   the status so far;
//! - [`execute`]: what it runs (a `run:` script with its shell, the native `actions/checkout`,
//!   or a `uses:` action through [`crate::uses`]), its environment files (`GITHUB_ENV`,
//!   `GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_STATE`, `GITHUB_STEP_SUMMARY`) read back after it,
//!   and its result in the `steps` context.
//!
//! A job's steps each get a timeline record (see [`crate::job`]); a composite action's steps
//! run through the same two halves and write into their action's step log, as on GitHub.
//!
//! What this module must not do: let a line reach the log unmasked, or a failure of the step
//! escape as anything but the step's result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actions::expr::Contexts;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::containers::ContainerTarget;
use crate::evaluate::{self, StepHost};
use crate::job::{Directories, JobState, Outcome, github_field};
use crate::output::{CommandReader, Masks, Printed, read_key_values};
use crate::process::{self, Ended, Launch};
use crate::timeline::Reporter;
use crate::uses::{self, Downloads};
use crate::{RunnerError, Shared};

/// What every step of a job shares.
pub(crate) struct StepContext<'a> {
    pub shared: &'a Shared,
    pub reporter: &'a Reporter<'a>,
    pub directories: &'a Directories,
    /// `defaults.run`: shell, working directory.
    pub defaults: &'a (Option<String>, Option<String>),
    pub cancel: watch::Receiver<bool>,
    /// The job container steps run in, for a `container:` job.
    pub container: Option<&'a ContainerTarget>,
}

/// What a step runs.
pub(crate) enum Action {
    Script {
        script: String,
    },
    Checkout,
    /// A `uses:` action: how the log names it, and where its files are (a downloaded
    /// repository's directory, or the workspace's for `./path`).
    Uses {
        shown: String,
        dir: PathBuf,
    },
    Unsupported(String),
}

/// A step ready to run, or to be skipped.
pub(crate) struct Prepared {
    pub context_name: String,
    pub name: String,
    action: Action,
    env: Map<String, Value>,
    inputs: Map<String, Value>,
    /// Whether its `if:` holds.
    pub run_it: bool,
    /// Lines written before it runs (a condition that could not be evaluated).
    pub lines: Vec<String>,
    timeout: Option<Duration>,
    continue_on_error: bool,
}

impl Prepared {
    /// A `uses:` action's directory and how the log names it.
    pub(crate) fn action_dir(&self) -> Option<(PathBuf, String)> {
        match &self.action {
            Action::Uses { shown, dir } => Some((dir.clone(), shown.clone())),
            _ => None,
        }
    }

    /// `with:`, evaluated.
    pub(crate) fn inputs(&self) -> &Map<String, Value> {
        &self.inputs
    }

    /// The step's env over the job's, evaluated.
    pub(crate) fn env(&self) -> &Map<String, Value> {
        &self.env
    }
}

/// What a step came to.
pub(crate) struct Finished {
    pub conclusion: Outcome,
}

fn action_of(step: &Value, directories: &Directories, downloads: &Downloads) -> Action {
    let reference = &step["reference"];
    match reference["type"].as_str() {
        Some("script") => Action::Script {
            script: String::new(),
        },
        Some("repository") => {
            let name = reference["name"].as_str().unwrap_or_default();
            let git_ref = reference["ref"].as_str().unwrap_or_default();
            let path = reference["path"].as_str().unwrap_or_default();
            if reference["repositoryType"] == "self" {
                let shown = format!("./{path}");
                return match uses::inside(&directories.workspace, path) {
                    Some(dir) => Action::Uses { shown, dir },
                    None => Action::Unsupported(format!(
                        "{shown}: the path climbs out of the workspace"
                    )),
                };
            }
            if reference["repositoryType"] == "GitHub"
                && name.eq_ignore_ascii_case("actions/checkout")
                && path.is_empty()
            {
                return Action::Checkout;
            }
            let shown = if path.is_empty() {
                format!("{name}@{git_ref}")
            } else {
                format!("{name}/{path}@{git_ref}")
            };
            match downloads.dir(name, git_ref, path) {
                Ok(dir) => Action::Uses { shown, dir },
                Err(why) => Action::Unsupported(format!("{shown}: {why}")),
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
        Action::Uses { shown, .. } => format!("Run {shown}"),
        Action::Checkout => format!(
            "Run actions/checkout@{}",
            step["reference"]["ref"].as_str().unwrap_or_default()
        ),
        Action::Unsupported(_) => {
            let reference = &step["reference"];
            match reference["type"].as_str() {
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

/// Evaluates a step's env, inputs, name and condition.
pub(crate) fn prepare(
    cx: &StepContext<'_>,
    state: &mut JobState,
    step: &Value,
    index: usize,
    downloads: &Downloads,
    setup_failed: bool,
) -> Prepared {
    let context_name = step["contextName"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("__{index}"));
    let cancelled = *cx.cancel.borrow();
    state.refresh_contexts(cancelled);
    let host = StepHost {
        status: state.status(cancelled),
        workspace: Some(cx.directories.workspace.clone()),
    };
    let mut action = action_of(step, cx.directories, downloads);
    // The step's env first: its own inputs see it in the `env` context.
    let mut env = state.env.clone();
    env.extend(state.scope_env.clone());
    if !step["environment"].is_null() {
        match evaluate::string_map(&step["environment"], &state.contexts, &host) {
            Ok(pairs) => {
                for (k, v) in pairs {
                    env.insert(k, Value::String(v));
                }
            }
            Err(error) => action = Action::Unsupported(format!("env: {error}")),
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
    let name = state
        .masks
        .apply(&step_name(step, &action, &state.contexts, &host));
    let mut lines = Vec::new();
    let condition = step["condition"].as_str().unwrap_or("success()");
    let run_it = !setup_failed
        && match evaluate::condition(condition, &state.contexts, &host) {
            Ok(run) => run,
            Err(error) => {
                lines.push(format!(
                    "##[error]The step's condition could not be evaluated: {error}"
                ));
                state.failed = true;
                false
            }
        };
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
    Prepared {
        context_name,
        name,
        action,
        env,
        inputs,
        run_it,
        lines,
        timeout,
        continue_on_error,
    }
}

/// Records a skipped step in the `steps` context.
pub(crate) fn skip(state: &mut JobState, prepared: &Prepared) {
    state.steps_context.insert(
        prepared.context_name.clone(),
        json!({"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}),
    );
}

/// A step's output lines as they arrive: workflow commands read, masks applied and grown.
pub(crate) type Collected = Arc<Mutex<(Vec<String>, Masks, CommandReader)>>;

pub(crate) fn collector(masks: &Masks) -> (Collected, Arc<dyn Fn(String) + Send + Sync>) {
    let collected: Collected = Arc::new(Mutex::new((
        Vec::new(),
        masks.clone(),
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
    (collected, on_line)
}

/// The process environment of a step: the job's `GITHUB_*`/`RUNNER_*` variables, its env, the
/// grown `PATH`, and its environment files.
fn step_environment(
    cx: &StepContext<'_>,
    state: &JobState,
    env: &Map<String, Value>,
    files: &StepFiles,
    context_name: &str,
) -> (BTreeMap<String, String>, String) {
    let mut step_env: BTreeMap<String, String> = cx
        .shared
        .base_env
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    for (k, v) in env {
        step_env.insert(
            k.clone(),
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string()),
        );
    }
    let mut path: Vec<String> = state.path_additions.iter().rev().cloned().collect();
    path.push(cx.shared.host_path.clone());
    let path = path.join(":");
    step_env.insert("PATH".into(), path.clone());
    for (name, file) in [
        ("GITHUB_ENV", &files.env),
        ("GITHUB_OUTPUT", &files.output),
        ("GITHUB_PATH", &files.path),
        ("GITHUB_STEP_SUMMARY", &files.summary),
        ("GITHUB_STATE", &files.state),
    ] {
        step_env.insert(name.into(), file.display().to_string());
    }
    step_env.insert("GITHUB_ACTION".into(), context_name.to_string());
    if let Some(action_path) = &state.action_path {
        step_env.insert(
            "GITHUB_ACTION_PATH".into(),
            action_path.display().to_string(),
        );
    }
    (step_env, path)
}

/// Runs a prepared step whose `if:` held, appending its lines to `lines`.
pub(crate) async fn execute(
    cx: &StepContext<'_>,
    state: &mut JobState,
    prepared: Prepared,
    lines: &mut Vec<String>,
) -> Result<Finished, RunnerError> {
    let shared = cx.shared;
    let Prepared {
        context_name,
        name,
        action,
        env,
        inputs,
        timeout,
        continue_on_error,
        ..
    } = prepared;
    let files = StepFiles::make(shared, &cx.directories.temp, &shared.ids.uuid())?;
    let (step_env, path) = step_environment(cx, state, &env, &files, &context_name);
    let (collected, on_line) = collector(&state.masks);
    let mut outputs = Map::new();

    let ended = match &action {
        Action::Script { script } => {
            let shell = inputs
                .get("shell")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| cx.defaults.0.clone());
            let directory = inputs
                .get("workingDirectory")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| cx.defaults.1.clone());
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
            if let Some(target) = cx.container {
                let script_path = cx
                    .directories
                    .temp
                    .join(format!("{}.sh", shared.ids.uuid()));
                shared.write_step_file(&script_path, script)?;
                let working_directory = match &directory {
                    Some(d) if Path::new(d).is_absolute() => d.clone(),
                    Some(d) => cx.directories.workspace.join(d).display().to_string(),
                    None => cx.directories.workspace.display().to_string(),
                };
                let ended = target
                    .exec_script(
                        shell.as_deref(),
                        &script_path,
                        &step_env,
                        &state.path_additions,
                        &working_directory,
                        timeout,
                        cx.cancel.clone(),
                        on_line.clone(),
                    )
                    .await;
                let _ = std::fs::remove_file(&script_path);
                ended
            } else {
                match process::resolve_shell(shell.as_deref(), &path, shared.step_owner.is_some()) {
                    Err(error) => Ended::NotStarted(error.0),
                    Ok(resolved) => {
                        let script_path = cx.directories.temp.join(format!(
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
                            Some(d) => cx.directories.workspace.join(d),
                            None => cx.directories.workspace.clone(),
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
                            cx.cancel.clone(),
                            on_line.clone(),
                        )
                        .await;
                        let _ = std::fs::remove_file(&script_path);
                        ended
                    }
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
                cx.directories,
                step_env,
                &context_name,
                github_field(state, "server_url"),
            );
            match launch {
                Ok(launch) => {
                    process::run(
                        shared.processes.as_ref(),
                        launch,
                        cx.cancel.clone(),
                        on_line.clone(),
                    )
                    .await
                }
                Err(message) => Ended::NotStarted(message),
            }
        }
        Action::Uses { shown, dir } => {
            let call = uses::Call {
                shown,
                display: &name,
                dir,
                inputs: &inputs,
                env: &env,
                step_env,
                path: &path,
                context_name: &context_name,
                timeout,
                on_line: on_line.clone(),
            };
            uses::run(cx, state, call, lines, &mut outputs).await?
        }
        Action::Unsupported(message) => Ended::NotStarted(message.clone()),
    };

    let (printed, masks, _) =
        std::mem::take(&mut *collected.lock().unwrap_or_else(|p| p.into_inner()));
    // A composite action's steps grew the job's masks themselves: keep both.
    for value in masks.values() {
        state.masks.add(value);
    }
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
            if !message.is_empty() {
                lines.push(format!("##[error]{message}"));
            }
            Outcome::Failed
        }
    };

    if matches!(action, Action::Uses { .. }) {
        files.read_state(state, &context_name);
    }
    // Environment files, read back whatever the outcome (GitHub does too).
    if let Err(error) = files.read_back(state, &mut outputs) {
        lines.push(format!(
            "##[error]Unable to process file command '{}' successfully.",
            error.0
        ));
        lines.push(format!("##[error]{}", error.1));
        outcome = Outcome::Failed;
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
    Ok(Finished { conclusion })
}

/// The environment files of one step, made empty and writable by the step's user.
pub(crate) struct StepFiles {
    pub env: PathBuf,
    pub output: PathBuf,
    pub path: PathBuf,
    pub summary: PathBuf,
    pub state: PathBuf,
}

impl StepFiles {
    pub(crate) fn make(shared: &Shared, temp: &Path, id: &str) -> Result<StepFiles, RunnerError> {
        let dir = temp.join("_runner_file_commands");
        shared.make_step_dir(&dir)?;
        let file = |kind: &str| dir.join(format!("{kind}_{id}"));
        let files = StepFiles {
            env: file("set_env"),
            output: file("set_output"),
            path: file("add_path"),
            summary: file("step_summary"),
            state: file("save_state"),
        };
        for path in files.all() {
            shared.write_step_file(path, "")?;
        }
        Ok(files)
    }

    fn all(&self) -> [&PathBuf; 5] {
        [
            &self.env,
            &self.output,
            &self.path,
            &self.summary,
            &self.state,
        ]
    }

    /// `GITHUB_ENV` into the job's env, `GITHUB_PATH` onto its path, `GITHUB_OUTPUT` into
    /// `outputs`; a file that cannot be read as key-values is `(kind, why)`.
    fn read_back(
        &self,
        state: &mut JobState,
        outputs: &mut Map<String, Value>,
    ) -> Result<(), (String, String)> {
        for (file, kind) in [
            (&self.env, "env"),
            (&self.output, "output"),
            (&self.path, "path"),
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
            let pairs = read_key_values(&text).map_err(|e| (kind.to_string(), e.to_string()))?;
            for (k, v) in pairs {
                if kind == "env" {
                    state.env.insert(k, Value::String(v));
                } else {
                    outputs.insert(k, Value::String(v));
                }
            }
        }
        Ok(())
    }

    /// `GITHUB_STATE` into the action's saved state, which its later scripts get as
    /// `STATE_*`.
    pub(crate) fn read_state(&self, state: &mut JobState, context_name: &str) {
        let text = std::fs::read_to_string(&self.state).unwrap_or_default();
        if let Ok(pairs) = read_key_values(&text) {
            state
                .action_states
                .entry(context_name.to_string())
                .or_default()
                .extend(pairs);
        }
    }

    pub(crate) fn remove(&self) {
        for path in self.all() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Runs a JavaScript action's `pre:` or `post:` script as a step of its own under its
/// condition; its lines go to `lines`. `None` when its condition did not hold.
pub(crate) async fn execute_phase(
    cx: &StepContext<'_>,
    state: &mut JobState,
    phase: &uses::Phase,
    lines: &mut Vec<String>,
) -> Result<Option<Outcome>, RunnerError> {
    let cancelled = *cx.cancel.borrow();
    state.refresh_contexts(cancelled);
    let host = StepHost {
        status: state.status(cancelled),
        workspace: None,
    };
    match evaluate::condition(&phase.condition, &state.contexts, &host) {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(error) => {
            lines.push(format!(
                "##[error]The step's condition could not be evaluated: {error}"
            ));
            return Ok(Some(Outcome::Failed));
        }
    }
    let shared = cx.shared;
    let files = StepFiles::make(shared, &cx.directories.temp, &shared.ids.uuid())?;
    let (step_env, path) = step_environment(cx, state, &phase.env, &files, &phase.context_name);
    let (collected, on_line) = collector(&state.masks);
    lines.push(format!("##[group]Run {}", phase.shown));
    if !phase.inputs.is_empty() {
        lines.push("with:".into());
        for (k, v) in &phase.inputs {
            lines.push(format!("  {k}: {}", v.as_str().unwrap_or_default()));
        }
    }
    lines.push("##[endgroup]".into());
    let ended = uses::run_phase(cx, state, phase, step_env, &path, on_line).await;
    let (printed, masks, _) =
        std::mem::take(&mut *collected.lock().unwrap_or_else(|p| p.into_inner()));
    for value in masks.values() {
        state.masks.add(value);
    }
    lines.extend(printed);
    files.read_state(state, &phase.context_name);
    files.remove();
    let outcome = match ended {
        Ended::Exited(0) => Outcome::Succeeded,
        Ended::Exited(code) => {
            lines.push(format!("##[error]Process completed with exit code {code}."));
            Outcome::Failed
        }
        Ended::TimedOut => Outcome::Failed,
        Ended::Cancelled => Outcome::Canceled,
        Ended::NotStarted(message) => {
            lines.push(format!("##[error]{message}"));
            Outcome::Failed
        }
    };
    if outcome == Outcome::Failed {
        state.failed = true;
    }
    Ok(Some(outcome))
}
