//! ACR's side of simkit's registry ([`simkit::registry::Provider`]) and ACR's token service.
//!
//! Addressing: a request's host `NAME.azurecr.io` (Host header, TLS SNI, or a tunnel through
//! the simulator as `HTTPS_PROXY`) names registry NAME; its namespace in the OCI registry is the
//! lower-cased name. Credentials, as ACR takes them on `/v2/`:
//! - `Basic` with the admin user (the registry's name and either password) while the admin user
//!   is enabled;
//! - `Basic` with user `00000000-0000-0000-0000-000000000000` and an ACR refresh token (what
//!   `az acr login` hands docker);
//! - `Bearer` with an ACR access token for this registry.
//!
//! Tokens: `/oauth2/exchange` trades an Entra ID access token for a refresh token (3 hours);
//! `/oauth2/token` trades a refresh token, or the admin user's password, for an access token
//! (75 minutes) whose `access` claim lists the scopes asked for. Both are JWTs signed by the
//! simulator's directory key, audience the login server.
//!
//! Limits: every authenticated caller gets the actions it asks for (no RBAC or scope maps), and
//! an access token is good for the whole registry, whatever its `access` claim names.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use simkit::Kit;
use simkit::registry::{Challenge, Code, Digest, Provider, RegistryError, RequestHead};
use simkit::store::Collection;

use super::{LOGIN_SUFFIX, RegistryRecord, registry_of_host};
use crate::identity::Identity;

/// The user name that carries a refresh token in place of a password.
pub const TOKEN_USER: &str = "00000000-0000-0000-0000-000000000000";
const REFRESH_LIFETIME_SECS: i64 = 3 * 3600;
const ACCESS_LIFETIME_SECS: i64 = 75 * 60;
const ISSUER: &str = "Azure Container Registry";

/// Why a token request was refused: the status and ACR's error body's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl TokenError {
    fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: 401,
            code: "UNAUTHORIZED",
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code: "BAD_REQUEST",
            message: message.into(),
        }
    }
}

/// What ACR answers any refused credential with.
const AUTHENTICATION_REQUIRED: &str =
    "authentication required, visit https://aka.ms/acr/authorization for more information.";

/// One access a token grants: `repository:NAME:pull,push` as `{type, name, actions}`.
fn parse_scope(scope: &str) -> Option<Value> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    if kind.is_empty() || name.is_empty() {
        return None;
    }
    let actions: Vec<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
    Some(json!({"type": kind, "name": name, "actions": actions}))
}

pub struct AcrAccess {
    kit: Kit,
    records: Arc<Collection<RegistryRecord>>,
    identity: Arc<Identity>,
}

impl AcrAccess {
    pub fn new(
        kit: Kit,
        records: Arc<Collection<RegistryRecord>>,
        identity: Arc<Identity>,
    ) -> Self {
        Self {
            kit,
            records,
            identity,
        }
    }

    fn now_secs(&self) -> i64 {
        self.kit.clock().now_millis() / 1000
    }

    /// The registry a service name or host names, if it exists.
    pub fn registry(&self, host: &str) -> Option<RegistryRecord> {
        self.records.get(&registry_of_host(host)?)
    }

    /// The `WWW-Authenticate` challenge of registry `name`'s login server.
    pub fn challenge(name: &str) -> String {
        format!(
            "Bearer realm=\"https://{name}.{LOGIN_SUFFIX}/oauth2/token\",service=\"{name}.{LOGIN_SUFFIX}\""
        )
    }

    fn sign(&self, mut claims: Value, lifetime: i64) -> String {
        let now = self.now_secs();
        claims["jti"] = json!(self.kit.ids().uuid());
        claims["iat"] = json!(now);
        claims["nbf"] = json!(now);
        claims["exp"] = json!(now + lifetime);
        claims["iss"] = json!(ISSUER);
        claims["version"] = json!("1.0");
        self.identity.sign_claims(&claims)
    }

