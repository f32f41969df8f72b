"""Host ports in ECS placement (`bridge` and `host` network modes on an EC2 container
instance), through boto3, with the busybox image (scripts/images) in ECR on runc: a task with a
fixed host port runs; a second RunTask of it finds the port taken and answers no task and a
`RESOURCE:PORTS` failure naming the instance, as ECS's scheduler does; two tasks with dynamic
host ports both run; a `host` task on the agent's reserved port 22 is refused the same way;
once the first task has stopped, its port is free again."""
import os
import socket

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

ecr = client("ecr")
ecs = client("ecs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
name = unique("ports") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")
image = f"{uri}:{tag}"

cluster = unique("ports")
ecs.create_cluster(clusterName=cluster)
instance = ecs.register_container_instance(
    cluster=cluster, instanceIdentityDocument='{"instanceId": "i-0b1d9e0000000fee1", "region": "us-east-1"}',
    versionInfo={"agentVersion": "1.89.0", "agentHash": "0fe1b1ab", "dockerVersion": "DockerVersion: 25.0.8"},
)["containerInstance"]["containerInstanceArn"]

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    fixed = probe.getsockname()[1]


def register(network_mode, mapping):
    family = unique("ports")
    serve = "mkdir -p /www && echo up > /www/index.html && exec httpd -f -p 8080 -h /www"
    ecs.register_task_definition(family=family, networkMode=network_mode, requiresCompatibilities=["EC2"],
                                 containerDefinitions=[{"name": "web", "image": image, "memory": 32, "stopTimeout": 2,
                                                        "entryPoint": ["sh", "-c"], "command": [serve],
                                                        "portMappings": [mapping]}])
    return family


def run(family, count=1):
    answer = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="EC2", count=count)
    return answer["tasks"], answer["failures"]


taken = [{"arn": instance, "reason": "RESOURCE:PORTS"}]

# A fixed host port: the first task takes it, the second finds it taken.
fixed_family = register("bridge", {"containerPort": 8080, "hostPort": fixed})
tasks, failures = run(fixed_family)
check(len(tasks) == 1 and failures == [], f"the first task is placed: {tasks} {failures}")
first = tasks[0]["taskArn"]
check(tasks[0]["containerInstanceArn"] == instance, tasks[0])
ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=[first], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
tasks, failures = run(fixed_family)
check(tasks == [] and failures == taken, f"the port is taken: {tasks} {failures}")

# Of two tasks asking for one fixed port, one is placed.
other_port = fixed + 1
tasks, failures = run(register("bridge", {"containerPort": 8080, "hostPort": other_port}), count=2)
check(len(tasks) == 1 and failures == taken, f"one of two placed: {len(tasks)} {failures}")
second = tasks[0]["taskArn"]

# Dynamic host ports never collide.
tasks, failures = run(register("bridge", {"containerPort": 8080, "hostPort": 0}), count=2)
check(len(tasks) == 2 and failures == [], f"dynamic ports: {len(tasks)} {failures}")
dynamic = [t["taskArn"] for t in tasks]

# The agent's reserved ports are taken too (host mode: the host port is the container port).
tasks, failures = run(register("host", {"containerPort": 22}))
check(tasks == [] and failures == taken, f"port 22 is reserved: {tasks} {failures}")

# Once the first task has stopped, its port is free again.
ecs.stop_task(cluster=cluster, task=first, reason="done")
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[first], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
tasks, failures = run(fixed_family)
check(len(tasks) == 1 and failures == [], f"the port is free again: {tasks} {failures}")
for arn in [tasks[0]["taskArn"], second] + dynamic:
    ecs.stop_task(cluster=cluster, task=arn, reason="done")
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[tasks[0]["taskArn"], second] + dynamic,
                                     WaiterConfig={"Delay": 1, "MaxAttempts": 60})
done("ecs_oci_ports")
