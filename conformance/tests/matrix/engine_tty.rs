//! Terminals (`-t`): docker-py 7.2 with `tty=True` (output as the terminal printed it, its
//! logs, `exec_run(tty=True)`, `resize` and `exec_resize` seen by `stty` inside;
//! `conformance/clients/engine/docker_py_tty.py`), and the docker CLI 28.2's `docker run -it`
//! driven through tmux (typed input echoed, the window's size and its resize seen by `stty`).
//! On the memory and the docker backend.

use std::process::Command;
use std::time::Duration;

use conformance::{Cell, assert_success, clients, wait_until};

use super::engine::{Engine, Target, text};

mod docker_py_terminals {
    #[test]
    fn memory() {
        super::docker_py_terminals(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_py_terminals(super::Target::Docker);
    }
}

mod docker_run_it_through_tmux {
    #[test]
    fn memory() {
        super::docker_run_it_through_tmux(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_run_it_through_tmux(super::Target::Docker);
    }
}

fn docker_py_terminals(target: Target) {
    let _cell = Cell::new("docker-py", target.cell(), "tty", "docker-py");
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
        .arg(
            clients::conformance_dir()
                .join("clients")
                .join("engine")
                .join("docker_py_tty.py"),
        )
        .output()
        .expect("run python");
    assert_success("python3 docker_py_tty.py", &output);
    assert_eq!(text(&output.stdout).trim(), "ok");
}

/// A tmux server of the test's own, killed (with what runs in it) when dropped.
struct Tmux<'a> {
    engine: &'a Engine,
    tmux: std::path::PathBuf,
    socket: std::path::PathBuf,
}

impl Tmux<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.engine.sandbox.command(&self.tmux);
        command
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args);
        command
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.command(args).output().expect("run tmux");
        assert_success(&format!("tmux {}", args.join(" ")), &output);
        text(&output.stdout)
    }

    fn pane(&self) -> String {
        self.ok(&["capture-pane", "-p", "-t", "it"])
    }

    /// Waits until the pane shows `want`.
    fn shows(&self, want: &str) {
        let mut last = String::new();
        let seen = wait_until(Duration::from_secs(15), || {
            last = self.pane();
            last.contains(want).then_some(())
        });
        assert!(seen.is_some(), "the pane never showed {want:?}:\n{last}");
    }
}

impl Drop for Tmux<'_> {
    fn drop(&mut self) {
        let _ = self.command(&["kill-server"]).output();
    }
}

/// `docker run -it` in a tmux window: what is typed reaches the shell through its terminal
/// (echoed as a terminal echoes it), and resizing the window resizes the container's terminal.
/// Each check types a command whose output differs from its echo (`$((6*7))` prints 42).
fn docker_run_it_through_tmux(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "run-it-tmux", "tmux");
    let engine = Engine::start(target);
    engine.load_busybox();
    let tmux = Tmux {
        engine: &engine,
        tmux: clients::find("tmux"),
        socket: engine.sandbox.path().join("tmux.sock"),
    };
    let docker = clients::find("docker");
    let command = format!(
        "{} run -it --rm --name itbox localhost/busybox sh",
        docker.display()
    );
    tmux.ok(&[
        "new-session",
        "-d",
        "-x",
        "90",
        "-y",
        "30",
        "-s",
        "it",
        &command,
    ]);
    // Typed only once the container is up: keys sent before would reach no terminal.
    let running = wait_until(Duration::from_secs(15), || {
        let state = engine.run(&["inspect", "--format", "{{.State.Running}}", "itbox"]);
        (text(&state.stdout).trim() == "true").then_some(())
    });
    assert!(running.is_some(), "itbox never ran:\n{}", tmux.pane());
    tmux.ok(&["send-keys", "-t", "it", "echo typed-$((6*7))", "Enter"]);
    tmux.shows("typed-42");
    // The pane's size (the window's, less tmux's status line), as the CLI's terminal has it.
    let pane_size = || {
        tmux.ok(&[
            "display-message",
            "-p",
            "-t",
            "it",
            "#{pane_height}x#{pane_width}",
        ])
        .trim()
        .to_string()
    };
    let first = pane_size();
    tmux.ok(&[
        "send-keys",
        "-t",
        "it",
        "echo size-$(stty size | tr ' ' x)",
        "Enter",
    ]);
    tmux.shows(&format!("size-{first}"));
    tmux.ok(&["resize-window", "-t", "it", "-x", "100", "-y", "40"]);
    let size = pane_size();
    assert_ne!(size, first);
    // The new size travels tmux, the CLI's SIGWINCH, the resize call, the container's
    // terminal: the shell waits for it rather than the test.
    tmux.ok(&[
        "send-keys",
        "-t",
        "it",
        &format!(
            "i=0; while [ $(stty size | tr ' ' x) != {size} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo resized-$(stty size | tr ' ' x)"
        ),
        "Enter",
    ]);
    tmux.shows(&format!("resized-{size}"));
    tmux.ok(&["send-keys", "-t", "it", "exit 0", "Enter"]);
    let gone = wait_until(Duration::from_secs(15), || {
        let listed = engine.ok(&[
            "ps",
            "-a",
            "--filter",
            "name=itbox",
            "--format",
            "{{.Names}}",
        ]);
        listed.trim().is_empty().then_some(())
    });
    assert!(
        gone.is_some(),
        "itbox was not removed after exit:\n{}",
        tmux.pane()
    );
}
