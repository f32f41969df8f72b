//! The metadata server code inside a Cloud Run workload asks (as on Google's infrastructure,
//! `computeMetadata/v1/...`), and the access tokens it hands out.
//!
//! Each workload is registered with its identity (project, region, service account) and gets
//! a path of its own on the simulator, `/_sockerless/metadata/KEY`, which its
//! `GCE_METADATA_HOST` and `GCE_METADATA_IP` name (Google's client libraries append
//! `/computeMetadata/v1/...` to the host they read there). Workloads share the machine's
//! network, so the path, not the caller's address, says whose metadata is asked.
//!
//! What holds as on Google's metadata server: every request must carry `Metadata-Flavor:
//! Google` and no `X-Forwarded-For` (else 403), and every answer carries `Metadata-Flavor:
//! Google`; the root answers the detection ping; `project/project-id`,
//! `project/numeric-project-id`, `instance/id`, `instance/region`, `instance/zone`, and the
//! service account's directory (`default` or its email) with `email`, `aliases`, `scopes`,
//! `?recursive=true` as JSON, and `token` (an OAuth access token: `ya29.` then random
//! characters, valid for an hour, the same one handed out again until five minutes before it
//! expires, for the scopes asked with `?scopes=`); tokens can be checked with
//! `oauth2.googleapis.com/tokeninfo`, which answers Google's `invalid_token` for unknown or
//! expired ones.
//!
//! Limitations: identity tokens (`identity?audience=`) and `wait_for_change` answer 501;
//! project numbers are derived from the project ID (there is no Resource Manager yet); tokens
//! are not required by the simulator's APIs (it does not authenticate).
//!
//! Must not: see HTTP (the wire is `dispatch::metadata`); read the wall clock except through
//! the kit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::Digest;
use simkit::Kit;
use simkit::store::Collection;

use crate::error::GcpError;

/// The scope Cloud Run's default credentials carry.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The characters of access tokens after `ya29.`.
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// How long an access token is valid.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// A token this close to expiring is not handed out again.
const TOKEN_REUSE_MARGIN: Duration = Duration::from_secs(300);

/// Who a workload is, as its metadata says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkloadIdentity {
    pub project: String,
    pub region: String,
    pub service_account: String,
    /// The service's revision or the job's execution, for the key.
    pub workload: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TokenRecord {
    /// The token itself (the record's key is its digest, so state dumps do not show it).
    pub secret_token: String,
    pub email: String,
    pub scopes: Vec<String>,
    pub expires_at_millis: i64,
}

/// An access token as the metadata server answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessToken {
    pub access_token: String,
    pub expires_in: u64,
    pub token_type: &'static str,
}

/// What `tokeninfo` says of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub email: String,
    pub scopes: Vec<String>,
    pub expires_at_secs: i64,
    pub expires_in: u64,
}

/// A metadata answer: text, or JSON for recursive reads and tokens.
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataValue {
    Text(String),
    Json(serde_json::Value),
}

/// Why the metadata server refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataError {
    NotFound,
    Unsupported(&'static str),
    BadRequest(String),
    Internal,
}

impl From<GcpError> for MetadataError {
    fn from(_: GcpError) -> Self {
        Self::Internal
    }
}

impl From<simkit::store::StoreError> for MetadataError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "state store failed");
        Self::Internal
    }
}

/// The metadata server's state: registered workloads and issued tokens.
pub struct Metadata {
    kit: Kit,
    identities: Mutex<HashMap<String, WorkloadIdentity>>,
    tokens: Arc<Collection<TokenRecord>>,
}

/// The project's number, as text.
pub fn project_number(project: &str) -> String {
    crate::project::number(project).to_string()
}

/// A service account's numeric unique ID derived from its email: 21 digits, stable.
pub fn unique_id(email: &str) -> String {
    let digest = sha2::Sha256::digest(email.as_bytes());
    let mut number = 0u64;
    for byte in &digest[..8] {
        number = (number << 8) | u64::from(*byte);
    }
    format!("1{number:020}")
}

