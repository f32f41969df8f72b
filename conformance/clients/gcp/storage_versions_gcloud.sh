#!/bin/sh
# Object versioning and managed folders through gcloud storage: enable versioning with
# `buckets update --versioning`, overwrite and remove an object, list every generation with
# `ls -a`, read a noncurrent one by its `#GENERATION`, restore it with `cp`, remove one
# generation, create, list and delete managed folders, and `rm -r` a bucket with managed
# folders and noncurrent generations. Exits non-zero on the first difference.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
gcloud storage buckets create gs://gv-bucket --uniform-bucket-level-access
gcloud storage buckets update gs://gv-bucket --versioning
[ "$(gcloud storage buckets describe gs://gv-bucket --format='value(versioning_enabled)')" = True ] || fail "versioning"
echo one > one.txt; echo two > two.txt
gcloud storage cp one.txt gs://gv-bucket/doc.txt
gcloud storage cp two.txt gs://gv-bucket/doc.txt
versions=$(gcloud storage ls -a gs://gv-bucket/doc.txt)
[ "$(echo "$versions" | wc -l)" = 2 ] || fail "ls -a: $versions"
first=$(echo "$versions" | head -1)
case "$first" in gs://gv-bucket/doc.txt#*) ;; *) fail "generation URL: $first" ;; esac
[ "$(gcloud storage cat "$first")" = one ] || fail "cat of the noncurrent generation"
[ "$(gcloud storage cat gs://gv-bucket/doc.txt)" = two ] || fail "cat of the live generation"
gcloud storage rm gs://gv-bucket/doc.txt
[ -z "$(gcloud storage ls gs://gv-bucket/)" ] || fail "a removed object is still listed"
[ "$(gcloud storage ls -a gs://gv-bucket/doc.txt | wc -l)" = 2 ] || fail "noncurrent generations after rm"
gcloud storage cp "$first" gs://gv-bucket/doc.txt
[ "$(gcloud storage cat gs://gv-bucket/doc.txt)" = one ] || fail "restored"
gcloud storage rm "$first"
[ "$(gcloud storage ls -a gs://gv-bucket/doc.txt | wc -l)" = 2 ] || fail "after removing one generation"
gcloud storage managed-folders create gs://gv-bucket/team/
gcloud storage managed-folders create gs://gv-bucket/team/sub/
folders=$(gcloud storage managed-folders list gs://gv-bucket/)
echo "$folders" | grep -q "gs://gv-bucket/team/sub/" || fail "managed folders: $folders"
gcloud storage managed-folders describe gs://gv-bucket/team/ --format='value(name)' | grep -q '^team/$' || fail "describe"
gcloud storage managed-folders delete gs://gv-bucket/team/sub/
gcloud storage rm -r -a gs://gv-bucket
if gcloud storage buckets describe gs://gv-bucket 2> gone.err; then fail "bucket still there"; fi
echo ok
