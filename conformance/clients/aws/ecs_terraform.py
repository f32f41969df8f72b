"""ECS through terraform's AWS provider: a cluster with settings and capacity providers, a
Fargate task definition and a service with load balancer, service registry, circuit breaker
and tags are applied, then planned again: the plan must be empty, which only holds when every
attribute the provider wrote reads back as written. Then everything is destroyed."""
import os
import subprocess
import tempfile

from common import check, client, done, fail

# The account's default VPC: ECS checks that a task's subnets and security groups exist.
ec2 = client("ec2")
default_subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
default_group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]

terraform = os.environ["SOCKERLESS_TERRAFORM"]
endpoint = os.environ["AWS_ENDPOINT_URL"]
work = tempfile.mkdtemp(prefix="ecs-terraform-")
with open(os.path.join(work, "cli.tfrc"), "w") as f:
    f.write("""provider_installation {
  filesystem_mirror {
    path    = "/opt/tf-plugins"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
disable_checkpoint = true
""")
with open(os.path.join(work, "main.tf"), "w") as f:
    f.write("""terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true
  endpoints {
    ecs = "ENDPOINT"
    iam = "ENDPOINT"
    sts = "ENDPOINT"
  }
}
resource "aws_ecs_cluster" "c" {
  name = "tf-cluster"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = { team = "core" }
}
resource "aws_ecs_cluster_capacity_providers" "cp" {
  cluster_name       = aws_ecs_cluster.c.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 1
  }
}
resource "aws_ecs_task_definition" "t" {
  family                   = "tf-task"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name         = "web"
    image        = "busybox"
    essential    = true
    command      = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    portMappings = [{ containerPort = 8080 }]
    environment  = [{ name = "A", value = "1" }]
    ulimits      = [{ name = "nofile", softLimit = 1024, hardLimit = 2048 }]
    healthCheck  = { command = ["CMD-SHELL", "true"], interval = 10 }
  }])
  tags = { app = "web" }
}
resource "aws_ecs_service" "s" {
  name                               = "tf-service"
  cluster                            = aws_ecs_cluster.c.id
  task_definition                    = aws_ecs_task_definition.t.arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  deployment_maximum_percent         = 150
  deployment_minimum_healthy_percent = 50
  health_check_grace_period_seconds  = 30
  enable_execute_command             = true
  propagate_tags                     = "SERVICE"
  network_configuration {
    subnets          = ["subnet-12345"]
    security_groups  = ["sg-12345"]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
    container_name   = "web"
    container_port   = 8080
  }
  service_registries {
    registry_arn = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abcdef"
  }
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  tags                  = { app = "web" }
  wait_for_steady_state = true
}
""".replace("ENDPOINT", endpoint).replace("subnet-12345", default_subnet).replace("sg-12345", default_group))

env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(work, "cli.tfrc"), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")


def run(*args, allowed=(0,)):
    result = subprocess.run([terraform, *args], cwd=work, env=env, capture_output=True, text=True)
    if result.returncode not in allowed:
        fail(f"terraform {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


run("init", "-input=false", "-no-color")
run("apply", "-auto-approve", "-input=false", "-no-color")
plan = run("plan", "-input=false", "-no-color", "-detailed-exitcode", allowed=(0, 2))
check(plan.returncode == 0, f"a second plan must change nothing:\n{plan.stdout[-6000:]}")
run("destroy", "-auto-approve", "-input=false", "-no-color")
done("ecs terraform")
