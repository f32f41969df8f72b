//! Keys: creation (with the default key policy AWS writes), description, listing, enabling
//! and disabling, deletion schedule, descriptions, key policies, rotation and tags.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sim_aws_shapes::kms::{
    CancelKeyDeletionRequest, CancelKeyDeletionResponse, CreateKeyRequest, CreateKeyResponse,
    DescribeKeyRequest, DescribeKeyResponse, DisableKeyRequest, DisableKeyRotationRequest,
    EnableKeyRequest, EnableKeyRotationRequest, GetKeyLastUsageRequest, GetKeyLastUsageResponse,
    GetKeyPolicyRequest, GetKeyPolicyResponse, GetKeyRotationStatusRequest,
    GetKeyRotationStatusResponse, KeyListEntry, KeyMetadata, ListKeyPoliciesRequest,
    ListKeyPoliciesResponse, ListKeyRotationsRequest, ListKeyRotationsResponse, ListKeysRequest,
    ListKeysResponse, ListResourceTagsRequest, ListResourceTagsResponse, PutKeyPolicyRequest,
    RotateKeyOnDemandRequest, RotateKeyOnDemandResponse, RotationsListEntry,
    ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, Tag, TagResourceRequest,
    UntagResourceRequest, UpdateKeyDescriptionRequest,
};

use super::crypto::{self, Curve};
use super::{KeyRecord, Kms, KmsError, Material, Scope, pending_deletion, timestamp};
use crate::policy::PolicyKind;
use crate::services::Ctx;
use crate::services::paging;

const DAY_MS: i64 = 86_400_000;
const DEFAULT_ROTATION_DAYS: i32 = 365;

/// What a new key is.
pub(super) struct NewKey {
    pub description: String,
    pub usage: String,
    pub spec: String,
    pub origin: String,
    pub policy: Option<String>,
    pub tags: Vec<Tag>,
    pub multi_region: bool,
    pub aws_managed: bool,
}

impl NewKey {
    /// An AWS managed symmetric key.
    pub fn managed(description: String) -> Self {
        Self {
            description,
            usage: "ENCRYPT_DECRYPT".into(),
            spec: "SYMMETRIC_DEFAULT".into(),
            origin: "AWS_KMS".into(),
            policy: None,
            tags: Vec::new(),
            multi_region: false,
            aws_managed: true,
        }
    }
}

/// The key policy AWS writes when CreateKey is given none, in AWS's own layout.
fn default_policy(account_id: &str) -> String {
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"arn:aws:iam::{account_id}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
    )
}

/// The algorithms a key spec and usage offer, as KeyMetadata lists them.
struct Algorithms {
    encryption: Option<Vec<String>>,
    signing: Option<Vec<String>>,
    mac: Option<Vec<String>>,
    key_agreement: Option<Vec<String>>,
}

fn algorithms(spec: &str, usage: &str) -> Algorithms {
    let list = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect());
    let mut out = Algorithms {
        encryption: None,
        signing: None,
        mac: None,
        key_agreement: None,
    };
    match (spec, usage) {
        ("SYMMETRIC_DEFAULT", _) => out.encryption = list(&["SYMMETRIC_DEFAULT"]),
        (hmac, _) if hmac.starts_with("HMAC_") => {
            out.mac = list(&[&hmac.replace("HMAC_", "HMAC_SHA_")])
        }
        (_, "KEY_AGREEMENT") => out.key_agreement = list(&["ECDH"]),
        (ecc, _) => {
            if let Some(curve) = Curve::of_spec(ecc) {
                out.signing = list(&[curve.signing_algorithm()]);
            }
        }
    }
    out
}

