"""gitlab-python-runner (shell executor) registered against the fake runs a pushed
pipeline's jobs: stages, needs, artifacts handed from one job to the next, a failing job that
may fail, a manual job played through the API. Traces, statuses and artifacts are read back
with python-gitlab."""

import io
import os
import subprocess
import zipfile

from common import client, push_files, wait_until, log, URL

GLRUNNER_PYTHON = os.environ["GLRUNNER_PYTHON"]
GLRUNNER = os.environ["GLRUNNER"]

gl = client()
project = gl.projects.create({"name": "runner-e2e", "ci_default_git_depth": 0})
# The python runner clones with `--branch <refspec>` when a depth is set; a full clone works
# with GitLab and with the fake alike.
project.ci_default_git_depth = 0
project.save()
assert gl.projects.get(project.id).ci_default_git_depth == 0

CI = """
stages: [build, test, deploy]
default:
  tags: [sockerless]
variables:
  GREETING: hello
build:
  stage: build
  script:
    - echo "building with $GREETING from $CI_PROJECT_PATH at $CI_COMMIT_SHORT_SHA"
    - mkdir -p out && printf 'artifact-bytes-%s' "$CI_PIPELINE_ID" > out/result.txt
  artifacts:
    paths: [out/]
test:
  stage: test
  needs: [build]
  script:
    - cat out/result.txt
    - echo "test saw $(cat out/result.txt)"
flaky:
  stage: test
  allow_failure: true
  script:
    - echo "about to fail"
    - exit 3
deploy:
  stage: deploy
  when: manual
  script:
    - echo "deploying $CI_COMMIT_REF_NAME"
review:
  stage: test
  script:
    - echo "reviewing !$CI_MERGE_REQUEST_IID from $CI_MERGE_REQUEST_SOURCE_BRANCH_NAME into $CI_MERGE_REQUEST_TARGET_BRANCH_NAME ($CI_PIPELINE_SOURCE, ref $CI_COMMIT_REF_NAME, branch '$CI_COMMIT_BRANCH')"
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
"""
sha = push_files(project, {".gitlab-ci.yml": CI, "README.md": "runner e2e\n"})

pipelines = wait_until(lambda: project.pipelines.list(get_all=True), what="push pipeline")
assert len(pipelines) == 1, pipelines
pipeline = pipelines[0]
assert pipeline.sha == sha and pipeline.ref == "main" and pipeline.source == "push", pipeline
jobs = {job.name: job for job in pipeline.jobs.list(get_all=True)}
assert set(jobs) == {"build", "test", "flaky", "deploy"}, jobs
assert jobs["build"].status == "pending", jobs["build"].status
assert jobs["test"].status == "created" and jobs["deploy"].status == "created"

work = os.path.join(os.environ["TMPDIR"], "runner")
os.makedirs(work)
register = subprocess.run(
    [GLRUNNER_PYTHON, GLRUNNER, "--register", URL, "--regtoken", project.runners_token,
     "--type", "shell", "--shell", "/bin/sh", "--tag", "sockerless", "--desc", "conformance runner"],
    cwd=work, capture_output=True, text=True, timeout=60)
assert register.returncode == 0, register.stdout + register.stderr
runners = project.runners.list(get_all=True)
assert [r.description for r in runners if r.runner_type == "project_type"] == ["conformance runner"], runners


def run_one_job():
    done = subprocess.run([GLRUNNER_PYTHON, GLRUNNER, "--start", "gitlab-runner.yml", "--once"],
                          cwd=work, capture_output=True, text=True, timeout=120)
    log(done.stdout[-2000:], done.stderr[-4000:])


def job(name):
    return [j for j in project.jobs.list(get_all=True) if j.name == name][0]


run_one_job()
build = job("build")
assert build.status == "success", build.status
trace = project.jobs.get(build.id).trace().decode()
assert f"building with hello from root/runner-e2e at {sha[:8]}" in trace, trace
assert build.artifacts_file["filename"], build.artifacts_file
archive = project.jobs.get(build.id).artifacts()
with zipfile.ZipFile(io.BytesIO(archive)) as zf:
    assert zf.read("out/result.txt") == f"artifact-bytes-{pipeline.id}".encode(), zf.namelist()

# test and flaky are both pending now; run them.
wait_until(lambda: job("test").status == "pending" and job("flaky").status == "pending", what="stage test queued")
run_one_job()
run_one_job()
test = job("test")
assert test.status == "success", test.status
test_trace = project.jobs.get(test.id).trace().decode()
assert f"test saw artifact-bytes-{pipeline.id}" in test_trace, test_trace
flaky = job("flaky")
assert flaky.status == "failed" and flaky.allow_failure, (flaky.status, flaky.allow_failure)
assert "about to fail" in project.jobs.get(flaky.id).trace().decode()

deploy = wait_until(lambda: job("deploy").status == "manual" and job("deploy"), what="manual deploy")
pipeline = project.pipelines.get(pipeline.id)
assert pipeline.status == "success", pipeline.status  # manual jobs that may fail do not block

project.jobs.get(deploy.id).play()
assert job("deploy").status == "pending"
run_one_job()
deploy = job("deploy")
assert deploy.status == "success", deploy.status
assert "deploying main" in project.jobs.get(deploy.id).trace().decode()
assert project.pipelines.get(pipeline.id).status == "success"

# A merge request pipeline runs on the runner with GitLab's merge request variables.
topic_sha = project.commits.create({"branch": "topic", "start_branch": "main", "commit_message": "topic",
                                    "actions": [{"action": "create", "file_path": "topic.txt", "content": "t\n"}]}).id
for branch_pipeline in project.pipelines.list(ref="topic", get_all=True):
    branch_pipeline.cancel()  # the runner below takes the merge request's job
mr = project.mergerequests.create({"source_branch": "topic", "target_branch": "main", "title": "Topic"})
review = wait_until(lambda: [j for j in project.jobs.list(get_all=True) if j.name == "review"], what="review job")[0]
assert review.status == "pending" and review.pipeline["source"] == "merge_request_event", review.pipeline
run_one_job()
review = project.jobs.get(review.id)
assert review.status == "success", review.status
review_trace = review.trace().decode()
assert "reviewing !1 from topic into main (merge_request_event, ref topic, branch '')" in review_trace, review_trace
assert mr.pipelines.list(get_all=True)[0].status == "success"
print("runner e2e ok")
