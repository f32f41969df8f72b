//! `.gitlab-ci.yml` into a typed configuration: `include:` (`local`, `project` with `ref` and
//! `file` lists; `remote`, `template` and `component` answer GitLab's errors) merged in, `!reference` tags
//! resolved, hidden jobs and `extends` (deep merge, several levels) resolved, `default` and
//! global `variables` inherited, and every job checked with the messages GitLab's linter gives.
//!
//! What this module must not do: decide which jobs a pipeline gets (that is `plan`), or read
//! files itself: includes read through the `Sources` it is given.

use serde_json::Value as Json;
use serde_yaml::{Mapping, Value};

mod include;

/// What reading a configuration can fail with: GitLab's linter message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

pub const DEFAULT_STAGES: &[&str] = &["build", "test", "deploy"];

/// Top-level keys that are not jobs.
const GLOBAL_KEYS: &[&str] = &[
    "stages",
    "variables",
    "default",
    "workflow",
    "include",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "types",
    "spec",
];

/// Keys a job may have.
const JOB_KEYS: &[&str] = &[
    "script",
    "before_script",
    "after_script",
    "stage",
    "image",
    "services",
    "variables",
    "rules",
    "only",
    "except",
    "when",
    "allow_failure",
    "needs",
    "dependencies",
    "tags",
    "artifacts",
    "cache",
    "timeout",
    "retry",
    "environment",
    "extends",
    "parallel",
    "start_in",
    "interruptible",
    "resource_group",
    "coverage",
    "inherit",
    "trigger",
    "release",
    "id_tokens",
    "secrets",
    "pages",
    "hooks",
    "identity",
    "dast_configuration",
    "manual_confirmation",
    "publish",
    "run",
    "type",
];

const DEFAULT_KEYS: &[&str] = &[
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "artifacts",
    "retry",
    "timeout",
    "tags",
    "interruptible",
    "hooks",
    "id_tokens",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub if_expr: Option<String>,
    pub changes: Option<Vec<String>>,
    pub exists: Option<Vec<String>>,
    pub when: Option<String>,
    pub allow_failure: Option<bool>,
    pub variables: Vec<(String, String)>,
}

/// `only:` or `except:` in their basic forms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RefFilter {
    pub refs: Vec<String>,
    pub variables: Vec<String>,
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub job: String,
    pub artifacts: bool,
    pub optional: bool,
}

/// The instances `parallel:` makes: each a name suffix (` 1/3`, `: [linux]`) and its variables.
pub type ParallelInstances = Vec<(String, Vec<(String, String)>)>;

#[derive(Debug, Clone, PartialEq)]
pub struct JobDef {
    pub name: String,
    pub stage: String,
    pub script: Vec<String>,
    pub before_script: Vec<String>,
    pub after_script: Vec<String>,
    pub image: Option<Json>,
    pub services: Vec<Json>,
    pub variables: Vec<(String, String)>,
    pub rules: Option<Vec<Rule>>,
    pub only: Option<RefFilter>,
    pub except: Option<RefFilter>,
    pub when: String,
    /// `None` when not given: the default depends on `when` and on whether rules are used.
    pub allow_failure: Option<bool>,
    pub allow_failure_exit_codes: Vec<i64>,
    pub needs: Option<Vec<Need>>,
    pub dependencies: Option<Vec<String>>,
    pub tags: Vec<String>,
    pub artifacts: Option<Json>,
    pub cache: Option<Json>,
    pub timeout_seconds: Option<u64>,
    pub retry_max: u32,
    /// `retry: when:` (a string is a list of one).
    pub retry_when: Option<Vec<String>>,
    /// `retry: exit_codes:` (an integer is a list of one).
    pub retry_exit_codes: Option<Vec<i64>>,
    pub environment: Option<String>,
    /// The whole `environment:` keyword.
    pub environment_options: Option<crate::model::EnvironmentSpec>,
    /// `parallel:`, as the instances it makes: each a name suffix and its variables.
    pub parallel: Option<ParallelInstances>,
    /// `trigger:`: the job is a bridge to a downstream pipeline, run by no runner.
    pub trigger: Option<crate::model::DownstreamSpec>,
    /// `start_in:` of a `when: delayed` job, in seconds.
    pub start_in_seconds: Option<u64>,
    /// `resource_group:`: at most one job of the group runs at a time, project-wide.
    pub resource_group: Option<String>,
    /// `interruptible:`: a newer pipeline of the same ref may cancel this job.
    pub interruptible: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub stages: Vec<String>,
    pub variables: Vec<(String, String)>,
    pub workflow_rules: Option<Vec<Rule>>,
    pub jobs: Vec<JobDef>,
}

/// Where an included file lives: the pipeline's own repository at its commit, or another
/// project's repository at a commit an `include: project` named. A nested `include: local`
/// reads from the place of the file that holds it, as GitLab does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Pipeline,
    Project { path: String, sha: String },
}

/// What includes read through. The engine and the linter implement it over the projects'
/// repositories and the pipeline user's access; a plain function of a path serves the
/// pipeline's own repository and knows no other project (the unit tests use that).
pub trait Sources {
    /// The text of `path` at `place`, `None` when there is no such file.
    fn local(&self, place: &Place, path: &str) -> Option<String>;
    /// The place `include: project` names (`git_ref` absent: the project's default branch),
    /// or GitLab's message when the project cannot be read or the ref does not exist.
    fn project(&self, project: &str, git_ref: Option<&str>) -> Result<Place, ConfigError>;
    /// Every file at `place`, for `include: local` wildcards and `include: rules: exists`.
    fn files(&self, _place: &Place) -> Vec<String> {
        Vec::new()
    }
    /// What `include: rules: if` sees: the pipeline's predefined, project, group and
    /// pipeline variables (none of the configuration's own).
    fn variables(&self) -> std::collections::BTreeMap<String, String> {
        std::collections::BTreeMap::new()
    }
    /// The files the push changed, for `include: rules: changes` (`None`: unknown, and
    /// `changes` holds, as GitLab decides when it has nothing to compare).
    fn changed_files(&self) -> Option<Vec<String>> {
        None
    }
    /// The project of an `include: component` at `version` (a tag, branch or commit SHA).
    fn component_project(&self, _project: &str, _version: &str) -> ComponentProject {
        ComponentProject::Missing
    }
}

