//! `Microsoft.Authorization`: role definitions (Azure's built-in roles, by their well-known
//! IDs) and role assignments at any scope the simulator holds: the subscription, a resource
//! group, or a resource (and its child resources).
//!
//! Role assignments are extension resources, `{scope}/providers/Microsoft.Authorization/
//! roleAssignments/{guid}`, keyed by their name (a GUID, unique in the directory). As ARM
//! answers: a PUT creates (201) or returns the same assignment unchanged (200); the same
//! principal, role and scope under another name is `RoleAssignmentExists`; changing the
//! principal or role of a name is `RoleAssignmentUpdateNotPermitted`; a delete answers 200 with
//! the assignment, or 204 when there was none. Listings follow ARM's `$filter` grammar:
//! `atScope()` (at or above the scope), `principalId eq '{id}'` and `assignedTo('{id}')` (that
//! principal at, above or below it), `atScope()` joined with one principal term by `and`, or
//! no filter (at, above and below); anything else is `UnsupportedQuery` with ARM's message.
//! Assignments at or below a resource group go with the group.
//!
//! Role definitions are read-only here: `roleName eq '{name}'` and `type eq '{type}'`
//! filters, `atScopeAndBelow()`; custom roles (PUT, DELETE) answer `NotImplemented`.
//!
//! Not done: principals are not checked against the directory (ARM answers
//! `PrincipalNotFound` for an unknown one without `principalType`), and assignments are not
//! enforced: any signed-in caller may call anything, as before.
//! What this module must not do: read HTTP or JSON text.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

use super::resources::{Resources, is_guid};
use super::{Caller, ResourceProvider};
use crate::error::ArmError;
use crate::shapes::authorization_roleassignments::{
    RoleAssignment, RoleAssignmentCreateParameters, RoleAssignmentProperties,
};
use crate::shapes::authorization_roledefinitions::{
    Permission, RoleDefinition, RoleDefinitionProperties,
};
use crate::shapes::resources::GenericResourceExpanded;

pub const NAMESPACE: &str = "Microsoft.Authorization";
const ASSIGNMENT_TYPE: &str = "Microsoft.Authorization/roleAssignments";
const DEFINITION_TYPE: &str = "Microsoft.Authorization/roleDefinitions";

/// One of Azure's built-in roles: its well-known ID (the same in every tenant), name,
/// description and permissions.
#[derive(Debug)]
pub struct BuiltInRole {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
    pub data_actions: &'static [&'static str],
}

const CONTAINERS_DELETE: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/delete";
const CONTAINERS_READ: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/read";
const CONTAINERS_WRITE: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/write";
const USER_DELEGATION_KEY: &str =
    "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action";

