//! Cloud Storage driven by google-cloud-storage (through `STORAGE_EMULATOR_HOST`) and by
//! `gcloud storage` (through `CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE`). Each test is one cell:
//! a scenario from `conformance/clients/gcp/` against a fresh simulator.

use conformance::{
    Cell, Sandbox, Sockerless, assert_success, clients, clients_dir, gcloud_sandbox,
};

#[test]
fn storage_sdk() {
    let _cell = Cell::new("cloud-sdk", "gcp", "storage", "google-cloud-storage");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("STORAGE_EMULATOR_HOST", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/storage_sdk.py"))
        .output()
        .expect("run python");
    assert_success("storage_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn storage_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "storage", "gcloud");
    let state = tempfile::tempdir().expect("state dir");
    let state_arg = state.path().join("state").display().to_string();
    let server = Sockerless::start(
        &["sim", "gcp", "--port", "0", "--state-dir", &state_arg],
        &["gcp"],
    );
    let sandbox = gcloud_sandbox("STORAGE", &format!("{}/storage/v1/", server.url("gcp")));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/storage_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("storage_gcloud.sh", &output);
    // Object bodies live under the state directory's files, nowhere else.
    let files = state.path().join("state/gcp").exists()
        || state.path().join("state/files/storage").exists();
    assert!(files, "object bodies are kept under the state directory");
}

#[test]
fn storage_streamed_uploads() {
    let _cell = Cell::new(
        "cloud-sdk",
        "gcp",
        "storage-streamed",
        "google-resumable-media",
    );
    let python = clients::gcp_python();
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("state");
    let state_arg = state_dir.display().to_string();
    // A 1 MiB body limit: uploads of 40 MiB succeed only because they stream to disk.
    let server = Sockerless::start(
        &[
            "sim",
            "gcp",
            "--port",
            "0",
            "--state-dir",
            &state_arg,
            "--body-limit",
            "1048576",
        ],
        &["gcp"],
    );
    let mut sandbox = Sandbox::new();
    sandbox.set("STORAGE_EMULATOR_HOST", server.url("gcp"));
    sandbox.set("SERVER_PID", &server.pid().to_string());
    let objects = state_dir.join("files/storage/objects");
    sandbox.set("OBJECTS_DIR", &objects.display().to_string());
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/storage_streamed.py"))
        .output()
        .expect("run python");
    assert_success("storage_streamed.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn storage_versions_sdk() {
    let _cell = Cell::new(
        "cloud-sdk",
        "gcp",
        "storage-versions",
        "google-cloud-storage",
    );
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("STORAGE_EMULATOR_HOST", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/storage_versions.py"))
        .output()
        .expect("run python");
    assert_success("storage_versions.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn storage_versions_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "storage-versions", "gcloud");
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let sandbox = gcloud_sandbox("STORAGE", &format!("{}/storage/v1/", server.url("gcp")));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/storage_versions_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("storage_versions_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}
