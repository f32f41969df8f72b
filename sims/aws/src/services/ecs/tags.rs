//! Tags on every ECS resource that has them (clusters, services, tasks, task sets, container
//! instances, task definitions, capacity providers, daemons, daemon task definitions),
//! addressed by ARN. One resolver maps an ARN to the record that holds its tags, for reads and
//! writes alike.

use sim_aws_shapes::ecs::{
    ListTagsForResourceRequest, ListTagsForResourceResponse, Tag, TagResourceRequest,
    TagResourceResponse, UntagResourceRequest, UntagResourceResponse,
};

use super::{Ecs, EcsError};
use crate::services::Ctx;

/// The kinds of resource that carry tags, with the key of the record that holds them.
enum Tagged {
    Cluster(String),
    Service(String),
    /// A task set, kept in its service's record.
    TaskSet {
        service: String,
        arn: String,
    },
    Task(String),
    ContainerInstance(String),
    TaskDefinition(String),
    CapacityProvider(String),
    Daemon(String),
    DaemonTaskDefinition(String),
}

/// ECS allows 50 tags per resource.
const MAX_TAGS: usize = 50;

fn not_found(arn: &str) -> EcsError {
    EcsError::InvalidParameter(format!("The specified resource is not found: {arn}"))
}

fn check_tags(tags: &[Tag]) -> Result<(), EcsError> {
    for tag in tags {
        let key = tag.key.as_deref().unwrap_or_default();
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(EcsError::InvalidParameter(
                "Tag keys starting with 'aws:' are reserved for use by AWS.".into(),
            ));
        }
    }
    Ok(())
}

/// Adds `added` to `existing`; a key already there takes the new value.
fn merge(existing: &mut Vec<Tag>, added: Vec<Tag>) {
    for tag in added {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(current) => current.value = tag.value,
            None => existing.push(tag),
        }
    }
}

impl Ecs {
    /// Which record holds the tags of the resource `arn` names.
    fn tagged(&self, ctx: &Ctx, arn: &str) -> Result<Tagged, EcsError> {
        let prefix = format!("arn:aws:ecs:{}:{}:", ctx.region, ctx.account_id);
        let resource = arn.strip_prefix(&prefix).ok_or_else(|| not_found(arn))?;
        let (kind, path) = resource.split_once('/').ok_or_else(|| not_found(arn))?;
        let scope = ctx.scope();
        let revision_key = |path: &str| -> Result<String, EcsError> {
            let (family, revision) = path.rsplit_once(':').ok_or_else(|| not_found(arn))?;
            let revision: i64 = revision.parse().map_err(|_| not_found(arn))?;
            Ok(format!("{scope}{family}:{revision:010}"))
        };
        Ok(match kind {
            "cluster" => Tagged::Cluster(format!("{scope}{path}")),
            "service" => Tagged::Service(format!("{scope}{path}")),
            "task" => Tagged::Task(format!("{scope}{path}")),
            "container-instance" => Tagged::ContainerInstance(format!("{scope}{path}")),
            "capacity-provider" => Tagged::CapacityProvider(format!("{scope}{path}")),
            "task-definition" => Tagged::TaskDefinition(revision_key(path)?),
            "daemon-task-definition" => Tagged::DaemonTaskDefinition(revision_key(path)?),
            "daemon" => Tagged::Daemon(format!("{scope}{path}")),
            "task-set" => {
                let mut parts = path.splitn(3, '/');
                let (Some(cluster), Some(service), Some(_)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(not_found(arn));
                };
                Tagged::TaskSet {
                    service: format!("{scope}{cluster}/{service}"),
                    arn: arn.to_string(),
                }
            }
            _ => return Err(not_found(arn)),
        })
    }

