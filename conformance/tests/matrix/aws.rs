//! The AWS simulator driven by the aws CLI and boto3. Each scenario script lives in
//! `conformance/clients/aws/` and asserts what a fake could not satisfy; each test here is one
//! cell: the script, against a fresh simulator on a free port.

use conformance::{Cell, Sandbox, Sockerless, clients};

pub(crate) fn scenario(suite: &str, name: &str, client: &str, script: &str) {
    let _cell = Cell::new(suite, "aws", name, client);
    let aws_cli = clients::aws();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_WORKLOAD_PATH", &clients::workload_path());
    sandbox.run_script(script, &[]);
}

#[test]
fn sts_cli() {
    scenario("cloud-cli", "sts", "aws CLI", "aws/sts_cli.py");
}

#[test]
fn sts_sdk() {
    scenario("cloud-sdk", "sts", "boto3", "aws/sts_sdk.py");
}

#[test]
fn protocol_errors() {
    scenario(
        "protocol",
        "bad-input",
        "python http.client",
        "aws/protocol_errors.py",
    );
}

#[test]
fn name_and_quota_rules() {
    scenario("protocol", "name-rules", "boto3", "aws/name_rules.py");
}

#[test]
fn iam_cli() {
    scenario("cloud-cli", "iam", "aws CLI", "aws/iam_cli.py");
}

#[test]
fn iam_sdk() {
    scenario("cloud-sdk", "iam", "boto3", "aws/iam_sdk.py");
}

#[test]
fn logs_cli() {
    scenario("cloud-cli", "logs", "aws CLI", "aws/logs_cli.py");
}

#[test]
fn logs_sdk() {
    scenario("cloud-sdk", "logs", "boto3", "aws/logs_sdk.py");
}

#[test]
fn ecs_cli() {
    scenario("cloud-cli", "ecs", "aws CLI", "aws/ecs_cli.py");
}

#[test]
fn ecs_sdk() {
    scenario("cloud-sdk", "ecs", "boto3", "aws/ecs_sdk.py");
}

#[test]
fn faults_in_each_protocols_shape() {
    scenario("faults", "faults", "boto3", "aws/faults_aws.py");
}

#[test]
fn strict_auth_verifies_signatures() {
    let _cell = Cell::new("auth", "aws", "strict-sigv4", "aws CLI + boto3");
    let aws_cli = clients::aws();
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--strict-auth",
            "--access-key",
            "STRICTKEY:strictsecret",
        ],
        &["aws"],
    );
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.run_script("aws/strict_auth.py", &[]);
}

#[test]
fn state_survives_a_restart() {
    let _cell = Cell::new("durability", "aws", "ecs-logs-iam-restart", "boto3");
    let sandbox = Sandbox::aws("http://replaced-by-the-script");
    let state = sandbox.path().join("state");
    let bin = conformance::sockerless_bin();
    sandbox.run_script(
        "aws/restart.py",
        &[bin.to_str().unwrap(), state.to_str().unwrap()],
    );
}