/// The usages each key spec allows; the first is the default.
fn usages(spec: &str) -> &'static [&'static str] {
    match spec {
        "SYMMETRIC_DEFAULT" => &["ENCRYPT_DECRYPT"],
        s if s.starts_with("HMAC_") => &["GENERATE_VERIFY_MAC"],
        "ECC_SECG_P256K1" => &["SIGN_VERIFY"],
        s if s.starts_with("ECC_NIST_") => &["SIGN_VERIFY", "KEY_AGREEMENT"],
        s if s.starts_with("RSA_") => &["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
        _ => &["SIGN_VERIFY", "ENCRYPT_DECRYPT", "KEY_AGREEMENT"],
    }
}

fn hmac_length(spec: &str) -> usize {
    match spec {
        "HMAC_224" => 28,
        "HMAC_384" => 48,
        "HMAC_512" => 64,
        _ => 32,
    }
}

fn check_policy(policy: &str) -> Result<(), KmsError> {
    if serde_json::from_str::<serde_json::Value>(policy).is_err() {
        return Err(KmsError::MalformedPolicyDocument(
            "The new key policy will not allow you to update the key policy in the future.".into(),
        ));
    }
    crate::policy::check(policy, PolicyKind::Resource)
        .map_err(|error| KmsError::MalformedPolicyDocument(error.0))
}

fn check_tags(tags: &[Tag]) -> Result<(), KmsError> {
    for tag in tags {
        if tag.tag_key.starts_with("aws:") {
            return Err(KmsError::Tag(
                "Tags beginning with aws: are reserved".into(),
            ));
        }
    }
    Ok(())
}

/// Adds or replaces tags by key, keeping first-set order.
fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) {
    for tag in new {
        match existing.iter_mut().find(|t| t.tag_key == tag.tag_key) {
            Some(slot) => slot.tag_value = tag.tag_value,
            None => existing.push(tag),
        }
    }
}

/// The page of `entries` after `marker`, with KMS's marker error.
pub(super) fn page<T>(
    entries: Vec<(String, T)>,
    marker: Option<&str>,
    limit: Option<i32>,
    default: usize,
) -> Result<paging::Page<T>, KmsError> {
    let size = limit.map_or(default, |limit| usize::try_from(limit).unwrap_or(default));
    paging::page(entries, marker, size)
        .map_err(|_| KmsError::InvalidMarker("Invalid marker".into()))
}

impl Kms {
    /// Makes a key's record (not stored).
    pub(super) fn new_key(&self, scope: &Scope, new: NewKey) -> Result<KeyRecord, KmsError> {
        let key_id = if new.multi_region {
            format!("mrk-{}", self.kit.ids().hex(32))
        } else {
            self.kit.ids().uuid()
        };
        let now = self.now();
        let algorithms = algorithms(&new.spec, &new.usage);
        let external = new.origin == "EXTERNAL";
        let mut materials = Vec::new();
        let (mut private_key, mut public_key) = (None, None);
        if !external {
            if new.spec == "SYMMETRIC_DEFAULT" || new.spec.starts_with("HMAC_") {
                let length = if new.spec == "SYMMETRIC_DEFAULT" {
                    32
                } else {
                    hmac_length(&new.spec)
                };
                materials.push(Material {
                    id: self.kit.ids().hex(64),
                    created: now,
                    rotation_type: None,
                    secret: STANDARD.encode(crypto::random_bytes(length)),
                });
            } else if let Some(curve) = Curve::of_spec(&new.spec) {
                let (private, public) = crypto::new_key_pair(curve);
                private_key = Some(STANDARD.encode(private));
                public_key = Some(STANDARD.encode(public));
            } else {
                return Err(KmsError::UnsupportedOperation(format!(
                    "{} keys are not supported by Sockerless's KMS.",
                    new.spec
                )));
            }
        }
        let metadata = KeyMetadata {
            aws_account_id: Some(scope.account_id.clone()),
            key_id: key_id.clone(),
            arn: Some(scope.key_arn(&key_id)),
            creation_date: timestamp(now),
            enabled: Some(!external),
            description: Some(new.description),
            key_usage: Some(new.usage),
            key_state: Some(if external { "PendingImport" } else { "Enabled" }.into()),
            origin: Some(new.origin),
            key_manager: Some(if new.aws_managed { "AWS" } else { "CUSTOMER" }.into()),
            customer_master_key_spec: Some(new.spec.clone()),
            key_spec: Some(new.spec),
            encryption_algorithms: algorithms.encryption,
            signing_algorithms: algorithms.signing,
            mac_algorithms: algorithms.mac,
            key_agreement_algorithms: algorithms.key_agreement,
            multi_region: Some(new.multi_region),
            multi_region_configuration: new.multi_region.then(|| {
                sim_aws_shapes::kms::MultiRegionConfiguration {
                    multi_region_key_type: Some("PRIMARY".into()),
                    primary_key: Some(sim_aws_shapes::kms::MultiRegionKey {
                        arn: Some(scope.key_arn(&key_id)),
                        region: Some(scope.region.clone()),
                    }),
                    replica_keys: Some(Vec::new()),
                }
            }),
            current_key_material_id: materials.first().map(|m| m.id.clone()),
            expiration_model: external.then(|| "KEY_MATERIAL_DOES_NOT_EXPIRE".into()),
            ..Default::default()
        };
        Ok(KeyRecord {
            metadata,
            policy: new
                .policy
                .unwrap_or_else(|| default_policy(&scope.account_id)),
            tags: new.tags,
            materials,
            private_key,
            public_key,
            // AWS rotates its managed keys every year.
            rotation_enabled: new.aws_managed,
            rotation_period_in_days: new.aws_managed.then_some(DEFAULT_ROTATION_DAYS),
            next_rotation: new
                .aws_managed
                .then(|| now + i64::from(DEFAULT_ROTATION_DAYS) * DAY_MS),
            aws_managed: new.aws_managed,
        })
    }

