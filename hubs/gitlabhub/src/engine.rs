//! The stateful half of the pipeline engine: pipelines and jobs as records, created from a
//! commit's `.gitlab-ci.yml` (through `ci`), moved through GitLab's statuses as runners report
//! and as users cancel, retry and play them.
//!
//! A job waits in `created` until what it depends on is complete (its `needs`, or every job of
//! the earlier stages), then becomes `pending` (or `manual`, or `skipped` when its `when` says
//! so); runners take `pending` jobs. The pipeline's status is the composite of its jobs'.
//! Every change to jobs happens under one lock, so two runners finishing at once cannot both
//! advance the same pipeline.
//!
//! What this module must not do: speak HTTP or the runner protocol (that is `runner_api`).

use std::collections::BTreeMap;

use simkit::git::RefUpdate;

use crate::ci::config::{self, JobDef};
use crate::ci::plan::{self, Context, PlanError};
use crate::error::{GitlabError, Result};
use crate::model::{Job, JobSpec, Pipeline, PipelineVariable, Project, User, key};
use crate::repository::read_text;
use crate::state::{Gitlab, digest, records_under};

/// What creating a pipeline needs.
#[derive(Debug, Clone)]
pub struct NewPipeline {
    pub git_ref: String,
    pub tag: bool,
    pub sha: String,
    pub before_sha: String,
    pub source: String,
    pub variables: Vec<PipelineVariable>,
    /// Files the push changed, when known.
    pub changed_files: Option<Vec<String>>,
    /// The merge request a `merge_request_event` pipeline runs for.
    pub merge_request_iid: Option<u64>,
    /// The configuration to use instead of the repository's (a child pipeline's).
    pub config_source: Option<String>,
    /// The bridge that starts this pipeline.
    pub upstream: Option<crate::model::Upstream>,
}

pub const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// The pipeline status GitLab derives from its jobs' statuses (non-retried jobs only), with
/// failures of jobs that may fail counted as successes.
pub fn composite_status(jobs: &[(&str, bool)]) -> &'static str {
    if jobs.is_empty() {
        return "skipped";
    }
    let any = |status: &str| jobs.iter().any(|(s, _)| *s == status);
    let started = jobs
        .iter()
        .any(|(s, _)| matches!(*s, "running" | "success" | "failed" | "canceled"));
    if any("running") {
        return "running";
    }
    if any("pending") {
        return if started { "running" } else { "pending" };
    }
    if any("waiting_for_resource") {
        return if started {
            "running"
        } else {
            "waiting_for_resource"
        };
    }
    if any("scheduled") && !any("created") {
        return "scheduled";
    }
    if any("created") {
        // Waiting behind a blocking manual job, or about to be processed.
        if jobs.iter().any(|(s, allow)| *s == "manual" && !allow) {
            return "manual";
        }
        return if started { "running" } else { "created" };
    }
    if any("canceling") {
        // A runner is still stopping a job it was asked to cancel.
        return "canceling";
    }
    if jobs.iter().any(|(s, allow)| *s == "failed" && !allow) {
        return "failed";
    }
    if any("canceled") {
        return "canceled";
    }
    if jobs.iter().any(|(s, allow)| *s == "manual" && !allow) {
        return "manual";
    }
    if jobs.iter().all(|(s, _)| matches!(*s, "skipped" | "manual")) {
        return if any("manual") { "manual" } else { "skipped" };
    }
    "success"
}

/// `CI_COMMIT_REF_SLUG`: lower case, anything but letters and digits as `-`, at most 63.
pub fn slug(text: &str) -> String {
    let mut out: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    out.truncate(63);
    out.trim_matches('-').to_string()
}

impl Gitlab {
    pub(crate) fn engine_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn pipeline(&self, id: u64) -> Option<Pipeline> {
        self.db.pipelines.get(&key(id))
    }

    pub fn job(&self, id: u64) -> Option<Job> {
        self.db.jobs.get(&key(id))
    }

    /// Jobs of a pipeline, in ID order.
    pub fn pipeline_jobs(&self, pipeline_id: u64) -> Vec<Job> {
        self.db
            .jobs
            .all()
            .into_iter()
            .map(|(_, job)| job)
            .filter(|job| job.pipeline_id == pipeline_id)
            .collect()
    }

    /// Starts the pipeline a push asks for: a branch or tag created or moved (not deleted).
    pub fn pipeline_for_push(&self, project: &Project, user: &User, update: &RefUpdate) {
        if update.old.is_none()
            && let Some(branch) = update.name.strip_prefix("refs/heads/")
            && let Err(error) = self.protect_default_branch_once(project, branch)
        {
            tracing::error!(%error, "protecting the default branch");
        }
        // The protection above changed the project record; read it again.
        let project = &self.project(project.id).unwrap_or_else(|| project.clone());
        self.push_hooks(project, user, update);
        self.merge_requests_after_push(project, user, update);
        let Some(new) = &update.new else { return };
        let (git_ref, tag) = if let Some(branch) = update.name.strip_prefix("refs/heads/") {
            (branch.to_string(), false)
        } else if let Some(tag) = update.name.strip_prefix("refs/tags/") {
            (tag.to_string(), true)
        } else {
            return;
        };
        let Ok(repo) = self.repo(project) else { return };
        // Tags point at tag objects when annotated; pipelines run on the commit (`resolve`
        // peels to it).
        let sha = repo
            .resolve(new)
            .ok()
            .flatten()
            .unwrap_or_else(|| new.clone());
        let changed_files = match &update.old {
            Some(old) if !tag => repo
                .diff(old, &sha)
                .ok()
                .map(|files| files.into_iter().map(|f| f.path).collect()),
            _ => None,
        };
        let config_path = project
            .ci_config_path
            .clone()
            .unwrap_or_else(|| ".gitlab-ci.yml".into());
        if read_text(&repo, &sha, &config_path).is_none() {
            // No CI configuration: GitLab creates no pipeline for the push.
            return;
        }
        let request = NewPipeline {
            git_ref,
            tag,
            sha,
            before_sha: update.old.clone().unwrap_or_else(|| ZERO_SHA.to_string()),
            source: "push".into(),
            variables: Vec::new(),
            changed_files,
            merge_request_iid: None,
            config_source: None,
            upstream: None,
        };
        match self.create_pipeline(project, user, request) {
            Ok(pipeline) => tracing::debug!(pipeline = pipeline.id, "push pipeline created"),
            Err(error) => tracing::debug!(%error, "push created no pipeline"),
        }
    }

