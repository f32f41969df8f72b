//! Secret Manager (v1): secrets (global, `projects/P/secrets/S`, and regional,
//! `projects/P/locations/L/secrets/S`), their versions and payloads, and their IAM policies,
//! in the kit's store.
//!
//! What holds as in Secret Manager: secret IDs are 1 to 255 letters, digits, `-` and `_`; a
//! global secret needs exactly one replication policy (`automatic` or `userManaged` with
//! replicas) and a regional one must have none; versions are numbered from 1 in the order they
//! are added and listed newest first; `latest` (or a `versionAliases` alias) names a version
//! for `get` and `access`, and `latest` is the newest version whatever its state, so accessing
//! it when it is disabled fails; only `ENABLED` versions can be accessed (`FAILED_PRECONDITION`
//! "Secret Version [NAME] is in DISABLED state."); `DESTROYED` is final and drops the payload;
//! payloads are at most 64 KiB and a `dataCrc32c` sent with one must match it; access answers
//! the payload with its CRC32C; a secret's `ttl` becomes its `expireTime`, after which it is
//! gone; with `versionDestroyTtl`, destroying a version disables it and schedules its
//! destruction; etags on secrets and versions guard patch, delete, disable, enable and destroy
//! (409 `ABORTED` when stale); listings page with `pageSize`/`pageToken` and report
//! `totalSize` when unfiltered.
//!
//! Names carry the project's number, as Google answers them: a request may name the project
//! by ID or number ([`canonical_name`] turns the one into the other before the store is asked),
//! and every answer and message says `projects/NUMBER/...`.
//!
//! Limitations: Pub/Sub `topics`, `rotation` and customer-managed encryption keys are
//! refused with INVALID_ARGUMENT (no Pub/Sub or KMS here); `filter` understands `name:`,
//! `labels.KEY:`/`=`, and `state:`/`=` for versions, ANDed, and refuses anything else;
//! `locations` and rotation methods answer UNIMPLEMENTED.
//!
//! Must not: see HTTP; read the wall clock except through the kit.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sim_gcp_shapes::run_v2::{
    GoogleIamV1Policy, GoogleIamV1SetIamPolicyRequest, GoogleIamV1TestIamPermissionsRequest,
    GoogleIamV1TestIamPermissionsResponse,
};
use sim_gcp_shapes::secretmanager_v1::{
    AccessSecretVersionResponse, AddSecretVersionRequest, AutomaticStatus,
    ListSecretVersionsResponse, ListSecretsResponse, ReplicaStatus, ReplicationStatus, Secret,
    SecretPayload, SecretVersion, SecretVersionState, UserManagedStatus,
};
use simkit::Kit;
use simkit::store::Collection;

use crate::error::GcpError;
use crate::protocol::paging;
use crate::services::iam_policy::{ResourcePolicies, SECRET};
use crate::services::run::execution::parse_duration;

/// The largest payload Secret Manager stores.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SecretRecord {
    pub secret: Secret,
    /// Versions added so far: the next one is numbered one more.
    pub versions_added: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VersionRecord {
    pub version: SecretVersion,
    /// The payload, base64 as on the wire; gone once the version is destroyed.
    pub secret_payload: Option<String>,
    pub crc32c: i64,
}

/// A name as Secret Manager answers it: `projects/ID/...` becomes `projects/NUMBER/...`; a
/// name that already has the number, or is no project name, stays as it is.
pub fn canonical_name(name: &str) -> String {
    let Some(rest) = name.strip_prefix("projects/") else {
        return name.to_string();
    };
    let (project, tail) = match rest.split_once('/') {
        Some((project, tail)) => (project, Some(tail)),
        None => (rest, None),
    };
    if project.is_empty() || project.bytes().all(|b| b.is_ascii_digit()) {
        return name.to_string();
    }
    let number = crate::project::number(project);
    match tail {
        Some(tail) => format!("projects/{number}/{tail}"),
        None => format!("projects/{number}"),
    }
}

/// Secret Manager's state.
pub struct SecretManager {
    kit: Kit,
    secrets: Arc<Collection<SecretRecord>>,
    /// Keyed `SECRET/versions/NNNNNNNNNNNNNNNNNNNN` (zero-padded), so keys sort by number.
    versions: Arc<Collection<VersionRecord>>,
    policies: Arc<ResourcePolicies>,
}

/// Where secrets live: `projects/P` or `projects/P/locations/L`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parent {
    regional: bool,
}

fn parse_parent(parent: &str) -> Result<Parent, GcpError> {
    let parts: Vec<&str> = parent.split('/').collect();
    match parts.as_slice() {
        ["projects", project] if !project.is_empty() => Ok(Parent { regional: false }),
        ["projects", project, "locations", location]
            if !project.is_empty() && !location.is_empty() =>
        {
            Ok(Parent { regional: true })
        }
        _ => Err(GcpError::invalid(format!(
            "The provided parent [{parent}] does not match the expected format [projects/*] or [projects/*/locations/*]"
        ))),
    }
}