/// What a component's project path and version lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentProject {
    /// The project at the version's commit.
    Found(Place),
    /// No such project, or no such version: GitLab's `content not found`.
    Missing,
    /// A project the pipeline's user may not read.
    Denied,
}

impl<F: Fn(&str) -> Option<String>> Sources for F {
    fn local(&self, place: &Place, path: &str) -> Option<String> {
        match place {
            Place::Pipeline => self(path),
            Place::Project { .. } => None,
        }
    }

    fn project(&self, project: &str, _git_ref: Option<&str>) -> Result<Place, ConfigError> {
        Err(project_not_found(project))
    }
}

/// GitLab's message for an `include: project` the pipeline's user cannot read.
pub fn project_not_found(project: &str) -> ConfigError {
    ConfigError(format!(
        "Project `{project}` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined."
    ))
}

/// GitLab's message for an `include: project` whose `ref` does not exist.
pub fn project_ref_not_found(project: &str, git_ref: &str) -> ConfigError {
    ConfigError(format!(
        "Project `{project}` reference `{git_ref}` does not exist!"
    ))
}

/// How many files one configuration may include, nested or not (GitLab's `max_includes`).
pub const MAX_INCLUDES: usize = 150;

/// Reads `source`, its includes read through `sources`.
pub fn parse(source: &str, sources: &dyn Sources) -> Result<Config, ConfigError> {
    build(&expand(source, sources)?)
}

/// The configuration with its includes merged in and `!reference` tags resolved, as YAML:
/// the linter's `merged_yaml` (`extends` is left for the jobs to resolve).
pub fn merged_yaml(source: &str, sources: &dyn Sources) -> Result<String, ConfigError> {
    let document = expand(source, sources)?;
    serde_yaml::to_string(&Value::Mapping(document)).map_err(|error| ConfigError(error.to_string()))
}

fn expand(source: &str, sources: &dyn Sources) -> Result<Mapping, ConfigError> {
    // The pipeline's own file may start with a `spec: inputs:` header; its inputs take
    // their defaults.
    let mut document = load_interpolated(source, &Mapping::new(), None, &sources.variables())?;
    let mut included = 0;
    include::resolve_includes(&mut document, sources, &Place::Pipeline, &mut included)?;
    let snapshot = document.clone();
    resolve_references(&mut document, &snapshot, 0)?;
    Ok(document)
}

fn load(source: &str) -> Result<Mapping, ConfigError> {
    let mut value: Value = serde_yaml::from_str(source)
        .map_err(|error| ConfigError(format!("(<unknown>): {error}")))?;
    value
        .apply_merge()
        .map_err(|error| ConfigError(format!("(<unknown>): {error}")))?;
    match value {
        Value::Mapping(map) => Ok(map),
        Value::Null => fail("Please provide content of .gitlab-ci.yml"),
        _ => fail("Invalid configuration format"),
    }
}

/// `source` with its header applied: `args` interpolated into the content. `location` names an
/// included file in the errors (`None`: the pipeline's own file).
fn load_interpolated(
    source: &str,
    args: &Mapping,
    location: Option<&str>,
    variables: &std::collections::BTreeMap<String, String>,
) -> Result<Mapping, ConfigError> {
    // A file that does not split into documents gets the plain loader's message.
    let Ok(documents) = super::inputs::split(source) else {
        return load(source);
    };
    if documents.header.is_none() && args.is_empty() {
        return load(source);
    }
    let mut value = super::inputs::interpolate(documents, args, variables).map_err(|message| {
        ConfigError(match location {
            Some(location) => format!("`{location}`: {message}"),
            None => message,
        })
    })?;
    value
        .apply_merge()
        .map_err(|error| ConfigError(format!("(<unknown>): {error}")))?;
    match value {
        Value::Mapping(map) => Ok(map),
        Value::Null => fail("Please provide content of .gitlab-ci.yml"),
        _ => fail("Invalid configuration format"),
    }
}

fn key_str(key: &Value) -> Option<&str> {
    key.as_str()
}

/// Merges `overlay` into `base`: mappings merge key by key, anything else is replaced.
fn deep_merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Mapping(base), Value::Mapping(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// Replaces every `!reference [job, key, ...]` with what it points at; a reference inside a
/// sequence that resolves to a sequence is spliced in (as scripts use it).
fn resolve_references(
    document: &mut Mapping,
    root: &Mapping,
    depth: usize,
) -> Result<(), ConfigError> {
    for (_, value) in document.iter_mut() {
        resolve_value(value, root, depth)?;
    }
    Ok(())
}

fn lookup_reference(path: &Value, root: &Mapping, depth: usize) -> Result<Value, ConfigError> {
    if depth > 10 {
        return fail("!reference nesting too deep");
    }
    let Value::Sequence(keys) = path else {
        return fail("!reference must be a sequence of keys");
    };
    let names: Vec<String> = keys
        .iter()
        .map(|key| key.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(|| ConfigError("!reference keys must be strings".into()))?;
    let mut current = Value::Mapping(root.clone());
    for name in &names {
        current = match current.get(name.as_str()) {
            Some(next) => next.clone(),
            None => {
                return fail(format!(
                    "!reference [\"{}\"] could not be found",
                    names.join("\", \"")
                ));
            }
        };
    }
    resolve_value(&mut current, root, depth + 1)?;
    Ok(current)
}

fn resolve_value(value: &mut Value, root: &Mapping, depth: usize) -> Result<(), ConfigError> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "reference" => {
            *value = lookup_reference(&tagged.value, root, depth)?;
        }
        Value::Tagged(tagged) => {
            return fail(format!("unknown tag {}", tagged.tag));
        }
        Value::Mapping(map) => {
            for (_, inner) in map.iter_mut() {
                resolve_value(inner, root, depth)?;
            }
        }
        Value::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                let mut item = item;
                let was_reference = matches!(&item, Value::Tagged(t) if t.tag == "reference");
                resolve_value(&mut item, root, depth)?;
                match item {
                    Value::Sequence(inner) if was_reference => out.extend(inner),
                    other => out.push(other),
                }
            }
            *items = out;
        }
        _ => {}
    }
    Ok(())
}

