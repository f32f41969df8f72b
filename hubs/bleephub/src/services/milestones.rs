//! Milestones: numbered per repository (apart from issues), open or closed, with a due date;
//! issues point at one by number (`github.issue_milestones`), and a milestone's open and closed
//! issue counts are read from them.
//!
//! What this module must not do: see HTTP.

use serde::Deserialize;

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, Milestone, Repo, issue_key};

#[derive(Debug, Default, Deserialize)]
pub struct MilestoneInput {
    pub title: Option<String>,
    pub state: Option<String>,
    pub description: Option<String>,
    pub due_on: Option<String>,
}

/// `?state=`, `?sort=`, `?direction=` of the listing.
#[derive(Debug, Default)]
pub struct ListMilestones {
    pub state: Option<String>,
    pub sort: Option<String>,
    pub direction: Option<String>,
}

fn key(repo_id: u64, number: u64) -> String {
    issue_key(repo_id, number)
}

fn invalid(field: &str, code: &str) -> GitHubError {
    GitHubError::ValidationFailed(vec![FieldError::new("Milestone", field, code)])
}

fn parse_time(text: &str) -> Result<i64, GitHubError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| invalid("due_on", "invalid"))
}

fn of_repo(ctx: &Ctx<'_>, repo: &Repo) -> Vec<Milestone> {
    ctx.hub
        .state
        .milestones
        .scan_prefix(&model::repo_prefix(repo.id))
        .into_iter()
        .map(|(_, m)| m)
        .collect()
}

/// (open, closed) issues of milestone `number`.
pub fn counts(ctx_state: &model::State, repo_id: u64, number: u64) -> (u64, u64) {
    let mut open = 0;
    let mut closed = 0;
    for (issue, milestone) in ctx_state
        .issue_milestones
        .scan_prefix(&model::repo_prefix(repo_id))
    {
        if milestone != number {
            continue;
        }
        match ctx_state.issues.get(&issue).map(|i| i.state) {
            Some(state) if state == "open" => open += 1,
            Some(_) => closed += 1,
            None => {}
        }
    }
    (open, closed)
}

pub fn list(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    filters: ListMilestones,
) -> Result<(Repo, Vec<Milestone>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let state = filters.state.unwrap_or_else(|| "open".into());
    if !matches!(state.as_str(), "open" | "closed" | "all") {
        return Err(invalid("state", "invalid"));
    }
    let mut list: Vec<Milestone> = of_repo(ctx, &repo)
        .into_iter()
        .filter(|m| state == "all" || m.state == state)
        .collect();
    match filters.sort.as_deref() {
        None | Some("due_on") => list.sort_by_key(|m| (m.due_on.is_none(), m.due_on, m.number)),
        Some("completeness") => list.sort_by_key(|m| {
            let (open, closed) = counts(&ctx.hub.state, repo.id, m.number);
            let total = open + closed;
            ((closed * 1000).checked_div(total).unwrap_or(0), m.number)
        }),
        Some(_) => return Err(invalid("sort", "invalid")),
    }
    match filters.direction.as_deref() {
        None | Some("asc") => {}
        Some("desc") => list.reverse(),
        Some(_) => return Err(invalid("direction", "invalid")),
    }
    Ok((repo, list))
}

pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
) -> Result<(Repo, Milestone), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let milestone = ctx
        .hub
        .state
        .milestones
        .get(&key(repo.id, number))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, milestone))
}

fn check_title(
    ctx: &Ctx<'_>,
    repo: &Repo,
    title: &str,
    except: Option<u64>,
) -> Result<(), GitHubError> {
    if title.trim().is_empty() {
        return Err(invalid("title", "missing_field"));
    }
    if of_repo(ctx, repo)
        .iter()
        .any(|m| Some(m.number) != except && m.title == title)
    {
        return Err(invalid("title", "already_exists"));
    }
    Ok(())
}

