"""Log Analytics against the simulator: a workspace created on ARM (customerId, shared keys), a
Container Apps environment sending its logs there, a job whose execution runs
`echo out; echo err >&2; exit 2` and ends Failed, and azure-monitor-query 2.0's LogsQueryClient
(endpoint = the simulator) finding exactly those two lines with the right Stream_s and typed
columns, through where/project/order/take/count/summarize, with the timespan applied; a
diagnostic setting on the environment sending the same lines to ContainerAppConsoleLogs; syntax
and semantic errors in the query API's error shape, an unknown workspace refused."""
import re
import time
from datetime import timedelta

import requests

from common import SCOPE, SUBSCRIPTION, URL, check, credential, resource_client, unique

from azure.core.exceptions import HttpResponseError
from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.appcontainers import models as m
from azure.mgmt.resource.resources.models import ResourceGroup
from azure.monitor.query import LogsQueryClient, LogsQueryStatus

cred = credential("logs-app", "logs-secret")
resources = resource_client(cred)
apps = ContainerAppsAPIClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
headers = {"Authorization": f"Bearer {cred.get_token(SCOPE).token}"}

group = unique("logs")
resources.resource_groups.create_or_update(group, ResourceGroup(location="westeurope"))
workspace_url = (f"{URL}/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/"
                 f"Microsoft.OperationalInsights/workspaces/logs-ws?api-version=2023-09-01")
