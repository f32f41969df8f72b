"""Resource limits of ECS task containers in their image (`--workloads oci`): the busybox image
(scripts/images) pushed to ECR with skopeo. A container with `memory: 64` whose shell holds
200 MB is killed by the kernel's OOM killer: it stops with exit code 137 and ECS's reason
`OutOfMemoryError: Container killed due to memory usage`, and the task with
EssentialContainerExited. The same command within a task-level memory of 512 MiB (no container
limit) completes; `ulimits` reach the container as rlimits; a container stopped by StopTask
(also 137) carries no OOM reason."""
import json
import os
import time

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
name = unique("limits") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")
image = f"{uri}:{tag}"

group = unique("/ecs/limits")
logs.create_log_group(logGroupName=group)
cluster = unique("limits")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("limits-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
# The shell keeps 200 MB in a variable, then says it survived.
HOG = "a=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived ${#a}"


def start(command, **container):
    family = unique("limits")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role, containerDefinitions=[dict({"name": "app", "image": image, "entryPoint": ["sh", "-c"], "command": [command],
                                    "logConfiguration": {"logDriver": "awslogs", "options": {
                                        "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                                        "awslogs-stream-prefix": "limits"}}}, **container)])
    return ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]


def stopped(arn):
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]


def printed(arn):
    stream = f"limits/app/{arn.rsplit('/', 1)[1]}"
    try:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []  # the stream is made when the container starts
    return [e["message"] for e in events]


# Past the container's hard limit: the OOM killer.
arn = start(HOG, memory=64)
task = stopped(arn)
container = task["containers"][0]
check(container.get("exitCode") == 137, f"the OOM-killed container's exit code: {container}")
check(container.get("reason") == "OutOfMemoryError: Container killed due to memory usage",
      f"the OOM-killed container's reason: {container}")
check(task.get("stopCode") == "EssentialContainerExited" and task.get("stoppedReason") == "Essential container in task exited",
      f"the task's stop: {task.get('stopCode')} {task.get('stoppedReason')}")
check(printed(arn) == [], f"nothing printed after the kill: {printed(arn)}")

# Within the task's 512 MiB, the same command completes; ulimits are the container's rlimits.
arn = start(HOG + "; ulimit -n; ulimit -Hn", ulimits=[{"name": "nofile", "softLimit": 2048, "hardLimit": 4096}])
task = stopped(arn)
container = task["containers"][0]
check(container.get("exitCode") == 0 and "reason" not in container, f"within the limit: {container}")
check(printed(arn) == ["survived 200000000", "2048", "4096"], f"the output within the limit: {printed(arn)}")

# A container killed on request (137 too) is not out of memory.
arn = start("echo ready; sleep 60", memory=64, stopTimeout=2)
deadline = time.time() + 30
while printed(arn) != ["ready"]:
    check(time.time() < deadline, f"never ready: {printed(arn)}")
    time.sleep(0.1)
ecs.stop_task(cluster=cluster, task=arn, reason="enough")
task = stopped(arn)
container = task["containers"][0]
check(container.get("exitCode") == 137 and "reason" not in container, f"stopped, not out of memory: {container}")
check(task.get("stoppedReason") == "enough", task)
done("ecs_oci_limits")
