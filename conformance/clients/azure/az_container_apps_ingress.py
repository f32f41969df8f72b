"""az 2.91's core `containerapp` commands for container apps (no extension): `az containerapp
create` with external ingress on the user's own server (waits on the
containerappOperationStatuses resource), `show`, `list`, `revision list/show`, `secret list
--show-values`, `update` with a new revision suffix (a PATCH polled to its end), the app's
fqdn answered by the user's process through the simulator as HTTPS proxy, ARM's errors as az
prints them, and `delete`."""
import os
import socket
import tempfile

import requests

from common import az, az_sign_in, check, unique

HTTP_URL = os.environ["SOCKERLESS_AZURE_HTTP_URL"]
CA = os.environ["REQUESTS_CA_BUNDLE"]

az_sign_in()
group = unique("acaweb")
az("group", "create", "-n", group, "-l", "eastus")
az("containerapp", "env", "create", "-n", "web-env", "-g", group, "-l", "eastus", "--logs-destination", "none")

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
# az reads `--args` values that start with '-' as options, so the server is a script file in a
# directory workloads (run as nobody when the simulator is root) can read.
scripts = tempfile.mkdtemp()
os.chmod(scripts, 0o755)
server = os.path.join(scripts, "server.py")
with open(server, "w") as f:
    f.write(r'''
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{os.environ['GREETING']} from {os.environ['CONTAINER_APP_REVISION']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["CONTAINER_APP_PORT"])), H).serve_forever()
''')
os.chmod(server, 0o644)

app = az("containerapp", "create", "-n", "cli-web", "-g", group, "--environment", "web-env",
         "--image", "busybox", "--command", "/usr/bin/python3", "--args", server,
         "--ingress", "external", "--target-port", str(port),
         "--secrets", "greeting=hello", "--env-vars", "GREETING=secretref:greeting")
props = app["properties"]
check(props["provisioningState"] == "Succeeded", f"app: {props}")
fqdn = props["configuration"]["ingress"]["fqdn"]
check(fqdn.startswith("cli-web.") and fqdn.endswith(".eastus.azurecontainerapps.io"), f"fqdn: {fqdn}")
first = props["latestRevisionName"]
check(first.startswith("cli-web--") and props["latestReadyRevisionName"] == first, f"revisions: {props}")

proxies = {"https": HTTP_URL}
answer = requests.get(f"https://{fqdn}/", proxies=proxies, verify=CA, timeout=30)
check(answer.status_code == 200 and answer.text == f"hello from {first}", f"GET: {answer.status_code} {answer.text}")

shown = az("containerapp", "show", "-n", "cli-web", "-g", group)
check(shown["properties"]["latestRevisionName"] == first, f"show: {shown}")
listed = az("containerapp", "list", "-g", group)
check([a["name"] for a in listed] == ["cli-web"], f"list: {listed}")
secrets = az("containerapp", "secret", "list", "-n", "cli-web", "-g", group, "--show-values")
check([(s["name"], s["value"]) for s in secrets] == [("greeting", "hello")], f"secrets: {secrets}")

updated = az("containerapp", "update", "-n", "cli-web", "-g", group, "--revision-suffix", "two")
check(updated["properties"]["latestRevisionName"] == "cli-web--two", f"update: {updated['properties']}")
answer = requests.get(f"https://{fqdn}/", proxies=proxies, verify=CA, timeout=30)
check(answer.text == "hello from cli-web--two", f"after update: {answer.text}")
revisions = az("containerapp", "revision", "list", "-n", "cli-web", "-g", group, "--all")
check(sorted((r["name"], r["properties"]["active"]) for r in revisions) == sorted([(first, False), ("cli-web--two", True)]),
      f"revisions: {[(r['name'], r['properties']['active']) for r in revisions]}")
revision = az("containerapp", "revision", "show", "-n", "cli-web", "-g", group, "--revision", "cli-web--two")
check(revision["properties"]["runningState"] == "Running" and revision["properties"]["replicas"] == 1, f"revision: {revision}")

az("containerapp", "show", "-n", "nosuch", "-g", group,
   expect_error=f"(ResourceNotFound) The Resource 'Microsoft.App/containerApps/nosuch' under resource group '{group}' was not found.")
az("containerapp", "delete", "-n", "cli-web", "-g", group, "-y")
az("containerapp", "show", "-n", "cli-web", "-g", group, expect_error="ResourceNotFound")
check(requests.get(f"https://{fqdn}/", proxies=proxies, verify=CA, timeout=30).status_code == 404, "deleted")
print("ok")
