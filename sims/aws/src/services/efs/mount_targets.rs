//! Mount targets: one per availability zone of a file system, all in one VPC, each a network
//! interface (EC2's, requester-managed) in its subnet with its security groups (the VPC's
//! default group when none are named, at most five).

use sim_aws_shapes::efs::{
    CreateMountTargetRequest, DeleteMountTargetRequest, DescribeMountTargetSecurityGroupsRequest,
    DescribeMountTargetSecurityGroupsResponse, DescribeMountTargetsRequest,
    DescribeMountTargetsResponse, ModifyMountTargetSecurityGroupsRequest, MountTargetDescription,
};

use super::{Ctx, Efs, EfsError, key};
use crate::services::ec2::Ec2Error;
use crate::services::paging;

const GROUPS_PER_TARGET: usize = 5;

fn mount_target_not_found(id: &str) -> EfsError {
    EfsError::MountTargetNotFound(format!("Mount target '{id}' does not exist."))
}

impl Efs {
    fn find_mount_target(&self, ctx: &Ctx, id: &str) -> Result<MountTargetDescription, EfsError> {
        self.mount_targets
            .get(&key(ctx, id))
            .ok_or_else(|| mount_target_not_found(id))
    }

    /// Security groups for a mount target in `vpc_id`: each must exist there.
    fn check_groups(&self, ctx: &Ctx, groups: &[String], vpc_id: &str) -> Result<(), EfsError> {
        if groups.len() > GROUPS_PER_TARGET {
            return Err(EfsError::SecurityGroupLimitExceeded(format!(
                "The number of security groups per mount target cannot exceed {GROUPS_PER_TARGET}."
            )));
        }
        for group in groups {
            match self.ec2.security_group_vpc(ctx, group) {
                Some(vpc) if vpc == vpc_id => {}
                Some(_) => {
                    return Err(EfsError::SecurityGroupNotFound(format!(
                        "Security group '{group}' is not in VPC '{vpc_id}'."
                    )));
                }
                None => {
                    return Err(EfsError::SecurityGroupNotFound(format!(
                        "The security group '{group}' does not exist"
                    )));
                }
            }
        }
        Ok(())
    }

