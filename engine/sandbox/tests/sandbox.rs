//! The wasm runner end to end, with the real WASI userland `scripts/setup` builds (a missing
//! userland fails these tests, never skips them).

use std::sync::Arc;
use std::time::Duration;

use sandbox::{Userland, WasmRunner};
use simkit::clock::SystemClock;
use simkit::logs::{MemorySink, Stream};
use simkit::runner::{ExecSpec, ExitReason, Runner, RunnerError, WorkloadSpec};

/// One userland for every test: modules are compiled (or loaded from the cache) once.
fn userland() -> Arc<Userland> {
    static USERLAND: std::sync::OnceLock<Arc<Userland>> = std::sync::OnceLock::new();
    USERLAND
        .get_or_init(|| {
            let dir = sandbox::default_userland_dir();
            assert!(
                dir.join("coreutils.wasm").is_file(),
                "client coreutils.wasm missing: run scripts/setup"
            );
            let userland =
                Userland::new(dir, Some(sandbox::default_cache_dir())).expect("userland");
            // Compiled before any test's timer starts: a cold compile in a debug build takes
            // minutes on a loaded machine; later runs load it from the disk cache.
            userland.warm().expect("modules compile");
            userland
        })
        .clone()
}

struct Fixture {
    _scratch: tempfile::TempDir,
    runner: WasmRunner,
}

fn fixture() -> Fixture {
    let scratch = tempfile::tempdir().expect("tempdir");
    let runner = WasmRunner::new(
        Arc::new(SystemClock),
        userland(),
        scratch.path().to_path_buf(),
    );
    Fixture {
        _scratch: scratch,
        runner,
    }
}

fn spec(argv: &[&str]) -> WorkloadSpec {
    WorkloadSpec {
        name: "test".into(),
        argv: argv.iter().map(|s| s.to_string()).collect(),
        stop_grace: Duration::from_secs(1),
        ..WorkloadSpec::default()
    }
}

