//! Integrations with other services: OpenSearch (PutIntegration, GetIntegration,
//! ListIntegrations, DeleteIntegration) and S3 Tables (the sources of an S3 table
//! integration).
//!
//! An OpenSearch integration has CloudWatch Logs create an OpenSearch collection, data source
//! and application. The simulator has no OpenSearch Service, so provisioning fails: the
//! integration is recorded with the `FAILED` status and each resource it needed reports
//! `NOT_FOUND`, as AWS reports a failed integration. S3 table integrations are created by
//! another service (CloudWatch's observability admin), which does not exist here, so every
//! integration ARN names nothing.

use sim_aws_shapes::logs::{
    AssociateSourceToS3TableIntegrationRequest, AssociateSourceToS3TableIntegrationResponse,
    DeleteIntegrationRequest, DeleteIntegrationResponse,
    DisassociateSourceFromS3TableIntegrationRequest,
    DisassociateSourceFromS3TableIntegrationResponse, GetIntegrationRequest,
    GetIntegrationResponse, IntegrationDetails, IntegrationSummary, ListIntegrationsRequest,
    ListIntegrationsResponse, ListSourcesForS3TableIntegrationRequest,
    ListSourcesForS3TableIntegrationResponse, OpenSearchApplication, OpenSearchCollection,
    OpenSearchDataSource, OpenSearchIntegrationDetails, OpenSearchResourceStatus,
    PutIntegrationRequest, PutIntegrationResponse,
};

use super::{Logs, LogsError, Scope};
use crate::services::Ctx;

/// Integrations an account can hold in a region.
const MAX_INTEGRATIONS: usize = 5;

fn integration_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified integration does not exist.".into())
}

fn s3_table_integration_not_found(arn: &str) -> LogsError {
    LogsError::ResourceNotFound(format!("The S3 table integration {arn} does not exist."))
}

fn missing(what: &str) -> Option<OpenSearchResourceStatus> {
    Some(OpenSearchResourceStatus {
        status: Some("NOT_FOUND".into()),
        status_message: Some(format!(
            "The OpenSearch {what} could not be created: Sockerless has no OpenSearch Service."
        )),
    })
}

impl Logs {
    pub(crate) async fn put_integration(
        &self,
        ctx: &Ctx,
        input: PutIntegrationRequest,
    ) -> Result<PutIntegrationResponse, LogsError> {
        let scope = Scope::of(ctx);
        let Some(config) = input.resource_config.open_search_resource_config else {
            return Err(LogsError::Validation(
                "resourceConfig must include openSearchResourceConfig.".into(),
            ));
        };
        if !(1..=3650).contains(&config.retention_days) {
            return Err(LogsError::Validation(
                "retentionDays must be between 1 and 3650.".into(),
            ));
        }
        let key = scope.group_key(&input.integration_name);
        let count = self.integrations.scan_prefix(&scope.group_key("")).len();
        if !self.integrations.contains(&key) && count >= MAX_INTEGRATIONS {
            return Err(super::limit_exceeded());
        }
        let integration = GetIntegrationResponse {
            integration_name: Some(input.integration_name.clone()),
            integration_type: Some(input.integration_type),
            integration_status: Some("FAILED".into()),
            integration_details: Some(IntegrationDetails {
                open_search_integration_details: Some(OpenSearchIntegrationDetails {
                    data_source: Some(OpenSearchDataSource {
                        data_source_name: None,
                        status: missing("data source"),
                    }),
                    application: Some(OpenSearchApplication {
                        application_arn: config.application_arn,
                        status: missing("application"),
                        ..OpenSearchApplication::default()
                    }),
                    collection: Some(OpenSearchCollection {
                        status: missing("collection"),
                        ..OpenSearchCollection::default()
                    }),
                    ..OpenSearchIntegrationDetails::default()
                }),
            }),
        };
        self.integrations.insert(&key, integration)?;
        Ok(PutIntegrationResponse {
            integration_name: Some(input.integration_name),
            integration_status: Some("FAILED".into()),
        })
    }

    pub(crate) async fn get_integration(
        &self,
        ctx: &Ctx,
        input: GetIntegrationRequest,
    ) -> Result<GetIntegrationResponse, LogsError> {
        self.integrations
            .get(&Scope::of(ctx).group_key(&input.integration_name))
            .ok_or_else(integration_not_found)
    }

    pub(crate) async fn list_integrations(
        &self,
        ctx: &Ctx,
        input: ListIntegrationsRequest,
    ) -> Result<ListIntegrationsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let prefix = scope.group_key(input.integration_name_prefix.as_deref().unwrap_or(""));
        let summaries =
            self.integrations
                .scan_prefix(&prefix)
                .into_iter()
                .map(|(_, integration)| IntegrationSummary {
                    integration_name: integration.integration_name,
                    integration_type: integration.integration_type,
                    integration_status: integration.integration_status,
                })
                .filter(|summary| {
                    input
                        .integration_type
                        .as_ref()
                        .is_none_or(|wanted| summary.integration_type.as_ref() == Some(wanted))
                        && input.integration_status.as_ref().is_none_or(|wanted| {
                            summary.integration_status.as_ref() == Some(wanted)
                        })
                })
                .collect();
        Ok(ListIntegrationsResponse {
            integration_summaries: Some(summaries),
        })
    }

    pub(crate) async fn delete_integration(
        &self,
        ctx: &Ctx,
        input: DeleteIntegrationRequest,
    ) -> Result<DeleteIntegrationResponse, LogsError> {
        self.integrations
            .remove(&Scope::of(ctx).group_key(&input.integration_name))?
            .ok_or_else(integration_not_found)?;
        Ok(DeleteIntegrationResponse {})
    }

    pub(crate) async fn associate_source_to_s3_table_integration(
        &self,
        _ctx: &Ctx,
        input: AssociateSourceToS3TableIntegrationRequest,
    ) -> Result<AssociateSourceToS3TableIntegrationResponse, LogsError> {
        Err(s3_table_integration_not_found(&input.integration_arn))
    }

    pub(crate) async fn list_sources_for_s3_table_integration(
        &self,
        _ctx: &Ctx,
        input: ListSourcesForS3TableIntegrationRequest,
    ) -> Result<ListSourcesForS3TableIntegrationResponse, LogsError> {
        Err(s3_table_integration_not_found(&input.integration_arn))
    }

    pub(crate) async fn disassociate_source_from_s3_table_integration(
        &self,
        _ctx: &Ctx,
        input: DisassociateSourceFromS3TableIntegrationRequest,
    ) -> Result<DisassociateSourceFromS3TableIntegrationResponse, LogsError> {
        Err(LogsError::ResourceNotFound(format!(
            "The S3 table integration source {} does not exist.",
            input.identifier
        )))
    }
}
