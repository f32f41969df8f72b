//! Bucket and object settings: versioning, tags, the bucket policy (checked against the policy
//! grammar), ACLs (canned, header grants, or a document; read back as stored), and the bucket
//! configurations S3 stores as written (CORS, lifecycle, encryption, website, notifications,
//! ownership controls, public access block).

use serde_json::Value;
use sim_aws_shapes::normal::{FromNormal, ToNormal};
use sim_aws_shapes::s3::{
    AccessControlPolicy, DeleteBucketCorsRequest, DeleteBucketEncryptionRequest,
    DeleteBucketLifecycleRequest, DeleteBucketOwnershipControlsRequest, DeleteBucketPolicyRequest,
    DeleteBucketTaggingRequest, DeleteBucketWebsiteRequest, DeleteObjectTaggingOutput,
    DeleteObjectTaggingRequest, DeletePublicAccessBlockRequest, GetBucketAclOutput,
    GetBucketAclRequest, GetBucketCorsOutput, GetBucketCorsRequest, GetBucketEncryptionOutput,
    GetBucketEncryptionRequest, GetBucketLifecycleConfigurationOutput,
    GetBucketLifecycleConfigurationRequest, GetBucketNotificationConfigurationRequest,
    GetBucketOwnershipControlsOutput, GetBucketOwnershipControlsRequest, GetBucketPolicyOutput,
    GetBucketPolicyRequest, GetBucketTaggingOutput, GetBucketTaggingRequest,
    GetBucketVersioningOutput, GetBucketVersioningRequest, GetBucketWebsiteOutput,
    GetBucketWebsiteRequest, GetObjectAclOutput, GetObjectAclRequest, GetObjectTaggingOutput,
    GetObjectTaggingRequest, GetPublicAccessBlockOutput, GetPublicAccessBlockRequest, Grant,
    Grantee, NotificationConfiguration, Owner, PutBucketAclRequest, PutBucketCorsRequest,
    PutBucketEncryptionRequest, PutBucketLifecycleConfigurationOutput,
    PutBucketLifecycleConfigurationRequest, PutBucketNotificationConfigurationRequest,
    PutBucketOwnershipControlsRequest, PutBucketPolicyRequest, PutBucketTaggingRequest,
    PutBucketVersioningRequest, PutBucketWebsiteRequest, PutObjectAclOutput, PutObjectAclRequest,
    PutObjectTaggingOutput, PutObjectTaggingRequest, PutPublicAccessBlockRequest, Tag,
};

use super::{BucketRecord, S3, S3Error, canonical_id, invalid_argument, invalid_request};
use crate::services::Ctx;

