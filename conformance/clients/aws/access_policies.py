"""The policy grammar through IAM: permission policies (CreatePolicy, PutRolePolicy) and trust
policies (CreateRole, UpdateAssumeRolePolicy) that AWS refuses are refused with
MalformedPolicyDocument and AWS's own message; the documents AWS accepts are stored and read
back as written."""
import json
import urllib.parse

from common import check, client, done, fail, unique

import botocore.exceptions

iam = client("iam")
BUCKET = "arn:aws:s3:::example_bucket"


def statement(**changes):
    base = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}
    for key, value in changes.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def v12(statements):
    return {"Version": "2012-10-17", "Statement": statements}


SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"
IDENTITY_CASES = [
    ({"Statement": statement()}, "Policy document must be version 2012-10-17 or greater."),
    ({"Version": "2013-10-17", "Statement": statement()}, SYNTAX),
    ({}, SYNTAX),
    ({"Version": "2012-10-17"}, SYNTAX),
    (v12([]), SYNTAX),
    (v12(statement(Effect="invalid")), SYNTAX),
    (v12(statement(Action="invalid")), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (v12(statement(Action="a a:ListBucket")), "Vendor a a is not valid"),
    (v12(statement(Action="s3:List:Bucket")), "Actions/Condition can contain only one colon."),
    (v12(statement(Resource="invalid resource")), 'Resource invalid resource must be in ARN format or "*".'),
    (v12(statement(Resource="aws:s3:::example_bucket")), 'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".'),
    (v12(statement(Resource=None)), "Policy statement must contain resources."),
    (v12(statement(Action=None)), "Policy statement must contain actions."),
    (v12(statement(Resource="arn:aws:s3::example_bucket")), LEGACY),
    (v12(statement(Effect="denY")), LEGACY),
    (v12(statement(Condition={"DateGreaterThan": {"a": "sdfdsf"}})), LEGACY),
    (v12(statement(Resource="arn:aws")), "Resource vendor must be fully qualified and cannot contain regexes."),
    (v12(statement(Resource="arn:aws:iam:us-east-1::example_bucket")),
     "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."),
    (v12(statement(Resource="arn:aws:s3:us-east-1::example_bucket")),
     "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."),
    (v12([statement(Sid="same"), statement(Sid="same")]), "Statement IDs (SID) in a single policy must be unique."),
    (v12(statement(NotResource="*")), SYNTAX),
    (v12(statement(Condition={"x": {"a": "1"}})), SYNTAX),
    (v12(statement(Principal={"AWS": "*"})), "Policy document should not specify a principal."),
]
TRUST_CASES = [
    ({}, "Missing required field Statement"),
    (v12([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]), "Has prohibited field Resource"),
    (v12([{"Effect": "Allow", "Action": "sts:AssumeRole"}]), "Missing required field Principal"),
    (v12([{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "s3:GetObject"}]),
     "AssumeRole policy may only specify STS AssumeRole actions."),
    (v12([{"Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "sts:AssumeRole"}]), 'Invalid principal in policy: "AWS":"alice"'),
]


def refused(call, message, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = (error.response["Error"]["Code"], error.response["Error"]["Message"])
        check(got == ("MalformedPolicyDocument", message), f"{kwargs}: expected {message!r}, got {got}")
        return
    fail(f"accepted, expected MalformedPolicyDocument {message!r}: {kwargs}")


for document, message in IDENTITY_CASES:
    refused(iam.create_policy, message, PolicyName=unique("p"), PolicyDocument=json.dumps(document))
refused(iam.create_policy, SYNTAX, PolicyName=unique("p"), PolicyDocument="This is not a json document")
role = iam.create_role(RoleName=unique("grammar"), AssumeRolePolicyDocument=json.dumps(
    v12([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}])))["Role"]
refused(iam.put_role_policy, "Policy statement must contain actions.", RoleName=role["RoleName"], PolicyName="inline",
        PolicyDocument=json.dumps(v12(statement(Action=None))))
for document, message in TRUST_CASES:
    refused(iam.create_role, message, RoleName=unique("t"), AssumeRolePolicyDocument=json.dumps(document))
    refused(iam.update_assume_role_policy, message, RoleName=role["RoleName"], PolicyDocument=json.dumps(document))
refused(iam.create_role, "This policy contains invalid Json", RoleName=unique("t"), AssumeRolePolicyDocument="{")

# What AWS accepts is stored and read back as written.
accepted = json.dumps(v12([
    {"Sid": "OwnHome", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": "arn:aws:s3:::bucket/home/${aws:username}/*"},
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": False}, "NumericLessThan": {"s3:max-keys": 10}}}]))
arn = iam.create_policy(PolicyName=unique("ok"), PolicyDocument=accepted)["Policy"]["Arn"]
stored = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
if isinstance(stored, str):
    stored = json.loads(urllib.parse.unquote(stored))
check(stored == json.loads(accepted), f"the document reads back as written: {stored}")
iam.update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=json.dumps({"Version": "2008-10-17", "Statement": {
    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}}))
done("policy grammar")
