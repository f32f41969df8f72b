"""Lambda deployment packages read from the simulator's own S3: CreateFunction with
Code.S3Bucket/S3Key runs the zip that was uploaded (CodeSha256 is the object's SHA-256),
S3ObjectVersion picks an older version of a versioned object, UpdateFunctionCode from S3 swaps
the code, PublishLayerVersion from S3 makes a layer the function sees, and a missing bucket,
key or version answers InvalidParameterValueException with the message Lambda quotes from S3."""
import base64
import hashlib

from common import check, client, done, unique
from lambda_helpers import invoke, role, zip_of

lam = client("lambda")
s3 = client("s3")
role_arn = role()

bucket = unique("code")
s3.create_bucket(Bucket=bucket)
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
first = zip_of({"app.py": "def handler(event, context):\n    return {'which': 'first'}\n"})
second = zip_of({"app.py": "def handler(event, context):\n    return {'which': 'second'}\n"})
v1 = s3.put_object(Bucket=bucket, Key="pkg/app.zip", Body=first)["VersionId"]
s3.put_object(Bucket=bucket, Key="pkg/app.zip", Body=second)

def sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()

def wait_active(name):
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

def wait_updated(name):
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

# The newest version of the object, then an older one by S3ObjectVersion.
name = unique("from-s3")
created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                              Code={"S3Bucket": bucket, "S3Key": "pkg/app.zip"})
check(created["CodeSha256"] == sha(second) and created["CodeSize"] == len(second), f"code digest: {created['CodeSha256']}")
wait_active(name)
_, body = invoke(lam, name)
check(body == {"which": "second"}, f"ran: {body}")
old = unique("from-s3-v1")
created = lam.create_function(FunctionName=old, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                              Code={"S3Bucket": bucket, "S3Key": "pkg/app.zip", "S3ObjectVersion": v1})
check(created["CodeSha256"] == sha(first), "S3ObjectVersion was not the version read")
wait_active(old)
_, body = invoke(lam, old)
check(body == {"which": "first"}, f"older version ran: {body}")
done("CreateFunction from S3, with and without S3ObjectVersion")

# UpdateFunctionCode from S3.
third = zip_of({"app.py": "def handler(event, context):\n    return {'which': 'third'}\n"})
s3.put_object(Bucket=bucket, Key="third.zip", Body=third)
updated = lam.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="third.zip")
check(updated["CodeSha256"] == sha(third), "UpdateFunctionCode digest")
wait_updated(name)
_, body = invoke(lam, name)
check(body == {"which": "third"}, f"updated code ran: {body}")
done("UpdateFunctionCode from S3")

# A layer from S3, seen by a function.
layer_zip = zip_of({"layer.txt": "from s3"})
s3.put_object(Bucket=bucket, Key="layer.zip", Body=layer_zip)
layer = lam.publish_layer_version(LayerName=unique("layer"), Content={"S3Bucket": bucket, "S3Key": "layer.zip"})
check(layer["Content"]["CodeSha256"] == sha(layer_zip) and layer["Content"]["CodeSize"] == len(layer_zip), "layer digest")
with_layer = unique("with-layer")
lam.create_function(FunctionName=with_layer, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                    Layers=[layer["LayerVersionArn"]], Code={"ZipFile": zip_of({"app.py": (
                        "import os\n"
                        "def handler(event, context):\n"
                        "    opt = os.environ.get('_SOCKERLESS_OPT', '/opt')\n"
                        "    return open(os.path.join(opt, 'layer.txt')).read()\n")})})
wait_active(with_layer)
_, body = invoke(lam, with_layer)
check(body == "from s3", f"layer content: {body}")
done("PublishLayerVersion from S3")

# AWS's errors, quoted from S3.
def invalid(call, message, **kwargs):
    try:
        call(**kwargs)
    except lam.exceptions.InvalidParameterValueException as error:
        got = error.response["Error"]["Message"]
        check(got == message, f"message: {got!r}, expected {message!r}")
        return
    check(False, f"{call.__name__} succeeded, expected InvalidParameterValueException")

base = dict(Runtime="python3.12", Role=role_arn, Handler="app.handler")
invalid(lam.create_function, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        FunctionName=unique("nokey"), Code={"S3Bucket": bucket, "S3Key": "missing.zip"}, **base)
invalid(lam.create_function, "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
        FunctionName=unique("nobucket"), Code={"S3Bucket": unique("absent"), "S3Key": "a.zip"}, **base)
invalid(lam.update_function_code, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        FunctionName=name, S3Bucket=bucket, S3Key="missing.zip")
invalid(lam.publish_layer_version, "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        LayerName=unique("layer"), Content={"S3Bucket": bucket, "S3Key": "missing.zip"})
s3.put_object(Bucket=bucket, Key="not-a-zip", Body=b"plain text")
invalid(lam.create_function, "Could not unzip uploaded file. Please check your file, then try to upload again.",
        FunctionName=unique("notzip"), Code={"S3Bucket": bucket, "S3Key": "not-a-zip"}, **base)
_, body = invoke(lam, name)
check(body == {"which": "third"}, "a failed update changed the code")
done("errors quoted from S3")
