"""A hostile image layer pushed to ECR with skopeo is contained (`--workloads oci`). The layer,
over busybox's, holds a `../../…/HOST_DIR/victim.txt` entry, an absolute symbolic link to the
host directory and a file written through it; a second image's layer holds a hard link to a host
file the image lacks. The host's files are untouched after both tasks: the first image runs and
its task finds the files inside its own root (as containerd resolves them); the second cannot be
unpacked (a hard link to a file the image lacks), so its task fails to start with ECS's
CannotPullContainerError."""
import gzip
import io
import json
import os
import shutil
import tarfile
import tempfile

from common import check, client, done, unique
from ecr_common import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, password, registry_host, sha, skopeo

ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

host_dir = tempfile.mkdtemp(prefix="sockerless-victim-")
victim = os.path.join(host_dir, "victim.txt")
other = os.path.join(host_dir, "other.txt")
for path in [victim, other]:
    with open(path, "w") as f:
        f.write("original\n")

layout = os.path.join(tempfile.mkdtemp(), "layout")
shutil.copytree(os.environ["SOCKERLESS_BUSYBOX_LAYOUT"], layout)
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]


def blob(digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
        return f.read()


def write_blob(data):
    with open(os.path.join(layout, "blobs", "sha256", sha(data).split(":")[1]), "wb") as f:
        f.write(data)
    return {"digest": sha(data), "size": len(data)}


def hostile(entries):
    """A layer of raw entries: (name, kind, data or link target), names written as they are."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mtime = 0
            if kind == tarfile.REGTYPE:
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            else:
                info.linkname = payload
                tar.addfile(info)
    return gzip.compress(raw.getvalue(), mtime=0)


with open(os.path.join(layout, "index.json")) as f:
    index = json.load(f)
base = json.loads(blob(next(m for m in index["manifests"]
                            if m["annotations"]["org.opencontainers.image.ref.name"] == tag)["digest"]))


def add_image(image_tag, top):
    config = json.loads(blob(base["config"]["digest"]))
    config["rootfs"]["diff_ids"].append(sha(gzip.decompress(top)))
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": dict(mediaType=OCI_CONFIG, **write_blob(json.dumps(config).encode())),
                "layers": base["layers"] + [dict(mediaType=OCI_LAYER, **write_blob(top))]}
    index["manifests"].append(dict(mediaType=OCI_MANIFEST, **write_blob(json.dumps(manifest).encode()),
                                   annotations={"org.opencontainers.image.ref.name": image_tag}))


climb = "../" * 12
add_image("escape", hostile([
    (climb + host_dir.lstrip("/") + "/victim.txt", tarfile.REGTYPE, b"through-dot-dot\n"),
    ("escape", tarfile.SYMTYPE, host_dir),
    ("escape/victim.txt", tarfile.REGTYPE, b"through-the-symlink\n"),
]))
add_image("hardlink", hostile([("linked", tarfile.LNKTYPE, other)]))
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(index, f)

name = unique("hostile") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
for image_tag in ["escape", "hardlink"]:
    skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
           f"oci:{layout}:{image_tag}", f"docker://{registry_host()}/{name}:{image_tag}")

group = unique("/ecs/hostile")
logs.create_log_group(logGroupName=group)
cluster = unique("hostile")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("hostile-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def run(image, command):
    family = unique("hostile")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role,
        containerDefinitions=[{"name": "app", "image": image, "command": ["sh", "-c", command],
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                                   "awslogs-stream-prefix": "hostile"}}}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
    try:
        printed = [e["message"] for e in logs.get_log_events(
            logGroupName=group, logStreamName=f"hostile/app/{arn.rsplit('/', 1)[1]}", startFromHead=True)["events"]]
    except client("logs").exceptions.ResourceNotFoundException:
        printed = []
    return task, printed


def untouched():
    for path in [victim, other]:
        with open(path) as f:
            check(f.read() == "original\n", f"the host file {path} was changed")
        check(os.stat(path).st_nlink == 1, f"the host file {path} was linked")
    check(sorted(os.listdir(host_dir)) == ["other.txt", "victim.txt"], f"the host directory: {os.listdir(host_dir)}")


task, printed = run(f"{uri}:escape", f"cat {host_dir}/victim.txt; readlink /escape")
untouched()
check(task["containers"][0].get("exitCode") == 0, f"the contained image runs: {task}")
check(printed == ["through-the-symlink", host_dir], f"both writes landed inside the task's root: {printed}")

image = f"{uri}:hardlink"
task, _ = run(image, "true")
untouched()
check(task.get("stopCode") == "TaskFailedToStart", task)
reason = task.get("stoppedReason", "")
check(reason.startswith(f"CannotPullContainerError: {image}: layer sha256:"), f"stoppedReason: {reason}")
done("ecs_oci_hostile_layer")
