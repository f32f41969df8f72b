//! The operations that make no role session: `GetSessionToken`, `GetFederationToken`,
//! `GetCallerIdentity`, `GetAccessKeyInfo`, `DecodeAuthorizationMessage`, and the three whose
//! prerequisites the simulator does not offer (`AssumeRoot`, `GetDelegatedAccessToken`,
//! `GetWebIdentityToken`), which answer AWS's refusal for that situation.

use sim_aws_shapes::sts::{
    AssumeRootRequest, AssumeRootResponse, DecodeAuthorizationMessageRequest,
    DecodeAuthorizationMessageResponse, FederatedUser, GetAccessKeyInfoRequest,
    GetAccessKeyInfoResponse, GetCallerIdentityRequest, GetCallerIdentityResponse,
    GetDelegatedAccessTokenRequest, GetDelegatedAccessTokenResponse, GetFederationTokenRequest,
    GetFederationTokenResponse, GetSessionTokenRequest, GetSessionTokenResponse,
    GetWebIdentityTokenRequest, GetWebIdentityTokenResponse,
};

use super::assume::SessionAsk;
use super::{Session, Sts, StsError};
use crate::access::PrincipalType;
use crate::services::{Caller, Ctx};

/// The account root's sessions last at most an hour.
const ROOT_MAX_SECONDS: i64 = 3600;

impl Sts {
    pub(super) fn get_caller_identity(
        &self,
        ctx: &Ctx,
        _input: GetCallerIdentityRequest,
    ) -> Result<GetCallerIdentityResponse, StsError> {
        Ok(GetCallerIdentityResponse {
            user_id: Some(ctx.caller.user_id.clone()),
            account: Some(ctx.caller.account_id.clone()),
            arn: Some(ctx.caller.arn.clone()),
        })
    }

    /// Long-term credentials only: a session cannot make another session this way.
    fn long_term_caller(&self, ctx: &Ctx, operation: &str) -> Result<(), StsError> {
        if ctx.caller.session.is_some() {
            return Err(StsError::AccessDenied(format!(
                "Cannot call {operation} with session credentials"
            )));
        }
        Ok(())
    }

    pub(super) fn get_session_token(
        &self,
        ctx: &Ctx,
        input: GetSessionTokenRequest,
    ) -> Result<GetSessionTokenResponse, StsError> {
        self.long_term_caller(ctx, "GetSessionToken")?;
        if input.serial_number.is_some() || input.token_code.is_some() {
            return Err(StsError::AccessDenied(
                "MultiFactorAuthentication failed with invalid MFA one time pass code.".into(),
            ));
        }
        let root = PrincipalType::of(&ctx.caller.arn) == PrincipalType::Account;
        let mut duration = i64::from(input.duration_seconds.unwrap_or(43_200));
        if root {
            duration = duration.min(ROOT_MAX_SECONDS);
        }
        let caller = Caller {
            session: Some(Session {
                parent_user_arn: Some(ctx.caller.arn.clone()),
                ..Session::default()
            }),
            ..ctx.caller.clone()
        };
        let credentials = self.issue(caller, duration)?;
        Ok(GetSessionTokenResponse {
            credentials: Some(credentials),
        })
    }

    pub(super) fn get_federation_token(
        &self,
        ctx: &Ctx,
        input: GetFederationTokenRequest,
    ) -> Result<GetFederationTokenResponse, StsError> {
        self.long_term_caller(ctx, "GetFederationToken")?;
        let policies = self.session_policies(&SessionAsk {
            policy: input.policy.as_deref(),
            policy_arns: input.policy_arns.as_deref(),
            tags: input.tags.as_deref(),
            transitive_tag_keys: None,
        })?;
        let root = PrincipalType::of(&ctx.caller.arn) == PrincipalType::Account;
        let mut duration = i64::from(input.duration_seconds.unwrap_or(43_200));
        if root {
            duration = duration.min(ROOT_MAX_SECONDS);
        }
        let account = &ctx.caller.account_id;
        let federated_user_id = format!("{account}:{}", input.name);
        let arn = format!("arn:aws:sts::{account}:federated-user/{}", input.name);
        let caller = Caller {
            access_key_id: String::new(),
            account_id: account.clone(),
            arn: arn.clone(),
            user_id: federated_user_id.clone(),
            session: Some(Session {
                parent_user_arn: Some(ctx.caller.arn.clone()),
                policies: policies.documents,
                tags: input
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .map(|tag| (tag.key, tag.value))
                    .collect(),
                ..Session::default()
            }),
        };
        let credentials = self.issue(caller, duration)?;
        Ok(GetFederationTokenResponse {
            credentials: Some(credentials),
            federated_user: Some(FederatedUser {
                federated_user_id,
                arn,
            }),
            packed_policy_size: policies.packed_size,
        })
    }

    /// The account a key belongs to: an issued key's session account, a configured key's
    /// account, a 12-digit key's own number, or the default account.
    pub(super) fn get_access_key_info(
        &self,
        ctx: &Ctx,
        input: GetAccessKeyInfoRequest,
    ) -> Result<GetAccessKeyInfoResponse, StsError> {
        let key = &input.access_key_id;
        let account = if let Some(issued) = self.credentials(key) {
            issued.caller.account_id
        } else if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
            key.clone()
        } else {
            self.default_account(key)
                .unwrap_or_else(|| ctx.account_id.clone())
        };
        Ok(GetAccessKeyInfoResponse {
            account: Some(account),
        })
    }

    /// The simulator encodes no authorization messages (its denials carry their reasons in
    /// plain text, as IAM's, Logs' and ECS's do), so no message decodes.
    pub(super) fn decode_authorization_message(
        &self,
        _ctx: &Ctx,
        _input: DecodeAuthorizationMessageRequest,
    ) -> Result<DecodeAuthorizationMessageResponse, StsError> {
        Err(StsError::InvalidAuthorizationMessage(
            "The encoded authorization message is invalid.".into(),
        ))
    }

    /// Needs AWS Organizations with centralized root access; no account here belongs to an
    /// organization, so no principal may assume root in a member account.
    pub(super) fn assume_root(
        &self,
        ctx: &Ctx,
        input: AssumeRootRequest,
    ) -> Result<AssumeRootResponse, StsError> {
        Err(StsError::AccessDenied(format!(
            "User: {} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::{}:root because your account is not part of an organization with centralized root access enabled",
            ctx.caller.arn, input.target_principal
        )))
    }

    /// Trade-in tokens come from AWS's temporary delegation with partners; the simulator
    /// issues none, so none can be traded in.
    pub(super) fn get_delegated_access_token(
        &self,
        _ctx: &Ctx,
        _input: GetDelegatedAccessTokenRequest,
    ) -> Result<GetDelegatedAccessTokenResponse, StsError> {
        Err(StsError::ExpiredTradeInToken(
            "The provided trade-in token is expired or invalid.".into(),
        ))
    }

    /// Outbound web identity federation is off until an account enables it with IAM's
    /// `EnableOutboundWebIdentityFederation`, which the simulator does not offer.
    pub(super) fn get_web_identity_token(
        &self,
        _ctx: &Ctx,
        _input: GetWebIdentityTokenRequest,
    ) -> Result<GetWebIdentityTokenResponse, StsError> {
        Err(StsError::OutboundWebIdentityFederationDisabled(
            "Outbound web identity federation is disabled for this account.".into(),
        ))
    }

    /// The account a configured (`--access-key`) key names, if any.
    fn default_account(&self, key: &str) -> Option<String> {
        self.configured_accounts
            .iter()
            .find(|(id, _)| id == key)
            .map(|(_, account)| account.clone())
    }
}
