//! VPCs: creation with what every VPC comes with (its main route table with the `local`
//! route, default network ACL and default security group), deletion refused while anything
//! depends on it, DNS and address-usage attributes, IPv4 CIDR associations, and DHCP options
//! sets (each region's default set is associated with new VPCs).

use sim_aws_shapes::ec2::{
    AssociateDhcpOptionsRequest, AssociateVpcCidrBlockRequest, AssociateVpcCidrBlockResult,
    AttributeBooleanValue, AttributeValue, CreateDhcpOptionsRequest, CreateDhcpOptionsResult,
    CreateVpcRequest, CreateVpcResult, DeleteDhcpOptionsRequest, DeleteVpcRequest,
    DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult, DescribeVpcAttributeRequest,
    DescribeVpcAttributeResult, DescribeVpcsRequest, DescribeVpcsResult, DhcpConfiguration,
    DhcpOptions, DisassociateVpcCidrBlockRequest, DisassociateVpcCidrBlockResult,
    ModifyVpcAttributeRequest, Tag, Vpc, VpcCidrBlockAssociation, VpcCidrBlockState,
};
use simkit::store::Txn;

use super::cidr::Cidr;
use super::resources::{Query, Resource, flag, ids_do_not_exist, one, tags_for, tags_in};
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

/// A VPC and the attributes EC2 keeps beside its description.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VpcRecord {
    pub vpc: Vpc,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub enable_network_address_usage_metrics: bool,
}

impl Resource for VpcRecord {
    const RESOURCE_TYPE: &'static str = "vpc";
    const NOT_FOUND: &'static str = "InvalidVpcID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("vpc", ids)
    }
    fn id(&self) -> &str {
        self.vpc.vpc_id.as_deref().unwrap_or_default()
    }
    tags_in!(vpc.tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let vpc = &self.vpc;
        let blocks = || -> Vec<&VpcCidrBlockAssociation> {
            vpc.cidr_block_association_set.iter().flatten().collect()
        };
        Some(match name {
            "vpc-id" => one(&vpc.vpc_id),
            "cidr" | "cidr-block" => one(&vpc.cidr_block),
            "cidr-block-association.cidr-block" => blocks()
                .iter()
                .filter_map(|b| b.cidr_block.clone())
                .collect(),
            "cidr-block-association.association-id" => blocks()
                .iter()
                .filter_map(|b| b.association_id.clone())
                .collect(),
            "cidr-block-association.state" => blocks()
                .iter()
                .filter_map(|b| b.cidr_block_state.as_ref().and_then(|s| s.state.clone()))
                .collect(),
            "dhcp-options-id" => one(&vpc.dhcp_options_id),
            "is-default" | "isDefault" => flag(vpc.is_default),
            "owner-id" => one(&vpc.owner_id),
            "state" => one(&vpc.state),
            "instance-tenancy" => one(&vpc.instance_tenancy),
            "ipv6-cidr-block-association.ipv6-cidr-block"
            | "ipv6-cidr-block-association.ipv6-pool"
            | "ipv6-cidr-block-association.association-id"
            | "ipv6-cidr-block-association.state" => Vec::new(),
            _ => return None,
        })
    }
}

impl Resource for DhcpOptions {
    const RESOURCE_TYPE: &'static str = "dhcp-options";
    const NOT_FOUND: &'static str = "InvalidDhcpOptionID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("dhcpOption", ids)
    }
    fn id(&self) -> &str {
        self.dhcp_options_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let configurations = self.dhcp_configurations.iter().flatten();
        Some(match name {
            "dhcp-options-id" => one(&self.dhcp_options_id),
            "owner-id" => one(&self.owner_id),
            "key" => configurations.filter_map(|c| c.key.clone()).collect(),
            "value" => configurations
                .flat_map(|c| c.values.iter().flatten())
                .filter_map(|v| v.value.clone())
                .collect(),
            _ => return None,
        })
    }
}

