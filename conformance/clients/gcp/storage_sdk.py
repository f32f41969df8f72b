"""Cloud Storage through google-cloud-storage (STORAGE_EMULATOR_HOST): buckets, objects by
every upload protocol the client uses, downloads whole and by range, listings paged one entry
at a time, preconditions, copies, rewrites, compose, metadata patches, Google's errors, and a
resumable upload interrupted mid-chunk and resumed. Exits non-zero on the first difference."""
import hashlib
import os
import socket
import sys
import urllib.parse

from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.resumable_media.requests import ResumableUpload
import google.auth.transport.requests as auth_requests
import requests

ENDPOINT = os.environ["STORAGE_EMULATOR_HOST"]


def expect_error(kind, code, message, call):
    try:
        call()
    except kind as error:
        assert error.code == code, (error.code, code)
        assert message in error.message, (error.message, message)
        return error
    raise AssertionError(f"expected {kind.__name__} {code}")


client = storage.Client(project="p", credentials=AnonymousCredentials())

# Buckets: create, duplicate, bad names, get, list.
bucket = client.create_bucket("conformance-bucket")
assert bucket.name == "conformance-bucket"
assert bucket.metageneration == 1, bucket.metageneration
assert bucket.location == "US", bucket.location
expect_error(exceptions.Conflict, 409, "you already own it", lambda: client.create_bucket("conformance-bucket"))
expect_error(exceptions.BadRequest, 400, "Invalid bucket name: 'Upper-Case'", lambda: client.create_bucket("Upper-Case"))
expect_error(exceptions.NotFound, 404, "The specified bucket does not exist.", lambda: client.get_bucket("no-such-bucket"))
for name in ["conformance-b2", "conformance-b3"]:
    client.create_bucket(name)
pages = client.list_buckets(page_size=1)
seen = [b.name for b in pages]
assert seen == ["conformance-b2", "conformance-b3", "conformance-bucket"], seen

# Bucket patch: labels, metageneration.
bucket.labels = {"team": "blue"}
bucket.patch()
bucket.reload()
assert bucket.labels == {"team": "blue"}, bucket.labels
assert bucket.metageneration == 2, bucket.metageneration

# A small object (multipart upload) read back identical, with the digests of its bytes.
small = b"hello world"
blob = bucket.blob("dir/hello.txt")
blob.upload_from_string(small, content_type="text/plain")
assert blob.md5_hash == "XrY7u+Ae7tCTyyK7j1rNww==", blob.md5_hash
assert blob.crc32c == "yZRlqg==", blob.crc32c
assert blob.size == 11 and blob.content_type == "text/plain"
assert bucket.blob("dir/hello.txt").download_as_bytes() == small
# Ranges: the client checks nothing but the bytes.
assert bucket.blob("dir/hello.txt").download_as_bytes(start=2, end=5) == small[2:6]
got = bucket.get_blob("dir/hello.txt")
assert got.generation == blob.generation and got.metageneration == 1

# A 9 MiB object in 1 MiB resumable chunks; the client verifies MD5 on download.
large = os.urandom(9 * 1024 * 1024 + 7)
big = bucket.blob("big.bin", chunk_size=1024 * 1024)
path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "big.bin")
with open(path, "wb") as f:
    f.write(large)
big.upload_from_filename(path)
assert big.size == len(large)
assert big.md5_hash == __import__("base64").b64encode(hashlib.md5(large).digest()).decode()
out = path + ".out"
bucket.blob("big.bin").download_to_filename(out, checksum="md5")
assert open(out, "rb").read() == large
bucket.blob("big.bin").download_to_filename(out, checksum="crc32c")
assert open(out, "rb").read() == large

