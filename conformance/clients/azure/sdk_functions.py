"""Azure Functions with azure-mgmt-web 11.0.1 (process workloads): a Linux plan and a function
app with a custom container (`linuxFxVersion: DOCKER|IMAGE` and an app command line that is the
user's own HTTP server) created through the SDK's pollers; the app's process really serves
`NAME.azurewebsites.net`, by Host header and through the simulator as an HTTPS proxy, with its
app settings and App Service's variables in its environment; app settings replaced restart it
with the new values; the `web` config read back and patched; host keys stable across reads;
functions listed (none: the host runs inside the image) and a missing one `NotFound`; sites and
plans listed a page of one at a time, each once; a site name taken in another group is a
Conflict; a plan with sites cannot be deleted; deleting the site stops its process and its host
name answers App Service's 404; deleting a plan's last site deletes the plan."""
import os
import socket
import tempfile
import time

import requests

from common import SCOPE, SUBSCRIPTION, URL, check, credential, expect_http_error, resource_client, unique

from azure.mgmt.resource.resources.models import ResourceGroup
from azure.mgmt.web import WebSiteManagementClient
from azure.mgmt.web import models as w

HTTP_URL = os.environ["SOCKERLESS_AZURE_HTTP_URL"]
CA = os.environ["REQUESTS_CA_BUNDLE"]
cred = credential("functions-app", "functions-secret")
resources = resource_client(cred)
web = WebSiteManagementClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)

