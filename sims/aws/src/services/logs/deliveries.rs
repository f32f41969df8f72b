//! Vended log deliveries: delivery sources (a resource of another service and the log type it
//! emits), delivery destinations (a log group, a bucket, a Firehose stream or X-Ray) with
//! their policies, the deliveries joining them, and the configuration templates that say which
//! log types go where with which fields.
//!
//! The simulator knows one template family, CloudFront's `ACCESS_LOGS` ([`TEMPLATES`]); a
//! source of any other service answers AWS's `Cannot access provided service.`. AWS does not
//! check that a source's resource exists (its recorded tests use made-up distributions), and
//! neither does the simulator. Deliveries are recorded; no log is delivered, as CloudFront
//! does not run here.

use std::collections::BTreeMap;

use sim_aws_shapes::logs::{
    ConfigurationTemplate, ConfigurationTemplateDeliveryConfigValues, CreateDeliveryRequest,
    CreateDeliveryResponse, DeleteDeliveryDestinationPolicyRequest,
    DeleteDeliveryDestinationRequest, DeleteDeliveryRequest, DeleteDeliverySourceRequest, Delivery,
    DeliveryDestination, DeliverySource, DescribeConfigurationTemplatesRequest,
    DescribeConfigurationTemplatesResponse, DescribeDeliveriesRequest, DescribeDeliveriesResponse,
    DescribeDeliveryDestinationsRequest, DescribeDeliveryDestinationsResponse,
    DescribeDeliverySourcesRequest, DescribeDeliverySourcesResponse,
    GetDeliveryDestinationPolicyRequest, GetDeliveryDestinationPolicyResponse,
    GetDeliveryDestinationRequest, GetDeliveryDestinationResponse, GetDeliveryRequest,
    GetDeliveryResponse, GetDeliverySourceRequest, GetDeliverySourceResponse, Policy,
    PutDeliveryDestinationPolicyRequest, PutDeliveryDestinationPolicyResponse,
    PutDeliveryDestinationRequest, PutDeliveryDestinationResponse, PutDeliverySourceRequest,
    PutDeliverySourceResponse, RecordField, S3DeliveryConfiguration,
    UpdateDeliveryConfigurationRequest, UpdateDeliveryConfigurationResponse,
};

use super::tags::HasTags;
use super::token;
use super::{Logs, LogsError, Scope};
use crate::policy::{self, PolicyKind};
use crate::services::Ctx;

/// Describe pages hold at most this many items, and this many by default.
const MAX_DESCRIBE: usize = 50;

/// Delivery IDs are this many letters and digits.
const DELIVERY_ID_LENGTH: usize = 22;
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// One log type a service vends, and where it may go.
struct Template {
    service: &'static str,
    resource_type: &'static str,
    log_type: &'static str,
    /// Destination types with the output formats each takes (the first is the default).
    destinations: &'static [(&'static str, &'static [&'static str])],
    fields: &'static [&'static str],
    delimiters: &'static [&'static str],
    suffix_path: &'static str,
}

/// CloudFront's standard logging v2 fields, in AWS's default order.
const CLOUDFRONT_FIELDS: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/// The templates the simulator knows.
const TEMPLATES: [Template; 1] = [Template {
    service: "cloudfront",
    resource_type: "distribution",
    log_type: "ACCESS_LOGS",
    destinations: &[
        ("S3", &["json", "plain", "w3c", "parquet"]),
        ("CWL", &["json"]),
        ("FH", &["json", "plain", "w3c", "raw"]),
    ],
    fields: &CLOUDFRONT_FIELDS,
    delimiters: &["\t", "|", ",", " ", ""],
    suffix_path: "AWSLogs/{account-id}/CloudFront/",
}];

fn template(service: &str, log_type: &str) -> Option<&'static Template> {
    TEMPLATES
        .iter()
        .find(|template| template.service == service && template.log_type == log_type)
}

fn source_not_found() -> LogsError {
    LogsError::ResourceNotFound("Requested Delivery Source does not exist in this account.".into())
}

fn destination_not_found() -> LogsError {
    LogsError::ResourceNotFound(
        "Requested Delivery Destination does not exist in this account.".into(),
    )
}

