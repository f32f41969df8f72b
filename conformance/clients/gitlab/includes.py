"""`include:` beyond `local`, driven by python-gitlab and git: `project` with `ref` and a
`file` list (nested `local` includes resolved inside the included project), the pipeline
user's access to the included project, and GitLab's messages for missing projects, refs and
files, remote URLs (no network), templates and the nesting limit; a pushed configuration
that includes another project's files gets exactly those jobs."""

import gitlab

from common import client, push_files, wait_until

gl = client()
shared = gl.projects.create({"name": "shared", "visibility": "private"})
push_files(shared, {
    "ci/build.yml": "include:\n  - local: ci/base.yml\nbuild:\n  extends: .base\n  script: [echo build from v1]\n",
    "ci/base.yml": ".base:\n  stage: build\n  tags: [shared]\n",
    "ci/test.yml": "unit:\n  stage: test\n  script: [echo unit]\n",
    "ci/loop.yml": "include: [{local: ci/loop.yml}]\n",
})
shared.tags.create({"tag_name": "v1", "ref": "main"})
shared.files.update("ci/build.yml", {"branch": "main", "commit_message": "v2",
                                    "content": "build:\n  script: [echo build from main]\n"})

app = gl.projects.create({"name": "app"})
CI = """
include:
  - project: root/shared
    ref: v1
    file: [ci/build.yml, ci/test.yml]
deploy:
  stage: deploy
  script: [echo deploy]
"""
lint = app.ci_lint.create({"content": CI})
assert lint.valid is True and lint.errors == [], lint.errors
assert "echo build from v1" in lint.merged_yaml and ".base:" in lint.merged_yaml, lint.merged_yaml
latest = app.ci_lint.create({"content": "include: {project: root/shared, file: ci/build.yml}\n"})
assert latest.valid and "echo build from main" in latest.merged_yaml, latest.merged_yaml

EXPECTED = {
    "include: {project: root/nowhere, file: a.yml}\n":
        "Project `root/nowhere` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.",
    "include: {project: root/shared, ref: v9, file: ci/build.yml}\n":
        "Project `root/shared` reference `v9` does not exist!",
    "include: {project: root/shared, file: [ci/test.yml, ci/gone.yml]}\n":
        "Project `root/shared` file `ci/gone.yml` does not exist!",
    "include: {project: root/shared, file: ci/loop.yml}\n":
        "Maximum of 150 nested includes are allowed!",
    "include: 'https://gitlab.example.com/ci/shared.yml'\n":
        "Remote file `https://gitlab.example.com/ci/shared.yml` could not be fetched because of a socket error!",
    "include: {template: Auto-DevOps.gitlab-ci.yml}\n":
        "Included file `Auto-DevOps.gitlab-ci.yml` is empty or does not exist!",
    "include: {template: Bash}\n":
        "Template file `Bash` is not a valid location!",
}
for content, message in EXPECTED.items():
    answer = app.ci_lint.create({"content": content})
    assert answer.valid is False and answer.errors == [message], (content, answer.errors)

# A user who cannot read the shared project cannot include it.
outsider = gl.users.create({"username": "outsider", "name": "Outsider", "email": "o@example.com",
                            "password": "outsider-pass-1"})
app.members.create({"user_id": outsider.id, "access_level": gitlab.const.AccessLevel.DEVELOPER})
as_outsider = client(outsider.personal_access_tokens.create({"name": "t", "scopes": ["api"]}).token)
denied = as_outsider.projects.get(app.id).ci_lint.create({"content": CI})
assert denied.errors == ["Project `root/shared` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined."], denied.errors

# A pushed configuration gets the included jobs, from the tag it pinned.
push_files(app, {".gitlab-ci.yml": CI})
pipeline = wait_until(lambda: app.pipelines.list(get_all=True), what="pipeline")[0]
jobs = {j.name: j for j in pipeline.jobs.list(get_all=True)}
assert set(jobs) == {"build", "unit", "deploy"}, jobs
assert (jobs["build"].stage, jobs["build"].tag_list) == ("build", ["shared"]), (jobs["build"].stage, jobs["build"].tag_list)
print("includes: ok")
