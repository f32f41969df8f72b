"""Helpers for the GitHub scenarios: the fake's admin API (users, organizations, tokens), which
stands in for GitHub's web UI, and small assertions."""
import json
import os
import urllib.request

URL = os.environ["BLEEPHUB_URL"]
ADMIN_TOKEN = os.environ["BLEEPHUB_ADMIN_TOKEN"]


def admin(path, body):
    request = urllib.request.Request(
        URL + "/_sockerless/github/" + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": "token " + ADMIN_TOKEN, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def user_with_token(login, scopes, kind="classic"):
    admin("users", {"login": login, "name": login.title()})
    return admin("tokens", {"login": login, "scopes": scopes, "kind": kind})["token"]


def raw(method, path, token=None, body=None, headers=None):
    """One request with urllib: (status, headers, parsed body or None)."""
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = "token " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(URL + path, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, response.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, error.headers, json.loads(text) if text else None


def check(condition, message):
    if not condition:
        raise AssertionError(message)
