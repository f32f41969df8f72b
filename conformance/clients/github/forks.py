"""Forks with PyGithub and git against bleephub: a fork that starts with its parent's branches
and tags (cloned with git), `fork`/`parent`/`source` and the parent's `forks_count`, one fork per
owner (asking again answers it), a second-level fork naming its network's root, a name that is
taken becoming `name-1`, `default_branch_only`, an organization as the target (GitHub's 422 for
a user's login), pushing to the fork leaving the parent as it was, and the forks listed."""
import os
import subprocess
import tempfile

from github import Auth, Github, GithubException

from common import URL, admin, check, user_with_token

API = URL + "/api/v3"
alice_token = user_with_token("alice", ["repo"])
bob_token = user_with_token("bob", ["repo"])
carol_token = user_with_token("carol", ["repo"])
admin("orgs", {"login": "guild", "admins": ["bob"]})
alice = Github(base_url=API, auth=Auth.Token(alice_token))
bob = Github(base_url=API, auth=Auth.Token(bob_token))
carol = Github(base_url=API, auth=Auth.Token(carol_token))
lib = alice.get_user().create_repo("lib", description="a library")
lib.create_file("README.md", "first", "lib\n")
main = lib.get_branch("main").commit.sha
lib.create_git_ref("refs/heads/next", main)
lib.create_git_ref("refs/tags/v1", main)


def error_of(call):
    try:
        call()
    except GithubException as error:
        return error.status, error.data
    raise AssertionError("no error")


# Bob's fork: every branch and tag of the parent; the parent counts it.
fork = bob.get_user().create_fork(bob.get_repo("alice/lib"))
check(fork.full_name == "bob/lib" and fork.fork and fork.description == "a library", fork.raw_data)
check(fork.parent.full_name == "alice/lib" and fork.source.full_name == "alice/lib", fork.raw_data)
check(sorted(b.name for b in fork.get_branches()) == ["main", "next"], "branches copied")
check([t.name for t in fork.get_tags()] == ["v1"], "tags copied")
check(fork.get_branch("main").commit.sha == main, "same history")
check(alice.get_repo("alice/lib").forks_count == 1, alice.get_repo("alice/lib").raw_data)
# Asking again answers the same fork; forking one's own repository answers it.
check(bob.get_user().create_fork(bob.get_repo("alice/lib")).id == fork.id, "one fork per owner")
check(alice.get_user().create_fork(lib).id == lib.id, "own repository")

# A fork of the fork: its parent is bob's, its source alice's.
deep = carol.get_user().create_fork(carol.get_repo("bob/lib"))
check(deep.parent.full_name == "bob/lib" and deep.source.full_name == "alice/lib", deep.raw_data)

# The name is taken: GitHub appends -1. Only the default branch when asked.
carol.get_user().create_repo("tools")
tools = alice.get_user().create_repo("tools")
tools.create_file("a.txt", "a", "a\n")
tools.create_git_ref("refs/heads/side", tools.get_branch("main").commit.sha)
renamed = carol.get_user().create_fork(carol.get_repo("alice/tools"), default_branch_only=True)
check(renamed.full_name == "carol/tools-1", renamed.full_name)
check([b.name for b in renamed.get_branches()] == ["main"], "default branch only")

# Into an organization; a user's login is GitHub's 422.
in_org = bob.get_repo("alice/tools").create_fork(organization="guild")
check(in_org.full_name == "guild/tools" and in_org.owner.login == "guild", in_org.raw_data)
status, data = error_of(lambda: bob.get_repo("alice/tools").create_fork(organization="carol"))
check(status == 422 and "is the login for a user account" in data["errors"][0]["message"], data)

# The forks of a repository, newest first.
check([r.full_name for r in alice.get_repo("alice/tools").get_forks()] == ["guild/tools", "carol/tools-1"], "forks")

# Pushing to the fork changes the fork only.
with tempfile.TemporaryDirectory() as work:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", HOME=work)
    remote = URL.replace("http://", f"http://x-access-token:{bob_token}@") + "/bob/lib.git"
    subprocess.run(["git", "clone", "-q", remote, work + "/lib"], check=True, env=env)
    check(open(work + "/lib/README.md").read() == "lib\n", "cloned content")
    with open(work + "/lib/NEW.md", "w") as f:
        f.write("only in the fork\n")
    git = ["git", "-C", work + "/lib", "-c", "user.name=Bob", "-c", "user.email=bob@example.com"]
    subprocess.run(git + ["add", "NEW.md"], check=True, env=env)
    subprocess.run(git + ["commit", "-qm", "fork change"], check=True, env=env)
    subprocess.run(git + ["push", "-q", "origin", "main"], check=True, env=env)
check(bob.get_repo("bob/lib").get_contents("NEW.md").decoded_content == b"only in the fork\n", "pushed")
check(error_of(lambda: alice.get_repo("alice/lib").get_contents("NEW.md"))[0] == 404, "parent unchanged")
print("ok")
