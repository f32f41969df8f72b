//! A job's plan while a runner runs it: timeline records (which become the job's `steps`),
//! live console lines, logs, and plan events (`JobCompleted` concludes the job).
//!
//! Every call here carries the job's access token (`SystemVssConnection` in the job message);
//! it reaches only its own plan.
//!
//! A job's log as `GET /repos/{o}/{r}/actions/jobs/{id}/logs` serves it ([`job_log`]) is its
//! records' uploaded logs in timeline order (a step without an upload contributes its live
//! lines), after any message the engine wrote for it.
//!
//! What this module must not do: change a job another request owns, or a job that ended
//! cancelled back to another conclusion.

use http::Method;
use serde_json::{Map, Value, json};

use super::model::{RequestRecord, TaskLogRecord, id_key, log_key, record_key};
use super::token::Grant;
use super::{Answer, Request, ServiceError, collection, time};
use crate::Hub;
use crate::actions::engine;
use crate::actions::model::{StepRecord, job_key};
use crate::model::next_id;

/// The runner's `TaskResult` (a name or its number) as the service names it.
pub fn result_name(value: &Value) -> Option<String> {
    const NAMES: [&str; 6] = [
        "succeeded",
        "succeededWithIssues",
        "failed",
        "canceled",
        "skipped",
        "abandoned",
    ];
    match value {
        Value::Number(n) => n
            .as_u64()
            .and_then(|i| NAMES.get(i as usize))
            .map(|s| s.to_string()),
        Value::String(s) => NAMES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(s))
            .map(|s| s.to_string()),
        _ => None,
    }
}

/// A `TaskResult` as GitHub's conclusion.
fn conclusion(result: &str) -> &'static str {
    match result {
        "succeeded" | "succeededWithIssues" => "success",
        "canceled" => "cancelled",
        "skipped" => "skipped",
        _ => "failure",
    }
}

fn state_name(value: &Value) -> Option<&'static str> {
    match value {
        Value::Number(n) => match n.as_u64()? {
            0 => Some("queued"),
            1 => Some("in_progress"),
            2 => Some("completed"),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "pending" => Some("queued"),
            "inprogress" => Some("in_progress"),
            "completed" => Some("completed"),
            _ => None,
        },
        _ => None,
    }
}

