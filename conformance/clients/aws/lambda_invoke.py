"""Lambda functions really run: a Python handler's payload comes back, a raised error answers
FunctionError Unhandled with Python's error document and its traceback in the log stream, a
second invocation reuses the warm environment (module-level state survives), a timeout answers
Lambda's timeout document, LogType=Tail returns the invocation's log, an Event invocation runs
in the background (its log line appears), a Node handler and a provided.al2023 bootstrap shell
script run through the Runtime API, reserved concurrency 0 throttles with Lambda's reason, and
the function's boto3 calls land on the simulator with the execution role's credentials."""
import base64
import json
import time

from common import check, client, done, unique
from lambda_helpers import create, invoke, role

lam = client("lambda")
logs = client("logs")
role_arn = role()


def log_messages(name, want, deadline=20):
    """Every message of the function's log group, once `want` appears in one (or the deadline)."""
    group = f"/aws/lambda/{name}"
    end = time.time() + deadline
    messages = []
    while time.time() < end:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        messages = [e["message"] for e in events]
        if any(want in m for m in messages):
            return messages
        time.sleep(0.2)
    return messages


# A payload back, and module-level state kept between invocations of a warm environment.
name = unique("py")
create(lam, name, role_arn, {"app.py": (
    "import os\n"
    "import boto3\n"
    "count = 0\n"
    "print('initialising')\n"
    "def handler(event, context):\n"
    "    global count\n"
    "    count += 1\n"
    "    print('event', event['n'])\n"
    "    identity = boto3.client('sts').get_caller_identity()\n"
    "    return {'n': event['n'] * 2, 'count': count, 'arn': context.invoked_function_arn,\n"
    "            'remaining': context.get_remaining_time_in_millis(), 'caller': identity['Arn'],\n"
    "            'region': os.environ['AWS_REGION'], 'mine': os.environ.get('MINE')}\n"
)}, Timeout=10, Environment={"Variables": {"MINE": "yes"}})
first, body = invoke(lam, name, {"n": 21}, LogType="Tail")
check(first["StatusCode"] == 200 and "FunctionError" not in first, f"first invoke: {first}")
check(body["n"] == 42 and body["count"] == 1, f"first payload: {body}")
check(body["arn"].endswith(f":function:{name}"), f"invoked ARN: {body['arn']}")
check(0 < body["remaining"] <= 10000, f"remaining time: {body['remaining']}")
check(":assumed-role/" in body["caller"] and body["region"] == "us-east-1" and body["mine"] == "yes", f"environment: {body}")
check(first["ExecutedVersion"] == "$LATEST", f"executed version: {first.get('ExecutedVersion')}")
tail = base64.b64decode(first["LogResult"]).decode()
check(tail.startswith("START RequestId: ") and "event 21" in tail and "initialising" in tail, f"tail: {tail}")
check("REPORT RequestId: " in tail and "Init Duration:" in tail and "Memory Size: 128 MB" in tail, f"report: {tail}")
_, body = invoke(lam, name, {"n": 1})
check(body["count"] == 2, f"the warm environment was not reused: {body}")
_, body = invoke(lam, name, {"n": 2}, LogType="Tail")
messages = log_messages(name, "event 2")
check(sum("initialising" in m for m in messages) == 1, f"init ran more than once: {messages}")
check(any(m.startswith("INIT_START Runtime Version: python:3.12") for m in messages), f"no INIT_START: {messages}")
check(sum(m.startswith("START RequestId:") for m in messages) == 3, f"START lines: {messages}")
streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
check(len(streams) == 1 and "/[$LATEST]" in streams[0]["logStreamName"], f"streams: {streams}")
done("payload, warm reuse, tail, logs")

# A raised error.
failing = unique("py-raise")
create(lam, failing, role_arn, {"app.py": "def handler(event, context):\n    raise ValueError('no good')\n"})
answer, body = invoke(lam, failing, {})
check(answer["StatusCode"] == 200 and answer.get("FunctionError") == "Unhandled", f"error invoke: {answer}")
check(body["errorType"] == "ValueError" and body["errorMessage"] == "no good", f"error document: {body}")
check(body["requestId"] == answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] or len(body["requestId"]) == 36, f"requestId: {body}")
check(any("raise ValueError('no good')" in line for line in body["stackTrace"]), f"stack trace: {body['stackTrace']}")
messages = log_messages(failing, "Traceback")
check(any("[ERROR] ValueError: no good" in m for m in messages), f"error not logged: {messages}")
done("raised error")

