//! Tags on clusters, task definitions, tasks, services and container instances, addressed by
//! ARN.

use serde::{Deserialize, Serialize};

use super::types::Tag;
use super::{Ecs, EcsError};
use crate::services::Ctx;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResourceRequest {
    pub resource_arn: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResourceRequest {
    pub resource_arn: String,
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceRequest {
    pub resource_arn: String,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

#[derive(Debug, Serialize)]
pub struct ListTagsForResourceResponse {
    pub tags: Vec<Tag>,
}

/// The kinds of resource that carry tags.
enum Tagged {
    Cluster,
    Service,
    Task,
    ContainerInstance,
    TaskDefinition,
}

/// ECS allows 50 tags per resource.
const MAX_TAGS: usize = 50;

fn merge(existing: &mut Vec<Tag>, added: Vec<Tag>) {
    for tag in added {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(current) => current.value = tag.value,
            None => existing.push(tag),
        }
    }
}

impl Ecs {
    /// Which collection holds the resource `arn` names, and its key there.
    fn tagged(&self, ctx: &Ctx, arn: &str) -> Result<(Tagged, String), EcsError> {
        let not_found =
            || EcsError::InvalidParameter(format!("The specified resource is not found: {arn}"));
        let prefix = format!("arn:aws:ecs:{}:{}:", ctx.region, ctx.account_id);
        let resource = arn.strip_prefix(&prefix).ok_or_else(not_found)?;
        let (kind, path) = resource.split_once('/').ok_or_else(not_found)?;
        let scope = ctx.scope();
        let tagged = match kind {
            "cluster" => Tagged::Cluster,
            "service" => Tagged::Service,
            "task" => Tagged::Task,
            "container-instance" => Tagged::ContainerInstance,
            "task-definition" => {
                let (family, revision) = path.rsplit_once(':').ok_or_else(not_found)?;
                let revision: i64 = revision.parse().map_err(|_| not_found())?;
                return Ok((
                    Tagged::TaskDefinition,
                    format!("{scope}{family}:{revision:010}"),
                ));
            }
            _ => return Err(not_found()),
        };
        Ok((tagged, format!("{scope}{path}")))
    }

    /// Applies `change` to the tags of the resource `arn` names.
    fn with_tags<R>(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut Vec<Tag>) -> R,
    ) -> Result<R, EcsError> {
        let (tagged, key) = self.tagged(ctx, arn)?;
        let outcome = match tagged {
            Tagged::Cluster => self
                .clusters
                .update(&key, |r| change(&mut r.cluster.tags))?,
            Tagged::Service => self
                .services
                .update(&key, |r| change(&mut r.service.tags))?,
            Tagged::Task => self.tasks.update(&key, |r| change(&mut r.task.tags))?,
            Tagged::ContainerInstance => self
                .instances
                .update(&key, |r| change(&mut r.instance.tags))?,
            Tagged::TaskDefinition => self.definitions.update(&key, |r| change(&mut r.tags))?,
        };
        outcome.ok_or_else(|| {
            EcsError::InvalidParameter(format!("The specified resource is not found: {arn}"))
        })
    }

    /// The tags of the resource `arn` names, read without writing.
    fn tags_of(&self, ctx: &Ctx, arn: &str) -> Result<Vec<Tag>, EcsError> {
        let (tagged, key) = self.tagged(ctx, arn)?;
        let tags = match tagged {
            Tagged::Cluster => self.clusters.get(&key).map(|r| r.cluster.tags),
            Tagged::Service => self.services.get(&key).map(|r| r.service.tags),
            Tagged::Task => self.tasks.get(&key).map(|r| r.task.tags),
            Tagged::ContainerInstance => self.instances.get(&key).map(|r| r.instance.tags),
            Tagged::TaskDefinition => self.definitions.get(&key).map(|r| r.tags),
        };
        tags.ok_or_else(|| {
            EcsError::InvalidParameter(format!("The specified resource is not found: {arn}"))
        })
    }

    pub(super) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<Empty, EcsError> {
        let outcome = self.with_tags(ctx, &input.resource_arn, |tags| {
            let mut merged = tags.clone();
            merge(&mut merged, input.tags);
            if merged.len() > MAX_TAGS {
                return false;
            }
            *tags = merged;
            true
        })?;
        if !outcome {
            return Err(EcsError::InvalidParameter(format!(
                "A resource can have at most {MAX_TAGS} tags."
            )));
        }
        Ok(Empty {})
    }

    pub(super) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<Empty, EcsError> {
        self.with_tags(ctx, &input.resource_arn, |tags| {
            tags.retain(|t| !input.tag_keys.contains(&t.key))
        })?;
        Ok(Empty {})
    }

    pub(super) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EcsError> {
        Ok(ListTagsForResourceResponse {
            tags: self.tags_of(ctx, &input.resource_arn)?,
        })
    }
}
