"""Child and multi-project pipelines run by gitlab-python-runner: a child pipeline whose
configuration is an earlier job's artifact (`strategy: depend`, so the parent waits for it), a
child from a repository file, a pipeline of another project, and a bridge to a project that
does not exist (failed with GitLab's reason, allowed to fail). Bridges are read at
`/pipelines/:id/bridges` with their downstream pipelines, never among jobs; traces show each
downstream job's real output and `CI_PIPELINE_SOURCE`."""

import os
import subprocess

from common import URL, client, log, push_files, wait_until

GLRUNNER_PYTHON = os.environ["GLRUNNER_PYTHON"]
GLRUNNER = os.environ["GLRUNNER"]

gl = client()


def runner_for(project, name):
    work = os.path.join(os.environ["TMPDIR"], name)
    os.makedirs(work)
    register = subprocess.run(
        [GLRUNNER_PYTHON, GLRUNNER, "--register", URL, "--regtoken", project.runners_token,
         "--type", "shell", "--shell", "/bin/sh", "--tag", "sockerless", "--desc", name],
        cwd=work, capture_output=True, text=True, timeout=60)
    assert register.returncode == 0, register.stdout + register.stderr
    return work


def run_one_job(work):
    done = subprocess.run([GLRUNNER_PYTHON, GLRUNNER, "--start", "gitlab-runner.yml", "--once"],
                          cwd=work, capture_output=True, text=True, timeout=120)
    log(done.stdout[-2000:], done.stderr[-4000:])


downstream = gl.projects.create({"name": "downstream", "ci_default_git_depth": 0})
push_files(downstream, {".gitlab-ci.yml": """
multi:
  tags: [sockerless]
  script: [echo "multi from $CI_PIPELINE_SOURCE with $UPSTREAM_NOTE"]
  rules:
    - if: $CI_PIPELINE_SOURCE == "pipeline"
"""})
assert downstream.pipelines.list(get_all=True) == []  # the push itself runs nothing

parent = gl.projects.create({"name": "parent", "ci_default_git_depth": 0})
CI = """
stages: [build, trigger, after]
default:
  tags: [sockerless]
generate:
  stage: build
  script:
    - |
      cat > child.yml <<'END'
      child-job:
        tags: [sockerless]
        script: [echo "child from artifact $CHILD_GREETING $CI_PIPELINE_SOURCE"]
      END
  artifacts:
    paths: [child.yml]
from-artifact:
  stage: trigger
  variables:
    CHILD_GREETING: hi
  trigger:
    include:
      - artifact: child.yml
        job: generate
    strategy: depend
from-file:
  stage: trigger
  trigger:
    include: ci/child.yml
to-project:
  stage: trigger
  variables:
    UPSTREAM_NOTE: from-parent
  trigger:
    project: root/downstream
    branch: main
broken:
  stage: trigger
  allow_failure: true
  trigger: root/nowhere
after:
  stage: after
  script: [echo after]
"""
push_files(parent, {".gitlab-ci.yml": CI, "ci/child.yml": "file-child:\n  tags: [sockerless]\n  script: [echo file child]\n"})
pipeline = wait_until(lambda: parent.pipelines.list(source="push", get_all=True), what="parent pipeline")[0]
names = {j.name for j in pipeline.jobs.list(get_all=True)}
assert names == {"generate", "after"}, (names, parent.pipelines.get(pipeline.id).attributes)
parent_work = runner_for(parent, "parent-runner")
downstream_work = runner_for(downstream, "downstream-runner")

run_one_job(parent_work)  # generate

def bridges():
    return {b["name"]: b for b in gl.http_list(f"/projects/{parent.id}/pipelines/{pipeline.id}/bridges", get_all=True)}

found = wait_until(lambda: (lambda b: b if b.get("from-artifact", {}).get("downstream_pipeline") else None)(bridges()),
                   what="child pipeline from the artifact")
assert found["from-artifact"]["status"] == "running", found["from-artifact"]
assert found["from-file"]["status"] == "success" and found["to-project"]["status"] == "success", found
assert found["broken"]["status"] == "failed" and found["broken"]["failure_reason"] == "downstream_bridge_project_not_found", found["broken"]
assert found["broken"]["downstream_pipeline"] is None
child = found["from-artifact"]["downstream_pipeline"]
assert (child["source"], child["sha"], child["ref"]) == ("parent_pipeline", pipeline.sha, "main"), child
multi = found["to-project"]["downstream_pipeline"]
assert (multi["project_id"], multi["source"]) == (downstream.id, "pipeline"), multi
assert parent.pipelines.get(pipeline.id).status == "running"
assert {j.name for j in parent.pipelines.get(pipeline.id).jobs.list(get_all=True)} == {"generate", "after"}

child_jobs = parent.pipelines.get(child["id"]).jobs.list(get_all=True)
assert [j.name for j in child_jobs] == ["child-job"], child_jobs
sources = sorted(p.source for p in parent.pipelines.list(get_all=True))
assert sources == ["parent_pipeline", "parent_pipeline", "push"], sources

run_one_job(parent_work)  # child-job
run_one_job(parent_work)  # file-child
run_one_job(downstream_work)  # multi
child_job = parent.jobs.get(child_jobs[0].id)
assert child_job.status == "success", child_job.status
assert "child from artifact hi parent_pipeline" in child_job.trace().decode(), child_job.trace()
multi_job = downstream.pipelines.get(multi["id"]).jobs.list(get_all=True)[0]
assert "multi from pipeline with from-parent" in downstream.jobs.get(multi_job.id).trace().decode()

# The depend bridge took the child's success; `after` was released and runs.
wait_until(lambda: bridges()["from-artifact"]["status"] == "success", what="bridge success")
run_one_job(parent_work)  # after
final = wait_until(lambda: (lambda p: p if p.status == "success" else None)(parent.pipelines.get(pipeline.id)),
                   what="parent success")
assert final.status == "success"
after = [j for j in parent.jobs.list(get_all=True) if j.name == "after"][0]
assert after.status == "success" and "after" in parent.jobs.get(after.id).trace().decode()
print("downstream pipelines: ok")