    pub(super) async fn create_key(
        &self,
        ctx: &Ctx,
        input: CreateKeyRequest,
    ) -> Result<CreateKeyResponse, KmsError> {
        let scope = Scope::of(ctx);
        if input.key_spec.is_some() && input.customer_master_key_spec.is_some() {
            return Err(KmsError::Validation(
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.".into(),
            ));
        }
        let spec = input
            .key_spec
            .or(input.customer_master_key_spec)
            .unwrap_or_else(|| "SYMMETRIC_DEFAULT".into());
        let allowed = usages(&spec);
        let usage = match input.key_usage {
            Some(usage) if allowed.contains(&usage.as_str()) => usage,
            Some(usage) => {
                return Err(KmsError::Validation(format!(
                    "KeyUsage {usage} is not compatible with KeySpec {spec}"
                )));
            }
            None if spec == "SYMMETRIC_DEFAULT" || spec.starts_with("HMAC_") => {
                allowed[0].to_string()
            }
            None => {
                return Err(KmsError::Validation(
                    "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.".into(),
                ));
            }
        };
        let origin = input.origin.unwrap_or_else(|| "AWS_KMS".into());
        if matches!(origin.as_str(), "AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE")
            || input.custom_key_store_id.is_some()
        {
            return Err(KmsError::CustomKeyStoreNotFound(
                "Custom key store is not found.".into(),
            ));
        }
        if origin == "EXTERNAL" && spec != "SYMMETRIC_DEFAULT" && !spec.starts_with("HMAC_") {
            return Err(KmsError::UnsupportedOperation(format!(
                "Importing key material for {spec} keys is not supported by Sockerless's KMS."
            )));
        }
        if let Some(policy) = &input.policy {
            check_policy(policy)?;
        }
        let tags = input.tags.unwrap_or_default();
        check_tags(&tags)?;
        let record = self.new_key(
            &scope,
            NewKey {
                description: input.description.unwrap_or_default(),
                usage,
                spec,
                origin,
                policy: input.policy,
                tags,
                multi_region: input.multi_region.unwrap_or(false),
                aws_managed: false,
            },
        )?;
        self.keys
            .insert(&scope.key_key(&record.metadata.key_id), record.clone())?;
        Ok(CreateKeyResponse {
            key_metadata: Some(record.metadata),
        })
    }

    pub(super) async fn describe_key(
        &self,
        ctx: &Ctx,
        input: DescribeKeyRequest,
    ) -> Result<DescribeKeyResponse, KmsError> {
        let scope = Scope::of(ctx);
        let record = match self.find_key(&scope, &input.key_id, true) {
            Err(KmsError::NotFound(_)) if input.key_id.starts_with("alias/aws/") => {
                // AWS creates a service's managed key when it is first described, too.
                let service = input.key_id.trim_start_matches("alias/aws/");
                self.managed_key(&scope, service)?
            }
            other => other?,
        };
        Ok(DescribeKeyResponse {
            key_metadata: Some(record.metadata),
        })
    }

