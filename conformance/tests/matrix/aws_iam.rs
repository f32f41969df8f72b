//! IAM through boto3: users and groups, credentials (access keys, passwords, MFA with real TOTP
//! codes, SSH keys, certificates, service-specific credentials), and the account (aliases,
//! password policy, summary, credential report, authorization details, service-linked roles).
//! Each cell runs one scenario script of `conformance/clients/aws/` against a fresh simulator.

use super::aws::scenario;

#[test]
fn iam_users_and_groups() {
    scenario(
        "cloud-sdk",
        "iam-users-groups",
        "boto3",
        "aws/iam_users_groups.py",
    );
}

#[test]
fn iam_credentials() {
    scenario(
        "cloud-sdk",
        "iam-credentials",
        "boto3",
        "aws/iam_credentials.py",
    );
}

#[test]
fn iam_account() {
    scenario("cloud-sdk", "iam-account", "boto3", "aws/iam_account.py");
}
