//! AWS Security Token Service: who is calling, and temporary credentials for roles, federated
//! users and sessions.
//!
//! | module | holds |
//! |---|---|
//! | `session` | [`Session`], issued credentials and how the dispatcher finds them |
//! | `assume` | `AssumeRole` (trust policy, session policies, tags, source identity, chaining) |
//! | `tokens` | `GetSessionToken`, `GetFederationToken`, `GetCallerIdentity`, `GetAccessKeyInfo`, `DecodeAuthorizationMessage`, `AssumeRoot`, `GetDelegatedAccessToken`, `GetWebIdentityToken` |
//! | `web_identity` | `AssumeRoleWithWebIdentity`: JWT checks against the account's OIDC provider |
//! | `jwt` | JSON Web Tokens: decoding, RS256/ES256 signatures against a JWK set |
//! | `discovery` | fetching a provider's discovery document and keys over TLS pinned by thumbprint |
//! | `saml` | `AssumeRoleWithSAML` |
//!
//! Temporary credentials are stored; the dispatcher resolves a request's access key through
//! [`Sts::credentials`], so a client that assumed a role then calls as that role, and under
//! `--strict-auth` its signature is checked with the issued secret.
//!
//! Limits: `AssumeRoleWithSAML` verifies no XML signatures (see `saml`), so it refuses every
//! assertion as one whose signature cannot be verified; `AssumeRoot` needs AWS Organizations'
//! centralized root access and `GetWebIdentityToken` needs outbound web identity federation,
//! neither of which the simulator offers, so both answer AWS's refusal; no MFA device exists,
//! so `SerialNumber`/`TokenCode` are refused.

mod assume;
mod discovery;
mod jwt;
mod saml;
mod session;
mod tokens;
mod web_identity;

use std::sync::Arc;

use sim_aws_shapes::normal::Unimplemented;
use sim_aws_shapes::sts::{
    Api, AssumeRoleRequest, AssumeRoleResponse, AssumeRoleWithSAMLRequest,
    AssumeRoleWithSAMLResponse, AssumeRoleWithWebIdentityRequest,
    AssumeRoleWithWebIdentityResponse, AssumeRootRequest, AssumeRootResponse,
    DecodeAuthorizationMessageRequest, DecodeAuthorizationMessageResponse, GetAccessKeyInfoRequest,
    GetAccessKeyInfoResponse, GetCallerIdentityRequest, GetCallerIdentityResponse,
    GetDelegatedAccessTokenRequest, GetDelegatedAccessTokenResponse, GetFederationTokenRequest,
    GetFederationTokenResponse, GetSessionTokenRequest, GetSessionTokenResponse,
    GetWebIdentityTokenRequest, GetWebIdentityTokenResponse,
};
use simkit::Kit;
use simkit::store::Collection;

use super::iam::Iam;
use super::{Ctx, Service};
use crate::access::Access;
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

pub use session::{IssuedCredentials, Session};

/// STS's documented errors, and the common ones it answers.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    PackedPolicyTooLarge(String),
    #[error("{0}")]
    InvalidIdentityToken(String),
    #[error("{0}")]
    IdpRejectedClaim(String),
    #[error("{0}")]
    IdpCommunicationError(String),
    #[error("{0}")]
    ExpiredToken(String),
    #[error("{0}")]
    InvalidAuthorizationMessage(String),
    #[error("{0}")]
    ExpiredTradeInToken(String),
    #[error("{0}")]
    OutboundWebIdentityFederationDisabled(String),
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
}

impl From<StsError> for AwsError {
    fn from(error: StsError) -> Self {
        let shape = match &error {
            StsError::AccessDenied(message) => {
                return AwsError::with_status("AccessDenied", 403, message.clone());
            }
            StsError::Validation(message) => {
                return AwsError::with_status("ValidationError", 400, message.clone());
            }
            StsError::Store(error) => {
                tracing::error!(%error, "state store failure");
                return AwsError::internal();
            }
            StsError::Unimplemented(unimplemented) => return (*unimplemented).into(),
            StsError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            StsError::PackedPolicyTooLarge(_) => "PackedPolicyTooLargeException",
            StsError::InvalidIdentityToken(_) => "InvalidIdentityTokenException",
            StsError::IdpRejectedClaim(_) => "IDPRejectedClaimException",
            StsError::IdpCommunicationError(_) => "IDPCommunicationErrorException",
            StsError::ExpiredToken(_) => "ExpiredTokenException",
            StsError::InvalidAuthorizationMessage(_) => "InvalidAuthorizationMessageException",
            StsError::ExpiredTradeInToken(_) => "ExpiredTradeInTokenException",
            StsError::OutboundWebIdentityFederationDisabled(_) => {
                "OutboundWebIdentityFederationDisabledException"
            }
        };
        AwsError::new(shape, error.to_string())
    }
}

