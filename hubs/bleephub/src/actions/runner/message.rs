//! The job message a runner receives (`PipelineAgentJobRequest`), in the JSON the runner's
//! `AgentJobRequestMessage` reads, and the two encodings inside it:
//!
//! - **template tokens** (`TemplateToken`): a literal string, boolean or number is itself; a
//!   string holding `${{ }}` is a basic-expression token `{"type": 3, "expr": "…"}` so the
//!   runner evaluates it where GitHub does (`run`, `env`, `with`, `if`, `working-directory`);
//!   sequences are `{"type": 1, "seq": […]}`, mappings `{"type": 2, "map": [{"key", "value"}]}`;
//! - **context data** (`PipelineContextData`): strings, booleans and numbers are themselves;
//!   arrays `{"t": 1, "a": […]}`, dictionaries `{"t": 2, "d": [{"k", "v"}]}`.
//!
//! What this module must not do: evaluate expressions the runner evaluates, or read the clock.

use serde_json::{Map, Value, json};

use ::actions::expr::template;
use ::actions::workflow::{Job, Step, Workflow};

/// A YAML/JSON value as a template token; strings with `${{ }}` become expressions.
pub fn token(value: &Value) -> Value {
    match value {
        Value::String(text) if template::has_expression(text) => match template::split(text) {
            Ok(segments) => json!({"type": 3, "expr": template::to_expression_source(&segments)}),
            // The workflow check already refused unclosed expressions; keep the text if not.
            Err(_) => Value::String(text.clone()),
        },
        Value::Array(items) => {
            json!({"type": 1, "seq": items.iter().map(token).collect::<Vec<_>>()})
        }
        Value::Object(map) => mapping(map.iter().map(|(k, v)| (k.as_str(), token(v)))),
        Value::Null => json!({"type": 7}),
        other => other.clone(),
    }
}

/// A mapping token from already-made tokens.
pub fn mapping<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let pairs: Vec<Value> = pairs
        .into_iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    json!({"type": 2, "map": pairs})
}

/// A JSON value as pipeline context data.
pub fn context_data(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            json!({"t": 1, "a": items.iter().map(context_data).collect::<Vec<_>>()})
        }
        Value::Object(map) => {
            let pairs: Vec<Value> = map
                .iter()
                .map(|(k, v)| json!({"k": k, "v": context_data(v)}))
                .collect();
            json!({"t": 2, "d": pairs})
        }
        other => other.clone(),
    }
}

/// The runner's step for a workflow step: `run:` as a script action with its inputs, `uses:`
/// as a repository action (`owner/repo@ref`, `./path`) or a container (`docker://image`).
pub fn step(job: &Job, step: &Step, index: usize, ids: &dyn simkit::ids::IdGen) -> Value {
    let context_name = step.id.clone().unwrap_or_else(|| {
        if index == 0 {
            "__run".to_string()
        } else {
            format!("__run_{index}")
        }
    });
    let (reference, inputs) = match (&step.run, &step.uses) {
        (Some(script), _) => {
            let mut inputs: Vec<(&str, Value)> =
                vec![("script", token(&Value::String(script.clone())))];
            let shell = step.shell.clone().or_else(|| job.defaults.shell.clone());
            if let Some(shell) = &shell {
                inputs.push(("shell", token(&Value::String(shell.clone()))));
            }
            let directory = step
                .working_directory
                .clone()
                .or_else(|| job.defaults.working_directory.clone());
            if let Some(directory) = &directory {
                inputs.push(("workingDirectory", token(&Value::String(directory.clone()))));
            }
            (json!({"type": "script"}), mapping(inputs))
        }
        (None, Some(uses)) => {
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
            let with = step.with.iter().map(|(k, v)| (k.as_str(), token(v)));
            (reference, mapping(with))
        }
        (None, None) => (json!({"type": "script"}), mapping([])),
    };
    let mut out = json!({
        "type": "action",
        "id": ids.uuid(),
        "name": context_name,
        "contextName": context_name,
        "condition": step.condition.clone().map(|c| if template::has_expression(&c) { c } else { c.trim().to_string() }).unwrap_or_else(|| "success()".to_string()),
        "reference": reference,
        "inputs": inputs,
    });
    if let Some(name) = &step.name {
        out["displayNameToken"] = token(&Value::String(name.clone()));
    }
    if !step.env.is_empty() {
        out["environment"] = token(&Value::Object(step.env.clone()));
    }
    if step.continue_on_error != Value::Bool(false) && step.continue_on_error != Value::Null {
        out["continueOnError"] = token(&step.continue_on_error);
    }
    if let Some(minutes) = &step.timeout_minutes {
        out["timeoutInMinutes"] = token(minutes);
    }
    out
}

