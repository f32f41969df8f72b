//! The hub's state: the store's collections, sequences for numeric IDs, and the lookups every
//! area shares (a user by token, a project by ID or path, a caller's access level).
//!
//! What this module must not do: speak HTTP. It answers `GitlabError`s that the handlers pass
//! on unchanged.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use crate::error::{GitlabError, Result};
use crate::model::{
    AccessToken, Deployment, Environment, Group, Issue, IssueLink, Job, Label, Member,
    MergeRequest, Milestone, Note, Owner, Pipeline, PipelineSchedule, Project, ProtectedBranch,
    ProtectedTag, Runner, Trigger, User, Variable, access, key,
};

/// Every collection, opened once.
pub struct Collections {
    pub users: Arc<Collection<User>>,
    pub users_by_name: Arc<Collection<u64>>,
    pub tokens: Arc<Collection<AccessToken>>,
    pub groups: Arc<Collection<Group>>,
    pub groups_by_path: Arc<Collection<u64>>,
    pub projects: Arc<Collection<Project>>,
    pub projects_by_path: Arc<Collection<u64>>,
    pub project_members: Arc<Collection<Member>>,
    pub group_members: Arc<Collection<Member>>,
    pub project_variables: Arc<Collection<Variable>>,
    pub group_variables: Arc<Collection<Variable>>,
    pub runners: Arc<Collection<Runner>>,
    pub runners_by_digest: Arc<Collection<u64>>,
    pub pipelines: Arc<Collection<Pipeline>>,
    pub jobs: Arc<Collection<Job>>,
    pub jobs_by_token: Arc<Collection<u64>>,
    pub traces: Arc<Collection<String>>,
    /// Keyed `project/iid`.
    pub merge_requests: Arc<Collection<MergeRequest>>,
    /// Keyed `project/mr-iid/note-id`.
    pub notes: Arc<Collection<Note>>,
    /// Keyed `project/trigger-id`.
    pub triggers: Arc<Collection<Trigger>>,
    /// Keyed `project/name`.
    pub protected_branches: Arc<Collection<ProtectedBranch>>,
    /// Keyed `project/name`.
    pub protected_tags: Arc<Collection<ProtectedTag>>,
    /// Keyed `project/schedule-id`.
    pub pipeline_schedules: Arc<Collection<PipelineSchedule>>,
    /// Keyed `project/environment-id`.
    pub environments: Arc<Collection<Environment>>,
    /// Keyed `project/deployment-id`.
    pub deployments: Arc<Collection<Deployment>>,
    /// Keyed `project/<id>/<hook-id>` or `group/<id>/<hook-id>`.
    pub hooks: Arc<Collection<crate::hooks::Hook>>,
    /// Keyed `project/<id>/<label-id>` or `group/<id>/<label-id>`.
    pub labels: Arc<Collection<Label>>,
    /// Keyed `project/<id>/<milestone-id>` or `group/<id>/<milestone-id>`.
    pub milestones: Arc<Collection<Milestone>>,
    /// Keyed `project/iid`.
    pub issues: Arc<Collection<Issue>>,
    /// Keyed `project/issue-iid/note-id`.
    pub issue_notes: Arc<Collection<Note>>,
    pub issue_links: Arc<Collection<IssueLink>>,
    pub sequences: Arc<Collection<u64>>,
}

impl Collections {
    fn open(kit: &Kit) -> Result<Self, StoreError> {
        let store = kit.store();
        Ok(Self {
            users: store.collection("gitlab.users")?,
            users_by_name: store.collection("gitlab.users_by_name")?,
            tokens: store.collection("gitlab.tokens")?,
            groups: store.collection("gitlab.groups")?,
            groups_by_path: store.collection("gitlab.groups_by_path")?,
            projects: store.collection("gitlab.projects")?,
            projects_by_path: store.collection("gitlab.projects_by_path")?,
            project_members: store.collection("gitlab.project_members")?,
            group_members: store.collection("gitlab.group_members")?,
            project_variables: store.collection("gitlab.project_variables")?,
            group_variables: store.collection("gitlab.group_variables")?,
            runners: store.collection("gitlab.runners")?,
            runners_by_digest: store.collection("gitlab.runners_by_digest")?,
            pipelines: store.collection("gitlab.pipelines")?,
            jobs: store.collection("gitlab.jobs")?,
            jobs_by_token: store.collection("gitlab.jobs_by_token")?,
            traces: store.collection("gitlab.traces")?,
            merge_requests: store.collection("gitlab.merge_requests")?,
            notes: store.collection("gitlab.notes")?,
            triggers: store.collection("gitlab.triggers")?,
            protected_branches: store.collection("gitlab.protected_branches")?,
            protected_tags: store.collection("gitlab.protected_tags")?,
            pipeline_schedules: store.collection("gitlab.pipeline_schedules")?,
            environments: store.collection("gitlab.environments")?,
            deployments: store.collection("gitlab.deployments")?,
            hooks: store.collection("gitlab.hooks")?,
            labels: store.collection("gitlab.labels")?,
            milestones: store.collection("gitlab.milestones")?,
            issues: store.collection("gitlab.issues")?,
            issue_notes: store.collection("gitlab.issue_notes")?,
            issue_links: store.collection("gitlab.issue_links")?,
            sequences: store.collection("gitlab.sequences")?,
        })
    }
}

