#!/bin/sh
# Secret Manager through gcloud secrets: create with a first version from a file, add a binary
# version (gcloud sends its CRC32C and checks the one it gets back), access by number and
# latest with the bytes read back identical, list and describe, disable and enable, destroy,
# labels, IAM bindings, Google's errors, delete. Exits non-zero on the first difference.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
printf 'hunter2' > first.txt
gcloud secrets create db-password --data-file=first.txt --replication-policy=automatic --labels=team=blue 2> create.err \
  || fail "create: $(cat create.err)"
grep -q "Created version \[1\] of the secret \[db-password\]" create.err || fail "create output: $(cat create.err)"
if gcloud secrets create db-password --replication-policy=automatic 2> again.err; then fail "a duplicate secret was created"; fi
grep -q "already exists" again.err || fail "duplicate: $(cat again.err)"
head -c 3000 /dev/urandom > second.bin
gcloud secrets versions add db-password --data-file=second.bin 2> add.err || fail "add: $(cat add.err)"
grep -q "Created version \[2\] of the secret \[db-password\]" add.err || fail "add output: $(cat add.err)"
gcloud secrets versions access latest --secret=db-password --out-file=latest.bin 2> access.err || fail "access: $(cat access.err)"
cmp -s second.bin latest.bin || fail "latest payload differs"
[ "$(gcloud secrets versions access 1 --secret=db-password)" = hunter2 ] || fail "version 1 payload"
gcloud secrets describe db-password --format=json > described.json
grep -q '"automatic": {}' described.json || fail "describe: $(cat described.json)"
[ "$(gcloud secrets describe db-password --format='value(labels.team)')" = blue ] || fail "describe labels: $(cat described.json)"
[ "$(gcloud secrets list --format='value(name.basename())')" = db-password ] || fail "list: $(gcloud secrets list --format=json)"
# Secret Manager names the project by number, though gcloud sent its ID.
number=$(gcloud secrets describe db-password --format='value(name)' | cut -d/ -f2)
case "$number" in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) fail "project number: $number" ;; esac
# States: a disabled latest cannot be accessed; destroyed is final.
gcloud secrets versions disable 2 --secret=db-password 2> disable.err || fail "disable: $(cat disable.err)"
if gcloud secrets versions access latest --secret=db-password 2> disabled.err; then fail "a disabled version was accessed"; fi
grep -q "Secret Version \[projects/$number/secrets/db-password/versions/2\] is in DISABLED state." disabled.err \
  || fail "disabled: $(cat disabled.err)"
gcloud secrets versions enable 2 --secret=db-password 2> enable.err || fail "enable: $(cat enable.err)"
gcloud secrets versions destroy 1 --secret=db-password --quiet 2> destroy.err || fail "destroy: $(cat destroy.err)"
states=$(gcloud secrets versions list db-password --format='value(name.basename(),state)' | tr '\t\n' ': ')
[ "$states" = "2:enabled 1:destroyed " ] || fail "versions: $states"
if gcloud secrets versions access 1 --secret=db-password 2> destroyed.err; then fail "a destroyed version was accessed"; fi
grep -q "is in DESTROYED state" destroyed.err || fail "destroyed: $(cat destroyed.err)"
# Labels and IAM.
gcloud secrets update db-password --update-labels=team=green 2> update.err || fail "update: $(cat update.err)"
[ "$(gcloud secrets describe db-password --format='value(labels.team)')" = green ] || fail "labels after update"
gcloud secrets add-iam-policy-binding db-password --member=serviceAccount:runner@p.iam.gserviceaccount.com \
  --role=roles/secretmanager.secretAccessor > /dev/null 2> bind.err || fail "bind: $(cat bind.err)"
[ "$(gcloud secrets get-iam-policy db-password --format='value(bindings[0].members[0])')" = serviceAccount:runner@p.iam.gserviceaccount.com ] \
  || fail "policy: $(gcloud secrets get-iam-policy db-password --format=json)"
# Missing things.
if gcloud secrets versions access latest --secret=missing 2> missing.err; then fail "a missing secret was accessed"; fi
grep -q "NOT_FOUND" missing.err || fail "missing: $(cat missing.err)"
gcloud secrets delete db-password --quiet 2> delete.err || fail "delete: $(cat delete.err)"
if gcloud secrets describe db-password 2> gone.err; then fail "a deleted secret was described"; fi
grep -q "Secret \[projects/$number/secrets/db-password\] not found." gone.err || fail "gone: $(cat gone.err)"
echo ok