/// Resolves `extends` for `name`: its bases first (several levels), then the job itself.
fn resolve_extends(
    name: &str,
    document: &Mapping,
    chain: &mut Vec<String>,
) -> Result<Value, ConfigError> {
    let Some(job) = document.get(name).cloned() else {
        return fail(format!(
            "{}: unknown keys in `extends` ({name})",
            chain.last().map_or(name, |s| s.as_str())
        ));
    };
    if chain.iter().any(|seen| seen == name) {
        return fail(format!(
            "{}: circular dependency detected in `extends`",
            chain[0]
        ));
    }
    if chain.len() > 10 {
        return fail(format!("{}: nesting too deep in `extends`", chain[0]));
    }
    chain.push(name.to_string());
    let bases: Vec<String> = match job.get("extends") {
        None => Vec::new(),
        Some(Value::String(base)) => vec![base.clone()],
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                ConfigError(format!(
                    "jobs:{name}:extends should be an array of strings or a string"
                ))
            })?,
        Some(_) => {
            return fail(format!(
                "jobs:{name}:extends should be an array of strings or a string"
            ));
        }
    };
    let mut merged = Value::Mapping(Mapping::new());
    for base in &bases {
        if document.get(base.as_str()).is_none() {
            return fail(format!("{}: unknown keys in `extends` ({base})", chain[0]));
        }
        let resolved = resolve_extends(base, document, chain)?;
        deep_merge(&mut merged, &resolved);
    }
    chain.pop();
    deep_merge(&mut merged, &job);
    if let Value::Mapping(map) = &mut merged {
        map.remove("extends");
    }
    Ok(merged)
}

fn string_list(value: &Value, what: &str) -> Result<Vec<String>, ConfigError> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(text) => out.push(text.clone()),
                    Value::Number(number) => out.push(number.to_string()),
                    Value::Bool(flag) => out.push(flag.to_string()),
                    // Nested arrays in scripts are flattened (GitLab allows 10 levels).
                    Value::Sequence(_) => out.extend(string_list(item, what)?),
                    _ => {
                        return fail(format!(
                            "{what} should be a string or a nested array of strings up to 10 levels deep"
                        ));
                    }
                }
            }
            Ok(out)
        }
        Value::Null => Ok(Vec::new()),
        _ => fail(format!(
            "{what} should be a string or a nested array of strings up to 10 levels deep"
        )),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

fn variables(value: Option<&Value>, location: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Mapping(map) = value else {
        return fail(format!(
            "{location} config should be a hash of key value pairs"
        ));
    };
    let mut out = Vec::new();
    for (key, value) in map {
        let key = key.as_str().ok_or_else(|| {
            ConfigError(format!(
                "{location} config should be a hash of key value pairs"
            ))
        })?;
        // The long form `{value: ..., description: ...}` is allowed too.
        let text = match value {
            Value::Mapping(long) => long.get("value").and_then(scalar_text).unwrap_or_default(),
            other => scalar_text(other).ok_or_else(|| {
                ConfigError(format!(
                    "{location} config should be a hash of key value pairs"
                ))
            })?,
        };
        out.push((key.to_string(), text));
    }
    Ok(out)
}

fn to_json(value: &Value) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}

fn rules(value: &Value, location: &str) -> Result<Vec<Rule>, ConfigError> {
    let Value::Sequence(items) = value else {
        return fail(format!("{location} config should be an array of hashes"));
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Mapping(map) = item else {
            return fail(format!("{location} config should be an array of hashes"));
        };
        for key in map.keys().filter_map(key_str) {
            if ![
                "if",
                "changes",
                "exists",
                "when",
                "allow_failure",
                "variables",
                "needs",
                "start_in",
                "interruptible",
            ]
            .contains(&key)
            {
                return fail(format!(
                    "{location}:rule config contains unknown keys: {key}"
                ));
            }
        }
        let if_expr = match map.get("if") {
            None => None,
            Some(Value::String(expr)) => {
                crate::ci::expr::evaluate(expr, &Default::default()).map_err(|_| {
                    ConfigError(format!("{location}:rule if invalid expression syntax"))
                })?;
                Some(expr.clone())
            }
            Some(_) => return fail(format!("{location}:rule if should be a string")),
        };
        let paths = |key: &str| -> Result<Option<Vec<String>>, ConfigError> {
            match map.get(key) {
                None => Ok(None),
                Some(Value::Mapping(long)) => long
                    .get("paths")
                    .map(|p| string_list(p, &format!("{location}:rule:{key}")))
                    .transpose(),
                Some(other) => string_list(other, &format!("{location}:rule:{key}")).map(Some),
            }
        };
        let when = map
            .get("when")
            .map(|w| w.as_str().unwrap_or_default().to_string());
        if let Some(when) = &when
            && ![
                "on_success",
                "on_failure",
                "always",
                "manual",
                "delayed",
                "never",
            ]
            .contains(&when.as_str())
        {
            return fail(format!("{location}:rule when unknown value: {when}"));
        }
        out.push(Rule {
            if_expr,
            changes: paths("changes")?,
            exists: paths("exists")?,
            when,
            allow_failure: map.get("allow_failure").and_then(Value::as_bool),
            variables: variables(map.get("variables"), &format!("{location}:rules:variables"))?,
        });
    }
    Ok(out)
}

fn ref_filter(value: &Value, location: &str) -> Result<RefFilter, ConfigError> {
    match value {
        Value::Sequence(_) | Value::String(_) => Ok(RefFilter {
            refs: string_list(value, location)?,
            ..RefFilter::default()
        }),
        Value::Mapping(map) => {
            let mut filter = RefFilter::default();
            for (key, value) in map {
                match key.as_str() {
                    Some("refs") => filter.refs = string_list(value, location)?,
                    Some("variables") => filter.variables = string_list(value, location)?,
                    Some("changes") => filter.changes = string_list(value, location)?,
                    Some(other) => {
                        return fail(format!("{location} config contains unknown keys: {other}"));
                    }
                    None => return fail(format!("{location} config should be a hash")),
                }
            }
            Ok(filter)
        }
        _ => fail(format!(
            "{location} has to be either an array of conditions or a hash"
        )),
    }
}

