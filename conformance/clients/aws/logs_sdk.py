"""CloudWatch Logs through boto3: paginators over groups, streams and filtered events (every item
exactly once), GetLogEvents in both directions until its tokens repeat, identifiers by ARN,
time windows, rejected old, new and expired events, filter patterns, tags, deletion protection,
the service's errors, and a wrong-typed parameter refused by the server."""
import json
import time

import botocore.config

from common import check, client, done, expect_code, unique

logs = client("logs")
base = unique("/sdk/logs")
now = int(time.time() * 1000)
DAY = 24 * 3600 * 1000

# Groups: the paginator, two per page over five, each exactly once in name order.
names = [f"{base}/g{index}" for index in (2, 4, 0, 3, 1)]
for name in names:
    logs.create_log_group(logGroupName=name)
expect_code("ResourceAlreadyExistsException", logs.create_log_group, logGroupName=names[0])
pages = list(logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"{base}/", PaginationConfig={"PageSize": 2}))
check([len(page["logGroups"]) for page in pages] == [2, 2, 1], f"page sizes: {[len(p['logGroups']) for p in pages]}")
listed = [group["logGroupName"] for page in pages for group in page["logGroups"]]
check(listed == sorted(names), f"groups once each, sorted: {listed}")
first = pages[0]["logGroups"][0]
check(first["arn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{base}/g0:*", f"arn: {first}")
check(first["logGroupArn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{base}/g0", f"logGroupArn: {first}")
check(isinstance(first["creationTime"], int) and abs(first["creationTime"] - now) < 120_000, f"creationTime in ms: {first}")
by_identifiers = logs.describe_log_groups(logGroupIdentifiers=[names[1], first["logGroupArn"]])["logGroups"]
check([group["logGroupName"] for group in by_identifiers] == [f"{base}/g0", f"{base}/g4"], f"by identifiers: {by_identifiers}")
expect_code("InvalidParameterException", logs.describe_log_groups, logGroupNamePrefix=base, logGroupNamePattern="g1")

group = f"{base}/g0"
group_arn = first["logGroupArn"]

# Retention, and what it does to old events.
logs.put_retention_policy(logGroupName=group, retentionInDays=1)
check(logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 1, "retention set")
expect_code("InvalidParameterException", logs.put_retention_policy, logGroupName=group, retentionInDays=2)
expect_code("ResourceNotFoundException", logs.delete_retention_policy, logGroupName=f"{base}/missing")

# 120 events in two batches; every third repeats the previous timestamp, so ingestion order
# decides between them.
logs.create_log_stream(logGroupName=group, logStreamName="s")
expect_code("ResourceAlreadyExistsException", logs.create_log_stream, logGroupName=group, logStreamName="s")
start = now - 100_000
events = [{"timestamp": start + index * 10 - (index % 3 == 2) * 10, "message": f"event {index:03}"} for index in range(120)]
put = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events[:60])
check("rejectedLogEventsInfo" not in put, f"{put}")
logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events[60:], sequenceToken=put["nextSequenceToken"])
expected = [event["message"] for event in events]

# Forward from the head until the token repeats.
seen, token, calls = [], None, 0
while True:
    kwargs = {"nextToken": token} if token else {}
    page = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=50, **kwargs)
    calls += 1
    check(calls < 10, "the forward token never repeated")
    seen += [event["message"] for event in page["events"]]
    if page["nextForwardToken"] == token:
        check(page["events"] == [], "no events with the repeated token")
        break
    token = page["nextForwardToken"]
check(seen == expected, f"forward: 120 once each in order, got {len(seen)}")

# Backward from the newest until the token repeats.
newest = logs.get_log_events(logGroupIdentifier=group_arn, logStreamName="s", limit=50)
check([e["message"] for e in newest["events"]] == expected[70:], "the newest 50 without a token")
pages, token = [[e["message"] for e in newest["events"]]], newest["nextBackwardToken"]
while True:
    page = logs.get_log_events(logGroupIdentifier=group_arn, logStreamName="s", limit=50, nextToken=token)
    if page["nextBackwardToken"] == token:
        check(page["events"] == [], "no events with the repeated backward token")
        break
    pages.insert(0, [e["message"] for e in page["events"]])
    token = page["nextBackwardToken"]
check(sum(pages, []) == expected, "backward pages cover the stream once")

# Following forward from the newest page sees a later event, and nothing twice.
follow = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=newest["nextForwardToken"])
check(follow["events"] == [] and follow["nextForwardToken"] == newest["nextForwardToken"], f"caught up: {follow}")
logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[{"timestamp": now, "message": "later"}])
follow = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=follow["nextForwardToken"])
check([e["message"] for e in follow["events"]] == ["later"], f"followed: {follow}")
check(abs(follow["events"][0]["ingestionTime"] - now) < 120_000, "ingestionTime in ms")

window = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, startTime=start + 100, endTime=start + 130)
check([e["message"] for e in window["events"]] == ["event 010", "event 011", "event 012"], f"window: {window['events']}")
expect_code("InvalidParameterException", logs.get_log_events, logGroupName=group, logStreamName="s", nextToken="not-a-token")
expect_code("ResourceNotFoundException", logs.get_log_events, logGroupName=group, logStreamName="missing")
# A name and an identifier together: AWS answers a ValidationException.
expect_code("ValidationException", logs.get_log_events, logGroupName=group, logGroupIdentifier=group, logStreamName="s")
# Identifiers take the ARN without the describe-style `:*` (the model's pattern leaves out `*`).
expect_code("InvalidParameterException", logs.get_log_events, logGroupIdentifier=group_arn + ":*", logStreamName="s")

# Events out of range are rejected into rejectedLogEventsInfo, not stored; bad batches fail whole.
old = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
    {"timestamp": now - 20 * DAY, "message": "too old"}, {"timestamp": now - 20 * DAY + 1, "message": "too old too"}])
check(old["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}, f"{old}")
new = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
    {"timestamp": now - 1, "message": "fine"}, {"timestamp": now + 3 * 3600 * 1000, "message": "too new"}])
check(new["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}, f"{new}")
expired = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
    {"timestamp": now - DAY - 1000, "message": "expired"}, {"timestamp": now - 2000, "message": "also fine"}])
check(expired["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}, f"{expired}")
tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3)
check([e["message"] for e in tail["events"]] == ["also fine", "fine", "later"], f"only accepted events stored: {tail['events']}")
expect_code("InvalidParameterException", logs.put_log_events, logGroupName=group, logStreamName="s",
            logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
expect_code("InvalidParameterException", logs.put_log_events, logGroupName=group, logStreamName="s",
            logEvents=[{"timestamp": now - 2 * DAY + 1000, "message": "a"}, {"timestamp": now, "message": "b"}])
expect_code("InvalidParameterException", logs.put_log_events, logGroupName=group, logStreamName="s",
            logEvents=[{"timestamp": now, "message": "x" * 600_000}, {"timestamp": now, "message": "y" * 600_000}])
expect_code("ResourceNotFoundException", logs.put_log_events, logGroupName=group, logStreamName="missing",
            logEvents=[{"timestamp": now, "message": "x"}])
expect_code("ResourceNotFoundException", logs.put_log_events, logGroupName=f"{base}/missing", logStreamName="s",
            logEvents=[{"timestamp": now, "message": "x"}])

# Two more streams; the stream paginator by name and by last event time.
logs.create_log_stream(logGroupName=group, logStreamName="web-1")
logs.create_log_stream(logGroupName=group, logStreamName="web-2")
lines = {
    "web-1": ["GET /index.html 200 12ms", "GET /missing 404 3ms", json.dumps({"level": "error", "status": 500, "path": "/api/a"})],
    "web-2": ["POST /login 200 80ms", "POST /login 401 5ms", json.dumps({"level": "info", "status": 200, "path": "/api/b"})],
}
for index in range(3):
    for stream in ("web-1", "web-2"):
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now - 1000 + index, "message": lines[stream][index]}])
paginator = logs.get_paginator("describe_log_streams")
by_name = [s["logStreamName"] for page in paginator.paginate(logGroupName=group, PaginationConfig={"PageSize": 1}) for s in page["logStreams"]]
check(by_name == ["s", "web-1", "web-2"], f"streams by name: {by_name}")
by_name_desc = [s["logStreamName"] for page in paginator.paginate(logGroupName=group, descending=True, PaginationConfig={"PageSize": 2}) for s in page["logStreams"]]
check(by_name_desc == ["web-2", "web-1", "s"], f"streams by name, descending: {by_name_desc}")
by_time = [s["logStreamName"] for page in paginator.paginate(logGroupIdentifier=group_arn, orderBy="LastEventTime", PaginationConfig={"PageSize": 1}) for s in page["logStreams"]]
check(by_time == ["web-1", "web-2", "s"], f"streams by last event time: {by_time}")
expect_code("InvalidParameterException", logs.describe_log_streams, logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="web")
web1 = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="web-1")["logStreams"][0]
check(web1["firstEventTimestamp"] == now - 1000 and web1["lastEventTimestamp"] == now - 998, f"{web1}")
check(web1["arn"] == f"{group_arn}:log-stream:web-1", f"{web1}")