/// What the message needs besides the workflow and the job.
pub struct JobMessageInput<'a> {
    pub workflow: &'a Workflow,
    pub job: &'a Job,
    pub display_name: &'a str,
    pub request_id: u64,
    pub plan_id: &'a str,
    pub timeline_id: &'a str,
    pub job_guid: &'a str,
    pub scope_id: &'a str,
    pub locked_until: &'a str,
    /// The base URL of the runner service (`SystemVssConnection`).
    pub service_url: &'a str,
    pub job_access_token: &'a str,
    /// The hub's web origin, where the results service answers.
    pub html_url: &'a str,
    pub github_token: &'a str,
    /// The repository's secrets (its organization's under them), sent as secret variables.
    pub secrets: &'a std::collections::BTreeMap<String, String>,
    /// The contexts by name: `github`, `needs`, `strategy`, `matrix`, `inputs`, `vars`, `secrets`.
    pub contexts: Map<String, Value>,
    pub run_id: u64,
    pub workflow_name: &'a str,
}

/// The `AgentJobRequestMessage` JSON for a job.
pub fn job_request(input: &JobMessageInput<'_>, ids: &dyn simkit::ids::IdGen) -> Value {
    let job = input.job;
    let steps: Vec<Value> = job
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| step(job, s, i, ids))
        .collect();
    let mut environment = Vec::new();
    if !input.workflow.env.is_empty() {
        environment.push(token(&Value::Object(input.workflow.env.clone())));
    }
    if !job.env.is_empty() {
        environment.push(token(&Value::Object(job.env.clone())));
    }
    let defaults: Vec<Value> = [&input.workflow.defaults, &job.defaults]
        .into_iter()
        .filter(|d| d.shell.is_some() || d.working_directory.is_some())
        .map(|d| {
            let mut run = Map::new();
            if let Some(shell) = &d.shell {
                run.insert("shell".into(), Value::String(shell.clone()));
            }
            if let Some(dir) = &d.working_directory {
                run.insert("working-directory".into(), Value::String(dir.clone()));
            }
            token(&json!({"run": run}))
        })
        .collect();
    let contexts: Vec<Value> = input
        .contexts
        .iter()
        .map(|(k, v)| json!({"k": k, "v": context_data(v)}))
        .collect();
    let secret = |value: &str| json!({"value": value, "isSecret": true});
    let plain = |value: String| json!({"value": value});
    let mut message = json!({
        "messageType": "PipelineAgentJobRequest",
        "plan": {
            "scopeIdentifier": input.scope_id,
            "planType": "actions",
            "version": 1,
            "planId": input.plan_id,
            "planGroup": null,
            "artifactUri": null,
            "artifactLocation": null,
            "definition": {"id": input.run_id, "name": input.workflow_name},
            "owner": {"id": input.run_id, "name": input.workflow_name},
        },
        "timeline": {"id": input.timeline_id, "changeId": 1, "location": null},
        "jobId": input.job_guid,
        "jobDisplayName": input.display_name,
        "jobName": job.id,
        "requestId": input.request_id,
        "lockedUntil": input.locked_until,
        "resources": {
            "endpoints": [{
                "id": "00000000-0000-0000-0000-000000000000",
                "name": "SystemVssConnection",
                "type": "ExternalConnection",
                "url": input.service_url,
                "authorization": {"scheme": "OAuth", "parameters": {"AccessToken": input.job_access_token}},
                // The results service (artifacts, caches) is this hub's own origin.
                "data": {"ResultsServiceUrl": format!("{}/", input.html_url)},
                "isShared": false,
                "isReady": true,
            }],
            "repositories": [],
            "containers": [],
        },
        "contextData": {"t": 2, "d": contexts},
        "variables": {
            "system.github.token": secret(input.github_token),
            "system.github.job": plain(job.id.clone()),
            "system.phaseDisplayName": plain(input.display_name.to_string()),
            "system.runner.lowdiskspacethreshold": plain("100".into()),
            "DistributedTask.NewActionMetadata": plain("true".into()),
            // The cache lives in the results service (v2), as on GitHub today.
            "actions_uses_cache_service_v2": plain("true".into()),
        },
        "mask": [{"type": "regex", "value": input.github_token}],
        "steps": steps,
        "fileTable": [input.workflow.path],
        "workspace": {},
    });
    for (name, value) in input.secrets {
        message["variables"][name] = secret(value);
    }
    if !environment.is_empty() {
        message["environmentVariables"] = Value::Array(environment);
    }
    if !defaults.is_empty() {
        message["defaults"] = Value::Array(defaults);
    }
    if let Some(container) = &job.container {
        message["jobContainer"] = token(&container.raw);
    }
    if !job.services.is_empty() {
        let services = job
            .services
            .iter()
            .map(|(name, c)| (name.as_str(), token(&c.raw)));
        message["jobServiceContainers"] = mapping(services);
    }
    if !job.outputs.is_empty() {
        message["jobOutputs"] = token(&Value::Object(job.outputs.clone()));
    }
    message
}

