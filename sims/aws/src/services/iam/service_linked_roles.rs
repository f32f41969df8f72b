//! Service-linked roles: roles a service creates for itself (`CreateServiceLinkedRole`), with
//! AWS's name for each service (`AWSServiceRoleForECS` for `ecs.amazonaws.com`), the path
//! `/aws-service-role/<service principal>/`, a trust policy naming the service, and the
//! service's managed policy attached; `_suffix` custom names where the service allows them.
//! `DeleteServiceLinkedRole` deletes the role with its policies and answers a deletion task
//! that `GetServiceLinkedRoleDeletionStatus` reports as `SUCCEEDED` (the simulator's services
//! hold no resources that would keep the role in use).
//!
//! The table below was taken from AWS's own answers (role names and attached policies recorded
//! from AWS for each service). A service not in it answers `InvalidInput`, as for a service
//! that has no service-linked role. Other operations refuse to change these roles as AWS does
//! (`UnmodifiableEntity`), except their descriptions.
//!
//! Limits: the services' managed policies are attached by ARN; only those in `managed` can be
//! read with `GetPolicy`.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    CreateServiceLinkedRoleRequest, CreateServiceLinkedRoleResponse,
    DeleteServiceLinkedRoleRequest, DeleteServiceLinkedRoleResponse,
    GetServiceLinkedRoleDeletionStatusRequest, GetServiceLinkedRoleDeletionStatusResponse,
};

use super::roles::{Role, no_such_role};
use super::{Iam, IamError, key};
use crate::services::Ctx;

/// The path every service-linked role is under.
pub(crate) const SERVICE_ROLE_PATH: &str = "/aws-service-role/";

/// One service that has a service-linked role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServiceLinkedRole {
    /// The service principal (`ecs.amazonaws.com`).
    pub service: &'static str,
    pub role_name: &'static str,
    /// Whether the service lets callers add a `_suffix` (and so have several such roles).
    pub custom_suffix: bool,
    /// The managed policies AWS attaches, after `arn:aws:iam::aws:policy`.
    pub policies: &'static [&'static str],
}

