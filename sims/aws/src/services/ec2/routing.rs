//! Route tables (each VPC's main table with its `local` route), routes and their targets,
//! subnet and gateway associations; network ACLs (each VPC's default ACL, which every subnet
//! joins until associated elsewhere) and their numbered entries.

use sim_aws_shapes::ec2::{
    AssociateRouteTableRequest, AssociateRouteTableResult, CreateNetworkAclEntryRequest,
    CreateNetworkAclRequest, CreateNetworkAclResult, CreateRouteRequest, CreateRouteResult,
    CreateRouteTableRequest, CreateRouteTableResult, DeleteNetworkAclEntryRequest,
    DeleteNetworkAclRequest, DeleteRouteRequest, DeleteRouteTableRequest,
    DescribeNetworkAclsRequest, DescribeNetworkAclsResult, DescribeRouteTablesRequest,
    DescribeRouteTablesResult, DisassociateRouteTableRequest, NetworkAcl, NetworkAclAssociation,
    NetworkAclEntry, ReplaceNetworkAclAssociationRequest, ReplaceNetworkAclAssociationResult,
    ReplaceNetworkAclEntryRequest, ReplaceRouteRequest, ReplaceRouteTableAssociationRequest,
    ReplaceRouteTableAssociationResult, Route, RouteTable, RouteTableAssociation,
    RouteTableAssociationState, Tag,
};
use simkit::store::Txn;

use super::cidr::Cidr;
use super::resources::{Query, Resource, flag, ids_do_not_exist, one, tags_for, tags_in};
use super::vpcs::bad_cidr;
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

impl Resource for RouteTable {
    const RESOURCE_TYPE: &'static str = "route-table";
    const NOT_FOUND: &'static str = "InvalidRouteTableID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("routeTable", ids)
    }
    fn id(&self) -> &str {
        self.route_table_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let associations = || self.associations.iter().flatten();
        let routes = || self.routes.iter().flatten();
        Some(match name {
            "route-table-id" => one(&self.route_table_id),
            "vpc-id" => one(&self.vpc_id),
            "owner-id" => one(&self.owner_id),
            "association.main" => associations().flat_map(|a| flag(a.main)).collect(),
            "association.route-table-association-id" => associations()
                .filter_map(|a| a.route_table_association_id.clone())
                .collect(),
            "association.route-table-id" => associations()
                .filter_map(|a| a.route_table_id.clone())
                .collect(),
            "association.subnet-id" => associations().filter_map(|a| a.subnet_id.clone()).collect(),
            "association.gateway-id" => associations()
                .filter_map(|a| a.gateway_id.clone())
                .collect(),
            "route.destination-cidr-block" => routes()
                .filter_map(|r| r.destination_cidr_block.clone())
                .collect(),
            "route.gateway-id" => routes().filter_map(|r| r.gateway_id.clone()).collect(),
            "route.nat-gateway-id" => routes().filter_map(|r| r.nat_gateway_id.clone()).collect(),
            "route.egress-only-internet-gateway-id" => routes()
                .filter_map(|r| r.egress_only_internet_gateway_id.clone())
                .collect(),
            "route.network-interface-id" => routes()
                .filter_map(|r| r.network_interface_id.clone())
                .collect(),
            "route.origin" => routes().filter_map(|r| r.origin.clone()).collect(),
            "route.state" => routes().filter_map(|r| r.state.clone()).collect(),
            "route.destination-ipv6-cidr-block"
            | "route.destination-prefix-list-id"
            | "route.instance-id"
            | "route.transit-gateway-id"
            | "route.vpc-peering-connection-id" => Vec::new(),
            _ => return None,
        })
    }
}

