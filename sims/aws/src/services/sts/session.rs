//! Temporary credentials: what a session carries, how credentials are issued and stored, and
//! how the dispatcher and ECS find them.
//!
//! A session remembers what limits it for as long as it lives: the role it is a session of,
//! the session policies passed when it was made (as documents, so a later change to a managed
//! policy named in `PolicyArns` does not widen it), its tags (and which are transitive), its
//! source identity, and for federation the provider that vouched for it.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::sts::Credentials;

use super::{Sts, StsError};
use crate::services::Caller;

/// What temporary credentials carry besides the caller's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The role an assumed-role session belongs to.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// For `GetFederationToken` and `GetSessionToken`: the long-term identity that asked.
    #[serde(default)]
    pub parent_user_arn: Option<String>,
    /// Session policies (inline and `PolicyArns`' documents).
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub transitive_tag_keys: Vec<String>,
    #[serde(default)]
    pub source_identity: Option<String>,
    /// The identity provider of a web identity or SAML session (`aws:FederatedProvider`).
    #[serde(default)]
    pub federated_provider: Option<String>,
    #[serde(default)]
    pub issued_ms: i64,
}

/// Temporary credentials the simulator issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration_ms: i64,
    pub caller: Caller,
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Sts {
    /// The temporary credentials behind `access_key_id`, if the simulator issued them.
    pub fn credentials(&self, access_key_id: &str) -> Option<IssuedCredentials> {
        self.issued.get(access_key_id)
    }

    /// Issues temporary credentials for `caller`, valid for `duration_seconds`.
    pub(super) fn issue(
        &self,
        caller: Caller,
        duration_seconds: i64,
    ) -> Result<Credentials, StsError> {
        let ids = self.kit.ids();
        let access_key_id = format!("ASIA{}", ids.random_word(KEY_ALPHABET, 16));
        let secret_access_key = ids.random_word(SECRET_ALPHABET, 40);
        // Real session tokens are long opaque base64; length matters to some clients' buffers.
        let session_token = format!("FwoGZXIvYXdzE{}", ids.random_word(SECRET_ALPHABET, 300));
        let now = self.kit.clock().now_millis();
        let expiration = now + duration_seconds * 1000;
        let mut caller = Caller {
            access_key_id: access_key_id.clone(),
            ..caller
        };
        if let Some(session) = &mut caller.session {
            session.issued_ms = now;
        }
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
            session: Some(Session {
                role_arn: Some(role.arn.clone()),
                ..Session::default()
            }),
        };
        self.issue(caller, duration_seconds)
    }
}
