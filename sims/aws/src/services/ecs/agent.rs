//! What the ECS container agent calls: DiscoverPollEndpoint, the state changes it submits for
//! the tasks, containers and attachments it runs, and UpdateContainerAgent.
//!
//! A state change is folded into the task as reported, so a client acting as an agent (or the
//! real agent pointed here) sees DescribeTasks follow what it submitted. The agent's own
//! endpoints (ACS, telemetry, Service Connect) are websockets the simulator does not serve;
//! DiscoverPollEndpoint answers the addresses ECS gives for the region.

use sim_aws_shapes::ecs::{
    AttachmentStateChange, ContainerStateChange, DiscoverPollEndpointRequest,
    DiscoverPollEndpointResponse, ManagedAgent, SubmitAttachmentStateChangesRequest,
    SubmitAttachmentStateChangesResponse, SubmitContainerStateChangeRequest,
    SubmitContainerStateChangeResponse, SubmitTaskStateChangeRequest,
    SubmitTaskStateChangeResponse, UpdateContainerAgentRequest, UpdateContainerAgentResponse,
};

use super::tasks::{TaskRecord, task_key};
use super::{Ecs, EcsError, name_of};
use crate::services::Ctx;

/// What ECS acknowledges a state change with.
const ACKNOWLEDGED: &str = "ACK";

/// The newest container agent release the simulator knows of, for UpdateContainerAgent.
const LATEST_AGENT_VERSION: &str = "1.101.2";

/// The task statuses an agent reports, in the order a task goes through them.
const TASK_STATUSES: [&str; 7] = [
    "PROVISIONING",
    "PENDING",
    "ACTIVATING",
    "RUNNING",
    "DEACTIVATING",
    "STOPPING",
    "STOPPED",
];

