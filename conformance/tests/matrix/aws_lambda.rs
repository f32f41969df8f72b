//! Lambda, driven by boto3: functions that really run (Python, Node and provided.al2023
//! runtimes through the Lambda Runtime API, warm reuse, errors, timeouts, logs, Event
//! invocations, reserved concurrency) and the control plane (read back as written, waiters,
//! paging, versions and aliases, function URLs over HTTP, policies, tags, layers, Lambda's
//! errors). Each test is one cell: a scenario script against a fresh simulator on a free port.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(name: &str, script: &str) {
    let _cell = Cell::new("cloud-sdk", "aws", name, "boto3");
    // Functions run on the world-readable Python that ECS tasks use; its absence fails here.
    clients::workload_path();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    Sandbox::aws(server.url("aws")).run_script(script, &[]);
}

#[test]
fn lambda_functions_run_through_the_runtime_api() {
    scenario("lambda-invoke", "aws/lambda_invoke.py");
}

#[test]
fn lambda_control_plane_reads_back_as_written() {
    scenario("lambda-functions", "aws/lambda_functions.py");
}
