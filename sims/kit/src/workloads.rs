//! Every workload a server's services start, as the admin API and the browser view see them:
//! name, runner, process ID, start and end, exit code and reason, the last [`LINES_KEPT`] lines
//! of output and a live feed of new ones, and stop and kill.
//!
//! The kit wraps its runner in a [`TrackingRunner`], so every service that starts workloads
//! through `kit.runner()` (ECS tasks, Lambda environments, Cloud Run jobs, ...) is listed
//! without doing anything. Output still flows to the service's own sink first; the registry
//! only keeps a bounded copy. Finished workloads are forgotten past the last
//! [`FINISHED_KEPT`]; running ones are always listed.
//!
//! Stopping a workload here is what a host-side `docker stop` is to a container: SIGTERM, then
//! SIGKILL after the grace period, and the service sees its workload end with 143 (or 137) as
//! it would in the cloud.
//!
//! What this module must not do: block the runner's output readers (a line is appended under a
//! short lock and broadcast without waiting), or keep a workload's output without bound.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::clock::millis_since_epoch;
use crate::logs::{LogLine, LogSink, Stream};
use crate::runner::{ExitReason, Isolation, Runner, RunnerError, Workload, WorkloadSpec};

/// Lines of output kept per workload for a page that opens late.
pub const LINES_KEPT: usize = 2_000;
/// Finished workloads still listed.
pub const FINISHED_KEPT: usize = 200;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One line of a workload's output, numbered in arrival order.
#[derive(Debug, Clone)]
pub struct NumberedLine {
    pub number: u64,
    pub stream: Stream,
    pub time_ms: i64,
    pub text: String,
}

impl NumberedLine {
    pub fn to_json(&self) -> Value {
        json!({
            "n": self.number,
            "stream": self.stream,
            "timeMs": self.time_ms,
            "text": self.text,
        })
    }
}

/// What is kept of a workload's output.
#[derive(Debug)]
pub struct Output {
    lines: Mutex<VecDeque<NumberedLine>>,
    next: AtomicU64,
    feed: broadcast::Sender<NumberedLine>,
}

impl Default for Output {
    fn default() -> Self {
        let (feed, _) = broadcast::channel(1024);
        Self {
            lines: Mutex::default(),
            next: AtomicU64::new(1),
            feed,
        }
    }
}

impl Output {
    fn push(&self, line: &LogLine) {
        let numbered = {
            let mut lines = lock(&self.lines);
            let numbered = NumberedLine {
                number: self.next.fetch_add(1, Ordering::Relaxed),
                stream: line.stream,
                time_ms: millis_since_epoch(line.time),
                text: line.text.clone(),
            };
            if lines.len() >= LINES_KEPT {
                lines.pop_front();
            }
            lines.push_back(numbered.clone());
            numbered
        };
        // Nobody listening is the usual case, not an error.
        let _ = self.feed.send(numbered);
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> Vec<NumberedLine> {
        lock(&self.lines).iter().cloned().collect()
    }

    /// A receiver of lines from now on, and the lines kept until now: subscribing first and
    /// reading second means no line falls between the two (a line in both is told apart by
    /// its number).
    pub fn follow(&self) -> (broadcast::Receiver<NumberedLine>, Vec<NumberedLine>) {
        let receiver = self.feed.subscribe();
        (receiver, self.lines())
    }
}

/// A sink that keeps a copy for the registry and passes every line on.
struct TeeSink {
    inner: Arc<dyn LogSink>,
    output: Arc<Output>,
}

impl LogSink for TeeSink {
    fn line(&self, line: LogLine) {
        self.output.push(&line);
        self.inner.line(line);
    }
}

/// One workload as listed.
#[derive(Debug)]
pub struct Tracked {
    pub id: u64,
    pub name: String,
    pub workload: Workload,
    pub output: Arc<Output>,
}

impl Tracked {
    pub fn running(&self) -> bool {
        self.workload.exit_status().is_none()
    }

