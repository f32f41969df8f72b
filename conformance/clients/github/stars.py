"""Stars and watching with PyGithub against bleephub: starring counted on the repository
(`stargazers_count`, `watchers_count`), starring twice being one star, the stargazers with the
time of their star (`application/vnd.github.star+json`), a person's starred repositories newest
first, the creator watching a new repository (`subscribers_count`), watching and unwatching,
ignoring not counting as watching, and a private repository's stars hidden from outsiders."""
from github import Auth, Github, GithubException

from common import URL, check, raw, user_with_token

API = URL + "/api/v3"
alice_token = user_with_token("alice", ["repo"])
bob_token = user_with_token("bob", ["repo"])
carol_token = user_with_token("carol", [])
alice = Github(base_url=API, auth=Auth.Token(alice_token))
bob = Github(base_url=API, auth=Auth.Token(bob_token))
carol = Github(base_url=API, auth=Auth.Token(carol_token))
tools = alice.get_user().create_repo("tools")
docs = alice.get_user().create_repo("docs")
secret = alice.get_user().create_repo("secret", private=True)

# The creator watches what they create; nobody has starred it yet.
check(tools.subscribers_count == 1 and tools.stargazers_count == 0, tools.raw_data)
check([u.login for u in tools.get_subscribers()] == ["alice"], "creator watches")

# Starring: counted once however often; the stargazers with the time of their star.
me = bob.get_user()
for repo in (bob.get_repo("alice/tools"), bob.get_repo("alice/docs")):
    me.add_to_starred(repo)
me.add_to_starred(bob.get_repo("alice/tools"))
alice.get_user().add_to_starred(tools)
fresh = alice.get_repo("alice/tools")
check(fresh.stargazers_count == 2 and fresh.watchers_count == 2, fresh.raw_data)
check([u.login for u in fresh.get_stargazers()] == ["bob", "alice"], "stargazers, oldest first")
dated = list(fresh.get_stargazers_with_dates())
check([s.user.login for s in dated] == ["bob", "alice"] and all(s.starred_at for s in dated), [s.raw_data for s in dated])
check(me.has_in_starred(bob.get_repo("alice/tools")), "bob starred tools")
check(not alice.get_user().has_in_starred(docs), "alice did not star docs")
check([r.full_name for r in me.get_starred()] == ["alice/docs", "alice/tools"], "newest star first")
check([r.full_name for r in bob.get_user("bob").get_starred()] == ["alice/docs", "alice/tools"], "by user")
me.remove_from_starred(bob.get_repo("alice/tools"))
check(alice.get_repo("alice/tools").stargazers_count == 1, "unstarred")
check(not me.has_in_starred(bob.get_repo("alice/tools")), "unstarred check")

# A token with no repository scope may read stars but not star (GitHub hides the repository).
status, headers, body = raw("PUT", "/user/starred/alice/docs", carol_token)
check(status == 404 and headers["X-Accepted-OAuth-Scopes"] == "public_repo, repo", (status, body))

# A private repository: its stars are hidden from those who cannot read it.
alice.get_user().add_to_starred(secret)
check(alice.get_repo("alice/secret").stargazers_count == 1, "private starred")
check([r.full_name for r in bob.get_user("alice").get_starred()] == ["alice/tools"], "private hidden")
status, _, _ = raw("GET", "/repos/alice/secret/stargazers", bob_token)
check(status == 404, status)

# Watching: subscribe, read it back, ignore (which is not watching), unwatch.
me.add_to_watched(bob.get_repo("alice/docs"))
check(me.has_in_watched(bob.get_repo("alice/docs")), "bob watches docs")
check(alice.get_repo("alice/docs").subscribers_count == 2, "two watchers")
check([r.full_name for r in me.get_watched()] == ["alice/docs"], "bob's watched")
status, _, body = raw("PUT", "/repos/alice/docs/subscription", bob_token, {"ignored": True})
check(status == 200 and body["ignored"] is True and body["subscribed"] is False, body)
check(alice.get_repo("alice/docs").subscribers_count == 1, "ignoring is not watching")
me.remove_from_watched(bob.get_repo("alice/docs"))
check(not me.has_in_watched(bob.get_repo("alice/docs")), "unwatched")
check([u.login for u in alice.get_repo("alice/docs").get_subscribers()] == ["alice"], "watchers")
print("ok")
