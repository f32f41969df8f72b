//! The Docker engine (`sockerless engine`) driven by the docker CLI 28.2: version
//! negotiation, images loaded from offline archives, containers run in their image with their
//! real output, exit codes, logs, filters, stop and kill. Each scenario runs as two cells, each
//! against a fresh engine listening on a unix socket in the test's sandbox:
//!
//! - `engine-memory`: the memory backend (containers on runc, no daemon);
//! - `engine-docker`: the docker backend passing through to a private Podman 4.3 service, the
//!   reference daemon;
//! - `engine-wasm`: the memory backend with `--runtime wasm` (the in-process wasmtime
//!   sandbox: our shell and WASI utilities over the image's files), asserting what `oci`
//!   asserts except where the sandbox says it cannot (other users).
//!
//! The same assertions hold on both, except where Podman deviates from Docker; each deviation
//! is asserted as Podman behaves (so a change in either is noticed) and named in
//! [`Target::podman`]'s callers. Podman's documented deviations (CLIENTS.md): `docker run --rm`
//! exits 0; log timestamps are whole seconds; its error messages are its own. Observed here as
//! well: a short name is qualified with `docker.io/` (tags, `rmi`), a container whose command
//! does not exist fails at attach (409) rather than at start, and `docker stop` kills a
//! trapping shell at once (137), its containers' stop timeout being 0.

use std::process::{Command, Output};

use conformance::podman::Podman;
use conformance::{Cell, Sandbox, Sockerless, assert_success, clients};

/// The backend a cell runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Memory,
    /// The docker backend over Podman.
    Docker,
    /// The memory backend, its containers on the wasm runtime.
    Wasm,
}

impl Target {
    pub(crate) fn cell(self) -> &'static str {
        match self {
            Self::Memory => "engine-memory",
            Self::Docker => "engine-docker",
            Self::Wasm => "engine-wasm",
        }
    }

    /// Whether what the client sees is Podman's (its deviations from Docker apply).
    pub(crate) fn podman(self) -> bool {
        self == Self::Docker
    }
}

/// A scenario as one cell per target, the wasm runtime included.
macro_rules! on_every_runtime {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[test]
                fn memory() {
                    super::$scenario(super::Target::Memory);
                }

                #[test]
                fn docker() {
                    super::$scenario(super::Target::Docker);
                }

                #[test]
                fn wasm() {
                    super::$scenario(super::Target::Wasm);
                }
            }
        )*
    };
}
pub(crate) use on_every_runtime;

on_every_runtime!(
    docker_version_and_info_negotiate,
    docker_load_tag_inspect_remove,
    docker_run_keeps_streams_apart_and_exit_code,
    docker_run_detached_then_logs_follow,
    docker_ps_filters_stop_kill_rm_events,
);

/// A fresh engine (and, for the docker backend, its Podman) and a docker CLI pointed at it.
pub(crate) struct Engine {
    _server: Sockerless,
    // Dropped after the engine: removes Podman's containers and storage.
    _podman: Option<Podman>,
    pub(crate) sandbox: Sandbox,
    docker: std::path::PathBuf,
    socket: String,
}

impl Engine {
    pub(crate) fn start(target: Target) -> Self {
        let docker = clients::find("docker");
        clients::find("runc");
        let mut sandbox = Sandbox::new();
        let socket = sandbox.path().join("docker.sock").display().to_string();
        let host = format!("unix://{socket}");
        let podman = (target == Target::Docker).then(Podman::start);
        let mut args = vec!["engine", "-H", &host];
        let upstream = podman.as_ref().map(Podman::docker_host);
        if let Some(upstream) = &upstream {
            args.extend(["--backend", "docker", "--upstream", upstream]);
        }
        if target == Target::Wasm {
            args.extend(["--runtime", "wasm"]);
        }
        let server = Sockerless::start(&args, &["engine"]);
        sandbox.set("DOCKER_HOST", &host);
        sandbox.set(
            "DOCKER_CONFIG",
            &sandbox.path().join("docker-config").display().to_string(),
        );
        Self {
            _server: server,
            _podman: podman,
            sandbox,
            docker,
            socket,
        }
    }

    pub(crate) fn docker(&self, args: &[&str]) -> Command {
        let mut command = self.sandbox.command(&self.docker);
        command.args(args);
        command
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.docker(args).output().expect("run docker")
    }

