//! Cloud Functions (2nd gen) driven by google-cloud-functions over REST: a Python function's
//! zip in the simulated Cloud Storage is deployed and really runs through the Functions
//! Framework; an HTTP request to its URL answers what its code returns.

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients, clients_dir};

#[test]
fn functions_sdk() {
    let _cell = Cell::new("cloud-sdk", "gcp", "functions", "google-cloud-functions");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("GCP_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/functions_sdk.py"))
        .output()
        .expect("run python");
    assert_success("functions_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
