//! The builtins: special builtins (whose assignments persist and whose errors end a
//! non-interactive shell) and regular ones. `test`/`[` and `printf` live in their own modules.
//! Messages follow dash's wording, prefixed `sh: NAME: `.

use crate::eval::{Exec, Shell, Unwind, Var};
use crate::host::{FileKind, Host};

const SPECIAL: [&str; 15] = [
    ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "trap", "unset", "source",
];

const REGULAR: [&str; 14] = [
    "true", "false", "echo", "printf", "test", "[", "cd", "pwd", "read", "wait", "local",
    "command", "type", "getopts",
];

pub(crate) fn is_special(name: &str) -> bool {
    SPECIAL.contains(&name)
}

pub(crate) fn is_regular(name: &str) -> bool {
    REGULAR.contains(&name)
}

pub(crate) fn is_builtin(name: &str) -> bool {
    is_special(name) || is_regular(name)
}

/// Signal names `trap` accepts, by number.
const SIGNALS: [(&str, u32); 10] = [
    ("EXIT", 0),
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("KILL", 9),
    ("USR1", 10),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
];

fn signal_name(spec: &str) -> Option<&'static str> {
    let upper = spec.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(name, number)| *name == bare || number.to_string() == bare)
        .map(|(name, _)| *name)
}

