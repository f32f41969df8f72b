//! The listener: what `run.sh` does once the runner is configured. It signs in (OAuth with a
//! fresh assertion whenever the token nears its end), opens a session, long-polls for
//! messages, deletes each one it takes, runs `PipelineAgentJobRequest`s one at a time (renewing
//! the job request every minute, finishing it with the job's result) and passes
//! `JobCancellation` to the job it names. On shutdown it cancels what runs and deletes its
//! session.
//!
//! What this module must not do: take a second job while one runs (the agent registers with
//! `maxParallelism: 1`), or give up on the service because one poll failed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Method;
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore, watch};

use crate::client::{Body, bearer, with_query};
use crate::identity::{self, Agent, RUNNER_VERSION};
use crate::job::{self, Outcome};
use crate::service::locations;
use crate::{RunnerError, Shared, iso};

const ZERO: &str = "00000000-0000-0000-0000-000000000000";
/// How often a running job's request is renewed (the runner's 60 s).
const RENEW_EVERY: Duration = Duration::from_secs(60);
/// How long to wait after a failed poll before the next.
const BACKOFF: Duration = Duration::from_secs(3);

/// The agent's access token, renewed before it expires.
pub struct Tokens {
    agent: Agent,
    current: Mutex<Option<(String, Instant)>>,
}

impl Tokens {
    pub fn new(agent: Agent) -> Self {
        Self {
            agent,
            current: Mutex::new(None),
        }
    }

    /// The current token, exchanged anew when none is held or it ends within a minute.
    pub async fn get(&self, shared: &Shared) -> Result<String, RunnerError> {
        let mut current = self.current.lock().await;
        let now = shared.clock.monotonic();
        if let Some((token, until)) = current.as_ref()
            && *until > now + Duration::from_secs(60)
        {
            return Ok(token.clone());
        }
        let seconds = simkit::clock::millis_since_epoch(shared.clock.now()) / 1000;
        let granted =
            identity::exchange(&shared.http, &self.agent, seconds, &shared.ids.uuid()).await?;
        *current = Some((
            granted.token.clone(),
            now + Duration::from_secs(granted.expires_in),
        ));
        Ok(granted.token)
    }

    /// Forgets the token (after a 401), so the next call exchanges a new one.
    pub async fn forget(&self) {
        *self.current.lock().await = None;
    }
}

/// What the listener runs with.
pub struct Listener {
    pub shared: Arc<Shared>,
    pub tokens: Arc<Tokens>,
    pub pool: String,
    pub agent_id: u64,
    pub agent_name: String,
    /// Exit after the first job.
    pub once: bool,
}

impl Listener {
    async fn auth(&self) -> Result<String, RunnerError> {
        Ok(bearer(&self.tokens.get(&self.shared).await?))
    }

    /// `POST …/sessions`; a conflicting session (another listener of this agent) is waited out.
    /// Answers the session's ID and its message key.
    async fn create_session(&self) -> Result<(String, Option<Vec<u8>>), RunnerError> {
        let body = json!({
            "sessionId": ZERO,
            "ownerName": hostname(),
            "agent": {"id": self.agent_id, "name": self.agent_name, "version": RUNNER_VERSION, "osDescription": "Linux"},
            "useFipsEncryption": false,
        });
        loop {
            let answer = self
                .shared
                .http
                .send(
                    Method::POST,
                    &self
                        .shared
                        .service
                        .url(locations::SESSIONS, &[("poolId", &self.pool)])?,
                    Some(&self.auth().await?),
                    Body::Json(body.clone()),
                )
                .await?;
            if answer.status.as_u16() == 409 {
                tracing::warn!("another session of this runner is open; retrying in 30 s");
                tokio::time::sleep(Duration::from_secs(30)).await;
                continue;
            }
            let session = answer.expect(&[200], "create session")?;
            let key = crate::crypto::session_key(&session, &self.tokens.agent.key)?;
            let id = session["sessionId"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| RunnerError::Protocol("the session has no sessionId".into()))?;
            return Ok((id, key));
        }
    }

