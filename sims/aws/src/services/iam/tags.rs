//! Tags on IAM entities: how a tag set changes (`Tag*`, `Untag*`, tags given at creation) and
//! how it is listed (`List*Tags`), with the differences AWS shows between entity types.
//!
//! Roles, users, instance profiles and most other entities match tag keys case-insensitively (a
//! new spelling replaces the old tag, and `mykey` with `MyKey` in one request is a duplicate);
//! customer managed policies keep keys case-sensitively (`a` and `A` are two tags) and list
//! them shortest key first. Both were recorded from AWS.
//!
//! What this module must not do: know where an entity is stored; callers hand it the tag list.

use sim_aws_shapes::iam::Tag;

use super::IamError;
use super::paging::{Page, paginate};

/// The most tags an IAM entity may carry.
const MAX_TAGS: usize = 50;

/// How an entity type treats tag keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagKeys {
    /// `Key` and `key` are the same tag (roles, users, instance profiles, ...).
    CaseInsensitive,
    /// `Key` and `key` are two tags (customer managed policies).
    CaseSensitive,
}

impl TagKeys {
    fn same(self, left: &str, right: &str) -> bool {
        match self {
            TagKeys::CaseInsensitive => left.eq_ignore_ascii_case(right),
            TagKeys::CaseSensitive => left == right,
        }
    }

    fn duplicate_message(self) -> &'static str {
        match self {
            TagKeys::CaseInsensitive => {
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            }
            TagKeys::CaseSensitive => "Duplicate tag keys found.",
        }
    }
}

/// Adds `new` to `tags`: a tag already present gets the new value (and spelling), and the result
/// may hold at most 50 tags. Nothing changes when the request is refused.
pub(crate) fn merge_tags(
    tags: &mut Vec<Tag>,
    new: Vec<Tag>,
    keys: TagKeys,
) -> Result<(), IamError> {
    for (index, tag) in new.iter().enumerate() {
        if new[..index]
            .iter()
            .any(|earlier| keys.same(&earlier.key, &tag.key))
        {
            return Err(IamError::InvalidInput(keys.duplicate_message().into()));
        }
    }
    let mut merged = tags.clone();
    for tag in new {
        match merged
            .iter_mut()
            .find(|existing| keys.same(&existing.key, &tag.key))
        {
            Some(existing) => *existing = tag,
            None => merged.push(tag),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(
            "The number of tags has reached the maximum limit.".into(),
        ));
    }
    *tags = merged;
    Ok(())
}

/// The tags a new entity starts with (validated as `Tag*` would).
pub(crate) fn initial_tags(new: Option<Vec<Tag>>, keys: TagKeys) -> Result<Vec<Tag>, IamError> {
    let mut tags = Vec::new();
    merge_tags(&mut tags, new.unwrap_or_default(), keys)?;
    Ok(tags)
}

/// Removes the tags with these keys; absent keys are ignored, as in IAM.
pub(crate) fn remove_tags(tags: &mut Vec<Tag>, removed: &[String], keys: TagKeys) {
    tags.retain(|tag| !removed.iter().any(|key| keys.same(key, &tag.key)));
}

/// `Tags` as an entity's answer carries it: absent when there are none.
pub(crate) fn present(tags: &[Tag]) -> Option<Vec<Tag>> {
    (!tags.is_empty()).then(|| tags.to_vec())
}

/// One page of an entity's tags: by key, or (case-sensitive keys, as policies list them)
/// shortest key first, then by key.
pub(crate) fn page_tags(
    tags: Vec<Tag>,
    keys: TagKeys,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<Page<Tag>, IamError> {
    let entries = tags
        .into_iter()
        .map(|tag| {
            let position = match keys {
                TagKeys::CaseInsensitive => tag.key.to_ascii_lowercase(),
                TagKeys::CaseSensitive => format!("{:03}{}", tag.key.len(), tag.key),
            };
            (position, tag)
        })
        .collect();
    paginate(entries, marker, max_items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    fn keys_of(tags: &[Tag]) -> Vec<&str> {
        tags.iter().map(|tag| tag.key.as_str()).collect()
    }

    #[test]
    fn case_insensitive_keys_replace_and_refuse_duplicates() {
        let mut tags = vec![tag("somekey", "a")];
        merge_tags(
            &mut tags,
            vec![tag("Somekey", "b")],
            TagKeys::CaseInsensitive,
        )
        .unwrap();
        assert_eq!(tags, [tag("Somekey", "b")]);
        let duplicate = merge_tags(
            &mut tags,
            vec![tag("k", "1"), tag("K", "2")],
            TagKeys::CaseInsensitive,
        );
        assert!(
            matches!(duplicate, Err(IamError::InvalidInput(m)) if m.contains("case insensitive"))
        );
        remove_tags(&mut tags, &["SOMEKEY".into()], TagKeys::CaseInsensitive);
        assert!(tags.is_empty());
    }

    #[test]
    fn case_sensitive_keys_are_distinct_and_list_shortest_first() {
        let mut tags = Vec::new();
        merge_tags(
            &mut tags,
            vec![
                tag("abc", "1"),
                tag("b", "2"),
                tag("z", "3"),
                tag("a", "4"),
                tag("A", "5"),
            ],
            TagKeys::CaseSensitive,
        )
        .unwrap();
        let page = page_tags(tags.clone(), TagKeys::CaseSensitive, None, None).unwrap();
        assert_eq!(keys_of(&page.items), ["A", "a", "b", "z", "abc"]);
        remove_tags(&mut tags, &["a".into()], TagKeys::CaseSensitive);
        assert_eq!(keys_of(&tags), ["abc", "b", "z", "A"]);
    }

    #[test]
    fn at_most_fifty_tags() {
        let mut tags: Vec<Tag> = (0..50).map(|n| tag(&n.to_string(), "")).collect();
        let refused = merge_tags(
            &mut tags,
            vec![tag("one-more", "")],
            TagKeys::CaseInsensitive,
        );
        assert!(matches!(refused, Err(IamError::LimitExceeded(_))));
        assert_eq!(tags.len(), 50);
        merge_tags(
            &mut tags,
            vec![tag("0", "changed")],
            TagKeys::CaseInsensitive,
        )
        .unwrap();
        assert_eq!(tags[0].value, "changed");
    }
}
