"""python-gitlab against pipeline schedules: CRUD with `next_run_at` computed from the cron
expression and zone (tz database zones and ActiveSupport's friendly names), GitLab's validation messages, one-item pages, schedule variables,
ownership rules, and `play` starting a `schedule` pipeline that only `rules: if
$CI_PIPELINE_SOURCE == "schedule"` jobs join. The hub runs GitLab's default schedule worker
(`3-59/10 * * * *`), so `next_run_at` is the worker's first tick after the expression's time."""

import datetime

import gitlab

from common import URL, client, expect_error, push_files, wait_until

gl = client()
project = gl.projects.create({"name": "nightly"})
CI = """
nightly:
  script: echo "nightly for $TARGET"
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
pushed:
  script: echo pushed
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
"""
sha = push_files(project, {".gitlab-ci.yml": CI})


def next_utc(now, hour, minute):
    """The first hour:minute UTC strictly after `now`."""
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > now else at + datetime.timedelta(days=1)


def stamp(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


TICK = datetime.timedelta(minutes=3)

# Create: the short ref is stored expanded, next_run_at follows the expression, the zone and
# the worker's ticks.
before = datetime.datetime.now(datetime.timezone.utc)
schedule = project.pipelineschedules.create({"description": "nightly build", "ref": "main", "cron": "30 1 * * *"})
schedule_id = schedule.id
assert schedule.ref == "refs/heads/main" and schedule.cron_timezone == "UTC", schedule
assert schedule.active is True and schedule.owner["username"] == "root", schedule
assert schedule.next_run_at == stamp(next_utc(before, 1, 30) + TICK), (schedule.next_run_at, before)
assert schedule.attributes["variables"] == [] and schedule.last_pipeline is None, schedule
# 09:00 five hours behind UTC is 14:00 UTC, run at the 14:03 tick.
behind = project.pipelineschedules.create({"description": "behind", "ref": "main", "cron": "0 9 * * *",
                                           "cron_timezone": "Etc/GMT+5", "active": False})
assert behind.next_run_at == stamp(next_utc(before, 14, 0) + TICK), behind.next_run_at
weekly = project.pipelineschedules.create({"description": "weekly", "ref": "main", "cron": "@weekly"})
assert datetime.datetime.strptime(weekly.next_run_at, "%Y-%m-%dT%H:%M:%S.000Z").weekday() == 6, weekly.next_run_at

# GitLab's validation, every problem at once, in its validators' own wording.
schedules_path = f"/projects/{project.id}/pipeline_schedules"
error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.pipelineschedules.create(
    {"description": "bad", "ref": "main", "cron": "61 * * * *", "cron_timezone": "Mars/Olympus"}))
assert error.error_message == {"cron": [" is invalid syntax"], "cron_timezone": [" is invalid syntax"]}, error.error_message
error = expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_post(schedules_path, post_data={"description": "x"}))
assert error.error_message == "ref is missing, cron is missing", error.error_message

# Paging with one item per page returns each schedule once; scopes filter by `active`.
ids = []
page = 1
while page:
    answer = gl.http_get(schedules_path, query_data={"per_page": 1, "page": page}, raw=True)
    ids += [item["id"] for item in answer.json()]
    assert answer.headers["X-Total"] == "3", answer.headers
    page = int(answer.headers["X-Next-Page"] or 0)
assert ids == [schedule.id, behind.id, weekly.id], ids
assert [s.id for s in project.pipelineschedules.list(scope="inactive", get_all=True)] == [behind.id]
assert [s.id for s in project.pipelineschedules.list(scope="active", get_all=True)] == [schedule.id, weekly.id]

# Update: a new expression moves next_run_at.
schedule.cron = "45 2 * * *"
schedule.description = "nightly deploy"
schedule.save()
read = project.pipelineschedules.get(schedule.id)
assert (read.cron, read.description) == ("45 2 * * *", "nightly deploy"), read
assert read.next_run_at.endswith("T02:53:00.000Z"), read.next_run_at

# Variables.
variable = schedule.variables.create({"key": "TARGET", "value": "staging"})
assert (variable.key, variable.value, variable.variable_type) == ("TARGET", "staging", "env_var"), variable
error = expect_error(gitlab.GitlabCreateError, 400, lambda: schedule.variables.create({"key": "TARGET", "value": "again"}))
assert error.error_message == {"key": ["has already been taken"]}, error.error_message
error = expect_error(gitlab.GitlabCreateError, 400, lambda: schedule.variables.create({"key": "NOT-OK", "value": "x"}))
assert error.error_message == {"key": ["can contain only letters, digits and '_'."]}, error.error_message
schedule.variables.create({"key": "EXTRA", "value": "gone soon"})
schedule.variables.update("TARGET", {"key": "TARGET", "value": "production"})
schedule.variables.delete("EXTRA")
expect_error(gitlab.GitlabDeleteError, 404, lambda: schedule.variables.delete("EXTRA"), "404 Variable Not Found")
read = project.pipelineschedules.get(schedule.id)
assert read.attributes["variables"] == [{"variable_type": "env_var", "key": "TARGET", "value": "production", "raw": False}], read.attributes