    /// Variables GitLab predefines for a pipeline (and a job, when given).
    pub fn predefined_variables(
        &self,
        project: &Project,
        pipeline: &Pipeline,
        job: Option<&Job>,
    ) -> Vec<(String, String)> {
        let base = self.external_url();
        let (host, port, protocol) = split_url(&base);
        let user = self.user(pipeline.user_id);
        let commit = self
            .repo(project)
            .ok()
            .and_then(|repo| repo.commit_info(&pipeline.sha).ok().flatten());
        let message = commit
            .as_ref()
            .map(|c| c.message.clone())
            .unwrap_or_default();
        let title = message.lines().next().unwrap_or_default().to_string();
        let merge_request = pipeline
            .merge_request_iid
            .and_then(|iid| self.merge_request(project.id, iid));
        // A merge request pipeline names the source branch as its ref, and is no branch
        // pipeline: `CI_COMMIT_BRANCH` stays unset.
        let ref_name = merge_request
            .as_ref()
            .map_or_else(|| pipeline.git_ref.clone(), |mr| mr.source_branch.clone());
        let namespace = project
            .path_with_namespace
            .rsplit_once('/')
            .map_or(String::new(), |(ns, _)| ns.to_string());
        let mut out: Vec<(String, String)> = vec![
            ("CI".into(), "true".into()),
            ("GITLAB_CI".into(), "true".into()),
            ("CI_SERVER".into(), "yes".into()),
            ("CI_SERVER_URL".into(), base.clone()),
            ("CI_SERVER_HOST".into(), host.clone()),
            ("CI_SERVER_PORT".into(), port.clone()),
            ("CI_SERVER_FQDN".into(), self.server_fqdn()),
            ("CI_SERVER_PROTOCOL".into(), protocol.clone()),
            ("CI_SERVER_NAME".into(), "GitLab".into()),
            ("CI_SERVER_VERSION".into(), crate::GITLAB_VERSION.into()),
            ("CI_API_V4_URL".into(), format!("{base}/api/v4")),
            ("CI_PROJECT_ID".into(), project.id.to_string()),
            ("CI_PROJECT_NAME".into(), project.path.clone()),
            ("CI_PROJECT_TITLE".into(), project.name.clone()),
            (
                "CI_PROJECT_PATH".into(),
                project.path_with_namespace.clone(),
            ),
            (
                "CI_PROJECT_PATH_SLUG".into(),
                slug(&project.path_with_namespace),
            ),
            ("CI_PROJECT_NAMESPACE".into(), namespace.clone()),
            (
                "CI_PROJECT_ROOT_NAMESPACE".into(),
                namespace.split('/').next().unwrap_or_default().to_string(),
            ),
            (
                "CI_PROJECT_URL".into(),
                format!("{base}/{}", project.path_with_namespace),
            ),
            ("CI_PROJECT_VISIBILITY".into(), project.visibility.clone()),
            ("CI_DEFAULT_BRANCH".into(), project.default_branch.clone()),
            (
                "CI_CONFIG_PATH".into(),
                project
                    .ci_config_path
                    .clone()
                    .unwrap_or_else(|| ".gitlab-ci.yml".into()),
            ),
            ("CI_PIPELINE_ID".into(), pipeline.id.to_string()),
            ("CI_PIPELINE_IID".into(), pipeline.iid.to_string()),
            ("CI_PIPELINE_SOURCE".into(), pipeline.source.clone()),
            (
                "CI_PIPELINE_URL".into(),
                format!(
                    "{base}/{}/-/pipelines/{}",
                    project.path_with_namespace, pipeline.id
                ),
            ),
            ("CI_PIPELINE_CREATED_AT".into(), pipeline.created_at.clone()),
            ("CI_COMMIT_SHA".into(), pipeline.sha.clone()),
            (
                "CI_COMMIT_SHORT_SHA".into(),
                pipeline.sha.chars().take(8).collect(),
            ),
            ("CI_COMMIT_BEFORE_SHA".into(), pipeline.before_sha.clone()),
            ("CI_COMMIT_REF_NAME".into(), ref_name.clone()),
            ("CI_COMMIT_REF_SLUG".into(), slug(&ref_name)),
            (
                "CI_COMMIT_REF_PROTECTED".into(),
                self.pipeline_ref_protected(pipeline).to_string(),
            ),
            ("CI_COMMIT_MESSAGE".into(), message.clone()),
            ("CI_COMMIT_TITLE".into(), title),
            (
                "CI_COMMIT_DESCRIPTION".into(),
                message.split_once('\n').map_or(String::new(), |(_, rest)| {
                    rest.trim_start_matches('\n').to_string()
                }),
            ),
        ];
        if let Some(commit) = &commit {
            out.push((
                "CI_COMMIT_AUTHOR".into(),
                format!("{} <{}>", commit.author.name, commit.author.email),
            ));
            out.push((
                "CI_COMMIT_TIMESTAMP".into(),
                crate::state::format_time(simkit::clock::from_millis(commit.committer.time * 1000)),
            ));
        }
        if let Some(merge_request) = &merge_request {
            out.extend(self.merge_request_variables(project, merge_request));
        } else if pipeline.tag {
            out.push(("CI_COMMIT_TAG".into(), pipeline.git_ref.clone()));
        } else {
            out.push(("CI_COMMIT_BRANCH".into(), pipeline.git_ref.clone()));
        }
        if let Some(user) = &user {
            out.push(("GITLAB_USER_ID".into(), user.id.to_string()));
            out.push(("GITLAB_USER_LOGIN".into(), user.username.clone()));
            out.push(("GITLAB_USER_NAME".into(), user.name.clone()));
            out.push(("GITLAB_USER_EMAIL".into(), user.email.clone()));
        }
        if let Some(job) = job {
            out.push(("CI_JOB_ID".into(), job.id.to_string()));
            out.push(("CI_JOB_NAME".into(), job.name.clone()));
            out.push(("CI_JOB_NAME_SLUG".into(), slug(&job.name)));
            out.push(("CI_JOB_STAGE".into(), job.stage.clone()));
            out.push((
                "CI_JOB_URL".into(),
                format!("{base}/{}/-/jobs/{}", project.path_with_namespace, job.id),
            ));
            out.push(("CI_JOB_MANUAL".into(), (job.when == "manual").to_string()).clone());
            out.push(("CI_JOB_TOKEN".into(), job.token.clone()));
            out.push(("CI_BUILD_TOKEN".into(), job.token.clone()));
            out.push(("CI_REGISTRY_USER".into(), "gitlab-ci-token".into()));
            out.push(("CI_REGISTRY_PASSWORD".into(), job.token.clone()));
            out.push((
                "CI_REPOSITORY_URL".into(),
                format!(
                    "{protocol}://gitlab-ci-token:{}@{host}:{port}/{}.git",
                    job.token, project.path_with_namespace
                ),
            ));
            if let Some(started) = &job.started_at {
                out.push(("CI_JOB_STARTED_AT".into(), started.clone()));
            }
            out.extend(self.environment_variables(job));
        }
        out
    }