/// The `x-amz-grant-*` headers of a request.
#[derive(Debug, Default)]
pub(super) struct GrantHeaders {
    pub full_control: Option<String>,
    pub read: Option<String>,
    pub read_acp: Option<String>,
    pub write: Option<String>,
    pub write_acp: Option<String>,
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

fn user_grant(id: &str, permission: &str) -> Grant {
    Grant {
        grantee: Some(Grantee {
            id: Some(id.to_string()),
            r#type: "CanonicalUser".to_string(),
            ..Default::default()
        }),
        permission: Some(permission.to_string()),
    }
}

fn group_grant(uri: &str, permission: &str) -> Grant {
    Grant {
        grantee: Some(Grantee {
            uri: Some(uri.to_string()),
            r#type: "Group".to_string(),
            ..Default::default()
        }),
        permission: Some(permission.to_string()),
    }
}

/// The grants of a canned ACL, or `None` for a name S3 does not know.
fn canned(owner_id: &str, name: &str) -> Option<Vec<Grant>> {
    let mut grants = vec![user_grant(owner_id, "FULL_CONTROL")];
    match name {
        "private" | "bucket-owner-read" | "bucket-owner-full-control" | "aws-exec-read" => {}
        "public-read" => grants.push(group_grant(ALL_USERS, "READ")),
        "public-read-write" => {
            grants.push(group_grant(ALL_USERS, "READ"));
            grants.push(group_grant(ALL_USERS, "WRITE"));
        }
        "authenticated-read" => grants.push(group_grant(AUTHENTICATED_USERS, "READ")),
        "log-delivery-write" => {
            grants.push(group_grant(LOG_DELIVERY, "WRITE"));
            grants.push(group_grant(LOG_DELIVERY, "READ_ACP"));
        }
        _ => return None,
    }
    Some(grants)
}

/// Grants from `x-amz-grant-*` headers: `id="…", uri="…", emailAddress="…"` lists.
fn header_grants(headers: &GrantHeaders) -> Result<Vec<Grant>, S3Error> {
    let mut grants = Vec::new();
    for (permission, header) in [
        ("FULL_CONTROL", &headers.full_control),
        ("READ", &headers.read),
        ("READ_ACP", &headers.read_acp),
        ("WRITE", &headers.write),
        ("WRITE_ACP", &headers.write_acp),
    ] {
        let Some(header) = header else { continue };
        for grantee in header.split(',') {
            let Some((kind, value)) = grantee.trim().split_once('=') else {
                return Err(invalid_argument("Invalid argument."));
            };
            let value = value.trim().trim_matches('"').to_string();
            let mut target = Grantee::default();
            match kind.trim() {
                "id" => {
                    target.id = Some(value);
                    target.r#type = "CanonicalUser".to_string();
                }
                "uri" => {
                    target.uri = Some(value);
                    target.r#type = "Group".to_string();
                }
                "emailAddress" => {
                    target.email_address = Some(value);
                    target.r#type = "AmazonCustomerByEmail".to_string();
                }
                _ => return Err(invalid_argument("Invalid argument.")),
            }
            grants.push(Grant {
                grantee: Some(target),
                permission: Some(permission.to_string()),
            });
        }
    }
    Ok(grants)
}

/// The ACL a request sets (normal form of an `AccessControlPolicy`), or `None` when it sets
/// none. A canned ACL, grant headers and a document are mutually exclusive.
pub(super) fn acl_from_request(
    ctx: &Ctx,
    canned_name: Option<&str>,
    headers: &GrantHeaders,
    document: Option<AccessControlPolicy>,
) -> Result<Option<Value>, S3Error> {
    let owner_id = canonical_id(&ctx.account_id);
    let from_headers = header_grants(headers)?;
    let specified = [
        canned_name.is_some(),
        !from_headers.is_empty(),
        document.is_some(),
    ]
    .iter()
    .filter(|set| **set)
    .count();
    if specified > 1 {
        return Err(invalid_request(
            "Specifying both Canned ACLs and Header Grants is not allowed",
        ));
    }
    let grants = match (canned_name, document) {
        (Some(name), _) => canned(&owner_id, name).ok_or_else(|| {
            invalid_argument("")
                .with("ArgumentName", "x-amz-acl")
                .with("ArgumentValue", name)
        })?,
        (None, Some(document)) => document.grants.unwrap_or_default(),
        (None, None) if !from_headers.is_empty() => from_headers,
        (None, None) => return Ok(None),
    };
    Ok(Some(
        AccessControlPolicy {
            grants: Some(grants),
            owner: Some(Owner {
                id: Some(owner_id),
                display_name: None,
            }),
        }
        .into_normal(),
    ))
}

/// The ACL stored (or the owner's private one).
fn stored_acl(acl: Option<&Value>, owner_account: &str) -> AccessControlPolicy {
    acl.cloned()
        .and_then(|value| AccessControlPolicy::from_normal(value).ok())
        .unwrap_or_else(|| {
            let owner_id = canonical_id(owner_account);
            AccessControlPolicy {
                grants: canned(&owner_id, "private"),
                owner: Some(Owner {
                    id: Some(owner_id),
                    display_name: None,
                }),
            }
        })
}

/// S3's limits on object tags: 10 per object, keys up to 128 and values up to 256 characters,
/// no duplicate keys.
pub(super) fn check_object_tags(tags: &[(String, String)]) -> Result<(), S3Error> {
    if tags.len() > 10 {
        return Err(S3Error::new(
            "BadRequest",
            400,
            "Object tags cannot be greater than 10",
        ));
    }
    check_tags(tags)
}

fn check_tags(tags: &[(String, String)]) -> Result<(), S3Error> {
    let mut seen = std::collections::BTreeSet::new();
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(S3Error::new(
                "InvalidTag",
                400,
                "The TagKey you have provided is invalid",
            ));
        }
        if !seen.insert(key.as_str()) {
            return Err(S3Error::new(
                "InvalidTag",
                400,
                "Cannot provide multiple Tags with the same key",
            ));
        }
        if key.starts_with("aws:") {
            return Err(S3Error::new(
                "InvalidTag",
                400,
                "System tags cannot be added/updated by requester",
            ));
        }
    }
    Ok(())
}