    /// Applies `change` to the tags of the resource `arn` names.
    fn with_tags<R>(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut Vec<Tag>) -> R,
    ) -> Result<R, EcsError> {
        let outcome = match self.tagged(ctx, arn)? {
            Tagged::Cluster(key) => self.clusters.update(&key, |r| {
                change(r.cluster.tags.get_or_insert_with(Vec::new))
            })?,
            Tagged::Service(key) => self.services.update(&key, |r| {
                change(r.service.tags.get_or_insert_with(Vec::new))
            })?,
            Tagged::TaskSet { service, arn } => self
                .services
                .update(&service, |r| {
                    r.service
                        .task_sets
                        .iter_mut()
                        .flatten()
                        .find(|t| t.task_set_arn.as_deref() == Some(arn.as_str()))
                        .map(|t| change(t.tags.get_or_insert_with(Vec::new)))
                })?
                .flatten(),
            Tagged::Task(key) => self
                .tasks
                .update(&key, |r| change(r.task.tags.get_or_insert_with(Vec::new)))?,
            Tagged::ContainerInstance(key) => self.instances.update(&key, |r| {
                change(r.instance.tags.get_or_insert_with(Vec::new))
            })?,
            Tagged::TaskDefinition(key) => {
                self.definitions.update(&key, |r| change(&mut r.tags))?
            }
            Tagged::CapacityProvider(key) => self.capacity_providers.update(&key, |r| {
                change(r.capacity_provider.tags.get_or_insert_with(Vec::new))
            })?,
            Tagged::Daemon(key) => self.daemons.update(&key, |r| change(&mut r.tags))?,
            Tagged::DaemonTaskDefinition(key) => self
                .daemon_definitions
                .update(&key, |r| change(&mut r.tags))?,
        };
        outcome.ok_or_else(|| not_found(arn))
    }

    /// The tags of the resource `arn` names, read without writing.
    fn tags_of(&self, ctx: &Ctx, arn: &str) -> Result<Vec<Tag>, EcsError> {
        let tags = match self.tagged(ctx, arn)? {
            Tagged::Cluster(key) => self.clusters.get(&key).map(|r| r.cluster.tags),
            Tagged::Service(key) => self.services.get(&key).map(|r| r.service.tags),
            Tagged::TaskSet { service, arn } => self.services.get(&service).and_then(|r| {
                r.service
                    .task_sets
                    .into_iter()
                    .flatten()
                    .find(|t| t.task_set_arn.as_deref() == Some(arn.as_str()))
                    .map(|t| t.tags)
            }),
            Tagged::Task(key) => self.tasks.get(&key).map(|r| r.task.tags),
            Tagged::ContainerInstance(key) => self.instances.get(&key).map(|r| r.instance.tags),
            Tagged::TaskDefinition(key) => self.definitions.get(&key).map(|r| Some(r.tags)),
            Tagged::CapacityProvider(key) => self
                .capacity_providers
                .get(&key)
                .map(|r| r.capacity_provider.tags),
            Tagged::Daemon(key) => self.daemons.get(&key).map(|r| Some(r.tags)),
            Tagged::DaemonTaskDefinition(key) => {
                self.daemon_definitions.get(&key).map(|r| Some(r.tags))
            }
        };
        tags.map(Option::unwrap_or_default)
            .ok_or_else(|| not_found(arn))
    }

    pub(super) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse, EcsError> {
        check_tags(&input.tags)?;
        let fits = self.with_tags(ctx, &input.resource_arn, |tags| {
            let mut merged = tags.clone();
            merge(&mut merged, input.tags);
            if merged.len() > MAX_TAGS {
                return false;
            }
            *tags = merged;
            true
        })?;
        if !fits {
            return Err(EcsError::InvalidParameter(format!(
                "A resource can have at most {MAX_TAGS} tags."
            )));
        }
        Ok(TagResourceResponse {})
    }

    pub(super) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse, EcsError> {
        self.with_tags(ctx, &input.resource_arn, |tags| {
            tags.retain(|t| {
                t.key
                    .as_ref()
                    .is_none_or(|key| !input.tag_keys.contains(key))
            })
        })?;
        Ok(UntagResourceResponse {})
    }

    pub(super) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EcsError> {
        Ok(ListTagsForResourceResponse {
            tags: Some(self.tags_of(ctx, &input.resource_arn)?),
        })
    }
}
