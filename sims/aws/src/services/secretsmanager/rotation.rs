//! Rotation: RotateSecret records the function and rules and asks the function to rotate;
//! CancelRotateSecret turns rotation off. There is no Lambda service yet, so every rotation
//! function is one Secrets Manager cannot invoke, and RotateSecret answers AWS's error for that.

use sim_aws_shapes::secretsmanager::{
    CancelRotateSecretRequest, CancelRotateSecretResponse, RotateSecretRequest,
    RotateSecretResponse,
};

use super::{Scope, SecretsError, SecretsManager};
use crate::services::Ctx;

impl SecretsManager {
    pub(super) async fn rotate_secret(
        &self,
        ctx: &Ctx,
        input: RotateSecretRequest,
    ) -> Result<RotateSecretResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_deleted()?;
        record.refuse_if_replica()?;
        let function = input
            .rotation_lambda_arn
            .or(record.rotation_lambda_arn)
            .or(input.external_secret_rotation_role_arn);
        if function.is_none() {
            return Err(SecretsError::InvalidRequest(
                "No Lambda rotation function ARN is associated with this secret.".into(),
            ));
        }
        Err(SecretsError::AccessDenied(
            "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.".into(),
        ))
    }

    pub(super) async fn cancel_rotate_secret(
        &self,
        ctx: &Ctx,
        input: CancelRotateSecretRequest,
    ) -> Result<CancelRotateSecretResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let (arn, name, pending) = self.change(&scope, &input.secret_id, |record| {
            record.refuse_if_deleted()?;
            record.refuse_if_replica()?;
            if record.rotation_enabled.is_some() {
                record.rotation_enabled = Some(false);
            }
            let pending = record.version_with_stage("AWSPENDING").map(str::to_string);
            for version in record.versions.values_mut() {
                version.stages.retain(|stage| stage != "AWSPENDING");
            }
            Ok((record.arn.clone(), record.name.clone(), pending))
        })?;
        Ok(CancelRotateSecretResponse {
            arn: Some(arn),
            name: Some(name),
            version_id: pending,
        })
    }
}