fn millis(value: Option<&Value>) -> Option<i64> {
    let text = value?.as_str()?;
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .or_else(|_| {
            // .NET sometimes writes no zone: UTC is meant.
            time::OffsetDateTime::parse(
                &format!("{text}Z"),
                &time::format_description::well_known::Rfc3339,
            )
        })
        .ok()?;
    Some((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Routes `…/hubs/{hub}/plans/{planId}/…`.
pub fn route(
    request: &Request<'_>,
    grant: &Grant,
    method: &Method,
    plan_id: &str,
    rest: &[&str],
) -> Result<Answer, ServiceError> {
    let owned = request
        .records()
        .request_of_plan(plan_id)
        .filter(|r| matches!(grant, Grant::Job { request_id } if *request_id == r.request_id))
        .ok_or(ServiceError::Unauthorized)?;
    match (method, rest) {
        (&Method::PATCH, ["timelines", timeline, "records"]) => {
            update_records(request, &owned, timeline)
        }
        (&Method::GET, ["timelines", timeline, "records"]) => {
            check_timeline(&owned, timeline)?;
            Ok(Answer::ok(collection(
                request.records().timeline_records(timeline),
            )))
        }
        (&Method::POST, ["timelines", timeline, "records", record, "feed"]) => {
            append_feed(request, &owned, timeline, record)
        }
        (&Method::POST, ["logs"]) => create_log(request, &owned),
        (&Method::POST, ["logs", log_id]) => append_log(request, &owned, super::number(log_id)?),
        (&Method::POST, ["events"]) => plan_event(request, &owned),
        (&Method::POST, ["actiondownloadinfo"]) => super::downloads::resolve(request, &owned),
        _ => Err(ServiceError::NotFound(format!(
            "The resource {method} plans/{plan_id}/{} was not found.",
            rest.join("/")
        ))),
    }
}

fn check_timeline(owned: &RequestRecord, timeline: &str) -> Result<(), ServiceError> {
    if owned.timeline_id.eq_ignore_ascii_case(timeline) {
        Ok(())
    } else {
        Err(ServiceError::exception(
            http::StatusCode::NOT_FOUND,
            "TimelineNotFoundException",
            format!("Timeline {timeline} was not found."),
        ))
    }
}

/// `PATCH …/timelines/{id}/records` with `{"count", "value": [records]}`: each record merged
/// over what the runner wrote before (fields it leaves null keep their values).
fn update_records(
    request: &Request<'_>,
    owned: &RequestRecord,
    timeline: &str,
) -> Result<Answer, ServiceError> {
    check_timeline(owned, timeline)?;
    let body = request.json()?;
    let incoming = body
        .get("value")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| ServiceError::BadRequest("The records must be given as value.".into()))?;
    let records = request.records();
    let mut answered = Vec::new();
    for record in incoming {
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_string) else {
            return Err(ServiceError::BadRequest(
                "Every timeline record needs an id.".into(),
            ));
        };
        let merged = records
            .timeline
            .modify(&record_key(timeline, &id), |slot| {
                let mut merged = slot.take().unwrap_or_else(|| json!({}));
                if let (Some(target), Some(source)) = (merged.as_object_mut(), record.as_object()) {
                    for (k, v) in source {
                        if !v.is_null() {
                            target.insert(k.clone(), v.clone());
                        }
                    }
                    let change = target.get("changeId").and_then(Value::as_i64).unwrap_or(0);
                    target.insert("changeId".into(), json!(change + 1));
                    target.insert("lastModified".into(), json!(time(request.now)));
                }
                *slot = Some(merged.clone());
                Ok::<_, ServiceError>(merged)
            })?;
        answered.push(merged);
    }
    reflect_steps(request.hub, owned)?;
    Ok(Answer::ok(collection(answered)))
}

/// The job's `steps` from its timeline: the records whose parent is the job's record.
fn reflect_steps(hub: &Hub, owned: &RequestRecord) -> Result<(), ServiceError> {
    let records = hub
        .actions
        .runner
        .records
        .timeline_records(&owned.timeline_id);
    let parent = |r: &Value| {
        r.get("parentId")
            .and_then(Value::as_str)
            .is_some_and(|p| p.eq_ignore_ascii_case(&owned.job_guid))
    };
    let steps: Vec<StepRecord> = records
        .iter()
        .filter(|r| parent(r))
        .enumerate()
        .map(|(i, r)| {
            let status = r.get("state").and_then(state_name).unwrap_or("queued");
            StepRecord {
                number: r
                    .get("order")
                    .and_then(Value::as_u64)
                    .unwrap_or(i as u64 + 1),
                name: r
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                status: status.to_string(),
                conclusion: r
                    .get("result")
                    .and_then(result_name)
                    .filter(|_| status == "completed")
                    .map(|res| conclusion(&res).to_string()),
                started_at: millis(r.get("startTime")),
                completed_at: millis(r.get("finishTime")),
            }
        })
        .collect();
    hub.actions
        .records
        .jobs
        .update(&job_key(owned.repo_id, owned.job_id), |j| j.steps = steps)?;
    Ok(())
}

/// `POST …/records/{id}/feed` with `{"value": [lines], "stepId", "startLine"}`: live lines.
fn append_feed(
    request: &Request<'_>,
    owned: &RequestRecord,
    timeline: &str,
    record: &str,
) -> Result<Answer, ServiceError> {
    check_timeline(owned, timeline)?;
    let body = request.json()?;
    let lines: Vec<String> = body
        .get("value")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    // Feeds are keyed by the step they are for when the runner names it.
    let step = body
        .get("stepId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && *s != "00000000-0000-0000-0000-000000000000")
        .unwrap_or(record);
    request
        .records()
        .feeds
        .modify(&record_key(timeline, step), |slot| {
            slot.get_or_insert_with(Vec::new).extend(lines);
            Ok::<_, ServiceError>(())
        })?;
    Ok(Answer::NoContent)
}

fn render_log(log: &TaskLogRecord, base: &str, plan: &str) -> Value {
    json!({
        "id": log.id,
        "path": log.path,
        "location": format!("{base}/_apis/distributedtask/hubs/actions/plans/{plan}/logs/{}", log.id),
        "lineCount": log.content.lines().count(),
        "createdOn": time(log.created_at),
        "lastChangedOn": time(log.changed_at),
    })
}

/// `POST …/logs` with `{"path": "logs\\{recordId}"}`.
fn create_log(request: &Request<'_>, owned: &RequestRecord) -> Result<Answer, ServiceError> {
    let body = request.json()?;
    let hub = request.hub;
    let records = request.records();
    let log = hub.state.store.transaction(|txn| {
        let id = next_id(txn, &hub.state.counters, "tasklog")?;
        let log = TaskLogRecord {
            id,
            path: body
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            content: String::new(),
            created_at: request.now,
            changed_at: request.now,
        };
        txn.insert(
            &records.task_logs,
            &log_key(&owned.plan_id, id),
            log.clone(),
        )?;
        Ok::<_, ServiceError>(log)
    })?;
    Ok(Answer::Json(
        http::StatusCode::CREATED,
        render_log(&log, &request.base_url, &owned.plan_id),
    ))
}

/// `POST …/logs/{id}` with the log's bytes (octet-stream): appended.
fn append_log(
    request: &Request<'_>,
    owned: &RequestRecord,
    log_id: u64,
) -> Result<Answer, ServiceError> {
    let text = String::from_utf8_lossy(&request.body).into_owned();
    let now = request.now;
    let log = request
        .records()
        .task_logs
        .update(&log_key(&owned.plan_id, log_id), |log| {
            log.content.push_str(&text);
            log.changed_at = now;
            log.clone()
        })?
        .ok_or_else(|| {
            ServiceError::exception(
                http::StatusCode::NOT_FOUND,
                "TaskLogNotFoundException",
                format!("Log {log_id} was not found."),
            )
        })?;
    Ok(Answer::ok(render_log(
        &log,
        &request.base_url,
        &owned.plan_id,
    )))
}

/// `POST …/events`: `JobCompleted` with `result` and `outputs` concludes the job.
fn plan_event(request: &Request<'_>, owned: &RequestRecord) -> Result<Answer, ServiceError> {
    let body = request.json()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if !name.eq_ignore_ascii_case("JobCompleted") {
        return Err(ServiceError::BadRequest(format!(
            "The event {name} is not supported."
        )));
    }
    let job_id = body
        .get("jobId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !job_id.eq_ignore_ascii_case(&owned.job_guid) {
        return Err(ServiceError::exception(
            http::StatusCode::NOT_FOUND,
            "JobNotFoundException",
            format!("Job {job_id} was not found in plan {}.", owned.plan_id),
        ));
    }
    let result = body
        .get("result")
        .and_then(result_name)
        .ok_or_else(|| ServiceError::BadRequest("The event's result is not valid.".into()))?;
    let mut outputs = Map::new();
    if let Some(given) = body.get("outputs").and_then(Value::as_object) {
        for (k, v) in given {
            let value = v.get("value").cloned().unwrap_or(Value::Null);
            outputs.insert(k.clone(), if value.is_null() { json!("") } else { value });
        }
    }
    request
        .records()
        .requests
        .update(&id_key(owned.request_id), |r| r.completed = true)?;
    conclude(request, owned, &result, Some(outputs))?;
    Ok(Answer::NoContent)
}

/// The request finished (`PATCH …/jobrequests/{id}` with a result): the job's token is
/// revoked, and a job that got no `JobCompleted` ends with the request's result.
pub fn finish(request: &Request<'_>, finished: &RequestRecord) -> Result<(), ServiceError> {
    let hub = request.hub;
    hub.state.tokens.remove(&finished.github_token_hash)?;
    if !finished.completed {
        let result = finished
            .result
            .clone()
            .unwrap_or_else(|| "abandoned".into());
        conclude(request, finished, &result, None)?;
    }
    hub.actions.jobs_changed.notify_waiters();
    Ok(())
}

/// Ends the job with `result` (unless it already ended, as a cancelled one has), then moves the
/// run on: dependents become ready, the run concludes.
fn conclude(
    request: &Request<'_>,
    owned: &RequestRecord,
    result: &str,
    outputs: Option<Map<String, Value>>,
) -> Result<(), ServiceError> {
    let hub = request.hub;
    let now = request.now;
    hub.actions
        .records
        .jobs
        .update(&job_key(owned.repo_id, owned.job_id), |j| {
            if let Some(outputs) = outputs {
                j.outputs = outputs;
            }
            if j.status != "completed" {
                j.status = "completed".into();
                j.conclusion = Some(conclusion(result).to_string());
                j.completed_at = Some(now);
            }
        })?;
    if let Some(repo) = hub.state.repos.get(&crate::model::id_key(owned.repo_id)) {
        engine::advance(hub, &repo, owned.run_id, now)?;
    }
    hub.actions.jobs_changed.notify_waiters();
    Ok(())
}

/// A job's steps as logged: `(number, name, text)` for each step record with a log or live
/// lines, in order (what a run's logs zip holds as `JOB/N_STEP.txt`).
pub fn step_logs(hub: &Hub, job_id: u64) -> Vec<(u64, String, String)> {
    let runner = &hub.actions.runner.records;
    let Some(owned) = runner.request(job_id) else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let records = runner.timeline_records(&owned.timeline_id);
    let of_job = |r: &&Value| {
        r.get("parentId")
            .and_then(Value::as_str)
            .is_some_and(|p| p.eq_ignore_ascii_case(&owned.job_guid))
    };
    for (index, record) in records.iter().filter(of_job).enumerate() {
        let number = record
            .get("order")
            .and_then(Value::as_u64)
            .unwrap_or(index as u64 + 1);
        let name = record
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(text) = record_text(runner, &owned, record) {
            steps.push((number, name, text));
        }
    }
    steps
}

/// A record's uploaded log, else its live lines.
fn record_text(
    runner: &super::model::RunnerRecords,
    owned: &RequestRecord,
    record: &Value,
) -> Option<String> {
    let uploaded = record
        .pointer("/log/id")
        .and_then(Value::as_u64)
        .and_then(|id| runner.task_logs.get(&log_key(&owned.plan_id, id)))
        .map(|l| l.content)
        .filter(|c| !c.is_empty());
    uploaded.or_else(|| {
        let id = record.get("id").and_then(Value::as_str)?;
        let lines = runner.feeds.get(&record_key(&owned.timeline_id, id))?;
        Some(lines.iter().map(|l| format!("{l}\n")).collect())
    })
}

/// A job's log as the REST API serves it.
pub fn job_log(hub: &Hub, job_id: u64) -> String {
    let mut log = hub
        .actions
        .records
        .logs
        .get(&crate::actions::model::log_key(job_id))
        .unwrap_or_default();
    let runner = &hub.actions.runner.records;
    let Some(owned) = runner.request(job_id) else {
        return log;
    };
    let records = runner.timeline_records(&owned.timeline_id);
    // The job's own record first, then its steps in order.
    let (job_records, steps): (Vec<&Value>, Vec<&Value>) = records.iter().partition(|r| {
        r.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.eq_ignore_ascii_case(&owned.job_guid))
    });
    for record in job_records.into_iter().chain(steps) {
        if let Some(text) = record_text(runner, &owned, record) {
            log.push_str(&text);
            if !log.ends_with('\n') {
                log.push('\n');
            }
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_results_and_states_map_to_github_names() {
        for (sent, name, github) in [
            (json!("succeeded"), "succeeded", "success"),
            (
                json!("SucceededWithIssues"),
                "succeededWithIssues",
                "success",
            ),
            (json!(2), "failed", "failure"),
            (json!("canceled"), "canceled", "cancelled"),
            (json!(4), "skipped", "skipped"),
            (json!("abandoned"), "abandoned", "failure"),
        ] {
            let named = result_name(&sent).expect("a result");
            assert_eq!(
                (named.as_str(), conclusion(&named)),
                (name, github),
                "{sent}"
            );
        }
        assert_eq!(result_name(&json!("nonsense")), None);
        assert_eq!(result_name(&json!(9)), None);
        assert_eq!(state_name(&json!("inProgress")), Some("in_progress"));
        assert_eq!(state_name(&json!(2)), Some("completed"));
        assert_eq!(state_name(&json!("pending")), Some("queued"));
        assert_eq!(
            millis(Some(&json!("2026-01-02T03:04:05.1234567Z"))),
            Some(1_767_323_045_123)
        );
        assert_eq!(
            millis(Some(&json!("2026-01-02T03:04:05"))),
            Some(1_767_323_045_000)
        );
    }
}
