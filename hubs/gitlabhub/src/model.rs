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
    /// Set once the default branch was protected, when it first came to exist (GitLab's
    /// initial default branch protection runs once; unprotecting it later sticks).
    #[serde(default)]
    pub default_branch_protection_applied: bool,
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
    /// For a child or multi-project pipeline: the bridge that started it.
    #[serde(default)]
    pub upstream: Option<Upstream>,
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
    /// `retry: when:`: the failure reasons that are retried (`None`: GitLab's default,
    /// `always` unless `exit_codes` is given).
    #[serde(default)]
    pub retry_when: Option<Vec<String>>,
    /// `retry: exit_codes:`: exit codes that are retried whatever the reason.
    #[serde(default)]
    pub retry_exit_codes: Option<Vec<i64>>,
    pub allow_failure_exit_codes: Vec<i64>,
    /// The `environment:` name as written (variables not yet expanded).
    pub environment: Option<String>,
    /// The whole `environment:` keyword: action, URL, `on_stop`, `auto_stop_in`, tier.
    #[serde(default)]
    pub environment_options: Option<EnvironmentSpec>,
    /// The needed jobs whose artifacts this job downloads (`needs: [{job, artifacts: false}]`
    /// leaves them out).
    #[serde(default)]
    pub needs_artifacts: Option<Vec<String>>,
    /// A trigger job (bridge): never given to runners; it starts a downstream pipeline.
    #[serde(default)]
    pub trigger: Option<DownstreamSpec>,
    /// How long a `when: delayed` job waits once its prerequisites are done.
    #[serde(default)]
    pub start_in_seconds: Option<u64>,
    /// Jobs of one resource group run one at a time in their project.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// A newer pipeline of the same ref may cancel this job's pipeline.
    #[serde(default)]
    pub interruptible: bool,
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
    /// The pipeline a bridge started.
    #[serde(default)]
    pub downstream_pipeline_id: Option<u64>,
    /// The variables of its `artifacts: reports: dotenv` file, for the jobs after it.
    #[serde(default)]
    pub dotenv: Vec<(String, String)>,
    /// When a `scheduled` (delayed) job becomes pending.
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// The environment the job's `environment:` named once its variables were expanded.
    #[serde(default)]
    pub environment_id: Option<u64>,
    /// The status the last job event told hooks about (`None`: `created`, never told).
    #[serde(default)]
    pub hooked_status: Option<String>,
    /// Whether the runner that took the job said it cancels gracefully
    /// (`info.features.cancel_gracefully`): canceling it then passes through `canceling`
    /// until the runner reports back, as GitLab does.
    #[serde(default)]
    pub cancel_gracefully: bool,
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
            "created"
                | "pending"
                | "running"
                | "canceling"
                | "waiting_for_resource"
                | "preparing"
                | "scheduled"
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

/// A pipeline schedule of a project: a cron expression in a time zone, the ref its pipelines
/// run on, and the variables they get. `next_run_at` is stored, so a restart keeps the timer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PipelineSchedule {
    pub id: u64,
    pub project_id: u64,
    pub description: String,
    /// As GitLab stores it: a full ref (`refs/heads/main`) when the short name was found.
    pub git_ref: String,
    pub cron: String,
    pub cron_timezone: String,
    pub next_run_at: String,
    pub active: bool,
    pub owner_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub variables: Vec<PipelineVariable>,
    /// The pipelines it started, oldest first.
    pub pipeline_ids: Vec<u64>,
}

/// A protected branch (or wildcard pattern such as `release/*`) of a project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProtectedBranch {
    pub id: u64,
    pub name: String,
    /// Who may push: an access level (`30` developers and maintainers, `40` maintainers, `60`
    /// instance administrators, `0` no one), with the ID of its access-level record.
    pub push_access_level: AccessLevelGrant,
    pub merge_access_level: AccessLevelGrant,
    pub allow_force_push: bool,
    pub code_owner_approval_required: bool,
}

/// A protected tag pattern of a project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProtectedTag {
    pub id: u64,
    pub name: String,
    pub create_access_level: AccessLevelGrant,
}

/// One access-level record of a protected ref (GitLab numbers them on their own).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessLevelGrant {
    pub id: u64,
    pub access_level: i64,
}

