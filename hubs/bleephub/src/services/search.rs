//! GitHub's search syntax, shared by REST (`/search/issues`, `/search/repositories`,
//! `/search/users`) and GraphQL's `search`. A query is terms split on spaces outside double
//! quotes: `key:value` terms are qualifiers that must all hold, other terms are words that must
//! all appear (case-insensitively) in the fields searched. `@me` names the caller. Only what
//! the caller may read is searched.
//!
//! What this module must not do: rank by relevance (GitHub's "best match" is not reproduced:
//! issues come newest first, repositories most starred first, users oldest first, each with a
//! `score` of 1), or search code (`/search/code` is not served). `OR` and `NOT` answer an
//! error naming them.

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{Account, AccountKind, Issue, Pull, Repo};

/// One parsed query: qualifiers that must all hold, and words.
#[derive(Debug, Default, PartialEq)]
pub struct Query {
    pub qualifiers: Vec<(String, String)>,
    pub words: Vec<String>,
    /// An operator not built yet (`OR`, `NOT`).
    pub unsupported: Option<String>,
}

/// Splits on spaces outside double quotes; `key:value` is a qualifier, anything else a word.
pub fn parse(text: &str) -> Query {
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

/// A numeric qualifier's range (`10`, `>10`, `>=10`, `<10`, `<=10`, `10..20`, `10..*`).
fn number_matches(range: &str, value: u64) -> bool {
    let parse = |text: &str| text.parse::<u64>().ok();
    if let Some((low, high)) = range.split_once("..") {
        let low_ok = low == "*" || parse(low).is_some_and(|l| value >= l);
        let high_ok = high == "*" || parse(high).is_some_and(|h| value <= h);
        return low_ok && high_ok;
    }
    if let Some(rest) = range.strip_prefix(">=") {
        return parse(rest).is_some_and(|n| value >= n);
    }
    if let Some(rest) = range.strip_prefix("<=") {
        return parse(rest).is_some_and(|n| value <= n);
    }
    if let Some(rest) = range.strip_prefix('>') {
        return parse(rest).is_some_and(|n| value > n);
    }
    if let Some(rest) = range.strip_prefix('<') {
        return parse(rest).is_some_and(|n| value < n);
    }
    parse(range) == Some(value)
}

/// Whether an issue or pull request matches every qualifier and word.
pub fn matches_issue(
    query: &Query,
    me: &str,
    repo: &Repo,
    issue: &Issue,
    pull: Option<&Pull>,
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
            "comments" => number_matches(value, issue.comments),
            "no" => match value_lower.as_str() {
                "label" => issue.labels.is_empty(),
                "assignee" => issue.assignees.is_empty(),
                _ => false,
            },
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

/// The parsed `q`, or GitHub's 422 for a missing one, and an error naming an operator not
/// supported here.
fn query_of(q: Option<&str>) -> Result<Query, GitHubError> {
    let Some(text) = q.filter(|q| !q.trim().is_empty()) else {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Search", "q", "missing",
        )]));
    };
    let query = parse(text);
    if let Some(operator) = &query.unsupported {
        return Err(GitHubError::Unprocessable(
            "Validation Failed".into(),
            vec![format!(
                "bleephub's search does not support the {operator} operator yet."
            )],
        ));
    }
    Ok(query)
}

/// How results are ordered: GitHub's `sort` (per kind) and `order` (`desc` by default).
pub struct Order<'a> {
    pub sort: Option<&'a str>,
    pub order: Option<&'a str>,
}

impl Order<'_> {
    fn ascending(&self) -> bool {
        self.order == Some("asc")
    }
}

/// `GET /search/issues`.
pub fn issues(
    ctx: &Ctx<'_>,
    q: Option<&str>,
    order: Order<'_>,
) -> Result<Vec<(Repo, Issue)>, GitHubError> {
    let query = query_of(q)?;
    let me = ctx
        .caller
        .as_ref()
        .map(|c| c.login().to_string())
        .unwrap_or_default();
    let state = &ctx.hub.state;
    let mut found = Vec::new();
    for (_, repo) in state.repos.all() {
        if !ctx.can_read(&repo) {
            continue;
        }
        for (key, issue) in state
            .issues
            .scan_prefix(&crate::model::repo_prefix(repo.id))
        {
            let pull = if issue.pull_request {
                state.pulls.get(&key)
            } else {
                None
            };
            if matches_issue(&query, &me, &repo, &issue, pull.as_ref()) {
                found.push((repo.clone(), issue));
            }
        }
    }
    let key = |issue: &Issue| match order.sort {
        Some("updated") => (issue.updated_at, issue.id),
        Some("comments") => (issue.comments as i64, issue.id),
        _ => (issue.created_at, issue.id),
    };
    found.sort_by_key(|(_, issue)| key(issue));
    if !(order.sort.is_some() && order.ascending()) {
        found.reverse();
    }
    Ok(found)
}

