//! Services: named once per namespace, DNS records only in DNS namespaces, a Route 53 or a
//! custom health check (not both), deletion refused while instances are registered, and
//! service attributes (at most 30).

use std::collections::BTreeMap;

use sim_aws_shapes::servicediscovery::{
    CreateServiceRequest, CreateServiceResponse, DeleteServiceAttributesRequest,
    DeleteServiceAttributesResponse, DeleteServiceRequest, DeleteServiceResponse,
    GetServiceAttributesRequest, GetServiceAttributesResponse, GetServiceRequest,
    GetServiceResponse, ListServicesRequest, ListServicesResponse, Service, ServiceAttributes,
    ServiceSummary, UpdateServiceAttributesRequest, UpdateServiceAttributesResponse,
    UpdateServiceRequest, UpdateServiceResponse,
};

use super::operations::{condition, passes};
use super::{CloudMap, CloudMapError, Ctx, ServiceRecord, key};
use crate::services::paging;

const ATTRIBUTES_PER_SERVICE: usize = 30;

pub(super) fn service_not_found(id: &str) -> CloudMapError {
    CloudMapError::ServiceNotFound(format!("Service not found: {id}"))
}

impl CloudMap {
    pub(super) fn find_service(&self, ctx: &Ctx, id: &str) -> Result<ServiceRecord, CloudMapError> {
        self.services
            .get(&key(ctx, id))
            .ok_or_else(|| service_not_found(id))
    }

    /// The service as it reads now (its instance count).
    pub(super) fn live_service(&self, ctx: &Ctx, record: &ServiceRecord) -> Service {
        let mut service = record.service.clone();
        let id = service.id.clone().unwrap_or_default();
        service.instance_count = Some(
            self.instances
                .scan_prefix(&format!("{}{id}/", ctx.scope()))
                .len() as i32,
        );
        service
    }

