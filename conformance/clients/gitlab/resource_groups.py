"""`resource_group` and `interruptible`, driven by git pushes, python-gitlab and the runner
API: a deploy job of a newer pipeline waits (`waiting_for_resource`) while the group's job of
an older pipeline runs, and gets the resource when that one finishes; a newer push cancels an
older pipeline of the branch whose started jobs are all interruptible, and leaves one alone
whose non-interruptible job has started."""

import os

import requests

from common import URL, client, git, push_files, wait_until

gl = client()
project = gl.projects.create({"name": "deploys"})
CI = """
deploy:
  resource_group: production
  script: [echo deploy]
lint:
  interruptible: true
  script: [echo lint]
"""
push_files(project, {".gitlab-ci.yml": CI}, message="first")
first = wait_until(lambda: project.pipelines.list(get_all=True), what="first pipeline")[0]
registered = requests.post(f"{URL}/api/v4/runners", data={"token": project.runners_token, "description": "raw"})
assert registered.status_code == 201, registered.text
runner_token = registered.json()["token"]


def take_job():
    answer = requests.post(f"{URL}/api/v4/jobs/request", json={"token": runner_token, "info": {}})
    assert answer.status_code == 201, (answer.status_code, answer.text)
    return answer.json()


def jobs_of(pipeline):
    return {j.name: j for j in project.pipelines.get(pipeline.id).jobs.list(get_all=True)}


deploy = take_job()
assert (deploy["job_info"]["name"], deploy["git_info"]["sha"]) == ("deploy", first.sha), deploy["job_info"]

# A second push: its deploy waits for the resource; the first pipeline, whose
# non-interruptible deploy has started, is not canceled.
push_files(project, {".gitlab-ci.yml": CI, "b.txt": "b\n"}, message="second",
           workdir=f"{os.environ['TMPDIR']}/second")
second = wait_until(lambda: [p for p in project.pipelines.list(get_all=True) if p.id != first.id], what="second")[0]
assert jobs_of(second)["deploy"].status == "waiting_for_resource", jobs_of(second)["deploy"].status
assert project.pipelines.get(first.id).status == "running"

done = requests.put(f"{URL}/api/v4/jobs/{deploy['id']}", json={"token": deploy["token"], "state": "success"})
assert done.status_code == 200, done.text
assert jobs_of(second)["deploy"].status == "pending", jobs_of(second)["deploy"].status

# On a branch where nothing has started, a newer push cancels the older pipeline.
push_files(project, {".gitlab-ci.yml": CI, "c.txt": "c\n"}, branch="feature", message="third",
           workdir=f"{os.environ['TMPDIR']}/third")
third = wait_until(lambda: project.pipelines.list(ref="feature", get_all=True), what="feature pipeline")[0]
third_work = f"{os.environ['TMPDIR']}/third"
with open(os.path.join(third_work, "d.txt"), "w") as handle:
    handle.write("d\n")
git("add", "-A", cwd=third_work)
git("commit", "-m", "fourth", cwd=third_work)
git("push", "origin", "feature", cwd=third_work)
fourth = wait_until(lambda: [p for p in project.pipelines.list(ref="feature", get_all=True) if p.id != third.id],
                    what="newer feature pipeline")[0]
assert project.pipelines.get(third.id).status == "canceled", project.pipelines.get(third.id).status
assert {j.status for j in jobs_of(third).values()} == {"canceled"}
assert project.pipelines.get(fourth.id).status in ("pending", "waiting_for_resource"), project.pipelines.get(fourth.id).status
print("resource groups and interruptible: ok")
