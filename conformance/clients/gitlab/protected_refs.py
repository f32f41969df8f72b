"""Protected branches and tags, driven by python-gitlab, git and raw runner API calls: the
default branch protected when it first exists, CRUD with GitLab's answers (409, `404 Not
found`, Grape's invalid value), pushes refused through git's pre-receive path with GitLab's
words while the branch stays where it was, force pushes and deletions, wildcards, the files
API's 403, protected tags, merges into a protected target, and protected variables with
`CI_COMMIT_REF_PROTECTED` reaching only jobs of protected refs."""

import os
import time

import gitlab
import requests

from common import URL, client, expect_error, git, push_files

gl = client()
dev_user = gl.users.create({"username": "devon", "name": "Devon", "email": "devon@example.com",
                            "password": "devon-pass-1234"})
dev_token = dev_user.personal_access_tokens.create({"name": "push", "scopes": ["api"]}).token
dev = client(dev_token)

# An empty project has no protected branch until its default branch first exists.
empty = gl.projects.create({"name": "empty"})
assert empty.protectedbranches.list(get_all=True) == []
push_files(empty, {"a.txt": "a\n"})
assert [b.name for b in empty.protectedbranches.list(get_all=True)] == ["main"]

project = gl.projects.create({"name": "guarded", "initialize_with_readme": True})
project.members.create({"user_id": dev_user.id, "access_level": gitlab.const.AccessLevel.DEVELOPER})
protected = project.protectedbranches.list(get_all=True)
assert len(protected) == 1, protected
main = protected[0].attributes
assert main["name"] == "main" and main["allow_force_push"] is False, main
assert main["code_owner_approval_required"] is False, main
for levels in ("push_access_levels", "merge_access_levels"):
    assert [(a["access_level"], a["access_level_description"]) for a in main[levels]] == [(40, "Maintainers")], main

# CRUD answers, in GitLab's words.
release = project.protectedbranches.create({"name": "release/*", "push_access_level": 30,
                                            "merge_access_level": 30})
assert release.push_access_levels[0]["access_level_description"] == "Developers + Maintainers", release
error = expect_error(gitlab.GitlabCreateError, 409, lambda: project.protectedbranches.create({"name": "release/*"}))
assert error.error_message == "Protected branch 'release/*' already exists", error.error_message
error = expect_error(gitlab.GitlabGetError, 404, lambda: project.protectedbranches.get("nothing"))
assert error.error_message == "404 Not found", error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.protectedbranches.create(
    {"name": "x", "push_access_level": 35}))
assert error.error_message == "push_access_level does not have a valid value", error.error_message
dev_project = dev.projects.get(project.id)
expect_error(gitlab.GitlabCreateError, 403, lambda: dev_project.protectedbranches.create({"name": "mine"}))
assert [b.name for b in dev_project.protectedbranches.list(get_all=True)] == ["main", "release/*"]

# A developer's push to main is refused by the pre-receive hook; main does not move.
main_before = project.branches.get("main").commit["id"]
work = os.path.join(os.environ["TMPDIR"], "dev-clone")
remote = project.http_url_to_repo.replace("://", f"://oauth2:{dev_token}@")
git("clone", remote, work)
with open(os.path.join(work, "dev.txt"), "w") as handle:
    handle.write("from dev\n")
git("add", "-A", cwd=work)
git("commit", "-m", "dev change", cwd=work)
refused = git("push", "origin", "main", cwd=work, check=False)
assert refused.returncode != 0, refused.stdout + refused.stderr
assert "remote: GitLab: You are not allowed to push code to protected branches on this project." in refused.stderr, refused.stderr
assert "! [remote rejected] main -> main (pre-receive hook declined)" in refused.stderr, refused.stderr
assert project.branches.get("main").commit["id"] == main_before

# Unprotected branches and developer-pushable wildcards take the same commit.
git("push", "origin", "HEAD:feature", cwd=work)
git("push", "origin", "HEAD:release/1.0", cwd=work)
dev_sha = git("rev-parse", "HEAD", cwd=work).stdout.strip()
assert project.branches.get("feature").commit["id"] == dev_sha
branches = {b.name: b for b in dev_project.branches.list(get_all=True)}
assert (branches["main"].protected, branches["main"].developers_can_push, branches["main"].can_push) == (True, False, False)
assert (branches["release/1.0"].protected, branches["release/1.0"].developers_can_push, branches["release/1.0"].can_push) == (True, True, True)
assert (branches["feature"].protected, branches["feature"].can_push) == (False, True)

# The files API answers 403 for a protected branch the caller may not push to.
error = expect_error(gitlab.GitlabCreateError, 403, lambda: dev_project.files.create(
    {"file_path": "x.txt", "branch": "main", "content": "x", "commit_message": "x"}))
assert error.error_message == "403 Forbidden - You are not allowed to push into this branch", error.error_message

