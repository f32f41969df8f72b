//! `on:` — which events start a workflow, with their filters.
//!
//! `on` may be one event name, a list, or a mapping of events to their settings. `push` and
//! `pull_request` take `branches`/`branches-ignore`, `tags`/`tags-ignore` (push only) and
//! `paths`/`paths-ignore`; an event may use one of each pair, not both. For a push, defining
//! only `branches` means tags do not trigger and the reverse; `paths` filters do not apply to
//! tags. `pull_request` filters on the base branch and its `types` (default `opened`,
//! `synchronize`, `reopened`). `workflow_dispatch` declares typed inputs, `repository_dispatch`
//! its `types`, `schedule` its cron lines.
//!
//! What this module must not do: know about repositories; the caller says which ref moved and
//! which paths changed.

use serde_json::{Map, Value};

use super::glob::PatternList;
use super::locate::Segment;
use super::{Checker, scalar_text, with};

/// A filter from one of the `x`/`x-ignore` pairs.
#[derive(Debug, Clone, Default)]
pub enum Filter {
    #[default]
    Unset,
    Include(PatternList),
    Ignore(PatternList),
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl Filter {
    pub fn is_set(&self) -> bool {
        !matches!(self, Filter::Unset)
    }

    /// Whether a single name (a branch, a tag) passes.
    pub fn admits(&self, name: &str) -> bool {
        match self {
            Filter::Unset => true,
            Filter::Include(list) => list.includes(name),
            Filter::Ignore(list) => !list.patterns.iter().any(|p| p.matches(name)),
        }
    }

    /// Whether a set of changed paths passes: `paths` needs one included path, `paths-ignore`
    /// skips only when every path is ignored.
    pub fn admits_paths(&self, paths: &[String]) -> bool {
        match self {
            Filter::Unset => true,
            Filter::Include(list) => paths.iter().any(|p| list.includes(p)),
            Filter::Ignore(list) => {
                paths.is_empty()
                    || !paths
                        .iter()
                        .all(|p| list.patterns.iter().any(|pat| pat.matches(p)))
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefFilters {
    pub branches: Filter,
    pub tags: Filter,
    pub paths: Filter,
    /// `pull_request` activity types.
    pub types: Vec<String>,
}

/// The type of a `workflow_dispatch` input.
#[derive(Debug, Clone, PartialEq)]
pub enum InputType {
    String,
    Boolean,
    Number,
    Choice(Vec<String>),
    Environment,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: String,
    pub description: Option<String>,
    pub required: bool,
    pub default: Option<Value>,
    pub kind: InputType,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triggers {
    pub push: Option<RefFilters>,
    pub pull_request: Option<RefFilters>,
    pub pull_request_target: Option<RefFilters>,
    pub workflow_dispatch: Option<Vec<Input>>,
    /// `repository_dispatch` with its `types` (empty: any type).
    pub repository_dispatch: Option<Vec<String>>,
    pub schedule: Vec<String>,
    pub workflow_call: bool,
    /// Every event named, in order, including ones without filters here (`issues`, `release`).
    pub events: Vec<String>,
}

/// An event that happened in a repository.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// `git_ref` is `refs/heads/x` or `refs/tags/x`; `changed_paths` is `None` when unknown.
    Push {
        git_ref: &'a str,
        changed_paths: Option<&'a [String]>,
    },
    PullRequest {
        action: &'a str,
        base_ref: &'a str,
        changed_paths: Option<&'a [String]>,
    },
    WorkflowDispatch,
    RepositoryDispatch {
        event_type: &'a str,
    },
    Schedule,
}

impl Event<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Push { .. } => "push",
            Event::PullRequest { .. } => "pull_request",
            Event::WorkflowDispatch => "workflow_dispatch",
            Event::RepositoryDispatch { .. } => "repository_dispatch",
            Event::Schedule => "schedule",
        }
    }
}

impl Triggers {
    /// Whether `event` starts this workflow.
    pub fn matches(&self, event: &Event<'_>) -> bool {
        match event {
            Event::Push {
                git_ref,
                changed_paths,
            } => {
                let Some(filters) = &self.push else {
                    return false;
                };
                if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
                    if filters.branches.is_set() && !filters.tags.is_set() {
                        return false;
                    }
                    return filters.tags.admits(tag);
                }
                let branch = git_ref.strip_prefix("refs/heads/").unwrap_or(git_ref);
                if filters.tags.is_set() && !filters.branches.is_set() {
                    return false;
                }
                filters.branches.admits(branch)
                    && changed_paths.is_none_or(|p| filters.paths.admits_paths(p))
            }
            Event::PullRequest {
                action,
                base_ref,
                changed_paths,
            } => {
                let Some(filters) = &self.pull_request else {
                    return false;
                };
                let types: Vec<&str> = if filters.types.is_empty() {
                    vec!["opened", "synchronize", "reopened"]
                } else {
                    filters.types.iter().map(String::as_str).collect()
                };
                let branch = base_ref.strip_prefix("refs/heads/").unwrap_or(base_ref);
                types.contains(action)
                    && filters.branches.admits(branch)
                    && changed_paths.is_none_or(|p| filters.paths.admits_paths(p))
            }
            Event::WorkflowDispatch => self.workflow_dispatch.is_some(),
            Event::RepositoryDispatch { event_type } => self
                .repository_dispatch
                .as_ref()
                .is_some_and(|types| types.is_empty() || types.iter().any(|t| t == event_type)),
            Event::Schedule => !self.schedule.is_empty(),
        }
    }
}

/// Events GitHub knows; anything else in `on:` is an error.
const EVENTS: &[&str] = &[
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "deployment",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "issue_comment",
    "issues",
    "label",
    "merge_group",
    "milestone",
    "page_build",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "push",
    "registry_package",
    "release",
    "repository_dispatch",
    "schedule",
    "status",
    "watch",
    "workflow_call",
    "workflow_dispatch",
    "workflow_run",
];

pub(super) fn parse(checker: &mut Checker<'_>, path: &[Segment], value: &Value) -> Triggers {
    let mut events: Map<String, Value> = Map::new();
    // Where each event is written: a key of the mapping, an item of the list, or `on` itself.
    let mut places: Vec<Vec<Segment>> = Vec::new();
    match value {
        Value::String(name) => {
            events.insert(name.clone(), Value::Null);
            places.push(path.to_vec());
        }
        Value::Array(names) => {
            for (i, name) in names.iter().enumerate() {
                match name {
                    Value::String(n) => {
                        events.insert(n.clone(), Value::Null);
                        places.push(with(path, Segment::Index(i)));
                    }
                    other => checker.value_problem(
                        &with(path, Segment::Index(i)),
                        format!("Unexpected value '{}'", scalar_text(other)),
                    ),
                }
            }
        }
        Value::Object(map) => {
            events = map.clone();
            places = map
                .keys()
                .map(|k| with(path, Segment::Key(k.clone())))
                .collect();
        }
        _ => checker.value_problem(path, "No event triggers defined in `on`"),
    }
    let mut triggers = Triggers::default();
    if events.is_empty() && matches!(value, Value::Object(_) | Value::Array(_)) {
        checker.value_problem(path, "No event triggers defined in `on`");
    }
    for (index, (name, settings)) in events.iter().enumerate() {
        let event_path = with(path, Segment::Key(name.clone()));
        if !EVENTS.contains(&name.as_str()) {
            let place = places
                .get(index)
                .cloned()
                .unwrap_or_else(|| event_path.clone());
            checker.value_problem(&place, format!("Unexpected value '{name}'"));
            continue;
        }
        triggers.events.push(name.clone());
        match name.as_str() {
            "push" => triggers.push = Some(ref_filters(checker, &event_path, settings, true)),
            "pull_request" => {
                triggers.pull_request = Some(ref_filters(checker, &event_path, settings, false))
            }
            "pull_request_target" => {
                triggers.pull_request_target =
                    Some(ref_filters(checker, &event_path, settings, false))
            }
            "workflow_dispatch" => {
                triggers.workflow_dispatch = Some(dispatch_inputs(checker, &event_path, settings))
            }
            "repository_dispatch" => {
                let types = settings.get("types").map(strings).unwrap_or_default();
                triggers.repository_dispatch = Some(types);
            }
            "schedule" => match settings {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        match item.get("cron").and_then(Value::as_str) {
                            Some(cron) if cron.split_whitespace().count() == 5 => {
                                triggers.schedule.push(cron.to_string())
                            }
                            Some(cron) => checker.value_problem(
                                &with(
                                    &with(&event_path, Segment::Index(i)),
                                    Segment::Key("cron".into()),
                                ),
                                format!("Invalid cron expression '{cron}'"),
                            ),
                            None => checker.problem(
                                &with(&event_path, Segment::Index(i)),
                                "Required property is missing: cron",
                            ),
                        }
                    }
                }
                _ => checker.value_problem(&event_path, "A sequence was expected"),
            },
            "workflow_call" => triggers.workflow_call = true,
            _ => {}
        }
    }
    triggers
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        _ => Vec::new(),
    }
}

