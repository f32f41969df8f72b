//! Projects' git repositories, through `simkit::git` (bare repositories under the kit's files
//! directory, keyed by project ID so a rename never moves them), and git over smart HTTP at
//! `/<namespace>/<project>.git/...` with GitLab's authentication: HTTP Basic with a personal
//! access token (`oauth2:<token>`, or any user name) or a job token (`gitlab-ci-token:<token>`)
//! as the password. A push that moves a branch or creates a tag starts a pipeline.
//!
//! What this module must not do: build host paths from anything a client sent (repositories
//! are named by numeric project IDs only).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::{HeaderValue, StatusCode};
use simkit::git::{CommitRequest, FileChange, GitError, GitHttpRequest, Repo, Signature};

use crate::auth::Caller;
use crate::error::{GitlabError, Result};
use crate::model::{Project, User, access};
use crate::state::Gitlab;

impl From<GitError> for GitlabError {
    fn from(error: GitError) -> Self {
        match error {
            GitError::Invalid { what, value } => {
                GitlabError::BadRequest(format!("invalid {what}: {value}"))
            }
            GitError::NotFound(_) => GitlabError::not_found("Repository"),
            GitError::UnknownRevision(_) => GitlabError::not_found("Commit"),
            GitError::Conflict(message) => GitlabError::BadRequestMessage(message),
            GitError::PushNotAllowed => GitlabError::Forbidden,
            other => {
                tracing::error!(error = %other, "git failure");
                GitlabError::Internal
            }
        }
    }
}

impl Gitlab {
    pub fn repo(&self, project: &Project) -> Result<Repo> {
        Ok(self.git.open(&project.id.to_string())?)
    }

    /// Creates a project's bare repository; with `readme_author`, an initial commit holding
    /// `README.md`, as `initialize_with_readme` does.
    pub fn create_repository(&self, project: &Project, readme_author: Option<&User>) -> Result<()> {
        let repo = self
            .git
            .create(&project.id.to_string(), &project.default_branch)?;
        if let Some(author) = readme_author {
            let text = format!("# {}\n\n{}\n", project.name, project.description);
            repo.commit(&CommitRequest {
                branch: project.default_branch.clone(),
                start_branch: None,
                message: "Initial commit".into(),
                author: self.signature(author),
                committer: None,
                files: vec![FileChange {
                    path: "README.md".into(),
                    content: Some(text.into_bytes()),
                }],
                expected_head: None,
            })?;
            self.protect_default_branch_once(project, &project.default_branch)?;
        }
        Ok(())
    }

    pub fn remove_repository(&self, project_id: u64) {
        if let Err(error) = self.git.delete(&project_id.to_string()) {
            tracing::debug!(%error, project_id, "no repository to delete");
        }
    }

    pub fn set_default_branch(&self, project: &Project, branch: &str) -> Result<()> {
        let repo = self.repo(project)?;
        let exists = repo.resolve(&format!("refs/heads/{branch}"))?.is_some();
        if !exists && !repo.is_empty()? {
            return Err(GitlabError::Validation(vec![(
                "default_branch".into(),
                "does not exist".into(),
            )]));
        }
        repo.set_default_branch(branch)?;
        Ok(())
    }

    pub fn signature(&self, user: &User) -> Signature {
        Signature {
            name: user.name.clone(),
            email: user.email.clone(),
            time: self.kit.clock().now_millis() / 1000,
            offset_minutes: 0,
        }
    }

    /// Who a git client is, from HTTP Basic credentials: a personal access token as the
    /// password (any user name, `oauth2` by convention), or a running job's token with the
    /// user name `gitlab-ci-token`.
    fn git_caller(&self, request: &Request) -> Option<Option<Caller>> {
        let header = request.headers().get(http::header::AUTHORIZATION)?;
        let encoded = header.to_str().ok()?.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (username, password) = decoded.split_once(':')?;
        if username == "gitlab-ci-token" {
            let job = self.job_for_token(password);
            return Some(job.and_then(|job| {
                self.user(job.user_id).map(|user| Caller::Job {
                    user,
                    job: Box::new(job),
                })
            }));
        }
        Some(self.user_for_token(password).map(Caller::User))
    }
}

