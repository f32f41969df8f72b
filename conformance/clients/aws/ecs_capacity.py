"""ECS capacity through boto3: capacity providers (the built-in FARGATE ones and Auto Scaling
group ones), their association with clusters, strategies that decide each task's provider and
launch type, account settings with their effective values, and cluster settings."""
from common import check, client, done, expect_code, fail, unique

ecs = client("ecs")


def paged(call, key, **kwargs):
    """Every item of a listing, asking for one per page; checks no page holds more."""
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


# Account settings: nothing set lists nothing; effective settings show ECS's defaults.
check(ecs.list_account_settings()["settings"] == [], "no settings of the caller's own")
effective = {s["name"]: s for s in ecs.list_account_settings(effectiveSettings=True, maxResults=10)["settings"]}
check(effective["serviceLongArnFormat"] == {"name": "serviceLongArnFormat", "value": "enabled",
                                            "principalArn": "arn:aws:iam::123456789012:root", "type": "user"}, f"{effective}")
check(effective["containerInsights"]["value"] == "disabled", f"{effective['containerInsights']}")
put = ecs.put_account_setting(name="containerInsights", value="enhanced")["setting"]
check(put == {"name": "containerInsights", "value": "enhanced", "principalArn": "arn:aws:iam::123456789012:root", "type": "user"}, f"{put}")
user = "arn:aws:iam::123456789012:user/alice"
ecs.put_account_setting(name="awsvpcTrunking", value="enabled", principalArn=user)
default = ecs.put_account_setting_default(name="fargateTaskRetirementWaitPeriod", value="14")["setting"]
check(default["principalArn"] == "arn:aws:iam::123456789012:root" and default["value"] == "14", f"{default}")
alice = {s["name"]: s["value"] for s in ecs.list_account_settings(principalArn=user, effectiveSettings=True, maxResults=10)["settings"]}
check(alice["awsvpcTrunking"] == "enabled" and alice["containerInsights"] == "enhanced", f"her own, then the account's: {alice}")
seen = [s["name"] for s in paged(ecs.list_account_settings, "settings", effectiveSettings=True)]
check(len(seen) == len(set(seen)) == 11, f"every setting once: {seen}")
check([s["name"] for s in ecs.list_account_settings(name="containerInsights", value="enhanced")["settings"]] == ["containerInsights"], "filtered")
expect_code("InvalidParameterException", ecs.list_account_settings, value="enabled")
expect_code("InvalidParameterException", ecs.put_account_setting, name="serviceLongArnFormat", value="enhanced")
expect_code("InvalidParameterException", ecs.put_account_setting, name="fargateTaskRetirementWaitPeriod", value="3")
expect_code("InvalidParameterException", ecs.put_account_setting, name="guardDutyActivate", value="on")
# A new cluster takes Container Insights from the account setting.
insightful = unique("insights")
settings = ecs.create_cluster(clusterName=insightful)["cluster"]["settings"]
check(settings == [{"name": "containerInsights", "value": "enhanced"}], f"{settings}")
deleted = ecs.delete_account_setting(name="containerInsights")["setting"]
check(deleted["value"] == "enhanced", f"{deleted}")
check(ecs.list_account_settings(name="containerInsights")["settings"] == [], "deleted")
updated = ecs.update_cluster_settings(cluster=insightful, settings=[{"name": "containerInsights", "value": "disabled"}])["cluster"]
check(updated["settings"] == [{"name": "containerInsights", "value": "disabled"}], f"{updated['settings']}")
expect_code("InvalidParameterException", ecs.update_cluster_settings, cluster=insightful,
            settings=[{"name": "containerInsights", "value": "sometimes"}])
expect_code("ClusterNotFoundException", ecs.update_cluster_settings, cluster=unique("nope"),
            settings=[{"name": "containerInsights", "value": "enabled"}])
configured = ecs.update_cluster(cluster=insightful, configuration={"executeCommandConfiguration": {"logging": "DEFAULT"}})["cluster"]
check(configured["configuration"] == {"executeCommandConfiguration": {"logging": "DEFAULT"}}, f"{configured}")
described = ecs.describe_clusters(clusters=[insightful], include=["CONFIGURATIONS", "SETTINGS"])["clusters"][0]
check(described["configuration"] == configured["configuration"], f"{described}")

# Capacity providers: the built-in ones, then an Auto Scaling group one.
builtin = ecs.describe_capacity_providers(capacityProviders=["FARGATE", "FARGATE_SPOT"])["capacityProviders"]
check([p["name"] for p in builtin] == ["FARGATE", "FARGATE_SPOT"] and all(p["status"] == "ACTIVE" for p in builtin), f"{builtin}")
asg = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1234:autoScalingGroupName/web"
name = unique("asg-provider")
created = ecs.create_capacity_provider(name=name, autoScalingGroupProvider={
    "autoScalingGroupArn": asg, "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
    "managedTerminationProtection": "ENABLED"}, tags=[{"key": "team", "value": "infra"}])["capacityProvider"]
check(created["autoScalingGroupProvider"] == {"autoScalingGroupArn": asg, "managedScaling": {
    "status": "ENABLED", "targetCapacity": 90, "minimumScalingStepSize": 1, "maximumScalingStepSize": 10000,
    "instanceWarmupPeriod": 300}, "managedTerminationProtection": "ENABLED", "managedDraining": "ENABLED"}, f"{created}")
check(created["capacityProviderArn"] == f"arn:aws:ecs:us-east-1:123456789012:capacity-provider/{name}", created["capacityProviderArn"])
check(error_of(ecs.create_capacity_provider, name=name, autoScalingGroupProvider={"autoScalingGroupArn": asg + "2"})[1]
      == "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.",
      "duplicate name")
