"""S3 through boto3: buckets and their errors, objects read back byte for byte with metadata,
ranged and conditional GETs, listings paged one key at a time with a delimiter, versioning with
delete markers, tagging, copies, checksums and Content-MD5, path tricks in keys, and
virtual-host addressing (bucket in the Host header)."""
import base64

import boto3
import hashlib
import os
import zlib

import botocore.config
import botocore.exceptions

from common import check, client, done, expect_code, fail, unique

path_style = botocore.config.Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1, "mode": "standard"})
s3 = client("s3", config=path_style)


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        return error.response
    fail(f"{call.__name__} succeeded, expected an error")


# Buckets: naming rules, ownership, regions.
bucket = unique("objects").lower()
s3.create_bucket(Bucket=bucket)
expect_code("BucketAlreadyOwnedByYou", s3.create_bucket, Bucket=bucket)
expect_code("InvalidBucketName", s3.create_bucket, Bucket="ab")
expect_code("InvalidBucketName", s3.create_bucket, Bucket="Upper-Case")
expect_code("InvalidLocationConstraint", s3.create_bucket, Bucket=unique("loc"), CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
west = client("s3", config=path_style, region_name="eu-west-1")
expect_code("IllegalLocationConstraintException", west.create_bucket, Bucket=unique("west"))
west_bucket = unique("west")
west.create_bucket(Bucket=west_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
check(s3.get_bucket_location(Bucket=west_bucket)["LocationConstraint"] == "eu-west-1", "west bucket location")
check(s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") is None, "us-east-1 has no constraint")
names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
check(bucket in names and west_bucket in names, f"list_buckets: {names}")
missing = error_of(s3.get_object, Bucket=unique("nobucket"), Key="k")
check(missing["Error"]["Code"] == "NoSuchBucket", f"missing bucket: {missing['Error']}")
check(missing["Error"]["Message"] == "The specified bucket does not exist", missing["Error"]["Message"])

# Objects: bytes, metadata and headers read back as written.
body = os.urandom(100_000)
put = s3.put_object(Bucket=bucket, Key="dir/data.bin", Body=body, ContentType="application/x-test", Metadata={"Owner": "me"}, CacheControl="max-age=5")
check(put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"', f"ETag is the MD5: {put['ETag']}")
got = s3.get_object(Bucket=bucket, Key="dir/data.bin")
check(got["Body"].read() == body, "body read back byte for byte")
check(got["ContentType"] == "application/x-test" and got["Metadata"] == {"owner": "me"} and got["CacheControl"] == "max-age=5", f"headers: {got['ContentType']} {got['Metadata']}")
head = s3.head_object(Bucket=bucket, Key="dir/data.bin")
check(head["ContentLength"] == len(body) and head["ETag"] == put["ETag"], "head")
not_found = error_of(s3.get_object, Bucket=bucket, Key="absent")
check(not_found["Error"] == {"Code": "NoSuchKey", "Message": "The specified key does not exist.", "Key": "absent"}, f"NoSuchKey: {not_found['Error']}")
head_missing = error_of(s3.head_object, Bucket=bucket, Key="absent")
check(head_missing["ResponseMetadata"]["HTTPStatusCode"] == 404, "HEAD of a missing key is 404")

# Ranged GETs.
ranged = s3.get_object(Bucket=bucket, Key="dir/data.bin", Range="bytes=10-19")
check(ranged["ResponseMetadata"]["HTTPStatusCode"] == 206, "range is 206")
check(ranged["Body"].read() == body[10:20] and ranged["ContentRange"] == f"bytes 10-19/{len(body)}", "range bytes and Content-Range")
suffix = s3.get_object(Bucket=bucket, Key="dir/data.bin", Range="bytes=-7")
check(suffix["Body"].read() == body[-7:], "suffix range")
bad_range = error_of(s3.get_object, Bucket=bucket, Key="dir/data.bin", Range=f"bytes={len(body)}-")
check(bad_range["Error"]["Code"] == "InvalidRange" and bad_range["ResponseMetadata"]["HTTPStatusCode"] == 416, f"unsatisfiable range: {bad_range['Error']}")

# Conditional requests.
etag = put["ETag"]
check(s3.get_object(Bucket=bucket, Key="dir/data.bin", IfMatch=etag)["ETag"] == etag, "If-Match hit")
failed = error_of(s3.get_object, Bucket=bucket, Key="dir/data.bin", IfMatch='"0000"')
check(failed["Error"]["Code"] == "PreconditionFailed" and failed["ResponseMetadata"]["HTTPStatusCode"] == 412, f"If-Match miss: {failed['Error']}")
unmodified = error_of(s3.get_object, Bucket=bucket, Key="dir/data.bin", IfNoneMatch=etag)
check(unmodified["ResponseMetadata"]["HTTPStatusCode"] == 304, f"If-None-Match hit is 304: {unmodified['ResponseMetadata']['HTTPStatusCode']}")
later = head["LastModified"]
check(error_of(s3.get_object, Bucket=bucket, Key="dir/data.bin", IfModifiedSince=later)["ResponseMetadata"]["HTTPStatusCode"] == 304, "If-Modified-Since")
conflict = error_of(s3.put_object, Bucket=bucket, Key="dir/data.bin", Body=b"x", IfNoneMatch="*")
check(conflict["Error"]["Code"] == "PreconditionFailed", f"conditional write: {conflict['Error']}")
s3.put_object(Bucket=bucket, Key="fresh", Body=b"x", IfNoneMatch="*")

# Content-MD5 and checksums.
bad_md5 = error_of(s3.put_object, Bucket=bucket, Key="md5", Body=b"abc", ContentMD5=base64.b64encode(hashlib.md5(b"xyz").digest()).decode())
check(bad_md5["Error"]["Code"] == "BadDigest", f"BadDigest: {bad_md5['Error']}")
crc = base64.b64encode(zlib.crc32(b"checked").to_bytes(4, "big")).decode()
put_crc = s3.put_object(Bucket=bucket, Key="crc", Body=b"checked", ChecksumAlgorithm="CRC32")
check(put_crc.get("ChecksumCRC32") == crc, f"CRC32 computed by the server: {put_crc.get('ChecksumCRC32')} vs {crc}")
# CRC32C and CRC64NVME need botocore[crt] on the client side; the unit tests pin them.
for algorithm in ("SHA1", "SHA256"):
    answer = s3.put_object(Bucket=bucket, Key=f"sum-{algorithm}", Body=b"checked", ChecksumAlgorithm=algorithm)
    check(answer.get(f"Checksum{algorithm}"), f"{algorithm} answered")
    back = s3.get_object(Bucket=bucket, Key=f"sum-{algorithm}", ChecksumMode="ENABLED")
    check(back["Body"].read() == b"checked" and back.get(f"Checksum{algorithm}") == answer[f"Checksum{algorithm}"], f"{algorithm} read back")
sha = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
wrong = error_of(s3.put_object, Bucket=bucket, Key="wrong", Body=b"checked", ChecksumSHA256=sha)
check(wrong["Error"]["Code"] == "BadDigest", f"wrong SHA256: {wrong['Error']}")

# Path tricks are plain keys.
for key in ("../../etc/passwd", "/abs/olute", "a/../../b", "sp ace+plus%pct"):
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    check(s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode(), f"key {key!r} read back")

# A listing with a delimiter paged one entry at a time returns each entry once.
tree = unique("tree").lower()
s3.create_bucket(Bucket=tree)
keys = ["a/1", "a/2", "b", "c/x/y", "c/z", "d", "e/f"]
for key in keys:
    s3.put_object(Bucket=tree, Key=key, Body=b"1")
seen, token = [], None
while True:
    kwargs = {"Bucket": tree, "Delimiter": "/", "MaxKeys": 1}
    if token:
        kwargs["ContinuationToken"] = token
    page = s3.list_objects_v2(**kwargs)
    entries = [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    check(len(entries) <= 1 and page["KeyCount"] == len(entries), f"page size: {page}")
    seen.extend(entries)
    if not page["IsTruncated"]:
        break
    token = page["NextContinuationToken"]
check(seen == ["a/", "b", "c/", "d", "e/"], f"delimiter listing paged by 1: {seen}")
flat = [o["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket=tree, PaginationConfig={"PageSize": 2}) for o in p.get("Contents", [])]
check(flat == sorted(keys), f"ListObjects paged by 2: {flat}")
after = s3.list_objects_v2(Bucket=tree, StartAfter="c/z")
check([o["Key"] for o in after["Contents"]] == ["d", "e/f"], "StartAfter")
prefixed = s3.list_objects_v2(Bucket=tree, Prefix="c/", Delimiter="/")
check([o["Key"] for o in prefixed["Contents"]] == ["c/z"] and prefixed["CommonPrefixes"] == [{"Prefix": "c/x/"}], f"prefix+delimiter: {prefixed}")
s3.put_object(Bucket=tree, Key="with space", Body=b"1")
encoded = s3.list_objects_v2(Bucket=tree, Prefix="with", EncodingType="url")
# boto3 decodes keys only when it asked for the encoding itself: asked for explicitly, they stay encoded.
check([o["Key"] for o in encoded["Contents"]] == ["with%20space"], f"url-encoded keys: {encoded['Contents']}")
check([o["Key"] for o in s3.list_objects_v2(Bucket=tree, Prefix="with")["Contents"]] == ["with space"], "plain keys")

# Copies.
s3.copy_object(Bucket=tree, Key="copy", CopySource={"Bucket": bucket, "Key": "dir/data.bin"})
copied = s3.get_object(Bucket=tree, Key="copy")
check(copied["Body"].read() == body and copied["Metadata"] == {"owner": "me"}, "copy keeps bytes and metadata")
s3.copy_object(Bucket=tree, Key="copy2", CopySource=f"{bucket}/dir/data.bin", MetadataDirective="REPLACE", Metadata={"new": "1"}, ContentType="text/plain")
replaced = s3.head_object(Bucket=tree, Key="copy2")
check(replaced["Metadata"] == {"new": "1"} and replaced["ContentType"] == "text/plain", f"REPLACE: {replaced['Metadata']}")
expect_code("PreconditionFailed", s3.copy_object, Bucket=tree, Key="copy3", CopySource=f"{bucket}/dir/data.bin", CopySourceIfMatch='"nope"')
expect_code("InvalidRequest", s3.copy_object, Bucket=tree, Key="copy", CopySource=f"{tree}/copy")

# Versioning: versions, delete markers, GET by version.
versioned = unique("versions").lower()
s3.create_bucket(Bucket=versioned)
check("Status" not in s3.get_bucket_versioning(Bucket=versioned), "unversioned has no status")
s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
check(s3.get_bucket_versioning(Bucket=versioned)["Status"] == "Enabled", "versioning enabled")
v1 = s3.put_object(Bucket=versioned, Key="doc", Body=b"one")["VersionId"]
v2 = s3.put_object(Bucket=versioned, Key="doc", Body=b"two")["VersionId"]
check(v1 != v2, "new version IDs")
check(s3.get_object(Bucket=versioned, Key="doc")["Body"].read() == b"two", "latest")
check(s3.get_object(Bucket=versioned, Key="doc", VersionId=v1)["Body"].read() == b"one", "by version")
deleted = s3.delete_object(Bucket=versioned, Key="doc")
check(deleted.get("DeleteMarker") is True, f"delete marker: {deleted}")
expect_code("NoSuchKey", s3.get_object, Bucket=versioned, Key="doc")
listing = s3.list_object_versions(Bucket=versioned)
check([v["VersionId"] for v in listing["Versions"]] == [v2, v1], f"versions newest first: {listing['Versions']}")
check(len(listing["DeleteMarkers"]) == 1 and listing["DeleteMarkers"][0]["IsLatest"], "one latest delete marker")
s3.delete_object(Bucket=versioned, Key="doc", VersionId=listing["DeleteMarkers"][0]["VersionId"])
check(s3.get_object(Bucket=versioned, Key="doc")["Body"].read() == b"two", "removing the marker restores the object")
expect_code("BucketNotEmpty", s3.delete_bucket, Bucket=versioned)

# Tagging.
s3.put_object(Bucket=tree, Key="tagged", Body=b"t", Tagging="k1=v1&k2=v2")
check(s3.get_object_tagging(Bucket=tree, Key="tagged")["TagSet"] == [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}], "tags from header")
s3.put_object_tagging(Bucket=tree, Key="tagged", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]})
check(s3.get_object_tagging(Bucket=tree, Key="tagged")["TagSet"] == [{"Key": "only", "Value": "one"}], "tags replaced")
expect_code("NoSuchTagSet", s3.get_bucket_tagging, Bucket=tree)
s3.put_bucket_tagging(Bucket=tree, Tagging={"TagSet": [{"Key": "team", "Value": "s3"}]})
check(s3.get_bucket_tagging(Bucket=tree)["TagSet"] == [{"Key": "team", "Value": "s3"}], "bucket tags")

# DeleteObjects.
result = s3.delete_objects(Bucket=tree, Delete={"Objects": [{"Key": "b"}, {"Key": "d"}, {"Key": "never"}]})
check(sorted(d["Key"] for d in result["Deleted"]) == ["b", "d", "never"], f"delete_objects: {result}")
remaining = [o["Key"] for o in s3.list_objects_v2(Bucket=tree)["Contents"]]
check("b" not in remaining and "d" not in remaining, "deleted keys gone")

# Virtual-host addressing: the bucket in the Host header. Names under .localhost do not resolve
# here, so the client talks to s3.amazonaws.com through the simulator as its HTTP proxy (the
# proxy-form request carries the host).


virtual = boto3.client(
    "s3",
    endpoint_url="http://s3.amazonaws.com",
    config=botocore.config.Config(
        s3={"addressing_style": "virtual"},
        proxies={"http": os.environ["AWS_ENDPOINT_URL"]},
        retries={"total_max_attempts": 1, "mode": "standard"},
    ),
)
virtual.put_object(Bucket=tree, Key="vhost/key", Body=b"virtual")
check(s3.get_object(Bucket=tree, Key="vhost/key")["Body"].read() == b"virtual", "written virtual-host style, read path style")
check(any(o["Key"] == "vhost/key" for o in virtual.list_objects_v2(Bucket=tree, Prefix="vhost/")["Contents"]), "listed virtual-host style")
check(virtual.get_object(Bucket=tree, Key="vhost/key", Range="bytes=1-3")["Body"].read() == b"irt", "ranged GET virtual-host style")

done("s3_objects")
