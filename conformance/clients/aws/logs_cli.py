"""CloudWatch Logs through the aws CLI: groups (paged, by prefix and pattern), retention, streams
(by name and by last event time), events in two batches read back page by page until the token
repeats, filter patterns, tags by ARN and by name, deletion, and the service's errors."""
import json
import time

from common import aws, check, done, unique

base = unique("/cli/logs")
now = int(time.time() * 1000)

# Groups: five under one prefix, described two at a time, each exactly once and in name order.
names = [f"{base}/g{index}" for index in (3, 1, 4, 0, 2)]
for name in names:
    aws("logs", "create-log-group", "--log-group-name", name)
aws("logs", "create-log-group", "--log-group-name", names[0], expect_error="ResourceAlreadyExistsException")

seen = []
pages = 0
token = None
while True:
    args = ["logs", "describe-log-groups", "--log-group-name-prefix", f"{base}/", "--limit", "2"]
    if token:
        args += ["--next-token", token]
    page = aws(*args)
    pages += 1
    check(len(page["logGroups"]) <= 2, f"a page of at most 2: {page}")
    seen += [group["logGroupName"] for group in page["logGroups"]]
    token = page.get("nextToken")
    if not token:
        break
check(seen == sorted(names), f"describe-log-groups pages gave {seen}, expected {sorted(names)}")
check(pages == 3, f"5 groups in pages of 2 take 3 pages, took {pages}")

# The CLI's own pagination (page size 2) must collect the same five.
collected = aws("logs", "describe-log-groups", "--log-group-name-prefix", f"{base}/", "--page-size", "2")
check([group["logGroupName"] for group in collected["logGroups"]] == sorted(names), f"auto-paginated: {collected}")
group = collected["logGroups"][0]
check(group["arn"] == group["logGroupArn"] + ":*", f"arn ends with :* and logGroupArn does not: {group}")
check(group["logGroupArn"].startswith("arn:aws:logs:us-east-1:123456789012:log-group:"), f"{group}")
check(abs(group["creationTime"] - now) < 120_000, f"creationTime is milliseconds now: {group}")
check(group["storedBytes"] == 0 and group["metricFilterCount"] == 0, f"{group}")
check(group["logGroupClass"] == "STANDARD", f"{group}")

matched = aws("logs", "describe-log-groups", "--log-group-name-pattern", base.split("/")[-1] + "/g4")
check([group["logGroupName"] for group in matched["logGroups"]] == [f"{base}/g4"], f"pattern: {matched}")

# Retention.
group_name = names[0]
aws("logs", "put-retention-policy", "--log-group-name", group_name, "--retention-in-days", "30")
described = aws("logs", "describe-log-groups", "--log-group-name-prefix", group_name)["logGroups"][0]
check(described["retentionInDays"] == 30, f"retention set: {described}")
aws("logs", "put-retention-policy", "--log-group-name", group_name, "--retention-in-days", "4", expect_error="InvalidParameterException")
aws("logs", "delete-retention-policy", "--log-group-name", group_name)
described = aws("logs", "describe-log-groups", "--log-group-name-prefix", group_name)["logGroups"][0]
check("retentionInDays" not in described, f"retention removed: {described}")
aws("logs", "put-retention-policy", "--log-group-name", f"{base}/missing", "--retention-in-days", "1", expect_error="ResourceNotFoundException")

# Streams and events: 120 events in two batches, read back from the head 50 at a time.
stream = "app/task-1"
aws("logs", "create-log-stream", "--log-group-name", group_name, "--log-stream-name", stream)
aws("logs", "create-log-stream", "--log-group-name", group_name, "--log-stream-name", stream, expect_error="ResourceAlreadyExistsException")
aws("logs", "create-log-stream", "--log-group-name", f"{base}/missing", "--log-stream-name", stream, expect_error="ResourceNotFoundException")
start = now - 60_000
events = [{"timestamp": start + index * 100, "message": f"line {index:03}"} for index in range(120)]
first = aws("logs", "put-log-events", "--log-group-name", group_name, "--log-stream-name", stream, "--log-events", json.dumps(events[:60]))
check(first["nextSequenceToken"], f"a sequence token: {first}")
check("rejectedLogEventsInfo" not in first, f"nothing rejected: {first}")
aws("logs", "put-log-events", "--log-group-name", group_name, "--log-stream-name", stream, "--log-events", json.dumps(events[60:]), "--sequence-token", "anything")

