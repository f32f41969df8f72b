"""PyGithub against bleephub's pull requests: created from a branch pushed by git (the caller
pushes it first), GitHub's 422s, numbers shared with issues, files and commits, reviews from a
second user, requested reviewers, a stale-sha merge refused with 409, a squash merge, and a
conflicting pull request that is not mergeable (405). Prints the merge commit's SHA for the
caller to fetch with git."""
from github import Auth, Github, GithubException

from common import URL, check, raw, user_with_token
import os

owner_token = os.environ["OWNER_TOKEN"]
reviewer_token = user_with_token("reviewer", ["repo"])
gh = Github(base_url=URL + "/api/v3", auth=Auth.Token(owner_token), per_page=1)
repo = gh.get_repo("maint/proj")

# The branch "feature" was pushed with git: a pull request from it.
issue = repo.create_issue("an issue takes number 1")
check(issue.number == 1, issue.number)
try:
    repo.create_pull(title="nothing", head="main", base="main")
    raise AssertionError("a pull request with no commits")
except GithubException as error:
    check(error.status == 422, error.status)
    check(error.data["errors"][0]["message"] == "No commits between main and main", error.data)
try:
    repo.create_pull(title="ghost", head="nope", base="main")
    raise AssertionError("a pull request from a missing branch")
except GithubException as error:
    check(error.status == 422 and error.data["errors"][0]["field"] == "head", error.data)
pr = repo.create_pull(title="Add feature", body="Adds it", head="feature", base="main")
check(pr.number == 2, pr.number)
check(pr.head.ref == "feature" and pr.base.ref == "main", pr.raw_data)
check(pr.mergeable is True and pr.mergeable_state == "clean", pr.raw_data)
check((pr.commits, pr.changed_files, pr.additions) == (2, 2, 2), pr.raw_data)
check(repo.get_issue(2).pull_request is not None, "the pull request is an issue")
try:
    repo.create_pull(title="again", head="feature", base="main")
    raise AssertionError("a second open pull request for one branch")
except GithubException as error:
    check(error.data["errors"][0]["message"] == "A pull request already exists for maint:feature.", error.data)

# Listing: filters, and pages of one returning each pull request once.
other = repo.create_pull(title="Other", head="other", base="main")
numbers = [p.number for p in repo.get_pulls(state="open")]
check(numbers == [other.number, 2], numbers)
check([p.number for p in repo.get_pulls(head="maint:feature")] == [2], "head filter")
check(sorted(f.filename for f in pr.get_files()) == ["feature.txt", "more.txt"], "files")
check([c.commit.message for c in pr.get_commits()] == ["feature\n", "more\n"], "commits")

# Reviews: the author may only comment; another user approves. Requested reviewers.
pr.create_review_request(reviewers=["reviewer"])
check([u.login for u in pr.get_review_requests()[0]] == ["reviewer"], "requested")
try:
    pr.create_review(body="mine", event="APPROVE")
    raise AssertionError("approved one's own pull request")
except GithubException as error:
    check(error.status == 422 and error.data["errors"] == ["Can not approve your own pull request"], error.data)
as_reviewer = Github(base_url=URL + "/api/v3", auth=Auth.Token(reviewer_token)).get_repo("maint/proj")
as_reviewer.get_pull(2).create_review(body="LGTM", event="APPROVE")
check([(r.user.login, r.state) for r in pr.get_reviews()] == [("reviewer", "APPROVED")], "reviews")
check(list(pr.get_review_requests()[0]) == [], "a review answers the request")

# Merging: a stale head is refused; a squash makes one commit on main.
try:
    pr.merge(sha="0" * 40)
    raise AssertionError("merged with a stale sha")
except GithubException as error:
    check(error.status == 409, error.status)
check(not pr.is_merged(), "merged too early")
result = pr.merge(merge_method="squash", sha=pr.head.sha)
check(result.merged and result.message == "Pull Request successfully merged", result.raw_data)
check(pr.is_merged(), "is_merged")
main = repo.get_branch("main").commit
check(main.sha == result.sha and len(main.parents) == 1, main.raw_data)
check(main.commit.message.startswith("Add feature (#2)"), main.commit.message)
merged = repo.get_pull(2)
check(merged.merged and merged.state == "closed" and merged.merged_by.login == "maint", merged.raw_data)
try:
    merged.merge()
    raise AssertionError("merged twice")
except GithubException as error:
    check(error.status == 405 and error.data["message"] == "Pull Request is not mergeable", error.data)

# "other" changes the same line as "feature" did: now it conflicts.
conflicting = repo.get_pull(other.number)
check(conflicting.mergeable is False and conflicting.mergeable_state == "dirty", conflicting.raw_data)
try:
    conflicting.merge()
    raise AssertionError("merged a conflict")
except GithubException as error:
    check(error.status == 405, error.status)
conflicting.edit(state="closed")
check(repo.get_pull(other.number).state == "closed", "closed")
status, _, body = raw("GET", "/api/v3/repos/maint/proj/pulls?state=bogus", owner_token)
check(status == 422, (status, body))
print(result.sha)
