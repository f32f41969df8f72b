//! AWS services working together, driven by boto3: Lambda packages read from S3, Logs export
//! tasks written to S3, resource policies under `--enforce-iam`, Secrets Manager rotation
//! through a Lambda, and subscription filters delivering to a Lambda. Each test is one cell:
//! a scenario script (`conformance/clients/aws/integration_*.py`) against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(name: &str, script: &str, extra_args: &[&str]) {
    let _cell = Cell::new("cloud-sdk", "aws", name, "boto3");
    // Functions run on the world-readable Python that ECS tasks use; its absence fails here.
    clients::workload_path();
    let mut args = vec!["sim", "aws", "--port", "0"];
    args.extend_from_slice(extra_args);
    let server = Sockerless::start(&args, &["aws"]);
    Sandbox::aws(server.url("aws")).run_script(script, &[]);
}

#[test]
fn lambda_code_is_read_from_s3() {
    scenario("lambda-code-from-s3", "aws/integration_lambda_s3.py", &[]);
}

#[test]
fn logs_export_tasks_write_to_s3() {
    scenario("logs-export-to-s3", "aws/integration_logs_export.py", &[]);
}

#[test]
fn resource_policies_are_enforced() {
    let _cell = Cell::new("auth", "aws", "resource-policies", "boto3");
    clients::workload_path();
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--enforce-iam",
            "--access-key",
            "ADMIN:adminsecret",
        ],
        &["aws"],
    );
    Sandbox::aws(server.url("aws")).run_script("aws/integration_resource_policies.py", &[]);
}

#[test]
fn secrets_rotate_through_a_lambda() {
    scenario(
        "secrets-rotation-lambda",
        "aws/integration_secrets_rotation.py",
        &[],
    );
}

#[test]
fn logs_subscription_filters_deliver_to_lambda() {
    scenario(
        "logs-subscription-lambda",
        "aws/integration_logs_subscription.py",
        &[],
    );
}
