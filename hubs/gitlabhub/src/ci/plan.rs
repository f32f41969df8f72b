//! Which jobs a pipeline gets: `workflow:rules`, then each job's `rules` (first match wins:
//! `if`, `changes`, `exists`; `when`, `allow_failure` and `variables` from the rule) or its
//! `only`/`except`, and the defaults GitLab applies (`when: manual` jobs may fail unless rules
//! chose them; a `needs` on a job that is not in the pipeline is an error unless optional).
//!
//! What this module must not do: create records (the engine does) or read the repository
//! (the caller passes the changed and existing files).

use std::collections::BTreeMap;

use super::config::{Config, JobDef, RefFilter, Rule};
use super::expr;

/// What the rules see of the pipeline being created.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Every variable: predefined `CI_*`, project and group variables, pipeline variables.
    pub variables: BTreeMap<String, String>,
    /// Files the push changed; `None` when unknown (API, web, schedule pipelines), where
    /// GitLab treats every `changes` as true.
    pub changed_files: Option<Vec<String>>,
    /// Every file in the commit, for `exists`.
    pub files: Vec<String>,
    /// `push`, `web`, `api`, `trigger`, `schedule`, `merge_request_event`...
    pub source: String,
    pub git_ref: String,
    pub tag: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedJob {
    pub def: JobDef,
    pub stage_index: usize,
    pub when: String,
    pub allow_failure: bool,
    /// Variables a matching rule added.
    pub rule_variables: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("Pipeline filtered out by workflow rules.")]
    FilteredOut,
    #[error("No stages / jobs for this pipeline.")]
    Empty,
    #[error("{0}")]
    Invalid(String),
}

/// Whether a glob from `changes`/`exists` matches `path` (`*` within a segment, `**` across).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn matches(pattern: &[u8], path: &[u8]) -> bool {
        match (pattern.first(), path.first()) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some(b'*'), _) if pattern.get(1) == Some(&b'*') => {
                let rest = &pattern[2..];
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=path.len()).any(|i| matches(rest, &path[i..]))
            }
            (Some(b'*'), _) => {
                let rest = &pattern[1..];
                (0..=path.len())
                    .take_while(|&i| i == 0 || path[i - 1] != b'/')
                    .any(|i| matches(rest, &path[i..]))
            }
            (Some(b'?'), Some(c)) if *c != b'/' => matches(&pattern[1..], &path[1..]),
            (Some(p), Some(c)) if p == c => matches(&pattern[1..], &path[1..]),
            _ => false,
        }
    }
    let pattern = pattern.trim_start_matches("./").trim_start_matches('/');
    // A directory pattern (`docs/`) matches everything below it.
    if let Some(dir) = pattern.strip_suffix('/') {
        return path.starts_with(&format!("{dir}/"));
    }
    matches(pattern.as_bytes(), path.as_bytes())
}

fn rule_matches(rule: &Rule, context: &Context, job: &str) -> Result<bool, PlanError> {
    if let Some(condition) = &rule.if_expr {
        let ok = expr::evaluate(condition, &context.variables).map_err(|_| {
            PlanError::Invalid(format!(
                "jobs:{job}:rules:rule if invalid expression syntax"
            ))
        })?;
        if !ok {
            return Ok(false);
        }
    }
    if let Some(patterns) = &rule.changes
        && let Some(changed) = &context.changed_files
        && !patterns.iter().any(|p| {
            changed
                .iter()
                .any(|f| glob_match(&expand(p, &context.variables), f))
        })
    {
        return Ok(false);
    }
    if let Some(patterns) = &rule.exists
        && !patterns.iter().any(|p| {
            context
                .files
                .iter()
                .any(|f| glob_match(&expand(p, &context.variables), f))
        })
    {
        return Ok(false);
    }
    Ok(true)
}