fn ref_filters(
    checker: &mut Checker<'_>,
    path: &[Segment],
    settings: &Value,
    push: bool,
) -> RefFilters {
    let mut filters = RefFilters::default();
    let Value::Object(map) = settings else {
        return filters;
    };
    let mut allowed = vec![
        "branches",
        "branches-ignore",
        "paths",
        "paths-ignore",
        "types",
    ];
    if push {
        allowed = vec![
            "branches",
            "branches-ignore",
            "tags",
            "tags-ignore",
            "paths",
            "paths-ignore",
        ];
    }
    checker.unknown_keys(path, map, &allowed);
    for (field, slot) in [
        ("branches", &mut filters.branches),
        ("tags", &mut filters.tags),
        ("paths", &mut filters.paths),
    ] {
        let ignore = format!("{field}-ignore");
        if map.contains_key(field) && map.contains_key(&ignore) {
            checker.problem(
                path,
                format!("you may only define one of `{field}` and `{ignore}` for a single event"),
            );
            continue;
        }
        for (key, is_ignore) in [(field, false), (ignore.as_str(), true)] {
            let Some(value) = map.get(key) else { continue };
            let patterns = strings(value);
            match PatternList::parse(&patterns) {
                Ok(list) => {
                    *slot = if is_ignore {
                        Filter::Ignore(list)
                    } else {
                        Filter::Include(list)
                    }
                }
                Err(e) => {
                    checker.value_problem(&with(path, Segment::Key(key.to_string())), e.to_string())
                }
            }
        }
    }
    if let Some(types) = map.get("types") {
        filters.types = strings(types);
    }
    filters
}

