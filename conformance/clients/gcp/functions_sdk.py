"""Cloud Functions (2nd gen) through google-cloud-functions' REST transport: a Python HTTP
function zipped into a bucket (google-cloud-storage) is deployed and answers an HTTP request
with what its code returns, at its cloudfunctions.net URL and at its Cloud Run service's URL,
both through the simulator as a proxy; an update changes what it answers; a source uploaded to
the URL generateUploadUrl gives deploys too, and one whose code fails at import is FAILED with
the reason; a source without main.py fails its build; the source comes back byte for byte
through generateDownloadUrl; paged listings, deletes, Google's errors, and the function's
output in Cloud Logging. Exits non-zero on the first difference."""
import io
import os
import urllib.error
import urllib.request
import zipfile

from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import functions_v2, logging, run_v2, storage

ENDPOINT = os.environ["GCP_ENDPOINT"]
options = ClientOptions(api_endpoint=ENDPOINT)
functions = functions_v2.FunctionServiceClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
services = run_v2.ServicesClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
gcs = storage.Client(project="p", credentials=AnonymousCredentials(), client_options={"api_endpoint": ENDPOINT})
PARENT = "projects/p/locations/us-central1"
State = functions_v2.Function.State

MAIN = """
import os

def hello(request):
    name = request.args.get("name", "world")
    print(f"greeting {name}", flush=True)
    return f"{os.environ.get('GREETING', 'Hello')}, {name}! path={request.path}"
"""


