//! The IAM policies of Cloud Run services and jobs (`getIamPolicy`, `setIamPolicy`,
//! `testIamPermissions`, the same methods under v1 and v2), kept by
//! [`crate::services::iam_policy`]. `gcloud run deploy` asks `testIamPermissions` for
//! `run.services.setIamPolicy` before the service exists, and `--allow-unauthenticated` or
//! `gcloud run services add-iam-policy-binding` read and write the policy through v1.
//!
//! What holds as in Cloud Run: reading or writing the policy of a service or job that does not
//! exist is NOT_FOUND; `testIamPermissions` answers for a resource that does not exist yet (the
//! caller's grants come from the project), so `gcloud run deploy` can ask before creating it.
//!
//! Must not: see HTTP.

use sim_gcp_shapes::run_v2::{
    GoogleIamV1Policy, GoogleIamV1SetIamPolicyRequest, GoogleIamV1TestIamPermissionsRequest,
    GoogleIamV1TestIamPermissionsResponse,
};

use super::Run;
use super::service::ServiceName;
use crate::error::GcpError;
use crate::services::iam_policy::{RUN_JOB, RUN_SERVICE, ResourceKind};

/// The resources of Cloud Run that carry policies here.
#[derive(Debug, Clone, Copy)]
enum PolicyTarget {
    Service,
    Job,
}

impl PolicyTarget {
    /// The kind of resource a name names, after checking its shape.
    fn of(resource: &str) -> Result<Self, GcpError> {
        let parts: Vec<&str> = resource.split('/').collect();
        match parts.as_slice() {
            ["projects", project, "locations", location, kind, id]
                if !project.is_empty() && !location.is_empty() && !id.is_empty() =>
            {
                match *kind {
                    "services" => Ok(Self::Service),
                    "jobs" => Ok(Self::Job),
                    // Worker pools and instances are not simulated.
                    other => Err(GcpError::invalid(format!(
                        "IAM policies of {other} are not supported by the simulator"
                    ))),
                }
            }
            _ => Err(GcpError::invalid(format!(
                "Invalid resource name: {resource}"
            ))),
        }
    }

    fn kind(self) -> ResourceKind {
        match self {
            Self::Service => RUN_SERVICE,
            Self::Job => RUN_JOB,
        }
    }
}

impl Run {
    /// NOT_FOUND, as reading the resource would answer, when it does not exist.
    fn check_exists(&self, resource: &str, target: PolicyTarget) -> Result<(), GcpError> {
        match target {
            PolicyTarget::Service => {
                ServiceName::parse(resource)?;
                self.get_service(resource).map(|_| ())
            }
            PolicyTarget::Job => self.get_job(resource).map(|_| ()),
        }
    }

    pub fn get_iam_policy(
        &self,
        resource: &str,
        requested_version: Option<i64>,
    ) -> Result<GoogleIamV1Policy, GcpError> {
        let target = PolicyTarget::of(resource)?;
        self.check_exists(resource, target)?;
        self.policies.get(resource, requested_version)
    }

    pub fn set_iam_policy(
        &self,
        resource: &str,
        request: GoogleIamV1SetIamPolicyRequest,
    ) -> Result<GoogleIamV1Policy, GcpError> {
        let target = PolicyTarget::of(resource)?;
        self.check_exists(resource, target)?;
        self.policies.set(resource, target.kind(), request)
    }

    pub fn test_iam_permissions(
        &self,
        resource: &str,
        request: GoogleIamV1TestIamPermissionsRequest,
    ) -> Result<GoogleIamV1TestIamPermissionsResponse, GcpError> {
        let target = PolicyTarget::of(resource)?;
        self.policies.test(target.kind(), request)
    }
}
