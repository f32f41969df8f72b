//! Resource policies on secrets: put (checked against the policy grammar, and refused when it
//! grants public access and `BlockPublicPolicy` asks so), get, delete, validate.

use sim_aws_shapes::secretsmanager::{
    DeleteResourcePolicyRequest, DeleteResourcePolicyResponse, GetResourcePolicyRequest,
    GetResourcePolicyResponse, PutResourcePolicyRequest, PutResourcePolicyResponse,
    ValidateResourcePolicyRequest, ValidateResourcePolicyResponse, ValidationErrorsEntry,
};

use super::{Scope, SecretsError, SecretsManager};
use crate::policy::PolicyKind;
use crate::services::Ctx;

/// The policy's problem, if the grammar refuses it.
fn policy_problem(policy: &str) -> Option<String> {
    if serde_json::from_str::<serde_json::Value>(policy).is_err() {
        return Some("This resource policy contains a syntax error.".into());
    }
    crate::policy::check(policy, PolicyKind::Resource)
        .err()
        .map(|error| error.0)
}

/// Whether an Allow statement names every principal (`"*"` or `{"AWS": "*"}`).
fn grants_public_access(policy: &str) -> bool {
    let Ok(document) = serde_json::from_str::<serde_json::Value>(policy) else {
        return false;
    };
    let statements = match &document["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        single => vec![single.clone()],
    };
    statements.iter().any(|statement| {
        let allow = statement["Effect"] == "Allow";
        let principal = &statement["Principal"];
        let everyone = |value: &serde_json::Value| match value {
            serde_json::Value::String(s) => s == "*",
            serde_json::Value::Array(list) => list.iter().any(|v| v == "*"),
            _ => false,
        };
        allow && (everyone(principal) || everyone(&principal["AWS"]))
    })
}

impl SecretsManager {
    pub(super) async fn put_resource_policy(
        &self,
        ctx: &Ctx,
        input: PutResourcePolicyRequest,
    ) -> Result<PutResourcePolicyResponse, SecretsError> {
        if let Some(problem) = policy_problem(&input.resource_policy) {
            return Err(SecretsError::MalformedPolicyDocument(problem));
        }
        if input.block_public_policy == Some(true) && grants_public_access(&input.resource_policy) {
            return Err(SecretsError::PublicPolicy(
                "This resource policy contains a policy that grants public access.".into(),
            ));
        }
        let (arn, name) = self.change(&Scope::of(ctx), &input.secret_id, |record| {
            record.refuse_if_deleted()?;
            record.resource_policy = Some(input.resource_policy);
            Ok((record.arn.clone(), record.name.clone()))
        })?;
        Ok(PutResourcePolicyResponse {
            arn: Some(arn),
            name: Some(name),
        })
    }

    pub(super) async fn get_resource_policy(
        &self,
        ctx: &Ctx,
        input: GetResourcePolicyRequest,
    ) -> Result<GetResourcePolicyResponse, SecretsError> {
        let record = self.find(&Scope::of(ctx), &input.secret_id)?;
        Ok(GetResourcePolicyResponse {
            arn: Some(record.arn),
            name: Some(record.name),
            resource_policy: record.resource_policy,
        })
    }

    pub(super) async fn delete_resource_policy(
        &self,
        ctx: &Ctx,
        input: DeleteResourcePolicyRequest,
    ) -> Result<DeleteResourcePolicyResponse, SecretsError> {
        let (arn, name) = self.change(&Scope::of(ctx), &input.secret_id, |record| {
            record.refuse_if_deleted()?;
            record.resource_policy = None;
            Ok((record.arn.clone(), record.name.clone()))
        })?;
        Ok(DeleteResourcePolicyResponse {
            arn: Some(arn),
            name: Some(name),
        })
    }

    pub(super) async fn validate_resource_policy(
        &self,
        ctx: &Ctx,
        input: ValidateResourcePolicyRequest,
    ) -> Result<ValidateResourcePolicyResponse, SecretsError> {
        if let Some(secret_id) = &input.secret_id {
            self.find(&Scope::of(ctx), secret_id)?;
        }
        if serde_json::from_str::<serde_json::Value>(&input.resource_policy).is_err() {
            return Err(SecretsError::MalformedPolicyDocument(
                "This resource policy contains a syntax error.".into(),
            ));
        }
        let mut errors = Vec::new();
        if let Some(problem) = policy_problem(&input.resource_policy) {
            errors.push(ValidationErrorsEntry {
                check_name: Some("SYNTAX_CHECK".into()),
                error_message: Some(problem),
            });
        }
        if grants_public_access(&input.resource_policy) {
            errors.push(ValidationErrorsEntry {
                check_name: Some("PUBLIC_ACCESS_CHECK".into()),
                error_message: Some(
                    "This resource policy contains a policy that grants public access.".into(),
                ),
            });
        }
        Ok(ValidateResourcePolicyResponse {
            policy_validation_passed: Some(errors.is_empty()),
            validation_errors: Some(errors),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_principals_are_found() {
        let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let private = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        assert!(grants_public_access(public));
        assert!(!grants_public_access(private));
        assert!(policy_problem(private).is_none());
        assert!(policy_problem("{").is_some());
    }
}
