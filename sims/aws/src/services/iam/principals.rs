//! The read API other parts of the simulator use to authenticate and authorize requests and to
//! assume roles: who is behind an access key, and what IAM says about a user or a role.
//!
//! | call | gives |
//! |---|---|
//! | [`Iam::access_key_identity`] | the owner of an access key ID (an IAM user, or the root user), the key's secret and whether it is active: what SigV4 verification needs |
//! | [`Iam::user_identity`], [`Iam::role_identity`] | a user's or role's name, ID, ARN and path (a role's also its trust policy and session limit) |
//! | [`PrincipalRef::from_arn`] | the user or role an ARN names (`user/...`, `role/...`, or an STS `assumed-role/...` session) |
//! | [`Iam::identity_policies`] | a principal's identity-based policies: for a user its inline and attached managed policies and those of its groups; for a role its inline and attached ones |
//! | [`Iam::permissions_boundary`] | the principal's permissions boundary: its ARN and the default version's document |
//! | [`Iam::principal_tags`] | the principal's tags (`aws:PrincipalTag/...`) |
//! | [`Iam::managed_policy_document`] | a managed policy's default version, by ARN (AWS managed or customer managed) |
//! | [`Iam::note_access_key_use`] | records a key's use, for `GetAccessKeyLastUsed` (the one write here) |
//! | [`Iam::outbound_federation_issuer`] | the account's issuer URL while outbound web identity federation is enabled (STS `GetWebIdentityToken`) |
//!
//! Everything comes out as plain owned data read from the store at the time of the call; no
//! lock is held after a call returns, and nothing here changes what it reads. Documents are the
//! JSON the caller gave IAM, not URL-encoded.
//!
//! What this module must not do: evaluate policies (that is `crate::policy`'s job) or know HTTP.

use simkit::store::StoreError;

use super::access_keys::KeyUse;
use super::policies::Policy;
use super::{Iam, key};

/// A user as authorization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIdentity {
    pub account_id: String,
    pub user_name: String,
    /// `AIDA...`: what `aws:userid` is for a user.
    pub user_id: String,
    pub arn: String,
    pub path: String,
}

/// The owner of an access key, and the key's secret and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyIdentity {
    pub access_key_id: String,
    pub account_id: String,
    pub secret_access_key: String,
    /// Whether the key's status is `Active` (an inactive key must not authenticate).
    pub active: bool,
    /// The IAM user that owns the key; `None` when it is the account's root user's key.
    pub user: Option<UserIdentity>,
}

/// A role as authorization and `AssumeRole` see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleIdentity {
    pub account_id: String,
    pub role_name: String,
    /// `AROA...`: the first half of an assumed-role session's `aws:userid`.
    pub role_id: String,
    pub arn: String,
    pub path: String,
    /// In seconds (3600 to 43200).
    pub max_session_duration: i64,
    /// The trust policy (`AssumeRolePolicyDocument`), as given.
    pub trust_policy: String,
}

/// The kinds of principal IAM holds policies for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Role,
}

/// A user or role, by account and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRef {
    pub kind: PrincipalKind,
    pub account_id: String,
    pub name: String,
}

impl PrincipalRef {
    pub fn user(account_id: &str, name: &str) -> Self {
        Self {
            kind: PrincipalKind::User,
            account_id: account_id.into(),
            name: name.into(),
        }
    }

    pub fn role(account_id: &str, name: &str) -> Self {
        Self {
            kind: PrincipalKind::Role,
            account_id: account_id.into(),
            name: name.into(),
        }
    }

    /// The principal an ARN names: `arn:aws:iam::ACCOUNT:user/PATH/NAME`,
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`, or a role session
    /// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` (which acts with its role's policies).
    /// `None` for anything else (the root user, federated users, services).
    pub fn from_arn(arn: &str) -> Option<Self> {
        if let Some(rest) = arn.strip_prefix("arn:aws:sts::") {
            let (account, resource) = rest.split_once(':')?;
            let mut parts = resource.strip_prefix("assumed-role/")?.split('/');
            let role = parts.next().filter(|name| !name.is_empty())?;
            return Some(Self::role(account, role));
        }
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let (kind, path_and_name) = if let Some(rest) = resource.strip_prefix("user/") {
            (PrincipalKind::User, rest)
        } else {
            (PrincipalKind::Role, resource.strip_prefix("role/")?)
        };
        let name = path_and_name
            .rsplit('/')
            .next()
            .filter(|name| !name.is_empty())?;
        Some(Self {
            kind,
            account_id: account.into(),
            name: name.into(),
        })
    }
}

/// The kinds of entity a policy reaches a principal through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderKind {
    User,
    Group,
    Role,
}

