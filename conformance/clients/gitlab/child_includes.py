"""`trigger: include:` with another project's files and with a template, driven by git pushes
and python-gitlab: the child pipeline takes its jobs from the other project's file at the
given ref (read as the bridge's user may read it), and a bridge to a template the hub does
not ship, or to a project its user cannot read, fails with GitLab's failure reason."""

import gitlab

from common import client, push_files, wait_until

gl = client()
shared = gl.projects.create({"name": "shared-ci", "visibility": "private"})
push_files(shared, {"README.md": "shared\n", "ci/child.yml": "from-shared-main:\n  script: [echo main]\n"})
shared.branches.create({"branch": "v1", "ref": "main"})
push_files(shared, {"ci/child.yml": "from-shared-v2:\n  script: [echo v2]\n"}, message="v2",
           workdir=None)

outsider = gl.users.create({"username": "outsider", "name": "Outsider", "email": "o@example.com",
                            "password": "outsider-pass-1234"})
outsider_gl = client(outsider.personal_access_tokens.create({"name": "api", "scopes": ["api"]}).token)

CI = """
from-project:
  trigger:
    include:
      - project: root/shared-ci
        ref: v1
        file: ci/child.yml
from-default-branch:
  trigger:
    include:
      - project: root/shared-ci
        file: /ci/child.yml
from-template:
  allow_failure: true
  trigger:
    include:
      - template: Nowhere.gitlab-ci.yml
"""
parent = gl.projects.create({"name": "parent"})
push_files(parent, {".gitlab-ci.yml": CI})
pipeline = wait_until(lambda: parent.pipelines.list(source="push", get_all=True), what="pipeline")[0]


def bridges():
    return {b["name"]: b for b in gl.http_list(f"/projects/{parent.id}/pipelines/{pipeline.id}/bridges", get_all=True)}


found = wait_until(lambda: (lambda b: b if all(x["status"] in ("success", "failed") for x in b.values()) else None)(bridges()),
                   what="bridges finished")
assert found["from-project"]["status"] == "success", found["from-project"]
assert found["from-default-branch"]["status"] == "success", found["from-default-branch"]
assert (found["from-template"]["status"], found["from-template"]["failure_reason"]) == (
    "failed", "downstream_pipeline_creation_failed"), found["from-template"]
child = found["from-project"]["downstream_pipeline"]
assert (child["source"], child["project_id"]) == ("parent_pipeline", parent.id), child
assert [j.name for j in parent.pipelines.get(child["id"]).jobs.list(get_all=True)] == ["from-shared-main"]
latest = found["from-default-branch"]["downstream_pipeline"]
assert [j.name for j in parent.pipelines.get(latest["id"]).jobs.list(get_all=True)] == ["from-shared-v2"]

# A user who cannot read the shared project gets no child pipeline from it.
theirs = outsider_gl.projects.create({"name": "theirs"})
push_files(theirs, {".gitlab-ci.yml": CI.split("from-default-branch:")[0]}, token=outsider_gl.private_token)
their_pipeline = wait_until(lambda: theirs.pipelines.list(source="push", get_all=True), what="outsider pipeline")[0]
their_bridges = wait_until(
    lambda: [b for b in outsider_gl.http_list(f"/projects/{theirs.id}/pipelines/{their_pipeline.id}/bridges", get_all=True)
             if b["status"] == "failed"], what="failed bridge")
assert their_bridges[0]["failure_reason"] == "downstream_pipeline_creation_failed", their_bridges
print("child pipelines from projects and templates: ok")
