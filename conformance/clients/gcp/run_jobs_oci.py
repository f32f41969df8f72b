"""Cloud Run jobs in their real image (`--workloads oci`): an image derived offline from
scripts/images' busybox (a layer with a file only it has, and a CMD, WORKDIR and ENV) is pushed
to Artifact Registry with skopeo and named by its registry address in a job; the task prints the
file, the image's environment and working directory, and that output is read back through
Cloud Logging. A job overriding args, env and workingDir runs as Cloud Run merges them with the
image's config; an image that was never pushed fails the execution with Cloud Run's message.
The execution says which runner ran it. Exits non-zero on the first difference."""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import artifactregistry_v1 as ar
from google.cloud import logging, run_v2

ENDPOINT = os.environ["RUN_ENDPOINT"]
SKOPEO = os.environ["SOCKERLESS_SKOPEO"]
MODE = sys.argv[1] if len(sys.argv) > 1 else "oci"
ADDRESS = ENDPOINT.split("://", 1)[1].rstrip("/")
HOST = "us-central1-docker.pkg.dev"
PARENT = "projects/p/locations/us-central1"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
State = run_v2.Condition.State

options = ClientOptions(api_endpoint=ENDPOINT)
credentials = AnonymousCredentials()
jobs = run_v2.JobsClient(transport="rest", credentials=credentials, client_options=options)
tasks = run_v2.TasksClient(transport="rest", credentials=credentials, client_options=options)
registry = ar.ArtifactRegistryClient(transport="rest", credentials=credentials, client_options=options)
log_client = logging.Client(project="p", credentials=credentials, _use_grpc=False,
                            client_options={"api_endpoint": ENDPOINT})


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


# The derived image: busybox's layers and one with a file only this image has.
work = tempfile.mkdtemp()
layout = os.path.join(work, "layout")
shutil.copytree(os.environ["SOCKERLESS_BUSYBOX_LAYOUT"], layout)


def blob_path(digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":")[1])


def write_blob(data):
    with open(blob_path(sha(data)), "wb") as f:
        f.write(data)
    return {"digest": sha(data), "size": len(data)}


def read_json(digest):
    with open(blob_path(digest)) as f:
        return json.load(f)


with open(os.path.join(layout, "index.json")) as f:
    base = next(m for m in json.load(f)["manifests"]
                if m["annotations"]["org.opencontainers.image.ref.name"] == os.environ["SOCKERLESS_BUSYBOX_TAG"])
base_manifest = read_json(base["digest"])
base_config = read_json(base_manifest["config"]["digest"])
marker = f"only-in-this-image-{uuid.uuid4().hex[:8]}"
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w") as tar:
    for name in ("opt/", "opt/app/"):
        info = tarfile.TarInfo(name.rstrip("/"))
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
    data = (marker + "\n").encode()
    info = tarfile.TarInfo("opt/app/marker.txt")
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))
app_layer = gzip.compress(raw.getvalue(), mtime=0)
config = dict(base_config)
config["rootfs"] = {"type": "layers", "diff_ids": base_config["rootfs"]["diff_ids"] + [sha(raw.getvalue())]}
config["config"] = {
    "Cmd": ["sh", "-c", 'cat marker.txt; echo "greeting=$GREETING"; pwd; echo "task=$CLOUD_RUN_TASK_INDEX"'],
    "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=from-the-image"],
    "WorkingDir": "/opt/app",
}
manifest = {
    "schemaVersion": 2, "mediaType": OCI_MANIFEST,
    "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **write_blob(json.dumps(config).encode())),
    "layers": base_manifest["layers"] + [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip",
                                              **write_blob(app_layer))],
}
descriptor = dict(mediaType=OCI_MANIFEST, **write_blob(json.dumps(manifest).encode()))
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [
        dict(descriptor, annotations={"org.opencontainers.image.ref.name": "app"})]}, f)

registry.create_repository(parent=PARENT, repository_id="images",
                           repository=ar.Repository(format_=ar.Repository.Format.DOCKER)).result()
