//! What awsvpc tasks get from EC2: their subnets and security groups are checked (ECS's
//! `InvalidParameterException` quoting EC2's error, as ECS does), each task gets a
//! requester-managed network interface with a private address from its first subnet, shown in
//! its `ElasticNetworkInterface` attachment and in EC2's DescribeNetworkInterfaces, and the
//! interface is deleted when the task stops.
//!
//! A service's tasks are registered in the Cloud Map services of its `serviceRegistries` once
//! they run (instance ID: the task ID; attributes as ECS sets them: `AWS_INSTANCE_IPV4`,
//! `AWS_INIT_HEALTH_STATUS`, `AVAILABILITY_ZONE`, `REGION`, `ECS_CLUSTER_NAME`,
//! `ECS_SERVICE_NAME`, `ECS_TASK_DEFINITION_FAMILY`, `AWS_INSTANCE_PORT`), and deregistered when
//! they stop.
//!
//! Processes run on the host, so the address is the task's identity in the VPC (what Cloud Map
//! registers and DescribeNetworkInterfaces shows), not an address the host routes.

use std::collections::BTreeMap;

use sim_aws_shapes::ecs::AwsVpcConfiguration;

use super::services::service_key;
use super::tasks::TaskRecord;
use super::{Ecs, EcsError};
use crate::services::ec2::{Ec2Error, ManagedInterface};
use crate::services::{Caller, Ctx};

/// A task's interface and the ID of the attachment that shows it.
#[derive(Debug, Clone)]
pub(super) struct TaskInterface {
    pub attachment_id: String,
    pub interface: ManagedInterface,
}

/// ECS's words for an EC2 error it met while preparing a task's network.
fn ec2_failure(error: Ec2Error) -> EcsError {
    match error {
        Ec2Error::Client { code, message } => {
            EcsError::InvalidParameter(format!("{message} (ErrorCode: {code})"))
        }
        Ec2Error::Store(error) => EcsError::Store(error),
        Ec2Error::Unimplemented(unimplemented) => EcsError::Unimplemented(unimplemented),
    }
}

impl Ecs {
    /// Every subnet and security group of an awsvpc configuration must exist.
    pub(super) fn check_awsvpc_configuration(
        &self,
        ctx: &Ctx,
        configuration: &AwsVpcConfiguration,
    ) -> Result<(), EcsError> {
        self.ec2.ensure_default_vpc(ctx).map_err(ec2_failure)?;
        let subnets = &configuration.subnets;
        if let Some(missing) = subnets.iter().find(|s| !self.ec2.subnet_exists(ctx, s)) {
            return Err(EcsError::InvalidParameter(format!(
                "Error retrieving subnet information for [{}]: The subnet ID '{missing}' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
                subnets.join(", ")
            )));
        }
        let groups = configuration.security_groups.as_deref().unwrap_or_default();
        if let Some(missing) = groups
            .iter()
            .find(|g| !self.ec2.security_group_exists(ctx, g))
        {
            return Err(EcsError::InvalidParameter(format!(
                "Error retrieving security group information for [{}]: The security group '{missing}' does not exist (ErrorCode: InvalidGroup.NotFound)",
                groups.join(", ")
            )));
        }
        Ok(())
    }

    /// A new task's interface in `subnet_id`.
    pub(super) fn task_interface(
        &self,
        ctx: &Ctx,
        subnet_id: &str,
        security_groups: &[String],
    ) -> Result<TaskInterface, EcsError> {
        let attachment_id = self.kit.ids().uuid();
        let description = ctx.arn("ecs", &format!("attachment/{attachment_id}"));
        let interface = self
            .ec2
            .create_managed_interface(ctx, subnet_id, security_groups, &description, None)
            .map_err(ec2_failure)?;
        Ok(TaskInterface {
            attachment_id,
            interface,
        })
    }

