"""Cloud Logging through google-cloud-logging over its HTTP/JSON transport (`_use_grpc=False`,
`api_endpoint` at the simulator): text, struct and proto payloads, severities, labels merged from
the logger, insertId deduplication, explicit timestamps, listings filtered with the query
language (the client adds its own `timestamp>=` bound), ordered both ways and paged two at a
time, logs listed and deleted, an invalid entry refused whole and written partially with
partialSuccess, and Google's errors for bad filters and orders. Exits non-zero on the first
difference."""
import datetime
import json
import os
import sys
import urllib.request

from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import logging

ENDPOINT = os.environ["LOGGING_ENDPOINT"]
client = logging.Client(project="p", credentials=AnonymousCredentials(), _use_grpc=False,
                        client_options={"api_endpoint": ENDPOINT})
# The client writes one diagnostic entry the first time it logs: switch that off.
import google.cloud.logging_v2
google.cloud.logging_v2._instrumentation_emitted = True
logger = client.logger("app", labels={"team": "a"})
base = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(minutes=5)
at = lambda seconds: base + datetime.timedelta(seconds=seconds)

logger.log_text("first text", severity="INFO", timestamp=at(1), insert_id="i1")
logger.log_struct({"job": {"name": "build", "attempt": 2}, "ok": True}, severity="ERROR",
                  timestamp=at(2), insert_id="i2", labels={"k.with/dots": "v1"})
logger.log_text("warning words", severity="WARNING", timestamp=at(3), insert_id="i3",
                resource=logging.Resource(type="cloud_run_job", labels={"job_name": "j1", "location": "us-central1"}))
