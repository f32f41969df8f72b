//! What authorization, STS and the policy simulator read from IAM: a role's trust policy,
//! permission policies, boundary and tags, and the documents behind managed policy ARNs.
//!
//! Reads only; every answer is a copy taken at the time of the call, so a request is decided on
//! one consistent view of the principal.
//!
//! Users, groups and access keys are not read here yet: they arrive with IAM's users (the
//! `principals` read API); until then only the account root, configured keys and sessions call.

use super::{Iam, key, managed};

/// A role as authorization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    pub arn: String,
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub trust_policy: String,
    pub max_session_duration: i64,
    /// Inline policies, then attached managed policies' default versions.
    pub policies: Vec<String>,
    pub boundary: Option<String>,
    pub tags: Vec<(String, String)>,
}

impl Iam {
    /// The role an ARN names (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), in any account.
    pub fn role_facts(&self, arn: &str) -> Option<RoleFacts> {
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
        let role = self.roles.get(&key(account, name))?;
        if role.arn != arn {
            return None;
        }
        let mut policies: Vec<String> = role.inline_policies.values().cloned().collect();
        policies.extend(
            role.attached_policies
                .iter()
                .filter_map(|arn| self.managed_policy_document(arn)),
        );
        Some(RoleFacts {
            arn: role.arn.clone(),
            account_id: role.account_id.clone(),
            role_name: role.role_name.clone(),
            role_id: role.role_id.clone(),
            trust_policy: role.assume_role_policy_document.clone(),
            max_session_duration: role.max_session_duration,
            policies,
            boundary: role
                .permissions_boundary
                .as_deref()
                .and_then(|arn| self.managed_policy_document(arn)),
            tags: role
                .tags
                .iter()
                .map(|tag| (tag.key.clone(), tag.value.clone()))
                .collect(),
        })
    }

    /// The default version's document of a managed policy: an AWS managed one, or a customer
    /// managed one in any account.
    pub fn managed_policy_document(&self, arn: &str) -> Option<String> {
        if let Some(policy) = managed::by_arn(arn) {
            return Some(policy.document.to_string());
        }
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let name = resource.strip_prefix("policy/")?.rsplit('/').next()?;
        let policy = self.policies.get(&key(account, name))?;
        if policy.arn != arn {
            return None;
        }
        policy
            .versions
            .iter()
            .find(|version| version.version_id == policy.default_version_id)
            .map(|version| version.document.clone())
    }
}
