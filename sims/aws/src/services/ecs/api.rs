//! The `impl Api for Ecs` table: one delegating line per operation of the model, in
//! alphabetical order. Each handler lives in its topic module; this table is the only place
//! that ties operation names to them.

use sim_aws_shapes::ecs::*;

use super::{Ecs, EcsError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Ecs {
    type Ctx = Ctx;
    type Error = EcsError;

    async fn continue_service_deployment(
        &self,
        ctx: &Ctx,
        input: ContinueServiceDeploymentRequest,
    ) -> Result<ContinueServiceDeploymentResponse, EcsError> {
        Ecs::continue_service_deployment(self, ctx, input).await
    }
    async fn create_capacity_provider(
        &self,
        ctx: &Ctx,
        input: CreateCapacityProviderRequest,
    ) -> Result<CreateCapacityProviderResponse, EcsError> {
        Ecs::create_capacity_provider(self, ctx, input).await
    }
    async fn create_cluster(
        &self,
        ctx: &Ctx,
        input: CreateClusterRequest,
    ) -> Result<CreateClusterResponse, EcsError> {
        Ecs::create_cluster(self, ctx, input).await
    }
    async fn create_daemon(
        &self,
        ctx: &Ctx,
        input: CreateDaemonRequest,
    ) -> Result<CreateDaemonResponse, EcsError> {
        Ecs::create_daemon(self, ctx, input).await
    }
    async fn create_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: CreateExpressGatewayServiceRequest,
    ) -> Result<CreateExpressGatewayServiceResponse, EcsError> {
        Ecs::create_express_gateway_service(self, ctx, input).await
    }
    async fn create_service(
        &self,
        ctx: &Ctx,
        input: CreateServiceRequest,
    ) -> Result<CreateServiceResponse, EcsError> {
        Ecs::create_service(self, ctx, input).await
    }
    async fn create_task_set(
        &self,
        ctx: &Ctx,
        input: CreateTaskSetRequest,
    ) -> Result<CreateTaskSetResponse, EcsError> {
        Ecs::create_task_set(self, ctx, input).await
    }
    async fn delete_account_setting(
        &self,
        ctx: &Ctx,
        input: DeleteAccountSettingRequest,
    ) -> Result<DeleteAccountSettingResponse, EcsError> {
        Ecs::delete_account_setting(self, ctx, input).await
    }
    async fn delete_attributes(
        &self,
        ctx: &Ctx,
        input: DeleteAttributesRequest,
    ) -> Result<DeleteAttributesResponse, EcsError> {
        Ecs::delete_attributes(self, ctx, input).await
    }
    async fn delete_capacity_provider(
        &self,
        ctx: &Ctx,
        input: DeleteCapacityProviderRequest,
    ) -> Result<DeleteCapacityProviderResponse, EcsError> {
        Ecs::delete_capacity_provider(self, ctx, input).await
    }
    async fn delete_cluster(
        &self,
        ctx: &Ctx,
        input: DeleteClusterRequest,
    ) -> Result<DeleteClusterResponse, EcsError> {
        Ecs::delete_cluster(self, ctx, input).await
    }
    async fn delete_daemon(
        &self,
        ctx: &Ctx,
        input: DeleteDaemonRequest,
    ) -> Result<DeleteDaemonResponse, EcsError> {
        Ecs::delete_daemon(self, ctx, input).await
    }
    async fn delete_daemon_task_definition(
        &self,
        ctx: &Ctx,
        input: DeleteDaemonTaskDefinitionRequest,
    ) -> Result<DeleteDaemonTaskDefinitionResponse, EcsError> {
        Ecs::delete_daemon_task_definition(self, ctx, input).await
    }
    async fn delete_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: DeleteExpressGatewayServiceRequest,
    ) -> Result<DeleteExpressGatewayServiceResponse, EcsError> {
        Ecs::delete_express_gateway_service(self, ctx, input).await
    }
    async fn delete_service(
        &self,
        ctx: &Ctx,
        input: DeleteServiceRequest,
    ) -> Result<DeleteServiceResponse, EcsError> {
        Ecs::delete_service(self, ctx, input).await
    }
    async fn delete_task_definitions(
        &self,
        ctx: &Ctx,
        input: DeleteTaskDefinitionsRequest,
    ) -> Result<DeleteTaskDefinitionsResponse, EcsError> {
        Ecs::delete_task_definitions(self, ctx, input).await
    }
    async fn delete_task_set(
        &self,
        ctx: &Ctx,
        input: DeleteTaskSetRequest,
    ) -> Result<DeleteTaskSetResponse, EcsError> {
        Ecs::delete_task_set(self, ctx, input).await
    }
    async fn deregister_container_instance(
        &self,
        ctx: &Ctx,
        input: DeregisterContainerInstanceRequest,
    ) -> Result<DeregisterContainerInstanceResponse, EcsError> {
        Ecs::deregister_container_instance(self, ctx, input).await
    }
    async fn deregister_task_definition(
        &self,
        ctx: &Ctx,
        input: DeregisterTaskDefinitionRequest,
    ) -> Result<DeregisterTaskDefinitionResponse, EcsError> {
        Ecs::deregister_task_definition(self, ctx, input).await
    }
    async fn describe_capacity_providers(
        &self,
        ctx: &Ctx,
        input: DescribeCapacityProvidersRequest,
    ) -> Result<DescribeCapacityProvidersResponse, EcsError> {
        Ecs::describe_capacity_providers(self, ctx, input).await
    }
    async fn describe_clusters(
        &self,
        ctx: &Ctx,
        input: DescribeClustersRequest,
    ) -> Result<DescribeClustersResponse, EcsError> {
        Ecs::describe_clusters(self, ctx, input).await
    }
    async fn describe_container_instances(
        &self,
        ctx: &Ctx,
        input: DescribeContainerInstancesRequest,
    ) -> Result<DescribeContainerInstancesResponse, EcsError> {
        Ecs::describe_container_instances(self, ctx, input).await
    }
    async fn describe_daemon(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonRequest,
    ) -> Result<DescribeDaemonResponse, EcsError> {
        Ecs::describe_daemon(self, ctx, input).await
    }
    async fn describe_daemon_deployments(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonDeploymentsRequest,
    ) -> Result<DescribeDaemonDeploymentsResponse, EcsError> {
        Ecs::describe_daemon_deployments(self, ctx, input).await
    }
    async fn describe_daemon_revisions(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonRevisionsRequest,
    ) -> Result<DescribeDaemonRevisionsResponse, EcsError> {
        Ecs::describe_daemon_revisions(self, ctx, input).await
    }
    async fn describe_daemon_task_definition(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonTaskDefinitionRequest,
    ) -> Result<DescribeDaemonTaskDefinitionResponse, EcsError> {
        Ecs::describe_daemon_task_definition(self, ctx, input).await
    }
    async fn describe_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: DescribeExpressGatewayServiceRequest,
    ) -> Result<DescribeExpressGatewayServiceResponse, EcsError> {
        Ecs::describe_express_gateway_service(self, ctx, input).await
    }
    async fn describe_service_deployments(
        &self,
        ctx: &Ctx,
        input: DescribeServiceDeploymentsRequest,
    ) -> Result<DescribeServiceDeploymentsResponse, EcsError> {
        Ecs::describe_service_deployments(self, ctx, input).await
    }
    async fn describe_service_revisions(
        &self,
        ctx: &Ctx,
        input: DescribeServiceRevisionsRequest,
    ) -> Result<DescribeServiceRevisionsResponse, EcsError> {
        Ecs::describe_service_revisions(self, ctx, input).await
    }
    async fn describe_services(
        &self,
        ctx: &Ctx,
        input: DescribeServicesRequest,
    ) -> Result<DescribeServicesResponse, EcsError> {
        Ecs::describe_services(self, ctx, input).await
    }
    async fn describe_task_definition(
        &self,
        ctx: &Ctx,
        input: DescribeTaskDefinitionRequest,
    ) -> Result<DescribeTaskDefinitionResponse, EcsError> {
        Ecs::describe_task_definition(self, ctx, input).await
    }
    async fn describe_task_sets(
        &self,
        ctx: &Ctx,
        input: DescribeTaskSetsRequest,
    ) -> Result<DescribeTaskSetsResponse, EcsError> {
        Ecs::describe_task_sets(self, ctx, input).await
    }
    async fn describe_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeTasksRequest,
    ) -> Result<DescribeTasksResponse, EcsError> {
        Ecs::describe_tasks(self, ctx, input).await
    }
    async fn discover_poll_endpoint(
        &self,
        ctx: &Ctx,
        input: DiscoverPollEndpointRequest,
    ) -> Result<DiscoverPollEndpointResponse, EcsError> {
        Ecs::discover_poll_endpoint(self, ctx, input).await
    }
    async fn execute_command(
        &self,
        ctx: &Ctx,
        input: ExecuteCommandRequest,
    ) -> Result<ExecuteCommandResponse, EcsError> {
        Ecs::execute_command(self, ctx, input).await
    }
    async fn get_task_protection(
        &self,
        ctx: &Ctx,
        input: GetTaskProtectionRequest,
    ) -> Result<GetTaskProtectionResponse, EcsError> {
        Ecs::get_task_protection(self, ctx, input).await
    }
    async fn list_account_settings(
        &self,
        ctx: &Ctx,
        input: ListAccountSettingsRequest,
    ) -> Result<ListAccountSettingsResponse, EcsError> {
        Ecs::list_account_settings(self, ctx, input).await
    }
    async fn list_attributes(
        &self,
        ctx: &Ctx,
        input: ListAttributesRequest,
    ) -> Result<ListAttributesResponse, EcsError> {
        Ecs::list_attributes(self, ctx, input).await
    }
    async fn list_clusters(
        &self,
        ctx: &Ctx,
        input: ListClustersRequest,
    ) -> Result<ListClustersResponse, EcsError> {
        Ecs::list_clusters(self, ctx, input).await
    }
    async fn list_container_instances(
        &self,
        ctx: &Ctx,
        input: ListContainerInstancesRequest,
    ) -> Result<ListContainerInstancesResponse, EcsError> {
        Ecs::list_container_instances(self, ctx, input).await
    }
    async fn list_daemon_deployments(
        &self,
        ctx: &Ctx,
        input: ListDaemonDeploymentsRequest,
    ) -> Result<ListDaemonDeploymentsResponse, EcsError> {
        Ecs::list_daemon_deployments(self, ctx, input).await
    }
    async fn list_daemon_task_definitions(
        &self,
        ctx: &Ctx,
        input: ListDaemonTaskDefinitionsRequest,
    ) -> Result<ListDaemonTaskDefinitionsResponse, EcsError> {
        Ecs::list_daemon_task_definitions(self, ctx, input).await
    }
    async fn list_daemons(
        &self,
        ctx: &Ctx,
        input: ListDaemonsRequest,
    ) -> Result<ListDaemonsResponse, EcsError> {
        Ecs::list_daemons(self, ctx, input).await
    }
    async fn list_service_deployments(
        &self,
        ctx: &Ctx,
        input: ListServiceDeploymentsRequest,
    ) -> Result<ListServiceDeploymentsResponse, EcsError> {
        Ecs::list_service_deployments(self, ctx, input).await
    }
    async fn list_services(
        &self,
        ctx: &Ctx,
        input: ListServicesRequest,
    ) -> Result<ListServicesResponse, EcsError> {
        Ecs::list_services(self, ctx, input).await
    }
    async fn list_services_by_namespace(
        &self,
        ctx: &Ctx,
        input: ListServicesByNamespaceRequest,
    ) -> Result<ListServicesByNamespaceResponse, EcsError> {
        Ecs::list_services_by_namespace(self, ctx, input).await
    }
    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EcsError> {
        Ecs::list_tags_for_resource(self, ctx, input).await
    }
    async fn list_task_definition_families(
        &self,
        ctx: &Ctx,
        input: ListTaskDefinitionFamiliesRequest,
    ) -> Result<ListTaskDefinitionFamiliesResponse, EcsError> {
        Ecs::list_task_definition_families(self, ctx, input).await
    }
    async fn list_task_definitions(
        &self,
        ctx: &Ctx,
        input: ListTaskDefinitionsRequest,
    ) -> Result<ListTaskDefinitionsResponse, EcsError> {
        Ecs::list_task_definitions(self, ctx, input).await
    }
    async fn list_tasks(
        &self,
        ctx: &Ctx,
        input: ListTasksRequest,
    ) -> Result<ListTasksResponse, EcsError> {
        Ecs::list_tasks(self, ctx, input).await
    }
    async fn put_account_setting(
        &self,
        ctx: &Ctx,
        input: PutAccountSettingRequest,
    ) -> Result<PutAccountSettingResponse, EcsError> {
        Ecs::put_account_setting(self, ctx, input).await
    }
    async fn put_account_setting_default(
        &self,
        ctx: &Ctx,
        input: PutAccountSettingDefaultRequest,
    ) -> Result<PutAccountSettingDefaultResponse, EcsError> {
        Ecs::put_account_setting_default(self, ctx, input).await
    }
    async fn put_attributes(
        &self,
        ctx: &Ctx,
        input: PutAttributesRequest,
    ) -> Result<PutAttributesResponse, EcsError> {
        Ecs::put_attributes(self, ctx, input).await
    }
    async fn put_cluster_capacity_providers(
        &self,
        ctx: &Ctx,
        input: PutClusterCapacityProvidersRequest,
    ) -> Result<PutClusterCapacityProvidersResponse, EcsError> {
        Ecs::put_cluster_capacity_providers(self, ctx, input).await
    }
    async fn register_container_instance(
        &self,
        ctx: &Ctx,
        input: RegisterContainerInstanceRequest,
    ) -> Result<RegisterContainerInstanceResponse, EcsError> {
        Ecs::register_container_instance(self, ctx, input).await
    }
    async fn register_daemon_task_definition(
        &self,
        ctx: &Ctx,
        input: RegisterDaemonTaskDefinitionRequest,
    ) -> Result<RegisterDaemonTaskDefinitionResponse, EcsError> {
        Ecs::register_daemon_task_definition(self, ctx, input).await
    }
    async fn register_task_definition(
        &self,
        ctx: &Ctx,
        input: RegisterTaskDefinitionRequest,
    ) -> Result<RegisterTaskDefinitionResponse, EcsError> {
        Ecs::register_task_definition(self, ctx, input).await
    }
    async fn run_task(
        &self,
        ctx: &Ctx,
        input: RunTaskRequest,
    ) -> Result<RunTaskResponse, EcsError> {
        Ecs::run_task(self, ctx, input).await
    }
    async fn start_task(
        &self,
        ctx: &Ctx,
        input: StartTaskRequest,
    ) -> Result<StartTaskResponse, EcsError> {
        Ecs::start_task(self, ctx, input).await
    }
    async fn stop_service_deployment(
        &self,
        ctx: &Ctx,
        input: StopServiceDeploymentRequest,
    ) -> Result<StopServiceDeploymentResponse, EcsError> {
        Ecs::stop_service_deployment(self, ctx, input).await
    }
    async fn stop_task(
        &self,
        ctx: &Ctx,
        input: StopTaskRequest,
    ) -> Result<StopTaskResponse, EcsError> {
        Ecs::stop_task(self, ctx, input).await
    }
    async fn submit_attachment_state_changes(
        &self,
        ctx: &Ctx,
        input: SubmitAttachmentStateChangesRequest,
    ) -> Result<SubmitAttachmentStateChangesResponse, EcsError> {
        Ecs::submit_attachment_state_changes(self, ctx, input).await
    }
    async fn submit_container_state_change(
        &self,
        ctx: &Ctx,
        input: SubmitContainerStateChangeRequest,
    ) -> Result<SubmitContainerStateChangeResponse, EcsError> {
        Ecs::submit_container_state_change(self, ctx, input).await
    }
    async fn submit_task_state_change(
        &self,
        ctx: &Ctx,
        input: SubmitTaskStateChangeRequest,
    ) -> Result<SubmitTaskStateChangeResponse, EcsError> {
        Ecs::submit_task_state_change(self, ctx, input).await
    }
    async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, EcsError> {
        Ecs::tag_resource(self, ctx, input).await
    }
    async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, EcsError> {
        Ecs::untag_resource(self, ctx, input).await
    }
    async fn update_capacity_provider(
        &self,
        ctx: &Ctx,
        input: UpdateCapacityProviderRequest,
    ) -> Result<UpdateCapacityProviderResponse, EcsError> {
        Ecs::update_capacity_provider(self, ctx, input).await
    }
    async fn update_cluster(
        &self,
        ctx: &Ctx,
        input: UpdateClusterRequest,
    ) -> Result<UpdateClusterResponse, EcsError> {
        Ecs::update_cluster(self, ctx, input).await
    }
    async fn update_cluster_settings(
        &self,
        ctx: &Ctx,
        input: UpdateClusterSettingsRequest,
    ) -> Result<UpdateClusterSettingsResponse, EcsError> {
        Ecs::update_cluster_settings(self, ctx, input).await
    }
    async fn update_container_agent(
        &self,
        ctx: &Ctx,
        input: UpdateContainerAgentRequest,
    ) -> Result<UpdateContainerAgentResponse, EcsError> {
        Ecs::update_container_agent(self, ctx, input).await
    }
    async fn update_container_instances_state(
        &self,
        ctx: &Ctx,
        input: UpdateContainerInstancesStateRequest,
    ) -> Result<UpdateContainerInstancesStateResponse, EcsError> {
        Ecs::update_container_instances_state(self, ctx, input).await
    }
    async fn update_daemon(
        &self,
        ctx: &Ctx,
        input: UpdateDaemonRequest,
    ) -> Result<UpdateDaemonResponse, EcsError> {
        Ecs::update_daemon(self, ctx, input).await
    }
    async fn update_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: UpdateExpressGatewayServiceRequest,
    ) -> Result<UpdateExpressGatewayServiceResponse, EcsError> {
        Ecs::update_express_gateway_service(self, ctx, input).await
    }
    async fn update_service(
        &self,
        ctx: &Ctx,
        input: UpdateServiceRequest,
    ) -> Result<UpdateServiceResponse, EcsError> {
        Ecs::update_service(self, ctx, input).await
    }
    async fn update_service_primary_task_set(
        &self,
        ctx: &Ctx,
        input: UpdateServicePrimaryTaskSetRequest,
    ) -> Result<UpdateServicePrimaryTaskSetResponse, EcsError> {
        Ecs::update_service_primary_task_set(self, ctx, input).await
    }
    async fn update_task_protection(
        &self,
        ctx: &Ctx,
        input: UpdateTaskProtectionRequest,
    ) -> Result<UpdateTaskProtectionResponse, EcsError> {
        Ecs::update_task_protection(self, ctx, input).await
    }
    async fn update_task_set(
        &self,
        ctx: &Ctx,
        input: UpdateTaskSetRequest,
    ) -> Result<UpdateTaskSetResponse, EcsError> {
        Ecs::update_task_set(self, ctx, input).await
    }
}