def zip_of(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


proxy = urllib.request.build_opener(urllib.request.ProxyHandler({"http": ENDPOINT}))


def fetch(url, path=""):
    url = url.replace("https://", "http://") + path
    try:
        with proxy.open(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def function_of(bucket, obj, entry_point="hello", env=None):
    return functions_v2.Function(
        build_config=functions_v2.BuildConfig(
            runtime="python311", entry_point=entry_point,
            source=functions_v2.Source(storage_source=functions_v2.StorageSource(bucket=bucket, object_=obj))),
        service_config=functions_v2.ServiceConfig(environment_variables=env or {}))


source = zip_of({"main.py": MAIN})
bucket = gcs.create_bucket("sources")
bucket.blob("hello.zip").upload_from_string(source, content_type="application/zip")

# Deploy from the bucket: ACTIVE, with its URLs; it answers what its code returns.
operation = functions.create_function(parent=PARENT, function_id="hello", function=function_of("sources", "hello.zip", env={"GREETING": "Hi"}))
function = operation.result(timeout=120)
assert function.name == f"{PARENT}/functions/hello", function.name
assert function.state == State.ACTIVE, function
assert function.environment == functions_v2.Environment.GEN_2, function.environment
assert function.url == "https://us-central1-p.cloudfunctions.net/hello", function.url
assert function.service_config.uri.endswith("-uc.a.run.app"), function.service_config.uri
assert function.service_config.service == f"{PARENT}/services/hello", function.service_config.service
assert function.build_config.entry_point == "hello"
status, body = fetch(function.url, "/sub?name=Ada")
assert (status, body) == (200, "Hi, Ada! path=/sub"), (status, body)
status, body = fetch(function.service_config.uri, "/?name=Run")
assert (status, body) == (200, "Hi, Run! path=/"), (status, body)
# The service behind it is a Cloud Run service, as in GCF.
service = services.get_service(name=function.service_config.service)
assert service.labels["goog-managed-by"] == "cloudfunctions", service.labels

# A Node.js function, through @google-cloud/functions-framework.
bucket.blob("node.zip").upload_from_string(zip_of({
    "index.js": "exports.hi = (req, res) => { console.log('node ' + req.query.name); res.send(`node says ${req.query.name} on ${process.version}`); };\n",
    "package.json": '{"name": "hi", "main": "index.js"}\n'}))
node_function = function_of("sources", "node.zip", entry_point="hi")
node_function.build_config.runtime = "nodejs20"
node_function = functions.create_function(parent=PARENT, function_id="node", function=node_function).result(timeout=120)
assert node_function.state == State.ACTIVE, node_function
status, body = fetch(node_function.url, "?name=Lin")
assert status == 200 and body.startswith("node says Lin on v20."), (status, body)

# Errors: duplicate, bad runtime, missing.
try:
    functions.create_function(parent=PARENT, function_id="hello", function=function_of("sources", "hello.zip")).result()
except exceptions.Conflict:
    pass
else:
    raise AssertionError("a duplicate function was created")
bad = function_of("sources", "hello.zip")
bad.build_config.runtime = "cobol85"
try:
    functions.create_function(parent=PARENT, function_id="cobol", function=bad).result()
except exceptions.BadRequest:
    pass
else:
    raise AssertionError("an unknown runtime was accepted")
try:
    functions.get_function(name=f"{PARENT}/functions/missing")
except exceptions.NotFound:
    pass
else:
    raise AssertionError("a missing function was found")

# Update: a new environment, a new revision, a new answer.
function.service_config.environment_variables = {"GREETING": "Howdy"}
updated = functions.update_function(function=function, update_mask={"paths": ["service_config.environment_variables"]}).result(timeout=120)
assert updated.state == State.ACTIVE and updated.service_config.revision.startswith("hello-00002-"), updated.service_config
assert fetch(function.url, "?name=Bo")[1] == "Howdy, Bo! path=/", fetch(function.url, "?name=Bo")

# generateUploadUrl: PUT the zip there, deploy from it. Its code fails at import: FAILED.
upload = functions.generate_upload_url(request=functions_v2.GenerateUploadUrlRequest(parent=PARENT))
broken = zip_of({"main.py": "import not_a_module_anywhere\n\ndef hello(request):\n    return 'never'\n"})
request = urllib.request.Request(upload.upload_url, data=broken, method="PUT", headers={"Content-Type": "application/zip"})
with urllib.request.urlopen(request, timeout=30) as response:
    assert response.status == 200, response.status
operation = functions.create_function(parent=PARENT, function_id="broken", function=function_of(upload.storage_source.bucket, upload.storage_source.object_))
try:
    operation.result(timeout=120)
except exceptions.GoogleAPICallError as error:
    assert "Could not create or update Cloud Run service broken" in str(error), error
else:
    raise AssertionError("a function that cannot start became active")
failed = functions.get_function(name=f"{PARENT}/functions/broken")
assert failed.state == State.FAILED, failed.state
assert failed.state_messages[0].severity == functions_v2.StateMessage.Severity.ERROR, failed.state_messages
assert "failed to start and listen on the port" in failed.state_messages[0].message, failed.state_messages

# A source without main.py fails its build.
bucket.blob("empty.zip").upload_from_string(zip_of({"other.py": "x = 1\n"}))
try:
    functions.create_function(parent=PARENT, function_id="nomain", function=function_of("sources", "empty.zip")).result(timeout=60)
except exceptions.GoogleAPICallError as error:
    assert "missing main.py" in str(error), error
else:
    raise AssertionError("a source without main.py was built")

# The source back, byte for byte.
download = functions.generate_download_url(request=functions_v2.GenerateDownloadUrlRequest(name=function.name))
with urllib.request.urlopen(download.download_url, timeout=30) as response:
    assert response.read() == source

# Listings paged one at a time: each once.
names = [f.name.rsplit("/", 1)[1] for f in functions.list_functions(request=functions_v2.ListFunctionsRequest(parent=PARENT, page_size=1))]
assert names == ["broken", "hello", "node", "nomain"], names

# The function's output, in Cloud Logging under its service.
log_client = logging.Client(project="p", credentials=AnonymousCredentials(), _use_grpc=False,
                            client_options={"api_endpoint": ENDPOINT})
# With LOG_EXECUTION_ID set, the Functions Framework writes JSON lines; the simulator keeps
# them as text (Cloud Run would parse them into jsonPayload): read their message.
import json
lines = [e.payload for e in log_client.list_entries(filter_='resource.type="cloud_run_revision" AND resource.labels.service_name="hello" AND textPayload:"greeting"')]
messages = sorted(json.loads(line)["message"] for line in lines)
assert messages == ["greeting Ada", "greeting Bo", "greeting Run"], lines

# Delete: the function and its service go; its URL no longer answers.
functions.delete_function(name=function.name).result(timeout=60)
try:
    functions.get_function(name=function.name)
except exceptions.NotFound:
    pass
else:
    raise AssertionError("a deleted function was found")
assert fetch(function.url)[0] == 404
print("ok")
