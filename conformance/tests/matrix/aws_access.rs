//! IAM policies and their enforcement, STS, federation and accounts, driven by boto3. Each
//! scenario script lives in `conformance/clients/aws/access_*.py`; each test here is one cell:
//! the script, against a fresh simulator on a free port.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(suite: &str, name: &str, script: &str, extra_args: &[&str], modules: &[&str]) {
    let _cell = Cell::new(suite, "aws", name, "boto3");
    // Scenarios that serve an identity provider need more than boto3.
    clients::python_with(modules);
    let mut args = vec!["sim", "aws", "--port", "0"];
    args.extend_from_slice(extra_args);
    let server = Sockerless::start(&args, &["aws"]);
    let sandbox = Sandbox::aws(server.url("aws"));
    sandbox.run_script(script, &[]);
}

#[test]
fn enforce_iam_authorizes_every_request() {
    scenario(
        "auth",
        "enforce-iam",
        "aws/access_enforce.py",
        &["--enforce-iam", "--access-key", "ADMIN:adminsecret"],
        &["boto3"],
    );
}

#[test]
fn web_identity_with_a_real_oidc_issuer() {
    scenario(
        "auth",
        "web-identity",
        "aws/access_web_identity.py",
        &[],
        &["boto3", "cryptography"],
    );
}

#[test]
fn sts_and_accounts() {
    scenario(
        "cloud-sdk",
        "sts-accounts",
        "aws/access_sts.py",
        &[],
        &["boto3"],
    );
}

#[test]
fn policy_grammar() {
    scenario(
        "cloud-sdk",
        "policy-grammar",
        "aws/access_policies.py",
        &[],
        &["boto3"],
    );
}

#[test]
fn policy_simulator() {
    scenario(
        "cloud-sdk",
        "policy-simulator",
        "aws/access_simulate.py",
        &[],
        &["boto3"],
    );
}
