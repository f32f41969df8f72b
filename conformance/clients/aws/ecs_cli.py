"""ECS through the aws CLI: clusters, task definitions, tasks that really run (exit codes,
awslogs streams, SIGTERM on stop, failures to start), services that keep their count, container
instances with StartTask, and tags. Every check is one a fake could not pass."""
import json

from common import aws, check, done, unique

cluster = unique("cli-cluster")
created = aws("ecs", "create-cluster", "--cluster-name", cluster)["cluster"]
check(created["status"] == "ACTIVE" and created["clusterArn"].endswith(f":cluster/{cluster}"), f"{created}")
check(aws("ecs", "create-cluster", "--cluster-name", cluster)["cluster"]["clusterArn"] == created["clusterArn"], "CreateCluster is idempotent")

# Pagination over clusters: page size 1 makes the CLI follow nextToken; each cluster once.
others = [unique("cli-page") for _ in range(3)]
for name in others:
    aws("ecs", "create-cluster", "--cluster-name", name)
listed = aws("ecs", "list-clusters", "--page-size", "1")["clusterArns"]
names = [arn.rsplit("/", 1)[1] for arn in listed]
check(len(names) == len(set(names)), f"a cluster repeated across pages: {names}")
check(set(others + [cluster]) <= set(names), f"pages missed clusters: {names}")

group = unique("/ecs/cli")
aws("logs", "create-log-group", "--log-group-name", group)


