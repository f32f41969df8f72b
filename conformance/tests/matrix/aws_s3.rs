//! Amazon S3 driven by boto3 and the aws CLI: buckets, objects, ranges, conditions, checksums,
//! listings paged one entry at a time, versioning, copies, tagging, virtual-host addressing
//! (through the simulator as a proxy), multipart uploads with a flat server RSS, presigned URLs
//! that expire, and `aws s3 cp/sync/ls/rm` against a state directory nothing escapes. Each test
//! is one cell: a scenario script from `conformance/clients/aws/` against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

use crate::aws::scenario;

#[test]
fn s3_objects_sdk() {
    scenario("cloud-sdk", "s3-objects", "boto3", "aws/s3_objects.py");
}

#[test]
fn s3_multipart_sdk() {
    let _cell = Cell::new("cloud-sdk", "aws", "s3-multipart", "boto3");
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let sandbox = Sandbox::aws(server.url("aws"));
    let pid = server.pid().to_string();
    sandbox.run_script("aws/s3_multipart.py", &[&pid]);
}

#[test]
fn s3_cli() {
    let _cell = Cell::new("cloud-cli", "aws", "s3", "aws CLI");
    let aws_cli = clients::aws();
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("state");
    let state_arg = state_dir.to_str().expect("UTF-8 path");
    let server = Sockerless::start(
        &["sim", "aws", "--port", "0", "--state-dir", state_arg],
        &["aws"],
    );
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.run_script("aws/s3_cli.py", &[state_arg]);
}

#[test]
fn s3_configs_sdk() {
    scenario("cloud-sdk", "s3-configs", "boto3", "aws/s3_configs.py");
}
