//! The event bus behind `GET /events`: backends publish container, image, network and volume
//! events; subscribers get those after their `since` (from a bounded history) and every new
//! one until `until`. Times come from the kit's clock.
//!
//! What this module must not do: block a publisher (a slow subscriber lags and loses events, as
//! Docker's does), or keep unbounded history.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use simkit::clock::Clock;
use tokio::sync::broadcast;

use crate::api::{Event, EventActor};

/// How many past events `since` can reach (Docker keeps 256).
const HISTORY: usize = 256;

/// The bus. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Arc<dyn Clock>,
    history: Mutex<VecDeque<Event>>,
    live: broadcast::Sender<Event>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl Events {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let (live, _) = broadcast::channel(1024);
        Self {
            inner: Arc::new(Inner {
                clock,
                history: Mutex::default(),
                live,
            }),
        }
    }

    /// Publishes `action` on object `id` of `kind` (`container`, `image`, `network`, `volume`).
    pub fn publish(
        &self,
        kind: &str,
        action: &str,
        id: &str,
        attributes: BTreeMap<String, String>,
    ) {
        let nanos = self.now_nanos();
        let legacy = kind == "container" || kind == "image";
        let event = Event {
            kind: kind.to_string(),
            action: action.to_string(),
            status: legacy.then(|| action.to_string()),
            id: legacy.then(|| id.to_string()),
            from: (kind == "container")
                .then(|| attributes.get("image").cloned())
                .flatten(),
            actor: EventActor {
                id: id.to_string(),
                attributes,
            },
            scope: "local".into(),
            time: nanos / 1_000_000_000,
            time_nano: nanos,
        };
        {
            let mut history = self.inner.history.lock().unwrap_or_else(|p| p.into_inner());
            if history.len() == HISTORY {
                history.pop_front();
            }
            history.push_back(event.clone());
        }
        let _ = self.inner.live.send(event);
    }

    /// Past events at or after `since_nanos`, and a receiver of every later one.
    pub fn subscribe(&self, since_nanos: Option<i64>) -> (Vec<Event>, broadcast::Receiver<Event>) {
        let history = self.inner.history.lock().unwrap_or_else(|p| p.into_inner());
        let receiver = self.inner.live.subscribe();
        let past = match since_nanos {
            Some(since) => history
                .iter()
                .filter(|event| event.time_nano >= since)
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        (past, receiver)
    }

    /// Now, in nanoseconds since the epoch, on the bus's clock.
    pub fn now_nanos(&self) -> i64 {
        match self.inner.clock.now().duration_since(std::time::UNIX_EPOCH) {
            Ok(since) => since.as_nanos() as i64,
            Err(_) => 0,
        }
    }
}

/// Whether `event` passes Docker's event filters (`type`, `event`/`action`, `container`,
/// `image`, `label`, `network`, `volume`).
pub fn matches(event: &Event, filters: &BTreeMap<String, Vec<String>>) -> bool {
    filters.iter().all(|(key, values)| {
        values.is_empty()
            || values.iter().any(|value| match key.as_str() {
                "type" => event.kind == *value,
                "event" | "action" => {
                    event.action == *value || event.action.split(':').next() == Some(value.as_str())
                }
                "container" | "image" | "network" | "volume" => {
                    (event.kind == *key || (key == "image" && event.kind == "container"))
                        && (event.actor.id == *value
                            || event.actor.id.starts_with(value.as_str())
                            || event.actor.attributes.get("name") == Some(value)
                            || (key == "image"
                                && event.actor.attributes.get("image") == Some(value)))
                }
                "label" => match value.split_once('=') {
                    Some((name, wanted)) => {
                        event.actor.attributes.get(name).map(String::as_str) == Some(wanted)
                    }
                    None => event.actor.attributes.contains_key(value),
                },
                _ => true,
            })
    })
}
