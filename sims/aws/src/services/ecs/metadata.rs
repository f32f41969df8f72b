//! What the task metadata and container credentials endpoints need from ECS: the live task
//! behind a metadata token, and the role credentials behind a credentials ID. The endpoints
//! themselves (their paths and JSON) live in `crate::endpoints`.

use super::tasks::TaskRecord;
use super::{Ecs, lock};
use crate::services::sts::IssuedCredentials;

/// A container as its metadata endpoint sees it.
#[derive(Debug, Clone)]
pub struct ContainerView {
    pub record: TaskRecord,
    pub container_name: String,
}

impl Ecs {
    /// The task and container a metadata token was issued for, as they are now.
    pub fn metadata(&self, token: &str) -> Option<ContainerView> {
        let (key, container_name) = lock(&self.metadata_tokens).get(token).cloned()?;
        let record = self.tasks.get(&key)?;
        Some(ContainerView {
            record,
            container_name,
        })
    }

    /// The role credentials behind a task's `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    pub fn task_credentials(&self, id: &str) -> Option<(IssuedCredentials, String, String)> {
        let (access_key_id, role_arn) = lock(&self.credential_ids).get(id).cloned()?;
        let issued = self.sts.credentials(&access_key_id)?;
        Some((issued, access_key_id, role_arn))
    }
}
