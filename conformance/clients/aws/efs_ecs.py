"""EFS volumes in ECS tasks: two tasks mounting the same file system through an access point
share one directory (one writes a file, the next reads it back), the access point's root is
made with its creation info, and a task whose file system does not exist fails to start with
ECS's ResourceInitializationError. Containers are host processes: each finds its mount point's
directory in SOCKERLESS_PATH_<CONTAINER PATH> (see the ECS volumes module)."""
import os

from common import check, client, done, unique

efs = client("efs")
ecs = client("ecs")
ec2 = client("ec2")

fs_id = efs.create_file_system(CreationToken=unique("shared"))["FileSystemId"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet)
point = efs.create_access_point(ClientToken=unique("ap"), FileSystemId=fs_id,
                                RootDirectory={"Path": "/shared", "CreationInfo": {"OwnerUid": 0, "OwnerGid": 0, "Permissions": "777"}})
cluster = unique("efs")
ecs.create_cluster(clusterName=cluster)
path_env = {"name": "PATH", "value": os.environ["SOCKERLESS_WORKLOAD_PATH"]}
message = unique("written-by-the-first-task")


def definition(family, command, file_system=fs_id, access_point=point["AccessPointId"]):
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        volumes=[{"name": "shared", "efsVolumeConfiguration": {
            "fileSystemId": file_system, "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": access_point, "iam": "DISABLED"}}}],
        containerDefinitions=[{"name": "app", "image": "busybox", "command": ["sh", "-c", command], "environment": [path_env],
                               "mountPoints": [{"sourceVolume": "shared", "containerPath": "/mnt/shared"}]}])
    return family


def run(family):
    network = {"awsvpcConfiguration": {"subnets": [subnet]}}
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE", networkConfiguration=network)["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]


writer = run(definition(unique("writer"), f'echo {message} > "$SOCKERLESS_PATH_MNT_SHARED/greeting"'))
check(writer["containers"][0].get("exitCode") == 0, f"the writer ran: {writer}")
reader = run(definition(unique("reader"), f'test "$(cat "$SOCKERLESS_PATH_MNT_SHARED/greeting")" = "{message}"'))
check(reader["containers"][0].get("exitCode") == 0, f"the reader read what the writer wrote: {reader}")
control = run(definition(unique("control"), 'test "$(cat "$SOCKERLESS_PATH_MNT_SHARED/greeting")" = "something else"'))
check(control["containers"][0].get("exitCode") == 1, f"a wrong expectation fails: {control}")
size = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["SizeInBytes"]["Value"]
check(size >= 6144 + len(message), f"the file system's size counts the file: {size}")

missing = run(definition(unique("missing"), "true", file_system="fs-00000000000000000", access_point=point["AccessPointId"]))
check(missing["stopCode"] == "TaskFailedToStart", missing)
check(missing["stoppedReason"].startswith("ResourceInitializationError: failed to invoke EFS utils commands"), missing["stoppedReason"])
done("efs_ecs")
