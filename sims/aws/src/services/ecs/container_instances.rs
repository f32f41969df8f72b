//! Container instances: registration (by the agent, or by a client acting as one), describe
//! and list (with the cluster query language's attribute filters), draining, deregistration,
//! and the custom attributes PutAttributes, DeleteAttributes and ListAttributes manage.
//!
//! Placement is the tasks module's business; here only which instances are ACTIVE and can take
//! new tasks, and what draining does to a service's tasks on an instance (they are replaced).

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    Attribute, ContainerInstance, DeleteAttributesRequest, DeleteAttributesResponse,
    DeregisterContainerInstanceRequest, DeregisterContainerInstanceResponse,
    DescribeContainerInstancesRequest, DescribeContainerInstancesResponse, ListAttributesRequest,
    ListAttributesResponse, ListContainerInstancesRequest, ListContainerInstancesResponse,
    PutAttributesRequest, PutAttributesResponse, RegisterContainerInstanceRequest,
    RegisterContainerInstanceResponse, Resource, UpdateContainerInstancesStateRequest,
    UpdateContainerInstancesStateResponse,
};

use super::clusters::ClusterRecord;
use super::lifecycle::StopRequest;
use super::{Ecs, EcsError, name_of, page};
use crate::services::Ctx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub cluster_name: String,
    pub instance: ContainerInstance,
}

impl InstanceRecord {
    pub fn arn(&self) -> &str {
        self.instance
            .container_instance_arn
            .as_deref()
            .unwrap_or_default()
    }

    pub fn status(&self) -> &str {
        self.instance.status.as_deref().unwrap_or_default()
    }

    /// Registered instances are ACTIVE or DRAINING; deregistered ones are INACTIVE.
    pub fn is_registered(&self) -> bool {
        matches!(self.status(), "ACTIVE" | "DRAINING")
    }
}

/// The most custom attributes one resource can carry.
const MAX_CUSTOM_ATTRIBUTES: usize = 10;

/// Attributes the agent reports about an instance's capabilities, as opposed to a user's own.
fn is_builtin_attribute(name: &str) -> bool {
    name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs.")
}

fn instance_key(ctx: &Ctx, cluster: &str, id: &str) -> String {
    format!("{}{cluster}/{id}", ctx.scope())
}

/// What a container instance registers when the agent reports nothing: a small host.
fn default_resources() -> Vec<Resource> {
    let integer = |name: &str, value: i32| Resource {
        name: Some(name.into()),
        r#type: Some("INTEGER".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(value),
        string_set_value: None,
    };
    let ports = |name: &str, ports: &[&str]| Resource {
        name: Some(name.into()),
        r#type: Some("STRINGSET".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(0),
        string_set_value: Some(ports.iter().map(|p| p.to_string()).collect()),
    };
    vec![
        integer("CPU", 2048),
        integer("MEMORY", 3943),
        ports("PORTS", &["22", "2376", "2375", "51678", "51679"]),
        ports("PORTS_UDP", &[]),
    ]
}

/// Whether an attribute name or value has only the characters ECS allows in it.
fn attribute_text_is_valid(text: &str, extra: &[char]) -> bool {
    (1..=128).contains(&text.chars().count())
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || ['-', '_', '/', '\\', '.'].contains(&c)
                || extra.contains(&c)
        })
}

/// One comparison of the cluster query language over attributes.
fn attribute_matches(attributes: &[Attribute], expression: &str) -> Result<bool, EcsError> {
    let invalid = || {
        EcsError::InvalidParameter(format!(
            "The filter expression '{expression}' is not valid: Sockerless evaluates attribute comparisons (==, !=, exists, in) joined by and/or."
        ))
    };
    let expression = expression.trim();
    let rest = expression.strip_prefix("attribute:").ok_or_else(invalid)?;
    let value_of = |name: &str| {
        attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.clone().unwrap_or_default())
    };
    if let Some(name) = rest.strip_suffix(" exists") {
        return Ok(value_of(name.trim()).is_some());
    }
    if let Some((name, value)) = rest.split_once("!=") {
        return Ok(value_of(name.trim()).is_some_and(|v| v != value.trim()));
    }
    if let Some((name, value)) = rest.split_once("==") {
        return Ok(value_of(name.trim()).is_some_and(|v| v == value.trim()));
    }
    if let Some((name, list)) = rest.split_once(" in ") {
        let list = list
            .trim()
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .ok_or_else(invalid)?;
        let wanted: Vec<&str> = list.split(',').map(str::trim).collect();
        return Ok(value_of(name.trim()).is_some_and(|v| wanted.contains(&v.as_str())));
    }
    Err(invalid())
}

