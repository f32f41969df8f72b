"""A function app's output in its workspace's FunctionAppLogs table through a diagnostic setting
(process workloads): az 2.91's `az monitor diagnostic-settings create/show/list/delete` on a
custom-container function app (its site PUT with `az rest`, as in az_functions.py) sending the
`FunctionAppLogs` category to a Log Analytics workspace; the lines the app's process prints
while serving requests are then found with KQL through azure-monitor-query 2.0's
LogsQueryClient (stdout at level Information, stderr at Error, the app's name and resource ID);
a category the resource lacks and a resource type without diagnostic settings are refused;
once the setting is deleted, what the process prints no longer arrives (checked by the order of
its stdout: a line printed after it, sent by a new setting, arrives alone)."""
import json
import os
import socket
import tempfile
import time
import urllib.request

from common import SUBSCRIPTION, URL, az, az_sign_in, check, credential, unique

from azure.monitor.query import LogsQueryClient, LogsQueryStatus

HTTP_URL = os.environ["SOCKERLESS_AZURE_HTTP_URL"]
az_sign_in()
group = unique("fnlogs")
az("group", "create", "-n", group, "-l", "eastus")
group_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}"

workspace = az("rest", "--method", "put", "--url",
               f"{group_id}/providers/Microsoft.OperationalInsights/workspaces/fn-logs?api-version=2023-09-01",
               "--body", json.dumps({"location": "eastus"}))
workspace_id, customer_id = workspace["id"], workspace["properties"]["customerId"]

plan = az("functionapp", "plan", "create", "-g", group, "-n", "logs-plan", "--sku", "B1", "--is-linux")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
code = tempfile.mkdtemp()
os.chmod(code, 0o755)
server = os.path.join(code, "server.py")
with open(server, "w") as f:
    f.write("import http.server, os, sys\n"
            "class H(http.server.BaseHTTPRequestHandler):\n"
            "    def do_GET(self):\n"
            "        print(f'served {self.path}', flush=True)\n"
            "        print(f'warned {self.path}', file=sys.stderr, flush=True)\n"
            "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers()\n"
            "        self.wfile.write(b'ok')\n"
            "    def log_message(self, *args):\n"
            "        pass\n"
            "http.server.HTTPServer(('127.0.0.1', int(os.environ['WEBSITES_PORT'])), H).serve_forever()\n")
os.chmod(server, 0o644)
name = unique("logfn")
site = az("rest", "--method", "put", "--url",
          f"{group_id}/providers/Microsoft.Web/sites/{name}?api-version=2025-05-01",
          "--body", json.dumps({"location": "eastus", "kind": "functionapp,linux,container", "properties": {
              "serverFarmId": plan["id"], "siteConfig": {
                  "linuxFxVersion": "DOCKER|busybox", "appCommandLine": f"/usr/bin/python3 {server}",
                  "appSettings": [{"name": "WEBSITES_PORT", "value": str(port)}]}}}))
site_id = site["id"]

logs = json.dumps([{"category": "FunctionAppLogs", "enabled": True}])
setting = az("monitor", "diagnostic-settings", "create", "--resource", site_id, "-n", "to-workspace",
             "--workspace", workspace_id, "--logs", logs)
check(setting["name"] == "to-workspace" and setting["workspaceId"] == workspace_id, f"setting: {setting}")
check(setting["type"] == "Microsoft.Insights/diagnosticSettings"
      and setting["id"].lower() == f"{site_id}/providers/microsoft.insights/diagnosticSettings/to-workspace".lower(),
      f"setting id: {setting['id']}")
check([(l["category"], l["enabled"]) for l in setting["logs"]] == [("FunctionAppLogs", True)], f"logs: {setting['logs']}")
shown = az("monitor", "diagnostic-settings", "show", "--resource", site_id, "-n", "to-workspace")
check(shown["workspaceId"] == workspace_id, f"show: {shown}")
check([s["name"] for s in az("monitor", "diagnostic-settings", "list", "--resource", site_id)] == ["to-workspace"],
      "listed")

az("monitor", "diagnostic-settings", "create", "--resource", site_id, "-n", "bad", "--workspace", workspace_id,
   "--logs", json.dumps([{"category": "NoSuchLogs", "enabled": True}]),
   expect_error="Category 'NoSuchLogs' is not supported.")
az("monitor", "diagnostic-settings", "create", "--resource", plan["id"], "-n", "bad", "--workspace", workspace_id,
   "--logs", logs, expect_error="(ResourceTypeNotSupported)")
az("monitor", "diagnostic-settings", "show", "--resource", site_id, "-n", "nosuch",
   expect_error="The diagnostic setting 'nosuch' doesn't exist.")


def get(path, seconds=30):
    deadline = time.time() + seconds
    while True:
        try:
            request = urllib.request.Request(f"{HTTP_URL}{path}", headers={"Host": f"{name}.azurewebsites.net"})
            with urllib.request.urlopen(request, timeout=10) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        check(time.time() < deadline, f"the app never answered {path}")
        time.sleep(0.2)


client = LogsQueryClient(credential("fnlogs-app", "fnlogs-secret"), endpoint=URL)


def rows(query, expected, seconds=20):
    deadline = time.time() + seconds
    while True:
        result = client.query_workspace(customer_id, query, timespan=None)
        check(result.status == LogsQueryStatus.SUCCESS, f"status: {result.status}")
        found = [tuple(row) for row in result.tables[0].rows]
        if len(found) >= expected or time.time() > deadline:
            return found
        time.sleep(0.2)


get("/api/ping")
found = rows('FunctionAppLogs | where Message endswith "/api/ping" '
             "| project Level, Message, AppName, Category, _ResourceId | order by Level asc", 2)
check(found == [("Error", "warned /api/ping", name, "Host.Function.Console", site_id.upper()),
                ("Information", "served /api/ping", name, "Host.Function.Console", site_id.upper())],
      f"FunctionAppLogs rows: {found}")

az("monitor", "diagnostic-settings", "delete", "--resource", site_id, "-n", "to-workspace")
check(az("monitor", "diagnostic-settings", "list", "--resource", site_id) == [], "deleted")
get("/api/unsent")
az("monitor", "diagnostic-settings", "create", "--resource", site_id, "-n", "again",
   "--workspace", workspace_id, "--logs", json.dumps([{"categoryGroup": "allLogs", "enabled": True}]))
get("/api/resent")
found = rows('FunctionAppLogs | where Message startswith "served /api/" | project Message', 2, seconds=10)
check(sorted(found) == [("served /api/ping",), ("served /api/resent",)], f"only what a setting sent: {found}")
az("group", "delete", "-n", group, "--yes")
print("ok")
