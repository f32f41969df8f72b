//! The runner service's records in the kit's store.
//!
//! | collection | key | record |
//! |---|---|---|
//! | `github.actions.agents` | agent ID | [`AgentRecord`] (one self-hosted runner, with its public key) |
//! | `github.actions.sessions` | agent ID | [`SessionRecord`] (at most one per agent, as the service allows) |
//! | `github.actions.requests` | request ID (= the job's ID) | [`RequestRecord`]: a job assigned to an agent |
//! | `github.actions.plans` | plan ID | the request ID the plan belongs to |
//! | `github.actions.timeline` | `timelineID/recordID` | a timeline record as the runner last wrote it (JSON, camelCase) |
//! | `github.actions.tasklogs` | `planID/logID` | [`TaskLogRecord`] |
//! | `github.actions.feeds` | `timelineID/recordID` | the live console lines of a step |
//! | `github.actions.signing` | `key` | the key the service signs its tokens with |
//!
//! IDs come from the hub's counters (`agent`, `runner_message`, `tasklog`).
//!
//! What this module must not do: read the clock or know HTTP.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

/// A label of an agent: `self-hosted` and the OS ones are `system`, the user's `user`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
    /// `system` or `user`.
    pub kind: String,
}

/// A registered runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    pub id: u64,
    pub repo_id: u64,
    pub name: String,
    pub version: String,
    pub os_description: String,
    pub labels: Vec<Label>,
    pub ephemeral: bool,
    pub disable_update: bool,
    pub max_parallelism: i64,
    /// The OAuth client the agent authenticates as (a GUID).
    pub client_id: String,
    /// The RSA public key, base64 big-endian, as registered.
    pub exponent: String,
    pub modulus: String,
    pub created_at: i64,
    pub status_changed_at: i64,
}

/// A message waiting in a session's queue until the runner deletes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedMessage {
    pub message_id: u64,
    pub message_type: String,
    pub body: String,
}

/// A runner's message session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub session_id: String,
    pub agent_id: u64,
    pub owner_name: String,
    pub created_at: i64,
    /// Delivered but not yet deleted: a new poll answers it again, as the service's queue does.
    pub pending: Option<QueuedMessage>,
    /// When the runner last polled (or opened the session): a session nobody polls for
    /// [`super::SESSION_IDLE_MILLIS`] belonged to a runner that went away without deleting it.
    #[serde(default)]
    pub last_seen: i64,
    /// The session's AES-256 key (base64) that message bodies are encrypted with; `None` for
    /// sessions made before sessions had keys (their messages go in the clear).
    #[serde(default)]
    pub encryption_key: Option<String>,
}

/// A job request: a job given to an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub request_id: u64,
    pub repo_id: u64,
    pub run_id: u64,
    pub job_id: u64,
    pub agent_id: u64,
    /// GUIDs of the plan, its timeline, and the job within it.
    pub plan_id: String,
    pub timeline_id: String,
    pub job_guid: String,
    pub queue_time: i64,
    pub assign_time: i64,
    pub locked_until: i64,
    pub finish_time: Option<i64>,
    /// The runner's result (`succeeded`, `failed`, `canceled`, ...) once finished.
    pub result: Option<String>,
    /// Whether the runner was told the job was cancelled.
    pub cancel_sent: bool,
    /// Whether `JobCompleted` arrived (the job's conclusion comes from it).
    pub completed: bool,
    /// The store key of the job's `GITHUB_TOKEN`, revoked when the job finishes.
    pub github_token_hash: String,
}

/// A log the runner created in a plan and uploaded content to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskLogRecord {
    pub id: u64,
    pub path: String,
    pub content: String,
    pub created_at: i64,
    pub changed_at: i64,
}

/// The runner service's collections, opened once.
pub struct RunnerRecords {
    pub agents: Arc<Collection<AgentRecord>>,
    pub sessions: Arc<Collection<SessionRecord>>,
    pub requests: Arc<Collection<RequestRecord>>,
    pub plans: Arc<Collection<u64>>,
    pub timeline: Arc<Collection<Value>>,
    pub task_logs: Arc<Collection<TaskLogRecord>>,
    pub feeds: Arc<Collection<Vec<String>>>,
    pub signing: Arc<Collection<String>>,
}

impl RunnerRecords {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        let store = kit.store();
        Ok(Self {
            agents: store.collection("github.actions.agents")?,
            sessions: store.collection("github.actions.sessions")?,
            requests: store.collection("github.actions.requests")?,
            plans: store.collection("github.actions.plans")?,
            timeline: store.collection("github.actions.timeline")?,
            task_logs: store.collection("github.actions.tasklogs")?,
            feeds: store.collection("github.actions.feeds")?,
            signing: store.collection("github.actions.signing")?,
        })
    }

    pub fn agent(&self, id: u64) -> Option<AgentRecord> {
        self.agents.get(&id_key(id))
    }

    pub fn request(&self, id: u64) -> Option<RequestRecord> {
        self.requests.get(&id_key(id))
    }

    /// The request a plan belongs to.
    pub fn request_of_plan(&self, plan_id: &str) -> Option<RequestRecord> {
        self.request(self.plans.get(&plan_id.to_ascii_lowercase())?)
    }

    /// The records of a timeline, ordered by their `order` (then as stored).
    pub fn timeline_records(&self, timeline_id: &str) -> Vec<Value> {
        let mut records: Vec<Value> = self
            .timeline
            .scan_prefix(&format!("{}/", timeline_id.to_ascii_lowercase()))
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        records.sort_by_key(|r| r.get("order").and_then(Value::as_i64).unwrap_or(i64::MAX));
        records
    }
}

pub fn id_key(id: u64) -> String {
    format!("{id:012}")
}

pub fn log_key(plan_id: &str, log_id: u64) -> String {
    format!("{}/{log_id:08}", plan_id.to_ascii_lowercase())
}

pub fn record_key(timeline_id: &str, record_id: &str) -> String {
    format!(
        "{}/{}",
        timeline_id.to_ascii_lowercase(),
        record_id.to_ascii_lowercase()
    )
}
