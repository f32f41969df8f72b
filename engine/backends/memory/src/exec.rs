//! Exec instances: a second process in a running container, run by the kit's runner inside the
//! container (`runc exec` for the oci runner) with the container's environment, user and
//! working directory unless the exec names its own. Kept in memory, as Docker keeps them: an
//! instance is forgotten when its container stops.
//!
//! Start, attached: the output comes back as it is produced, and the stream ends only once the
//! exit code is recorded, so the inspect the client sends next sees it. A command that cannot
//! be started answers Docker's `OCI runtime exec failed` text on the stream and exits 126/127.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use engine_core::EngineError;
use engine_core::api::{
    ExecConfig, ExecInspect, ExecProcessConfig, ExecStartConfig, OutputChunk, OutputStream,
};
use engine_core::backend::Attached;
use futures_util::StreamExt;
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::runner::terminal::Terminal;
use simkit::runner::{ExecSpec, ExitReason, RunnerError, StdinFeed};
use tokio::sync::mpsc;

use crate::containers::Containers;

/// One exec instance.
#[derive(Debug, Clone)]
struct ExecRecord {
    id: String,
    container_id: String,
    config: ExecConfig,
    running: bool,
    exit_code: Option<i32>,
    pid: u32,
    /// The instance's terminal once started with `Tty`, for resizes.
    terminal: Option<Terminal>,
}

/// The exec instances of one backend, by ID.
#[derive(Debug, Default)]
pub struct Execs {
    records: Mutex<HashMap<String, ExecRecord>>,
}

fn no_such_exec(id: &str) -> EngineError {
    EngineError::NotFound(format!("No such exec instance: {id}"))
}

