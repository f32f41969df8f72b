//! The API runners speak (GitLab's `lib/api/ci/runner.rb`), as gitlab-runner and
//! gitlab-python-runner use it: registration with a registration token (instance, group or
//! project), `verify`, unregistration, the `POST /jobs/request` long poll (201 with the job
//! payload, or 204 with `X-GitLab-Last-Update` when nothing came within the poll window), job
//! state updates, incremental traces with `Content-Range` (416 and the real `Range` on a gap),
//! and artifacts upload and download. A job that was canceled answers its runner's next update
//! with 403 and `Job-Status: canceled`, which is how cancellation reaches the runner.
//!
//! What this module must not do: decide pipeline semantics (it calls `engine`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post, put};
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};

use crate::error::{GitlabError, Result};
use crate::model::{ArtifactsFile, Job, Runner, key};
use crate::params::Params;
use crate::state::{Gitlab, digest};

pub fn routes() -> Router<Arc<Gitlab>> {
    Router::new()
        .route(
            "/api/v4/runners",
            post(register)
                .delete(unregister)
                .get(crate::api::runners::list_owned),
        )
        .route("/api/v4/runners/verify", post(verify))
        .route("/api/v4/user/runners", post(create_user_runner))
        .route("/api/v4/jobs/request", post(request_job))
        .route("/api/v4/jobs/{id}", put(update_job))
        .route("/api/v4/jobs/{id}/trace", patch(append_trace))
        .route(
            "/api/v4/jobs/{id}/artifacts",
            post(upload_artifacts).get(download_artifacts),
        )
        .route(
            "/api/v4/jobs/{id}/artifacts/authorize",
            post(authorize_artifacts),
        )
}

/// The most artifacts a job may upload (GitLab's default maximum is 100 MB).
pub const MAX_ARTIFACTS_BYTES: u64 = 100 * 1024 * 1024;

impl Gitlab {
    fn runner_by_token(&self, token: &str) -> Option<Runner> {
        let id = self.db.runners_by_digest.get(&digest(token))?;
        self.db.runners.get(&key(id))
    }

    /// What a registration token registers: an instance runner, or a group's or project's.
    fn registration_scope(&self, token: &str) -> Option<(String, Vec<u64>, Vec<u64>)> {
        if token == self.runner_registration_token {
            return Some(("instance_type".into(), Vec::new(), Vec::new()));
        }
        if let Some((_, project)) = self
            .db
            .projects
            .all()
            .into_iter()
            .find(|(_, project)| project.runners_token == token)
        {
            return Some(("project_type".into(), vec![project.id], Vec::new()));
        }
        self.db
            .groups
            .all()
            .into_iter()
            .find(|(_, group)| group.runners_token == token)
            .map(|(_, group)| ("group_type".into(), Vec::new(), vec![group.id]))
    }

    /// Whether `runner` may run `job`: its scope reaches the project, it is not paused, and
    /// the job's tags are all among its tags (an untagged job needs `run_untagged`).
    fn runner_can_run(&self, runner: &Runner, job: &Job) -> bool {
        if runner.paused {
            return false;
        }
        let in_scope = match runner.runner_type.as_str() {
            "instance_type" => true,
            "project_type" => runner.project_ids.contains(&job.project_id),
            "group_type" => {
                self.project(job.project_id)
                    .is_some_and(|project| match project.owner {
                        crate::model::Owner::Group(group) => self
                            .group_ancestry(group)
                            .iter()
                            .any(|g| runner.group_ids.contains(&g.id)),
                        crate::model::Owner::User(_) => false,
                    })
            }
            _ => false,
        };
        let tags_ok = if job.spec.tags.is_empty() {
            runner.run_untagged
        } else {
            job.spec
                .tags
                .iter()
                .all(|tag| runner.tag_list.contains(tag))
        };
        in_scope && tags_ok
    }

    /// Takes the oldest pending job `runner` can run, marking it running. `cancel_gracefully`
    /// is what the runner's `info.features` said in this request.
    fn assign_job(&self, runner: &Runner, cancel_gracefully: bool) -> Result<Option<Job>> {
        let now = self.now();
        let assigned = {
            let _guard = self.engine.lock().unwrap_or_else(|p| p.into_inner());
            let candidate = self
                .db
                .jobs
                .all()
                .into_iter()
                .map(|(_, job)| job)
                .find(|job| {
                    job.status == "pending"
                        && !job.retried
                        && job.spec.trigger.is_none()
                        && self.runner_can_run(runner, job)
                });
            match candidate {
                None => None,
                Some(job) => self.db.jobs.update(&key(job.id), |record| {
                    record.status = "running".into();
                    record.runner_id = Some(runner.id);
                    record.started_at = Some(now.clone());
                    record.cancel_gracefully = cancel_gracefully;
                    record.clone()
                })?,
            }
        };
        if let Some(job) = &assigned {
            self.process_pipeline(job.pipeline_id)?;
        }
        Ok(assigned)
    }

