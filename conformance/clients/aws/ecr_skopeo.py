"""skopeo against the ECR registry: an OCI layout built offline is pushed with the password
GetAuthorizationToken gives; DescribeImages shows the same manifest digest, sizes and tag;
copying back gives the layers byte for byte; a multi-arch index is pushed and listed; a
repository with images refuses deletion; BatchDeleteImage removes the tag from the registry."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import check, client, done, expect_code, unique  # noqa: E402
from ecr_common import Layout, layer, password, registry_host, skopeo  # noqa: E402

ecr = client("ecr")
name = unique("skopeo") + "/app"
ecr.create_repository(repositoryName=name)
secret = password()
host = registry_host()
creds = f"AWS:{secret}"
work = tempfile.mkdtemp()

layout = Layout(os.path.join(work, "layout"))
layers = [layer({f"file{i}.txt": os.urandom(4096 * (i + 1))}) for i in range(3)]
manifest, layer_descriptors = layout.image(layers)
layout.tag(manifest, "v1")
arm, _ = layout.image([layer({"arm.txt": b"arm64 bits"})], arch="arm64")
amd, _ = layout.image([layer({"amd.txt": b"amd64 bits"})], arch="amd64")
arm["platform"] = {"architecture": "arm64", "os": "linux"}
amd["platform"] = {"architecture": "amd64", "os": "linux"}
index = layout.index([amd, arm])
layout.tag(index, "multi")

skopeo("copy", "--dest-creds", creds, "--dest-tls-verify=false",
       f"oci:{layout.root}:v1", f"docker://{host}/{name}:v1")

details = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "v1"}])["imageDetails"]
check(len(details) == 1, f"one image: {details}")
image = details[0]
check(image["imageDigest"] == manifest["digest"], f"digest {image['imageDigest']} != {manifest['digest']}")
check(image["imageTags"] == ["v1"], f"tags {image.get('imageTags')}")
check(image["imageSizeInBytes"] == sum(d["size"] for d in layer_descriptors), f"size {image['imageSizeInBytes']}")
check(image["imageManifestMediaType"] == "application/vnd.oci.image.manifest.v1+json", image["imageManifestMediaType"])
check(image["artifactMediaType"] == "application/vnd.oci.image.config.v1+json", image.get("artifactMediaType"))
check("imagePushedAt" in image, "imagePushedAt")

inspected = json.loads(skopeo("inspect", "--creds", creds, "--tls-verify=false", f"docker://{host}/{name}:v1"))
check(inspected["Digest"] == manifest["digest"], f"inspect digest {inspected['Digest']}")
check(inspected["Layers"] == [d["digest"] for d in layer_descriptors], f"inspect layers {inspected['Layers']}")

out = os.path.join(work, "pulled")
skopeo("copy", "--src-creds", creds, "--src-tls-verify=false", f"docker://{host}/{name}:v1", f"dir:{out}")
for descriptor, data in zip(layer_descriptors, layers):
    with open(os.path.join(out, descriptor["digest"].split(":")[1]), "rb") as f:
        check(f.read() == data, f"layer {descriptor['digest']} differs after the round trip")

got = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])["images"][0]
with open(os.path.join(layout.root, "blobs", "sha256", manifest["digest"].split(":")[1])) as f:
    check(got["imageManifest"] == f.read(), "BatchGetImage returns the manifest as pushed")

skopeo("copy", "--all", "--dest-creds", creds, "--dest-tls-verify=false",
       f"oci:{layout.root}:multi", f"docker://{host}/{name}:multi")
listed = ecr.list_images(repositoryName=name)["imageIds"]
digests = {entry["imageDigest"] for entry in listed}
check({manifest["digest"], index["digest"], amd["digest"], arm["digest"]} <= digests, f"listed {listed}")
tagged = {(e["imageDigest"], e.get("imageTag")) for e in listed if "imageTag" in e}
check(tagged == {(manifest["digest"], "v1"), (index["digest"], "multi")}, f"tags {tagged}")
multi = ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": "multi"}])["imageDetails"][0]
check(multi["imageManifestMediaType"] == "application/vnd.oci.image.index.v1+json", multi["imageManifestMediaType"])
inspected = json.loads(skopeo("inspect", "--raw", "--creds", creds, "--tls-verify=false", f"docker://{host}/{name}:multi"))
check(len(inspected["manifests"]) == 2, f"index {inspected}")

expect_code("RepositoryNotEmptyException", ecr.delete_repository, repositoryName=name)

deleted = ecr.batch_delete_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])
check(deleted["imageIds"] == [{"imageDigest": manifest["digest"], "imageTag": "v1"}], f"deleted {deleted}")
check(deleted["failures"] == [], f"failures {deleted['failures']}")
tags = json.loads(skopeo("list-tags", "--creds", creds, "--tls-verify=false", f"docker://{host}/{name}"))["Tags"]
check(tags == ["multi"], f"tags after delete {tags}")
missing = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])
check(missing["failures"][0]["failureCode"] == "ImageNotFound", f"{missing}")

ecr.delete_repository(repositoryName=name, force=True)
expect_code("RepositoryNotFoundException", ecr.describe_images, repositoryName=name)
done("ecr skopeo")
