//! The records of GitHub Actions in the kit's store.
//!
//! | collection | key | record |
//! |---|---|---|
//! | `github.actions.workflows` | `repoID/path` | [`WorkflowRecord`] |
//! | `github.actions.runs` | `repoID/runID` | [`RunRecord`] |
//! | `github.actions.jobs` | `repoID/jobID` | [`JobRecord`] |
//! | `github.actions.logs` | `jobID` | a job's log text, as the runner appended it |
//! | `github.actions.registration_tokens` | SHA-256 of the token, hex | [`RegistrationToken`] (the token itself is never stored) |
//!
//! IDs come from the hub's `github.counters` (`workflow`, `run`, `job`), run numbers from a
//! counter per workflow (`run_number/WORKFLOW_ID`), as GitHub numbers runs per workflow.
//!
//! What this module must not do: read the clock or know HTTP.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

/// A workflow file GitHub knows in a repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowRecord {
    pub id: u64,
    pub repo_id: u64,
    /// `.github/workflows/ci.yml`.
    pub path: String,
    /// `name:` of the file as last read, or its path.
    pub name: String,
    /// `active` or `disabled_manually`.
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The commit a run is for, as `head_commit` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadCommit {
    pub id: String,
    pub tree_id: String,
    pub message: String,
    /// Unix milliseconds.
    pub timestamp: i64,
    pub author_name: String,
    pub author_email: String,
    pub committer_name: String,
    pub committer_email: String,
}

/// One workflow run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: u64,
    pub repo_id: u64,
    pub workflow_id: u64,
    pub path: String,
    /// The workflow's name when the run started.
    pub name: String,
    pub display_title: String,
    pub run_number: u64,
    pub run_attempt: u64,
    pub event: String,
    /// `queued`, `pending` (waiting for its concurrency group), `in_progress` or `completed`.
    pub status: String,
    /// `success`, `failure`, `cancelled`, `skipped`, ... once completed.
    pub conclusion: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: String,
    /// The full ref the run is for (`refs/heads/main`, `refs/tags/v1`).
    pub git_ref: String,
    pub head_commit: Option<HeadCommit>,
    pub actor: String,
    pub triggering_actor: String,
    /// The event's payload (`github.event`): `inputs` for dispatches, `client_payload`, ...
    pub payload: Value,
    /// The message GitHub shows for a workflow file it could not run.
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub run_started_at: i64,
    /// The workflow's `concurrency` group as evaluated when the run was created.
    #[serde(default)]
    pub concurrency_group: Option<String>,
}

/// One step of a job, as the job's `steps` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub number: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

/// One job of a run (one per matrix combination).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: u64,
    pub repo_id: u64,
    pub run_id: u64,
    pub run_attempt: u64,
    /// The job's ID in the workflow file.
    pub job_key: String,
    pub name: String,
    /// `queued`, `in_progress`, `completed` (or `waiting` behind an environment).
    pub status: String,
    pub conclusion: Option<String>,
    pub labels: Vec<String>,
    /// The matrix combination, or `null`.
    pub matrix: Value,
    pub steps: Vec<StepRecord>,
    pub outputs: Map<String, Value>,
    pub runner_id: Option<u64>,
    pub runner_name: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

/// A runner registration token (`POST …/actions/runners/registration-token`): good for one
/// hour, for the repository it was made for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationToken {
    pub repo_id: u64,
    pub expires_at: i64,
}

/// The collections, opened once.
pub struct Records {
    pub workflows: Arc<Collection<WorkflowRecord>>,
    pub runs: Arc<Collection<RunRecord>>,
    pub jobs: Arc<Collection<JobRecord>>,
    pub logs: Arc<Collection<String>>,
    pub registration_tokens: Arc<Collection<RegistrationToken>>,
}

impl Records {
    pub fn open(kit: &Kit) -> Result<Self, StoreError> {
        let store = kit.store();
        Ok(Self {
            workflows: store.collection("github.actions.workflows")?,
            runs: store.collection("github.actions.runs")?,
            jobs: store.collection("github.actions.jobs")?,
            logs: store.collection("github.actions.logs")?,
            registration_tokens: store.collection("github.actions.registration_tokens")?,
        })
    }

    pub fn workflows_of(&self, repo_id: u64) -> Vec<WorkflowRecord> {
        self.workflows
            .scan_prefix(&crate::model::repo_prefix(repo_id))
            .into_iter()
            .map(|(_, w)| w)
            .collect()
    }

    /// A workflow by numeric ID or by file name (`ci.yml`), as the REST API accepts either.
    pub fn workflow(&self, repo_id: u64, id_or_file: &str) -> Option<WorkflowRecord> {
        let all = self.workflows_of(repo_id);
        match id_or_file.parse::<u64>() {
            Ok(id) => all.into_iter().find(|w| w.id == id),
            Err(_) => all
                .into_iter()
                .find(|w| w.path.rsplit('/').next() == Some(id_or_file)),
        }
    }

    /// Runs of a repository, newest first.
    pub fn runs_of(&self, repo_id: u64) -> Vec<RunRecord> {
        let mut runs: Vec<RunRecord> = self
            .runs
            .scan_prefix(&crate::model::repo_prefix(repo_id))
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        runs.reverse();
        runs
    }

    pub fn run(&self, repo_id: u64, run_id: u64) -> Option<RunRecord> {
        self.runs.get(&run_key(repo_id, run_id))
    }

    /// Jobs of a run's attempt (all attempts with `None`), in creation order.
    pub fn jobs_of(&self, repo_id: u64, run_id: u64, attempt: Option<u64>) -> Vec<JobRecord> {
        self.jobs
            .scan_prefix(&crate::model::repo_prefix(repo_id))
            .into_iter()
            .map(|(_, j)| j)
            .filter(|j| j.run_id == run_id && attempt.is_none_or(|a| j.run_attempt == a))
            .collect()
    }

    pub fn job(&self, repo_id: u64, job_id: u64) -> Option<JobRecord> {
        self.jobs.get(&job_key(repo_id, job_id))
    }
}

pub fn workflow_key(repo_id: u64, path: &str) -> String {
    format!("{repo_id:012}/{path}")
}

pub fn run_key(repo_id: u64, run_id: u64) -> String {
    format!("{repo_id:012}/{run_id:012}")
}

pub fn job_key(repo_id: u64, job_id: u64) -> String {
    format!("{repo_id:012}/{job_id:012}")
}

pub fn log_key(job_id: u64) -> String {
    format!("{job_id:012}")
}
