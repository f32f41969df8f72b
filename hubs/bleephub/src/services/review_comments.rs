//! Pull request review comments: remarks anchored to the pull request's real diff.
//!
//! A comment names a file the pull request changes and a line of it on one side of the diff
//! (`RIGHT` is the head, `LEFT` the base), or a range (`start_line`..`line`, one hunk), or the
//! whole file (`subject_type: file`), or, the deprecated way, a `position` counted down from the
//! file's first `@@`. The anchor is resolved against `git diff MERGE_BASE COMMIT_ID`, so a line
//! outside every hunk is GitHub's 422, and `diff_hunk` is the hunk's text through the line, as
//! GitHub stores it. Every comment belongs to a review: one made on its own gets a submitted
//! `COMMENTED` review of its own (as on GitHub), one made with a review (`comments[]` of
//! `POST .../reviews`) belongs to it. Replies join the thread of a top-level comment.
//!
//! What this module must not do: see HTTP, or read the clock.

use serde::Deserialize;

use super::Ctx;
use super::commits::open;
use super::git::internal;
use super::pulls::{self, PullView};
use crate::error::{FieldError, GitHubError};
use crate::model::{self, Repo, Review, ReviewComment, comment_key, issue_key, repo_prefix};

/// `POST .../pulls/{n}/comments`, and one entry of a review's `comments[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateComment {
    pub body: String,
    pub commit_id: Option<String>,
    pub path: Option<String>,
    pub position: Option<u64>,
    pub side: Option<String>,
    pub line: Option<u64>,
    pub start_line: Option<u64>,
    pub start_side: Option<String>,
    pub in_reply_to: Option<u64>,
    pub subject_type: Option<String>,
}

/// `POST .../comments/{id}/replies` and `PATCH .../pulls/comments/{id}`.
#[derive(Debug, Deserialize)]
pub struct CommentBody {
    pub body: String,
}

/// One line of a file's diff, as review comments address it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DiffLine {
    /// Counted from the line after the file's first `@@` (later `@@` lines count too).
    position: u64,
    hunk: usize,
    old: Option<u64>,
    new: Option<u64>,
}

/// A file's patch, parsed: its lines and each hunk's text by line.
#[derive(Debug, Default)]
struct Patch {
    lines: Vec<DiffLine>,
    /// The patch's text lines; `texts[position]` is the line at `position` (0 is the first
    /// `@@`).
    texts: Vec<String>,
    /// The position of each hunk's `@@` line.
    hunk_starts: Vec<u64>,
}

fn hunk_numbers(header: &str) -> Option<(u64, u64)> {
    // `@@ -OLD[,N] +NEW[,N] @@ context`
    let mut parts = header.split_whitespace().skip(1);
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let first = |range: &str| range.split(',').next()?.parse::<u64>().ok();
    Some((first(old)?, first(new)?))
}

fn parse_patch(patch: &str) -> Patch {
    let mut parsed = Patch::default();
    let (mut old, mut new) = (0u64, 0u64);
    for (position, text) in patch.lines().enumerate() {
        let position = position as u64;
        parsed.texts.push(text.to_string());
        if text.starts_with("@@") {
            if let Some((o, n)) = hunk_numbers(text) {
                (old, new) = (o, n);
            }
            parsed.hunk_starts.push(position);
            continue;
        }
        let hunk = parsed.hunk_starts.len().saturating_sub(1);
        let (at_old, at_new) = match text.as_bytes().first() {
            Some(b'+') => (None, Some(new)),
            Some(b'-') => (Some(old), None),
            // `\ No newline at end of file` names no line.
            Some(b'\\') => continue,
            _ => (Some(old), Some(new)),
        };
        if at_old.is_some() {
            old += 1;
        }
        if at_new.is_some() {
            new += 1;
        }
        parsed.lines.push(DiffLine {
            position,
            hunk,
            old: at_old,
            new: at_new,
        });
    }
    parsed
}

impl Patch {
    fn find(&self, side: &str, line: u64) -> Option<&DiffLine> {
        self.lines.iter().find(|l| {
            if side == "LEFT" {
                l.old == Some(line)
            } else {
                l.new == Some(line)
            }
        })
    }

    fn at(&self, position: u64) -> Option<&DiffLine> {
        self.lines.iter().find(|l| l.position == position)
    }

    /// The hunk's text from its `@@` through `line`, as GitHub's `diff_hunk`.
    fn hunk_through(&self, line: &DiffLine) -> String {
        let start = self.hunk_starts.get(line.hunk).copied().unwrap_or(0) as usize;
        self.texts[start..=line.position as usize].join("\n")
    }
}

