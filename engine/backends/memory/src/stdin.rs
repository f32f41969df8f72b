//! Containers' standard input. A container created with `OpenStdin` gets a pipe whose write end
//! the engine holds: `cat` in it blocks until a client attaches with stdin and closes it, as on
//! Docker. With `StdinOnce` the first attached client takes the write end, so its closing stdin
//! is the container's end of file; otherwise attached clients share it and stdin stays open.
//!
//! An attach before start (how `docker run -i` does it) makes the pipe; start hands its read
//! end to the runner. Each run gets a fresh pipe.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use simkit::runner::StdinFeed;
use tokio::sync::mpsc;

/// One container's pipe, while it has one.
#[derive(Default)]
struct Slot {
    sender: Option<mpsc::Sender<Bytes>>,
    /// The read end until start takes it.
    feed: Option<StdinFeed>,
}

impl Slot {
    fn fresh() -> Self {
        let (sender, feed) = StdinFeed::channel();
        Self {
            sender: Some(sender),
            feed: Some(feed),
        }
    }
}

/// The stdin pipes of one backend's containers, by container ID.
#[derive(Default)]
pub struct StdinPipes {
    slots: Mutex<HashMap<String, Slot>>,
}

impl std::fmt::Debug for StdinPipes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StdinPipes")
    }
}

impl StdinPipes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The write end for a client attaching with stdin: taken when `once`, shared otherwise;
    /// `None` when a `StdinOnce` container's stdin was already taken.
    pub fn attach(&self, id: &str, once: bool) -> Option<mpsc::Sender<Bytes>> {
        let mut slots = self.lock();
        let slot = slots.entry(id.to_string()).or_insert_with(Slot::fresh);
        if once {
            slot.sender.take()
        } else {
            slot.sender.clone()
        }
    }

    /// The read end for a starting container: the one an earlier attach made, else a new pipe.
    pub fn start(&self, id: &str) -> StdinFeed {
        let mut slots = self.lock();
        let slot = slots.entry(id.to_string()).or_default();
        match slot.feed.take() {
            Some(feed) => feed,
            None => {
                *slot = Slot::fresh();
                slot.feed
                    .take()
                    .unwrap_or_else(|| unreachable!("just made"))
            }
        }
    }

    /// The container's process ended (or it was removed): its pipe goes with it.
    pub fn close(&self, id: &str) {
        self.lock().remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_once_hands_the_pipe_to_one_client() {
        let pipes = StdinPipes::default();
        assert!(pipes.attach("c", true).is_some());
        assert!(pipes.attach("c", true).is_none());
        let _feed = pipes.start("c");
        pipes.close("c");
        assert!(
            pipes.attach("c", true).is_some(),
            "a new run has a new pipe"
        );
    }

    #[test]
    fn shared_stdin_stays_open_for_every_client() {
        let pipes = StdinPipes::default();
        let first = pipes.attach("c", false);
        let second = pipes.attach("c", false);
        assert!(first.is_some() && second.is_some());
    }
}
