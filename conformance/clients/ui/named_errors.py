"""The inspector names the operation and the provider's error code of servers other than AWS:
a request that fails on the server in SOCKERLESS_SERVER (gcp or azure) is found in
/_sockerless/requests with the error code its own body carries, so what the inspector shows is
what the client received."""
import json
import os
import urllib.error
import urllib.request

from common import URL, admin_json, check, done, unique

server = os.environ["SOCKERLESS_SERVER"]


def fetch(path):
    """GETs path; returns (status, parsed JSON body)."""
    try:
        with urllib.request.urlopen(f"{URL}{path}", timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


if server == "gcp":
    bucket = unique("missing")
    path = f"/storage/v1/b/{bucket}"
    status, body = fetch(path)
    check(status == 404, f"GET {path}: {status} {body}")
    wire_code = body["error"]["errors"][0]["reason"]
    expected_operation = "storage:storage.buckets.get"
else:
    path = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups"
    status, body = fetch(path)
    check(status >= 400, f"GET {path}: {status} {body}")
    wire_code = body["error"]["code"]
    expected_operation = None

listing = admin_json("/_sockerless/requests?status=error")
found = [entry for entry in listing["requests"] if entry["path"] == path]
check(len(found) == 1, f"{path} held {len(found)} times: {listing['requests']}")
entry = found[0]
check(entry["status"] == status, f"status {entry['status']} != {status}")
check(entry["errorCode"] == wire_code, f"errorCode {entry['errorCode']!r}, the body said {wire_code!r}")
if expected_operation:
    check(entry["operation"] == expected_operation, f"operation {entry['operation']!r}")
done(f"{server}: {entry['operation']} answered {status} {wire_code}, as the inspector shows")
