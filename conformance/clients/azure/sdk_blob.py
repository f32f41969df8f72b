"""azure-storage-blob 12.31 against the simulator's blob endpoint in Azurite's path form
(https://localhost:PORT/ACCOUNT): a storage account made through azure-mgmt-storage, its keys
used for Shared Key; containers created (twice: ContainerAlreadyExists), listed in pages of two
(each once), metadata and access policies read back as written; blobs uploaded whole and as a
10 MiB upload split into 1 MiB blocks (Put Block + Put Block List, the block list read back),
downloaded byte-identical, ranged, with properties and metadata; ETag conditions (412, 409,
304); listings with prefix, delimiter and small pages; copy; delete; account, service and
stored-policy SAS tokens (allowed, refused for a missing permission, refused once expired);
a wrong key; bearer tokens from the simulator's Entra ID; Azurite's development account; and
the error body's exact XML shape."""
import base64
import datetime
import hashlib
import os
import ssl
import urllib.request

from common import SCOPE, SUBSCRIPTION, URL, check, credential, fail, key_values, resource_client, unique

from azure.core import MatchConditions
from azure.core.exceptions import (HttpResponseError, ResourceExistsError, ResourceModifiedError,
                                   ResourceNotFoundError, ClientAuthenticationError)
from azure.mgmt.resource.resources.models import ResourceGroup
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.storage.models import Sku, StorageAccountCreateParameters
from azure.storage.blob import (AccessPolicy, AccountSasPermissions, BlobClient, BlobSasPermissions,
                                BlobServiceClient, ContainerClient, ContainerSasPermissions, ContentSettings,
                                ResourceTypes, generate_account_sas, generate_blob_sas, generate_container_sas)


def expect(call, error_type, code):
    try:
        call()
    except error_type as error:
        check(error.error_code == code, f"expected {code}, got {error.error_code}: {error}")
        return error
    except HttpResponseError as error:
        fail(f"expected {error_type.__name__} {code}, got {type(error).__name__} {error.error_code}: {error}")
    fail(f"expected {code}, the call succeeded")


cred = credential("blob-app", "blob-secret")
resources = resource_client(cred)
storage = StorageManagementClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)
group = unique("blob")
resources.resource_groups.create_or_update(group, ResourceGroup(location="westeurope"))
account = "blob" + unique("x").split("-")[1]
storage.storage_accounts.begin_create(group, account, StorageAccountCreateParameters(
    sku=Sku(name="Standard_LRS"), kind="StorageV2", location="westeurope")).result()
keys = key_values(storage.storage_accounts.list_keys(group, account))
endpoint = f"{URL}/{account}"
service = BlobServiceClient(endpoint, credential={"account_name": account, "account_key": keys["key1"]},
                            max_single_put_size=4 * 1024 * 1024, max_block_size=1024 * 1024)
# The second key works as well as the first.
other_key = BlobServiceClient(endpoint, credential={"account_name": account, "account_key": keys["key2"]})

# --- containers ---
names = [f"c{i}-{unique('x').split('-')[1]}" for i in range(5)]
for name in names:
    service.create_container(name, metadata={"owner": "conformance", "index": name[1]})
expect(lambda: service.create_container(names[0]), ResourceExistsError, "ContainerAlreadyExists")
expect(lambda: service.create_container("Bad_Name"), HttpResponseError, "InvalidResourceName")
pages = service.list_containers(name_starts_with="c", results_per_page=2).by_page()
seen = []
page_count = 0
for page in pages:
    page_count += 1
    seen.extend(c.name for c in page)
check(sorted(seen) == sorted(names) and len(seen) == 5 and page_count == 3, f"paged containers: {seen} in {page_count}")
listed = {c.name: c.metadata for c in other_key.list_containers(include_metadata=True)}
check(listed[names[1]] == {"owner": "conformance", "index": "1"}, f"listed metadata: {listed[names[1]]}")
container = service.get_container_client(names[0])
props = container.get_container_properties()
check(props.metadata == {"owner": "conformance", "index": "0"} and props.etag.startswith('"0x'), f"container: {props}")
container.set_container_metadata({"changed": "yes"})
check(container.get_container_properties().metadata == {"changed": "yes"}, "container metadata replaced")
start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
policy_expiry = start + datetime.timedelta(hours=1)
container.set_container_access_policy({"readers": AccessPolicy(permission=ContainerSasPermissions(read=True, list=True),
                                                               start=start, expiry=policy_expiry)})
acl = container.get_container_access_policy()
check(acl["public_access"] is None and [i.id for i in acl["signed_identifiers"]] == ["readers"]
      and acl["signed_identifiers"][0].access_policy.permission == "rl", f"acl: {acl}")
expect(lambda: service.get_container_client("nosuchcontainer").get_container_properties(),
       ResourceNotFoundError, "ContainerNotFound")

