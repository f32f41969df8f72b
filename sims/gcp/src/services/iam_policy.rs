//! Resource IAM policies: `getIamPolicy`, `setIamPolicy` and `testIamPermissions` as Google's
//! resource APIs (Cloud Run services and jobs, Secret Manager secrets) serve them, one policy
//! per resource name in the kit's store.
//!
//! What holds as in Google IAM: a resource without a policy answers `{"etag": "ACAB"}`; every
//! write gives a new etag, and a write carrying an etag that is no longer current is 409
//! `ABORTED`; members need a type prefix (`user:`, `serviceAccount:`, `group:`, `domain:`,
//! `principal://`, `principalSet://`, `deleted:`) or are `allUsers`/`allAuthenticatedUsers`;
//! roles are predefined (`roles/...`) or custom (`projects/P/roles/R`,
//! `organizations/O/roles/R`), and a predefined role outside the resource's service is refused
//! ("Role X is not supported for this resource."); bindings are normalised (one per role and
//! condition, members once each, empty ones dropped); a policy with conditions is version 3 and
//! must say so, one without is version 1.
//!
//! Limitations: the simulator does not authenticate, so every caller holds every permission
//! that applies to the resource (`testIamPermissions` answers the requested permissions of the
//! resource's service; inherited project policies are not modelled) and policies are not
//! enforced on requests; audit configs are kept as written.
//!
//! Must not: see HTTP; decide whether the resource exists (its service does, first).

use std::sync::Arc;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sim_gcp_shapes::run_v2::{
    GoogleIamV1Binding, GoogleIamV1Policy, GoogleIamV1SetIamPolicyRequest,
    GoogleIamV1TestIamPermissionsRequest, GoogleIamV1TestIamPermissionsResponse,
};
use simkit::Kit;
use simkit::store::Collection;

use crate::error::GcpError;

/// The etag Google gives a resource that has never had a policy.
pub const EMPTY_POLICY_ETAG: &str = "ACAB";

/// What a kind of resource accepts in its policies.
#[derive(Debug, Clone, Copy)]
pub struct ResourceKind {
    /// Predefined roles it accepts beside the basic ones: `roles/run.` accepts `roles/run.invoker`.
    pub role_prefixes: &'static [&'static str],
    /// Permissions that apply to it: `run.services.` covers `run.services.setIamPolicy`.
    pub permission_prefixes: &'static [&'static str],
}

pub const RUN_SERVICE: ResourceKind = ResourceKind {
    role_prefixes: &["roles/run."],
    permission_prefixes: &[
        "run.services.",
        "run.routes.",
        "run.revisions.",
        "run.configurations.",
    ],
};

pub const RUN_JOB: ResourceKind = ResourceKind {
    role_prefixes: &["roles/run."],
    permission_prefixes: &["run.jobs.", "run.executions.", "run.tasks."],
};

pub const SECRET: ResourceKind = ResourceKind {
    role_prefixes: &["roles/secretmanager."],
    permission_prefixes: &["secretmanager.secrets.", "secretmanager.versions."],
};

/// Roles every resource accepts.
const BASIC_ROLES: &[&str] = &["roles/owner", "roles/editor", "roles/viewer"];

