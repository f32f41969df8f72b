"""azure-mgmt-storage 25.3 against the simulator: name availability (free, invalid, taken),
an account created through begin_create's poller (202 + Location polled until the account is
provisioned), read back as written, listed by group and subscription and among the group's
generic resources, its keys listed and regenerated (only the named key changes), tags patched,
global name uniqueness, an unsupported api-version and an unregistered provider refused with
ARM's codes, and a resource-group delete that takes the account with it."""
from common import key_values, SCOPE, SUBSCRIPTION, URL, check, credential, expect_http_error, resource_client, unique

from azure.mgmt.resource.resources.models import ResourceGroup
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.storage.models import (Sku, StorageAccountCheckNameAvailabilityParameters,
                                       StorageAccountCreateParameters, StorageAccountRegenerateKeyParameters,
                                       StorageAccountUpdateParameters)

cred = credential("storage-app", "storage-secret")
resources = resource_client(cred)
storage = StorageManagementClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], polling_interval=0.2)

group = unique("st")
other_group = unique("st")
resources.resource_groups.create_or_update(group, ResourceGroup(location="westeurope"))
resources.resource_groups.create_or_update(other_group, ResourceGroup(location="westeurope"))
name = "acct" + unique("x").split("-")[1]

free = storage.storage_accounts.check_name_availability(StorageAccountCheckNameAvailabilityParameters(name=name))
check(free.name_available is True, f"free: {free}")
invalid = storage.storage_accounts.check_name_availability(StorageAccountCheckNameAvailabilityParameters(name="Bad-Name"))
check(invalid.name_available is False and invalid.reason == "AccountNameInvalid", f"invalid: {invalid}")

params = StorageAccountCreateParameters(sku=Sku(name="Standard_GRS"), kind="StorageV2", location="West Europe",
                                        tags={"owner": "conformance"})
poller = storage.storage_accounts.begin_create(group, name, params)
account = poller.result()
check(poller.status() == "Succeeded", f"poller: {poller.status()}")
check(account.name == name and account.location == "westeurope" and account.kind == "StorageV2", f"account: {account}")
check(account.sku.name == "Standard_GRS" and account.sku.tier == "Standard", f"sku: {account.sku}")
check(account.provisioning_state == "Succeeded", f"state: {account.provisioning_state}")
check(account.primary_endpoints.blob == f"https://{name}.blob.core.windows.net/", f"endpoints: {account.primary_endpoints}")
check(account.id == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}",
      f"id: {account.id}")
got = storage.storage_accounts.get_properties(group, name)
check(got.tags == {"owner": "conformance"} and got.creation_time is not None, f"read back: {got}")

taken = storage.storage_accounts.check_name_availability(StorageAccountCheckNameAvailabilityParameters(name=name))
check(taken.name_available is False and taken.reason == "AlreadyExists", f"taken: {taken}")
expect_http_error(lambda: storage.storage_accounts.begin_create(other_group, name, params).result(),
                  "StorageAccountAlreadyTaken", f"The storage account named {name} is already taken.")
expect_http_error(lambda: storage.storage_accounts.begin_create(group, "Bad_Name", params).result(), "AccountNameInvalid")
expect_http_error(lambda: storage.storage_accounts.get_properties(group, "nosuchaccount1"), "ResourceNotFound",
                  f"The Resource 'Microsoft.Storage/storageAccounts/nosuchaccount1' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")

check([a.name for a in storage.storage_accounts.list_by_resource_group(group)] == [name], "listed by group")
check(name in [a.name for a in storage.storage_accounts.list()], "listed in the subscription")
generic = [(r.name, r.type) for r in resources.resources.list_by_resource_group(group)]
check(generic == [(name, "Microsoft.Storage/storageAccounts")], f"group resources: {generic}")

keys = key_values(storage.storage_accounts.list_keys(group, name))
check(set(keys) == {"key1", "key2"} and keys["key1"] != keys["key2"] and len(keys["key1"]) == 88, f"keys: {keys}")
again = key_values(storage.storage_accounts.list_keys(group, name))
check(again == keys, "keys are stable")
regenerated = key_values(storage.storage_accounts.regenerate_key(
    group, name, StorageAccountRegenerateKeyParameters(key_name="key1")))
check(regenerated["key1"] != keys["key1"] and regenerated["key2"] == keys["key2"], "only key1 changes")

updated = storage.storage_accounts.update(group, name, StorageAccountUpdateParameters(tags={"owner": "someone"}))
check(updated.tags == {"owner": "someone"}, f"updated: {updated.tags}")

old = StorageManagementClient(cred, SUBSCRIPTION, base_url=URL, credential_scopes=[SCOPE], api_version="2099-01-01")
error = expect_http_error(lambda: old.storage_accounts.get_properties(group, name), "NoRegisteredProviderFound")
check("for type 'Microsoft.Storage/storageAccounts'" in error.error.message and "2023-05-01" in error.error.message
      and "location 'westeurope'" in error.error.message, error.error.message)

resources.providers.unregister("Microsoft.Storage")
expect_http_error(lambda: storage.storage_accounts.begin_create(group, name + "z", params).result(),
                  "MissingSubscriptionRegistration")
check(resources.providers.register("Microsoft.Storage").registration_state == "Registered", "registered again")

# Deleting the group deletes the account in it.
resources.resource_groups.begin_delete(group).result()
expect_http_error(lambda: storage.storage_accounts.get_properties(group, name), "ResourceGroupNotFound")
check(name not in [a.name for a in storage.storage_accounts.list()], "the account went with its group")
check(storage.storage_accounts.check_name_availability(
    StorageAccountCheckNameAvailabilityParameters(name=name)).name_available is True, "the name is free again")
storage.storage_accounts.begin_create(other_group, name, params).result()
check(storage.storage_accounts.delete(other_group, name) is None, "delete")
check(name not in [a.name for a in storage.storage_accounts.list()], "deleted")
print("ok")
