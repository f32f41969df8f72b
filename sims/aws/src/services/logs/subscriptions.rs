//! Subscription filters and the destinations they can deliver to: PutSubscriptionFilter,
//! DescribeSubscriptionFilters, DeleteSubscriptionFilter, PutDestination,
//! PutDestinationPolicy, DescribeDestinations and DeleteDestination.
//!
//! AWS checks a subscription's destination when the filter is put, and a destination's target
//! when the destination is put, by delivering a test message. The destinations a filter can
//! name are Kinesis streams, Firehose streams, Lambda functions and Logs destinations; the
//! targets a destination can name are Kinesis and Firehose streams. A Lambda function must
//! exist and let CloudWatch Logs invoke it (its resource policy), and then receives the
//! matching events of each write (`deliver_to_subscribers`). The simulator has no Kinesis or
//! Firehose, so [`target_reachable`] finds every such target missing and the caller gets AWS's
//! own error for a missing one; a Logs destination is looked up in the store (in its own
//! account, whose access policy must let the caller's account subscribe).
//!
//! Filters live under `account/region/group\0name` (two per group at most), destinations under
//! `account/region/name` with their tags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::logs::{
    DeleteDestinationRequest, DeleteSubscriptionFilterRequest, DescribeDestinationsRequest,
    DescribeDestinationsResponse, DescribeSubscriptionFiltersRequest,
    DescribeSubscriptionFiltersResponse, Destination, PutDestinationPolicyRequest,
    PutDestinationRequest, PutDestinationResponse, PutSubscriptionFilterRequest,
    SubscriptionFilter,
};

use super::pattern::parse_filter_pattern;
use super::tags::HasTags;
use super::token;
use super::{Logs, LogsError, Scope, limit_exceeded};
use crate::policy::{self, PolicyKind};
use crate::services::Ctx;

/// Subscription filters a log group can hold.
const MAX_FILTERS_PER_GROUP: usize = 2;

/// Describe pages hold at most this many items, and this many by default.
const MAX_DESCRIBE: usize = 50;

/// A stored destination: the model's shape, and its tags (TagResource on its ARN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationRecord {
    pub destination: Destination,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The parts of an ARN a destination check reads.
struct ArnParts<'a> {
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl HasTags for DestinationRecord {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.tags
    }
}

fn arn_parts(arn: &str) -> Option<ArnParts<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some(ArnParts {
        service,
        region,
        account,
        resource,
    })
}

/// Delivers (in AWS, a test message) to a Kinesis or Firehose stream or a Lambda function. The
/// simulator has none of these services yet, so every such target is missing and the answer
/// is AWS's error for a missing one of its kind.
fn target_reachable(target: &ArnParts<'_>) -> Result<(), LogsError> {
    let message = match target.service {
        "kinesis" => {
            "Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state."
        }
        "firehose" => {
            "Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state."
        }
        "lambda" => {
            "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function."
        }
        _ => {
            "Could not deliver test message to specified destination. Check if the destination is valid."
        }
    };
    Err(LogsError::InvalidParameter(message.into()))
}

fn is_lambda(filter: &SubscriptionFilter) -> bool {
    filter
        .destination_arn
        .as_deref()
        .is_some_and(|arn| arn.starts_with("arn:aws:lambda:"))
}

/// Base64 of the gzip of `bytes`: how CloudWatch Logs packs a delivery.
fn gzip_base64(bytes: &[u8]) -> std::io::Result<String> {
    use base64::Engine;
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(encoder.finish()?))
}

