"""ECS container instances and what their agent does, through boto3: registration, attribute
filters and custom attributes, draining, the agent's state changes folded into a task, agent
updates; daemon task definitions and daemons on Managed Instances providers; and the answers
for what the simulator cannot provide (ECS Exec, Express services)."""
import json

from common import check, client, done, expect_code, fail, unique

ecs = client("ecs")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
iam = client("iam")
cluster = unique("instances")
ecs.create_cluster(clusterName=cluster)


def paged(call, key, **kwargs):
    items, token = [], None
    while True:
        page = call(maxResults=1, **kwargs, **({"nextToken": token} if token else {}))
        check(len(page[key]) <= 1, f"{call.__name__}: a page of more than one: {page[key]}")
        items.extend(page[key])
        token = page.get("nextToken")
        if not token:
            return items


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ecs.exceptions.ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    fail(f"{call.__name__} succeeded, expected an error")


document = json.dumps({"instanceId": "i-0123456789abcdef0", "region": "us-east-1"})
registered = [
    ecs.register_container_instance(
        cluster=cluster, instanceIdentityDocument=document if index == 0 else json.dumps({"instanceId": f"i-{index:017x}"}),
        versionInfo={"agentVersion": "1.29.0", "agentHash": "a190a73f", "dockerVersion": "DockerVersion: 18.06.1-ce"},
        attributes=[{"name": "ecs.instance-type", "value": "t3.micro" if index < 2 else "m5.large"}, {"name": "ecs.os-type", "value": "linux"}],
        tags=[{"key": "rack", "value": str(index)}],
    )["containerInstance"]
    for index in range(3)
]
first = registered[0]
check(first["ec2InstanceId"] == "i-0123456789abcdef0" and first["status"] == "ACTIVE" and first["agentConnected"], f"{first}")
check(first["containerInstanceArn"].startswith(f"arn:aws:ecs:us-east-1:123456789012:container-instance/{cluster}/"), first["containerInstanceArn"])
arns = [i["containerInstanceArn"] for i in registered]
check(sorted(paged(ecs.list_container_instances, "containerInstanceArns", cluster=cluster)) == sorted(arns), "each once")
micro = ecs.list_container_instances(cluster=cluster, filter="attribute:ecs.instance-type == t3.micro")["containerInstanceArns"]
check(sorted(micro) == sorted(arns[:2]), f"{micro}")
check(ecs.list_container_instances(cluster=cluster, filter="attribute:ecs.instance-type in [m5.large, c5.large]")["containerInstanceArns"] == [arns[2]], "in")
check(ecs.describe_clusters(clusters=[cluster])["clusters"][0]["registeredContainerInstancesCount"] == 3, "counted")
described = ecs.describe_container_instances(cluster=cluster, containerInstances=[arns[0], "0" * 32], include=["TAGS"])
check(described["containerInstances"][0]["tags"] == [{"key": "rack", "value": "0"}], f"{described}")
check(described["failures"] == [{"arn": "0" * 32, "reason": "MISSING"}], f"{described['failures']}")

# Custom attributes on instances, listed one at a time.
put = ecs.put_attributes(cluster=cluster, attributes=[{"name": "stack", "value": "prod", "targetId": arns[0]},
                                                       {"name": "stack", "value": "dev", "targetId": arns[1].rsplit("/", 1)[1]}])
check(put["attributes"][1] == {"name": "stack", "value": "dev", "targetId": arns[1]}, f"{put}")
stacks = paged(ecs.list_attributes, "attributes", cluster=cluster, targetType="container-instance", attributeName="stack")
check(sorted((a["targetId"], a["value"]) for a in stacks) == sorted([(arns[0], "prod"), (arns[1], "dev")]), f"{stacks}")
prod = ecs.list_attributes(cluster=cluster, targetType="container-instance", attributeName="stack", attributeValue="prod")["attributes"]
check([a["targetId"] for a in prod] == [arns[0]], f"{prod}")
check(ecs.list_container_instances(cluster=cluster, filter="attribute:stack == prod")["containerInstanceArns"] == [arns[0]], "custom filter")
removed = ecs.delete_attributes(cluster=cluster, attributes=[{"name": "stack", "targetId": arns[0]}])["attributes"]
check(removed == [{"name": "stack", "value": "prod", "targetId": arns[0]}], f"{removed}")
expect_code("TargetNotFoundException", ecs.put_attributes, cluster=cluster, attributes=[{"name": "x", "targetId": "0" * 32}])
check(error_of(ecs.put_attributes, cluster=cluster,
               attributes=[{"name": f"a{i}", "value": "v", "targetId": arns[2]} for i in range(11)])[0] == "AttributeLimitExceededException",
      "ten custom attributes at most")
