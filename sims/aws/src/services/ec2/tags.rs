//! CreateTags, DeleteTags and DescribeTags over every EC2 resource, found by its ID prefix.
//! A resource holds at most 50 tags; a tag on a security group rule lives on the rule.

use sim_aws_shapes::ec2::{
    CreateTagsRequest, DeleteTagsRequest, DescribeTagsRequest, DescribeTagsResult, Tag,
    TagDescription,
};
use simkit::store::Collection;

use super::resources::{Resource, check_tag, glob, page};
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

const TAGS_PER_RESOURCE: usize = 50;

/// A change to a resource's tag list.
type Retag<'a> = &'a dyn Fn(&mut Option<Vec<Tag>>) -> Result<(), Ec2Error>;

impl Ec2 {
    /// Applies `change` to the tags of one resource of type `R`.
    fn retag_in<R: Resource>(
        &self,
        collection: &Collection<R>,
        ctx: &Ctx,
        id: &str,
        change: Retag<'_>,
    ) -> Result<(), Ec2Error> {
        self.find(collection, ctx, id)?;
        collection.modify(&key(ctx, id), |slot| match slot.as_mut() {
            Some(record) => change(record.tags_slot()),
            None => Ok(()),
        })
    }

    /// Applies `change` to the tags of the resource `id`, whatever its type.
    fn retag(&self, ctx: &Ctx, id: &str, change: Retag<'_>) -> Result<(), Ec2Error> {
        let prefix = id.split('-').next().unwrap_or_default();
        match prefix {
            "vpc" if id.starts_with("vpce-") => self.retag_in(&self.endpoints, ctx, id, change),
            "vpc" => self.retag_in(&self.vpcs, ctx, id, change),
            "subnet" => self.retag_in(&self.subnets, ctx, id, change),
            "sg" => self.retag_in(&self.security_groups, ctx, id, change),
            "igw" => self.retag_in(&self.internet_gateways, ctx, id, change),
            "eigw" => self.retag_in(&self.egress_only_gateways, ctx, id, change),
            "nat" => self.retag_in(&self.nat_gateways, ctx, id, change),
            "eipalloc" => self.retag_in(&self.addresses, ctx, id, change),
            "rtb" => self.retag_in(&self.route_tables, ctx, id, change),
            "acl" => self.retag_in(&self.network_acls, ctx, id, change),
            "dopt" => self.retag_in(&self.dhcp_options, ctx, id, change),
            "eni" => self.retag_in(&self.interfaces, ctx, id, change),
            "sgr" => {
                let holder = self
                    .security_groups
                    .scan_prefix(&ctx.scope())
                    .into_iter()
                    .find(|(_, g)| {
                        g.rules
                            .iter()
                            .any(|r| r.security_group_rule_id.as_deref() == Some(id))
                    });
                let Some((record_key, _)) = holder else {
                    return Err(Ec2Error::new(
                        "InvalidSecurityGroupRuleId.NotFound",
                        format!("The security group rule ID '{id}' does not exist"),
                    ));
                };
                self.security_groups.modify(&record_key, |slot| {
                    let Some(group) = slot.as_mut() else {
                        return Ok(());
                    };
                    match group
                        .rules
                        .iter_mut()
                        .find(|r| r.security_group_rule_id.as_deref() == Some(id))
                    {
                        Some(rule) => change(&mut rule.tags),
                        None => Ok(()),
                    }
                })
            }
            _ => Err(Ec2Error::new(
                "InvalidID",
                format!("The ID '{id}' is not valid"),
            )),
        }
    }

    pub(super) async fn create_tags(
        &self,
        ctx: &Ctx,
        input: CreateTagsRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        for tag in &input.tags {
            check_tag(tag)?;
        }
        let add = |slot: &mut Option<Vec<Tag>>| {
            let tags = slot.get_or_insert_with(Vec::new);
            for tag in &input.tags {
                let tag = Tag {
                    key: tag.key.clone(),
                    value: Some(tag.value.clone().unwrap_or_default()),
                };
                match tags.iter_mut().find(|have| have.key == tag.key) {
                    Some(have) => *have = tag,
                    None => tags.push(tag),
                }
            }
            if tags.len() > TAGS_PER_RESOURCE {
                return Err(Ec2Error::new(
                    "TagLimitExceeded",
                    "The maximum number of Tags for a resource has been reached.",
                ));
            }
            Ok(())
        };
        for id in &input.resources {
            self.retag(ctx, id, &add)?;
        }
        Ok(())
    }