    pub(super) async fn create_service(
        &self,
        ctx: &Ctx,
        input: CreateServiceRequest,
    ) -> Result<CreateServiceResponse, CloudMapError> {
        let namespace_id = input
            .namespace_id
            .clone()
            .or_else(|| {
                input
                    .dns_config
                    .as_ref()
                    .and_then(|d| d.namespace_id.clone())
            })
            .ok_or_else(|| CloudMapError::InvalidInput("NamespaceId is required.".into()))?;
        let namespace = self.find_namespace(ctx, &namespace_id)?;
        let http_only = namespace.namespace.r#type.as_deref() == Some("HTTP");
        if http_only && input.dns_config.is_some() {
            return Err(CloudMapError::InvalidInput(
                "DnsConfig is not supported for services in an HTTP namespace.".into(),
            ));
        }
        if input.health_check_config.is_some() && input.health_check_custom_config.is_some() {
            return Err(CloudMapError::InvalidInput(
                "A service can have either HealthCheckConfig or HealthCheckCustomConfig, not both."
                    .into(),
            ));
        }
        if let Some(config) = &input.health_check_config
            && namespace.namespace.r#type.as_deref() == Some("DNS_PRIVATE")
        {
            return Err(CloudMapError::InvalidInput(format!(
                "HealthCheckConfig of type {} is not supported in a private DNS namespace.",
                config.r#type
            )));
        }
        let existing = self.services.scan_prefix(&ctx.scope());
        if let Some((_, clash)) = existing.iter().find(|(_, s)| {
            s.service.namespace_id.as_deref() == Some(namespace_id.as_str())
                && s.service.name.as_deref() == Some(input.name.as_str())
        }) {
            return Err(CloudMapError::ServiceAlreadyExists {
                message: format!("Service already exists: {}", input.name),
                service_id: clash.service.id.clone().unwrap_or_default(),
                service_arn: clash.service.arn.clone().unwrap_or_default(),
                creator_request_id: clash.service.creator_request_id.clone(),
            });
        }
        let kind = match input.r#type.as_deref() {
            Some("HTTP") => "HTTP",
            _ if http_only => "HTTP",
            _ if input.dns_config.is_some() => "DNS_HTTP",
            _ => "HTTP",
        };
        let id = self.new_id("srv");
        let mut dns_config = input.dns_config;
        if let Some(config) = dns_config.as_mut() {
            // The deprecated DnsConfig.NamespaceId reads back as given (terraform compares it).
            config
                .routing_policy
                .get_or_insert_with(|| "MULTIVALUE".into());
        }
        let service = Service {
            id: Some(id.clone()),
            arn: Some(ctx.arn("servicediscovery", &format!("service/{id}"))),
            resource_owner: Some(ctx.account_id.clone()),
            name: Some(input.name),
            namespace_id: Some(namespace_id),
            description: input.description,
            instance_count: Some(0),
            dns_config,
            r#type: Some(kind.into()),
            health_check_config: input.health_check_config,
            health_check_custom_config: input.health_check_custom_config,
            create_date: Some(self.now()),
            creator_request_id: input.creator_request_id,
            created_by_account: Some(ctx.account_id.clone()),
        };
        self.services.insert(
            &key(ctx, &id),
            ServiceRecord {
                service: service.clone(),
                tags: input.tags.unwrap_or_default(),
                attributes: BTreeMap::new(),
                revision: 0,
            },
        )?;
        Ok(CreateServiceResponse {
            service: Some(service),
        })
    }

    pub(super) async fn get_service(
        &self,
        ctx: &Ctx,
        input: GetServiceRequest,
    ) -> Result<GetServiceResponse, CloudMapError> {
        let record = self.find_service(ctx, &input.id)?;
        Ok(GetServiceResponse {
            service: Some(self.live_service(ctx, &record)),
        })
    }

    pub(super) async fn list_services(
        &self,
        ctx: &Ctx,
        input: ListServicesRequest,
    ) -> Result<ListServicesResponse, CloudMapError> {
        let mut checks = Vec::new();
        for filter in input.filters.unwrap_or_default() {
            if filter.name != "NAMESPACE_ID" && filter.name != "RESOURCE_OWNER" {
                return Err(CloudMapError::InvalidInput(format!(
                    "The filter {} is not supported.",
                    filter.name
                )));
            }
            let condition = condition(filter.condition.as_deref(), &["EQ", "IN"], &filter.name)?;
            checks.push((filter.name, condition, filter.values));
        }
        let entries = self
            .services
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| self.live_service(ctx, &record))
            .filter(|service| {
                checks.iter().all(|(name, condition, values)| {
                    let value = match name.as_str() {
                        "NAMESPACE_ID" => service.namespace_id.clone(),
                        _ => service.resource_owner.as_ref().map(|_| "SELF".to_string()),
                    };
                    value.is_some_and(|value| passes(condition, values, &value))
                })
            })
            .map(|service| {
                (
                    service.id.clone().unwrap_or_default(),
                    ServiceSummary {
                        id: service.id,
                        arn: service.arn,
                        resource_owner: service.resource_owner,
                        name: service.name,
                        r#type: service.r#type,
                        description: service.description,
                        instance_count: service.instance_count,
                        dns_config: service.dns_config,
                        health_check_config: service.health_check_config,
                        health_check_custom_config: service.health_check_custom_config,
                        create_date: service.create_date,
                        created_by_account: service.created_by_account,
                    },
                )
            })
            .collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| CloudMapError::InvalidInput("Invalid NextToken".into()))?;
        Ok(ListServicesResponse {
            services: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_service(
        &self,
        ctx: &Ctx,
        input: UpdateServiceRequest,
    ) -> Result<UpdateServiceResponse, CloudMapError> {
        let record = self.find_service(ctx, &input.id)?;
        let change = input.service;
        if change.dns_config.is_some() && record.service.dns_config.is_none() {
            return Err(CloudMapError::InvalidInput(
                "DnsConfig can't be added to a service that has none.".into(),
            ));
        }
        if change.health_check_config.is_some()
            && record.service.health_check_custom_config.is_some()
        {
            return Err(CloudMapError::InvalidInput(
                "A service with a custom health check can't get a Route 53 health check.".into(),
            ));
        }
        self.services.update(&key(ctx, &input.id), |record| {
            if let Some(description) = change.description {
                record.service.description = Some(description);
            }
            if let (Some(dns), Some(config)) =
                (change.dns_config, record.service.dns_config.as_mut())
            {
                config.dns_records = dns.dns_records;
            }
            if let Some(health) = change.health_check_config {
                record.service.health_check_config = Some(health);
            }
        })?;
        let operation_id = self.submit(
            ctx,
            "UPDATE_SERVICE",
            BTreeMap::from([("SERVICE".to_string(), input.id)]),
        )?;
        Ok(UpdateServiceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn delete_service(
        &self,
        ctx: &Ctx,
        input: DeleteServiceRequest,
    ) -> Result<DeleteServiceResponse, CloudMapError> {
        self.find_service(ctx, &input.id)?;
        if !self
            .instances
            .scan_prefix(&format!("{}{}/", ctx.scope(), input.id))
            .is_empty()
        {
            return Err(CloudMapError::ResourceInUse(
                "Service contains registered instances; delete the instances before deleting the service"
                    .into(),
            ));
        }
        self.services.remove(&key(ctx, &input.id))?;
        Ok(DeleteServiceResponse {})
    }

    pub(super) async fn get_service_attributes(
        &self,
        ctx: &Ctx,
        input: GetServiceAttributesRequest,
    ) -> Result<GetServiceAttributesResponse, CloudMapError> {
        let record = self.find_service(ctx, &input.service_id)?;
        Ok(GetServiceAttributesResponse {
            service_attributes: Some(ServiceAttributes {
                service_arn: record.service.arn,
                resource_owner: record.service.resource_owner,
                attributes: Some(record.attributes),
            }),
        })
    }

    pub(super) async fn update_service_attributes(
        &self,
        ctx: &Ctx,
        input: UpdateServiceAttributesRequest,
    ) -> Result<UpdateServiceAttributesResponse, CloudMapError> {
        self.find_service(ctx, &input.service_id)?;
        self.services.modify(&key(ctx, &input.service_id), |slot| {
            let Some(record) = slot.as_mut() else {
                return Ok(());
            };
            let mut merged = record.attributes.clone();
            merged.extend(input.attributes);
            if merged.len() > ATTRIBUTES_PER_SERVICE {
                return Err(CloudMapError::ServiceAttributesLimitExceeded(format!(
                    "A service can have at most {ATTRIBUTES_PER_SERVICE} attributes."
                )));
            }
            record.attributes = merged;
            Ok(())
        })?;
        Ok(UpdateServiceAttributesResponse {})
    }

    pub(super) async fn delete_service_attributes(
        &self,
        ctx: &Ctx,
        input: DeleteServiceAttributesRequest,
    ) -> Result<DeleteServiceAttributesResponse, CloudMapError> {
        self.find_service(ctx, &input.service_id)?;
        self.services
            .update(&key(ctx, &input.service_id), |record| {
                for name in &input.attributes {
                    record.attributes.remove(name);
                }
            })?;
        Ok(DeleteServiceAttributesResponse {})
    }
}