impl Resource for NetworkAcl {
    const RESOURCE_TYPE: &'static str = "network-acl";
    const NOT_FOUND: &'static str = "InvalidNetworkAclID.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        ids_do_not_exist("networkAcl", ids)
    }
    fn id(&self) -> &str {
        self.network_acl_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let associations = || self.associations.iter().flatten();
        let entries = || self.entries.iter().flatten();
        Some(match name {
            "network-acl-id" => one(&self.network_acl_id),
            "vpc-id" => one(&self.vpc_id),
            "owner-id" => one(&self.owner_id),
            "default" => flag(self.is_default),
            "association.association-id" => associations()
                .filter_map(|a| a.network_acl_association_id.clone())
                .collect(),
            "association.network-acl-id" => associations()
                .filter_map(|a| a.network_acl_id.clone())
                .collect(),
            "association.subnet-id" => associations().filter_map(|a| a.subnet_id.clone()).collect(),
            "entry.cidr" => entries().filter_map(|e| e.cidr_block.clone()).collect(),
            "entry.egress" => entries().flat_map(|e| flag(e.egress)).collect(),
            "entry.protocol" => entries().filter_map(|e| e.protocol.clone()).collect(),
            "entry.rule-action" => entries().filter_map(|e| e.rule_action.clone()).collect(),
            "entry.rule-number" => entries()
                .filter_map(|e| e.rule_number.map(|n| n.to_string()))
                .collect(),
            "entry.port-range.from" => entries()
                .filter_map(|e| {
                    e.port_range
                        .as_ref()
                        .and_then(|p| p.from)
                        .map(|n| n.to_string())
                })
                .collect(),
            "entry.port-range.to" => entries()
                .filter_map(|e| {
                    e.port_range
                        .as_ref()
                        .and_then(|p| p.to)
                        .map(|n| n.to_string())
                })
                .collect(),
            "entry.ipv6-cidr" | "entry.icmp.code" | "entry.icmp.type" => Vec::new(),
            _ => return None,
        })
    }
}

fn associated() -> Option<RouteTableAssociationState> {
    Some(RouteTableAssociationState {
        state: Some("associated".into()),
        status_message: None,
    })
}

/// The entries every ACL starts with: the catch-all deny both ways, and for a default ACL the
/// allow-all rule 100 both ways.
fn initial_entries(is_default: bool) -> Vec<NetworkAclEntry> {
    let entry = |egress: bool, number: i32, action: &str| NetworkAclEntry {
        cidr_block: Some("0.0.0.0/0".into()),
        egress: Some(egress),
        protocol: Some("-1".into()),
        rule_action: Some(action.into()),
        rule_number: Some(number),
        ..Default::default()
    };
    let mut entries = Vec::new();
    for egress in [true, false] {
        if is_default {
            entries.push(entry(egress, 100, "allow"));
        }
        entries.push(entry(egress, 32767, "deny"));
    }
    entries
}

impl Ec2 {
    pub(super) fn build_main_route_table(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
        cidr: &str,
    ) -> Result<(), Ec2Error> {
        let id = self.new_id("rtb");
        let table = RouteTable {
            associations: Some(vec![RouteTableAssociation {
                main: Some(true),
                route_table_association_id: Some(self.new_id("rtbassoc")),
                route_table_id: Some(id.clone()),
                association_state: associated(),
                ..Default::default()
            }]),
            propagating_vgws: Some(Vec::new()),
            route_table_id: Some(id.clone()),
            routes: Some(vec![local_route(cidr, "CreateRouteTable")]),
            tags: None,
            vpc_id: Some(vpc_id.to_string()),
            owner_id: Some(ctx.account_id.clone()),
        };
        txn.insert(&self.route_tables, &key(ctx, &id), table)?;
        Ok(())
    }

    /// The default VPC's route to the internet through its gateway.
    pub(super) fn add_default_route(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
        gateway_id: &str,
    ) -> Result<(), Ec2Error> {
        for (record_key, mut table) in txn.scan_prefix(&self.route_tables, &ctx.scope())? {
            if table.vpc_id.as_deref() == Some(vpc_id) {
                table.routes.get_or_insert_with(Vec::new).push(Route {
                    destination_cidr_block: Some("0.0.0.0/0".into()),
                    gateway_id: Some(gateway_id.to_string()),
                    origin: Some("CreateRoute".into()),
                    state: Some("active".into()),
                    ..Default::default()
                });
                txn.insert(&self.route_tables, &record_key, table)?;
            }
        }
        Ok(())
    }

