"""Container apps with azure-mgmt-appcontainers 5.1 (process workloads): an app with external
ingress created through the SDK's poller, whose replica is the user's own HTTP server; requests
to its fqdn (APP.DEFAULTDOMAIN) through the simulator as HTTPS proxy and by Host header are
answered by that process (a 200 KB body echoed back byte for byte); each template change makes
a new revision (APP--SUFFIX) and, in Single mode, deactivates the old one, whose own host name
then answers Container Apps' 404; deactivate/activate/restart; replicas; secrets by name only
and with values from listSecrets; the app's console lines read back from
ContainerAppConsoleLogs_CL with azure-monitor-query, each with its ContainerAppName_s,
RevisionName_s and Stream_s; apps listed a page of one at a time, each once; ARM's errors; a
delete stops the process."""
import hashlib
import os
import socket
import time
from datetime import timedelta

import requests

from common import SCOPE, SUBSCRIPTION, URL, check, credential, expect_http_error, resource_client, unique

from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.appcontainers import models as m
from azure.mgmt.resource.resources.models import ResourceGroup
from azure.monitor.query import LogsQueryClient, LogsQueryStatus

HTTP_URL = os.environ["SOCKERLESS_AZURE_HTTP_URL"]
CA = os.environ["REQUESTS_CA_BUNDLE"]
cred = credential("ingress-app", "ingress-secret")
resources = resource_client(cred)
apps = ContainerAppsAPIClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
headers = {"Authorization": f"Bearer {cred.get_token(SCOPE).token}"}

group = unique("ingress")
resources.resource_groups.create_or_update(group, ResourceGroup(location="eastus"))
workspace_url = (f"{URL}/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/"
                 f"Microsoft.OperationalInsights/workspaces/apps-ws?api-version=2023-09-01")
workspace = requests.put(workspace_url, json={"location": "eastus"}, headers=headers).json()
customer_id = workspace["properties"]["customerId"]
logs_config = m.AppLogsConfiguration(destination="log-analytics", log_analytics_configuration=m.LogAnalyticsConfiguration(
    customer_id=customer_id, shared_key="unused"))
env = apps.managed_environments.begin_create_or_update(
    group, "web-env", m.ManagedEnvironment(location="eastus", app_logs_configuration=logs_config)).result()
domain = env.properties.default_domain


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
# The user's server: answers GET with who it is and POST with the body it got, and prints a line
# per request on stdout (and one on stderr at start).
SERVER = r'''
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Revision", os.environ["CONTAINER_APP_REVISION"])
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        print(f"served {self.command} {self.path} host={self.headers['Host']} proto={self.headers['X-Forwarded-Proto']}", flush=True)
        self.reply(f"{os.environ['GREETING']} from {os.environ['CONTAINER_APP_REVISION']} on {self.path}".encode())
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        print(f"served POST {len(body)} bytes", flush=True)
        self.reply(body)
    def log_message(self, *args):
        pass
print("starting on", os.environ["CONTAINER_APP_PORT"], file=sys.stderr, flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["CONTAINER_APP_PORT"])), H).serve_forever()
'''


def web_app(greeting, suffix=None, mode="Single"):
    return m.ContainerApp(
        location="eastus",
        managed_environment_id=env.id,
        configuration=m.Configuration(
            active_revisions_mode=mode,
            ingress=m.Ingress(external=True, target_port=PORT),
            secrets=[m.Secret(name="greeting", value=greeting)]),
        template=m.Template(revision_suffix=suffix, containers=[m.Container(
            name="web", image="busybox", command=["/usr/bin/python3", "-c", SERVER],
            env=[m.EnvironmentVar(name="GREETING", secret_ref="greeting")])]))


app = apps.container_apps.begin_create_or_update(group, "web", web_app("hello")).result()
check(app.provisioning_state == "Succeeded", f"state: {app.provisioning_state}")
fqdn = app.configuration.ingress.fqdn
check(fqdn == f"web.{domain}", f"fqdn {fqdn} for domain {domain}")
first = app.latest_revision_name
check(first.startswith("web--") and len(first) == len("web--") + 7, f"revision: {first}")
check(app.latest_ready_revision_name == first, f"ready: {app.latest_ready_revision_name}")
check(app.latest_revision_fqdn == f"{first}.{domain}", f"revision fqdn: {app.latest_revision_fqdn}")
check(app.configuration.active_revisions_mode == "Single", f"mode: {app.configuration.active_revisions_mode}")
check([(s.name, s.value) for s in app.configuration.secrets] == [("greeting", None)], f"secrets: {app.configuration.secrets}")
secrets = apps.container_apps.list_secrets(group, "web")
check([(s.name, s.value) for s in secrets.value] == [("greeting", "hello")], f"listSecrets: {secrets.value}")

