//! KMS, Secrets Manager and SSM Parameter Store, driven by boto3 and the aws CLI. Each test is
//! one cell: a scenario script from `conformance/clients/aws/` against a fresh simulator.

use super::aws::scenario;

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
fn ssm_documents_sdk() {
    scenario(
        "cloud-sdk",
        "ssm-documents",
        "boto3",
        "aws/ssm_documents.py",
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
