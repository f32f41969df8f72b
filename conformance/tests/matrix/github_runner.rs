//! `sockerless runner github` against the GitHub fake, seen through gh 2.103 and git: a push
//! starts a workflow with a matrix, `needs`, job outputs, a failing job with an `if: failure()`
//! step and cleanup job, masked values, environment files and the native checkout; our runner
//! registers with the registration token, runs every job, and `gh run list/view/view --log`
//! show the conclusions and the lines the steps really printed. A dispatched run is cancelled
//! while its step sleeps.

use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Stdio};
use std::time::Duration;

use conformance::{Cell, Sandbox, clients, wait_until};
use serde_json::Value;

use crate::github::{gh, gh_sandbox, ok, run, start, user_with_token};
use crate::github_actions::{commit_and_push, json};

const PIPELINE: &str = r#"name: Pipeline
on:
  push:
    branches: [main]
env:
  GREETING: hello
jobs:
  build:
    runs-on: [self-hosted, sockerless]
    strategy:
      matrix:
        flavour: [plain, spicy]
    outputs:
      artifact: ${{ steps.make.outputs.artifact }}
    steps:
      - uses: actions/checkout@v4
      - name: Read the checkout
        run: cat README.md
      - id: make
        name: Make ${{ matrix.flavour }}
        run: |
          echo "::add-mask::topsecret-value"
          echo "the secret is topsecret-value"
          echo "token ${{ github.token }} end"
          echo "artifact=${{ matrix.flavour }}-${GREETING}" >> "$GITHUB_OUTPUT"
          echo "FROM_ENV=set by make" >> "$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/tools" && printf '#!/bin/sh\necho tool ran\n' > "$RUNNER_TEMP/tools/tool" && chmod +x "$RUNNER_TEMP/tools/tool"
          echo "$RUNNER_TEMP/tools" >> "$GITHUB_PATH"
      - name: Env and path flow on
        run: |
          echo "next step sees $FROM_ENV and ${{ env.FROM_ENV }}"
          tool
      - name: In a subdirectory
        working-directory: sub
        run: echo "in $(basename "$PWD"):" && cat file.txt
      - name: Allowed to fail
        continue-on-error: true
        run: exit 3
      - name: Python
        shell: python
        run: print("python says", 6 * 7)
  test:
    needs: build
    runs-on: [self-hosted, sockerless]
    steps:
      - run: echo "test got ${{ needs.build.outputs.artifact }}"
      - name: Break
        run: |
          echo about to fail
          exit 7
      - name: Never runs
        run: echo should not run
      - name: Clean up
        if: failure()
        run: echo cleaning up after failure
  cleanup:
    needs: test
    if: failure()
    runs-on: [self-hosted, sockerless]
    steps:
      - run: echo cleanup job ran
  after:
    needs: test
    runs-on: [self-hosted, sockerless]
    steps:
      - run: echo never
"#;

const SLOW: &str = r#"name: Slow
on: workflow_dispatch
jobs:
  wait:
    runs-on: [self-hosted, sockerless]
    steps:
      - name: Sleep
        run: echo sleeping && sleep 120
      - name: Always
        if: always()
        run: echo ran after the cancel
"#;

pub(crate) struct RunnerProcess(pub(crate) Child);

