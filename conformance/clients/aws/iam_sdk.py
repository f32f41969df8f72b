"""IAM through boto3: every implemented operation, with boto3's paginators driving the server's
Marker/MaxItems paging, error codes and HTTP statuses as botocore parses them, policy documents
decoded back into dicts, timestamps as datetimes, and STS acting as a created role."""
import datetime
import json
import os

import boto3
import botocore.exceptions

from common import check, client, done, fail, unique

ACCOUNT = "123456789012"
iam = client("iam")
sts = client("sts")
run = unique("iam-sdk")
path = f"/{run}/"


def trust_for(service):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def document(*actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


def expect(code, status, call, message=None, **kwargs):
    """Calls and checks the error's code, HTTP status and (when given) exact message."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        got = (error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
        check(got == (code, status), f"{call.__name__}: expected {code}/{status}, got {got}: {error}")
        if message is not None:
            check(error.response["Error"]["Message"] == message, f"{call.__name__}: message {error.response['Error']['Message']!r}, expected {message!r}")
        return
    fail(f"{call.__name__}({kwargs}) succeeded, expected {code}")


def paged(operation, field, page_size, **kwargs):
    """Every page of a listing, through boto3's paginator with the server paging."""
    pages = list(iam.get_paginator(operation).paginate(PaginationConfig={"PageSize": page_size}, **kwargs))
    for page in pages:
        check(len(page[field]) <= page_size, f"{operation}: page larger than {page_size}: {page}")
    return pages


trust = trust_for("ec2.amazonaws.com")

# --- Roles and ListRoles pagination. --------------------------------------------------------
names = [f"{run}-{letter}" for letter in "dbeac"]
created_roles = {}
for name in names:
    created_roles[name] = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust), Description=f"role {name}")["Role"]
outsider = iam.create_role(RoleName=f"{run}-outsider", Path=f"/{run}-elsewhere/", AssumeRolePolicyDocument=json.dumps(trust))["Role"]

pages = paged("list_roles", "Roles", 2, PathPrefix=path)
check([len(p["Roles"]) for p in pages] == [2, 2, 1], f"server pages of two: {[len(p['Roles']) for p in pages]}")
check([p["IsTruncated"] for p in pages] == [True, True, False], "IsTruncated on each page")
listed = [r["RoleName"] for p in pages for r in p["Roles"]]
check(listed == sorted(names), f"each role exactly once, by name: {listed}")
for page in pages:
    for role in page["Roles"]:
        check(isinstance(role["CreateDate"], datetime.datetime), "CreateDate is a timestamp")
        check(role["AssumeRolePolicyDocument"] == trust, f"listed trust policy decodes: {role}")
        check("Tags" not in role and "PermissionsBoundary" not in role, f"ListRoles leaves out Tags/boundary: {role}")

# Raw Marker/MaxItems, as terraform's SDK uses them.
first = iam.list_roles(PathPrefix=path, MaxItems=3)
second = iam.list_roles(PathPrefix=path, MaxItems=3, Marker=first["Marker"])
check(first["IsTruncated"] and not second["IsTruncated"] and "Marker" not in second, f"{second}")
check([r["RoleName"] for r in first["Roles"] + second["Roles"]] == sorted(names), "raw marker paging")

role = names[0]
got = iam.get_role(RoleName=role)["Role"]
check(got["AssumeRolePolicyDocument"] == trust, f"trust policy round-trips: {got['AssumeRolePolicyDocument']}")
check(got["RoleLastUsed"] == {}, f"RoleLastUsed: {got}")
check(got["RoleId"] == created_roles[role]["RoleId"], "role ID stable")
iam.update_role(RoleName=role, MaxSessionDuration=14400, Description="updated")
got = iam.get_role(RoleName=role)["Role"]
check((got["MaxSessionDuration"], got["Description"]) == (14400, "updated"), f"update_role: {got}")
check(iam.update_role_description(RoleName=role, Description="again")["Role"]["Description"] == "again", "update_role_description")
lambda_trust = trust_for("lambda.amazonaws.com")
iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(lambda_trust, indent=2))
check(iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] == lambda_trust, "update_assume_role_policy")

