//! AWS Identity and Access Management: roles (with trust policies, paths, tags and session
//! limits), managed policies with versions, inline role policies, attachments, and instance
//! profiles. IAM is global: state is keyed by account only (`123456789012/...`).
//!
//! Policy documents are stored as given and answered URL-encoded, as IAM does (botocore decodes
//! them). They are checked to be JSON; their statements are not evaluated.

mod roles;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};

pub use roles::Role;

/// What STS needs to know about a role it is asked to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSummary {
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub max_session_duration: i64,
}

/// IAM's documented errors.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    UnmodifiableEntity(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<IamError> for AwsError {
    fn from(error: IamError) -> Self {
        let shape = match &error {
            IamError::NoSuchEntity(_) => "NoSuchEntityException",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExistsException",
            IamError::DeleteConflict(_) => "DeleteConflictException",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            IamError::LimitExceeded(_) => "LimitExceededException",
            IamError::InvalidInput(_) => "InvalidInputException",
            IamError::UnmodifiableEntity(_) => "UnmodifiableEntityException",
            IamError::Store(_) => return AwsError::internal(),
        };
        AwsError::new(shape, error.to_string())
    }
}

/// A tag, as IAM's shapes name its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

pub struct Iam {
    pub(crate) kit: Kit,
    pub(crate) roles: Arc<Collection<Role>>,
}

impl Iam {
    pub fn new(kit: Kit) -> Result<Self, StoreError> {
        let roles = kit.store().collection("iam.roles")?;
        Ok(Self { kit, roles })
    }

    /// The role an ARN names (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), for STS.
    pub fn role_by_arn(&self, arn: &str) -> Option<RoleSummary> {
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let path_and_name = resource.strip_prefix("role/")?;
        let name = path_and_name.rsplit('/').next()?;
        let role = self.roles.get(&roles::key(account, name))?;
        (role.arn == arn).then(|| RoleSummary {
            account_id: account.to_string(),
            role_name: role.role_name.clone(),
            role_id: role.role_id.clone(),
            arn: role.arn.clone(),
            max_session_duration: role.max_session_duration,
        })
    }
}

/// IAM answers policy documents URL-encoded.
pub(crate) fn encode_document(document: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(document, SAFE).to_string()
}

/// Checks that a policy document is a JSON object, as IAM's parser does first.
pub(crate) fn check_document(document: &str) -> Result<(), IamError> {
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(IamError::MalformedPolicyDocument(
            "This policy contains invalid Json".into(),
        )),
    }
}

#[async_trait::async_trait]
impl Service for Iam {
    fn model(&self) -> &'static Model {
        model::iam()
    }

    fn validation_code(&self) -> &'static str {
        "ValidationError"
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        crate::operations!("iam", self, ctx, operation, input;
            "CreateRole" => create_role,
            "GetRole" => get_role,
        )
    }
}
