//! Tags of file systems and access points: the legacy CreateTags/DeleteTags/DescribeTags (file
//! systems only, paged by Marker) and TagResource/UntagResource/ListTagsForResource. A `Name`
//! tag is also the file system's or access point's name.

use sim_aws_shapes::efs::{
    CreateTagsRequest, DeleteTagsRequest, DescribeTagsRequest, DescribeTagsResponse,
    ListTagsForResourceRequest, ListTagsForResourceResponse, Tag, TagResourceRequest,
    UntagResourceRequest,
};

use super::access_points::access_point_not_found;
use super::{Ctx, Efs, EfsError, key};
use crate::services::paging;

const TAGS_PER_RESOURCE: usize = 50;

fn merge(tags: &mut Vec<Tag>, added: Vec<Tag>) -> Result<(), EfsError> {
    for tag in added {
        if tag.key.starts_with("aws:") {
            return Err(EfsError::Validation(
                "Tag keys starting with 'aws:' are reserved.".into(),
            ));
        }
        match tags.iter_mut().find(|have| have.key == tag.key) {
            Some(have) => have.value = tag.value,
            None => tags.push(tag),
        }
    }
    if tags.len() > TAGS_PER_RESOURCE {
        return Err(EfsError::Validation(format!(
            "A resource can have at most {TAGS_PER_RESOURCE} tags."
        )));
    }
    Ok(())
}

fn name_of(tags: &[Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key == "Name")
        .map(|t| t.value.clone())
}

impl Efs {
    /// Changes the tags of a file system (`fs-`) or access point (`fsap-`).
    fn retag(
        &self,
        ctx: &Ctx,
        resource_id: &str,
        change: impl FnOnce(&mut Vec<Tag>) -> Result<(), EfsError>,
    ) -> Result<(), EfsError> {
        if resource_id.starts_with("fsap-") {
            self.access_points.modify(&key(ctx, resource_id), |slot| {
                let point = slot
                    .as_mut()
                    .ok_or_else(|| access_point_not_found(resource_id))?;
                let tags = point.tags.get_or_insert_with(Vec::new);
                change(tags)?;
                point.name = name_of(tags);
                Ok(())
            })
        } else {
            self.file_systems.modify(&key(ctx, resource_id), |slot| {
                let fs = slot
                    .as_mut()
                    .ok_or_else(|| EfsError::file_system_not_found(resource_id))?;
                change(&mut fs.description.tags)?;
                fs.description.name = name_of(&fs.description.tags);
                Ok(())
            })
        }
    }

    fn tags_of(&self, ctx: &Ctx, resource_id: &str) -> Result<Vec<Tag>, EfsError> {
        if resource_id.starts_with("fsap-") {
            let point = self
                .access_point(ctx, resource_id)
                .ok_or_else(|| access_point_not_found(resource_id))?;
            Ok(point.tags.unwrap_or_default())
        } else {
            Ok(self.find_file_system(ctx, resource_id)?.description.tags)
        }
    }

    pub(super) async fn create_tags(
        &self,
        ctx: &Ctx,
        input: CreateTagsRequest,
    ) -> Result<(), EfsError> {
        self.retag(ctx, &input.file_system_id, |tags| merge(tags, input.tags))
    }

    pub(super) async fn delete_tags(
        &self,
        ctx: &Ctx,
        input: DeleteTagsRequest,
    ) -> Result<(), EfsError> {
        self.retag(ctx, &input.file_system_id, |tags| {
            tags.retain(|t| !input.tag_keys.contains(&t.key));
            Ok(())
        })
    }

    pub(super) async fn describe_tags(
        &self,
        ctx: &Ctx,
        input: DescribeTagsRequest,
    ) -> Result<DescribeTagsResponse, EfsError> {
        let tags = self
            .find_file_system(ctx, &input.file_system_id)?
            .description
            .tags;
        let entries = tags.into_iter().map(|t| (t.key.clone(), t)).collect();
        let size = input.max_items.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.marker.as_deref(), size)
            .map_err(|_| EfsError::BadRequest("Invalid Marker".into()))?;
        Ok(DescribeTagsResponse {
            marker: input.marker,
            tags: page.items,
            next_marker: page.next,
        })
    }

    pub(super) async fn tag_resource(
        &self,
        ctx: &Ctx,
        input: TagResourceRequest,
    ) -> Result<(), EfsError> {
        self.retag(ctx, &input.resource_id, |tags| merge(tags, input.tags))
    }

    pub(super) async fn untag_resource(
        &self,
        ctx: &Ctx,
        input: UntagResourceRequest,
    ) -> Result<(), EfsError> {
        self.retag(ctx, &input.resource_id, |tags| {
            tags.retain(|t| !input.tag_keys.contains(&t.key));
            Ok(())
        })
    }

    pub(super) async fn list_tags_for_resource(
        &self,
        ctx: &Ctx,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse, EfsError> {
        let tags = self.tags_of(ctx, &input.resource_id)?;
        let entries = tags.into_iter().map(|t| (t.key.clone(), t)).collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| EfsError::BadRequest("Invalid NextToken".into()))?;
        Ok(ListTagsForResourceResponse {
            tags: Some(page.items),
            next_token: page.next,
        })
    }
}
