//! AWS Security Token Service: who is calling (`GetCallerIdentity`), temporary credentials for
//! a role (`AssumeRole`) or for the caller (`GetSessionToken`), and the account behind a key
//! (`GetAccessKeyInfo`).
//!
//! Temporary credentials are stored; the dispatcher resolves a request's access key through
//! [`Sts::credentials`], so a client that assumed a role then calls as that role, and under
//! `--strict-auth` its signature is checked with the issued secret.
//!
//! Limits: trust policies and permission policies are not evaluated; AssumeRole checks that the
//! role exists and that the duration fits its `MaxSessionDuration`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::{Timestamp, Unimplemented};
use sim_aws_shapes::sts::{
    Api, AssumeRoleRequest, AssumeRoleResponse, AssumedRoleUser, Credentials,
    GetAccessKeyInfoRequest, GetAccessKeyInfoResponse, GetCallerIdentityResponse,
    GetSessionTokenRequest, GetSessionTokenResponse,
};
use simkit::Kit;
use simkit::store::Collection;

use super::iam::Iam;
use super::{Caller, Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

/// Temporary credentials the simulator issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration_ms: i64,
    pub caller: Caller,
}

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
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
}

impl From<StsError> for AwsError {
    fn from(error: StsError) -> Self {
        match error {
            StsError::AccessDenied(message) => AwsError::with_status("AccessDenied", 403, message),
            StsError::Validation(message) => AwsError::with_status("ValidationError", 400, message),
            StsError::MalformedPolicyDocument(message) => {
                AwsError::new("MalformedPolicyDocumentException", message)
            }
            StsError::Store(error) => error.into(),
            StsError::Unimplemented(unimplemented) => unimplemented.into(),
        }
    }
}

pub struct Sts {
    kit: Kit,
    iam: Arc<Iam>,
    issued: Arc<Collection<IssuedCredentials>>,
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Sts {
    pub fn new(kit: Kit, iam: Arc<Iam>) -> Result<Self, simkit::store::StoreError> {
        let issued = kit.store().collection("sts.credentials")?;
        Ok(Self { kit, iam, issued })
    }

    /// The temporary credentials behind `access_key_id`, if the simulator issued them.
    pub fn credentials(&self, access_key_id: &str) -> Option<IssuedCredentials> {
        self.issued.get(access_key_id)
    }

    /// Issues temporary credentials for `caller`, valid for `duration_seconds`.
    pub fn issue(&self, caller: Caller, duration_seconds: i64) -> Result<Credentials, StsError> {
        let ids = self.kit.ids();
        let access_key_id = format!("ASIA{}", ids.random_word(KEY_ALPHABET, 16));
        let secret_access_key = ids.random_word(SECRET_ALPHABET, 40);
        // Real session tokens are long opaque base64; length matters to some clients' buffers.
        let session_token = format!("FwoGZXIvYXdzE{}", ids.random_word(SECRET_ALPHABET, 300));
        let expiration = self.kit.clock().now_millis() + duration_seconds * 1000;
        let caller = Caller {
            access_key_id: access_key_id.clone(),
            ..caller
        };
        self.issued.insert(
            &access_key_id,
            IssuedCredentials {
                secret_access_key: secret_access_key.clone(),
                session_token: session_token.clone(),
                expiration_ms: expiration,
                caller,
            },
        )?;
        Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token,
            expiration: Timestamp::from_millis(expiration),
        })
    }

    /// Whether `arn` names a role that exists.
    pub fn role_exists(&self, arn: &str) -> bool {
        self.iam.role_by_arn(arn).is_some()
    }

    /// Credentials for a role a service assumes on a caller's behalf (ECS's task role): the
    /// session is named `session_name`, as ECS names it after the task.
    pub fn credentials_for_role(
        &self,
        role_arn: &str,
        session_name: &str,
        duration_seconds: i64,
    ) -> Result<Credentials, StsError> {
        let role = self
            .iam
            .role_by_arn(role_arn)
            .ok_or_else(|| StsError::AccessDenied(format!("Role {role_arn} does not exist")))?;
        let caller = Caller {
            access_key_id: String::new(),
            account_id: role.account_id.clone(),
            arn: format!(
                "arn:aws:sts::{}:assumed-role/{}/{session_name}",
                role.account_id, role.role_name
            ),
            user_id: format!("{}:{session_name}", role.role_id),
        };
        self.issue(caller, duration_seconds)
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
        super::dispatched(sim_aws_shapes::sts::dispatch(self, ctx, operation, input).await)
    }
}

#[async_trait::async_trait]
impl Api for Sts {
    type Ctx = Ctx;
    type Error = StsError;

    async fn get_caller_identity(
        &self,
        ctx: &Ctx,
        _input: sim_aws_shapes::sts::GetCallerIdentityRequest,
    ) -> Result<GetCallerIdentityResponse, StsError> {
        Ok(GetCallerIdentityResponse {
            user_id: Some(ctx.caller.user_id.clone()),
            account: Some(ctx.caller.account_id.clone()),
            arn: Some(ctx.caller.arn.clone()),
        })
    }

    async fn assume_role(
        &self,
        ctx: &Ctx,
        input: AssumeRoleRequest,
    ) -> Result<AssumeRoleResponse, StsError> {
        let denied = || {
            StsError::AccessDenied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                ctx.caller.arn, input.role_arn
            ))
        };
        let role = self.iam.role_by_arn(&input.role_arn).ok_or_else(denied)?;
        let duration = i64::from(input.duration_seconds.unwrap_or(3600));
        if duration > role.max_session_duration {
            return Err(StsError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        if let Some(policy) = &input.policy
            && serde_json::from_str::<serde_json::Value>(policy).is_err()
        {
            return Err(StsError::MalformedPolicyDocument(
                "The policy is not in the valid JSON format.".into(),
            ));
        }
        let assumed_role_id = format!("{}:{}", role.role_id, input.role_session_name);
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            role.account_id, role.role_name, input.role_session_name
        );
        let caller = Caller {
            access_key_id: String::new(),
            account_id: role.account_id.clone(),
            arn: arn.clone(),
            user_id: assumed_role_id.clone(),
        };
        let credentials = self.issue(caller, duration)?;
        Ok(AssumeRoleResponse {
            credentials: Some(credentials),
            assumed_role_user: Some(AssumedRoleUser {
                assumed_role_id,
                arn,
            }),
            packed_policy_size: Some(if input.policy.is_some() { 6 } else { 0 }),
            source_identity: input.source_identity,
        })
    }

    async fn get_session_token(
        &self,
        ctx: &Ctx,
        input: GetSessionTokenRequest,
    ) -> Result<GetSessionTokenResponse, StsError> {
        if ctx.caller.access_key_id.starts_with("ASIA")
            && self.issued.contains(&ctx.caller.access_key_id)
        {
            return Err(StsError::AccessDenied(
                "Cannot call GetSessionToken with session credentials".into(),
            ));
        }
        let duration = i64::from(input.duration_seconds.unwrap_or(43_200));
        let credentials = self.issue(ctx.caller.clone(), duration)?;
        Ok(GetSessionTokenResponse {
            credentials: Some(credentials),
        })
    }

    async fn get_access_key_info(
        &self,
        ctx: &Ctx,
        input: GetAccessKeyInfoRequest,
    ) -> Result<GetAccessKeyInfoResponse, StsError> {
        let account = self
            .credentials(&input.access_key_id)
            .map_or_else(|| ctx.account_id.clone(), |issued| issued.caller.account_id);
        Ok(GetAccessKeyInfoResponse {
            account: Some(account),
        })
    }
}
