//! A container's output: kept as Docker's `json-file` driver keeps it (one JSON object per
//! line: `log`, `stream`, `time`) in a file under the kit's files directory, so it survives a
//! restart with a state directory, and fanned out live to attached clients and `logs -f`.
//!
//! One lock orders appends, readers' snapshots and subscriptions, so a follower sees every line
//! exactly once: what the file held when it subscribed, then what came after.
//!
//! Limits: the runner hands over whole lines, so a last line without a newline gains one.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use bytes::Bytes;
use engine_core::api::{LogOptions, OutputChunk, OutputStream};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// One stored line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JsonLine {
    pub log: String,
    pub stream: String,
    pub time: String,
}

/// What followers receive.
#[derive(Debug, Clone)]
pub enum Live {
    Line {
        stream: OutputStream,
        text: String,
        time: SystemTime,
    },
    /// The container's process ended: attach streams close here.
    Ended,
}

/// One container's log.
pub struct LogBook {
    path: PathBuf,
    state: Mutex<Option<std::fs::File>>,
    live: broadcast::Sender<Live>,
}

impl std::fmt::Debug for LogBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogBook").field("path", &self.path).finish()
    }
}

fn parse_time(text: &str) -> Option<SystemTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(SystemTime::from)
}

fn seconds(time: SystemTime) -> f64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl LogBook {
    pub fn open(path: &Path) -> Self {
        let (live, _) = broadcast::channel(4096);
        Self {
            path: path.to_path_buf(),
            state: Mutex::new(None),
            live,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a line the container printed and tells followers.
    pub fn append(&self, stream: OutputStream, text: &str, time: SystemTime) {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            if let Some(parent) = self.path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            *guard = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .ok();
        }
        if let Some(file) = guard.as_mut() {
            let line = JsonLine {
                log: format!("{text}\n"),
                stream: match stream {
                    OutputStream::Stderr => "stderr",
                    _ => "stdout",
                }
                .into(),
                time: engine_core::api::rfc3339_nanos(time),
            };
            if let Ok(mut bytes) = serde_json::to_vec(&line) {
                bytes.push(b'\n');
                if let Err(error) = file.write_all(&bytes) {
                    tracing::warn!(%error, path = %self.path.display(), "log line not written");
                }
            }
        }
        let _ = self.live.send(Live::Line {
            stream,
            text: text.to_string(),
            time,
        });
    }

    /// The process ended: followers that stop at exits stop.
    pub fn ended(&self) {
        let _guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.live.send(Live::Ended);
    }

    /// The stored lines and a receiver of everything after them, atomically.
    pub fn snapshot(&self, subscribe: bool) -> (Vec<JsonLine>, Option<broadcast::Receiver<Live>>) {
        let _guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let receiver = subscribe.then(|| self.live.subscribe());
        let lines = match std::fs::File::open(&self.path) {
            Ok(file) => std::io::BufReader::new(file)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| serde_json::from_str(&line).ok())
                .collect(),
            Err(_) => Vec::new(),
        };
        (lines, receiver)
    }

    /// A receiver of what comes next.
    pub fn subscribe(&self) -> broadcast::Receiver<Live> {
        let _guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.live.subscribe()
    }
}

/// Renders a line as `logs` sends it: filtered by stream, prefixed with its time when asked.
pub fn render(
    stream: OutputStream,
    text: &str,
    time: SystemTime,
    options: &LogOptions,
) -> Option<OutputChunk> {
    let wanted = match stream {
        OutputStream::Stderr => options.stderr,
        _ => options.stdout,
    };
    if !wanted {
        return None;
    }
    let at = seconds(time);
    if options.since.is_some_and(|since| at < since)
        || options.until.is_some_and(|until| at >= until)
    {
        return None;
    }
    let text = if options.timestamps {
        format!("{} {text}\n", engine_core::api::rfc3339_nanos(time))
    } else {
        format!("{text}\n")
    };
    Some(OutputChunk {
        stream,
        bytes: Bytes::from(text),
    })
}

/// A stored line as (stream, text without its newline, time).
pub fn stored(line: &JsonLine) -> (OutputStream, String, SystemTime) {
    let stream = if line.stream == "stderr" {
        OutputStream::Stderr
    } else {
        OutputStream::Stdout
    };
    let text = line.log.strip_suffix('\n').unwrap_or(&line.log).to_string();
    let time = parse_time(&line.time).unwrap_or(std::time::UNIX_EPOCH);
    (stream, text, time)
}
