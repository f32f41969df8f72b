//! Running git: a clean environment (no user, system or repository-local surprises from the
//! host's configuration), and errors that carry git's own message.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::GitError;

/// A `git` command run in `dir` (a bare repository's directory, or the root for `init`).
pub(super) fn git_at(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        // Paths are file names, never patterns.
        .env("GIT_LITERAL_PATHSPECS", "1")
        .env("GIT_DIR", dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    command
}

/// Runs a command to completion; a non-zero exit is an error carrying git's stderr.
pub(super) fn run(mut command: Command, what: &str) -> Result<Output, GitError> {
    checked(command.output()?, what)
}

/// The output of a command that succeeded; an error carrying git's stderr otherwise.
fn checked(output: Output, what: &str) -> Result<Output, GitError> {
    if output.status.success() {
        Ok(output)
    } else {
        Err(GitError::Command {
            command: what.to_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Runs a command whose non-zero exit means "no" rather than failure (`rev-parse --verify`,
/// `cat-file -e`): `None` then, git's output otherwise.
pub(super) fn run_optional(mut command: Command) -> Result<Option<Output>, GitError> {
    let output = command.output()?;
    Ok(output.status.success().then_some(output))
}

/// Runs a command with `input` on its stdin.
pub(super) fn run_with_input(
    mut command: Command,
    what: &str,
    input: &[u8],
) -> Result<Output, GitError> {
    use std::io::Write;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn()?;
    let mut stdin = child.stdin.take().ok_or_else(|| GitError::Command {
        command: what.to_owned(),
        stderr: "no stdin".to_owned(),
    })?;
    // Written from another thread so a child that answers before reading all its input
    // cannot deadlock us.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output()?;
    let _ = writer.join();
    checked(output, what)
}

/// Stdout as a string, without the trailing newline.
pub(super) fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .trim_end_matches('\n')
        .to_owned()
}