/// `PARENT/secrets/S` split into its parent and ID.
fn parse_secret_name(name: &str) -> Result<(String, String), GcpError> {
    let invalid = || {
        GcpError::invalid(format!(
            "The provided Secret ID [{name}] does not match the expected format [projects/*/secrets/*]"
        ))
    };
    let (parent, id) = name.rsplit_once("/secrets/").ok_or_else(invalid)?;
    if id.is_empty() || id.contains('/') {
        return Err(invalid());
    }
    parse_parent(parent).map_err(|_| invalid())?;
    Ok((parent.to_string(), id.to_string()))
}

/// `SECRET/versions/V` split into the secret's name and the version part.
fn parse_version_name(name: &str) -> Result<(String, String), GcpError> {
    let invalid = || {
        GcpError::invalid(format!(
            "The provided Secret Version ID [{name}] does not match the expected format [projects/*/secrets/*/versions/*]"
        ))
    };
    let (secret, version) = name.rsplit_once("/versions/").ok_or_else(invalid)?;
    if version.is_empty() || version.contains('/') {
        return Err(invalid());
    }
    parse_secret_name(secret).map_err(|_| invalid())?;
    Ok((secret.to_string(), version.to_string()))
}

fn check_secret_id(id: &str) -> Result<(), GcpError> {
    let valid = !id.is_empty()
        && id.len() <= 255
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        // Our wording: the real message could not be checked here.
        Err(GcpError::invalid(format!(
            "Secret ID [{id}] is invalid: it must be 1 to 255 characters of letters, digits, underscores (_) and hyphens (-)."
        )))
    }
}

fn secret_not_found(name: &str) -> GcpError {
    GcpError::not_found(format!("Secret [{name}] not found."))
}

fn version_not_found(name: &str) -> GcpError {
    GcpError::not_found(format!("Secret Version [{name}] not found."))
}

fn stale_etag() -> GcpError {
    // Our wording: the real message could not be checked here.
    GcpError::aborted("The etag provided does not match the current etag of the resource.")
}

fn version_key(secret: &str, number: u64) -> String {
    format!("{secret}/versions/{number:020}")
}

fn state_name(state: Option<SecretVersionState>) -> &'static str {
    state.unwrap_or_default().name()
}

/// One `field:value` or `field=value` term of a listing filter.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: String,
    value: String,
    /// `:` (has, a substring for names) rather than `=`.
    has: bool,
}

/// Parses the ANDed terms this simulator understands; anything else is INVALID_ARGUMENT.
fn parse_filter(filter: Option<&str>, fields: &[&str]) -> Result<Vec<Term>, GcpError> {
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(Vec::new());
    };
    let unsupported = || {
        GcpError::invalid(format!(
            "The filter [{filter}] is not supported by the simulator: it takes field:value or field=value terms joined by AND, on {}",
            fields.join(", ")
        ))
    };
    let mut terms = Vec::new();
    for word in filter.split_whitespace() {
        if word == "AND" {
            continue;
        }
        let (field, value, has) = match (word.find(':'), word.find('=')) {
            (Some(colon), equals) if equals.is_none_or(|e| colon < e) => {
                (&word[..colon], &word[colon + 1..], true)
            }
            (_, Some(equals)) => (&word[..equals], &word[equals + 1..], false),
            _ => return Err(unsupported()),
        };
        let known = fields.contains(&field)
            || (fields.contains(&"labels") && field.starts_with("labels.") && field.len() > 7);
        if !known || value.is_empty() {
            return Err(unsupported());
        }
        terms.push(Term {
            field: field.to_string(),
            value: value.trim_matches('"').to_string(),
            has,
        });
    }
    Ok(terms)
}

fn secret_matches(secret: &Secret, terms: &[Term]) -> bool {
    terms.iter().all(|term| {
        if term.field == "name" {
            let name = secret.name.as_deref().unwrap_or_default();
            let id = name.rsplit('/').next().unwrap_or_default();
            return if term.has {
                name.contains(&term.value)
            } else {
                id == term.value || name == term.value
            };
        }
        let key = term.field.trim_start_matches("labels.");
        let value = secret.labels.as_ref().and_then(|labels| labels.get(key));
        match value {
            Some(value) => term.value == "*" || *value == term.value,
            None => false,
        }
    })
}

impl SecretManager {
    pub fn new(kit: Kit, policies: Arc<ResourcePolicies>) -> Result<Arc<Self>, GcpError> {
        Ok(Arc::new(Self {
            secrets: kit.store().collection("secretmanager.secrets")?,
            versions: kit.store().collection("secretmanager.versions")?,
            policies,
            kit,
        }))
    }

