"""Shared helpers for the AWS client scenarios: run the real aws CLI, make boto3 clients, and
assert AWS error codes. Every scenario reads its endpoint and credentials from the environment
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), as a user's shell would have them."""
import json
import os
import subprocess
import sys
import uuid

import boto3
import botocore.config
import botocore.exceptions


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def aws(*args, expect_error=None, env=None):
    """Runs `aws ARGS --output json`. Returns the parsed JSON (None for empty output). With
    expect_error, the command must fail with that error code in its message."""
    cli = os.environ.get("SOCKERLESS_AWS_CLI", "aws")
    full_env = dict(os.environ)
    full_env.update(env or {})
    result = subprocess.run([cli, *args, "--output", "json"], capture_output=True, text=True, env=full_env)
    if expect_error is not None:
        check(result.returncode != 0, f"aws {' '.join(args)} succeeded, expected {expect_error}: {result.stdout}")
        check(f"({expect_error})" in result.stderr, f"aws {' '.join(args)}: expected ({expect_error}), got: {result.stderr.strip()}")
        return result.stderr
    check(result.returncode == 0, f"aws {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def client(service, **overrides):
    """A boto3 client for the simulator (endpoint from AWS_ENDPOINT_URL), without retries: a
    scenario must see the first answer, not a retried one."""
    config = overrides.pop("config", None) or botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return boto3.client(service, endpoint_url=os.environ["AWS_ENDPOINT_URL"], config=config, **overrides)


def error_code(call, *args, **kwargs):
    """Calls and returns the AWS error code it raised; fails if it succeeded."""
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"]
    fail(f"{getattr(call, '__name__', call)} succeeded, expected an error")


def expect_code(code, call, *args, **kwargs):
    got = error_code(call, *args, **kwargs)
    check(got == code, f"{getattr(call, '__name__', call)}: expected {code}, got {got}")


def done(name):
    print(f"ok: {name}")