    /// Project variables and the variables of the project's groups (nearest group wins),
    /// with their flags: (key, value, file?, masked?).
    pub fn inherited_variables(&self, project: &Project) -> Vec<crate::model::Variable> {
        let mut out: BTreeMap<String, crate::model::Variable> = BTreeMap::new();
        if let crate::model::Owner::Group(group) = project.owner {
            // Outermost first, so nearer groups override.
            for group in self.group_ancestry(group).iter().rev() {
                for variable in
                    records_under(&self.db.group_variables, &format!("{}/", key(group.id)))
                {
                    if variable.environment_scope == "*" {
                        out.insert(variable.key.clone(), variable);
                    }
                }
            }
        }
        for variable in records_under(&self.db.project_variables, &format!("{}/", key(project.id)))
        {
            if variable.environment_scope == "*" {
                out.insert(variable.key.clone(), variable);
            }
        }
        out.into_values().collect()
    }

    /// Creates a pipeline for `request.sha`. A configuration that does not parse still gives
    /// a pipeline, failed with the linter's message (as GitLab records it), and the caller
    /// gets the message as an error.
    pub fn create_pipeline(
        &self,
        project: &Project,
        user: &User,
        request: NewPipeline,
    ) -> Result<Pipeline> {
        let repo = self.repo(project)?;
        let config_path = project
            .ci_config_path
            .clone()
            .unwrap_or_else(|| ".gitlab-ci.yml".into());
        let source = match &request.config_source {
            Some(text) => Some(text.clone()),
            None => read_text(&repo, &request.sha, &config_path),
        };
        let Some(source) = source else {
            return Err(GitlabError::Validation(vec![(
                "base".into(),
                "Missing CI config file".into(),
            )]));
        };
        let sha = request.sha.clone();
        let files: Vec<String> = repo
            .tree_recursive(&request.sha, "")
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .filter(|entry| entry.kind == simkit::git::EntryKind::Blob)
            .map(|entry| entry.path)
            .collect();

        let now = self.now();
        let id = self.next_id("pipelines")?;
        let iid = self
            .db
            .projects
            .update(&key(project.id), |record| {
                record.pipeline_iid += 1;
                record.last_activity_at = now.clone();
                record.pipeline_iid
            })?
            .ok_or_else(|| GitlabError::not_found("Project"))?;
        let mut pipeline = Pipeline {
            id,
            iid,
            project_id: project.id,
            sha: request.sha.clone(),
            before_sha: request.before_sha.clone(),
            git_ref: request.git_ref.clone(),
            tag: request.tag,
            status: "created".into(),
            source: request.source.clone(),
            user_id: user.id,
            created_at: now.clone(),
            updated_at: now.clone(),
            started_at: None,
            finished_at: None,
            variables: request.variables.clone(),
            yaml_errors: None,
            merge_request_iid: request.merge_request_iid,
            upstream: request.upstream.clone(),
        };

        let predefined: BTreeMap<String, String> = self
            .predefined_variables(project, &pipeline, None)
            .into_iter()
            .collect();
        let mut overrides: BTreeMap<String, String> = BTreeMap::new();
        for variable in self.inherited_variables(project) {
            overrides.insert(variable.key, variable.value);
        }
        for variable in &request.variables {
            overrides.insert(variable.key.clone(), variable.value.clone());
        }
        let mut variables = predefined.clone();
        variables.extend(overrides.clone());
        // Includes see the predefined, project, group and pipeline variables, not the
        // configuration's own.
        let sources = crate::includes::RepositorySources {
            gitlab: self,
            user: Some(user),
            repo: &repo,
            sha: Some(&sha),
            variables: variables.clone(),
            changed_files: request.changed_files.clone(),
        };
        let parsed = config::parse(&source, &sources);
        let config = parsed.as_ref().ok();
        for (name, value) in config.map(|c| c.variables.clone()).unwrap_or_default() {
            variables.entry(name).or_insert(value);
        }
        for variable in &request.variables {
            variables.insert(variable.key.clone(), variable.value.clone());
        }
        let context = Context {
            variables,
            changed_files: request.changed_files.clone(),
            files,
            source: request.source.clone(),
            git_ref: request.git_ref.clone(),
            tag: request.tag,
        };
        let planned = match parsed {
            Err(error) => Err(error.0),
            Ok(config) => match plan::plan(&config, &context) {
                Ok(planned) => Ok(planned),
                // Nothing to run: GitLab creates no pipeline at all.
                Err(error @ (PlanError::FilteredOut | PlanError::Empty)) => {
                    return Err(GitlabError::Validation(vec![(
                        "base".into(),
                        error.to_string(),
                    )]));
                }
                Err(PlanError::Invalid(message)) => Err(message),
            },
        };
        let planned = match planned {
            Ok(planned) => planned,
            Err(message) => {
                pipeline.status = "failed".into();
                pipeline.finished_at = Some(now);
                pipeline.yaml_errors = Some(message.clone());
                self.db.pipelines.insert(&key(id), pipeline)?;
                return Err(GitlabError::Validation(vec![("base".into(), message)]));
            }
        };
        let mut jobs = Vec::new();
        for planned in planned {
            let job_id = self.next_id("jobs")?;
            let mut spec = spec_of(&planned.def);
            for (name, value) in &planned.rule_variables {
                spec.variables.retain(|(k, _)| k != name);
                spec.variables.push((name.clone(), value.clone()));
            }
            jobs.push(Job {
                id: job_id,
                project_id: project.id,
                pipeline_id: id,
                name: planned.def.name.clone(),
                stage: planned.def.stage.clone(),
                stage_index: planned.stage_index,
                status: "created".into(),
                when: planned.when.clone(),
                allow_failure: planned.allow_failure,
                user_id: user.id,
                created_at: pipeline.created_at.clone(),
                queued_at: None,
                started_at: None,
                finished_at: None,
                runner_id: None,
                token: self.new_token("glcbt-"),
                spec,
                failure_reason: None,
                exit_code: None,
                retried: false,
                artifacts_file: None,
                trace_length: 0,
                coverage: None,
                erased_at: None,
                downstream_pipeline_id: None,
                dotenv: Vec::new(),
                scheduled_at: None,
                environment_id: None,
                hooked_status: None,
                cancel_gracefully: false,
            });
        }
        self.environments_for_new_jobs(project, &mut jobs, &predefined, &overrides)?;
        self.kit.store().transaction(|txn| {
            txn.insert(&self.db.pipelines, &key(id), pipeline.clone())?;
            for job in &jobs {
                txn.insert(&self.db.jobs, &key(job.id), job.clone())?;
                txn.insert(&self.db.jobs_by_token, &digest(&job.token), job.id)?;
            }
            Ok::<_, GitlabError>(())
        })?;
        self.process_pipeline(id)?;
        let created = self.pipeline(id).ok_or(GitlabError::Internal)?;
        self.cancel_redundant_pipelines(&created)?;
        Ok(created)
    }

