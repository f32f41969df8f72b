"""ECS task definitions through boto3: a definition that uses most container-definition members
is described back exactly as registered (plus only the defaults ECS fills in), revisions and
families page with maxResults=1 returning each once, tags read back, and ECS's own errors."""
import copy
import json

from common import check, client, done, fail, unique

ecs = client("ecs")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
iam = client("iam")

role = iam.create_role(RoleName=unique("td-role"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
family = unique("rich")
app = {
    "name": "app",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
    "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:creds"},
    "cpu": 128,
    "memory": 256,
    "memoryReservation": 128,
    "links": ["sidecar"],
    "portMappings": [
        {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http"},
        {"containerPort": 9000, "protocol": "udp"},
    ],
    "essential": True,
    "restartPolicy": {"enabled": True, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
    "entryPoint": ["/bin/sh", "-c"],
    "command": ["exec app --port 8080"],
    "environment": [{"name": "MODE", "value": "prod"}, {"name": "EMPTY", "value": ""}],
    "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
    "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": False}],
    "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": True}],
    "linuxParameters": {
        "capabilities": {"add": ["NET_ADMIN"], "drop": ["MKNOD"]},
        "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse", "permissions": ["read", "write"]}],
        "initProcessEnabled": True,
        "sharedMemorySize": 64,
        "tmpfs": [{"containerPath": "/scratch", "size": 32, "mountOptions": ["noexec"]}],
        "maxSwap": 0,
        "swappiness": 10,
    },
    "secrets": [{"name": "TOKEN", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}],
    "dependsOn": [{"containerName": "sidecar", "condition": "START"}],
    "startTimeout": 30,
    "stopTimeout": 20,
    "versionConsistency": "disabled",
    "hostname": "app-host",
    "user": "1000:1000",
    "workingDirectory": "/srv",
    "disableNetworking": False,
    "privileged": False,
    "readonlyRootFilesystem": True,
    "dnsServers": ["10.0.0.2"],
    "dnsSearchDomains": ["example.internal"],
    "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}],
    "dockerSecurityOptions": ["no-new-privileges"],
    "interactive": False,
    "pseudoTerminal": False,
    "dockerLabels": {"team": "core", "tier": "web"},
    "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
    "logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"},
                         "secretOptions": [{"name": "apikey", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/k"}]},
    "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"], "interval": 10, "timeout": 3,
                    "retries": 2, "startPeriod": 5},
    "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
    "resourceRequirements": [{"value": "1", "type": "GPU"}],
    "credentialSpecs": ["credentialspecdomainless:arn:aws:s3:::bucket/spec.json"],
}
sidecar = {
    "name": "sidecar",
    "image": "fluent/fluent-bit",
    "memory": 64,
    "essential": False,
    "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
}
request = {
    "family": family,
    "taskRoleArn": role,
    "executionRoleArn": role,
    "networkMode": "bridge",
    "containerDefinitions": [app, sidecar],
    "volumes": [
        {"name": "data", "host": {"sourcePath": "/srv/data"}},
        {"name": "docker", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": True, "driver": "local",
                                                         "driverOpts": {"type": "tmpfs"}, "labels": {"a": "b"}}},
        {"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/",
                                                   "transitEncryption": "ENABLED",
                                                   "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}},
    ],
    "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}],
    "requiresCompatibilities": ["EC2"],
    "cpu": "512",
    "memory": "1024",
    "pidMode": "task",
    "ipcMode": "task",
    "proxyConfiguration": {"type": "APPMESH", "containerName": "sidecar",
                           "properties": [{"name": "IgnoredUID", "value": "1337"}, {"name": "ProxyIngressPort", "value": "15000"}]},
    "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
    "enableFaultInjection": True,
    "tags": [{"key": "owner", "value": "definitions"}],
}
registered = ecs.register_task_definition(**copy.deepcopy(request))
definition = registered["taskDefinition"]
check(registered["tags"] == request["tags"], f"tags answered: {registered.get('tags')}")
described = ecs.describe_task_definition(taskDefinition=f"{family}:1", include=["TAGS"])
check(described["taskDefinition"] == definition, "describe answers what register answered")
check(described["tags"] == request["tags"], f"{described['tags']}")
check(ecs.describe_task_definition(taskDefinition=family)["tags"] == [], "tags only when asked for")

# Every member written reads back as written; ECS adds only the defaults of members left out.
for key in ("family", "taskRoleArn", "executionRoleArn", "networkMode", "volumes", "placementConstraints",
            "requiresCompatibilities", "cpu", "memory", "pidMode", "ipcMode", "proxyConfiguration",
            "runtimePlatform", "enableFaultInjection"):
    check(definition[key] == request[key], f"{key}: wrote {request[key]!r}, read {definition.get(key)!r}")
got_app, got_sidecar = definition["containerDefinitions"]
for key, value in app.items():
    check(got_app[key] == value, f"app.{key}: wrote {value!r}, read {got_app.get(key)!r}")
