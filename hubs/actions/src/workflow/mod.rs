//! Workflow files (`.github/workflows/*.yml`) into typed [`Workflow`]s.
//!
//! [`parse`] reads the YAML, checks it the way GitHub does before a run starts (unknown keys,
//! required properties, job IDs, the `needs` graph, every `${{ }}` against the contexts
//! allowed where it stands, filter patterns, matrices written out in full) and reports every
//! problem at once as [`InvalidWorkflow`], worded as GitHub shows it on the run:
//! `The workflow is not valid. .github/workflows/ci.yml (Line: 12, Col: 9): Job 'b' depends on
//! unknown job 'x'.`
//!
//! Values that may hold expressions (`runs-on`, `timeout-minutes`, `with`, `env`, ...) are kept
//! as JSON next to the typed fields, so whoever builds a job message can hand them to the runner
//! as template tokens; [`Job::raw`] keeps the whole job as written.
//!
//! | module | holds |
//! |---|---|
//! | [`glob`] | filter patterns (`branches`, `tags`, `paths`) |
//! | [`matrix`] | `strategy.matrix` expansion |
//! | [`triggers`] | `on:` and whether an event starts the workflow |
//! | [`locate`] | line and column of a node, for the messages |
//!
//! What this module must not do: evaluate anything that depends on a run (that happens when a
//! run is created), or read files.

pub mod glob;
pub mod locate;
pub mod matrix;
pub mod triggers;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::expr::{Function, STATUS_FUNCTIONS, template};
use locate::{Position, Segment};
pub use triggers::{Event, Triggers};

/// Contexts each place may read, from GitHub's "Context availability" table.
pub mod contexts {
    pub const RUN_NAME: &[&str] = &["github", "inputs", "vars"];
    pub const WORKFLOW_ENV: &[&str] = &["github", "secrets", "inputs", "vars"];
    pub const WORKFLOW_CONCURRENCY: &[&str] = &["github", "inputs", "vars"];
    pub const JOB_IF: &[&str] = &["github", "needs", "vars", "inputs"];
    pub const JOB_STRATEGY: &[&str] = &["github", "needs", "vars", "inputs"];
    pub const JOB_LEVEL: &[&str] = &["github", "needs", "strategy", "matrix", "vars", "inputs"];
    pub const JOB_ENV: &[&str] = &[
        "github", "needs", "strategy", "matrix", "vars", "secrets", "inputs",
    ];
    pub const JOB_OUTPUTS: &[&str] = &[
        "github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets",
        "steps", "inputs",
    ];
    pub const SERVICES: &[&str] = &[
        "github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets",
        "inputs",
    ];
    pub const CONTAINER: &[&str] = &[
        "github", "needs", "strategy", "matrix", "vars", "secrets", "inputs",
    ];
    pub const STEP_IF: &[&str] = &[
        "github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps", "inputs",
    ];
    pub const STEP: &[&str] = &[
        "github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets",
        "steps", "inputs",
    ];
}

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub position: Option<Position>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "(Line: {}, Col: {}): {}", p.line, p.column, self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// A workflow file GitHub would refuse to run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidWorkflow {
    /// The YAML itself does not parse.
    #[error("You have an error in your yaml syntax on line {line}")]
    Syntax { file: String, line: usize },
    #[error("The workflow is not valid. {file} {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
}

impl InvalidWorkflow {
    /// The annotation title GitHub shows: `Invalid workflow file: .github/workflows/ci.yml#L12`.
    pub fn title(&self) -> String {
        let (file, line) = match self {
            InvalidWorkflow::Syntax { file, line } => (file, Some(*line)),
            InvalidWorkflow::Invalid { file, problems } => (
                file,
                problems.first().and_then(|p| p.position).map(|p| p.line),
            ),
        };
        format!("Invalid workflow file: {file}#L{}", line.unwrap_or(1))
    }
}

/// `defaults.run`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunDefaults {
    pub shell: Option<String>,
    pub working_directory: Option<String>,
}