fn pairs(tags: Vec<Tag>) -> Vec<(String, String)> {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

fn tag_list(pairs: &[(String, String)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

impl S3 {
    /// Changes `bucket`'s record with `change`.
    fn change_bucket(
        &self,
        bucket: &str,
        change: impl FnOnce(&mut BucketRecord) -> Result<(), S3Error>,
    ) -> Result<(), S3Error> {
        self.buckets.modify(bucket, |slot| match slot {
            Some(record) => change(record),
            None => Err(super::no_such_bucket(bucket)),
        })
    }

    fn set_config(&self, bucket: &str, name: &str, value: Option<Value>) -> Result<(), S3Error> {
        self.change_bucket(bucket, |record| {
            match value {
                Some(value) => record.configs.insert(name.to_string(), value),
                None => record.configs.remove(name),
            };
            Ok(())
        })
    }

    /// A stored configuration as type `T`, or `missing`.
    fn config<T: FromNormal>(
        &self,
        bucket: &BucketRecord,
        name: &str,
        missing: impl FnOnce() -> S3Error,
    ) -> Result<T, S3Error> {
        let value = bucket.configs.get(name).cloned().ok_or_else(missing)?;
        T::from_normal(value).map_err(|error| {
            tracing::error!(%error, name, "a stored bucket configuration does not read back");
            S3Error::new(
                "InternalError",
                500,
                "We encountered an internal error. Please try again.",
            )
        })
    }

    pub(super) async fn get_bucket_versioning(
        &self,
        ctx: &Ctx,
        input: GetBucketVersioningRequest,
    ) -> Result<GetBucketVersioningOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketVersioningOutput {
            status: bucket.versioning,
            mfa_delete: bucket.mfa_delete,
        })
    }

    pub(super) async fn put_bucket_versioning(
        &self,
        ctx: &Ctx,
        input: PutBucketVersioningRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let status = input.versioning_configuration.status.clone();
        if bucket.object_lock_enabled && status.as_deref() == Some("Suspended") {
            return Err(invalid_bucket_state(
                "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
            ));
        }
        if input.versioning_configuration.mfa_delete.as_deref() == Some("Enabled")
            && input.mfa.is_none()
        {
            return Err(S3Error::new(
                "InvalidRequest",
                400,
                "DevPay and Mfa are mutually exclusive authorization methods.",
            ));
        }
        self.change_bucket(&bucket.name, |record| {
            if let Some(status) = status {
                record.versioning = Some(status);
            }
            if let Some(mfa_delete) = input.versioning_configuration.mfa_delete {
                record.mfa_delete = Some(mfa_delete);
            }
            Ok(())
        })
    }

    pub(super) async fn get_bucket_tagging(
        &self,
        ctx: &Ctx,
        input: GetBucketTaggingRequest,
    ) -> Result<GetBucketTaggingOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let tagging: sim_aws_shapes::s3::Tagging = self.config(&bucket, "tagging", || {
            S3Error::new("NoSuchTagSet", 404, "The TagSet does not exist")
                .with("BucketName", &bucket.name)
        })?;
        Ok(GetBucketTaggingOutput {
            tag_set: tagging.tag_set,
        })
    }

    pub(super) async fn put_bucket_tagging(
        &self,
        ctx: &Ctx,
        input: PutBucketTaggingRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let tags = pairs(input.tagging.tag_set.clone());
        if tags.len() > 50 {
            return Err(S3Error::new(
                "InvalidTag",
                400,
                "Bucket tag count cannot be greater than 50",
            ));
        }
        check_tags(&tags)?;
        self.set_config(&bucket.name, "tagging", Some(input.tagging.into_normal()))
    }

    pub(super) async fn delete_bucket_tagging(
        &self,
        ctx: &Ctx,
        input: DeleteBucketTaggingRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "tagging", None)
    }

    /// The version record of an object for a settings operation.
    fn object_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<(String, super::ObjectRecord), S3Error> {
        let (record_key, object) = self.find_object(bucket, key, version_id)?;
        if object.delete_marker {
            return Err(S3Error::new(
                "MethodNotAllowed",
                405,
                "The specified method is not allowed against this resource.",
            ));
        }
        Ok((record_key, object))
    }

    pub(super) async fn get_object_tagging(
        &self,
        ctx: &Ctx,
        input: GetObjectTaggingRequest,
    ) -> Result<GetObjectTaggingOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (_, object) =
            self.object_version(&bucket.name, &input.key, input.version_id.as_deref())?;
        Ok(GetObjectTaggingOutput {
            version_id: bucket.versioning.is_some().then_some(object.version_id),
            tag_set: tag_list(&object.tags),
        })
    }

    pub(super) async fn put_object_tagging(
        &self,
        ctx: &Ctx,
        input: PutObjectTaggingRequest,
    ) -> Result<PutObjectTaggingOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let tags = pairs(input.tagging.tag_set);
        check_object_tags(&tags)?;
        let (record_key, object) =
            self.object_version(&bucket.name, &input.key, input.version_id.as_deref())?;
        self.objects
            .update(&record_key, |record| record.tags = tags)?;
        Ok(PutObjectTaggingOutput {
            version_id: bucket.versioning.is_some().then_some(object.version_id),
        })
    }

    pub(super) async fn delete_object_tagging(
        &self,
        ctx: &Ctx,
        input: DeleteObjectTaggingRequest,
    ) -> Result<DeleteObjectTaggingOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (record_key, object) =
            self.object_version(&bucket.name, &input.key, input.version_id.as_deref())?;
        self.objects
            .update(&record_key, |record| record.tags.clear())?;
        Ok(DeleteObjectTaggingOutput {
            version_id: bucket.versioning.is_some().then_some(object.version_id),
        })
    }

    pub(super) async fn get_bucket_policy(
        &self,
        ctx: &Ctx,
        input: GetBucketPolicyRequest,
    ) -> Result<GetBucketPolicyOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let policy = bucket
            .configs
            .get("policy")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                S3Error::new(
                    "NoSuchBucketPolicy",
                    404,
                    "The bucket policy does not exist",
                )
                .with("BucketName", &bucket.name)
            })?;
        Ok(GetBucketPolicyOutput {
            policy: Some(policy),
        })
    }

    pub(super) async fn put_bucket_policy(
        &self,
        ctx: &Ctx,
        input: PutBucketPolicyRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_bucket_policy(&input.policy, &bucket.name)?;
        self.set_config(&bucket.name, "policy", Some(Value::String(input.policy)))
    }

    pub(super) async fn delete_bucket_policy(
        &self,
        ctx: &Ctx,
        input: DeleteBucketPolicyRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "policy", None)
    }

    pub(super) async fn get_bucket_acl(
        &self,
        ctx: &Ctx,
        input: GetBucketAclRequest,
    ) -> Result<GetBucketAclOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let acl = stored_acl(bucket.configs.get("acl"), &bucket.account_id);
        Ok(GetBucketAclOutput {
            owner: acl.owner,
            grants: acl.grants,
        })
    }

    pub(super) async fn put_bucket_acl(
        &self,
        ctx: &Ctx,
        input: PutBucketAclRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.check_acls_allowed(&bucket, input.acl.as_deref())?;
        let acl = acl_from_request(
            ctx,
            input.acl.as_deref(),
            &GrantHeaders {
                full_control: input.grant_full_control,
                read: input.grant_read,
                read_acp: input.grant_read_acp,
                write: input.grant_write,
                write_acp: input.grant_write_acp,
            },
            input.access_control_policy,
        )?
        .ok_or_else(|| {
            S3Error::new(
                "MissingSecurityHeader",
                400,
                "Your request was missing a required header",
            )
            .with("MissingHeaderName", "x-amz-acl")
        })?;
        self.set_config(&bucket.name, "acl", Some(acl))
    }

    /// With `BucketOwnerEnforced` ownership, ACLs are disabled: only `private` (or
    /// `bucket-owner-full-control`) may be set.
    fn check_acls_allowed(
        &self,
        bucket: &BucketRecord,
        canned: Option<&str>,
    ) -> Result<(), S3Error> {
        let enforced = bucket
            .configs
            .get("ownership")
            .and_then(|o| o.pointer("/Rules/0/ObjectOwnership"))
            .and_then(Value::as_str)
            == Some("BucketOwnerEnforced");
        if enforced && !matches!(canned, Some("private" | "bucket-owner-full-control")) {
            return Err(S3Error::new(
                "AccessControlListNotSupported",
                400,
                "The bucket does not allow ACLs",
            ));
        }
        Ok(())
    }

    pub(super) async fn get_object_acl(
        &self,
        ctx: &Ctx,
        input: GetObjectAclRequest,
    ) -> Result<GetObjectAclOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (_, object) =
            self.object_version(&bucket.name, &input.key, input.version_id.as_deref())?;
        let acl = stored_acl(object.acl.as_ref(), &object.owner_account);
        Ok(GetObjectAclOutput {
            owner: acl.owner,
            grants: acl.grants,
            request_charged: None,
        })
    }

    pub(super) async fn put_object_acl(
        &self,
        ctx: &Ctx,
        input: PutObjectAclRequest,
    ) -> Result<PutObjectAclOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.check_acls_allowed(&bucket, input.acl.as_deref())?;
        let (record_key, _) =
            self.object_version(&bucket.name, &input.key, input.version_id.as_deref())?;
        let acl = acl_from_request(
            ctx,
            input.acl.as_deref(),
            &GrantHeaders {
                full_control: input.grant_full_control,
                read: input.grant_read,
                read_acp: input.grant_read_acp,
                write: input.grant_write,
                write_acp: input.grant_write_acp,
            },
            input.access_control_policy,
        )?;
        self.objects
            .update(&record_key, |record| record.acl = acl)?;
        Ok(PutObjectAclOutput::default())
    }

    pub(super) async fn get_bucket_cors(
        &self,
        ctx: &Ctx,
        input: GetBucketCorsRequest,
    ) -> Result<GetBucketCorsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.config(&bucket, "cors", || {
            S3Error::new(
                "NoSuchCORSConfiguration",
                404,
                "The CORS configuration does not exist",
            )
            .with("BucketName", &bucket.name)
        })
    }

    pub(super) async fn put_bucket_cors(
        &self,
        ctx: &Ctx,
        input: PutBucketCorsRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if input.cors_configuration.cors_rules.len() > 100 {
            return Err(invalid_request(
                "The number of CORS rules should not exceed allowed limit of 100 rules.",
            ));
        }
        for rule in &input.cors_configuration.cors_rules {
            for method in &rule.allowed_methods {
                if !matches!(method.as_str(), "GET" | "PUT" | "HEAD" | "POST" | "DELETE") {
                    return Err(invalid_request(format!(
                        "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                    )));
                }
            }
        }
        self.set_config(
            &bucket.name,
            "cors",
            Some(input.cors_configuration.into_normal()),
        )
    }

    pub(super) async fn delete_bucket_cors(
        &self,
        ctx: &Ctx,
        input: DeleteBucketCorsRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "cors", None)
    }

    pub(super) async fn get_bucket_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketLifecycleConfigurationRequest,
    ) -> Result<GetBucketLifecycleConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.config(&bucket, "lifecycle", || {
            S3Error::new(
                "NoSuchLifecycleConfiguration",
                404,
                "The lifecycle configuration does not exist",
            )
            .with("BucketName", &bucket.name)
        })
    }

    pub(super) async fn put_bucket_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketLifecycleConfigurationRequest,
    ) -> Result<PutBucketLifecycleConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let configuration = input.lifecycle_configuration.ok_or_else(|| {
            S3Error::new(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate against our published schema",
            )
        })?;
        for rule in &configuration.rules {
            if rule.status != "Enabled" && rule.status != "Disabled" {
                return Err(S3Error::new(
                    "MalformedXML",
                    400,
                    "The XML you provided was not well-formed or did not validate against our published schema",
                ));
            }
        }
        let minimum = input
            .transition_default_minimum_object_size
            .unwrap_or_else(|| "all_storage_classes_128K".to_string());
        let mut stored = configuration.into_normal();
        if let Value::Object(members) = &mut stored {
            members.insert(
                "TransitionDefaultMinimumObjectSize".to_string(),
                Value::String(minimum.clone()),
            );
        }
        self.set_config(&bucket.name, "lifecycle", Some(stored))?;
        Ok(PutBucketLifecycleConfigurationOutput {
            transition_default_minimum_object_size: Some(minimum),
        })
    }

    pub(super) async fn delete_bucket_lifecycle(
        &self,
        ctx: &Ctx,
        input: DeleteBucketLifecycleRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "lifecycle", None)
    }

    pub(super) async fn get_bucket_encryption(
        &self,
        ctx: &Ctx,
        input: GetBucketEncryptionRequest,
    ) -> Result<GetBucketEncryptionOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketEncryptionOutput {
            server_side_encryption_configuration: Some(self.config(
                &bucket,
                "encryption",
                || {
                    S3Error::new(
                        "ServerSideEncryptionConfigurationNotFoundError",
                        404,
                        "The server side encryption configuration was not found",
                    )
                    .with("BucketName", &bucket.name)
                },
            )?),
        })
    }

    pub(super) async fn put_bucket_encryption(
        &self,
        ctx: &Ctx,
        input: PutBucketEncryptionRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(
            &bucket.name,
            "encryption",
            Some(input.server_side_encryption_configuration.into_normal()),
        )
    }

    pub(super) async fn delete_bucket_encryption(
        &self,
        ctx: &Ctx,
        input: DeleteBucketEncryptionRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        // Since 2023 every bucket is encrypted: deleting the configuration restores SSE-S3.
        self.set_config(
            &bucket.name,
            "encryption",
            Some(serde_json::json!({"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": false,
            }]})),
        )
    }

    pub(super) async fn get_bucket_website(
        &self,
        ctx: &Ctx,
        input: GetBucketWebsiteRequest,
    ) -> Result<GetBucketWebsiteOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.config(&bucket, "website", || {
            S3Error::new(
                "NoSuchWebsiteConfiguration",
                404,
                "The specified bucket does not have a website configuration",
            )
            .with("BucketName", &bucket.name)
        })
    }

    pub(super) async fn put_bucket_website(
        &self,
        ctx: &Ctx,
        input: PutBucketWebsiteRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let website = &input.website_configuration;
        if website.redirect_all_requests_to.is_none() && website.index_document.is_none() {
            return Err(invalid_argument(
                "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            ));
        }
        self.set_config(
            &bucket.name,
            "website",
            Some(input.website_configuration.into_normal()),
        )
    }

    pub(super) async fn delete_bucket_website(
        &self,
        ctx: &Ctx,
        input: DeleteBucketWebsiteRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "website", None)
    }

    pub(super) async fn get_bucket_notification_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketNotificationConfigurationRequest,
    ) -> Result<NotificationConfiguration, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        match bucket.configs.get("notification") {
            Some(_) => self.config(&bucket, "notification", unreachable_config),
            None => Ok(NotificationConfiguration::default()),
        }
    }

    pub(super) async fn put_bucket_notification_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketNotificationConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let configuration = &input.notification_configuration;
        let has_destinations = configuration
            .topic_configurations
            .as_ref()
            .is_some_and(|c| !c.is_empty())
            || configuration
                .queue_configurations
                .as_ref()
                .is_some_and(|c| !c.is_empty())
            || configuration
                .lambda_function_configurations
                .as_ref()
                .is_some_and(|c| !c.is_empty());
        // No SNS, SQS or Lambda service exists here to test-deliver to: S3 refuses a
        // destination it cannot validate.
        if has_destinations && !input.skip_destination_validation.unwrap_or(false) {
            return Err(invalid_argument(
                "Unable to validate the following destination configurations",
            )
            .with("ArgumentName", "destination"));
        }
        self.set_config(
            &bucket.name,
            "notification",
            Some(input.notification_configuration.into_normal()),
        )
    }

    pub(super) async fn get_bucket_ownership_controls(
        &self,
        ctx: &Ctx,
        input: GetBucketOwnershipControlsRequest,
    ) -> Result<GetBucketOwnershipControlsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketOwnershipControlsOutput {
            ownership_controls: Some(self.config(&bucket, "ownership", || {
                S3Error::new(
                    "OwnershipControlsNotFoundError",
                    404,
                    "The bucket ownership controls were not found",
                )
                .with("BucketName", &bucket.name)
            })?),
        })
    }

    pub(super) async fn put_bucket_ownership_controls(
        &self,
        ctx: &Ctx,
        input: PutBucketOwnershipControlsRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(
            &bucket.name,
            "ownership",
            Some(input.ownership_controls.into_normal()),
        )
    }

    pub(super) async fn delete_bucket_ownership_controls(
        &self,
        ctx: &Ctx,
        input: DeleteBucketOwnershipControlsRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "ownership", None)
    }

    pub(super) async fn get_public_access_block(
        &self,
        ctx: &Ctx,
        input: GetPublicAccessBlockRequest,
    ) -> Result<GetPublicAccessBlockOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetPublicAccessBlockOutput {
            public_access_block_configuration: Some(self.config(
                &bucket,
                "public-access-block",
                || {
                    S3Error::new(
                        "NoSuchPublicAccessBlockConfiguration",
                        404,
                        "The public access block configuration was not found",
                    )
                    .with("BucketName", &bucket.name)
                },
            )?),
        })
    }

    pub(super) async fn put_public_access_block(
        &self,
        ctx: &Ctx,
        input: PutPublicAccessBlockRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(
            &bucket.name,
            "public-access-block",
            Some(input.public_access_block_configuration.into_normal()),
        )
    }

    pub(super) async fn delete_public_access_block(
        &self,
        ctx: &Ctx,
        input: DeletePublicAccessBlockRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.set_config(&bucket.name, "public-access-block", None)
    }
}