    pub(super) fn build_network_acl(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
        is_default: bool,
        tags: Option<Vec<Tag>>,
    ) -> Result<NetworkAcl, Ec2Error> {
        let id = self.new_id("acl");
        let acl = NetworkAcl {
            associations: Some(Vec::new()),
            entries: Some(initial_entries(is_default)),
            is_default: Some(is_default),
            network_acl_id: Some(id.clone()),
            tags,
            vpc_id: Some(vpc_id.to_string()),
            owner_id: Some(ctx.account_id.clone()),
        };
        txn.insert(&self.network_acls, &key(ctx, &id), acl.clone())?;
        Ok(acl)
    }

    pub(super) fn associate_with_default_acl(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
        subnet_id: &str,
    ) -> Result<(), Ec2Error> {
        let default = txn
            .scan_prefix(&self.network_acls, &ctx.scope())?
            .into_iter()
            .find(|(_, acl)| acl.vpc_id.as_deref() == Some(vpc_id) && acl.is_default == Some(true));
        if let Some((record_key, mut acl)) = default {
            acl.associations
                .get_or_insert_with(Vec::new)
                .push(NetworkAclAssociation {
                    network_acl_association_id: Some(self.new_id("aclassoc")),
                    network_acl_id: acl.network_acl_id.clone(),
                    subnet_id: Some(subnet_id.to_string()),
                });
            txn.insert(&self.network_acls, &record_key, acl)?;
        }
        Ok(())
    }

