//! Internet gateways (attached to at most one VPC), egress-only internet gateways, NAT
//! gateways (`pending` when made, `available` after; `deleting`, then `deleted` and still
//! described, as EC2 keeps them visible for a while) and elastic IP addresses, which associate
//! with a network interface.

use sim_aws_shapes::ec2::{
    Address, AllocateAddressRequest, AllocateAddressResult, AssociateAddressRequest,
    AssociateAddressResult, AttachInternetGatewayRequest, CreateEgressOnlyInternetGatewayRequest,
    CreateEgressOnlyInternetGatewayResult, CreateInternetGatewayRequest,
    CreateInternetGatewayResult, CreateNatGatewayRequest, CreateNatGatewayResult,
    DeleteEgressOnlyInternetGatewayRequest, DeleteEgressOnlyInternetGatewayResult,
    DeleteInternetGatewayRequest, DeleteNatGatewayRequest, DeleteNatGatewayResult,
    DescribeAddressesRequest, DescribeAddressesResult, DescribeEgressOnlyInternetGatewaysRequest,
    DescribeEgressOnlyInternetGatewaysResult, DescribeInternetGatewaysRequest,
    DescribeInternetGatewaysResult, DescribeNatGatewaysRequest, DescribeNatGatewaysResult,
    DetachInternetGatewayRequest, DisassociateAddressRequest, EgressOnlyInternetGateway,
    InternetGateway, InternetGatewayAttachment, NatGateway, NatGatewayAddress,
    NetworkInterfaceAssociation, ReleaseAddressRequest, Tag,
};
use simkit::store::Txn;

use super::resources::{Query, Resource, ids_do_not_exist, one, tags_for, tags_in};
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

impl Resource for InternetGateway {
    const RESOURCE_TYPE: &'static str = "internet-gateway";
    const NOT_FOUND: &'static str = "InvalidInternetGatewayID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("internetGateway", ids)
    }
    fn id(&self) -> &str {
        self.internet_gateway_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let attachments = || self.attachments.iter().flatten();
        Some(match name {
            "internet-gateway-id" => one(&self.internet_gateway_id),
            "owner-id" => one(&self.owner_id),
            "attachment.vpc-id" => attachments().filter_map(|a| a.vpc_id.clone()).collect(),
            "attachment.state" => attachments().filter_map(|a| a.state.clone()).collect(),
            _ => return None,
        })
    }
}

impl Resource for EgressOnlyInternetGateway {
    const RESOURCE_TYPE: &'static str = "egress-only-internet-gateway";
    const NOT_FOUND: &'static str = "InvalidEgressOnlyInternetGatewayId.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("egressOnlyInternetGateway", ids)
    }
    fn id(&self) -> &str {
        self.egress_only_internet_gateway_id
            .as_deref()
            .unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, _name: &str) -> Option<Vec<String>> {
        // EC2 offers only the tag filters here.
        None
    }
}

impl Resource for NatGateway {
    const RESOURCE_TYPE: &'static str = "natgateway";
    const NOT_FOUND: &'static str = "NatGatewayNotFound";

    fn not_found_message(ids: &[String]) -> String {
        format!("NAT gateway {} was not found", ids.join(", "))
    }
    fn id(&self) -> &str {
        self.nat_gateway_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "nat-gateway-id" => one(&self.nat_gateway_id),
            "state" => one(&self.state),
            "subnet-id" => one(&self.subnet_id),
            "vpc-id" => one(&self.vpc_id),
            _ => return None,
        })
    }
}

impl Resource for Address {
    const RESOURCE_TYPE: &'static str = "elastic-ip";
    const NOT_FOUND: &'static str = "InvalidAllocationID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        format!(
            "The allocation ID{} '{}' does not exist",
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        )
    }
    fn id(&self) -> &str {
        self.allocation_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "allocation-id" => one(&self.allocation_id),
            "association-id" => one(&self.association_id),
            "domain" => one(&self.domain),
            "instance-id" => one(&self.instance_id),
            "network-border-group" => one(&self.network_border_group),
            "network-interface-id" => one(&self.network_interface_id),
            "network-interface-owner-id" => one(&self.network_interface_owner_id),
            "private-ip-address" => one(&self.private_ip_address),
            "public-ip" => one(&self.public_ip),
            _ => return None,
        })
    }
}

