//! What the simulator knows about which services an identity can reach and has reached:
//! service last accessed reports (`GenerateServiceLastAccessedDetails`, then
//! `GetServiceLastAccessedDetails` and `...WithEntities` by job ID), `ListPoliciesGrantingServiceAccess`,
//! and the Organizations access report (`GenerateOrganizationsAccessReport`,
//! `GetOrganizationsAccessReport`).
//!
//! The services an entity "can access" are the namespaces named by the `Action` elements of the
//! `Allow` statements of its permissions policies (for a user, also its groups'), as AWS says it
//! computes them (permissions policies only). Last access is what the simulator saw: the last
//! use of a user's access keys (service and region, as `GetAccessKeyLastUsed` reports it).
//! Reports are computed when generated and kept by job ID, so they describe the account at
//! that moment, as AWS's do.
//!
//! Limits: a wildcard action (`*`) stands for the services this simulator serves (ECS, IAM,
//! CloudWatch Logs, STS), not every AWS service; role and action-level activity is not tracked.
//! The account is not in an organization, so an Organizations access report job fails with the
//! reason AWS gives for that.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    EntityDetails, EntityInfo, ErrorDetails, GenerateOrganizationsAccessReportRequest,
    GenerateOrganizationsAccessReportResponse, GenerateServiceLastAccessedDetailsRequest,
    GenerateServiceLastAccessedDetailsResponse, GetOrganizationsAccessReportRequest,
    GetOrganizationsAccessReportResponse, GetServiceLastAccessedDetailsRequest,
    GetServiceLastAccessedDetailsResponse, GetServiceLastAccessedDetailsWithEntitiesRequest,
    GetServiceLastAccessedDetailsWithEntitiesResponse, ListPoliciesGrantingServiceAccessEntry,
    ListPoliciesGrantingServiceAccessRequest, ListPoliciesGrantingServiceAccessResponse,
    PolicyGrantingServiceAccess, ServiceLastAccessed,
};

use super::access_keys::KeyUse;
use super::paging::paginate;
use super::policies::PolicyArn;
use super::{Iam, IamError, key, timestamp};
use crate::services::Ctx;

/// The namespaces a wildcard action stands for: the services this simulator serves.
const SIMULATED_NAMESPACES: &[&str] = &["ecs", "iam", "logs", "sts"];

/// AWS's names for the services reports name most; others are named by their namespace.
const SERVICE_NAMES: &[(&str, &str)] = &[
    ("cloudwatch", "Amazon CloudWatch"),
    ("dynamodb", "Amazon DynamoDB"),
    ("ec2", "Amazon EC2"),
    ("ecr", "Amazon Elastic Container Registry"),
    ("ecs", "Amazon Elastic Container Service"),
    ("iam", "AWS Identity and Access Management"),
    ("kms", "AWS Key Management Service"),
    ("lambda", "AWS Lambda"),
    ("logs", "Amazon CloudWatch Logs"),
    ("s3", "Amazon S3"),
    ("secretsmanager", "AWS Secrets Manager"),
    ("sns", "Amazon SNS"),
    ("sqs", "Amazon SQS"),
    ("sts", "AWS Security Token Service"),
];

fn service_name(namespace: &str) -> String {
    SERVICE_NAMES
        .iter()
        .find(|(known, _)| *known == namespace)
        .map_or_else(|| namespace.to_string(), |(_, name)| name.to_string())
}

/// The service namespaces a policy document's `Allow` statements name in `Action`.
pub(crate) fn granted_namespaces(document: &str) -> BTreeSet<String> {
    let mut namespaces = BTreeSet::new();
    let Ok(parsed) = serde_json::from_str::<serde_json::Value>(document) else {
        return namespaces;
    };
    let statements = match &parsed["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        single @ serde_json::Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    for statement in statements.iter().filter(|s| s["Effect"] == "Allow") {
        let actions = match &statement["Action"] {
            serde_json::Value::String(one) => vec![one.clone()],
            serde_json::Value::Array(many) => many
                .iter()
                .filter_map(|action| action.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for action in actions {
            let prefix = action
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if prefix.contains('*') || prefix.contains('?') {
                let pattern = prefix.replace('?', "*");
                namespaces.extend(
                    SIMULATED_NAMESPACES
                        .iter()
                        .filter(|namespace| wildcard_match(&pattern, namespace))
                        .map(|namespace| namespace.to_string()),
                );
            } else if !prefix.is_empty() {
                namespaces.insert(prefix);
            }
        }
    }
    namespaces
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len())
                    .any(|skip| wildcard_match(tail, &text[head.len() + skip..]))
        }
    }
}

