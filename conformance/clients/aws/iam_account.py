"""IAM's account-wide operations through boto3: the account alias, GetAccountSummary counts that
follow what is created, the credential report's CSV content, GetAccountAuthorizationDetails with
filters and one-item pages, service-linked roles with AWS's names, paths and policies, service
last accessed reports, STS preferences, outbound web identity federation, and the answers for an
account that is in no organization."""
import csv
import io
import json

from common import check, client, done, unique
from iam_helpers import ACCOUNT, allow, expect, trust

iam = client("iam")
run = unique("iam-acct")

# --- Alias. ---------------------------------------------------------------------------------------
alias = f"{run}-alias"
iam.create_account_alias(AccountAlias=alias)
check(iam.list_account_aliases()["AccountAliases"] == [alias], "alias listed")
iam.delete_account_alias(AccountAlias=alias)
check(iam.list_account_aliases()["AccountAliases"] == [], "alias gone")
expect("NoSuchEntity", iam.delete_account_alias, None, 404, AccountAlias=alias)

# --- Summary counts follow what exists. -----------------------------------------------------------
before = iam.get_account_summary()["SummaryMap"]
check(before["AccessKeysPerUserQuota"] == 2 and before["UsersQuota"] == 5000 and before["GlobalEndpointTokenVersion"] == 1, f"quotas: {before}")
user, group, role = f"{run}-u", f"{run}-g", f"{run}-r"
iam.create_user(UserName=user, Tags=[{"Key": "team", "Value": "a"}])
iam.create_group(GroupName=group)
iam.add_user_to_group(UserName=user, GroupName=group)
iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust()))
policy_arn = iam.create_policy(PolicyName=f"{run}-p", PolicyDocument=json.dumps(allow("s3:GetObject", "logs:PutLogEvents")))["Policy"]["Arn"]
iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=json.dumps(allow("s3:*")), SetAsDefault=False)
iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
iam.attach_user_policy(UserName=user, PolicyArn=policy_arn)
iam.put_group_policy(GroupName=group, PolicyName="inline", PolicyDocument=json.dumps(allow("sqs:SendMessage")))
iam.create_instance_profile(InstanceProfileName=f"{run}-ip")
iam.add_role_to_instance_profile(InstanceProfileName=f"{run}-ip", RoleName=role)
after = iam.get_account_summary()["SummaryMap"]
deltas = {k: after[k] - before[k] for k in ("Users", "Groups", "Roles", "Policies", "PolicyVersionsInUse", "InstanceProfiles")}
check(deltas == {"Users": 1, "Groups": 1, "Roles": 1, "Policies": 1, "PolicyVersionsInUse": 2, "InstanceProfiles": 1}, f"summary deltas: {deltas}")
iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
check(iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2, "STS preference counted")

# --- Credential report. ---------------------------------------------------------------------------
key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
iam.create_login_profile(UserName=user, Password="Sockerless-pw-1!")
state = iam.generate_credential_report()["State"]
check(state in ("STARTED", "COMPLETE"), f"generate: {state}")
check(iam.generate_credential_report()["State"] == "COMPLETE", "the report is ready")
report = iam.get_credential_report()
check(report["ReportFormat"] == "text/csv", f"format: {report['ReportFormat']}")
rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
check(rows[0]["user"] == "<root_account>" and rows[0]["arn"] == f"arn:aws:iam::{ACCOUNT}:root", f"root row: {rows[0]}")
mine = [row for row in rows if row["user"] == user]
check(len(mine) == 1, f"one row for the user: {rows}")
row = mine[0]
check(row["arn"] == f"arn:aws:iam::{ACCOUNT}:user/{user}", f"arn: {row}")
check((row["password_enabled"], row["password_last_used"], row["mfa_active"]) == ("true", "no_information", "false"), f"password columns: {row}")
check((row["access_key_1_active"], row["access_key_1_last_used_date"], row["access_key_2_active"]) == ("true", "N/A", "false"), f"key columns: {row}")
check(row["user_creation_time"].endswith("+00:00") and row["cert_1_active"] == "false", f"times and certificates: {row}")

