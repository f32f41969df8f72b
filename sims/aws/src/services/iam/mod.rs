//! AWS Identity and Access Management: roles (with trust policies, paths, tags, session limits
//! and permissions boundaries), customer managed policies with versions, a table of common AWS
//! managed policies, inline role policies, attachments, and instance profiles. IAM is global:
//! state is keyed by account only (`123456789012/...`).
//!
//! | module | holds |
//! |---|---|
//! | `roles` | roles, their tags, trust policies and permissions boundaries |
//! | `role_policies` | what a role is granted: attached managed policies and inline policies |
//! | `policies` | customer managed policies, their versions and tags; `ListEntitiesForPolicy` |
//! | `managed` | the built-in AWS managed policies (`arn:aws:iam::aws:policy/...`) |
//! | `instance_profiles` | instance profiles and the role each holds |
//! | `paging` | `Marker`/`MaxItems` pagination shared by every list operation |
//!
//! Policy documents are stored as given and answered URL-encoded, as IAM does (botocore decodes
//! them). They are checked to be JSON objects and to fit IAM's size quotas; their statements
//! are neither validated nor evaluated, and nothing is authorised against them.
//!
//! Relations between records of different collections (a role's attached policies, a profile's
//! role) are changed under one lock, `Iam::relations`, so that a delete and an attach racing
//! each other cannot leave an attachment to something that no longer exists.
//!
//! Limits: users, groups, OIDC/SAML providers, service-linked roles, access keys and the
//! account-level reports are not implemented (they answer `NotImplemented`). AWS managed
//! policies are a small table of the common ones, each with its current default version only.

mod directory;
mod federation;
mod instance_profiles;
mod managed;
mod paging;
mod policies;
mod role_policies;
mod roles;
mod simulation;

use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::{Constraint, Validation, Violation};

pub use directory::RoleFacts;
pub use federation::{OidcProvider, SamlProvider, saml_metadata};
pub use instance_profiles::InstanceProfile;
pub use policies::ManagedPolicy;
pub use roles::Role;

/// What STS needs to know about a role it is asked to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSummary {
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub max_session_duration: i64,
}

/// IAM's documented errors.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    UnmodifiableEntity(String),
    /// Not in IAM's model: the common error IAM answers when a caller acts on something only
    /// AWS may change (an AWS managed policy).
    #[error("{0}")]
    AccessDenied(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<IamError> for AwsError {
    fn from(error: IamError) -> Self {
        let shape = match &error {
            IamError::NoSuchEntity(_) => "NoSuchEntityException",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExistsException",
            IamError::DeleteConflict(_) => "DeleteConflictException",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            IamError::LimitExceeded(_) => "LimitExceededException",
            IamError::InvalidInput(_) => "InvalidInputException",
            IamError::UnmodifiableEntity(_) => "UnmodifiableEntityException",
            IamError::AccessDenied(message) => {
                return AwsError::with_status("AccessDenied", 403, message.clone());
            }
            IamError::Store(_) => return AwsError::internal(),
        };
        AwsError::new(shape, error.to_string())
    }
}

/// A tag, as IAM's shapes name its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// The most tags an IAM resource may carry.
const MAX_TAGS: usize = 50;

/// Adds `new` to `tags` as IAM does: keys match case-insensitively (keeping the new spelling),
/// a tag already present gets the new value, and the result may hold at most 50 tags. `quota`
/// names the quota in the error (`TagsPerRole`).
pub(crate) fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>, quota: &str) -> Result<(), IamError> {
    for (index, tag) in new.iter().enumerate() {
        if new[..index]
            .iter()
            .any(|earlier| earlier.key.eq_ignore_ascii_case(&tag.key))
        {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
    }
    let mut merged = tags.clone();
    for tag in new {
        match merged
            .iter_mut()
            .find(|existing| existing.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(existing) => *existing = tag,
            None => merged.push(tag),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for {quota}: {MAX_TAGS}"
        )));
    }
    *tags = merged;
    Ok(())
}

/// Removes the tags with these keys (matched case-insensitively); absent keys are ignored, as in
/// IAM.
pub(crate) fn remove_tags(tags: &mut Vec<Tag>, keys: &[String]) {
    tags.retain(|tag| !keys.iter().any(|key| key.eq_ignore_ascii_case(&tag.key)));
}

