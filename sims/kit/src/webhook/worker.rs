//! The delivery worker: one task per [`super::Webhooks`] that sleeps until the earliest queued
//! delivery is due (or until woken), sends every due one on a task of its own, and records the
//! outcome. It reads the queue from the store, so what a previous process left pending is
//! picked up on start.
//!
//! What this module must not do: send a delivery twice at once, or hold a store write while
//! waiting on the network.

use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{Delivery, DeliveryState, Inner, Outcome};

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Runs until the [`super::Webhooks`] is dropped (its `Inner` rings `wake` as it goes).
pub(super) async fn run(inner: Weak<Inner>, wake: Arc<tokio::sync::Notify>) {
    let mut connector = HttpConnector::new();
    connector.enforce_http(true);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
    loop {
        // Registered before the queue is read, so a delivery queued meanwhile still wakes us.
        let woken = wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let wait = {
            let Some(strong) = inner.upgrade() else {
                return;
            };
            start_due(&strong, &client)
        };
        // Only the weak reference is held while sleeping, so dropping the hooks stops us.
        tokio::select! {
            () = tokio::time::sleep(wait.unwrap_or(Duration::from_secs(3600))) => {}
            () = woken => {}
        }
    }
}

/// Starts every due delivery that is not already being sent; answers how long until the next
/// one is due.
fn start_due(inner: &Arc<Inner>, client: &HttpClient) -> Option<Duration> {
    let now = inner.clock.now_millis();
    let mut next: Option<i64> = None;
    for (key, queued) in inner.queue.all() {
        if queued.due > now {
            next = Some(next.map_or(queued.due, |earliest| earliest.min(queued.due)));
            continue;
        }
        let fresh = inner
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone());
        if fresh {
            tokio::spawn(attempt(inner.clone(), client.clone(), key));
        }
    }
    next.map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
}

/// One attempt at the delivery under `key`, recorded; the queue entry moves on or goes.
async fn attempt(inner: Arc<Inner>, client: HttpClient, key: String) {
    if let Some(delivery) = inner.deliveries.get(&key) {
        let started_at = inner.clock.now_millis();
        let started = inner.clock.monotonic();
        let (outcome, headers, body) = send(&client, &delivery, &inner.config).await;
        let duration = inner.clock.monotonic().saturating_duration_since(started);
        if let Err(error) = record(&inner, &key, started_at, duration, outcome, headers, body) {
            tracing::error!(%error, delivery = key, "recording a webhook delivery");
        }
    } else if let Err(error) = inner.queue.remove(&key) {
        tracing::error!(%error, delivery = key, "dropping a queue entry");
    }
    inner
        .in_flight
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&key);
    inner.attempted.notify_waiters();
    inner.wake.notify_one();
}

fn record(
    inner: &Inner,
    key: &str,
    started_at: i64,
    duration: Duration,
    outcome: Outcome,
    headers: Vec<(String, String)>,
    body: Option<String>,
) -> Result<(), crate::store::StoreError> {
    let retry = inner.config.retry;
    inner.store.transaction(|txn| {
        let Some(mut delivery) = txn.get(&inner.deliveries, key)? else {
            // The hook went while we were sending: nothing to record.
            txn.remove(&inner.queue, key)?;
            return Ok(());
        };
        delivery.attempts += 1;
        delivery.attempted_at = Some(started_at);
        delivery.duration_ms = duration.as_secs_f64() * 1000.0;
        delivery.response_headers = headers;
        delivery.response_body = body;
        let succeeded =
            matches!(outcome, Outcome::Response { status } if (200..300).contains(&status));
        delivery.outcome = Some(outcome);
        let next = if succeeded {
            None
        } else {
            retry.delay_after(delivery.attempts)
        };
        match next {
            Some(delay) => {
                let due = started_at + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
                delivery.state = DeliveryState::Pending;
                delivery.next_attempt_at = Some(due);
                txn.insert(&inner.queue, key, super::Queued { due })?;
            }
            None => {
                delivery.state = if succeeded {
                    DeliveryState::Delivered
                } else {
                    DeliveryState::Failed
                };
                delivery.next_attempt_at = None;
                txn.remove(&inner.queue, key)?;
            }
        }
        txn.insert(&inner.deliveries, key, delivery)?;
        Ok(())
    })
}

/// POSTs the delivery once; answers the outcome, the response's headers and (some of) its body.
async fn send(
    client: &HttpClient,
    delivery: &Delivery,
    config: &super::WebhookConfig,
) -> (Outcome, Vec<(String, String)>, Option<String>) {
    let uri: http::Uri = match delivery.url.parse() {
        Ok(uri) => uri,
        Err(error) => {
            return (
                Outcome::Unsupported {
                    reason: format!("invalid URL: {error}"),
                },
                Vec::new(),
                None,
            );
        }
    };
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        // TLS to receivers needs trust roots this offline machine does not have; say so
        // rather than pretend.
        return (
            Outcome::Unsupported {
                reason: format!(
                    "only http:// receivers are supported, not {}",
                    uri.scheme_str().unwrap_or("this URL")
                ),
            },
            Vec::new(),
            None,
        );
    }
    let mut request = http::Request::post(uri);
    for (name, value) in &delivery.request_headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = match request.body(Full::new(Bytes::from(delivery.request_body.clone()))) {
        Ok(request) => request,
        Err(error) => {
            return (
                Outcome::Unsupported {
                    reason: format!("invalid request: {error}"),
                },
                Vec::new(),
                None,
            );
        }
    };
    let exchange = async {
        let response = client.request(request).await?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = http_body_util::Limited::new(response.into_body(), config.max_response_body)
            .collect()
            .await
            .map(|collected| String::from_utf8_lossy(&collected.to_bytes()).into_owned())
            .ok();
        Ok::<_, hyper_util::client::legacy::Error>((status, headers, body))
    };
    match tokio::time::timeout(config.timeout, exchange).await {
        Err(_) => (Outcome::TimedOut, Vec::new(), None),
        Ok(Err(error)) => (
            Outcome::ConnectFailed {
                reason: connect_reason(&error),
            },
            Vec::new(),
            None,
        ),
        Ok(Ok((status, headers, body))) => (Outcome::Response { status }, headers, body),
    }
}

/// The innermost cause of a client error, which names what went wrong (connection refused).
fn connect_reason(error: &hyper_util::client::legacy::Error) -> String {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    reason
}
