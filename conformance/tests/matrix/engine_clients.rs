//! The engine driven by the SDK and the orchestrator programs use: docker-py 7.2 (containers,
//! exec, archives, volumes, networks, errors; `conformance/clients/engine/docker_py.py`) and
//! docker-compose 1.29 bringing up a two-service project whose services reach each other by
//! service name, then `ps`, `logs` and `down`, and testcontainers-python 4.15 (Ryuk disabled)
//! waiting on a log message and reaching a published port, and act 0.2.89 running a workflow
//! with a job container, and gitlab-ci-local 4.73 running a pipeline with its docker executor
//! (stages, variables, `needs`, `rules`, `allow_failure`, `parallel:matrix`). Both
//! on the memory and the docker backend.

use std::path::PathBuf;
use std::process::Command;

use conformance::{Cell, assert_success, clients};

use super::engine::{Engine, Target, text};

mod docker_py_sdk {
    #[test]
    fn memory() {
        super::docker_py_sdk(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_py_sdk(super::Target::Docker);
    }
}

mod docker_compose_two_services {
    #[test]
    fn memory() {
        super::docker_compose_two_services(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_compose_two_services(super::Target::Docker);
    }
}

mod testcontainers_python {
    #[test]
    fn memory() {
        super::testcontainers_python(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::testcontainers_python(super::Target::Docker);
    }
}

mod gitlab_ci_local_pipeline {
    #[test]
    fn memory() {
        super::gitlab_ci_local_pipeline(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::gitlab_ci_local_pipeline(super::Target::Docker);
    }
}

mod act_workflow {
    #[test]
    fn memory() {
        super::act_workflow(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::act_workflow(super::Target::Docker);
    }
}

fn engine_clients_dir() -> PathBuf {
    clients::conformance_dir().join("clients").join("engine")
}

fn docker_py_sdk(target: Target) {
    let _cell = Cell::new("docker-py", target.cell(), "sdk", "docker-py");
    let python = clients::root().join("py").join("bin").join("python3");
    let has_docker = Command::new(&python)
        .args(["-c", "import docker"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_docker,
        "client py venv with docker missing: run scripts/setup"
    );
    let engine = Engine::start(target);
    engine.load_busybox();
    let output = engine
        .sandbox
        .command(&python)
        .arg(engine_clients_dir().join("docker_py.py"))
        .env("ENGINE_IS_PODMAN", if target.podman() { "1" } else { "0" })
        .output()
        .expect("run python");
    assert_success("python3 docker_py.py", &output);
    assert_eq!(text(&output.stdout).trim(), "ok");
}

fn testcontainers_python(target: Target) {
    let _cell = Cell::new(
        "testcontainers",
        target.cell(),
        "log-wait",
        "testcontainers-python",
    );
    let python = clients::root().join("py").join("bin").join("python3");
    let has_client = Command::new(&python)
        .args(["-c", "import testcontainers.core.container"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_client,
        "client py venv with testcontainers missing: run scripts/setup"
    );
    let engine = Engine::start(target);
    engine.load_busybox();
    let output = engine
        .sandbox
        .command(&python)
        .arg(engine_clients_dir().join("testcontainers_py.py"))
        .env("TESTCONTAINERS_RYUK_DISABLED", "true")
        // In a container (`/.dockerenv`, as here) testcontainers reaches published ports
        // through the gateway it reads from the listing's `NetworkSettings.Networks[NetworkMode]`;
        // Podman names its default network `podman` there, not `bridge`, so over Podman the
        // cell has it use the Docker host instead.
        .env(
            "TESTCONTAINERS_CONNECTION_MODE",
            if target.podman() { "docker_host" } else { "" },
        )
        .output()
        .expect("run python");
    assert_success("python3 testcontainers_py.py", &output);
    assert_eq!(text(&output.stdout).trim(), "ok");
}

/// act 0.2.89 running `clients/engine/act/ci.yml` on the engine as CLIENTS.md says (no socket
/// mounted, no cache server, images not pulled): a job container, outputs, `GITHUB_ENV`, a
/// step allowed to fail, a working directory and a matrix job that needs the first.
fn act_workflow(target: Target) {
    let _cell = Cell::new("act", target.cell(), "workflow", "act");
    let act = clients::find("act");
    let git = clients::find("git");
    let engine = Engine::start(target);
    engine.load_busybox();
    let repo = engine.sandbox.path().join("repo");
    let workflows = repo.join(".github").join("workflows");
    std::fs::create_dir_all(&workflows).expect("mkdir");
    std::fs::copy(
        engine_clients_dir().join("act").join("ci.yml"),
        workflows.join("ci.yml"),
    )
    .expect("copy ci.yml");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "."],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "ci",
        ],
    ] {
        let output = engine
            .sandbox
            .command(&git)
            .current_dir(&repo)
            .args(args)
            .output()
            .expect("git");
        assert_success(&format!("git {}", args.join(" ")), &output);
    }
    let output = engine
        .sandbox
        .command(&act)
        .current_dir(&repo)
        .args([
            "push",
            "-P",
            "ubuntu-latest=localhost/busybox",
            "--pull=false",
            "--container-daemon-socket",
            "-",
            "--no-cache-server",
        ])
        .output()
        .expect("run act");
    assert_success("act push", &output);
    let said = text(&output.stdout);
    for line in ["env set job", "dir /tmp", "leg 1 hello", "leg 2 hello"] {
        assert!(said.contains(line), "{line} in:\n{said}");
    }
}

fn docker_compose_two_services(target: Target) {
    let _cell = Cell::new("compose", target.cell(), "two-services", "docker-compose");
    let compose = clients::find("docker-compose");
    let engine = Engine::start(target);
    engine.load_busybox();
    let project = engine.sandbox.path().join("proj");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::copy(
        engine_clients_dir().join("compose.yml"),
        project.join("docker-compose.yml"),
    )
    .expect("copy compose.yml");
    // Podman's networks are the host's: a project name of this cell's own.
    let project_name = format!("proj{}", std::process::id());
    let run = |args: &[&str]| {
        let output = engine
            .sandbox
            .command(&compose)
            .current_dir(&project)
            .args(["-p", &project_name])
            .args(args)
            .output()
            .expect("run docker-compose");
        assert_success(&format!("docker-compose {}", args.join(" ")), &output);
        text(&output.stdout)
    };
    run(&["up", "-d"]);
    let ps = run(&["ps"]);
    for service in ["web", "client"] {
        let service = format!("{project_name}_{service}_1");
        let line = ps.lines().find(|l| l.starts_with(&service)).unwrap_or("");
        assert!(line.contains("Up"), "{service} up in:\n{ps}");
    }
    // The client service found the web service by its name.
    let mut logs = String::new();
    let found = conformance::wait_until(std::time::Duration::from_secs(20), || {
        logs = run(&["logs", "--no-color", "client"]);
        logs.contains("from-web").then_some(())
    });
    assert!(found.is_some(), "client logs:\n{logs}");
    assert!(
        engine
            .ok(&["network", "ls", "--format", "{{.Name}}"])
            .lines()
            .any(|n| n == format!("{project_name}_default"))
    );
    run(&["down"]);
    assert_eq!(engine.ok(&["ps", "-a", "-q"]).trim(), "");
    assert!(
        !engine
            .ok(&["network", "ls", "--format", "{{.Name}}"])
            .lines()
            .any(|n| n == format!("{project_name}_default"))
    );
}

/// gitlab-ci-local from its npm prefix (scripts/setup), with rsync it needs.
fn gitlab_ci_local() -> PathBuf {
    clients::find("rsync");
    let program = clients::root()
        .join("gitlab-ci-local")
        .join("node_modules")
        .join(".bin")
        .join("gitlab-ci-local");
    assert!(
        program.exists(),
        "client gitlab-ci-local missing: run scripts/setup"
    );
    program
}

fn gitlab_ci_local_pipeline(target: Target) {
    let _cell = Cell::new(
        "gitlab-ci-local",
        target.cell(),
        "pipeline",
        "gitlab-ci-local",
    );
    let program = gitlab_ci_local();
    let git = clients::find("git");
    let engine = Engine::start(target);
    engine.load_busybox();
    let repo = engine.sandbox.path().join("project");
    std::fs::create_dir_all(&repo).expect("mkdir");
    std::fs::copy(
        engine_clients_dir()
            .join("gitlab-ci-local")
            .join("gitlab-ci.yml"),
        repo.join(".gitlab-ci.yml"),
    )
    .expect("copy .gitlab-ci.yml");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[
            "remote",
            "add",
            "origin",
            "https://gitlab.example.com/group/project.git",
        ],
        &["add", "."],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "ci",
        ],
    ] {
        let output = engine
            .sandbox
            .command(&git)
            .current_dir(&repo)
            .args(args)
            .output()
            .expect("git");
        assert_success(&format!("git {}", args.join(" ")), &output);
    }
    let output = engine
        .sandbox
        .command(&program)
        .current_dir(&repo)
        .args([
            "--helper-image",
            "localhost/busybox",
            "--no-color",
            "--home",
            engine.sandbox.path().to_str().expect("UTF-8"),
        ])
        .output()
        .expect("run gitlab-ci-local");
    let said = text(&output.stdout);
    assert_success("gitlab-ci-local", &output);
    for line in [
        "built in /builds/group/project",
        "hello from build",
        "after build",
        "job variable own",
        "leg one",
        "leg two",
        "about to fail",
    ] {
        assert!(said.contains(line), "{line} in:\n{said}");
    }
    assert!(!said.contains("must not run"), "{said}");
    // The failed job that may fail is reported as a warning, the pipeline as passed.
    assert!(
        said.lines().any(|l| l.starts_with(" WARN  flaky")),
        "{said}"
    );
    for job in ["build", "test", "legs: [one]", "legs: [two]"] {
        assert!(
            said.lines()
                .any(|l| l.starts_with(&format!(" PASS  {job}"))),
            "{job} passed in:\n{said}"
        );
    }
}
