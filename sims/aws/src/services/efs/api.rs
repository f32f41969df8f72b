//! The `impl Api` table of EFS: one delegating line per operation, in alphabetical order.

use sim_aws_shapes::efs::*;

use super::{Ctx, Efs, EfsError};

#[async_trait::async_trait]
impl Api for Efs {
    type Ctx = Ctx;
    type Error = EfsError;

    async fn create_access_point(
        &self,
        ctx: &Ctx,
        input: CreateAccessPointRequest,
    ) -> Result<AccessPointDescription, EfsError> {
        Efs::create_access_point(self, ctx, input).await
    }
    async fn create_file_system(
        &self,
        ctx: &Ctx,
        input: CreateFileSystemRequest,
    ) -> Result<FileSystemDescription, EfsError> {
        Efs::create_file_system(self, ctx, input).await
    }
    async fn create_mount_target(
        &self,
        ctx: &Ctx,
        input: CreateMountTargetRequest,
    ) -> Result<MountTargetDescription, EfsError> {
        Efs::create_mount_target(self, ctx, input).await
    }
    async fn create_replication_configuration(
        &self,
        ctx: &Ctx,
        input: CreateReplicationConfigurationRequest,
    ) -> Result<ReplicationConfigurationDescription, EfsError> {
        Efs::create_replication_configuration(self, ctx, input).await
    }
    async fn create_tags(&self, ctx: &Ctx, input: CreateTagsRequest) -> Result<(), EfsError> {
        Efs::create_tags(self, ctx, input).await
    }
    async fn delete_access_point(
        &self,
        ctx: &Ctx,
        input: DeleteAccessPointRequest,
    ) -> Result<(), EfsError> {
        Efs::delete_access_point(self, ctx, input).await
    }
    async fn delete_file_system(
        &self,
        ctx: &Ctx,
        input: DeleteFileSystemRequest,
    ) -> Result<(), EfsError> {
        Efs::delete_file_system(self, ctx, input).await
    }
    async fn delete_file_system_policy(
        &self,
        ctx: &Ctx,
        input: DeleteFileSystemPolicyRequest,
    ) -> Result<(), EfsError> {
        Efs::delete_file_system_policy(self, ctx, input).await
    }
    async fn delete_mount_target(
        &self,
        ctx: &Ctx,
        input: DeleteMountTargetRequest,
    ) -> Result<(), EfsError> {
        Efs::delete_mount_target(self, ctx, input).await
    }
    async fn delete_replication_configuration(
        &self,
        ctx: &Ctx,
        input: DeleteReplicationConfigurationRequest,
    ) -> Result<(), EfsError> {
        Efs::delete_replication_configuration(self, ctx, input).await
    }
    async fn delete_tags(&self, ctx: &Ctx, input: DeleteTagsRequest) -> Result<(), EfsError> {
        Efs::delete_tags(self, ctx, input).await
    }
    async fn describe_access_points(
        &self,
        ctx: &Ctx,
        input: DescribeAccessPointsRequest,
    ) -> Result<DescribeAccessPointsResponse, EfsError> {
        Efs::describe_access_points(self, ctx, input).await
    }
    async fn describe_account_preferences(
        &self,
        ctx: &Ctx,
        input: DescribeAccountPreferencesRequest,
    ) -> Result<DescribeAccountPreferencesResponse, EfsError> {
        Efs::describe_account_preferences(self, ctx, input).await
    }
    async fn describe_backup_policy(
        &self,
        ctx: &Ctx,
        input: DescribeBackupPolicyRequest,
    ) -> Result<BackupPolicyDescription, EfsError> {
        Efs::describe_backup_policy(self, ctx, input).await
    }
    async fn describe_file_system_policy(
        &self,
        ctx: &Ctx,
        input: DescribeFileSystemPolicyRequest,
    ) -> Result<FileSystemPolicyDescription, EfsError> {
        Efs::describe_file_system_policy(self, ctx, input).await
    }
    async fn describe_file_systems(
        &self,
        ctx: &Ctx,
        input: DescribeFileSystemsRequest,
    ) -> Result<DescribeFileSystemsResponse, EfsError> {
        Efs::describe_file_systems(self, ctx, input).await
    }
    async fn describe_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: DescribeLifecycleConfigurationRequest,
    ) -> Result<LifecycleConfigurationDescription, EfsError> {
        Efs::describe_lifecycle_configuration(self, ctx, input).await
    }
    async fn describe_mount_target_security_groups(
        &self,
        ctx: &Ctx,
        input: DescribeMountTargetSecurityGroupsRequest,
    ) -> Result<DescribeMountTargetSecurityGroupsResponse, EfsError> {
        Efs::describe_mount_target_security_groups(self, ctx, input).await
    }
    async fn describe_mount_targets(
        &self,
        ctx: &Ctx,
        input: DescribeMountTargetsRequest,
    ) -> Result<DescribeMountTargetsResponse, EfsError> {
        Efs::describe_mount_targets(self, ctx, input).await
    }
    async fn describe_replication_configurations(
        &self,
        ctx: &Ctx,
        input: DescribeReplicationConfigurationsRequest,
    ) -> Result<DescribeReplicationConfigurationsResponse, EfsError> {
        Efs::describe_replication_configurations(self, ctx, input).await
    }
    async fn describe_tags(
        &self,
        ctx: &Ctx,
        input: DescribeTagsRequest,
    ) -> Result<DescribeTagsResponse, EfsError> {
        Efs::describe_tags(self, ctx, input).await
    }
    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EfsError> {
        Efs::list_tags_for_resource(self, ctx, input).await
    }
    async fn modify_mount_target_security_groups(
        &self,
        ctx: &Ctx,
        input: ModifyMountTargetSecurityGroupsRequest,
    ) -> Result<(), EfsError> {
        Efs::modify_mount_target_security_groups(self, ctx, input).await
    }
    async fn put_account_preferences(
        &self,
        ctx: &Ctx,
        input: PutAccountPreferencesRequest,
    ) -> Result<PutAccountPreferencesResponse, EfsError> {
        Efs::put_account_preferences(self, ctx, input).await
    }
    async fn put_backup_policy(
        &self,
        ctx: &Ctx,
        input: PutBackupPolicyRequest,
    ) -> Result<BackupPolicyDescription, EfsError> {
        Efs::put_backup_policy(self, ctx, input).await
    }
    async fn put_file_system_policy(
        &self,
        ctx: &Ctx,
        input: PutFileSystemPolicyRequest,
    ) -> Result<FileSystemPolicyDescription, EfsError> {
        Efs::put_file_system_policy(self, ctx, input).await
    }
    async fn put_lifecycle_configuration(
        &self,
        ctx: &Ctx,
        input: PutLifecycleConfigurationRequest,
    ) -> Result<LifecycleConfigurationDescription, EfsError> {
        Efs::put_lifecycle_configuration(self, ctx, input).await
    }
    async fn tag_resource(&self, ctx: &Ctx, input: TagResourceRequest) -> Result<(), EfsError> {
        Efs::tag_resource(self, ctx, input).await
    }
    async fn untag_resource(&self, ctx: &Ctx, input: UntagResourceRequest) -> Result<(), EfsError> {
        Efs::untag_resource(self, ctx, input).await
    }
    async fn update_file_system(
        &self,
        ctx: &Ctx,
        input: UpdateFileSystemRequest,
    ) -> Result<FileSystemDescription, EfsError> {
        Efs::update_file_system(self, ctx, input).await
    }
    async fn update_file_system_protection(
        &self,
        ctx: &Ctx,
        input: UpdateFileSystemProtectionRequest,
    ) -> Result<FileSystemProtectionDescription, EfsError> {
        Efs::update_file_system_protection(self, ctx, input).await
    }
}