    /// A deleted subnet leaves its route table and ACL associations.
    pub(super) fn forget_subnet_associations(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        subnet_id: &str,
    ) -> Result<(), Ec2Error> {
        for (record_key, mut acl) in txn.scan_prefix(&self.network_acls, &ctx.scope())? {
            if let Some(associations) = acl.associations.as_mut() {
                let before = associations.len();
                associations.retain(|a| a.subnet_id.as_deref() != Some(subnet_id));
                if associations.len() != before {
                    txn.insert(&self.network_acls, &record_key, acl)?;
                }
            }
        }
        for (record_key, mut table) in txn.scan_prefix(&self.route_tables, &ctx.scope())? {
            if let Some(associations) = table.associations.as_mut() {
                let before = associations.len();
                associations.retain(|a| a.subnet_id.as_deref() != Some(subnet_id));
                if associations.len() != before {
                    txn.insert(&self.route_tables, &record_key, table)?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn create_route_table(
        &self,
        ctx: &Ctx,
        input: CreateRouteTableRequest,
    ) -> Result<CreateRouteTableResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let vpc = self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let id = self.new_id("rtb");
        let routes = vpc
            .vpc
            .cidr_block_association_set
            .iter()
            .flatten()
            .filter_map(|b| b.cidr_block.as_deref())
            .map(|cidr| local_route(cidr, "CreateRouteTable"))
            .collect();
        let table = RouteTable {
            associations: Some(Vec::new()),
            propagating_vgws: Some(Vec::new()),
            route_table_id: Some(id.clone()),
            routes: Some(routes),
            tags: tags_for(input.tag_specifications.as_deref(), "route-table")?,
            vpc_id: Some(input.vpc_id),
            owner_id: Some(ctx.account_id.clone()),
        };
        self.route_tables.insert(&key(ctx, &id), table.clone())?;
        Ok(CreateRouteTableResult {
            route_table: Some(table),
            client_token: input.client_token,
        })
    }

    pub(super) async fn describe_route_tables(
        &self,
        ctx: &Ctx,
        input: DescribeRouteTablesRequest,
    ) -> Result<DescribeRouteTablesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (tables, next_token) = self.describe(
            &self.route_tables,
            ctx,
            Query {
                ids: input.route_table_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeRouteTablesResult {
            route_tables: Some(tables),
            next_token,
        })
    }

    pub(super) async fn delete_route_table(
        &self,
        ctx: &Ctx,
        input: DeleteRouteTableRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let table = self.find(&self.route_tables, ctx, &input.route_table_id)?;
        if table.associations.iter().flatten().next().is_some() {
            return Err(Ec2Error::dependency("routeTable", &input.route_table_id));
        }
        self.route_tables.remove(&key(ctx, &input.route_table_id))?;
        Ok(())
    }

    pub(super) async fn associate_route_table(
        &self,
        ctx: &Ctx,
        input: AssociateRouteTableRequest,
    ) -> Result<AssociateRouteTableResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let table_id = input.route_table_id;
        let table = self.find(&self.route_tables, ctx, &table_id)?;
        match (&input.subnet_id, &input.gateway_id) {
            (Some(subnet_id), None) => {
                let subnet = self.find(&self.subnets, ctx, subnet_id)?;
                if subnet.vpc_id != table.vpc_id {
                    return Err(Ec2Error::invalid_value(format!(
                        "Route table {table_id} and subnet {subnet_id} belong to different networks."
                    )));
                }
            }
            (None, Some(gateway_id)) => {
                self.find(&self.internet_gateways, ctx, gateway_id)?;
            }
            _ => {
                return Err(Ec2Error::missing_parameter("subnetId or gatewayId"));
            }
        }
        let association_id = self.new_id("rtbassoc");
        self.kit.store().transaction(|txn| {
            let taken = txn
                .scan_prefix(&self.route_tables, &ctx.scope())?
                .into_iter()
                .any(|(_, other)| {
                    other.associations.iter().flatten().any(|a| {
                        (input.subnet_id.is_some() && a.subnet_id == input.subnet_id)
                            || (input.gateway_id.is_some() && a.gateway_id == input.gateway_id)
                    })
                });
            if taken {
                return Err(Ec2Error::new(
                    "Resource.AlreadyAssociated",
                    format!(
                        "the specified association for route table {table_id} conflicts with an existing association"
                    ),
                ));
            }
            txn.update(&self.route_tables, &key(ctx, &table_id), |table| {
                table
                    .associations
                    .get_or_insert_with(Vec::new)
                    .push(RouteTableAssociation {
                        main: Some(false),
                        route_table_association_id: Some(association_id.clone()),
                        route_table_id: Some(table_id.clone()),
                        subnet_id: input.subnet_id.clone(),
                        gateway_id: input.gateway_id.clone(),
                        association_state: associated(),
                        ..Default::default()
                    });
            })?;
            Ok(())
        })?;
        Ok(AssociateRouteTableResult {
            association_id: Some(association_id),
            association_state: associated(),
        })
    }

    /// The table holding association `association_id`, or EC2's not-found error.
    fn table_with_association(
        &self,
        ctx: &Ctx,
        association_id: &str,
    ) -> Result<(String, RouteTable), Ec2Error> {
        self.route_tables
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, table)| {
                table
                    .associations
                    .iter()
                    .flatten()
                    .any(|a| a.route_table_association_id.as_deref() == Some(association_id))
            })
            .ok_or_else(|| {
                Ec2Error::new(
                    "InvalidAssociationID.NotFound",
                    format!("The association ID '{association_id}' does not exist"),
                )
            })
    }

    pub(super) async fn disassociate_route_table(
        &self,
        ctx: &Ctx,
        input: DisassociateRouteTableRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let association_id = input.association_id;
        let (record_key, table) = self.table_with_association(ctx, &association_id)?;
        let main = table.associations.iter().flatten().any(|a| {
            a.route_table_association_id.as_deref() == Some(association_id.as_str())
                && a.main == Some(true)
        });
        if main {
            return Err(Ec2Error::invalid_value(format!(
                "cannot disassociate the main route table association {association_id}"
            )));
        }
        self.route_tables.update(&record_key, |table| {
            if let Some(associations) = table.associations.as_mut() {
                associations.retain(|a| {
                    a.route_table_association_id.as_deref() != Some(association_id.as_str())
                });
            }
        })?;
        Ok(())
    }

