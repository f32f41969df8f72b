"""CloudWatch Logs metric and subscription filters through boto3: metric filters put, counted
on their group, described by group, name prefix and metric (paged one at a time, each once),
replaced and deleted; TestMetricFilter's matches and extracted values; the service's errors for
bad patterns and missing filters; subscription filters to Kinesis, Firehose and Lambda
destinations refused with AWS's own errors (none of those services exists in the simulator);
and Logs destinations, whose Kinesis target cannot be reached either."""
from common import check, client, done, expect_code, unique

logs = client("logs")
base = unique("/sdk/filters")
groups = [f"{base}/a", f"{base}/b"]
for group in groups:
    logs.create_log_group(logGroupName=group)


def transformation(name, value="1", **extra):
    return [{"metricName": name, "metricNamespace": "Sockerless/Test", "metricValue": value, **extra}]


# Five filters over two groups.
logs.put_metric_filter(logGroupName=groups[0], filterName="errors", filterPattern="ERROR",
                       metricTransformations=transformation("Errors", defaultValue=0.0))
logs.put_metric_filter(logGroupName=groups[0], filterName="latency", filterPattern="{ $.latency > 0 }",
                       metricTransformations=transformation("Latency", "$.latency", unit="Milliseconds"))
logs.put_metric_filter(logGroupName=groups[0], filterName="bytes", filterPattern="[ip, user, status, bytes]",
                       metricTransformations=transformation("Bytes", "$bytes", dimensions={"Status": "$status"}))
logs.put_metric_filter(logGroupName=groups[1], filterName="errors", filterPattern="ERROR",
                       metricTransformations=transformation("Errors"))
logs.put_metric_filter(logGroupName=groups[1], filterName="warnings", filterPattern="WARN",
                       metricTransformations=transformation("Warnings"))

counts = {group["logGroupName"]: group["metricFilterCount"] for group in logs.describe_log_groups(logGroupNamePrefix=base)["logGroups"]}
check(counts == {groups[0]: 3, groups[1]: 2}, f"metricFilterCount: {counts}")

# A group's filters, one per page, each once, in name order.
seen, token = [], None
while True:
    kwargs = {"nextToken": token} if token else {}
    page = logs.describe_metric_filters(logGroupName=groups[0], limit=1, **kwargs)
    check(len(page["metricFilters"]) <= 1, f"one per page: {page}")
    seen += [f["filterName"] for f in page["metricFilters"]]
    token = page.get("nextToken")
    if not token:
        break
check(seen == ["bytes", "errors", "latency"], f"filters of {groups[0]}: {seen}")

described = logs.describe_metric_filters(logGroupName=groups[0], filterNamePrefix="lat")["metricFilters"]
check(len(described) == 1, f"by prefix: {described}")
latency = described[0]
check(latency["filterPattern"] == "{ $.latency > 0 }" and latency["logGroupName"] == groups[0], f"{latency}")
check(latency["metricTransformations"] == transformation("Latency", "$.latency", unit="Milliseconds"), f"transformations read back: {latency}")
check(latency["applyOnTransformedLogs"] is False and isinstance(latency["creationTime"], int), f"{latency}")
by_metric = logs.describe_metric_filters(metricName="Errors", metricNamespace="Sockerless/Test")["metricFilters"]
check(sorted((f["logGroupName"], f["filterName"]) for f in by_metric if f["logGroupName"].startswith(base)) == [(groups[0], "errors"), (groups[1], "errors")], f"by metric: {by_metric}")

# Replacing keeps one filter; deleting removes it; a missing one is AWS's error.
logs.put_metric_filter(logGroupName=groups[1], filterName="warnings", filterPattern="?WARN ?WARNING",
                       metricTransformations=transformation("Warnings"))
check([f["filterPattern"] for f in logs.describe_metric_filters(logGroupName=groups[1], filterNamePrefix="warn")["metricFilters"]] == ["?WARN ?WARNING"], "replaced")
logs.delete_metric_filter(logGroupName=groups[1], filterName="warnings")
try:
    logs.delete_metric_filter(logGroupName=groups[1], filterName="warnings")
    check(False, "deleted twice")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "The specified metric filter does not exist.", f"{error.response['Error']}")
try:
    logs.put_metric_filter(logGroupName=groups[1], filterName="bad", filterPattern="{ $.a = ",
                           metricTransformations=transformation("Bad"))
    check(False, "a bad pattern was accepted")
except logs.exceptions.InvalidParameterException as error:
    check(error.response["Error"]["Message"] == "Invalid metric filter pattern", f"{error.response['Error']}")
try:
    logs.put_metric_filter(logGroupName=f"{base}/missing", filterName="x", filterPattern="",
                           metricTransformations=transformation("X"))
    check(False, "a filter on a missing group was accepted")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "The specified log group does not exist.", f"{error.response['Error']}")
