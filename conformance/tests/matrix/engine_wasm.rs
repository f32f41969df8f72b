//! The wasm runtime (`sockerless engine --runtime wasm`, or `docker run --runtime wasm`),
//! driven by the docker CLI 28.2: the runtime named in `info` and `inspect`, Docker's error for
//! an unknown runtime, what the sandbox refuses (published ports), containers that block until
//! stopped, `docker stop` of a running pipeline, exec sharing the container's root, and the
//! same commands printing the same on `runc` and `wasm` in one engine.

use conformance::Cell;

use super::engine::{Engine, Target, text};

fn inspect(engine: &Engine, format: &str, name: &str) -> String {
    engine
        .ok(&["inspect", "--format", format, name])
        .trim()
        .to_string()
}

#[test]
fn docker_wasm_runtime_is_named_and_blocks_until_stopped() {
    let _cell = Cell::new("docker-cli", "engine-wasm", "runtime-stop", "docker");
    let engine = Engine::start(Target::Wasm);
    engine.load_busybox();
    let info = engine.ok(&["info", "--format", "{{.DefaultRuntime}} {{json .Runtimes}}"]);
    assert!(info.starts_with("wasm "), "{info}");
    assert!(
        info.contains("\"runc\"") && info.contains("\"wasm\""),
        "{info}"
    );
    // Docker's 400 for a runtime it does not know (`create` exits 1 on a daemon error, where
    // `run` says 125); nothing is created.
    let unknown = engine.run(&["create", "--runtime", "nosuch", "localhost/busybox", "true"]);
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown.stderr));
    assert!(
        text(&unknown.stderr).contains("unknown or invalid runtime name: nosuch"),
        "{}",
        text(&unknown.stderr)
    );
    assert_eq!(engine.ok(&["ps", "-a", "-q"]).trim(), "");
    // Instances have no sockets: a published port is refused naming the runtime.
    let ported = engine.run(&["run", "-d", "-p", "8080:80", "localhost/busybox", "true"]);
    assert_ne!(ported.status.code(), Some(0));
    assert!(
        text(&ported.stderr).contains("the wasm runtime gives containers no network"),
        "{}",
        text(&ported.stderr)
    );
    // `sleep infinity` blocks until stopped; as PID 1 it ignores SIGTERM, so the stop ends
    // in the kill after the timeout, 137, as on runc.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "idle",
        "localhost/busybox",
        "sleep",
        "infinity",
    ]);
    assert_eq!(
        inspect(&engine, "{{.HostConfig.Runtime}} {{.State.Status}}", "idle"),
        "wasm running"
    );
    assert_eq!(
        engine.ok(&["exec", "idle", "echo", "alive"]).trim(),
        "alive"
    );
    assert_eq!(inspect(&engine, "{{.State.Status}}", "idle"), "running");
    engine.ok(&["stop", "-t", "1", "idle"]);
    assert_eq!(inspect(&engine, "{{.State.ExitCode}}", "idle"), "137");
    // A shell looping over a pipeline of utilities: the stop ends the running stage and the
    // shell; a TERM trap runs once the foreground pipeline ends, with its own status.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "pipeline",
        "localhost/busybox",
        "sh",
        "-c",
        "trap 'echo stopping; exit 143' TERM; while :; do seq 1 2000 | sort -r | head -1 > /tmp/last; done",
    ]);
    assert_eq!(inspect(&engine, "{{.State.Status}}", "pipeline"), "running");
    engine.ok(&["stop", "pipeline"]);
    assert_eq!(
        inspect(&engine, "{{.State.Status}} {{.State.ExitCode}}", "pipeline"),
        "exited 143"
    );
    assert_eq!(engine.ok(&["logs", "pipeline"]).trim(), "stopping");
    // Kill ends a running utility at once.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "spinner",
        "localhost/busybox",
        "sh",
        "-c",
        "yes > /dev/null",
    ]);
    engine.ok(&["kill", "spinner"]);
    assert_eq!(engine.ok(&["wait", "spinner"]).trim(), "137");
}

