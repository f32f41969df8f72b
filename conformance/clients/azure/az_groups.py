"""az 2.91 against the simulator: cloud registration (metadata discovery), service-principal
sign-in (OpenID discovery, client-credentials token), az account show, resource groups
created, shown, tagged, listed, checked and deleted (az waits on the real async delete, which
takes the group's storage account with it), a storage account created, its keys listed, ARM's
errors as az prints them, a wrong secret refused, and az login --identity through
IDENTITY_ENDPOINT/IDENTITY_HEADER."""
from common import TENANT, SUBSCRIPTION, az, az_sign_in, check, unique

accounts = az_sign_in()
check(len(accounts) == 1 and accounts[0]["id"] == SUBSCRIPTION, f"one subscription: {accounts}")
check(accounts[0]["user"] == {"name": "sockerless-app", "type": "servicePrincipal"}, f"user: {accounts[0]}")
account = az("account", "show")
check(account["tenantId"] == TENANT and account["environmentName"] == "sockerless", f"account: {account}")
token = az("account", "get-access-token")
check(token["subscription"] == SUBSCRIPTION and token["accessToken"].count(".") == 2, f"token: {token}")

name = unique("Rg")
group = az("group", "create", "-n", name, "-l", "East US", "--tags", "team=blue", "env=dev")
check(group["name"] == name and group["location"] == "eastus", f"created: {group}")
check(group["id"] == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{name}", f"id: {group['id']}")
check(group["tags"] == {"team": "blue", "env": "dev"}, f"tags: {group['tags']}")
check(group["properties"]["provisioningState"] == "Succeeded", f"state: {group}")
# Names are case-insensitive and keep the spelling they were created with.
shown = az("group", "show", "-n", name.upper())
check(shown["name"] == name, f"shown: {shown}")
updated = az("group", "update", "-n", name, "--set", "tags.team=red")
check(updated["tags"]["team"] == "red" and updated["tags"]["env"] == "dev", f"updated: {updated}")
check(az("group", "show", "-n", name)["tags"]["team"] == "red", "the tag update is read back")
check(az("group", "exists", "-n", name) is True, "exists")
check(az("group", "exists", "-n", unique("nope")) is False, "does not exist")
other = unique("rg")
az("group", "create", "-n", other, "-l", "westeurope")
listed = {g["name"]: g["location"] for g in az("group", "list")}
check(listed.get(name) == "eastus" and listed.get(other) == "westeurope", f"listed: {listed}")

# A storage account in the group: az waits on the create operation, then reads it back.
account_name = "azacct" + unique("x").split("-")[1]
account = az("storage", "account", "create", "-n", account_name, "-g", name, "-l", "eastus", "--sku", "Standard_LRS")
check(account["name"] == account_name and account["provisioningState"] == "Succeeded", f"account: {account}")
check(account["primaryEndpoints"]["blob"] == f"https://{account_name}.blob.core.windows.net/", f"endpoints: {account}")
keys = az("storage", "account", "keys", "list", "-n", account_name, "-g", name)
check([k["keyName"] for k in keys] == ["key1", "key2"], f"keys: {keys}")
check(az("storage", "account", "check-name", "--name", account_name)["reason"] == "AlreadyExists", "name taken")
listed_resources = az("resource", "list", "-g", name)
check([(r["name"], r["type"]) for r in listed_resources] == [(account_name, "Microsoft.Storage/storageAccounts")],
      f"resources: {listed_resources}")

az("group", "create", "-n", "bad!name", "-l", "eastus",
   expect_error="The provided resource group name 'bad!name' has these invalid characters: '!'.")
az("group", "create", "-n", name, "-l", "westus",
   expect_error=f"Invalid resource group location 'westus'. The Resource group already exists in location 'eastus'.")
az("group", "create", "-n", unique("rg"), "-l", "atlantis",
   expect_error="The provided location 'atlantis' is not available for resource group.")
missing = unique("missing")
az("group", "show", "-n", missing, expect_error=f"Resource group '{missing}' could not be found.")

az("group", "delete", "-n", name, "--yes")
az("group", "show", "-n", name, expect_error=f"Resource group '{name}' could not be found.")
check(az("storage", "account", "check-name", "--name", account_name)["nameAvailable"] is True,
      "the group's account was deleted with it")
names = [g["name"] for g in az("group", "list")]
check(name not in names and other in names, f"after delete: {names}")

# A wrong secret for a known app is refused as Entra refuses it (after logging out: MSAL would
# otherwise answer from its token cache without asking).
az("logout")
az("login", "--service-principal", "-u", "sockerless-app", "-p", "wrong", "--tenant", TENANT,
   expect_error="AADSTS7000215")

# The managed identity (App Service's endpoint, as inside a workload).
identity = az("login", "--identity")
check(identity[0]["user"]["type"] == "servicePrincipal" and identity[0]["id"] == SUBSCRIPTION, f"identity: {identity}")
check(other in [g["name"] for g in az("group", "list")], "the managed identity sees the groups")
az("group", "delete", "-n", other, "--yes", "--no-wait")
print("ok")
