"""S3 multipart uploads and presigned URLs through boto3: the ETag in md5-of-md5s-N form checked
against a locally computed one, part-size rules, ListParts and ListMultipartUploads, aborts,
UploadPartCopy; a 200 MiB upload that leaves the server's resident memory flat (its PID comes
as argv[1]); a presigned GET that works and then expires."""
import hashlib
import os
import sys
import time
import urllib.error
import urllib.request

import botocore.config

from common import check, client, done, expect_code, unique

server_pid = sys.argv[1]
s3 = client("s3", config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1, "mode": "standard"}))
bucket = unique("multipart").lower()
s3.create_bucket(Bucket=bucket)
MIB = 1024 * 1024


def rss_kib():
    with open(f"/proc/{server_pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# A three-part upload: ETag is the MD5 of the parts' MD5s, with the count.
parts_data = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(1234)]
upload = s3.create_multipart_upload(Bucket=bucket, Key="big/object", ContentType="application/x-parts", Metadata={"m": "1"})
upload_id = upload["UploadId"]
listed = s3.list_multipart_uploads(Bucket=bucket)
check([u["UploadId"] for u in listed["Uploads"]] == [upload_id], f"upload listed: {listed}")
etags = []
for number, data in enumerate(parts_data, start=1):
    answer = s3.upload_part(Bucket=bucket, Key="big/object", UploadId=upload_id, PartNumber=number, Body=data)
    check(answer["ETag"] == f'"{hashlib.md5(data).hexdigest()}"', f"part {number} ETag")
    etags.append(answer["ETag"])
parts = s3.list_parts(Bucket=bucket, Key="big/object", UploadId=upload_id, MaxParts=2)
check([p["PartNumber"] for p in parts["Parts"]] == [1, 2] and parts["IsTruncated"], f"ListParts page 1: {parts}")
rest = s3.list_parts(Bucket=bucket, Key="big/object", UploadId=upload_id, PartNumberMarker=parts["NextPartNumberMarker"])
check([p["PartNumber"] for p in rest["Parts"]] == [3] and not rest["IsTruncated"], "ListParts page 2")
expect_code("InvalidPartOrder", s3.complete_multipart_upload, Bucket=bucket, Key="big/object", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": etags[1]}, {"PartNumber": 1, "ETag": etags[0]}]})
expect_code("InvalidPart", s3.complete_multipart_upload, Bucket=bucket, Key="big/object", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0123"'}]})
done_answer = s3.complete_multipart_upload(Bucket=bucket, Key="big/object", UploadId=upload_id,
                                           MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]})
expected = hashlib.md5(b"".join(hashlib.md5(d).digest() for d in parts_data)).hexdigest() + "-3"
check(done_answer["ETag"] == f'"{expected}"', f"md5-of-md5s: {done_answer['ETag']} vs {expected}")
whole = s3.get_object(Bucket=bucket, Key="big/object")
check(whole["Body"].read() == b"".join(parts_data), "completed object is the parts in order")
check(whole["ContentType"] == "application/x-parts" and whole["Metadata"] == {"m": "1"}, "upload's headers kept")
expect_code("NoSuchUpload", s3.list_parts, Bucket=bucket, Key="big/object", UploadId=upload_id)
check("Uploads" not in s3.list_multipart_uploads(Bucket=bucket), "no uploads left")

# A small part before the last is EntityTooSmall; an aborted upload is gone.
small = s3.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
e1 = s3.upload_part(Bucket=bucket, Key="small", UploadId=small, PartNumber=1, Body=b"tiny")["ETag"]
e2 = s3.upload_part(Bucket=bucket, Key="small", UploadId=small, PartNumber=2, Body=b"tiny")["ETag"]
expect_code("EntityTooSmall", s3.complete_multipart_upload, Bucket=bucket, Key="small", UploadId=small,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
s3.abort_multipart_upload(Bucket=bucket, Key="small", UploadId=small)
expect_code("NoSuchUpload", s3.upload_part, Bucket=bucket, Key="small", UploadId=small, PartNumber=3, Body=b"x")

# UploadPartCopy with a range.
copy_id = s3.create_multipart_upload(Bucket=bucket, Key="copied")["UploadId"]
part = s3.upload_part_copy(Bucket=bucket, Key="copied", UploadId=copy_id, PartNumber=1,
                           CopySource={"Bucket": bucket, "Key": "big/object"}, CopySourceRange="bytes=0-99")
s3.complete_multipart_upload(Bucket=bucket, Key="copied", UploadId=copy_id,
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]})
check(s3.get_object(Bucket=bucket, Key="copied")["Body"].read() == parts_data[0][:100], "UploadPartCopy range")

# 200 MiB through boto3's transfer manager (multipart, 8 MiB parts, streamed from a generator
# file): the server's resident memory must not grow by anything like the object's size.
class Zeros:
    """A 200 MiB readable of repeating bytes that never exists in memory whole."""

    def __init__(self, size):
        self.left = size
        self.block = bytes(range(256)) * 4096

    def read(self, n=-1):
        if self.left <= 0:
            return b""
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        return (self.block * (n // len(self.block) + 1))[:n]


before = rss_kib()
peak = before
size = 200 * MIB
import boto3.s3.transfer  # noqa: E402
import threading  # noqa: E402

stop = threading.Event()


def watch():
    global peak
    while not stop.is_set():
        peak = max(peak, rss_kib())
        time.sleep(0.05)


watcher = threading.Thread(target=watch)
watcher.start()
s3.upload_fileobj(Zeros(size), bucket, "huge", Config=boto3.s3.transfer.TransferConfig(multipart_chunksize=8 * MIB, max_concurrency=4))
stop.set()
watcher.join()
stored = s3.head_object(Bucket=bucket, Key="huge")["ContentLength"]
check(stored == size, f"200 MiB stored: {stored}")
growth_mib = (peak - before) / 1024
print(f"server RSS before {before} KiB, peak {peak} KiB, growth {growth_mib:.1f} MiB for a 200 MiB upload")
check(growth_mib < 64, f"server RSS grew by {growth_mib:.1f} MiB during a 200 MiB upload")

# Presigned GETs (boto3's default SigV2 form and SigV4 query authentication): they work, then
# expire with S3's AccessDenied.
s3.put_object(Bucket=bucket, Key="shared", Body=b"presigned body")
v4 = client("s3", config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"}))
urls = [signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared"}, ExpiresIn=2) for signer in (s3, v4)]
check("X-Amz-Expires=2" in urls[1], f"a SigV4 URL: {urls[1]}")
for url in urls:
    with urllib.request.urlopen(url) as response:
        check(response.read() == b"presigned body", "presigned GET")
time.sleep(3)
for url in urls:
    try:
        urllib.request.urlopen(url)
        check(False, f"an expired presigned URL worked: {url}")
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        check(error.code == 403 and "<Code>AccessDenied</Code>" in body and "Request has expired" in body, f"expired: {error.code} {body}")

done("s3_multipart")
