"""A Cloud Run job whose image is in no Artifact Registry of the simulator, pulled through its
upstream registry (`--registry-upstream https://…`, trusted through `--registry-upstream-ca`):
the job names the Docker Hub name `sockerless-test/probe:v1`, which the upstream serves as a
mirror; the task prints the file only that image has (`SOCKERLESS_MARKER`), read back through
Cloud Logging, and the execution says the oci runner ran it. A tag the upstream does not have
fails the execution with Cloud Run's `Image '…' not found.` Exits non-zero on the first
difference."""
import os

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import logging, run_v2

ENDPOINT = os.environ["RUN_ENDPOINT"]
MARKER = os.environ["SOCKERLESS_MARKER"]
PARENT = "projects/p/locations/us-central1"
State = run_v2.Condition.State

options = ClientOptions(api_endpoint=ENDPOINT)
credentials = AnonymousCredentials()
jobs = run_v2.JobsClient(transport="rest", credentials=credentials, client_options=options)
tasks = run_v2.TasksClient(transport="rest", credentials=credentials, client_options=options)
log_client = logging.Client(project="p", credentials=credentials, _use_grpc=False,
                            client_options={"api_endpoint": ENDPOINT})


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def run_job(job_id, image):
    job = run_v2.Job(template=run_v2.ExecutionTemplate(task_count=1, template=run_v2.TaskTemplate(
        containers=[run_v2.Container(image=image)], max_retries=0)))
    job = jobs.create_job(parent=PARENT, job_id=job_id, job=job).result(timeout=30)
    execution = jobs.run_job(name=job.name).result(timeout=120)
    execution_id = execution.name.rsplit("/", 1)[1]
    lines = [e.payload for e in log_client.list_entries(
        filter_=f'labels."run.googleapis.com/execution_name"="{execution_id}" AND '
                f'logName="projects/p/logs/run.googleapis.com%2Fstdout"', order_by=logging.ASCENDING)]
    completed = next(c for c in execution.conditions if c.type_ == "Completed")
    return execution, completed, lines


execution, completed, lines = run_job("through-upstream", "sockerless-test/probe:v1")
check(completed.state == State.CONDITION_SUCCEEDED, f"execution {execution}")
check(lines == [MARKER], f"the upstream image's own file: {lines}")
check(execution.annotations.get("sockerless.dev/workload-runner") == "oci", f"runner {execution.annotations}")

missing = "sockerless-test/probe:never-pushed"
execution, completed, lines = run_job("never-pushed", missing)
check(completed.state == State.CONDITION_FAILED, f"execution {execution}")
task = list(tasks.list_tasks(parent=execution.name))[0]
check(task.last_attempt_result.status.message == f"Image '{missing}' not found.",
      f"task result {task.last_attempt_result}")
print("ok")
