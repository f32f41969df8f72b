"""Fifty ECS tasks at once in two images sharing a base layer (`--workloads oci`): the busybox
image (scripts/images) and a derived one (busybox's layer plus a layer with a file only it has),
both pushed to ECR with skopeo; fifty RunTask calls in quick succession, alternating images,
each task told its number through a container override. Every task runs (they overlap: each
sleeps a second), reaches STOPPED with its own exit code (its number mod 7) and its own two
lines in CloudWatch Logs (a derived image's task prints its image's file); and the runner's
cache (SOCKERLESS_OCI_CACHE, the simulator's state directory) holds each layer unpacked once
(`layers/HEX`: the shared base once, not twice), one root per image (`roots/CHAIN`, named after
its layer chain), and both roots' busybox binary is the base layer's file itself (one inode)."""
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import time

from common import check, client, done, unique
from ecr_common import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, layer, password, registry_host, sha, skopeo

TASKS = 50
ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

layout = os.path.join(tempfile.mkdtemp(), "layout")
shutil.copytree(os.environ["SOCKERLESS_BUSYBOX_LAYOUT"], layout)
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
cache = os.environ["SOCKERLESS_OCI_CACHE"]


def blob(digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
        return f.read()


def write_blob(data):
    with open(os.path.join(layout, "blobs", "sha256", sha(data).split(":")[1]), "wb") as f:
        f.write(data)
    return {"digest": sha(data), "size": len(data)}


with open(os.path.join(layout, "index.json")) as f:
    index = json.load(f)
descriptor = next(m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == tag)
base_manifest = json.loads(blob(descriptor["digest"]))
base_layers = [layer["digest"] for layer in base_manifest["layers"]]
# The derived image: busybox's layer, then one holding a file only it has.
top = layer({"opt/derived.txt": b"only in the derived image\n"})
config = json.loads(blob(base_manifest["config"]["digest"]))
config["rootfs"]["diff_ids"].append(sha(gzip.decompress(top)))
derived = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": dict(mediaType=OCI_CONFIG, **write_blob(json.dumps(config).encode())),
           "layers": base_manifest["layers"] + [dict(mediaType=OCI_LAYER, **write_blob(top))]}
index["manifests"].append(dict(mediaType=OCI_MANIFEST, **write_blob(json.dumps(derived).encode()),
                               annotations={"org.opencontainers.image.ref.name": "derived"}))
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(index, f)
derived_layers = base_layers + [sha(top)]

uris = {}
for image_tag in [tag, "derived"]:
    name = unique("fifty") + "/busybox"
    uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
    skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
           f"oci:{layout}:{image_tag}", f"docker://{registry_host()}/{name}:{image_tag}")
    uris[image_tag] = f"{uri}:{image_tag}"

group = unique("/ecs/fifty")
logs.create_log_group(logGroupName=group)
cluster = unique("fifty")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("fifty-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
families = {}
for image_tag, uri in uris.items():
    families[image_tag] = unique("fifty")
    ecs.register_task_definition(
        family=families[image_tag], networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", executionRoleArn=execution_role,
        containerDefinitions=[{"name": "app", "image": uri, "entryPoint": ["sh", "-c"],
                               "command": ['echo "task $N" $(cat /opt/derived.txt 2>/dev/null); sleep 1; '
                                           'echo "stderr $N" >&2; exit $((N % 7))'],
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                                   "awslogs-stream-prefix": "fifty"}}}])

arns = {}
for number in range(TASKS):
    family = families["derived" if number % 2 else tag]
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
    expected = f"task {number} only in the derived image" if number % 2 else f"task {number}"
    check(sorted(printed) == [f"stderr {number}", expected], f"task {number}'s output: {printed}")


def listing(part):
    return sorted(entry for entry in os.listdir(os.path.join(cache, part)) if not entry.startswith("tmp-"))


def chain(layers):
    return hashlib.sha256("".join(f"{digest}\n" for digest in layers).encode()).hexdigest()


unpacked = listing("layers")
check(unpacked == sorted(d.split(":")[1] for d in derived_layers),
      f"each layer unpacked once (the shared base once): {unpacked}")
roots = listing("roots")
check(roots == sorted([chain(base_layers), chain(derived_layers)]), f"one root per image: {roots}")
inodes = {os.lstat(os.path.join(cache, path, "bin/busybox")).st_ino
          for path in [f"layers/{base_layers[0].split(':')[1]}", f"roots/{roots[0]}", f"roots/{roots[1]}"]}
check(len(inodes) == 1, f"both roots link the base layer's busybox, on disk once: {inodes}")
done("ecs_oci_fifty")
