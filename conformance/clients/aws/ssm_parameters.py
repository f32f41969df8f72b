"""SSM Parameter Store through boto3: versions and history, selectors and labels, SecureString
read with and without decryption, GetParametersByPath recursive and paged one at a time (each
parameter once), GetParameters with invalid names, DescribeParameters filters and paging,
DeleteParameters, tags, public parameters, and Parameter Store's errors."""
from common import check, client, done, expect_code, unique

ssm = client("ssm")
kms = client("kms")
root = "/" + unique("conf")

first = ssm.put_parameter(Name=f"{root}/db/host", Value="db.local", Type="String")
check(first == {"Version": 1, "Tier": "Standard", "ResponseMetadata": first["ResponseMetadata"]}, f"put: {first}")
expect_code("ParameterAlreadyExists", ssm.put_parameter, Name=f"{root}/db/host", Value="other", Type="String")
check(ssm.put_parameter(Name=f"{root}/db/host", Value="db2.local", Overwrite=True)["Version"] == 2, "overwrite makes version 2")
got = ssm.get_parameter(Name=f"{root}/db/host")["Parameter"]
check(got["Value"] == "db2.local" and got["Version"] == 2 and got["Type"] == "String", f"latest: {got}")
check(got["ARN"].endswith(f":parameter{root}/db/host"), f"ARN: {got['ARN']}")
old = ssm.get_parameter(Name=f"{root}/db/host:1")["Parameter"]
check(old["Value"] == "db.local" and old["Selector"] == ":1", f"selector: {old}")
expect_code("ParameterVersionNotFound", ssm.get_parameter, Name=f"{root}/db/host:9")
expect_code("ParameterNotFound", ssm.get_parameter, Name=f"{root}/missing")

labelled = ssm.label_parameter_version(Name=f"{root}/db/host", ParameterVersion=1, Labels=["stable", "123"])
check(labelled["InvalidLabels"] == ["123"] and labelled["ParameterVersion"] == 1, f"labels: {labelled}")
check(ssm.get_parameter(Name=f"{root}/db/host:stable")["Parameter"]["Value"] == "db.local", "label selector")
history = ssm.get_parameter_history(Name=f"{root}/db/host")["Parameters"]
check([h["Version"] for h in history] == [1, 2] and history[0]["Labels"] == ["stable"], f"history: {history}")

# SecureString: ciphertext without decryption, plaintext with it; a customer key too.
ssm.put_parameter(Name=f"{root}/db/password", Value="s3cret", Type="SecureString")
hidden = ssm.get_parameter(Name=f"{root}/db/password")["Parameter"]["Value"]
check(hidden != "s3cret" and len(hidden) > 20, f"SecureString without decryption: {hidden}")
check(ssm.get_parameter(Name=f"{root}/db/password", WithDecryption=True)["Parameter"]["Value"] == "s3cret", "decrypted")
key = kms.create_key()["KeyMetadata"]["KeyId"]
ssm.put_parameter(Name=f"{root}/app/token", Value="tok", Type="SecureString", KeyId=key)
meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [f"{root}/app/token"]}])["Parameters"]
check(meta[0]["KeyId"] == key and meta[0]["Type"] == "SecureString", f"describe secure: {meta}")
check(ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [f"{root}/db/password"]}])["Parameters"][0]["KeyId"] == "alias/aws/ssm", "default key")
expect_code("ValidationException", ssm.put_parameter, Name=f"{root}/x", Value="v", Type="String", KeyId=key)

ssm.put_parameter(Name=f"{root}/app/list", Value="a,b,c", Type="StringList")
ssm.put_parameter(Name=f"{root}/app/deep/er/value", Value="deep", Type="String")
ssm.put_parameter(Name=f"{root}/top", Value="top", Type="String")

# GetParametersByPath, recursive, one per page: each parameter exactly once.
seen = []
kwargs = {"Path": root, "Recursive": True, "MaxResults": 1}
while True:
    page = ssm.get_parameters_by_path(**kwargs)
    seen += [p["Name"] for p in page["Parameters"]]
    if "NextToken" not in page:
        break
    kwargs["NextToken"] = page["NextToken"]