pushed = subprocess.run([SKOPEO, "copy", "--dest-creds", "oauth2accesstoken:token", "--dest-tls-verify=false",
                         f"oci:{layout}:app", f"docker://{ADDRESS}/{HOST}/p/images/app:v1"],
                        capture_output=True, text=True)
check(pushed.returncode == 0, f"skopeo push: {pushed.stderr}")
IMAGE = f"{HOST}/p/images/app:v1"


def run_job(job_id, container, task_count=1):
    job = run_v2.Job(template=run_v2.ExecutionTemplate(task_count=task_count, template=run_v2.TaskTemplate(
        containers=[container], max_retries=0)))
    job = jobs.create_job(parent=PARENT, job_id=job_id, job=job).result(timeout=30)
    execution = jobs.run_job(name=job.name).result(timeout=120)
    execution_id = execution.name.rsplit("/", 1)[1]
    lines = [e.payload for e in log_client.list_entries(
        filter_=f'labels."run.googleapis.com/execution_name"="{execution_id}" AND '
                f'logName="projects/p/logs/run.googleapis.com%2Fstdout"', order_by=logging.ASCENDING)]
    return execution, lines


def completed(execution):
    return next(c for c in execution.conditions if c.type_ == "Completed")


if MODE == "oci":
    # The image's own command, in its working directory, with its environment.
    execution, lines = run_job("from-image", run_v2.Container(image=IMAGE))
    check(completed(execution).state == State.CONDITION_SUCCEEDED, f"execution {execution}")
    check(lines == [marker, "greeting=from-the-image", "/opt/app", "task=0"], f"output {lines}")
    check(execution.annotations.get("sockerless.dev/workload-runner") == "oci", f"runner {execution.annotations}")

    # args, env and workingDir override the image's CMD, ENV and WORKDIR, by digest too.
    digest = descriptor["digest"]
    execution, lines = run_job("overrides", run_v2.Container(
        image=f"{HOST}/p/images/app@{digest}", args=["sh", "-c", 'pwd; echo "greeting=$GREETING"; cat /opt/app/marker.txt'],
        env=[run_v2.EnvVar(name="GREETING", value="from-the-job")], working_dir="/tmp"))
    check(completed(execution).state == State.CONDITION_SUCCEEDED, f"execution {execution}")
    check(lines == ["/tmp", "greeting=from-the-job", marker], f"output {lines}")

    # command replaces the entrypoint and drops the image's CMD.
    execution, lines = run_job("command", run_v2.Container(image=IMAGE, command=["echo", "from", "command"]))
    check(lines == ["from command"], f"output {lines}")

    # An image that was never pushed fails the execution with Cloud Run's message.
    missing = f"{HOST}/p/images/app:never-pushed"
    execution, lines = run_job("missing-image", run_v2.Container(image=missing))
    check(completed(execution).state == State.CONDITION_FAILED, f"execution {execution}")
    check(execution.failed_count == 1 and lines == [], f"execution {execution} {lines}")
    task = list(tasks.list_tasks(parent=execution.name))[0]
    check(task.last_attempt_result.status.message == f"Image '{missing}' not found.",
          f"task result {task.last_attempt_result}")
else:
    # Under auto with an image that cannot be had: a host process, and the execution says so.
    execution, lines = run_job("on-host", run_v2.Container(image="localhost/not-in-any-registry",
                                                           command=["sh", "-c", "echo on the host"]))
    check(completed(execution).state == State.CONDITION_SUCCEEDED, f"execution {execution}")
    check(lines == ["on the host"], f"output {lines}")
    runner = execution.annotations.get("sockerless.dev/workload-runner", "")
    check(runner.startswith("process: the image was not used (Image 'localhost/not-in-any-registry' not found."),
          f"runner {runner}")
    # And in its image when the image is in Artifact Registry.
    execution, lines = run_job("in-image", run_v2.Container(image=IMAGE))
    check(lines[0] == marker and execution.annotations.get("sockerless.dev/workload-runner") == "oci",
          f"auto in image: {lines} {execution.annotations}")
print("ok")
