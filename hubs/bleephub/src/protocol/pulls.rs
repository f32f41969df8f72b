//! Dispatch of the pull request operations: pull requests, their commits and files, merging,
//! reviews and requested reviewers. The top-level dispatcher hands these operations here.

use serde_json::json;

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::model::Repo;
use crate::render::pulls::{self as shapes, RepoContext};
use crate::render::{self, git as git_shapes};
use crate::services::Ctx;
use crate::services::{pulls, review_comments};
use crate::spec::Op;

fn context<'a>(
    ctx: &Ctx<'_>,
    call: &Call<'_>,
    repo: &'a Repo,
    owner: &'a crate::model::Account,
) -> RepoContext<'a> {
    RepoContext {
        repo,
        owner,
        rendered: render_repo(ctx, &call.urls, repo, false),
    }
}

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let name = call.param("repo");
    let number = call.param("pull_number");
    let owner_account = |repo: &Repo| render::account_or_ghost(state, &repo.owner);
    Ok(match call.matched.op {
        Op::PullsList => {
            let filters = pulls::ListPulls {
                state: call.query("state"),
                head: call.query("head"),
                base: call.query("base"),
                sort: call.query("sort"),
                direction: call.query("direction"),
            };
            let (repo, list) = pulls::list(ctx, owner, name, filters)?;
            let account = owner_account(&repo);
            let context = context(ctx, call, &repo, &account);
            call.page(list, |view| shapes::simple(urls, state, &context, view))
        }
        Op::PullsCreate => {
            let (repo, view) = pulls::create(ctx, owner, name, call.input()?)?;
            let (_, view, stats) = pulls::get(ctx, owner, name, &view.issue.number.to_string())?;
            let account = owner_account(&repo);
            Reply::created(shapes::full(
                urls,
                state,
                &context(ctx, call, &repo, &account),
                &view,
                &stats,
            ))
        }
        Op::PullsGet => {
            let (repo, view, stats) = pulls::get(ctx, owner, name, number)?;
            let account = owner_account(&repo);
            Reply::ok(shapes::full(
                urls,
                state,
                &context(ctx, call, &repo, &account),
                &view,
                &stats,
            ))
        }
        Op::PullsUpdate => {
            let (repo, view, stats) = pulls::update(ctx, owner, name, number, call.input()?)?;
            let account = owner_account(&repo);
            Reply::ok(shapes::full(
                urls,
                state,
                &context(ctx, call, &repo, &account),
                &view,
                &stats,
            ))
        }
        Op::PullsListCommits => {
            let (repo, commits) = pulls::commits(ctx, owner, name, number)?;
            call.page(commits, |commit| {
                git_shapes::commit(urls, state, &repo, commit, None)
            })
        }
        Op::PullsListFiles => {
            let (repo, head, files) = pulls::files(ctx, owner, name, number)?;
            call.page(files, |file| {
                git_shapes::diff_entry(urls, &repo, &head, file)
            })
        }
        Op::PullsCheckIfMerged => {
            pulls::check_merged(ctx, owner, name, number)?;
            Reply::no_content()
        }
        Op::PullsMerge => {
            let sha = pulls::merge(ctx, owner, name, number, call.input()?)?;
            Reply::ok(
                json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}),
            )
        }
        Op::PullsListReviews => {
            let (repo, reviews) = pulls::list_reviews(ctx, owner, name, number)?;
            call.page(reviews, |review| shapes::review(urls, state, &repo, review))
        }
        Op::PullsCreateReview => {
            let (repo, review) = pulls::create_review(ctx, owner, name, number, call.input()?)?;
            Reply::ok(shapes::review(urls, state, &repo, &review))
        }
        Op::PullsGetReview => {
            let (repo, review) =
                pulls::get_review(ctx, owner, name, number, call.param("review_id"))?;
            Reply::ok(shapes::review(urls, state, &repo, &review))
        }
        Op::PullsSubmitReview => {
            let (repo, review) = pulls::submit_review(
                ctx,
                owner,
                name,
                number,
                call.param("review_id"),
                call.input()?,
            )?;
            Reply::ok(shapes::review(urls, state, &repo, &review))
        }
        Op::PullsListRequestedReviewers => {
            let (_, reviewers) = pulls::requested_reviewers(ctx, owner, name, number)?;
            Reply::ok(shapes::requested(urls, state, &reviewers))
        }
        Op::PullsRequestReviewers | Op::PullsRemoveRequestedReviewers => {
            let add = call.matched.op == Op::PullsRequestReviewers;
            let (repo, view) =
                pulls::change_reviewers(ctx, owner, name, number, call.input()?, add)?;
            let account = owner_account(&repo);
            let body = shapes::simple(urls, state, &context(ctx, call, &repo, &account), &view);
            if add {
                Reply {
                    location: None,
                    ..Reply::created(body)
                }
            } else {
                Reply::ok(body)
            }
        }
        Op::PullsListReviewComments
        | Op::PullsListReviewCommentsForRepo
        | Op::PullsListCommentsForReview
        | Op::PullsCreateReviewComment
        | Op::PullsCreateReplyForReviewComment
        | Op::PullsGetReviewComment
        | Op::PullsUpdateReviewComment
        | Op::PullsDeleteReviewComment => review_comment_dispatch(ctx, call)?,
        other => {
            // The top-level dispatcher sends only the operations above here.
            tracing::error!(
                ?other,
                "operation routed to the pulls dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}

fn comment_filters(call: &Call<'_>) -> Result<review_comments::ListComments, GitHubError> {
    Ok(review_comments::ListComments {
        sort: call.query("sort"),
        direction: call.query("direction"),
        since: call.since()?,
    })
}

fn review_comment_dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let state = &ctx.hub.state;
    let owner = call.param("owner");
    let name = call.param("repo");
    let number = call.param("pull_number");
    let id = call.param("comment_id");
    let render = |repo: &Repo, comment: &crate::model::ReviewComment| {
        shapes::review_comment(urls, state, repo, comment)
    };
    Ok(match call.matched.op {
        Op::PullsListReviewComments => {
            let (repo, list) =
                review_comments::list(ctx, owner, name, number, comment_filters(call)?)?;
            call.page(list, |comment| render(&repo, comment))
        }
        Op::PullsListReviewCommentsForRepo => {
            let (repo, list) =
                review_comments::list_for_repo(ctx, owner, name, comment_filters(call)?)?;
            call.page(list, |comment| render(&repo, comment))
        }
        Op::PullsListCommentsForReview => {
            let (repo, list) = review_comments::list_for_review(
                ctx,
                owner,
                name,
                number,
                call.param("review_id"),
            )?;
            call.page(list, |comment| render(&repo, comment))
        }
        Op::PullsCreateReviewComment => {
            let (repo, comment) = review_comments::create(ctx, owner, name, number, call.input()?)?;
            Reply::created(render(&repo, &comment))
        }
        Op::PullsCreateReplyForReviewComment => {
            let (repo, comment) =
                review_comments::create_reply(ctx, owner, name, number, id, call.input()?)?;
            Reply::created(render(&repo, &comment))
        }
        Op::PullsGetReviewComment => {
            let (repo, comment) = review_comments::get(ctx, owner, name, id)?;
            Reply::ok(render(&repo, &comment))
        }
        Op::PullsUpdateReviewComment => {
            let (repo, comment) = review_comments::update(ctx, owner, name, id, call.input()?)?;
            Reply::ok(render(&repo, &comment))
        }
        Op::PullsDeleteReviewComment => {
            review_comments::delete(ctx, owner, name, id)?;
            Reply::no_content()
        }
        other => {
            tracing::error!(
                ?other,
                "operation routed to the review comments dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}
