"""Lambda image functions (`PackageType: Image`) in the simulator's ECR, run in their image on
runc (`--workloads oci`): the busybox image (scripts/images) with a layer holding a shell
`bootstrap` that speaks the Lambda Runtime API with busybox wget, pushed to ECR with skopeo.

boto3 and the aws CLI: CreateFunction refuses an image URI without a tag and an image ECR does
not hold, with Lambda's messages; GetFunction shows the image pinned to its digest; Invoke
answers what the bootstrap posted (the event, its working directory, a file only the image
holds, its user and arguments); `/error` gives `FunctionError: Unhandled` with the posted
document; ImageConfig overrides the image's entrypoint, command and working directory; the
function keeps running the digest it was created with when the tag moves, until
UpdateFunctionCode; the root is read-only and /tmp writable.

With the argument `process` (`--workloads process`), the control plane works and Invoke answers
ServiceException saying image functions need the OCI runtime."""
import json
import os
import subprocess
import sys
import tempfile

from common import aws, check, client, done, unique
from ecr_common import extend_layout, password, registry_host, skopeo
from lambda_helpers import invoke, role

mode = sys.argv[1]
ecr = client("ecr")
lam = client("lambda")
logs = client("logs")

BOOTSTRAP = r"""#!/bin/sh
# A Lambda custom runtime in busybox sh: the Runtime API through wget.
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
echo "init in $(pwd) as $(id -u)"
while :; do
  wget -q -S -O /tmp/event "$api/invocation/next" 2>/tmp/headers || exit 1
  id=$(tr -d '\r' </tmp/headers | sed -n 's/^ *[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *//p')
  event=$(cat /tmp/event)
  case "$event" in
    *'"fail"'*)
      wget -q -O /dev/null --header "Lambda-Runtime-Function-Error-Type: Unhandled" \
        --post-data '{"errorMessage":"asked to fail","errorType":"BusyboxError"}' "$api/invocation/$id/error";;
    *)
      if touch /var/task/written 2>/dev/null; then root=writable; else root=read-only; fi
      body="{\"event\":$event,\"cwd\":\"$(pwd)\",\"marker\":\"$(cat /var/task/marker)\",\"uid\":\"$(id -u)\",\"args\":\"$*\",\"root\":\"$root\",\"task_root\":\"$LAMBDA_TASK_ROOT\"}"
      wget -q -O /dev/null --post-data "$body" "$api/invocation/$id/response";;
  esac
done
"""

layout = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
tag = os.environ["SOCKERLESS_BUSYBOX_TAG"]
built = tempfile.mkdtemp(prefix="lambda-image-")
config = {"Entrypoint": ["/var/task/bootstrap"], "Cmd": ["from-image-cmd"], "WorkingDir": "/var/task"}
for marker in ["one", "two"]:
    extend_layout(layout, tag, built, marker, {
        "var/task/bootstrap": (BOOTSTRAP.encode(), 0o755),
        "var/task/marker": (marker.encode(), 0o644),
    }, config)

name = unique("fn") + "/runtime"
repository = ecr.create_repository(repositoryName=name)["repository"]
uri = repository["repositoryUri"]
secret = password()


def push(source_tag, dest_tag):
    skopeo("copy", "--dest-creds", f"AWS:{secret}", "--dest-tls-verify=false",
           f"oci:{built}:{source_tag}", f"docker://{registry_host()}/{name}:{dest_tag}")
    return ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": dest_tag}])["imageDetails"][0]["imageDigest"]


first_digest = push("one", "v1")
role_arn = role()


def expect_invalid(message, call, **kwargs):
    try:
        call(**kwargs)
    except lam.exceptions.InvalidParameterValueException as error:
        check(error.response["Error"]["Message"] == message, f"message: {error.response['Error']}")
        check(error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response["ResponseMetadata"])
        return
    check(False, f"{call.__name__} succeeded, expected InvalidParameterValueException: {message}")


function = unique("image-fn")
expect_invalid(f"Source image {uri}:nope does not exist. Provide a valid source image.", lam.create_function,
               FunctionName=function, PackageType="Image", Code={"ImageUri": f"{uri}:nope"}, Role=role_arn)
expect_invalid(f"Source image {uri} is not valid. Provide a valid source image.", lam.create_function,
               FunctionName=function, PackageType="Image", Code={"ImageUri": uri}, Role=role_arn)
check(lam.list_functions()["Functions"] == [], "a refused function was created")

created = lam.create_function(FunctionName=function, PackageType="Image", Code={"ImageUri": f"{uri}:v1"},
                              Role=role_arn, Timeout=10)