/// One identity-based policy that applies to a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// The inline policy's name, or the managed policy's name.
    pub name: String,
    /// The managed policy's ARN; `None` for an inline policy.
    pub arn: Option<String>,
    /// Whether it is an AWS managed policy (`arn:aws:iam::aws:policy/...`).
    pub aws_managed: bool,
    /// The entity it is embedded in or attached to: the principal itself, or (for a user) one
    /// of its groups.
    pub holder_kind: HolderKind,
    pub holder_name: String,
    /// The document (for a managed policy, its default version), as given to IAM.
    pub document: String,
}

/// A permissions boundary: the managed policy's ARN and its default version's document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    pub arn: String,
    pub document: String,
}

impl Iam {
    /// The owner, secret and state of an access key the simulator issued to an IAM user or a
    /// root user; `None` for a key IAM does not know (STS keys are STS's).
    pub fn access_key_identity(&self, access_key_id: &str) -> Option<AccessKeyIdentity> {
        let stored = self.access_keys.get(access_key_id)?;
        let user = match &stored.user_name {
            Some(name) => Some(self.user_identity(&stored.account_id, name)?),
            None => None,
        };
        Some(AccessKeyIdentity {
            access_key_id: access_key_id.to_string(),
            account_id: stored.account_id,
            secret_access_key: stored.secret_access_key,
            active: stored.status == "Active",
            user,
        })
    }

    pub fn user_identity(&self, account_id: &str, user_name: &str) -> Option<UserIdentity> {
        let user = self.users.get(&key(account_id, user_name))?;
        Some(UserIdentity {
            account_id: user.account_id,
            user_name: user.user_name,
            user_id: user.user_id,
            arn: user.arn,
            path: user.path,
        })
    }

    pub fn role_identity(&self, account_id: &str, role_name: &str) -> Option<RoleIdentity> {
        let role = self.roles.get(&key(account_id, role_name))?;
        Some(RoleIdentity {
            account_id: role.account_id,
            role_name: role.role_name,
            role_id: role.role_id,
            arn: role.arn,
            path: role.path,
            max_session_duration: role.max_session_duration,
            trust_policy: role.assume_role_policy_document,
        })
    }

    /// Every identity-based policy that applies to the principal; `None` if it does not exist.
    /// Managed policies whose document cannot be found (deleted meanwhile) are left out.
    pub fn identity_policies(&self, principal: &PrincipalRef) -> Option<Vec<IdentityPolicy>> {
        let account = &principal.account_id;
        let mut policies = Vec::new();
        match principal.kind {
            PrincipalKind::User => {
                let user = self.users.get(&key(account, &principal.name))?;
                self.collect_policies(
                    &mut policies,
                    HolderKind::User,
                    &user.user_name,
                    &user.inline_policies,
                    &user.attached_policies,
                );
                for group_name in &user.groups {
                    if let Some(group) = self.groups.get(&key(account, group_name)) {
                        self.collect_policies(
                            &mut policies,
                            HolderKind::Group,
                            &group.group_name,
                            &group.inline_policies,
                            &group.attached_policies,
                        );
                    }
                }
            }
            PrincipalKind::Role => {
                let role = self.roles.get(&key(account, &principal.name))?;
                self.collect_policies(
                    &mut policies,
                    HolderKind::Role,
                    &role.role_name,
                    &role.inline_policies,
                    &role.attached_policies,
                );
            }
        }
        Some(policies)
    }

