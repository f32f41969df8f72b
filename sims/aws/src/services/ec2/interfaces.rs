//! Network interfaces: each takes its primary private address (and any secondary ones) from
//! its subnet's free addresses, has a MAC address and a private DNS name, belongs to security
//! groups of its VPC (the default group when none is named). Interfaces other services make
//! (ECS's awsvpc tasks, NAT gateways) are requester-managed and in use until released.
//!
//! Instances are not simulated: attaching to one answers EC2's error for an instance that does
//! not exist.

use std::net::Ipv4Addr;

use sim_aws_shapes::ec2::{
    AssignPrivateIpAddressesRequest, AssignPrivateIpAddressesResult, AssignedPrivateIpAddress,
    AttachNetworkInterfaceRequest, AttachNetworkInterfaceResult, AttributeBooleanValue,
    AttributeValue, CreateNetworkInterfaceRequest, CreateNetworkInterfaceResult,
    DeleteNetworkInterfaceRequest, DescribeNetworkInterfaceAttributeRequest,
    DescribeNetworkInterfaceAttributeResult, DescribeNetworkInterfacesRequest,
    DescribeNetworkInterfacesResult, DetachNetworkInterfaceRequest, GroupIdentifier,
    ModifyNetworkInterfaceAttributeRequest, NetworkInterface, NetworkInterfaceAttachment,
    NetworkInterfacePrivateIpAddress, Tag, UnassignPrivateIpAddressesRequest,
};

use super::cidr::Cidr;
use super::resources::{Query, Resource, flag, ids_do_not_exist, one, tags_for, tags_in};
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

/// What a service that asked for an interface needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedInterface {
    pub network_interface_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub private_ip_address: String,
    pub mac_address: String,
    pub private_dns_name: String,
}

impl Resource for NetworkInterface {
    const RESOURCE_TYPE: &'static str = "network-interface";
    const NOT_FOUND: &'static str = "InvalidNetworkInterfaceID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("networkInterface", ids)
    }
    fn id(&self) -> &str {
        self.network_interface_id.as_deref().unwrap_or_default()
    }
    tags_in!(tag_set);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let addresses = || self.private_ip_addresses.iter().flatten();
        let groups = || self.groups.iter().flatten();
        let attachment = self.attachment.as_ref();
        Some(match name {
            "network-interface-id" => one(&self.network_interface_id),
            "subnet-id" => one(&self.subnet_id),
            "vpc-id" => one(&self.vpc_id),
            "availability-zone" => one(&self.availability_zone),
            "description" => one(&self.description),
            "interface-type" => one(&self.interface_type),
            "mac-address" => one(&self.mac_address),
            "owner-id" => one(&self.owner_id),
            "private-dns-name" => one(&self.private_dns_name),
            "private-ip-address" | "addresses.private-ip-address" => addresses()
                .filter_map(|a| a.private_ip_address.clone())
                .collect(),
            "addresses.primary" => addresses().flat_map(|a| flag(a.primary)).collect(),
            "requester-id" => one(&self.requester_id),
            "requester-managed" => flag(self.requester_managed),
            "source-dest-check" => flag(self.source_dest_check),
            "status" => one(&self.status),
            "group-id" => groups().filter_map(|g| g.group_id.clone()).collect(),
            "group-name" => groups().filter_map(|g| g.group_name.clone()).collect(),
            "attachment.attachment-id" => attachment
                .and_then(|a| a.attachment_id.clone())
                .into_iter()
                .collect(),
            "attachment.instance-id" => attachment
                .and_then(|a| a.instance_id.clone())
                .into_iter()
                .collect(),
            "attachment.instance-owner-id" => attachment
                .and_then(|a| a.instance_owner_id.clone())
                .into_iter()
                .collect(),
            "attachment.status" => attachment
                .and_then(|a| a.status.clone())
                .into_iter()
                .collect(),
            "attachment.device-index" => attachment
                .and_then(|a| a.device_index.map(|i| i.to_string()))
                .into_iter()
                .collect(),
            "attachment.delete-on-termination" => attachment
                .map(|a| flag(a.delete_on_termination))
                .unwrap_or_default(),
            "association.public-ip" => self
                .association
                .as_ref()
                .and_then(|a| a.public_ip.clone())
                .into_iter()
                .collect(),
            "association.allocation-id" => self
                .association
                .as_ref()
                .and_then(|a| a.allocation_id.clone())
                .into_iter()
                .collect(),
            "association.association-id" => self
                .association
                .as_ref()
                .and_then(|a| a.association_id.clone())
                .into_iter()
                .collect(),
            "ipv6-addresses.ipv6-address"
            | "association.ip-owner-id"
            | "association.public-dns-name" => Vec::new(),
            _ => return None,
        })
    }
}