/// `1h 30m`, `90 minutes`, `3600`, `2 hours`: a duration in seconds.
pub fn duration_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(seconds);
    }
    let mut total = 0u64;
    let mut number = String::new();
    let mut rest = text.chars().peekable();
    let mut seen = false;
    while let Some(c) = rest.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let mut unit = String::from(c);
        while let Some(next) = rest.peek() {
            if next.is_ascii_alphabetic() {
                unit.push(*next);
                rest.next();
            } else {
                break;
            }
        }
        let value: u64 = number.parse().ok()?;
        number.clear();
        let factor = match unit.to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86400,
            "w" | "week" | "weeks" => 604_800,
            _ => return None,
        };
        total += value * factor;
        seen = true;
    }
    if !number.is_empty() {
        return None;
    }
    seen.then_some(total)
}

fn build(document: &Mapping) -> Result<Config, ConfigError> {
    let mut stages: Vec<String> = match document.get("stages").or_else(|| document.get("types")) {
        Some(value) => string_list(value, "stages")?,
        None => DEFAULT_STAGES.iter().map(|s| s.to_string()).collect(),
    };
    stages.retain(|stage| stage != ".pre" && stage != ".post");
    stages.insert(0, ".pre".into());
    stages.push(".post".into());

    let global_variables = variables(document.get("variables"), "variables")?;
    let workflow_rules = match document.get("workflow") {
        Some(Value::Mapping(workflow)) => workflow
            .get("rules")
            .map(|r| rules(r, "workflow:rules"))
            .transpose()?,
        Some(_) => return fail("workflow config should be a hash"),
        None => None,
    };

    // `default:` plus the deprecated top-level forms of the same keywords.
    let mut defaults = Mapping::new();
    for key in [
        "image",
        "services",
        "before_script",
        "after_script",
        "cache",
    ] {
        if let Some(value) = document.get(key) {
            defaults.insert(Value::from(key), value.clone());
        }
    }
    if let Some(value) = document.get("default") {
        let Value::Mapping(map) = value else {
            return fail("default config should be a hash");
        };
        for (key, value) in map {
            let name = key.as_str().unwrap_or_default();
            if !DEFAULT_KEYS.contains(&name) {
                return fail(format!("default config contains unknown keys: {name}"));
            }
            defaults.insert(key.clone(), value.clone());
        }
    }

    let mut jobs = Vec::new();
    for (key, value) in document {
        let Some(name) = key.as_str() else {
            return fail("jobs config should contain valid job names");
        };
        if GLOBAL_KEYS.contains(&name) || name.starts_with('.') {
            continue;
        }
        if !matches!(value, Value::Mapping(_)) {
            return fail(format!("jobs:{name} config should be a hash"));
        }
        let resolved = resolve_extends(name, document, &mut Vec::new())?;
        let Value::Mapping(job) = resolved else {
            return fail(format!("jobs:{name} config should be a hash"));
        };
        jobs.push(build_job(
            name,
            &job,
            &defaults,
            &global_variables,
            &stages,
        )?);
    }
    if jobs.is_empty() {
        return fail("jobs config should contain at least one visible job");
    }
    for job in &jobs {
        check_on_stop(job, &jobs)?;
    }
    // `needs` must name jobs of the configuration.
    for job in &jobs {
        for need in job.needs.iter().flatten() {
            if !jobs.iter().any(|other| other.name == need.job) && !need.optional {
                return fail(format!("jobs:{} undefined need: {}", job.name, need.job));
            }
        }
        for dependency in job.dependencies.iter().flatten() {
            if !jobs.iter().any(|other| other.name == *dependency) {
                return fail(format!(
                    "jobs:{} undefined dependency: {dependency}",
                    job.name
                ));
            }
        }
    }
    Ok(Config {
        stages,
        variables: global_variables,
        workflow_rules,
        jobs: expand_parallel(jobs)?,
    })
}

/// Which defaults a job inherits (`inherit: default:` and `inherit: variables:`).
fn inherits(job: &Mapping, what: &str, key: &str) -> bool {
    match job.get("inherit").and_then(|inherit| inherit.get(what)) {
        None => true,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Sequence(keys)) => keys.iter().any(|k| k.as_str() == Some(key)),
        Some(_) => true,
    }
}