    pub(super) async fn list_keys(
        &self,
        ctx: &Ctx,
        input: ListKeysRequest,
    ) -> Result<ListKeysResponse, KmsError> {
        let scope = Scope::of(ctx);
        let entries = self
            .keys
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(key, record)| {
                let entry = KeyListEntry {
                    key_arn: record.metadata.arn.clone(),
                    key_id: Some(record.metadata.key_id),
                };
                (key, entry)
            })
            .collect();
        let page = page(entries, input.marker.as_deref(), input.limit, 100)?;
        Ok(ListKeysResponse {
            truncated: Some(page.is_truncated()),
            next_marker: page.next,
            keys: Some(page.items),
        })
    }

    /// A customer managed key that may be changed: not AWS managed, not pending deletion.
    fn change_customer_key<R>(
        &self,
        scope: &Scope,
        key_id: &str,
        change: impl FnOnce(&mut KeyRecord) -> Result<R, KmsError>,
    ) -> Result<R, KmsError> {
        let record = self.find_key(scope, key_id, false)?;
        let id = record.metadata.key_id.clone();
        self.change_key(scope, &id, |record| {
            if record.aws_managed {
                return Err(KmsError::UnsupportedOperation(format!(
                    "{} is an AWS managed key and cannot be modified.",
                    record.arn()
                )));
            }
            change(record)
        })
    }

    pub(super) async fn enable_key(
        &self,
        ctx: &Ctx,
        input: EnableKeyRequest,
    ) -> Result<(), KmsError> {
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            match record.state() {
                "PendingDeletion" => return Err(pending_deletion(&record.arn())),
                "PendingImport" => {
                    return Err(KmsError::InvalidState(format!(
                        "{} is pending import.",
                        record.arn()
                    )));
                }
                _ => {}
            }
            record.metadata.key_state = Some("Enabled".into());
            record.metadata.enabled = Some(true);
            Ok(())
        })
    }

    pub(super) async fn disable_key(
        &self,
        ctx: &Ctx,
        input: DisableKeyRequest,
    ) -> Result<(), KmsError> {
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            match record.state() {
                "PendingDeletion" => return Err(pending_deletion(&record.arn())),
                "PendingImport" => {
                    return Err(KmsError::InvalidState(format!(
                        "{} is pending import.",
                        record.arn()
                    )));
                }
                _ => {}
            }
            record.metadata.key_state = Some("Disabled".into());
            record.metadata.enabled = Some(false);
            Ok(())
        })
    }

    pub(super) async fn schedule_key_deletion(
        &self,
        ctx: &Ctx,
        input: ScheduleKeyDeletionRequest,
    ) -> Result<ScheduleKeyDeletionResponse, KmsError> {
        let days = input.pending_window_in_days.unwrap_or(30);
        if !(7..=30).contains(&days) {
            return Err(KmsError::Validation(
                "PendingWindowInDays value must be between 7 and 30.".into(),
            ));
        }
        let deletion = self.now() + i64::from(days) * DAY_MS;
        let arn = self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            if record.state() == "PendingDeletion" {
                return Err(pending_deletion(&record.arn()));
            }
            record.metadata.key_state = Some("PendingDeletion".into());
            record.metadata.enabled = Some(false);
            record.metadata.deletion_date = timestamp(deletion);
            record.metadata.pending_deletion_window_in_days = Some(days);
            Ok(record.arn())
        })?;
        Ok(ScheduleKeyDeletionResponse {
            key_id: Some(arn),
            deletion_date: timestamp(deletion),
            key_state: Some("PendingDeletion".into()),
            pending_window_in_days: Some(days),
        })
    }

    pub(super) async fn cancel_key_deletion(
        &self,
        ctx: &Ctx,
        input: CancelKeyDeletionRequest,
    ) -> Result<CancelKeyDeletionResponse, KmsError> {
        let arn = self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            if record.state() != "PendingDeletion" {
                return Err(KmsError::InvalidState(format!(
                    "{} is not pending deletion.",
                    record.arn()
                )));
            }
            record.metadata.key_state = Some("Disabled".into());
            record.metadata.deletion_date = None;
            record.metadata.pending_deletion_window_in_days = None;
            Ok(record.arn())
        })?;
        Ok(CancelKeyDeletionResponse { key_id: Some(arn) })
    }

    pub(super) async fn update_key_description(
        &self,
        ctx: &Ctx,
        input: UpdateKeyDescriptionRequest,
    ) -> Result<(), KmsError> {
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            if record.state() == "PendingDeletion" {
                return Err(pending_deletion(&record.arn()));
            }
            record.metadata.description = Some(input.description);
            Ok(())
        })
    }

    fn check_policy_name(name: Option<&str>) -> Result<(), KmsError> {
        match name {
            None | Some("default") => Ok(()),
            Some(_) => Err(KmsError::NotFound("No such policy exists".into())),
        }
    }

    pub(super) async fn get_key_policy(
        &self,
        ctx: &Ctx,
        input: GetKeyPolicyRequest,
    ) -> Result<GetKeyPolicyResponse, KmsError> {
        Self::check_policy_name(input.policy_name.as_deref())?;
        let record = self.find_key(&Scope::of(ctx), &input.key_id, false)?;
        Ok(GetKeyPolicyResponse {
            policy: Some(record.policy),
            policy_name: Some("default".into()),
        })
    }

    pub(super) async fn put_key_policy(
        &self,
        ctx: &Ctx,
        input: PutKeyPolicyRequest,
    ) -> Result<(), KmsError> {
        Self::check_policy_name(input.policy_name.as_deref())?;
        check_policy(&input.policy)?;
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            record.policy = input.policy;
            Ok(())
        })
    }

    pub(super) async fn list_key_policies(
        &self,
        ctx: &Ctx,
        input: ListKeyPoliciesRequest,
    ) -> Result<ListKeyPoliciesResponse, KmsError> {
        self.find_key(&Scope::of(ctx), &input.key_id, false)?;
        Ok(ListKeyPoliciesResponse {
            policy_names: Some(vec!["default".into()]),
            next_marker: None,
            truncated: Some(false),
        })
    }

    /// Refuses rotation for keys that cannot rotate: asymmetric keys, imported material, and
    /// keys in states that do not allow it.
    fn rotatable(record: &KeyRecord) -> Result<(), KmsError> {
        if record.spec() != "SYMMETRIC_DEFAULT"
            || record.metadata.origin.as_deref() != Some("AWS_KMS")
        {
            return Err(KmsError::UnsupportedOperation(format!(
                "{} key does not support automatic key rotation.",
                record.arn()
            )));
        }
        match record.state() {
            "Disabled" => Err(KmsError::Disabled(format!("{} is disabled.", record.arn()))),
            "PendingDeletion" => Err(pending_deletion(&record.arn())),
            _ => Ok(()),
        }
    }

    pub(super) async fn get_key_rotation_status(
        &self,
        ctx: &Ctx,
        input: GetKeyRotationStatusRequest,
    ) -> Result<GetKeyRotationStatusResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, false)?;
        if record.spec() != "SYMMETRIC_DEFAULT" {
            return Err(KmsError::UnsupportedOperation(format!(
                "{} key does not support automatic key rotation.",
                record.arn()
            )));
        }
        let enabled = record.rotation_enabled;
        Ok(GetKeyRotationStatusResponse {
            key_rotation_enabled: Some(enabled),
            key_id: Some(record.arn()),
            rotation_period_in_days: record.rotation_period_in_days.filter(|_| enabled),
            next_rotation_date: record.next_rotation.filter(|_| enabled).and_then(timestamp),
            on_demand_rotation_start_date: None,
        })
    }

    pub(super) async fn enable_key_rotation(
        &self,
        ctx: &Ctx,
        input: EnableKeyRotationRequest,
    ) -> Result<(), KmsError> {
        let now = self.now();
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            Self::rotatable(record)?;
            let days = input
                .rotation_period_in_days
                .unwrap_or(DEFAULT_ROTATION_DAYS);
            record.rotation_enabled = true;
            record.rotation_period_in_days = Some(days);
            record.next_rotation = Some(now + i64::from(days) * DAY_MS);
            Ok(())
        })
    }

    pub(super) async fn disable_key_rotation(
        &self,
        ctx: &Ctx,
        input: DisableKeyRotationRequest,
    ) -> Result<(), KmsError> {
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            Self::rotatable(record)?;
            record.rotation_enabled = false;
            record.rotation_period_in_days = None;
            record.next_rotation = None;
            Ok(())
        })
    }

    pub(super) async fn rotate_key_on_demand(
        &self,
        ctx: &Ctx,
        input: RotateKeyOnDemandRequest,
    ) -> Result<RotateKeyOnDemandResponse, KmsError> {
        let material = Material {
            id: self.kit.ids().hex(64),
            created: self.now(),
            rotation_type: Some("ON_DEMAND".into()),
            secret: STANDARD.encode(crypto::random_bytes(32)),
        };
        let arn = self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            Self::rotatable(record)?;
            record.metadata.current_key_material_id = Some(material.id.clone());
            record.materials.push(material);
            Ok(record.metadata.key_id.clone())
        })?;
        Ok(RotateKeyOnDemandResponse { key_id: Some(arn) })
    }

    pub(super) async fn list_key_rotations(
        &self,
        ctx: &Ctx,
        input: ListKeyRotationsRequest,
    ) -> Result<ListKeyRotationsResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, false)?;
        if record.spec() != "SYMMETRIC_DEFAULT" {
            return Err(KmsError::UnsupportedOperation(format!(
                "{} key does not support automatic key rotation.",
                record.arn()
            )));
        }
        let entries = record
            .materials
            .iter()
            .enumerate()
            .filter(|(_, material)| material.rotation_type.is_some())
            .map(|(index, material)| {
                let entry = RotationsListEntry {
                    key_id: Some(record.arn()),
                    rotation_date: timestamp(material.created),
                    rotation_type: material.rotation_type.clone(),
                    ..Default::default()
                };
                (format!("{index:010}"), entry)
            })
            .collect();
        let page = page(entries, input.marker.as_deref(), input.limit, 100)?;
        Ok(ListKeyRotationsResponse {
            truncated: Some(page.is_truncated()),
            next_marker: page.next,
            rotations: Some(page.items),
        })
    }

    pub(super) async fn get_key_last_usage(
        &self,
        ctx: &Ctx,
        input: GetKeyLastUsageRequest,
    ) -> Result<GetKeyLastUsageResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, true)?;
        // Usage is not tracked: tracking starts (and has seen nothing) when the key was made.
        Ok(GetKeyLastUsageResponse {
            key_id: Some(record.arn()),
            key_last_usage: None,
            tracking_start_date: record.metadata.creation_date,
            key_creation_date: record.metadata.creation_date,
        })
    }

    pub(super) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<(), KmsError> {
        check_tags(&input.tags)?;
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            if record.state() == "PendingDeletion" {
                return Err(pending_deletion(&record.arn()));
            }
            merge_tags(&mut record.tags, input.tags);
            if record.tags.len() > 50 {
                return Err(KmsError::Tag("Too many tags".into()));
            }
            Ok(())
        })
    }

    pub(super) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), KmsError> {
        self.change_customer_key(&Scope::of(ctx), &input.key_id, |record| {
            if record.state() == "PendingDeletion" {
                return Err(pending_deletion(&record.arn()));
            }
            record
                .tags
                .retain(|tag| !input.tag_keys.contains(&tag.tag_key));
            Ok(())
        })
    }

    pub(super) async fn list_resource_tags(
        &self,
        ctx: &Ctx,
        input: ListResourceTagsRequest,
    ) -> Result<ListResourceTagsResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, false)?;
        let entries = record
            .tags
            .into_iter()
            .map(|tag| (tag.tag_key.clone(), tag))
            .collect();
        let page = page(entries, input.marker.as_deref(), input.limit, 50)?;
        Ok(ListResourceTagsResponse {
            truncated: Some(page.is_truncated()),
            next_marker: page.next,
            tags: Some(page.items),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_a_valid_resource_policy() {
        check_policy(&default_policy("123456789012")).unwrap();
    }

    #[test]
    fn key_specs_default_their_usage_or_require_one() {
        assert_eq!(usages("SYMMETRIC_DEFAULT"), ["ENCRYPT_DECRYPT"]);
        assert_eq!(usages("HMAC_256"), ["GENERATE_VERIFY_MAC"]);
        assert!(usages("ECC_NIST_P256").contains(&"SIGN_VERIFY"));
        let hmac = algorithms("HMAC_384", "GENERATE_VERIFY_MAC");
        assert_eq!(hmac.mac, Some(vec!["HMAC_SHA_384".to_string()]));
    }
}
