//! Instances: registration (with the attributes a DNS service's records need), health (from a
//! custom health check's reports, else healthy under a Route 53 check, else unknown), listing,
//! and discovery by namespace and service name with attribute queries and a revision that
//! changes whenever the set of instances or their health does.

use std::collections::BTreeMap;

use sim_aws_shapes::servicediscovery::{
    DeregisterInstanceRequest, DeregisterInstanceResponse, DiscoverInstancesRequest,
    DiscoverInstancesResponse, DiscoverInstancesRevisionRequest, DiscoverInstancesRevisionResponse,
    GetInstanceRequest, GetInstanceResponse, GetInstancesHealthStatusRequest,
    GetInstancesHealthStatusResponse, HttpInstanceSummary, Instance, InstanceSummary,
    ListInstancesRequest, ListInstancesResponse, RegisterInstanceRequest, RegisterInstanceResponse,
    UpdateInstanceCustomHealthStatusRequest,
};

use super::namespaces::namespace_not_found;
use super::services::service_not_found;
use super::{CloudMap, CloudMapError, Ctx, InstanceRecord, ServiceRecord, key};
use crate::services::paging;

fn instance_key(ctx: &Ctx, service_id: &str, instance_id: &str) -> String {
    format!("{}{service_id}/{instance_id}", ctx.scope())
}

fn instance_not_found(id: &str) -> CloudMapError {
    CloudMapError::InstanceNotFound(format!("No instance found with ID {id}"))
}

