"""Project and group webhooks driven by python-gitlab, received by a local HTTP server: the
hook CRUD with GitLab's validation (the token never shown), push, tag push, pipeline, job,
merge request and note events with GitLab's headers and payload fields, the branch filter,
`test/:trigger` with GitLab's answers, and a failing receiver backed off (auto-disabled)."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gitlab

from common import URL, client, expect_error, push_files, wait_until

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
received = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": json.loads(body)})
        if self.path.startswith("/fail"):
            self.send_response(500)
            payload = b"receiver is down"
        else:
            self.send_response(200)
            payload = b"ok"
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
RECEIVER = f"http://127.0.0.1:{server.server_address[1]}"


def events(path, event, where=lambda body: True):
    with lock:
        return [r for r in received if r["path"] == path and r["headers"].get("x-gitlab-event") == event and where(r["body"])]


def wait_event(path, event, where=lambda body: True, what=None):
    return wait_until(lambda: events(path, event, where), timeout=30, what=what or f"{event} at {path}")[-1]


gl = client()
project = gl.projects.create({"name": "hooked"})

# CRUD and validation.
hook = project.hooks.create({
    "url": f"{RECEIVER}/ok", "token": "s3cret-token", "push_events": True, "tag_push_events": True,
    "pipeline_events": True, "job_events": True, "merge_requests_events": True, "note_events": True,
    "push_events_branch_filter": "main", "name": "ci", "description": "conformance receiver",
})
attrs = hook.attributes
assert "token" not in attrs, attrs
assert attrs["project_id"] == project.id and attrs["url"] == f"{RECEIVER}/ok", attrs
for flag in ("push_events", "tag_push_events", "pipeline_events", "job_events", "merge_requests_events", "note_events"):
    assert attrs[flag] is True, (flag, attrs)
for flag in ("issues_events", "deployment_events", "releases_events", "wiki_page_events"):
    assert attrs[flag] is False, (flag, attrs)
assert attrs["enable_ssl_verification"] is True and attrs["alert_status"] == "executable", attrs
assert attrs["push_events_branch_filter"] == "main" and attrs["branch_filter_strategy"] == "wildcard", attrs
assert attrs["disabled_until"] is None and attrs["name"] == "ci", attrs
read_back = project.hooks.get(hook.id)
assert read_back.attributes == attrs, (read_back.attributes, attrs)
defaults = project.hooks.create({"url": f"{RECEIVER}/defaults"})
assert defaults.push_events is True and defaults.pipeline_events is False, defaults.attributes
defaults.delete()
expect_error(gitlab.GitlabGetError, 404, lambda: project.hooks.get(defaults.id), "404 Hook Not Found")

error = expect_error(gitlab.GitlabCreateError, 422, lambda: project.hooks.create({"url": "ftp://example.com/x"}))
assert error.error_message == {"url": ["is blocked: Only allowed schemes are http, https"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 422, lambda: project.hooks.create(
    {"url": f"{RECEIVER}/x", "push_events_branch_filter": "~badbranchname/"}))
assert error.error_message == {"push_events_branch_filter": ["is not a valid branch name"]}, error.error_message
expect_error(gitlab.GitlabCreateError, 400, lambda: project.hooks.create(
    {"url": f"{RECEIVER}/x", "branch_filter_strategy": "bla"}), "branch_filter_strategy does not have a valid value")
error = expect_error(gitlab.GitlabHookTestError, 422, lambda: hook.test("issues_events"))
assert error.error_message == "Ensure the project has issues.", error.error_message
expect_error(gitlab.GitlabHookTestError, 422, lambda: hook.test("pipeline_events"), "Ensure the project has CI pipelines.")

# A push to main: the push event with GitLab's headers and the pushed commit.
CI = """
build:
  tags: [never-picked]
  script: echo hi