    /// Moves every `created` job whose prerequisites are complete on, then updates the
    /// pipeline's status. Wakes waiting runners when a job became `pending`.
    pub fn process_pipeline(&self, pipeline_id: u64) -> Result<()> {
        let queued = {
            let _guard = self.engine_lock();
            self.process_locked(pipeline_id)?
        };
        if queued {
            self.jobs_queued.notify_waiters();
        }
        // Bridges that became pending start their downstream pipelines, and a downstream
        // pipeline's progress moves the pipelines above it (GitLab nests at most a few).
        let mut current = Some(pipeline_id);
        let mut hops = 0;
        while let Some(id) = current
            && hops < 8
        {
            self.start_downstreams(id)?;
            current = self
                .pipeline(id)
                .and_then(|pipeline| pipeline.upstream.map(|upstream| upstream.pipeline_id));
            hops += 1;
        }
        if hops > 1 {
            // Jobs of an upstream pipeline released by this one's progress.
            self.jobs_queued.notify_waiters();
        }
        Ok(())
    }

    pub(crate) fn process_locked(&self, pipeline_id: u64) -> Result<bool> {
        let mut queued = false;
        // Each pass may complete jobs (skipped) that release others; a few passes settle it.
        for _ in 0..64 {
            let jobs: Vec<Job> = self
                .pipeline_jobs(pipeline_id)
                .into_iter()
                .filter(|job| !job.retried)
                .collect();
            let mut changed = false;
            for job in jobs.iter().filter(|job| job.status == "created") {
                let prerequisites: Vec<&Job> = match &job.spec.needs {
                    Some(needs) => jobs
                        .iter()
                        .filter(|other| needs.contains(&other.name))
                        .collect(),
                    None => jobs
                        .iter()
                        .filter(|other| other.stage_index < job.stage_index)
                        .collect(),
                };
                let complete = prerequisites.iter().all(|other| {
                    other.is_finished() || (other.status == "manual" && other.allow_failure)
                });
                if !complete {
                    continue;
                }
                let failed = prerequisites.iter().any(|other| {
                    (other.status == "failed" && !other.allow_failure) || other.status == "canceled"
                });
                let next = match (job.when.as_str(), failed) {
                    ("on_success", false) => "pending",
                    ("on_success", true) => "skipped",
                    ("manual", false) => "manual",
                    ("manual", true) => "skipped",
                    ("on_failure", true) => "pending",
                    ("on_failure", false) => "skipped",
                    ("always", _) => "pending",
                    ("delayed", false) => "scheduled",
                    _ => "skipped",
                };
                // A job of a busy resource group waits for it (GitLab's `waiting_for_resource`).
                let next = if next == "pending"
                    && let Some(group) = &job.spec.resource_group
                    && self.resource_busy(job.project_id, group, job.id)
                {
                    "waiting_for_resource"
                } else {
                    next
                };
                let now = self.now();
                let scheduled_at = (next == "scheduled").then(|| {
                    let wait =
                        std::time::Duration::from_secs(job.spec.start_in_seconds.unwrap_or(0));
                    crate::state::format_time(self.kit.clock().now() + wait)
                });
                self.db.jobs.update(&key(job.id), |record| {
                    record.status = next.to_string();
                    if next == "pending" {
                        record.queued_at = Some(now.clone());
                    }
                    record.scheduled_at = scheduled_at.clone();
                })?;
                queued |= next == "pending";
                if next == "scheduled" {
                    self.delayed_jobs.notify_one();
                }
                changed = true;
            }
            if !changed {
                break;
            }
        }
        self.sync_environments_locked(pipeline_id)?;
        self.update_pipeline_status(pipeline_id)?;
        self.job_hooks_locked(pipeline_id)?;
        Ok(queued)
    }