/// EC2's message for a CIDR it cannot parse.
pub(super) fn bad_cidr(cidr: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Value ({cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
    ))
}

/// A VPC block: /16 to /28.
fn vpc_block(cidr: &str) -> Result<Cidr, Ec2Error> {
    let block = Cidr::parse(cidr).ok_or_else(|| bad_cidr(cidr))?;
    if !(16..=28).contains(&block.prefix) {
        return Err(Ec2Error::new(
            "InvalidVpc.Range",
            format!("The CIDR '{cidr}' is invalid."),
        ));
    }
    Ok(block)
}

impl Ec2 {
    /// A VPC with its main route table, default ACL and default security group, in `txn`.
    pub(super) fn build_vpc(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        cidr: &str,
        is_default: bool,
        tenancy: Option<String>,
        tags: Option<Vec<Tag>>,
    ) -> Result<VpcRecord, Ec2Error> {
        let block = vpc_block(cidr)?;
        let vpc_id = self.new_id("vpc");
        let dhcp_options_id = self.default_dhcp_options(txn, ctx)?;
        let record = VpcRecord {
            vpc: Vpc {
                vpc_id: Some(vpc_id.clone()),
                owner_id: Some(ctx.account_id.clone()),
                instance_tenancy: Some(tenancy.unwrap_or_else(|| "default".into())),
                cidr_block_association_set: Some(vec![VpcCidrBlockAssociation {
                    association_id: Some(self.new_id("vpc-cidr-assoc")),
                    cidr_block: Some(block.to_string()),
                    cidr_block_state: Some(VpcCidrBlockState {
                        state: Some("associated".into()),
                        status_message: None,
                    }),
                }]),
                is_default: Some(is_default),
                tags,
                state: Some("available".into()),
                cidr_block: Some(block.to_string()),
                dhcp_options_id: Some(dhcp_options_id),
                ..Default::default()
            },
            enable_dns_support: true,
            // A default VPC resolves public hostnames; a new one does not until asked.
            enable_dns_hostnames: is_default,
            enable_network_address_usage_metrics: false,
        };
        txn.insert(&self.vpcs, &key(ctx, &vpc_id), record.clone())?;
        self.build_main_route_table(txn, ctx, &vpc_id, &block.to_string())?;
        self.build_network_acl(txn, ctx, &vpc_id, true, None)?;
        self.build_default_security_group(txn, ctx, &vpc_id)?;
        Ok(record)
    }

    /// The region's default DHCP options set, made with the first VPC.
    fn default_dhcp_options(&self, txn: &mut Txn<'_>, ctx: &Ctx) -> Result<String, Ec2Error> {
        let domain = if ctx.region == "us-east-1" {
            "ec2.internal".to_string()
        } else {
            format!("{}.compute.internal", ctx.region)
        };
        let existing = txn
            .scan_prefix(&self.dhcp_options, &ctx.scope())?
            .into_iter()
            .find(|(_, options)| {
                options.tags.is_none()
                    && options.dhcp_configurations
                        == Some(dhcp_configurations(&[
                            ("domain-name", vec![domain.clone()]),
                            ("domain-name-servers", vec!["AmazonProvidedDNS".into()]),
                        ]))
            });
        if let Some((_, options)) = existing {
            return Ok(options.dhcp_options_id.unwrap_or_default());
        }
        let id = self.new_id("dopt");
        let options = DhcpOptions {
            owner_id: Some(ctx.account_id.clone()),
            tags: None,
            dhcp_options_id: Some(id.clone()),
            dhcp_configurations: Some(dhcp_configurations(&[
                ("domain-name", vec![domain]),
                ("domain-name-servers", vec!["AmazonProvidedDNS".into()]),
            ])),
        };
        txn.insert(&self.dhcp_options, &key(ctx, &id), options)?;
        Ok(id)
    }

