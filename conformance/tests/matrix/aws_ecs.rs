//! ECS beyond the basics, driven by boto3: task definitions and services read back exactly as
//! written, capacity providers and account settings, task sets and task protection, container
//! instances and their agent, daemons, and ECS's errors for what the simulator cannot provide.
//! Each test is one cell: a scenario script from `conformance/clients/aws/`, against a fresh
//! simulator on a free port.

use conformance::{Cell, Sandbox, Sockerless, clients};

use super::aws;

/// A boto3 scenario, one cell of the ECS suite.
fn scenario(name: &str, script: &str) {
    aws::scenario("cloud-sdk", name, "boto3", script);
}

#[test]
fn ecs_task_definitions_read_back_as_written() {
    scenario("ecs-task-definitions", "aws/ecs_definitions.py");
}

#[test]
fn ecs_services_deployments_and_revisions() {
    scenario("ecs-services", "aws/ecs_services.py");
}

#[test]
fn ecs_capacity_providers_and_account_settings() {
    scenario("ecs-capacity", "aws/ecs_capacity.py");
}

#[test]
fn ecs_task_sets_and_task_protection() {
    scenario("ecs-task-sets", "aws/ecs_task_sets.py");
}

#[test]
fn ecs_container_instances_agent_and_daemons() {
    scenario("ecs-instances", "aws/ecs_instances.py");
}

/// terraform's AWS provider compares what it wrote with what Describe* returns: a second plan
/// is empty only when every attribute reads back as written.
#[test]
fn ecs_terraform_plan_converges() {
    let _cell = Cell::new("terraform", "aws", "ecs-service", "terraform");
    let terraform = clients::terraform();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set(
        "SOCKERLESS_TERRAFORM",
        terraform.to_str().expect("UTF-8 path"),
    );
    sandbox.run_script("aws/ecs_terraform.py", &[]);
}