    /// Runs and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_success(&format!("docker {}", args.join(" ")), &output);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `curl` over the unix socket: status and body.
    pub(crate) fn curl(&self, method: &str, path: &str) -> (String, String) {
        let output = self
            .sandbox
            .command(clients::curl())
            .args([
                "-s",
                "-X",
                method,
                "--unix-socket",
                &self.socket,
                "-w",
                "\n%{http_code}",
            ])
            .arg(format!("http://docker{path}"))
            .output()
            .expect("run curl");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        (status.to_string(), body.to_string())
    }

    /// `curl` over the unix socket with `body` (a file) sent as `content_type`: status and body.
    pub(crate) fn curl_with(
        &self,
        method: &str,
        path: &str,
        body: &std::path::Path,
        content_type: &str,
    ) -> (String, String) {
        let output = self
            .sandbox
            .command(clients::curl())
            .args([
                "-s",
                "-X",
                method,
                "--unix-socket",
                &self.socket,
                "-H",
                &format!("Content-Type: {content_type}"),
                "--data-binary",
            ])
            .arg(format!("@{}", body.display()))
            .args(["-w", "\n%{http_code}"])
            .arg(format!("http://docker{path}"))
            .output()
            .expect("run curl");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        (status.to_string(), body.to_string())
    }

    /// Builds the offline busybox image and loads it as `localhost/busybox:latest`.
    pub(crate) fn load_busybox(&self) -> String {
        let skopeo = clients::find("skopeo");
        let script = clients::conformance_dir()
            .parent()
            .expect("the repository root")
            .join("scripts/images");
        let layout = self.sandbox.path().join("busybox-layout");
        let output = self
            .sandbox
            .command(&script)
            .arg("busybox")
            .arg(&layout)
            .output()
            .expect("scripts/images");
        assert_success("scripts/images busybox", &output);
        let printed = String::from_utf8_lossy(&output.stdout);
        let tag = printed
            .split_whitespace()
            .next()
            .and_then(|n| n.rsplit_once(':'))
            .map(|(_, t)| t.to_string())
            .expect("NAME:TAG");
        let archive = self.sandbox.path().join("busybox-save.tar");
        let output = self
            .sandbox
            .command(&skopeo)
            .arg("copy")
            .arg(format!("oci:{}:{tag}", layout.display()))
            .arg(format!(
                "docker-archive:{}:localhost/busybox:latest",
                archive.display()
            ))
            .output()
            .expect("skopeo");
        assert_success("skopeo copy to docker-archive", &output);
        let loaded = self.ok(&["load", "-i", archive.to_str().expect("UTF-8")]);
        assert!(
            loaded.contains("Loaded image: localhost/busybox:latest"),
            "{loaded}"
        );
        layout.display().to_string() + ":" + &tag
    }
}

#[allow(clippy::disallowed_methods)] // The wall clock bounds `docker events --until`.
pub(crate) fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn docker_version_and_info_negotiate(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "version-info", "docker");
    let engine = Engine::start(target);
    let version = engine.ok(&[
        "version",
        "--format",
        "{{.Server.APIVersion}} {{.Client.APIVersion}} {{.Server.Os}}",
    ]);
    assert_eq!(version.trim(), "1.51 1.50 linux", "{version}");
    let info = engine.ok(&[
        "info",
        "--format",
        "{{.OSType}} {{.Containers}} {{.Images}} {{.Swarm.LocalNodeState}}",
    ]);
    assert_eq!(info.trim(), "linux 0 0 inactive");
    // Docker's answers for versions outside 1.44..1.51 and unknown routes.
    let (status, body) = engine.curl("GET", "/v1.43/info");
    assert_eq!(status, "400");
    assert!(
        body.contains("client version 1.43 is too old. Minimum supported API version is 1.44"),
        "{body}"
    );
    let (status, body) = engine.curl("GET", "/v1.51/nothing-here");
    assert_eq!(
        (status.as_str(), body.trim()),
        ("404", r#"{"message":"page not found"}"#)
    );
    let (status, _) = engine.curl("GET", "/v1.51/swarm");
    assert_eq!(status, "503");
    let (status, body) = engine.curl("GET", "/_ping");
    assert_eq!((status.as_str(), body.as_str()), ("200", "OK"));
    let (status, body) = engine.curl("GET", "/v1.51/containers/nope/json");
    let message = if target.podman() {
        r#"{"message":"no container with name or ID \"nope\" found: no such container"}"#
    } else {
        r#"{"message":"No such container: nope"}"#
    };
    assert_eq!((status.as_str(), body.trim()), ("404", message));
}

