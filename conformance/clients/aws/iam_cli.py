"""IAM through the aws CLI: roles (server-side pagination with a path prefix, updates, trust
policy round trip, tags, permissions boundaries), managed policies and their five versions,
AWS managed policies, attachments and the delete conflicts they cause, inline policies,
instance profiles, and assuming a created role through STS."""
import json

from common import aws, check, done, unique

ACCOUNT = "123456789012"
run = unique("iam-cli")
path = f"/{run}/"


def trust_for(service):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def document(*actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


trust = trust_for("ecs-tasks.amazonaws.com")

# --- ListRoles: five roles under a unique path, paged two at a time by the server. ---------
names = [f"{run}-{letter}" for letter in "ecadb"]
for name in names:
    aws("iam", "create-role", "--role-name", name, "--path", path, "--assume-role-policy-document", json.dumps(trust))
outsider = f"{run}-z-outside"
aws("iam", "create-role", "--role-name", outsider, "--path", f"/{run}-other/", "--assume-role-policy-document", json.dumps(trust))

pages, token = [], None
while True:
    args = ["iam", "list-roles", "--path-prefix", path, "--no-paginate", "--max-items", "2"]
    if token:
        args += ["--marker", token]
    page = aws(*args)
    pages.append([role["RoleName"] for role in page["Roles"]])
    for role in page["Roles"]:
        check("Tags" not in role and "PermissionsBoundary" not in role, f"ListRoles leaves out Tags and PermissionsBoundary: {role}")
    if not page.get("IsTruncated"):
        check("Marker" not in page, f"last page has no marker: {page}")
        break
    check(page.get("Marker"), f"a truncated page carries a marker: {page}")
    token = page["Marker"]
check([len(p) for p in pages] == [2, 2, 1], f"pages of two from the server: {pages}")
listed = [name for p in pages for name in p]
check(listed == sorted(names), f"every role once, in name order: {listed}")

# The CLI's own paginator, following markers, sees the same five.
followed = aws("iam", "list-roles", "--path-prefix", path, "--page-size", "2")
check(sorted(r["RoleName"] for r in followed["Roles"]) == sorted(names), f"paginated CLI listing: {followed}")

# --- One role in depth. ---------------------------------------------------------------------
role = names[0]
got = aws("iam", "get-role", "--role-name", role)["Role"]
check(got["AssumeRolePolicyDocument"] == trust, f"trust policy round-trips: {got['AssumeRolePolicyDocument']}")
check(got["Arn"] == f"arn:aws:iam::{ACCOUNT}:role{path}{role}", f"role ARN carries the path: {got['Arn']}")
check(got["RoleId"].startswith("AROA") and len(got["RoleId"]) == 21, f"role ID: {got['RoleId']}")
check(got["MaxSessionDuration"] == 3600, f"default session duration: {got}")

aws("iam", "update-role", "--role-name", role, "--description", "first", "--max-session-duration", "7200")
got = aws("iam", "get-role", "--role-name", role)["Role"]
check(got["Description"] == "first" and got["MaxSessionDuration"] == 7200, f"update-role: {got}")
described = aws("iam", "update-role-description", "--role-name", role, "--description", "second")["Role"]
check(described["Description"] == "second", f"update-role-description: {described}")

new_trust = trust_for("lambda.amazonaws.com")
aws("iam", "update-assume-role-policy", "--role-name", role, "--policy-document", json.dumps(new_trust))
got = aws("iam", "get-role", "--role-name", role)["Role"]
check(got["AssumeRolePolicyDocument"] == new_trust, f"update-assume-role-policy: {got['AssumeRolePolicyDocument']}")
aws("iam", "update-assume-role-policy", "--role-name", role, "--policy-document", "{not json", expect_error="MalformedPolicyDocument")
aws("iam", "create-role", "--role-name", role, "--assume-role-policy-document", json.dumps(trust), expect_error="EntityAlreadyExists")
aws("iam", "get-role", "--role-name", f"{run}-missing", expect_error="NoSuchEntity")

# Tags: keys are case-insensitive; a second tag with the same key replaces the first.
aws("iam", "tag-role", "--role-name", role, "--tags", "Key=team,Value=a", "Key=env,Value=dev")
aws("iam", "tag-role", "--role-name", role, "--tags", "Key=Team,Value=b")
tags = aws("iam", "list-role-tags", "--role-name", role)["Tags"]
check(sorted((t["Key"], t["Value"]) for t in tags) == [("Team", "b"), ("env", "dev")], f"role tags: {tags}")
aws("iam", "untag-role", "--role-name", role, "--tag-keys", "env", "team")
check(aws("iam", "list-role-tags", "--role-name", role)["Tags"] == [], "untag-role removes both")
too_many = [f"Key=k{n},Value=v" for n in range(50)]
aws("iam", "tag-role", "--role-name", role, "--tags", "Key=first,Value=1")
aws("iam", "tag-role", "--role-name", role, "--tags", *too_many, expect_error="LimitExceeded")

# --- Customer managed policy and its versions. ----------------------------------------------
policy_name = f"{run}-policy"
v1 = document("s3:GetObject")
created = aws("iam", "create-policy", "--policy-name", policy_name, "--path", path, "--policy-document", json.dumps(v1), "--description", "scenario")["Policy"]
policy_arn = created["Arn"]
check(policy_arn == f"arn:aws:iam::{ACCOUNT}:policy{path}{policy_name}", f"policy ARN: {policy_arn}")
check(created["PolicyId"].startswith("ANPA") and created["DefaultVersionId"] == "v1", f"{created}")
check(created["AttachmentCount"] == 0 and created["IsAttachable"] is True, f"{created}")
aws("iam", "create-policy", "--policy-name", policy_name, "--policy-document", json.dumps(v1), expect_error="EntityAlreadyExists")
aws("iam", "create-policy", "--policy-name", f"{run}-bad", "--policy-document", "[]", expect_error="MalformedPolicyDocument")
check(aws("iam", "get-policy", "--policy-arn", policy_arn)["Policy"]["Description"] == "scenario", "get-policy description")

versions = {"v1": v1}
for n in range(2, 6):
    body = document("s3:GetObject", f"s3:PutObject{n}")
    made = aws("iam", "create-policy-version", "--policy-arn", policy_arn, "--policy-document", json.dumps(body), *(["--set-as-default"] if n == 3 else []))["PolicyVersion"]
    check(made["VersionId"] == f"v{n}", f"version numbering: {made}")
    versions[made["VersionId"]] = body
aws("iam", "create-policy-version", "--policy-arn", policy_arn, "--policy-document", json.dumps(v1), expect_error="LimitExceeded")
check(aws("iam", "get-policy", "--policy-arn", policy_arn)["Policy"]["DefaultVersionId"] == "v3", "set-as-default switched the default")
for version_id, body in versions.items():
    version = aws("iam", "get-policy-version", "--policy-arn", policy_arn, "--version-id", version_id)["PolicyVersion"]
    check(version["Document"] == body, f"{version_id} document round-trips: {version['Document']}")
    check(version["IsDefaultVersion"] == (version_id == "v3"), f"{version_id} default flag")
listed_versions = aws("iam", "list-policy-versions", "--policy-arn", policy_arn)["Versions"]
check(sorted(v["VersionId"] for v in listed_versions) == ["v1", "v2", "v3", "v4", "v5"], f"{listed_versions}")
aws("iam", "delete-policy-version", "--policy-arn", policy_arn, "--version-id", "v3", expect_error="DeleteConflict")
aws("iam", "set-default-policy-version", "--policy-arn", policy_arn, "--version-id", "v5")
check(aws("iam", "get-policy", "--policy-arn", policy_arn)["Policy"]["DefaultVersionId"] == "v5", "set-default-policy-version")
aws("iam", "get-policy-version", "--policy-arn", policy_arn, "--version-id", "v9", expect_error="NoSuchEntity")

aws("iam", "tag-policy", "--policy-arn", policy_arn, "--tags", "Key=owner,Value=cli")
check(aws("iam", "list-policy-tags", "--policy-arn", policy_arn)["Tags"] == [{"Key": "owner", "Value": "cli"}], "policy tags")
aws("iam", "untag-policy", "--policy-arn", policy_arn, "--tag-keys", "owner")
check(aws("iam", "list-policy-tags", "--policy-arn", policy_arn)["Tags"] == [], "untag-policy")

local = aws("iam", "list-policies", "--scope", "Local", "--path-prefix", path)["Policies"]
check([p["Arn"] for p in local] == [policy_arn], f"list-policies --scope Local: {local}")

# --- AWS managed policies. ------------------------------------------------------------------
execution = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
managed = aws("iam", "get-policy", "--policy-arn", execution)["Policy"]
check(managed["PolicyName"] == "AmazonECSTaskExecutionRolePolicy" and managed["Path"] == "/service-role/", f"{managed}")
managed_doc = aws("iam", "get-policy-version", "--policy-arn", execution, "--version-id", managed["DefaultVersionId"])["PolicyVersion"]["Document"]
check("ecr:GetAuthorizationToken" in managed_doc["Statement"][0]["Action"], f"execution role policy document: {managed_doc}")
aws_scope = aws("iam", "list-policies", "--scope", "AWS", "--path-prefix", "/service-role/")["Policies"]
check({p["PolicyName"] for p in aws_scope} >= {"AmazonECSTaskExecutionRolePolicy", "AWSLambdaBasicExecutionRole"}, f"{aws_scope}")

# --- Attachments and the conflicts they cause. ----------------------------------------------
aws("iam", "attach-role-policy", "--role-name", role, "--policy-arn", policy_arn)
aws("iam", "attach-role-policy", "--role-name", role, "--policy-arn", execution)
aws("iam", "attach-role-policy", "--role-name", role, "--policy-arn", "arn:aws:iam::aws:policy/NotARealPolicy", expect_error="NoSuchEntity")
attached = aws("iam", "list-attached-role-policies", "--role-name", role)["AttachedPolicies"]
check(sorted(p["PolicyArn"] for p in attached) == sorted([policy_arn, execution]), f"attached: {attached}")
check(aws("iam", "get-policy", "--policy-arn", policy_arn)["Policy"]["AttachmentCount"] == 1, "attachment count")
entities = aws("iam", "list-entities-for-policy", "--policy-arn", policy_arn)
check([r["RoleName"] for r in entities["PolicyRoles"]] == [role], f"list-entities-for-policy: {entities}")
aws("iam", "delete-policy", "--policy-arn", policy_arn, expect_error="DeleteConflict")
aws("iam", "delete-role", "--role-name", role, expect_error="DeleteConflict")

# --- Inline policies. -----------------------------------------------------------------------
inline = document("logs:CreateLogStream", "logs:PutLogEvents")
aws("iam", "put-role-policy", "--role-name", role, "--policy-name", "logs", "--policy-document", json.dumps(inline))
got_inline = aws("iam", "get-role-policy", "--role-name", role, "--policy-name", "logs")
check(got_inline["PolicyDocument"] == inline and got_inline["RoleName"] == role, f"get-role-policy: {got_inline}")
check(aws("iam", "list-role-policies", "--role-name", role)["PolicyNames"] == ["logs"], "list-role-policies")
aws("iam", "put-role-policy", "--role-name", role, "--policy-name", "bad", "--policy-document", "nope", expect_error="MalformedPolicyDocument")

# --- Instance profiles. ---------------------------------------------------------------------
profile = f"{run}-profile"
made_profile = aws("iam", "create-instance-profile", "--instance-profile-name", profile, "--path", path)["InstanceProfile"]
check(made_profile["InstanceProfileId"].startswith("AIPA") and made_profile["Roles"] == [], f"{made_profile}")
check(made_profile["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile{path}{profile}", f"{made_profile}")
aws("iam", "create-instance-profile", "--instance-profile-name", profile, expect_error="EntityAlreadyExists")
aws("iam", "add-role-to-instance-profile", "--instance-profile-name", profile, "--role-name", role)
aws("iam", "add-role-to-instance-profile", "--instance-profile-name", profile, "--role-name", names[1], expect_error="LimitExceeded")
got_profile = aws("iam", "get-instance-profile", "--instance-profile-name", profile)["InstanceProfile"]
check([r["RoleName"] for r in got_profile["Roles"]] == [role], f"profile roles: {got_profile}")
for_role = aws("iam", "list-instance-profiles-for-role", "--role-name", role)["InstanceProfiles"]
check([p["InstanceProfileName"] for p in for_role] == [profile], f"{for_role}")
check([p["InstanceProfileName"] for p in aws("iam", "list-instance-profiles", "--path-prefix", path)["InstanceProfiles"]] == [profile], "list-instance-profiles")
aws("iam", "tag-instance-profile", "--instance-profile-name", profile, "--tags", "Key=tier,Value=web")
check(aws("iam", "list-instance-profile-tags", "--instance-profile-name", profile)["Tags"] == [{"Key": "tier", "Value": "web"}], "profile tags")
aws("iam", "untag-instance-profile", "--instance-profile-name", profile, "--tag-keys", "tier")
aws("iam", "delete-instance-profile", "--instance-profile-name", profile, expect_error="DeleteConflict")
aws("iam", "delete-role", "--role-name", role, expect_error="DeleteConflict")

# --- Permissions boundary. ------------------------------------------------------------------
aws("iam", "put-role-permissions-boundary", "--role-name", names[1], "--permissions-boundary", policy_arn)
boundary = aws("iam", "get-role", "--role-name", names[1])["Role"]["PermissionsBoundary"]
check(boundary == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn}, f"{boundary}")
check(aws("iam", "get-policy", "--policy-arn", policy_arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1, "boundary usage count")
aws("iam", "delete-role-permissions-boundary", "--role-name", names[1])
check("PermissionsBoundary" not in aws("iam", "get-role", "--role-name", names[1])["Role"], "boundary removed")

# --- STS: assume the role and call as it. ---------------------------------------------------
assumed = aws("sts", "assume-role", "--role-arn", got["Arn"], "--role-session-name", "iam-cli")
credentials = assumed["Credentials"]
identity = aws("sts", "get-caller-identity", env={
    "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
    "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
    "AWS_SESSION_TOKEN": credentials["SessionToken"],
})
check(identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/iam-cli", f"assumed identity: {identity}")

# --- Teardown, in the order IAM demands. ----------------------------------------------------
aws("iam", "remove-role-from-instance-profile", "--instance-profile-name", profile, "--role-name", role)
aws("iam", "delete-instance-profile", "--instance-profile-name", profile)
aws("iam", "get-instance-profile", "--instance-profile-name", profile, expect_error="NoSuchEntity")
aws("iam", "delete-role", "--role-name", role, expect_error="DeleteConflict")  # still has policies
aws("iam", "detach-role-policy", "--role-name", role, "--policy-arn", policy_arn)
aws("iam", "detach-role-policy", "--role-name", role, "--policy-arn", execution)
aws("iam", "detach-role-policy", "--role-name", role, "--policy-arn", execution, expect_error="NoSuchEntity")
aws("iam", "delete-role", "--role-name", role, expect_error="DeleteConflict")  # still has its inline policy
aws("iam", "delete-role-policy", "--role-name", role, "--policy-name", "logs")
aws("iam", "get-role-policy", "--role-name", role, "--policy-name", "logs", expect_error="NoSuchEntity")
aws("iam", "delete-role", "--role-name", role)
aws("iam", "get-role", "--role-name", role, expect_error="NoSuchEntity")

aws("iam", "delete-policy", "--policy-arn", policy_arn, expect_error="DeleteConflict")  # four more versions
for version_id in ["v1", "v2", "v3", "v4"]:
    aws("iam", "delete-policy-version", "--policy-arn", policy_arn, "--version-id", version_id)
aws("iam", "delete-policy", "--policy-arn", policy_arn)
aws("iam", "get-policy", "--policy-arn", policy_arn, expect_error="NoSuchEntity")
for name in names[1:] + [outsider]:
    aws("iam", "delete-role", "--role-name", name)
check(aws("iam", "list-roles", "--path-prefix", path)["Roles"] == [], "all scenario roles deleted")
done("iam cli")
