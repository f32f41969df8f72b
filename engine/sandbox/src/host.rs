//! The shell's host inside a container: [`SandboxHost`] implements [`shell::Host`] over the
//! container's [`Root`] (every file access the shell makes) and the [`Userland`] (every command
//! that is not a builtin runs as a wasm instance). `sh` itself, and scripts starting with
//! `#!/bin/sh`, run as a nested interpreter on the same thread.
//!
//! The shell runs on a thread of its own; each instance is driven to its end from there with
//! the runtime's handle, raced against the container's stop signal, so a stop ends a running
//! utility at once (its status is then the stop's: 143 or 137).
//!
//! What it must not do: spawn a host process, or resolve a path without the [`Root`].

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::sync::Arc;

use shell::host::{Collect, FileInfo, FileKind, Input, Invocation, Output, RunError};
use tokio::sync::watch;

use crate::root::Root;
use crate::streams::{InputSource, OutputTarget};
use crate::userland::{Launch, Userland};

/// Directories where the userland's utilities are found when named by path.
const BIN_DIRS: [&str; 6] = [
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/sbin",
];

/// What every shell and instance of one container (or exec) shares.
pub struct Container {
    pub root: Root,
    pub userland: Arc<Userland>,
    pub handle: tokio::runtime::Handle,
    /// Set to the status to end with (137, or 143 at a timeout) when the container is ended.
    pub stop: watch::Receiver<Option<i32>>,
    /// Set when `docker stop` delivers SIGTERM; the shell that sees it first takes it.
    pub term: Arc<std::sync::atomic::AtomicBool>,
}

/// The host of one shell: the container, and where that shell's own stdio goes.
#[derive(Clone)]
pub struct SandboxHost {
    pub container: Arc<Container>,
    pub stdin: InputSource,
    pub stdout: OutputTarget,
    pub stderr: OutputTarget,
}

