"""STS through boto3: the same flows as the CLI scenario, plus a session built from assumed
credentials, expiry timestamps as datetimes, and server-side validation of a wrong type."""
import datetime
import json

import botocore.config

from common import check, client, done, expect_code, unique
import boto3
import os

sts = client("sts")
iam = client("iam")

identity = sts.get_caller_identity()
check(identity["Account"] == "123456789012", f"{identity}")
check(identity["ResponseMetadata"]["HTTPStatusCode"] == 200, "status")
check(len(identity["ResponseMetadata"]["RequestId"]) == 36, "request id is a UUID")

role = unique("sts-sdk-role")
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
created = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]
check(created["AssumeRolePolicyDocument"] == json.loads(trust), "trust policy round-trips")

before = datetime.datetime.now(datetime.timezone.utc)
assumed = sts.assume_role(RoleArn=created["Arn"], RoleSessionName="sdk", DurationSeconds=900)
expiration = assumed["Credentials"]["Expiration"]
check(isinstance(expiration, datetime.datetime), "Expiration parses as a timestamp")
lifetime = (expiration - before).total_seconds()
check(880 <= lifetime <= 920, f"900-second credentials expire in {lifetime}s")

session = boto3.Session(
    aws_access_key_id=assumed["Credentials"]["AccessKeyId"],
    aws_secret_access_key=assumed["Credentials"]["SecretAccessKey"],
    aws_session_token=assumed["Credentials"]["SessionToken"],
    region_name="us-east-1",
)
as_role = session.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).get_caller_identity()
check(as_role["Arn"].endswith(f":assumed-role/{role}/sdk"), f"{as_role}")

tokens = sts.get_session_token(DurationSeconds=3600)["Credentials"]
check(tokens["AccessKeyId"].startswith("ASIA") and len(tokens["SecretAccessKey"]) == 40, f"{tokens}")
check(sts.get_access_key_info(AccessKeyId=tokens["AccessKeyId"])["Account"] == "123456789012", "key info")

expect_code("AccessDenied", sts.assume_role, RoleArn="arn:aws:iam::123456789012:role/missing", RoleSessionName="ss")
expect_code("ValidationError", sts.assume_role, RoleArn=created["Arn"], RoleSessionName="ss", DurationSeconds=7200)

# Server-side validation: boto3's own checks are off, so the simulator sees the bad input.
unchecked = client("sts", config=botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"}))
expect_code("ValidationError", unchecked.assume_role, RoleArn=created["Arn"], RoleSessionName="ss", DurationSeconds="soon")
expect_code("ValidationError", unchecked.assume_role, RoleArn=created["Arn"])
done("sts sdk")
