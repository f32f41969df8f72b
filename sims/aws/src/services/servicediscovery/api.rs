//! The `impl Api` table of Cloud Map: one delegating line per operation, in alphabetical order.

use sim_aws_shapes::servicediscovery::*;

use super::{CloudMap, CloudMapError, Ctx};

#[async_trait::async_trait]
impl Api for CloudMap {
    type Ctx = Ctx;
    type Error = CloudMapError;

    async fn create_http_namespace(
        &self,
        ctx: &Ctx,
        input: CreateHttpNamespaceRequest,
    ) -> Result<CreateHttpNamespaceResponse, CloudMapError> {
        CloudMap::create_http_namespace(self, ctx, input).await
    }
    async fn create_private_dns_namespace(
        &self,
        ctx: &Ctx,
        input: CreatePrivateDnsNamespaceRequest,
    ) -> Result<CreatePrivateDnsNamespaceResponse, CloudMapError> {
        CloudMap::create_private_dns_namespace(self, ctx, input).await
    }
    async fn create_public_dns_namespace(
        &self,
        ctx: &Ctx,
        input: CreatePublicDnsNamespaceRequest,
    ) -> Result<CreatePublicDnsNamespaceResponse, CloudMapError> {
        CloudMap::create_public_dns_namespace(self, ctx, input).await
    }
    async fn create_service(
        &self,
        ctx: &Ctx,
        input: CreateServiceRequest,
    ) -> Result<CreateServiceResponse, CloudMapError> {
        CloudMap::create_service(self, ctx, input).await
    }
    async fn delete_namespace(
        &self,
        ctx: &Ctx,
        input: DeleteNamespaceRequest,
    ) -> Result<DeleteNamespaceResponse, CloudMapError> {
        CloudMap::delete_namespace(self, ctx, input).await
    }
    async fn delete_service(
        &self,
        ctx: &Ctx,
        input: DeleteServiceRequest,
    ) -> Result<DeleteServiceResponse, CloudMapError> {
        CloudMap::delete_service(self, ctx, input).await
    }
    async fn delete_service_attributes(
        &self,
        ctx: &Ctx,
        input: DeleteServiceAttributesRequest,
    ) -> Result<DeleteServiceAttributesResponse, CloudMapError> {
        CloudMap::delete_service_attributes(self, ctx, input).await
    }
    async fn deregister_instance(
        &self,
        ctx: &Ctx,
        input: DeregisterInstanceRequest,
    ) -> Result<DeregisterInstanceResponse, CloudMapError> {
        CloudMap::deregister_instance(self, ctx, input).await
    }
    async fn discover_instances(
        &self,
        ctx: &Ctx,
        input: DiscoverInstancesRequest,
    ) -> Result<DiscoverInstancesResponse, CloudMapError> {
        CloudMap::discover_instances(self, ctx, input).await
    }
    async fn discover_instances_revision(
        &self,
        ctx: &Ctx,
        input: DiscoverInstancesRevisionRequest,
    ) -> Result<DiscoverInstancesRevisionResponse, CloudMapError> {
        CloudMap::discover_instances_revision(self, ctx, input).await
    }
    async fn get_instance(
        &self,
        ctx: &Ctx,
        input: GetInstanceRequest,
    ) -> Result<GetInstanceResponse, CloudMapError> {
        CloudMap::get_instance(self, ctx, input).await
    }
    async fn get_instances_health_status(
        &self,
        ctx: &Ctx,
        input: GetInstancesHealthStatusRequest,
    ) -> Result<GetInstancesHealthStatusResponse, CloudMapError> {
        CloudMap::get_instances_health_status(self, ctx, input).await
    }
    async fn get_namespace(
        &self,
        ctx: &Ctx,
        input: GetNamespaceRequest,
    ) -> Result<GetNamespaceResponse, CloudMapError> {
        CloudMap::get_namespace(self, ctx, input).await
    }
    async fn get_operation(
        &self,
        ctx: &Ctx,
        input: GetOperationRequest,
    ) -> Result<GetOperationResponse, CloudMapError> {
        CloudMap::get_operation(self, ctx, input).await
    }
    async fn get_service(
        &self,
        ctx: &Ctx,
        input: GetServiceRequest,
    ) -> Result<GetServiceResponse, CloudMapError> {
        CloudMap::get_service(self, ctx, input).await
    }
    async fn get_service_attributes(
        &self,
        ctx: &Ctx,
        input: GetServiceAttributesRequest,
    ) -> Result<GetServiceAttributesResponse, CloudMapError> {
        CloudMap::get_service_attributes(self, ctx, input).await
    }
    async fn list_instances(
        &self,
        ctx: &Ctx,
        input: ListInstancesRequest,
    ) -> Result<ListInstancesResponse, CloudMapError> {
        CloudMap::list_instances(self, ctx, input).await
    }
    async fn list_namespaces(
        &self,
        ctx: &Ctx,
        input: ListNamespacesRequest,
    ) -> Result<ListNamespacesResponse, CloudMapError> {
        CloudMap::list_namespaces(self, ctx, input).await
    }
    async fn list_operations(
        &self,
        ctx: &Ctx,
        input: ListOperationsRequest,
    ) -> Result<ListOperationsResponse, CloudMapError> {
        CloudMap::list_operations(self, ctx, input).await
    }
    async fn list_services(
        &self,
        ctx: &Ctx,
        input: ListServicesRequest,
    ) -> Result<ListServicesResponse, CloudMapError> {
        CloudMap::list_services(self, ctx, input).await
    }
    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, CloudMapError> {
        CloudMap::list_tags_for_resource(self, ctx, input).await
    }
    async fn register_instance(
        &self,
        ctx: &Ctx,
        input: RegisterInstanceRequest,
    ) -> Result<RegisterInstanceResponse, CloudMapError> {
        CloudMap::register_instance(self, ctx, input).await
    }
    async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, CloudMapError> {
        CloudMap::tag_resource(self, ctx, input).await
    }
    async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, CloudMapError> {
        CloudMap::untag_resource(self, ctx, input).await
    }
    async fn update_http_namespace(
        &self,
        ctx: &Ctx,
        input: UpdateHttpNamespaceRequest,
    ) -> Result<UpdateHttpNamespaceResponse, CloudMapError> {
        CloudMap::update_http_namespace(self, ctx, input).await
    }
    async fn update_instance_custom_health_status(
        &self,
        ctx: &Ctx,
        input: UpdateInstanceCustomHealthStatusRequest,
    ) -> Result<(), CloudMapError> {
        CloudMap::update_instance_custom_health_status(self, ctx, input).await
    }
    async fn update_private_dns_namespace(
        &self,
        ctx: &Ctx,
        input: UpdatePrivateDnsNamespaceRequest,
    ) -> Result<UpdatePrivateDnsNamespaceResponse, CloudMapError> {
        CloudMap::update_private_dns_namespace(self, ctx, input).await
    }
    async fn update_public_dns_namespace(
        &self,
        ctx: &Ctx,
        input: UpdatePublicDnsNamespaceRequest,
    ) -> Result<UpdatePublicDnsNamespaceResponse, CloudMapError> {
        CloudMap::update_public_dns_namespace(self, ctx, input).await
    }
    async fn update_service(
        &self,
        ctx: &Ctx,
        input: UpdateServiceRequest,
    ) -> Result<UpdateServiceResponse, CloudMapError> {
        CloudMap::update_service(self, ctx, input).await
    }
    async fn update_service_attributes(
        &self,
        ctx: &Ctx,
        input: UpdateServiceAttributesRequest,
    ) -> Result<UpdateServiceAttributesResponse, CloudMapError> {
        CloudMap::update_service_attributes(self, ctx, input).await
    }
}