    pub fn to_json(&self) -> Value {
        let exit = self.workload.exit_status();
        let (reason, message) = match exit.as_ref().map(|e| &e.reason) {
            None => (None, None),
            Some(ExitReason::Exited) => (Some("exited"), None),
            Some(ExitReason::Stopped) => (Some("stopped"), None),
            Some(ExitReason::TimedOut) => (Some("timed_out"), None),
            Some(ExitReason::SpawnFailed { message }) => (Some("spawn_failed"), Some(message)),
            Some(ExitReason::PullFailed { message }) => (Some("pull_failed"), Some(message)),
        };
        json!({
            "id": self.id,
            "name": self.name,
            "status": if exit.is_some() { "exited" } else { "running" },
            "runner": self.workload.runner(),
            "pid": self.workload.pid(),
            "startedAtMs": millis_since_epoch(self.workload.started_at()),
            "finishedAtMs": exit.as_ref().map(|e| millis_since_epoch(e.finished_at)),
            "exitCode": exit.as_ref().map(|e| e.code),
            "reason": reason,
            "message": message,
        })
    }
}

/// The workloads of one kit.
#[derive(Debug, Default)]
pub struct Registry {
    next_id: AtomicU64,
    entries: Mutex<BTreeMap<u64, Arc<Tracked>>>,
}

impl Registry {
    fn add(&self, name: String, workload: Workload, output: Arc<Output>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut entries = lock(&self.entries);
        entries.insert(
            id,
            Arc::new(Tracked {
                id,
                name,
                workload,
                output,
            }),
        );
        let finished: Vec<u64> = entries
            .values()
            .filter(|tracked| !tracked.running())
            .map(|tracked| tracked.id)
            .collect();
        for id in finished
            .iter()
            .take(finished.len().saturating_sub(FINISHED_KEPT))
        {
            entries.remove(id);
        }
    }

    /// Every workload listed, newest first.
    pub fn list(&self) -> Vec<Arc<Tracked>> {
        lock(&self.entries).values().rev().cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<Arc<Tracked>> {
        lock(&self.entries).get(&id).cloned()
    }

    /// Forgets the finished workloads (reset; the running ones are being stopped).
    pub fn forget_finished(&self) {
        lock(&self.entries).retain(|_, tracked| tracked.running());
    }
}

/// A runner that lists what the runner it wraps starts.
pub struct TrackingRunner {
    inner: Arc<dyn Runner>,
    registry: Arc<Registry>,
}

impl TrackingRunner {
    pub fn new(inner: Arc<dyn Runner>, registry: Arc<Registry>) -> Self {
        Self { inner, registry }
    }
}

#[async_trait::async_trait]
impl Runner for TrackingRunner {
    async fn start(
        &self,
        spec: WorkloadSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        let output = Arc::new(Output::default());
        let name = spec.name.clone();
        let tee: Arc<dyn LogSink> = Arc::new(TeeSink {
            inner: sink,
            output: output.clone(),
        });
        let workload = self.inner.start(spec, tee).await?;
        self.registry.add(name, workload.clone(), output);
        Ok(workload)
    }

    fn shutdown(&self) {
        self.inner.shutdown();
    }

    fn isolation(&self) -> Isolation {
        self.inner.isolation()
    }

    // Every method of the trait is passed on: a default here would quietly put every task on
    // the host's network.
    async fn group_network(
        &self,
        spec: &crate::runner::oci::network::NetworkSpec,
    ) -> Result<Option<crate::runner::oci::network::GroupNetwork>, String> {
        self.inner.group_network(spec).await
    }

    async fn exec(
        &self,
        workload: &Workload,
        spec: crate::runner::ExecSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        self.inner.exec(workload, spec, sink).await
    }

    async fn image_root(
        &self,
        image: &crate::runner::WorkloadImage,
    ) -> Result<std::path::PathBuf, String> {
        self.inner.image_root(image).await
    }

    fn local_image(&self, name: &str) -> Option<(String, crate::runner::LocatedImage)> {
        self.inner.local_image(name)
    }

    fn seeded_images(&self) -> Vec<(String, crate::runner::LocatedImage)> {
        self.inner.seeded_images()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn line(text: &str) -> LogLine {
        LogLine {
            stream: Stream::Stdout,
            time: SystemTime::UNIX_EPOCH,
            text: text.into(),
        }
    }

    #[test]
    fn output_is_bounded_and_numbered() {
        let output = Output::default();
        for index in 0..LINES_KEPT + 5 {
            output.push(&line(&index.to_string()));
        }
        let lines = output.lines();
        assert_eq!(lines.len(), LINES_KEPT);
        assert_eq!(lines[0].number, 6);
        assert_eq!(lines[0].text, "5");
    }

    #[tokio::test]
    async fn followers_see_lines_after_the_backlog() {
        let output = Output::default();
        output.push(&line("before"));
        let (mut receiver, backlog) = output.follow();
        output.push(&line("after"));
        assert_eq!(backlog.len(), 1);
        let next = receiver.recv().await.expect("a line");
        assert_eq!(next.text, "after");
        assert_eq!(next.number, 2);
    }
}
