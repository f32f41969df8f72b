"""The Debian runtimes image (scripts/images runtimes: bookworm minbase with python3, nodejs,
git, bash and ca-certificates, made offline by mmdebstrap), pushed to ECR with skopeo and run by
an ECS task on runc (`--workloads oci`): the task's command finds each tool in the image, and
the image is Debian's own (its /etc/os-release)."""
import json
import os

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

ecr = client("ecr")
ecs = client("ecs")
ec2 = client("ec2")
logs = client("logs")

layout = os.environ["SOCKERLESS_RUNTIMES_LAYOUT"]
with open(os.path.join(layout, "index.json")) as f:
    tag = json.load(f)["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
name = unique("runtimes") + "/bookworm-runtimes"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")

group = unique("/ecs/runtimes")
logs.create_log_group(logGroupName=group)
cluster = unique("runtimes")
ecs.create_cluster(clusterName=cluster)
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("runtimes-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
script = ("python3 -c 'import ssl, sys; print(\"python\", sys.version_info[0])'; "
          "node -e 'console.log(\"node\", typeof process.versions.node)'; "
          "git --version | cut -d\" \" -f1-2; "
          "echo \"bash $BASH_VERSINFO\"; "
          "test -s /etc/ssl/certs/ca-certificates.crt && echo certificates; "
          ". /etc/os-release; echo \"$ID $VERSION_CODENAME\"")
family = unique("runtimes")
ecs.register_task_definition(
    family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    executionRoleArn=execution_role,
    containerDefinitions=[{"name": "app", "image": f"{uri}:{tag}", "command": ["bash", "-c", script],
                           "logConfiguration": {"logDriver": "awslogs", "options": {
                               "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                               "awslogs-stream-prefix": "runtimes"}}}])
arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                   networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 120})
task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
check(task["containers"][0].get("exitCode") == 0, f"the task's container: {task}")
stream = f"runtimes/app/{arn.rsplit('/', 1)[1]}"
printed = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]]
check(printed == ["python 3", "node string", "git version", "bash 5", "certificates", "debian bookworm"],
      f"the tools in the image: {printed}")
done("ecs_oci_runtimes")
