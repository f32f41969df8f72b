//! Tags on parameters (ResourceType `Parameter`). Other resource types name records this
//! simulator does not keep, so their IDs are never found.

use sim_aws_shapes::ssm::{
    AddTagsToResourceRequest, AddTagsToResourceResult, ListTagsForResourceRequest,
    ListTagsForResourceResult, RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult,
};

use super::parameters::key;
use super::{Ssm, SsmError};
use crate::services::Ctx;

const MAX_TAGS: usize = 50;

fn invalid_resource_id() -> SsmError {
    SsmError::new("InvalidResourceId", "")
}

impl Ssm {
    /// The store key of the parameter a tagging request names.
    fn tagged_key(&self, ctx: &Ctx, resource_type: &str, id: &str) -> Result<String, SsmError> {
        if resource_type != "Parameter" {
            return Err(invalid_resource_id());
        }
        let record = self.lookup(ctx, id).ok_or_else(invalid_resource_id)?;
        Ok(key(ctx, &record.name))
    }

    pub(super) async fn add_tags_to_resource(
        &self,
        ctx: &Ctx,
        input: AddTagsToResourceRequest,
    ) -> Result<AddTagsToResourceResult, SsmError> {
        let key = self.tagged_key(ctx, &input.resource_type, &input.resource_id)?;
        self.parameters.modify(&key, |slot| {
            let record = slot.as_mut().ok_or_else(invalid_resource_id)?;
            for tag in input.tags {
                match record.tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value,
                    None => record.tags.push(tag),
                }
            }
            if record.tags.len() > MAX_TAGS {
                return Err(SsmError::new(
                    "TooManyTagsError",
                    "The Tags for the resource exceeds the limit.",
                ));
            }
            Ok(())
        })?;
        Ok(AddTagsToResourceResult {})
    }

    pub(super) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResult, SsmError> {
        let key = self.tagged_key(ctx, &input.resource_type, &input.resource_id)?;
        let record = self.parameters.get(&key).ok_or_else(invalid_resource_id)?;
        Ok(ListTagsForResourceResult {
            tag_list: Some(record.tags),
        })
    }

    pub(super) async fn remove_tags_from_resource(
        &self,
        ctx: &Ctx,
        input: RemoveTagsFromResourceRequest,
    ) -> Result<RemoveTagsFromResourceResult, SsmError> {
        let key = self.tagged_key(ctx, &input.resource_type, &input.resource_id)?;
        self.parameters.modify(&key, |slot| {
            let record = slot.as_mut().ok_or_else(invalid_resource_id)?;
            record.tags.retain(|tag| !input.tag_keys.contains(&tag.key));
            Ok::<_, SsmError>(())
        })?;
        Ok(RemoveTagsFromResourceResult {})
    }
}