fn digest_key(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

impl Metadata {
    pub fn new(kit: Kit) -> Result<Arc<Self>, GcpError> {
        Ok(Arc::new(Self {
            tokens: kit.store().collection("metadata.tokens")?,
            identities: Mutex::new(HashMap::new()),
            kit,
        }))
    }

    /// Registers a workload; the key names its metadata path. The same identity gets the same
    /// key, so restarts of an instance or retries of a task do not add entries.
    pub fn register(&self, identity: WorkloadIdentity) -> String {
        let text = format!(
            "{}\n{}\n{}\n{}",
            identity.project, identity.region, identity.service_account, identity.workload
        );
        let key = hex::encode(&sha2::Sha256::digest(text.as_bytes())[..16]);
        self.identities
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), identity);
        key
    }

    /// The variables that point a workload's client libraries at its metadata path.
    pub fn environment(&self, endpoint: &str, key: &str) -> Vec<(String, String)> {
        let host = endpoint
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .trim_end_matches('/');
        let path = format!("{host}/_sockerless/metadata/{key}");
        vec![
            ("GCE_METADATA_HOST".into(), path.clone()),
            ("GCE_METADATA_IP".into(), path),
        ]
    }

    fn identity(&self, key: &str) -> Option<WorkloadIdentity> {
        self.identities
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// Answers `path` (below `computeMetadata/v1/`, or empty for the root) for the workload
    /// registered under `key`.
    pub fn read(
        &self,
        key: &str,
        path: &str,
        query: &[(String, String)],
    ) -> Result<MetadataValue, MetadataError> {
        let identity = self.identity(key).ok_or(MetadataError::NotFound)?;
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if param("wait_for_change").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Err(MetadataError::Unsupported(
                "wait_for_change is not supported by the Sockerless metadata server",
            ));
        }
        let recursive = param("recursive").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let number = project_number(&identity.project);
        let email = identity.service_account.clone();
        let account_json = || {
            serde_json::json!({
                "aliases": ["default"],
                "email": email,
                "scopes": [CLOUD_PLATFORM_SCOPE],
            })
        };
        let text = |value: String| Ok(MetadataValue::Text(value));
        let path = path.trim_start_matches('/');
        match path {
            "project/project-id" => return text(identity.project.clone()),
            "project/numeric-project-id" => return text(number),
            "instance/id" => return text(key.to_string()),
            "instance/region" => {
                return text(format!("projects/{number}/regions/{}", identity.region));
            }
            "instance/zone" => {
                return text(format!("projects/{number}/zones/{}-1", identity.region));
            }
            "instance/service-accounts" | "instance/service-accounts/" => {
                if recursive {
                    let mut accounts = serde_json::Map::new();
                    accounts.insert("default".into(), account_json());
                    accounts.insert(email.clone(), account_json());
                    return Ok(MetadataValue::Json(serde_json::Value::Object(accounts)));
                }
                return text(format!("default/\n{email}/\n"));
            }
            _ => {}
        }
        let Some(rest) = path.strip_prefix("instance/service-accounts/") else {
            return Err(MetadataError::NotFound);
        };
        let (account, item) = rest.split_once('/').unwrap_or((rest, ""));
        if account != "default" && account != email {
            return Err(MetadataError::NotFound);
        }
        match item {
            "" if recursive => Ok(MetadataValue::Json(account_json())),
            "" => text("aliases\nemail\nidentity\nscopes\ntoken\n".into()),
            "email" => text(email),
            "aliases" => text("default\n".into()),
            "scopes" => text(format!("{CLOUD_PLATFORM_SCOPE}\n")),
            "token" => {
                let scopes: Vec<String> = match param("scopes") {
                    Some(list) => list
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    None => vec![CLOUD_PLATFORM_SCOPE.to_string()],
                };
                let token = self.token(&email, scopes)?;
                serde_json::to_value(token)
                    .map(MetadataValue::Json)
                    .map_err(|_| MetadataError::Internal)
            }
            "identity" => match param("audience") {
                None | Some("") => Err(MetadataError::BadRequest(
                    "non-empty audience parameter required".into(),
                )),
                Some(_) => Err(MetadataError::Unsupported(
                    "identity tokens are not supported by the Sockerless metadata server",
                )),
            },
            _ => Err(MetadataError::NotFound),
        }
    }

    /// An access token for `email` and `scopes`: the current one while it has more than five
    /// minutes left, else a new one.
    fn token(&self, email: &str, mut scopes: Vec<String>) -> Result<AccessToken, MetadataError> {
        scopes.sort();
        scopes.dedup();
        let now = simkit::clock::millis_since_epoch(self.kit.clock().now());
        let margin = i64::try_from(TOKEN_REUSE_MARGIN.as_millis()).unwrap_or(i64::MAX);
        let current = self
            .tokens
            .all()
            .into_iter()
            .map(|(_, record)| record)
            .filter(|record| record.email == email && record.scopes == scopes)
            .filter(|record| record.expires_at_millis - now > margin)
            .max_by_key(|record| record.expires_at_millis);
        let record = match current {
            Some(record) => record,
            None => {
                // Expired tokens are dropped when a new one is made, so the store stays small.
                for (key, record) in self.tokens.all() {
                    if record.expires_at_millis <= now {
                        self.tokens.remove(&key)?;
                    }
                }
                let lifetime = i64::try_from(TOKEN_LIFETIME.as_millis()).unwrap_or(i64::MAX);
                let record = TokenRecord {
                    secret_token: format!(
                        "ya29.{}",
                        self.kit.ids().random_word(TOKEN_ALPHABET, 120)
                    ),
                    email: email.to_string(),
                    scopes,
                    expires_at_millis: now + lifetime,
                };
                self.tokens
                    .insert(&digest_key(&record.secret_token), record.clone())?;
                record
            }
        };
        Ok(AccessToken {
            expires_in: u64::try_from((record.expires_at_millis - now) / 1000).unwrap_or(0),
            access_token: record.secret_token,
            token_type: "Bearer",
        })
    }

    /// `tokeninfo`: what a token this server issued says, if it is still valid.
    pub fn token_info(&self, token: &str) -> Option<TokenInfo> {
        let record = self.tokens.get(&digest_key(token))?;
        let now = simkit::clock::millis_since_epoch(self.kit.clock().now());
        (record.expires_at_millis > now).then(|| TokenInfo {
            email: record.email,
            scopes: record.scopes,
            expires_at_secs: record.expires_at_millis / 1000,
            expires_in: u64::try_from((record.expires_at_millis - now) / 1000).unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> Arc<Metadata> {
        let kit = Kit::new(simkit::KitConfig::new("gcp")).expect("kit");
        Metadata::new(kit).expect("metadata")
    }

    fn identity() -> WorkloadIdentity {
        WorkloadIdentity {
            project: "p".into(),
            region: "us-central1".into(),
            service_account: "runner@p.iam.gserviceaccount.com".into(),
            workload: "projects/p/locations/us-central1/jobs/j/executions/j-abcde".into(),
        }
    }

    #[test]
    fn a_workload_reads_its_own_identity() {
        let metadata = metadata();
        let key = metadata.register(identity());
        assert_eq!(key, metadata.register(identity()), "stable keys");
        let read = |path: &str| metadata.read(&key, path, &[]);
        assert_eq!(
            read("project/project-id"),
            Ok(MetadataValue::Text("p".into()))
        );
        assert_eq!(
            read("instance/service-accounts/default/email"),
            Ok(MetadataValue::Text(
                "runner@p.iam.gserviceaccount.com".into()
            ))
        );
        let number = project_number("p");
        assert_eq!(number.len(), 12);
        assert_eq!(
            read("instance/region"),
            Ok(MetadataValue::Text(format!(
                "projects/{number}/regions/us-central1"
            )))
        );
        assert_eq!(read("instance/nothing"), Err(MetadataError::NotFound));
        assert_eq!(
            metadata.read("unknown", "project/project-id", &[]),
            Err(MetadataError::NotFound)
        );
        assert_eq!(
            read("instance/service-accounts/other@p.iam.gserviceaccount.com/email"),
            Err(MetadataError::NotFound)
        );
    }

    #[test]
    fn tokens_are_reused_until_near_expiry_and_checkable() {
        let metadata = metadata();
        let key = metadata.register(identity());
        let token = |metadata: &Metadata| match metadata
            .read(&key, "instance/service-accounts/default/token", &[])
            .expect("token")
        {
            MetadataValue::Json(value) => {
                value["access_token"].as_str().expect("token").to_string()
            }
            other => panic!("not JSON: {other:?}"),
        };
        let first = token(&metadata);
        assert!(first.starts_with("ya29."));
        assert_eq!(token(&metadata), first);
        let info = metadata.token_info(&first).expect("known token");
        assert_eq!(info.email, "runner@p.iam.gserviceaccount.com");
        assert_eq!(info.scopes, [CLOUD_PLATFORM_SCOPE]);
        assert!(info.expires_in > 3500);
        assert!(metadata.token_info("ya29.forged").is_none());
    }
}
