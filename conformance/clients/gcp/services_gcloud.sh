#!/bin/sh
# Service Usage through gcloud services (v1): a new project has Google's default services
# enabled and the rest disabled, `enable` of one service and of several (batchEnable) turns
# them on, `disable` turns one off, listings with --enabled and --available show it, names
# carry the project number, and a service Google does not offer is refused with Service
# Usage's own message.
# Exits non-zero on the first difference.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
gcloud services list --format='value(config.name)' > enabled.out 2> list.err || fail "list: $(cat list.err)"
grep -qx storage.googleapis.com enabled.out || fail "storage not enabled by default: $(cat enabled.out)"
grep -qx serviceusage.googleapis.com enabled.out || fail "serviceusage not enabled by default: $(cat enabled.out)"
! grep -qx run.googleapis.com enabled.out || fail "run enabled by default"
gcloud services enable run.googleapis.com 2> enable.err || fail "enable: $(cat enable.err)"
gcloud services list --enabled --format='value(config.name)' | grep -qx run.googleapis.com || fail "run not enabled"
# Several at once: one batchEnable.
gcloud services enable secretmanager.googleapis.com artifactregistry.googleapis.com 2> batch.err \
  || fail "batch enable: $(cat batch.err)"
state=$(gcloud services list --available --filter='config.name=secretmanager.googleapis.com' --format='value(config.name,state)')
[ "$state" = "secretmanager.googleapis.com	ENABLED" ] || fail "secretmanager after batch: $state"
gcloud services list --available --format='value(name)' > names.out
grep -Eq '^projects/[0-9]{12}/services/run\.googleapis\.com$' names.out || fail "names: $(head -3 names.out)"
gcloud services disable run.googleapis.com 2> disable.err || fail "disable: $(cat disable.err)"
! gcloud services list --enabled --format='value(config.name)' | grep -qx run.googleapis.com || fail "run still enabled"
state=$(gcloud services list --available --filter='config.name=run.googleapis.com' --format='value(state)')
[ "$state" = DISABLED ] || fail "run after disable: $state"
if gcloud services enable nothing.googleapis.com 2> unknown.err; then fail "an unknown service was enabled"; fi
grep -q "Not found or permission denied for service(s): nothing.googleapis.com." unknown.err \
  || fail "unknown service: $(cat unknown.err)"
echo ok
