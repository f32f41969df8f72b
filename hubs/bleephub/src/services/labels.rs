//! Repository labels: names are unique case-insensitively, colours six hex digits without `#`.

use serde::Deserialize;

use super::Ctx;
use crate::error::{FieldError, GitHubError};
use crate::model::{self, Label, Repo, label_key, repo_prefix};

/// `POST /repos/{owner}/{repo}/labels`.
#[derive(Debug, Default, Deserialize)]
pub struct CreateLabel {
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
}

/// `PATCH /repos/{owner}/{repo}/labels/{name}`.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateLabel {
    pub new_name: Option<String>,
    pub color: Option<String>,
    pub description: Option<String>,
}

fn color(value: &str) -> Result<String, GitHubError> {
    let value = value.trim_start_matches('#');
    if value.len() == 6 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Label", "color", "invalid",
        )]))
    }
}

fn writable(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Repo, GitHubError> {
    ctx.writable_repo(owner, name)
}

pub fn list(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<(Repo, Vec<Label>), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let mut labels: Vec<Label> = ctx
        .hub
        .state
        .labels
        .scan_prefix(&repo_prefix(repo.id))
        .into_iter()
        .map(|(_, label)| label)
        .collect();
    labels.sort_by_key(|label| label.id);
    Ok((repo, labels))
}

pub fn get(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    label: &str,
) -> Result<(Repo, Label), GitHubError> {
    let repo = ctx.readable_repo(owner, name)?;
    let label = ctx
        .hub
        .state
        .labels
        .get(&label_key(repo.id, label))
        .ok_or(GitHubError::NotFound)?;
    Ok((repo, label))
}

pub fn create(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: CreateLabel,
) -> Result<(Repo, Label), GitHubError> {
    let repo = writable(ctx, owner, name)?;
    if input.name.trim().is_empty() {
        return Err(GitHubError::ValidationFailed(vec![FieldError::new(
            "Label",
            "name",
            "missing_field",
        )]));
    }
    let color = match &input.color {
        Some(value) => color(value)?,
        None => "ededed".into(),
    };
    let state = &ctx.hub.state;
    let label = state.store.transaction(|txn| {
        let key = label_key(repo.id, &input.name);
        if txn.contains(&state.labels, &key)? {
            return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                "Label",
                "name",
                "already_exists",
            )]));
        }
        let id = model::next_id(txn, &state.counters, "label")?;
        let label = Label {
            id,
            repo_id: repo.id,
            name: input.name.clone(),
            color,
            description: input.description.clone(),
            default: false,
        };
        txn.insert(&state.labels, &key, label.clone())?;
        Ok(label)
    })?;
    Ok((repo, label))
}

/// Renames carry over to the issues that bear the label.
pub fn update(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    label: &str,
    input: UpdateLabel,
) -> Result<(Repo, Label), GitHubError> {
    let repo = writable(ctx, owner, name)?;
    let color = input.color.as_deref().map(color).transpose()?;
    let state = &ctx.hub.state;
    let updated = state.store.transaction(|txn| {
        let old_key = label_key(repo.id, label);
        let mut existing = txn
            .get(&state.labels, &old_key)?
            .ok_or(GitHubError::NotFound)?;
        let old_name = existing.name.clone();
        if let Some(new_name) = input.new_name.as_ref().filter(|n| !n.is_empty()) {
            let new_key = label_key(repo.id, new_name);
            if new_key != old_key && txn.contains(&state.labels, &new_key)? {
                return Err(GitHubError::ValidationFailed(vec![FieldError::new(
                    "Label",
                    "name",
                    "already_exists",
                )]));
            }
            txn.remove(&state.labels, &old_key)?;
            existing.name = new_name.clone();
            for (key, mut issue) in txn.scan_prefix(&state.issues, &repo_prefix(repo.id))? {
                if let Some(slot) = issue
                    .labels
                    .iter_mut()
                    .find(|l| l.eq_ignore_ascii_case(&old_name))
                {
                    *slot = new_name.clone();
                    txn.insert(&state.issues, &key, issue)?;
                }
            }
        }
        if let Some(color) = color {
            existing.color = color;
        }
        if let Some(description) = input.description {
            existing.description = Some(description);
        }
        txn.insert(
            &state.labels,
            &label_key(repo.id, &existing.name),
            existing.clone(),
        )?;
        Ok(existing)
    })?;
    Ok((repo, updated))
}

pub fn delete(ctx: &Ctx<'_>, owner: &str, name: &str, label: &str) -> Result<(), GitHubError> {
    let repo = writable(ctx, owner, name)?;
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        let removed = txn
            .remove(&state.labels, &label_key(repo.id, label))?
            .ok_or(GitHubError::NotFound)?;
        for (key, mut issue) in txn.scan_prefix(&state.issues, &repo_prefix(repo.id))? {
            let before = issue.labels.len();
            issue
                .labels
                .retain(|l| !l.eq_ignore_ascii_case(&removed.name));
            if issue.labels.len() != before {
                txn.insert(&state.issues, &key, issue)?;
            }
        }
        Ok(())
    })
}