    pub(super) async fn replace_route_table_association(
        &self,
        ctx: &Ctx,
        input: ReplaceRouteTableAssociationRequest,
    ) -> Result<ReplaceRouteTableAssociationResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let association_id = input.association_id;
        let (old_key, old_table) = self.table_with_association(ctx, &association_id)?;
        let new_table = self.find(&self.route_tables, ctx, &input.route_table_id)?;
        if new_table.vpc_id != old_table.vpc_id {
            return Err(Ec2Error::invalid_value(format!(
                "Route table {} belongs to a different network.",
                input.route_table_id
            )));
        }
        let mut moved = old_table
            .associations
            .iter()
            .flatten()
            .find(|a| a.route_table_association_id.as_deref() == Some(association_id.as_str()))
            .cloned()
            .unwrap_or_default();
        let new_id = self.new_id("rtbassoc");
        moved.route_table_association_id = Some(new_id.clone());
        moved.route_table_id = Some(input.route_table_id.clone());
        self.kit.store().transaction(|txn| {
            txn.update(&self.route_tables, &old_key, |table| {
                if let Some(associations) = table.associations.as_mut() {
                    associations.retain(|a| {
                        a.route_table_association_id.as_deref() != Some(association_id.as_str())
                    });
                }
            })?;
            txn.update(
                &self.route_tables,
                &key(ctx, &input.route_table_id),
                |table| {
                    table.associations.get_or_insert_with(Vec::new).push(moved);
                },
            )?;
            Ok::<_, Ec2Error>(())
        })?;
        Ok(ReplaceRouteTableAssociationResult {
            new_association_id: Some(new_id),
            association_state: associated(),
        })
    }

    /// The route a request describes: destination and one target, each target checked.
    #[allow(clippy::too_many_arguments)]
    fn route_from(
        &self,
        ctx: &Ctx,
        destination: &Option<String>,
        gateway_id: &Option<String>,
        nat_gateway_id: &Option<String>,
        egress_only_gateway_id: &Option<String>,
        network_interface_id: &Option<String>,
        others: &[&Option<String>],
    ) -> Result<Route, Ec2Error> {
        let Some(destination) = destination else {
            return Err(Ec2Error::missing_parameter("destinationCidrBlock"));
        };
        let block = Cidr::parse(destination).ok_or_else(|| {
            Ec2Error::invalid_value(format!(
                "Value ({destination}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block."
            ))
        })?;
        let mut route = Route {
            destination_cidr_block: Some(block.to_string()),
            origin: Some("CreateRoute".into()),
            state: Some("active".into()),
            ..Default::default()
        };
        if let Some(gateway_id) = gateway_id {
            if gateway_id.starts_with("igw-") {
                self.find(&self.internet_gateways, ctx, gateway_id)?;
            } else if gateway_id.starts_with("vpce-") {
                self.find(&self.endpoints, ctx, gateway_id)?;
            } else if gateway_id != "local" {
                return Err(Ec2Error::new(
                    "InvalidGatewayID.NotFound",
                    format!("The gateway ID '{gateway_id}' does not exist"),
                ));
            }
            route.gateway_id = Some(gateway_id.clone());
        } else if let Some(nat_id) = nat_gateway_id {
            self.find(&self.nat_gateways, ctx, nat_id)?;
            route.nat_gateway_id = Some(nat_id.clone());
        } else if let Some(eigw) = egress_only_gateway_id {
            self.find(&self.egress_only_gateways, ctx, eigw)?;
            route.egress_only_internet_gateway_id = Some(eigw.clone());
        } else if let Some(eni) = network_interface_id {
            self.find(&self.interfaces, ctx, eni)?;
            route.network_interface_id = Some(eni.clone());
        } else if others.iter().any(|other| other.is_some()) {
            // Transit gateways, peering connections, instances and the like are not simulated:
            // EC2 answers a target it cannot find.
            return Err(Ec2Error::new(
                "InvalidParameterValue",
                "The route target does not exist.",
            ));
        } else {
            return Err(Ec2Error::missing_parameter("target"));
        }
        Ok(route)
    }

    pub(super) async fn create_route(
        &self,
        ctx: &Ctx,
        input: CreateRouteRequest,
    ) -> Result<CreateRouteResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.route_tables, ctx, &input.route_table_id)?;
        let route = self.route_from(
            ctx,
            &input.destination_cidr_block,
            &input.gateway_id,
            &input.nat_gateway_id,
            &input.egress_only_internet_gateway_id,
            &input.network_interface_id,
            &[
                &input.transit_gateway_id,
                &input.vpc_peering_connection_id,
                &input.instance_id,
                &input.local_gateway_id,
                &input.carrier_gateway_id,
                &input.vpc_endpoint_id,
                &input.core_network_arn,
            ],
        )?;
        let destination = route.destination_cidr_block.clone().unwrap_or_default();
        self.route_tables
            .modify(&key(ctx, &input.route_table_id), |slot| {
                let Some(table) = slot.as_mut() else {
                    return Ok(());
                };
                let routes = table.routes.get_or_insert_with(Vec::new);
                if routes
                    .iter()
                    .any(|r| r.destination_cidr_block.as_deref() == Some(destination.as_str()))
                {
                    return Err(Ec2Error::new(
                        "RouteAlreadyExists",
                        format!("The route identified by {destination} already exists."),
                    ));
                }
                routes.push(route);
                Ok(())
            })?;
        Ok(CreateRouteResult {
            r#return: Some(true),
        })
    }

    pub(super) async fn replace_route(
        &self,
        ctx: &Ctx,
        input: ReplaceRouteRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.route_tables, ctx, &input.route_table_id)?;
        let route = self.route_from(
            ctx,
            &input.destination_cidr_block,
            &input.gateway_id,
            &input.nat_gateway_id,
            &input.egress_only_internet_gateway_id,
            &input.network_interface_id,
            &[
                &input.transit_gateway_id,
                &input.vpc_peering_connection_id,
                &input.instance_id,
                &input.local_gateway_id,
                &input.carrier_gateway_id,
                &input.vpc_endpoint_id,
                &input.core_network_arn,
            ],
        )?;
        let destination = route.destination_cidr_block.clone().unwrap_or_default();
        let table_id = input.route_table_id;
        self.route_tables.modify(&key(ctx, &table_id), |slot| {
            let Some(table) = slot.as_mut() else {
                return Ok(());
            };
            let existing = table
                .routes
                .iter_mut()
                .flatten()
                .find(|r| r.destination_cidr_block.as_deref() == Some(destination.as_str()));
            match existing {
                Some(existing) => {
                    let mut route = route;
                    route.origin = Some("CreateRoute".into());
                    *existing = route;
                    Ok(())
                }
                None => Err(no_route(&destination, &table_id)),
            }
        })
    }

    pub(super) async fn delete_route(
        &self,
        ctx: &Ctx,
        input: DeleteRouteRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.route_tables, ctx, &input.route_table_id)?;
        let Some(destination) = input.destination_cidr_block else {
            return Err(Ec2Error::missing_parameter("destinationCidrBlock"));
        };
        let table_id = input.route_table_id;
        self.route_tables.modify(&key(ctx, &table_id), |slot| {
            let Some(table) = slot.as_mut() else {
                return Ok(());
            };
            let routes = table.routes.get_or_insert_with(Vec::new);
            let position = routes
                .iter()
                .position(|r| r.destination_cidr_block.as_deref() == Some(destination.as_str()))
                .ok_or_else(|| no_route(&destination, &table_id))?;
            if routes[position].gateway_id.as_deref() == Some("local") {
                return Err(Ec2Error::invalid_value(format!(
                    "cannot remove local route {destination} in route table {table_id}"
                )));
            }
            routes.remove(position);
            Ok(())
        })
    }

    pub(super) async fn create_network_acl(
        &self,
        ctx: &Ctx,
        input: CreateNetworkAclRequest,
    ) -> Result<CreateNetworkAclResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.find(&self.vpcs, ctx, &input.vpc_id)?;
        let tags = tags_for(input.tag_specifications.as_deref(), "network-acl")?;
        let acl = self
            .kit
            .store()
            .transaction(|txn| self.build_network_acl(txn, ctx, &input.vpc_id, false, tags))?;
        Ok(CreateNetworkAclResult {
            network_acl: Some(acl),
            client_token: input.client_token,
        })
    }

    pub(super) async fn describe_network_acls(
        &self,
        ctx: &Ctx,
        input: DescribeNetworkAclsRequest,
    ) -> Result<DescribeNetworkAclsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (acls, next_token) = self.describe(
            &self.network_acls,
            ctx,
            Query {
                ids: input.network_acl_ids.as_deref(),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeNetworkAclsResult {
            network_acls: Some(acls),
            next_token,
        })
    }

    pub(super) async fn delete_network_acl(
        &self,
        ctx: &Ctx,
        input: DeleteNetworkAclRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let id = input.network_acl_id;
        let acl = self.find(&self.network_acls, ctx, &id)?;
        if acl.is_default == Some(true) {
            return Err(Ec2Error::invalid_value(format!(
                "cannot delete default network ACL {id}"
            )));
        }
        if acl.associations.iter().flatten().next().is_some() {
            return Err(Ec2Error::dependency("networkAcl", &id));
        }
        self.network_acls.remove(&key(ctx, &id))?;
        Ok(())
    }

    /// Adds (`replace` false) or replaces an ACL entry.
    fn put_acl_entry(
        &self,
        ctx: &Ctx,
        acl_id: &str,
        entry: NetworkAclEntry,
        replace: bool,
    ) -> Result<(), Ec2Error> {
        self.find(&self.network_acls, ctx, acl_id)?;
        let number = entry.rule_number.unwrap_or_default();
        if !(1..=32766).contains(&number) {
            return Err(Ec2Error::invalid_value(format!(
                "Value ({number}) for parameter ruleNumber is invalid. Rule number must be between 1 and 32766."
            )));
        }
        if let Some(cidr) = &entry.cidr_block {
            Cidr::parse(cidr).ok_or_else(|| bad_cidr(cidr))?;
        } else if entry.ipv6_cidr_block.is_none() {
            return Err(Ec2Error::missing_parameter("cidrBlock or ipv6CidrBlock"));
        }
        self.network_acls.modify(&key(ctx, acl_id), |slot| {
            let Some(acl) = slot.as_mut() else {
                return Ok(());
            };
            let entries = acl.entries.get_or_insert_with(Vec::new);
            let existing = entries
                .iter()
                .position(|e| e.rule_number == entry.rule_number && e.egress == entry.egress);
            match (existing, replace) {
                (Some(_), false) => Err(Ec2Error::new(
                    "NetworkAclEntryAlreadyExists",
                    format!("The network acl entry identified by {number} already exists."),
                )),
                (None, true) => Err(no_acl_entry(acl_id, number, entry.egress)),
                (Some(position), true) => {
                    entries[position] = entry;
                    Ok(())
                }
                (None, false) => {
                    entries.push(entry);
                    entries.sort_by_key(|e| (e.egress != Some(true), e.rule_number));
                    Ok(())
                }
            }
        })
    }

    pub(super) async fn create_network_acl_entry(
        &self,
        ctx: &Ctx,
        input: CreateNetworkAclEntryRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let entry = NetworkAclEntry {
            cidr_block: input.cidr_block,
            egress: Some(input.egress),
            icmp_type_code: input.icmp_type_code,
            ipv6_cidr_block: input.ipv6_cidr_block,
            port_range: input.port_range,
            protocol: Some(input.protocol),
            rule_action: Some(input.rule_action),
            rule_number: Some(input.rule_number),
        };
        self.put_acl_entry(ctx, &input.network_acl_id, entry, false)
    }

    pub(super) async fn replace_network_acl_entry(
        &self,
        ctx: &Ctx,
        input: ReplaceNetworkAclEntryRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let entry = NetworkAclEntry {
            cidr_block: input.cidr_block,
            egress: Some(input.egress),
            icmp_type_code: input.icmp_type_code,
            ipv6_cidr_block: input.ipv6_cidr_block,
            port_range: input.port_range,
            protocol: Some(input.protocol),
            rule_action: Some(input.rule_action),
            rule_number: Some(input.rule_number),
        };
        self.put_acl_entry(ctx, &input.network_acl_id, entry, true)
    }

    pub(super) async fn delete_network_acl_entry(
        &self,
        ctx: &Ctx,
        input: DeleteNetworkAclEntryRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let acl_id = input.network_acl_id;
        self.find(&self.network_acls, ctx, &acl_id)?;
        self.network_acls.modify(&key(ctx, &acl_id), |slot| {
            let Some(acl) = slot.as_mut() else {
                return Ok(());
            };
            let entries = acl.entries.get_or_insert_with(Vec::new);
            let before = entries.len();
            entries.retain(|e| {
                !(e.rule_number == Some(input.rule_number) && e.egress == Some(input.egress))
                    || input.rule_number == 32767
            });
            if entries.len() == before {
                return Err(no_acl_entry(&acl_id, input.rule_number, Some(input.egress)));
            }
            Ok(())
        })
    }

    pub(super) async fn replace_network_acl_association(
        &self,
        ctx: &Ctx,
        input: ReplaceNetworkAclAssociationRequest,
    ) -> Result<ReplaceNetworkAclAssociationResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let association_id = input.association_id;
        let new_acl = self.find(&self.network_acls, ctx, &input.network_acl_id)?;
        let holder = self
            .network_acls
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, acl)| {
                acl.associations.iter().flatten().any(|a| {
                    a.network_acl_association_id.as_deref() == Some(association_id.as_str())
                })
            });
        let Some((old_key, old_acl)) = holder else {
            return Err(Ec2Error::new(
                "InvalidAssociationID.NotFound",
                format!("The association ID '{association_id}' does not exist"),
            ));
        };
        if old_acl.vpc_id != new_acl.vpc_id {
            return Err(Ec2Error::invalid_value(format!(
                "Network ACL {} belongs to a different network.",
                input.network_acl_id
            )));
        }
        let subnet_id = old_acl
            .associations
            .iter()
            .flatten()
            .find(|a| a.network_acl_association_id.as_deref() == Some(association_id.as_str()))
            .and_then(|a| a.subnet_id.clone());
        let new_id = self.new_id("aclassoc");
        self.kit.store().transaction(|txn| {
            txn.update(&self.network_acls, &old_key, |acl| {
                if let Some(associations) = acl.associations.as_mut() {
                    associations.retain(|a| {
                        a.network_acl_association_id.as_deref() != Some(association_id.as_str())
                    });
                }
            })?;
            txn.update(
                &self.network_acls,
                &key(ctx, &input.network_acl_id),
                |acl| {
                    acl.associations
                        .get_or_insert_with(Vec::new)
                        .push(NetworkAclAssociation {
                            network_acl_association_id: Some(new_id.clone()),
                            network_acl_id: Some(input.network_acl_id.clone()),
                            subnet_id,
                        });
                },
            )?;
            Ok::<_, Ec2Error>(())
        })?;
        Ok(ReplaceNetworkAclAssociationResult {
            new_association_id: Some(new_id),
        })
    }
}

fn local_route(cidr: &str, origin: &str) -> Route {
    Route {
        destination_cidr_block: Some(cidr.to_string()),
        gateway_id: Some("local".into()),
        origin: Some(origin.into()),
        state: Some("active".into()),
        ..Default::default()
    }
}

fn no_route(destination: &str, table_id: &str) -> Ec2Error {
    Ec2Error::new(
        "InvalidRoute.NotFound",
        format!("no route with destination-cidr-block {destination} in route table {table_id}"),
    )
}

fn no_acl_entry(acl_id: &str, number: i32, egress: Option<bool>) -> Ec2Error {
    let direction = if egress == Some(true) {
        "egress"
    } else {
        "ingress"
    };
    Ec2Error::new(
        "InvalidNetworkAclEntry.NotFound",
        format!(
            "The specified rule does not exist in this network acl: rule number {number}, {direction}, acl {acl_id}"
        ),
    )
}