/// An entity a report is about, or one that reaches a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportEntity {
    pub arn: String,
    pub name: String,
    /// `USER`, `GROUP`, `ROLE`, `POLICY` or `AWS_MANAGED_POLICY`.
    pub kind: String,
    pub id: String,
    pub path: String,
    /// The namespaces its permissions policies allow.
    pub namespaces: BTreeSet<String>,
    /// For a user: the last use of its access keys.
    pub last_use: Option<KeyUse>,
}

/// A stored report job, computed when it was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessJob {
    pub created_ms: i64,
    /// `SERVICE_LEVEL` or `ACTION_LEVEL`; absent for an Organizations report.
    pub granularity: Option<String>,
    /// The entities whose access the report covers (the entity itself, or a group's members
    /// and a policy's holders).
    pub entities: Vec<ReportEntity>,
    /// The namespaces the report lists.
    pub namespaces: BTreeSet<String>,
}

fn entity_info(entity: &ReportEntity) -> EntityInfo {
    EntityInfo {
        arn: entity.arn.clone(),
        name: entity.name.clone(),
        r#type: entity.kind.clone(),
        id: entity.id.clone(),
        path: Some(entity.path.clone()),
    }
}

fn no_such_job(job_id: &str) -> IamError {
    IamError::NoSuchEntity(format!("Job with id {job_id} cannot be found."))
}

impl Iam {
    /// A user's report entity: its own and its groups' policies, and its keys' last use.
    fn user_entity(&self, ctx: &Ctx, user: super::users::User) -> ReportEntity {
        let principal = super::principals::PrincipalRef::user(&ctx.account_id, &user.user_name);
        let namespaces = self
            .identity_policies(&principal)
            .unwrap_or_default()
            .iter()
            .flat_map(|policy| granted_namespaces(&policy.document))
            .collect();
        let last_use = user
            .access_key_ids
            .iter()
            .filter_map(|id| self.access_keys.get(id)?.last_used)
            .max_by_key(|used| used.date_ms);
        ReportEntity {
            arn: user.arn,
            name: user.user_name,
            kind: "USER".into(),
            id: user.user_id,
            path: user.path,
            namespaces,
            last_use,
        }
    }

