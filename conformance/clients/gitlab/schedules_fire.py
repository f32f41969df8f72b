"""A pipeline schedule runs by itself: with the schedule worker ticking every minute
(`--gitlab-schedule-worker-cron '* * * * *'`), a `* * * * *` schedule's `next_run_at` is the
next minute, a `schedule` pipeline with its variables appears at that minute, and
`next_run_at` moves on. An inactive schedule does not run."""

import datetime

from common import client, push_files, wait_until

gl = client()
project = gl.projects.create({"name": "every-minute"})
push_files(project, {".gitlab-ci.yml": """
ticked:
  script: echo "tick $WHO"
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
"""})

before = datetime.datetime.now(datetime.timezone.utc)
schedule = project.pipelineschedules.create({"description": "each minute", "ref": "main", "cron": "* * * * *"})
schedule.variables.create({"key": "WHO", "value": "timer"})
idle = project.pipelineschedules.create({"description": "idle", "ref": "main", "cron": "* * * * *", "active": False})
expected = (before.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
first_run = schedule.next_run_at
# Created within the same minute as `before`, unless the minute turned in between.
assert first_run >= expected, (first_run, expected)

fired = wait_until(lambda: schedule.pipelines.list(get_all=True), timeout=75, what="the schedule to fire")
assert len(fired) == 1 and fired[0].source == "schedule" and fired[0].ref == "main", fired
pipeline = project.pipelines.get(fired[0].id)
assert pipeline.created_at >= first_run, (pipeline.created_at, first_run)
assert [j.name for j in pipeline.jobs.list(get_all=True)] == ["ticked"]
assert [(v.key, v.value) for v in pipeline.variables.list(get_all=True)] == [("WHO", "timer")]
moved = project.pipelineschedules.get(schedule.id)
assert moved.next_run_at > first_run and moved.last_pipeline["id"] == pipeline.id, moved
assert idle.pipelines.list(get_all=True) == []
schedule.active = False
schedule.save()
print("ok")
