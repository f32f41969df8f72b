//! The conformance harness. Tests here drive *real* clients (the aws CLI, boto3, curl, and
//! later gcloud, az, terraform, gh, the docker CLI...) against a real `sockerless` binary, and
//! every test records its *cell* of the matrix: (suite, target, name, result).
//!
//! - [`Sockerless`] starts the binary on free ports, reads its `READY <name> <url>` lines and
//!   kills it when dropped.
//! - [`clients`] finds each client or fails the test with `client X missing: run scripts/setup`
//!   (never a silent skip).
//! - [`Sandbox`] gives each test its own HOME, config and cache directories.
//! - [`podman::Podman`] runs a private Podman service, the reference Docker daemon.
//! - [`report`] writes the cell and regenerates `target/nextest/matrix/matrix.{md,json}`.
//!
//! What this crate must not do: link any simulator. It talks to the binary only, as users do.

pub mod clients;
pub mod github;
pub mod podman;
pub mod report;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use report::Cell;

/// How long a server gets to print its READY lines.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `sockerless` binary of this build: `$SOCKERLESS_BIN`, else next to the test binary.
pub fn sockerless_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("SOCKERLESS_BIN") {
        return PathBuf::from(path);
    }
    // Test binaries live in target/<profile>/deps; the binary in target/<profile>.
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary in target/<profile>/deps");
    let bin = profile_dir.join("sockerless");
    assert!(
        bin.exists(),
        "sockerless binary missing at {}: run `cargo build -p sockerless` (scripts/test does)",
        bin.display()
    );
    bin
}

/// A running `sockerless` process.
pub struct Sockerless {
    child: Child,
    urls: BTreeMap<String, String>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr_path: PathBuf,
    _stderr_dir: tempfile::TempDir,
}

impl Sockerless {
    /// Runs `sockerless ARGS` and waits until every server in `servers` has announced itself.
    pub fn start(args: &[&str], servers: &[&str]) -> Self {
        Self::start_with_env(args, servers, &[])
    }

    pub fn start_with_env(args: &[&str], servers: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_command(Command::new(sockerless_bin()), args, servers, env)
    }

    /// [`Sockerless::start`] as the unprivileged user `nobody` (through util-linux's
    /// `setpriv`), for what the servers do without root.
    pub fn start_as_nobody(args: &[&str], servers: &[&str]) -> Self {
        let mut command = Command::new(clients::find("setpriv"));
        command
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(sockerless_bin());
        Self::start_command(command, args, servers, &[])
    }

    fn start_command(
        mut command: Command,
        args: &[&str],
        servers: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let stderr_dir = tempfile::tempdir().expect("temp dir");
        let stderr_path = stderr_dir.path().join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .stdin(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("spawn sockerless");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(rest) = line.strip_prefix("READY ") {
                        let mut parts = rest.splitn(2, ' ');
                        if let (Some(name), Some(url)) = (parts.next(), parts.next()) {
                            let _ = ready_tx.send((name.to_string(), url.to_string()));
                        }
                    }
                    lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
        let mut urls = BTreeMap::new();
        while urls.len() < servers.len() {
            match ready_rx.recv_timeout(START_TIMEOUT) {
                Ok((name, url)) => {
                    urls.insert(name, url);
                }
                Err(_) => {
                    let _ = child.kill();
                    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                    panic!(
                        "sockerless {args:?} did not announce {servers:?} (got {urls:?}); stderr:\n{stderr}"
                    );
                }
            }
        }
        for server in servers {
            assert!(
                urls.contains_key(*server),
                "no READY line for {server}: {urls:?}"
            );
        }
        Self {
            child,
            urls,
            stdout: lines,
            stderr_path,
            _stderr_dir: stderr_dir,
        }
    }

    /// The URL a server announced.
    pub fn url(&self, server: &str) -> &str {
        self.urls
            .get(server)
            .unwrap_or_else(|| panic!("{server} did not announce itself: {:?}", self.urls))
    }

    pub fn port(&self, server: &str) -> u16 {
        let url = self.url(server);
        url.rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse().ok())
            .expect("URL with a port")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every stdout line so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends `signal` and waits (up to `limit`) for the process to exit.
    pub fn signal_and_wait(
        &mut self,
        signal: nix::sys::signal::Signal,
        limit: Duration,
    ) -> Option<ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, signal);
        wait_until(limit, || self.child.try_wait().ok().flatten())
    }
}