/// `concurrency`: a group (possibly an expression) and whether to cancel what is running.
#[derive(Debug, Clone, PartialEq)]
pub struct Concurrency {
    pub group: String,
    /// `true`, `false`, or an expression's source.
    pub cancel_in_progress: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// A mapping of vectors with `include`/`exclude`, or an expression string (`${{ fromJSON(...) }}`).
    pub matrix: Option<Value>,
    pub fail_fast: Value,
    pub max_parallel: Option<Value>,
}

/// `container:` or one of `services:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub image: Value,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: Option<String>,
    pub name: Option<String>,
    pub condition: Option<String>,
    pub uses: Option<String>,
    pub run: Option<String>,
    pub shell: Option<String>,
    pub working_directory: Option<String>,
    pub with: Map<String, Value>,
    pub env: Map<String, Value>,
    pub continue_on_error: Value,
    pub timeout_minutes: Option<Value>,
    pub raw: Value,
}

impl Step {
    /// The name GitHub shows for a step without `name:`: `Run <first line>` or `Run <action>`.
    pub fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        if let Some(run) = &self.run {
            return format!("Run {}", run.lines().next().unwrap_or_default().trim());
        }
        format!("Run {}", self.uses.clone().unwrap_or_default())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: Option<String>,
    pub needs: Vec<String>,
    pub condition: Option<String>,
    /// A label, a list of labels, `{group, labels}`, or an expression.
    pub runs_on: Value,
    pub environment: Option<Value>,
    pub strategy: Option<Strategy>,
    pub env: Map<String, Value>,
    pub defaults: RunDefaults,
    pub timeout_minutes: Option<Value>,
    pub continue_on_error: Value,
    pub outputs: Map<String, Value>,
    pub container: Option<Container>,
    pub services: Vec<(String, Container)>,
    pub steps: Vec<Step>,
    pub concurrency: Option<Concurrency>,
    /// A reusable workflow (`uses: owner/repo/.github/workflows/x.yml@ref`).
    pub uses: Option<String>,
    pub raw: Value,
}

impl Job {
    /// The labels of `runs-on` when they are literal (an expression yields none until evaluated).
    pub fn labels(&self) -> Vec<String> {
        labels_of(&self.runs_on)
    }
}

/// Labels from a `runs-on` value (a string, a list, or `{labels: ...}`).
pub fn labels_of(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::Object(map) => map.get("labels").map(labels_of).unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    /// Path in the repository, e.g. `.github/workflows/ci.yml`.
    pub path: String,
    pub name: Option<String>,
    pub run_name: Option<String>,
    pub on: Triggers,
    pub env: Map<String, Value>,
    pub defaults: RunDefaults,
    pub concurrency: Option<Concurrency>,
    pub permissions: Option<Value>,
    pub jobs: Vec<Job>,
}

impl Workflow {
    /// The name GitHub lists: `name:`, else the file's path.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.path.clone())
    }

    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }
}

/// Parses and checks a workflow file.
pub fn parse(path: &str, source: &str) -> Result<Workflow, InvalidWorkflow> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(source).map_err(|e| InvalidWorkflow::Syntax {
            file: path.to_string(),
            line: e.location().map_or(1, |l| l.line()),
        })?;
    let document = yaml_to_json(&yaml);
    let mut checker = Checker {
        source,
        problems: Vec::new(),
    };
    let workflow = checker.workflow(path, &document);
    if checker.problems.is_empty() {
        Ok(workflow)
    } else {
        Err(InvalidWorkflow::Invalid {
            file: path.to_string(),
            problems: checker.problems,
        })
    }
}

/// YAML into JSON: keys become strings, tags are dropped, `.inf`/`.nan` become strings.
pub fn yaml_to_json(yaml: &serde_yaml::Value) -> Value {
    match yaml {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(*b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map_or_else(|| Value::String(n.to_string()), Value::Number)
            }
        }
        serde_yaml::Value::String(s) => Value::String(s.clone()),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match yaml_to_json(k) {
                    Value::String(s) => s,
                    Value::Null => "null".to_string(),
                    other => other.to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => yaml_to_json(&tagged.value),
    }
}

/// Whether a job ID is one GitHub accepts.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && id.len() < 100 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

