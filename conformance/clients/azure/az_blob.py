"""az 2.91's storage commands against the simulator's blob endpoint in Azurite's path form
(`--blob-endpoint https://localhost:PORT/ACCOUNT`, as az is pointed at Azurite): an account
made with `az storage account create`, its key from `az storage account keys list`, then
`az storage container create`, `az storage blob upload/download/list/show/delete` with
`--account-key` and with `--auth-mode login` (a bearer token from the simulator's Entra ID),
bytes read back identical, listings by prefix, and the service's errors as az reports them."""
import base64
import hashlib
import os
import tempfile

from common import az, az_sign_in, check, unique, URL

az_sign_in("blob-cli-app", "blob-cli-secret")
group = unique("azblob")
az("group", "create", "-n", group, "-l", "westeurope")
account = "azb" + unique("x").split("-")[1]
az("storage", "account", "create", "-n", account, "-g", group, "-l", "westeurope", "--sku", "Standard_LRS")
keys = az("storage", "account", "keys", "list", "-n", account, "-g", group)
key = keys[0]["value"]
endpoint = f"{URL}/{account}"
with_key = ["--account-name", account, "--account-key", key, "--blob-endpoint", endpoint]
with_login = ["--auth-mode", "login", "--blob-endpoint", endpoint]

created = az("storage", "container", "create", "-n", "files", *with_key)
check(created == {"created": True}, f"container create: {created}")
again = az("storage", "container", "create", "-n", "files", *with_key)
check(again == {"created": False}, f"second create: {again}")

work = tempfile.mkdtemp()
source = os.path.join(work, "payload.bin")
payload = os.urandom(3 * 1024 * 1024 + 17)
with open(source, "wb") as f:
    f.write(payload)
az("storage", "blob", "upload", "-f", source, "-c", "files", "-n", "dir/payload.bin", *with_key)
az("storage", "blob", "upload", "-f", source, "-c", "files", "-n", "other.bin", *with_key)
target = os.path.join(work, "back.bin")
az("storage", "blob", "download", "-c", "files", "-n", "dir/payload.bin", "-f", target, *with_key)
with open(target, "rb") as f:
    check(hashlib.sha256(f.read()).digest() == hashlib.sha256(payload).digest(), "downloaded bytes differ")
listed = az("storage", "blob", "list", "-c", "files", "--prefix", "dir/", *with_key)
check([b["name"] for b in listed] == ["dir/payload.bin"], f"list --prefix: {listed}")
check(listed[0]["properties"]["contentLength"] == len(payload), f"listed length: {listed[0]['properties']}")
shown = az("storage", "blob", "show", "-c", "files", "-n", "other.bin", *with_key)
check(shown["properties"]["contentLength"] == len(payload) and shown["properties"]["blobType"] == "BlockBlob",
      f"show: {shown['properties']}")

# The same through a bearer token for https://storage.azure.com.
az("storage", "blob", "upload", "-f", source, "-c", "files", "-n", "by-login.bin", *with_login)
target2 = os.path.join(work, "back2.bin")
az("storage", "blob", "download", "-c", "files", "-n", "by-login.bin", "-f", target2, *with_login)
with open(target2, "rb") as f:
    check(f.read() == payload, "login download differs")
names = sorted(b["name"] for b in az("storage", "blob", "list", "-c", "files", *with_login))
check(names == ["by-login.bin", "dir/payload.bin", "other.bin"], f"list by login: {names}")

az("storage", "blob", "delete", "-c", "files", "-n", "other.bin", *with_key)
az("storage", "blob", "show", "-c", "files", "-n", "other.bin", *with_key, expect_error="BlobNotFound")
az("storage", "blob", "list", "-c", "files", "--account-name", account,
   "--account-key", base64.b64encode(os.urandom(64)).decode(),
   "--blob-endpoint", endpoint, expect_error="Authentication failure")
az("group", "delete", "-n", group, "--yes")
print("ok")
