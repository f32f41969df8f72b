//! Forks: a new repository owned by the caller (or one of their organizations) that starts with
//! its parent's branches and tags, copied by git itself (`simkit::git::GitRepos::fork`). As on
//! GitHub, an owner has at most one fork of a repository (asking again answers the existing
//! one), forking one's own repository into the same account answers the repository itself, a
//! fork keeps its parent's visibility and default branch, takes `name-1` when the name is taken,
//! and the parent counts its forks.
//!
//! What this module must not do: see HTTP, or read the clock.

use serde::Deserialize;

use super::Ctx;
use super::repos::{CreateRepo, ForkOf, create_inner};
use crate::error::{FieldError, GitHubError};
use crate::model::{AccountKind, Repo, id_key};

/// `POST /repos/{owner}/{repo}/forks`.
#[derive(Debug, Default, Deserialize)]
pub struct CreateFork {
    pub organization: Option<String>,
    pub name: Option<String>,
    pub default_branch_only: Option<bool>,
}

/// The repository a fork was made from, and the root of its network.
pub fn lineage(ctx: &Ctx<'_>, repo: &Repo) -> Option<(Repo, Repo)> {
    let state = &ctx.hub.state;
    let parent = state.repos.get(&id_key(repo.parent?))?;
    let mut source = parent.clone();
    // Networks are shallow; the bound guards against a cycle in damaged state.
    for _ in 0..64 {
        match source.parent.and_then(|id| state.repos.get(&id_key(id))) {
            Some(next) => source = next,
            None => break,
        }
    }
    Some((parent, source))
}

/// The root of `repo`'s network (itself when it is no fork).
fn root_id(ctx: &Ctx<'_>, repo: &Repo) -> u64 {
    lineage(ctx, repo).map_or(repo.id, |(_, source)| source.id)
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateFork,
) -> Result<Repo, GitHubError> {
    let parent = ctx.readable_repo(owner, name)?;
    let caller = ctx.require_caller()?;
    let target = match &input.organization {
        Some(org) => {
            let account = ctx.hub.state.account(org).ok_or(GitHubError::NotFound)?;
            if account.kind != AccountKind::Organization {
                return Err(GitHubError::ValidationFailed(vec![FieldError::unfielded(
                    "Repository",
                    &format!(
                        "'{}' is the login for a user account. You must pass the login for an organization account.",
                        account.login
                    ),
                )]));
            }
            account.login
        }
        None => caller.login().to_string(),
    };
    if target.eq_ignore_ascii_case(&parent.owner) && input.name.is_none() {
        return Ok(parent);
    }
    // One fork per owner and network: asking again answers the fork already made.
    let network = root_id(ctx, &parent);
    let existing = ctx
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .find(|repo| {
            repo.owner.eq_ignore_ascii_case(&target)
                && repo.parent.is_some()
                && root_id(ctx, repo) == network
        });
    if let Some(existing) = existing {
        return Ok(existing);
    }
    let request = CreateRepo {
        name: input.name.clone().unwrap_or_else(|| parent.name.clone()),
        description: parent.description.clone(),
        homepage: parent.homepage.clone(),
        private: Some(parent.private),
        visibility: Some(parent.visibility.clone()),
        has_issues: Some(false),
        has_projects: Some(parent.has_projects),
        has_wiki: Some(parent.has_wiki),
        ..CreateRepo::default()
    };
    let org = input.organization.as_deref();
    create_inner(
        ctx,
        org,
        request,
        Some(ForkOf {
            parent: &parent,
            default_branch_only: input.default_branch_only.unwrap_or(false),
        }),
    )
}

/// `GET /repos/{owner}/{repo}/forks`: the direct forks the caller can see, `newest` first by
/// default (`oldest`, `stargazers`, `watchers` as GitHub sorts them).
pub fn list(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    sort: Option<&str>,
) -> Result<Vec<Repo>, GitHubError> {
    let parent = ctx.readable_repo(owner, name)?;
    let mut forks: Vec<Repo> = ctx
        .hub
        .state
        .repos
        .all()
        .into_iter()
        .map(|(_, repo)| repo)
        .filter(|repo| repo.parent == Some(parent.id) && ctx.can_read(repo))
        .collect();
    match sort.unwrap_or("newest") {
        "oldest" => forks.sort_by_key(|r| (r.created_at, r.id)),
        "stargazers" | "watchers" => {
            forks.sort_by_key(|r| (std::cmp::Reverse(r.stargazers), r.id));
        }
        _ => forks.sort_by_key(|r| (std::cmp::Reverse(r.created_at), std::cmp::Reverse(r.id))),
    }
    Ok(forks)
}