impl CloudMap {
    /// Registers (or re-registers) an instance; returns the operation's ID.
    pub(super) fn register(
        &self,
        ctx: &Ctx,
        service: &ServiceRecord,
        instance_id: &str,
        creator_request_id: Option<String>,
        attributes: BTreeMap<String, String>,
    ) -> Result<String, CloudMapError> {
        let service_id = service.service.id.clone().unwrap_or_default();
        let records = service
            .service
            .dns_config
            .as_ref()
            .map(|d| d.dns_records.clone())
            .unwrap_or_default();
        for record in &records {
            let needed = match record.r#type.as_str() {
                "A" => Some("AWS_INSTANCE_IPV4"),
                "AAAA" => Some("AWS_INSTANCE_IPV6"),
                "CNAME" => Some("AWS_INSTANCE_CNAME"),
                "SRV" => Some("AWS_INSTANCE_PORT"),
                _ => None,
            };
            if let Some(needed) = needed
                && !attributes.contains_key(needed)
                && !attributes.contains_key("AWS_ALIAS_DNS_NAME")
            {
                return Err(CloudMapError::InvalidInput(format!(
                    "{needed} is required for a service with a {} record.",
                    record.r#type
                )));
            }
        }
        let health = if service.service.health_check_custom_config.is_some() {
            attributes
                .get("AWS_INIT_HEALTH_STATUS")
                .cloned()
                .unwrap_or_else(|| "HEALTHY".into())
        } else if service.service.health_check_config.is_some() {
            "HEALTHY".into()
        } else {
            "UNKNOWN".into()
        };
        self.kit.store().transaction(|txn| {
            txn.insert(
                &self.instances,
                &instance_key(ctx, &service_id, instance_id),
                InstanceRecord {
                    instance: Instance {
                        id: instance_id.to_string(),
                        creator_request_id,
                        attributes: Some(attributes),
                        created_by_account: Some(ctx.account_id.clone()),
                    },
                    health,
                },
            )?;
            txn.update(&self.services, &key(ctx, &service_id), |record| {
                record.revision += 1
            })?;
            Ok::<_, CloudMapError>(())
        })?;
        self.submit(
            ctx,
            "REGISTER_INSTANCE",
            BTreeMap::from([
                ("INSTANCE".to_string(), instance_id.to_string()),
                ("SERVICE".to_string(), service_id),
            ]),
        )
    }

    /// Deregisters an instance; returns the operation's ID.
    pub(super) fn deregister(
        &self,
        ctx: &Ctx,
        service_id: &str,
        instance_id: &str,
    ) -> Result<String, CloudMapError> {
        let removed = self.kit.store().transaction(|txn| {
            let removed =
                txn.remove(&self.instances, &instance_key(ctx, service_id, instance_id))?;
            if removed.is_some() {
                txn.update(&self.services, &key(ctx, service_id), |record| {
                    record.revision += 1
                })?;
            }
            Ok::<_, CloudMapError>(removed)
        })?;
        if removed.is_none() {
            return Err(instance_not_found(instance_id));
        }
        self.submit(
            ctx,
            "DEREGISTER_INSTANCE",
            BTreeMap::from([
                ("INSTANCE".to_string(), instance_id.to_string()),
                ("SERVICE".to_string(), service_id.to_string()),
            ]),
        )
    }

    pub(super) async fn register_instance(
        &self,
        ctx: &Ctx,
        input: RegisterInstanceRequest,
    ) -> Result<RegisterInstanceResponse, CloudMapError> {
        let service = self.find_service(ctx, &input.service_id)?;
        let operation_id = self.register(
            ctx,
            &service,
            &input.instance_id,
            input.creator_request_id,
            input.attributes,
        )?;
        Ok(RegisterInstanceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn deregister_instance(
        &self,
        ctx: &Ctx,
        input: DeregisterInstanceRequest,
    ) -> Result<DeregisterInstanceResponse, CloudMapError> {
        self.find_service(ctx, &input.service_id)?;
        let operation_id = self.deregister(ctx, &input.service_id, &input.instance_id)?;
        Ok(DeregisterInstanceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn get_instance(
        &self,
        ctx: &Ctx,
        input: GetInstanceRequest,
    ) -> Result<GetInstanceResponse, CloudMapError> {
        self.find_service(ctx, &input.service_id)?;
        let record = self
            .instances
            .get(&instance_key(ctx, &input.service_id, &input.instance_id))
            .ok_or_else(|| instance_not_found(&input.instance_id))?;
        Ok(GetInstanceResponse {
            resource_owner: Some(ctx.account_id.clone()),
            instance: Some(record.instance),
        })
    }

    fn instances_of(&self, ctx: &Ctx, service_id: &str) -> Vec<InstanceRecord> {
        self.instances
            .scan_prefix(&format!("{}{service_id}/", ctx.scope()))
            .into_iter()
            .map(|(_, record)| record)
            .collect()
    }

    pub(super) async fn list_instances(
        &self,
        ctx: &Ctx,
        input: ListInstancesRequest,
    ) -> Result<ListInstancesResponse, CloudMapError> {
        self.find_service(ctx, &input.service_id)?;
        let entries = self
            .instances_of(ctx, &input.service_id)
            .into_iter()
            .map(|record| {
                (
                    record.instance.id.clone(),
                    InstanceSummary {
                        id: Some(record.instance.id),
                        attributes: record.instance.attributes,
                        created_by_account: record.instance.created_by_account,
                    },
                )
            })
            .collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| CloudMapError::InvalidInput("Invalid NextToken".into()))?;
        Ok(ListInstancesResponse {
            resource_owner: Some(ctx.account_id.clone()),
            instances: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn get_instances_health_status(
        &self,
        ctx: &Ctx,
        input: GetInstancesHealthStatusRequest,
    ) -> Result<GetInstancesHealthStatusResponse, CloudMapError> {
        self.find_service(ctx, &input.service_id)?;
        let all = self.instances_of(ctx, &input.service_id);
        let wanted = input.instances.unwrap_or_default();
        for id in &wanted {
            if !all.iter().any(|r| r.instance.id == *id) {
                return Err(instance_not_found(id));
            }
        }
        let entries = all
            .into_iter()
            .filter(|r| wanted.is_empty() || wanted.contains(&r.instance.id))
            .map(|r| (r.instance.id.clone(), (r.instance.id, r.health)))
            .collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| CloudMapError::InvalidInput("Invalid NextToken".into()))?;
        Ok(GetInstancesHealthStatusResponse {
            status: Some(page.items.into_iter().collect()),
            next_token: page.next,
        })
    }

    pub(super) async fn update_instance_custom_health_status(
        &self,
        ctx: &Ctx,
        input: UpdateInstanceCustomHealthStatusRequest,
    ) -> Result<(), CloudMapError> {
        let service = self.find_service(ctx, &input.service_id)?;
        if service.service.health_check_custom_config.is_none() {
            return Err(CloudMapError::CustomHealthNotFound(format!(
                "Service {} does not have a custom health check configuration.",
                input.service_id
            )));
        }
        let instance = instance_key(ctx, &input.service_id, &input.instance_id);
        self.kit.store().transaction(|txn| {
            let changed = txn.update(&self.instances, &instance, |record| {
                let changed = record.health != input.status;
                record.health = input.status.clone();
                changed
            })?;
            match changed {
                None => Err(instance_not_found(&input.instance_id)),
                Some(true) => {
                    txn.update(&self.services, &key(ctx, &input.service_id), |record| {
                        record.revision += 1
                    })?;
                    Ok(())
                }
                Some(false) => Ok(()),
            }
        })
    }

    /// The service named `service_name` in the namespace named `namespace_name`.
    fn named_service(
        &self,
        ctx: &Ctx,
        namespace_name: &str,
        service_name: &str,
    ) -> Result<ServiceRecord, CloudMapError> {
        let namespaces: Vec<String> = self
            .namespaces
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, ns)| {
                ns.namespace
                    .properties
                    .as_ref()
                    .and_then(|p| p.http_properties.as_ref())
                    .and_then(|h| h.http_name.as_deref())
                    == Some(namespace_name)
            })
            .filter_map(|(_, ns)| ns.namespace.id)
            .collect();
        if namespaces.is_empty() {
            return Err(namespace_not_found(namespace_name));
        }
        self.services
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record)
            .find(|record| {
                record.service.name.as_deref() == Some(service_name)
                    && record
                        .service
                        .namespace_id
                        .as_ref()
                        .is_some_and(|id| namespaces.contains(id))
            })
            .ok_or_else(|| service_not_found(service_name))
    }

    pub(super) async fn discover_instances(
        &self,
        ctx: &Ctx,
        input: DiscoverInstancesRequest,
    ) -> Result<DiscoverInstancesResponse, CloudMapError> {
        let service = self.named_service(ctx, &input.namespace_name, &input.service_name)?;
        let service_id = service.service.id.clone().unwrap_or_default();
        let query = input.query_parameters.unwrap_or_default();
        let optional = input.optional_parameters.unwrap_or_default();
        let matching: Vec<InstanceRecord> = self
            .instances_of(ctx, &service_id)
            .into_iter()
            .filter(|record| {
                let attributes = record.instance.attributes.clone().unwrap_or_default();
                query
                    .iter()
                    .all(|(name, value)| attributes.get(name) == Some(value))
            })
            .collect();
        let healthy = |record: &InstanceRecord| record.health != "UNHEALTHY";
        let mut chosen: Vec<InstanceRecord> = match input.health_status.as_deref() {
            Some("ALL") => matching,
            Some("UNHEALTHY") => matching.into_iter().filter(|r| !healthy(r)).collect(),
            Some("HEALTHY_OR_ELSE_ALL") if !matching.iter().any(healthy) => matching,
            _ => matching.into_iter().filter(healthy).collect(),
        };
        // Optional parameters narrow the answer only when some instance matches them all.
        let optional_match = |record: &InstanceRecord| {
            let attributes = record.instance.attributes.clone().unwrap_or_default();
            optional
                .iter()
                .all(|(name, value)| attributes.get(name) == Some(value))
        };
        if !optional.is_empty() && chosen.iter().any(optional_match) {
            chosen.retain(optional_match);
        }
        chosen.truncate(input.max_results.unwrap_or(100).max(1) as usize);
        Ok(DiscoverInstancesResponse {
            instances: Some(
                chosen
                    .into_iter()
                    .map(|record| HttpInstanceSummary {
                        instance_id: Some(record.instance.id),
                        namespace_name: Some(input.namespace_name.clone()),
                        service_name: Some(input.service_name.clone()),
                        health_status: Some(record.health),
                        attributes: record.instance.attributes,
                    })
                    .collect(),
            ),
            instances_revision: Some(service.revision),
        })
    }

    pub(super) async fn discover_instances_revision(
        &self,
        ctx: &Ctx,
        input: DiscoverInstancesRevisionRequest,
    ) -> Result<DiscoverInstancesRevisionResponse, CloudMapError> {
        let service = self.named_service(ctx, &input.namespace_name, &input.service_name)?;
        Ok(DiscoverInstancesRevisionResponse {
            instances_revision: Some(service.revision),
        })
    }

    /// Registers an ECS task as an instance of the Cloud Map service `registry_arn` (ECS's
    /// `serviceRegistries`): its ID is the task's ID. A registry that no longer exists is
    /// skipped (ECS reports it as a service event on AWS).
    pub fn register_task(
        &self,
        ctx: &Ctx,
        registry_arn: &str,
        task_id: &str,
        attributes: BTreeMap<String, String>,
    ) -> Result<(), CloudMapError> {
        let service_id = registry_arn.rsplit('/').next().unwrap_or_default();
        let Some(service) = self.services.get(&key(ctx, service_id)) else {
            return Ok(());
        };
        self.register(ctx, &service, task_id, None, attributes)?;
        Ok(())
    }

    /// Deregisters an ECS task; one not registered is no error.
    pub fn deregister_task(
        &self,
        ctx: &Ctx,
        registry_arn: &str,
        task_id: &str,
    ) -> Result<(), CloudMapError> {
        let service_id = registry_arn.rsplit('/').next().unwrap_or_default();
        if !self
            .instances
            .contains(&instance_key(ctx, service_id, task_id))
        {
            return Ok(());
        }
        self.deregister(ctx, service_id, task_id)?;
        Ok(())
    }
}
