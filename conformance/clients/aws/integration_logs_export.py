"""CloudWatch Logs export tasks write to the simulator's S3: a bucket whose policy lets
logs.REGION.amazonaws.com GetBucketAcl and PutObject gets `<prefix>/aws-logs-write-test` and,
once DescribeExportTasks shows COMPLETED, one `<prefix>/<taskId>/<stream>/000000.gz` per stream
with events in [from, to], the gzip of `ISO-timestamp message` lines in time order; a missing
bucket, a bucket without such a policy, and a second active task answer AWS's errors;
DescribeExportTasks pages with limit=1 and returns each task once."""
import datetime
import gzip
import json
import time

from common import check, client, done, unique

logs = client("logs")
s3 = client("s3")
region = logs.meta.region_name
account = client("sts").get_caller_identity()["Account"]

group = unique("/export/group")
logs.create_log_group(logGroupName=group)
# An hour ago, on a whole second (PutLogEvents refuses events older than 14 days).
base = (int(time.time()) - 3600) * 1000


def iso(millis):
    moment = datetime.datetime.fromtimestamp(millis / 1000, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


for stream, events in {
    "app/one": [(base + 2000, "second line"), (base + 1000, "first line"), (base + 900_000, "too late")],
    "app/two": [(base + 1500, "from two")],
    "app/empty": [(base - 100_000, "too early")],
}.items():
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for t, m in sorted(events)])

def expect_invalid(message, **kwargs):
    try:
        logs.create_export_task(**kwargs)
    except logs.exceptions.InvalidParameterException as error:
        got = error.response["Error"]["Message"]
        check(got == message, f"message {got!r}, expected {message!r}")
        return
    check(False, f"create_export_task succeeded, expected InvalidParameterException: {kwargs}")

window = dict(logGroupName=group, fromTime=base, to=base + 60_000)
expect_invalid("The given bucket does not exist. Please make sure the bucket is valid.",
               destination=unique("absent"), **window)
bucket = unique("exports")
s3.create_bucket(Bucket=bucket)
expect_invalid("GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.",
               destination=bucket, **window)
service = {"Service": f"logs.{region}.amazonaws.com"}
acl_only = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": service, "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
]}
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(acl_only))
expect_invalid("PutObject call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation.",
               destination=bucket, **window)
policy = {"Version": "2012-10-17", "Statement": acl_only["Statement"] + [
    {"Effect": "Allow", "Principal": service, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account}}},
]}
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
check(not s3.list_objects_v2(Bucket=bucket).get("Contents"), "a refused task wrote objects")
done("AWS's checks before a task is accepted")

task_id = logs.create_export_task(taskName="first", destination=bucket, destinationPrefix="out/logs", **window)["taskId"]
test = s3.get_object(Bucket=bucket, Key="out/logs/aws-logs-write-test")["Body"].read()
check(test == b"Permission Check Successful", f"write test object: {test!r}")

seen = []
deadline = time.time() + 20
while time.time() < deadline:
    task = logs.describe_export_tasks(taskId=task_id)["exportTasks"][0]
    if not seen or seen[-1] != task["status"]["code"]:
        seen.append(task["status"]["code"])
    if task["status"]["code"] in ("COMPLETED", "FAILED"):
        break
    time.sleep(0.01)
check(seen[-1] == "COMPLETED", f"statuses: {seen} ({task['status']})")
check(seen[0] in ("PENDING", "RUNNING"), f"first status seen: {seen}")
check(task["taskName"] == "first" and task["logGroupName"] == group and task["destination"] == bucket, f"task: {task}")
check(task["destinationPrefix"] == "out/logs" and task["from"] == base and task["to"] == base + 60_000, f"task: {task}")
check(task["executionInfo"]["completionTime"] >= task["executionInfo"]["creationTime"], f"times: {task['executionInfo']}")

keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
expected = sorted(["out/logs/aws-logs-write-test", f"out/logs/{task_id}/app/one/000000.gz", f"out/logs/{task_id}/app/two/000000.gz"])
check(keys == expected, f"objects: {keys}")
one = gzip.decompress(s3.get_object(Bucket=bucket, Key=f"out/logs/{task_id}/app/one/000000.gz")["Body"].read()).decode()
check(one == f"{iso(base + 1000)} first line\n{iso(base + 2000)} second line\n", f"exported lines: {one!r}")
two = gzip.decompress(s3.get_object(Bucket=bucket, Key=f"out/logs/{task_id}/app/two/000000.gz")["Body"].read()).decode()
check(two == f"{iso(base + 1500)} from two\n", f"exported lines: {two!r}")
done("a task runs PENDING/RUNNING → COMPLETED and writes its objects")

# One active task per account; a finished one cannot be cancelled.
second = logs.create_export_task(destination=bucket, **window)["taskId"]
try:
    logs.create_export_task(destination=bucket, **window)
    check(False, "a second active task was accepted")
except logs.exceptions.LimitExceededException as error:
    check(error.response["Error"]["Message"] == "Resource limit exceeded.", f"limit message: {error.response['Error']}")
deadline = time.time() + 20
while logs.describe_export_tasks(taskId=second)["exportTasks"][0]["status"]["code"] != "COMPLETED":
    check(time.time() < deadline, "the second task did not complete")
    time.sleep(0.05)
second_task = logs.describe_export_tasks(taskId=second)["exportTasks"][0]
check(second_task["destinationPrefix"] == "exportedlogs", f"default prefix: {second_task}")
check(s3.head_object(Bucket=bucket, Key=f"exportedlogs/{second}/app/one/000000.gz")["ContentLength"] > 0, "default prefix object")
try:
    logs.cancel_export_task(taskId=second)
    check(False, "a completed task was cancelled")
except logs.exceptions.InvalidOperationException:
    pass
try:
    logs.cancel_export_task(taskId="00000000-0000-0000-0000-000000000000")
    check(False, "an unknown task was cancelled")
except logs.exceptions.ResourceNotFoundException:
    pass
done("one active task, cancel errors")

ids = []
kwargs = {"limit": 1}
while True:
    page = logs.describe_export_tasks(**kwargs)
    check(len(page["exportTasks"]) <= 1, "page larger than limit")
    ids += [t["taskId"] for t in page["exportTasks"]]
    if "nextToken" not in page:
        break
    kwargs["nextToken"] = page["nextToken"]
check(sorted(ids) == sorted([task_id, second]), f"paged tasks: {ids}")
check([t["taskId"] for t in logs.describe_export_tasks(statusCode="COMPLETED")["exportTasks"]] == ids, "statusCode filter")
check(logs.describe_export_tasks(statusCode="RUNNING")["exportTasks"] == [], "statusCode filter RUNNING")
done("DescribeExportTasks paging and filters")