/// Where a new comment is anchored, once resolved against the diff.
struct Anchor {
    path: String,
    commit_id: String,
    diff_hunk: String,
    line: Option<u64>,
    side: String,
    start_line: Option<u64>,
    start_side: Option<String>,
    position: Option<u64>,
    subject_type: String,
}

/// How a failed anchor is worded: the single-comment endpoint answers `Validation Failed` with
/// a field error, a review's `comments[]` GitHub's `Unprocessable Entity` with sentences.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    Comment,
    Review,
}

fn line_error(wording: Wording) -> GitHubError {
    match wording {
        Wording::Comment => GitHubError::ValidationFailed(vec![FieldError::custom(
            "PullRequestReviewComment",
            "pull_request_review_thread.line",
            "could not be resolved",
        )]),
        Wording::Review => GitHubError::Unprocessable(
            "Unprocessable Entity".into(),
            vec!["Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank".into()],
        ),
    }
}

fn path_error(wording: Wording) -> GitHubError {
    match wording {
        Wording::Comment => GitHubError::ValidationFailed(vec![FieldError::custom(
            "PullRequestReviewComment",
            "pull_request_review_thread.path",
            "could not be resolved",
        )]),
        Wording::Review => GitHubError::Unprocessable(
            "Unprocessable Entity".into(),
            vec!["Path could not be resolved".into()],
        ),
    }
}

fn start_error(wording: Wording) -> GitHubError {
    match wording {
        Wording::Comment => GitHubError::ValidationFailed(vec![FieldError::custom(
            "PullRequestReviewComment",
            "pull_request_review_thread.start_line",
            "must be part of the same hunk as the line.",
        )]),
        Wording::Review => GitHubError::Unprocessable(
            "Unprocessable Entity".into(),
            vec![
                "Pull request review thread start line must be part of the same hunk as the line."
                    .into(),
            ],
        ),
    }
}

fn missing(field: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::new(
        "PullRequestReviewComment",
        field,
        "missing_field",
    )])
}

/// Resolves a new comment's anchor against the pull request's diff at `commit_id`.
fn anchor(
    ctx: &Ctx<'_>,
    repo: &Repo,
    view: &PullView,
    input: &CreateComment,
    default_commit: &str,
    wording: Wording,
) -> Result<Anchor, GitHubError> {
    let path = input.path.clone().ok_or_else(|| missing("path"))?;
    let commit_id = input
        .commit_id
        .clone()
        .unwrap_or_else(|| default_commit.to_string());
    let git = open(ctx, repo)?;
    let comparison = git
        .compare(&view.pull.base_sha, &view.pull.head_sha)
        .map_err(internal)?;
    // The comment's commit must be one of the pull request's own.
    if !comparison.commits.iter().any(|c| c.sha == commit_id) {
        return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
            "PullRequestReviewComment",
            "commit_id",
            "commit_id is not part of the pull request",
        )]));
    }
    let from = comparison.merge_base.unwrap_or(comparison.base);
    let diffs = git.diff(&from, &commit_id).map_err(internal)?;
    let file = diffs
        .iter()
        .find(|d| d.path == path)
        .ok_or_else(|| path_error(wording))?;
    let patch = parse_patch(file.patch.as_deref().unwrap_or_default());
    if input.subject_type.as_deref() == Some("file") {
        return Ok(Anchor {
            path,
            commit_id,
            diff_hunk: patch.texts.first().cloned().unwrap_or_default(),
            line: None,
            side: "RIGHT".into(),
            start_line: None,
            start_side: None,
            position: None,
            subject_type: "file".into(),
        });
    }
    let (target, side) = match (input.line, input.position) {
        (Some(line), _) => {
            let side = input.side.clone().unwrap_or_else(|| "RIGHT".into());
            let target = patch.find(&side, line).ok_or_else(|| line_error(wording))?;
            (target, side)
        }
        (None, Some(position)) => {
            let target = patch.at(position).ok_or_else(|| line_error(wording))?;
            let side = if target.new.is_none() {
                "LEFT"
            } else {
                "RIGHT"
            };
            (target, side.to_string())
        }
        (None, None) => return Err(line_error(wording)),
    };
    let line = if side == "LEFT" {
        target.old
    } else {
        target.new
    };
    let (start_line, start_side) = match input.start_line {
        Some(start) => {
            let start_side = input.start_side.clone().unwrap_or_else(|| side.clone());
            let first = patch
                .find(&start_side, start)
                .ok_or_else(|| line_error(wording))?;
            if first.hunk != target.hunk || first.position >= target.position {
                return Err(start_error(wording));
            }
            (Some(start), Some(start_side))
        }
        None => (None, None),
    };
    Ok(Anchor {
        path,
        commit_id,
        diff_hunk: patch.hunk_through(target),
        line,
        side,
        start_line,
        start_side,
        position: Some(target.position),
        subject_type: "line".into(),
    })
}

