//! Dispatch of forks: listing them, and making one (`202 Accepted` with the fork, as GitHub
//! answers while it copies; here the copy is done before the answer).

use super::{Call, Reply, render_repo};
use crate::error::GitHubError;
use crate::services::{Ctx, forks};
use crate::spec::Op;

pub(super) fn dispatch(ctx: &Ctx<'_>, call: &Call<'_>) -> Result<Reply, GitHubError> {
    let urls = &call.urls;
    let owner = call.param("owner");
    let name = call.param("repo");
    Ok(match call.matched.op {
        Op::ReposListForks => {
            let sort = call.query("sort");
            let list = forks::list(ctx, owner, name, sort.as_deref())?;
            call.page(list, |repo| render_repo(ctx, urls, repo, false))
        }
        Op::ReposCreateFork => {
            let fork = forks::create(ctx, owner, name, call.input()?)?;
            Reply {
                status: http::StatusCode::ACCEPTED,
                ..Reply::ok(render_repo(ctx, urls, &fork, true))
            }
        }
        other => {
            tracing::error!(
                ?other,
                "operation routed to the forks dispatcher by mistake"
            );
            return Err(GitHubError::Internal);
        }
    })
}
