//! Long-running operations, as Google's and Azure's APIs return them: an operation is stored
//! when work starts, can be polled by ID, and is finished by the work itself (never by a timer).
//! Unknown IDs are [`OperationError::NotFound`], which each provider renders as its 404.
//!
//! Operations live in the state store, so they survive a restart; one that was still running
//! when the process stopped is finished on reload as aborted, since its work is gone.

use std::future::Future;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::store::{Collection, Store, StoreError};

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It succeeded with this result (the provider's response resource).
    Response(Value),
    /// It failed with this provider-neutral code and message.
    Error { code: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The provider's operation name, such as `projects/p/locations/l/operations/123`.
    pub name: String,
    /// Provider metadata (the target resource, the verb).
    pub metadata: Value,
    pub created_ms: i64,
    pub done: bool,
    pub finished_ms: Option<i64>,
    pub outcome: Option<Outcome>,
}

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("operation {0} not found")]
    NotFound(String),
    #[error("operation {0} already exists")]
    Exists(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The operations of one simulator (or one API of it).
#[derive(Clone)]
pub struct Operations {
    records: Arc<Collection<Operation>>,
    clock: Arc<dyn Clock>,
    finished: Arc<Notify>,
}

impl std::fmt::Debug for Operations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operations")
            .field("count", &self.records.len())
            .finish()
    }
}

impl Operations {
    /// Opens the operations kept in `collection` of `store`.
    pub fn open(
        store: &Store,
        collection: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let records = store.collection::<Operation>(collection)?;
        let now = clock.now_millis();
        for (name, operation) in records.all() {
            if !operation.done {
                records.update(&name, |op| {
                    op.done = true;
                    op.finished_ms = Some(now);
                    op.outcome = Some(Outcome::Error {
                        code: "ABORTED".into(),
                        message: "the simulator restarted while this operation ran".into(),
                    });
                })?;
            }
        }
        Ok(Self {
            records,
            clock,
            finished: Arc::new(Notify::new()),
        })
    }

    /// Records a new, unfinished operation.
    pub fn begin(&self, name: &str, metadata: Value) -> Result<Operation, OperationError> {
        let operation = Operation {
            name: name.to_string(),
            metadata,
            created_ms: self.clock.now_millis(),
            done: false,
            finished_ms: None,
            outcome: None,
        };
        self.records.modify(name, |slot| {
            if slot.is_some() {
                return Err(OperationError::Exists(name.to_string()));
            }
            *slot = Some(operation.clone());
            Ok(())
        })?;
        Ok(operation)
    }

    /// Finishes `name` with `outcome`.
    pub fn finish(&self, name: &str, outcome: Outcome) -> Result<Operation, OperationError> {
        let now = self.clock.now_millis();
        let finished = self
            .records
            .update(name, |op| {
                op.done = true;
                op.finished_ms = Some(now);
                op.outcome = Some(outcome);
                op.clone()
            })?
            .ok_or_else(|| OperationError::NotFound(name.to_string()))?;
        self.finished.notify_waiters();
        Ok(finished)
    }

    pub fn get(&self, name: &str) -> Result<Operation, OperationError> {
        self.records
            .get(name)
            .ok_or_else(|| OperationError::NotFound(name.to_string()))
    }

    /// Every operation whose name starts with `prefix`.
    pub fn list(&self, prefix: &str) -> Vec<Operation> {
        self.records
            .scan_prefix(prefix)
            .into_iter()
            .map(|(_, op)| op)
            .collect()
    }

    /// Begins `name` and spawns `work`; the operation finishes with whatever `work` returns.
    pub fn run<F>(&self, name: &str, metadata: Value, work: F) -> Result<Operation, OperationError>
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let operation = self.begin(name, metadata)?;
        let this = self.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            let outcome = work.await;
            if let Err(error) = this.finish(&name, outcome) {
                tracing::error!(operation = %name, %error, "could not record an operation's end");
            }
        });
        Ok(operation)
    }

    /// Forgets `name` (Google's `operations.delete`: the client is no longer interested).
    pub fn delete(&self, name: &str) -> Result<(), OperationError> {
        self.records
            .remove(name)?
            .map(|_| ())
            .ok_or_else(|| OperationError::NotFound(name.to_string()))
    }

    /// Waits until `name` is done (Google's `operations.wait`).
    pub async fn wait(&self, name: &str) -> Result<Operation, OperationError> {
        loop {
            let notified = self.finished.notified();
            let operation = self.get(name)?;
            if operation.done {
                return Ok(operation);
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn operations(store: &Store) -> Operations {
        Operations::open(store, "ops", Arc::new(ManualClock::at_millis(1000))).unwrap()
    }

    #[tokio::test]
    async fn run_finishes_when_the_work_does() {
        let store = Store::memory();
        let ops = operations(&store);
        let (release, gate) = tokio::sync::oneshot::channel::<()>();
        let started = ops
            .run("op/1", serde_json::json!({"verb": "create"}), async move {
                gate.await.ok();
                Outcome::Response(serde_json::json!({"name": "thing"}))
            })
            .unwrap();
        assert!(!started.done);
        assert!(
            !ops.get("op/1").unwrap().done,
            "not done before the work finishes"
        );
        release.send(()).unwrap();
        let done = ops.wait("op/1").await.unwrap();
        assert!(done.done);
        assert_eq!(
            done.outcome,
            Some(Outcome::Response(serde_json::json!({"name": "thing"})))
        );
        assert_eq!(done.finished_ms, Some(1000));
    }

    #[test]
    fn unknown_and_duplicate_ids() {
        let store = Store::memory();
        let ops = operations(&store);
        assert!(matches!(ops.get("nope"), Err(OperationError::NotFound(_))));
        assert!(matches!(
            ops.finish("nope", Outcome::Response(Value::Null)),
            Err(OperationError::NotFound(_))
        ));
        ops.begin("a", Value::Null).unwrap();
        assert!(matches!(
            ops.begin("a", Value::Null),
            Err(OperationError::Exists(_))
        ));
        ops.begin("b", Value::Null).unwrap();
        assert_eq!(ops.list("").len(), 2);
    }

    #[test]
    fn unfinished_operations_are_aborted_on_reload() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), Default::default()).unwrap();
            operations(&store).begin("op", Value::Null).unwrap();
        }
        let store = Store::open(dir.path(), Default::default()).unwrap();
        let op = operations(&store).get("op").unwrap();
        assert!(op.done);
        assert!(matches!(op.outcome, Some(Outcome::Error { ref code, .. }) if code == "ABORTED"));
    }
}
