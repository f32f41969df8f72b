#!/bin/sh
# Cloud Storage through gcloud storage (the JSON API): create a bucket, copy a small file
# (multipart upload) and a 3 MB file (resumable), list with a prefix, read back byte for byte,
# refuse to delete a bucket that is not empty, remove objects and bucket, and list nothing. Runs in the sandbox's
# directory with CLOUDSDK_* pointed at the simulator; exits non-zero on the first difference.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
echo hello > small.txt
head -c 3000000 /dev/urandom > big.bin
gcloud storage buckets create gs://gcloud-bucket
gcloud storage cp small.txt gs://gcloud-bucket/dir/small.txt
gcloud storage cp big.bin gs://gcloud-bucket/big.bin
listing=$(gcloud storage ls gs://gcloud-bucket/)
[ "$listing" = "gs://gcloud-bucket/big.bin
gs://gcloud-bucket/dir/" ] || fail "listing: $listing"
[ "$(gcloud storage cat gs://gcloud-bucket/dir/small.txt)" = hello ] || fail "cat"
gcloud storage cp gs://gcloud-bucket/big.bin big.out
cmp big.bin big.out || fail "big.bin read back differs"
if gcloud storage buckets delete gs://gcloud-bucket 2> delete.err; then fail "deleted a bucket that is not empty"; fi
grep -q "Bucket is not empty" delete.err || fail "delete error: $(cat delete.err)"
# `rm -r` also lists managed folders, which the simulator does not have yet: remove the
# objects, then the bucket.
gcloud storage rm gs://gcloud-bucket/big.bin gs://gcloud-bucket/dir/small.txt
gcloud storage buckets delete gs://gcloud-bucket
if gcloud storage ls gs://gcloud-bucket/ 2> ls.err; then fail "bucket still there"; fi
grep -q "404" ls.err || fail "ls error: $(cat ls.err)"
[ -z "$(gcloud storage buckets list --format='value(name)')" ] || fail "buckets left"
echo ok