messages = []
token = None
calls = 0
while True:
    args = ["logs", "get-log-events", "--log-group-name", group_name, "--log-stream-name", stream, "--start-from-head", "--limit", "50"]
    if token:
        args += ["--next-token", token]
    page = aws(*args)
    calls += 1
    check(calls < 10, "get-log-events never repeated its forward token")
    messages += [event["message"] for event in page["events"]]
    for event in page["events"]:
        check(abs(event["ingestionTime"] - now) < 120_000, f"ingestionTime is milliseconds now: {event}")
    forward = page["nextForwardToken"]
    check(forward.startswith("f/") and page["nextBackwardToken"].startswith("b/"), f"AWS-style tokens: {page}")
    if forward == token:
        check(page["events"] == [], "the repeated token comes with no events")
        break
    token = forward
check(messages == [event["message"] for event in events], f"120 events once each, in order; got {len(messages)}: {messages[:3]}...")
check(calls == 4, f"50 + 50 + 20 + the empty end: 4 calls, took {calls}")

# Without --start-from-head the newest events come back.
newest = aws("logs", "get-log-events", "--log-group-name", group_name, "--log-stream-name", stream, "--limit", "5")
check([event["message"] for event in newest["events"]] == [f"line {index:03}" for index in range(115, 120)], f"newest: {newest}")

# A time window: start inclusive, end exclusive.
window = aws("logs", "get-log-events", "--log-group-name", group_name, "--log-stream-name", stream, "--start-from-head",
             "--start-time", str(start + 1000), "--end-time", str(start + 1300))
check([event["message"] for event in window["events"]] == ["line 010", "line 011", "line 012"], f"window: {window}")

# Events out of order are refused whole.
aws("logs", "put-log-events", "--log-group-name", group_name, "--log-stream-name", stream, "--log-events",
    json.dumps([{"timestamp": now, "message": "b"}, {"timestamp": now - 1000, "message": "a"}]), expect_error="InvalidParameterException")
aws("logs", "put-log-events", "--log-group-name", group_name, "--log-stream-name", "no-such-stream", "--log-events",
    json.dumps([{"timestamp": now, "message": "x"}]), expect_error="ResourceNotFoundException")
aws("logs", "get-log-events", "--log-group-name", group_name, "--log-stream-name", "no-such-stream", expect_error="ResourceNotFoundException")

# Streams by last event time: the one written last comes first when descending.
aws("logs", "create-log-stream", "--log-group-name", group_name, "--log-stream-name", "app/task-2")
aws("logs", "create-log-stream", "--log-group-name", group_name, "--log-stream-name", "other")
aws("logs", "put-log-events", "--log-group-name", group_name, "--log-stream-name", "app/task-2", "--log-events",
    json.dumps([{"timestamp": now - 10, "message": "ERROR disk full on /dev/sda"},
                {"timestamp": now - 9, "message": "ERROR timeout talking to db"},
                {"timestamp": now - 8, "message": "WARN disk almost full"},
                {"timestamp": now - 7, "message": json.dumps({"level": "error", "latency": 250, "user": {"id": 7}})},
                {"timestamp": now - 6, "message": json.dumps({"level": "info", "latency": 20, "user": {"id": 8}})}]))
by_time = aws("logs", "describe-log-streams", "--log-group-name", group_name, "--order-by", "LastEventTime", "--descending")
check([s["logStreamName"] for s in by_time["logStreams"]] == ["app/task-2", stream, "other"], f"by last event time: {by_time}")
task2 = by_time["logStreams"][0]
check(task2["firstEventTimestamp"] == now - 10 and task2["lastEventTimestamp"] == now - 6, f"event timestamps: {task2}")
check(task2["arn"].endswith(f":log-group:{group_name}:log-stream:app/task-2"), f"stream arn: {task2}")
by_name = aws("logs", "describe-log-streams", "--log-group-name", group_name, "--log-stream-name-prefix", "app/")
check([s["logStreamName"] for s in by_name["logStreams"]] == [stream, "app/task-2"], f"by name with prefix: {by_name}")
aws("logs", "describe-log-streams", "--log-group-name", group_name, "--order-by", "LastEventTime", "--log-stream-name-prefix", "app/",
    expect_error="InvalidParameterException")
paged = aws("logs", "describe-log-streams", "--log-group-name", group_name, "--page-size", "1")
check([s["logStreamName"] for s in paged["logStreams"]] == [stream, "app/task-2", "other"], f"paged streams: {paged}")


