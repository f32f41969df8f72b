"""Secrets Manager through boto3: versions and staging labels moving on PutSecretValue and
UpdateSecretVersionStage, ClientRequestToken idempotency, binary values, deletion with a
recovery window and restore, ListSecrets filters and paging, BatchGetSecretValue, resource
policies, GetRandomPassword rules, rotation without a function, and bad input."""
import string

from common import check, client, done, expect_code, unique

sm = client("secretsmanager")
kms = client("kms")

name = unique("conf/db")
created = sm.create_secret(Name=name, SecretString='{"password":"one"}', Tags=[{"Key": "team", "Value": "data"}])
v1 = created["VersionId"]
check(created["ARN"].startswith("arn:aws:secretsmanager:") and created["ARN"].split(":secret:")[1].startswith(name + "-"), f"ARN: {created['ARN']}")
check(sm.get_secret_value(SecretId=name)["SecretString"] == '{"password":"one"}', "read back")
check(sm.get_secret_value(SecretId=created["ARN"])["VersionStages"] == ["AWSCURRENT"], "by ARN")
expect_code("ResourceExistsException", sm.create_secret, Name=name, SecretString="x")

# PutSecretValue moves AWSCURRENT and leaves AWSPREVIOUS behind.
v2 = sm.put_secret_value(SecretId=name, SecretString='{"password":"two"}')["VersionId"]
v3 = sm.put_secret_value(SecretId=name, SecretString='{"password":"three"}')["VersionId"]
stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
check(stages == {v3: ["AWSCURRENT"], v2: ["AWSPREVIOUS"]}, f"stages after two puts: {stages}")
check(sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == '{"password":"two"}', "AWSPREVIOUS value")
check(sm.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == '{"password":"one"}', "deprecated version still readable by ID")
listed = sm.list_secret_version_ids(SecretId=name)["Versions"]
check(sorted(v["VersionId"] for v in listed) == sorted([v2, v3]), f"deprecated versions hidden: {listed}")
check(len(sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]) == 3, "IncludeDeprecated")

# AWSPENDING, then moved to AWSCURRENT by UpdateSecretVersionStage.
token = "a" * 32 + "-pending"
pending = sm.put_secret_value(SecretId=name, ClientRequestToken=token, SecretString="pending", VersionStages=["AWSPENDING"])
check(pending["VersionId"] == token and pending["VersionStages"] == ["AWSPENDING"], f"pending: {pending}")
again = sm.put_secret_value(SecretId=name, ClientRequestToken=token, SecretString="pending", VersionStages=["AWSPENDING"])
check(again["VersionId"] == token, "same token, same value: the same version")
expect_code("ResourceExistsException", sm.put_secret_value, SecretId=name, ClientRequestToken=token, SecretString="different")
expect_code("InvalidParameterException", sm.update_secret_version_stage, SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=token)
sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=v3)
stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
check(stages[token] == ["AWSPENDING", "AWSCURRENT"] and stages[v3] == ["AWSPREVIOUS"] and v2 not in stages, f"after moving AWSCURRENT: {stages}")
check(sm.get_secret_value(SecretId=name)["SecretString"] == "pending", "AWSCURRENT follows the move")
expect_code("ResourceNotFoundException", sm.get_secret_value, SecretId=name, VersionStage="NOPE")

# Binary values under a customer key.
key = kms.create_key()["KeyMetadata"]["KeyId"]
binary_name = unique("conf/bin")
sm.create_secret(Name=binary_name, SecretBinary=b"\x00\x01\xff", KmsKeyId=key)
got = sm.get_secret_value(SecretId=binary_name)
check(got["SecretBinary"] == b"\x00\x01\xff" and "SecretString" not in got, "binary value")
check(sm.describe_secret(SecretId=binary_name)["KmsKeyId"] == key, "KmsKeyId reported as given")
kms.disable_key(KeyId=key)
code = None
try:
    sm.get_secret_value(SecretId=binary_name)
except Exception as error:  # noqa: BLE001 - the code is what is checked
    code = error.response["Error"]["Code"]
