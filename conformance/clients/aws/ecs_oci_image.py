"""ECS task containers in their real image (`--workloads oci`): an image built offline
(scripts/images busybox, plus a layer with a file only this image has, a user `app`, and an
ENTRYPOINT, CMD, WORKDIR, USER and ENV) is pushed to ECR with skopeo; a task running it prints
that file and the image's own /etc/os-release to CloudWatch Logs, runs as the image's user in
the image's working directory with its environment, and stops with the container's exit code.
A second task overrides the command, environment, user and working directory as ECS does, and
does not see the first task's writes. A tag that was never pushed fails the task with ECS's
CannotPullContainerError, and the pull is recorded on the image (lastRecordedPullTime)."""
import gzip
import json
import os
import shutil
import tempfile

from common import check, client, done, unique
from ecr_common import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, layer, password, registry_host, sha, skopeo

ecr = client("ecr")
ecs = client("ecs")
logs = client("logs")
ec2 = client("ec2")

base_layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
base_tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
work = tempfile.mkdtemp()
layout = os.path.join(work, "layout")
shutil.copytree(base_layout, layout)


def blob_path(digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":")[1])


def write_blob(data):
    with open(blob_path(sha(data)), "wb") as f:
        f.write(data)
    return {"digest": sha(data), "size": len(data)}


# The derived image: busybox's layer, then one with a file only it has and a user.
with open(os.path.join(layout, "index.json")) as f:
    base_descriptor = next(m for m in json.load(f)["manifests"]
                           if m["annotations"]["org.opencontainers.image.ref.name"] == base_tag)
with open(blob_path(base_descriptor["digest"])) as f:
    base_manifest = json.load(f)
with open(blob_path(base_manifest["config"]["digest"])) as f:
    base_config = json.load(f)
marker = unique("only-in-this-image")
app_layer = layer({
    "opt/app/marker.txt": (marker + "\n").encode(),
    "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    "etc/group": b"root:x:0:\napp:x:1000:\n",
})
config = dict(base_config)
config["rootfs"] = {"type": "layers", "diff_ids": base_config["rootfs"]["diff_ids"] + [sha(gzip.decompress(app_layer))]}
config["config"] = {
    "Entrypoint": ["sh", "-c"],
    "Cmd": ['cat /opt/app/marker.txt; grep ^ID= /etc/os-release; id -u; pwd; echo "greeting=$GREETING"; '
            'echo to-stderr >&2; echo scribble > /tmp/scribble; exit 3'],
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=from-the-image"],
    "WorkingDir": "/tmp",
    "User": "app",
}
manifest = {
    "schemaVersion": 2, "mediaType": OCI_MANIFEST,
    "config": dict(mediaType=OCI_CONFIG, **write_blob(json.dumps(config).encode())),
    "layers": base_manifest["layers"] + [dict(mediaType=OCI_LAYER, **write_blob(app_layer))],
}
manifest_descriptor = dict(mediaType=OCI_MANIFEST, **write_blob(json.dumps(manifest).encode()))
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [
        base_descriptor,
        dict(manifest_descriptor, annotations={"org.opencontainers.image.ref.name": "app"}),
    ]}, f)

name = unique("oci") + "/app"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
creds = f"AWS:{password()}"
skopeo("copy", "--dest-creds", creds, "--dest-tls-verify=false", f"oci:{layout}:app", f"docker://{registry_host()}/{name}:app")

group = unique("/ecs/oci")
logs.create_log_group(logGroupName=group)
cluster = unique("oci")
ecs.create_cluster(clusterName=cluster)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("oci-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def register(image, **container):
    family = unique("oci")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role,
        containerDefinitions=[dict({"name": "app", "image": image, "logConfiguration": {
            "logDriver": "awslogs", "options": {"awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                                                "awslogs-stream-prefix": "oci"}}}, **container)])
    return family


def run(family, overrides=None):
    network = {"awsvpcConfiguration": {"subnets": [subnet]}}
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE", networkConfiguration=network,
                       overrides=overrides or {})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
    return task, arn.rsplit("/", 1)[1]


def lines(task_id):
    stream = f"oci/app/{task_id}"
    return [event["message"] for event in logs.get_log_events(logGroupName=group, logStreamName=stream,
                                                              startFromHead=True)["events"]]


# The image's own entrypoint, command, user, working directory and environment.
image = f"{uri}:app"
task, task_id = run(register(image))
container = task["containers"][0]
check(container.get("exitCode") == 3, f"the container's exit code: {task}")
check(task.get("stopCode") == "EssentialContainerExited", task)
printed = lines(task_id)
expected = [marker, "ID=sockerless-busybox", "1000", "/tmp", "greeting=from-the-image", "to-stderr"]
check(sorted(printed) == sorted(expected), f"the image's files, user, workdir and env: {printed} != {expected}")

# The definition's overrides, as ECS applies them, in a fresh root: the first task's file is gone.
family = register(image, command=["echo \"user=$(id -u) pwd=$(pwd) greeting=$GREETING\"; ls /tmp"],
                  environment=[{"name": "GREETING", "value": "from-the-definition"}], user="0", workingDirectory="/opt/app")
task, task_id = run(family)
check(task["containers"][0].get("exitCode") == 0, task)
check(lines(task_id) == ["user=0 pwd=/opt/app greeting=from-the-definition"],
      f"overrides, and no scribble from the first task: {lines(task_id)}")

# A task override's command replaces the definition's; an entryPoint drops the image's Cmd.
task, task_id = run(register(image, entryPoint=["cat"], command=["/opt/app/marker.txt"]),
                    {"containerOverrides": [{"name": "app", "command": ["/etc/group"]}]})
check(task["containers"][0].get("exitCode") == 0, task)
check(lines(task_id) == ["root:x:0:", "app:x:1000:"], f"cat of the overriding command: {lines(task_id)}")

# A tag that was never pushed cannot be pulled.
missing = f"{uri}:never-pushed"
task, _ = run(register(missing))
check(task.get("stopCode") == "TaskFailedToStart", task)
reason = task.get("stoppedReason", "")
check(reason == f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {missing}: {missing}: not found",
      f"stoppedReason: {reason}")

detail = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "app"}])["imageDetails"][0]
check("lastRecordedPullTime" in detail, f"the pull is recorded: {detail}")
done("ecs_oci_image")
