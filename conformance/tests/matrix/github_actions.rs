//! GitHub Actions in the GitHub fake, driven by gh 2.103 and git: a push starts runs of the
//! workflows it matches (with matrix jobs and `needs` waiting), an invalid workflow file gets a
//! failed run with GitHub's message, `workflow_dispatch` checks typed inputs, repository
//! dispatches, cancel, re-run, paging and filters.

use std::path::Path;

use conformance::{Cell, Sandbox, clients};
use serde_json::Value;

use crate::github::{gh, gh_sandbox, ok, run, start, user_with_token};

const CI: &str = r#"name: CI
on:
  push:
    branches: [main]
    paths-ignore: ['docs/**']
  workflow_dispatch:
    inputs:
      level:
        type: choice
        options: [info, debug]
        default: info
jobs:
  build:
    runs-on: [self-hosted, linux]
    strategy:
      matrix:
        os: [alpha, beta]
        include:
          - os: beta
            extra: yes
    steps:
      - run: echo build ${{ matrix.os }}
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo test
"#;

const BAD: &str =
    "on: push\njobs:\n  a:\n    needs: nope\n    runs-on: x\n    steps:\n      - run: echo\n";

const DEPLOY: &str = "name: Deploy\non:\n  repository_dispatch:\n    types: [deploy]\njobs:\n  ship:\n    if: github.event.client_payload.env == 'prod'\n    runs-on: x\n    steps:\n      - run: echo ship\n";

