//! The interpreter against dash: each script runs under our shell (natively, over a host that
//! runs the machine's real utilities) and under `dash` in a fresh directory, and both must print
//! the same standard output and exit with the same status. Standard error is compared where the
//! messages are ours to match (dash adds line numbers to its own).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use shell::{Config, FileInfo, FileKind, Host, Input, Invocation, Output, RunError, Shell};

/// A host over the real machine, rooted nowhere: the tests run in a scratch directory.
struct NativeHost {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    stdin: Vec<u8>,
    stdin_pos: usize,
}

fn file_info(meta: &std::fs::Metadata) -> FileInfo {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let ft = meta.file_type();
    let kind = if ft.is_symlink() {
        FileKind::Symlink
    } else if ft.is_dir() {
        FileKind::Directory
    } else if ft.is_fifo() {
        FileKind::Fifo
    } else if ft.is_socket() {
        FileKind::Socket
    } else if ft.is_char_device() {
        FileKind::CharDevice
    } else if ft.is_block_device() {
        FileKind::BlockDevice
    } else {
        FileKind::File
    };
    FileInfo {
        kind,
        size: meta.len(),
        mode: meta.permissions().mode(),
    }
}

fn find_in_path(name: &str, path: &str, cwd: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let candidate = Path::new(cwd).join(name);
        return candidate.exists().then_some(candidate);
    }
    path.split(':')
        .map(|dir| Path::new(if dir.is_empty() { cwd } else { dir }).join(name))
        .find(|candidate| candidate.is_file())
}

impl Host for NativeHost {
    fn run(
        &mut self,
        invocation: Invocation,
        collect: &mut shell::host::Collect<'_>,
    ) -> Result<i32, RunError> {
        let path = invocation
            .env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let program =
            find_in_path(&invocation.argv[0], &path, &invocation.cwd).ok_or(RunError::NotFound)?;
        let mut command = Command::new(&program);
        command
            .args(&invocation.argv[1..])
            .env_clear()
            .envs(invocation.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&invocation.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|_| RunError::NotExecutable)?;
        let input = match invocation.stdin {
            Input::Inherit => self.stdin[self.stdin_pos..].to_vec(),
            Input::Bytes(bytes) => bytes,
            Input::Closed => Vec::new(),
        };
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let mut child_out = child.stdout.take().expect("piped");
        let mut child_err = child.stderr.take().expect("piped");
        let err_reader = std::thread::spawn(move || {
            let mut err = Vec::new();
            let _ = child_err.read_to_end(&mut err);
            err
        });
        // Standard output is read as it comes, so a reader that stops (a full pipe) ends an
        // endless writer such as `yes`.
        let mut broken = false;
        let mut chunk = [0u8; 65536];
        loop {
            let n = match child_out.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            match &invocation.stdout {
                Output::Inherit(1) => self.stdout.extend_from_slice(&chunk[..n]),
                Output::Inherit(_) => self.stderr.extend_from_slice(&chunk[..n]),
                Output::Collect => {
                    if !collect(1, &chunk[..n]) {
                        broken = true;
                        let _ = child.kill();
                        break;
                    }
                }
                Output::File(path) => {
                    let mut file = std::fs::OpenOptions::new()
                        .append(true)
                        .open(path)
                        .expect("file");
                    file.write_all(&chunk[..n]).expect("write");
                }
                Output::Closed => {}
            }
        }
        drop(child_out);
        let err = err_reader.join().unwrap_or_default();
        let _ = writer.join();
        let status = child.wait().map_err(|_| RunError::NotExecutable)?;
        use std::os::unix::process::ExitStatusExt;
        let code = if broken {
            141
        } else {
            status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
        };
        match invocation.stderr {
            Output::Inherit(1) => self.stdout.extend_from_slice(&err),
            Output::Inherit(_) => self.stderr.extend_from_slice(&err),
            Output::Collect => {
                collect(2, &err);
            }
            Output::File(path) => {
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .expect("file");
                file.write_all(&err).expect("write");
            }
            Output::Closed => {}
        }
        Ok(code)
    }

