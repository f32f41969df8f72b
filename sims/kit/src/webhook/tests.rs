//! The worker against receivers on 127.0.0.1: what it sends, what it records, its retries,
//! timeouts, refused connections, redeliveries and a restart in the middle of retrying.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

use super::*;
use crate::KitConfig;

/// What a receiver saw: each request's headers and body.
type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver that fails the first `failures` requests with 503, then answers 200, after
/// `delay`.
async fn receiver(failures: usize, delay: Duration) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/hook",
        post({
            let seen = seen.clone();
            move |headers: HeaderMap, body: String| {
                let seen = seen.clone();
                let count = count.clone();
                async move {
                    tokio::time::sleep(delay).await;
                    seen.lock().unwrap().push((headers, body));
                    if count.fetch_add(1, Ordering::SeqCst) < failures {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            [("x-receiver", "down")],
                            "not now",
                        )
                    } else {
                        (StatusCode::OK, [("x-receiver", "up")], "thanks")
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// A URL nothing listens on.
async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn outgoing(url: &str) -> Outgoing {
    let body = r#"{"zen":"Keep it logically awesome."}"#.to_string();
    Outgoing {
        hook: "repo/1/hook/7".into(),
        guid: "guid-1".into(),
        event: "ping".into(),
        action: None,
        url: url.into(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "x-signature".into(),
                sign::hmac_sha256_hex(b"secret", body.as_bytes()),
            ),
        ],
        body,
        verify_tls: true,
        extra: serde_json::Value::Null,
    }
}

fn hooks(kit: &Kit, retry: RetryPolicy, timeout: Duration) -> Webhooks {
    let config = WebhookConfig {
        timeout,
        retry,
        ..WebhookConfig::default()
    };
    Webhooks::start(kit, "test", config).unwrap()
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_delivery_sends_the_forges_request_and_records_the_answer() {
    let kit = Kit::new(KitConfig::new("test")).unwrap();
    let hooks = hooks(&kit, RetryPolicy::NEVER, Duration::from_secs(5));
    let (url, seen) = receiver(0, Duration::ZERO).await;
    let queued = hooks.enqueue(outgoing(&url)).unwrap();
    assert_eq!(queued.state, DeliveryState::Pending);
    let done = hooks
        .settled("repo/1/hook/7", queued.id, WAIT)
        .await
        .unwrap();
    assert_eq!(done.state, DeliveryState::Delivered);
    assert_eq!(done.outcome, Some(Outcome::Response { status: 200 }));
    assert_eq!(done.attempts, 1);
    assert_eq!(done.response_body.as_deref(), Some("thanks"));
    assert!(
        done.response_headers
            .iter()
            .any(|(name, value)| name == "x-receiver" && value == "up")
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(body, r#"{"zen":"Keep it logically awesome."}"#);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["x-signature"],
        sign::hmac_sha256_hex(b"secret", body.as_bytes()).as_str()
    );
    assert_eq!(hooks.list("repo/1/hook/7").len(), 1);
    assert!(hooks.list("repo/1/hook/70").is_empty());
}

#[tokio::test]
async fn failures_are_retried_with_backoff_until_the_receiver_answers() {
    let kit = Kit::new(KitConfig::new("test")).unwrap();
    let retry = RetryPolicy {
        max_attempts: 4,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    };
    let hooks = hooks(&kit, retry, Duration::from_secs(5));
    let (url, seen) = receiver(2, Duration::ZERO).await;
    let queued = hooks.enqueue(outgoing(&url)).unwrap();
    let done = hooks
        .settled("repo/1/hook/7", queued.id, WAIT)
        .await
        .unwrap();
    assert_eq!(done.state, DeliveryState::Delivered);
    assert_eq!(done.attempts, 3);
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn backoff_doubles_up_to_its_ceiling_and_stops_at_the_last_attempt() {
    let retry = RetryPolicy {
        max_attempts: 5,
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(3),
    };
    let delays: Vec<_> = (1..=5).map(|attempt| retry.delay_after(attempt)).collect();
    assert_eq!(
        delays,
        [
            Some(Duration::from_secs(1)),
            Some(Duration::from_secs(2)),
            Some(Duration::from_secs(3)),
            Some(Duration::from_secs(3)),
            None
        ]
    );
    assert_eq!(RetryPolicy::NEVER.delay_after(1), None);
}

#[tokio::test]
async fn a_refused_connection_fails_and_a_redelivery_is_a_new_delivery() {
    let kit = Kit::new(KitConfig::new("test")).unwrap();
    let hooks = hooks(&kit, RetryPolicy::NEVER, Duration::from_secs(5));
    let url = closed_url().await;
    let queued = hooks.enqueue(outgoing(&url)).unwrap();
    let failed = hooks
        .settled("repo/1/hook/7", queued.id, WAIT)
        .await
        .unwrap();
    assert_eq!(failed.state, DeliveryState::Failed);
    assert!(
        matches!(&failed.outcome, Some(Outcome::ConnectFailed { reason }) if reason.contains("refused")),
        "{:?}",
        failed.outcome
    );
    assert_eq!(failed.status_code(), 0);

    let again = hooks.redeliver("repo/1/hook/7", queued.id).unwrap();
    assert_ne!(again.id, queued.id);
    assert!(again.redelivery);
    assert_eq!(again.guid, queued.guid);
    assert_eq!(again.request_body, queued.request_body);
    let failed_again = hooks
        .settled("repo/1/hook/7", again.id, WAIT)
        .await
        .unwrap();
    assert_eq!(failed_again.state, DeliveryState::Failed);
    let listed: Vec<u64> = hooks.list("repo/1/hook/7").iter().map(|d| d.id).collect();
    assert_eq!(listed, [again.id, queued.id], "newest first");
    assert!(matches!(
        hooks.redeliver("repo/1/hook/7", 999),
        Err(WebhookError::NotFound { .. })
    ));

    hooks.forget_hook("repo/1/hook/7").unwrap();
    assert!(hooks.list("repo/1/hook/7").is_empty());
}

#[tokio::test]
async fn a_slow_receiver_times_out_and_other_schemes_are_refused_by_name() {
    let kit = Kit::new(KitConfig::new("test")).unwrap();
    let hooks = hooks(&kit, RetryPolicy::NEVER, Duration::from_millis(200));
    let (url, _) = receiver(0, Duration::from_secs(3)).await;
    let queued = hooks.enqueue(outgoing(&url)).unwrap();
    let done = hooks
        .settled("repo/1/hook/7", queued.id, WAIT)
        .await
        .unwrap();
    assert_eq!(done.outcome, Some(Outcome::TimedOut));
    assert_eq!(done.state, DeliveryState::Failed);

    let queued = hooks
        .enqueue(outgoing("https://example.invalid/hook"))
        .unwrap();
    let done = hooks
        .settled("repo/1/hook/7", queued.id, WAIT)
        .await
        .unwrap();
    assert!(
        matches!(&done.outcome, Some(Outcome::Unsupported { reason }) if reason.contains("https")),
        "{:?}",
        done.outcome
    );
}

#[tokio::test]
async fn a_pending_retry_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || {
        let mut config = KitConfig::new("test");
        config.state_dir = Some(dir.path().to_path_buf());
        config
    };
    let retry = RetryPolicy {
        max_attempts: 10,
        first_delay: Duration::from_millis(300),
        max_delay: Duration::from_millis(300),
    };
    let (url, seen) = receiver(1, Duration::ZERO).await;
    let id = {
        let kit = Kit::new(config()).unwrap();
        let hooks = hooks(&kit, retry, Duration::from_secs(5));
        let queued = hooks.enqueue(outgoing(&url)).unwrap();
        // Wait for the first (failed) attempt, then stop before the retry is due.
        let deadline = tokio::time::Instant::now() + WAIT;
        while hooks.get("repo/1/hook/7", queued.id).unwrap().attempts == 0 {
            assert!(tokio::time::Instant::now() < deadline, "no first attempt");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        queued.id
    };
    let kit = Kit::new(config()).unwrap();
    let hooks = hooks(&kit, retry, Duration::from_secs(5));
    let done = hooks.settled("repo/1/hook/7", id, WAIT).await.unwrap();
    assert_eq!(done.state, DeliveryState::Delivered);
    assert_eq!(done.attempts, 2);
    assert_eq!(seen.lock().unwrap().len(), 2);
}
