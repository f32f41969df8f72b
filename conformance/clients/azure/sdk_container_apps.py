"""azure-mgmt-appcontainers 5.1 against the simulator (process workloads): a managed environment
and jobs created through their pollers (201 + Azure-AsyncOperation, the status resource polled
until Succeeded, read directly too), secrets read back as names only and listed with values,
executions that really run: one exiting 2 ends Failed with real start and end times, one with
two replicas in parallel Succeeded, one failing its first attempt Succeeded on its retry, one
started with a template override running the override, one stopped ends Stopped; executions
listed a page of one at a time, each once; Container Apps' errors; a group delete takes the
environment and jobs with it."""
import os
import tempfile
import time

import requests

from common import SCOPE, SUBSCRIPTION, URL, check, credential, expect_http_error, resource_client, unique

from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.appcontainers import models as m
from azure.mgmt.resource.resources.models import ResourceGroup

cred = credential("apps-app", "apps-secret")
resources = resource_client(cred)
apps = ContainerAppsAPIClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
token = cred.get_token(SCOPE).token
headers = {"Authorization": f"Bearer {token}"}
VERSION = "2026-07-01"

group = unique("apps")
resources.resource_groups.create_or_update(group, ResourceGroup(location="eastus"))

# The environment: created through the SDK's poller, then once more by hand to read the
# status resource the Azure-AsyncOperation header names.
env = apps.managed_environments.begin_create_or_update(group, "env1", m.ManagedEnvironment(location="East US")).result()
check(env.name == "env1" and env.location == "eastus", f"environment: {env}")
check(env.properties.provisioning_state == "Succeeded", f"environment state: {env.properties.provisioning_state}")
check(env.properties.default_domain.endswith(".eastus.azurecontainerapps.io"), f"domain: {env.properties.default_domain}")
env_url = f"{URL}/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.App/managedEnvironments/env2?api-version={VERSION}"
put = requests.put(env_url, json={"location": "eastus", "properties": {}}, headers=headers)
check(put.status_code == 201, f"PUT environment: {put.status_code} {put.text}")
check(put.json()["properties"]["provisioningState"] == "Waiting", f"created body: {put.text}")
status_url = put.headers["Azure-AsyncOperation"]
check(f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.App/locations/eastus/managedEnvironmentOperationStatuses/" in status_url,
      f"status URL: {status_url}")
deadline = time.time() + 20
while True:
    status = requests.get(status_url, headers=headers)
    check(status.status_code == 200, f"status: {status.status_code} {status.text}")
    body = status.json()
    if body["status"] != "InProgress" or time.time() > deadline:
        break
    time.sleep(0.1)
check(body["status"] == "Succeeded" and body["name"] == status_url.split("/")[-1].split("?")[0], f"status: {body}")
check(body["startTime"] <= body["endTime"], f"times: {body}")
missing = requests.get(status_url.replace(body["name"], "00000000-0000-4000-8000-000000000000"), headers=headers)
check(missing.status_code == 404, f"unknown operation: {missing.status_code} {missing.text}")
check(requests.get(env_url.replace("env2", "env1"), headers=headers).json()["properties"]["provisioningState"] == "Succeeded",
      "environment read back")

env_id = env.id
# Workloads run as `nobody` when the simulator is root: the marker's directory must let them write.
marker_dir = tempfile.mkdtemp()
os.chmod(marker_dir, 0o777)
marker = os.path.join(marker_dir, "first-attempt")


def job(command, completions=1, parallelism=1, retries=0, timeout=60, secrets=None, env_vars=None):
    return m.Job(
        location="eastus",
        properties=m.JobProperties(
            environment_id=env_id,
            configuration=m.JobConfiguration(
                trigger_type="Manual", replica_timeout=timeout, replica_retry_limit=retries,
                manual_trigger_config=m.JobConfigurationManualTriggerConfig(
                    replica_completion_count=completions, parallelism=parallelism),
                secrets=secrets),
            template=m.JobTemplate(containers=[m.Container(
                name="main", image="busybox", command=["/bin/sh", "-c", command], env=env_vars)])))


def wait_for(job_name, execution_name, seconds=30):
    deadline = time.time() + seconds
    while True:
        execution = apps.job_execution(group, job_name, execution_name)
        if execution.properties.status != "Running" or time.time() > deadline:
            return execution
        time.sleep(0.2)


# A failing job, with a secret and plain variables in its environment.
failing = apps.jobs.begin_create_or_update(group, "failing", job(
    'echo "out $GREETING $PLAIN"; echo err >&2; exit 2',
    secrets=[m.Secret(name="greeting", value="hello")],
    env_vars=[m.EnvironmentVar(name="GREETING", secret_ref="greeting"), m.EnvironmentVar(name="PLAIN", value="plain")],
)).result()
check(failing.properties.provisioning_state == "Succeeded", f"job state: {failing.properties.provisioning_state}")
check(failing.properties.configuration.trigger_type == "Manual", f"trigger: {failing.properties.configuration}")
check([(s.name, s.value) for s in failing.properties.configuration.secrets] == [("greeting", None)],
      f"secrets read back without values: {failing.properties.configuration.secrets}")
