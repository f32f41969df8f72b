//! What the shell asks of the machine it runs on: running a command that is not a builtin,
//! and every file access (redirections, `cd`, globbing, `test -f`, `.`). The interpreter never
//! spawns a process or opens a host file itself, so the same interpreter runs natively in tests
//! (with a host that runs real utilities) and in the sandbox (where the host resolves every path
//! inside the container's root and runs utilities in wasmtime).
//!
//! Paths handed to the host are absolute, in the shell's own view of the file system (the
//! container's root is `/`); the host decides what they reach.

use std::io;

/// Where a command's standard input comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// The shell's own standard input (the host's stream).
    Inherit,
    /// These bytes, then end of file (a pipe's buffered output, a here-document, a file).
    Bytes(Vec<u8>),
    /// Closed (`<&-`): reading fails.
    Closed,
}

/// Where a command's standard output or error goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The shell's own stream: `1` or `2`.
    Inherit(u8),
    /// Handed back through the `collect` callback of [`Host::run`], tagged with the command's
    /// descriptor (a pipe, a command substitution).
    Collect,
    /// Appended to this file (already created or truncated by the shell).
    File(String),
    /// Closed (`>&-`): writes fail.
    Closed,
}

/// A command for the host to run.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub argv: Vec<String>,
    /// The exported environment.
    pub env: Vec<(String, String)>,
    /// The working directory (absolute).
    pub cwd: String,
    pub stdin: Input,
    pub stdout: Output,
    pub stderr: Output,
}

/// Why the host did not run a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// No such command: the shell says `NAME: not found` and exits 127.
    NotFound,
    /// It exists but cannot be executed: `NAME: Permission denied`, 126.
    NotExecutable,
}

/// What a path is, as `test` and globbing need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    pub kind: FileKind,
    pub size: u64,
    /// Permission bits (`0o755`).
    pub mode: u32,
}

/// Answers from [`Host::collect`]-style callbacks: whether the command may keep writing.
/// `false` means the reader went away (a pipe's buffer is full): the host ends the command as
/// a pipe's writer would end (status 141).
pub type Collect<'a> = dyn FnMut(u8, &[u8]) -> bool + 'a;

/// The machine under the shell.
pub trait Host {
    /// Runs an external command to its end, returning its exit status. Output sent to
    /// [`Output::Collect`] goes through `collect`, tagged with the descriptor (1 or 2).
    fn run(&mut self, invocation: Invocation, collect: &mut Collect<'_>) -> Result<i32, RunError>;

    /// Whether `name` would be found as a command in `path` (for `command -v`), and as what.
    fn find_command(&mut self, name: &str, path: &str, cwd: &str) -> Option<String>;

    /// Writes to the shell's own standard output (1) or error (2).
    fn write_inherited(&mut self, fd: u8, bytes: &[u8]) -> io::Result<()>;

    /// Reads from the shell's own standard input; 0 at end of file.
    fn read_stdin(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// The whole content of a file.
    fn read_file(&mut self, path: &str) -> io::Result<Vec<u8>>;

    /// Creates (or truncates) a file, or appends to it.
    fn write_file(&mut self, path: &str, bytes: &[u8], append: bool) -> io::Result<()>;

    /// What `path` is, following symlinks unless `follow` is false; `None` if it does not exist.
    fn stat(&mut self, path: &str, follow: bool) -> Option<FileInfo>;

    /// The names in a directory (without `.` and `..`).
    fn read_dir(&mut self, path: &str) -> io::Result<Vec<String>>;

    /// Whether the shell has been asked to stop, and with which status (143 for SIGTERM): the
    /// interpreter checks between commands and ends with it.
    fn interrupted(&mut self) -> Option<i32> {
        None
    }

    /// Whether a SIGTERM was delivered since the last call (`docker stop`). The interpreter
    /// checks between commands, as a shell runs a trap once its foreground command is done:
    /// with a `TERM` trap it runs the trap; without one it carries on, as a container's PID 1
    /// does, since the kernel delivers it no signal it has no handler for.
    fn take_term(&mut self) -> bool {
        false
    }

    /// The shell's process ID, as `$$` shows it.
    fn pid(&self) -> u32 {
        1
    }
}