/// Every service the simulator knows a service-linked role for, by service principal.
pub(crate) static SERVICE_LINKED_ROLES: &[ServiceLinkedRole] = &[
    ServiceLinkedRole {
        service: "accountdiscovery.ssm.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonSSM_AccountDiscovery",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSSystemsManagerAccountDiscoveryServicePolicy"],
    },
    ServiceLinkedRole {
        service: "acm.amazonaws.com",
        role_name: "AWSServiceRoleForCertificateManager",
        custom_suffix: false,
        policies: &["/aws-service-role/CertificateManagerServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "appmesh.amazonaws.com",
        role_name: "AWSServiceRoleForAppMesh",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSAppMeshServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "autoscaling-plans.amazonaws.com",
        role_name: "AWSServiceRoleForAutoScalingPlans_EC2AutoScaling",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSAutoScalingPlansEC2AutoScalingPolicy"],
    },
    ServiceLinkedRole {
        service: "autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForAutoScaling",
        custom_suffix: true,
        policies: &["/aws-service-role/AutoScalingServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "backup.amazonaws.com",
        role_name: "AWSServiceRoleForBackup",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSBackupServiceLinkedRolePolicyForBackup"],
    },
    ServiceLinkedRole {
        service: "batch.amazonaws.com",
        role_name: "AWSServiceRoleForBatch",
        custom_suffix: false,
        policies: &["/aws-service-role/BatchServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "cassandra.application-autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForApplicationAutoScaling_CassandraTable",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSApplicationAutoscalingCassandraTablePolicy"],
    },
    ServiceLinkedRole {
        service: "cks.kms.amazonaws.com",
        role_name: "AWSServiceRoleForKeyManagementServiceCustomKeyStores",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSKeyManagementServiceCustomKeyStoresServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "cloudtrail.amazonaws.com",
        role_name: "AWSServiceRoleForCloudTrail",
        custom_suffix: false,
        policies: &["/aws-service-role/CloudTrailServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "codestar-notifications.amazonaws.com",
        role_name: "AWSServiceRoleForCodeStarNotifications",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSCodeStarNotificationsServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "config.amazonaws.com",
        role_name: "AWSServiceRoleForConfig",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSConfigServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "connect.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonConnect",
        custom_suffix: true,
        policies: &["/aws-service-role/AmazonConnectServiceLinkedRolePolicy"],
    },
    ServiceLinkedRole {
        service: "dms-fleet-advisor.amazonaws.com",
        role_name: "AWSServiceRoleForDMSFleetAdvisor",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSDMSFleetAdvisorServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "dms.amazonaws.com",
        role_name: "AWSServiceRoleForDMSServerless",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSDMSServerlessServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "docdb-elastic.amazonaws.com",
        role_name: "AWSServiceRoleForDocDB-Elastic",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonDocDB-ElasticServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ec2-instance-connect.amazonaws.com",
        role_name: "AWSServiceRoleForEc2InstanceConnect",
        custom_suffix: false,
        policies: &["/aws-service-role/Ec2InstanceConnectEndpoint"],
    },
    ServiceLinkedRole {
        service: "ec2.application-autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSApplicationAutoscalingEC2SpotFleetRequestPolicy"],
    },
    ServiceLinkedRole {
        service: "ecr.amazonaws.com",
        role_name: "AWSServiceRoleForECRTemplate",
        custom_suffix: false,
        policies: &["/aws-service-role/ECRTemplateServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ecs.amazonaws.com",
        role_name: "AWSServiceRoleForECS",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonECSServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "eks-connector.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEKSConnector",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonEKSConnectorServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "eks-fargate.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEKSForFargate",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonEKSForFargateServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "eks-nodegroup.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEKSNodegroup",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSServiceRoleForAmazonEKSNodegroup"],
    },
    ServiceLinkedRole {
        service: "eks.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEKS",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonEKSServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "elasticache.amazonaws.com",
        role_name: "AWSServiceRoleForElastiCache",
        custom_suffix: false,
        policies: &["/aws-service-role/ElastiCacheServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "elasticbeanstalk.amazonaws.com",
        role_name: "AWSServiceRoleForElasticBeanstalk",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSElasticBeanstalkServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "elasticfilesystem.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonElasticFileSystem",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonElasticFileSystemServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "elasticloadbalancing.amazonaws.com",
        role_name: "AWSServiceRoleForElasticLoadBalancing",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "email.cognito-idp.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonCognitoIdpEmailService",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonCognitoIdpEmailServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "emr-containers.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEMRContainers",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonEMRContainersServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "emrwal.amazonaws.com",
        role_name: "AWSServiceRoleForEMRWAL",
        custom_suffix: false,
        policies: &["/aws-service-role/EMRDescribeClusterPolicyForEMRWAL"],
    },
    ServiceLinkedRole {
        service: "fis.amazonaws.com",
        role_name: "AWSServiceRoleForFIS",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonFISServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "grafana.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonGrafana",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonGrafanaServiceLinkedRolePolicy"],
    },
    ServiceLinkedRole {
        service: "imagebuilder.amazonaws.com",
        role_name: "AWSServiceRoleForImageBuilder",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSServiceRoleForImageBuilder"],
    },
    ServiceLinkedRole {
        service: "iotmanagedintegrations.amazonaws.com",
        role_name: "AWSServiceRoleForIoTManagedIntegrations",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSIoTManagedIntegrationsRolePolicy"],
    },
    ServiceLinkedRole {
        service: "kafka.amazonaws.com",
        role_name: "AWSServiceRoleForKafka",
        custom_suffix: false,
        policies: &["/aws-service-role/KafkaServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "kafkaconnect.amazonaws.com",
        role_name: "AWSServiceRoleForKafkaConnect",
        custom_suffix: false,
        policies: &["/aws-service-role/KafkaConnectServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "lakeformation.amazonaws.com",
        role_name: "AWSServiceRoleForLakeFormationDataAccess",
        custom_suffix: false,
        policies: &["/aws-service-role/LakeFormationDataAccessServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "lex.amazonaws.com",
        role_name: "AWSServiceRoleForLexBots",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonLexBotPolicy"],
    },
    ServiceLinkedRole {
        service: "lexv2.amazonaws.com",
        role_name: "AWSServiceRoleForLexV2Bots",
        custom_suffix: true,
        policies: &["/aws-service-role/AmazonLexV2BotPolicy"],
    },
    ServiceLinkedRole {
        service: "lightsail.amazonaws.com",
        role_name: "AWSServiceRoleForLightsail",
        custom_suffix: false,
        policies: &["/aws-service-role/LightsailExportAccess"],
    },
    ServiceLinkedRole {
        service: "m2.amazonaws.com",
        role_name: "AWSServiceRoleForAWSM2",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSM2ServicePolicy"],
    },
    ServiceLinkedRole {
        service: "memorydb.amazonaws.com",
        role_name: "AWSServiceRoleForMemoryDB",
        custom_suffix: false,
        policies: &["/aws-service-role/MemoryDBServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "mq.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonMQ",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonMQServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "mrk.kms.amazonaws.com",
        role_name: "AWSServiceRoleForKeyManagementServiceMultiRegionKeys",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "notifications.amazonaws.com",
        role_name: "AWSServiceRoleForAwsUserNotifications",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSUserNotificationsServiceLinkedRolePolicy"],
    },
    ServiceLinkedRole {
        service: "observability.aoss.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonOpenSearchServerless",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonOpenSearchServerlessServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "opensearchservice.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonOpenSearchService",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonOpenSearchServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ops.apigateway.amazonaws.com",
        role_name: "AWSServiceRoleForAPIGateway",
        custom_suffix: false,
        policies: &["/aws-service-role/APIGatewayServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ops.emr-serverless.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEMRServerless",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonEMRServerlessServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "opsdatasync.ssm.amazonaws.com",
        role_name: "AWSServiceRoleForSystemsManagerOpsDataSync",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSSystemsManagerOpsDataSyncServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "opsinsights.ssm.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonSSM_OpsInsights",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSSSMOpsInsightsServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "pullthroughcache.ecr.amazonaws.com",
        role_name: "AWSServiceRoleForECRPullThroughCache",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSECRPullThroughCache_ServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ram.amazonaws.com",
        role_name: "AWSServiceRoleForResourceAccessManager",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSResourceAccessManagerServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "rds.amazonaws.com",
        role_name: "AWSServiceRoleForRDS",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonRDSServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "redshift.amazonaws.com",
        role_name: "AWSServiceRoleForRedshift",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonRedshiftServiceLinkedRolePolicy"],
    },
    ServiceLinkedRole {
        service: "replication.cassandra.amazonaws.com",
        role_name: "AWSServiceRoleForKeyspacesReplication",
        custom_suffix: false,
        policies: &["/aws-service-role/KeyspacesReplicationServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "replication.ecr.amazonaws.com",
        role_name: "AWSServiceRoleForECRReplication",
        custom_suffix: false,
        policies: &["/aws-service-role/ECRReplicationServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "repository.sync.codeconnections.amazonaws.com",
        role_name: "AWSServiceRoleForGitSync",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSGitSyncServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "resource-explorer-2.amazonaws.com",
        role_name: "AWSServiceRoleForResourceExplorer",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSResourceExplorerServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "rolesanywhere.amazonaws.com",
        role_name: "AWSServiceRoleForRolesAnywhere",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSRolesAnywhereServicePolicy"],
    },
    ServiceLinkedRole {
        service: "s3-outposts.amazonaws.com",
        role_name: "AWSServiceRoleForS3OnOutposts",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSS3OnOutpostsServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ses.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonSES",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonSESServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "shield.amazonaws.com",
        role_name: "AWSServiceRoleForAWSShield",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSShieldServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "spot.amazonaws.com",
        role_name: "AWSServiceRoleForEC2Spot",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSEC2SpotServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ssm-incidents.amazonaws.com",
        role_name: "AWSServiceRoleForIncidentManager",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSIncidentManagerServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ssm-quicksetup.amazonaws.com",
        role_name: "AWSServiceRoleForSSMQuickSetup",
        custom_suffix: false,
        policies: &["/aws-service-role/SSMQuickSetupRolePolicy"],
    },
    ServiceLinkedRole {
        service: "ssm.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonSSM",
        custom_suffix: false,
        policies: &["/aws-service-role/AmazonSSMServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "sso.amazonaws.com",
        role_name: "AWSServiceRoleForSSO",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSSSOServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "vpcorigin.cloudfront.amazonaws.com",
        role_name: "AWSServiceRoleForCloudFrontVPCOrigin",
        custom_suffix: false,
        policies: &["/aws-service-role/AWSCloudFrontVPCOriginServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "waf.amazonaws.com",
        role_name: "AWSServiceRoleForWAFLogging",
        custom_suffix: false,
        policies: &["/aws-service-role/WAFLoggingServiceRolePolicy"],
    },
    ServiceLinkedRole {
        service: "wafv2.amazonaws.com",
        role_name: "AWSServiceRoleForWAFV2Logging",
        custom_suffix: false,
        policies: &["/aws-service-role/WAFV2LoggingServiceRolePolicy"],
    },
];

/// A stored deletion task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionTask {
    pub status: String,
}

/// The refusal AWS gives for changing a service-linked role.
pub(crate) fn protected_role(role_name: &str) -> IamError {
    IamError::UnmodifiableEntity(format!(
        "Cannot perform the operation on the protected role '{role_name}' - this role is only \
         modifiable by AWS"
    ))
}

impl Role {
    /// Whether a service created this role for itself.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with(SERVICE_ROLE_PATH)
    }

    /// `UnmodifiableEntity` if the role is service-linked.
    pub(crate) fn check_modifiable(&self) -> Result<(), IamError> {
        if self.is_service_linked() {
            return Err(protected_role(&self.role_name));
        }
        Ok(())
    }
}

fn trust_policy(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

impl Iam {
    pub(super) async fn create_service_linked_role(
        &self,
        ctx: &Ctx,
        input: CreateServiceLinkedRoleRequest,
    ) -> Result<CreateServiceLinkedRoleResponse, IamError> {
        let service = input.aws_service_name;
        let known = SERVICE_LINKED_ROLES
            .iter()
            .find(|known| known.service == service)
            .ok_or_else(|| {
                IamError::InvalidInput(format!(
                    "Service {service} does not support service-linked roles."
                ))
            })?;
        let role_name = match input.custom_suffix {
            Some(suffix) if known.custom_suffix => format!("{}_{suffix}", known.role_name),
            Some(_) => {
                return Err(IamError::InvalidInput(format!(
                    "Custom suffix is not allowed for {service}"
                )));
            }
            None => known.role_name.to_string(),
        };
        let path = format!("{SERVICE_ROLE_PATH}{service}/");
        let role = Role {
            account_id: ctx.account_id.clone(),
            arn: format!("arn:aws:iam::{}:role{path}{role_name}", ctx.account_id),
            path,
            role_name: role_name.clone(),
            role_id: self.unique_id("AROA"),
            create_date_ms: self.now_millis(),
            assume_role_policy_document: trust_policy(&service),
            description: input.description,
            max_session_duration: 3600,
            permissions_boundary: None,
            tags: Vec::new(),
            attached_policies: known
                .policies
                .iter()
                .map(|policy| format!("arn:aws:iam::aws:policy{policy}"))
                .collect(),
            inline_policies: Default::default(),
        };
        self.insert_role(ctx, role.clone())
            .map_err(|error| match error {
                IamError::EntityAlreadyExists(_) => IamError::InvalidInput(format!(
                    "Service role name {role_name} has been taken in this account, please try a \
                 different suffix."
                )),
                other => other,
            })?;
        Ok(CreateServiceLinkedRoleResponse {
            role: Some(role.created()),
        })
    }

    pub(super) async fn delete_service_linked_role(
        &self,
        ctx: &Ctx,
        input: DeleteServiceLinkedRoleRequest,
    ) -> Result<DeleteServiceLinkedRoleResponse, IamError> {
        let task_id = self.transaction(|txn| {
            let role_key = key(&ctx.account_id, &input.role_name);
            let role = txn
                .get(&self.roles, &role_key)?
                .ok_or_else(|| no_such_role(&input.role_name))?;
            if !role.is_service_linked() {
                return Err(IamError::InvalidInput(format!(
                    "Role {} is not a service-linked role.",
                    role.role_name
                )));
            }
            let service = role
                .path
                .trim_start_matches(SERVICE_ROLE_PATH)
                .trim_end_matches('/');
            let task_id = format!(
                "task/aws-service-role/{service}/{}/{}",
                role.role_name,
                self.kit.ids().uuid()
            );
            txn.remove(&self.roles, &role_key)?;
            txn.insert(
                &self.deletion_tasks,
                &key(&ctx.account_id, &task_id),
                DeletionTask {
                    status: "SUCCEEDED".into(),
                },
            )?;
            Ok(task_id)
        })?;
        Ok(DeleteServiceLinkedRoleResponse {
            deletion_task_id: task_id,
        })
    }

    pub(super) async fn get_service_linked_role_deletion_status(
        &self,
        ctx: &Ctx,
        input: GetServiceLinkedRoleDeletionStatusRequest,
    ) -> Result<GetServiceLinkedRoleDeletionStatusResponse, IamError> {
        let task = self
            .deletion_tasks
            .get(&key(&ctx.account_id, &input.deletion_task_id))
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "Deletion task {} cannot be found.",
                    input.deletion_task_id
                ))
            })?;
        Ok(GetServiceLinkedRoleDeletionStatusResponse {
            status: task.status,
            reason: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for known in SERVICE_LINKED_ROLES {
            assert!(seen.insert(known.service), "{} twice", known.service);
            assert!(
                known.role_name.starts_with("AWSServiceRoleFor"),
                "{}",
                known.role_name
            );
            assert!(
                known.service.ends_with(".amazonaws.com"),
                "{}",
                known.service
            );
            assert!(
                known
                    .policies
                    .iter()
                    .all(|p| p.starts_with('/') && !p.ends_with('/')),
                "{}",
                known.service
            );
        }
        let ecs = SERVICE_LINKED_ROLES
            .iter()
            .find(|known| known.service == "ecs.amazonaws.com")
            .map(|known| known.role_name);
        assert_eq!(ecs, Some("AWSServiceRoleForECS"));
    }
}