    /// The claims of an unexpired token of `grant` issued for `service`.
    fn valid_token(&self, token: &str, grant: &str, service: &str) -> Option<Value> {
        let claims = self.identity.verified_claims(token)?;
        let fresh = claims["exp"]
            .as_i64()
            .is_some_and(|exp| exp > self.now_secs());
        (fresh
            && claims["grant_type"] == grant
            && claims["aud"]
                .as_str()
                .is_some_and(|aud| aud.eq_ignore_ascii_case(service)))
        .then_some(claims)
    }

    fn service_registry(&self, service: &str) -> Result<RegistryRecord, TokenError> {
        self.registry(service).ok_or_else(|| {
            TokenError::bad_request(format!("the service '{service}' is not a registry"))
        })
    }

    /// `POST /oauth2/exchange`: an Entra ID access token for a refresh token.
    pub fn exchange(&self, form: &[(String, String)]) -> Result<Value, TokenError> {
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let grant =
            field("grant_type").ok_or_else(|| TokenError::bad_request("grant_type is required"))?;
        let service =
            field("service").ok_or_else(|| TokenError::bad_request("service is required"))?;
        let record = self.service_registry(service)?;
        let aad_token = match grant {
            "access_token" | "access_token_refresh_token" => field("access_token")
                .ok_or_else(|| TokenError::bad_request("access_token is required"))?,
            other => {
                return Err(TokenError::bad_request(format!(
                    "unsupported grant_type '{other}'"
                )));
            }
        };
        let principal = self
            .identity
            .verify(aad_token)
            .map_err(|_| TokenError::unauthorized("the access token is invalid or expired"))?;
        let refresh = self.sign(
            json!({
                "sub": principal.oid,
                "aud": service.to_ascii_lowercase(),
                "grant_type": "refresh_token",
                "tenant": principal.tid,
                "appid": principal.appid,
                "permissions": {"actions": ["*"], "notActions": []},
                "roles": [],
                "rid": record.registry.id,
            }),
            REFRESH_LIFETIME_SECS,
        );
        Ok(json!({"refresh_token": refresh}))
    }

    /// `/oauth2/token`: a refresh token (form `grant_type=refresh_token`), or the admin user's
    /// password (`grant_type=password`, or a GET with Basic credentials, as docker asks), for
    /// an access token to `scopes`.
    pub fn token(
        &self,
        form: &[(String, String)],
        basic: Option<(String, String)>,
    ) -> Result<Value, TokenError> {
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let service =
            field("service").ok_or_else(|| TokenError::bad_request("service is required"))?;
        let record = self.service_registry(service)?;
        let subject = match (field("grant_type"), basic) {
            (Some("refresh_token"), _) => {
                let token = field("refresh_token")
                    .ok_or_else(|| TokenError::bad_request("refresh_token is required"))?;
                self.valid_token(token, "refresh_token", service)
                    .and_then(|claims| claims["sub"].as_str().map(str::to_string))
                    .ok_or_else(|| TokenError::unauthorized("the refresh token is invalid"))?
            }
            (Some("password"), _) => {
                let user = field("username").unwrap_or_default();
                let password = field("password").unwrap_or_default();
                self.password_subject(&record, user, password)
                    .ok_or_else(|| TokenError::unauthorized(AUTHENTICATION_REQUIRED))?
            }
            (None, Some((user, password))) => self
                .password_subject(&record, &user, &password)
                .ok_or_else(|| TokenError::unauthorized(AUTHENTICATION_REQUIRED))?,
            (None, None) => {
                return Err(TokenError::unauthorized(AUTHENTICATION_REQUIRED));
            }
            (Some(other), _) => {
                return Err(TokenError::bad_request(format!(
                    "unsupported grant_type '{other}'"
                )));
            }
        };
        let access: Vec<Value> = form
            .iter()
            .filter(|(k, _)| k == "scope")
            .flat_map(|(_, v)| v.split(' '))
            .filter_map(parse_scope)
            .collect();
        let token = self.sign(
            json!({
                "sub": subject,
                "aud": service.to_ascii_lowercase(),
                "grant_type": "access_token",
                "access": access,
                "roles": [],
            }),
            ACCESS_LIFETIME_SECS,
        );
        Ok(json!({"access_token": token}))
    }

