//! Podman as the reference Docker daemon: [`Podman::start`] runs `podman system service
//! --time=0 unix://…` on a socket in a temporary directory, with its own storage root and run
//! root (the overlay driver, configured as CLIENTS.md says), so each test gets a daemon that
//! shares no images or containers with another.
//!
//! Dropping it removes every container it made (`podman rm -af`), stops the service, detaches
//! the mounts left under its root and deletes the directory. A machine without podman fails the
//! test with `client podman missing: run scripts/setup`.
//!
//! What this module must not do: touch the machine's default podman storage
//! (`/var/lib/containers`), or leave a container or mount behind.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{clients, wait_until};

/// How long the service gets to answer its first `_ping`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `podman system service`.
pub struct Podman {
    podman: PathBuf,
    child: Child,
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Podman {
    /// Starts a private Podman service and waits until it answers `GET /_ping`.
    pub fn start() -> Self {
        let podman = clients::find("podman");
        clients::find("runc");
        let dir = tempfile::Builder::new()
            .prefix("podman-")
            .tempdir()
            .expect("temp dir");
        let socket = dir.path().join("podman.sock");
        let log = std::fs::File::create(dir.path().join("service.log")).expect("log file");
        let mut command = Command::new(&podman);
        command
            .args(storage_args(dir.path()))
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = command.spawn().expect("spawn podman system service");
        let mut podman = Self {
            podman,
            child,
            dir,
            socket,
        };
        let answered = wait_until(START_TIMEOUT, || podman.ping().then_some(()));
        if answered.is_none() {
            let exited = podman.child.try_wait().ok().flatten();
            panic!(
                "podman system service did not answer on {} (exited: {exited:?}); its log:\n{}",
                podman.socket.display(),
                podman.log()
            );
        }
        podman
    }

    /// The socket's path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `DOCKER_HOST` for this daemon.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The service's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("service.log")).unwrap_or_default()
    }

    /// `podman` with this service's storage, for setup a test does not make through the API.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.podman);
        command.args(storage_args(self.dir.path()));
        command.stdin(Stdio::null());
        command
    }

    fn ping(&self) -> bool {
        let Ok(mut stream) = UnixStream::connect(&self.socket) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream
            .write_all(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200")
    }
}

/// The flags that give a podman command this service's private storage.
fn storage_args(dir: &Path) -> Vec<String> {
    vec![
        "--root".into(),
        dir.join("root").display().to_string(),
        "--runroot".into(),
        dir.join("run").display().to_string(),
        "--storage-driver".into(),
        "overlay".into(),
        "--tmpdir".into(),
        dir.join("tmp").display().to_string(),
    ]
}

impl Drop for Podman {
    fn drop(&mut self) {
        // Containers outlive the service (conmon supervises them): remove them first.
        let _ = self
            .command()
            .args(["rm", "--all", "--force", "--time", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        detach_mounts_under(self.dir.path());
    }
}

/// Lazily unmounts everything mounted at or under `root`, deepest first, so the directory can
/// be deleted (podman leaves its overlay directory bind-mounted).
fn detach_mounts_under(root: &Path) {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let mut points: Vec<PathBuf> = mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|point| PathBuf::from(point.replace("\\040", " ")))
        .filter(|point| point.starts_with(root))
        .collect();
    points.sort_by_key(|point| std::cmp::Reverse(point.components().count()));
    for point in points {
        let _ = nix::mount::umount2(&point, nix::mount::MntFlags::MNT_DETACH);
    }
}