/// The built-in roles the simulator knows, with Azure's IDs.
pub const BUILT_IN_ROLES: &[BuiltInRole] = &[
    BuiltInRole {
        id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        name: "Owner",
        description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        actions: &["*"],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
        name: "Contributor",
        description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
        ],
        data_actions: &[],
    },
    BuiltInRole {
        id: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        name: "Reader",
        description: "View all resources, but does not allow you to make any changes.",
        actions: &["*/read"],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        name: "User Access Administrator",
        description: "Lets you manage user access to Azure resources.",
        actions: &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        name: "Role Based Access Control Administrator",
        description: "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.",
        actions: &[
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        name: "Storage Blob Data Owner",
        description: "Provides full access to Azure Storage blob containers and data, including assigning POSIX access control.",
        actions: &[
            "Microsoft.Storage/storageAccounts/blobServices/containers/*",
            USER_DELEGATION_KEY,
        ],
        not_actions: &[],
        data_actions: &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
    },
    BuiltInRole {
        id: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        name: "Storage Blob Data Contributor",
        description: "Read, write, and delete Azure Storage containers and blobs.",
        actions: &[
            CONTAINERS_DELETE,
            CONTAINERS_READ,
            CONTAINERS_WRITE,
            USER_DELEGATION_KEY,
        ],
        not_actions: &[],
        data_actions: &[
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
        ],
    },
    BuiltInRole {
        id: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        name: "Storage Blob Data Reader",
        description: "Read and list Azure Storage containers and blobs.",
        actions: &[CONTAINERS_READ, USER_DELEGATION_KEY],
        not_actions: &[],
        data_actions: &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
    },
    BuiltInRole {
        id: "17d1049b-9a84-46fb-8f53-869881c3d3ab",
        name: "Storage Account Contributor",
        description: "Permits management of storage accounts. Provides access to the account key, which can be used to access data via Shared Key authorization.",
        actions: &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Insights/diagnosticSettings/*",
            "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Storage/storageAccounts/*",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
        name: "AcrPull",
        description: "acr pull",
        actions: &["Microsoft.ContainerRegistry/registries/pull/read"],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "8311e382-0749-4cb8-b61a-304f252e45ec",
        name: "AcrPush",
        description: "acr push",
        actions: &[
            "Microsoft.ContainerRegistry/registries/pull/read",
            "Microsoft.ContainerRegistry/registries/push/write",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "f1a07417-d97a-45cb-824c-7a7467783830",
        name: "Managed Identity Operator",
        description: "Read and Assign User Assigned Identity",
        actions: &[
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
            "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "73c42c96-874c-492b-b04d-ab87d138a893",
        name: "Log Analytics Reader",
        description: "Log Analytics Reader can view and search all monitoring data as well as and view monitoring settings, including viewing the configuration of Azure diagnostics on all Azure resources.",
        actions: &[
            "*/read",
            "Microsoft.OperationalInsights/workspaces/analytics/query/action",
            "Microsoft.OperationalInsights/workspaces/search/action",
            "Microsoft.Support/*",
        ],
        not_actions: &["Microsoft.OperationalInsights/workspaces/sharedKeys/read"],
        data_actions: &[],
    },
    BuiltInRole {
        id: "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
        name: "Monitoring Reader",
        description: "Can read all monitoring data.",
        actions: &[
            "*/read",
            "Microsoft.OperationalInsights/workspaces/search/action",
            "Microsoft.Support/*",
        ],
        not_actions: &[],
        data_actions: &[],
    },
    BuiltInRole {
        id: "de139f84-1756-47ae-9be6-808fbbe84772",
        name: "Website Contributor",
        description: "Lets you manage websites (not web plans), but not access to them.",
        actions: &[
            "Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*",
            "Microsoft.Insights/components/*",
            "Microsoft.ResourceHealth/availabilityStatuses/read",
            "Microsoft.Resources/deployments/*",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
            "Microsoft.Web/certificates/*",
            "Microsoft.Web/listSitesAssignedToHostName/read",
            "Microsoft.Web/serverFarms/join/action",
            "Microsoft.Web/serverFarms/read",
            "Microsoft.Web/sites/*",
        ],
        not_actions: &[],
        data_actions: &[],
    },
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssignmentRecord {
    pub assignment: RoleAssignment,
    /// The scope as it was given, for listings.
    pub scope: String,
}

/// Which assignments a listing returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentFilter {
    /// Only at the scope or above it (`atScope()`).
    pub at_scope: bool,
    /// Only this principal's (`principalId eq` or `assignedTo`).
    pub principal: Option<String>,
}

/// ARM's role assignment `$filter` grammar, or `UnsupportedQuery` naming the filter.
pub fn parse_assignment_filter(filter: Option<&str>) -> Result<AssignmentFilter, ArmError> {
    let mut parsed = AssignmentFilter {
        at_scope: false,
        principal: None,
    };
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(parsed);
    };
    let unsupported = || ArmError::UnsupportedRoleAssignmentFilter(filter.to_string());
    for term in split_and(filter) {
        let term = term.trim();
        if term.eq_ignore_ascii_case("atScope()") && !parsed.at_scope {
            parsed.at_scope = true;
            continue;
        }
        let principal = quoted_after(term, "principalId eq ")
            .or_else(|| quoted_call(term, "assignedTo"))
            .ok_or_else(unsupported)?;
        if parsed.principal.is_some() {
            return Err(unsupported());
        }
        parsed.principal = Some(principal.to_string());
    }
    Ok(parsed)
}

/// Splits on ` and ` (any case) outside quotes.
fn split_and(filter: &str) -> Vec<&str> {
    let lower = filter.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = lower.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'\'' {
            quoted = !quoted;
        } else if !quoted && lower[index..].starts_with(" and ") {
            parts.push(&filter[start..index]);
            index += 5;
            start = index;
            continue;
        }
        index += 1;
    }
    parts.push(&filter[start..]);
    parts
}