check(code == "DecryptionFailure", f"disabled key: {code}")
kms.enable_key(KeyId=key)
expect_code("InvalidParameterException", sm.create_secret, Name=unique("conf/both"), SecretString="a", SecretBinary=b"b")

# ListSecrets paged one at a time with a name filter: each secret exactly once.
prefix = unique("conf/list")
made = [f"{prefix}/{i}" for i in range(4)]
for item in made:
    sm.create_secret(Name=item, SecretString=item, Description="listing")
seen = []
kwargs = {"MaxResults": 1, "Filters": [{"Key": "name", "Values": [prefix]}]}
while True:
    page = sm.list_secrets(**kwargs)
    seen += [s["Name"] for s in page["SecretList"]]
    if "NextToken" not in page:
        break
    kwargs["NextToken"] = page["NextToken"]
check(sorted(seen) == made, f"ListSecrets paged: {seen}")
tagged = sm.list_secrets(Filters=[{"Key": "tag-key", "Values": ["team"]}, {"Key": "name", "Values": [name]}])["SecretList"]
check([s["Name"] for s in tagged] == [name], f"tag filter: {tagged}")

batch = sm.batch_get_secret_value(SecretIdList=[made[0], made[1], "conf/missing-" + prefix])
check(sorted(v["SecretString"] for v in batch["SecretValues"]) == made[:2], f"batch values: {batch['SecretValues']}")
check([e["ErrorCode"] for e in batch["Errors"]] == ["ResourceNotFoundException"], f"batch errors: {batch['Errors']}")

# Deletion with a window, then restore; force deletion frees the name.
deleted = sm.delete_secret(SecretId=made[0], RecoveryWindowInDays=7)
check("DeletionDate" in deleted, "deletion date")
expect_code("InvalidRequestException", sm.get_secret_value, SecretId=made[0])
expect_code("InvalidRequestException", sm.create_secret, Name=made[0], SecretString="again")
check(made[0] not in [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": [prefix]}])["SecretList"]], "deleted secrets are not listed")
sm.restore_secret(SecretId=made[0])
check(sm.get_secret_value(SecretId=made[0])["SecretString"] == made[0], "restored")
expect_code("InvalidParameterException", sm.delete_secret, SecretId=made[1], RecoveryWindowInDays=3)
expect_code("InvalidParameterException", sm.delete_secret, SecretId=made[1], RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
sm.delete_secret(SecretId=made[1], ForceDeleteWithoutRecovery=True)
expect_code("ResourceNotFoundException", sm.describe_secret, SecretId=made[1])
sm.create_secret(Name=made[1], SecretString="reborn")

# Resource policies.
public = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}'
expect_code("PublicPolicyException", sm.put_resource_policy, SecretId=name, ResourcePolicy=public, BlockPublicPolicy=True)
check(not sm.validate_resource_policy(ResourcePolicy=public)["PolicyValidationPassed"], "public policy fails validation")
private = public.replace('"*"}', '"arn:aws:iam::123456789012:root"}', 1)
sm.put_resource_policy(SecretId=name, ResourcePolicy=private)
check(sm.get_resource_policy(SecretId=name)["ResourcePolicy"] == private, "policy read back")
expect_code("MalformedPolicyDocumentException", sm.put_resource_policy, SecretId=name, ResourcePolicy="{not json")

# Passwords follow their rules.
password = sm.get_random_password(PasswordLength=40, ExcludePunctuation=True, ExcludeCharacters="abc")["RandomPassword"]
check(len(password) == 40 and not set(password) & set("abc" + string.punctuation), f"password: {password}")
check(any(c.isdigit() for c in password) and any(c.isupper() for c in password), "each included type")

expect_code("InvalidRequestException", sm.rotate_secret, SecretId=name)
expect_code("ResourceNotFoundException", sm.describe_secret, SecretId=unique("conf/none"))
sm.tag_resource(SecretId=name, Tags=[{"Key": "env", "Value": "dev"}])
sm.untag_resource(SecretId=name, TagKeys=["team"])
check(sm.describe_secret(SecretId=name)["Tags"] == [{"Key": "env", "Value": "dev"}], "tags")
done("secrets_sdk")