const MEMBER_PREFIXES: &[&str] = &[
    "user:",
    "serviceAccount:",
    "group:",
    "domain:",
    "principal://",
    "principalSet://",
    "deleted:",
    "projectOwner:",
    "projectEditor:",
    "projectViewer:",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PolicyRecord {
    pub policy: GoogleIamV1Policy,
    /// Bumped by every write; the etag is made from it.
    pub generation: u64,
}

/// The policies of every resource that has one.
pub struct ResourcePolicies {
    policies: Arc<Collection<PolicyRecord>>,
}

impl ResourcePolicies {
    pub fn new(kit: &Kit) -> Result<Arc<Self>, GcpError> {
        Ok(Arc::new(Self {
            policies: kit.store().collection("iam.policies")?,
        }))
    }

    /// `getIamPolicy`: the resource's policy, or the empty one.
    pub fn get(
        &self,
        resource: &str,
        requested_version: Option<i64>,
    ) -> Result<GoogleIamV1Policy, GcpError> {
        if let Some(version) = requested_version.filter(|v| ![0, 1, 3].contains(v)) {
            // Our wording: the real message could not be checked here.
            return Err(GcpError::invalid(format!(
                "Invalid requested policy version {version}: must be 0, 1 or 3."
            )));
        }
        Ok(self
            .policies
            .get(resource)
            .map(|record| record.policy)
            .unwrap_or_else(|| GoogleIamV1Policy {
                etag: Some(EMPTY_POLICY_ETAG.into()),
                ..Default::default()
            }))
    }

    /// `setIamPolicy`: replaces the fields `updateMask` names (`bindings` and `etag` when it
    /// names none) after checking the etag, members and roles.
    pub fn set(
        &self,
        resource: &str,
        kind: ResourceKind,
        request: GoogleIamV1SetIamPolicyRequest,
    ) -> Result<GoogleIamV1Policy, GcpError> {
        let mut incoming = request.policy.unwrap_or_default();
        let mask: Vec<String> = match request.update_mask.as_deref() {
            Some(mask) if !mask.trim().is_empty() => {
                mask.split(',').map(|f| f.trim().to_string()).collect()
            }
            _ => vec!["bindings".into(), "etag".into()],
        };
        for field in &mask {
            if ![
                "bindings",
                "etag",
                "auditConfigs",
                "audit_configs",
                "version",
            ]
            .contains(&field.as_str())
            {
                return Err(GcpError::invalid(format!(
                    "Invalid field mask path: {field}"
                )));
            }
        }
        let bindings = normalise(incoming.bindings.take().unwrap_or_default(), kind)?;
        let conditional = bindings.iter().any(|b| b.condition.is_some());
        if conditional && incoming.version.unwrap_or(0) != 3 {
            // Our wording: the real message could not be checked here.
            return Err(GcpError::invalid(
                "Policies with conditional role bindings must be version 3.",
            ));
        }
        self.policies.modify(resource, |slot| {
            let current_etag = slot
                .as_ref()
                .and_then(|record| record.policy.etag.clone())
                .unwrap_or_else(|| EMPTY_POLICY_ETAG.into());
            if let Some(expected) = incoming.etag.as_deref().filter(|e| !e.is_empty())
                && expected != current_etag
            {
                return Err(GcpError::aborted(
                    "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
                ));
            }
            let mut record = slot.take().unwrap_or(PolicyRecord {
                policy: GoogleIamV1Policy::default(),
                generation: 0,
            });
            if mask.iter().any(|f| f == "bindings") {
                record.policy.bindings = (!bindings.is_empty()).then_some(bindings);
            }
            if mask.iter().any(|f| f == "auditConfigs" || f == "audit_configs") {
                record.policy.audit_configs = incoming.audit_configs.take();
            }
            record.generation += 1;
            record.policy.etag = Some(etag_of(record.generation));
            let has_conditions = record
                .policy
                .bindings
                .iter()
                .flatten()
                .any(|b| b.condition.is_some());
            record.policy.version = Some(if has_conditions { 3 } else { 1 });
            let policy = record.policy.clone();
            *slot = Some(record);
            Ok(policy)
        })
    }

    /// `testIamPermissions`: the requested permissions the caller holds on the resource.
    pub fn test(
        &self,
        kind: ResourceKind,
        request: GoogleIamV1TestIamPermissionsRequest,
    ) -> Result<GoogleIamV1TestIamPermissionsResponse, GcpError> {
        let requested = request.permissions.unwrap_or_default();
        let mut granted = Vec::new();
        for permission in requested {
            if permission.contains('*') || permission.split('.').count() != 3 {
                // Our wording: the real message could not be checked here.
                return Err(GcpError::invalid(format!(
                    "Permission {permission} is not valid."
                )));
            }
            let applies = kind
                .permission_prefixes
                .iter()
                .any(|prefix| permission.starts_with(prefix));
            if applies && !granted.contains(&permission) {
                granted.push(permission);
            }
        }
        Ok(GoogleIamV1TestIamPermissionsResponse {
            permissions: (!granted.is_empty()).then_some(granted),
        })
    }

    /// Drops the policy of a deleted resource, so one made again under its name starts empty.
    pub fn forget(&self, resource: &str) -> Result<(), GcpError> {
        self.policies.remove(resource)?;
        Ok(())
    }
}

/// Google's etags for policies are 8 bytes in base64 (`BwX...`).
fn etag_of(generation: u64) -> String {
    let mut bytes = [0u8; 8];
    bytes[0] = 0x07;
    bytes[1] = 0x06;
    bytes[2..].copy_from_slice(&generation.to_be_bytes()[2..]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn check_member(member: &str) -> Result<(), GcpError> {
    let typed = MEMBER_PREFIXES
        .iter()
        .any(|prefix| member.starts_with(prefix) && member.len() > prefix.len());
    if typed || member == "allUsers" || member == "allAuthenticatedUsers" {
        Ok(())
    } else {
        Err(GcpError::invalid(format!(
            "The member {member} is of an unknown type. Please set a valid type prefix for the member."
        )))
    }
}

fn check_role(role: &str, kind: ResourceKind) -> Result<(), GcpError> {
    let custom = {
        let parts: Vec<&str> = role.split('/').collect();
        matches!(parts.as_slice(), ["projects" | "organizations", owner, "roles", name] if !owner.is_empty() && !name.is_empty())
    };
    let predefined = BASIC_ROLES.contains(&role)
        || kind
            .role_prefixes
            .iter()
            .any(|prefix| role.starts_with(prefix) && role.len() > prefix.len());
    if custom || predefined {
        Ok(())
    } else if role.is_empty() {
        Err(GcpError::invalid("Role must be specified in each binding."))
    } else {
        Err(GcpError::invalid(format!(
            "Role {role} is not supported for this resource."
        )))
    }
}

/// One binding per role and condition, each member once, no empty bindings; order kept.
fn normalise(
    bindings: Vec<GoogleIamV1Binding>,
    kind: ResourceKind,
) -> Result<Vec<GoogleIamV1Binding>, GcpError> {
    let mut merged: Vec<GoogleIamV1Binding> = Vec::new();
    for binding in bindings {
        let role = binding.role.clone().unwrap_or_default();
        check_role(&role, kind)?;
        let members = binding.members.clone().unwrap_or_default();
        for member in &members {
            check_member(member)?;
        }
        let slot = match merged
            .iter_mut()
            .position(|b| b.role == binding.role && b.condition == binding.condition)
        {
            Some(index) => &mut merged[index],
            None => {
                merged.push(GoogleIamV1Binding {
                    role: Some(role),
                    condition: binding.condition,
                    members: Some(Vec::new()),
                });
                let last = merged.len() - 1;
                &mut merged[last]
            }
        };
        let list = slot.members.get_or_insert_with(Vec::new);
        for member in members {
            if !list.contains(&member) {
                list.push(member);
            }
        }
    }
    merged.retain(|b| b.members.as_ref().is_some_and(|m| !m.is_empty()));
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(role: &str, members: &[&str]) -> GoogleIamV1Binding {
        GoogleIamV1Binding {
            role: Some(role.into()),
            members: Some(members.iter().map(|m| m.to_string()).collect()),
            condition: None,
        }
    }

    /// The kit must outlive the policies: its store closes when it is dropped.
    fn policies() -> (Kit, Arc<ResourcePolicies>) {
        let kit = Kit::new(simkit::KitConfig::new("gcp")).expect("kit");
        let policies = ResourcePolicies::new(&kit).expect("policies");
        (kit, policies)
    }

    fn set(
        bindings: Vec<GoogleIamV1Binding>,
        etag: Option<&str>,
    ) -> GoogleIamV1SetIamPolicyRequest {
        GoogleIamV1SetIamPolicyRequest {
            policy: Some(GoogleIamV1Policy {
                bindings: Some(bindings),
                etag: etag.map(str::to_string),
                ..Default::default()
            }),
            update_mask: None,
        }
    }

    #[test]
    fn a_resource_without_a_policy_has_the_empty_etag() {
        let (_kit, policies) = policies();
        let policy = policies
            .get("projects/p/locations/l/services/s", Some(3))
            .expect("get");
        assert_eq!(policy.etag.as_deref(), Some(EMPTY_POLICY_ETAG));
        assert!(policy.bindings.is_none() && policy.version.is_none());
        assert!(policies.get("x", Some(2)).is_err());
    }

    #[test]
    fn writes_normalise_bindings_and_check_etags() {
        let (_kit, policies) = policies();
        let name = "projects/p/locations/l/services/s";
        let written = policies
            .set(
                name,
                RUN_SERVICE,
                set(
                    vec![
                        binding("roles/run.invoker", &["allUsers", "user:a@example.com"]),
                        binding("roles/run.invoker", &["allUsers"]),
                        binding("roles/viewer", &[]),
                    ],
                    Some(EMPTY_POLICY_ETAG),
                ),
            )
            .expect("set");
        assert_eq!(written.version, Some(1));
        assert_eq!(
            written.bindings,
            Some(vec![binding(
                "roles/run.invoker",
                &["allUsers", "user:a@example.com"]
            )])
        );
        let etag = written.etag.clone().expect("etag");
        assert_ne!(etag, EMPTY_POLICY_ETAG);
        assert_eq!(policies.get(name, None).expect("get"), written);
        // The etag read before the write is stale now.
        let stale = policies
            .set(name, RUN_SERVICE, set(vec![], Some(EMPTY_POLICY_ETAG)))
            .expect_err("stale etag");
        assert_eq!((stale.http, stale.status), (409, "ABORTED"));
        let cleared = policies
            .set(name, RUN_SERVICE, set(vec![], Some(etag.as_str())))
            .expect("set");
        assert!(cleared.bindings.is_none());
        assert_ne!(cleared.etag, Some(etag));
    }

    #[test]
    fn bad_members_and_roles_are_refused() {
        let (_kit, policies) = policies();
        let member = policies
            .set(
                "r",
                RUN_SERVICE,
                set(vec![binding("roles/run.invoker", &["a@example.com"])], None),
            )
            .expect_err("member");
        assert_eq!(
            member.message,
            "The member a@example.com is of an unknown type. Please set a valid type prefix for the member."
        );
        let role = policies
            .set(
                "r",
                RUN_SERVICE,
                set(vec![binding("roles/storage.admin", &["allUsers"])], None),
            )
            .expect_err("role");
        assert_eq!(
            role.message,
            "Role roles/storage.admin is not supported for this resource."
        );
        policies
            .set(
                "r",
                SECRET,
                set(
                    vec![binding("projects/p/roles/custom", &["group:g@example.com"])],
                    None,
                ),
            )
            .expect("custom roles are accepted");
    }

    #[test]
    fn permissions_of_the_resource_kind_are_granted() {
        let (_kit, policies) = policies();
        let request = |permissions: &[&str]| GoogleIamV1TestIamPermissionsRequest {
            permissions: Some(permissions.iter().map(|p| p.to_string()).collect()),
        };
        let answer = policies
            .test(
                RUN_SERVICE,
                request(&[
                    "run.services.setIamPolicy",
                    "storage.objects.get",
                    "run.routes.invoke",
                ]),
            )
            .expect("test");
        assert_eq!(
            answer.permissions,
            Some(vec![
                "run.services.setIamPolicy".to_string(),
                "run.routes.invoke".to_string()
            ])
        );
        assert!(policies.test(RUN_SERVICE, request(&["run.*"])).is_err());
    }
}
