"""ECS services through boto3: every member CreateService and UpdateService write is described
back as written (availabilityZoneRebalancing, deployment configuration, placement, service
registries, load balancers), service deployments and revisions follow each deployment, a stopped
deployment rolls back to the revision it replaced, daemon services follow their instances, and
listings page one at a time."""
import time

from common import check, client, done, expect_code, fail, unique

ecs = client("ecs")
cluster = unique("svc-cluster")
ecs.create_cluster(clusterName=cluster)
loop = "trap 'exit 0' TERM; while true; do sleep 0.1; done"


def register(family, **extra):
    container = {"name": "web", "image": "busybox", "memory": 32, "command": ["sh", "-c", loop],
                 "portMappings": [{"containerPort": 8080}], "stopTimeout": 2}
    container.update(extra)
    return ecs.register_task_definition(family=family, containerDefinitions=[container])["taskDefinition"]


def wait_for(what, predicate, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def service_of(name):
    return ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"][0]


family = unique("svc")
first = register(family)
load_balancers = [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef",
                   "containerName": "web", "containerPort": 8080}]
registries = [{"registryArn": "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abcdef", "containerName": "web",
               "containerPort": 8080}]
deployment_configuration = {
    "deploymentCircuitBreaker": {"enable": True, "rollback": False},
    "maximumPercent": 150,
    "minimumHealthyPercent": 50,
    "alarms": {"alarmNames": ["high-errors"], "rollback": False, "enable": True},
}
written = {
    "loadBalancers": load_balancers,
    "serviceRegistries": registries,
    "desiredCount": 1,
    "launchType": "EC2",
    "deploymentConfiguration": deployment_configuration,
    "placementConstraints": [{"type": "distinctInstance"}],
    "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "binpack", "field": "memory"}],
    "healthCheckGracePeriodSeconds": 45,
    "schedulingStrategy": "REPLICA",
    "deploymentController": {"type": "ECS"},
    "tags": [{"key": "app", "value": "web"}],
    "enableECSManagedTags": True,
    "propagateTags": "SERVICE",
    "enableExecuteCommand": True,
    "availabilityZoneRebalancing": "DISABLED",
}
name = unique("web")
created = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, **written)["service"]
for key, value in written.items():
    check(created[key] == value, f"create answers {key}: wrote {value!r}, got {created.get(key)!r}")
described = service_of(name)
for key, value in written.items():
    check(described[key] == value, f"describe reads {key}: wrote {value!r}, got {described.get(key)!r}")
check(described["taskDefinition"] == first["taskDefinitionArn"], "the family resolves to its latest revision")
check("tags" not in ecs.describe_services(cluster=cluster, services=[name])["services"][0], "tags only when asked for")

# A service made without those members gets ECS's defaults.
plain = unique("plain")
defaults = ecs.create_service(cluster=cluster, serviceName=plain, taskDefinition=family, desiredCount=0)["service"]
check(defaults["availabilityZoneRebalancing"] == "ENABLED", f"{defaults.get('availabilityZoneRebalancing')}")
check(defaults["deploymentConfiguration"] == {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                                              "maximumPercent": 200, "minimumHealthyPercent": 100}, f"{defaults['deploymentConfiguration']}")
check((defaults["propagateTags"], defaults["enableECSManagedTags"], defaults["launchType"]) == ("NONE", False, "EC2"), f"{defaults}")
check(defaults["loadBalancers"] == [] and defaults["serviceRegistries"] == [] and defaults["placementStrategy"] == [], f"{defaults}")

ecs.get_waiter("services_stable").wait(cluster=cluster, services=[name], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
task = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"], include=["TAGS"])["tasks"][0]
check({"key": "app", "value": "web"} in task["tags"], f"propagateTags SERVICE: {task['tags']}")
check({"key": "aws:ecs:serviceName", "value": name} in task["tags"], f"managed tags: {task['tags']}")
check(task["enableExecuteCommand"] is True, f"{task['enableExecuteCommand']}")
expect_code("InvalidParameterException", ecs.execute_command, cluster=cluster, task=task["taskArn"], command="ls", interactive=True)

# UpdateService: what it writes reads back; what it leaves out stays.
updates = {
    "availabilityZoneRebalancing": "ENABLED",
    "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": False, "rollback": False}, "maximumPercent": 200,
                                "minimumHealthyPercent": 100, "alarms": {"alarmNames": [], "rollback": False, "enable": False}},
    "placementStrategy": [{"type": "random"}],
    "healthCheckGracePeriodSeconds": 90,
    "enableExecuteCommand": False,
    "propagateTags": "TASK_DEFINITION",
}
updated = ecs.update_service(cluster=cluster, service=name, **updates)["service"]
for key, value in updates.items():
    check(updated[key] == value, f"update answers {key}: wrote {value!r}, got {updated.get(key)!r}")
after = service_of(name)
for key, value in updates.items():
    check(after[key] == value, f"describe after update {key}: wrote {value!r}, got {after.get(key)!r}")
for key in ("loadBalancers", "serviceRegistries", "placementConstraints", "enableECSManagedTags", "tags"):
    check(after[key] == written[key], f"{key} kept: {after[key]!r}")
check(len(after["deployments"]) == 1, "settings alone start no deployment")

# Service deployments and revisions follow each deployment.
first_deployment = after["currentServiceDeployment"]
first_revision = after["currentServiceRevisions"][0]["arn"]
check(first_deployment.startswith(f"arn:aws:ecs:us-east-1:123456789012:service-deployment/{cluster}/{name}/"), first_deployment)
wait_for("the first deployment to succeed", lambda: ecs.describe_service_deployments(
    serviceDeploymentArns=[first_deployment])["serviceDeployments"][0]["status"] == "SUCCESSFUL")
