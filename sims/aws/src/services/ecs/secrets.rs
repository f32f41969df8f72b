//! Container `secrets`: each `valueFrom` (a Secrets Manager secret ARN, optionally with the
//! `:json-key:version-stage:version-id` suffix, or an SSM parameter ARN or name) is read when
//! the task starts and becomes an environment variable. A secret that cannot be read fails the
//! task with ECS's `ResourceInitializationError` reason.
//!
//! Not modelled: the execution role's permission to read the secret (any task may read any
//! secret of its account; under `--enforce-iam` too).

use std::sync::Arc;

use sim_aws_shapes::ecs::Secret;

use super::Ecs;
use crate::services::secretsmanager::SecretsManager;
use crate::services::ssm::Ssm;

/// The services secrets are read from, connected once the simulator has made them.
pub struct SecretSources {
    pub secrets_manager: Arc<SecretsManager>,
    pub ssm: Arc<Ssm>,
}

/// A Secrets Manager reference: the secret's ARN and the optional suffix parts.
#[derive(Debug, PartialEq, Eq)]
struct SecretReference<'a> {
    arn: String,
    json_key: Option<&'a str>,
    stage: Option<&'a str>,
    version_id: Option<&'a str>,
}

/// Splits `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:json-key[:stage[:version-id]]]`.
fn secret_reference(value_from: &str) -> Option<SecretReference<'_>> {
    let parts: Vec<&str> = value_from.split(':').collect();
    if parts.len() < 7 || parts[2] != "secretsmanager" || parts[5] != "secret" {
        return None;
    }
    let part = |index: usize| parts.get(index).copied().filter(|p| !p.is_empty());
    Some(SecretReference {
        arn: parts[..7].join(":"),
        json_key: part(7),
        stage: part(8),
        version_id: part(9),
    })
}

/// The value of `key` in a JSON object (a string as itself, anything else as JSON text).
fn json_value(text: &str, key: &str) -> Option<String> {
    let document: serde_json::Value = serde_json::from_str(text).ok()?;
    match document.get(key)? {
        serde_json::Value::String(value) => Some(value.clone()),
        other => Some(other.to_string()),
    }
}

impl Ecs {
    /// Connects where task containers' images are found (ECR, pulling through the upstream).
    pub fn connect_image_finder(&self, finder: super::ImageFinder) {
        let _ = self.image_finder.set(finder);
    }

    /// Where `image` is (in ECR, else pulled through the upstream registry when the runner runs
    /// workloads in their images), or why it cannot be had.
    pub(super) async fn find_image(
        &self,
        image: &str,
    ) -> Result<simkit::runner::LocatedImage, String> {
        match self.image_finder.get() {
            Some(find) => find(image.to_string()).await,
            None => Err(format!(
                "pull image manifest has been retried 5 time(s): failed to resolve ref {image}: no registry is connected"
            )),
        }
    }

    /// Connects the services container secrets are read from.
    pub fn connect_secret_sources(&self, sources: SecretSources) {
        let _ = self.secret_sources.set(sources);
    }

    /// The environment variables a container's secrets give, or ECS's reason for failing the
    /// task.
    pub(super) fn resolve_secrets(
        &self,
        account_id: &str,
        region: &str,
        secrets: &[Secret],
    ) -> Result<Vec<(String, String)>, String> {
        let prefix = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:";
        let Some(sources) = self.secret_sources.get() else {
            return Err(format!(
                "{prefix} unable to retrieve secrets: no secret service is connected"
            ));
        };
        let mut variables = Vec::new();
        for secret in secrets {
            let value = if let Some(reference) = secret_reference(&secret.value_from) {
                let value = sources
                    .secrets_manager
                    .value_for(
                        account_id,
                        region,
                        &reference.arn,
                        reference.stage,
                        reference.version_id,
                    )
                    .map_err(|error| {
                        let code: crate::error::AwsError = error.into();
                        format!(
                            "{prefix} unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret {} from secrets manager: {}: {}",
                            reference.arn, code.code, code.message
                        )
                    })?;
                match reference.json_key {
                    Some(key) => json_value(&value, key).ok_or_else(|| {
                        format!(
                            "{prefix} unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key {key}"
                        )
                    })?,
                    None => value,
                }
            } else {
                sources
                    .ssm
                    .value_for(account_id, region, &secret.value_from)
                    .map_err(|_| {
                        format!(
                            "{prefix} unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: {}",
                            secret.value_from
                        )
                    })?
            };
            variables.push((secret.name.clone(), value));
        }
        Ok(variables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_arns_split_their_suffix() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        assert_eq!(
            secret_reference(arn).unwrap(),
            SecretReference {
                arn: arn.into(),
                json_key: None,
                stage: None,
                version_id: None
            }
        );
        let value_from = format!("{arn}:password:AWSPREVIOUS:");
        let suffixed = secret_reference(&value_from).unwrap();
        assert_eq!(suffixed.arn, arn);
        assert_eq!(suffixed.json_key, Some("password"));
        assert_eq!(suffixed.stage, Some("AWSPREVIOUS"));
        assert_eq!(suffixed.version_id, None);
        assert!(secret_reference("/my/parameter").is_none());
        assert!(secret_reference("arn:aws:ssm:us-east-1:123456789012:parameter/p").is_none());
    }

    #[test]
    fn json_keys_pick_values() {
        assert_eq!(json_value(r#"{"a":"x","b":2}"#, "a").as_deref(), Some("x"));
        assert_eq!(json_value(r#"{"a":"x","b":2}"#, "b").as_deref(), Some("2"));
        assert_eq!(json_value("plain", "a"), None);
    }
}
