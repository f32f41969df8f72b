//! The `Api` table: each Systems Manager (Parameter Store) operation of the model, delegated to its handler in the
//! topic module that owns it, in alphabetical order. This file holds no logic.

use sim_aws_shapes::ssm::{
    AddTagsToResourceRequest, AddTagsToResourceResult, Api, DeleteParameterRequest,
    DeleteParameterResult, DeleteParametersRequest, DeleteParametersResult,
    DescribeParametersRequest, DescribeParametersResult, GetParameterHistoryRequest,
    GetParameterHistoryResult, GetParameterRequest, GetParameterResult, GetParametersByPathRequest,
    GetParametersByPathResult, GetParametersRequest, GetParametersResult,
    LabelParameterVersionRequest, LabelParameterVersionResult, ListTagsForResourceRequest,
    ListTagsForResourceResult, PutParameterRequest, PutParameterResult,
    RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult, UnlabelParameterVersionRequest,
    UnlabelParameterVersionResult,
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

    async fn describe_parameters(
        &self,
        ctx: &Ctx,
        input: DescribeParametersRequest,
    ) -> Result<DescribeParametersResult, SsmError> {
        Ssm::describe_parameters(self, ctx, input).await
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

    async fn unlabel_parameter_version(
        &self,
        ctx: &Ctx,
        input: UnlabelParameterVersionRequest,
    ) -> Result<UnlabelParameterVersionResult, SsmError> {
        Ssm::unlabel_parameter_version(self, ctx, input).await
    }
}