fn delivery_not_found() -> LogsError {
    LogsError::ResourceNotFound("Requested Delivery does not exist in this account.".into())
}

/// Tags show only when there are some.
fn shown(tags: Option<BTreeMap<String, String>>) -> Option<BTreeMap<String, String>> {
    tags.filter(|tags| !tags.is_empty())
}

impl HasTags for DeliverySource {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        self.tags.get_or_insert_with(BTreeMap::new)
    }
}

impl HasTags for DeliveryDestination {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        self.tags.get_or_insert_with(BTreeMap::new)
    }
}

impl HasTags for Delivery {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        self.tags.get_or_insert_with(BTreeMap::new)
    }
}

/// A delivery destination's type, read from its resource ARN.
fn destination_type(arn: &str) -> Option<&'static str> {
    let service = arn.split(':').nth(2)?;
    match service {
        "s3" => Some("S3"),
        "logs" if arn.contains(":log-group:") => Some("CWL"),
        "firehose" => Some("FH"),
        "xray" => Some("XRAY"),
        _ => None,
    }
}

/// A delivery destination as Describe and Get show it.
fn destination_output(mut destination: DeliveryDestination) -> DeliveryDestination {
    destination.tags = shown(destination.tags);
    destination
}

fn source_output(mut source: DeliverySource) -> DeliverySource {
    source.tags = shown(source.tags);
    source
}

fn delivery_output(mut delivery: Delivery) -> Delivery {
    delivery.tags = shown(delivery.tags);
    delivery
}

/// Checks a delivery's fields and delimiter against its template.
fn check_configuration(
    template: &Template,
    record_fields: Option<&[String]>,
    delimiter: Option<&str>,
) -> Result<(), LogsError> {
    if let Some(unknown) = record_fields
        .into_iter()
        .flatten()
        .find(|field| !template.fields.contains(&field.as_str()))
    {
        return Err(LogsError::Validation(format!(
            "The record field {unknown} is not allowed for log type {}.",
            template.log_type
        )));
    }
    if let Some(delimiter) = delimiter
        && !template.delimiters.contains(&delimiter)
    {
        return Err(LogsError::Validation(format!(
            "The field delimiter {delimiter:?} is not allowed for log type {}.",
            template.log_type
        )));
    }
    Ok(())
}

impl Logs {
    pub(crate) async fn put_delivery_source(
        &self,
        ctx: &Ctx,
        input: PutDeliverySourceRequest,
    ) -> Result<PutDeliverySourceResponse, LogsError> {
        let scope = Scope::of(ctx);
        let service = input.resource_arn.split(':').nth(2).unwrap_or_default();
        let cannot_access =
            || LogsError::ResourceNotFound("Cannot access provided service.".into());
        let known = TEMPLATES.iter().any(|template| template.service == service);
        if !known {
            return Err(cannot_access());
        }
        if template(service, &input.log_type).is_none() {
            return Err(LogsError::Validation(format!(
                "The log type {} is not supported for service {service}.",
                input.log_type
            )));
        }
        let key = scope.group_key(&input.name);
        let arn = ctx.arn("logs", &format!("delivery-source:{}", input.name));
        let source = self.delivery_sources.modify(&key, |slot| {
            if let Some(existing) = slot.as_ref()
                && existing.resource_arns.as_deref() != Some(&[input.resource_arn.clone()][..])
            {
                return Err(LogsError::Conflict(
                    "A delivery source with this name already exists for a different resource."
                        .into(),
                ));
            }
            let tags = slot
                .as_ref()
                .and_then(|existing| existing.tags.clone())
                .or_else(|| input.tags.clone());
            let source = DeliverySource {
                name: Some(input.name.clone()),
                arn: Some(arn.clone()),
                resource_arns: Some(vec![input.resource_arn.clone()]),
                service: Some(service.to_string()),
                log_type: Some(input.log_type.clone()),
                tags,
                delivery_source_configuration: input.delivery_source_configuration.clone(),
                status: None,
                status_reason: None,
            };
            *slot = Some(source.clone());
            Ok(source)
        })?;
        Ok(PutDeliverySourceResponse {
            delivery_source: Some(source_output(source)),
        })
    }