fn all_for_repo(ctx: &Ctx<'_>, repo: &Repo) -> Vec<ReviewComment> {
    ctx.hub
        .state
        .review_comments
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .map(|(_, comment)| comment)
        .collect()
}

/// Whether the caller may see comments of `review` (a pending review is its author's alone).
fn visible(ctx: &Ctx<'_>, repo: &Repo, review_id: u64) -> bool {
    let Some(review) = ctx.hub.state.reviews.get(&issue_key(repo.id, review_id)) else {
        return false;
    };
    review.state != "PENDING"
        || ctx
            .caller
            .as_ref()
            .is_some_and(|c| review.user.eq_ignore_ascii_case(c.login()))
}

/// A review's comment, its anchor resolved, waiting for the review to be written.
pub struct Prepared {
    anchor: Anchor,
    body: String,
}

/// Resolves the comments of a review being created: every anchor is checked before anything
/// is written, so a review with one bad comment is refused whole, as on GitHub.
pub fn prepare_for_review(
    ctx: &Ctx<'_>,
    repo: &Repo,
    view: &PullView,
    commit_id: &str,
    inputs: &[CreateComment],
) -> Result<Vec<Prepared>, GitHubError> {
    inputs
        .iter()
        .map(|input| {
            if input.body.trim().is_empty() {
                return Err(missing("body"));
            }
            let anchor = anchor(ctx, repo, view, input, commit_id, Wording::Review)?;
            Ok(Prepared {
                anchor,
                body: input.body.clone(),
            })
        })
        .collect()
}