# --- blobs: whole, in blocks, ranged ---
small = os.urandom(1000)
blob = container.get_blob_client("dir/small.bin")
result = blob.upload_blob(small, metadata={"kind": "small"},
                          content_settings=ContentSettings(content_type="application/x-test", cache_control="no-cache"))
check(result["content_md5"] == hashlib.md5(small).digest(), "Put Blob answers the body's MD5")
check(blob.download_blob().readall() == small, "small blob read back")
properties = blob.get_blob_properties()
check(properties.size == 1000 and properties.metadata == {"kind": "small"} and properties.blob_type == "BlockBlob"
      and properties.content_settings.content_type == "application/x-test"
      and properties.content_settings.cache_control == "no-cache"
      and properties.content_settings.content_md5 == hashlib.md5(small).digest()
      and properties.etag == result["etag"], f"properties: {properties}")

large = os.urandom(10 * 1024 * 1024)
big = container.get_blob_client("dir/sub/large.bin")
big.upload_blob(large)
committed, uncommitted = big.get_block_list("all")
check(len(committed) == 10 and all(b.size == 1024 * 1024 for b in committed) and uncommitted == [],
      f"block list: {len(committed)} committed, {len(uncommitted)} uncommitted")
downloaded = big.download_blob(max_concurrency=2).readall()
check(hashlib.sha256(downloaded).digest() == hashlib.sha256(large).digest(), "10 MiB blob read back identical")
check(big.download_blob(offset=123_456, length=1000).readall() == large[123_456:124_456], "ranged read")
check(big.download_blob(offset=len(large) - 10).readall() == large[-10:], "open-ended range")
expect(lambda: big.download_blob(offset=len(large) + 1, length=5).readall(), HttpResponseError, "InvalidRange")

# Staged blocks stay out of the blob until committed; uncommitted ones are listed.
staged = container.get_blob_client("staged.txt")
staged.stage_block("YmxvY2sx", b"hello ")
staged.stage_block("YmxvY2sy", b"world")
_, pending = staged.get_block_list("uncommitted")
check(sorted(b.id for b in pending) == ["YmxvY2sx", "YmxvY2sy"], f"uncommitted: {pending}")
expect(lambda: staged.download_blob().readall(), ResourceNotFoundError, "BlobNotFound")
staged.commit_block_list(["YmxvY2sy", "YmxvY2sx"])
check(staged.download_blob().readall() == b"worldhello ", "blocks committed in the listed order")
expect(lambda: staged.commit_block_list(["bm9uZQ=="]), HttpResponseError, "InvalidBlockList")

# --- conditions ---
etag = blob.get_blob_properties().etag
expect(lambda: blob.upload_blob(b"again"), ResourceExistsError, "BlobAlreadyExists")
blob.set_blob_metadata({"kind": "changed"})
expect(lambda: blob.upload_blob(b"x", overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified),
       ResourceModifiedError, "ConditionNotMet")
fresh = blob.get_blob_properties().etag
check(fresh != etag, "metadata changes the ETag")
# 304 with x-ms-error-code ConditionNotMet, which the SDK raises as ResourceModifiedError.
not_modified = expect(lambda: blob.download_blob(etag=fresh, match_condition=MatchConditions.IfModified).readall(),
                      ResourceModifiedError, "ConditionNotMet")
check(not_modified.status_code == 304, f"If-None-Match: {not_modified.status_code}")
check(blob.download_blob(etag=fresh, match_condition=MatchConditions.IfNotModified).readall() == small, "If-Match")

# --- listings ---
for i in range(5):
    container.upload_blob(f"list/{i:02d}.txt", f"item {i}".encode())
by_page = [b.name for page in container.list_blobs(name_starts_with="list/", results_per_page=2).by_page() for b in page]
check(by_page == [f"list/{i:02d}.txt" for i in range(5)], f"paged blobs: {by_page}")
top = [(item.name, type(item).__name__) for item in container.walk_blobs(delimiter="/")]
check(top == [("dir/", "BlobPrefix"), ("list/", "BlobPrefix"), ("staged.txt", "BlobProperties")], f"walk: {top}")
under = [b.name for b in container.list_blobs(name_starts_with="dir/", include=["metadata"])]
check(under == ["dir/small.bin", "dir/sub/large.bin"], f"under dir/: {under}")

# --- copy, delete ---
copy = container.get_blob_client("copy-of-small.bin")
status = copy.start_copy_from_url(blob.url)
check(status["copy_status"] == "success", f"copy: {status}")
check(copy.download_blob().readall() == small, "copy read back")
copy.delete_blob()
error = expect(lambda: copy.download_blob().readall(), ResourceNotFoundError, "BlobNotFound")
text = error.response.text()
check(text.startswith("\ufeff<?xml") or text.startswith("<?xml"), f"error body: {text[:60]!r}")
check("<Code>BlobNotFound</Code><Message>The specified blob does not exist.\nRequestId:" in text and "\nTime:" in text,
      f"error body: {text}")