/// What a trigger job (a bridge) starts: a child pipeline of the same project from
/// `include` files, or a pipeline of another project.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct DownstreamSpec {
    /// Child pipelines: the configuration files (`local`) or artifacts of earlier jobs.
    pub include: Vec<DownstreamInclude>,
    /// Multi-project pipelines: the downstream project's full path, and its branch.
    pub project: Option<String>,
    pub branch: Option<String>,
    /// `strategy: depend`: the bridge takes the downstream pipeline's status.
    pub depend: bool,
    /// `forward: pipeline_variables`: the upstream pipeline's own variables go along too.
    pub forward_pipeline_variables: bool,
    /// `forward: yaml_variables` (true unless turned off): the bridge's variables go along.
    pub forward_yaml_variables: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum DownstreamInclude {
    Local(String),
    Artifact {
        job: String,
        path: String,
    },
    /// Files of another project, at `ref` (its default branch when absent).
    Project {
        project: String,
        files: Vec<String>,
        git_ref: Option<String>,
    },
    /// One of GitLab's CI templates.
    Template(String),
}

/// The bridge a downstream pipeline was started by.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Upstream {
    pub pipeline_id: u64,
    pub project_id: u64,
    pub bridge_id: u64,
    pub depend: bool,
}

/// A job's `environment:` keyword as the configuration gives it (name and URL unexpanded).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct EnvironmentSpec {
    pub name: String,
    pub url: Option<String>,
    /// `start` (the default), `prepare`, `stop`, `verify` or `access`.
    pub action: String,
    /// The job that stops the environment a deployment of this job started.
    pub on_stop: Option<String>,
    pub auto_stop_in: Option<String>,
    pub deployment_tier: Option<String>,
}

/// An environment of a project: where deployments go. `state` is `available`, `stopping`
/// (a stop job runs) or `stopped`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Environment {
    pub id: u64,
    pub project_id: u64,
    pub name: String,
    pub slug: String,
    pub external_url: Option<String>,
    pub description: Option<String>,
    pub state: String,
    /// `production`, `staging`, `testing`, `development` or `other`.
    pub tier: String,
    pub created_at: String,
    pub updated_at: String,
    pub auto_stop_at: Option<String>,
    /// `always` or `with_action`.
    pub auto_stop_setting: String,
    /// The last stop job whose end this environment followed, so one job's end is followed
    /// once.
    pub last_stop_job_id: Option<u64>,
}

/// A deployment to an environment: made by a job with `environment:` (action `start`),
/// whose status it follows, or through the API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub id: u64,
    /// Numbered per project.
    pub iid: u64,
    pub project_id: u64,
    pub environment_id: u64,
    pub git_ref: String,
    pub sha: String,
    pub tag: bool,
    /// `created`, `running`, `success`, `failed`, `canceled`, `skipped` or `blocked`.
    pub status: String,
    pub user_id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
    /// The job that deploys (none for deployments made through the API).
    pub deployable_id: Option<u64>,
    /// The job that stops the environment afterwards (`environment:on_stop`).
    pub on_stop: Option<String>,
}

/// A label of a project or a group. A project sees its own labels and its groups' labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Label {
    pub id: u64,
    pub name: String,
    /// `#RRGGBB`, as GitLab stores it (CSS names are converted when given).
    pub color: String,
    pub description: Option<String>,
    /// A project's priority for the label (`None`: not prioritized).
    pub priority: Option<i64>,
    pub archived: bool,
    pub created_at: String,
}

/// A milestone of a project or a group (`state` `active` or `closed`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Milestone {
    pub id: u64,
    /// Numbered per project or group.
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub state: String,
    pub due_date: Option<String>,
    pub start_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An issue of a project (`state` `opened` or `closed`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issue {
    pub id: u64,
    pub iid: u64,
    pub project_id: u64,
    pub title: String,
    pub description: Option<String>,
    pub state: String,
    pub author_id: u64,
    pub assignee_ids: Vec<u64>,
    /// Label names, in the order GitLab shows them (by title).
    pub labels: Vec<String>,
    pub milestone_id: Option<u64>,
    pub confidential: bool,
    pub discussion_locked: Option<bool>,
    pub due_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<u64>,
    /// Seconds, as `/time_estimate` and `/add_spent_time` record them.
    pub time_estimate: i64,
    pub total_time_spent: i64,
}

/// A link between two issues (`relates_to`, `blocks`, `is_blocked_by`), kept once from its
/// source's side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueLink {
    pub id: u64,
    pub source_project_id: u64,
    pub source_iid: u64,
    pub target_project_id: u64,
    pub target_iid: u64,
    pub link_type: String,
    pub created_at: String,
    pub updated_at: String,
}
