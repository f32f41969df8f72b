"""A Container Apps job that runs in its image (`--workloads oci`): a registry made with
azure-mgmt-containerregistry (create poller, admin credentials), an image built offline from
scripts/images' busybox plus a layer with a file only that image has, pushed with skopeo to
`NAME.azurecr.io` (through the simulator as HTTPS_PROXY), a job (azure-mgmt-appcontainers)
whose container prints that file, its execution Succeeded and the line read back with
azure-monitor-query; a tag that was never pushed fails its execution, and the reason is in
ContainerAppSystemLogs_CL's place: the execution's Failed status."""
import os
import tempfile
import time
from datetime import timedelta

import requests

from acr_common import Layout, base_layout, cert_dir, layer, skopeo, use_simulator_as_proxy
from common import SCOPE, SUBSCRIPTION, URL, check, credential, resource_client, unique

from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.appcontainers import models as m
from azure.mgmt.containerregistry import ContainerRegistryManagementClient
from azure.mgmt.containerregistry import models as acr_models
from azure.mgmt.resource.resources.models import ResourceGroup
from azure.monitor.query import LogsQueryClient, LogsQueryStatus

use_simulator_as_proxy()
cred = credential("acr-job-app", "acr-job-secret")
resources = resource_client(cred)
registries = ContainerRegistryManagementClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE],
                                               polling_interval=0.2)
apps = ContainerAppsAPIClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
headers = {"Authorization": f"Bearer {cred.get_token(SCOPE).token}"}

group = unique("acrjob")
resources.resource_groups.create_or_update(group, ResourceGroup(location="westeurope"))
name = "jobs" + unique("x").split("-")[1]
registry = registries.registries.begin_create(group, name, acr_models.Registry(
    location="westeurope", sku=acr_models.Sku(name="Standard"), admin_user_enabled=True)).result()
check(registry.provisioning_state == "Succeeded" and registry.login_server == f"{name}.azurecr.io",
      f"registry: {registry}")
credentials = registries.registries.list_credentials(group, name)
password = credentials.passwords[0].value

# busybox, then a layer with a file only this image has.
work = tempfile.mkdtemp()
os.chmod(work, 0o755)
marker = unique("only-in-this-image")
busybox = base_layout(os.environ["SOCKERLESS_BUSYBOX_LAYOUT"], os.environ["SOCKERLESS_BUSYBOX_TAG"])
layout = Layout(os.path.join(work, "layout"))
manifest = layout.image([layer({"opt/app/marker.txt": ((marker + "\n").encode(), 0o644)})], {}, base=busybox)
layout.tag(manifest, "v1")
image = f"{registry.login_server}/team/app:v1"
skopeo("copy", "--dest-creds", f"{name}:{password}", "--dest-cert-dir", cert_dir(),
       f"oci:{layout.root}:v1", f"docker://{image}")
check(not os.path.exists("/opt/app/marker.txt"), "the file is only in the image")

workspace_url = (f"{URL}/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/"
                 f"Microsoft.OperationalInsights/workspaces/jobs-ws?api-version=2023-09-01")
workspace = requests.put(workspace_url, json={"location": "westeurope"}, headers=headers).json()
customer_id = workspace["properties"]["customerId"]
keys = requests.post(workspace_url.replace("?api-version=2023-09-01", "/sharedKeys?api-version=2020-08-01"),
                     headers=headers).json()
env = apps.managed_environments.begin_create_or_update(group, "jobs-env", m.ManagedEnvironment(
    location="westeurope", app_logs_configuration=m.AppLogsConfiguration(
        destination="log-analytics", log_analytics_configuration=m.LogAnalyticsConfiguration(
            customer_id=customer_id, shared_key=keys["primarySharedKey"])))).result()


def run_job(job_name, job_image):
    job = m.Job(location="westeurope", properties=m.JobProperties(
        environment_id=env.id,
        configuration=m.JobConfiguration(
            trigger_type="Manual", replica_timeout=60, replica_retry_limit=0,
            manual_trigger_config=m.JobConfigurationManualTriggerConfig(replica_completion_count=1, parallelism=1),
            secrets=[m.Secret(name="registry-password", value=password)],
            registries=[m.RegistryCredentials(server=registry.login_server, username=name,
                                              password_secret_ref="registry-password")]),
        template=m.JobTemplate(containers=[m.Container(name="reader", image=job_image,
                                                       command=["sh", "-c", "cat /opt/app/marker.txt"])])))
    apps.jobs.begin_create_or_update(group, job_name, job).result()
    execution = apps.jobs.begin_start(group, job_name).result()
    deadline = time.time() + 60
    while True:
        status = apps.job_execution(group, job_name, execution.name).properties.status
        if status != "Running" or time.time() > deadline:
            return execution.name, status
        time.sleep(0.2)


execution, status = run_job("reader", image)
check(status == "Succeeded", f"the job in its image: {status}")
client = LogsQueryClient(cred, endpoint=URL)
result = client.query_workspace(
    customer_id,
    f'ContainerAppConsoleLogs_CL | where ContainerJobName_s == "reader" | project Stream_s, Log_s',
    timespan=timedelta(hours=1))
check(result.status == LogsQueryStatus.SUCCESS, f"query: {result.status}")
rows = [(row[0], row[1]) for row in result.tables[0].rows]
check(rows == [("stdout", marker)], f"the image's file, printed: {rows}")

_, status = run_job("missing", f"{registry.login_server}/team/app:never-pushed")
check(status == "Failed", f"an image that was never pushed: {status}")
_, status = run_job("elsewhere", "example.com/some/image:1")
check(status == "Failed", f"an image outside the simulator's registries: {status}")
print("ok")
