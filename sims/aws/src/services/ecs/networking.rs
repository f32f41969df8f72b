//! What awsvpc tasks get from EC2: their subnets and security groups are checked (ECS's
//! `InvalidParameterException` quoting EC2's error, as ECS does), each task gets a
//! requester-managed network interface with a private address from its first subnet, shown in
//! its `ElasticNetworkInterface` attachment and in EC2's DescribeNetworkInterfaces, and the
//! interface is deleted when the task stops.
//!
//! Processes run on the host, so the address is the task's identity in the VPC (what Cloud Map
//! registers and DescribeNetworkInterfaces shows), not an address the host routes.

use sim_aws_shapes::ecs::AwsVpcConfiguration;

use super::{Ecs, EcsError};
use crate::services::Ctx;
use crate::services::ec2::{Ec2Error, ManagedInterface};

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
        if let Some(missing) = groups.iter().find(|g| !self.ec2.security_group_exists(ctx, g)) {
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
            if let Err(error) = self
                .ec2
                .release_interface(&record.account_id, &record.region, &interface)
            {
                tracing::error!(%error, task = key, "could not release a task's network interface");
            }
        }
    }
}
