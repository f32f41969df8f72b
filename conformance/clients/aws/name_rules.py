"""AWS's name and quota rules, through boto3 with its own validation off (so the server's checks
are what is tested): ECS names and task definition quotas, CloudWatch Logs group names, IAM
names and paths, each refused with AWS's code and message and without storing anything."""
import botocore.config
import botocore.exceptions

from common import check, client, done, unique

unchecked = botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"})
ecs, logs, iam = (client(name, config=unchecked) for name in ("ecs", "logs", "iam"))


def refused(call, code, message=None, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = error.response["Error"]
        check(got["Code"] == code, f"{call.__name__}({kwargs}): expected {code}, got {got}")
        if message is not None:
            check(got["Message"] == message, f"{call.__name__}: expected {message!r}, got {got['Message']!r}")
        return
    check(False, f"{call.__name__}({kwargs}) succeeded")


pattern = r"^[a-zA-Z0-9\-_]{1,255}$"
for bad in ["../../etc", "web\r\nX-Injected: 1", "x" * 256, "a b"]:
    refused(ecs.create_cluster, "InvalidParameterException", clusterName=bad)
refused(ecs.create_cluster, "InvalidParameterException", f"Cluster must match {pattern}, but was ../../etc", clusterName="../../etc")
check(all(c["clusterName"] != "../../etc" for c in ecs.describe_clusters(clusters=["default"])["clusters"]), "nothing stored")
check(ecs.list_clusters()["clusterArns"] == [], "no cluster was created")

container = {"name": "app", "image": "busybox", "memory": 16}
refused(ecs.register_task_definition, "ClientException", "Family contains invalid characters.", family="../../etc", containerDefinitions=[container])
refused(ecs.register_task_definition, "ClientException", "Container.name contains invalid characters.",
        family=unique("f"), containerDefinitions=[dict(container, name="../app")])
refused(ecs.register_task_definition, "ClientException", "Too many containers.",
        family=unique("f"), containerDefinitions=[dict(container, name=f"c{i}") for i in range(11)])
huge = [{"name": f"V{i}", "value": "v" * 1000} for i in range(70)]
refused(ecs.register_task_definition, "ClientException", family=unique("f"),
        containerDefinitions=[dict(container, environment=huge)])
check(ecs.list_task_definition_families()["families"] == [], "no family was registered")
ok = ecs.register_task_definition(family=unique("ten"), containerDefinitions=[dict(container, name=f"c{i}") for i in range(10)])
check(len(ok["taskDefinition"]["containerDefinitions"]) == 10, "ten containers are allowed")
ecs.create_cluster(clusterName="rules")
refused(ecs.create_service, "InvalidParameterException", cluster="rules", serviceName="../svc",
        taskDefinition=ok["taskDefinition"]["taskDefinitionArn"], desiredCount=0)

refused(logs.create_log_group, "InvalidParameterException", "Log groups starting with AWS/ are reserved for AWS.", logGroupName="aws/mine")
refused(logs.create_log_group, "InvalidParameterException",
        "Invalid LogGroup or LogStream, both must have length less than or equal to 512.", logGroupName="a" * 513)
refused(logs.create_log_group, "InvalidParameterException",
        "1 validation error detected: Value '../x y' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
        logGroupName="../x y")
logs.create_log_group(logGroupName="/rules")
refused(logs.create_log_stream, "InvalidParameterException", logGroupName="/rules", logStreamName="a:b")

trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
refused(iam.create_role, "ValidationError",
        "The specified value for roleName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
        RoleName="../../etc", AssumeRolePolicyDocument=trust)
refused(iam.create_role, "ValidationError",
        "1 validation error detected: Value at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
        RoleName="r" * 65, AssumeRolePolicyDocument=trust)
refused(iam.create_role, "ValidationError",
        "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
        RoleName=unique("r"), Path="no-slashes", AssumeRolePolicyDocument=trust)
refused(iam.create_role, "ValidationError", RoleName=unique("r"), Path="/a\nb/", AssumeRolePolicyDocument=trust)
check(iam.list_roles()["Roles"] == [], "no role was created")
done("name rules")
