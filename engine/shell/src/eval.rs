//! The evaluator: runs a parsed program against a [`Host`]. It keeps the shell's state
//! (variables, functions, positional parameters, options, traps, the working directory and the
//! descriptor table) and does every expansion itself; only commands that are not builtins or
//! functions, and file accesses, go to the host.
//!
//! Pipelines run their stages one after another, each stage's output buffered for the next
//! (WASI has no threads to run them at once). A pipe buffer holds at most [`PIPE_LIMIT`]
//! bytes: past that the writer is ended as a writer to a closed pipe is (status 141), which is
//! what makes `yes | head -1` terminate. Background jobs (`&`) run to completion before the
//! shell goes on; `$!` names them and `wait` reports their status.
//!
//! Errors a POSIX shell treats as fatal (a syntax error in `eval`, a failed `${x?}`, `set -u`
//! on an unset variable, an arithmetic error) end the shell, or the subshell they occur in,
//! with status 2, as in dash. Messages start with `sh: `. Nothing here panics on any input.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::ast::*;
use crate::host::{self, Host, Input, Invocation, Output, RunError};
use crate::pattern::{self, PatternChar};

/// How many bytes a pipe between two stages, or a command substitution, may hold.
pub const PIPE_LIMIT: usize = 16 * 1024 * 1024;
/// How deeply functions, `eval`, `.` and substitutions may recurse.
pub const MAX_CALL_DEPTH: usize = 200;

/// Why evaluation stopped going forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unwind {
    Break(usize),
    Continue(usize),
    Return(i32),
    /// `exit`, a fatal error, or a signal: ends the shell (or the current subshell).
    Exit(i32),
}

pub(crate) type Exec = Result<i32, Unwind>;

#[derive(Debug, Clone, Default)]
pub(crate) struct Var {
    pub value: Option<String>,
    pub exported: bool,
    pub readonly: bool,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    pub errexit: bool,
    pub nounset: bool,
    pub xtrace: bool,
    pub pipefail: bool,
    pub noglob: bool,
    pub verbose: bool,
    pub noexec: bool,
}

#[derive(Debug, Default)]
pub(crate) struct PipeBuffer {
    pub data: Vec<u8>,
    pub limit: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub data: Vec<u8>,
    pub pos: usize,
}

/// An open descriptor.
#[derive(Debug, Clone)]
pub(crate) enum Fd {
    /// The shell's own standard input.
    HostIn,
    /// The shell's own standard output (1) or error (2).
    HostOut(u8),
    /// The write end of a pipe or a substitution's capture.
    Pipe(Rc<RefCell<PipeBuffer>>),
    /// Bytes to read (a pipe's read end, a here-document, a file opened for reading).
    Reader(Rc<RefCell<Reader>>),
    /// A file opened for writing (created or truncated when opened); writes append.
    File(String),
}

/// What a subshell changes and gives back.
#[derive(Clone)]
struct Snapshot {
    vars: HashMap<String, Var>,
    functions: HashMap<String, Rc<Command>>,
    positional: Vec<String>,
    cwd: String,
    options: Options,
    fds: BTreeMap<u32, Fd>,
    traps: BTreeMap<String, String>,
    locals: Vec<Vec<(String, Option<Var>)>>,
}

/// A POSIX shell over a [`Host`].
pub struct Shell<H: Host> {
    pub(crate) host: H,
    pub(crate) vars: HashMap<String, Var>,
    pub(crate) functions: HashMap<String, Rc<Command>>,
    pub(crate) positional: Vec<String>,
    pub(crate) arg0: String,
    pub(crate) status: i32,
    pub(crate) last_job: Option<u32>,
    pub(crate) job_statuses: BTreeMap<u32, i32>,
    next_job: u32,
    pub(crate) cwd: String,
    pub(crate) options: Options,
    pub(crate) fds: BTreeMap<u32, Fd>,
    pub(crate) traps: BTreeMap<String, String>,
    pub(crate) locals: Vec<Vec<(String, Option<Var>)>>,
    depth: usize,
    /// Non-zero while `set -e` does not apply (conditions, `!`, all but the last of `&&`/`||`).
    errexit_suppressed: usize,
    pub(crate) loop_depth: usize,
    /// The status of the last command substitution, for a command with no command word.
    substitution_status: Option<i32>,
    pub(crate) line: usize,
}

/// The configuration a shell starts with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `$0`.
    pub arg0: String,
    pub positional: Vec<String>,
    /// The environment, all exported.
    pub env: Vec<(String, String)>,
    /// The working directory (absolute).
    pub cwd: String,
}

impl<H: Host> Shell<H> {
    pub fn new(host: H, config: Config) -> Self {
        let mut vars = HashMap::new();
        for (name, value) in config.env {
            vars.insert(
                name,
                Var {
                    value: Some(value),
                    exported: true,
                    readonly: false,
                },
            );
        }
        let cwd = if config.cwd.starts_with('/') {
            config.cwd
        } else {
            "/".to_string()
        };
        let mut shell = Self {
            host,
            vars,
            functions: HashMap::new(),
            positional: config.positional,
            arg0: if config.arg0.is_empty() {
                "sh".into()
            } else {
                config.arg0
            },
            status: 0,
            last_job: None,
            job_statuses: BTreeMap::new(),
            next_job: 1000,
            cwd: cwd.clone(),
            options: Options::default(),
            fds: BTreeMap::from([(0, Fd::HostIn), (1, Fd::HostOut(1)), (2, Fd::HostOut(2))]),
            traps: BTreeMap::new(),
            locals: Vec::new(),
            depth: 0,
            errexit_suppressed: 0,
            loop_depth: 0,
            substitution_status: None,
            line: 1,
        };
        shell.set_var_exported("PWD", &cwd);
        if !shell.vars.contains_key("IFS") {
            shell.set_var("IFS", " \t\n");
        }
        if !shell.vars.contains_key("PATH") {
            shell.set_var(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            );
        }
        shell
    }

