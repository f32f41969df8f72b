"""python-gitlab against the fake's repository API: files created, updated and deleted as
commits (read back byte for byte, raw and base64), branches, tags, commits with actions, the
tree, and git clone seeing what the API wrote."""

import base64
import os

import gitlab

from common import client, expect_error, git

gl = client()
project = gl.projects.create({"name": "repo", "initialize_with_readme": True})
assert project.default_branch == "main"
readme = project.files.get("README.md", ref="main")
assert base64.b64decode(readme.content).startswith(b"# repo"), readme.content

binary = bytes(range(256)) * 4
project.files.create({"file_path": "data/blob.bin", "branch": "main", "content": base64.b64encode(binary).decode(),
                      "encoding": "base64", "commit_message": "add blob"})
assert project.files.raw("data/blob.bin", ref="main") == binary
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.files.create(
    {"file_path": "data/blob.bin", "branch": "main", "content": "x", "commit_message": "again"}))
assert error.error_message == "A file with this name already exists", error.error_message

f = project.files.get("data/blob.bin", ref="main")
assert f.size == len(binary) and base64.b64decode(f.content) == binary
f.content = "now text\n"
f.encoding = "text"
f.save(branch="main", commit_message="make it text")
assert project.files.raw("data/blob.bin", ref="main") == b"now text\n"
expect_error(gitlab.GitlabGetError, 404, lambda: project.files.get("missing.txt", ref="main"), "404 File Not Found")

commits = project.commits.list(ref_name="main", get_all=True)
assert [c.title for c in commits] == ["make it text", "add blob", "Initial commit"], [c.title for c in commits]
assert commits[0].parent_ids == [commits[1].id]
detail = project.commits.get(commits[0].id)
assert set(detail.stats) == {"additions", "deletions", "total"} and detail.author_name == "Administrator"

commit = project.commits.create({"branch": "feature/x", "start_branch": "main", "commit_message": "feature work",
                                 "actions": [{"action": "create", "file_path": "src/app.py", "content": "print('hi')\n"},
                                             {"action": "delete", "file_path": "data/blob.bin"}]})
branch = project.branches.get("feature/x")
assert branch.commit["id"] == commit.id and not branch.default
names = sorted(b.name for b in project.branches.list(get_all=True))
assert names == ["feature/x", "main"], names
tree = sorted((t["path"], t["type"]) for t in project.repository_tree(ref="feature/x", recursive=True, get_all=True))
assert tree == [("README.md", "blob"), ("src", "tree"), ("src/app.py", "blob")], tree

project.branches.create({"branch": "release", "ref": "main"})
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.branches.create({"branch": "release", "ref": "main"}))
assert error.error_message == "Branch already exists", error.error_message
project.branches.delete("release")
expect_error(gitlab.GitlabGetError, 404, lambda: project.branches.get("release"), "404 Branch Not Found")

tag = project.tags.create({"tag_name": "v1.0.0", "ref": "main", "message": "first release"})
assert tag.commit["id"] == commits[0].id
assert [t.name for t in project.tags.list(get_all=True)] == ["v1.0.0"]
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.tags.create({"tag_name": "v1.0.0", "ref": "main"}))
assert error.error_message == "Tag v1.0.0 already exists", error.error_message

# git sees what the API wrote.
work = os.path.join(os.environ["TMPDIR"], "clone")
remote = project.http_url_to_repo.replace("://", f"://oauth2:{os.environ['GITLAB_TOKEN']}@")
git("clone", "--branch", "feature/x", remote, work)
with open(os.path.join(work, "src/app.py")) as handle:
    assert handle.read() == "print('hi')\n"
assert git("tag", cwd=work).stdout.split() == ["v1.0.0"]
# Without credentials, a private project asks for them.
denied = git("ls-remote", project.http_url_to_repo, check=False)
assert denied.returncode != 0 and ("401" in denied.stderr or "Authentication failed" in denied.stderr or "could not read Username" in denied.stderr), denied.stderr
print("repository ok")
