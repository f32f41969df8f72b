"""ECS through boto3: waiters and paginators, Fargate with awsvpc, overrides, a task calling the
simulator back through its metadata endpoint and its role, a 1 MiB line through awslogs,
service deployments and scaling, and server-side type checks."""
import json
import os
import time

import botocore.config

from common import check, client, done, error_code, expect_code, unique

ecs = client("ecs")
logs = client("logs")
iam = client("iam")

cluster = unique("sdk-cluster")
ecs.create_cluster(clusterName=cluster, tags=[{"key": "owner", "value": "sdk"}])
described = ecs.describe_clusters(clusters=[cluster, unique("missing")], include=["TAGS", "SETTINGS"])
check(described["clusters"][0]["tags"] == [{"key": "owner", "value": "sdk"}], f"{described}")
check(described["clusters"][0]["settings"] == [{"name": "containerInsights", "value": "disabled"}], f"{described}")
check(described["failures"][0]["reason"] == "MISSING", f"{described}")

# State is partitioned by region: a cluster made in us-west-2 is not in us-east-1.
west = client("ecs", region_name="us-west-2")
west_cluster = unique("west")
west_arn = west.create_cluster(clusterName=west_cluster)["cluster"]["clusterArn"]
check(west_arn.startswith("arn:aws:ecs:us-west-2:123456789012:cluster/"), f"{west_arn}")
check(west_arn in west.list_clusters()["clusterArns"], "listed in its region")
check(west_arn not in ecs.list_clusters()["clusterArns"], "not listed in another region")
check(ecs.describe_clusters(clusters=[west_cluster])["failures"][0]["reason"] == "MISSING", "missing in another region")

