//! Listings: ListObjects (markers), ListObjectsV2 (continuation tokens, StartAfter),
//! ListObjectVersions (key and version markers), with prefix, delimiter (keys folded into
//! CommonPrefixes, each counted once against MaxKeys) and `EncodingType=url`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::s3::{
    CommonPrefix, DeleteMarkerEntry, ListObjectVersionsOutput, ListObjectVersionsRequest,
    ListObjectsOutput, ListObjectsRequest, ListObjectsV2Output, ListObjectsV2Request, Object,
    ObjectVersion, Owner,
};

use super::{ObjectRecord, S3, S3Error, canonical_id, invalid_argument};
use crate::services::{Ctx, paging};

/// What S3 escapes under `EncodingType=url`: everything but unreserved characters and `/`.
const URL_ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// One listed entry: an object (or version) or a common prefix.
enum Entry<T> {
    Item(String, T),
    Prefix(String),
}

/// A page of entries.
struct Listed<T> {
    items: Vec<T>,
    prefixes: Vec<String>,
    truncated: bool,
    /// The key or prefix of the last entry returned.
    last: Option<String>,
}

/// Folds `entries` (key order) into a page of at most `max` entries after `after`.
fn fold<T>(
    entries: impl Iterator<Item = (String, T)>,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max: usize,
) -> Listed<T> {
    let mut page = Listed {
        items: Vec::new(),
        prefixes: Vec::new(),
        truncated: false,
        last: None,
    };
    let mut count = 0usize;
    for (key, item) in entries {
        if !key.starts_with(prefix) {
            continue;
        }
        let entry = match delimiter.filter(|d| !d.is_empty()) {
            Some(delimiter) => match key[prefix.len()..].find(delimiter) {
                Some(at) => Entry::Prefix(key[..prefix.len() + at + delimiter.len()].to_string()),
                None => Entry::Item(key, item),
            },
            None => Entry::Item(key, item),
        };
        match &entry {
            Entry::Item(key, _) => {
                if after.is_some_and(|after| key.as_str() <= after) {
                    continue;
                }
            }
            Entry::Prefix(common) => {
                if after.is_some_and(|after| {
                    common.as_str() <= after || after.starts_with(common.as_str())
                }) || page.prefixes.last() == Some(common)
                {
                    continue;
                }
            }
        }
        if count == max {
            page.truncated = true;
            break;
        }
        count += 1;
        match entry {
            Entry::Item(key, item) => {
                page.last = Some(key);
                page.items.push(item);
            }
            Entry::Prefix(common) => {
                page.last = Some(common.clone());
                page.prefixes.push(common);
            }
        }
    }
    page
}

fn encode_if(url: bool, text: String) -> String {
    if url {
        utf8_percent_encode(&text, URL_ENCODED).to_string()
    } else {
        text
    }
}

fn check_encoding(encoding: Option<&str>) -> Result<bool, S3Error> {
    match encoding {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(other) => Err(
            invalid_argument("Invalid Encoding Method specified in Request")
                .with("ArgumentName", "encoding-type")
                .with("ArgumentValue", other),
        ),
    }
}

fn max_keys(requested: Option<i32>) -> Result<usize, S3Error> {
    match requested {
        None => Ok(1000),
        Some(max) if max < 0 => Err(invalid_argument(
            "Provided max-keys not an integer or within integer range",
        )
        .with("ArgumentName", "max-keys")
        .with("ArgumentValue", max.to_string())),
        Some(max) => Ok((max as usize).min(1000)),
    }
}

fn object_of(object: &ObjectRecord, url: bool, owner: bool) -> Object {
    Object {
        key: Some(encode_if(url, object.key.clone())),
        last_modified: Some(Timestamp::from_millis(object.last_modified_ms)),
        e_tag: Some(object.etag.clone()),
        checksum_algorithm: object.checksum.as_ref().map(|(a, _)| vec![a.clone()]),
        checksum_type: object.checksum_type.clone(),
        size: Some(object.size as i64),
        storage_class: Some(
            object
                .storage_class
                .clone()
                .unwrap_or_else(|| "STANDARD".to_string()),
        ),
        owner: owner.then(|| Owner {
            id: Some(canonical_id(&object.owner_account)),
            display_name: None,
        }),
        restore_status: None,
    }
}

impl S3 {
    /// The newest version of each key of `bucket` under `prefix` that is not a delete marker,
    /// in key order.
    fn current_objects(&self, bucket: &str, prefix: &str) -> Vec<(String, ObjectRecord)> {
        let mut current: Vec<(String, ObjectRecord)> = Vec::new();
        let mut last_key: Option<String> = None;
        for (_, object) in self.objects.scan_prefix(&format!("{bucket}\0{prefix}")) {
            if last_key.as_deref() == Some(object.key.as_str()) {
                continue;
            }
            last_key = Some(object.key.clone());
            if !object.delete_marker {
                current.push((object.key.clone(), object));
            }
        }
        current
    }