check(error.response.headers.get("x-ms-error-code") == "BlobNotFound", "x-ms-error-code")
expect(lambda: copy.delete_blob(), ResourceNotFoundError, "BlobNotFound")

# --- SAS ---
now = datetime.datetime.now(datetime.timezone.utc)
account_sas = generate_account_sas(account, keys["key2"], ResourceTypes(service=True, container=True, object=True),
                                   AccountSasPermissions(read=True, list=True), expiry=now + datetime.timedelta(hours=1))
reader = BlobServiceClient(endpoint, credential=account_sas)
check(names[0] in [c.name for c in reader.list_containers()], "account SAS lists")
check(reader.get_blob_client(names[0], "dir/small.bin").download_blob().readall() == small, "account SAS reads")
expect(lambda: reader.get_blob_client(names[0], "nope.txt").upload_blob(b"x"), HttpResponseError,
       "AuthorizationPermissionMismatch")
blob_sas = generate_blob_sas(account, names[0], "dir/small.bin", account_key=keys["key1"],
                             permission=BlobSasPermissions(read=True), expiry=now + datetime.timedelta(hours=1))
check(BlobClient.from_blob_url(f"{blob.url}?{blob_sas}").download_blob().readall() == small, "blob SAS reads")
expect(lambda: BlobClient.from_blob_url(f"{big.url}?{blob_sas}").download_blob().readall(), ClientAuthenticationError,
       "AuthenticationFailed")
expired = generate_blob_sas(account, names[0], "dir/small.bin", account_key=keys["key1"],
                            permission=BlobSasPermissions(read=True), expiry=now - datetime.timedelta(minutes=1))
expect(lambda: BlobClient.from_blob_url(f"{blob.url}?{expired}").download_blob().readall(), ClientAuthenticationError,
       "AuthenticationFailed")
stored = generate_container_sas(account, names[0], account_key=keys["key1"], policy_id="readers")
by_policy = ContainerClient.from_container_url(f"{container.url}?{stored}")
check("staged.txt" in [b.name for b in by_policy.list_blobs()], "stored access policy SAS lists")
expect(lambda: by_policy.upload_blob("nope.txt", b"x"), HttpResponseError, "AuthorizationPermissionMismatch")

wrong = BlobServiceClient(endpoint, credential={"account_name": account, "account_key": base64.b64encode(os.urandom(64)).decode()})
error = expect(lambda: wrong.get_container_client(names[0]).get_container_properties(), ClientAuthenticationError,
               "AuthenticationFailed")

# --- bearer tokens ---
token_client = BlobServiceClient(endpoint, credential=cred)
token_blob = token_client.get_blob_client(names[1], "by-token.txt")
token_blob.upload_blob(b"signed in")
check(token_blob.download_blob().readall() == b"signed in", "bearer token writes and reads")

# --- Azurite's development account ---
dev = BlobServiceClient.from_connection_string(
    "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;"
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
    f"BlobEndpoint={URL}/devstoreaccount1;")
dev_container = unique("dev")
dev.create_container(dev_container)
dev.get_blob_client(dev_container, "a.txt").upload_blob(b"azurite")
check(dev.get_blob_client(dev_container, "a.txt").download_blob().readall() == b"azurite", "development account")

# --- bad input on the wire ---
context = ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"])
request = urllib.request.Request(f"{endpoint}/{names[0]}?restype=container", headers={"x-ms-version": "2099-01-01"})
try:
    urllib.request.urlopen(request, context=context)
    fail("a bad x-ms-version was accepted")
except urllib.error.HTTPError as bad:
    body = bad.read().decode("utf-8-sig")
    check(bad.code == 400 and bad.headers["x-ms-error-code"] == "InvalidHeaderValue"
          and "<HeaderName>x-ms-version</HeaderName><HeaderValue>2099-01-01</HeaderValue>" in body, f"bad version: {body}")
anonymous = urllib.request.Request(f"{endpoint}/{names[0]}/dir/small.bin", headers={"x-ms-version": "2021-08-06"})
try:
    urllib.request.urlopen(anonymous, context=context)
    fail("an anonymous read of a private container succeeded")
except urllib.error.HTTPError as denied:
    check(denied.code == 404 and denied.headers["x-ms-error-code"] == "ResourceNotFound", f"anonymous: {denied.code}")
container.set_container_access_policy({}, public_access="blob")
check(urllib.request.urlopen(anonymous, context=context).read() == small, "anonymous read of a public blob")

# --- delete the container, then the account with its group ---
service.delete_container(names[4])
expect(lambda: service.get_container_client(names[4]).get_container_properties(), ResourceNotFoundError,
       "ContainerNotFound")
resources.resource_groups.begin_delete(group).result()
try:
    service.get_container_client(names[0]).get_container_properties()
    fail("the account's containers outlived it")
except HttpResponseError as gone:
    check(gone.status_code in (403, 404), f"after the account's deletion: {gone.status_code} {gone.error_code}")
print("ok")
