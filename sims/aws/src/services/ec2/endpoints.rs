//! VPC endpoints (gateway endpoints add a prefix-list route to their route tables; interface
//! endpoints get a requester-managed interface in each of their subnets) and the AWS-managed
//! prefix lists gateway endpoints route to.

use sim_aws_shapes::ec2::{
    CreateVpcEndpointRequest, CreateVpcEndpointResult, DeleteVpcEndpointsRequest,
    DeleteVpcEndpointsResult, DescribePrefixListsRequest, DescribePrefixListsResult,
    DescribeVpcEndpointsRequest, DescribeVpcEndpointsResult, DnsEntry, DnsOptions,
    ModifyVpcEndpointRequest, ModifyVpcEndpointResult, PrefixList, Route, SecurityGroupIdentifier,
    Tag, UnsuccessfulItem, UnsuccessfulItemError, VpcEndpoint,
};

use super::resources::{Query, Resource, flag, one, page, tags_for, tags_in};
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

/// The services with gateway endpoints (and so AWS-managed prefix lists).
const GATEWAY_SERVICES: &[&str] = &["s3", "dynamodb"];

/// The policy a gateway endpoint has when none is given.
const FULL_ACCESS_POLICY: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

impl Resource for VpcEndpoint {
    const RESOURCE_TYPE: &'static str = "vpc-endpoint";
    const NOT_FOUND: &'static str = "InvalidVpcEndpointId.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        format!("The Vpc Endpoint Id '{}' does not exist", ids.join(", "))
    }
    fn id(&self) -> &str {
        self.vpc_endpoint_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "vpc-endpoint-id" => one(&self.vpc_endpoint_id),
            "vpc-id" => one(&self.vpc_id),
            "service-name" => one(&self.service_name),
            "vpc-endpoint-state" => one(&self.state),
            "vpc-endpoint-type" => one(&self.vpc_endpoint_type),
            "ip-address-type" => one(&self.ip_address_type),
            "requester-managed" => flag(self.requester_managed),
            "owner-id" => one(&self.owner_id),
            _ => return None,
        })
    }
}

/// A stable `pl-` ID for a region's managed prefix list (AWS's own in us-east-1).
fn prefix_list_id(region: &str, service: &str) -> String {
    match (region, service) {
        ("us-east-1", "s3") => "pl-63a5400a".into(),
        ("us-east-1", "dynamodb") => "pl-02cd2c6b".into(),
        _ => {
            // FNV-1a over the name: the same ID every run, different per region and service.
            let mut hash: u32 = 0x811c_9dc5;
            for byte in format!("{region}/{service}").bytes() {
                hash ^= u32::from(byte);
                hash = hash.wrapping_mul(0x0100_0193);
            }
            format!("pl-{hash:08x}")
        }
    }
}

fn prefix_lists(region: &str) -> Vec<PrefixList> {
    GATEWAY_SERVICES
        .iter()
        .map(|service| PrefixList {
            cidrs: Some(match *service {
                "s3" => vec![
                    "3.5.0.0/19".into(),
                    "16.182.0.0/16".into(),
                    "52.216.0.0/15".into(),
                ],
                _ => vec!["3.218.180.0/22".into(), "52.94.0.0/22".into()],
            }),
            prefix_list_id: Some(prefix_list_id(region, service)),
            prefix_list_name: Some(format!("com.amazonaws.{region}.{service}")),
        })
        .collect()
}