# A resumable upload interrupted half-way through a chunk, then recovered and finished.
data = os.urandom(3 * 256 * 1024 + 100)
upload_url = f"{ENDPOINT}/upload/storage/v1/b/conformance-bucket/o?uploadType=resumable"
session = auth_requests.AuthorizedSession(AnonymousCredentials())
import io
stream = io.BytesIO(data)
upload = ResumableUpload(upload_url, 256 * 1024)
upload.initiate(session, stream, {"name": "resumed.bin"}, "application/octet-stream", total_bytes=len(data))
upload.transmit_next_chunk(session)
assert upload.bytes_uploaded == 256 * 1024, upload.bytes_uploaded
# The next chunk's connection breaks after part of its body.
parsed = urllib.parse.urlsplit(upload.resumable_url)
raw = socket.create_connection((parsed.hostname, parsed.port))
chunk = data[256 * 1024: 512 * 1024]
head = (
    f"PUT {parsed.path}?{parsed.query} HTTP/1.1\r\nHost: {parsed.netloc}\r\n"
    f"Content-Length: {len(chunk)}\r\nContent-Range: bytes {256 * 1024}-{512 * 1024 - 1}/{len(data)}\r\n\r\n"
)
raw.sendall(head.encode() + chunk[:100000])
raw.close()
# Recovery asks the server how much it holds and rewinds the stream there.
import time
for _ in range(50):
    upload._invalid = True
    upload.recover(session)
    if upload.bytes_uploaded == 256 * 1024 + 100000:
        break
    time.sleep(0.05)
assert upload.bytes_uploaded == 256 * 1024 + 100000, upload.bytes_uploaded
while not upload.finished:
    upload.transmit_next_chunk(session)
assert bucket.blob("resumed.bin").download_as_bytes() == data

# Listings paged one entry at a time return each object or prefix once.
for name in ["a/1", "a/2", "b/1", "c", "d"]:
    bucket.blob(name).upload_from_string(name)
iterator = client.list_blobs("conformance-bucket", delimiter="/", page_size=1)
names = []
prefixes = set()
pages = 0
for page in iterator.pages:
    pages += 1
    names.extend(b.name for b in page)
    prefixes |= set(page.prefixes)
assert names == ["big.bin", "c", "d", "resumed.bin"], names
assert prefixes == {"a/", "b/", "dir/"}, prefixes
assert pages >= 7, pages
listed = [b.name for b in client.list_blobs("conformance-bucket", prefix="a/", page_size=1)]
assert listed == ["a/1", "a/2"], listed

# Preconditions.
expect_error(exceptions.PreconditionFailed, 412, "pre-conditions you specified did not hold",
             lambda: bucket.blob("c").upload_from_string("x", if_generation_match=0))
current = bucket.get_blob("c")
bucket.blob("c").upload_from_string("c2", if_generation_match=current.generation)
assert bucket.blob("c").download_as_bytes() == b"c2"
expect_error(exceptions.PreconditionFailed, 412, "did not hold",
             lambda: bucket.blob("c").delete(if_generation_match=current.generation))
fresh = bucket.blob("new-only").upload_from_string("n", if_generation_match=0)

# Metadata patch: metageneration moves, generation stays.
meta = bucket.get_blob("d")
meta.metadata = {"k": "v"}
meta.patch()
meta.reload()
assert meta.metadata == {"k": "v"} and meta.metageneration == 2, (meta.metadata, meta.metageneration)

# Copy, rewrite, compose.
other = client.bucket("conformance-b2")
copied = bucket.copy_blob(bucket.blob("dir/hello.txt"), other, "copy.txt")
assert other.blob("copy.txt").download_as_bytes() == small
assert copied.content_type == "text/plain"
rewritten = other.blob("rewritten.bin")
token, done, total = rewritten.rewrite(bucket.blob("big.bin"))
while token is not None:
    token, done, total = rewritten.rewrite(bucket.blob("big.bin"), token=token)
assert other.blob("rewritten.bin").download_as_bytes() == large
composed = bucket.blob("composed")
composed.compose([bucket.blob("a/1"), bucket.blob("a/2"), bucket.blob("dir/hello.txt")])
assert bucket.blob("composed").download_as_bytes() == b"a/1a/2" + small
assert bucket.get_blob("composed").component_count == 3

# Missing objects and non-empty buckets answer Google's errors.
expect_error(exceptions.NotFound, 404, "No such object: conformance-bucket/nothing",
             lambda: bucket.blob("nothing").download_as_bytes())
expect_error(exceptions.Conflict, 409, "The bucket you tried to delete is not empty.", lambda: bucket.delete())
for blob in client.list_blobs("conformance-bucket"):
    blob.delete()
bucket.delete()
expect_error(exceptions.NotFound, 404, "The specified bucket does not exist.", lambda: client.get_bucket("conformance-bucket"))
print("ok")
