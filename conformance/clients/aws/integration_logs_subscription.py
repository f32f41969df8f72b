"""CloudWatch Logs subscription filters delivering to a Lambda function: PutSubscriptionFilter
refuses a function whose policy does not let CloudWatch Logs invoke it, with AWS's message;
with the permission, each PutLogEvents hands the events the filter pattern matches to the
function as {"awslogs": {"data": base64(gzip(json))}}, the JSON being AWS's DATA_MESSAGE
(messageType, owner, logGroup, logStream, subscriptionFilters, logEvents with the same id,
timestamp and message FilterLogEvents shows). The function records what it decoded in its own
log, which the scenario reads back."""
import json
import time

from common import check, client, done, unique
from lambda_helpers import create, role

lam = client("lambda")
logs = client("logs")
account = client("sts").get_caller_identity()["Account"]
region = logs.meta.region_name
role_arn = role()

name = unique("subscriber")
function_arn = create(lam, name, role_arn, {"app.py": (
    "import base64, gzip, json\n"
    "def handler(event, context):\n"
    "    assert list(event) == ['awslogs'] and list(event['awslogs']) == ['data'], event\n"
    "    decoded = json.loads(gzip.decompress(base64.b64decode(event['awslogs']['data'])))\n"
    "    print('DELIVERED ' + json.dumps(decoded, sort_keys=True))\n"
)})["FunctionArn"]

group = unique("/app/subscribed")
logs.create_log_group(logGroupName=group)
logs.create_log_stream(logGroupName=group, logStreamName="web")

try:
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR", destinationArn=function_arn)
    check(False, "a function without CloudWatch Logs' permission was accepted")
except logs.exceptions.InvalidParameterException as error:
    check(error.response["Error"]["Message"] == "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.",
          f"message: {error.response['Error']}")
lam.add_permission(FunctionName=name, StatementId="logs", Action="lambda:InvokeFunction", Principal=f"logs.{region}.amazonaws.com",
                   SourceArn=f"arn:aws:logs:{region}:{account}:log-group:{group}:*", SourceAccount=account)
logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR", destinationArn=function_arn)
check(logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"][0]["destinationArn"] == function_arn, "filter stored")
done("PutSubscriptionFilter checks the function's permission")

now = int(time.time() * 1000)
logs.put_log_events(logGroupName=group, logStreamName="web", logEvents=[
    {"timestamp": now, "message": "INFO all good"},
    {"timestamp": now + 1, "message": "ERROR disk full"},
    {"timestamp": now + 2, "message": "ERROR again"},
])

deadline = time.time() + 30
delivered = []
while time.time() < deadline:
    try:
        messages = [e["message"] for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]]
    except logs.exceptions.ResourceNotFoundException:
        messages = []
    delivered = [json.loads(m[len("DELIVERED "):]) for m in messages if m.startswith("DELIVERED ")]
    if delivered:
        break
    time.sleep(0.2)
check(len(delivered) == 1, f"deliveries: {delivered}")
data = delivered[0]
check(data["messageType"] == "DATA_MESSAGE" and data["owner"] == account, f"header: {data}")
check(data["logGroup"] == group and data["logStream"] == "web" and data["subscriptionFilters"] == ["errors"], f"header: {data}")
stored = {e["message"]: e for e in logs.filter_log_events(logGroupName=group)["events"]}
check([e["message"] for e in data["logEvents"]] == ["ERROR disk full", "ERROR again"], f"events: {data['logEvents']}")
for event in data["logEvents"]:
    check(set(event) == {"id", "timestamp", "message"}, f"event members: {event}")
    check(event["id"] == stored[event["message"]]["eventId"] and event["timestamp"] == stored[event["message"]]["timestamp"], f"event: {event}")
done("matching events are delivered in AWS's payload")