    /// The entities a report on `arn` covers, and the namespaces it lists.
    fn report_scope(
        &self,
        ctx: &Ctx,
        arn: &str,
    ) -> Result<(Vec<ReportEntity>, BTreeSet<String>), IamError> {
        let invalid = || IamError::InvalidInput(format!("ARN {arn} is not valid."));
        let resource = arn
            .strip_prefix(&format!("arn:aws:iam::{}:", ctx.account_id))
            .or_else(|| arn.strip_prefix("arn:aws:iam::aws:"))
            .ok_or_else(invalid)?;
        let (kind, path_and_name) = resource.split_once('/').ok_or_else(invalid)?;
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let entities = match kind {
            "user" => vec![self.user_entity(ctx, self.user(ctx, name)?)],
            "group" => {
                let group = self.group(ctx, name)?;
                self.group_members(ctx, &group.group_name)
                    .into_iter()
                    .map(|user| self.user_entity(ctx, user))
                    .collect()
            }
            "role" => {
                let role = self.role(ctx, name)?;
                let principal = super::principals::PrincipalRef::role(&ctx.account_id, name);
                vec![ReportEntity {
                    namespaces: self
                        .identity_policies(&principal)
                        .unwrap_or_default()
                        .iter()
                        .flat_map(|policy| granted_namespaces(&policy.document))
                        .collect(),
                    arn: role.arn,
                    name: role.role_name,
                    kind: "ROLE".into(),
                    id: role.role_id,
                    path: role.path,
                    last_use: None,
                }]
            }
            "policy" => {
                PolicyArn::parse(arn)?;
                self.policy(ctx, arn)?;
                self.policy_holders(ctx)
                    .into_iter()
                    .filter(|holder| holder.attached.iter().any(|held| held == arn))
                    .filter_map(|holder| match holder.kind {
                        super::principals::HolderKind::User => {
                            Some(self.user_entity(ctx, self.user(ctx, &holder.name).ok()?))
                        }
                        super::principals::HolderKind::Group => Some(ReportEntity {
                            arn: format!(
                                "arn:aws:iam::{}:group{}{}",
                                ctx.account_id, holder.path, holder.name
                            ),
                            name: holder.name,
                            kind: "GROUP".into(),
                            id: holder.id,
                            path: holder.path,
                            namespaces: BTreeSet::new(),
                            last_use: None,
                        }),
                        super::principals::HolderKind::Role => Some(ReportEntity {
                            arn: format!(
                                "arn:aws:iam::{}:role{}{}",
                                ctx.account_id, holder.path, holder.name
                            ),
                            name: holder.name,
                            kind: "ROLE".into(),
                            id: holder.id,
                            path: holder.path,
                            namespaces: BTreeSet::new(),
                            last_use: None,
                        }),
                    })
                    .collect()
            }
            _ => return Err(invalid()),
        };
        let namespaces = match kind {
            "group" => self
                .grantee::<super::groups::Group>(ctx, name)
                .map(|group| self.group_namespaces(&group))?,
            "policy" => self
                .managed_policy_document(arn)
                .map(|document| granted_namespaces(&document))
                .unwrap_or_default(),
            _ => entities
                .iter()
                .flat_map(|entity| entity.namespaces.clone())
                .collect(),
        };
        Ok((entities, namespaces))
    }

    fn group_namespaces(&self, group: &super::groups::Group) -> BTreeSet<String> {
        let inline = group.inline_policies.values().cloned();
        let managed = group
            .attached_policies
            .iter()
            .filter_map(|arn| self.managed_policy_document(arn));
        inline
            .chain(managed)
            .flat_map(|document| granted_namespaces(&document))
            .collect()
    }

    fn access_job(&self, ctx: &Ctx, job_id: &str) -> Result<AccessJob, IamError> {
        self.access_jobs
            .get(&key(&ctx.account_id, job_id))
            .ok_or_else(|| no_such_job(job_id))
    }

    pub(super) async fn generate_service_last_accessed_details(
        &self,
        ctx: &Ctx,
        input: GenerateServiceLastAccessedDetailsRequest,
    ) -> Result<GenerateServiceLastAccessedDetailsResponse, IamError> {
        let (entities, namespaces) = self.report_scope(ctx, &input.arn)?;
        let job_id = self.kit.ids().uuid();
        let job = AccessJob {
            created_ms: self.now_millis(),
            granularity: Some(input.granularity.unwrap_or_else(|| "SERVICE_LEVEL".into())),
            entities,
            namespaces,
        };
        self.access_jobs
            .insert(&key(&ctx.account_id, &job_id), job)?;
        Ok(GenerateServiceLastAccessedDetailsResponse {
            job_id: Some(job_id),
        })
    }

