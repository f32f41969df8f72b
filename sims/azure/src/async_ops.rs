//! ARM's asynchronous operations, one mechanism for every long-running PUT, DELETE and POST:
//! an operation is stored (in the kit's `operations`, so it survives a restart) when the work
//! starts and finishes when the work does, never on a timer.
//!
//! Clients poll it two ways, as ARM offers: the `Azure-AsyncOperation` URL answers a status
//! resource (`InProgress`, then `Succeeded`/`Failed` with `error`), and the `Location` URL
//! answers 202 while the work runs, then the final result (200 with the resource, or 204). The
//! URLs themselves are `protocol`'s business; this module only knows operation IDs.
//!
//! A status still `InProgress` when the process stopped reads `Failed` after a restart (the
//! kit finishes it as aborted): its work is gone, and a poller must not wait forever.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;
use simkit::Kit;
use simkit::operations::{Operations, Outcome};

use crate::error::ArmError;

/// An operation's state as the status resource reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum AsyncStatus {
    InProgress,
    Succeeded(Value),
    Failed {
        code: String,
        message: String,
    },
    /// Ended by a cancellation (a stop) before its work was done.
    Canceled {
        code: String,
        message: String,
    },
}

/// The outcome code a piece of work finishes with when it was cancelled: reported as
/// `Canceled` rather than `Failed`.
pub const CANCELED_CODE: &str = "Canceled";

#[derive(Debug, Clone)]
pub struct AsyncOperation {
    pub id: String,
    pub status: AsyncStatus,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub metadata: Value,
}

#[derive(Clone)]
pub struct AsyncOperations {
    operations: Operations,
    kit: Kit,
}

impl std::fmt::Debug for AsyncOperations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncOperations").finish_non_exhaustive()
    }
}

impl AsyncOperations {
    pub fn new(kit: Kit) -> Result<Self, simkit::store::StoreError> {
        Ok(Self {
            operations: Operations::open(kit.store(), "arm-operations", Arc::clone(kit.clock()))?,
            kit,
        })
    }

    /// Starts `work` as a new operation and returns its ID.
    pub fn start(
        &self,
        metadata: Value,
        work: impl Future<Output = Outcome> + Send + 'static,
    ) -> Result<String, ArmError> {
        let id = self.kit.ids().uuid();
        self.operations.run(&id, metadata, work)?;
        Ok(id)
    }

    pub fn get(&self, id: &str) -> Result<AsyncOperation, ArmError> {
        let operation = self.operations.get(id)?;
        let status = match (&operation.done, operation.outcome) {
            (false, _) | (true, None) => AsyncStatus::InProgress,
            (true, Some(Outcome::Response(value))) => AsyncStatus::Succeeded(value),
            (true, Some(Outcome::Error { code, message })) if code == CANCELED_CODE => {
                AsyncStatus::Canceled { code, message }
            }
            (true, Some(Outcome::Error { code, message })) => AsyncStatus::Failed { code, message },
        };
        Ok(AsyncOperation {
            id: operation.name,
            status,
            started_ms: operation.created_ms,
            finished_ms: operation.finished_ms,
            metadata: operation.metadata,
        })
    }

    /// Waits for `id` to finish (tests, and shutdown).
    pub async fn wait(&self, id: &str) -> Result<AsyncOperation, ArmError> {
        self.operations.wait(id).await?;
        self.get(id)
    }
}
