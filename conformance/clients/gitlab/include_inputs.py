"""`include:` with `rules` and `inputs`, and `include: local` wildcards: a pushed pipeline gets
exactly the jobs whose includes pass their rules (`if` over predefined and project variables,
`when: never`, `exists`), an included file's `spec: inputs:` header fills `$[[ inputs.x ]]`
(typed when a block is a whole value, so `parallel: $[[ inputs.replicas ]]` is a number), and
the linter answers GitLab's messages for inputs that break the header's `default`, `type`,
`options` and `regex`. A Go-shaped runner runs one interpolated job; its trace is read back."""

import os

from common import client, push_files, wait_until, log, URL
from gorunner import GoRunner

gl = client()
project = gl.projects.create({"name": "include-inputs"})
project.variables.create({"key": "DEPLOY_TARGET", "value": "staging"})

BUILD = r"""spec:
  inputs:
    stage:
      default: build
    env:
      options: [dev, prod]
    replicas:
      type: number
      default: 1
    tag:
      regex: ^v\d+$
      default: v1
---
"build-$[[ inputs.env ]]":
  stage: $[[ inputs.stage ]]
  parallel: $[[ inputs.replicas ]]
  script:
    - echo "building $[[ inputs.env ]] x$[[ inputs.replicas ]] tag $[[ inputs.tag | truncate(0,1) ]]"
"""


def job(name):
    return f"{name}:\n  stage: test\n  script: [echo {name}]\n"


FILES = {
    "ci/build.yml": BUILD,
    "ci/extra/a.yml": job("extra-a"),
    "ci/extra/b.yml": job("extra-b"),
    "ci/extra/deep/c.yml": job("extra-deep"),
    "ci/main-only.yml": job("main-only"),
    "ci/never.yml": job("never"),
    "ci/dockerfile.yml": job("dockerfile"),
    "ci/found.yml": job("found"),
    "ci/var.yml": job("var"),
    "ci/other-var.yml": job("other-var"),
    "docs/deep/marker.txt": "here",
}
CI = r"""
stages: [build, test]
include:
  - local: ci/build.yml
    inputs:
      env: prod
      replicas: 2
  - local: ci/extra/*.yml
  - local: ci/main-only.yml
    rules:
      - if: $CI_COMMIT_BRANCH == "main"
  - local: ci/never.yml
    rules:
      - if: $CI_COMMIT_BRANCH == "main"
        when: never
      - when: always
  - local: ci/dockerfile.yml
    rules:
      - exists: [Dockerfile]
  - local: ci/found.yml
    rules:
      - exists: ["docs/**/marker.txt"]
  - local: ci/var.yml
    rules:
      - if: $DEPLOY_TARGET == "staging"
  - local: ci/other-var.yml
    rules:
      - if: $DEPLOY_TARGET == "production"
"""
push_files(project, {".gitlab-ci.yml": CI, **FILES})
pipeline = wait_until(lambda: (project.pipelines.list(get_all=True) or [None])[0], what="pipeline")
jobs = {j.name: j for j in pipeline.jobs.list(get_all=True)}
assert set(jobs) == {"build-prod 1/2", "build-prod 2/2", "extra-a", "extra-b", "main-only",
                     "found", "var"}, sorted(jobs)
assert jobs["build-prod 1/2"].stage == "build" and jobs["extra-a"].stage == "test"

# A runner takes the first interpolated job; its script is what the inputs made of it.
runner = GoRunner(URL)
assert runner.register(project.runners_token, description="inputs").status_code == 201
ran = runner.run_one()
assert ran["job_info"]["name"] == "build-prod 1/2", ran["job_info"]
trace = project.jobs.get(ran["id"]).trace().decode()
assert "building prod x2 tag v" in trace, trace

# The linter's words for inputs the header refuses.
def lint_errors(include):
    lint = project.ci_lint.create({"content": f"include:\n{include}\njob:\n  script: echo\n"})
    return lint.errors


