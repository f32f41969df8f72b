"""--enforce-iam: every request is authorized by IAM policy evaluation. The simulator was started
with --enforce-iam and the key ADMIN:adminsecret (the account root, allowed everything). The
admin makes roles whose sessions then call Logs (JSON), ECS (JSON) and IAM (query): what their
policies allow passes, everything else is refused with AWS's code and AWS's exact message,
naming the action, the resource and the reason (no identity-based policy, an explicit deny, a
permissions boundary, a session policy)."""
import json
import os

import boto3
import botocore.config
import botocore.exceptions

from common import check, done, fail, unique

ACCOUNT = "123456789012"
endpoint = os.environ["AWS_ENDPOINT_URL"]
config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
admin = boto3.Session(aws_access_key_id="ADMIN", aws_secret_access_key="adminsecret", region_name="us-east-1")
iam = admin.client("iam", endpoint_url=endpoint, config=config)
sts = admin.client("sts", endpoint_url=endpoint, config=config)
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def role(name, *statements, boundary=None):
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName=name, PolicyName="permissions", PolicyDocument=policy(*statements))
    if boundary:
        iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def session(role_arn, name="ss", **extra):
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=name, **extra)["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name="us-east-1")


def denied(call, code, message, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = (error.response["Error"]["Code"], error.response["Error"]["Message"])
        check(got == (code, message), f"{getattr(call, '__name__', call)}: expected {(code, message)}, got {got}")
        return
    fail(f"{getattr(call, '__name__', call)} succeeded, expected {code}")


# The admin key is the account root: everything is allowed, and it is who it says.
check(sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root", "the admin key is the account root")
admin.client("logs", endpoint_url=endpoint, config=config).create_log_group(logGroupName=unique("/admin"))

# A user whose only policy allows logs:Describe*, through a group: its access key signs its
# requests (strict authentication), and it lists log groups but may create none.
user_name = unique("alice")
iam.create_user(UserName=user_name)
group_name = unique("readers")
iam.create_group(GroupName=group_name)
iam.put_group_policy(GroupName=group_name, PolicyName="describe",
                     PolicyDocument=policy({"Effect": "Allow", "Action": "logs:Describe*", "Resource": "*"}))
iam.add_user_to_group(GroupName=group_name, UserName=user_name)
key = iam.create_access_key(UserName=user_name)["AccessKey"]
alice = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
alice_arn = f"arn:aws:iam::{ACCOUNT}:user/{user_name}"
check(alice.client("sts", endpoint_url=endpoint, config=config).get_caller_identity()["Arn"] == alice_arn, "the key is the user's")
alice_logs = alice.client("logs", endpoint_url=endpoint, config=config)
alice_logs.describe_log_groups()
group = unique("/app/alice")
denied(alice_logs.create_log_group, "AccessDeniedException",
       f"User: {alice_arn} is not authorized to perform: logs:CreateLogGroup on resource: "
       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:log-stream: "
       f"because no identity-based policy allows the logs:CreateLogGroup action",
       logGroupName=group)
# The user's own policy may allow more; an explicit deny in it wins over the group's allow.
iam.put_user_policy(UserName=user_name, PolicyName="own", PolicyDocument=policy(
    {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": f"arn:aws:logs:*:*:log-group:/home/${{aws:username}}/*"},
    {"Effect": "Deny", "Action": "logs:DescribeLogStreams", "Resource": "*"}))
alice_logs.create_log_group(logGroupName=f"/home/{user_name}/notes")
denied(alice_logs.describe_log_streams, "AccessDeniedException",
       f"User: {alice_arn} is not authorized to perform: logs:DescribeLogStreams on resource: "
       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/home/{user_name}/notes:log-stream: with an explicit deny in an identity-based policy",
       logGroupName=f"/home/{user_name}/notes")
wrong = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="not-the-secret", region_name="us-east-1")
try:
    wrong.client("logs", endpoint_url=endpoint, config=config).describe_log_groups()
    fail("a wrong secret was accepted")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "InvalidSignatureException", f"wrong secret: {error.response['Error']}")

# AssumeRole weighs the trust policy with the caller's own policies: a trust policy naming the
# user lets it in without an identity policy; one naming only the account delegates to the
# user's policies, which grant nothing here.
alice_sts = alice.client("sts", endpoint_url=endpoint, config=config)
named = iam.create_role(RoleName=unique("names-alice"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
alice_sts.assume_role(RoleArn=named, RoleSessionName="named")
delegated = iam.create_role(RoleName=unique("delegates"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
denied(alice_sts.assume_role, "AccessDenied",
       f"User: {alice_arn} is not authorized to perform: sts:AssumeRole on resource: {delegated}",
       RoleArn=delegated, RoleSessionName="delegated")
iam.put_user_policy(UserName=user_name, PolicyName="assume", PolicyDocument=policy(
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": delegated}))
alice_sts.assume_role(RoleArn=delegated, RoleSessionName="delegated")

# A role whose only policy allows logs:Describe*: it lists log groups, and nothing else.
reader_name = unique("reader")
reader = session(role(reader_name, {"Effect": "Allow", "Action": "logs:Describe*", "Resource": "*"}), "alice")
reader_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{reader_name}/alice"
check(reader.client("sts", endpoint_url=endpoint, config=config).get_caller_identity()["Arn"] == reader_arn,
      "GetCallerIdentity is never denied and names the session")
logs = reader.client("logs", endpoint_url=endpoint, config=config)
check(isinstance(logs.describe_log_groups()["logGroups"], list), "Describe* is allowed")
group = unique("/app/denied")
denied(logs.create_log_group, "AccessDeniedException",
       f"User: {reader_arn} is not authorized to perform: logs:CreateLogGroup on resource: "
       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:log-stream: "
       f"because no identity-based policy allows the logs:CreateLogGroup action",
       logGroupName=group)
denied(reader.client("ecs", endpoint_url=endpoint, config=config).list_clusters, "AccessDeniedException",
       f"User: {reader_arn} is not authorized to perform: ecs:ListClusters on resource: * "
       f"because no identity-based policy allows the ecs:ListClusters action")
denied(reader.client("iam", endpoint_url=endpoint, config=config).list_roles, "AccessDenied",
       f"User: {reader_arn} is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::{ACCOUNT}:role/ "
       f"because no identity-based policy allows the iam:ListRoles action")

# An explicit deny beats an allow.
denier_name = unique("denier")
denier = session(role(denier_name,
                      {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "logs:DeleteLogGroup", "Resource": "*"}))
denier_logs = denier.client("logs", endpoint_url=endpoint, config=config)
kept = unique("/app/kept")
denier_logs.create_log_group(logGroupName=kept)
denied(denier_logs.delete_log_group, "AccessDeniedException",
       f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{denier_name}/ss is not authorized to perform: logs:DeleteLogGroup on resource: "
       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{kept}:log-stream: with an explicit deny in an identity-based policy",
       logGroupName=kept)
check(any(g["logGroupName"] == kept for g in denier_logs.describe_log_groups(logGroupNamePrefix=kept)["logGroups"]),
      "the denied delete left the group in place")

# Resource-level permissions and policy variables: only groups under the session's own prefix.
scoped_name = unique("scoped")
role(scoped_name, {"Effect": "Allow", "Action": "logs:CreateLogGroup",
                   "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/team/${{aws:PrincipalTag/team}}/*"})
iam.tag_role(RoleName=scoped_name, Tags=[{"Key": "team", "Value": "red"}])
scoped_logs = session(f"arn:aws:iam::{ACCOUNT}:role/{scoped_name}").client("logs", endpoint_url=endpoint, config=config)
scoped_logs.create_log_group(logGroupName=unique("/team/red/app"))
blue = unique("/team/blue/app")
denied(scoped_logs.create_log_group, "AccessDeniedException",
       f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{scoped_name}/ss is not authorized to perform: logs:CreateLogGroup on resource: "
       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{blue}:log-stream: because no identity-based policy allows the logs:CreateLogGroup action",
       logGroupName=blue)

# A permissions boundary limits what an allow grants.
boundary = iam.create_policy(PolicyName=unique("logs-only"), PolicyDocument=policy(
    {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}))["Policy"]["Arn"]
bounded_name = unique("bounded")
bounded = session(role(bounded_name, {"Effect": "Allow", "Action": "*", "Resource": "*"}, boundary=boundary))
bounded.client("logs", endpoint_url=endpoint, config=config).describe_log_groups()
denied(bounded.client("ecs", endpoint_url=endpoint, config=config).list_clusters, "AccessDeniedException",
       f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{bounded_name}/ss is not authorized to perform: ecs:ListClusters on resource: * "
       f"because no permissions boundary allows the ecs:ListClusters action")

# A session policy narrows a session the same way.
wide_name = unique("wide")
wide = role(wide_name, {"Effect": "Allow", "Action": "*", "Resource": "*"})
narrowed = session(wide, "narrow", Policy=policy({"Effect": "Allow", "Action": "ecs:List*", "Resource": "*"}))
narrowed.client("ecs", endpoint_url=endpoint, config=config).list_clusters()
denied(narrowed.client("logs", endpoint_url=endpoint, config=config).describe_log_groups, "AccessDeniedException",
       f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{wide_name}/narrow is not authorized to perform: logs:DescribeLogGroups on resource: "
       f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group::log-stream: because no session policy allows the logs:DescribeLogGroups action")

# Conditions on request tags: creating a cluster is allowed only with team=red.
tagger_name = unique("tagger")
tagger = session(role(tagger_name, {"Effect": "Allow", "Action": "ecs:CreateCluster", "Resource": "*",
                                    "Condition": {"StringEquals": {"aws:RequestTag/team": "red"}}}))
tagger_ecs = tagger.client("ecs", endpoint_url=endpoint, config=config)
tagger_ecs.create_cluster(clusterName=unique("red"), tags=[{"key": "team", "value": "red"}])
denied(tagger_ecs.create_cluster, "AccessDeniedException",
       f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{tagger_name}/ss is not authorized to perform: ecs:CreateCluster on resource: * "
       f"because no identity-based policy allows the ecs:CreateCluster action",
       clusterName=unique("blue"), tags=[{"key": "team", "value": "blue"}])

# Enforcement implies strict authentication: an unknown key is refused before any policy.
stranger = boto3.Session(aws_access_key_id="AKIASTRANGER", aws_secret_access_key="x", region_name="us-east-1")
try:
    stranger.client("logs", endpoint_url=endpoint, config=config).describe_log_groups()
    fail("an unknown key was accepted")
except botocore.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "UnrecognizedClientException", f"unknown key: {error.response['Error']}")
done("enforce-iam")
