//! The Azure simulator driven by the az CLI and the official Python SDKs. Each scenario script
//! lives in `conformance/clients/azure/`; each test here is one cell: the script, against a
//! fresh simulator on a free port, reached as `https://localhost:PORT` with its CA trusted
//! (system bundle + simulator CA) and a fresh `AZURE_CONFIG_DIR`, as CLIENTS.md describes.

use std::path::PathBuf;

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients, clients_dir};

/// The secret the managed identity endpoint requires; tests pass it as a workload would.
const IDENTITY_HEADER: &str = "conformance-identity-header";

/// The `py` venv's python, with the Azure SDKs (`client py venv missing` otherwise).
fn azure_python() -> PathBuf {
    let python = clients::root().join("py").join("bin").join("python");
    let ok = std::process::Command::new(&python)
        .args([
            "-c",
            "import azure.identity, azure.mgmt.resource, azure.mgmt.storage",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        panic!("client py venv (azure-identity, azure-mgmt-*) missing: run scripts/setup");
    }
    python
}

/// A sandbox pointed at a running Azure simulator.
pub(crate) fn azure_sandbox(server: &Sockerless, ca: &std::path::Path) -> Sandbox {
    let mut sandbox = Sandbox::new();
    let system = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap_or_default();
    let ours = std::fs::read(ca).expect("the simulator's CA");
    let bundle = sandbox.path().join("ca-bundle.pem");
    std::fs::write(&bundle, [system, b"\n".to_vec(), ours].concat()).expect("CA bundle");
    let bundle = bundle.display().to_string();
    let port = server.port("azure");
    let url = format!("https://localhost:{port}");
    let config_dir = sandbox.path().join("azure-config").display().to_string();
    for (key, value) in [
        ("SOCKERLESS_AZURE_URL", url.as_str()),
        ("SOCKERLESS_AZURE_HTTP_URL", server.url("azure")),
        ("AZURE_CONFIG_DIR", &config_dir),
        ("REQUESTS_CA_BUNDLE", &bundle),
        ("SSL_CERT_FILE", &bundle),
        ("CURL_CA_BUNDLE", &bundle),
        ("AZURE_CORE_INSTANCE_DISCOVERY", "false"),
        ("AZURE_CORE_COLLECT_TELEMETRY", "false"),
        ("AZURE_CORE_SURVEY_MESSAGE", "false"),
        ("AZURE_SUBSCRIPTION_ID", sim_ids::SUBSCRIPTION),
        ("AZURE_TENANT_ID", sim_ids::TENANT),
        ("IDENTITY_HEADER", IDENTITY_HEADER),
    ] {
        sandbox.set(key, value);
    }
    sandbox.set("IDENTITY_ENDPOINT", &format!("{url}/msi/token"));
    sandbox.set("SOCKERLESS_AZURE_CA", ca.to_str().expect("UTF-8 path"));
    sandbox.set(
        "SOCKERLESS_AZ",
        clients::find("az").to_str().expect("UTF-8 path"),
    );
    sandbox
}

/// The simulator's default subscription and tenant (`sim_azure::DEFAULT_*`; conformance links
/// no simulator, so they are repeated here and checked by the scenarios).
mod sim_ids {
    pub const SUBSCRIPTION: &str = "5c4b3a29-1d0e-4f8a-9b7c-6d5e4f3a2b1c";
    pub const TENANT: &str = "8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a";
}

/// Starts `sim azure` with its CA written where the sandbox can read it.
pub(crate) fn start(state_dir: Option<&str>) -> (Sockerless, tempfile::TempDir) {
    start_with(state_dir, &[])
}

/// Starts `sim azure` with `extra` arguments.
pub(crate) fn start_with(
    state_dir: Option<&str>,
    extra: &[&str],
) -> (Sockerless, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    let ca = ca.to_str().expect("UTF-8 path").to_string();
    let mut args = vec![
        "sim",
        "azure",
        "--port",
        "0",
        "--ca-out",
        &ca,
        "--azure-identity-header",
        IDENTITY_HEADER,
    ];
    if let Some(state) = state_dir {
        args.extend(["--state-dir", state]);
    }
    args.extend_from_slice(extra);
    let server = Sockerless::start(&args, &["azure"]);
    (server, dir)
}

/// Runs `conformance/clients/azure/SCRIPT` with the `py` venv against a fresh simulator.
pub(crate) fn scenario(suite: &str, name: &str, client: &str, script: &str) {
    let _cell = Cell::new(suite, "azure", name, client);
    let (server, dir) = start(None);
    let sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    run(&sandbox, script, &[]);
}

pub(crate) fn run(sandbox: &Sandbox, script: &str, args: &[&str]) {
    let python = azure_python();
    let path = clients_dir().join("azure").join(script);
    assert!(path.exists(), "client script {} missing", path.display());
    let output = sandbox
        .command(python)
        .arg(&path)
        .args(args)
        .output()
        .expect("run python");
    assert_success(&format!("python {script}"), &output);
}

#[test]
fn az_groups_cli() {
    scenario("cloud-cli", "resource-groups", "az CLI", "az_groups.py");
}

#[test]
fn resources_sdk() {
    scenario(
        "cloud-sdk",
        "resource-groups",
        "azure-mgmt-resource",
        "sdk_resources.py",
    );
}

#[test]
fn arm_protocol() {
    scenario("protocol", "arm", "python http.client", "arm_protocol.py");
}

#[test]
fn storage_sdk() {
    scenario(
        "cloud-sdk",
        "storage-accounts",
        "azure-mgmt-storage",
        "sdk_storage.py",
    );
}

#[test]
fn durable_state() {
    let _cell = Cell::new("durability", "azure", "restart", "azure-mgmt-*");
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("state");
    let state_arg = state_dir.to_str().expect("UTF-8 path");
    let saved = state.path().join("saved.json");
    let saved = saved.to_str().expect("UTF-8 path");
    let (mut server, dir) = start(Some(state_arg));
    let sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    run(&sandbox, "durability.py", &["write", saved]);
    // A crash, not a shutdown: every acknowledged write must already be on disk.
    server.signal_and_wait(
        nix::sys::signal::Signal::SIGKILL,
        std::time::Duration::from_secs(10),
    );
    let (server, dir) = start(Some(state_arg));
    let sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    run(&sandbox, "durability.py", &["read", saved]);
}

#[test]
fn blob_sdk() {
    scenario(
        "cloud-sdk",
        "blob-storage",
        "azure-storage-blob",
        "sdk_blob.py",
    );
}

#[test]
fn blob_cli() {
    scenario("cloud-cli", "blob-storage", "az CLI", "az_blob.py");
}

#[test]
fn container_apps_jobs_sdk() {
    scenario(
        "cloud-sdk",
        "container-apps-jobs",
        "azure-mgmt-appcontainers",
        "sdk_container_apps.py",
    );
}

/// A `* * * * *` job survives a crash of the simulator and its schedule still starts an
/// execution (at most a minute of waiting: the kit's clock has no admin advance).
#[test]
fn container_apps_schedule_sdk() {
    let _cell = Cell::new(
        "workloads",
        "azure",
        "container-apps-schedule",
        "azure-mgmt-appcontainers",
    );
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("state");
    let state_arg = state_dir.to_str().expect("UTF-8 path");
    let saved = state.path().join("saved.json");
    let saved = saved.to_str().expect("UTF-8 path");
    let (mut server, dir) = start(Some(state_arg));
    let sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    run(
        &sandbox,
        "sdk_container_apps_schedule.py",
        &["write", saved],
    );
    server.signal_and_wait(
        nix::sys::signal::Signal::SIGKILL,
        std::time::Duration::from_secs(10),
    );
    let (server, dir) = start(Some(state_arg));
    let sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    run(&sandbox, "sdk_container_apps_schedule.py", &["read", saved]);
}

#[test]
fn container_apps_ingress_sdk() {
    scenario(
        "workloads",
        "container-apps-ingress",
        "azure-mgmt-appcontainers+azure-monitor-query",
        "sdk_container_apps_ingress.py",
    );
}

#[test]
fn container_apps_ingress_cli() {
    scenario(
        "cloud-cli",
        "container-apps-ingress",
        "az CLI",
        "az_container_apps_ingress.py",
    );
}

#[test]
fn functions_sdk() {
    scenario(
        "workloads",
        "functions",
        "azure-mgmt-web",
        "sdk_functions.py",
    );
}

#[test]
fn functions_cli() {
    scenario("cloud-cli", "functions", "az CLI", "az_functions.py");
}

#[test]
fn functions_logs_cli() {
    scenario(
        "workloads",
        "functions-logs",
        "az CLI+azure-monitor-query",
        "az_functions_logs.py",
    );
}

#[test]
fn identities_cli() {
    scenario(
        "cloud-cli",
        "managed-identities",
        "az CLI",
        "az_identity.py",
    );
}

#[test]
fn role_assignments_cli() {
    scenario("cloud-cli", "role-assignments", "az CLI", "az_role.py");
}

#[test]
fn log_analytics_sdk() {
    scenario(
        "cloud-sdk",
        "log-analytics",
        "azure-monitor-query",
        "sdk_log_analytics.py",
    );
}

#[test]
fn container_apps_jobs_cli() {
    scenario(
        "cloud-cli",
        "container-apps-jobs",
        "az CLI",
        "az_container_apps.py",
    );
}

#[test]
fn acr_cli() {
    let _cell = Cell::new("cloud-cli", "azure", "container-registry", "az CLI+skopeo");
    let skopeo = clients::find("skopeo");
    let (server, dir) = start(None);
    let mut sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    run(&sandbox, "az_acr.py", &[]);
}

/// Builds scripts/images' busybox layout into the sandbox; its directory and tag.
fn busybox_layout(sandbox: &Sandbox) -> (String, String) {
    let script = clients::conformance_dir()
        .parent()
        .expect("the repository root")
        .join("scripts/images");
    let out = sandbox.path().join("busybox-layout");
    let output = sandbox
        .command(&script)
        .arg("busybox")
        .arg(&out)
        .output()
        .expect("run scripts/images");
    assert_success("scripts/images busybox", &output);
    let printed = String::from_utf8_lossy(&output.stdout);
    let tag = printed
        .split_whitespace()
        .next()
        .and_then(|name| name.rsplit_once(':'))
        .map(|(_, tag)| tag.to_string())
        .expect("scripts/images prints NAME:TAG DIGEST");
    (out.display().to_string(), tag)
}

#[test]
fn container_apps_job_runs_in_its_acr_image() {
    let _cell = Cell::new(
        "workloads",
        "azure",
        "container-apps-job-image",
        "azure-mgmt-*+skopeo",
    );
    let skopeo = clients::find("skopeo");
    clients::find("runc");
    let (server, dir) = start_with(None, &["--workloads", "oci"]);
    let mut sandbox = azure_sandbox(&server, &dir.path().join("ca.pem"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    let (layout, tag) = busybox_layout(&sandbox);
    sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    run(&sandbox, "sdk_acr_job_image.py", &[]);
}
