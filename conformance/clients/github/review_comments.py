"""Pull request review comments with PyGithub against bleephub: comments anchored to lines of
the real diff (either side, a range within one hunk, a whole file), the `diff_hunk` GitHub
stores, GitHub's 422s for a line outside the diff or a file the pull request does not touch,
replies in a thread, a review made with comments (refused whole when one comment is off the
diff), the listings per pull request, per review and per repository, edits by the author,
and who may delete."""
from github import Auth, Github, GithubException

from common import URL, check, user_with_token

API = URL + "/api/v3"
alice_token = user_with_token("alice", ["repo"])
bob_token = user_with_token("bob", ["repo"])
alice = Github(base_url=API, auth=Auth.Token(alice_token))
bob = Github(base_url=API, auth=Auth.Token(bob_token))
repo = alice.get_user().create_repo("review", private=False)
base = "\n".join(f"line {n}" for n in range(1, 21)) + "\n"
repo.create_file("app.txt", "first", base)
repo.create_file("other.txt", "untouched", "same\n")
main = repo.get_branch("main").commit.sha
repo.create_git_ref("refs/heads/topic", main)
changed = base.replace("line 3\n", "line three\n").replace("line 15\n", "line fifteen\nline 15b\n")
current = repo.get_contents("app.txt", ref="topic")
head = repo.update_file("app.txt", "change", changed, current.sha, branch="topic")["commit"].sha
repo.create_file("new.txt", "add", "brand new\n", branch="topic")
head = repo.get_branch("topic").commit.sha
pull = repo.create_pull(title="Change", body="", head="topic", base="main")


def error_of(call):
    try:
        call()
    except GithubException as error:
        return error.status, error.data
    raise AssertionError("no error")


# A comment on an added line of the head: its diff_hunk runs from the hunk's header to it.
bobs_pull = bob.get_repo("alice/review").get_pull(pull.number)
first = bobs_pull.create_review_comment("why three?", head, "app.txt", line=3, side="RIGHT")
check(first.line == 3 and first.side == "RIGHT" and first.path == "app.txt", first.raw_data)
check(first.commit_id == head and first.original_commit_id == head, first.raw_data)
check(first.diff_hunk.startswith("@@ -1,") and first.diff_hunk.endswith("+line three"), first.diff_hunk)
check(first.user.login == "bob" and first.pull_request_review_id, first.raw_data)
check(first.html_url.endswith(f"/pull/{pull.number}#discussion_r{first.id}"), first.html_url)
# The comment made on its own is a COMMENTED review of its own.
review = bobs_pull.get_review(first.pull_request_review_id)
check(review.state == "COMMENTED" and review.user.login == "bob", review.raw_data)

# The removed line, on the base's side; a range inside one hunk; a whole file.
left = bobs_pull.create_review_comment("was fine", head, "app.txt", line=3, side="LEFT")
check(left.side == "LEFT" and left.line == 3 and left.diff_hunk.endswith("-line 3"), left.raw_data)
ranged = bobs_pull.create_review_comment("these two", head, "app.txt", line=16, start_line=15, side="RIGHT")
check((ranged.start_line, ranged.line, ranged.start_side) == (15, 16, "RIGHT"), ranged.raw_data)
whole = bobs_pull.create_review_comment("new file", head, "new.txt", subject_type="file")
check(whole.subject_type == "file" and whole.line is None, whole.raw_data)

# GitHub's 422s: a line outside every hunk, a file the pull request does not change, a range
# across hunks, and a commit that is not the pull request's.
status, data = error_of(lambda: bobs_pull.create_review_comment("far", head, "app.txt", line=10))
check(status == 422 and data["errors"][0]["field"] == "pull_request_review_thread.line", (status, data))
status, data = error_of(lambda: bobs_pull.create_review_comment("no", head, "other.txt", line=1))
check(status == 422 and data["errors"][0]["field"] == "pull_request_review_thread.path", (status, data))
status, data = error_of(lambda: bobs_pull.create_review_comment("x", head, "app.txt", line=16, start_line=3))
check(status == 422 and data["errors"][0]["field"] == "pull_request_review_thread.start_line", (status, data))
status, data = error_of(lambda: bobs_pull.create_review_comment("x", main, "app.txt", line=3))
check(status == 422 and data["errors"][0]["field"] == "commit_id", (status, data))

# Replies join the thread; a reply to a reply is refused; an unknown comment is 404.
answer = pull.create_review_comment_reply(first.id, "it reads better")
check(answer.in_reply_to_id == first.id and answer.line == 3 and answer.path == "app.txt", answer.raw_data)
check(answer.user.login == "alice", answer.raw_data)
check(error_of(lambda: pull.create_review_comment_reply(answer.id, "and?"))[0] == 422, "reply to a reply")
check(error_of(lambda: pull.create_review_comment_reply(999999, "?"))[0] == 404, "unknown comment")

# A review made with comments: each anchored, listed under the review; one comment off the diff
# refuses the whole review and writes nothing.
before = pull.get_review_comments().totalCount
status, data = error_of(lambda: bobs_pull.create_review(body="", event="COMMENT", comments=[
    {"path": "app.txt", "line": 3, "body": "fine"},
    {"path": "other.txt", "line": 1, "body": "off the diff"},
]))
check(status == 422 and data["errors"] == ["Path could not be resolved"], (status, data))
check(pull.get_review_comments().totalCount == before, "a refused review wrote comments")
made = bobs_pull.create_review(event="COMMENT", comments=[
    {"path": "app.txt", "line": 3, "body": "one"},
    {"path": "app.txt", "position": 3, "body": "by position"},
])
check(made.state == "COMMENTED", made.raw_data)
inside = list(bobs_pull.get_single_review_comments(made.id))
check([c.body for c in inside] == ["one", "by position"], [c.raw_data for c in inside])
check(inside[1].side == "LEFT" and inside[1].line == 3 and inside[1].position == 3, inside[1].raw_data)

# Listings: the pull request's, oldest first; newest first when sorted; the repository's.
listed = [c.id for c in pull.get_review_comments()]
check(listed == sorted(listed) and len(listed) == before + 2, listed)
newest = [c.id for c in pull.get_review_comments(sort="created", direction="desc")]
check(newest == sorted(listed, reverse=True), newest)
check(sorted(c.id for c in repo.get_pulls_review_comments()) == sorted(listed), "repository listing")

# Edits by the author; the owner (who may push) deletes; someone else may not.
first.edit("why 'three'?")
check(pull.get_review_comment(first.id).body == "why 'three'?", "edited")
carol = Github(base_url=API, auth=Auth.Token(user_with_token("carol", ["repo"])))
theirs = carol.get_repo("alice/review").get_pull(pull.number).get_review_comment(first.id)
status, data = error_of(theirs.delete)
check(status == 403, (status, data))
pull.get_review_comment(left.id).delete()
check(error_of(lambda: pull.get_review_comment(left.id).body)[0] == 404, "deleted")
print("ok")
