"""oras (Python) pushes an artifact to the ECR registry and pulls it back through the same
repository: DescribeImages shows the artifact's media types, the pulled file matches, and a
referrer pushed with a subject is listed by ListImageReferrers and the referrers API."""
import json
import os
import sys
import tempfile

import oras.client
import oras.provider

sys.path.insert(0, os.path.dirname(__file__))
from common import check, client, done, unique  # noqa: E402
from ecr_common import http, password, registry_host, sha  # noqa: E402

ecr = client("ecr")
name = unique("oras")
ecr.create_repository(repositoryName=name)
secret = password()
host = registry_host()

work = tempfile.mkdtemp()
artifact = os.path.join(work, "notes.txt")
content = os.urandom(2048).hex().encode()
with open(artifact, "wb") as f:
    f.write(content)

registry = oras.client.OrasClient(hostname=host, insecure=True, auth_backend="basic")
registry.login(username="AWS", password=secret, hostname=host)
os.chdir(work)
# Chunked: PATCH after PATCH with Content-Range, then PUT with the digest.
pushed = registry.push(target=f"{host}/{name}:notes", files=["notes.txt"], do_chunked=True, chunk_size=1000)
check(pushed.status_code in (200, 201), f"push answered {pushed.status_code}")

images = ecr.describe_images(repositoryName=name)["imageDetails"]
check(len(images) == 1 and images[0]["imageTags"] == ["notes"], f"images {images}")
image = images[0]
check(image["imageManifestMediaType"] == "application/vnd.oci.image.manifest.v1+json", image["imageManifestMediaType"])
check(image["imageSizeInBytes"] == len(content), f"size {image['imageSizeInBytes']} != {len(content)}")

out = os.path.join(work, "out")
files = registry.pull(target=f"{host}/{name}:notes", outdir=out)
check(len(files) == 1, f"pulled {files}")
with open(files[0], "rb") as f:
    check(f.read() == content, "pulled artifact differs")

# A referrer: a manifest whose subject is the artifact, pushed by raw HTTP with a blob upload.
empty = b"{}"
status, _, _ = http("POST", f"/v2/{name}/blobs/uploads/?digest={sha(empty)}", secret, body=empty,
                    headers={"Content-Type": "application/octet-stream"})
check(status == 201, f"monolithic upload answered {status}")
referrer = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": "application/vnd.example.signature",
    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(empty), "size": 2},
    "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(empty), "size": 2}],
    "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image["imageDigest"], "size": 1},
    "annotations": {"org.example.signed-by": "scenario"},
}).encode()
status, headers, _ = http("PUT", f"/v2/{name}/manifests/{sha(referrer)}", secret, body=referrer,
                          headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
check(status == 201, f"referrer push answered {status}")
check(headers["OCI-Subject"] == image["imageDigest"], f"OCI-Subject {headers.get('OCI-Subject')}")
listed = ecr.list_image_referrers(repositoryName=name, subjectId={"imageDigest": image["imageDigest"]})["referrers"]
check([r["digest"] for r in listed] == [sha(referrer)], f"referrers {listed}")
check(listed[0]["artifactType"] == "application/vnd.example.signature", listed[0])
check(listed[0]["annotations"] == {"org.example.signed-by": "scenario"}, listed[0])
status, _, body = http("GET", f"/v2/{name}/referrers/{image['imageDigest']}?artifactType=application/vnd.example.signature", secret)
check(status == 200 and [m["digest"] for m in json.loads(body)["manifests"]] == [sha(referrer)], f"referrers API {body!r}")
status, _, body = http("GET", f"/v2/{name}/referrers/{image['imageDigest']}?artifactType=other", secret)
check(json.loads(body)["manifests"] == [], f"filtered referrers {body!r}")
done("ecr oras")
