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
    /// Applies `change` to the tags of the resource `arn` names.
    fn with_tags<R>(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut Vec<Tag>) -> R,
    ) -> Result<R, EcsError> {
        let not_found =
            || EcsError::InvalidParameter(format!("The specified resource is not found: {arn}"));
        let prefix = format!("arn:aws:ecs:{}:{}:", ctx.region, ctx.account_id);
        let resource = arn.strip_prefix(&prefix).ok_or_else(not_found)?;
        let (kind, path) = resource.split_once('/').ok_or_else(not_found)?;
        let scope = ctx.scope();
        let outcome = match kind {
            "cluster" => self
                .clusters
                .update(&format!("{scope}{path}"), |r| change(&mut r.cluster.tags))?,
            "service" => self
                .services
                .update(&format!("{scope}{path}"), |r| change(&mut r.service.tags))?,
            "task" => self
                .tasks
                .update(&format!("{scope}{path}"), |r| change(&mut r.task.tags))?,
            "container-instance" => self
                .instances
                .update(&format!("{scope}{path}"), |r| change(&mut r.instance.tags))?,
            "task-definition" => {
                let (family, revision) = path.rsplit_once(':').ok_or_else(not_found)?;
                let revision: i64 = revision.parse().map_err(|_| not_found())?;
                self.definitions
                    .update(&format!("{scope}{family}:{revision:010}"), |r| {
                        change(&mut r.tags)
                    })?
            }
            _ => None,
        };
        outcome.ok_or_else(not_found)
    }

    /// The tags of the resource `arn` names, read without writing.
    fn tags_of(&self, ctx: &Ctx, arn: &str) -> Result<Vec<Tag>, EcsError> {
        let not_found =
            || EcsError::InvalidParameter(format!("The specified resource is not found: {arn}"));
        let prefix = format!("arn:aws:ecs:{}:{}:", ctx.region, ctx.account_id);
        let resource = arn.strip_prefix(&prefix).ok_or_else(not_found)?;
        let (kind, path) = resource.split_once('/').ok_or_else(not_found)?;
        let scope = ctx.scope();
        let tags = match kind {
            "cluster" => self
                .clusters
                .get(&format!("{scope}{path}"))
                .map(|r| r.cluster.tags),
            "service" => self
                .services
                .get(&format!("{scope}{path}"))
                .map(|r| r.service.tags),
            "task" => self
                .tasks
                .get(&format!("{scope}{path}"))
                .map(|r| r.task.tags),
            "container-instance" => self
                .instances
                .get(&format!("{scope}{path}"))
                .map(|r| r.instance.tags),
            "task-definition" => path
                .rsplit_once(':')
                .and_then(|(family, revision)| Some((family, revision.parse::<i64>().ok()?)))
                .and_then(|(family, revision)| {
                    self.definitions
                        .get(&format!("{scope}{family}:{revision:010}"))
                })
                .map(|r| r.tags),
            _ => None,
        };
        tags.ok_or_else(not_found)
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