put = requests.put(workspace_url, json={"location": "westeurope", "properties": {"retentionInDays": 45}}, headers=headers)
check(put.status_code == 201, f"workspace: {put.status_code} {put.text}")
workspace = put.json()
customer_id = workspace["properties"]["customerId"]
check(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", customer_id), f"customerId: {customer_id}")
check(workspace["properties"]["retentionInDays"] == 45 and workspace["properties"]["sku"]["name"] == "PerGB2018", f"{workspace}")
again = requests.put(workspace_url, json={"location": "westeurope"}, headers=headers)
check(again.status_code == 200 and again.json()["properties"]["customerId"] == customer_id, "an update keeps the customer ID")
keys = requests.post(workspace_url.replace("?api-version=2023-09-01", "/sharedKeys?api-version=2020-08-01"), headers=headers)
check(keys.status_code == 200 and len(keys.json()["primarySharedKey"]) == 88, f"keys: {keys.text}")

logs_config = m.AppLogsConfiguration(destination="log-analytics", log_analytics_configuration=m.LogAnalyticsConfiguration(
    customer_id=customer_id, shared_key=keys.json()["primarySharedKey"]))
env = apps.managed_environments.begin_create_or_update(
    group, "logs-env", m.ManagedEnvironment(location="westeurope", app_logs_configuration=logs_config)).result()
check(env.properties.app_logs_configuration.log_analytics_configuration.customer_id == customer_id, f"env: {env}")
check(env.properties.app_logs_configuration.log_analytics_configuration.shared_key is None, "the shared key is not read back")
# A diagnostic setting on the environment also sends its console lines to the resource-specific
# ContainerAppConsoleLogs table; the system logs category is not produced, and says so.
setting_url = f"{URL}{env.id}/providers/Microsoft.Insights/diagnosticSettings/console?api-version=2021-05-01-preview"
setting = requests.put(setting_url, headers=headers, json={"properties": {
    "workspaceId": workspace["id"], "logs": [{"category": "ContainerAppConsoleLogs", "enabled": True}]}})
check(setting.status_code == 200 and setting.json()["properties"]["workspaceId"] == workspace["id"], f"setting: {setting.text}")
system = requests.put(setting_url.replace("/console?", "/system?"), headers=headers, json={"properties": {
    "workspaceId": workspace["id"], "logs": [{"category": "ContainerAppSystemLogs", "enabled": True}]}})
check(system.status_code == 501 and system.json()["error"]["code"] == "NotImplemented", f"system logs: {system.text}")

job = m.Job(location="westeurope", properties=m.JobProperties(
    environment_id=env.id,
    configuration=m.JobConfiguration(trigger_type="Manual", replica_timeout=60, replica_retry_limit=0,
                                     manual_trigger_config=m.JobConfigurationManualTriggerConfig(
                                         replica_completion_count=1, parallelism=1)),
    template=m.JobTemplate(containers=[m.Container(name="worker", image="busybox",
                                                   command=["sh", "-c", "echo out; echo err >&2; exit 2"])])))
apps.jobs.begin_create_or_update(group, "logjob", job).result()
execution = apps.jobs.begin_start(group, "logjob").result()
deadline = time.time() + 30
while apps.job_execution(group, "logjob", execution.name).properties.status == "Running" and time.time() < deadline:
    time.sleep(0.2)
check(apps.job_execution(group, "logjob", execution.name).properties.status == "Failed", "the execution failed")

client = LogsQueryClient(cred, endpoint=URL)
query = (f'ContainerAppConsoleLogs_CL | where ContainerJobName_s == "logjob" and ContainerGroupName_s startswith "{execution.name}" '
         '| project TimeGenerated, Stream_s, Log_s, ContainerName_s | order by TimeGenerated asc')
result = client.query_workspace(customer_id, query, timespan=timedelta(hours=1))
check(result.status == LogsQueryStatus.SUCCESS, f"status: {result.status}")
table = result.tables[0]
check(list(table.columns) == ["TimeGenerated", "Stream_s", "Log_s", "ContainerName_s"], f"columns: {table.columns}")
check(list(table.columns_types) == ["datetime", "string", "string", "string"], f"types: {table.columns_types}")
lines = sorted((row[1], row[2], row[3]) for row in table.rows)
check(lines == [("stderr", "err", "worker"), ("stdout", "out", "worker")], f"rows: {lines}")
check(all(hasattr(row[0], "year") for row in table.rows), "TimeGenerated comes back as a datetime")

dedicated = client.query_workspace(customer_id, 'ContainerAppConsoleLogs | where JobName == "logjob" '
                                   '| project Stream, Log, ContainerName, EnvironmentName, _ResourceId', timespan=None)
check(sorted(tuple(r) for r in dedicated.tables[0].rows)
      == [("stderr", "err", "worker", "logs-env", env.id.upper()), ("stdout", "out", "worker", "logs-env", env.id.upper())],
      f"ContainerAppConsoleLogs: {dedicated.tables[0].rows}")
count = client.query_workspace(customer_id, 'ContainerAppConsoleLogs_CL | where Log_s has "err" | count', timespan=None)
check(count.tables[0].rows[0][0] == 1 and count.tables[0].columns_types[0] == "long", f"count: {count.tables[0].rows}")
grouped = client.query_workspace(customer_id, "ContainerAppConsoleLogs_CL | summarize count() by Stream_s", timespan=None)
check(sorted((r[0], r[1]) for r in grouped.tables[0].rows) == [("stderr", 1), ("stdout", 1)], f"grouped: {grouped.tables[0].rows}")
newest = client.query_workspace(customer_id, "ContainerAppConsoleLogs_CL | sort by TimeGenerated desc | take 1", timespan=None)
check(len(newest.tables[0].rows) == 1, "take 1")
# A window in the past holds none of these rows.
old = client.query_workspace(customer_id, "ContainerAppConsoleLogs_CL", timespan=(
    result.tables[0].rows[0][0] - timedelta(days=2), result.tables[0].rows[0][0] - timedelta(days=1)))
check(old.tables[0].rows == [], f"an old window: {old.tables[0].rows}")


def query_error(text):
    try:
        client.query_workspace(customer_id, text, timespan=None)
    except HttpResponseError as error:
        return error
    check(False, f"{text!r} succeeded")


syntax = query_error("ContainerAppConsoleLogs_CL | where Log_s == ")
check(syntax.error.code == "BadArgumentError" and syntax.error.innererror["code"] == "SyntaxError", f"syntax: {syntax.error}")
check(syntax.error.innererror["innererror"]["code"] == "SYN0002", f"syntax detail: {syntax.error.innererror}")
semantic = query_error("ContainerAppConsoleLogs_CL | where NoSuchColumn == 'x'")
check(semantic.error.innererror["code"] == "SemanticError", f"semantic: {semantic.error.innererror}")
check(semantic.error.innererror["innererror"]["message"] ==
      "'where' operator: Failed to resolve table or column expression named 'NoSuchColumn'", f"{semantic.error.innererror}")
unsupported = query_error("ContainerAppConsoleLogs_CL | join (Other) on x")
check("join" in unsupported.error.innererror["innererror"]["message"], f"unsupported: {unsupported.error.innererror}")
missing = requests.post(f"{URL}/v1/workspaces/00000000-0000-4000-8000-000000000000/query",
                        json={"query": "ContainerAppConsoleLogs_CL"}, headers={"Authorization": headers["Authorization"]})
check(missing.status_code == 404 and missing.json()["error"]["code"] == "WorkspaceNotFoundError", f"unknown: {missing.text}")
anonymous = requests.post(f"{URL}/v1/workspaces/{customer_id}/query", json={"query": "ContainerAppConsoleLogs_CL"})
check(anonymous.status_code == 401, f"anonymous: {anonymous.status_code}")
print("ok")
