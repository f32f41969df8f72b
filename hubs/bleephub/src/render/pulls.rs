//! Pull requests in GitHub's shapes: `pull-request-simple` (listings), `pull-request` (one,
//! with mergeability and the size of the change), `pull-request-review`,
//! `pull-request-review-comment`, the requested
//! reviewers, and the `pull_request` member issues carry.
//!
//! What this module must not do: run git or decide access.

use serde_json::{Value, json};

use super::{Urls, account_or_ghost, node_id, simple_user, timestamp};
use crate::model::{Account, Pull, Repo, Review, ReviewComment, State};
use crate::services::pulls::{PullStats, PullView};

fn optional_time(millis: Option<i64>) -> Value {
    millis.map_or(Value::Null, |m| timestamp(m).into())
}

/// The `pull_request` member of an issue that is one.
pub fn issue_member(urls: &Urls, repo: &Repo, pull: Option<&Pull>, number: u64) -> Value {
    let api = format!("{}/repos/{}/pulls/{number}", urls.api, repo.full_name());
    let html = format!("{}/{}/pull/{number}", urls.html, repo.full_name());
    json!({
        "url": api,
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "merged_at": optional_time(pull.and_then(|p| p.merged_at)),
    })
}

/// What the `repo` members of `head` and `base` show: the repository as the caller sees it.
pub struct RepoContext<'a> {
    pub repo: &'a Repo,
    pub owner: &'a Account,
    pub rendered: Value,
}

/// `pull-request-simple`.
pub fn simple(urls: &Urls, state: &State, context: &RepoContext<'_>, view: &PullView) -> Value {
    let repo = context.repo;
    let issue = &view.issue;
    let pull = &view.pull;
    let number = issue.number;
    let repo_api = format!("{}/repos/{}", urls.api, repo.full_name());
    let url = format!("{repo_api}/pulls/{number}");
    let html = format!("{}/{}/pull/{number}", urls.html, repo.full_name());
    let issue_url = format!("{repo_api}/issues/{number}");
    let rendered_issue = super::issue(urls, state, repo, issue);
    let side = |branch: &str, sha: &str| {
        json!({
            "label": format!("{}:{branch}", repo.owner),
            "ref": branch,
            "sha": sha,
            "user": simple_user(urls, context.owner),
            "repo": context.rendered,
        })
    };
    let reviewers: Vec<Value> = pull
        .requested_reviewers
        .iter()
        .map(|login| simple_user(urls, &account_or_ghost(state, login)))
        .collect();
    json!({
        "url": url,
        "id": pull.id,
        "node_id": node_id("PullRequest", pull.id),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": issue_url,
        "commits_url": format!("{url}/commits"),
        "review_comments_url": format!("{url}/comments"),
        "review_comment_url": format!("{repo_api}/pulls/comments{{/number}}"),
        "comments_url": format!("{issue_url}/comments"),
        "statuses_url": format!("{repo_api}/statuses/{}", pull.head_sha),
        "number": number,
        "state": issue.state,
        "locked": issue.locked,
        "title": issue.title,
        "user": rendered_issue["user"],
        "body": issue.body,
        "labels": rendered_issue["labels"],
        "milestone": rendered_issue["milestone"].clone(),
        "active_lock_reason": null,
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
        "closed_at": optional_time(issue.closed_at),
        "merged_at": optional_time(pull.merged_at),
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": rendered_issue["assignee"],
        "assignees": rendered_issue["assignees"],
        "requested_reviewers": reviewers,
        "requested_teams": [],
        "head": side(&pull.head_ref, &pull.head_sha),
        "base": side(&pull.base_ref, &pull.base_sha),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "issue": {"href": issue_url},
            "comments": {"href": format!("{issue_url}/comments")},
            "review_comments": {"href": format!("{url}/comments")},
            "review_comment": {"href": format!("{repo_api}/pulls/comments{{/number}}")},
            "commits": {"href": format!("{url}/commits")},
            "statuses": {"href": format!("{repo_api}/statuses/{}", pull.head_sha)},
        },
        "author_association": rendered_issue["author_association"],
        "auto_merge": null,
        "draft": pull.draft,
    })
}

