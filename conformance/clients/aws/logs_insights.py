"""CloudWatch Logs Insights through boto3: a query over events whose counts per minute the
scenario knows (`stats count(*) by bin(1m)`), filter, parse, sort and limit results checked row
by row, statistics that count what was stored, a row's @ptr read back with GetLogRecord, the
fields of a group, an unsupported command and a missing group refused with AWS's errors, query
history, and saved query definitions paged one at a time."""
import datetime
import json
import time

from common import check, client, done, unique

logs = client("logs")
group = unique("/sdk/insights")
logs.create_log_group(logGroupName=group)
logs.create_log_stream(logGroupName=group, logStreamName="web-1")
logs.create_log_stream(logGroupName=group, logStreamName="web-2")

MINUTE = 60_000
now = int(time.time() * 1000)
# Whole minutes, half an hour ago: minute 0 has three events, minute 1 one, minute 3 two.
base = now - 30 * MINUTE - now % MINUTE
plan = [
    (0, "web-1", {"level": "info", "path": "/a", "ms": 12}),
    (2_000, "web-2", {"level": "error", "path": "/b", "ms": 250}),
    (59_999, "web-1", {"level": "info", "path": "/a", "ms": 30}),
    (MINUTE + 5, "web-2", {"level": "info", "path": "/c", "ms": 7}),
    (3 * MINUTE, "web-1", {"level": "warn", "path": "/b", "ms": 90}),
    (3 * MINUTE + 10_000, "web-1", {"level": "error", "path": "/a", "ms": 500}),
]
by_stream = {}
for offset, stream, body in plan:
    by_stream.setdefault(stream, []).append({"timestamp": base + offset, "message": json.dumps(body)})
for stream, events in by_stream.items():
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
# Plain-text events for parse.
logs.put_log_events(logGroupName=group, logStreamName="web-2", logEvents=[
    {"timestamp": base + 4 * MINUTE, "message": "GET /home 200 15ms user=ann"},
    {"timestamp": base + 4 * MINUTE + 1, "message": "POST /login 401 3ms user=bob"},
])
total_bytes = sum(len(json.dumps(body)) for _, _, body in plan) + len("GET /home 200 15ms user=ann") + len("POST /login 401 3ms user=bob")