expect("NoSuchEntity", 404, iam.get_role, f"The role with name {run}-none cannot be found.", RoleName=f"{run}-none")
expect("EntityAlreadyExists", 409, iam.create_role, f"Role with name {role} already exists.", RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
expect("MalformedPolicyDocument", 400, iam.create_role, RoleName=f"{run}-bad", AssumeRolePolicyDocument="{")
expect("MalformedPolicyDocument", 400, iam.update_assume_role_policy, RoleName=role, PolicyDocument="not json")

iam.tag_role(RoleName=role, Tags=[{"Key": f"k{n:02}", "Value": str(n)} for n in range(5)])
tags = [t for p in paged("list_role_tags", "Tags", 2, RoleName=role) for t in p["Tags"]]
check([t["Key"] for t in tags] == [f"k{n:02}" for n in range(5)], f"role tags paged: {tags}")
expect("LimitExceeded", 409, iam.tag_role, RoleName=role, Tags=[{"Key": f"more{n}", "Value": "v"} for n in range(46)])
iam.untag_role(RoleName=role, TagKeys=[f"K{n:02}" for n in range(5)])
check(iam.list_role_tags(RoleName=role)["Tags"] == [], "untag is case-insensitive")

# --- Managed policies and versions. ---------------------------------------------------------
policy_name = f"{run}-policy"
v1 = document("sqs:SendMessage")
policy = iam.create_policy(PolicyName=policy_name, Path=path, PolicyDocument=json.dumps(v1), Description="sdk", Tags=[{"Key": "a", "Value": "1"}])["Policy"]
arn = policy["Arn"]
check(arn == f"arn:aws:iam::{ACCOUNT}:policy{path}{policy_name}", f"{arn}")
check(policy["PolicyId"].startswith("ANPA") and len(policy["PolicyId"]) == 21, f"{policy}")
check(policy["DefaultVersionId"] == "v1" and policy["AttachmentCount"] == 0 and policy["IsAttachable"], f"{policy}")
check(isinstance(policy["UpdateDate"], datetime.datetime), "UpdateDate")
expect("EntityAlreadyExists", 409, iam.create_policy, f"A policy called {policy_name} already exists. Duplicate names are not allowed.", PolicyName=policy_name, PolicyDocument=json.dumps(v1))
expect("MalformedPolicyDocument", 400, iam.create_policy, PolicyName=f"{run}-bad", PolicyDocument="nope")
expect("NoSuchEntity", 404, iam.get_policy, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/{run}-missing")
got_policy = iam.get_policy(PolicyArn=arn)["Policy"]
check(got_policy["Description"] == "sdk" and got_policy["Tags"] == [{"Key": "a", "Value": "1"}], f"{got_policy}")

bodies = {"v1": v1}
for n in range(2, 6):
    body = document("sqs:SendMessage", f"sqs:ReceiveMessage{n}")
    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(body), SetAsDefault=(n == 4))["PolicyVersion"]
    check(made["VersionId"] == f"v{n}" and made["IsDefaultVersion"] == (n == 4), f"{made}")
    bodies[made["VersionId"]] = body
expect("LimitExceeded", 409, iam.create_policy_version,
       "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
       PolicyArn=arn, PolicyDocument=json.dumps(v1))
check(iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v4", "default switched to v4")
for version_id, body in bodies.items():
    version = iam.get_policy_version(PolicyArn=arn, VersionId=version_id)["PolicyVersion"]
    check(version["Document"] == body, f"{version_id}: exact document back: {version['Document']}")
    check(version["IsDefaultVersion"] == (version_id == "v4"), f"{version_id} default flag")
listed_versions = [v for p in paged("list_policy_versions", "Versions", 2, PolicyArn=arn) for v in p["Versions"]]
check(sorted(v["VersionId"] for v in listed_versions) == ["v1", "v2", "v3", "v4", "v5"], f"{listed_versions}")
check([v["VersionId"] for v in listed_versions if v["IsDefaultVersion"]] == ["v4"], "one default version")
expect("DeleteConflict", 409, iam.delete_policy_version, "Cannot delete the default version of a policy.", PolicyArn=arn, VersionId="v4")
iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
check(iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2", "set_default_policy_version")
expect("NoSuchEntity", 404, iam.set_default_policy_version, PolicyArn=arn, VersionId="v7")

iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "b", "Value": "2"}])
policy_tags = [t for p in paged("list_policy_tags", "Tags", 1, PolicyArn=arn) for t in p["Tags"]]
check(policy_tags == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}], f"{policy_tags}")
iam.untag_policy(PolicyArn=arn, TagKeys=["a", "b"])
check(iam.list_policy_tags(PolicyArn=arn)["Tags"] == [], "untag_policy")

