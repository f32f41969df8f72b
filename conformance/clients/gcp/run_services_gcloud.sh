#!/bin/sh
# Cloud Run services through gcloud run (the v1 Knative serving API, regional host through the
# simulator as a proxy): deploy a service whose container is a small HTTP server, describe and
# list it, reach its URL through the simulator as a proxy, deploy a new revision with another
# environment, list revisions, see a container that never listens fail the deploy with Cloud
# Run's message, see the same service through the v2 API (google-cloud-run), then delete it.
# IAM: the deploy asks testIamPermissions and `--allow-unauthenticated` sets the invoker
# binding; add/remove-iam-policy-binding and set-iam-policy read and write the same policy
# (etags, Google's errors for an unknown member type, an unsupported role and a stale etag),
# seen through v2 too.
# Exits non-zero on the first difference. Environment: PYTHON (the venv's python),
# RUN_V2_ENDPOINT, PROXY (the simulator's URL).
set -eu
# gcloud prints names in bold (ANSI escapes) when TERM names a capable terminal, even into a
# file; the checks below read plain text.
export TERM=dumb
fail() { echo "FAIL: $*" >&2; exit 1; }
R="--region us-central1"
SERVER='import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (os.environ.get("GREETING", "hello") + " from " + os.environ["K_REVISION"]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()'
get() {
  "$PYTHON" -c '
import sys, urllib.request, urllib.error
opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": sys.argv[1]}))
try:
    print(opener.open(sys.argv[2].replace("https://", "http://"), timeout=30).read().decode())
except urllib.error.HTTPError as error:
    print(error.code)' "$PROXY" "$1"
}
gcloud run deploy hello $R --image us-docker.pkg.dev/p/repo/hello --command /usr/bin/python3 \
  --args="^@@^-c@@$SERVER" --labels team=blue --allow-unauthenticated 2> deploy.err || fail "deploy: $(cat deploy.err)"
grep -q "Setting IAM Policy\.*done" deploy.err || fail "deploy IAM: $(cat deploy.err)"
! grep -q "Setting IAM policy failed" deploy.err || fail "deploy IAM warning: $(cat deploy.err)"
grep -q "Service \[hello\] revision \[hello-00001-...\] has been deployed and is serving 100 percent of traffic" deploy.err \
  || fail "deploy output: $(cat deploy.err)"
url=$(gcloud run services describe hello $R --format='value(status.url)')
case "$url" in https://hello-*-uc.a.run.app) ;; *) fail "url: $url" ;; esac
grep -q "Service URL: $url" deploy.err || fail "deploy URL: $(cat deploy.err)"
described=$(gcloud run services describe hello $R --format='value(metadata.labels.team,status.latestReadyRevisionName,status.conditions[0].status)')
case "$described" in "blue	hello-00001-"???"	True") ;; *) fail "describe: $described" ;; esac
[ "$(gcloud run services list $R --format='value(metadata.name)')" = hello ] || fail "list"
# The invoker binding the deploy set, then one added and removed through gcloud.
policy=$(gcloud run services get-iam-policy hello $R --format='value(bindings[0].role,bindings[0].members[0],version)')
[ "$policy" = "roles/run.invoker	allUsers	1" ] || fail "policy after deploy: $policy"
gcloud run services add-iam-policy-binding hello $R --member=user:ada@example.com --role=roles/run.developer \
  --format='value(bindings.role)' > added.out 2> added.err || fail "add binding: $(cat added.err)"
grep -q "roles/run.developer" added.out || fail "add binding output: $(cat added.out)"
etag=$(gcloud run services get-iam-policy hello $R --format='value(etag)')
gcloud run services remove-iam-policy-binding hello $R --member=user:ada@example.com --role=roles/run.developer \
  > /dev/null 2> removed.err || fail "remove binding: $(cat removed.err)"
gcloud run services get-iam-policy hello $R --format=json > policy.json
"$PYTHON" -c '
import json, sys
policy = json.load(open("policy.json"))
assert policy["bindings"] == [{"members": ["allUsers"], "role": "roles/run.invoker"}], policy
assert policy["etag"] != sys.argv[1], policy' "$etag" || fail "policy after remove: $(cat policy.json)"
# Google's errors, from the server: a role Cloud Run does not support, a member without a type,
# an etag a later write made stale.
if gcloud run services add-iam-policy-binding hello $R --member=user:ada@example.com --role=roles/storage.admin 2> role.err; then
  fail "an unsupported role was bound"
