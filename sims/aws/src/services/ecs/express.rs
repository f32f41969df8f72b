//! Express gateway services. An Express service is a Fargate service behind an Application
//! Load Balancer that ECS provisions in a VPC: the default VPC's subnets and security groups,
//! or the ones the request names. The simulator has neither EC2 networking nor Elastic Load
//! Balancing, so an account here has no default VPC and no subnet exists: CreateExpressGateway-
//! Service answers what ECS answers when the network it needs does not exist, after the checks
//! ECS makes first (the cluster, the roles). No Express service is ever created, so the other
//! operations answer ECS's error for a service that does not exist, or is not an Express one.

use sim_aws_shapes::ecs::{
    CreateExpressGatewayServiceRequest, CreateExpressGatewayServiceResponse,
    DeleteExpressGatewayServiceRequest, DeleteExpressGatewayServiceResponse,
    DescribeExpressGatewayServiceRequest, DescribeExpressGatewayServiceResponse,
    UpdateExpressGatewayServiceRequest, UpdateExpressGatewayServiceResponse,
};

use super::{Ecs, EcsError};
use crate::services::Ctx;

impl Ecs {
    fn check_express_role(&self, what: &str, arn: &str) -> Result<(), EcsError> {
        if self.sts.role_exists(arn) {
            Ok(())
        } else {
            Err(EcsError::InvalidParameter(format!(
                "The {what} {arn} does not exist or cannot be assumed by Amazon ECS."
            )))
        }
    }

    /// The service an Express request names: Express services never exist here; a regular
    /// service of that ARN is not one.
    fn express_service(&self, ctx: &Ctx, arn: &str) -> EcsError {
        let prefix = format!("arn:aws:ecs:{}:{}:service/", ctx.region, ctx.account_id);
        let regular = arn
            .strip_prefix(&prefix)
            .and_then(|path| path.split_once('/'))
            .and_then(|(cluster, name)| self.service_record(ctx, cluster, name).ok());
        match regular {
            Some(_) => {
                EcsError::InvalidParameter(format!("The service {arn} is not an Express service."))
            }
            None => EcsError::service_not_found(),
        }
    }

    pub(super) async fn create_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: CreateExpressGatewayServiceRequest,
    ) -> Result<CreateExpressGatewayServiceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if let Some(name) = &input.service_name {
            super::names::check_service_name(name)?;
            if self
                .service_record(ctx, cluster.name(), name)
                .is_ok_and(|s| s.status() != "INACTIVE")
            {
                return Err(EcsError::InvalidParameter(
                    "Creation of service was not idempotent.".into(),
                ));
            }
        }
        self.check_express_role("execution role", &input.execution_role_arn)?;
        self.check_express_role("infrastructure role", &input.infrastructure_role_arn)?;
        if let Some(role) = &input.task_role_arn {
            self.check_express_role("task role", role)?;
        }
        let subnets = input
            .network_configuration
            .and_then(|n| n.subnets)
            .unwrap_or_default();
        Err(match subnets.first() {
            Some(subnet) => EcsError::InvalidParameter(format!(
                "The subnet ID '{subnet}' does not exist."
            )),
            None => EcsError::InvalidParameter(
                "No default VPC was found in this Region. Specify the subnets of a VPC in networkConfiguration.".into(),
            ),
        })
    }

    pub(super) async fn describe_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: DescribeExpressGatewayServiceRequest,
    ) -> Result<DescribeExpressGatewayServiceResponse, EcsError> {
        Err(match self.express_service(ctx, &input.service_arn) {
            EcsError::ServiceNotFound(_) => EcsError::ResourceNotFound(format!(
                "The Express service {} does not exist.",
                input.service_arn
            )),
            other => other,
        })
    }

    pub(super) async fn update_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: UpdateExpressGatewayServiceRequest,
    ) -> Result<UpdateExpressGatewayServiceResponse, EcsError> {
        Err(self.express_service(ctx, &input.service_arn))
    }

    pub(super) async fn delete_express_gateway_service(
        &self,
        ctx: &Ctx,
        input: DeleteExpressGatewayServiceRequest,
    ) -> Result<DeleteExpressGatewayServiceResponse, EcsError> {
        Err(self.express_service(ctx, &input.service_arn))
    }
}
