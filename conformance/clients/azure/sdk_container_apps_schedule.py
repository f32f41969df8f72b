"""azure-mgmt-appcontainers 5.1: a scheduled job (`triggerType: Schedule`) runs by itself.

`write` (first simulator): a `* * * * *` job created through its poller reads back as Azure
stores it (`scheduleTriggerConfig` with the counts defaulted, no `manualTriggerConfig`); an
invalid expression answers `InvalidCronExpression` with Azure's message, a Schedule job without
its config `MissingRequiredProperty`, an `Event` job `NotImplemented`; a scheduled job can still
be started by hand. Then the simulator is killed.

`read` (restarted on the same state): the schedule survived: an execution the schedule started
appears in the executions list, started once the minute after the job's creation came, and
ends Succeeded with its end time; the hand-started one is still listed, each once, on pages of
one."""
import datetime
import json
import sys
import time

from common import SCOPE, SUBSCRIPTION, URL, check, credential, expect_http_error, resource_client

from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.appcontainers import models as m
from azure.mgmt.resource.resources.models import ResourceGroup

phase, saved = sys.argv[1], sys.argv[2]
cred = credential("schedule-app", "schedule-secret")
apps = ContainerAppsAPIClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
group = "scheduled"


def job(env_id, trigger="Schedule", schedule=None, event=None):
    return m.Job(
        location="eastus",
        properties=m.JobProperties(
            environment_id=env_id,
            configuration=m.JobConfiguration(
                trigger_type=trigger, replica_timeout=60,
                schedule_trigger_config=schedule, event_trigger_config=event),
            template=m.JobTemplate(containers=[m.Container(
                name="main", image="busybox", command=["/bin/sh", "-c", "echo tick"])])))


def wait_until(what, probe, seconds):
    deadline = time.time() + seconds
    while True:
        value = probe()
        if value:
            return value
        check(time.time() < deadline, f"timed out waiting for {what}")
        time.sleep(0.5)


if phase == "write":
    resource_client(cred).resource_groups.create_or_update(group, ResourceGroup(location="eastus"))
    env = apps.managed_environments.begin_create_or_update(group, "env1", m.ManagedEnvironment(location="eastus")).result()
    created_at = datetime.datetime.now(datetime.timezone.utc)
    every_minute = m.JobConfigurationScheduleTriggerConfig(cron_expression="* * * * *")
    ticking = apps.jobs.begin_create_or_update(group, "ticking", job(env.id, schedule=every_minute)).result()
    config = ticking.properties.configuration
    check(config.trigger_type == "Schedule", f"trigger: {config}")
    check(config.schedule_trigger_config.cron_expression == "* * * * *"
          and config.schedule_trigger_config.parallelism == 1
          and config.schedule_trigger_config.replica_completion_count == 1, f"schedule: {config.schedule_trigger_config}")
    check(config.manual_trigger_config is None, f"manual config: {config.manual_trigger_config}")
    read = apps.jobs.get(group, "ticking").properties.configuration
    check(read.schedule_trigger_config.cron_expression == "* * * * *", f"read back: {read}")

    bad = m.JobConfigurationScheduleTriggerConfig(cron_expression="61 * * * *")
    expect_http_error(lambda: apps.jobs.begin_create_or_update(group, "badcron", job(env.id, schedule=bad)).result(),
                      "InvalidCronExpression",
                      "Given CRON expression - '61 * * * *' is not valid, please visit "
                      "https://learn.microsoft.com/en-us/rest/api/containerapps/preview/jobs/create-or-update?tabs=HTTP#scheduletriggerconfig "
                      "for more information.")
    expect_http_error(lambda: apps.jobs.begin_create_or_update(group, "noconfig", job(env.id)).result(),
                      "MissingRequiredProperty")
    event = m.JobConfigurationEventTriggerConfig(scale=m.JobScale(min_executions=0, max_executions=1))
    expect_http_error(lambda: apps.jobs.begin_create_or_update(group, "evented", job(env.id, trigger="Event", event=event)).result(),
                      "NotImplemented")
    names = sorted(j.name for j in apps.jobs.list_by_resource_group(group))
    check(names == ["ticking"], f"refused jobs were not stored: {names}")

    by_hand = apps.jobs.begin_start(group, "ticking").result()
    check(by_hand.name.startswith("ticking-"), f"started by hand: {by_hand}")
    with open(saved, "w") as out:
        json.dump({"created_at": created_at.isoformat(), "by_hand": by_hand.name}, out)
    print("ok")
else:
    with open(saved) as f:
        state = json.load(f)
    created_at = datetime.datetime.fromisoformat(state["created_at"])

    def scheduled():
        listed = [e for e in apps.jobs_executions.list(group, "ticking") if e.name != state["by_hand"]]
        return listed if listed and listed[-1].properties.status != "Running" else None

    fired = wait_until("the schedule to start an execution", scheduled, 90)
    first = fired[-1]
    started = first.properties.start_time
    # On the first minute after creation, or (when that minute passed while the simulator was
    # down) as soon as it came back.
    first_minute = created_at.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    check(started >= first_minute, f"started once the minute after creation came: {started} (created {created_at})")
    check(first.properties.status == "Succeeded" and first.properties.end_time >= started, f"scheduled execution: {first.properties}")
    pages = apps.jobs_executions.list(group, "ticking", params={"$top": "1"}).by_page()
    names = [execution.name for page in pages for execution in page]
    check(len(names) == len(set(names)) and state["by_hand"] in names and first.name in names, f"executions: {names}")
    resource_client(cred).resource_groups.begin_delete(group).result()
    print("ok")
