"""SSM Parameter Store and Secrets Manager through the aws CLI: put and read a SecureString
with and without --with-decryption, and a secret's value and missing-secret error."""
from common import aws, check, done, unique

name = "/" + unique("cli") + "/password"
aws("ssm", "put-parameter", "--name", name, "--value", "hunter2", "--type", "SecureString")
plain = aws("ssm", "get-parameter", "--name", name, "--with-decryption")["Parameter"]["Value"]
check(plain == "hunter2", f"decrypted: {plain}")
sealed = aws("ssm", "get-parameter", "--name", name)["Parameter"]["Value"]
check(sealed != "hunter2", "sealed without decryption")
aws("ssm", "get-parameter", "--name", name + "-missing", expect_error="ParameterNotFound")

secret = unique("cli-secret")
aws("secretsmanager", "create-secret", "--name", secret, "--secret-string", "v1")
aws("secretsmanager", "put-secret-value", "--secret-id", secret, "--secret-string", "v2")
value = aws("secretsmanager", "get-secret-value", "--secret-id", secret, "--version-stage", "AWSPREVIOUS")
check(value["SecretString"] == "v1", f"previous via CLI: {value}")
aws("secretsmanager", "get-secret-value", "--secret-id", secret + "-missing", expect_error="ResourceNotFoundException")
done("ssm_cli")
