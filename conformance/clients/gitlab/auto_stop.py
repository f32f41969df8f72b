"""Environments stop themselves when `auto_stop_in` has passed, on the auto-stop worker's
ticks (the cell runs the hub with `--gitlab-auto-stop-worker-cron '* * * * *'`): a deploy job
run by gitlab-python-runner sets `auto_stop_at`; at the next tick after it the environment
with an `on_stop` job becomes `stopping` and its stop job is queued (run by the runner, it
ends `stopped`), and one without a stop job is `stopped` at once."""

import datetime
import os
import subprocess

from common import URL, client, log, push_files, wait_until

GLRUNNER_PYTHON = os.environ["GLRUNNER_PYTHON"]
GLRUNNER = os.environ["GLRUNNER"]

gl = client()
project = gl.projects.create({"name": "auto-stop", "ci_default_git_depth": 0})
CI = """
default:
  tags: [sockerless]
deploy:
  script: [echo deploying]
  environment:
    name: review/auto
    auto_stop_in: 1 second
    on_stop: stop
deploy-bare:
  script: [echo deploying bare]
  environment:
    name: bare
    auto_stop_in: 2 seconds
stop:
  script: ["echo stopping $CI_ENVIRONMENT_NAME"]
  when: manual
  environment:
    name: review/auto
    action: stop
"""
push_files(project, {".gitlab-ci.yml": CI})
work = os.path.join(os.environ["TMPDIR"], "runner")
os.makedirs(work)
register = subprocess.run(
    [GLRUNNER_PYTHON, GLRUNNER, "--register", URL, "--regtoken", project.runners_token,
     "--type", "shell", "--shell", "/bin/sh", "--tag", "sockerless", "--desc", "auto-stop"],
    cwd=work, capture_output=True, text=True, timeout=60)
assert register.returncode == 0, register.stdout + register.stderr


def run_one_job():
    done = subprocess.run([GLRUNNER_PYTHON, GLRUNNER, "--start", "gitlab-runner.yml", "--once"],
                          cwd=work, capture_output=True, text=True, timeout=120)
    log(done.stdout[-2000:], done.stderr[-4000:])


def job(name):
    return [j for j in project.jobs.list(get_all=True) if j.name == name][0]


def environment(name):
    return [e for e in project.environments.list(get_all=True) if e.name == name][0]


run_one_job()
run_one_job()
assert job("deploy").status == "success" and job("deploy-bare").status == "success"
auto = project.environments.get(environment("review/auto").id)
assert auto.state == "available" and auto.auto_stop_at, auto.attributes
at = datetime.datetime.fromisoformat(auto.auto_stop_at.replace("Z", "+00:00"))
assert at <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5), auto.auto_stop_at
assert job("stop").status == "manual"

# The worker ticks once a minute: within about a minute both environments are acted on.
stopping = wait_until(lambda: (e := project.environments.get(auto.id)).state == "stopping" and e,
                      timeout=90, what="the auto-stop worker")
assert job("stop").status == "pending", job("stop").status
bare = wait_until(lambda: (e := project.environments.get(environment("bare").id)).state == "stopped" and e,
                  timeout=90, what="the bare environment stopped")
assert bare.auto_stop_at is None, bare.attributes
run_one_job()
assert job("stop").status == "success"
assert "stopping review/auto" in project.jobs.get(job("stop").id).trace().decode()
assert wait_until(lambda: project.environments.get(auto.id).state == "stopped", what="stopped after its stop job")
print("auto-stop ok")