second = register(family)
ecs.update_service(cluster=cluster, service=name, taskDefinition=second["taskDefinitionArn"])
current = service_of(name)
second_deployment = current["currentServiceDeployment"]
check(second_deployment != first_deployment, "a new deployment")
deployment = ecs.describe_service_deployments(serviceDeploymentArns=[second_deployment, first_deployment + "x"])
check(deployment["failures"][0]["reason"] == "MISSING", f"{deployment['failures']}")
deployment = deployment["serviceDeployments"][0]
check(deployment["sourceServiceRevisions"][0]["arn"] == first_revision, f"{deployment['sourceServiceRevisions']}")
check(deployment["deploymentConfiguration"] == updates["deploymentConfiguration"], f"{deployment['deploymentConfiguration']}")
revision = ecs.describe_service_revisions(serviceRevisionArns=[deployment["targetServiceRevision"]["arn"]])["serviceRevisions"][0]
check(revision["taskDefinition"] == second["taskDefinitionArn"] and revision["loadBalancers"] == load_balancers, f"{revision}")
check(revision["containerImages"] == [{"containerName": "web", "image": "busybox"}], f"{revision['containerImages']}")

# Stopping the deployment rolls back to the revision it replaced.
stopped = ecs.stop_service_deployment(serviceDeploymentArn=second_deployment, stopType="ROLLBACK")
check(stopped["serviceDeploymentArn"] == second_deployment, f"{stopped}")
rolled = wait_for("the rollback to succeed", lambda: (lambda d: d if d["status"] == "ROLLBACK_SUCCESSFUL" else None)(
    ecs.describe_service_deployments(serviceDeploymentArns=[second_deployment])["serviceDeployments"][0]))
check(rolled["rollback"]["serviceRevisionArn"] == first_revision, f"{rolled['rollback']}")
check(service_of(name)["taskDefinition"] == first["taskDefinitionArn"], "the service runs the first revision again")
running = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"])["tasks"]
check([t["taskDefinitionArn"] for t in running] == [first["taskDefinitionArn"]], f"{[t['taskDefinitionArn'] for t in running]}")
try:
    ecs.stop_service_deployment(serviceDeploymentArn=second_deployment)
    fail("a finished deployment cannot be stopped")
except ecs.exceptions.ConflictException as error:
    check(error.response["resourceIds"] == [second_deployment], f"{error.response}")
expect_code("ServiceDeploymentNotFoundException", ecs.stop_service_deployment,
            serviceDeploymentArn=f"arn:aws:ecs:us-east-1:123456789012:service-deployment/{cluster}/{name}/nope")
listed, token = [], None
while True:
    page = ecs.list_service_deployments(cluster=cluster, service=name, maxResults=1, **({"nextToken": token} if token else {}))
    check(len(page["serviceDeployments"]) <= 1, f"{page}")
    listed.extend(d["serviceDeploymentArn"] for d in page["serviceDeployments"])
    token = page.get("nextToken")
    if not token:
        break
check(listed == [second_deployment, first_deployment], f"newest first, each once: {listed}")
successful = ecs.list_service_deployments(cluster=cluster, service=name, status=["SUCCESSFUL"])["serviceDeployments"]
check([d["serviceDeploymentArn"] for d in successful] == [first_deployment], f"{successful}")
expect_code("ServiceNotFoundException", ecs.list_service_deployments, cluster=cluster, service=unique("nope"))

# Load balancers must name a container and a port of the task definition.
expect_code("InvalidParameterException", ecs.create_service, cluster=cluster, serviceName=unique("bad"), taskDefinition=family,
            loadBalancers=[dict(load_balancers[0], containerPort=9999)])
expect_code("InvalidParameterException", ecs.create_service, cluster=cluster, serviceName=name, taskDefinition=family)
expect_code("InvalidParameterException", ecs.run_task, cluster=cluster, taskDefinition=family, launchType="EC2", platformVersion="1.4.0")

# A daemon service runs one task per ACTIVE container instance, and follows them.
daemon = unique("daemon")
ecs.create_service(cluster=cluster, serviceName=daemon, taskDefinition=family, schedulingStrategy="DAEMON")
check(service_of(daemon)["desiredCount"] == 0, "no instances, no tasks")
instances = [ecs.register_container_instance(cluster=cluster)["containerInstance"]["containerInstanceArn"] for _ in range(2)]
wait_for("a task on each instance", lambda: service_of(daemon)["runningCount"] == 2)
placed = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(cluster=cluster, serviceName=daemon)["taskArns"])["tasks"]
check(sorted(t["containerInstanceArn"] for t in placed) == sorted(instances), f"{placed}")
ecs.update_container_instances_state(cluster=cluster, containerInstances=[instances[0]], status="DRAINING")
wait_for("the draining instance's task to stop", lambda: len(ecs.list_tasks(cluster=cluster, serviceName=daemon)["taskArns"]) == 1)
check(service_of(daemon)["desiredCount"] == 1, "one ACTIVE instance left")

# Every service of the cluster, one page at a time, each once.
seen = []
for page in ecs.get_paginator("list_services").paginate(cluster=cluster, PaginationConfig={"PageSize": 1}):
    check(len(page["serviceArns"]) <= 1, f"{page}")
    seen.extend(page["serviceArns"])
check(sorted(seen) == sorted(s["serviceArn"] for s in ecs.describe_services(cluster=cluster, services=[name, plain, daemon])["services"]), f"{seen}")
check(ecs.list_services(cluster=cluster, schedulingStrategy="DAEMON")["serviceArns"] == [service_of(daemon)["serviceArn"]], "filtered")
for service in (name, plain, daemon):
    ecs.delete_service(cluster=cluster, service=service, force=True)
done("ecs services")