"""
sha = push_files(project, {".gitlab-ci.yml": CI, "src/app.txt": "one\n"}, message="first commit\n\nbody")
push = wait_event("/ok", "Push Hook", lambda b: b["after"] == sha)
headers, body = push["headers"], push["body"]
assert headers["x-gitlab-token"] == "s3cret-token", headers
assert headers["x-gitlab-instance"] == URL, headers
assert UUID.match(headers["x-gitlab-event-uuid"]) and UUID.match(headers["x-gitlab-webhook-uuid"]), headers
assert headers["content-type"] == "application/json" and headers["user-agent"].startswith("GitLab/"), headers
assert body["object_kind"] == "push" and body["event_name"] == "push", body
assert body["ref"] == "refs/heads/main" and body["checkout_sha"] == sha, body
assert body["before"] == "0" * 40 and body["user_username"] == "root" and body["project_id"] == project.id, body
assert body["project"]["path_with_namespace"] == "root/hooked" and body["project"]["git_http_url"] == f"{URL}/root/hooked.git", body
assert body["total_commits_count"] == 1 and body["commits"][-1]["id"] == sha, body
commit = body["commits"][-1]
assert commit["title"] == "first commit" and commit["message"].startswith("first commit\n"), commit
assert sorted(commit["added"]) == [".gitlab-ci.yml", "src/app.txt"] and commit["modified"] == [], commit
assert commit["url"] == f"{URL}/root/hooked/-/commit/{sha}", commit

# Its pipeline: a pipeline event for `pending`, then `canceled` with its job's events.
pipeline = wait_until(lambda: project.pipelines.list(get_all=True), what="pipeline")[0]
pending = wait_event("/ok", "Pipeline Hook", lambda b: b["object_attributes"]["status"] == "pending")["body"]
attributes = pending["object_attributes"]
assert pending["object_kind"] == "pipeline" and attributes["id"] == pipeline.id and attributes["sha"] == sha, pending
assert attributes["ref"] == "main" and attributes["source"] == "push" and attributes["stages"] == ["test"], attributes
assert attributes["url"] == f"{URL}/root/hooked/-/pipelines/{pipeline.id}", attributes
assert [b["name"] for b in pending["builds"]] == ["build"] and pending["builds"][0]["status"] == "pending", pending
assert pending["user"]["username"] == "root" and pending["commit"]["id"] == sha, pending
assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", attributes["created_at"]), attributes
job_pending = wait_event("/ok", "Job Hook", lambda b: b["build_status"] == "pending")["body"]
assert job_pending["object_kind"] == "build" and job_pending["build_name"] == "build", job_pending
assert job_pending["pipeline_id"] == pipeline.id and job_pending["sha"] == sha, job_pending
project.pipelines.get(pipeline.id).cancel()
canceled = wait_event("/ok", "Pipeline Hook", lambda b: b["object_attributes"]["status"] == "canceled")["body"]
assert canceled["builds"][0]["status"] == "canceled", canceled
wait_event("/ok", "Job Hook", lambda b: b["build_status"] == "canceled")

# The branch filter: a push to `feature` sends no push event (its pipeline event still comes).
feature_sha = project.commits.create({"branch": "feature", "start_branch": "main", "commit_message": "feature work",
                                      "actions": [{"action": "update", "file_path": "src/app.txt", "content": "two\n"}]}).id
wait_event("/ok", "Pipeline Hook", lambda b: b["object_attributes"]["ref"] == "feature")
assert events("/ok", "Push Hook", lambda b: b["ref"] == "refs/heads/feature") == [], "filtered push delivered"

# A tag push.
project.tags.create({"tag_name": "v1.0", "ref": "main"})
tag = wait_event("/ok", "Tag Push Hook")["body"]
assert tag["object_kind"] == "tag_push" and tag["ref"] == "refs/tags/v1.0" and tag["checkout_sha"] == sha, tag

# A merge request and a comment on it.
mr = project.mergerequests.create({"source_branch": "feature", "target_branch": "main", "title": "Feature"})
opened = wait_event("/ok", "Merge Request Hook")["body"]
assert opened["object_kind"] == "merge_request" and opened["object_attributes"]["action"] == "open", opened
assert opened["object_attributes"]["iid"] == mr.iid and opened["object_attributes"]["source_branch"] == "feature", opened
assert opened["object_attributes"]["last_commit"]["id"] == feature_sha, opened
mr.notes.create({"body": "looks good"})
note = wait_event("/ok", "Note Hook")["body"]
assert note["object_attributes"]["note"] == "looks good" and note["object_attributes"]["noteable_type"] == "MergeRequest", note
assert note["merge_request"]["iid"] == mr.iid, note

# `test/:trigger` sends the latest record of its kind and answers 201.
before = len(events("/ok", "Pipeline Hook"))
hook.test("pipeline_events")
latest = project.pipelines.list(get_all=True, order_by="id", sort="desc")[0]
tested = events("/ok", "Pipeline Hook")
assert len(tested) == before + 1 and tested[-1]["body"]["object_attributes"]["id"] == latest.id, tested[-1]
hook.test("push_events")

# A receiver that fails: the test answers 422 with its body; after four failures in a row the
# hook backs off, and a later event does not reach it.
failing = project.hooks.create({"url": f"{RECEIVER}/fail", "push_events": True, "token": "other"})
for attempt in range(4):
    error = expect_error(gitlab.GitlabHookTestError, 422, lambda: failing.test("push_events"))
    assert error.error_message == "receiver is down", error.error_message
state = wait_until(lambda: (h := project.hooks.get(failing.id)).alert_status == "temporarily_disabled" and h,
                   what="the failing hook backed off")
assert state.disabled_until, state.attributes
failures = len(events("/fail", "Push Hook"))
third = push_files(project, {"src/app.txt": "three\n"}, message="third")
wait_event("/ok", "Push Hook", lambda b: b["after"] == third)
assert len(events("/fail", "Push Hook")) == failures, "a backed-off hook was sent an event"
failing.url = f"{RECEIVER}/ok-again"
failing.save()
assert project.hooks.get(failing.id).alert_status == "executable"

# Group hooks hear of their projects' events.
group = gl.groups.create({"name": "hooked-group", "path": "hooked-group"})
group_hook = group.hooks.create({"url": f"{RECEIVER}/group", "push_events": True, "token": "group-token"})
assert "token" not in group_hook.attributes and group_hook.group_id == group.id, group_hook.attributes
grouped = gl.projects.create({"name": "grouped", "namespace_id": group.id})
grouped_sha = push_files(grouped, {"README.md": "hi\n"})
from_group = wait_event("/group", "Push Hook", lambda b: b["after"] == grouped_sha)
assert from_group["headers"]["x-gitlab-token"] == "group-token", from_group["headers"]
assert from_group["body"]["project"]["path_with_namespace"] == "hooked-group/grouped", from_group["body"]
assert len(group.hooks.list(get_all=True)) == 1

# Deleting a hook.
hook.delete()
expect_error(gitlab.GitlabGetError, 404, lambda: project.hooks.get(hook.id))
print("webhooks ok")