    pub(super) async fn list_objects_v2(
        &self,
        ctx: &Ctx,
        input: ListObjectsV2Request,
    ) -> Result<ListObjectsV2Output, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let url = check_encoding(input.encoding_type.as_deref())?;
        let max = max_keys(input.max_keys)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let token_position = match input.continuation_token.as_deref() {
            Some(token) => Some(paging::key_of(token).map_err(|_| {
                invalid_argument("The continuation token provided is incorrect")
                    .with("ArgumentName", "continuation-token")
            })?),
            None => None,
        };
        let after = match (&token_position, &input.start_after) {
            (Some(token), _) => Some(token.clone()),
            (None, Some(start)) => Some(start.clone()),
            (None, None) => None,
        };
        let page = fold(
            self.current_objects(&bucket.name, &prefix).into_iter(),
            &prefix,
            input.delimiter.as_deref(),
            after.as_deref(),
            max,
        );
        let fetch_owner = input.fetch_owner.unwrap_or(false);
        let key_count = page.items.len() + page.prefixes.len();
        Ok(ListObjectsV2Output {
            is_truncated: Some(page.truncated),
            contents: Some(
                page.items
                    .iter()
                    .map(|o| object_of(o, url, fetch_owner))
                    .collect(),
            )
            .filter(|c: &Vec<Object>| !c.is_empty()),
            name: Some(bucket.name),
            prefix: Some(encode_if(url, prefix)),
            delimiter: input.delimiter.map(|d| encode_if(url, d)),
            max_keys: Some(input.max_keys.unwrap_or(1000)),
            common_prefixes: Some(
                page.prefixes
                    .into_iter()
                    .map(|p| CommonPrefix {
                        prefix: Some(encode_if(url, p)),
                    })
                    .collect(),
            )
            .filter(|c: &Vec<CommonPrefix>| !c.is_empty()),
            encoding_type: url.then(|| "url".to_string()),
            key_count: Some(key_count as i32),
            continuation_token: input.continuation_token,
            next_continuation_token: if page.truncated {
                page.last.as_deref().map(paging::token_after)
            } else {
                None
            },
            start_after: input.start_after.map(|s| encode_if(url, s)),
            request_charged: None,
        })
    }

    pub(super) async fn list_objects(
        &self,
        ctx: &Ctx,
        input: ListObjectsRequest,
    ) -> Result<ListObjectsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let url = check_encoding(input.encoding_type.as_deref())?;
        let max = max_keys(input.max_keys)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let page = fold(
            self.current_objects(&bucket.name, &prefix).into_iter(),
            &prefix,
            input.delimiter.as_deref(),
            input.marker.as_deref().filter(|m| !m.is_empty()),
            max,
        );
        // NextMarker only comes with a delimiter; without one, clients use the last key.
        let next_marker = (page.truncated && input.delimiter.is_some())
            .then(|| page.last.clone().map(|l| encode_if(url, l)))
            .flatten();
        Ok(ListObjectsOutput {
            is_truncated: Some(page.truncated),
            marker: Some(encode_if(url, input.marker.unwrap_or_default())),
            next_marker,
            contents: Some(page.items.iter().map(|o| object_of(o, url, true)).collect())
                .filter(|c: &Vec<Object>| !c.is_empty()),
            name: Some(bucket.name),
            prefix: Some(encode_if(url, prefix)),
            delimiter: input.delimiter.map(|d| encode_if(url, d)),
            max_keys: Some(input.max_keys.unwrap_or(1000)),
            common_prefixes: Some(
                page.prefixes
                    .into_iter()
                    .map(|p| CommonPrefix {
                        prefix: Some(encode_if(url, p)),
                    })
                    .collect(),
            )
            .filter(|c: &Vec<CommonPrefix>| !c.is_empty()),
            encoding_type: url.then(|| "url".to_string()),
            request_charged: None,
        })
    }

    pub(super) async fn list_object_versions(
        &self,
        ctx: &Ctx,
        input: ListObjectVersionsRequest,
    ) -> Result<ListObjectVersionsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let url = check_encoding(input.encoding_type.as_deref())?;
        let max = max_keys(input.max_keys)?;
        let prefix = input.prefix.clone().unwrap_or_default();
        if input.version_id_marker.is_some() && input.key_marker.is_none() {
            return Err(invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
            )
            .with("ArgumentName", "version-id-marker"));
        }
        // Each version is an entry; its position is the key, then its place among the key's
        // versions (newest first).
        let mut versions: Vec<(String, (bool, ObjectRecord))> = Vec::new();
        let mut last_key: Option<String> = None;
        let mut skipping_marker_versions = input.version_id_marker.is_some();
        for (_, object) in self
            .objects
            .scan_prefix(&format!("{}\0{prefix}", bucket.name))
        {
            let is_latest = last_key.as_deref() != Some(object.key.as_str());
            last_key = Some(object.key.clone());
            if let Some(key_marker) = &input.key_marker {
                if object.key.as_str() < key_marker.as_str() {
                    continue;
                }
                if &object.key == key_marker {
                    match &input.version_id_marker {
                        None => continue,
                        Some(marker) => {
                            if skipping_marker_versions {
                                if &object.version_id == marker {
                                    skipping_marker_versions = false;
                                }
                                continue;
                            }
                        }
                    }
                }
            }
            versions.push((object.key.clone(), (is_latest, object)));
        }
        // Keys equal to the marker were filtered above; fold must not drop later versions of
        // the same key, so it gets no `after`.
        let page = fold_versions(versions, &prefix, input.delimiter.as_deref(), max);
        let owner = |account: &str| Owner {
            id: Some(canonical_id(account)),
            display_name: None,
        };
        let mut out_versions = Vec::new();
        let mut markers = Vec::new();
        for (is_latest, object) in &page.items {
            if object.delete_marker {
                markers.push(DeleteMarkerEntry {
                    owner: Some(owner(&object.owner_account)),
                    key: Some(encode_if(url, object.key.clone())),
                    version_id: Some(object.version_id.clone()),
                    is_latest: Some(*is_latest),
                    last_modified: Some(Timestamp::from_millis(object.last_modified_ms)),
                });
            } else {
                out_versions.push(ObjectVersion {
                    e_tag: Some(object.etag.clone()),
                    checksum_algorithm: object.checksum.as_ref().map(|(a, _)| vec![a.clone()]),
                    checksum_type: object.checksum_type.clone(),
                    size: Some(object.size as i64),
                    storage_class: Some(
                        object
                            .storage_class
                            .clone()
                            .unwrap_or_else(|| "STANDARD".to_string()),
                    ),
                    key: Some(encode_if(url, object.key.clone())),
                    version_id: Some(object.version_id.clone()),
                    is_latest: Some(*is_latest),
                    last_modified: Some(Timestamp::from_millis(object.last_modified_ms)),
                    owner: Some(owner(&object.owner_account)),
                    restore_status: None,
                });
            }
        }
        let last_item = page.items.last().map(|(_, o)| o.clone());
        let (next_key, next_version) = if page.truncated {
            match (&page.last, &last_item) {
                (Some(last), Some(item)) if *last == item.key => {
                    (Some(item.key.clone()), Some(item.version_id.clone()))
                }
                (Some(last), _) => (Some(last.clone()), None),
                _ => (None, None),
            }
        } else {
            (None, None)
        };
        Ok(ListObjectVersionsOutput {
            is_truncated: Some(page.truncated),
            key_marker: Some(encode_if(url, input.key_marker.unwrap_or_default())),
            version_id_marker: Some(input.version_id_marker.unwrap_or_default()),
            next_key_marker: next_key.map(|k| encode_if(url, k)),
            next_version_id_marker: next_version,
            versions: Some(out_versions).filter(|v| !v.is_empty()),
            delete_markers: Some(markers).filter(|m| !m.is_empty()),
            name: Some(bucket.name),
            prefix: Some(encode_if(url, prefix)),
            delimiter: input.delimiter.map(|d| encode_if(url, d)),
            max_keys: Some(input.max_keys.unwrap_or(1000)),
            common_prefixes: Some(
                page.prefixes
                    .into_iter()
                    .map(|p| CommonPrefix {
                        prefix: Some(encode_if(url, p)),
                    })
                    .collect(),
            )
            .filter(|c: &Vec<CommonPrefix>| !c.is_empty()),
            encoding_type: url.then(|| "url".to_string()),
            request_charged: None,
        })
    }
}