# --- AWS managed policies. ------------------------------------------------------------------
aws_names = [p["PolicyName"] for page in paged("list_policies", "Policies", 3, Scope="AWS") for p in page["Policies"]]
for expected in ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
                 "CloudWatchLogsFullAccess", "AmazonEC2ContainerRegistryReadOnly", "AmazonECS_FullAccess",
                 "AmazonECSTaskExecutionRolePolicy", "AWSLambdaBasicExecutionRole"]:
    check(aws_names.count(expected) == 1, f"{expected} listed once with Scope=AWS: {aws_names}")
# Beyond the built-in common ones: the whole set scripts/setup writes is loaded.
check(iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonRDSFullAccess")["Policy"]["PolicyName"] == "AmazonRDSFullAccess", "the whole set of AWS managed policies")
admin = "arn:aws:iam::aws:policy/AdministratorAccess"
admin_version = iam.get_policy_version(PolicyArn=admin, VersionId=iam.get_policy(PolicyArn=admin)["Policy"]["DefaultVersionId"])["PolicyVersion"]
check(admin_version["Document"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}], f"{admin_version}")
lambda_basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
check(iam.get_policy(PolicyArn=lambda_basic)["Policy"]["PolicyId"] == "ANPAJNCQGXC42545SKXIK", "AWS's policy ID")