/// One page of a resource's tags, ordered by key.
pub(crate) fn page_tags(
    tags: Vec<Tag>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<paging::Page<Tag>, IamError> {
    paging::paginate(
        tags.into_iter()
            .map(|tag| (tag.key.to_ascii_lowercase(), tag))
            .collect(),
        marker,
        max_items,
    )
}

/// The store key of a named entity: names are unique per account whatever their case or path.
pub(crate) fn key(account_id: &str, name: &str) -> String {
    format!("{account_id}/{}", name.to_ascii_lowercase())
}

/// The characters of IAM's unique IDs after their four-letter type prefix.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub struct Iam {
    pub(crate) kit: Kit,
    pub(crate) roles: Arc<Collection<Role>>,
    pub(crate) policies: Arc<Collection<ManagedPolicy>>,
    pub(crate) instance_profiles: Arc<Collection<InstanceProfile>>,
    pub(crate) oidc_providers: Arc<Collection<OidcProvider>>,
    pub(crate) saml_providers: Arc<Collection<SamlProvider>>,
    /// Held while a change depends on records of another collection (see the module docs).
    relations: Mutex<()>,
}

impl Iam {
    pub fn new(kit: Kit) -> Result<Self, StoreError> {
        let store = kit.store().clone();
        Ok(Self {
            roles: store.collection("iam.roles")?,
            policies: store.collection("iam.policies")?,
            instance_profiles: store.collection("iam.instance_profiles")?,
            oidc_providers: store.collection("iam.oidc_providers")?,
            saml_providers: store.collection("iam.saml_providers")?,
            relations: Mutex::new(()),
            kit,
        })
    }

    /// The role an ARN names (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), for STS.
    pub fn role_by_arn(&self, arn: &str) -> Option<RoleSummary> {
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let path_and_name = resource.strip_prefix("role/")?;
        let name = path_and_name.rsplit('/').next()?;
        let role = self.roles.get(&key(account, name))?;
        (role.arn == arn).then(|| RoleSummary {
            account_id: account.to_string(),
            role_name: role.role_name.clone(),
            role_id: role.role_id.clone(),
            arn: role.arn.clone(),
            max_session_duration: role.max_session_duration,
        })
    }