    /// The host, for callers that want their output back.
    pub fn host(&self) -> &H {
        &self.host
    }

    pub fn host_mut(&mut self) -> &mut H {
        &mut self.host
    }

    /// Sets options as `sh -e` and friends would (`"e"`, `"x"`, ...).
    pub fn set_flag(&mut self, flag: char, on: bool) -> bool {
        self.set_option_letter(flag, on)
    }

    /// Runs a whole script and the EXIT trap, returning the shell's exit status.
    pub fn run_script(&mut self, source: &str) -> i32 {
        let status = match crate::parse::parse(source) {
            Ok(list) => match self.run_list(&list) {
                Ok(status) => status,
                Err(Unwind::Exit(code) | Unwind::Return(code)) => code,
                Err(Unwind::Break(_) | Unwind::Continue(_)) => self.status,
            },
            Err(error) => {
                self.error_message(&error.to_string());
                2
            }
        };
        self.status = status;
        self.run_exit_trap()
    }

    fn run_exit_trap(&mut self) -> i32 {
        let status = self.status;
        if let Some(action) = self.traps.remove("EXIT") {
            match self.eval_string(&action) {
                Err(Unwind::Exit(code)) => return code,
                _ => return status,
            }
        }
        status
    }

    pub(crate) fn error_message(&mut self, message: &str) {
        let line = format!("{}: {message}\n", self.arg0);
        let _ = self.write_fd(2, line.as_bytes());
    }

    // ---- variables -------------------------------------------------------------------------

    pub(crate) fn get_var(&self, name: &str) -> Option<String> {
        self.vars.get(name).and_then(|var| var.value.clone())
    }

    pub(crate) fn set_var(&mut self, name: &str, value: &str) -> bool {
        let var = self.vars.entry(name.to_string()).or_default();
        if var.readonly {
            return false;
        }
        var.value = Some(value.to_string());
        true
    }

    fn set_var_exported(&mut self, name: &str, value: &str) {
        let var = self.vars.entry(name.to_string()).or_default();
        var.value = Some(value.to_string());
        var.exported = true;
    }

    /// Assigns, or ends the shell with dash's message when the variable is read-only.
    pub(crate) fn assign(&mut self, name: &str, value: &str) -> Result<(), Unwind> {
        if !self.set_var(name, value) {
            self.error_message(&format!("{name}: is read only"));
            return Err(Unwind::Exit(2));
        }
        Ok(())
    }

    pub(crate) fn ifs(&self) -> String {
        self.get_var("IFS").unwrap_or_else(|| " \t\n".into())
    }

