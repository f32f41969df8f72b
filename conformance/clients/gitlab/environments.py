"""Environments and deployments, driven by python-gitlab, git and gitlab-python-runner: the
environments API (create with GitLab's slug and tier, validation bodies, listing paged with
small pages and filtered by `search`/`states`, update, stop, delete only once stopped,
`stop_stale`'s date check), the deployments API (create, status changes and the state
machine's refusals, filters and the finder's pairing rules, delete guards), and a pushed
pipeline whose deploy job names a dynamic environment: the runner sees `CI_ENVIRONMENT_*`,
the deployment follows the job, the environment gets its expanded URL, and stopping it
through the API runs its `on_stop` job before it is `stopped`."""

import datetime
import os
import subprocess

import gitlab

from common import URL, client, expect_error, log, push_files, wait_until

GLRUNNER_PYTHON = os.environ["GLRUNNER_PYTHON"]
GLRUNNER = os.environ["GLRUNNER"]

gl = client()
project = gl.projects.create({"name": "envs", "ci_default_git_depth": 0})

# --- Environments API -------------------------------------------------------------------
production = project.environments.create({"name": "production", "external_url": "https://prod.example.test"})
assert (production.slug, production.tier, production.state) == ("production", "production", "available"), production.attributes
assert production.external_url == "https://prod.example.test"
assert production.project["id"] == project.id, production.attributes
review = project.environments.create({"name": "review/fix-foo"})
# The slug changed the name, so it carries the name's SHA-256 suffix (computed as GitLab does).
assert (review.slug, review.tier) == ("review-fix-foo-v25cyx", "development"), review.attributes

error = expect_error(gitlab.GitlabCreateError, 400, lambda: project.environments.create({"name": "production"}))
assert error.response_body and b"has already been taken" in error.response_body, error.response_body
expect_error(gitlab.GitlabCreateError, 400, lambda: project.environments.create({"name": "/bad"}),
             "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'")
expect_error(gitlab.GitlabCreateError, 400, lambda: project.environments.create({"name": "x1", "slug": "mine"}),
             "slug is automatically generated and cannot be changed")
expect_error(gitlab.GitlabCreateError, 400, lambda: project.environments.create({"name": "x2", "tier": "moon"}),
             "tier does not have a valid value")
expect_error(gitlab.GitlabCreateError, 400,
             lambda: project.environments.create({"name": "x3", "external_url": "javascript:alert(1)"}),
             "javascript scheme is not allowed")

for name in ["qa", "staging", "review/a", "review/b", "other-1"]:
    project.environments.create({"name": name})
seen = []
page = 1
while True:
    batch = gl.http_list(f"/projects/{project.id}/environments", page=page, per_page=2)
    seen.extend(e["name"] for e in batch)
    if len(batch) < 2:
        break
    page += 1
assert sorted(seen) == sorted(["production", "review/fix-foo", "qa", "staging", "review/a", "review/b", "other-1"]), seen
assert len(seen) == len(set(seen)), seen
found = sorted(e.name for e in project.environments.list(search="REV", get_all=True))
assert found == ["review/a", "review/b", "review/fix-foo"], found
expect_error(gitlab.GitlabListError, 400, lambda: project.environments.list(search="re", get_all=True),
             "Search query is less than 3 characters")
expect_error(gitlab.GitlabListError, 400, lambda: project.environments.list(search="rev", name="qa", get_all=True),
             "name, search cannot be used together")
expect_error(gitlab.GitlabListError, 400, lambda: project.environments.list(states="gone", get_all=True),
             "states does not have a valid value")
assert [e.name for e in project.environments.list(name="qa", get_all=True)] == ["qa"]

qa = project.environments.list(name="qa", get_all=True)[0]
qa.external_url = "https://qa.example.test"
qa.tier = "staging"
qa.save()
qa = project.environments.get(qa.id)
assert (qa.external_url, qa.tier) == ("https://qa.example.test", "staging"), qa.attributes
assert "last_deployment" in qa.attributes and qa.last_deployment is None, qa.attributes

