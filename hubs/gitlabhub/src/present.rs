//! Records as GitLab's API presents them (its `Entities`): the fields, their names and their
//! nesting, per GitLab's REST API documentation.
//!
//! What this module must not do: change state or decide access (callers pass what the caller
//! may see, as `show_secrets`).

use serde_json::{Value, json};

use crate::model::{Group, Job, Member, Owner, Pipeline, Project, Runner, User, Variable};
use crate::state::{Gitlab, seconds_between};

impl Gitlab {
    fn web(&self, path: &str) -> String {
        format!("{}/{path}", self.external_url())
    }

    /// `UserBasic`.
    pub fn user_basic(&self, user: &User) -> Value {
        json!({
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": user.state,
            "locked": false,
            "avatar_url": null,
            "web_url": self.web(&user.username),
        })
    }

    /// `UserPublic` (`GET /user`, and `GET /users/:id` for administrators).
    pub fn user_full(&self, user: &User, show_private: bool) -> Value {
        let mut body = self.user_basic(user);
        if let Value::Object(map) = &mut body {
            map.insert("created_at".into(), json!(user.created_at));
            map.insert("bio".into(), json!(""));
            map.insert("location".into(), json!(""));
            map.insert("public_email".into(), json!(null));
            map.insert("website_url".into(), json!(""));
            map.insert("organization".into(), json!(""));
            map.insert("job_title".into(), json!(""));
            map.insert("bot".into(), json!(user.bot));
            if show_private {
                map.insert("email".into(), json!(user.email));
                map.insert("commit_email".into(), json!(user.email));
                map.insert("is_admin".into(), json!(user.is_admin));
                map.insert("namespace_id".into(), json!(user.namespace_id));
                map.insert("can_create_group".into(), json!(true));
                map.insert("can_create_project".into(), json!(true));
                map.insert("projects_limit".into(), json!(100000));
                map.insert("two_factor_enabled".into(), json!(false));
                map.insert("external".into(), json!(false));
                map.insert("private_profile".into(), json!(false));
                map.insert("identities".into(), json!([]));
                map.insert("last_sign_in_at".into(), json!(null));
                map.insert("confirmed_at".into(), json!(user.created_at));
            }
        }
        body
    }

    pub fn group_json(&self, group: &Group, show_token: bool) -> Value {
        let mut body = json!({
            "id": group.id,
            "web_url": self.web(&format!("groups/{}", group.full_path)),
            "name": group.name,
            "path": group.path,
            "description": group.description,
            "visibility": group.visibility,
            "share_with_group_lock": false,
            "require_two_factor_authentication": false,
            "two_factor_grace_period": 48,
            "project_creation_level": "developer",
            "auto_devops_enabled": null,
            "subgroup_creation_level": "maintainer",
            "emails_disabled": false,
            "emails_enabled": true,
            "mentions_disabled": null,
            "lfs_enabled": true,
            "default_branch": null,
            "request_access_enabled": true,
            "full_name": group.full_name,
            "full_path": group.full_path,
            "created_at": group.created_at,
            "parent_id": group.parent_id,
            "avatar_url": null,
            "shared_runners_setting": "enabled",
        });
        if show_token && let Value::Object(map) = &mut body {
            map.insert("runners_token".into(), json!(group.runners_token));
        }
        body
    }

    fn namespace_json(&self, owner: &Owner) -> Value {
        match owner {
            Owner::User(id) => match self.user(*id) {
                Some(user) => json!({
                    "id": user.namespace_id,
                    "name": user.name,
                    "path": user.username,
                    "kind": "user",
                    "full_path": user.username,
                    "parent_id": null,
                    "avatar_url": null,
                    "web_url": self.web(&user.username),
                }),
                None => Value::Null,
            },
            Owner::Group(id) => match self.group(*id) {
                Some(group) => json!({
                    "id": group.id,
                    "name": group.name,
                    "path": group.path,
                    "kind": "group",
                    "full_path": group.full_path,
                    "parent_id": group.parent_id,
                    "avatar_url": null,
                    "web_url": self.web(&format!("groups/{}", group.full_path)),
                }),
                None => Value::Null,
            },
        }
    }