    fn exported_env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .vars
            .iter()
            .filter(|(_, var)| var.exported)
            .filter_map(|(name, var)| var.value.clone().map(|value| (name.clone(), value)))
            .collect();
        env.sort();
        env
    }

    /// The value of a parameter: a variable, a positional or a special parameter.
    fn param_value(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "#" => Some(self.positional.len().to_string()),
            "$" => Some(self.host.pid().to_string()),
            "!" => self.last_job.map(|job| job.to_string()),
            "0" => Some(self.arg0.clone()),
            "-" => Some(self.option_letters()),
            "@" | "*" => {
                if self.positional.is_empty() {
                    None
                } else {
                    let separator = self
                        .ifs()
                        .chars()
                        .next()
                        .map(String::from)
                        .unwrap_or_default();
                    Some(self.positional.join(&separator))
                }
            }
            _ if name.chars().all(|c| c.is_ascii_digit()) => {
                let index: usize = name.parse().ok()?;
                self.positional.get(index.checked_sub(1)?).cloned()
            }
            _ => self.get_var(name),
        }
    }

    pub(crate) fn option_letters(&self) -> String {
        let mut letters = String::new();
        for (on, letter) in [
            (self.options.errexit, 'e'),
            (self.options.noglob, 'f'),
            (self.options.noexec, 'n'),
            (self.options.nounset, 'u'),
            (self.options.verbose, 'v'),
            (self.options.xtrace, 'x'),
        ] {
            if on {
                letters.push(letter);
            }
        }
        letters
    }

    pub(crate) fn set_option_letter(&mut self, letter: char, on: bool) -> bool {
        match letter {
            'e' => self.options.errexit = on,
            'u' => self.options.nounset = on,
            'x' => self.options.xtrace = on,
            'f' => self.options.noglob = on,
            'v' => self.options.verbose = on,
            'n' => self.options.noexec = on,
            _ => return false,
        }
        true
    }

    pub(crate) fn set_option_name(&mut self, name: &str, on: bool) -> bool {
        match name {
            "errexit" => self.options.errexit = on,
            "nounset" => self.options.nounset = on,
            "xtrace" => self.options.xtrace = on,
            "noglob" => self.options.noglob = on,
            "verbose" => self.options.verbose = on,
            "noexec" => self.options.noexec = on,
            "pipefail" => self.options.pipefail = on,
            _ => return false,
        }
        true
    }

    // ---- descriptors -----------------------------------------------------------------------

    /// Writes to a descriptor. A full pipe ends the writer as a closed pipe would.
    pub(crate) fn write_fd(&mut self, fd: u32, bytes: &[u8]) -> Result<(), WriteError> {
        match self.fds.get(&fd).cloned() {
            Some(Fd::HostOut(stream)) => self
                .host
                .write_inherited(stream, bytes)
                .map_err(|_| WriteError::Failed),
            Some(Fd::Pipe(pipe)) => {
                let mut pipe = pipe.borrow_mut();
                if pipe.data.len() + bytes.len() > pipe.limit {
                    return Err(WriteError::BrokenPipe);
                }
                pipe.data.extend_from_slice(bytes);
                Ok(())
            }
            Some(Fd::File(path)) => self
                .host
                .write_file(&path, bytes, true)
                .map_err(|_| WriteError::Failed),
            Some(Fd::HostIn | Fd::Reader(_)) | None => Err(WriteError::BadDescriptor),
        }
    }

    /// Writes a builtin's output; a broken pipe ends the shell (or subshell) with 141.
    pub(crate) fn out(&mut self, fd: u32, text: &str) -> Result<bool, Unwind> {
        match self.write_fd(fd, text.as_bytes()) {
            Ok(()) => Ok(true),
            Err(WriteError::BrokenPipe) => Err(Unwind::Exit(141)),
            Err(_) => Ok(false),
        }
    }

    /// Reads one byte from a descriptor; `None` at end of file or on a closed descriptor.
    pub(crate) fn read_byte(&mut self, fd: u32) -> Option<u8> {
        match self.fds.get(&fd).cloned()? {
            Fd::HostIn => {
                let mut byte = [0u8; 1];
                match self.host.read_stdin(&mut byte) {
                    Ok(1) => Some(byte[0]),
                    _ => None,
                }
            }
            Fd::Reader(reader) => {
                let mut reader = reader.borrow_mut();
                let byte = reader.data.get(reader.pos).copied()?;
                reader.pos += 1;
                Some(byte)
            }
            _ => None,
        }
    }

    pub(crate) fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') {
            path.to_string()
        } else if self.cwd == "/" {
            format!("/{path}")
        } else {
            format!("{}/{path}", self.cwd)
        }
    }

    /// Applies redirections, returning what they replaced so the caller can restore it. A
    /// redirection that fails is reported and answers `Err(None)` (the command then has status
    /// 2, as in dash); a fatal expansion error answers the unwind.
    fn redirect(
        &mut self,
        redirects: &[Redirect],
    ) -> Result<Vec<(u32, Option<Fd>)>, Option<Unwind>> {
        let mut saved = Vec::new();
        for redirect in redirects {
            match self.redirect_one(redirect, &mut saved) {
                Ok(()) => {}
                Err(failure) => {
                    self.restore(saved);
                    return Err(match failure {
                        RedirectFailure::Message(message) => {
                            self.error_message(&message);
                            None
                        }
                        RedirectFailure::Unwind(unwind) => Some(unwind),
                    });
                }
            }
        }
        Ok(saved)
    }

    fn redirect_one(
        &mut self,
        redirect: &Redirect,
        saved: &mut Vec<(u32, Option<Fd>)>,
    ) -> Result<(), RedirectFailure> {
        let default_fd = match redirect.op {
            RedirectOp::Input
            | RedirectOp::ReadWrite
            | RedirectOp::DupInput
            | RedirectOp::HereDoc { .. } => 0,
            _ => 1,
        };
        let fd = redirect.fd.unwrap_or(default_fd);
        let new = match &redirect.op {
            RedirectOp::HereDoc { .. } => {
                let body = self
                    .expand_string(&redirect.target, false)
                    .map_err(RedirectFailure::Unwind)?;
                Some(Fd::Reader(Rc::new(RefCell::new(Reader {
                    data: body.into_bytes(),
                    pos: 0,
                }))))
            }
            op => {
                let target = self
                    .expand_string(&redirect.target, false)
                    .map_err(RedirectFailure::Unwind)?;
                match op {
                    RedirectOp::Input | RedirectOp::ReadWrite => {
                        let path = self.absolute(&target);
                        if *op == RedirectOp::ReadWrite && self.host.stat(&path, true).is_none() {
                            self.host.write_file(&path, b"", false).map_err(|e| {
                                RedirectFailure::Message(format!(
                                    "cannot create {target}: {}",
                                    io_message(&e)
                                ))
                            })?;
                        }
                        let data = self.host.read_file(&path).map_err(|e| {
                            RedirectFailure::Message(format!(
                                "cannot open {target}: {}",
                                if e.kind() == std::io::ErrorKind::NotFound {
                                    "No such file"
                                } else {
                                    io_message(&e)
                                }
                            ))
                        })?;
                        Some(Fd::Reader(Rc::new(RefCell::new(Reader { data, pos: 0 }))))
                    }
                    RedirectOp::Output | RedirectOp::Append => {
                        let path = self.absolute(&target);
                        self.host
                            .write_file(&path, b"", *op == RedirectOp::Append)
                            .map_err(|e| {
                                RedirectFailure::Message(format!(
                                    "cannot create {target}: {}",
                                    io_message(&e)
                                ))
                            })?;
                        Some(Fd::File(path))
                    }
                    RedirectOp::DupInput | RedirectOp::DupOutput => {
                        if target == "-" {
                            None
                        } else {
                            let source: u32 = target.parse().map_err(|_| {
                                RedirectFailure::Message(format!("{target}: bad number"))
                            })?;
                            match self.fds.get(&source) {
                                Some(existing) => Some(existing.clone()),
                                None => {
                                    return Err(RedirectFailure::Message(format!(
                                        "{source}: Bad file descriptor"
                                    )));
                                }
                            }
                        }
                    }
                    RedirectOp::HereDoc { .. } => None,
                }
            }
        };
        let previous = match new {
            Some(fd_value) => self.fds.insert(fd, fd_value),
            None => self.fds.remove(&fd),
        };
        saved.push((fd, previous));
        Ok(())
    }

    fn restore(&mut self, saved: Vec<(u32, Option<Fd>)>) {
        for (fd, previous) in saved.into_iter().rev() {
            match previous {
                Some(value) => {
                    self.fds.insert(fd, value);
                }
                None => {
                    self.fds.remove(&fd);
                }
            }
        }
    }

    // ---- running ---------------------------------------------------------------------------

    pub(crate) fn check_stop(&mut self) -> Result<(), Unwind> {
        if let Some(code) = self.host_stop() {
            return Err(Unwind::Exit(code));
        }
        if self.host.take_term()
            && let Some(action) = self.traps.get("TERM").filter(|a| !a.is_empty()).cloned()
        {
            // The trap runs in the shell's own context; `$?` is kept across it, as POSIX says.
            let status = self.status;
            self.eval_string(&action)?;
            self.status = status;
        }
        Ok(())
    }

    fn host_stop(&mut self) -> Option<i32> {
        self.host.interrupted()
    }

    pub(crate) fn run_list(&mut self, list: &List) -> Exec {
        let mut status = self.status;
        for item in list {
            if item.background {
                // Run to completion now (see the module docs), recorded as a job.
                let job = self.next_job;
                self.next_job += 1;
                let saved_errexit = self.errexit_suppressed;
                self.errexit_suppressed += 1;
                let result = self.subshell(|shell| shell.run_and_or(&item.and_or));
                self.errexit_suppressed = saved_errexit;
                self.job_statuses.insert(job, result);
                self.last_job = Some(job);
                status = 0;
                self.status = 0;
            } else {
                status = self.run_and_or(&item.and_or)?;
            }
        }
        Ok(status)
    }

    fn run_and_or(&mut self, and_or: &AndOr) -> Exec {
        let last = and_or.rest.is_empty();
        let mut status = self.run_pipeline_checked(&and_or.first, !last)?;
        for (index, (connector, pipeline)) in and_or.rest.iter().enumerate() {
            let run = match connector {
                Connector::And => status == 0,
                Connector::Or => status != 0,
            };
            if run {
                let is_last = index + 1 == and_or.rest.len();
                status = self.run_pipeline_checked(pipeline, !is_last)?;
            }
        }
        Ok(status)
    }

    fn run_pipeline_checked(&mut self, pipeline: &Pipeline, suppressed: bool) -> Exec {
        if suppressed || pipeline.bang {
            self.errexit_suppressed += 1;
        }
        let result = self.run_pipeline(pipeline);
        if suppressed || pipeline.bang {
            self.errexit_suppressed -= 1;
        }
        let mut status = result?;
        if pipeline.bang {
            status = i32::from(status == 0);
        }
        self.status = status;
        if status != 0
            && self.options.errexit
            && self.errexit_suppressed == 0
            && !suppressed
            && !pipeline.bang
        {
            return Err(Unwind::Exit(status));
        }
        Ok(status)
    }

    fn run_pipeline(&mut self, pipeline: &Pipeline) -> Exec {
        if pipeline.commands.len() == 1 {
            return self.run_command(&pipeline.commands[0]);
        }
        let mut input: Option<Vec<u8>> = None;
        let mut statuses = Vec::new();
        let count = pipeline.commands.len();
        for (index, command) in pipeline.commands.iter().enumerate() {
            let last = index + 1 == count;
            let capture = Rc::new(RefCell::new(PipeBuffer {
                data: Vec::new(),
                limit: PIPE_LIMIT,
            }));
            let stage_input = input.take();
            let capture_for_stage = capture.clone();
            let status = self.subshell(move |shell| {
                shell.fds.insert(
                    0,
                    match stage_input {
                        Some(data) => Fd::Reader(Rc::new(RefCell::new(Reader { data, pos: 0 }))),
                        None => shell.fds.get(&0).cloned().unwrap_or(Fd::HostIn),
                    },
                );
                if !last {
                    shell.fds.insert(1, Fd::Pipe(capture_for_stage));
                }
                shell.run_command(command)
            });
            statuses.push(status);
            if !last {
                input = Some(std::mem::take(&mut capture.borrow_mut().data));
            }
            self.check_stop()?;
        }
        let last_status = statuses.last().copied().unwrap_or(0);
        if self.options.pipefail {
            return Ok(statuses
                .iter()
                .rev()
                .copied()
                .find(|status| *status != 0)
                .unwrap_or(0));
        }
        Ok(last_status)
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            vars: self.vars.clone(),
            functions: self.functions.clone(),
            positional: self.positional.clone(),
            cwd: self.cwd.clone(),
            options: self.options,
            fds: self.fds.clone(),
            traps: self.traps.clone(),
            locals: self.locals.clone(),
        }
    }

    fn restore_snapshot(&mut self, snapshot: Snapshot) {
        self.vars = snapshot.vars;
        self.functions = snapshot.functions;
        self.positional = snapshot.positional;
        self.cwd = snapshot.cwd;
        self.options = snapshot.options;
        self.fds = snapshot.fds;
        self.traps = snapshot.traps;
        self.locals = snapshot.locals;
    }

    /// Runs `body` as a subshell: nothing it changes survives, and `exit` ends only it.
    pub(crate) fn subshell(&mut self, body: impl FnOnce(&mut Self) -> Exec) -> i32 {
        let snapshot = self.snapshot();
        let saved_loop_depth = self.loop_depth;
        self.loop_depth = 0;
        // Traps are not inherited by subshells (ignored ones would be; none are kept here).
        self.traps.clear();
        let status = match body(self) {
            Ok(status) => status,
            Err(Unwind::Exit(code)) | Err(Unwind::Return(code)) => code,
            Err(Unwind::Break(_) | Unwind::Continue(_)) => self.status,
        };
        self.status = status;
        let status = self.run_exit_trap();
        self.loop_depth = saved_loop_depth;
        self.restore_snapshot(snapshot);
        self.status = status;
        status
    }

    fn enter(&mut self) -> Result<(), Unwind> {
        self.depth += 1;
        if self.depth > MAX_CALL_DEPTH {
            self.depth -= 1;
            self.error_message("nesting too deep");
            return Err(Unwind::Exit(2));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn run_command(&mut self, command: &Command) -> Exec {
        self.check_stop()?;
        match command {
            Command::Simple(simple) => self.run_simple(simple),
            Command::FunctionDef(name, body) => {
                self.functions.insert(name.clone(), body.clone());
                Ok(0)
            }
            Command::Compound(compound, redirects) => {
                let saved = match self.redirect(redirects) {
                    Ok(saved) => saved,
                    Err(None) => return Ok(2),
                    Err(Some(unwind)) => return Err(unwind),
                };
                let result = self.run_compound(compound);
                self.restore(saved);
                result
            }
        }
    }

    fn run_compound(&mut self, compound: &Compound) -> Exec {
        match compound {
            Compound::Brace(list) => self.run_list(list),
            Compound::Subshell(list) => {
                let list = list.clone();
                Ok(self.subshell(move |shell| shell.run_list(&list)))
            }
            Compound::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    if self.run_condition(condition)? == 0 {
                        return self.run_list(body);
                    }
                }
                match otherwise {
                    Some(body) => self.run_list(body),
                    None => Ok(0),
                }
            }
            Compound::Loop {
                until,
                condition,
                body,
            } => {
                let mut status = 0;
                self.loop_depth += 1;
                let result = loop {
                    if let Err(unwind) = self.check_stop() {
                        break Err(unwind);
                    }
                    let test = match self.run_condition(condition) {
                        Ok(test) => test,
                        Err(Unwind::Break(n)) => break self.loop_break(n, status),
                        Err(Unwind::Continue(n)) if n <= 1 => continue,
                        Err(Unwind::Continue(n)) => break Err(Unwind::Continue(n - 1)),
                        Err(other) => break Err(other),
                    };
                    if (test == 0) == *until {
                        break Ok(status);
                    }
                    match self.run_list(body) {
                        Ok(s) => status = s,
                        Err(Unwind::Break(n)) => break self.loop_break(n, 0),
                        Err(Unwind::Continue(n)) if n <= 1 => {}
                        Err(Unwind::Continue(n)) => break Err(Unwind::Continue(n - 1)),
                        Err(other) => break Err(other),
                    }
                };
                self.loop_depth -= 1;
                result
            }
            Compound::For {
                variable,
                words,
                body,
            } => {
                let items = match words {
                    Some(words) => {
                        let mut items = Vec::new();
                        for word in words {
                            items.extend(self.expand_fields(word)?);
                        }
                        items
                    }
                    None => self.positional.clone(),
                };
                let mut status = 0;
                self.loop_depth += 1;
                let mut result = Ok(0);
                for item in items {
                    if let Err(unwind) = self.check_stop() {
                        result = Err(unwind);
                        break;
                    }
                    if let Err(unwind) = self.assign(variable, &item) {
                        result = Err(unwind);
                        break;
                    }
                    match self.run_list(body) {
                        Ok(s) => status = s,
                        Err(Unwind::Break(n)) => {
                            result = self.loop_break(n, 0);
                            status = 0;
                            if result.is_ok() {
                                result = Ok(0);
                            }
                            break;
                        }
                        Err(Unwind::Continue(n)) if n <= 1 => {}
                        Err(Unwind::Continue(n)) => {
                            result = Err(Unwind::Continue(n - 1));
                            break;
                        }
                        Err(other) => {
                            result = Err(other);
                            break;
                        }
                    }
                    result = Ok(status);
                }
                self.loop_depth -= 1;
                result.map(|_| status)
            }
            Compound::Case { subject, arms } => {
                let subject = self.expand_string(subject, false)?;
                for arm in arms {
                    for pattern_word in &arm.patterns {
                        let pattern = self.expand_pattern(pattern_word)?;
                        if pattern::matches(&pattern, &subject) {
                            return self.run_list(&arm.body);
                        }
                    }
                }
                Ok(0)
            }
        }
    }

    fn loop_break(&self, n: usize, status: i32) -> Exec {
        if n <= 1 {
            Ok(status)
        } else {
            Err(Unwind::Break(n - 1))
        }
    }

    fn run_condition(&mut self, condition: &List) -> Exec {
        self.errexit_suppressed += 1;
        let result = self.run_list(condition);
        self.errexit_suppressed -= 1;
        result
    }

    pub(crate) fn eval_string(&mut self, source: &str) -> Exec {
        match crate::parse::parse(source) {
            Ok(list) => {
                self.enter()?;
                let result = self.run_list(&list);
                self.leave();
                result
            }
            Err(error) => {
                self.error_message(&error.to_string());
                Err(Unwind::Exit(2))
            }
        }
    }

    fn run_simple(&mut self, command: &SimpleCommand) -> Exec {
        self.line = command.line;
        self.substitution_status = None;
        let mut argv = Vec::new();
        for word in &command.words {
            argv.extend(self.expand_fields(word)?);
        }
        let mut assignments = Vec::new();
        for (name, value) in &command.assignments {
            assignments.push((name.clone(), self.expand_string(value, false)?));
        }
        if self.options.xtrace {
            let mut trace: Vec<String> = assignments
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            trace.extend(argv.iter().cloned());
            let ps4 = self.get_var("PS4").unwrap_or_else(|| "+ ".into());
            self.out(2, &format!("{ps4}{}\n", trace.join(" ")))?;
        }
        if argv.is_empty() {
            for (name, value) in &assignments {
                self.assign(name, value)?;
            }
            let saved = match self.redirect(&command.redirects) {
                Ok(saved) => saved,
                Err(None) => return Ok(2),
                Err(Some(unwind)) => return Err(unwind),
            };
            self.restore(saved);
            return Ok(self.substitution_status.unwrap_or(0));
        }
        let name = argv[0].clone();
        // `exec` with no command makes its redirections permanent.
        if name == "exec" && argv.len() == 1 {
            return match self.redirect(&command.redirects) {
                Ok(_) => Ok(0),
                Err(None) => Err(Unwind::Exit(2)),
                Err(Some(unwind)) => Err(unwind),
            };
        }
        let saved = match self.redirect(&command.redirects) {
            Ok(saved) => saved,
            Err(None) => return Ok(2),
            Err(Some(unwind)) => return Err(unwind),
        };
        let result = self.run_argv(&name, argv, &assignments, false);
        self.restore(saved);
        result
    }

    /// Runs a command by name: special builtins, functions, builtins, then the host.
    pub(crate) fn run_argv(
        &mut self,
        name: &str,
        argv: Vec<String>,
        assignments: &[(String, String)],
        skip_functions: bool,
    ) -> Exec {
        if crate::builtins::is_special(name) {
            for (var, value) in assignments {
                self.assign(var, value)?;
            }
            return self.builtin(name, &argv);
        }
        if !skip_functions && let Some(body) = self.functions.get(name).cloned() {
            return self.call_function(&body, argv, assignments);
        }
        if crate::builtins::is_regular(name) {
            let saved: Vec<(String, Option<Var>)> = assignments
                .iter()
                .map(|(var, _)| (var.clone(), self.vars.get(var).cloned()))
                .collect();
            for (var, value) in assignments {
                self.assign(var, value)?;
            }
            let result = self.builtin(name, &argv);
            for (var, previous) in saved {
                match previous {
                    Some(previous) => {
                        self.vars.insert(var, previous);
                    }
                    None => {
                        self.vars.remove(&var);
                    }
                }
            }
            return result;
        }
        self.run_external(argv, assignments)
    }

    fn call_function(
        &mut self,
        body: &Command,
        argv: Vec<String>,
        assignments: &[(String, String)],
    ) -> Exec {
        self.enter()?;
        let saved_positional = std::mem::replace(&mut self.positional, argv[1..].to_vec());
        self.locals.push(Vec::new());
        for (var, value) in assignments {
            self.local(var);
            self.assign(var, value)?;
        }
        let result = self.run_command(body);
        if let Some(frame) = self.locals.pop() {
            for (name, previous) in frame.into_iter().rev() {
                match previous {
                    Some(var) => {
                        self.vars.insert(name, var);
                    }
                    None => {
                        self.vars.remove(&name);
                    }
                }
            }
        }
        self.positional = saved_positional;
        self.leave();
        match result {
            Err(Unwind::Return(code)) => Ok(code),
            other => other,
        }
    }

    /// Makes `name` local to the current function (its value restored on return).
    pub(crate) fn local(&mut self, name: &str) -> bool {
        let previous = self.vars.get(name).cloned();
        match self.locals.last_mut() {
            Some(frame) => {
                if !frame.iter().any(|(n, _)| n == name) {
                    frame.push((name.to_string(), previous));
                }
                true
            }
            None => false,
        }
    }

    fn run_external(&mut self, argv: Vec<String>, assignments: &[(String, String)]) -> Exec {
        let name = argv[0].clone();
        let mut env = self.exported_env();
        for (var, value) in assignments {
            env.retain(|(n, _)| n != var);
            env.push((var.clone(), value.clone()));
        }
        let stdin = match self.fds.get(&0).cloned() {
            Some(Fd::HostIn) => Input::Inherit,
            Some(Fd::Reader(reader)) => {
                let mut reader = reader.borrow_mut();
                let rest = reader.data.get(reader.pos..).unwrap_or_default().to_vec();
                reader.pos = reader.data.len();
                Input::Bytes(rest)
            }
            _ => Input::Closed,
        };
        let output_for = |fd: Option<&Fd>| match fd {
            Some(Fd::HostOut(stream)) => (Output::Inherit(*stream), None),
            Some(Fd::Pipe(pipe)) => (Output::Collect, Some(pipe.clone())),
            Some(Fd::File(path)) => (Output::File(path.clone()), None),
            _ => (Output::Closed, None),
        };
        let (stdout, out_pipe) = output_for(self.fds.get(&1));
        let (stderr, err_pipe) = output_for(self.fds.get(&2));
        let invocation = Invocation {
            argv,
            env,
            cwd: self.cwd.clone(),
            stdin,
            stdout,
            stderr,
        };
        let mut collect = |fd: u8, bytes: &[u8]| -> bool {
            let pipe = if fd == 2 { &err_pipe } else { &out_pipe };
            match pipe {
                Some(pipe) => {
                    let mut pipe = pipe.borrow_mut();
                    if pipe.data.len() + bytes.len() > pipe.limit {
                        return false;
                    }
                    pipe.data.extend_from_slice(bytes);
                    true
                }
                None => true,
            }
        };
        match self.host.run(invocation, &mut collect) {
            Ok(status) => Ok(status),
            Err(RunError::NotFound) => {
                self.error_message(&format!("{name}: not found"));
                Ok(127)
            }
            Err(RunError::NotExecutable) => {
                self.error_message(&format!("{name}: Permission denied"));
                Ok(126)
            }
        }
    }

    // ---- expansion -------------------------------------------------------------------------

    /// A word expanded into fields (splitting and globbing).
    pub(crate) fn expand_fields(&mut self, word: &Word) -> Result<Vec<String>, Unwind> {
        let mut pieces = Vec::new();
        self.expand_parts(word, false, false, &mut pieces)?;
        let fields = split_fields(&pieces, &self.ifs());
        let mut out = Vec::new();
        for field in fields {
            if !self.options.noglob && pattern::has_magic(&field) {
                let matches = self.glob(&field);
                if !matches.is_empty() {
                    out.extend(matches);
                    continue;
                }
            }
            out.push(field.iter().map(|(c, _)| *c).collect());
        }
        Ok(out)
    }

    /// A word expanded into one string (no splitting or globbing): assignments, redirection
    /// targets, `case` subjects, here-documents.
    pub(crate) fn expand_string(&mut self, word: &Word, in_double: bool) -> Result<String, Unwind> {
        let mut pieces = Vec::new();
        self.expand_parts(word, in_double, false, &mut pieces)?;
        let mut text = String::new();
        for piece in pieces {
            if let Piece::Text { text: t, .. } = piece {
                text.push_str(&t);
            } else {
                text.push(' ');
            }
        }
        Ok(text)
    }

    fn expand_pattern(&mut self, word: &Word) -> Result<Vec<PatternChar>, Unwind> {
        let mut pieces = Vec::new();
        self.expand_parts(word, false, false, &mut pieces)?;
        let mut pattern = Vec::new();
        for piece in pieces {
            if let Piece::Text { text, quoted, .. } = piece {
                pattern.extend(text.chars().map(|c| (c, quoted)));
            }
        }
        Ok(pattern)
    }

    fn expand_parts(
        &mut self,
        parts: &[WordPart],
        in_double: bool,
        split_literals: bool,
        out: &mut Vec<Piece>,
    ) -> Result<(), Unwind> {
        for part in parts {
            match part {
                WordPart::Literal(text) => out.push(Piece::Text {
                    text: text.clone(),
                    quoted: in_double,
                    split: split_literals && !in_double,
                }),
                WordPart::Quoted(text) => out.push(Piece::Text {
                    text: text.clone(),
                    quoted: true,
                    split: false,
                }),
                WordPart::DoubleQuoted(inner) => {
                    let has_at = inner.iter().any(|p| {
                        matches!(p, WordPart::Param(param) if param.name == "@" && matches!(param.op, ParamOp::Plain))
                    });
                    if !has_at {
                        out.push(Piece::Text {
                            text: String::new(),
                            quoted: true,
                            split: false,
                        });
                    }
                    self.expand_parts(inner, true, false, out)?;
                }
                WordPart::Tilde(user) => {
                    let text = if user.is_empty() {
                        self.get_var("HOME").unwrap_or_else(|| "~".into())
                    } else {
                        format!("~{user}")
                    };
                    out.push(Piece::Text {
                        text,
                        quoted: true,
                        split: false,
                    });
                }
                WordPart::Param(param) => self.expand_param(param, in_double, out)?,
                WordPart::CommandSubstitution(list) => {
                    let text = self.command_substitution(list)?;
                    out.push(Piece::Text {
                        text,
                        quoted: in_double,
                        split: !in_double,
                    });
                }
                WordPart::Arithmetic(inner) => {
                    let expression = self.expand_string(inner, true)?;
                    let value = self.arithmetic(&expression)?;
                    out.push(Piece::Text {
                        text: value.to_string(),
                        quoted: in_double,
                        split: !in_double,
                    });
                }
            }
        }
        Ok(())
    }

    pub(crate) fn arithmetic(&mut self, expression: &str) -> Result<i64, Unwind> {
        struct Vars<'a, H: Host>(&'a mut Shell<H>, Option<String>);
        impl<H: Host> crate::arith::Variables for Vars<'_, H> {
            fn get(&mut self, name: &str) -> Option<String> {
                self.0.param_value(name)
            }
            fn set(&mut self, name: &str, value: i64) {
                if !self.0.set_var(name, &value.to_string()) {
                    self.1 = Some(name.to_string());
                }
            }
        }
        let mut vars = Vars(self, None);
        let result = crate::arith::evaluate(expression, &mut vars);
        let readonly = vars.1.take();
        if let Some(name) = readonly {
            self.error_message(&format!("{name}: is read only"));
            return Err(Unwind::Exit(2));
        }
        match result {
            Ok(value) => Ok(value),
            Err(message) => {
                self.error_message(&message);
                Err(Unwind::Exit(2))
            }
        }
    }

    fn command_substitution(&mut self, list: &Rc<List>) -> Result<String, Unwind> {
        self.enter()?;
        let capture = Rc::new(RefCell::new(PipeBuffer {
            data: Vec::new(),
            limit: PIPE_LIMIT,
        }));
        let capture_for_shell = capture.clone();
        let list = list.clone();
        let status = self.subshell(move |shell| {
            shell.fds.insert(1, Fd::Pipe(capture_for_shell));
            shell.run_list(&list)
        });
        self.leave();
        self.substitution_status = Some(status);
        self.status = status;
        let data = std::mem::take(&mut capture.borrow_mut().data);
        let mut text = String::from_utf8_lossy(&data).into_owned();
        while text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }

    fn expand_param(
        &mut self,
        param: &ParamExpansion,
        in_double: bool,
        out: &mut Vec<Piece>,
    ) -> Result<(), Unwind> {
        let name = param.name.as_str();
        let value = self.param_value(name);
        let is_set = value.is_some();
        let is_null = value.as_deref().is_none_or(str::is_empty);
        match &param.op {
            ParamOp::Plain => {
                if !is_set && self.options.nounset && name != "@" && name != "*" {
                    self.error_message(&format!("{name}: parameter not set"));
                    return Err(Unwind::Exit(2));
                }
                if name == "@" || (name == "*" && !in_double) {
                    for (index, arg) in self.positional.clone().into_iter().enumerate() {
                        if index > 0 {
                            out.push(Piece::Break);
                        }
                        out.push(Piece::Text {
                            text: arg,
                            quoted: in_double,
                            split: !in_double,
                        });
                    }
                    return Ok(());
                }
                out.push(Piece::Text {
                    text: value.unwrap_or_default(),
                    quoted: in_double,
                    split: !in_double,
                });
            }
            ParamOp::Length => {
                if !is_set && self.options.nounset {
                    self.error_message(&format!("{name}: parameter not set"));
                    return Err(Unwind::Exit(2));
                }
                let length = value.unwrap_or_default().chars().count();
                out.push(Piece::Text {
                    text: length.to_string(),
                    quoted: in_double,
                    split: !in_double,
                });
            }
            ParamOp::Default { colon, word } => {
                if !is_set || (*colon && is_null) {
                    self.expand_parts(word, in_double, true, out)?;
                } else {
                    self.expand_param(
                        &ParamExpansion {
                            name: name.to_string(),
                            op: ParamOp::Plain,
                        },
                        in_double,
                        out,
                    )?;
                }
            }
            ParamOp::Assign { colon, word } => {
                if !is_set || (*colon && is_null) {
                    if !crate::parse::is_name(name) {
                        self.error_message(&format!("{name}: bad variable name"));
                        return Err(Unwind::Exit(2));
                    }
                    let text = self.expand_string(word, in_double)?;
                    self.assign(name, &text)?;
                }
                out.push(Piece::Text {
                    text: self.param_value(name).unwrap_or_default(),
                    quoted: in_double,
                    split: !in_double,
                });
            }
            ParamOp::Error { colon, word } => {
                if !is_set || (*colon && is_null) {
                    let message = self.expand_string(word, true)?;
                    let message = if message.is_empty() {
                        if *colon {
                            "parameter null or not set".to_string()
                        } else {
                            "parameter not set".to_string()
                        }
                    } else {
                        message
                    };
                    self.error_message(&format!("{name}: {message}"));
                    return Err(Unwind::Exit(2));
                }
                out.push(Piece::Text {
                    text: value.unwrap_or_default(),
                    quoted: in_double,
                    split: !in_double,
                });
            }
            ParamOp::Alternative { colon, word } => {
                if is_set && !(*colon && is_null) {
                    self.expand_parts(word, in_double, true, out)?;
                }
            }
            ParamOp::RemovePrefix { largest, pattern }
            | ParamOp::RemoveSuffix { largest, pattern } => {
                if !is_set && self.options.nounset {
                    self.error_message(&format!("{name}: parameter not set"));
                    return Err(Unwind::Exit(2));
                }
                let pattern = self.expand_pattern(pattern)?;
                let value = value.unwrap_or_default();
                let text = if matches!(param.op, ParamOp::RemovePrefix { .. }) {
                    pattern::remove_prefix(&value, &pattern, *largest)
                } else {
                    pattern::remove_suffix(&value, &pattern, *largest)
                };
                out.push(Piece::Text {
                    text,
                    quoted: in_double,
                    split: !in_double,
                });
            }
        }
        Ok(())
    }

    /// Pathname expansion of one field; empty when nothing matches.
    fn glob(&mut self, pattern: &[PatternChar]) -> Vec<String> {
        let absolute = pattern.first().is_some_and(|(c, _)| *c == '/');
        let components: Vec<&[PatternChar]> = pattern
            .split(|(c, _)| *c == '/')
            .filter(|component| !component.is_empty())
            .collect();
        // Each candidate: (path as shown, path for the host).
        let mut candidates: Vec<String> = vec![if absolute { "/".into() } else { String::new() }];
        for (index, component) in components.iter().enumerate() {
            let last = index + 1 == components.len();
            let mut next = Vec::new();
            for base in &candidates {
                let dir = if base.is_empty() {
                    self.cwd.clone()
                } else {
                    self.absolute(base)
                };
                if pattern::has_magic(component) {
                    let Ok(mut names) = self.host.read_dir(&dir) else {
                        continue;
                    };
                    names.sort();
                    let dot_ok = component.first().is_some_and(|(c, _)| *c == '.');
                    for name in names {
                        if name.starts_with('.') && !dot_ok {
                            continue;
                        }
                        if pattern::matches(component, &name) {
                            let path = join_display(base, &name);
                            if !last {
                                let full = self.absolute(&path);
                                if !matches!(
                                    self.host.stat(&full, true),
                                    Some(host::FileInfo {
                                        kind: host::FileKind::Directory,
                                        ..
                                    })
                                ) {
                                    continue;
                                }
                            }
                            next.push(path);
                        }
                    }
                } else {
                    let name: String = component.iter().map(|(c, _)| *c).collect();
                    let path = join_display(base, &name);
                    let full = self.absolute(&path);
                    if self.host.stat(&full, false).is_some() {
                        next.push(path);
                    }
                }
            }
            candidates = next;
            if candidates.is_empty() {
                break;
            }
        }
        if pattern.last().is_some_and(|(c, _)| *c == '/') {
            candidates = candidates.into_iter().map(|c| format!("{c}/")).collect();
        }
        candidates
    }
}

