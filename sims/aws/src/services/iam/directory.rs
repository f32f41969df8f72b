//! What authorization, STS and the policy simulator read from IAM about a principal, in one
//! piece: its identity, its identity policies (a user's with its groups'), its boundary, its
//! tags, and for a role its trust policy and session limit. Built on the read API in
//! `principals`.
//!
//! Reads only; every answer is a copy taken at the time of the call, so a request is decided on
//! one consistent view of the principal.

use super::Iam;
use super::principals::{PrincipalKind, PrincipalRef};

/// A user or role as authorization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalFacts {
    pub arn: String,
    pub account_id: String,
    pub name: String,
    /// `AIDA...` or `AROA...`.
    pub id: String,
    /// Inline policies (the principal's, then its groups'), then attached managed policies.
    pub policies: Vec<String>,
    pub boundary: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// A role as `AssumeRole` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    pub arn: String,
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub trust_policy: String,
    pub max_session_duration: i64,
    pub policies: Vec<String>,
    pub boundary: Option<String>,
    pub tags: Vec<(String, String)>,
}

impl Iam {
    /// Changes whenever anything [`Iam::principal_facts`] and [`Iam::role_facts`] read may
    /// have changed (users, groups, roles, managed policies), so a reader can keep what it
    /// derived from them while it stays the same. Read it before the facts.
    pub fn principals_version(&self) -> u64 {
        // Each count only grows, so their sum changes when any of them does.
        [
            self.users.version(),
            self.groups.version(),
            self.roles.version(),
            self.policies.version(),
        ]
        .iter()
        .fold(0u64, |sum, version| sum.wrapping_add(*version))
    }

    /// The user or role an ARN names (a role session's ARN names its role), in any account.
    pub fn principal_facts(&self, arn: &str) -> Option<PrincipalFacts> {
        let principal = PrincipalRef::from_arn(arn)?;
        let (arn, id) = match principal.kind {
            PrincipalKind::User => {
                let user = self.user_identity(&principal.account_id, &principal.name)?;
                (user.arn, user.user_id)
            }
            PrincipalKind::Role => {
                let role = self.role_identity(&principal.account_id, &principal.name)?;
                (role.arn, role.role_id)
            }
        };
        Some(PrincipalFacts {
            arn,
            account_id: principal.account_id.clone(),
            name: principal.name.clone(),
            id,
            policies: self
                .identity_policies(&principal)?
                .into_iter()
                .map(|policy| policy.document)
                .collect(),
            boundary: self
                .permissions_boundary(&principal)
                .map(|boundary| boundary.document),
            tags: self.principal_tags(&principal).unwrap_or_default(),
        })
    }

    /// The role an ARN names (`arn:aws:iam::ACCOUNT:role/PATH/NAME`, path included), in any
    /// account.
    pub fn role_facts(&self, arn: &str) -> Option<RoleFacts> {
        let principal = PrincipalRef::from_arn(arn)?;
        if principal.kind != PrincipalKind::Role || !arn.starts_with("arn:aws:iam::") {
            return None;
        }
        let role = self.role_identity(&principal.account_id, &principal.name)?;
        if role.arn != arn {
            return None;
        }
        let facts = self.principal_facts(arn)?;
        Some(RoleFacts {
            arn: role.arn,
            account_id: role.account_id,
            role_name: role.role_name,
            role_id: role.role_id,
            trust_policy: role.trust_policy,
            max_session_duration: role.max_session_duration,
            policies: facts.policies,
            boundary: facts.boundary,
            tags: facts.tags,
        })
    }
}