fn docker_load_tag_inspect_remove(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "images", "docker+skopeo");
    let engine = Engine::start(target);
    let layout = engine.load_busybox();
    // An OCI archive named by its ref.name annotation loads too.
    let oci = engine.sandbox.path().join("busybox-oci.tar");
    let output = engine
        .sandbox
        .command(clients::find("skopeo"))
        .arg("copy")
        .arg(format!("oci:{layout}"))
        .arg(format!(
            "oci-archive:{}:localhost/busybox:oci",
            oci.display()
        ))
        .output()
        .expect("skopeo");
    assert_success("skopeo copy to oci-archive", &output);
    let loaded = engine.ok(&["load", "-i", oci.to_str().expect("UTF-8")]);
    assert!(
        loaded.contains("Loaded image: localhost/busybox:oci"),
        "{loaded}"
    );
    let listed = engine.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let mut tags: Vec<&str> = listed.lines().collect();
    tags.sort();
    assert_eq!(tags, ["localhost/busybox:latest", "localhost/busybox:oci"]);
    engine.ok(&["tag", "localhost/busybox", "team/tool:v1"]);
    // Podman qualifies a short name with docker.io/ where Docker keeps it familiar.
    let tagged = if target.podman() {
        "docker.io/team/tool:v1"
    } else {
        "team/tool:v1"
    };
    let repo_tags = engine.ok(&[
        "image",
        "inspect",
        "--format",
        "{{json .RepoTags}} {{.Os}} {{json .Config.Cmd}}",
        "team/tool:v1",
    ]);
    assert!(
        repo_tags.contains(&format!("\"{tagged}\""))
            && repo_tags.contains("localhost/busybox:latest"),
        "{repo_tags}"
    );
    assert!(repo_tags.contains(" linux [\"sh\"]"), "{repo_tags}");
    let removed = engine.ok(&["rmi", "team/tool:v1"]);
    assert_eq!(removed.trim(), format!("Untagged: {tagged}"));
    let missing = engine.run(&["image", "inspect", "team/tool:v1"]);
    assert!(!missing.status.success());
    let gone = if target.podman() {
        "failed to find image team/tool:v1: docker.io/team/tool:v1: No such image"
    } else {
        "No such image: team/tool:v1"
    };
    assert!(
        text(&missing.stderr).contains(gone),
        "{}",
        text(&missing.stderr)
    );
    // A pull nothing here can satisfy is the daemon's error, never an invented image. Podman
    // would look a short name up on Docker Hub: it is given a registry on loopback that is
    // not there, so nothing leaves the machine.
    if target.podman() {
        let pulled = engine.run(&["pull", "127.0.0.1:9/nosuchimage-sockerless"]);
        assert_eq!(pulled.status.code(), Some(1));
        assert!(
            text(&pulled.stderr).contains("dial tcp 127.0.0.1:9: connect: connection refused"),
            "{}",
            text(&pulled.stderr)
        );
    } else {
        let pulled = engine.run(&["pull", "nosuchimage-sockerless"]);
        assert_eq!(pulled.status.code(), Some(1));
        assert!(
            text(&pulled.stderr).contains("pull access denied for nosuchimage-sockerless, repository does not exist or may require 'docker login'"),
            "{}",
            text(&pulled.stderr)
        );
    }
    let bad = engine.run(&["tag", "localhost/busybox", "Bad:Name"]);
    assert!(
        text(&bad.stderr).contains("invalid reference format"),
        "{}",
        text(&bad.stderr)
    );
}

fn docker_run_keeps_streams_apart_and_exit_code(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "run-rm-exit-code", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    let output = engine.run(&[
        "run",
        "--rm",
        "localhost/busybox",
        "sh",
        "-c",
        "echo a; echo b >&2; exit 7",
    ]);
    // Podman's `run --rm` waits on condition=removed, whose answer carries no exit code.
    let expected = if target.podman() { 0 } else { 7 };
    assert_eq!(
        output.status.code(),
        Some(expected),
        "stderr: {}",
        text(&output.stderr)
    );
    assert_eq!(text(&output.stdout), "a\n");
    assert_eq!(text(&output.stderr), "b\n");
    // --rm removed it.
    let all = engine.ok(&["ps", "-a", "-q"]);
    assert_eq!(all.trim(), "");
    if target == Target::Wasm {
        wasm_env_workdir_and_users(&engine);
    } else {
        env_workdir_user_and_entrypoint(&engine);
    }
    // A command that does not exist: 127, as Docker. Podman fails it when attach prepares the
    // container (409), and the CLI exits 1 with the failed upgrade.
    let missing = engine.run(&["run", "--rm", "localhost/busybox", "no-such-command"]);
    let (code, says) = if target.podman() {
        (1, "unable to upgrade to tcp, received 409")
    } else {
        (127, "executable file not found")
    };
    assert_eq!(
        missing.status.code(),
        Some(code),
        "{}",
        text(&missing.stderr)
    );
    assert!(
        text(&missing.stderr).contains(says),
        "{}",
        text(&missing.stderr)
    );
}