/// `NAME eq 'VALUE'` → `VALUE` when `term` starts with `prefix` (any case).
fn quoted_after<'a>(term: &'a str, prefix: &str) -> Option<&'a str> {
    let head = term.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    term[prefix.len()..]
        .trim()
        .strip_prefix('\'')?
        .strip_suffix('\'')
}

/// `CALL('VALUE')` → `VALUE`.
fn quoted_call<'a>(term: &'a str, call: &str) -> Option<&'a str> {
    let head = term.get(..call.len())?;
    if !head.eq_ignore_ascii_case(call) {
        return None;
    }
    term[call.len()..]
        .trim()
        .strip_prefix("('")?
        .strip_suffix("')")
}

/// Whether scope `outer` is `inner` or one of its ancestors (ARM compares case-insensitively).
pub fn covers(outer: &str, inner: &str) -> bool {
    let outer = outer.trim_end_matches('/').to_ascii_lowercase();
    let inner = inner.trim_end_matches('/').to_ascii_lowercase();
    outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}/"))
}

/// `/subscriptions/S/...`'s subscription, if the scope is under one.
fn scope_subscription(scope: &str) -> Option<&str> {
    let mut parts = scope.split('/').filter(|s| !s.is_empty());
    match (parts.next(), parts.next()) {
        (Some(first), Some(subscription)) if first.eq_ignore_ascii_case("subscriptions") => {
            Some(subscription)
        }
        _ => None,
    }
}

pub struct Authorization {
    kit: Kit,
    resources: Arc<Resources>,
    assignments: Arc<Collection<AssignmentRecord>>,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization").finish_non_exhaustive()
    }
}

