//! Artifact Registry's side of simkit's OCI registry ([`simkit::registry::Provider`]): which
//! registry a request addresses, whose credentials it carries, whether the repository may be
//! read or written, and the token exchange docker and skopeo go through.
//!
//! Addressing: `LOCATION-docker.pkg.dev` (Host header, TLS SNI name or a proxy's absolute URI)
//! names that location's registry; the registry's namespace is the location, and a repository
//! name is `PROJECT/REPOSITORY/IMAGE[/...]`, as in Artifact Registry. The path form on the
//! simulator's own address (`127.0.0.1:4567/LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE`)
//! is turned into the same thing by the dispatcher before the request reaches the registry.
//!
//! Credentials, as `gcloud auth configure-docker`'s helper and Google's documentation give
//! them: HTTP basic with user `oauth2accesstoken` (or `_json_key`, `_json_key_base64`,
//! `_token`, `_dcgcloud_token`) and a non-empty password, or a bearer token from the registry's
//! token endpoint (`/v2/token`), which answers every caller, with an anonymous token when no
//! credentials were sent. The simulator does not check Google access tokens (no API of it does),
//! so any non-empty password is a signed-in caller; an anonymous caller may ping `/v2/` but is
//! denied every repository with Artifact Registry's "Unauthenticated request" message.
//!
//! A repository may be pushed to and pulled from when it exists and is a `DOCKER` repository;
//! otherwise Artifact Registry's `DENIED` naming the permission (`uploadArtifacts` for
//! writes, `downloadArtifacts` for reads) "(or it may not exist)". A name with fewer than
//! three components is `NAME_INVALID` with Artifact Registry's "Missing image name" message.
//!
//! Must not: see HTTP beyond the heads the registry hands it; keep tokens outside the kit's
//! store.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sim_gcp_shapes::artifactregistry_v1::RepositoryFormat;
use simkit::Kit;
use simkit::registry::{Challenge, Code, Digest, Provider, RegistryError, RequestHead};
use simkit::store::Collection;

use super::RepositoryRecord;

/// How long a token from `/v2/token` lasts, in seconds (Artifact Registry's: an hour).
pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// The basic-auth users Artifact Registry takes with an access token or key as password.
const TOKEN_USERS: [&str; 5] = [
    "oauth2accesstoken",
    "_json_key",
    "_json_key_base64",
    "_token",
    "_dcgcloud_token",
];

/// A token the token endpoint issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Whether the caller sent credentials for it.
    pub authenticated: bool,
    pub expires_at: i64,
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    SignedIn,
    Anonymous,
}

/// What the token endpoint gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenGrant {
    pub token: String,
    pub expires_in: i64,
    pub issued_at: String,
}

/// `LOCATION-docker.pkg.dev` -> `LOCATION`.
pub fn location_of_host(host: &str) -> Option<&str> {
    let location = host.strip_suffix("-docker.pkg.dev")?;
    let valid = !location.is_empty()
        && location
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then_some(location)
}

/// A registry repository name split as Artifact Registry reads it: project, repository, and
/// the image (which may hold `/`).
pub fn split_name(name: &str) -> Option<(&str, &str, &str)> {
    let (project, rest) = name.split_once('/')?;
    let (repository, image) = rest.split_once('/')?;
    (!project.is_empty() && !repository.is_empty() && !image.is_empty())
        .then_some((project, repository, image))
}

/// The repository's resource name.
pub fn repository_resource(location: &str, project: &str, repository: &str) -> String {
    format!("projects/{project}/locations/{location}/repositories/{repository}")
}

/// The registry hooks: Artifact Registry's naming and credentials.
pub struct DockerAccess {
    kit: Kit,
    repositories: Arc<Collection<RepositoryRecord>>,
    tokens: Arc<Collection<TokenRecord>>,
}

impl DockerAccess {
    pub fn new(
        kit: Kit,
        repositories: Arc<Collection<RepositoryRecord>>,
    ) -> Result<Self, simkit::store::StoreError> {
        Ok(Self {
            tokens: kit.store().collection("artifactregistry.docker_tokens")?,
            repositories,
            kit,
        })
    }

    /// Who the `Authorization` header says is calling; `None` when it carries no credentials
    /// the registry takes (the caller is then challenged).
    pub fn caller(&self, authorization: Option<&str>) -> Option<Caller> {
        let authorization = authorization?.trim();
        if let Some(encoded) = authorization.strip_prefix("Basic ") {
            let decoded = STANDARD.decode(encoded.trim()).ok()?;
            let pair = String::from_utf8(decoded).ok()?;
            let (user, password) = pair.split_once(':')?;
            return (TOKEN_USERS.contains(&user) && !password.is_empty())
                .then_some(Caller::SignedIn);
        }
        let token = authorization.strip_prefix("Bearer ")?.trim();
        let record = self.tokens.get(token)?;
        if record.expires_at <= self.kit.clock().now_millis() {
            return None;
        }
        Some(if record.authenticated {
            Caller::SignedIn
        } else {
            Caller::Anonymous
        })
    }

