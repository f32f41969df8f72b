//! Sessions, the message long-poll, and job requests.
//!
//! An agent holds at most one session (a second is the service's 409
//! `TaskAgentSessionConflictException`). `GET …/messages` answers at once with the message
//! waiting in the session's queue (one delivered but not yet deleted is answered again), a
//! `JobCancelMessage` for a job of the agent that was cancelled, or a new job: the oldest queued
//! job of the agent's repository whose `runs-on` labels the agent has, assigned to it in one
//! store transaction (so two agents never get the same job). With nothing to hand out it waits
//! on the hub's `jobs_changed` notification, not a loop, and answers `202` with no body after
//! [`super::POLL_MILLIS`].
//!
//! What this module must not do: give a job to an agent that has one running (agents take one
//! job at a time, `maxParallelism` 1), or to an agent of another repository.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::message::{self, JobMessageInput};
use super::model::{QueuedMessage, RequestRecord, SessionRecord, id_key};
use super::token::Grant;
use super::{Answer, LOCK_MILLIS, POLL_MILLIS, Request, ServiceError, time};
use crate::actions::engine;
use crate::actions::model::{JobRecord, job_key, run_key};
use crate::model::next_id;

fn agent_of(grant: &Grant) -> Result<u64, ServiceError> {
    match grant {
        Grant::Agent { agent_id } => Ok(*agent_id),
        _ => Err(ServiceError::Unauthorized),
    }
}

fn expired_session() -> ServiceError {
    ServiceError::exception(
        StatusCode::NOT_FOUND,
        "TaskAgentSessionExpiredException",
        "The session has expired or does not exist.",
    )
}