    /// `Project` (with `permissions` for the caller's access level).
    pub fn project_json(&self, project: &Project, access_level: i64) -> Value {
        let base = self.external_url();
        let api = format!("{base}/api/v4/projects/{}", project.id);
        let mut body = json!({
            "id": project.id,
            "description": project.description,
            "name": project.name,
            "name_with_namespace": project.name_with_namespace,
            "path": project.path,
            "path_with_namespace": project.path_with_namespace,
            "created_at": project.created_at,
            "default_branch": project.default_branch,
            "tag_list": project.topics,
            "topics": project.topics,
            "ssh_url_to_repo": format!("git@127.0.0.1:{}.git", project.path_with_namespace),
            "http_url_to_repo": format!("{base}/{}.git", project.path_with_namespace),
            "web_url": format!("{base}/{}", project.path_with_namespace),
            "readme_url": null,
            "forks_count": 0,
            "avatar_url": null,
            "star_count": 0,
            "last_activity_at": project.last_activity_at,
            "namespace": self.namespace_json(&project.owner),
            "_links": {
                "self": api,
                "issues": format!("{api}/issues"),
                "merge_requests": format!("{api}/merge_requests"),
                "repo_branches": format!("{api}/repository/branches"),
                "labels": format!("{api}/labels"),
                "events": format!("{api}/events"),
                "members": format!("{api}/members"),
                "cluster_agents": format!("{api}/cluster_agents"),
            },
            "empty_repo": false,
            "archived": project.archived,
            "visibility": project.visibility,
            "creator_id": project.creator_id,
            "ci_config_path": project.ci_config_path,
            "jobs_enabled": true,
            "builds_access_level": "enabled",
            "repository_access_level": "enabled",
            "issues_enabled": true,
            "merge_requests_enabled": true,
            "shared_runners_enabled": true,
            "public_jobs": true,
            "only_allow_merge_if_pipeline_succeeds": false,
            "merge_method": project.merge_method,
            "squash_option": "default_off",
            "remove_source_branch_after_merge": true,
            "request_access_enabled": true,
            "auto_cancel_pending_pipelines": "enabled",
            "build_timeout": 3600,
            "ci_default_git_depth": project.ci_default_git_depth,
            "permissions": {
                "project_access": if access_level > 0 {
                    json!({"access_level": access_level, "notification_level": 3})
                } else {
                    Value::Null
                },
                "group_access": null,
            },
        });
        if let Value::Object(map) = &mut body {
            if let Owner::User(id) = project.owner
                && let Some(owner) = self.user(id)
            {
                map.insert("owner".into(), self.user_basic(&owner));
            }
            if access_level >= crate::model::access::MAINTAINER {
                map.insert("runners_token".into(), json!(project.runners_token));
            }
        }
        body
    }

    pub fn member_json(&self, member: &Member) -> Option<Value> {
        let user = self.user(member.user_id)?;
        let mut body = self.user_basic(&user);
        if let Value::Object(map) = &mut body {
            map.insert("access_level".into(), json!(member.access_level));
            map.insert("created_at".into(), json!(member.created_at));
            map.insert("expires_at".into(), json!(member.expires_at));
            map.insert(
                "created_by".into(),
                member
                    .created_by
                    .and_then(|id| self.user(id))
                    .map_or(Value::Null, |creator| self.user_basic(&creator)),
            );
            map.insert("membership_state".into(), json!("active"));
        }
        Some(body)
    }

