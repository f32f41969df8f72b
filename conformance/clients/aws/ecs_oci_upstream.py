"""ECS tasks whose image is in no ECR registry, pulled through the server's upstream registry
(`--registry-upstream http://HOST:PORT/PREFIX`): the upstream is a second Sockerless serving
Artifact Registry, which answers with a Bearer challenge and a token endpoint. Phase `pull`:
an image with a file only it has is pushed there with skopeo; a task naming the upstream's own
host runs in it, and so does one naming it by a Docker Hub name (the upstream as a mirror, its
prefix before the repository); a tag never pushed fails the task with ECS's
CannotPullContainerError ending `not found`, and a registry the upstream does not stand for is
not reached. Phase `cached` (the upstream stopped): the image pinned by digest still runs, from
the cache; its tag cannot be resolved and the task fails saying the upstream refused."""
import json
import os
import sys
import tempfile
import urllib.request

from common import check, client, done, unique
from ecr_common import extend_layout, skopeo

phase = sys.argv[1]
upstream = os.environ["SOCKERLESS_UPSTREAM"].rstrip("/")
address = upstream.split("://", 1)[1]
digest_file = os.environ["SOCKERLESS_UPSTREAM_DIGEST_FILE"]
marker_file = digest_file + ".marker"
repository = f"{address}/us-central1-docker.pkg.dev/p/images/probe"

ecs = client("ecs")
logs = client("logs")
ec2 = client("ec2")
group = unique("/ecs/upstream")
logs.create_log_group(logGroupName=group)
cluster = unique("upstream")
ecs.create_cluster(clusterName=cluster)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("upstream-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def run(image):
    family = unique("upstream")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role,
        containerDefinitions=[{"name": "app", "image": image, "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": group, "awslogs-region": ecs.meta.region_name, "awslogs-stream-prefix": "up"}}}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0], arn.rsplit("/", 1)[1]


def printed(task_id):
    return [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=f"up/app/{task_id}",
                                                      startFromHead=True)["events"]]


def runs_in_the_image(image, marker):
    task, task_id = run(image)
    check(task["containers"][0].get("exitCode") == 0, f"{image}: {task}")
    check(printed(task_id) == [marker], f"{image}: the upstream image's own file: {printed(task_id)}")


def fails_to_pull(image, tail_start, tail_contains=""):
    task, _ = run(image)
    check(task.get("stopCode") == "TaskFailedToStart", task)
    reason = task.get("stoppedReason", "")
    prefix = f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: "
    check(reason.startswith(prefix + tail_start) and tail_contains in reason, f"stoppedReason of {image}: {reason}")


if phase == "pull":
    body = json.dumps({"format": "DOCKER"}).encode()
    request = urllib.request.Request(
        f"{upstream}/v1/projects/p/locations/us-central1/repositories?repositoryId=images", data=body, method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        check(answer.status == 200, f"creating the upstream repository: {answer.status}")
    marker = unique("only-upstream")
    layout = os.path.join(tempfile.mkdtemp(), "layout")
    digest = extend_layout(os.environ["SOCKERLESS_BUSYBOX_LAYOUT"], os.environ["SOCKERLESS_BUSYBOX_TAG"], layout, "probe",
                           {"opt/probe/marker.txt": ((marker + "\n").encode(), 0o644)},
                           {"Entrypoint": None, "Cmd": ["cat", "/opt/probe/marker.txt"]})
    creds = "oauth2accesstoken:ya29.sockerless-upstream"
    for target in [f"{repository}:v1", f"{address}/us-central1-docker.pkg.dev/p/images/sockerless-test/probe:v1"]:
        skopeo("copy", "--dest-creds", creds, "--dest-tls-verify=false", f"oci:{layout}:probe", f"docker://{target}")
    with open(digest_file, "w") as f:
        f.write(digest)
    with open(marker_file, "w") as f:
        f.write(marker)

    runs_in_the_image(f"{repository}:v1", marker)
    runs_in_the_image("docker.io/sockerless-test/probe:v1", marker)
    fails_to_pull(f"{repository}:never-pushed", f"{repository}:never-pushed: not found")
    fails_to_pull("quay.io/sockerless-test/probe:v1", "failed to do request: Head \"https://quay.io/v2/")
    done("ecs_oci_upstream pull")
else:
    with open(digest_file) as f:
        digest = f.read()
    with open(marker_file) as f:
        marker = f.read()
    runs_in_the_image(f"{repository}@{digest}", marker)
    fails_to_pull(f"{repository}:v1",
                  f"failed to do request: Get \"http://{address}/v2/us-central1-docker.pkg.dev/p/images/probe/manifests/v1\": ",
                  "refused")
    done("ecs_oci_upstream cached")
