//! Export tasks (log events to an S3 bucket of the simulator's own S3) and import tasks (events
//! from a CloudTrail Lake event data store, which the simulator does not have).
//!
//! CreateExportTask does what AWS does before it accepts a task: the bucket must exist, its
//! policy must let CloudWatch Logs (`logs.REGION.amazonaws.com`) call `s3:GetBucketAcl` on it
//! and `s3:PutObject` in the prefix, and it writes `<prefix>/aws-logs-write-test` ("Permission
//! Check Successful"); only one task per account may be PENDING or RUNNING. The task then runs
//! in the background: PENDING, RUNNING, and COMPLETED once every stream with events in
//! `[from, to]` is written as `<prefix>/<taskId>/<stream>/000000.gz`, the gzip of one line per
//! event, `2024-01-02T03:04:05.678Z message`, in timestamp order (FAILED if the bucket is gone
//! by then). A task left PENDING or RUNNING by a stopped simulator runs again when it starts.
//!
//! Tasks live under `account/region/taskId`.

use std::io::Write;

use sim_aws_shapes::logs::{
    CancelExportTaskRequest, CancelImportTaskRequest, CancelImportTaskResponse,
    CreateExportTaskRequest, CreateExportTaskResponse, CreateImportTaskRequest,
    CreateImportTaskResponse, DescribeExportTasksRequest, DescribeExportTasksResponse,
    DescribeImportTaskBatchesRequest, DescribeImportTaskBatchesResponse,
    DescribeImportTasksRequest, DescribeImportTasksResponse, ExportTask, ExportTaskExecutionInfo,
    ExportTaskStatus,
};

use super::token::{digits, from_key, gap_before, split};
use super::{Logs, LogsError, Scope, limit_exceeded, range, token};
use crate::policy::{self, Context, PolicyKind, evaluate};
use crate::services::Ctx;
use crate::services::s3::internal::NewObject;

/// The prefix AWS uses when the request gives none.
const DEFAULT_PREFIX: &str = "exportedlogs";
/// What AWS writes in its permission check object.
const WRITE_TEST_BODY: &[u8] = b"Permission Check Successful";
/// DescribeExportTasks pages hold at most this many tasks, and this many by default.
const MAX_DESCRIBE: usize = 50;
/// Events read from the store at a time while exporting a stream.
const EXPORT_CHUNK: usize = 1024;

fn import_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified import task does not exist.".into())
}

fn export_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified export task does not exist.".into())
}

fn status(code: &str, message: &str) -> Option<ExportTaskStatus> {
    Some(ExportTaskStatus {
        code: Some(code.into()),
        message: Some(message.into()),
    })
}

fn is_active(task: &ExportTask) -> bool {
    matches!(
        task.status.as_ref().and_then(|s| s.code.as_deref()),
        Some("PENDING" | "RUNNING")
    )
}

/// `2024-01-02T03:04:05.678Z`, the timestamp AWS puts before each exported message.
fn export_time(millis: i64) -> String {
    simkit::clock::iso_millis(simkit::clock::from_millis(millis))
}

/// Whether a bucket policy lets CloudWatch Logs of `region` do `action` on `resource` for a
/// task of `account` exporting `group`. The service has no identity policies: the bucket's
/// policy must name it (by its regional or global service name) and nothing may deny it.
fn logs_may(
    bucket_policy: Option<&str>,
    bucket_owner: &str,
    scope: &Scope,
    group: &str,
    action: &str,
    resource: &str,
) -> bool {
    let Some(document) =
        bucket_policy.and_then(|text| policy::parse(text, PolicyKind::Resource).ok())
    else {
        return false;
    };
    let mut context = Context::new();
    context.set("aws:SourceAccount", scope.account_id.as_str());
    context.set("aws:SourceArn", format!("{}:*", scope.group_arn(group)));
    context.set("aws:SecureTransport", "true");
    context.set("s3:x-amz-acl", "bucket-owner-full-control");
    let regional = format!("logs.{}.amazonaws.com", scope.region);
    evaluate::service_allowed(
        &document,
        bucket_owner,
        &[regional.as_str(), "logs.amazonaws.com"],
        action,
        resource,
        &context,
    )
}

