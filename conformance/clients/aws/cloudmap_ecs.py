"""Cloud Map through boto3: namespaces whose operations finish, services, instances with
health and attribute queries, ListOperations filters, tags; and an ECS service with
serviceRegistries whose running tasks are found by DiscoverInstances (at their interfaces'
addresses) and gone once the service scales to zero.

DiscoverInstances is on the `data-` host prefix: botocore prepends it to the endpoint's host,
which for 127.0.0.1 names no host, so that client is made with inject_host_prefix=False (the
simulator answers on any host name)."""
import ipaddress
import os
import time

import botocore.config
import botocore.exceptions

from common import check, client, done, unique

sd = client("servicediscovery")
data = client("servicediscovery", config=botocore.config.Config(inject_host_prefix=False, retries={"total_max_attempts": 1}))
ec2 = client("ec2")
ecs = client("ecs")


def expect(code, call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        check(error.response["Error"]["Code"] == code, f"{call.__name__}: expected {code}, got {error.response['Error']}")
        return error.response
    check(False, f"{call.__name__} succeeded, expected {code}")


def finished(operation_id):
    """Polls GetOperation until it leaves SUBMITTED/PENDING; returns the operation."""
    seen = []
    for _ in range(50):
        operation = sd.get_operation(OperationId=operation_id)["Operation"]
        seen.append(operation["Status"])
        if operation["Status"] not in ("SUBMITTED", "PENDING"):
            return operation, seen
        time.sleep(0.1)
    check(False, f"operation {operation_id} never finished: {seen}")


# Namespaces: the creation is an operation that goes SUBMITTED, then SUCCESS.
name = unique("cm")
operation, seen = finished(sd.create_http_namespace(Name=name, Description="http", Tags=[{"Key": "team", "Value": "net"}])["OperationId"])
check(seen[0] == "SUBMITTED" and operation["Status"] == "SUCCESS" and operation["Type"] == "CREATE_NAMESPACE", f"{seen} {operation}")
namespace_id = operation["Targets"]["NAMESPACE"]
namespace = sd.get_namespace(Id=namespace_id)["Namespace"]
check(namespace["Name"] == name and namespace["Type"] == "HTTP" and namespace["Properties"]["HttpProperties"]["HttpName"] == name, namespace)
expect("NamespaceAlreadyExists", sd.create_http_namespace, Name=name)
vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
private_name = f"{name}.internal"
private_op, _ = finished(sd.create_private_dns_namespace(Name=private_name, Vpc=vpc_id)["OperationId"])
private_id = private_op["Targets"]["NAMESPACE"]
private = sd.get_namespace(Id=private_id)["Namespace"]
check(private["Type"] == "DNS_PRIVATE" and private["Properties"]["DnsProperties"]["HostedZoneId"].startswith("Z"), private)
expect("InvalidInput", sd.create_private_dns_namespace, Name=unique("x") + ".internal", Vpc="vpc-00000000000000000")
http_only = sd.list_namespaces(Filters=[{"Name": "TYPE", "Values": ["HTTP"], "Condition": "EQ"}])["Namespaces"]
check(namespace_id in [n["Id"] for n in http_only] and private_id not in [n["Id"] for n in http_only], http_only)

# Services and instances.
service = sd.create_service(Name="web", NamespaceId=namespace_id, HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]
expect("ServiceAlreadyExists", sd.create_service, Name="web", NamespaceId=namespace_id)
for index in range(3):
    sd.register_instance(ServiceId=service["Id"], InstanceId=f"i-{index}",
                         Attributes={"AWS_INSTANCE_IPV4": f"10.1.0.{index + 10}", "color": "blue" if index else "green"})
found = data.discover_instances(NamespaceName=name, ServiceName="web")
check(sorted(i["InstanceId"] for i in found["Instances"]) == ["i-0", "i-1", "i-2"], found)
blue = data.discover_instances(NamespaceName=name, ServiceName="web", QueryParameters={"color": "blue"})["Instances"]
check(sorted(i["InstanceId"] for i in blue) == ["i-1", "i-2"], blue)
revision = found["InstancesRevision"]
sd.update_instance_custom_health_status(ServiceId=service["Id"], InstanceId="i-1", Status="UNHEALTHY")
healthy = data.discover_instances(NamespaceName=name, ServiceName="web")
check(sorted(i["InstanceId"] for i in healthy["Instances"]) == ["i-0", "i-2"] and healthy["InstancesRevision"] > revision, healthy)
statuses = sd.get_instances_health_status(ServiceId=service["Id"])["Status"]
check(statuses == {"i-0": "HEALTHY", "i-1": "UNHEALTHY", "i-2": "HEALTHY"}, statuses)
listed, token = [], None
while True:
    page = sd.list_instances(ServiceId=service["Id"], MaxResults=1, **({"NextToken": token} if token else {}))
    listed.extend(i["Id"] for i in page["Instances"])
    token = page.get("NextToken")
    if not token:
        break
check(listed == ["i-0", "i-1", "i-2"], f"each instance once across pages: {listed}")
expect("ResourceInUse", sd.delete_service, Id=service["Id"])
expect("ResourceInUse", sd.delete_namespace, Id=namespace_id)
register_ops = sd.list_operations(Filters=[{"Name": "TYPE", "Values": ["REGISTER_INSTANCE"]},
                                           {"Name": "SERVICE_ID", "Values": [service["Id"]]}])["Operations"]
check(len(register_ops) == 3, register_ops)
sd.tag_resource(ResourceARN=service["Arn"], Tags=[{"Key": "tier", "Value": "front"}])
check(sd.list_tags_for_resource(ResourceARN=service["Arn"])["Tags"] == [{"Key": "tier", "Value": "front"}], "service tags")
check(sd.list_tags_for_resource(ResourceARN=namespace["Arn"])["Tags"] == [{"Key": "team", "Value": "net"}], "namespace tags")
for index in range(3):
    finished(sd.deregister_instance(ServiceId=service["Id"], InstanceId=f"i-{index}")["OperationId"])
expect("InstanceNotFound", sd.get_instance, ServiceId=service["Id"], InstanceId="i-0")

# An ECS service registers its tasks.
registry = sd.create_service(Name="api", NamespaceId=private_id,
                             DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}]},
                             HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]
subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
cluster = unique("cm")
ecs.create_cluster(clusterName=cluster)
family = unique("cm")
ecs.register_task_definition(
    family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{"name": "app", "image": "busybox", "command": ["sh", "-c", "sleep 120"],
                           "environment": [{"name": "PATH", "value": os.environ["SOCKERLESS_WORKLOAD_PATH"]}]}])
ecs.create_service(cluster=cluster, serviceName="api", taskDefinition=family, desiredCount=2, launchType="FARGATE",
                   networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]]}},
                   serviceRegistries=[{"registryArn": registry["Arn"]}])
instances = []
for _ in range(100):
    instances = data.discover_instances(NamespaceName=private_name, ServiceName="api")["Instances"]
    if len(instances) == 2:
        break
    time.sleep(0.2)
check(len(instances) == 2, f"both tasks registered: {instances}")
tasks = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(cluster=cluster, serviceName="api")["taskArns"])["tasks"]
addresses = {t["taskArn"].rsplit("/", 1)[1]: {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["privateIPv4Address"] for t in tasks}
for instance in instances:
    attributes = instance["Attributes"]
    check(attributes["AWS_INSTANCE_IPV4"] == addresses[instance["InstanceId"]], f"{instance} {addresses}")
    check(ipaddress.ip_address(attributes["AWS_INSTANCE_IPV4"]) in ipaddress.ip_network(subnet["CidrBlock"]), attributes)
    check(attributes["ECS_CLUSTER_NAME"] == cluster and attributes["ECS_SERVICE_NAME"] == "api", attributes)
    check(attributes["ECS_TASK_DEFINITION_FAMILY"] == family and attributes["AVAILABILITY_ZONE"] == subnet["AvailabilityZone"], attributes)

ecs.update_service(cluster=cluster, service="api", desiredCount=0)
for _ in range(150):
    instances = data.discover_instances(NamespaceName=private_name, ServiceName="api", HealthStatus="ALL")["Instances"]
    if not instances:
        break
    time.sleep(0.2)
check(instances == [], f"scaled to zero, no instance left: {instances}")
ecs.delete_service(cluster=cluster, service="api")
sd.delete_service(Id=registry["Id"])
sd.delete_service(Id=service["Id"])
finished(sd.delete_namespace(Id=private_id)["OperationId"])
finished(sd.delete_namespace(Id=namespace_id)["OperationId"])
expect("NamespaceNotFound", sd.get_namespace, Id=namespace_id)
done("cloudmap_ecs")