expect_code("InvalidParameterException", ecs.list_attributes, cluster=cluster, targetType="container-instance", attributeValue="prod")

# The agent's state changes fold into the task; its endpoints are ECS's for the region.
endpoint = ecs.discover_poll_endpoint(containerInstance=arns[0], cluster=cluster)
check(endpoint["endpoint"] == "https://ecs-a-1.us-east-1.amazonaws.com/", f"{endpoint}")
family = unique("agent")
ecs.register_task_definition(family=family, containerDefinitions=[{"name": "app", "image": "busybox", "memory": 8,
                                                                    "command": ["sh", "-c", "sleep 30"]}])
task = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[arns[2]])["tasks"][0]
check(task["containerInstanceArn"] == arns[2], f"{task}")
ack = ecs.submit_container_state_change(cluster=cluster, task=task["taskArn"], containerName="app", runtimeId="abc123",
                                        status="RUNNING", networkBindings=[{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 32768, "protocol": "tcp"}])
check(ack["acknowledgment"] == "ACK", f"{ack}")
container = ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"][0]["containers"][0]
check(container["networkBindings"] == [{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 32768, "protocol": "tcp"}], f"{container}")
ecs.submit_task_state_change(cluster=cluster, task=task["taskArn"], status="STOPPED", reason="agent says so",
                             containers=[{"containerName": "app", "exitCode": 7, "status": "STOPPED"}])
stopped = ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"][0]
check(stopped["lastStatus"] == "STOPPED" and stopped["stoppedReason"] == "agent says so", f"{stopped}")
check(stopped["containers"][0]["exitCode"] == 7, f"{stopped['containers']}")
expect_code("InvalidParameterException", ecs.submit_task_state_change, cluster=cluster, task="0" * 32, status="RUNNING")
ecs.stop_task(cluster=cluster, task=task["taskArn"])

# Agent updates: PENDING for an old agent; ECS's errors otherwise.
update = ecs.update_container_agent(cluster=cluster, containerInstance=arns[0])["containerInstance"]
check(update["agentUpdateStatus"] == "PENDING", f"{update}")
expect_code("UpdateInProgressException", ecs.update_container_agent, cluster=cluster, containerInstance=arns[0])
bare = ecs.register_container_instance(cluster=cluster)["containerInstance"]["containerInstanceArn"]
expect_code("MissingVersionException", ecs.update_container_agent, cluster=cluster, containerInstance=bare)

# Draining takes an instance out of placement; deregistration makes it INACTIVE.
state = ecs.update_container_instances_state(cluster=cluster, containerInstances=[arns[1], "0" * 32], status="DRAINING")
check(state["containerInstances"][0]["status"] == "DRAINING" and state["failures"][0]["reason"] == "MISSING", f"{state}")
check(ecs.list_container_instances(cluster=cluster, status="DRAINING")["containerInstanceArns"] == [arns[1]], "draining listed")
placed = ecs.run_task(cluster=cluster, taskDefinition=family, count=4)["tasks"]
check(arns[1] not in {t["containerInstanceArn"] for t in placed}, f"no task on a draining instance: {placed}")
for t in placed:
    ecs.stop_task(cluster=cluster, task=t["taskArn"])
ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[t["taskArn"] for t in placed], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
gone = ecs.deregister_container_instance(cluster=cluster, containerInstance=bare)["containerInstance"]
check(gone["status"] == "INACTIVE", f"{gone}")
check(bare not in ecs.list_container_instances(cluster=cluster)["containerInstanceArns"], "INACTIVE instances are not listed")

