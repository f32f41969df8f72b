//! EC2 networking, EFS and Cloud Map, and what ECS tasks get from them, driven by boto3. Each
//! test is one cell: a scenario script from `conformance/clients/aws/`, against a fresh
//! simulator on a free port.

use super::aws;

/// A boto3 scenario, one cell of the networking suite.
fn scenario(name: &str, script: &str) {
    aws::scenario("cloud-sdk", name, "boto3", script);
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
