#!/bin/sh
# Artifact Registry repositories through gcloud artifacts (the v1 REST API and its
# long-running operations): create two docker repositories (waiting on the operation), refuse a
# duplicate (gcloud checks IDs itself), list them paged one at a time, describe one, update its labels and
# description, delete one and see it gone. Exits non-zero on the first difference.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
L="--location us-central1"
gcloud artifacts repositories create images $L --repository-format=docker --description="app images" --labels=team=blue
gcloud artifacts repositories create other $L --repository-format=docker
if gcloud artifacts repositories create images $L --repository-format=docker 2> dup.err; then
  fail "a second repository with the same name was created"
fi
grep -q "the repository already exists" dup.err || fail "duplicate: $(cat dup.err)"
listed=$(gcloud artifacts repositories list $L --page-size=1 --format='value(name)')
[ "$listed" = "images
other" ] || fail "list: $listed"
described=$(gcloud artifacts repositories describe images $L --format='value(format,mode,description,labels.team,registryUri)')
[ "$described" = "DOCKER	STANDARD_REPOSITORY	app images	blue	us-central1-docker.pkg.dev/p/images" ] || fail "describe: $described"
gcloud artifacts repositories update images $L --description="renamed" --update-labels=team=red
updated=$(gcloud artifacts repositories describe images $L --format='value(description,labels.team)')
[ "$updated" = "renamed	red" ] || fail "update: $updated"
gcloud artifacts repositories delete other $L --quiet
if gcloud artifacts repositories describe other $L 2> gone.err; then fail "deleted repository still there"; fi
grep -q "NOT_FOUND" gone.err || fail "describe after delete: $(cat gone.err)"
[ "$(gcloud artifacts repositories list $L --format='value(name)')" = images ] || fail "list after delete"
echo ok
