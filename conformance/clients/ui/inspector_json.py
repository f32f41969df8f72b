"""The request inspector's JSON (/_sockerless/requests), fed by the real aws CLI: each call is
listed with its service, operation, status and AWS error code in every protocol family (json,
query, rest-xml); signatures, session tokens, presigned-URL signatures and secret values are
redacted wherever they appear (headers, query strings, request and response bodies) while the
names of secrets stay readable; filters by status, operation and service return only what
matches; bodies are kept up to 64 KiB and counted beyond; bad parameters get the kit's 400;
the admin API's own requests are not recorded; and the token is required."""
import json
import os
import re
import subprocess
import urllib.parse
import urllib.request

from common import URL, admin, admin_json, aws, check, done, unique


def requests(query=""):
    return admin_json("/_sockerless/requests" + query)["requests"]


def detail(exchange):
    return admin_json(f"/_sockerless/requests/{exchange['id']}")


def newest(operation):
    found = requests(f"?operation={operation}&limit=1")
    check(found, f"no {operation} in the inspector")
    return found[0]


status, body, _ = admin("/_sockerless/requests", token=False)
check(status == 401 and body["error"]["code"] == "AdminTokenRequired", f"without the token: {status} {body}")
done("the inspector requires the admin token")

# Secret values are redacted in request and response bodies; the secret's name is not.
name = unique("ui-secret")
value = "hunter2-" + unique("value")
aws("secretsmanager", "create-secret", "--name", name, "--secret-string", value)
got = aws("secretsmanager", "get-secret-value", "--secret-id", name)
check(got["SecretString"] == value, "the secret reads back")
for operation in ("CreateSecret", "GetSecretValue"):
    exchange = newest(operation)
    check(exchange["service"] == "secretsmanager" and exchange["operation"] == f"secretsmanager:{operation}"
          and exchange["status"] == 200 and exchange["errorCode"] is None, f"{exchange}")
    shown = detail(exchange)
    text = json.dumps(shown)
    check(value not in text, f"{operation}: the secret value is shown: {text[:2000]}")
    check(name in shown["requestBody"]["text"], f"{operation}: the secret's name is hidden")
    authorization = dict(shown["requestHeaders"])["authorization"]
    check(authorization.startswith("AWS4-HMAC-SHA256 Credential=test/") and authorization.endswith("Signature=***redacted***"),
          f"{operation}: authorization shown as {authorization}")
check("***redacted***" in detail(newest("GetSecretValue"))["responseBody"]["text"], "the response's SecretString is marked")
done("secret values and signatures are redacted; the secret's name is readable")