/// How deeply `sh` may run `sh`.
const MAX_NESTED_SHELLS: usize = 32;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl SandboxHost {
    fn stopped(&self) -> Option<i32> {
        *self.container.stop.borrow()
    }

    fn output(&self, output: &Output) -> Result<OutputTarget, String> {
        Ok(match output {
            Output::Inherit(1) => self.stdout.clone(),
            Output::Inherit(_) => self.stderr.clone(),
            Output::Collect => OutputTarget::buffer(shell::eval::PIPE_LIMIT),
            Output::File(path) => OutputTarget::File(Arc::new(
                self.container
                    .root
                    .open_append(path)
                    .map_err(|e| format!("{path}: {e}"))?,
            )),
            Output::Closed => OutputTarget::Closed,
        })
    }

    fn input(&self, input: Input) -> InputSource {
        match input {
            Input::Inherit => self.stdin.clone(),
            Input::Bytes(bytes) => InputSource::bytes(bytes),
            Input::Closed => InputSource::empty(),
        }
    }

    /// What a command name runs: a nested shell, a utility's module, or a script file.
    fn lookup(&self, name: &str, path_var: &str, cwd: &str) -> Option<Target> {
        let (dir, base) = match name.rsplit_once('/') {
            Some((dir, base)) => (Some(if dir.is_empty() { "/" } else { dir }), base),
            None => (None, name),
        };
        let in_bin = dir.is_none_or(|dir| BIN_DIRS.contains(&dir));
        if in_bin && base == "sh" {
            return Some(Target::Shell);
        }
        if in_bin
            && let Some(module) = self
                .container
                .userland
                .module_for(base, &self.container.handle)
        {
            return Some(Target::Utility(module, base.to_string()));
        }
        // A file in the root: by path, or along PATH.
        let candidates: Vec<String> = match dir {
            Some(_) => vec![absolute(cwd, name)],
            None => path_var
                .split(':')
                .map(|dir| {
                    absolute(
                        cwd,
                        &format!("{}/{name}", if dir.is_empty() { "." } else { dir }),
                    )
                })
                .collect(),
        };
        for candidate in candidates {
            if let Ok(meta) = self.container.root.metadata(&candidate, true)
                && meta.is_file()
            {
                return Some(Target::File(
                    candidate,
                    meta.permissions().mode() & 0o111 != 0,
                ));
            }
        }
        None
    }

    fn run_utility(
        &mut self,
        module: &str,
        argv0: &str,
        invocation: &Invocation,
        collect: &mut Collect<'_>,
    ) -> i32 {
        let stdout = match self.output(&invocation.stdout) {
            Ok(target) => target,
            Err(message) => {
                let _ = self.stderr.write_all(format!("sh: {message}\n").as_bytes());
                return 1;
            }
        };
        let stderr = match self.output(&invocation.stderr) {
            Ok(target) => target,
            Err(message) => {
                let _ = self.stderr.write_all(format!("sh: {message}\n").as_bytes());
                return 1;
            }
        };
        let instance_stderr = match &stdout {
            OutputTarget::Buffer(pipe) => {
                OutputTarget::UnlessBroken(Box::new(stderr.clone()), pipe.clone())
            }
            _ => stderr.clone(),
        };
        let mut argv = invocation.argv.clone();
        argv[0] = argv0.to_string();
        let mut env = invocation.env.clone();
        env.retain(|(k, _)| k != "PWD");
        env.push(("PWD".into(), invocation.cwd.clone()));
        let launch = Launch {
            argv: &argv,
            env: &env,
            root: self.container.root.host_path(),
            mounts: self.container.root.mounts(),
            stdin: self.input(invocation.stdin.clone()),
            stdout: stdout.clone(),
            stderr: instance_stderr,
        };
        let userland = self.container.userland.clone();
        let mut stop = self.container.stop.clone();
        let status = self.container.handle.block_on(async move {
            tokio::select! {
                result = userland.run(module, launch) => result,
                stopped = stop.wait_for(Option::is_some) => Ok(stopped.map(|s| s.unwrap_or(143)).unwrap_or(143)),
            }
        });
        let mut status = match status {
            Ok(status) => status,
            Err(message) => {
                let _ = self
                    .stderr
                    .write_all(format!("sh: {}: {message}\n", invocation.argv[0]).as_bytes());
                126
            }
        };
        for (fd, target) in [(1u8, &stdout), (2u8, &stderr)] {
            if matches!(target, OutputTarget::Buffer(_)) {
                let overflowed = target.overflowed();
                let bytes = target.take_buffer();
                if !collect(fd, &bytes) || overflowed {
                    // The writer met a full pipe: it ends as a writer to a closed pipe does.
                    status = 141;
                }
            }
        }
        status
    }

    /// `sh [-eux...] [-c SCRIPT [NAME [ARG...]] | FILE [ARG...]]`, or a script from stdin.
    fn run_shell(
        &mut self,
        args: &[String],
        invocation: &Invocation,
        collect: &mut Collect<'_>,
        script_file: Option<String>,
    ) -> i32 {
        let depth = NESTING.with(|n| n.get());
        if depth >= MAX_NESTED_SHELLS {
            let _ = self.stderr.write_all(b"sh: too many nested shells\n");
            return 2;
        }
        let stdout = match self.output(&invocation.stdout) {
            Ok(target) => target,
            Err(_) => return 1,
        };
        let stderr = match self.output(&invocation.stderr) {
            Ok(target) => target,
            Err(_) => return 1,
        };
        let mut nested = SandboxHost {
            container: self.container.clone(),
            stdin: self.input(invocation.stdin.clone()),
            stdout: stdout.clone(),
            stderr: stderr.clone(),
        };
        let mut flags = Vec::new();
        let mut index = 0;
        let mut command_string = false;
        while let Some(arg) = args.get(index) {
            if arg == "--" {
                index += 1;
                break;
            }
            if let Some(letters) = arg.strip_prefix('-').filter(|l| !l.is_empty()) {
                for letter in letters.chars() {
                    if letter == 'c' {
                        command_string = true;
                    } else {
                        flags.push((letter, true));
                    }
                }
                index += 1;
            } else if let Some(letters) = arg.strip_prefix('+').filter(|l| !l.is_empty()) {
                flags.extend(letters.chars().map(|l| (l, false)));
                index += 1;
            } else {
                break;
            }
        }
        let rest = &args[index..];
        let (source, arg0, positional) = if let Some(file) = script_file {
            match self.container.root.read(&file) {
                Ok(bytes) => (
                    String::from_utf8_lossy(&bytes).into_owned(),
                    file,
                    rest.to_vec(),
                ),
                Err(_) => {
                    let _ = self
                        .stderr
                        .write_all(format!("sh: cannot open {file}: No such file\n").as_bytes());
                    return 127;
                }
            }
        } else if command_string {
            let Some(script) = rest.first() else {
                let _ = self.stderr.write_all(b"sh: -c requires an argument\n");
                return 2;
            };
            let arg0 = rest.get(1).cloned().unwrap_or_else(|| "sh".into());
            let positional = rest.get(2..).map(<[String]>::to_vec).unwrap_or_default();
            (script.clone(), arg0, positional)
        } else if let Some(file) = rest.first() {
            let path = absolute(&invocation.cwd, file);
            match self.container.root.read(&path) {
                Ok(bytes) => (
                    String::from_utf8_lossy(&bytes).into_owned(),
                    file.clone(),
                    rest[1..].to_vec(),
                ),
                Err(_) => {
                    let _ = self
                        .stderr
                        .write_all(format!("sh: cannot open {file}: No such file\n").as_bytes());
                    return 2;
                }
            }
        } else {
            // The script is the standard input.
            let mut script = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match shell::Host::read_stdin(&mut nested, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => script.extend_from_slice(&buf[..n]),
                }
            }
            (
                String::from_utf8_lossy(&script).into_owned(),
                "sh".to_string(),
                Vec::new(),
            )
        };
        let mut shell = shell::Shell::new(
            nested,
            shell::Config {
                arg0,
                positional,
                env: invocation.env.clone(),
                cwd: invocation.cwd.clone(),
            },
        );
        for (letter, on) in flags {
            shell.set_flag(letter, on);
        }
        NESTING.with(|n| n.set(depth + 1));
        let status = shell.run_script(&source);
        NESTING.with(|n| n.set(depth));
        let mut status = status;
        for (fd, target) in [(1u8, &stdout), (2u8, &stderr)] {
            if matches!(target, OutputTarget::Buffer(_)) {
                let overflowed = target.overflowed();
                let bytes = target.take_buffer();
                if !collect(fd, &bytes) || overflowed {
                    status = 141;
                }
            }
        }
        status
    }

    /// Runs a top-level command (a container's argv, an exec): a shell, a utility, a script.
    /// Errors are `(status, message)` for a command that cannot be started.
    /// Whether `command` names something this container can start: Docker's 127 (not found)
    /// or 126 (not executable: a file that is not a shell script, since there is no loader for
    /// host binaries) with the runtime's words, before anything runs.
    pub fn check_command(
        &mut self,
        command: &str,
        env: &[(String, String)],
        cwd: &str,
    ) -> Result<(), (i32, String)> {
        let path = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        match self.lookup(command, path, cwd) {
            None => Err((
                127,
                format!("exec: \"{command}\": executable file not found in $PATH"),
            )),
            Some(Target::File(path, executable)) => {
                let head = self.container.root.read(&path).unwrap_or_default();
                if !executable {
                    Err((126, format!("exec: \"{command}\": permission denied")))
                } else if head.starts_with(b"\x7fELF") {
                    Err((
                        126,
                        format!(
                            "exec {path}: exec format error (the wasm runtime has no loader for host binaries)"
                        ),
                    ))
                } else {
                    Ok(())
                }
            }
            Some(_) => Ok(()),
        }
    }

    pub fn run_argv(
        &mut self,
        argv: &[String],
        env: &[(String, String)],
        cwd: &str,
    ) -> Result<i32, (i32, String)> {
        let invocation = Invocation {
            argv: argv.to_vec(),
            env: env.to_vec(),
            cwd: cwd.to_string(),
            stdin: Input::Inherit,
            stdout: Output::Inherit(1),
            stderr: Output::Inherit(2),
        };
        let mut discard = |_fd: u8, _bytes: &[u8]| true;
        match shell::Host::run(self, invocation, &mut discard) {
            Ok(status) => Ok(status),
            Err(RunError::NotFound) => Err((
                127,
                format!("exec: \"{}\": executable file not found in $PATH", argv[0]),
            )),
            Err(RunError::NotExecutable) => {
                Err((126, format!("exec: \"{}\": permission denied", argv[0])))
            }
        }
    }
}