/// Writes a review's prepared comments inside `txn`.
pub fn store_for_review(
    ctx: &Ctx<'_>,
    txn: &mut simkit::store::Txn<'_>,
    repo: &Repo,
    view: &PullView,
    review: &Review,
    prepared: Vec<Prepared>,
) -> Result<(), GitHubError> {
    let state = &ctx.hub.state;
    for Prepared { anchor, body } in prepared {
        let id = model::next_id(txn, &state.counters, "review_comment")?;
        let comment = new_comment(ctx, repo, view, review, id, anchor, &body, None);
        txn.insert(&state.review_comments, &comment_key(repo.id, id), comment)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn new_comment(
    ctx: &Ctx<'_>,
    repo: &Repo,
    view: &PullView,
    review: &Review,
    id: u64,
    anchor: Anchor,
    body: &str,
    in_reply_to: Option<u64>,
) -> ReviewComment {
    ReviewComment {
        id,
        repo_id: repo.id,
        number: view.issue.number,
        review_id: review.id,
        user: review.user.clone(),
        body: body.to_string(),
        path: anchor.path,
        original_commit_id: anchor.commit_id.clone(),
        commit_id: anchor.commit_id,
        diff_hunk: anchor.diff_hunk,
        line: anchor.line,
        side: anchor.side,
        start_line: anchor.start_line,
        start_side: anchor.start_side,
        position: anchor.position,
        in_reply_to,
        subject_type: anchor.subject_type,
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

/// A submitted `COMMENTED` review holding one comment made on its own, and the comment.
fn store_alone(
    ctx: &Ctx<'_>,
    repo: &Repo,
    view: &PullView,
    anchor: Anchor,
    body: &str,
    in_reply_to: Option<u64>,
) -> Result<ReviewComment, GitHubError> {
    let caller = ctx.require_caller()?.login().to_string();
    let state = &ctx.hub.state;
    let now = ctx.now;
    state.store.transaction(|txn| {
        let review_id = model::next_id(txn, &state.counters, "review")?;
        let review = Review {
            id: review_id,
            repo_id: repo.id,
            number: view.issue.number,
            user: caller.clone(),
            body: String::new(),
            state: "COMMENTED".into(),
            commit_id: anchor.commit_id.clone(),
            submitted_at: Some(now),
        };
        txn.insert(
            &state.reviews,
            &issue_key(repo.id, review_id),
            review.clone(),
        )?;
        let id = model::next_id(txn, &state.counters, "review_comment")?;
        let comment = new_comment(ctx, repo, view, &review, id, anchor, body, in_reply_to);
        txn.insert(
            &state.review_comments,
            &comment_key(repo.id, id),
            comment.clone(),
        )?;
        Ok::<_, GitHubError>(comment)
    })
}

/// The comment a reply answers: a top-level comment of the same pull request.
fn thread_head(
    ctx: &Ctx<'_>,
    repo: &Repo,
    view: &PullView,
    id: u64,
) -> Result<ReviewComment, GitHubError> {
    let parent = ctx
        .hub
        .state
        .review_comments
        .get(&comment_key(repo.id, id))
        .filter(|c| c.number == view.issue.number && visible(ctx, repo, c.review_id))
        .ok_or(GitHubError::NotFound)?;
    // GitHub's description: "Replies to replies are not supported."
    if parent.in_reply_to.is_some() {
        return Err(GitHubError::ValidationFailed(vec![FieldError::custom(
            "PullRequestReviewComment",
            "in_reply_to",
            "Replies to replies are not supported.",
        )]));
    }
    Ok(parent)
}

fn reply(
    ctx: &Ctx<'_>,
    repo: &Repo,
    view: &PullView,
    parent: ReviewComment,
    body: &str,
) -> Result<ReviewComment, GitHubError> {
    let anchor = Anchor {
        path: parent.path,
        commit_id: parent.commit_id,
        diff_hunk: parent.diff_hunk,
        line: parent.line,
        side: parent.side,
        start_line: parent.start_line,
        start_side: parent.start_side,
        position: parent.position,
        subject_type: parent.subject_type,
    };
    store_alone(ctx, repo, view, anchor, body, Some(parent.id))
}

fn check_body(body: &str) -> Result<(), GitHubError> {
    if body.trim().is_empty() {
        return Err(missing("body"));
    }
    Ok(())
}

/// `POST .../pulls/{n}/comments`: a new thread, or with `in_reply_to` a reply (every other
/// member is then ignored, as GitHub documents).
pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: CreateComment,
) -> Result<(Repo, ReviewComment), GitHubError> {
    let repo = pulls::open_repo(ctx, owner, name)?;
    let view = pulls::load(ctx, &repo, number)?;
    check_body(&input.body)?;
    if let Some(parent) = input.in_reply_to {
        let parent = thread_head(ctx, &repo, &view, parent)?;
        let comment = reply(ctx, &repo, &view, parent, &input.body)?;
        return Ok((repo, comment));
    }
    if input.commit_id.is_none() {
        return Err(missing("commit_id"));
    }
    let anchor = anchor(
        ctx,
        &repo,
        &view,
        &input,
        &view.pull.head_sha,
        Wording::Comment,
    )?;
    let comment = store_alone(ctx, &repo, &view, anchor, &input.body, None)?;
    Ok((repo, comment))
}

/// `POST .../pulls/{n}/comments/{id}/replies`.
pub fn create_reply(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    id: &str,
    input: CommentBody,
) -> Result<(Repo, ReviewComment), GitHubError> {
    let repo = pulls::open_repo(ctx, owner, name)?;
    let view = pulls::load(ctx, &repo, number)?;
    check_body(&input.body)?;
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    let parent = thread_head(ctx, &repo, &view, id)?;
    let comment = reply(ctx, &repo, &view, parent, &input.body)?;
    Ok((repo, comment))
}

/// Listing order and filters, as given (`sort` is `created` or `updated`).
#[derive(Debug, Default)]
pub struct ListComments {
    pub sort: Option<String>,
    pub direction: Option<String>,
    pub since: Option<i64>,
}

fn ordered(mut list: Vec<ReviewComment>, filters: &ListComments) -> Vec<ReviewComment> {
    if let Some(since) = filters.since {
        list.retain(|c| c.updated_at >= since);
    }
    let by_updated = filters.sort.as_deref() == Some("updated");
    list.sort_by_key(|c| {
        if by_updated {
            (c.updated_at, c.id)
        } else {
            (c.created_at, c.id)
        }
    });
    // Without `sort`, GitHub lists oldest first; with it, `direction` defaults to `desc`.
    let descending = match filters.direction.as_deref() {
        Some(direction) => direction == "desc",
        None => filters.sort.is_some(),
    };
    if descending {
        list.reverse();
    }
    list
}

/// `GET .../pulls/{n}/comments`.
pub fn list(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    filters: ListComments,
) -> Result<(Repo, Vec<ReviewComment>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let view = pulls::load(ctx, &repo, number)?;
    let list = all_for_repo(ctx, &repo)
        .into_iter()
        .filter(|c| c.number == view.issue.number && visible(ctx, &repo, c.review_id))
        .collect();
    Ok((repo, ordered(list, &filters)))
}

/// `GET .../pulls/comments`: every pull request's.
pub fn list_for_repo(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    filters: ListComments,
) -> Result<(Repo, Vec<ReviewComment>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let list = all_for_repo(ctx, &repo)
        .into_iter()
        .filter(|c| visible(ctx, &repo, c.review_id))
        .collect();
    Ok((repo, ordered(list, &filters)))
}

/// `GET .../pulls/{n}/reviews/{id}/comments`.
pub fn list_for_review(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    review_id: &str,
) -> Result<(Repo, Vec<ReviewComment>), GitHubError> {
    let (repo, review) = pulls::get_review(ctx, owner, name, number, review_id)?;
    let list = all_for_repo(ctx, &repo)
        .into_iter()
        .filter(|c| c.review_id == review.id)
        .collect();
    Ok((repo, list))
}

/// `GET .../pulls/comments/{id}`.
pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
) -> Result<(Repo, ReviewComment), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let id: u64 = id.parse().map_err(|_| GitHubError::NotFound)?;
    let comment = ctx
        .hub
        .state
        .review_comments
        .get(&comment_key(repo.id, id))
        .filter(|c| visible(ctx, &repo, c.review_id))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, comment))
}

