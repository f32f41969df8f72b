//! What every EC2 resource shares: its ID prefix and not-found error, its tags, the values it
//! offers each Describe filter, and one Describe over IDs, filters and pages.
//!
//! Filters follow EC2: filters are ANDed, a filter's values are ORed, values may use `*` and
//! `?` wildcards, `tag:KEY`, `tag-key` and `tag-value` work on every resource, and a name the
//! resource does not offer answers `InvalidParameterValue: The filter 'NAME' is invalid`.

use sim_aws_shapes::ec2::{Filter, Tag, TagSpecification};
use simkit::store::{Collection, Record};

use super::{Ctx, Ec2, Ec2Error, key};

/// An EC2 resource as a record.
pub(super) trait Resource: Record + Default {
    /// The type name in `TagSpecifications` and DescribeTags (`vpc`, `security-group`).
    const RESOURCE_TYPE: &'static str;
    /// The error code for an ID that does not exist (`InvalidVpcID.NotFound`).
    const NOT_FOUND: &'static str;

    /// The message for IDs that do not exist (EC2 words each type its own way).
    fn not_found_message(ids: &[String]) -> String;

    fn id(&self) -> &str;
    fn tags_slot(&mut self) -> &mut Option<Vec<Tag>>;
    fn tag_list(&self) -> &[Tag];

    /// The values this record offers filter `name`, or `None` if the type has no such filter.
    fn filter(&self, name: &str) -> Option<Vec<String>>;
}

/// The two tag accessors of a [`Resource`] whose tags live in one field of the record:
/// `tags_in!(tags)`, or `tags_in!(group.tags)` for a field of a field.
macro_rules! tags_in {
    ($($field:ident).+) => {
        fn tags_slot(&mut self) -> &mut Option<Vec<Tag>> {
            &mut self.$($field).+
        }
        fn tag_list(&self) -> &[Tag] {
            super::resources::tag_slice(&self.$($field).+)
        }
    };
}
pub(super) use tags_in;

/// `The vpc ID 'vpc-1' does not exist` / `The vpc IDs 'vpc-1, vpc-2' do not exist`.
pub(super) fn ids_do_not_exist(noun: &str, ids: &[String]) -> String {
    if ids.len() == 1 {
        format!("The {noun} ID '{}' does not exist", ids[0])
    } else {
        format!("The {noun} IDs '{}' do not exist", ids.join(", "))
    }
}

/// A filter value from an optional member.
pub(super) fn one(value: &Option<String>) -> Vec<String> {
    value.iter().cloned().collect()
}

pub(super) fn flag(value: Option<bool>) -> Vec<String> {
    value.map(|v| v.to_string()).into_iter().collect()
}

/// EC2's wildcards: `*` any run of characters, `?` any one.
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// The values of `record` for filter `name`, including the tag filters every type has.
fn values_of<R: Resource>(record: &R, name: &str) -> Option<Vec<String>> {
    if let Some(tag_key) = name.strip_prefix("tag:") {
        return Some(
            record
                .tag_list()
                .iter()
                .filter(|tag| tag.key.as_deref() == Some(tag_key))
                .filter_map(|tag| tag.value.clone())
                .collect(),
        );
    }
    match name {
        "tag-key" => Some(
            record
                .tag_list()
                .iter()
                .filter_map(|t| t.key.clone())
                .collect(),
        ),
        "tag-value" => Some(
            record
                .tag_list()
                .iter()
                .filter_map(|t| t.value.clone())
                .collect(),
        ),
        _ => record.filter(name),
    }
}

/// Checks every filter name against what `R` offers.
pub(super) fn check_filters<R: Resource>(filters: &[Filter]) -> Result<(), Ec2Error> {
    let probe = R::default();
    for filter in filters {
        let name = filter.name.as_deref().unwrap_or_default();
        if values_of(&probe, name).is_none() {
            return Err(Ec2Error::invalid_value(format!(
                "The filter '{name}' is invalid"
            )));
        }
    }
    Ok(())
}

/// Whether `record` passes every filter.
pub(super) fn matches<R: Resource>(record: &R, filters: &[Filter]) -> bool {
    filters.iter().all(|filter| {
        let name = filter.name.as_deref().unwrap_or_default();
        let have = values_of(record, name).unwrap_or_default();
        let wanted = filter.values.as_deref().unwrap_or_default();
        wanted
            .iter()
            .any(|pattern| have.iter().any(|value| glob(pattern, value)))
    })
}

/// What a Describe asks for.
pub(super) struct Query<'a> {
    pub ids: Option<&'a [String]>,
    pub filters: Option<&'a [Filter]>,
    pub max_results: Option<i32>,
    pub next_token: Option<&'a str>,
}