enum Target {
    Shell,
    Utility(String, String),
    /// A file in the root, and whether it is executable.
    File(String, bool),
}

fn absolute(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else if cwd.ends_with('/') {
        format!("{cwd}{path}")
    } else {
        format!("{cwd}/{path}")
    }
}

impl shell::Host for SandboxHost {
    fn run(&mut self, invocation: Invocation, collect: &mut Collect<'_>) -> Result<i32, RunError> {
        if let Some(code) = self.stopped() {
            return Ok(code);
        }
        let path = invocation
            .env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        match self.lookup(&invocation.argv[0], &path, &invocation.cwd) {
            None => Err(RunError::NotFound),
            Some(Target::Shell) => {
                let args = invocation.argv[1..].to_vec();
                Ok(self.run_shell(&args, &invocation, collect, None))
            }
            Some(Target::Utility(module, argv0)) => {
                Ok(self.run_utility(&module, &argv0, &invocation, collect))
            }
            Some(Target::File(path, executable)) => {
                if !executable {
                    return Err(RunError::NotExecutable);
                }
                // Only shell scripts can run here: there is no loader for host binaries.
                let head = self.container.root.read(&path).unwrap_or_default();
                let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
                let first_line = String::from_utf8_lossy(first_line);
                let interpreter = first_line
                    .strip_prefix("#!")
                    .map(|rest| rest.trim().to_string());
                let is_sh = match &interpreter {
                    Some(interpreter) => {
                        let program = interpreter.split_whitespace().next().unwrap_or_default();
                        matches!(program, "/bin/sh" | "/usr/bin/sh" | "sh")
                            || (program.ends_with("/env")
                                && interpreter.split_whitespace().nth(1) == Some("sh"))
                    }
                    // A file without `#!` is run by the shell, as POSIX says for ENOEXEC.
                    None => !head.starts_with(b"\x7fELF") && !head.starts_with(b"\0asm"),
                };
                if !is_sh {
                    return Err(RunError::NotExecutable);
                }
                let args = invocation.argv[1..].to_vec();
                Ok(self.run_shell(&args, &invocation, collect, Some(path)))
            }
        }
    }

