"""az 2.91's functionapp commands that work offline, against the simulator (process workloads):
`az functionapp plan create/show/list`, a custom-container function app created with `az rest`
(a PUT of the site, as `az functionapp create` would end with; that command itself also needs a
storage account's connection string and the runtime stacks API), whose process then serves
`NAME.azurewebsites.net` by Host header; `az functionapp list`, `az functionapp config
appsettings list`, `az functionapp keys list`, `az functionapp function list`, ARM's errors as
az prints them, and `az functionapp delete` (which takes the emptied plan
with it, as App Service does by default)."""
import json
import os
import socket
import tempfile
import time
import urllib.request

from common import SUBSCRIPTION, az, az_sign_in, check, unique

HTTP_URL = os.environ["SOCKERLESS_AZURE_HTTP_URL"]
az_sign_in()
group = unique("func")
az("group", "create", "-n", group, "-l", "eastus")

plan = az("functionapp", "plan", "create", "-g", group, "-n", "cli-plan", "--sku", "EP1", "--is-linux")
check(plan["sku"]["name"] == "EP1" and plan["sku"]["tier"] == "ElasticPremium" and plan["reserved"] is True, f"plan: {plan}")
shown = az("functionapp", "plan", "show", "-g", group, "-n", "cli-plan")
check(shown["id"] == plan["id"] and shown["location"] == "East US", f"plan show: {shown}")
check([p["name"] for p in az("functionapp", "plan", "list", "-g", group)] == ["cli-plan"], "plan list")

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
code = tempfile.mkdtemp()
os.chmod(code, 0o755)
server = os.path.join(code, "server.py")
with open(server, "w") as f:
    f.write("import http.server, os\n"
            "class H(http.server.BaseHTTPRequestHandler):\n"
            "    def do_GET(self):\n"
            "        body = f\"{os.environ['GREETING']} from {os.environ['WEBSITE_SITE_NAME']}\".encode()\n"
            "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()\n"
            "        self.wfile.write(body)\n"
            "http.server.HTTPServer(('127.0.0.1', int(os.environ['WEBSITES_PORT'])), H).serve_forever()\n")
os.chmod(server, 0o644)

name = unique("clifn")
site_url = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}?api-version=2025-05-01"
body = {"location": "eastus", "kind": "functionapp,linux,container", "properties": {
    "serverFarmId": plan["id"], "siteConfig": {
        "linuxFxVersion": "DOCKER|busybox", "appCommandLine": f"/usr/bin/python3 {server}",
        "appSettings": [{"name": "WEBSITES_PORT", "value": str(port)}, {"name": "GREETING", "value": "hi"},
                        {"name": "FUNCTIONS_EXTENSION_VERSION", "value": "~4"}]}}}
site = az("rest", "--method", "put", "--url", site_url, "--body", json.dumps(body))
check(site["properties"]["defaultHostName"] == f"{name}.azurewebsites.net", f"site: {site}")

listed = az("functionapp", "list", "-g", group)
check([a["name"] for a in listed] == [name] and listed[0]["defaultHostName"] == f"{name}.azurewebsites.net", f"list: {listed}")
settings = {s["name"]: s["value"] for s in az("functionapp", "config", "appsettings", "list", "-g", group, "-n", name)}
check(settings == {"WEBSITES_PORT": str(port), "GREETING": "hi", "FUNCTIONS_EXTENSION_VERSION": "~4"}, f"settings: {settings}")
keys = az("functionapp", "keys", "list", "-g", group, "-n", name)
check(keys["masterKey"] and keys["functionKeys"]["default"], f"keys: {keys}")
check(az("functionapp", "function", "list", "-g", group, "-n", name) == [], "functions")

request = urllib.request.Request(f"{HTTP_URL}/api/x", headers={"Host": f"{name}.azurewebsites.net"})
deadline = time.time() + 30
while True:
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            text = reply.read().decode()
            break
    except OSError as error:
        check(time.time() < deadline, f"the site never answered: {error}")
        time.sleep(0.2)
check(text == f"hi from {name}", f"reply: {text}")

az("functionapp", "keys", "list", "-g", group, "-n", "nosuchfn",
   expect_error=f"(ResourceNotFound) The Resource 'Microsoft.Web/sites/nosuchfn' under resource group '{group}' was not found.")
az("functionapp", "delete", "-g", group, "-n", name)
check(az("functionapp", "list", "-g", group) == [], "deleted")
check(az("functionapp", "plan", "list", "-g", group) == [], "the emptied plan went with the app")
print("ok")
