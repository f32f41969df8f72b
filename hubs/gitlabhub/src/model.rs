//! The records gitlabhub keeps in the kit's store, one collection each, keyed by zero-padded
//! numeric IDs so key order is ID order.
//!
//! What this module must not do: read the wire or the clock. Presenting records as GitLab's
//! JSON lives in `present`.

use serde::{Deserialize, Serialize};

/// Access levels as GitLab numbers them.
pub mod access {
    pub const GUEST: i64 = 10;
    pub const REPORTER: i64 = 20;
    pub const DEVELOPER: i64 = 30;
    pub const MAINTAINER: i64 = 40;
    pub const OWNER: i64 = 50;
}

pub fn key(id: u64) -> String {
    format!("{id:012}")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub bot: bool,
    pub state: String,
    pub created_at: String,
    /// The user's personal namespace; namespace IDs are shared with groups.
    pub namespace_id: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    pub id: u64,
    pub user_id: u64,
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<String>,
    pub revoked: bool,
    pub created_at: String,
    /// SHA-256 of the token: the token itself is shown once, at creation.
    pub digest: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub id: u64,
    pub name: String,
    pub path: String,
    pub full_path: String,
    pub full_name: String,
    pub parent_id: Option<u64>,
    pub description: String,
    pub visibility: String,
    pub created_at: String,
    pub runners_token: String,
}

/// Whose namespace a project lives in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Owner {
    User(u64),
    Group(u64),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Project {
    pub id: u64,
    pub name: String,
    pub path: String,
    pub owner: Owner,
    /// `namespace/path`, the key of `projects_by_path` (lower-cased there).
    pub path_with_namespace: String,
    pub name_with_namespace: String,
    pub description: String,
    pub visibility: String,
    pub default_branch: String,
    pub created_at: String,
    pub last_activity_at: String,
    pub creator_id: u64,
    pub runners_token: String,
    pub ci_config_path: Option<String>,
    pub archived: bool,
    pub topics: Vec<String>,
    /// The next pipeline `iid`.
    pub pipeline_iid: u64,
    /// How deep runners fetch (`ci_default_git_depth`; 0 clones everything).
    #[serde(default = "default_git_depth")]
    pub ci_default_git_depth: i64,
    /// The last merge request `iid` given out.
    #[serde(default)]
    pub merge_request_iid: u64,
    /// `merge`, `rebase_merge` or `ff`: how merge requests join their target.
    #[serde(default = "default_merge_method")]
    pub merge_method: String,
}

fn default_merge_method() -> String {
    "merge".into()
}

fn default_git_depth() -> i64 {
    20
}

