"""Secret Manager through google-cloud-secret-manager's REST transport: secrets and versions
(add with and without a checksum, access by number and `latest`, disable, enable, destroy),
payloads read back byte for byte with their CRC32C, listings paged one by one with each item
once (versions newest first), label filters, etags, IAM policies and Google's errors; then a
Cloud Run job (google-cloud-run) whose env var comes from a secret prints it, read back from
Cloud Logging, and one naming a missing secret fails its task saying so. Exits non-zero on the
first difference."""
import os

import google_crc32c
from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import logging, run_v2, secretmanager
from google.iam.v1 import policy_pb2

ENDPOINT = os.environ["GCP_ENDPOINT"]
options = ClientOptions(api_endpoint=ENDPOINT)
client = secretmanager.SecretManagerServiceClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
State = secretmanager.SecretVersion.State
PROJECT = "projects/p"


def crc32c(data):
    return int(google_crc32c.Checksum(data).hexdigest(), 16)


def expect(error_type, call, message=None, status=None):
    """The REST transport raises by HTTP status; `status` checks google.rpc's code name."""
    try:
        call()
    except error_type as error:
        if message is not None:
            assert message in error.message, (message, error.message)
        if status is not None:
            sent = error.response.json()["error"]["status"]
            assert sent == status, (status, sent)
        return error
    raise AssertionError(f"expected {error_type.__name__}")


automatic = {"automatic": {}}
secret = client.create_secret(request={"parent": PROJECT, "secret_id": "db-password",
                                       "secret": {"replication": automatic, "labels": {"team": "blue"}}})
# Secret Manager answers with the project's number, though the request named its ID.
NUMBERED = secret.name.split("/")[1]
assert NUMBERED.isdigit() and len(NUMBERED) == 12, secret.name
assert secret.name == f"projects/{NUMBERED}/secrets/db-password", secret.name
assert client.get_secret(name=f"projects/{NUMBERED}/secrets/db-password") == client.get_secret(name="projects/p/secrets/db-password")
assert secret.create_time and secret.etag and secret.labels["team"] == "blue", secret
expect(exceptions.Conflict, lambda: client.create_secret(request={"parent": PROJECT, "secret_id": "db-password", "secret": {"replication": automatic}}),
       f"Secret [projects/{NUMBERED}/secrets/db-password] already exists.", "ALREADY_EXISTS")
expect(exceptions.BadRequest, lambda: client.create_secret(request={"parent": PROJECT, "secret_id": "bad.id", "secret": {"replication": automatic}}))
expect(exceptions.BadRequest, lambda: client.create_secret(request={"parent": PROJECT, "secret_id": "no-replication", "secret": {}}))
expect(exceptions.NotFound, lambda: client.get_secret(name="projects/p/secrets/missing"), f"Secret [projects/{NUMBERED}/secrets/missing] not found.")
expect(exceptions.NotFound, lambda: client.access_secret_version(name="projects/p/secrets/db-password/versions/latest"),
       f"Secret [projects/{NUMBERED}/secrets/db-password] not found or has no versions.")

# Versions: numbered from 1; a checksum sent with a payload must match it.
first = client.add_secret_version(request={"parent": secret.name, "payload": {"data": b"hunter2", "data_crc32c": crc32c(b"hunter2")}})
assert first.name == f"projects/{NUMBERED}/secrets/db-password/versions/1", first.name
assert first.state == State.ENABLED and first.client_specified_payload_checksum, first
expect(exceptions.BadRequest, lambda: client.add_secret_version(request={"parent": secret.name, "payload": {"data": b"x", "data_crc32c": crc32c(b"y")}}))
expect(exceptions.BadRequest, lambda: client.add_secret_version(request={"parent": secret.name, "payload": {"data": b"x" * (64 * 1024 + 1)}}))
binary = bytes(range(256)) * 4
second = client.add_secret_version(request={"parent": secret.name, "payload": {"data": binary}})
assert second.name.endswith("/versions/2") and not second.client_specified_payload_checksum, second
latest = client.access_secret_version(name=f"{secret.name}/versions/latest")
assert latest.name == second.name, latest.name
assert latest.payload.data == binary and latest.payload.data_crc32c == crc32c(binary), latest.payload.data_crc32c
assert client.access_secret_version(name=first.name).payload.data == b"hunter2"
expect(exceptions.NotFound, lambda: client.access_secret_version(name=f"{secret.name}/versions/9"),
       f"Secret Version [projects/{NUMBERED}/secrets/db-password/versions/9] not found.")

