//! The `Api` table: each Systems Manager operation of the model, delegated to its handler in the
//! topic module that owns it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::ssm::{
    AddTagsToResourceRequest, AddTagsToResourceResult, Api, CancelCommandRequest,
    CancelCommandResult, DeleteParameterRequest, DeleteParameterResult, DeleteParametersRequest,
    DeleteParametersResult, DescribeInstanceInformationRequest, DescribeInstanceInformationResult,
    DescribeParametersRequest, DescribeParametersResult, DescribeSessionsRequest,
    DescribeSessionsResponse, GetCommandInvocationRequest, GetCommandInvocationResult,
    GetConnectionStatusRequest, GetConnectionStatusResponse, GetParameterHistoryRequest,
    GetParameterHistoryResult, GetParameterRequest, GetParameterResult, GetParametersByPathRequest,
    GetParametersByPathResult, GetParametersRequest, GetParametersResult,
    LabelParameterVersionRequest, LabelParameterVersionResult, ListCommandInvocationsRequest,
    ListCommandInvocationsResult, ListCommandsRequest, ListCommandsResult,
    ListTagsForResourceRequest, ListTagsForResourceResult, PutParameterRequest, PutParameterResult,
    RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult, ResumeSessionRequest,
    ResumeSessionResponse, SendCommandRequest, SendCommandResult, StartSessionRequest,
    StartSessionResponse, UnlabelParameterVersionRequest, UnlabelParameterVersionResult,
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

    async fn describe_instance_information(
        &self,
        ctx: &Ctx,
        input: DescribeInstanceInformationRequest,
    ) -> Result<DescribeInstanceInformationResult, SsmError> {
        Ssm::describe_instance_information(self, ctx, input).await
    }

    async fn describe_parameters(
        &self,
        ctx: &Ctx,
        input: DescribeParametersRequest,
    ) -> Result<DescribeParametersResult, SsmError> {
        Ssm::describe_parameters(self, ctx, input).await
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

    async fn label_parameter_version(
        &self,
        ctx: &Ctx,
        input: LabelParameterVersionRequest,
    ) -> Result<LabelParameterVersionResult, SsmError> {
        Ssm::label_parameter_version(self, ctx, input).await
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

    async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResult, SsmError> {
        Ssm::list_tags_for_resource(self, ctx, input).await
    }

    async fn put_parameter(
        &self,
        ctx: &Ctx,
        input: PutParameterRequest,
    ) -> Result<PutParameterResult, SsmError> {
        Ssm::put_parameter(self, ctx, input).await
    }

    async fn remove_tags_from_resource(
        &self,
        ctx: &Ctx,
        input: RemoveTagsFromResourceRequest,
    ) -> Result<RemoveTagsFromResourceResult, SsmError> {
        Ssm::remove_tags_from_resource(self, ctx, input).await
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
}
