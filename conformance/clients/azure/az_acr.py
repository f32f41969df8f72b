"""az 2.91's acr commands and skopeo against the simulator's Azure Container Registry:
`az acr check-name/create/show/list/update/delete`, `az acr credential show/renew` (the admin
user), images pushed with skopeo to `NAME.azurecr.io` (reached through the simulator as
HTTPS_PROXY, its CA trusted) with the admin user's password, `az acr repository list` and
`show-tags` through ACR's token exchange (an Entra ID token for a refresh token, then an access
token) and with the admin user, the catalog paged with `n` and `last` returning each repository
once, bytes pulled back identical, and ACR's and ARM's errors."""
import base64
import json
import os
import tempfile
import urllib.error
import urllib.request

from acr_common import Layout, cert_dir, layer, skopeo, use_simulator_as_proxy
from common import az, az_sign_in, check, unique

use_simulator_as_proxy()
az_sign_in("acr-cli-app", "acr-cli-secret")
group = unique("acr")
az("group", "create", "-n", group, "-l", "westeurope")
name = "reg" + unique("x").split("-")[1]
login_server = f"{name.lower()}.azurecr.io"

def name_status(result):
    return {key: result.get(key) for key in ("message", "nameAvailable", "reason")}


free = az("acr", "check-name", "-n", name)
check(name_status(free) == {"message": None, "nameAvailable": True, "reason": None}, f"check-name: {free}")
created = az("acr", "create", "-n", name, "-g", group, "--sku", "Basic", "--admin-enabled", "true",
             "-l", "westeurope")
check(created["loginServer"] == login_server, f"loginServer: {created}")
check(created["provisioningState"] == "Succeeded" and created["adminUserEnabled"] is True, f"create: {created}")
check(created["sku"] == {"name": "Basic", "tier": "Basic"}, f"sku: {created['sku']}")
taken = name_status(az("acr", "check-name", "-n", name))
check(taken == {"message": f"The registry {name} is already in use.", "nameAvailable": False,
                "reason": "AlreadyExists"}, f"check-name after create: {taken}")
shown = az("acr", "show", "-n", name)
check(shown["id"] == created["id"] and shown["location"] == "westeurope", f"show: {shown}")
check([r["name"] for r in az("acr", "list", "-g", group)] == [name], "list -g")

credentials = az("acr", "credential", "show", "-n", name)
check(credentials["username"] == name, f"username: {credentials}")
passwords = {p["name"]: p["value"] for p in credentials["passwords"]}
check(sorted(passwords) == ["password", "password2"] and all(passwords.values()), f"passwords: {credentials}")
renewed = az("acr", "credential", "renew", "-n", name, "--password-name", "password2")
renewed = {p["name"]: p["value"] for p in renewed["passwords"]}
check(renewed["password"] == passwords["password"] and renewed["password2"] != passwords["password2"],
      "renew changes password2 only")
password = renewed["password2"]

# Three repositories pushed with skopeo, the admin user's new password.
work = tempfile.mkdtemp()
layout = Layout(os.path.join(work, "layout"))
payload = os.urandom(256 * 1024)
manifest = layout.image([layer({"data/payload.bin": (payload, 0o644)})], {"Cmd": ["true"]})
layout.tag(manifest, "v1")
certs = cert_dir()
for reference in ("team/app:v1", "team/app:v2", "tools/lint:1", "zeta:latest"):
    skopeo("copy", "--dest-creds", f"{name}:{password}", "--dest-cert-dir", certs,
           f"oci:{layout.root}:v1", f"docker://{login_server}/{reference}")
skopeo("copy", "--dest-creds", f"{name}:{passwords['password2']}", "--dest-cert-dir", certs,
       f"oci:{layout.root}:v1", f"docker://{login_server}/team/app:v3", expect_error="unauthorized")

# Through ACR's token exchange (az's Entra ID token), then with the admin user.
repositories = az("acr", "repository", "list", "-n", name)
check(repositories == ["team/app", "tools/lint", "zeta"], f"repository list: {repositories}")
check(az("acr", "repository", "list", "-n", name, "--username", name, "--password", password) == repositories,
      "repository list as the admin user")
tags = az("acr", "repository", "show-tags", "-n", name, "--repository", "team/app")
check(tags == ["v1", "v2"], f"show-tags: {tags}")
detail = az("acr", "repository", "show-tags", "-n", name, "--repository", "team/app", "--detail")
check([t["digest"] for t in detail] == [manifest["digest"]] * 2, f"show-tags --detail: {detail}")
az("acr", "repository", "show-tags", "-n", name, "--repository", "nosuch",
   expect_error="repository name not known to registry")

# The catalog in pages of one: each repository once, in order, by the Link header.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": os.environ["HTTPS_PROXY"]}))
auth = "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()
seen, path = [], "/v2/_catalog?n=1"
while path:
    request = urllib.request.Request(f"https://{login_server}{path}", headers={"Authorization": auth})
    with opener.open(request) as answer:
        page = json.loads(answer.read())["repositories"]
        link = answer.headers.get("Link")
    check(len(page) == 1, f"page of one: {page}")
    seen += page
    path = link[link.index("<") + 1:link.index(">")] if link else None
check(seen == repositories, f"paged catalog: {seen}")
try:
    opener.open(urllib.request.Request(f"https://{login_server}/v2/"))
    check(False, "an anonymous /v2/ must be refused")
except urllib.error.HTTPError as error:
    check(error.code == 401, f"anonymous /v2/: {error.code}")
    challenge = error.headers["WWW-Authenticate"]
    check(challenge == f'Bearer realm="https://{login_server}/oauth2/token",service="{login_server}"',
          f"challenge: {challenge}")

# Bytes read back identical.
back = os.path.join(work, "back")
skopeo("copy", "--src-creds", f"{name}:{password}", "--src-cert-dir", certs,
       f"docker://{login_server}/tools/lint:1", f"oci:{back}:1")
with open(os.path.join(back, "index.json")) as f:
    check(json.load(f)["manifests"][0]["digest"] == manifest["digest"], "pulled manifest digest")

# The admin user switched off: credentials refused by ARM, the password by the registry.
az("acr", "update", "-n", name, "--admin-enabled", "false")
az("acr", "credential", "show", "-n", name, expect_error="to enable admin first")
az("rest", "--method", "post", "--url",
   f"{os.environ['SOCKERLESS_AZURE_URL']}{created['id']}/listCredentials?api-version=2025-11-01",
   expect_error='"code":"UnAuthorizedForCredentialOperations","message":"Cannot perform credential operations for')
skopeo("copy", "--src-creds", f"{name}:{password}", "--src-cert-dir", certs,
       f"docker://{login_server}/tools/lint:1", f"oci:{back}:2", expect_error="unauthorized")

# Deleted, then made again under the same name: it starts empty.
az("acr", "delete", "-n", name, "--yes")
az("acr", "show", "-n", name, "-g", group, expect_error="ResourceNotFound")
az("acr", "create", "-n", name, "-g", group, "--sku", "Standard", "-l", "westeurope")
check(az("acr", "repository", "list", "-n", name) == [], "a new registry of an old name is empty")
az("acr", "create", "-n", "abc", "-g", group, "--sku", "Basic", expect_error="")
az("group", "delete", "-n", group, "--yes")
check(az("acr", "check-name", "-n", name)["nameAvailable"] is True, "the group's delete freed the name")
print("ok")
