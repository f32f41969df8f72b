"""Lambda zip functions inside the runtimes image (`scripts/images runtimes`, seeded with
`--seed-images` as `localhost/sockerless/bookworm-runtimes:TAG`).

`prepare SRC DST`: writes into the layout DST the runtimes image of SRC with one more layer
holding /etc/sockerless-runtimes-marker, a file only that image has, named as scripts/images
names it.

`oci` / `process`: boto3 creates a python3.12 zip function whose handler reads that file and
reports its interpreter, user, working directory and task root. Under `--workloads oci` with the
image seeded it runs inside the image (Debian's /usr/bin/python3 as Lambda's user 993, the code
at /var/task, the file read); under `--workloads process` it runs on the host as before (the
file is not there)."""
import json
import os
import sys

from common import check, client, done, unique

MARKER = "only in the seeded runtimes image"
mode = sys.argv[1]

if mode == "prepare":
    from ecr_common import extend_layout
    source, out = sys.argv[2], sys.argv[3]
    with open(os.path.join(source, "index.json")) as f:
        tag = json.load(f)["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
    extend_layout(source, tag, out, "marked", {"etc/sockerless-runtimes-marker": (MARKER.encode(), 0o644)}, {})
    with open(os.path.join(out, "index.json")) as f:
        index = json.load(f)
    for entry in index["manifests"]:
        entry["annotations"]["io.sockerless.image.name"] = "sockerless/bookworm-runtimes"
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    done("lambda_oci_runtimes prepare")
    sys.exit(0)

from lambda_helpers import create, invoke, role  # noqa: E402

HANDLER = """
import os, sys

def handler(event, context):
    try:
        with open("/etc/sockerless-runtimes-marker") as f:
            marker = f.read()
    except OSError:
        marker = None
    return {"marker": marker, "python": sys.executable, "uid": os.getuid(), "cwd": os.getcwd(),
            "task_root": os.environ.get("LAMBDA_TASK_ROOT"), "here": os.path.dirname(os.path.abspath(__file__)),
            "event": event}
"""

import botocore.config  # noqa: E402

# The first invocation unpacks the runtimes image (about 360 MB) into the runner's cache: up to
# a minute on a loaded machine, past botocore's default 60 s read timeout.
lam = client("lambda", config=botocore.config.Config(read_timeout=600,
                                                     retries={"total_max_attempts": 1, "mode": "standard"}))
name = unique("runtimes")
create(lam, name, role(), {"app.py": HANDLER})
answer, body = invoke(lam, name, {"hello": "world"})
check("FunctionError" not in answer, f"the function ran: {answer} {body}")
check(body["event"] == {"hello": "world"}, body)
if mode == "oci":
    check(body["marker"] == MARKER, f"the runtimes image's own file: {body}")
    check((body["python"], body["uid"], body["cwd"], body["task_root"], body["here"])
          == ("/usr/bin/python3", 993, "/var/task", "/var/task", "/var/task"),
          f"Debian's python as Lambda's user, the code at /var/task: {body}")
else:
    check(body["marker"] is None, f"on the host there is no such file: {body}")
    check(body["task_root"] != "/var/task", f"on the host the code is in a host directory: {body}")
done(f"lambda_oci_runtimes {mode}")