/// Env, working directory, user and entrypoint reach the process.
fn env_workdir_user_and_entrypoint(engine: &Engine) {
    let output = engine.ok(&[
        "run",
        "--rm",
        "-e",
        "GREETING=hi",
        "-w",
        "/tmp/work",
        "-u",
        "65534",
        "--entrypoint",
        "sh",
        "localhost/busybox",
        "-c",
        "echo $GREETING $(pwd) $(id -u) $(hostname | wc -c)",
    ]);
    assert_eq!(output.trim(), "hi /tmp/work 65534 13");
}

/// On wasm: env, working directory and entrypoint reach the shell as on oci; a user other
/// than root is refused naming the runtime (the sandbox has no other users), never run as root.
fn wasm_env_workdir_and_users(engine: &Engine) {
    let output = engine.ok(&[
        "run",
        "--rm",
        "-e",
        "GREETING=hi",
        "-w",
        "/tmp/work",
        "--entrypoint",
        "sh",
        "localhost/busybox",
        "-c",
        "echo $GREETING $(pwd) $HOSTNAME | wc -w; cat /etc/hostname | wc -c",
    ]);
    assert_eq!(output.split_whitespace().collect::<Vec<_>>(), ["3", "13"]);
    let refused = engine.run(&["run", "--rm", "-u", "65534", "localhost/busybox", "true"]);
    assert_eq!(
        refused.status.code(),
        Some(125),
        "{}",
        text(&refused.stderr)
    );
    assert!(
        text(&refused.stderr).contains(
            "the wasm runtime cannot run this container: the wasm runner runs everything as root"
        ),
        "{}",
        text(&refused.stderr)
    );
}

fn docker_run_detached_then_logs_follow(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "run-d-logs-f", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    let id = engine.ok(&[
        "run",
        "-d",
        "--name",
        "counter",
        "localhost/busybox",
        "sh",
        "-c",
        "for i in 1 2 3; do echo line$i; echo err$i >&2; sleep 0.3; done",
    ]);
    assert_eq!(id.trim().len(), 64, "{id}");
    let followed = engine.run(&["logs", "-f", "counter"]);
    assert!(followed.status.success());
    assert_eq!(text(&followed.stdout), "line1\nline2\nline3\n");
    assert_eq!(text(&followed.stderr), "err1\nerr2\nerr3\n");
    assert_eq!(engine.ok(&["wait", "counter"]).trim(), "0");
    // The tail counts the lines of both streams.
    let tail = engine.run(&["logs", "--tail", "2", "counter"]);
    assert_eq!(
        (text(&tail.stdout).as_str(), text(&tail.stderr).as_str()),
        ("line3\n", "err3\n")
    );
    let stamped = engine.ok(&["logs", "-t", "counter"]);
    let first = stamped.lines().next().expect("a line");
    let (stamp, line) = first.split_once(' ').expect("timestamp and text");
    assert_eq!(line, "line1");
    // RFC 3339 with nanoseconds; Podman's are whole seconds.
    let stamp_length = if target.podman() { 20 } else { 30 };
    assert!(
        stamp.len() == stamp_length && stamp.ends_with('Z') && stamp.contains('T'),
        "{stamp}"
    );
    let state = engine.ok(&["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.Name}} {{.Path}} {{json .Args}}", "counter"]);
    assert_eq!(
        state.trim(),
        r#"exited 0 false /counter sh ["-c","for i in 1 2 3; do echo line$i; echo err$i >&2; sleep 0.3; done"]"#
    );
    let started = engine.ok(&[
        "inspect",
        "--format",
        "{{.State.StartedAt}} {{.State.FinishedAt}}",
        "counter",
    ]);
    assert!(!started.contains("0001-01-01"), "{started}");
}

