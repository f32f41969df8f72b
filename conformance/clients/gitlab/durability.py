"""Run twice against one state directory, the server SIGKILLed after each run: `write` makes
a user, a group, a project with a variable, a pushed commit and its pipeline, a pipeline schedule with a variable, one in a named zone, an environment with a deployment; `verify` reads
them all back, clones the repository and checks the root token and IDs are unchanged."""

import os
import sys

import gitlab

from common import client, push_files, wait_until, git

phase = sys.argv[1]
gl = client()

if phase == "write":
    group = gl.groups.create({"name": "Durable", "path": "durable"})
    project = gl.projects.create({"name": "kept", "namespace_id": group.id})
    project.variables.create({"key": "KEPT", "value": "still-here-1", "masked": True})
    gl.users.create({"username": "dora", "name": "Dora", "email": "dora@example.com", "password": "p" * 12})
    sha = push_files(project, {".gitlab-ci.yml": "job:\n  script: echo kept\n", "kept.txt": "kept bytes\n"})
    wait_until(lambda: project.pipelines.list(get_all=True), what="pipeline")
    schedule = project.pipelineschedules.create({"description": "new year", "ref": "main", "cron": "0 4 1 1 *"})
    schedule.variables.create({"key": "YEAR", "value": "next"})
    # An environment and a deployment to it, and a schedule in a named zone.
    project.deployments.create({"environment": "production", "sha": sha, "ref": "main", "tag": False, "status": "success"})
    project.pipelineschedules.create({"description": "berlin", "ref": "main", "cron": "0 9 * * *",
                                      "cron_timezone": "Europe/Berlin", "active": False})
    with open(os.path.join(os.environ["HOME"], "expected-sha"), "w") as handle:
        handle.write(sha)
    with open(os.path.join(os.environ["HOME"], "expected-schedule"), "w") as handle:
        handle.write(schedule.next_run_at)
    print("written")
else:
    with open(os.path.join(os.environ["HOME"], "expected-sha")) as handle:
        sha = handle.read()
    project = gl.projects.get("durable/kept")
    assert project.variables.get("KEPT").value == "still-here-1"
    with open(os.path.join(os.environ["HOME"], "expected-schedule")) as handle:
        next_run_at = handle.read()
    schedule, berlin = project.pipelineschedules.list(get_all=True)
    assert berlin.cron_timezone == "Europe/Berlin", berlin.attributes
    [environment] = project.environments.list(get_all=True)
    assert (environment.name, environment.slug, environment.state) == ("production", "production", "available")
    [deployment] = project.deployments.list(get_all=True)
    assert (deployment.iid, deployment.status, deployment.sha) == (1, "success", sha), deployment.attributes
    assert project.environments.get(environment.id).last_deployment["id"] == deployment.id
    schedule = project.pipelineschedules.get(schedule.id)
    assert (schedule.description, schedule.next_run_at, schedule.active) == ("new year", next_run_at, True), schedule
    assert [(v["key"], v["value"]) for v in schedule.attributes["variables"]] == [("YEAR", "next")], schedule.attributes
    assert gl.users.list(username="dora")[0].name == "Dora"
    pipelines = project.pipelines.list(get_all=True)
    assert [(p.sha, p.source, p.status) for p in pipelines] == [(sha, "push", "pending")], pipelines
    assert [j.name for j in pipelines[0].jobs.list(get_all=True)] == ["job"]
    assert project.files.raw("kept.txt", ref="main") == b"kept bytes\n"
    work = os.path.join(os.environ["TMPDIR"], "verify-clone")
    git("clone", project.http_url_to_repo.replace("://", f"://oauth2:{os.environ['GITLAB_TOKEN']}@"), work)
    assert git("rev-parse", "HEAD", cwd=work).stdout.strip() == sha
    # New IDs continue after the old ones.
    again = gl.projects.create({"name": "after-restart"})
    assert again.id == project.id + 1, (again.id, project.id)
    print("verified")