impl Authorization {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        Ok(Arc::new(Self {
            assignments: kit.store().collection("authorization-role-assignments")?,
            kit,
            resources,
        }))
    }

    // --- role definitions ---

    /// A built-in role as a role definition seen from `scope`: under a subscription its ID is
    /// the subscription's, as ARM answers.
    fn definition(&self, role: &BuiltInRole, scope: &str) -> RoleDefinition {
        let prefix = scope_subscription(scope)
            .map(|s| format!("/subscriptions/{s}"))
            .unwrap_or_default();
        RoleDefinition {
            id: Some(format!("{prefix}/providers/{DEFINITION_TYPE}/{}", role.id)),
            name: Some(role.id.to_string()),
            r#type: Some(DEFINITION_TYPE.into()),
            properties: Some(Box::new(RoleDefinitionProperties {
                role_name: Some(role.name.to_string()),
                description: Some(role.description.to_string()),
                r#type: Some("BuiltInRole".into()),
                permissions: Some(vec![Box::new(Permission {
                    actions: Some(strings(role.actions)),
                    not_actions: Some(strings(role.not_actions)),
                    data_actions: Some(strings(role.data_actions)),
                    not_data_actions: Some(Vec::new()),
                })]),
                assignable_scopes: Some(vec!["/".into()]),
            })),
        }
    }

    /// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{id}`.
    pub fn get_definition(&self, scope: &str, id: &str) -> Result<RoleDefinition, ArmError> {
        self.resources.check_scope(scope)?;
        let role = built_in(id).ok_or_else(|| ArmError::RoleDefinitionDoesNotExist {
            id: id.to_string(),
            in_request: false,
        })?;
        Ok(self.definition(role, scope))
    }

    /// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=...`: every
    /// built-in role (they are assignable everywhere), narrowed by `roleName eq` or `type eq`.
    pub fn list_definitions(
        &self,
        scope: &str,
        filter: Option<&str>,
    ) -> Result<Vec<(String, RoleDefinition)>, ArmError> {
        self.resources.check_scope(scope)?;
        let mut role_name = None;
        let mut role_type = None;
        if let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) {
            for term in split_and(filter) {
                let term = term.trim();
                if term.eq_ignore_ascii_case("atScopeAndBelow()") {
                    continue;
                }
                if let Some(name) = quoted_after(term, "roleName eq ") {
                    role_name = Some(name.to_string());
                } else if let Some(kind) = quoted_after(term, "type eq ") {
                    role_type = Some(kind.to_string());
                } else {
                    return Err(ArmError::InvalidValue {
                        property: "$filter".into(),
                        value: filter.to_string(),
                    });
                }
            }
        }
        Ok(BUILT_IN_ROLES
            .iter()
            .filter(|role| role_name.as_deref().is_none_or(|n| n == role.name))
            .filter(|_| {
                role_type
                    .as_deref()
                    .is_none_or(|t| t.eq_ignore_ascii_case("BuiltInRole"))
            })
            .map(|role| (role.id.to_string(), self.definition(role, scope)))
            .collect())
    }

    // --- role assignments ---

    /// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{name}`; `true` when it
    /// is new.
    pub fn create_assignment(
        &self,
        caller: &Caller,
        scope: &str,
        name: &str,
        request: RoleAssignmentCreateParameters,
    ) -> Result<(RoleAssignment, bool), ArmError> {
        if !is_guid(name) {
            return Err(ArmError::InvalidRoleAssignmentId(name.to_string()));
        }
        self.resources.check_scope(scope)?;
        let asked = *request
            .properties
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties".into()))?;
        let definition_id = asked.role_definition_id.clone().ok_or_else(|| {
            ArmError::MissingRequiredProperty("properties.roleDefinitionId".into())
        })?;
        let principal = asked
            .principal_id
            .clone()
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties.principalId".into()))?;
        if !is_guid(&principal) {
            return Err(ArmError::InvalidPrincipalId);
        }
        let role_guid = definition_id.rsplit('/').next().unwrap_or_default();
        let role = built_in(role_guid).ok_or_else(|| ArmError::RoleDefinitionDoesNotExist {
            id: role_guid.to_string(),
            in_request: true,
        })?;
        let role_definition_id = self.definition(role, scope).id.unwrap_or_default();
        let key = name.to_ascii_lowercase();
        if let Some(existing) = self.assignments.get(&key) {
            let properties = existing.assignment.properties.as_deref();
            let same = properties.is_some_and(|p| {
                p.principal_id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&principal))
                    && p.role_definition_id
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&role_definition_id))
            }) && existing.scope.eq_ignore_ascii_case(scope);
            return if same {
                Ok((existing.assignment, false))
            } else {
                Err(ArmError::RoleAssignmentUpdateNotPermitted)
            };
        }
        if let Some((_, duplicate)) = self.assignments.all().into_iter().find(|(_, r)| {
            r.scope.eq_ignore_ascii_case(scope)
                && r.assignment.properties.as_deref().is_some_and(|p| {
                    p.principal_id
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&principal))
                        && p.role_definition_id
                            .as_deref()
                            .is_some_and(|id| id.eq_ignore_ascii_case(&role_definition_id))
                })
        }) {
            return Err(ArmError::RoleAssignmentExists(
                duplicate.assignment.name.unwrap_or_default(),
            ));
        }
        let now = crate::time::arm_timestamp(self.kit.clock().now_millis());
        let assignment = RoleAssignment {
            id: Some(format!(
                "{}/providers/{ASSIGNMENT_TYPE}/{name}",
                scope.trim_end_matches('/')
            )),
            name: Some(name.to_string()),
            r#type: Some(ASSIGNMENT_TYPE.into()),
            properties: Some(Box::new(RoleAssignmentProperties {
                scope: Some(scope.to_string()),
                role_definition_id: Some(role_definition_id),
                principal_id: Some(principal),
                principal_type: Some(asked.principal_type.unwrap_or_else(|| "User".into())),
                description: asked.description,
                condition: asked.condition,
                condition_version: asked.condition_version,
                created_on: Some(now.clone()),
                updated_on: Some(now),
                created_by: Some(caller.name.clone()),
                updated_by: Some(caller.name.clone()),
                delegated_managed_identity_resource_id: asked
                    .delegated_managed_identity_resource_id,
            })),
        };
        self.assignments.insert(
            &key,
            AssignmentRecord {
                assignment: assignment.clone(),
                scope: scope.to_string(),
            },
        )?;
        Ok((assignment, true))
    }

    /// The assignment `name` at exactly `scope`.
    fn assignment_at(&self, scope: &str, name: &str) -> Option<AssignmentRecord> {
        self.assignments
            .get(&name.to_ascii_lowercase())
            .filter(|r| {
                r.scope
                    .trim_end_matches('/')
                    .eq_ignore_ascii_case(scope.trim_end_matches('/'))
            })
    }

    pub fn get_assignment(&self, scope: &str, name: &str) -> Result<RoleAssignment, ArmError> {
        self.resources.check_scope(scope)?;
        self.assignment_at(scope, name)
            .map(|r| r.assignment)
            .ok_or_else(|| ArmError::RoleAssignmentNotFound(name.to_string()))
    }

    /// `DELETE`: the deleted assignment, or `None` when there was none.
    pub fn delete_assignment(
        &self,
        scope: &str,
        name: &str,
    ) -> Result<Option<RoleAssignment>, ArmError> {
        let Some(record) = self.assignment_at(scope, name) else {
            return Ok(None);
        };
        self.assignments.remove(&name.to_ascii_lowercase())?;
        Ok(Some(record.assignment))
    }

    /// The assignments a listing at `scope` returns under `filter`.
    pub fn list_assignments(
        &self,
        scope: &str,
        filter: Option<&str>,
    ) -> Result<Vec<(String, RoleAssignment)>, ArmError> {
        let filter = parse_assignment_filter(filter)?;
        self.resources.check_scope(scope)?;
        Ok(self
            .assignments
            .all()
            .into_iter()
            .filter(|(_, r)| {
                let above = covers(&r.scope, scope);
                let below = covers(scope, &r.scope);
                let placed = if filter.at_scope {
                    above
                } else {
                    above || below
                };
                let principal = filter.principal.as_deref().is_none_or(|p| {
                    r.assignment
                        .properties
                        .as_deref()
                        .and_then(|a| a.principal_id.as_deref())
                        .is_some_and(|id| id.eq_ignore_ascii_case(p))
                });
                placed && principal
            })
            .map(|(key, r)| (key, r.assignment))
            .collect())
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn built_in(id: &str) -> Option<&'static BuiltInRole> {
    BUILT_IN_ROLES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
}