impl Ec2 {
    /// An internet gateway attached to `vpc_id`, in `txn` (the default VPC's).
    pub(super) fn build_attached_gateway(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
    ) -> Result<String, Ec2Error> {
        let id = self.new_id("igw");
        let gateway = InternetGateway {
            attachments: Some(vec![InternetGatewayAttachment {
                state: Some("available".into()),
                vpc_id: Some(vpc_id.to_string()),
            }]),
            internet_gateway_id: Some(id.clone()),
            owner_id: Some(ctx.account_id.clone()),
            tags: None,
        };
        txn.insert(&self.internet_gateways, &key(ctx, &id), gateway)?;
        Ok(id)
    }

    pub(super) async fn create_internet_gateway(
        &self,
        ctx: &Ctx,
        input: CreateInternetGatewayRequest,
    ) -> Result<CreateInternetGatewayResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let id = self.new_id("igw");
        let gateway = InternetGateway {
            attachments: Some(Vec::new()),
            internet_gateway_id: Some(id.clone()),
            owner_id: Some(ctx.account_id.clone()),
            tags: tags_for(input.tag_specifications.as_deref(), "internet-gateway")?,
        };
        self.internet_gateways
            .insert(&key(ctx, &id), gateway.clone())?;
        Ok(CreateInternetGatewayResult {
            internet_gateway: Some(gateway),
        })
    }

    pub(super) async fn describe_internet_gateways(
        &self,
        ctx: &Ctx,
        input: DescribeInternetGatewaysRequest,
    ) -> Result<DescribeInternetGatewaysResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (gateways, next_token) = self.describe(
            &self.internet_gateways,
            ctx,
            Query {
                ids: input.internet_gateway_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeInternetGatewaysResult {
            internet_gateways: Some(gateways),
            next_token,
        })
    }

    pub(super) async fn delete_internet_gateway(
        &self,
        ctx: &Ctx,
        input: DeleteInternetGatewayRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.internet_gateway_id;
        let gateway = self.find(&self.internet_gateways, ctx, &id)?;
        if gateway.attachments.iter().flatten().next().is_some() {
            return Err(Ec2Error::dependency("internetGateway", &id));
        }
        self.internet_gateways.remove(&key(ctx, &id))?;
        Ok(())
    }

    pub(super) async fn attach_internet_gateway(
        &self,
        ctx: &Ctx,
        input: AttachInternetGatewayRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.internet_gateway_id;
        let gateway = self.find(&self.internet_gateways, ctx, &id)?;
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        if let Some(attached) = gateway.attachments.iter().flatten().next() {
            return Err(Ec2Error::new(
                "Resource.AlreadyAssociated",
                format!(
                    "resource {id} is already attached to network {}",
                    attached.vpc_id.clone().unwrap_or_default()
                ),
            ));
        }
        let vpc_has_one = self
            .internet_gateways
            .scan_prefix(&ctx.scope())
            .into_iter()
            .any(|(_, other)| {
                other
                    .attachments
                    .iter()
                    .flatten()
                    .any(|a| a.vpc_id.as_deref() == Some(input.vpc_id.as_str()))
            });
        if vpc_has_one {
            return Err(Ec2Error::new(
                "Resource.AlreadyAssociated",
                format!(
                    "Network {} already has an internet gateway attached",
                    input.vpc_id
                ),
            ));
        }
        self.internet_gateways.update(&key(ctx, &id), |gateway| {
            gateway.attachments = Some(vec![InternetGatewayAttachment {
                state: Some("available".into()),
                vpc_id: Some(input.vpc_id.clone()),
            }]);
        })?;
        Ok(())
    }

    pub(super) async fn detach_internet_gateway(
        &self,
        ctx: &Ctx,
        input: DetachInternetGatewayRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.internet_gateway_id;
        let gateway = self.find(&self.internet_gateways, ctx, &id)?;
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let attached = gateway
            .attachments
            .iter()
            .flatten()
            .any(|a| a.vpc_id.as_deref() == Some(input.vpc_id.as_str()));
        if !attached {
            return Err(Ec2Error::new(
                "Gateway.NotAttached",
                format!("resource {id} is not attached to network {}", input.vpc_id),
            ));
        }
        self.internet_gateways.update(&key(ctx, &id), |gateway| {
            gateway.attachments = Some(Vec::new());
        })?;
        Ok(())
    }

    pub(super) async fn create_egress_only_internet_gateway(
        &self,
        ctx: &Ctx,
        input: CreateEgressOnlyInternetGatewayRequest,
    ) -> Result<CreateEgressOnlyInternetGatewayResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let id = self.new_id("eigw");
        let gateway = EgressOnlyInternetGateway {
            attachments: Some(vec![InternetGatewayAttachment {
                state: Some("attached".into()),
                vpc_id: Some(input.vpc_id),
            }]),
            egress_only_internet_gateway_id: Some(id.clone()),
            tags: tags_for(
                input.tag_specifications.as_deref(),
                "egress-only-internet-gateway",
            )?,
        };
        self.egress_only_gateways
            .insert(&key(ctx, &id), gateway.clone())?;
        Ok(CreateEgressOnlyInternetGatewayResult {
            client_token: input.client_token,
            egress_only_internet_gateway: Some(gateway),
        })
    }

    pub(super) async fn describe_egress_only_internet_gateways(
        &self,
        ctx: &Ctx,
        input: DescribeEgressOnlyInternetGatewaysRequest,
    ) -> Result<DescribeEgressOnlyInternetGatewaysResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (gateways, next_token) = self.describe(
            &self.egress_only_gateways,
            ctx,
            Query {
                ids: input.egress_only_internet_gateway_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeEgressOnlyInternetGatewaysResult {
            egress_only_internet_gateways: Some(gateways),
            next_token,
        })
    }

    pub(super) async fn delete_egress_only_internet_gateway(
        &self,
        ctx: &Ctx,
        input: DeleteEgressOnlyInternetGatewayRequest,
    ) -> Result<DeleteEgressOnlyInternetGatewayResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.egress_only_internet_gateway_id;
        self.find(&self.egress_only_gateways, ctx, &id)?;
        self.egress_only_gateways.remove(&key(ctx, &id))?;
        Ok(DeleteEgressOnlyInternetGatewayResult {
            return_code: Some(true),
        })
    }

    pub(super) async fn create_nat_gateway(
        &self,
        ctx: &Ctx,
        input: CreateNatGatewayRequest,
    ) -> Result<CreateNatGatewayResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let Some(subnet_id) = input.subnet_id else {
            return Err(Ec2Error::missing_parameter("subnetId"));
        };
        let subnet = self.find(&self.subnets, ctx, &subnet_id)?;
        let private = input.connectivity_type.as_deref() == Some("private");
        let address = match (&input.allocation_id, private) {
            (Some(allocation_id), _) => Some(self.find(&self.addresses, ctx, allocation_id)?),
            (None, true) => None,
            (None, false) => {
                return Err(Ec2Error::missing_parameter("allocationId"));
            }
        };
        let interface = self.create_managed_interface(
            ctx,
            &subnet_id,
            &[],
            "Interface for NAT Gateway",
            Some("amazon-aws"),
        )?;
        let id = self.new_id("nat");
        self.interfaces
            .update(&key(ctx, &interface.network_interface_id), |eni| {
                eni.description = Some(format!("Interface for NAT Gateway {id}"));
            })?;
        let created = NatGateway {
            create_time: Some(self.timestamp()),
            nat_gateway_addresses: Some(vec![NatGatewayAddress {
                allocation_id: address.as_ref().and_then(|a| a.allocation_id.clone()),
                network_interface_id: Some(interface.network_interface_id.clone()),
                private_ip: Some(interface.private_ip_address.clone()),
                public_ip: address.as_ref().and_then(|a| a.public_ip.clone()),
                is_primary: Some(true),
                status: Some("succeeded".into()),
                ..Default::default()
            }]),
            nat_gateway_id: Some(id.clone()),
            state: Some("pending".into()),
            subnet_id: Some(subnet_id),
            vpc_id: subnet.vpc_id,
            tags: tags_for(input.tag_specifications.as_deref(), "natgateway")?,
            connectivity_type: Some(if private { "private" } else { "public" }.into()),
            ..Default::default()
        };
        // Nothing provisions a NAT gateway here: it is available from its first Describe on.
        let mut stored = created.clone();
        stored.state = Some("available".into());
        self.nat_gateways.insert(&key(ctx, &id), stored)?;
        Ok(CreateNatGatewayResult {
            client_token: input.client_token,
            nat_gateway: Some(created),
        })
    }

    pub(super) async fn describe_nat_gateways(
        &self,
        ctx: &Ctx,
        input: DescribeNatGatewaysRequest,
    ) -> Result<DescribeNatGatewaysResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (gateways, next_token) = self.describe(
            &self.nat_gateways,
            ctx,
            Query {
                ids: input.nat_gateway_ids.as_deref(),
                filters: input.filter.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeNatGatewaysResult {
            nat_gateways: Some(gateways),
            next_token,
        })
    }

    pub(super) async fn delete_nat_gateway(
        &self,
        ctx: &Ctx,
        input: DeleteNatGatewayRequest,
    ) -> Result<DeleteNatGatewayResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.nat_gateway_id;
        let gateway = self.find(&self.nat_gateways, ctx, &id)?;
        let interfaces: Vec<String> = gateway
            .nat_gateway_addresses
            .iter()
            .flatten()
            .filter_map(|a| a.network_interface_id.clone())
            .collect();
        for interface in interfaces {
            self.interfaces.remove(&key(ctx, &interface))?;
        }
        let now = self.timestamp();
        self.nat_gateways.update(&key(ctx, &id), |gateway| {
            gateway.state = Some("deleted".into());
            gateway.delete_time = Some(now);
        })?;
        Ok(DeleteNatGatewayResult {
            nat_gateway_id: Some(id),
        })
    }

    pub(super) async fn allocate_address(
        &self,
        ctx: &Ctx,
        input: AllocateAddressRequest,
    ) -> Result<AllocateAddressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        if let Some(pool) = input.public_ipv4_pool.as_deref().filter(|p| *p != "amazon") {
            return Err(Ec2Error::new(
                "InvalidPublicIpv4PoolID.NotFound",
                format!("The pool ID '{pool}' does not exist"),
            ));
        }
        let public_ip = match input.address {
            Some(address) => {
                return Err(Ec2Error::new(
                    "InvalidAddress.NotFound",
                    format!("Address {address} not found."),
                ));
            }
            None => {
                let bits = self.kit.ids().next_u64();
                format!(
                    "54.{}.{}.{}",
                    (bits >> 16) as u8,
                    (bits >> 8) as u8,
                    bits as u8
                )
            }
        };
        let id = self.new_id("eipalloc");
        let address = Address {
            allocation_id: Some(id.clone()),
            domain: Some("vpc".into()),
            public_ipv4_pool: Some("amazon".into()),
            network_border_group: Some(ctx.region.clone()),
            public_ip: Some(public_ip.clone()),
            tags: tags_for(input.tag_specifications.as_deref(), "elastic-ip")?,
            ..Default::default()
        };
        self.addresses.insert(&key(ctx, &id), address)?;
        Ok(AllocateAddressResult {
            allocation_id: Some(id),
            public_ipv4_pool: Some("amazon".into()),
            network_border_group: Some(ctx.region.clone()),
            domain: Some("vpc".into()),
            public_ip: Some(public_ip),
            ..Default::default()
        })
    }

    pub(super) async fn describe_addresses(
        &self,
        ctx: &Ctx,
        input: DescribeAddressesRequest,
    ) -> Result<DescribeAddressesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let public_ips = input.public_ips.unwrap_or_default();
        let all = self.addresses.scan_prefix(&ctx.scope());
        for ip in &public_ips {
            if !all
                .iter()
                .any(|(_, a)| a.public_ip.as_deref() == Some(ip.as_str()))
            {
                return Err(Ec2Error::new(
                    "InvalidAddress.NotFound",
                    format!("Address '{ip}' not found."),
                ));
            }
        }
        let (addresses, _) = self.describe(
            &self.addresses,
            ctx,
            Query {
                ids: input.allocation_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: None,
                next_token: None,
            },
        )?;
        Ok(DescribeAddressesResult {
            addresses: Some(
                addresses
                    .into_iter()
                    .filter(|a| {
                        public_ips.is_empty()
                            || public_ips
                                .iter()
                                .any(|ip| a.public_ip.as_deref() == Some(ip.as_str()))
                    })
                    .collect(),
            ),
        })
    }

    /// The address named by allocation ID or public IP.
    fn address_by(
        &self,
        ctx: &Ctx,
        allocation_id: Option<&str>,
        public_ip: Option<&str>,
    ) -> Result<Address, Ec2Error> {
        if let Some(allocation_id) = allocation_id {
            return self.find(&self.addresses, ctx, allocation_id);
        }
        let Some(public_ip) = public_ip else {
            return Err(Ec2Error::missing_parameter("allocationId"));
        };
        self.addresses
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, address)| address)
            .find(|address| address.public_ip.as_deref() == Some(public_ip))
            .ok_or_else(|| {
                Ec2Error::new(
                    "InvalidAddress.NotFound",
                    format!("Address '{public_ip}' not found."),
                )
            })
    }

    pub(super) async fn associate_address(
        &self,
        ctx: &Ctx,
        input: AssociateAddressRequest,
    ) -> Result<AssociateAddressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let address = self.address_by(
            ctx,
            input.allocation_id.as_deref(),
            input.public_ip.as_deref(),
        )?;
        if let Some(instance_id) = &input.instance_id {
            // Instances are not simulated.
            return Err(Ec2Error::new(
                "InvalidInstanceID.NotFound",
                format!("The instance ID '{instance_id}' does not exist"),
            ));
        }
        let Some(interface_id) = input.network_interface_id else {
            return Err(Ec2Error::missing_parameter("networkInterfaceId"));
        };
        let interface = self.find(&self.interfaces, ctx, &interface_id)?;
        if address.association_id.is_some() && input.allow_reassociation != Some(true) {
            return Err(Ec2Error::new(
                "Resource.AlreadyAssociated",
                format!(
                    "resource {} is already associated with associate-id {}",
                    address.allocation_id.clone().unwrap_or_default(),
                    address.association_id.clone().unwrap_or_default()
                ),
            ));
        }
        let private_ip = input
            .private_ip_address
            .or(interface.private_ip_address.clone());
        let association_id = self.new_id("eipassoc");
        let allocation_id = address.allocation_id.clone().unwrap_or_default();
        self.kit.store().transaction(|txn| {
            txn.update(&self.addresses, &key(ctx, &allocation_id), |address| {
                address.association_id = Some(association_id.clone());
                address.network_interface_id = Some(interface_id.clone());
                address.network_interface_owner_id = Some(ctx.account_id.clone());
                address.private_ip_address = private_ip.clone();
            })?;
            txn.update(&self.interfaces, &key(ctx, &interface_id), |eni| {
                eni.association = Some(NetworkInterfaceAssociation {
                    allocation_id: Some(allocation_id.clone()),
                    association_id: Some(association_id.clone()),
                    ip_owner_id: Some(ctx.account_id.clone()),
                    public_ip: address.public_ip.clone(),
                    ..Default::default()
                });
            })?;
            Ok::<_, Ec2Error>(())
        })?;
        Ok(AssociateAddressResult {
            association_id: Some(association_id),
        })
    }

    pub(super) async fn disassociate_address(
        &self,
        ctx: &Ctx,
        input: DisassociateAddressRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let address = match (&input.association_id, &input.public_ip) {
            (Some(association_id), _) => self
                .addresses
                .scan_prefix(&ctx.scope())
                .into_iter()
                .map(|(_, a)| a)
                .find(|a| a.association_id.as_deref() == Some(association_id.as_str()))
                .ok_or_else(|| {
                    Ec2Error::new(
                        "InvalidAssociationID.NotFound",
                        format!("The association ID '{association_id}' does not exist"),
                    )
                })?,
            (None, public_ip) => self.address_by(ctx, None, public_ip.as_deref())?,
        };
        let allocation_id = address.allocation_id.clone().unwrap_or_default();
        self.kit.store().transaction(|txn| {
            txn.update(&self.addresses, &key(ctx, &allocation_id), |address| {
                address.association_id = None;
                address.network_interface_id = None;
                address.network_interface_owner_id = None;
                address.private_ip_address = None;
            })?;
            if let Some(interface_id) = &address.network_interface_id {
                txn.update(&self.interfaces, &key(ctx, interface_id), |eni| {
                    eni.association = None;
                })?;
            }
            Ok::<_, Ec2Error>(())
        })
    }

    pub(super) async fn release_address(
        &self,
        ctx: &Ctx,
        input: ReleaseAddressRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let address = self.address_by(
            ctx,
            input.allocation_id.as_deref(),
            input.public_ip.as_deref(),
        )?;
        if address.association_id.is_some() {
            return Err(Ec2Error::new(
                "InvalidIPAddress.InUse",
                format!(
                    "Address {} is in use.",
                    address.public_ip.clone().unwrap_or_default()
                ),
            ));
        }
        self.addresses.remove(&key(
            ctx,
            address.allocation_id.as_deref().unwrap_or_default(),
        ))?;
        Ok(())
    }
}
