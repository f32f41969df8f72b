"""Accounts and STS: a 12-digit access key names its own account; a role's trust policy decides
who may assume it across accounts (by account, with an external ID, with session tags); STS's
limits (malformed role ARNs, durations, role chaining, session credentials that cannot make
sessions) answer AWS's codes and messages; federation tokens name federated users; packed
policy sizes appear only when a session policy or tags were passed."""
import json
import os

import boto3
import botocore.config
import botocore.exceptions

from common import check, done, fail, unique

endpoint = os.environ["AWS_ENDPOINT_URL"]
config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
A, B = "111111111111", "222222222222"


def account(key):
    return boto3.Session(aws_access_key_id=key, aws_secret_access_key="secret", region_name="us-east-1")


def from_credentials(credentials):
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name="us-east-1")


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    fail(f"{getattr(call, '__name__', call)} succeeded, expected an error")


def trust(principal, **extra):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": extra.pop("actions", "sts:AssumeRole")}
    statement.update(extra)
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


sts_a = account(A).client("sts", endpoint_url=endpoint, config=config)
sts_b = account(B).client("sts", endpoint_url=endpoint, config=config)
iam_a = account(A).client("iam", endpoint_url=endpoint, config=config)
check(sts_a.get_caller_identity()["Account"] == A, "a 12-digit key names its account")
check(sts_b.get_caller_identity()["Arn"] == f"arn:aws:iam::{B}:root", "the key is that account's root")

# Cross-account: account A trusts account B for one role, not for another.
shared = iam_a.create_role(RoleName=unique("shared"), AssumeRolePolicyDocument=trust(B))["Role"]
private = iam_a.create_role(RoleName=unique("private"), AssumeRolePolicyDocument=trust(A))["Role"]
answer = sts_b.assume_role(RoleArn=shared["Arn"], RoleSessionName="visitor")
check("PackedPolicySize" not in answer, f"no PackedPolicySize without a session policy: {answer.keys()}")
visitor = from_credentials(answer["Credentials"]).client("sts", endpoint_url=endpoint, config=config).get_caller_identity()
check(visitor["Account"] == A and visitor["Arn"] == f"arn:aws:sts::{A}:assumed-role/{shared['RoleName']}/visitor", f"{visitor}")
check(visitor["UserId"] == f"{shared['RoleId']}:visitor", f"user ID is ROLEID:session: {visitor}")
check(sts_b.get_access_key_info(AccessKeyId=answer["Credentials"]["AccessKeyId"])["Account"] == A,
      "GetAccessKeyInfo names the account a session key belongs to")
check(error_of(sts_b.assume_role, RoleArn=private["Arn"], RoleSessionName="xx") ==
      ("AccessDenied", f"User: arn:aws:iam::{B}:root is not authorized to perform: sts:AssumeRole on resource: {private['Arn']}"),
      "a role that does not trust the account refuses it")
check(error_of(sts_b.assume_role, RoleArn=f"arn:aws:iam::{A}:role/does-not-exist", RoleSessionName="xx")[0] == "AccessDenied",
      "a role that does not exist is AccessDenied")
check(error_of(sts_b.assume_role, RoleArn="arn:aws:iam::not-an-account:role/x", RoleSessionName="xx") ==
      ("ValidationError", "Request ARN is invalid"), "a malformed role ARN is a ValidationError")

# An external ID through a condition.
vendor = iam_a.create_role(RoleName=unique("vendor"), AssumeRolePolicyDocument=trust(
    f"arn:aws:iam::{B}:root", Condition={"StringEquals": {"sts:ExternalId": "shared-secret"}}))["Role"]
check(error_of(sts_b.assume_role, RoleArn=vendor["Arn"], RoleSessionName="vv")[0] == "AccessDenied", "no external ID")
check(error_of(sts_b.assume_role, RoleArn=vendor["Arn"], RoleSessionName="vv", ExternalId="wrong-id")[0] == "AccessDenied", "wrong external ID")
sts_b.assume_role(RoleArn=vendor["Arn"], RoleSessionName="vv", ExternalId="shared-secret")

# Session tags need sts:TagSession in the trust policy.
check(error_of(sts_b.assume_role, RoleArn=shared["Arn"], RoleSessionName="tt", Tags=[{"Key": "team", "Value": "red"}]) ==
      ("AccessDenied", f"User: arn:aws:iam::{B}:root is not authorized to perform: sts:TagSession on resource: {shared['Arn']}"),
      "tags without sts:TagSession")