    /// The token endpoint: a token for the caller's credentials, or an anonymous one when it
    /// sent none; wrong credentials are refused.
    pub fn issue_token(&self, authorization: Option<&str>) -> Result<TokenGrant, RegistryError> {
        let authenticated = match authorization {
            None => false,
            Some(_) => match self.caller(authorization) {
                Some(Caller::SignedIn) => true,
                Some(Caller::Anonymous) => false,
                None => {
                    return Err(RegistryError::with_message(
                        Code::Unauthorized,
                        "Unauthenticated request: the credentials are not valid for Artifact Registry (use user oauth2accesstoken and an access token).",
                    ));
                }
            },
        };
        let token = self.kit.ids().hex(64);
        let now = self.kit.clock().now();
        let expires_at = self.kit.clock().now_millis() + TOKEN_LIFETIME_SECONDS * 1000;
        self.tokens.insert(
            &token,
            TokenRecord {
                authenticated,
                expires_at,
            },
        )?;
        Ok(TokenGrant {
            token,
            expires_in: TOKEN_LIFETIME_SECONDS,
            issued_at: crate::time::rfc3339_nanos(time::OffsetDateTime::from(now)),
        })
    }

    /// Whether `caller` may read (or, with `write`, push to) repository name `name` of the
    /// registry in `location`.
    pub fn check_access(
        &self,
        location: &str,
        name: &str,
        write: bool,
        caller: Caller,
    ) -> Result<(), RegistryError> {
        let Some((project, repository, _)) = split_name(name) else {
            return Err(RegistryError::with_message(
                Code::NameInvalid,
                "Missing image name. Pushes should be of the form docker push HOST-NAME/PROJECT-ID/REPOSITORY/IMAGE",
            ));
        };
        let resource = repository_resource(location, project, repository);
        let permission = if write {
            "artifactregistry.repositories.uploadArtifacts"
        } else {
            "artifactregistry.repositories.downloadArtifacts"
        };
        if caller == Caller::Anonymous {
            return Err(RegistryError::with_message(
                Code::Denied,
                format!(
                    "Unauthenticated request. Unauthenticated requests do not have permission \"{permission}\" on resource \"{resource}\" (or it may not exist)"
                ),
            ));
        }
        let docker = self
            .repositories
            .get(&resource)
            .is_some_and(|record| record.repository.format == Some(RepositoryFormat::Docker));
        if docker {
            Ok(())
        } else {
            Err(RegistryError::with_message(
                Code::Denied,
                format!(
                    "Permission \"{permission}\" denied on resource \"{resource}\" (or it may not exist)"
                ),
            ))
        }
    }

    fn immutable_tags(&self, location: &str, name: &str) -> bool {
        split_name(name).is_some_and(|(project, repository, _)| {
            self.repositories
                .get(&repository_resource(location, project, repository))
                .and_then(|record| record.repository.docker_config)
                .and_then(|config| config.immutable_tags)
                .unwrap_or(false)
        })
    }
}

impl Provider for DockerAccess {
    fn authenticate(&self, request: &RequestHead<'_>) -> Result<String, Box<Challenge>> {
        let host = request.host.unwrap_or_default();
        let location = location_of_host(host).unwrap_or_default().to_string();
        match self.caller(request.authorization) {
            Some(_) => Ok(location),
            // The dispatcher words the realm for the address the client used.
            None => Err(Box::new(Challenge {
                www_authenticate: format!(
                    "Bearer realm=\"https://{host}/v2/token\",service=\"{host}\""
                ),
                error: RegistryError::with_message(
                    Code::Unauthorized,
                    "Unauthenticated request. Unauthenticated requests do not have permission to access this registry.",
                ),
            })),
        }
    }

    fn check_repository(&self, namespace: &str, name: &str) -> Result<(), RegistryError> {
        self.check_access(namespace, name, false, Caller::SignedIn)
    }

    fn check_tag(
        &self,
        namespace: &str,
        name: &str,
        tag: &str,
        current: Option<&Digest>,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        match current {
            Some(current) if current != digest && self.immutable_tags(namespace, name) => {
                Err(RegistryError::with_message(
                    Code::TagInvalid,
                    format!(
                        "Cannot update tag \"{tag}\": the repository has immutable tags enabled."
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts_and_names() {
        assert_eq!(
            location_of_host("us-central1-docker.pkg.dev"),
            Some("us-central1")
        );
        assert_eq!(location_of_host("europe-docker.pkg.dev"), Some("europe"));
        assert_eq!(location_of_host("-docker.pkg.dev"), None);
        assert_eq!(location_of_host("us-central1-maven.pkg.dev"), None);
        assert_eq!(location_of_host("127.0.0.1"), None);
        assert_eq!(split_name("p/r/img"), Some(("p", "r", "img")));
        assert_eq!(split_name("p/r/a/b"), Some(("p", "r", "a/b")));
        assert_eq!(split_name("p/r"), None);
        assert_eq!(split_name("p//img"), None);
    }
}
