//! What the runner reports about a job while it runs it, with the job's own token (the
//! `SystemVssConnection` of the message): timeline records (the job's and one per step, which
//! the service shows as the job's `steps`), live console lines (the feed), step logs (created,
//! then uploaded with a timestamp on each line), and plan events (`JobCompleted` with the job's
//! outputs). Renewing and finishing the job request use the agent's token instead (see
//! [`crate::listener`]).
//!
//! What this module must not do: send a line it was given unmasked elsewhere (lines arrive
//! masked), or decide results.

use http::Method;
use serde_json::{Value, json};

use crate::RunnerError;
use crate::client::{Body, Http, bearer};
use crate::service::{Locations, locations};

/// The plan a job message names, and the job token that reaches it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scope: String,
    pub hub: String,
    pub plan_id: String,
    pub timeline_id: String,
    pub job_id: String,
    pub token: String,
}

impl Plan {
    /// The plan of a `PipelineAgentJobRequest` body.
    pub fn of(message: &Value) -> Result<Plan, RunnerError> {
        let text = |value: &Value, what: &str| {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| RunnerError::Protocol(format!("the job message has no {what}")))
        };
        let endpoint = message["resources"]["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["name"] == "SystemVssConnection")
            .ok_or_else(|| {
                RunnerError::Protocol("the job message has no SystemVssConnection".into())
            })?;
        Ok(Plan {
            scope: text(&message["plan"]["scopeIdentifier"], "plan.scopeIdentifier")?,
            hub: text(&message["plan"]["planType"], "plan.planType")?,
            plan_id: text(&message["plan"]["planId"], "plan.planId")?,
            timeline_id: text(&message["timeline"]["id"], "timeline.id")?,
            job_id: text(&message["jobId"], "jobId")?,
            token: text(
                &endpoint["authorization"]["parameters"]["AccessToken"],
                "job access token",
            )?,
        })
    }
}

/// A record of the timeline, as the runner's `TimelineRecord` serializes it.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub parent: Option<String>,
    pub kind: &'static str,
    pub name: String,
    pub ref_name: Option<String>,
    pub order: u64,
    pub state: &'static str,
    pub result: Option<&'static str>,
    pub start: Option<String>,
    pub finish: Option<String>,
    pub log: Option<u64>,
}

impl Record {
    fn json(&self) -> Value {
        let mut record = json!({
            "id": self.id,
            "parentId": self.parent,
            "type": self.kind,
            "name": self.name,
            "order": self.order,
            "state": self.state,
            "attempt": 1,
            "percentComplete": if self.state == "completed" { 100 } else { 0 },
        });
        for (key, value) in [
            ("refName", self.ref_name.clone()),
            ("result", self.result.map(str::to_string)),
            ("startTime", self.start.clone()),
            ("finishTime", self.finish.clone()),
        ] {
            if let Some(value) = value {
                record[key] = Value::String(value);
            }
        }
        if let Some(id) = self.log {
            record["log"] = json!({"id": id});
        }
        record
    }
}

/// The calls of one plan.
pub struct Reporter<'a> {
    pub http: &'a Http,
    pub service: &'a Locations,
    pub plan: Plan,
}

impl Reporter<'_> {
    fn values(&self) -> [(&str, &str); 4] {
        [
            ("scopeIdentifier", &self.plan.scope),
            ("hubName", &self.plan.hub),
            ("planId", &self.plan.plan_id),
            ("timelineId", &self.plan.timeline_id),
        ]
    }

    fn auth(&self) -> String {
        bearer(&self.plan.token)
    }

    /// `PATCH …/timelines/{id}/records`.
    pub async fn update(&self, records: &[&Record]) -> Result<(), RunnerError> {
        let value: Vec<Value> = records.iter().map(|r| r.json()).collect();
        self.http
            .send(
                Method::PATCH,
                &self.service.url(locations::RECORDS, &self.values())?,
                Some(&self.auth()),
                Body::Json(json!({"count": value.len(), "value": value})),
            )
            .await?
            .expect(&[200], "timeline records")?;
        Ok(())
    }

    /// Live console lines of a step (`POST …/records/{jobId}/feed`).
    pub async fn feed(
        &self,
        step_id: &str,
        lines: &[String],
        start_line: u64,
    ) -> Result<(), RunnerError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut values = self.values().to_vec();
        values.push(("recordId", &self.plan.job_id));
        self.http
            .send(
                Method::POST,
                &self.service.url(locations::FEED, &values)?,
                Some(&self.auth()),
                Body::Json(json!({"value": lines, "count": lines.len(), "stepId": step_id, "startLine": start_line})),
            )
            .await?
            .expect(&[200, 204], "console feed")?;
        Ok(())
    }

    /// Creates a log for a record and uploads its lines; answers the log's ID.
    pub async fn upload_log(&self, record_id: &str, content: String) -> Result<u64, RunnerError> {
        let created = self
            .http
            .send(
                Method::POST,
                &self.service.url(locations::LOGS, &self.values())?,
                Some(&self.auth()),
                Body::Json(json!({"path": format!("logs\\{record_id}")})),
            )
            .await?
            .expect(&[200, 201], "create log")?;
        let id = created["id"]
            .as_u64()
            .ok_or_else(|| RunnerError::Protocol("the created log has no id".into()))?;
        let log = id.to_string();
        let mut values = self.values().to_vec();
        values.push(("logId", &log));
        self.http
            .send(
                Method::POST,
                &self.service.url(locations::LOGS, &values)?,
                Some(&self.auth()),
                Body::Bytes(content.into()),
            )
            .await?
            .expect(&[200, 201], "upload log")?;
        Ok(id)
    }

    /// `POST …/actiondownloadinfo?jobId=…` with an `ActionReferenceList`; the answer as it
    /// came (a 422 carries the service's reason).
    pub async fn action_download_info(
        &self,
        actions: Vec<Value>,
    ) -> Result<crate::client::Answer, RunnerError> {
        let url = crate::client::with_query(
            &self
                .service
                .url(locations::ACTION_DOWNLOAD_INFO, &self.values())?,
            &[("jobId", self.plan.job_id.as_str())],
        );
        self.http
            .send(
                Method::POST,
                &url,
                Some(&self.auth()),
                Body::Json(json!({"actions": actions})),
            )
            .await
    }

    /// `JobCompleted` with the job's result and outputs.
    pub async fn job_completed(
        &self,
        request_id: u64,
        result: &str,
        outputs: &[(String, String)],
    ) -> Result<(), RunnerError> {
        let outputs: serde_json::Map<String, Value> = outputs
            .iter()
            .map(|(k, v)| (k.clone(), json!({"value": v})))
            .collect();
        self.http
            .send(
                Method::POST,
                &self.service.url(locations::EVENTS, &self.values())?,
                Some(&self.auth()),
                Body::Json(json!({
                    "name": "JobCompleted",
                    "jobId": self.plan.job_id,
                    "requestId": request_id,
                    "result": result,
                    "outputs": outputs,
                })),
            )
            .await?
            .expect(&[200, 204], "JobCompleted")?;
        Ok(())
    }
}
