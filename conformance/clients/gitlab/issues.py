"""Issues, labels and milestones driven by python-gitlab, the way python-gitlab's own functional
tests use them: project and group labels (GitLab's 409 and validation errors, lookup by an
encoded title, the legacy update, `with_counts`, promotion), project and group milestones,
issues (create, list filters including `labels=Any/None` and `milestone`, `iids[]`,
`state_event`, paging headers, participants, time tracking, notes with system notes, owners-only
delete) and the issue and note events a project hook receives."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gitlab

from common import client, expect_error, wait_until

received = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            received.append({"event": self.headers.get("X-Gitlab-Event"), "body": json.loads(body)})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
RECEIVER = f"http://127.0.0.1:{server.server_address[1]}/hook"


def wait_event(event, where):
    def probe():
        with lock:
            return [r["body"] for r in received if r["event"] == event and where(r["body"])]
    return wait_until(probe, timeout=30, what=event)[-1]


gl = client()
group = gl.groups.create({"name": "Tracker", "path": "tracker"})
project = gl.projects.create({"name": "board", "namespace_id": group.id})
project.hooks.create({"url": RECEIVER, "push_events": False, "issues_events": True, "note_events": True})

# Project labels: create, the conflict and the model's validation, lookup by encoded title.
label = project.labels.create({"name": "bug", "color": "#d9534f", "description": "Broken"})
assert label.color == "#d9534f" and label.text_color == "#FFFFFF" and label.is_project_label is True, label.attributes
assert label.priority is None and label.subscribed is False, label.attributes
expect_error(gitlab.GitlabCreateError, 409, lambda: project.labels.create({"name": "bug", "color": "#000000"}), "Label already exists")
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.labels.create({"name": "x", "color": "nocolor"}))
assert error.error_message == {"color": ["must be a valid color code"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.labels.create({"name": "a,b", "color": "#fff"}))
assert error.error_message == {"title": ["is invalid"]}, error.error_message
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_post(f"/projects/{project.id}/labels", post_data={"name": "x"}), "color is missing")
odd = project.labels.create({"name": "Label:that requires:encoding", "color": "red"})
assert odd.color == "#FF0000", odd.attributes
assert project.labels.get("Label:that requires:encoding").id == odd.id
assert project.labels.get(str(label.id)).name == "bug"
odd.description = "encoded"
odd.save()
assert project.labels.get("Label:that requires:encoding").description == "encoded"
odd.delete()
expect_error(gitlab.GitlabGetError, 404, lambda: project.labels.get("Label:that requires:encoding"), "404 Label Not Found")

# Group labels are seen by the group's projects (not as project labels).
group.labels.create({"name": "team", "description": "Team work", "color": "#112233"})
assert group.labels.get("team").description == "Team work"
inherited = [lab for lab in project.labels.list(get_all=True) if lab.name == "team"]
assert inherited and inherited[0].is_project_label is False, [lab.attributes for lab in project.labels.list(get_all=True)]
assert [lab.name for lab in project.labels.list(get_all=True, include_ancestor_groups=False)] == ["bug"]
expect_error(gitlab.GitlabCreateError, 409, lambda: project.labels.create({"name": "team", "color": "#000"}), "Label already exists")
promoted = project.labels.create({"name": "promote-me", "color": "#123456"})
promoted.promote()
assert any(lab.name == "promote-me" for lab in group.labels.list(get_all=True))
assert not any(lab.name == "promote-me" for lab in project.labels.list(get_all=True, include_ancestor_groups=False))

# Milestones: per-project titles, dates, closing, and a group's.
milestone = project.milestones.create({"title": "v1", "due_date": "2031-01-31", "start_date": "2031-01-01"})
assert milestone.iid == 1 and milestone.state == "active" and milestone.project_id == project.id, milestone.attributes
assert milestone.expired is False and milestone.web_url.endswith("/tracker/board/-/milestones/1"), milestone.attributes
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.milestones.create({"title": "v1"}))
assert error.error_message == {"title": ["already being used for another group or project milestone."]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.milestones.create({"title": "v0", "start_date": "2031-02-01", "due_date": "2031-01-01"}))
assert error.error_message == {"due_date": ["must be greater than start date"]}, error.error_message
expect_error(gitlab.GitlabGetError, 404, lambda: project.milestones.get(99999), "404 Milestone Not Found")
assert not list(milestone.issues())
group_milestone = group.milestones.create({"title": "Q1"})
assert group_milestone.group_id == group.id and group.milestones.list(get_all=True)[0].title == "Q1"

# Issues: create with labels (a new one made on the fly), a milestone and an assignee.
reporter = gl.users.create({"email": "rep@example.com", "username": "rep", "name": "Rep", "password": "E4596f8be406Bc3a14a4ccdb1df80587"})
project.members.create({"user_id": reporter.id, "access_level": gitlab.const.AccessLevel.REPORTER})
as_reporter = client(reporter.personal_access_tokens.create({"name": "api", "scopes": ["api"]}).token)

issue = project.issues.create({"title": "my issue 1", "description": "first", "labels": "bug,fresh", "milestone_id": milestone.id, "assignee_ids": [reporter.id]})
issue2 = project.issues.create({"title": "my issue 2"})
assert issue.iid == 1 and issue2.iid == 2 and issue.state == "opened" and issue.type == "ISSUE", issue.attributes
assert issue.labels == ["bug", "fresh"] and issue.milestone["id"] == milestone.id, issue.attributes
assert issue.assignees[0]["username"] == "rep" and issue.assignee["id"] == reporter.id and issue.author["username"] == "root", issue.attributes
assert issue.references["full"] == "tracker/board#1" and issue.web_url.endswith("/tracker/board/-/issues/1"), issue.attributes
fresh = project.labels.get("fresh")
assert fresh.color == "#6699cc", fresh.attributes
opened = wait_event("Issue Hook", lambda b: b["object_attributes"]["iid"] == 1 and b["object_attributes"]["action"] == "open")
assert opened["object_kind"] == "issue" and opened["event_type"] == "issue" and opened["user"]["username"] == "root", opened
assert sorted(label["title"] for label in opened["labels"]) == ["bug", "fresh"] and opened["assignees"][0]["username"] == "rep", opened
assert opened["project"]["path_with_namespace"] == "tracker/board", opened

expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_post(f"/projects/{project.id}/issues", post_data={"description": "no title"}), "title is missing")
expect_error(gitlab.GitlabGetError, 404, lambda: project.issues.get(999), "404 Not found")
expect_error(gitlab.GitlabGetError, 404, lambda: gl.projects.get(99999).issues.list(), "404 Project Not Found")

# Listing: iids, state, labels (names, Any, None), milestone, search, and paging.
assert {i.iid for i in project.issues.list(iids=[1, 2], get_all=True)} == {1, 2}
issue2.state_event = "close"
issue2.save()
assert issue2.state == "closed" and issue2.attributes["closed_by"]["username"] == "root" and issue2.closed_at, issue2.attributes
closed = wait_event("Issue Hook", lambda b: b["object_attributes"]["iid"] == 2 and b["object_attributes"]["action"] == "close")
assert closed["changes"]["state_id"] == {"previous": 1, "current": 2}, closed["changes"]
assert [i.iid for i in project.issues.list(state="opened", get_all=True)] == [1]
assert [i.iid for i in project.issues.list(state="closed", get_all=True)] == [2]
assert [i.iid for i in project.issues.list(labels=["bug"], get_all=True)] == [1]
assert [i.iid for i in project.issues.list(labels="bug", get_all=True)] == [1]
assert [i.iid for i in project.issues.list(labels="Any", get_all=True)] == [1]
assert [i.iid for i in project.issues.list(labels="None", get_all=True)] == [2]
assert [i.iid for i in project.issues.list(milestone="v1", get_all=True)] == [1]
assert [i.iid for i in project.issues.list(search="issue 2", get_all=True)] == [2]
assert [i.iid for i in milestone.issues()] == [1]
assert [i.iid for i in group.issues.list(get_all=True)] == [2, 1]
assert [i.iid for i in gl.issues.list(get_all=True)] == [2, 1]
assert [i.iid for i in as_reporter.issues.list(scope="assigned_to_me", get_all=True)] == [1]
expect_error(gitlab.GitlabListError, 400, lambda: project.issues.list(state="bogus"), "state does not have a valid value")
project.issues.create({"title": "third"})
page = gl.http_get(f"/projects/{project.id}/issues", query_data={"per_page": 2}, raw=True)
assert len(page.json()) == 2 and page.headers["X-Total"] == "3" and page.headers["X-Total-Pages"] == "2", page.headers
assert page.headers["X-Next-Page"] == "2" and 'rel="next"' in page.headers["Link"], page.headers
with_counts = {lab.name: lab for lab in project.labels.list(get_all=True, with_counts=True)}
assert with_counts["bug"].open_issues_count == 1 and with_counts["bug"].closed_issues_count == 0, with_counts["bug"].attributes

# Label and milestone changes on an issue leave system notes; reopening is an event too.
issue.labels = ["bug"]
issue.save()
issue2.state_event = "reopen"
issue2.save()
wait_event("Issue Hook", lambda b: b["object_attributes"]["iid"] == 2 and b["object_attributes"]["action"] == "reopen")
labelled = wait_event("Issue Hook", lambda b: b["object_attributes"]["iid"] == 1 and b["object_attributes"]["action"] == "update")
assert [lab["title"] for lab in labelled["changes"]["labels"]["current"]] == ["bug"], labelled["changes"]
system = [n.body for n in issue.notes.list(get_all=True) if n.system]
assert f"removed ~{fresh.id} label" in system, system
assert "reopened" in [n.body for n in issue2.notes.list(get_all=True) if n.system]
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_put(f"/projects/{project.id}/issues/1", post_data={}), "at least one parameter must be provided")
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_put(f"/projects/{project.id}/issues/1", post_data={"state_event": "burn"}), "state_event does not have a valid value")

# Notes: create, list, update, delete; a note event with the issue in it.
note = issue.notes.create({"body": "This is an issue note"})
assert note.noteable_type == "Issue" and note.noteable_iid == 1 and note.system is False, note.attributes
assert note.id in [n.id for n in issue.notes.list(get_all=True)]
commented = wait_event("Note Hook", lambda b: b["object_attributes"]["id"] == note.id)
assert commented["object_attributes"]["noteable_type"] == "Issue" and commented["issue"]["iid"] == 1, commented
note.body = "edited"
note.save()
assert issue.notes.get(note.id).body == "edited"
reporter_note = as_reporter.projects.get(project.id, lazy=True).issues.get(1, lazy=True).notes.create({"body": "me too"})
expect_error(gitlab.GitlabCreateError, 400, lambda: issue.notes.create({"body": " "}))
assert [u["username"] for u in issue.participants()] == ["root", "rep"]
assert issue.closed_by() == [] and issue.related_merge_requests() == []
assert project.issues.get(1).user_notes_count == 2

# Time tracking with GitLab's durations (8-hour days, 5-day weeks).
stats = issue.time_estimate("3h30m")
assert stats["time_estimate"] == 12600 and stats["human_time_estimate"] == "3h 30m", stats
stats = issue.add_spent_time("1d 1h")
assert stats["total_time_spent"] == 32400 and stats["human_total_time_spent"] == "1d 1h", stats
assert gl.http_get(f"/projects/{project.id}/issues/1/time_stats")["total_time_spent"] == 32400
error = expect_error(gitlab.GitlabTimeTrackingError, 400, lambda: issue.add_spent_time("-2d"))
assert error.error_message == {"base": ["Time to subtract exceeds the total time spent"]}, error.error_message
assert issue.reset_spent_time()["total_time_spent"] == 0
assert issue.reset_time_estimate()["human_time_estimate"] is None

# Issue links, seen from both sides; GitLab's 404 and 409.
linked = project.issues.create({"title": "Linked issue"})
source_issue, target_issue = issue.links.create({"target_project_id": project.id, "target_issue_iid": linked.iid, "link_type": "blocks"})
assert source_issue.iid == issue.iid and target_issue.iid == linked.iid, (source_issue, target_issue)
links = issue.links.list()
assert [(l.iid, l.link_type) for l in links] == [(linked.iid, "blocks")], [l.attributes for l in links]
assert [(l.iid, l.link_type) for l in linked.links.list()] == [(1, "is_blocked_by")]
error = expect_error(gitlab.GitlabCreateError, 409, lambda: issue.links.create({"target_project_id": project.id, "target_issue_iid": linked.iid}))
assert error.error_message == "Issue(s) already assigned", error.error_message
error = expect_error(gitlab.GitlabCreateError, 404, lambda: issue.links.create({"target_project_id": project.id, "target_issue_iid": 777}))
assert error.error_message.startswith("No matching issue found"), error.error_message
assert f"marked this issue as related to #{linked.iid}" in [n.body for n in issue.notes.list(get_all=True) if n.system]
issue.links.delete(links[0].issue_link_id)
assert issue.links.list() == [] and linked.links.list() == []

# Only owners delete issues; a reporter's own note is theirs to delete.
expect_error(gitlab.GitlabDeleteError, 403, lambda: as_reporter.projects.get(project.id, lazy=True).issues.delete(2))
reporter_note.delete()
project.issues.delete(2)
expect_error(gitlab.GitlabGetError, 404, lambda: project.issues.get(2))
expect_error(gitlab.GitlabDeleteError, 404, lambda: project.issues.delete(2), "404 Issue Not Found")
milestone.state_event = "close"
milestone.save()
assert project.milestones.get(milestone.id).state == "closed"
assert [m.title for m in project.milestones.list(state="active", get_all=True)] == []
milestone.delete()
assert project.issues.get(1).milestone is None
print("issues, labels and milestones: ok")