pub struct Sts {
    kit: Kit,
    iam: Arc<Iam>,
    access: Arc<Access>,
    issued: Arc<Collection<IssuedCredentials>>,
    /// Whether identity policies are enforced (`--enforce-iam`): then a caller's own policies
    /// must allow `sts:AssumeRole` too, not only the role's trust policy.
    enforce: bool,
    /// The configured (`--access-key`) keys and their accounts, for `GetAccessKeyInfo`.
    configured_accounts: Vec<(String, String)>,
}

impl Sts {
    pub fn new(
        kit: Kit,
        iam: Arc<Iam>,
        access: Arc<Access>,
        enforce: bool,
        configured_accounts: Vec<(String, String)>,
    ) -> Result<Self, simkit::store::StoreError> {
        let issued = kit.store().collection("sts.credentials")?;
        Ok(Self {
            kit,
            iam,
            access,
            issued,
            enforce,
            configured_accounts,
        })
    }
}

#[async_trait::async_trait]
impl Service for Sts {
    fn model(&self) -> &'static Model {
        model::sts()
    }

    fn validation(&self) -> Validation {
        Validation::standard("ValidationError")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "sts",
            operation,
            sim_aws_shapes::sts::dispatch(self, ctx, operation, input).await,
        )
    }
}

#[async_trait::async_trait]
impl Api for Sts {
    type Ctx = Ctx;
    type Error = StsError;

    async fn assume_role(
        &self,
        ctx: &Ctx,
        input: AssumeRoleRequest,
    ) -> Result<AssumeRoleResponse, StsError> {
        Sts::assume_role(self, ctx, input)
    }

    async fn assume_role_with_saml(
        &self,
        ctx: &Ctx,
        input: AssumeRoleWithSAMLRequest,
    ) -> Result<AssumeRoleWithSAMLResponse, StsError> {
        Sts::assume_role_with_saml(self, ctx, input)
    }

    async fn assume_role_with_web_identity(
        &self,
        ctx: &Ctx,
        input: AssumeRoleWithWebIdentityRequest,
    ) -> Result<AssumeRoleWithWebIdentityResponse, StsError> {
        Sts::assume_role_with_web_identity(self, ctx, input).await
    }

    async fn assume_root(
        &self,
        ctx: &Ctx,
        input: AssumeRootRequest,
    ) -> Result<AssumeRootResponse, StsError> {
        Sts::assume_root(self, ctx, input)
    }

    async fn decode_authorization_message(
        &self,
        ctx: &Ctx,
        input: DecodeAuthorizationMessageRequest,
    ) -> Result<DecodeAuthorizationMessageResponse, StsError> {
        Sts::decode_authorization_message(self, ctx, input)
    }

    async fn get_access_key_info(
        &self,
        ctx: &Ctx,
        input: GetAccessKeyInfoRequest,
    ) -> Result<GetAccessKeyInfoResponse, StsError> {
        Sts::get_access_key_info(self, ctx, input)
    }

    async fn get_caller_identity(
        &self,
        ctx: &Ctx,
        input: GetCallerIdentityRequest,
    ) -> Result<GetCallerIdentityResponse, StsError> {
        Sts::get_caller_identity(self, ctx, input)
    }

    async fn get_delegated_access_token(
        &self,
        ctx: &Ctx,
        input: GetDelegatedAccessTokenRequest,
    ) -> Result<GetDelegatedAccessTokenResponse, StsError> {
        Sts::get_delegated_access_token(self, ctx, input)
    }

    async fn get_federation_token(
        &self,
        ctx: &Ctx,
        input: GetFederationTokenRequest,
    ) -> Result<GetFederationTokenResponse, StsError> {
        Sts::get_federation_token(self, ctx, input)
    }

    async fn get_session_token(
        &self,
        ctx: &Ctx,
        input: GetSessionTokenRequest,
    ) -> Result<GetSessionTokenResponse, StsError> {
        Sts::get_session_token(self, ctx, input)
    }

    async fn get_web_identity_token(
        &self,
        ctx: &Ctx,
        input: GetWebIdentityTokenRequest,
    ) -> Result<GetWebIdentityTokenResponse, StsError> {
        Sts::get_web_identity_token(self, ctx, input)
    }
}
