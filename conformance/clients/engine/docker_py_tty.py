"""docker-py against the engine (DOCKER_HOST) with terminals: a `tty=True` container's output
as its terminal printed it (one stream, `\\r\\n` line ends, a real `/dev/pts` device), kept so
in its logs; `exec_run(tty=True)` the same; and the window sizes `resize` and `exec_resize`
set, as `stty` inside sees them. Exits non-zero on the first difference, saying what it saw."""

import re
import sys
import time

import docker

IMAGE = "localhost/busybox:latest"


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def poll(probe, want, what, seconds=10):
    """The probe's answer once it is `want`; fails with the last answer after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        seen = probe()
        if seen == want or time.monotonic() > deadline:
            check(seen == want, f"{what}: {seen!r}, wanted {want!r}")
            return seen
        time.sleep(0.05)


client = docker.from_env()

# One stream through the terminal: stderr's line too, each ended by `\r\n`.
ctr = client.containers.run(
    IMAGE, ["sh", "-c", "echo out; echo err >&2; tty"], tty=True, detach=True
)
check(ctr.wait()["StatusCode"] == 0, "tty container exit")
logs = ctr.logs()
check(
    re.fullmatch(rb"out\r\nerr\r\n/dev/pts/\d+\r\n", logs) is not None,
    f"tty logs {logs!r}",
)
ctr.reload()
check(ctr.attrs["Config"]["Tty"] is True, f"inspect Tty {ctr.attrs['Config']['Tty']}")
ctr.remove()

# Without a terminal the same command has two streams and no tty.
out = client.containers.run(IMAGE, ["sh", "-c", "tty; true"], remove=True)
check(out == b"not a tty\n", f"no tty {out!r}")

# A running terminal container: its size set by resize, exec's by exec_resize.
box = client.containers.run(IMAGE, ["sleep", "1000"], tty=True, detach=True, name="ttybox")
code, output = box.exec_run(["sh", "-c", "tty; echo x"], tty=True)
check(
    code == 0 and re.fullmatch(rb"/dev/pts/\d+\r\nx\r\n", output) is not None,
    f"exec tty {code} {output!r}",
)
code, output = box.exec_run(["sh", "-c", "tty"])
check((code, output) == (1, b"not a tty\n"), f"exec without tty {code} {output!r}")

client.api.resize(box.id, height=41, width=123)
poll(
    # The first process's terminal, the container's first (and here only other) pty.
    lambda: box.exec_run(["stty", "-F", "/dev/pts/0", "size"]).output,
    b"41 123\n",
    "stty size after resize",
)

exec_id = client.api.exec_create(
    box.id,
    [
        "sh",
        "-c",
        'i=0; while [ "$(stty size 2>/dev/null)" != "17 71" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; stty size',
    ],
    tty=True,
)["Id"]
stream = client.api.exec_start(exec_id, tty=True, stream=True)
poll(lambda: client.api.exec_inspect(exec_id)["Running"], True, "exec running")
client.api.exec_resize(exec_id, height=17, width=71)
output = b"".join(stream)
check(output == b"17 71\r\n", f"exec stty size after exec_resize {output!r}")
check(
    client.api.exec_inspect(exec_id)["ExitCode"] == 0,
    f"exec exit {client.api.exec_inspect(exec_id)}",
)
box.remove(force=True)
print("ok")