    fn now(&self) -> SystemTime {
        self.kit.clock().now()
    }

    fn stamp(&self, at: SystemTime) -> String {
        crate::time::rfc3339_nanos(time::OffsetDateTime::from(at))
    }

    fn etag(&self) -> String {
        format!("\"{}\"", self.kit.ids().hex(14))
    }

    /// The secret, unless it is missing or past its `expireTime` (then it is deleted).
    fn load(&self, name: &str) -> Result<SecretRecord, GcpError> {
        let record = self
            .secrets
            .get(name)
            .ok_or_else(|| secret_not_found(name))?;
        let expired = record
            .secret
            .expire_time
            .as_deref()
            .and_then(crate::time::parse)
            .is_some_and(|at| SystemTime::from(at) <= self.now());
        if expired {
            self.remove_secret(name)?;
            return Err(secret_not_found(name));
        }
        Ok(record)
    }

    fn remove_secret(&self, name: &str) -> Result<(), GcpError> {
        let (secrets, versions) = (self.secrets.clone(), self.versions.clone());
        let prefix = format!("{name}/versions/");
        self.kit.store().transaction(|txn| {
            txn.remove(&secrets, name)?;
            txn.remove_prefix(&versions, &prefix)?;
            Ok::<_, GcpError>(())
        })?;
        self.policies.forget(name)
    }

    /// Checks what the simulator cannot honour and what Secret Manager refuses.
    fn check_secret(&self, secret: &mut Secret, parent: &Parent) -> Result<(), GcpError> {
        if secret.topics.as_ref().is_some_and(|t| !t.is_empty()) {
            return Err(GcpError::invalid(
                "Secret.topics: Pub/Sub notifications are not supported by the simulator",
            ));
        }
        if secret.rotation.is_some() {
            return Err(GcpError::invalid(
                "Secret.rotation: rotation needs Pub/Sub topics, which are not supported by the simulator",
            ));
        }
        if secret.customer_managed_encryption.is_some() {
            return Err(GcpError::invalid(
                "Secret.customer_managed_encryption: Cloud KMS keys are not supported by the simulator",
            ));
        }
        match (&secret.replication, parent.regional) {
            (Some(_), true) => {
                return Err(GcpError::invalid(
                    "Secret.replication should not be provided.",
                ));
            }
            (None, false) => {
                // Our wording: the real message could not be checked here.
                return Err(GcpError::invalid("Secret.replication must be provided."));
            }
            (Some(replication), false) => {
                let user_managed = replication.user_managed.as_ref();
                match (replication.automatic.is_some(), user_managed) {
                    (true, None) => {}
                    (false, Some(user)) => {
                        let replicas = user.replicas.as_deref().unwrap_or_default();
                        if replicas.is_empty()
                            || replicas
                                .iter()
                                .any(|r| r.location.as_deref().is_none_or(str::is_empty))
                        {
                            return Err(GcpError::invalid(
                                "Secret.replication.user_managed.replicas: at least one replica with a location must be provided.",
                            ));
                        }
                        if replicas
                            .iter()
                            .any(|r| r.customer_managed_encryption.is_some())
                        {
                            return Err(GcpError::invalid(
                                "Secret.replication: Cloud KMS keys are not supported by the simulator",
                            ));
                        }
                    }
                    _ => {
                        return Err(GcpError::invalid(
                            "Secret.replication: exactly one of automatic or user_managed must be provided.",
                        ));
                    }
                }
                if replication
                    .automatic
                    .as_ref()
                    .is_some_and(|a| a.customer_managed_encryption.is_some())
                {
                    return Err(GcpError::invalid(
                        "Secret.replication: Cloud KMS keys are not supported by the simulator",
                    ));
                }
            }
            (None, true) => {}
        }
        self.apply_ttl(secret)?;
        if let Some(ttl) = secret.version_destroy_ttl.as_deref() {
            parse_duration(ttl).ok_or_else(|| {
                GcpError::invalid(format!(
                    "Secret.version_destroy_ttl: invalid duration {ttl}"
                ))
            })?;
        }
        Ok(())
    }

    /// A `ttl` becomes the `expireTime` it names; the two cannot both be given.
    fn apply_ttl(&self, secret: &mut Secret) -> Result<(), GcpError> {
        if let Some(ttl) = secret.ttl.take().filter(|ttl| !ttl.is_empty()) {
            if secret.expire_time.is_some() {
                return Err(GcpError::invalid(
                    "Secret: only one of expire_time and ttl may be provided.",
                ));
            }
            let duration = parse_duration(&ttl)
                .ok_or_else(|| GcpError::invalid(format!("Secret.ttl: invalid duration {ttl}")))?;
            secret.expire_time = Some(self.stamp(self.now() + duration));
        } else if let Some(at) = secret.expire_time.as_deref()
            && crate::time::parse(at).is_none()
        {
            return Err(GcpError::invalid(format!(
                "Secret.expire_time: invalid timestamp {at}"
            )));
        }
        Ok(())
    }