async fn run(fixture: &Fixture, argv: &[&str]) -> (Vec<String>, Vec<String>, i32, ExitReason) {
    let sink = Arc::new(MemorySink::default());
    let workload = fixture
        .runner
        .start(spec(argv), sink.clone())
        .await
        .expect("started");
    let status = tokio::time::timeout(Duration::from_secs(60), workload.wait())
        .await
        .expect("ends");
    (
        sink.texts(Stream::Stdout),
        sink.texts(Stream::Stderr),
        status.code,
        status.reason,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_and_exit_code() {
    let fixture = fixture();
    let (out, err, code, reason) =
        run(&fixture, &["sh", "-c", "echo hi; echo err >&2; exit 3"]).await;
    assert_eq!(out, ["hi"]);
    assert_eq!(err, ["err"]);
    assert_eq!(code, 3);
    assert_eq!(reason, ExitReason::Exited);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utilities_run_as_wasm_instances() {
    let fixture = fixture();
    let script = "printf 'b\\na\\nc\\n' | sort | head -2; \
                  echo hello > /tmp/f; cat /tmp/f | tr a-z A-Z; \
                  cd /etc && cat /etc/hostname | wc -l; ls / | head -3; \
                  echo 's/x/y/' > /tmp/s; echo xx | sed -f /tmp/s; \
                  yes | head -1; seq 3 | tail -1";
    let (out, err, code, _) = run(&fixture, &["sh", "-c", script]).await;
    assert_eq!(err, Vec::<String>::new());
    assert_eq!(
        out,
        ["a", "b", "HELLO", "1", "bin", "etc", "root", "yx", "y", "3"]
    );
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_commands_are_127() {
    let fixture = fixture();
    let (_, err, code, _) = run(&fixture, &["sh", "-c", "nope-cmd arg"]).await;
    assert_eq!(err, ["sh: nope-cmd: not found"]);
    assert_eq!(code, 127);
    let (_, _, code, reason) = run(&fixture, &["nope-cmd"]).await;
    assert_eq!(code, 127);
    assert!(
        matches!(reason, ExitReason::SpawnFailed { .. }),
        "{reason:?}"
    );
}

/// A read-only mount refuses a utility's write and the shell's alike with EROFS, as the
/// kernel's read-only bind does; a read-write one takes both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mounts_refuse_writes_with_erofs() {
    let fixture = fixture();
    let outside = tempfile::tempdir().expect("tempdir");
    let (ro, rw) = (outside.path().join("ro"), outside.path().join("rw"));
    std::fs::create_dir_all(&ro).expect("mkdir");
    std::fs::create_dir_all(&rw).expect("mkdir");
    std::fs::write(ro.join("kept"), "kept\n").expect("write");
    let mut spec = spec(&[
        "sh",
        "-c",
        "cat /ro/kept; touch /ro/new || echo refused; echo x > /ro/other || echo refused; \
         touch /rw/new && echo y > /rw/other && cat /rw/other",
    ]);
    spec.mounts = vec![
        simkit::runner::WorkloadMount {
            source: ro.clone(),
            destination: "/ro".into(),
            read_only: true,
        },
        simkit::runner::WorkloadMount {
            source: rw.clone(),
            destination: "/rw".into(),
            read_only: false,
        },
    ];
    let sink = Arc::new(MemorySink::default());
    let workload = fixture
        .runner
        .start(spec, sink.clone())
        .await
        .expect("started");
    let status = tokio::time::timeout(Duration::from_secs(60), workload.wait())
        .await
        .expect("ends");
    assert_eq!(status.code, 0);
    assert_eq!(
        sink.texts(Stream::Stdout),
        ["kept", "refused", "refused", "y"]
    );
    let errors = sink.texts(Stream::Stderr);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|line| line.contains("Read-only file system")),
        "{errors:?}"
    );
    assert!(!ro.join("new").exists() && !ro.join("other").exists());
    assert!(rw.join("new").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_files_are_unreachable() {
    let fixture = fixture();
    // A host file beside the container roots, and links pointing out of the first workload's
    // root (`root-0`), made from the host before the workload starts.
    let scratch = fixture._scratch.path();
    std::fs::write(scratch.join("host-secret"), "HOST\n").expect("write");
    let links = scratch.join("root-0/links");
    std::fs::create_dir_all(&links).expect("mkdir");
    std::os::unix::fs::symlink("../../../../host-secret", links.join("rel")).expect("link");
    std::os::unix::fs::symlink("/etc/passwd", links.join("abs")).expect("link");
    let script = "cat ../../../host-secret; echo status $?; \
                  read line < ../../host-secret; echo read status $?; \
                  cat /links/rel; echo rel $?; \
                  read line < /links/rel; echo shell rel $?; \
                  head -1 /links/abs; \
                  read line < /links/abs; echo \"$line\" | cut -d: -f1; \
                  cat /../etc/hostname >/dev/null; echo dotdot $?";
    let (out, _err, _code, _) = run(&fixture, &["sh", "-c", script]).await;
    println!("{out:?}");
    assert!(!out.iter().any(|line| line.contains("HOST")), "{out:?}");
    assert!(
        out.contains(&"root".to_string()),
        "an absolute link resolves inside the root: {out:?}"
    );
    assert!(out.contains(&"read status 2".to_string()), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_kill_and_timeout() {
    let fixture = fixture();
    let sink = Arc::new(MemorySink::default());
    // A shell with a TERM trap runs it once its foreground command ends.
    let workload = fixture
        .runner
        .start(
            spec(&[
                "sh",
                "-c",
                "trap 'echo trapped; exit 143' TERM; echo started; while :; do sleep 0.1; done",
            ]),
            sink.clone(),
        )
        .await
        .expect("start");
    wait_for_line(&sink, "started").await;
    workload.stop(Duration::from_secs(30));
    let status = tokio::time::timeout(Duration::from_secs(10), workload.wait())
        .await
        .expect("stops before the grace period ends");
    assert_eq!((status.code, status.reason), (143, ExitReason::Stopped));
    assert!(sink.texts(Stream::Stdout).contains(&"trapped".to_string()));

    // Without a trap, PID 1 ignores SIGTERM: killed when the grace period ends.
    let workload = fixture
        .runner
        .start(
            spec(&["sh", "-c", "echo started2; sleep 100"]),
            sink.clone(),
        )
        .await
        .expect("start");
    wait_for_line(&sink, "started2").await;
    workload.stop(Duration::from_millis(300));
    let status = tokio::time::timeout(Duration::from_secs(10), workload.wait())
        .await
        .expect("killed after the grace period");
    assert_eq!((status.code, status.reason), (137, ExitReason::Stopped));

    let workload = fixture
        .runner
        .start(spec(&["sleep", "100"]), sink.clone())
        .await
        .expect("start");
    workload.kill();
    let status = tokio::time::timeout(Duration::from_secs(10), workload.wait())
        .await
        .expect("killed");
    assert_eq!(status.code, 137);

    let mut timed = spec(&["sh", "-c", "while :; do :; done"]);
    timed.timeout = Some(Duration::from_millis(200));
    let workload = fixture
        .runner
        .start(timed, sink.clone())
        .await
        .expect("start");
    let status = tokio::time::timeout(Duration::from_secs(10), workload.wait())
        .await
        .expect("times out");
    assert_eq!((status.code, status.reason), (143, ExitReason::TimedOut));

    // A utility spinning in wasm is interrupted too.
    let workload = fixture
        .runner
        .start(spec(&["sh", "-c", "yes > /dev/null"]), sink.clone())
        .await
        .expect("start");
    tokio::time::sleep(Duration::from_millis(100)).await;
    workload.stop(Duration::from_millis(100));
    let status = tokio::time::timeout(Duration::from_secs(10), workload.wait())
        .await
        .expect("stops");
    assert_eq!(status.code, 137);
}

async fn wait_for_line(sink: &MemorySink, text: &str) {
    for _ in 0..500 {
        if sink.texts(Stream::Stdout).iter().any(|l| l == text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no line {text:?}: {:?}", sink.lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_runs_in_the_same_root() {
    let fixture = fixture();
    let sink = Arc::new(MemorySink::default());
    let workload = fixture
        .runner
        .start(
            spec(&[
                "sh",
                "-c",
                "echo from-main > /tmp/shared; echo ready; sleep 100",
            ]),
            sink.clone(),
        )
        .await
        .expect("start");
    wait_for_line(&sink, "ready").await;
    let exec_sink = Arc::new(MemorySink::default());
    let exec = fixture
        .runner
        .exec(
            &workload,
            ExecSpec {
                name: "exec".into(),
                argv: vec!["cat".into(), "/tmp/shared".into()],
                working_dir: Some("/tmp".into()),
                ..ExecSpec::default()
            },
            exec_sink.clone(),
        )
        .await
        .expect("exec");
    assert_eq!(exec.wait().await.code, 0);
    assert_eq!(exec_sink.texts(Stream::Stdout), ["from-main"]);
    workload.kill();
    workload.wait().await;
    let error = fixture
        .runner
        .exec(
            &workload,
            ExecSpec {
                argv: vec!["true".into()],
                ..ExecSpec::default()
            },
            exec_sink,
        )
        .await
        .expect_err("ended");
    assert!(matches!(error, RunnerError::NotRunning));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_sandbox_cannot_do_is_refused() {
    let fixture = fixture();
    let mut read_only = spec(&["true"]);
    read_only.read_only_root = true;
    let error = fixture
        .runner
        .start(read_only, Arc::new(MemorySink::default()))
        .await
        .expect_err("refused");
    assert!(matches!(error, RunnerError::Unsupported(_)));
    let network = fixture
        .runner
        .group_network(&simkit::runner::oci::network::NetworkSpec {
            name: "g".into(),
            address: std::net::Ipv4Addr::new(10, 0, 0, 2),
            prefix_len: 24,
            forwards: vec![],
        })
        .await;
    assert!(network.is_err());
}
