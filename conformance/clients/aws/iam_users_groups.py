"""IAM users and groups through boto3: lifecycle with AWS's DeleteConflict rules and messages,
case-insensitive names, renames that carry memberships and keys, inline and attached policies of
users and groups, policy usage counted over users, groups and roles, and every list operation of
the area paged one item at a time."""
import json

from common import check, client, done, unique
from iam_helpers import ACCOUNT, allow, every_page, expect, trust

iam = client("iam")
run = unique("iam-ug")
path = f"/{run}/"

# --- Users: create, case-insensitive uniqueness, get, list under a path. ---------------------
names = [f"{run}-{letter}" for letter in "dbcae"]
for name in names:
    created = iam.create_user(UserName=name, Path=path, Tags=[{"Key": "team", "Value": name[-1]}])["User"]
    check(created["Arn"] == f"arn:aws:iam::{ACCOUNT}:user{path}{name}", f"user ARN: {created}")
    check(created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21, f"user ID: {created}")
    check(created["Tags"] == [{"Key": "team", "Value": name[-1]}], f"CreateUser answers tags: {created}")
expect("EntityAlreadyExists", iam.create_user, f"User with name {names[0].upper()} already exists.", 409, UserName=names[0].upper())
expect("NoSuchEntity", iam.get_user, f"The user with name {run}-nobody cannot be found.", 404, UserName=f"{run}-nobody")
listed = every_page(iam.list_users, "Users", "UserName", PathPrefix=path)
check(listed == sorted(names), f"ListUsers pages by name, each once: {listed}")
plain = iam.list_users(PathPrefix=path)["Users"][0]
check("Tags" not in plain and "PermissionsBoundary" not in plain, f"ListUsers leaves out tags: {plain}")
check(iam.get_user(UserName=names[0])["User"]["Tags"] == [{"Key": "team", "Value": "d"}], "GetUser has tags")
tags = every_page(iam.list_user_tags, "Tags", "Key", UserName=names[0])
check(tags == ["team"], f"ListUserTags: {tags}")

# --- Groups and membership. -------------------------------------------------------------------
groups = [f"{run}-g{n}" for n in range(3)]
for group in groups:
    made = iam.create_group(GroupName=group, Path=path)["Group"]
    check(made["Arn"] == f"arn:aws:iam::{ACCOUNT}:group{path}{group}" and made["GroupId"].startswith("AGPA"), f"group: {made}")
expect("EntityAlreadyExists", iam.create_group, f"Group with name {groups[0]} already exists.", 409, GroupName=groups[0])
user = names[0]
for group in groups:
    iam.add_user_to_group(UserName=user, GroupName=group)
iam.add_user_to_group(UserName=user, GroupName=groups[0])
for other in names[1:3]:
    iam.add_user_to_group(UserName=other, GroupName=groups[0])
check(every_page(iam.list_groups, "Groups", "GroupName", PathPrefix=path) == groups, "ListGroups pages")
check(every_page(iam.list_groups_for_user, "Groups", "GroupName", UserName=user) == groups, "ListGroupsForUser pages")
members = every_page(iam.get_group, "Users", "UserName", GroupName=groups[0])
check(members == sorted([user, *names[1:3]]), f"GetGroup pages its members: {members}")
expect("NoSuchEntity", iam.add_user_to_group, f"The group with name {run}-nogroup cannot be found.", 404, UserName=user, GroupName=f"{run}-nogroup")
expect("NoSuchEntity", iam.remove_user_from_group, f"The user with name {run}-nouser cannot be found.", 404, UserName=f"{run}-nouser", GroupName=groups[0])

# --- Policies of users and groups, usage counts. -----------------------------------------------
policy_arn = iam.create_policy(PolicyName=f"{run}-p", PolicyDocument=json.dumps(allow("s3:GetObject")))["Policy"]["Arn"]
iam.attach_user_policy(UserName=user, PolicyArn=policy_arn)
iam.attach_group_policy(GroupName=groups[1], PolicyArn=policy_arn)
role = f"{run}-role"
iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust()))
iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
iam.put_user_permissions_boundary(UserName=names[1], PermissionsBoundary=policy_arn)
counted = iam.get_policy(PolicyArn=policy_arn)["Policy"]
check((counted["AttachmentCount"], counted["PermissionsBoundaryUsageCount"]) == (3, 1), f"usage counts: {counted}")
entities = iam.list_entities_for_policy(PolicyArn=policy_arn, PolicyUsageFilter="PermissionsPolicy")
check([u["UserName"] for u in entities["PolicyUsers"]] == [user], f"PolicyUsers: {entities}")
bounded = iam.list_entities_for_policy(PolicyArn=policy_arn, PolicyUsageFilter="PermissionsBoundary")
check([u["UserName"] for u in bounded["PolicyUsers"]] == [names[1]] and bounded["PolicyRoles"] == [], f"boundary users: {bounded}")
check([g["GroupName"] for g in entities["PolicyGroups"]] == [groups[1]], f"PolicyGroups: {entities}")
check([r["RoleName"] for r in entities["PolicyRoles"]] == [role], f"PolicyRoles: {entities}")
seen = []
marker = None
while True:
    page = iam.list_entities_for_policy(PolicyArn=policy_arn, PolicyUsageFilter="PermissionsPolicy", MaxItems=1, **({"Marker": marker} if marker else {}))
    seen += [("group", g["GroupName"]) for g in page["PolicyGroups"]] + [("user", u["UserName"]) for u in page["PolicyUsers"]] + [("role", r["RoleName"]) for r in page["PolicyRoles"]]
    marker = page.get("Marker")
    if not marker:
        break
