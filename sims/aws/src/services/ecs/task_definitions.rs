//! Task definitions: families of numbered revisions. Registration checks what ECS checks
//! (container names and images, an essential container, Fargate's network mode, sizes and
//! execution role, memory for EC2) and fills in ECS's defaults.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::{ContainerDefinition, Failure, Tag, TaskDefinition};
use super::{Ecs, EcsError, page};
use crate::services::Ctx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefinitionRecord {
    pub definition: TaskDefinition,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterTaskDefinitionRequest {
    pub family: String,
    #[serde(default)]
    pub task_role_arn: Option<String>,
    #[serde(default)]
    pub execution_role_arn: Option<String>,
    #[serde(default)]
    pub network_mode: Option<String>,
    pub container_definitions: Vec<ContainerDefinition>,
    #[serde(default)]
    pub volumes: Vec<Value>,
    #[serde(default)]
    pub placement_constraints: Vec<Value>,
    #[serde(default)]
    pub requires_compatibilities: Vec<String>,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub pid_mode: Option<String>,
    #[serde(default)]
    pub ipc_mode: Option<String>,
    #[serde(default)]
    pub proxy_configuration: Option<Value>,
    #[serde(default)]
    pub ephemeral_storage: Option<Value>,
    #[serde(default)]
    pub runtime_platform: Option<Value>,
    #[serde(default)]
    pub enable_fault_injection: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinitionResponse {
    pub task_definition: TaskDefinition,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeTaskDefinitionRequest {
    pub task_definition: String,
    #[serde(default)]
    pub include: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeregisterTaskDefinitionRequest {
    pub task_definition: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteTaskDefinitionsRequest {
    pub task_definitions: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteTaskDefinitionsResponse {
    pub task_definitions: Vec<TaskDefinition>,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTaskDefinitionsRequest {
    #[serde(default)]
    pub family_prefix: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTaskDefinitionsResponse {
    pub task_definition_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTaskDefinitionFamiliesRequest {
    #[serde(default)]
    pub family_prefix: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTaskDefinitionFamiliesResponse {
    pub families: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

fn definition_key(ctx: &Ctx, family: &str, revision: i64) -> String {
    format!("{}{family}:{revision:010}", ctx.scope())
}

/// `1 vCPU` → `1024`, `0.5 vcpu` → `512`, `512` → `512`.
pub(crate) fn normalize_cpu(text: &str) -> Option<i64> {
    let lower = text.trim().to_ascii_lowercase();
    match lower.strip_suffix("vcpu") {
        Some(number) => number
            .trim()
            .parse::<f64>()
            .ok()
            .map(|v| (v * 1024.0).round() as i64),
        None => lower.parse().ok(),
    }
}

/// `2 GB` → `2048`, `512` → `512` (MiB).
pub(crate) fn normalize_memory(text: &str) -> Option<i64> {
    let lower = text.trim().to_ascii_lowercase();
    match lower.strip_suffix("gb") {
        Some(number) => number
            .trim()
            .parse::<f64>()
            .ok()
            .map(|v| (v * 1024.0).round() as i64),
        None => lower
            .trim_end_matches("mib")
            .trim_end_matches("mb")
            .trim()
            .parse()
            .ok(),
    }
}

/// The Fargate task sizes AWS accepts.
pub(crate) fn fargate_size_is_valid(cpu: i64, memory: i64) -> bool {
    let gib = |n: i64| n * 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (gib(1)..=gib(4)).step_by(1024).any(|m| m == memory),
        1024 => (gib(2)..=gib(8)).step_by(1024).any(|m| m == memory),
        2048 => (gib(4)..=gib(16)).step_by(1024).any(|m| m == memory),
        4096 => (gib(8)..=gib(30)).step_by(1024).any(|m| m == memory),
        8192 => (gib(16)..=gib(60)).step_by(4096).any(|m| m == memory),
        16384 => (gib(32)..=gib(120)).step_by(8192).any(|m| m == memory),
        _ => false,
    }
}

impl Ecs {
    /// The definition a request names: `family` (its latest active revision), `family:rev`, or
    /// an ARN.
    pub(super) fn definition(&self, ctx: &Ctx, reference: &str) -> Option<DefinitionRecord> {
        let reference = reference
            .rsplit("task-definition/")
            .next()
            .unwrap_or(reference);
        match reference.rsplit_once(':') {
            Some((family, revision)) => {
                let revision: i64 = revision.parse().ok()?;
                self.definitions.get(&definition_key(ctx, family, revision))
            }
            None => self
                .definitions
                .scan_prefix(&format!("{}{reference}:", ctx.scope()))
                .into_iter()
                .rev()
                .map(|(_, record)| record)
                .find(|record| record.definition.status == "ACTIVE"),
        }
    }

    pub(super) async fn register_task_definition(
        &self,
        ctx: &Ctx,
        input: RegisterTaskDefinitionRequest,
    ) -> Result<TaskDefinitionResponse, EcsError> {
        let fargate = input
            .requires_compatibilities
            .iter()
            .any(|c| c == "FARGATE");
        let network_mode = input.network_mode.clone();
        let cpu = input
            .cpu
            .as_deref()
            .map(|c| normalize_cpu(c).ok_or_else(|| invalid_size("cpu", c)))
            .transpose()?;
        let memory = input
            .memory
            .as_deref()
            .map(|m| normalize_memory(m).ok_or_else(|| invalid_size("memory", m)))
            .transpose()?;
        super::names::check_family(&input.family)?;
        check_containers(&input.container_definitions, memory.is_some())?;
        super::names::check_definition_size(
            serde_json::to_vec(&input).map_or(0, |json| json.len()),
        )?;
        if fargate {
            if network_mode.as_deref() != Some("awsvpc") {
                return Err(EcsError::Client(
                    "Fargate only supports network mode 'awsvpc'.".into(),
                ));
            }
            let (Some(cpu), Some(memory)) = (cpu, memory) else {
                let missing = if cpu.is_none() { "cpu" } else { "memory" };
                return Err(EcsError::Client(format!(
                    "Fargate requires that '{missing}' be defined at the task level."
                )));
            };
            if !fargate_size_is_valid(cpu, memory) {
                return Err(EcsError::Client(format!(
                    "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the Amazon ECS documentation for the valid values."
                )));
            }
            let uses_awslogs = input.container_definitions.iter().any(|c| {
                c.log_configuration
                    .as_ref()
                    .is_some_and(|l| l.log_driver == "awslogs")
            });
            if uses_awslogs && input.execution_role_arn.is_none() {
                return Err(EcsError::Client(
                    "Fargate requires task definition to have execution role ARN to support log driver awslogs.".into(),
                ));
            }
        }
        let fargate_compatible = network_mode.as_deref() == Some("awsvpc")
            && matches!((cpu, memory), (Some(c), Some(m)) if fargate_size_is_valid(c, m));
        let mut compatibilities = vec!["EC2".to_string()];
        if fargate_compatible {
            compatibilities.push("FARGATE".into());
        }
        let requires_attributes = required_attributes(&input);
        let containers = input
            .container_definitions
            .into_iter()
            .map(|c| with_defaults(c, network_mode.as_deref()))
            .collect();

        let family = input.family.clone();
        // The revision and the definition are written in one transaction, so a crash between
        // them never leaves a revision number taken by no definition.
        let (definition, tags) = self.kit.store().transaction(|txn| {
            let revision = txn.modify(
                &self.families,
                &format!("{}{family}", ctx.scope()),
                |last| {
                    let next = last.unwrap_or(0) + 1;
                    *last = Some(next);
                    Ok::<_, EcsError>(next)
                },
            )?;
            let definition = TaskDefinition {
                task_definition_arn: ctx
                    .arn("ecs", &format!("task-definition/{family}:{revision}")),
                container_definitions: containers,
                family: family.clone(),
                task_role_arn: input.task_role_arn,
                execution_role_arn: input.execution_role_arn,
                network_mode,
                revision,
                volumes: input.volumes,
                status: "ACTIVE".into(),
                requires_attributes,
                placement_constraints: input.placement_constraints,
                compatibilities,
                runtime_platform: input.runtime_platform,
                requires_compatibilities: input.requires_compatibilities,
                cpu: cpu.map(|c| c.to_string()),
                memory: memory.map(|m| m.to_string()),
                pid_mode: input.pid_mode,
                ipc_mode: input.ipc_mode,
                proxy_configuration: input.proxy_configuration,
                registered_at: self.now(),
                deregistered_at: None,
                delete_requested_at: None,
                registered_by: ctx.caller.arn.clone(),
                ephemeral_storage: input.ephemeral_storage,
                enable_fault_injection: input.enable_fault_injection,
            };
            let tags = input.tags;
            txn.insert(
                &self.definitions,
                &definition_key(ctx, &family, revision),
                DefinitionRecord {
                    definition: definition.clone(),
                    tags: tags.clone(),
                },
            )?;
            Ok::<_, EcsError>((definition, tags))
        })?;
        Ok(TaskDefinitionResponse {
            task_definition: definition,
            tags: (!tags.is_empty()).then_some(tags),
        })
    }

    pub(super) async fn describe_task_definition(
        &self,
        ctx: &Ctx,
        input: DescribeTaskDefinitionRequest,
    ) -> Result<TaskDefinitionResponse, EcsError> {
        let record = self
            .definition(ctx, &input.task_definition)
            .ok_or_else(|| EcsError::Client("Unable to describe task definition.".into()))?;
        let tags = input
            .include
            .iter()
            .any(|i| i == "TAGS")
            .then_some(record.tags);
        Ok(TaskDefinitionResponse {
            task_definition: record.definition,
            tags,
        })
    }

    pub(super) async fn deregister_task_definition(
        &self,
        ctx: &Ctx,
        input: DeregisterTaskDefinitionRequest,
    ) -> Result<TaskDefinitionResponse, EcsError> {
        let record = self
            .definition(ctx, &input.task_definition)
            .filter(|_| input.task_definition.contains(':'))
            .ok_or_else(|| {
                EcsError::Client("The specified task definition does not exist.".into())
            })?;
        let now = self.now();
        let key = definition_key(ctx, &record.definition.family, record.definition.revision);
        let definition = self
            .definitions
            .update(&key, |r| {
                if r.definition.status == "ACTIVE" {
                    r.definition.status = "INACTIVE".into();
                    r.definition.deregistered_at = Some(now);
                }
                r.definition.clone()
            })?
            .ok_or_else(|| {
                EcsError::Client("The specified task definition does not exist.".into())
            })?;
        Ok(TaskDefinitionResponse {
            task_definition: definition,
            tags: None,
        })
    }

    pub(super) async fn delete_task_definitions(
        &self,
        ctx: &Ctx,
        input: DeleteTaskDefinitionsRequest,
    ) -> Result<DeleteTaskDefinitionsResponse, EcsError> {
        let now = self.now();
        let mut task_definitions = Vec::new();
        let mut failures = Vec::new();
        for reference in input.task_definitions {
            let Some(record) = self
                .definition(ctx, &reference)
                .filter(|_| reference.contains(':'))
            else {
                failures.push(Failure {
                    arn: Some(reference),
                    reason: "The specified task definition does not exist.".into(),
                    detail: None,
                });
                continue;
            };
            if record.definition.status == "ACTIVE" {
                failures.push(Failure {
                    arn: Some(record.definition.task_definition_arn),
                    reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again.".into(),
                    detail: None,
                });
                continue;
            }
            let key = definition_key(ctx, &record.definition.family, record.definition.revision);
            if let Some(definition) = self.definitions.update(&key, |r| {
                r.definition.status = "DELETE_IN_PROGRESS".into();
                r.definition.delete_requested_at.get_or_insert(now);
                r.definition.clone()
            })? {
                task_definitions.push(definition);
            }
        }
        Ok(DeleteTaskDefinitionsResponse {
            task_definitions,
            failures,
        })
    }

    pub(super) async fn list_task_definitions(
        &self,
        ctx: &Ctx,
        input: ListTaskDefinitionsRequest,
    ) -> Result<ListTaskDefinitionsResponse, EcsError> {
        let status = input.status.unwrap_or_else(|| "ACTIVE".into());
        let prefix = input.family_prefix.unwrap_or_default();
        let descending = input.sort.as_deref() == Some("DESC");
        let items = self
            .definitions
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, r)| {
                r.definition.status == status && r.definition.family.starts_with(&prefix)
            })
            .map(|(_, r)| {
                // Sort by family, then revision; descending flips both, as ECS does.
                let order = format!("{}\u{0}{:010}", r.definition.family, r.definition.revision);
                let order = if descending { invert(&order) } else { order };
                (order, r.definition.task_definition_arn)
            })
            .collect();
        let (task_definition_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListTaskDefinitionsResponse {
            task_definition_arns,
            next_token,
        })
    }

    pub(super) async fn list_task_definition_families(
        &self,
        ctx: &Ctx,
        input: ListTaskDefinitionFamiliesRequest,
    ) -> Result<ListTaskDefinitionFamiliesResponse, EcsError> {
        let prefix = input.family_prefix.unwrap_or_default();
        let status = input.status.unwrap_or_else(|| "ACTIVE".into());
        let mut all = BTreeSet::new();
        let mut active = BTreeSet::new();
        for (_, record) in self.definitions.scan_prefix(&ctx.scope()) {
            if record.definition.family.starts_with(&prefix) {
                all.insert(record.definition.family.clone());
                if record.definition.status == "ACTIVE" {
                    active.insert(record.definition.family.clone());
                }
            }
        }
        let selected: Vec<(String, String)> = all
            .into_iter()
            .filter(|family| match status.as_str() {
                "ACTIVE" => active.contains(family),
                "INACTIVE" => !active.contains(family),
                _ => true,
            })
            .map(|family| (family.clone(), family))
            .collect();
        let (families, next_token) = page(
            selected,
            input.next_token.as_deref(),
            input.max_results,
            100,
        )?;
        Ok(ListTaskDefinitionFamiliesResponse {
            families,
            next_token,
        })
    }
}

/// Inverts a sort key so ascending order of the result is descending order of the input.
fn invert(key: &str) -> String {
    key.chars()
        .map(|c| char::from_u32(0x10FFFF - c as u32).unwrap_or(c))
        .collect()
}

fn invalid_size(what: &str, value: &str) -> EcsError {
    EcsError::Client(format!("Invalid '{what}' setting for task: {value}"))
}

fn check_containers(containers: &[ContainerDefinition], task_memory: bool) -> Result<(), EcsError> {
    if containers.is_empty() {
        return Err(EcsError::Client("Container list cannot be empty.".into()));
    }
    if containers.len() > super::names::MAX_CONTAINERS {
        return Err(EcsError::Client("Too many containers.".into()));
    }
    let mut names = BTreeSet::new();
    for container in containers {
        if container.name.is_empty() {
            return Err(EcsError::Client(
                "Container.name should not be null or empty.".into(),
            ));
        }
        super::names::check_container_name(&container.name)?;
        if container.image.is_empty() {
            return Err(EcsError::Client(
                "Container.image should not be null or empty.".into(),
            ));
        }
        if !names.insert(container.name.as_str()) {
            return Err(EcsError::Client(format!(
                "Duplicate container name {} is not allowed in a task definition.",
                container.name
            )));
        }
        if !task_memory && container.memory.is_none() && container.memory_reservation.is_none() {
            return Err(EcsError::Client(format!(
                "Invalid setting for container '{}'. At least one of 'memory' or 'memoryReservation' must be specified.",
                container.name
            )));
        }
    }
    if !containers.iter().any(ContainerDefinition::is_essential) {
        return Err(EcsError::Client(
            "Task definition does not have any essential container.".into(),
        ));
    }
    Ok(())
}

/// ECS's defaults, as DescribeTaskDefinition shows them.
fn with_defaults(
    mut container: ContainerDefinition,
    network_mode: Option<&str>,
) -> ContainerDefinition {
    container.essential.get_or_insert(true);
    if network_mode == Some("awsvpc") {
        for mapping in &mut container.port_mappings {
            if let Some(object) = mapping.as_object_mut() {
                if let Some(port) = object.get("containerPort").cloned() {
                    object.entry("hostPort").or_insert(port);
                }
                object.entry("protocol").or_insert(Value::from("tcp"));
            }
        }
    }
    container
}

/// The capabilities ECS records a task definition as needing.
fn required_attributes(input: &RegisterTaskDefinitionRequest) -> Vec<Value> {
    let mut names = BTreeSet::new();
    names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    if input.network_mode.as_deref() == Some("awsvpc") {
        names.insert("ecs.capability.task-eni");
    }
    if input.task_role_arn.is_some() {
        names.insert("com.amazonaws.ecs.capability.task-iam-role");
    }
    for container in &input.container_definitions {
        if let Some(log) = &container.log_configuration
            && log.log_driver == "awslogs"
        {
            names.insert("com.amazonaws.ecs.capability.logging-driver.awslogs");
            names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.19");
            if input.execution_role_arn.is_some() {
                names.insert("ecs.capability.execution-role-awslogs");
            }
        }
    }
    names
        .into_iter()
        .map(|name| serde_json::json!({"name": name}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_normalize() {
        assert_eq!(normalize_cpu("1 vCPU"), Some(1024));
        assert_eq!(normalize_cpu(".25 vcpu"), Some(256));
        assert_eq!(normalize_cpu("512"), Some(512));
        assert_eq!(normalize_memory("2 GB"), Some(2048));
        assert_eq!(normalize_memory("0.5GB"), Some(512));
        assert_eq!(normalize_memory("3072"), Some(3072));
        assert_eq!(normalize_cpu("lots"), None);
    }

    #[test]
    fn fargate_sizes() {
        assert!(fargate_size_is_valid(256, 512));
        assert!(!fargate_size_is_valid(256, 4096));
        assert!(fargate_size_is_valid(1024, 3072));
        assert!(fargate_size_is_valid(8192, 20480));
        assert!(!fargate_size_is_valid(8192, 18432));
        assert!(!fargate_size_is_valid(300, 512));
    }

    #[test]
    fn inverted_keys_sort_backwards() {
        let mut keys = [
            invert("a\u{0}0000000001"),
            invert("a\u{0}0000000002"),
            invert("b\u{0}0000000001"),
        ];
        keys.sort();
        assert_eq!(keys[0], invert("b\u{0}0000000001"));
        assert_eq!(keys[2], invert("a\u{0}0000000001"));
    }
}