# A session token in a header, and the credentials in STS's XML answer.
credentials = aws("sts", "get-session-token")["Credentials"]
environment = dict(os.environ, AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
                   AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"], AWS_SESSION_TOKEN=credentials["SessionToken"])
cli = os.environ.get("SOCKERLESS_AWS_CLI", "aws")
result = subprocess.run([cli, "ecs", "list-clusters", "--output", "json"], capture_output=True, text=True, env=environment)
check(result.returncode == 0, f"list-clusters with a session: {result.stderr}")
listed = detail(newest("ListClusters"))
headers = dict(listed["requestHeaders"])
check(headers.get("x-amz-security-token") == "***redacted***", f"the session token header: {headers}")
check(credentials["SessionToken"] not in json.dumps(listed), "the session token is shown")
issued = json.dumps(detail(newest("GetSessionToken")))
check(credentials["SecretAccessKey"] not in issued and credentials["SessionToken"] not in issued,
      "STS's answer shows the secret key or token")
check(credentials["AccessKeyId"] in issued, "STS's answer hides the access key ID, which is no secret")
done("session tokens are redacted in headers and in STS's XML answer")

# Error codes in each protocol family.
aws("secretsmanager", "describe-secret", "--secret-id", unique("nope"), expect_error="ResourceNotFoundException")
aws("iam", "get-role", "--role-name", unique("nope"), expect_error="NoSuchEntity")
bucket = unique("ui-bucket")
aws("s3api", "create-bucket", "--bucket", bucket)
aws("s3api", "get-object", "--bucket", bucket, "--key", "missing", os.devnull, expect_error="NoSuchKey")
for operation, code, status in [("DescribeSecret", "ResourceNotFoundException", 400),
                                ("GetRole", "NoSuchEntity", 404), ("GetObject", "NoSuchKey", 404)]:
    exchange = newest(operation)
    check(exchange["errorCode"] == code and exchange["status"] == status, f"{operation}: {exchange}")
done("error codes are recorded for json, query and rest-xml services")

# Filters.
client_errors = requests("?status=4xx&limit=1000")
check(client_errors and all(400 <= e["status"] < 500 for e in client_errors), f"status=4xx: {[e['status'] for e in client_errors]}")
check({"DescribeSecret", "GetRole", "GetObject"} <= {e["operation"].split(":")[1] for e in client_errors}, "4xx misses calls")
check(all(e["status"] >= 400 for e in requests("?status=error&limit=1000")), "status=error")
check(all(e["status"] == 404 for e in requests("?status=404&limit=1000")), "status=404")
only = requests("?operation=getrole")
check(only and all(e["operation"] == "iam:GetRole" for e in only), f"operation=getrole: {only}")
check(all(e["service"] == "secretsmanager" for e in requests("?service=secretsmanager&limit=1000")), "service filter")
check(len(requests("?limit=1")) == 1, "limit=1")
everything = requests("?limit=1000")
check([e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True), "newest first")
for bad in ("?limit=0", "?limit=abc", "?limit=100000"):
    status, body, _ = admin("/_sockerless/requests" + bad)
    check(status == 400 and body["error"]["code"] == "InvalidRequest", f"{bad}: {status} {body}")
status, body, _ = admin("/_sockerless/requests/999999999")
check(status == 404 and body["error"]["code"] == "RequestNotFound", f"an unknown request: {status} {body}")
status, body, _ = admin("/_sockerless/requests/abc")
check(status == 400 and body["error"]["code"] == "InvalidRequest", f"a bad request number: {status} {body}")
done("filters by status, operation, service and limit; bad parameters get 400")

# Bodies are kept up to 64 KiB and counted beyond.
big = os.path.join(os.environ.get("TMPDIR", "/tmp"), "big.bin")
with open(big, "w") as handle:
    handle.write("x" * 100_000)
aws("s3api", "put-object", "--bucket", bucket, "--key", "big", "--body", big)
body = detail(newest("PutObject"))["requestBody"]
check(body["size"] == 100_000 and body["truncated"] is True and len(body["text"]) == 65_536, f"the big body: size {body['size']}, kept {len(body.get('text', ''))}")
done("bodies are kept up to 64 KiB and counted in full")

# A presigned URL's signature is redacted from the target.
presign = subprocess.run([cli, "s3", "presign", f"s3://{bucket}/big"], capture_output=True, text=True)
check(presign.returncode == 0, f"presign: {presign.stderr}")
with urllib.request.urlopen(presign.stdout.strip(), timeout=30) as response:
    check(len(response.read()) == 100_000, "the presigned GET reads the object")
target = detail(newest("GetObject"))["uri"]
# The aws CLI v1 presigns S3 URLs with SigV2 (Signature=) by default, SigV4 (X-Amz-Signature=) when asked.
signature = re.search(r"(?:^|[?&])(?:X-Amz-)?Signature=([^&]*)", target)
check(signature and signature.group(1) == "***redacted***", f"the presigned target: {target}")
check(urllib.parse.parse_qs(urllib.parse.urlsplit(presign.stdout.strip()).query).keys() & {"Signature", "X-Amz-Signature"},
      "the presigned URL carries a signature")
done("a presigned URL's signature is redacted")

# The admin API's own requests are not recorded.
admin_json("/_sockerless/overview")
check(not [e for e in requests("?limit=1000") if e["path"].startswith("/_sockerless/")], "admin requests were recorded")
exchange = requests("?limit=1")[0]
check(exchange["client"].startswith("127.0.0.1:") and exchange["latencyMs"] >= 0 and exchange["requestId"], f"{exchange}")
done("the admin API's own requests are not recorded; client, latency and request ID are")

# Paused, the ring keeps what it holds and records nothing new; resumed, it records again.
status, body, _ = admin("/_sockerless/inspector")
check(status == 200 and body["recording"] is True and body["capacity"] == 1000, f"the inspector's settings: {status} {body}")
marker = unique("paused")
status, body, _ = admin("/_sockerless/inspector", method="PUT", body={"recording": False})
check(status == 200 and body["recording"] is False, f"pause: {status} {body}")
held = body["held"]
aws("ecs", "create-cluster", "--cluster-name", marker)
check(not requests("?operation=CreateCluster&limit=1000"), "a request made while paused was recorded")
check(admin_json("/_sockerless/inspector")["held"] == held, "the ring changed while paused")
check(admin_json("/_sockerless/overview")["requests"]["recording"] is False, "the overview does not say paused")
for bad in ({"recording": "no"}, {"size": 3}, None):
    status, body, _ = admin("/_sockerless/inspector", method="PUT", body=bad)
    check(status == 400 and body["error"]["code"] == "InvalidRequest", f"PUT {bad}: {status} {body}")
status, body, _ = admin("/_sockerless/inspector", method="PUT", body={"recording": False}, token=False)
check(status == 401, f"pausing without the token: {status} {body}")
status, body, _ = admin("/_sockerless/inspector", method="PUT", body={"recording": True})
check(status == 200 and body["recording"] is True, f"resume: {status} {body}")
aws("ecs", "describe-clusters", "--clusters", marker)
check(newest("DescribeClusters")["status"] == 200, "a request after resuming was not recorded")
done("recording pauses and resumes; paused, nothing new is recorded and the ring is kept")
