//! KMS, Secrets Manager and SSM Parameter Store, driven by boto3 and the aws CLI. Each test is
//! one cell: a scenario script from `conformance/clients/aws/` against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(suite: &str, name: &str, client: &str, script: &str) {
    let _cell = Cell::new(suite, "aws", name, client);
    let aws_cli = clients::aws();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_WORKLOAD_PATH", &clients::workload_path());
    sandbox.run_script(script, &[]);
}

#[test]
fn kms_sdk() {
    scenario("cloud-sdk", "kms", "boto3", "aws/kms_sdk.py");
}

#[test]
fn secrets_sdk() {
    scenario("cloud-sdk", "secretsmanager", "boto3", "aws/secrets_sdk.py");
}

#[test]
fn ssm_parameters_sdk() {
    scenario(
        "cloud-sdk",
        "ssm-parameters",
        "boto3",
        "aws/ssm_parameters.py",
    );
}

#[test]
fn ssm_secrets_cli() {
    scenario("cloud-cli", "ssm-secrets", "aws CLI", "aws/ssm_cli.py");
}

#[test]
fn secrets_ecs_sdk() {
    scenario("cloud-sdk", "ecs-secrets", "boto3", "aws/secrets_ecs.py");
}