/// `401` with the challenge git needs before it sends credentials.
fn challenge() -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, "HTTP Basic: Access denied\n").into_response();
    response.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"GitLab\""),
    );
    response
}

/// The part of a URL path git understands, after `<project>.git`.
pub fn split_git_path(path: &str) -> Option<(&str, &str)> {
    let index = path.find(".git/")?;
    let project = path[..index].trim_start_matches('/');
    let service = &path[index + 4..];
    matches!(
        service,
        "/info/refs" | "/git-upload-pack" | "/git-receive-pack"
    )
    .then_some((project, service))
}

/// Serves `/<namespace>/<project>.git/(info/refs|git-upload-pack|git-receive-pack)`.
pub async fn git_http(State(gitlab): State<Arc<Gitlab>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let Some((project_path, service)) = split_git_path(&path) else {
        return GitlabError::NoRoute.into_response();
    };
    let caller = match gitlab.git_caller(&request) {
        None => Caller::Anonymous,
        Some(Some(caller)) => caller,
        Some(None) => return challenge(),
    };
    let pushing = service == "/git-receive-pack"
        || request
            .uri()
            .query()
            .is_some_and(|query| query.contains("service=git-receive-pack"));
    let (project, level) = match gitlab.visible_project(&caller, project_path) {
        Ok(found) => found,
        // Anonymous callers are asked for credentials rather than told the project is absent.
        Err(_) if matches!(caller, Caller::Anonymous) => return challenge(),
        Err(_) => {
            return (StatusCode::NOT_FOUND, "The project you were looking for could not be found or you don't have permission to view it.\n").into_response();
        }
    };
    if pushing && matches!(caller, Caller::Anonymous) {
        return challenge();
    }
    // Job tokens may not push (GitLab's default), and pushing needs developer access.
    let may_push = level >= access::DEVELOPER && !matches!(caller, Caller::Job { .. });
    if pushing && !may_push {
        return (
            StatusCode::FORBIDDEN,
            "You are not allowed to push code to this project.\n",
        )
            .into_response();
    }
    let repo = match gitlab.repo(&project) {
        Ok(repo) => repo,
        Err(error) => return error.into_response(),
    };
    let (parts, body) = request.into_parts();
    let header = |name: http::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let git_request = GitHttpRequest {
        method: parts.method.clone(),
        service_path: service.to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        content_type: header(http::header::CONTENT_TYPE),
        content_encoding: header(http::header::CONTENT_ENCODING),
        git_protocol: header(http::HeaderName::from_static("git-protocol")),
        remote_user: caller.user().map(|user| user.username.clone()),
        allow_push: may_push,
        body,
    };
    drop(parts);
    // Protected branches and tags refuse through git's pre-receive path, as GitLab's hooks do.
    let rules = match (pushing, caller.user()) {
        (true, Some(user)) => gitlab.ref_rules(&project, user, crate::protection::Origin::Push),
        _ => Vec::new(),
    };
    let answer = match simkit::git::serve_http_with_rules(&repo, git_request, &rules).await {
        Ok(answer) => answer,
        Err(GitError::PushNotAllowed) => {
            return (
                StatusCode::FORBIDDEN,
                "You are not allowed to push code to this project.\n",
            )
                .into_response();
        }
        Err(error) => return GitlabError::from(error).into_response(),
    };
    if let (Some(updates), Some(user)) = (&answer.pushed, caller.user()) {
        for update in updates {
            gitlab.pipeline_for_push(&project, user, update);
        }
    }
    let mut response = Response::new(answer.body);
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    response
}

/// Reads `path` at `rev` as text, for `include: local` and the CI configuration.
pub fn read_text(repo: &Repo, rev: &str, path: &str) -> Option<String> {
    repo.read_blob(rev, path)
        .ok()
        .flatten()
        .and_then(|bytes| String::from_utf8(bytes).ok())
}
