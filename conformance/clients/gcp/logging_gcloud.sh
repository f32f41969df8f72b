#!/bin/sh
# Cloud Logging through gcloud logging (REST): write text and JSON entries with severities,
# read them back with filters, --order and --limit, list logs, delete one, and see a bad filter
# refused. Exits non-zero on the first difference.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
gcloud logging write applog "first line" --severity=INFO
gcloud logging write applog "second line" --severity=ERROR
gcloud logging write applog '{"job":{"name":"build","attempt":3}}' --payload-type=json --severity=WARNING
gcloud logging write otherlog "other line"
asc=$(gcloud logging read 'logName="projects/p/logs/applog"' --order=asc --format='value(severity)')
[ "$asc" = "INFO
ERROR
WARNING" ] || fail "ascending: $asc"
desc=$(gcloud logging read 'logName:applog' --order=desc --limit=2 --format='value(severity)')
[ "$desc" = "WARNING
ERROR" ] || fail "descending, limit 2: $desc"
text=$(gcloud logging read 'severity>=ERROR' --format='value(textPayload)')
[ "$text" = "second line" ] || fail "severity>=ERROR: $text"
json=$(gcloud logging read 'jsonPayload.job.attempt>=3 AND jsonPayload.job.name=build' --format='value(jsonPayload.job.name)')
[ "$json" = "build" ] || fail "jsonPayload filter: $json"
logs=$(gcloud logging logs list --format='value(.)')
[ "$logs" = "projects/p/logs/applog
projects/p/logs/otherlog" ] || fail "logs: $logs"
gcloud logging logs delete otherlog --quiet
[ -z "$(gcloud logging read 'logName:otherlog' --format='value(textPayload)')" ] || fail "otherlog still has entries"
if gcloud logging read 'severity>=(' 2> bad.err; then fail "a bad filter was accepted"; fi
grep -q "Unparseable filter" bad.err || fail "bad filter error: $(cat bad.err)"
echo ok