    /// Who a user name and password are: the admin user, or the holder of a refresh token.
    fn password_subject(
        &self,
        record: &RegistryRecord,
        user: &str,
        password: &str,
    ) -> Option<String> {
        let service = format!("{}.{LOGIN_SUFFIX}", record.name().to_ascii_lowercase());
        if user == TOKEN_USER {
            return self
                .valid_token(password, "refresh_token", &service)
                .and_then(|claims| claims["sub"].as_str().map(str::to_string));
        }
        (record.admin_enabled()
            && user.eq_ignore_ascii_case(&record.name())
            && record.passwords.iter().any(|p| p == password))
        .then(|| record.name())
    }
}

/// `Basic` credentials as (user, password).
pub fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let encoded = authorization
        .strip_prefix("Basic ")
        .or_else(|| authorization.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

impl Provider for AcrAccess {
    fn authenticate(&self, request: &RequestHead<'_>) -> Result<String, Box<Challenge>> {
        let host = request.host.unwrap_or_default();
        let Some(record) = self.registry(host) else {
            // No such registry: what a client sees of a login server no DNS name leads to is
            // the simulator saying so in the registry's error shape.
            return Err(Box::new(Challenge {
                www_authenticate: String::new(),
                error: RegistryError::with_message(
                    Code::NameUnknown,
                    format!("'{host}' is not the login server of a registry of this simulator"),
                ),
            }));
        };
        let namespace = record.name().to_ascii_lowercase();
        let service = format!("{namespace}.{LOGIN_SUFFIX}");
        let authorization = request.authorization.unwrap_or_default();
        let allowed = if let Some(token) = authorization
            .strip_prefix("Bearer ")
            .or_else(|| authorization.strip_prefix("bearer "))
        {
            self.valid_token(token.trim(), "access_token", &service)
                .is_some()
        } else if let Some((user, password)) = basic_credentials(authorization) {
            self.password_subject(&record, &user, &password).is_some()
        } else {
            false
        };
        if allowed {
            return Ok(namespace);
        }
        Err(Box::new(Challenge {
            www_authenticate: Self::challenge(&namespace),
            error: RegistryError::with_message(Code::Unauthorized, AUTHENTICATION_REQUIRED),
        }))
    }

    /// ACR makes a repository on its first push; every name is usable.
    fn check_repository(&self, _namespace: &str, _name: &str) -> Result<(), RegistryError> {
        Ok(())
    }

    /// Tags move freely (tag locking is not served).
    fn check_tag(
        &self,
        _namespace: &str,
        _name: &str,
        _tag: &str,
        _current: Option<&Digest>,
        _digest: &Digest,
    ) -> Result<(), RegistryError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_into_access_entries() {
        assert_eq!(
            parse_scope("repository:team/app:pull,push"),
            Some(json!({"type": "repository", "name": "team/app", "actions": ["pull", "push"]}))
        );
        assert_eq!(
            parse_scope("registry:catalog:*"),
            Some(json!({"type": "registry", "name": "catalog", "actions": ["*"]}))
        );
        assert_eq!(parse_scope("repository::pull"), None);
        assert_eq!(parse_scope("nonsense"), None);
    }

    #[test]
    fn basic_credentials_decode() {
        let header = format!("Basic {}", STANDARD.encode("reg:pw:with:colons"));
        assert_eq!(
            basic_credentials(&header),
            Some(("reg".into(), "pw:with:colons".into()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
    }
}
