#!/bin/sh
# Cloud Run jobs through gcloud run (the v1 Knative API, regional host through the simulator as
# a proxy): create a job of three tasks that exit with their index, refuse a duplicate, list and
# describe it, execute it with --wait (which fails: tasks 1 and 2 exit non-zero), list and
# describe the execution, read its three log lines back with gcloud logging read, see the same
# job through the v2 API (google-cloud-run), then delete it. Exits non-zero on the first
# difference. Environment: PYTHON (the venv's python), RUN_V2_ENDPOINT.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
R="--region us-central1"
gcloud run jobs create counter $R --image us-docker.pkg.dev/p/repo/busybox --command sh \
  --args=-c,'echo task $CLOUD_RUN_TASK_INDEX; exit $CLOUD_RUN_TASK_INDEX' \
  --tasks 3 --parallelism 3 --max-retries 0 --task-timeout 60s --labels team=blue
if gcloud run jobs create counter $R --image us-docker.pkg.dev/p/repo/busybox 2> dup.err; then
  fail "a second job with the same name was created"
fi
grep -q "Job \[counter\] already exists" dup.err || fail "duplicate: $(cat dup.err)"
[ "$(gcloud run jobs list $R --format='value(metadata.name)')" = counter ] || fail "list"
described=$(gcloud run jobs describe counter $R --format='value(spec.template.spec.taskCount,spec.template.spec.template.spec.maxRetries,spec.template.spec.template.spec.timeoutSeconds,metadata.labels.team)')
[ "$described" = "3	0	60	blue" ] || fail "describe: $described"
if gcloud run jobs execute counter $R --wait 2> execute.err; then
  fail "an execution whose tasks failed succeeded"
fi
grep -q "The execution failed" execute.err || fail "execute: $(cat execute.err)"
execution=$(gcloud run jobs executions list --job counter $R --format='value(metadata.name)')
case "$execution" in counter-?????) ;; *) fail "execution name: $execution" ;; esac
counts=$(gcloud run jobs executions describe "$execution" $R --format='value(status.succeededCount,status.failedCount,status.completionTime.yesno(yes="done",no="running"))')
[ "$counts" = "1	2	done" ] || fail "execution counts: $counts"
completed=$(gcloud run jobs executions describe "$execution" $R --format=json | "$PYTHON" -c '
import json, sys
conditions = {c["type"]: c["status"] for c in json.load(sys.stdin)["status"]["conditions"]}
print(conditions["Completed"], conditions["Started"])')
[ "$completed" = "False True" ] || fail "conditions: $completed"
lines=$(gcloud logging read "labels.\"run.googleapis.com/execution_name\"=\"$execution\" AND logName:stdout" --format='value(textPayload)' | sort)
[ "$lines" = "task 0
task 1
task 2" ] || fail "log lines: $lines"
# The same records through the v2 API.
"$PYTHON" - "$execution" <<'PY'
import os, sys
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import run_v2
options = ClientOptions(api_endpoint=os.environ["RUN_V2_ENDPOINT"])
jobs = run_v2.JobsClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
job = jobs.get_job(name="projects/p/locations/us-central1/jobs/counter")
assert job.template.task_count == 3, job.template.task_count
assert job.labels["team"] == "blue", job.labels
assert job.execution_count == 1, job.execution_count
assert job.latest_created_execution.name.endswith("/" + sys.argv[1]), job.latest_created_execution.name
executions = run_v2.ExecutionsClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
execution = executions.get_execution(name=f"{job.name}/executions/{sys.argv[1]}")
assert (execution.succeeded_count, execution.failed_count) == (1, 2), execution
PY
gcloud run jobs delete counter $R --quiet
if gcloud run jobs describe counter $R 2> gone.err; then fail "job still there"; fi
grep -q "Cannot find job \[counter\]" gone.err || fail "describe after delete: $(cat gone.err)"
echo ok
