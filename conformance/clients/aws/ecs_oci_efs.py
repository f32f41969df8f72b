"""EFS volumes of ECS tasks that run in their image (`--workloads oci`): the busybox image
(scripts/images) pushed to ECR with skopeo; two tasks mount one file system through an access
point at /mnt/shared, inside their containers. The first writes a file there and another in its
own root; the second reads the first's shared file back and does not find the file written in
the first task's root (each task has its own writable root over the image)."""
import json
import os

from common import check, client, done, unique
from ecr_common import password, registry_host, skopeo

efs = client("efs")
ecs = client("ecs")
ec2 = client("ec2")
ecr = client("ecr")
logs = client("logs")

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
name = unique("efs") + "/busybox"
uri = ecr.create_repository(repositoryName=name)["repository"]["repositoryUri"]
skopeo("copy", "--dest-creds", f"AWS:{password()}", "--dest-tls-verify=false",
       f"oci:{layout}:{tag}", f"docker://{registry_host()}/{name}:{tag}")

fs_id = efs.create_file_system(CreationToken=unique("shared"))["FileSystemId"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet)
point = efs.create_access_point(ClientToken=unique("ap"), FileSystemId=fs_id,
                                RootDirectory={"Path": "/shared", "CreationInfo": {"OwnerUid": 0, "OwnerGid": 0, "Permissions": "777"}})
cluster = unique("efs")
ecs.create_cluster(clusterName=cluster)
group = unique("/ecs/efs")
logs.create_log_group(logGroupName=group)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
execution_role = client("iam").create_role(RoleName=unique("efs-execution"),
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
message = unique("written-by-the-first-task")


def run(command):
    family = unique("efs")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role,
        volumes=[{"name": "shared", "efsVolumeConfiguration": {
            "fileSystemId": fs_id, "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": point["AccessPointId"], "iam": "DISABLED"}}}],
        containerDefinitions=[{"name": "app", "image": f"{uri}:{tag}", "command": ["sh", "-c", command],
                               "mountPoints": [{"sourceVolume": "shared", "containerPath": "/mnt/shared"}],
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": group, "awslogs-region": ecs.meta.region_name,
                                   "awslogs-stream-prefix": "efs"}}}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
    stream = f"efs/app/{arn.rsplit('/', 1)[1]}"
    printed = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream,
                                                         startFromHead=True)["events"]]
    return task, printed


writer, printed = run(f"echo {message} > /mnt/shared/greeting && echo mine > /in-my-root && cat /in-my-root")
check(writer["containers"][0].get("exitCode") == 0, f"the writer ran: {writer} {printed}")
check(printed == ["mine"], f"the writer's own root is writable: {printed}")
reader, printed = run("cat /mnt/shared/greeting; ls /in-my-root 2>&1; ls /mnt/shared")
check(reader["containers"][0].get("exitCode") == 0, f"the reader ran: {reader} {printed}")
check(printed == [message, "ls: /in-my-root: No such file or directory", "greeting"],
      f"the shared file is there, the first task's root file is not: {printed}")
done("ecs_oci_efs")