impl Ec2 {
    /// The record `id` of this account and region, or EC2's not-found error.
    pub(super) fn find<R: Resource>(
        &self,
        collection: &Collection<R>,
        ctx: &Ctx,
        id: &str,
    ) -> Result<R, Ec2Error> {
        collection
            .get(&key(ctx, id))
            .ok_or_else(|| Ec2Error::new(R::NOT_FOUND, R::not_found_message(&[id.to_string()])))
    }

    /// One Describe: the records named (each must exist), passing the filters, one page.
    pub(super) fn describe<R: Resource>(
        &self,
        collection: &Collection<R>,
        ctx: &Ctx,
        query: Query<'_>,
    ) -> Result<(Vec<R>, Option<String>), Ec2Error> {
        let filters = query.filters.unwrap_or_default();
        check_filters::<R>(filters)?;
        let all = collection.scan_prefix(&ctx.scope());
        let ids = query.ids.unwrap_or_default();
        if !ids.is_empty() {
            let missing: Vec<String> = ids
                .iter()
                .filter(|id| !all.iter().any(|(_, record)| record.id() == id.as_str()))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(Ec2Error::new(R::NOT_FOUND, R::not_found_message(&missing)));
            }
        }
        let entries: Vec<(String, R)> = all
            .into_iter()
            .filter(|(_, record)| ids.is_empty() || ids.iter().any(|id| id == record.id()))
            .filter(|(_, record)| matches(record, filters))
            .map(|(_, record)| (record.id().to_string(), record))
            .collect();
        page(entries, query.max_results, query.next_token)
    }
}

/// One page of a Describe; without `MaxResults`, everything.
pub(super) fn page<T>(
    entries: Vec<(String, T)>,
    max_results: Option<i32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), Ec2Error> {
    let size = match max_results {
        Some(size) if size < 1 => {
            return Err(Ec2Error::invalid_value(format!(
                "Value ( {size} ) for parameter maxResults is invalid. Expecting a value greater than 0."
            )));
        }
        Some(size) => size as usize,
        None => usize::MAX,
    };
    let page = super::super::paging::page(entries, next_token, size).map_err(|_| {
        Ec2Error::new(
            "InvalidNextToken",
            format!("The token '{}' is invalid.", next_token.unwrap_or_default()),
        )
    })?;
    Ok((page.items, page.next))
}

/// The tags `TagSpecifications` give a resource of `resource_type`; a specification for
/// another type is refused, as EC2 does.
pub(super) fn tags_for(
    specifications: Option<&[TagSpecification]>,
    resource_type: &str,
) -> Result<Option<Vec<Tag>>, Ec2Error> {
    let mut tags = Vec::new();
    for specification in specifications.unwrap_or_default() {
        let kind = specification.resource_type.as_deref().unwrap_or_default();
        if kind != resource_type {
            return Err(Ec2Error::invalid_value(format!(
                "'{kind}' is not a valid taggable resource type for this operation."
            )));
        }
        for tag in specification.tags.iter().flatten() {
            check_tag(tag)?;
            tags.retain(|kept: &Tag| kept.key != tag.key);
            tags.push(tag.clone());
        }
    }
    Ok(if tags.is_empty() { None } else { Some(tags) })
}

/// EC2's tag rules: a key of 1 to 127 characters not starting `aws:`, a value up to 255.
pub(super) fn check_tag(tag: &Tag) -> Result<(), Ec2Error> {
    let key = tag.key.as_deref().unwrap_or_default();
    if key.is_empty() {
        return Err(Ec2Error::invalid_value(
            "Tag keys must have at least 1 character.".to_string(),
        ));
    }
    if key.chars().count() > 127 {
        return Err(Ec2Error::invalid_value(format!(
            "Tag key exceeds the maximum length of 127 characters: {key}"
        )));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(Ec2Error::invalid_value(
            "Tag keys starting with 'aws:' are reserved for internal use".to_string(),
        ));
    }
    if tag.value.as_deref().unwrap_or_default().chars().count() > 255 {
        return Err(Ec2Error::invalid_value(format!(
            "Tag value exceeds the maximum length of 255 characters: {}",
            tag.value.as_deref().unwrap_or_default()
        )));
    }
    Ok(())
}

/// A record's tags: `None` when it has none, as EC2 leaves the member out.
pub(super) fn tag_slice(tags: &Option<Vec<Tag>>) -> &[Tag] {
    tags.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn wildcards() {
        assert!(glob("vpc-*", "vpc-0123"));
        assert!(glob("*", ""));
        assert!(glob("us-east-1?", "us-east-1a"));
        assert!(!glob("us-east-1?", "us-east-1"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
        assert!(glob("exact", "exact"));
    }
}
