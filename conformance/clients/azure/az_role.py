"""az 2.91's `az role` commands against the simulator: built-in role definitions found by name
and by their well-known IDs, role assignments created at the subscription, a resource group and
a resource (a user-assigned identity's principal), each listed where az looks for it (az asks
for `atScope()` and compares scopes; `--include-inherited` keeps those above; `--all` filters by
principal), the role names az fills in from the definitions, an existing assignment under a new name
(RoleAssignmentExists) and again under its own (unchanged), ARM's errors as az prints
them, deletes, and the assignments under a group gone with the group. Principal names are not
filled (`--fill-principal-name false`): that needs Microsoft Graph, which the simulator does
not serve."""
import json
import uuid

from common import SUBSCRIPTION, URL, az, az_sign_in, check, unique

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
IDENTITY_OPERATOR = "f1a07417-d97a-45cb-824c-7a7467783830"

az_sign_in()
subscription = f"/subscriptions/{SUBSCRIPTION}"

found = az("role", "definition", "list", "--name", "Contributor")
check(len(found) == 1, f"one Contributor: {found}")
contributor = found[0]
check(contributor["name"] == CONTRIBUTOR, f"Contributor's ID: {contributor}")
check(contributor["id"] == f"{subscription}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}",
      f"Contributor's id: {contributor['id']}")
check(contributor["roleName"] == "Contributor" and contributor["roleType"] == "BuiltInRole", f"{contributor}")
check("Microsoft.Authorization/*/Write" in contributor["permissions"][0]["notActions"], f"{contributor}")
names = {d["roleName"] for d in az("role", "definition", "list")}
check({"Owner", "Reader", "AcrPull", "Storage Blob Data Contributor"} <= names, f"built-in roles: {names}")
reader = az("role", "definition", "show", "--scope", subscription, "--name", READER)
check(reader["roleName"] == "Reader", f"Reader by ID: {reader}")

group = unique("rbac")
az("group", "create", "-n", group, "-l", "westeurope")
group_scope = f"{subscription}/resourceGroups/{group}"
identity = az("identity", "create", "-g", group, "-n", "deployer")
principal = identity["principalId"]
identity_scope = identity["id"]


def assign(role, scope):
    return az("role", "assignment", "create", "--assignee-object-id", principal,
              "--assignee-principal-type", "ServicePrincipal", "--role", role, "--scope", scope)


at_subscription = assign("Reader", subscription)
check(at_subscription["scope"] == subscription, f"scope: {at_subscription}")
check(at_subscription["roleDefinitionId"] == f"{subscription}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
      f"role: {at_subscription}")
check(at_subscription["principalId"] == principal and at_subscription["principalType"] == "ServicePrincipal",
      f"principal: {at_subscription}")
check(at_subscription["id"] == f"{subscription}/providers/Microsoft.Authorization/roleAssignments/{at_subscription['name']}",
      f"id: {at_subscription['id']}")
at_group = assign("Storage Blob Data Reader", group_scope)
at_resource = assign(IDENTITY_OPERATOR, identity_scope)
check(at_resource["scope"] == identity_scope, f"at the resource: {at_resource}")
# The same principal, role and scope under another name: ARM's RoleAssignmentExists. (az answers
# it by listing with principal names, which needs Microsoft Graph, so the PUT goes through az rest.)
az("rest", "--method", "put", "--url",
   f"{URL}{group_scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}?api-version=2022-04-01",
   "--body", json.dumps({"properties": {"roleDefinitionId": at_group["roleDefinitionId"], "principalId": principal,
                                        "principalType": "ServicePrincipal"}}),
   expect_error='"code":"RoleAssignmentExists","message":"The role assignment already exists. '
                f'The ID of the existing role assignment is {at_group["name"]}."')
same = az("rest", "--method", "put", "--url",
          f"{URL}{at_group['id']}?api-version=2022-04-01",
          "--body", json.dumps({"properties": {"roleDefinitionId": at_group["roleDefinitionId"], "principalId": principal}}))
check(same["name"] == at_group["name"], f"the same assignment put again: {same}")


def listed(*args):
    return sorted((a["roleDefinitionName"], a["scope"]) for a in
                  az("role", "assignment", "list", "--fill-principal-name", "false", *args))


check(listed("--scope", group_scope) == [("Storage Blob Data Reader", group_scope)],
      f"at the group: {listed('--scope', group_scope)}")
check(listed("--scope", group_scope, "--include-inherited")
      == [("Reader", subscription), ("Storage Blob Data Reader", group_scope)], "the group's, with inherited")
check(len(listed("--scope", identity_scope, "--include-inherited")) == 3, "the resource's, with inherited")
check(listed("--assignee-object-id", principal, "--all")
      == sorted([("Reader", subscription), ("Storage Blob Data Reader", group_scope),
                 ("Managed Identity Operator", identity_scope)]), "every one of the principal's")

az("role", "assignment", "create", "--assignee-object-id", principal, "--assignee-principal-type",
   "ServicePrincipal", "--role", "00000000-0000-0000-0000-0000000000aa", "--scope", group_scope,
   expect_error="(RoleDefinitionDoesNotExist) The specified role definition with ID '00000000-0000-0000-0000-0000000000aa' does not exist.")
az("role", "assignment", "create", "--assignee-object-id", principal, "--assignee-principal-type",
   "ServicePrincipal", "--role", "Reader", "--scope", f"{subscription}/resourceGroups/nosuch-{group}",
   expect_error="(ResourceGroupNotFound)")
az("rest", "--method", "get", "--url",
   f"{URL}{subscription}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=roleDefinitionId eq 'x'",
   expect_error='"code":"UnsupportedQuery","message":"The filter \'roleDefinitionId eq \'x\'\' is not supported.')
az("rest", "--method", "put", "--url",
   f"{URL}{group_scope}/providers/Microsoft.Authorization/roleAssignments/not-a-guid?api-version=2022-04-01",
   "--body", f'{{"properties": {{"roleDefinitionId": "{READER}", "principalId": "{principal}"}}}}',
   expect_error='"code":"InvalidRoleAssignmentId"')

az("role", "assignment", "delete", "--assignee-object-id", principal, "--role", "Reader", "--scope", subscription)
check(len(listed("--assignee-object-id", principal, "--all")) == 2, "deleted at the subscription")
az("group", "delete", "-n", group, "--yes")
check(listed("--assignee-object-id", principal, "--all") == [], "gone with the group")
print("ok")
