//! The `Api` table: each Systems Manager operation of the model, delegated to its handler in the
//! topic module that owns it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::ssm::{
    AddTagsToResourceRequest, AddTagsToResourceResult, Api, CancelCommandRequest,
    CancelCommandResult, CreateActivationRequest, CreateActivationResult,
    CreateAssociationBatchRequest, CreateAssociationBatchResult, CreateAssociationRequest,
    CreateAssociationResult, CreateDocumentRequest, CreateDocumentResult,
    CreateMaintenanceWindowRequest, CreateMaintenanceWindowResult, CreateOpsItemRequest,
    CreateOpsItemResponse, CreateOpsMetadataRequest, CreateOpsMetadataResult,
    CreatePatchBaselineRequest, CreatePatchBaselineResult, DeleteActivationRequest,
    DeleteActivationResult, DeleteAssociationRequest, DeleteAssociationResult,
    DeleteDocumentRequest, DeleteDocumentResult, DeleteMaintenanceWindowRequest,
    DeleteMaintenanceWindowResult, DeleteOpsItemRequest, DeleteOpsItemResponse,
    DeleteOpsMetadataRequest, DeleteOpsMetadataResult, DeleteParameterRequest,
    DeleteParameterResult, DeleteParametersRequest, DeleteParametersResult,
    DeletePatchBaselineRequest, DeletePatchBaselineResult, DeleteResourcePolicyRequest,
    DeleteResourcePolicyResponse, DeregisterManagedInstanceRequest,
    DeregisterManagedInstanceResult, DeregisterPatchBaselineForPatchGroupRequest,
    DeregisterPatchBaselineForPatchGroupResult, DeregisterTargetFromMaintenanceWindowRequest,
    DeregisterTargetFromMaintenanceWindowResult, DeregisterTaskFromMaintenanceWindowRequest,
    DeregisterTaskFromMaintenanceWindowResult, DescribeActivationsRequest,
    DescribeActivationsResult, DescribeAssociationExecutionsRequest,
    DescribeAssociationExecutionsResult, DescribeAssociationRequest, DescribeAssociationResult,
    DescribeDocumentPermissionRequest, DescribeDocumentPermissionResponse, DescribeDocumentRequest,
    DescribeDocumentResult, DescribeEffectiveInstanceAssociationsRequest,
    DescribeEffectiveInstanceAssociationsResult, DescribeInstanceAssociationsStatusRequest,
    DescribeInstanceAssociationsStatusResult, DescribeInstanceInformationRequest,
    DescribeInstanceInformationResult, DescribeInstancePatchStatesForPatchGroupRequest,
    DescribeInstancePatchStatesForPatchGroupResult, DescribeInstancePatchStatesRequest,
    DescribeInstancePatchStatesResult, DescribeInstancePatchesRequest,
    DescribeInstancePatchesResult, DescribeInstancePropertiesRequest,
    DescribeInstancePropertiesResult, DescribeInventoryDeletionsRequest,
    DescribeInventoryDeletionsResult, DescribeMaintenanceWindowExecutionsRequest,
    DescribeMaintenanceWindowExecutionsResult, DescribeMaintenanceWindowTargetsRequest,
    DescribeMaintenanceWindowTargetsResult, DescribeMaintenanceWindowTasksRequest,
    DescribeMaintenanceWindowTasksResult, DescribeMaintenanceWindowsForTargetRequest,
    DescribeMaintenanceWindowsForTargetResult, DescribeMaintenanceWindowsRequest,
    DescribeMaintenanceWindowsResult, DescribeOpsItemsRequest, DescribeOpsItemsResponse,
    DescribeParametersRequest, DescribeParametersResult, DescribePatchBaselinesRequest,
    DescribePatchBaselinesResult, DescribePatchGroupStateRequest, DescribePatchGroupStateResult,
    DescribePatchGroupsRequest, DescribePatchGroupsResult, DescribeSessionsRequest,
    DescribeSessionsResponse, GetCommandInvocationRequest, GetCommandInvocationResult,
    GetConnectionStatusRequest, GetConnectionStatusResponse, GetDefaultPatchBaselineRequest,
    GetDefaultPatchBaselineResult, GetDeployablePatchSnapshotForInstanceRequest,
    GetDeployablePatchSnapshotForInstanceResult, GetDocumentRequest, GetDocumentResult,
    GetInventoryRequest, GetInventoryResult, GetMaintenanceWindowRequest,
    GetMaintenanceWindowResult, GetMaintenanceWindowTaskRequest, GetMaintenanceWindowTaskResult,
    GetOpsItemRequest, GetOpsItemResponse, GetOpsMetadataRequest, GetOpsMetadataResult,
    GetParameterHistoryRequest, GetParameterHistoryResult, GetParameterRequest, GetParameterResult,
    GetParametersByPathRequest, GetParametersByPathResult, GetParametersRequest,
    GetParametersResult, GetPatchBaselineForPatchGroupRequest, GetPatchBaselineForPatchGroupResult,
    GetPatchBaselineRequest, GetPatchBaselineResult, GetResourcePoliciesRequest,
    GetResourcePoliciesResponse, GetServiceSettingRequest, GetServiceSettingResult,
    LabelParameterVersionRequest, LabelParameterVersionResult, ListAssociationVersionsRequest,
    ListAssociationVersionsResult, ListAssociationsRequest, ListAssociationsResult,
    ListCommandInvocationsRequest, ListCommandInvocationsResult, ListCommandsRequest,
    ListCommandsResult, ListComplianceItemsRequest, ListComplianceItemsResult,
    ListComplianceSummariesRequest, ListComplianceSummariesResult, ListDocumentVersionsRequest,
    ListDocumentVersionsResult, ListDocumentsRequest, ListDocumentsResult,
    ListInventoryEntriesRequest, ListInventoryEntriesResult, ListNodesRequest, ListNodesResult,
    ListOpsMetadataRequest, ListOpsMetadataResult, ListResourceComplianceSummariesRequest,
    ListResourceComplianceSummariesResult, ListTagsForResourceRequest, ListTagsForResourceResult,
    ModifyDocumentPermissionRequest, ModifyDocumentPermissionResponse, PutComplianceItemsRequest,
    PutComplianceItemsResult, PutInventoryRequest, PutInventoryResult, PutParameterRequest,
    PutParameterResult, PutResourcePolicyRequest, PutResourcePolicyResponse,
    RegisterDefaultPatchBaselineRequest, RegisterDefaultPatchBaselineResult,
    RegisterPatchBaselineForPatchGroupRequest, RegisterPatchBaselineForPatchGroupResult,
    RegisterTargetWithMaintenanceWindowRequest, RegisterTargetWithMaintenanceWindowResult,
    RegisterTaskWithMaintenanceWindowRequest, RegisterTaskWithMaintenanceWindowResult,
    RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult, ResetServiceSettingRequest,
    ResetServiceSettingResult, ResumeSessionRequest, ResumeSessionResponse, SendCommandRequest,
    SendCommandResult, StartSessionRequest, StartSessionResponse, UnlabelParameterVersionRequest,
    UnlabelParameterVersionResult, UpdateAssociationRequest, UpdateAssociationResult,
    UpdateDocumentDefaultVersionRequest, UpdateDocumentDefaultVersionResult, UpdateDocumentRequest,
    UpdateDocumentResult, UpdateMaintenanceWindowRequest, UpdateMaintenanceWindowResult,
    UpdateMaintenanceWindowTargetRequest, UpdateMaintenanceWindowTargetResult,
    UpdateMaintenanceWindowTaskRequest, UpdateMaintenanceWindowTaskResult,
    UpdateManagedInstanceRoleRequest, UpdateManagedInstanceRoleResult, UpdateOpsItemRequest,
    UpdateOpsItemResponse, UpdateOpsMetadataRequest, UpdateOpsMetadataResult,
    UpdatePatchBaselineRequest, UpdatePatchBaselineResult, UpdateServiceSettingRequest,
    UpdateServiceSettingResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Ssm {
    type Ctx = Ctx;
    type Error = SsmError;

    async fn add_tags_to_resource(
        &self,
        ctx: &Ctx,
        input: AddTagsToResourceRequest,
    ) -> Result<AddTagsToResourceResult, SsmError> {
        Ssm::add_tags_to_resource(self, ctx, input).await
    }

    async fn cancel_command(
        &self,
        ctx: &Ctx,
        input: CancelCommandRequest,
    ) -> Result<CancelCommandResult, SsmError> {
        Ssm::cancel_command(self, ctx, input).await
    }

    async fn create_activation(
        &self,
        ctx: &Ctx,
        input: CreateActivationRequest,
    ) -> Result<CreateActivationResult, SsmError> {
        Ssm::create_activation(self, ctx, input).await
    }

    async fn create_association(
        &self,
        ctx: &Ctx,
        input: CreateAssociationRequest,
    ) -> Result<CreateAssociationResult, SsmError> {
        Ssm::create_association(self, ctx, input).await
    }

    async fn create_association_batch(
        &self,
        ctx: &Ctx,
        input: CreateAssociationBatchRequest,
    ) -> Result<CreateAssociationBatchResult, SsmError> {
        Ssm::create_association_batch(self, ctx, input).await
    }

    async fn create_document(
        &self,
        ctx: &Ctx,
        input: CreateDocumentRequest,
    ) -> Result<CreateDocumentResult, SsmError> {
        Ssm::create_document(self, ctx, input).await
    }

    async fn create_maintenance_window(
        &self,
        ctx: &Ctx,
        input: CreateMaintenanceWindowRequest,
    ) -> Result<CreateMaintenanceWindowResult, SsmError> {
        Ssm::create_maintenance_window(self, ctx, input).await
    }

    async fn create_ops_item(
        &self,
        ctx: &Ctx,
        input: CreateOpsItemRequest,
    ) -> Result<CreateOpsItemResponse, SsmError> {
        Ssm::create_ops_item(self, ctx, input).await
    }

    async fn create_ops_metadata(
        &self,
        ctx: &Ctx,
        input: CreateOpsMetadataRequest,
    ) -> Result<CreateOpsMetadataResult, SsmError> {
        Ssm::create_ops_metadata(self, ctx, input).await
    }

    async fn create_patch_baseline(
        &self,
        ctx: &Ctx,
        input: CreatePatchBaselineRequest,
    ) -> Result<CreatePatchBaselineResult, SsmError> {
        Ssm::create_patch_baseline(self, ctx, input).await
    }

    async fn delete_activation(
        &self,
        ctx: &Ctx,
        input: DeleteActivationRequest,
    ) -> Result<DeleteActivationResult, SsmError> {
        Ssm::delete_activation(self, ctx, input).await
    }

    async fn delete_association(
        &self,
        ctx: &Ctx,
        input: DeleteAssociationRequest,
    ) -> Result<DeleteAssociationResult, SsmError> {
        Ssm::delete_association(self, ctx, input).await
    }

    async fn delete_document(
        &self,
        ctx: &Ctx,
        input: DeleteDocumentRequest,
    ) -> Result<DeleteDocumentResult, SsmError> {
        Ssm::delete_document(self, ctx, input).await
    }

    async fn delete_maintenance_window(
        &self,
        ctx: &Ctx,
        input: DeleteMaintenanceWindowRequest,
    ) -> Result<DeleteMaintenanceWindowResult, SsmError> {
        Ssm::delete_maintenance_window(self, ctx, input).await
    }

    async fn delete_ops_item(
        &self,
        ctx: &Ctx,
        input: DeleteOpsItemRequest,
    ) -> Result<DeleteOpsItemResponse, SsmError> {
        Ssm::delete_ops_item(self, ctx, input).await
    }

    async fn delete_ops_metadata(
        &self,
        ctx: &Ctx,
        input: DeleteOpsMetadataRequest,
    ) -> Result<DeleteOpsMetadataResult, SsmError> {
        Ssm::delete_ops_metadata(self, ctx, input).await
    }

    async fn delete_parameter(
        &self,
        ctx: &Ctx,
        input: DeleteParameterRequest,
    ) -> Result<DeleteParameterResult, SsmError> {
        Ssm::delete_parameter(self, ctx, input).await
    }

    async fn delete_parameters(
        &self,
        ctx: &Ctx,
        input: DeleteParametersRequest,
    ) -> Result<DeleteParametersResult, SsmError> {
        Ssm::delete_parameters(self, ctx, input).await
    }

    async fn delete_patch_baseline(
        &self,
        ctx: &Ctx,
        input: DeletePatchBaselineRequest,
    ) -> Result<DeletePatchBaselineResult, SsmError> {
        Ssm::delete_patch_baseline(self, ctx, input).await
    }

    async fn delete_resource_policy(
        &self,
        ctx: &Ctx,
        input: DeleteResourcePolicyRequest,
    ) -> Result<DeleteResourcePolicyResponse, SsmError> {
        Ssm::delete_resource_policy(self, ctx, input).await
    }

    async fn deregister_managed_instance(
        &self,
        ctx: &Ctx,
        input: DeregisterManagedInstanceRequest,
    ) -> Result<DeregisterManagedInstanceResult, SsmError> {
        Ssm::deregister_managed_instance(self, ctx, input).await
    }

    async fn deregister_patch_baseline_for_patch_group(
        &self,
        ctx: &Ctx,
        input: DeregisterPatchBaselineForPatchGroupRequest,
    ) -> Result<DeregisterPatchBaselineForPatchGroupResult, SsmError> {
        Ssm::deregister_patch_baseline_for_patch_group(self, ctx, input).await
    }

    async fn deregister_target_from_maintenance_window(
        &self,
        ctx: &Ctx,
        input: DeregisterTargetFromMaintenanceWindowRequest,
    ) -> Result<DeregisterTargetFromMaintenanceWindowResult, SsmError> {
        Ssm::deregister_target_from_maintenance_window(self, ctx, input).await
    }

    async fn deregister_task_from_maintenance_window(
        &self,
        ctx: &Ctx,
        input: DeregisterTaskFromMaintenanceWindowRequest,
    ) -> Result<DeregisterTaskFromMaintenanceWindowResult, SsmError> {
        Ssm::deregister_task_from_maintenance_window(self, ctx, input).await
    }

    async fn describe_activations(
        &self,
        ctx: &Ctx,
        input: DescribeActivationsRequest,
    ) -> Result<DescribeActivationsResult, SsmError> {
        Ssm::describe_activations(self, ctx, input).await
    }

    async fn describe_association(
        &self,
        ctx: &Ctx,
        input: DescribeAssociationRequest,
    ) -> Result<DescribeAssociationResult, SsmError> {
        Ssm::describe_association(self, ctx, input).await
    }

    async fn describe_association_executions(
        &self,
        ctx: &Ctx,
        input: DescribeAssociationExecutionsRequest,
    ) -> Result<DescribeAssociationExecutionsResult, SsmError> {
        Ssm::describe_association_executions(self, ctx, input).await
    }

    async fn describe_document(
        &self,
        ctx: &Ctx,
        input: DescribeDocumentRequest,
    ) -> Result<DescribeDocumentResult, SsmError> {
        Ssm::describe_document(self, ctx, input).await
    }

    async fn describe_document_permission(
        &self,
        ctx: &Ctx,
        input: DescribeDocumentPermissionRequest,
    ) -> Result<DescribeDocumentPermissionResponse, SsmError> {
        Ssm::describe_document_permission(self, ctx, input).await
    }

    async fn describe_effective_instance_associations(
        &self,
        ctx: &Ctx,
        input: DescribeEffectiveInstanceAssociationsRequest,
    ) -> Result<DescribeEffectiveInstanceAssociationsResult, SsmError> {
        Ssm::describe_effective_instance_associations(self, ctx, input).await
    }

    async fn describe_instance_associations_status(
        &self,
        ctx: &Ctx,
        input: DescribeInstanceAssociationsStatusRequest,
    ) -> Result<DescribeInstanceAssociationsStatusResult, SsmError> {
        Ssm::describe_instance_associations_status(self, ctx, input).await
    }

    async fn describe_instance_information(
        &self,
        ctx: &Ctx,
        input: DescribeInstanceInformationRequest,
    ) -> Result<DescribeInstanceInformationResult, SsmError> {
        Ssm::describe_instance_information(self, ctx, input).await
    }

    async fn describe_instance_patch_states(
        &self,
        ctx: &Ctx,
        input: DescribeInstancePatchStatesRequest,
    ) -> Result<DescribeInstancePatchStatesResult, SsmError> {
        Ssm::describe_instance_patch_states(self, ctx, input).await
    }

    async fn describe_instance_patch_states_for_patch_group(
        &self,
        ctx: &Ctx,
        input: DescribeInstancePatchStatesForPatchGroupRequest,
    ) -> Result<DescribeInstancePatchStatesForPatchGroupResult, SsmError> {
        Ssm::describe_instance_patch_states_for_patch_group(self, ctx, input).await
    }

    async fn describe_instance_patches(
        &self,
        ctx: &Ctx,
        input: DescribeInstancePatchesRequest,
    ) -> Result<DescribeInstancePatchesResult, SsmError> {
        Ssm::describe_instance_patches(self, ctx, input).await
    }

    async fn describe_instance_properties(
        &self,
        ctx: &Ctx,
        input: DescribeInstancePropertiesRequest,
    ) -> Result<DescribeInstancePropertiesResult, SsmError> {
        Ssm::describe_instance_properties(self, ctx, input).await
    }

    async fn describe_inventory_deletions(
        &self,
        ctx: &Ctx,
        input: DescribeInventoryDeletionsRequest,
    ) -> Result<DescribeInventoryDeletionsResult, SsmError> {
        Ssm::describe_inventory_deletions(self, ctx, input).await
    }

    async fn describe_maintenance_window_executions(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowExecutionsRequest,
    ) -> Result<DescribeMaintenanceWindowExecutionsResult, SsmError> {
        Ssm::describe_maintenance_window_executions(self, ctx, input).await
    }

    async fn describe_maintenance_window_targets(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowTargetsRequest,
    ) -> Result<DescribeMaintenanceWindowTargetsResult, SsmError> {
        Ssm::describe_maintenance_window_targets(self, ctx, input).await
    }

    async fn describe_maintenance_window_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowTasksRequest,
    ) -> Result<DescribeMaintenanceWindowTasksResult, SsmError> {
        Ssm::describe_maintenance_window_tasks(self, ctx, input).await
    }

    async fn describe_maintenance_windows(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowsRequest,
    ) -> Result<DescribeMaintenanceWindowsResult, SsmError> {
        Ssm::describe_maintenance_windows(self, ctx, input).await
    }

    async fn describe_maintenance_windows_for_target(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowsForTargetRequest,
    ) -> Result<DescribeMaintenanceWindowsForTargetResult, SsmError> {
        Ssm::describe_maintenance_windows_for_target(self, ctx, input).await
    }

    async fn describe_ops_items(
        &self,
        ctx: &Ctx,
        input: DescribeOpsItemsRequest,
    ) -> Result<DescribeOpsItemsResponse, SsmError> {
        Ssm::describe_ops_items(self, ctx, input).await
    }

    async fn describe_parameters(
        &self,
        ctx: &Ctx,
        input: DescribeParametersRequest,
    ) -> Result<DescribeParametersResult, SsmError> {
        Ssm::describe_parameters(self, ctx, input).await
    }

    async fn describe_patch_baselines(
        &self,
        ctx: &Ctx,
        input: DescribePatchBaselinesRequest,
    ) -> Result<DescribePatchBaselinesResult, SsmError> {
        Ssm::describe_patch_baselines(self, ctx, input).await
    }

    async fn describe_patch_group_state(
        &self,
        ctx: &Ctx,
        input: DescribePatchGroupStateRequest,
    ) -> Result<DescribePatchGroupStateResult, SsmError> {
        Ssm::describe_patch_group_state(self, ctx, input).await
    }

    async fn describe_patch_groups(
        &self,
        ctx: &Ctx,
        input: DescribePatchGroupsRequest,
    ) -> Result<DescribePatchGroupsResult, SsmError> {
        Ssm::describe_patch_groups(self, ctx, input).await
    }

    async fn describe_sessions(
        &self,
        ctx: &Ctx,
        input: DescribeSessionsRequest,
    ) -> Result<DescribeSessionsResponse, SsmError> {
        Ssm::describe_sessions(self, ctx, input).await
    }

    async fn get_command_invocation(
        &self,
        ctx: &Ctx,
        input: GetCommandInvocationRequest,
    ) -> Result<GetCommandInvocationResult, SsmError> {
        Ssm::get_command_invocation(self, ctx, input).await
    }

    async fn get_connection_status(
        &self,
        ctx: &Ctx,
        input: GetConnectionStatusRequest,
    ) -> Result<GetConnectionStatusResponse, SsmError> {
        Ssm::get_connection_status(self, ctx, input).await
    }

    async fn get_default_patch_baseline(
        &self,
        ctx: &Ctx,
        input: GetDefaultPatchBaselineRequest,
    ) -> Result<GetDefaultPatchBaselineResult, SsmError> {
        Ssm::get_default_patch_baseline(self, ctx, input).await
    }

    async fn get_deployable_patch_snapshot_for_instance(
        &self,
        ctx: &Ctx,
        input: GetDeployablePatchSnapshotForInstanceRequest,
    ) -> Result<GetDeployablePatchSnapshotForInstanceResult, SsmError> {
        Ssm::get_deployable_patch_snapshot_for_instance(self, ctx, input).await
    }

    async fn get_document(
        &self,
        ctx: &Ctx,
        input: GetDocumentRequest,
    ) -> Result<GetDocumentResult, SsmError> {
        Ssm::get_document(self, ctx, input).await
    }

    async fn get_inventory(
        &self,
        ctx: &Ctx,
        input: GetInventoryRequest,
    ) -> Result<GetInventoryResult, SsmError> {
        Ssm::get_inventory(self, ctx, input).await
    }

    async fn get_maintenance_window(
        &self,
        ctx: &Ctx,
        input: GetMaintenanceWindowRequest,
    ) -> Result<GetMaintenanceWindowResult, SsmError> {
        Ssm::get_maintenance_window(self, ctx, input).await
    }

    async fn get_maintenance_window_task(
        &self,
        ctx: &Ctx,
        input: GetMaintenanceWindowTaskRequest,
    ) -> Result<GetMaintenanceWindowTaskResult, SsmError> {
        Ssm::get_maintenance_window_task(self, ctx, input).await
    }

    async fn get_ops_item(
        &self,
        ctx: &Ctx,
        input: GetOpsItemRequest,
    ) -> Result<GetOpsItemResponse, SsmError> {
        Ssm::get_ops_item(self, ctx, input).await
    }

    async fn get_ops_metadata(
        &self,
        ctx: &Ctx,
        input: GetOpsMetadataRequest,
    ) -> Result<GetOpsMetadataResult, SsmError> {
        Ssm::get_ops_metadata(self, ctx, input).await
    }

    async fn get_parameter(
        &self,
        ctx: &Ctx,
        input: GetParameterRequest,
    ) -> Result<GetParameterResult, SsmError> {
        Ssm::get_parameter(self, ctx, input).await
    }

    async fn get_parameter_history(
        &self,
        ctx: &Ctx,
        input: GetParameterHistoryRequest,
    ) -> Result<GetParameterHistoryResult, SsmError> {
        Ssm::get_parameter_history(self, ctx, input).await
    }

    async fn get_parameters(
        &self,
        ctx: &Ctx,
        input: GetParametersRequest,
    ) -> Result<GetParametersResult, SsmError> {
        Ssm::get_parameters(self, ctx, input).await
    }

    async fn get_parameters_by_path(
        &self,
        ctx: &Ctx,
        input: GetParametersByPathRequest,
    ) -> Result<GetParametersByPathResult, SsmError> {
        Ssm::get_parameters_by_path(self, ctx, input).await
    }

    async fn get_patch_baseline(
        &self,
        ctx: &Ctx,
        input: GetPatchBaselineRequest,
    ) -> Result<GetPatchBaselineResult, SsmError> {
        Ssm::get_patch_baseline(self, ctx, input).await
    }

    async fn get_patch_baseline_for_patch_group(
        &self,
        ctx: &Ctx,
        input: GetPatchBaselineForPatchGroupRequest,
    ) -> Result<GetPatchBaselineForPatchGroupResult, SsmError> {
        Ssm::get_patch_baseline_for_patch_group(self, ctx, input).await
    }

    async fn get_resource_policies(
        &self,
        ctx: &Ctx,
        input: GetResourcePoliciesRequest,
    ) -> Result<GetResourcePoliciesResponse, SsmError> {
        Ssm::get_resource_policies(self, ctx, input).await
    }

    async fn get_service_setting(
        &self,
        ctx: &Ctx,
        input: GetServiceSettingRequest,
    ) -> Result<GetServiceSettingResult, SsmError> {
        Ssm::get_service_setting(self, ctx, input).await
    }

    async fn label_parameter_version(
        &self,
        ctx: &Ctx,
        input: LabelParameterVersionRequest,
    ) -> Result<LabelParameterVersionResult, SsmError> {
        Ssm::label_parameter_version(self, ctx, input).await
    }

    async fn list_association_versions(
        &self,
        ctx: &Ctx,
        input: ListAssociationVersionsRequest,
    ) -> Result<ListAssociationVersionsResult, SsmError> {
        Ssm::list_association_versions(self, ctx, input).await
    }

    async fn list_associations(
        &self,
        ctx: &Ctx,
        input: ListAssociationsRequest,
    ) -> Result<ListAssociationsResult, SsmError> {
        Ssm::list_associations(self, ctx, input).await
    }

    async fn list_command_invocations(
        &self,
        ctx: &Ctx,
        input: ListCommandInvocationsRequest,
    ) -> Result<ListCommandInvocationsResult, SsmError> {
        Ssm::list_command_invocations(self, ctx, input).await
    }

    async fn list_commands(
        &self,
        ctx: &Ctx,
        input: ListCommandsRequest,
    ) -> Result<ListCommandsResult, SsmError> {
        Ssm::list_commands(self, ctx, input).await
    }

    async fn list_compliance_items(
        &self,
        ctx: &Ctx,
        input: ListComplianceItemsRequest,
    ) -> Result<ListComplianceItemsResult, SsmError> {
        Ssm::list_compliance_items(self, ctx, input).await
    }

    async fn list_compliance_summaries(
        &self,
        ctx: &Ctx,
        input: ListComplianceSummariesRequest,
    ) -> Result<ListComplianceSummariesResult, SsmError> {
        Ssm::list_compliance_summaries(self, ctx, input).await
    }

    async fn list_document_versions(
        &self,
        ctx: &Ctx,
        input: ListDocumentVersionsRequest,
    ) -> Result<ListDocumentVersionsResult, SsmError> {
        Ssm::list_document_versions(self, ctx, input).await
    }

    async fn list_documents(
        &self,
        ctx: &Ctx,
        input: ListDocumentsRequest,
    ) -> Result<ListDocumentsResult, SsmError> {
        Ssm::list_documents(self, ctx, input).await
    }

    async fn list_inventory_entries(
        &self,
        ctx: &Ctx,
        input: ListInventoryEntriesRequest,
    ) -> Result<ListInventoryEntriesResult, SsmError> {
        Ssm::list_inventory_entries(self, ctx, input).await
    }

    async fn list_nodes(
        &self,
        ctx: &Ctx,
        input: ListNodesRequest,
    ) -> Result<ListNodesResult, SsmError> {
        Ssm::list_nodes(self, ctx, input).await
    }

    async fn list_ops_metadata(
        &self,
        ctx: &Ctx,
        input: ListOpsMetadataRequest,
    ) -> Result<ListOpsMetadataResult, SsmError> {
        Ssm::list_ops_metadata(self, ctx, input).await
    }

    async fn list_resource_compliance_summaries(
        &self,
        ctx: &Ctx,
        input: ListResourceComplianceSummariesRequest,
    ) -> Result<ListResourceComplianceSummariesResult, SsmError> {
        Ssm::list_resource_compliance_summaries(self, ctx, input).await
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResult, SsmError> {
        Ssm::list_tags_for_resource(self, ctx, input).await
    }

    async fn modify_document_permission(
        &self,
        ctx: &Ctx,
        input: ModifyDocumentPermissionRequest,
    ) -> Result<ModifyDocumentPermissionResponse, SsmError> {
        Ssm::modify_document_permission(self, ctx, input).await
    }

    async fn put_compliance_items(
        &self,
        ctx: &Ctx,
        input: PutComplianceItemsRequest,
    ) -> Result<PutComplianceItemsResult, SsmError> {
        Ssm::put_compliance_items(self, ctx, input).await
    }

    async fn put_inventory(
        &self,
        ctx: &Ctx,
        input: PutInventoryRequest,
    ) -> Result<PutInventoryResult, SsmError> {
        Ssm::put_inventory(self, ctx, input).await
    }

    async fn put_parameter(
        &self,
        ctx: &Ctx,
        input: PutParameterRequest,
    ) -> Result<PutParameterResult, SsmError> {
        Ssm::put_parameter(self, ctx, input).await
    }

    async fn put_resource_policy(
        &self,
        ctx: &Ctx,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, SsmError> {
        Ssm::put_resource_policy(self, ctx, input).await
    }

    async fn register_default_patch_baseline(
        &self,
        ctx: &Ctx,
        input: RegisterDefaultPatchBaselineRequest,
    ) -> Result<RegisterDefaultPatchBaselineResult, SsmError> {
        Ssm::register_default_patch_baseline(self, ctx, input).await
    }

    async fn register_patch_baseline_for_patch_group(
        &self,
        ctx: &Ctx,
        input: RegisterPatchBaselineForPatchGroupRequest,
    ) -> Result<RegisterPatchBaselineForPatchGroupResult, SsmError> {
        Ssm::register_patch_baseline_for_patch_group(self, ctx, input).await
    }

    async fn register_target_with_maintenance_window(
        &self,
        ctx: &Ctx,
        input: RegisterTargetWithMaintenanceWindowRequest,
    ) -> Result<RegisterTargetWithMaintenanceWindowResult, SsmError> {
        Ssm::register_target_with_maintenance_window(self, ctx, input).await
    }

    async fn register_task_with_maintenance_window(
        &self,
        ctx: &Ctx,
        input: RegisterTaskWithMaintenanceWindowRequest,
    ) -> Result<RegisterTaskWithMaintenanceWindowResult, SsmError> {
        Ssm::register_task_with_maintenance_window(self, ctx, input).await
    }

    async fn remove_tags_from_resource(
        &self,
        ctx: &Ctx,
        input: RemoveTagsFromResourceRequest,
    ) -> Result<RemoveTagsFromResourceResult, SsmError> {
        Ssm::remove_tags_from_resource(self, ctx, input).await
    }

    async fn reset_service_setting(
        &self,
        ctx: &Ctx,
        input: ResetServiceSettingRequest,
    ) -> Result<ResetServiceSettingResult, SsmError> {
        Ssm::reset_service_setting(self, ctx, input).await
    }

    async fn resume_session(
        &self,
        ctx: &Ctx,
        input: ResumeSessionRequest,
    ) -> Result<ResumeSessionResponse, SsmError> {
        Ssm::resume_session(self, ctx, input).await
    }

    async fn send_command(
        &self,
        ctx: &Ctx,
        input: SendCommandRequest,
    ) -> Result<SendCommandResult, SsmError> {
        Ssm::send_command(self, ctx, input).await
    }

    async fn start_session(
        &self,
        ctx: &Ctx,
        input: StartSessionRequest,
    ) -> Result<StartSessionResponse, SsmError> {
        Ssm::start_session(self, ctx, input).await
    }

    async fn unlabel_parameter_version(
        &self,
        ctx: &Ctx,
        input: UnlabelParameterVersionRequest,
    ) -> Result<UnlabelParameterVersionResult, SsmError> {
        Ssm::unlabel_parameter_version(self, ctx, input).await
    }

    async fn update_association(
        &self,
        ctx: &Ctx,
        input: UpdateAssociationRequest,
    ) -> Result<UpdateAssociationResult, SsmError> {
        Ssm::update_association(self, ctx, input).await
    }

    async fn update_document(
        &self,
        ctx: &Ctx,
        input: UpdateDocumentRequest,
    ) -> Result<UpdateDocumentResult, SsmError> {
        Ssm::update_document(self, ctx, input).await
    }

    async fn update_document_default_version(
        &self,
        ctx: &Ctx,
        input: UpdateDocumentDefaultVersionRequest,
    ) -> Result<UpdateDocumentDefaultVersionResult, SsmError> {
        Ssm::update_document_default_version(self, ctx, input).await
    }

    async fn update_maintenance_window(
        &self,
        ctx: &Ctx,
        input: UpdateMaintenanceWindowRequest,
    ) -> Result<UpdateMaintenanceWindowResult, SsmError> {
        Ssm::update_maintenance_window(self, ctx, input).await
    }

    async fn update_maintenance_window_target(
        &self,
        ctx: &Ctx,
        input: UpdateMaintenanceWindowTargetRequest,
    ) -> Result<UpdateMaintenanceWindowTargetResult, SsmError> {
        Ssm::update_maintenance_window_target(self, ctx, input).await
    }

    async fn update_maintenance_window_task(
        &self,
        ctx: &Ctx,
        input: UpdateMaintenanceWindowTaskRequest,
    ) -> Result<UpdateMaintenanceWindowTaskResult, SsmError> {
        Ssm::update_maintenance_window_task(self, ctx, input).await
    }

    async fn update_managed_instance_role(
        &self,
        ctx: &Ctx,
        input: UpdateManagedInstanceRoleRequest,
    ) -> Result<UpdateManagedInstanceRoleResult, SsmError> {
        Ssm::update_managed_instance_role(self, ctx, input).await
    }

    async fn update_ops_item(
        &self,
        ctx: &Ctx,
        input: UpdateOpsItemRequest,
    ) -> Result<UpdateOpsItemResponse, SsmError> {
        Ssm::update_ops_item(self, ctx, input).await
    }

    async fn update_ops_metadata(
        &self,
        ctx: &Ctx,
        input: UpdateOpsMetadataRequest,
    ) -> Result<UpdateOpsMetadataResult, SsmError> {
        Ssm::update_ops_metadata(self, ctx, input).await
    }

    async fn update_patch_baseline(
        &self,
        ctx: &Ctx,
        input: UpdatePatchBaselineRequest,
    ) -> Result<UpdatePatchBaselineResult, SsmError> {
        Ssm::update_patch_baseline(self, ctx, input).await
    }

    async fn update_service_setting(
        &self,
        ctx: &Ctx,
        input: UpdateServiceSettingRequest,
    ) -> Result<UpdateServiceSettingResult, SsmError> {
        Ssm::update_service_setting(self, ctx, input).await
    }
}
