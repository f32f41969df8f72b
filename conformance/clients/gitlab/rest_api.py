"""python-gitlab against the fake's REST v4: users and personal access tokens, groups and
subgroups, projects (by ID and URL-encoded path, search, owned, membership, update, delete),
members, GitLab's error bodies and status codes, and real offset pagination."""

import gitlab
import requests

from common import URL, TOKEN, client, expect_error

gl = client()
gl.auth()
assert gl.user.username == "root" and gl.user.is_admin is True

# Unknown tokens and routes, in GitLab's words.
expect_error(gitlab.GitlabAuthenticationError, 401, lambda: client("glpat-wrong").auth(), "401 Unauthorized")
raw = requests.get(f"{URL}/api/v4/does-not-exist", headers={"PRIVATE-TOKEN": TOKEN})
assert raw.status_code == 404 and raw.json() == {"error": "404 Not Found"}, raw.text
raw = requests.get(f"{URL}/api/v4/projects/999999", headers={"PRIVATE-TOKEN": TOKEN})
assert raw.status_code == 404 and raw.json() == {"message": "404 Project Not Found"}, raw.text
raw = requests.get(f"{URL}/api/v4/user")
assert raw.status_code == 401 and raw.json() == {"message": "401 Unauthorized"}, raw.text

# Users and their tokens.
alice = gl.users.create({"username": "alice", "name": "Alice", "email": "alice@example.com", "password": "s3cret-pass-123"})
error = expect_error(gitlab.GitlabCreateError, 400, lambda: gl.users.create(
    {"username": "alice", "name": "Alice 2", "email": "alice2@example.com", "password": "s3cret-pass-123"}))
assert error.error_message == {"username": ["has already been taken"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: gl.users.create({"username": "bob"}))
assert error.error_message == "email is missing, name is missing", error.error_message
token = alice.personal_access_tokens.create({"name": "ci", "scopes": ["api"]})
assert token.token.startswith("glpat-") and token.scopes == ["api"] and token.active
error = expect_error(gitlab.GitlabCreateError, 400, lambda: alice.personal_access_tokens.create({"name": "x", "scopes": ["everything"]}))
assert error.error_message == "scopes does not have a valid value", error.error_message
as_alice = client(token.token)
as_alice.auth()
assert as_alice.user.username == "alice" and as_alice.user.id == alice.id
expect_error(gitlab.GitlabCreateError, 403, lambda: as_alice.users.create(
    {"username": "mallory", "name": "M", "email": "m@example.com", "password": "x" * 12}))

# Groups and subgroups.
top = gl.groups.create({"name": "Platform", "path": "platform"})
sub = gl.groups.create({"name": "Tools", "path": "tools", "parent_id": top.id})
assert sub.full_path == "platform/tools" and sub.parent_id == top.id
assert gl.groups.get("platform/tools").id == sub.id
assert [g.id for g in top.subgroups.list(get_all=True)] == [sub.id]
error = expect_error(gitlab.GitlabCreateError, 400, lambda: gl.groups.create({"name": "Platform", "path": "platform"}))
assert "has already been taken" in str(error.error_message), error.error_message

# Projects: in a subgroup, by path, listed, searched, paged.
created = []
for index in range(5):
    created.append(gl.projects.create({"name": f"Service {index}", "namespace_id": sub.id, "description": f"service number {index}"}))
assert created[0].path == "service-0" and created[0].path_with_namespace == "platform/tools/service-0"
assert gl.projects.get("platform/tools/service-3").id == created[3].id
error = expect_error(gitlab.GitlabCreateError, 400, lambda: gl.projects.create({"name": "Service 0", "namespace_id": sub.id}))
assert error.error_message == {"name": ["has already been taken"], "path": ["has already been taken"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: gl.projects.create({"namespace_id": sub.id}))
assert error.error_message == "name, path are missing, at least one parameter must be provided", error.error_message

page = gl.projects.list(per_page=2, iterator=True, order_by="id", sort="asc")
assert page.total == 5 and page.total_pages == 3 and page.per_page == 2 and page.next_page == 2, (page.total, page.total_pages, page.next_page)
seen = [p.id for p in gl.projects.list(get_all=True, per_page=2, order_by="id", sort="asc")]
assert seen == [p.id for p in created], seen
assert [p.name for p in gl.projects.list(search="service 4", get_all=True)] == ["Service 4"]
assert [p.id for p in sub.projects.list(get_all=True, order_by="id", sort="asc")] == [p.id for p in created]
assert len(top.projects.list(include_subgroups=True, get_all=True)) == 5

# Membership and visibility: Alice sees nothing private until she is a member.
assert as_alice.projects.list(get_all=True) == []
expect_error(gitlab.GitlabGetError, 404, lambda: as_alice.projects.get(created[1].id), "404 Project Not Found")
member = created[1].members.create({"user_id": alice.id, "access_level": gitlab.const.AccessLevel.DEVELOPER})
assert member.access_level == 30 and member.username == "alice"
error = expect_error(gitlab.GitlabCreateError, 409, lambda: created[1].members.create({"user_id": alice.id, "access_level": 30}))
assert error.error_message == "Member already exists", error.error_message
assert [p.id for p in as_alice.projects.list(membership=True, get_all=True)] == [created[1].id]
as_alice_project = as_alice.projects.get(created[1].id)
as_alice_project.description = "not allowed"
expect_error(gitlab.GitlabUpdateError, 403, as_alice_project.save, "403 Forbidden")
member.access_level = gitlab.const.AccessLevel.MAINTAINER
member.save()
assert created[1].members.get(alice.id).access_level == 40
as_alice_project = as_alice.projects.get(created[1].id)
as_alice_project.description = "maintained by alice"
as_alice_project.save()
assert gl.projects.get(created[1].id).description == "maintained by alice"
sub.members.create({"user_id": alice.id, "access_level": gitlab.const.AccessLevel.REPORTER})
assert {p.id for p in as_alice.projects.list(membership=True, get_all=True)} == {p.id for p in created}
all_members = {m.username: m.access_level for m in created[2].members_all.list(get_all=True)}
assert all_members == {"root": 50, "alice": 20}, all_members
created[1].members.delete(alice.id)
expect_error(gitlab.GitlabGetError, 404, lambda: created[1].members.get(alice.id), "404 Member Not Found")

# Owned projects live in the user's namespace.
mine = as_alice.projects.create({"name": "sandbox", "visibility": "public"})
assert mine.path_with_namespace == "alice/sandbox" and mine.owner["username"] == "alice"
assert [p.id for p in as_alice.projects.list(owned=True, get_all=True)] == [mine.id]
anonymous = requests.get(f"{URL}/api/v4/projects/alice%2Fsandbox")
assert anonymous.status_code == 200 and anonymous.json()["id"] == mine.id, anonymous.text

# Update and delete.
project = gl.projects.get(created[4].id)
project.description = "renamed"
project.topics = ["a", "b"]
project.save()
again = gl.projects.get(created[4].id)
assert again.description == "renamed" and again.topics == ["a", "b"]
gl.projects.delete(created[4].id)
expect_error(gitlab.GitlabGetError, 404, lambda: gl.projects.get(created[4].id), "404 Project Not Found")
assert gl.projects.list(iterator=True, per_page=100).total == 5  # 4 services + alice/sandbox

# Tokens can be revoked.
token_id = token.id
gl.personal_access_tokens.delete(token_id)
expect_error(gitlab.GitlabAuthenticationError, 401, lambda: client(token.token).auth())
print("rest ok")