impl Drop for Sockerless {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `probe` until it returns `Some`, or `limit` passes (then `None`). Tests use this
/// instead of sleeping a fixed time.
pub fn wait_until<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if waited >= limit {
            return None;
        }
        std::thread::sleep(step);
        waited += step;
    }
}

/// A test's private HOME, config and cache directories, and the environment that points every
/// client at them (so no test reads the machine's or another test's configuration).
pub struct Sandbox {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let mut env = BTreeMap::new();
        let path = |name: &str| dir.path().join(name).display().to_string();
        env.insert("HOME".into(), home.display().to_string());
        env.insert("XDG_CONFIG_HOME".into(), path("config"));
        env.insert("XDG_CACHE_HOME".into(), path("cache"));
        env.insert("TMPDIR".into(), dir.path().display().to_string());
        env.insert("AWS_CONFIG_FILE".into(), path("aws-config"));
        env.insert(
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            path("aws-credentials"),
        );
        // The image may set CA bundles machine-wide; a test that needs ours sets them itself.
        env.insert("PYTHONDONTWRITEBYTECODE".into(), "1".into());
        Self { dir, env }
    }

    /// A sandbox with the environment of an AWS user pointed at `endpoint`.
    pub fn aws(endpoint: &str) -> Self {
        let mut sandbox = Self::new();
        for (key, value) in [
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_PAGER", ""),
        ] {
            sandbox.set(key, value);
        }
        sandbox
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_string(), value.to_string());
    }

    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// A command for `program` with this sandbox's environment. Variables that would point a
    /// client elsewhere are removed.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        for key in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "http_proxy",
            "https_proxy",
            "ALL_PROXY",
        ] {
            command.env_remove(key);
        }
        command
            .envs(&self.env)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs a Python client script from `conformance/clients/` with the sandbox's environment;
    /// panics with its output unless it exits 0.
    pub fn run_script(&self, relative: &str, args: &[&str]) -> Output {
        let python = clients::python_with(&["boto3", "botocore"]);
        let script = clients_dir().join(relative);
        assert!(
            script.exists(),
            "client script {} missing",
            script.display()
        );
        let output = self
            .command(python)
            .arg(&script)
            .args(args)
            .output()
            .expect("run python");
        assert_success(&format!("python3 {relative}"), &output);
        output
    }
}

/// `conformance/clients`.
pub fn clients_dir() -> PathBuf {
    clients::conformance_dir().join("clients")
}

/// Panics with the command's output unless it succeeded.
pub fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A sandbox for gcloud as CLIENTS.md says: its own configuration, no credentials or metadata
/// server, project `p`, gcloud's directory first on `PATH`, and the API named `api` (`STORAGE`,
/// `LOGGING`, …) aimed at `endpoint`.
pub fn gcloud_sandbox(api: &str, endpoint: &str) -> Sandbox {
    let gcloud = clients::find("gcloud");
    let mut sandbox = Sandbox::new();
    let config = sandbox.path().join("gcloud").display().to_string();
    sandbox.set("CLOUDSDK_CONFIG", &config);
    sandbox.set("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "true");
    sandbox.set("CLOUDSDK_CORE_CHECK_GCE_METADATA", "false");
    sandbox.set("CLOUDSDK_CORE_PROJECT", "p");
    sandbox.set("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
    sandbox.set(&format!("CLOUDSDK_API_ENDPOINT_OVERRIDES_{api}"), endpoint);
    let bin = gcloud
        .parent()
        .expect("gcloud's directory")
        .display()
        .to_string();
    sandbox.set("PATH", &format!("{bin}:/usr/local/bin:/usr/bin:/bin"));
    sandbox
}