    fn collect_policies(
        &self,
        into: &mut Vec<IdentityPolicy>,
        holder_kind: HolderKind,
        holder_name: &str,
        inline: &std::collections::BTreeMap<String, String>,
        attached: &[String],
    ) {
        into.extend(inline.iter().map(|(name, document)| IdentityPolicy {
            name: name.clone(),
            arn: None,
            aws_managed: false,
            holder_kind,
            holder_name: holder_name.to_string(),
            document: document.clone(),
        }));
        for arn in attached {
            let Some(policy) = self.policy_by_arn(arn) else {
                continue;
            };
            let Some(document) = policy.default_document() else {
                continue;
            };
            into.push(IdentityPolicy {
                name: policy.name().to_string(),
                arn: Some(arn.clone()),
                aws_managed: matches!(policy, Policy::Aws(_)),
                holder_kind,
                holder_name: holder_name.to_string(),
                document,
            });
        }
    }

    /// The principal's permissions boundary, if it has one (and the principal exists).
    pub fn permissions_boundary(&self, principal: &PrincipalRef) -> Option<Boundary> {
        let arn = match principal.kind {
            PrincipalKind::User => {
                self.users
                    .get(&key(&principal.account_id, &principal.name))?
                    .permissions_boundary
            }
            PrincipalKind::Role => {
                self.roles
                    .get(&key(&principal.account_id, &principal.name))?
                    .permissions_boundary
            }
        }?;
        let document = self.managed_policy_document(&arn)?;
        Some(Boundary { arn, document })
    }

    /// The principal's tags as (key, value); `None` if it does not exist.
    pub fn principal_tags(&self, principal: &PrincipalRef) -> Option<Vec<(String, String)>> {
        let tags = match principal.kind {
            PrincipalKind::User => {
                self.users
                    .get(&key(&principal.account_id, &principal.name))?
                    .tags
            }
            PrincipalKind::Role => {
                self.roles
                    .get(&key(&principal.account_id, &principal.name))?
                    .tags
            }
        };
        Some(tags.into_iter().map(|tag| (tag.key, tag.value)).collect())
    }

    /// The default version's document of the managed policy `arn` (AWS managed or customer
    /// managed, in the account the ARN names).
    pub fn managed_policy_document(&self, arn: &str) -> Option<String> {
        self.policy_by_arn(arn)?.default_document()
    }

    /// Records that `access_key_id` signed a request to `service_name` (the endpoint prefix,
    /// `iam`, `logs`) in `region`, for `GetAccessKeyLastUsed`. Keys IAM does not know are
    /// ignored.
    pub fn note_access_key_use(
        &self,
        access_key_id: &str,
        service_name: &str,
        region: &str,
    ) -> Result<(), StoreError> {
        let date_ms = self.now_millis();
        self.access_keys.update(access_key_id, |stored| {
            stored.last_used = Some(KeyUse {
                date_ms,
                service_name: service_name.to_string(),
                region: region.to_string(),
            });
        })?;
        Ok(())
    }
}

impl Iam {
    /// The account's issuer URL while outbound web identity federation is enabled
    /// (`EnableOutboundWebIdentityFederation`); `None` while it is disabled.
    pub fn outbound_federation_issuer(&self, account_id: &str) -> Option<String> {
        let settings = self.accounts.get(account_id)?;
        settings
            .outbound_federation_enabled
            .then_some(settings.outbound_federation_issuer)
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_users_roles_and_role_sessions() {
        let cases = [
            (
                "arn:aws:iam::123456789012:user/alice",
                Some(PrincipalRef::user("123456789012", "alice")),
            ),
            (
                "arn:aws:iam::123456789012:user/team/a/alice",
                Some(PrincipalRef::user("123456789012", "alice")),
            ),
            (
                "arn:aws:iam::123456789012:role/service-role/r",
                Some(PrincipalRef::role("123456789012", "r")),
            ),
            (
                "arn:aws:sts::123456789012:assumed-role/r/session-1",
                Some(PrincipalRef::role("123456789012", "r")),
            ),
            ("arn:aws:iam::123456789012:root", None),
            ("arn:aws:sts::123456789012:federated-user/bob", None),
            ("arn:aws:iam::123456789012:user/", None),
            ("not an arn", None),
        ];
        for (arn, expected) in cases {
            assert_eq!(PrincipalRef::from_arn(arn), expected, "{arn}");
        }
    }
}
