//! Task definitions: families of numbered revisions. Registration checks what ECS checks
//! (container names and images, an essential container, Fargate's network mode, sizes and
//! execution role, memory for EC2) and fills in ECS's defaults; every member a client writes is
//! stored, and described back, as written.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    Attribute, ContainerDefinition, DeleteTaskDefinitionsRequest, DeleteTaskDefinitionsResponse,
    DeregisterTaskDefinitionRequest, DeregisterTaskDefinitionResponse,
    DescribeTaskDefinitionRequest, DescribeTaskDefinitionResponse, Failure, HealthCheck,
    ListTaskDefinitionFamiliesRequest, ListTaskDefinitionFamiliesResponse,
    ListTaskDefinitionsRequest, ListTaskDefinitionsResponse, RegisterTaskDefinitionRequest,
    RegisterTaskDefinitionResponse, Tag, TaskDefinition,
};
use sim_aws_shapes::normal::ToNormal;

use super::{Ecs, EcsError, page};
use crate::services::Ctx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefinitionRecord {
    pub definition: TaskDefinition,
    pub tags: Vec<Tag>,
}

impl DefinitionRecord {
    pub fn arn(&self) -> &str {
        self.definition
            .task_definition_arn
            .as_deref()
            .unwrap_or_default()
    }

    pub fn family(&self) -> &str {
        self.definition.family.as_deref().unwrap_or_default()
    }

    pub fn revision(&self) -> i64 {
        i64::from(self.definition.revision.unwrap_or(0))
    }

    pub fn status(&self) -> &str {
        self.definition.status.as_deref().unwrap_or_default()
    }

    pub fn containers(&self) -> &[ContainerDefinition] {
        self.definition
            .container_definitions
            .as_deref()
            .unwrap_or_default()
    }

    pub fn network_mode(&self) -> Option<&str> {
        self.definition.network_mode.as_deref()
    }

    pub fn is_compatible_with(&self, launch_type: &str) -> bool {
        self.definition
            .compatibilities
            .iter()
            .flatten()
            .any(|c| c == launch_type)
    }
}