taggable = iam_a.create_role(RoleName=unique("taggable"), AssumeRolePolicyDocument=trust(
    B, actions=["sts:AssumeRole", "sts:TagSession"]))["Role"]
tagged = sts_b.assume_role(RoleArn=taggable["Arn"], RoleSessionName="tt", Tags=[{"Key": "team", "Value": "red"}],
                           Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
check(isinstance(tagged.get("PackedPolicySize"), int) and 0 < tagged["PackedPolicySize"] <= 100, f"PackedPolicySize: {tagged.get('PackedPolicySize')}")

# Session policies must be policies.
code, message = error_of(sts_b.assume_role, RoleArn=shared["Arn"], RoleSessionName="pp",
                         Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "invalid", "Resource": "*"}]}))
check((code, message) == ("MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."), f"{code} {message}")
check(error_of(sts_b.assume_role, RoleArn=shared["Arn"], RoleSessionName="pp", Policy="{not json") ==
      ("MalformedPolicyDocument", "The policy is not in the valid JSON format."), "session policy that is not JSON")

# Durations: the role's maximum, and one hour when roles are chained.
check(error_of(sts_b.assume_role, RoleArn=shared["Arn"], RoleSessionName="dd", DurationSeconds=7200) ==
      ("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), "duration above the maximum")
iam_a.update_role(RoleName=private["RoleName"], MaxSessionDuration=7200)
iam_a.update_assume_role_policy(RoleName=private["RoleName"], PolicyDocument=trust(shared["Arn"]))
chained = from_credentials(answer["Credentials"]).client("sts", endpoint_url=endpoint, config=config)
check(error_of(chained.assume_role, RoleArn=private["Arn"], RoleSessionName="cc", DurationSeconds=7200) ==
      ("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."), "chaining limit")
hop = chained.assume_role(RoleArn=private["Arn"], RoleSessionName="hop")
check(hop["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{A}:assumed-role/{private['RoleName']}/hop", "a role named in a trust policy covers its sessions")
check(error_of(chained.get_session_token) == ("AccessDenied", "Cannot call GetSessionToken with session credentials"), "no session from a session")
check(error_of(chained.get_federation_token, Name="fed") == ("AccessDenied", "Cannot call GetFederationToken with session credentials"),
      "no federation from a session")

# Federated users.
federation = sts_a.get_federation_token(Name="carol", Policy=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
check(federation["FederatedUser"] == {"FederatedUserId": f"{A}:carol", "Arn": f"arn:aws:sts::{A}:federated-user/carol"}, f"{federation['FederatedUser']}")
fed = from_credentials(federation["Credentials"]).client("sts", endpoint_url=endpoint, config=config).get_caller_identity()
check(fed["Arn"] == f"arn:aws:sts::{A}:federated-user/carol" and fed["UserId"] == f"{A}:carol", f"{fed}")
token = sts_a.get_session_token(DurationSeconds=900)["Credentials"]
check(from_credentials(token).client("sts", endpoint_url=endpoint, config=config).get_caller_identity()["Arn"] == f"arn:aws:iam::{A}:root",
      "a session token acts as its owner")

# What the simulator cannot offer answers AWS's refusal, never a success.
check(error_of(sts_a.assume_root, TargetPrincipal=B, TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"})[0]
      == "AccessDenied", "AssumeRoot outside an organization")
check(error_of(sts_a.decode_authorization_message, EncodedMessage="garbage")[0] == "InvalidAuthorizationMessageException",
      "DecodeAuthorizationMessage of a message the simulator did not encode")

# moto's control API: reset-auth switches authentication on after N requests; reset empties.
import http.client
import urllib.parse

url = urllib.parse.urlparse(endpoint)


def post(path, body):
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("POST", path, body=body)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


check(post("/moto-api/reset-auth", "2") == (200, {"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "inf"}), "reset-auth answers as moto")
sts_a.get_caller_identity()
sts_a.get_caller_identity()
check(error_of(sts_a.get_caller_identity)[0] == "InvalidClientTokenId", "after the count, unknown keys are refused")
check(post("/moto-api/reset-auth", "inf") == (200, {"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "2.0"}), "reset-auth back to inf")
sts_a.get_caller_identity()
check(post("/moto-api/reset", "") == (200, {"status": "ok"}), "moto reset")
check(error_of(iam_a.get_role, RoleName=shared["RoleName"])[0] == "NoSuchEntity", "reset emptied IAM")
done("sts and accounts")
