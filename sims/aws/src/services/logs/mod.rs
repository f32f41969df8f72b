//! Amazon CloudWatch Logs: log groups and streams, events in and out, filters, retention and
//! tags. Also the sink ECS's `awslogs` driver writes task output into (see [`Logs::append`]).
//!
//! (Being written: only the internal API ECS uses exists so far.)

use simkit::Kit;
use simkit::store::StoreError;

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};

#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("{0}")]
    ResourceNotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LogsError> for AwsError {
    fn from(error: LogsError) -> Self {
        match error {
            LogsError::ResourceNotFound(message) => AwsError::new("ResourceNotFoundException", message),
            LogsError::Store(error) => error.into(),
        }
    }
}

pub struct Logs {
    #[allow(dead_code)]
    kit: Kit,
}

impl Logs {
    pub fn new(kit: Kit) -> Result<Self, StoreError> {
        Ok(Self { kit })
    }

    /// Whether the log group exists.
    pub fn group_exists(&self, _account_id: &str, _region: &str, _group: &str) -> bool {
        false
    }

    /// Creates the group if it is missing (the `awslogs-create-group` option).
    pub fn ensure_group(&self, _account_id: &str, _region: &str, group: &str) -> Result<(), LogsError> {
        Err(LogsError::ResourceNotFound(format!("log group {group} cannot be created yet")))
    }

    /// Creates the stream if it is missing; `ResourceNotFound` if the group is missing.
    pub fn ensure_stream(&self, _account_id: &str, _region: &str, group: &str, _stream: &str) -> Result<(), LogsError> {
        Err(LogsError::ResourceNotFound(format!("The specified log group does not exist: {group}")))
    }

    /// Appends events `(timestamp in ms, message)` to a stream, as PutLogEvents stores them.
    pub fn append(
        &self,
        _account_id: &str,
        _region: &str,
        group: &str,
        _stream: &str,
        _events: Vec<(i64, String)>,
    ) -> Result<(), LogsError> {
        Err(LogsError::ResourceNotFound(format!("The specified log group does not exist: {group}")))
    }
}

#[async_trait::async_trait]
impl Service for Logs {
    fn model(&self) -> &'static Model {
        model::logs()
    }

    fn validation_code(&self) -> &'static str {
        "InvalidParameterException"
    }

    async fn call(&self, _ctx: &Ctx, operation: &str, _input: serde_json::Value) -> Result<serde_json::Value, AwsError> {
        Err(AwsError::not_implemented("logs", operation))
    }
}
