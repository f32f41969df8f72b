"""Dotenv reports and delayed jobs through the runner API as the Go gitlab-runner speaks it
(gitlab-python-runner uploads archives only): the job payload asks for a gzip `dotenv`
artifact, the upload's variables reach the next job's payload, a bad file is refused with
GitLab's message; `when: delayed` jobs wait `scheduled` until `start_in` has passed on the
hub's clock, can be played early, and the linter answers GitLab's `start_in` messages."""

import gzip
import time

import requests

from common import URL, client, push_files, wait_until

gl = client()
project = gl.projects.create({"name": "dotenv"})
CI = """
build:
  stage: build
  script: [echo "VERSION=1.2.3" > build.env]
  artifacts:
    reports:
      dotenv: build.env
test:
  stage: test
  script: [echo "$VERSION"]
later:
  stage: deploy
  when: delayed
  start_in: 3 seconds
  script: [echo later]
much-later:
  stage: deploy
  when: delayed
  start_in: 1 week
  script: [echo much later]
"""
push_files(project, {".gitlab-ci.yml": CI})
pipeline = wait_until(lambda: project.pipelines.list(get_all=True), what="pipeline")[0]

registered = requests.post(f"{URL}/api/v4/runners", data={"token": project.runners_token, "description": "go-shaped"})
assert registered.status_code == 201, registered.text
runner_token = registered.json()["token"]


def take_job():
    answer = requests.post(f"{URL}/api/v4/jobs/request", json={"token": runner_token, "info": {"features": {"upload_multiple_artifacts": True}}})
    assert answer.status_code == 201, (answer.status_code, answer.text)
    return answer.json()


def upload(job, data, artifact_type="dotenv", artifact_format="gzip"):
    return requests.post(
        f"{URL}/api/v4/jobs/{job['id']}/artifacts",
        params={"artifact_format": artifact_format, "artifact_type": artifact_type},
        files={"file": (".env.gz", data, "application/octet-stream")},
        data={"artifact_format": artifact_format, "artifact_type": artifact_type},
        headers={"JOB-TOKEN": job["token"]})


def finish(job):
    done = requests.put(f"{URL}/api/v4/jobs/{job['id']}", json={"token": job["token"], "state": "success", "exit_code": 0})
    assert done.status_code == 200, done.text


build = take_job()
assert build["job_info"]["name"] == "build"
assert build["artifacts"] == [{"name": ".env.gz", "untracked": False, "paths": ["build.env"], "exclude": [],
                               "when": "always", "expire_in": None, "artifact_type": "dotenv",
                               "artifact_format": "gzip"}], build["artifacts"]
refused = upload(build, b"not gzip at all")
assert (refused.status_code, refused.json()) == (400, {"message": "400 Bad request - Invalid Format"}), refused.text
accepted = upload(build, gzip.compress(b"VERSION=1.2.3\nQUOTED='two words'\n"))
assert accepted.status_code == 201, accepted.text
finish(build)

test = take_job()
assert test["job_info"]["name"] == "test"
variables = {v["key"]: v["value"] for v in test["variables"]}
assert (variables.get("VERSION"), variables.get("QUOTED")) == ("1.2.3", "two words"), variables
finish(test)

# The delayed jobs wait on the hub's clock; `later` is queued after its three seconds.
jobs = wait_until(lambda: (lambda j: j if j["later"].status == "scheduled" else None)(
    {j.name: j for j in pipeline.jobs.list(get_all=True)}), what="scheduled jobs")
scheduled_since = time.monotonic()
assert jobs["much-later"].status == "scheduled"
assert project.pipelines.get(pipeline.id).status == "scheduled"
# The runner's long poll is answered when the timer queues the job, not before.
later = take_job()
waited = time.monotonic() - scheduled_since
assert later["job_info"]["name"] == "later" and waited >= 2, (later["job_info"], waited)
assert project.jobs.get(jobs["much-later"].id).status == "scheduled"
finish(later)

# A week is long: play it now.
project.jobs.get(jobs["much-later"].id).play()
assert project.jobs.get(jobs["much-later"].id).status == "pending"
finish(take_job())
assert project.pipelines.get(pipeline.id).status == "success"

# The linter's start_in messages.
for content, message in {
    "x:\n  script: [echo]\n  when: delayed\n": "jobs:x start in should be a duration",
    "x:\n  script: [echo]\n  when: delayed\n  start_in: 8 days\n": "jobs:x start in should not exceed the limit",
    "x:\n  script: [echo]\n  start_in: 1 minute\n": "jobs:x start in must be blank when not a delayed job",
}.items():
    answer = project.ci_lint.create({"content": content})
    assert answer.errors == [message], (content, answer.errors)
print("dotenv and delayed: ok")