    fn update_pipeline_status(&self, pipeline_id: u64) -> Result<()> {
        let jobs: Vec<Job> = self
            .pipeline_jobs(pipeline_id)
            .into_iter()
            .filter(|job| !job.retried)
            .collect();
        let statuses: Vec<(&str, bool)> = jobs
            .iter()
            .map(|job| (job.status.as_str(), job.allow_failure))
            .collect();
        let status = composite_status(&statuses);
        let now = self.now();
        let first_start = jobs.iter().filter_map(|job| job.started_at.clone()).min();
        let last_finish = jobs.iter().filter_map(|job| job.finished_at.clone()).max();
        let mut changed = false;
        let updated = self.db.pipelines.update(&key(pipeline_id), |pipeline| {
            if pipeline.status != status {
                changed = true;
                pipeline.status = status.to_string();
                pipeline.updated_at = now.clone();
            }
            if pipeline.started_at.is_none() {
                pipeline.started_at = first_start;
            }
            pipeline.finished_at = match status {
                "success" | "failed" | "canceled" | "skipped" => {
                    pipeline.finished_at.clone().or(last_finish.or(Some(now)))
                }
                _ => None,
            };
            pipeline.upstream.clone()
        })?;
        if changed {
            self.pipeline_hooks(pipeline_id);
        }
        if let Some(Some(upstream)) = updated
            && upstream.depend
        {
            self.mirror_downstream_locked(&upstream, status)?;
        }
        Ok(())
    }

    /// A pipeline event for hooks that listen (its status changed).
    fn pipeline_hooks(&self, pipeline_id: u64) {
        let Some(pipeline) = self.pipeline(pipeline_id) else {
            return;
        };
        let Some(project) = self.project(pipeline.project_id) else {
            return;
        };
        if self.hooks_listen(&project, crate::hooks::Event::Pipeline) {
            let payload = self.pipeline_payload(&pipeline);
            self.emit_hook_event(&project, crate::hooks::Event::Pipeline, None, &payload);
        }
    }

    /// A job event for each job of the pipeline whose status changed since hooks last heard
    /// of it (every change of a job's status passes through `process_locked`).
    fn job_hooks_locked(&self, pipeline_id: u64) -> Result<()> {
        let Some(pipeline) = self.pipeline(pipeline_id) else {
            return Ok(());
        };
        let Some(project) = self.project(pipeline.project_id) else {
            return Ok(());
        };
        if !self.hooks_listen(&project, crate::hooks::Event::Job) {
            return Ok(());
        }
        for job in self.pipeline_jobs(pipeline_id) {
            if job.status == job.hooked_status.as_deref().unwrap_or("created") {
                continue;
            }
            let status = job.status.clone();
            self.db
                .jobs
                .update(&key(job.id), |record| record.hooked_status = Some(status))?;
            let payload = self.job_hook_payload(&job);
            self.emit_hook_event(&project, crate::hooks::Event::Job, None, &payload);
        }
        Ok(())
    }

    /// Whether another job of `group` in the project holds the resource (pending or running).
    fn resource_busy(&self, project_id: u64, group: &str, except: u64) -> bool {
        self.db.jobs.all().into_iter().any(|(_, other)| {
            other.project_id == project_id
                && other.id != except
                && !other.retried
                && other.spec.resource_group.as_deref() == Some(group)
                && matches!(other.status.as_str(), "pending" | "running")
        })
    }

    /// Hands a freed resource group to its oldest waiting job.
    pub(crate) fn release_resource(&self, project_id: u64, group: &str) -> Result<()> {
        let released = {
            let _guard = self.engine_lock();
            if self.resource_busy(project_id, group, 0) {
                return Ok(());
            }
            let waiting = self
                .db
                .jobs
                .all()
                .into_iter()
                .map(|(_, job)| job)
                .filter(|job| {
                    job.project_id == project_id
                        && job.status == "waiting_for_resource"
                        && job.spec.resource_group.as_deref() == Some(group)
                })
                .min_by_key(|job| job.id);
            let Some(next) = waiting else {
                return Ok(());
            };
            let now = self.now();
            self.db.jobs.update(&key(next.id), |record| {
                record.status = "pending".into();
                record.queued_at = Some(now);
            })?;
            next.pipeline_id
        };
        self.process_pipeline(released)?;
        self.jobs_queued.notify_waiters();
        Ok(())
    }

    /// Auto-cancel of redundant pipelines: a new pipeline for a branch cancels the older
    /// pipelines of that branch whose started jobs are all `interruptible` (GitLab's
    /// `conservative` default), as a new push makes them redundant.
    fn cancel_redundant_pipelines(&self, newer: &Pipeline) -> Result<()> {
        if newer.tag || newer.merge_request_iid.is_some() || newer.upstream.is_some() {
            return Ok(());
        }
        let older: Vec<Pipeline> = self
            .db
            .pipelines
            .all()
            .into_iter()
            .map(|(_, pipeline)| pipeline)
            .filter(|pipeline| {
                pipeline.project_id == newer.project_id
                    && pipeline.id < newer.id
                    && pipeline.git_ref == newer.git_ref
                    && !pipeline.tag
                    && pipeline.merge_request_iid.is_none()
                    && pipeline.upstream.is_none()
                    && matches!(
                        pipeline.status.as_str(),
                        "created"
                            | "waiting_for_resource"
                            | "preparing"
                            | "pending"
                            | "running"
                            | "scheduled"
                    )
            })
            .collect();
        for pipeline in older {
            let jobs: Vec<Job> = self
                .pipeline_jobs(pipeline.id)
                .into_iter()
                .filter(|job| !job.retried)
                .collect();
            let started_uninterruptible = jobs
                .iter()
                .any(|job| job.started_at.is_some() && !job.spec.interruptible);
            let any_interruptible = jobs.iter().any(|job| job.spec.interruptible);
            if any_interruptible && !started_uninterruptible {
                self.cancel_pipeline(&pipeline)?;
            }
        }
        Ok(())
    }

