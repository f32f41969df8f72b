"""Shared pieces of the Lambda scenarios: zips built in memory, an execution role, waiters."""
import io
import json
import zipfile

from common import client, unique

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def zip_of(files):
    """A zip of {name: text}; names ending in `bootstrap` are executable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name.endswith("bootstrap") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def role():
    iam = client("iam")
    name = unique("lambda-role")
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def create(lam, name, role_arn, files, runtime="python3.12", handler="app.handler", **extra):
    created = lam.create_function(FunctionName=name, Runtime=runtime, Role=role_arn, Handler=handler,
                                  Code={"ZipFile": zip_of(files)}, **extra)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return created


def invoke(lam, name, payload=None, **extra):
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}), **extra)
    body = answer["Payload"].read()
    return answer, json.loads(body) if body else None
