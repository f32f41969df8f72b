//! `sockerless runner github` running a job's `container:` and `services:` on this project's
//! Docker engine (`sockerless engine`, memory backend), seen through gh 2.103, git and the
//! docker CLI 28.2:
//!
//! - a job whose steps run inside `localhost/busybox` (its `/etc/os-release`, its env, the
//!   checked-out workspace at `/__w/REPO/REPO`, `GITHUB_OUTPUT`/`GITHUB_ENV` read back) with a
//!   service container reached by its label (`web:8080`) and published on a host port
//!   (`job.services.web.ports`);
//! - `hashFiles` over the checked-out workspace;
//! - a job whose image no registry here has, failing in "Initialize containers" with the
//!   engine's own message;
//! - every container and network the runner made gone afterwards.

use conformance::{Cell, Sandbox, clients};

use crate::engine::{Engine, Target};
use crate::github::{gh, gh_sandbox, ok, start, user_with_token};
use crate::github_actions::commit_and_push;
use crate::github_runner::{start_runner_with, steps_of};
use crate::github_runner_uses::{completed_run, logged, registration, remote};

const CONTAINERS: &str = r#"name: Containers
on: push
jobs:
  inside:
    runs-on: [self-hosted, sockerless]
    container:
      image: localhost/busybox
      env:
        FROM_CONTAINER: container-env
    services:
      web:
        image: localhost/web:1
        ports:
          - 8080
    outputs:
      moved: ${{ steps.first.outputs.moved }}
    steps:
      - uses: actions/checkout@v4
      - id: first
        name: Inside
        run: |
          grep '^ID=' /etc/os-release
          echo "workspace $GITHUB_WORKSPACE at $(pwd)"
          echo "container env $FROM_CONTAINER"
          cat data.txt
          echo "hash ${{ hashFiles('**/data.txt') }} none '${{ hashFiles('nothing/**') }}'"
          echo "moved=yes" >> "$GITHUB_OUTPUT"
          echo "IN_ENV=from-env-file" >> "$GITHUB_ENV"
      - name: Service
        run: |
          wget -qO- http://web:8080/index.html
          echo "env $IN_ENV output ${{ steps.first.outputs.moved }}"
          echo "published ${{ job.services.web.ports['8080'] != '' }}"
  missing:
    runs-on: [self-hosted, sockerless]
    container: localhost/no-such-image:1
    steps:
      - run: echo never runs
"#;

#[test]
fn github_actions_runner_job_containers_and_services() {
    let _cell = Cell::new(
        "forge-runner",
        "github",
        "actions-containers",
        "sockerless runner github + sockerless engine + gh 2.103 + git + docker",
    );
    let engine = Engine::start(Target::Memory);
    engine.load_busybox();
    // The service's image: busybox's httpd serving one page, made with `docker commit`.
    engine.ok(&[
        "run",
        "--name",
        "make-web",
        "localhost/busybox",
        "sh",
        "-c",
        "mkdir -p /www && echo hello-from-the-service > /www/index.html",
    ]);
    engine.ok(&[
        "commit",
        "--change",
        r#"CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]"#,
        "make-web",
        "localhost/web:1",
    ]);
    engine.ok(&["rm", "make-web"]);
    let before = engine.ok(&["ps", "-aq"]);

    let server = start(&[]);
    let gh = gh();
    let git = clients::find("git");
    let token = user_with_token(&server, "octo", &["repo", "workflow", "read:org"]);
    let gh_env = gh_sandbox(&server, &token);
    let git_env = Sandbox::new();
    ok(
        &gh_env,
        &gh,
        &["api", "-X", "POST", "user/repos", "-f", "name=boxed"],
    );
    let docker_host = engine
        .sandbox
        .env()
        .get("DOCKER_HOST")
        .cloned()
        .expect("the engine's DOCKER_HOST");
    let started = start_runner_with(
        &server,
        "octo/boxed",
        &registration(&gh_env, &gh, "octo/boxed"),
        &[("DOCKER_HOST", &docker_host)],
    );
    let repo = git_env.path().join("boxed");
    ok(
        &git_env,
        &git,
        &["init", "-q", "-b", "main", repo.to_str().expect("UTF-8")],
    );
    commit_and_push(
        &git_env,
        &git,
        &repo,
        &[
            (".github/workflows/containers.yml", CONTAINERS),
            ("data.txt", "data from the checkout\n"),
        ],
        "Run in containers",
        &remote(&server, &token, "octo/boxed"),
    );
    let (run_id, view) = completed_run(&gh_env, &gh, "octo/boxed", "Containers");
    let log = ok(
        &gh_env,
        &gh,
        &["run", "view", &run_id, "-R", "octo/boxed", "--log"],
    );
    let context = format!(
        "{view}\n{log}\n{}",
        std::fs::read_to_string(&started.log).unwrap_or_default()
    );
    let jobs = view["jobs"].as_array().expect("jobs");
    let job = |name: &str| {
        jobs.iter()
            .find(|j| j["name"] == name)
            .unwrap_or_else(|| panic!("no job {name}: {context}"))
    };
    assert_eq!(job("inside")["conclusion"], "success", "{context}");
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        steps_of(job("inside")),
        [
            pair("Set up job", "success"),
            pair("Initialize containers", "success"),
            pair("Run actions/checkout@v4", "success"),
            pair("Inside", "success"),
            pair("Service", "success"),
            pair("Stop containers", "success"),
            pair("Complete job", "success"),
        ],
        "{context}"
    );
    for (step, text) in [
        ("Initialize containers", "docker network create"),
        (
            "Initialize containers",
            "--network-alias web localhost/web:1",
        ),
        ("Inside", "ID=sockerless-busybox"),
        ("Inside", "workspace /__w/boxed/boxed at /__w/boxed/boxed"),
        ("Inside", "container env container-env"),
        ("Inside", "data from the checkout"),
        // SHA-256 over the SHA-256 of the one matching file, as the runner's hashFiles.
        (
            "Inside",
            "hash 367f4bde0953ea7c78dbe23f74de739fdab5f1320487f33a19a857a355c71e44 none ''",
        ),
        ("Service", "hello-from-the-service"),
        ("Service", "env from-env-file output yes"),
        ("Service", "published true"),
        ("Stop containers", "docker rm --force"),
        ("Stop containers", "docker network rm github_network_"),
    ] {
        assert!(
            logged(&log, "inside", step, text),
            "{step}: {text}\n{context}"
        );
    }

    assert_eq!(job("missing")["conclusion"], "failure", "{context}");
    assert_eq!(
        steps_of(job("missing")),
        [
            pair("Set up job", "success"),
            pair("Initialize containers", "failure"),
            pair("Run echo never runs", "skipped"),
            pair("Stop containers", "success"),
            pair("Complete job", "success"),
        ],
        "{context}"
    );
    assert!(
        logged(
            &log,
            "missing",
            "Initialize containers",
            "localhost/no-such-image"
        ),
        "{context}"
    );

    // Nothing the runner made is left on the engine.
    assert_eq!(engine.ok(&["ps", "-aq"]), before, "{context}");
    let networks = engine.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!networks.contains("github_network_"), "{networks}");
}