    /// The job as `POST /jobs/request` presents it to a runner.
    fn job_payload(&self, job: &Job, runner: &Runner) -> Result<Value> {
        let project = self.project(job.project_id).ok_or(GitlabError::Internal)?;
        let pipeline = self
            .pipeline(job.pipeline_id)
            .ok_or(GitlabError::Internal)?;
        let mut variables: Vec<Value> = Vec::new();
        let mut push = |key: String,
                        value: String,
                        public: bool,
                        file: bool,
                        masked: bool,
                        raw: bool| {
            variables.push(json!({"key": key, "value": value, "public": public, "file": file, "masked": masked, "raw": raw}));
        };
        for (name, value) in self.predefined_variables(&project, &pipeline, Some(job)) {
            let secret = name == "CI_JOB_TOKEN"
                || name == "CI_BUILD_TOKEN"
                || name == "CI_REGISTRY_PASSWORD"
                || name == "CI_REPOSITORY_URL";
            push(name, value, !secret, false, secret, false);
        }
        push(
            "CI_RUNNER_ID".into(),
            runner.id.to_string(),
            true,
            false,
            false,
            false,
        );
        push(
            "CI_RUNNER_DESCRIPTION".into(),
            runner.description.clone(),
            true,
            false,
            false,
            false,
        );
        push(
            "CI_RUNNER_TAGS".into(),
            serde_json::to_string(&runner.tag_list).unwrap_or_default(),
            true,
            false,
            false,
            false,
        );
        // Configuration variables (global and job), then group and project variables, then
        // the pipeline's own: later entries win, as GitLab orders them.
        for (name, value) in &job.spec.variables {
            push(name.clone(), value.clone(), true, false, false, false);
        }
        // Dotenv reports of the jobs this one depends on rank above the configuration's
        // variables and below project and group variables, as GitLab orders them.
        for other in self.dependency_jobs(job) {
            for (name, value) in &other.dotenv {
                push(name.clone(), value.clone(), false, false, false, false);
            }
        }
        for variable in self.inherited_variables(&project) {
            if variable.protected && !self.pipeline_ref_protected(&pipeline) {
                continue;
            }
            push(
                variable.key,
                variable.value,
                false,
                variable.variable_type == "file",
                variable.masked,
                variable.raw,
            );
        }
        for variable in &pipeline.variables {
            push(
                variable.key.clone(),
                variable.value.clone(),
                false,
                variable.variable_type == "file",
                false,
                false,
            );
        }
        let timeout = job_timeout(job, runner);
        let mut steps = vec![json!({
            "name": "script",
            "script": job.spec.before_script.iter().chain(job.spec.script.iter()).collect::<Vec<_>>(),
            "timeout": timeout,
            "when": "on_success",
            "allow_failure": false,
        })];
        if !job.spec.after_script.is_empty() {
            steps.push(json!({
                "name": "after_script",
                "script": job.spec.after_script,
                "timeout": timeout,
                "when": "always",
                "allow_failure": true,
            }));
        }
        let git_depth = job
            .spec
            .variables
            .iter()
            .find(|(name, _)| name == "GIT_DEPTH")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .unwrap_or(project.ci_default_git_depth);
        let ref_type = if pipeline.tag { "tag" } else { "branch" };
        let mut refspecs = Vec::new();
        if pipeline.merge_request_iid.is_some() {
            // A merge request pipeline's commit is fetched through the pipeline's own ref,
            // as GitLab's persistent pipeline refs (`refs/pipelines/:id`).
            refspecs.push(format!(
                "+refs/pipelines/{0}:refs/pipelines/{0}",
                pipeline.id
            ));
        } else if git_depth > 0 {
            refspecs.push(if pipeline.tag {
                format!("+refs/tags/{0}:refs/tags/{0}", pipeline.git_ref)
            } else {
                format!("+refs/heads/{0}:refs/remotes/origin/{0}", pipeline.git_ref)
            });
        } else {
            refspecs.push("+refs/heads/*:refs/remotes/origin/*".to_string());
            refspecs.push("+refs/tags/*:refs/tags/*".to_string());
        }
        let base = self.external_url();
        let (scheme, authority) = base.split_once("://").unwrap_or(("http", &base));
        let artifacts = job.spec.artifacts.as_ref().map(|artifacts| {
            let mut entries = Vec::new();
            if artifacts.get("paths").is_some() || artifacts.get("untracked").is_some() {
                entries.push(json!({
                    "name": artifacts.get("name"),
                    "untracked": artifacts.get("untracked").and_then(Value::as_bool).unwrap_or(false),
                    "paths": artifacts.get("paths").cloned().unwrap_or(json!([])),
                    "exclude": artifacts.get("exclude").cloned().unwrap_or(json!([])),
                    "when": artifacts.get("when").and_then(Value::as_str).unwrap_or("on_success"),
                    "expire_in": artifacts.get("expire_in"),
                    "artifact_type": "archive",
                    "artifact_format": "zip",
                }));
            }
            // Reports are uploaded whatever the script's outcome, each as its own artifact.
            if let Some(dotenv) = artifacts.get("reports").and_then(|r| r.get("dotenv")) {
                let paths = match dotenv {
                    Value::String(path) => json!([path]),
                    other => other.clone(),
                };
                entries.push(json!({
                    "name": ".env.gz",
                    "untracked": false,
                    "paths": paths,
                    "exclude": [],
                    "when": "always",
                    "expire_in": artifacts.get("expire_in"),
                    "artifact_type": "dotenv",
                    "artifact_format": "gzip",
                }));
            }
            Value::Array(entries)
        });
        let dependencies = self.dependencies_of(job);
        Ok(json!({
            "id": job.id,
            "token": job.token,
            "allow_git_fetch": true,
            "job_info": {
                "id": job.id,
                "name": job.name,
                "stage": job.stage,
                "project_id": project.id,
                "project_name": project.name,
                "project_jobs_running_on_instance_runners_count": "+Inf",
                "time_in_queue_seconds": 0,
                "queue_size": 0,
                "queue_depth": 0,
            },
            "git_info": {
                "repo_url": format!("{scheme}://gitlab-ci-token:{}@{authority}/{}.git", job.token, project.path_with_namespace),
                "repo_object_format": "sha1",
                "ref": pipeline.git_ref,
                "sha": pipeline.sha,
                "before_sha": pipeline.before_sha,
                "ref_type": ref_type,
                "refspecs": refspecs,
                "depth": git_depth,
            },
            "runner_info": {"timeout": timeout, "runner_session_url": null},
            "variables": variables,
            "steps": steps,
            "image": job.spec.image.as_ref().map(|image| json!({
                "name": image.get("name"),
                "entrypoint": image.get("entrypoint"),
                "ports": [],
                "pull_policy": image.get("pull_policy"),
            })),
            "services": job.spec.services.iter().map(|service| json!({
                "name": service.get("name"),
                "alias": service.get("alias"),
                "entrypoint": service.get("entrypoint"),
                "command": service.get("command"),
                "variables": service.get("variables").map(|vars| match vars {
                    Value::Object(map) => Value::Array(map.iter().map(|(k, v)| json!({"key": k, "value": v})).collect()),
                    other => other.clone(),
                }),
                "ports": [],
            })).collect::<Vec<_>>(),
            "artifacts": artifacts,
            "cache": self.cache_entries(&project, &pipeline, job, &variables),
            "credentials": [{
                "type": "registry",
                "url": authority,
                "username": "gitlab-ci-token",
                "password": job.token,
            }],
            "dependencies": dependencies,
            "features": {
                "trace_sections": true,
                "failure_reasons": ["unknown_failure", "script_failure", "api_failure", "stuck_or_timeout_failure", "runner_system_failure", "job_execution_timeout"],
            },
        }))
    }

