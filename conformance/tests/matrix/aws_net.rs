//! EC2 networking, EFS and Cloud Map, and what ECS tasks get from them, driven by boto3. Each
//! test is one cell: a scenario script from `conformance/clients/aws/`, against a fresh
//! simulator on a free port.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(name: &str, script: &str) {
    let _cell = Cell::new("cloud-sdk", "aws", name, "boto3");
    let aws_cli = clients::aws();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_WORKLOAD_PATH", &clients::workload_path());
    sandbox.run_script(script, &[]);
}

#[test]
fn net_default_vpc_subnets_security_groups_and_paging() {
    scenario("net-ec2", "aws/net_ec2.py");
}

#[test]
fn net_awsvpc_tasks_get_interfaces_from_their_subnet() {
    scenario("net-ecs", "aws/net_ecs.py");
}

#[test]
fn efs_file_systems_mount_targets_access_points_and_policies() {
    scenario("efs-api", "aws/efs_api.py");
}

#[test]
fn cloudmap_namespaces_instances_and_ecs_service_registries() {
    scenario("cloudmap-ecs", "aws/cloudmap_ecs.py");
}

#[test]
fn efs_volumes_are_shared_between_ecs_tasks() {
    scenario("efs-ecs", "aws/efs_ecs.py");
}