fn unreachable_config() -> S3Error {
    S3Error::new(
        "InternalError",
        500,
        "We encountered an internal error. Please try again.",
    )
}

fn invalid_bucket_state(message: &str) -> S3Error {
    S3Error::new("InvalidBucketState", 409, message)
}

/// A bucket policy must be a valid policy whose resources are in the bucket.
fn check_bucket_policy(document: &str, bucket: &str) -> Result<(), S3Error> {
    let malformed = |message: &str| S3Error::new("MalformedPolicy", 400, message.to_string());
    let parsed: Value = serde_json::from_str(document)
        .map_err(|_| malformed("Policies must be valid JSON and the first byte must be '{'"))?;
    if !parsed.is_object() {
        return Err(malformed(
            "Policies must be valid JSON and the first byte must be '{'",
        ));
    }
    let statements = match parsed.get("Statement") {
        Some(Value::Array(statements)) => statements.clone(),
        Some(statement @ Value::Object(_)) => vec![statement.clone()],
        _ => return Err(malformed("Missing required field Statement")),
    };
    let arn = format!("arn:aws:s3:::{bucket}");
    for statement in statements {
        if statement.get("Principal").is_none() && statement.get("NotPrincipal").is_none() {
            return Err(malformed("Missing required field Principal"));
        }
        let resources: Vec<String> = match statement
            .get("Resource")
            .or_else(|| statement.get("NotResource"))
        {
            Some(Value::String(resource)) => vec![resource.clone()],
            Some(Value::Array(resources)) => resources
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => return Err(malformed("Missing required field Resource")),
        };
        for resource in resources {
            let in_bucket = resource == arn
                || resource.starts_with(&format!("{arn}/"))
                || resource == "*"
                || wildcard_covers(&resource, &arn);
            if !in_bucket {
                return Err(malformed("Policy has invalid resource"));
            }
        }
    }
    Ok(())
}

/// Whether a resource pattern with `*` could name the bucket `arn` or its objects.
fn wildcard_covers(pattern: &str, arn: &str) -> bool {
    let Some(star) = pattern.find('*') else {
        return false;
    };
    let fixed = &pattern[..star];
    arn.starts_with(fixed) || fixed.starts_with(arn)
}