fi
grep -q "Role roles/storage.admin is not supported for this resource." role.err || fail "role error: $(cat role.err)"
printf '{"bindings":[{"role":"roles/run.invoker","members":["ada@example.com"]}]}' > bad-member.json
if gcloud run services set-iam-policy hello bad-member.json $R 2> member.err; then fail "a member without a type was bound"; fi
grep -q "The member ada@example.com is of an unknown type. Please set a valid type prefix for the member." member.err \
  || fail "member error: $(cat member.err)"
printf '{"bindings":[{"role":"roles/run.invoker","members":["allUsers"]}],"etag":"%s"}' "$etag" > stale.json
if gcloud run services set-iam-policy hello stale.json $R 2> stale.err; then fail "a stale etag was accepted"; fi
grep -q "There were concurrent policy changes" stale.err || fail "stale etag error: $(cat stale.err)"
answer=$(get "$url")
case "$answer" in "hello from hello-00001-"???) ;; *) fail "answer: $answer" ;; esac
# A new revision with another environment takes the traffic.
gcloud run deploy hello $R --image us-docker.pkg.dev/p/repo/hello --update-env-vars GREETING=howdy 2> redeploy.err \
  || fail "redeploy: $(cat redeploy.err)"
grep -q "revision \[hello-00002-...\] has been deployed and is serving 100 percent of traffic" redeploy.err \
  || fail "redeploy output: $(cat redeploy.err)"
answer=$(get "$url")
case "$answer" in "howdy from hello-00002-"???) ;; *) fail "answer after redeploy: $answer" ;; esac
revisions=$(gcloud run revisions list --service hello $R --format='value(metadata.name)' | sort | tr '\n' ' ')
case "$revisions" in hello-00001-???" "hello-00002-???" ") ;; *) fail "revisions: $revisions" ;; esac
# A container that never listens: the deploy fails with Cloud Run's message.
if gcloud run deploy broken $R --image us-docker.pkg.dev/p/repo/hello --command sh --args=-c,'exit 3' 2> broken.err; then
  fail "a service whose container never listens was deployed"
fi
grep -q "Revision 'broken-00001-...' is not ready and cannot serve traffic" broken.err || fail "broken: $(cat broken.err)"
grep -q "failed to start and listen on the port defined provided by the PORT=" broken.err || fail "broken message: $(cat broken.err)"
# The same service through the v2 API.
"$PYTHON" - <<'PY'
import os
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import run_v2
options = ClientOptions(api_endpoint=os.environ["RUN_V2_ENDPOINT"])
services = run_v2.ServicesClient(transport="rest", credentials=AnonymousCredentials(), client_options=options)
service = services.get_service(name="projects/p/locations/us-central1/services/hello")
assert service.labels["team"] == "blue", service.labels
assert service.latest_ready_revision.rsplit("/", 1)[1].startswith("hello-00002-"), service.latest_ready_revision
env = {e.name: e.value for e in service.template.containers[0].env}
assert env == {"GREETING": "howdy"}, env
policy = services.get_iam_policy(request={"resource": service.name})
assert [(b.role, list(b.members)) for b in policy.bindings] == [("roles/run.invoker", ["allUsers"])], policy
allowed = services.test_iam_permissions(request={"resource": service.name, "permissions": ["run.services.setIamPolicy", "storage.objects.get"]})
assert list(allowed.permissions) == ["run.services.setIamPolicy"], allowed
PY
gcloud run services delete hello $R --quiet 2> delete.err || fail "delete: $(cat delete.err)"
if gcloud run services describe hello $R 2> missing.err; then fail "a deleted service was described"; fi
grep -q "Cannot find service \[hello\]" missing.err || fail "missing: $(cat missing.err)"
if gcloud run services get-iam-policy hello $R 2> missing-policy.err; then fail "a deleted service had a policy"; fi
grep -q "NOT_FOUND" missing-policy.err || fail "missing policy: $(cat missing-policy.err)"
[ "$(get "$url")" = 404 ] || fail "a deleted service still answers"
echo ok