fn build_job(
    name: &str,
    job: &Mapping,
    defaults: &Mapping,
    global_variables: &[(String, String)],
    stages: &[String],
) -> Result<JobDef, ConfigError> {
    for key in job.keys() {
        let key = key.as_str().unwrap_or_default();
        if !JOB_KEYS.contains(&key) {
            return fail(format!("jobs:{name} config contains unknown keys: {key}"));
        }
    }
    let trigger = job
        .get("trigger")
        .map(|value| trigger(name, value))
        .transpose()?;
    if trigger.is_some() {
        // A bridge runs no script of its own.
        for key in [
            "script",
            "before_script",
            "after_script",
            "image",
            "services",
        ] {
            if job.contains_key(key) {
                return fail(format!("jobs:{name} config contains unknown keys: {key}"));
            }
        }
    }
    let get = |key: &str| -> Option<&Value> {
        job.get(key).or_else(|| {
            if DEFAULT_KEYS.contains(&key) && inherits(job, "default", key) {
                defaults.get(key)
            } else {
                None
            }
        })
    };
    let script = match job.get("script").or_else(|| job.get("run")) {
        Some(value) => string_list(value, &format!("jobs:{name}:script config"))?,
        None if trigger.is_some() => Vec::new(),
        None => {
            return fail(format!(
                "jobs:{name} config should implement the script:, run:, or trigger: keyword"
            ));
        }
    };
    if script.is_empty() && trigger.is_none() {
        return fail(format!(
            "jobs:{name}:script config should be an array containing strings and arrays of strings"
        ));
    }
    let stage = match job.get("stage") {
        Some(Value::String(stage)) => stage.clone(),
        Some(_) => return fail(format!("jobs:{name}:stage config should be a string")),
        None => "test".into(),
    };
    if !stages.contains(&stage) {
        return fail(format!(
            "{name} job: chosen stage {stage} does not exist; available stages are {}",
            stages.join(", ")
        ));
    }
    let when = match job.get("when") {
        None => "on_success".to_string(),
        Some(Value::String(when))
            if [
                "on_success",
                "on_failure",
                "always",
                "manual",
                "delayed",
                "never",
            ]
            .contains(&when.as_str()) =>
        {
            when.clone()
        }
        Some(_) => {
            return fail(format!(
                "jobs:{name} when should be one of: on_success, on_failure, always, manual, delayed"
            ));
        }
    };
    // `start_in` belongs to delayed jobs (`when: delayed` here or in a rule), up to a week.
    let delayed = when == "delayed"
        || job
            .get("rules")
            .and_then(Value::as_sequence)
            .is_some_and(|rules| {
                rules
                    .iter()
                    .any(|rule| rule.get("when").and_then(Value::as_str) == Some("delayed"))
            });
    let start_in_seconds = match job.get("start_in") {
        None if when == "delayed" => {
            return fail(format!("jobs:{name} start in should be a duration"));
        }
        None => None,
        Some(_) if !delayed => {
            return fail(format!(
                "jobs:{name} start in must be blank when not a delayed job"
            ));
        }
        Some(value) => {
            let seconds = scalar_text(value)
                .and_then(|text| duration_seconds(&text))
                .ok_or_else(|| ConfigError(format!("jobs:{name} start in should be a duration")))?;
            if seconds > 604_800 {
                return fail(format!("jobs:{name} start in should not exceed the limit"));
            }
            Some(seconds)
        }
    };
    if job.contains_key("rules") && (job.contains_key("only") || job.contains_key("except")) {
        return fail(format!(
            "jobs:{name} may not be used with `rules`: only, except"
        ));
    }
    let (allow_failure, exit_codes) = match job.get("allow_failure") {
        None => (None, Vec::new()),
        Some(Value::Bool(flag)) => (Some(*flag), Vec::new()),
        Some(Value::Mapping(map)) => {
            let codes = match map.get("exit_codes") {
                Some(Value::Number(n)) => vec![n.as_i64().unwrap_or_default()],
                Some(Value::Sequence(items)) => items.iter().filter_map(Value::as_i64).collect(),
                _ => {
                    return fail(format!(
                        "jobs:{name}:allow_failure exit codes should be an array of integers or an integer"
                    ));
                }
            };
            (Some(false), codes)
        }
        Some(_) => {
            return fail(format!(
                "jobs:{name}:allow_failure config should be a hash or a boolean value"
            ));
        }
    };
    let needs = match job.get("needs") {
        None => None,
        Some(Value::Sequence(items)) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(job) => out.push(Need {
                        job: job.clone(),
                        artifacts: true,
                        optional: false,
                    }),
                    Value::Mapping(map) => {
                        let Some(job) = map.get("job").and_then(Value::as_str) else {
                            return fail(format!("jobs:{name}:needs:need job should be a string"));
                        };
                        if map.contains_key("project") || map.contains_key("pipeline") {
                            return fail(format!(
                                "jobs:{name}:needs: cross-project and parent pipeline needs are not supported by this GitLab fake"
                            ));
                        }
                        out.push(Need {
                            job: job.to_string(),
                            artifacts: map
                                .get("artifacts")
                                .and_then(Value::as_bool)
                                .unwrap_or(true),
                            optional: map
                                .get("optional")
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                        });
                    }
                    _ => {
                        return fail(format!(
                            "jobs:{name}:needs config can only be a hash or an array"
                        ));
                    }
                }
            }
            Some(out)
        }
        Some(_) => {
            return fail(format!(
                "jobs:{name}:needs config can only be a hash or an array"
            ));
        }
    };
    let mut job_variables: Vec<(String, String)> = if inherits(job, "variables", "")
        || job
            .get("inherit")
            .and_then(|i| i.get("variables"))
            .is_some_and(Value::is_sequence)
    {
        let keep: Option<Vec<String>> = match job.get("inherit").and_then(|i| i.get("variables")) {
            Some(Value::Sequence(keys)) => Some(
                keys.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        };
        global_variables
            .iter()
            .filter(|(key, _)| keep.as_ref().is_none_or(|keep| keep.contains(key)))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    for (key, value) in variables(job.get("variables"), &format!("jobs:{name}:variables"))? {
        job_variables.retain(|(existing, _)| *existing != key);
        job_variables.push((key, value));
    }
    let timeout_seconds = match get("timeout") {
        None => None,
        Some(value) => Some(
            scalar_text(value)
                .and_then(|text| duration_seconds(&text))
                .ok_or_else(|| {
                    ConfigError(format!("jobs:{name}:timeout config should be a duration"))
                })?,
        ),
    };
    let Retry {
        max: retry_max,
        when: retry_when,
        exit_codes: retry_exit_codes,
    } = retry(name, get("retry"))?;
    let environment_options = job
        .get("environment")
        .map(|value| environment(name, value))
        .transpose()?;
    let image = get("image").map(|image| match image {
        Value::String(name) => serde_json::json!({"name": name}),
        other => to_json(other),
    });
    let services = match get("services") {
        None => Vec::new(),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(name) => serde_json::json!({"name": name}),
                other => to_json(other),
            })
            .collect(),
        Some(_) => return fail(format!("jobs:{name}:services config should be a array")),
    };
    Ok(JobDef {
        name: name.to_string(),
        stage,
        script,
        before_script: get("before_script")
            .map(|v| string_list(v, &format!("jobs:{name}:before_script config")))
            .transpose()?
            .unwrap_or_default(),
        after_script: get("after_script")
            .map(|v| string_list(v, &format!("jobs:{name}:after_script config")))
            .transpose()?
            .unwrap_or_default(),
        image,
        services,
        variables: job_variables,
        rules: job
            .get("rules")
            .map(|r| rules(r, &format!("jobs:{name}:rules")))
            .transpose()?,
        only: job
            .get("only")
            .map(|v| ref_filter(v, &format!("jobs:{name}:only")))
            .transpose()?,
        except: job
            .get("except")
            .map(|v| ref_filter(v, &format!("jobs:{name}:except")))
            .transpose()?,
        when,
        allow_failure,
        allow_failure_exit_codes: exit_codes,
        needs,
        dependencies: job
            .get("dependencies")
            .map(|v| string_list(v, &format!("jobs:{name}:dependencies config")))
            .transpose()?,
        tags: get("tags")
            .map(|v| string_list(v, &format!("jobs:{name}:tags config")))
            .transpose()?
            .unwrap_or_default(),
        artifacts: get("artifacts").map(to_json),
        cache: get("cache").map(to_json),
        timeout_seconds,
        retry_max,
        retry_when,
        retry_exit_codes,
        parallel: job.get("parallel").map(|p| parallel(name, p)).transpose()?,
        environment: environment_options.as_ref().map(|spec| spec.name.clone()),
        environment_options,
        trigger,
        start_in_seconds,
        resource_group: match job.get("resource_group") {
            None => None,
            Some(Value::String(group)) if !group.is_empty() => Some(group.clone()),
            Some(_) => {
                return fail(format!("jobs:{name} resource group should be a string"));
            }
        },
        interruptible: match get("interruptible") {
            None => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                return fail(format!(
                    "jobs:{name} interruptible config should be a boolean value"
                ));
            }
        },
    })
}

