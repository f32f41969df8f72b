# The AWS simulator's real-world stack: a VPC with a subnet and a security group, an ECS
# service running Fargate tasks in that subnet with logs in CloudWatch, its image repository
# in ECR, a Lambda function, an EFS file system, a Cloud Map namespace, an S3 bucket with
# versioning and a policy, a secret, a parameter and a KMS key. The conformance cell applies it,
# expects `plan -detailed-exitcode` to find no changes (every attribute the provider wrote reads
# back as written), then destroys it and checks nothing is left.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

variable "name" {
  type    = string
  default = "tf-stack"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    ec2              = var.endpoint
    ecr              = var.endpoint
    ecs              = var.endpoint
    efs              = var.endpoint
    iam              = var.endpoint
    kms              = var.endpoint
    lambda           = var.endpoint
    logs             = var.endpoint
    s3               = var.endpoint
    secretsmanager   = var.endpoint
    servicediscovery = var.endpoint
    ssm              = var.endpoint
    sts              = var.endpoint
  }
}

# --- network -------------------------------------------------------------------------------

resource "aws_vpc" "main" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags = {
    Name  = var.name
    stack = var.name
  }
}

resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    stack = var.name
  }
}

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "The app's tasks"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTP from the VPC"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    stack = var.name
  }
}

# --- identity ------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task" {
  name                 = "${var.name}-task"
  path                 = "/service/"
  description          = "Role of the stack's tasks"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_trust.json
  max_session_duration = 7200
  tags = {
    stack = var.name
  }
}

resource "aws_iam_role_policy_attachment" "task_logs" {
  role       = aws_iam_role.task.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess"
}

resource "aws_iam_role_policy" "task_inline" {
  name = "read-config"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.app.arn}:*"
      },
      {
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "ssm:GetParameters", "kms:Decrypt"]
        Resource = [aws_secretsmanager_secret.db.arn, aws_ssm_parameter.mode.arn, aws_kms_key.app.arn]
      }
    ]
  })
}

resource "aws_iam_role" "function" {
  name               = "${var.name}-function"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

# --- data ----------------------------------------------------------------------------------

resource "aws_kms_key" "app" {
  description             = "The app's key"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  tags = {
    stack = var.name
  }
}

resource "aws_kms_alias" "app" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.app.key_id
}

resource "aws_secretsmanager_secret" "db" {
  name                    = "${var.name}/db"
  description             = "The database password"
  kms_key_id              = aws_kms_key.app.arn
  recovery_window_in_days = 0
  tags = {
    stack = var.name
  }
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({ password = "correct horse battery staple" })
}

resource "aws_ssm_parameter" "mode" {
  name        = "/${var.name}/mode"
  description = "How the app runs"
  type        = "String"
  value       = "production"
  tags = {
    stack = var.name
  }
}

resource "aws_ssm_parameter" "token" {
  name   = "/${var.name}/token"
  type   = "SecureString"
  value  = "s3cr3t"
  key_id = aws_kms_key.app.key_id
}

resource "aws_s3_bucket" "artifacts" {
  bucket        = "${var.name}-artifacts"
  force_destroy = true
  tags = {
    stack = var.name
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_policy" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TasksRead"
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.task.arn }
      Action    = ["s3:GetObject"]
      Resource  = "${aws_s3_bucket.artifacts.arn}/*"
    }]
  })
}

resource "aws_efs_file_system" "shared" {
  creation_token   = "${var.name}-shared"
  performance_mode = "generalPurpose"
  encrypted        = true
  tags = {
    Name  = "${var.name}-shared"
    stack = var.name
  }
}

resource "aws_efs_mount_target" "shared" {
  file_system_id  = aws_efs_file_system.shared.id
  subnet_id       = aws_subnet.app.id
  security_groups = [aws_security_group.app.id]
}

resource "aws_service_discovery_private_dns_namespace" "internal" {
  name        = "${var.name}.internal"
  description = "Service discovery for the stack"
  vpc         = aws_vpc.main.id
}

resource "aws_service_discovery_service" "app" {
  name = "app"
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.internal.id
    routing_policy = "MULTIVALUE"
    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}

# --- compute -------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}"
  retention_in_days = 7
  tags = {
    stack = var.name
  }
}

resource "aws_ecr_repository" "app" {
  name                 = "${var.name}/app"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = true
  image_scanning_configuration {
    scan_on_push = true
  }
  tags = {
    stack = var.name
  }
}

resource "aws_ecs_cluster" "main" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = {
    stack = var.name
  }
}

resource "aws_ecs_task_definition" "app" {
  family                   = "${var.name}-app"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.task.arn
  container_definitions = jsonencode([{
    name      = "app"
    image     = "${aws_ecr_repository.app.repository_url}:1.0"
    essential = true
    command   = ["sh", "-c", "trap 'exit 0' TERM; echo started; while true; do sleep 1; done"]
    environment = [
      { name = "STACK", value = var.name }
    ]
    secrets = [
      { name = "DB_SECRET", valueFrom = aws_secretsmanager_secret.db.arn },
      { name = "MODE", valueFrom = aws_ssm_parameter.mode.arn }
    ]
    portMappings = [
      { containerPort = 8080, protocol = "tcp" }
    ]
    mountPoints = [
      { sourceVolume = "shared", containerPath = "/mnt/shared", readOnly = false }
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.app.name
        awslogs-region        = "us-east-1"
        awslogs-stream-prefix = "app"
      }
    }
  }])
  volume {
    name = "shared"
    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.shared.id
      root_directory     = "/"
      transit_encryption = "ENABLED"
    }
  }
  tags = {
    stack = var.name
  }
}

resource "aws_ecs_service" "app" {
  name            = "${var.name}-app"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = [aws_subnet.app.id]
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }
  service_registries {
    registry_arn = aws_service_discovery_service.app.arn
  }
  deployment_minimum_healthy_percent = 50
  deployment_maximum_percent         = 200
  wait_for_steady_state              = true
  tags = {
    stack = var.name
  }
  depends_on = [aws_efs_mount_target.shared]
}

resource "aws_lambda_function" "echo" {
  function_name = "${var.name}-echo"
  role          = aws_iam_role.function.arn
  runtime       = "python3.12"
  handler       = "handler.handler"
  # Zipped by the conformance cell beside this file (the archive provider is not mirrored here).
  filename         = "${path.module}/function.zip"
  source_code_hash = filebase64sha256("${path.module}/function.zip")
  timeout          = 10
  memory_size      = 256
  environment {
    variables = {
      STACK = var.name
    }
  }
  tags = {
    stack = var.name
  }
}

output "service_name" {
  value = aws_ecs_service.app.name
}

output "function_name" {
  value = aws_lambda_function.echo.function_name
}

output "subnet_cidr" {
  value = aws_subnet.app.cidr_block
}
