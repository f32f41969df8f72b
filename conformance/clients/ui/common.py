"""Helpers for the browser view's scenarios: the admin API over plain HTTP (urllib), the real
aws CLI, and waiting for a condition with the last value in the failure message. Every scenario
reads SOCKERLESS_URL (the server), SOCKERLESS_ADMIN_TOKEN (when it has one) and the AWS_*
variables a user's shell would have."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

URL = os.environ["SOCKERLESS_URL"].rstrip("/")
TOKEN = os.environ.get("SOCKERLESS_ADMIN_TOKEN", "")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def done(what):
    print(f"ok: {what}")


def admin(path, method="GET", body=None, token=True, headers=None):
    """Calls the admin API; returns (status, parsed JSON or text, response headers)."""
    all_headers = dict(headers or {})
    if token and TOKEN:
        all_headers["Authorization"] = f"Bearer {TOKEN}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(URL + path, data=data, method=method, headers=all_headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status, raw, got = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), error.headers
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text), got
    except ValueError:
        return status, text, got


def admin_json(path):
    status, body, _ = admin(path)
    check(status == 200, f"GET {path}: {status} {body}")
    return body


def aws(*args, expect_error=None):
    """Runs `aws ARGS --output json`; with expect_error the command must fail with that code."""
    cli = os.environ.get("SOCKERLESS_AWS_CLI", "aws")
    result = subprocess.run([cli, *args, "--output", "json"], capture_output=True, text=True)
    if expect_error is not None:
        check(result.returncode != 0, f"aws {' '.join(args)} succeeded, expected {expect_error}")
        check(f"({expect_error})" in result.stderr, f"aws {' '.join(args)}: expected ({expect_error}), got {result.stderr.strip()}")
        return result.stderr
    check(result.returncode == 0, f"aws {' '.join(args)} failed: {result.stderr.strip()}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def wait_for(description, probe, timeout=20.0):
    """Polls probe() until it returns something truthy; fails with the last value after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except Exception as error:  # a page still loading raises; keep polling
            last = error
        else:
            if last:
                return last
        time.sleep(0.1)
    fail(f"timed out waiting for {description}; last: {last!r}")
