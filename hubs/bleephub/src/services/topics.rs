//! A repository's topics (`GET`/`PUT …/topics`): saved lower-cased, each starting with a letter
//! or digit, at most 50 characters of letters, digits and hyphens, at most 20 per repository,
//! with GitHub's 422 wording.
//!
//! What this module must not do: see HTTP.

use serde::Deserialize;

use super::Ctx;
use crate::error::GitHubError;
use crate::model::{Repo, id_key};

/// At most this many topics per repository.
pub const MAX_TOPICS: usize = 20;
/// At most this many characters per topic.
pub const MAX_LENGTH: usize = 50;

pub const INVALID_TOPIC: &str = "Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens.";
pub const TOO_MANY: &str = "A repository cannot have more than 20 topics.";

#[derive(Debug, Deserialize)]
pub struct ReplaceTopics {
    pub names: Vec<String>,
}

/// Whether `topic` (already lower-cased) is a name GitHub takes.
pub fn valid_topic(topic: &str) -> bool {
    let mut chars = topic.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && topic.len() <= MAX_LENGTH
        && topic
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The topics `names` stand for: lower-cased, duplicates dropped, order kept; GitHub's 422s.
pub fn normalize(names: &[String]) -> Result<Vec<String>, GitHubError> {
    let mut topics: Vec<String> = Vec::new();
    for name in names {
        let topic = name.trim().to_lowercase();
        if !valid_topic(&topic) {
            return Err(GitHubError::Unprocessable(
                "Validation Failed".into(),
                vec![INVALID_TOPIC.into()],
            ));
        }
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    if topics.len() > MAX_TOPICS {
        return Err(GitHubError::Unprocessable(
            "Validation Failed".into(),
            vec![TOO_MANY.into()],
        ));
    }
    Ok(topics)
}

pub fn get(ctx: &Ctx<'_>, owner: &str, name: &str) -> Result<Vec<String>, GitHubError> {
    Ok(ctx.readable_repo(owner, name)?.topics)
}

/// `PUT …/topics`: administrators replace the whole set.
pub fn replace(
    ctx: &Ctx<'_>,
    owner: &str,
    name: &str,
    input: ReplaceTopics,
) -> Result<Vec<String>, GitHubError> {
    let repo = ctx.writable_repo(owner, name)?;
    if !ctx.permissions(&repo).admin {
        return Err(GitHubError::Forbidden(
            "Must have admin rights to Repository.".into(),
        ));
    }
    let topics = normalize(&input.names)?;
    let state = &ctx.hub.state;
    state.store.transaction(|txn| {
        let mut current: Repo = txn
            .get(&state.repos, &id_key(repo.id))?
            .ok_or(GitHubError::NotFound)?;
        current.topics = topics.clone();
        current.updated_at = ctx.now;
        txn.insert(&state.repos, &id_key(repo.id), current)?;
        Ok::<_, GitHubError>(())
    })?;
    Ok(topics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_follow_githubs_rules() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            normalize(&names(&["Rust", "web-api", "rust"])),
            Ok(names(&["rust", "web-api"]))
        );
        for bad in ["-x", "has space", "a_b", &"x".repeat(51)] {
            assert!(normalize(&names(&[bad])).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
        assert_eq!(
            normalize(&many),
            Err(GitHubError::Unprocessable(
                "Validation Failed".into(),
                vec![TOO_MANY.into()]
            ))
        );
    }
}