# Deleting protected branches: never by a push; through the API by maintainers only.
refused = git("push", "origin", ":release/1.0", cwd=work, check=False)
assert "remote: GitLab: You are not allowed to delete protected branches from this project. Only a project maintainer or owner can delete a protected branch." in refused.stderr, refused.stderr
error = expect_error(gitlab.GitlabDeleteError, 400, lambda: dev_project.branches.delete("release/1.0"))
assert error.error_message.startswith("You are not allowed to delete protected branches"), error.error_message
error = expect_error(gitlab.GitlabDeleteError, 400, lambda: project.branches.delete("main"))
assert error.error_message == "The default branch of a project cannot be deleted.", error.error_message
project.branches.delete("release/1.0")
assert "release/1.0" not in [b.name for b in project.branches.list(get_all=True)]

# A merge into a protected target needs its merge access level.
mr = dev_project.mergerequests.create({"source_branch": "feature", "target_branch": "main", "title": "Feature"})
expect_error(gitlab.GitlabAuthenticationError, 401, lambda: mr.merge())

# Force pushes to a protected branch are refused until allowed, even for maintainers.
root_work = os.path.join(os.environ["TMPDIR"], "root-clone")
git("clone", project.http_url_to_repo.replace("://", f"://oauth2:{gl.private_token}@"), root_work)
git("commit", "--amend", "-m", "rewritten", cwd=root_work)
refused = git("push", "--force", "origin", "main", cwd=root_work, check=False)
assert "remote: GitLab: You are not allowed to force push code to a protected branch on this project." in refused.stderr, refused.stderr
assert project.branches.get("main").commit["id"] == main_before
project.protectedbranches.update("main", {"allow_force_push": True})
assert project.protectedbranches.get("main").allow_force_push is True
git("push", "--force", "origin", "main", cwd=root_work)
rewritten = git("rev-parse", "HEAD", cwd=root_work).stdout.strip()
assert project.branches.get("main").commit["id"] == rewritten != main_before

# Protected tags.
tag_rule = project.protectedtags.create({"name": "v*"})
assert tag_rule.create_access_levels[0]["access_level"] == 40, tag_rule
error = expect_error(gitlab.GitlabCreateError, 400, lambda: dev_project.tags.create({"tag_name": "v1.0", "ref": "feature"}))
assert error.error_message == "You are not allowed to create this tag as it is protected.", error.error_message
git("tag", "v2.0", cwd=work)
refused = git("push", "origin", "v2.0", cwd=work, check=False)
assert "remote: GitLab: You are not allowed to create this tag as it is protected." in refused.stderr, refused.stderr
dev_project.tags.create({"tag_name": "dev-1", "ref": "feature"})
project.tags.create({"tag_name": "v1.0", "ref": "main"})
tags = {t.name: t for t in dev_project.tags.list(get_all=True)}
assert (tags["v1.0"].protected, tags["dev-1"].protected) == (True, False), tags
error = expect_error(gitlab.GitlabDeleteError, 400, lambda: dev_project.tags.delete("v1.0"))
assert error.error_message.startswith("You are not allowed to delete protected tags"), error.error_message
assert [t.name for t in project.protectedtags.list(get_all=True)] == ["v*"]
project.protectedtags.delete("v*")
expect_error(gitlab.GitlabGetError, 404, lambda: project.protectedtags.get("v*"))

# Protected variables reach jobs of protected refs only, with CI_COMMIT_REF_PROTECTED.
project.variables.create({"key": "DEPLOY_KEY", "value": "s3cr3t-value", "protected": True})
project.variables.create({"key": "PLAIN", "value": "open"})
CI = "show:\n  script: [echo $CI_COMMIT_REF_NAME]\n"
push_files(project, {".gitlab-ci.yml": CI}, branch="main", workdir=os.path.join(os.environ["TMPDIR"], "ci-main"))
push_files(project, {".gitlab-ci.yml": CI + "# topic\n"}, token=dev_token, branch="topic",
           workdir=os.path.join(os.environ["TMPDIR"], "ci-topic"))
registered = requests.post(f"{URL}/api/v4/runners", data={"token": project.runners_token, "description": "raw"})
assert registered.status_code == 201, registered.text
seen = {}
deadline = time.monotonic() + 30
while len(seen) < 2 and time.monotonic() < deadline:
    picked = requests.post(f"{URL}/api/v4/jobs/request", json={"token": registered.json()["token"], "info": {}})
    if picked.status_code == 201:
        payload = picked.json()
        seen[payload["git_info"]["ref"]] = {v["key"]: v["value"] for v in payload["variables"]}
assert set(seen) == {"main", "topic"}, seen
assert seen["main"]["CI_COMMIT_REF_PROTECTED"] == "true" and seen["main"]["DEPLOY_KEY"] == "s3cr3t-value", seen["main"]
assert seen["topic"]["CI_COMMIT_REF_PROTECTED"] == "false" and "DEPLOY_KEY" not in seen["topic"], seen["topic"]
assert seen["topic"]["PLAIN"] == "open"

# Unprotecting main lets the developer push.
project.protectedbranches.delete("main")
expect_error(gitlab.GitlabGetError, 404, lambda: project.protectedbranches.get("main"))
git("pull", "--rebase", "origin", "main", cwd=work)
git("push", "origin", "HEAD:main", cwd=work)
assert project.branches.get("main").protected is False
print("protected refs: ok")
