"""ECS tasks in an image seeded at start (`--workloads oci --seed-images LAYOUT`): the busybox
layout scripts/images wrote is named `localhost/sockerless/busybox:TAG` with no push (no skopeo,
no ECR repository); a task naming it runs in it (its own /etc/os-release), in the awsvpc
task's own network namespace (its `eth0` holds the ENI's private address), while a tag that was
not seeded fails the task with ECS's CannotPullContainerError, in the words ECS gives for a
registry that cannot be reached."""
import json
import os

from common import check, client, done, unique

ecs = client("ecs")
logs = client("logs")
ec2 = client("ec2")
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]

group = unique("/ecs/seeded")
logs.create_log_group(logGroupName=group)
cluster = unique("seeded")
ecs.create_cluster(clusterName=cluster)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("seeded-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def run(image, command=("grep", "^ID=", "/etc/os-release")):
    family = unique("seeded")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role,
        containerDefinitions=[{"name": "app", "image": image, "command": list(command),
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                                   "awslogs-stream-prefix": "seeded"}}}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0], arn.rsplit("/", 1)[1]


image = f"localhost/sockerless/busybox:{tag}"
task, task_id = run(image)
check(task["containers"][0].get("exitCode") == 0, f"the seeded image's task: {task}")
printed = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=f"seeded/app/{task_id}",
                                                     startFromHead=True)["events"]]
check(printed == ["ID=sockerless-busybox"], f"the seeded image's own file: {printed}")

# The task's network namespace holds its ENI's address, as for an image from ECR.
task, task_id = run(image, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"])
address = next(d["value"] for a in task["attachments"] for d in a["details"] if d["name"] == "privateIPv4Address")
printed = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=f"seeded/app/{task_id}",
                                                     startFromHead=True)["events"]]
check(task["containers"][0].get("exitCode") == 0 and any(f"inet {address}/" in line for line in printed),
      f"the seeded image's task on its ENI's address {address}: {printed} {task}")

missing = "localhost/sockerless/busybox:never-seeded"
task, _ = run(missing)
check(task.get("stopCode") == "TaskFailedToStart", task)
reason = task.get("stoppedReason", "")
check(reason.startswith(f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {missing}: "),
      f"stoppedReason: {reason}")
done("ecs_oci_seeded")
