"""Uploads that stream: google-resumable-media's simple (media) and multipart uploads of objects
far larger than the simulator's body limit (the test starts it with 1 MiB), read back byte for
byte with the digests of their bytes, while the server's peak memory grows by much less than
one object. Bad bodies answer Google's errors and leave no object file behind.
Exits non-zero on the first difference.

Environment: STORAGE_EMULATOR_HOST, SERVER_PID, OBJECTS_DIR (the simulator's object files)."""
import base64
import hashlib
import os

from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.resumable_media.requests import MultipartUpload, SimpleUpload
import google.auth.transport.requests as auth_requests

ENDPOINT = os.environ["STORAGE_EMULATOR_HOST"]
PID = os.environ["SERVER_PID"]
OBJECTS_DIR = os.environ["OBJECTS_DIR"]
SIZE = 40 * 1024 * 1024


def peak_rss_mib():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def object_files():
    return sorted(os.listdir(OBJECTS_DIR)) if os.path.isdir(OBJECTS_DIR) else []


client = storage.Client(project="p", credentials=AnonymousCredentials())
bucket = client.create_bucket("streamed")
session = auth_requests.AuthorizedSession(AnonymousCredentials())
base = f"{ENDPOINT}/upload/storage/v1/b/streamed/o"

# Warm the server's buffers with a small upload of each kind first.
SimpleUpload(f"{base}?uploadType=media&name=warm").transmit(session, b"w", "text/plain")
before = peak_rss_mib()

data = os.urandom(SIZE)
md5 = base64.b64encode(hashlib.md5(data).digest()).decode()

media = SimpleUpload(f"{base}?uploadType=media&name=media.bin")
answer = media.transmit(session, data, "application/x-media").json()
assert int(answer["size"]) == SIZE, answer["size"]
assert answer["md5Hash"] == md5, answer["md5Hash"]
assert answer["contentType"] == "application/x-media", answer["contentType"]

multipart = MultipartUpload(f"{base}?uploadType=multipart")
answer = multipart.transmit(session, data, {"name": "multipart.bin", "metadata": {"k": "v"}}, "application/x-multi").json()
assert int(answer["size"]) == SIZE, answer["size"]
assert answer["md5Hash"] == md5, answer["md5Hash"]
assert answer["contentType"] == "application/x-multi", answer["contentType"]
assert answer["metadata"] == {"k": "v"}, answer["metadata"]

grown = peak_rss_mib() - before
assert grown < 24, f"peak RSS grew {grown:.1f} MiB over two {SIZE >> 20} MiB uploads"

for name in ["media.bin", "multipart.bin"]:
    assert bucket.blob(name).download_as_bytes(checksum="md5") == data, name
    assert bucket.get_blob(name).crc32c == bucket.get_blob("media.bin").crc32c

# Bad bodies: the Google error, and nothing left on disk.
files = object_files()
assert len(files) == 3, files
bad = session.post(f"{base}?uploadType=multipart", data=b"--x\r\ncontent-type: application/json\r\n\r\n{\"name\":\"n\"}\r\n--x--",
                   headers={"Content-Type": "multipart/related; boundary=x"})
assert bad.status_code == 400, bad.status_code
error = bad.json()["error"]
assert error["message"] == "Invalid multipart request: expected a metadata part and a media part.", error
bad = session.post(f"{base}?uploadType=multipart", data=b"--x\r\n\r\n{not json}\r\n--x\r\n\r\nbytes\r\n--x--",
                   headers={"Content-Type": "multipart/related; boundary=x"})
assert bad.status_code == 400, (bad.status_code, bad.text)
missing = session.post(f"{ENDPOINT}/upload/storage/v1/b/no-such-bucket/o?uploadType=media&name=x", data=data[:1000])
assert missing.status_code == 404, missing.status_code
assert missing.json()["error"]["message"] == "The specified bucket does not exist.", missing.text
# A metadata part past the body limit is refused; the media part streams, the metadata does not.
huge = "x" * (2 * 1024 * 1024)
bad = session.post(f"{base}?uploadType=multipart",
                   data=b"--x\r\n\r\n{\"name\":\"" + huge.encode() + b"\"}\r\n--x\r\n\r\nbytes\r\n--x--",
                   headers={"Content-Type": "multipart/related; boundary=x"})
assert bad.status_code == 413, (bad.status_code, bad.text[:200])
precondition = SimpleUpload(f"{base}?uploadType=media&name=media.bin&ifGenerationMatch=0")
try:
    precondition.transmit(session, b"again", "text/plain")
    raise AssertionError("an upload over an existing object with ifGenerationMatch=0 succeeded")
except Exception as failure:  # google.resumable_media.common.InvalidResponse
    assert "412" in str(failure.args), failure.args
assert object_files() == files, (object_files(), files)
print("ok")
