"""Search with PyGithub against bleephub: repositories by words in name, description and topics
and by qualifiers (`user:`, `stars:`, `fork:`, `is:private` seen only by who may read), issues
and pull requests by words and qualifiers (`repo:`, `is:`, `label:`, `author:`, `state:`),
users by login and `type:`, GitHub's envelope (`total_count`, `score`) paged with `Link`, and
GitHub's 422 for a missing query."""
from github import Auth, Github, GithubException

from common import URL, admin, check, raw, user_with_token

API = URL + "/api/v3"
alice_token = user_with_token("alice", ["repo"])
bob_token = user_with_token("bob", ["repo"])
admin("orgs", {"login": "guild", "admins": ["alice"]})
alice = Github(base_url=API, auth=Auth.Token(alice_token))
bob = Github(base_url=API, auth=Auth.Token(bob_token), per_page=1)
parser = alice.get_user().create_repo("parser", description="A fast JSON parser")
parser.replace_topics(["json", "rust"])
alice.get_user().create_repo("notes", description="Notes about parsing")
alice.get_user().create_repo("vault", description="private parser", private=True)
bob.get_user().add_to_starred(bob.get_repo("alice/parser"))

# Repositories: words in the name, description or topics; qualifiers; private ones hidden.
found = [r.full_name for r in alice.search_repositories("parser")]
check(found == ["alice/parser", "alice/vault"], found)
found = [r.full_name for r in bob.search_repositories("pars", user="alice")]
check(sorted(found) == ["alice/notes", "alice/parser"], found)
check([r.full_name for r in bob.search_repositories("json")] == ["alice/parser"], "topics searched")
check([r.full_name for r in bob.search_repositories("stars:>=1")] == ["alice/parser"], "stars")
result = bob.search_repositories("pars", user="alice")
check(result.totalCount == 2, result.totalCount)
status, headers, body = raw("GET", "/search/repositories?q=user:alice&per_page=1", bob_token)
check(status == 200 and body["total_count"] == 2 and body["incomplete_results"] is False, body)
check(body["items"][0]["score"] == 1.0 and 'rel="next"' in headers["Link"], (body, headers["Link"]))

# Issues and pull requests.
parser.create_file("README.md", "first", "parser\n")
bug = parser.get_label("bug")
crash = parser.create_issue(title="Crash on empty input", body="panics", labels=[bug])
parser.create_issue(title="Faster number parsing")
main = parser.get_branch("main").commit.sha
parser.create_git_ref("refs/heads/fix", main)
parser.create_file("fix.txt", "fix", "x\n", branch="fix")
pull = parser.create_pull(title="Fix the crash", body="", head="fix", base="main")
crash.edit(state="closed")
found = [i.number for i in alice.search_issues("crash", repo="alice/parser")]
check(sorted(found) == sorted([crash.number, pull.number]), found)
found = [i.number for i in alice.search_issues("crash is:issue repo:alice/parser")]
check(found == [crash.number], found)
found = [i.number for i in alice.search_issues("is:pr repo:alice/parser")]
check(found == [pull.number], found)
check([i.number for i in alice.search_issues("label:bug repo:alice/parser")] == [crash.number], "label")
check([i.number for i in alice.search_issues("state:open author:alice repo:alice/parser", sort="created", order="asc")] == [crash.number + 1, pull.number], "open, oldest first")
check(alice.search_issues("state:closed repo:alice/parser")[0].state == "closed", "closed")
status, _, body = raw("GET", "/search/issues?q=repo:alice/parser", bob_token)
check(status == 200 and body["search_type"] == "lexical" and body["total_count"] == 3, body)

# Users and organizations.
check([u.login for u in alice.search_users("ali")] == ["alice"], "users")
check([u.login for u in alice.search_users("type:org")] == ["guild"], "organizations")

# A missing query is GitHub's 422.
status, _, body = raw("GET", "/search/repositories", bob_token)
check(status == 422 and body["errors"] == [{"resource": "Search", "field": "q", "code": "missing"}], body)
print("ok")
