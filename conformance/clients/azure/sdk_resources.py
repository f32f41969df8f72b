"""azure-identity and azure-mgmt-resource 26 against the simulator: a client-credentials
token, resource groups created and read back, a listing paged two at a time that returns each
group exactly once (following nextLink), tags patched, check_existence, the real asynchronous
delete through begin_delete's poller (the group reads Deleting or is gone while it runs, and is
gone once it finishes), generic resource listings, providers and their api-versions, and ARM's
errors as the SDK raises them."""
from common import SUBSCRIPTION, check, credential, expect_http_error, resource_client, unique

from azure.mgmt.resource.resources.models import ResourceGroup, ResourceGroupPatchable

cred = credential()
token = cred.get_token("https://management.core.windows.net//.default")
check(token.token.count(".") == 2 and token.expires_on > 0, f"token: {token}")
client = resource_client(cred)

prefix = unique("page")
names = [f"{prefix}-{i}" for i in range(5)]
for i, name in enumerate(names):
    created = client.resource_groups.create_or_update(name, ResourceGroup(location="westus2", tags={"i": str(i)}))
    check(created.name == name and created.location == "westus2", f"created: {created}")
    check(created.properties.provisioning_state == "Succeeded", f"state: {created.properties}")

# The SDK follows nextLink; with pages of two, every group must come back exactly once.
pages = client.resource_groups.list(top=2).by_page()
seen, page_count = [], 0
for page in pages:
    page_items = list(page)
    check(len(page_items) <= 2, f"a page of {len(page_items)} with top=2")
    seen.extend(g.name for g in page_items)
    page_count += 1
ours = [n for n in seen if n.startswith(prefix)]
check(sorted(ours) == sorted(names) and len(ours) == len(set(ours)), f"paged: {seen}")
check(page_count >= 3, f"{page_count} pages for {len(seen)} groups at two a page")

got = client.resource_groups.get(names[0].upper())
check(got.name == names[0] and got.tags == {"i": "0"}, f"get: {got}")
patched = client.resource_groups.update(names[0], ResourceGroupPatchable(tags={"patched": "yes"}))
check(patched.tags == {"patched": "yes"}, f"patched: {patched.tags}")
check(client.resource_groups.check_existence(names[0]) is True, "exists")
check(client.resource_groups.check_existence(unique("absent")) is False, "absent")

resources = list(client.resources.list_by_resource_group(names[0]))
check(resources == [], f"an empty group holds nothing: {resources}")

provider = client.providers.get("Microsoft.Storage")
check(provider.registration_state == "Registered", f"provider: {provider.registration_state}")
accounts = [t for t in provider.resource_types if t.resource_type == "storageAccounts"]
check(accounts and "2023-05-01" in accounts[0].api_versions, f"storageAccounts api-versions: {accounts}")
namespaces = [p.namespace for p in client.providers.list()]
check("Microsoft.Storage" in namespaces and "Microsoft.Resources" in namespaces, f"providers: {namespaces}")

expect_http_error(lambda: client.resource_groups.get(unique("nope")), "ResourceGroupNotFound")
expect_http_error(lambda: client.resource_groups.create_or_update("bad*name", ResourceGroup(location="eastus")),
                  "InvalidResourceGroup")
expect_http_error(lambda: client.providers.get("Microsoft.Nothing"), "InvalidResourceNamespace",
                  "The resource namespace 'Microsoft.Nothing' is invalid.")

# The delete is a long-running operation: the poller sees 202 + Location and waits.
poller = client.resource_groups.begin_delete(names[1])
state = None
try:
    state = client.resource_groups.get(names[1]).properties.provisioning_state
except Exception:  # noqa: BLE001 - the work may already have finished
    state = "gone"
check(state in ("Deleting", "gone"), f"while deleting: {state}")
poller.result()
check(poller.status() == "Succeeded", f"poller: {poller.status()}")
expect_http_error(lambda: client.resource_groups.get(names[1]), "ResourceGroupNotFound")
remaining = [g.name for g in client.resource_groups.list() if g.name.startswith(prefix)]
check(sorted(remaining) == sorted(n for n in names if n != names[1]), f"remaining: {remaining}")
for name in remaining:
    client.resource_groups.begin_delete(name).result()
check(not [g for g in client.resource_groups.list() if g.name.startswith(prefix)], "all deleted")

# Wrong secret: the SDK's credential error carries Entra's code.
from azure.core.exceptions import ClientAuthenticationError
try:
    credential("sdk-app", "another-secret").get_token("https://management.core.windows.net//.default")
    check(False, "a wrong secret was accepted")
except ClientAuthenticationError as error:
    check("AADSTS7000215" in str(error), f"wrong secret: {error}")
print("ok")