def filtered(pattern, **kwargs):
    paginator = logs.get_paginator("filter_log_events")
    pages = paginator.paginate(logGroupName=group, logStreamNamePrefix="web", filterPattern=pattern, **kwargs)
    return [event["message"] for page in pages for event in page["events"]]


# Interleaved by time across streams, paged two at a time by the paginator.
everything = filtered("", PaginationConfig={"PageSize": 2})
check(everything == [lines[stream][index] for index in range(3) for stream in ("web-1", "web-2")], f"interleaved: {everything}")
check(filtered("GET 404") == ["GET /missing 404 3ms"], "all terms")
check(filtered('"POST /login 401"') == ["POST /login 401 5ms"], "quoted phrase")
check(filtered("POST -401") == ["POST /login 200 80ms"], "exclusion")
check(filtered("?404 ?401") == ["GET /missing 404 3ms", "POST /login 401 5ms"], "any of")
check(filtered('{ $.status >= 500 || $.path = "*/b" }') == [lines["web-1"][2], lines["web-2"][2]], "JSON with || and a wildcard")
check(filtered('{ $.level = "error" && $.missing NOT EXISTS }') == [lines["web-1"][2]], "JSON NOT EXISTS")
check(filtered("[method, path, status = 2*, time]") == ["GET /index.html 200 12ms", "POST /login 200 80ms"], "space-delimited")
expect_code("InvalidParameterException", logs.filter_log_events, logGroupName=group, filterPattern='{ $.status > "x" }')
one_stream = logs.filter_log_events(logGroupName=group, logStreamNames=["web-2"], startTime=now - 999, endTime=now - 998)
check([e["message"] for e in one_stream["events"]] == lines["web-2"][1:3], f"inclusive window on one stream: {one_stream['events']}")
check(all(e["logStreamName"] == "web-2" and len(e["eventId"]) == 56 for e in one_stream["events"]), f"{one_stream['events']}")

# The whole group through the paginator, 7 per page: 129 events once each, sorted by time.
all_events = [e for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, PaginationConfig={"PageSize": 7}) for e in page["events"]]
check(len(all_events) == 129 and len({e["eventId"] for e in all_events}) == 129, f"{len(all_events)} events")
check([e["timestamp"] for e in all_events] == sorted(e["timestamp"] for e in all_events), "sorted by timestamp")

# Tags.
tagged = f"{base}/tagged"
logs.create_log_group(logGroupName=tagged, tags={"team": "core"})
tagged_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{tagged}"
logs.tag_resource(resourceArn=tagged_arn, tags={"env": "dev"})
check(logs.list_tags_for_resource(resourceArn=tagged_arn)["tags"] == {"team": "core", "env": "dev"}, "tags by ARN")
logs.untag_resource(resourceArn=tagged_arn, tagKeys=["team"])
logs.tag_log_group(logGroupName=tagged, tags={"owner": "me"})
logs.untag_log_group(logGroupName=tagged, tags=["env"])
check(logs.list_tags_log_group(logGroupName=tagged)["tags"] == {"owner": "me"}, "tags by name")
expect_code("TooManyTagsException", logs.tag_resource, resourceArn=tagged_arn, tags={f"k{i}": "v" for i in range(50)})
expect_code("ResourceNotFoundException", logs.list_tags_for_resource, resourceArn=f"{tagged_arn}-missing")

# Deletion protection, then deleting everything.
protected = f"{base}/protected"
logs.create_log_group(logGroupName=protected, deletionProtectionEnabled=True)
check(logs.describe_log_groups(logGroupNamePrefix=protected)["logGroups"][0]["deletionProtectionEnabled"] is True, "protected")
expect_code("ValidationException", logs.delete_log_group, logGroupName=protected)
logs.put_log_group_deletion_protection(logGroupIdentifier=protected, deletionProtectionEnabled=False)
logs.delete_log_group(logGroupName=protected)

logs.delete_log_stream(logGroupName=group, logStreamName="web-2")
expect_code("ResourceNotFoundException", logs.delete_log_stream, logGroupName=group, logStreamName="web-2")
check([s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]] == ["s", "web-1"], "stream deleted")
for name in names + [tagged]:
    logs.delete_log_group(logGroupName=name)
expect_code("ResourceNotFoundException", logs.delete_log_group, logGroupName=group)
expect_code("ResourceNotFoundException", logs.describe_log_streams, logGroupName=group)
check(logs.describe_log_groups(logGroupNamePrefix=f"{base}/")["logGroups"] == [], "all groups deleted")

# A wrong-typed parameter, sent as is, is refused by the server's deserializer.
raw = client("logs", config=botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"}))
expect_code("SerializationException", raw.describe_log_groups, limit="abc")
done("logs sdk")
