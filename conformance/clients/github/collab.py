"""Collaborators, invitations, assignees, topics, milestones and deploy keys with PyGithub against
bleephub: an invitation that only its acceptance turns into access, permission levels read
back, the collaborator list paged one at a time returning each person once, assignees that
silently skip people without push access, topics saved lower-cased with GitHub's 422s,
milestone issue counts that follow the issues, deploy keys checked as OpenSSH keys, and teams
whose role on a repository their members get."""
from datetime import datetime, timezone

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from github import Auth, Github, GithubException

from common import URL, admin, check, raw, user_with_token

API = URL + "/api/v3"
alice_token = user_with_token("alice", ["repo", "admin:public_key"])
bob_token = user_with_token("bob", ["repo"])
carol_token = user_with_token("carol", ["repo"])
alice = Github(base_url=API, auth=Auth.Token(alice_token), per_page=1)
bob = Github(base_url=API, auth=Auth.Token(bob_token))
repo = alice.get_user().create_repo("tools", private=True)
repo.create_file("README.md", "first", "tools\n")


def error_of(call):
    try:
        call()
    except GithubException as error:
        return error.status, error.data
    raise AssertionError("no error")


# Topics: saved lower-cased, duplicates dropped; GitHub's 422s word for word.
repo.replace_topics(["Rust", "cli", "rust"])
check(repo.get_topics() == ["rust", "cli"], repo.get_topics())
status, data = error_of(lambda: repo.replace_topics(["-bad"]))
check(status == 422 and data["errors"] == ["Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens."], data)
status, data = error_of(lambda: repo.replace_topics([f"t{n}" for n in range(21)]))
check(status == 422 and data["errors"] == ["A repository cannot have more than 20 topics."], data)
check(repo.get_topics() == ["rust", "cli"], "a refused change changed nothing")

# Collaborators: an invitation first; access only once bob accepts it.
check(error_of(lambda: bob.get_repo("alice/tools"))[0] == 404, "bob sees the private repository early")
invitation = repo.add_to_collaborators("bob")
check(invitation.invitee.login == "bob" and invitation.permissions == "write", invitation.raw_data)
check([i.invitee.login for i in repo.get_pending_invitations()] == ["bob"], "pending invitations")
check(error_of(lambda: bob.get_repo("alice/tools"))[0] == 404, "an invitation is not access")
check(not repo.has_in_collaborators("bob"), "invited is not yet a collaborator")
mine = list(bob.get_user().get_invitations())
check([i.id for i in mine] == [invitation.id] and mine[0].repository.full_name == "alice/tools", ([i.id for i in mine], invitation.id, [i.repository.full_name for i in mine]))
bob.get_user().accept_invitation(invitation.id)
check(list(repo.get_pending_invitations()) == [], "accepted invitations are no longer pending")
check(bob.get_repo("alice/tools").full_name == "alice/tools", "bob reads after accepting")
check(repo.has_in_collaborators("bob") and not repo.has_in_collaborators("carol"), "collaborators")
check(repo.get_collaborator_permission("bob") == "write", repo.get_collaborator_permission("bob"))
check(repo.get_collaborator_permission("alice") == "admin", repo.get_collaborator_permission("alice"))
check(repo.get_collaborator_permission("carol") == "none", repo.get_collaborator_permission("carol"))
check(repo.get_collaborator_role_name("bob") == "write", repo.get_collaborator_role_name("bob"))
people = [(c.login, c.role_name, c.permissions.push, c.permissions.admin) for c in repo.get_collaborators()]
check(people == [("alice", "admin", True, True), ("bob", "write", True, False)], people)
# Bob may write but not administer: no inviting, and the owner is never a collaborator.
status, data = error_of(lambda: bob.get_repo("alice/tools").add_to_collaborators("carol"))
check((status, data["message"]) == (403, "Must have admin rights to Repository."), (status, data))
status, data = error_of(lambda: repo.add_to_collaborators("alice"))
check(status == 422 and data["errors"][0]["message"] == "Repository owner cannot be a collaborator", data)
check(error_of(lambda: repo.add_to_collaborators("nobody-here"))[0] == 404, "unknown user")
# Adding an existing collaborator again is a 204 (no new invitation).
check(repo.add_to_collaborators("bob") is None, "re-adding bob invites again")

# Assignees: people with push access; others are silently skipped.
check([u.login for u in repo.get_assignees()] == ["alice", "bob"], [u.login for u in repo.get_assignees()])
check(repo.has_in_assignees("bob") and not repo.has_in_assignees("carol"), "assignable")
issue = repo.create_issue(title="Ship it")
issue.add_to_assignees("bob", "carol")
check([u.login for u in repo.get_issue(issue.number).assignees] == ["bob"], issue.raw_data)
issue.remove_from_assignees("bob")
check(repo.get_issue(issue.number).assignees == [], "unassigned")