/// A membership of a user in a project or a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub user_id: u64,
    pub access_level: i64,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub created_by: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Variable {
    pub key: String,
    pub value: String,
    pub variable_type: String,
    pub protected: bool,
    pub masked: bool,
    pub raw: bool,
    pub environment_scope: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Runner {
    pub id: u64,
    /// SHA-256 of the runner's authentication token.
    pub digest: String,
    pub description: String,
    pub paused: bool,
    pub locked: bool,
    pub run_untagged: bool,
    pub tag_list: Vec<String>,
    /// `instance_type`, `group_type` or `project_type`.
    pub runner_type: String,
    pub project_ids: Vec<u64>,
    pub group_ids: Vec<u64>,
    pub maximum_timeout: Option<i64>,
    pub access_level: String,
    pub created_at: String,
    pub contacted_at: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub revision: Option<String>,
    pub platform: Option<String>,
    pub architecture: Option<String>,
    pub ip_address: Option<String>,
    pub executor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PipelineVariable {
    pub key: String,
    pub value: String,
    pub variable_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub sha: String,
    pub before_sha: String,
    pub git_ref: String,
    pub tag: bool,
    pub status: String,
    pub source: String,
    pub user_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub variables: Vec<PipelineVariable>,
    /// The configuration error that failed the pipeline, as GitLab's linter words it.
    pub yaml_errors: Option<String>,
    /// The merge request a `merge_request_event` pipeline runs for (its `iid`).
    #[serde(default)]
    pub merge_request_iid: Option<u64>,
}

/// What a job runs, as the pipeline engine resolved it from the configuration.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct JobSpec {
    pub before_script: Vec<String>,
    pub script: Vec<String>,
    pub after_script: Vec<String>,
    pub image: Option<serde_json::Value>,
    pub services: Vec<serde_json::Value>,
    pub variables: Vec<(String, String)>,
    pub tags: Vec<String>,
    pub artifacts: Option<serde_json::Value>,
    pub cache: Option<serde_json::Value>,
    /// Jobs this one needs (DAG); `None` means "every job of earlier stages".
    pub needs: Option<Vec<String>>,
    pub dependencies: Option<Vec<String>>,
    pub timeout_seconds: Option<u64>,
    pub retry_max: u32,
    pub allow_failure_exit_codes: Vec<i64>,
    pub environment: Option<String>,
    /// The needed jobs whose artifacts this job downloads (`needs: [{job, artifacts: false}]`
    /// leaves them out).
    #[serde(default)]
    pub needs_artifacts: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: u64,
    pub project_id: u64,
    pub pipeline_id: u64,
    pub name: String,
    pub stage: String,
    pub stage_index: usize,
    pub status: String,
    /// `on_success`, `on_failure`, `always`, `manual`.
    pub when: String,
    pub allow_failure: bool,
    pub user_id: u64,
    pub created_at: String,
    pub queued_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub runner_id: Option<u64>,
    /// The job token while the job runs; it stops authenticating once the job ends.
    pub token: String,
    pub spec: JobSpec,
    pub failure_reason: Option<String>,
    pub exit_code: Option<i64>,
    /// Replaced by a retry (hidden from listings unless `include_retried`).
    pub retried: bool,
    pub artifacts_file: Option<ArtifactsFile>,
    pub trace_length: u64,
    pub coverage: Option<f64>,
    /// When the trace and artifacts were erased (`POST .../erase`).
    #[serde(default)]
    pub erased_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactsFile {
    pub filename: String,
    pub size: u64,
    pub file_format: String,
    pub file_type: String,
    pub expire_at: Option<String>,
}

impl Job {
    pub fn is_finished(&self) -> bool {
        matches!(
            self.status.as_str(),
            "success" | "failed" | "canceled" | "skipped"
        )
    }

    pub fn is_active(&self) -> bool {
        matches!(
            self.status.as_str(),
            "created" | "pending" | "running" | "waiting_for_resource" | "preparing"
        )
    }
}

/// A merge request of a project (source and target branches in the same project).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeRequest {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    pub description: String,
    /// `opened`, `closed` or `merged`.
    pub state: String,
    pub source_branch: String,
    pub target_branch: String,
    pub author_id: u64,
    pub assignee_ids: Vec<u64>,
    pub reviewer_ids: Vec<u64>,
    pub labels: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub merged_at: Option<String>,
    pub merged_by: Option<u64>,
    pub closed_at: Option<String>,
    pub closed_by: Option<u64>,
    pub merge_commit_sha: Option<String>,
    pub squash_commit_sha: Option<String>,
    pub squash: bool,
    /// `remove_source_branch` as given at creation or update.
    pub force_remove_source_branch: bool,
    /// `should_remove_source_branch` as given to the merge.
    pub should_remove_source_branch: Option<bool>,
    pub discussion_locked: Option<bool>,
    /// The diff GitLab shows: the source head, the target head, and their merge base, as
    /// they were when the source or target last moved (kept after a merge deletes the branch).
    pub diff: Option<DiffRefs>,
    /// `can_be_merged` or `cannot_be_merged`, as last computed.
    pub merge_status: String,
    pub approved_by: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DiffRefs {
    pub base_sha: String,
    pub head_sha: String,
    pub start_sha: String,
}

/// A comment on a merge request; `system` notes record what happened to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Note {
    pub id: u64,
    pub body: String,
    pub author_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub system: bool,
}

/// A pipeline trigger token of a project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    pub id: u64,
    pub description: String,
    /// `glptt-…`: GitLab shows it in full to the trigger's owner, so it is kept as given.
    pub token: String,
    pub owner_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub last_used: Option<String>,
}
