//! Buckets: create (naming rules, regions through `LocationConstraint`, the global namespace),
//! delete (only when empty), head, list (paged), location.

use std::collections::BTreeMap;

use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::s3::{
    Bucket, CreateBucketOutput, CreateBucketRequest, DeleteBucketRequest, GetBucketLocationOutput,
    GetBucketLocationRequest, HeadBucketOutput, HeadBucketRequest, ListBucketsOutput,
    ListBucketsRequest, Owner,
};

use super::{BucketRecord, S3, S3Error, canonical_id, invalid_argument, no_such_bucket};
use crate::services::{Ctx, paging};

/// Why a bucket name breaks S3's rules, or `None` when it is valid.
pub fn name_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return Some("length");
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
    {
        return Some("characters");
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Some("ends");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("dots");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some("ip address");
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") || name.ends_with("-s3alias") {
        return Some("reserved");
    }
    None
}

fn invalid_bucket_name(name: &str) -> S3Error {
    S3Error::new(
        "InvalidBucketName",
        400,
        "The specified bucket is not valid.",
    )
    .with("BucketName", name)
}

impl S3 {
    pub(super) async fn create_bucket(
        &self,
        ctx: &Ctx,
        input: CreateBucketRequest,
    ) -> Result<CreateBucketOutput, S3Error> {
        if name_problem(&input.bucket).is_some() {
            return Err(invalid_bucket_name(&input.bucket));
        }
        let constraint = input
            .create_bucket_configuration
            .as_ref()
            .and_then(|c| c.location_constraint.clone());
        let region = match constraint.as_deref() {
            None | Some("") if ctx.region == "us-east-1" => "us-east-1".to_string(),
            None | Some("") => {
                return Err(S3Error::new(
                    "IllegalLocationConstraintException",
                    400,
                    "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
                ));
            }
            Some("us-east-1") => {
                return Err(S3Error::new(
                    "InvalidLocationConstraint",
                    400,
                    "The specified location-constraint is not valid",
                )
                .with("LocationConstraint", "us-east-1"));
            }
            Some(constraint) if constraint != ctx.region => {
                return Err(S3Error::new(
                    "IllegalLocationConstraintException",
                    400,
                    format!(
                        "The {constraint} location constraint is incompatible for the region specific endpoint this request was sent to."
                    ),
                ));
            }
            Some(constraint) => constraint.to_string(),
        };
        if let Some(existing) = self.buckets.get(&input.bucket) {
            return Err(if existing.account_id == ctx.account_id {
                S3Error::new(
                    "BucketAlreadyOwnedByYou",
                    409,
                    "Your previous request to create the named bucket succeeded and you already own it.",
                )
            } else {
                S3Error::new(
                    "BucketAlreadyExists",
                    409,
                    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                )
            }
            .with("BucketName", &input.bucket));
        }
        let mut configs = BTreeMap::new();
        if let Some(acl) = super::configs::acl_from_request(
            ctx,
            input.acl.as_deref(),
            &super::configs::GrantHeaders {
                full_control: input.grant_full_control.clone(),
                read: input.grant_read.clone(),
                read_acp: input.grant_read_acp.clone(),
                write: input.grant_write.clone(),
                write_acp: input.grant_write_acp.clone(),
            },
            None,
        )? {
            configs.insert("acl".to_string(), acl);
        }
        let ownership = input
            .object_ownership
            .clone()
            .unwrap_or_else(|| "BucketOwnerEnforced".to_string());
        configs.insert(
            "ownership".to_string(),
            serde_json::json!({"Rules": [{"ObjectOwnership": ownership}]}),
        );
        configs.insert(
            "public-access-block".to_string(),
            serde_json::json!({
                "BlockPublicAcls": true, "IgnorePublicAcls": true,
                "BlockPublicPolicy": true, "RestrictPublicBuckets": true,
            }),
        );
        configs.insert(
            "encryption".to_string(),
            serde_json::json!({"Rules": [{
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": false,
            }]}),
        );
        let object_lock = input.object_lock_enabled_for_bucket.unwrap_or(false);
        if object_lock {
            configs.insert(
                "object-lock".to_string(),
                serde_json::json!({"ObjectLockEnabled": "Enabled"}),
            );
        }
        if let Some(tags) = input
            .create_bucket_configuration
            .as_ref()
            .and_then(|c| c.tags.clone())
        {
            configs.insert(
                "tagging".to_string(),
                sim_aws_shapes::normal::ToNormal::into_normal(sim_aws_shapes::s3::Tagging {
                    tag_set: tags,
                }),
            );
        }
        let record = BucketRecord {
            name: input.bucket.clone(),
            account_id: ctx.account_id.clone(),
            region: region.clone(),
            created_ms: self.now(),
            // Object lock needs versioning, and turns it on.
            versioning: object_lock.then(|| "Enabled".to_string()),
            mfa_delete: None,
            object_lock_enabled: object_lock,
            configs,
            next_rank: 0,
        };
        let created = self.buckets.modify(&input.bucket, |slot| {
            if slot.is_some() {
                return Ok::<bool, S3Error>(false);
            }
            *slot = Some(record);
            Ok(true)
        })?;
        if !created {
            return Err(S3Error::new(
                "OperationAborted",
                409,
                "A conflicting conditional operation is currently in progress against this resource. Please try again.",
            ));
        }
        Ok(CreateBucketOutput {
            location: Some(if region == "us-east-1" {
                format!("/{}", input.bucket)
            } else {
                format!("http://{}.s3.amazonaws.com/", input.bucket)
            }),
            bucket_arn: None,
        })
    }