    /// `secrets.create`.
    pub fn create_secret(
        &self,
        parent: &str,
        secret_id: &str,
        mut secret: Secret,
    ) -> Result<Secret, GcpError> {
        let place = parse_parent(parent)?;
        check_secret_id(secret_id)?;
        self.check_secret(&mut secret, &place)?;
        let name = format!("{parent}/secrets/{secret_id}");
        if secret
            .version_aliases
            .as_ref()
            .is_some_and(|aliases| !aliases.is_empty())
        {
            return Err(GcpError::invalid(
                "Secret.version_aliases: a new secret has no versions to name.",
            ));
        }
        secret.name = Some(name.clone());
        secret.create_time = Some(self.stamp(self.now()));
        secret.etag = Some(self.etag());
        secret.policy_member = None;
        // A name freed by an expired secret can be taken again.
        let _ = self.load(&name);
        self.secrets.modify(&name, |slot| {
            if slot.is_some() {
                return Err(GcpError::conflict(format!(
                    "Secret [{name}] already exists."
                )));
            }
            *slot = Some(SecretRecord {
                secret: secret.clone(),
                versions_added: 0,
            });
            Ok(())
        })?;
        Ok(secret)
    }

    /// `secrets.get`.
    pub fn get_secret(&self, name: &str) -> Result<Secret, GcpError> {
        parse_secret_name(name)?;
        Ok(self.load(name)?.secret)
    }

    /// `secrets.list`: in name order, paged.
    pub fn list_secrets(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
        filter: Option<&str>,
    ) -> Result<ListSecretsResponse, GcpError> {
        parse_parent(parent)?;
        let terms = parse_filter(filter, &["name", "labels"])?;
        let size = paging::page_size(page_size, 25_000, 25_000)?;
        let resume = paging::resume_after(page_token)?;
        let prefix = format!("{parent}/secrets/");
        let all: Vec<Secret> = self
            .secrets
            .scan_prefix(&prefix)
            .into_iter()
            // Regional secrets are not under a global parent's listing.
            .filter(|(key, _)| !key[prefix.len()..].contains('/'))
            .filter_map(|(key, _)| self.load(&key).ok())
            .map(|record| record.secret)
            .filter(|secret| secret_matches(secret, &terms))
            .collect();
        let total = all.len();
        let page: Vec<Secret> = all
            .into_iter()
            .filter(|s| {
                resume
                    .as_ref()
                    .is_none_or(|last| s.name.as_deref().is_some_and(|n| n > last.as_str()))
            })
            .collect();
        let (secrets, next_page_token) = paging::cut(page, size, |s| s.name.clone());
        Ok(ListSecretsResponse {
            next_page_token,
            secrets: (!secrets.is_empty()).then_some(secrets),
            total_size: terms
                .is_empty()
                .then(|| i32::try_from(total).unwrap_or(i32::MAX)),
        })
    }

