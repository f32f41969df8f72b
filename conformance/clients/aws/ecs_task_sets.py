"""ECS task sets and task protection through boto3: an EXTERNAL-controller service whose task
sets really run their computed share of the desired count, a primary task set that gives the
service its task definition, deletion that drains, and scale-in protection the scheduler
honours until it is lifted."""
import time

from common import check, client, done, expect_code, fail, unique

ecs = client("ecs")
cluster = unique("sets")
ecs.create_cluster(clusterName=cluster)
loop = "trap 'exit 0' TERM; while true; do sleep 0.1; done"


def register(family):
    return ecs.register_task_definition(family=family, containerDefinitions=[
        {"name": "app", "image": "busybox", "memory": 16, "command": ["sh", "-c", loop], "stopTimeout": 2}])["taskDefinition"]


def wait_for(what, predicate, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(0.3)


def task_sets(service, **kwargs):
    return ecs.describe_task_sets(cluster=cluster, service=service, **kwargs)["taskSets"]


def running(service, task_set_id):
    arns = ecs.list_tasks(cluster=cluster, serviceName=service, startedBy=task_set_id)["taskArns"]
    return [t for t in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if t["lastStatus"] == "RUNNING"] if arns else []


family = unique("sets")
blue = register(family)
green = register(family)
service = unique("external")
created = ecs.create_service(cluster=cluster, serviceName=service, desiredCount=4, deploymentController={"type": "EXTERNAL"})["service"]
check(created["deploymentController"] == {"type": "EXTERNAL"} and created["taskSets"] == [] and created["deployments"] == [], f"{created}")
check("taskDefinition" not in created, "an EXTERNAL service needs no task definition")

first = ecs.create_task_set(cluster=cluster, service=service, taskDefinition=blue["taskDefinitionArn"], externalId="blue",
                            scale={"value": 50.0, "unit": "PERCENT"}, tags=[{"key": "color", "value": "blue"}])["taskSet"]
check(first["status"] == "ACTIVE" and first["externalId"] == "blue" and first["computedDesiredCount"] == 2, f"{first}")
check(first["taskSetArn"] == f"arn:aws:ecs:us-east-1:123456789012:task-set/{cluster}/{service}/{first['id']}", first["taskSetArn"])
check(first["id"].startswith("ecs-svc/") and first["launchType"] == "EC2", f"{first}")
second = ecs.create_task_set(cluster=cluster, service=service, taskDefinition=green["taskDefinitionArn"], externalId="green",
                             scale={"value": 25.0, "unit": "PERCENT"})["taskSet"]
check(second["computedDesiredCount"] == 1, f"{second}")
wait_for("the task sets' tasks", lambda: len(running(service, first["id"])) == 2 and len(running(service, second["id"])) == 1)
steady = wait_for("steady task sets", lambda: (lambda sets: sets if all(s["stabilityStatus"] == "STEADY_STATE" for s in sets) else None)(task_sets(service)))
check([s["runningCount"] for s in steady] == [2, 1], f"{steady}")
check(all("tags" not in s for s in steady), "tags only when asked for")
tagged = task_sets(service, taskSets=[first["taskSetArn"]], include=["TAGS"])[0]
check(tagged["tags"] == [{"key": "color", "value": "blue"}], f"{tagged}")
ecs.tag_resource(resourceArn=first["taskSetArn"], tags=[{"key": "stage", "value": "live"}])
check(len(ecs.list_tags_for_resource(resourceArn=first["taskSetArn"])["tags"]) == 2, "task sets take tags")
missing = ecs.describe_task_sets(cluster=cluster, service=service, taskSets=[first["id"], "ecs-svc/0"])
check(len(missing["taskSets"]) == 1 and missing["failures"][0]["reason"] == "MISSING", f"{missing}")

# The primary task set gives the service its task definition.
primary = ecs.update_service_primary_task_set(cluster=cluster, service=service, primaryTaskSet=second["taskSetArn"])["taskSet"]
check(primary["status"] == "PRIMARY", f"{primary}")
described = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
check(described["taskDefinition"] == green["taskDefinitionArn"], f"{described.get('taskDefinition')}")
check({s["id"]: s["status"] for s in described["taskSets"]} == {first["id"]: "ACTIVE", second["id"]: "PRIMARY"}, f"{described['taskSets']}")

# Scaling a task set changes how many tasks it keeps.
scaled = ecs.update_task_set(cluster=cluster, service=service, taskSet=second["id"], scale={"value": 100.0, "unit": "PERCENT"})["taskSet"]
check(scaled["computedDesiredCount"] == 4 and scaled["scale"] == {"value": 100.0, "unit": "PERCENT"}, f"{scaled}")
wait_for("four green tasks", lambda: len(running(service, second["id"])) == 4)
expect_code("InvalidParameterException", ecs.delete_task_set, cluster=cluster, service=service, taskSet=first["taskSetArn"])
drained = ecs.delete_task_set(cluster=cluster, service=service, taskSet=first["taskSetArn"], force=True)["taskSet"]
check(drained["status"] == "DRAINING" and drained["computedDesiredCount"] == 0, f"{drained}")
wait_for("the deleted task set to go", lambda: [s["id"] for s in task_sets(service)] == [second["id"]])
check(running(service, first["id"]) == [], "its tasks stopped")
expect_code("TaskSetNotFoundException", ecs.delete_task_set, cluster=cluster, service=service, taskSet=first["taskSetArn"])
expect_code("InvalidParameterException", ecs.update_service, cluster=cluster, service=service, taskDefinition=blue["taskDefinitionArn"])

# Task sets are for EXTERNAL services only.
rolling = unique("rolling")
ecs.create_service(cluster=cluster, serviceName=rolling, taskDefinition=family, desiredCount=2)
expect_code("InvalidParameterException", ecs.create_task_set, cluster=cluster, service=rolling, taskDefinition=family)
expect_code("ServiceNotFoundException", ecs.create_task_set, cluster=cluster, service=unique("none"), taskDefinition=family)
expect_code("ClusterNotFoundException", ecs.describe_task_sets, cluster=unique("none"), service=service)

# Task protection: a protected task survives scale-in until protection is lifted.
ecs.get_waiter("services_stable").wait(cluster=cluster, services=[rolling], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
arns = ecs.list_tasks(cluster=cluster, serviceName=rolling)["taskArns"]
unprotected = ecs.get_task_protection(cluster=cluster, tasks=arns)["protectedTasks"]
check(sorted(p["taskArn"] for p in unprotected) == sorted(arns) and not any(p["protectionEnabled"] for p in unprotected), f"{unprotected}")
protected = ecs.update_task_protection(cluster=cluster, tasks=arns, protectionEnabled=True, expiresInMinutes=60)["protectedTasks"]
check(all(p["protectionEnabled"] and "expirationDate" in p for p in protected), f"{protected}")
ecs.update_service(cluster=cluster, service=rolling, desiredCount=0)
time.sleep(2)
check(sorted(ecs.list_tasks(cluster=cluster, serviceName=rolling)["taskArns"]) == sorted(arns), "protected tasks are not scaled in")
lifted = ecs.update_task_protection(cluster=cluster, tasks=[arns[0]], protectionEnabled=False)["protectedTasks"]
check(lifted == [{"taskArn": arns[0], "protectionEnabled": False}], f"{lifted}")
wait_for("the unprotected task to stop", lambda: ecs.list_tasks(cluster=cluster, serviceName=rolling)["taskArns"] == [arns[1]])
standalone = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
result = ecs.update_task_protection(cluster=cluster, tasks=[standalone, "0" * 32], protectionEnabled=True)
check(result["protectedTasks"] == [], f"{result}")
check([f["reason"] for f in result["failures"]] == ["TASK_NOT_VALID", "MISSING"], f"{result['failures']}")
expect_code("InvalidParameterException", ecs.update_task_protection, cluster=cluster, tasks=[arns[1]], protectionEnabled=True,
            expiresInMinutes=5000)
ecs.update_task_protection(cluster=cluster, tasks=[arns[1]], protectionEnabled=False)
ecs.stop_task(cluster=cluster, task=standalone)
for name in (service, rolling):
    ecs.delete_service(cluster=cluster, service=name, force=True)
done("ecs task sets")
