"""--enforce-iam with resource policies: within one account a request is allowed when the
caller's identity policies or the resource's own policy allow it and nothing denies it
explicitly; a KMS key policy must allow (alone, or by delegating to the account's IAM policies).
Shown on S3 bucket policies, Lambda function policies (AddPermission), ECR repository policies,
Secrets Manager resource policies and KMS key policies, with AWS's codes and exact messages.
The simulator was started with --enforce-iam and ADMIN:adminsecret (the account root)."""
import io
import json
import os
import zipfile

import boto3
import botocore.config
import botocore.exceptions

from common import check, done, fail, unique

ACCOUNT = "123456789012"
endpoint = os.environ["AWS_ENDPOINT_URL"]
config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
admin = boto3.Session(aws_access_key_id="ADMIN", aws_secret_access_key="adminsecret", region_name="us-east-1")
iam = admin.client("iam", endpoint_url=endpoint, config=config)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def user(name, *statements):
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
    return f"arn:aws:iam::{ACCOUNT}:user/{name}", lambda service: session.client(service, endpoint_url=endpoint, config=config)


def denied(call, code, message, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = (error.response["Error"]["Code"], error.response["Error"]["Message"])
        check(got == (code, message), f"{getattr(call, '__name__', call)}: expected {(code, message)}, got {got}")
        return
    fail(f"{getattr(call, '__name__', call)} succeeded, expected {code}")


def no_identity(arn, action, resource, quote=False):
    shown = f'"{resource}"' if quote else resource
    return f"User: {arn} is not authorized to perform: {action} on resource: {shown} because no identity-based policy allows the {action} action"


def explicit(arn, action, resource, quote=False):
    shown = f'"{resource}"' if quote else resource
    return f"User: {arn} is not authorized to perform: {action} on resource: {shown} with an explicit deny in a resource-based policy"


alice_arn, alice = user(unique("alice"))
bob_arn, bob = user(unique("bob"), {"Effect": "Allow", "Action": ["s3:*", "secretsmanager:*", "kms:*", "lambda:*"], "Resource": "*"})

# S3: a bucket policy naming the user grants by itself; a deny in it wins over bob's s3:*.
s3 = admin.client("s3", endpoint_url=endpoint, config=config)
bucket = unique("policy-bucket")
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
object_arn = f"arn:aws:s3:::{bucket}/doc.txt"
denied(alice("s3").get_object, "AccessDenied", no_identity(alice_arn, "s3:GetObject", object_arn, quote=True), Bucket=bucket, Key="doc.txt")
s3.put_bucket_policy(Bucket=bucket, Policy=doc(
    {"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
    {"Effect": "Deny", "Principal": {"AWS": bob_arn}, "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
))
check(alice("s3").get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello", "bucket policy grant")
denied(alice("s3").put_object, "AccessDenied", no_identity(alice_arn, "s3:PutObject", object_arn, quote=True), Bucket=bucket, Key="doc.txt", Body=b"x")
check(bob("s3").get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello", "identity grant beside a bucket policy")
denied(bob("s3").delete_object, "AccessDenied", explicit(bob_arn, "s3:DeleteObject", object_arn, quote=True), Bucket=bucket, Key="doc.txt")
# A statement naming the account only delegates to the account's IAM policies.
s3.put_bucket_policy(Bucket=bucket, Policy=doc(
    {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
denied(alice("s3").get_object, "AccessDenied", no_identity(alice_arn, "s3:GetObject", object_arn, quote=True), Bucket=bucket, Key="doc.txt")
# The root is denied by an explicit deny in its own bucket's policy.
s3.put_bucket_policy(Bucket=bucket, Policy=doc(
    {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
denied(s3.get_object, "AccessDenied", explicit(f"arn:aws:iam::{ACCOUNT}:root", "s3:GetObject", object_arn, quote=True), Bucket=bucket, Key="doc.txt")
s3.delete_bucket_policy(Bucket=bucket)
done("S3 bucket policies")

# Lambda: AddPermission lets alice invoke; bob's lambda:* is stopped by nothing.
lam = admin.client("lambda", endpoint_url=endpoint, config=config)
role_arn = iam.create_role(RoleName=unique("fn-role"), AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
package = io.BytesIO()
with zipfile.ZipFile(package, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\n    return 'ran'\n")
name = unique("guarded")
lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler", Code={"ZipFile": package.getvalue()})
lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
denied(alice("lambda").invoke, "AccessDeniedException", no_identity(alice_arn, "lambda:InvokeFunction", function_arn), FunctionName=name)
lam.add_permission(FunctionName=name, StatementId="alice", Action="lambda:InvokeFunction", Principal=alice_arn)
answer = alice("lambda").invoke(FunctionName=name)
check(json.loads(answer["Payload"].read()) == "ran", "function policy grant")
denied(alice("lambda").get_function, "AccessDeniedException", no_identity(alice_arn, "lambda:GetFunction", function_arn), FunctionName=name)
lam.remove_permission(FunctionName=name, StatementId="alice")
denied(alice("lambda").invoke, "AccessDeniedException", no_identity(alice_arn, "lambda:InvokeFunction", function_arn), FunctionName=name)
done("Lambda function policies")

# ECR: a repository policy lets alice list images.
ecr = admin.client("ecr", endpoint_url=endpoint, config=config)
repo = unique("repo")
repo_arn = ecr.create_repository(repositoryName=repo)["repository"]["repositoryArn"]
denied(alice("ecr").list_images, "AccessDeniedException", no_identity(alice_arn, "ecr:ListImages", repo_arn), repositoryName=repo)
ecr.set_repository_policy(repositoryName=repo, policyText=doc(
    {"Sid": "alice", "Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": ["ecr:ListImages"]}))
check(alice("ecr").list_images(repositoryName=repo)["imageIds"] == [], "repository policy grant")
done("ECR repository policies")

# Secrets Manager: a resource policy grants alice, denies bob; the secret is named by name.
sm = admin.client("secretsmanager", endpoint_url=endpoint, config=config)
secret = sm.create_secret(Name=unique("guarded"), SecretString="s3cr3t")
denied(alice("secretsmanager").get_secret_value, "AccessDeniedException",
       no_identity(alice_arn, "secretsmanager:GetSecretValue", secret["ARN"]), SecretId=secret["Name"])
sm.put_resource_policy(SecretId=secret["Name"], ResourcePolicy=doc(
    {"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
    {"Effect": "Deny", "Principal": {"AWS": bob_arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
check(alice("secretsmanager").get_secret_value(SecretId=secret["Name"])["SecretString"] == "s3cr3t", "secret policy grant")
denied(bob("secretsmanager").get_secret_value, "AccessDeniedException",
       explicit(bob_arn, "secretsmanager:GetSecretValue", secret["ARN"]), SecretId=secret["ARN"])
check(bob("secretsmanager").describe_secret(SecretId=secret["Name"])["ARN"] == secret["ARN"], "bob's identity policy still allows the rest")
done("Secrets Manager resource policies")

# KMS: the default key policy delegates to IAM (bob's kms:* works, alice has nothing); a key
# whose policy names alice alone serves alice and refuses bob whatever his IAM policy says.
kms = admin.client("kms", endpoint_url=endpoint, config=config)
default_key = kms.create_key()["KeyMetadata"]
check(bob("kms").encrypt(KeyId=default_key["KeyId"], Plaintext=b"x")["KeyId"] == default_key["Arn"], "delegated by the default key policy")
denied(alice("kms").encrypt, "AccessDeniedException", no_identity(alice_arn, "kms:Encrypt", default_key["Arn"]), KeyId=default_key["KeyId"], Plaintext=b"x")
alice_key = kms.create_key(BypassPolicyLockoutSafetyCheck=True, Policy=doc(
    {"Sid": "alice", "Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]
check(alice("kms").encrypt(KeyId=alice_key["Arn"], Plaintext=b"x")["KeyId"] == alice_key["Arn"], "granted by the key policy alone")
denied(bob("kms").encrypt, "AccessDeniedException",
       f"User: {bob_arn} is not authorized to perform: kms:Encrypt on resource: {alice_key['Arn']} because no resource-based policy allows the kms:Encrypt action",
       KeyId=alice_key["KeyId"], Plaintext=b"x")
denied(kms.describe_key, "AccessDeniedException",
       f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:DescribeKey on resource: {alice_key['Arn']} because no resource-based policy allows the kms:DescribeKey action",
       KeyId=alice_key["KeyId"])
done("KMS key policies")
