"""EFS through boto3: creation-token idempotency, states, mount targets (one per zone, each an
EC2 network interface in its subnet), access points, policies, replication, tags, and paging."""
import json

import botocore.exceptions

from common import check, client, done, unique

efs = client("efs")
ec2 = client("ec2")


def expect(code, call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = error.response["Error"]
        check(got["Code"] == code, f"{call.__name__}: expected {code}, got {got}")
        return got
    check(False, f"{call.__name__} succeeded, expected {code}")


token = unique("fs")
created = efs.create_file_system(CreationToken=token, PerformanceMode="generalPurpose", Tags=[{"Key": "Name", "Value": token}])
fs_id = created["FileSystemId"]
check(created["LifeCycleState"] == "creating" and fs_id.startswith("fs-"), created)
check(created["Name"] == token and created["NumberOfMountTargets"] == 0, created)
again = expect("FileSystemAlreadyExists", efs.create_file_system, CreationToken=token)
check(fs_id in again["Message"], again)
described = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
check(described["LifeCycleState"] == "available" and described["SizeInBytes"]["Value"] >= 6144, described)
check(efs.describe_file_systems(CreationToken=token)["FileSystems"][0]["FileSystemId"] == fs_id, "found by token")
expect("FileSystemNotFound", efs.describe_file_systems, FileSystemId="fs-00000000000000000")

# Mount targets: each an interface in its subnet; one per zone.
subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
target = efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnets[0]["SubnetId"])
check(target["LifeCycleState"] == "creating" and target["AvailabilityZoneName"] == subnets[0]["AvailabilityZone"], target)
eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[target["NetworkInterfaceId"]])["NetworkInterfaces"][0]
check(eni["PrivateIpAddress"] == target["IpAddress"] and eni["SubnetId"] == subnets[0]["SubnetId"], eni)
same_zone = [s for s in subnets if s["AvailabilityZone"] == subnets[0]["AvailabilityZone"]]
vpc_id = subnets[0]["VpcId"]
extra = ec2.create_subnet(VpcId=vpc_id, CidrBlock="172.31.200.0/24", AvailabilityZone=subnets[0]["AvailabilityZone"])["Subnet"]
expect("MountTargetConflict", efs.create_mount_target, FileSystemId=fs_id, SubnetId=extra["SubnetId"])
expect("SubnetNotFound", efs.create_mount_target, FileSystemId=fs_id, SubnetId="subnet-00000000000000000")
second = efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnets[1]["SubnetId"])
check(efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["NumberOfMountTargets"] == 2, "two targets counted")
first_page = efs.describe_mount_targets(FileSystemId=fs_id, MaxItems=1)
rest = efs.describe_mount_targets(FileSystemId=fs_id, MaxItems=1, Marker=first_page["NextMarker"])
check({first_page["MountTargets"][0]["MountTargetId"], rest["MountTargets"][0]["MountTargetId"]} == {target["MountTargetId"], second["MountTargetId"]}, "paged once each")
check("NextMarker" not in rest, rest)
groups = efs.describe_mount_target_security_groups(MountTargetId=target["MountTargetId"])["SecurityGroups"]
check(len(groups) == 1 and groups[0].startswith("sg-"), groups)
expect("FileSystemInUse", efs.delete_file_system, FileSystemId=fs_id)

# Access points.
point = efs.create_access_point(ClientToken=unique("ap"), FileSystemId=fs_id, PosixUser={"Uid": 1000, "Gid": 1000},
                                RootDirectory={"Path": "/app", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "755"}},
                                Tags=[{"Key": "Name", "Value": "app"}])
check(point["RootDirectory"]["Path"] == "/app" and point["PosixUser"] == {"Uid": 1000, "Gid": 1000} and point["Name"] == "app", point)
listed = efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"]
check([p["AccessPointId"] for p in listed] == [point["AccessPointId"]] and listed[0]["LifeCycleState"] == "available", listed)
check(efs.describe_mount_targets(AccessPointId=point["AccessPointId"])["MountTargets"] != [], "targets by access point")

# Policies.
expect("PolicyNotFound", efs.describe_file_system_policy, FileSystemId=fs_id)
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount", "Resource": "*"}]})
efs.put_file_system_policy(FileSystemId=fs_id, Policy=policy)
check(json.loads(efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"]) == json.loads(policy), "policy reads back")
expect("InvalidPolicyException", efs.put_file_system_policy, FileSystemId=fs_id, Policy="{\"Statement\": 3}")
check(efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"] == "DISABLED", "backup off by default")
efs.put_backup_policy(FileSystemId=fs_id, BackupPolicy={"Status": "ENABLED"})
check(efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"] == "ENABLED", "backup on")
efs.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}])
check(efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"] == [{"TransitionToIA": "AFTER_30_DAYS"}], "lifecycle")

# Tags both ways.
efs.tag_resource(ResourceId=fs_id, Tags=[{"Key": "team", "Value": "net"}])
tags = {t["Key"]: t["Value"] for t in efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]}
check(tags == {"Name": token, "team": "net"}, tags)
efs.untag_resource(ResourceId=fs_id, TagKeys=["team"])
check([t["Key"] for t in efs.describe_tags(FileSystemId=fs_id)["Tags"]] == ["Name"], "untagged")

# Replication makes a real file system in the destination region.
replication = efs.create_replication_configuration(SourceFileSystemId=fs_id, Destinations=[{"Region": "us-west-2"}])
replica_id = replication["Destinations"][0]["FileSystemId"]
west = client("efs", region_name="us-west-2")
replica = west.describe_file_systems(FileSystemId=replica_id)["FileSystems"][0]
check(replica["FileSystemProtection"]["ReplicationOverwriteProtection"] == "REPLICATING", replica)
check(efs.describe_replication_configurations(FileSystemId=fs_id)["Replications"][0]["Destinations"][0]["Status"] == "ENABLED", "replicating")
efs.delete_replication_configuration(SourceFileSystemId=fs_id)
expect("ReplicationNotFound", efs.describe_replication_configurations, FileSystemId=fs_id)
west.delete_file_system(FileSystemId=replica_id)

prefs = efs.describe_account_preferences()["ResourceIdPreference"]
check(prefs["ResourceIdType"] == "LONG_ID", prefs)

# Teardown: targets release their interfaces; then the file system goes.
efs.delete_access_point(AccessPointId=point["AccessPointId"])
for mount in (target, second):
    efs.delete_mount_target(MountTargetId=mount["MountTargetId"])
expect("InvalidNetworkInterfaceID.NotFound", ec2.describe_network_interfaces, NetworkInterfaceIds=[target["NetworkInterfaceId"]])
efs.delete_file_system(FileSystemId=fs_id)
expect("FileSystemNotFound", efs.describe_file_systems, FileSystemId=fs_id)
ec2.delete_subnet(SubnetId=extra["SubnetId"])
done("efs_api")