/// `$VAR` and `${VAR}` in `text` replaced from `variables` (unknown ones become empty).
pub fn expand(text: &str, variables: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            let (name, next) = if chars.get(i + 1) == Some(&'{') {
                match chars[i + 2..].iter().position(|c| *c == '}') {
                    Some(end) => (
                        chars[i + 2..i + 2 + end].iter().collect::<String>(),
                        i + 3 + end,
                    ),
                    None => (String::new(), i + 1),
                }
            } else {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                    .map_or(chars.len(), |p| i + 1 + p);
                (chars[i + 1..end].iter().collect(), end)
            };
            if name.is_empty() {
                out.push('$');
                i += 1;
            } else {
                out.push_str(variables.get(&name).map_or("", String::as_str));
                i = next;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `only`/`except` refs: keywords (`branches`, `tags`, `api`, `web`, `pushes`, `schedules`,
/// `triggers`, `merge_requests`, `external`, `pipelines`, `chat`), `/regex/` or a ref name.
fn ref_matches(filter: &RefFilter, context: &Context) -> bool {
    let refs_ok = filter.refs.is_empty()
        || filter.refs.iter().any(|pattern| match pattern.as_str() {
            "branches" => !context.tag && context.source != "merge_request_event",
            "tags" => context.tag,
            "api" => context.source == "api",
            "web" => context.source == "web",
            "pushes" => context.source == "push",
            "schedules" => context.source == "schedule",
            "triggers" => context.source == "trigger",
            "merge_requests" => context.source == "merge_request_event",
            "external" => context.source == "external",
            "pipelines" => context.source == "pipeline",
            "chat" => context.source == "chat",
            pattern
                if pattern.len() > 2
                    && pattern.starts_with('/')
                    && pattern.rfind('/').is_some_and(|end| end > 0) =>
            {
                let end = pattern.rfind('/').unwrap_or(0);
                let flags = &pattern[end + 1..];
                let body = &pattern[1..end];
                let source = if flags.contains('i') {
                    format!("(?i){body}")
                } else {
                    body.to_string()
                };
                regex_lite::Regex::new(&source).is_ok_and(|re| re.is_match(&context.git_ref))
            }
            name => name == context.git_ref,
        });
    let variables_ok = filter.variables.is_empty()
        || filter
            .variables
            .iter()
            .any(|e| expr::evaluate(e, &context.variables).unwrap_or(false));
    let changes_ok = filter.changes.is_empty()
        || match &context.changed_files {
            None => true,
            Some(changed) => filter
                .changes
                .iter()
                .any(|p| changed.iter().any(|f| glob_match(p, f))),
        };
    refs_ok && variables_ok && changes_ok
}

pub fn plan(config: &Config, context: &Context) -> Result<Vec<PlannedJob>, PlanError> {
    if let Some(rules) = &config.workflow_rules {
        let mut matched = None;
        for rule in rules {
            if rule_matches(rule, context, "workflow")? {
                matched = Some(rule);
                break;
            }
        }
        match matched {
            Some(rule) if rule.when.as_deref() != Some("never") => {}
            _ => return Err(PlanError::FilteredOut),
        }
    }
    let mut planned = Vec::new();
    for job in &config.jobs {
        let (when, allow_failure, rule_variables) = match &job.rules {
            Some(rules) => {
                let mut chosen = None;
                for rule in rules {
                    if rule_matches(rule, context, &job.name)? {
                        chosen = Some(rule);
                        break;
                    }
                }
                let Some(rule) = chosen else { continue };
                let when = rule.when.clone().unwrap_or_else(|| job.when.clone());
                if when == "never" {
                    continue;
                }
                // With rules, a manual job blocks unless it says it may fail.
                let allow = rule.allow_failure.or(job.allow_failure).unwrap_or(false);
                (when, allow, rule.variables.clone())
            }
            None => {
                let only = job.only.clone().unwrap_or(RefFilter {
                    refs: vec!["branches".into(), "tags".into()],
                    ..RefFilter::default()
                });
                if !ref_matches(&only, context) {
                    continue;
                }
                if let Some(except) = &job.except
                    && ref_matches(except, context)
                {
                    continue;
                }
                if job.when == "never" {
                    continue;
                }
                let allow = job.allow_failure.unwrap_or(job.when == "manual");
                (job.when.clone(), allow, Vec::new())
            }
        };
        let stage_index = config
            .stages
            .iter()
            .position(|stage| *stage == job.stage)
            .unwrap_or(0);
        planned.push(PlannedJob {
            def: job.clone(),
            stage_index,
            when,
            allow_failure,
            rule_variables,
        });
    }
    if planned.is_empty() {
        return Err(PlanError::Empty);
    }
    // `needs` must name jobs that are in this pipeline, and in earlier stages or the same one.
    for job in &planned {
        for need in job.def.needs.iter().flatten() {
            match planned.iter().find(|other| other.def.name == need.job) {
                None if need.optional => {}
                None => {
                    return Err(PlanError::Invalid(format!(
                        "'{}' job needs '{}' job, but '{}' does not exist in the pipeline. This might be because of the only, except, or rules keywords. To need a job that sometimes does not exist in the pipeline, use needs:optional.",
                        job.def.name, need.job, need.job
                    )));
                }
                Some(other) if other.stage_index > job.stage_index => {
                    return Err(PlanError::Invalid(format!(
                        "{} job: need {} is not defined in current or prior stages",
                        job.def.name, need.job
                    )));
                }
                Some(_) => {}
            }
        }
    }
    Ok(planned)
}
