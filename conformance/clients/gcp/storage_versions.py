"""Object versioning and managed folders through google-cloud-storage (STORAGE_EMULATOR_HOST):
with versioning enabled, overwrites and deletes keep noncurrent generations (with timeDeleted)
that are read, copied and deleted by generation and listed with versions=true, paged one entry
at a time with each generation once; if_generation_match and if_metageneration_match answer
412; disabling versioning keeps what was kept; a bucket with noncurrent generations is not
empty; managed folders are created, read, listed, refused when not empty, and deleted. Exits
non-zero on the first difference."""
import os

from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

client = storage.Client(project="p", credentials=AnonymousCredentials(),
                        client_options={"api_endpoint": os.environ["STORAGE_EMULATOR_HOST"]})


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def expect(kind, call, what):
    try:
        call()
    except kind as error:
        return error
    raise SystemExit(f"FAIL: {what}: no {kind.__name__}")


bucket = client.create_bucket("versioned-bucket")
check(not bucket.versioning_enabled, "versioning is off by default")
bucket.versioning_enabled = True
bucket.patch()
check(client.get_bucket("versioned-bucket").versioning_enabled, "versioning enabled reads back")

blob = bucket.blob("doc.txt")
blob.upload_from_string(b"one")
first = blob.generation
blob.upload_from_string(b"two")
second = blob.generation
check(second > first, f"generations {first} {second}")
bucket.blob("other.txt").upload_from_string(b"x")

# The noncurrent generation is still there, readable by generation, with timeDeleted.
old = bucket.get_blob("doc.txt", generation=first)
check(old is not None and old.time_deleted is not None, f"noncurrent generation {old}")
check(old.download_as_bytes() == b"one", "noncurrent bytes")
check(bucket.get_blob("doc.txt").download_as_bytes() == b"two", "live bytes")
check(bucket.get_blob("doc.txt").time_deleted is None, "the live generation has no timeDeleted")

# versions=true lists each generation once, by name then generation, paged one at a time.
listed = []
for page in client.list_blobs("versioned-bucket", versions=True, page_size=1).pages:
    items = list(page)
    check(len(items) <= 1, "a page larger than asked")
    listed.extend((b.name, b.generation) for b in items)
check([name for name, _ in listed] == ["doc.txt", "doc.txt", "other.txt"], f"versions {listed}")
check([g for n, g in listed if n == "doc.txt"] == [first, second], f"generation order {listed}")
check([b.name for b in client.list_blobs("versioned-bucket")] == ["doc.txt", "other.txt"], "live listing")

# Preconditions on the live generation.
expect(exceptions.PreconditionFailed, lambda: blob.upload_from_string(b"three", if_generation_match=first),
       "if_generation_match on a noncurrent generation")
expect(exceptions.PreconditionFailed, lambda: bucket.blob("doc.txt").upload_from_string(b"x", if_generation_match=0),
       "if_generation_match=0 on an existing object")
expect(exceptions.PreconditionFailed, lambda: bucket.blob("doc.txt").reload(if_metageneration_match=7),
       "if_metageneration_match")

# Copy from a noncurrent generation.
restored = bucket.copy_blob(old, bucket, "restored.txt", source_generation=first)
check(restored.download_as_bytes() == b"one", "copy of a noncurrent generation")

# Deleting without a generation keeps it noncurrent; with one, it is gone.
bucket.delete_blob("doc.txt")
check(bucket.get_blob("doc.txt") is None, "deleted object still live")
generations = sorted(b.generation for b in client.list_blobs("versioned-bucket", versions=True, prefix="doc.txt"))
check(generations == [first, second], f"after delete {generations}")
check(bucket.get_blob("doc.txt", generation=second).download_as_bytes() == b"two", "deleted live is noncurrent")
bucket.delete_blob("doc.txt", generation=first)
expect(exceptions.NotFound, lambda: bucket.delete_blob("doc.txt", generation=first), "second delete of a generation")
check(bucket.get_blob("doc.txt", generation=first) is None, "a deleted generation is gone")

# A bucket holding only noncurrent generations is not empty.
for name in ("other.txt", "restored.txt"):
    bucket.delete_blob(name)
check(list(client.list_blobs("versioned-bucket")) == [], "no live objects")
expect(exceptions.Conflict, bucket.delete, "delete of a bucket with noncurrent generations")

# Turning versioning off keeps what was kept; a later delete is permanent.
bucket.versioning_enabled = False
bucket.patch()
bucket.blob("plain.txt").upload_from_string(b"p")
bucket.delete_blob("plain.txt")
names = [b.name for b in client.list_blobs("versioned-bucket", versions=True)]
check("plain.txt" not in names and names.count("doc.txt") == 1, f"after disabling {names}")
for b in client.list_blobs("versioned-bucket", versions=True):
    bucket.delete_blob(b.name, generation=b.generation)
bucket.delete()

# Managed folders need uniform bucket-level access.
plain = client.create_bucket("plain-bucket")
folders = client._connection.api_request
expect(exceptions.BadRequest, lambda: folders("POST", "/b/plain-bucket/managedFolders", data={"name": "team"}),
       "a managed folder in a bucket without uniform access")
uniform = client.bucket("folders-bucket")
uniform.iam_configuration.uniform_bucket_level_access_enabled = True
uniform = client.create_bucket(uniform)
created = folders("POST", "/b/folders-bucket/managedFolders", data={"name": "team/"})
check(created["name"] == "team/" and created["bucket"] == "folders-bucket" and created["metageneration"] == "1",
      f"created {created}")
folders("POST", "/b/folders-bucket/managedFolders", data={"name": "team/sub"})
folders("POST", "/b/folders-bucket/managedFolders", data={"name": "zeta"})
expect(exceptions.Conflict, lambda: folders("POST", "/b/folders-bucket/managedFolders", data={"name": "team"}),
       "duplicate managed folder")
got = folders("GET", "/b/folders-bucket/managedFolders/team%2F")
check(got["id"] == "folders-bucket/team/", f"get {got}")
names, token = [], None
while True:
    page = folders("GET", "/b/folders-bucket/managedFolders", query_params={"pageSize": 1, **({"pageToken": token} if token else {})})
    names.extend(f["name"] for f in page.get("items", []))
    token = page.get("nextPageToken")
    if not token:
        break
check(names == ["team/", "team/sub/", "zeta/"], f"listed {names}")
prefixed = folders("GET", "/b/folders-bucket/managedFolders", query_params={"prefix": "team/"})
check([f["name"] for f in prefixed["items"]] == ["team/", "team/sub/"], f"prefix {prefixed}")
uniform.blob("zeta/file.txt").upload_from_string(b"z")
expect(exceptions.Conflict, lambda: folders("DELETE", "/b/folders-bucket/managedFolders/zeta"), "non-empty folder delete")
folders("DELETE", "/b/folders-bucket/managedFolders/zeta", query_params={"allowNonEmpty": "true"})
expect(exceptions.NotFound, lambda: folders("GET", "/b/folders-bucket/managedFolders/zeta"), "deleted folder")
check(uniform.get_blob("zeta/file.txt") is not None, "deleting a folder leaves its objects")
print("ok")
