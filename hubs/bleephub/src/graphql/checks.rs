//! The types of commit status rollups (`StatusCheckRollup`, `StatusContext`, `CheckRun` and
//! the check suite, workflow run and workflow a check run names), declared so the queries gh
//! sends for `pr view`, `pr status` and `pr checks` validate. Commit statuses and check runs
//! are not recorded yet, so `Commit.statusCheckRollup` is null, as GitHub answers for a commit
//! with neither; nothing here builds these values until they are.
//!
//! What this module must not do: invent statuses or checks.

// The values are built once statuses and check runs are recorded (issue 21); until then the
// types exist only in the schema.
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
        paginate(Vec::new(), Window::forward(first, after))
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

#[derive(Union)]
pub enum StatusCheckRollupContext {
    StatusContext(StatusContext),
    CheckRun(CheckRun),
}

#[derive(SimpleObject)]
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

#[derive(SimpleObject)]
pub struct Workflow {
    name: String,
}

#[derive(SimpleObject)]
pub struct WorkflowRun {
    workflow: Workflow,
    database_id: Option<i64>,
}

#[derive(SimpleObject)]
pub struct CheckSuite {
    workflow_run: Option<WorkflowRun>,
}

#[derive(SimpleObject)]
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