/// Gzip of `text`.
fn gzip(text: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text)?;
    encoder.finish()
}

impl Logs {
    fn export_key(scope: &Scope, task_id: &str) -> String {
        format!("{}/{}/{task_id}", scope.account_id, scope.region)
    }

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
        let s3 = self.peers().map(|peers| peers.s3.clone());
        let bucket = s3
            .as_ref()
            .and_then(|s3| s3.bucket_record(&input.destination))
            .ok_or_else(|| {
                LogsError::InvalidParameter(
                    "The given bucket does not exist. Please make sure the bucket is valid.".into(),
                )
            })?;
        let Some(s3) = s3 else {
            return Err(export_not_found());
        };
        let prefix = input
            .destination_prefix
            .clone()
            .filter(|prefix| !prefix.is_empty())
            .unwrap_or_else(|| DEFAULT_PREFIX.to_string());
        let prefix = prefix.trim_end_matches('/').to_string();
        let bucket_policy = s3.bucket_policy(&bucket.name);
        let may = |action: &str, resource: &str| {
            logs_may(
                bucket_policy.as_deref(),
                &bucket.account_id,
                &scope,
                &input.log_group_name,
                action,
                resource,
            )
        };
        let permission_failure = |call: &str| {
            LogsError::InvalidParameter(format!(
                "{call} call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation."
            ))
        };
        if !may("s3:GetBucketAcl", &format!("arn:aws:s3:::{}", bucket.name)) {
            return Err(permission_failure("GetBucketAcl"));
        }
        let test_key = format!("{prefix}/aws-logs-write-test");
        if !may(
            "s3:PutObject",
            &format!("arn:aws:s3:::{}/{test_key}", bucket.name),
        ) {
            return Err(permission_failure("PutObject"));
        }
        let task_id = self.kit.ids().uuid();
        let task = ExportTask {
            task_id: Some(task_id.clone()),
            task_name: input.task_name.clone(),
            log_group_name: Some(input.log_group_name.clone()),
            from: Some(input.from),
            to: Some(input.to),
            destination: Some(input.destination.clone()),
            destination_prefix: Some(prefix.clone()),
            status: status("PENDING", "Pending"),
            execution_info: Some(ExportTaskExecutionInfo {
                creation_time: Some(self.now()),
                completion_time: None,
            }),
        };
        let scope_prefix = format!("{}/{}/", scope.account_id, scope.region);
        let export_key = Self::export_key(&scope, &task_id);
        // One active task per account: checked and recorded in one transaction, so two
        // concurrent requests cannot both pass.
        self.kit.store().transaction(|txn| {
            let active = txn
                .scan_prefix(&self.export_tasks, &scope_prefix)?
                .iter()
                .any(|(_, task)| is_active(task));
            if active {
                return Err(limit_exceeded());
            }
            txn.insert(&self.export_tasks, &export_key, task.clone())?;
            Ok::<_, LogsError>(())
        })?;
        let written = s3.write_object(
            &scope.account_id,
            &bucket.name,
            &test_key,
            NewObject {
                bytes: WRITE_TEST_BODY.to_vec(),
                content_type: Some("binary/octet-stream".into()),
                content_encoding: None,
            },
        );
        if written.is_err() {
            self.export_tasks.remove(&export_key)?;
            return Err(permission_failure("PutObject"));
        }
        self.start_export(export_key);
        Ok(CreateExportTaskResponse {
            task_id: Some(task_id),
        })
    }

    /// Runs a stored task in the background, from wherever it stands.
    pub(super) fn start_export(&self, export_key: String) {
        let Some(logs) = self.peers().and_then(|peers| peers.logs.upgrade()) else {
            return;
        };
        tokio::spawn(async move {
            // AWS takes a moment before it starts; a client polling DescribeExportTasks sees
            // PENDING, then RUNNING, then the outcome.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if !logs.move_export(&export_key, "RUNNING", "Started successfully", false) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let outcome = logs.run_export(&export_key);
            let (code, message) = match &outcome {
                Ok(()) => ("COMPLETED", "Completed successfully".to_string()),
                Err(message) => ("FAILED", message.clone()),
            };
            logs.move_export(&export_key, code, &message, true);
        });
    }

    /// Moves an active task to `code`; false when it is no longer active (cancelled, gone).
    fn move_export(&self, export_key: &str, code: &str, message: &str, finished: bool) -> bool {
        let now = self.now();
        let moved = self.export_tasks.modify(export_key, |slot| {
            let Some(task) = slot.as_mut().filter(|task| is_active(task)) else {
                return Ok::<_, LogsError>(false);
            };
            task.status = status(code, message);
            if finished && let Some(info) = task.execution_info.as_mut() {
                info.completion_time = Some(now);
            }
            Ok(true)
        });
        match moved {
            Ok(moved) => moved,
            Err(error) => {
                tracing::error!(%error, "could not record an export task's progress");
                false
            }
        }
    }

    /// Writes the task's objects; the failure message if it cannot.
    fn run_export(&self, export_key: &str) -> Result<(), String> {
        let task = self
            .export_tasks
            .get(export_key)
            .ok_or_else(|| "The export task does not exist.".to_string())?;
        let (account_id, region) = {
            let mut parts = export_key.splitn(3, '/');
            (
                parts.next().unwrap_or_default().to_string(),
                parts.next().unwrap_or_default().to_string(),
            )
        };
        let scope = Scope::new(&account_id, &region);
        let s3 = self
            .peers()
            .map(|peers| peers.s3.clone())
            .ok_or_else(|| "S3 is not available.".to_string())?;
        let group = task.log_group_name.clone().unwrap_or_default();
        let bucket = task.destination.clone().unwrap_or_default();
        let prefix = task.destination_prefix.clone().unwrap_or_default();
        let task_id = task.task_id.clone().unwrap_or_default();
        let (from, to) = (task.from.unwrap_or(0), task.to.unwrap_or(0));
        for (_, stream) in self.streams.scan_prefix(&scope.group_children(&group)) {
            let text = self.export_lines(&scope, &group, &stream.name, from, to);
            if text.is_empty() {
                continue;
            }
            let bytes = gzip(&text).map_err(|error| error.to_string())?;
            s3.write_object(
                &account_id,
                &bucket,
                &format!("{prefix}/{task_id}/{}/000000.gz", stream.name),
                NewObject {
                    bytes,
                    content_type: Some("application/octet-stream".into()),
                    content_encoding: None,
                },
            )
            .map_err(|error| error.code_and_message().1)?;
        }
        Ok(())
    }

    /// The lines of one stream's events with timestamps in `[from, to]`, oldest first.
    fn export_lines(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
        from: i64,
        to: i64,
    ) -> Vec<u8> {
        let prefix = scope.events_prefix(group, stream);
        let mut after = gap_before(from);
        let up_to = gap_before(to.saturating_add(1));
        let mut text = Vec::new();
        loop {
            let chunk = range(
                &self.events,
                std::ops::Bound::Excluded(format!("{prefix}{}", digits(after))),
                std::ops::Bound::Excluded(format!("{prefix}{}", digits(up_to))),
                EXPORT_CHUNK,
                false,
            );
            let full = chunk.len() == EXPORT_CHUNK;
            for (key, event) in chunk {
                let Some(position) = from_key(&key) else {
                    continue;
                };
                after = position;
                let (timestamp, _) = split(position);
                text.extend_from_slice(export_time(timestamp).as_bytes());
                text.push(b' ');
                text.extend_from_slice(event.message.as_bytes());
                text.push(b'\n');
            }
            if !full {
                return text;
            }
        }
    }

    /// Runs again the tasks a stopped simulator left active.
    pub(super) fn resume_exports(&self) {
        for (key, task) in self.export_tasks.scan_prefix("") {
            if is_active(&task) {
                self.start_export(key);
            }
        }
    }

    pub(crate) async fn describe_export_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeExportTasksRequest,
    ) -> Result<DescribeExportTasksResponse, LogsError> {
        let scope = Scope::of(ctx);
        let mut entries: Vec<(String, ExportTask)> = self
            .export_tasks
            .scan_prefix(&format!("{}/{}/", scope.account_id, scope.region))
            .into_iter()
            .filter(|(_, task)| {
                input
                    .task_id
                    .as_deref()
                    .is_none_or(|id| task.task_id.as_deref() == Some(id))
            })
            .filter(|(_, task)| {
                input.status_code.as_deref().is_none_or(|code| {
                    task.status.as_ref().and_then(|s| s.code.as_deref()) == Some(code)
                })
            })
            .map(|(_, task)| {
                let created = task
                    .execution_info
                    .as_ref()
                    .and_then(|info| info.creation_time)
                    .unwrap_or(0);
                let id = task.task_id.clone().unwrap_or_default();
                (format!("{created:020}\0{id}"), task)
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let size = input.limit.map_or(MAX_DESCRIBE, |limit| {
            (limit.max(1) as usize).min(MAX_DESCRIBE)
        });
        let page = token::page("exports", entries, input.next_token.as_deref(), size)?;
        Ok(DescribeExportTasksResponse {
            export_tasks: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn cancel_export_task(
        &self,
        ctx: &Ctx,
        input: CancelExportTaskRequest,
    ) -> Result<(), LogsError> {
        let key = Self::export_key(&Scope::of(ctx), &input.task_id);
        let now = self.now();
        self.export_tasks.modify(&key, |slot| {
            let task = slot.as_mut().ok_or_else(export_not_found)?;
            if !is_active(task) {
                let code = task
                    .status
                    .as_ref()
                    .and_then(|s| s.code.clone())
                    .unwrap_or_default();
                return Err(LogsError::InvalidOperation(format!(
                    "The specified export task has already finished. Current status: {code}"
                )));
            }
            task.status = status("CANCELLED", "Cancelled by user");
            if let Some(info) = task.execution_info.as_mut() {
                info.completion_time = Some(now);
            }
            Ok(())
        })
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

#[cfg(test)]
mod unit {
    use super::*;

    fn bucket_policy(principal: &str, action: &str, resource: &str, condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{principal}"}},"Action":"{action}","Resource":"{resource}"{condition}}}]}}"#
        )
    }

    #[test]
    fn exported_lines_carry_iso_timestamps_with_milliseconds() {
        assert_eq!(export_time(1_700_000_001_234), "2023-11-14T22:13:21.234Z");
        assert_eq!(export_time(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn bucket_policies_must_name_the_logs_service() {
        let scope = Scope::new("123456789012", "us-east-1");
        let check = |policy: &str, action: &str, resource: &str| {
            logs_may(Some(policy), "123456789012", &scope, "g", action, resource)
        };
        let regional = bucket_policy(
            "logs.us-east-1.amazonaws.com",
            "s3:GetBucketAcl",
            "arn:aws:s3:::b",
            "",
        );
        assert!(check(&regional, "s3:GetBucketAcl", "arn:aws:s3:::b"));
        assert!(!check(&regional, "s3:PutObject", "arn:aws:s3:::b/k"));
        let global = bucket_policy("logs.amazonaws.com", "s3:PutObject", "arn:aws:s3:::b/*", "");
        assert!(check(
            &global,
            "s3:PutObject",
            "arn:aws:s3:::b/x/aws-logs-write-test"
        ));
        let other_region = bucket_policy(
            "logs.eu-west-1.amazonaws.com",
            "s3:GetBucketAcl",
            "arn:aws:s3:::b",
            "",
        );
        assert!(!check(&other_region, "s3:GetBucketAcl", "arn:aws:s3:::b"));
        let wrong_account = bucket_policy(
            "logs.amazonaws.com",
            "s3:GetBucketAcl",
            "arn:aws:s3:::b",
            r#","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}"#,
        );
        assert!(!check(&wrong_account, "s3:GetBucketAcl", "arn:aws:s3:::b"));
        assert!(!logs_may(
            None,
            "123456789012",
            &scope,
            "g",
            "s3:GetBucketAcl",
            "arn:aws:s3:::b"
        ));
    }
}