# An available environment cannot be deleted; with no stop job it stops at once.
expect_error(gitlab.GitlabDeleteError, 403, lambda: project.environments.delete(qa.id), "403 Forbidden")
stopped = qa.stop()
assert stopped["state"] == "stopped", stopped
assert [e.name for e in project.environments.list(states="stopped", get_all=True)] == ["qa"]
project.environments.delete(qa.id)
expect_error(gitlab.GitlabGetError, 404, lambda: project.environments.get(qa.id), "404 Environment Not Found")

now = datetime.datetime.now(datetime.timezone.utc)
expect_error(gitlab.GitlabHttpError, 400,
             lambda: gl.http_post(f"/projects/{project.id}/environments/stop_stale", post_data={"before": now.isoformat()}),
             "Invalid Date")
ok = gl.http_post(f"/projects/{project.id}/environments/stop_stale",
                  post_data={"before": (now - datetime.timedelta(days=8)).isoformat()})
assert ok == {"message": "Successfully requested stop for all stale environments"}, ok
assert project.environments.get(production.id).state == "available"

# --- Deployments API --------------------------------------------------------------------
sha = push_files(project, {"README.md": "hello\n"}, message="first")
expect_error(gitlab.GitlabCreateError, 400,
             lambda: project.deployments.create({"environment": "api-env", "sha": sha, "ref": "nope", "tag": False, "status": "running"}),
             "The branch or tag does not exist")
expect_error(gitlab.GitlabCreateError, 400,
             lambda: project.deployments.create({"environment": "api-env", "sha": "0" * 40, "ref": "main", "tag": False, "status": "running"}),
             "The commit does not exist")
expect_error(gitlab.GitlabCreateError, 400,
             lambda: project.deployments.create({"environment": "api-env", "sha": sha, "ref": "main", "tag": False, "status": "blocked"}),
             "status does not have a valid value")
first = project.deployments.create({"environment": "api-env", "sha": sha, "ref": "main", "tag": False, "status": "running"})
assert (first.status, first.ref, first.sha, first.deployable) == ("running", "main", sha, None), first.attributes
assert first.environment["name"] == "api-env" and first.user["username"] == "root", first.attributes
first.status = "success"
first.save()
assert project.deployments.get(first.id).status == "success"
# A change the state machine refuses: GitLab answers 200 with nothing.
assert gl.http_put(f"/projects/{project.id}/deployments/{first.id}", post_data={"status": "running"}) is None
assert project.deployments.get(first.id).status == "success"
second = project.deployments.create({"environment": "api-env", "sha": sha, "ref": "main", "tag": False, "status": "failed"})
assert second.iid == first.iid + 1, (first.iid, second.iid)
api_env = project.environments.list(name="api-env", get_all=True)[0]
assert project.environments.get(api_env.id).last_deployment["id"] == first.id
assert [d.id for d in project.deployments.list(environment="api-env", status="success", get_all=True)] == [first.id]
assert [d.id for d in project.deployments.list(order_by="id", sort="desc", get_all=True)][:2] == [second.id, first.id]
expect_error(gitlab.GitlabListError, 400,
             lambda: project.deployments.list(updated_after="2020-01-01T00:00:00Z", get_all=True),
             "`updated_at` filter requires `updated_at` sort")
expect_error(gitlab.GitlabListError, 400, lambda: project.deployments.list(order_by="finished_at", get_all=True),
             "`finished_at` sort requires `finished_at` filter or a filter with at least one of the finished statuses.")
after = project.deployments.list(updated_after="2020-01-01T00:00:00Z", order_by="updated_at", get_all=True)
assert {d.id for d in after} == {first.id, second.id}
# python-gitlab has no delete for deployments; the REST call is GitLab's `DELETE`.
expect_error(gitlab.GitlabHttpError, 400, lambda: gl.http_delete(f"/projects/{project.id}/deployments/{first.id}"),
             "Deployment currently deployed to environment")
gl.http_delete(f"/projects/{project.id}/deployments/{second.id}")
expect_error(gitlab.GitlabGetError, 404, lambda: project.deployments.get(second.id), "404 Deployment Not Found")

