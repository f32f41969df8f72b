"""EC2 networking through boto3: the default VPC and its subnets, filters, CIDR checks with
EC2's errors, security group rules, network interfaces taking addresses from their subnet,
tags, and every Describe paged one small page at a time returning each item once."""
import ipaddress

from common import check, client, done, unique

ec2 = client("ec2")


def expect(code, message, call, **kwargs):
    import botocore.exceptions
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = error.response["Error"]
        check(got["Code"] == code, f"{call.__name__}: expected {code}, got {got}")
        if message is not None:
            check(got["Message"] == message, f"{call.__name__}: expected message {message!r}, got {got['Message']!r}")
        return
    check(False, f"{call.__name__} succeeded, expected {code}")


def paged(method, key, page_size=5, **kwargs):
    """Every item of a Describe, one page of `page_size` at a time."""
    items, token, pages = [], None, 0
    while True:
        extra = {"NextToken": token} if token else {}
        answer = method(MaxResults=page_size, **kwargs, **extra)
        check(len(answer[key]) <= page_size, f"{method.__name__}: page larger than {page_size}")
        items.extend(answer[key])
        pages += 1
        token = answer.get("NextToken")
        if not token:
            return items, pages


# The default VPC: 172.31.0.0/16, one default /20 subnet per zone, its IGW, ACL, SG.
zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
check(zones[:3] == ["us-east-1a", "us-east-1b", "us-east-1c"], f"zones: {zones}")
default_vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
check(len(default_vpcs) == 1, f"one default VPC: {default_vpcs}")
default_vpc = default_vpcs[0]
check(default_vpc["CidrBlock"] == "172.31.0.0/16", default_vpc)
check(default_vpc["VpcId"].startswith("vpc-") and len(default_vpc["VpcId"]) == 21, default_vpc["VpcId"])
default_subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
check(sorted(s["AvailabilityZone"] for s in default_subnets) == sorted(zones), f"a default subnet per zone: {default_subnets}")
for subnet in default_subnets:
    check(ipaddress.ip_network(subnet["CidrBlock"]).subnet_of(ipaddress.ip_network("172.31.0.0/16")), subnet)
    check(subnet["AvailableIpAddressCount"] == 4091, subnet)
one_zone = ec2.describe_subnets(Filters=[
    {"Name": "vpc-id", "Values": [default_vpc["VpcId"]]},
    {"Name": "availability-zone", "Values": ["us-east-1b"]},
])["Subnets"]
check(len(one_zone) == 1 and one_zone[0]["AvailabilityZone"] == "us-east-1b", one_zone)
gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [default_vpc["VpcId"]]}])["InternetGateways"]
check(len(gateways) == 1, gateways)
attributes = {a["AttributeName"]: a["AttributeValues"][0]["AttributeValue"] for a in ec2.describe_account_attributes()["AccountAttributes"]}
check(attributes["default-vpc"] == default_vpc["VpcId"], attributes)
expect("InvalidParameterValue", "The filter 'no-such-filter' is invalid",
       ec2.describe_vpcs, Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
expect("InvalidVpcID.NotFound", "The vpc ID 'vpc-123' does not exist", ec2.describe_vpcs, VpcIds=["vpc-123"])

# A VPC of our own: its main route table with the local route, default ACL and SG.
name = unique("net")
vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=[
    {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]
vpc_id = vpc["VpcId"]
check(vpc["Tags"] == [{"Key": "Name", "Value": name}], vpc)
found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
check([v["VpcId"] for v in found] == [vpc_id], found)
tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
check(len(tables) == 1 and tables[0]["Routes"][0] == {"DestinationCidrBlock": "10.20.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}, tables)
acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
check(len(acls) == 1, acls)
hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
check(hostnames is False, "a new VPC has DNS hostnames off")
ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
check(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] is True, "attribute reads back")

# Subnets: inside the VPC and not overlapping each other.
expect("InvalidSubnet.Range", "The CIDR '10.99.0.0/24' is invalid.", ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.99.0.0/24")
subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
check(subnet["AvailableIpAddressCount"] == 251, subnet)
expect("InvalidSubnet.Conflict", "The CIDR '10.20.1.128/25' conflicts with another subnet",
       ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.20.1.128/25")
expect("InvalidVpcID.NotFound", "The vpc ID 'vpc-00000000000000000' does not exist",
       ec2.create_subnet, VpcId="vpc-00000000000000000", CidrBlock="10.0.0.0/24")
more_subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{i}.0/24")["Subnet"]["SubnetId"] for i in range(2, 9)]

# Security groups and rules.
group_id = ec2.create_security_group(GroupName=name, Description="web", VpcId=vpc_id)["GroupId"]
expect("InvalidGroup.Duplicate", f"The security group '{name}' already exists for VPC '{vpc_id}'",
       ec2.create_security_group, GroupName=name, Description="again", VpcId=vpc_id)
added = ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
])["SecurityGroupRules"]
check(len(added) == 2 and all(r["SecurityGroupRuleId"].startswith("sgr-") for r in added), added)
expect("InvalidPermission.Duplicate", None, ec2.authorize_security_group_ingress, GroupId=group_id,
       IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]
check(sorted((r["IsEgress"], r["FromPort"]) for r in rules) == [(False, 22), (False, 443), (True, -1)], rules)
ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=[
    r["SecurityGroupRuleId"] for r in added if r["FromPort"] == 443])
group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
check(group["IpPermissions"] == [], group)
check(group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}], group)
expect("InvalidPermission.NotFound", "The specified rule does not exist in this security group.",
       ec2.revoke_security_group_ingress, GroupId=group_id,
       IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])

