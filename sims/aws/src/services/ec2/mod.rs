//! Amazon EC2's networking: VPCs and their attributes and CIDR associations, subnets, internet,
//! egress-only and NAT gateways, elastic IPs, route tables, network ACLs, DHCP options, VPC
//! endpoints, security groups and their rules, network interfaces, tags, and the facts of a
//! region (availability zones, regions, account attributes). Every account has a default VPC
//! in each region, made on its first EC2 call there, as AWS accounts come with one.
//!
//! Handlers take and return the generated shapes of `sim_aws_shapes::ec2`; records are those
//! shapes (wrapped where EC2 keeps state a shape does not show), keyed `account/region/id`.
//!
//! | module | holds |
//! |---|---|
//! | `api` | the `impl Api` table: one delegating line per operation |
//! | `resources` | what every resource shares: lookup, Describe with filters and paging, tags |
//! | `cidr` | IPv4 CIDR arithmetic |
//! | `region` | availability zones, regions, account attributes, the default VPC |
//! | `vpcs` | VPCs, their attributes and CIDR associations, DHCP options |
//! | `subnets` | subnets |
//! | `gateways` | internet, egress-only and NAT gateways, elastic IPs |
//! | `routing` | route tables, routes, associations, network ACLs |
//! | `security_groups` | security groups and their rules |
//! | `interfaces` | network interfaces (ECS's awsvpc tasks get theirs here) |
//! | `endpoints` | VPC endpoints and prefix lists |
//! | `tags` | CreateTags, DeleteTags, DescribeTags |
//!
//! Limits (stated openly): nothing routes packets; gateways, routes and ACLs are configuration
//! that reads back as written. IPv6 blocks are not handed out (Amazon-provided IPv6 pools and
//! IPAM answer EC2's errors for a missing pool). `DryRun` answers `DryRunOperation` as EC2 does
//! for a caller allowed to act.

mod api;
mod cidr;
mod endpoints;
mod gateways;
mod interfaces;
mod region;
mod resources;
mod routing;
mod security_groups;
mod subnets;
mod tags;
mod vpcs;

use std::sync::Arc;

use sim_aws_shapes::ec2::{
    Address, DhcpOptions, EgressOnlyInternetGateway, InternetGateway, NatGateway, NetworkAcl,
    NetworkInterface, RouteTable, Subnet, VpcEndpoint,
};
use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

pub use interfaces::ManagedInterface;
pub use region::zone_id;
pub use security_groups::SecurityGroupRecord;
pub use vpcs::VpcRecord;

/// An EC2 error. EC2's model declares no error shapes: its codes (`InvalidVpcID.NotFound`,
/// `DependencyViolation`, ...) are documented as a list, so the variant carries the code.
#[derive(Debug, thiserror::Error)]
pub enum Ec2Error {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{code}: {message}")]
    Client { code: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Ec2Error {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Ec2Error::Client {
            code: code.into(),
            message: message.into(),
        }
    }

    /// `InvalidParameterValue`, EC2's answer for a value it refuses.
    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterValue", message)
    }

    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        )
    }

    /// `DependencyViolation` for a resource that others still use.
    pub fn dependency(kind: &str, id: &str) -> Self {
        Self::new(
            "DependencyViolation",
            format!("The {kind} '{id}' has dependencies and cannot be deleted."),
        )
    }
}

impl From<Ec2Error> for AwsError {
    fn from(error: Ec2Error) -> Self {
        match error {
            Ec2Error::Unimplemented(unimplemented) => unimplemented.into(),
            Ec2Error::Store(_) => AwsError::internal(),
            Ec2Error::Client { code, message } => AwsError::with_status(code, 400, message),
        }
    }
}

/// EC2's state: one collection per resource type.
pub struct Ec2 {
    kit: Kit,
    vpcs: Arc<Collection<VpcRecord>>,
    subnets: Arc<Collection<Subnet>>,
    security_groups: Arc<Collection<SecurityGroupRecord>>,
    internet_gateways: Arc<Collection<InternetGateway>>,
    egress_only_gateways: Arc<Collection<EgressOnlyInternetGateway>>,
    nat_gateways: Arc<Collection<NatGateway>>,
    addresses: Arc<Collection<Address>>,
    route_tables: Arc<Collection<RouteTable>>,
    network_acls: Arc<Collection<NetworkAcl>>,
    dhcp_options: Arc<Collection<DhcpOptions>>,
    endpoints: Arc<Collection<VpcEndpoint>>,
    interfaces: Arc<Collection<NetworkInterface>>,
    /// Per `account/region/`: the default VPC made there (kept after it is deleted, so it is
    /// made once, as an account's is).
    defaults: Arc<Collection<String>>,
}

impl Ec2 {
    pub fn new(kit: Kit) -> Result<Arc<Self>, StoreError> {
        let store = kit.store().clone();
        Ok(Arc::new(Self {
            vpcs: store.collection("ec2.vpcs")?,
            subnets: store.collection("ec2.subnets")?,
            security_groups: store.collection("ec2.security-groups")?,
            internet_gateways: store.collection("ec2.internet-gateways")?,
            egress_only_gateways: store.collection("ec2.egress-only-internet-gateways")?,
            nat_gateways: store.collection("ec2.nat-gateways")?,
            addresses: store.collection("ec2.addresses")?,
            route_tables: store.collection("ec2.route-tables")?,
            network_acls: store.collection("ec2.network-acls")?,
            dhcp_options: store.collection("ec2.dhcp-options")?,
            endpoints: store.collection("ec2.vpc-endpoints")?,
            interfaces: store.collection("ec2.network-interfaces")?,
            defaults: store.collection("ec2.default-vpcs")?,
            kit,
        }))
    }

    /// A new ID in EC2's format: `prefix-` and 17 hexadecimal digits.
    fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.kit.ids().hex(17))
    }

    fn timestamp(&self) -> sim_aws_shapes::normal::Timestamp {
        sim_aws_shapes::normal::Timestamp::from_millis(self.kit.clock().now_millis())
    }
}

/// The key of a record: `account/region/id`.
fn key(ctx: &Ctx, id: &str) -> String {
    format!("{}{id}", ctx.scope())
}

/// EC2's answer to `DryRun=true` from a caller allowed to act.
fn dry_run(flag: Option<bool>) -> Result<(), Ec2Error> {
    if flag == Some(true) {
        return Err(Ec2Error::new(
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Service for Ec2 {
    fn model(&self) -> &'static Model {
        model::ec2()
    }

    fn validation(&self) -> Validation {
        Validation::standard("InvalidParameterValue")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        self.ensure_default_vpc(ctx).map_err(AwsError::from)?;
        super::dispatched(
            "ec2",
            operation,
            sim_aws_shapes::ec2::dispatch(self, ctx, operation, input).await,
        )
    }
}