/// The environment tiers GitLab knows, in its order.
pub const ENVIRONMENT_TIERS: &[&str] =
    &["production", "staging", "testing", "development", "other"];

/// Whether `name` is a valid environment name (GitLab's `environment_name_regex`): letters,
/// digits, `-`, `_`, `/`, `$`, `{`, `}`, `.` and spaces, not starting or ending with `/`.
pub fn valid_environment_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '$' | '{' | '}' | '.' | ' ')
        })
}

/// GitLab's message for a name `valid_environment_name` refuses.
pub const ENVIRONMENT_NAME_MESSAGE: &str = "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'";

/// `environment:` as GitLab's `Entry::Environment` reads it: a name, or a hash of `name`,
/// `url`, `action`, `on_stop`, `auto_stop_in`, `kubernetes` and `deployment_tier`.
fn environment(job: &str, value: &Value) -> Result<crate::model::EnvironmentSpec, ConfigError> {
    let location = format!("jobs:{job}:environment");
    let map = match value {
        Value::String(name) => {
            check_environment_name(&location, name)?;
            return Ok(crate::model::EnvironmentSpec {
                name: name.clone(),
                action: "start".into(),
                ..Default::default()
            });
        }
        Value::Mapping(map) => map,
        _ => return fail(format!("{location} config should be a hash or a string")),
    };
    for key in map.keys().filter_map(key_str) {
        if ![
            "name",
            "url",
            "action",
            "on_stop",
            "auto_stop_in",
            "kubernetes",
            "deployment_tier",
        ]
        .contains(&key)
        {
            return fail(format!("{location} config contains unknown keys: {key}"));
        }
    }
    let name = match map.get("name") {
        None | Some(Value::Null) => return fail(format!("{location} name can't be blank")),
        Some(Value::String(name)) => name.clone(),
        Some(_) => return fail(format!("{location} name {ENVIRONMENT_NAME_MESSAGE}")),
    };
    check_environment_name(&location, &name)?;
    let text = |key: &str, what: &str| -> Result<Option<String>, ConfigError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => fail(format!("{location} {what} should be a string")),
        }
    };
    let url = text("url", "url")?;
    if url.as_ref().is_some_and(|url| url.chars().count() > 255) {
        return fail(format!(
            "{location} url is too long (maximum is 255 characters)"
        ));
    }
    let action = text("action", "action")?.unwrap_or_else(|| "start".into());
    if !["start", "stop", "prepare", "verify", "access"].contains(&action.as_str()) {
        return fail(format!(
            "{location} action should be start, stop, prepare, verify, or access"
        ));
    }
    let deployment_tier = text("deployment_tier", "deployment tier")?;
    if let Some(tier) = &deployment_tier
        && !ENVIRONMENT_TIERS.contains(&tier.as_str())
    {
        return fail(format!(
            "{location} deployment tier must be one of {}",
            ENVIRONMENT_TIERS.join(", ")
        ));
    }
    let auto_stop_in = match map.get("auto_stop_in") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let text = scalar_text(value).unwrap_or_default();
            if text != "never" && duration_seconds(&text).is_none() {
                return fail(format!("{location} auto stop in should be a duration"));
            }
            Some(text)
        }
    };
    if let Some(kubernetes) = map.get("kubernetes")
        && !matches!(kubernetes, Value::Mapping(_) | Value::Null)
    {
        return fail(format!("{location} kubernetes should be a hash"));
    }
    Ok(crate::model::EnvironmentSpec {
        name,
        url,
        action,
        on_stop: text("on_stop", "on stop")?,
        auto_stop_in,
        deployment_tier,
    })
}

fn check_environment_name(location: &str, name: &str) -> Result<(), ConfigError> {
    if name.is_empty() {
        return fail(format!("{location} name can't be blank"));
    }
    if !valid_environment_name(name) {
        return fail(format!("{location} name {ENVIRONMENT_NAME_MESSAGE}"));
    }
    Ok(())
}

/// `environment:on_stop` must name a job that stops the same environment, as GitLab's
/// processor checks it.
fn check_on_stop(job: &JobDef, jobs: &[JobDef]) -> Result<(), ConfigError> {
    let Some(spec) = &job.environment_options else {
        return Ok(());
    };
    let Some(on_stop) = &spec.on_stop else {
        return Ok(());
    };
    let name = &job.name;
    let Some(stopper) = jobs.iter().find(|other| other.name == *on_stop) else {
        return fail(format!("{name} job: on_stop job {on_stop} is not defined"));
    };
    let Some(stopper_spec) = &stopper.environment_options else {
        return fail(format!(
            "{name} job: on_stop job {on_stop} does not have environment defined"
        ));
    };
    if stopper_spec.name != spec.name {
        return fail(format!(
            "{name} job: on_stop job {on_stop} have different environment name"
        ));
    }
    if stopper_spec.action != "stop" {
        return fail(format!(
            "{name} job: on_stop job {on_stop} needs to have action stop defined"
        ));
    }
    Ok(())
}

