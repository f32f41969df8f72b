"""The registry's `/v2/` API by raw HTTP: the version check and its challenge, bad names and
digests answered with the spec's errors, a manifest whose blobs are missing refused, chunked
uploads with Content-Range (and one out of order refused), upload status and cancel,
cross-repository mounts, ranged blob reads, tag paging with n/last and Link, immutable tags."""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, client, done, unique  # noqa: E402
from ecr_common import expect_registry_error, http, password, sha  # noqa: E402

ecr = client("ecr")
name = unique("http")
other = unique("http-other")
ecr.create_repository(repositoryName=name)
ecr.create_repository(repositoryName=other)
secret = password()

status, headers, _ = http("GET", "/v2/")
check(status == 401, f"/v2/ without credentials: {status}")
check(headers["WWW-Authenticate"].startswith("Basic realm="), headers.get("WWW-Authenticate"))
check(headers["Docker-Distribution-API-Version"] == "registry/2.0", "API version header")
expect_registry_error(http("GET", "/v2/", "not-a-token"), 401, "UNAUTHORIZED")
status, headers, body = http("GET", "/v2/", secret)
check(status == 200 and json.loads(body) == {}, f"/v2/: {status} {body!r}")

expect_registry_error(http("GET", "/v2/Upper/tags/list", secret), 400, "NAME_INVALID")
expect_registry_error(http("GET", "/v2/a/../etc/tags/list", secret), 400, "NAME_INVALID")
expect_registry_error(http("GET", f"/v2/{name}/blobs/sha256:xyz", secret), 400, "DIGEST_INVALID")
expect_registry_error(http("GET", f"/v2/{name}/blobs/md5:abcd", secret), 400, "DIGEST_INVALID")
expect_registry_error(http("GET", f"/v2/{name}/blobs/{sha(b'absent')}", secret), 404, "BLOB_UNKNOWN")
expect_registry_error(http("GET", f"/v2/{name}/manifests/nope", secret), 404, "MANIFEST_UNKNOWN")
error = expect_registry_error(http("GET", "/v2/no-such-repo/tags/list", secret), 404, "NAME_UNKNOWN")
check("does not exist in the registry with id" in error["message"], error)

# Chunked upload: two PATCHes with Content-Range, status, then PUT with the digest.
data = os.urandom(300_000)
status, headers, _ = http("POST", f"/v2/{name}/blobs/uploads/", secret)
check(status == 202, f"start upload: {status}")
location = headers["Location"]
check(headers["Range"] == "0-0", f"initial range {headers['Range']}")
status, headers, _ = http("PATCH", location, secret, body=data[:100_000],
                          headers={"Content-Range": "0-99999", "Content-Type": "application/octet-stream"})
check(status == 202 and headers["Range"] == "0-99999", f"first chunk: {status} {headers.get('Range')}")
status, headers, _ = http("PATCH", location, secret, body=data[:10], headers={"Content-Range": "5-14"})
check(status == 416, f"out-of-order chunk: {status}")
status, headers, _ = http("GET", location, secret)
check(status == 204 and headers["Range"] == "0-99999", f"status: {status} {headers.get('Range')}")
status, _, _ = http("PATCH", location, secret, body=data[100_000:], headers={"Content-Range": f"100000-{len(data) - 1}"})
check(status == 202, f"second chunk: {status}")
expect_registry_error(http("PUT", f"{location}?digest={sha(b'wrong')}", secret), 400, "DIGEST_INVALID")
status, headers, _ = http("PUT", f"{location}?digest={sha(data)}", secret)
check(status == 201 and headers["Docker-Content-Digest"] == sha(data), f"complete: {status}")
expect_registry_error(http("GET", location, secret), 404, "BLOB_UPLOAD_UNKNOWN")

# Cancel.
status, headers, _ = http("POST", f"/v2/{name}/blobs/uploads/", secret)
cancel = headers["Location"]
check(http("DELETE", cancel, secret)[0] == 204, "cancel")
expect_registry_error(http("GET", cancel, secret), 404, "BLOB_UPLOAD_UNKNOWN")

# Ranged reads.
status, headers, body = http("GET", f"/v2/{name}/blobs/{sha(data)}", secret, headers={"Range": "bytes=10-19"})
check(status == 206 and body == data[10:20], f"range: {status}")
check(headers["Content-Range"] == f"bytes 10-19/{len(data)}", headers.get("Content-Range"))
status, headers, body = http("HEAD", f"/v2/{name}/blobs/{sha(data)}", secret)
check(status == 200 and int(headers["Content-Length"]) == len(data) and body == b"", f"HEAD blob: {status}")

# Mount into the other repository, which then holds the blob.
check(http("HEAD", f"/v2/{other}/blobs/{sha(data)}", secret)[0] == 404, "HEAD of a blob the repository lacks")
status, headers, _ = http("POST", f"/v2/{other}/blobs/uploads/?mount={sha(data)}&from={name}", secret)
check(status == 201 and headers["Location"].endswith(sha(data)), f"mount: {status}")
check(http("HEAD", f"/v2/{other}/blobs/{sha(data)}", secret)[0] == 200, "mounted blob")