/// Whether a job's `runs-on` labels are all among an agent's (case does not count).
pub fn labels_match(job_labels: &[String], agent_labels: &[String]) -> bool {
    !job_labels.is_empty()
        && job_labels
            .iter()
            .all(|l| agent_labels.iter().any(|a| a.eq_ignore_ascii_case(l)))
}

/// The workflow's job of a record, from the run's workflow file.
pub fn job_of<'a>(workflow: &'a Workflow, job_key: &str) -> Option<&'a Job> {
    workflow.job(job_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_context_data_have_the_runner_shapes() {
        assert_eq!(token(&json!("plain")), json!("plain"));
        assert_eq!(
            token(&json!("echo ${{ matrix.os }}")),
            json!({"type": 3, "expr": "format('echo {0}', matrix.os)"})
        );
        assert_eq!(
            token(&json!({"A": "${{ env.B }}", "N": 1})),
            json!({"type": 2, "map": [
                {"key": "A", "value": {"type": 3, "expr": "env.B"}},
                {"key": "N", "value": 1},
            ]})
        );
        assert_eq!(token(&json!([true])), json!({"type": 1, "seq": [true]}));
        assert_eq!(
            context_data(&json!({"a": [1, "x"], "b": true})),
            json!({"t": 2, "d": [
                {"k": "a", "v": {"t": 1, "a": [1, "x"]}},
                {"k": "b", "v": true},
            ]})
        );
    }

    #[test]
    fn labels_match_as_github_assigns_jobs() {
        let agent = vec![
            "self-hosted".to_string(),
            "Linux".to_string(),
            "X64".to_string(),
        ];
        assert!(labels_match(
            &["self-hosted".into(), "linux".into()],
            &agent
        ));
        assert!(!labels_match(&["ubuntu-latest".into()], &agent));
        assert!(!labels_match(&[], &agent));
    }
}
