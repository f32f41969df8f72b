//! The facts of a region: its availability zones (AWS's names and zone IDs for the common
//! regions), the regions, the account's attributes, and the default VPC every account has in
//! every region (172.31.0.0/16, a /20 default subnet per zone, an attached internet gateway
//! with the 0.0.0.0/0 route, the default ACL and security group), made on first EC2 use.

use sim_aws_shapes::ec2::{
    AccountAttribute, AccountAttributeValue, AvailabilityZone, CreateDefaultSubnetRequest,
    CreateDefaultSubnetResult, CreateDefaultVpcRequest, CreateDefaultVpcResult,
    DescribeAccountAttributesRequest, DescribeAccountAttributesResult,
    DescribeAvailabilityZonesRequest, DescribeAvailabilityZonesResult, DescribeRegionsRequest,
    DescribeRegionsResult, Filter, Region,
};

use super::resources::glob;
use super::{Ctx, Ec2, Ec2Error, dry_run};

/// The default VPC's block, and the size of its subnets.
pub(super) const DEFAULT_VPC_CIDR: &str = "172.31.0.0/16";

/// The regions EC2 answers, with their zones' ID prefix and the zone letters → zone numbers
/// AWS shows most accounts (zone IDs are per account in AWS; these are the common mapping).
/// A region: its name, its zone IDs' prefix, and its zone letters with their zone numbers.
type RegionZones = (&'static str, &'static str, &'static [(char, u8)]);

const REGIONS: &[RegionZones] = &[
    (
        "us-east-1",
        "use1",
        &[('a', 6), ('b', 1), ('c', 2), ('d', 4), ('e', 3), ('f', 5)],
    ),
    ("us-east-2", "use2", &[('a', 1), ('b', 2), ('c', 3)]),
    ("us-west-1", "usw1", &[('a', 1), ('b', 3)]),
    (
        "us-west-2",
        "usw2",
        &[('a', 2), ('b', 1), ('c', 3), ('d', 4)],
    ),
    ("ca-central-1", "cac1", &[('a', 1), ('b', 2), ('d', 4)]),
    ("eu-west-1", "euw1", &[('a', 3), ('b', 1), ('c', 2)]),
    ("eu-west-2", "euw2", &[('a', 2), ('b', 3), ('c', 1)]),
    ("eu-west-3", "euw3", &[('a', 1), ('b', 2), ('c', 3)]),
    ("eu-central-1", "euc1", &[('a', 2), ('b', 3), ('c', 1)]),
    ("eu-north-1", "eun1", &[('a', 1), ('b', 2), ('c', 3)]),
    ("ap-northeast-1", "apne1", &[('a', 4), ('c', 1), ('d', 2)]),
    (
        "ap-northeast-2",
        "apne2",
        &[('a', 1), ('b', 2), ('c', 3), ('d', 4)],
    ),
    ("ap-northeast-3", "apne3", &[('a', 3), ('b', 1), ('c', 2)]),
    ("ap-southeast-1", "apse1", &[('a', 2), ('b', 1), ('c', 3)]),
    ("ap-southeast-2", "apse2", &[('a', 2), ('b', 1), ('c', 3)]),
    ("ap-south-1", "aps1", &[('a', 1), ('b', 3), ('c', 2)]),
    ("sa-east-1", "sae1", &[('a', 1), ('b', 2), ('c', 3)]),
];

/// A region's zones: (zone name, zone ID). A region not in the table gets zones a to c.
pub(super) fn zones(region: &str) -> Vec<(String, String)> {
    match REGIONS.iter().find(|(name, _, _)| *name == region) {
        Some((_, prefix, letters)) => letters
            .iter()
            .map(|(letter, number)| (format!("{region}{letter}"), format!("{prefix}-az{number}")))
            .collect(),
        None => ['a', 'b', 'c']
            .iter()
            .enumerate()
            .map(|(index, letter)| {
                (
                    format!("{region}{letter}"),
                    format!("{region}-az{}", index + 1),
                )
            })
            .collect(),
    }
}

/// The ID of zone `name` in `region` (other services name zones too).
pub fn zone_id(region: &str, name: &str) -> Option<String> {
    zones(region)
        .into_iter()
        .find(|(zone_name, _)| zone_name == name)
        .map(|(_, id)| id)
}

/// The zone named by name or by ID, as (name, ID).
pub(super) fn zone(
    region: &str,
    name: Option<&str>,
    id: Option<&str>,
) -> Result<(String, String), Ec2Error> {
    let zones = zones(region);
    let found = zones.iter().find(|(zone_name, zone_id)| {
        name.is_some_and(|name| name == zone_name) || id.is_some_and(|id| id == zone_id)
    });
    match (found, name, id) {
        (Some(found), _, _) => Ok(found.clone()),
        (None, None, None) => Ok(zones[0].clone()),
        (None, Some(name), _) => Err(Ec2Error::invalid_value(format!(
            "Value ({name}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
            zones
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        (None, None, Some(id)) => Err(Ec2Error::invalid_value(format!(
            "Value ({id}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zones: {}.",
            zones
                .iter()
                .map(|(_, i)| i.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn filter_passes(
    filters: &[Filter],
    values_of: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<bool, Ec2Error> {
    for filter in filters {
        let name = filter.name.as_deref().unwrap_or_default();
        let Some(have) = values_of(name) else {
            return Err(Ec2Error::invalid_value(format!(
                "The filter '{name}' is invalid"
            )));
        };
        let wanted = filter.values.as_deref().unwrap_or_default();
        if !wanted.iter().any(|p| have.iter().any(|v| glob(p, v))) {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Ec2 {
    pub(super) async fn describe_availability_zones(
        &self,
        ctx: &Ctx,
        input: DescribeAvailabilityZonesRequest,
    ) -> Result<DescribeAvailabilityZonesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let names = input.zone_names.unwrap_or_default();
        let ids = input.zone_ids.unwrap_or_default();
        let zones = zones(&ctx.region);
        for name in &names {
            if !zones.iter().any(|(n, _)| n == name) {
                return Err(Ec2Error::invalid_value(format!(
                    "The zone '{name}' does not exist."
                )));
            }
        }
        for id in &ids {
            if !zones.iter().any(|(_, i)| i == id) {
                return Err(Ec2Error::invalid_value(format!(
                    "The zone id '{id}' does not exist."
                )));
            }
        }
        let filters = input.filters.unwrap_or_default();
        let mut answer = Vec::new();
        for (name, id) in zones {
            if (!names.is_empty() || !ids.is_empty())
                && !names.contains(&name)
                && !ids.contains(&id)
            {
                continue;
            }
            let zone = AvailabilityZone {
                state: Some("available".into()),
                opt_in_status: Some("opt-in-not-required".into()),
                messages: Some(Vec::new()),
                region_name: Some(ctx.region.clone()),
                zone_name: Some(name.clone()),
                zone_id: Some(id.clone()),
                group_name: Some(ctx.region.clone()),
                network_border_group: Some(ctx.region.clone()),
                zone_type: Some("availability-zone".into()),
                group_long_name: None,
                ..Default::default()
            };
            let passes = filter_passes(&filters, |filter| match filter {
                "zone-name" => Some(vec![name.clone()]),
                "zone-id" => Some(vec![id.clone()]),
                "region-name" => Some(vec![ctx.region.clone()]),
                "state" => Some(vec!["available".into()]),
                "opt-in-status" => Some(vec!["opt-in-not-required".into()]),
                "group-name" | "network-border-group" => Some(vec![ctx.region.clone()]),
                "zone-type" => Some(vec!["availability-zone".into()]),
                "message" => Some(Vec::new()),
                _ => None,
            })?;
            if passes {
                answer.push(zone);
            }
        }
        Ok(DescribeAvailabilityZonesResult {
            availability_zones: Some(answer),
        })
    }

    pub(super) async fn describe_regions(
        &self,
        _ctx: &Ctx,
        input: DescribeRegionsRequest,
    ) -> Result<DescribeRegionsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let names = input.region_names.unwrap_or_default();
        for name in &names {
            if !REGIONS.iter().any(|(region, _, _)| region == name) {
                return Err(Ec2Error::new(
                    "InvalidParameterValue",
                    format!("Invalid region: {name}"),
                ));
            }
        }
        let filters = input.filters.unwrap_or_default();
        let mut regions = Vec::new();
        for (name, _, _) in REGIONS {
            if !names.is_empty() && !names.iter().any(|n| n == name) {
                continue;
            }
            let endpoint = format!("ec2.{name}.amazonaws.com");
            let passes = filter_passes(&filters, |filter| match filter {
                "region-name" => Some(vec![name.to_string()]),
                "endpoint" => Some(vec![endpoint.clone()]),
                "opt-in-status" => Some(vec!["opt-in-not-required".into()]),
                _ => None,
            })?;
            if passes {
                regions.push(Region {
                    region_name: Some(name.to_string()),
                    endpoint: Some(endpoint),
                    opt_in_status: Some("opt-in-not-required".into()),
                    geography: None,
                });
            }
        }
        Ok(DescribeRegionsResult {
            regions: Some(regions),
        })
    }

    pub(super) async fn describe_account_attributes(
        &self,
        ctx: &Ctx,
        input: DescribeAccountAttributesRequest,
    ) -> Result<DescribeAccountAttributesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let default_vpc = self
            .default_vpc_id(ctx)
            .unwrap_or_else(|| "none".to_string());
        let all: Vec<(&str, Vec<String>)> = vec![
            ("supported-platforms", vec!["VPC".into()]),
            ("vpc-max-security-groups-per-interface", vec!["5".into()]),
            ("max-elastic-ips", vec!["5".into()]),
            ("max-instances", vec!["20".into()]),
            ("vpc-max-elastic-ips", vec!["5".into()]),
            ("default-vpc", vec![default_vpc]),
        ];
        let wanted = input.attribute_names.unwrap_or_default();
        for name in &wanted {
            if !all.iter().any(|(known, _)| known == name) {
                return Err(Ec2Error::invalid_value(format!(
                    "Value ({name}) for parameter attributeName is invalid. Unknown attribute."
                )));
            }
        }
        let attributes = all
            .into_iter()
            .filter(|(name, _)| wanted.is_empty() || wanted.iter().any(|w| w == name))
            .map(|(name, values)| AccountAttribute {
                attribute_name: Some(name.to_string()),
                attribute_values: Some(
                    values
                        .into_iter()
                        .map(|value| AccountAttributeValue {
                            attribute_value: Some(value),
                        })
                        .collect(),
                ),
            })
            .collect();
        Ok(DescribeAccountAttributesResult {
            account_attributes: Some(attributes),
        })
    }

    /// The default VPC of this account and region, if it still exists.
    pub(crate) fn default_vpc_id(&self, ctx: &Ctx) -> Option<String> {
        self.vpcs
            .scan_prefix(&ctx.scope())
            .into_iter()
            .find(|(_, record)| record.vpc.is_default == Some(true))
            .map(|(_, record)| record.vpc.vpc_id.unwrap_or_default())
    }

    /// Makes this account and region's default VPC the first time EC2 is used there.
    pub(crate) fn ensure_default_vpc(&self, ctx: &Ctx) -> Result<(), Ec2Error> {
        let scope = ctx.scope();
        if self.defaults.contains(&scope) {
            return Ok(());
        }
        self.kit.store().transaction(|txn| {
            if txn.contains(&self.defaults, &scope)? {
                return Ok::<_, Ec2Error>(());
            }
            let vpc_id = self.build_default_vpc(txn, ctx)?;
            txn.insert(&self.defaults, &scope, vpc_id)?;
            Ok(())
        })
    }

    pub(super) async fn create_default_vpc(
        &self,
        ctx: &Ctx,
        input: CreateDefaultVpcRequest,
    ) -> Result<CreateDefaultVpcResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let vpc_id = self.kit.store().transaction(|txn| {
            let existing = txn
                .scan_prefix(&self.vpcs, &ctx.scope())?
                .into_iter()
                .any(|(_, record)| record.vpc.is_default == Some(true));
            if existing {
                return Err(Ec2Error::new(
                    "DefaultVpcAlreadyExists",
                    "A Default VPC already exists for this account in this region.",
                ));
            }
            self.build_default_vpc(txn, ctx)
        })?;
        let record = self.find(&self.vpcs, ctx, &vpc_id)?;
        Ok(CreateDefaultVpcResult {
            vpc: Some(record.vpc),
        })
    }

    pub(super) async fn create_default_subnet(
        &self,
        ctx: &Ctx,
        input: CreateDefaultSubnetRequest,
    ) -> Result<CreateDefaultSubnetResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let (zone_name, zone_id) = zone(
            &ctx.region,
            input.availability_zone.as_deref(),
            input.availability_zone_id.as_deref(),
        )?;
        let Some(vpc_id) = self.default_vpc_id(ctx) else {
            return Err(Ec2Error::new(
                "DefaultVpcDoesNotExist",
                "No default VPC for this user",
            ));
        };
        let subnet = self.kit.store().transaction(|txn| {
            let taken = txn
                .scan_prefix(&self.subnets, &ctx.scope())?
                .into_iter()
                .filter(|(_, subnet)| subnet.vpc_id.as_deref() == Some(vpc_id.as_str()))
                .collect::<Vec<_>>();
            if taken.iter().any(|(_, s)| {
                s.default_for_az == Some(true)
                    && s.availability_zone.as_deref() == Some(zone_name.as_str())
            }) {
                return Err(Ec2Error::new(
                    "DefaultSubnetAlreadyExistsInAvailabilityZone",
                    format!("Default subnet already exists in availability zone {zone_name}."),
                ));
            }
            let cidr = (0..16u32)
                .map(|index| format!("172.31.{}.0/20", index * 16))
                .find(|candidate| {
                    let candidate = super::cidr::Cidr::parse(candidate);
                    !taken.iter().any(|(_, s)| {
                        s.cidr_block
                            .as_deref()
                            .and_then(super::cidr::Cidr::parse)
                            .zip(candidate)
                            .is_some_and(|(have, want)| have.overlaps(&want))
                    })
                })
                .ok_or_else(|| {
                    Ec2Error::new(
                        "InvalidSubnet.Conflict",
                        "The default VPC has no room for another default subnet.",
                    )
                })?;
            self.build_subnet(txn, ctx, &vpc_id, &cidr, (&zone_name, &zone_id), true, None)
        })?;
        Ok(CreateDefaultSubnetResult {
            subnet: Some(subnet),
        })
    }

    /// The default VPC and what comes with it, inside `txn`; returns its ID.
    fn build_default_vpc(
        &self,
        txn: &mut simkit::store::Txn<'_>,
        ctx: &Ctx,
    ) -> Result<String, Ec2Error> {
        let record = self.build_vpc(txn, ctx, DEFAULT_VPC_CIDR, true, None, None)?;
        let vpc_id = record.vpc.vpc_id.clone().unwrap_or_default();
        let gateway_id = self.build_attached_gateway(txn, ctx, &vpc_id)?;
        self.add_default_route(txn, ctx, &vpc_id, &gateway_id)?;
        for (index, (zone_name, zone_id)) in zones(&ctx.region).iter().enumerate() {
            let cidr = format!("172.31.{}.0/20", index * 16);
            self.build_subnet(txn, ctx, &vpc_id, &cidr, (zone_name, zone_id), true, None)?;
        }
        Ok(vpc_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_have_aws_names_and_ids() {
        let east = zones("us-east-1");
        assert_eq!(east.len(), 6);
        assert_eq!(east[0], ("us-east-1a".to_string(), "use1-az6".to_string()));
        assert_eq!(zones("xx-test-1")[2].0, "xx-test-1c");
        assert!(zone("us-east-1", Some("us-east-1z"), None).is_err());
        assert_eq!(
            zone("us-west-2", None, Some("usw2-az1")).unwrap().0,
            "us-west-2b"
        );
    }

    #[test]
    fn one_reads_an_option() {
        use super::super::resources::one;
        assert_eq!(one(&Some("x".to_string())), vec!["x".to_string()]);
        assert!(one(&None).is_empty());
    }
}