fn matches_repo(query: &Query, me: &str, repo: &Repo) -> bool {
    let all = query.qualifiers.iter().all(|(key, value)| {
        let value_lower = value.to_ascii_lowercase();
        let who = if value == "@me" { me } else { value.as_str() };
        match key.as_str() {
            "repo" => repo.full_name().eq_ignore_ascii_case(value),
            "user" | "org" | "owner" => repo.owner.eq_ignore_ascii_case(who),
            "is" => match value_lower.as_str() {
                "public" => !repo.private,
                "private" => repo.private,
                "archived" => repo.archived,
                "template" => repo.is_template,
                _ => false,
            },
            "archived" => repo.archived == (value_lower == "true"),
            // Forks are left out unless asked for, as on GitHub.
            "fork" => match value_lower.as_str() {
                "only" => repo.parent.is_some(),
                "true" => true,
                _ => repo.parent.is_none(),
            },
            "topic" => repo.topics.iter().any(|t| t.eq_ignore_ascii_case(value)),
            "stars" => number_matches(value, repo.stargazers),
            "forks" => number_matches(value, repo.forks),
            "in" | "sort" => true,
            _ => false,
        }
    });
    let forks_asked = query.qualifiers.iter().any(|(key, _)| key == "fork");
    if !forks_asked && repo.parent.is_some() {
        return false;
    }
    let where_words: Vec<&str> = query
        .qualifiers
        .iter()
        .filter(|(key, _)| key == "in")
        .flat_map(|(_, value)| value.split(','))
        .collect();
    let searched = |field: &str| where_words.is_empty() || where_words.contains(&field);
    let mut text = String::new();
    if searched("name") {
        text.push_str(&repo.name.to_lowercase());
        text.push('\n');
    }
    if searched("description") {
        text.push_str(
            &repo
                .description
                .as_deref()
                .unwrap_or_default()
                .to_lowercase(),
        );
        text.push('\n');
    }
    if searched("topics") {
        text.push_str(&repo.topics.join(" ").to_lowercase());
    }
    all && query.words.iter().all(|word| text.contains(word.as_str()))
}

/// `GET /search/repositories`.
pub fn repositories(
    ctx: &Ctx<'_>,
    q: Option<&str>,
    order: Order<'_>,
) -> Result<Vec<Repo>, GitHubError> {
    let query = query_of(q)?;
    let me = ctx
        .caller
        .as_ref()
        .map(|c| c.login().to_string())
        .unwrap_or_default();
    let mut found: Vec<Repo> = ctx
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| ctx.can_read(repo) && matches_repo(&query, &me, repo))
        .collect();
    match order.sort {
        Some("forks") => found.sort_by_key(|r| (r.forks, std::cmp::Reverse(r.id))),
        Some("updated") => found.sort_by_key(|r| (r.updated_at, std::cmp::Reverse(r.id))),
        _ => found.sort_by_key(|r| (r.stargazers, std::cmp::Reverse(r.id))),
    }
    if !(order.sort.is_some() && order.ascending()) {
        found.reverse();
    }
    Ok(found)
}

fn matches_user(query: &Query, account: &Account, repositories: u64) -> bool {
    let all = query.qualifiers.iter().all(|(key, value)| {
        let value_lower = value.to_ascii_lowercase();
        match key.as_str() {
            "type" => match value_lower.as_str() {
                "user" => account.kind != AccountKind::Organization,
                "org" => account.kind == AccountKind::Organization,
                _ => false,
            },
            "user" | "org" => account.login.eq_ignore_ascii_case(value),
            "repos" => number_matches(value, repositories),
            "in" | "sort" => true,
            _ => false,
        }
    });
    let where_words: Vec<&str> = query
        .qualifiers
        .iter()
        .filter(|(key, _)| key == "in")
        .flat_map(|(_, value)| value.split(','))
        .collect();
    let searched = |field: &str| where_words.is_empty() || where_words.contains(&field);
    let mut text = String::new();
    if searched("login") {
        text.push_str(&account.login.to_lowercase());
        text.push('\n');
    }
    if searched("name") {
        text.push_str(&account.name.as_deref().unwrap_or_default().to_lowercase());
        text.push('\n');
    }
    if searched("email") {
        text.push_str(&account.email.as_deref().unwrap_or_default().to_lowercase());
    }
    all && query.words.iter().all(|word| text.contains(word.as_str()))
}

/// `GET /search/users`.
pub fn users(
    ctx: &Ctx<'_>,
    q: Option<&str>,
    order: Order<'_>,
) -> Result<Vec<Account>, GitHubError> {
    let query = query_of(q)?;
    let state = &ctx.hub.state;
    let repos: Vec<Repo> = state.repos.all().into_iter().map(|(_, r)| r).collect();
    let public_repos = |login: &str| {
        repos
            .iter()
            .filter(|r| !r.private && r.owner.eq_ignore_ascii_case(login))
            .count() as u64
    };
    let mut found: Vec<(Account, u64)> = state
        .accounts
        .all()
        .into_iter()
        .map(|(_, account)| {
            let count = public_repos(&account.login);
            (account, count)
        })
        // App bots are accounts too; GitHub's user search does not list them.
        .filter(|(account, _)| !account.login.ends_with("[bot]"))
        .filter(|(account, count)| matches_user(&query, account, *count))
        .collect();
    match order.sort {
        Some("repositories") => found.sort_by_key(|(a, count)| (*count, a.id)),
        // `joined`, and the default.
        _ => found.sort_by_key(|(a, _)| (a.created_at, a.id)),
    }
    // Without `sort`, oldest account first; with it, `order` (desc by default).
    if order.sort.is_some() && !order.ascending() {
        found.reverse();
    }
    Ok(found.into_iter().map(|(account, _)| account).collect())
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

    #[test]
    fn numeric_ranges_follow_githubs_syntax() {
        let cases = [
            ("5", 5, true),
            ("5", 6, false),
            (">5", 6, true),
            (">5", 5, false),
            (">=5", 5, true),
            ("<5", 4, true),
            ("<=5", 6, false),
            ("2..4", 3, true),
            ("2..4", 5, false),
            ("2..*", 9, true),
            ("*..2", 3, false),
            ("x", 1, false),
        ];
        for (range, value, expected) in cases {
            assert_eq!(number_matches(range, value), expected, "{range} {value}");
        }
    }
}