    pub fn runner_json(&self, runner: &Runner, detailed: bool) -> Value {
        let online = runner.contacted_at.is_some();
        let mut body = json!({
            "id": runner.id,
            "description": runner.description,
            "ip_address": runner.ip_address,
            "active": !runner.paused,
            "paused": runner.paused,
            "is_shared": runner.runner_type == "instance_type",
            "runner_type": runner.runner_type,
            "name": runner.name,
            "online": online,
            "status": if online { "online" } else { "never_contacted" },
        });
        if detailed && let Value::Object(map) = &mut body {
            map.insert("tag_list".into(), json!(runner.tag_list));
            map.insert("run_untagged".into(), json!(runner.run_untagged));
            map.insert("locked".into(), json!(runner.locked));
            map.insert("maximum_timeout".into(), json!(runner.maximum_timeout));
            map.insert("access_level".into(), json!(runner.access_level));
            map.insert("version".into(), json!(runner.version));
            map.insert("revision".into(), json!(runner.revision));
            map.insert("platform".into(), json!(runner.platform));
            map.insert("architecture".into(), json!(runner.architecture));
            map.insert("contacted_at".into(), json!(runner.contacted_at));
            map.insert("maintenance_note".into(), json!(null));
            let projects: Vec<Value> = runner
                .project_ids
                .iter()
                .filter_map(|id| self.project(*id))
                .map(|project| {
                    json!({
                        "id": project.id,
                        "name": project.name,
                        "name_with_namespace": project.name_with_namespace,
                        "path": project.path,
                        "path_with_namespace": project.path_with_namespace,
                    })
                })
                .collect();
            map.insert("projects".into(), Value::Array(projects));
            let groups: Vec<Value> = runner
                .group_ids
                .iter()
                .filter_map(|id| self.group(*id))
                .map(|group| json!({"id": group.id, "name": group.name, "web_url": self.web(&format!("groups/{}", group.full_path))}))
                .collect();
            map.insert("groups".into(), Value::Array(groups));
        }
        body
    }

    /// `PipelineBasic` (listings) or `Pipeline` (detail).
    pub fn pipeline_json(&self, pipeline: &Pipeline, detailed: bool) -> Value {
        let web_url = self
            .project(pipeline.project_id)
            .map_or_else(String::new, |project| {
                format!(
                    "{}/{}/-/pipelines/{}",
                    self.external_url(),
                    project.path_with_namespace,
                    pipeline.id
                )
            });
        let mut body = json!({
            "id": pipeline.id,
            "iid": pipeline.iid,
            "project_id": pipeline.project_id,
            "sha": pipeline.sha,
            "ref": pipeline.git_ref,
            "status": pipeline.status,
            "source": pipeline.source,
            "created_at": pipeline.created_at,
            "updated_at": pipeline.updated_at,
            "web_url": web_url,
        });
        if detailed && let Value::Object(map) = &mut body {
            map.insert("before_sha".into(), json!(pipeline.before_sha));
            map.insert("tag".into(), json!(pipeline.tag));
            map.insert("yaml_errors".into(), json!(pipeline.yaml_errors));
            map.insert(
                "user".into(),
                self.user(pipeline.user_id)
                    .map_or(Value::Null, |user| self.user_basic(&user)),
            );
            map.insert("started_at".into(), json!(pipeline.started_at));
            map.insert("finished_at".into(), json!(pipeline.finished_at));
            map.insert("committed_at".into(), json!(null));
            let duration = match (&pipeline.started_at, &pipeline.finished_at) {
                (Some(start), Some(end)) => seconds_between(start, end).map(|s| s.round() as i64),
                _ => None,
            };
            map.insert("duration".into(), json!(duration));
            map.insert("queued_duration".into(), json!(null));
            map.insert("coverage".into(), json!(null));
            map.insert("detailed_status".into(), detailed_status(&pipeline.status));
        }
        body
    }