extra = set(got_app) - set(app)
check(extra == set(), f"app gained members: {extra}")
for key, value in sidecar.items():
    check(got_sidecar[key] == value, f"sidecar.{key}: wrote {value!r}, read {got_sidecar.get(key)!r}")
defaults = {k: got_sidecar[k] for k in set(got_sidecar) - set(sidecar)}
check(defaults == {"cpu": 0, "portMappings": [], "environment": [], "mountPoints": [], "volumesFrom": []},
      f"the defaults ECS fills in: {defaults}")
check(definition["revision"] == 1 and definition["status"] == "ACTIVE", f"{definition['revision']}")
check(definition["taskDefinitionArn"] == f"arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:1", definition["taskDefinitionArn"])
check(definition["compatibilities"] == ["EXTERNAL", "EC2"], f"{definition['compatibilities']}")
names = [a["name"] for a in definition["requiresAttributes"]]
check("com.amazonaws.ecs.capability.task-iam-role" in names and "ecs.capability.container-health-check" in names, f"{names}")
check(definition["registeredBy"] == "arn:aws:iam::123456789012:root", definition["registeredBy"])

# The defaults ECS fills in: a minimal container, awsvpc host ports, health check timings.
minimal = ecs.register_task_definition(
    family=unique("minimal"), networkMode="awsvpc",
    containerDefinitions=[{"name": "a", "image": "busybox", "memory": 32, "portMappings": [{"containerPort": 80}],
                           "healthCheck": {"command": ["CMD", "true"]}}],
)["taskDefinition"]
container = minimal["containerDefinitions"][0]
check(container["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}], f"{container['portMappings']}")
check(container["essential"] is True and container["cpu"] == 0, f"{container}")
check(container["healthCheck"] == {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3}, f"{container['healthCheck']}")
check("requiresCompatibilities" not in minimal and minimal["volumes"] == [], f"{minimal}")


def expect(code, message, call, **kwargs):
    try:
        call(**kwargs)
    except ecs.exceptions.ClientError as error:
        got = (error.response["Error"]["Code"], error.response["Error"]["Message"])
        check(got == (code, message), f"{call.__name__}: expected {(code, message)}, got {got}")
        return
    fail(f"{call.__name__} succeeded, expected {code}")


expect("ClientException", "Unable to describe task definition.", ecs.describe_task_definition, taskDefinition=unique("none"))
expect("ClientException", "Container 'a' depends on container 'ghost', which is not in the task definition.",
       ecs.register_task_definition, family=unique("bad"),
       containerDefinitions=[{"name": "a", "image": "x", "memory": 8, "dependsOn": [{"containerName": "ghost", "condition": "START"}]}])
expect("ClientException", "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified.",
       ecs.register_task_definition, family=unique("bad"), containerDefinitions=[{"name": "a", "image": "x"}])
expect("ClientException", "Task definition does not have any essential container.", ecs.register_task_definition,
       family=unique("bad"), containerDefinitions=[{"name": "a", "image": "x", "memory": 8, "essential": False}])

# Revisions and families page one at a time, each once, in order.
paged = unique("paged")
arns = [ecs.register_task_definition(family=paged, containerDefinitions=[{"name": "a", "image": "x", "memory": 8}])
        ["taskDefinition"]["taskDefinitionArn"] for _ in range(3)]
seen, token = [], None
while True:
    page = ecs.list_task_definitions(familyPrefix=paged, maxResults=1, **({"nextToken": token} if token else {}))
    check(len(page["taskDefinitionArns"]) <= 1, f"{page}")
    seen.extend(page["taskDefinitionArns"])
    token = page.get("nextToken")
    if not token:
        break
check(seen == arns, f"ascending, each once: {seen}")
descending = []
for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=paged, sort="DESC", PaginationConfig={"PageSize": 1}):
    descending.extend(page["taskDefinitionArns"])
check(descending == arns[::-1], f"descending: {descending}")
families = []
prefix = unique("fam")
for suffix in ("a", "b", "c"):
    ecs.register_task_definition(family=f"{prefix}-{suffix}", containerDefinitions=[{"name": "a", "image": "x", "memory": 8}])
for page in ecs.get_paginator("list_task_definition_families").paginate(familyPrefix=prefix, PaginationConfig={"PageSize": 1}):
    families.extend(page["families"])
check(families == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"], f"{families}")

# Deregister, then delete: the lifecycle of a revision.
ecs.deregister_task_definition(taskDefinition=arns[0])
check(ecs.list_task_definitions(familyPrefix=paged, status="INACTIVE")["taskDefinitionArns"] == [arns[0]], "inactive")
deleted = ecs.delete_task_definitions(taskDefinitions=[arns[0], arns[1]])
check([d["status"] for d in deleted["taskDefinitions"]] == ["DELETE_IN_PROGRESS"], f"{deleted}")
check(deleted["failures"][0]["arn"] == arns[1] and "still in ACTIVE status" in deleted["failures"][0]["reason"], f"{deleted['failures']}")
check(ecs.list_task_definitions(familyPrefix=paged, status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == [arns[0]], "deleting")
done("ecs definitions")
