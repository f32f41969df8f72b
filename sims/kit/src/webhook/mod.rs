//! Outgoing webhooks, for the forge fakes: a durable queue of deliveries and one worker that
//! POSTs them.
//!
//! A forge builds the request it wants sent (URL, headers with its own signature scheme, body)
//! as an [`Outgoing`] and hands it to [`Webhooks::enqueue`]. The delivery is a record in the
//! kit's store before `enqueue` returns, and a queue entry names it until it is settled, so a
//! restart resumes what was pending (at least once: a delivery in flight when the process died
//! is sent again). The worker sends each due delivery with a timeout, records what happened
//! (the request as sent, the response's status, headers and body, how long it took) and, when
//! the forge's [`RetryPolicy`] allows, tries a failed one again later with exponential backoff.
//! [`Webhooks::redeliver`] sends a recorded delivery again as a new delivery, as the forges'
//! "redeliver" buttons do.
//!
//! [`sign`] has the HMAC digests forges sign bodies with; the forge names the headers.
//!
//! What this module must not do: know a forge's headers, payloads or status texts (a delivery's
//! [`Outcome`] is data the forge renders), read the clock except through the kit, or follow
//! redirects (forges do not).

pub mod sign;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Kit;
use crate::clock::Clock;
use crate::store::{Collection, Store, StoreError};

/// How a forge retries a delivery whose receiver failed (no answer, or not 2xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 never retries.
    pub max_attempts: u32,
    /// The wait before the second attempt; each later wait doubles, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// One attempt: a failed delivery stays failed until someone redelivers it.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        first_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The wait after failed attempt number `attempt` (1-based), or none if it was the last.
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doublings = attempt.saturating_sub(1).min(20);
        Some(
            self.first_delay
                .saturating_mul(1 << doublings)
                .min(self.max_delay.max(self.first_delay)),
        )
    }
}

/// What a forge sets once for all its hooks.
#[derive(Debug, Clone, Copy)]
pub struct WebhookConfig {
    /// How long one attempt may take, connecting and reading the answer included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// How much of a response body is kept in the record.
    pub max_response_body: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::NEVER,
            max_response_body: 64 << 10,
        }
    }
}

/// A delivery a forge asks for.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// The hook it belongs to, in the forge's own naming (`repo/12/hook/3`): deliveries are
    /// listed per hook and removed with it.
    pub hook: String,
    /// The forge's identifier of the event, the same for every redelivery of it.
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub url: String,
    /// Every request header the forge sends (content type and signatures included).
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Whether an `https` receiver's certificate is checked (forges call the opposite
    /// `insecure_ssl`).
    pub verify_tls: bool,
    /// Whatever else the forge wants to show for the delivery (repository or installation).
    pub extra: serde_json::Value,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Not attempted yet, or waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt the policy allows failed.
    Failed,
}

/// What the last attempt came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The receiver answered with this status.
    Response { status: u16 },
    /// No answer within the timeout.
    TimedOut,
    /// The connection could not be made (refused, no route, bad host name).
    ConnectFailed { reason: String },
    /// The URL is not one the worker can send to (not `http`, say).
    Unsupported { reason: String },
}

/// One delivery and its last attempt, as the deliveries API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: u64,
    pub hook: String,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub url: String,
    pub redelivery: bool,
    pub verify_tls: bool,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// Unix milliseconds: when it was queued, and when the next attempt is due.
    pub created_at: i64,
    pub next_attempt_at: Option<i64>,
    /// The last attempt: when it was made, what came of it, how long it took.
    pub attempted_at: Option<i64>,
    pub outcome: Option<Outcome>,
    pub duration_ms: f64,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub extra: serde_json::Value,
}

impl Delivery {
    /// The status the receiver answered, 0 when there was no answer (as the forges show it).
    pub fn status_code(&self) -> u16 {
        match self.outcome {
            Some(Outcome::Response { status }) => status,
            _ => 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no delivery {id} for hook {hook}")]
    NotFound { hook: String, id: u64 },
}

/// A queue entry: the key of a delivery that is not settled, and when it is due.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Queued {
    pub(crate) due: i64,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) deliveries: Arc<Collection<Delivery>>,
    pub(crate) queue: Arc<Collection<Queued>>,
    counters: Arc<Collection<u64>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: WebhookConfig,
    /// Rung when a delivery is queued or an attempt ends, so the worker looks again (and
    /// when this is dropped, so it stops).
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// Rung after every attempt (tests and callers that wait for a delivery).
    pub(crate) attempted: tokio::sync::Notify,
    /// Keys being sent right now, so one delivery is never sent twice at once.
    pub(crate) in_flight: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

/// A forge's webhook deliveries. Cheap to clone; the worker stops when the last clone is
/// dropped.
#[derive(Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

/// The key of delivery `id` of `hook`: IDs are padded, so a hook's deliveries list in order.
fn key(hook: &str, id: u64) -> String {
    format!("{hook}/{id:012}")
}

impl Webhooks {
    /// Opens the collections `{namespace}.webhook_deliveries` (and its queue and counter) and
    /// starts the worker, which first resumes whatever was pending. Needs a tokio runtime.
    pub fn start(kit: &Kit, namespace: &str, config: WebhookConfig) -> Result<Self, StoreError> {
        let store = kit.store().clone();
        let inner = Arc::new(Inner {
            deliveries: store.collection(&format!("{namespace}.webhook_deliveries"))?,
            queue: store.collection(&format!("{namespace}.webhook_queue"))?,
            counters: store.collection(&format!("{namespace}.webhook_counters"))?,
            store,
            clock: kit.clock().clone(),
            config,
            wake: Arc::new(tokio::sync::Notify::new()),
            attempted: tokio::sync::Notify::new(),
            in_flight: std::sync::Mutex::default(),
        });
        tokio::spawn(worker::run(Arc::downgrade(&inner), inner.wake.clone()));
        Ok(Self { inner })
    }

