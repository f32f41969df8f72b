//! `search(type: ISSUE)`: issues and pull requests found with GitHub's search syntax, as gh's
//! `pr status`, `pr list --author/--label/--search` and `issue list --search` send it. Terms are
//! qualifiers (`repo:`, `user:`/`org:`, `is:`/`type:`, `state:`, `author:`, `assignee:`,
//! `review-requested:`, `label:`, `head:`, `base:`, `in:`; `@me` is the caller) or words that
//! must all appear in the title or body. Only repositories the caller may read are searched.
//! Results are newest first; `issueCount` counts every match.
//!
//! What this module must not do: search repositories, users or code (those `type`s answer
//! GitHub's error for an unsupported search here), or rank by relevance (GitHub's "best match"
//! is not reproduced; newest first is).

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, SimpleObject, Union};

use super::connection::{Window, paginate_with};
use super::pulls::PullRequest;
use super::{Issue, request};
use crate::model::{Issue as IssueRecord, Repo};

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

/// One parsed query: qualifiers that must all hold, and words.
#[derive(Debug, Default, PartialEq)]
struct Query {
    qualifiers: Vec<(String, String)>,
    words: Vec<String>,
    /// An operator not built yet (`OR`, `NOT`): the search answers an error naming it.
    unsupported: Option<String>,
}

/// Splits on spaces outside double quotes; `key:value` is a qualifier, anything else a word.
fn parse(text: &str) -> Query {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            // Parentheses group terms in advanced search (gh wraps `--search` in them); with
            // AND the only operator here, grouping changes nothing.
            c if (c.is_whitespace() || c == '(' || c == ')') && !quoted => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    let mut query = Query::default();
    for term in terms {
        match term.as_str() {
            "AND" => continue,
            "OR" | "NOT" => {
                query.unsupported = Some(term);
                continue;
            }
            _ => {}
        }
        match term.split_once(':') {
            Some((key, value)) if !key.is_empty() && !value.is_empty() => query
                .qualifiers
                .push((key.to_ascii_lowercase(), value.to_string())),
            _ => query.words.push(term.to_lowercase()),
        }
    }
    query
}

/// Whether one record matches every qualifier and word.
fn matches(
    query: &Query,
    me: &str,
    repo: &Repo,
    issue: &IssueRecord,
    pull: Option<&crate::model::Pull>,
) -> bool {
    let user = |value: &str| {
        if value == "@me" {
            me.to_string()
        } else {
            value.to_string()
        }
    };
    let all = query.qualifiers.iter().all(|(key, value)| {
        let value_lower = value.to_ascii_lowercase();
        match key.as_str() {
            "repo" => repo.full_name().eq_ignore_ascii_case(value),
            "user" | "org" | "owner" => repo.owner.eq_ignore_ascii_case(value),
            "is" | "type" => match value_lower.as_str() {
                "pr" | "pull-request" => pull.is_some(),
                "issue" => pull.is_none(),
                "open" => issue.state == "open",
                "closed" => issue.state == "closed",
                "merged" => pull.is_some_and(|p| p.merged_at.is_some()),
                "unmerged" => pull.is_some_and(|p| p.merged_at.is_none()),
                "draft" => pull.is_some_and(|p| p.draft),
                "public" => !repo.private,
                "private" => repo.private,
                _ => false,
            },
            "state" => issue.state == value_lower,
            "author" => issue.user.eq_ignore_ascii_case(&user(value)),
            "assignee" => issue
                .assignees
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&user(value))),
            "review-requested" => pull.is_some_and(|p| {
                p.requested_reviewers
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&user(value)))
            }),
            "label" => issue.labels.iter().any(|l| l.eq_ignore_ascii_case(value)),
            "head" => pull.is_some_and(|p| p.head_ref == *value),
            "base" => pull.is_some_and(|p| p.base_ref == *value),
            // Where words are looked for: titles and bodies are both searched here.
            "in" | "sort" => true,
            _ => false,
        }
    });
    let text = format!(
        "{}\n{}",
        issue.title.to_lowercase(),
        issue.body.as_deref().unwrap_or_default().to_lowercase()
    );
    all && query.words.iter().all(|word| text.contains(word.as_str()))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_split_into_qualifiers_and_words() {
        let query = parse(r#"( fix ) repo:o/r AND state:open is:pr author:@me "two words""#);
        assert_eq!(
            query.qualifiers,
            vec![
                ("repo".to_string(), "o/r".to_string()),
                ("state".into(), "open".into()),
                ("is".into(), "pr".into()),
                ("author".into(), "@me".into()),
            ]
        );
        assert_eq!(query.words, vec!["fix".to_string(), "two words".into()]);
        assert_eq!(query.unsupported, None);
        assert_eq!(parse("a OR b").unsupported.as_deref(), Some("OR"));
    }
}
