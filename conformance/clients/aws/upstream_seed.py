"""Seeds an upstream registry for the pull-through cells: the upstream is a second Sockerless
serving Artifact Registry (`SOCKERLESS_UPSTREAM`, plain HTTP for this script). Creates its
repository `images`, derives from scripts/images' busybox an image with one more layer holding
a file only it has (`/opt/probe/marker.txt`, a fresh marker) and `cat` of it as its command,
and pushes it with skopeo as `us-central1-docker.pkg.dev/p/images/sockerless-test/probe:v1`:
the upstream's prefix `us-central1-docker.pkg.dev/p/images` before the Docker Hub name
`sockerless-test/probe`. Prints the marker."""
import json
import os
import tempfile
import urllib.request

from common import check, unique
from ecr_common import extend_layout, skopeo

upstream = os.environ["SOCKERLESS_UPSTREAM"].rstrip("/")
address = upstream.split("://", 1)[1]
body = json.dumps({"format": "DOCKER"}).encode()
request = urllib.request.Request(
    f"{upstream}/v1/projects/p/locations/us-central1/repositories?repositoryId=images", data=body, method="POST",
    headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request) as answer:
    check(answer.status == 200, f"creating the upstream repository: {answer.status}")
marker = unique("only-upstream")
layout = os.path.join(tempfile.mkdtemp(), "layout")
extend_layout(os.environ["SOCKERLESS_BUSYBOX_LAYOUT"], os.environ["SOCKERLESS_BUSYBOX_TAG"], layout, "probe",
              {"opt/probe/marker.txt": ((marker + "\n").encode(), 0o644)},
              {"Entrypoint": None, "Cmd": ["cat", "/opt/probe/marker.txt"]})
skopeo("copy", "--dest-creds", "oauth2accesstoken:ya29.sockerless-upstream", "--dest-tls-verify=false",
       f"oci:{layout}:probe", f"docker://{address}/us-central1-docker.pkg.dev/p/images/sockerless-test/probe:v1")
print(marker)