/// A filter: comparisons joined by `and` / `or`, read left to right.
fn filter_matches(attributes: &[Attribute], filter: &str) -> Result<bool, EcsError> {
    let mut result: Option<bool> = None;
    let mut joiner = "and";
    let mut rest = filter;
    loop {
        let and = rest.find(" and ");
        let or = rest.find(" or ");
        let (term, next_joiner, remainder) = match (and, or) {
            (Some(a), Some(o)) if a < o => (&rest[..a], "and", &rest[a + 5..]),
            (Some(a), None) => (&rest[..a], "and", &rest[a + 5..]),
            (_, Some(o)) => (&rest[..o], "or", &rest[o + 4..]),
            (None, None) => (rest, "", ""),
        };
        let value = attribute_matches(attributes, term)?;
        result = Some(match (result, joiner) {
            (None, _) => value,
            (Some(previous), "and") => previous && value,
            (Some(previous), _) => previous || value,
        });
        if next_joiner.is_empty() {
            return Ok(result.unwrap_or(true));
        }
        joiner = next_joiner;
        rest = remainder;
    }
}

impl Ecs {
    /// The instance a request names in `cluster`.
    pub(super) fn instance(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        name_or_arn: &str,
    ) -> Option<InstanceRecord> {
        self.instances
            .get(&instance_key(ctx, cluster.name(), name_of(name_or_arn)))
    }

