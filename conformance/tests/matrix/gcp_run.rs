//! Cloud Run jobs driven by google-cloud-run over REST (integer enums), their output read back
//! with google-cloud-logging; the tasks really run through the simulator's process runner.

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients, clients_dir};

#[test]
fn run_jobs_sdk() {
    let _cell = Cell::new("cloud-sdk", "gcp", "run-jobs", "google-cloud-run");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("RUN_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/run_jobs_sdk.py"))
        .output()
        .expect("run python");
    assert_success("run_jobs_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