# A manifest whose layer is missing is refused; with its blobs present it is stored.
config = b'{"architecture":"amd64","os":"linux"}'
check(http("POST", f"/v2/{name}/blobs/uploads/?digest={sha(config)}", secret, body=config)[0] == 201, "config")
def manifest(layer_digest, size):
    return json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": layer_digest, "size": size}],
    }).encode()
docker = {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"}
error = expect_registry_error(http("PUT", f"/v2/{name}/manifests/v1", secret, manifest(sha(b"missing"), 7), docker), 404, "MANIFEST_BLOB_UNKNOWN")
check(error["detail"]["digest"] == sha(b"missing"), error)
good = manifest(sha(data), len(data))
expect_registry_error(http("PUT", f"/v2/{name}/manifests/{sha(b'other')}", secret, good, docker), 400, "DIGEST_INVALID")
expect_registry_error(http("PUT", f"/v2/{name}/manifests/v1", secret, b"{not json", docker), 400, "MANIFEST_INVALID")
for tag in ["a", "b", "c", "d"]:
    status, headers, _ = http("PUT", f"/v2/{name}/manifests/{tag}", secret, good, docker)
    check(status == 201 and headers["Docker-Content-Digest"] == sha(good), f"push {tag}: {status}")
status, headers, body = http("GET", f"/v2/{name}/manifests/a", secret, headers={"Accept": docker["Content-Type"]})
check(body == good and headers["Content-Type"] == docker["Content-Type"], "manifest read back as written")

# Tags page with n and last, following Link.
seen, path = [], f"/v2/{name}/tags/list?n=3"
while path:
    status, headers, body = http("GET", path, secret)
    seen += json.loads(body)["tags"]
    link = headers.get("Link")
    path = link[1:link.index(">")] if link else None
check(seen == ["a", "b", "c", "d"], f"paged tags {seen}")

# Immutable tags may not move.
ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE")
moved = manifest(sha(config), len(config))
expect_registry_error(http("PUT", f"/v2/{name}/manifests/a", secret, moved, docker), 400, "TAG_INVALID")
check(http("PUT", f"/v2/{name}/manifests/new", secret, moved, docker)[0] == 201, "new tag on immutable repository")

# Deleting by digest removes the manifest and its tags.
check(http("DELETE", f"/v2/{name}/manifests/{sha(good)}", secret)[0] == 202, "delete manifest")
expect_registry_error(http("GET", f"/v2/{name}/manifests/a", secret), 404, "MANIFEST_UNKNOWN")
tags = {i.get("imageTag") for i in ecr.list_images(repositoryName=name)["imageIds"]}
check(tags == {"new"}, f"tags left {tags}")

# A download URL from GetDownloadUrlForLayer works without credentials.
url = ecr.get_download_url_for_layer(repositoryName=name, layerDigest=sha(data))["downloadUrl"]
prefix = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
check(url.startswith(prefix), url)
status, _, body = http("GET", url[len(prefix):])
check(status == 200 and body == data, f"download URL: {status}")
# The registry host names an account and region: over HTTPS (SNI), through a proxy, and by the
# Host header; the path form means the default region, where the repository is not.
eu = client("ecr", region_name="eu-west-1")
eu.create_repository(repositoryName=name)
eu_layer = os.urandom(1000)
upload = eu.initiate_layer_upload(repositoryName=name)["uploadId"]
eu.upload_layer_part(repositoryName=name, uploadId=upload, partFirstByte=0, partLastByte=999, layerPartBlob=eu_layer)
eu.complete_layer_upload(repositoryName=name, uploadId=upload, layerDigests=[sha(eu_layer)])
eu_secret = base64.b64decode(eu.get_authorization_token()["authorizationData"][0]["authorizationToken"]).decode().split(":", 1)[1]
port = os.environ["AWS_ENDPOINT_URL"].rsplit(":", 1)[1].rstrip("/")
host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
curl = os.environ.get("SOCKERLESS_CURL", "curl")
blob_path = f"/v2/{name}/blobs/{sha(eu_layer)}"
forms = {
    "https with SNI": ["-k", "--resolve", f"{host}:{port}:127.0.0.1", f"https://{host}:{port}{blob_path}"],
    "proxy": ["-x", f"http://127.0.0.1:{port}", f"http://{host}{blob_path}"],
    "Host header": ["-H", f"Host: {host}", f"http://127.0.0.1:{port}{blob_path}"],
}
for form, args in forms.items():
    result = subprocess.run([curl, "-s", "-f", "-u", f"AWS:{eu_secret}", *args], capture_output=True)
    check(result.returncode == 0 and result.stdout == eu_layer, f"{form}: {result.returncode} {result.stderr!r}")
check(http("GET", blob_path, eu_secret)[0] == 404, "the path form is the default region")
done("ecr registry http")