logger.log_proto({"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"x": 1}},
                 severity="NOTICE", timestamp=at(4), insert_id="i4")
# The same project, timestamp and insertId again: a duplicate, kept once.
logger.log_text("first text again", severity="INFO", timestamp=at(1), insert_id="i1")
client.logger("other").log_text("other log line", timestamp=at(5), insert_id="o1")

def listed(filter_, order_by=logging.ASCENDING, page_size=None):
    entries = list(client.list_entries(resource_names=["projects/p"], filter_=filter_, order_by=order_by, page_size=page_size))
    return [entry.insert_id for entry in entries]

everything = listed("logName=\"projects/p/logs/app\"")
assert everything == ["i1", "i2", "i3", "i4"], everything
first = next(iter(client.list_entries(filter_="insertId=i1")))
assert first.payload == "first text", first.payload
assert first.severity == "INFO", first.severity
assert first.labels == {"team": "a"}, first.labels
assert first.timestamp == at(1), (first.timestamp, at(1))
assert first.received_timestamp is not None
second = next(iter(client.list_entries(filter_="insertId=i2")))
assert second.payload == {"job": {"name": "build", "attempt": 2}, "ok": True}, second.payload
assert second.labels == {"k.with/dots": "v1"}, second.labels  # the entry's labels replace the logger's in this client
fourth = next(iter(client.list_entries(filter_="insertId=i4")))
assert fourth.payload["value"] == {"x": 1}, fourth.payload

assert listed("logName=\"projects/p/logs/app\"", order_by=logging.DESCENDING) == ["i4", "i3", "i2", "i1"]
assert listed("severity>=WARNING") == ["i2", "i3"], listed("severity>=WARNING")
assert listed("severity>=WARNING AND NOT severity=ERROR") == ["i3"]
assert listed("jsonPayload.job.attempt>=2 jsonPayload.job.name=build") == ["i2"]
assert listed("labels.\"k.with/dots\"=v1") == ["i2"]
assert listed("resource.type=cloud_run_job AND resource.labels.job_name=j1") == ["i3"]
assert listed("textPayload:WORDS") == ["i3"]
assert listed("textPayload=~\"^first\"") == ["i1"]
assert listed("severity=ERROR OR severity=NOTICE logName:app") == ["i2", "i4"]
assert listed(f"timestamp>\"{at(2).isoformat()}\" timestamp<=\"{at(4).isoformat()}\"") == ["i3", "i4"]
assert listed("log_id(\"other\")") == ["o1"]
assert listed("\"other log\"") == ["o1"]

# Paged two at a time (raw requests: this client's iterator hides its pages): every entry
# once, in order.
def post(path, body):
    request = urllib.request.Request(f"{ENDPOINT}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())

seen, sizes, token = [], [], ""
while True:
    status, page = post("/v2/entries:list", {"resourceNames": ["projects/p"], "pageSize": 2, "pageToken": token})
    assert status == 200, page
    sizes.append(len(page["entries"]))
    seen.extend(entry["insertId"] for entry in page["entries"])
    token = page.get("nextPageToken")
    if not token:
        break
assert seen == ["i1", "i2", "i3", "i4", "o1"], seen
assert sizes == [2, 2, 1], sizes

# Bad filters and orders are INVALID_ARGUMENT.
for bad in ["severity>=", "(severity=ERROR", "severity>=LOUD", "timestamp>=\"yesterday\"", "a=~\"(\""]:
    try:
        listed(bad)
    except exceptions.BadRequest as error:
        assert error.code == 400, error.code
    else:
        raise AssertionError(f"filter {bad!r} was accepted")
try:
    listed("", order_by="severity desc")
except exceptions.BadRequest as error:
    assert "orderBy" in error.message, error.message
else:
    raise AssertionError("orderBy severity was accepted")

# Logs: listed a page of one at a time (the HTTP client has no list_logs: raw requests),
# deleted, gone; deleting again is NOT_FOUND.
def get(path):
    with urllib.request.urlopen(f"{ENDPOINT}{path}") as response:
        return json.loads(response.read())

logs, token = [], ""
while True:
    page = get(f"/v2/projects/p/logs?pageSize=1&pageToken={token}")
    assert len(page["logNames"]) == 1, page
    logs += page["logNames"]
    token = page.get("nextPageToken")
    if not token:
        break
assert logs == ["projects/p/logs/app", "projects/p/logs/other"], logs
client.logger("other").delete()
assert listed("log_id(\"other\")") == []
try:
    client.logger("other").delete()
except exceptions.NotFound as error:
    assert error.code == 404
else:
    raise AssertionError("deleting a deleted log succeeded")

# Raw requests: an invalid entry refuses the whole write; partialSuccess writes the rest and
# names the invalid entry's index.
def write(body):
    request = urllib.request.Request(f"{ENDPOINT}/v2/entries:write", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())

good = {"textPayload": "good", "insertId": "g1"}
bad = {"textPayload": "bad", "jsonPayload": {"a": 1}, "insertId": "b1"}
request = {"logName": "projects/p/logs/raw", "resource": {"type": "global"}, "entries": [good, bad]}
status, body = write(request)
assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT", (status, body)
assert listed("log_id(\"raw\")") == []
status, body = write(dict(request, partialSuccess=True))
assert status == 400, (status, body)
details = body["error"]["details"][0]
assert details["@type"] == "type.googleapis.com/google.logging.v2.WriteLogEntriesPartialErrors", details
assert list(details["logEntryErrors"]) == ["1"], details
assert listed("log_id(\"raw\")") == ["g1"]
status, body = write({"entries": [{"textPayload": "x", "logName": "projects/p/logs/raw"}]})
assert status == 400 and "resource" in body["error"]["message"], body
status, body = write({"resource": {"type": "global"}, "entries": [{"textPayload": "x", "logName": "projects/p/logs/bad name"}]})
assert status == 400 and "illegal character" in body["error"]["message"], body
status, body = write({"resource": {"type": "global"}, "dryRun": True, "entries": [{"textPayload": "dry", "logName": "projects/p/logs/dry"}]})
assert status == 200 and body == {}, (status, body)
assert listed("log_id(\"dry\")") == []
print("ok")