/// `retry:` as GitLab's `Entry::Retry` reads it: an integer (0 to 2), or a hash of `max`,
/// `when` (failure reasons or `always`) and `exit_codes`.
struct Retry {
    max: u32,
    when: Option<Vec<String>>,
    exit_codes: Option<Vec<i64>>,
}

fn retry(name: &str, value: Option<&Value>) -> Result<Retry, ConfigError> {
    let bounded = |n: &serde_yaml::Number, what: &str| -> Result<u32, ConfigError> {
        match n.as_i64() {
            Some(n) if n < 0 => fail(format!(
                "jobs:{name}:retry {what} must be greater than or equal to 0"
            )),
            Some(n) if n > 2 => fail(format!(
                "jobs:{name}:retry {what} must be less than or equal to 2"
            )),
            Some(n) => Ok(n as u32),
            None => fail(format!("jobs:{name}:retry {what} must be an integer")),
        }
    };
    let map = match value {
        None => {
            return Ok(Retry {
                max: 0,
                when: None,
                exit_codes: None,
            });
        }
        Some(Value::Number(n)) => {
            return Ok(Retry {
                max: bounded(n, "config")?,
                when: None,
                exit_codes: None,
            });
        }
        Some(Value::Mapping(map)) => map,
        Some(_) => {
            return fail(format!(
                "jobs:{name}:retry config has to be either an integer or a hash"
            ));
        }
    };
    let unknown: Vec<&str> = map
        .keys()
        .filter_map(key_str)
        .filter(|key| !["max", "when", "exit_codes"].contains(key))
        .collect();
    if !unknown.is_empty() {
        return fail(format!(
            "jobs:{name}:retry config contains unknown keys: {}",
            unknown.join(", ")
        ));
    }
    let max = match map.get("max") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => bounded(n, "max")?,
        Some(_) => return fail(format!("jobs:{name}:retry max is not a number")),
    };
    let when = match map.get("when") {
        None | Some(Value::Null) => None,
        Some(Value::String(reason)) => {
            if !retry_when_allowed(reason) {
                return fail(format!(
                    "jobs:{name}:retry when is not included in the list"
                ));
            }
            Some(vec![reason.clone()])
        }
        Some(Value::Sequence(items)) => {
            let Some(reasons) = items
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
            else {
                return fail(format!(
                    "jobs:{name}:retry when should be an array of strings or a string"
                ));
            };
            let unknown: Vec<&str> = reasons
                .iter()
                .map(String::as_str)
                .filter(|reason| !retry_when_allowed(reason))
                .collect();
            if !unknown.is_empty() {
                return fail(format!(
                    "jobs:{name}:retry when contains unknown values: {}",
                    unknown.join(", ")
                ));
            }
            Some(reasons)
        }
        Some(_) => {
            return fail(format!(
                "jobs:{name}:retry when should be an array of strings or a string"
            ));
        }
    };
    let exit_codes = match map.get("exit_codes") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().map(|code| vec![code]),
        Some(Value::Sequence(items)) if items.iter().all(|item| item.as_i64().is_some()) => {
            Some(items.iter().filter_map(Value::as_i64).collect())
        }
        Some(_) => {
            return fail(format!(
                "jobs:{name}:retry exit codes should be an array of integers or an integer"
            ));
        }
    };
    Ok(Retry {
        max,
        when,
        exit_codes,
    })
}

/// `retry: when:` takes GitLab's failure reasons and `always`.
fn retry_when_allowed(reason: &str) -> bool {
    reason == "always" || crate::engine::FAILURE_REASONS.contains(&reason)
}

/// `trigger:` as GitLab reads it: a project path (string), or `include` (child pipeline),
/// or `project` with `branch`; `strategy: depend`; `forward`.
fn trigger(name: &str, value: &Value) -> Result<crate::model::DownstreamSpec, ConfigError> {
    use crate::model::{DownstreamInclude, DownstreamSpec};
    let mut spec = DownstreamSpec {
        forward_yaml_variables: true,
        ..DownstreamSpec::default()
    };
    let map = match value {
        Value::String(project) => {
            spec.project = Some(project.clone());
            return Ok(spec);
        }
        Value::Mapping(map) => map,
        _ => {
            return fail(format!(
                "jobs:{name}:trigger config should be a hash or a string"
            ));
        }
    };
    for key in map.keys().filter_map(key_str) {
        if !["include", "project", "branch", "strategy", "forward"].contains(&key) {
            return fail(format!(
                "jobs:{name}:trigger config contains unknown keys: {key}"
            ));
        }
    }
    if map.contains_key("include") && map.contains_key("project") {
        return fail(format!(
            "jobs:{name}:trigger config contains unknown keys: project"
        ));
    }
    if let Some(include) = map.get("include") {
        let entries: Vec<Value> = match include {
            Value::Sequence(items) => items.clone(),
            other => vec![other.clone()],
        };
        if entries.is_empty() || entries.len() > 3 {
            return fail(format!(
                "jobs:{name}:trigger:include config must be between 1 and 3 entries"
            ));
        }
        for entry in entries {
            let include = match &entry {
                Value::String(path) => DownstreamInclude::Local(path.clone()),
                Value::Mapping(map) if map.contains_key("project") => {
                    let Some(Value::String(project)) = map.get("project") else {
                        return fail(format!(
                            "jobs:{name}:trigger:include config should be a hash"
                        ));
                    };
                    let files = match map.get("file") {
                        Some(value @ (Value::String(_) | Value::Sequence(_))) => {
                            string_list(value, "include:file")?
                        }
                        _ => {
                            return fail(format!(
                                "Included file `{project}` needs to be a string or an array of strings"
                            ));
                        }
                    };
                    let git_ref = map
                        .get("ref")
                        .map(|value| scalar_text(value).unwrap_or_default());
                    DownstreamInclude::Project {
                        project: project.clone(),
                        files,
                        git_ref,
                    }
                }
                Value::Mapping(map) if map.contains_key("template") => match map.get("template") {
                    Some(Value::String(template)) => DownstreamInclude::Template(template.clone()),
                    _ => {
                        return fail("Included file `template` needs to be a string");
                    }
                },
                Value::Mapping(map) => {
                    match (map.get("local"), map.get("artifact"), map.get("job")) {
                        (Some(Value::String(path)), None, None) => {
                            DownstreamInclude::Local(path.clone())
                        }
                        (None, Some(Value::String(path)), Some(Value::String(job))) => {
                            DownstreamInclude::Artifact {
                                job: job.clone(),
                                path: path.clone(),
                            }
                        }
                        (None, Some(_), None) => {
                            return fail(format!(
                                "jobs:{name}:trigger:include config must specify the job where to fetch the artifact from"
                            ));
                        }
                        _ => {
                            return fail(format!(
                                "jobs:{name}:trigger:include only `local`, `artifact`, `project` and `template` child pipeline files are supported by this GitLab fake"
                            ));
                        }
                    }
                }
                _ => {
                    return fail(format!(
                        "jobs:{name}:trigger:include config should be a hash"
                    ));
                }
            };
            spec.include.push(include);
        }
    }
    match map.get("project") {
        None => {}
        Some(Value::String(project)) => spec.project = Some(project.clone()),
        Some(_) => return fail(format!("jobs:{name}:trigger:project should be a string")),
    }
    if spec.include.is_empty() && spec.project.is_none() {
        return fail(format!(
            "jobs:{name}:trigger config must specify either project or include"
        ));
    }
    match map.get("branch") {
        None => {}
        Some(value) if spec.project.is_some() => {
            spec.branch = Some(scalar_text(value).unwrap_or_default());
        }
        Some(_) => {
            return fail(format!(
                "jobs:{name}:trigger config contains unknown keys: branch"
            ));
        }
    }
    match map.get("strategy") {
        None => {}
        Some(Value::String(strategy)) if strategy == "depend" => spec.depend = true,
        Some(_) => {
            return fail(format!(
                "jobs:{name}:trigger:strategy should be one of: depend"
            ));
        }
    }
    if let Some(Value::Mapping(forward)) = map.get("forward") {
        if let Some(flag) = forward.get("yaml_variables").and_then(Value::as_bool) {
            spec.forward_yaml_variables = flag;
        }
        if let Some(flag) = forward.get("pipeline_variables").and_then(Value::as_bool) {
            spec.forward_pipeline_variables = flag;
        }
    }
    Ok(spec)
}

