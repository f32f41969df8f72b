"""Shared helpers for the GitLab scenarios: the hub's URL and root token come from the
environment the conformance cell sets (GITLAB_URL, GITLAB_TOKEN)."""

import os
import subprocess
import sys
import time

import gitlab

URL = os.environ["GITLAB_URL"]
TOKEN = os.environ["GITLAB_TOKEN"]


def client(token=TOKEN, **kwargs):
    return gitlab.Gitlab(URL, private_token=token, **kwargs)


def expect_error(kind, code, call, message=None):
    """Runs `call`, which must raise python-gitlab's `kind` with HTTP `code` (and `message`
    inside the error text when given)."""
    try:
        call()
    except kind as error:
        assert error.response_code == code, (error.response_code, error.error_message)
        if message is not None:
            assert message in str(error.error_message), error.error_message
        return error
    raise AssertionError(f"expected {kind.__name__} {code}")


def git(*args, cwd=None, check=True):
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "Conformance", "GIT_AUTHOR_EMAIL": "c@example.com",
        "GIT_COMMITTER_NAME": "Conformance", "GIT_COMMITTER_EMAIL": "c@example.com",
        "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
    })
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"git {args} failed: {result.stdout}{result.stderr}")
    return result


def push_files(project, files, token=TOKEN, branch="main", message="ci", workdir=None):
    """Clones `project` over HTTP with `oauth2:token`, writes `files`, commits and pushes."""
    workdir = workdir or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"clone-{project.id}-{time.monotonic_ns()}")
    remote = project.http_url_to_repo.replace("://", f"://oauth2:{token}@")
    git("clone", remote, workdir)
    git("checkout", "-B", branch, cwd=workdir)
    for path, text in files.items():
        full = os.path.join(workdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
    git("add", "-A", cwd=workdir)
    git("commit", "-m", message, cwd=workdir)
    git("push", "origin", branch, cwd=workdir)
    return git("rev-parse", "HEAD", cwd=workdir).stdout.strip()


def wait_until(probe, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def log(*args):
    print(*args, file=sys.stderr)
