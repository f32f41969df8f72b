//! `uses:` actions, as the official runner prepares and runs them:
//!
//! - **download** ([`download`]): the job's repository actions are resolved in one
//!   `actiondownloadinfo` call (the service answers each `owner/repo@ref` with its commit and
//!   tarball URL), then each tarball is fetched with the job's token (`Basic x-access-token`),
//!   following the service's redirect, unpacked with the host's `tar -xzf`, and its one top
//!   folder moved to `WORK/_actions/OWNER/REPO/REF`, as the runner lays them out;
//! - **load** ([`load`]): `action.yml` (or `action.yaml`) read: its inputs with defaults, its
//!   outputs, and `runs`;
//! - **run** ([`run`]): `node*` actions run `runs.main` with the host's `node` and `INPUT_*`
//!   variables; `composite` actions run their steps in the step (its `inputs` context, its own
//!   `steps` context, `GITHUB_ACTION_PATH`), their `outputs` evaluated afterwards; `docker`
//!   actions fail naming why (this runner has no Docker Engine API client).
//!
//! `actions/checkout` is not downloaded: the runner does it natively ([`crate::checkout`]).
//! JavaScript actions' `pre:` scripts run as "Pre NAME" steps before the job's first step and
//! their `post:` scripts as "Post NAME" steps after its last (reverse order), each under its
//! `pre-if`/`post-if` (`always()` when absent), with `STATE_*` from `GITHUB_STATE`. Not
//! reproduced yet: container actions.
//!
//! What this module must not do: unpack outside the actions directory, or let a `./path`
//! climb out of the workspace.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actions::expr::template;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use serde_json::{Map, Value, json};

use crate::client::Body;
use crate::evaluate::{self, StepHost};
use crate::job::{JobState, Outcome, github_field};
use crate::process::{self, Ended, Launch};
use crate::step::{self, StepContext};
use crate::{RunnerError, Shared};

/// `relative` joined to `root`, unless it climbs out of it.
pub fn inside(root: &Path, relative: &str) -> Option<PathBuf> {
    let relative = relative.trim_start_matches("./");
    Path::new(relative)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| root.join(relative))
}

/// The repository actions a job downloaded: `owner/repo@ref` → its directory, or why it has
/// none.
#[derive(Default)]
pub struct Downloads {
    dirs: BTreeMap<String, Result<PathBuf, String>>,
}

impl Downloads {
    /// Where `name@git_ref`'s action at `path` is.
    pub fn dir(&self, name: &str, git_ref: &str, path: &str) -> Result<PathBuf, String> {
        match self.dirs.get(&format!("{name}@{git_ref}")) {
            Some(Ok(dir)) => inside(dir, path)
                .ok_or_else(|| "the action's path climbs out of its repository".to_string()),
            Some(Err(why)) => Err(why.clone()),
            None => Err("the action was not prepared".into()),
        }
    }
}

/// The `owner/repo@ref` references among `steps` that need downloading (not `./path`, not
/// the native checkout), each once.
fn repository_references(steps: &[Value]) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = Vec::new();
    for step in steps {
        let reference = &step["reference"];
        if reference["type"] != "repository" || reference["repositoryType"] != "GitHub" {
            continue;
        }
        let name = reference["name"].as_str().unwrap_or_default().to_string();
        let git_ref = reference["ref"].as_str().unwrap_or_default().to_string();
        let path = reference["path"].as_str().unwrap_or_default().to_string();
        if name.eq_ignore_ascii_case("actions/checkout") && path.is_empty() {
            continue;
        }
        if !found.iter().any(|(n, r, _)| *n == name && *r == git_ref) {
            found.push((name, git_ref, path));
        }
    }
    found
}