    /// `Job`, as `GET /projects/:id/jobs/:job_id` shows it.
    pub fn job_json(&self, job: &Job) -> Value {
        let pipeline = self.db.pipelines.get(&crate::model::key(job.pipeline_id));
        let project = self.project(job.project_id);
        let duration = match (&job.started_at, &job.finished_at) {
            (Some(start), Some(end)) => seconds_between(start, end),
            _ => None,
        };
        let queued_duration = match (&job.queued_at, &job.started_at) {
            (Some(queued), Some(start)) => seconds_between(queued, start),
            _ => None,
        };
        let artifacts: Vec<Value> = job
            .artifacts_file
            .iter()
            .map(|file| {
                json!({
                    "file_type": file.file_type,
                    "size": file.size,
                    "filename": file.filename,
                    "file_format": file.file_format,
                })
            })
            .chain(job.trace_length.gt(&0).then(|| {
                json!({"file_type": "trace", "size": job.trace_length, "filename": "job.log", "file_format": null})
            }))
            .collect();
        json!({
            "id": job.id,
            "status": job.status,
            "stage": job.stage,
            "name": job.name,
            "ref": pipeline.as_ref().map(|p| p.git_ref.clone()),
            "tag": pipeline.as_ref().is_some_and(|p| p.tag),
            "coverage": job.coverage,
            "allow_failure": job.allow_failure,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
            "erased_at": job.erased_at,
            "duration": duration,
            "queued_duration": queued_duration,
            "user": self.user(job.user_id).map(|user| self.user_full(&user, false)),
            "commit": pipeline.as_ref().map(|p| json!({"id": p.sha, "short_id": p.sha.get(..8).unwrap_or(&p.sha)})),
            "pipeline": pipeline.as_ref().map(|p| json!({
                "id": p.id, "iid": p.iid, "project_id": p.project_id, "sha": p.sha,
                "ref": p.git_ref, "status": p.status, "source": p.source,
                "created_at": p.created_at, "updated_at": p.updated_at,
            })),
            "failure_reason": job.failure_reason,
            "web_url": project.map(|project| format!("{}/{}/-/jobs/{}", self.external_url(), project.path_with_namespace, job.id)),
            "project": {"ci_job_token_scope_enabled": false},
            "artifacts": artifacts,
            "artifacts_file": job.artifacts_file.as_ref().map(|file| json!({"filename": file.filename, "size": file.size})),
            "artifacts_expire_at": job.artifacts_file.as_ref().and_then(|file| file.expire_at.clone()),
            "runner": job.runner_id.and_then(|id| self.db.runners.get(&crate::model::key(id))).map(|runner| self.runner_json(&runner, false)),
            "tag_list": job.spec.tags,
            "archived": false,
        })
    }
}

impl Gitlab {
    /// `Bridge`: a trigger job as `/pipelines/:id/bridges` shows it, with the pipeline it
    /// started (`null` until then).
    pub fn bridge_json(&self, job: &Job) -> Value {
        let mut body = self.job_json(job);
        if let Value::Object(map) = &mut body {
            for runner_only in [
                "artifacts",
                "artifacts_file",
                "artifacts_expire_at",
                "runner",
                "tag_list",
                "archived",
            ] {
                map.remove(runner_only);
            }
            let downstream = job
                .downstream_pipeline_id
                .and_then(|id| self.db.pipelines.get(&crate::model::key(id)))
                .map_or(Value::Null, |pipeline| self.pipeline_json(&pipeline, false));
            map.insert("downstream_pipeline".into(), downstream);
        }
        body
    }
}

pub fn variable_json(variable: &Variable, with_scope: bool) -> Value {
    let mut body = json!({
        "variable_type": variable.variable_type,
        "key": variable.key,
        "value": variable.value,
        "protected": variable.protected,
        "masked": variable.masked,
        "hidden": false,
        "raw": variable.raw,
        "description": variable.description,
    });
    if with_scope && let Value::Object(map) = &mut body {
        map.insert(
            "environment_scope".into(),
            json!(variable.environment_scope),
        );
    }
    body
}

fn detailed_status(status: &str) -> Value {
    let (text, icon, group) = match status {
        "success" => ("Passed", "status_success", "success"),
        "failed" => ("Failed", "status_failed", "failed"),
        "running" => ("Running", "status_running", "running"),
        "pending" => ("Pending", "status_pending", "pending"),
        "canceled" => ("Canceled", "status_canceled", "canceled"),
        "canceling" => ("Canceling", "status_canceled", "canceling"),
        "skipped" => ("Skipped", "status_skipped", "skipped"),
        "manual" => ("Manual", "status_manual", "manual"),
        _ => ("Created", "status_created", "created"),
    };
    json!({"icon": icon, "text": text, "label": status, "group": group, "tooltip": status, "has_details": true})
}
