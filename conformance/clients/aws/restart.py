"""State survives a restart with --state-dir: a STOPPED task is still STOPPED with its exit code
and its awslogs lines; a task that was running when the simulator was killed is reported STOPPED
and its process, and a `setsid` child of it, died with the simulator; IAM roles, clusters and
task definitions are all there. A graceful shutdown (SIGTERM) stops running tasks as StopTask
does, and after the next start they show the exit code their containers really returned.

    python3 restart.py SOCKERLESS_BIN STATE_DIR
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

from common import check, client, done, unique

binary, state_dir = sys.argv[1], sys.argv[2]


def start():
    process = subprocess.Popen([binary, "sim", "aws", "--port", "0", "--state-dir", state_dir],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        if line.startswith("READY aws "):
            os.environ["AWS_ENDPOINT_URL"] = line.split()[2]
            return process
    sys.exit("the simulator never announced itself")


process = start()
ecs, logs, iam = client("ecs"), client("logs"), client("iam")
role = iam.create_role(RoleName=unique("restart"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
ecs.create_cluster(clusterName="restart")
logs.create_log_group(logGroupName="/restart")
awslogs = {"logDriver": "awslogs", "options": {"awslogs-group": "/restart", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "r"}}
ecs.register_task_definition(family="done", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 16,
                             "command": ["sh", "-c", "echo before restart; exit 7"], "logConfiguration": awslogs}])
# Durations no other process uses, to find these processes on the host afterwards.
marker = f"{random.randint(600, 900)}.{random.randint(1, 99999)}"
escaped_marker = f"{random.randint(600, 900)}.{random.randint(1, 99999)}"
ecs.register_task_definition(family="forever", containerDefinitions=[{"name": "app", "image": "busybox", "memory": 16,
                             "command": ["sh", "-c", f"setsid sleep {escaped_marker} & exec sleep {marker}"]}])
finished = ecs.run_task(cluster="restart", taskDefinition="done")["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_stopped").wait(cluster="restart", tasks=[finished], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
running = ecs.run_task(cluster="restart", taskDefinition="forever")["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_running").wait(cluster="restart", tasks=[running], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
before = ecs.describe_tasks(cluster="restart", tasks=[finished])["tasks"][0]
process.send_signal(signal.SIGKILL)
process.wait()



def sleeping(duration):
    """Whether a `sleep DURATION` process is alive on this host."""
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read().split(b"\0")[:2] == [b"sleep", duration.encode()]:
                    with open(f"/proc/{pid}/stat") as stat:
                        if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                            return True
        except OSError:
            pass
    return False


deadline = time.time() + 10
while (sleeping(marker) or sleeping(escaped_marker)) and time.time() < deadline:
    time.sleep(0.05)
check(not sleeping(marker), "the task's process died with the killed simulator")
check(not sleeping(escaped_marker), "so did its setsid child")

process = start()
try:
    ecs, logs, iam = client("ecs"), client("logs"), client("iam")
    after = ecs.describe_tasks(cluster="restart", tasks=[finished])["tasks"][0]
    check(after["lastStatus"] == "STOPPED" and after["containers"][0]["exitCode"] == 7, f"{after}")
    check(after["stoppedAt"] == before["stoppedAt"] and after["stopCode"] == "EssentialContainerExited", "unchanged by the restart")
    stream = f"r/app/{finished.rsplit('/', 1)[1]}"
    events = logs.get_log_events(logGroupName="/restart", logStreamName=stream, startFromHead=True)["events"]
    check([e["message"] for e in events] == ["before restart"], f"{events}")
    orphan = ecs.describe_tasks(cluster="restart", tasks=[running])["tasks"][0]
    check(orphan["lastStatus"] == "STOPPED" and orphan["desiredStatus"] == "STOPPED", f"{orphan}")
    check("restarted" in orphan["stoppedReason"], f"{orphan['stoppedReason']}")
    check(iam.get_role(RoleName=role["RoleName"])["Role"]["RoleId"] == role["RoleId"], "the role survived")
    check(ecs.describe_task_definition(taskDefinition="done")["taskDefinition"]["revision"] == 1, "definitions survived")
    check(ecs.register_task_definition(family="done", containerDefinitions=[{"name": "a", "image": "b", "memory": 16}])["taskDefinition"]["revision"] == 2,
          "revisions keep counting after a restart")
    ecs.register_task_definition(family="graceful", containerDefinitions=[{
        "name": "app", "image": "busybox", "memory": 16, "stopTimeout": 10, "logConfiguration": awslogs,
        "command": ["sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"]}])
    graceful = ecs.run_task(cluster="restart", taskDefinition="graceful")["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster="restart", tasks=[graceful], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
finally:
    process.terminate()
    process.wait()

process = start()
try:
    ecs, logs = client("ecs"), client("logs")
    stopped = ecs.describe_tasks(cluster="restart", tasks=[graceful])["tasks"][0]
    check(stopped["lastStatus"] == "STOPPED" and stopped["containers"][0].get("exitCode") == 7,
          f"the shutdown stopped the task with SIGTERM and recorded its real exit code: {stopped}")
    check(stopped["stopCode"] == "TerminationNotice" and stopped["stoppedReason"] == "The simulator shut down", f"{stopped}")
    stream = f"r/app/{graceful.rsplit('/', 1)[1]}"
    events = logs.get_log_events(logGroupName="/restart", logStreamName=stream, startFromHead=True)["events"]
    check([e["message"] for e in events] == ["ready", "got TERM"], f"{events}")
finally:
    process.terminate()
    process.wait()
done("state survives a restart")