/// Settings a deployment gives the hub.
#[derive(Debug, Clone)]
pub struct Config {
    /// The root user's personal access token, so tests and scripts can start.
    pub root_token: Option<String>,
    /// The instance-wide runner registration token.
    pub runner_registration_token: Option<String>,
    /// How long `POST /jobs/request` waits for a job before answering 204 (GitLab Workhorse
    /// waits up to 50 s).
    pub long_poll: std::time::Duration,
    /// When GitLab's `PipelineScheduleWorker` runs (`gitlab_rails['pipeline_schedule_worker_cron']`):
    /// schedules run at its ticks only, and `next_run_at` says which tick.
    pub schedule_worker_cron: String,
    /// When GitLab's `Environments::AutoStopCronWorker` runs.
    pub auto_stop_worker_cron: String,
}

/// GitLab's default `pipeline_schedule_worker_cron`.
pub const DEFAULT_SCHEDULE_WORKER_CRON: &str = "3-59/10 * * * *";

impl Default for Config {
    fn default() -> Self {
        Self {
            root_token: None,
            runner_registration_token: None,
            long_poll: std::time::Duration::from_secs(50),
            schedule_worker_cron: DEFAULT_SCHEDULE_WORKER_CRON.into(),
            auto_stop_worker_cron: crate::auto_stop::DEFAULT_AUTO_STOP_WORKER_CRON.into(),
        }
    }
}

/// The whole hub. Cheap to share (`Arc`).
pub struct Gitlab {
    pub kit: Kit,
    pub db: Collections,
    pub root_token: String,
    pub runner_registration_token: String,
    pub long_poll: std::time::Duration,
    /// Wakes runners long-polling `POST /jobs/request` when a job becomes pending.
    pub jobs_queued: tokio::sync::Notify,
    /// Set when the hub begins to shut down: long polls answer 204 at once instead of holding
    /// the graceful shutdown for their whole window.
    pub stopping: std::sync::atomic::AtomicBool,
    pub stop_polls: tokio::sync::Notify,
    /// Where the hub is reached (`http://127.0.0.1:5556`), for URLs in payloads.
    pub external_url: std::sync::RwLock<String>,
    /// Serialises changes to jobs and pipelines (see `engine`).
    pub engine: std::sync::Mutex<()>,
    /// Wakes the delayed-job timer when a job is scheduled (see `delayed`).
    pub delayed_jobs: tokio::sync::Notify,
    /// Wakes the schedule timer when a schedule is created, changed or removed (see
    /// `schedules`).
    pub schedules_changed: tokio::sync::Notify,
    /// The schedule worker's ticks (see `Config::schedule_worker_cron`).
    pub schedule_worker: crate::cron::Cron,
    /// The auto-stop worker's ticks (see `auto_stop`).
    pub auto_stop_worker: crate::cron::Cron,
    /// Projects' bare repositories, keyed by project ID.
    pub git: simkit::git::GitRepos,
    /// Webhook deliveries (see `hooks`).
    pub webhooks: simkit::webhook::Webhooks,
}

impl std::fmt::Debug for Gitlab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gitlab").finish_non_exhaustive()
    }
}