    pub(super) async fn delete_tags(
        &self,
        ctx: &Ctx,
        input: DeleteTagsRequest,
    ) -> Result<(), Ec2Error> {
        dry_run(input.dry_run)?;
        let doomed = input.tags;
        let remove = |slot: &mut Option<Vec<Tag>>| {
            let Some(tags) = slot.as_mut() else {
                return Ok(());
            };
            match &doomed {
                // No tags named: every tag goes.
                None => tags.clear(),
                Some(doomed) => tags.retain(|have| {
                    !doomed.iter().any(|gone| {
                        gone.key == have.key && (gone.value.is_none() || gone.value == have.value)
                    })
                }),
            }
            Ok(())
        };
        for id in &input.resources {
            self.retag(ctx, id, &remove)?;
        }
        Ok(())
    }

    /// Every tag of every resource in this account and region.
    fn every_tag(&self, ctx: &Ctx) -> Vec<TagDescription> {
        fn of<R: Resource>(collection: &Collection<R>, ctx: &Ctx, out: &mut Vec<TagDescription>) {
            for (_, record) in collection.scan_prefix(&ctx.scope()) {
                for tag in record.tag_list() {
                    out.push(TagDescription {
                        key: tag.key.clone(),
                        resource_id: Some(record.id().to_string()),
                        resource_type: Some(R::RESOURCE_TYPE.to_string()),
                        value: Some(tag.value.clone().unwrap_or_default()),
                    });
                }
            }
        }
        let mut out = Vec::new();
        of(&self.vpcs, ctx, &mut out);
        of(&self.subnets, ctx, &mut out);
        of(&self.security_groups, ctx, &mut out);
        of(&self.internet_gateways, ctx, &mut out);
        of(&self.egress_only_gateways, ctx, &mut out);
        of(&self.nat_gateways, ctx, &mut out);
        of(&self.addresses, ctx, &mut out);
        of(&self.route_tables, ctx, &mut out);
        of(&self.network_acls, ctx, &mut out);
        of(&self.dhcp_options, ctx, &mut out);
        of(&self.endpoints, ctx, &mut out);
        of(&self.interfaces, ctx, &mut out);
        for (_, group) in self.security_groups.scan_prefix(&ctx.scope()) {
            for rule in group.rules {
                for tag in rule.tags.iter().flatten() {
                    out.push(TagDescription {
                        key: tag.key.clone(),
                        resource_id: rule.security_group_rule_id.clone(),
                        resource_type: Some("security-group-rule".into()),
                        value: Some(tag.value.clone().unwrap_or_default()),
                    });
                }
            }
        }
        out
    }

    pub(super) async fn describe_tags(
        &self,
        ctx: &Ctx,
        input: DescribeTagsRequest,
    ) -> Result<DescribeTagsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let filters = input.filters.unwrap_or_default();
        for filter in &filters {
            let name = filter.name.as_deref().unwrap_or_default();
            if !matches!(name, "key" | "resource-id" | "resource-type" | "value")
                && !name.starts_with("tag:")
            {
                return Err(Ec2Error::invalid_value(format!(
                    "The filter '{name}' is invalid"
                )));
            }
        }
        let passes = |tag: &TagDescription| {
            filters.iter().all(|filter| {
                let name = filter.name.as_deref().unwrap_or_default();
                let have = match name {
                    "key" => tag.key.clone(),
                    "resource-id" => tag.resource_id.clone(),
                    "resource-type" => tag.resource_type.clone(),
                    "value" => tag.value.clone(),
                    _ => {
                        let wanted_key = name.trim_start_matches("tag:");
                        if tag.key.as_deref() != Some(wanted_key) {
                            return false;
                        }
                        tag.value.clone()
                    }
                };
                let have = have.unwrap_or_default();
                filter
                    .values
                    .iter()
                    .flatten()
                    .any(|pattern| glob(pattern, &have))
            })
        };
        let entries = self
            .every_tag(ctx)
            .into_iter()
            .filter(|tag| passes(tag))
            .map(|tag| {
                let position = format!(
                    "{}\u{0}{}",
                    tag.resource_id.as_deref().unwrap_or_default(),
                    tag.key.as_deref().unwrap_or_default()
                );
                (position, tag)
            })
            .collect();
        let (tags, next_token) = page(entries, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeTagsResult {
            tags: Some(tags),
            next_token,
        })
    }
}
