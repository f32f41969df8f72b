//! One step's process: a `run:` script written to the runner's temp directory and started
//! with the step's shell, or a command of the runner's own (the native checkout's git), run
//! through simkit's process runner in the step's working directory, its output lines in
//! order, stopped on timeout or cancellation.
//!
//! The process runner starts every workload in a scratch directory of its own; a small `sh`
//! prologue changes to the step's working directory and `exec`s the shell, so the step's
//! process is the shell itself, as on GitHub.
//!
//! What this module must not do: interpret the output (that is [`crate::output`]), or run a
//! shell the step did not ask for when the one it asked for is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use simkit::logs::{FnSink, LogLine};
use simkit::runner::{ExitReason, Runner, WorkloadSpec};
use tokio::sync::watch;

/// How long a cancelled or timed-out step gets between SIGTERM and SIGKILL (the runner's
/// 7.5 s, rounded).
const STOP_GRACE: Duration = Duration::from_secs(7);

/// A shell as the step names it, resolved to a program, its arguments around the script
/// (`{0}`), and the script file's extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    pub argv: Vec<String>,
    pub extension: &'static str,
}

/// Why a shell cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShellError(pub String);

/// Whether others (the `nobody` steps run as under root) may run `file`: it and every
/// directory above it must let them through.
fn others_may_run(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode())
            .unwrap_or(0)
    };
    mode(file) & 0o001 != 0 && file.ancestors().skip(1).all(|dir| mode(dir) & 0o001 != 0)
}

/// Where `program` is on `path` (a `PATH` value), skipping copies the step's user could not
/// run when `for_others` (a shim under root's home is no use to `nobody`).
pub fn which(program: &str, path: &str, for_others: bool) -> Option<PathBuf> {
    let usable = |p: &Path| p.is_file() && (!for_others || others_may_run(p));
    if program.contains('/') {
        let candidate = PathBuf::from(program);
        return usable(&candidate).then_some(candidate);
    }
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(program))
        .find(|p| usable(p))
}

/// The shell the runner uses for `shell:` (absent: bash if there is one, else sh).
pub fn resolve_shell(
    shell: Option<&str>,
    path: &str,
    for_others: bool,
) -> Result<Shell, ShellError> {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let found = |program: &str| {
        which(program, path, for_others)
            .map(|p| p.display().to_string())
            .ok_or_else(|| ShellError(format!("{program}: command not found")))
    };
    let (argv, extension) = match shell.map(str::trim) {
        None | Some("") => match which("bash", path, for_others) {
            Some(bash) => (
                vec![bash.display().to_string(), "-e".into(), "{0}".into()],
                ".sh",
            ),
            None => (vec![found("sh")?, "-e".into(), "{0}".into()], ".sh"),
        },
        Some("bash") => (
            vec![
                found("bash")?,
                "--noprofile".into(),
                "--norc".into(),
                "-eo".into(),
                "pipefail".into(),
                "{0}".into(),
            ],
            ".sh",
        ),
        Some("sh") => (vec![found("sh")?, "-e".into(), "{0}".into()], ".sh"),
        Some("python") => {
            let python = found("python").or_else(|_| found("python3"))?;
            (vec![python, "{0}".into()], ".py")
        }
        Some(name @ ("pwsh" | "powershell" | "cmd")) => {
            return Err(ShellError(format!(
                "{name}: command not found (this runner runs on Linux without {name})"
            )));
        }
        Some(custom) if custom.contains("{0}") => {
            let mut argv = words(custom);
            argv[0] = found(&argv[0])?;
            (argv, "")
        }
        Some(other) => {
            // `shell: perl` and the like: the program followed by the script, as the runner
            // does for a shell without `{0}`.
            let mut argv = words(other);
            argv[0] = found(&argv[0])?;
            argv.push("{0}".into());
            (argv, "")
        }
    };
    Ok(Shell { argv, extension })
}

