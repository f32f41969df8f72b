"""STS through the aws CLI: caller identity, AssumeRole of a real role, calling as that role,
GetSessionToken, and AssumeRole's errors."""
import json

from common import aws, check, done, unique

identity = aws("sts", "get-caller-identity")
check(identity["Account"] == "123456789012", f"default account: {identity}")
check(identity["Arn"] == "arn:aws:iam::123456789012:root", f"root ARN: {identity}")

role = unique("sts-cli-role")
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
created = aws("iam", "create-role", "--role-name", role, "--assume-role-policy-document", trust, "--max-session-duration", "7200")
role_arn = created["Role"]["Arn"]

assumed = aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "cli-session", "--duration-seconds", "7200")
credentials = assumed["Credentials"]
check(credentials["AccessKeyId"].startswith("ASIA"), f"temporary key id: {credentials}")
check(assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{role}/cli-session", f"{assumed}")
check(assumed["AssumedRoleUser"]["AssumedRoleId"] == created["Role"]["RoleId"] + ":cli-session", f"{assumed}")

as_role = aws("sts", "get-caller-identity", env={
    "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
    "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
    "AWS_SESSION_TOKEN": credentials["SessionToken"],
})
check(as_role["Arn"] == assumed["AssumedRoleUser"]["Arn"], f"calling as the role: {as_role}")
check(as_role["UserId"] == assumed["AssumedRoleUser"]["AssumedRoleId"], f"{as_role}")

info = aws("sts", "get-access-key-info", "--access-key-id", credentials["AccessKeyId"])
check(info["Account"] == "123456789012", f"{info}")

session = aws("sts", "get-session-token", "--duration-seconds", "900")
check(session["Credentials"]["AccessKeyId"].startswith("ASIA"), f"{session}")

aws("sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/does-not-exist", "--role-session-name", "xy", expect_error="AccessDenied")
aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "xy", "--duration-seconds", "43200", expect_error="ValidationError")
aws("sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "bad session name", expect_error="ValidationError")
done("sts cli")
