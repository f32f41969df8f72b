"""A task's size bounds its containers together (`--workloads oci`), as the ECS agent's task
cgroup does: the busybox image (scripts/images) pushed to ECR with skopeo. Two containers of
one task each keep 200 MB in a shell variable (about 400 MB resident each, which one alone
fits in the task's 512 MiB, as the limits cell shows). With the task's `memory` at 512 MiB the
second pushes the task past it and the kernel's OOM killer ends one of them: it stops with 137
and `OutOfMemoryError: Container killed due to memory usage`, and the task with
EssentialContainerExited. With the task's `memory` at 2048 MiB both complete. A container's
own limits would have given each container the whole 512 MiB: only a limit shared by the task
ends one of them."""
import json
import os

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
name = unique("task-limits") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")
image = f"{uri}:{tag}"

group = unique("/ecs/task-limits")
logs.create_log_group(logGroupName=group)
cluster = unique("task-limits")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("task-limits-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
HOLD = "a=$(head -c 200000000 /dev/zero | tr '\\0' a)"
# The holder keeps its 200 MB and says so through the task's volume; the hog starts its own
# once the holder's is held; the holder waits (up to 30 s) for the hog to finish.
HOLDER = (f"{HOLD}; echo held; touch /shared/held; "
          "i=0; until [ -f /shared/hog-done ] || [ $i -ge 300 ]; do sleep 0.1; i=$((i+1)); done; echo holder-done")
HOG = f"until [ -f /shared/held ]; do sleep 0.1; done; {HOLD}; echo hog-done; touch /shared/hog-done"


def container(name, command):
    return {"name": name, "image": image, "entryPoint": ["sh", "-c"], "command": [command], "stopTimeout": 2,
            "mountPoints": [{"sourceVolume": "shared", "containerPath": "/shared"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": group, "awslogs-region": ecs.meta.region_name, "awslogs-stream-prefix": "limits"}}}


def run(task_memory, holder_command):
    family = unique("task-limits")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory=task_memory,
        executionRoleArn=execution_role, volumes=[{"name": "shared"}],
        containerDefinitions=[container("holder", holder_command), container("hog", HOG)])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
    return task, {c["name"]: c for c in task["containers"]}


def printed(task, container_name):
    stream = f"limits/{container_name}/{task['taskArn'].rsplit('/', 1)[1]}"
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    return [e["message"] for e in events]


# Within 2048 MiB both hold their memory and finish (the holder once the hog has).
task, containers = run("2048", HOLDER)
check(all(c.get("exitCode") == 0 and "reason" not in c for c in containers.values()),
      f"both fit in the task's 2048 MiB: {containers}")
check(printed(task, "holder") == ["held", "holder-done"] and printed(task, "hog") == ["hog-done"],
      f"their output: {printed(task, 'holder')} {printed(task, 'hog')}")

# Within 512 MiB together they do not: the OOM killer ends one of them (the kernel picks the
# larger at that moment: the holder, or the hog while its string is being copied), and the other
# is stopped with the task.
task, containers = run("512", HOLDER)
oom = "OutOfMemoryError: Container killed due to memory usage"
killed = [name for name, c in containers.items() if c.get("reason") == oom]
check(len(killed) == 1, f"one container is OOM-killed: {containers}")
check(containers[killed[0]].get("exitCode") == 137, f"the OOM-killed container's exit code: {containers}")
other = "hog" if killed[0] == "holder" else "holder"
check(containers[other].get("reason") is None, f"the other was stopped with the task: {containers[other]}")
check("holder-done" not in printed(task, "holder") and "hog-done" not in printed(task, "hog"),
      f"neither finished: {printed(task, 'holder')} {printed(task, 'hog')}")
check(task.get("stopCode") == "EssentialContainerExited" and task.get("stoppedReason") == "Essential container in task exited",
      f"the task's stop: {task.get('stopCode')} {task.get('stoppedReason')}")
done("ecs_oci_task_limits")
