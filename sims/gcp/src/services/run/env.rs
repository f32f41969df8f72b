//! The environment a Cloud Run container really gets: its plain variables, and those whose
//! value comes from Secret Manager (`valueSource.secretKeyRef`, v1's `valueFrom.secretKeyRef`),
//! read when the instance or task attempt starts, as Cloud Run reads them.
//!
//! What holds as in Cloud Run: `secret` is a secret's ID in the workload's project or its full
//! name; `version` is a number, an alias or `latest` (the default); a secret or version that
//! cannot be read fails the start with the field and the reason, so a revision does not become
//! ready and a task attempt fails.
//!
//! Every container also gets `GCE_METADATA_HOST` and `GCE_METADATA_IP`, naming its path on
//! the simulator's metadata server ([`crate::services::metadata`]), where Google's client
//! libraries find its project, service account and access tokens.
//!
//! Limitations: secrets mounted as volumes are refused when the resource is written; the
//! service account's access to the secret is not checked (the simulator does not enforce IAM).
//!
//! Must not: see HTTP.

use std::collections::BTreeMap;

use sim_gcp_shapes::run_v2::{GoogleCloudRunV2EnvVar, GoogleCloudRunV2EnvVarSource};

use super::Run;
use crate::error::GcpError;
use crate::services::metadata::WorkloadIdentity;

/// Checks the variables of a container written through v2: each has a name and either a value
/// or a secret to take it from.
pub(crate) fn check_env(
    env: Option<&Vec<GoogleCloudRunV2EnvVar>>,
    path: &str,
) -> Result<(), GcpError> {
    for (index, variable) in env.into_iter().flatten().enumerate() {
        if variable.name.as_deref().is_none_or(str::is_empty) {
            return Err(GcpError::invalid(format!(
                "{path}.env[{index}].name: must be specified"
            )));
        }
        if let Some(GoogleCloudRunV2EnvVarSource { secret_key_ref }) = &variable.value_source {
            if variable.value.as_deref().is_some_and(|v| !v.is_empty()) {
                return Err(GcpError::invalid(format!(
                    "{path}.env[{index}]: only one of value and value_source may be set"
                )));
            }
            let secret = secret_key_ref.as_ref().and_then(|r| r.secret.as_deref());
            if secret.is_none_or(str::is_empty) {
                return Err(GcpError::invalid(format!(
                    "{path}.env[{index}].value_source.secret_key_ref.secret: must be specified"
                )));
            }
        }
    }
    Ok(())
}

impl Run {
    /// The container's variables with secrets read, or why one cannot be read, over the
    /// variables that point it at its metadata path (registered here for `identity`). The
    /// caller sets Cloud Run's own (`PORT`, `K_*`, `CLOUD_RUN_*`) after these, as Cloud Run
    /// does not let a container override them.
    pub(crate) fn container_env(
        &self,
        identity: WorkloadIdentity,
        env: Option<&Vec<GoogleCloudRunV2EnvVar>>,
    ) -> Result<BTreeMap<String, String>, String> {
        let project = identity.project.clone();
        let key = self.metadata.register(identity);
        let mut out: BTreeMap<String, String> = self
            .metadata
            .environment(&self.endpoint(), &key)
            .into_iter()
            .collect();
        for (index, variable) in env.into_iter().flatten().enumerate() {
            let Some(name) = variable.name.clone() else {
                continue;
            };
            let reference = variable
                .value_source
                .as_ref()
                .and_then(|source| source.secret_key_ref.as_ref());
            let value = match reference {
                None => variable.value.clone().unwrap_or_default(),
                Some(reference) => {
                    let secret = reference.secret.clone().unwrap_or_default();
                    let version = reference.version.clone();
                    let payload = self
                        .secrets
                        .payload_for_workload(&project, &secret, version.as_deref())
                        .map_err(|error| {
                            format!(
                                "spec.template.spec.containers[0].env[{index}].value_from.secret_key_ref.name: {}",
                                error.message
                            )
                        })?;
                    String::from_utf8(payload).map_err(|_| {
                        format!(
                            "spec.template.spec.containers[0].env[{index}].value_from.secret_key_ref.name: the secret's payload is not UTF-8 text"
                        )
                    })?
                }
            };
            out.insert(name, value);
        }
        Ok(out)
    }
}
