"""Lambda's control plane through boto3: functions read back as created (CodeSha256 is the
base64 SHA-256 of the zip, Code.Location downloads that zip), the waiters see Pending → Active
and InProgress → Successful, ListFunctions pages with MaxItems=1 and returns each function
once, versions and aliases (with routing) are invoked by qualifier, a function URL is invoked
over HTTP, resource policies carry the statement Lambda builds, tags, layers unpacked into the
environment, account settings count what exists, and Lambda's errors come with its codes and
messages."""
import base64
import hashlib
import json
import os
import urllib.request

from common import check, client, done, error_code, expect_code, unique
from lambda_helpers import create, invoke, role, zip_of

lam = client("lambda")
role_arn = role()
account = client("sts").get_caller_identity()["Account"]
region = lam.meta.region_name
endpoint = os.environ["AWS_ENDPOINT_URL"]

before = lam.get_account_settings()["AccountUsage"]

# Create and read back.
# Layers land in /opt on AWS; the process runner cannot give each environment its own /opt, so
# the simulator says where they are in _SOCKERLESS_OPT.
source = {"app.py": (
    "import os\n"
    "def handler(event, context):\n"
    "    opt = os.environ.get('_SOCKERLESS_OPT', '/opt')\n"
    "    layer = os.path.join(opt, 'layer.txt')\n"
    "    return {'version': context.function_version, 'layer': open(layer).read() if os.path.exists(layer) else None}\n"
)}
package = zip_of(source)
name = unique("fn")
created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                              Code={"ZipFile": package}, Description="first", MemorySize=256, Timeout=7,
                              Environment={"Variables": {"AA": "1"}}, Tags={"team": "core"})
check(created["State"] == "Pending" and created["StateReasonCode"] == "Creating", f"create state: {created['State']}")
check(created["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode(), "CodeSha256")
check(created["CodeSize"] == len(package) and created["Version"] == "$LATEST", "CodeSize/Version")
check(created["FunctionArn"] == f"arn:aws:lambda:{region}:{account}:function:{name}", f"ARN: {created['FunctionArn']}")
lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
got = lam.get_function(FunctionName=name)
config = got["Configuration"]
check(config["State"] == "Active" and config["LastUpdateStatus"] == "Successful", f"state: {config['State']}")
check(config["MemorySize"] == 256 and config["Timeout"] == 7 and config["Description"] == "first", "settings read back")
check(config["Environment"]["Variables"] == {"AA": "1"} and got["Tags"] == {"team": "core"}, "environment and tags")
check(config["EphemeralStorage"]["Size"] == 512 and config["Architectures"] == ["x86_64"], "defaults")
check(config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}, f"logging: {config['LoggingConfig']}")
with urllib.request.urlopen(got["Code"]["Location"]) as response:
    check(response.read() == package, "Code.Location does not return the zip")
done("create and read back")

# Update configuration, waiter.
updated = lam.update_function_configuration(FunctionName=name, Description="second", Environment={"Variables": {"BB": "2"}})
check(updated["LastUpdateStatus"] == "InProgress", f"update status: {updated['LastUpdateStatus']}")
lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
config = lam.get_function_configuration(FunctionName=name)
check(config["Description"] == "second" and config["Environment"]["Variables"] == {"BB": "2"}, "configuration update")
stale = error_code(lam.update_function_configuration, FunctionName=name, Description="x", RevisionId="wrong")
check(stale == "PreconditionFailedException", f"stale revision: {stale}")
done("update and waiters")

# Paging.
names = [name] + [unique("page") for _ in range(3)]
for extra in names[1:]:
    create(lam, extra, role_arn, source)
seen, marker = [], None
while True:
    page = lam.list_functions(MaxItems=1, **({"Marker": marker} if marker else {}))
    check(len(page["Functions"]) <= 1, "MaxItems=1 returned more than one")
    seen += [f["FunctionName"] for f in page["Functions"]]
    marker = page.get("NextMarker")
    if not marker:
        break
check(sorted(n for n in seen if n in names) == sorted(names) and len(seen) == len(set(seen)), f"paging: {seen}")
done("paging")

# Versions and aliases.
v1 = lam.publish_version(FunctionName=name, Description="v1")
check(v1["Version"] == "1" and v1["FunctionArn"].endswith(f"{name}:1"), f"publish: {v1['Version']}")
again = lam.publish_version(FunctionName=name)
check(again["Version"] == "1", "publishing unchanged code made a new version")
lam.update_function_code(FunctionName=name, ZipFile=zip_of({"app.py": "def handler(event, context):\n    return {'version': context.function_version, 'code': 2}\n"}))
lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
v2 = lam.publish_version(FunctionName=name)
check(v2["Version"] == "2", f"second version: {v2['Version']}")
versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
check(versions == ["$LATEST", "1", "2"], f"versions: {versions}")
_, body = invoke(lam, name, {}, Qualifier="1")
check(body["version"] == "1" and "code" not in body, f"version 1 ran: {body}")
answer, body = invoke(lam, f"{name}:2", {})
check(body == {"version": "2", "code": 2} and answer["ExecutedVersion"] == "2", f"version 2 ran: {body}")
alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
check(alias["AliasArn"] == f"arn:aws:lambda:{region}:{account}:function:{name}:live", f"alias ARN: {alias['AliasArn']}")
answer, body = invoke(lam, name, {}, Qualifier="live")
check(body["version"] == "1" and answer["ExecutedVersion"] == "1", f"alias invoke: {body}")
lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
ran = {invoke(lam, name, {}, Qualifier="live")[1]["version"] for _ in range(30)}
check(ran == {"1", "2"}, f"routing config sent invocations to {ran}")
expect_code("ResourceConflictException", lam.create_alias, FunctionName=name, Name="live", FunctionVersion="1")
conflict = error_code(lam.delete_function, FunctionName=name, Qualifier="1")
check(conflict == "ResourceConflictException", f"deleting an aliased version: {conflict}")
aliases = lam.list_aliases(FunctionName=name)["Aliases"]
check([a["Name"] for a in aliases] == ["live"], f"aliases: {aliases}")
done("versions and aliases")

# A function URL over HTTP.
url_fn = unique("url")
create(lam, url_fn, role_arn, {"app.py": "import json\ndef handler(event, context):\n    return {'statusCode': 201, 'headers': {'x-from': 'lambda'}, 'body': json.dumps({'path': event['rawPath'], 'q': event.get('queryStringParameters'), 'body': event.get('body'), 'method': event['requestContext']['http']['method'], 'version': event['version']})}\n"})
url = lam.create_function_url_config(FunctionName=url_fn, AuthType="NONE")
check(url["FunctionUrl"].startswith("https://") and ".lambda-url.us-east-1.on.aws/" in url["FunctionUrl"], f"url: {url['FunctionUrl']}")
host = url["FunctionUrl"].split("/")[2]
request = urllib.request.Request(f"{endpoint}/some/path?x=1", data=b'{"hi": 1}', method="POST",
                                 headers={"Host": host, "Content-Type": "application/json"})
with urllib.request.urlopen(request) as response:
    check(response.status == 201 and response.headers["x-from"] == "lambda", f"URL status: {response.status}")
    body = json.loads(response.read())
check(body == {"path": "/some/path", "q": {"x": "1"}, "body": '{"hi": 1}', "method": "POST", "version": "2.0"}, f"URL event: {body}")
check(lam.get_function_url_config(FunctionName=url_fn)["AuthType"] == "NONE", "GetFunctionUrlConfig")
expect_code("ResourceConflictException", lam.create_function_url_config, FunctionName=url_fn, AuthType="NONE")
lam.delete_function_url_config(FunctionName=url_fn)
expect_code("ResourceNotFoundException", lam.get_function_url_config, FunctionName=url_fn)
done("function URL")

# Resource policies.
statement = json.loads(lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                                          Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket",
                                          SourceAccount=account)["Statement"])