    pub(super) async fn create_vpc(
        &self,
        ctx: &Ctx,
        input: CreateVpcRequest,
    ) -> Result<CreateVpcResult, Ec2Error> {
        dry_run(input.dry_run)?;
        if input.ipv4_ipam_pool_id.is_some() {
            return Err(Ec2Error::new(
                "InvalidIpamPoolId.NotFound",
                format!(
                    "The ipam pool ID '{}' does not exist",
                    input.ipv4_ipam_pool_id.unwrap_or_default()
                ),
            ));
        }
        let Some(cidr) = input.cidr_block else {
            return Err(Ec2Error::missing_parameter("cidrBlock"));
        };
        let tags = tags_for(input.tag_specifications.as_deref(), "vpc")?;
        let record = self.kit.store().transaction(|txn| {
            self.build_vpc(txn, ctx, &cidr, false, input.instance_tenancy, tags)
        })?;
        Ok(CreateVpcResult {
            vpc: Some(record.vpc),
        })
    }

    pub(super) async fn describe_vpcs(
        &self,
        ctx: &Ctx,
        input: DescribeVpcsRequest,
    ) -> Result<DescribeVpcsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (records, next_token) = self.describe(
            &self.vpcs,
            ctx,
            Query {
                ids: input.vpc_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeVpcsResult {
            vpcs: Some(records.into_iter().map(|record| record.vpc).collect()),
            next_token,
        })
    }

    pub(super) async fn delete_vpc(
        &self,
        ctx: &Ctx,
        input: DeleteVpcRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let vpc_id = input.vpc_id;
        self.find(&self.vpcs, ctx, &vpc_id)?;
        let scope = ctx.scope();
        let in_vpc = |value: &Option<String>| value.as_deref() == Some(vpc_id.as_str());
        let depends = self
            .subnets
            .scan_prefix(&scope)
            .iter()
            .any(|(_, s)| in_vpc(&s.vpc_id))
            || self
                .security_groups
                .scan_prefix(&scope)
                .iter()
                .any(|(_, g)| {
                    in_vpc(&g.group.vpc_id) && g.group.group_name.as_deref() != Some("default")
                })
            || self
                .internet_gateways
                .scan_prefix(&scope)
                .iter()
                .any(|(_, g)| g.attachments.iter().flatten().any(|a| in_vpc(&a.vpc_id)))
            || self
                .egress_only_gateways
                .scan_prefix(&scope)
                .iter()
                .any(|(_, g)| g.attachments.iter().flatten().any(|a| in_vpc(&a.vpc_id)))
            || self.route_tables.scan_prefix(&scope).iter().any(|(_, t)| {
                in_vpc(&t.vpc_id)
                    && !t
                        .associations
                        .iter()
                        .flatten()
                        .any(|a| a.main == Some(true))
            })
            || self
                .network_acls
                .scan_prefix(&scope)
                .iter()
                .any(|(_, a)| in_vpc(&a.vpc_id) && a.is_default != Some(true))
            || self
                .endpoints
                .scan_prefix(&scope)
                .iter()
                .any(|(_, e)| in_vpc(&e.vpc_id))
            || self
                .nat_gateways
                .scan_prefix(&scope)
                .iter()
                .any(|(_, n)| in_vpc(&n.vpc_id) && n.state.as_deref() != Some("deleted"));
        if depends {
            return Err(Ec2Error::dependency("vpc", &vpc_id));
        }
        self.kit.store().transaction(|txn| {
            txn.remove(&self.vpcs, &key(ctx, &vpc_id))?;
            for (record_key, table) in txn.scan_prefix(&self.route_tables, &scope)? {
                if in_vpc(&table.vpc_id) {
                    txn.remove(&self.route_tables, &record_key)?;
                }
            }
            for (record_key, acl) in txn.scan_prefix(&self.network_acls, &scope)? {
                if in_vpc(&acl.vpc_id) {
                    txn.remove(&self.network_acls, &record_key)?;
                }
            }
            for (record_key, group) in txn.scan_prefix(&self.security_groups, &scope)? {
                if in_vpc(&group.group.vpc_id) {
                    txn.remove(&self.security_groups, &record_key)?;
                }
            }
            for (record_key, nat) in txn.scan_prefix(&self.nat_gateways, &scope)? {
                if in_vpc(&nat.vpc_id) {
                    txn.remove(&self.nat_gateways, &record_key)?;
                }
            }
            Ok::<_, Ec2Error>(())
        })
    }