# A timeout: Lambda's document, and the environment is recycled (init runs again).
slow = unique("py-slow")
create(lam, slow, role_arn, {"app.py": "import time\nprint('init slow')\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'ok'\n"}, Timeout=1)
answer, body = invoke(lam, slow, {"sleep": 5})
check(answer.get("FunctionError") == "Unhandled", f"timeout answer: {answer}")
check(body["errorType"] == "Sandbox.Timedout" and body["errorMessage"].endswith("Task timed out after 1.00 seconds"), f"timeout document: {body}")
_, body = invoke(lam, slow, {"sleep": 0})
check(body == "ok", f"after a timeout: {body}")
messages = log_messages(slow, "Task timed out after 1.00 seconds")
check(any("Task timed out after 1.00 seconds" in m for m in messages), f"timeout not logged: {messages}")
check(sum("init slow" in m for m in messages) == 2, f"the timed-out environment was reused: {messages}")
done("timeout")

# An Event invocation runs in the background.
answer = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 777}))
check(answer["StatusCode"] == 202, f"event invoke: {answer['StatusCode']}")
check(any("event 777" in m for m in log_messages(name, "event 777")), "the Event invocation did not run")
answer = lam.invoke(FunctionName=name, InvocationType="DryRun")
check(answer["StatusCode"] == 204, f"dry run: {answer['StatusCode']}")
done("event and dry run")

# Node, and a provided.al2023 bootstrap speaking the Runtime API with curl.
node = unique("node")
create(lam, node, role_arn, {"index.mjs": "let calls = 0;\nexport const handler = async (event, context) => {\n  calls += 1;\n  console.log('node got', JSON.stringify(event));\n  return { sum: event.a + event.b, calls, name: context.functionName };\n};\n"},
       runtime="nodejs20.x", handler="index.handler")
_, body = invoke(lam, node, {"a": 2, "b": 3})
check(body == {"sum": 5, "calls": 1, "name": node}, f"node payload: {body}")
_, body = invoke(lam, node, {"a": 1, "b": 1})
check(body["calls"] == 2, f"node warm reuse: {body}")
node_fail = unique("node-throw")
create(lam, node_fail, role_arn, {"index.js": "exports.handler = async () => { throw new TypeError('bad type'); };\n"}, runtime="nodejs20.x", handler="index.handler")
answer, body = invoke(lam, node_fail, {})
check(answer.get("FunctionError") == "Unhandled" and body["errorType"] == "TypeError" and body["errorMessage"] == "bad type", f"node error: {body}")
custom = unique("custom")
bootstrap = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i lambda-runtime-aws-request-id "$HEADERS" | tr -d '\\r' | cut -d' ' -f2)"
  echo "custom runtime got $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" > /dev/null
done
"""
create(lam, custom, role_arn, {"bootstrap": bootstrap}, runtime="provided.al2023", handler="my.handler")
_, body = invoke(lam, custom, {"k": "v"})
check(body == {"echo": {"k": "v"}, "handler": "my.handler"}, f"custom runtime payload: {body}")
done("node and provided.al2023")

# Reserved concurrency 0 throttles.
lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
try:
    lam.invoke(FunctionName=name, Payload=b"{}")
    check(False, "invoke with reserved concurrency 0 succeeded")
except lam.exceptions.TooManyRequestsException as error:
    check(error.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded", f"reason: {error.response}")
lam.delete_function_concurrency(FunctionName=name)
_, body = invoke(lam, name, {"n": 5})
check(body["n"] == 10, f"after deleting the reservation: {body}")
done("reserved concurrency")

# An update stops the old environments: the new code runs.
lam.update_function_code(FunctionName=name, ZipFile=__import__("lambda_helpers").zip_of({"app.py": "def handler(event, context):\n    return 'v2'\n"}))
lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
_, body = invoke(lam, name, {})
check(body == "v2", f"updated code: {body}")
done("update replaces environments")
