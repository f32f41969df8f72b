"""Shared helpers for the Azure client scenarios: run the real az CLI, make SDK credentials and
clients, and assert ARM error codes. Every scenario reads the simulator's address from
SOCKERLESS_AZURE_URL (https://localhost:PORT) and trusts its CA through REQUESTS_CA_BUNDLE, as
CLIENTS.md describes; az keeps its state in the test's own AZURE_CONFIG_DIR."""
import json
import os
import subprocess
import sys
import uuid

URL = os.environ.get("SOCKERLESS_AZURE_URL", "")
SUBSCRIPTION = os.environ.get("AZURE_SUBSCRIPTION_ID", "")
TENANT = os.environ.get("AZURE_TENANT_ID", "")
SCOPE = "https://management.core.windows.net//.default"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def az(*args, expect_error=None):
    """Runs `az ARGS -o json`. Returns the parsed JSON (None for empty output). With
    expect_error, the command must fail with that text in its error output."""
    cli = os.environ.get("SOCKERLESS_AZ", "az")
    result = subprocess.run([cli, *args, "-o", "json"], capture_output=True, text=True)
    if expect_error is not None:
        check(result.returncode != 0, f"az {' '.join(args)} succeeded, expected {expect_error}: {result.stdout}")
        check(expect_error in result.stderr, f"az {' '.join(args)}: expected {expect_error!r}, got: {result.stderr.strip()}")
        return result.stderr
    check(result.returncode == 0, f"az {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def az_sign_in(client_id="sockerless-app", secret="s3cret"):
    """Registers the simulator as a cloud and signs in as a service principal."""
    az("cloud", "register", "-n", "sockerless", "--endpoint-resource-manager", URL + "/")
    az("cloud", "set", "-n", "sockerless")
    return az("login", "--service-principal", "-u", client_id, "-p", secret, "--tenant", TENANT)


def credential(client_id="sdk-app", secret="sdk-secret"):
    from azure.identity import ClientSecretCredential
    return ClientSecretCredential(TENANT, client_id, secret, authority=URL, disable_instance_discovery=True)


def resource_client(cred=None):
    from azure.mgmt.resource.resources import ResourceManagementClient
    return ResourceManagementClient(cred or credential(), SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE],
                                    polling_interval=0.2)


def expect_http_error(call, code, message=None):
    """`call()` must raise the SDK's HttpResponseError with this ARM code (and message)."""
    from azure.core.exceptions import HttpResponseError
    try:
        call()
    except HttpResponseError as error:
        got = error.error.code if error.error else None
        check(got == code, f"expected {code}, got {got}: {error}")
        if message is not None:
            check(error.error.message == message, f"expected message {message!r}, got {error.error.message!r}")
        return error
    fail(f"expected {code}, the call succeeded")


def key_values(result):
    """{keyName: value} of a listKeys answer. The SDK's models are mappings, whose `keys` is
    the mapping's method, so the wire names are read instead."""
    return {key["keyName"]: key["value"] for key in result["keys"]}
