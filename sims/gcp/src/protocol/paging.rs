//! The one pager every listing uses: page tokens are opaque to clients (URL-safe base64 of the
//! key the next page starts after) and a page holds at most the page size the client asked for,
//! capped at the API's maximum.
//!
//! Must not: hold state between requests; a token is all a page needs.

use base64::Engine;

use crate::error::GcpError;

/// Encodes the key a page ended at.
pub fn token(last_key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last_key.as_bytes())
}

/// The key a token says the next page starts after; an empty token is the first page.
pub fn resume_after(token: Option<&str>) -> Result<Option<String>, GcpError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(Some)
        .ok_or_else(|| GcpError::invalid(format!("Invalid page token: {token}")))
}

/// The size of a page: the client's (0 or absent means the default), at most `max`.
pub fn page_size(asked: Option<i64>, default: usize, max: usize) -> Result<usize, GcpError> {
    match asked {
        None | Some(0) => Ok(default),
        Some(n) if n < 0 => Err(GcpError::invalid(format!(
            "Invalid page size: {n}; must be non-negative."
        ))),
        Some(n) => Ok(usize::try_from(n).unwrap_or(max).min(max)),
    }
}

/// Cuts an ordered listing, already past the page token, to a page of at most `size`, with the
/// token of the next page (from `key` of the page's last item) when more remain.
pub fn cut<T>(
    mut items: Vec<T>,
    size: usize,
    key: impl Fn(&T) -> Option<String>,
) -> (Vec<T>, Option<String>) {
    let more = items.len() > size;
    items.truncate(size);
    let next = if more {
        items.last().and_then(key).map(|last| token(&last))
    } else {
        None
    };
    (items, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_invalid() {
        let t = token("bucket/a/b\u{e9}");
        assert_eq!(
            resume_after(Some(&t)).expect("valid"),
            Some("bucket/a/b\u{e9}".to_string())
        );
        assert_eq!(resume_after(Some("")).expect("first page"), None);
        assert_eq!(
            resume_after(Some("!!")).expect_err("garbage").status,
            "INVALID_ARGUMENT"
        );
        assert_eq!(page_size(Some(0), 50, 1000).expect("default"), 50);
        assert_eq!(page_size(Some(5000), 50, 1000).expect("capped"), 1000);
        assert!(page_size(Some(-1), 50, 1000).is_err());
    }

    #[test]
    fn a_cut_names_the_next_page_only_when_more_remain() {
        let key = |n: &u32| Some(n.to_string());
        let (page, next) = cut(vec![1, 2, 3], 2, key);
        assert_eq!(page, [1, 2]);
        assert_eq!(
            resume_after(next.as_deref()).expect("valid"),
            Some("2".into())
        );
        assert_eq!(cut(vec![1, 2], 2, key), (vec![1, 2], None));
        assert_eq!(cut(Vec::<u32>::new(), 2, key), (vec![], None));
    }
}
