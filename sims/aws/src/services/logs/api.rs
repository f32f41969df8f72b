//! The `Api` table: each CloudWatch Logs operation of the model, delegated to its handler in
//! the topic module that owns it, in alphabetical order. Operations not listed here answer
//! `NotImplemented` through the generated defaults. This file holds no logic.

use sim_aws_shapes::logs::{
    Api, AssociateKmsKeyRequest, AssociateSourceToS3TableIntegrationRequest,
    AssociateSourceToS3TableIntegrationResponse, CancelExportTaskRequest, CancelImportTaskRequest,
    CancelImportTaskResponse, CreateDeliveryRequest, CreateDeliveryResponse,
    CreateExportTaskRequest, CreateExportTaskResponse, CreateImportTaskRequest,
    CreateImportTaskResponse, CreateLogAnomalyDetectorRequest, CreateLogAnomalyDetectorResponse,
    CreateLogGroupRequest, CreateLogStreamRequest, CreateLookupTableRequest,
    CreateLookupTableResponse, CreateScheduledQueryRequest, CreateScheduledQueryResponse,
    DeleteAccountPolicyRequest, DeleteDataProtectionPolicyRequest,
    DeleteDeliveryDestinationPolicyRequest, DeleteDeliveryDestinationRequest,
    DeleteDeliveryRequest, DeleteDeliverySourceRequest, DeleteDestinationRequest,
    DeleteIndexPolicyRequest, DeleteIndexPolicyResponse, DeleteIntegrationRequest,
    DeleteIntegrationResponse, DeleteLogAnomalyDetectorRequest, DeleteLogGroupRequest,
    DeleteLogStreamRequest, DeleteLookupTableRequest, DeleteMetricFilterRequest,
    DeleteQueryDefinitionRequest, DeleteQueryDefinitionResponse, DeleteResourcePolicyRequest,
    DeleteRetentionPolicyRequest, DeleteScheduledQueryRequest, DeleteScheduledQueryResponse,
    DeleteSubscriptionFilterRequest, DeleteTransformerRequest, DescribeAccountPoliciesRequest,
    DescribeAccountPoliciesResponse, DescribeConfigurationTemplatesRequest,
    DescribeConfigurationTemplatesResponse, DescribeDeliveriesRequest, DescribeDeliveriesResponse,
    DescribeDeliveryDestinationsRequest, DescribeDeliveryDestinationsResponse,
    DescribeDeliverySourcesRequest, DescribeDeliverySourcesResponse, DescribeDestinationsRequest,
    DescribeDestinationsResponse, DescribeExportTasksRequest, DescribeExportTasksResponse,
    DescribeFieldIndexesRequest, DescribeFieldIndexesResponse, DescribeImportTaskBatchesRequest,
    DescribeImportTaskBatchesResponse, DescribeImportTasksRequest, DescribeImportTasksResponse,
    DescribeIndexPoliciesRequest, DescribeIndexPoliciesResponse, DescribeLogGroupsRequest,
    DescribeLogGroupsResponse, DescribeLogStreamsRequest, DescribeLogStreamsResponse,
    DescribeLookupTablesRequest, DescribeLookupTablesResponse, DescribeMetricFiltersRequest,
    DescribeMetricFiltersResponse, DescribeQueriesRequest, DescribeQueriesResponse,
    DescribeQueryDefinitionsRequest, DescribeQueryDefinitionsResponse,
    DescribeResourcePoliciesRequest, DescribeResourcePoliciesResponse,
    DescribeSubscriptionFiltersRequest, DescribeSubscriptionFiltersResponse,
    DisassociateKmsKeyRequest, DisassociateSourceFromS3TableIntegrationRequest,
    DisassociateSourceFromS3TableIntegrationResponse, FilterLogEventsRequest,
    FilterLogEventsResponse, GetDataProtectionPolicyRequest, GetDataProtectionPolicyResponse,
    GetDeliveryDestinationPolicyRequest, GetDeliveryDestinationPolicyResponse,
    GetDeliveryDestinationRequest, GetDeliveryDestinationResponse, GetDeliveryRequest,
    GetDeliveryResponse, GetDeliverySourceRequest, GetDeliverySourceResponse,
    GetIntegrationRequest, GetIntegrationResponse, GetLogAnomalyDetectorRequest,
    GetLogAnomalyDetectorResponse, GetLogEventsRequest, GetLogEventsResponse, GetLogFieldsRequest,
    GetLogFieldsResponse, GetLogGroupFieldsRequest, GetLogGroupFieldsResponse, GetLogObjectRequest,
    GetLogObjectResponse, GetLogRecordRequest, GetLogRecordResponse, GetLookupTableRequest,
    GetLookupTableResponse, GetQueryResultsRequest, GetQueryResultsResponse,
    GetScheduledQueryHistoryRequest, GetScheduledQueryHistoryResponse, GetScheduledQueryRequest,
    GetScheduledQueryResponse, GetTransformerRequest, GetTransformerResponse,
    ListAggregateLogGroupSummariesRequest, ListAggregateLogGroupSummariesResponse,
    ListAnomaliesRequest, ListAnomaliesResponse, ListIntegrationsRequest, ListIntegrationsResponse,
    ListLogAnomalyDetectorsRequest, ListLogAnomalyDetectorsResponse, ListLogGroupsForQueryRequest,
    ListLogGroupsForQueryResponse, ListLogGroupsRequest, ListLogGroupsResponse,
    ListScheduledQueriesRequest, ListScheduledQueriesResponse,
    ListSourcesForS3TableIntegrationRequest, ListSourcesForS3TableIntegrationResponse,
    ListTagsForResourceRequest, ListTagsForResourceResponse, ListTagsLogGroupRequest,
    ListTagsLogGroupResponse, PutAccountPolicyRequest, PutAccountPolicyResponse,
    PutBearerTokenAuthenticationRequest, PutDataProtectionPolicyRequest,
    PutDataProtectionPolicyResponse, PutDeliveryDestinationPolicyRequest,
    PutDeliveryDestinationPolicyResponse, PutDeliveryDestinationRequest,
    PutDeliveryDestinationResponse, PutDeliverySourceRequest, PutDeliverySourceResponse,
    PutDestinationPolicyRequest, PutDestinationRequest, PutDestinationResponse,
    PutIndexPolicyRequest, PutIndexPolicyResponse, PutIntegrationRequest, PutIntegrationResponse,
    PutLogEventsRequest, PutLogEventsResponse, PutLogGroupDeletionProtectionRequest,
    PutMetricFilterRequest, PutQueryDefinitionRequest, PutQueryDefinitionResponse,
    PutResourcePolicyRequest, PutResourcePolicyResponse, PutRetentionPolicyRequest,
    PutSubscriptionFilterRequest, PutTransformerRequest, StartLiveTailRequest,
    StartLiveTailResponse, StartQueryRequest, StartQueryResponse, StopQueryRequest,
    StopQueryResponse, TagLogGroupRequest, TagResourceRequest, TestMetricFilterRequest,
    TestMetricFilterResponse, TestTransformerRequest, TestTransformerResponse,
    UntagLogGroupRequest, UntagResourceRequest, UpdateAnomalyRequest,
    UpdateDeliveryConfigurationRequest, UpdateDeliveryConfigurationResponse,
    UpdateLogAnomalyDetectorRequest, UpdateLookupTableRequest, UpdateLookupTableResponse,
    UpdateScheduledQueryRequest, UpdateScheduledQueryResponse,
};