    /// Records `outgoing` as a pending delivery and wakes the worker.
    pub fn enqueue(&self, outgoing: Outgoing) -> Result<Delivery, StoreError> {
        self.insert(outgoing, false)
    }

    fn insert(&self, outgoing: Outgoing, redelivery: bool) -> Result<Delivery, StoreError> {
        let now = self.inner.clock.now_millis();
        let inner = &self.inner;
        let delivery = inner.store.transaction(|txn| {
            let id = txn.get(&inner.counters, "delivery")?.unwrap_or(0) + 1;
            txn.insert(&inner.counters, "delivery", id)?;
            let delivery = Delivery {
                id,
                hook: outgoing.hook,
                guid: outgoing.guid,
                event: outgoing.event,
                action: outgoing.action,
                url: outgoing.url,
                redelivery,
                verify_tls: outgoing.verify_tls,
                request_headers: outgoing.headers,
                request_body: outgoing.body,
                state: DeliveryState::Pending,
                attempts: 0,
                created_at: now,
                next_attempt_at: Some(now),
                attempted_at: None,
                outcome: None,
                duration_ms: 0.0,
                response_headers: Vec::new(),
                response_body: None,
                extra: outgoing.extra,
            };
            let key = key(&delivery.hook, id);
            txn.insert(&inner.deliveries, &key, delivery.clone())?;
            txn.insert(&inner.queue, &key, Queued { due: now })?;
            Ok::<_, StoreError>(delivery)
        })?;
        inner.wake.notify_one();
        Ok(delivery)
    }

    /// The deliveries of `hook`, newest first.
    pub fn list(&self, hook: &str) -> Vec<Delivery> {
        let mut list: Vec<Delivery> = self
            .inner
            .deliveries
            .scan_prefix(&format!("{hook}/"))
            .into_iter()
            .map(|(_, delivery)| delivery)
            .collect();
        list.reverse();
        list
    }

    pub fn get(&self, hook: &str, id: u64) -> Option<Delivery> {
        self.inner.deliveries.get(&key(hook, id))
    }

    /// Sends delivery `id` of `hook` again, as a new delivery with the same event, headers
    /// and body, marked as a redelivery.
    pub fn redeliver(&self, hook: &str, id: u64) -> Result<Delivery, WebhookError> {
        let original = self.get(hook, id).ok_or_else(|| WebhookError::NotFound {
            hook: hook.to_string(),
            id,
        })?;
        Ok(self.insert(
            Outgoing {
                hook: original.hook,
                guid: original.guid,
                event: original.event,
                action: original.action,
                url: original.url,
                headers: original.request_headers,
                body: original.request_body,
                verify_tls: original.verify_tls,
                extra: original.extra,
            },
            true,
        )?)
    }

    /// Forgets every delivery of `hook` (the hook was deleted); pending ones are not sent.
    pub fn forget_hook(&self, hook: &str) -> Result<(), StoreError> {
        let prefix = format!("{hook}/");
        let inner = &self.inner;
        inner.store.transaction(|txn| {
            txn.remove_prefix(&inner.deliveries, &prefix)?;
            txn.remove_prefix(&inner.queue, &prefix)?;
            Ok::<_, StoreError>(())
        })
    }

    /// Waits until delivery `id` of `hook` is settled (delivered or failed for good), or
    /// `timeout` passes; answers its record then.
    pub async fn settled(&self, hook: &str, id: u64, timeout: Duration) -> Option<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let attempted = self.inner.attempted.notified();
            tokio::pin!(attempted);
            attempted.as_mut().enable();
            let delivery = self.get(hook, id)?;
            if delivery.state != DeliveryState::Pending {
                return Some(delivery);
            }
            if tokio::time::timeout_at(deadline, attempted).await.is_err() {
                return Some(delivery);
            }
        }
    }
}

#[cfg(test)]
mod tests;