fn dispatch_inputs(checker: &mut Checker<'_>, path: &[Segment], settings: &Value) -> Vec<Input> {
    let Some(inputs) = settings.get("inputs").and_then(Value::as_object) else {
        return Vec::new();
    };
    let inputs_path = with(path, Segment::Key("inputs".into()));
    let mut out = Vec::new();
    for (name, spec) in inputs {
        let input_path = with(&inputs_path, Segment::Key(name.clone()));
        let spec = spec.as_object().cloned().unwrap_or_default();
        checker.unknown_keys(
            &input_path,
            &spec,
            &["description", "required", "default", "type", "options"],
        );
        let kind = match spec.get("type").and_then(Value::as_str).unwrap_or("string") {
            "string" => InputType::String,
            "boolean" => InputType::Boolean,
            "number" => InputType::Number,
            "environment" => InputType::Environment,
            "choice" => {
                let options = spec.get("options").map(strings).unwrap_or_default();
                if options.is_empty() {
                    checker.problem(&input_path, "Required property is missing: options");
                }
                InputType::Choice(options)
            }
            other => {
                checker.value_problem(
                    &with(&input_path, Segment::Key("type".into())),
                    format!("Unexpected value '{other}'"),
                );
                InputType::String
            }
        };
        out.push(Input {
            name: name.clone(),
            description: spec.get("description").map(scalar_text),
            required: spec
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            default: spec.get("default").cloned(),
            kind,
        });
    }
    out
}

/// A `workflow_dispatch` request's inputs refused as GitHub's REST API refuses them (422).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    #[error("Workflow does not have 'workflow_dispatch' trigger")]
    NotDispatchable,
    #[error("Required input '{0}' not provided")]
    Missing(String),
    #[error("Unexpected inputs provided: {0:?}")]
    Unexpected(Vec<String>),
    #[error("Provided value '{value}' for input '{input}' not in the list of allowed values")]
    NotAllowed { input: String, value: String },
    #[error("Provided value for input '{0}' is not a valid boolean")]
    NotBoolean(String),
    #[error("Provided value for input '{0}' is not a valid number")]
    NotNumber(String),
}

/// The `inputs` context of a dispatched run: provided values checked against the declared
/// inputs, defaults filled in; booleans and numbers typed.
pub fn dispatch_context(
    triggers: &Triggers,
    provided: &Map<String, Value>,
) -> Result<Map<String, Value>, DispatchError> {
    let declared = triggers
        .workflow_dispatch
        .as_ref()
        .ok_or(DispatchError::NotDispatchable)?;
    let unexpected: Vec<String> = provided
        .keys()
        .filter(|k| !declared.iter().any(|i| &i.name == *k))
        .cloned()
        .collect();
    if !unexpected.is_empty() {
        return Err(DispatchError::Unexpected(unexpected));
    }
    let mut out = Map::new();
    for input in declared {
        let value = match provided.get(&input.name) {
            Some(v) => Some(scalar_text(v)),
            None => input.default.as_ref().map(scalar_text),
        };
        let Some(value) = value else {
            if input.required {
                return Err(DispatchError::Missing(input.name.clone()));
            }
            let empty = match input.kind {
                InputType::Boolean => Value::Bool(false),
                _ => Value::String(String::new()),
            };
            out.insert(input.name.clone(), empty);
            continue;
        };
        let typed = match &input.kind {
            InputType::Boolean => match value.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(DispatchError::NotBoolean(input.name.clone())),
            },
            InputType::Number => {
                let n: f64 = value
                    .trim()
                    .parse()
                    .map_err(|_| DispatchError::NotNumber(input.name.clone()))?;
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| DispatchError::NotNumber(input.name.clone()))?
            }
            InputType::Choice(options) => {
                if !options.contains(&value) {
                    return Err(DispatchError::NotAllowed {
                        input: input.name.clone(),
                        value,
                    });
                }
                Value::String(value)
            }
            InputType::String | InputType::Environment => Value::String(value),
        };
        out.insert(input.name.clone(), typed);
    }
    Ok(out)
}