/// What to start.
pub struct Launch {
    pub name: String,
    pub argv: Vec<String>,
    pub working_directory: PathBuf,
    pub env: BTreeMap<String, String>,
    pub timeout: Option<Duration>,
    pub user: Option<String>,
}

/// How a step's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    TimedOut,
    Cancelled,
    NotStarted(String),
}

/// Runs `launch`, calling `line` for every line it prints (stdout and stderr as they come).
pub async fn run(
    runner: &dyn Runner,
    launch: Launch,
    mut cancel: watch::Receiver<bool>,
    line: Arc<dyn Fn(String) + Send + Sync>,
) -> Ended {
    if !launch.working_directory.is_dir() {
        return Ended::NotStarted(format!(
            "An error occurred trying to start process '{}' with working directory '{}'. No such file or directory",
            launch.argv.first().map(String::as_str).unwrap_or_default(),
            launch.working_directory.display()
        ));
    }
    let mut argv = vec![
        "/bin/sh".to_string(),
        "-c".to_string(),
        "cd -- \"$1\" || exit 1; shift; exec \"$@\"".to_string(),
        "sh".to_string(),
        launch.working_directory.display().to_string(),
    ];
    argv.extend(launch.argv);
    let spec = WorkloadSpec {
        name: launch.name,
        argv,
        env: launch.env,
        timeout: launch.timeout,
        stop_grace: STOP_GRACE,
        user: launch.user,
        ..WorkloadSpec::default()
    };
    // Lines come from two reader tasks; one lock keeps them in arrival order.
    let order = Arc::new(Mutex::new(()));
    let sink = Arc::new(FnSink(move |printed: LogLine| {
        let _held = order.lock().unwrap_or_else(|p| p.into_inner());
        line(printed.text);
    }));
    let workload = match runner.start(spec, sink).await {
        Ok(workload) => workload,
        Err(error) => return Ended::NotStarted(error.to_string()),
    };
    // Only a cancellation that arrives while this step runs stops it: steps that run after one
    // (`if: always()`, `cancelled()`) run to their end, as on GitHub.
    cancel.borrow_and_update();
    let status = tokio::select! {
        status = workload.wait() => status,
        _ = async {
            while cancel.changed().await.is_ok() {
                if *cancel.borrow() {
                    return;
                }
            }
            std::future::pending::<()>().await;
        } => {
            workload.stop(STOP_GRACE);
            workload.wait().await;
            return Ended::Cancelled;
        }
    };
    match status.reason {
        ExitReason::TimedOut => Ended::TimedOut,
        ExitReason::SpawnFailed { message } | ExitReason::PullFailed { message } => {
            Ended::NotStarted(message)
        }
        ExitReason::Exited | ExitReason::Stopped => Ended::Exited(status.code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_resolve_as_the_runner_resolves_them() {
        let path = std::env::var("PATH").unwrap_or_default();
        let bash = resolve_shell(Some("bash"), &path, false).unwrap();
        assert!(bash.argv[0].ends_with("/bash"));
        assert_eq!(
            bash.argv[1..],
            ["--noprofile", "--norc", "-eo", "pipefail", "{0}"]
        );
        let sh = resolve_shell(Some("sh"), &path, false).unwrap();
        assert_eq!(sh.argv[1..], ["-e", "{0}"]);
        let default = resolve_shell(None, &path, true).unwrap();
        assert_eq!(default.argv[1..], ["-e", "{0}"]);
        let custom = resolve_shell(Some("bash -x {0}"), &path, false).unwrap();
        assert_eq!(custom.argv[1..], ["-x", "{0}"]);
        assert_eq!(
            resolve_shell(Some("pwsh"), &path, false).unwrap_err().0,
            "pwsh: command not found (this runner runs on Linux without pwsh)"
        );
        assert!(resolve_shell(Some("no-such-shell-here"), "/nonexistent", false).is_err());
    }
}