# Through the simulator as proxy: a CONNECT tunnel, TLS with the app's name.
proxies = {"https": HTTP_URL, "http": HTTP_URL}
got = requests.get(f"https://{fqdn}/greet?x=1", proxies=proxies, verify=CA, timeout=30)
check(got.status_code == 200 and got.text == f"hello from {first} on /greet?x=1", f"GET: {got.status_code} {got.text}")
check(got.headers["X-Revision"] == first, f"headers: {got.headers}")
payload = os.urandom(200_000)
posted = requests.post(f"https://{fqdn}/echo", data=payload, proxies=proxies, verify=CA, timeout=30)
check(posted.status_code == 200 and hashlib.sha256(posted.content).digest() == hashlib.sha256(payload).digest(),
      f"POST echoed {len(posted.content)} bytes")
# By Host header on the simulator's own port.
by_host = requests.get(f"{HTTP_URL}/plain", headers={"Host": fqdn}, timeout=30)
check(by_host.status_code == 200 and by_host.text == f"hello from {first} on /plain", f"Host: {by_host.text}")
missing = requests.get(f"{HTTP_URL}/", headers={"Host": f"nosuchapp.{domain}"}, timeout=30)
check(missing.status_code == 404 and "Container App is stopped or does not exist" in missing.text, f"unknown app: {missing.status_code}")

revision = apps.container_apps_revisions.get_revision(group, "web", first)
check(revision.active and revision.replicas == 1 and revision.running_state == "Running", f"revision: {revision}")
check(revision.traffic_weight == 100 and revision.fqdn == f"{first}.{domain}", f"revision: {revision}")
replicas = apps.container_apps_revision_replicas.list_replicas(group, "web", first).value
check(len(replicas) == 1 and replicas[0].name.startswith(first + "-"), f"replicas: {replicas}")
check([(c.name, c.ready, c.restart_count) for c in replicas[0].containers] == [("web", True, 0)], f"containers: {replicas[0].containers}")

# A secret change alone keeps the revision; a template change makes a new one (given suffix).
app = apps.container_apps.begin_create_or_update(group, "web", web_app("bonjour")).result()
check(app.latest_revision_name == first, f"a configuration change kept {first}: {app.latest_revision_name}")
check(requests.get(f"https://{fqdn}/", proxies=proxies, verify=CA, timeout=30).text == f"bonjour from {first} on /",
      "the replica restarted with the new secret")
app = apps.container_apps.begin_create_or_update(group, "web", web_app("bonjour", suffix="v2")).result()
second = app.latest_revision_name
check(second == "web--v2" and app.latest_ready_revision_name == second, f"second revision: {second}")
check(requests.get(f"https://{fqdn}/", proxies=proxies, verify=CA, timeout=30).text == f"bonjour from {second} on /",
      "the new revision serves")
revisions = {r.name: r for r in apps.container_apps_revisions.list_revisions(group, "web")}
check(sorted(revisions) == sorted([first, second]), f"revisions: {list(revisions)}")
check(not revisions[first].active and revisions[first].replicas == 0, f"single mode deactivated {first}")
old = requests.get(f"{HTTP_URL}/", headers={"Host": f"{first}.{domain}"}, timeout=30)
check(old.status_code == 404, f"an inactive revision's name: {old.status_code}")
by_revision = requests.get(f"{HTTP_URL}/", headers={"Host": f"{second}.{domain}"}, timeout=30)
check(by_revision.text == f"bonjour from {second} on /", f"the revision's own name: {by_revision.text}")
no_containers = m.ContainerApp(location="eastus", managed_environment_id=env.id, template=m.Template(containers=[]))
expect_http_error(lambda: apps.container_apps.begin_create_or_update(group, "web", no_containers).result(),
                  "MissingRequiredProperty", "The required property 'properties.template.containers' is missing from the request.")