    /// A runner reports a job's end. A job being canceled (`canceling`) becomes `canceled`
    /// whatever the runner reports, as GitLab's state machine does; a `failed` job is retried
    /// when its `retry:` allows it (`auto_retry`).
    pub fn finish_job(
        &self,
        job_id: u64,
        status: &str,
        failure_reason: Option<String>,
        exit_code: Option<i64>,
    ) -> Result<Job> {
        let now = self.now();
        let job = {
            let _guard = self.engine_lock();
            let job = self
                .db
                .jobs
                .update(&key(job_id), |job| {
                    if job.status == "canceling" {
                        job.status = "canceled".into();
                        job.finished_at = Some(now.clone());
                        job.exit_code = exit_code;
                    } else if job.status == "running" {
                        job.status = status.to_string();
                        job.finished_at = Some(now.clone());
                        job.exit_code = exit_code;
                        if status == "failed" {
                            job.failure_reason = Some(
                                failure_reason
                                    .clone()
                                    .unwrap_or_else(|| "unknown_failure".into()),
                            );
                            if exit_code.is_some_and(|code| {
                                job.spec.allow_failure_exit_codes.contains(&code)
                            }) {
                                job.allow_failure = true;
                            }
                        }
                    }
                    job.clone()
                })?
                .ok_or_else(|| GitlabError::not_found("Job"))?;
            if job.status == "failed" {
                let retries = self
                    .pipeline_jobs(job.pipeline_id)
                    .iter()
                    .filter(|other| other.name == job.name && other.retried)
                    .count() as u32;
                if auto_retry_allowed(&job, retries) {
                    self.retry_locked(&job)?;
                }
            }
            job
        };
        self.process_pipeline(job.pipeline_id)?;
        self.jobs_queued.notify_waiters();
        if let Some(group) = &job.spec.resource_group {
            self.release_resource(job.project_id, group)?;
        }
        Ok(job)
    }

    /// A new job like `job`, `pending`; `job` is marked retried.
    fn retry_locked(&self, job: &Job) -> Result<Job> {
        let id = self.next_id("jobs")?;
        let now = self.now();
        let retry = Job {
            id,
            status: "pending".into(),
            created_at: now.clone(),
            queued_at: Some(now),
            started_at: None,
            finished_at: None,
            runner_id: None,
            token: self.new_token("glcbt-"),
            failure_reason: None,
            exit_code: None,
            retried: false,
            artifacts_file: None,
            trace_length: 0,
            coverage: None,
            erased_at: None,
            downstream_pipeline_id: None,
            dotenv: Vec::new(),
            scheduled_at: None,
            hooked_status: None,
            cancel_gracefully: false,
            // A manual job that was played keeps running when retried.
            when: if job.when == "manual" {
                "on_success".into()
            } else {
                job.when.clone()
            },
            ..job.clone()
        };
        self.kit.store().transaction(|txn| {
            txn.update(&self.db.jobs, &key(job.id), |old| old.retried = true)?;
            txn.insert(&self.db.jobs, &key(id), retry.clone())?;
            txn.insert(&self.db.jobs_by_token, &digest(&retry.token), id)?;
            Ok::<_, GitlabError>(())
        })?;
        Ok(retry)
    }

    /// `POST /jobs/:id/retry`: only finished jobs can be retried.
    pub fn retry_job(&self, job: &Job) -> Result<Job> {
        if !matches!(job.status.as_str(), "success" | "failed" | "canceled") || job.retried {
            return Err(GitlabError::Forbidden);
        }
        let retry = {
            let _guard = self.engine_lock();
            self.retry_locked(job)?
        };
        self.process_pipeline(job.pipeline_id)?;
        self.jobs_queued.notify_waiters();
        Ok(retry)
    }

    /// `POST /jobs/:id/play`: a manual job is queued.
    pub fn play_job(&self, job: &Job) -> Result<Job> {
        // A scheduled (delayed) job can be started before its time, as "Run now" does.
        if job.status != "manual" && job.status != "scheduled" {
            return Err(GitlabError::BadRequest("Unplayable Job".into()));
        }
        let now = self.now();
        let played = {
            let _guard = self.engine_lock();
            self.db
                .jobs
                .update(&key(job.id), |record| {
                    record.status = "pending".into();
                    record.queued_at = Some(now);
                    record.clone()
                })?
                .ok_or_else(|| GitlabError::not_found("Job"))?
        };
        self.process_pipeline(job.pipeline_id)?;
        self.jobs_queued.notify_waiters();
        Ok(played)
    }

    /// `POST /jobs/:id/cancel`: an active job becomes `canceled`; a runner running it learns
    /// on its next trace or status update (403, and `Job-Status: canceled`).
    pub fn cancel_job(&self, job: &Job) -> Result<Job> {
        let now = self.now();
        let canceled = {
            let _guard = self.engine_lock();
            self.db
                .jobs
                .update(&key(job.id), |record| {
                    cancel_record(record, &now);
                    record.clone()
                })?
                .ok_or_else(|| GitlabError::not_found("Job"))?
        };
        self.process_pipeline(job.pipeline_id)?;
        if let Some(group) = &job.spec.resource_group {
            self.release_resource(job.project_id, group)?;
        }
        Ok(canceled)
    }