/// EC2's private DNS name for an address: `ip-10-0-1-4.ec2.internal`.
fn private_dns_name(region: &str, address: Ipv4Addr) -> String {
    let dashed = address.to_string().replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{dashed}.ec2.internal")
    } else {
        format!("ip-{dashed}.{region}.compute.internal")
    }
}

fn private_address(
    region: &str,
    address: Ipv4Addr,
    primary: bool,
) -> NetworkInterfacePrivateIpAddress {
    NetworkInterfacePrivateIpAddress {
        association: None,
        primary: Some(primary),
        private_dns_name: Some(private_dns_name(region, address)),
        private_ip_address: Some(address.to_string()),
    }
}

/// How a new interface is made.
struct NewInterface<'a> {
    subnet_id: &'a str,
    groups: &'a [String],
    description: String,
    private_ip: Option<Ipv4Addr>,
    secondary_count: usize,
    /// Whether another service manages the interface, and the account it names as requester.
    managed: bool,
    requester: Option<&'a str>,
    tags: Option<Vec<Tag>>,
}

impl Ec2 {
    /// Every address in use in `subnet_id`, across its interfaces.
    fn taken_addresses(&self, ctx: &Ctx, subnet_id: &str) -> Vec<Ipv4Addr> {
        self.interfaces
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, eni)| eni.subnet_id.as_deref() == Some(subnet_id))
            .flat_map(|(_, eni)| eni.private_ip_addresses.unwrap_or_default())
            .filter_map(|a| a.private_ip_address.and_then(|ip| ip.parse().ok()))
            .collect()
    }

    fn build_interface(
        &self,
        ctx: &Ctx,
        new: NewInterface<'_>,
    ) -> Result<NetworkInterface, Ec2Error> {
        let subnet = self.find(&self.subnets, ctx, new.subnet_id)?;
        let block = subnet
            .cidr_block
            .as_deref()
            .and_then(Cidr::parse)
            .unwrap_or(Cidr {
                network: 0,
                prefix: 32,
            });
        let vpc_id = subnet.vpc_id.clone().unwrap_or_default();
        let mut groups = Vec::new();
        if new.groups.is_empty() {
            let default = self
                .security_groups
                .scan_prefix(&ctx.scope())
                .into_iter()
                .map(|(_, g)| g)
                .find(|g| {
                    g.group.vpc_id.as_deref() == Some(vpc_id.as_str())
                        && g.group.group_name.as_deref() == Some("default")
                });
            if let Some(default) = default {
                groups.push(GroupIdentifier {
                    group_id: default.group.group_id,
                    group_name: default.group.group_name,
                });
            }
        }
        for group_id in new.groups {
            let group = self.find(&self.security_groups, ctx, group_id)?;
            if group.group.vpc_id.as_deref() != Some(vpc_id.as_str()) {
                return Err(Ec2Error::invalid_value(format!(
                    "The security group '{group_id}' does not belong to VPC '{vpc_id}'"
                )));
            }
            groups.push(GroupIdentifier {
                group_id: group.group.group_id,
                group_name: group.group.group_name,
            });
        }
        let mut taken = self.taken_addresses(ctx, new.subnet_id);
        let primary = match new.private_ip {
            Some(address) => {
                if !block.contains(address) {
                    return Err(Ec2Error::invalid_value(
                        "Address does not fall within the subnet's address range",
                    ));
                }
                if taken.contains(&address) {
                    return Err(Ec2Error::new(
                        "InvalidIPAddress.InUse",
                        "The specified address is already in use.",
                    ));
                }
                address
            }
            None => block.next_free(&taken).ok_or_else(|| {
                Ec2Error::new(
                    "InsufficientFreeAddressesInSubnet",
                    "There are not enough free addresses in subnet to satisfy the requested number of instances.",
                )
            })?,
        };
        taken.push(primary);
        let mut addresses = vec![private_address(&ctx.region, primary, true)];
        for _ in 0..new.secondary_count {
            let address = block.next_free(&taken).ok_or_else(|| {
                Ec2Error::new(
                    "InsufficientFreeAddressesInSubnet",
                    "There are not enough free addresses in subnet to satisfy the requested number of instances.",
                )
            })?;
            taken.push(address);
            addresses.push(private_address(&ctx.region, address, false));
        }
        let id = self.new_id("eni");
        let mac_bits = self.kit.ids().next_u64();
        let mac = format!(
            "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            (mac_bits >> 32) as u8,
            (mac_bits >> 24) as u8,
            (mac_bits >> 16) as u8,
            (mac_bits >> 8) as u8,
            mac_bits as u8
        );
        let managed = new.managed;
        let interface = NetworkInterface {
            availability_zone: subnet.availability_zone.clone(),
            availability_zone_id: subnet.availability_zone_id.clone(),
            description: Some(new.description),
            groups: Some(groups),
            interface_type: Some("interface".into()),
            ipv6_addresses: Some(Vec::new()),
            mac_address: Some(mac),
            network_interface_id: Some(id.clone()),
            owner_id: Some(ctx.account_id.clone()),
            private_dns_name: Some(private_dns_name(&ctx.region, primary)),
            private_ip_address: Some(primary.to_string()),
            private_ip_addresses: Some(addresses),
            requester_id: new.requester.map(str::to_string),
            requester_managed: Some(managed),
            source_dest_check: Some(true),
            status: Some(if managed { "in-use" } else { "available" }.into()),
            subnet_id: Some(new.subnet_id.to_string()),
            tag_set: Some(new.tags.unwrap_or_default()),
            vpc_id: Some(vpc_id),
            attachment: managed.then(|| NetworkInterfaceAttachment {
                attach_time: Some(self.timestamp()),
                attachment_id: Some(self.new_id("ela-attach")),
                delete_on_termination: Some(false),
                device_index: Some(1),
                network_card_index: Some(0),
                instance_owner_id: Some(new.requester.unwrap_or("amazon-aws").to_string()),
                status: Some("attached".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.interfaces.insert(&key(ctx, &id), interface.clone())?;
        Ok(interface)
    }

    /// An interface another service (ECS for an awsvpc task, a NAT gateway) makes in one of
    /// its subnets: requester-managed and in use until [`Ec2::release_interface`].
    pub fn create_managed_interface(
        &self,
        ctx: &Ctx,
        subnet_id: &str,
        security_groups: &[String],
        description: &str,
        requester: Option<&str>,
    ) -> Result<ManagedInterface, Ec2Error> {
        self.ensure_default_vpc(ctx)?;
        let interface = self.build_interface(
            ctx,
            NewInterface {
                subnet_id,
                groups: security_groups,
                description: description.to_string(),
                private_ip: None,
                secondary_count: 0,
                managed: true,
                requester,
                tags: None,
            },
        )?;
        Ok(ManagedInterface {
            network_interface_id: interface.network_interface_id.unwrap_or_default(),
            subnet_id: subnet_id.to_string(),
            vpc_id: interface.vpc_id.unwrap_or_default(),
            availability_zone: interface.availability_zone.unwrap_or_default(),
            private_ip_address: interface.private_ip_address.unwrap_or_default(),
            mac_address: interface.mac_address.unwrap_or_default(),
            private_dns_name: interface.private_dns_name.unwrap_or_default(),
        })
    }

    /// Deletes an interface a service made in `account_id`'s `region`; one already gone is no
    /// error.
    pub fn release_interface(
        &self,
        account_id: &str,
        region: &str,
        network_interface_id: &str,
    ) -> Result<(), Ec2Error> {
        self.interfaces
            .remove(&format!("{account_id}/{region}/{network_interface_id}"))?;
        Ok(())
    }

    /// Whether `subnet_id` exists in the caller's account and region.
    /// The prefix length of a subnet's IPv4 CIDR block.
    pub fn subnet_prefix_len(&self, ctx: &Ctx, subnet_id: &str) -> Option<u8> {
        let subnet = self.find(&self.subnets, ctx, subnet_id).ok()?;
        subnet
            .cidr_block
            .as_deref()
            .and_then(Cidr::parse)
            .map(|block| block.prefix)
    }

    pub fn subnet_exists(&self, ctx: &Ctx, subnet_id: &str) -> bool {
        self.subnets.contains(&key(ctx, subnet_id))
    }

    /// The subnet `subnet_id` of the caller's account and region.
    pub fn subnet(&self, ctx: &Ctx, subnet_id: &str) -> Option<sim_aws_shapes::ec2::Subnet> {
        self.subnets.get(&key(ctx, subnet_id))
    }

    /// The VPC of security group `group_id`, if the group exists.
    pub fn security_group_vpc(&self, ctx: &Ctx, group_id: &str) -> Option<String> {
        self.security_groups
            .get(&key(ctx, group_id))
            .and_then(|group| group.group.vpc_id)
    }

    /// The security group IDs of interface `network_interface_id`.
    pub fn interface_groups(&self, ctx: &Ctx, network_interface_id: &str) -> Vec<String> {
        self.interfaces
            .get(&key(ctx, network_interface_id))
            .and_then(|eni| eni.groups)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| g.group_id)
            .collect()
    }

    /// Sets the security groups of interface `network_interface_id` (a service's own change).
    pub fn set_interface_groups(&self, ctx: &Ctx, network_interface_id: &str, groups: &[String]) {
        let named: Vec<GroupIdentifier> = groups
            .iter()
            .map(|group_id| GroupIdentifier {
                group_id: Some(group_id.clone()),
                group_name: self
                    .security_groups
                    .get(&key(ctx, group_id))
                    .and_then(|g| g.group.group_name),
            })
            .collect();
        if let Err(error) = self
            .interfaces
            .update(&key(ctx, network_interface_id), |eni| {
                eni.groups = Some(named);
            })
        {
            tracing::error!(%error, "could not set an interface's security groups");
        }
    }

    /// Whether VPC `vpc_id` exists in the caller's account and region.
    pub fn vpc_exists(&self, ctx: &Ctx, vpc_id: &str) -> bool {
        self.ensure_default_vpc(ctx).is_ok() && self.vpcs.contains(&key(ctx, vpc_id))
    }

    /// Whether `group_id` exists in the caller's account and region.
    pub fn security_group_exists(&self, ctx: &Ctx, group_id: &str) -> bool {
        self.security_groups.contains(&key(ctx, group_id))
    }

    /// The default VPC's default subnets, one per zone (ECS uses them when a task names none).
    pub fn default_subnets(&self, ctx: &Ctx) -> Result<Vec<String>, Ec2Error> {
        self.ensure_default_vpc(ctx)?;
        let mut subnets: Vec<(String, String)> = self
            .subnets
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, s)| s.default_for_az == Some(true))
            .map(|(_, s)| {
                (
                    s.availability_zone.unwrap_or_default(),
                    s.subnet_id.unwrap_or_default(),
                )
            })
            .collect();
        subnets.sort();
        Ok(subnets.into_iter().map(|(_, id)| id).collect())
    }

    pub(super) async fn create_network_interface(
        &self,
        ctx: &Ctx,
        input: CreateNetworkInterfaceRequest,
    ) -> Result<CreateNetworkInterfaceResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let parse = |text: &str| {
            text.parse::<Ipv4Addr>().map_err(|_| {
                Ec2Error::invalid_value(format!(
                    "Value ({text}) for parameter privateIpAddress is invalid. {text} is not a valid IPv4 address."
                ))
            })
        };
        let mut private_ip = input.private_ip_address.as_deref().map(parse).transpose()?;
        for specification in input.private_ip_addresses.iter().flatten() {
            if specification.primary == Some(true) || private_ip.is_none() {
                private_ip = specification
                    .private_ip_address
                    .as_deref()
                    .map(parse)
                    .transpose()?;
            }
        }
        let interface = self.build_interface(
            ctx,
            NewInterface {
                subnet_id: &input.subnet_id,
                groups: input.groups.as_deref().unwrap_or_default(),
                description: input.description.unwrap_or_default(),
                private_ip,
                secondary_count: input.secondary_private_ip_address_count.unwrap_or(0).max(0)
                    as usize,
                managed: false,
                requester: None,
                tags: tags_for(input.tag_specifications.as_deref(), "network-interface")?,
            },
        )?;
        Ok(CreateNetworkInterfaceResult {
            network_interface: Some(interface),
            client_token: input.client_token,
        })
    }

    pub(super) async fn describe_network_interfaces(
        &self,
        ctx: &Ctx,
        input: DescribeNetworkInterfacesRequest,
    ) -> Result<DescribeNetworkInterfacesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (interfaces, next_token) = self.describe(
            &self.interfaces,
            ctx,
            Query {
                ids: input.network_interface_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeNetworkInterfacesResult {
            network_interfaces: Some(interfaces),
            next_token,
        })
    }

    pub(super) async fn delete_network_interface(
        &self,
        ctx: &Ctx,
        input: DeleteNetworkInterfaceRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.network_interface_id;
        let interface = self.find(&self.interfaces, ctx, &id)?;
        if interface.attachment.is_some() || interface.status.as_deref() == Some("in-use") {
            return Err(Ec2Error::new(
                "InvalidNetworkInterface.InUse",
                format!("The network interface '{id}' is currently in use."),
            ));
        }
        if interface.association.is_some() {
            return Err(Ec2Error::new(
                "InvalidNetworkInterface.InUse",
                format!("The network interface '{id}' is currently in use."),
            ));
        }
        self.interfaces.remove(&key(ctx, &id))?;
        Ok(())
    }

    pub(super) async fn attach_network_interface(
        &self,
        ctx: &Ctx,
        input: AttachNetworkInterfaceRequest,
    ) -> Result<AttachNetworkInterfaceResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.interfaces, ctx, &input.network_interface_id)?;
        Err(Ec2Error::new(
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{}' does not exist", input.instance_id),
        ))
    }

    pub(super) async fn detach_network_interface(
        &self,
        ctx: &Ctx,
        input: DetachNetworkInterfaceRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let attachment_id = input.attachment_id;
        let holder = self
            .interfaces
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, eni)| {
                eni.attachment
                    .as_ref()
                    .and_then(|a| a.attachment_id.as_deref())
                    == Some(attachment_id.as_str())
            });
        match holder {
            None => Err(Ec2Error::new(
                "InvalidAttachmentID.NotFound",
                format!("Interface does not exist for attachment '{attachment_id}'"),
            )),
            Some((_, eni)) if eni.requester_managed == Some(true) => Err(Ec2Error::new(
                "OperationNotPermitted",
                format!("You are not allowed to manage '{attachment_id}' attachments."),
            )),
            Some((record_key, _)) => {
                self.interfaces.update(&record_key, |eni| {
                    eni.attachment = None;
                    eni.status = Some("available".into());
                })?;
                Ok(())
            }
        }
    }

    pub(super) async fn describe_network_interface_attribute(
        &self,
        ctx: &Ctx,
        input: DescribeNetworkInterfaceAttributeRequest,
    ) -> Result<DescribeNetworkInterfaceAttributeResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let interface = self.find(&self.interfaces, ctx, &input.network_interface_id)?;
        let mut answer = DescribeNetworkInterfaceAttributeResult {
            network_interface_id: interface.network_interface_id.clone(),
            ..Default::default()
        };
        match input.attribute.as_deref() {
            Some("description") => {
                answer.description = Some(AttributeValue {
                    value: interface.description,
                })
            }
            Some("groupSet") => answer.groups = interface.groups,
            Some("sourceDestCheck") => {
                answer.source_dest_check = Some(AttributeBooleanValue {
                    value: interface.source_dest_check,
                })
            }
            Some("attachment") => answer.attachment = interface.attachment,
            Some("associatePublicIpAddress") => {
                answer.associate_public_ip_address = Some(interface.association.is_some())
            }
            Some(other) => {
                return Err(Ec2Error::invalid_value(format!(
                    "Value ({other}) for parameter attribute is invalid. Unknown attribute."
                )));
            }
            None => return Err(Ec2Error::missing_parameter("attribute")),
        }
        Ok(answer)
    }

    pub(super) async fn modify_network_interface_attribute(
        &self,
        ctx: &Ctx,
        input: ModifyNetworkInterfaceAttributeRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.network_interface_id;
        let interface = self.find(&self.interfaces, ctx, &id)?;
        let mut groups = None;
        if let Some(group_ids) = &input.groups {
            let mut named = Vec::new();
            for group_id in group_ids {
                let group = self.find(&self.security_groups, ctx, group_id)?;
                if group.group.vpc_id != interface.vpc_id {
                    return Err(Ec2Error::invalid_value(format!(
                        "The security group '{group_id}' does not belong to VPC '{}'",
                        interface.vpc_id.clone().unwrap_or_default()
                    )));
                }
                named.push(GroupIdentifier {
                    group_id: group.group.group_id,
                    group_name: group.group.group_name,
                });
            }
            groups = Some(named);
        }
        if let Some(changes) = &input.attachment {
            let current = interface
                .attachment
                .as_ref()
                .and_then(|a| a.attachment_id.clone());
            if changes.attachment_id.is_some() && changes.attachment_id != current {
                return Err(Ec2Error::new(
                    "InvalidAttachmentID.NotFound",
                    format!(
                        "Interface does not exist for attachment '{}'",
                        changes.attachment_id.clone().unwrap_or_default()
                    ),
                ));
            }
        }
        self.interfaces.update(&key(ctx, &id), |eni| {
            if let Some(description) = input.description.and_then(|d| d.value) {
                eni.description = Some(description);
            }
            if let Some(check) = input.source_dest_check.and_then(|c| c.value) {
                eni.source_dest_check = Some(check);
            }
            if let Some(groups) = groups {
                eni.groups = Some(groups);
            }
            if let (Some(changes), Some(attachment)) = (input.attachment, eni.attachment.as_mut())
                && let Some(delete) = changes.delete_on_termination
            {
                attachment.delete_on_termination = Some(delete);
            }
        })?;
        Ok(())
    }

    pub(super) async fn assign_private_ip_addresses(
        &self,
        ctx: &Ctx,
        input: AssignPrivateIpAddressesRequest,
    ) -> Result<AssignPrivateIpAddressesResult, Ec2Error> {
        let id = input.network_interface_id;
        let interface = self.find(&self.interfaces, ctx, &id)?;
        let subnet_id = interface.subnet_id.clone().unwrap_or_default();
        let block = self
            .find(&self.subnets, ctx, &subnet_id)?
            .cidr_block
            .as_deref()
            .and_then(Cidr::parse)
            .unwrap_or(Cidr {
                network: 0,
                prefix: 32,
            });
        let mut taken = self.taken_addresses(ctx, &subnet_id);
        let mut assigned = Vec::new();
        for text in input.private_ip_addresses.unwrap_or_default() {
            let address: Ipv4Addr = text
                .parse()
                .map_err(|_| Ec2Error::invalid_value(format!("Invalid IPv4 address {text}")))?;
            if !block.contains(address) {
                return Err(Ec2Error::invalid_value(format!(
                    "Address {text} does not fall within the subnet's address range"
                )));
            }
            if taken.contains(&address) {
                return Err(Ec2Error::new(
                    "InvalidParameterValue",
                    format!("Address {text} is in use."),
                ));
            }
            taken.push(address);
            assigned.push(address);
        }
        for _ in 0..input.secondary_private_ip_address_count.unwrap_or(0).max(0) {
            let address = block.next_free(&taken).ok_or_else(|| {
                Ec2Error::new(
                    "InsufficientFreeAddressesInSubnet",
                    "There are not enough free addresses in subnet to satisfy the requested number of instances.",
                )
            })?;
            taken.push(address);
            assigned.push(address);
        }
        let region = ctx.region.clone();
        let added = assigned.clone();
        self.interfaces.update(&key(ctx, &id), |eni| {
            let list = eni.private_ip_addresses.get_or_insert_with(Vec::new);
            for address in added {
                list.push(private_address(&region, address, false));
            }
        })?;
        Ok(AssignPrivateIpAddressesResult {
            network_interface_id: Some(id),
            assigned_private_ip_addresses: Some(
                assigned
                    .into_iter()
                    .map(|a| AssignedPrivateIpAddress {
                        private_ip_address: Some(a.to_string()),
                    })
                    .collect(),
            ),
            assigned_ipv4_prefixes: None,
        })
    }

    pub(super) async fn unassign_private_ip_addresses(
        &self,
        ctx: &Ctx,
        input: UnassignPrivateIpAddressesRequest,
    ) -> Result<(), Ec2Error> {
        let id = input.network_interface_id;
        let interface = self.find(&self.interfaces, ctx, &id)?;
        let wanted = input.private_ip_addresses.unwrap_or_default();
        for address in &wanted {
            let found = interface
                .private_ip_addresses
                .iter()
                .flatten()
                .find(|a| a.private_ip_address.as_deref() == Some(address.as_str()));
            match found {
                None => {
                    return Err(Ec2Error::invalid_value(format!(
                        "Some of the specified addresses are not assigned to interface {id}"
                    )));
                }
                Some(found) if found.primary == Some(true) => {
                    return Err(Ec2Error::invalid_value(format!(
                        "The primary address {address} cannot be unassigned."
                    )));
                }
                Some(_) => {}
            }
        }
        self.interfaces.update(&key(ctx, &id), |eni| {
            if let Some(list) = eni.private_ip_addresses.as_mut() {
                list.retain(|a| {
                    !wanted
                        .iter()
                        .any(|w| a.private_ip_address.as_deref() == Some(w.as_str()))
                });
            }
        })?;
        Ok(())
    }
}