expect_code("InvalidParameterException", logs.put_metric_filter, logGroupName=groups[1], filterName="two", filterPattern="",
            metricTransformations=transformation("A") + transformation("B"))

# TestMetricFilter: which messages match, numbered from 0, with the values each yields.
messages = [
    '127.0.0.1 frank 200 1534',
    'not enough fields',
    '10.0.0.2 - 404 0',
]
matches = logs.test_metric_filter(filterPattern="[ip, user, status, bytes]", logEventMessages=messages)["matches"]
check([m["eventNumber"] for m in matches] == [0, 2], f"matching events: {matches}")
check(matches[0]["extractedValues"] == {"$ip": "127.0.0.1", "$user": "frank", "$status": "200", "$bytes": "1534"}, f"{matches[0]}")
check(matches[1]["eventMessage"] == messages[2], f"{matches[1]}")
matches = logs.test_metric_filter(filterPattern="[ip, user, status = 4*, bytes]", logEventMessages=messages)["matches"]
check([m["eventNumber"] for m in matches] == [2], f"conditions on fields: {matches}")
matches = logs.test_metric_filter(filterPattern='{ $.status = 500 && $.path = "/api*" }', logEventMessages=[
    '{"status": 500, "path": "/api/users"}', '{"status": 500, "path": "/web"}', 'not json'])["matches"]
check([(m["eventNumber"], m["extractedValues"]) for m in matches] == [(0, {"$.status": "500", "$.path": "/api/users"})], f"json: {matches}")
matches = logs.test_metric_filter(filterPattern='?ERROR ?FATAL -retry', logEventMessages=["an ERROR", "FATAL retry", "ok"])["matches"]
check([(m["eventNumber"], m["extractedValues"]) for m in matches] == [(0, {})], f"terms: {matches}")
expect_code("InvalidParameterException", logs.test_metric_filter, filterPattern="[a, ", logEventMessages=["x"])

# Subscription filters: each destination service the simulator lacks answers AWS's error for
# a destination that does not exist.
group = groups[0]
stream = "arn:aws:kinesis:us-east-1:123456789012:stream/missing"
role = "arn:aws:iam::123456789012:role/logs-to-kinesis"


def subscription_error(**kwargs):
    try:
        logs.put_subscription_filter(logGroupName=group, filterName="sub", filterPattern="", **kwargs)
    except logs.exceptions.ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    check(False, f"subscription accepted: {kwargs}")


check(subscription_error(destinationArn=stream, roleArn=role) == (
    "InvalidParameterException",
    "Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state.",
), "missing Kinesis stream")
check(subscription_error(destinationArn=stream) == (
    "InvalidParameterException", "destinationArn for vendor kinesis cannot be used without roleArn"), "kinesis without a role")
check(subscription_error(destinationArn="arn:aws:firehose:us-east-1:123456789012:deliverystream/missing", roleArn=role)[1].startswith(
    "Could not deliver test message to specified Firehose stream."), "missing Firehose stream")
check(subscription_error(destinationArn="arn:aws:lambda:us-east-1:123456789012:function:missing") == (
    "InvalidParameterException",
    "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.",
), "missing Lambda function")
check(subscription_error(destinationArn="arn:aws:lambda:us-east-1:210987654321:function:theirs")[0] == "AccessDeniedException", "cross-account Lambda")
check(subscription_error(destinationArn="arn:aws:logs:us-east-1:123456789012:destination:missing")[1].startswith(
    "Could not deliver test message to specified destination."), "missing Logs destination")
check(logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == [], "nothing was stored")
expect_code("ResourceNotFoundException", logs.describe_subscription_filters, logGroupName=f"{base}/missing")
try:
    logs.delete_subscription_filter(logGroupName=group, filterName="sub")
    check(False, "deleted a filter that does not exist")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "The specified subscription filter does not exist.", f"{error.response['Error']}")

# Destinations test their target too: a Kinesis stream that does not exist.
try:
    logs.put_destination(destinationName=unique("dest"), targetArn=stream, roleArn=role)
    check(False, "a destination to a missing stream was accepted")
except logs.exceptions.InvalidParameterException as error:
    check(error.response["Error"]["Message"].startswith("Could not deliver test message to specified Kinesis stream."), f"{error.response['Error']}")
check(logs.describe_destinations(DestinationNamePrefix="dest")["destinations"] == [], "no destination was stored")
expect_code("ResourceNotFoundException", logs.put_destination_policy, destinationName="missing", accessPolicy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"logs:PutSubscriptionFilter","Resource":"*"}]}')
expect_code("ResourceNotFoundException", logs.delete_destination, destinationName="missing")

# Deleting a group takes its filters with it.
logs.delete_log_group(logGroupName=groups[0])
logs.create_log_group(logGroupName=groups[0])
check(logs.describe_metric_filters(logGroupName=groups[0])["metricFilters"] == [], "filters went with their group")

done("logs metric and subscription filters")