fn check_state(state: &str) -> Result<(), GitHubError> {
    if matches!(state, "open" | "closed") {
        Ok(())
    } else {
        Err(invalid("state", "invalid"))
    }
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: MilestoneInput,
) -> Result<(Repo, Milestone), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let creator = ctx.require_caller()?.login().to_string();
    let title = input
        .title
        .clone()
        .ok_or_else(|| invalid("title", "missing_field"))?;
    check_title(ctx, &repo, &title, None)?;
    let state_name = input.state.clone().unwrap_or_else(|| "open".into());
    check_state(&state_name)?;
    let due_on = input.due_on.as_deref().map(parse_time).transpose()?;
    let state = &ctx.hub.state;
    let milestone = state.store.transaction(|txn| {
        let counter = format!("milestone/{}", repo.id);
        let number = model::next_id(txn, &state.counters, &counter)?;
        let id = model::next_id(txn, &state.counters, "milestone")?;
        let milestone = Milestone {
            id,
            repo_id: repo.id,
            number,
            title: title.clone(),
            description: input.description.clone(),
            closed_at: (state_name == "closed").then_some(ctx.now),
            state: state_name.clone(),
            due_on,
            creator: creator.clone(),
            created_at: ctx.now,
            updated_at: ctx.now,
        };
        txn.insert(&state.milestones, &key(repo.id, number), milestone.clone())?;
        Ok::<_, GitHubError>(milestone)
    })?;
    Ok((repo, milestone))
}

pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    number: &str,
    input: MilestoneInput,
) -> Result<(Repo, Milestone), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let state = &ctx.hub.state;
    let mut milestone = state
        .milestones
        .get(&key(repo.id, number))
        .ok_or(GitHubError::NotFound)?;
    if let Some(title) = &input.title {
        check_title(ctx, &repo, title, Some(number))?;
        milestone.title = title.clone();
    }
    if let Some(next) = &input.state {
        check_state(next)?;
        if *next != milestone.state {
            milestone.closed_at = (next == "closed").then_some(ctx.now);
            milestone.state = next.clone();
        }
    }
    if let Some(description) = input.description {
        milestone.description = Some(description);
    }
    if let Some(due_on) = &input.due_on {
        milestone.due_on = Some(parse_time(due_on)?);
    }
    milestone.updated_at = ctx.now;
    state
        .milestones
        .insert(&key(repo.id, number), milestone.clone())?;
    Ok((repo, milestone))
}

/// Deletes milestone `number`; its issues keep no milestone.
pub fn delete(ctx: &Ctx<'_>, owner: &str, name: &str, number: &str) -> Result<(), GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    let number: u64 = number.parse().map_err(|_| GitHubError::NotFound)?;
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        if !txn.contains(&state.milestones, &key(repo.id, number))? {
            return Err(GitHubError::NotFound);
        }
        txn.remove(&state.milestones, &key(repo.id, number))?;
        for (issue, milestone) in state
            .issue_milestones
            .scan_prefix(&model::repo_prefix(repo.id))
        {
            if milestone == number {
                txn.remove(&state.issue_milestones, &issue)?;
            }
        }
        Ok(())
    })
}

/// Sets (or with `None` clears) the milestone of issue `issue_number`; GitHub's 422 for a
/// milestone the repository does not have.
pub fn set_for_issue(
    state: &model::State,
    repo: &Repo,
    issue_number: u64,
    milestone: Option<u64>,
) -> Result<(), GitHubError> {
    let issue = issue_key(repo.id, issue_number);
    match milestone {
        None => {
            state.issue_milestones.remove(&issue)?;
        }
        Some(number) => {
            if state.milestones.get(&key(repo.id, number)).is_none() {
                return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                    "Issue",
                    "milestone",
                    "invalid",
                )]));
            }
            state.issue_milestones.insert(&issue, number)?;
        }
    }
    Ok(())
}

/// The milestone of an issue, if it has one.
pub fn of_issue(state: &model::State, repo_id: u64, issue_number: u64) -> Option<Milestone> {
    let number = state
        .issue_milestones
        .get(&issue_key(repo_id, issue_number))?;
    state.milestones.get(&key(repo_id, number))
}
