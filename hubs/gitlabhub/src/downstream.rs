//! Downstream pipelines: trigger jobs (bridges) start a child pipeline of the same project
//! (`trigger: include:` with local files, other projects' files (read as the bridge's user
//! may read them), templates (none are shipped: GitLab's not-found error) or an earlier
//! job's artifact; `CI_PIPELINE_SOURCE`
//! `parent_pipeline`) or a pipeline of another project (`trigger: project:`, source
//! `pipeline`). A bridge never reaches a runner: when its prerequisites are done it starts
//! its downstream pipeline, then is `success` at once, or with `strategy: depend` takes the
//! downstream pipeline's status as it moves. A downstream pipeline that cannot be created
//! fails its bridge with GitLab's failure reason.
//!
//! What this module must not do: speak HTTP, or hold the engine lock while creating a
//! pipeline (creating one processes it, which takes the lock).

use std::io::Read;

use crate::auth::Caller;
use crate::engine::{NewPipeline, ZERO_SHA};
use crate::error::Result;
use crate::model::{DownstreamInclude, Job, Pipeline, PipelineVariable, Upstream, access, key};
use crate::state::Gitlab;

/// GitLab's `failure_reason`s for bridges.
const PROJECT_NOT_FOUND: &str = "downstream_bridge_project_not_found";
const INSUFFICIENT_PERMISSIONS: &str = "insufficient_bridge_permissions";
const CREATION_FAILED: &str = "downstream_pipeline_creation_failed";

/// The status a `strategy: depend` bridge shows for its downstream pipeline's.
fn bridge_status(downstream: &str) -> &'static str {
    match downstream {
        "success" => "success",
        "failed" => "failed",
        "canceled" => "canceled",
        "skipped" => "skipped",
        "manual" => "manual",
        _ => "running",
    }
}

impl Gitlab {
    /// Starts the downstream pipelines of `pipeline_id`'s pending bridges.
    pub(crate) fn start_downstreams(&self, pipeline_id: u64) -> Result<()> {
        let bridges: Vec<Job> = self
            .pipeline_jobs(pipeline_id)
            .into_iter()
            .filter(|job| {
                job.spec.trigger.is_some()
                    && job.status == "pending"
                    && job.downstream_pipeline_id.is_none()
                    && !job.retried
            })
            .collect();
        for bridge in bridges {
            let now = self.now();
            // Claimed under the lock, so two callers never start the same downstream twice.
            let claimed = {
                let _guard = self.engine_lock();
                self.db
                    .jobs
                    .update(&key(bridge.id), |record| {
                        let free =
                            record.status == "pending" && record.downstream_pipeline_id.is_none();
                        if free {
                            record.status = "running".into();
                            record.started_at = Some(now.clone());
                        }
                        free
                    })?
                    .unwrap_or(false)
            };
            if !claimed {
                continue;
            }
            let outcome = self.create_downstream(&bridge);
            let depend = bridge.spec.trigger.as_ref().is_some_and(|spec| spec.depend);
            let _guard = self.engine_lock();
            let now = self.now();
            match &outcome {
                Ok(downstream) => {
                    self.db.jobs.update(&key(bridge.id), |record| {
                        record.downstream_pipeline_id = Some(downstream.id);
                        if !depend {
                            record.status = "success".into();
                            record.finished_at = Some(now.clone());
                        }
                    })?;
                    if depend && let Some(current) = self.pipeline(downstream.id) {
                        let upstream = current.upstream.clone().unwrap_or(Upstream {
                            pipeline_id,
                            project_id: bridge.project_id,
                            bridge_id: bridge.id,
                            depend,
                        });
                        self.mirror_downstream_locked(&upstream, &current.status)?;
                    }
                }
                Err(reason) => {
                    tracing::debug!(
                        bridge = bridge.id,
                        reason,
                        "downstream pipeline not created"
                    );
                    self.db.jobs.update(&key(bridge.id), |record| {
                        record.status = "failed".into();
                        record.failure_reason = Some((*reason).to_string());
                        record.finished_at = Some(now.clone());
                    })?;
                }
            }
            self.process_locked(pipeline_id)?;
        }
        Ok(())
    }

    /// A `strategy: depend` bridge follows its downstream pipeline's status; when that
    /// changes, the bridge's pipeline is processed again. Runs under the engine lock.
    pub(crate) fn mirror_downstream_locked(&self, upstream: &Upstream, status: &str) -> Result<()> {
        let mirrored = bridge_status(status);
        let now = self.now();
        let changed = self
            .db
            .jobs
            .update(&key(upstream.bridge_id), |bridge| {
                if bridge.status != "running" && bridge.status != "manual"
                    || bridge.status == mirrored
                {
                    return false;
                }
                bridge.status = mirrored.to_string();
                if matches!(mirrored, "success" | "failed" | "canceled" | "skipped") {
                    bridge.finished_at = Some(now.clone());
                }
                true
            })?
            .unwrap_or(false);
        if changed {
            self.process_locked(upstream.pipeline_id)?;
        }
        Ok(())
    }

