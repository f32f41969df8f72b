"""Artifact Registry's docker registry with skopeo and google-cloud-artifact-registry (REST,
integer enums): the offline busybox image (scripts/images) is pushed in the path form
(127.0.0.1:PORT/us-central1-docker.pkg.dev/p/images/busybox) with `oauth2accesstoken` basic
credentials, as `gcloud auth configure-docker` would give docker; the v1 API lists it as a
docker image, a package, a version and tags with its digest, size, upload time and media type;
listings paged one at a time give each item once; copying it back gives the layers byte for
byte; tags and versions are deleted (a tagged version only with force) and a package with its
images; pushes into a missing or non-docker repository, or without credentials, answer Artifact
Registry's errors; the token endpoint gives bearer tokens, and an anonymous one is denied.
Exits non-zero on the first difference."""
import base64
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request

from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import artifactregistry_v1 as ar

ENDPOINT = os.environ["AR_ENDPOINT"]
SKOPEO = os.environ["SOCKERLESS_SKOPEO"]
LAYOUT = os.environ["SOCKERLESS_BUSYBOX_LAYOUT"]
TAG = os.environ["SOCKERLESS_BUSYBOX_TAG"]
ADDRESS = ENDPOINT.split("://", 1)[1].rstrip("/")
HOST = "us-central1-docker.pkg.dev"
PARENT = "projects/p/locations/us-central1"
REPO = f"{PARENT}/repositories/images"
CREDS = "oauth2accesstoken:ya29.sockerless-test-token"

client = ar.ArtifactRegistryClient(transport="rest", credentials=AnonymousCredentials(),
                                   client_options=ClientOptions(api_endpoint=ENDPOINT))


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def skopeo(*args, ok=True):
    result = subprocess.run([SKOPEO, *args], capture_output=True, text=True)
    if ok and result.returncode != 0:
        raise SystemExit(f"FAIL: skopeo {' '.join(args)}: {result.stderr}")
    return result


def image_ref(path):
    return f"docker://{ADDRESS}/{HOST}/{path}"


