//! Workloads do not outlive the simulator. A child process (this test binary, re-run with
//! `SIMKIT_ORPHAN_CHILD` set) starts a workload whose first process leaves a `setsid` child
//! behind, prints both process IDs and its scratch directory, then is killed with SIGKILL: both
//! processes must end and the scratch directory must go. A second test plants the cgroup of a
//! runner whose process is gone, with a process in it, and checks that the next runner ends
//! it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use simkit::clock::SystemClock;
use simkit::logs::{LogLine, LogSink};
use simkit::runner::{ProcessRunner, Runner, WorkloadSpec};

const CHILD_ENV: &str = "SIMKIT_ORPHAN_CHILD";

/// Prints every line the workload writes, so the parent can read them.
struct Echo;

impl LogSink for Echo {
    fn line(&self, line: LogLine) {
        println!("{}", line.text);
    }
}

fn run_child(scratch: &str) -> ! {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let runner = ProcessRunner::new(Arc::new(SystemClock), scratch.into());
        println!("isolation {}", runner.isolation().process_tree);
        let spec = WorkloadSpec {
            name: "orphan-maker".into(),
            argv: vec![
                "sh".into(),
                "-c".into(),
                "setsid sleep 300 & echo escaped $!; echo first $$; echo home $HOME; exec sleep 300"
                    .into(),
            ],
            stop_grace: Duration::from_secs(1),
            ..WorkloadSpec::default()
        };
        let _workload = runner.start(spec, Arc::new(Echo)).await.unwrap();
        std::future::pending::<()>().await;
    });
    unreachable!()
}

fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat[stat.rfind(')').unwrap() + 2..].starts_with('Z'))
        .unwrap_or(false)
}

fn wait_until(what: &str, probe: impl Fn() -> bool) {
    for _ in 0..1000 {
        if probe() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting until {what}");
}

#[test]
fn a_killed_simulator_takes_its_workloads_and_scratch_along() {
    if let Ok(scratch) = std::env::var(CHILD_ENV) {
        run_child(&scratch);
    }
    let root = tempfile::tempdir().unwrap();
    let scratch = root.path().join("workloads");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "a_killed_simulator_takes_its_workloads_and_scratch_along",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &scratch)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut isolation, mut escaped, mut first, mut home) = (None, None, None, None);
    while escaped.is_none() || first.is_none() || home.is_none() || isolation.is_none() {
        let line = lines.next().expect("child ended early").unwrap();
        // libtest prints `test NAME ... ` without a newline before the test's own output.
        let line = ["isolation ", "escaped ", "first ", "home "]
            .iter()
            .find_map(|key| line.find(key).map(|at| &line[at..]))
            .unwrap_or_default();
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("isolation"), Some(kind)) => isolation = Some(kind.to_string()),
            (Some("escaped"), Some(pid)) => escaped = pid.parse::<u32>().ok(),
            (Some("first"), Some(pid)) => first = pid.parse::<u32>().ok(),
            (Some("home"), Some(dir)) => home = Some(dir.to_string()),
            _ => {}
        }
    }
    let (escaped, first, home) = (escaped.unwrap(), first.unwrap(), home.unwrap());
    assert!(Path::new(&home).starts_with(&scratch), "{home}");
    assert!(running(escaped) && running(first));

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();

    wait_until("the first process is gone", || !running(first));
    if isolation.as_deref() == Some("cgroup") {
        wait_until("the setsid child is gone", || !running(escaped));
        wait_until("the scratch root is removed", || !scratch.exists());
    } else {
        // Documented: without cgroups only the first process dies with the simulator.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(escaped as i32),
            nix::sys::signal::SIGKILL,
        );
    }
}

/// Field 22 of `/proc/PID/stat`: the process's start time, which runners put in their names.
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap()
}

/// The cgroup2 directory this process lives in, if the hierarchy is mounted.
fn own_cgroup() -> Option<std::path::PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mount = mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        (after.split_whitespace().next()? == "cgroup2")
            .then(|| before.split_whitespace().nth(4).map(String::from))?
    })?;
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroups.lines().find_map(|line| line.strip_prefix("0::"))?;
    Some(Path::new(&mount).join(path.trim_start_matches('/')))
}

#[test]
fn a_new_runner_ends_the_workloads_of_a_dead_one() {
    let probe = tempfile::tempdir().unwrap();
    let runner = ProcessRunner::new(Arc::new(SystemClock), probe.path().join("w"));
    if runner.isolation().process_tree != "cgroup" {
        // Without cgroups there is nothing of a dead runner's to find; the first process died
        // with it (PR_SET_PDEATHSIG), which the other test checks.
        return;
    }
    drop(runner);
    let parent = own_cgroup().expect("cgroup2 is in use");
    // A stand-in for a simulator: its cgroup is named after it while it lives (so that no
    // runner sweeping concurrently takes it for stale), then it dies.
    let mut owner = Command::new("sleep").arg("300").spawn().unwrap();
    let stale = parent.join(format!(
        "sockerless-{}-{}-0",
        owner.id(),
        start_time(owner.id())
    ));
    let group = stale.join("w0");
    std::fs::create_dir_all(&group).unwrap();
    let mut leftover = Command::new("sleep").arg("300").spawn().unwrap();
    std::fs::write(group.join("cgroup.procs"), leftover.id().to_string()).unwrap();
    owner.kill().unwrap();
    owner.wait().unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let _runner = ProcessRunner::new(Arc::new(SystemClock), scratch.path().join("w"));
    let status = leftover.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "the leftover was killed"
    );
    assert!(!stale.exists(), "the stale cgroup is removed");
}
