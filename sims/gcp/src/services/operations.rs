//! Long-running operations as Google's APIs return them (`google.longrunning.Operation`), over
//! the kit's durable [`simkit::operations::Operations`]: named `projects/P/locations/L/
//! operations/ID`, `done: false` while the work runs, then the final `response` (an `Any` with
//! `@type`) or `error` (a `google.rpc.Status`). `get`, `list` (paged), `wait` and `delete`
//! serve every API whose work returns them (Cloud Run today).
//!
//! Must not: see HTTP; finish an operation by timer (the work finishes it).

use std::collections::BTreeMap;

use serde_json::Value;
use sim_gcp_shapes::run_v2::{
    GoogleLongrunningListOperationsResponse, GoogleLongrunningOperation, GoogleRpcStatus,
};
use simkit::operations::{Operation, OperationError, Operations, Outcome};

use crate::error::GcpError;
use crate::protocol::paging;

/// The `google.rpc.Code` number of a code name.
pub fn code_number(name: &str) -> i32 {
    match name {
        "CANCELLED" => 1,
        "UNKNOWN" => 2,
        "INVALID_ARGUMENT" => 3,
        "DEADLINE_EXCEEDED" => 4,
        "NOT_FOUND" => 5,
        "ALREADY_EXISTS" => 6,
        "PERMISSION_DENIED" => 7,
        "RESOURCE_EXHAUSTED" => 8,
        "FAILED_PRECONDITION" => 9,
        "ABORTED" => 10,
        "OUT_OF_RANGE" => 11,
        "UNIMPLEMENTED" => 12,
        "INTERNAL" => 13,
        "UNAVAILABLE" => 14,
        "DATA_LOSS" => 15,
        "UNAUTHENTICATED" => 16,
        _ => 2,
    }
}

fn object(value: Value) -> Option<BTreeMap<String, Value>> {
    match value {
        Value::Object(map) => Some(map.into_iter().collect()),
        _ => None,
    }
}

/// An operation as the API returns it.
pub fn render(operation: Operation) -> GoogleLongrunningOperation {
    let (response, error) = match operation.outcome {
        Some(Outcome::Response(value)) => (object(value), None),
        Some(Outcome::Error { code, message }) => (
            None,
            Some(GoogleRpcStatus {
                code: Some(code_number(&code)),
                message: Some(message),
                details: None,
            }),
        ),
        None => (None, None),
    };
    GoogleLongrunningOperation {
        name: Some(operation.name),
        metadata: object(operation.metadata),
        done: Some(operation.done),
        response,
        error,
    }
}

fn not_found(name: &str) -> GcpError {
    GcpError::not_found(format!("Operation {name} was not found."))
}

fn from_kit(error: OperationError) -> GcpError {
    match error {
        OperationError::NotFound(name) => not_found(&name),
        OperationError::Exists(name) => {
            GcpError::conflict(format!("Operation {name} already exists."))
        }
        OperationError::Store(error) => error.into(),
    }
}

/// The operations of one API, under its `projects/P/locations/L/operations/` names.
#[derive(Debug, Clone)]
pub struct LongRunning {
    pub operations: Operations,
}

impl LongRunning {
    pub fn get(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        self.operations.get(name).map(render).map_err(from_kit)
    }

    pub async fn wait(
        &self,
        name: &str,
        timeout: Option<std::time::Duration>,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        // Known before waiting, so an unknown name is 404 at once.
        self.operations.get(name).map_err(from_kit)?;
        let waited = match timeout {
            Some(limit) => match tokio::time::timeout(limit, self.operations.wait(name)).await {
                Ok(result) => result,
                Err(_) => self.operations.get(name),
            },
            None => self.operations.wait(name).await,
        };
        waited.map(render).map_err(from_kit)
    }

    pub fn list(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleLongrunningListOperationsResponse, GcpError> {
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let mut operations: Vec<Operation> = self
            .operations
            .list(&format!("{parent}/operations/"))
            .into_iter()
            .filter(|op| resume.as_ref().is_none_or(|last| op.name > *last))
            .collect();
        let more = operations.len() > size;
        operations.truncate(size);
        let next_page_token = if more {
            operations.last().map(|op| paging::token(&op.name))
        } else {
            None
        };
        let operations: Vec<GoogleLongrunningOperation> =
            operations.into_iter().map(render).collect();
        Ok(GoogleLongrunningListOperationsResponse {
            operations: (!operations.is_empty()).then_some(operations),
            next_page_token,
            unreachable: None,
        })
    }

    pub fn delete(&self, name: &str) -> Result<(), GcpError> {
        self.operations.delete(name).map_err(from_kit)
    }
}
