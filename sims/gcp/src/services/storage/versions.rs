//! Object versioning: noncurrent generations kept when a versioned bucket's live object is
//! overwritten or deleted, and the `versions=true` listing that shows them beside the live ones.
//!
//! A noncurrent generation keeps its metadata and bytes, gains `timeDeleted` (when it stopped
//! being live), and is stored under `BUCKET/NAME\0GENERATION` (generation zero-padded), so one
//! object's generations sort oldest first right after its name. The listing orders entries by
//! name and then generation, folds names past the delimiter into prefixes, and pages to the
//! entry: a token names the last item (`NAME\0GENERATION`) or prefix a page held.
//!
//! Must not: see HTTP; drop a generation's file while a record still names it.

use sim_gcp_shapes::storage_v1::{Object, Objects};
use simkit::store::Txn;

use super::{Links, ListObjects, ObjectRecord, Storage, bucket_not_found};
use crate::error::GcpError;
use crate::protocol::paging;

/// Where noncurrent generation `generation` of `bucket/name` is kept.
pub fn noncurrent_key(bucket: &str, name: &str, generation: i64) -> String {
    format!("{bucket}/{name}\0{generation:020}")
}

/// One entry of a versioned listing, with the key it sorts and pages by.
enum Entry {
    Item(String, Box<Object>),
    Prefix(String),
}

impl Entry {
    fn key(&self) -> &str {
        match self {
            Entry::Item(key, _) | Entry::Prefix(key) => key,
        }
    }
}

impl Storage {
    /// Keeps `record`, the live generation of `bucket/name` until now, as a noncurrent one.
    pub(super) fn keep_noncurrent(
        &self,
        txn: &mut Txn<'_>,
        bucket: &str,
        name: &str,
        mut record: ObjectRecord,
        now: &str,
    ) -> Result<(), GcpError> {
        let generation = record.object.generation.unwrap_or(0);
        record.object.time_deleted = Some(now.to_string());
        txn.insert(
            &self.noncurrent,
            &noncurrent_key(bucket, name, generation),
            record,
        )?;
        Ok(())
    }

    /// `objects.list` with `versions=true`: live and noncurrent generations.
    pub(super) fn list_object_versions(
        &self,
        bucket: &str,
        list: &ListObjects,
        links: &Links,
    ) -> Result<Objects, GcpError> {
        if !self.buckets.contains(bucket) {
            return Err(bucket_not_found());
        }
        let page_size = paging::page_size(list.max_results, 1000, 1000)?;
        let after = paging::resume_after(list.page_token.as_deref())?;
        let prefix = list.prefix.clone().unwrap_or_default();
        let delimiter = list.delimiter.clone().filter(|d| !d.is_empty());
        let key_prefix = format!("{bucket}/{prefix}");
        let name_of = |key: &str| key[bucket.len() + 1..].to_string();
        let mut generations: Vec<(String, i64, Object)> = Vec::new();
        for (key, record) in self.objects.scan_prefix(&key_prefix) {
            let generation = record.object.generation.unwrap_or(0);
            generations.push((name_of(&key), generation, record.object));
        }
        for (key, record) in self.noncurrent.scan_prefix(&key_prefix) {
            let name = name_of(key.split('\0').next().unwrap_or(&key));
            let generation = record.object.generation.unwrap_or(0);
            generations.push((name, generation, record.object));
        }
        generations.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut entries: Vec<Entry> = Vec::new();
        let mut seen_prefixes = std::collections::HashSet::new();
        for (name, generation, object) in generations {
            if list
                .start_offset
                .as_ref()
                .is_some_and(|start| name.as_str() < start.as_str())
                || list
                    .end_offset
                    .as_ref()
                    .is_some_and(|end| name.as_str() >= end.as_str())
            {
                continue;
            }
            let rest = &name[prefix.len()..];
            let common = delimiter.as_ref().and_then(|d| {
                rest.find(d.as_str())
                    .map(|at| format!("{prefix}{}", &rest[..at + d.len()]))
            });
            match common {
                Some(common) => {
                    if list.include_trailing_delimiter && name == common {
                        entries.push(Entry::Item(
                            format!("{name}\0{generation:020}"),
                            Box::new(self.with_object_links(object, links)),
                        ));
                    }
                    if seen_prefixes.insert(common.clone()) {
                        entries.push(Entry::Prefix(common));
                    }
                }
                None => entries.push(Entry::Item(
                    format!("{name}\0{generation:020}"),
                    Box::new(self.with_object_links(object, links)),
                )),
            }
        }
        let delimited = delimiter.is_some();
        let remaining = entries.into_iter().filter(|entry| match &after {
            None => true,
            Some(after) => {
                entry.key() > after.as_str()
                    && !(delimited
                        && after.ends_with(delimiter.as_deref().unwrap_or_default())
                        && entry.key().starts_with(after.as_str()))
            }
        });
        let mut items = Vec::new();
        let mut prefixes = Vec::new();
        let mut last = None;
        let mut next_token = None;
        for entry in remaining {
            if items.len() + prefixes.len() == page_size {
                next_token = last.as_deref().map(paging::token);
                break;
            }
            last = Some(entry.key().to_string());
            match entry {
                Entry::Item(_, object) => items.push(*object),
                Entry::Prefix(prefix) => prefixes.push(prefix),
            }
        }
        Ok(Objects {
            kind: Some("storage#objects".into()),
            items: (!items.is_empty()).then_some(items),
            prefixes: (!prefixes.is_empty()).then_some(prefixes),
            next_page_token: next_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noncurrent_keys_sort_by_name_then_generation() {
        let mut keys = vec![
            noncurrent_key("b", "a", 20),
            noncurrent_key("b", "a", 3),
            noncurrent_key("b", "a/b", 1),
            noncurrent_key("b", "a!", 1),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                noncurrent_key("b", "a", 3),
                noncurrent_key("b", "a", 20),
                noncurrent_key("b", "a!", 1),
                noncurrent_key("b", "a/b", 1),
            ]
        );
    }
}
