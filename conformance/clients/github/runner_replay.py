"""Replays the official actions/runner's request sequence against bleephub's runner service
(config, connect, session, message, renew, timeline and logs, job completed, delete session),
decrypting each message with the session's key as the runner does,
checking that each answer carries what the runner's DTOs read (TaskAgent, TaskAgentSession,
TaskAgentMessage, AgentJobRequestMessage, TaskAgentJobRequest, TaskLog).

Environment: BLEEPHUB_URL, BLEEPHUB_ADMIN_TOKEN, USER_TOKEN (owner of REPO), REPO (o/r),
REG_TOKEN (a registration token for REPO). Prints one JSON line: the runs it drove."""
import base64
import json
import os
import re
import threading
import time
import uuid

import jwt
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from common import URL, check

REPO = os.environ["REPO"]
USER_TOKEN = os.environ["USER_TOKEN"]
REG_TOKEN = os.environ["REG_TOKEN"]
ZERO = "00000000-0000-0000-0000-000000000000"
ACCEPT = {"Accept": "application/json;api-version=6.0-preview.1"}

http = requests.Session()


def b64(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.b64encode(raw).decode()


def expect(response, status, what):
    check(response.status_code == status, f"{what}: {response.status_code} {response.text[:400]}")
    return response.json() if response.content else None


def rest(method, path, body=None):
    return http.request(method, URL + path, json=body,
                        headers={"Authorization": "token " + USER_TOKEN})


# --- config.sh: the bootstrap -------------------------------------------------------------
registration_url = URL + "/api/v3/actions/runner-registration"
body = {"url": f"{URL}/{REPO}", "runner_event": "register"}
bad = http.post(registration_url, json=body, headers={"Authorization": "RemoteAuth AWRONGTOKEN"})
check(bad.status_code == 404, f"a wrong registration token: {bad.status_code}")
tenant = expect(http.post(registration_url, json=body,
                          headers={"Authorization": "RemoteAuth " + REG_TOKEN}), 200, "registration")
check(tenant["token_schema"] == "OAuthAccessToken", tenant)
check(tenant["use_v2_flow"] is False, tenant)
BASE = tenant["url"].rstrip("/")
check("/_apis" not in BASE, BASE)
registration = {"Authorization": "Bearer " + tenant["token"], **ACCEPT}

# ConnectAsync: connectionData (anonymous), then the resource locations.
connection = expect(http.get(BASE + "/_apis/connectionData",
                             params={"connectOptions": "1", "lastChangeId": "-1", "lastChangeId64": "-1"}),
                    200, "connectionData")
location = connection["locationServiceData"]
check(uuid.UUID(connection["instanceId"]) and uuid.UUID(location["serviceOwner"]), connection)
check(location["accessMappings"][0]["accessPoint"] == BASE, location)
locations = expect(http.options(BASE + "/_apis/"), 200, "OPTIONS _apis/")
check(locations["count"] == len(locations["value"]), locations)
templates = {l["id"].lower(): l["routeTemplate"] for l in locations["value"]}


def url_for(location_id, **values):
    """The URL a VSS client builds from a route template: known values filled in, a trailing
    segment whose value is not given dropped."""
    template = templates[location_id.lower()]
    parts = []
    for segment in template.split("/"):
        names = re.findall(r"{(\w+)}", segment)
        if names and any(n not in values for n in names):
            continue
        for name in names:
            segment = segment.replace("{" + name + "}", str(values[name]))
        parts.append(segment)
    return BASE + "/" + "/".join(parts)


POOLS = "a8c47e17-4d56-4a56-92bb-de7ea7dc65be"
AGENTS = "e298ef32-5878-4cab-993c-043836571f42"
SESSIONS = "134e239e-2df3-4794-a6f6-24f1f19ec8dc"
MESSAGES = "c3a054f6-7a8a-49c0-944e-3a8e5d7adfd7"
REQUESTS = "fc825784-c92a-4299-9221-998a02d1b54f"
RECORDS = "8893bc5b-35b2-4be7-83cb-99e683551db4"
FEED = "858983e4-19bd-4c5e-864c-507b59b58b12"
LOGS = "46f5667d-263a-4684-91b1-dff7fdcf64e2"
EVENTS = "557624af-b29e-4c20-8ab0-0399d2204f3f"

check(http.get(url_for(POOLS)).status_code == 401, "pools without a token")
pools = expect(http.get(url_for(POOLS), headers=registration), 200, "pools")["value"]
pool = next(p for p in pools if p["isInternal"])
check(pool["name"] == "Default" and pool["isHosted"] is False, pools)
POOL = pool["id"]

agents = expect(http.get(url_for(AGENTS, poolId=POOL), params={"agentName": "replay"},
                         headers=registration), 200, "agents by name")
check(agents["count"] == 0, agents)

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
numbers = key.public_key().public_numbers()
agent_body = {
    "name": "replay", "version": "2.330.0", "osDescription": "Linux", "maxParallelism": 1,
    "ephemeral": False, "disableUpdate": False, "status": 0, "provisioningState": None,
    "authorization": {"publicKey": {"exponent": b64(numbers.e), "modulus": b64(numbers.n)}},
    "labels": [{"name": "self-hosted", "type": "system"}, {"name": "Linux", "type": "system"},
               {"name": "X64", "type": "system"}, {"name": "replay", "type": "user"}],
}
agent = expect(http.post(url_for(AGENTS, poolId=POOL), json=agent_body, headers=registration), 200, "add agent")
check(isinstance(agent["id"], int) and agent["name"] == "replay", agent)
authorization = agent["authorization"]
client_id = str(uuid.UUID(authorization["clientId"]))
token_url = authorization["authorizationUrl"]
check(token_url.startswith(BASE), authorization)
check({l["name"] for l in agent["labels"]} == {"self-hosted", "Linux", "X64", "replay"}, agent)
again = http.post(url_for(AGENTS, poolId=POOL), json=agent_body, headers=registration)
check(again.status_code == 409 and again.json()["typeKey"] == "TaskAgentExistsException", again.text)


# --- the OAuth exchange -------------------------------------------------------------------
def assertion(signing_key=key, audience=None, lifetime=300, skew=0):
    now = int(time.time()) + skew
    claims = {"iss": client_id, "sub": client_id, "aud": audience or token_url,
              "jti": str(uuid.uuid4()), "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, signing_key, algorithm="RS256")


def exchange(token):
    return http.post(token_url, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": token,
    })


stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
for token, described in [
    (assertion(signing_key=stranger), "signature is not valid"),
    (assertion(skew=-3600), "expired"),
    (assertion(audience="http://elsewhere/_apis/oauth2/token"), "audience"),
    (assertion(lifetime=330), "greater than the allowed maximum lifetime 00:05:00"),
]:
    refused = exchange(token)
    check(refused.status_code == 400, f"refused assertion: {refused.status_code}")
    check(refused.json()["error"] == "invalid_client", refused.text)
    check(described in refused.json()["error_description"], refused.text)
granted = expect(exchange(assertion()), 200, "token exchange")
check(granted["expires_in"] > 0 and granted["access_token"].count(".") == 2, granted)
runner = {"Authorization": "Bearer " + granted["access_token"], **ACCEPT}
forged = granted["access_token"][:-4] + ("AAAA" if not granted["access_token"].endswith("AAAA") else "BBBB")
check(http.get(url_for(POOLS), headers={"Authorization": "Bearer " + forged}).status_code == 401,
      "a forged access token")
expect(http.get(url_for(POOLS), headers=runner), 200, "pools with the access token")

# --- run.sh: a session and the message loop ------------------------------------------------
session_body = {"sessionId": ZERO, "ownerName": "replay-host",
                "agent": {"id": agent["id"], "name": "replay", "version": "2.330.0", "osDescription": "Linux"},
                "useFipsEncryption": False}
check(http.post(url_for(SESSIONS, poolId=POOL), json=session_body, headers=registration).status_code == 401,
      "a session with the registration token")
session = expect(http.post(url_for(SESSIONS, poolId=POOL), json=session_body, headers=runner), 200, "session")
session_id = session["sessionId"]
check(uuid.UUID(session_id) and session["agent"]["id"] == agent["id"], session)
check(session["useFipsEncryption"] is False and session["encryptionKey"]["encrypted"] is True, session)
# The runner unwraps the session's AES key with its RSA key (OAEP, SHA-1 without FIPS) and
# decrypts each message body with it and the message's IV (AES-CBC, PKCS#7).
SESSION_KEY = key.decrypt(base64.b64decode(session["encryptionKey"]["value"]),
                          padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
check(len(SESSION_KEY) == 32, "an AES-256 session key")


def clear(message):
    """A message's body as the runner's MessageListener decrypts it."""
    check(message.get("iv"), f"the message is not encrypted: {message}")
    iv = base64.b64decode(message["iv"])
    check(len(iv) == 16, "a 16-byte IV")
    decryptor = Cipher(algorithms.AES(SESSION_KEY), modes.CBC(iv)).decryptor()
    padded = decryptor.update(base64.b64decode(message["body"])) + decryptor.finalize()
    unpadder = symmetric_padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(padded) + unpadder.finalize())

conflict = http.post(url_for(SESSIONS, poolId=POOL), json=session_body, headers=runner)
check(conflict.status_code == 409, f"second session: {conflict.status_code}")
check(conflict.json()["typeKey"] == "TaskAgentSessionConflictException", conflict.text)


def poll(last=None):
    params = {"sessionId": session_id, "status": "Online", "runnerVersion": "2.330.0",
              "os": "Linux", "architecture": "X64", "disableUpdate": "false"}
    if last is not None:
        params["lastMessageId"] = str(last)
    # Its own connection: a poll runs beside other calls, as the listener's does.
    return requests.get(url_for(MESSAGES, poolId=POOL), params=params, headers=runner, timeout=120)


def dispatch(workflow, inputs=None):
    response = rest("POST", f"/repos/{REPO}/actions/workflows/{workflow}/dispatches",
                    {"ref": "main", "inputs": inputs or {}, "return_run_details": True})
    return expect(response, 200, "dispatch")["workflow_run_id"]


# The poll waits for work and wakes when a dispatch queues a job.
answer = {}
waiting = threading.Thread(target=lambda: answer.update(response=poll()))
started = time.monotonic()
waiting.start()
time.sleep(1.5)
check(waiting.is_alive(), "the poll answered before there was work")
run_id = dispatch("ci.yml", {"greeting": "hello"})
waiting.join(30)
check(not waiting.is_alive(), "the poll did not wake on the dispatch")
check(time.monotonic() - started < 15, "the poll woke late")
message = expect(answer["response"], 200, "message")


def job_of(message):
    check(message["messageType"] == "PipelineAgentJobRequest", message["messageType"])
    check(isinstance(message["messageId"], int), message)
    job = clear(message)
    check(job["messageType"] == "PipelineAgentJobRequest", job.keys())
    for field in ("planId", "scopeIdentifier"):
        uuid.UUID(job["plan"][field])
    check(job["plan"]["planType"] == "actions", job["plan"])
    uuid.UUID(job["timeline"]["id"])
    uuid.UUID(job["jobId"])
    check(isinstance(job["requestId"], int) and job["lockedUntil"].endswith("Z"), job)
    endpoint = job["resources"]["endpoints"][0]
    check(endpoint["name"] == "SystemVssConnection" and endpoint["url"] == BASE, endpoint)
    check(endpoint["authorization"]["scheme"] == "OAuth", endpoint)
    variables = job["variables"]
    check(variables["system.github.token"]["isSecret"] is True, variables)
    check(job["fileTable"] == [".github/workflows/ci.yml"], job["fileTable"])
    contexts = {pair["k"]: pair["v"] for pair in job["contextData"]["d"]}
    check(job["contextData"]["t"] == 2, job["contextData"])
    github = {pair["k"]: pair["v"] for pair in contexts["github"]["d"]}
    check(github["repository"] == REPO and github["event_name"] == "workflow_dispatch", github)
    check(github["token"] == variables["system.github.token"]["value"], "github.token")
    return job, contexts, endpoint["authorization"]["parameters"]["AccessToken"]


job, contexts, job_token = job_of(message)
check(job["jobName"] == "build" and job["jobDisplayName"] == "build", job)
inputs = {pair["k"]: pair["v"] for pair in contexts["inputs"]["d"]}
check(inputs == {"greeting": "hello"}, inputs)
step = job["steps"][0]
check(step["type"] == "action" and step["reference"]["type"] == "script", step)
check(step["condition"] == "success()", step)
script = {pair["key"]: pair["value"] for pair in step["inputs"]["map"]}
check(step["inputs"]["type"] == 2, step["inputs"])
check(script["script"] == {"type": 3, "expr": "format('echo {0} from the step', inputs.greeting)"}, script)
check(job["environmentVariables"][0]["map"][0] == {"key": "STAGE", "value": "ci"}, job["environmentVariables"])
check(job["jobOutputs"]["map"][0]["key"] == "greeting", job["jobOutputs"])

# The GITHUB_TOKEN of the job works against the REST API while the job runs.
github_token = job["variables"]["system.github.token"]["value"]
check(http.get(URL + f"/repos/{REPO}", headers={"Authorization": "token " + github_token}).status_code == 200,
      "GITHUB_TOKEN during the job")

# The message stays in the queue until deleted.
again = expect(poll(), 200, "undeleted message")
check(again["messageId"] == message["messageId"], again)
delete = http.delete(url_for(MESSAGES, poolId=POOL, messageId=message["messageId"]),
                     params={"sessionId": session_id}, headers=runner)
check(delete.status_code in (200, 204), delete.status_code)


def work(job, job_token, lines, result, outputs):
    """What the runner's worker does: renew, timeline, feed, logs, JobCompleted, finish."""
    plan = job["plan"]
    values = {"scopeIdentifier": plan["scopeIdentifier"], "hubName": plan["planType"],
              "planId": plan["planId"], "timelineId": job["timeline"]["id"]}
    worker = {"Authorization": "Bearer " + job_token, **ACCEPT}
    request_url = url_for(REQUESTS, poolId=POOL, requestId=job["requestId"])
    renewed = expect(http.patch(request_url, params={"lockToken": ZERO},
                                json={"requestId": job["requestId"]}, headers=runner), 200, "renew")
    check(renewed["requestId"] == job["requestId"] and renewed["lockedUntil"] > "2000", renewed)
    check("finishTime" not in renewed and "result" not in renewed, renewed)
    check(http.patch(url_for(RECORDS, **values), json={"count": 0, "value": []},
                     headers=runner).status_code == 401, "timeline with the agent token")
    step_id = str(uuid.uuid4())
    started = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    records = [
        {"id": job["jobId"], "parentId": None, "type": "Job", "name": job["jobDisplayName"],
         "state": "inProgress", "startTime": started, "order": 1, "attempt": 1},
        {"id": step_id, "parentId": job["jobId"], "type": "Task", "name": "Run the step",
         "state": "inProgress", "startTime": started, "order": 1, "refName": "__run", "attempt": 1},
    ]
    updated = expect(http.patch(url_for(RECORDS, **values), json={"count": 2, "value": records},
                                headers=worker), 200, "timeline records")
    check(updated["count"] == 2 and updated["value"][1]["name"] == "Run the step", updated)
    feed = http.post(url_for(FEED, **values, recordId=job["jobId"]),
                     json={"value": lines, "count": len(lines), "stepId": step_id, "startLine": 1},
                     headers=worker)
    check(feed.status_code in (200, 204), f"feed: {feed.status_code}")
    log = expect(http.post(url_for(LOGS, **values), json={"path": f"logs\\{step_id}"}, headers=worker),
                 201, "create log")
    check(isinstance(log["id"], int) and log["path"] == f"logs\\{step_id}", log)
    content = "".join(f"2026-01-01T00:00:00.0000000Z {line}\n" for line in lines).encode()
    uploaded = expect(http.post(url_for(LOGS, **values, logId=log["id"]), data=content,
                                headers={**worker, "Content-Type": "application/octet-stream"}),
                      200, "upload log")
    check(uploaded["lineCount"] == len(lines), uploaded)
    finished = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    records[1].update(state="completed", result=result, finishTime=finished, log={"id": log["id"]})
    records[0].update(state="completed", result=result, finishTime=finished)
    expect(http.patch(url_for(RECORDS, **values), json={"count": 2, "value": records}, headers=worker),
           200, "timeline records completed")
    event = {"name": "JobCompleted", "jobId": job["jobId"], "requestId": job["requestId"],
             "result": result, "outputs": {k: {"value": v} for k, v in outputs.items()}}
    raised = http.post(url_for(EVENTS, **values), json=event, headers=worker)
    check(raised.status_code in (200, 204), f"JobCompleted: {raised.status_code} {raised.text}")
    done = expect(http.patch(request_url, params={"lockToken": ZERO},
                             json={"requestId": job["requestId"], "finishTime": finished, "result": result},
                             headers=runner), 200, "finish")
    check(done["result"] == result and "finishTime" in done, done)


work(job, job_token, ["hello from the step", "second line"], "succeeded", {"greeting": "hi there"})
check(http.get(URL + f"/repos/{REPO}", headers={"Authorization": "token " + github_token}).status_code == 401,
      "GITHUB_TOKEN after the job")

# The dependent job comes next, with `needs` from the first one's outputs.
message = expect(poll(), 200, "second message")
job, contexts, job_token = job_of(message)
check(job["jobName"] == "report", job["jobName"])
needs = {pair["k"]: pair["v"] for pair in contexts["needs"]["d"]}
build = {pair["k"]: pair["v"] for pair in needs["build"]["d"]}
outputs = {pair["k"]: pair["v"] for pair in build["outputs"]["d"]}
check(build["result"] == "success" and outputs == {"greeting": "hi there"}, build)
http.delete(url_for(MESSAGES, poolId=POOL, messageId=message["messageId"]),
            params={"sessionId": session_id}, headers=runner)
work(job, job_token, ["report says hi there"], "failed", {})

# Cancelling a run tells the runner that holds its job.
cancel_run = dispatch("ci.yml", {"greeting": "bye"})
message = expect(poll(), 200, "job to cancel")
job, _, _ = job_of(message)
http.delete(url_for(MESSAGES, poolId=POOL, messageId=message["messageId"]),
            params={"sessionId": session_id}, headers=runner)
check(rest("POST", f"/repos/{REPO}/actions/runs/{cancel_run}/cancel").status_code == 202, "cancel")
message = expect(poll(), 200, "cancel message")
check(message["messageType"] == "JobCancellation", message)
body = clear(message)
check(body["jobId"] == job["jobId"] and body["timeout"] == "00:05:00", body)
http.delete(url_for(MESSAGES, poolId=POOL, messageId=message["messageId"]),
            params={"sessionId": session_id}, headers=runner)
expect(http.patch(url_for(REQUESTS, poolId=POOL, requestId=job["requestId"]), params={"lockToken": ZERO},
                  json={"requestId": job["requestId"], "finishTime": "2026-01-01T00:00:00Z", "result": "canceled"},
                  headers=runner), 200, "finish cancelled")

# Leaving: the session goes, and a second delete finds none.
gone = http.delete(url_for(SESSIONS, poolId=POOL, sessionId=session_id), headers=runner)
check(gone.status_code in (200, 204), gone.status_code)
missing = http.delete(url_for(SESSIONS, poolId=POOL, sessionId=session_id), headers=runner)
check(missing.status_code == 404 and missing.json()["typeKey"] == "TaskAgentSessionExpiredException", missing.text)
expired = poll()
check(expired.status_code == 404 and expired.json()["typeKey"] == "TaskAgentSessionExpiredException", expired.text)

print(json.dumps({"run": run_id, "cancelled": cancel_run}))
