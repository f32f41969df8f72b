//! The AWS simulator driven by the aws CLI and boto3. Each scenario script lives in
//! `conformance/clients/aws/` and asserts what a fake could not satisfy; each test here is one
//! cell: the script, against a fresh simulator on a free port.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(suite: &str, name: &str, client: &str, script: &str) {
    let _cell = Cell::new(suite, "aws", name, client);
    let aws_cli = clients::aws();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
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
