//! The GitLab fake driven by python-gitlab, git and gitlab-python-runner. Each scenario script
//! lives in `conformance/clients/gitlab/` and asserts what a fake could not satisfy; each test
//! here is one cell: the script, against a fresh `sockerless hub gitlab` on a free port.

use std::path::PathBuf;
use std::process::Command;

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients, clients_dir};

const ROOT_TOKEN: &str = "glpat-conformance-root-token";

/// A venv's python that imports `module`, or the cell fails naming the client.
fn venv_python(venv: &str, module: &str) -> PathBuf {
    let python = clients::root().join(venv).join("bin").join("python3");
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "client {venv} venv with {module} missing: run scripts/setup"
    );
    python
}

fn scenario(suite: &str, name: &str, client: &str, script: &str, extra_args: &[&str]) {
    let _cell = Cell::new(suite, "gitlab", name, client);
    let python = venv_python("py", "gitlab");
    clients::find("git");
    let mut args = vec!["hub", "gitlab", "--port", "0"];
    args.extend_from_slice(extra_args);
    let server = Sockerless::start_with_env(
        &args,
        &["gitlab"],
        &[("SOCKERLESS_GITLAB_ROOT_TOKEN", ROOT_TOKEN)],
    );
    let mut sandbox = Sandbox::new();
    sandbox.set("GITLAB_URL", server.url("gitlab"));
    sandbox.set("GITLAB_TOKEN", ROOT_TOKEN);
    let runner_python = clients::root().join("glrunner").join("bin").join("python3");
    let runner = clients::root()
        .join("glrunner")
        .join("bin")
        .join("gitlab-runner.py");
    sandbox.set(
        "GLRUNNER_PYTHON",
        runner_python.to_str().expect("UTF-8 path"),
    );
    sandbox.set("GLRUNNER", runner.to_str().expect("UTF-8 path"));
    let script_path = clients_dir().join(script);
    let output = sandbox
        .command(&python)
        .arg(&script_path)
        .env("PYTHONPATH", clients_dir().join("gitlab"))
        .output()
        .expect("run python");
    assert_success(&format!("python3 {script}"), &output);
}

#[test]
fn rest_users_groups_projects() {
    scenario(
        "forge-api",
        "rest",
        "python-gitlab",
        "gitlab/rest_api.py",
        &[],
    );
}

#[test]
fn variables_and_pipelines_api() {
    scenario(
        "forge-api",
        "pipelines",
        "python-gitlab + git",
        "gitlab/pipelines_api.py",
        &[],
    );
}

#[test]
fn repository_files_branches_tags() {
    scenario(
        "forge-api",
        "repository",
        "python-gitlab + git",
        "gitlab/repository_api.py",
        &[],
    );
}

#[test]
fn merge_requests_api() {
    scenario(
        "forge-api",
        "merge-requests",
        "python-gitlab + git",
        "gitlab/merge_requests.py",
        &[],
    );
}

#[test]
fn triggers_lint_and_erase() {
    scenario(
        "forge-api",
        "triggers-lint",
        "python-gitlab + requests + git",
        "gitlab/triggers_lint.py",
        &[],
    );
}

/// Everything acknowledged survives a SIGKILL: projects, variables, pipelines and the git
/// repository are read back after a restart on the same state directory.
#[test]
fn state_survives_a_kill() {
    let _cell = Cell::new("durability", "gitlab", "state-dir", "python-gitlab + git");
    let python = venv_python("py", "gitlab");
    clients::find("git");
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().to_str().expect("UTF-8 path");
    let mut sandbox = Sandbox::new();
    for phase in ["write", "verify"] {
        let mut server = Sockerless::start_with_env(
            &["hub", "gitlab", "--port", "0", "--state-dir", state_dir],
            &["gitlab"],
            &[("SOCKERLESS_GITLAB_ROOT_TOKEN", ROOT_TOKEN)],
        );
        sandbox.set("GITLAB_URL", server.url("gitlab"));
        sandbox.set("GITLAB_TOKEN", ROOT_TOKEN);
        let output = sandbox
            .command(&python)
            .arg(clients_dir().join("gitlab/durability.py"))
            .arg(phase)
            .env("PYTHONPATH", clients_dir().join("gitlab"))
            .output()
            .expect("run python");
        assert_success(&format!("durability.py {phase}"), &output);
        // SIGKILL: nothing gets a chance to flush.
        let ended = server.signal_and_wait(
            nix::sys::signal::Signal::SIGKILL,
            std::time::Duration::from_secs(10),
        );
        assert!(ended.is_some(), "sockerless did not die on SIGKILL");
    }
}

