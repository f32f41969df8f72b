"""`--workloads auto`: a task container runs in its image when the image can be had and the
runtime works, else as a host process, and the simulator's state says which (each task record's
`runners`). Argument `runtime-present`: the ECR image runs in it (it prints a file only the
image has), a Docker Hub image (out of the simulator's reach) runs its command on the host.
Argument `runtime-absent` (the server was given a runtime that does not exist): the ECR image
runs its command on the host too, with the container's exit code. Argument `oci-runtime-absent`
(`--workloads oci` and a runtime that does not exist): the ECR image's task fails to start with
ECS's CannotStartContainerError naming the runtime; nothing runs on the host. Argument
`oci-unprivileged` (`--workloads oci`, the simulator run as `nobody`): the same failure, its
reason saying the runtime needs the simulator to run as root and why rootless mode is not used."""
import json
import os
import sys
import urllib.request

from common import check, client, done, unique
from ecr_common import layer, password, registry_host, skopeo, Layout

mode = sys.argv[1]
ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")

work = os.environ["TMPDIR"]
layout = Layout(os.path.join(work, "auto-layout"))
# An image of one file and no shell: in it, `cat` cannot run; on the host it can.
marker = unique("auto-marker")
manifest, _ = layout.image([layer({"marker.txt": marker.encode()})])
layout.tag(manifest, "v1")
name = unique("auto") + "/app"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout.root}:v1", f"docker://{registry_host()}/{name}:v1")

cluster = unique("auto")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
path_env = {"name": "PATH", "value": os.environ["SOCKERLESS_WORKLOAD_PATH"]}


def run(image, command):
    family = unique("auto")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": image, "command": command, "environment": [path_env]}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]


def runner_of(task):
    url = os.environ["AWS_ENDPOINT_URL"].rstrip("/") + "/_sockerless/state"
    with urllib.request.urlopen(url) as answer:
        state = json.load(answer)
    records = [r for r in state["ecs.tasks.v2"].values() if r["task"]["taskArn"] == task["taskArn"]]
    check(len(records) == 1, f"one record for {task['taskArn']}")
    return records[0].get("runners", {}).get("app")


# The image has no `sh`: in it, the container cannot start its command; on the host it runs.
probe = ["sh", "-c", "exit 4"]
if mode not in ["oci-runtime-absent", "oci-unprivileged"]:
    hub = run("busybox", probe)
    check(hub["containers"][0].get("exitCode") == 4, f"a Docker Hub image runs on the host: {hub}")
    check(runner_of(hub) == "process", f"the record says process: {runner_of(hub)}")

ecr_task = run(f"{uri}:v1", probe)
if mode == "oci-runtime-absent":
    # Under `oci` nothing falls back: the task fails to start with ECS's error, naming why.
    check(ecr_task.get("stopCode") == "TaskFailedToStart", f"no runtime, no task: {ecr_task}")
    reason = ecr_task.get("stoppedReason", "")
    check(reason.startswith("CannotStartContainerError: ") and "/nonexistent/sockerless/runc" in reason,
          f"the reason names the missing runtime: {reason}")
    check(runner_of(ecr_task) == "oci", f"the record says oci: {runner_of(ecr_task)}")
elif mode == "oci-unprivileged":
    check(ecr_task.get("stopCode") == "TaskFailedToStart", f"not root, no task: {ecr_task}")
    reason = ecr_task.get("stoppedReason", "")
    check(reason.startswith("CannotStartContainerError: ") and "needs the simulator to run as root: " in reason
          and "unprivileged user namespaces" in reason, f"the reason says why: {reason}")
    check(runner_of(ecr_task) == "oci", f"the record says oci: {runner_of(ecr_task)}")
elif mode == "runtime-present":
    check(runner_of(ecr_task) == "oci", f"the ECR image ran in its image: {runner_of(ecr_task)}")
    check(ecr_task.get("stopCode") == "TaskFailedToStart", f"sh is not in the image: {ecr_task}")
    check("CannotStartContainerError" in ecr_task.get("stoppedReason", ""), ecr_task.get("stoppedReason"))
else:
    check(runner_of(ecr_task) == "process", f"without a runtime, the host: {runner_of(ecr_task)}")
    check(ecr_task["containers"][0].get("exitCode") == 4, f"the host process's exit code: {ecr_task}")
done("ecs_oci_auto")
