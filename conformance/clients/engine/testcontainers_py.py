"""testcontainers-python 4.15 against the engine (DOCKER_HOST, Ryuk disabled, as CI runs it
without a reaper): a web server container started, waited on by its log message, reached on
the host through the port the engine published, exec'd into, and removed when the `with`
block ends. Exits non-zero on the first difference, saying what it saw."""

import sys
import time
import urllib.request

import docker
from testcontainers.core.container import DockerContainer
from testcontainers.core.waiting_utils import wait_for_logs

IMAGE = "localhost/busybox"
SCRIPT = (
    "mkdir -p /www && echo hello from testcontainers > /www/index.html"
    " && echo server ready && exec httpd -f -p 8080 -h /www"
)


def check(ok, what):
    if not ok:
        print(what)
        sys.exit(1)


container = (
    DockerContainer(IMAGE)
    .with_command(["sh", "-c", SCRIPT])
    .with_exposed_ports(8080)
    .with_env("GREETING", "from the environment")
)
with container:
    waited = wait_for_logs(container, "server ready", timeout=30, interval=0.1)
    check(waited < 30, f"waited {waited}")
    host = container.get_container_host_ip()
    port = container.get_exposed_port(8080)
    body = ""
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/", timeout=5) as answer:
                body = answer.read().decode()
                break
        except OSError as error:
            body = str(error)
            time.sleep(0.1)
    check(body == "hello from testcontainers\n", f"GET http://{host}:{port}/: {body!r}")
    code, output = container.exec(["sh", "-c", "echo $GREETING; exit 3"])
    check((code, output) == (3, b"from the environment\n"), f"exec {code} {output!r}")
    name = container.get_wrapped_container().name
stopped = [c.name for c in docker.from_env().containers.list(all=True)]
check(name not in stopped, f"{name} still there after the with block: {stopped}")
print("ok")
