//! The engine's input and output paths, driven by the docker CLI 28.2 on the memory backend:
//! stdin into containers (`run -i`, an open stdin that blocks `cat`), and exec (attached with
//! and without stdin, detached, with `-w/-e/-u`, exit codes, Docker's errors; on both
//! backends). Stdin and `docker cp` also run on the wasm runtime.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use conformance::Cell;

use super::engine::{Engine, Target, text};

/// Runs `docker ARGS` with `input` on its stdin; returns (exit code, stdout, stderr).
fn run_with_input(engine: &Engine, args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = engine
        .docker(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn docker");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    let output = child.wait_with_output().expect("docker output");
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

fn state(engine: &Engine, name: &str) -> String {
    engine
        .ok(&[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}}",
            name,
        ])
        .trim()
        .to_string()
}

/// Stdin on the memory backend, on runc and on the wasm runtime.
mod docker_run_interactive_stdin {
    #[test]
    fn memory() {
        super::docker_run_interactive_stdin(super::Target::Memory);
    }

    #[test]
    fn wasm() {
        super::docker_run_interactive_stdin(super::Target::Wasm);
    }
}

fn docker_run_interactive_stdin(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "run-i-stdin", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    // What the client sends reaches the process; closing it is the process's end of file.
    let (code, stdout, stderr) = run_with_input(
        &engine,
        &["run", "-i", "--rm", "localhost/busybox", "cat"],
        b"hello\nworld\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "hello\nworld\n");
    let (code, stdout, stderr) = run_with_input(
        &engine,
        &[
            "run",
            "-i",
            "--rm",
            "localhost/busybox",
            "sh",
            "-c",
            "wc -l; exit 3",
        ],
        b"1\n2\n3\n",
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(stdout.trim(), "3");
    // An open stdin nobody writes to blocks `cat`, as on Docker; without -i it is empty.
    engine.ok(&[
        "run",
        "-d",
        "-i",
        "--name",
        "blocked",
        "localhost/busybox",
        "cat",
    ]);
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "unblocked",
        "localhost/busybox",
        "cat",
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(state(&engine, "blocked"), "running 0");
    assert_eq!(state(&engine, "unblocked"), "exited 0");
    let inspect = engine.ok(&[
        "inspect",
        "--format",
        "{{.Config.OpenStdin}} {{.Config.StdinOnce}} {{.Config.AttachStdin}}",
        "blocked",
    ]);
    assert_eq!(inspect.trim(), "true false false");
    engine.ok(&["rm", "-f", "blocked", "unblocked"]);
}

/// Exec on both backends: the docker backend relays create, start (hijacked both ways) and
/// inspect to Podman.
mod docker_exec_runs_in_the_container {
    #[test]
    fn memory() {
        super::docker_exec_runs_in_the_container(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_exec_runs_in_the_container(super::Target::Docker);
    }
}

fn docker_exec_runs_in_the_container(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "exec", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "box",
        "-e",
        "FROM_RUN=run",
        "localhost/busybox",
        "sh",
        "-c",
        "echo made > /tmp/made; exec sleep 300",
    ]);
    std::thread::sleep(Duration::from_millis(300));
    // The exec sees the container's files, environment and its own -w/-e/-u.
    let output = engine.ok(&[
        "exec",
        "-w",
        "/tmp",
        "-e",
        "FROM_EXEC=exec",
        "-u",
        "65534:65534",
        "box",
        "sh",
        "-c",
        "echo $(cat made) $FROM_RUN $FROM_EXEC $(pwd) $(id -u):$(id -g)",
    ]);
    assert_eq!(output.trim(), "made run exec /tmp 65534:65534");
    // Streams apart and the real exit code.
    let output = engine.run(&["exec", "box", "sh", "-c", "echo out; echo err >&2; exit 5"]);
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "out\n");
    assert_eq!(text(&output.stderr), "err\n");
    // Stdin with -i: `cat` echoes it and ends when it closes.
    let (code, stdout, stderr) =
        run_with_input(&engine, &["exec", "-i", "box", "cat"], b"through exec\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "through exec\n");
    // Detached: it runs after the CLI returns.
    engine.ok(&[
        "exec",
        "-d",
        "box",
        "sh",
        "-c",
        "echo detached > /tmp/detached",
    ]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        engine.ok(&["exec", "box", "cat", "/tmp/detached"]),
        "detached\n"
    );
    // A missing command: Docker's message and 127.
    let missing = engine.run(&["exec", "box", "no-such-command"]);
    assert_eq!(
        missing.status.code(),
        Some(127),
        "{}",
        text(&missing.stderr)
    );
    // Podman says it on stderr, in runc's words and its own.
    let (said, expected) = if target.podman() {
        (
            text(&missing.stderr),
            "runc: exec failed: unable to start container process: exec: \"no-such-command\": executable file not found in $PATH",
        )
    } else {
        (
            text(&missing.stdout),
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-command\": executable file not found in $PATH: unknown",
        )
    };
    assert!(
        said.contains(expected),
        "stdout: {} stderr: {}",
        text(&missing.stdout),
        text(&missing.stderr)
    );
    // Inspect lists the container's exec instances; the API's exec inspect has the exit code.
    let ids = engine.ok(&["inspect", "--format", "{{len .ExecIDs}}", "box"]);
    assert!(ids.trim().parse::<usize>().expect("a count") >= 5, "{ids}");
    if !target.podman() {
        let (status, body) = engine.curl("POST", "/v1.47/exec/nope/start");
        assert_eq!(status, "404");
        assert_eq!(body.trim(), r#"{"message":"No such exec instance: nope"}"#);
    }
    // Exec in a stopped container: Docker's 409.
    engine.ok(&["stop", "-t", "0", "box"]);
    let id = engine.ok(&["inspect", "--format", "{{.Id}}", "box"]);
    let stopped = engine.run(&["exec", "box", "true"]);
    assert_eq!(stopped.status.code(), Some(1));
    let expected = if target.podman() {
        "Error response from daemon: can only create exec sessions on running containers: container state improper".to_string()
    } else {
        format!(
            "Error response from daemon: container {} is not running",
            id.trim()
        )
    };
    assert_eq!(text(&stopped.stderr).trim(), expected);
    engine.ok(&["rm", "box"]);
}

/// Bad input on both backends: malformed JSON and a field of the wrong type get a 400 with
/// Docker's `{"message"}` body and make nothing; an archive with `../` entries and an absolute
/// symlink writes nothing outside the container; a large log comes back whole.
mod docker_bad_input_is_refused_or_contained {
    #[test]
    fn memory() {
        super::docker_bad_input_is_refused_or_contained(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_bad_input_is_refused_or_contained(super::Target::Docker);
    }
}

fn docker_bad_input_is_refused_or_contained(target: Target) {
    let _cell = Cell::new("docker-api", target.cell(), "bad-input", "curl");
    let engine = Engine::start(target);
    engine.load_busybox();
    let file = |name: &str, bytes: &[u8]| {
        let path = engine.sandbox.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    for (name, body) in [
        ("truncated.json", &b"{\"Image\": "[..]),
        (
            "wrong-type.json",
            b"{\"Image\": \"localhost/busybox\", \"Cmd\": 5}",
        ),
    ] {
        let (status, said) = engine.curl_with(
            "POST",
            "/v1.47/containers/create?name=bad",
            &file(name, body),
            "application/json",
        );
        assert_eq!(status, "400", "{name}: {said}");
        let parsed: serde_json::Value = serde_json::from_str(&said).expect("a JSON error body");
        assert!(parsed["message"].is_string(), "{name}: {said}");
    }
    assert_eq!(engine.ok(&["ps", "-aq", "--filter", "name=bad"]), "");
    // A hostile archive: a `../` entry, and a file written through an absolute symlink.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "box",
        "localhost/busybox",
        "sleep",
        "300",
    ]);
    let marker = format!("sockerless-escape-{}", std::process::id());
    let archive = engine.sandbox.path().join("hostile.tar");
    let made = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import io, sys, tarfile\n\
             marker, out = sys.argv[1], sys.argv[2]\n\
             with tarfile.open(out, 'w') as t:\n\
             \x20   data = b'x'\n\
             \x20   info = tarfile.TarInfo('../../../../../../tmp/' + marker)\n\
             \x20   info.size = 1\n\
             \x20   t.addfile(info, io.BytesIO(data))\n\
             \x20   link = tarfile.TarInfo('hosttmp')\n\
             \x20   link.type = tarfile.SYMTYPE\n\
             \x20   link.linkname = '/tmp'\n\
             \x20   t.addfile(link)\n\
             \x20   info = tarfile.TarInfo('hosttmp/' + marker + '-link')\n\
             \x20   info.size = 1\n\
             \x20   t.addfile(info, io.BytesIO(data))\n",
        )
        .arg(&marker)
        .arg(&archive)
        .output()
        .expect("python3");
    assert!(made.status.success(), "{}", text(&made.stderr));
    let (status, said) = engine.curl_with(
        "PUT",
        "/v1.47/containers/box/archive?path=/",
        &archive,
        "application/x-tar",
    );
    for host_path in [format!("/tmp/{marker}"), format!("/tmp/{marker}-link")] {
        assert!(
            !std::path::Path::new(&host_path).exists(),
            "{host_path} written on the host (answer {status}: {said})"
        );
    }
    // A large log (5,000 lines of 1,000 bytes) comes back whole, in order.
    engine.ok(&[
        "run",
        "--name",
        "loud",
        "localhost/busybox",
        "sh",
        "-c",
        "line=$(printf '%01000d' 0); i=0; while [ $i -lt 5000 ]; do echo \"$i $line\"; i=$((i+1)); done",
    ]);
    let logs = engine.run(&["logs", "loud"]);
    let logs = text(&logs.stdout);
    assert_eq!(logs.lines().count(), 5000);
    assert!(
        logs.starts_with("0 0000"),
        "{}",
        &logs[..40.min(logs.len())]
    );
    assert!(logs.lines().last().unwrap_or("").starts_with("4999 0000"));
    engine.ok(&["rm", "-f", "box", "loud"]);
}

/// `docker cp` on the memory backend, on runc and on the wasm runtime.
mod docker_cp_both_ways {
    #[test]
    fn memory() {
        super::docker_cp_both_ways(super::Target::Memory);
    }

    #[test]
    fn wasm() {
        super::docker_cp_both_ways(super::Target::Wasm);
    }
}

fn docker_cp_both_ways(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "cp", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "box",
        "localhost/busybox",
        "sleep",
        "300",
    ]);
    std::thread::sleep(Duration::from_millis(300));
    // Out of the container: the bytes the container itself reads.
    let local = engine.sandbox.path().join("out");
    std::fs::create_dir_all(&local).expect("mkdir");
    let passwd = local.join("passwd");
    engine.ok(&["cp", "box:/etc/passwd", passwd.to_str().expect("UTF-8")]);
    assert_eq!(
        text(&std::fs::read(&passwd).expect("copied passwd")),
        engine.ok(&["exec", "box", "cat", "/etc/passwd"])
    );
    // Into it: a directory with a binary file and a nested one, then back out, identical.
    let tree = engine.sandbox.path().join("tree");
    std::fs::create_dir_all(tree.join("nested")).expect("mkdir");
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    std::fs::write(tree.join("blob.bin"), &binary).expect("write");
    std::fs::write(tree.join("nested/note.txt"), b"inside\n").expect("write");
    engine.ok(&["cp", tree.to_str().expect("UTF-8"), "box:/tmp/"]);
    assert_eq!(
        engine.ok(&[
            "exec",
            "box",
            "sh",
            "-c",
            "cat /tmp/tree/nested/note.txt; wc -c < /tmp/tree/blob.bin"
        ]),
        "inside\n70000\n"
    );
    let back = engine.sandbox.path().join("back");
    engine.ok(&["cp", "box:/tmp/tree", back.to_str().expect("UTF-8")]);
    assert_eq!(
        std::fs::read(back.join("blob.bin")).expect("blob back"),
        binary
    );
    assert_eq!(
        std::fs::read(back.join("nested/note.txt")).expect("note back"),
        b"inside\n"
    );
    // A file into a new name in an existing directory.
    let single = engine.sandbox.path().join("single.txt");
    std::fs::write(&single, b"one file\n").expect("write");
    engine.ok(&[
        "cp",
        single.to_str().expect("UTF-8"),
        "box:/tmp/renamed.txt",
    ]);
    assert_eq!(
        engine.ok(&["exec", "box", "cat", "/tmp/renamed.txt"]),
        "one file\n"
    );
    // Docker's error for a missing path.
    let missing = engine.run(&["cp", "box:/no/such/file", local.to_str().expect("UTF-8")]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        text(&missing.stderr).trim(),
        "Error response from daemon: Could not find the file /no/such/file in container box"
    );
    // A stopped container's files are still there.
    engine.ok(&["stop", "-t", "0", "box"]);
    let after = local.join("after");
    engine.ok(&["cp", "box:/tmp/renamed.txt", after.to_str().expect("UTF-8")]);
    assert_eq!(std::fs::read(&after).expect("copied"), b"one file\n");
    engine.ok(&["rm", "box"]);
}
