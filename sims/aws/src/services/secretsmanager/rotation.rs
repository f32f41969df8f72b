//! Rotation: RotateSecret records the function and rules and, unless told to wait, rotates at
//! once through the rotation function, as AWS does. AWS's checks come first: a function must be
//! named (now or before), its policy must let `secretsmanager.amazonaws.com` invoke it, and no
//! earlier rotation may be unfinished (an AWSPENDING version that is not AWSCURRENT). Then a
//! version with the request's token and the AWSPENDING stage (and no value yet) is added, and
//! the function is invoked, through Lambda's own invoke path, with
//! `{"SecretId", "ClientRequestToken", "Step"}` for `createSecret`, `setSecret`, `testSecret`
//! and `finishSecret` in turn, each after the previous one succeeded. The function does the
//! work (PutSecretValue with AWSPENDING, UpdateSecretVersionStage moving AWSCURRENT); once
//! `finishSecret` has made the new version AWSCURRENT, Secrets Manager takes AWSPENDING off it
//! and records the rotation date. A step that fails stops the rotation with AWSPENDING left in
//! place, so the next RotateSecret answers that the previous rotation is not complete.
//! CancelRotateSecret turns rotation off.

use std::sync::{Arc, Weak};

use serde_json::json;
use sim_aws_shapes::secretsmanager::{
    CancelRotateSecretRequest, CancelRotateSecretResponse, RotateSecretRequest,
    RotateSecretResponse,
};

use super::{Scope, SecretsError, SecretsManager, VersionRecord};
use crate::policy::Context;
use crate::services::Ctx;
use crate::services::lambda::Lambda;

const PENDING: &str = "AWSPENDING";
const CURRENT: &str = "AWSCURRENT";
/// The steps of a rotation, in the order the function is invoked with them.
const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

/// What rotation reaches: Lambda (held weakly: Lambda is built after Secrets Manager) and the
/// service itself, for the rotation that continues after RotateSecret has answered.
pub(super) struct Rotation {
    pub this: Weak<SecretsManager>,
    pub lambda: Weak<Lambda>,
}

fn cannot_invoke() -> SecretsError {
    SecretsError::AccessDenied(
        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.".into(),
    )
}

impl SecretsManager {
    /// Connects rotation to Lambda.
    pub fn connect_lambda(self: &Arc<Self>, lambda: &Arc<Lambda>) {
        let _ = self.rotation.set(Rotation {
            this: Arc::downgrade(self),
            lambda: Arc::downgrade(lambda),
        });
    }

    pub(super) async fn rotate_secret(
        &self,
        ctx: &Ctx,
        input: RotateSecretRequest,
    ) -> Result<RotateSecretResponse, SecretsError> {
        let scope = Scope::of(ctx);
        let record = self.find(&scope, &input.secret_id)?;
        record.refuse_if_deleted()?;
        record.refuse_if_replica()?;
        let Some(function) = input
            .rotation_lambda_arn
            .clone()
            .or(record.rotation_lambda_arn.clone())
        else {
            return Err(SecretsError::InvalidRequest(
                "No Lambda rotation function ARN is associated with this secret.".into(),
            ));
        };
        let unfinished = record.versions.values().any(|v| {
            v.stages.iter().any(|s| s == PENDING) && !v.stages.iter().any(|s| s == CURRENT)
        });
        if unfinished {
            return Err(SecretsError::InvalidRequest(
                "A previous rotation isn't complete. That rotation will be reattempted.".into(),
            ));
        }
        let lambda = self
            .rotation
            .get()
            .and_then(|rotation| rotation.lambda.upgrade())
            .ok_or_else(cannot_invoke)?;
        let mut context = Context::new();
        context.set("aws:SourceAccount", scope.account_id.as_str());
        context.set("aws:SourceArn", record.arn.as_str());
        if !lambda.permits_service(&function, &["secretsmanager.amazonaws.com"], &context) {
            return Err(cannot_invoke());
        }
        let rotate_now = input.rotate_immediately.unwrap_or(true);
        let token = input
            .client_request_token
            .clone()
            .unwrap_or_else(|| self.kit.ids().uuid());
        let now = self.now();
        let (arn, name) = self.change(&scope, &input.secret_id, |record| {
            record.rotation_enabled = Some(true);
            record.rotation_lambda_arn = Some(function.clone());
            if input.rotation_rules.is_some() {
                record.rotation_rules = input.rotation_rules.clone();
            }
            if rotate_now {
                if record.versions.contains_key(&token) {
                    return Err(SecretsError::ResourceExists(
                        "You can't modify an existing version, you can only create a new version."
                            .into(),
                    ));
                }
                for version in record.versions.values_mut() {
                    version.stages.retain(|stage| stage != PENDING);
                }
                record.versions.insert(
                    token.clone(),
                    VersionRecord {
                        created: now,
                        stages: vec![PENDING.to_string()],
                        sealed: String::new(),
                        binary: false,
                        last_accessed: None,
                        kms_key_arn: String::new(),
                    },
                );
            }
            Ok((record.arn.clone(), record.name.clone()))
        })?;
        if rotate_now {
            self.rotate_in_background(scope, arn.clone(), token.clone(), function);
        }
        Ok(RotateSecretResponse {
            arn: Some(arn),
            name: Some(name),
            version_id: rotate_now.then_some(token),
        })
    }

    /// Invokes the rotation function with each step in turn, after RotateSecret has answered.
    fn rotate_in_background(&self, scope: Scope, arn: String, token: String, function: String) {
        let Some(rotation) = self.rotation.get() else {
            return;
        };
        let (this, lambda) = (rotation.this.clone(), rotation.lambda.clone());
        tokio::spawn(async move {
            for step in STEPS {
                let Some(lambda) = lambda.upgrade() else {
                    return;
                };
                let event = json!({"SecretId": arn, "ClientRequestToken": token, "Step": step});
                match lambda.invoke_for_service(&function, &event).await {
                    Ok(answer) if answer.function_error.is_none() => {}
                    Ok(answer) => {
                        tracing::info!(
                            secret = %arn, step,
                            error = %String::from_utf8_lossy(&answer.payload),
                            "the rotation function failed; the rotation stops"
                        );
                        return;
                    }
                    Err(error) => {
                        tracing::info!(secret = %arn, step, %error, "the rotation function could not be invoked");
                        return;
                    }
                }
            }
            let Some(secrets) = this.upgrade() else {
                return;
            };
            let now = secrets.now();
            let finished = secrets.change(&scope, &arn, |record| {
                if let Some(version) = record.versions.get_mut(&token)
                    && version.stages.iter().any(|s| s == CURRENT)
                {
                    version.stages.retain(|stage| stage != PENDING);
                    record.last_rotated = Some(now);
                }
                Ok(())
            });
            if let Err(error) = finished {
                tracing::warn!(secret = %arn, %error, "could not record the end of a rotation");
            }
        });
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
            let pending = record.version_with_stage(PENDING).map(str::to_string);
            for version in record.versions.values_mut() {
                version.stages.retain(|stage| stage != PENDING);
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
