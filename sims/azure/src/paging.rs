//! The one pager every ARM listing uses: items in a stable order, `$top` honoured, and a
//! `nextLink` whose `$skiptoken` names where the next page starts (the last key served, so a
//! page never repeats or skips an item when others are added or removed in between).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// How many items a page holds when the client sets no `$top`.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// A page of `items` (sorted by key) after `skip_token`, and the key to resume from.
pub fn page<T>(
    items: Vec<(String, T)>,
    top: Option<usize>,
    skip_token: Option<&str>,
) -> (Vec<T>, Option<String>) {
    let after = skip_token
        .and_then(|token| B64.decode(token).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let size = top.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
    let mut remaining = items
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|after| key > after))
        .peekable();
    let mut out = Vec::new();
    let mut last = None;
    while out.len() < size {
        match remaining.next() {
            Some((key, item)) => {
                last = Some(key);
                out.push(item);
            }
            None => break,
        }
    }
    let next = remaining.peek().and(last).map(|key| B64.encode(key));
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once() {
        let items: Vec<(String, u32)> = (0..7).map(|i| (format!("k{i}"), i)).collect();
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = page(items.clone(), Some(3), token.as_deref());
            seen.extend(page);
            match next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        let (all, next) = page(items, None, None);
        assert_eq!((all.len(), next), (7, None));
    }
}