    pub(super) async fn get_service_last_accessed_details(
        &self,
        ctx: &Ctx,
        input: GetServiceLastAccessedDetailsRequest,
    ) -> Result<GetServiceLastAccessedDetailsResponse, IamError> {
        let job = self.access_job(ctx, &input.job_id)?;
        let entries = job
            .namespaces
            .iter()
            .map(|namespace| {
                let users: Vec<(&ReportEntity, &KeyUse)> = job
                    .entities
                    .iter()
                    .filter_map(|entity| {
                        let used = entity.last_use.as_ref()?;
                        (used.service_name == *namespace).then_some((entity, used))
                    })
                    .collect();
                let latest = users.iter().max_by_key(|(_, used)| used.date_ms);
                let service = ServiceLastAccessed {
                    service_name: service_name(namespace),
                    last_authenticated: latest.map(|(_, used)| timestamp(used.date_ms)),
                    service_namespace: namespace.clone(),
                    last_authenticated_entity: latest.map(|(entity, _)| entity.arn.clone()),
                    last_authenticated_region: latest.map(|(_, used)| used.region.clone()),
                    total_authenticated_entities: Some(
                        i32::try_from(users.len()).unwrap_or(i32::MAX),
                    ),
                    tracked_actions_last_accessed: None,
                };
                (namespace.clone(), service)
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(GetServiceLastAccessedDetailsResponse {
            job_status: "COMPLETED".into(),
            job_type: job.granularity,
            job_creation_date: timestamp(job.created_ms),
            services_last_accessed: page.items,
            job_completion_date: timestamp(job.created_ms),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
            error: None,
        })
    }

    pub(super) async fn get_service_last_accessed_details_with_entities(
        &self,
        ctx: &Ctx,
        input: GetServiceLastAccessedDetailsWithEntitiesRequest,
    ) -> Result<GetServiceLastAccessedDetailsWithEntitiesResponse, IamError> {
        let job = self.access_job(ctx, &input.job_id)?;
        let namespace = input.service_namespace;
        let entries = job
            .entities
            .iter()
            .filter(|entity| entity.namespaces.is_empty() || entity.namespaces.contains(&namespace))
            .map(|entity| {
                let last_authenticated = entity
                    .last_use
                    .as_ref()
                    .filter(|used| used.service_name == namespace)
                    .map(|used| timestamp(used.date_ms));
                (
                    format!("{}/{}", entity.kind, entity.name.to_ascii_lowercase()),
                    EntityDetails {
                        entity_info: entity_info(entity),
                        last_authenticated,
                    },
                )
            })
            .collect();
        let page = paginate(entries, input.marker.as_deref(), input.max_items)?;
        Ok(GetServiceLastAccessedDetailsWithEntitiesResponse {
            job_status: "COMPLETED".into(),
            job_creation_date: timestamp(job.created_ms),
            job_completion_date: timestamp(job.created_ms),
            entity_details_list: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
            error: None,
        })
    }

    pub(super) async fn list_policies_granting_service_access(
        &self,
        ctx: &Ctx,
        input: ListPoliciesGrantingServiceAccessRequest,
    ) -> Result<ListPoliciesGrantingServiceAccessResponse, IamError> {
        let invalid = || IamError::InvalidInput(format!("ARN {} is not valid.", input.arn));
        let resource = input
            .arn
            .strip_prefix(&format!("arn:aws:iam::{}:", ctx.account_id))
            .ok_or_else(invalid)?;
        let (kind, path_and_name) = resource.split_once('/').ok_or_else(invalid)?;
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let principal = super::principals::PrincipalRef::user(&ctx.account_id, name);
        let policies = match kind {
            "user" => {
                self.user(ctx, name)?;
                self.identity_policies(&principal).unwrap_or_default()
            }
            "role" => {
                self.role(ctx, name)?;
                let role = super::principals::PrincipalRef::role(&ctx.account_id, name);
                self.identity_policies(&role).unwrap_or_default()
            }
            "group" => {
                let group = self.group(ctx, name)?;
                self.group_policies(&group)
            }
            _ => return Err(invalid()),
        };
        let mut by_namespace: BTreeMap<String, Vec<PolicyGrantingServiceAccess>> = input
            .service_namespaces
            .iter()
            .map(|namespace| (namespace.clone(), Vec::new()))
            .collect();
        for policy in &policies {
            let granted = granted_namespaces(&policy.document);
            for (namespace, list) in by_namespace.iter_mut() {
                if !granted.contains(namespace) {
                    continue;
                }
                let inline = policy.arn.is_none();
                list.push(PolicyGrantingServiceAccess {
                    policy_name: policy.name.clone(),
                    policy_type: if inline { "INLINE" } else { "MANAGED" }.into(),
                    policy_arn: policy.arn.clone(),
                    entity_type: inline.then(|| {
                        match policy.holder_kind {
                            super::principals::HolderKind::User => "USER",
                            super::principals::HolderKind::Group => "GROUP",
                            super::principals::HolderKind::Role => "ROLE",
                        }
                        .to_string()
                    }),
                    entity_name: inline.then(|| policy.holder_name.clone()),
                });
            }
        }
        Ok(ListPoliciesGrantingServiceAccessResponse {
            policies_granting_service_access: by_namespace
                .into_iter()
                .map(
                    |(namespace, policies)| ListPoliciesGrantingServiceAccessEntry {
                        service_namespace: Some(namespace),
                        policies: Some(policies),
                    },
                )
                .collect(),
            is_truncated: Some(false),
            marker: None,
        })
    }

    /// A group's own policies, as `principals` describes a principal's.
    fn group_policies(
        &self,
        group: &super::groups::Group,
    ) -> Vec<super::principals::IdentityPolicy> {
        let inline = group.inline_policies.iter().map(|(name, document)| {
            super::principals::IdentityPolicy {
                name: name.clone(),
                arn: None,
                aws_managed: false,
                holder_kind: super::principals::HolderKind::Group,
                holder_name: group.group_name.clone(),
                document: document.clone(),
            }
        });
        let managed = group.attached_policies.iter().filter_map(|arn| {
            let parsed = PolicyArn::parse(arn).ok()?;
            Some(super::principals::IdentityPolicy {
                name: parsed.name.to_string(),
                arn: Some(arn.clone()),
                aws_managed: parsed.is_aws(),
                holder_kind: super::principals::HolderKind::Group,
                holder_name: group.group_name.clone(),
                document: self.managed_policy_document(arn)?,
            })
        });
        inline.chain(managed).collect()
    }

    pub(super) async fn generate_organizations_access_report(
        &self,
        ctx: &Ctx,
        _input: GenerateOrganizationsAccessReportRequest,
    ) -> Result<GenerateOrganizationsAccessReportResponse, IamError> {
        let job_id = self.kit.ids().uuid();
        let job = AccessJob {
            created_ms: self.now_millis(),
            granularity: None,
            entities: Vec::new(),
            namespaces: BTreeSet::new(),
        };
        self.access_jobs
            .insert(&key(&ctx.account_id, &job_id), job)?;
        Ok(GenerateOrganizationsAccessReportResponse {
            job_id: Some(job_id),
        })
    }

    pub(super) async fn get_organizations_access_report(
        &self,
        ctx: &Ctx,
        input: GetOrganizationsAccessReportRequest,
    ) -> Result<GetOrganizationsAccessReportResponse, IamError> {
        let job = self.access_job(ctx, &input.job_id)?;
        Ok(GetOrganizationsAccessReportResponse {
            job_status: "FAILED".into(),
            job_creation_date: timestamp(job.created_ms),
            job_completion_date: Some(timestamp(job.created_ms)),
            error_details: Some(ErrorDetails {
                message: "The request was rejected because no organization is associated with \
                          your account."
                    .into(),
                code: "OrganizationNotFoundException".into(),
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_come_from_allowed_actions() {
        let cases = [
            (
                r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","S3:Put*","logs:*"],"Resource":"*"}]}"#,
                vec!["logs", "s3"],
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                vec!["ecs", "iam", "logs", "sts"],
            ),
            (
                r#"{"Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}"#,
                vec![],
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"e*:Describe*","Resource":"*"}]}"#,
                vec!["ecs"],
            ),
            ("not json", vec![]),
        ];
        for (document, expected) in cases {
            let found: Vec<String> = granted_namespaces(document).into_iter().collect();
            assert_eq!(found, expected, "{document}");
        }
    }
}
