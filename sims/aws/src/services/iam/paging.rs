//! `Marker`/`MaxItems` pagination, as every IAM list operation does it.
//!
//! A listing is a set of entries, each with a *position key* that orders it (a lower-cased name,
//! say). A page holds at most `MaxItems` entries (100 by default) after the marker; when more
//! remain, `IsTruncated` is true and the new marker encodes the last key returned. Because the
//! marker names a position rather than an offset, it survives restarts and concurrent changes:
//! every entry that exists throughout a listing is returned exactly once, and an entry deleted
//! or created meanwhile is returned at most once.
//!
//! Markers are opaque to clients (base64url of the key); a marker this module did not make is
//! refused as AWS refuses it: `ValidationError`, `Invalid Marker.`

use super::IamError;

/// IAM's page size when `MaxItems` is absent.
pub(crate) const DEFAULT_MAX_ITEMS: usize = 100;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub is_truncated: bool,
    /// Present only when truncated: what to send as `Marker` for the next page.
    pub marker: Option<String>,
}

/// The page of `entries` (position key, item; in any order) that follows `marker`.
pub(crate) fn paginate<T>(
    entries: Vec<(String, T)>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<Page<T>, IamError> {
    // The model bounds MaxItems to 1..=1000 before a handler runs.
    let limit = max_items.map_or(DEFAULT_MAX_ITEMS, |max| max.max(1) as usize);
    let page = crate::services::paging::page(entries, marker, limit)
        .map_err(|_| IamError::Validation("Invalid Marker.".into()))?;
    Ok(Page {
        is_truncated: page.is_truncated(),
        marker: page.next,
        items: page.items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|name| (name.to_string(), name.to_string()))
            .collect()
    }

    /// Walks every page of `names` at `max_items` per page, returning the pages.
    fn walk(names: &[&str], max_items: i32) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut marker = None;
        loop {
            let page = paginate(entries(names), marker.as_deref(), Some(max_items))
                .unwrap_or_else(|error| panic!("paginate: {error}"));
            assert_eq!(page.is_truncated, page.marker.is_some());
            pages.push(page.items);
            match page.marker {
                Some(next) => marker = Some(next),
                None => return pages,
            }
        }
    }

    /// Entries, page size, and the pages expected.
    type Case = (
        &'static [&'static str],
        i32,
        &'static [&'static [&'static str]],
    );

    #[test]
    fn pages_cover_every_entry_once_in_key_order() {
        let cases: &[Case] = &[
            (&[], 2, &[&[]]),
            (&["a"], 2, &[&["a"]]),
            (&["b", "a"], 2, &[&["a", "b"]]),
            (
                &["e", "c", "a", "d", "b"],
                2,
                &[&["a", "b"], &["c", "d"], &["e"]],
            ),
            (&["c", "a", "b"], 1, &[&["a"], &["b"], &["c"]]),
            (&["c", "a", "b"], 1000, &[&["a", "b", "c"]]),
        ];
        for (names, max_items, expected) in cases {
            let expected: Vec<Vec<String>> = expected
                .iter()
                .map(|page| page.iter().map(|s| s.to_string()).collect())
                .collect();
            assert_eq!(
                walk(names, *max_items),
                expected,
                "{names:?} by {max_items}"
            );
        }
    }

    #[test]
    fn default_page_is_one_hundred() {
        let names: Vec<String> = (0..150).map(|n| format!("{n:03}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let page = paginate(entries(&refs), None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.items.len(), DEFAULT_MAX_ITEMS);
        assert!(page.is_truncated);
    }

    #[test]
    fn marker_survives_deletion_and_insertion() {
        let first = paginate(entries(&["a", "b", "c", "d"]), None, Some(2))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.items, ["a", "b"]);
        // "b", the marker's own entry, is deleted and "aa" (already passed) is created: the next
        // page neither repeats nor skips anything that existed throughout.
        let second = paginate(
            entries(&["a", "aa", "c", "d"]),
            first.marker.as_deref(),
            Some(2),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(second.items, ["c", "d"]);
        assert!(!second.is_truncated);
    }

    #[test]
    fn foreign_marker_is_a_validation_error() {
        let result = paginate(entries(&["a"]), Some("not a marker!"), None);
        assert!(matches!(result, Err(IamError::Validation(m)) if m == "Invalid Marker."));
    }
}