/// `pull-request`.
pub fn full(
    urls: &Urls,
    state: &State,
    context: &RepoContext<'_>,
    view: &PullView,
    stats: &PullStats,
) -> Value {
    let mut body = simple(urls, state, context, view);
    let merged = view.pull.merged_at.is_some();
    let mergeable_state = match (merged || view.issue.state != "open", stats.mergeable) {
        (true, _) | (false, None) => "unknown",
        (false, Some(true)) if view.pull.draft => "draft",
        (false, Some(true)) => "clean",
        (false, Some(false)) => "dirty",
    };
    let extra = json!({
        "merged": merged,
        "mergeable": stats.mergeable,
        "rebaseable": stats.mergeable,
        "mergeable_state": mergeable_state,
        "merged_by": view.pull.merged_by.as_ref().map(|login| simple_user(urls, &account_or_ghost(state, login))),
        "comments": view.issue.comments,
        "review_comments": 0,
        "maintainer_can_modify": view.pull.maintainer_can_modify,
        "commits": stats.commits,
        "additions": stats.additions,
        "deletions": stats.deletions,
        "changed_files": stats.changed_files,
    });
    if let (Some(object), Value::Object(extra)) = (body.as_object_mut(), extra) {
        object.extend(extra);
    }
    body
}

/// `pull-request-review`.
pub fn review(urls: &Urls, state: &State, repo: &Repo, review: &Review) -> Value {
    let pull_url = format!(
        "{}/repos/{}/pulls/{}",
        urls.api,
        repo.full_name(),
        review.number
    );
    let html = format!(
        "{}/{}/pull/{}#pullrequestreview-{}",
        urls.html,
        repo.full_name(),
        review.number,
        review.id
    );
    let mut body = json!({
        "id": review.id,
        "node_id": node_id("PullRequestReview", review.id),
        "user": simple_user(urls, &account_or_ghost(state, &review.user)),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "commit_id": review.commit_id,
        "author_association": if repo.owner.eq_ignore_ascii_case(&review.user) { "OWNER" } else { "NONE" },
    });
    if let Some(submitted) = review.submitted_at {
        body["submitted_at"] = timestamp(submitted).into();
    }
    body
}

/// `pull-request-review-request`.
pub fn requested(urls: &Urls, state: &State, reviewers: &[String]) -> Value {
    json!({
        "users": reviewers.iter().map(|login| simple_user(urls, &account_or_ghost(state, login))).collect::<Vec<_>>(),
        "teams": [],
    })
}

/// `pull-request-review-comment`.
pub fn review_comment(urls: &Urls, state: &State, repo: &Repo, comment: &ReviewComment) -> Value {
    let repo_url = format!("{}/repos/{}", urls.api, repo.full_name());
    let url = format!("{repo_url}/pulls/comments/{}", comment.id);
    let pull_url = format!("{repo_url}/pulls/{}", comment.number);
    let html = format!(
        "{}/{}/pull/{}#discussion_r{}",
        urls.html,
        repo.full_name(),
        comment.number,
        comment.id
    );
    let mut body = json!({
        "url": url,
        "pull_request_review_id": comment.review_id,
        "id": comment.id,
        "node_id": node_id("PullRequestReviewComment", comment.id),
        "diff_hunk": comment.diff_hunk,
        "path": comment.path,
        "position": comment.position,
        "original_position": comment.position,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.original_commit_id,
        "user": simple_user(urls, &account_or_ghost(state, &comment.user)),
        "body": comment.body,
        "created_at": timestamp(comment.created_at),
        "updated_at": timestamp(comment.updated_at),
        "html_url": html,
        "pull_request_url": pull_url,
        "author_association": super::association(repo, &comment.user),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "pull_request": {"href": pull_url},
        },
        "start_line": comment.start_line,
        "original_start_line": comment.start_line,
        "start_side": comment.start_side,
        "line": comment.line,
        "original_line": comment.line,
        "side": comment.side,
        "subject_type": comment.subject_type,
        "reactions": super::reactions(&url),
    });
    if let Some(parent) = comment.in_reply_to {
        body["in_reply_to_id"] = parent.into();
    }
    body
}
