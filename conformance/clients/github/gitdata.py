"""PyGithub against bleephub's git data: contents written as real commits and read back byte
for byte (409 on a stale blob sha), commits listed two a page and filtered by path and time,
a commit's files and stats, comparisons, branches and their protection, and the Git Data API
(blobs, trees, commits, refs moved with and without force, annotated tags). What the API wrote
is then fetched with git (the caller checks it, from the paths this script prints)."""
import base64
import datetime
import os
import subprocess
import tempfile

from github import Auth, Github, GithubException, InputGitAuthor, InputGitTreeElement

from common import URL, check, user_with_token

token = user_with_token("dev", ["repo"])
gh = Github(base_url=URL + "/api/v3", auth=Auth.Token(token), per_page=2)
repo = gh.get_user().create_repo("data", auto_init=True)

# Contents: create, read back exactly (bytes that are not UTF-8 too), update with the blob sha.
payload = bytes(range(256)) * 3
made = repo.create_file("bin/blob.dat", "add binary", payload)
check(made["content"].path == "bin/blob.dat", made)
read = repo.get_contents("bin/blob.dat")
check(read.decoded_content == payload, "binary content changed on the way")
check(read.sha == made["content"].sha, (read.sha, made["content"].sha))
check(read.encoding == "base64" and read.size == len(payload), (read.encoding, read.size))
try:
    repo.update_file("bin/blob.dat", "stale", b"x", "0" * 40)
    raise AssertionError("a stale sha was accepted")
except GithubException as error:
    check(error.status == 409, error.status)
    check(error.data["message"] == "bin/blob.dat does not match " + "0" * 40, error.data)
updated = repo.update_file("bin/blob.dat", "update binary", b"v2\n", read.sha)
check(repo.get_contents("bin/blob.dat").decoded_content == b"v2\n", "update not visible")
for n in range(3):
    repo.create_file(f"notes/{n}.md", f"note {n}", f"note {n}\n".encode())
listing = repo.get_contents("notes")
check(sorted(item.name for item in listing) == ["0.md", "1.md", "2.md"], listing)
check(all(item.type == "file" for item in listing), [i.type for i in listing])
root = {item.name: item.type for item in repo.get_contents("")}
check(root == {"README.md": "file", "bin": "dir", "notes": "dir"}, root)
try:
    repo.get_contents("nope.txt")
    raise AssertionError("a missing file was found")
except GithubException as error:
    check(error.status == 404, error.status)
removed = repo.delete_file("notes/2.md", "drop note 2", repo.get_contents("notes/2.md").sha)
check(sorted(item.name for item in repo.get_contents("notes")) == ["0.md", "1.md"], "note 2 still there")
check(repo.get_branch("main").commit.sha == removed["commit"].sha, removed)

# Commits: 7 on main, listed two a page with each exactly once, filtered by path and time.
all_commits = [c.sha for c in repo.get_commits()]
check(len(all_commits) == 7 and len(set(all_commits)) == 7, all_commits)
check([c.sha for c in repo.get_commits(path="bin/blob.dat")] ==
      [updated["commit"].sha, made["commit"].sha], "path filter")
future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
check(list(repo.get_commits(since=future)) == [], "since filter")
detail = repo.get_commit(updated["commit"].sha)
check([f.filename for f in detail.files] == ["bin/blob.dat"], detail.files)
check(detail.files[0].status == "modified", detail.files[0].status)
check(detail.commit.message == "update binary", detail.commit.message)
check(detail.author.login == "dev", detail.raw_data["author"])
note = repo.get_commit(all_commits[2])
check(note.stats.additions == 1 and note.stats.deletions == 0, note.stats.raw_data)
check(note.files[0].patch == "@@ -0,0 +1 @@\n+note 1", note.files[0].patch)

# Git Data: blob → tree → commit → branch, then compare and fast-forward rules.
head = repo.get_branch("main").commit
blob = repo.create_git_blob(base64.b64encode(b"made by git data\n").decode(), "base64")
tree = repo.create_git_tree(
    [InputGitTreeElement("deep/down/file.txt", "100644", "blob", sha=blob.sha)],
    base_tree=repo.get_git_tree(head.sha),
)
check(any(e.path == "deep" and e.type == "tree" for e in tree.tree), tree.raw_data)
author = InputGitAuthor("Robot", "robot@example.com", "2024-01-02T03:04:05+01:00")
commit = repo.create_git_commit("via git data", tree, [repo.get_git_commit(head.sha)], author, author)
check(commit.author.email == "robot@example.com", commit.raw_data)
check(commit.raw_data["author"]["date"] == "2024-01-02T03:04:05+01:00", commit.raw_data["author"])
ref = repo.create_git_ref("refs/heads/topic", commit.sha)
check(ref.object.sha == commit.sha and ref.ref == "refs/heads/topic", ref.raw_data)
try:
    repo.create_git_ref("refs/heads/topic", commit.sha)
    raise AssertionError("a second ref of the same name")
except GithubException as error:
    check(error.status == 422 and error.data["message"] == "Reference already exists", error.data)
compared = repo.compare("main", "topic")
check((compared.status, compared.ahead_by, compared.behind_by) == ("ahead", 1, 0), compared.raw_data)
check([f.filename for f in compared.files] == ["deep/down/file.txt"], compared.files)
recursive = repo.get_git_tree(commit.sha, recursive=True)
check("deep/down/file.txt" in [e.path for e in recursive.tree], recursive.raw_data)
main_ref = repo.get_git_ref("heads/main")
main_ref.edit(commit.sha)  # a fast forward
check(repo.get_branch("main").commit.sha == commit.sha, "main did not move")
try:
    main_ref.edit(head.sha)
    raise AssertionError("a rewind without force")
except GithubException as error:
    check(error.status == 422 and error.data["message"] == "Update is not a fast forward", error.data)
main_ref.edit(head.sha, force=True)
main_ref.edit(commit.sha)
check(sorted(r.ref for r in repo.get_git_matching_refs("heads/")) == ["refs/heads/main", "refs/heads/topic"], "matching refs")

# Annotated tags: the object, then its ref; the tag listing peels to the commit.
tag = repo.create_git_tag("v1.0", "first release\n", commit.sha, "commit")
check(repo.get_git_tag(tag.sha).tag == "v1.0", tag.raw_data)
repo.create_git_ref("refs/tags/v1.0", tag.sha)
tags = list(repo.get_tags())
check([(t.name, t.commit.sha) for t in tags] == [("v1.0", commit.sha)], [t.raw_data for t in tags])

# Branches and protection: a protected branch refuses deletion through the API.
check(sorted(b.name for b in repo.get_branches()) == ["main", "topic"], "branches")
branch = repo.get_branch("main")
check(not branch.protected, branch.raw_data)
branch.edit_protection(enforce_admins=True)
check(repo.get_branch("main").protected, "protection not shown")
check(branch.get_protection().enforce_admins, "enforce_admins")
try:
    repo.get_git_ref("heads/main").delete()
    raise AssertionError("a protected branch was deleted")
except GithubException as error:
    check(error.status == 422, error.data)
branch.remove_protection()
try:
    branch.get_protection()
    raise AssertionError("protection still there")
except GithubException as error:
    check(error.status == 404 and error.data["message"] == "Branch not protected", error.data)

# What the API wrote, git fetches: the head and a file's bytes.
print(commit.sha)
print(repo.clone_url.replace("http://", f"http://x-access-token:{token}@"))
