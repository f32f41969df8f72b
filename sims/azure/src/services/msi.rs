//! `Microsoft.ManagedIdentity`: user-assigned managed identities (create or update, get, list
//! in a group or the subscription, tags updated by PATCH, delete). Each gets its principal and
//! client IDs once, in the simulator's tenant, as Azure makes them; an update keeps them.
//!
//! Not served (`NotImplemented`): federated identity credentials, the system-assigned identity
//! of a scope (`identities/default`). Tokens are not yet issued for a user-assigned identity's
//! client ID: workloads sign in as the simulator's one managed identity.
//! What this module must not do: read HTTP or JSON text.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

use super::resources::{Resources, in_scope, resource_location, scoped_key};
use super::{Caller, ResourceProvider};
use crate::error::ArmError;
use crate::shapes::msi::{Identity, IdentityUpdate, UserAssignedIdentityProperties};
use crate::shapes::resources::GenericResourceExpanded;
use crate::shapes::types_v4::SystemData;

pub const NAMESPACE: &str = "Microsoft.ManagedIdentity";
const IDENTITY_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityRecord {
    pub identity: Identity,
    pub subscription: String,
    pub group: String,
}

pub struct ManagedIdentities {
    kit: Kit,
    resources: Arc<Resources>,
    identities: Arc<Collection<IdentityRecord>>,
}

impl std::fmt::Debug for ManagedIdentities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedIdentities").finish_non_exhaustive()
    }
}

/// Azure's rule for identity names: 3 to 128 letters, digits, hyphens and underscores,
/// starting with a letter or digit.
fn valid_name(name: &str) -> bool {
    (3..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
}

impl ManagedIdentities {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        Ok(Arc::new(Self {
            identities: kit.store().collection("msi-user-assigned")?,
            kit,
            resources,
        }))
    }

    /// `PUT`: a new identity gets its IDs; an existing one keeps them. `true` when it is new.
    pub fn put(
        &self,
        caller: &Caller,
        subscription: &str,
        group: &str,
        name: &str,
        request: Identity,
    ) -> Result<(Identity, bool), ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_name(name) {
            return Err(ArmError::InvalidValue {
                property: "resourceName".into(),
                value: name.to_string(),
            });
        }
        let location = resource_location(IDENTITY_TYPE, request.location.as_deref())?;
        let key = scoped_key(subscription, group, name);
        let existing = self.identities.get(&key);
        let now = crate::time::arm_timestamp(self.kit.clock().now_millis());
        let properties = existing
            .as_ref()
            .and_then(|r| r.identity.properties.clone())
            .unwrap_or_else(|| {
                Box::new(UserAssignedIdentityProperties {
                    tenant_id: Some(self.resources.tenant_id().to_string()),
                    principal_id: Some(self.kit.ids().uuid()),
                    client_id: Some(self.kit.ids().uuid()),
                })
            });
        let created_at = existing
            .as_ref()
            .and_then(|r| r.identity.system_data.as_ref())
            .and_then(|d| d.created_at.clone())
            .unwrap_or_else(|| now.clone());
        let identity = Identity {
            id: Some(format!(
                "/subscriptions/{subscription}/resourcegroups/{group_name}/providers/{IDENTITY_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(IDENTITY_TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            properties: Some(properties),
            system_data: Some(Box::new(SystemData {
                created_by: Some(caller.name.clone()),
                created_by_type: Some(caller.kind.to_string()),
                created_at: Some(created_at),
                last_modified_by: Some(caller.name.clone()),
                last_modified_by_type: Some(caller.kind.to_string()),
                last_modified_at: Some(now),
            })),
        };
        self.identities.insert(
            &key,
            IdentityRecord {
                identity: identity.clone(),
                subscription: subscription.to_string(),
                group: group_name,
            },
        )?;
        Ok((identity, existing.is_none()))
    }

    fn record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<IdentityRecord, ArmError> {
        self.resources
            .record_in_group(&self.identities, IDENTITY_TYPE, subscription, group, name)
    }

    pub fn get(&self, subscription: &str, group: &str, name: &str) -> Result<Identity, ArmError> {
        Ok(self.record(subscription, group, name)?.identity)
    }

    /// `PATCH`: tags replaced when given; the IDs never change.
    pub fn update(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
        patch: IdentityUpdate,
    ) -> Result<Identity, ArmError> {
        let mut record = self.record(subscription, group, name)?;
        if let Some(tags) = patch.tags {
            record.identity.tags = Some(tags);
        }
        if let Some(data) = record.identity.system_data.as_mut() {
            data.last_modified_at = Some(crate::time::arm_timestamp(self.kit.clock().now_millis()));
        }
        self.identities
            .insert(&scoped_key(subscription, group, name), record.clone())?;
        Ok(record.identity)
    }

    pub fn list(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, Identity)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.identities, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.identity))
            .collect())
    }

    /// `DELETE`: `false` when there was nothing to delete.
    pub fn delete(&self, subscription: &str, group: &str, name: &str) -> Result<bool, ArmError> {
        match self.record(subscription, group, name) {
            Ok(_) => Ok(self
                .identities
                .remove(&scoped_key(subscription, group, name))?
                .is_some()),
            Err(ArmError::ResourceNotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }
}

impl ResourceProvider for ManagedIdentities {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded> {
        self.identities
            .all()
            .into_iter()
            .filter(|(_, r)| in_scope(&r.subscription, &r.group, subscription, Some(group)))
            .map(|(_, r)| GenericResourceExpanded {
                id: r.identity.id,
                name: r.identity.name,
                r#type: r.identity.r#type,
                location: r.identity.location,
                tags: r.identity.tags,
                ..Default::default()
            })
            .collect()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let prefix = super::resources::group_prefix(subscription, group);
        for (key, _) in self.identities.scan_prefix(&prefix) {
            self.identities.remove(&key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names() {
        for good in ["abc", "my-id_1", "1id", &"a".repeat(128)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["ab", "-id", "_id", "id.x", &"a".repeat(129)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