def register(family, command, **extra):
    container = {"name": "app", "image": "busybox", "memory": 64, "command": ["sh", "-c", command],
                 "logConfiguration": {"logDriver": "awslogs", "options": {
                     "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "cli"}}}
    container.update(extra)
    return aws("ecs", "register-task-definition", "--family", family,
               "--container-definitions", json.dumps([container]))["taskDefinition"]


def run(family):
    result = aws("ecs", "run-task", "--cluster", cluster, "--task-definition", family)
    check(result["failures"] == [], f"run-task failures: {result}")
    task = result["tasks"][0]
    check(task["lastStatus"] == "PROVISIONING" and task["desiredStatus"] == "RUNNING", f"{task}")
    return task["taskArn"]


def describe(task_arn):
    return aws("ecs", "describe-tasks", "--cluster", cluster, "--tasks", task_arn)["tasks"][0]


def log_messages(task_arn, container="app"):
    stream = f"cli/{container}/{task_arn.rsplit('/', 1)[1]}"
    events = aws("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--start-from-head")["events"]
    return [e["message"] for e in events], events


# Task definitions: revisions, describe, list, deregister, delete.
family = unique("cli-exit")
first = register(family, "echo out; echo err >&2; exit 3")
second = register(family, "echo out; echo err >&2; exit 3")
check((first["revision"], second["revision"]) == (1, 2), "revisions count up")
check(second["containerDefinitions"][0]["essential"] is True, "essential defaults to true")
described = aws("ecs", "describe-task-definition", "--task-definition", family)["taskDefinition"]
check(described["revision"] == 2, "the family alone names its latest revision")
aws("ecs", "deregister-task-definition", "--task-definition", f"{family}:1")
inactive = aws("ecs", "list-task-definitions", "--family-prefix", family, "--status", "INACTIVE")["taskDefinitionArns"]
check(inactive == [first["taskDefinitionArn"]], f"{inactive}")
deleted = aws("ecs", "delete-task-definitions", "--task-definitions", f"{family}:1")
check(deleted["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS", f"{deleted}")
families = aws("ecs", "list-task-definition-families", "--family-prefix", family)["families"]
check(families == [family], f"{families}")
aws("ecs", "register-task-definition", "--family", unique("bad"), "--container-definitions",
    json.dumps([{"name": "a", "image": "x", "memory": 64, "essential": False}]), expect_error="ClientException")

# A task that exits 3: real exit code, stop code, timestamps in order, both streams' lines.
task_arn = run(family)
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", task_arn)
task = describe(task_arn)
container = task["containers"][0]
check(task["lastStatus"] == "STOPPED" and task["stopCode"] == "EssentialContainerExited", f"{task}")
check(container["exitCode"] == 3 and container["lastStatus"] == "STOPPED", f"{container}")
check(task["createdAt"] <= task["pullStartedAt"] <= task["startedAt"] <= task["stoppingAt"] <= task["stoppedAt"], f"timestamps out of order: {task}")
messages, _ = log_messages(task_arn)
check(sorted(messages) == ["err", "out"], f"awslogs stream holds what the process printed: {messages}")

# A long-running task stopped by the user gets SIGTERM and its trap runs.
trap_family = unique("cli-trap")
register(trap_family, "trap 'echo got-term; exit 0' TERM; echo started; while true; do sleep 0.1; done")
trap_task = run(trap_family)
aws("ecs", "wait", "tasks-running", "--cluster", cluster, "--tasks", trap_task)
running = aws("ecs", "list-tasks", "--cluster", cluster, "--family", trap_family)["taskArns"]
check(running == [trap_task], f"list-tasks by family: {running}")
stopped = aws("ecs", "stop-task", "--cluster", cluster, "--task", trap_task, "--reason", "cli says stop")["task"]
check(stopped["desiredStatus"] == "STOPPED", f"{stopped}")
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", trap_task)
task = describe(trap_task)
check((task["stopCode"], task["stoppedReason"]) == ("UserInitiated", "cli says stop"), f"{task}")
check(task["containers"][0]["exitCode"] == 0, "the trap exited 0 after SIGTERM")
messages, _ = log_messages(trap_task)
check(messages == ["started", "got-term"], f"{messages}")

# A command that cannot be executed fails to start, as ECS reports it.
missing_family = unique("cli-missing")
aws("ecs", "register-task-definition", "--family", missing_family, "--container-definitions",
    json.dumps([{"name": "app", "image": "busybox", "memory": 64, "command": ["no-such-command-anywhere"]}]))
failed = run(missing_family)
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", failed)
task = describe(failed)
check(task["stopCode"] == "TaskFailedToStart" and "CannotStartContainerError" in task["stoppedReason"], f"{task}")
check("exitCode" not in task["containers"][0], "a container that never started has no exit code")

# awslogs to a missing group fails the task, unless awslogs-create-group is set.
nolog_family = unique("cli-nolog")
aws("ecs", "register-task-definition", "--family", nolog_family, "--container-definitions", json.dumps([{
    "name": "app", "image": "busybox", "memory": 64, "command": ["true"],
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": unique("/missing"), "awslogs-region": "us-east-1", "awslogs-stream-prefix": "x"}}}]))
failed = run(nolog_family)
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", failed)
task = describe(failed)
check(task["stopCode"] == "TaskFailedToStart" and "The specified log group does not exist" in task["stoppedReason"], f"{task}")
created_group = unique("/ecs/created")
aws("ecs", "register-task-definition", "--family", nolog_family, "--container-definitions", json.dumps([{
    "name": "app", "image": "busybox", "memory": 64, "command": ["echo", "made it"],
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": created_group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "x", "awslogs-create-group": "true"}}}]))
made = run(nolog_family)
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", made)
check(describe(made)["containers"][0]["exitCode"] == 0, "task with created group succeeded")
events = aws("logs", "get-log-events", "--log-group-name", created_group, "--log-stream-name", f"x/app/{made.rsplit('/', 1)[1]}", "--start-from-head")["events"]
check([e["message"] for e in events] == ["made it"], f"{events}")

# Services keep their desired count.
service_family = unique("cli-svc")
register(service_family, "trap 'exit 0' TERM; while true; do sleep 0.1; done")
service = unique("svc")
created = aws("ecs", "create-service", "--cluster", cluster, "--service-name", service, "--task-definition", service_family, "--desired-count", "2")["service"]
check(created["status"] == "ACTIVE" and created["desiredCount"] == 2, f"{created}")
aws("ecs", "wait", "services-stable", "--cluster", cluster, "--services", service)
tasks = aws("ecs", "list-tasks", "--cluster", cluster, "--service-name", service)["taskArns"]
check(len(tasks) == 2, f"two tasks for the service: {tasks}")
# A stopped task is replaced.
aws("ecs", "stop-task", "--cluster", cluster, "--task", tasks[0])
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", tasks[0])
aws("ecs", "wait", "services-stable", "--cluster", cluster, "--services", service)
replaced = aws("ecs", "list-tasks", "--cluster", cluster, "--service-name", service)["taskArns"]
check(len(replaced) == 2 and tasks[0] not in replaced, f"the service replaced its stopped task: {replaced}")
aws("ecs", "delete-service", "--cluster", cluster, "--service", service, expect_error="InvalidParameterException")
aws("ecs", "delete-cluster", "--cluster", cluster, expect_error="ClusterContainsServicesException")
aws("ecs", "update-service", "--cluster", cluster, "--service", service, "--desired-count", "0")
aws("ecs", "delete-service", "--cluster", cluster, "--service", service)
aws("ecs", "wait", "services-inactive", "--cluster", cluster, "--services", service)
described = aws("ecs", "describe-services", "--cluster", cluster, "--services", service)["services"][0]
check(described["status"] == "INACTIVE", f"{described['status']}")
check(any("has started 2 tasks" in e["message"] for e in described["events"]), f"events: {described['events']}")
check(aws("ecs", "list-tasks", "--cluster", cluster, "--service-name", service)["taskArns"] == [], "draining stopped the tasks")

# Container instances and StartTask.
instance = aws("ecs", "register-container-instance", "--cluster", cluster)["containerInstance"]
check(instance["status"] == "ACTIVE", f"{instance}")
check(aws("ecs", "list-container-instances", "--cluster", cluster)["containerInstanceArns"] == [instance["containerInstanceArn"]], "listed")
started = aws("ecs", "start-task", "--cluster", cluster, "--task-definition", family, "--container-instances", instance["containerInstanceArn"])
check(started["tasks"][0]["containerInstanceArn"] == instance["containerInstanceArn"], f"{started}")
aws("ecs", "wait", "tasks-stopped", "--cluster", cluster, "--tasks", started["tasks"][0]["taskArn"])
aws("ecs", "deregister-container-instance", "--cluster", cluster, "--container-instance", instance["containerInstanceArn"])

# Tags.
aws("ecs", "tag-resource", "--resource-arn", created["clusterArn"], "--tags", "key=team,value=core", "key=env,value=test")
aws("ecs", "untag-resource", "--resource-arn", created["clusterArn"], "--tag-keys", "env")
tags = aws("ecs", "list-tags-for-resource", "--resource-arn", created["clusterArn"])["tags"]
check(tags == [{"key": "team", "value": "core"}], f"{tags}")

# Errors: missing cluster, counts, deleting.
aws("ecs", "run-task", "--cluster", unique("nope"), "--task-definition", family, expect_error="ClusterNotFoundException")
aws("ecs", "run-task", "--cluster", cluster, "--task-definition", unique("nope"), expect_error="ClientException")
deleted = aws("ecs", "delete-cluster", "--cluster", cluster)["cluster"]
check(deleted["status"] == "INACTIVE", f"{deleted}")
done("ecs cli")