    /// Creates the pipeline `bridge` asks for, or names why it cannot.
    fn create_downstream(&self, bridge: &Job) -> std::result::Result<Pipeline, &'static str> {
        let spec = bridge.spec.trigger.clone().ok_or(CREATION_FAILED)?;
        let parent = self.pipeline(bridge.pipeline_id).ok_or(CREATION_FAILED)?;
        let project = self.project(bridge.project_id).ok_or(CREATION_FAILED)?;
        let user = self.user(bridge.user_id).ok_or(CREATION_FAILED)?;
        let mut variables: Vec<PipelineVariable> = Vec::new();
        if spec.forward_yaml_variables {
            variables.extend(
                bridge
                    .spec
                    .variables
                    .iter()
                    .map(|(key, value)| PipelineVariable {
                        key: key.clone(),
                        value: value.clone(),
                        variable_type: "env_var".into(),
                    }),
            );
        }
        if spec.forward_pipeline_variables {
            variables.extend(parent.variables.iter().cloned());
        }
        let upstream = Some(Upstream {
            pipeline_id: parent.id,
            project_id: project.id,
            bridge_id: bridge.id,
            depend: spec.depend,
        });
        if let Some(path) = &spec.project {
            let caller = Caller::User(user.clone());
            let (target, level) = self
                .visible_project(&caller, path)
                .map_err(|_| PROJECT_NOT_FOUND)?;
            if level < access::DEVELOPER {
                return Err(INSUFFICIENT_PERMISSIONS);
            }
            let branch = spec
                .branch
                .clone()
                .unwrap_or_else(|| target.default_branch.clone());
            let repo = self.repo(&target).map_err(|_| CREATION_FAILED)?;
            let sha = simkit::git::names::check_branch(&branch)
                .ok()
                .and_then(|()| repo.resolve(&format!("refs/heads/{branch}")).ok().flatten())
                .ok_or(CREATION_FAILED)?;
            let request = NewPipeline {
                git_ref: branch,
                tag: false,
                sha,
                before_sha: ZERO_SHA.to_string(),
                source: "pipeline".into(),
                variables,
                changed_files: None,
                merge_request_iid: None,
                config_source: None,
                upstream,
            };
            return self
                .create_pipeline(&target, &user, request)
                .map_err(|_| CREATION_FAILED);
        }
        let config_source = self.child_configuration(&parent, &spec.include)?;
        let request = NewPipeline {
            git_ref: parent.git_ref.clone(),
            tag: parent.tag,
            sha: parent.sha.clone(),
            before_sha: parent.before_sha.clone(),
            source: "parent_pipeline".into(),
            variables,
            changed_files: None,
            merge_request_iid: parent.merge_request_iid,
            config_source: Some(config_source),
            upstream,
        };
        self.create_pipeline(&project, &user, request)
            .map_err(|_| CREATION_FAILED)
    }

    /// A child pipeline's configuration: its files as an `include:` list, or the text
    /// of one artifact an earlier job of the parent pipeline uploaded.
    fn child_configuration(
        &self,
        parent: &Pipeline,
        includes: &[DownstreamInclude],
    ) -> std::result::Result<String, &'static str> {
        if let [DownstreamInclude::Artifact { job, path }] = includes {
            let producer = self
                .pipeline_jobs(parent.id)
                .into_iter()
                .filter(|candidate| candidate.name == *job && !candidate.retried)
                .max_by_key(|candidate| candidate.id)
                .filter(|candidate| candidate.artifacts_file.is_some())
                .ok_or(CREATION_FAILED)?;
            return self
                .read_artifact_file(producer.id, path)
                .ok_or(CREATION_FAILED);
        }
        let mut locals = Vec::new();
        for include in includes {
            match include {
                DownstreamInclude::Local(path) => {
                    let mut entry = serde_yaml::Mapping::new();
                    entry.insert("local".into(), path.clone().into());
                    locals.push(serde_yaml::Value::Mapping(entry));
                }
                DownstreamInclude::Project {
                    project,
                    files,
                    git_ref,
                } => {
                    let mut entry = serde_yaml::Mapping::new();
                    entry.insert("project".into(), project.clone().into());
                    entry.insert(
                        "file".into(),
                        serde_yaml::Value::Sequence(
                            files.iter().cloned().map(Into::into).collect(),
                        ),
                    );
                    if let Some(git_ref) = git_ref {
                        entry.insert("ref".into(), git_ref.clone().into());
                    }
                    locals.push(serde_yaml::Value::Mapping(entry));
                }
                DownstreamInclude::Template(name) => {
                    let mut entry = serde_yaml::Mapping::new();
                    entry.insert("template".into(), name.clone().into());
                    locals.push(serde_yaml::Value::Mapping(entry));
                }
                // An artifact beside other files: GitLab merges them; not built here.
                DownstreamInclude::Artifact { .. } => return Err(CREATION_FAILED),
            }
        }
        let mut document = serde_yaml::Mapping::new();
        document.insert("include".into(), serde_yaml::Value::Sequence(locals));
        serde_yaml::to_string(&document).map_err(|_| CREATION_FAILED)
    }

    /// One file of a job's artifacts archive, as text.
    fn read_artifact_file(&self, job_id: u64, path: &str) -> Option<String> {
        let file = std::fs::File::open(self.artifacts_path(job_id)).ok()?;
        let mut archive = zip::ZipArchive::new(file).ok()?;
        let mut entry = archive.by_name(path.trim_start_matches("./")).ok()?;
        // Configuration files are small; a bound keeps a hostile archive from filling memory.
        let mut text = String::new();
        entry
            .by_ref()
            .take(4 << 20)
            .read_to_string(&mut text)
            .ok()?;
        Some(text)
    }

    /// Cancels the downstream pipelines a canceled pipeline's bridges started.
    pub(crate) fn cancel_downstreams(&self, pipeline_id: u64) -> Result<()> {
        for bridge in self.pipeline_jobs(pipeline_id) {
            if let Some(downstream) = bridge
                .downstream_pipeline_id
                .and_then(|id| self.pipeline(id))
                .filter(|p| {
                    !matches!(
                        p.status.as_str(),
                        "success" | "failed" | "canceled" | "skipped"
                    )
                })
            {
                self.cancel_pipeline(&downstream)?;
            }
        }
        Ok(())
    }
}
