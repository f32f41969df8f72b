//! Tags on the resources this simulator keeps: parameters (`Parameter`), documents
//! (`Document`), maintenance windows (`MaintenanceWindow`), patch baselines (`PatchBaseline`),
//! associations (`Association`), OpsItems (`OpsItem`) and OpsMetadata (`OpsMetadata`). Any other resource type names records the simulator does not keep, so
//! their IDs are never found.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sim_aws_shapes::ssm::{
    AddTagsToResourceRequest, AddTagsToResourceResult, ListTagsForResourceRequest,
    ListTagsForResourceResult, RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult, Tag,
};
use simkit::store::Collection;

use super::documents::document_key;
use super::parameters::key;
use super::{Ssm, SsmError};
use crate::services::Ctx;

const MAX_TAGS: usize = 50;

fn invalid_resource_id() -> SsmError {
    SsmError::new("InvalidResourceId", "")
}

/// A record that carries tags.
pub(super) trait Tagged:
    Clone + Serialize + DeserializeOwned + Send + Sync + 'static
{
    fn tags_mut(&mut self) -> &mut Vec<Tag>;
}

/// Records whose tags live in a `tags` field.
macro_rules! tagged {
    ($($record:ty),* $(,)?) => {$(
        impl Tagged for $record {
            fn tags_mut(&mut self) -> &mut Vec<Tag> {
                &mut self.tags
            }
        }
    )*};
}

tagged!(
    super::ParameterRecord,
    super::documents::DocumentRecord,
    super::windows::WindowRecord,
    super::associations::AssociationRecord,
    super::opsitems::OpsItemRecord,
    super::opsitems::OpsMetadataRecord,
    super::baselines::BaselineRecord,
);

/// Applies `change` to the tags of the record under `key`; returns the tags after it.
fn change_tags<V: Tagged>(
    collection: &Arc<Collection<V>>,
    key: &str,
    change: impl FnOnce(&mut Vec<Tag>) -> Result<(), SsmError>,
) -> Result<Vec<Tag>, SsmError> {
    collection.modify(key, |slot| {
        let record = slot.as_mut().ok_or_else(invalid_resource_id)?;
        change(record.tags_mut())?;
        Ok(record.tags_mut().clone())
    })
}

impl Ssm {
    /// Applies `change` to the tags of the resource a tagging request names.
    fn with_tags(
        &self,
        ctx: &Ctx,
        resource_type: &str,
        id: &str,
        change: impl FnOnce(&mut Vec<Tag>) -> Result<(), SsmError>,
    ) -> Result<Vec<Tag>, SsmError> {
        match resource_type {
            "Parameter" => {
                let record = self.lookup(ctx, id).ok_or_else(invalid_resource_id)?;
                change_tags(&self.parameters, &key(ctx, &record.name), change)
            }
            "Document" => change_tags(&self.documents, &document_key(ctx, id), change),
            "MaintenanceWindow" => {
                change_tags(&self.windows, &format!("{}{id}", ctx.scope()), change)
            }
            "PatchBaseline" => {
                change_tags(&self.baselines, &format!("{}{id}", ctx.scope()), change)
            }
            "Association" => {
                change_tags(&self.associations, &format!("{}{id}", ctx.scope()), change)
            }
            "OpsItem" => change_tags(&self.ops_items, &format!("{}{id}", ctx.scope()), change),
            "OpsMetadata" => change_tags(
                &self.ops_metadata,
                &format!("{}{}", ctx.scope(), Self::metadata_arn(ctx, id)),
                change,
            ),
            _ => Err(invalid_resource_id()),
        }
    }

    /// The tags of the resource a request names (a read: nothing is written).
    fn tags_of(&self, ctx: &Ctx, resource_type: &str, id: &str) -> Result<Vec<Tag>, SsmError> {
        fn read<V: Tagged>(collection: &Collection<V>, key: &str) -> Option<Vec<Tag>> {
            collection
                .get(key)
                .map(|mut record| record.tags_mut().clone())
        }
        let scoped = format!("{}{id}", ctx.scope());
        match resource_type {
            "Parameter" => self.lookup(ctx, id).map(|record| record.tags),
            "Document" => read(&self.documents, &document_key(ctx, id)),
            "MaintenanceWindow" => read(&self.windows, &scoped),
            "PatchBaseline" => read(&self.baselines, &scoped),
            "Association" => read(&self.associations, &scoped),
            "OpsItem" => read(&self.ops_items, &scoped),
            "OpsMetadata" => read(
                &self.ops_metadata,
                &format!("{}{}", ctx.scope(), Self::metadata_arn(ctx, id)),
            ),
            _ => None,
        }
        .ok_or_else(invalid_resource_id)
    }

    pub(super) async fn add_tags_to_resource(
        &self,
        ctx: &Ctx,
        input: AddTagsToResourceRequest,
    ) -> Result<AddTagsToResourceResult, SsmError> {
        self.with_tags(ctx, &input.resource_type, &input.resource_id, |tags| {
            for tag in input.tags {
                match tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value,
                    None => tags.push(tag),
                }
            }
            if tags.len() > MAX_TAGS {
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
        let tags = self.tags_of(ctx, &input.resource_type, &input.resource_id)?;
        Ok(ListTagsForResourceResult {
            tag_list: Some(tags),
        })
    }

    pub(super) async fn remove_tags_from_resource(
        &self,
        ctx: &Ctx,
        input: RemoveTagsFromResourceRequest,
    ) -> Result<RemoveTagsFromResourceResult, SsmError> {
        self.with_tags(ctx, &input.resource_type, &input.resource_id, |tags| {
            tags.retain(|tag| !input.tag_keys.contains(&tag.key));
            Ok(())
        })?;
        Ok(RemoveTagsFromResourceResult {})
    }
}
