"""Secrets Manager rotation through a real Lambda function: RotateSecret refuses a function
whose policy does not let secretsmanager.amazonaws.com invoke it; with the permission it answers
at once with the new VersionId, which DescribeSecret shows as AWSPENDING, and the function is
invoked with {SecretId, ClientRequestToken, Step} for createSecret, setSecret, testSecret and
finishSecret in that order (it records them in the secret it rotates). Afterwards the new value
is AWSCURRENT, the old one AWSPREVIOUS, AWSPENDING is gone and LastRotatedDate is set. A
function that fails leaves AWSPENDING in place and the next RotateSecret answers AWS's error."""
import json
import time

from common import check, client, done, unique
from lambda_helpers import create, role

sm = client("secretsmanager")
lam = client("lambda")
logs = client("logs")
role_arn = role()

ROTATOR = (
    "import json, boto3\n"
    "sm = boto3.client('secretsmanager')\n"
    "def handler(event, context):\n"
    "    arn, token, step = event['SecretId'], event['ClientRequestToken'], event['Step']\n"
    "    print('STEP', json.dumps(event, sort_keys=True))\n"
    "    versions = sm.describe_secret(SecretId=arn)['VersionIdsToStages']\n"
    "    if 'AWSPENDING' not in versions.get(token, []) and 'AWSCURRENT' not in versions.get(token, []):\n"
    "        raise ValueError('version %s is not pending' % token)\n"
    "    if step == 'createSecret':\n"
    "        current = json.loads(sm.get_secret_value(SecretId=arn, VersionStage='AWSCURRENT')['SecretString'])\n"
    "        try:\n"
    "            sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage='AWSPENDING')\n"
    "            raise RuntimeError('the pending version already had a value')\n"
    "        except sm.exceptions.ResourceNotFoundException:\n"
    "            pass\n"
    "        current['password'] = 'rotated-' + token[:8]\n"
    "        current['steps'] = [step]\n"
    "        sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(current), VersionStages=['AWSPENDING'])\n"
    "    elif step in ('setSecret', 'testSecret'):\n"
    "        pending = sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage='AWSPENDING')\n"
    "        assert json.loads(pending['SecretString'])['password'].startswith('rotated-')\n"
    "    elif step == 'finishSecret':\n"
    "        current = [v for v, stages in versions.items() if 'AWSCURRENT' in stages][0]\n"
    "        sm.update_secret_version_stage(SecretId=arn, VersionStage='AWSCURRENT', MoveToVersionId=token, RemoveFromVersionId=current)\n"
)

name = unique("rotator")
function_arn = create(lam, name, role_arn, {"app.py": ROTATOR}, Timeout=30)["FunctionArn"]
secret = sm.create_secret(Name=unique("db"), SecretString=json.dumps({"username": "app", "password": "first"}))
first_version = secret["VersionId"]

try:
    sm.rotate_secret(SecretId=secret["ARN"], RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30})
    check(False, "RotateSecret succeeded without the function's permission")
except sm.exceptions.ClientError as error:
    got = (error.response["Error"]["Code"], error.response["Error"]["Message"])
    check(got == ("AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."), f"no permission: {got}")
try:
    sm.rotate_secret(SecretId=secret["ARN"])
    check(False, "RotateSecret succeeded without a function")
except sm.exceptions.InvalidRequestException as error:
    check(error.response["Error"]["Message"] == "No Lambda rotation function ARN is associated with this secret.", f"{error.response['Error']}")
done("RotateSecret's checks")

lam.add_permission(FunctionName=name, StatementId="secretsmanager", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
rotated = sm.rotate_secret(SecretId=secret["ARN"], RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30})
token = rotated["VersionId"]
check(rotated["ARN"] == secret["ARN"] and token != first_version, f"rotate answer: {rotated}")
described = sm.describe_secret(SecretId=secret["ARN"])
check(described["RotationEnabled"] is True and described["RotationLambdaARN"] == function_arn, f"rotation recorded: {described}")
check(described["RotationRules"]["AutomaticallyAfterDays"] == 30, f"rules: {described.get('RotationRules')}")
check("AWSPENDING" in described["VersionIdsToStages"].get(token, []) or "AWSCURRENT" in described["VersionIdsToStages"].get(token, []), f"pending version: {described['VersionIdsToStages']}")

deadline = time.time() + 60
while time.time() < deadline:
    stages = sm.describe_secret(SecretId=secret["ARN"])["VersionIdsToStages"]
    if stages.get(token) == ["AWSCURRENT"]:
        break
    time.sleep(0.2)
check(stages.get(token) == ["AWSCURRENT"] and stages.get(first_version) == ["AWSPREVIOUS"], f"stages after rotation: {stages}")
value = json.loads(sm.get_secret_value(SecretId=secret["Name"])["SecretString"])
check(value == {"username": "app", "password": "rotated-" + token[:8], "steps": ["createSecret"]}, f"rotated value: {value}")
check(json.loads(sm.get_secret_value(SecretId=secret["Name"], VersionStage="AWSPREVIOUS")["SecretString"])["password"] == "first", "previous value")
check("LastRotatedDate" in sm.describe_secret(SecretId=secret["ARN"]), "LastRotatedDate")

group = f"/aws/lambda/{name}"
deadline = time.time() + 20
while time.time() < deadline:
    events = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"] if e["message"].startswith("STEP ")]
    if len(events) >= 4:
        break
    time.sleep(0.2)
payloads = [json.loads(m[len("STEP "):]) for m in events]
check([p["Step"] for p in payloads] == ["createSecret", "setSecret", "testSecret", "finishSecret"], f"steps: {payloads}")
check(all(p == {"SecretId": secret["ARN"], "ClientRequestToken": token, "Step": p["Step"]} for p in payloads), f"payloads: {payloads}")
done("rotation through the function's four steps")

# A function that fails at setSecret: AWSPENDING stays, the next rotation is refused.
broken = unique("broken")
broken_arn = create(lam, broken, role_arn, {"app.py": ROTATOR.replace("    elif step in ('setSecret', 'testSecret'):\n", "    elif step == 'setSecret':\n        raise RuntimeError('cannot set')\n    elif step == 'testSecret':\n")}, Timeout=30)["FunctionArn"]
lam.add_permission(FunctionName=broken, StatementId="secretsmanager", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
failing = sm.rotate_secret(SecretId=secret["ARN"], RotationLambdaARN=broken_arn)["VersionId"]
deadline = time.time() + 30
while time.time() < deadline:
    try:
        events = [e["message"] for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{broken}")["events"]]
    except logs.exceptions.ResourceNotFoundException:
        events = []  # the function's log group appears with its first invocation
    if any("cannot set" in m for m in events):
        break
    time.sleep(0.2)
time.sleep(0.5)
stages = sm.describe_secret(SecretId=secret["ARN"])["VersionIdsToStages"]
check(stages.get(failing) == ["AWSPENDING"] and stages.get(token) == ["AWSCURRENT"], f"stages after a failed rotation: {stages}")
try:
    sm.rotate_secret(SecretId=secret["ARN"])
    check(False, "a rotation over an unfinished one was accepted")
except sm.exceptions.InvalidRequestException as error:
    check(error.response["Error"]["Message"] == "A previous rotation isn't complete. That rotation will be reattempted.", f"{error.response['Error']}")
cancelled = sm.cancel_rotate_secret(SecretId=secret["ARN"])
check(cancelled["VersionId"] == failing, f"cancel answer: {cancelled}")
check(sm.describe_secret(SecretId=secret["ARN"])["RotationEnabled"] is False, "rotation disabled")
done("a failed rotation")
