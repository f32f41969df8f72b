//! Bucket settings stored as written and read back: accelerate, request payment, logging,
//! replication, ABAC, policy status, the deprecated lifecycle and notification operations, and
//! the configurations kept by ID (analytics, inventory, metrics, intelligent tiering), listed
//! with continuation tokens.

use serde_json::{Map, Value};
use sim_aws_shapes::normal::{FromNormal, ToNormal};
use sim_aws_shapes::s3::{
    AbacStatus, DeleteBucketAnalyticsConfigurationRequest,
    DeleteBucketIntelligentTieringConfigurationRequest, DeleteBucketInventoryConfigurationRequest,
    DeleteBucketMetricsConfigurationRequest, DeleteBucketReplicationRequest, GetBucketAbacOutput,
    GetBucketAbacRequest, GetBucketAccelerateConfigurationOutput,
    GetBucketAccelerateConfigurationRequest, GetBucketAnalyticsConfigurationOutput,
    GetBucketAnalyticsConfigurationRequest, GetBucketIntelligentTieringConfigurationOutput,
    GetBucketIntelligentTieringConfigurationRequest, GetBucketInventoryConfigurationOutput,
    GetBucketInventoryConfigurationRequest, GetBucketLifecycleOutput, GetBucketLifecycleRequest,
    GetBucketLoggingOutput, GetBucketLoggingRequest, GetBucketMetricsConfigurationOutput,
    GetBucketMetricsConfigurationRequest, GetBucketNotificationConfigurationRequest,
    GetBucketPolicyStatusOutput, GetBucketPolicyStatusRequest, GetBucketReplicationOutput,
    GetBucketReplicationRequest, GetBucketRequestPaymentOutput, GetBucketRequestPaymentRequest,
    ListBucketAnalyticsConfigurationsOutput, ListBucketAnalyticsConfigurationsRequest,
    ListBucketIntelligentTieringConfigurationsOutput,
    ListBucketIntelligentTieringConfigurationsRequest, ListBucketInventoryConfigurationsOutput,
    ListBucketInventoryConfigurationsRequest, ListBucketMetricsConfigurationsOutput,
    ListBucketMetricsConfigurationsRequest, NotificationConfigurationDeprecated, PolicyStatus,
    PutBucketAbacRequest, PutBucketAccelerateConfigurationRequest,
    PutBucketAnalyticsConfigurationRequest, PutBucketIntelligentTieringConfigurationRequest,
    PutBucketInventoryConfigurationRequest, PutBucketLifecycleRequest, PutBucketLoggingRequest,
    PutBucketMetricsConfigurationRequest, PutBucketNotificationRequest,
    PutBucketReplicationRequest, PutBucketRequestPaymentRequest,
};

use super::{BucketRecord, S3, S3Error, invalid_argument, invalid_request};
use crate::services::{Ctx, paging};

/// How many ID-keyed configurations one list page holds (S3's page size for these).
const CONFIGURATIONS_PER_PAGE: usize = 100;

fn no_such_configuration() -> S3Error {
    S3Error::new(
        "NoSuchConfiguration",
        404,
        "The specified configuration does not exist.",
    )
}

fn read<T: FromNormal>(value: Value) -> Result<T, S3Error> {
    T::from_normal(value).map_err(|error| {
        tracing::error!(%error, "a stored bucket setting does not read back");
        S3Error::new(
            "InternalError",
            500,
            "We encountered an internal error. Please try again.",
        )
    })
}

impl S3 {
    fn store_setting(&self, bucket: &str, name: &str, value: Option<Value>) -> Result<(), S3Error> {
        self.buckets.modify(bucket, |slot| match slot {
            Some(record) => {
                match value {
                    Some(value) => record.configs.insert(name.to_string(), value),
                    None => record.configs.remove(name),
                };
                Ok(())
            }
            None => Err(super::no_such_bucket(bucket)),
        })
    }