    /// `secrets.patch`: the fields `updateMask` names.
    pub fn update_secret(
        &self,
        name: &str,
        update_mask: Option<&str>,
        mut patch: Secret,
    ) -> Result<Secret, GcpError> {
        parse_secret_name(name)?;
        let mask: Vec<String> = update_mask
            .unwrap_or_default()
            .split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        if mask.is_empty() {
            return Err(GcpError::invalid("update_mask must be specified."));
        }
        self.load(name)?;
        if patch.ttl.is_some() {
            self.apply_ttl(&mut patch)?;
        }
        // Aliases must name versions that exist; checked before the write, which must not read
        // another collection.
        for (alias, number) in patch.version_aliases.iter().flatten() {
            let number = number.parse::<u64>().unwrap_or(0);
            if alias == "latest" || !self.versions.contains(&version_key(name, number)) {
                return Err(GcpError::invalid(format!(
                    "Secret.version_aliases: alias {alias} must name an existing version other than latest."
                )));
            }
        }
        self.secrets.modify(name, |slot| {
            let record = slot.as_mut().ok_or_else(|| secret_not_found(name))?;
            if let Some(expected) = patch.etag.as_deref().filter(|e| !e.is_empty())
                && record.secret.etag.as_deref() != Some(expected)
            {
                return Err(stale_etag());
            }
            let secret = &mut record.secret;
            for field in &mask {
                match field.as_str() {
                    "labels" => secret.labels = patch.labels.clone(),
                    "annotations" => secret.annotations = patch.annotations.clone(),
                    "expire_time" | "expireTime" | "ttl" => {
                        secret.expire_time = patch.expire_time.clone();
                    }
                    "version_destroy_ttl" | "versionDestroyTtl" => {
                        if let Some(ttl) = patch.version_destroy_ttl.as_deref()
                            && parse_duration(ttl).is_none()
                        {
                            return Err(GcpError::invalid(format!(
                                "Secret.version_destroy_ttl: invalid duration {ttl}"
                            )));
                        }
                        secret.version_destroy_ttl = patch.version_destroy_ttl.clone();
                    }
                    "version_aliases" | "versionAliases" => {
                        secret.version_aliases = patch.version_aliases.clone();
                    }
                    // Clearing them is all that can be asked: setting them is refused.
                    "topics"
                    | "rotation"
                    | "customer_managed_encryption"
                    | "customerManagedEncryption" => {
                        let mut probe = Secret {
                            topics: patch.topics.clone(),
                            rotation: patch.rotation.clone(),
                            customer_managed_encryption: patch.customer_managed_encryption.clone(),
                            ..Default::default()
                        };
                        self.check_secret(&mut probe, &Parent { regional: true })?;
                    }
                    "replication" => {
                        // Our wording: the real message could not be checked here.
                        return Err(GcpError::invalid(
                            "Secret.replication cannot be changed after creation.",
                        ));
                    }
                    other => {
                        return Err(GcpError::invalid(format!(
                            "Invalid update_mask path: {other}"
                        )));
                    }
                }
            }
            secret.etag = Some(self.etag());
            Ok(secret.clone())
        })
    }

    /// `secrets.delete`: the secret, its versions and its policy.
    pub fn delete_secret(&self, name: &str, etag: Option<&str>) -> Result<(), GcpError> {
        parse_secret_name(name)?;
        let record = self.load(name)?;
        if let Some(expected) = etag.filter(|e| !e.is_empty())
            && record.secret.etag.as_deref() != Some(expected)
        {
            return Err(stale_etag());
        }
        self.remove_secret(name)
    }

