"""python-gitlab and git against the fake's CI/CD: project and group variables (masked,
protected, file type) with GitLab's validation messages, pipelines created by a push and by the
API with variables, `rules` on `$CI_PIPELINE_SOURCE` and pipeline variables, `include: local`,
`extends`, `parallel: matrix`, configuration errors, cancel, retry and delete."""

import gitlab

from common import client, expect_error, push_files, wait_until

gl = client()
group = gl.groups.create({"name": "CI", "path": "ci"})
project = gl.projects.create({"name": "app", "namespace_id": group.id})

# Variables.
v = project.variables.create({"key": "DEPLOY_KEY", "value": "s3cr3t-value", "masked": True, "protected": True})
assert (v.masked, v.protected, v.variable_type, v.environment_scope) == (True, True, "env_var", "*")
f = project.variables.create({"key": "KUBECONFIG", "value": "apiVersion: v1\n", "variable_type": "file"})
assert project.variables.get("KUBECONFIG").value == "apiVersion: v1\n" and f.variable_type == "file"
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.variables.create({"key": "SHORT", "value": "abc", "masked": True}))
assert error.error_message == {"value": ["is invalid"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.variables.create({"key": "DEPLOY_KEY", "value": "x"}))
assert error.error_message == {"key": ["(DEPLOY_KEY) has already been taken"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.variables.create({"key": "BAD-KEY", "value": "x"}))
assert error.error_message == {"key": ["can contain only letters, digits and '_'."]}, error.error_message
v.value = "rotated-value-1"
v.save()
assert project.variables.get("DEPLOY_KEY").value == "rotated-value-1"
project.variables.delete("KUBECONFIG")
expect_error(gitlab.GitlabGetError, 404, lambda: project.variables.get("KUBECONFIG"), "404 Variable Not Found")
group.variables.create({"key": "GROUP_LEVEL", "value": "from-group"})
assert [x.key for x in group.variables.list(get_all=True)] == ["GROUP_LEVEL"]
keys = [x.key for x in project.variables.list(get_all=True)]
assert keys == ["DEPLOY_KEY"], keys

# A push pipeline and an API pipeline choose different jobs through rules.
CI = """
include:
  - local: ci/templates.yml
stages: [build, test]
variables:
  GLOBAL: "1"
build:
  extends: .build-template
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
on-api:
  stage: test
  script: echo "api run with $TARGET"
  rules:
    - if: $CI_PIPELINE_SOURCE == "api" && $TARGET == "prod"
      when: manual
    - if: $CI_PIPELINE_SOURCE == "api"
matrix:
  stage: test
  script: echo $OS
  parallel:
    matrix:
      - OS: [linux, windows]
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
"""
TEMPLATES = """
.build-template:
  stage: build
  script: [echo build]
"""
sha = push_files(project, {".gitlab-ci.yml": CI, "ci/templates.yml": TEMPLATES})
push_pipeline = wait_until(lambda: project.pipelines.list(get_all=True), what="push pipeline")[0]
assert push_pipeline.source == "push" and push_pipeline.sha == sha
names = sorted(j.name for j in push_pipeline.jobs.list(get_all=True))
assert names == ["build", "matrix: [linux]", "matrix: [windows]"], names

api_pipeline = project.pipelines.create({"ref": "main", "variables": [{"key": "TARGET", "value": "prod"}]})
assert api_pipeline.source == "api" and api_pipeline.sha == sha and api_pipeline.ref == "main"
jobs = {j.name: j for j in api_pipeline.jobs.list(get_all=True)}
assert sorted(jobs) == ["matrix: [linux]", "matrix: [windows]", "on-api"], sorted(jobs)
assert jobs["on-api"].status == "manual" and jobs["on-api"].allow_failure is False
assert [(x.key, x.value) for x in api_pipeline.variables.list(get_all=True)] == [("TARGET", "prod")]
assert api_pipeline.iid == push_pipeline.iid + 1

staging = project.pipelines.create({"ref": "main", "variables": [{"key": "TARGET", "value": "staging"}]})
assert {j.name: j.status for j in staging.jobs.list(get_all=True)}["on-api"] == "pending"

# Listing and filtering.
assert [p.id for p in project.pipelines.list(get_all=True)] == [staging.id, api_pipeline.id, push_pipeline.id]
assert [p.id for p in project.pipelines.list(source="push", get_all=True)] == [push_pipeline.id]
page = project.pipelines.list(per_page=1, iterator=True)
assert page.total == 3 and page.total_pages == 3

# Cancel, retry, delete.
staging.cancel()
staging = project.pipelines.get(staging.id)
assert staging.status == "canceled", staging.status
assert {j.status for j in staging.jobs.list(get_all=True)} == {"canceled"}
staging.retry()
staging = project.pipelines.get(staging.id)
assert staging.status == "pending", staging.status
assert {j.status for j in staging.jobs.list(get_all=True)} == {"pending"}
assert len(staging.jobs.list(get_all=True, include_retried=True)) == 6
one = staging.jobs.list(get_all=True)[0]
project.jobs.get(one.id).cancel()
assert project.jobs.get(one.id).status == "canceled"
project.pipelines.delete(staging.id)
expect_error(gitlab.GitlabGetError, 404, lambda: project.pipelines.get(staging.id), "404 Pipeline Not Found")

# Errors: unknown ref, a configuration the linter rejects.
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.pipelines.create({"ref": "nope"}))
assert error.error_message == {"base": ["Reference not found"]}, error.error_message
push_files(project, {".gitlab-ci.yml": "build:\n  stage: build\n"}, branch="broken")
broken = wait_until(lambda: project.pipelines.list(ref="broken", get_all=True), what="broken pipeline")[0]
broken = project.pipelines.get(broken.id)
assert broken.status == "failed", broken.status
assert broken.yaml_errors == "jobs:build config should implement the script:, run:, or trigger: keyword", broken.yaml_errors
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.pipelines.create({"ref": "broken"}))
assert error.error_message == {"base": ["jobs:build config should implement the script:, run:, or trigger: keyword"]}, error.error_message
print("pipelines ok")