    pub(super) async fn delete_bucket(
        &self,
        ctx: &Ctx,
        input: DeleteBucketRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let has_objects = !self
            .objects
            .range(
                format!("{}\0", bucket.name)..format!("{}\u{1}", bucket.name),
                1,
                false,
            )
            .is_empty();
        if has_objects {
            let message = if bucket.versioning.is_some() {
                "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
            } else {
                "The bucket you tried to delete is not empty"
            };
            return Err(
                S3Error::new("BucketNotEmpty", 409, message).with("BucketName", &bucket.name)
            );
        }
        for (key, upload) in self.uploads.scan_prefix(&format!("{}\0", bucket.name)) {
            self.discard_upload(&key, &upload.upload_id)?;
        }
        self.buckets.remove(&bucket.name)?;
        Ok(())
    }

    pub(super) async fn head_bucket(
        &self,
        ctx: &Ctx,
        input: HeadBucketRequest,
    ) -> Result<HeadBucketOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(HeadBucketOutput {
            bucket_region: Some(bucket.region),
            access_point_alias: Some(false),
            ..Default::default()
        })
    }

    pub(super) async fn get_bucket_location(
        &self,
        ctx: &Ctx,
        input: GetBucketLocationRequest,
    ) -> Result<GetBucketLocationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketLocationOutput {
            // us-east-1 answers an empty constraint.
            location_constraint: (bucket.region != "us-east-1").then_some(bucket.region),
        })
    }

    pub(super) async fn list_buckets(
        &self,
        ctx: &Ctx,
        input: ListBucketsRequest,
    ) -> Result<ListBucketsOutput, S3Error> {
        if let Some(max) = input.max_buckets
            && !(1..=10000).contains(&max)
        {
            return Err(invalid_argument(
                "Argument max-buckets must be an integer between 1 and 10000.",
            ));
        }
        let entries: Vec<(String, BucketRecord)> = self
            .buckets
            .all()
            .into_iter()
            .filter(|(_, b)| b.account_id == ctx.account_id)
            .filter(|(name, _)| input.prefix.as_ref().is_none_or(|p| name.starts_with(p)))
            .filter(|(_, b)| {
                input
                    .bucket_region
                    .as_ref()
                    .is_none_or(|region| &b.region == region)
            })
            .collect();
        let size = input.max_buckets.map_or(10000, |m| m as usize);
        let page = paging::page(entries, input.continuation_token.as_deref(), size)
            .map_err(|_| invalid_argument("The continuation token provided is incorrect"))?;
        let paged = input.max_buckets.is_some();
        Ok(ListBucketsOutput {
            buckets: Some(
                page.items
                    .into_iter()
                    .map(|b| Bucket {
                        name: Some(b.name.clone()),
                        creation_date: Some(Timestamp::from_millis(b.created_ms)),
                        bucket_region: Some(b.region.clone()),
                        bucket_arn: None,
                    })
                    .collect(),
            ),
            owner: Some(Owner {
                id: Some(canonical_id(&ctx.account_id)),
                display_name: None,
            }),
            continuation_token: if paged { page.next } else { None },
            prefix: input.prefix,
        })
    }

    /// The bucket, checking `ExpectedBucketOwner` (403 when another account owns it).
    pub(super) fn owned_bucket(
        &self,
        ctx: &Ctx,
        name: &str,
        expected_owner: Option<&str>,
    ) -> Result<BucketRecord, S3Error> {
        let bucket = self.bucket(name).map_err(|_| no_such_bucket(name))?;
        let _ = ctx;
        if let Some(expected) = expected_owner
            && expected != bucket.account_id
        {
            return Err(S3Error::new("AccessDenied", 403, "Access Denied"));
        }
        Ok(bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::name_problem;

    #[test]
    fn bucket_names_follow_s3s_rules() {
        for good in ["abc", "my-bucket.1", "a1b", &"a".repeat(63)] {
            assert_eq!(name_problem(good), None, "{good}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Upper",
            "under_score",
            "-start",
            "end-",
            "a..b",
            "a.-b",
            "192.168.1.1",
            "xn--abc",
            "x-s3alias",
        ] {
            assert!(name_problem(bad).is_some(), "{bad}");
        }
    }
}
