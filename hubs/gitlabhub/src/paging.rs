//! GitLab's offset pagination, the one pager every listing uses: `page` (from 1) and
//! `per_page` (default 20, at most 100) in, and `X-Page`, `X-Per-Page`, `X-Total`,
//! `X-Total-Pages`, `X-Next-Page`, `X-Prev-Page` and a `Link` header (`prev`, `next`,
//! `first`, `last`) out. python-gitlab follows `Link: rel="next"`.
//!
//! What this module must not do: sort or filter (handlers do, before paging).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

use crate::error::{GitlabError, Result};
use crate::params::Params;

pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 100;

/// One page of a listing, with the headers GitLab sends.
#[derive(Debug)]
pub struct Page {
    items: Vec<Value>,
    headers: HeaderMap,
}

/// Where the request came in, to write absolute `Link` URLs.
#[derive(Debug, Clone)]
pub struct RequestUrl {
    /// `http://host:port`
    pub base: String,
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl RequestUrl {
    fn with_page(&self, page: usize, per_page: usize) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.query {
            if key != "page" && key != "per_page" {
                serializer.append_pair(key, value);
            }
        }
        serializer.append_pair("page", &page.to_string());
        serializer.append_pair("per_page", &per_page.to_string());
        format!("{}{}?{}", self.base, self.path, serializer.finish())
    }
}

/// Cuts `items` into the page `params` asks for.
pub fn paginate(items: Vec<Value>, params: &Params, url: &RequestUrl) -> Result<Page> {
    let page = params.int("page")?.unwrap_or(1);
    let per_page = params.int("per_page")?.unwrap_or(DEFAULT_PER_PAGE as i64);
    // GitLab treats a page below 1 as 1 and clamps per_page into 1..=100.
    let page = usize::try_from(page.max(1)).map_err(|_| GitlabError::invalid("page"))?;
    let per_page = usize::try_from(per_page.clamp(1, MAX_PER_PAGE as i64))
        .map_err(|_| GitlabError::invalid("per_page"))?;
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page);
    let items: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();

    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("x-page", page.to_string());
    set("x-per-page", per_page.to_string());
    set("x-total", total.to_string());
    set("x-total-pages", total_pages.to_string());
    let next = (page < total_pages).then_some(page + 1);
    let prev = (page > 1).then(|| (page - 1).min(total_pages));
    set(
        "x-next-page",
        next.map(|n| n.to_string()).unwrap_or_default(),
    );
    set(
        "x-prev-page",
        prev.map(|p| p.to_string()).unwrap_or_default(),
    );
    let mut links = Vec::new();
    if let Some(prev) = prev {
        links.push(format!("<{}>; rel=\"prev\"", url.with_page(prev, per_page)));
    }
    if let Some(next) = next {
        links.push(format!("<{}>; rel=\"next\"", url.with_page(next, per_page)));
    }
    links.push(format!("<{}>; rel=\"first\"", url.with_page(1, per_page)));
    links.push(format!(
        "<{}>; rel=\"last\"",
        url.with_page(total_pages, per_page)
    ));
    set("link", links.join(", "));
    Ok(Page { items, headers })
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        (self.headers, Json(Value::Array(self.items))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(total: usize, query: &str, expect_items: &[i64], expect: &[(&str, &str)]) {
        let items = (1..=total as i64).map(Value::from).collect();
        let url = RequestUrl {
            base: "http://h".into(),
            path: "/api/v4/projects".into(),
            query: vec![("search".into(), "x".into())],
        };
        let page = paginate(items, &Params::from_query(Some(query)), &url).expect("page");
        let got: Vec<i64> = page.items.iter().filter_map(Value::as_i64).collect();
        assert_eq!(got, expect_items, "{query}");
        for (name, value) in expect {
            assert_eq!(
                page.headers.get(*name).and_then(|v| v.to_str().ok()),
                Some(*value),
                "{query} {name}"
            );
        }
    }

    #[test]
    fn pages() {
        check(
            5,
            "per_page=2",
            &[1, 2],
            &[
                ("x-next-page", "2"),
                ("x-prev-page", ""),
                ("x-total", "5"),
                ("x-total-pages", "3"),
            ],
        );
        check(
            5,
            "per_page=2&page=3",
            &[5],
            &[("x-next-page", ""), ("x-prev-page", "2")],
        );
        check(0, "", &[], &[("x-total-pages", "1"), ("x-next-page", "")]);
        check(
            3,
            "per_page=2&page=2",
            &[3],
            &[(
                "link",
                "<http://h/api/v4/projects?search=x&page=1&per_page=2>; rel=\"prev\", <http://h/api/v4/projects?search=x&page=1&per_page=2>; rel=\"first\", <http://h/api/v4/projects?search=x&page=2&per_page=2>; rel=\"last\"",
            )],
        );
    }
}
