//! Stars and watching. A star is a person's bookmark of a repository (`stargazers_count`, and
//! the legacy `watchers_count`, count them); a subscription is watching it (`subscribers_count`
//! counts the subscribed ones). As on GitHub, whoever creates a repository watches it, and a
//! private repository's stars and watchers are seen only by those who can read it.
//!
//! What this module must not do: see HTTP, or read the clock.

use super::Ctx;
use crate::error::GitHubError;
use crate::model::{Account, Repo, Star, Subscription, id_key};

fn key(repo: &Repo, login: &str) -> String {
    format!("{:012}/{}", repo.id, login.to_ascii_lowercase())
}

/// A caller whose token may change what it stars or watches: GitHub hides the repository
/// (404) from a token without a repository scope.
fn acting_on(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(Repo, String), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let caller = ctx.require_caller()?;
    if !caller.has_scope("public_repo") && !caller.has_scope("repo") {
        return Err(GitHubError::NotFound);
    }
    Ok((repo, caller.login().to_string()))
}

/// `PUT /user/starred/{owner}/{repo}`: starring twice is one star.
pub fn star(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(), GitHubError> {
    let (repo, login) = acting_on(ctx, owner, name)?;
    let state = &ctx.hub.state;
    let now = ctx.now;
    state.store.transaction(|txn| {
        let key = key(&repo, &login);
        if txn.contains(&state.stars, &key)? {
            return Ok(());
        }
        let seq = crate::model::next_id(txn, &state.counters, "star")?;
        txn.insert(
            &state.stars,
            &key,
            Star {
                repo_id: repo.id,
                login: login.clone(),
                starred_at: now,
                seq,
            },
        )?;
        if let Some(mut current) = txn.get(&state.repos, &id_key(repo.id))? {
            current.stargazers += 1;
            txn.insert(&state.repos, &id_key(repo.id), current)?;
        }
        Ok::<_, GitHubError>(())
    })
}

/// `DELETE /user/starred/{owner}/{repo}`.
pub fn unstar(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(), GitHubError> {
    let (repo, login) = acting_on(ctx, owner, name)?;
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        if txn.remove(&state.stars, &key(&repo, &login))?.is_some()
            && let Some(mut current) = txn.get(&state.repos, &id_key(repo.id))?
        {
            current.stargazers = current.stargazers.saturating_sub(1);
            txn.insert(&state.repos, &id_key(repo.id), current)?;
        }
        Ok::<_, GitHubError>(())
    })
}

/// `GET /user/starred/{owner}/{repo}`: 204 when starred, 404 otherwise.
pub fn check_starred(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let login = ctx.require_caller()?.login().to_string();
    if ctx.hub.state.stars.get(&key(&repo, &login)).is_some() {
        Ok(())
    } else {
        Err(GitHubError::NotFound)
    }
}

/// `GET /repos/{owner}/{repo}/stargazers`, oldest star first.
pub fn stargazers(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
) -> Result<Vec<(Account, Star)>, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let mut stars: Vec<Star> = ctx
        .hub
        .state
        .stars
        .scan_prefix(&format!("{:012}/", repo.id))
        .into_iter()
        .map(|(_, star)| star)
        .collect();
    stars.sort_by_key(|star| (star.starred_at, star.seq));
    Ok(stars
        .into_iter()
        .filter_map(|star| Some((ctx.hub.state.account(&star.login)?, star)))
        .collect())
}

/// The repositories `login` starred that the caller can see, newest star first (GitHub's
/// default `sort=created&direction=desc`).
pub fn starred_by(
    ctx: &Ctx<'_>,
    login: &str,
    sort: Option<&str>,
    direction: Option<&str>,
) -> Result<Vec<(Repo, Star)>, GitHubError> {
    let account = ctx.hub.state.account(login).ok_or(GitHubError::NotFound)?;
    let mut list: Vec<(Repo, Star)> = ctx
        .hub
        .state
        .stars
        .all()
        .into_iter()
        .map(|(_, star)| star)
        .filter(|star| star.login.eq_ignore_ascii_case(&account.login))
        .filter_map(|star| Some((ctx.hub.state.repos.get(&id_key(star.repo_id))?, star)))
        .filter(|(repo, _)| ctx.can_read(repo))
        .collect();
    match sort {
        Some("updated") => list.sort_by_key(|(repo, _)| repo.updated_at),
        _ => list.sort_by_key(|(_, star)| (star.starred_at, star.seq)),
    }
    if direction != Some("asc") {
        list.reverse();
    }
    Ok(list)
}

