"""ECS container secrets: a task whose container echoes $DB_PASSWORD (from a Secrets Manager
secret's JSON key) and $API_TOKEN (from an SSM SecureString) shows both values in its awslogs
stream; a task naming a missing secret stops with ECS's TaskFailedToStart and its
ResourceInitializationError reason."""
import json
import os

from common import check, client, done, unique

ecs = client("ecs")
logs = client("logs")
iam = client("iam")
sm = client("secretsmanager")
ssm = client("ssm")

cluster = unique("secrets-cluster")
ecs.create_cluster(clusterName=cluster)
group = unique("/ecs/secrets")
logs.create_log_group(logGroupName=group)
awslogs = {"logDriver": "awslogs", "options": {"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "s"}}
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
execution_role = iam.create_role(RoleName=unique("exec-role"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]

secret_arn = sm.create_secret(Name=unique("db"), SecretString=json.dumps({"username": "app", "password": "pa55-w0rd"}))["ARN"]
parameter = "/" + unique("app") + "/token"
ssm.put_parameter(Name=parameter, Value="tok-123", Type="SecureString")
path = {"name": "PATH", "value": os.environ.get("SOCKERLESS_WORKLOAD_PATH", os.environ.get("PATH", ""))}


def run(secrets):
    family = unique("secrets")
    ecs.register_task_definition(
        family=family, executionRoleArn=execution_role,
        containerDefinitions=[{
            "name": "app", "image": "busybox", "memory": 64, "logConfiguration": awslogs,
            "command": ["sh", "-c", 'echo "password=$DB_PASSWORD token=$API_TOKEN"'],
            "environment": [path], "secrets": secrets,
        }],
    )
    arn = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]


task = run([
    {"name": "DB_PASSWORD", "valueFrom": f"{secret_arn}:password::"},
    {"name": "API_TOKEN", "valueFrom": parameter},
])
check(task["containers"][0].get("exitCode") == 0, f"the task ran: {task}")
stream = f"s/app/{task['taskArn'].rsplit('/', 1)[1]}"
messages = [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]]
check(messages == ["password=pa55-w0rd token=tok-123"], f"secrets in the environment: {messages}")

missing = secret_arn.rsplit(":", 1)[0] + ":" + unique("gone") + "-AbCdEf"
failed = run([{"name": "DB_PASSWORD", "valueFrom": missing}])
check(failed["stopCode"] == "TaskFailedToStart", f"stop code: {failed}")
reason = failed["stoppedReason"]
check(reason.startswith("ResourceInitializationError: unable to pull secrets or registry auth:") and missing in reason, f"reason: {reason}")
check("ResourceNotFoundException" in reason, f"reason names the error: {reason}")
done("secrets_ecs")