/// Whether a destination's access policy lets `account` put subscription filters on it: a
/// statement that allows `logs:PutSubscriptionFilter` (or `logs:*`, `*`) to that account, its
/// root, or `*`.
fn policy_allows(policy: &str, account: &str) -> bool {
    let Ok(document) = serde_json::from_str::<serde_json::Value>(policy) else {
        return false;
    };
    let as_list = |value: &serde_json::Value| -> Vec<String> {
        match value {
            serde_json::Value::String(text) => vec![text.clone()],
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match &document["Statement"] {
        serde_json::Value::Array(items) => items.clone(),
        single @ serde_json::Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    statements.iter().any(|statement| {
        let allows = statement["Effect"] == "Allow";
        let action = as_list(&statement["Action"]).iter().any(|action| {
            matches!(
                action.as_str(),
                "*" | "logs:*" | "logs:PutSubscriptionFilter"
            )
        });
        let principals = match &statement["Principal"] {
            serde_json::Value::String(text) => vec![text.clone()],
            other => as_list(&other["AWS"]),
        };
        let principal = principals.iter().any(|principal| {
            principal == "*"
                || principal == account
                || *principal == format!("arn:aws:iam::{account}:root")
        });
        allows && action && principal
    })
}

impl Logs {
    /// What AWS refuses about a filter's destination before it looks at the group: a Lambda
    /// function of another account, a stream without a role (its recorded answers say so).
    fn precheck_destination(
        ctx: &Ctx,
        input: &PutSubscriptionFilterRequest,
    ) -> Result<(), LogsError> {
        let Some(destination) = arn_parts(&input.destination_arn) else {
            return Err(LogsError::InvalidParameter(format!(
                "Invalid destinationArn: {}",
                input.destination_arn
            )));
        };
        match destination.service {
            "lambda" if destination.account != ctx.account_id => Err(LogsError::AccessDenied(
                "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers."
                    .into(),
            )),
            "kinesis" | "firehose" if input.role_arn.is_none() => {
                Err(LogsError::InvalidParameter(format!(
                    "destinationArn for vendor {} cannot be used without roleArn",
                    destination.service
                )))
            }
            _ => Ok(()),
        }
    }

    /// Delivers to a filter's destination as AWS does (a test message) before storing it: a
    /// Logs destination must exist and, in another account, allow this one to subscribe.
    fn deliver_test(&self, ctx: &Ctx, group: &str, destination_arn: &str) -> Result<(), LogsError> {
        let Some(destination) = arn_parts(destination_arn) else {
            return Err(LogsError::InvalidParameter(format!(
                "Invalid destinationArn: {destination_arn}"
            )));
        };
        if destination.service == "lambda" {
            return self.lambda_permits(ctx, group, destination_arn);
        }
        if destination.service != "logs" {
            return target_reachable(&destination);
        }
        let Some(name) = destination.resource.strip_prefix("destination:") else {
            return target_reachable(&destination);
        };
        let owner = Scope::new(destination.account, destination.region);
        let Some(record) = self.destinations.get(&owner.group_key(name)) else {
            return target_reachable(&destination);
        };
        let allowed = destination.account == ctx.account_id
            || record
                .destination
                .access_policy
                .as_deref()
                .is_some_and(|policy| policy_allows(policy, &ctx.account_id));
        if allowed {
            Ok(())
        } else {
            Err(LogsError::AccessDenied(format!(
                "User with accountId: {} is not authorized to perform: logs:PutSubscriptionFilter on resource: {destination_arn}",
                ctx.account_id
            )))
        }
    }

    /// Whether a function's policy lets CloudWatch Logs invoke it for this account's groups
    /// (AddPermission with principal `logs.amazonaws.com` or `logs.REGION.amazonaws.com`).
    fn lambda_permits(&self, ctx: &Ctx, group: &str, function_arn: &str) -> Result<(), LogsError> {
        let lambda = self.peers().and_then(|peers| peers.lambda.upgrade());
        let mut context = crate::policy::Context::new();
        context.set("aws:SourceAccount", ctx.account_id.as_str());
        context.set(
            "aws:SourceArn",
            format!("{}:*", Scope::of(ctx).group_arn(group)),
        );
        let regional = format!("logs.{}.amazonaws.com", ctx.region);
        let permitted = lambda.is_some_and(|lambda| {
            lambda.permits_service(
                function_arn,
                &[regional.as_str(), "logs.amazonaws.com"],
                &context,
            )
        });
        if permitted {
            Ok(())
        } else {
            target_reachable(&ArnParts {
                service: "lambda",
                region: &ctx.region,
                account: &ctx.account_id,
                resource: function_arn,
            })
        }
    }

    /// Whether any subscription filter of the group delivers to a Lambda function.
    pub(super) fn has_lambda_subscribers(&self, scope: &Scope, group: &str) -> bool {
        self.peers().is_some()
            && self
                .subscription_filters
                .scan_prefix(&scope.group_children(group))
                .iter()
                .any(|(_, filter)| is_lambda(filter))
    }

    /// Hands events just stored (`(event ID, timestamp, message)`) to the Lambda functions
    /// subscribed to their group, as CloudWatch Logs does: the events each filter's pattern
    /// matches, as `{"awslogs": {"data": base64(gzip(DATA_MESSAGE))}}`, invoked in the
    /// background through Lambda's invoke path. A function's own log group is not delivered
    /// back to it (that loop is what Lambda's recursion detection stops).
    pub(super) fn deliver_to_subscribers(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
        events: Vec<(String, i64, String)>,
    ) {
        let Some(lambda) = self.peers().map(|peers| peers.lambda.clone()) else {
            return;
        };
        for (_, filter) in self
            .subscription_filters
            .scan_prefix(&scope.group_children(group))
        {
            if !is_lambda(&filter) {
                continue;
            }
            let function_arn = filter.destination_arn.clone().unwrap_or_default();
            let function_name = function_arn.split(':').nth(6).unwrap_or_default();
            if group == format!("/aws/lambda/{function_name}") {
                continue;
            }
            let Ok(pattern) = parse_filter_pattern(filter.filter_pattern.as_deref().unwrap_or(""))
            else {
                continue;
            };
            let matched: Vec<serde_json::Value> = events
                .iter()
                .filter(|(_, _, message)| pattern.matches(message))
                .map(|(id, timestamp, message)| {
                    serde_json::json!({"id": id, "timestamp": timestamp, "message": message})
                })
                .collect();
            if matched.is_empty() {
                continue;
            }
            let message = serde_json::json!({
                "messageType": "DATA_MESSAGE",
                "owner": scope.account_id,
                "logGroup": group,
                "logStream": stream,
                "subscriptionFilters": [filter.filter_name.clone().unwrap_or_default()],
                "logEvents": matched,
            });
            let Ok(data) = gzip_base64(message.to_string().as_bytes()) else {
                continue;
            };
            let payload = serde_json::json!({"awslogs": {"data": data}});
            let lambda = lambda.clone();
            tokio::spawn(async move {
                let Some(lambda) = lambda.upgrade() else {
                    return;
                };
                if let Err(error) = lambda.invoke_for_service(&function_arn, &payload).await {
                    tracing::info!(%error, function = %function_arn, "a subscription delivery failed");
                }
            });
        }
    }

    pub(crate) async fn put_subscription_filter(
        &self,
        ctx: &Ctx,
        input: PutSubscriptionFilterRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        Self::precheck_destination(ctx, &input)?;
        self.group(&scope, &input.log_group_name)?;
        parse_filter_pattern(&input.filter_pattern).map_err(|error| {
            tracing::debug!(%error, "unparseable subscription filter pattern");
            LogsError::InvalidParameter("Invalid subscription filter pattern".into())
        })?;
        let key = scope.child_key(&input.log_group_name, &input.filter_name);
        let existing = self
            .subscription_filters
            .scan_prefix(&scope.group_children(&input.log_group_name));
        if !existing.iter().any(|(found, _)| *found == key)
            && existing.len() >= MAX_FILTERS_PER_GROUP
        {
            return Err(limit_exceeded());
        }
        self.deliver_test(ctx, &input.log_group_name, &input.destination_arn)?;
        let filter = SubscriptionFilter {
            filter_name: Some(input.filter_name),
            log_group_name: Some(input.log_group_name),
            filter_pattern: Some(input.filter_pattern),
            destination_arn: Some(input.destination_arn),
            role_arn: input.role_arn,
            distribution: Some(input.distribution.unwrap_or_else(|| "ByLogStream".into())),
            apply_on_transformed_logs: Some(input.apply_on_transformed_logs.unwrap_or(false)),
            creation_time: Some(self.now()),
            field_selection_criteria: input.field_selection_criteria,
            emit_system_fields: input.emit_system_fields,
        };
        self.subscription_filters.insert(&key, filter)?;
        Ok(())
    }

    pub(crate) async fn describe_subscription_filters(
        &self,
        ctx: &Ctx,
        input: DescribeSubscriptionFiltersRequest,
    ) -> Result<DescribeSubscriptionFiltersResponse, LogsError> {
        let scope = Scope::of(ctx);
        self.group(&scope, &input.log_group_name)?;
        let prefix = format!(
            "{}{}",
            scope.group_children(&input.log_group_name),
            input.filter_name_prefix.as_deref().unwrap_or("")
        );
        let entries = self.subscription_filters.scan_prefix(&prefix);
        let page = token::page(
            "subscription-filters",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeSubscriptionFiltersResponse {
            subscription_filters: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_subscription_filter(
        &self,
        ctx: &Ctx,
        input: DeleteSubscriptionFilterRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        self.group(&scope, &input.log_group_name)?;
        self.subscription_filters
            .remove(&scope.child_key(&input.log_group_name, &input.filter_name))?
            .ok_or_else(|| {
                LogsError::ResourceNotFound(
                    "The specified subscription filter does not exist.".into(),
                )
            })?;
        Ok(())
    }

    pub(crate) async fn put_destination(
        &self,
        ctx: &Ctx,
        input: PutDestinationRequest,
    ) -> Result<PutDestinationResponse, LogsError> {
        let scope = Scope::of(ctx);
        let target = arn_parts(&input.target_arn).ok_or_else(|| {
            LogsError::InvalidParameter(format!("Invalid targetArn: {}", input.target_arn))
        })?;
        // AWS delivers a test message to the target through the role before it stores the
        // destination (an update too: the target may have changed).
        target_reachable(&target)?;
        let key = scope.group_key(&input.destination_name);
        let now = self.now();
        let arn = ctx.arn("logs", &format!("destination:{}", input.destination_name));
        let record = self.destinations.modify(&key, |slot| {
            let record = slot.get_or_insert_with(|| DestinationRecord {
                destination: Destination {
                    destination_name: Some(input.destination_name.clone()),
                    arn: Some(arn),
                    creation_time: Some(now),
                    ..Destination::default()
                },
                tags: input.tags.clone().unwrap_or_default(),
            });
            record.destination.target_arn = Some(input.target_arn.clone());
            record.destination.role_arn = Some(input.role_arn.clone());
            Ok::<_, LogsError>(record.clone())
        })?;
        Ok(PutDestinationResponse {
            destination: Some(record.destination),
        })
    }

    pub(crate) async fn put_destination_policy(
        &self,
        ctx: &Ctx,
        input: PutDestinationPolicyRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        policy::check(&input.access_policy, PolicyKind::Resource)
            .map_err(|malformed| LogsError::InvalidParameter(malformed.0))?;
        self.destinations
            .modify(&scope.group_key(&input.destination_name), |slot| {
                let record = slot.as_mut().ok_or_else(destination_not_found)?;
                record.destination.access_policy = Some(input.access_policy.clone());
                Ok(())
            })
    }

    pub(crate) async fn describe_destinations(
        &self,
        ctx: &Ctx,
        input: DescribeDestinationsRequest,
    ) -> Result<DescribeDestinationsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let prefix = scope.group_key(input.destination_name_prefix.as_deref().unwrap_or(""));
        let entries = self
            .destinations
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, record)| (key, record.destination))
            .collect();
        let page = token::page(
            "destinations",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeDestinationsResponse {
            destinations: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_destination(
        &self,
        ctx: &Ctx,
        input: DeleteDestinationRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        self.destinations
            .remove(&scope.group_key(&input.destination_name))?
            .ok_or_else(destination_not_found)?;
        Ok(())
    }
}

fn destination_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified destination does not exist.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_policies_name_the_accounts_that_may_subscribe() {
        let policy = |principal: &str, action: &str| {
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal},
                    "Action": action, "Resource": "*"}]
            })
            .to_string()
        };
        assert!(policy_allows(
            &policy("111122223333", "logs:PutSubscriptionFilter"),
            "111122223333"
        ));
        assert!(policy_allows(
            &policy("arn:aws:iam::111122223333:root", "logs:*"),
            "111122223333"
        ));
        assert!(policy_allows(
            &policy("*", "logs:PutSubscriptionFilter"),
            "1"
        ));
        assert!(!policy_allows(
            &policy("444455556666", "logs:PutSubscriptionFilter"),
            "111122223333"
        ));
        assert!(!policy_allows(
            &policy("111122223333", "logs:PutLogEvents"),
            "111122223333"
        ));
        assert!(!policy_allows("not json", "111122223333"));
    }

    #[test]
    fn every_stream_and_function_target_is_missing_with_its_own_message() {
        for (arn, start) in [
            (
                "arn:aws:kinesis:us-east-1:1:stream/s",
                "Could not deliver test message to specified Kinesis stream",
            ),
            (
                "arn:aws:firehose:us-east-1:1:deliverystream/s",
                "Could not deliver test message to specified Firehose stream",
            ),
            (
                "arn:aws:lambda:us-east-1:1:function:f",
                "Could not execute the lambda function",
            ),
        ] {
            let error = target_reachable(&arn_parts(arn).unwrap()).unwrap_err();
            assert!(error.to_string().starts_with(start), "{error}");
        }
    }
}