impl Drop for RunnerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sockerless runner github` registered to `repo` with `registration` and listening.
pub(crate) struct StartedRunner {
    pub(crate) process: RunnerProcess,
    /// Its stdout and stderr.
    pub(crate) log: std::path::PathBuf,
    /// Kept for its directory (the work directory is inside).
    pub(crate) _sandbox: Sandbox,
}

/// Starts our runner (labels `sockerless`) for `repo` and waits until it listens.
pub(crate) fn start_runner(
    server: &conformance::Sockerless,
    repo: &str,
    registration: &str,
) -> StartedRunner {
    start_runner_with(server, repo, registration, &[])
}

/// [`start_runner`] with variables of its own (`DOCKER_HOST`).
pub(crate) fn start_runner_with(
    server: &conformance::Sockerless,
    repo: &str,
    registration: &str,
    env: &[(&str, &str)],
) -> StartedRunner {
    // Its work directory must be reachable by `nobody`, whom steps run as under root.
    let runner_env = Sandbox::new();
    std::fs::set_permissions(runner_env.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let work = runner_env.path().join("work");
    let log_path = runner_env.path().join("runner.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let child = runner_env
        .command(conformance::sockerless_bin())
        .args([
            "runner",
            "github",
            "--url",
            &format!("{}/{repo}", server.url("github")),
            "--token",
            registration,
            "--name",
            "cell-runner",
            "--labels",
            "sockerless",
            "--work",
            work.to_str().expect("UTF-8"),
        ])
        // A service's PATH: the test's own may lead through root's home, which steps (run as
        // nobody) cannot enter.
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .envs(env.iter().copied())
        .stdout(Stdio::from(log.try_clone().expect("log")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("sockerless runner github");
    let process = RunnerProcess(child);
    let listening = wait_until(Duration::from_secs(60), || {
        std::fs::read_to_string(&log_path)
            .ok()
            .filter(|l| l.contains("Listening for Jobs"))
    });
    assert!(
        listening.is_some(),
        "the runner did not start listening: {}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );
    StartedRunner {
        process,
        log: log_path,
        _sandbox: runner_env,
    }
}

pub(crate) fn wait_for_run(gh_env: &Sandbox, gh: &std::path::Path, repo: &str, id: &str) -> Value {
    wait_until(Duration::from_secs(120), || {
        let view = json(&ok(
            gh_env,
            gh,
            &[
                "run",
                "view",
                id,
                "-R",
                repo,
                "--json",
                "status,conclusion,jobs",
            ],
        ));
        (view["status"] == "completed").then_some(view)
    })
    .unwrap_or_else(|| panic!("run {id} did not complete"))
}

pub(crate) fn steps_of(job: &Value) -> Vec<(String, String)> {
    job["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["conclusion"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn github_actions_sockerless_runner() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-runner",
        "sockerless runner github + gh 2.103 + git",
    );
    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "workflow", "read:org"]);
    let gh_env = gh_sandbox(&server, &token);
    let git_env = Sandbox::new();
    ok(
        &gh_env,
        &gh,
        &["api", "-X", "POST", "user/repos", "-f", "name=demo"],
    );
    let registration = ok(
        &gh_env,
        &gh,
        &[
            "api",
            "-X",
            "POST",
            "repos/octo/demo/actions/runners/registration-token",
            "--jq",
            ".token",
        ],
    );

    let started = start_runner(&server, "octo/demo", registration.trim());
    let (mut runner, log_path) = (started.process, started.log);
    let work_tree = git_env.path().join("tree");
    ok(
        &git_env,
        &git,
        &[
            "init",
            "-q",
            "-b",
            "main",
            work_tree.to_str().expect("UTF-8"),
        ],
    );
    let remote =
        server
            .url("github")
            .replacen("http://", &format!("http://x-access-token:{token}@"), 1)
            + "/octo/demo.git";
    commit_and_push(
        &git_env,
        &git,
        &work_tree,
        &[
            (".github/workflows/pipeline.yml", PIPELINE),
            (".github/workflows/slow.yml", SLOW),
            ("README.md", "hello from the readme\n"),
            ("sub/file.txt", "a file in sub\n"),
        ],
        "Add the pipeline",
        &remote,
    );
    let listed = wait_until(Duration::from_secs(30), || {
        let runs = json(&ok(
            &gh_env,
            &gh,
            &[
                "run",
                "list",
                "-R",
                "octo/demo",
                "--json",
                "databaseId,workflowName",
            ],
        ));
        runs.as_array()?
            .iter()
            .find(|r| r["workflowName"] == "Pipeline")
            .and_then(|r| r["databaseId"].as_u64())
    })
    .expect("the push started the Pipeline");
    let run_id = listed.to_string();
    let view = wait_for_run(&gh_env, &gh, "octo/demo", &run_id);
    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/demo", "--log"],
    );
    let runner_log = std::fs::read_to_string(&log_path).unwrap_or_default() + &log;
    assert_eq!(view["conclusion"], "failure", "{view}\n{runner_log}");

    let jobs = view["jobs"].as_array().expect("jobs");
    let job = |name: &str| {
        jobs.iter()
            .find(|j| j["name"] == name)
            .unwrap_or_else(|| panic!("no job {name}: {view}\n{runner_log}"))
    };
    for flavour in ["plain", "spicy"] {
        let build = job(&format!("build ({flavour})"));
        assert_eq!(build["conclusion"], "success", "{build}\n{runner_log}");
        let names: Vec<(String, String)> = steps_of(build);
        assert_eq!(
            names,
            [
                ("Set up job".to_string(), "success".to_string()),
                ("Run actions/checkout@v4".into(), "success".into()),
                ("Read the checkout".into(), "success".into()),
                (format!("Make {flavour}"), "success".into()),
                ("Env and path flow on".into(), "success".into()),
                ("In a subdirectory".into(), "success".into()),
                ("Allowed to fail".into(), "success".into()),
                ("Python".into(), "success".into()),
                ("Complete job".into(), "success".into()),
            ],
            "{build}\n{runner_log}"
        );
    }
    let test = job("test");
    assert_eq!(test["conclusion"], "failure", "{test}");
    let test_steps = steps_of(test);
    // A `run:` step without a name shows its script's first line, evaluated.
    assert_eq!(
        test_steps[0],
        ("Set up job".to_string(), "success".to_string())
    );
    assert!(
        ["plain", "spicy"].iter().any(|f| test_steps[1]
            == (
                format!("Run echo \"test got {f}-hello\""),
                "success".to_string()
            )),
        "{test}"
    );
    assert_eq!(
        test_steps[2..],
        [
            ("Break".to_string(), "failure".to_string()),
            ("Never runs".into(), "skipped".into()),
            ("Clean up".into(), "success".into()),
            ("Complete job".into(), "success".into()),
        ],
        "{test}"
    );
    assert_eq!(job("cleanup")["conclusion"], "success", "{view}");
    assert_eq!(job("after")["conclusion"], "skipped", "{view}");

    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/demo", "--log"],
    );
    for expected in [
        "hello from the readme",
        "the secret is ***",
        "token *** end",
        "next step sees set by make and set by make",
        "tool ran",
        "in sub:",
        "a file in sub",
        "python says 42",
        "##[error]Process completed with exit code 3.",
        "about to fail",
        "##[error]Process completed with exit code 7.",
        "cleaning up after failure",
        "cleanup job ran",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in\n{log}");
    }
    assert!(
        log.contains("test got plain-hello") || log.contains("test got spicy-hello"),
        "{log}"
    );
    assert!(!log.contains("topsecret-value"), "{log}");
    assert!(!log.contains("should not run"), "{log}");
    // gh names each line's job and step from the logs zip's `JOB/N_STEP.txt` files.
    let named = |log: &str, prefix: &str, text: &str| {
        log.lines()
            .any(|l| l.starts_with(prefix) && l.contains(text))
    };
    assert!(named(&log, "test\tBreak\t", "about to fail"), "{log}");
    assert!(
        named(
            &log,
            "cleanup\tRun echo cleanup job ran\t",
            "cleanup job ran"
        ),
        "{log}"
    );
    assert!(!log.contains("UNKNOWN STEP"), "{log}");
    let failed = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/demo", "--log-failed"],
    );
    assert!(
        named(
            &failed,
            "test\tBreak\t",
            "Process completed with exit code 7."
        ),
        "{failed}"
    );
    assert!(!failed.contains("cleanup job ran"), "{failed}");
    assert!(!failed.contains("python says"), "{failed}");

    // A run cancelled while its step sleeps: the step is stopped, `always()` still runs.
    ok(
        &gh_env,
        &gh,
        &["workflow", "run", "Slow", "-R", "octo/demo"],
    );
    let slow = wait_until(Duration::from_secs(30), || {
        let runs = json(&ok(
            &gh_env,
            &gh,
            &[
                "run",
                "list",
                "-R",
                "octo/demo",
                "--json",
                "databaseId,workflowName,status",
            ],
        ));
        runs.as_array()?
            .iter()
            .find(|r| r["workflowName"] == "Slow" && r["status"] == "in_progress")
            .and_then(|r| r["databaseId"].as_u64())
    })
    .expect("the Slow run started")
    .to_string();
    let sleeping = wait_until(Duration::from_secs(30), || {
        let view = json(&ok(
            &gh_env,
            &gh,
            &["run", "view", &slow, "-R", "octo/demo", "--json", "jobs"],
        ));
        let steps = view["jobs"][0]["steps"].as_array()?.clone();
        steps
            .iter()
            .any(|s| s["name"] == "Sleep" && s["status"] == "in_progress")
            .then_some(())
    });
    assert!(sleeping.is_some(), "the Sleep step never started");
    ok(&gh_env, &gh, &["run", "cancel", &slow, "-R", "octo/demo"]);
    let cancelled = wait_for_run(&gh_env, &gh, "octo/demo", &slow);
    assert_eq!(cancelled["conclusion"], "cancelled", "{cancelled}");
    let slow_log = ok(
        &gh_env,
        &gh,
        &["run", "view", &slow, "-R", "octo/demo", "--log"],
    );
    assert!(slow_log.contains("sleeping"), "{slow_log}");
    assert!(
        slow_log.contains("The operation was canceled."),
        "{slow_log}"
    );
    assert!(slow_log.contains("ran after the cancel"), "{slow_log}");

    // SIGTERM: the runner deletes its session and exits 0.
    let pid = runner.0.id().to_string();
    let _ = run(&gh_env, std::path::Path::new("/bin/kill"), &["-TERM", &pid]);
    let exited = wait_until(Duration::from_secs(40), || {
        runner.0.try_wait().ok().flatten()
    });
    assert!(
        exited.is_some_and(|s| s.success()),
        "{exited:?}: {}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );
}