def run(query, **window):
    start = window.get("start", base // 1000 - 60)
    end = window.get("end", now // 1000 + 60)
    query_id = logs.start_query(logGroupName=group, startTime=start, endTime=end, queryString=query)["queryId"]
    for _ in range(50):
        answer = logs.get_query_results(queryId=query_id)
        if answer["status"] in ("Complete", "Failed", "Cancelled", "Timeout"):
            break
        time.sleep(0.1)
    check(answer["status"] == "Complete", f"{query}: status {answer['status']}")
    return query_id, answer


def rows(answer):
    """Each row as a dict, without the @ptr every event row carries."""
    return [{field["field"]: field["value"] for field in row if field["field"] != "@ptr"} for row in answer["results"]]


def minute_text(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000")


# Counts per minute, oldest bin first.
_, answer = run("filter ispresent(level) | stats count(*) by bin(1m) | sort bin(1m) asc")
got = [(row["bin(1m)"], row["count(*)"]) for row in rows(answer)]
expected = [(minute_text(base), "3"), (minute_text(base + MINUTE), "1"), (minute_text(base + 3 * MINUTE), "2")]
check(got == expected, f"count by minute: {got}, expected {expected}")
check([field["field"] for field in answer["results"][0]] == ["bin(1m)", "count(*)"], f"stats columns: {answer['results'][0]}")
statistics = answer["statistics"]
check(statistics["recordsScanned"] == 8.0, f"8 events in the window: {statistics}")
check(statistics["recordsMatched"] == 6.0, f"6 events with a level: {statistics}")
check(statistics["bytesScanned"] == float(total_bytes), f"bytes scanned {statistics['bytesScanned']} != {total_bytes}")

# Aggregates by group, sorted by name.
_, answer = run("filter ispresent(ms) | stats count(*) as n, sum(ms) as total, avg(ms) as mean, max(ms) as worst by level | sort level asc")
got = [(row["level"], row["n"], row["total"], row["mean"], row["worst"]) for row in rows(answer)]
check(got == [("error", "2", "750", "375", "500"), ("info", "3", "49", "16.333333333333332", "30"), ("warn", "1", "90", "90", "90")], f"stats by level: {got}")

# filter, fields, sort and limit: the two slowest requests to /a or /b, slowest first.
_, answer = run("fields path, ms | filter path in ['/a', '/b'] and ms >= 30 | sort ms desc | limit 2")
got = [(row["path"], row["ms"]) for row in rows(answer)]
check(got == [("/a", "500"), ("/b", "250")], f"filter/sort/limit: {got}")
check([field["field"] for field in answer["results"][0]] == ["path", "ms", "@ptr"], f"columns: {answer['results'][0]}")

# Without fields: @timestamp and @message, newest first.
_, answer = run("filter @message like /error/")
got = [(row["@timestamp"], json.loads(row["@message"])["ms"]) for row in rows(answer)]
check(got == [(minute_text(base + 3 * MINUTE + 10_000)[:-4] + ".000", 500), (minute_text(base + 2_000)[:-4] + ".000", 250)], f"default fields: {got}")

# parse, glob and regex.
_, answer = run("parse @message \"* * * *ms user=*\" as method, route, status, took, user | filter status = 401 | display user, route, took")
check(rows(answer) == [{"user": "bob", "route": "/login", "took": "3"}], f"parse glob: {rows(answer)}")
_, answer = run("parse @message /^(?<verb>[A-Z]+) \\/(?<page>\\w+)/ | filter ispresent(verb) | sort page asc | display verb, page")
check(rows(answer) == [{"verb": "GET", "page": "home"}, {"verb": "POST", "page": "login"}], f"parse regex: {rows(answer)}")

# A window that holds only minute 3.
_, answer = run("stats count(*)", start=(base + 3 * MINUTE) // 1000, end=(base + 3 * MINUTE + 59_000) // 1000)
check(rows(answer) == [{"count(*)": "2"}], f"window: {rows(answer)}")

# The pointer of a row reads the event back.
_, answer = run("filter level = 'warn' | fields level")
pointer = {field["field"]: field["value"] for field in answer["results"][0]}["@ptr"]
record = logs.get_log_record(logRecordPointer=pointer)["logRecord"]
check(record["level"] == "warn" and record["@logStream"] == "web-1" and record["@log"].endswith(":" + group), f"log record: {record}")

# The group's fields over the 15 minutes before `time`, with how often each appears.
fields = {field["name"]: field["percent"] for field in logs.get_log_group_fields(logGroupName=group, time=(base + 5 * MINUTE) // 1000)["logGroupFields"]}
check(fields.get("@message") == 100 and fields.get("@timestamp") == 100, f"system fields: {fields}")
check(fields.get("level") == 75 and fields.get("ms") == 75, f"6 of 8 events have a level: {fields}")
check(logs.get_log_group_fields(logGroupName=group)["logGroupFields"] == [], "no event in the last 15 minutes")

# An unsupported command is refused with MalformedQueryException, naming it.
try:
    logs.start_query(logGroupName=group, startTime=0, endTime=1, queryString="fields @message | dedup @logStream")
    check(False, "dedup was accepted")
except logs.exceptions.MalformedQueryException as error:
    message = error.response["Error"]["Message"]
    check("dedup" in message, f"MalformedQueryException names dedup: {message}")
    check("queryCompileError" in error.response, f"the error carries its location: {error.response}")
try:
    logs.start_query(logGroupName=group, startTime=0, endTime=1, queryString="fields @message | nonsense")
    check(False, "a syntax error was accepted")
except logs.exceptions.MalformedQueryException as error:
    check("unexpected symbol found nonsense at line 1" in error.response["Error"]["Message"], f"{error.response['Error']}")
missing = unique("/sdk/missing")
try:
    logs.start_query(logGroupName=missing, startTime=0, endTime=1, queryString="fields @message")
    check(False, "a missing group was accepted")
except logs.exceptions.ResourceNotFoundException as error:
    message = error.response["Error"]["Message"]
    check(message.startswith(f"Log group '{missing}' does not exist for account ID '123456789012'"), message)

# History: every query ran, newest first, paged one at a time with each once.
seen, token = [], None
while True:
    kwargs = {"nextToken": token} if token else {}
    page = logs.describe_queries(logGroupName=group, maxResults=1, **kwargs)
    check(len(page["queries"]) <= 1, f"a page of one: {page['queries']}")
    seen += [query["queryId"] for query in page["queries"]]
    token = page.get("nextToken")
    if not token:
        break
check(len(seen) == 8 and len(set(seen)) == 8, f"8 queries, each once: {seen}")
info = logs.describe_queries(logGroupName=group, status="Complete", maxResults=1)["queries"][0]
check(info["queryString"].startswith(f'SOURCE "{group}" START='), f"recorded query string: {info['queryString']}")
check(logs.describe_queries(logGroupName=group, status="Running")["queries"] == [], "no query is running")
groups = logs.list_log_groups_for_query(queryId=seen[0])["logGroupIdentifiers"]
check(groups == [f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"], f"groups of a query: {groups}")

# Saved definitions, paged one at a time, each once, then deleted.
ids = [logs.put_query_definition(name=f"{group}/q{index}", queryString="fields @message", logGroupNames=[group])["queryDefinitionId"] for index in range(3)]
logs.put_query_definition(name=f"{group}/q0", queryDefinitionId=ids[0], queryString="stats count(*)")
seen, token = [], None
while True:
    kwargs = {"nextToken": token} if token else {}
    page = logs.describe_query_definitions(queryDefinitionNamePrefix=group, maxResults=1, **kwargs)
    seen += page["queryDefinitions"]
    token = page.get("nextToken")
    if not token:
        break
check([definition["name"] for definition in seen] == [f"{group}/q{index}" for index in range(3)], f"definitions: {seen}")
check(seen[0]["queryString"] == "stats count(*)", f"updated in place: {seen[0]}")
check(logs.delete_query_definition(queryDefinitionId=ids[1])["success"] is True, "deleted")
try:
    logs.delete_query_definition(queryDefinitionId=ids[1])
    check(False, "a deleted definition was deleted again")
except logs.exceptions.ResourceNotFoundException:
    pass

done("logs insights")