# States: latest is the newest version whatever its state; DESTROYED is final.
disabled = client.disable_secret_version(request={"name": second.name})
assert disabled.state == State.DISABLED and disabled.etag != second.etag, disabled
expect(exceptions.BadRequest, lambda: client.access_secret_version(name=f"{secret.name}/versions/latest"),
       f"Secret Version [projects/{NUMBERED}/secrets/db-password/versions/2] is in DISABLED state.", "FAILED_PRECONDITION")
expect(exceptions.Conflict, lambda: client.enable_secret_version(request={"name": second.name, "etag": second.etag}), status="ABORTED")
assert client.enable_secret_version(request={"name": second.name, "etag": disabled.etag}).state == State.ENABLED
destroyed = client.destroy_secret_version(request={"name": first.name})
assert destroyed.state == State.DESTROYED and destroyed.destroy_time, destroyed
expect(exceptions.BadRequest, lambda: client.access_secret_version(name=first.name), "is in DESTROYED state.", "FAILED_PRECONDITION")
expect(exceptions.BadRequest, lambda: client.enable_secret_version(request={"name": first.name}), status="FAILED_PRECONDITION")
third = client.add_secret_version(request={"parent": secret.name, "payload": {"data": b"s3cret-for-run"}})

# Listings paged one by one: each item once, versions newest first.
pages = client.list_secret_versions(request={"parent": secret.name, "page_size": 1})
names = [v.name.rsplit("/", 1)[1] for v in pages]
assert names == ["3", "2", "1"], names
enabled = [v.name.rsplit("/", 1)[1] for v in client.list_secret_versions(request={"parent": secret.name, "filter": "state:ENABLED"})]
assert enabled == ["3", "2"], enabled
for index in range(5):
    client.create_secret(request={"parent": PROJECT, "secret_id": f"extra-{index}", "secret": {
        "replication": {"user_managed": {"replicas": [{"location": "us-east1"}]}},
        "labels": {"team": "red" if index % 2 else "blue"}}})
listed = [s.name.rsplit("/", 1)[1] for s in client.list_secrets(request={"parent": PROJECT, "page_size": 2})]
assert listed == ["db-password", "extra-0", "extra-1", "extra-2", "extra-3", "extra-4"], listed
blue = sorted(s.name.rsplit("/", 1)[1] for s in client.list_secrets(request={"parent": PROJECT, "filter": "labels.team=blue"}))
assert blue == ["db-password", "extra-0", "extra-2", "extra-4"], blue
expect(exceptions.BadRequest, lambda: list(client.list_secrets(request={"parent": PROJECT, "filter": "create_time>2020"})))
replicated = client.get_secret(name="projects/p/secrets/extra-0")
assert replicated.replication.user_managed.replicas[0].location == "us-east1", replicated.replication

# Updates name their fields; a stale etag is refused.
updated = client.update_secret(request={"secret": {"name": secret.name, "labels": {"team": "green"}}, "update_mask": {"paths": ["labels"]}})
assert dict(updated.labels) == {"team": "green"} and updated.etag != secret.etag, updated
expect(exceptions.Conflict, lambda: client.update_secret(request={"secret": {"name": secret.name, "labels": {}, "etag": secret.etag}, "update_mask": {"paths": ["labels"]}}), status="ABORTED")

