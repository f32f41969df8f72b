"""An awsvpc task's own network namespace (`--workloads oci`): the busybox image (scripts/images)
pushed to ECR with skopeo runs a two-container task. `web` serves a file with busybox httpd on
port 8080; `probe` fetches it over localhost (the containers share one namespace, as on
Fargate), shows that the ENI's private address from DescribeTasks is on its eth0, and calls the
simulator back through its task metadata endpoint. The test itself fetches the page at the ENI's
address from the host; once the task has stopped, that address answers no more."""
import json
import os
import socket
import time
import urllib.request

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
name = unique("net") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")
image = f"{uri}:{tag}"

group = unique("/ecs/net")
logs.create_log_group(logGroupName=group)
cluster = unique("net")
ecs.create_cluster(clusterName=cluster)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("net-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
marker = unique("served-in-the-task")


def container(container_name, command):
    return {"name": container_name, "image": image, "entryPoint": ["sh", "-c"], "command": [command],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": group, "awslogs-region": ecs.meta.region_name, "awslogs-stream-prefix": "net"}}}


family = unique("net")
ecs.register_task_definition(
    family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    executionRoleArn=execution_role, containerDefinitions=[
        container("web", f"mkdir -p /www && echo {marker} > /www/index.html && exec httpd -f -p 8080 -h /www"),
        container("probe", "until wget -qO- http://localhost:8080/ 2>/dev/null; do sleep 0.1; done; "
                           "ip -4 -o addr show dev eth0 | awk '{print $4}'; "
                           "wget -qO- \"$ECS_CONTAINER_METADATA_URI_V4/task\" >/dev/null && echo metadata-ok; "
                           "exec sleep 120"),
    ])
arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                   networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
task_id = arn.rsplit("/", 1)[1]
ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
address = details["privateIPv4Address"]
check(task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"] == address, task)
prefix = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["CidrBlock"].split("/")[1]


def printed(container_name):
    stream = f"net/{container_name}/{task_id}"
    try:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [e["message"] for e in events]


expected = [marker, f"{address}/{prefix}", "metadata-ok"]
deadline = time.time() + 30
while printed("probe") != expected:
    check(time.time() < deadline, f"the probe over localhost: {printed('probe')} != {expected}")
    time.sleep(0.2)

# The host reaches the task at its ENI's address.
body = urllib.request.urlopen(f"http://{address}:8080/", timeout=5).read().decode().strip()
check(body == marker, f"the page at {address}:8080: {body!r}")

ecs.stop_task(cluster=cluster, task=arn, reason="done")
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
# Once stopped, its namespace and veth are gone: nothing answers at the address.
deadline = time.time() + 10
while True:
    try:
        socket.create_connection((address, 8080), timeout=1).close()
    except OSError:
        break
    check(time.time() < deadline, f"{address}:8080 still answers after the task stopped")
    time.sleep(0.2)
done("ecs_oci_network")
