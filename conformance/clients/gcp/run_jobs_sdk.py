"""Cloud Run jobs through google-cloud-run's REST transport (integer enums), with the run's
output read back through google-cloud-logging: a job of three tasks whose exit codes are their
indexes yields one succeeded and two failed tasks and a failed Completed condition, and exactly
their three stdout lines under the execution's label; retries, overrides, timeouts,
parallelism, cancellation, paged listings, long-running operations (get, wait, list, unknown
404) and Google's errors. Exits non-zero on the first difference."""
import json
import os
import time
import urllib.error
import urllib.request

from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import logging, run_v2
from google.protobuf import duration_pb2

ENDPOINT = os.environ["RUN_ENDPOINT"]
options = ClientOptions(api_endpoint=ENDPOINT)
jobs = run_v2.JobsClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
executions = run_v2.ExecutionsClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
tasks = run_v2.TasksClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
PARENT = "projects/p/locations/us-central1"
State = run_v2.Condition.State


def job_of(script, task_count=1, max_retries=0, timeout=None, parallelism=0):
    template = run_v2.TaskTemplate(containers=[run_v2.Container(image="localhost/busybox", command=["sh", "-c", script])],
                                   max_retries=max_retries)
    if timeout:
        template.timeout = duration_pb2.Duration(seconds=timeout)
    return run_v2.Job(template=run_v2.ExecutionTemplate(task_count=task_count, parallelism=parallelism, template=template))


def condition(resource, kind):
    return next(c for c in resource.conditions if c.type_ == kind)


# Create: the operation's result is the job, with Cloud Run's defaults filled in.
job = jobs.create_job(parent=PARENT, job_id="tasks3", job=job_of("echo task $CLOUD_RUN_TASK_INDEX of $CLOUD_RUN_TASK_COUNT; exit $CLOUD_RUN_TASK_INDEX", task_count=3)).result(timeout=30)
assert job.name == f"{PARENT}/jobs/tasks3", job.name
assert job.generation == 1 and job.create_time and job.uid, job
assert job.template.template.timeout.seconds == 600, job.template.template.timeout
assert job.terminal_condition.state == State.CONDITION_SUCCEEDED, job.terminal_condition
try:
    jobs.create_job(parent=PARENT, job_id="tasks3", job=job_of("true")).result()
except exceptions.Conflict as error:
    assert error.code == 409, error
else:
    raise AssertionError("a duplicate job was created")
for bad_id in ["Upper", "1digit", "trailing-"]:
    try:
        jobs.create_job(parent=PARENT, job_id=bad_id, job=job_of("true")).result()
    except exceptions.BadRequest:
        pass
    else:
        raise AssertionError(f"job ID {bad_id!r} was accepted")
try:
    jobs.get_job(name=f"{PARENT}/jobs/missing")
except exceptions.NotFound:
    pass
else:
    raise AssertionError("a missing job was found")

# Run: one succeeded and two failed tasks, the Completed condition failed.
operation = jobs.run_job(name=job.name)
running = operation.metadata
assert running.name.startswith(f"{job.name}/executions/tasks3-"), running.name
execution = operation.result(timeout=60)
execution_id = execution.name.rsplit("/", 1)[1]
assert len(execution_id) == len("tasks3-") + 5, execution_id
assert (execution.task_count, execution.succeeded_count, execution.failed_count) == (3, 1, 2), execution
assert execution.completion_time and execution.start_time, execution
completed = condition(execution, "Completed")
assert completed.state == State.CONDITION_FAILED, completed
assert completed.execution_reason == run_v2.Condition.ExecutionReason.NON_ZERO_EXIT_CODE, completed
listed_tasks = list(tasks.list_tasks(parent=execution.name))
assert [t.index for t in listed_tasks] == [0, 1, 2], listed_tasks
assert [t.last_attempt_result.exit_code for t in listed_tasks] == [0, 1, 2], [t.last_attempt_result for t in listed_tasks]
assert tasks.get_task(name=listed_tasks[1].name).index == 1
job = jobs.get_job(name=job.name)
assert job.execution_count == 1, job.execution_count
assert job.latest_created_execution.name == execution.name, job.latest_created_execution
assert job.latest_created_execution.completion_status == run_v2.ExecutionReference.CompletionStatus.EXECUTION_FAILED

# Its output, in Cloud Logging, under the execution's label: exactly the three lines.
log_client = logging.Client(project="p", credentials=AnonymousCredentials(), _use_grpc=False,
                            client_options={"api_endpoint": ENDPOINT})
entries = list(log_client.list_entries(filter_=f'labels."run.googleapis.com/execution_name"="{execution_id}" AND logName="projects/p/logs/run.googleapis.com%2Fstdout"'))
assert sorted(e.payload for e in entries) == ["task 0 of 3", "task 1 of 3", "task 2 of 3"], [e.payload for e in entries]
assert {e.resource.type for e in entries} == {"cloud_run_job"}
assert entries[0].resource.labels == {"project_id": "p", "job_name": "tasks3", "location": "us-central1"}, entries[0].resource.labels

# Retries: the first attempt fails, the second succeeds.
retry = jobs.create_job(parent=PARENT, job_id="retry", job=job_of('echo attempt $CLOUD_RUN_TASK_ATTEMPT; [ "$CLOUD_RUN_TASK_ATTEMPT" -ge 1 ]', max_retries=2)).result()
execution = jobs.run_job(name=retry.name).result(timeout=60)
assert (execution.succeeded_count, execution.failed_count, execution.retried_count) == (1, 0, 1), execution
assert condition(execution, "Completed").state == State.CONDITION_SUCCEEDED

# Overrides: environment, task count; parallelism 1 runs the tasks one after another.
override = run_v2.RunJobRequest.Overrides(
    container_overrides=[run_v2.RunJobRequest.Overrides.ContainerOverride(env=[run_v2.EnvVar(name="GREETING", value="hi")])],
    task_count=2)
serial = jobs.create_job(parent=PARENT, job_id="serial", job=job_of('echo "$GREETING $CLOUD_RUN_TASK_INDEX"', parallelism=1)).result()
execution = jobs.run_job(request=run_v2.RunJobRequest(name=serial.name, overrides=override)).result(timeout=60)
assert (execution.task_count, execution.succeeded_count, execution.parallelism) == (2, 2, 1), execution
serial_id = execution.name.rsplit("/", 1)[1]
lines = [e.payload for e in log_client.list_entries(filter_=f'labels."run.googleapis.com/execution_name"={serial_id}')]
assert lines == ["hi 0", "hi 1"], lines

# A task past its timeout is stopped and fails.
slow = jobs.create_job(parent=PARENT, job_id="slow", job=job_of("sleep 30", timeout=1)).result()
started = time.monotonic()
execution = jobs.run_job(name=slow.name).result(timeout=60)
assert time.monotonic() - started < 20, "the timeout did not stop the task"
assert execution.failed_count == 1, execution

# Cancel: the running task is stopped, the execution ends cancelled.
operation = jobs.run_job(name=slow.name, )
name = operation.metadata.name
time.sleep(0.5)
executions.cancel_execution(name=name).result(timeout=30)
execution = operation.result(timeout=60)
assert execution.cancelled_count == 1, execution
assert condition(execution, "Completed").execution_reason == run_v2.Condition.ExecutionReason.CANCELLED

# Listings paged one at a time: each item once.
names = [j.name.rsplit("/", 1)[1] for j in jobs.list_jobs(request=run_v2.ListJobsRequest(parent=PARENT, page_size=1))]
assert names == ["retry", "serial", "slow", "tasks3"], names
listed = [e.name for e in executions.list_executions(request=run_v2.ListExecutionsRequest(parent=slow.name, page_size=1))]
assert len(listed) == 2 and len(set(listed)) == 2, listed

# Operations: done, with the response; unknown ones are 404.
def get(path):
    try:
        with urllib.request.urlopen(f"{ENDPOINT}/v2/{path}") as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())

status, body = get(operation.operation.name)
assert status == 200 and body["done"] is True and body["response"]["@type"] == "type.googleapis.com/google.cloud.run.v2.Execution", body
status, body = get(f"{PARENT}/operations/no-such-operation")
assert status == 404 and body["error"]["status"] == "NOT_FOUND", body
status, body = get(f"{PARENT}/operations?pageSize=2")
assert status == 200 and len(body["operations"]) == 2 and body["nextPageToken"], body

# Delete: the job and its executions go.
deleted = jobs.delete_job(name=job.name).result(timeout=30)
assert deleted.name == job.name
try:
    jobs.get_job(name=job.name)
except exceptions.NotFound:
    pass
else:
    raise AssertionError("a deleted job was found")
print("ok")
