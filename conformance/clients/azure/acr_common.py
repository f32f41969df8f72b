"""Shared helpers for the ACR scenarios: a login server (`NAME.azurecr.io`) is reached the way a
client behind a proxy reaches it, through `HTTPS_PROXY` naming the simulator (which tunnels a
CONNECT into itself and presents a certificate for that name from its CA); OCI image layouts
are built offline (layers written with tarfile) and pushed with skopeo."""
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile

from common import check

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def use_simulator_as_proxy():
    """Sends every HTTPS request for another host (a login server) through the simulator;
    ARM and Entra ID at localhost stay direct."""
    proxy = os.environ["SOCKERLESS_AZURE_HTTP_URL"]
    os.environ["HTTPS_PROXY"] = proxy
    os.environ["https_proxy"] = proxy
    os.environ["NO_PROXY"] = "localhost,127.0.0.1"
    os.environ["no_proxy"] = "localhost,127.0.0.1"


def cert_dir():
    """A directory with the simulator's CA as `ca.crt`, as skopeo's --*-cert-dir takes it."""
    directory = os.path.join(os.environ["TMPDIR"], "acr-certs")
    os.makedirs(directory, exist_ok=True)
    with open(os.environ["SOCKERLESS_AZURE_CA"], "rb") as source, \
            open(os.path.join(directory, "ca.crt"), "wb") as target:
        target.write(source.read())
    return directory


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer(files):
    """A tar.gz layer holding `files` (name -> (bytes, mode)), deterministic; directories 0755."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for directory in sorted({os.path.dirname(name) for name in files} - {""}):
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        for name, (content, mode) in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), mode, 0
            tar.addfile(info, io.BytesIO(content))
    return raw.getvalue()


class Layout:
    """An OCI image layout directory, written blob by blob."""

    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.refs = []

    def blob(self, data):
        with open(os.path.join(self.root, "blobs", "sha256", sha(data).split(":")[1]), "wb") as f:
            f.write(data)
        return {"digest": sha(data), "size": len(data)}

    def read(self, digest):
        with open(os.path.join(self.root, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
            return f.read()

    def image(self, layer_tars, config, base=None):
        """Writes an image of `base`'s layers (a manifest dict from another layout, read with
        `base_layout`) plus `layer_tars`, with `config` over base's config; returns the
        manifest descriptor."""
        layers, diff_ids, image_config = [], [], {"architecture": "amd64", "os": "linux", "config": {}}
        if base is not None:
            base_layout, manifest = base
            image_config = json.loads(base_layout.read(manifest["config"]["digest"]))
            diff_ids = list(image_config["rootfs"]["diff_ids"])
            for descriptor in manifest["layers"]:
                self.blob(base_layout.read(descriptor["digest"]))
                layers.append(descriptor)
        for tar in layer_tars:
            layers.append(dict(mediaType=OCI_LAYER, **self.blob(gzip.compress(tar, mtime=0))))
            diff_ids.append(sha(tar))
        image_config["config"] = dict(image_config.get("config", {}), **config)
        image_config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
        config_descriptor = dict(mediaType=OCI_CONFIG, **self.blob(json.dumps(image_config).encode()))
        body = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": config_descriptor, "layers": layers}).encode()
        return dict(mediaType=OCI_MANIFEST, **self.blob(body))

    def tag(self, descriptor, name):
        self.refs.append(dict(descriptor, annotations={"org.opencontainers.image.ref.name": name}))
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": self.refs}, f)


def base_layout(root, tag):
    """(Layout, manifest dict) of image `tag` in the existing layout `root`."""
    existing = Layout.__new__(Layout)
    existing.root = root
    with open(os.path.join(root, "index.json")) as f:
        entry = next(m for m in json.load(f)["manifests"]
                     if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    return existing, json.loads(existing.read(entry["digest"]))


def skopeo(*args, expect_error=None):
    binary = os.environ.get("SOCKERLESS_SKOPEO", "skopeo")
    result = subprocess.run([binary, "--insecure-policy", *args], capture_output=True, text=True)
    if expect_error is not None:
        check(result.returncode != 0, f"skopeo {' '.join(args)} succeeded, expected {expect_error}")
        check(expect_error in result.stderr, f"skopeo: expected {expect_error!r}, got {result.stderr.strip()}")
        return result.stderr
    check(result.returncode == 0, f"skopeo {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout
