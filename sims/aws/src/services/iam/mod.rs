//! AWS Identity and Access Management. IAM is global: state is keyed by account only
//! (`123456789012/...`). Handlers take and return the generated `sim_aws_shapes::iam` types;
//! `api` is the table that joins them to the `Api` trait.
//!
//! | module | holds |
//! |---|---|
//! | `api` | `impl Api for Iam`: one delegating line per operation |
//! | `roles` | roles, their trust policies, tags and permissions boundaries |
//! | `role_policies` | what a role is granted: attached managed policies and inline policies |
//! | `policies` | customer managed policies, their versions and tags; `ListEntitiesForPolicy` |
//! | `managed` | the built-in AWS managed policies (`arn:aws:iam::aws:policy/...`) |
//! | `instance_profiles` | instance profiles and the role each holds |
//! | `users` | users, their tags and boundaries; what belongs to a user alone lives in its record |
//! | `user_policies`, `group_policies` | what users and groups are granted, through `grants` |
//! | `grants` | attached and inline policies, once for users, groups and roles |
//! | `groups` | groups and membership |
//! | `access_keys` | users' and the root user's access keys, and their last use |
//! | `credentials` | users' SSH public keys, signing certificates, service-specific credentials |
//! | `server_certificates` | server certificates (body, chain, tags; checked against their key) |
//! | `service_linked_roles` | roles services create for themselves, with AWS's names and policies |
//! | `access_reports` | service last accessed reports, policies granting service access |
//! | `organizations` | Organizations-dependent operations, delegation requests, outbound federation |
//! | `reports` | the account summary, the credential report, the authorization details |
//! | `keys` | parsing SSH keys, certificates and private keys as IAM checks them |
//! | `login_profiles` | console passwords and `ChangePassword` |
//! | `account` | what IAM keeps about the account itself: password policy, alias, STS preferences |
//! | `passwords` | password rules and salted digests |
//! | `mfa`, `totp` | virtual MFA devices; TOTP codes and QR codes as authenticator apps use them |
//! | `principals` | the read API authorization and STS use: key owners, policies, boundaries, tags |
//! | `tags` | how tag sets change and list, shared by every taggable entity |
//! | `paging` | `Marker`/`MaxItems` over the shared pager, for every list operation |
//!
//! Policy documents are stored as given and answered URL-encoded, as IAM does (botocore decodes
//! them). Every document is checked by `crate::policy::check` and against IAM's size quotas.
//!
//! Records that change together (a role and the policy it attaches, a profile and its role)
//! change in one store transaction, which also serialises the checks that precede the change:
//! a delete and an attach racing each other cannot leave an attachment to something gone.

mod access_keys;
mod access_reports;
mod account;
mod api;
mod credentials;
mod directory;
mod federation;
mod grants;
mod group_policies;
mod groups;
mod instance_profiles;
mod keys;
mod login_profiles;
mod managed;
mod mfa;
mod organizations;
mod paging;
mod passwords;
mod policies;
pub mod principals;
mod reports;
mod role_policies;
mod roles;
mod server_certificates;
mod service_linked_roles;
mod simulation;
mod tags;
mod totp;
mod user_policies;
mod users;

use std::sync::Arc;

use sim_aws_shapes::normal::{Timestamp, Unimplemented};
use simkit::Kit;
use simkit::store::{Collection, StoreError, Txn};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::policy::{self, PolicyKind};
use crate::protocol::shape::{Constraint, Validation, Violation};

pub use access_keys::StoredAccessKey;
pub use access_reports::AccessJob;
pub use account::AccountSettings;
pub use directory::{PrincipalFacts, RoleFacts};
pub use federation::{OidcProvider, SamlProvider, saml_metadata};
pub use groups::Group;
pub use instance_profiles::InstanceProfile;
pub use mfa::StoredMfaDevice;
pub use policies::ManagedPolicy;
pub use reports::CredentialReport;
pub use roles::Role;
pub use server_certificates::StoredServerCertificate;
pub use service_linked_roles::DeletionTask;
pub use users::User;

/// What STS needs to know about a role it is asked to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSummary {
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub max_session_duration: i64,
}

/// IAM's errors, one variant per error shape its operations answer.
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
    #[error("{0}")]
    PasswordPolicyViolation(String),
    #[error("{0}")]
    InvalidUserType(String),
    #[error("{0}")]
    EntityTemporarilyUnmodifiable(String),
    #[error("{0}")]
    InvalidAuthenticationCode(String),
    #[error("{0}")]
    InvalidPublicKey(String),
    #[error("{0}")]
    DuplicateSshPublicKey(String),
    #[error("{0}")]
    UnrecognizedPublicKeyEncoding(String),
    #[error("{0}")]
    MalformedCertificate(String),
    #[error("{0}")]
    DuplicateCertificate(String),
    #[error("{0}")]
    InvalidCertificate(String),
    #[error("{0}")]
    KeyPairMismatch(String),
    #[error("{0}")]
    CredentialReportNotPresent(String),
    #[error("{0}")]
    CredentialReportExpired(String),
    #[error("{0}")]
    CredentialReportNotReady(String),
    #[error("{0}")]
    ReportGenerationLimitExceeded(String),
    #[error("{0}")]
    ServiceNotSupported(String),
    #[error("{0}")]
    ConcurrentModification(String),
    #[error("{0}")]
    FeatureDisabled(String),
    #[error("{0}")]
    FeatureEnabled(String),
    #[error("{0}")]
    OrganizationNotFound(String),
    #[error("{0}")]
    AccountNotManagementOrDelegatedAdministrator(String),
    #[error("{0}")]
    ServiceAccessNotEnabled(String),
    #[error("{0}")]
    CallerIsNotManagementAccount(String),
    #[error("{0}")]
    OrganizationNotInAllFeaturesMode(String),
    /// Not an error shape of IAM's model: the common `ValidationError` IAM answers for checks
    /// beyond the model's constraints (a policy ARN that is not one, a bad marker).
    #[error("{0}")]
    Validation(String),
    /// Not an error shape of IAM's model: the common error IAM answers when a caller acts on
    /// something only AWS may change (an AWS managed policy).
    #[error("{0}")]
    AccessDenied(String),
    /// IAM's own internal failure (`ServiceFailure`, 500): our bug, logged where it happens.
    #[error("{0}")]
    ServiceFailure(String),
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IamError {
    /// The model's error shape for the errors IAM's model declares.
    fn shape(&self) -> Option<&'static str> {
        Some(match self {
            IamError::NoSuchEntity(_) => "NoSuchEntityException",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExistsException",
            IamError::DeleteConflict(_) => "DeleteConflictException",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            IamError::LimitExceeded(_) => "LimitExceededException",
            IamError::InvalidInput(_) => "InvalidInputException",
            IamError::UnmodifiableEntity(_) => "UnmodifiableEntityException",
            IamError::ServiceFailure(_) => "ServiceFailureException",
            IamError::PasswordPolicyViolation(_) => "PasswordPolicyViolationException",
            IamError::InvalidUserType(_) => "InvalidUserTypeException",
            IamError::EntityTemporarilyUnmodifiable(_) => "EntityTemporarilyUnmodifiableException",
            IamError::InvalidAuthenticationCode(_) => "InvalidAuthenticationCodeException",
            IamError::InvalidPublicKey(_) => "InvalidPublicKeyException",
            IamError::DuplicateSshPublicKey(_) => "DuplicateSSHPublicKeyException",
            IamError::UnrecognizedPublicKeyEncoding(_) => "UnrecognizedPublicKeyEncodingException",
            IamError::MalformedCertificate(_) => "MalformedCertificateException",
            IamError::DuplicateCertificate(_) => "DuplicateCertificateException",
            IamError::InvalidCertificate(_) => "InvalidCertificateException",
            IamError::KeyPairMismatch(_) => "KeyPairMismatchException",
            IamError::CredentialReportNotPresent(_) => "CredentialReportNotPresentException",
            IamError::CredentialReportExpired(_) => "CredentialReportExpiredException",
            IamError::CredentialReportNotReady(_) => "CredentialReportNotReadyException",
            IamError::ReportGenerationLimitExceeded(_) => "ReportGenerationLimitExceededException",
            IamError::ServiceNotSupported(_) => "ServiceNotSupportedException",
            IamError::ConcurrentModification(_) => "ConcurrentModificationException",
            IamError::FeatureDisabled(_) => "FeatureDisabledException",
            IamError::FeatureEnabled(_) => "FeatureEnabledException",
            IamError::OrganizationNotFound(_) => "OrganizationNotFoundException",
            IamError::AccountNotManagementOrDelegatedAdministrator(_) => {
                "AccountNotManagementOrDelegatedAdministratorException"
            }
            IamError::ServiceAccessNotEnabled(_) => "ServiceAccessNotEnabledException",
            IamError::CallerIsNotManagementAccount(_) => "CallerIsNotManagementAccountException",
            IamError::OrganizationNotInAllFeaturesMode(_) => {
                "OrganizationNotInAllFeaturesModeException"
            }
            IamError::Validation(_)
            | IamError::AccessDenied(_)
            | IamError::Unimplemented(_)
            | IamError::Store(_) => return None,
        })
    }
}

