"""Webhooks with PyGithub and git against bleephub: a hook made by PyGithub is pinged, an issue
and a `git push` reach a receiver in this script with GitHub's headers and an HMAC this script
verifies with the secret, the deliveries log pages one at a time returning each delivery once,
and a delivery that a receiver refused once is redelivered through the API and then arrives."""
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from github import Auth, Github

from common import URL, check, raw, user_with_token

SECRET = "It's a Secret to Everybody"


class Receiver:
    """An HTTP receiver on 127.0.0.1 that records what it gets and refuses the first
    `failures` deliveries with 503."""

    def __init__(self, failures=0):
        self.seen = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                # Header names are case-insensitive (the Message object compares them so).
                receiver.seen.append((self.headers, body))
                status = 503 if len(receiver.seen) <= receiver.failures else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"down" if status == 503 else b"thanks")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]

    def wait(self, count):
        deadline = time.time() + 15
        while len(self.seen) < count:
            check(time.time() < deadline, f"{len(self.seen)} deliveries, wanted {count}: "
                  + str([h.get("X-GitHub-Event") for h, _ in self.seen]))
            time.sleep(0.05)
        return self.seen


def verified(headers, body, event):
    """Checks GitHub's headers and both signatures; answers the JSON payload."""
    check(headers["X-GitHub-Event"] == event, headers)
    check(headers["User-Agent"].startswith("GitHub-Hookshot/"), headers)
    check(len(headers["X-GitHub-Delivery"]) == 36, headers)
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    check(hmac.compare_digest(headers["X-Hub-Signature-256"], expected), (headers, expected))
    sha1 = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    check(headers["X-Hub-Signature"] == sha1, headers)
    if headers["Content-Type"] == "application/x-www-form-urlencoded":
        return json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    check(headers["Content-Type"] == "application/json", headers)
    return json.loads(body)


token = user_with_token("dev", ["repo", "admin:repo_hook"])
gh = Github(base_url=URL + "/api/v3", auth=Auth.Token(token), per_page=1)
repo = gh.get_user().create_repo("hooked", auto_init=True)

# A hook for pushes and issues; GitHub pings it at once.
receiver = Receiver()
hook = repo.create_hook("web", {"url": receiver.url, "content_type": "json", "secret": SECRET},
                        events=["push", "issues"], active=True)
check(hook.config == {"content_type": "json", "insecure_ssl": "0", "url": receiver.url,
                      "secret": "********"}, hook.config)
check(hook.events == ["push", "issues"] and hook.active, hook.raw_data)
check(hook.url == f"{URL}/api/v3/repos/dev/hooked/hooks/{hook.id}", hook.url)
headers, body = receiver.wait(1)[0]
ping = verified(headers, body, "ping")
check(headers["X-GitHub-Hook-ID"] == str(hook.id), headers)
check(headers["X-GitHub-Hook-Installation-Target-Type"] == "repository", headers)
check(headers["X-GitHub-Hook-Installation-Target-ID"] == str(repo.id), headers)
check(ping["hook_id"] == hook.id and ping["hook"]["events"] == ["push", "issues"], ping)
check(ping["repository"]["full_name"] == "dev/hooked" and ping["sender"]["login"] == "dev", ping)

# An issue: `issues` `opened`, with the issue as the API shows it.
issue = repo.create_issue(title="It broke", body="details")
headers, body = receiver.wait(2)[1]
opened = verified(headers, body, "issues")
check(opened["action"] == "opened", opened)
check(opened["issue"]["number"] == issue.number and opened["issue"]["title"] == "It broke", opened)
check(opened["issue"]["url"] == issue.url, (opened["issue"]["url"], issue.url))

# A comment is not an event the hook asked for: nothing is sent.
issue.create_comment("no hook for this")

# A push over git: `push` with the commit as git made it.
work = tempfile.mkdtemp()
remote = URL.replace("://", f"://x-access-token:{token}@") + "/dev/hooked.git"
git = ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "protocol.version=2"]
env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
subprocess.run(git + ["clone", "-q", remote, work], check=True, env=env)
with open(os.path.join(work, "feature.txt"), "w") as f:
    f.write("new\n")
