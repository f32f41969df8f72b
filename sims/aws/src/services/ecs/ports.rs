//! Host ports on container instances, as ECS's scheduler accounts for them when it places a
//! `bridge` or `host` task on an EC2 (or external) instance: an instance's ports are the ones it
//! reserves (its registered `PORTS` resource: the agent's 22, 2375, 2376, 51678 and 51679 by
//! default) and the fixed host ports of the tasks placed on it that have not stopped. A task
//! whose fixed host ports collide on every instance is not placed: RunTask answers it in
//! `failures` with the instance's ARN and `RESOURCE:PORTS`, and places the others.
//!
//! Only fixed ports count: a `bridge` mapping with `hostPort` 0 or absent takes a port the
//! host picks when the container starts. In `host` mode a mapping's host port is its container
//! port. `awsvpc` tasks use their own interface's ports and are never checked. A host port
//! taken by something outside ECS is not known to the scheduler, as on AWS: the container then
//! fails to start when its port is published.

use std::collections::BTreeSet;

use sim_aws_shapes::ecs::Failure;

use super::Ecs;
use super::clusters::ClusterRecord;
use super::task_definitions::DefinitionRecord;
use crate::services::Ctx;

/// The reason ECS gives when no instance has the task's host ports free.
const RESOURCE_PORTS: &str = "RESOURCE:PORTS";

/// The fixed TCP and UDP host ports a task of `definition` takes on its instance.
pub(super) fn fixed_host_ports(definition: &DefinitionRecord) -> BTreeSet<i32> {
    let host_mode = match definition.network_mode() {
        Some("host") => true,
        // EC2's default network mode.
        Some("bridge") | None => false,
        _ => return BTreeSet::new(),
    };
    definition
        .containers()
        .iter()
        .flat_map(|container| container.port_mappings.iter().flatten())
        .filter_map(|mapping| {
            let port = if host_mode {
                mapping
                    .host_port
                    .filter(|p| *p > 0)
                    .or(mapping.container_port)
            } else {
                mapping.host_port
            };
            port.filter(|p| *p > 0)
        })
        .collect()
}

impl Ecs {
    /// The ports of `instance_arn` that are taken: its reserved ports and those of its tasks
    /// that have not stopped.
    fn ports_in_use(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        instance_arn: &str,
    ) -> BTreeSet<i32> {
        let mut taken: BTreeSet<i32> = self
            .instance(ctx, cluster, instance_arn)
            .and_then(|record| record.instance.registered_resources)
            .into_iter()
            .flatten()
            .filter(|resource| resource.name.as_deref() == Some("PORTS"))
            .flat_map(|resource| resource.string_set_value.unwrap_or_default())
            .filter_map(|port| port.parse().ok())
            .collect();
        let prefix = format!("{}{}/", ctx.scope(), cluster.name());
        for (_, record) in self.tasks.scan_prefix(&prefix) {
            let task = &record.task;
            if task.container_instance_arn.as_deref() != Some(instance_arn)
                || task.last_status.as_deref() == Some("STOPPED")
            {
                continue;
            }
            if let Some(definition) = task
                .task_definition_arn
                .as_deref()
                .and_then(|arn| self.definition(ctx, arn))
            {
                taken.extend(fixed_host_ports(&definition));
            }
            // What an agent reported binding, too.
            taken.extend(
                task.containers
                    .iter()
                    .flatten()
                    .flat_map(|container| container.network_bindings.iter().flatten())
                    .filter_map(|binding| binding.host_port),
            );
        }
        taken
    }

    /// Places the tasks the scheduler would put on `preferred` (one instance per task) where
    /// their fixed host ports are free, trying the other instances when the preferred one's are
    /// taken. The instances of the tasks placed, and a `RESOURCE:PORTS` failure for each
    /// instance that could not take a task that found no place.
    pub(super) fn place_by_ports(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        definition: &DefinitionRecord,
        preferred: Vec<String>,
    ) -> (Vec<String>, Vec<Failure>) {
        let wanted = fixed_host_ports(definition);
        if wanted.is_empty() || preferred.is_empty() {
            return (preferred, Vec::new());
        }
        let mut candidates: Vec<String> = Vec::new();
        for arn in &preferred {
            if !candidates.contains(arn) {
                candidates.push(arn.clone());
            }
        }
        let mut taken: Vec<BTreeSet<i32>> = candidates
            .iter()
            .map(|arn| self.ports_in_use(ctx, cluster, arn))
            .collect();
        let mut placed = Vec::new();
        let mut refused: BTreeSet<usize> = BTreeSet::new();
        for first in &preferred {
            let start = candidates.iter().position(|arn| arn == first).unwrap_or(0);
            let found = (0..candidates.len())
                .map(|offset| (start + offset) % candidates.len())
                .find(|index| taken[*index].is_disjoint(&wanted));
            match found {
                Some(index) => {
                    taken[index].extend(wanted.iter().copied());
                    placed.push(candidates[index].clone());
                }
                None => refused.extend(0..candidates.len()),
            }
        }
        let failures = refused
            .into_iter()
            .map(|index| Failure {
                arn: Some(candidates[index].clone()),
                reason: Some(RESOURCE_PORTS.into()),
                detail: None,
            })
            .collect();
        (placed, failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(network_mode: Option<&str>, mappings: serde_json::Value) -> DefinitionRecord {
        let mut record: DefinitionRecord = serde_json::from_value(serde_json::json!({
            "definition": {"family": "f", "containerDefinitions": [
                {"name": "a", "portMappings": mappings}
            ]},
            "tags": []
        }))
        .expect("a definition record");
        record.definition.network_mode = network_mode.map(Into::into);
        record
    }

    #[test]
    fn fixed_ports_by_network_mode() {
        let mappings = serde_json::json!([
            {"containerPort": 80, "hostPort": 8080},
            {"containerPort": 81, "hostPort": 0},
            {"containerPort": 82}
        ]);
        let ports = |mode| {
            fixed_host_ports(&definition(mode, mappings.clone()))
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(ports(Some("bridge")), vec![8080]);
        assert_eq!(ports(None), vec![8080]);
        assert_eq!(ports(Some("host")), vec![81, 82, 8080]);
        assert_eq!(ports(Some("awsvpc")), Vec::<i32>::new());
    }
}