#[test]
fn python_runner_runs_a_pushed_pipeline() {
    let runner = clients::root()
        .join("glrunner")
        .join("bin")
        .join("gitlab-runner.py");
    assert!(
        runner.is_file(),
        "client glrunner (gitlab-python-runner) missing: run scripts/setup"
    );
    scenario(
        "gitlab-e2e",
        "python-runner",
        "gitlab-python-runner + python-gitlab + git",
        "gitlab/runner_e2e.py",
        &[],
    );
}

#[test]
fn protected_branches_and_tags() {
    scenario(
        "forge-api",
        "protected-refs",
        "python-gitlab + git + requests",
        "gitlab/protected_refs.py",
        &[],
    );
}

#[test]
fn includes_from_projects_and_their_errors() {
    scenario(
        "gitlab-e2e",
        "includes",
        "python-gitlab + git",
        "gitlab/includes.py",
        &[],
    );
}

#[test]
fn child_and_multi_project_pipelines() {
    scenario(
        "gitlab-e2e",
        "downstream",
        "gitlab-python-runner + python-gitlab + git",
        "gitlab/downstream.py",
        &[],
    );
}

#[test]
fn dotenv_reports_and_delayed_jobs() {
    scenario(
        "gitlab-e2e",
        "dotenv-delayed",
        "python-gitlab + requests (runner API) + git",
        "gitlab/dotenv_delayed.py",
        &[],
    );
}

#[test]
fn resource_groups_and_interruptible_pipelines() {
    scenario(
        "gitlab-e2e",
        "resource-groups",
        "python-gitlab + requests (runner API) + git",
        "gitlab/resource_groups.py",
        &[],
    );
}

#[test]
fn pipeline_schedules() {
    scenario(
        "forge-api",
        "pipeline-schedules",
        "python-gitlab + git",
        "gitlab/schedules.py",
        &[],
    );
}

#[test]
fn pipeline_schedules_fire_on_time() {
    scenario(
        "gitlab-e2e",
        "pipeline-schedules-fire",
        "python-gitlab + git",
        "gitlab/schedules_fire.py",
        &["--gitlab-schedule-worker-cron", "* * * * *"],
    );
}

#[test]
fn environments_and_deployments() {
    scenario(
        "gitlab-e2e",
        "environments",
        "gitlab-python-runner + python-gitlab + git",
        "gitlab/environments.py",
        &[],
    );
}

#[test]
fn child_pipelines_from_project_files_and_templates() {
    scenario(
        "gitlab-e2e",
        "child-includes",
        "python-gitlab + git",
        "gitlab/child_includes.py",
        &[],
    );
}

#[test]
fn webhooks_deliver_gitlab_events() {
    scenario(
        "forge-api",
        "webhooks",
        "python-gitlab + git + a local receiver",
        "gitlab/webhooks.py",
        &[],
    );
}

#[test]
fn environments_stop_themselves_on_the_workers_tick() {
    scenario(
        "gitlab-e2e",
        "environments-auto-stop",
        "gitlab-python-runner + python-gitlab + git",
        "gitlab/auto_stop.py",
        &["--gitlab-auto-stop-worker-cron", "* * * * *"],
    );
}

/// The runner API as the Go gitlab-runner speaks it (`gitlab/gorunner.py`): exit codes and
/// `allow_failure: exit_codes`, `retry:` by reason and exit code, timeouts capped by the
/// runner's `maximum_timeout`, and cancellation mid-job, graceful and not.
#[test]
fn runner_protocol_as_the_go_runner_speaks_it() {
    scenario(
        "gitlab-e2e",
        "go-runner-protocol",
        "Go-shaped runner client + python-gitlab + git",
        "gitlab/runner_protocol.py",
        &[],
    );
}

#[test]
fn includes_with_rules_and_inputs() {
    scenario(
        "gitlab-e2e",
        "include-rules-inputs",
        "python-gitlab + git + Go-shaped runner client",
        "gitlab/include_inputs.py",
        &[],
    );
}

/// Issues, labels and milestones as python-gitlab's functional tests use them: GitLab's
/// errors and paging, system notes, time tracking, and the issue and note events hooks get.
#[test]
fn issues_labels_and_milestones() {
    scenario(
        "forge-api",
        "issues",
        "python-gitlab",
        "gitlab/issues.py",
        &[],
    );
}