group = unique("functions")
other_group = unique("functions-other")
for name in (group, other_group):
    resources.resource_groups.create_or_update(name, ResourceGroup(location="eastus"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
# The user's server: answers with its settings and App Service's variables, echoes POST bodies.
SERVER = r'''
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        print(f"served {self.path}", flush=True)
        self.reply(f"{os.environ.get('GREETING')} {os.environ['WEBSITE_SITE_NAME']} {os.environ['WEBSITE_HOSTNAME']} "
                   f"{os.environ['PORT']} {self.path} host={self.headers['Host']}".encode())
    def do_POST(self):
        self.reply(self.rfile.read(int(self.headers["Content-Length"])))
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["WEBSITES_PORT"])), H).serve_forever()
'''
code_dir = tempfile.mkdtemp()
os.chmod(code_dir, 0o755)
server_path = os.path.join(code_dir, "server.py")
with open(server_path, "w") as f:
    f.write(SERVER)
os.chmod(server_path, 0o644)

plan = web.app_service_plans.begin_create_or_update(group, "func-plan", w.AppServicePlan(
    location="eastus", kind="linux", reserved=True, sku=w.SkuDescription(name="B1"))).result()
check(plan.name == "func-plan" and plan.location == "East US", f"plan: {plan}")
check(plan.sku.name == "B1" and plan.sku.tier == "Basic" and plan.reserved is True, f"plan sku: {plan.sku} reserved={plan.reserved}")
check(plan.status == "Ready" and plan.provisioning_state == "Succeeded", f"plan state: {plan.status} {plan.provisioning_state}")

app_name = unique("fn")
settings = [w.NameValuePair(name="WEBSITES_PORT", value=str(PORT)), w.NameValuePair(name="GREETING", value="hello"),
            w.NameValuePair(name="FUNCTIONS_EXTENSION_VERSION", value="~4")]
site = web.web_apps.begin_create_or_update(group, app_name, w.Site(
    location="eastus", kind="functionapp,linux,container", server_farm_id=plan.id,
    site_config=w.SiteConfig(linux_fx_version="DOCKER|busybox", app_command_line=f"/usr/bin/python3 {server_path}",
                             app_settings=settings))).result()
host = f"{app_name}.azurewebsites.net"
check(site.name == app_name and site.kind == "functionapp,linux,container", f"site: {site.name} {site.kind}")
check(site.default_host_name == host and site.state == "Running" and site.enabled, f"site: {site.default_host_name} {site.state}")
check(site.server_farm_id == plan.id and site.location == "East US", f"site plan: {site.server_farm_id}")
check(site.site_config.linux_fx_version == "DOCKER|busybox", f"siteConfig: {site.site_config}")
check(host in site.enabled_host_names and f"{app_name}.scm.azurewebsites.net" in site.enabled_host_names,
      f"host names: {site.enabled_host_names}")


def wait_for_reply(path, expect, seconds=30):
    deadline = time.time() + seconds
    while True:
        try:
            reply = requests.get(f"{HTTP_URL}{path}", headers={"Host": host}, timeout=10)
            if reply.status_code == 200 and reply.text.startswith(expect):
                return reply
        except requests.RequestException:
            reply = None
        check(time.time() < deadline, f"no reply starting {expect!r}: {reply.status_code if reply else None} {reply.text if reply else ''}")
        time.sleep(0.2)


# The process serves its host name, by Host header and through the simulator as an HTTPS proxy.
first = wait_for_reply("/api/hello?x=1", "hello")
check(first.text == f"hello {app_name} {host} {PORT} /api/hello?x=1 host={host}", f"reply: {first.text}")
proxies = {"https": HTTP_URL, "http": HTTP_URL}
via_proxy = requests.get(f"https://{host}/api/proxied", proxies=proxies, verify=CA, timeout=30)
check(via_proxy.status_code == 200 and via_proxy.text.endswith(f"/api/proxied host={host}"), f"proxied: {via_proxy.text}")
payload = os.urandom(100_000)
echoed = requests.post(f"{HTTP_URL}/api/echo", data=payload, headers={"Host": host}, timeout=30)
check(echoed.status_code == 200 and echoed.content == payload, "POST body echoed byte for byte")

# App settings: listed, replaced (the process restarts with them).
listed = web.web_apps.list_application_settings(group, app_name)
check(listed.properties == {"WEBSITES_PORT": str(PORT), "GREETING": "hello", "FUNCTIONS_EXTENSION_VERSION": "~4"},
      f"settings: {listed.properties}")
check(listed.name == "appsettings" and listed.type == "Microsoft.Web/sites/config", f"settings resource: {listed}")
web.web_apps.update_application_settings(group, app_name, w.StringDictionary(
    properties={"WEBSITES_PORT": str(PORT), "GREETING": "bonjour"}))
wait_for_reply("/again", "bonjour")
check(web.web_apps.list_application_settings(group, app_name).properties == {"WEBSITES_PORT": str(PORT), "GREETING": "bonjour"},
      "settings replaced")

# The web config: read back, patched.
config = web.web_apps.get_configuration(group, app_name)
check(config.name == "web" and config.linux_fx_version == "DOCKER|busybox"
      and config.app_command_line == f"/usr/bin/python3 {server_path}", f"config: {config}")
patched = web.web_apps.update_configuration(group, app_name, w.SiteConfigResource(always_on=True))
check(patched.always_on is True and patched.linux_fx_version == "DOCKER|busybox", f"patched config: {patched}")
check(web.web_apps.get(group, app_name).site_config.always_on is True, "site shows the config")
wait_for_reply("/after-config", "bonjour")

# Keys: stable across reads.
keys = web.web_apps.list_host_keys(group, app_name)
check(keys.master_key and keys.function_keys.get("default"), f"host keys: {keys}")
again = web.web_apps.list_host_keys(group, app_name)
check(again.master_key == keys.master_key and again.function_keys == keys.function_keys, "host keys stable")

# Functions: what the host discovered; none here.
check(list(web.web_apps.list_functions(group, app_name)) == [], "no functions discovered")
expect_http_error(lambda: web.web_apps.get_function(group, app_name, "nosuch"), "NotFound", "Error retrieving function.")

# A second site and plan, for the listings; a name taken in another group.
web.app_service_plans.begin_create_or_update(group, "func-plan2", w.AppServicePlan(
    location="eastus", kind="functionapp", sku=w.SkuDescription(name="Y1"))).result()
check(web.app_service_plans.get(group, "func-plan2").sku.tier == "Dynamic", "consumption plan tier")
second = unique("fn")
web.web_apps.begin_create_or_update(group, second, w.Site(location="eastus", kind="functionapp", server_farm_id=plan.id)).result()
sites = [s.name for page in web.web_apps.list_by_resource_group(group, params={"$top": "1"}).by_page() for s in page]
check(sorted(sites) == sorted([app_name, second]), f"sites: {sites}")
plans = sorted(p.name for p in web.app_service_plans.list_by_resource_group(group))
check(plans == ["func-plan", "func-plan2"], f"plans: {plans}")
check(web.app_service_plans.get(group, "func-plan").number_of_sites == 2, "sites counted on the plan")
other_plan = web.app_service_plans.begin_create_or_update(other_group, "other-plan", w.AppServicePlan(
    location="eastus", sku=w.SkuDescription(name="B1"))).result()
expect_http_error(lambda: web.web_apps.begin_create_or_update(other_group, app_name, w.Site(
    location="eastus", server_farm_id=other_plan.id)).result(), "Conflict", f"Website with given name {app_name} already exists.")
expect_http_error(lambda: web.app_service_plans.delete(group, "func-plan"), "Conflict")
expect_http_error(lambda: web.web_apps.get(group, "nosuchsite"), "ResourceNotFound",
                  f"The Resource 'Microsoft.Web/sites/nosuchsite' under resource group '{group}' was not found. "
                  "For more details please go to https://aka.ms/ARMResourceNotFoundFix")

# Delete: the process stops and the name answers App Service's 404.
web.web_apps.delete(group, app_name)
gone = requests.get(f"{HTTP_URL}/", headers={"Host": host}, timeout=30)
check(gone.status_code == 404, f"deleted site's name: {gone.status_code}")
deadline = time.time() + 20
while True:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) != 0:
            break
    check(time.time() < deadline, "the site's process is gone")
    time.sleep(0.2)
generic = sorted((r.name, r.type) for r in resources.resources.list_by_resource_group(group))
check(generic == sorted([("func-plan", "Microsoft.Web/serverfarms"), ("func-plan2", "Microsoft.Web/serverfarms"),
                         (second, "Microsoft.Web/sites")]), f"resources: {generic}")
# Deleting the plan's last site takes the plan with it (App Service's default).
web.web_apps.delete(group, second)
check(sorted(p.name for p in web.app_service_plans.list_by_resource_group(group)) == ["func-plan2"], "emptied plan deleted")
for name in (group, other_group):
    resources.resource_groups.begin_delete(name).result()
expect_http_error(lambda: web.app_service_plans.get(other_group, "other-plan"), "ResourceGroupNotFound")
print("ok")
