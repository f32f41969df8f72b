//! Commit status rollups (`StatusCheckRollup`, `StatusContext`, `CheckRun` and the check
//! suite, workflow run and workflow a check run names), for `pr view`, `pr status` and
//! `pr checks`: built from the latest status of each context and the latest check run of each
//! name of a commit ([`rollup`]); a commit with neither has no rollup (null), as on GitHub.
//!
//! What this module must not do: invent statuses or checks.

// A check run's suite names its workflow run only for runs the Actions engine makes; until it
// records check runs those members are never built.
#![allow(dead_code)]

use async_graphql::{ComplexObject, Enum, ID, Object, SimpleObject, Union};

use super::DateTime;
use super::connection::{Page, Window, paginate};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum StatusState {
    Error,
    Expected,
    Failure,
    Pending,
    Success,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CheckStatusState {
    Requested,
    Queued,
    InProgress,
    Completed,
    Waiting,
    Pending,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CheckConclusionState {
    ActionRequired,
    TimedOut,
    Cancelled,
    Failure,
    Success,
    Neutral,
    Skipped,
    StartupFailure,
    Stale,
}

pub struct StatusCheckRollup {
    state: StatusState,
    contexts: Vec<StatusCheckRollupContext>,
}

fn status_state(state: &str) -> StatusState {
    match state {
        "error" => StatusState::Error,
        "failure" => StatusState::Failure,
        "success" => StatusState::Success,
        _ => StatusState::Pending,
    }
}

fn check_status(status: &str) -> CheckStatusState {
    match status {
        "queued" => CheckStatusState::Queued,
        "in_progress" => CheckStatusState::InProgress,
        "completed" => CheckStatusState::Completed,
        "waiting" => CheckStatusState::Waiting,
        "requested" => CheckStatusState::Requested,
        _ => CheckStatusState::Pending,
    }
}

fn check_conclusion(conclusion: &str) -> Option<CheckConclusionState> {
    Some(match conclusion {
        "action_required" => CheckConclusionState::ActionRequired,
        "timed_out" => CheckConclusionState::TimedOut,
        "cancelled" => CheckConclusionState::Cancelled,
        "failure" => CheckConclusionState::Failure,
        "success" => CheckConclusionState::Success,
        "neutral" => CheckConclusionState::Neutral,
        "skipped" => CheckConclusionState::Skipped,
        "startup_failure" => CheckConclusionState::StartupFailure,
        "stale" => CheckConclusionState::Stale,
        _ => return None,
    })
}

/// The rollup of a commit's latest statuses and check runs, or `None` when it has neither.
/// Its state is the worst of them: a failing status or run fails it, an erroring status makes
/// it an error, anything unfinished keeps it pending.
pub fn rollup(
    statuses: &[crate::model::CommitStatus],
    runs: &[crate::model::CheckRun],
) -> Option<StatusCheckRollup> {
    if statuses.is_empty() && runs.is_empty() {
        return None;
    }
    const FAILING: [&str; 5] = [
        "failure",
        "cancelled",
        "timed_out",
        "action_required",
        "startup_failure",
    ];
    let failed = statuses.iter().any(|s| s.state == "failure")
        || runs.iter().any(|r| {
            r.conclusion
                .as_deref()
                .is_some_and(|c| FAILING.contains(&c))
        });
    let errored = statuses.iter().any(|s| s.state == "error");
    let pending = statuses.iter().any(|s| s.state == "pending")
        || runs.iter().any(|r| r.status != "completed");
    let state = if failed {
        StatusState::Failure
    } else if errored {
        StatusState::Error
    } else if pending {
        StatusState::Pending
    } else {
        StatusState::Success
    };
    let mut contexts: Vec<StatusCheckRollupContext> = runs
        .iter()
        .map(|run| {
            StatusCheckRollupContext::CheckRun(CheckRun {
                id: ID(crate::render::node_id("CheckRun", run.id)),
                database_id: i64::try_from(run.id).ok(),
                name: run.name.clone(),
                status: check_status(&run.status),
                conclusion: run.conclusion.as_deref().and_then(check_conclusion),
                started_at: run
                    .started_at
                    .map(|t| DateTime(crate::render::timestamp(t))),
                completed_at: run
                    .completed_at
                    .map(|t| DateTime(crate::render::timestamp(t))),
                details_url: run.details_url.clone(),
                check_suite: None,
                required: false,
            })
        })
        .collect();
    contexts.extend(statuses.iter().map(|status| {
        StatusCheckRollupContext::StatusContext(StatusContext {
            id: ID(crate::render::node_id("StatusContext", status.id)),
            context: status.context.clone(),
            state: status_state(&status.state),
            description: status.description.clone(),
            target_url: status.target_url.clone(),
            created_at: DateTime(crate::render::timestamp(status.created_at)),
            required: false,
        })
    }));
    Some(StatusCheckRollup { state, contexts })
}

#[Object]
impl StatusCheckRollup {
    async fn state(&self) -> StatusState {
        self.state
    }
    async fn contexts(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<StatusCheckRollupContext>> {
        paginate(self.contexts.clone(), Window::forward(first, after))
    }
}

/// Whether a check is required for a pull request's base branch.
macro_rules! is_required {
    ($type:ty) => {
        #[ComplexObject]
        impl $type {
            async fn is_required(
                &self,
                #[graphql(name = "pullRequestId")] _pull_request_id: Option<ID>,
                #[graphql(name = "pullRequestNumber")] _pull_request_number: Option<i32>,
            ) -> bool {
                self.required
            }
        }
    };
}
is_required!(StatusContext);
is_required!(CheckRun);

#[derive(Union, Clone)]
pub enum StatusCheckRollupContext {
    StatusContext(StatusContext),
    CheckRun(CheckRun),
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StatusContext {
    id: ID,
    context: String,
    state: StatusState,
    description: Option<String>,
    target_url: Option<String>,
    created_at: DateTime,
    #[graphql(skip)]
    required: bool,
}

#[derive(SimpleObject, Clone)]
pub struct Workflow {
    name: String,
}

#[derive(SimpleObject, Clone)]
pub struct WorkflowRun {
    workflow: Workflow,
    database_id: Option<i64>,
}

#[derive(SimpleObject, Clone)]
pub struct CheckSuite {
    workflow_run: Option<WorkflowRun>,
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CheckRun {
    id: ID,
    database_id: Option<i64>,
    name: String,
    status: CheckStatusState,
    conclusion: Option<CheckConclusionState>,
    started_at: Option<DateTime>,
    completed_at: Option<DateTime>,
    details_url: Option<String>,
    check_suite: Option<CheckSuite>,
    #[graphql(skip)]
    required: bool,
}
