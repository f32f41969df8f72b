"""State that survives a restart of the simulator (`--state-dir`): run once with `write`
(creates a group and a storage account, saves a token and the keys), then, against the
restarted simulator, with `read` (the same token is still accepted, the group, the account and
its keys read back identical, and a container's blobs, written whole and in blocks, read back
byte for byte; a Container Apps environment's Azure-AsyncOperation status still reads
Succeeded, a finished job execution still Succeeded and its output still found in Log
Analytics, and an execution killed with the simulator reads Failed; a container app with
ingress keeps its revision, and its replica is started again: its fqdn is answered by a new
replica process after the restart)."""
import json
import os
import sys
import time

from common import key_values, SCOPE, SUBSCRIPTION, URL, check, credential, resource_client

from azure.mgmt.resource.resources.models import ResourceGroup
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.storage.models import Sku, StorageAccountCreateParameters

phase, saved = sys.argv[1], sys.argv[2]
if phase == "write":
    cred = credential("durable-app", "durable-secret")
    token = cred.get_token(SCOPE)
    resources = resource_client(cred)
    resources.resource_groups.create_or_update("durable", ResourceGroup(location="uksouth", tags={"kept": "yes"}))
    storage = StorageManagementClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
    storage.storage_accounts.begin_create("durable", "durableacct1", StorageAccountCreateParameters(
        sku=Sku(name="Standard_LRS"), kind="StorageV2", location="uksouth")).result()
    keys = key_values(storage.storage_accounts.list_keys("durable", "durableacct1"))
    from azure.storage.blob import BlobServiceClient
    blobs = BlobServiceClient(f"{URL}/durableacct1", credential={"account_name": "durableacct1", "account_key": keys["key1"]},
                              max_single_put_size=1024 * 1024, max_block_size=512 * 1024)
    blobs.create_container("kept", metadata={"why": "restart"})
    blobs.get_blob_client("kept", "whole.txt").upload_blob(b"written whole", metadata={"a": "1"})
    blobs.get_blob_client("kept", "blocks.bin").upload_blob(bytes(range(256)) * 8192)
    import time
    import requests
    from azure.mgmt.appcontainers import ContainerAppsAPIClient
    from azure.mgmt.appcontainers import models as m
    headers = {"Authorization": f"Bearer {token.token}"}
    workspace = requests.put(f"{URL}/subscriptions/{SUBSCRIPTION}/resourceGroups/durable/providers/"
                             "Microsoft.OperationalInsights/workspaces/durable-ws?api-version=2023-09-01",
                             json={"location": "uksouth"}, headers=headers).json()
    customer_id = workspace["properties"]["customerId"]
    env = requests.put(f"{URL}/subscriptions/{SUBSCRIPTION}/resourceGroups/durable/providers/Microsoft.App/"
                       "managedEnvironments/durable-env?api-version=2024-03-01",
                       json={"location": "uksouth", "properties": {"appLogsConfiguration": {
                           "destination": "log-analytics", "logAnalyticsConfiguration": {"customerId": customer_id}}}},
                       headers=headers)
    status_url = env.headers["Azure-AsyncOperation"]
    deadline = time.time() + 20
    while requests.get(status_url, headers=headers).json()["status"] == "InProgress" and time.time() < deadline:
        time.sleep(0.1)
    status = requests.get(status_url, headers=headers).json()
    check(status["status"] == "Succeeded", f"status before the restart: {status}")
    apps = ContainerAppsAPIClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)

    def job(command):
        return m.Job(location="uksouth", properties=m.JobProperties(
            environment_id=env.json()["id"],
            configuration=m.JobConfiguration(trigger_type="Manual", replica_timeout=600),
            template=m.JobTemplate(containers=[m.Container(name="c", image="busybox", command=["sh", "-c", command])])))
    apps.jobs.begin_create_or_update("durable", "quick", job("echo kept across restarts")).result()
    apps.jobs.begin_create_or_update("durable", "slow", job("sleep 600")).result()
    quick = apps.jobs.begin_start("durable", "quick").result().name
    while apps.job_execution("durable", "quick", quick).properties.status == "Running" and time.time() < deadline:
        time.sleep(0.1)
    check(apps.job_execution("durable", "quick", quick).properties.status == "Succeeded", "quick execution")
    slow = apps.jobs.begin_start("durable", "slow").result().name
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ("import http.server, os\n"
              "class H(http.server.BaseHTTPRequestHandler):\n"
              "    def do_GET(self):\n"
              "        body = (os.environ['CONTAINER_APP_REVISION'] + ' ' + os.environ['CONTAINER_APP_REPLICA_NAME']).encode()\n"
              "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()\n"
              "        self.wfile.write(body)\n"
              "http.server.HTTPServer(('127.0.0.1', int(os.environ['CONTAINER_APP_PORT'])), H).serve_forever()\n")
    web = apps.container_apps.begin_create_or_update("durable", "web", m.ContainerApp(
        location="uksouth", managed_environment_id=env.json()["id"],
        configuration=m.Configuration(ingress=m.Ingress(external=True, target_port=port)),
        template=m.Template(containers=[m.Container(name="web", image="busybox", command=["/usr/bin/python3", "-c", server])]))).result()
    fqdn = web.configuration.ingress.fqdn
    before = requests.get(f"{os.environ['SOCKERLESS_AZURE_HTTP_URL']}/", headers={"Host": fqdn}, timeout=30)
    check(before.status_code == 200 and before.text.startswith(web.latest_revision_name + " "), f"app before: {before.text}")
    with open(saved, "w") as f:
        json.dump({"token": token.token, "expires_on": token.expires_on, "keys": keys, "status": status,
                   "status_url": status_url, "quick": quick, "slow": slow, "customer_id": customer_id,
                   "fqdn": fqdn, "revision": web.latest_revision_name, "replica_answer": before.text}, f)