/// `1.2.10` → `[1, 2, 10]`, for comparing agent versions.
fn version_parts(version: &str) -> Vec<u64> {
    version
        .trim_start_matches('v')
        .split('.')
        .map(|part| {
            part.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .collect()
}

fn apply_container_change(record: &mut TaskRecord, change: &ContainerStateChange) {
    let Some(container) = record
        .task
        .containers
        .iter_mut()
        .flatten()
        .find(|c| c.name == change.container_name)
    else {
        return;
    };
    if let Some(status) = &change.status {
        container.last_status = Some(status.clone());
    }
    if change.exit_code.is_some() {
        container.exit_code = change.exit_code;
    }
    if change.reason.is_some() {
        container.reason = change.reason.clone();
    }
    if change.runtime_id.is_some() {
        container.runtime_id = change.runtime_id.clone();
    }
    if change.image_digest.is_some() {
        container.image_digest = change.image_digest.clone();
    }
    if change.network_bindings.is_some() {
        container.network_bindings = change.network_bindings.clone();
    }
}

fn apply_attachment_change(record: &mut TaskRecord, change: &AttachmentStateChange) -> bool {
    let id = name_of(&change.attachment_arn);
    match record
        .task
        .attachments
        .iter_mut()
        .flatten()
        .find(|a| a.id.as_deref() == Some(id))
    {
        Some(attachment) => {
            attachment.status = Some(change.status.clone());
            true
        }
        None => false,
    }
}

impl Ecs {
    /// The task an agent reports on: `task` is an ARN or an ID in `cluster`.
    fn reported_task(
        &self,
        ctx: &Ctx,
        cluster: Option<&str>,
        task: Option<&str>,
    ) -> Result<String, EcsError> {
        let cluster = self.cluster(ctx, cluster)?;
        let task =
            task.ok_or_else(|| EcsError::InvalidParameter("Task must be specified.".into()))?;
        let key = task_key(&ctx.scope(), cluster.name(), name_of(task));
        if !self.tasks.contains(&key) {
            return Err(EcsError::InvalidParameter(
                "The referenced task was not found.".into(),
            ));
        }
        Ok(key)
    }

    pub(super) async fn discover_poll_endpoint(
        &self,
        ctx: &Ctx,
        input: DiscoverPollEndpointRequest,
    ) -> Result<DiscoverPollEndpointResponse, EcsError> {
        if let Some(cluster) = input.cluster.as_deref() {
            let cluster = self.cluster(ctx, Some(cluster))?;
            if let Some(instance) = input.container_instance.as_deref()
                && self.instance(ctx, &cluster, instance).is_none()
            {
                return Err(EcsError::InvalidParameter(
                    "The referenced container instance was not found.".into(),
                ));
            }
        }
        let region = &ctx.region;
        Ok(DiscoverPollEndpointResponse {
            endpoint: Some(format!("https://ecs-a-1.{region}.amazonaws.com/")),
            telemetry_endpoint: Some(format!("https://ecs-t-1.{region}.amazonaws.com/")),
            service_connect_endpoint: Some(format!("https://ecs-sc.{region}.api.aws")),
        })
    }

    pub(super) async fn submit_task_state_change(
        &self,
        ctx: &Ctx,
        input: SubmitTaskStateChangeRequest,
    ) -> Result<SubmitTaskStateChangeResponse, EcsError> {
        let key = self.reported_task(ctx, input.cluster.as_deref(), input.task.as_deref())?;
        if let Some(status) = input.status.as_deref()
            && !TASK_STATUSES.contains(&status)
        {
            return Err(EcsError::InvalidParameter(format!(
                "Invalid task status {status}."
            )));
        }
        let now = self.timestamp();
        self.tasks.update(&key, |record| {
            let task = &mut record.task;
            if let Some(status) = &input.status {
                task.last_status = Some(status.clone());
                match status.as_str() {
                    "RUNNING" => {
                        task.started_at.get_or_insert(now);
                    }
                    "STOPPED" => {
                        task.desired_status = Some("STOPPED".into());
                        task.stopped_at.get_or_insert(now);
                        if input.reason.is_some() {
                            task.stopped_reason = input.reason.clone();
                        }
                    }
                    _ => {}
                }
            }
            if input.pull_started_at.is_some() {
                task.pull_started_at = input.pull_started_at;
            }
            if input.pull_stopped_at.is_some() {
                task.pull_stopped_at = input.pull_stopped_at;
            }
            if input.execution_stopped_at.is_some() {
                task.execution_stopped_at = input.execution_stopped_at;
            }
            for change in input.containers.iter().flatten() {
                apply_container_change(record, change);
            }
            for change in input.attachments.iter().flatten() {
                apply_attachment_change(record, change);
            }
            for change in input.managed_agents.iter().flatten() {
                let Some(container) = record
                    .task
                    .containers
                    .iter_mut()
                    .flatten()
                    .find(|c| c.name.as_deref() == Some(change.container_name.as_str()))
                else {
                    continue;
                };
                let agents = container.managed_agents.get_or_insert_with(Vec::new);
                let agent = match agents
                    .iter_mut()
                    .position(|a| a.name.as_deref() == Some(change.managed_agent_name.as_str()))
                {
                    Some(index) => &mut agents[index],
                    None => {
                        agents.push(ManagedAgent {
                            name: Some(change.managed_agent_name.clone()),
                            ..ManagedAgent::default()
                        });
                        let last = agents.len() - 1;
                        &mut agents[last]
                    }
                };
                agent.last_status = Some(change.status.clone());
                agent.reason = change.reason.clone();
                if change.status == "RUNNING" {
                    agent.last_started_at = Some(now);
                }
            }
            record.task.version = Some(record.task.version.unwrap_or(0) + 1);
        })?;
        Ok(SubmitTaskStateChangeResponse {
            acknowledgment: Some(ACKNOWLEDGED.into()),
        })
    }

    pub(super) async fn submit_container_state_change(
        &self,
        ctx: &Ctx,
        input: SubmitContainerStateChangeRequest,
    ) -> Result<SubmitContainerStateChangeResponse, EcsError> {
        let key = self.reported_task(ctx, input.cluster.as_deref(), input.task.as_deref())?;
        let change = ContainerStateChange {
            container_name: input.container_name.clone(),
            image_digest: None,
            runtime_id: input.runtime_id,
            exit_code: input.exit_code,
            network_bindings: input.network_bindings,
            reason: input.reason,
            status: input.status,
        };
        let found = self.tasks.update(&key, |record| {
            let known = record
                .task
                .containers
                .iter()
                .flatten()
                .any(|c| c.name == change.container_name);
            if known {
                apply_container_change(record, &change);
                record.task.version = Some(record.task.version.unwrap_or(0) + 1);
            }
            known
        })?;
        if found != Some(true) {
            return Err(EcsError::InvalidParameter(format!(
                "Container {} is not a container of the task.",
                change.container_name.unwrap_or_default()
            )));
        }
        Ok(SubmitContainerStateChangeResponse {
            acknowledgment: Some(ACKNOWLEDGED.into()),
        })
    }

    pub(super) async fn submit_attachment_state_changes(
        &self,
        ctx: &Ctx,
        input: SubmitAttachmentStateChangesRequest,
    ) -> Result<SubmitAttachmentStateChangesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        for change in &input.attachments {
            let mut found = false;
            for (key, record) in
                self.tasks
                    .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
            {
                let id = name_of(&change.attachment_arn);
                let has_it = record
                    .task
                    .attachments
                    .iter()
                    .flatten()
                    .any(|a| a.id.as_deref() == Some(id));
                if has_it {
                    self.tasks.update(&key, |record| {
                        apply_attachment_change(record, change);
                        record.task.version = Some(record.task.version.unwrap_or(0) + 1);
                    })?;
                    found = true;
                    break;
                }
            }
            if !found {
                return Err(EcsError::InvalidParameter(format!(
                    "The attachment {} was not found.",
                    change.attachment_arn
                )));
            }
        }
        Ok(SubmitAttachmentStateChangesResponse {
            acknowledgment: Some(ACKNOWLEDGED.into()),
        })
    }

    pub(super) async fn update_container_agent(
        &self,
        ctx: &Ctx,
        input: UpdateContainerAgentRequest,
    ) -> Result<UpdateContainerAgentResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let record = self
            .instance(ctx, &cluster, &input.container_instance)
            .filter(|r| r.is_registered())
            .ok_or_else(|| {
                EcsError::InvalidParameter(
                    "The referenced container instance was not found.".into(),
                )
            })?;
        if matches!(
            record.instance.agent_update_status.as_deref(),
            Some("PENDING" | "STAGING" | "STAGED" | "UPDATING")
        ) {
            return Err(EcsError::UpdateInProgress(
                "There is already a current agent update in progress.".into(),
            ));
        }
        let version = record
            .instance
            .version_info
            .as_ref()
            .and_then(|info| info.agent_version.clone())
            .ok_or_else(|| {
                EcsError::MissingVersion(
                    "Container instance does not have an agent version. The agent must report its version to be updated.".into(),
                )
            })?;
        if version_parts(&version) >= version_parts(LATEST_AGENT_VERSION) {
            return Err(EcsError::NoUpdateAvailable(
                "There is no update available for your container agent.".into(),
            ));
        }
        let key = format!(
            "{}{}/{}",
            ctx.scope(),
            cluster.name(),
            name_of(record.arn())
        );
        // The update is the agent's to carry out; without an agent connected to the simulator
        // it stays PENDING, as it would on an instance whose agent never picks it up.
        let updated = self
            .instances
            .update(&key, |r| {
                r.instance.agent_update_status = Some("PENDING".into());
                r.instance.version = Some(r.instance.version.unwrap_or(0) + 1);
                r.instance.clone()
            })?
            .ok_or_else(|| {
                EcsError::InvalidParameter(
                    "The referenced container instance was not found.".into(),
                )
            })?;
        Ok(UpdateContainerAgentResponse {
            container_instance: Some(updated),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_versions_compare_numerically() {
        assert!(version_parts("1.9.0") < version_parts("1.10.0"));
        assert!(version_parts("v1.101.2") == version_parts("1.101.2"));
        assert!(version_parts("1.29.0") < version_parts(LATEST_AGENT_VERSION));
    }
}