# --- A pipeline deploys to a dynamic environment, and stopping it runs its stop job ------
CI = """
stages: [deploy, cleanup]
variables:
  APP: web
deploy-review:
  stage: deploy
  tags: [sockerless]
  script:
    - echo "deploying $CI_ENVIRONMENT_NAME slug=$CI_ENVIRONMENT_SLUG tier=$CI_ENVIRONMENT_TIER action=$CI_ENVIRONMENT_ACTION"
  environment:
    name: review/$CI_COMMIT_REF_SLUG-$APP
    url: https://$CI_COMMIT_REF_SLUG-$APP.example.test
    on_stop: stop-review
    auto_stop_in: 2 days
stop-review:
  stage: cleanup
  tags: [sockerless]
  when: manual
  script:
    - echo "stopping $CI_ENVIRONMENT_NAME action=$CI_ENVIRONMENT_ACTION"
  environment:
    name: review/$CI_COMMIT_REF_SLUG-$APP
    action: stop
nameless:
  stage: deploy
  tags: [sockerless]
  allow_failure: true
  script: [echo never]
  environment: $NO_SUCH_VARIABLE
"""
lint = project.ci_lint.create({"content": CI.replace("on_stop: stop-review", "on_stop: nowhere")})
assert lint.valid is False and lint.errors == ["deploy-review job: on_stop job nowhere is not defined"], lint.errors
lint = project.ci_lint.create({"content": "deploy:\n  script: [x]\n  environment:\n    name: prod\n    action: launch\n"})
assert lint.errors == ["jobs:deploy:environment action should be start, stop, prepare, verify, or access"], lint.errors

sha = push_files(project, {".gitlab-ci.yml": CI}, message="deploy")
pipeline = wait_until(lambda: project.pipelines.list(sha=sha, get_all=True), what="pipeline")[0]
jobs = {j.name: j for j in pipeline.jobs.list(get_all=True)}
assert jobs["nameless"].status == "failed" and jobs["nameless"].failure_reason == "environment_creation_failure", jobs["nameless"].attributes
assert jobs["stop-review"].status == "created", jobs["stop-review"].status
env = project.environments.list(name="review/main-web", get_all=True)
assert len(env) == 1, [e.name for e in project.environments.list(get_all=True)]
env = env[0]
assert env.tier == "development" and env.state == "available" and env.external_url is None, env.attributes
deployment = project.deployments.list(environment="review/main-web", get_all=True)
assert [(d.status, d.deployable["name"]) for d in deployment] == [("created", "deploy-review")], [d.attributes for d in deployment]

work = os.path.join(os.environ["TMPDIR"], "runner")
os.makedirs(work)
register = subprocess.run(
    [GLRUNNER_PYTHON, GLRUNNER, "--register", URL, "--regtoken", project.runners_token,
     "--type", "shell", "--shell", "/bin/sh", "--tag", "sockerless", "--desc", "envs"],
    cwd=work, capture_output=True, text=True, timeout=60)
assert register.returncode == 0, register.stdout + register.stderr


def run_one_job():
    done = subprocess.run([GLRUNNER_PYTHON, GLRUNNER, "--start", "gitlab-runner.yml", "--once"],
                          cwd=work, capture_output=True, text=True, timeout=120)
    log(done.stdout[-2000:], done.stderr[-4000:])


run_one_job()  # deploy-review
deploy_job = project.jobs.get(jobs["deploy-review"].id)
assert deploy_job.status == "success", deploy_job.status
trace = deploy_job.trace().decode()
assert f"deploying review/main-web slug={env.slug} tier=development action=start" in trace, trace
deployment = project.deployments.get(deployment[0].id)
assert deployment.status == "success", deployment.status
env = project.environments.get(env.id)
assert env.external_url == "https://main-web.example.test", env.attributes
assert env.last_deployment["id"] == deployment.id and env.auto_stop_at, env.attributes
assert project.jobs.get(jobs["stop-review"].id).status == "manual"

stopping = env.stop()
assert stopping["state"] == "stopping", stopping
assert project.jobs.get(jobs["stop-review"].id).status == "pending"
run_one_job()  # stop-review
stop_job = project.jobs.get(jobs["stop-review"].id)
assert stop_job.status == "success", stop_job.status
assert "stopping review/main-web action=stop" in stop_job.trace().decode(), stop_job.trace()
assert project.environments.get(env.id).state == "stopped"
assert project.environments.get(env.id).auto_stop_at is None
print("environments and deployments: ok")