/// A container is essential unless it says otherwise.
pub(super) fn is_essential(container: &ContainerDefinition) -> bool {
    container.essential.unwrap_or(true)
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
                .find(|record| record.status() == "ACTIVE"),
        }
    }

    pub(super) async fn register_task_definition(
        &self,
        ctx: &Ctx,
        input: RegisterTaskDefinitionRequest,
    ) -> Result<RegisterTaskDefinitionResponse, EcsError> {
        let requires = input.requires_compatibilities.clone().unwrap_or_default();
        let fargate = requires.iter().any(|c| c == "FARGATE");
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
        let size = serde_json::to_vec(&input.clone().into_normal()).map_or(0, |json| json.len());
        super::names::check_definition_size(size)?;
        let uses_awslogs = input.container_definitions.iter().any(|c| {
            c.log_configuration
                .as_ref()
                .is_some_and(|l| l.log_driver == "awslogs")
        });
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
            if uses_awslogs && input.execution_role_arn.is_none() {
                return Err(EcsError::Client(
                    "Fargate requires task definition to have execution role ARN to support log driver awslogs.".into(),
                ));
            }
        }
        let awsvpc = network_mode.as_deref() == Some("awsvpc");
        let fargate_compatible =
            awsvpc && matches!((cpu, memory), (Some(c), Some(m)) if fargate_size_is_valid(c, m));
        let mut compatibilities = Vec::new();
        if !awsvpc {
            // ECS Anywhere runs what needs no task ENI.
            compatibilities.push("EXTERNAL".to_string());
        }
        compatibilities.push("EC2".to_string());
        if fargate_compatible {
            compatibilities.push("FARGATE".into());
        }
        let requires_attributes = required_attributes(&input, uses_awslogs);
        let containers: Vec<ContainerDefinition> = input
            .container_definitions
            .into_iter()
            .map(|c| with_defaults(c, network_mode.as_deref()))
            .collect();

        let family = input.family.clone();
        let now = self.timestamp();
        // The revision and the definition are written in one transaction, so a crash between
        // them never leaves a revision number taken by no definition.
        let record = self.kit.store().transaction(|txn| {
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
                task_definition_arn: Some(
                    ctx.arn("ecs", &format!("task-definition/{family}:{revision}")),
                ),
                container_definitions: Some(containers),
                family: Some(family.clone()),
                task_role_arn: input.task_role_arn,
                execution_role_arn: input.execution_role_arn,
                network_mode,
                revision: Some(revision as i32),
                volumes: Some(input.volumes.unwrap_or_default()),
                status: Some("ACTIVE".into()),
                requires_attributes: Some(requires_attributes),
                placement_constraints: Some(input.placement_constraints.unwrap_or_default()),
                compatibilities: Some(compatibilities),
                runtime_platform: input.runtime_platform,
                requires_compatibilities: input.requires_compatibilities,
                cpu: cpu.map(|c| c.to_string()),
                memory: memory.map(|m| m.to_string()),
                inference_accelerators: input.inference_accelerators,
                pid_mode: input.pid_mode,
                ipc_mode: input.ipc_mode,
                proxy_configuration: input.proxy_configuration,
                registered_at: Some(now),
                deregistered_at: None,
                delete_requested_at: None,
                registered_by: Some(ctx.caller.arn.clone()),
                ephemeral_storage: input.ephemeral_storage,
                enable_fault_injection: input.enable_fault_injection,
            };
            let record = DefinitionRecord {
                definition,
                tags: super::tags_or_empty(input.tags),
            };
            txn.insert(
                &self.definitions,
                &definition_key(ctx, &family, revision),
                record.clone(),
            )?;
            Ok::<_, EcsError>(record)
        })?;
        Ok(RegisterTaskDefinitionResponse {
            task_definition: Some(record.definition),
            tags: Some(record.tags),
        })
    }

    pub(super) async fn describe_task_definition(
        &self,
        ctx: &Ctx,
        input: DescribeTaskDefinitionRequest,
    ) -> Result<DescribeTaskDefinitionResponse, EcsError> {
        let record = self
            .definition(ctx, &input.task_definition)
            .ok_or_else(|| EcsError::Client("Unable to describe task definition.".into()))?;
        let with_tags = input
            .include
            .unwrap_or_default()
            .iter()
            .any(|i| i == "TAGS");
        Ok(DescribeTaskDefinitionResponse {
            task_definition: Some(record.definition),
            tags: Some(if with_tags { record.tags } else { Vec::new() }),
        })
    }

    pub(super) async fn deregister_task_definition(
        &self,
        ctx: &Ctx,
        input: DeregisterTaskDefinitionRequest,
    ) -> Result<DeregisterTaskDefinitionResponse, EcsError> {
        let not_found = || EcsError::Client("The specified task definition does not exist.".into());
        let record = self
            .definition(ctx, &input.task_definition)
            .filter(|_| input.task_definition.contains(':'))
            .ok_or_else(not_found)?;
        let now = self.timestamp();
        let key = definition_key(ctx, record.family(), record.revision());
        let definition = self
            .definitions
            .update(&key, |r| {
                if r.status() == "ACTIVE" {
                    r.definition.status = Some("INACTIVE".into());
                    r.definition.deregistered_at = Some(now);
                }
                r.definition.clone()
            })?
            .ok_or_else(not_found)?;
        Ok(DeregisterTaskDefinitionResponse {
            task_definition: Some(definition),
        })
    }

    pub(super) async fn delete_task_definitions(
        &self,
        ctx: &Ctx,
        input: DeleteTaskDefinitionsRequest,
    ) -> Result<DeleteTaskDefinitionsResponse, EcsError> {
        if input.task_definitions.len() > 10 {
            return Err(EcsError::InvalidParameter(
                "You can specify up to 10 task definitions.".into(),
            ));
        }
        let now = self.timestamp();
        let mut task_definitions = Vec::new();
        let mut failures = Vec::new();
        for reference in input.task_definitions {
            let Some(record) = self
                .definition(ctx, &reference)
                .filter(|_| reference.contains(':'))
            else {
                failures.push(Failure {
                    arn: Some(reference),
                    reason: Some("The specified task definition does not exist.".into()),
                    detail: None,
                });
                continue;
            };
            if record.status() == "ACTIVE" {
                failures.push(Failure {
                    arn: Some(record.arn().to_string()),
                    reason: Some("The specified task definition is still in ACTIVE status. Please deregister the target and try again.".into()),
                    detail: None,
                });
                continue;
            }
            let key = definition_key(ctx, record.family(), record.revision());
            if let Some(definition) = self.definitions.update(&key, |r| {
                r.definition.status = Some("DELETE_IN_PROGRESS".into());
                r.definition.delete_requested_at.get_or_insert(now);
                r.definition.clone()
            })? {
                task_definitions.push(definition);
            }
        }
        Ok(DeleteTaskDefinitionsResponse {
            task_definitions: Some(task_definitions),
            failures: Some(failures),
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
            .filter(|(_, r)| r.status() == status && r.family().starts_with(&prefix))
            .map(|(_, r)| {
                // Sort by family, then revision; descending flips both, as ECS does.
                let order = format!("{}\u{0}{:010}", r.family(), r.revision());
                let order = if descending { invert(&order) } else { order };
                (order, r.arn().to_string())
            })
            .collect();
        let (task_definition_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListTaskDefinitionsResponse {
            task_definition_arns: Some(task_definition_arns),
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
            if record.family().starts_with(&prefix) {
                all.insert(record.family().to_string());
                if record.status() == "ACTIVE" {
                    active.insert(record.family().to_string());
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
            families: Some(families),
            next_token,
        })
    }
}

/// Inverts a sort key so ascending order of the result is descending order of the input.
pub(super) fn invert(key: &str) -> String {
    key.chars()
        .map(|c| char::from_u32(0x10FFFF - c as u32).unwrap_or(c))
        .collect()
}

fn invalid_size(what: &str, value: &str) -> EcsError {
    EcsError::Client(format!("Invalid '{what}' setting for task: {value}"))
}

pub(super) fn check_containers(
    containers: &[ContainerDefinition],
    task_memory: bool,
) -> Result<(), EcsError> {
    if containers.is_empty() {
        return Err(EcsError::Client("Container list cannot be empty.".into()));
    }
    if containers.len() > super::names::MAX_CONTAINERS {
        return Err(EcsError::Client("Too many containers.".into()));
    }
    let mut names = BTreeSet::new();
    for container in containers {
        let name = container.name.as_deref().unwrap_or_default();
        if name.is_empty() {
            return Err(EcsError::Client(
                "Container.name should not be null or empty.".into(),
            ));
        }
        super::names::check_container_name(name)?;
        if container.image.as_deref().unwrap_or_default().is_empty() {
            return Err(EcsError::Client(
                "Container.image should not be null or empty.".into(),
            ));
        }
        if !names.insert(name) {
            return Err(EcsError::Client(format!(
                "Duplicate container name {name} is not allowed in a task definition."
            )));
        }
        if !task_memory && container.memory.is_none() && container.memory_reservation.is_none() {
            return Err(EcsError::Client(format!(
                "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."
            )));
        }
        if let (Some(memory), Some(reservation)) = (container.memory, container.memory_reservation)
            && reservation > memory
        {
            return Err(EcsError::Client(format!(
                "Invalid setting for container '{name}'. The value for 'memoryReservation' must be less than or equal to the value for 'memory'."
            )));
        }
        for dependency in container.depends_on.iter().flatten() {
            if !containers
                .iter()
                .any(|c| c.name.as_deref() == Some(dependency.container_name.as_str()))
            {
                return Err(EcsError::Client(format!(
                    "Container '{name}' depends on container '{}', which is not in the task definition.",
                    dependency.container_name
                )));
            }
        }
    }
    if !containers.iter().any(is_essential) {
        return Err(EcsError::Client(
            "Task definition does not have any essential container.".into(),
        ));
    }
    Ok(())
}

/// ECS's defaults, as DescribeTaskDefinition shows them: what the client wrote is kept, and
/// members it left out that ECS always answers are filled in.
pub(super) fn with_defaults(
    mut container: ContainerDefinition,
    network_mode: Option<&str>,
) -> ContainerDefinition {
    container.cpu.get_or_insert(0);
    container.essential.get_or_insert(true);
    container.environment.get_or_insert_with(Vec::new);
    container.mount_points.get_or_insert_with(Vec::new);
    container.volumes_from.get_or_insert_with(Vec::new);
    container.system_controls.get_or_insert_with(Vec::new);
    let host_port_is_container_port = matches!(network_mode, Some("awsvpc" | "host"));
    for mapping in container.port_mappings.get_or_insert_with(Vec::new) {
        if host_port_is_container_port
            && mapping.host_port.is_none()
            && mapping.container_port_range.is_none()
        {
            mapping.host_port = mapping.container_port;
        }
        mapping.protocol.get_or_insert_with(|| "tcp".into());
    }
    if let Some(check) = container.health_check.as_mut() {
        *check = HealthCheck {
            command: std::mem::take(&mut check.command),
            interval: check.interval.or(Some(30)),
            timeout: check.timeout.or(Some(5)),
            retries: check.retries.or(Some(3)),
            start_period: check.start_period,
        };
    }
    container
}

/// The capabilities ECS records a task definition as needing.
fn required_attributes(
    input: &RegisterTaskDefinitionRequest,
    uses_awslogs: bool,
) -> Vec<Attribute> {
    let mut names = BTreeSet::new();
    names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    if input.network_mode.as_deref() == Some("awsvpc") {
        names.insert("ecs.capability.task-eni");
    }
    if input.task_role_arn.is_some() {
        names.insert("com.amazonaws.ecs.capability.task-iam-role");
    }
    if uses_awslogs {
        names.insert("com.amazonaws.ecs.capability.logging-driver.awslogs");
        names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.19");
        if input.execution_role_arn.is_some() {
            names.insert("ecs.capability.execution-role-awslogs");
        }
    }
    for container in &input.container_definitions {
        if container.health_check.is_some() {
            names.insert("ecs.capability.container-health-check");
        }
        if container.depends_on.as_ref().is_some_and(|d| !d.is_empty()) {
            names.insert("ecs.capability.container-ordering");
        }
        if container.secrets.as_ref().is_some_and(|s| !s.is_empty()) {
            names.insert("ecs.capability.secrets.asm.environment-variables");
        }
        if container.repository_credentials.is_some() {
            names.insert(
                "com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager",
            );
        }
        if let Some(firelens) = &container.firelens_configuration {
            names.insert(if firelens.r#type == "fluentbit" {
                "ecs.capability.firelens.fluentbit"
            } else {
                "ecs.capability.firelens.fluentd"
            });
        }
    }
    names
        .into_iter()
        .map(|name| Attribute {
            name: name.to_string(),
            ..Attribute::default()
        })
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

    #[test]
    fn defaults_fill_only_what_was_left_out() {
        let container = ContainerDefinition {
            name: Some("app".into()),
            image: Some("busybox".into()),
            cpu: Some(7),
            port_mappings: Some(vec![sim_aws_shapes::ecs::PortMapping {
                container_port: Some(80),
                ..Default::default()
            }]),
            health_check: Some(HealthCheck {
                command: vec!["CMD".into()],
                interval: Some(10),
                ..Default::default()
            }),
            ..Default::default()
        };
        let filled = with_defaults(container, Some("awsvpc"));
        assert_eq!(filled.cpu, Some(7));
        assert_eq!(filled.essential, Some(true));
        let mapping = &filled.port_mappings.as_ref().unwrap()[0];
        assert_eq!(
            (mapping.host_port, mapping.protocol.as_deref()),
            (Some(80), Some("tcp"))
        );
        let check = filled.health_check.unwrap();
        assert_eq!(
            (check.interval, check.timeout, check.retries),
            (Some(10), Some(5), Some(3))
        );
    }
}
