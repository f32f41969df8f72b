//! Entra ID and managed identity as the simulator's clients meet them: service principals that
//! sign in with client credentials, the system-assigned managed identity, and the signed JWT
//! access tokens both receive, which ARM then checks.
//!
//! Tokens are ES256 JWTs signed with one key pair kept in the store (so tokens stay valid across
//! restarts with `--state-dir`), published as a JWKS. Claims follow Entra's v1 access tokens
//! (`aud`, `iss`, `iat`, `nbf`, `exp`, `tid`, `oid`, `sub`, `appid`, `idtyp`).
//!
//! The directory has no app registrations to import: a client ID is registered the first time it
//! signs in, with the secret it used; a later sign-in with another secret is refused as Entra
//! refuses a wrong one (AADSTS7000215). This module never sees HTTP.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

use crate::error::ArmError;

/// How long tokens live, as Entra's default (a little under 90 minutes).
pub const TOKEN_LIFETIME_SECS: i64 = 4_799;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SigningKey {
    pkcs8: String,
    kid: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct App {
    client_id: String,
    secret_sha256: String,
    object_id: String,
}

/// Who a token was issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub object_id: String,
    pub app_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    pub appid: String,
    pub idtyp: String,
    pub ver: String,
}

/// An Entra ID error: OAuth's `error` and an AADSTS code and description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: AADSTS{code}: {description}")]
pub struct EntraError {
    pub error: &'static str,
    pub code: u32,
    pub description: String,
}

impl EntraError {
    fn new(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self {
            error,
            code,
            description: description.into(),
        }
    }
}

pub struct Identity {
    kit: Kit,
    tenant_id: String,
    key: EcdsaKeyPair,
    kid: String,
    apps: Arc<Collection<App>>,
    managed_identity: Principal,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("kid", &self.kid).finish()
    }
}

fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A GUID made from a digest of `seed`, so a principal keeps its object ID across restarts.
fn guid_from(seed: &str) -> String {
    let hex = sha256_hex(seed.as_bytes());
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityStartError {
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
    #[error("the token signing key could not be made or read")]
    Key,
}

impl Identity {
    pub fn new(kit: Kit, tenant_id: &str) -> Result<Self, IdentityStartError> {
        let keys = kit.store().collection::<SigningKey>("identity-keys")?;
        let stored = match keys.get("signing") {
            Some(key) => key,
            None => {
                // ring draws key material from the OS; IDs and clocks are not involved.
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &SystemRandom::new(),
                )
                .map_err(|_| IdentityStartError::Key)?;
                let key = SigningKey {
                    pkcs8: B64.encode(pkcs8.as_ref()),
                    kid: kit.ids().hex(40),
                };
                keys.insert("signing", key.clone())?;
                key
            }
        };
        let pkcs8 = B64
            .decode(&stored.pkcs8)
            .map_err(|_| IdentityStartError::Key)?;
        let key = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| IdentityStartError::Key)?;
        let apps = kit.store().collection::<App>("entra-apps")?;
        let managed_identity = Principal {
            object_id: guid_from(&format!("managed-identity/{tenant_id}")),
            app_id: guid_from(&format!("managed-identity-app/{tenant_id}")),
        };
        Ok(Self {
            kit,
            tenant_id: tenant_id.to_string(),
            key,
            kid: stored.kid,
            apps,
            managed_identity,
        })
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn key_id(&self) -> &str {
        &self.kid
    }

    pub fn managed_identity(&self) -> &Principal {
        &self.managed_identity
    }

    /// The client-credentials grant: the app `client_id` proves itself with `secret`.
    pub fn client_credentials(
        &self,
        tenant: &str,
        client_id: &str,
        secret: Option<&str>,
    ) -> Result<Principal, EntraError> {
        if !self.tenant_matches(tenant) {
            return Err(EntraError::new(
                "invalid_tenant",
                90002,
                format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
            ));
        }
        if client_id.is_empty() {
            return Err(EntraError::new(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            ));
        }
        let Some(secret) = secret.filter(|s| !s.is_empty()) else {
            return Err(EntraError::new(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        };
        let digest = sha256_hex(secret.as_bytes());
        let app = self
            .apps
            .modify(client_id, |slot| -> Result<App, ModifyError> {
                match slot {
                    Some(app) if app.secret_sha256 != digest => Err(ModifyError::Entra(EntraError::new(
                        "invalid_client",
                        7000215,
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"
                            .to_string()
                            + client_id
                            + "'.",
                    ))),
                    Some(app) => Ok(app.clone()),
                    None => {
                        let app = App {
                            client_id: client_id.to_string(),
                            secret_sha256: digest.clone(),
                            object_id: guid_from(&format!("app/{client_id}")),
                        };
                        *slot = Some(app.clone());
                        Ok(app)
                    }
                }
            })
            .map_err(|error| match error {
                ModifyError::Entra(error) => error,
                ModifyError::Store => EntraError::new("server_error", 90000, "The store failed."),
            })?;
        Ok(Principal {
            object_id: app.object_id,
            app_id: app.client_id,
        })
    }

    fn tenant_matches(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(&self.tenant_id)
            || ["common", "organizations"].contains(&tenant.to_ascii_lowercase().as_str())
    }

    /// A signed access token for `principal` and `audience`, and when it expires (seconds).
    pub fn issue(&self, principal: &Principal, audience: &str) -> (String, i64) {
        let now = self.kit.clock().now_millis() / 1000;
        let claims = Claims {
            aud: audience.to_string(),
            iss: format!("https://sts.windows.net/{}/", self.tenant_id),
            iat: now,
            nbf: now,
            exp: now + TOKEN_LIFETIME_SECS,
            tid: self.tenant_id.clone(),
            oid: principal.object_id.clone(),
            sub: principal.object_id.clone(),
            appid: principal.app_id.clone(),
            idtyp: "app".into(),
            ver: "1.0".into(),
        };
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(serde_json::to_string(&claims).unwrap_or_default())
        );
        // Signing only fails when the RNG does, which ring treats as fatal too.
        let signature = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map(|s| B64.encode(s.as_ref()))
            .unwrap_or_default();
        (format!("{signing_input}.{signature}"), claims.exp)
    }

    /// A JWT over `claims`, signed with the directory's key: what other token issuers of the
    /// simulator (ACR's refresh and access tokens) sign with.
    pub fn sign_claims(&self, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        // Signing only fails when the RNG does, which ring treats as fatal too.
        let signature = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map(|s| B64.encode(s.as_ref()))
            .unwrap_or_default();
        format!("{signing_input}.{signature}")
    }

    /// The claims of a token [`Identity::sign_claims`] signed, if its signature holds (its
    /// lifetime is the issuer's to check).
    pub fn verified_claims(&self, token: &str) -> Option<serde_json::Value> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let signature = B64.decode(sig).ok()?;
        signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            self.key.public_key().as_ref(),
        )
        .verify(format!("{header}.{payload}").as_bytes(), &signature)
        .ok()?;
        serde_json::from_slice(&B64.decode(payload).ok()?).ok()
    }

    /// Checks a bearer token's signature and lifetime, as ARM does.
    pub fn verify(&self, token: &str) -> Result<Claims, ArmError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ArmError::InvalidAuthenticationToken);
        };
        let signature = B64
            .decode(sig)
            .map_err(|_| ArmError::InvalidAuthenticationToken)?;
        let public = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            self.key.public_key().as_ref(),
        );
        public
            .verify(format!("{header}.{payload}").as_bytes(), &signature)
            .map_err(|_| ArmError::InvalidAuthenticationToken)?;
        let claims: Claims = B64
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(ArmError::InvalidAuthenticationToken)?;
        let now = self.kit.clock().now_millis() / 1000;
        if claims.exp <= now {
            return Err(ArmError::ExpiredAuthenticationToken {
                expired: crate::time::arm_timestamp(claims.exp * 1000),
                now: crate::time::arm_timestamp(now * 1000),
            });
        }
        Ok(claims)
    }

    /// The JWKS document the discovery endpoints point at.
    pub fn jwks(&self) -> serde_json::Value {
        let public = self.key.public_key().as_ref();
        // An uncompressed P-256 point: 0x04, then x and y.
        let (x, y) = public
            .get(1..)
            .map_or((&[][..], &[][..]), |xy| xy.split_at(32));
        serde_json::json!({"keys": [{
            "kty": "EC", "use": "sig", "crv": "P-256", "alg": "ES256", "kid": self.kid,
            "x": B64.encode(x), "y": B64.encode(y),
        }]})
    }
}

enum ModifyError {
    Entra(EntraError),
    Store,
}

impl From<EntraError> for ModifyError {
    fn from(error: EntraError) -> Self {
        ModifyError::Entra(error)
    }
}

impl From<simkit::store::StoreError> for ModifyError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "store failure in the directory");
        ModifyError::Store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        let kit = Kit::new(simkit::KitConfig::new("azure-test")).unwrap();
        Identity::new(kit, "tenant-1").unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_forged_ones_do_not() {
        let identity = identity();
        let principal = identity
            .client_credentials("tenant-1", "app-1", Some("secret"))
            .unwrap();
        let (token, _) = identity.issue(&principal, "https://management.core.windows.net/");
        let claims = identity.verify(&token).unwrap();
        assert_eq!(claims.appid, "app-1");
        assert_eq!(claims.tid, "tenant-1");
        let mut forged = token.clone();
        forged.insert(token.find('.').unwrap() + 3, 'x');
        assert_eq!(
            identity.verify(&forged),
            Err(ArmError::InvalidAuthenticationToken)
        );
        assert_eq!(
            identity.verify("a.b"),
            Err(ArmError::InvalidAuthenticationToken)
        );
    }

    #[test]
    fn an_app_keeps_the_secret_it_first_used() {
        let identity = identity();
        identity
            .client_credentials("tenant-1", "app", Some("one"))
            .unwrap();
        let error = identity
            .client_credentials("tenant-1", "app", Some("two"))
            .unwrap_err();
        assert_eq!(error.code, 7000215);
        let error = identity
            .client_credentials("other-tenant", "app", Some("one"))
            .unwrap_err();
        assert_eq!(error.code, 90002);
    }
}
