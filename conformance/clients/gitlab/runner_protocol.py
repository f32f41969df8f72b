"""The runner API as the Go gitlab-runner speaks it (through `gorunner.GoRunner`): exit codes
reported with the job's end decide `allow_failure: exit_codes`; `retry:` with `max`, `when`
(`script_failure`, `runner_system_failure`) and `exit_codes` retries exactly the failures it
names; a job's `timeout:` is capped by the runner's `maximum_timeout` and a job past it fails
with `job_execution_timeout`; a job canceled mid-run reaches a runner that cancels gracefully
as `Job-Status: canceling` (the job stays `canceling` until the runner reports back), and a
runner that does not as 403 and `Job-Status: canceled`. Read back with python-gitlab."""

import os
import tempfile
import threading

import gitlab

from common import client, expect_error, push_files, wait_until, log, URL
from gorunner import GoRunner

gl = client()
scratch = tempfile.mkdtemp(prefix="runner-protocol-")
os.environ["SCRATCH"] = scratch
project = gl.projects.create({"name": "go-runner-protocol"})

# The runner's prepare hook fails once for `system-flaky`, as a custom executor's
# `prepare_exec` failing is a system failure.
PREPARE = ('if [ "$CI_JOB_NAME" = system-flaky ] && [ ! -e "$SCRATCH/prepared" ]; then '
           'touch "$SCRATCH/prepared"; echo "no machine"; exit 1; fi')
runner = GoRunner(URL, prepare_exec=PREPARE)

# Registration: a maximum timeout under ten minutes is refused as GitLab refuses it.
refused = runner.register(project.runners_token, maximum_timeout=300)
assert refused.status_code == 400, (refused.status_code, refused.text)
assert refused.json() == {"message": {"maximum_timeout": ["needs to be at least 10 minutes"]}}, refused.text
registered = runner.register(project.runners_token, description="go-shaped", maximum_timeout=600)
assert registered.status_code == 201, registered.text
assert runner.verify().status_code == 200
mine = [r for r in gl.runners.list(get_all=True) if r.description == "go-shaped"]
assert len(mine) == 1 and gl.runners.get(mine[0].id).maximum_timeout == 600

# The linter's words for a bad `retry:`.
for bad, message in [
    ("retry: 3", "jobs:job:retry config must be less than or equal to 2"),
    ("retry: {max: 1, when: sometimes}", "jobs:job:retry when is not included in the list"),
    ("retry: {max: 1, when: [script_failure, bad_luck]}", "jobs:job:retry when contains unknown values: bad_luck"),
    ("retry: {max: 1, exit_codes: [x]}", "jobs:job:retry exit codes should be an array of integers or an integer"),
    ("retry: {max: 1, on: x}", "jobs:job:retry config contains unknown keys: on"),
    ("retry: {max: 5}", "jobs:job:retry max must be less than or equal to 2"),
]:
    lint = project.ci_lint.create({"content": f"job:\n  script: echo\n  {bad}\n"})
    assert lint.valid is False and lint.errors == [message], (bad, lint.errors)

CI = r"""
exit-allowed:
  script: [echo "exiting 3", exit 3]
  allow_failure: {exit_codes: [3, 4]}
exit-refused:
  script: [exit 5]
  allow_failure: {exit_codes: 3}
retry-exit-codes:
  retry: {max: 2, exit_codes: [7]}
  script:
    - n=$(cat "$SCRATCH/attempts" 2>/dev/null || echo 0); echo $((n + 1)) > "$SCRATCH/attempts"
    - echo "attempt $((n + 1))"
    - test "$n" -ge 1 || exit 7
retry-other-code:
  retry: {max: 2, exit_codes: [7]}
  script: [exit 8]
retry-script:
  retry: {max: 1, when: script_failure}
  script: [exit 1]
retry-wrong-reason:
  retry: {max: 2, when: [runner_system_failure]}
  script: [exit 1]
system-flaky:
  retry: {max: 1, when: runner_system_failure}
  script: [echo "prepared at last"]
timed-out:
  timeout: 2s
  script: [echo "sleeping", sleep 30, echo "woke up"]
capped:
  timeout: 3h
  script: [echo "capped"]
matrix:
  parallel:
    matrix:
      - OS: [linux, mac]
  script: [echo "os=$OS"]
after-matrix:
  needs: [matrix]
  script: [echo "after the matrix"]
"""
push_files(project, {".gitlab-ci.yml": CI})
pipeline = wait_until(lambda: (project.pipelines.list(get_all=True) or [None])[0], what="pipeline")


def pending():
    return [j for j in pipeline.jobs.list(get_all=True, include_retried=True) if j.status == "pending"]


ran = []
while pending():
    ran.append(runner.run_one())
names = [job["job_info"]["name"] for job in ran]
log("ran", names)

attempts = {}
for job in pipeline.jobs.list(get_all=True, include_retried=True):
    attempts.setdefault(job.name, []).append(job)
for jobs in attempts.values():
    jobs.sort(key=lambda j: j.id)


def statuses(name):
    return [(j.status, j.failure_reason if j.status == "failed" else None) for j in attempts[name]]