impl Execs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ExecRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, id: &str) -> Result<ExecRecord, EngineError> {
        self.lock().get(id).cloned().ok_or_else(|| no_such_exec(id))
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut ExecRecord)) {
        if let Some(record) = self.lock().get_mut(id) {
            change(record);
        }
    }

    /// The IDs of a container's instances, for its inspect (`null` when it has none).
    pub fn of_container(&self, container_id: &str) -> Option<Vec<String>> {
        let ids: Vec<String> = self
            .lock()
            .values()
            .filter(|r| r.container_id == container_id)
            .map(|r| r.id.clone())
            .collect();
        (!ids.is_empty()).then_some(ids)
    }

    /// The container stopped: its instances go, as Docker forgets them.
    pub fn forget_container(&self, container_id: &str) {
        self.lock().retain(|_, r| r.container_id != container_id);
    }

    pub fn create(
        &self,
        containers: &Containers,
        container: &str,
        config: ExecConfig,
    ) -> Result<String, EngineError> {
        let (record, _) = containers.running(container)?;
        if record.state.paused {
            return Err(EngineError::Conflict(format!(
                "container {} is paused, unpause the container before exec",
                record.id
            )));
        }
        let id = containers.new_id();
        let command = config.cmd.clone().unwrap_or_default().join(" ");
        self.lock().insert(
            id.clone(),
            ExecRecord {
                id: id.clone(),
                container_id: record.id.clone(),
                config,
                running: false,
                exit_code: None,
                pid: 0,
                terminal: None,
            },
        );
        containers.publish_event(
            &record,
            &format!("exec_create: {command}"),
            &[("execID", id.clone())],
        );
        Ok(id)
    }

    pub async fn start(
        self: &Arc<Self>,
        containers: &Containers,
        id: &str,
        start: ExecStartConfig,
    ) -> Result<Option<Attached>, EngineError> {
        let exec = self.get(id)?;
        if exec.exit_code.is_some() {
            return Err(EngineError::Conflict(format!(
                "Error: Exec command {id} has already run"
            )));
        }
        if exec.running {
            return Err(EngineError::Conflict(format!(
                "Error: Exec command {id} is already running"
            )));
        }
        let (record, workload) = containers.running(&exec.container_id)?;
        let config = exec.config.clone();
        let attached = !start.detach;
        let (stdin, feed) = if attached && config.attach_stdin {
            let (sender, feed) = StdinFeed::channel();
            (Some(sender), Some(feed))
        } else {
            (None, None)
        };
        // `None` marks the end: sent after the exit code is recorded.
        let (output_tx, output_rx) = mpsc::unbounded_channel::<Option<OutputChunk>>();
        let (want_stdout, want_stderr) = (
            attached && config.attach_stdout,
            attached && config.attach_stderr,
        );
        let sink_tx = output_tx.clone();
        let sink = Arc::new(FnSink(move |line: LogLine| {
            let (stream, wanted) = match line.stream {
                Stream::Stdout => (OutputStream::Stdout, want_stdout),
                Stream::Stderr => (OutputStream::Stderr, want_stderr),
            };
            if wanted {
                let mut text = line.text.into_bytes();
                text.push(b'\n');
                let _ = sink_tx.send(Some(OutputChunk {
                    stream,
                    bytes: Bytes::from(text),
                }));
            }
        }));
        let argv = config.cmd.clone().unwrap_or_default();
        // The size the start asks for, else the create's (the CLI sends both).
        let terminal = config.tty.then(|| {
            Terminal::new(crate::containers::window_size(
                start
                    .console_size
                    .as_deref()
                    .or(config.console_size.as_deref()),
            ))
        });
        let spec = ExecSpec {
            name: format!("exec/{}", &id[..12.min(id.len())]),
            argv: argv.clone(),
            env: config.env.clone().unwrap_or_default(),
            user: (!config.user.is_empty()).then(|| config.user.clone()),
            working_dir: (!config.working_dir.is_empty()).then(|| config.working_dir.clone()),
            stdin: feed,
            terminal: terminal.clone(),
        };
        self.update(id, |r| {
            r.running = true;
            r.terminal = terminal;
        });
        let process = match containers
            .runner_of(&workload)
            .exec(&workload, spec, sink)
            .await
        {
            Ok(process) => process,
            Err(error) => {
                self.update(id, |r| r.running = false);
                return Err(match error {
                    RunnerError::NotRunning => containers.not_running(&record.id),
                    RunnerError::Unsupported(what) => EngineError::NotImplemented(format!(
                        "exec is not supported by the memory backend here: {what}"
                    )),
                    other => EngineError::internal(other),
                });
            }
        };
        let command = argv.join(" ");
        containers.publish_event(
            &record,
            &format!("exec_start: {command}"),
            &[("execID", id.to_string())],
        );
        if let Some(status) = process.exit_status()
            && let ExitReason::SpawnFailed { message } = &status.reason
        {
            // Docker writes the runtime's failure on the stream and records 126/127.
            let text = format!(
                "OCI runtime exec failed: exec failed: unable to start container process: {message}: unknown\r\n"
            );
            let _ = output_tx.send(Some(OutputChunk {
                stream: OutputStream::Stdout,
                bytes: Bytes::from(text),
            }));
        }
        let pid = process.pid().and_then(first_child).unwrap_or(0);
        self.update(id, |r| r.pid = pid);
        let execs = self.clone();
        let exec_id = id.to_string();
        let events = containers.event_publisher(&record);
        tokio::spawn(async move {
            let status = process.wait().await;
            execs.update(&exec_id, |r| {
                r.running = false;
                r.exit_code = Some(status.code);
                r.pid = 0;
            });
            events(
                "exec_die",
                &[
                    ("execID", exec_id.clone()),
                    ("exitCode", status.code.to_string()),
                ],
            );
            let _ = output_tx.send(None);
        });
        if !attached {
            return Ok(None);
        }
        let output = futures_util::stream::unfold(output_rx, |mut receiver| async move {
            match receiver.recv().await {
                Some(Some(chunk)) => Some((chunk, receiver)),
                Some(None) | None => None,
            }
        })
        .boxed();
        Ok(Some(Attached {
            tty: config.tty,
            output,
            stdin,
        }))
    }

    pub fn inspect(&self, id: &str) -> Result<ExecInspect, EngineError> {
        let exec = self.get(id)?;
        let argv = exec.config.cmd.clone().unwrap_or_default();
        let (entrypoint, arguments) = match argv.split_first() {
            Some((first, rest)) => (first.clone(), rest.to_vec()),
            None => (String::new(), Vec::new()),
        };
        Ok(ExecInspect {
            can_remove: false,
            container_id: exec.container_id,
            detach_keys: exec.config.detach_keys.clone(),
            exit_code: exec.exit_code,
            id: exec.id,
            open_stderr: exec.config.attach_stderr,
            open_stdin: exec.config.attach_stdin,
            open_stdout: exec.config.attach_stdout,
            process_config: ExecProcessConfig {
                arguments,
                entrypoint,
                privileged: exec.config.privileged,
                tty: exec.config.tty,
                user: exec.config.user.clone(),
            },
            running: exec.running,
            pid: exec.pid,
        })
    }

    /// Sets the window size of an instance's terminal (`stty size` inside shows it). An
    /// instance without one has nothing to size, and is accepted as Docker accepts it.
    pub fn resize(&self, id: &str, height: u32, width: u32) -> Result<(), EngineError> {
        let exec = self.get(id)?;
        match (
            exec.terminal,
            crate::containers::window_size(Some(&[height, width])),
        ) {
            (Some(terminal), Some(size)) => terminal.resize(size).map_err(EngineError::internal),
            _ => Ok(()),
        }
    }
}

/// The process `runc exec` started: its first child.
fn first_child(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
