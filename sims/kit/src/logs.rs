//! The sink that workload output flows into. The runner writes one [`LogLine`] per line a
//! process printed, stamped with the clock's time when the line ended; each simulator maps the
//! sink onto its cloud's log service (CloudWatch Logs, Cloud Logging, Log Analytics).

use std::sync::Mutex;
use std::time::SystemTime;

/// Which of a process's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of output, without its trailing newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: Stream,
    pub time: SystemTime,
    pub text: String,
}

/// Where a workload's output goes. Called from the runner's reader tasks: it must not block for
/// long.
pub trait LogSink: Send + Sync + 'static {
    fn line(&self, line: LogLine);
}

/// A sink that keeps every line in memory, in arrival order.
#[derive(Debug, Default)]
pub struct MemorySink {
    lines: Mutex<Vec<LogLine>>,
}

impl MemorySink {
    pub fn lines(&self) -> Vec<LogLine> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The text of every line from `stream`, in order.
    pub fn texts(&self, stream: Stream) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.stream == stream)
            .map(|l| l.text)
            .collect()
    }
}

impl LogSink for MemorySink {
    fn line(&self, line: LogLine) {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }
}

/// A sink that calls a function for each line.
pub struct FnSink<F>(pub F);

impl<F: Fn(LogLine) + Send + Sync + 'static> LogSink for FnSink<F> {
    fn line(&self, line: LogLine) {
        (self.0)(line)
    }
}

/// A sink that drops everything, for workloads whose output nobody collects.
#[derive(Debug, Default)]
pub struct DiscardSink;

impl LogSink for DiscardSink {
    fn line(&self, _line: LogLine) {}
}
