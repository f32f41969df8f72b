//! ECR's side of simkit's registry ([`simkit::registry::Provider`]): which registry a request
//! addresses, whose token it carries, whether the repository exists, and whether a tag may move.
//!
//! Addressing: `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (Host header, TLS SNI name or a proxy's
//! absolute URI) names that account's registry in that region; any other host (`127.0.0.1:4566`,
//! `localhost`) names the default account and region, for clients that cannot set a host.
//! Credentials: HTTP basic with user `AWS` and a password GetAuthorizationToken issued for the
//! account, unexpired (12 hours), as `docker login` sends them.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::registry::{Challenge, Code, Digest, Provider, RegistryError, RequestHead};
use simkit::store::Collection;

use super::RepositoryRecord;

/// The query parameter of a layer download URL that carries its password.
pub const DOWNLOAD_TOKEN_PARAMETER: &str = "X-Sockerless-Ecr-Token";

/// A password GetAuthorizationToken issued (or a download URL carries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub account_id: String,
    pub expires_at: i64,
}

/// The registry hooks: ECR's naming and credentials.
pub struct EcrAccess {
    kit: Kit,
    repositories: Arc<Collection<RepositoryRecord>>,
    tokens: Arc<Collection<TokenRecord>>,
    default_account: String,
    default_region: String,
}

/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (also `.amazonaws.com.cn`): the account and region.
pub fn parse_registry_host(host: &str) -> Option<(String, String)> {
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (account, rest) = rest.split_once(".dkr.ecr.")?;
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let region_ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (account_ok && region_ok).then(|| (account.to_string(), rest.to_string()))
}

impl EcrAccess {
    pub fn new(
        kit: Kit,
        repositories: Arc<Collection<RepositoryRecord>>,
        tokens: Arc<Collection<TokenRecord>>,
        account_id: &str,
        region: &str,
    ) -> Self {
        Self {
            kit,
            repositories,
            tokens,
            default_account: account_id.to_string(),
            default_region: region.to_string(),
        }
    }

    /// Issues a password for `account_id`, valid for `lifetime_ms`; the password.
    pub fn issue(
        &self,
        account_id: &str,
        lifetime_ms: i64,
    ) -> Result<(String, i64), simkit::store::StoreError> {
        let password = self.kit.ids().hex(64);
        let expires_at = self.kit.clock().now_millis() + lifetime_ms;
        self.tokens.insert(
            &password,
            TokenRecord {
                account_id: account_id.to_string(),
                expires_at,
            },
        )?;
        Ok((password, expires_at))
    }

    fn valid_password(&self, password: &str, account_id: &str) -> bool {
        self.tokens.get(password).is_some_and(|token| {
            token.account_id == account_id && token.expires_at > self.kit.clock().now_millis()
        })
    }
}

fn split_namespace(namespace: &str) -> (&str, &str) {
    namespace.split_once('/').unwrap_or((namespace, ""))
}

impl Provider for EcrAccess {
    fn authenticate(&self, request: &RequestHead<'_>) -> Result<String, Box<Challenge>> {
        let (account, region) = request
            .host
            .and_then(parse_registry_host)
            .unwrap_or_else(|| (self.default_account.clone(), self.default_region.clone()));
        // A layer download URL carries its own short-lived password.
        let signed = request.query.and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == DOWNLOAD_TOKEN_PARAMETER)
                .map(|(_, value)| value.into_owned())
        });
        let password = signed.or_else(|| {
            request
                .authorization
                .and_then(|value| value.strip_prefix("Basic "))
                .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
                .and_then(|decoded| String::from_utf8(decoded).ok())
                .and_then(|pair| pair.strip_prefix("AWS:").map(String::from))
        });
        match password {
            Some(password) if self.valid_password(&password, &account) => {
                Ok(format!("{account}/{region}"))
            }
            _ => Err(Box::new(Challenge {
                www_authenticate: format!(
                    "Basic realm=\"https://{account}.dkr.ecr.{region}.amazonaws.com/\",service=\"ecr.amazonaws.com\""
                ),
                error: RegistryError::with_message(Code::Unauthorized, "Not Authorized"),
            })),
        }
    }

    fn check_repository(&self, namespace: &str, name: &str) -> Result<(), RegistryError> {
        if self.repositories.contains(&format!("{namespace}/{name}")) {
            return Ok(());
        }
        let (account, _) = split_namespace(namespace);
        Err(RegistryError::with_message(
            Code::NameUnknown,
            format!(
                "The repository with name '{name}' does not exist in the registry with id '{account}'"
            ),
        ))
    }

    fn check_tag(
        &self,
        namespace: &str,
        name: &str,
        tag: &str,
        current: Option<&Digest>,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        let immutable = self
            .repositories
            .get(&format!("{namespace}/{name}"))
            .is_some_and(|repository| repository.tag_is_immutable(tag));
        match current {
            Some(current) if immutable && current != digest => Err(RegistryError::with_message(
                Code::TagInvalid,
                format!(
                    "The image tag '{tag}' already exists in the '{name}' repository and cannot be overwritten because the repository is immutable."
                ),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts() {
        let cases = [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                Some(("123456789012", "us-east-1")),
            ),
            (
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                Some(("123456789012", "cn-north-1")),
            ),
            ("12345.dkr.ecr.us-east-1.amazonaws.com", None),
            ("127.0.0.1", None),
            ("123456789012.dkr.ecr..amazonaws.com", None),
        ];
        for (host, expected) in cases {
            let expected = expected.map(|(a, r)| (a.to_string(), r.to_string()));
            assert_eq!(parse_registry_host(host), expected, "{host}");
        }
    }
}