listed_secrets = apps.jobs.list_secrets(group, "failing")
check([(s.name, s.value) for s in listed_secrets.value] == [("greeting", "hello")], f"listSecrets: {listed_secrets}")
started = apps.jobs.begin_start(group, "failing").result()
check(started.name.startswith("failing-") and started.id.endswith(f"/jobs/failing/executions/{started.name}"), f"started: {started}")
done = wait_for("failing", started.name)
check(done.properties.status == "Failed", f"failing execution: {done.properties.status}")
check(done.properties.start_time is not None and done.properties.end_time is not None
      and done.properties.start_time <= done.properties.end_time, f"times: {done.properties}")

# Two replicas at once, both succeeding.
apps.jobs.begin_create_or_update(group, "pair", job("exit 0", completions=2, parallelism=2)).result()
pair = wait_for("pair", apps.jobs.begin_start(group, "pair").result().name)
check(pair.properties.status == "Succeeded", f"pair: {pair.properties.status}")

# The first attempt fails and leaves a marker; the retry finds it and succeeds.
retry_command = f'if [ -f {marker} ]; then exit 0; else touch {marker}; exit 1; fi'
apps.jobs.begin_create_or_update(group, "retrying", job(retry_command, retries=1)).result()
retried = wait_for("retrying", apps.jobs.begin_start(group, "retrying").result().name)
check(retried.properties.status == "Succeeded", f"retried: {retried.properties.status}")
check(os.path.exists(marker), "the first attempt ran")

# A template override replaces the job's command for one execution.
override = m.JobExecutionTemplate(containers=[m.JobExecutionContainer(
    name="main", image="busybox", command=["/bin/sh", "-c", "exit 0"])])
overridden = wait_for("failing", apps.jobs.begin_start(group, "failing", template=override).result().name)
check(overridden.properties.status == "Succeeded", f"override: {overridden.properties.status}")
check(overridden.properties.template.containers[0].command == ["/bin/sh", "-c", "exit 0"], f"template: {overridden.properties.template}")

# A long execution stopped.
apps.jobs.begin_create_or_update(group, "sleeper", job("sleep 30", timeout=120)).result()
sleeping = apps.jobs.begin_start(group, "sleeper").result()
check(apps.job_execution(group, "sleeper", sleeping.name).properties.status == "Running", "running before the stop")
apps.jobs.begin_stop_execution(group, "sleeper", sleeping.name).result()
stopped = wait_for("sleeper", sleeping.name, seconds=20)
check(stopped.properties.status == "Stopped", f"stopped: {stopped.properties.status}")

# Executions listed: the two of `failing`, each once, on pages of one.
pages = apps.jobs_executions.list(group, "failing", params={"$top": "1"}).by_page()
names = [execution.name for page in pages for execution in page]
check(sorted(names) == sorted([started.name, overridden.name]), f"executions: {names}")
jobs = sorted(j.name for j in apps.jobs.list_by_resource_group(group))
check(jobs == ["failing", "pair", "retrying", "sleeper"], f"jobs: {jobs}")

# Errors as Container Apps answers them.
expect_http_error(lambda: apps.job_execution(group, "failing", "failing-nosuch1"), "JobExecutionNotFound",
                  "The job execution 'failing-nosuch1' was not found.")
expect_http_error(lambda: apps.jobs.get(group, "nosuchjob"), "ResourceNotFound",
                  f"The Resource 'Microsoft.App/jobs/nosuchjob' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
bad_env = job("true")
bad_env.properties.environment_id = env_id.replace("env1", "nosuchenv")
expect_http_error(lambda: apps.jobs.begin_create_or_update(group, "badenv", bad_env).result(), "ManagedEnvironmentNotFound")
expect_http_error(lambda: apps.jobs.begin_create_or_update(group, "Bad_Name", job("true")).result(), "ContainerAppInvalidName")
expect_http_error(lambda: apps.jobs.begin_create_or_update(group, "norefs", job(
    "true", env_vars=[m.EnvironmentVar(name="X", secret_ref="absent")])).result(), "ContainerAppSecretRefNotFound",
    "SecretRef 'absent' defined for container 'main' not found.")

# The group's resources, then its delete takes them all.
generic = sorted((r.name, r.type) for r in resources.resources.list_by_resource_group(group))
check(("env1", "Microsoft.App/managedEnvironments") in generic and ("sleeper", "Microsoft.App/jobs") in generic, f"resources: {generic}")
resources.resource_groups.begin_delete(group).result()
expect_http_error(lambda: apps.jobs.get(group, "failing"), "ResourceGroupNotFound")
check(all(j.name not in {"failing", "pair"} or group not in j.id for j in apps.jobs.list_by_subscription()), "jobs gone")
print("ok")
