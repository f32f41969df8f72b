"""S3 through the aws CLI: `aws s3 mb`, `cp` up and down (a file large enough for the CLI's
multipart path), `sync` twice (the second copies nothing), `ls`, `rm --recursive`, and
`aws s3api` calls with S3's error codes. argv[1] is the server's state directory: no object
byte may land outside it."""
import hashlib
import os
import subprocess
import sys
import tempfile

from common import aws, check, done, unique

state_dir = sys.argv[1]
cli = os.environ.get("SOCKERLESS_AWS_CLI", "aws")
bucket = unique("cli").lower()
work = tempfile.mkdtemp()


def s3(*args):
    result = subprocess.run([cli, "s3", *args], capture_output=True, text=True)
    check(result.returncode == 0, f"aws s3 {' '.join(args)}: {result.stderr}")
    return result.stdout


s3("mb", f"s3://{bucket}")
big = os.path.join(work, "big.bin")
with open(big, "wb") as out:
    out.write(os.urandom(20 * 1024 * 1024))
s3("cp", big, f"s3://{bucket}/data/big.bin")
back = os.path.join(work, "back.bin")
s3("cp", f"s3://{bucket}/data/big.bin", back)
check(hashlib.md5(open(big, "rb").read()).digest() == hashlib.md5(open(back, "rb").read()).digest(), "cp round trip")
head = aws("s3api", "head-object", "--bucket", bucket, "--key", "data/big.bin")
check(head["ContentLength"] == 20 * 1024 * 1024 and head["ETag"].endswith('-3"'), f"the CLI uploaded in 8 MiB parts: {head['ETag']}")

tree = os.path.join(work, "tree")
for name in ("a.txt", "sub/b.txt", "sub/deeper/c.txt"):
    os.makedirs(os.path.dirname(os.path.join(tree, name)), exist_ok=True)
    with open(os.path.join(tree, name), "w") as out:
        out.write(name)
first = s3("sync", tree, f"s3://{bucket}/tree")
check(first.count("upload:") == 3, f"first sync uploads three files: {first}")
second = s3("sync", tree, f"s3://{bucket}/tree")
check("upload:" not in second, f"second sync uploads nothing: {second}")
listing = s3("ls", "--recursive", f"s3://{bucket}/tree/")
check(sorted(line.split()[-1] for line in listing.splitlines()) == ["tree/a.txt", "tree/sub/b.txt", "tree/sub/deeper/c.txt"], listing)
top = s3("ls", f"s3://{bucket}/tree/")
check("PRE sub/" in top and "a.txt" in top, f"ls shows prefixes: {top}")

aws("s3api", "put-object", "--bucket", bucket, "--key", "../../etc/passwd", "--body", big)
aws("s3api", "get-object", "--bucket", bucket, "--key", "../../etc/passwd", os.path.join(work, "passwd"))
check(open(os.path.join(work, "passwd"), "rb").read() == open(big, "rb").read(), "a ../ key is a plain key")
check(not os.path.exists(os.path.join(state_dir, "..", "etc", "passwd")), "nothing written outside the state directory")
aws("s3api", "get-object", "--bucket", bucket, "--key", "missing", os.path.join(work, "x"), expect_error="NoSuchKey")
aws("s3api", "create-bucket", "--bucket", "Bad_Name", expect_error="InvalidBucketName")
aws("s3api", "delete-bucket", "--bucket", bucket, expect_error="BucketNotEmpty")
s3("rm", "--recursive", f"s3://{bucket}")
aws("s3api", "delete-bucket", "--bucket", bucket)
aws("s3api", "head-bucket", "--bucket", bucket, expect_error="404")

# Every object file is under the state directory's s3/ folder, named by ID.
for root, _, files in os.walk(os.path.join(state_dir, "s3")):
    for name in files:
        check(name.isalnum(), f"object file named by ID: {name}")
done("s3_cli")
