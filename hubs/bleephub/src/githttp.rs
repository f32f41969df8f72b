//! Git over smart HTTP at `/{owner}/{repo}.git/…` (and without `.git`), as github.com serves it:
//! credentials are Basic with a token as the password (any user name), anonymous clients may
//! fetch public repositories, a private repository asks for credentials with 401 and
//! `WWW-Authenticate: Basic realm="GitHub"`, and a caller who may not see it gets
//! `Repository not found.`. The work is `simkit::git::serve_http` (git's own http-backend);
//! after a push the records follow (`pushed_at`, the default branch of an empty repository)
//! and the push hooks run.
//!
//! What this module must not do: build a path from the URL (repositories are found by record,
//! and opened by ID).

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, request::Parts};
use simkit::git::{GitError, GitHttpRequest};

use crate::Hub;
use crate::auth;
use crate::services::Ctx;
use crate::services::git::{self as repo_git, GitAccess};

/// The services git clients call, after the repository in the path.
const SERVICES: [&str; 3] = ["/info/refs", "/git-upload-pack", "/git-receive-pack"];

/// `(owner, repo, service path)` if `path` is a git smart HTTP request.
pub fn parse(path: &str) -> Option<(String, String, String)> {
    let service = SERVICES.iter().find(|service| path.ends_with(*service))?;
    let repo_path = path.strip_suffix(service)?.trim_start_matches('/');
    let (owner, name) = repo_path.split_once('/')?;
    let name = name.strip_suffix(".git").unwrap_or(name);
    if owner.is_empty() || name.is_empty() || name.contains('/') {
        return None;
    }
    Some((owner.to_string(), name.to_string(), service.to_string()))
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

fn ask_for_credentials() -> Response {
    let mut response = text(
        StatusCode::UNAUTHORIZED,
        "Invalid username or token. Password authentication is not supported for Git operations.",
    );
    response.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"GitHub\""),
    );
    response
}

pub async fn serve(
    hub: Arc<Hub>,
    parts: Parts,
    body: Body,
    owner: String,
    name: String,
    service_path: String,
) -> Response {
    let caller = match parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    {
        None => None,
        Some(header) => {
            match auth::presented_token(header)
                .and_then(|t| auth::authenticate(&hub.state, &t, hub.kit.clock().now_millis()))
            {
                Ok(principal) => Some(principal),
                Err(_) => return ask_for_credentials(),
            }
        }
    };
    let anonymous = caller.is_none();
    let ctx = Ctx {
        hub: &hub,
        caller,
        now: hub.kit.clock().now_millis(),
    };
    let Some(repo) = hub.state.repo_by_name(&owner, &name) else {
        return if anonymous {
            ask_for_credentials()
        } else {
            text(StatusCode::NOT_FOUND, "Repository not found.")
        };
    };
    let access = repo_git::access(&ctx, &repo);
    let pushing = service_path == "/git-receive-pack"
        || parts
            .uri
            .query()
            .is_some_and(|q| q.contains("service=git-receive-pack"));
    match access {
        GitAccess::None if anonymous => return ask_for_credentials(),
        GitAccess::None => return text(StatusCode::NOT_FOUND, "Repository not found."),
        GitAccess::Fetch if pushing && anonymous => return ask_for_credentials(),
        GitAccess::Fetch if pushing => {
            let login = ctx.caller.as_ref().map_or("", |c| c.login());
            return text(
                StatusCode::FORBIDDEN,
                &format!("Permission to {}.git denied to {login}.", repo.full_name()),
            );
        }
        _ => {}
    }
    let git = match hub.git.open(&repo.id.to_string()) {
        Ok(git) => git,
        Err(error) => {
            tracing::error!(%error, "opening a repository's git storage");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        }
    };
    let header = |name: http::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let request = GitHttpRequest {
        method: parts.method.clone(),
        service_path,
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: header(http::header::CONTENT_TYPE),
        content_encoding: header(http::header::CONTENT_ENCODING),
        git_protocol: header(http::HeaderName::from_static("git-protocol")),
        body,
        remote_user: ctx.caller.as_ref().map(|c| c.login().to_string()),
        allow_push: access == GitAccess::Push,
    };
    match simkit::git::serve_http(&git, request).await {
        Ok(answer) => {
            if let Some(updates) = &answer.pushed
                && let Err(error) = repo_git::pushed(&ctx, &repo, updates)
            {
                tracing::error!(?error, "recording a push");
            }
            let mut response = Response::new(answer.body);
            *response.status_mut() = answer.status;
            *response.headers_mut() = answer.headers;
            response
        }
        Err(GitError::PushNotAllowed) => text(StatusCode::FORBIDDEN, "Permission denied."),
        Err(GitError::Invalid { .. }) => text(StatusCode::FORBIDDEN, "Forbidden"),
        Err(error) => {
            tracing::error!(%error, "git http-backend");
            text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_paths_name_the_repository_and_service() {
        let cases = [
            ("/o/r.git/info/refs", Some(("o", "r", "/info/refs"))),
            ("/o/r/git-upload-pack", Some(("o", "r", "/git-upload-pack"))),
            (
                "/o/r.git/git-receive-pack",
                Some(("o", "r", "/git-receive-pack")),
            ),
            ("/o/info/refs", None),
            ("/o/a/b.git/info/refs", None),
            ("/repos/o/r", None),
        ];
        for (path, expected) in cases {
            let parsed = parse(path);
            let parsed = parsed
                .as_ref()
                .map(|(o, r, s)| (o.as_str(), r.as_str(), s.as_str()));
            assert_eq!(parsed, expected, "{path}");
        }
    }
}