fn docker_ps_filters_stop_kill_rm_events(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "ps-stop-kill-events", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    let since = engine.ok(&["version", "--format", "{{.Server.Version}}"]);
    assert!(!since.trim().is_empty());
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "sleeper",
        "--label",
        "role=a",
        "localhost/busybox",
        "sleep",
        "300",
    ]);
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "trapper",
        "--label",
        "role=b",
        "localhost/busybox",
        "sh",
        "-c",
        "trap 'exit 143' TERM; while true; do sleep 0.1; done",
    ]);
    let done = engine.run(&[
        "run",
        "--name",
        "done",
        "localhost/busybox",
        "sh",
        "-c",
        "exit 3",
    ]);
    assert_eq!(done.status.code(), Some(3));
    let running = engine.ok(&["ps", "--format", "{{.Names}}"]);
    let mut names: Vec<&str> = running.lines().collect();
    names.sort();
    assert_eq!(names, ["sleeper", "trapper"]);
    assert_eq!(
        engine
            .ok(&["ps", "--filter", "label=role=a", "--format", "{{.Names}}"])
            .trim(),
        "sleeper"
    );
    assert_eq!(
        engine
            .ok(&[
                "ps",
                "-a",
                "--filter",
                "status=exited",
                "--format",
                "{{.Names}} {{.Status}}"
            ])
            .trim()
            .split(" (")
            .next(),
        Some("done Exited")
    );
    assert_eq!(
        engine
            .ok(&["ps", "-a", "--filter", "exited=3", "--format", "{{.Names}}"])
            .trim(),
        "done"
    );
    assert_eq!(
        engine
            .ok(&[
                "ps",
                "-a",
                "--filter",
                "name=trap",
                "--format",
                "{{.Names}}"
            ])
            .trim(),
        "trapper"
    );
    assert_eq!(
        engine
            .ok(&["ps", "-a", "--filter", "ancestor=localhost/busybox", "-q"])
            .lines()
            .count(),
        3
    );
    // sleep as PID 1 ignores SIGTERM: killed after the timeout, 137. The trap exits 143.
    engine.ok(&["stop", "-t", "1", "sleeper"]);
    assert_eq!(
        engine
            .ok(&["inspect", "--format", "{{.State.ExitCode}}", "sleeper"])
            .trim(),
        "137"
    );
    // Podman's containers have a stop timeout of 0: the trap gets no time and SIGKILL follows.
    let trapped = if target.podman() { "137" } else { "143" };
    engine.ok(&["stop", "trapper"]);
    assert_eq!(
        engine
            .ok(&["inspect", "--format", "{{.State.ExitCode}}", "trapper"])
            .trim(),
        trapped
    );
    // Kill with a signal the process handles, then rm -f and rename.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "victim",
        "localhost/busybox",
        "sleep",
        "300",
    ]);
    engine.ok(&["kill", "victim"]);
    assert_eq!(engine.ok(&["wait", "victim"]).trim(), "137");
    let not_running = engine.run(&["kill", "victim"]);
    let not_running_says = if target.podman() {
        "can only kill running containers"
    } else {
        "is not running"
    };
    assert!(
        text(&not_running.stderr).contains(not_running_says),
        "{}",
        text(&not_running.stderr)
    );
    engine.ok(&["rename", "victim", "renamed"]);
    assert_eq!(
        engine
            .ok(&[
                "ps",
                "-a",
                "--filter",
                "name=renamed",
                "--format",
                "{{.Names}}"
            ])
            .trim(),
        "renamed"
    );
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "busy",
        "localhost/busybox",
        "sleep",
        "300",
    ]);
    let refused = engine.run(&["rm", "busy"]);
    let refused_says = if target.podman() {
        "as it is running - running or paused containers cannot be removed without force"
    } else {
        "container is running: stop the container before removing or force remove"
    };
    assert!(
        text(&refused.stderr).contains(refused_says),
        "{}",
        text(&refused.stderr)
    );
    engine.ok(&["rm", "-f", "busy"]);
    let conflict = engine.run(&["create", "--name", "renamed", "localhost/busybox"]);
    let conflict_says = if target.podman() {
        "the container name \"renamed\" is already in use"
    } else {
        "Conflict. The container name \"/renamed\" is already in use"
    };
    assert!(
        text(&conflict.stderr).contains(conflict_says),
        "{}",
        text(&conflict.stderr)
    );
    // Events since the start: die events carry the exit code.
    let until = now_seconds() + 1;
    let events = engine.ok(&[
        "events",
        "--since",
        "0",
        "--until",
        &until.to_string(),
        "--filter",
        "event=die",
        "--format",
        "{{.Actor.Attributes.name}}={{.Actor.Attributes.exitCode}}",
    ]);
    let mut dies: Vec<&str> = events.lines().collect();
    dies.sort();
    let trapper_died = format!("trapper={trapped}");
    assert_eq!(
        dies,
        [
            "busy=137",
            "done=3",
            "sleeper=137",
            trapper_died.as_str(),
            "victim=137"
        ]
    );
}
