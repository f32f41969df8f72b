"""IAM's policy simulator and context keys: SimulatePrincipalPolicy over a role's inline and
attached policies and its permissions boundary, SimulateCustomPolicy, the statements that
matched (by policy and position), missing context values, results paged with MaxItems, and
GetContextKeysFor*Policy."""
import json

from common import check, client, done, unique

iam = client("iam")


def v12(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


role = iam.create_role(RoleName=unique("simulated"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
iam.put_role_policy(RoleName=role["RoleName"], PolicyName="objects", PolicyDocument=v12(
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::bucket/*"},
    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bucket",
     "Condition": {"StringLike": {"s3:prefix": "home/*"}}}))
results = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["s3:GetObject", "s3:DeleteObject", "ec2:RunInstances"],
                                        ResourceArns=["arn:aws:s3:::bucket/key"])["EvaluationResults"]
decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results}
check(decisions == {"s3:GetObject": "allowed", "s3:DeleteObject": "explicitDeny", "ec2:RunInstances": "implicitDeny"}, f"{decisions}")
get = next(r for r in results if r["EvalActionName"] == "s3:GetObject")
check(get["EvalResourceName"] == "arn:aws:s3:::bucket/key", f"{get}")
check([s["SourcePolicyId"] for s in get["MatchedStatements"]] == ["objects"], f"matched: {get['MatchedStatements']}")
check(get["MatchedStatements"][0]["StartPosition"]["Line"] == 4, f"statement position: {get['MatchedStatements'][0]}")
deny = next(r for r in results if r["EvalActionName"] == "s3:DeleteObject")
check(deny["MatchedStatements"][0]["StartPosition"]["Line"] == 13, f"the deny is the matched statement: {deny['MatchedStatements']}")
check(next(r for r in results if r["EvalActionName"] == "ec2:RunInstances")["MatchedStatements"] == [], "nothing matched an implicit deny")

listing = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["s3:ListBucket"], ResourceArns=["arn:aws:s3:::bucket"])
check(listing["EvaluationResults"][0]["EvalDecision"] == "implicitDeny", "a condition without its key does not match")
check(listing["EvaluationResults"][0]["MissingContextValues"] == ["s3:prefix"], f"{listing['EvaluationResults'][0]}")
listing = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["s3:ListBucket"], ResourceArns=["arn:aws:s3:::bucket"],
                                        ContextEntries=[{"ContextKeyName": "s3:prefix", "ContextKeyValues": ["home/alice"], "ContextKeyType": "string"}])
check(listing["EvaluationResults"][0]["EvalDecision"] == "allowed", f"{listing['EvaluationResults'][0]}")

# A permissions boundary caps the role.
boundary = iam.create_policy(PolicyName=unique("read-only"), PolicyDocument=v12(
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}))["Policy"]["Arn"]
iam.put_role_permissions_boundary(RoleName=role["RoleName"], PermissionsBoundary=boundary)
bounded = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["s3:GetObject", "s3:PutObject"],
                                        ResourceArns=["arn:aws:s3:::bucket/key"])["EvaluationResults"]
check({r["EvalActionName"]: (r["EvalDecision"], r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]) for r in bounded}
      == {"s3:GetObject": ("allowed", True), "s3:PutObject": ("implicitDeny", False)}, f"{bounded}")

# Results page: every (action, resource) pair once.
actions = [f"s3:Get{n}" for n in ("Object", "ObjectAcl", "ObjectTagging", "BucketPolicy", "BucketTagging")]
seen, marker = [], None
while True:
    page = iam.simulate_custom_policy(PolicyInputList=[v12({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})],
                                      ActionNames=actions, MaxItems=2, **({"Marker": marker} if marker else {}))
    seen += [r["EvalActionName"] for r in page["EvaluationResults"]]
    check(all(r["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1" for r in page["EvaluationResults"]), f"{page}")
    if not page["IsTruncated"]:
        break
    marker = page["Marker"]
check(seen == actions, f"paged results: {seen}")

keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[v12(
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}})])
check(sorted(keys["ContextKeyNames"]) == sorted(["aws:PrincipalTag/team", "aws:SourceIp", "aws:username"]), f"{keys}")
check(iam.get_context_keys_for_principal_policy(PolicySourceArn=role["Arn"])["ContextKeyNames"] == ["s3:prefix"], "principal's context keys")
done("policy simulator")
