//! The generated `Api` trait's table for Lambda: one delegating line per operation, in
//! alphabetical order; the handlers live in the topic modules.

use sim_aws_shapes::lambda::*;

use super::{Lambda, LambdaError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Lambda {
    type Ctx = Ctx;
    type Error = LambdaError;

    async fn add_layer_version_permission(
        &self,
        ctx: &Ctx,
        input: AddLayerVersionPermissionRequest,
    ) -> Result<AddLayerVersionPermissionResponse, LambdaError> {
        Lambda::add_layer_version_permission(self, ctx, input).await
    }

    async fn add_permission(
        &self,
        ctx: &Ctx,
        input: AddPermissionRequest,
    ) -> Result<AddPermissionResponse, LambdaError> {
        Lambda::add_permission(self, ctx, input).await
    }

    async fn checkpoint_durable_execution(
        &self,
        ctx: &Ctx,
        input: CheckpointDurableExecutionRequest,
    ) -> Result<CheckpointDurableExecutionResponse, LambdaError> {
        Lambda::checkpoint_durable_execution(self, ctx, input).await
    }

    async fn create_alias(
        &self,
        ctx: &Ctx,
        input: CreateAliasRequest,
    ) -> Result<AliasConfiguration, LambdaError> {
        Lambda::create_alias(self, ctx, input).await
    }

    async fn create_capacity_provider(
        &self,
        ctx: &Ctx,
        input: CreateCapacityProviderRequest,
    ) -> Result<CreateCapacityProviderResponse, LambdaError> {
        Lambda::create_capacity_provider(self, ctx, input).await
    }

    async fn create_code_signing_config(
        &self,
        ctx: &Ctx,
        input: CreateCodeSigningConfigRequest,
    ) -> Result<CreateCodeSigningConfigResponse, LambdaError> {
        Lambda::create_code_signing_config(self, ctx, input).await
    }

    async fn create_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: CreateEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        Lambda::create_event_source_mapping(self, ctx, input).await
    }

    async fn create_function(
        &self,
        ctx: &Ctx,
        input: CreateFunctionRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        Lambda::create_function(self, ctx, input).await
    }

    async fn create_function_url_config(
        &self,
        ctx: &Ctx,
        input: CreateFunctionUrlConfigRequest,
    ) -> Result<CreateFunctionUrlConfigResponse, LambdaError> {
        Lambda::create_function_url_config(self, ctx, input).await
    }

    async fn delete_alias(&self, ctx: &Ctx, input: DeleteAliasRequest) -> Result<(), LambdaError> {
        Lambda::delete_alias(self, ctx, input).await
    }

    async fn delete_capacity_provider(
        &self,
        ctx: &Ctx,
        input: DeleteCapacityProviderRequest,
    ) -> Result<DeleteCapacityProviderResponse, LambdaError> {
        Lambda::delete_capacity_provider(self, ctx, input).await
    }

    async fn delete_code_signing_config(
        &self,
        ctx: &Ctx,
        input: DeleteCodeSigningConfigRequest,
    ) -> Result<DeleteCodeSigningConfigResponse, LambdaError> {
        Lambda::delete_code_signing_config(self, ctx, input).await
    }

    async fn delete_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: DeleteEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        Lambda::delete_event_source_mapping(self, ctx, input).await
    }

    async fn delete_function(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionRequest,
    ) -> Result<DeleteFunctionResponse, LambdaError> {
        Lambda::delete_function(self, ctx, input).await
    }

    async fn delete_function_code_signing_config(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionCodeSigningConfigRequest,
    ) -> Result<(), LambdaError> {
        Lambda::delete_function_code_signing_config(self, ctx, input).await
    }

    async fn delete_function_concurrency(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionConcurrencyRequest,
    ) -> Result<(), LambdaError> {
        Lambda::delete_function_concurrency(self, ctx, input).await
    }

    async fn delete_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionEventInvokeConfigRequest,
    ) -> Result<(), LambdaError> {
        Lambda::delete_function_event_invoke_config(self, ctx, input).await
    }

    async fn delete_function_url_config(
        &self,
        ctx: &Ctx,
        input: DeleteFunctionUrlConfigRequest,
    ) -> Result<(), LambdaError> {
        Lambda::delete_function_url_config(self, ctx, input).await
    }

    async fn delete_layer_version(
        &self,
        ctx: &Ctx,
        input: DeleteLayerVersionRequest,
    ) -> Result<(), LambdaError> {
        Lambda::delete_layer_version(self, ctx, input).await
    }

    async fn delete_provisioned_concurrency_config(
        &self,
        ctx: &Ctx,
        input: DeleteProvisionedConcurrencyConfigRequest,
    ) -> Result<(), LambdaError> {
        Lambda::delete_provisioned_concurrency_config(self, ctx, input).await
    }

    async fn get_account_settings(
        &self,
        ctx: &Ctx,
        input: GetAccountSettingsRequest,
    ) -> Result<GetAccountSettingsResponse, LambdaError> {
        Lambda::get_account_settings(self, ctx, input).await
    }

    async fn get_alias(
        &self,
        ctx: &Ctx,
        input: GetAliasRequest,
    ) -> Result<AliasConfiguration, LambdaError> {
        Lambda::get_alias(self, ctx, input).await
    }

    async fn get_capacity_provider(
        &self,
        ctx: &Ctx,
        input: GetCapacityProviderRequest,
    ) -> Result<GetCapacityProviderResponse, LambdaError> {
        Lambda::get_capacity_provider(self, ctx, input).await
    }

    async fn get_code_signing_config(
        &self,
        ctx: &Ctx,
        input: GetCodeSigningConfigRequest,
    ) -> Result<GetCodeSigningConfigResponse, LambdaError> {
        Lambda::get_code_signing_config(self, ctx, input).await
    }

    async fn get_durable_execution(
        &self,
        ctx: &Ctx,
        input: GetDurableExecutionRequest,
    ) -> Result<GetDurableExecutionResponse, LambdaError> {
        Lambda::get_durable_execution(self, ctx, input).await
    }

    async fn get_durable_execution_history(
        &self,
        ctx: &Ctx,
        input: GetDurableExecutionHistoryRequest,
    ) -> Result<GetDurableExecutionHistoryResponse, LambdaError> {
        Lambda::get_durable_execution_history(self, ctx, input).await
    }

    async fn get_durable_execution_state(
        &self,
        ctx: &Ctx,
        input: GetDurableExecutionStateRequest,
    ) -> Result<GetDurableExecutionStateResponse, LambdaError> {
        Lambda::get_durable_execution_state(self, ctx, input).await
    }

    async fn get_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: GetEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        Lambda::get_event_source_mapping(self, ctx, input).await
    }

    async fn get_function(
        &self,
        ctx: &Ctx,
        input: GetFunctionRequest,
    ) -> Result<GetFunctionResponse, LambdaError> {
        Lambda::get_function(self, ctx, input).await
    }

    async fn get_function_code_signing_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionCodeSigningConfigRequest,
    ) -> Result<GetFunctionCodeSigningConfigResponse, LambdaError> {
        Lambda::get_function_code_signing_config(self, ctx, input).await
    }

    async fn get_function_concurrency(
        &self,
        ctx: &Ctx,
        input: GetFunctionConcurrencyRequest,
    ) -> Result<GetFunctionConcurrencyResponse, LambdaError> {
        Lambda::get_function_concurrency(self, ctx, input).await
    }

    async fn get_function_configuration(
        &self,
        ctx: &Ctx,
        input: GetFunctionConfigurationRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        Lambda::get_function_configuration(self, ctx, input).await
    }

    async fn get_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionEventInvokeConfigRequest,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        Lambda::get_function_event_invoke_config(self, ctx, input).await
    }

    async fn get_function_recursion_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionRecursionConfigRequest,
    ) -> Result<GetFunctionRecursionConfigResponse, LambdaError> {
        Lambda::get_function_recursion_config(self, ctx, input).await
    }

    async fn get_function_scaling_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionScalingConfigRequest,
    ) -> Result<GetFunctionScalingConfigResponse, LambdaError> {
        Lambda::get_function_scaling_config(self, ctx, input).await
    }

    async fn get_function_url_config(
        &self,
        ctx: &Ctx,
        input: GetFunctionUrlConfigRequest,
    ) -> Result<GetFunctionUrlConfigResponse, LambdaError> {
        Lambda::get_function_url_config(self, ctx, input).await
    }

    async fn get_layer_version(
        &self,
        ctx: &Ctx,
        input: GetLayerVersionRequest,
    ) -> Result<GetLayerVersionResponse, LambdaError> {
        Lambda::get_layer_version(self, ctx, input).await
    }

    async fn get_layer_version_by_arn(
        &self,
        ctx: &Ctx,
        input: GetLayerVersionByArnRequest,
    ) -> Result<GetLayerVersionResponse, LambdaError> {
        Lambda::get_layer_version_by_arn(self, ctx, input).await
    }

    async fn get_layer_version_policy(
        &self,
        ctx: &Ctx,
        input: GetLayerVersionPolicyRequest,
    ) -> Result<GetLayerVersionPolicyResponse, LambdaError> {
        Lambda::get_layer_version_policy(self, ctx, input).await
    }

    async fn get_policy(
        &self,
        ctx: &Ctx,
        input: GetPolicyRequest,
    ) -> Result<GetPolicyResponse, LambdaError> {
        Lambda::get_policy(self, ctx, input).await
    }

    async fn get_provisioned_concurrency_config(
        &self,
        ctx: &Ctx,
        input: GetProvisionedConcurrencyConfigRequest,
    ) -> Result<GetProvisionedConcurrencyConfigResponse, LambdaError> {
        Lambda::get_provisioned_concurrency_config(self, ctx, input).await
    }

    async fn get_runtime_management_config(
        &self,
        ctx: &Ctx,
        input: GetRuntimeManagementConfigRequest,
    ) -> Result<GetRuntimeManagementConfigResponse, LambdaError> {
        Lambda::get_runtime_management_config(self, ctx, input).await
    }

    async fn invoke(
        &self,
        ctx: &Ctx,
        input: InvocationRequest,
    ) -> Result<InvocationResponse, LambdaError> {
        Lambda::invoke(self, ctx, input).await
    }

    async fn invoke_async(
        &self,
        ctx: &Ctx,
        input: InvokeAsyncRequest,
    ) -> Result<InvokeAsyncResponse, LambdaError> {
        Lambda::invoke_async(self, ctx, input).await
    }

    async fn invoke_with_response_stream(
        &self,
        ctx: &Ctx,
        input: InvokeWithResponseStreamRequest,
    ) -> Result<InvokeWithResponseStreamResponse, LambdaError> {
        Lambda::invoke_with_response_stream(self, ctx, input).await
    }

    async fn list_aliases(
        &self,
        ctx: &Ctx,
        input: ListAliasesRequest,
    ) -> Result<ListAliasesResponse, LambdaError> {
        Lambda::list_aliases(self, ctx, input).await
    }

    async fn list_capacity_providers(
        &self,
        ctx: &Ctx,
        input: ListCapacityProvidersRequest,
    ) -> Result<ListCapacityProvidersResponse, LambdaError> {
        Lambda::list_capacity_providers(self, ctx, input).await
    }

    async fn list_code_signing_configs(
        &self,
        ctx: &Ctx,
        input: ListCodeSigningConfigsRequest,
    ) -> Result<ListCodeSigningConfigsResponse, LambdaError> {
        Lambda::list_code_signing_configs(self, ctx, input).await
    }

    async fn list_durable_executions_by_function(
        &self,
        ctx: &Ctx,
        input: ListDurableExecutionsByFunctionRequest,
    ) -> Result<ListDurableExecutionsByFunctionResponse, LambdaError> {
        Lambda::list_durable_executions_by_function(self, ctx, input).await
    }

    async fn list_event_source_mappings(
        &self,
        ctx: &Ctx,
        input: ListEventSourceMappingsRequest,
    ) -> Result<ListEventSourceMappingsResponse, LambdaError> {
        Lambda::list_event_source_mappings(self, ctx, input).await
    }

    async fn list_function_event_invoke_configs(
        &self,
        ctx: &Ctx,
        input: ListFunctionEventInvokeConfigsRequest,
    ) -> Result<ListFunctionEventInvokeConfigsResponse, LambdaError> {
        Lambda::list_function_event_invoke_configs(self, ctx, input).await
    }

    async fn list_function_url_configs(
        &self,
        ctx: &Ctx,
        input: ListFunctionUrlConfigsRequest,
    ) -> Result<ListFunctionUrlConfigsResponse, LambdaError> {
        Lambda::list_function_url_configs(self, ctx, input).await
    }

    async fn list_function_versions_by_capacity_provider(
        &self,
        ctx: &Ctx,
        input: ListFunctionVersionsByCapacityProviderRequest,
    ) -> Result<ListFunctionVersionsByCapacityProviderResponse, LambdaError> {
        Lambda::list_function_versions_by_capacity_provider(self, ctx, input).await
    }

    async fn list_functions(
        &self,
        ctx: &Ctx,
        input: ListFunctionsRequest,
    ) -> Result<ListFunctionsResponse, LambdaError> {
        Lambda::list_functions(self, ctx, input).await
    }

    async fn list_functions_by_code_signing_config(
        &self,
        ctx: &Ctx,
        input: ListFunctionsByCodeSigningConfigRequest,
    ) -> Result<ListFunctionsByCodeSigningConfigResponse, LambdaError> {
        Lambda::list_functions_by_code_signing_config(self, ctx, input).await
    }

    async fn list_layer_versions(
        &self,
        ctx: &Ctx,
        input: ListLayerVersionsRequest,
    ) -> Result<ListLayerVersionsResponse, LambdaError> {
        Lambda::list_layer_versions(self, ctx, input).await
    }

    async fn list_layers(
        &self,
        ctx: &Ctx,
        input: ListLayersRequest,
    ) -> Result<ListLayersResponse, LambdaError> {
        Lambda::list_layers(self, ctx, input).await
    }

    async fn list_provisioned_concurrency_configs(
        &self,
        ctx: &Ctx,
        input: ListProvisionedConcurrencyConfigsRequest,
    ) -> Result<ListProvisionedConcurrencyConfigsResponse, LambdaError> {
        Lambda::list_provisioned_concurrency_configs(self, ctx, input).await
    }

    async fn list_tags(
        &self,
        ctx: &Ctx,
        input: ListTagsRequest,
    ) -> Result<ListTagsResponse, LambdaError> {
        Lambda::list_tags(self, ctx, input).await
    }

    async fn list_versions_by_function(
        &self,
        ctx: &Ctx,
        input: ListVersionsByFunctionRequest,
    ) -> Result<ListVersionsByFunctionResponse, LambdaError> {
        Lambda::list_versions_by_function(self, ctx, input).await
    }

    async fn publish_layer_version(
        &self,
        ctx: &Ctx,
        input: PublishLayerVersionRequest,
    ) -> Result<PublishLayerVersionResponse, LambdaError> {
        Lambda::publish_layer_version(self, ctx, input).await
    }

    async fn publish_version(
        &self,
        ctx: &Ctx,
        input: PublishVersionRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        Lambda::publish_version(self, ctx, input).await
    }

    async fn put_function_code_signing_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionCodeSigningConfigRequest,
    ) -> Result<PutFunctionCodeSigningConfigResponse, LambdaError> {
        Lambda::put_function_code_signing_config(self, ctx, input).await
    }

    async fn put_function_concurrency(
        &self,
        ctx: &Ctx,
        input: PutFunctionConcurrencyRequest,
    ) -> Result<Concurrency, LambdaError> {
        Lambda::put_function_concurrency(self, ctx, input).await
    }

    async fn put_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionEventInvokeConfigRequest,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        Lambda::put_function_event_invoke_config(self, ctx, input).await
    }

    async fn put_function_recursion_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionRecursionConfigRequest,
    ) -> Result<PutFunctionRecursionConfigResponse, LambdaError> {
        Lambda::put_function_recursion_config(self, ctx, input).await
    }

    async fn put_function_scaling_config(
        &self,
        ctx: &Ctx,
        input: PutFunctionScalingConfigRequest,
    ) -> Result<PutFunctionScalingConfigResponse, LambdaError> {
        Lambda::put_function_scaling_config(self, ctx, input).await
    }

    async fn put_provisioned_concurrency_config(
        &self,
        ctx: &Ctx,
        input: PutProvisionedConcurrencyConfigRequest,
    ) -> Result<PutProvisionedConcurrencyConfigResponse, LambdaError> {
        Lambda::put_provisioned_concurrency_config(self, ctx, input).await
    }

    async fn put_runtime_management_config(
        &self,
        ctx: &Ctx,
        input: PutRuntimeManagementConfigRequest,
    ) -> Result<PutRuntimeManagementConfigResponse, LambdaError> {
        Lambda::put_runtime_management_config(self, ctx, input).await
    }

    async fn remove_layer_version_permission(
        &self,
        ctx: &Ctx,
        input: RemoveLayerVersionPermissionRequest,
    ) -> Result<(), LambdaError> {
        Lambda::remove_layer_version_permission(self, ctx, input).await
    }

    async fn remove_permission(
        &self,
        ctx: &Ctx,
        input: RemovePermissionRequest,
    ) -> Result<(), LambdaError> {
        Lambda::remove_permission(self, ctx, input).await
    }

    async fn send_durable_execution_callback_failure(
        &self,
        ctx: &Ctx,
        input: SendDurableExecutionCallbackFailureRequest,
    ) -> Result<SendDurableExecutionCallbackFailureResponse, LambdaError> {
        Lambda::send_durable_execution_callback_failure(self, ctx, input).await
    }

    async fn send_durable_execution_callback_heartbeat(
        &self,
        ctx: &Ctx,
        input: SendDurableExecutionCallbackHeartbeatRequest,
    ) -> Result<SendDurableExecutionCallbackHeartbeatResponse, LambdaError> {
        Lambda::send_durable_execution_callback_heartbeat(self, ctx, input).await
    }

    async fn send_durable_execution_callback_success(
        &self,
        ctx: &Ctx,
        input: SendDurableExecutionCallbackSuccessRequest,
    ) -> Result<SendDurableExecutionCallbackSuccessResponse, LambdaError> {
        Lambda::send_durable_execution_callback_success(self, ctx, input).await
    }

    async fn stop_durable_execution(
        &self,
        ctx: &Ctx,
        input: StopDurableExecutionRequest,
    ) -> Result<StopDurableExecutionResponse, LambdaError> {
        Lambda::stop_durable_execution(self, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &Ctx, input: TagResourceRequest) -> Result<(), LambdaError> {
        Lambda::tag_resource(self, ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), LambdaError> {
        Lambda::untag_resource(self, ctx, input).await
    }

    async fn update_alias(
        &self,
        ctx: &Ctx,
        input: UpdateAliasRequest,
    ) -> Result<AliasConfiguration, LambdaError> {
        Lambda::update_alias(self, ctx, input).await
    }

    async fn update_capacity_provider(
        &self,
        ctx: &Ctx,
        input: UpdateCapacityProviderRequest,
    ) -> Result<UpdateCapacityProviderResponse, LambdaError> {
        Lambda::update_capacity_provider(self, ctx, input).await
    }

    async fn update_code_signing_config(
        &self,
        ctx: &Ctx,
        input: UpdateCodeSigningConfigRequest,
    ) -> Result<UpdateCodeSigningConfigResponse, LambdaError> {
        Lambda::update_code_signing_config(self, ctx, input).await
    }

    async fn update_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: UpdateEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        Lambda::update_event_source_mapping(self, ctx, input).await
    }

    async fn update_function_code(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionCodeRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        Lambda::update_function_code(self, ctx, input).await
    }

    async fn update_function_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionConfigurationRequest,
    ) -> Result<FunctionConfiguration, LambdaError> {
        Lambda::update_function_configuration(self, ctx, input).await
    }

    async fn update_function_event_invoke_config(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionEventInvokeConfigRequest,
    ) -> Result<FunctionEventInvokeConfig, LambdaError> {
        Lambda::update_function_event_invoke_config(self, ctx, input).await
    }

    async fn update_function_url_config(
        &self,
        ctx: &Ctx,
        input: UpdateFunctionUrlConfigRequest,
    ) -> Result<UpdateFunctionUrlConfigResponse, LambdaError> {
        Lambda::update_function_url_config(self, ctx, input).await
    }
}