else:
    with open(saved) as f:
        state = json.load(f)

    class Saved:
        """The token issued before the restart, reused as is."""
        def get_token(self, *scopes, **kwargs):
            from azure.core.credentials import AccessToken
            return AccessToken(state["token"], state["expires_on"])

    resources = resource_client(Saved())
    group = resources.resource_groups.get("durable")
    check(group.tags == {"kept": "yes"} and group.location == "uksouth", f"group: {group}")
    storage = StorageManagementClient(Saved(), SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE])
    account = storage.storage_accounts.get_properties("durable", "durableacct1")
    check(account.provisioning_state == "Succeeded", f"account: {account}")
    keys = key_values(storage.storage_accounts.list_keys("durable", "durableacct1"))
    check(keys == state["keys"], "keys read back identical")
    from azure.storage.blob import BlobServiceClient
    blobs = BlobServiceClient(f"{URL}/durableacct1", credential={"account_name": "durableacct1", "account_key": keys["key1"]})
    kept = blobs.get_container_client("kept")
    check(kept.get_container_properties().metadata == {"why": "restart"}, "container metadata kept")
    check(sorted(b.name for b in kept.list_blobs()) == ["blocks.bin", "whole.txt"], "blobs listed after the restart")
    whole = kept.get_blob_client("whole.txt")
    check(whole.download_blob().readall() == b"written whole" and whole.get_blob_properties().metadata == {"a": "1"},
          "whole blob kept")
    check(kept.get_blob_client("blocks.bin").download_blob().readall() == bytes(range(256)) * 8192, "block blob kept")
    check(len(kept.get_blob_client("blocks.bin").get_block_list()[0]) == 4, "its block list kept")
    import requests
    headers = {"Authorization": f"Bearer {state['token']}"}
    # The restarted simulator listens on another port: the same path, at today's address.
    status_url = URL + "/subscriptions/" + state["status_url"].split("/subscriptions/", 1)[1]
    status = requests.get(status_url, headers=headers).json()
    check(status == state["status"], f"the operation's status after the restart: {status} != {state['status']}")
    from azure.mgmt.appcontainers import ContainerAppsAPIClient
    apps = ContainerAppsAPIClient(Saved(), SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE])
    check(apps.job_execution("durable", "quick", state["quick"]).properties.status == "Succeeded", "finished execution kept")
    slow = apps.job_execution("durable", "slow", state["slow"])
    check(slow.properties.status == "Failed" and slow.properties.end_time is not None, f"interrupted execution: {slow.properties}")
    rows = requests.post(f"{URL}/v1/workspaces/{state['customer_id']}/query", headers=headers,
                         json={"query": "ContainerAppConsoleLogs_CL | where ContainerJobName_s == 'quick' | project Log_s"}).json()
    check(rows["tables"][0]["rows"] == [["kept across restarts"]], f"log rows after the restart: {rows}")
    web = apps.container_apps.get("durable", "web")
    check(web.latest_revision_name == state["revision"] and web.configuration.ingress.fqdn == state["fqdn"], f"app: {web}")
    deadline = time.time() + 60
    while True:
        answer = requests.get(f"{os.environ['SOCKERLESS_AZURE_HTTP_URL']}/", headers={"Host": state["fqdn"]}, timeout=30)
        if answer.status_code == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    check(answer.status_code == 200 and answer.text.startswith(state["revision"] + " "), f"app after: {answer.status_code} {answer.text}")
    check(answer.text != state["replica_answer"], f"a new replica answers after the restart: {answer.text}")
    # The directory keeps its apps: the same client with another secret is still refused.
    from azure.core.exceptions import ClientAuthenticationError
    try:
        credential("durable-app", "other-secret").get_token(SCOPE)
        check(False, "a wrong secret was accepted after the restart")
    except ClientAuthenticationError as error:
        check("AADSTS7000215" in str(error), f"wrong secret: {error}")
print("ok")