    fn find_command(&mut self, name: &str, path: &str, cwd: &str) -> Option<String> {
        find_in_path(name, path, cwd).map(|p| p.display().to_string())
    }

    fn write_inherited(&mut self, fd: u8, bytes: &[u8]) -> std::io::Result<()> {
        if fd == 1 {
            self.stdout.extend_from_slice(bytes);
        } else {
            self.stderr.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.stdin[self.stdin_pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.stdin_pos += n;
        Ok(n)
    }

    fn read_file(&mut self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn write_file(&mut self, path: &str, bytes: &[u8], append: bool) -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)?;
        file.write_all(bytes)
    }

    fn stat(&mut self, path: &str, follow: bool) -> Option<FileInfo> {
        let meta = if follow {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        meta.ok().map(|m| file_info(&m))
    }

    fn read_dir(&mut self, path: &str) -> std::io::Result<Vec<String>> {
        Ok(std::fs::read_dir(path)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect())
    }
}

struct Outcome {
    stdout: String,
    stderr: String,
    status: i32,
}

const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

fn ours(script: &str, dir: &Path, stdin: &str) -> Outcome {
    let host = NativeHost {
        stdout: Vec::new(),
        stderr: Vec::new(),
        stdin: stdin.as_bytes().to_vec(),
        stdin_pos: 0,
    };
    let mut shell = Shell::new(
        host,
        Config {
            arg0: "sh".into(),
            positional: vec![],
            env: vec![
                ("PATH".into(), PATH.into()),
                ("HOME".into(), dir.display().to_string()),
                ("LC_ALL".into(), "C".into()),
            ],
            cwd: dir.display().to_string(),
        },
    );
    let status = shell.run_script(script);
    let host = shell.host();
    Outcome {
        stdout: String::from_utf8_lossy(&host.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&host.stderr).into_owned(),
        status,
    }
}

fn dash(script: &str, dir: &Path, stdin: &str) -> Outcome {
    let mut child = Command::new("dash")
        .args(["-c", script, "sh"])
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", dir)
        .env("LC_ALL", "C")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dash is installed by scripts/setup");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let output = child.wait_with_output().expect("dash ran");
    use std::os::unix::process::ExitStatusExt;
    Outcome {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        status: output
            .status
            .code()
            .unwrap_or_else(|| 128 + output.status.signal().unwrap_or(0)),
    }
}

/// Runs `script` both ways in fresh directories (with `setup` run first by dash in each) and
/// compares.
fn check(script: &str, compare_stderr: bool) {
    check_with_stdin(script, "", compare_stderr);
}

fn check_with_stdin(script: &str, stdin: &str, compare_stderr: bool) {
    let ours_dir = tempfile::tempdir().expect("tempdir");
    let dash_dir = tempfile::tempdir().expect("tempdir");
    // Both directories get the same name inside a parent, so paths printed match.
    let ours_root = ours_dir.path().join("w");
    let dash_root = dash_dir.path().join("w");
    std::fs::create_dir(&ours_root).expect("mkdir");
    std::fs::create_dir(&dash_root).expect("mkdir");
    let got = ours(script, &ours_root, stdin);
    let want = dash(script, &dash_root, stdin);
    let normalize = |text: &str, root: &Path| text.replace(&root.display().to_string(), "$ROOT");
    assert_eq!(
        normalize(&got.stdout, &ours_root),
        normalize(&want.stdout, &dash_root),
        "stdout differs for script:\n{script}\nour stderr: {}",
        got.stderr
    );
    assert_eq!(
        got.status, want.status,
        "status differs for script:\n{script}\nour stderr: {}\ndash stderr: {}",
        got.stderr, want.stderr
    );
    if compare_stderr {
        assert_eq!(
            normalize(&got.stderr, &ours_root),
            normalize(&want.stderr, &dash_root),
            "stderr differs for script:\n{script}"
        );
    }
}

#[test]
fn quoting_and_words() {
    for script in [
        "echo hello world",
        "echo 'single $HOME' \"double\" \\$escaped",
        "x='a  b'; echo $x; echo \"$x\"",
        "echo a\\\nb",
        "echo \"a\\\"b\" 'c\\d' \"\\$x \\\\ \\z\"",
        "printf '%s|' a 'b c' \"d e\"; echo",
        "echo \"\" ''; printf '[%s]' \"\" ''; echo",
        "x=; printf '[%s]' $x \"$x\"; echo",
        "echo # a comment\necho after",
        "echo a#b",
        "echo ~ | sed \"s|$HOME|H|\"",
    ] {
        check(script, true);
    }
}

#[test]
fn parameter_expansion() {
    for script in [
        "x=value; echo ${x} ${#x} ${x:-d} ${y:-d} ${y-d} ${x:+alt} ${y:+alt}.",
        "x=; echo [${x:-d}] [${x-d}] [${x:+a}] [${x+a}]",
        "echo ${z:=assigned} $z",
        "p=/usr/local/lib/file.tar.gz; echo ${p#*/} ${p##*/} ${p%.*} ${p%%.*}",
        "p=aaa; echo ${p#a} ${p##a*} ${p%a} ${p%%a*}x",
        "x='a b'; echo ${x:-'q r'} \"${y:-q   r}\"",
        "set -- a 'b c' d; echo $#; for i in \"$@\"; do echo \"[$i]\"; done",
        "set -- a 'b c' d; for i in $@; do echo \"[$i]\"; done",
        "set -- a 'b c' d; for i in \"$*\"; do echo \"[$i]\"; done",
        "set --; for i in \"$@\"; do echo never; done; echo \"[$*]\" $#",
        "set -- 1 2 3 4 5 6 7 8 9 10 11; echo $1 ${10} ${11}; shift 3; echo $1 $#",
        "f() { echo $# \"$1\"; }; f; f '' ; f a b",
        "false; echo $?; true; echo $?",
        "echo ${x?custom message}",
        "(echo ${x:?}); echo status $?",
        "IFS=:; x=a:b::c; for i in $x; do echo \"[$i]\"; done",
        "IFS=': '; x='a : b'; set -- $x; echo $#",
        "x='  lead  trail  '; set -- $x; echo $# \"$1\"",
        "x='*'; echo \"$x\"",
        "echo \"${#}\" ${#} \"$-\"",
    ] {
        check(script, false);
    }
}

#[test]
fn substitution_and_arithmetic() {
    for script in [
        "echo $(echo inner) `echo back` \"$(printf 'a\\n\\n\\n')\"",
        "x=$(echo a; echo b); echo \"$x\"",
        "echo $(echo $(echo nested))",
        "echo $((1 + 2 * 3)) $(( (1+2)*3 )) $((7 / 2)) $((7 % 3)) $((-5 / 2))",
        "x=5; echo $((x * 2)) $(($x + 1)) $((x += 3)) $x",
        "echo $((1 << 4)) $((0x1f)) $((010)) $((1 ? 2 : 3)) $((!0)) $((~5))",
        "i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i",
        "echo $((1/0)); echo after",
        "x=$(exit 3); echo $?",
        "echo $( (echo sub) )",
        "a=$(cat <<EOF\nfrom heredoc\nEOF\n); echo \"$a\"",
    ] {
        check(script, false);
    }
}

#[test]
fn control_flow() {
    for script in [
        "if true; then echo yes; else echo no; fi",
        "if false; then echo 1; elif false; then echo 2; else echo 3; fi",
        "for i in a b c; do echo $i; done",
        "for i in 1 2 3 4; do if [ $i = 2 ]; then continue; fi; if [ $i = 4 ]; then break; fi; echo $i; done",
        "i=0; until [ $i -ge 3 ]; do echo $i; i=$((i+1)); done",
        "for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done",
        "for i in 1 2; do for j in a b; do break 2; done; done; echo $i$j",
        "case abc in a*) echo starts;; *) echo other;; esac",
        "case x in a|x) echo alt;; esac; case '*' in \\*) echo star;; esac",
        "x=hello; case $x in (h?llo) echo match ;; esac",
        "case foo in bar) echo no;; esac; echo status $?",
        "true && echo and; false || echo or; false && echo never; echo $?",
        "! true; echo $?; ! false; echo $?",
        "{ echo a; echo b; } | wc -l",
        "(x=inner; echo $x); echo \"[$x]\"",
        "(exit 4); echo $?",
        "f() { return 7; }; f; echo $?",
        "f() { local v=in; echo $v; }; v=out; f; echo $v",
        "count() { [ $1 -le 0 ] && return; echo $1; count $(($1 - 1)); }; count 3",
        "while read line; do echo \"got $line\"; done <<EOF\none\ntwo\nEOF",
        "for f in; do echo never; done; echo done",
        "if\n  true\nthen\n  echo multi\nfi",
    ] {
        check(script, false);
    }
}

#[test]
fn redirections_and_pipelines() {
    for script in [
        "echo one > f; echo two >> f; cat f; cat < f | wc -l",
        "echo err >&2 2>/dev/null; echo out",
        "{ echo out; echo err >&2; } 2>&1 | sort",
        "{ echo out; echo err >&2; } > o 2> e; cat o e",
        "cat <<EOF\nline $((1+1))\n  indented\nEOF",
        "cat <<'EOF'\nno $expansion here\nEOF",
        "cat <<-EOF\n\ttabs stripped\n\tEOF",
        "cat <<A; cat <<B\na\nA\nb\nB",
        "echo x | { read v; echo got $v; }",
        "echo x | read v; echo \"[$v]\"",
        "printf 'c\\nb\\na\\n' | sort | head -2",
        "yes | head -3",
        "false | true; echo $?; true | false; echo $?",
        "exec 3>f3; echo via3 >&3; cat f3",
        "echo data > in; exec < in; read x; echo $x",
        "cat < missing; echo $?",
        "echo hi > /nonexistent/dir/file; echo $?",
        "ls nothing-here 2>/dev/null; echo $?",
        "echo x >&-; echo $?",
        "seq 1 100000 | tail -1",
    ] {
        check(script, false);
    }
}

#[test]
fn globbing() {
    for script in [
        "touch b.txt a.txt c.log; echo *.txt; echo *.none; echo '*.txt'",
        "mkdir -p d/e; touch d/e/x d/y; echo d/*; echo d/*/x; echo */e",
        "touch .hidden v; echo *; echo .h*",
        "touch a1 a2 b1; echo a[12] [!a]1 ?1",
        "set -f; touch q; echo *; set +f; echo *",
    ] {
        check(script, false);
    }
}

#[test]
fn options_traps_and_builtins() {
    for script in [
        "set -e; echo a; false; echo never",
        "set -e; false || true; if false; then :; fi; ! true; echo survived",
        "set -e; f() { false; echo in-f; }; f || echo handled",
        "set -u; echo ${unset_var-ok}; echo $unset_var; echo never",
        "trap 'echo bye' EXIT; echo hi",
        "trap 'echo bye $?' EXIT; exit 3",
        "(trap 'echo sub' EXIT; echo in); echo out",
        "export A=1; sh -c 'echo $A'; B=2 sh -c 'echo $B'; echo \"[$B]\"",
        "x=1; unset x; echo \"[${x-unset}]\"",
        "cd /; pwd; cd /tmp && pwd; cd - >/dev/null; pwd | sed 's|.*/||'",
        "cd /nonexistent; echo $?",
        "printf '%5s|%-5s|%05d|%x|%o|%c|%%|%.2f\\n' ab cd 42 255 8 xyz 3.14159",
        "printf '%s\\n' a b c; printf '%d %d\\n' 1 2 3",
        "printf '%b\\n' 'a\\tb'; printf 'x\\101y\\n'",
        "echo -n no-newline; echo; echo 'a\\tb'",
        "test 1 -eq 1 && echo eq; [ a = b ] || echo ne; [ -z '' ] && echo z; [ ! -n '' ] && echo not",
        "touch f; [ -f f ] && echo file; [ -d . ] && echo dir; [ -e nope ] || echo missing",
        "[ 1 -lt 2 -a 3 -gt 2 ] && echo both; [ 1 -gt 2 -o 3 -gt 2 ] && echo either",
        "[ abc -eq 1 ]; echo $?",
        "eval 'x=evaluated; echo $x'",
        "echo 'echo sourced $1' > s.sh; . ./s.sh arg",
        "read a b <<EOF\none two three\nEOF\necho \"$a|$b\"",
        "IFS=, read a b <<EOF\nx,y,z\nEOF\necho \"$a|$b\"",
        "read -r line <<'EOF'\na\\b\nEOF\necho \"$line\"",
        "command -v echo; command -v nonexistent-cmd; echo $?",
        "nonexistent-cmd; echo $?",
        "exit 300",
        "f() { echo $1; shift; echo $1; }; f a b",
        "sleep 0 & wait $!; echo waited $?",
        "x=1 y=2; echo $x$y",
        "x=1; x=2 true; echo $x",
        "readonly r=1; echo $r",
        "while getopts ab: opt -a -b val rest; do echo \"$opt ${OPTARG-}\"; done; echo $OPTIND",
        "set -x; echo traced",
        "exec echo replaced; echo never",
    ] {
        check(script, false);
    }
}

#[test]
fn messages_we_choose() {
    // Where dash prints line numbers we print `sh: NAME: not found` (the sandbox's contract).
    let dir = tempfile::tempdir().expect("tempdir");
    let outcome = ours("nope-cmd a b", dir.path(), "");
    assert_eq!(outcome.status, 127);
    assert_eq!(outcome.stderr, "sh: nope-cmd: not found\n");
    let outcome = ours("if then", dir.path(), "");
    assert_eq!(outcome.status, 2);
    assert!(
        outcome.stderr.starts_with("sh: 1: Syntax error:"),
        "{}",
        outcome.stderr
    );
}

/// What dash does not have (it has no `pipefail`), checked against bash's documented
/// behaviour instead.
#[test]
fn beyond_dash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let table = [
        ("set -o pipefail; false | true; echo $?", "1\n", 0),
        (
            "set -o pipefail; (exit 3) | (exit 4) | true; echo $?",
            "4\n",
            0,
        ),
        ("set -o pipefail; true | true; echo $?", "0\n", 0),
        ("set -eo pipefail; false | true; echo never", "", 1),
    ];
    for (script, stdout, status) in table {
        let outcome = ours(script, dir.path(), "");
        assert_eq!(
            (outcome.stdout.as_str(), outcome.status),
            (stdout, status),
            "{script}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{}echo x{}", "( ".repeat(5000), " )".repeat(5000));
    let outcome = ours(&deep, dir.path(), "");
    assert_eq!(outcome.status, 2, "{}", outcome.stderr);
    let deep_subst = format!("{}echo x{}", "$(".repeat(5000), ")".repeat(5000));
    assert_eq!(ours(&deep_subst, dir.path(), "").status, 2);
    let recursion = "f() { f; }; f";
    let outcome = ours(recursion, dir.path(), "");
    assert_eq!(outcome.status, 2);
}

#[test]
fn random_input_gets_errors_never_a_panic() {
    // A small deterministic generator: no external randomness in tests.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: Vec<char> = "ab =$(){}[]|&;<>'\"`\\\n#*?!:-+%^~012".chars().collect();
    let dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..3000 {
        let len = (next() % 40) as usize;
        let source: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        // Only parse and run scripts that call no external command by accident: replace
        // nothing; unknown commands are 127, which is fine.
        let _ = shell::parse(&source);
        let _ = ours(&source, dir.path(), "");
    }
}