/// `GET /user/starred`.
pub fn starred_by_caller(
    ctx: &Ctx<'_>,
    sort: Option<&str>,
    direction: Option<&str>,
) -> Result<Vec<(Repo, Star)>, GitHubError> {
    let login = ctx.require_caller()?.login().to_string();
    starred_by(ctx, &login, sort, direction)
}

/// `PUT /repos/{owner}/{repo}/subscription`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SetSubscription {
    pub subscribed: Option<bool>,
    pub ignored: Option<bool>,
}

/// Whether a subscription counts as watching.
fn watching(subscription: &Subscription) -> bool {
    subscription.subscribed && !subscription.ignored
}

/// Writes `login`'s subscription to `repo` inside `txn`, keeping `subscribers_count` true.
pub fn put_subscription(
    txn: &mut simkit::store::Txn<'_>,
    state: &crate::model::State,
    repo: &Repo,
    subscription: Option<Subscription>,
    login: &str,
) -> Result<(), GitHubError> {
    let key = key(repo, login);
    let before = txn
        .get(&state.subscriptions, &key)?
        .as_ref()
        .is_some_and(watching);
    let after = subscription.as_ref().is_some_and(watching);
    match subscription {
        Some(subscription) => txn.insert(&state.subscriptions, &key, subscription)?,
        None => {
            txn.remove(&state.subscriptions, &key)?;
        }
    }
    if before != after
        && let Some(mut current) = txn.get(&state.repos, &id_key(repo.id))?
    {
        if after {
            current.subscribers += 1;
        } else {
            current.subscribers = current.subscribers.saturating_sub(1);
        }
        txn.insert(&state.repos, &id_key(repo.id), current)?;
    }
    Ok(())
}

/// `GET /repos/{owner}/{repo}/subscription`: 404 when the caller does not watch it.
pub fn get_subscription(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
) -> Result<(Repo, Subscription), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let login = ctx.require_caller()?.login().to_string();
    let subscription = ctx
        .hub
        .state
        .subscriptions
        .get(&key(&repo, &login))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, subscription))
}

pub fn set_subscription(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: SetSubscription,
) -> Result<(Repo, Subscription), GitHubError> {
    let (repo, login) = acting_on(ctx, owner, name)?;
    let subscription = Subscription {
        repo_id: repo.id,
        login: login.clone(),
        subscribed: input.subscribed.unwrap_or(false),
        ignored: input.ignored.unwrap_or(false),
        created_at: ctx.now,
    };
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        put_subscription(txn, state, &repo, Some(subscription.clone()), &login)
    })?;
    Ok((repo, subscription))
}

pub fn delete_subscription(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(), GitHubError> {
    let (repo, login) = acting_on(ctx, owner, name)?;
    let state = &ctx.hub.state;
    state
        .store
        .transaction(|txn| put_subscription(txn, state, &repo, None, &login))
}

/// `GET /repos/{owner}/{repo}/subscribers`: those watching, oldest first.
pub fn watchers(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Vec<Account>, GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let mut list: Vec<Subscription> = ctx
        .hub
        .state
        .subscriptions
        .scan_prefix(&format!("{:012}/", repo.id))
        .into_iter()
        .map(|(_, subscription)| subscription)
        .filter(watching)
        .collect();
    list.sort_by_key(|s| s.created_at);
    Ok(list
        .into_iter()
        .filter_map(|s| ctx.hub.state.account(&s.login))
        .collect())
}

/// The repositories `login` watches that the caller can see.
pub fn watched_by(ctx: &Ctx<'_>, login: &str) -> Result<Vec<Repo>, GitHubError> {
    let account = ctx.hub.state.account(login).ok_or(GitHubError::NotFound)?;
    let mut list: Vec<(Repo, i64)> = ctx
        .hub
        .state
        .subscriptions
        .all()
        .into_iter()
        .map(|(_, subscription)| subscription)
        .filter(|s| s.login.eq_ignore_ascii_case(&account.login) && watching(s))
        .filter_map(|s| Some((ctx.hub.state.repos.get(&id_key(s.repo_id))?, s.created_at)))
        .filter(|(repo, _)| ctx.can_read(repo))
        .collect();
    list.sort_by_key(|(repo, at)| (*at, repo.id));
    Ok(list.into_iter().map(|(repo, _)| repo).collect())
}

/// `GET /user/subscriptions`.
pub fn watched_by_caller(ctx: &Ctx<'_>) -> Result<Vec<Repo>, GitHubError> {
    let login = ctx.require_caller()?.login().to_string();
    watched_by(ctx, &login)
}