use super::{Logs, LogsError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Logs {
    type Ctx = Ctx;
    type Error = LogsError;

    async fn associate_kms_key(
        &self,
        ctx: &Ctx,
        input: AssociateKmsKeyRequest,
    ) -> Result<(), LogsError> {
        Logs::associate_kms_key(self, ctx, input).await
    }

    async fn associate_source_to_s3_table_integration(
        &self,
        ctx: &Ctx,
        input: AssociateSourceToS3TableIntegrationRequest,
    ) -> Result<AssociateSourceToS3TableIntegrationResponse, LogsError> {
        Logs::associate_source_to_s3_table_integration(self, ctx, input).await
    }

    async fn cancel_export_task(
        &self,
        ctx: &Ctx,
        input: CancelExportTaskRequest,
    ) -> Result<(), LogsError> {
        Logs::cancel_export_task(self, ctx, input).await
    }

    async fn cancel_import_task(
        &self,
        ctx: &Ctx,
        input: CancelImportTaskRequest,
    ) -> Result<CancelImportTaskResponse, LogsError> {
        Logs::cancel_import_task(self, ctx, input).await
    }

    async fn create_delivery(
        &self,
        ctx: &Ctx,
        input: CreateDeliveryRequest,
    ) -> Result<CreateDeliveryResponse, LogsError> {
        Logs::create_delivery(self, ctx, input).await
    }

    async fn create_export_task(
        &self,
        ctx: &Ctx,
        input: CreateExportTaskRequest,
    ) -> Result<CreateExportTaskResponse, LogsError> {
        Logs::create_export_task(self, ctx, input).await
    }

    async fn create_import_task(
        &self,
        ctx: &Ctx,
        input: CreateImportTaskRequest,
    ) -> Result<CreateImportTaskResponse, LogsError> {
        Logs::create_import_task(self, ctx, input).await
    }

    async fn create_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: CreateLogAnomalyDetectorRequest,
    ) -> Result<CreateLogAnomalyDetectorResponse, LogsError> {
        Logs::create_log_anomaly_detector(self, ctx, input).await
    }

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

    async fn create_lookup_table(
        &self,
        ctx: &Ctx,
        input: CreateLookupTableRequest,
    ) -> Result<CreateLookupTableResponse, LogsError> {
        Logs::create_lookup_table(self, ctx, input).await
    }

    async fn create_scheduled_query(
        &self,
        ctx: &Ctx,
        input: CreateScheduledQueryRequest,
    ) -> Result<CreateScheduledQueryResponse, LogsError> {
        Logs::create_scheduled_query(self, ctx, input).await
    }

    async fn delete_account_policy(
        &self,
        ctx: &Ctx,
        input: DeleteAccountPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_account_policy(self, ctx, input).await
    }

    async fn delete_data_protection_policy(
        &self,
        ctx: &Ctx,
        input: DeleteDataProtectionPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_data_protection_policy(self, ctx, input).await
    }

    async fn delete_delivery(
        &self,
        ctx: &Ctx,
        input: DeleteDeliveryRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_delivery(self, ctx, input).await
    }

    async fn delete_delivery_destination(
        &self,
        ctx: &Ctx,
        input: DeleteDeliveryDestinationRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_delivery_destination(self, ctx, input).await
    }

    async fn delete_delivery_destination_policy(
        &self,
        ctx: &Ctx,
        input: DeleteDeliveryDestinationPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_delivery_destination_policy(self, ctx, input).await
    }

    async fn delete_delivery_source(
        &self,
        ctx: &Ctx,
        input: DeleteDeliverySourceRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_delivery_source(self, ctx, input).await
    }

    async fn delete_destination(
        &self,
        ctx: &Ctx,
        input: DeleteDestinationRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_destination(self, ctx, input).await
    }

    async fn delete_index_policy(
        &self,
        ctx: &Ctx,
        input: DeleteIndexPolicyRequest,
    ) -> Result<DeleteIndexPolicyResponse, LogsError> {
        Logs::delete_index_policy(self, ctx, input).await
    }

    async fn delete_integration(
        &self,
        ctx: &Ctx,
        input: DeleteIntegrationRequest,
    ) -> Result<DeleteIntegrationResponse, LogsError> {
        Logs::delete_integration(self, ctx, input).await
    }

    async fn delete_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: DeleteLogAnomalyDetectorRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_log_anomaly_detector(self, ctx, input).await
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

    async fn delete_lookup_table(
        &self,
        ctx: &Ctx,
        input: DeleteLookupTableRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_lookup_table(self, ctx, input).await
    }

    async fn delete_metric_filter(
        &self,
        ctx: &Ctx,
        input: DeleteMetricFilterRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_metric_filter(self, ctx, input).await
    }

    async fn delete_query_definition(
        &self,
        ctx: &Ctx,
        input: DeleteQueryDefinitionRequest,
    ) -> Result<DeleteQueryDefinitionResponse, LogsError> {
        Logs::delete_query_definition(self, ctx, input).await
    }

    async fn delete_resource_policy(
        &self,
        ctx: &Ctx,
        input: DeleteResourcePolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_resource_policy(self, ctx, input).await
    }

    async fn delete_retention_policy(
        &self,
        ctx: &Ctx,
        input: DeleteRetentionPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_retention_policy(self, ctx, input).await
    }

    async fn delete_scheduled_query(
        &self,
        ctx: &Ctx,
        input: DeleteScheduledQueryRequest,
    ) -> Result<DeleteScheduledQueryResponse, LogsError> {
        Logs::delete_scheduled_query(self, ctx, input).await
    }

    async fn delete_subscription_filter(
        &self,
        ctx: &Ctx,
        input: DeleteSubscriptionFilterRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_subscription_filter(self, ctx, input).await
    }

    async fn delete_transformer(
        &self,
        ctx: &Ctx,
        input: DeleteTransformerRequest,
    ) -> Result<(), LogsError> {
        Logs::delete_transformer(self, ctx, input).await
    }

    async fn describe_account_policies(
        &self,
        ctx: &Ctx,
        input: DescribeAccountPoliciesRequest,
    ) -> Result<DescribeAccountPoliciesResponse, LogsError> {
        Logs::describe_account_policies(self, ctx, input).await
    }

    async fn describe_configuration_templates(
        &self,
        ctx: &Ctx,
        input: DescribeConfigurationTemplatesRequest,
    ) -> Result<DescribeConfigurationTemplatesResponse, LogsError> {
        Logs::describe_configuration_templates(self, ctx, input).await
    }

    async fn describe_deliveries(
        &self,
        ctx: &Ctx,
        input: DescribeDeliveriesRequest,
    ) -> Result<DescribeDeliveriesResponse, LogsError> {
        Logs::describe_deliveries(self, ctx, input).await
    }

    async fn describe_delivery_destinations(
        &self,
        ctx: &Ctx,
        input: DescribeDeliveryDestinationsRequest,
    ) -> Result<DescribeDeliveryDestinationsResponse, LogsError> {
        Logs::describe_delivery_destinations(self, ctx, input).await
    }

    async fn describe_delivery_sources(
        &self,
        ctx: &Ctx,
        input: DescribeDeliverySourcesRequest,
    ) -> Result<DescribeDeliverySourcesResponse, LogsError> {
        Logs::describe_delivery_sources(self, ctx, input).await
    }

    async fn describe_destinations(
        &self,
        ctx: &Ctx,
        input: DescribeDestinationsRequest,
    ) -> Result<DescribeDestinationsResponse, LogsError> {
        Logs::describe_destinations(self, ctx, input).await
    }

    async fn describe_export_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeExportTasksRequest,
    ) -> Result<DescribeExportTasksResponse, LogsError> {
        Logs::describe_export_tasks(self, ctx, input).await
    }

    async fn describe_field_indexes(
        &self,
        ctx: &Ctx,
        input: DescribeFieldIndexesRequest,
    ) -> Result<DescribeFieldIndexesResponse, LogsError> {
        Logs::describe_field_indexes(self, ctx, input).await
    }

    async fn describe_import_task_batches(
        &self,
        ctx: &Ctx,
        input: DescribeImportTaskBatchesRequest,
    ) -> Result<DescribeImportTaskBatchesResponse, LogsError> {
        Logs::describe_import_task_batches(self, ctx, input).await
    }

    async fn describe_import_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeImportTasksRequest,
    ) -> Result<DescribeImportTasksResponse, LogsError> {
        Logs::describe_import_tasks(self, ctx, input).await
    }

    async fn describe_index_policies(
        &self,
        ctx: &Ctx,
        input: DescribeIndexPoliciesRequest,
    ) -> Result<DescribeIndexPoliciesResponse, LogsError> {
        Logs::describe_index_policies(self, ctx, input).await
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

    async fn describe_lookup_tables(
        &self,
        ctx: &Ctx,
        input: DescribeLookupTablesRequest,
    ) -> Result<DescribeLookupTablesResponse, LogsError> {
        Logs::describe_lookup_tables(self, ctx, input).await
    }

    async fn describe_metric_filters(
        &self,
        ctx: &Ctx,
        input: DescribeMetricFiltersRequest,
    ) -> Result<DescribeMetricFiltersResponse, LogsError> {
        Logs::describe_metric_filters(self, ctx, input).await
    }

    async fn describe_queries(
        &self,
        ctx: &Ctx,
        input: DescribeQueriesRequest,
    ) -> Result<DescribeQueriesResponse, LogsError> {
        Logs::describe_queries(self, ctx, input).await
    }

    async fn describe_query_definitions(
        &self,
        ctx: &Ctx,
        input: DescribeQueryDefinitionsRequest,
    ) -> Result<DescribeQueryDefinitionsResponse, LogsError> {
        Logs::describe_query_definitions(self, ctx, input).await
    }

    async fn describe_resource_policies(
        &self,
        ctx: &Ctx,
        input: DescribeResourcePoliciesRequest,
    ) -> Result<DescribeResourcePoliciesResponse, LogsError> {
        Logs::describe_resource_policies(self, ctx, input).await
    }

    async fn describe_subscription_filters(
        &self,
        ctx: &Ctx,
        input: DescribeSubscriptionFiltersRequest,
    ) -> Result<DescribeSubscriptionFiltersResponse, LogsError> {
        Logs::describe_subscription_filters(self, ctx, input).await
    }

    async fn disassociate_kms_key(
        &self,
        ctx: &Ctx,
        input: DisassociateKmsKeyRequest,
    ) -> Result<(), LogsError> {
        Logs::disassociate_kms_key(self, ctx, input).await
    }

    async fn disassociate_source_from_s3_table_integration(
        &self,
        ctx: &Ctx,
        input: DisassociateSourceFromS3TableIntegrationRequest,
    ) -> Result<DisassociateSourceFromS3TableIntegrationResponse, LogsError> {
        Logs::disassociate_source_from_s3_table_integration(self, ctx, input).await
    }

    async fn filter_log_events(
        &self,
        ctx: &Ctx,
        input: FilterLogEventsRequest,
    ) -> Result<FilterLogEventsResponse, LogsError> {
        Logs::filter_log_events(self, ctx, input).await
    }

    async fn get_data_protection_policy(
        &self,
        ctx: &Ctx,
        input: GetDataProtectionPolicyRequest,
    ) -> Result<GetDataProtectionPolicyResponse, LogsError> {
        Logs::get_data_protection_policy(self, ctx, input).await
    }

    async fn get_delivery(
        &self,
        ctx: &Ctx,
        input: GetDeliveryRequest,
    ) -> Result<GetDeliveryResponse, LogsError> {
        Logs::get_delivery(self, ctx, input).await
    }

    async fn get_delivery_destination(
        &self,
        ctx: &Ctx,
        input: GetDeliveryDestinationRequest,
    ) -> Result<GetDeliveryDestinationResponse, LogsError> {
        Logs::get_delivery_destination(self, ctx, input).await
    }

    async fn get_delivery_destination_policy(
        &self,
        ctx: &Ctx,
        input: GetDeliveryDestinationPolicyRequest,
    ) -> Result<GetDeliveryDestinationPolicyResponse, LogsError> {
        Logs::get_delivery_destination_policy(self, ctx, input).await
    }

    async fn get_delivery_source(
        &self,
        ctx: &Ctx,
        input: GetDeliverySourceRequest,
    ) -> Result<GetDeliverySourceResponse, LogsError> {
        Logs::get_delivery_source(self, ctx, input).await
    }

    async fn get_integration(
        &self,
        ctx: &Ctx,
        input: GetIntegrationRequest,
    ) -> Result<GetIntegrationResponse, LogsError> {
        Logs::get_integration(self, ctx, input).await
    }

    async fn get_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: GetLogAnomalyDetectorRequest,
    ) -> Result<GetLogAnomalyDetectorResponse, LogsError> {
        Logs::get_log_anomaly_detector(self, ctx, input).await
    }

    async fn get_log_events(
        &self,
        ctx: &Ctx,
        input: GetLogEventsRequest,
    ) -> Result<GetLogEventsResponse, LogsError> {
        Logs::get_log_events(self, ctx, input).await
    }

    async fn get_log_fields(
        &self,
        ctx: &Ctx,
        input: GetLogFieldsRequest,
    ) -> Result<GetLogFieldsResponse, LogsError> {
        Logs::get_log_fields(self, ctx, input).await
    }

    async fn get_log_group_fields(
        &self,
        ctx: &Ctx,
        input: GetLogGroupFieldsRequest,
    ) -> Result<GetLogGroupFieldsResponse, LogsError> {
        Logs::get_log_group_fields(self, ctx, input).await
    }

    async fn get_log_object(
        &self,
        ctx: &Ctx,
        input: GetLogObjectRequest,
    ) -> Result<GetLogObjectResponse, LogsError> {
        Logs::get_log_object(self, ctx, input).await
    }

    async fn get_log_record(
        &self,
        ctx: &Ctx,
        input: GetLogRecordRequest,
    ) -> Result<GetLogRecordResponse, LogsError> {
        Logs::get_log_record(self, ctx, input).await
    }

    async fn get_lookup_table(
        &self,
        ctx: &Ctx,
        input: GetLookupTableRequest,
    ) -> Result<GetLookupTableResponse, LogsError> {
        Logs::get_lookup_table(self, ctx, input).await
    }

    async fn get_query_results(
        &self,
        ctx: &Ctx,
        input: GetQueryResultsRequest,
    ) -> Result<GetQueryResultsResponse, LogsError> {
        Logs::get_query_results(self, ctx, input).await
    }

    async fn get_scheduled_query(
        &self,
        ctx: &Ctx,
        input: GetScheduledQueryRequest,
    ) -> Result<GetScheduledQueryResponse, LogsError> {
        Logs::get_scheduled_query(self, ctx, input).await
    }

    async fn get_scheduled_query_history(
        &self,
        ctx: &Ctx,
        input: GetScheduledQueryHistoryRequest,
    ) -> Result<GetScheduledQueryHistoryResponse, LogsError> {
        Logs::get_scheduled_query_history(self, ctx, input).await
    }

    async fn get_transformer(
        &self,
        ctx: &Ctx,
        input: GetTransformerRequest,
    ) -> Result<GetTransformerResponse, LogsError> {
        Logs::get_transformer(self, ctx, input).await
    }

    async fn list_aggregate_log_group_summaries(
        &self,
        ctx: &Ctx,
        input: ListAggregateLogGroupSummariesRequest,
    ) -> Result<ListAggregateLogGroupSummariesResponse, LogsError> {
        Logs::list_aggregate_log_group_summaries(self, ctx, input).await
    }

    async fn list_anomalies(
        &self,
        ctx: &Ctx,
        input: ListAnomaliesRequest,
    ) -> Result<ListAnomaliesResponse, LogsError> {
        Logs::list_anomalies(self, ctx, input).await
    }

    async fn list_integrations(
        &self,
        ctx: &Ctx,
        input: ListIntegrationsRequest,
    ) -> Result<ListIntegrationsResponse, LogsError> {
        Logs::list_integrations(self, ctx, input).await
    }

    async fn list_log_anomaly_detectors(
        &self,
        ctx: &Ctx,
        input: ListLogAnomalyDetectorsRequest,
    ) -> Result<ListLogAnomalyDetectorsResponse, LogsError> {
        Logs::list_log_anomaly_detectors(self, ctx, input).await
    }

    async fn list_log_groups(
        &self,
        ctx: &Ctx,
        input: ListLogGroupsRequest,
    ) -> Result<ListLogGroupsResponse, LogsError> {
        Logs::list_log_groups(self, ctx, input).await
    }

    async fn list_log_groups_for_query(
        &self,
        ctx: &Ctx,
        input: ListLogGroupsForQueryRequest,
    ) -> Result<ListLogGroupsForQueryResponse, LogsError> {
        Logs::list_log_groups_for_query(self, ctx, input).await
    }

    async fn list_scheduled_queries(
        &self,
        ctx: &Ctx,
        input: ListScheduledQueriesRequest,
    ) -> Result<ListScheduledQueriesResponse, LogsError> {
        Logs::list_scheduled_queries(self, ctx, input).await
    }

    async fn list_sources_for_s3_table_integration(
        &self,
        ctx: &Ctx,
        input: ListSourcesForS3TableIntegrationRequest,
    ) -> Result<ListSourcesForS3TableIntegrationResponse, LogsError> {
        Logs::list_sources_for_s3_table_integration(self, ctx, input).await
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

    async fn put_account_policy(
        &self,
        ctx: &Ctx,
        input: PutAccountPolicyRequest,
    ) -> Result<PutAccountPolicyResponse, LogsError> {
        Logs::put_account_policy(self, ctx, input).await
    }

    async fn put_bearer_token_authentication(
        &self,
        ctx: &Ctx,
        input: PutBearerTokenAuthenticationRequest,
    ) -> Result<(), LogsError> {
        Logs::put_bearer_token_authentication(self, ctx, input).await
    }

    async fn put_data_protection_policy(
        &self,
        ctx: &Ctx,
        input: PutDataProtectionPolicyRequest,
    ) -> Result<PutDataProtectionPolicyResponse, LogsError> {
        Logs::put_data_protection_policy(self, ctx, input).await
    }

    async fn put_delivery_destination(
        &self,
        ctx: &Ctx,
        input: PutDeliveryDestinationRequest,
    ) -> Result<PutDeliveryDestinationResponse, LogsError> {
        Logs::put_delivery_destination(self, ctx, input).await
    }

    async fn put_delivery_destination_policy(
        &self,
        ctx: &Ctx,
        input: PutDeliveryDestinationPolicyRequest,
    ) -> Result<PutDeliveryDestinationPolicyResponse, LogsError> {
        Logs::put_delivery_destination_policy(self, ctx, input).await
    }

    async fn put_delivery_source(
        &self,
        ctx: &Ctx,
        input: PutDeliverySourceRequest,
    ) -> Result<PutDeliverySourceResponse, LogsError> {
        Logs::put_delivery_source(self, ctx, input).await
    }

    async fn put_destination(
        &self,
        ctx: &Ctx,
        input: PutDestinationRequest,
    ) -> Result<PutDestinationResponse, LogsError> {
        Logs::put_destination(self, ctx, input).await
    }

    async fn put_destination_policy(
        &self,
        ctx: &Ctx,
        input: PutDestinationPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::put_destination_policy(self, ctx, input).await
    }

    async fn put_index_policy(
        &self,
        ctx: &Ctx,
        input: PutIndexPolicyRequest,
    ) -> Result<PutIndexPolicyResponse, LogsError> {
        Logs::put_index_policy(self, ctx, input).await
    }

    async fn put_integration(
        &self,
        ctx: &Ctx,
        input: PutIntegrationRequest,
    ) -> Result<PutIntegrationResponse, LogsError> {
        Logs::put_integration(self, ctx, input).await
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

    async fn put_metric_filter(
        &self,
        ctx: &Ctx,
        input: PutMetricFilterRequest,
    ) -> Result<(), LogsError> {
        Logs::put_metric_filter(self, ctx, input).await
    }

    async fn put_query_definition(
        &self,
        ctx: &Ctx,
        input: PutQueryDefinitionRequest,
    ) -> Result<PutQueryDefinitionResponse, LogsError> {
        Logs::put_query_definition(self, ctx, input).await
    }

    async fn put_resource_policy(
        &self,
        ctx: &Ctx,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, LogsError> {
        Logs::put_resource_policy(self, ctx, input).await
    }

    async fn put_retention_policy(
        &self,
        ctx: &Ctx,
        input: PutRetentionPolicyRequest,
    ) -> Result<(), LogsError> {
        Logs::put_retention_policy(self, ctx, input).await
    }

    async fn put_subscription_filter(
        &self,
        ctx: &Ctx,
        input: PutSubscriptionFilterRequest,
    ) -> Result<(), LogsError> {
        Logs::put_subscription_filter(self, ctx, input).await
    }

    async fn put_transformer(
        &self,
        ctx: &Ctx,
        input: PutTransformerRequest,
    ) -> Result<(), LogsError> {
        Logs::put_transformer(self, ctx, input).await
    }

    async fn start_live_tail(
        &self,
        ctx: &Ctx,
        input: StartLiveTailRequest,
    ) -> Result<StartLiveTailResponse, LogsError> {
        Logs::start_live_tail(self, ctx, input).await
    }

    async fn start_query(
        &self,
        ctx: &Ctx,
        input: StartQueryRequest,
    ) -> Result<StartQueryResponse, LogsError> {
        Logs::start_query(self, ctx, input).await
    }

    async fn stop_query(
        &self,
        ctx: &Ctx,
        input: StopQueryRequest,
    ) -> Result<StopQueryResponse, LogsError> {
        Logs::stop_query(self, ctx, input).await
    }

    async fn tag_log_group(&self, ctx: &Ctx, input: TagLogGroupRequest) -> Result<(), LogsError> {
        Logs::tag_log_group(self, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &Ctx, input: TagResourceRequest) -> Result<(), LogsError> {
        Logs::tag_resource(self, ctx, input).await
    }

    async fn test_metric_filter(
        &self,
        ctx: &Ctx,
        input: TestMetricFilterRequest,
    ) -> Result<TestMetricFilterResponse, LogsError> {
        Logs::test_metric_filter(self, ctx, input).await
    }

    async fn test_transformer(
        &self,
        ctx: &Ctx,
        input: TestTransformerRequest,
    ) -> Result<TestTransformerResponse, LogsError> {
        Logs::test_transformer(self, ctx, input).await
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

    async fn update_anomaly(
        &self,
        ctx: &Ctx,
        input: UpdateAnomalyRequest,
    ) -> Result<(), LogsError> {
        Logs::update_anomaly(self, ctx, input).await
    }

    async fn update_delivery_configuration(
        &self,
        ctx: &Ctx,
        input: UpdateDeliveryConfigurationRequest,
    ) -> Result<UpdateDeliveryConfigurationResponse, LogsError> {
        Logs::update_delivery_configuration(self, ctx, input).await
    }

    async fn update_log_anomaly_detector(
        &self,
        ctx: &Ctx,
        input: UpdateLogAnomalyDetectorRequest,
    ) -> Result<(), LogsError> {
        Logs::update_log_anomaly_detector(self, ctx, input).await
    }

    async fn update_lookup_table(
        &self,
        ctx: &Ctx,
        input: UpdateLookupTableRequest,
    ) -> Result<UpdateLookupTableResponse, LogsError> {
        Logs::update_lookup_table(self, ctx, input).await
    }

    async fn update_scheduled_query(
        &self,
        ctx: &Ctx,
        input: UpdateScheduledQueryRequest,
    ) -> Result<UpdateScheduledQueryResponse, LogsError> {
        Logs::update_scheduled_query(self, ctx, input).await
    }
}
