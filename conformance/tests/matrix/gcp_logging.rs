//! Cloud Logging driven by google-cloud-logging (its HTTP/JSON transport, aimed with
//! `api_endpoint`) and by `gcloud logging` (through `CLOUDSDK_API_ENDPOINT_OVERRIDES_LOGGING`).
//! Each test is one cell: a scenario from `conformance/clients/gcp/` against a fresh simulator.

use conformance::{
    Cell, Sandbox, Sockerless, assert_success, clients, clients_dir, gcloud_sandbox,
};

#[test]
fn logging_sdk() {
    let _cell = Cell::new("cloud-sdk", "gcp", "logging", "google-cloud-logging");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("LOGGING_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/logging_sdk.py"))
        .output()
        .expect("run python");
    assert_success("logging_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn logging_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "logging", "gcloud");
    let state = tempfile::tempdir().expect("state dir");
    let state_arg = state.path().join("state").display().to_string();
    let server = Sockerless::start(
        &["sim", "gcp", "--port", "0", "--state-dir", &state_arg],
        &["gcp"],
    );
    let sandbox = gcloud_sandbox("LOGGING", &format!("{}/", server.url("gcp")));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/logging_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("logging_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}