/// Resolves and downloads the repository actions of `steps` into `downloads`, writing what
/// it does to `lines`. A failure to resolve is the job's failure (`Err` with the service's
/// message), as on GitHub; a failed download is that action's.
pub(crate) async fn download(
    cx: &StepContext<'_>,
    steps: &[Value],
    token: &str,
    downloads: &mut Downloads,
    lines: &mut Vec<String>,
) -> Result<(), String> {
    let wanted: Vec<(String, String, String)> = repository_references(steps)
        .into_iter()
        .filter(|(n, r, _)| !downloads.dirs.contains_key(&format!("{n}@{r}")))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    lines.push("Prepare all required actions".into());
    lines.push("Getting action download info".into());
    let references: Vec<Value> = wanted
        .iter()
        .map(|(name, git_ref, path)| json!({"nameWithOwner": name, "ref": git_ref, "path": path}))
        .collect();
    let answer = cx
        .reporter
        .action_download_info(references)
        .await
        .map_err(|e| e.to_string())?;
    if answer.status.as_u16() != 200 {
        let body = answer.json();
        return Err(body["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!("Failed to resolve action download info ({})", answer.status)
            }));
    }
    let infos = answer.json();
    let root = cx.shared.work.join("_actions");
    for (name, git_ref, _) in wanted {
        let key = format!("{name}@{git_ref}");
        let info = &infos["actions"][&key];
        let outcome = fetch_one(cx.shared, &root, &name, &git_ref, info, token, lines).await;
        downloads.dirs.insert(key, outcome);
    }
    Ok(())
}