fn own_or_push(ctx: &Ctx<'_>, repo: &Repo, comment: &ReviewComment) -> Result<(), GitHubError> {
    let caller = ctx.require_caller()?;
    if comment.user.eq_ignore_ascii_case(caller.login()) || ctx.permissions(repo).push {
        Ok(())
    } else {
        Err(GitHubError::Forbidden(
            "Must have push access to repository".into(),
        ))
    }
}

/// `PATCH .../pulls/comments/{id}`: the author, or anyone who may push.
pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    id: &str,
    input: CommentBody,
) -> Result<(Repo, ReviewComment), GitHubError> {
    let (repo, existing) = get(ctx, owner, name, id)?;
    pulls::open_repo(ctx, owner, name)?;
    own_or_push(ctx, &repo, &existing)?;
    check_body(&input.body)?;
    let now = ctx.now;
    let updated = ctx
        .hub
        .state
        .review_comments
        .update(&comment_key(repo.id, existing.id), |comment| {
            comment.body = input.body.clone();
            comment.updated_at = now;
            comment.clone()
        })?
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, updated))
}

/// `DELETE .../pulls/comments/{id}`.
pub fn delete(ctx: &Ctx<'_>, owner: &str, name: &str, id: &str) -> Result<(), GitHubError> {
    let (repo, existing) = get(ctx, owner, name, id)?;
    pulls::open_repo(ctx, owner, name)?;
    own_or_push(ctx, &repo, &existing)?;
    ctx.hub
        .state
        .review_comments
        .remove(&comment_key(repo.id, existing.id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "@@ -1,3 +1,4 @@\n one\n-two\n+deux\n+zwei\n three\n@@ -10,2 +11,2 @@ fn x\n ten\n-eleven\n+onze";

    #[test]
    fn lines_are_resolved_on_either_side_with_positions_across_hunks() {
        let patch = parse_patch(PATCH);
        let check = |side: &str, line: u64| patch.find(side, line).map(|l| (l.position, l.hunk));
        assert_eq!(check("RIGHT", 1), Some((1, 0)));
        assert_eq!(check("LEFT", 2), Some((2, 0)));
        assert_eq!(check("RIGHT", 3), Some((4, 0)));
        assert_eq!(check("RIGHT", 4), Some((5, 0)));
        // The second `@@` counts as a position.
        assert_eq!(check("RIGHT", 11), Some((7, 1)));
        assert_eq!(check("LEFT", 11), Some((8, 1)));
        assert_eq!(check("RIGHT", 12), Some((9, 1)));
        assert_eq!(check("RIGHT", 5), None);
        assert_eq!(check("LEFT", 3), Some((5, 0)));
    }

    #[test]
    fn the_diff_hunk_runs_from_the_hunk_header_through_the_line() {
        let patch = parse_patch(PATCH);
        let line = patch.find("RIGHT", 12).cloned();
        assert_eq!(
            line.map(|l| patch.hunk_through(&l)),
            Some("@@ -10,2 +11,2 @@ fn x\n ten\n-eleven\n+onze".to_string())
        );
        assert_eq!(patch.at(3).and_then(|l| l.new), Some(2));
    }
}
