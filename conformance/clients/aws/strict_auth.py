"""--strict-auth: SigV4 signatures are verified as AWS verifies them. The simulator was started
with the key STRICTKEY:strictsecret. Right key, wrong secret, unknown key, unsigned requests and
temporary credentials, through the aws CLI and boto3, for query and json services."""
import json
import os

import boto3
import botocore.config
import botocore.exceptions

from common import aws, check, done, expect_code, unique

GOOD = {"AWS_ACCESS_KEY_ID": "STRICTKEY", "AWS_SECRET_ACCESS_KEY": "strictsecret"}
WRONG_SECRET = {"AWS_ACCESS_KEY_ID": "STRICTKEY", "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
UNKNOWN = {"AWS_ACCESS_KEY_ID": "AKIANOTKNOWN", "AWS_SECRET_ACCESS_KEY": "whatever"}

check(aws("sts", "get-caller-identity", env=GOOD)["Account"] == "123456789012", "the configured key works")
aws("sts", "get-caller-identity", env=WRONG_SECRET, expect_error="SignatureDoesNotMatch")
aws("sts", "get-caller-identity", env=UNKNOWN, expect_error="InvalidClientTokenId")
aws("ecs", "list-clusters", env=UNKNOWN, expect_error="UnrecognizedClientException")
aws("ecs", "list-clusters", env=WRONG_SECRET, expect_error="InvalidSignatureException")
aws("sts", "get-caller-identity", "--no-sign-request", env=GOOD, expect_error="MissingAuthenticationToken")
# Signatures cover query strings and bodies with characters that need encoding.
path = "/strict+plus=eq,comma/"
aws("iam", "list-roles", "--path-prefix", path, env=GOOD)
aws("iam", "create-role", "--role-name", unique("strict-unicode"), "--assume-role-policy-document", json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    "--description", "café ünïcode & <chars>", env=GOOD)
aws("ecs", "create-cluster", "--cluster-name", unique("strict"), "--tags", "key=team,value=ünï café", env=GOOD)


def session(access_key, secret, token=None):
    return boto3.Session(aws_access_key_id=access_key, aws_secret_access_key=secret, aws_session_token=token, region_name="us-east-1")


config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
endpoint = os.environ["AWS_ENDPOINT_URL"]
good = session("STRICTKEY", "strictsecret")
iam = good.client("iam", endpoint_url=endpoint, config=config)
role = iam.create_role(RoleName=unique("strict"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
credentials = good.client("sts", endpoint_url=endpoint, config=config).assume_role(RoleArn=role["Arn"], RoleSessionName="strict")["Credentials"]
temporary = session(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
check(temporary.client("sts", endpoint_url=endpoint, config=config).get_caller_identity()["Arn"].endswith("/strict"), "temporary credentials are accepted")
temporary.client("ecs", endpoint_url=endpoint, config=config).list_clusters()
forged = session(credentials["AccessKeyId"], credentials["SecretAccessKey"], "forged-token")
expect_code("InvalidClientTokenId", forged.client("sts", endpoint_url=endpoint, config=config).get_caller_identity)
expect_code("UnrecognizedClientException", forged.client("ecs", endpoint_url=endpoint, config=config).list_clusters)
wrong = session(credentials["AccessKeyId"], "wrong", credentials["SessionToken"])
expect_code("InvalidSignatureException", wrong.client("ecs", endpoint_url=endpoint, config=config).list_clusters)
done("strict auth")