# IAM on a secret.
policy = client.get_iam_policy(request={"resource": secret.name})
assert policy.etag == b"\x00\x20\x01" and not policy.bindings, policy
accessor = policy_pb2.Binding(role="roles/secretmanager.secretAccessor", members=["serviceAccount:runner@p.iam.gserviceaccount.com"])
written = client.set_iam_policy(request={"resource": secret.name, "policy": policy_pb2.Policy(bindings=[accessor], etag=policy.etag)})
assert list(written.bindings) == [accessor] and written.etag != policy.etag, written
assert client.get_iam_policy(request={"resource": secret.name}) == written
expect(exceptions.BadRequest, lambda: client.set_iam_policy(request={"resource": secret.name, "policy": policy_pb2.Policy(
    bindings=[policy_pb2.Binding(role="roles/run.invoker", members=["allUsers"])])}), "Role roles/run.invoker is not supported for this resource.")
allowed = client.test_iam_permissions(request={"resource": secret.name, "permissions": ["secretmanager.versions.access", "run.jobs.run"]})
assert list(allowed.permissions) == ["secretmanager.versions.access"], allowed

# A Cloud Run job whose env var comes from the secret sees its latest enabled value.
run_options = ClientOptions(api_endpoint=ENDPOINT)
jobs = run_v2.JobsClient(transport="rest", credentials=AnonymousCredentials(), client_options=run_options)
tasks = run_v2.TasksClient(transport="rest", credentials=AnonymousCredentials(), client_options=run_options)
PARENT = "projects/p/locations/us-central1"


def job_with_secret(secret_ref):
    env = [run_v2.EnvVar(name="DB_PASSWORD", value_source=run_v2.EnvVarSource(secret_key_ref=run_v2.SecretKeySelector(**secret_ref))),
           run_v2.EnvVar(name="PLAIN", value="visible")]
    container = run_v2.Container(image="localhost/busybox", command=["sh", "-c", 'echo "password=$DB_PASSWORD plain=$PLAIN"'], env=env)
    return run_v2.Job(template=run_v2.ExecutionTemplate(template=run_v2.TaskTemplate(containers=[container], max_retries=0)))


job = jobs.create_job(parent=PARENT, job_id="uses-secret", job=job_with_secret({"secret": "db-password", "version": "latest"})).result(timeout=30)
stored = job.template.template.containers[0].env[0].value_source.secret_key_ref
assert (stored.secret, stored.version) == ("db-password", "latest"), stored
execution = jobs.run_job(name=job.name).result(timeout=60)
assert execution.succeeded_count == 1, execution
execution_id = execution.name.rsplit("/", 1)[1]
log_client = logging.Client(project="p", credentials=AnonymousCredentials(), _use_grpc=False, client_options={"api_endpoint": ENDPOINT})
lines = [e.payload for e in log_client.list_entries(filter_=f'labels."run.googleapis.com/execution_name"="{execution_id}" AND logName="projects/p/logs/run.googleapis.com%2Fstdout"')]
assert lines == ["password=s3cret-for-run plain=visible"], lines
expect(exceptions.BadRequest, lambda: jobs.create_job(parent=PARENT, job_id="no-secret-name", job=job_with_secret({"version": "1"})).result(timeout=30))
missing = jobs.create_job(parent=PARENT, job_id="missing-secret", job=job_with_secret({"secret": "nope"})).result(timeout=30)
failed = jobs.run_job(name=missing.name).result(timeout=60)
assert failed.failed_count == 1, failed
task = next(iter(tasks.list_tasks(parent=failed.name)))
message = task.last_attempt_result.status.message
assert "secret_key_ref" in message and f"Secret [projects/{NUMBERED}/secrets/nope] not found." in message, message

# Deleting a secret takes its versions and policy with it.
expect(exceptions.Conflict, lambda: client.delete_secret(request={"name": secret.name, "etag": secret.etag}), status="ABORTED")
client.delete_secret(request={"name": secret.name, "etag": updated.etag})
expect(exceptions.NotFound, lambda: client.get_secret(name=secret.name))
expect(exceptions.NotFound, lambda: client.access_secret_version(name=third.name))
print("ok")
