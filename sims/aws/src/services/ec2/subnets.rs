//! Subnets: a block inside one of its VPC's blocks (`InvalidSubnet.Range`) overlapping no
//! other subnet of the VPC (`InvalidSubnet.Conflict`), in one availability zone, associated
//! with the VPC's default network ACL; the count of addresses still free (AWS reserves five
//! per subnet, and every network interface takes its addresses); attributes.

use sim_aws_shapes::ec2::{
    AssociateSubnetCidrBlockRequest, AssociateSubnetCidrBlockResult, CreateSubnetRequest,
    CreateSubnetResult, DeleteSubnetRequest, DescribeSubnetsRequest, DescribeSubnetsResult,
    DisassociateSubnetCidrBlockRequest, DisassociateSubnetCidrBlockResult,
    ModifySubnetAttributeRequest, Subnet, Tag,
};
use simkit::store::Txn;

use super::cidr::Cidr;
use super::region::zone;
use super::resources::{Query, Resource, flag, ids_do_not_exist, one, tags_for, tags_in};
use super::vpcs::bad_cidr;
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

impl Resource for Subnet {
    const RESOURCE_TYPE: &'static str = "subnet";
    const NOT_FOUND: &'static str = "InvalidSubnetID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("subnet", ids)
    }
    fn id(&self) -> &str {
        self.subnet_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "subnet-id" => one(&self.subnet_id),
            "subnet-arn" => one(&self.subnet_arn),
            "vpc-id" => one(&self.vpc_id),
            "cidr" | "cidr-block" | "cidrBlock" => one(&self.cidr_block),
            "availability-zone" | "availabilityZone" => one(&self.availability_zone),
            "availability-zone-id" | "availabilityZoneId" => one(&self.availability_zone_id),
            "available-ip-address-count" => self
                .available_ip_address_count
                .map(|count| count.to_string())
                .into_iter()
                .collect(),
            "default-for-az" | "defaultForAz" => flag(self.default_for_az),
            "map-public-ip-on-launch" => flag(self.map_public_ip_on_launch),
            "assign-ipv6-address-on-creation" => flag(self.assign_ipv6_address_on_creation),
            "ipv6-native" => flag(self.ipv6_native),
            "owner-id" => one(&self.owner_id),
            "state" => one(&self.state),
            "outpost-arn" => one(&self.outpost_arn),
            "ipv6-cidr-block-association.ipv6-cidr-block"
            | "ipv6-cidr-block-association.association-id"
            | "ipv6-cidr-block-association.state" => Vec::new(),
            _ => return None,
        })
    }
}

