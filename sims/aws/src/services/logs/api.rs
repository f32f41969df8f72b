//! The `Api` table: each CloudWatch Logs operation of the model, delegated to its handler in
//! the topic module that owns it, in alphabetical order. Operations not listed here answer
//! `NotImplemented` through the generated defaults. This file holds no logic.

use sim_aws_shapes::logs::{
    Api, CreateLogGroupRequest, CreateLogStreamRequest, DeleteLogGroupRequest,
    DeleteLogStreamRequest, DeleteRetentionPolicyRequest, DescribeLogGroupsRequest,
    DescribeLogGroupsResponse, DescribeLogStreamsRequest, DescribeLogStreamsResponse,
    FilterLogEventsRequest, FilterLogEventsResponse, GetLogEventsRequest, GetLogEventsResponse,
    ListTagsForResourceRequest, ListTagsForResourceResponse, ListTagsLogGroupRequest,
    ListTagsLogGroupResponse, PutLogEventsRequest, PutLogEventsResponse,
    PutLogGroupDeletionProtectionRequest, PutRetentionPolicyRequest, TagLogGroupRequest,
    TagResourceRequest, UntagLogGroupRequest, UntagResourceRequest,
};

use super::{Logs, LogsError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Logs {
    type Ctx = Ctx;
    type Error = LogsError;

    async fn create_log_group(
        &self,
        ctx: &Ctx,
        input: CreateLogGroupRequest,
    ) -> Result<(), LogsError> {
        Logs::create_log_group(self, ctx, input).await
    }

    async fn create_log_stream(
        &self,
        ctx: &Ctx,
        input: CreateLogStreamRequest,
    ) -> Result<(), LogsError> {
        Logs::create_log_stream(self, ctx, input).await
    }

    async fn delete_log_group(
        &self,
        ctx: &Ctx,
        input: DeleteLogGroupRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_log_group(self, ctx, input).await
    }

    async fn delete_log_stream(
        &self,
        ctx: &Ctx,
        input: DeleteLogStreamRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_log_stream(self, ctx, input).await
    }

    async fn delete_retention_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRetentionPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_retention_policy(self, ctx, input).await
    }

    async fn describe_log_groups(
        &self,
        ctx: &Ctx,
        input: DescribeLogGroupsRequest,
    ) -> Result<DescribeLogGroupsResponse, LogsError> {
        Logs::describe_log_groups(self, ctx, input).await
    }

    async fn describe_log_streams(
        &self,
        ctx: &Ctx,
        input: DescribeLogStreamsRequest,
    ) -> Result<DescribeLogStreamsResponse, LogsError> {
        Logs::describe_log_streams(self, ctx, input).await
    }

    async fn filter_log_events(
        &self,
        ctx: &Ctx,
        input: FilterLogEventsRequest,
    ) -> Result<FilterLogEventsResponse, LogsError> {
        Logs::filter_log_events(self, ctx, input).await
    }

    async fn get_log_events(
        &self,
        ctx: &Ctx,
        input: GetLogEventsRequest,
    ) -> Result<GetLogEventsResponse, LogsError> {
        Logs::get_log_events(self, ctx, input).await
    }

    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, LogsError> {
        Logs::list_tags_for_resource(self, ctx, input).await
    }

    async fn list_tags_log_group(
        &self,
        ctx: &Ctx,
        input: ListTagsLogGroupRequest,
    ) -> Result<ListTagsLogGroupResponse, LogsError> {
        Logs::list_tags_log_group(self, ctx, input).await
    }

    async fn put_log_events(
        &self,
        ctx: &Ctx,
        input: PutLogEventsRequest,
    ) -> Result<PutLogEventsResponse, LogsError> {
        Logs::put_log_events(self, ctx, input).await
    }

    async fn put_log_group_deletion_protection(
        &self,
        ctx: &Ctx,
        input: PutLogGroupDeletionProtectionRequest,
    ) -> Result<(), LogsError> {
        Logs::put_log_group_deletion_protection(self, ctx, input).await
    }

    async fn put_retention_policy(
        &self,
        ctx: &Ctx,
        input: PutRetentionPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::put_retention_policy(self, ctx, input).await
    }

    async fn tag_log_group(&self, ctx: &Ctx, input: TagLogGroupRequest) -> Result<(), LogsError> {
        Logs::tag_log_group(self, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &Ctx, input: TagResourceRequest) -> Result<(), LogsError> {
        Logs::tag_resource(self, ctx, input).await
    }

    async fn untag_log_group(
        &self,
        ctx: &Ctx,
        input: UntagLogGroupRequest,
    ) -> Result<(), LogsError> {
        Logs::untag_log_group(self, ctx, input).await
    }

    async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), LogsError> {
        Logs::untag_resource(self, ctx, input).await
    }
}