# Milestones: numbered per repository; issue counts follow the issues.
due = datetime(2030, 1, 1, tzinfo=timezone.utc)
v1 = repo.create_milestone("v1", description="First", due_on=due)
check((v1.number, v1.title, v1.state, v1.open_issues) == (1, "v1", "open", 0), v1.raw_data)
check(v1.due_on == due and v1.creator.login == "alice", v1.raw_data)
status, data = error_of(lambda: repo.create_milestone("v1"))
check(status == 422 and data["errors"] == [{"resource": "Milestone", "code": "already_exists", "field": "title"}], data)
issue.edit(milestone=v1)
check(repo.get_issue(issue.number).milestone.title == "v1", "issue's milestone")
check(repo.get_milestone(1).open_issues == 1, repo.get_milestone(1).raw_data)
issue.edit(state="closed")
again = repo.get_milestone(1)
check((again.open_issues, again.closed_issues) == (0, 1), again.raw_data)
v2 = repo.create_milestone("v2")
v1.edit("v1", state="closed")
check([m.title for m in repo.get_milestones()] == ["v2"], "open milestones")
check([m.title for m in repo.get_milestones(state="closed")] == ["v1"], "closed milestones")
v1.delete()
check(repo.get_issue(issue.number).milestone is None, "a deleted milestone leaves its issues")
check(error_of(lambda: repo.get_milestone(1))[0] == 404, "deleted milestone")
check(v2.number == 2, v2.number)

# Deploy keys: OpenSSH public keys, each usable once, for administrators only.
public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
key = repo.create_key("ci", public + " ci@example", read_only=True)
check(key.key == public and key.read_only and key.title == "ci", key.raw_data)
check([k.id for k in repo.get_keys()] == [key.id], "keys")
check(repo.get_key(key.id).key == public, "key read back")
status, data = error_of(lambda: repo.create_key("again", public))
check(status == 422 and data["errors"][0]["message"] == "key is already in use", data)
status, data = error_of(lambda: repo.create_key("bad", "ssh-ed25519 not-a-key"))
check(status == 422 and data["errors"][0]["message"].startswith("key is invalid"), data)
status, _, _ = raw("GET", "/api/v3/repos/alice/tools/keys", bob_token)
check(status == 404, status)
key.delete()
check(list(repo.get_keys()) == [], "deleted key")

# Removing bob takes his access away again.
repo.remove_from_collaborators("bob")
check(error_of(lambda: bob.get_repo("alice/tools"))[0] == 404, "removed collaborator")
# Teams: a team's role on a repository is what its active members get.
admin("orgs", {"login": "guild", "admins": ["alice"], "members": ["bob"]})
guild = alice.get_organization("guild")
engine = guild.create_repo("engine", private=True)
engine.create_file("README.md", "first", "engine\n")
bob_engine = bob.get_repo("guild/engine")
check(not bob_engine.permissions.push, "members read by default")
team = guild.create_team("Core Devs", privacy="closed", description="Core")
check((team.slug, team.privacy, team.permission) == ("core-devs", "closed", "pull"), team.raw_data)
check(team.raw_data["organization"]["login"] == "guild" and team.members_count == 1, team.raw_data)
status, data = error_of(lambda: guild.create_team("core devs"))
check(status == 422 and data["errors"][0]["message"] == "Name must be unique for this org", data)
team.add_membership(bob.get_user("bob"), role="member")
check(team.update_team_repository(engine, "push"), "team given push")
check(team.get_team_membership("bob").role == "member" and team.get_team_membership("bob").state == "active", "membership")
check([u.login for u in team.get_members()] == ["alice", "bob"], [u.login for u in team.get_members()])
check([u.login for u in team.get_members(role="maintainer")] == ["alice"], "maintainers")
check([(r.full_name, r.permissions.push, r.permissions.admin) for r in team.get_repos()] == [("guild/engine", True, False)], "team repos")
check(team.has_in_repos(engine), "team has the repository")
check(bob.get_repo("guild/engine").permissions.push, "bob pushes through the team")
bob.get_repo("guild/engine").create_file("bob.txt", "bob", "bob\n")
check(guild.get_team_by_slug("core-devs").repos_count == 1, "repos_count")
# Bob is a member, not a maintainer: he may not change the team.
bob_team = bob.get_organization("guild").get_team_by_slug("core-devs")
status, data = error_of(lambda: bob_team.edit("Renamed"))
check(status == 403, (status, data))
# Carol is outside the organization: invited, pending, and without access.
team.add_membership(alice.get_user("carol"))
check(team.get_team_membership("carol").state == "pending", "pending membership")
carol = Github(base_url=API, auth=Auth.Token(carol_token))
check(error_of(lambda: carol.get_repo("guild/engine"))[0] == 404, "pending members get nothing")
team.remove_from_repos(engine)
check(not bob.get_repo("guild/engine").permissions.push, "access follows the team")
team.edit("Core Team")
check(guild.get_team_by_slug("core-team").name == "Core Team", "renamed")
guild.get_team_by_slug("core-team").delete()
check(error_of(lambda: guild.get_team_by_slug("core-team"))[0] == 404, "deleted team")
print("ok")