#[test]
fn docker_exec_on_wasm_shares_the_root() {
    let _cell = Cell::new("docker-cli", "engine-wasm", "exec", "docker");
    let engine = Engine::start(Target::Wasm);
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
        "echo made > /tmp/made; echo ready; sleep infinity",
    ]);
    // Ready once its first line is logged (followed, not polled).
    let mut followed = engine
        .docker(&["logs", "-f", "box"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("logs -f");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
        followed.stdout.take().expect("stdout"),
    ));
    assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("ready"));
    // The exec sees the container's files and environment, and its own -w/-e.
    let output = engine.ok(&[
        "exec",
        "-w",
        "/tmp",
        "-e",
        "FROM_EXEC=exec",
        "box",
        "sh",
        "-c",
        // (An absolute path: a utility resolves relative ones from `/`, wasi-libc having no
        // working directory; README names the limit.)
        "echo $(cat /tmp/made) $FROM_RUN $FROM_EXEC $(pwd)",
    ]);
    assert_eq!(output.trim(), "made run exec /tmp");
    // Streams apart and the real exit code.
    let output = engine.run(&["exec", "box", "sh", "-c", "echo out; echo err >&2; exit 5"]);
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "out\n");
    assert_eq!(text(&output.stderr), "err\n");
    // A missing command: Docker's words and 127; another user is refused, never run as root.
    let missing = engine.run(&["exec", "box", "no-such-command"]);
    assert_eq!(
        missing.status.code(),
        Some(127),
        "{}",
        text(&missing.stderr)
    );
    assert!(
        text(&missing.stdout).contains(
            "exec failed: unable to start container process: exec: \"no-such-command\": executable file not found in $PATH"
        ),
        "stdout: {} stderr: {}",
        text(&missing.stdout),
        text(&missing.stderr)
    );
    // (Detached, so the CLI prints the daemon's refusal: an attached exec's refusal comes
    // before the stream is upgraded, and the CLI says only "received 501".)
    let other_user = engine.run(&["exec", "-d", "-u", "65534", "box", "true"]);
    assert_ne!(other_user.status.code(), Some(0));
    assert!(
        text(&other_user.stderr).contains("the wasm runner runs everything as root"),
        "{}",
        text(&other_user.stderr)
    );
    engine.ok(&["rm", "-f", "box"]);
    let _ = followed.kill();
    let _ = followed.wait();
}

#[test]
fn docker_run_on_wasm_prints_what_oci_prints() {
    let _cell = Cell::new("docker-cli", "engine-wasm", "same-as-oci", "docker");
    let engine = Engine::start(Target::Wasm);
    engine.load_busybox();
    let scripts = [
        "for i in $(seq 1 3); do echo \"n=$i\"; done | sed s/n/N/ | sort -r",
        "printf '%s-%d\\n' a 1 b 2; echo err >&2; exit 4",
        "echo hello > /tmp/f; tr a-z A-Z < /tmp/f; wc -c < /tmp/f; cat /tmp/f /tmp/f | uniq -c | tr -s ' '",
        "x=${HOME:-none}; echo $x $((6*7)) ${x#/}; set -- a b c; echo $# $2",
        "head -1 /etc/passwd | cut -d: -f1,7; cd /etc && pwd",
        "echo one two | while read a b; do echo $b $a; done; false || echo or; exit 3",
    ];
    for script in scripts {
        let run = |runtime: &str| {
            let output = engine.run(&[
                "run",
                "--rm",
                "--runtime",
                runtime,
                "localhost/busybox",
                "sh",
                "-c",
                script,
            ]);
            (
                output.status.code(),
                text(&output.stdout),
                text(&output.stderr),
            )
        };
        let on_runc = run("runc");
        let on_wasm = run("wasm");
        assert_eq!(on_wasm, on_runc, "{script}");
    }
}