# Restart: a new replica; deactivate: nothing answers; activate: it serves again.
before = apps.container_apps_revision_replicas.list_replicas(group, "web", second).value[0].name
apps.container_apps_revisions.restart_revision(group, "web", second)
after = apps.container_apps_revision_replicas.list_replicas(group, "web", second).value[0].name
check(before != after, f"restart made a new replica: {before} {after}")
apps.container_apps_revisions.deactivate_revision(group, "web", second)
check(requests.get(f"{HTTP_URL}/", headers={"Host": fqdn}, timeout=30).status_code == 404, "deactivated")
check(apps.container_apps_revisions.get_revision(group, "web", second).running_state == "Stopped", "stopped state")
apps.container_apps_revisions.activate_revision(group, "web", second)
deadline = time.time() + 30
while True:
    answer = requests.get(f"{HTTP_URL}/again", headers={"Host": fqdn}, timeout=30)
    if answer.status_code == 200 or time.time() > deadline:
        break
    time.sleep(0.2)
check(answer.text == f"bonjour from {second} on /again", f"activated: {answer.status_code} {answer.text}")

# A second app without ingress; apps listed a page of one at a time.
worker = m.ContainerApp(location="eastus", managed_environment_id=env.id, template=m.Template(containers=[m.Container(
    name="worker", image="busybox", command=["/bin/sh", "-c", "echo worker up; sleep 300"])]))
w = apps.container_apps.begin_create_or_update(group, "worker", worker).result()
check(w.configuration.ingress is None and w.latest_revision_fqdn == "", f"worker: {w.configuration.ingress} {w.latest_revision_fqdn!r}")
pages = apps.container_apps.list_by_resource_group(group, params={"$top": "1"}).by_page()
sizes_and_names = [[a.name for a in page] for page in pages]
check(sorted(n for page in sizes_and_names for n in page) == ["web", "worker"] and all(len(p) <= 1 for p in sizes_and_names),
      f"pages: {sizes_and_names}")

# Errors.
expect_http_error(lambda: apps.container_apps.get(group, "nosuchapp"), "ResourceNotFound",
                  f"The Resource 'Microsoft.App/containerApps/nosuchapp' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
expect_http_error(lambda: apps.container_apps.begin_create_or_update(group, "Bad_App", web_app("x")).result(),
                  "ContainerAppInvalidName")
bad_ref = web_app("x")
bad_ref.configuration.secrets = []
expect_http_error(lambda: apps.container_apps.begin_create_or_update(group, "badref", bad_ref).result(),
                  "ContainerAppSecretRefNotFound", "SecretRef 'greeting' defined for container 'web' not found.")

# The console lines, with the app's and revisions' names.
client = LogsQueryClient(cred, endpoint=URL)
query = ('ContainerAppConsoleLogs_CL | where ContainerAppName_s == "web" '
         '| order by TimeGenerated asc | project RevisionName_s, Stream_s, Log_s')
rows = [tuple(r) for r in client.query_workspace(customer_id, query, timespan=timedelta(hours=1)).tables[0].rows]
check((first, "stdout", "served GET /greet?x=1 host=" + fqdn + " proto=https") in rows, f"rows: {rows}")
check((first, "stdout", "served POST 200000 bytes") in rows, f"rows: {rows}")
check((second, "stderr", f"starting on {PORT}") in rows, f"rows: {rows}")
check(any(r[0] == second and r[2] == "served GET /again host=" + fqdn + " proto=http" for r in rows), f"rows: {rows}")
worker_rows = client.query_workspace(customer_id, 'ContainerAppConsoleLogs_CL | where ContainerAppName_s == "worker" | project Log_s',
                                     timespan=None)
check(worker_rows.status == LogsQueryStatus.SUCCESS and [tuple(r) for r in worker_rows.tables[0].rows] == [("worker up",)],
      f"worker rows: {worker_rows.tables[0].rows}")

# Delete: the replica's process ends, so its port closes.
apps.container_apps.begin_delete(group, "web").result()
expect_http_error(lambda: apps.container_apps.get(group, "web"), "ResourceNotFound")
check(requests.get(f"{HTTP_URL}/", headers={"Host": fqdn}, timeout=30).status_code == 404, "deleted app's name")
with socket.socket() as probe:
    check(probe.connect_ex(("127.0.0.1", PORT)) != 0, "the replica's process is gone")
resources.resource_groups.begin_delete(group).result()
print("ok")