impl<H: Host> Shell<H> {
    pub(crate) fn builtin(&mut self, name: &str, argv: &[String]) -> Exec {
        let args = &argv[1..];
        match name {
            ":" | "true" => Ok(0),
            "false" => Ok(1),
            "echo" => self.echo(args),
            "printf" => crate::printf::printf(self, args),
            "test" => Ok(self.test_builtin("test", args)),
            "[" => {
                if args.last().map(String::as_str) != Some("]") {
                    self.error_message("[: missing ]");
                    return Ok(2);
                }
                Ok(self.test_builtin("[", &args[..args.len() - 1]))
            }
            "cd" => self.cd(args),
            "pwd" => {
                let cwd = self.cwd.clone();
                self.out(1, &format!("{cwd}\n"))?;
                Ok(0)
            }
            "export" | "readonly" => self.export(name, args),
            "unset" => self.unset(args),
            "read" => self.read(args),
            "shift" => {
                let count = match args.first() {
                    Some(n) => match n.parse::<usize>() {
                        Ok(n) => n,
                        Err(_) => {
                            self.error_message(&format!("shift: Illegal number: {n}"));
                            return Err(Unwind::Exit(2));
                        }
                    },
                    None => 1,
                };
                if count > self.positional.len() {
                    self.error_message("shift: can't shift that many");
                    return Err(Unwind::Exit(2));
                }
                self.positional.drain(..count);
                Ok(0)
            }
            "set" => self.set(args),
            "eval" => {
                if args.is_empty() {
                    return Ok(0);
                }
                self.eval_string(&args.join(" "))
            }
            "." | "source" => self.dot(args),
            "exit" => {
                let code = match args.first() {
                    Some(n) => match n.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            self.error_message(&format!("exit: Illegal number: {n}"));
                            2
                        }
                    },
                    None => self.status,
                };
                Err(Unwind::Exit(code))
            }
            "return" => {
                let code = match args.first() {
                    Some(n) => match n.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            self.error_message(&format!("return: Illegal number: {n}"));
                            return Err(Unwind::Exit(2));
                        }
                    },
                    None => self.status,
                };
                Err(Unwind::Return(code))
            }
            "break" | "continue" => {
                let count = match args.first() {
                    Some(n) => match n.parse::<usize>() {
                        Ok(n) if n > 0 => n,
                        _ => {
                            self.error_message(&format!("{name}: Illegal number: {n}"));
                            return Err(Unwind::Exit(2));
                        }
                    },
                    None => 1,
                };
                if self.loop_depth == 0 {
                    return Ok(0);
                }
                let count = count.min(self.loop_depth);
                Err(if name == "break" {
                    Unwind::Break(count)
                } else {
                    Unwind::Continue(count)
                })
            }
            "local" => {
                for arg in args {
                    let (var, value) = match arg.split_once('=') {
                        Some((var, value)) => (var, Some(value)),
                        None => (arg.as_str(), None),
                    };
                    if !crate::parse::is_name(var) {
                        self.error_message(&format!("local: {var}: bad variable name"));
                        return Err(Unwind::Exit(2));
                    }
                    if !self.local(var) {
                        self.error_message("local: not in a function");
                        return Ok(2);
                    }
                    if let Some(value) = value {
                        self.assign(var, value)?;
                    }
                }
                Ok(0)
            }
            "trap" => self.trap(args),
            "wait" => {
                if args.is_empty() {
                    return Ok(0);
                }
                let mut status = 0;
                for arg in args {
                    status = match arg
                        .parse::<u32>()
                        .ok()
                        .and_then(|job| self.job_statuses.get(&job))
                    {
                        Some(code) => *code,
                        None => 127,
                    };
                }
                Ok(status)
            }
            "exec" if args.is_empty() => Ok(0),
            "exec" => {
                // `exec cmd`: the shell has no process to replace; run it and end with its status.
                let status = self.run_argv(&args[0], args.to_vec(), &[], true)?;
                Err(Unwind::Exit(status))
            }
            "command" => self.command(args),
            "type" => {
                let mut status = 0;
                for arg in args {
                    let line = if self.functions.contains_key(arg) {
                        format!("{arg} is a shell function\n")
                    } else if is_special(arg) {
                        format!("{arg} is a special shell builtin\n")
                    } else if is_builtin(arg) {
                        format!("{arg} is a shell builtin\n")
                    } else {
                        let path = self.get_var("PATH").unwrap_or_default();
                        let cwd = self.cwd.clone();
                        match self.host.find_command(arg, &path, &cwd) {
                            Some(found) => format!("{arg} is {found}\n"),
                            None => {
                                status = 127;
                                format!("{arg}: not found\n")
                            }
                        }
                    };
                    self.out(1, &line)?;
                }
                Ok(status)
            }
            "getopts" => self.getopts(args),
            _ => Ok(127),
        }
    }

    fn echo(&mut self, args: &[String]) -> Exec {
        // dash's echo: only `-n`, and backslash escapes always interpreted.
        let (newline, args) = match args.first().map(String::as_str) {
            Some("-n") => (false, &args[1..]),
            _ => (true, args),
        };
        let mut out = String::new();
        let mut stop = false;
        for (index, arg) in args.iter().enumerate() {
            if index > 0 {
                out.push(' ');
            }
            let (text, stopped) = crate::printf::escapes(arg, true);
            out.push_str(&text);
            if stopped {
                stop = true;
                break;
            }
        }
        if newline && !stop {
            out.push('\n');
        }
        Ok(if self.out(1, &out)? { 0 } else { 1 })
    }

    fn cd(&mut self, args: &[String]) -> Exec {
        let args: Vec<&String> = args.iter().filter(|a| *a != "-L" && *a != "-P").collect();
        let (target, print) = match args.first().map(|s| s.as_str()) {
            None => match self.get_var("HOME") {
                Some(home) => (home, false),
                None => {
                    self.error_message("cd: HOME not set");
                    return Ok(2);
                }
            },
            Some("-") => match self.get_var("OLDPWD") {
                Some(old) => (old, true),
                None => {
                    self.error_message("cd: OLDPWD not set");
                    return Ok(2);
                }
            },
            Some(dir) => (dir.to_string(), false),
        };
        let path = normalize(&self.absolute(&target));
        match self.host.stat(&path, true) {
            Some(info) if info.kind == FileKind::Directory => {}
            _ => {
                self.error_message(&format!("cd: can't cd to {target}"));
                return Ok(2);
            }
        }
        let old = std::mem::replace(&mut self.cwd, path.clone());
        self.assign("OLDPWD", &old)?;
        self.assign("PWD", &path)?;
        if print {
            self.out(1, &format!("{path}\n"))?;
        }
        Ok(0)
    }

    fn export(&mut self, name: &str, args: &[String]) -> Exec {
        let readonly = name == "readonly";
        let names: Vec<&String> = args.iter().filter(|a| *a != "-p").collect();
        if names.is_empty() {
            let mut listed: Vec<(String, Option<String>)> = self
                .vars
                .iter()
                .filter(|(_, var)| if readonly { var.readonly } else { var.exported })
                .map(|(name, var)| (name.clone(), var.value.clone()))
                .collect();
            listed.sort();
            let mut out = String::new();
            for (var, value) in listed {
                match value {
                    Some(value) => out.push_str(&format!("{name} {var}={}\n", quote(&value))),
                    None => out.push_str(&format!("{name} {var}\n")),
                }
            }
            self.out(1, &out)?;
            return Ok(0);
        }
        for arg in names {
            let (var, value) = match arg.split_once('=') {
                Some((var, value)) => (var, Some(value)),
                None => (arg.as_str(), None),
            };
            if !crate::parse::is_name(var) {
                self.error_message(&format!("{name}: {var}: bad variable name"));
                return Err(Unwind::Exit(2));
            }
            if let Some(value) = value {
                self.assign(var, value)?;
            }
            let entry = self.vars.entry(var.to_string()).or_default();
            if readonly {
                entry.readonly = true;
            } else {
                entry.exported = true;
            }
        }
        Ok(0)
    }

    fn unset(&mut self, args: &[String]) -> Exec {
        let mut functions = false;
        for arg in args {
            match arg.as_str() {
                "-f" => functions = true,
                "-v" => functions = false,
                name => {
                    if functions {
                        self.functions.remove(name);
                    } else if self.vars.get(name).is_some_and(|var| var.readonly) {
                        self.error_message(&format!("unset: {name}: is read only"));
                        return Err(Unwind::Exit(2));
                    } else {
                        self.vars.remove(name);
                    }
                }
            }
        }
        Ok(0)
    }

    fn read(&mut self, args: &[String]) -> Exec {
        let mut raw = false;
        let mut names = Vec::new();
        for arg in args {
            match arg.as_str() {
                "-r" if names.is_empty() => raw = true,
                _ => names.push(arg.clone()),
            }
        }
        if names.is_empty() {
            self.error_message("read: arg count");
            return Ok(2);
        }
        let mut line: Vec<u8> = Vec::new();
        // Bytes that came from a backslash escape (never split).
        let mut escaped: Vec<bool> = Vec::new();
        let mut eof = false;
        loop {
            let Some(byte) = self.read_byte(0) else {
                eof = true;
                break;
            };
            if byte == b'\n' {
                break;
            }
            if byte == b'\\' && !raw {
                match self.read_byte(0) {
                    Some(b'\n') => continue,
                    Some(next) => {
                        line.push(next);
                        escaped.push(true);
                        continue;
                    }
                    None => {
                        eof = true;
                        break;
                    }
                }
            }
            line.push(byte);
            escaped.push(false);
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let chars: Vec<char> = text.chars().collect();
        let escaped: Vec<bool> = if chars.len() == escaped.len() {
            escaped
        } else {
            vec![false; chars.len()]
        };
        let ifs = self.ifs();
        let is_white = |c: char| ifs.contains(c) && (c == ' ' || c == '\t' || c == '\n');
        let is_delim = |i: usize| ifs.contains(chars[i]) && !escaped[i];
        let mut index = 0;
        // Leading IFS white space is skipped.
        while index < chars.len() && is_delim(index) && is_white(chars[index]) {
            index += 1;
        }
        for (position, name) in names.iter().enumerate() {
            let last = position + 1 == names.len();
            let start = index;
            let value: String = if last {
                // The rest of the line, without trailing IFS white space.
                let mut end = chars.len();
                while end > start && is_delim(end - 1) && is_white(chars[end - 1]) {
                    end -= 1;
                }
                index = chars.len();
                chars[start..end].iter().collect()
            } else {
                while index < chars.len() && !is_delim(index) {
                    index += 1;
                }
                let value: String = chars[start..index].iter().collect();
                // Skip one delimiter and the white space around it.
                while index < chars.len() && is_delim(index) && is_white(chars[index]) {
                    index += 1;
                }
                if index < chars.len() && is_delim(index) && !is_white(chars[index]) {
                    index += 1;
                    while index < chars.len() && is_delim(index) && is_white(chars[index]) {
                        index += 1;
                    }
                }
                value
            };
            if !crate::parse::is_name(name) {
                self.error_message(&format!("read: {name}: bad variable name"));
                return Ok(2);
            }
            self.assign(name, &value)?;
        }
        Ok(i32::from(eof))
    }

    fn set(&mut self, args: &[String]) -> Exec {
        if args.is_empty() {
            let mut listed: Vec<(String, String)> = self
                .vars
                .iter()
                .filter_map(|(name, var)| var.value.clone().map(|value| (name.clone(), value)))
                .collect();
            listed.sort();
            let out: String = listed
                .into_iter()
                .map(|(name, value)| format!("{name}={}\n", quote(&value)))
                .collect();
            self.out(1, &out)?;
            return Ok(0);
        }
        let mut index = 0;
        while index < args.len() {
            let arg = &args[index];
            if arg == "--" {
                self.positional = args[index + 1..].to_vec();
                return Ok(0);
            }
            let on = arg.starts_with('-');
            if !(on || arg.starts_with('+')) || arg.len() < 2 {
                if arg == "-" {
                    self.options.xtrace = false;
                    self.options.verbose = false;
                    index += 1;
                    continue;
                }
                self.positional = args[index..].to_vec();
                return Ok(0);
            }
            for letter in arg[1..].chars() {
                if letter == 'o' {
                    index += 1;
                    let Some(option) = args.get(index) else {
                        let listing = self.options_listing();
                        self.out(1, &listing)?;
                        return Ok(0);
                    };
                    if !self.set_option_name(option, on) {
                        self.error_message(&format!("set: Illegal option -o {option}"));
                        return Err(Unwind::Exit(2));
                    }
                } else if !self.set_option_letter(letter, on) {
                    self.error_message(&format!("set: Illegal option -{letter}"));
                    return Err(Unwind::Exit(2));
                }
            }
            index += 1;
        }
        Ok(0)
    }

    fn options_listing(&self) -> String {
        let o = self.options;
        [
            ("errexit", o.errexit),
            ("noglob", o.noglob),
            ("noexec", o.noexec),
            ("nounset", o.nounset),
            ("verbose", o.verbose),
            ("xtrace", o.xtrace),
            ("pipefail", o.pipefail),
        ]
        .iter()
        .map(|(name, on)| format!("{name:<16}{}\n", if *on { "on" } else { "off" }))
        .collect()
    }

    fn dot(&mut self, args: &[String]) -> Exec {
        let Some(file) = args.first() else {
            return Ok(0);
        };
        let path = if file.contains('/') {
            Some(self.absolute(file))
        } else {
            let search = self.get_var("PATH").unwrap_or_default();
            let mut found = None;
            for dir in search.split(':') {
                let dir = if dir.is_empty() { "." } else { dir };
                let candidate = self.absolute(&format!("{dir}/{file}"));
                if matches!(self.host.stat(&candidate, true), Some(info) if info.kind == FileKind::File)
                {
                    found = Some(candidate);
                    break;
                }
            }
            found
        };
        let source = match path.map(|path| self.host.read_file(&path)) {
            Some(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => {
                self.error_message(&format!(".: cannot open {file}: No such file"));
                return Err(Unwind::Exit(2));
            }
        };
        // dash ignores arguments after the file (bash would set the positional parameters).
        let result = self.eval_string(&source);
        match result {
            Err(Unwind::Return(code)) => Ok(code),
            other => other,
        }
    }

    fn trap(&mut self, args: &[String]) -> Exec {
        if args.is_empty() {
            let listing: String = self
                .traps
                .iter()
                .map(|(signal, action)| format!("trap -- {} {signal}\n", quote(action)))
                .collect();
            self.out(1, &listing)?;
            return Ok(0);
        }
        let (action, signals) = if signal_name(&args[0]).is_some() && args[0].parse::<u32>().is_ok()
        {
            // `trap 0 1`: a number first means reset those signals.
            (None, args)
        } else {
            let action = &args[0];
            (
                if action == "-" {
                    None
                } else {
                    Some(action.clone())
                },
                &args[1..],
            )
        };
        for signal in signals {
            let Some(name) = signal_name(signal) else {
                self.error_message(&format!("trap: {signal}: bad trap"));
                return Ok(1);
            };
            match &action {
                Some(action) => {
                    self.traps.insert(name.to_string(), action.clone());
                }
                None => {
                    self.traps.remove(name);
                }
            }
        }
        Ok(0)
    }

    fn command(&mut self, args: &[String]) -> Exec {
        let mut index = 0;
        let mut describe = false;
        while let Some(arg) = args.get(index) {
            match arg.as_str() {
                "-v" | "-V" => describe = true,
                "-p" => {}
                "--" => {
                    index += 1;
                    break;
                }
                _ => break,
            }
            index += 1;
        }
        let rest = &args[index..];
        let Some(name) = rest.first() else {
            return Ok(0);
        };
        if describe {
            let found = if self.functions.contains_key(name) || is_builtin(name) {
                Some(name.clone())
            } else {
                let path = self.get_var("PATH").unwrap_or_default();
                let cwd = self.cwd.clone();
                self.host.find_command(name, &path, &cwd)
            };
            return match found {
                Some(found) => {
                    self.out(1, &format!("{found}\n"))?;
                    Ok(0)
                }
                None => Ok(127),
            };
        }
        self.run_argv(name, rest.to_vec(), &[], true)
    }

    fn getopts(&mut self, args: &[String]) -> Exec {
        if args.len() < 2 {
            self.error_message("getopts: usage: getopts optstring var [arg...]");
            return Ok(2);
        }
        let optstring = args[0].clone();
        let var = args[1].clone();
        let params: Vec<String> = if args.len() > 2 {
            args[2..].to_vec()
        } else {
            self.positional.clone()
        };
        let optind: usize = self
            .get_var("OPTIND")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        // Position inside a bundle of options (`-ab`), kept in a private variable.
        let mut offset: usize = self
            .get_var("__SH_OPTOFF")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let silent = optstring.starts_with(':');
        let Some(current) = params.get(optind - 1) else {
            self.assign(&var, "?")?;
            return Ok(1);
        };
        if offset == 1 && (current == "--" || !current.starts_with('-') || current == "-") {
            if current == "--" {
                self.assign("OPTIND", &(optind + 1).to_string())?;
            }
            self.assign(&var, "?")?;
            return Ok(1);
        }
        let chars: Vec<char> = current.chars().collect();
        let letter = chars.get(offset).copied().unwrap_or('?');
        offset += 1;
        let mut next_optind = optind;
        let at_end = offset >= chars.len();
        if at_end {
            next_optind += 1;
            offset = 1;
        }
        let spec = optstring.trim_start_matches(':');
        let position = spec.find(letter).filter(|_| letter != ':');
        match position {
            None => {
                if silent {
                    self.assign("OPTARG", &letter.to_string())?;
                } else {
                    self.vars.remove("OPTARG");
                    self.error_message(&format!("Illegal option -{letter}"));
                }
                self.assign(&var, "?")?;
            }
            Some(pos) => {
                let wants_arg = spec[pos + 1..].starts_with(':');
                if wants_arg {
                    let value = if !at_end {
                        let value: String = chars[offset..].iter().collect();
                        next_optind += 1;
                        offset = 1;
                        Some(value)
                    } else {
                        let value = params.get(next_optind - 1).cloned();
                        if value.is_some() {
                            next_optind += 1;
                        }
                        value
                    };
                    match value {
                        Some(value) => {
                            self.assign("OPTARG", &value)?;
                            self.assign(&var, &letter.to_string())?;
                        }
                        None => {
                            if silent {
                                self.assign("OPTARG", &letter.to_string())?;
                                self.assign(&var, ":")?;
                            } else {
                                self.vars.remove("OPTARG");
                                self.error_message(&format!("No arg for -{letter} option"));
                                self.assign(&var, "?")?;
                            }
                        }
                    }
                } else {
                    self.vars.remove("OPTARG");
                    self.assign(&var, &letter.to_string())?;
                }
            }
        }
        self.assign("OPTIND", &next_optind.to_string())?;
        self.vars.insert(
            "__SH_OPTOFF".into(),
            Var {
                value: Some(offset.to_string()),
                exported: false,
                readonly: false,
            },
        );
        Ok(0)
    }
}

/// A value quoted for reuse as shell input, as `set` and `export -p` print it.
pub(crate) fn quote(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c))
    {
        return value.to_string();
    }
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// `/a/./b/../c` as `/a/c`: the logical path `cd` keeps.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}