    fn find_command(&mut self, name: &str, path: &str, cwd: &str) -> Option<String> {
        match self.lookup(name, path, cwd)? {
            Target::Shell => Some("/bin/sh".into()),
            Target::Utility(_, base) => Some(if name.contains('/') {
                name.to_string()
            } else {
                format!("/bin/{base}")
            }),
            Target::File(path, _) => Some(path),
        }
    }

    fn write_inherited(&mut self, fd: u8, bytes: &[u8]) -> std::io::Result<()> {
        if fd == 1 {
            self.stdout.write_all(bytes)
        } else {
            self.stderr.write_all(bytes)
        }
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let stdin = self.stdin.clone();
        let mut stop = self.container.stop.clone();
        self.container.handle.block_on(async move {
            tokio::select! {
                read = stdin.read(buf) => read,
                _ = stop.wait_for(Option::is_some) => Ok(0),
            }
        })
    }

    fn read_file(&mut self, path: &str) -> std::io::Result<Vec<u8>> {
        self.container.root.read(path)
    }

    fn write_file(&mut self, path: &str, bytes: &[u8], append: bool) -> std::io::Result<()> {
        self.container.root.write(path, bytes, append)
    }

    fn stat(&mut self, path: &str, follow: bool) -> Option<FileInfo> {
        let meta = self.container.root.metadata(path, follow).ok()?;
        let file_type = meta.file_type();
        let kind = if file_type.is_symlink() {
            FileKind::Symlink
        } else if file_type.is_dir() {
            FileKind::Directory
        } else if file_type.is_fifo() {
            FileKind::Fifo
        } else if file_type.is_socket() {
            FileKind::Socket
        } else if file_type.is_char_device() {
            FileKind::CharDevice
        } else if file_type.is_block_device() {
            FileKind::BlockDevice
        } else {
            FileKind::File
        };
        let mode = meta.permissions().mode();
        // Utilities found in the userland count as executables under the bin directories.
        Some(FileInfo {
            kind,
            size: meta.len(),
            mode,
        })
    }

    fn read_dir(&mut self, path: &str) -> std::io::Result<Vec<String>> {
        self.container.root.read_dir(path)
    }

    fn interrupted(&mut self) -> Option<i32> {
        self.stopped()
    }

    fn take_term(&mut self) -> bool {
        self.container
            .term
            .swap(false, std::sync::atomic::Ordering::SeqCst)
    }
}