group = unique("/ecs/sdk")
logs.create_log_group(logGroupName=group)
role = iam.create_role(RoleName=unique("task-role"), AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
execution_role = iam.create_role(RoleName=unique("exec-role"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
awslogs = {"logDriver": "awslogs", "options": {"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "sdk"}}

# Fargate: sizes, network mode and execution role are checked as ECS checks them.
expect_code("ClientException", ecs.register_task_definition, family="bad", requiresCompatibilities=["FARGATE"], networkMode="bridge",
            cpu="256", memory="512", containerDefinitions=[{"name": "a", "image": "x"}])
expect_code("ClientException", ecs.register_task_definition, family="bad", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="4096", containerDefinitions=[{"name": "a", "image": "x"}])
expect_code("ClientException", ecs.register_task_definition, family="bad", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", containerDefinitions=[{"name": "a", "image": "x", "logConfiguration": awslogs}])

# A Fargate task that reads its own metadata and calls STS as its role.
script = (
    'echo "meta=$(python3 -c \'import json,os,urllib.request;'
    'd=json.load(urllib.request.urlopen(os.environ["ECS_CONTAINER_METADATA_URI_V4"]+"/task"));'
    'print(d["TaskARN"], d["KnownStatus"], d["Containers"][0]["Name"])\')"; '
    'echo "who=$(python3 -c \'import boto3;print(boto3.client("sts").get_caller_identity()["Arn"])\')"; '
    'echo "greeting=$GREETING"; '
    'python3 -c "print(\'x\' * 1048576)"'
)
family = unique("sdk-fargate")
definition = ecs.register_task_definition(
    family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="1 vCPU", memory="2 GB",
    taskRoleArn=role["Arn"], executionRoleArn=execution_role["Arn"],
    containerDefinitions=[{"name": "app", "image": "python", "command": ["sh", "-c", "exit 9"], "logConfiguration": awslogs}],
)["taskDefinition"]
check((definition["cpu"], definition["memory"]) == ("1024", "2048"), f"sizes normalized: {definition['cpu']} {definition['memory']}")
check(definition["compatibilities"] == ["EC2", "FARGATE"], f"{definition['compatibilities']}")

expect_code("InvalidParameterException", ecs.run_task, cluster=cluster, taskDefinition=family, launchType="FARGATE")
# A subnet of the account's default VPC: ECS checks that a task's subnets exist.
default_subnet = client("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
network = {"awsvpcConfiguration": {"subnets": [default_subnet], "assignPublicIp": "DISABLED"}}
run = ecs.run_task(
    cluster=cluster, taskDefinition=family, launchType="FARGATE", networkConfiguration=network,
    overrides={"containerOverrides": [{"name": "app", "command": ["sh", "-c", script], "environment": [
        {"name": "GREETING", "value": "hello from overrides"},
        # The Python an image would bring: tasks do not run as root, so not root's pyenv.
        {"name": "PATH", "value": os.environ["SOCKERLESS_WORKLOAD_PATH"]},
    ]}]},
)
task_arn = run["tasks"][0]["taskArn"]
task_id = task_arn.rsplit("/", 1)[1]
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[task_arn], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
task = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0]
check(task["containers"][0]["exitCode"] == 0, f"the override's command ran: {task}")
check(task["launchType"] == "FARGATE" and task["platformVersion"] == "1.4.0", f"{task}")
attachment = task["attachments"][0]
check(attachment["type"] == "ElasticNetworkInterface" and attachment["status"] == "DELETED", f"{attachment}")
check({"name": "subnetId", "value": default_subnet} in attachment["details"], f"{attachment}")
events = []
for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, logStreamNames=[f"sdk/app/{task_id}"]):
    events.extend(page["events"])
messages = [e["message"] for e in events]
check(f"meta={task_arn} RUNNING app" in messages, f"metadata endpoint seen from inside the task: {messages[:4]}")
check(f"who=arn:aws:sts::123456789012:assumed-role/{role['RoleName']}/{task_id}" in messages, f"task role: {messages[:4]}")
check("greeting=hello from overrides" in messages, f"{messages[:4]}")
big = [m for m in messages if set(m) == {"x"}]
check(sum(len(m) for m in big) == 1048576 and len(big) == 5, f"a 1 MiB line arrives whole, in CloudWatch-sized events: {[len(m) for m in big]}")

# Waiters and DescribeTasks failures.
loop_family = unique("sdk-loop")
ecs.register_task_definition(family=loop_family, containerDefinitions=[{
    "name": "app", "image": "busybox", "memory": 32, "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"], "stopTimeout": 5}])
arns = [t["taskArn"] for t in ecs.run_task(cluster=cluster, taskDefinition=loop_family, count=3)["tasks"]]
ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
described = ecs.describe_tasks(cluster=cluster, tasks=arns + ["0" * 32])
check(len(described["tasks"]) == 3 and described["failures"][0]["reason"] == "MISSING", f"{described['failures']}")
seen = []
for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, family=loop_family, PaginationConfig={"PageSize": 1}):
    seen.extend(page["taskArns"])
check(sorted(seen) == sorted(arns), f"paging list-tasks returns each task once: {seen}")
for arn in arns:
    ecs.stop_task(cluster=cluster, task=arn)
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
stopped = ecs.list_tasks(cluster=cluster, family=loop_family, desiredStatus="STOPPED")["taskArns"]
check(sorted(stopped) == sorted(arns), "stopped tasks are listed under STOPPED")

# A service: scale up, deploy a new revision, scale down.
service = unique("sdk-svc")
ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=loop_family, desiredCount=1)
ecs.get_waiter("services_stable").wait(cluster=cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
ecs.update_service(cluster=cluster, service=service, desiredCount=3)
ecs.get_waiter("services_stable").wait(cluster=cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
check(ecs.describe_services(cluster=cluster, services=[service])["services"][0]["runningCount"] == 3, "scaled to 3")
second = ecs.register_task_definition(family=loop_family, containerDefinitions=[{
    "name": "app", "image": "busybox", "memory": 32, "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]}])["taskDefinition"]
updated = ecs.update_service(cluster=cluster, service=service, taskDefinition=second["taskDefinitionArn"], desiredCount=2)["service"]
check(len(updated["deployments"]) == 2 and updated["deployments"][0]["status"] == "PRIMARY", f"{updated['deployments']}")
ecs.get_waiter("services_stable").wait(cluster=cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
# The deployment completes once its tasks have kept running for a while.
deadline = time.time() + 30
while True:
    final = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    if final["deployments"][0]["rolloutState"] == "COMPLETED" or time.time() > deadline:
        break
    time.sleep(0.5)
check(len(final["deployments"]) == 1 and final["deployments"][0]["rolloutState"] == "COMPLETED", f"{final['deployments']}")
messages = [e["message"] for e in final["events"]]
check(f"(service {service}) has reached a steady state." in messages, f"{messages}")
live = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"])["tasks"]
check(len(live) == 2 and all(t["taskDefinitionArn"] == second["taskDefinitionArn"] for t in live), "old revision replaced")
check(all(t["group"] == f"service:{service}" for t in live), "service tasks are grouped by service")
ecs.delete_service(cluster=cluster, service=service, force=True)
ecs.get_waiter("services_inactive").wait(cluster=cluster, services=[service], WaiterConfig={"Delay": 1, "MaxAttempts": 60})

# Isolation under the process runner. As root (as here in CI) the simulator runs a task as its
# container's user, or nobody, never as root; a task cannot read what only root can, and
# readonlyRootFilesystem gives it a root file system it cannot write.
secret = f"/tmp/{unique('secret')}"
with open(secret, "w") as f:
    f.write("root only")
os.chmod(secret, 0o600)
probe = f'id -u; cat {secret} 2>/dev/null || echo unreadable; touch "$HOME/file" 2>/dev/null && echo writable || echo read-only'
# One task per case: containers of one task would race its essential container's exit.
cases = {
    "default": {},
    "numbered": {"user": "4242"},
    "locked": {"readonlyRootFilesystem": True},
}
isolated = {}
for name, settings in cases.items():
    isolation_family = unique(f"sdk-isolation-{name}")
    ecs.register_task_definition(family=isolation_family, containerDefinitions=[
        {"name": name, "image": "busybox", "memory": 16, "command": ["sh", "-c", probe], "logConfiguration": awslogs, **settings}])
    isolated[name] = ecs.run_task(cluster=cluster, taskDefinition=isolation_family)["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=list(isolated.values()), WaiterConfig={"Delay": 1, "MaxAttempts": 60})
seen_by = {}
for name, arn in isolated.items():
    stream = f"sdk/{name}/{arn.rsplit('/', 1)[1]}"
    seen_by[name] = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]]
os.remove(secret)
if os.geteuid() == 0:
    check(seen_by["default"] == ["65534", "unreadable", "writable"], f"a task runs as nobody by default: {seen_by}")
    check(seen_by["numbered"] == ["4242", "unreadable", "writable"], f"a task runs as its container's user: {seen_by}")
    check(seen_by["locked"] == ["65534", "unreadable", "read-only"], f"readonlyRootFilesystem is honoured: {seen_by}")
else:
    for name in ("numbered", "locked"):
        described = ecs.describe_tasks(cluster=cluster, tasks=[isolated[name]])["tasks"][0]
        check(described["stopCode"] == "TaskFailedToStart", f"not root: {name} is refused, not faked: {described}")

# A service whose tasks crash as soon as they start never reaches a steady state: ECS keeps
# restarting them (backing off) and the deployment stays IN_PROGRESS.
crashing = unique("sdk-crash")
ecs.register_task_definition(family=crashing, containerDefinitions=[{"name": "app", "image": "busybox", "memory": 16, "command": ["sh", "-c", "exit 3"]}])
crash_service = unique("sdk-crash-svc")
ecs.create_service(cluster=cluster, serviceName=crash_service, taskDefinition=crashing, desiredCount=1)
deadline = time.time() + 30
while time.time() < deadline:
    looping = ecs.describe_services(cluster=cluster, services=[crash_service])["services"][0]
    if sum("has started 1 tasks" in e["message"] for e in looping["events"]) >= 3:
        break
    time.sleep(0.5)
messages = [e["message"] for e in looping["events"]]
check(sum("has started 1 tasks" in m for m in messages) >= 3, f"the scheduler restarts crashing tasks: {messages}")
check(not any("steady state" in m for m in messages), f"a crash loop is not a steady state: {messages}")
check(looping["deployments"][0]["rolloutState"] == "IN_PROGRESS", f"{looping['deployments']}")
ecs.delete_service(cluster=cluster, service=crash_service, force=True)

# Server-side checks with boto3's own validation turned off.
unchecked = client("ecs", config=botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"}))
check(error_code(unchecked.list_tasks, cluster=cluster, maxResults="many") == "SerializationException", "wrong type")
check(error_code(unchecked.list_clusters, maxResults=1000) == "InvalidParameterException", "out of range")
check(error_code(unchecked.run_task, cluster=cluster) == "InvalidParameterException", "missing required member")
done("ecs sdk")
