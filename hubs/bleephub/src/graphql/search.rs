//! `search(type: ISSUE)`: issues and pull requests found with GitHub's search syntax, as gh's
//! `pr status`, `pr list --author/--label/--search` and `issue list --search` send it. Terms are
//! qualifiers (`repo:`, `user:`/`org:`, `is:`/`type:`, `state:`, `author:`, `assignee:`,
//! `review-requested:`, `label:`, `head:`, `base:`, `in:`; `@me` is the caller) or words that
//! must all appear in the title or body. Only repositories the caller may read are searched.
//! Results are newest first; `issueCount` counts every match. The syntax is
//! `services::search`'s, which REST's `/search/issues` shares.
//!
//! What this module must not do: search repositories, users or code (those `type`s answer
//! GitHub's error for an unsupported search here), or rank by relevance (GitHub's "best match"
//! is not reproduced; newest first is).

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, SimpleObject, Union};

use super::connection::{Window, paginate_with};
use super::pulls::PullRequest;
use super::{Issue, request};
use crate::services::search::{matches_issue as matches, parse};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchType {
    Issue,
    IssueAdvanced,
    Repository,
    User,
    Discussion,
}

// Values live for one request's response; boxing the pull request would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Union)]
pub enum SearchResultItem {
    Issue(Issue),
    PullRequest(PullRequest),
}

#[derive(SimpleObject)]
pub struct SearchCounts {
    issue_count: i32,
}

pub type SearchResults = Connection<String, SearchResultItem, SearchCounts, EmptyFields>;

pub fn search(
    ctx: &Context<'_>,
    text: &str,
    kind: SearchType,
    window: Window,
) -> async_graphql::Result<SearchResults> {
    if !matches!(kind, SearchType::Issue | SearchType::IssueAdvanced) {
        return Err(async_graphql::Error::new(
            "bleephub searches issues and pull requests only (type: ISSUE).",
        ));
    }
    let request = request(ctx);
    let service = request.ctx();
    let me = request
        .caller
        .as_ref()
        .map(|c| c.login().to_string())
        .unwrap_or_default();
    let query = parse(text);
    if let Some(operator) = &query.unsupported {
        return Err(async_graphql::Error::new(format!(
            "bleephub's search does not support the {operator} operator yet."
        )));
    }
    let state = &request.hub.state;
    let mut found: Vec<(i64, u64, SearchResultItem)> = Vec::new();
    for (_, repo) in state.repos.all() {
        if !service.can_read(&repo) {
            continue;
        }
        let prefix = crate::model::repo_prefix(repo.id);
        for (key, issue) in state.issues.scan_prefix(&prefix) {
            let pull = if issue.pull_request {
                state.pulls.get(&key)
            } else {
                None
            };
            if !matches(&query, &me, &repo, &issue, pull.as_ref()) {
                continue;
            }
            let order = (issue.created_at, issue.id);
            let item = match pull {
                Some(pull) => SearchResultItem::PullRequest(PullRequest::new(
                    repo.clone(),
                    crate::services::pulls::PullView { issue, pull },
                )),
                None => SearchResultItem::Issue(Issue {
                    repo: repo.clone(),
                    issue,
                }),
            };
            found.push((order.0, order.1, item));
        }
    }
    found.sort_by_key(|item| std::cmp::Reverse((item.0, item.1)));
    let items = found.into_iter().map(|(_, _, item)| item).collect();
    paginate_with(items, window, |total| SearchCounts {
        issue_count: total as i32,
    })
}