for include, message in [
    ("  - local: ci/build.yml",
     "`ci/build.yml`: `env` input: required value has not been provided"),
    ("  - local: ci/build.yml\n    inputs: {env: qa}",
     "`ci/build.yml`: `env` input: `qa` cannot be used because it is not in the list of allowed options"),
    ("  - local: ci/build.yml\n    inputs: {env: dev, replicas: many}",
     "`ci/build.yml`: `replicas` input: provided value is not a number"),
    ("  - local: ci/build.yml\n    inputs: {env: dev, tag: release}",
     "`ci/build.yml`: `tag` input: provided value does not match required RegEx pattern"),
    ("  - local: ci/build.yml\n    inputs: {env: dev, colour: red}",
     "`ci/build.yml`: unknown input arguments: colour"),
    ("  - local: ci/extra/a.yml\n    inputs: {env: dev}",
     "`ci/extra/a.yml`: Given inputs not defined in the `spec` section of the included configuration file"),
    ("  - local: ci/never.yml\n    rules: [{when: on_success}]",
     "include:rule when unknown value: on_success"),
    ("  - local: ci/never.yml\n    rules: [{if: $A ==}]",
     "include:rule if invalid expression syntax"),
]:
    errors = lint_errors(include)
    assert errors == [message], (include, errors)

# A wildcard that matches nothing includes nothing, and is no error.
assert lint_errors("  - local: nowhere/*.yml") == []
# `**` reaches below one directory.
lint = project.ci_lint.create({"content": "include:\n  - local: ci/extra/**/*.yml\n"})
assert lint.valid is True, lint.errors
assert "extra-deep:" in lint.merged_yaml and "extra-a:" in lint.merged_yaml, lint.merged_yaml
# `include: component`: a component project's templates at a tag, with inputs, addressed
# through `$CI_SERVER_FQDN`; GitLab's messages for what cannot be fetched.
components = gl.projects.create({"name": "components"})
components.files.create({"file_path": "templates/greet.yml", "branch": "main", "commit_message": "greet", "content": (
    "spec:\n  inputs:\n    who:\n      default: world\n---\n"
    "\"greet-$[[ inputs.who ]]\":\n  script:\n    - echo hello $[[ inputs.who ]]\n")})
components.files.create({"file_path": "templates/scan/template.yml", "branch": "main", "commit_message": "scan", "content": "scan:\n  script: [echo scan]\n"})
components.tags.create({"tag_name": "1.0", "ref": "main"})
fqdn = URL.split("://", 1)[1].rstrip("/")
lint = project.ci_lint.create({"content": (
    "include:\n  - component: $CI_SERVER_FQDN/root/components/greet@1.0\n    inputs: {who: team}\n"
    f"  - component: {fqdn}/root/components/scan@main\n")})
assert lint.valid is True, lint.errors
assert "greet-team:" in lint.merged_yaml and "scan:" in lint.merged_yaml, lint.merged_yaml
for address, message in [
    (f"{fqdn}/root/components/greet@2.0", f"Component '{fqdn}/root/components/greet@2.0' - content not found"),
    (f"{fqdn}/root/components/absent@1.0", f"Component '{fqdn}/root/components/absent@1.0' - content not found"),
    (f"{fqdn}/root/components/greet@~latest", f"Component '{fqdn}/root/components/greet@~latest' - The ~latest version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead."),
    ("gitlab.com/root/components/greet@1.0", "Component 'gitlab.com/root/components/greet@1.0' - the component path is not supported"),
]:
    assert lint_errors(f"  - component: {address}") == [message], (address, lint_errors(f"  - component: {address}"))
# A pushed pipeline gets the component's job.
consumer = gl.projects.create({"name": "consumer"})
push_files(consumer, {".gitlab-ci.yml": "include:\n  - component: $CI_SERVER_FQDN/root/components/greet@1.0\n    inputs: {who: ci}\n"})
pipeline = wait_until(lambda: consumer.pipelines.list(get_all=True), what="consumer pipeline")[0]
assert [j.name for j in pipeline.jobs.list(get_all=True)] == ["greet-ci"], pipeline.attributes
print("includes with rules and inputs: ok")