fn join_display(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else if base.ends_with('/') {
        format!("{base}{name}")
    } else {
        format!("{base}/{name}")
    }
}

enum RedirectFailure {
    Message(String),
    Unwind(Unwind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteError {
    BrokenPipe,
    BadDescriptor,
    Failed,
}

pub(crate) fn io_message(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::NotFound => "Directory nonexistent",
        std::io::ErrorKind::PermissionDenied => "Permission denied",
        std::io::ErrorKind::IsADirectory => "Is a directory",
        std::io::ErrorKind::ReadOnlyFilesystem => "Read-only file system",
        _ => "I/O error",
    }
}

/// A piece of an expanded word.
#[derive(Debug, Clone)]
enum Piece {
    Text {
        text: String,
        /// Quoted text is never split or globbed, and keeps an otherwise empty field.
        quoted: bool,
        /// Unquoted results of expansions are split on `IFS`.
        split: bool,
    },
    /// A field boundary (`"$@"`).
    Break,
}

/// Field splitting: fields of pattern characters (quoted ones marked).
fn split_fields(pieces: &[Piece], ifs: &str) -> Vec<Vec<PatternChar>> {
    let mut fields = Vec::new();
    let mut current: Vec<PatternChar> = Vec::new();
    let mut keep = false;
    // Whether the last delimiter was IFS white space (so a following non-white delimiter does
    // not make an empty field).
    let mut after_white = false;
    for piece in pieces {
        match piece {
            Piece::Break => {
                fields.push(std::mem::take(&mut current));
                keep = false;
                after_white = false;
            }
            Piece::Text {
                text,
                quoted,
                split,
            } => {
                if *quoted {
                    keep = true;
                }
                if !*split {
                    if !text.is_empty() {
                        after_white = false;
                    }
                    current.extend(text.chars().map(|c| (c, *quoted)));
                    if !text.is_empty() {
                        keep = true;
                    }
                    continue;
                }
                for c in text.chars() {
                    if ifs.contains(c) {
                        if c == ' ' || c == '\t' || c == '\n' {
                            if keep || !current.is_empty() {
                                fields.push(std::mem::take(&mut current));
                                keep = false;
                            }
                            after_white = true;
                        } else {
                            if keep || !current.is_empty() || !after_white {
                                fields.push(std::mem::take(&mut current));
                                keep = false;
                            }
                            after_white = false;
                        }
                    } else {
                        current.push((c, false));
                        keep = true;
                        after_white = false;
                    }
                }
            }
        }
    }
    if keep || !current.is_empty() {
        fields.push(current);
    }
    fields
}