    pub(super) async fn create_mount_target(
        &self,
        ctx: &Ctx,
        input: CreateMountTargetRequest,
    ) -> Result<MountTargetDescription, EfsError> {
        let file_system = self.find_file_system(ctx, &input.file_system_id)?;
        self.ec2
            .ensure_default_vpc(ctx)
            .map_err(|_| EfsError::BadRequest("The account's network could not be read.".into()))?;
        let subnet = self.ec2.subnet(ctx, &input.subnet_id).ok_or_else(|| {
            EfsError::SubnetNotFound(format!(
                "The subnet ID '{}' does not exist",
                input.subnet_id
            ))
        })?;
        let vpc_id = subnet.vpc_id.clone().unwrap_or_default();
        let zone_name = subnet.availability_zone.clone().unwrap_or_default();
        if let Some(one_zone) = &file_system.description.availability_zone_name
            && *one_zone != zone_name
        {
            return Err(EfsError::AvailabilityZonesMismatch(format!(
                "One Zone file system '{}' is in availability zone '{one_zone}'; the mount target's subnet is in '{zone_name}'.",
                input.file_system_id
            )));
        }
        let siblings: Vec<MountTargetDescription> = self
            .mount_targets
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, mt)| mt)
            .filter(|mt| mt.file_system_id == input.file_system_id)
            .collect();
        if siblings
            .iter()
            .any(|mt| mt.vpc_id.as_deref() != Some(vpc_id.as_str()))
        {
            return Err(EfsError::MountTargetConflict(
                "Mount targets of a file system must all be in the same VPC.".into(),
            ));
        }
        if siblings
            .iter()
            .any(|mt| mt.availability_zone_name.as_deref() == Some(zone_name.as_str()))
        {
            return Err(EfsError::MountTargetConflict(
                "mount target already exists in this AZ".into(),
            ));
        }
        let groups = input.security_groups.unwrap_or_default();
        self.check_groups(ctx, &groups, &vpc_id)?;
        let id = format!("fsmt-{}", self.kit.ids().hex(17));
        let interface = self
            .ec2
            .create_managed_interface(
                ctx,
                &input.subnet_id,
                &groups,
                &format!("EFS mount target for {} ({id})", input.file_system_id),
                Some("amazon-elasticfilesystem"),
            )
            .map_err(|error| match error {
                Ec2Error::Client { code, message }
                    if code == "InsufficientFreeAddressesInSubnet" =>
                {
                    EfsError::NoFreeAddressesInSubnet(message)
                }
                Ec2Error::Client { message, .. } => EfsError::BadRequest(message),
                Ec2Error::Store(error) => EfsError::Store(error),
                Ec2Error::Unimplemented(unimplemented) => EfsError::Unimplemented(unimplemented),
            })?;
        let interface_groups = if groups.is_empty() {
            self.ec2
                .interface_groups(ctx, &interface.network_interface_id)
        } else {
            groups
        };
        let target = MountTargetDescription {
            owner_id: Some(ctx.account_id.clone()),
            mount_target_id: id.clone(),
            file_system_id: input.file_system_id,
            subnet_id: input.subnet_id,
            life_cycle_state: "creating".into(),
            ip_address: Some(interface.private_ip_address),
            ipv6_address: None,
            network_interface_id: Some(interface.network_interface_id),
            availability_zone_id: subnet.availability_zone_id,
            availability_zone_name: Some(zone_name),
            vpc_id: Some(vpc_id),
        };
        let mut stored = target.clone();
        stored.life_cycle_state = "available".into();
        self.kit.store().transaction(|txn| {
            txn.insert(&self.mount_targets, &key(ctx, &id), stored)?;
            txn.insert(&self.mount_target_groups, &key(ctx, &id), interface_groups)?;
            Ok::<_, EfsError>(())
        })?;
        Ok(target)
    }

    pub(super) async fn describe_mount_targets(
        &self,
        ctx: &Ctx,
        input: DescribeMountTargetsRequest,
    ) -> Result<DescribeMountTargetsResponse, EfsError> {
        let access_point_fs = match &input.access_point_id {
            Some(id) => Some(
                self.access_point(ctx, id)
                    .and_then(|ap| ap.file_system_id)
                    .ok_or_else(|| {
                        EfsError::AccessPointNotFound(format!(
                            "Access point '{id}' does not exist."
                        ))
                    })?,
            ),
            None => None,
        };
        let file_system_id = input.file_system_id.clone().or(access_point_fs);
        match (&file_system_id, &input.mount_target_id) {
            (None, None) => {
                return Err(EfsError::BadRequest(
                    "You must specify exactly one of FileSystemId, MountTargetId, or AccessPointId."
                        .into(),
                ));
            }
            (Some(id), _) => {
                self.find_file_system(ctx, id)?;
            }
            (None, Some(id)) => {
                self.find_mount_target(ctx, id)?;
            }
        }
        let entries = self
            .mount_targets
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, mt)| mt)
            .filter(|mt| {
                file_system_id
                    .as_ref()
                    .is_none_or(|id| *id == mt.file_system_id)
                    && input
                        .mount_target_id
                        .as_ref()
                        .is_none_or(|id| *id == mt.mount_target_id)
            })
            .map(|mt| (mt.mount_target_id.clone(), mt))
            .collect();
        let size = input.max_items.unwrap_or(10).max(1) as usize;
        let page = paging::page(entries, input.marker.as_deref(), size)
            .map_err(|_| EfsError::BadRequest("Invalid Marker".into()))?;
        Ok(DescribeMountTargetsResponse {
            marker: input.marker,
            mount_targets: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(super) async fn delete_mount_target(
        &self,
        ctx: &Ctx,
        input: DeleteMountTargetRequest,
    ) -> Result<(), EfsError> {
        let target = self.find_mount_target(ctx, &input.mount_target_id)?;
        if let Some(interface) = &target.network_interface_id
            && let Err(error) = self
                .ec2
                .release_interface(&ctx.account_id, &ctx.region, interface)
        {
            tracing::error!(%error, "could not release a mount target's interface");
        }
        self.kit.store().transaction(|txn| {
            txn.remove(&self.mount_targets, &key(ctx, &input.mount_target_id))?;
            txn.remove(&self.mount_target_groups, &key(ctx, &input.mount_target_id))?;
            Ok::<_, EfsError>(())
        })
    }

    pub(super) async fn describe_mount_target_security_groups(
        &self,
        ctx: &Ctx,
        input: DescribeMountTargetSecurityGroupsRequest,
    ) -> Result<DescribeMountTargetSecurityGroupsResponse, EfsError> {
        self.find_mount_target(ctx, &input.mount_target_id)?;
        Ok(DescribeMountTargetSecurityGroupsResponse {
            security_groups: self
                .mount_target_groups
                .get(&key(ctx, &input.mount_target_id))
                .unwrap_or_default(),
        })
    }

    pub(super) async fn modify_mount_target_security_groups(
        &self,
        ctx: &Ctx,
        input: ModifyMountTargetSecurityGroupsRequest,
    ) -> Result<(), EfsError> {
        let target = self.find_mount_target(ctx, &input.mount_target_id)?;
        let groups = input.security_groups.unwrap_or_default();
        self.check_groups(ctx, &groups, target.vpc_id.as_deref().unwrap_or_default())?;
        if let Some(interface) = &target.network_interface_id {
            self.ec2.set_interface_groups(ctx, interface, &groups);
        }
        self.mount_target_groups
            .insert(&key(ctx, &input.mount_target_id), groups)?;
        Ok(())
    }
}
