"""PyGithub against bleephub (Enterprise form, base_url .../api/v3): users, repositories,
issues paged two at a time returning each once, labels, comments, GitHub's errors, scopes,
ETag/304, rate limits and URL fields pointing back at the fake."""
import github
from github import Auth, Github, GithubException

from common import URL, check, raw, user_with_token

alice = user_with_token("alice", ["repo", "user", "delete_repo"])
bob = user_with_token("bob", [])  # no scopes at all
gh = Github(base_url=URL + "/api/v3", auth=Auth.Token(alice), per_page=2)
me = gh.get_user()
check(me.login == "alice", me.login)
check(me.name == "Alice", me.name)
check(me.url == URL + "/api/v3/users/alice", me.url)

# Repositories: create, read back, duplicate name, bad input.
repo = me.create_repo("widgets", description="Widgets", private=True)
check(repo.full_name == "alice/widgets" and repo.private, repo.full_name)
check(repo.clone_url == URL + "/alice/widgets.git", repo.clone_url)
check(repo.html_url == URL + "/alice/widgets", repo.html_url)
check(repo.default_branch == "main", repo.default_branch)
again = gh.get_repo("alice/widgets")
check(again.id == repo.id and again.description == "Widgets", again.raw_data)
try:
    me.create_repo("widgets")
    raise AssertionError("duplicate name accepted")
except GithubException as error:
    check(error.status == 422, error.status)
    check(error.data["message"] == "Validation Failed", error.data)
    check(error.data["errors"] == [{"resource": "Repository", "code": "custom", "field": "name",
                                    "message": "name already exists on this account"}], error.data)
status, _, body = raw("POST", "/api/v3/user/repos", alice, b"{not json")
check(status == 400 and body["message"] == "Problems parsing JSON", (status, body))
status, _, body = raw("POST", "/api/v3/user/repos", alice, {"name": 7})
check(status == 422 and body["message"] == "Invalid request.\n\nFor 'properties/name', 7 is not a string.", body)

# Update and rename.
repo.edit(name="gadgets", description="Gadgets", has_wiki=False)
renamed = gh.get_repo("alice/gadgets")
check(renamed.id == repo.id and renamed.description == "Gadgets" and not renamed.has_wiki, renamed.raw_data)
try:
    gh.get_repo("alice/widgets")
    raise AssertionError("old name still answers")
except GithubException as error:
    check(error.status == 404 and error.data["message"] == "Not Found", error.data)

# A token without `repo` cannot see the private repository (GitHub answers 404, and names the
# scope it would have accepted); nobody else can either.
status, headers, body = raw("GET", "/api/v3/repos/alice/gadgets", bob)
check(status == 404, (status, body))
check(headers["X-Accepted-OAuth-Scopes"] == "repo", dict(headers))
check(headers["X-OAuth-Scopes"] == "", dict(headers))
status, headers, _ = raw("GET", "/api/v3/repos/alice/gadgets", alice)
check(status == 200 and headers["X-OAuth-Scopes"] == "repo, user, delete_repo", dict(headers))

# Issues: seven, listed two per page, every one exactly once, newest first.
for n in range(7):
    renamed.create_issue(title=f"issue {n}", body=f"body {n}", labels=["bug"] if n % 2 else [])
seen = [issue.number for issue in renamed.get_issues(state="all")]
check(seen == [7, 6, 5, 4, 3, 2, 1], seen)
status, headers, body = raw("GET", "/api/v3/repos/alice/gadgets/issues?per_page=2&page=2", alice)
check([i["number"] for i in body] == [5, 4], body)
link = headers["Link"]
check('page=3>; rel="next"' in link and 'page=4>; rel="last"' in link and 'page=1>; rel="first"' in link, link)
bugs = [issue.number for issue in renamed.get_issues(labels=[renamed.get_label("bug")])]
check(bugs == [6, 4, 2], bugs)

# Close, comment, read back.
issue = renamed.get_issue(3)
issue.create_comment("first!")
issue.create_comment("second")
issue.edit(state="closed")
issue = renamed.get_issue(3)
check(issue.state == "closed" and issue.closed_by.login == "alice" and issue.comments == 2, issue.raw_data)
check(issue.state_reason == "completed", issue.state_reason)
check([c.body for c in issue.get_comments()] == ["first!", "second"], "comments")
open_numbers = [i.number for i in renamed.get_issues()]
check(open_numbers == [7, 6, 5, 4, 2, 1], open_numbers)
check(gh.get_repo("alice/gadgets").open_issues_count == 6, "open issue count")

# Labels: nine defaults, create, duplicate, rename carried onto issues.
names = [label.name for label in renamed.get_labels()]
check(len(names) == 9 and "good first issue" in names, names)
renamed.create_label("triage", "00ff00", "Needs a look")
try:
    renamed.create_label("Triage", "00ff00")
    raise AssertionError("duplicate label accepted")
except GithubException as error:
    check(error.status == 422 and error.data["errors"][0]["code"] == "already_exists", error.data)
renamed.get_label("bug").edit("defect", "d73a4a", "Broken")
check([l.name for l in renamed.get_issue(6).labels] == ["defect"], "label rename")

# ETag: a repeat with If-None-Match is 304 and does not spend the budget.
status, headers, _ = raw("GET", "/api/v3/repos/alice/gadgets", alice)
etag, used = headers["ETag"], int(headers["X-RateLimit-Used"])
status, headers, body = raw("GET", "/api/v3/repos/alice/gadgets", alice, headers={"If-None-Match": etag})
check(status == 304 and body is None, status)
status, headers, _ = raw("GET", "/api/v3/repos/alice/gadgets", alice)
check(int(headers["X-RateLimit-Used"]) == used + 1, (used, headers["X-RateLimit-Used"]))
check(int(headers["X-RateLimit-Remaining"]) == int(headers["X-RateLimit-Limit"]) - used - 1, dict(headers))
limit = gh.get_rate_limit()
check(limit.resources.core.limit == 5000, limit.raw_data)

# Public repositories are visible to other users, and listings page.
for n in range(5):
    me.create_repo(f"public-{n}")
names = [r.name for r in gh.get_user("alice").get_repos()]
check(names == [f"public-{n}" for n in range(5)], names)
mine = [r.name for r in me.get_repos()]
check(mine == ["gadgets"] + [f"public-{n}" for n in range(5)], mine)
status, _, body = raw("GET", "/api/v3/repos/alice/public-0", bob)
check(status == 200 and body["permissions"]["push"] is False, body)

# Delete needs delete_repo; then the repository is gone.
gh.get_repo("alice/public-4").delete()
status, _, _ = raw("GET", "/api/v3/repos/alice/public-4", alice)
check(status == 404, status)
status, _, body = raw("GET", "/api/v3/nothing/here", alice)
check(status == 404 and body == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}, body)
status, _, body = raw("GET", "/api/v3/user", "ghp_" + "x" * 36)
check(status == 401 and body["message"] == "Bad credentials", body)
print("pygithub scenario passed")
