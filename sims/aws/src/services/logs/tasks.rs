//! Export tasks (log events to an S3 bucket) and import tasks (events from a CloudTrail Lake
//! event data store). Both need a service the simulator does not have yet, so creating one
//! answers AWS's own error for a missing bucket or source, after AWS's other checks; the
//! listings answer the tasks that exist, which are none, and cancelling answers AWS's
//! not-found error.

use sim_aws_shapes::logs::{
    CancelExportTaskRequest, CancelImportTaskRequest, CancelImportTaskResponse,
    CreateExportTaskRequest, CreateExportTaskResponse, CreateImportTaskRequest,
    CreateImportTaskResponse, DescribeExportTasksRequest, DescribeExportTasksResponse,
    DescribeImportTaskBatchesRequest, DescribeImportTaskBatchesResponse,
    DescribeImportTasksRequest, DescribeImportTasksResponse,
};

use super::{Logs, LogsError, Scope};
use crate::services::Ctx;

fn import_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified import task does not exist.".into())
}

impl Logs {
    pub(crate) async fn create_export_task(
        &self,
        ctx: &Ctx,
        input: CreateExportTaskRequest,
    ) -> Result<CreateExportTaskResponse, LogsError> {
        let scope = Scope::of(ctx);
        self.group(&scope, &input.log_group_name)?;
        if input.to < input.from {
            return Err(LogsError::InvalidParameter(
                "The 'to' time must be greater than or equal to the 'from' time.".into(),
            ));
        }
        // AWS writes a test object to the bucket before it accepts the task; with no S3 in
        // the simulator, no bucket exists.
        Err(LogsError::InvalidParameter(
            "The given bucket does not exist. Please make sure the bucket is valid.".into(),
        ))
    }

    pub(crate) async fn describe_export_tasks(
        &self,
        _ctx: &Ctx,
        _input: DescribeExportTasksRequest,
    ) -> Result<DescribeExportTasksResponse, LogsError> {
        Ok(DescribeExportTasksResponse {
            export_tasks: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(crate) async fn cancel_export_task(
        &self,
        _ctx: &Ctx,
        _input: CancelExportTaskRequest,
    ) -> Result<(), LogsError> {
        Err(LogsError::ResourceNotFound(
            "The specified export task does not exist.".into(),
        ))
    }

    pub(crate) async fn create_import_task(
        &self,
        _ctx: &Ctx,
        input: CreateImportTaskRequest,
    ) -> Result<CreateImportTaskResponse, LogsError> {
        if let Some(filter) = &input.import_filter
            && let (Some(start), Some(end)) = (filter.start_event_time, filter.end_event_time)
            && end < start
        {
            return Err(LogsError::InvalidParameter(
                "The importFilter endEventTime must not be before its startEventTime.".into(),
            ));
        }
        // The source is a CloudTrail Lake event data store; the simulator has no CloudTrail.
        Err(LogsError::ResourceNotFound(format!(
            "The import source {} does not exist.",
            input.import_source_arn
        )))
    }

    pub(crate) async fn describe_import_tasks(
        &self,
        _ctx: &Ctx,
        _input: DescribeImportTasksRequest,
    ) -> Result<DescribeImportTasksResponse, LogsError> {
        Ok(DescribeImportTasksResponse {
            imports: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(crate) async fn describe_import_task_batches(
        &self,
        _ctx: &Ctx,
        _input: DescribeImportTaskBatchesRequest,
    ) -> Result<DescribeImportTaskBatchesResponse, LogsError> {
        Err(import_not_found())
    }

    pub(crate) async fn cancel_import_task(
        &self,
        _ctx: &Ctx,
        _input: CancelImportTaskRequest,
    ) -> Result<CancelImportTaskResponse, LogsError> {
        Err(import_not_found())
    }
}
