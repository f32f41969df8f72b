//! The payloads GitLab's webhooks carry (its `Gitlab::DataBuilder::*` and `hook_attrs`), as
//! GitLab's "Webhook events" documentation shows them: `push`, `tag_push`, `merge_request`,
//! `note` (on merge requests), `pipeline`, `build` (jobs) and `deployment`.
//!
//! Times follow the documented payloads: pipeline, merge request and note events show
//! `2016-08-12 15:23:28 UTC` (how they reach GitLab's Sidekiq worker), job events ISO 8601 with
//! milliseconds, commit timestamps ISO 8601 with the author's offset.
//!
//! What this module must not do: change state or decide who receives what (that is `hooks`).

use serde_json::{Value, json};
use simkit::git::{ChangeStatus, EMPTY_TREE, RefUpdate};

use crate::engine::ZERO_SHA;
use crate::model::{Deployment, Job, MergeRequest, Note, Owner, Pipeline, Project, User};
use crate::state::{Gitlab, seconds_between};

/// Commits a push payload lists at most (`PUSH_COMMITS_LIMIT`); `total_commits_count` says how
/// many there were.
const PUSH_COMMITS_LIMIT: usize = 20;

/// `2016-08-12 15:23:28 UTC` from the store's `2016-08-12T15:23:28.123Z`.
pub fn hook_time(stored: &str) -> String {
    match (stored.get(..10), stored.get(11..19)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => stored.to_string(),
    }
}

fn hook_time_opt(stored: Option<&String>) -> Value {
    stored.map_or(Value::Null, |at| Value::String(hook_time(at)))
}

fn visibility_level(visibility: &str) -> i64 {
    match visibility {
        "public" => 20,
        "internal" => 10,
        _ => 0,
    }
}

/// An ISO 8601 time with the author's offset, as GitLab shows a commit's `timestamp`.
fn commit_timestamp(seconds: i64, offset_minutes: i32) -> String {
    let offset =
        time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(time::UtcOffset::UTC);
    let at = time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    let (hours, minutes) = (offset_minutes / 60, (offset_minutes % 60).abs());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        if offset_minutes < 0 { '-' } else { '+' },
        hours.abs(),
        minutes
    )
}

