"""Every acknowledged write survives SIGKILL: two writers create IAM roles over raw HTTP as fast
as they can, the simulator is killed with SIGKILL mid-stream, restarted on the same state
directory, and every role whose CreateRole was answered 200 must be there.

    python3 durability.py SOCKERLESS_BIN STATE_DIR
"""
import json
import http.client
import os
import signal
import subprocess
import sys
import threading
import urllib.parse

from common import check, done

binary, state_dir = sys.argv[1], sys.argv[2]


def start():
    process = subprocess.Popen([binary, "sim", "aws", "--port", "0", "--state-dir", state_dir],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        if line.startswith("READY aws "):
            return process, int(line.split()[2].rsplit(":", 1)[1])
    sys.exit("the simulator never announced itself")


def call(connection, **params):
    body = urllib.parse.urlencode({"Version": "2010-05-08", **params})
    connection.request("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    return response.status, response.read().decode()


process, port = start()
acked = []
lock = threading.Lock()
enough = threading.Event()


def writer(worker):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(100000):
        name = f"durable-{worker}-{i}"
        try:
            status, _ = call(connection, Action="CreateRole", RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        except (OSError, http.client.HTTPException):
            return
        if status == 200:
            with lock:
                acked.append(name)
                if len(acked) >= 600:
                    enough.set()


threads = [threading.Thread(target=writer, args=(w,)) for w in range(2)]
for thread in threads:
    thread.start()
enough.wait(timeout=60)
os.kill(process.pid, signal.SIGKILL)
process.wait()
for thread in threads:
    thread.join()
with lock:
    survivors = list(acked)
check(len(survivors) >= 600, f"only {len(survivors)} writes were acknowledged before the kill")

process, port = start()
try:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    lost = []
    for name in survivors:
        status, body = call(connection, Action="GetRole", RoleName=name)
        if status != 200 or f"<RoleName>{name}</RoleName>" not in body:
            lost.append(name)
    check(not lost, f"{len(lost)} of {len(survivors)} acknowledged roles lost after SIGKILL, e.g. {lost[:3]}")
finally:
    process.terminate()
    process.wait()
done(f"durability: {len(survivors)} acknowledged writes survived SIGKILL")
