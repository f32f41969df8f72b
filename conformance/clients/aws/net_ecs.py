"""ECS awsvpc tasks and EC2: a task gets a network interface with an address from its subnet,
shown in its attachment and in DescribeNetworkInterfaces until the task stops; a subnet or
security group that does not exist is refused with ECS's error quoting EC2's."""
import ipaddress
import os

import botocore.exceptions

from common import check, client, done, unique

ecs = client("ecs")
ec2 = client("ec2")

vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.7.0/24", AvailabilityZone="us-east-1b")["Subnet"]
group_id = ec2.create_security_group(GroupName=unique("task"), Description="tasks", VpcId=vpc_id)["GroupId"]

cluster = unique("net")
ecs.create_cluster(clusterName=cluster)
family = unique("awsvpc")
ecs.register_task_definition(
    family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{"name": "app", "image": "busybox", "command": ["sh", "-c", "sleep 60"],
                           "environment": [{"name": "PATH", "value": os.environ["SOCKERLESS_WORKLOAD_PATH"]}]}])


def refused(network, expected):
    try:
        ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE", networkConfiguration=network)
    except botocore.exceptions.ClientError as error:
        got = error.response["Error"]
        check(got["Code"] == "InvalidParameterException", got)
        check(got["Message"] == expected, f"expected {expected!r}, got {got['Message']!r}")
        return
    check(False, "run_task succeeded with a missing subnet or group")


refused({"awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}},
        "Error retrieving subnet information for [subnet-0123456789abcdef0]: The subnet ID 'subnet-0123456789abcdef0' does not exist (ErrorCode: InvalidSubnetID.NotFound)")
refused({"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]], "securityGroups": ["sg-0123456789abcdef0"]}},
        "Error retrieving security group information for [sg-0123456789abcdef0]: The security group 'sg-0123456789abcdef0' does not exist (ErrorCode: InvalidGroup.NotFound)")

network = {"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]], "securityGroups": [group_id]}}
tasks = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE", count=2, networkConfiguration=network)["tasks"]
arns = [t["taskArn"] for t in tasks]
ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
described = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
interfaces = []
for task in described:
    attachment = task["attachments"][0]
    details = {d["name"]: d["value"] for d in attachment["details"]}
    check(attachment["type"] == "ElasticNetworkInterface" and attachment["status"] == "ATTACHED", attachment)
    check(details["subnetId"] == subnet["SubnetId"], details)
    address = ipaddress.ip_address(details["privateIPv4Address"])
    check(address in ipaddress.ip_network("10.30.7.0/24"), f"the task's address lies in its subnet: {details}")
    check(task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"] == str(address), task["containers"][0])
    check(task["availabilityZone"] == "us-east-1b", task["availabilityZone"])
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])["NetworkInterfaces"][0]
    check(eni["PrivateIpAddress"] == str(address) and eni["MacAddress"] == details["macAddress"], eni)
    check(eni["InterfaceType"] == "interface" and eni["RequesterManaged"] is True and eni["Status"] == "in-use", eni)
    check(eni["Description"] == f"arn:aws:ecs:us-east-1:123456789012:attachment/{attachment['id']}", eni["Description"])
    check(eni["PrivateDnsName"] == details["privateDnsName"], eni)
    check([g["GroupId"] for g in eni["Groups"]] == [group_id], eni["Groups"])
    interfaces.append(eni["NetworkInterfaceId"])
addresses = {ec2.describe_network_interfaces(NetworkInterfaceIds=[i])["NetworkInterfaces"][0]["PrivateIpAddress"] for i in interfaces}
check(len(addresses) == 2, f"two tasks, two addresses: {addresses}")
in_subnet = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet["SubnetId"]]}])["NetworkInterfaces"]
check(sorted(i["NetworkInterfaceId"] for i in in_subnet) == sorted(interfaces), in_subnet)
check(ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"] == 249, "the tasks' addresses are taken")
try:
    ec2.delete_network_interface(NetworkInterfaceId=interfaces[0])
    check(False, "a task's interface was deleted while the task runs")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "InvalidNetworkInterface.InUse", error.response)

for arn in arns:
    ecs.stop_task(cluster=cluster, task=arn)
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=arns, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
left = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet["SubnetId"]]}])["NetworkInterfaces"]
check(left == [], f"stopped tasks release their interfaces: {left}")
stopped = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
check(all(t["attachments"][0]["status"] == "DELETED" for t in stopped), stopped)
ec2.delete_security_group(GroupId=group_id)
ec2.delete_subnet(SubnetId=subnet["SubnetId"])
ec2.delete_vpc(VpcId=vpc_id)
done("net_ecs")
