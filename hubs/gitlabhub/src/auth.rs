//! Who is calling: GitLab's API accepts a personal access token as `PRIVATE-TOKEN` (or
//! `?private_token=`), an OAuth-style `Authorization: Bearer <token>`, and a CI job token as
//! `JOB-TOKEN` (or `?job_token=`). A token that is unknown, revoked or expired is `401
//! Unauthorized`; no token at all is anonymous, which sees only public projects.
//!
//! What this module must not do: decide what a caller may do with a resource (the handlers ask
//! `Gitlab::project_access`).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::error::{GitlabError, Result};
use crate::model::{Job, User};
use crate::state::{Gitlab, digest};

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    User(User),
    /// A running job's token: acts as the user who started the pipeline, within the job's
    /// project.
    Job {
        user: User,
        job: Box<Job>,
    },
}

impl Caller {
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::Anonymous => None,
            Caller::User(user) | Caller::Job { user, .. } => Some(user),
        }
    }

    /// The user, or `401 Unauthorized` for anonymous callers.
    pub fn require_user(&self) -> Result<&User> {
        self.user().ok_or(GitlabError::Unauthorized)
    }

    /// The user behind a personal token (job tokens may not manage users, tokens, groups...).
    pub fn require_personal(&self) -> Result<&User> {
        match self {
            Caller::User(user) => Ok(user),
            Caller::Job { .. } => Err(GitlabError::Forbidden),
            Caller::Anonymous => Err(GitlabError::Unauthorized),
        }
    }

    pub fn require_admin(&self) -> Result<&User> {
        let user = self.require_personal()?;
        if user.is_admin {
            Ok(user)
        } else {
            Err(GitlabError::Forbidden)
        }
    }
}

fn query_value(parts: &Parts, name: &str) -> Option<String> {
    let query = parts.uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn header_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_string())
}

impl Gitlab {
    /// The user a personal (or bootstrap) token belongs to, if it is valid now.
    pub fn user_for_token(&self, token: &str) -> Option<User> {
        let record = self.db.tokens.get(&digest(token))?;
        if record.revoked {
            return None;
        }
        if let Some(expires) = &record.expires_at {
            // GitLab's tokens expire at midnight UTC at the start of their `expires_at` date.
            let today = &self.now()[..10];
            if expires.as_str() <= today {
                return None;
            }
        }
        let user = self.user(record.user_id)?;
        (user.state == "active").then_some(user)
    }

    /// The running job a job token belongs to.
    pub fn job_for_token(&self, token: &str) -> Option<Job> {
        let id = self.db.jobs_by_token.get(&digest(token))?;
        let job = self.db.jobs.get(&crate::model::key(id))?;
        (job.status == "running" && job.token == token).then_some(job)
    }

    pub fn authenticate(&self, parts: &Parts) -> Result<Caller> {
        let bearer = header_value(parts, "authorization").and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .map(str::to_string)
        });
        let personal = header_value(parts, "private-token")
            .or(bearer)
            .or_else(|| query_value(parts, "private_token"))
            .or_else(|| query_value(parts, "access_token"));
        if let Some(token) = personal {
            return self
                .user_for_token(&token)
                .map(Caller::User)
                .ok_or(GitlabError::Unauthorized);
        }
        let job_token =
            header_value(parts, "job-token").or_else(|| query_value(parts, "job_token"));
        if let Some(token) = job_token {
            let job = self
                .job_for_token(&token)
                .ok_or(GitlabError::Unauthorized)?;
            let user = self.user(job.user_id).ok_or(GitlabError::Unauthorized)?;
            return Ok(Caller::Job {
                user,
                job: Box::new(job),
            });
        }
        Ok(Caller::Anonymous)
    }
}

impl FromRequestParts<Arc<Gitlab>> for Caller {
    type Rejection = GitlabError;

    async fn from_request_parts(parts: &mut Parts, gitlab: &Arc<Gitlab>) -> Result<Self> {
        gitlab.authenticate(parts)
    }
}