impl From<IamError> for AwsError {
    fn from(error: IamError) -> Self {
        if let Some(shape) = error.shape() {
            return AwsError::new(shape, error.to_string());
        }
        match error {
            IamError::Validation(message) => AwsError::with_status("ValidationError", 400, message),
            IamError::AccessDenied(message) => AwsError::with_status("AccessDenied", 403, message),
            IamError::Unimplemented(unimplemented) => unimplemented.into(),
            IamError::Store(store) => {
                tracing::error!(error = %store, "IAM store failure");
                AwsError::internal()
            }
            // Every other variant has a shape, answered above.
            other => AwsError::new("ServiceFailureException", other.to_string()),
        }
    }
}

/// The store key of a named entity: names are unique per account whatever their case or path.
pub(crate) fn key(account_id: &str, name: &str) -> String {
    format!("{account_id}/{}", name.to_ascii_lowercase())
}

/// The key prefix of everything an account holds in one collection.
pub(crate) fn account_prefix(account_id: &str) -> String {
    format!("{account_id}/")
}

/// The characters of IAM's unique IDs after their four-letter type prefix.
pub(crate) const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub struct Iam {
    pub(crate) kit: Kit,
    pub(crate) roles: Arc<Collection<Role>>,
    pub(crate) policies: Arc<Collection<ManagedPolicy>>,
    pub(crate) instance_profiles: Arc<Collection<InstanceProfile>>,
    pub(crate) oidc_providers: Arc<Collection<OidcProvider>>,
    pub(crate) saml_providers: Arc<Collection<SamlProvider>>,
    pub(crate) users: Arc<Collection<User>>,
    pub(crate) groups: Arc<Collection<Group>>,
    /// By access key ID (IDs are unique across accounts).
    pub(crate) access_keys: Arc<Collection<StoredAccessKey>>,
    /// Per account: what IAM keeps about the account itself.
    pub(crate) accounts: Arc<Collection<AccountSettings>>,
    pub(crate) mfa_devices: Arc<Collection<StoredMfaDevice>>,
    pub(crate) server_certificates: Arc<Collection<StoredServerCertificate>>,
    /// Access report jobs, by account and job ID.
    pub(crate) access_jobs: Arc<Collection<AccessJob>>,
    /// Service-linked role deletion tasks, by account and task ID.
    pub(crate) deletion_tasks: Arc<Collection<DeletionTask>>,
    /// Per account: the latest credential report.
    pub(crate) credential_reports: Arc<Collection<CredentialReport>>,
    /// Account alias to account ID (aliases are unique across accounts).
    pub(crate) account_aliases: Arc<Collection<String>>,
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
            users: store.collection("iam.users")?,
            groups: store.collection("iam.groups")?,
            access_keys: store.collection("iam.access_keys")?,
            accounts: store.collection("iam.accounts")?,
            account_aliases: store.collection("iam.account_aliases")?,
            mfa_devices: store.collection("iam.mfa_devices")?,
            server_certificates: store.collection("iam.server_certificates")?,
            credential_reports: store.collection("iam.credential_reports")?,
            deletion_tasks: store.collection("iam.deletion_tasks")?,
            access_jobs: store.collection("iam.access_jobs")?,
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

    /// Now, to the second: IAM's dates carry no fractions.
    pub(crate) fn now_millis(&self) -> i64 {
        self.kit.clock().now_millis().div_euclid(1000) * 1000
    }

    /// Refuses a new entity when the account already holds `quota.1` of its kind, in AWS's
    /// words (`Cannot exceed quota for RolesPerAccount: 1000`).
    pub(crate) fn check_account_quota<V: simkit::store::Record>(
        &self,
        txn: &Txn<'_>,
        collection: &Collection<V>,
        ctx: &Ctx,
        (name, limit): (&str, usize),
    ) -> Result<(), IamError> {
        if txn
            .scan_prefix(collection, &account_prefix(&ctx.account_id))?
            .len()
            >= limit
        {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for {name}: {limit}"
            )));
        }
        Ok(())
    }

    /// Stores a new named entity of the caller's account in one transaction: refused with
    /// `taken()` when its name is in use (in any case), and when the account's quota is full.
    pub(crate) fn insert_new<V: simkit::store::Record>(
        &self,
        collection: &Collection<V>,
        ctx: &Ctx,
        name: &str,
        value: V,
        quota: (&str, usize),
        taken: impl FnOnce() -> IamError,
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            let entity_key = key(&ctx.account_id, name);
            if txn.contains(collection, &entity_key)? {
                return Err(taken());
            }
            self.check_account_quota(txn, collection, ctx, quota)?;
            txn.insert(collection, &entity_key, value)?;
            Ok(())
        })
    }

    /// Runs `body` as one atomic change of IAM's records (see the module docs).
    pub(crate) fn transaction<R>(
        &self,
        body: impl FnOnce(&mut Txn<'_>) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        self.kit.store().transaction(body)
    }
}

/// A stored time as the shapes carry it.
pub(crate) fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis)
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

/// Checks a policy document of `kind` as IAM does, then its size against `quota` (characters
/// other than white space, as IAM counts them), naming the quota as IAM does when it is
/// exceeded (`PolicySize`, `ACLSizePerRole`).
pub(crate) fn check_document(
    document: &str,
    kind: PolicyKind,
    quota: Option<(&str, usize)>,
) -> Result<(), IamError> {
    policy::check(document, kind)
        .map_err(|malformed| IamError::MalformedPolicyDocument(malformed.0))?;
    if let Some((name, limit)) = quota
        && policy_size(document) > limit
    {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for {name}: {limit}"
        )));
    }
    Ok(())
}

/// A policy's size as IAM's quotas count it: characters other than white space.
pub(crate) fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Whether an entity's path falls under a `PathPrefix` filter (`/` when absent).
pub(crate) fn under(path: &str, prefix: Option<&str>) -> bool {
    path.starts_with(prefix.unwrap_or("/"))
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
        super::dispatched(
            "iam",
            operation,
            sim_aws_shapes::iam::dispatch(self, ctx, operation, input).await,
        )
    }
}

#[cfg(test)]
mod tests;
