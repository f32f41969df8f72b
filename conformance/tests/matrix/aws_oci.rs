//! ECS task containers and Lambda image functions in their real image, on runc (`--workloads
//! oci|auto`): images built offline by `scripts/images`, pushed to ECR with skopeo, run by
//! boto3's RunTask and Invoke (and the aws CLI's), their output read back from CloudWatch Logs. Each test is one cell against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

/// Builds the busybox image layout into the sandbox: its directory and tag.
pub(crate) fn busybox_layout(sandbox: &Sandbox) -> (String, String) {
    let script = clients::conformance_dir()
        .parent()
        .expect("the repository root")
        .join("scripts/images");
    let out = sandbox.path().join("busybox-layout");
    let output = sandbox
        .command(&script)
        .arg("busybox")
        .arg(&out)
        .output()
        .expect("run scripts/images");
    conformance::assert_success("scripts/images busybox", &output);
    let printed = String::from_utf8_lossy(&output.stdout);
    let tag = printed
        .split_whitespace()
        .next()
        .and_then(|name| name.rsplit_once(':'))
        .map(|(_, tag)| tag.to_string())
        .expect("scripts/images prints NAME:TAG DIGEST");
    (out.display().to_string(), tag)
}

fn scenario(name: &str, server_args: &[&str], script: &str, args: &[&str]) {
    let _cell = Cell::new("workloads", "aws", name, "boto3+skopeo");
    let skopeo = clients::find("skopeo");
    clients::find("runc");
    let mut command = vec!["sim", "aws", "--port", "0"];
    command.extend_from_slice(server_args);
    let server = Sockerless::start(&command, &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    let aws_cli = clients::aws();
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_WORKLOAD_PATH", &clients::workload_path());
    let (layout, tag) = busybox_layout(&sandbox);
    sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    sandbox.run_script(script, args);
}

#[test]
fn ecs_task_runs_in_its_ecr_image() {
    scenario(
        "ecs-oci-image",
        &["--workloads", "oci"],
        "aws/ecs_oci_image.py",
        &[],
    );
}

#[test]
fn ecs_auto_runs_in_the_image_or_on_the_host() {
    scenario(
        "ecs-oci-auto",
        &["--workloads", "auto"],
        "aws/ecs_oci_auto.py",
        &["runtime-present"],
    );
}

#[test]
fn ecs_auto_without_a_runtime_runs_on_the_host() {
    scenario(
        "ecs-oci-auto-no-runtime",
        &[
            "--workloads",
            "auto",
            "--oci-runtime",
            "/nonexistent/sockerless/runc",
        ],
        "aws/ecs_oci_auto.py",
        &["runtime-absent"],
    );
}

#[test]
fn ecs_container_past_its_memory_is_oom_killed() {
    scenario(
        "ecs-oci-limits",
        &["--workloads", "oci"],
        "aws/ecs_oci_limits.py",
        &[],
    );
}

#[test]
fn ecs_awsvpc_task_has_its_own_network() {
    scenario(
        "ecs-oci-network",
        &["--workloads", "oci"],
        "aws/ecs_oci_network.py",
        &[],
    );
}

#[test]
fn lambda_image_function_runs_in_its_image() {
    scenario(
        "lambda-oci-image",
        &["--workloads", "oci"],
        "aws/lambda_oci_image.py",
        &["oci"],
    );
}

#[test]
fn lambda_image_function_needs_the_oci_runtime() {
    scenario(
        "lambda-oci-image-process",
        &["--workloads", "process"],
        "aws/lambda_oci_image.py",
        &["process"],
    );
}

#[test]
fn ecs_bridge_ports_reach_their_containers() {
    scenario(
        "ecs-oci-bridge",
        &["--workloads", "oci"],
        "aws/ecs_oci_bridge.py",
        &[],
    );
}