/// `parallel: N` gives `name 1/N` ... `name N/N` with `CI_NODE_INDEX` and `CI_NODE_TOTAL`;
/// `parallel: matrix:` gives `name: [a, b]` per combination, with the combination's variables.
fn parallel(name: &str, value: &Value) -> Result<ParallelInstances, ConfigError> {
    match value {
        Value::Number(n) => {
            let total = n.as_u64().unwrap_or(0);
            if !(1..=200).contains(&total) {
                return fail(format!(
                    "jobs:{name}:parallel config must be greater than or equal to 1"
                ));
            }
            Ok((1..=total)
                .map(|index| {
                    (
                        format!(" {index}/{total}"),
                        vec![
                            ("CI_NODE_INDEX".to_string(), index.to_string()),
                            ("CI_NODE_TOTAL".to_string(), total.to_string()),
                        ],
                    )
                })
                .collect())
        }
        Value::Mapping(map) => {
            let Some(Value::Sequence(entries)) = map.get("matrix") else {
                return fail(format!(
                    "jobs:{name}:parallel should be an integer or a hash"
                ));
            };
            let mut instances: Vec<(String, Vec<(String, String)>)> = Vec::new();
            for entry in entries {
                let Value::Mapping(axes) = entry else {
                    return fail(format!(
                        "jobs:{name}:parallel:matrix config should be an array of hashes"
                    ));
                };
                // The cartesian product of this entry's axes, in the order they are written.
                let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
                for (axis, values) in axes {
                    let axis = axis.as_str().unwrap_or_default().to_string();
                    let values = string_list(values, &format!("jobs:{name}:parallel:matrix"))?;
                    combos = combos
                        .into_iter()
                        .flat_map(|combo| {
                            let axis = axis.clone();
                            values.iter().map(move |value| {
                                let mut next = combo.clone();
                                next.push((axis.clone(), value.clone()));
                                next
                            })
                        })
                        .collect();
                }
                for combo in combos {
                    let label = combo
                        .iter()
                        .map(|(_, v)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    instances.push((format!(": [{label}]"), combo));
                }
            }
            if instances.len() > 200 {
                return fail(format!(
                    "jobs:{name}:parallel:matrix config generates too many jobs (maximum is 200)"
                ));
            }
            Ok(instances)
        }
        _ => fail(format!(
            "jobs:{name}:parallel should be an integer or a hash"
        )),
    }
}

fn expand_parallel(jobs: Vec<JobDef>) -> Result<Vec<JobDef>, ConfigError> {
    // Names each parallel job expands to, so `needs` and `dependencies` can follow.
    let expansions: std::collections::BTreeMap<String, Vec<String>> = jobs
        .iter()
        .filter_map(|job| {
            job.parallel.as_ref().map(|instances| {
                (
                    job.name.clone(),
                    instances
                        .iter()
                        .map(|(suffix, _)| format!("{}{suffix}", job.name))
                        .collect(),
                )
            })
        })
        .collect();
    let mut out = Vec::new();
    for mut job in jobs {
        if let Some(needs) = &mut job.needs {
            *needs = needs
                .drain(..)
                .flat_map(|need| match expansions.get(&need.job) {
                    Some(names) => names
                        .iter()
                        .map(|name| Need {
                            job: name.clone(),
                            ..need.clone()
                        })
                        .collect(),
                    None => vec![need],
                })
                .collect();
        }
        if let Some(dependencies) = &mut job.dependencies {
            *dependencies = dependencies
                .drain(..)
                .flat_map(|d| expansions.get(&d).cloned().unwrap_or_else(|| vec![d]))
                .collect();
        }
        match job.parallel.take() {
            None => out.push(job),
            Some(instances) => {
                for (suffix, variables) in instances {
                    let mut instance = job.clone();
                    instance.name = format!("{}{suffix}", job.name);
                    for (key, value) in variables {
                        instance.variables.retain(|(k, _)| *k != key);
                        instance.variables.push((key, value));
                    }
                    out.push(instance);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