    /// Stores an ID-keyed configuration (`analytics`, `inventory`, ...).
    fn put_by_id(&self, bucket: &str, kind: &str, id: &str, value: Value) -> Result<(), S3Error> {
        self.buckets.modify(bucket, |slot| match slot {
            Some(record) => {
                let entry = record
                    .configs
                    .entry(kind.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(by_id) = entry {
                    by_id.insert(id.to_string(), value);
                }
                Ok(())
            }
            None => Err(super::no_such_bucket(bucket)),
        })
    }

    fn get_by_id<T: FromNormal>(
        &self,
        bucket: &BucketRecord,
        kind: &str,
        id: &str,
    ) -> Result<T, S3Error> {
        let value = bucket
            .configs
            .get(kind)
            .and_then(|by_id| by_id.get(id))
            .cloned()
            .ok_or_else(no_such_configuration)?;
        read(value)
    }

    fn delete_by_id(&self, bucket: &str, kind: &str, id: &str) -> Result<(), S3Error> {
        self.buckets.modify(bucket, |slot| match slot {
            Some(record) => {
                let removed = record
                    .configs
                    .get_mut(kind)
                    .and_then(Value::as_object_mut)
                    .and_then(|by_id| by_id.remove(id));
                removed.map(|_| ()).ok_or_else(no_such_configuration)
            }
            None => Err(super::no_such_bucket(bucket)),
        })
    }

    /// A page of ID-keyed configurations: (items, next token).
    fn list_by_id<T: FromNormal>(
        &self,
        bucket: &BucketRecord,
        kind: &str,
        token: Option<&str>,
    ) -> Result<(Vec<T>, Option<String>), S3Error> {
        let entries: Vec<(String, Value)> = bucket
            .configs
            .get(kind)
            .and_then(Value::as_object)
            .map(|by_id| by_id.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let page = paging::page(entries, token, CONFIGURATIONS_PER_PAGE)
            .map_err(|_| invalid_argument("The continuation token provided is incorrect"))?;
        let items = page
            .items
            .into_iter()
            .map(read)
            .collect::<Result<Vec<T>, _>>()?;
        Ok((items, page.next))
    }

    pub(super) async fn get_bucket_accelerate_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketAccelerateConfigurationRequest,
    ) -> Result<GetBucketAccelerateConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketAccelerateConfigurationOutput {
            status: bucket
                .configs
                .get("accelerate")
                .and_then(|c| c.get("Status"))
                .and_then(Value::as_str)
                .map(str::to_string),
            request_charged: None,
        })
    }

    pub(super) async fn put_bucket_accelerate_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketAccelerateConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if bucket.name.contains('.') {
            return Err(invalid_request(
                "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names",
            ));
        }
        self.store_setting(
            &bucket.name,
            "accelerate",
            Some(input.accelerate_configuration.into_normal()),
        )
    }

    pub(super) async fn get_bucket_request_payment(
        &self,
        ctx: &Ctx,
        input: GetBucketRequestPaymentRequest,
    ) -> Result<GetBucketRequestPaymentOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketRequestPaymentOutput {
            payer: Some(
                bucket
                    .configs
                    .get("request-payment")
                    .and_then(|c| c.get("Payer"))
                    .and_then(Value::as_str)
                    .unwrap_or("BucketOwner")
                    .to_string(),
            ),
        })
    }

    pub(super) async fn put_bucket_request_payment(
        &self,
        ctx: &Ctx,
        input: PutBucketRequestPaymentRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.store_setting(
            &bucket.name,
            "request-payment",
            Some(input.request_payment_configuration.into_normal()),
        )
    }

    pub(super) async fn get_bucket_logging(
        &self,
        ctx: &Ctx,
        input: GetBucketLoggingRequest,
    ) -> Result<GetBucketLoggingOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        match bucket.configs.get("logging") {
            Some(value) => read(value.clone()),
            None => Ok(GetBucketLoggingOutput::default()),
        }
    }

    pub(super) async fn put_bucket_logging(
        &self,
        ctx: &Ctx,
        input: PutBucketLoggingRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if let Some(enabled) = &input.bucket_logging_status.logging_enabled
            && self.buckets.get(&enabled.target_bucket).is_none()
        {
            return Err(S3Error::new(
                "InvalidTargetBucketForLogging",
                400,
                "The target bucket for logging does not exist",
            )
            .with("TargetBucket", &enabled.target_bucket));
        }
        let value = input
            .bucket_logging_status
            .logging_enabled
            .is_some()
            .then(|| input.bucket_logging_status.into_normal());
        self.store_setting(&bucket.name, "logging", value)
    }

    pub(super) async fn get_bucket_replication(
        &self,
        ctx: &Ctx,
        input: GetBucketReplicationRequest,
    ) -> Result<GetBucketReplicationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let value = bucket.configs.get("replication").cloned().ok_or_else(|| {
            S3Error::new(
                "ReplicationConfigurationNotFoundError",
                404,
                "The replication configuration was not found",
            )
            .with("BucketName", &bucket.name)
        })?;
        Ok(GetBucketReplicationOutput {
            replication_configuration: Some(read(value)?),
        })
    }

    pub(super) async fn put_bucket_replication(
        &self,
        ctx: &Ctx,
        input: PutBucketReplicationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        if bucket.versioning.as_deref() != Some("Enabled") {
            return Err(invalid_request(
                "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
            ));
        }
        for rule in &input.replication_configuration.rules {
            let target = rule
                .destination
                .bucket
                .strip_prefix("arn:aws:s3:::")
                .unwrap_or(&rule.destination.bucket);
            match self.buckets.get(target) {
                None => {
                    return Err(invalid_request("Destination bucket must exist."));
                }
                Some(destination) if destination.versioning.as_deref() != Some("Enabled") => {
                    return Err(invalid_request(
                        "Destination bucket must have versioning enabled.",
                    ));
                }
                Some(_) => {}
            }
        }
        self.store_setting(
            &bucket.name,
            "replication",
            Some(input.replication_configuration.into_normal()),
        )
    }

    pub(super) async fn delete_bucket_replication(
        &self,
        ctx: &Ctx,
        input: DeleteBucketReplicationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.store_setting(&bucket.name, "replication", None)
    }

    pub(super) async fn get_bucket_abac(
        &self,
        ctx: &Ctx,
        input: GetBucketAbacRequest,
    ) -> Result<GetBucketAbacOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let status = match bucket.configs.get("abac") {
            Some(value) => read(value.clone())?,
            None => AbacStatus {
                status: Some("Disabled".to_string()),
            },
        };
        Ok(GetBucketAbacOutput {
            abac_status: Some(status),
        })
    }

    pub(super) async fn put_bucket_abac(
        &self,
        ctx: &Ctx,
        input: PutBucketAbacRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.store_setting(&bucket.name, "abac", Some(input.abac_status.into_normal()))
    }

    pub(super) async fn get_bucket_policy_status(
        &self,
        ctx: &Ctx,
        input: GetBucketPolicyStatusRequest,
    ) -> Result<GetBucketPolicyStatusOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let policy = bucket
            .configs
            .get("policy")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                S3Error::new(
                    "NoSuchBucketPolicy",
                    404,
                    "The bucket policy does not exist",
                )
                .with("BucketName", &bucket.name)
            })?;
        Ok(GetBucketPolicyStatusOutput {
            policy_status: Some(PolicyStatus {
                is_public: Some(policy_is_public(policy)),
            }),
        })
    }

    pub(super) async fn get_bucket_lifecycle(
        &self,
        ctx: &Ctx,
        input: GetBucketLifecycleRequest,
    ) -> Result<GetBucketLifecycleOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let value = bucket.configs.get("lifecycle").cloned().ok_or_else(|| {
            S3Error::new(
                "NoSuchLifecycleConfiguration",
                404,
                "The lifecycle configuration does not exist",
            )
            .with("BucketName", &bucket.name)
        })?;
        // Rules written with the newer Filter have no top-level Prefix; the old shape wants
        // one, which S3 shows as empty.
        let mut value = value;
        if let Some(rules) = value.get_mut("Rules").and_then(Value::as_array_mut) {
            for rule in rules {
                if let Value::Object(rule) = rule {
                    rule.entry("Prefix")
                        .or_insert_with(|| Value::String(String::new()));
                }
            }
        }
        read(value)
    }

    pub(super) async fn put_bucket_lifecycle(
        &self,
        ctx: &Ctx,
        input: PutBucketLifecycleRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let configuration = input.lifecycle_configuration.ok_or_else(|| {
            S3Error::new(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate against our published schema",
            )
        })?;
        self.store_setting(&bucket.name, "lifecycle", Some(configuration.into_normal()))
    }

    pub(super) async fn get_bucket_notification(
        &self,
        ctx: &Ctx,
        input: GetBucketNotificationConfigurationRequest,
    ) -> Result<NotificationConfigurationDeprecated, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        match bucket.configs.get("notification-deprecated") {
            Some(value) => read(value.clone()),
            None => Ok(NotificationConfigurationDeprecated::default()),
        }
    }

    pub(super) async fn put_bucket_notification(
        &self,
        ctx: &Ctx,
        input: PutBucketNotificationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let configuration = &input.notification_configuration;
        if configuration.topic_configuration.is_some()
            || configuration.queue_configuration.is_some()
            || configuration.cloud_function_configuration.is_some()
        {
            // No SNS, SQS or Lambda exists here to validate the destination against.
            return Err(invalid_argument(
                "Unable to validate the following destination configurations",
            ));
        }
        self.store_setting(
            &bucket.name,
            "notification-deprecated",
            Some(input.notification_configuration.into_normal()),
        )
    }

    pub(super) async fn put_bucket_analytics_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketAnalyticsConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_id(&input.id, &input.analytics_configuration.id)?;
        self.put_by_id(
            &bucket.name,
            "analytics",
            &input.id,
            input.analytics_configuration.into_normal(),
        )
    }

    pub(super) async fn get_bucket_analytics_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketAnalyticsConfigurationRequest,
    ) -> Result<GetBucketAnalyticsConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketAnalyticsConfigurationOutput {
            analytics_configuration: Some(self.get_by_id(&bucket, "analytics", &input.id)?),
        })
    }

    pub(super) async fn delete_bucket_analytics_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketAnalyticsConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.delete_by_id(&bucket.name, "analytics", &input.id)
    }

    pub(super) async fn list_bucket_analytics_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketAnalyticsConfigurationsRequest,
    ) -> Result<ListBucketAnalyticsConfigurationsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (items, next) =
            self.list_by_id(&bucket, "analytics", input.continuation_token.as_deref())?;
        Ok(ListBucketAnalyticsConfigurationsOutput {
            is_truncated: Some(next.is_some()),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            analytics_configuration_list: Some(items).filter(|i| !i.is_empty()),
        })
    }

    pub(super) async fn put_bucket_inventory_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketInventoryConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_id(&input.id, &input.inventory_configuration.id)?;
        self.put_by_id(
            &bucket.name,
            "inventory",
            &input.id,
            input.inventory_configuration.into_normal(),
        )
    }

    pub(super) async fn get_bucket_inventory_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketInventoryConfigurationRequest,
    ) -> Result<GetBucketInventoryConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketInventoryConfigurationOutput {
            inventory_configuration: Some(self.get_by_id(&bucket, "inventory", &input.id)?),
        })
    }

    pub(super) async fn delete_bucket_inventory_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketInventoryConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.delete_by_id(&bucket.name, "inventory", &input.id)
    }

    pub(super) async fn list_bucket_inventory_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketInventoryConfigurationsRequest,
    ) -> Result<ListBucketInventoryConfigurationsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (items, next) =
            self.list_by_id(&bucket, "inventory", input.continuation_token.as_deref())?;
        Ok(ListBucketInventoryConfigurationsOutput {
            is_truncated: Some(next.is_some()),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            inventory_configuration_list: Some(items).filter(|i| !i.is_empty()),
        })
    }

    pub(super) async fn put_bucket_metrics_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketMetricsConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_id(&input.id, &input.metrics_configuration.id)?;
        self.put_by_id(
            &bucket.name,
            "metrics",
            &input.id,
            input.metrics_configuration.into_normal(),
        )
    }

    pub(super) async fn get_bucket_metrics_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketMetricsConfigurationRequest,
    ) -> Result<GetBucketMetricsConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketMetricsConfigurationOutput {
            metrics_configuration: Some(self.get_by_id(&bucket, "metrics", &input.id)?),
        })
    }

    pub(super) async fn delete_bucket_metrics_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketMetricsConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.delete_by_id(&bucket.name, "metrics", &input.id)
    }

    pub(super) async fn list_bucket_metrics_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketMetricsConfigurationsRequest,
    ) -> Result<ListBucketMetricsConfigurationsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (items, next) =
            self.list_by_id(&bucket, "metrics", input.continuation_token.as_deref())?;
        Ok(ListBucketMetricsConfigurationsOutput {
            is_truncated: Some(next.is_some()),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            metrics_configuration_list: Some(items).filter(|i| !i.is_empty()),
        })
    }

    pub(super) async fn put_bucket_intelligent_tiering_configuration(
        &self,
        ctx: &Ctx,
        input: PutBucketIntelligentTieringConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_id(&input.id, &input.intelligent_tiering_configuration.id)?;
        self.put_by_id(
            &bucket.name,
            "intelligent-tiering",
            &input.id,
            input.intelligent_tiering_configuration.into_normal(),
        )
    }

    pub(super) async fn get_bucket_intelligent_tiering_configuration(
        &self,
        ctx: &Ctx,
        input: GetBucketIntelligentTieringConfigurationRequest,
    ) -> Result<GetBucketIntelligentTieringConfigurationOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        Ok(GetBucketIntelligentTieringConfigurationOutput {
            intelligent_tiering_configuration: Some(self.get_by_id(
                &bucket,
                "intelligent-tiering",
                &input.id,
            )?),
        })
    }

    pub(super) async fn delete_bucket_intelligent_tiering_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteBucketIntelligentTieringConfigurationRequest,
    ) -> Result<(), S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.delete_by_id(&bucket.name, "intelligent-tiering", &input.id)
    }

    pub(super) async fn list_bucket_intelligent_tiering_configurations(
        &self,
        ctx: &Ctx,
        input: ListBucketIntelligentTieringConfigurationsRequest,
    ) -> Result<ListBucketIntelligentTieringConfigurationsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let (items, next) = self.list_by_id(
            &bucket,
            "intelligent-tiering",
            input.continuation_token.as_deref(),
        )?;
        Ok(ListBucketIntelligentTieringConfigurationsOutput {
            is_truncated: Some(next.is_some()),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            intelligent_tiering_configuration_list: Some(items).filter(|i| !i.is_empty()),
        })
    }
}

/// The ID in the query string must be the one in the document.
fn check_id(query_id: &str, document_id: &str) -> Result<(), S3Error> {
    if query_id != document_id {
        return Err(invalid_argument(
            "Document ID does not match the specified configuration ID.",
        ));
    }
    Ok(())
}

/// Whether a bucket policy grants anything to everyone without a condition (S3's "public").
fn policy_is_public(policy: &str) -> bool {
    let Ok(document) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.clone(),
        Some(other) => vec![other.clone()],
        None => return false,
    };
    statements.iter().any(|statement| {
        let allows = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
        let everyone = match statement.get("Principal") {
            Some(Value::String(principal)) => principal == "*",
            Some(Value::Object(principal)) => principal.get("AWS").is_some_and(|aws| {
                aws == "*" || aws.as_array().is_some_and(|a| a.iter().any(|p| p == "*"))
            }),
            _ => false,
        };
        allows && everyone && statement.get("Condition").is_none()
    })
}