lam.get_waiter("function_active_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
check(created["PackageType"] == "Image" and "Runtime" not in created and "Handler" not in created, created)
check(created["CodeSha256"] == first_digest.split(":")[1] and created["CodeSize"] == 0,
      f"the image's digest as CodeSha256: {created['CodeSha256']} {created['CodeSize']} vs {first_digest}")
got = lam.get_function(FunctionName=function)
check(got["Code"] == {"RepositoryType": "ECR", "ImageUri": f"{uri}:v1", "ResolvedImageUri": f"{uri}@{first_digest}"},
      f"GetFunction's Code: {got['Code']}")
check("ImageConfigResponse" not in got["Configuration"], got["Configuration"])
expect_invalid("Please provide ImageUri when updating a function with packageType Image.",
               lam.update_function_code, FunctionName=function, ZipFile=b"PK\x05\x06" + b"\0" * 18)

if mode == "process":
    try:
        lam.invoke(FunctionName=function, Payload=b"{}")
        check(False, "an image function ran under --workloads process")
    except lam.exceptions.ServiceException as error:
        message = error.response["Error"]["Message"]
        check("--workloads oci or auto" in message and error.response["ResponseMetadata"]["HTTPStatusCode"] == 500,
              error.response)
    done("lambda_oci_image process")
    sys.exit(0)

answer, body = invoke(lam, function, {"hello": "image"})
check("FunctionError" not in answer and answer["StatusCode"] == 200, answer)
check(body == {"event": {"hello": "image"}, "cwd": "/var/task", "marker": "one", "uid": "993", "args": "from-image-cmd",
               "root": "read-only", "task_root": "/var/task"}, f"what the bootstrap posted: {body}")

answer, body = invoke(lam, function, {"fail": True})
check(answer.get("FunctionError") == "Unhandled" and answer["StatusCode"] == 200, answer)
check(body == {"errorMessage": "asked to fail", "errorType": "BusyboxError"}, f"the posted error: {body}")

# ImageConfig overrides the image's config; the environment is new, the image the same.
image_config = {"EntryPoint": ["/bin/sh", "/var/task/bootstrap"], "Command": ["via", "config"], "WorkingDirectory": "/tmp"}
updated = lam.update_function_configuration(FunctionName=function, ImageConfig=image_config)
check(updated["ImageConfigResponse"] == {"ImageConfig": image_config}, updated.get("ImageConfigResponse"))
lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
_, body = invoke(lam, function, {"n": 2})
check((body["cwd"], body["args"], body["marker"]) == ("/tmp", "via config", "one"), f"with ImageConfig: {body}")

# The tag moves: the function keeps its digest until its code is updated.
second_digest = push("two", "v1")
check(second_digest != first_digest, "the two images differ")
lam.update_function_configuration(FunctionName=function, ImageConfig={}, Environment={"Variables": {"ROUND": "3"}})
lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
_, body = invoke(lam, function, {"n": 3})
check((body["marker"], body["args"], body["cwd"]) == ("one", "from-image-cmd", "/var/task"),
      f"still the first digest, the image's own config: {body}")
updated = lam.update_function_code(FunctionName=function, ImageUri=f"{uri}:v1")
check(updated["CodeSha256"] == second_digest.split(":")[1], updated)
lam.get_waiter("function_updated_v2").wait(FunctionName=function, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
check(lam.get_function(FunctionName=function)["Code"]["ResolvedImageUri"] == f"{uri}@{second_digest}", "re-resolved")
_, body = invoke(lam, function, {"n": 4})
check(body["marker"] == "two", f"after UpdateFunctionCode: {body}")

# What the function printed reached its log group.
streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{function}")["logStreams"]
lines = [event["message"] for stream in streams
         for event in logs.get_log_events(logGroupName=f"/aws/lambda/{function}",
                                          logStreamName=stream["logStreamName"], startFromHead=True)["events"]]
check("init in /var/task as 993" in lines and "init in /tmp as 993" in lines, f"the function's log: {lines}")

# The aws CLI: create, get and invoke an image function.
cli_function = unique("image-cli")
made = aws("lambda", "create-function", "--function-name", cli_function, "--package-type", "Image",
           "--code", f"ImageUri={uri}@{first_digest}", "--role", role_arn,
           "--image-config", json.dumps({"Command": ["from", "cli"]}))
check(made["PackageType"] == "Image" and made["ImageConfigResponse"] == {"ImageConfig": {"Command": ["from", "cli"]}}, made)
aws("lambda", "wait", "function-active-v2", "--function-name", cli_function)
shown = aws("lambda", "get-function", "--function-name", cli_function)
check(shown["Code"]["ResolvedImageUri"] == f"{uri}@{first_digest}", shown["Code"])
out = os.path.join(built, "cli-answer.json")
result = aws("lambda", "invoke", "--function-name", cli_function,
             "--payload", '{"from": "cli"}', out)
check(result["StatusCode"] == 200 and "FunctionError" not in result, result)
with open(out) as f:
    body = json.load(f)
check((body["event"], body["args"], body["marker"]) == ({"from": "cli"}, "from cli", "one"), f"the CLI's answer: {body}")
aws("lambda", "get-function", "--function-name", f"{cli_function}-missing", expect_error="ResourceNotFoundException")
stderr = aws("lambda", "create-function", "--function-name", unique("image-cli"), "--package-type", "Image",
             "--code", f"ImageUri={uri}:missing", "--role", role_arn, expect_error="InvalidParameterValueException")
check(f"Source image {uri}:missing does not exist. Provide a valid source image." in stderr, stderr)
done("lambda_oci_image")