def http(method, path, headers=None, data=None):
    request = urllib.request.Request(f"{ENDPOINT}{path}", method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def basic(creds=CREDS):
    return {"Authorization": "Basic " + base64.b64encode(creds.encode()).decode()}


def layout_blob(digest):
    with open(os.path.join(LAYOUT, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
        return f.read()


with open(os.path.join(LAYOUT, "index.json")) as f:
    descriptor = next(m for m in json.load(f)["manifests"]
                      if m["annotations"]["org.opencontainers.image.ref.name"] == TAG)
manifest = json.loads(layout_blob(descriptor["digest"]))
DIGEST = descriptor["digest"]
SIZE = manifest["config"]["size"] + sum(layer["size"] for layer in manifest["layers"])

client.create_repository(parent=PARENT, repository_id="images",
                         repository=ar.Repository(format_=ar.Repository.Format.DOCKER)).result()
client.create_repository(parent=PARENT, repository_id="jars",
                         repository=ar.Repository(format_=ar.Repository.Format.MAVEN)).result()

# Push with the credentials docker's gcloud helper gives, under two tags and two names.
source = f"oci:{LAYOUT}:{TAG}"
skopeo("copy", "--dest-creds", CREDS, "--dest-tls-verify=false", source, image_ref(f"p/images/busybox:{TAG}"))
skopeo("copy", "--dest-creds", CREDS, "--dest-tls-verify=false", source, image_ref("p/images/busybox:v1"))
skopeo("copy", "--dest-creds", CREDS, "--dest-tls-verify=false", source, image_ref("p/images/team/app:v2"))

# Without credentials, into a missing repository, into a Maven one, with too short a name.
refused = skopeo("copy", "--dest-tls-verify=false", source, image_ref("p/images/busybox:anon"), ok=False)
check(refused.returncode != 0, "a push without credentials was accepted")
status, headers, body = http("GET", f"/v2/{HOST}/p/images/busybox/tags/list")
check(status == 401, f"anonymous tag list: {status}")
check(headers.get("WWW-Authenticate") == f'Bearer realm="{ENDPOINT}/v2/token",service="{HOST}"',
      f"challenge {headers.get('WWW-Authenticate')}")
for repository, fmt in (("nope", None), ("jars", "maven")):
    status, _, body = http("POST", f"/v2/{HOST}/p/{repository}/busybox/blobs/uploads/", basic(), b"")
    error = json.loads(body)["errors"][0]
    check(status == 403 and error["code"] == "DENIED", f"push into {repository}: {status} {body}")
    check(error["message"] == 'Permission "artifactregistry.repositories.uploadArtifacts" denied on resource '
          f'"projects/p/locations/us-central1/repositories/{repository}" (or it may not exist)', error["message"])
status, _, body = http("GET", f"/v2/{HOST}/p/nope/busybox/manifests/latest", basic())
check(status == 403 and "artifactregistry.repositories.downloadArtifacts" in json.loads(body)["errors"][0]["message"],
      f"pull from a missing repository: {status} {body}")
pushed = skopeo("copy", "--dest-creds", CREDS, "--dest-tls-verify=false", source, image_ref("p/nope/busybox:x"), ok=False)
check(pushed.returncode != 0 and "403" in pushed.stderr, f"skopeo into a missing repository: {pushed.stderr}")
status, _, body = http("GET", f"/v2/{HOST}/p/images/manifests/latest", basic())
check(status == 400 and json.loads(body)["errors"][0]["message"].startswith("Missing image name."), f"short name: {body}")

# The token exchange: a signed-in token reads, an anonymous one is denied.
status, _, body = http("GET", f"/v2/token?service={HOST}&scope=repository:p/images/busybox:pull", basic())
token = json.loads(body)["token"]
check(status == 200 and json.loads(body)["expires_in"] == 3600, f"token: {status} {body}")
status, headers, _ = http("HEAD", f"/v2/{HOST}/p/images/busybox/manifests/{TAG}", {"Authorization": f"Bearer {token}"})
check(status == 200 and headers.get("Docker-Content-Digest") == DIGEST, f"bearer HEAD: {status} {headers}")
status, _, body = http("GET", f"/v2/token?service={HOST}")
anonymous = json.loads(body)["token"]
status, _, body = http("GET", f"/v2/{HOST}/p/images/busybox/manifests/{TAG}", {"Authorization": f"Bearer {anonymous}"})
check(status == 403 and json.loads(body)["errors"][0]["message"].startswith("Unauthenticated request."),
      f"anonymous token: {status} {body}")

# The v1 API shows exactly what was pushed.
images = list(client.list_docker_images(parent=REPO))
check(len(images) == 2, f"docker images {images}")
busybox = next(i for i in images if i.name == f"{REPO}/dockerImages/busybox@{DIGEST}")
check(busybox.uri == f"{HOST}/p/images/busybox@{DIGEST}", busybox.uri)
check(sorted(busybox.tags) == sorted([TAG, "v1"]), f"tags {busybox.tags}")
check(busybox.image_size_bytes == SIZE, f"size {busybox.image_size_bytes} != {SIZE}")
check(busybox.media_type == manifest.get("mediaType", "application/vnd.oci.image.manifest.v1+json"), busybox.media_type)
check(busybox.upload_time.year >= 2024, f"upload time {busybox.upload_time}")
got = client.get_docker_image(name=f"{REPO}/dockerImages/busybox@{DIGEST}")
check(got.uri == busybox.uri, "get by digest")
check(client.get_docker_image(name=f"{REPO}/dockerImages/team%2Fapp:v2").tags == ["v2"], "get by tag")

packages = []
request = ar.ListPackagesRequest(parent=REPO, page_size=1)
for page in client.list_packages(request=request).pages:
    check(len(page.packages) <= 1, "a page larger than asked")
    packages.extend(p.name for p in page.packages)
check(packages == [f"{REPO}/packages/busybox", f"{REPO}/packages/team%2Fapp"], f"packages {packages}")
package = client.get_package(name=f"{REPO}/packages/busybox")
check(package.create_time.year >= 2024 and package.update_time >= package.create_time, f"package {package}")

versions = list(client.list_versions(request=ar.ListVersionsRequest(parent=f"{REPO}/packages/busybox",
                                                                     view=ar.VersionView.FULL)))
check([v.name for v in versions] == [f"{REPO}/packages/busybox/versions/{DIGEST}"], f"versions {versions}")
check(sorted(t.name.rsplit("/", 1)[1] for t in versions[0].related_tags) == sorted([TAG, "v1"]),
      f"related tags {versions[0].related_tags}")

tags = []
for page in client.list_tags(request=ar.ListTagsRequest(parent=f"{REPO}/packages/busybox", page_size=1)).pages:
    tags.extend(t.name.rsplit("/", 1)[1] for t in page.tags)
check(tags == sorted([TAG, "v1"]), f"tags paged {tags}")
tag = client.get_tag(name=f"{REPO}/packages/busybox/tags/v1")
check(tag.version == f"{REPO}/packages/busybox/versions/{DIGEST}", tag.version)

# Copying back gives the layers byte for byte.
out = tempfile.mkdtemp()
skopeo("copy", "--src-creds", CREDS, "--src-tls-verify=false", image_ref("p/images/busybox:v1"), f"dir:{out}")
for layer in manifest["layers"]:
    with open(os.path.join(out, layer["digest"].split(":")[1]), "rb") as f:
        check(f.read() == layout_blob(layer["digest"]), f"layer {layer['digest']} differs")

# Deleting a tag leaves the version; a tagged version goes only with force.
client.delete_tag(name=f"{REPO}/packages/busybox/tags/v1")
listed = json.loads(skopeo("list-tags", "--creds", CREDS, "--tls-verify=false", image_ref("p/images/busybox")).stdout)
check(listed["Tags"] == [TAG], f"tags after delete {listed}")
try:
    client.delete_version(name=f"{REPO}/packages/busybox/versions/{DIGEST}").result()
    raise SystemExit("FAIL: a tagged version was deleted without force")
except exceptions.BadRequest as error:  # FAILED_PRECONDITION is HTTP 400
    check("has tags" in error.message, error.message)
client.delete_version(request=ar.DeleteVersionRequest(name=f"{REPO}/packages/busybox/versions/{DIGEST}",
                                                      force=True)).result()
try:
    client.get_docker_image(name=f"{REPO}/dockerImages/busybox@{DIGEST}")
    raise SystemExit("FAIL: a deleted version is still an image")
except exceptions.NotFound:
    pass
gone = skopeo("inspect", "--creds", CREDS, "--tls-verify=false", image_ref(f"p/images/busybox:{TAG}"), ok=False)
check(gone.returncode != 0, "a deleted image can still be pulled")

client.delete_package(name=f"{REPO}/packages/team%2Fapp").result()
check(list(client.list_packages(parent=REPO)) == [], "packages after deletes")
check(list(client.list_docker_images(parent=REPO)) == [], "images after deletes")
try:
    client.list_docker_images(parent=f"{PARENT}/repositories/missing")
    raise SystemExit("FAIL: images of a missing repository")
except exceptions.NotFound:
    pass
print("ok")