impl Ec2 {
    /// A subnet of `vpc_id` in `zone` (name, ID), checked against the VPC's blocks and its
    /// other subnets, associated with the VPC's default ACL; in `txn`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn build_subnet(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
        cidr: &str,
        zone: (&str, &str),
        default_for_az: bool,
        tags: Option<Vec<Tag>>,
    ) -> Result<Subnet, Ec2Error> {
        let block = Cidr::parse(cidr).ok_or_else(|| bad_cidr(cidr))?;
        let range_error = || {
            Ec2Error::new(
                "InvalidSubnet.Range",
                format!("The CIDR '{cidr}' is invalid."),
            )
        };
        let vpc = txn.get(&self.vpcs, &key(ctx, vpc_id))?.ok_or_else(|| {
            Ec2Error::new(
                "InvalidVpcID.NotFound",
                ids_do_not_exist("vpc", &[vpc_id.to_string()]),
            )
        })?;
        let inside = vpc
            .vpc
            .cidr_block_association_set
            .iter()
            .flatten()
            .filter_map(|b| b.cidr_block.as_deref().and_then(Cidr::parse))
            .any(|vpc_block| vpc_block.contains_block(&block));
        if !inside || !(16..=28).contains(&block.prefix) {
            return Err(range_error());
        }
        let conflict = txn
            .scan_prefix(&self.subnets, &ctx.scope())?
            .into_iter()
            .filter(|(_, s)| s.vpc_id.as_deref() == Some(vpc_id))
            .filter_map(|(_, s)| s.cidr_block.as_deref().and_then(Cidr::parse))
            .any(|other| other.overlaps(&block));
        if conflict {
            return Err(Ec2Error::new(
                "InvalidSubnet.Conflict",
                format!("The CIDR '{cidr}' conflicts with another subnet"),
            ));
        }
        let subnet_id = self.new_id("subnet");
        let subnet = Subnet {
            availability_zone_id: Some(zone.1.to_string()),
            availability_zone: Some(zone.0.to_string()),
            map_customer_owned_ip_on_launch: Some(false),
            owner_id: Some(ctx.account_id.clone()),
            assign_ipv6_address_on_creation: Some(false),
            ipv6_cidr_block_association_set: Some(Vec::new()),
            tags,
            subnet_arn: Some(ctx.arn("ec2", &format!("subnet/{subnet_id}"))),
            enable_dns64: Some(false),
            ipv6_native: Some(false),
            private_dns_name_options_on_launch: Some(
                sim_aws_shapes::ec2::PrivateDnsNameOptionsOnLaunch {
                    hostname_type: Some("ip-name".into()),
                    enable_resource_name_dns_a_record: Some(false),
                    enable_resource_name_dns_aaaa_record: Some(false),
                },
            ),
            subnet_id: Some(subnet_id.clone()),
            state: Some("available".into()),
            vpc_id: Some(vpc_id.to_string()),
            cidr_block: Some(block.to_string()),
            available_ip_address_count: Some(block.usable_addresses() as i32),
            default_for_az: Some(default_for_az),
            map_public_ip_on_launch: Some(default_for_az),
            ..Default::default()
        };
        txn.insert(&self.subnets, &key(ctx, &subnet_id), subnet.clone())?;
        self.associate_with_default_acl(txn, ctx, vpc_id, &subnet_id)?;
        Ok(subnet)
    }

    /// The subnet as EC2 shows it now: its free address count follows its interfaces.
    pub(super) fn live_subnet(&self, ctx: &Ctx, mut subnet: Subnet) -> Subnet {
        let used: usize = self
            .interfaces
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, eni)| eni.subnet_id == subnet.subnet_id)
            .map(|(_, eni)| eni.private_ip_addresses.map(|a| a.len()).unwrap_or(1))
            .sum();
        let total = subnet
            .cidr_block
            .as_deref()
            .and_then(Cidr::parse)
            .map(|block| block.usable_addresses())
            .unwrap_or_default();
        subnet.available_ip_address_count = Some(total.saturating_sub(used as u64) as i32);
        subnet
    }

    pub(super) async fn create_subnet(
        &self,
        ctx: &Ctx,
        input: CreateSubnetRequest,
    ) -> Result<CreateSubnetResult, Ec2Error> {
        dry_run(input.dry_run)?;
        if input.ipv6_native == Some(true) || input.ipv6_cidr_block.is_some() {
            return Err(Ec2Error::invalid_value(
                "The VPC has no IPv6 CIDR block, so an IPv6 subnet cannot be created.".to_string(),
            ));
        }
        let Some(cidr) = input.cidr_block else {
            return Err(Ec2Error::missing_parameter("cidrBlock"));
        };
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let (zone_name, zone_id) = zone(
            &ctx.region,
            input.availability_zone.as_deref(),
            input.availability_zone_id.as_deref(),
        )?;
        let tags = tags_for(input.tag_specifications.as_deref(), "subnet")?;
        let subnet = self.kit.store().transaction(|txn| {
            self.build_subnet(
                txn,
                ctx,
                &input.vpc_id,
                &cidr,
                (&zone_name, &zone_id),
                false,
                tags,
            )
        })?;
        Ok(CreateSubnetResult {
            subnet: Some(subnet),
        })
    }

    pub(super) async fn describe_subnets(
        &self,
        ctx: &Ctx,
        input: DescribeSubnetsRequest,
    ) -> Result<DescribeSubnetsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (subnets, next_token) = self.describe(
            &self.subnets,
            ctx,
            Query {
                ids: input.subnet_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeSubnetsResult {
            subnets: Some(
                subnets
                    .into_iter()
                    .map(|subnet| self.live_subnet(ctx, subnet))
                    .collect(),
            ),
            next_token,
        })
    }

    pub(super) async fn delete_subnet(
        &self,
        ctx: &Ctx,
        input: DeleteSubnetRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let subnet_id = input.subnet_id;
        let subnet = self.find(&self.subnets, ctx, &subnet_id)?;
        let scope = ctx.scope();
        let in_use = self
            .interfaces
            .scan_prefix(&scope)
            .iter()
            .any(|(_, eni)| eni.subnet_id.as_deref() == Some(subnet_id.as_str()))
            || self
                .nat_gateways
                .scan_prefix(&scope)
                .iter()
                .any(|(_, nat)| {
                    nat.subnet_id.as_deref() == Some(subnet_id.as_str())
                        && nat.state.as_deref() != Some("deleted")
                });
        if in_use {
            return Err(Ec2Error::dependency("subnet", &subnet_id));
        }
        self.kit.store().transaction(|txn| {
            txn.remove(&self.subnets, &key(ctx, &subnet_id))?;
            self.forget_subnet_associations(txn, ctx, &subnet_id)
        })?;
        // The host's bridge for the subnet's tasks (when the oci runner made one) goes with it,
        // unless tasks of another simulator with the same CIDR still use it.
        if let Some(cidr) = subnet.cidr_block.as_deref().and_then(Cidr::parse) {
            let network = std::net::Ipv4Addr::from(cidr.network);
            tokio::spawn(async move {
                if let Err(problem) =
                    simkit::runner::oci::network::remove_subnet_bridge(network, cidr.prefix).await
                {
                    tracing::warn!(%problem, "the deleted subnet's bridge could not be removed");
                }
            });
        }
        Ok(())
    }

    pub(super) async fn modify_subnet_attribute(
        &self,
        ctx: &Ctx,
        input: ModifySubnetAttributeRequest,
    ) -> Result<(), Ec2Error> {
        self.find(&self.subnets, ctx, &input.subnet_id)?;
        let read = |value: &Option<sim_aws_shapes::ec2::AttributeBooleanValue>| {
            value.as_ref().and_then(|v| v.value)
        };
        if read(&input.assign_ipv6_address_on_creation) == Some(true) {
            return Err(Ec2Error::invalid_value(format!(
                "Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet ({}) has an IPv6 CIDR block associated with it.",
                input.subnet_id
            )));
        }
        self.subnets.update(&key(ctx, &input.subnet_id), |subnet| {
            if let Some(value) = read(&input.map_public_ip_on_launch) {
                subnet.map_public_ip_on_launch = Some(value);
            }
            if let Some(value) = read(&input.map_customer_owned_ip_on_launch) {
                subnet.map_customer_owned_ip_on_launch = Some(value);
            }
            if let Some(value) = read(&input.enable_dns64) {
                subnet.enable_dns64 = Some(value);
            }
            let options = subnet
                .private_dns_name_options_on_launch
                .get_or_insert_with(Default::default);
            if let Some(kind) = &input.private_dns_hostname_type_on_launch {
                options.hostname_type = Some(kind.clone());
            }
            if let Some(value) = read(&input.enable_resource_name_dns_a_record_on_launch) {
                options.enable_resource_name_dns_a_record = Some(value);
            }
            if let Some(value) = read(&input.enable_resource_name_dns_aaaa_record_on_launch) {
                options.enable_resource_name_dns_aaaa_record = Some(value);
            }
            if let Some(index) = input.enable_lni_at_device_index {
                subnet.enable_lni_at_device_index = Some(index);
            }
            if read(&input.disable_lni_at_device_index) == Some(true) {
                subnet.enable_lni_at_device_index = None;
            }
        })?;
        Ok(())
    }

    pub(super) async fn associate_subnet_cidr_block(
        &self,
        ctx: &Ctx,
        input: AssociateSubnetCidrBlockRequest,
    ) -> Result<AssociateSubnetCidrBlockResult, Ec2Error> {
        let subnet = self.find(&self.subnets, ctx, &input.subnet_id)?;
        // Only IPv6 blocks associate with a subnet, and a VPC here has none to carve from.
        Err(Ec2Error::invalid_value(format!(
            "The IPv6 CIDR block {} is not within the VPC {} IPv6 CIDR blocks.",
            input.ipv6_cidr_block.unwrap_or_default(),
            subnet.vpc_id.unwrap_or_default()
        )))
    }

    pub(super) async fn disassociate_subnet_cidr_block(
        &self,
        _ctx: &Ctx,
        input: DisassociateSubnetCidrBlockRequest,
    ) -> Result<DisassociateSubnetCidrBlockResult, Ec2Error> {
        Err(Ec2Error::new(
            "InvalidSubnetCidrBlockAssociationID.NotFound",
            format!(
                "The subnet CIDR block association ID '{}' does not exist",
                input.association_id
            ),
        ))
    }
}