expected = sorted(f"{root}/{n}" for n in ["db/host", "db/password", "app/token", "app/list", "app/deep/er/value", "top"])
check(sorted(seen) == expected and len(seen) == len(expected), f"by path recursive: {seen}")
one_level = [p["Name"] for p in ssm.get_parameters_by_path(Path=f"{root}/app")["Parameters"]]
check(sorted(one_level) == [f"{root}/app/list", f"{root}/app/token"], f"one level: {one_level}")
secure = ssm.get_parameters_by_path(Path=root, Recursive=True, WithDecryption=True, ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}])["Parameters"]
check(sorted(p["Value"] for p in secure) == ["s3cret", "tok"], f"filtered and decrypted: {secure}")
expect_code("ValidationException", ssm.get_parameters_by_path, Path=root, ParameterFilters=[{"Key": "Name", "Values": ["x"]}])

both = ssm.get_parameters(Names=[f"{root}/top", f"{root}/nope", f"{root}/db/host:1"])
check([p["Value"] for p in both["Parameters"]] == ["top", "db.local"], f"GetParameters: {both['Parameters']}")
check(both["InvalidParameters"] == [f"{root}/nope"], f"invalid names: {both['InvalidParameters']}")

# DescribeParameters paged with a path filter.
seen = []
kwargs = {"ParameterFilters": [{"Key": "Path", "Option": "Recursive", "Values": [root]}], "MaxResults": 2}
while True:
    page = ssm.describe_parameters(**kwargs)
    seen += [p["Name"] for p in page["Parameters"]]
    if "NextToken" not in page:
        break
    kwargs["NextToken"] = page["NextToken"]
check(sorted(seen) == expected, f"describe paged: {seen}")

ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=f"{root}/top", Tags=[{"Key": "team", "Value": "a"}])
check(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{root}/top")["TagList"] == [{"Key": "team", "Value": "a"}], "tags")
tagged = ssm.describe_parameters(ParameterFilters=[{"Key": "tag:team", "Values": ["a"]}])["Parameters"]
check([p["Name"] for p in tagged] == [f"{root}/top"], f"tag filter: {tagged}")
ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=f"{root}/top", TagKeys=["team"])
expect_code("InvalidResourceId", ssm.list_tags_for_resource, ResourceType="Parameter", ResourceId=f"{root}/nope")

deleted = ssm.delete_parameters(Names=[f"{root}/top", f"{root}/nope"])
check(deleted["DeletedParameters"] == [f"{root}/top"] and deleted["InvalidParameters"] == [f"{root}/nope"], f"DeleteParameters: {deleted}")
ssm.delete_parameter(Name=f"{root}/app/list")
expect_code("ParameterNotFound", ssm.delete_parameter, Name=f"{root}/app/list")

expect_code("ValidationException", ssm.put_parameter, Name="awsreserved", Value="v", Type="String")
expect_code("ValidationException", ssm.put_parameter, Name=f"{root}/new", Value="v")
expect_code("ParameterPatternMismatchException", ssm.put_parameter, Name=f"{root}/pat", Value="abc", Type="String", AllowedPattern="^[0-9]+$")
expect_code("ValidationException", ssm.put_parameter, Name=f"{root}/ow", Value="v", Type="String", Overwrite=True, Tags=[{"Key": "k", "Value": "v"}])

region = ssm.get_parameter(Name="/aws/service/global-infrastructure/regions/us-east-1/longName")["Parameter"]
check(region["Value"] == "US East (N. Virginia)", f"public parameter: {region}")
# No managed instances: Run Command and sessions answer SSM's errors, listings are empty.
expect_code("InvalidInstanceId", ssm.send_command, InstanceIds=["i-0123456789abcdef0"], DocumentName="AWS-RunShellScript", Parameters={"commands": ["true"]})
expect_code("TargetNotConnected", ssm.start_session, Target="i-0123456789abcdef0")
check(ssm.describe_instance_information()["InstanceInformationList"] == [], "no managed instances")
check(ssm.get_connection_status(Target="i-0123456789abcdef0")["Status"] == "notconnected", "not connected")
done("ssm_parameters")
