"""Code inside a Cloud Run job finds its identity on the metadata server: a job (created with
google-cloud-run) runs Python that calls google.auth.default() and google-cloud-storage's
Client() with no credentials or project given; the library finds the metadata server through
GCE_METADATA_HOST, gets the project, the job's service account and an access token, and writes
an object to the simulated Cloud Storage. The test reads the object back, checks the token with
tokeninfo (a forged one is invalid_token), and checks that the metadata server refused a
request without Metadata-Flavor. Exits non-zero on the first difference."""
import json
import os
import urllib.error
import urllib.request

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import logging, run_v2, storage

ENDPOINT = os.environ["GCP_ENDPOINT"]
PYTHON = os.environ["PYTHON"]
ACCOUNT = "runner@p.iam.gserviceaccount.com"

# What the job runs: no credentials, no project, only what the environment gives it.
WORKLOAD = r'''
import os, urllib.error, urllib.request
import google.auth
import google.auth.transport.requests
from google.cloud import storage
try:
    urllib.request.urlopen("http://" + os.environ["GCE_METADATA_HOST"] + "/computeMetadata/v1/project/project-id")
    print("unflavored: answered")
except urllib.error.HTTPError as error:
    print("unflavored:", error.code)
credentials, project = google.auth.default()
credentials.refresh(google.auth.transport.requests.Request())
client = storage.Client()
blob = client.bucket("from-jobs").blob("identity")
blob.upload_from_string(" ".join([project, client.project, credentials.service_account_email, credentials.token]))
print("wrote", blob.name, "as", credentials.service_account_email)
'''

storage_client = storage.Client(project="p", credentials=AnonymousCredentials(), client_options={"api_endpoint": ENDPOINT})
storage_client.create_bucket("from-jobs")

options = ClientOptions(api_endpoint=ENDPOINT)
jobs = run_v2.JobsClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
container = run_v2.Container(image="localhost/python", command=[PYTHON, "-c", WORKLOAD],
                             env=[run_v2.EnvVar(name="API_ENDPOINT_OVERRIDE", value=ENDPOINT)])
template = run_v2.TaskTemplate(containers=[container], max_retries=0, service_account=ACCOUNT)
job = jobs.create_job(parent="projects/p/locations/us-central1", job_id="who-am-i",
                      job=run_v2.Job(template=run_v2.ExecutionTemplate(template=template))).result(timeout=30)
execution = jobs.run_job(name=job.name).result(timeout=120)
execution_id = execution.name.rsplit("/", 1)[1]
log_client = logging.Client(project="p", credentials=AnonymousCredentials(), _use_grpc=False, client_options={"api_endpoint": ENDPOINT})
output = [e.payload for e in log_client.list_entries(filter_=f'labels."run.googleapis.com/execution_name"="{execution_id}"')]
assert execution.succeeded_count == 1, (execution, output)
stdout = sorted(e.payload for e in log_client.list_entries(
    filter_=f'labels."run.googleapis.com/execution_name"="{execution_id}" AND logName="projects/p/logs/run.googleapis.com%2Fstdout"'))
assert stdout == ["unflavored: 403", f"wrote identity as {ACCOUNT}"], output

project, client_project, email, token = storage_client.bucket("from-jobs").blob("identity").download_as_text().split(" ")
assert (project, client_project, email) == ("p", "p", ACCOUNT), (project, client_project, email)
assert token.startswith("ya29."), token


def token_info(value):
    try:
        with urllib.request.urlopen(f"{ENDPOINT}/oauth2/v3/tokeninfo?access_token={value}") as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


status, info = token_info(token)
assert status == 200 and info["email"] == ACCOUNT, (status, info)
assert info["scope"] == "https://www.googleapis.com/auth/cloud-platform" and 3000 < int(info["expires_in"]) <= 3600, info
assert token_info("ya29.forged") == (400, {"error": "invalid_token", "error_description": "Invalid Value"})
print("ok")