    /// The job's caches as GitLab hands them to runners: each key resolved (variables
    /// expanded; `key: {files, prefix}` as the SHA-1 of the last commits that touched those
    /// files, or `default`) and suffixed `-protected` or `-non_protected` (GitLab keeps
    /// separate caches for protected refs), with the defaults filled in.
    fn cache_entries(
        &self,
        project: &crate::model::Project,
        pipeline: &crate::model::Pipeline,
        job: &Job,
        variables: &[Value],
    ) -> Value {
        let entries = match &job.spec.cache {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        };
        let values: std::collections::BTreeMap<String, String> = variables
            .iter()
            .filter_map(|v| {
                Some((
                    v["key"].as_str()?.to_string(),
                    v["value"].as_str()?.to_string(),
                ))
            })
            .collect();
        let protected = self.pipeline_ref_protected(pipeline);
        let caches: Vec<Value> = entries
            .iter()
            .filter_map(Value::as_object)
            .map(|entry| {
                let key = match entry.get("key") {
                    None | Some(Value::Null) => "default".to_string(),
                    Some(Value::String(key)) => crate::ci::plan::expand(key, &values),
                    Some(Value::Object(spec)) => self.files_cache_key(project, pipeline, spec, &values),
                    Some(other) => other.to_string(),
                };
                let unprotect = entry.get("unprotect").and_then(Value::as_bool).unwrap_or(false);
                let suffix = if protected && !unprotect { "protected" } else { "non_protected" };
                let paths = match entry.get("paths") {
                    Some(Value::Array(paths)) => Value::Array(paths.clone()),
                    Some(Value::String(path)) => json!([path]),
                    _ => json!([]),
                };
                json!({
                    "key": format!("{key}-{suffix}"),
                    "untracked": entry.get("untracked").and_then(Value::as_bool).unwrap_or(false),
                    "policy": entry.get("policy").and_then(Value::as_str).unwrap_or("pull-push"),
                    "paths": paths,
                    "when": entry.get("when").and_then(Value::as_str).unwrap_or("on_success"),
                    "fallback_keys": entry.get("fallback_keys").cloned().unwrap_or_else(|| json!([])),
                    "unprotect": unprotect,
                })
            })
            .collect();
        Value::Array(caches)
    }