check(seen == [("group", groups[1]), ("user", user), ("role", role)], f"ListEntitiesForPolicy pages each entity once: {seen}")
check(iam.get_user(UserName=names[1])["User"]["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn}, "user boundary")

inline_names = [f"inline-{n}" for n in range(3)]
for name in inline_names:
    iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=json.dumps(allow("sqs:SendMessage")))
    iam.put_group_policy(GroupName=groups[2], PolicyName=name, PolicyDocument=json.dumps(allow("sns:Publish")))
check(every_page(iam.list_user_policies, "PolicyNames", UserName=user) == inline_names, "ListUserPolicies pages")
check(every_page(iam.list_group_policies, "PolicyNames", GroupName=groups[2]) == inline_names, "ListGroupPolicies pages")
got = iam.get_user_policy(UserName=user, PolicyName=inline_names[0])
check(got["PolicyDocument"] == allow("sqs:SendMessage") and got["UserName"] == user, f"GetUserPolicy decodes: {got}")
check(iam.get_group_policy(GroupName=groups[2], PolicyName=inline_names[1])["PolicyDocument"] == allow("sns:Publish"), "GetGroupPolicy")
expect("NoSuchEntity", iam.get_user_policy, "The user policy with name nope cannot be found.", 404, UserName=user, PolicyName="nope")
expect("NoSuchEntity", iam.get_group_policy, "The group policy with name nope cannot be found.", 404, GroupName=groups[2], PolicyName="nope")
expect("LimitExceeded", iam.put_user_policy, f"Maximum policy size of 2048 bytes exceeded for user {user}", 409, UserName=user, PolicyName="huge", PolicyDocument=json.dumps(allow(*[f"s3:Action{n}" for n in range(120)])))
attached = every_page(iam.list_attached_user_policies, "AttachedPolicies", "PolicyArn", UserName=user)
check(attached == [policy_arn], f"ListAttachedUserPolicies: {attached}")
check(every_page(iam.list_attached_group_policies, "AttachedPolicies", "PolicyArn", GroupName=groups[1]) == [policy_arn], "ListAttachedGroupPolicies")
expect("NoSuchEntity", iam.detach_group_policy, f"Policy {policy_arn} was not found.", 404, GroupName=groups[0], PolicyArn=policy_arn)

# --- DeleteConflict, in AWS's words, until nothing holds the user or group. --------------------
key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
iam.create_login_profile(UserName=user, Password="Sockerless-2024!")
conflict = lambda what: f"Cannot delete entity, must {what} first."
expect("DeleteConflict", iam.delete_user, conflict("delete login profile"), 409, UserName=user)
iam.delete_login_profile(UserName=user)
expect("DeleteConflict", iam.delete_user, conflict("detach all policies"), 409, UserName=user)
iam.detach_user_policy(UserName=user, PolicyArn=policy_arn)
expect("DeleteConflict", iam.delete_user, conflict("delete policies"), 409, UserName=user)
for name in inline_names:
    iam.delete_user_policy(UserName=user, PolicyName=name)
expect("DeleteConflict", iam.delete_user, conflict("delete access keys"), 409, UserName=user)
iam.delete_access_key(UserName=user, AccessKeyId=key)
expect("DeleteConflict", iam.delete_user, conflict("remove users from group"), 409, UserName=user)
expect("DeleteConflict", iam.delete_group, conflict("remove users from group"), 409, GroupName=groups[0])
iam.remove_user_from_group(UserName=user, GroupName=groups[1])
expect("DeleteConflict", iam.delete_group, conflict("detach all policies"), 409, GroupName=groups[1])
expect("DeleteConflict", iam.delete_group, conflict("remove users from group"), 409, GroupName=groups[2])
iam.remove_user_from_group(UserName=user, GroupName=groups[2])
expect("DeleteConflict", iam.delete_group, conflict("delete policies"), 409, GroupName=groups[2])

# --- Renames carry memberships, keys and group names. ------------------------------------------
renamed = f"{run}-renamed"
second_key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
iam.update_user(UserName=user, NewUserName=renamed, NewPath="/moved/")
expect("NoSuchEntity", iam.get_user, f"The user with name {user} cannot be found.", 404, UserName=user)
moved = iam.get_user(UserName=renamed)["User"]
check(moved["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/moved/{renamed}", f"renamed user's ARN: {moved}")
check(iam.list_access_keys(UserName=renamed)["AccessKeyMetadata"][0]["UserName"] == renamed, "keys follow the rename")
new_group = f"{run}-g0-renamed"
iam.update_group(GroupName=groups[0], NewGroupName=new_group)
check([g["GroupName"] for g in iam.list_groups_for_user(UserName=renamed)["Groups"]] == [new_group], "memberships follow both renames")
expect("EntityAlreadyExists", iam.update_user, f"User with name {names[1]} already exists.", 409, UserName=renamed, NewUserName=names[1])

# --- Clean up; every delete leaves the listing one shorter. -----------------------------------
iam.delete_access_key(UserName=renamed, AccessKeyId=second_key)
for member in [renamed, *names[1:3]]:
    iam.remove_user_from_group(UserName=member, GroupName=new_group)
iam.delete_user_permissions_boundary(UserName=names[1])
for name in [renamed, *names[1:]]:
    iam.delete_user(UserName=name)
iam.detach_group_policy(GroupName=groups[1], PolicyArn=policy_arn)
for name in inline_names:
    iam.delete_group_policy(GroupName=groups[2], PolicyName=name)
for group in [new_group, groups[1], groups[2]]:
    iam.delete_group(GroupName=group)
check(iam.list_users(PathPrefix=path)["Users"] == [] and iam.list_groups(PathPrefix=path)["Groups"] == [], "all gone")
check(iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"] == 1, "only the role still attaches the policy")
done("iam users and groups")