pub const ROOT_USER_ID: u64 = 1;

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Gitlab {
    pub fn new(kit: Kit, config: Config) -> Result<Self, StoreError> {
        let db = Collections::open(&kit)?;
        let root_token = config
            .root_token
            .unwrap_or_else(|| format!("glpat-{}", kit.ids().random_word(TOKEN_ALPHABET, 20)));
        let runner_registration_token = config
            .runner_registration_token
            .unwrap_or_else(|| format!("GR1348941{}", kit.ids().random_word(TOKEN_ALPHABET, 20)));
        let git_root = kit.files_dir().join("gitlab").join("repositories");
        let webhooks =
            simkit::webhook::Webhooks::start(&kit, "gitlab", crate::hooks::webhook_config())?;
        let gitlab = Self {
            kit,
            db,
            root_token,
            runner_registration_token,
            long_poll: config.long_poll,
            // The builder refuses an invalid expression before the hub starts, and GitLab's
            // default parses (a unit test of `cron` pins it), so neither `expect` can fire.
            schedule_worker: crate::cron::Cron::parse(&config.schedule_worker_cron)
                .or_else(|_| crate::cron::Cron::parse(DEFAULT_SCHEDULE_WORKER_CRON))
                .expect("GitLab's default schedule worker cron parses"),
            // Checked by the builder like the schedule worker's.
            auto_stop_worker: crate::cron::Cron::parse(&config.auto_stop_worker_cron)
                .or_else(|_| {
                    crate::cron::Cron::parse(crate::auto_stop::DEFAULT_AUTO_STOP_WORKER_CRON)
                })
                .expect("GitLab's default auto-stop worker cron parses"),
            jobs_queued: tokio::sync::Notify::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            stop_polls: tokio::sync::Notify::new(),
            external_url: std::sync::RwLock::new(String::new()),
            engine: std::sync::Mutex::new(()),
            delayed_jobs: tokio::sync::Notify::new(),
            schedules_changed: tokio::sync::Notify::new(),
            git: simkit::git::GitRepos::new(git_root),
            webhooks,
        };
        gitlab.bootstrap()?;
        Ok(gitlab)
    }

    /// The root user (ID 1, an administrator) and its token exist from the start, as in a
    /// fresh GitLab after its first sign-in; also after a reset.
    pub fn bootstrap(&self) -> Result<(), StoreError> {
        if self.db.users.get(&key(ROOT_USER_ID)).is_some() {
            // A restart with a state directory keeps the root user; make sure the configured
            // token still works.
            return self.ensure_root_token();
        }
        let now = self.now();
        let root = User {
            id: ROOT_USER_ID,
            username: "root".into(),
            name: "Administrator".into(),
            email: "admin@example.com".into(),
            is_admin: true,
            bot: false,
            state: "active".into(),
            created_at: now,
            namespace_id: ROOT_USER_ID,
        };
        self.kit.store().transaction(|txn| {
            txn.insert(&self.db.users, &key(ROOT_USER_ID), root)?;
            txn.insert(&self.db.users_by_name, "root", ROOT_USER_ID)?;
            txn.insert(&self.db.sequences, "users", ROOT_USER_ID)?;
            txn.insert(&self.db.sequences, "namespaces", ROOT_USER_ID)?;
            Ok::<_, StoreError>(())
        })?;
        self.ensure_root_token()
    }

    fn ensure_root_token(&self) -> Result<(), StoreError> {
        let token_digest = digest(&self.root_token);
        if self.db.tokens.get(&token_digest).is_some() {
            return Ok(());
        }
        let id = self.next_id("tokens")?;
        self.db.tokens.insert(
            &token_digest,
            AccessToken {
                id,
                user_id: ROOT_USER_ID,
                name: "sockerless-bootstrap".into(),
                scopes: vec!["api".into(), "sudo".into(), "admin_mode".into()],
                expires_at: None,
                revoked: false,
                created_at: self.now(),
                digest: token_digest.clone(),
            },
        )?;
        Ok(())
    }

    /// Ends every long poll now and any that starts later (the hub is shutting down).
    pub fn stop_long_polls(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.stop_polls.notify_waiters();
    }

    pub fn external_url(&self) -> String {
        self.external_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The next number of sequence `name` (1, 2, ...), durable like any write.
    pub fn next_id(&self, name: &str) -> Result<u64, StoreError> {
        self.db.sequences.modify(name, |slot| {
            let next = slot.unwrap_or(0) + 1;
            *slot = Some(next);
            Ok::<_, StoreError>(next)
        })
    }

    /// The current time as GitLab writes it: `2026-12-07T03:33:37.123Z`.
    pub fn now(&self) -> String {
        format_time(self.kit.clock().now())
    }

    pub fn new_token(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.kit.ids().random_word(TOKEN_ALPHABET, 20))
    }

    pub fn user(&self, id: u64) -> Option<User> {
        self.db.users.get(&key(id))
    }

    pub fn user_by_name(&self, username: &str) -> Option<User> {
        self.db
            .users_by_name
            .get(&username.to_ascii_lowercase())
            .and_then(|id| self.user(id))
    }

    pub fn group(&self, id: u64) -> Option<Group> {
        self.db.groups.get(&key(id))
    }

    /// A group by numeric ID or full path (`parent/child`).
    pub fn find_group(&self, id_or_path: &str) -> Result<Group> {
        let found = match id_or_path.parse::<u64>() {
            Ok(id) => self.group(id),
            Err(_) => self
                .db
                .groups_by_path
                .get(&id_or_path.to_ascii_lowercase())
                .and_then(|id| self.group(id)),
        };
        found.ok_or_else(|| GitlabError::not_found("Group"))
    }

    pub fn project(&self, id: u64) -> Option<Project> {
        self.db.projects.get(&key(id))
    }

    /// A project by numeric ID or `namespace/path`.
    pub fn find_project(&self, id_or_path: &str) -> Option<Project> {
        match id_or_path.parse::<u64>() {
            Ok(id) => self.project(id),
            Err(_) => self
                .db
                .projects_by_path
                .get(&id_or_path.to_ascii_lowercase())
                .and_then(|id| self.project(id)),
        }
    }

    /// The chain of groups from `group_id` up to its top-level group.
    pub fn group_ancestry(&self, group_id: u64) -> Vec<Group> {
        let mut chain = Vec::new();
        let mut next = Some(group_id);
        while let Some(id) = next {
            match self.group(id) {
                // A cycle cannot be built through the API; the bound guards a corrupt store.
                Some(group) if chain.len() < 32 => {
                    next = group.parent_id;
                    chain.push(group);
                }
                _ => break,
            }
        }
        chain
    }

    /// The highest access level `user` has in `group` (inherited from ancestors), or 0.
    pub fn group_access(&self, user: &User, group_id: u64) -> i64 {
        if user.is_admin {
            return access::OWNER;
        }
        self.group_ancestry(group_id)
            .iter()
            .filter_map(|group| {
                self.db
                    .group_members
                    .get(&format!("{}/{}", key(group.id), key(user.id)))
            })
            .map(|member| member.access_level)
            .max()
            .unwrap_or(0)
    }

    /// The access level `user` has in `project`, or 0.
    pub fn project_access(&self, user: &User, project: &Project) -> i64 {
        if user.is_admin {
            return access::OWNER;
        }
        let direct = self
            .db
            .project_members
            .get(&format!("{}/{}", key(project.id), key(user.id)))
            .map_or(0, |member| member.access_level);
        let inherited = match project.owner {
            Owner::User(owner) if owner == user.id => access::OWNER,
            Owner::User(_) => 0,
            Owner::Group(group) => self.group_access(user, group),
        };
        direct.max(inherited)
    }

    /// Whether `user` is a member of `project` (directly, through its groups, or as owner of
    /// its namespace), regardless of administrator rights.
    pub fn is_member(&self, user: &User, project: &Project) -> bool {
        let mut plain = user.clone();
        plain.is_admin = false;
        self.project_access(&plain, project) > 0
    }

    /// The path of a project's namespace (`root`, `group/sub`).
    pub fn namespace_path(&self, owner: &Owner) -> Option<String> {
        match owner {
            Owner::User(id) => self.user(*id).map(|user| user.username),
            Owner::Group(id) => self.group(*id).map(|group| group.full_path),
        }
    }

    /// Where a job's artifacts archive lives: named by the job's numeric ID only, never by
    /// anything a client sent.
    pub fn artifacts_path(&self, job_id: u64) -> std::path::PathBuf {
        self.kit
            .files_dir()
            .join("gitlab")
            .join("artifacts")
            .join(format!("{job_id}.zip"))
    }
}

/// The records of `collection` whose keys start with `prefix` (a project's or group's
/// members, variables), in key order.
pub fn records_under<V: simkit::store::Record>(collection: &Collection<V>, prefix: &str) -> Vec<V> {
    collection
        .scan_prefix(prefix)
        .into_iter()
        .map(|(_, record)| record)
        .collect()
}

const TOKEN_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

pub fn format_time(at: std::time::SystemTime) -> String {
    simkit::clock::iso_millis(at)
}

/// Seconds between two of our timestamps, for `duration` fields.
pub fn seconds_between(start: &str, end: &str) -> Option<f64> {
    let format = time::format_description::well_known::Rfc3339;
    let start = time::OffsetDateTime::parse(start, &format).ok()?;
    let end = time::OffsetDateTime::parse(end, &format).ok()?;
    Some((end - start).as_seconds_f64())
}