expect_code("InvalidParameterException", ecs.create_capacity_provider, name="fargate-mine",
            autoScalingGroupProvider={"autoScalingGroupArn": asg + "3"})
described = ecs.describe_capacity_providers(capacityProviders=[name, unique("missing")], include=["TAGS"])
check(described["capacityProviders"][0]["tags"] == [{"key": "team", "value": "infra"}], f"{described}")
check(described["failures"][0]["reason"] == "MISSING", f"{described['failures']}")
listed = [p["name"] for p in paged(ecs.describe_capacity_providers, "capacityProviders")]
check(listed.count(name) == 1 and listed.count("FARGATE") == 1 and listed.count("FARGATE_SPOT") == 1, f"each once: {listed}")
updated = ecs.update_capacity_provider(name=name, autoScalingGroupProvider={"managedScaling": {"targetCapacity": 75}})["capacityProvider"]
check(updated["autoScalingGroupProvider"]["managedScaling"]["targetCapacity"] == 75
      and updated["autoScalingGroupProvider"]["managedScaling"]["status"] == "ENABLED", f"{updated}")
check(updated["updateStatus"] == "UPDATE_COMPLETE", f"{updated}")

# Associating providers with a cluster, and the strategies that use them.
cluster = unique("capacity")
ecs.create_cluster(clusterName=cluster)
expect_code("InvalidParameterException", ecs.put_cluster_capacity_providers, cluster=cluster,
            capacityProviders=[unique("ghost")], defaultCapacityProviderStrategy=[])
expect_code("InvalidParameterException", ecs.put_cluster_capacity_providers, cluster=cluster,
            capacityProviders=["FARGATE", name], defaultCapacityProviderStrategy=[
                {"capacityProvider": "FARGATE", "weight": 1}, {"capacityProvider": name, "weight": 1}])
strategy = [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}, {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}]
put = ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                         defaultCapacityProviderStrategy=strategy)["cluster"]
check(put["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"] and put["defaultCapacityProviderStrategy"] == strategy, f"{put}")
check(put["attachmentsStatus"] == "UPDATE_COMPLETE", f"{put}")
read = ecs.describe_clusters(clusters=[cluster])["clusters"][0]
check(read["defaultCapacityProviderStrategy"] == strategy, f"{read}")
family = unique("fargate")
ecs.register_task_definition(family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                             containerDefinitions=[{"name": "a", "image": "busybox", "command": ["sh", "-c", "sleep 30"]}])
# A subnet of the account's default VPC: ECS checks that a task's subnets exist.
default_subnet = client("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
network = {"awsvpcConfiguration": {"subnets": [default_subnet]}}
tasks = ecs.run_task(cluster=cluster, taskDefinition=family, count=5, networkConfiguration=network)["tasks"]
providers = [t["capacityProviderName"] for t in tasks]
check(providers.count("FARGATE") == 2 and providers.count("FARGATE_SPOT") == 3, f"base first, then 1:3: {providers}")
check(all(t["launchType"] == "FARGATE" and t["platformVersion"] == "1.4.0" for t in tasks), f"{tasks[0]}")
spot = ecs.run_task(cluster=cluster, taskDefinition=family, networkConfiguration=network,
                    capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])["tasks"][0]
check(spot["capacityProviderName"] == "FARGATE_SPOT", f"{spot}")
check(error_of(ecs.run_task, cluster=cluster, taskDefinition=family, networkConfiguration=network, launchType="FARGATE",
               capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}])
      == ("InvalidParameterException", "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."),
      "launch type and strategy")
expect_code("InvalidParameterException", ecs.run_task, cluster=cluster, taskDefinition=family, networkConfiguration=network,
            capacityProviderStrategy=[{"capacityProvider": name, "weight": 1}])
expect_code("PlatformUnknownException", ecs.run_task, cluster=cluster, taskDefinition=family, networkConfiguration=network,
            launchType="FARGATE", platformVersion="9.9.9")
service = ecs.create_service(cluster=cluster, serviceName=unique("spot"), taskDefinition=family, desiredCount=1,
                             networkConfiguration=network, capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])["service"]
check(service["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
      or service["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1}], f"{service}")
check("launchType" not in service and service["deployments"][0]["capacityProviderStrategy"] == service["capacityProviderStrategy"], f"{service}")
# A provider that services use cannot be taken from the cluster.
check(error_of(ecs.put_cluster_capacity_providers, cluster=cluster, capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[])[0]
      == "ResourceInUseException", "in use")
ecs.delete_service(cluster=cluster, service=service["serviceName"], force=True)
for task in tasks + [spot]:
    ecs.stop_task(cluster=cluster, task=task["taskArn"])

# An associated provider cannot be deleted; a free one can.
asg_cluster = unique("asg-cluster")
ecs.create_cluster(clusterName=asg_cluster, capacityProviders=[name], defaultCapacityProviderStrategy=[{"capacityProvider": name, "weight": 1}])
expect_code("InvalidParameterException", ecs.delete_capacity_provider, capacityProvider=name)
ecs.put_cluster_capacity_providers(cluster=asg_cluster, capacityProviders=[], defaultCapacityProviderStrategy=[])
gone = ecs.delete_capacity_provider(capacityProvider=name)["capacityProvider"]
check(gone["updateStatus"] == "DELETE_IN_PROGRESS", f"{gone}")
after = ecs.describe_capacity_providers(capacityProviders=[name])["capacityProviders"][0]
check((after["status"], after["updateStatus"]) == ("INACTIVE", "DELETE_COMPLETE"), f"{after}")
expect_code("InvalidParameterException", ecs.delete_capacity_provider, capacityProvider="FARGATE")
done("ecs capacity")