    async fn delete_session(&self, session: &str) {
        let Ok(url) = self.shared.service.url(
            locations::SESSIONS,
            &[("poolId", &self.pool), ("sessionId", session)],
        ) else {
            return;
        };
        if let Ok(auth) = self.auth().await {
            let _ = self
                .shared
                .http
                .send(Method::DELETE, &url, Some(&auth), Body::Empty)
                .await;
        }
    }

    /// One long poll: `Some(message)`, or `None` when the service had nothing.
    async fn poll(
        &self,
        session: &str,
        busy: bool,
        last: Option<u64>,
    ) -> Result<Option<Value>, RunnerError> {
        let last_text = last.map(|l| l.to_string());
        let mut query = vec![
            ("sessionId", session),
            ("status", if busy { "Busy" } else { "Online" }),
            ("runnerVersion", RUNNER_VERSION),
            ("os", "Linux"),
            ("architecture", self.shared.arch.as_str()),
            ("disableUpdate", "true"),
        ];
        if let Some(last) = &last_text {
            query.push(("lastMessageId", last));
        }
        let url = with_query(
            &self
                .shared
                .service
                .url(locations::MESSAGES, &[("poolId", &self.pool)])?,
            &query,
        );
        let answer = self
            .shared
            .http
            .send(Method::GET, &url, Some(&self.auth().await?), Body::Empty)
            .await?;
        match answer.status.as_u16() {
            200 => Ok(Some(answer.json())),
            202 | 204 => Ok(None),
            401 => {
                self.tokens.forget().await;
                Err(RunnerError::Refused {
                    what: "message poll".into(),
                    status: 401,
                    body: String::new(),
                })
            }
            _ => answer.expect(&[200], "message poll").map(Some),
        }
    }

    async fn delete_message(&self, session: &str, id: u64) -> Result<(), RunnerError> {
        let url = with_query(
            &self.shared.service.url(
                locations::MESSAGES,
                &[("poolId", &self.pool), ("messageId", &id.to_string())],
            )?,
            &[("sessionId", session)],
        );
        self.shared
            .http
            .send(Method::DELETE, &url, Some(&self.auth().await?), Body::Empty)
            .await?
            .expect(&[200, 204], "delete message")?;
        Ok(())
    }

    /// Renews (no `finishTime`) or finishes the job request.
    async fn update_request(
        &self,
        request_id: u64,
        finish: Option<&str>,
    ) -> Result<(), RunnerError> {
        let url = with_query(
            &self.shared.service.url(
                locations::REQUESTS,
                &[
                    ("poolId", &self.pool),
                    ("requestId", &request_id.to_string()),
                ],
            )?,
            &[("lockToken", ZERO)],
        );
        let mut body = json!({"requestId": request_id});
        if let Some(result) = finish {
            body["finishTime"] = Value::String(iso(self.shared.clock.now()));
            body["result"] = Value::String(result.into());
        }
        self.shared
            .http
            .send(
                Method::PATCH,
                &url,
                Some(&self.auth().await?),
                Body::Json(body),
            )
            .await?
            .expect(
                &[200],
                if finish.is_some() {
                    "finish job request"
                } else {
                    "renew job request"
                },
            )?;
        Ok(())
    }

