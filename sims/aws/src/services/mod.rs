//! The services: typed handlers with AWS's semantics. A handler takes a [`Ctx`] (who is calling,
//! in which account and region) and a typed input, and returns a typed output or its service's
//! error. Handlers never see HTTP, never format JSON or XML, never spawn processes and never
//! read the clock except through the kit.
//!
//! Each service implements [`Service`] by handing the operation to the `dispatch` generated
//! for its model (`sim-aws-shapes`), which converts the input into the operation's generated
//! type and calls the service's implementation of the generated `Api` trait; an operation the
//! service does not implement answers `NotImplemented` from the trait's default.
//! State lives in `simkit` store collections keyed by `account/region/...` (IAM, being global,
//! by `account/...`).

pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod efs;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod paging;
pub mod s3;
pub mod secretsmanager;
pub mod servicediscovery;
pub mod ssm;
pub mod sts;

use serde::Serialize;
use serde_json::Value;

use sim_aws_shapes::normal::Dispatched;

use crate::error::AwsError;
use crate::model::Model;
use crate::protocol::shape::Validation;

/// Who is calling, and where.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub account_id: String,
    pub region: String,
    pub caller: Caller,
}

impl Ctx {
    /// The key prefix of this account and region's state: `123456789012/us-east-1/`.
    pub fn scope(&self) -> String {
        format!("{}/{}/", self.account_id, self.region)
    }

    /// `arn:aws:{service}:{region}:{account}:{resource}`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.region, self.account_id
        )
    }
}

/// The principal behind a request's access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Caller {
    pub access_key_id: String,
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
    /// For temporary credentials: what the session carries (its role, session policies, tags,
    /// source identity). Absent for long-term keys.
    #[serde(default)]
    pub session: Option<sts::Session>,
}

impl Caller {
    /// The account's root user, which any key not issued by the simulator stands for.
    pub fn root(account_id: &str, access_key_id: &str) -> Self {
        Self {
            access_key_id: access_key_id.to_string(),
            account_id: account_id.to_string(),
            arn: format!("arn:aws:iam::{account_id}:root"),
            user_id: account_id.to_string(),
            session: None,
        }
    }
}

/// A resource's own policy (a bucket policy, a function's, a repository's, a secret's, a key
/// policy), as the service that holds the resource reports it to the authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicy {
    /// The policy document, with every statement naming its resource; `None` when the resource
    /// has no policy but its own ARN differs from the one the request named.
    pub document: Option<String>,
    /// The account that owns the resource (cross-account requests need the policy's grant).
    pub owner_account: String,
    /// The resource's own ARN when the request named it otherwise (a secret by name, a key by
    /// alias): statements match against this one.
    pub resource_arn: Option<String>,
    /// The policy must allow, alone or by delegating to the account (KMS key policies).
    pub required: bool,
}

/// The parts of an ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnParts<'a> {
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Splits an ARN into its parts (the resource keeps any `:` it contains).
pub fn split_arn(arn: &str) -> Option<ArnParts<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some(ArnParts {
        service,
        region,
        account,
        resource,
    })
}

/// One AWS service.
#[async_trait::async_trait]
pub trait Service: Send + Sync + 'static {
    fn model(&self) -> &'static Model;

    /// The policy attached to the resource `resource_arn` (as the authorization catalogue
    /// names it), for services whose resources carry one; `None` when there is none.
    fn resource_policy(&self, resource_arn: &str) -> Option<ResourcePolicy> {
        let _ = resource_arn;
        None
    }

    /// How this service reports input that fails the model's constraints.
    fn validation(&self) -> Validation;

    /// How this service reports input of `operation` that fails the model's constraints: as
    /// [`Service::validation`] unless the service's operations differ (CloudWatch Logs' newer
    /// operations answer `ValidationException` where its older ones answer
    /// `InvalidParameterException`).
    fn validation_for(&self, operation: &str) -> Validation {
        let _ = operation;
        self.validation()
    }

    /// Calls `operation` with its decoded, validated input (normal form).
    async fn call(&self, ctx: &Ctx, operation: &str, input: Value) -> Result<Value, AwsError>;
}

/// The answer of a generated `dispatch` for `service`'s `operation`: its output, or the
/// service's error as AWS renders it. An input that does not convert means the shapes and the
/// protocol disagree: our bug, logged.
pub fn dispatched<E: Into<AwsError>>(
    service: &str,
    operation: &str,
    outcome: Result<Value, Dispatched<E>>,
) -> Result<Value, AwsError> {
    match outcome {
        Ok(output) => Ok(output),
        Err(Dispatched::Handler(error)) => Err(error.into()),
        Err(Dispatched::Input(error)) => {
            tracing::error!(%error, "validated input does not fit its generated shape");
            Err(AwsError::serialization(format!(
                "Could not read the request: {error}"
            )))
        }
        // In the model but left out of the generated shapes (a model narrowed by its
        // `NAME.operations` list): not implemented, as an operation without a handler is.
        Err(Dispatched::UnknownOperation) => Err(AwsError::not_implemented(service, operation)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_their_parts() {
        assert_eq!(
            split_arn("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Some(ArnParts {
                service: "lambda",
                region: "us-east-1",
                account: "123456789012",
                resource: "function:f:live",
            })
        );
        assert_eq!(
            split_arn("arn:aws:s3:::b/k").map(|p| p.resource),
            Some("b/k")
        );
        assert_eq!(split_arn("not-an-arn"), None);
        assert_eq!(split_arn("arn:aws:s3"), None);
    }
}