    pub(crate) async fn get_delivery_source(
        &self,
        ctx: &Ctx,
        input: GetDeliverySourceRequest,
    ) -> Result<GetDeliverySourceResponse, LogsError> {
        let source = self
            .delivery_sources
            .get(&Scope::of(ctx).group_key(&input.name))
            .ok_or_else(source_not_found)?;
        Ok(GetDeliverySourceResponse {
            delivery_source: Some(source_output(source)),
        })
    }

    pub(crate) async fn describe_delivery_sources(
        &self,
        ctx: &Ctx,
        input: DescribeDeliverySourcesRequest,
    ) -> Result<DescribeDeliverySourcesResponse, LogsError> {
        let entries = self
            .delivery_sources
            .scan_prefix(&Scope::of(ctx).group_key(""))
            .into_iter()
            .map(|(key, source)| (key, source_output(source)))
            .collect();
        let page = token::page(
            "delivery-sources",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeDeliverySourcesResponse {
            delivery_sources: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_delivery_source(
        &self,
        ctx: &Ctx,
        input: DeleteDeliverySourceRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let in_use = self
            .deliveries
            .scan_prefix(&scope.group_key(""))
            .into_iter()
            .any(|(_, delivery)| delivery.delivery_source_name.as_deref() == Some(&input.name));
        if !self
            .delivery_sources
            .contains(&scope.group_key(&input.name))
        {
            return Err(source_not_found());
        }
        if in_use {
            return Err(LogsError::Conflict(
                "The delivery source is in use by a delivery; delete the delivery first.".into(),
            ));
        }
        self.delivery_sources
            .remove(&scope.group_key(&input.name))?;
        Ok(())
    }

    pub(crate) async fn put_delivery_destination(
        &self,
        ctx: &Ctx,
        input: PutDeliveryDestinationRequest,
    ) -> Result<PutDeliveryDestinationResponse, LogsError> {
        let scope = Scope::of(ctx);
        let Some(configuration) = input.delivery_destination_configuration.clone() else {
            return Err(LogsError::Validation(
                "deliveryDestinationConfiguration is required.".into(),
            ));
        };
        let kind = destination_type(&configuration.destination_resource_arn).ok_or_else(|| {
            LogsError::Validation(format!(
                "The destination resource {} is not a supported delivery destination.",
                configuration.destination_resource_arn
            ))
        })?;
        if let Some(given) = &input.delivery_destination_type
            && given != kind
        {
            return Err(LogsError::Validation(format!(
                "The deliveryDestinationType {given} does not match the destination resource, a {kind} destination."
            )));
        }
        let key = scope.group_key(&input.name);
        let arn = ctx.arn("logs", &format!("delivery-destination:{}", input.name));
        let destination = self.delivery_destinations.modify(&key, |slot| {
            let tags = slot
                .as_ref()
                .and_then(|existing| existing.tags.clone())
                .or_else(|| input.tags.clone());
            let destination = DeliveryDestination {
                name: Some(input.name.clone()),
                arn: Some(arn.clone()),
                delivery_destination_type: Some(kind.to_string()),
                output_format: input.output_format.clone(),
                delivery_destination_configuration: Some(configuration.clone()),
                tags,
            };
            *slot = Some(destination.clone());
            Ok::<_, LogsError>(destination)
        })?;
        Ok(PutDeliveryDestinationResponse {
            delivery_destination: Some(destination_output(destination)),
        })
    }

    pub(crate) async fn get_delivery_destination(
        &self,
        ctx: &Ctx,
        input: GetDeliveryDestinationRequest,
    ) -> Result<GetDeliveryDestinationResponse, LogsError> {
        let destination = self
            .delivery_destinations
            .get(&Scope::of(ctx).group_key(&input.name))
            .ok_or_else(destination_not_found)?;
        Ok(GetDeliveryDestinationResponse {
            delivery_destination: Some(destination_output(destination)),
        })
    }

    pub(crate) async fn describe_delivery_destinations(
        &self,
        ctx: &Ctx,
        input: DescribeDeliveryDestinationsRequest,
    ) -> Result<DescribeDeliveryDestinationsResponse, LogsError> {
        let entries = self
            .delivery_destinations
            .scan_prefix(&Scope::of(ctx).group_key(""))
            .into_iter()
            .map(|(key, destination)| (key, destination_output(destination)))
            .collect();
        let page = token::page(
            "delivery-destinations",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeDeliveryDestinationsResponse {
            delivery_destinations: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_delivery_destination(
        &self,
        ctx: &Ctx,
        input: DeleteDeliveryDestinationRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let key = scope.group_key(&input.name);
        let destination = self
            .delivery_destinations
            .get(&key)
            .ok_or_else(destination_not_found)?;
        let in_use = self
            .deliveries
            .scan_prefix(&scope.group_key(""))
            .into_iter()
            .any(|(_, delivery)| delivery.delivery_destination_arn == destination.arn);
        if in_use {
            return Err(LogsError::Conflict(
                "The delivery destination is in use by a delivery; delete the delivery first."
                    .into(),
            ));
        }
        self.kit.store().transaction(|txn| {
            txn.remove(&self.delivery_destinations, &key)?;
            txn.remove(&self.delivery_destination_policies, &key)?;
            Ok::<_, LogsError>(())
        })
    }

    pub(crate) async fn put_delivery_destination_policy(
        &self,
        ctx: &Ctx,
        input: PutDeliveryDestinationPolicyRequest,
    ) -> Result<PutDeliveryDestinationPolicyResponse, LogsError> {
        let key = Scope::of(ctx).group_key(&input.delivery_destination_name);
        if !self.delivery_destinations.contains(&key) {
            return Err(destination_not_found());
        }
        policy::check(&input.delivery_destination_policy, PolicyKind::Resource)
            .map_err(|malformed| LogsError::Validation(malformed.0))?;
        self.delivery_destination_policies
            .insert(&key, input.delivery_destination_policy.clone())?;
        Ok(PutDeliveryDestinationPolicyResponse {
            policy: Some(Policy {
                delivery_destination_policy: Some(input.delivery_destination_policy),
            }),
        })
    }

    pub(crate) async fn get_delivery_destination_policy(
        &self,
        ctx: &Ctx,
        input: GetDeliveryDestinationPolicyRequest,
    ) -> Result<GetDeliveryDestinationPolicyResponse, LogsError> {
        let key = Scope::of(ctx).group_key(&input.delivery_destination_name);
        if !self.delivery_destinations.contains(&key) {
            return Err(destination_not_found());
        }
        Ok(GetDeliveryDestinationPolicyResponse {
            policy: Some(Policy {
                delivery_destination_policy: self.delivery_destination_policies.get(&key),
            }),
        })
    }

    pub(crate) async fn delete_delivery_destination_policy(
        &self,
        ctx: &Ctx,
        input: DeleteDeliveryDestinationPolicyRequest,
    ) -> Result<(), LogsError> {
        let key = Scope::of(ctx).group_key(&input.delivery_destination_name);
        if !self.delivery_destinations.contains(&key) {
            return Err(destination_not_found());
        }
        self.delivery_destination_policies
            .remove(&key)?
            .ok_or_else(|| {
                LogsError::ResourceNotFound(
                    "Requested Delivery Destination Policy does not exist in this account.".into(),
                )
            })?;
        Ok(())
    }

    pub(crate) async fn create_delivery(
        &self,
        ctx: &Ctx,
        input: CreateDeliveryRequest,
    ) -> Result<CreateDeliveryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let source = self
            .delivery_sources
            .get(&scope.group_key(&input.delivery_source_name))
            .ok_or_else(source_not_found)?;
        let destination_name = input
            .delivery_destination_arn
            .rsplit_once(":delivery-destination:")
            .map(|(_, name)| name.to_string())
            .ok_or_else(destination_not_found)?;
        let destination = self
            .delivery_destinations
            .get(&scope.group_key(&destination_name))
            .filter(|destination| {
                destination.arn.as_deref() == Some(input.delivery_destination_arn.as_str())
            })
            .ok_or_else(destination_not_found)?;
        let kind = destination
            .delivery_destination_type
            .clone()
            .unwrap_or_default();
        let template = template(
            source.service.as_deref().unwrap_or_default(),
            source.log_type.as_deref().unwrap_or_default(),
        )
        .ok_or_else(source_not_found)?;
        if !template
            .destinations
            .iter()
            .any(|(allowed, _)| *allowed == kind)
        {
            return Err(LogsError::Validation(format!(
                "Log type {} of service {} cannot be delivered to a {kind} destination.",
                template.log_type, template.service
            )));
        }
        check_configuration(
            template,
            input.record_fields.as_deref(),
            input.field_delimiter.as_deref(),
        )?;
        let taken = self
            .deliveries
            .scan_prefix(&scope.group_key(""))
            .into_iter()
            .any(|(_, delivery)| {
                delivery.delivery_source_name.as_deref() == Some(&input.delivery_source_name)
                    && delivery.delivery_destination_arn.as_deref()
                        == Some(&input.delivery_destination_arn)
            });
        if taken {
            return Err(LogsError::Conflict(
                "A delivery between this source and destination already exists.".into(),
            ));
        }
        let id = self.kit.ids().random_word(ID_ALPHABET, DELIVERY_ID_LENGTH);
        let s3_configuration = (kind == "S3").then(|| {
            let given = input.s3_delivery_configuration.clone().unwrap_or_default();
            S3DeliveryConfiguration {
                suffix_path: Some(
                    given
                        .suffix_path
                        .unwrap_or_else(|| template.suffix_path.to_string()),
                ),
                enable_hive_compatible_path: Some(
                    given.enable_hive_compatible_path.unwrap_or(false),
                ),
            }
        });
        let delivery = Delivery {
            id: Some(id.clone()),
            arn: Some(ctx.arn("logs", &format!("delivery:{id}"))),
            delivery_source_name: Some(input.delivery_source_name),
            delivery_destination_arn: Some(input.delivery_destination_arn),
            delivery_destination_type: Some(kind),
            record_fields: Some(input.record_fields.unwrap_or_else(|| {
                template
                    .fields
                    .iter()
                    .map(|field| field.to_string())
                    .collect()
            })),
            field_delimiter: input.field_delimiter,
            s3_delivery_configuration: s3_configuration,
            tags: input.tags,
        };
        self.deliveries
            .insert(&scope.group_key(&id), delivery.clone())?;
        Ok(CreateDeliveryResponse {
            delivery: Some(delivery_output(delivery)),
        })
    }

    pub(crate) async fn get_delivery(
        &self,
        ctx: &Ctx,
        input: GetDeliveryRequest,
    ) -> Result<GetDeliveryResponse, LogsError> {
        let delivery = self
            .deliveries
            .get(&Scope::of(ctx).group_key(&input.id))
            .ok_or_else(delivery_not_found)?;
        Ok(GetDeliveryResponse {
            delivery: Some(delivery_output(delivery)),
        })
    }

    pub(crate) async fn describe_deliveries(
        &self,
        ctx: &Ctx,
        input: DescribeDeliveriesRequest,
    ) -> Result<DescribeDeliveriesResponse, LogsError> {
        let entries = self
            .deliveries
            .scan_prefix(&Scope::of(ctx).group_key(""))
            .into_iter()
            .map(|(key, delivery)| (key, delivery_output(delivery)))
            .collect();
        let page = token::page(
            "deliveries",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeDeliveriesResponse {
            deliveries: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_delivery(
        &self,
        ctx: &Ctx,
        input: DeleteDeliveryRequest,
    ) -> Result<(), LogsError> {
        self.deliveries
            .remove(&Scope::of(ctx).group_key(&input.id))?
            .ok_or_else(delivery_not_found)?;
        Ok(())
    }

    pub(crate) async fn update_delivery_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateDeliveryConfigurationRequest,
    ) -> Result<UpdateDeliveryConfigurationResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = scope.group_key(&input.id);
        let delivery = self.deliveries.get(&key).ok_or_else(delivery_not_found)?;
        let source = self
            .delivery_sources
            .get(&scope.group_key(delivery.delivery_source_name.as_deref().unwrap_or("")))
            .ok_or_else(source_not_found)?;
        let template = template(
            source.service.as_deref().unwrap_or_default(),
            source.log_type.as_deref().unwrap_or_default(),
        )
        .ok_or_else(source_not_found)?;
        check_configuration(
            template,
            input.record_fields.as_deref(),
            input.field_delimiter.as_deref(),
        )?;
        if input.s3_delivery_configuration.is_some()
            && delivery.delivery_destination_type.as_deref() != Some("S3")
        {
            return Err(LogsError::Validation(
                "s3DeliveryConfiguration applies only to deliveries to S3.".into(),
            ));
        }
        self.deliveries.modify(&key, |slot| {
            let delivery = slot.as_mut().ok_or_else(delivery_not_found)?;
            if let Some(fields) = input.record_fields.clone() {
                delivery.record_fields = Some(fields);
            }
            if let Some(delimiter) = input.field_delimiter.clone() {
                delivery.field_delimiter = Some(delimiter);
            }
            if let Some(given) = input.s3_delivery_configuration.clone() {
                let current = delivery.s3_delivery_configuration.get_or_insert_default();
                if let Some(suffix) = given.suffix_path {
                    current.suffix_path = Some(suffix);
                }
                if let Some(hive) = given.enable_hive_compatible_path {
                    current.enable_hive_compatible_path = Some(hive);
                }
            }
            Ok::<_, LogsError>(())
        })?;
        Ok(UpdateDeliveryConfigurationResponse {})
    }

    pub(crate) async fn describe_configuration_templates(
        &self,
        _ctx: &Ctx,
        input: DescribeConfigurationTemplatesRequest,
    ) -> Result<DescribeConfigurationTemplatesResponse, LogsError> {
        let mut entries = Vec::new();
        for template in &TEMPLATES {
            let wanted = input
                .service
                .as_ref()
                .is_none_or(|service| service == template.service)
                && input
                    .log_types
                    .as_ref()
                    .is_none_or(|types| types.iter().any(|t| t == template.log_type))
                && input
                    .resource_types
                    .as_ref()
                    .is_none_or(|types| types.iter().any(|t| t == template.resource_type));
            if !wanted {
                continue;
            }
            for (kind, formats) in template.destinations {
                if input
                    .delivery_destination_types
                    .as_ref()
                    .is_some_and(|types| !types.iter().any(|t| t == kind))
                {
                    continue;
                }
                let key = format!(
                    "{}\0{}\0{}\0{kind}",
                    template.service, template.log_type, template.resource_type
                );
                entries.push((key, configuration_template(template, kind, formats)));
            }
        }
        let page = token::page(
            "configuration-templates",
            entries,
            input.next_token.as_deref(),
            input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize),
        )?;
        Ok(DescribeConfigurationTemplatesResponse {
            configuration_templates: Some(page.items),
            next_token: page.next,
        })
    }
}

fn configuration_template(
    template: &Template,
    kind: &str,
    formats: &[&str],
) -> ConfigurationTemplate {
    let strings = |items: &[&str]| items.iter().map(|item| item.to_string()).collect();
    ConfigurationTemplate {
        service: Some(template.service.into()),
        log_type: Some(template.log_type.into()),
        resource_type: Some(template.resource_type.into()),
        delivery_destination_type: Some(kind.into()),
        default_delivery_config_values: Some(ConfigurationTemplateDeliveryConfigValues {
            record_fields: Some(strings(template.fields)),
            field_delimiter: None,
            s3_delivery_configuration: (kind == "S3").then(|| S3DeliveryConfiguration {
                suffix_path: Some(template.suffix_path.into()),
                enable_hive_compatible_path: Some(false),
            }),
        }),
        allowed_fields: Some(
            template
                .fields
                .iter()
                .map(|name| RecordField {
                    name: Some(name.to_string()),
                    mandatory: Some(false),
                })
                .collect(),
        ),
        allowed_output_formats: Some(strings(formats)),
        allowed_action_for_allow_vended_logs_delivery_for_resource: Some(format!(
            "{}:AllowVendedLogDeliveryForResource",
            template.service
        )),
        allowed_field_delimiters: Some(strings(template.delimiters)),
        allowed_suffix_path_fields: None,
        delivery_source_configuration: None,
        s3_tables_integration: None,
    }
}
