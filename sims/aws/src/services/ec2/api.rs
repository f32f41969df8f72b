//! The `impl Api` table of EC2: one delegating line per operation, in alphabetical order.

use sim_aws_shapes::ec2::*;

use super::{Ctx, Ec2, Ec2Error};

#[async_trait::async_trait]
impl Api for Ec2 {
    type Ctx = Ctx;
    type Error = Ec2Error;

    async fn allocate_address(
        &self,
        ctx: &Ctx,
        input: AllocateAddressRequest,
    ) -> Result<AllocateAddressResult, Ec2Error> {
        Ec2::allocate_address(self, ctx, input).await
    }
    async fn assign_private_ip_addresses(
        &self,
        ctx: &Ctx,
        input: AssignPrivateIpAddressesRequest,
    ) -> Result<AssignPrivateIpAddressesResult, Ec2Error> {
        Ec2::assign_private_ip_addresses(self, ctx, input).await
    }
    async fn associate_address(
        &self,
        ctx: &Ctx,
        input: AssociateAddressRequest,
    ) -> Result<AssociateAddressResult, Ec2Error> {
        Ec2::associate_address(self, ctx, input).await
    }
    async fn associate_dhcp_options(
        &self,
        ctx: &Ctx,
        input: AssociateDhcpOptionsRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::associate_dhcp_options(self, ctx, input).await
    }
    async fn associate_route_table(
        &self,
        ctx: &Ctx,
        input: AssociateRouteTableRequest,
    ) -> Result<AssociateRouteTableResult, Ec2Error> {
        Ec2::associate_route_table(self, ctx, input).await
    }
    async fn associate_subnet_cidr_block(
        &self,
        ctx: &Ctx,
        input: AssociateSubnetCidrBlockRequest,
    ) -> Result<AssociateSubnetCidrBlockResult, Ec2Error> {
        Ec2::associate_subnet_cidr_block(self, ctx, input).await
    }
    async fn associate_vpc_cidr_block(
        &self,
        ctx: &Ctx,
        input: AssociateVpcCidrBlockRequest,
    ) -> Result<AssociateVpcCidrBlockResult, Ec2Error> {
        Ec2::associate_vpc_cidr_block(self, ctx, input).await
    }
    async fn attach_internet_gateway(
        &self,
        ctx: &Ctx,
        input: AttachInternetGatewayRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::attach_internet_gateway(self, ctx, input).await
    }
    async fn attach_network_interface(
        &self,
        ctx: &Ctx,
        input: AttachNetworkInterfaceRequest,
    ) -> Result<AttachNetworkInterfaceResult, Ec2Error> {
        Ec2::attach_network_interface(self, ctx, input).await
    }
    async fn authorize_security_group_egress(
        &self,
        ctx: &Ctx,
        input: AuthorizeSecurityGroupEgressRequest,
    ) -> Result<AuthorizeSecurityGroupEgressResult, Ec2Error> {
        Ec2::authorize_security_group_egress(self, ctx, input).await
    }
    async fn authorize_security_group_ingress(
        &self,
        ctx: &Ctx,
        input: AuthorizeSecurityGroupIngressRequest,
    ) -> Result<AuthorizeSecurityGroupIngressResult, Ec2Error> {
        Ec2::authorize_security_group_ingress(self, ctx, input).await
    }
    async fn create_default_subnet(
        &self,
        ctx: &Ctx,
        input: CreateDefaultSubnetRequest,
    ) -> Result<CreateDefaultSubnetResult, Ec2Error> {
        Ec2::create_default_subnet(self, ctx, input).await
    }
    async fn create_default_vpc(
        &self,
        ctx: &Ctx,
        input: CreateDefaultVpcRequest,
    ) -> Result<CreateDefaultVpcResult, Ec2Error> {
        Ec2::create_default_vpc(self, ctx, input).await
    }
    async fn create_dhcp_options(
        &self,
        ctx: &Ctx,
        input: CreateDhcpOptionsRequest,
    ) -> Result<CreateDhcpOptionsResult, Ec2Error> {
        Ec2::create_dhcp_options(self, ctx, input).await
    }
    async fn create_egress_only_internet_gateway(
        &self,
        ctx: &Ctx,
        input: CreateEgressOnlyInternetGatewayRequest,
    ) -> Result<CreateEgressOnlyInternetGatewayResult, Ec2Error> {
        Ec2::create_egress_only_internet_gateway(self, ctx, input).await
    }
    async fn create_internet_gateway(
        &self,
        ctx: &Ctx,
        input: CreateInternetGatewayRequest,
    ) -> Result<CreateInternetGatewayResult, Ec2Error> {
        Ec2::create_internet_gateway(self, ctx, input).await
    }
    async fn create_nat_gateway(
        &self,
        ctx: &Ctx,
        input: CreateNatGatewayRequest,
    ) -> Result<CreateNatGatewayResult, Ec2Error> {
        Ec2::create_nat_gateway(self, ctx, input).await
    }
    async fn create_network_acl(
        &self,
        ctx: &Ctx,
        input: CreateNetworkAclRequest,
    ) -> Result<CreateNetworkAclResult, Ec2Error> {
        Ec2::create_network_acl(self, ctx, input).await
    }
    async fn create_network_acl_entry(
        &self,
        ctx: &Ctx,
        input: CreateNetworkAclEntryRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::create_network_acl_entry(self, ctx, input).await
    }
    async fn create_network_interface(
        &self,
        ctx: &Ctx,
        input: CreateNetworkInterfaceRequest,
    ) -> Result<CreateNetworkInterfaceResult, Ec2Error> {
        Ec2::create_network_interface(self, ctx, input).await
    }
    async fn create_route(
        &self,
        ctx: &Ctx,
        input: CreateRouteRequest,
    ) -> Result<CreateRouteResult, Ec2Error> {
        Ec2::create_route(self, ctx, input).await
    }
    async fn create_route_table(
        &self,
        ctx: &Ctx,
        input: CreateRouteTableRequest,
    ) -> Result<CreateRouteTableResult, Ec2Error> {
        Ec2::create_route_table(self, ctx, input).await
    }
    async fn create_security_group(
        &self,
        ctx: &Ctx,
        input: CreateSecurityGroupRequest,
    ) -> Result<CreateSecurityGroupResult, Ec2Error> {
        Ec2::create_security_group(self, ctx, input).await
    }
    async fn create_subnet(
        &self,
        ctx: &Ctx,
        input: CreateSubnetRequest,
    ) -> Result<CreateSubnetResult, Ec2Error> {
        Ec2::create_subnet(self, ctx, input).await
    }
    async fn create_tags(&self, ctx: &Ctx, input: CreateTagsRequest) -> Result<(), Ec2Error> {
        Ec2::create_tags(self, ctx, input).await
    }
    async fn create_vpc(
        &self,
        ctx: &Ctx,
        input: CreateVpcRequest,
    ) -> Result<CreateVpcResult, Ec2Error> {
        Ec2::create_vpc(self, ctx, input).await
    }
    async fn create_vpc_endpoint(
        &self,
        ctx: &Ctx,
        input: CreateVpcEndpointRequest,
    ) -> Result<CreateVpcEndpointResult, Ec2Error> {
        Ec2::create_vpc_endpoint(self, ctx, input).await
    }
    async fn delete_dhcp_options(
        &self,
        ctx: &Ctx,
        input: DeleteDhcpOptionsRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::delete_dhcp_options(self, ctx, input).await
    }
    async fn delete_egress_only_internet_gateway(
        &self,
        ctx: &Ctx,
        input: DeleteEgressOnlyInternetGatewayRequest,
    ) -> Result<DeleteEgressOnlyInternetGatewayResult, Ec2Error> {
        Ec2::delete_egress_only_internet_gateway(self, ctx, input).await
    }
    async fn delete_internet_gateway(
        &self,
        ctx: &Ctx,
        input: DeleteInternetGatewayRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::delete_internet_gateway(self, ctx, input).await
    }
    async fn delete_nat_gateway(
        &self,
        ctx: &Ctx,
        input: DeleteNatGatewayRequest,
    ) -> Result<DeleteNatGatewayResult, Ec2Error> {
        Ec2::delete_nat_gateway(self, ctx, input).await
    }
    async fn delete_network_acl(
        &self,
        ctx: &Ctx,
        input: DeleteNetworkAclRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::delete_network_acl(self, ctx, input).await
    }
    async fn delete_network_acl_entry(
        &self,
        ctx: &Ctx,
        input: DeleteNetworkAclEntryRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::delete_network_acl_entry(self, ctx, input).await
    }
    async fn delete_network_interface(
        &self,
        ctx: &Ctx,
        input: DeleteNetworkInterfaceRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::delete_network_interface(self, ctx, input).await
    }
    async fn delete_route(&self, ctx: &Ctx, input: DeleteRouteRequest) -> Result<(), Ec2Error> {
        Ec2::delete_route(self, ctx, input).await
    }
    async fn delete_route_table(
        &self,
        ctx: &Ctx,
        input: DeleteRouteTableRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::delete_route_table(self, ctx, input).await
    }
    async fn delete_security_group(
        &self,
        ctx: &Ctx,
        input: DeleteSecurityGroupRequest,
    ) -> Result<DeleteSecurityGroupResult, Ec2Error> {
        Ec2::delete_security_group(self, ctx, input).await
    }
    async fn delete_subnet(&self, ctx: &Ctx, input: DeleteSubnetRequest) -> Result<(), Ec2Error> {
        Ec2::delete_subnet(self, ctx, input).await
    }
    async fn delete_tags(&self, ctx: &Ctx, input: DeleteTagsRequest) -> Result<(), Ec2Error> {
        Ec2::delete_tags(self, ctx, input).await
    }
    async fn delete_vpc(&self, ctx: &Ctx, input: DeleteVpcRequest) -> Result<(), Ec2Error> {
        Ec2::delete_vpc(self, ctx, input).await
    }
    async fn delete_vpc_endpoints(
        &self,
        ctx: &Ctx,
        input: DeleteVpcEndpointsRequest,
    ) -> Result<DeleteVpcEndpointsResult, Ec2Error> {
        Ec2::delete_vpc_endpoints(self, ctx, input).await
    }
    async fn describe_account_attributes(
        &self,
        ctx: &Ctx,
        input: DescribeAccountAttributesRequest,
    ) -> Result<DescribeAccountAttributesResult, Ec2Error> {
        Ec2::describe_account_attributes(self, ctx, input).await
    }
    async fn describe_addresses(
        &self,
        ctx: &Ctx,
        input: DescribeAddressesRequest,
    ) -> Result<DescribeAddressesResult, Ec2Error> {
        Ec2::describe_addresses(self, ctx, input).await
    }
    async fn describe_availability_zones(
        &self,
        ctx: &Ctx,
        input: DescribeAvailabilityZonesRequest,
    ) -> Result<DescribeAvailabilityZonesResult, Ec2Error> {
        Ec2::describe_availability_zones(self, ctx, input).await
    }
    async fn describe_dhcp_options(
        &self,
        ctx: &Ctx,
        input: DescribeDhcpOptionsRequest,
    ) -> Result<DescribeDhcpOptionsResult, Ec2Error> {
        Ec2::describe_dhcp_options(self, ctx, input).await
    }
    async fn describe_egress_only_internet_gateways(
        &self,
        ctx: &Ctx,
        input: DescribeEgressOnlyInternetGatewaysRequest,
    ) -> Result<DescribeEgressOnlyInternetGatewaysResult, Ec2Error> {
        Ec2::describe_egress_only_internet_gateways(self, ctx, input).await
    }
    async fn describe_internet_gateways(
        &self,
        ctx: &Ctx,
        input: DescribeInternetGatewaysRequest,
    ) -> Result<DescribeInternetGatewaysResult, Ec2Error> {
        Ec2::describe_internet_gateways(self, ctx, input).await
    }
    async fn describe_nat_gateways(
        &self,
        ctx: &Ctx,
        input: DescribeNatGatewaysRequest,
    ) -> Result<DescribeNatGatewaysResult, Ec2Error> {
        Ec2::describe_nat_gateways(self, ctx, input).await
    }
    async fn describe_network_acls(
        &self,
        ctx: &Ctx,
        input: DescribeNetworkAclsRequest,
    ) -> Result<DescribeNetworkAclsResult, Ec2Error> {
        Ec2::describe_network_acls(self, ctx, input).await
    }
    async fn describe_network_interface_attribute(
        &self,
        ctx: &Ctx,
        input: DescribeNetworkInterfaceAttributeRequest,
    ) -> Result<DescribeNetworkInterfaceAttributeResult, Ec2Error> {
        Ec2::describe_network_interface_attribute(self, ctx, input).await
    }
    async fn describe_network_interfaces(
        &self,
        ctx: &Ctx,
        input: DescribeNetworkInterfacesRequest,
    ) -> Result<DescribeNetworkInterfacesResult, Ec2Error> {
        Ec2::describe_network_interfaces(self, ctx, input).await
    }
    async fn describe_prefix_lists(
        &self,
        ctx: &Ctx,
        input: DescribePrefixListsRequest,
    ) -> Result<DescribePrefixListsResult, Ec2Error> {
        Ec2::describe_prefix_lists(self, ctx, input).await
    }
    async fn describe_regions(
        &self,
        ctx: &Ctx,
        input: DescribeRegionsRequest,
    ) -> Result<DescribeRegionsResult, Ec2Error> {
        Ec2::describe_regions(self, ctx, input).await
    }
    async fn describe_route_tables(
        &self,
        ctx: &Ctx,
        input: DescribeRouteTablesRequest,
    ) -> Result<DescribeRouteTablesResult, Ec2Error> {
        Ec2::describe_route_tables(self, ctx, input).await
    }
    async fn describe_security_group_rules(
        &self,
        ctx: &Ctx,
        input: DescribeSecurityGroupRulesRequest,
    ) -> Result<DescribeSecurityGroupRulesResult, Ec2Error> {
        Ec2::describe_security_group_rules(self, ctx, input).await
    }
    async fn describe_security_groups(
        &self,
        ctx: &Ctx,
        input: DescribeSecurityGroupsRequest,
    ) -> Result<DescribeSecurityGroupsResult, Ec2Error> {
        Ec2::describe_security_groups(self, ctx, input).await
    }
    async fn describe_subnets(
        &self,
        ctx: &Ctx,
        input: DescribeSubnetsRequest,
    ) -> Result<DescribeSubnetsResult, Ec2Error> {
        Ec2::describe_subnets(self, ctx, input).await
    }
    async fn describe_tags(
        &self,
        ctx: &Ctx,
        input: DescribeTagsRequest,
    ) -> Result<DescribeTagsResult, Ec2Error> {
        Ec2::describe_tags(self, ctx, input).await
    }
    async fn describe_vpc_attribute(
        &self,
        ctx: &Ctx,
        input: DescribeVpcAttributeRequest,
    ) -> Result<DescribeVpcAttributeResult, Ec2Error> {
        Ec2::describe_vpc_attribute(self, ctx, input).await
    }
    async fn describe_vpc_endpoints(
        &self,
        ctx: &Ctx,
        input: DescribeVpcEndpointsRequest,
    ) -> Result<DescribeVpcEndpointsResult, Ec2Error> {
        Ec2::describe_vpc_endpoints(self, ctx, input).await
    }
    async fn describe_vpcs(
        &self,
        ctx: &Ctx,
        input: DescribeVpcsRequest,
    ) -> Result<DescribeVpcsResult, Ec2Error> {
        Ec2::describe_vpcs(self, ctx, input).await
    }
    async fn detach_internet_gateway(
        &self,
        ctx: &Ctx,
        input: DetachInternetGatewayRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::detach_internet_gateway(self, ctx, input).await
    }
    async fn detach_network_interface(
        &self,
        ctx: &Ctx,
        input: DetachNetworkInterfaceRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::detach_network_interface(self, ctx, input).await
    }
    async fn disassociate_address(
        &self,
        ctx: &Ctx,
        input: DisassociateAddressRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::disassociate_address(self, ctx, input).await
    }
    async fn disassociate_route_table(
        &self,
        ctx: &Ctx,
        input: DisassociateRouteTableRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::disassociate_route_table(self, ctx, input).await
    }
    async fn disassociate_subnet_cidr_block(
        &self,
        ctx: &Ctx,
        input: DisassociateSubnetCidrBlockRequest,
    ) -> Result<DisassociateSubnetCidrBlockResult, Ec2Error> {
        Ec2::disassociate_subnet_cidr_block(self, ctx, input).await
    }
    async fn disassociate_vpc_cidr_block(
        &self,
        ctx: &Ctx,
        input: DisassociateVpcCidrBlockRequest,
    ) -> Result<DisassociateVpcCidrBlockResult, Ec2Error> {
        Ec2::disassociate_vpc_cidr_block(self, ctx, input).await
    }
    async fn modify_network_interface_attribute(
        &self,
        ctx: &Ctx,
        input: ModifyNetworkInterfaceAttributeRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::modify_network_interface_attribute(self, ctx, input).await
    }
    async fn modify_security_group_rules(
        &self,
        ctx: &Ctx,
        input: ModifySecurityGroupRulesRequest,
    ) -> Result<ModifySecurityGroupRulesResult, Ec2Error> {
        Ec2::modify_security_group_rules(self, ctx, input).await
    }
    async fn modify_subnet_attribute(
        &self,
        ctx: &Ctx,
        input: ModifySubnetAttributeRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::modify_subnet_attribute(self, ctx, input).await
    }
    async fn modify_vpc_attribute(
        &self,
        ctx: &Ctx,
        input: ModifyVpcAttributeRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::modify_vpc_attribute(self, ctx, input).await
    }
    async fn modify_vpc_endpoint(
        &self,
        ctx: &Ctx,
        input: ModifyVpcEndpointRequest,
    ) -> Result<ModifyVpcEndpointResult, Ec2Error> {
        Ec2::modify_vpc_endpoint(self, ctx, input).await
    }
    async fn release_address(
        &self,
        ctx: &Ctx,
        input: ReleaseAddressRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::release_address(self, ctx, input).await
    }
    async fn replace_network_acl_association(
        &self,
        ctx: &Ctx,
        input: ReplaceNetworkAclAssociationRequest,
    ) -> Result<ReplaceNetworkAclAssociationResult, Ec2Error> {
        Ec2::replace_network_acl_association(self, ctx, input).await
    }
    async fn replace_network_acl_entry(
        &self,
        ctx: &Ctx,
        input: ReplaceNetworkAclEntryRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::replace_network_acl_entry(self, ctx, input).await
    }
    async fn replace_route(&self, ctx: &Ctx, input: ReplaceRouteRequest) -> Result<(), Ec2Error> {
        Ec2::replace_route(self, ctx, input).await
    }
    async fn replace_route_table_association(
        &self,
        ctx: &Ctx,
        input: ReplaceRouteTableAssociationRequest,
    ) -> Result<ReplaceRouteTableAssociationResult, Ec2Error> {
        Ec2::replace_route_table_association(self, ctx, input).await
    }
    async fn revoke_security_group_egress(
        &self,
        ctx: &Ctx,
        input: RevokeSecurityGroupEgressRequest,
    ) -> Result<RevokeSecurityGroupEgressResult, Ec2Error> {
        Ec2::revoke_security_group_egress(self, ctx, input).await
    }
    async fn revoke_security_group_ingress(
        &self,
        ctx: &Ctx,
        input: RevokeSecurityGroupIngressRequest,
    ) -> Result<RevokeSecurityGroupIngressResult, Ec2Error> {
        Ec2::revoke_security_group_ingress(self, ctx, input).await
    }
    async fn unassign_private_ip_addresses(
        &self,
        ctx: &Ctx,
        input: UnassignPrivateIpAddressesRequest,
    ) -> Result<(), Ec2Error> {
        Ec2::unassign_private_ip_addresses(self, ctx, input).await
    }
    async fn update_security_group_rule_descriptions_egress(
        &self,
        ctx: &Ctx,
        input: UpdateSecurityGroupRuleDescriptionsEgressRequest,
    ) -> Result<UpdateSecurityGroupRuleDescriptionsEgressResult, Ec2Error> {
        Ec2::update_security_group_rule_descriptions_egress(self, ctx, input).await
    }
    async fn update_security_group_rule_descriptions_ingress(
        &self,
        ctx: &Ctx,
        input: UpdateSecurityGroupRuleDescriptionsIngressRequest,
    ) -> Result<UpdateSecurityGroupRuleDescriptionsIngressResult, Ec2Error> {
        Ec2::update_security_group_rule_descriptions_ingress(self, ctx, input).await
    }
}