check(statement == {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                    "Resource": created["FunctionArn"], "Condition": {"StringEquals": {"AWS:SourceAccount": account},
                                                                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}, f"statement: {statement}")
policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
check(policy["Version"] == "2012-10-17" and [s["Sid"] for s in policy["Statement"]] == ["s3"], f"policy: {policy}")
expect_code("ResourceConflictException", lam.add_permission, FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
lam.remove_permission(FunctionName=name, StatementId="s3")
expect_code("ResourceNotFoundException", lam.get_policy, FunctionName=name)
done("policies")

# Tags.
arn = created["FunctionArn"]
lam.tag_resource(Resource=arn, Tags={"env": "test"})
lam.untag_resource(Resource=arn, TagKeys=["team"])
check(lam.list_tags(Resource=arn)["Tags"] == {"env": "test"}, "tags after tag/untag")
done("tags")

# Layers, unpacked under the environment's /opt.
layer = lam.publish_layer_version(LayerName=unique("layer"), Content={"ZipFile": zip_of({"layer.txt": "from the layer"})},
                                  CompatibleRuntimes=["python3.12"])
check(layer["Version"] == 1 and layer["LayerVersionArn"].endswith(":1"), f"layer: {layer['LayerVersionArn']}")
layered = unique("layered")
create(lam, layered, role_arn, source, Layers=[layer["LayerVersionArn"]])
_, body = invoke(lam, layered, {})
check(body["layer"] == "from the layer", f"layer content: {body}")
check(lam.get_function_configuration(FunctionName=layered)["Layers"][0]["Arn"] == layer["LayerVersionArn"], "function layers")
done("layers")

# Account settings count what exists.
after = lam.get_account_settings()["AccountUsage"]
check(after["FunctionCount"] == before["FunctionCount"] + 6, f"function count: {before} -> {after}")
done("account settings")

# Errors.
try:
    lam.get_function(FunctionName="does-not-exist")
    check(False, "GetFunction of a missing function succeeded")
except lam.exceptions.ResourceNotFoundException as error:
    message = error.response["Error"]["Message"]
    check(message == f"Function not found: arn:aws:lambda:{region}:{account}:function:does-not-exist", f"message: {message}")
expect_code("ResourceConflictException", lam.create_function, FunctionName=name, Runtime="python3.12", Role=role_arn,
            Handler="app.handler", Code={"ZipFile": package})
expect_code("InvalidParameterValueException", lam.create_function, FunctionName=unique("bad"), Runtime="python3.12",
            Role=role_arn, Handler="app.handler", Code={"ZipFile": b"not a zip"})
expect_code("InvalidParameterValueException", lam.create_function, FunctionName=unique("bad"), Runtime="python3.12",
            Role=f"arn:aws:iam::{account}:role/missing", Handler="app.handler", Code={"ZipFile": package})
expect_code("InvalidParameterValueException", lam.create_function, FunctionName=unique("bad"), Runtime="python3.12",
            Role=role_arn, Handler="app.handler", Code={"S3Bucket": "no-such-bucket", "S3Key": "k.zip"})
expect_code("ResourceNotFoundException", lam.invoke, FunctionName=name, Qualifier="99")
done("errors")

lam.delete_function(FunctionName=name)
expect_code("ResourceNotFoundException", lam.get_function, FunctionName=name)
done("delete")