# --- Authorization details: filters and one-item pages. -------------------------------------------
details = iam.get_account_authorization_details(Filter=["User"])
users = [u for u in details["UserDetailList"] if u["UserName"] == user]
check(details["RoleDetailList"] == [] and details["Policies"] == [], f"User filter: {details.keys()}")
check(users and users[0]["GroupList"] == [group] and users[0]["AttachedManagedPolicies"] == [{"PolicyName": f"{run}-p", "PolicyArn": policy_arn}], f"user detail: {users}")
check(users[0]["Tags"] == [{"Key": "team", "Value": "a"}], f"user tags: {users}")
roles = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
mine = [r for r in roles if r["RoleName"] == role][0]
check([p["InstanceProfileName"] for p in mine["InstanceProfileList"]] == [f"{run}-ip"] and mine["AssumeRolePolicyDocument"] == trust(), f"role detail: {mine}")
policies = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])["Policies"]
mine = [p for p in policies if p["Arn"] == policy_arn][0]
check([v["VersionId"] for v in mine["PolicyVersionList"]] == ["v2", "v1"] and mine["AttachmentCount"] == 2, f"policy detail: {mine}")
groups = iam.get_account_authorization_details(Filter=["Group"])["GroupDetailList"]
check([g["GroupPolicyList"][0]["PolicyDocument"] for g in groups if g["GroupName"] == group] == [allow("sqs:SendMessage")], "group detail")
seen, marker = [], None
while True:
    page = iam.get_account_authorization_details(MaxItems=1, **({"Marker": marker} if marker else {}))
    entries = [("user", u["UserName"]) for u in page["UserDetailList"]] + [("group", g["GroupName"]) for g in page["GroupDetailList"]] + [("role", r["RoleName"]) for r in page["RoleDetailList"]] + [("policy", p["Arn"]) for p in page["Policies"]]
    check(len(entries) <= 1, f"one item per page: {entries}")
    seen += entries
    marker = page.get("Marker")
    check(page["IsTruncated"] == (marker is not None), "IsTruncated agrees with Marker")
    if not marker:
        break
check(len(seen) == len(set(seen)), f"every entity once: {seen}")
check({("user", user), ("group", group), ("role", role), ("policy", policy_arn)} <= set(seen), f"everything seen: {seen}")

# --- Service-linked roles. --------------------------------------------------------------------------
ecs = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com", Description="for ECS")["Role"]
check((ecs["RoleName"], ecs["Path"]) == ("AWSServiceRoleForECS", "/aws-service-role/ecs.amazonaws.com/"), f"ECS role: {ecs}")
check(ecs["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS", f"ARN: {ecs}")
check(ecs["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}, "trusts the service")
attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForECS")["AttachedPolicies"]
check(attached == [{"PolicyName": "AmazonECSServiceRolePolicy", "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"}], f"policy: {attached}")
expect("InvalidInput", iam.create_service_linked_role, "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.", 400, AWSServiceName="ecs.amazonaws.com")
expect("InvalidInput", iam.create_service_linked_role, "Custom suffix is not allowed for ecs.amazonaws.com", 400, AWSServiceName="ecs.amazonaws.com", CustomSuffix="x")
expect("InvalidInput", iam.create_service_linked_role, None, 400, AWSServiceName="no-such-service.amazonaws.com")
suffixed = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix=run)["Role"]
check(suffixed["RoleName"] == f"AWSServiceRoleForAutoScaling_{run}", f"suffix: {suffixed}")
expect("UnmodifiableEntity", iam.delete_role, None, 400, RoleName="AWSServiceRoleForECS")
for name in ("AWSServiceRoleForECS", f"AWSServiceRoleForAutoScaling_{run}"):
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    check(task.startswith("task/aws-service-role/"), f"task: {task}")
    check(iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED", "deleted")
expect("NoSuchEntity", iam.get_role, None, 404, RoleName="AWSServiceRoleForECS")

# --- Service last accessed and policies granting access. --------------------------------------------
job = iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{ACCOUNT}:user/{user}")["JobId"]
report = iam.get_service_last_accessed_details(JobId=job)
check(report["JobStatus"] == "COMPLETED", f"job: {report}")
namespaces = sorted(s["ServiceNamespace"] for s in report["ServicesLastAccessed"])
check(namespaces == ["logs", "s3", "sqs"], f"what the user's and its group's policies allow: {namespaces}")
granting = iam.list_policies_granting_service_access(Arn=f"arn:aws:iam::{ACCOUNT}:user/{user}", ServiceNamespaces=["sqs"])["PoliciesGrantingServiceAccess"]
check(granting[0]["Policies"] == [{"PolicyName": "inline", "PolicyType": "INLINE", "EntityType": "GROUP", "EntityName": group}], f"granting: {granting}")

# --- Outbound federation, organizations. ------------------------------------------------------------
expect("FeatureDisabled", iam.get_outbound_web_identity_federation_info, None, 404)
issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
check(issuer.startswith("https://") and iam.get_outbound_web_identity_federation_info()["IssuerIdentifier"] == issuer, f"issuer: {issuer}")
expect("FeatureEnabled", iam.enable_outbound_web_identity_federation, None, 409)
iam.disable_outbound_web_identity_federation()
expect("OrganizationNotFoundException", iam.list_organizations_features, "The request was rejected because no organization is associated with your account.")
done("iam account")