    pub(super) async fn describe_vpc_attribute(
        &self,
        ctx: &Ctx,
        input: DescribeVpcAttributeRequest,
    ) -> Result<DescribeVpcAttributeResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let record = self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let value = |value: bool| Some(AttributeBooleanValue { value: Some(value) });
        let mut answer = DescribeVpcAttributeResult {
            vpc_id: Some(input.vpc_id),
            ..Default::default()
        };
        match input.attribute.as_str() {
            "enableDnsSupport" => answer.enable_dns_support = value(record.enable_dns_support),
            "enableDnsHostnames" => {
                answer.enable_dns_hostnames = value(record.enable_dns_hostnames)
            }
            "enableNetworkAddressUsageMetrics" => {
                answer.enable_network_address_usage_metrics =
                    value(record.enable_network_address_usage_metrics)
            }
            other => {
                return Err(Ec2Error::invalid_value(format!(
                    "Value ({other}) for parameter attribute is invalid. Unknown attribute."
                )));
            }
        }
        Ok(answer)
    }

    pub(super) async fn modify_vpc_attribute(
        &self,
        ctx: &Ctx,
        input: ModifyVpcAttributeRequest,
    ) -> Result<(), Ec2Error> {
        let changes = [
            input.enable_dns_support.as_ref(),
            input.enable_dns_hostnames.as_ref(),
            input.enable_network_address_usage_metrics.as_ref(),
        ];
        let given = changes.iter().filter(|change| change.is_some()).count();
        if given != 1 {
            return Err(Ec2Error::invalid_value(
                "Fields for multiple attribute types specified: enableDnsHostnames, enableDnsSupport"
                    .to_string(),
            ));
        }
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let read = |value: &Option<AttributeBooleanValue>| value.as_ref().and_then(|v| v.value);
        self.vpcs.modify(&key(ctx, &input.vpc_id), |slot| {
            let Some(record) = slot.as_mut() else {
                return Ok(());
            };
            if let Some(value) = read(&input.enable_dns_support) {
                if !value && record.enable_dns_hostnames {
                    return Err(Ec2Error::invalid_value(
                        "Value (false) for parameter enableDnsSupport is invalid. enableDnsSupport cannot be disabled while enableDnsHostnames is enabled.".to_string(),
                    ));
                }
                record.enable_dns_support = value;
            }
            if let Some(value) = read(&input.enable_dns_hostnames) {
                if value && !record.enable_dns_support {
                    return Err(Ec2Error::invalid_value(
                        "Value (true) for parameter enableDnsHostnames is invalid. enableDnsHostnames cannot be enabled while enableDnsSupport is disabled.".to_string(),
                    ));
                }
                record.enable_dns_hostnames = value;
            }
            if let Some(value) = read(&input.enable_network_address_usage_metrics) {
                record.enable_network_address_usage_metrics = value;
            }
            Ok(())
        })
    }

    pub(super) async fn associate_vpc_cidr_block(
        &self,
        ctx: &Ctx,
        input: AssociateVpcCidrBlockRequest,
    ) -> Result<AssociateVpcCidrBlockResult, Ec2Error> {
        if input.amazon_provided_ipv6_cidr_block == Some(true) || input.ipv6_cidr_block.is_some() {
            return Err(Ec2Error::new(
                "UnsupportedOperation",
                "IPv6 CIDR blocks are not available in this region.",
            ));
        }
        let Some(cidr) = input.cidr_block else {
            return Err(Ec2Error::missing_parameter("cidrBlock"));
        };
        let block = vpc_block(&cidr)?;
        let vpc_id = input.vpc_id;
        self.find(&self.vpcs, ctx, &vpc_id)?;
        let association = VpcCidrBlockAssociation {
            association_id: Some(self.new_id("vpc-cidr-assoc")),
            cidr_block: Some(block.to_string()),
            cidr_block_state: Some(VpcCidrBlockState {
                state: Some("associated".into()),
                status_message: None,
            }),
        };
        let answer = association.clone();
        self.vpcs.modify(&key(ctx, &vpc_id), |slot| {
            let Some(record) = slot.as_mut() else {
                return Ok(());
            };
            let blocks = record
                .vpc
                .cidr_block_association_set
                .get_or_insert_with(Vec::new);
            let live: Vec<&VpcCidrBlockAssociation> = blocks
                .iter()
                .filter(|b| {
                    b.cidr_block_state.as_ref().and_then(|s| s.state.as_deref())
                        == Some("associated")
                })
                .collect();
            if live.len() >= 5 {
                return Err(Ec2Error::new(
                    "CidrLimitExceeded",
                    format!(
                        "This network '{vpc_id}' has met its maximum number of allowed CIDRs: 5"
                    ),
                ));
            }
            if live
                .iter()
                .filter_map(|b| b.cidr_block.as_deref().and_then(Cidr::parse))
                .any(|have| have.overlaps(&block))
            {
                return Err(Ec2Error::new(
                    "InvalidVpc.Range",
                    format!("The CIDR '{cidr}' is invalid."),
                ));
            }
            blocks.push(association);
            Ok(())
        })?;
        Ok(AssociateVpcCidrBlockResult {
            cidr_block_association: Some(answer),
            vpc_id: Some(vpc_id),
            ipv6_cidr_block_association: None,
        })
    }

    pub(super) async fn disassociate_vpc_cidr_block(
        &self,
        ctx: &Ctx,
        input: DisassociateVpcCidrBlockRequest,
    ) -> Result<DisassociateVpcCidrBlockResult, Ec2Error> {
        let association_id = input.association_id;
        let owner = self
            .vpcs
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, record)| {
                record
                    .vpc
                    .cidr_block_association_set
                    .iter()
                    .flatten()
                    .any(|b| b.association_id.as_deref() == Some(association_id.as_str()))
            });
        let Some((record_key, record)) = owner else {
            return Err(Ec2Error::new(
                "InvalidVpcCidrBlockAssociationID.NotFound",
                format!("The vpc CIDR block association ID '{association_id}' does not exist"),
            ));
        };
        let vpc_id = record.id().to_string();
        let primary = record.vpc.cidr_block.clone();
        let target = record
            .vpc
            .cidr_block_association_set
            .iter()
            .flatten()
            .find(|b| b.association_id.as_deref() == Some(association_id.as_str()))
            .cloned()
            .unwrap_or_default();
        if target.cidr_block == primary {
            return Err(Ec2Error::new(
                "OperationNotPermitted",
                format!(
                    "The vpc CIDR block with association ID {association_id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC"
                ),
            ));
        }
        let block = target.cidr_block.as_deref().and_then(Cidr::parse);
        let used = self
            .subnets
            .scan_prefix(&ctx.scope())
            .into_iter()
            .any(|(_, subnet)| {
                subnet.vpc_id.as_deref() == Some(vpc_id.as_str())
                    && subnet
                        .cidr_block
                        .as_deref()
                        .and_then(Cidr::parse)
                        .zip(block)
                        .is_some_and(|(subnet, block)| block.contains_block(&subnet))
            });
        if used {
            return Err(Ec2Error::new(
                "InvalidCidrBlock.InUse",
                format!(
                    "The vpc {vpc_id} currently has a subnet within CIDR block {}",
                    target.cidr_block.clone().unwrap_or_default()
                ),
            ));
        }
        self.vpcs.update(&record_key, |record| {
            if let Some(blocks) = record.vpc.cidr_block_association_set.as_mut() {
                blocks.retain(|b| b.association_id.as_deref() != Some(association_id.as_str()));
            }
        })?;
        let mut answer = target;
        answer.cidr_block_state = Some(VpcCidrBlockState {
            state: Some("disassociating".into()),
            status_message: None,
        });
        Ok(DisassociateVpcCidrBlockResult {
            cidr_block_association: Some(answer),
            vpc_id: Some(vpc_id),
            ipv6_cidr_block_association: None,
        })
    }

    pub(super) async fn create_dhcp_options(
        &self,
        ctx: &Ctx,
        input: CreateDhcpOptionsRequest,
    ) -> Result<CreateDhcpOptionsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        const KEYS: &[&str] = &[
            "domain-name-servers",
            "domain-name",
            "ntp-servers",
            "netbios-name-servers",
            "netbios-node-type",
            "ipv6-address-preferred-lease-time",
        ];
        let mut configurations = Vec::new();
        for configuration in input.dhcp_configurations {
            let name = configuration.key.unwrap_or_default();
            if !KEYS.contains(&name.as_str()) {
                return Err(Ec2Error::invalid_value(format!(
                    "Value ({name}) for parameter dhcpConfiguration is invalid. Unknown dhcp option"
                )));
            }
            configurations.push(DhcpConfiguration {
                key: Some(name),
                values: Some(
                    configuration
                        .values
                        .unwrap_or_default()
                        .into_iter()
                        .map(|value| AttributeValue { value: Some(value) })
                        .collect(),
                ),
            });
        }
        let id = self.new_id("dopt");
        let options = DhcpOptions {
            owner_id: Some(ctx.account_id.clone()),
            tags: tags_for(input.tag_specifications.as_deref(), "dhcp-options")?,
            dhcp_options_id: Some(id.clone()),
            dhcp_configurations: Some(configurations),
        };
        self.dhcp_options.insert(&key(ctx, &id), options.clone())?;
        Ok(CreateDhcpOptionsResult {
            dhcp_options: Some(options),
        })
    }

    pub(super) async fn describe_dhcp_options(
        &self,
        ctx: &Ctx,
        input: DescribeDhcpOptionsRequest,
    ) -> Result<DescribeDhcpOptionsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (options, next_token) = self.describe(
            &self.dhcp_options,
            ctx,
            Query {
                ids: input.dhcp_options_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeDhcpOptionsResult {
            dhcp_options: Some(options),
            next_token,
        })
    }

    pub(super) async fn delete_dhcp_options(
        &self,
        ctx: &Ctx,
        input: DeleteDhcpOptionsRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.dhcp_options_id;
        self.find(&self.dhcp_options, ctx, &id)?;
        let used = self
            .vpcs
            .scan_prefix(&ctx.scope())
            .iter()
            .any(|(_, record)| record.vpc.dhcp_options_id.as_deref() == Some(id.as_str()));
        if used {
            return Err(Ec2Error::dependency("dhcpOptions", &id));
        }
        self.dhcp_options.remove(&key(ctx, &id))?;
        Ok(())
    }

    pub(super) async fn associate_dhcp_options(
        &self,
        ctx: &Ctx,
        input: AssociateDhcpOptionsRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.dhcp_options_id;
        if id != "default" {
            self.find(&self.dhcp_options, ctx, &id)?;
        }
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        self.vpcs.update(&key(ctx, &input.vpc_id), |record| {
            record.vpc.dhcp_options_id = Some(id);
        })?;
        Ok(())
    }
}

fn dhcp_configurations(pairs: &[(&str, Vec<String>)]) -> Vec<DhcpConfiguration> {
    pairs
        .iter()
        .map(|(name, values)| DhcpConfiguration {
            key: Some(name.to_string()),
            values: Some(
                values
                    .iter()
                    .map(|value| AttributeValue {
                        value: Some(value.clone()),
                    })
                    .collect(),
            ),
        })
        .collect()
}