# Daemon task definitions and daemons (Managed Instances only).
role = iam.create_role(RoleName=unique("infra"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
daemon_family = unique("agentd")
first_definition = ecs.register_daemon_task_definition(family=daemon_family, cpu="256", memory="512", containerDefinitions=[
    {"name": "agent", "image": "public.ecr.aws/agent:1", "essential": True, "environment": [{"name": "A", "value": "1"}]}],
    tags=[{"key": "k", "value": "v"}])["daemonTaskDefinitionArn"]
check(first_definition == f"arn:aws:ecs:us-east-1:123456789012:daemon-task-definition/{daemon_family}:1", first_definition)
second_definition = ecs.register_daemon_task_definition(family=daemon_family, containerDefinitions=[
    {"name": "agent", "image": "public.ecr.aws/agent:2"}])["daemonTaskDefinitionArn"]
latest = ecs.describe_daemon_task_definition(daemonTaskDefinition=daemon_family)["daemonTaskDefinition"]
check(latest["daemonTaskDefinitionArn"] == second_definition and latest["revision"] == 2, f"{latest}")
old = ecs.describe_daemon_task_definition(daemonTaskDefinition=first_definition)["daemonTaskDefinition"]
check(old["containerDefinitions"] == [{"name": "agent", "image": "public.ecr.aws/agent:1", "essential": True,
                                       "environment": [{"name": "A", "value": "1"}]}] and old["cpu"] == "256", f"{old}")
listed = [d["arn"] for d in paged(ecs.list_daemon_task_definitions, "daemonTaskDefinitions", familyPrefix=daemon_family)]
check(listed == [first_definition, second_definition], f"{listed}")
managed = unique("managed")
ecs.create_capacity_provider(name=managed, cluster=cluster, managedInstancesProvider={
    "infrastructureRoleArn": role, "instanceLaunchTemplate": {
        "ec2InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/ecs", "networkConfiguration": {"subnets": ["subnet-1"]}}})
managed_arn = f"arn:aws:ecs:us-east-1:123456789012:capacity-provider/{managed}"
check(error_of(ecs.create_daemon, daemonName="d", clusterArn=cluster, daemonTaskDefinitionArn=first_definition,
               capacityProviderArns=["arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE"])[0] == "InvalidParameterException",
      "daemons need Managed Instances providers")
daemon = ecs.create_daemon(daemonName=unique("d"), clusterArn=cluster, daemonTaskDefinitionArn=first_definition,
                           capacityProviderArns=[managed_arn], tags=[{"key": "a", "value": "b"}])
check(daemon["status"] == "ACTIVE" and daemon["daemonArn"].startswith(f"arn:aws:ecs:us-east-1:123456789012:daemon/{cluster}/"), f"{daemon}")
detail = ecs.describe_daemon(daemonArn=daemon["daemonArn"])["daemon"]
check(detail["deploymentArn"] == daemon["deploymentArn"] and detail["currentRevisions"][0]["totalRunningCount"] == 0, f"{detail}")
revision = ecs.describe_daemon_revisions(daemonRevisionArns=[detail["currentRevisions"][0]["arn"]])["daemonRevisions"][0]
check(revision["daemonTaskDefinitionArn"] == first_definition, f"{revision}")
updated = ecs.update_daemon(daemonArn=daemon["daemonArn"], daemonTaskDefinitionArn=second_definition, capacityProviderArns=[managed_arn])
deployments = [d["daemonDeploymentArn"] for d in paged(ecs.list_daemon_deployments, "daemonDeployments", daemonArn=daemon["daemonArn"])]
check(deployments == [updated["deploymentArn"], daemon["deploymentArn"]], f"newest first: {deployments}")
deployment = ecs.describe_daemon_deployments(daemonDeploymentArns=[updated["deploymentArn"]])["daemonDeployments"][0]
check(deployment["sourceDaemonRevisions"][0]["arn"] == revision["daemonRevisionArn"], f"{deployment}")
check([d["daemonArn"] for d in paged(ecs.list_daemons, "daemonSummariesList", clusterArn=cluster)] == [daemon["daemonArn"]], "listed")
check(ecs.list_tags_for_resource(resourceArn=daemon["daemonArn"])["tags"] == [{"key": "a", "value": "b"}], "daemon tags")
ecs.delete_daemon(daemonArn=daemon["daemonArn"])
expect_code("DaemonNotFoundException", ecs.describe_daemon, daemonArn=daemon["daemonArn"])
ecs.delete_daemon_task_definition(daemonTaskDefinition=first_definition)
check(ecs.list_daemon_task_definitions(familyPrefix=daemon_family, status="DELETE_IN_PROGRESS")["daemonTaskDefinitions"][0]["arn"]
      == first_definition, "deleting")

# What the simulator cannot provide answers ECS's errors, never a fake success.
expect_code("InvalidParameterException", ecs.create_express_gateway_service, cluster=cluster, executionRoleArn=role,
            infrastructureRoleArn=role, primaryContainer={"image": "nginx"})
expect_code("InvalidParameterException", ecs.create_express_gateway_service, cluster=cluster, executionRoleArn=role,
            infrastructureRoleArn=role, primaryContainer={"image": "nginx"}, networkConfiguration={"subnets": ["subnet-1"]})
expect_code("ResourceNotFoundException", ecs.describe_express_gateway_service,
            serviceArn=f"arn:aws:ecs:us-east-1:123456789012:service/{cluster}/nope")
expect_code("ServiceNotFoundException", ecs.delete_express_gateway_service,
            serviceArn=f"arn:aws:ecs:us-east-1:123456789012:service/{cluster}/nope")
expect_code("NamespaceNotFoundException", ecs.list_services_by_namespace, namespace="nowhere")
done("ecs instances")