# --- Attachments, inline policies and the conflicts they cause. -----------------------------
iam.attach_role_policy(RoleName=role, PolicyArn=arn)
iam.attach_role_policy(RoleName=role, PolicyArn=admin)
iam.attach_role_policy(RoleName=role, PolicyArn=lambda_basic)
missing = "arn:aws:iam::aws:policy/DoesNotExistAnywhere"
expect("NoSuchEntity", 404, iam.attach_role_policy, f"Policy {missing} does not exist or is not attachable.", RoleName=role, PolicyArn=missing)
attached = [a for p in paged("list_attached_role_policies", "AttachedPolicies", 2, RoleName=role) for a in p["AttachedPolicies"]]
check(sorted(a["PolicyArn"] for a in attached) == sorted([arn, admin, lambda_basic]), f"{attached}")
service_roles = iam.list_attached_role_policies(RoleName=role, PathPrefix="/service-role/")["AttachedPolicies"]
check(service_roles == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": lambda_basic}], f"{service_roles}")
check(iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1, "AttachmentCount")
only_attached = [p["Arn"] for page in paged("list_policies", "Policies", 50, Scope="Local", OnlyAttached=True, PathPrefix=path) for p in page["Policies"]]
check(only_attached == [arn], f"OnlyAttached: {only_attached}")
entities = [r for p in paged("list_entities_for_policy", "PolicyRoles", 1, PolicyArn=arn, EntityFilter="Role") for r in p["PolicyRoles"]]
check(entities == [{"RoleName": role, "RoleId": got["RoleId"]}], f"{entities}")

expect("DeleteConflict", 409, iam.delete_role, "Cannot delete entity, must detach all policies first.", RoleName=role)
expect("DeleteConflict", 409, iam.delete_policy, "Cannot delete a policy attached to entities.", PolicyArn=arn)

inline = document("dynamodb:GetItem")
iam.put_role_policy(RoleName=role, PolicyName="table", PolicyDocument=json.dumps(inline))
iam.put_role_policy(RoleName=role, PolicyName="another", PolicyDocument=json.dumps(inline))
read_back = iam.get_role_policy(RoleName=role, PolicyName="table")
check(read_back["PolicyDocument"] == inline, f"inline document decodes: {read_back}")
inline_names = [n for p in paged("list_role_policies", "PolicyNames", 1, RoleName=role) for n in p["PolicyNames"]]
check(inline_names == ["another", "table"], f"{inline_names}")
expect("NoSuchEntity", 404, iam.get_role_policy, "The role policy with name nothing cannot be found.", RoleName=role, PolicyName="nothing")

for policy_arn in [arn, admin, lambda_basic]:
    iam.detach_role_policy(RoleName=role, PolicyArn=policy_arn)
expect("NoSuchEntity", 404, iam.detach_role_policy, f"Policy {admin} was not found.", RoleName=role, PolicyArn=admin)
expect("DeleteConflict", 409, iam.delete_role, "Cannot delete entity, must delete policies first.", RoleName=role)

# --- Instance profiles. ---------------------------------------------------------------------
profiles = [f"{run}-profile-{n}" for n in range(3)]
for name in profiles:
    iam.create_instance_profile(InstanceProfileName=name, Path=path, Tags=[{"Key": "n", "Value": name}])
expect("EntityAlreadyExists", 409, iam.create_instance_profile, InstanceProfileName=profiles[0])
iam.add_role_to_instance_profile(InstanceProfileName=profiles[0], RoleName=role)
iam.add_role_to_instance_profile(InstanceProfileName=profiles[1], RoleName=role)
expect("LimitExceeded", 409, iam.add_role_to_instance_profile, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
       InstanceProfileName=profiles[0], RoleName=names[1])
profile = iam.get_instance_profile(InstanceProfileName=profiles[0])["InstanceProfile"]
check(profile["InstanceProfileId"].startswith("AIPA") and [r["RoleName"] for r in profile["Roles"]] == [role], f"{profile}")
check(profile["Roles"][0]["AssumeRolePolicyDocument"] == lambda_trust, "profile's role decodes")
listed_profiles = [p["InstanceProfileName"] for page in paged("list_instance_profiles", "InstanceProfiles", 2, PathPrefix=path) for p in page["InstanceProfiles"]]
check(listed_profiles == profiles, f"{listed_profiles}")
for_role = [p["InstanceProfileName"] for page in paged("list_instance_profiles_for_role", "InstanceProfiles", 1, RoleName=role) for p in page["InstanceProfiles"]]
check(for_role == profiles[:2], f"{for_role}")
iam.tag_instance_profile(InstanceProfileName=profiles[0], Tags=[{"Key": "extra", "Value": "x"}])
profile_tags = [t["Key"] for p in paged("list_instance_profile_tags", "Tags", 1, InstanceProfileName=profiles[0]) for t in p["Tags"]]
check(profile_tags == ["extra", "n"], f"{profile_tags}")
iam.untag_instance_profile(InstanceProfileName=profiles[0], TagKeys=["extra"])
expect("DeleteConflict", 409, iam.delete_instance_profile, "Cannot delete entity, must remove roles from instance profile first.", InstanceProfileName=profiles[0])
expect("DeleteConflict", 409, iam.delete_role, "Cannot delete entity, must remove roles from instance profile first.", RoleName=role)

# --- Permissions boundary. ------------------------------------------------------------------
iam.put_role_permissions_boundary(RoleName=names[1], PermissionsBoundary=arn)
check(iam.get_role(RoleName=names[1])["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn, "boundary set")
boundary_users = [r["RoleName"] for r in iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")["PolicyRoles"]]
check(boundary_users == [names[1]], f"{boundary_users}")
iam.delete_role_permissions_boundary(RoleName=names[1])
check("PermissionsBoundary" not in iam.get_role(RoleName=names[1])["Role"], "boundary removed")

# --- STS as the role. -----------------------------------------------------------------------
assumed = sts.assume_role(RoleArn=got["Arn"], RoleSessionName="iam-sdk")
credentials = assumed["Credentials"]
session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], region_name="us-east-1")
identity = session.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).get_caller_identity()
check(identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/iam-sdk", f"{identity}")
check(identity["UserId"] == f"{got['RoleId']}:iam-sdk", f"{identity}")

# --- Teardown. ------------------------------------------------------------------------------
for name in profiles[:2]:
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role)
for name in profiles:
    iam.delete_instance_profile(InstanceProfileName=name)
expect("NoSuchEntity", 404, iam.get_instance_profile, InstanceProfileName=profiles[0])
for name in ["table", "another"]:
    iam.delete_role_policy(RoleName=role, PolicyName=name)
iam.delete_role(RoleName=role)
expect("NoSuchEntity", 404, iam.delete_role, RoleName=role)
expect("DeleteConflict", 409, iam.delete_policy,
       "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
       PolicyArn=arn)
for version_id in ["v1", "v3", "v4", "v5"]:
    iam.delete_policy_version(PolicyArn=arn, VersionId=version_id)
iam.delete_policy(PolicyArn=arn)
expect("NoSuchEntity", 404, iam.get_policy, PolicyArn=arn)
for name in names[1:] + [outsider["RoleName"]]:
    iam.delete_role(RoleName=name)
check(iam.list_roles(PathPrefix=path)["Roles"] == [], "scenario roles all deleted")
done("iam sdk")
