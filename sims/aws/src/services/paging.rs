//! Pagination that every service shares. A listing is a set of entries, each with a *position
//! key* that orders it (a name, a lower-cased name, an ARN). A page holds at most `size` entries
//! after the token's position; when more remain, the next token encodes the last key returned.
//! Because a token names a position rather than an offset, it survives restarts and concurrent
//! changes: every entry that exists throughout a listing is returned exactly once, and one
//! created or deleted meanwhile at most once.
//!
//! Tokens are opaque to clients (URL-safe base64 of the key). Services give them AWS's names
//! (`NextToken`, `Marker`, `nextToken`) and answer a token they did not make, [`BadToken`], with
//! their own error; they also check page sizes against their own bounds before calling here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A token this module did not make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadToken;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Present when more entries follow: the token for the next page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Whether more entries follow (IAM's `IsTruncated`).
    pub fn is_truncated(&self) -> bool {
        self.next.is_some()
    }
}

/// The token that resumes a listing after the entry with position `key`.
pub fn token_after(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The position a token resumes after.
pub fn key_of(token: &str) -> Result<String, BadToken> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(BadToken)
}

/// The page of `entries` (position key, item; in any order) that follows `token`, holding at
/// most `size` items (at least one, so a listing always advances).
pub fn page<T>(
    mut entries: Vec<(String, T)>,
    token: Option<&str>,
    size: usize,
) -> Result<Page<T>, BadToken> {
    let after = token.map(key_of).transpose()?;
    entries.sort_by(|left, right| left.0.cmp(&right.0));
    let mut remaining = entries
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|after| key > after));
    let mut items = Vec::new();
    let mut last_key = None;
    for (key, item) in remaining.by_ref().take(size.max(1)) {
        items.push(item);
        last_key = Some(key);
    }
    let more = remaining.next().is_some();
    Ok(Page {
        items,
        next: if more {
            last_key.as_deref().map(token_after)
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_once_in_key_order_across_pages() {
        let entries: Vec<(String, u32)> = [5, 3, 0, 6, 1, 4, 2]
            .into_iter()
            .map(|i| (format!("k{i}"), i))
            .collect();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = page(entries.clone(), token.as_deref(), 3).unwrap();
            assert!(page.items.len() <= 3);
            seen.extend(page.items);
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        assert_eq!(page(entries.clone(), Some("%%%"), 3), Err(BadToken));
        assert_eq!(page(entries, None, 0).unwrap().items.len(), 1);
    }

    #[test]
    fn an_entry_deleted_meanwhile_does_not_shift_the_rest() {
        let all: Vec<(String, u32)> = (0..6).map(|i| (format!("k{i}"), i)).collect();
        let first = page(all.clone(), None, 2).unwrap();
        let fewer: Vec<_> = all.into_iter().filter(|(_, i)| *i != 0).collect();
        let second = page(fewer, first.next.as_deref(), 2).unwrap();
        assert_eq!(second.items, [2, 3]);
    }
}
