"""GitHub Apps with PyGithub's GithubIntegration against bleephub: an app registered through
the admin API (GitHub's web UI stands in) with its private key, installed on an organization;
its RS256 JWT (and GitHub's 401s for a wrong key, an exp too far ahead or past, an iat in the
future), GET /app, its installations by repository, organization and user, installation
tokens (ghs_) narrowed by permissions and repositories with GitHub's 422s, what such a token
may do (a check run needs checks: write, GitHub's 403 and X-Accepted-GitHub-Permissions
otherwise), GET /installation/repositories paged one at a time, git with the token, and a
fine-grained personal access token narrowed to one repository and read-only issues."""
import os
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone

import jwt
from github import Auth, Github, GithubException, GithubIntegration

from common import URL, admin, check, raw

API = URL + "/api/v3"

admin("users", {"login": "alice", "name": "Alice"})
alice_token = admin("tokens", {"login": "alice", "scopes": ["repo", "admin:org", "user"]})["token"]
admin("orgs", {"login": "acme", "admins": ["alice"]})
alice = Github(base_url=API, auth=Auth.Token(alice_token))
org = alice.get_organization("acme")
api_repo = org.create_repo("api", private=True)
web_repo = org.create_repo("web")
other = alice.get_user().create_repo("personal")
commit = api_repo.create_file("README.md", "first", "hello\n")["commit"]
sha = commit.sha
web_repo.create_file("README.md", "first", "web\n")

# The owner registers the app and installs it on the organization (all repositories).
registered = admin("apps", {
    "name": "Octo Checker",
    "owner": "alice",
    "description": "Checks things",
    "permissions": {"checks": "write", "contents": "read", "issues": "write"},
    "events": ["check_run", "push"],
})
check(registered["slug"] == "octo-checker", registered)
check(registered["pem"].startswith("-----BEGIN RSA PRIVATE KEY-----"), registered["pem"][:40])
app_id, pem = registered["id"], registered["pem"]
installation = admin(f"apps/{app_id}/installations", {"account": "acme"})
check(installation["repository_selection"] == "all", installation)
# A second app, whose key must not open the first one's door.
stranger = admin("apps", {"name": "Stranger", "owner": "alice"})

gi = GithubIntegration(base_url=API, auth=Auth.AppAuth(app_id, pem))
app = gi.get_app()
check((app.id, app.slug, app.name, app.owner.login) == (app_id, "octo-checker", "Octo Checker", "alice"), app.raw_data)
check(app.permissions == {"checks": "write", "contents": "read", "issues": "write", "metadata": "read"}, app.permissions)
check(app.raw_data["installations_count"] == 1, app.raw_data)
check(app.html_url == URL + "/apps/octo-checker", app.html_url)

installations = list(gi.get_installations())
check([i.id for i in installations] == [installation["id"]], [i.raw_data for i in installations])
by_repo = gi.get_repo_installation("acme", "api")
check(by_repo.id == installation["id"] and by_repo.app_id == app_id, by_repo.raw_data)
check(by_repo.raw_data["account"]["login"] == "acme" and by_repo.target_type == "Organization", by_repo.raw_data)
check(by_repo.raw_data["access_tokens_url"] == f"{API}/app/installations/{installation['id']}/access_tokens", by_repo.raw_data)
check(gi.get_org_installation("acme").id == installation["id"], "org installation")
for call in (lambda: gi.get_user_installation("alice"), lambda: gi.get_repo_installation("alice", "personal"),
             lambda: gi.get_app_installation(installation["id"] + 100)):
    try:
        call()
        raise AssertionError("an installation that does not exist was found")
    except GithubException as error:
        check(error.status == 404 and error.data["message"] == "Not Found", (error.status, error.data))

# GitHub's 401s for JWTs it must refuse.
def jwt_status(token):
    status, _, body = raw("GET", "/api/v3/app", headers={"Authorization": "Bearer " + token})
    return status, body["message"]

