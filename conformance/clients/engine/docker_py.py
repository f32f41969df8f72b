"""docker-py against the engine (DOCKER_HOST): containers, exec, archives, volumes, networks
and Docker's errors, as a program using the SDK sees them. Exits non-zero on the first
difference, saying what it saw."""

import io
import os
import sys
import tarfile

import docker

IMAGE = "localhost/busybox:latest"
PODMAN = os.environ.get("ENGINE_IS_PODMAN") == "1"


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


client = docker.from_env()
check(client.ping() is True, "ping")
image = client.images.get(IMAGE)
check(IMAGE in image.tags, f"image tags {image.tags}")

# A container's stdout alone, its exit code, and Docker's error for a missing one.
out = client.containers.run(IMAGE, ["sh", "-c", "echo out; echo err >&2"], remove=True)
check(out == b"out\n", f"run output {out!r}")
try:
    client.containers.run(IMAGE, ["sh", "-c", "exit 3"], remove=not PODMAN)
    check(False, "a failing run raises")
except docker.errors.ContainerError as error:
    check(error.exit_status == 3, f"exit status {error.exit_status}")
try:
    client.containers.get("nosuch")
    check(False, "get of a missing container raises")
except docker.errors.NotFound as error:
    check("nosuch" in str(error), f"not found: {error}")

# A long-running container: labels, list filters, exec, archives, stop and wait.
ctr = client.containers.run(IMAGE, ["sleep", "1000"], detach=True, name="pyctr", labels={"k": "v"})
ctr.reload()
check(ctr.status == "running", f"status {ctr.status}")
names = [c.name for c in client.containers.list(filters={"label": "k=v"})]
check(names == ["pyctr"], f"label filter {names}")
code, output = ctr.exec_run(["sh", "-c", "echo hi; exit 4"])
check((code, output) == (4, b"hi\n"), f"exec {code} {output!r}")
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode="w") as archive:
    data = b"payload\n"
    info = tarfile.TarInfo("f.txt")
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))
check(ctr.put_archive("/tmp", buffer.getvalue()) is True, "put_archive")
if not PODMAN:
    code, output = ctr.exec_run(["cat", "/tmp/f.txt"])
    check(output == b"payload\n", f"file put {output!r}")
stream, stat = ctr.get_archive("/tmp/f.txt")
check(stat["name"] == "f.txt" and stat["size"] == 8, f"stat {stat}")
with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
    check(archive.extractfile("f.txt").read() == b"payload\n", "file got back")
ctr.stop(timeout=1)
result = ctr.wait()
check(result["StatusCode"] in (137, 143), f"wait {result}")

# A volume outlives the containers that use it.
volume = client.volumes.create("pyvol", labels={"a": "b"})
mount = {"pyvol": {"bind": "/data", "mode": "rw"}}
client.containers.run(IMAGE, ["sh", "-c", "echo keep > /data/x"], volumes=mount, remove=True)
out = client.containers.run(IMAGE, ["cat", "/data/x"], volumes=mount, remove=True)
check(out == b"keep\n", f"volume data {out!r}")
check([v.name for v in client.volumes.list(filters={"label": "a=b"})] == ["pyvol"], "volume filter")

# A network whose containers reach each other by name.
network = client.networks.create("pynet", labels={"x": "y"})
server = client.containers.run(
    IMAGE,
    ["sh", "-c", "mkdir -p /www && echo py > /www/index.html && exec httpd -f -p 80 -h /www"],
    detach=True,
    name="pysrv",
    network="pynet",
)
fetched = client.containers.run(
    IMAGE,
    ["sh", "-c", "for i in $(seq 1 50); do wget -q -O - http://pysrv/ && exit 0; sleep 0.1; done; exit 1"],
    network="pynet",
    remove=True,
)
check(fetched == b"py\n", f"fetched by name {fetched!r}")
network.reload()
check(server.id in network.attrs["Containers"], f"network's containers {network.attrs['Containers']}")
check([n.name for n in client.networks.list(names=["pynet"])] == ["pynet"], "network list by name")
try:
    client.networks.get("nosuchnet")
    check(False, "get of a missing network raises")
except docker.errors.NotFound:
    pass

server.remove(force=True)
ctr.remove(force=True)
network.remove()
volume.remove()
check(client.networks.list(names=["pynet"]) == [], "network removed")
print("ok")