assert statuses("exit-allowed") == [("failed", "script_failure")], statuses("exit-allowed")
assert attempts["exit-allowed"][0].allow_failure is True
assert statuses("exit-refused") == [("failed", "script_failure")]
assert attempts["exit-refused"][0].allow_failure is False
assert statuses("retry-exit-codes") == [("failed", "script_failure"), ("success", None)], statuses("retry-exit-codes")
assert statuses("retry-other-code") == [("failed", "script_failure")], statuses("retry-other-code")
assert statuses("retry-script") == [("failed", "script_failure"), ("failed", "script_failure")], statuses("retry-script")
assert statuses("retry-wrong-reason") == [("failed", "script_failure")], statuses("retry-wrong-reason")
assert statuses("system-flaky") == [("failed", "runner_system_failure"), ("success", None)], statuses("system-flaky")
assert statuses("timed-out") == [("failed", "job_execution_timeout")], statuses("timed-out")
assert statuses("capped") == [("success", None)]
# `parallel: matrix` runs each instance with its variables; `needs` waits for all of them.
for os_name in ("linux", "mac"):
    assert statuses(f"matrix: [{os_name}]") == [("success", None)]
    matrix_trace = project.jobs.get(attempts[f"matrix: [{os_name}]"][0].id).trace().decode()
    assert f"os={os_name}" in matrix_trace, matrix_trace
assert statuses("after-matrix") == [("success", None)]
assert names.index("after-matrix") > max(names.index("matrix: [linux]"), names.index("matrix: [mac]")), names
# Retried attempts are hidden unless asked for.
assert len([j for j in pipeline.jobs.list(get_all=True) if j.name == "retry-script"]) == 1

trace = project.jobs.get(attempts["timed-out"][0].id).trace().decode()
assert "sleeping" in trace and "woke up" not in trace, trace
assert "ERROR: Job failed: execution took longer than 2s seconds" in trace, trace
second = project.jobs.get(attempts["retry-exit-codes"][1].id).trace().decode()
assert "attempt 2" in second and "Job succeeded" in second, second
flaky = project.jobs.get(attempts["system-flaky"][0].id).trace().decode()
assert "no machine" in flaky and "prepared at last" not in flaky, flaky

# The timeout the runner was given: the job's own, capped by the runner's maximum.
payload = {job["job_info"]["name"]: job for job in ran}
assert payload["capped"]["runner_info"]["timeout"] == 600, payload["capped"]["runner_info"]
assert payload["capped"]["steps"][0]["timeout"] == 600
assert payload["timed-out"]["runner_info"]["timeout"] == 2
assert payload["exit-allowed"]["runner_info"]["timeout"] == 600
assert project.pipelines.get(pipeline.id).status == "failed"

# A finished job takes no more updates: 403 and its status, in GitLab's words.
done = payload["capped"]
reply, status = runner.update(done, "success")
assert reply.status_code == 403 and status == "success", (reply.status_code, status)
assert reply.json() == {"message": "403 Forbidden - Job is not processing on runner"}, reply.text

# Cancellation mid-job. A runner that cancels gracefully is told `canceling`, stops the
# script and reports back; the job is `canceling` until then, and `canceled` after.
LONG = r"""
long:
  script: [echo "started", sleep 60, echo "never printed"]
  after_script: [echo "after script ran"]
"""


def cancel_mid_job(go_runner, sha_files, graceful):
    push_files(project, sha_files, message=f"long {graceful}")
    long_pipeline = wait_until(
        lambda: next((p for p in project.pipelines.list(get_all=True) if p.id > pipeline.id
                      and p.id not in seen_pipelines), None), what="long pipeline")
    seen_pipelines.add(long_pipeline.id)
    job_holder = {}
    thread = threading.Thread(target=lambda: job_holder.setdefault("job", go_runner.run_one()))
    thread.start()
    job = wait_until(lambda: next(iter(long_pipeline.jobs.list(get_all=True)), None), what="job")
    wait_until(lambda: "started" in project.jobs.get(job.id).trace().decode(), what="started")
    project.jobs.get(job.id, lazy=True).cancel()
    right_after = project.jobs.get(job.id).status
    thread.join(timeout=30)
    assert not thread.is_alive(), "the runner never stopped the job"
    final = project.jobs.get(job.id)
    return job_holder["job"], right_after, final, long_pipeline


seen_pipelines = {pipeline.id}
ran_job, right_after, final, long_pipeline = cancel_mid_job(runner, {".gitlab-ci.yml": LONG}, "graceful")
assert right_after in ("canceling", "canceled"), right_after
assert final.status == "canceled", final.status
seen = runner.job_statuses[ran_job["id"]]
assert "canceling" in seen and seen[-1] == "canceled", seen
# The runner's report after canceling was taken (200), not refused.
assert runner.replies[ran_job["id"]][-1] == 200, runner.replies[ran_job["id"]]
trace = project.jobs.get(final.id).trace().decode()
assert "started" in trace and "never printed" not in trace and "ERROR: Job failed: canceled" in trace, trace
assert project.pipelines.get(long_pipeline.id).status == "canceled"

# A runner that does not cancel gracefully: the job is `canceled` at once and the runner's
# next trace update is refused with 403 and `Job-Status: canceled`.
abrupt = GoRunner(URL, cancel_gracefully=False)
assert abrupt.register(project.runners_token, description="abrupt").status_code == 201
runner_ids = [r.id for r in gl.runners.list(get_all=True) if r.description == "go-shaped"]
gl.runners.update(runner_ids[0], {"paused": True})
ran_job, right_after, final, long_pipeline = cancel_mid_job(
    abrupt, {".gitlab-ci.yml": LONG, "again.txt": "again"}, "abrupt")
assert right_after == "canceled", right_after
assert final.status == "canceled"
assert abrupt.job_statuses[ran_job["id"]][-1] == "canceled", abrupt.job_statuses[ran_job["id"]]
assert abrupt.replies[ran_job["id"]][-1] == 403, abrupt.replies[ran_job["id"]]
assert "canceling" not in abrupt.job_statuses[ran_job["id"]]

# A job that is canceled already cannot be canceled again: GitLab's 422.
expect_error(gitlab.GitlabCancelError, 422, lambda: project.jobs.get(final.id).cancel(),
             "Unprocessable entity")
print("runner protocol: ok")