def filtered(pattern, *extra):
    result = aws("logs", "filter-log-events", "--log-group-name", group_name, "--log-stream-names", "app/task-2",
                 "--filter-pattern", pattern, *extra)
    return [event["message"] for event in result["events"]]


check(filtered("ERROR disk") == ["ERROR disk full on /dev/sda"], "terms: every term must appear")
check(filtered('"disk almost"') == ["WARN disk almost full"], "a quoted phrase")
check(filtered("ERROR -timeout") == ["ERROR disk full on /dev/sda"], "an excluded term")
check(filtered("?WARN ?timeout") == ["ERROR timeout talking to db", "WARN disk almost full"], "any of the ? terms")
check([json.loads(m)["user"]["id"] for m in filtered('{ $.level = "error" && $.latency > 100 }')] == [7], "a JSON pattern")
check(filtered("error") == [json.dumps({"level": "error", "latency": 250, "user": {"id": 7}})], "terms are case-sensitive")
aws("logs", "filter-log-events", "--log-group-name", group_name, "--filter-pattern", "{ $.level = ", expect_error="InvalidParameterException")

# Across streams, paged by the CLI three at a time: every event once, in timestamp order.
everything = aws("logs", "filter-log-events", "--log-group-name", group_name, "--page-size", "3")
check(len(everything["events"]) == 125, f"125 events across streams, got {len(everything['events'])}")
check(len({event["eventId"] for event in everything["events"]}) == 125, "event IDs are unique")
stamps = [event["timestamp"] for event in everything["events"]]
check(stamps == sorted(stamps), "filter-log-events interleaves streams by timestamp")
check({event["logStreamName"] for event in everything["events"]} == {stream, "app/task-2"}, "events name their streams")

# Tags: at creation, by ARN, and by name. The model's ARN pattern leaves out `*`, so the
# describe-style ARN ending in `:*` is refused before the service looks at it, as AWS does.
tagged = f"{base}/tagged"
aws("logs", "create-log-group", "--log-group-name", tagged, "--tags", "team=core,env=dev")
arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{tagged}"
check(aws("logs", "list-tags-for-resource", "--resource-arn", arn)["tags"] == {"team": "core", "env": "dev"}, "tags at creation")
aws("logs", "tag-resource", "--resource-arn", arn, "--tags", "cost=42")
aws("logs", "untag-resource", "--resource-arn", arn, "--tag-keys", "env")
check(aws("logs", "list-tags-for-resource", "--resource-arn", arn)["tags"] == {"team": "core", "cost": "42"}, "tag/untag by ARN")
aws("logs", "tag-resource", "--resource-arn", arn + ":*", "--tags", "x=y", expect_error="InvalidParameterException")
aws("logs", "tag-log-group", "--log-group-name", tagged, "--tags", "owner=me")
aws("logs", "untag-log-group", "--log-group-name", tagged, "--tags", "team")
check(aws("logs", "list-tags-log-group", "--log-group-name", tagged)["tags"] == {"cost": "42", "owner": "me"}, "tag/untag by name")
aws("logs", "list-tags-for-resource", "--resource-arn", f"arn:aws:logs:us-east-1:123456789012:log-group:{base}/missing",
    expect_error="ResourceNotFoundException")

# Deletion: a stream and its events, then groups with everything in them.
aws("logs", "delete-log-stream", "--log-group-name", group_name, "--log-stream-name", "other")
aws("logs", "delete-log-stream", "--log-group-name", group_name, "--log-stream-name", "other", expect_error="ResourceNotFoundException")
aws("logs", "delete-log-group", "--log-group-name", group_name)
aws("logs", "delete-log-group", "--log-group-name", group_name, expect_error="ResourceNotFoundException")
aws("logs", "get-log-events", "--log-group-name", group_name, "--log-stream-name", stream, expect_error="ResourceNotFoundException")
aws("logs", "create-log-group", "--log-group-name", group_name)
aws("logs", "create-log-stream", "--log-group-name", group_name, "--log-stream-name", stream)
reborn = aws("logs", "get-log-events", "--log-group-name", group_name, "--log-stream-name", stream)
check(reborn["events"] == [], f"a re-created group starts empty: {reborn}")
for name in names + [tagged]:
    aws("logs", "delete-log-group", "--log-group-name", name)
left = aws("logs", "describe-log-groups", "--log-group-name-prefix", f"{base}/")
check(left["logGroups"] == [], f"all deleted: {left}")
done("logs cli")
