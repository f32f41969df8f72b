"""Shared helpers for the ECR registry scenarios: OCI image layouts built offline (layers as
tar.gz written with tarfile), registry credentials from GetAuthorizationToken, skopeo and raw
HTTP against the registry's `/v2/` API."""
import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import urllib.error
import urllib.request

from common import check, client

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def registry_host():
    """The registry in path form: the simulator's address, meaning the default account and region."""
    return os.environ["AWS_ENDPOINT_URL"].split("://", 1)[1].rstrip("/")


def password():
    token = client("ecr").get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, secret = base64.b64decode(token).decode().split(":", 1)
    check(user == "AWS", f"token user {user}")
    return secret


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer(files):
    """A tar.gz layer holding `files` (name -> bytes), deterministic."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)


class Layout:
    """An OCI image layout directory, written blob by blob."""

    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.refs = []

    def blob(self, data):
        digest = sha(data)
        with open(os.path.join(self.root, "blobs", "sha256", digest.split(":")[1]), "wb") as f:
            f.write(data)
        return {"digest": digest, "size": len(data)}

    def image(self, layers, arch="amd64"):
        """Writes config and manifest for `layers` (bytes each); returns the manifest descriptor
        and the layer descriptors."""
        layer_descriptors = [dict(mediaType=OCI_LAYER, **self.blob(data)) for data in layers]
        config = json.dumps({
            "architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [sha(gzip.decompress(data)) for data in layers]},
            "config": {},
        }).encode()
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": dict(mediaType=OCI_CONFIG, **self.blob(config)),
            "layers": layer_descriptors,
        }).encode()
        return dict(mediaType=OCI_MANIFEST, **self.blob(manifest)), layer_descriptors

    def index(self, manifests):
        body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).encode()
        return dict(mediaType=OCI_INDEX, **self.blob(body))

    def tag(self, descriptor, name):
        self.refs.append(dict(descriptor, annotations={"org.opencontainers.image.ref.name": name}))
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": self.refs}, f)


def skopeo(*args):
    binary = os.environ.get("SOCKERLESS_SKOPEO", "skopeo")
    result = subprocess.run([binary, "--insecure-policy", *args], capture_output=True, text=True)
    check(result.returncode == 0, f"skopeo {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def http(method, path, secret=None, body=None, headers=None):
    """A raw registry request: (status, headers, body bytes)."""
    url = os.environ["AWS_ENDPOINT_URL"].rstrip("/") + path
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if secret is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"AWS:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def expect_registry_error(answer, status, code):
    got_status, _, body = answer
    check(got_status == status, f"expected HTTP {status}, got {got_status}: {body[:300]!r}")
    errors = json.loads(body)["errors"]
    check(errors[0]["code"] == code, f"expected {code}, got {errors}")
    return errors[0]


def extend_layout(base, tag, out, out_tag, files, config):
    """Writes into the OCI layout `out` (tag `out_tag`) the image `base`:`tag` with one more layer
    holding `files` (name -> (bytes, mode); directories made 0755) and `config` laid over the base
    image's config. Returns the new manifest's digest."""
    with open(os.path.join(base, "index.json")) as f:
        entry = next(m for m in json.load(f)["manifests"]
                     if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)

    def read(digest):
        with open(os.path.join(base, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
            return f.read()

    manifest = json.loads(read(entry["digest"]))
    image_config = json.loads(read(manifest["config"]["digest"]))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        directories = sorted({os.path.dirname(name) for name in files} - {""})
        for directory in directories:
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        for name, (content, mode) in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), mode, 0
            tar.addfile(info, io.BytesIO(content))
    layer_tar = raw.getvalue()
    layout = Layout(out)
    for descriptor in manifest["layers"]:
        layout.blob(read(descriptor["digest"]))
    added = dict(mediaType=OCI_LAYER, **layout.blob(gzip.compress(layer_tar, mtime=0)))
    image_config["config"] = dict(image_config.get("config", {}), **config)
    image_config["rootfs"]["diff_ids"].append(sha(layer_tar))
    config_descriptor = dict(mediaType=OCI_CONFIG, **layout.blob(json.dumps(image_config).encode()))
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config_descriptor,
                       "layers": manifest["layers"] + [added]}).encode()
    descriptor = dict(mediaType=OCI_MANIFEST, **layout.blob(body))
    if os.path.exists(os.path.join(out, "index.json")):
        with open(os.path.join(out, "index.json")) as f:
            layout.refs = [m for m in json.load(f)["manifests"]
                           if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != out_tag]
    layout.tag(descriptor, out_tag)
    return descriptor["digest"]
