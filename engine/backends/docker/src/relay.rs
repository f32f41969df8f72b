//! The upstream's events on the engine's bus: a task holds `GET /events` open on the upstream
//! and republishes each event (type, action, actor and attributes, `exitCode` on `die`) with
//! [`Events::publish`], so `docker events` through the engine shows what the upstream did.
//! Events carry the engine's receive time; Podman's names (`remove` where Docker says
//! `destroy`) pass unchanged. If the stream breaks, it is opened again after a pause.
//!
//! Calls that make events wait (briefly, once) until the stream is open, so no event of the
//! engine's first call is missed.
//!
//! What this module must not do: publish anything the upstream did not send, or outlive the
//! backend (the task is aborted when the relay is dropped).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use engine_core::Events;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use http::Method;
use serde_json::Value;
use tokio::sync::watch;

use crate::upstream::{self, Upstream};

/// How long a call waits for the event stream to open before going ahead without it.
const READY_WAIT: Duration = Duration::from_secs(2);
/// The pause before the stream is opened again after it broke.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

pub struct Relay {
    ready: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Relay {
    pub fn start(upstream: Arc<Upstream>, events: Events) -> Self {
        let (opened, ready) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                match upstream
                    .open(Method::GET, "/events", upstream::empty(), &[])
                    .await
                {
                    Ok(response) => {
                        let _ = opened.send(true);
                        let mut values = json_values(response.into_body());
                        while let Some(value) = values.next().await {
                            publish(&events, &value);
                        }
                        tracing::debug!("the upstream's event stream ended");
                    }
                    Err(error) => {
                        tracing::debug!(%error, "opening the upstream's event stream failed");
                    }
                }
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        });
        Self { ready, task }
    }

    /// Waits until the event stream has been opened once (at most [`READY_WAIT`]).
    pub async fn ready(&self) {
        let mut ready = self.ready.clone();
        let _ = tokio::time::timeout(READY_WAIT, ready.wait_for(|open| *open)).await;
    }
}

/// Republishes one upstream event.
fn publish(events: &Events, value: &Value) {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    let kind = text("Type");
    let action = text("Action");
    if kind.is_empty() || action.is_empty() {
        return;
    }
    let actor = value.get("Actor");
    let id = actor
        .and_then(|actor| actor.get("ID"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let attributes: BTreeMap<String, String> = actor
        .and_then(|actor| actor.get("Attributes"))
        .and_then(Value::as_object)
        .map(|attributes| {
            attributes
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    events.publish(kind, action, id, attributes);
}

/// The JSON values of a streamed body, however they are cut or separated (newlines or none).
pub fn json_values(body: hyper::body::Incoming) -> BoxStream<'static, Value> {
    use http_body_util::BodyExt;
    futures_util::stream::unfold(
        (body, BytesMut::new()),
        |(mut body, mut buffer)| async move {
            loop {
                if let Some(value) = next_value(&mut buffer) {
                    return Some((value, (body, buffer)));
                }
                match body.frame().await {
                    None | Some(Err(_)) => return None,
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            buffer.extend_from_slice(&data);
                        }
                    }
                }
            }
        },
    )
    .boxed()
}

/// Takes the first whole JSON value off `buffer`, if one has arrived; skips bytes that cannot
/// start one.
fn next_value(buffer: &mut BytesMut) -> Option<Value> {
    loop {
        let start = buffer.iter().position(|byte| !byte.is_ascii_whitespace())?;
        buffer.advance(start);
        let mut values = serde_json::Deserializer::from_slice(buffer).into_iter::<Value>();
        match values.next()? {
            Ok(value) => {
                let used = values.byte_offset();
                buffer.advance(used);
                return Some(value);
            }
            Err(error) if error.is_eof() => return None,
            Err(_) => {
                // Not JSON: drop this line and go on with the next.
                let line = buffer
                    .iter()
                    .position(|byte| *byte == b'\n')
                    .map_or(buffer.len(), |end| end + 1);
                buffer.advance(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cut_anywhere() {
        let wire = b"{\"a\":1}\n{\"b\":\"x y\"}{\"c\":[1,2]}\r\nnot json\n{\"d\":null}";
        for cut in [1, 2, 5, 100] {
            let mut buffer = BytesMut::new();
            let mut seen = Vec::new();
            for piece in wire.chunks(cut) {
                buffer.extend_from_slice(piece);
                while let Some(value) = next_value(&mut buffer) {
                    seen.push(value);
                }
            }
            assert_eq!(seen.len(), 4, "cut {cut}: {seen:?}");
            assert_eq!(seen[2]["c"][1], 2);
        }
    }

    #[test]
    fn events_keep_actor_and_exit_code() {
        let clock = simkit::clock::ManualClock::new(std::time::UNIX_EPOCH);
        let events = Events::new(Arc::new(clock));
        let (_, mut live) = events.subscribe(None);
        publish(
            &events,
            &serde_json::json!({"status":"die","Type":"container","Action":"die",
                "Actor":{"ID":"ab7b","Attributes":{"exitCode":"5","name":"c3"}}}),
        );
        let event = live.try_recv().expect("published");
        assert_eq!(
            (
                event.kind.as_str(),
                event.action.as_str(),
                event.actor.id.as_str()
            ),
            ("container", "die", "ab7b")
        );
        assert_eq!(event.actor.attributes["exitCode"], "5");
    }
}