# Play: a pipeline from the schedule now, with its variables; only the schedule job joins.
played = schedule.play()
assert played == {"message": "201 Created"}, played
# python-gitlab replaces the object's attributes with play's answer; read the schedule again.
schedule = project.pipelineschedules.get(schedule_id)
started = schedule.pipelines.list(get_all=True)
assert len(started) == 1, started
pipeline = project.pipelines.get(started[0].id)
assert (pipeline.source, pipeline.ref, pipeline.sha) == ("schedule", "main", sha), pipeline
assert [j.name for j in pipeline.jobs.list(get_all=True)] == ["nightly"]
assert [(v.key, v.value) for v in pipeline.variables.list(get_all=True)] == [("TARGET", "production")]
assert project.pipelineschedules.get(schedule.id).last_pipeline["id"] == pipeline.id
assert project.pipelineschedules.get(schedule.id).next_run_at == read.next_run_at

# Ownership: a developer plays and sees, but does not change another's schedule; a
# maintainer takes it over.
dev_user = gl.users.create({"username": "devi", "name": "Devi", "email": "devi@example.com", "password": "devi-pass-1234"})
dev = client(dev_user.personal_access_tokens.create({"name": "api", "scopes": ["api"]}).token)
membership = project.members.create({"user_id": dev_user.id, "access_level": gitlab.const.AccessLevel.DEVELOPER})
as_dev = dev.projects.get(project.id, lazy=True).pipelineschedules.get(schedule.id)
as_dev.description = "mine now"
expect_error(gitlab.GitlabUpdateError, 403, as_dev.save, "403 Forbidden")
expect_error(gitlab.GitlabOwnershipError, 403, as_dev.take_ownership, "403 Forbidden")
expect_error(gitlab.GitlabDeleteError, 403, as_dev.delete, "403 Forbidden")
membership.access_level = gitlab.const.AccessLevel.MAINTAINER
membership.save()
as_dev.take_ownership()
assert as_dev.owner["username"] == "devi", as_dev.owner
assert project.pipelineschedules.get(schedule.id).owner["username"] == "devi"
expect_error(gitlab.GitlabUpdateError, 403, lambda: schedule.variables.update("TARGET", {"key": "TARGET", "value": "x"}))

# Named zones from the tz database (and ActiveSupport's friendly names, which GitLab maps to
# them): 09:00 on the wall clock whatever daylight saving time says, run at the worker's next
# tick. The expected instant comes from Python's own tz database.
from zoneinfo import ZoneInfo


def next_local(now, zone, hour, minute):
    local = now.astimezone(ZoneInfo(zone))
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if at <= local:
        at = (local + datetime.timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at.astimezone(datetime.timezone.utc)


now = datetime.datetime.now(datetime.timezone.utc)
for zone, iana in [("Europe/Berlin", "Europe/Berlin"), ("Berlin", "Europe/Berlin"),
                   ("America/New_York", "America/New_York"), ("Eastern Time (US & Canada)", "America/New_York")]:
    zoned = project.pipelineschedules.create({"description": f"in {zone}", "ref": "main", "cron": "0 9 * * *",
                                             "cron_timezone": zone, "active": False})
    assert zoned.cron_timezone == zone, zoned.attributes
    assert zoned.next_run_at == stamp(next_local(now, iana, 9, 0) + TICK), (zone, zoned.next_run_at)
    zoned.delete()
for bad in ["europe/berlin", "Berlin/Europe", "Pacific Time"]:
    error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.pipelineschedules.create(
        {"description": "bad zone", "ref": "main", "cron": "0 9 * * *", "cron_timezone": bad}))
    assert error.error_message == {"cron_timezone": [" is invalid syntax"]}, (bad, error.error_message)

# Delete.
as_dev.delete()
expect_error(gitlab.GitlabGetError, 404, lambda: project.pipelineschedules.get(schedule.id), "404 Pipeline Schedule Not Found")
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_get(f"{schedules_path}/abc"), "pipeline_schedule_id is invalid")
print("ok", URL)