impl Ec2 {
    pub(super) async fn describe_prefix_lists(
        &self,
        ctx: &Ctx,
        input: DescribePrefixListsRequest,
    ) -> Result<DescribePrefixListsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let lists = prefix_lists(&ctx.region);
        let ids = input.prefix_list_ids.unwrap_or_default();
        for id in &ids {
            if !lists
                .iter()
                .any(|l| l.prefix_list_id.as_deref() == Some(id.as_str()))
            {
                return Err(Ec2Error::new(
                    "InvalidPrefixListID.NotFound",
                    format!("The prefix list ID '{id}' does not exist"),
                ));
            }
        }
        let mut entries = Vec::new();
        for list in lists {
            if !ids.is_empty()
                && !ids
                    .iter()
                    .any(|id| list.prefix_list_id.as_deref() == Some(id.as_str()))
            {
                continue;
            }
            let mut passes = true;
            for filter in input.filters.iter().flatten() {
                let name = filter.name.as_deref().unwrap_or_default();
                let have = match name {
                    "prefix-list-id" => list.prefix_list_id.clone(),
                    "prefix-list-name" => list.prefix_list_name.clone(),
                    _ => {
                        return Err(Ec2Error::invalid_value(format!(
                            "The filter '{name}' is invalid"
                        )));
                    }
                };
                let wanted = filter.values.as_deref().unwrap_or_default();
                if !wanted.iter().any(|w| Some(w) == have.as_ref()) {
                    passes = false;
                }
            }
            if passes {
                entries.push((list.prefix_list_id.clone().unwrap_or_default(), list));
            }
        }
        let (lists, next_token) = page(entries, input.max_results, input.next_token.as_deref())?;
        Ok(DescribePrefixListsResult {
            prefix_lists: Some(lists),
            next_token,
        })
    }

    pub(super) async fn create_vpc_endpoint(
        &self,
        ctx: &Ctx,
        input: CreateVpcEndpointRequest,
    ) -> Result<CreateVpcEndpointResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let Some(service_name) = input.service_name else {
            return Err(Ec2Error::missing_parameter("serviceName"));
        };
        let prefix = format!("com.amazonaws.{}.", ctx.region);
        let service = service_name
            .strip_prefix(&prefix)
            .filter(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            })
            .ok_or_else(|| {
                Ec2Error::new(
                    "InvalidServiceName",
                    format!("The Vpc Endpoint Service '{service_name}' does not exist"),
                )
            })?
            .to_string();
        let kind = input.vpc_endpoint_type.unwrap_or_else(|| "Gateway".into());
        if kind == "Gateway" && !GATEWAY_SERVICES.contains(&service.as_str()) {
            return Err(Ec2Error::new(
                "InvalidParameter",
                format!(
                    "The Vpc Endpoint Service '{service_name}' does not support the endpoint type 'Gateway'"
                ),
            ));
        }
        let route_table_ids = input.route_table_ids.unwrap_or_default();
        for table in &route_table_ids {
            self.find(&self.route_tables, ctx, table)?;
        }
        let subnet_ids = input.subnet_ids.unwrap_or_default();
        let group_ids = input.security_group_ids.unwrap_or_default();
        for group in &group_ids {
            self.find(&self.security_groups, ctx, group)?;
        }
        let id = self.new_id("vpce");
        let mut interface_ids = Vec::new();
        if kind == "Interface" {
            for subnet in &subnet_ids {
                let interface = self.create_managed_interface(
                    ctx,
                    subnet,
                    &group_ids,
                    &format!("VPC Endpoint Interface {id}"),
                    Some("amazon-aws"),
                )?;
                interface_ids.push(interface.network_interface_id);
            }
        }
        let groups: Vec<SecurityGroupIdentifier> = group_ids
            .iter()
            .map(|group| SecurityGroupIdentifier {
                group_id: Some(group.clone()),
                group_name: self
                    .find(&self.security_groups, ctx, group)
                    .ok()
                    .and_then(|g| g.group.group_name),
            })
            .collect();
        let interface = kind == "Interface";
        let endpoint = VpcEndpoint {
            vpc_endpoint_id: Some(id.clone()),
            vpc_endpoint_type: Some(kind.clone()),
            vpc_id: Some(input.vpc_id),
            service_name: Some(service_name.clone()),
            state: Some(if interface { "pending" } else { "available" }.into()),
            policy_document: Some(
                input
                    .policy_document
                    .unwrap_or_else(|| FULL_ACCESS_POLICY.into()),
            ),
            route_table_ids: Some(route_table_ids.clone()),
            subnet_ids: Some(subnet_ids),
            groups: Some(groups),
            ip_address_type: Some(input.ip_address_type.unwrap_or_else(|| "ipv4".into())),
            dns_options: interface.then(|| DnsOptions {
                dns_record_ip_type: Some("ipv4".into()),
                ..Default::default()
            }),
            private_dns_enabled: Some(interface && input.private_dns_enabled != Some(false)),
            requester_managed: Some(false),
            network_interface_ids: Some(interface_ids),
            dns_entries: Some(if interface {
                vec![DnsEntry {
                    dns_name: Some(format!("{id}.{service}.{}.vpce.amazonaws.com", ctx.region)),
                    hosted_zone_id: Some("Z7HUB22UULQXV".into()),
                }]
            } else {
                Vec::new()
            }),
            creation_timestamp: Some(self.timestamp()),
            tags: tags_for(input.tag_specifications.as_deref(), "vpc-endpoint")?,
            owner_id: Some(ctx.account_id.clone()),
            ..Default::default()
        };
        let mut stored = endpoint.clone();
        stored.state = Some("available".into());
        let list_id = prefix_list_id(&ctx.region, &service);
        self.kit.store().transaction(|txn| {
            txn.insert(&self.endpoints, &key(ctx, &id), stored)?;
            for table in &route_table_ids {
                txn.update(&self.route_tables, &key(ctx, table), |table| {
                    table.routes.get_or_insert_with(Vec::new).push(Route {
                        destination_prefix_list_id: Some(list_id.clone()),
                        gateway_id: Some(id.clone()),
                        origin: Some("CreateRoute".into()),
                        state: Some("active".into()),
                        ..Default::default()
                    });
                })?;
            }
            Ok::<_, Ec2Error>(())
        })?;
        Ok(CreateVpcEndpointResult {
            vpc_endpoint: Some(endpoint),
            client_token: input.client_token,
        })
    }

    pub(super) async fn describe_vpc_endpoints(
        &self,
        ctx: &Ctx,
        input: DescribeVpcEndpointsRequest,
    ) -> Result<DescribeVpcEndpointsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (endpoints, next_token) = self.describe(
            &self.endpoints,
            ctx,
            Query {
                ids: input.vpc_endpoint_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeVpcEndpointsResult {
            vpc_endpoints: Some(endpoints),
            next_token,
        })
    }

    /// Removes an endpoint's routes and interfaces with it.
    fn remove_endpoint(&self, ctx: &Ctx, endpoint: &VpcEndpoint) -> Result<(), Ec2Error> {
        let id = endpoint.id().to_string();
        self.kit.store().transaction(|txn| {
            txn.remove(&self.endpoints, &key(ctx, &id))?;
            for table in endpoint.route_table_ids.iter().flatten() {
                txn.update(&self.route_tables, &key(ctx, table), |table| {
                    if let Some(routes) = table.routes.as_mut() {
                        routes.retain(|r| r.gateway_id.as_deref() != Some(id.as_str()));
                    }
                })?;
            }
            for interface in endpoint.network_interface_ids.iter().flatten() {
                txn.remove(&self.interfaces, &key(ctx, interface))?;
            }
            Ok(())
        })
    }

    pub(super) async fn delete_vpc_endpoints(
        &self,
        ctx: &Ctx,
        input: DeleteVpcEndpointsRequest,
    ) -> Result<DeleteVpcEndpointsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let mut unsuccessful = Vec::new();
        for id in input.vpc_endpoint_ids {
            match self.endpoints.get(&key(ctx, &id)) {
                Some(endpoint) => self.remove_endpoint(ctx, &endpoint)?,
                None => unsuccessful.push(UnsuccessfulItem {
                    error: Some(UnsuccessfulItemError {
                        code: Some("InvalidVpcEndpoint.NotFound".into()),
                        message: Some(format!("The Vpc Endpoint Id '{id}' does not exist")),
                    }),
                    resource_id: Some(id),
                }),
            }
        }
        Ok(DeleteVpcEndpointsResult {
            unsuccessful: Some(unsuccessful),
        })
    }

    pub(super) async fn modify_vpc_endpoint(
        &self,
        ctx: &Ctx,
        input: ModifyVpcEndpointRequest,
    ) -> Result<ModifyVpcEndpointResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.vpc_endpoint_id;
        let endpoint = self.find(&self.endpoints, ctx, &id)?;
        for table in input.add_route_table_ids.iter().flatten() {
            self.find(&self.route_tables, ctx, table)?;
        }
        for subnet in input.add_subnet_ids.iter().flatten() {
            self.find(&self.subnets, ctx, subnet)?;
        }
        for group in input.add_security_group_ids.iter().flatten() {
            self.find(&self.security_groups, ctx, group)?;
        }
        let service = endpoint
            .service_name
            .as_deref()
            .and_then(|name| name.rsplit('.').next())
            .unwrap_or_default()
            .to_string();
        let list_id = prefix_list_id(&ctx.region, &service);
        self.kit.store().transaction(|txn| {
            for table in input.add_route_table_ids.iter().flatten() {
                txn.update(&self.route_tables, &key(ctx, table), |table| {
                    table.routes.get_or_insert_with(Vec::new).push(Route {
                        destination_prefix_list_id: Some(list_id.clone()),
                        gateway_id: Some(id.clone()),
                        origin: Some("CreateRoute".into()),
                        state: Some("active".into()),
                        ..Default::default()
                    });
                })?;
            }
            for table in input.remove_route_table_ids.iter().flatten() {
                txn.update(&self.route_tables, &key(ctx, table), |table| {
                    if let Some(routes) = table.routes.as_mut() {
                        routes.retain(|r| r.gateway_id.as_deref() != Some(id.as_str()));
                    }
                })?;
            }
            txn.update(&self.endpoints, &key(ctx, &id), |endpoint| {
                let edit = |list: &mut Option<Vec<String>>,
                            add: &Option<Vec<String>>,
                            remove: &Option<Vec<String>>| {
                    let list = list.get_or_insert_with(Vec::new);
                    for item in add.iter().flatten() {
                        if !list.contains(item) {
                            list.push(item.clone());
                        }
                    }
                    list.retain(|item| !remove.iter().flatten().any(|r| r == item));
                };
                edit(
                    &mut endpoint.route_table_ids,
                    &input.add_route_table_ids,
                    &input.remove_route_table_ids,
                );
                edit(
                    &mut endpoint.subnet_ids,
                    &input.add_subnet_ids,
                    &input.remove_subnet_ids,
                );
                let groups = endpoint.groups.get_or_insert_with(Vec::new);
                for group in input.add_security_group_ids.iter().flatten() {
                    if !groups
                        .iter()
                        .any(|g| g.group_id.as_deref() == Some(group.as_str()))
                    {
                        groups.push(SecurityGroupIdentifier {
                            group_id: Some(group.clone()),
                            group_name: None,
                        });
                    }
                }
                groups.retain(|g| {
                    !input
                        .remove_security_group_ids
                        .iter()
                        .flatten()
                        .any(|r| g.group_id.as_deref() == Some(r.as_str()))
                });
                if input.reset_policy == Some(true) {
                    endpoint.policy_document = Some(FULL_ACCESS_POLICY.into());
                }
                if let Some(policy) = &input.policy_document {
                    endpoint.policy_document = Some(policy.clone());
                }
                if let Some(enabled) = input.private_dns_enabled {
                    endpoint.private_dns_enabled = Some(enabled);
                }
                if let Some(kind) = &input.ip_address_type {
                    endpoint.ip_address_type = Some(kind.clone());
                }
            })?;
            Ok::<_, Ec2Error>(())
        })?;
        Ok(ModifyVpcEndpointResult {
            r#return: Some(true),
        })
    }
}