    /// A new unique ID such as `AROA` + 17 characters.
    pub(crate) fn unique_id(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.kit.ids().random_word(ID_ALPHABET, 17))
    }

    pub(crate) fn now_millis(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// The lock for changes spanning collections. Never held across an `.await` (handlers do
    /// not await while holding it); a poisoned lock only means another handler panicked, and
    /// the records it guards are each written atomically, so it is still usable.
    pub(crate) fn relations(&self) -> MutexGuard<'_, ()> {
        self.relations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// IAM answers policy documents URL-encoded.
pub(crate) fn encode_document(document: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(document, SAFE).to_string()
}

/// Checks a policy document with IAM's grammar (`crate::policy`).
pub(crate) fn check_document(
    document: &str,
    kind: crate::policy::PolicyKind,
) -> Result<(), IamError> {
    crate::policy::check(document, kind).map_err(|error| IamError::MalformedPolicyDocument(error.0))
}

/// A policy's size as IAM's quotas count it: characters other than white space.
pub(crate) fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// IAM's own wording for names and paths that break the model's patterns (seen in AWS's
/// answers), used instead of Coral's generic report.
fn iam_validation_message(violation: &Violation) -> Option<String> {
    if !matches!(violation.constraint, Constraint::Pattern(_)) {
        return None;
    }
    let member = violation.member();
    match member {
        "path" => Some(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
                .into(),
        ),
        "pathPrefix" => Some(
            "The specified value for pathPrefix is invalid. It must begin with the / character and contain only alphanumeric characters and/or / characters."
                .into(),
        ),
        "roleName" | "userName" | "groupName" | "policyName" | "instanceProfileName"
        | "newUserName" | "newGroupName" | "roleSessionName" => Some(format!(
            "The specified value for {member} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"
        )),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Service for Iam {
    fn model(&self) -> &'static Model {
        model::iam()
    }

    fn validation(&self) -> Validation {
        // IAM stopped quoting the offending value in its messages, and words bad names and
        // paths itself.
        Validation {
            code: "ValidationError",
            echo_values: false,
            special: iam_validation_message,
        }
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        crate::operations!("iam", self, ctx, operation, input;
            "CreateRole" => create_role,
            "GetRole" => get_role,
            "ListRoles" => list_roles,
            "UpdateRole" => update_role,
            "UpdateRoleDescription" => update_role_description,
            "UpdateAssumeRolePolicy" => update_assume_role_policy,
            "DeleteRole" => delete_role,
            "PutRolePermissionsBoundary" => put_role_permissions_boundary,
            "DeleteRolePermissionsBoundary" => delete_role_permissions_boundary,
            "TagRole" => tag_role,
            "UntagRole" => untag_role,
            "ListRoleTags" => list_role_tags,
            "AttachRolePolicy" => attach_role_policy,
            "DetachRolePolicy" => detach_role_policy,
            "ListAttachedRolePolicies" => list_attached_role_policies,
            "PutRolePolicy" => put_role_policy,
            "GetRolePolicy" => get_role_policy,
            "DeleteRolePolicy" => delete_role_policy,
            "ListRolePolicies" => list_role_policies,
            "CreatePolicy" => create_policy,
            "GetPolicy" => get_policy,
            "ListPolicies" => list_policies,
            "DeletePolicy" => delete_policy,
            "CreatePolicyVersion" => create_policy_version,
            "GetPolicyVersion" => get_policy_version,
            "ListPolicyVersions" => list_policy_versions,
            "DeletePolicyVersion" => delete_policy_version,
            "SetDefaultPolicyVersion" => set_default_policy_version,
            "TagPolicy" => tag_policy,
            "UntagPolicy" => untag_policy,
            "ListPolicyTags" => list_policy_tags,
            "ListEntitiesForPolicy" => list_entities_for_policy,
            "CreateInstanceProfile" => create_instance_profile,
            "GetInstanceProfile" => get_instance_profile,
            "DeleteInstanceProfile" => delete_instance_profile,
            "AddRoleToInstanceProfile" => add_role_to_instance_profile,
            "RemoveRoleFromInstanceProfile" => remove_role_from_instance_profile,
            "ListInstanceProfiles" => list_instance_profiles,
            "ListInstanceProfilesForRole" => list_instance_profiles_for_role,
            "TagInstanceProfile" => tag_instance_profile,
            "UntagInstanceProfile" => untag_instance_profile,
            "ListInstanceProfileTags" => list_instance_profile_tags,
            // Identity providers, the policy simulator and context keys (federation.rs,
            // simulation.rs).
            "AddClientIDToOpenIDConnectProvider" => add_client_id_to_open_id_connect_provider,
            "CreateOpenIDConnectProvider" => create_open_id_connect_provider,
            "CreateSAMLProvider" => create_saml_provider,
            "DeleteOpenIDConnectProvider" => delete_open_id_connect_provider,
            "DeleteSAMLProvider" => delete_saml_provider,
            "GetContextKeysForCustomPolicy" => get_context_keys_for_custom_policy,
            "GetContextKeysForPrincipalPolicy" => get_context_keys_for_principal_policy,
            "GetOpenIDConnectProvider" => get_open_id_connect_provider,
            "GetSAMLProvider" => get_saml_provider,
            "ListOpenIDConnectProviderTags" => list_open_id_connect_provider_tags,
            "ListOpenIDConnectProviders" => list_open_id_connect_providers,
            "ListSAMLProviderTags" => list_saml_provider_tags,
            "ListSAMLProviders" => list_saml_providers,
            "RemoveClientIDFromOpenIDConnectProvider" => remove_client_id_from_open_id_connect_provider,
            "SimulateCustomPolicy" => simulate_custom_policy,
            "SimulatePrincipalPolicy" => simulate_principal_policy,
            "TagOpenIDConnectProvider" => tag_open_id_connect_provider,
            "TagSAMLProvider" => tag_saml_provider,
            "UntagOpenIDConnectProvider" => untag_open_id_connect_provider,
            "UntagSAMLProvider" => untag_saml_provider,
            "UpdateOpenIDConnectProviderThumbprint" => update_open_id_connect_provider_thumbprint,
            "UpdateSAMLProvider" => update_saml_provider,
        )
    }
}

#[cfg(test)]
mod tests;