    /// Deletes the interfaces of the task under `key` (it has stopped).
    pub(super) fn release_task_interfaces(&self, key: &str) {
        let Some(record) = self.tasks.get(key) else {
            return;
        };
        let interfaces = record
            .task
            .attachments
            .iter()
            .flatten()
            .flat_map(|attachment| attachment.details.iter().flatten())
            .filter(|detail| detail.name.as_deref() == Some("networkInterfaceId"))
            .filter_map(|detail| detail.value.clone());
        for interface in interfaces {
            if let Err(error) =
                self.ec2
                    .release_interface(&record.account_id, &record.region, &interface)
            {
                tracing::error!(%error, task = key, "could not release a task's network interface");
            }
        }
    }
}

/// A detail of a task's network interface attachment.
fn attachment_detail(task: &TaskRecord, name: &str) -> Option<String> {
    task.task
        .attachments
        .iter()
        .flatten()
        .flat_map(|attachment| attachment.details.iter().flatten())
        .find(|detail| detail.name.as_deref() == Some(name))
        .and_then(|detail| detail.value.clone())
}

impl Ecs {
    /// The Cloud Map registrations of the service `service` that task `task` belongs to, as
    /// (registry ARN, attributes).
    fn registrations(
        &self,
        task: &TaskRecord,
        service: &str,
    ) -> Vec<(String, BTreeMap<String, String>)> {
        let key = service_key(
            &format!("{}/{}/", task.account_id, task.region),
            &task.cluster_name,
            service,
        );
        let Some(record) = self.services.get(&key) else {
            return Vec::new();
        };
        let family = task
            .task
            .task_definition_arn
            .as_deref()
            .and_then(|arn| arn.rsplit('/').next())
            .and_then(|family_revision| family_revision.split(':').next())
            .unwrap_or_default()
            .to_string();
        record
            .service
            .service_registries
            .unwrap_or_default()
            .into_iter()
            .filter_map(|registry| {
                let arn = registry.registry_arn?;
                let mut attributes = BTreeMap::from([
                    ("AWS_INIT_HEALTH_STATUS".to_string(), "HEALTHY".to_string()),
                    (
                        "AVAILABILITY_ZONE".to_string(),
                        task.task.availability_zone.clone().unwrap_or_default(),
                    ),
                    ("REGION".to_string(), task.region.clone()),
                    ("ECS_CLUSTER_NAME".to_string(), task.cluster_name.clone()),
                    ("ECS_SERVICE_NAME".to_string(), service.to_string()),
                    ("ECS_TASK_DEFINITION_FAMILY".to_string(), family.clone()),
                ]);
                if let Some(address) = attachment_detail(task, "privateIPv4Address") {
                    attributes.insert("AWS_INSTANCE_IPV4".into(), address);
                }
                if let Some(port) = registry.port.or(registry.container_port) {
                    attributes.insert("AWS_INSTANCE_PORT".into(), port.to_string());
                }
                Some((arn, attributes))
            })
            .collect()
    }

    fn context_of(task: &TaskRecord) -> Ctx {
        Ctx {
            request_id: String::new(),
            account_id: task.account_id.clone(),
            region: task.region.clone(),
            caller: Caller::root(&task.account_id, ""),
        }
    }

    /// Registers a service's task that now runs in its Cloud Map services.
    pub(super) fn register_in_cloud_map(&self, task_key: &str, service: &str) {
        let Some(task) = self.tasks.get(task_key) else {
            return;
        };
        let ctx = Self::context_of(&task);
        let task_id = task
            .task
            .task_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or_default()
            .to_string();
        for (arn, attributes) in self.registrations(&task, service) {
            if let Err(error) = self
                .cloud_map
                .register_task(&ctx, &arn, &task_id, attributes)
            {
                tracing::warn!(%error, task = task_key, "could not register a task in Cloud Map");
            }
        }
    }

    /// Deregisters a service's task that stopped from its Cloud Map services.
    pub(super) fn deregister_from_cloud_map(&self, task_key: &str, service: &str) {
        let Some(task) = self.tasks.get(task_key) else {
            return;
        };
        let ctx = Self::context_of(&task);
        let task_id = task
            .task
            .task_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or_default()
            .to_string();
        for (arn, _) in self.registrations(&task, service) {
            if let Err(error) = self.cloud_map.deregister_task(&ctx, &arn, &task_id) {
                tracing::warn!(%error, task = task_key, "could not deregister a task from Cloud Map");
            }
        }
    }
}