subprocess.run(git + ["-C", work, "add", "feature.txt"], check=True, env=env)
subprocess.run(git + ["-C", work, "commit", "-qm", "Add the feature"], check=True, env=env)
before = subprocess.run(["git", "-C", work, "rev-parse", "HEAD~1"], capture_output=True, text=True).stdout.strip()
after = subprocess.run(["git", "-C", work, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
subprocess.run(git + ["-C", work, "push", "-q", "origin", "main"], check=True, env=env)
headers, body = receiver.wait(3)[2]
push = verified(headers, body, "push")
check(push["ref"] == "refs/heads/main" and push["before"] == before and push["after"] == after, push)
check(push["created"] is False and push["deleted"] is False and push["forced"] is False, push)
check([c["id"] for c in push["commits"]] == [after], push["commits"])
commit = push["commits"][0]
check(commit["message"] == "Add the feature" and commit["added"] == ["feature.txt"], commit)
check(commit["author"] == {"name": "Dev", "email": "dev@example.com"}, commit["author"])
check(push["head_commit"]["id"] == after and push["pusher"]["name"] == "dev", push)
check(len(receiver.seen) == 3, [h["X-GitHub-Event"] for h, _ in receiver.seen])

# The deliveries log, one per page: each delivery once, newest first, as sent.
deliveries = list(repo.get_hook_deliveries(hook.id))
check([d.event for d in deliveries] == ["push", "issues", "ping"], [d.event for d in deliveries])
check(len({d.id for d in deliveries}) == 3, [d.id for d in deliveries])
check(all(d.status == "OK" and d.status_code == 200 for d in deliveries), [d.raw_data for d in deliveries])
full = repo.get_hook_delivery(hook.id, deliveries[0].id)
check(full.request.payload["after"] == after, full.request.payload)
check(full.request.headers["X-GitHub-Event"] == "push", full.request.headers)
check(full.response.payload == "thanks", full.response.raw_data)
check(full.url == receiver.url and full.guid == receiver.seen[2][0]["X-GitHub-Delivery"], full.raw_data)

# A form-encoded hook whose receiver refuses the first delivery: GitHub does not retry by
# itself; the API redelivers it (same GUID and body), and then it arrives.
flaky = Receiver(failures=1)
hook2 = repo.create_hook("web", {"url": flaky.url, "content_type": "form", "secret": SECRET},
                         events=["issues"], active=True)
headers, body = flaky.wait(1)[0]
verified(headers, body, "ping")
time.sleep(0.5)
check(len(flaky.seen) == 1, "GitHub does not retry a failed delivery by itself")
failed = list(repo.get_hook_deliveries(hook2.id))
check(len(failed) == 1, [d.raw_data for d in failed])
check(failed[0].status == "Invalid HTTP Response: 503" and failed[0].status_code == 503, failed[0].raw_data)
status, _, answer = raw("POST", f"/api/v3/repos/dev/hooked/hooks/{hook2.id}/deliveries/{failed[0].id}/attempts", token)
check(status == 202, (status, answer))
headers2, body2 = flaky.wait(2)[1]
check(body2 == body and headers2["X-GitHub-Delivery"] == headers["X-GitHub-Delivery"], (headers, headers2))
verified(headers2, body2, "ping")
log = list(repo.get_hook_deliveries(hook2.id))
check([(d.redelivery, d.status_code) for d in log] == [(True, 200), (False, 503)], [d.raw_data for d in log])
hook2.edit("web", {"url": flaky.url, "content_type": "form"}, events=["issues"], active=False)
check(gh.get_repo("dev/hooked").get_hook(hook2.id).active is False, "deactivated")
hook2.delete()
check([h.id for h in repo.get_hooks()] == [hook.id], [h.id for h in repo.get_hooks()])
print("webhooks ok")
