"""az 2.91's core containerapp commands against the simulator: `az containerapp env create`
(waits on the managedEnvironmentOperationStatuses resource), `az containerapp job create` with a
secret and a secret-referencing variable, `job start`, `job execution show/list` (the execution
runs `sh` on a script that prints and exits 2: it ends Failed with start and end times),
`job secret list --show-values`, `job stop` of a sleeping execution (Stopped), ARM's errors as az
prints them, and `job delete`."""
import os
import tempfile
import time

from common import az, az_sign_in, check, unique

az_sign_in()
group = unique("aca")
az("group", "create", "-n", group, "-l", "eastus")
env = az("containerapp", "env", "create", "-n", "cli-env", "-g", group, "-l", "eastus", "--logs-destination", "none")
check(env["properties"]["provisioningState"] == "Succeeded", f"env: {env}")
check(env["properties"]["defaultDomain"].endswith(".eastus.azurecontainerapps.io"), f"domain: {env}")

# az reads `--args` values that start with '-' as options, so the job runs a script; workloads
# run as nobody when the simulator is root, so its directory is world-readable.
scripts = tempfile.mkdtemp()
os.chmod(scripts, 0o755)
script = os.path.join(scripts, "job.sh")
with open(script, "w") as f:
    f.write('echo "out $GREETING"; echo err >&2; exit 2\n')
os.chmod(script, 0o755)
job = az("containerapp", "job", "create", "-n", "cli-job", "-g", group, "--environment", "cli-env",
         "--trigger-type", "Manual", "--replica-timeout", "60", "--replica-retry-limit", "0",
         "--replica-completion-count", "1", "--parallelism", "1", "--image", "busybox",
         "--command", "/bin/sh", "--args", script, "--secrets", "greeting=hello",
         "--env-vars", "GREETING=secretref:greeting")
check(job["properties"]["provisioningState"] == "Succeeded", f"job: {job}")
check(job["properties"]["configuration"]["manualTriggerConfig"] == {"parallelism": 1, "replicaCompletionCount": 1},
      f"trigger: {job['properties']['configuration']}")
secrets = az("containerapp", "job", "secret", "list", "-n", "cli-job", "-g", group, "--show-values")
check([(s["name"], s["value"]) for s in secrets] == [("greeting", "hello")], f"secrets: {secrets}")

started = az("containerapp", "job", "start", "-n", "cli-job", "-g", group)
check(started["name"].startswith("cli-job-"), f"started: {started}")
deadline = time.time() + 30
while True:
    execution = az("containerapp", "job", "execution", "show", "-n", "cli-job", "-g", group,
                   "--job-execution-name", started["name"])
    if execution["properties"]["status"] != "Running" or time.time() > deadline:
        break
    time.sleep(0.5)
check(execution["properties"]["status"] == "Failed", f"execution: {execution}")
check(execution["properties"]["startTime"] <= execution["properties"]["endTime"], f"times: {execution}")
listed = az("containerapp", "job", "execution", "list", "-n", "cli-job", "-g", group)
check([e["name"] for e in listed] == [started["name"]], f"listed: {listed}")

az("containerapp", "job", "show", "-n", "nosuch", "-g", group,
   expect_error=f"(ResourceNotFound) The Resource 'Microsoft.App/jobs/nosuch' under resource group '{group}' was not found.")
az("containerapp", "job", "execution", "show", "-n", "cli-job", "-g", group, "--job-execution-name", "cli-job-nosuch",
   expect_error="(JobExecutionNotFound) The job execution 'cli-job-nosuch' was not found.")

az("containerapp", "job", "delete", "-n", "cli-job", "-g", group, "-y")
az("containerapp", "job", "show", "-n", "cli-job", "-g", group, expect_error="ResourceNotFound")
print("ok")