const WORKFLOW_KEYS: &[&str] = &[
    "name",
    "run-name",
    "on",
    "env",
    "defaults",
    "concurrency",
    "permissions",
    "jobs",
];
const JOB_KEYS: &[&str] = &[
    "name",
    "needs",
    "if",
    "runs-on",
    "environment",
    "strategy",
    "env",
    "defaults",
    "timeout-minutes",
    "continue-on-error",
    "outputs",
    "container",
    "services",
    "steps",
    "concurrency",
    "permissions",
    "uses",
    "with",
    "secrets",
];
const STEP_KEYS: &[&str] = &[
    "id",
    "name",
    "if",
    "uses",
    "run",
    "shell",
    "working-directory",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
];
const CONTAINER_KEYS: &[&str] = &["image", "credentials", "env", "ports", "volumes", "options"];

pub(crate) struct Checker<'a> {
    source: &'a str,
    pub(crate) problems: Vec<Problem>,
}

fn key(k: &str) -> Segment {
    Segment::Key(k.to_string())
}

fn with(path: &[Segment], more: Segment) -> Vec<Segment> {
    let mut p = path.to_vec();
    p.push(more);
    p
}

impl Checker<'_> {
    fn problem(&mut self, path: &[Segment], message: impl Into<String>) {
        let position = locate::locate(self.source, path);
        self.problems.push(Problem {
            position,
            message: message.into(),
        });
    }

    fn value_problem(&mut self, path: &[Segment], message: impl Into<String>) {
        let position = locate::locate_value(self.source, path);
        self.problems.push(Problem {
            position,
            message: message.into(),
        });
    }

    fn unknown_keys(&mut self, path: &[Segment], map: &Map<String, Value>, allowed: &[&str]) {
        for k in map.keys() {
            if !allowed.contains(&k.as_str()) {
                self.problem(&with(path, key(k)), format!("Unexpected value '{k}'"));
            }
        }
    }

    fn mapping<'v>(
        &mut self,
        path: &[Segment],
        value: &'v Value,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            Value::Null => None,
            Value::Array(_) => {
                self.value_problem(path, "A sequence was not expected");
                None
            }
            _ => {
                self.value_problem(path, format!("Unexpected value '{}'", scalar_text(value)));
                None
            }
        }
    }

    fn string(&mut self, path: &[Segment], value: Option<&Value>) -> Option<String> {
        match value? {
            Value::String(s) => Some(s.clone()),
            v @ (Value::Bool(_) | Value::Number(_)) => Some(scalar_text(v)),
            Value::Null => None,
            Value::Array(_) => {
                self.value_problem(path, "A sequence was not expected");
                None
            }
            Value::Object(_) => {
                self.value_problem(path, "A mapping was not expected");
                None
            }
        }
    }

    /// Checks every `${{ }}` in a value (strings anywhere inside it).
    fn expressions(
        &mut self,
        path: &[Segment],
        value: &Value,
        names: &[&str],
        functions: &[Function],
    ) {
        match value {
            Value::String(s) if template::has_expression(s) => {
                if let Err(e) = template::check(s, names, functions) {
                    self.value_problem(path, e.to_string());
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.expressions(&with(path, Segment::Index(i)), item, names, functions);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.expressions(&with(path, key(k)), v, names, functions);
                }
            }
            _ => {}
        }
    }

    /// A condition (`if:`) may be written with or without `${{ }}`.
    fn condition(
        &mut self,
        path: &[Segment],
        value: Option<&Value>,
        names: &[&str],
        functions: &[Function],
    ) -> Option<String> {
        let text = self.string(path, value)?;
        let source = if template::has_expression(&text) {
            match template::split(&text) {
                Ok(segments) => template::to_expression_source(&segments),
                Err(e) => {
                    self.value_problem(path, e.to_string());
                    return Some(text);
                }
            }
        } else {
            text.clone()
        };
        if let Err(e) = crate::expr::Expression::parse(&source, names, functions) {
            self.value_problem(path, e.to_string());
        }
        Some(source)
    }

    fn env(
        &mut self,
        path: &[Segment],
        value: Option<&Value>,
        names: &[&str],
        functions: &[Function],
    ) -> Map<String, Value> {
        let Some(value) = value else {
            return Map::new();
        };
        if let Value::String(s) = value
            && template::has_expression(s)
        {
            self.expressions(path, value, names, functions);
            return Map::new();
        }
        let Some(map) = self.mapping(path, value) else {
            return Map::new();
        };
        let map = map.clone();
        for (k, v) in &map {
            if matches!(v, Value::Array(_) | Value::Object(_)) {
                self.value_problem(
                    &with(path, key(k)),
                    if v.is_array() {
                        "A sequence was not expected"
                    } else {
                        "A mapping was not expected"
                    },
                );
            }
        }
        self.expressions(path, value, names, functions);
        map
    }

    fn defaults(&mut self, path: &[Segment], value: Option<&Value>) -> RunDefaults {
        let Some(map) = value.and_then(|v| self.mapping(path, v)) else {
            return RunDefaults::default();
        };
        self.unknown_keys(path, map, &["run"]);
        let run_path = with(path, key("run"));
        let Some(run) = map.get("run").and_then(|v| self.mapping(&run_path, v)) else {
            return RunDefaults::default();
        };
        self.unknown_keys(&run_path, run, &["shell", "working-directory"]);
        RunDefaults {
            shell: self.string(&with(&run_path, key("shell")), run.get("shell")),
            working_directory: self.string(
                &with(&run_path, key("working-directory")),
                run.get("working-directory"),
            ),
        }
    }

    fn concurrency(
        &mut self,
        path: &[Segment],
        value: Option<&Value>,
        names: &[&str],
    ) -> Option<Concurrency> {
        let value = value?;
        self.expressions(path, value, names, &[]);
        match value {
            Value::Object(map) => {
                self.unknown_keys(path, map, &["group", "cancel-in-progress"]);
                let Some(group) = self.string(&with(path, key("group")), map.get("group")) else {
                    self.problem(path, "Required property is missing: group");
                    return None;
                };
                Some(Concurrency {
                    group,
                    cancel_in_progress: map
                        .get("cancel-in-progress")
                        .cloned()
                        .unwrap_or(Value::Bool(false)),
                })
            }
            other => self.string(path, Some(other)).map(|group| Concurrency {
                group,
                cancel_in_progress: Value::Bool(false),
            }),
        }
    }

    fn workflow(&mut self, path: &str, document: &Value) -> Workflow {
        let empty = Map::new();
        let root = match document {
            Value::Object(map) => map,
            _ => {
                self.problem(&[], "Unexpected value ''");
                &empty
            }
        };
        self.unknown_keys(&[], root, WORKFLOW_KEYS);
        let name = self.string(&[key("name")], root.get("name"));
        let run_name = self.string(&[key("run-name")], root.get("run-name"));
        if let Some(v) = root.get("run-name") {
            self.expressions(&[key("run-name")], v, contexts::RUN_NAME, &[]);
        }
        let on = match root.get("on") {
            Some(v) => triggers::parse(self, &[key("on")], v),
            None => {
                if !root.is_empty() {
                    self.problem(&[], "Required property is missing: on");
                }
                Triggers::default()
            }
        };
        let env = self.env(&[key("env")], root.get("env"), contexts::WORKFLOW_ENV, &[]);
        let defaults = self.defaults(&[key("defaults")], root.get("defaults"));
        let concurrency = self.concurrency(
            &[key("concurrency")],
            root.get("concurrency"),
            contexts::WORKFLOW_CONCURRENCY,
        );
        let jobs = match root.get("jobs") {
            Some(v) => self.jobs(v),
            None => {
                self.problem(&[], "Required property is missing: jobs");
                Vec::new()
            }
        };
        Workflow {
            path: path.to_string(),
            name,
            run_name,
            on,
            env,
            defaults,
            concurrency,
            permissions: root.get("permissions").cloned(),
            jobs,
        }
    }

    fn jobs(&mut self, value: &Value) -> Vec<Job> {
        let path = [key("jobs")];
        let Some(map) = self.mapping(&path, value) else {
            return Vec::new();
        };
        let mut jobs = Vec::new();
        for (id, job) in map {
            let job_path = with(&path, key(id));
            if !is_valid_id(id) {
                self.problem(
                    &job_path,
                    format!(
                        "The identifier '{id}' is invalid. IDs may only contain alphanumeric characters, '_', and '-'. IDs must start with a letter or '_' and and must be less than 100 characters."
                    ),
                );
            }
            if let Some(job) = self.job(&job_path, id, job) {
                jobs.push(job);
            }
        }
        if map.is_empty() {
            self.value_problem(&path, "Unexpected value ''");
        }
        self.needs_graph(&jobs);
        jobs
    }

    fn job(&mut self, path: &[Segment], id: &str, value: &Value) -> Option<Job> {
        let map = self.mapping(path, value)?;
        self.unknown_keys(path, map, JOB_KEYS);
        let uses = self.string(&with(path, key("uses")), map.get("uses"));
        if uses.is_none() {
            if !map.contains_key("runs-on") {
                self.problem(path, "Required property is missing: runs-on");
            }
            if !map.contains_key("steps") {
                self.problem(path, "Required property is missing: steps");
            }
        }
        let needs = self.needs(&with(path, key("needs")), map.get("needs"));
        let condition = self.condition(
            &with(path, key("if")),
            map.get("if"),
            contexts::JOB_IF,
            STATUS_FUNCTIONS,
        );
        let runs_on = map.get("runs-on").cloned().unwrap_or(Value::Null);
        self.expressions(
            &with(path, key("runs-on")),
            &runs_on,
            contexts::JOB_LEVEL,
            &[],
        );
        let strategy = self.strategy(&with(path, key("strategy")), map.get("strategy"));
        let env = self.env(
            &with(path, key("env")),
            map.get("env"),
            contexts::JOB_ENV,
            &[],
        );
        let defaults = self.defaults(&with(path, key("defaults")), map.get("defaults"));
        for (name, names) in [
            ("timeout-minutes", contexts::JOB_LEVEL),
            ("continue-on-error", contexts::JOB_LEVEL),
            ("environment", contexts::JOB_LEVEL),
        ] {
            if let Some(v) = map.get(name) {
                self.expressions(&with(path, key(name)), v, names, &[]);
            }
        }
        let outputs = match map.get("outputs") {
            Some(v) => {
                let outputs_path = with(path, key("outputs"));
                self.expressions(
                    &outputs_path,
                    v,
                    contexts::JOB_OUTPUTS,
                    &[Function::HashFiles],
                );
                self.mapping(&outputs_path, v).cloned().unwrap_or_default()
            }
            None => Map::new(),
        };
        let container = map
            .get("container")
            .and_then(|v| self.container(&with(path, key("container")), v, contexts::CONTAINER));
        let mut services = Vec::new();
        if let Some(v) = map.get("services") {
            let services_path = with(path, key("services"));
            if let Some(all) = self.mapping(&services_path, v) {
                for (name, service) in all.clone() {
                    if let Some(c) = self.container(
                        &with(&services_path, key(&name)),
                        &service,
                        contexts::SERVICES,
                    ) {
                        services.push((name, c));
                    }
                }
            }
        }
        let steps = match map.get("steps") {
            Some(v) => self.steps(&with(path, key("steps")), v),
            None => Vec::new(),
        };
        let concurrency = self.concurrency(
            &with(path, key("concurrency")),
            map.get("concurrency"),
            contexts::JOB_LEVEL,
        );
        Some(Job {
            id: id.to_string(),
            name: self.string(&with(path, key("name")), map.get("name")),
            needs,
            condition,
            runs_on,
            environment: map.get("environment").cloned(),
            strategy,
            env,
            defaults,
            timeout_minutes: map.get("timeout-minutes").cloned(),
            continue_on_error: map
                .get("continue-on-error")
                .cloned()
                .unwrap_or(Value::Bool(false)),
            outputs,
            container,
            services,
            steps,
            concurrency,
            uses,
            raw: value.clone(),
        })
    }

    fn needs(&mut self, path: &[Segment], value: Option<&Value>) -> Vec<String> {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) = self.string(&with(path, Segment::Index(i)), Some(item)) {
                        out.push(s);
                    }
                }
                out
            }
            Some(_) => {
                self.value_problem(path, "A mapping was not expected");
                Vec::new()
            }
        }
    }

    fn strategy(&mut self, path: &[Segment], value: Option<&Value>) -> Option<Strategy> {
        let map = self.mapping(path, value?)?.clone();
        self.unknown_keys(path, &map, &["matrix", "fail-fast", "max-parallel"]);
        self.expressions(
            path,
            &Value::Object(map.clone()),
            contexts::JOB_STRATEGY,
            &[],
        );
        let matrix = map.get("matrix").cloned();
        if let Some(Value::Object(vectors)) = &matrix {
            // A matrix written out in full is checked now; one from an expression when the run starts.
            let literal = !Value::Object(vectors.clone()).to_string().contains("${{");
            if literal && let Err(e) = matrix::expand(&Value::Object(vectors.clone())) {
                self.problem(&with(path, key("matrix")), e.to_string());
            }
        }
        Some(Strategy {
            matrix,
            fail_fast: map.get("fail-fast").cloned().unwrap_or(Value::Bool(true)),
            max_parallel: map.get("max-parallel").cloned(),
        })
    }

    fn container(&mut self, path: &[Segment], value: &Value, names: &[&str]) -> Option<Container> {
        self.expressions(path, value, names, &[]);
        match value {
            Value::String(image) => Some(Container {
                image: Value::String(image.clone()),
                raw: value.clone(),
            }),
            Value::Object(map) => {
                self.unknown_keys(path, map, CONTAINER_KEYS);
                match map.get("image") {
                    Some(image) => Some(Container {
                        image: image.clone(),
                        raw: value.clone(),
                    }),
                    None => {
                        self.problem(path, "Required property is missing: image");
                        None
                    }
                }
            }
            _ => {
                self.value_problem(path, "A sequence was not expected");
                None
            }
        }
    }

    fn steps(&mut self, path: &[Segment], value: &Value) -> Vec<Step> {
        let Value::Array(items) = value else {
            self.value_problem(path, "A mapping was not expected");
            return Vec::new();
        };
        let mut ids = BTreeSet::new();
        let mut steps = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let step_path = with(path, Segment::Index(i));
            let Some(map) = self.mapping(&step_path, item) else {
                continue;
            };
            let map = map.clone();
            self.unknown_keys(&step_path, &map, STEP_KEYS);
            let run = self.string(&with(&step_path, key("run")), map.get("run"));
            let uses = self.string(&with(&step_path, key("uses")), map.get("uses"));
            match (&run, &uses) {
                (None, None) => self.problem(
                    &step_path,
                    "There's not enough info to determine what you meant. Add one of these properties: run, shell, uses, with, working-directory",
                ),
                (Some(_), Some(_)) => self.problem(&with(&step_path, key("uses")), "Unexpected value 'uses'"),
                _ => {}
            }
            if run.is_some() {
                for k in ["with"] {
                    if map.contains_key(k) {
                        self.problem(&with(&step_path, key(k)), format!("Unexpected value '{k}'"));
                    }
                }
            }
            if uses.is_some() {
                for k in ["shell", "working-directory"] {
                    if map.contains_key(k) {
                        self.problem(&with(&step_path, key(k)), format!("Unexpected value '{k}'"));
                    }
                }
            }
            let id = self.string(&with(&step_path, key("id")), map.get("id"));
            if let Some(id) = &id {
                if !is_valid_id(id) {
                    self.value_problem(
                        &with(&step_path, key("id")),
                        format!(
                            "The identifier '{id}' is invalid. IDs may only contain alphanumeric characters, '_', and '-'. IDs must start with a letter or '_' and and must be less than 100 characters."
                        ),
                    );
                } else if !ids.insert(id.to_ascii_lowercase()) {
                    self.value_problem(&with(&step_path, key("id")), format!("The identifier '{id}' may not be used more than once within the same scope."));
                }
            }
            let condition = self.condition(
                &with(&step_path, key("if")),
                map.get("if"),
                contexts::STEP_IF,
                &[
                    Function::HashFiles,
                    Function::Success,
                    Function::Failure,
                    Function::Always,
                    Function::Cancelled,
                ],
            );
            for k in [
                "name",
                "run",
                "uses",
                "shell",
                "working-directory",
                "with",
                "continue-on-error",
                "timeout-minutes",
            ] {
                if let Some(v) = map.get(k) {
                    self.expressions(
                        &with(&step_path, key(k)),
                        v,
                        contexts::STEP,
                        &[Function::HashFiles],
                    );
                }
            }
            let env = self.env(
                &with(&step_path, key("env")),
                map.get("env"),
                contexts::STEP,
                &[Function::HashFiles],
            );
            let with_inputs = match map.get("with") {
                Some(v) => self
                    .mapping(&with(&step_path, key("with")), v)
                    .cloned()
                    .unwrap_or_default(),
                None => Map::new(),
            };
            steps.push(Step {
                id,
                name: self.string(&with(&step_path, key("name")), map.get("name")),
                condition,
                uses,
                run,
                shell: self.string(&with(&step_path, key("shell")), map.get("shell")),
                working_directory: self.string(
                    &with(&step_path, key("working-directory")),
                    map.get("working-directory"),
                ),
                with: with_inputs,
                env,
                continue_on_error: map
                    .get("continue-on-error")
                    .cloned()
                    .unwrap_or(Value::Bool(false)),
                timeout_minutes: map.get("timeout-minutes").cloned(),
                raw: item.clone(),
            });
        }
        steps
    }

    /// `needs` must name jobs that exist and form no cycle, and some job must need nothing.
    fn needs_graph(&mut self, jobs: &[Job]) {
        let ids: BTreeSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        for job in jobs {
            for (i, need) in job.needs.iter().enumerate() {
                if !ids.contains(need.as_str()) {
                    let path = needs_item_path(job, i);
                    self.value_problem(
                        &path,
                        format!("Job '{}' depends on unknown job '{need}'.", job.id),
                    );
                }
            }
        }
        if !jobs.is_empty() && jobs.iter().all(|j| !j.needs.is_empty()) {
            let first = &jobs[0];
            self.problem(
                &[key("jobs"), key(&first.id)],
                "The workflow must contain at least one job with no dependencies.",
            );
            return;
        }
        // Depth-first search; an edge to a job on the current path closes a cycle.
        let edges: BTreeMap<&str, &Job> = jobs.iter().map(|j| (j.id.as_str(), j)).collect();
        let mut state: BTreeMap<&str, u8> = BTreeMap::new();
        let mut reported = BTreeSet::new();
        for job in jobs {
            self.visit(job, &edges, &mut state, &mut reported);
        }
    }

    fn visit<'j>(
        &mut self,
        job: &'j Job,
        edges: &BTreeMap<&'j str, &'j Job>,
        state: &mut BTreeMap<&'j str, u8>,
        reported: &mut BTreeSet<(String, String)>,
    ) {
        match state.get(job.id.as_str()) {
            Some(_) => return,
            None => state.insert(job.id.as_str(), 1),
        };
        for (i, need) in job.needs.iter().enumerate() {
            let Some(next) = edges.get(need.as_str()) else {
                continue;
            };
            match state.get(need.as_str()) {
                Some(1) => {
                    if reported.insert((job.id.clone(), need.clone())) {
                        let path = needs_item_path(job, i);
                        self.value_problem(
                            &path,
                            format!("Job '{}' depends on job '{need}' which creates a cycle in the dependency graph.", job.id),
                        );
                    }
                }
                Some(_) => {}
                None => self.visit(next, edges, state, reported),
            }
        }
        state.insert(job.id.as_str(), 2);
    }
}

fn needs_item_path(job: &Job, index: usize) -> Vec<Segment> {
    let mut path = vec![key("jobs"), key(&job.id), key("needs")];
    if job.raw.get("needs").is_some_and(Value::is_array) {
        path.push(Segment::Index(index));
    }
    path
}

/// A scalar as YAML wrote it (`true`, `3`, `text`).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Jobs in an order where every job comes after the jobs it needs (the graph is checked).
pub fn topological_order(workflow: &Workflow) -> Vec<&Job> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < workflow.jobs.len() {
        let before = order.len();
        for job in &workflow.jobs {
            if !done.contains(job.id.as_str())
                && job.needs.iter().all(|n| done.contains(n.as_str()))
            {
                done.insert(job.id.as_str());
                order.push(job);
            }
        }
        if order.len() == before {
            break;
        }
    }
    order
}