impl Gitlab {
    pub(crate) fn ssh_url(&self, project: &Project) -> String {
        let base = self.external_url();
        let host = base
            .split_once("://")
            .map_or(base.as_str(), |(_, rest)| rest)
            .split(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_string();
        format!("git@{host}:{}.git", project.path_with_namespace)
    }

    fn namespace_name(&self, project: &Project) -> String {
        match project.owner {
            Owner::Group(id) => self.group(id).map(|g| g.name).unwrap_or_default(),
            Owner::User(id) => self.user(id).map(|u| u.name).unwrap_or_default(),
        }
    }

    /// `Project#hook_attrs`.
    pub fn hook_project(&self, project: &Project) -> Value {
        let web_url = format!("{}/{}", self.external_url(), project.path_with_namespace);
        let http_url = format!("{web_url}.git");
        let ssh_url = self.ssh_url(project);
        json!({
            "id": project.id,
            "name": project.name,
            "description": project.description,
            "web_url": web_url,
            "avatar_url": null,
            "git_ssh_url": ssh_url,
            "git_http_url": http_url,
            "namespace": self.namespace_name(project),
            "visibility_level": visibility_level(&project.visibility),
            "path_with_namespace": project.path_with_namespace,
            "default_branch": project.default_branch,
            "ci_config_path": project.ci_config_path,
            "homepage": web_url,
            "url": ssh_url,
            "ssh_url": ssh_url,
            "http_url": http_url,
        })
    }

    /// `Repository` in push and job payloads.
    fn hook_repository(&self, project: &Project) -> Value {
        let web_url = format!("{}/{}", self.external_url(), project.path_with_namespace);
        let ssh_url = self.ssh_url(project);
        json!({
            "name": project.name,
            "url": ssh_url,
            "description": project.description,
            "homepage": web_url,
            "git_http_url": format!("{web_url}.git"),
            "git_ssh_url": ssh_url,
            "visibility_level": visibility_level(&project.visibility),
        })
    }

    /// `User#hook_attrs`.
    pub fn hook_user(&self, user: &User) -> Value {
        json!({
            "id": user.id,
            "name": user.name,
            "username": user.username,
            "avatar_url": null,
            "email": user.email,
        })
    }

    fn hook_user_id(&self, user_id: u64) -> Value {
        self.user(user_id)
            .map_or(Value::Null, |user| self.hook_user(&user))
    }

    /// One commit of a push payload, with the files it added, modified and removed.
    fn hook_commit(
        &self,
        project: &Project,
        repo: &simkit::git::Repo,
        commit: &simkit::git::Commit,
    ) -> Value {
        let parent = commit.parents.first().map_or(EMPTY_TREE, String::as_str);
        let (mut added, mut modified, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        for file in repo.diff(parent, &commit.sha).unwrap_or_default() {
            match file.status {
                ChangeStatus::Added | ChangeStatus::Copied => added.push(file.path),
                ChangeStatus::Removed => removed.push(file.path),
                ChangeStatus::Renamed => {
                    if let Some(previous) = file.previous_path {
                        removed.push(previous);
                    }
                    added.push(file.path);
                }
                ChangeStatus::Modified | ChangeStatus::TypeChanged => modified.push(file.path),
            }
        }
        json!({
            "id": commit.sha,
            "message": commit.message,
            "title": commit.message.lines().next().unwrap_or_default(),
            "timestamp": commit_timestamp(commit.author.time, commit.author.offset_minutes),
            "url": format!("{}/{}/-/commit/{}", self.external_url(), project.path_with_namespace, commit.sha),
            "author": {"name": commit.author.name, "email": commit.author.email},
            "added": added,
            "modified": modified,
            "removed": removed,
        })
    }

    /// The commits a ref update brought (oldest first): those after `old`, or for a new branch
    /// those not on the default branch; the newest 20, and how many there were.
    fn pushed_commits(
        &self,
        project: &Project,
        repo: &simkit::git::Repo,
        update: &RefUpdate,
    ) -> (Vec<Value>, usize) {
        let Some(new) = &update.new else {
            return (Vec::new(), 0);
        };
        let base = match &update.old {
            Some(old) => Some(old.clone()),
            None => repo
                .resolve(&format!("refs/heads/{}", project.default_branch))
                .ok()
                .flatten()
                .filter(|head| head != new),
        };
        let commits = match base {
            Some(base) => repo
                .compare(&base, new)
                .map(|c| c.commits)
                .unwrap_or_default(),
            None => {
                let mut log = repo
                    .log(new, None, 0, PUSH_COMMITS_LIMIT)
                    .unwrap_or_default();
                log.reverse();
                let total = repo.count_commits(new).unwrap_or(0) as usize;
                let values = log
                    .iter()
                    .map(|c| self.hook_commit(project, repo, c))
                    .collect();
                return (values, total);
            }
        };
        let total = commits.len();
        let newest = &commits[total.saturating_sub(PUSH_COMMITS_LIMIT)..];
        (
            newest
                .iter()
                .map(|c| self.hook_commit(project, repo, c))
                .collect(),
            total,
        )
    }

    /// `Gitlab::DataBuilder::Push`: a branch push, or a tag push (`tag_push`, no commits).
    pub fn push_payload(&self, project: &Project, user: &User, update: &RefUpdate) -> Value {
        let tag = update.name.starts_with("refs/tags/");
        let repo = self.repo(project).ok();
        let checkout_sha = update.new.as_ref().and_then(|new| {
            repo.as_ref()
                .and_then(|repo| repo.resolve(new).ok().flatten())
                .or_else(|| Some(new.clone()))
        });
        let (commits, total) = match (&repo, tag) {
            (Some(repo), false) => self.pushed_commits(project, repo, update),
            _ => (Vec::new(), 0),
        };
        let short_ref = update
            .name
            .strip_prefix("refs/heads/")
            .or_else(|| update.name.strip_prefix("refs/tags/"))
            .unwrap_or(&update.name);
        let ref_protected = if tag {
            self.tag_is_protected(project.id, short_ref)
        } else {
            self.branch_is_protected(project.id, short_ref)
        };
        let kind = if tag { "tag_push" } else { "push" };
        json!({
            "object_kind": kind,
            "event_name": kind,
            "before": update.old.clone().unwrap_or_else(|| ZERO_SHA.to_string()),
            "after": update.new.clone().unwrap_or_else(|| ZERO_SHA.to_string()),
            "ref": update.name,
            "ref_protected": ref_protected,
            "checkout_sha": checkout_sha,
            "message": null,
            "user_id": user.id,
            "user_name": user.name,
            "user_username": user.username,
            "user_email": user.email,
            "user_avatar": null,
            "project_id": project.id,
            "project": self.hook_project(project),
            "commits": commits,
            "total_commits_count": total,
            "push_options": {},
            "repository": self.hook_repository(project),
        })
    }

    /// `Gitlab::DataBuilder::Pipeline`.
    pub fn pipeline_payload(&self, pipeline: &Pipeline) -> Value {
        let project = self.project(pipeline.project_id);
        let jobs: Vec<Job> = self
            .pipeline_jobs(pipeline.id)
            .into_iter()
            .filter(|job| !job.retried)
            .collect();
        let mut stages: Vec<(usize, String)> = jobs
            .iter()
            .map(|job| (job.stage_index, job.stage.clone()))
            .collect();
        stages.sort();
        stages.dedup();
        let duration = match (&pipeline.started_at, &pipeline.finished_at) {
            (Some(start), Some(end)) => seconds_between(start, end).map(|s| s.round() as i64),
            _ => None,
        };
        let url = project.as_ref().map(|project| {
            format!(
                "{}/{}/-/pipelines/{}",
                self.external_url(),
                project.path_with_namespace,
                pipeline.id
            )
        });
        let commit = project.as_ref().and_then(|project| {
            let repo = self.repo(project).ok()?;
            let commit = repo.commit_info(&pipeline.sha).ok()??;
            Some(json!({
                "id": commit.sha,
                "message": commit.message,
                "title": commit.message.lines().next().unwrap_or_default(),
                "timestamp": commit_timestamp(commit.author.time, commit.author.offset_minutes),
                "url": format!("{}/{}/-/commit/{}", self.external_url(), project.path_with_namespace, commit.sha),
                "author": {"name": commit.author.name, "email": commit.author.email},
            }))
        });
        let builds: Vec<Value> = jobs.iter().map(|job| self.pipeline_build(job)).collect();
        let merge_request = pipeline
            .merge_request_iid
            .and_then(|iid| self.merge_request(pipeline.project_id, iid))
            .map(|mr| {
                let url = project.as_ref().map(|project| {
                    format!(
                        "{}/{}/-/merge_requests/{}",
                        self.external_url(),
                        project.path_with_namespace,
                        mr.iid
                    )
                });
                json!({
                    "id": mr.id,
                    "iid": mr.iid,
                    "title": mr.title,
                    "source_branch": mr.source_branch,
                    "source_project_id": mr.project_id,
                    "target_branch": mr.target_branch,
                    "target_project_id": mr.project_id,
                    "state": mr.state,
                    "merge_status": mr.merge_status,
                    "detailed_merge_status": if mr.merge_status == "can_be_merged" { "mergeable" } else { "conflict" },
                    "url": url,
                })
            });
        let mut payload = json!({
            "object_kind": "pipeline",
            "object_attributes": {
                "id": pipeline.id,
                "iid": pipeline.iid,
                "name": null,
                "ref": pipeline.git_ref,
                "tag": pipeline.tag,
                "sha": pipeline.sha,
                "before_sha": pipeline.before_sha,
                "source": pipeline.source,
                "status": pipeline.status,
                "detailed_status": detailed_status_label(&pipeline.status),
                "stages": stages.into_iter().map(|(_, name)| name).collect::<Vec<_>>(),
                "created_at": hook_time(&pipeline.created_at),
                "finished_at": hook_time_opt(pipeline.finished_at.as_ref()),
                "duration": duration,
                "queued_duration": null,
                "variables": pipeline.variables.iter().map(|v| json!({"key": v.key, "value": v.value})).collect::<Vec<_>>(),
                "url": url,
            },
            "merge_request": merge_request,
            "user": self.hook_user_id(pipeline.user_id),
            "project": project.as_ref().map(|project| self.hook_project(project)),
            "commit": commit,
            "builds": builds,
        });
        if let Some(upstream) = &pipeline.upstream
            && let Value::Object(map) = &mut payload
        {
            let source = self.pipeline(upstream.pipeline_id);
            let source_project = source.as_ref().and_then(|p| self.project(p.project_id));
            map.insert(
                "source_pipeline".into(),
                json!({
                    "project": source_project.map(|p| json!({"id": p.id, "web_url": format!("{}/{}", self.external_url(), p.path_with_namespace), "path_with_namespace": p.path_with_namespace})),
                    "job_id": upstream.bridge_id,
                    "pipeline_id": upstream.pipeline_id,
                }),
            );
        }
        if pipeline.merge_request_iid.is_none()
            && let Value::Object(map) = &mut payload
        {
            map.insert("merge_request".into(), Value::Null);
        }
        payload
    }

    /// One of a pipeline payload's `builds`.
    fn pipeline_build(&self, job: &Job) -> Value {
        let duration = match (&job.started_at, &job.finished_at) {
            (Some(start), Some(end)) => seconds_between(start, end),
            _ => None,
        };
        let queued_duration = match (&job.queued_at, &job.started_at) {
            (Some(queued), Some(start)) => seconds_between(queued, start),
            _ => None,
        };
        json!({
            "id": job.id,
            "stage": job.stage,
            "name": job.name,
            "status": job.status,
            "created_at": hook_time(&job.created_at),
            "started_at": hook_time_opt(job.started_at.as_ref()),
            "finished_at": hook_time_opt(job.finished_at.as_ref()),
            "duration": duration,
            "queued_duration": queued_duration,
            "failure_reason": job.failure_reason,
            "when": job.when,
            "manual": job.when == "manual",
            "allow_failure": job.allow_failure,
            "user": self.hook_user_id(job.user_id),
            "runner": self.hook_runner(job),
            "artifacts_file": {
                "filename": job.artifacts_file.as_ref().map(|f| f.filename.clone()),
                "size": job.artifacts_file.as_ref().map(|f| f.size),
            },
            "environment": job.spec.environment_options.as_ref().map(|spec| json!({
                "name": job.spec.environment,
                "action": spec.action,
                "deployment_tier": spec.deployment_tier,
            })),
        })
    }

    fn hook_runner(&self, job: &Job) -> Value {
        job.runner_id
            .and_then(|id| self.db.runners.get(&crate::model::key(id)))
            .map_or(Value::Null, |runner| {
                json!({
                    "id": runner.id,
                    "description": runner.description,
                    "runner_type": runner.runner_type,
                    "active": !runner.paused,
                    "is_shared": runner.runner_type == "instance_type",
                    "tags": runner.tag_list,
                })
            })
    }

    /// `Gitlab::DataBuilder::Build`: a job event (`object_kind: build`).
    pub fn job_hook_payload(&self, job: &Job) -> Value {
        let pipeline = self.pipeline(job.pipeline_id);
        let project = self.project(job.project_id);
        let duration = match (&job.started_at, &job.finished_at) {
            (Some(start), Some(end)) => seconds_between(start, end),
            _ => None,
        };
        let queued_duration = match (&job.queued_at, &job.started_at) {
            (Some(queued), Some(start)) => seconds_between(queued, start),
            _ => None,
        };
        let retries = self
            .pipeline_jobs(job.pipeline_id)
            .iter()
            .filter(|other| other.name == job.name && other.retried && other.id < job.id)
            .count();
        let commit = pipeline.as_ref().map(|pipeline| {
            let info = project
                .as_ref()
                .and_then(|project| self.repo(project).ok())
                .and_then(|repo| repo.commit_info(&pipeline.sha).ok().flatten());
            json!({
                "id": pipeline.id,
                "name": null,
                "sha": pipeline.sha,
                "message": info.as_ref().map(|c| c.message.clone()),
                "author_name": info.as_ref().map(|c| c.author.name.clone()),
                "author_email": info.as_ref().map(|c| c.author.email.clone()),
                "author_url": null,
                "status": pipeline.status,
                "duration": null,
                "started_at": pipeline.started_at,
                "finished_at": pipeline.finished_at,
            })
        });
        json!({
            "object_kind": "build",
            "ref": pipeline.as_ref().map(|p| p.git_ref.clone()),
            "tag": pipeline.as_ref().is_some_and(|p| p.tag),
            "before_sha": pipeline.as_ref().map(|p| p.before_sha.clone()),
            "sha": pipeline.as_ref().map(|p| p.sha.clone()),
            "retries_count": retries,
            "build_id": job.id,
            "build_name": job.name,
            "build_stage": job.stage,
            "build_status": job.status,
            "build_created_at": job.created_at,
            "build_started_at": job.started_at,
            "build_finished_at": job.finished_at,
            "build_duration": duration,
            "build_queued_duration": queued_duration,
            "build_allow_failure": job.allow_failure,
            "build_failure_reason": job.failure_reason.clone().unwrap_or_else(|| "unknown_failure".into()),
            "pipeline_id": job.pipeline_id,
            "runner": self.hook_runner(job),
            "project_id": job.project_id,
            "project_name": project.as_ref().map(|p| p.name_with_namespace.clone()),
            "user": self.hook_user_id(job.user_id),
            "commit": commit,
            "repository": project.as_ref().map(|p| self.hook_repository(p)),
            "project": project.as_ref().map(|p| self.hook_project(p)),
            "environment": job.spec.environment_options.as_ref().map(|spec| json!({
                "name": job.spec.environment,
                "action": spec.action,
                "deployment_tier": spec.deployment_tier,
            })),
        })
    }

    /// `MergeRequest#hook_attrs` with its `action` (`open`, `update`, `close`, `reopen`,
    /// `merge`, `approved`, `unapproved`).
    pub fn merge_request_payload(
        &self,
        project: &Project,
        mr: &MergeRequest,
        user: &User,
        action: &str,
    ) -> Value {
        let url = format!(
            "{}/{}/-/merge_requests/{}",
            self.external_url(),
            project.path_with_namespace,
            mr.iid
        );
        let last_commit = self
            .repo(project)
            .ok()
            .zip(mr.diff.as_ref())
            .and_then(|(repo, diff)| repo.commit_info(&diff.head_sha).ok().flatten())
            .map(|commit| {
                json!({
                    "id": commit.sha,
                    "message": commit.message,
                    "title": commit.message.lines().next().unwrap_or_default(),
                    "timestamp": commit_timestamp(commit.author.time, commit.author.offset_minutes),
                    "url": format!("{}/{}/-/commit/{}", self.external_url(), project.path_with_namespace, commit.sha),
                    "author": {"name": commit.author.name, "email": commit.author.email},
                })
            });
        let state = mr.state.as_str();
        json!({
            "object_kind": "merge_request",
            "event_type": "merge_request",
            "user": self.hook_user(user),
            "project": self.hook_project(project),
            "object_attributes": {
                "id": mr.id,
                "iid": mr.iid,
                "target_branch": mr.target_branch,
                "source_branch": mr.source_branch,
                "source_project_id": project.id,
                "author_id": mr.author_id,
                "assignee_ids": mr.assignee_ids,
                "assignee_id": mr.assignee_ids.first(),
                "reviewer_ids": mr.reviewer_ids,
                "title": mr.title,
                "created_at": hook_time(&mr.created_at),
                "updated_at": hook_time(&mr.updated_at),
                "last_edited_at": null,
                "last_edited_by_id": null,
                "milestone_id": null,
                "state_id": match state { "opened" => 1, "closed" => 2, "merged" => 3, _ => 4 },
                "state": state,
                "blocking_discussions_resolved": true,
                "work_in_progress": false,
                "draft": false,
                "first_contribution": false,
                "merge_status": mr.merge_status,
                "detailed_merge_status": if mr.merge_status == "can_be_merged" { "mergeable" } else { "conflict" },
                "target_project_id": project.id,
                "description": mr.description,
                "prepared_at": hook_time(&mr.created_at),
                "total_time_spent": 0,
                "time_change": 0,
                "human_total_time_spent": null,
                "human_time_change": null,
                "human_time_estimate": null,
                "url": url,
                "source": self.hook_project(project),
                "target": self.hook_project(project),
                "last_commit": last_commit,
                "labels": [],
                "action": action,
                "merge_commit_sha": mr.merge_commit_sha,
            },
            "labels": [],
            "changes": {},
            "repository": {
                "name": project.name,
                "url": self.ssh_url(project),
                "description": project.description,
                "homepage": format!("{}/{}", self.external_url(), project.path_with_namespace),
            },
        })
    }

    /// `Gitlab::DataBuilder::Note` for a comment on a merge request.
    pub fn note_payload(
        &self,
        project: &Project,
        mr: &MergeRequest,
        note: &Note,
        user: &User,
    ) -> Value {
        let mr_url = format!(
            "{}/{}/-/merge_requests/{}",
            self.external_url(),
            project.path_with_namespace,
            mr.iid
        );
        json!({
            "object_kind": "note",
            "event_type": "note",
            "user": self.hook_user(user),
            "project_id": project.id,
            "project": self.hook_project(project),
            "object_attributes": {
                "id": note.id,
                "note": note.body,
                "noteable_type": "MergeRequest",
                "author_id": note.author_id,
                "created_at": hook_time(&note.created_at),
                "updated_at": hook_time(&note.updated_at),
                "project_id": project.id,
                "attachment": null,
                "line_code": null,
                "commit_id": "",
                "noteable_id": mr.id,
                "system": note.system,
                "st_diff": null,
                "action": "create",
                "url": format!("{mr_url}#note_{}", note.id),
            },
            "repository": {
                "name": project.name,
                "url": self.ssh_url(project),
                "description": project.description,
                "homepage": format!("{}/{}", self.external_url(), project.path_with_namespace),
            },
            "merge_request": {
                "id": mr.id,
                "iid": mr.iid,
                "title": mr.title,
                "source_branch": mr.source_branch,
                "target_branch": mr.target_branch,
                "state": mr.state,
                "merge_status": mr.merge_status,
                "url": mr_url,
            },
        })
    }

    /// `Gitlab::DataBuilder::Deployment`.
    pub fn deployment_payload(&self, deployment: &Deployment) -> Value {
        let project = self.project(deployment.project_id);
        let environment = self
            .db
            .environments
            .get(&crate::environments::environment_key(
                deployment.project_id,
                deployment.environment_id,
            ));
        let web = |path: String| format!("{}/{path}", self.external_url());
        let path = project
            .as_ref()
            .map(|p| p.path_with_namespace.clone())
            .unwrap_or_default();
        let title = project
            .as_ref()
            .and_then(|project| self.repo(project).ok())
            .and_then(|repo| repo.commit_info(&deployment.sha).ok().flatten())
            .map(|commit| {
                commit
                    .message
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
        json!({
            "object_kind": "deployment",
            "status": deployment.status,
            "status_changed_at": hook_time(&deployment.updated_at),
            "deployment_id": deployment.id,
            "deployable_id": deployment.deployable_id,
            "deployable_url": deployment.deployable_id.map(|id| web(format!("{path}/-/jobs/{id}"))),
            "environment": environment.as_ref().map(|e| e.name.clone()),
            "environment_tier": environment.as_ref().map(|e| e.tier.clone()),
            "environment_slug": environment.as_ref().map(|e| e.slug.clone()),
            "environment_external_url": environment.as_ref().and_then(|e| e.external_url.clone()),
            "project": project.as_ref().map(|p| self.hook_project(p)),
            "short_sha": deployment.sha.get(..8).unwrap_or(&deployment.sha),
            "user": self.hook_user_id(deployment.user_id),
            "user_url": self.user(deployment.user_id).map(|u| web(u.username)),
            "commit_url": web(format!("{path}/-/commit/{}", deployment.sha)),
            "commit_title": title,
            "ref": deployment.git_ref,
        })
    }
}

/// The label of a pipeline's detailed status, as pipeline events show it.
fn detailed_status_label(status: &str) -> &'static str {
    match status {
        "success" => "passed",
        "failed" => "failed",
        "running" => "running",
        "pending" => "pending",
        "canceled" => "canceled",
        "canceling" => "canceling",
        "skipped" => "skipped",
        "manual" => "manual action",
        "scheduled" => "delayed",
        "waiting_for_resource" => "waiting for resource",
        _ => "created",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(
            hook_time("2016-08-12T15:23:28.123Z"),
            "2016-08-12 15:23:28 UTC"
        );
        assert_eq!(
            commit_timestamp(1_323_692_851, 120),
            "2011-12-12T14:27:31+02:00"
        );
        assert_eq!(
            commit_timestamp(1_323_692_851, -330),
            "2011-12-12T06:57:31-05:30"
        );
        assert_eq!(commit_timestamp(0, 0), "1970-01-01T00:00:00+00:00");
    }
}