/// Commits `files` in `work` and pushes `branch` to the fake.
pub(crate) fn commit_and_push(
    sandbox: &Sandbox,
    git: &Path,
    work: &Path,
    files: &[(&str, &str)],
    message: &str,
    remote: &str,
) {
    let work_arg = work.to_str().expect("UTF-8 path");
    for (path, text) in files {
        let file = work.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    ok(sandbox, git, &["-C", work_arg, "add", "-A"]);
    ok(
        sandbox,
        git,
        &[
            "-C",
            work_arg,
            "-c",
            "user.name=O",
            "-c",
            "user.email=o@example.com",
            "commit",
            "-qm",
            message,
        ],
    );
    ok(
        sandbox,
        git,
        &["-C", work_arg, "push", "-q", remote, "main"],
    );
}

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn github_actions_runs_gh() {
    let _cell = Cell::new("forge-cli", "github", "actions-runs", "gh 2.103 + git");
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
    let work = git_env.path().join("work");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", work.to_str().expect("UTF-8")],
    );
    let remote =
        server
            .url("github")
            .replacen("http://", &format!("http://x-access-token:{token}@"), 1)
            + "/octo/demo.git";
    commit_and_push(
        &git_env,
        &git,
        &work,
        &[
            (".github/workflows/ci.yml", CI),
            (".github/workflows/bad.yml", BAD),
            (".github/workflows/deploy.yml", DEPLOY),
        ],
        "Add workflows\n\nWith a body.",
        &remote,
    );

    // The push registered three workflows; GitHub names an invalid file by its path.
    let workflows = ok(
        &gh_env,
        &gh,
        &["workflow", "list", "-R", "octo/demo", "--all"],
    );
    let mut names: Vec<&str> = workflows
        .lines()
        .filter_map(|l| l.split('\t').next())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [".github/workflows/bad.yml", "CI", "Deploy"],
        "{workflows}"
    );

    // Two runs: CI queued (its jobs wait for a runner), bad.yml failed at once. Deploy does not
    // listen to pushes.
    let runs = json(&ok(
        &gh_env,
        &gh,
        &[
            "run",
            "list",
            "-R",
            "octo/demo",
            "--json",
            "databaseId,status,conclusion,workflowName,event,headBranch,displayTitle,number",
        ],
    ));
    let runs = runs.as_array().expect("runs");
    assert_eq!(runs.len(), 2, "{runs:?}");
    let ci = runs
        .iter()
        .find(|r| r["workflowName"] == "CI")
        .expect("CI run");
    assert_eq!(
        (
            ci["status"].as_str(),
            ci["event"].as_str(),
            ci["headBranch"].as_str()
        ),
        (Some("queued"), Some("push"), Some("main"))
    );
    assert_eq!(ci["displayTitle"], "Add workflows");
    let bad = runs
        .iter()
        .find(|r| r["workflowName"] == ".github/workflows/bad.yml")
        .expect("bad run");
    assert_eq!(
        (bad["status"].as_str(), bad["conclusion"].as_str()),
        (Some("completed"), Some("failure"))
    );
    let ci_id = ci["databaseId"].as_u64().expect("id").to_string();

    // The matrix made one job per combination, named as GitHub names them; `test` needs
    // `build`, so it does not exist yet.
    let jobs = ok(
        &gh_env,
        &gh,
        &[
            "api",
            &format!("repos/octo/demo/actions/runs/{ci_id}/jobs"),
            "--jq",
            ".jobs[] | [.name, .status, (.labels|join(\",\"))] | @tsv",
        ],
    );
    assert_eq!(
        jobs,
        "build (alpha)\tqueued\tself-hosted,linux\nbuild (beta, yes)\tqueued\tself-hosted,linux\n"
    );
    let view = json(&ok(
        &gh_env,
        &gh,
        &[
            "run",
            "view",
            &ci_id,
            "-R",
            "octo/demo",
            "--json",
            "status,jobs,attempt,workflowName",
        ],
    ));
    assert_eq!(view["jobs"].as_array().map(Vec::len), Some(2), "{view}");

    // workflow_dispatch: inputs are checked against their declaration with GitHub's 422s.
    let refused = run(
        &gh_env,
        &gh,
        &[
            "workflow",
            "run",
            "CI",
            "-R",
            "octo/demo",
            "-f",
            "level=trace",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(
            "HTTP 422: Provided value 'trace' for input 'level' not in the list of allowed values"
        ),
        "{refused:?}"
    );
    let unknown = run(
        &gh_env,
        &gh,
        &[
            "workflow",
            "run",
            "CI",
            "-R",
            "octo/demo",
            "-f",
            "colour=red",
        ],
    );
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("HTTP 422: Unexpected inputs provided: [\"colour\"]"),
        "{unknown:?}"
    );
    ok(
        &gh_env,
        &gh,
        &[
            "workflow",
            "run",
            "CI",
            "-R",
            "octo/demo",
            "-f",
            "level=debug",
        ],
    );
    let dispatched = ok(
        &gh_env,
        &gh,
        &[
            "run",
            "list",
            "-R",
            "octo/demo",
            "-e",
            "workflow_dispatch",
            "--json",
            "databaseId,displayTitle,event",
            "--jq",
            ".[] | [.event, .displayTitle] | @tsv",
        ],
    );
    assert_eq!(dispatched, "workflow_dispatch\tCI\n");

    // repository_dispatch of a type Deploy listens to; its `if` reads the client payload.
    ok(
        &gh_env,
        &gh,
        &[
            "api",
            "repos/octo/demo/dispatches",
            "-f",
            "event_type=deploy",
            "-F",
            "client_payload[env]=staging",
        ],
    );
    ok(
        &gh_env,
        &gh,
        &[
            "api",
            "repos/octo/demo/dispatches",
            "-f",
            "event_type=other",
        ],
    );
    let deploys = json(&ok(
        &gh_env,
        &gh,
        &[
            "run",
            "list",
            "-R",
            "octo/demo",
            "-w",
            "Deploy",
            "--json",
            "databaseId,status,conclusion",
        ],
    ));
    assert_eq!(deploys.as_array().map(Vec::len), Some(1), "{deploys}");
    // `env` is staging, so the only job is skipped and so is the run.
    assert_eq!(deploys[0]["conclusion"], "skipped", "{deploys}");

    // A push touching only ignored paths starts nothing.
    commit_and_push(
        &git_env,
        &git,
        &work,
        &[("docs/readme.md", "docs\n")],
        "Docs only",
        &remote,
    );
    let ci_runs = ok(
        &gh_env,
        &gh,
        &[
            "run",
            "list",
            "-R",
            "octo/demo",
            "-w",
            "CI",
            "--json",
            "event",
            "--jq",
            ".[].event",
        ],
    );
    // bad.yml runs again on every push; CI does not.
    assert_eq!(ci_runs, "workflow_dispatch\npush\n");

    // Paging: one run per page, every run exactly once (newest first).
    let paged = ok(
        &gh_env,
        &gh,
        &[
            "api",
            "--paginate",
            "repos/octo/demo/actions/runs?per_page=1",
            "--jq",
            ".workflow_runs[].id",
        ],
    );
    let ids: Vec<u64> = paged
        .split_whitespace()
        .map(|s| s.parse().expect("id"))
        .collect();
    let total = json(&ok(&gh_env, &gh, &["api", "repos/octo/demo/actions/runs"]))["total_count"]
        .as_u64()
        .expect("total");
    assert_eq!(ids.len() as u64, total);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let filtered = ok(
        &gh_env,
        &gh,
        &[
            "api",
            "repos/octo/demo/actions/runs?status=failure",
            "--jq",
            ".workflow_runs[].path",
        ],
    );
    assert_eq!(
        filtered,
        ".github/workflows/bad.yml\n.github/workflows/bad.yml\n"
    );

    // Cancel: the queued jobs end cancelled, then the run; cancelling again is GitHub's 409.
    ok(&gh_env, &gh, &["run", "cancel", &ci_id, "-R", "octo/demo"]);
    let cancelled = json(&ok(
        &gh_env,
        &gh,
        &[
            "run",
            "view",
            &ci_id,
            "-R",
            "octo/demo",
            "--json",
            "status,conclusion,jobs",
        ],
    ));
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["conclusion"].as_str()
        ),
        (Some("completed"), Some("cancelled"))
    );
    assert!(
        cancelled["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .all(|j| j["conclusion"] == "cancelled"),
        "{cancelled}"
    );
    let again = run(&gh_env, &gh, &["run", "cancel", &ci_id, "-R", "octo/demo"]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("Cannot cancel a workflow run that is completed"),
        "{again:?}"
    );

    // Re-run makes attempt 2 with fresh jobs; attempt 1 keeps its cancelled ones.
    ok(&gh_env, &gh, &["run", "rerun", &ci_id, "-R", "octo/demo"]);
    let rerun = json(&ok(
        &gh_env,
        &gh,
        &["api", &format!("repos/octo/demo/actions/runs/{ci_id}")],
    ));
    assert_eq!(
        (rerun["run_attempt"].as_u64(), rerun["status"].as_str()),
        (Some(2), Some("queued"))
    );
    let first = ok(
        &gh_env,
        &gh,
        &[
            "api",
            &format!("repos/octo/demo/actions/runs/{ci_id}/attempts/1/jobs"),
            "--jq",
            ".jobs[].conclusion",
        ],
    );
    assert_eq!(first, "cancelled\ncancelled\n");
    let all = ok(
        &gh_env,
        &gh,
        &[
            "api",
            &format!("repos/octo/demo/actions/runs/{ci_id}/jobs?filter=all"),
            "--jq",
            ".total_count",
        ],
    );
    assert_eq!(all.trim(), "4");

    // Disabled workflows start nothing; unknown ones are 404.
    ok(
        &gh_env,
        &gh,
        &["workflow", "disable", "CI", "-R", "octo/demo"],
    );
    let disabled = run(&gh_env, &gh, &["workflow", "run", "CI", "-R", "octo/demo"]);
    assert!(!disabled.status.success());
    let missing = run(
        &gh_env,
        &gh,
        &["api", "repos/octo/demo/actions/runs/999999"],
    );
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("Not Found (HTTP 404)"),
        "{missing:?}"
    );

    // A runner registration token: GitHub's form, good for an hour.
    let made = json(&ok(
        &gh_env,
        &gh,
        &[
            "api",
            "-X",
            "POST",
            "repos/octo/demo/actions/runners/registration-token",
        ],
    ));
    let registration = made["token"].as_str().expect("token");
    assert!(
        registration.len() == 29
            && registration.starts_with('A')
            && registration
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{made}"
    );
    assert!(
        made["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{made}"
    );

    // Deleting a run removes it and its jobs.
    let bad_id = bad["databaseId"].as_u64().expect("id").to_string();
    ok(&gh_env, &gh, &["run", "delete", &bad_id, "-R", "octo/demo"]);
    let gone = run(
        &gh_env,
        &gh,
        &["api", &format!("repos/octo/demo/actions/runs/{bad_id}")],
    );
    assert!(!gone.status.success());
}