    /// An instance as it is shown: with its live task counts.
    fn instance_view(
        &self,
        ctx: &Ctx,
        record: &InstanceRecord,
        with_tags: bool,
    ) -> ContainerInstance {
        let mut instance = record.instance.clone();
        let tasks = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name));
        let on_it = |statuses: &[&str]| {
            tasks
                .iter()
                .filter(|(_, t)| t.task.container_instance_arn.as_deref() == Some(record.arn()))
                .filter(|(_, t)| statuses.contains(&t.last_status()))
                .count() as i32
        };
        instance.running_tasks_count = Some(on_it(&["RUNNING"]));
        instance.pending_tasks_count = Some(on_it(&["PROVISIONING", "PENDING"]));
        if !with_tags {
            instance.tags = Some(Vec::new());
        }
        instance
    }

    pub(super) async fn register_container_instance(
        &self,
        ctx: &Ctx,
        input: RegisterContainerInstanceRequest,
    ) -> Result<RegisterContainerInstanceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        // An agent that restarts registers again with the ARN it was given.
        if let Some(existing) = input
            .container_instance_arn
            .as_deref()
            .and_then(|arn| self.instance(ctx, &cluster, arn))
        {
            let key = instance_key(ctx, cluster.name(), name_of(existing.arn()));
            let instance = self
                .instances
                .update(&key, |record| {
                    let instance = &mut record.instance;
                    if let Some(resources) = input.total_resources.clone() {
                        instance.registered_resources = Some(resources.clone());
                        instance.remaining_resources = Some(resources);
                    }
                    if input.version_info.is_some() {
                        instance.version_info = input.version_info.clone();
                    }
                    instance.agent_connected = Some(true);
                    instance.version = Some(instance.version.unwrap_or(0) + 1);
                    record.clone()
                })?
                .ok_or_else(|| {
                    EcsError::InvalidParameter("Container instance not found.".into())
                })?;
            return Ok(RegisterContainerInstanceResponse {
                container_instance: Some(self.instance_view(ctx, &instance, true)),
            });
        }
        let id = self.kit.ids().hex(32);
        let ec2_instance_id = input
            .instance_identity_document
            .as_deref()
            .and_then(|doc| serde_json::from_str::<serde_json::Value>(doc).ok())
            .and_then(|doc| doc.get("instanceId")?.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("i-{}", self.kit.ids().hex(17)));
        let resources = input.total_resources.unwrap_or_else(default_resources);
        let instance = ContainerInstance {
            container_instance_arn: Some(ctx.arn(
                "ecs",
                &format!("container-instance/{}/{id}", cluster.name()),
            )),
            ec2_instance_id: Some(ec2_instance_id),
            version: Some(1),
            version_info: input.version_info,
            remaining_resources: Some(resources.clone()),
            registered_resources: Some(resources),
            status: Some("ACTIVE".into()),
            agent_connected: Some(true),
            attributes: Some(input.attributes.unwrap_or_default()),
            registered_at: Some(self.timestamp()),
            attachments: Some(Vec::new()),
            tags: Some(super::tags_or_empty(input.tags)),
            ..ContainerInstance::default()
        };
        let record = InstanceRecord {
            cluster_name: cluster.name().to_string(),
            instance,
        };
        self.instances
            .insert(&instance_key(ctx, cluster.name(), &id), record.clone())?;
        // A daemon service places a task on every new instance.
        self.reconcile_daemon_services(ctx, cluster.name()).await;
        Ok(RegisterContainerInstanceResponse {
            container_instance: Some(self.instance_view(ctx, &record, true)),
        })
    }

    pub(super) async fn deregister_container_instance(
        &self,
        ctx: &Ctx,
        input: DeregisterContainerInstanceRequest,
    ) -> Result<DeregisterContainerInstanceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let not_found = || {
            EcsError::InvalidParameter("The referenced container instance was not found.".into())
        };
        let record = self
            .instance(ctx, &cluster, &input.container_instance)
            .ok_or_else(not_found)?;
        let busy = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
            .iter()
            .any(|(_, t)| {
                t.task.container_instance_arn.as_deref() == Some(record.arn())
                    && t.last_status() != "STOPPED"
            });
        if busy && !input.force.unwrap_or(false) {
            return Err(EcsError::InvalidParameter(
                "Found running tasks on the instance.".into(),
            ));
        }
        let key = instance_key(ctx, cluster.name(), name_of(record.arn()));
        let instance = self
            .instances
            .update(&key, |r| {
                r.instance.status = Some("INACTIVE".into());
                r.instance.agent_connected = Some(false);
                r.instance.version = Some(r.instance.version.unwrap_or(0) + 1);
                r.clone()
            })?
            .ok_or_else(not_found)?;
        // A forced deregistration orphans the instance's tasks; services replace theirs.
        self.drain_service_tasks(ctx, &cluster, record.arn());
        self.reconcile_daemon_services(ctx, cluster.name()).await;
        Ok(DeregisterContainerInstanceResponse {
            container_instance: Some(self.instance_view(ctx, &instance, true)),
        })
    }

    pub(super) async fn list_container_instances(
        &self,
        ctx: &Ctx,
        input: ListContainerInstancesRequest,
    ) -> Result<ListContainerInstancesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let mut items = Vec::new();
        for (key, record) in
            self.instances
                .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
        {
            let wanted = match input.status.as_deref() {
                Some(status) => record.status() == status,
                None => record.status() != "INACTIVE",
            };
            let attributes = record.instance.attributes.clone().unwrap_or_default();
            let filtered = match input.filter.as_deref() {
                Some(filter) if !filter.trim().is_empty() => filter_matches(&attributes, filter)?,
                _ => true,
            };
            if wanted && filtered {
                items.push((key, record.arn().to_string()));
            }
        }
        let (container_instance_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListContainerInstancesResponse {
            container_instance_arns: Some(container_instance_arns),
            next_token,
        })
    }

    pub(super) async fn describe_container_instances(
        &self,
        ctx: &Ctx,
        input: DescribeContainerInstancesRequest,
    ) -> Result<DescribeContainerInstancesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if input.container_instances.is_empty() {
            return Err(EcsError::Client(
                "Container Instances cannot be empty.".into(),
            ));
        }
        let with_tags = input
            .include
            .unwrap_or_default()
            .iter()
            .any(|i| i == "TAGS");
        let (container_instances, failures) =
            super::describe_each(input.container_instances, |requested| {
                self.instance(ctx, &cluster, requested)
                    .map(|record| self.instance_view(ctx, &record, with_tags))
            });
        Ok(DescribeContainerInstancesResponse {
            container_instances: Some(container_instances),
            failures: Some(failures),
        })
    }

    pub(super) async fn update_container_instances_state(
        &self,
        ctx: &Ctx,
        input: UpdateContainerInstancesStateRequest,
    ) -> Result<UpdateContainerInstancesStateResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if !matches!(input.status.as_str(), "ACTIVE" | "DRAINING") {
            return Err(EcsError::InvalidParameter(
                "Container instance status should be one of [ACTIVE, DRAINING]".into(),
            ));
        }
        let mut container_instances = Vec::new();
        let mut failures = Vec::new();
        for requested in input.container_instances {
            let Some(record) = self
                .instance(ctx, &cluster, &requested)
                .filter(InstanceRecord::is_registered)
            else {
                failures.push(super::missing(requested));
                continue;
            };
            let key = instance_key(ctx, cluster.name(), name_of(record.arn()));
            let status = input.status.clone();
            let updated = self.instances.update(&key, |r| {
                if r.instance.status.as_deref() != Some(status.as_str()) {
                    r.instance.status = Some(status);
                    r.instance.version = Some(r.instance.version.unwrap_or(0) + 1);
                }
                r.clone()
            })?;
            if let Some(updated) = updated {
                if input.status == "DRAINING" {
                    self.drain_service_tasks(ctx, &cluster, updated.arn());
                }
                container_instances.push(self.instance_view(ctx, &updated, false));
            }
        }
        self.reconcile_daemon_services(ctx, cluster.name()).await;
        Ok(UpdateContainerInstancesStateResponse {
            container_instances: Some(container_instances),
            failures: Some(failures),
        })
    }

    /// Stops the service tasks on a draining or deregistered instance; their services start
    /// replacements on other instances. Standalone tasks are left alone, as ECS leaves them.
    fn drain_service_tasks(&self, ctx: &Ctx, cluster: &ClusterRecord, instance_arn: &str) {
        for (key, task) in self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
        {
            if task.service.is_some()
                && task.task.container_instance_arn.as_deref() == Some(instance_arn)
                && task.task.desired_status.as_deref() == Some("RUNNING")
            {
                let request = StopRequest {
                    code: "ServiceSchedulerInitiated".into(),
                    reason: format!("Container instance {} is draining", name_of(instance_arn)),
                };
                if let Err(error) = self.request_stop(&key, request) {
                    tracing::warn!(%error, task = key, "could not stop a task on a draining instance");
                }
            }
        }
    }

    /// ACTIVE container instances of a cluster, for placing EC2 tasks.
    pub(super) fn active_instances(&self, ctx: &Ctx, cluster: &str) -> Vec<String> {
        self.instances
            .scan_prefix(&format!("{}{cluster}/", ctx.scope()))
            .into_iter()
            .filter(|(_, r)| r.status() == "ACTIVE")
            .map(|(_, r)| r.arn().to_string())
            .collect()
    }

    /// The instance an attribute targets, by ID or ARN.
    fn attribute_target(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        attribute: &Attribute,
    ) -> Result<InstanceRecord, EcsError> {
        if attribute
            .target_type
            .as_deref()
            .is_some_and(|t| t != "container-instance")
        {
            return Err(EcsError::InvalidParameter(
                "Attribute targetType must be container-instance.".into(),
            ));
        }
        let target = attribute.target_id.as_deref().ok_or_else(|| {
            EcsError::InvalidParameter("Attribute targetId must be specified.".into())
        })?;
        self.instance(ctx, cluster, target)
            .filter(InstanceRecord::is_registered)
            .ok_or_else(|| {
                EcsError::TargetNotFound(format!(
                    "Could not find {target}. TargetId must be a valid ARN or ID of a container instance in the cluster."
                ))
            })
    }

    pub(super) async fn put_attributes(
        &self,
        ctx: &Ctx,
        input: PutAttributesRequest,
    ) -> Result<PutAttributesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let mut targets = Vec::new();
        for attribute in &input.attributes {
            if !attribute_text_is_valid(&attribute.name, &[]) {
                return Err(EcsError::InvalidParameter(format!(
                    "Attribute name {} is not valid. Up to 128 letters, numbers, hyphens, underscores, forward slashes, back slashes, or periods are allowed.",
                    attribute.name
                )));
            }
            if let Some(value) = &attribute.value
                && !attribute_text_is_valid(value, &['@', ':', ' '])
            {
                return Err(EcsError::InvalidParameter(format!(
                    "Attribute value {value} is not valid. Up to 128 letters, numbers, hyphens, underscores, periods, at signs, forward slashes, back slashes, colons, or spaces are allowed."
                )));
            }
            targets.push(self.attribute_target(ctx, &cluster, attribute)?);
        }
        let mut answered = Vec::new();
        self.kit.store().transaction(|txn| {
            for (attribute, target) in input.attributes.iter().zip(&targets) {
                let key = instance_key(ctx, cluster.name(), name_of(target.arn()));
                let outcome = txn.update(&self.instances, &key, |record| {
                    let attributes = record.instance.attributes.get_or_insert_with(Vec::new);
                    let stored = Attribute {
                        name: attribute.name.clone(),
                        value: attribute.value.clone(),
                        target_type: None,
                        target_id: None,
                    };
                    match attributes.iter_mut().find(|a| a.name == attribute.name) {
                        Some(existing) => *existing = stored,
                        None => attributes.push(stored),
                    }
                    attributes
                        .iter()
                        .filter(|a| !is_builtin_attribute(&a.name))
                        .count()
                })?;
                if outcome.is_some_and(|custom| custom > MAX_CUSTOM_ATTRIBUTES) {
                    return Err(EcsError::AttributeLimitExceeded(format!(
                        "You can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes per resource."
                    )));
                }
                answered.push(Attribute {
                    name: attribute.name.clone(),
                    value: attribute.value.clone(),
                    target_type: attribute.target_type.clone(),
                    target_id: Some(target.arn().to_string()),
                });
            }
            Ok::<_, EcsError>(())
        })?;
        Ok(PutAttributesResponse {
            attributes: Some(answered),
        })
    }

    pub(super) async fn delete_attributes(
        &self,
        ctx: &Ctx,
        input: DeleteAttributesRequest,
    ) -> Result<DeleteAttributesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let mut answered = Vec::new();
        for attribute in &input.attributes {
            let target = self.attribute_target(ctx, &cluster, attribute)?;
            let key = instance_key(ctx, cluster.name(), name_of(target.arn()));
            let removed = self
                .instances
                .update(&key, |record| {
                    let attributes = record.instance.attributes.get_or_insert_with(Vec::new);
                    let position = attributes.iter().position(|a| a.name == attribute.name);
                    position.map(|index| attributes.remove(index))
                })?
                .flatten();
            answered.push(Attribute {
                name: attribute.name.clone(),
                value: removed
                    .and_then(|a| a.value)
                    .or_else(|| attribute.value.clone()),
                target_type: attribute.target_type.clone(),
                target_id: Some(target.arn().to_string()),
            });
        }
        Ok(DeleteAttributesResponse {
            attributes: Some(answered),
        })
    }

    pub(super) async fn list_attributes(
        &self,
        ctx: &Ctx,
        input: ListAttributesRequest,
    ) -> Result<ListAttributesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if input.attribute_value.is_some() && input.attribute_name.is_none() {
            return Err(EcsError::InvalidParameter(
                "attributeName must be specified when attributeValue is specified.".into(),
            ));
        }
        let mut items = Vec::new();
        for (key, record) in self
            .instances
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
            .into_iter()
            .filter(|(_, r)| r.is_registered())
        {
            for attribute in record.instance.attributes.clone().unwrap_or_default() {
                let name_matches = input
                    .attribute_name
                    .as_ref()
                    .is_none_or(|name| *name == attribute.name);
                let value_matches = input
                    .attribute_value
                    .as_ref()
                    .is_none_or(|value| attribute.value.as_ref() == Some(value));
                if name_matches && value_matches {
                    items.push((
                        format!("{key}\u{0}{}", attribute.name),
                        Attribute {
                            name: attribute.name,
                            value: attribute.value,
                            target_type: Some(input.target_type.clone()),
                            target_id: Some(record.arn().to_string()),
                        },
                    ));
                }
            }
        }
        let (attributes, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListAttributesResponse {
            attributes: Some(attributes),
            next_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(name: &str, value: Option<&str>) -> Attribute {
        Attribute {
            name: name.into(),
            value: value.map(String::from),
            ..Attribute::default()
        }
    }

    #[test]
    fn filters_compare_attributes() {
        let attributes = [
            attribute("ecs.instance-type", Some("t2.micro")),
            attribute("stack", Some("prod")),
            attribute("gpu", None),
        ];
        let check = |filter: &str| filter_matches(&attributes, filter).unwrap();
        assert!(check("attribute:ecs.instance-type == t2.micro"));
        assert!(!check("attribute:ecs.instance-type != t2.micro"));
        assert!(check("attribute:gpu exists"));
        assert!(!check("attribute:missing exists"));
        assert!(check("attribute:stack in [dev, prod]"));
        assert!(check("attribute:stack == prod and attribute:gpu exists"));
        assert!(!check("attribute:stack == dev and attribute:gpu exists"));
        assert!(check("attribute:stack == dev or attribute:gpu exists"));
        assert!(filter_matches(&attributes, "runningTasksCount > 1").is_err());
    }

    #[test]
    fn attribute_names_and_values_have_limited_characters() {
        assert!(attribute_text_is_valid("stack/tier_1.a", &[]));
        assert!(!attribute_text_is_valid("a b", &[]));
        assert!(attribute_text_is_valid("a b@c:d", &['@', ':', ' ']));
        assert!(!attribute_text_is_valid(&"x".repeat(129), &[]));
    }
}