/// `POST …/sessions` with `{"sessionId", "ownerName", "agent": {...}, "useFipsEncryption"}`.
pub fn create_session(request: &Request<'_>, grant: &Grant) -> Result<Answer, ServiceError> {
    let agent_id = agent_of(grant)?;
    let records = request.records();
    let agent = records.agent(agent_id).ok_or(ServiceError::Unauthorized)?;
    let body = request.json()?;
    if let Some(claimed) = body.pointer("/agent/id").and_then(Value::as_u64)
        && claimed != agent_id
    {
        return Err(ServiceError::Unauthorized);
    }
    let fips = body
        .get("useFipsEncryption")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let key = super::crypto::session_key(&agent, fips).map_err(|message| {
        tracing::error!(%message, agent = agent.id, "no session key");
        ServiceError::Internal
    })?;
    let session = SessionRecord {
        encryption_key: Some(B64.encode(&key.raw)),
        session_id: request.hub.kit.ids().uuid(),
        agent_id,
        owner_name: body
            .get("ownerName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        created_at: request.now,
        pending: None,
        last_seen: request.now,
    };
    records.sessions.modify(&id_key(agent_id), |slot| {
        if slot
            .as_ref()
            .is_some_and(|s| !is_stale(s.last_seen, request.now))
        {
            return Err(ServiceError::exception(
                StatusCode::CONFLICT,
                "TaskAgentSessionConflictException",
                format!("A session for agent {} already exists.", agent.name),
            ));
        }
        *slot = Some(session.clone());
        Ok(())
    })?;
    Ok(Answer::ok(json!({
        "sessionId": session.session_id,
        "ownerName": session.owner_name,
        "agent": super::agents::render_agent(&agent, None),
        "encryptionKey": {"encrypted": true, "value": B64.encode(&key.wrapped)},
        "useFipsEncryption": fips,
    })))
}

/// Whether a session has gone unpolled long enough to belong to a runner that went away.
fn is_stale(last_seen: i64, now: i64) -> bool {
    now - last_seen > super::SESSION_IDLE_MILLIS
}

/// `DELETE …/sessions/{id}`.
pub fn delete_session(
    request: &Request<'_>,
    grant: &Grant,
    session_id: &str,
) -> Result<Answer, ServiceError> {
    let agent_id = agent_of(grant)?;
    request
        .records()
        .sessions
        .modify(&id_key(agent_id), |slot| match slot {
            Some(s) if s.session_id.eq_ignore_ascii_case(session_id) => {
                *slot = None;
                Ok(())
            }
            _ => Err(expired_session()),
        })?;
    Ok(Answer::NoContent)
}

/// The session a poll names, which must be the calling agent's.
fn session_of(request: &Request<'_>, agent_id: u64) -> Result<SessionRecord, ServiceError> {
    let wanted = request.query("sessionId").unwrap_or_default();
    request
        .records()
        .sessions
        .get(&id_key(agent_id))
        .filter(|s| s.session_id.eq_ignore_ascii_case(wanted))
        .ok_or_else(expired_session)
}

/// Notes that the session's runner is polling (the kit's time now: a poll can wait long
/// after its request's time).
fn seen(request: &Request<'_>, session: &SessionRecord) -> Result<(), ServiceError> {
    let at = request.hub.kit.clock().now_millis();
    request
        .records()
        .sessions
        .update(&id_key(session.agent_id), |s| {
            if s.session_id == session.session_id {
                s.last_seen = s.last_seen.max(at);
            }
        })?;
    Ok(())
}

/// The message as the runner reads it: its body encrypted with the session's key, the IV
/// beside it.
fn render_message(message: &QueuedMessage, session: &SessionRecord) -> Result<Value, ServiceError> {
    let Some(key) = session
        .encryption_key
        .as_deref()
        .and_then(|k| B64.decode(k).ok())
    else {
        return Ok(json!({
            "messageId": message.message_id,
            "messageType": message.message_type,
            "body": message.body,
        }));
    };
    let (iv, body) = super::crypto::encrypt_body(&key, &message.body).map_err(|message| {
        tracing::error!(%message, "message not encrypted");
        ServiceError::Internal
    })?;
    Ok(json!({
        "messageId": message.message_id,
        "messageType": message.message_type,
        "body": body,
        "iv": iv,
    }))
}

/// `GET …/messages?sessionId=…&status=…&lastMessageId=…`: the long-poll.
pub async fn get_message(request: &Request<'_>, grant: &Grant) -> Result<Answer, ServiceError> {
    let agent_id = agent_of(grant)?;
    let hub = request.hub;
    // One timer for the whole poll, however often it wakes for jobs another agent took.
    let timeout = tokio::time::sleep(Duration::from_millis(POLL_MILLIS));
    tokio::pin!(timeout);
    loop {
        // Registered before looking, so a job queued between the look and the wait still wakes
        // this poll.
        let notified = hub.actions.jobs_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let session = session_of(request, agent_id)?;
        seen(request, &session)?;
        if let Some(message) = next_message(request, &session)? {
            return Ok(Answer::ok(render_message(&message, &session)?));
        }
        tokio::select! {
            () = &mut timeout => {
                seen(request, &session)?;
                return Ok(Answer::Nothing);
            }
            () = &mut notified => {}
        }
    }
}

/// What the session should receive now, queued in it; `None` when there is nothing.
fn next_message(
    request: &Request<'_>,
    session: &SessionRecord,
) -> Result<Option<QueuedMessage>, ServiceError> {
    if let Some(pending) = &session.pending {
        return Ok(Some(pending.clone()));
    }
    let hub = request.hub;
    let records = request.records();
    let agent = records
        .agent(session.agent_id)
        .ok_or(ServiceError::Unauthorized)?;
    let active: Vec<RequestRecord> = records
        .requests
        .all()
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.agent_id == agent.id && r.finish_time.is_none())
        .collect();
    // A cancelled job the agent is running: tell it once.
    for assigned in &active {
        let job = hub.actions.records.job(assigned.repo_id, assigned.job_id);
        if !assigned.cancel_sent
            && job.is_some_and(|j| j.conclusion.as_deref() == Some("cancelled"))
        {
            let body = json!({"jobId": assigned.job_guid, "timeout": "00:05:00"}).to_string();
            let message = queue(request, session, "JobCancellation", body, |txn| {
                txn.update(&records.requests, &id_key(assigned.request_id), |r| {
                    r.cancel_sent = true
                })?;
                Ok(true)
            })?;
            return Ok(message);
        }
    }
    if !active.is_empty() {
        return Ok(None);
    }
    let agent_labels: Vec<String> = agent.labels.iter().map(|l| l.name.clone()).collect();
    let mut queued: Vec<JobRecord> = hub
        .actions
        .records
        .jobs
        .scan_prefix(&crate::model::repo_prefix(agent.repo_id))
        .into_iter()
        .map(|(_, j)| j)
        .filter(|j| {
            j.status == "queued"
                && j.runner_id.is_none()
                && message::labels_match(&j.labels, &agent_labels)
        })
        .collect();
    queued.sort_by_key(|j| j.id);
    for job in queued {
        if let Some(message) = assign(request, session, &agent, &job)? {
            return Ok(Some(message));
        }
    }
    Ok(None)
}

