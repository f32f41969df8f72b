//! What SSM reports about managed nodes — inventory, compliance, patch states, node listings —
//! for an account with none (the simulator runs no SSM agent): empty listings, and SSM's
//! errors for any call that names an instance, since no instance is managed here.

use sim_aws_shapes::ssm::{
    DeregisterManagedInstanceRequest, DeregisterManagedInstanceResult,
    DescribeEffectiveInstanceAssociationsRequest, DescribeEffectiveInstanceAssociationsResult,
    DescribeInstanceAssociationsStatusRequest, DescribeInstanceAssociationsStatusResult,
    DescribeInstancePatchStatesForPatchGroupRequest,
    DescribeInstancePatchStatesForPatchGroupResult, DescribeInstancePatchStatesRequest,
    DescribeInstancePatchStatesResult, DescribeInstancePatchesRequest,
    DescribeInstancePatchesResult, DescribeInstancePropertiesRequest,
    DescribeInstancePropertiesResult, DescribeInventoryDeletionsRequest,
    DescribeInventoryDeletionsResult, GetDeployablePatchSnapshotForInstanceRequest,
    GetDeployablePatchSnapshotForInstanceResult, GetInventoryRequest, GetInventoryResult,
    ListComplianceItemsRequest, ListComplianceItemsResult, ListComplianceSummariesRequest,
    ListComplianceSummariesResult, ListInventoryEntriesRequest, ListInventoryEntriesResult,
    ListNodesRequest, ListNodesResult, ListResourceComplianceSummariesRequest,
    ListResourceComplianceSummariesResult, PutComplianceItemsRequest, PutComplianceItemsResult,
    PutInventoryRequest, PutInventoryResult, UpdateManagedInstanceRoleRequest,
    UpdateManagedInstanceRoleResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// SSM's answer for an instance it does not manage.
fn unmanaged(instance_id: &str) -> SsmError {
    SsmError::new(
        "InvalidInstanceId",
        format!("Instance {instance_id} is not a managed instance."),
    )
}

impl Ssm {
    pub(super) async fn put_inventory(
        &self,
        _ctx: &Ctx,
        input: PutInventoryRequest,
    ) -> Result<PutInventoryResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn list_inventory_entries(
        &self,
        _ctx: &Ctx,
        input: ListInventoryEntriesRequest,
    ) -> Result<ListInventoryEntriesResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn get_inventory(
        &self,
        _ctx: &Ctx,
        _input: GetInventoryRequest,
    ) -> Result<GetInventoryResult, SsmError> {
        Ok(GetInventoryResult {
            entities: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn describe_inventory_deletions(
        &self,
        _ctx: &Ctx,
        input: DescribeInventoryDeletionsRequest,
    ) -> Result<DescribeInventoryDeletionsResult, SsmError> {
        if let Some(id) = input.deletion_id {
            return Err(SsmError::new(
                "InvalidDeletionIdException",
                format!("Deletion ID {id} does not exist."),
            ));
        }
        Ok(DescribeInventoryDeletionsResult {
            inventory_deletions: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn put_compliance_items(
        &self,
        _ctx: &Ctx,
        _input: PutComplianceItemsRequest,
    ) -> Result<PutComplianceItemsResult, SsmError> {
        // Compliance is recorded against managed instances only.
        Err(SsmError::new("InvalidResourceId", ""))
    }

    pub(super) async fn list_compliance_items(
        &self,
        _ctx: &Ctx,
        _input: ListComplianceItemsRequest,
    ) -> Result<ListComplianceItemsResult, SsmError> {
        Ok(ListComplianceItemsResult {
            compliance_items: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn list_compliance_summaries(
        &self,
        _ctx: &Ctx,
        _input: ListComplianceSummariesRequest,
    ) -> Result<ListComplianceSummariesResult, SsmError> {
        Ok(ListComplianceSummariesResult {
            compliance_summary_items: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn list_resource_compliance_summaries(
        &self,
        _ctx: &Ctx,
        _input: ListResourceComplianceSummariesRequest,
    ) -> Result<ListResourceComplianceSummariesResult, SsmError> {
        Ok(ListResourceComplianceSummariesResult {
            resource_compliance_summary_items: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn list_nodes(
        &self,
        _ctx: &Ctx,
        _input: ListNodesRequest,
    ) -> Result<ListNodesResult, SsmError> {
        Ok(ListNodesResult {
            nodes: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn describe_instance_properties(
        &self,
        _ctx: &Ctx,
        _input: DescribeInstancePropertiesRequest,
    ) -> Result<DescribeInstancePropertiesResult, SsmError> {
        Ok(DescribeInstancePropertiesResult {
            instance_properties: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn describe_instance_patch_states(
        &self,
        _ctx: &Ctx,
        _input: DescribeInstancePatchStatesRequest,
    ) -> Result<DescribeInstancePatchStatesResult, SsmError> {
        // States are listed for the managed instances among those asked for: none.
        Ok(DescribeInstancePatchStatesResult {
            instance_patch_states: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn describe_instance_patch_states_for_patch_group(
        &self,
        _ctx: &Ctx,
        _input: DescribeInstancePatchStatesForPatchGroupRequest,
    ) -> Result<DescribeInstancePatchStatesForPatchGroupResult, SsmError> {
        Ok(DescribeInstancePatchStatesForPatchGroupResult {
            instance_patch_states: Some(Vec::new()),
            next_token: None,
        })
    }

    pub(super) async fn describe_instance_patches(
        &self,
        _ctx: &Ctx,
        input: DescribeInstancePatchesRequest,
    ) -> Result<DescribeInstancePatchesResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn describe_effective_instance_associations(
        &self,
        _ctx: &Ctx,
        input: DescribeEffectiveInstanceAssociationsRequest,
    ) -> Result<DescribeEffectiveInstanceAssociationsResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn describe_instance_associations_status(
        &self,
        _ctx: &Ctx,
        input: DescribeInstanceAssociationsStatusRequest,
    ) -> Result<DescribeInstanceAssociationsStatusResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn deregister_managed_instance(
        &self,
        _ctx: &Ctx,
        input: DeregisterManagedInstanceRequest,
    ) -> Result<DeregisterManagedInstanceResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn update_managed_instance_role(
        &self,
        _ctx: &Ctx,
        input: UpdateManagedInstanceRoleRequest,
    ) -> Result<UpdateManagedInstanceRoleResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }

    pub(super) async fn get_deployable_patch_snapshot_for_instance(
        &self,
        _ctx: &Ctx,
        input: GetDeployablePatchSnapshotForInstanceRequest,
    ) -> Result<GetDeployablePatchSnapshotForInstanceResult, SsmError> {
        Err(unmanaged(&input.instance_id))
    }
}
