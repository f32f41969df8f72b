"""az 2.91's `az identity` commands against the simulator: user-assigned managed identities
created (principal, client and tenant IDs, the id spelled with `resourcegroups` as Azure
spells it), shown, listed in the group and the subscription, created again with new tags
keeping their IDs, ARM's errors as az prints them, deleted, and gone with their group."""
from common import TENANT, az, az_sign_in, check, unique

az_sign_in()
group = unique("msi")
az("group", "create", "-n", group, "-l", "westeurope")
created = az("identity", "create", "-g", group, "-n", "builder-id", "--tags", "team=ci")
check(created["name"] == "builder-id" and created["location"] == "westeurope", f"identity: {created}")
check(created["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities", f"type: {created['type']}")
check(created["id"].endswith(f"/resourcegroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/builder-id"),
      f"id: {created['id']}")
check(created["tenantId"] == TENANT and created["principalId"] and created["clientId"]
      and created["principalId"] != created["clientId"], f"IDs: {created}")
check(created["tags"] == {"team": "ci"}, f"tags: {created['tags']}")
shown = az("identity", "show", "-g", group, "-n", "builder-id")
check((shown["principalId"], shown["clientId"]) == (created["principalId"], created["clientId"]), f"show: {shown}")
az("identity", "create", "-g", group, "-n", "second_id")
check(sorted(i["name"] for i in az("identity", "list", "-g", group)) == ["builder-id", "second_id"], "listed in the group")
check({"builder-id", "second_id"} <= {i["name"] for i in az("identity", "list")}, "listed in the subscription")
again = az("identity", "create", "-g", group, "-n", "builder-id", "--tags", "team=release")
check(again["clientId"] == created["clientId"] and again["tags"] == {"team": "release"}, f"updated: {again}")

az("identity", "show", "-g", group, "-n", "nosuch-id",
   expect_error=f"(ResourceNotFound) The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/nosuch-id' under resource group '{group}' was not found.")
az("identity", "delete", "-g", group, "-n", "second_id")
check([i["name"] for i in az("identity", "list", "-g", group)] == ["builder-id"], "deleted")
az("group", "delete", "-n", group, "--yes")
check("builder-id" not in {i["name"] for i in az("identity", "list")}, "gone with the group")
print("ok")
