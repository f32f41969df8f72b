"""Cloud Run services through google-cloud-run's REST transport (integer enums): a service whose
container is a small HTTP server really answers at its URL (through the simulator as a proxy,
and by Host header); a template change makes a new revision, traffic splits exactly by
percentage and tags get their own URL; a container that never listens fails its revision with
Cloud Run's message; paged listings, revisions, deletes and Google's errors; the instances'
output and each request land in Cloud Logging under cloud_run_revision. Exits non-zero on the
first difference."""
import os
import sys
import urllib.error
import urllib.request

from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import logging, run_v2

ENDPOINT = os.environ["RUN_ENDPOINT"]
options = ClientOptions(api_endpoint=ENDPOINT)
services = run_v2.ServicesClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
revisions = run_v2.RevisionsClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
PARENT = "projects/p/locations/us-central1"
State = run_v2.Condition.State
Type = run_v2.TrafficTargetAllocationType

SERVER = """
import http.server, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{os.environ.get('GREETING', 'hello')} from {os.environ['K_REVISION']} of {os.environ['K_SERVICE']} at {self.path} for {self.headers['Host']}".encode()
        print(f"served {self.path}", flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        print("request " + (args[0] % args[1:]), file=sys.stderr, flush=True)
print("listening on " + os.environ["PORT"], flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def service_of(greeting=None, command=None):
    env = [run_v2.EnvVar(name="GREETING", value=greeting)] if greeting else []
    container = run_v2.Container(image="localhost/python", command=command or ["/usr/bin/python3", "-c", SERVER], env=env)
    return run_v2.Service(template=run_v2.RevisionTemplate(containers=[container]))


proxy = urllib.request.build_opener(urllib.request.ProxyHandler({"http": ENDPOINT}))


def fetch(url, path="/"):
    """GET the service's URL through the simulator as an HTTP proxy."""
    url = url.replace("https://", "http://") + path
    try:
        with proxy.open(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def condition(resource, kind):
    return next(c for c in resource.conditions if c.type_ == kind)


# Create: the operation finishes once the container listens; the service serves at its URL.
operation = services.create_service(parent=PARENT, service_id="hello", service=service_of())
assert operation.metadata.name == f"{PARENT}/services/hello", operation.metadata
service = operation.result(timeout=60)
host = service.uri.removeprefix("https://")
assert service.uri.startswith("https://hello-") and service.uri.endswith("-uc.a.run.app"), service.uri
assert service.generation == 1 and service.uid and service.create_time, service
assert service.terminal_condition.state == State.CONDITION_SUCCEEDED, service.terminal_condition
first = service.latest_ready_revision
assert first == service.latest_created_revision and first.startswith(f"{PARENT}/services/hello/revisions/hello-00001-"), first
first_id = first.rsplit("/", 1)[1]
assert [(t.type_, t.percent) for t in service.traffic_statuses] == [(Type.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, 100)], service.traffic_statuses
assert service.template.containers[0].ports[0].container_port == 8080, service.template.containers[0].ports
status, body = fetch(service.uri, "/greet?x=1")
assert status == 200 and body == f"hello from {first_id} of hello at /greet?x=1 for {host}", (status, body)
# The same, with the service's name in the Host header of a plain request.
request = urllib.request.Request(f"{ENDPOINT}/direct", headers={"Host": host})
with urllib.request.urlopen(request, timeout=30) as response:
    assert response.read().decode() == f"hello from {first_id} of hello at /direct for {host}"
revision = revisions.get_revision(name=first)
assert condition(revision, "Ready").state == State.CONDITION_SUCCEEDED, revision.conditions
assert revision.service == "hello" and revision.containers[0].image == "localhost/python", revision

# Errors: duplicate, bad ID, missing.
try:
    services.create_service(parent=PARENT, service_id="hello", service=service_of()).result()
except exceptions.Conflict:
    pass
else:
    raise AssertionError("a duplicate service was created")
try:
    services.create_service(parent=PARENT, service_id="Bad_Name", service=service_of()).result()
except exceptions.BadRequest:
    pass
else:
    raise AssertionError("a bad service ID was accepted")
try:
    services.get_service(name=f"{PARENT}/services/missing")
except exceptions.NotFound:
    pass
else:
    raise AssertionError("a missing service was found")

# Update: a new template makes revision 2, which then serves; labels alone make none.
service.template.containers[0].env = [run_v2.EnvVar(name="GREETING", value="howdy")]
service = services.update_service(service=service).result(timeout=60)
second = service.latest_ready_revision
assert second.rsplit("/", 1)[1].startswith("hello-00002-") and service.latest_created_revision == second, service
assert service.generation == 2, service.generation
second_id = second.rsplit("/", 1)[1]
assert fetch(service.uri)[1].startswith(f"howdy from {second_id}"), fetch(service.uri)
service.labels = {"team": "web"}
service = services.update_service(service=service).result(timeout=60)
assert service.latest_created_revision == second and service.labels["team"] == "web", service

# Traffic: 50/50 with tags; ten requests split five and five; a tag's URL reaches its revision.
service.traffic = [
    run_v2.TrafficTarget(type_=Type.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION, revision=first_id, percent=50, tag="blue"),
    run_v2.TrafficTarget(type_=Type.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, percent=50, tag="green"),
]
service = services.update_service(service=service).result(timeout=60)
statuses = [(t.type_, t.revision, t.percent, t.tag, t.uri) for t in service.traffic_statuses]
assert statuses == [
    (Type.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION, first_id, 50, "blue", f"https://blue---{host}"),
    (Type.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, "", 50, "green", f"https://green---{host}"),
], statuses
answers = [fetch(service.uri)[1].split(" from ")[0] for _ in range(10)]
assert sorted(answers) == ["hello"] * 5 + ["howdy"] * 5, answers
assert fetch(f"https://blue---{host}")[1].startswith(f"hello from {first_id}")
assert fetch(f"https://green---{host}")[1].startswith(f"howdy from {second_id}")
bad = run_v2.Service(name=service.name, template=service.template, traffic=[
    run_v2.TrafficTarget(type_=Type.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, percent=60)])
try:
    services.update_service(service=bad).result()
except exceptions.BadRequest:
    pass
else:
    raise AssertionError("traffic adding up to 60 was accepted")

# Revisions: paged one at a time, newest first; one serving traffic cannot be deleted.
listed = [r.name for r in revisions.list_revisions(request=run_v2.ListRevisionsRequest(parent=service.name, page_size=1))]
assert listed == [second, first], listed
try:
    revisions.delete_revision(name=first).result()
except exceptions.BadRequest as error:
    # FAILED_PRECONDITION is HTTP 400, which the client raises as BadRequest.
    assert "is serving traffic" in str(error), error
else:
    raise AssertionError("a revision serving traffic was deleted")
service.traffic = [run_v2.TrafficTarget(type_=Type.TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, percent=100)]
service = services.update_service(service=service).result(timeout=60)
revisions.delete_revision(name=first).result(timeout=30)
assert [r.name for r in revisions.list_revisions(parent=service.name)] == [second]
assert fetch(f"https://blue---{host}")[0] == 404

# A container that never listens: the operation fails with Cloud Run's message, the service
# and revision say why, and its output is in the logs.
operation = services.create_service(parent=PARENT, service_id="broken", service=service_of(command=["sh", "-c", "echo cannot start >&2; exit 3"]))
try:
    operation.result(timeout=60)
except exceptions.GoogleAPICallError as error:
    assert "failed to start and listen on the port defined provided by the PORT=" in str(error), error
else:
    raise AssertionError("a container that never listens became ready")
broken = services.get_service(name=f"{PARENT}/services/broken")
assert broken.terminal_condition.state == State.CONDITION_FAILED, broken.terminal_condition
assert "is not ready and cannot serve traffic" in broken.terminal_condition.message, broken.terminal_condition
assert not broken.latest_ready_revision and broken.latest_created_revision, broken
failed = revisions.get_revision(name=broken.latest_created_revision)
assert condition(failed, "Ready").state == State.CONDITION_FAILED, failed.conditions
assert condition(failed, "Ready").revision_reason == run_v2.Condition.RevisionReason.HEALTH_CHECK_CONTAINER_ERROR
assert fetch(broken.uri)[0] == 503

# Listings of services paged one at a time: each once.
names = [s.name.rsplit("/", 1)[1] for s in services.list_services(request=run_v2.ListServicesRequest(parent=PARENT, page_size=1))]
assert names == ["broken", "hello"], names

# Cloud Logging: the instances' output and the requests, under cloud_run_revision.
log_client = logging.Client(project="p", credentials=AnonymousCredentials(), _use_grpc=False,
                            client_options={"api_endpoint": ENDPOINT})
stdout = [e.payload for e in log_client.list_entries(filter_=f'resource.type="cloud_run_revision" AND resource.labels.revision_name="{second_id}" AND logName="projects/p/logs/run.googleapis.com%2Fstdout"')]
assert stdout[0].startswith("listening on ") and "served /" in stdout, stdout
requests = list(log_client.list_entries(filter_=f'resource.labels.service_name="hello" AND logName="projects/p/logs/run.googleapis.com%2Frequests" AND httpRequest.status=200'))
assert len(requests) >= 15, len(requests)
assert requests[0].http_request["requestMethod"] == "GET" and requests[0].http_request["requestUrl"].startswith(f"http://{host}/"), requests[0].http_request
stderr = [e.payload for e in log_client.list_entries(filter_='resource.labels.service_name="broken" AND logName="projects/p/logs/run.googleapis.com%2Fstderr"')]
assert stderr == ["cannot start"], stderr

# Delete: the service and its revisions go; its URL no longer answers.
deleted = services.delete_service(name=service.name).result(timeout=30)
assert deleted.name == service.name
try:
    revisions.get_revision(name=second)
except exceptions.NotFound:
    pass
else:
    raise AssertionError("a deleted service's revision was found")
assert fetch(service.uri)[0] == 404
print("ok")