now = int(time.time())
wrong_key = jwt.encode({"iat": now - 60, "exp": now + 300, "iss": str(app_id)}, stranger["pem"], algorithm="RS256")
check(jwt_status(wrong_key) == (401, "A JSON web token could not be decoded"), jwt_status(wrong_key))
too_far = jwt.encode({"iat": now - 60, "exp": now + 1200, "iss": str(app_id)}, pem, algorithm="RS256")
check(jwt_status(too_far) == (401, "'Expiration time' claim ('exp') is too far in the future"), jwt_status(too_far))
expired = jwt.encode({"iat": now - 900, "exp": now - 300, "iss": str(app_id)}, pem, algorithm="RS256")
check(jwt_status(expired)[1].startswith("'Expiration time' claim ('exp') must be a numeric value"), jwt_status(expired))
future = jwt.encode({"iat": now + 300, "exp": now + 500, "iss": str(app_id)}, pem, algorithm="RS256")
check(jwt_status(future)[1].startswith("'Issued at' claim ('iat') must be an Integer"), jwt_status(future))
try:
    GithubIntegration(base_url=API, auth=Auth.AppAuth(app_id, stranger["pem"])).get_app()
    raise AssertionError("a JWT signed with another app's key was accepted")
except GithubException as error:
    check(error.status == 401, error.status)
# A personal token is not an app.
status, _, body = raw("GET", "/api/v3/app/installations", alice_token)
check((status, body["message"]) == (401, "A JSON web token could not be decoded"), (status, body))

# Installation tokens: everything the installation has, or less; never more.
full = gi.get_access_token(installation["id"])
check(full.token.startswith("ghs_") and len(full.token) == 40, full.token[:4])
left = full.expires_at - datetime.now(timezone.utc)
check(timedelta(minutes=55) < left <= timedelta(hours=1, minutes=1), left)
check(full.raw_data["permissions"] == app.permissions, full.raw_data)
check(full.raw_data["repository_selection"] == "all", full.raw_data)
read_checks = gi.get_access_token(installation["id"], permissions={"checks": "read", "contents": "read"})
check(read_checks.raw_data["permissions"] == {"checks": "read", "contents": "read", "metadata": "read"}, read_checks.raw_data)
try:
    gi.get_access_token(installation["id"], permissions={"administration": "write"})
    raise AssertionError("a permission the installation lacks was granted")
except GithubException as error:
    check(error.status == 422, error.status)
    check(error.data["message"] == "The permissions requested are not granted to this installation.", error.data)
app_jwt = gi.create_jwt()
status, _, narrowed = raw("POST", f"/api/v3/app/installations/{installation['id']}/access_tokens",
                          headers={"Authorization": "Bearer " + app_jwt}, body={"repositories": ["web"]})
check(status == 201 and narrowed["repository_selection"] == "selected", (status, narrowed))
check([r["full_name"] for r in narrowed["repositories"]] == ["acme/web"], narrowed["repositories"])
status, _, body = raw("POST", f"/api/v3/app/installations/{installation['id']}/access_tokens",
                      headers={"Authorization": "Bearer " + app_jwt}, body={"repositories": ["personal"]})
check(status == 422, (status, body))
check(body["message"] == "There is at least one repository that does not exist or is not accessible to the parent installation.", body)

# What an installation token may do: write a check run (checks: write), read it back.
bot = Github(base_url=API, auth=Auth.Token(full.token))
bot_api = bot.get_repo("acme/api")
run = bot_api.create_check_run(name="lint", head_sha=sha, status="completed", conclusion="success",
                               output={"title": "Lint", "summary": "All good"})
check(run.app.slug == "octo-checker" and run.app.id == app_id, run.raw_data["app"])
check(run.conclusion == "success" and run.output.title == "Lint", run.raw_data)
run.edit(output={"title": "Lint", "summary": "Still good"})
seen = alice.get_repo("acme/api").get_commit(sha).get_check_runs()
check([(r.name, r.app.slug, r.output.summary) for r in seen] == [("lint", "octo-checker", "Still good")],
      [r.raw_data for r in seen])
