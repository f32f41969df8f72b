"""Fifty ECS tasks at once in one image (`--workloads oci`): the busybox image
(scripts/images) pushed to ECR with skopeo, fifty RunTask calls in quick succession, each task
told its number through a container override. Every task runs (they overlap: each sleeps a
second), reaches STOPPED with its own exit code (its number mod 7) and its own two lines in
CloudWatch Logs; and the runner's cache (SOCKERLESS_OCI_CACHE, the simulator's state
directory) holds the image's layers unpacked once: one tree, named after that layer chain."""
import hashlib
import json
import os
import time

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

TASKS = 50
ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
cache = os.environ["SOCKERLESS_OCI_CACHE"]
name = unique("fifty") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")


def blob(digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
        return f.read()


with open(os.path.join(layout, "index.json")) as f:
    descriptor = next(m for m in json.load(f)["manifests"]
                      if m["annotations"]["org.opencontainers.image.ref.name"] == tag)
layers = [layer["digest"] for layer in json.loads(blob(descriptor["digest"]))["layers"]]

group = unique("/ecs/fifty")
logs.create_log_group(logGroupName=group)
cluster = unique("fifty")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("fifty-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
family = unique("fifty")
ecs.register_task_definition(
    family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    executionRoleArn=execution_role,
    containerDefinitions=[{"name": "app", "image": f"{uri}:{tag}", "entryPoint": ["sh", "-c"],
                           "command": ['echo "task $N"; sleep 1; echo "stderr $N" >&2; exit $((N % 7))'],
                           "logConfiguration": {"logDriver": "awslogs", "options": {
                               "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                               "awslogs-stream-prefix": "fifty"}}}])

arns = {}
for number in range(TASKS):
    overrides = {"containerOverrides": [{"name": "app", "environment": [{"name": "N", "value": str(number)}]}]}
    task = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE", overrides=overrides,
                        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]
    arns[task["taskArn"]] = number

deadline = time.time() + 300
while True:
    tasks = ecs.describe_tasks(cluster=cluster, tasks=list(arns))["tasks"]
    if all(t["lastStatus"] == "STOPPED" for t in tasks):
        break
    check(time.time() < deadline, f"not all stopped: {sorted(t['lastStatus'] for t in tasks)}")
    time.sleep(1)

check(len(tasks) == TASKS, f"{len(tasks)} tasks described")
for task in tasks:
    number = arns[task["taskArn"]]
    container = task["containers"][0]
    check(container.get("exitCode") == number % 7, f"task {number}'s exit code: {container}")
    check(task.get("stopCode") == "EssentialContainerExited", f"task {number}: {task.get('stopCode')} {task.get('stoppedReason')}")
    stream = f"fifty/app/{task['taskArn'].rsplit('/', 1)[1]}"
    printed = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream,
                                                           startFromHead=True)["events"]]
    # Sorted: the two lines come on two streams, read apart.
    check(sorted(printed) == [f"stderr {number}", f"task {number}"], f"task {number}'s output: {printed}")

trees = sorted(entry for entry in os.listdir(cache) if not entry.startswith("tmp-"))
chain = hashlib.sha256("".join(f"{digest}\n" for digest in layers).encode()).hexdigest()
check(trees == [chain], f"the image unpacked once, as its layer chain {chain}: {trees}")
done("ecs_oci_fifty")