const REPLAYED: &str = r#"name: CI
on:
  workflow_dispatch:
    inputs:
      greeting:
        type: string
        default: hello
env:
  STAGE: ci
jobs:
  build:
    runs-on: [self-hosted, replay]
    outputs:
      greeting: ${{ steps.say.outputs.greeting }}
    steps:
      - run: echo ${{ inputs.greeting }} from the step
  report:
    needs: build
    runs-on: [self-hosted, linux]
    steps:
      - run: echo report says ${{ needs.build.outputs.greeting }}
"#;

/// The official runner's request sequence, replayed by `clients/github/runner_replay.py`
/// (registration, OAuth with RS256 assertions, session, long-poll, renew, timeline, logs,
/// JobCompleted, finish, cancel, delete session); then gh shows what the runner reported.
#[test]
fn github_actions_runner_protocol_replay() {
    let _cell = Cell::new(
        "forge-protocol",
        "github",
        "actions-runner-service",
        "runner request replay (python) + gh 2.103 + git",
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
    let work = git_env.path().join("work");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", work.to_str().expect("UTF-8")],
    );
    let remote =
        server
            .url("github")
            .replacen("http://", &format!("http://x-access-token:{token}@"), 1)
            + "/octo/demo.git";
    commit_and_push(
        &git_env,
        &git,
        &work,
        &[(".github/workflows/ci.yml", REPLAYED)],
        "Add CI",
        &remote,
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
    let script = conformance::clients_dir()
        .join("github")
        .join("runner_replay.py");
    let output = std::process::Command::new(crate::github::py())
        .arg(&script)
        .env("BLEEPHUB_URL", server.url("github"))
        .env("BLEEPHUB_ADMIN_TOKEN", crate::github::ADMIN_TOKEN)
        .env("USER_TOKEN", &token)
        .env("REPO", "octo/demo")
        .env("REG_TOKEN", registration.trim())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python");
    conformance::assert_success("runner_replay.py", &output);
    let printed = json(String::from_utf8_lossy(&output.stdout).trim());
    let run_id = printed["run"].as_u64().expect("run").to_string();
    let cancelled = printed["cancelled"].as_u64().expect("run").to_string();

    // What the runner reported is what gh shows: jobs, their steps and conclusions, the log.
    let view = json(&ok(
        &gh_env,
        &gh,
        &[
            "run",
            "view",
            &run_id,
            "-R",
            "octo/demo",
            "--json",
            "status,conclusion,jobs",
        ],
    ));
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["conclusion"], "failure", "{view}");
    let jobs = view["jobs"].as_array().expect("jobs");
    let summary: Vec<(String, String, String)> = jobs
        .iter()
        .map(|j| {
            (
                j["name"].as_str().unwrap_or_default().to_string(),
                j["conclusion"].as_str().unwrap_or_default().to_string(),
                j["steps"]
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .map(|s| format!("{}:{}:{}", s["number"], s["name"], s["conclusion"]))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "build".to_string(),
                "success".to_string(),
                "1:\"Run the step\":\"success\"".to_string()
            ),
            (
                "report".to_string(),
                "failure".to_string(),
                "1:\"Run the step\":\"failure\"".to_string()
            ),
        ],
        "{view}"
    );
    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/demo", "--log"],
    );
    assert!(log.contains("hello from the step"), "{log}");
    assert!(log.contains("second line"), "{log}");
    assert!(log.contains("report says hi there"), "{log}");
    let job_id = jobs[0]["databaseId"].as_u64().expect("job id").to_string();
    let job_log = ok(
        &gh_env,
        &gh,
        &["run", "view", "-R", "octo/demo", "--job", &job_id, "--log"],
    );
    assert!(job_log.contains("hello from the step"), "{job_log}");
    assert!(!job_log.contains("report says"), "{job_log}");
    let cancelled = json(&ok(
        &gh_env,
        &gh,
        &[
            "run",
            "view",
            &cancelled,
            "-R",
            "octo/demo",
            "--json",
            "status,conclusion",
        ],
    ));
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["conclusion"].as_str()
        ),
        (Some("completed"), Some("cancelled"))
    );
}