    /// `cache: key: {files: [...], prefix: ...}`: the prefix and the SHA-1 of the IDs of the
    /// last commits that changed those files (`default` when none did).
    fn files_cache_key(
        &self,
        project: &crate::model::Project,
        pipeline: &crate::model::Pipeline,
        spec: &serde_json::Map<String, Value>,
        values: &std::collections::BTreeMap<String, String>,
    ) -> String {
        use sha1::Digest;
        let files: Vec<&str> = match spec.get("files") {
            Some(Value::Array(files)) => files.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut ids: Vec<String> = match self.repo(project) {
            Ok(repo) => files
                .iter()
                .filter_map(|path| repo.log(&pipeline.sha, Some(path), 0, 1).ok()?.pop())
                .map(|commit| commit.sha)
                .collect(),
            Err(_) => Vec::new(),
        };
        ids.sort();
        ids.dedup();
        let digest = if ids.is_empty() {
            "default".to_string()
        } else {
            hex::encode(sha1::Sha1::digest(ids.join("-").as_bytes()))
        };
        let prefix = spec
            .get("prefix")
            .and_then(Value::as_str)
            .map(|prefix| crate::ci::plan::expand(prefix, values))
            .unwrap_or_default();
        if prefix.is_empty() {
            digest
        } else {
            format!("{prefix}-{digest}")
        }
    }

    /// The jobs whose artifacts `job` downloads: its `dependencies`, else the needed jobs that
    /// pass artifacts, else every job of earlier stages. Each entry carries *this* job's token,
    /// which is what the runner downloads with.
    fn dependencies_of(&self, job: &Job) -> Vec<Value> {
        self.dependency_jobs(job)
            .into_iter()
            .map(|other| {
                let mut entry = json!({"id": other.id, "name": other.name, "token": job.token});
                if let Some(file) = &other.artifacts_file {
                    entry["artifacts_file"] = json!({"filename": file.filename, "size": file.size});
                }
                entry
            })
            .collect()
    }

    /// The jobs whose artifacts (and dotenv variables) `job` receives: its `dependencies`,
    /// else the jobs it `needs` with artifacts, else every job of the earlier stages.
    fn dependency_jobs(&self, job: &Job) -> Vec<Job> {
        let jobs: Vec<Job> = self
            .pipeline_jobs(job.pipeline_id)
            .into_iter()
            .filter(|other| !other.retried && other.id != job.id)
            .collect();
        let chosen: Vec<&Job> = match (&job.spec.dependencies, &job.spec.needs_artifacts) {
            (Some(names), _) => jobs
                .iter()
                .filter(|other| names.contains(&other.name))
                .collect(),
            (None, Some(names)) => jobs
                .iter()
                .filter(|other| names.contains(&other.name))
                .collect(),
            (None, None) => jobs
                .iter()
                .filter(|other| other.stage_index < job.stage_index)
                .collect(),
        };
        chosen.into_iter().cloned().collect()
    }

    /// The job `id` a runner is processing (`running`, or `canceling` while the runner stops
    /// it) whose token is `token` (from the body or `Job-Token`): `403` with `Job-Status`
    /// when it is not processed any more, as GitLab answers.
    fn running_job(
        &self,
        id: &str,
        token: Option<String>,
    ) -> std::result::Result<Job, Box<Response>> {
        let Ok(id) = id.parse::<u64>() else {
            return Err(Box::new(GitlabError::not_found("Job").into_response()));
        };
        let Some(job) = self.job(id) else {
            return Err(Box::new(GitlabError::not_found("Job").into_response()));
        };
        if token.as_deref() != Some(job.token.as_str()) {
            return Err(Box::new(GitlabError::Unauthorized.into_response()));
        }
        if job.status != "running" && job.status != "canceling" {
            let mut response =
                GitlabError::ForbiddenBecause("Job is not processing on runner".into())
                    .into_response();
            if let Ok(value) = HeaderValue::from_str(&job.status) {
                response.headers_mut().insert("job-status", value);
            }
            return Err(Box::new(response));
        }
        Ok(job)
    }
}

/// What a runner says about itself in `info`.
struct RunnerInfo {
    name: Option<String>,
    version: Option<String>,
    revision: Option<String>,
    platform: Option<String>,
    architecture: Option<String>,
    executor: Option<String>,
}

fn runner_info(params: &Params) -> RunnerInfo {
    let info = params.get("info");
    let field = |name: &str| {
        info.and_then(|info| info.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    RunnerInfo {
        name: field("name"),
        version: field("version"),
        revision: field("revision"),
        platform: field("platform"),
        architecture: field("architecture"),
        executor: field("executor"),
    }
}

async fn register(
    State(gitlab): State<Arc<Gitlab>>,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let token = params.required_str("token")?;
    let Some(scope) = gitlab.registration_scope(&token) else {
        return Err(GitlabError::Forbidden);
    };
    create_runner(&gitlab, &params, scope)
}

/// `POST /user/runners`: the runner-creation flow that replaced registration tokens. A user
/// creates the runner (an administrator for `instance_type`, a maintainer of the project, an
/// owner of the group) and gets its `glrt-` authentication token.
async fn create_user_runner(
    State(gitlab): State<Arc<Gitlab>>,
    caller: crate::auth::Caller,
    params: Params,
) -> Result<(StatusCode, Json<Value>)> {
    let user = caller.require_personal()?.clone();
    let runner_type = params.required_str("runner_type")?;
    let insufficient = || GitlabError::ForbiddenBecause("Insufficient permissions".into());
    let scope = match runner_type.as_str() {
        "instance_type" => {
            if !user.is_admin {
                return Err(insufficient());
            }
            (runner_type, Vec::new(), Vec::new())
        }
        "group_type" => {
            let group_id = params.required_str("group_id")?;
            let group = gitlab.visible_group(&caller, &group_id)?;
            if gitlab.group_access(&user, group.id) < crate::model::access::OWNER {
                return Err(insufficient());
            }
            (runner_type, Vec::new(), vec![group.id])
        }
        "project_type" => {
            let project_id = params.required_str("project_id")?;
            let (project, level) = gitlab.visible_project(&caller, &project_id)?;
            if level < crate::model::access::MAINTAINER {
                return Err(insufficient());
            }
            (runner_type, vec![project.id], Vec::new())
        }
        _ => {
            return Err(GitlabError::InvalidParameter(
                "runner_type does not have a valid value".into(),
            ));
        }
    };
    create_runner(&gitlab, &params, scope)
}

/// Stores a new runner of `scope` (type, projects, groups) with the settings `params` give,
/// and answers its ID and authentication token.
fn create_runner(
    gitlab: &Gitlab,
    params: &Params,
    (runner_type, project_ids, group_ids): (String, Vec<u64>, Vec<u64>),
) -> Result<(StatusCode, Json<Value>)> {
    let access_level = params
        .str("access_level")?
        .unwrap_or_else(|| "not_protected".into());
    if access_level != "not_protected" && access_level != "ref_protected" {
        return Err(GitlabError::InvalidParameter(
            "access_level does not have a valid value".into(),
        ));
    }
    let RunnerInfo {
        name,
        version,
        revision,
        platform,
        architecture,
        executor,
    } = runner_info(params);
    let maximum_timeout = params.int("maximum_timeout")?;
    check_maximum_timeout(maximum_timeout)?;
    let id = gitlab.next_id("runners")?;
    let secret = gitlab.new_token("glrt-");
    let paused = match (params.bool("paused")?, params.bool("active")?) {
        (Some(paused), _) => paused,
        (None, Some(active)) => !active,
        (None, None) => false,
    };
    let runner = Runner {
        id,
        digest: digest(&secret),
        description: params.str("description")?.unwrap_or_default(),
        paused,
        locked: params.bool("locked")?.unwrap_or(true),
        run_untagged: params.bool("run_untagged")?.unwrap_or(true),
        tag_list: params.list("tag_list")?.unwrap_or_default(),
        runner_type,
        project_ids,
        group_ids,
        maximum_timeout,
        access_level,
        created_at: gitlab.now(),
        contacted_at: None,
        name,
        version,
        revision,
        platform,
        architecture,
        ip_address: None,
        executor,
    };
    gitlab.kit.store().transaction(|txn| {
        txn.insert(&gitlab.db.runners, &key(id), runner.clone())?;
        txn.insert(&gitlab.db.runners_by_digest, &runner.digest, id)?;
        Ok::<_, GitlabError>(())
    })?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "token": secret, "token_expires_at": null})),
    ))
}