# Network interfaces take addresses from their subnet.
eni = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[group_id], Description="mine")["NetworkInterface"]
check(ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network("10.20.1.0/24"), eni)
check(eni["PrivateIpAddress"] == "10.20.1.4", f"first free address after AWS's reserved four: {eni['PrivateIpAddress']}")
second = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]
check(second["PrivateIpAddress"] == "10.20.1.5", second)
left = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"]
check(left == 249, f"two interfaces take two addresses: {left}")
expect("DependencyViolation", f"The subnet '{subnet['SubnetId']}' has dependencies and cannot be deleted.",
       ec2.delete_subnet, SubnetId=subnet["SubnetId"])
expect("DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted.", ec2.delete_vpc, VpcId=vpc_id)

# Tags on anything, read back by DescribeTags.
ec2.create_tags(Resources=[subnet["SubnetId"], eni["NetworkInterfaceId"]], Tags=[{"Key": "team", "Value": name}])
tagged = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}, {"Name": "value", "Values": [name]}])["Tags"]
check(sorted(t["ResourceType"] for t in tagged) == ["network-interface", "subnet"], tagged)
ec2.delete_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": "team"}])
check(len(ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}, {"Name": "value", "Values": [name]}])["Tags"]) == 1, "tag deleted")

# Every Describe paged in small pages returns each item once.
for method, key, field, kwargs in [
    (ec2.describe_subnets, "Subnets", "SubnetId", {}),
    (ec2.describe_vpcs, "Vpcs", "VpcId", {}),
    (ec2.describe_security_groups, "SecurityGroups", "GroupId", {}),
    (ec2.describe_route_tables, "RouteTables", "RouteTableId", {}),
    (ec2.describe_network_acls, "NetworkAcls", "NetworkAclId", {}),
    (ec2.describe_network_interfaces, "NetworkInterfaces", "NetworkInterfaceId", {}),
    (ec2.describe_security_group_rules, "SecurityGroupRules", "SecurityGroupRuleId", {}),
    (ec2.describe_tags, "Tags", "ResourceId", {}),
]:
    whole = method(**kwargs)[key]
    items, pages = paged(method, key, **kwargs)
    ids = [item[field] for item in items]
    check(len(ids) == len(set(ids)) or key == "Tags", f"{key}: an item twice across pages: {ids}")
    check(sorted(ids) == sorted(item[field] for item in whole), f"{key}: paged and whole listings differ")
subnet_items, pages = paged(ec2.describe_subnets, "Subnets")
check(len(subnet_items) >= len(default_subnets) + 8 and pages >= 3, f"{len(subnet_items)} subnets in {pages} pages")

# Tear down in dependency order; then the VPC goes.
for interface in (eni, second):
    ec2.delete_network_interface(NetworkInterfaceId=interface["NetworkInterfaceId"])
ec2.delete_security_group(GroupId=group_id)
for subnet_id in [subnet["SubnetId"], *more_subnets]:
    ec2.delete_subnet(SubnetId=subnet_id)
ec2.delete_vpc(VpcId=vpc_id)
expect("InvalidVpcID.NotFound", None, ec2.describe_vpcs, VpcIds=[vpc_id])
check(ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"] == [], "main table gone with its VPC")
done("net_ec2")
