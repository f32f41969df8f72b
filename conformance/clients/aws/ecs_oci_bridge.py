"""ECS `bridge` network mode with the busybox image (scripts/images) in ECR, on runc
(`--workloads oci`), through boto3: a task of two containers that both listen on port 8080 (each
in a namespace of its own on the bridge, which host networking could not run), one with a
dynamic host port (hostPort 0) and one with a fixed host port; DescribeTasks reports each
container's `networkBindings`; each answers over HTTP at 127.0.0.1:hostPort with a page only
its container holds; after StopTask the host ports are closed."""
import os
import socket
import time
import urllib.request

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

ecr = client("ecr")
ecs = client("ecs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
name = unique("bridge") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")
image = f"{uri}:{tag}"

cluster = unique("bridge")
ecs.create_cluster(clusterName=cluster)
ecs.register_container_instance(
    cluster=cluster, instanceIdentityDocument='{"instanceId": "i-0b1d9e0000000bead", "region": "us-east-1"}',
    versionInfo={"agentVersion": "1.89.0", "agentHash": "0fe1b1ab", "dockerVersion": "DockerVersion: 25.0.8"})


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


fixed = free_port()


def web(container, page):
    serve = f"mkdir -p /www && echo {page} > /www/index.html && exec httpd -f -p 8080 -h /www"
    return {"name": container, "image": image, "memory": 32, "essential": True, "stopTimeout": 2,
            "entryPoint": ["sh", "-c"], "command": [serve]}


family = unique("bridge")
ecs.register_task_definition(family=family, networkMode="bridge", requiresCompatibilities=["EC2"], containerDefinitions=[
    dict(web("dynamic", "page-of-dynamic"), portMappings=[{"containerPort": 8080, "hostPort": 0}]),
    dict(web("fixed", "page-of-fixed"), portMappings=[{"containerPort": 8080, "hostPort": fixed, "protocol": "tcp"}]),
])
arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="EC2")["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
containers = {c["name"]: c for c in task["containers"]}
dynamic = containers["dynamic"]["networkBindings"]
check(len(dynamic) == 1 and dynamic[0]["hostPort"] not in (0, 8080, fixed)
      and dict(dynamic[0], hostPort=0) == {"bindIP": "0.0.0.0", "containerPort": 8080, "hostPort": 0, "protocol": "tcp"},
      f"the dynamic binding: {dynamic}")
check(containers["fixed"]["networkBindings"] == [{"bindIP": "0.0.0.0", "containerPort": 8080, "hostPort": fixed, "protocol": "tcp"}],
      f"the fixed binding: {containers['fixed']['networkBindings']}")


def fetch(port):
    """The page at 127.0.0.1:port, retried until the container's httpd listens."""
    deadline = time.time() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as answer:
                return answer.read().decode().strip()
        except Exception as error:  # a refused or reset connection until httpd listens
            check(time.time() < deadline, f"nothing answered at 127.0.0.1:{port}: {error}")
            time.sleep(0.1)


check(fetch(dynamic[0]["hostPort"]) == "page-of-dynamic", "the dynamic port reaches its container")
check(fetch(fixed) == "page-of-fixed", "the fixed port reaches its container")

ecs.stop_task(cluster=cluster, task=arn, reason="done")
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
for port in (dynamic[0]["hostPort"], fixed):
    with socket.socket() as probe:
        probe.settimeout(2)
        check(probe.connect_ex(("127.0.0.1", port)) != 0, f"host port {port} still open after the task stopped")
done("ecs_oci_bridge")