    /// Runs until `shutdown` turns true (or after one job with `once`).
    pub async fn run(
        self: Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), RunnerError> {
        let (mut session, mut key) = self.create_session().await?;
        println!("√ Connected to GitHub");
        println!("Listening for Jobs");
        let running: Arc<std::sync::Mutex<HashMap<String, watch::Sender<bool>>>> = Arc::default();
        let one_at_a_time = Arc::new(Semaphore::new(1));
        let (done_tx, mut done) = watch::channel(0u64);
        let done_tx = Arc::new(done_tx);
        let mut last: Option<u64> = None;
        loop {
            if *shutdown.borrow() || (self.once && *done.borrow() > 0) {
                break;
            }
            let busy = !running.lock().unwrap_or_else(|p| p.into_inner()).is_empty();
            let polled = tokio::select! {
                polled = self.poll(&session, busy, last) => polled,
                _ = shutdown.changed() => continue,
                _ = done.changed() => continue,
            };
            let message = match polled {
                Ok(Some(message)) => message,
                Ok(None) => continue,
                Err(RunnerError::Refused { status: 404, .. }) => {
                    tracing::warn!("the session expired; opening a new one");
                    (session, key) = self.create_session().await?;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(%error, "poll failed");
                    tokio::time::sleep(BACKOFF).await;
                    continue;
                }
            };
            let Some(id) = message["messageId"].as_u64() else {
                continue;
            };
            last = Some(id);
            if let Err(error) = self.delete_message(&session, id).await {
                tracing::warn!(%error, "could not delete message {id}");
            }
            let body: Value = match crate::crypto::message_body(&message, key.as_deref()) {
                Ok(clear) => serde_json::from_str(&clear).unwrap_or(Value::Null),
                Err(error) => {
                    eprintln!("message {id} could not be read: {error}");
                    continue;
                }
            };
            match message["messageType"].as_str().unwrap_or_default() {
                "PipelineAgentJobRequest" => {
                    let job_id = body["jobId"].as_str().unwrap_or_default().to_string();
                    let (cancel_tx, cancel_rx) = watch::channel(false);
                    running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(job_id.clone(), cancel_tx);
                    let listener = self.clone();
                    let running = running.clone();
                    let permits = one_at_a_time.clone();
                    let done_tx = done_tx.clone();
                    tokio::spawn(async move {
                        let _permit = permits.acquire().await;
                        listener.work(body, cancel_rx).await;
                        running
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&job_id);
                        done_tx.send_modify(|n| *n += 1);
                    });
                }
                "JobCancellation" => {
                    let job_id = body["jobId"].as_str().unwrap_or_default();
                    println!("Job cancellation received for {job_id}");
                    if let Some(cancel) = running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(job_id)
                    {
                        let _ = cancel.send(true);
                    }
                }
                other => tracing::info!(message_type = other, "message ignored"),
            }
        }
        for cancel in running.lock().unwrap_or_else(|p| p.into_inner()).values() {
            let _ = cancel.send(true);
        }
        // Let cancelled jobs report before the session goes.
        let _ = tokio::time::timeout(Duration::from_secs(30), one_at_a_time.acquire()).await;
        self.delete_session(&session).await;
        Ok(())
    }

    /// One job: renewals beside it, then its result reported and the request finished.
    async fn work(&self, body: Value, cancel: watch::Receiver<bool>) {
        let request_id = body["requestId"].as_u64().unwrap_or_default();
        let name = body["jobDisplayName"].as_str().unwrap_or("job").to_string();
        println!("{}: Running job: {name}", iso(self.shared.clock.now()));
        if let Err(error) = self.update_request(request_id, None).await {
            tracing::warn!(%error, "first renewal failed");
        }
        let renewals = async {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                if let Err(error) = self.update_request(request_id, None).await {
                    tracing::warn!(%error, "renewal failed");
                }
            }
        };
        let outcome = tokio::select! {
            outcome = job::run(self.shared.clone(), body, cancel) => outcome,
            () = renewals => unreachable_renewals(),
        };
        let result = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                eprintln!("job {name} could not be run to its end: {error}");
                Outcome::Failed
            }
        };
        let conclusion = match result {
            Outcome::Succeeded => "Succeeded",
            Outcome::Failed => "Failed",
            Outcome::Canceled => "Canceled",
            Outcome::Skipped => "Skipped",
        };
        if let Err(error) = self.update_request(request_id, Some(result.name())).await {
            eprintln!("job {name}: finishing the request failed: {error}");
        }
        println!(
            "{}: Job {name} completed with result: {conclusion}",
            iso(self.shared.clock.now())
        );
    }
}

/// The renewal loop never ends by itself.
fn unreachable_renewals() -> Result<Outcome, RunnerError> {
    Err(RunnerError::Protocol("the renewal loop ended".into()))
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
}