issue = bot_api.create_issue(title="Found by the app")
check(issue.user.login == "octo-checker[bot]" and issue.user.type == "Bot", issue.raw_data["user"])
# ...but not with checks: read, and a personal token never.
status, headers, body = raw("POST", "/api/v3/repos/acme/api/check-runs", read_checks.token,
                            {"name": "lint", "head_sha": sha})
check((status, body["message"]) == (403, "Resource not accessible by integration"), (status, body))
check(headers["X-Accepted-GitHub-Permissions"] == "checks=write", dict(headers))
try:
    alice.get_repo("acme/api").create_check_run(name="lint", head_sha=sha)
    raise AssertionError("a personal token wrote a check run")
except GithubException as error:
    check((error.status, error.data["message"]) == (403, "You must authenticate via a GitHub App."), error.data)
# Integrations have no user of their own, and their token does not open app routes.
status, _, body = raw("GET", "/api/v3/user", full.token)
check((status, body["message"]) == (403, "Resource not accessible by integration"), (status, body))
status, _, body = raw("GET", "/api/v3/app", full.token)
check((status, body["message"]) == (401, "A JSON web token could not be decoded"), (status, body))
# The narrowed token reaches acme/web only: acme/api is not there for it.
status, _, body = raw("GET", "/api/v3/repos/acme/api", narrowed["token"])
check(status == 404, (status, body))

# GET /installation/repositories, one per page, each once.
names, page = [], 1
while True:
    status, headers, body = raw("GET", f"/api/v3/installation/repositories?per_page=1&page={page}", full.token)
    check(status == 200 and body["total_count"] == 2 and body["repository_selection"] == "all", (status, body))
    names += [r["full_name"] for r in body["repositories"]]
    if 'rel="next"' not in (headers.get("Link") or ""):
        break
    page += 1
check(names == ["acme/api", "acme/web"], names)
status, _, body = raw("GET", "/api/v3/installation/repositories", narrowed["token"])
check([r["full_name"] for r in body["repositories"]] == ["acme/web"] and body["repository_selection"] == "selected", body)
status, _, body = raw("GET", "/api/v3/installation/repositories", alice_token)
check(status == 403 and body["message"].startswith("You must authenticate with an installation access token"), body)
pygithub_repos = [r.full_name for r in gi.get_app_installation(installation["id"]).get_repos()]
check(pygithub_repos == ["acme/api", "acme/web"], pygithub_repos)

# git with the token as x-access-token: clone works; contents: read may not push.
with tempfile.TemporaryDirectory() as work:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", HOME=work)
    remote = URL.replace("http://", f"http://x-access-token:{full.token}@") + "/acme/api.git"
    subprocess.run(["git", "clone", "-q", remote, work + "/api"], check=True, env=env)
    check(open(work + "/api/README.md").read() == "hello\n", "cloned content")
    subprocess.run(["git", "-C", work + "/api", "-c", "user.name=bot", "-c", "user.email=bot@x",
                    "commit", "-q", "--allow-empty", "-m", "x"], check=True, env=env)
    push = subprocess.run(["git", "-C", work + "/api", "push", "-q", "origin", "HEAD"], env=env,
                          capture_output=True, text=True)
    check(push.returncode != 0 and "denied" in push.stderr, push.stderr)
# Fine-grained personal access tokens narrowed like an installation token: one repository,
# read-only issues; GitHub's own 403 wording for a personal token.
pat = admin("tokens", {"login": "alice", "kind": "fine-grained",
                       "permissions": {"issues": "read", "contents": "read"},
                       "repositories": ["acme/web"]})["token"]
check(pat.startswith("github_pat_"), pat[:11])
fine = Github(base_url=API, auth=Auth.Token(pat))
check(fine.get_repo("acme/web").get_issues().totalCount == 0, "reads issues")
status, _, _ = raw("GET", "/api/v3/repos/acme/api", pat)
check(status == 404, status)
status, headers, body = raw("POST", "/api/v3/repos/acme/web/issues", pat, {"title": "nope"})
check((status, body["message"]) == (403, "Resource not accessible by personal access token"), (status, body))
check(headers["X-Accepted-GitHub-Permissions"] == "issues=write", dict(headers))
print("ok")