/// Downloads and unpacks one action repository; its directory.
async fn fetch_one(
    shared: &Shared,
    root: &Path,
    name: &str,
    git_ref: &str,
    info: &Value,
    token: &str,
    lines: &mut Vec<String>,
) -> Result<PathBuf, String> {
    let sha = info["resolvedSha"].as_str().unwrap_or_default();
    let tarball = info["tarballUrl"]
        .as_str()
        .ok_or_else(|| format!("the service answered no tarball URL for {name}@{git_ref}"))?;
    let dest = inside(root, name)
        .and_then(|d| inside(&d, git_ref))
        .ok_or_else(|| format!("{name}@{git_ref} is not a name this runner can store"))?;
    lines.push(format!(
        "Download action repository '{name}@{git_ref}' (SHA:{sha})"
    ));
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("x-access-token:{token}"))
    );
    let mut url = tarball.to_string();
    let mut answer = shared
        .http
        .send(Method::GET, &url, Some(&basic), Body::Empty)
        .await
        .map_err(|e| e.to_string())?;
    // The API redirects to a signed codeload link; like the runner's HttpClient, the
    // redirect is followed without the Authorization header.
    for _ in 0..3 {
        if !answer.status.is_redirection() {
            break;
        }
        url = answer
            .location
            .clone()
            .ok_or_else(|| format!("{url}: a redirect without a Location"))?;
        answer = shared
            .http
            .send(Method::GET, &url, None, Body::Empty)
            .await
            .map_err(|e| e.to_string())?;
    }
    match answer.status.as_u16() {
        200 => {}
        404 => {
            return Err(format!(
                "An action could not be found at the URI '{tarball}'"
            ));
        }
        403 => return Err(format!("Access denied to '{tarball}'")),
        other => return Err(format!("{tarball}: the download answered {other}")),
    }
    let temp = root.join(format!("_temp_{}", shared.ids.uuid()));
    let staging = temp.join("_staging");
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    let archive = temp.join(format!("{}.tar.gz", shared.ids.uuid()));
    let unpacked = async {
        std::fs::write(&archive, &answer.body).map_err(|e| e.to_string())?;
        let output = tokio::process::Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .current_dir(&staging)
            .output()
            .await
            .map_err(|e| format!("tar: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "Can't use 'tar -xzf' extract archive file: {}. Action being checked out: {name}@{git_ref}. return code: {}. {}",
                archive.display(),
                output.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let folders: Vec<PathBuf> = std::fs::read_dir(&staging)
            .map_err(|e| e.to_string())?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        let [folder] = folders.as_slice() else {
            return Err(format!(
                "'{}' contains '{}' directories",
                archive.display(),
                folders.len()
            ));
        };
        let _ = std::fs::remove_dir_all(&dest);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::rename(folder, &dest).map_err(|e| e.to_string())?;
        Ok(dest.clone())
    }
    .await;
    let _ = std::fs::remove_dir_all(&temp);
    unpacked
}

/// What an action's `runs` asks for.
#[derive(Debug)]
pub enum Definition {
    Node {
        using: String,
        main: String,
        /// `runs.pre` and `runs.pre-if` (absent: `always()`).
        pre: Option<(String, String)>,
        /// `runs.post` and `runs.post-if` (absent: `always()`).
        post: Option<(String, String)>,
    },
    Composite {
        steps: Vec<Value>,
    },
    /// Why it cannot run here.
    Refused(String),
}

/// An action's `action.yml`.
#[derive(Debug)]
pub struct Loaded {
    pub inputs: Map<String, Value>,
    pub outputs: Map<String, Value>,
    pub definition: Definition,
}

/// Reads the action in `dir`.
pub fn load(dir: &Path) -> Result<Loaded, String> {
    let file = ["action.yml", "action.yaml"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file());
    let Some(file) = file else {
        if dir.join("Dockerfile").is_file() || dir.join("dockerfile").is_file() {
            return Ok(Loaded {
                inputs: Map::new(),
                outputs: Map::new(),
                definition: Definition::Refused(
                    "this runner does not run container actions (it has no Docker Engine API client)"
                        .into(),
                ),
            });
        }
        return Err(format!(
            "Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '{}'. Did you forget to run actions/checkout before running your local action?",
            dir.display()
        ));
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let yaml: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let mapping = |key: &str| yaml[key].as_object().cloned().unwrap_or_default();
    let runs = &yaml["runs"];
    let using = runs["using"].as_str().unwrap_or_default().to_string();
    let definition = match using.as_str() {
        "node12" | "node16" | "node20" | "node24" => match runs["main"].as_str() {
            Some(main) => Definition::Node {
                using,
                main: main.to_string(),
                pre: phase(runs, "pre"),
                post: phase(runs, "post"),
            },
            None => {
                return Err(format!(
                    "{}: Required property is missing: main",
                    file.display()
                ));
            }
        },
        "composite" => Definition::Composite {
            steps: runs["steps"].as_array().cloned().unwrap_or_default(),
        },
        "docker" => Definition::Refused(
            "this runner does not run container actions (it has no Docker Engine API client)"
                .into(),
        ),
        other => {
            return Err(format!(
                "{}: '{other}' is not a supported value of 'runs.using' (node12, node16, node20, node24, composite, docker)",
                file.display()
            ));
        }
    };
    Ok(Loaded {
        inputs: mapping("inputs"),
        outputs: mapping("outputs"),
        definition,
    })
}

/// `runs.pre`/`runs.post` with its condition (`pre-if`/`post-if`, `always()` when absent).
fn phase(runs: &Value, name: &str) -> Option<(String, String)> {
    let file = runs[name].as_str()?.to_string();
    let condition = match &runs[format!("{name}-if")] {
        Value::String(c) if !c.trim().is_empty() => c.clone(),
        Value::Bool(b) => b.to_string(),
        _ => "always()".to_string(),
    };
    Some((file, condition))
}

/// A YAML value as a template token (strings with `${{ }}` become expressions), as the
/// service sends workflow steps.
fn token(value: &Value) -> Value {
    match value {
        Value::String(text) if template::has_expression(text) => match template::split(text) {
            Ok(segments) => json!({"type": 3, "expr": template::to_expression_source(&segments)}),
            Err(_) => Value::String(text.clone()),
        },
        Value::Array(items) => {
            json!({"type": 1, "seq": items.iter().map(token).collect::<Vec<_>>()})
        }
        Value::Object(map) => {
            let pairs: Vec<Value> = map
                .iter()
                .map(|(k, v)| json!({"key": k, "value": token(v)}))
                .collect();
            json!({"type": 2, "map": pairs})
        }
        other => other.clone(),
    }
}

/// A composite action's step (`action.yml` YAML) in the job message's step shape.
fn message_step(step: &Value, index: usize) -> Result<Value, String> {
    let context_name = step["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("__composite_{index}"));
    let (reference, inputs) = match (step.get("run"), step.get("uses")) {
        (Some(script), _) => {
            let shell = step
                .get("shell")
                .ok_or_else(|| "Required property is missing: shell".to_string())?;
            let mut inputs = json!({"script": script, "shell": shell});
            if let Some(directory) = step.get("working-directory") {
                inputs["workingDirectory"] = directory.clone();
            }
            (json!({"type": "script"}), inputs)
        }
        (None, Some(Value::String(uses))) => {
            let reference = if let Some(image) = uses.strip_prefix("docker://") {
                json!({"type": "containerRegistry", "image": image})
            } else if uses.starts_with("./") {
                json!({"type": "repository", "repositoryType": "self", "path": uses.trim_start_matches("./")})
            } else {
                let (name_path, git_ref) = uses.split_once('@').unwrap_or((uses.as_str(), ""));
                let mut parts = name_path.splitn(3, '/');
                let owner = parts.next().unwrap_or_default();
                let repo = parts.next().unwrap_or_default();
                let path = parts.next().unwrap_or_default();
                json!({"type": "repository", "repositoryType": "GitHub", "name": format!("{owner}/{repo}"), "ref": git_ref, "path": path})
            };
            (reference, step.get("with").cloned().unwrap_or(json!({})))
        }
        _ => return Err("a composite step needs `run` or `uses`".into()),
    };
    let mut out = json!({
        "type": "action",
        "contextName": context_name,
        "condition": step.get("if").map_or_else(|| "success()".to_string(), |c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        "reference": reference,
        "inputs": token(&inputs),
    });
    if let Some(name) = step.get("name") {
        out["displayNameToken"] = token(name);
    }
    if let Some(env) = step.get("env") {
        out["environment"] = token(env);
    }
    if let Some(continue_on_error) = step.get("continue-on-error") {
        out["continueOnError"] = token(continue_on_error);
    }
    Ok(out)
}

/// A JavaScript action's `pre:` or `post:` script, queued to run as a step of its own
/// ("Pre NAME", "Post NAME") with the inputs and env its step had.
#[derive(Debug, Clone)]
pub(crate) struct Phase {
    pub context_name: String,
    pub shown: String,
    pub dir: PathBuf,
    pub file: String,
    /// `pre-if`/`post-if`.
    pub condition: String,
    pub inputs: Map<String, Value>,
    pub env: Map<String, Value>,
    /// The step's display name.
    pub display: String,
}

/// The `pre:` scripts of the JavaScript actions among a job's steps, in step order, with
/// their step's inputs and env as they evaluate before any step runs.
pub(crate) fn pre_phases(
    cx: &StepContext<'_>,
    state: &mut JobState,
    steps: &[Value],
    downloads: &Downloads,
) -> Vec<Phase> {
    let mut phases = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let prepared = step::prepare(cx, state, step, index, downloads, false);
        let Some((dir, shown)) = prepared.action_dir() else {
            continue;
        };
        let Ok(Loaded {
            definition:
                Definition::Node {
                    pre: Some((file, condition)),
                    ..
                },
            inputs: declared,
            outputs,
        }) = load(&dir)
        else {
            continue;
        };
        let loaded = Loaded {
            inputs: declared,
            outputs,
            definition: Definition::Refused(String::new()),
        };
        let mut ignored = Vec::new();
        let inputs = action_inputs(state, &loaded, prepared.inputs(), &mut ignored);
        phases.push(Phase {
            context_name: prepared.context_name.clone(),
            shown,
            dir,
            file,
            condition,
            inputs,
            env: prepared.env().clone(),
            display: prepared.name.clone(),
        });
    }
    phases
}

/// Runs a `pre:`/`post:` script with the host's node: `INPUT_*`, `STATE_*` (what the action
/// saved with `GITHUB_STATE`), `GITHUB_ACTION_PATH`.
pub(crate) async fn run_phase(
    cx: &StepContext<'_>,
    state: &JobState,
    phase: &Phase,
    step_env: BTreeMap<String, String>,
    path: &str,
    on_line: Arc<dyn Fn(String) + Send + Sync>,
) -> Ended {
    let Some(script) = inside(&phase.dir, &phase.file) else {
        return Ended::NotStarted(format!(
            "{}: the script climbs out of the action",
            phase.shown
        ));
    };
    let Some(node) = process::which("node", path, cx.shared.step_owner.is_some()) else {
        return Ended::NotStarted(format!(
            "{}: node: command not found (this runner runs JavaScript actions with the host's node)",
            phase.shown
        ));
    };
    let mut env = step_env;
    env.extend(
        cx.shared
            .action_env
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
    );
    for (name, value) in &phase.inputs {
        env.insert(
            format!("INPUT_{}", name.replace(' ', "_").to_ascii_uppercase()),
            value.as_str().unwrap_or_default().to_string(),
        );
    }
    for (name, value) in state
        .action_states
        .get(&phase.context_name)
        .into_iter()
        .flatten()
    {
        env.insert(format!("STATE_{name}"), value.clone());
    }
    env.insert("GITHUB_ACTION_PATH".into(), phase.dir.display().to_string());
    let launch = Launch {
        name: format!("step/{}", phase.context_name),
        argv: vec![node.display().to_string(), script.display().to_string()],
        working_directory: cx.directories.workspace.clone(),
        env,
        timeout: None,
        user: None,
    };
    process::run(
        cx.shared.processes.as_ref(),
        launch,
        cx.cancel.clone(),
        on_line,
    )
    .await
}

/// A `uses:` step being run.
pub(crate) struct Call<'a> {
    pub shown: &'a str,
    /// The step's display name (its post script's step is "Post NAME").
    pub display: &'a str,
    pub dir: &'a Path,
    /// `with:`, evaluated.
    pub inputs: &'a Map<String, Value>,
    /// The step's env (over the job's).
    pub env: &'a Map<String, Value>,
    /// The step's process environment.
    pub step_env: BTreeMap<String, String>,
    pub path: &'a str,
    pub context_name: &'a str,
    pub timeout: Option<Duration>,
    pub on_line: Arc<dyn Fn(String) + Send + Sync>,
}

/// The action's inputs: `with:` over the declared defaults (evaluated), with GitHub's warning
/// for inputs the action does not declare.
fn action_inputs(
    state: &JobState,
    loaded: &Loaded,
    given: &Map<String, Value>,
    lines: &mut Vec<String>,
) -> Map<String, Value> {
    let host = StepHost {
        status: state.status(false),
        workspace: None,
    };
    let mut inputs = Map::new();
    for (name, declared) in &loaded.inputs {
        if let Some(default) = declared.get("default") {
            let value = evaluate::token_string(&token(default), &state.contexts, &host)
                .ok()
                .flatten()
                .unwrap_or_default();
            inputs.insert(name.clone(), Value::String(value));
        }
    }
    for (name, value) in given {
        if !loaded.inputs.keys().any(|k| k.eq_ignore_ascii_case(name)) {
            lines.push(format!(
                "##[warning]Unexpected input(s) '{name}', valid inputs are [{}]",
                loaded
                    .inputs
                    .keys()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => actions::expr::Value::from_json(other).to_display_string(),
        };
        inputs.insert(name.clone(), Value::String(text));
    }
    inputs
}

/// Runs the action of a `uses:` step; how it ended. A composite action's outputs go into
/// `outputs`.
pub(crate) fn run<'a>(
    cx: &'a StepContext<'a>,
    state: &'a mut JobState,
    call: Call<'a>,
    lines: &'a mut Vec<String>,
    outputs: &'a mut Map<String, Value>,
) -> Pin<Box<dyn Future<Output = Result<Ended, RunnerError>> + Send + 'a>> {
    Box::pin(async move {
        lines.push(format!("##[group]Run {}", call.shown));
        if !call.inputs.is_empty() {
            lines.push("with:".into());
            for (k, v) in call.inputs {
                let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                lines.push(format!("  {k}: {shown}"));
            }
        }
        if !call.env.is_empty() {
            lines.push("env:".into());
            for (k, v) in call.env {
                lines.push(format!("  {k}: {}", v.as_str().unwrap_or_default()));
            }
        }
        lines.push("##[endgroup]".into());
        let loaded = match load(call.dir) {
            Ok(loaded) => loaded,
            Err(message) => return Ok(Ended::NotStarted(message)),
        };
        let inputs = action_inputs(state, &loaded, call.inputs, lines);
        match &loaded.definition {
            Definition::Refused(why) => Ok(Ended::NotStarted(format!("{}: {why}", call.shown))),
            Definition::Node {
                using,
                main,
                pre: _,
                post,
            } => {
                let Some(script) = inside(call.dir, main) else {
                    return Ok(Ended::NotStarted(format!(
                        "{}: runs.main climbs out of the action",
                        call.shown
                    )));
                };
                let Some(node) = process::which("node", call.path, cx.shared.step_owner.is_some())
                else {
                    return Ok(Ended::NotStarted(format!(
                        "{}: node: command not found (this runner runs {using} actions with the host's node)",
                        call.shown
                    )));
                };
                if let Some((file, condition)) = post {
                    // The runner queues the post script when the main one runs, whatever
                    // its result; it runs after the job's steps, in reverse order.
                    state.post_steps.push(Phase {
                        context_name: call.context_name.to_string(),
                        shown: call.shown.to_string(),
                        dir: call.dir.to_path_buf(),
                        file: file.clone(),
                        condition: condition.clone(),
                        inputs: inputs.clone(),
                        env: call.env.clone(),
                        display: call.display.to_string(),
                    });
                }
                let mut env = call.step_env;
                env.extend(
                    cx.shared
                        .action_env
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .clone(),
                );
                for (name, value) in &inputs {
                    env.insert(
                        format!("INPUT_{}", name.replace(' ', "_").to_ascii_uppercase()),
                        value.as_str().unwrap_or_default().to_string(),
                    );
                }
                env.insert("GITHUB_ACTION_PATH".into(), call.dir.display().to_string());
                for (name, value) in state
                    .action_states
                    .get(call.context_name)
                    .into_iter()
                    .flatten()
                {
                    env.insert(format!("STATE_{name}"), value.clone());
                }
                let launch = Launch {
                    name: format!("step/{}", call.context_name),
                    argv: vec![node.display().to_string(), script.display().to_string()],
                    working_directory: cx.directories.workspace.clone(),
                    env,
                    timeout: call.timeout,
                    user: None,
                };
                Ok(process::run(
                    cx.shared.processes.as_ref(),
                    launch,
                    cx.cancel.clone(),
                    call.on_line,
                )
                .await)
            }
            Definition::Composite { steps } => {
                composite(cx, state, &call, &loaded, steps, inputs, lines, outputs).await
            }
        }
    })
}

/// Runs a composite action's steps inside the step, then evaluates its `outputs`.
#[allow(clippy::too_many_arguments)] // The step's pieces, borrowed separately on purpose.
async fn composite(
    cx: &StepContext<'_>,
    state: &mut JobState,
    call: &Call<'_>,
    loaded: &Loaded,
    steps: &[Value],
    inputs: Map<String, Value>,
    lines: &mut Vec<String>,
    outputs: &mut Map<String, Value>,
) -> Result<Ended, RunnerError> {
    let mut converted = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        match message_step(step, index) {
            Ok(step) => converted.push(step),
            Err(why) => return Ok(Ended::NotStarted(format!("{}: {why}", call.shown))),
        }
    }
    // Remote actions a composite action uses are downloaded when it runs.
    let mut downloads = Downloads::default();
    let job_token = github_field(state, "token");
    if let Err(why) = download(cx, &converted, &job_token, &mut downloads, lines).await {
        return Ok(Ended::NotStarted(why));
    }
    // The action's own scope: its inputs, its steps, its status, its path.
    let saved_steps = std::mem::take(&mut state.steps_context);
    let saved_failed = std::mem::replace(&mut state.failed, false);
    let saved_inputs = state.contexts.get("inputs").map(|v| v.to_json());
    let saved_scope_env = std::mem::replace(&mut state.scope_env, call.env.clone());
    let saved_path = state.action_path.replace(call.dir.to_path_buf());
    evaluate::set_context(&mut state.contexts, "inputs", &Value::Object(inputs));
    let mut github = state
        .contexts
        .get("github")
        .map(|g| g.to_json())
        .unwrap_or_else(|| json!({}));
    let saved_github = github.clone();
    github["action_path"] = Value::String(call.dir.display().to_string());
    evaluate::set_context(&mut state.contexts, "github", &github);

    let mut result = Ok(Ended::Exited(0));
    for (index, step) in converted.iter().enumerate() {
        let prepared = step::prepare(cx, state, step, index, &downloads, false);
        lines.extend(prepared.lines.iter().cloned());
        if !prepared.run_it {
            step::skip(state, &prepared);
            continue;
        }
        match Box::pin(step::execute(cx, state, prepared, lines)).await {
            Ok(finished) if finished.conclusion == Outcome::Canceled => {
                result = Ok(Ended::Cancelled);
            }
            Ok(_) => {}
            Err(error) => {
                result = Err(error);
                break;
            }
        }
    }
    let failed = state.failed;
    // Outputs read the action's `steps` context before it is put back.
    state.refresh_contexts(false);
    let host = StepHost {
        status: state.status(false),
        workspace: None,
    };
    for (name, output) in &loaded.outputs {
        let value = output.get("value").cloned().unwrap_or(Value::Null);
        match evaluate::token_string(&token(&value), &state.contexts, &host) {
            Ok(text) => {
                outputs.insert(name.clone(), Value::String(text.unwrap_or_default()));
            }
            Err(error) => lines.push(format!("##[warning]output {name}: {error}")),
        }
    }
    state.steps_context = saved_steps;
    state.failed = saved_failed;
    state.scope_env = saved_scope_env;
    state.action_path = saved_path;
    if let Some(inputs) = saved_inputs {
        evaluate::set_context(&mut state.contexts, "inputs", &inputs);
    }
    evaluate::set_context(&mut state.contexts, "github", &saved_github);
    match result {
        Ok(Ended::Exited(0)) if failed => Ok(Ended::NotStarted(String::new())),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_paths_stay_inside() {
        let root = Path::new("/w");
        assert_eq!(inside(root, "./a/b"), Some(PathBuf::from("/w/a/b")));
        assert_eq!(inside(root, ""), Some(PathBuf::from("/w/")));
        assert_eq!(inside(root, "../x"), None);
        assert_eq!(inside(root, "/etc"), None);
    }

    #[test]
    fn composite_steps_become_message_steps() {
        let step: Value = serde_yaml::from_str(
            "id: greet\nname: Say ${{ inputs.who }}\nrun: echo hi ${{ inputs.who }}\nshell: bash\nenv:\n  A: b\n",
        )
        .unwrap();
        let converted = message_step(&step, 0).unwrap();
        assert_eq!(converted["contextName"], "greet");
        assert_eq!(converted["reference"]["type"], "script");
        assert_eq!(
            converted["inputs"]["map"][0]["value"],
            json!({"type": 3, "expr": "format('echo hi {0}', inputs.who)"})
        );
        assert_eq!(converted["condition"], "success()");
        let missing_shell: Value = serde_yaml::from_str("run: echo hi\n").unwrap();
        assert_eq!(
            message_step(&missing_shell, 1).unwrap_err(),
            "Required property is missing: shell"
        );
        let uses: Value = serde_yaml::from_str("uses: octo/tools/sub@v1\nwith:\n  x: 1\n").unwrap();
        let converted = message_step(&uses, 2).unwrap();
        assert_eq!(
            converted["reference"],
            json!({"type": "repository", "repositoryType": "GitHub", "name": "octo/tools", "ref": "v1", "path": "sub"})
        );
    }

    #[test]
    fn action_files_load_by_kind() {
        let dir = std::env::temp_dir().join(format!("uses-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("action.yml"),
            "inputs:\n  who:\n    default: world\nruns:\n  using: node20\n  main: index.js\n  post: post.js\n",
        )
        .unwrap();
        let loaded = load(&dir).unwrap();
        assert!(matches!(
            &loaded.definition,
            Definition::Node { post: Some((file, condition)), .. } if file == "post.js" && condition == "always()"
        ));
        assert_eq!(loaded.inputs["who"]["default"], "world");
        std::fs::write(dir.join("action.yml"), "runs:\n  using: node99\n").unwrap();
        assert!(
            load(&dir)
                .unwrap_err()
                .contains("'node99' is not a supported value")
        );
        std::fs::remove_file(dir.join("action.yml")).unwrap();
        assert!(
            load(&dir)
                .unwrap_err()
                .starts_with("Can't find 'action.yml'")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