    pub fn cancel_pipeline(&self, pipeline: &Pipeline) -> Result<()> {
        let now = self.now();
        {
            let _guard = self.engine_lock();
            for job in self.pipeline_jobs(pipeline.id) {
                // A job already `canceling` is left to its runner.
                if (job.is_active() && job.status != "canceling") || job.status == "manual" {
                    self.db
                        .jobs
                        .update(&key(job.id), |record| cancel_record(record, &now))?;
                }
            }
        }
        self.cancel_downstreams(pipeline.id)?;
        self.process_pipeline(pipeline.id)?;
        let groups: std::collections::BTreeSet<String> = self
            .pipeline_jobs(pipeline.id)
            .into_iter()
            .filter_map(|job| job.spec.resource_group)
            .collect();
        for group in groups {
            self.release_resource(pipeline.project_id, &group)?;
        }
        Ok(())
    }

    /// Retries every failed or canceled job of a pipeline, and re-queues jobs skipped behind
    /// them.
    pub fn retry_pipeline(&self, pipeline: &Pipeline) -> Result<()> {
        {
            let _guard = self.engine_lock();
            for job in self.pipeline_jobs(pipeline.id) {
                if job.retried {
                    continue;
                }
                match job.status.as_str() {
                    "failed" | "canceled" => {
                        self.retry_locked(&job)?;
                    }
                    "skipped" => {
                        self.db.jobs.update(&key(job.id), |record| {
                            record.status = "created".into();
                        })?;
                    }
                    _ => {}
                }
            }
            self.db.pipelines.update(&key(pipeline.id), |record| {
                record.finished_at = None;
            })?;
        }
        self.process_pipeline(pipeline.id)?;
        self.jobs_queued.notify_waiters();
        Ok(())
    }

    pub fn delete_pipeline(&self, pipeline: &Pipeline) -> Result<()> {
        let jobs = self.pipeline_jobs(pipeline.id);
        self.kit.store().transaction(|txn| {
            txn.remove(&self.db.pipelines, &key(pipeline.id))?;
            for job in &jobs {
                txn.remove(&self.db.jobs, &key(job.id))?;
                txn.remove(&self.db.traces, &key(job.id))?;
                txn.remove(&self.db.jobs_by_token, &digest(&job.token))?;
            }
            Ok::<_, GitlabError>(())
        })?;
        for job in &jobs {
            let _ = std::fs::remove_file(self.artifacts_path(job.id));
        }
        Ok(())
    }
}

/// Cancels one job record: a job running on a runner that cancels gracefully becomes
/// `canceling` until the runner reports back; any other active job (and a `canceling` one
/// canceled again) becomes `canceled` at once.
fn cancel_record(record: &mut Job, now: &str) {
    if record.status == "running" && record.cancel_gracefully {
        record.status = "canceling".into();
    } else if record.is_active() || record.status == "manual" {
        record.status = "canceled".into();
        record.finished_at = Some(now.to_string());
    }
}

/// The failure reasons GitLab knows (`Enums::Ci::CommitStatus.failure_reasons`).
pub const FAILURE_REASONS: &[&str] = &[
    "unknown_failure",
    "script_failure",
    "api_failure",
    "stuck_or_timeout_failure",
    "runner_system_failure",
    "missing_dependency_failure",
    "runner_unsupported",
    "stale_schedule",
    "job_execution_timeout",
    "archived_failure",
    "unmet_prerequisites",
    "scheduler_failure",
    "data_integrity_failure",
    "forward_deployment_failure",
    "user_blocked",
    "project_deleted",
    "ci_quota_exceeded",
    "pipeline_loop_detected",
    "no_matching_runner",
    "trace_size_exceeded",
    "builds_disabled",
    "environment_creation_failure",
    "deployment_rejected",
    "failed_outdated_deployment_job",
    "job_execution_server_timeout",
    "protected_environment_failure",
    "insufficient_bridge_permissions",
    "downstream_bridge_project_not_found",
    "invalid_bridge_trigger",
    "upstream_bridge_project_not_found",
    "insufficient_upstream_permissions",
    "bridge_pipeline_is_child_pipeline",
    "downstream_pipeline_creation_failed",
    "secrets_provider_not_found",
    "reached_max_descendant_pipelines_depth",
    "ip_restriction_failure",
    "reached_max_pipeline_hierarchy_size",
    "reached_downstream_pipeline_trigger_rate_limit",
    "job_router_failure",
    "job_token_expired",
];

/// Whether a failed job is retried automatically, as GitLab's `AutoRetry` decides: `retry:
/// max` applies when `when` names the failure reason (or `always`, the default unless
/// `exit_codes` is given) or the exit code is among `exit_codes`; some reasons are never
/// retried, and `scheduler_failure` is retried twice by default.
pub fn auto_retry_allowed(job: &Job, retries: u32) -> bool {
    let reason = job.failure_reason.as_deref().unwrap_or("unknown_failure");
    let overridden = matches!(
        reason,
        "ci_quota_exceeded"
            | "no_matching_runner"
            | "missing_dependency_failure"
            | "forward_deployment_failure"
            | "environment_creation_failure"
    );
    let max = if overridden {
        0
    } else {
        let default_when = if job.spec.retry_exit_codes.is_none() {
            vec!["always".to_string()]
        } else {
            Vec::new()
        };
        let when = job.spec.retry_when.clone().unwrap_or(default_when);
        let on_reason = when.iter().any(|w| w == reason || w == "always");
        let on_exit_code = job.exit_code.is_some_and(|code| {
            job.spec
                .retry_exit_codes
                .as_ref()
                .is_some_and(|codes| codes.contains(&code))
        });
        // `retry: 0` and no `retry:` are one here (GitLab tells them apart only for the
        // scheduler's default).
        if (on_reason || on_exit_code) && job.spec.retry_max > 0 {
            job.spec.retry_max
        } else if reason == "scheduler_failure" {
            2
        } else {
            0
        }
    };
    max > 0 && max > retries
}