    /// `secrets.addVersion`.
    pub fn add_version(
        &self,
        parent: &str,
        request: AddSecretVersionRequest,
    ) -> Result<SecretVersion, GcpError> {
        parse_secret_name(parent)?;
        let payload = request.payload.unwrap_or_default();
        let data = payload.data.unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(data.as_bytes()))
            .map_err(|_| GcpError::invalid("SecretPayload.data: invalid base64."))?;
        if bytes.len() > MAX_PAYLOAD_BYTES {
            // Our wording: the real message could not be checked here.
            return Err(GcpError::invalid(format!(
                "Secret Payload cannot be larger than 64KiB: it is {} bytes.",
                bytes.len()
            )));
        }
        let crc32c = i64::from(CRC32C.checksum(&bytes));
        if let Some(sent) = payload.data_crc32c
            && sent != crc32c
        {
            // Our wording: the real message could not be checked here.
            return Err(GcpError::invalid(
                "Checksum mismatch: SecretPayload.data_crc32c does not match the CRC32C of the data.",
            ));
        }
        let record = self.load(parent)?;
        let replication_status =
            record
                .secret
                .replication
                .as_ref()
                .map(|replication| ReplicationStatus {
                    automatic: replication
                        .automatic
                        .as_ref()
                        .map(|_| AutomaticStatus::default()),
                    user_managed: replication
                        .user_managed
                        .as_ref()
                        .map(|user| UserManagedStatus {
                            replicas: Some(
                                user.replicas
                                    .iter()
                                    .flatten()
                                    .map(|replica| ReplicaStatus {
                                        location: replica.location.clone(),
                                        customer_managed_encryption: None,
                                    })
                                    .collect(),
                            ),
                        }),
                });
        let (secrets, versions) = (self.secrets.clone(), self.versions.clone());
        let created = self.stamp(self.now());
        let etag = self.etag();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        self.kit.store().transaction(|txn| {
            let number = txn.modify(&secrets, parent, |slot| {
                let record = slot.as_mut().ok_or_else(|| secret_not_found(parent))?;
                record.versions_added += 1;
                Ok::<_, GcpError>(record.versions_added)
            })?;
            let version = SecretVersion {
                name: Some(format!("{parent}/versions/{number}")),
                create_time: Some(created.clone()),
                state: Some(SecretVersionState::Enabled),
                etag: Some(etag.clone()),
                replication_status: replication_status.clone(),
                client_specified_payload_checksum: Some(payload.data_crc32c.is_some()),
                ..Default::default()
            };
            txn.insert(
                &versions,
                &version_key(parent, number),
                VersionRecord {
                    version: version.clone(),
                    secret_payload: Some(encoded.clone()),
                    crc32c,
                },
            )?;
            Ok::<_, GcpError>(version)
        })
    }

    /// The stored key of a version name: a number, `latest` (the newest version) or an alias.
    fn resolve(&self, name: &str, aliases_allowed: bool) -> Result<String, GcpError> {
        let (secret, version) = parse_version_name(name)?;
        let record = self.load(&secret)?;
        if let Ok(number) = version.parse::<u64>() {
            return Ok(version_key(&secret, number));
        }
        if !aliases_allowed {
            return Err(version_not_found(name));
        }
        if version == "latest" {
            return self
                .versions
                .scan_prefix(&format!("{secret}/versions/"))
                .pop()
                .map(|(key, _)| key)
                .ok_or_else(|| {
                    GcpError::not_found(format!("Secret [{secret}] not found or has no versions."))
                });
        }
        record
            .secret
            .version_aliases
            .as_ref()
            .and_then(|aliases| aliases.get(&version))
            .and_then(|number| number.parse::<u64>().ok())
            .map(|number| version_key(&secret, number))
            .ok_or_else(|| version_not_found(name))
    }

    /// The version under `key`, with a scheduled destruction carried out if its time has come.
    fn load_version(&self, key: &str, name: &str) -> Result<VersionRecord, GcpError> {
        let record = self
            .versions
            .get(key)
            .ok_or_else(|| version_not_found(name))?;
        let due = record
            .version
            .scheduled_destroy_time
            .as_deref()
            .and_then(crate::time::parse)
            .is_some_and(|at| SystemTime::from(at) <= self.now());
        if due && state_name(record.version.state) != "DESTROYED" {
            let destroyed_at = record.version.scheduled_destroy_time.clone();
            return self
                .versions
                .update(key, |record| {
                    record.version.state = Some(SecretVersionState::Destroyed);
                    record.version.destroy_time = destroyed_at;
                    record.version.scheduled_destroy_time = None;
                    record.secret_payload = None;
                    record.clone()
                })?
                .ok_or_else(|| version_not_found(name));
        }
        Ok(record)
    }

    /// `versions.get`.
    pub fn get_version(&self, name: &str) -> Result<SecretVersion, GcpError> {
        let key = self.resolve(name, true)?;
        Ok(self.load_version(&key, name)?.version)
    }

    /// `versions.list`: newest first, paged.
    pub fn list_versions(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
        filter: Option<&str>,
    ) -> Result<ListSecretVersionsResponse, GcpError> {
        parse_secret_name(parent)?;
        self.load(parent)?;
        let terms = parse_filter(filter, &["state", "name"])?;
        let size = paging::page_size(page_size, 25_000, 25_000)?;
        let resume = paging::resume_after(page_token)?;
        let mut all: Vec<(String, SecretVersion)> = Vec::new();
        for (key, _) in self
            .versions
            .scan_prefix(&format!("{parent}/versions/"))
            .into_iter()
            .rev()
        {
            let record = self.load_version(&key, &key)?;
            let state = state_name(record.version.state);
            let name = record.version.name.clone().unwrap_or_default();
            let keep = terms.iter().all(|term| match term.field.as_str() {
                "state" => state.eq_ignore_ascii_case(&term.value),
                _ if term.has => name.contains(&term.value),
                _ => name == term.value || name.rsplit('/').next() == Some(term.value.as_str()),
            });
            if keep {
                all.push((key, record.version));
            }
        }
        let total = all.len();
        let page: Vec<(String, SecretVersion)> = all
            .into_iter()
            .filter(|(key, _)| resume.as_ref().is_none_or(|last| key < last))
            .collect();
        let (page, next_page_token) = paging::cut(page, size, |(key, _)| Some(key.clone()));
        let versions: Vec<SecretVersion> = page.into_iter().map(|(_, v)| v).collect();
        Ok(ListSecretVersionsResponse {
            next_page_token,
            versions: (!versions.is_empty()).then_some(versions),
            total_size: terms
                .is_empty()
                .then(|| i32::try_from(total).unwrap_or(i32::MAX)),
        })
    }

    /// `versions.access`: the payload of an enabled version.
    pub fn access_version(&self, name: &str) -> Result<AccessSecretVersionResponse, GcpError> {
        let key = self.resolve(name, true)?;
        let record = self.load_version(&key, name)?;
        let resolved = record.version.name.clone().unwrap_or_default();
        let state = state_name(record.version.state);
        if state != "ENABLED" {
            return Err(GcpError::failed_precondition(format!(
                "Secret Version [{resolved}] is in {state} state."
            )));
        }
        Ok(AccessSecretVersionResponse {
            name: Some(resolved),
            payload: Some(SecretPayload {
                data: record.secret_payload,
                data_crc32c: Some(record.crc32c),
            }),
        })
    }

    /// `versions.enable`, `disable` and `destroy`: the state changes, guarded by the etag.
    pub fn change_version(
        &self,
        name: &str,
        target: SecretVersionState,
        etag: Option<&str>,
    ) -> Result<SecretVersion, GcpError> {
        let key = self.resolve(name, false)?;
        // Carries out a scheduled destruction that is due, so the state below is current.
        self.load_version(&key, name)?;
        let (secret, _) = parse_version_name(name)?;
        let destroy_delay = match target {
            SecretVersionState::Destroyed => self
                .load(&secret)?
                .secret
                .version_destroy_ttl
                .as_deref()
                .and_then(parse_duration)
                .filter(|delay| *delay > Duration::ZERO),
            _ => None,
        };
        let now = self.now();
        let new_etag = self.etag();
        let stamp = self.stamp(now);
        let scheduled = destroy_delay.map(|delay| self.stamp(now + delay));
        self.versions.modify(&key, |slot| {
            let record = slot.as_mut().ok_or_else(|| version_not_found(name))?;
            let version = &mut record.version;
            if let Some(expected) = etag.filter(|e| !e.is_empty())
                && version.etag.as_deref() != Some(expected)
            {
                return Err(stale_etag());
            }
            let resolved = version.name.clone().unwrap_or_default();
            if state_name(version.state) == "DESTROYED" {
                return Err(GcpError::failed_precondition(format!(
                    "Secret Version [{resolved}] is in DESTROYED state."
                )));
            }
            match (target, &scheduled) {
                (SecretVersionState::Destroyed, Some(at)) => {
                    version.state = Some(SecretVersionState::Disabled);
                    version.scheduled_destroy_time = Some(at.clone());
                }
                (SecretVersionState::Destroyed, None) => {
                    version.state = Some(SecretVersionState::Destroyed);
                    version.destroy_time = Some(stamp.clone());
                    version.scheduled_destroy_time = None;
                    record.secret_payload = None;
                }
                (state, _) => {
                    version.state = Some(state);
                    // Enabling a version scheduled for destruction cancels it.
                    version.scheduled_destroy_time = None;
                }
            }
            version.etag = Some(new_etag.clone());
            Ok(version.clone())
        })
    }

    /// The IAM policy methods of a secret, which must exist (except for `testIamPermissions`).
    pub fn get_iam_policy(
        &self,
        resource: &str,
        requested_version: Option<i64>,
    ) -> Result<GoogleIamV1Policy, GcpError> {
        self.get_secret(resource)?;
        self.policies.get(resource, requested_version)
    }

    pub fn set_iam_policy(
        &self,
        resource: &str,
        request: GoogleIamV1SetIamPolicyRequest,
    ) -> Result<GoogleIamV1Policy, GcpError> {
        self.get_secret(resource)?;
        self.policies.set(resource, SECRET, request)
    }

    pub fn test_iam_permissions(
        &self,
        resource: &str,
        request: GoogleIamV1TestIamPermissionsRequest,
    ) -> Result<GoogleIamV1TestIamPermissionsResponse, GcpError> {
        parse_secret_name(resource)?;
        self.policies.test(SECRET, request)
    }

    /// The payload a Cloud Run env var names (`secret`, `version`), for workloads: the secret is
    /// a name or an ID in the workload's project; the version a number, an alias or `latest`.
    pub fn payload_for_workload(
        &self,
        project: &str,
        secret: &str,
        version: Option<&str>,
    ) -> Result<Vec<u8>, GcpError> {
        let secret_name = canonical_name(&if secret.starts_with("projects/") {
            secret.to_string()
        } else {
            format!("projects/{project}/secrets/{secret}")
        });
        let version = version.filter(|v| !v.is_empty()).unwrap_or("latest");
        let response = self.access_version(&format!("{secret_name}/versions/{version}"))?;
        let data = response.payload.and_then(|p| p.data).unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .map_err(|_| GcpError::internal())
    }
}

