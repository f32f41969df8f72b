//! Finding the real clients. Every lookup either returns a working client or panics with
//! `client X missing: run scripts/setup`, so a missing tool fails its cell instead of skipping
//! it. Clients come from PATH or from the clients root (`$SOCKERLESS_CLIENTS`, default
//! `/opt/sockerless-clients`) where scripts/setup installs venvs and npm prefixes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where scripts/setup puts venvs and npm prefixes.
pub fn root() -> PathBuf {
    std::env::var_os("SOCKERLESS_CLIENTS")
        .map_or_else(|| PathBuf::from("/opt/sockerless-clients"), PathBuf::from)
}

fn missing(name: &str) -> ! {
    panic!("client {name} missing: run scripts/setup")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A client executable: on PATH, or in one of the clients root's venvs (`<root>/*/bin/NAME`).
pub fn find(name: &str) -> PathBuf {
    if let Some(found) = on_path(name) {
        return found;
    }
    if let Ok(entries) = std::fs::read_dir(root()) {
        for entry in entries.flatten() {
            let candidate = entry.path().join("bin").join(name);
            if is_executable(&candidate) {
                return candidate;
            }
        }
    }
    missing(name)
}

/// The aws CLI (v1, from the image: it honours `AWS_ENDPOINT_URL`).
pub fn aws() -> PathBuf {
    find("aws")
}

pub fn curl() -> PathBuf {
    find("curl")
}

/// A python3 that can import every module in `modules`.
pub fn python_with(modules: &[&str]) -> PathBuf {
    let python = find("python3");
    let probe = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = Command::new(&python)
        .args(["-c", &probe])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        missing(&format!("python3 modules {}", modules.join(", ")));
    }
    python
}

/// The `py` venv's python, with the Google Cloud client libraries (scripts/setup).
pub fn gcp_python() -> PathBuf {
    let python = root().join("py").join("bin").join("python");
    let ok = is_executable(&python)
        && Command::new(&python)
            .args([
                "-c",
                "import google.cloud.storage, google.cloud.logging, google.cloud.secretmanager",
            ])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        missing(
            "py venv with google-cloud-storage, google-cloud-logging and google-cloud-secret-manager",
        );
    }
    python
}

/// The `py` venv's python with selenium, and Debian's headless Chromium and its WebDriver
/// (scripts/setup), for the browser view's scenarios: (python, chromium, chromedriver).
pub fn browser() -> (PathBuf, PathBuf, PathBuf) {
    let python = root().join("py").join("bin").join("python");
    let ok = is_executable(&python)
        && Command::new(&python)
            .args(["-c", "import selenium.webdriver"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        missing("py venv with selenium");
    }
    let chromium = on_path("chromium").unwrap_or_else(|| missing("chromium"));
    let driver = on_path("chromedriver").unwrap_or_else(|| missing("chromium-driver"));
    (python, chromium, driver)
}

/// `PATH` for workloads that need Python with boto3: the world-readable venv scripts/setup
/// builds on Debian's python3 (tasks run as an unprivileged user and cannot use root's pyenv).
pub fn workload_path() -> String {
    let bin = root().join("workload-python").join("bin");
    if !is_executable(&bin.join("python3")) {
        missing("workload-python (python3 with boto3 for tasks)");
    }
    format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display())
}

/// terraform, with the AWS provider in the machine's filesystem mirror (CLIENTS.md).
pub fn terraform() -> PathBuf {
    let terraform = find("terraform");
    let provider = Path::new("/opt/tf-plugins/registry.terraform.io/hashicorp/aws");
    if !provider.is_dir() {
        missing("terraform AWS provider (filesystem mirror /opt/tf-plugins)");
    }
    terraform
}

/// `conformance/`: where stacks and scenario scripts live. Found from the running test's
/// package (cargo and nextest set `CARGO_MANIFEST_DIR` at run time) rather than from where this
/// library was compiled: clones that share a target directory share its compiled library, and
/// the compile-time path may name a clone that is gone.
pub fn conformance_dir() -> PathBuf {
    let running = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    running
        .iter()
        .flat_map(|dir| dir.ancestors())
        .map(|dir| dir.join("conformance"))
        .find(|dir| dir.join("clients").is_dir())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