/// Puts a message in the session's queue, with `also` in the same transaction; `None` if the
/// session went away meanwhile.
fn queue(
    request: &Request<'_>,
    session: &SessionRecord,
    message_type: &str,
    body: String,
    also: impl FnOnce(&mut simkit::store::Txn<'_>) -> Result<bool, ServiceError>,
) -> Result<Option<QueuedMessage>, ServiceError> {
    let hub = request.hub;
    let records = request.records();
    hub.state.store.transaction(|txn| {
        let Some(mut current) = txn.get(&records.sessions, &id_key(session.agent_id))? else {
            return Ok(None);
        };
        if current.session_id != session.session_id || current.pending.is_some() {
            return Ok(current.pending);
        }
        let message = QueuedMessage {
            message_id: next_id(txn, &hub.state.counters, "runner_message")?,
            message_type: message_type.to_string(),
            body,
        };
        if !also(txn)? {
            return Ok(None);
        }
        current.pending = Some(message.clone());
        txn.insert(&records.sessions, &id_key(session.agent_id), current)?;
        Ok(Some(message))
    })
}

/// Assigns `job` to the agent and queues its message; `None` if another agent took it first or
/// its run can no longer be read.
fn assign(
    request: &Request<'_>,
    session: &SessionRecord,
    agent: &super::model::AgentRecord,
    job: &JobRecord,
) -> Result<Option<QueuedMessage>, ServiceError> {
    let hub = request.hub;
    let records = &hub.actions.records;
    let Some(run) = records.run(job.repo_id, job.run_id) else {
        return Ok(None);
    };
    let Some(repo) = hub.state.repos.get(&crate::model::id_key(job.repo_id)) else {
        return Ok(None);
    };
    let Some(source) = hub.actions.sources.get(&run_key(job.repo_id, job.run_id)) else {
        return Ok(None);
    };
    let Ok(workflow) = ::actions::workflow::parse(&run.path, &source) else {
        return Ok(None);
    };
    let Some(definition) = message::job_of(&workflow, &job.job_key) else {
        return Ok(None);
    };
    let ids = hub.kit.ids();
    let (plan_id, timeline_id, job_guid, scope_id) =
        (ids.uuid(), ids.uuid(), ids.uuid(), ids.uuid());
    let locked_until = request.now + LOCK_MILLIS;
    let job_token = request.service().issue_scoped(
        &hub.kit,
        &Grant::Job { request_id: job.id },
        6 * 3600,
        Some(&crate::actions::artifacts::results_scope(
            job.repo_id,
            job.run_id,
            job.id,
        )),
    );
    let github_token = crate::auth::new_token(ids.as_ref(), crate::model::TokenKind::Classic);

    let mut github = engine::github_context(&run, &repo);
    let api_url = format!("{}/api/v3", request.html_url);
    for (key, value) in [
        ("token", github_token.clone()),
        ("job", job.job_key.clone()),
        ("server_url", request.html_url.clone()),
        ("api_url", api_url.clone()),
        ("graphql_url", format!("{}/api/graphql", request.html_url)),
        ("retention_days", "90".to_string()),
        (
            "repositoryUrl",
            format!("{}/{}.git", request.html_url, repo.full_name()),
        ),
    ] {
        github[key] = Value::String(value);
    }
    let mut contexts = Map::new();
    contexts.insert("github".into(), github);
    contexts.insert(
        "needs".into(),
        Value::Object(engine::needs_context(hub, &run, definition)),
    );
    contexts.insert(
        "inputs".into(),
        run.payload
            .get("inputs")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    let (secrets, variables) = crate::actions::settings::for_job(hub, &repo);
    contexts.insert("vars".into(), json!(variables));
    if let Some(combination) = job.matrix.as_object() {
        contexts.insert("matrix".into(), Value::Object(combination.clone()));
        let siblings = records
            .jobs_of(job.repo_id, job.run_id, Some(job.run_attempt))
            .into_iter()
            .filter(|j| j.job_key == job.job_key)
            .collect::<Vec<_>>();
        let index = siblings.iter().position(|j| j.id == job.id).unwrap_or(0);
        let strategy = definition.strategy.as_ref();
        contexts.insert(
            "strategy".into(),
            json!({
                "fail-fast": strategy.map_or(Value::Bool(true), |s| s.fail_fast.clone()),
                "job-index": index,
                "job-total": siblings.len(),
                "max-parallel": strategy.and_then(|s| s.max_parallel.clone()).unwrap_or(json!(siblings.len())),
            }),
        );
    }
    let body = message::job_request(
        &JobMessageInput {
            workflow: &workflow,
            job: definition,
            display_name: &job.name,
            request_id: job.id,
            plan_id: &plan_id,
            timeline_id: &timeline_id,
            job_guid: &job_guid,
            scope_id: &scope_id,
            locked_until: &time(locked_until),
            service_url: &request.base_url,
            job_access_token: &job_token,
            html_url: &request.html_url,
            github_token: &github_token,
            secrets: &secrets,
            contexts,
            run_id: run.id,
            workflow_name: &run.name,
        },
        ids.as_ref(),
    )
    .to_string();
    let assigned = RequestRecord {
        request_id: job.id,
        repo_id: job.repo_id,
        run_id: job.run_id,
        job_id: job.id,
        agent_id: agent.id,
        plan_id: plan_id.clone(),
        timeline_id,
        job_guid,
        queue_time: job.created_at,
        assign_time: request.now,
        locked_until,
        finish_time: None,
        result: None,
        cancel_sent: false,
        completed: false,
        github_token_hash: crate::auth::token_hash(&github_token),
    };
    let now = request.now;
    let mut taken = false;
    let message = queue(request, session, "PipelineAgentJobRequest", body, |txn| {
        let key = job_key(job.repo_id, job.id);
        let Some(mut current) = txn.get(&records.jobs, &key)? else {
            return Ok(false);
        };
        if current.status != "queued" || current.runner_id.is_some() {
            return Ok(false);
        }
        current.status = "in_progress".into();
        current.runner_id = Some(agent.id);
        current.runner_name = Some(agent.name.clone());
        current.started_at = Some(now);
        txn.insert(&records.jobs, &key, current)?;
        let records = request.records();
        txn.insert(&records.requests, &id_key(job.id), assigned.clone())?;
        txn.insert(&records.plans, &plan_id.to_ascii_lowercase(), job.id)?;
        // The job's GITHUB_TOKEN: the run's actor's, with `repo`, until the job finishes.
        txn.insert(
            &hub.state.tokens,
            &assigned.github_token_hash,
            crate::model::Token {
                login: run.actor.clone(),
                kind: crate::model::TokenKind::Classic,
                scopes: vec!["repo".into()],
                created_at: now,
            },
        )?;
        taken = true;
        Ok(true)
    })?;
    if taken {
        // The run is in progress now.
        engine::advance(hub, &repo, run.id, now)?;
    }
    Ok(message)
}

/// `DELETE …/messages/{id}?sessionId=…`: the runner has the message.
pub fn delete_message(
    request: &Request<'_>,
    grant: &Grant,
    message_id: u64,
) -> Result<Answer, ServiceError> {
    let agent_id = agent_of(grant)?;
    let session = session_of(request, agent_id)?;
    request.records().sessions.update(&id_key(agent_id), |s| {
        if s.session_id == session.session_id
            && s.pending
                .as_ref()
                .is_some_and(|m| m.message_id == message_id)
        {
            s.pending = None;
        }
    })?;
    Ok(Answer::NoContent)
}

/// A job request as the service answers it (`TaskAgentJobRequest`).
pub fn render_request(request: &RequestRecord, job: Option<&JobRecord>, agent_name: &str) -> Value {
    let mut out = json!({
        "requestId": request.request_id,
        "queueTime": time(request.queue_time),
        "assignTime": time(request.assign_time),
        "receiveTime": time(request.assign_time),
        "lockedUntil": time(request.locked_until),
        "planType": "actions",
        "planId": request.plan_id,
        "jobId": request.job_guid,
        "jobName": job.map(|j| j.name.clone()).unwrap_or_default(),
        "poolId": super::POOL_ID,
        "reservedAgent": {"id": request.agent_id, "name": agent_name},
        "matchesAllAgentsInPool": false,
        "data": {},
    });
    if let Some(finish) = request.finish_time {
        out["finishTime"] = Value::String(time(finish));
    }
    if let Some(result) = &request.result {
        out["result"] = Value::String(result.clone());
    }
    out
}

/// `PATCH …/jobrequests/{id}?lockToken=…`: a renewal (`lockedUntil` moves on), or the finish
/// (`finishTime` and `result`), which frees the agent and ends the job if `JobCompleted` did
/// not.
pub fn update_request(
    request: &Request<'_>,
    grant: &Grant,
    request_id: u64,
) -> Result<Answer, ServiceError> {
    let agent_id = agent_of(grant)?;
    let body = request.json()?;
    let records = request.records();
    let not_found = || {
        ServiceError::exception(
            StatusCode::NOT_FOUND,
            "TaskAgentJobNotFoundException",
            format!("No job request with ID {request_id} was found."),
        )
    };
    let current = records
        .request(request_id)
        .filter(|r| r.agent_id == agent_id)
        .ok_or_else(not_found)?;
    let finishing = body.get("finishTime").is_some_and(|v| !v.is_null())
        || body.get("result").is_some_and(|v| !v.is_null());
    let now = request.now;
    let updated = records
        .requests
        .update(&id_key(request_id), |r| {
            if finishing && r.finish_time.is_none() {
                r.finish_time = Some(now);
                r.result = body.get("result").and_then(super::plan::result_name);
            } else if r.finish_time.is_none() {
                r.locked_until = now + LOCK_MILLIS;
            }
            r.clone()
        })?
        .ok_or_else(not_found)?;
    if finishing && current.finish_time.is_none() {
        super::plan::finish(request, &updated)?;
    }
    let job = request
        .hub
        .actions
        .records
        .job(updated.repo_id, updated.job_id);
    let agent_name = records.agent(agent_id).map(|a| a.name).unwrap_or_default();
    Ok(Answer::ok(render_request(
        &updated,
        job.as_ref(),
        &agent_name,
    )))
}

#[cfg(test)]
mod tests {
    #[test]
    fn sessions_go_stale_after_two_idle_minutes() {
        assert!(!super::is_stale(0, 120_000));
        assert!(super::is_stale(0, 120_001));
    }
}
