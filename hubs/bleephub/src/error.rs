//! GitHub's errors: one variant per answer GitHub gives, and the one function that turns a
//! variant into its status and body (`message`, `documentation_url`, `status`, and for 422
//! `errors[]` with `resource`/`field`/`code`).

use serde::Serialize;

/// GitHub's generic documentation link, used where an operation has none of its own.
pub const DOCS: &str = "https://docs.github.com/rest";

/// One entry of a 422's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub resource: String,
    pub code: String,
    /// Absent from some of GitHub's `custom` errors ("No commits between main and topic").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl FieldError {
    pub fn new(resource: &str, field: &str, code: &str) -> Self {
        Self {
            resource: resource.into(),
            code: code.into(),
            field: field.into(),
            message: None,
        }
    }

    /// A `custom` error naming no field, as GitHub words some of them.
    pub fn unfielded(resource: &str, message: &str) -> Self {
        Self {
            resource: resource.into(),
            code: "custom".into(),
            field: String::new(),
            message: Some(message.into()),
        }
    }

    /// A `custom` error with GitHub's own wording.
    pub fn custom(resource: &str, field: &str, message: &str) -> Self {
        Self {
            resource: resource.into(),
            code: "custom".into(),
            field: field.into(),
            message: Some(message.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// 404: unknown routes, and resources the caller may not see (GitHub does not say which).
    #[error("Not Found")]
    NotFound,
    /// 404 with GitHub's own message ("Branch not found", "This repository is empty.").
    #[error("{0}")]
    Missing(String),
    /// 405 with GitHub's message ("Pull Request is not mergeable").
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 401 without credentials where they are needed.
    #[error("Requires authentication")]
    RequiresAuthentication,
    /// 401 for a token or password GitHub does not know.
    #[error("Bad credentials")]
    BadCredentials,
    /// 401 with GitHub's message about an app's JWT ("A JSON web token could not be decoded",
    /// "'Expiration time' claim ('exp') is too far in the future", ...).
    #[error("{0}")]
    Unauthorized(String),
    /// 403 with GitHub's message (missing scope, not an admin, ...).
    #[error("{0}")]
    Forbidden(String),
    /// 403 once the hour's requests are spent.
    #[error("{0}")]
    RateLimited(String),
    /// 400 for a body that is not JSON.
    #[error("Problems parsing JSON")]
    ProblemsParsingJson,
    /// 400 for a body of the wrong kind ("Body should be a JSON object").
    #[error("{0}")]
    BadRequest(String),
    /// 422 for a body that breaks the operation's schema.
    #[error("{0}")]
    InvalidRequest(String),
    /// 422 `Validation Failed` with its `errors[]`.
    #[error("Validation Failed")]
    ValidationFailed(Vec<FieldError>),
    /// 422 whose `errors[]` are plain sentences, as GitHub answers for reviews ("Unprocessable
    /// Entity", ["Can not approve your own pull request"]).
    #[error("{0}")]
    Unprocessable(String, Vec<String>),
    /// 410 for a feature switched off ("Issues are disabled for this repo").
    #[error("{0}")]
    Gone(String),
    /// 409 for a state conflict (an empty repository, a moved branch).
    #[error("{0}")]
    Conflict(String),
    /// 500: our bug or the store failing; logged, never detailed to the client.
    #[error("Server Error")]
    Internal,
}

impl From<simkit::store::StoreError> for GitHubError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "store failed");
        GitHubError::Internal
    }
}

impl GitHubError {
    pub fn status(&self) -> u16 {
        match self {
            GitHubError::NotFound | GitHubError::Missing(_) => 404,
            GitHubError::MethodNotAllowed(_) => 405,
            GitHubError::RequiresAuthentication
            | GitHubError::BadCredentials
            | GitHubError::Unauthorized(_) => 401,
            GitHubError::Forbidden(_) | GitHubError::RateLimited(_) => 403,
            GitHubError::ProblemsParsingJson | GitHubError::BadRequest(_) => 400,
            GitHubError::InvalidRequest(_)
            | GitHubError::ValidationFailed(_)
            | GitHubError::Unprocessable(..) => 422,
            GitHubError::Conflict(_) => 409,
            GitHubError::Gone(_) => 410,
            GitHubError::Internal => 500,
        }
    }

    /// The body GitHub sends; `documentation_url` is the operation's own page where GitHub
    /// links it (validation errors), else the generic one.
    pub fn body(&self, documentation_url: &str) -> serde_json::Value {
        let docs = match self {
            GitHubError::InvalidRequest(_)
            | GitHubError::ValidationFailed(_)
            | GitHubError::Unprocessable(..)
            | GitHubError::Forbidden(_)
            | GitHubError::Conflict(_)
            | GitHubError::Missing(_)
            | GitHubError::MethodNotAllowed(_)
            | GitHubError::Gone(_)
            | GitHubError::ProblemsParsingJson
            | GitHubError::BadRequest(_) => documentation_url,
            GitHubError::RateLimited(_) => {
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            }
            _ => DOCS,
        };
        let mut body = serde_json::json!({ "message": self.to_string() });
        if let GitHubError::ValidationFailed(errors) = self {
            body["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        if let GitHubError::Unprocessable(_, errors) = self
            && !errors.is_empty()
        {
            body["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        body["documentation_url"] = docs.into();
        body["status"] = self.status().to_string().into();
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_githubs_members() {
        let cases = [
            (
                GitHubError::NotFound,
                serde_json::json!({"message": "Not Found", "documentation_url": DOCS, "status": "404"}),
            ),
            (
                GitHubError::ValidationFailed(vec![FieldError::custom(
                    "Repository",
                    "name",
                    "name already exists on this account",
                )]),
                serde_json::json!({
                    "message": "Validation Failed",
                    "errors": [{"resource": "Repository", "code": "custom", "field": "name",
                                "message": "name already exists on this account"}],
                    "documentation_url": "https://docs.github.com/x",
                    "status": "422"
                }),
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.body("https://docs.github.com/x"), expected);
        }
    }
}