fn spec_of(def: &JobDef) -> JobSpec {
    JobSpec {
        before_script: def.before_script.clone(),
        script: def.script.clone(),
        after_script: def.after_script.clone(),
        image: def.image.clone(),
        services: def.services.clone(),
        variables: def.variables.clone(),
        tags: def.tags.clone(),
        artifacts: def.artifacts.clone(),
        cache: def.cache.clone(),
        needs: def
            .needs
            .as_ref()
            .map(|needs| needs.iter().map(|need| need.job.clone()).collect()),
        dependencies: def.dependencies.clone(),
        timeout_seconds: def.timeout_seconds,
        retry_max: def.retry_max,
        retry_when: def.retry_when.clone(),
        retry_exit_codes: def.retry_exit_codes.clone(),
        allow_failure_exit_codes: def.allow_failure_exit_codes.clone(),
        environment: def.environment.clone(),
        environment_options: def.environment_options.clone(),
        trigger: def.trigger.clone(),
        start_in_seconds: def.start_in_seconds,
        resource_group: def.resource_group.clone(),
        interruptible: def.interruptible,
        needs_artifacts: def.needs.as_ref().map(|needs| {
            needs
                .iter()
                .filter(|need| need.artifacts)
                .map(|need| need.job.clone())
                .collect()
        }),
    }
}

/// (`host`, `port`, `protocol`) of a base URL such as `http://127.0.0.1:5556`.
impl Gitlab {
    /// The instance's host, with its port unless it is the protocol's own (GitLab's
    /// `server_fqdn`, `CI_SERVER_FQDN`).
    pub fn server_fqdn(&self) -> String {
        let (host, port, protocol) = split_url(&self.external_url());
        if (protocol == "http" && port == "80") || (protocol == "https" && port == "443") {
            host
        } else {
            format!("{host}:{port}")
        }
    }
}

fn split_url(base: &str) -> (String, String, String) {
    let (protocol, rest) = base.split_once("://").unwrap_or(("http", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.to_string()),
        None => (
            authority.to_string(),
            if protocol == "https" { "443" } else { "80" }.to_string(),
        ),
    };
    (host, port, protocol.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_statuses() {
        let cases: &[(&[(&str, bool)], &str)] = &[
            (&[("success", false), ("success", false)], "success"),
            (&[("success", false), ("failed", true)], "success"),
            (&[("success", false), ("failed", false)], "failed"),
            (&[("pending", false), ("created", false)], "pending"),
            (&[("success", false), ("pending", false)], "running"),
            (&[("running", false)], "running"),
            (&[("success", false), ("manual", true)], "success"),
            (&[("manual", true)], "manual"),
            (
                &[("success", false), ("manual", false), ("created", false)],
                "manual",
            ),
            (&[("canceled", false), ("success", false)], "canceled"),
            (&[("skipped", false)], "skipped"),
            (&[("waiting_for_resource", false)], "waiting_for_resource"),
            (
                &[("success", false), ("waiting_for_resource", false)],
                "running",
            ),
            (&[("success", false), ("scheduled", false)], "scheduled"),
        ];
        for (jobs, expected) in cases {
            assert_eq!(composite_status(jobs), *expected, "{jobs:?}");
        }
    }

    #[test]
    fn auto_retry_follows_when_and_exit_codes() {
        let job = |max: u32,
                   when: Option<&[&str]>,
                   codes: Option<&[i64]>,
                   reason: &str,
                   exit: Option<i64>| {
            let spec = JobSpec {
                retry_max: max,
                retry_when: when.map(|w| w.iter().map(|s| s.to_string()).collect()),
                retry_exit_codes: codes.map(<[i64]>::to_vec),
                ..JobSpec::default()
            };
            let mut job: Job = serde_json::from_value(serde_json::json!({
                "id": 1, "project_id": 1, "pipeline_id": 1, "name": "j", "stage": "test",
                "stage_index": 0, "status": "failed", "when": "on_success",
                "allow_failure": false, "user_id": 1, "created_at": "", "queued_at": null,
                "started_at": null, "finished_at": null, "runner_id": null, "token": "t",
                "spec": JobSpec::default(), "failure_reason": reason, "exit_code": exit,
                "retried": false, "artifacts_file": null, "trace_length": 0, "coverage": null,
            }))
            .expect("job");
            job.spec = spec;
            job
        };
        // `max` alone retries any failure, up to `max` times.
        assert!(auto_retry_allowed(
            &job(2, None, None, "script_failure", Some(1)),
            1
        ));
        assert!(!auto_retry_allowed(
            &job(2, None, None, "script_failure", Some(1)),
            2
        ));
        // `when` names the reasons.
        let system = Some(&["runner_system_failure"][..]);
        assert!(auto_retry_allowed(
            &job(1, system, None, "runner_system_failure", None),
            0
        ));
        assert!(!auto_retry_allowed(
            &job(1, system, None, "script_failure", Some(1)),
            0
        ));
        // `exit_codes` alone: only those codes (no `when` means none of the reasons).
        let codes = Some(&[137][..]);
        assert!(auto_retry_allowed(
            &job(1, None, codes, "script_failure", Some(137)),
            0
        ));
        assert!(!auto_retry_allowed(
            &job(1, None, codes, "script_failure", Some(1)),
            0
        ));
        // Either matching is enough.
        assert!(auto_retry_allowed(
            &job(1, system, codes, "script_failure", Some(137)),
            0
        ));
        // Some reasons are never retried; the scheduler's are, twice, by default.
        assert!(!auto_retry_allowed(
            &job(2, None, None, "missing_dependency_failure", None),
            0
        ));
        assert!(auto_retry_allowed(
            &job(0, None, None, "scheduler_failure", None),
            1
        ));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Feature/New_Thing"), "feature-new-thing");
        assert_eq!(slug("root/my-project"), "root-my-project");
    }
}
