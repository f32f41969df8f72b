//! GitHub's page-number pagination: `page` (from 1) and `per_page` (default 30, at most 100),
//! and the `Link` header with `prev`, `next`, `last` and `first` in GitHub's order. The one pager
//! every listing uses.

/// GitHub's default page size.
pub const DEFAULT_PER_PAGE: usize = 30;
/// GitHub's largest page.
pub const MAX_PER_PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: usize,
    pub per_page: usize,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl Page {
    /// Reads `page` and `per_page` as GitHub does: values that are not positive numbers fall
    /// back to the defaults, and `per_page` over 100 is 100.
    pub fn from_query(query: &[(String, String)]) -> Self {
        let number = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .and_then(|(_, value)| value.parse::<usize>().ok())
                .filter(|value| *value > 0)
        };
        Self {
            page: number("page").unwrap_or(1),
            per_page: number("per_page")
                .unwrap_or(DEFAULT_PER_PAGE)
                .min(MAX_PER_PAGE),
        }
    }

    /// This page's items of `all`.
    pub fn slice<T>(&self, all: Vec<T>) -> Vec<T> {
        let start = (self.page - 1).saturating_mul(self.per_page);
        all.into_iter().skip(start).take(self.per_page).collect()
    }

    /// The pages `total` items make (at least one).
    pub fn last(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }

    /// The `Link` header for this page of `total` items, or `None` when one page holds them
    /// all. `url` is the request's URL without a query; `query` its other parameters, kept.
    pub fn link(&self, url: &str, query: &[(String, String)], total: usize) -> Option<String> {
        let last = self.last(total);
        if last <= 1 {
            return None;
        }
        let page_url = |page: usize| {
            let mut serializer = form_urlencoded::Serializer::new(String::new());
            for (key, value) in query.iter().filter(|(key, _)| key != "page") {
                serializer.append_pair(key, value);
            }
            serializer.append_pair("page", &page.to_string());
            format!("<{url}?{}>", serializer.finish())
        };
        let mut links = Vec::new();
        if self.page > 1 {
            links.push(format!(
                "{}; rel=\"prev\"",
                page_url((self.page - 1).min(last))
            ));
        }
        if self.page < last {
            links.push(format!("{}; rel=\"next\"", page_url(self.page + 1)));
            links.push(format!("{}; rel=\"last\"", page_url(last)));
        }
        if self.page > 1 {
            links.push(format!("{}; rel=\"first\"", page_url(1)));
        }
        Some(links.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pages_are_read_as_github_reads_them() {
        let cases = [
            (query(&[]), (1, 30)),
            (query(&[("per_page", "500")]), (1, 100)),
            (query(&[("per_page", "x"), ("page", "0")]), (1, 30)),
            (query(&[("per_page", "2"), ("page", "3")]), (3, 2)),
        ];
        for (input, (page, per_page)) in cases {
            assert_eq!(
                Page::from_query(&input),
                Page { page, per_page },
                "{input:?}"
            );
        }
    }

    #[test]
    fn links_name_neighbours_in_githubs_order() {
        let q = query(&[("per_page", "2"), ("state", "all")]);
        let middle = Page {
            page: 2,
            per_page: 2,
        };
        assert_eq!(
            middle.link("http://h/x", &q, 5).unwrap(),
            "<http://h/x?per_page=2&state=all&page=1>; rel=\"prev\", \
             <http://h/x?per_page=2&state=all&page=3>; rel=\"next\", \
             <http://h/x?per_page=2&state=all&page=3>; rel=\"last\", \
             <http://h/x?per_page=2&state=all&page=1>; rel=\"first\""
        );
        assert_eq!(
            Page {
                page: 1,
                per_page: 30
            }
            .link("http://h/x", &q, 5),
            None
        );
        assert_eq!(middle.slice(vec![1, 2, 3, 4, 5]), vec![3, 4]);
    }
}