impl ResourceProvider for Authorization {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    /// Role assignments are extension resources: a group's resource listing does not show
    /// them, as ARM's does not.
    fn resources_in_group(
        &self,
        _subscription: &str,
        _group: &str,
    ) -> Vec<GenericResourceExpanded> {
        Vec::new()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let group_scope = format!("/subscriptions/{subscription}/resourceGroups/{group}");
        for (key, record) in self.assignments.all() {
            if covers(&group_scope, &record.scope) {
                self.assignments.remove(&key)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_filters_follow_arm() {
        let none = parse_assignment_filter(None).expect("no filter");
        assert_eq!(
            none,
            AssignmentFilter {
                at_scope: false,
                principal: None
            }
        );
        let at = parse_assignment_filter(Some("atScope()")).expect("atScope");
        assert!(at.at_scope && at.principal.is_none());
        let both =
            parse_assignment_filter(Some("atScope() and principalId eq 'abc'")).expect("compound");
        assert!(both.at_scope && both.principal.as_deref() == Some("abc"));
        let assigned = parse_assignment_filter(Some("assignedTo('xyz')")).expect("assignedTo");
        assert_eq!(assigned.principal.as_deref(), Some("xyz"));
        for bad in [
            "principalId eq abc",
            "roleDefinitionId eq 'x'",
            "principalId eq 'a' and principalId eq 'b'",
        ] {
            assert!(
                matches!(
                    parse_assignment_filter(Some(bad)),
                    Err(ArmError::UnsupportedRoleAssignmentFilter(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn scopes_cover_their_descendants() {
        let sub = "/subscriptions/s1";
        let group = "/subscriptions/s1/resourceGroups/RG";
        let resource =
            "/subscriptions/s1/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/a";
        assert!(covers(sub, group) && covers(group, resource) && covers(sub, resource));
        assert!(covers(group, group) && covers("/", sub));
        assert!(!covers(resource, group));
        assert!(!covers(
            "/subscriptions/s1/resourceGroups/rg",
            "/subscriptions/s1/resourceGroups/rg2"
        ));
    }

    #[test]
    fn built_in_roles_have_distinct_guids() {
        let mut ids: Vec<&str> = BUILT_IN_ROLES.iter().map(|r| r.id).collect();
        assert!(ids.iter().all(|id| is_guid(id)));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), BUILT_IN_ROLES.len());
        assert_eq!(
            built_in("B24988AC-6180-42A0-AB88-20F7382DD24C").map(|r| r.name),
            Some("Contributor")
        );
    }
}
