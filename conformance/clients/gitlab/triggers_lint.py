"""python-gitlab and plain HTTP against pipeline triggers (token CRUD, `trigger/pipeline` with
JSON and form variables and no other credentials, GitLab's 404/400 answers), the CI linter
(`POST` content with `include: local` read from the repository, `GET` the project's own
configuration, GitLab's messages), and job erase."""

import hashlib

import gitlab
import requests

from common import URL, client, expect_error, push_files

gl = client()
project = gl.projects.create({"name": "triggers"})
CI = """
include:
  - local: ci/common.yml
triggered:
  script: echo "triggered with $DEPLOY_TARGET"
  cache:
    - key: deps-$CI_COMMIT_REF_SLUG
      paths: [vendor/]
    - key:
        files: [ci/common.yml]
        prefix: files
      paths: [build/]
      policy: pull
  rules:
    - if: $CI_PIPELINE_SOURCE == "trigger"
pushed:
  extends: .common
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
"""
COMMON = """
.common:
  script: [echo common]
"""
sha = push_files(project, {".gitlab-ci.yml": CI, "ci/common.yml": COMMON})

# Trigger tokens.
trigger = project.triggers.create({"description": "deploy"})
assert trigger.token.startswith("glptt-") and trigger.owner["username"] == "root", trigger
assert [t.id for t in project.triggers.list(get_all=True)] == [trigger.id]
trigger.description = "deploy prod"
trigger.save()
assert project.triggers.get(trigger.id).description == "deploy prod"
assert project.triggers.get(trigger.id).last_used is None

pipeline = project.trigger_pipeline("main", trigger.token, variables={"DEPLOY_TARGET": "prod"})
assert (pipeline.source, pipeline.sha, pipeline.ref) == ("trigger", sha, "main"), pipeline
full = project.pipelines.get(pipeline.id)
assert [j.name for j in full.jobs.list(get_all=True)] == ["triggered"]
assert [(v.key, v.value) for v in full.variables.list(get_all=True)] == [("DEPLOY_TARGET", "prod")]
assert project.triggers.get(trigger.id).last_used is not None

# Form fields, as curl sends them, and no other credentials.
endpoint = f"{URL}/api/v4/projects/{project.id}/trigger/pipeline"
answer = requests.post(endpoint, data={"token": trigger.token, "ref": "main", "variables[DEPLOY_TARGET]": "staging"})
assert answer.status_code == 201, answer.text
variables = gl.http_get(f"/projects/{project.id}/pipelines/{answer.json()['id']}/variables")
assert [(v["key"], v["value"]) for v in variables] == [("DEPLOY_TARGET", "staging")], variables
answer = requests.post(endpoint, data={"token": "glptt-not-a-real-token", "ref": "main"})
assert (answer.status_code, answer.json()) == (404, {"message": "404 Not Found"}), answer.text
answer = requests.post(endpoint, data={"token": trigger.token})
assert (answer.status_code, answer.json()) == (400, {"error": "ref is missing"}), answer.text
answer = requests.post(endpoint, data={"token": trigger.token, "ref": "no-such-branch"})
assert (answer.status_code, answer.json()) == (400, {"message": {"base": ["Reference not found"]}}), answer.text
trigger.delete()
expect_error(gitlab.GitlabGetError, 404, lambda: project.triggers.get(trigger.id), "404 Trigger Not Found")
answer = requests.post(endpoint, json={"token": trigger.token, "ref": "main"})
assert answer.status_code == 404, answer.text

# The linter.
lint = project.ci_lint.create({"content": CI})
assert lint.valid is True and lint.errors == [] and lint.warnings == [], lint
assert ".common:" in lint.merged_yaml and "include" not in lint.merged_yaml, lint.merged_yaml
bad = project.ci_lint.create({"content": "build:\n  scriptt: echo\n"})
assert bad.valid is False and bad.errors == ["jobs:build config contains unknown keys: scriptt"], bad.errors
missing = project.ci_lint.create({"content": "include:\n  - local: nowhere.yml\n"})
assert missing.errors == ["Local file `nowhere.yml` does not exist!"], missing.errors
own = project.ci_lint.get()
assert own.valid is True and "triggered:" in own.merged_yaml, own
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_post(f"/projects/{project.id}/ci/lint", post_data={}), "content is missing")

# Erasing a finished job removes its trace; a job that has not run cannot be erased.
job = full.jobs.list(get_all=True)[0]
job = project.jobs.get(job.id)
job.cancel()
error = expect_error(gitlab.GitlabHttpError, 403, lambda: gl.http_post(f"/projects/{project.id}/jobs/{job.id}/erase"))
assert error.error_message == "403 Forbidden - Job is not erasable!", error.error_message

# A job run through the runner API, then erased: its trace is gone and `erased_at` is set.
for earlier in project.pipelines.list(get_all=True):
    if earlier.status in ("created", "pending", "running"):
        earlier.cancel()  # so the runner below takes the eraser's job
eraser = project.triggers.create({"description": "erase"})
project.trigger_pipeline("main", eraser.token)
registered = requests.post(f"{URL}/api/v4/runners", data={"token": project.runners_token, "description": "raw runner"})
assert registered.status_code == 201, registered.text
picked = requests.post(f"{URL}/api/v4/jobs/request", json={"token": registered.json()["token"], "info": {}})
assert picked.status_code == 201, picked.text
payload = picked.json()
# Cache keys as GitLab resolves them: variables expanded, `key:files` as the SHA-1 of the last
# commits that touched the files, and the protected-ref suffix (main is protected).

files_key = "files-" + hashlib.sha1(sha.encode()).hexdigest()
assert payload["cache"] == [
    {"key": "deps-main-protected", "untracked": False, "policy": "pull-push", "paths": ["vendor/"],
     "when": "on_success", "fallback_keys": [], "unprotect": False},
    {"key": f"{files_key}-protected", "untracked": False, "policy": "pull", "paths": ["build/"],
     "when": "on_success", "fallback_keys": [], "unprotect": False},
], payload["cache"]
appended = requests.patch(f"{URL}/api/v4/jobs/{payload['id']}/trace", data=b"hello trace\n",
                          headers={"JOB-TOKEN": payload["token"], "Content-Range": "0-11"})
assert appended.status_code == 202, appended.text
finished = requests.put(f"{URL}/api/v4/jobs/{payload['id']}", json={"token": payload["token"], "state": "success"})
assert finished.status_code == 200, finished.text
assert project.jobs.get(payload["id"]).trace() == b"hello trace\n"
erased = gl.http_post(f"/projects/{project.id}/jobs/{payload['id']}/erase")
assert erased["erased_at"] and erased["status"] == "success", erased
assert project.jobs.get(payload["id"]).trace() == b""

# The runner-creation flow: a user creates the runner and gets its glrt- token.
gl.auth()
created = gl.user.runners.create({"runner_type": "project_type", "project_id": project.id,
                                  "description": "new flow", "tag_list": ["fast"]})
assert created.token.startswith("glrt-"), created
verified = requests.post(f"{URL}/api/v4/runners/verify", data={"token": created.token})
assert verified.status_code == 200, verified.text
assert "new flow" in [r.description for r in project.runners.list(get_all=True)]
error = expect_error(gitlab.GitlabCreateError, 400, lambda: gl.user.runners.create({"runner_type": "group_type"}))
assert error.error_message == "group_id is missing", error.error_message
print("triggers and lint: ok")