async fn verify(State(gitlab): State<Arc<Gitlab>>, params: Params) -> Result<Json<Value>> {
    let token = params.required_str("token")?;
    let runner = gitlab
        .runner_by_token(&token)
        .ok_or(GitlabError::Forbidden)?;
    Ok(Json(
        json!({"id": runner.id, "token": token, "token_expires_at": null}),
    ))
}

async fn unregister(State(gitlab): State<Arc<Gitlab>>, params: Params) -> Result<StatusCode> {
    let token = params.required_str("token")?;
    let runner = gitlab
        .runner_by_token(&token)
        .ok_or(GitlabError::Forbidden)?;
    gitlab.delete_runner(&runner)?;
    Ok(StatusCode::NO_CONTENT)
}

impl Gitlab {
    pub fn delete_runner(&self, runner: &Runner) -> Result<()> {
        self.kit.store().transaction(|txn| {
            txn.remove(&self.db.runners, &key(runner.id))?;
            txn.remove(&self.db.runners_by_digest, &runner.digest)?;
            Ok::<_, GitlabError>(())
        })
    }
}

async fn request_job(
    State(gitlab): State<Arc<Gitlab>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response> {
    let token = params.required_str("token")?;
    let runner = gitlab
        .runner_by_token(&token)
        .ok_or(GitlabError::Forbidden)?;
    let RunnerInfo {
        name,
        version,
        revision,
        platform,
        architecture,
        executor,
    } = runner_info(&params);
    let cancel_gracefully = params
        .get("info")
        .and_then(|info| info.get("features"))
        .and_then(|features| features.get("cancel_gracefully"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let now = gitlab.now();
    let peer = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    gitlab.db.runners.update(&key(runner.id), |record| {
        record.contacted_at = Some(now.clone());
        record.name = name.or(record.name.take());
        record.version = version.or(record.version.take());
        record.revision = revision.or(record.revision.take());
        record.platform = platform.or(record.platform.take());
        record.architecture = architecture.or(record.architecture.take());
        record.executor = executor.or(record.executor.take());
        record.ip_address = peer
            .or(record.ip_address.take())
            .or(Some("127.0.0.1".into()));
    })?;
    // Long poll: wait for a job to be queued, up to the poll window. The notification is
    // armed before each look, so a job queued in between is not missed.
    let deadline = tokio::time::Instant::now() + gitlab.long_poll;
    let stop = gitlab.stop_polls.notified();
    tokio::pin!(stop);
    stop.as_mut().enable();
    loop {
        let queued = gitlab.jobs_queued.notified();
        tokio::pin!(queued);
        queued.as_mut().enable();
        if let Some(job) = gitlab.assign_job(&runner, cancel_gracefully)? {
            let payload = gitlab.job_payload(&job, &runner)?;
            return Ok((StatusCode::CREATED, Json(payload)).into_response());
        }
        if gitlab.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        tokio::select! {
            woken = tokio::time::timeout_at(deadline, queued) => {
                if woken.is_err() {
                    break;
                }
            }
            () = &mut stop => break,
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let last_update = gitlab.db.jobs.version().to_string();
    if let Ok(value) = HeaderValue::from_str(&last_update) {
        response.headers_mut().insert("x-gitlab-last-update", value);
    }
    Ok(response)
}

fn job_token(headers: &HeaderMap, params: &Params) -> Option<String> {
    headers
        .get("job-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| params.str("token").ok().flatten())
}

async fn update_job(
    State(gitlab): State<Arc<Gitlab>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let job = match gitlab.running_job(&id, job_token(&headers, &params)) {
        Ok(job) => job,
        Err(response) => return *response,
    };
    let state = params.str("state").ok().flatten();
    let exit_code = params.int("exit_code").ok().flatten();
    // A reason GitLab does not know (the runner's `job_canceled`, say) is recorded as
    // `unknown_failure`, as GitLab's pending build states map it.
    let failure_reason = params.str("failure_reason").ok().flatten().map(|reason| {
        if crate::engine::FAILURE_REASONS.contains(&reason.as_str()) {
            reason
        } else {
            "unknown_failure".to_string()
        }
    });
    let result = match state.as_deref() {
        Some("success") => gitlab.finish_job(job.id, "success", None, exit_code),
        Some("failed") => gitlab.finish_job(job.id, "failed", failure_reason, exit_code),
        // `running` is a keep-alive.
        Some("running") => Ok(job),
        _ => {
            let mut response = (StatusCode::BAD_REQUEST, "400").into_response();
            job_status_headers(&mut response, &job.status);
            return response;
        }
    };
    match result {
        Ok(job) => {
            let mut response = (StatusCode::OK, "200").into_response();
            job_status_headers(&mut response, &job.status);
            response
        }
        Err(error) => error.into_response(),
    }
}

/// `Job-Status`: what the runner acts on (`canceling` asks it to stop, `canceled` or `failed`
/// to abort).
fn job_status_headers(response: &mut Response, status: &str) {
    if let Ok(value) = HeaderValue::from_str(status) {
        response.headers_mut().insert("job-status", value);
    }
}

/// The timeout a job runs with: its `timeout:` (else the project's 1 hour), capped by the
/// runner's `maximum_timeout`, the smaller winning as GitLab's timeout calculator decides.
pub fn job_timeout(job: &Job, runner: &Runner) -> u64 {
    let own = job.spec.timeout_seconds.unwrap_or(PROJECT_BUILD_TIMEOUT);
    match runner.maximum_timeout {
        Some(cap) if cap > 0 => own.min(cap as u64),
        _ => own,
    }
}

/// A project's default job timeout (`build_timeout`), in seconds.
pub const PROJECT_BUILD_TIMEOUT: u64 = 3600;

/// The least `maximum_timeout` a runner may have (GitLab: 10 minutes).
pub const MIN_RUNNER_TIMEOUT: i64 = 600;

/// GitLab's check of a runner's `maximum_timeout`.
pub fn check_maximum_timeout(value: Option<i64>) -> Result<()> {
    match value {
        Some(seconds) if seconds < MIN_RUNNER_TIMEOUT => Err(GitlabError::Validation(vec![(
            "maximum_timeout".into(),
            "needs to be at least 10 minutes".into(),
        )])),
        _ => Ok(()),
    }
}

/// `Content-Range: START-END`: the offset the chunk starts at.
fn range_start(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(http::header::CONTENT_RANGE)?.to_str().ok()?;
    let value = value.trim().trim_start_matches("bytes").trim();
    value.split('-').next()?.trim().parse().ok()
}

async fn append_trace(
    State(gitlab): State<Arc<Gitlab>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = headers
        .get("job-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let job = match gitlab.running_job(&id, token) {
        Ok(job) => job,
        Err(response) => return *response,
    };
    let Some(start) = range_start(&headers) else {
        return GitlabError::BadRequest("Missing header Content-Range".into()).into_response();
    };
    let chunk = String::from_utf8_lossy(&body).into_owned();
    let result = gitlab.kit.store().transaction(|txn| {
        let mut trace = txn
            .get(&gitlab.db.traces, &key(job.id))?
            .unwrap_or_default();
        let length = trace.len() as u64;
        if start != length {
            return Err(GitlabError::RangeNotSatisfiable {
                trace_length: length,
            });
        }
        trace.push_str(&chunk);
        let new_length = trace.len() as u64;
        txn.insert(&gitlab.db.traces, &key(job.id), trace)?;
        txn.update(&gitlab.db.jobs, &key(job.id), |record| {
            record.trace_length = new_length
        })?;
        Ok(new_length)
    });
    match result {
        Ok(length) => {
            let mut response = StatusCode::ACCEPTED.into_response();
            // The status as it is now: a cancel that came in while the chunk was written
            // reaches the runner with this reply.
            let status = gitlab
                .job(job.id)
                .map_or_else(|| job.status.clone(), |job| job.status);
            job_status_headers(&mut response, &status);
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&format!("0-{length}")) {
                headers.insert(http::header::RANGE, value);
            }
            headers.insert(
                "x-gitlab-trace-update-interval",
                HeaderValue::from_static("3"),
            );
            response
        }
        Err(error) => error.into_response(),
    }
}

async fn authorize_artifacts(
    State(gitlab): State<Arc<Gitlab>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    if let Err(response) = gitlab.running_job(&id, job_token(&headers, &params)) {
        return *response;
    }
    if params
        .int("filesize")
        .ok()
        .flatten()
        .is_some_and(|size| size as u64 > MAX_ARTIFACTS_BYTES)
    {
        return GitlabError::TooLarge.into_response();
    }
    (
        StatusCode::OK,
        Json(json!({"TempPath": "", "MaximumSize": MAX_ARTIFACTS_BYTES})),
    )
        .into_response()
}

async fn upload_artifacts(
    State(gitlab): State<Arc<Gitlab>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let token = headers
        .get("job-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let job = match gitlab.running_job(&id, token) {
        Ok(job) => job,
        Err(response) => return *response,
    };
    let mut file: Option<(String, axum::body::Bytes)> = None;
    let mut format = "zip".to_string();
    let mut file_type = "archive".to_string();
    let mut expire_in: Option<String> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let filename = field.file_name().map(str::to_string);
                let Ok(bytes) = field.bytes().await else {
                    return GitlabError::BadRequest("artifacts upload was cut short".into())
                        .into_response();
                };
                match name.as_str() {
                    "file" => {
                        file = Some((filename.unwrap_or_else(|| "artifacts.zip".into()), bytes))
                    }
                    "artifact_format" => format = String::from_utf8_lossy(&bytes).into_owned(),
                    "artifact_type" => file_type = String::from_utf8_lossy(&bytes).into_owned(),
                    "expire_in" => expire_in = Some(String::from_utf8_lossy(&bytes).into_owned()),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                return GitlabError::BadRequest("invalid multipart body".into()).into_response();
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return GitlabError::missing("file").into_response();
    };
    if bytes.len() as u64 > MAX_ARTIFACTS_BYTES {
        return GitlabError::TooLarge.into_response();
    }
    if file_type == "dotenv" {
        return match crate::dotenv::parse_gzipped(&bytes) {
            Ok(variables) => match gitlab
                .db
                .jobs
                .update(&key(job.id), |job| job.dotenv = variables)
            {
                Ok(_) => (StatusCode::CREATED, "201").into_response(),
                Err(error) => GitlabError::from(error).into_response(),
            },
            Err(message) => GitlabError::BadRequest(message).into_response(),
        };
    }
    if file_type != "archive" {
        // Other reports (junit, coverage...) are accepted by GitLab; this fake stores only
        // archives and dotenv variables, and says so rather than pretend.
        return GitlabError::BadRequest(format!(
            "artifact_type {file_type} is not supported by this GitLab fake"
        ))
        .into_response();
    }
    let path = gitlab.artifacts_path(job.id);
    let written = path
        .parent()
        .map(std::fs::create_dir_all)
        .unwrap_or(Ok(()))
        .and_then(|()| std::fs::write(&path, &bytes));
    if let Err(error) = written {
        tracing::error!(%error, "writing artifacts");
        return GitlabError::Internal.into_response();
    }
    let expire_at = expire_in
        .as_deref()
        .and_then(crate::ci::config::duration_seconds)
        .map(|seconds| {
            crate::state::format_time(
                gitlab.kit.clock().now() + std::time::Duration::from_secs(seconds),
            )
        });
    let record = ArtifactsFile {
        filename,
        size: bytes.len() as u64,
        file_format: format,
        file_type,
        expire_at,
    };
    match gitlab
        .db
        .jobs
        .update(&key(job.id), |job| job.artifacts_file = Some(record))
    {
        Ok(_) => (StatusCode::CREATED, "201").into_response(),
        Err(error) => GitlabError::from(error).into_response(),
    }
}

/// `GET /jobs/:id/artifacts` as runners call it: with the token of a running job of the
/// same project.
async fn download_artifacts(
    State(gitlab): State<Arc<Gitlab>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response> {
    let token = job_token(&headers, &params).ok_or(GitlabError::Unauthorized)?;
    let caller_job = gitlab
        .job_for_token(&token)
        .ok_or(GitlabError::Unauthorized)?;
    let id: u64 = id.parse().map_err(|_| GitlabError::not_found("Job"))?;
    let job = gitlab
        .job(id)
        .ok_or_else(|| GitlabError::not_found("Job"))?;
    if job.project_id != caller_job.project_id {
        return Err(GitlabError::Forbidden);
    }
    artifacts_response(&gitlab, &job)
}

/// The archive of `job`, streamed from disk.
pub fn artifacts_response(gitlab: &Gitlab, job: &Job) -> Result<Response> {
    let file = job
        .artifacts_file
        .as_ref()
        .ok_or_else(|| GitlabError::not_found("Artifacts"))?;
    let bytes = std::fs::read(gitlab.artifacts_path(job.id)).map_err(|error| {
        tracing::error!(%error, job = job.id, "artifacts missing on disk");
        GitlabError::not_found("Artifacts")
    })?;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        file.filename.replace('"', "")
    )) {
        headers.insert(http::header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