/// As [`fold`], for versions (several entries may share a key).
fn fold_versions<T>(
    entries: Vec<(String, T)>,
    prefix: &str,
    delimiter: Option<&str>,
    max: usize,
) -> Listed<T> {
    let mut page = Listed {
        items: Vec::new(),
        prefixes: Vec::new(),
        truncated: false,
        last: None,
    };
    let mut count = 0usize;
    for (key, item) in entries {
        let common = delimiter
            .filter(|d| !d.is_empty())
            .and_then(|d| key[prefix.len()..].find(d).map(|at| (at, d)))
            .map(|(at, d)| key[..prefix.len() + at + d.len()].to_string());
        if let Some(common) = &common
            && page.prefixes.last() == Some(common)
        {
            continue;
        }
        if count == max {
            page.truncated = true;
            break;
        }
        count += 1;
        match common {
            Some(common) => {
                page.last = Some(common.clone());
                page.prefixes.push(common);
            }
            None => {
                page.last = Some(key);
                page.items.push(item);
            }
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn delimiter_pages_return_each_entry_once() {
        let all = keys(&["a/1", "a/2", "b", "c/x/y", "c/z", "d"]);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = fold(all.clone().into_iter(), "", Some("/"), after.as_deref(), 1);
            seen.extend(page.items.iter().cloned());
            seen.extend(page.prefixes.iter().cloned());
            if !page.truncated {
                break;
            }
            after = page.last;
        }
        assert_eq!(seen, vec!["a/", "b", "c/", "d"]);
    }

    #[test]
    fn prefix_and_delimiter() {
        let all = keys(&["p/a", "p/b/c", "p/b/d", "q"]);
        let page = fold(all.into_iter(), "p/", Some("/"), None, 10);
        assert_eq!(page.items, vec!["p/a"]);
        assert_eq!(page.prefixes, vec!["p/b/"]);
        assert!(!page.truncated);
    }
}