/// Labels as a sorted map, for tests.
#[cfg(test)]
fn labels(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_gcp_shapes::secretmanager_v1::{Automatic, Replication};

    fn manager() -> Arc<SecretManager> {
        let kit = Kit::new(simkit::KitConfig::new("gcp")).expect("kit");
        let policies = ResourcePolicies::new(&kit).expect("policies");
        SecretManager::new(kit, policies).expect("secret manager")
    }

    fn automatic() -> Secret {
        Secret {
            replication: Some(Replication {
                automatic: Some(Automatic::default()),
                user_managed: None,
            }),
            labels: Some(labels(&[("team", "blue")])),
            ..Default::default()
        }
    }

    fn add(manager: &SecretManager, parent: &str, data: &[u8]) -> SecretVersion {
        manager
            .add_version(
                parent,
                AddSecretVersionRequest {
                    payload: Some(SecretPayload {
                        data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
                        data_crc32c: None,
                    }),
                },
            )
            .expect("add version")
    }

    #[test]
    fn filters_parse_terms_and_refuse_the_rest() {
        let terms = parse_filter(Some("name:db AND labels.team=blue"), &["name", "labels"])
            .expect("parses");
        assert_eq!(terms.len(), 2);
        assert!(terms[0].has && !terms[1].has);
        assert!(parse_filter(Some("create_time>2020"), &["name", "labels"]).is_err());
        assert!(
            parse_filter(Some("  "), &["name"])
                .expect("empty")
                .is_empty()
        );
    }

    #[test]
    fn versions_move_through_their_states() {
        let manager = manager();
        manager
            .create_secret("projects/p", "db-password", automatic())
            .expect("create");
        let again = manager
            .create_secret("projects/p", "db-password", automatic())
            .expect_err("exists");
        assert_eq!(
            again.message,
            "Secret [projects/p/secrets/db-password] already exists."
        );
        let parent = "projects/p/secrets/db-password";
        let latest = format!("{parent}/versions/latest");
        assert_eq!(
            manager
                .access_version(&latest)
                .expect_err("no versions")
                .message,
            "Secret [projects/p/secrets/db-password] not found or has no versions."
        );
        add(&manager, parent, b"one");
        let second = add(&manager, parent, b"two");
        assert_eq!(
            second.name.as_deref(),
            Some("projects/p/secrets/db-password/versions/2")
        );
        let answer = manager.access_version(&latest).expect("access");
        assert_eq!(answer.name, second.name);
        let payload = answer.payload.expect("payload");
        assert_eq!(payload.data.as_deref(), Some("dHdv"));
        assert_eq!(
            payload.data_crc32c,
            Some(i64::from(CRC32C.checksum(b"two")))
        );
        manager
            .change_version(
                &format!("{parent}/versions/2"),
                SecretVersionState::Disabled,
                None,
            )
            .expect("disable");
        let disabled = manager.access_version(&latest).expect_err("disabled");
        assert_eq!(
            (disabled.http, disabled.status),
            (400, "FAILED_PRECONDITION")
        );
        assert_eq!(
            disabled.message,
            "Secret Version [projects/p/secrets/db-password/versions/2] is in DISABLED state."
        );
        let destroyed = manager
            .change_version(
                &format!("{parent}/versions/1"),
                SecretVersionState::Destroyed,
                None,
            )
            .expect("destroy");
        assert!(destroyed.destroy_time.is_some());
        assert!(
            manager
                .change_version(
                    &format!("{parent}/versions/1"),
                    SecretVersionState::Enabled,
                    None
                )
                .is_err()
        );
        let listed = manager
            .list_versions(parent, Some(1), None, None)
            .expect("list");
        assert_eq!(listed.total_size, Some(2));
        let first = listed.versions.expect("page");
        assert_eq!(first[0].name, second.name, "newest first");
        let rest = manager
            .list_versions(parent, Some(1), listed.next_page_token.as_deref(), None)
            .expect("page two");
        assert_eq!(
            rest.versions.expect("page")[0].name.as_deref(),
            Some("projects/p/secrets/db-password/versions/1")
        );
        assert!(rest.next_page_token.is_none());
        assert!(
            manager
                .access_version(&format!("{parent}/versions/9"))
                .is_err()
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let manager = manager();
        assert!(
            manager
                .create_secret("projects/p", "bad.id", automatic())
                .is_err()
        );
        let no_replication = manager
            .create_secret("projects/p", "s", Secret::default())
            .expect_err("replication");
        assert_eq!(no_replication.status, "INVALID_ARGUMENT");
        assert!(
            manager
                .create_secret("projects/p/locations/us-central1", "s", automatic())
                .is_err(),
            "regional secrets take no replication"
        );
        manager
            .create_secret("projects/p", "s", automatic())
            .expect("create");
        let big = vec![0u8; MAX_PAYLOAD_BYTES + 1];
        let request = AddSecretVersionRequest {
            payload: Some(SecretPayload {
                data: Some(base64::engine::general_purpose::STANDARD.encode(&big)),
                data_crc32c: None,
            }),
        };
        assert!(
            manager
                .add_version("projects/p/secrets/s", request)
                .is_err()
        );
        let wrong_sum = AddSecretVersionRequest {
            payload: Some(SecretPayload {
                data: Some("YQ==".into()),
                data_crc32c: Some(1),
            }),
        };
        assert!(
            manager
                .add_version("projects/p/secrets/s", wrong_sum)
                .is_err()
        );
        assert_eq!(
            manager
                .get_secret("projects/p/secrets/nope")
                .expect_err("missing")
                .message,
            "Secret [projects/p/secrets/nope] not found."
        );
    }
}
