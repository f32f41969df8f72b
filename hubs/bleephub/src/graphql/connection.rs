//! The one connection shape every GraphQL list here answers with: `edges`/`nodes`,
//! `pageInfo` and `totalCount`, paged by `first`/`after` or `last`/`before` over opaque cursors
//! as GitHub's are (base64 of an offset; a cursor from elsewhere is GitHub's "does not appear to
//! be a valid cursor" error). Resolvers build the full, filtered and ordered list and hand it to
//! [`paginate`] with the field's [`Window`]; nothing here knows what it pages.
//!
//! What this module must not do: filter or order (the services do), or accept a page larger
//! than GitHub's 100.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use base64::Engine;

/// A page of `T` with `totalCount`, as GitHub's connections answer.
pub type Page<T> = Connection<String, T, TotalCount, EmptyFields>;

#[derive(SimpleObject)]
pub struct TotalCount {
    total_count: i32,
}

impl TotalCount {
    pub fn new(total_count: i32) -> Self {
        TotalCount { total_count }
    }
}

/// The paging arguments of one connection field.
#[derive(Debug, Default, Clone)]
pub struct Window {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl Window {
    /// `first`/`after` only, for fields GitHub's clients page forwards.
    pub fn forward(first: Option<i32>, after: Option<String>) -> Self {
        Window {
            first,
            after,
            ..Window::default()
        }
    }
}

const CURSOR_PREFIX: &str = "cursor:v2:";

/// The cursor of the item at `offset`.
pub fn cursor(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn offset_of(cursor: &str) -> async_graphql::Result<usize> {
    base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.strip_prefix(CURSOR_PREFIX)
                .and_then(|n| n.parse::<usize>().ok())
        })
        .ok_or_else(|| {
            async_graphql::Error::new(format!("`{cursor}` does not appear to be a valid cursor."))
        })
}

fn page_size(name: &str, value: Option<i32>) -> async_graphql::Result<Option<usize>> {
    match value {
        Some(n) if !(0..=100).contains(&n) => Err(async_graphql::Error::new(format!(
            "Requesting {n} records on the connection exceeds the `{name}` limit of 100 records."
        ))),
        Some(n) => Ok(Some(n as usize)),
        None => Ok(None),
    }
}

/// One page of `all` (already filtered and ordered): items after `after` and before `before`,
/// then the first `first` or the last `last` of those (100 when neither is given).
pub fn paginate<T: async_graphql::OutputType>(
    all: Vec<T>,
    window: Window,
) -> async_graphql::Result<Page<T>> {
    paginate_with(all, window, |total| TotalCount::new(total as i32))
}

/// [`paginate`] for connections whose count is not `totalCount` (search's `issueCount`).
pub fn paginate_with<T: async_graphql::OutputType, Counts: async_graphql::ObjectType>(
    all: Vec<T>,
    window: Window,
    counts: impl FnOnce(usize) -> Counts,
) -> async_graphql::Result<Connection<String, T, Counts, EmptyFields>> {
    let first = page_size("first", window.first)?;
    let last = page_size("last", window.last)?;
    if first.is_some() && last.is_some() {
        return Err(async_graphql::Error::new(
            "Passing both `first` and `last` to paginate a connection is not supported.",
        ));
    }
    let total = all.len();
    let mut start = match window.after.as_deref() {
        Some(after) => offset_of(after)? + 1,
        None => 0,
    }
    .min(total);
    let mut end = match window.before.as_deref() {
        Some(before) => offset_of(before)?,
        None => total,
    }
    .clamp(start, total);
    match (first, last) {
        (_, Some(last)) => start = end.saturating_sub(last).max(start),
        (first, None) => end = (start + first.unwrap_or(100)).min(end),
    }
    let mut page = Connection::with_additional_fields(start > 0, end < total, counts(total));
    page.edges.extend(
        all.into_iter()
            .enumerate()
            .skip(start)
            .take(end - start)
            .map(|(index, node)| Edge::new(cursor(index), node)),
    );
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(window: Window) -> (Vec<i32>, bool, bool) {
        let page = paginate((0..10).collect::<Vec<i32>>(), window).unwrap();
        (
            page.edges.iter().map(|e| e.node).collect(),
            page.has_previous_page,
            page.has_next_page,
        )
    }

    #[test]
    fn windows_select_what_github_selects() {
        let table = [
            (Window::forward(Some(3), None), vec![0, 1, 2], false, true),
            (
                Window::forward(Some(3), Some(cursor(2))),
                vec![3, 4, 5],
                true,
                true,
            ),
            (
                Window::forward(Some(5), Some(cursor(7))),
                vec![8, 9],
                true,
                false,
            ),
            (
                Window {
                    last: Some(1),
                    ..Window::default()
                },
                vec![9],
                true,
                false,
            ),
            (
                Window {
                    last: Some(2),
                    before: Some(cursor(3)),
                    ..Window::default()
                },
                vec![1, 2],
                true,
                true,
            ),
            (Window::forward(Some(0), None), vec![], false, true),
        ];
        for (window, want, previous, next) in table {
            assert_eq!(
                numbers(window.clone()),
                (want, previous, next),
                "{window:?}"
            );
        }
    }

    #[test]
    fn bad_arguments_are_githubs_errors() {
        let err = |window| paginate(vec![1], window).err().unwrap().message;
        assert_eq!(
            err(Window::forward(Some(101), None)),
            "Requesting 101 records on the connection exceeds the `first` limit of 100 records."
        );
        assert_eq!(
            err(Window::forward(None, Some("bad".into()))),
            "`bad` does not appear to be a valid cursor."
        );
        assert!(
            err(Window {
                first: Some(1),
                last: Some(1),
                ..Window::default()
            })
            .contains("both `first` and `last`")
        );
    }
}
