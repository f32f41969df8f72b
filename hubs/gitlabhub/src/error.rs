//! GitLab's error answers, in one enum and one function that renders them.
//!
//! GitLab's API (Grape) answers errors in a few shapes, and clients match on them:
//! - `{"message": "404 Project Not Found"}` from `not_found!`, `{"message": "401 Unauthorized"}`,
//!   `{"message": "403 Forbidden"}`, `{"message": "400 Bad request - …"}`, `{"message": "409 Conflict"}`;
//! - `{"message": {"name": ["has already been taken"]}}` for model validation failures (400);
//! - `{"error": "name is missing"}` for Grape's parameter validation (400), and
//!   `{"error": "404 Not Found"}` for a route that does not exist.
//!
//! What this module must not do: decide *when* an error happens (the handlers do), or leak
//! internal details (store errors are logged and answered as GitLab's 500).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum GitlabError {
    /// `404 <What> Not Found`, e.g. `Project`, `User`, `Group`; `None` is a bare `404 Not Found`.
    #[error("404 {} Not Found", .0.as_deref().unwrap_or(""))]
    NotFound(Option<String>),
    /// ActiveRecord's `RecordNotFound` as GitLab's API rescues it: `{"message": "404 Not found"}`.
    #[error("404 Not found")]
    RecordNotFound,
    /// `render_api_error!(message, 404)`: `{"message": "<text>"}` with 404.
    #[error("404 {0}")]
    NotFoundMessage(String),
    /// A route that does not exist: `{"error":"404 Not Found"}`.
    #[error("no such route")]
    NoRoute,
    #[error("405 Method Not Allowed")]
    MethodNotAllowed,
    #[error("401 Unauthorized")]
    Unauthorized,
    #[error("403 Forbidden")]
    Forbidden,
    /// `403 Forbidden - <reason>`.
    #[error("403 Forbidden - {0}")]
    ForbiddenBecause(String),
    /// Grape's parameter validation: `{"error": "<text>"}` with 400.
    #[error("{0}")]
    InvalidParameter(String),
    /// `{"message": "400 Bad request - <reason>"}`.
    #[error("400 Bad request - {0}")]
    BadRequest(String),
    /// A message of GitLab's own wording with 400: `{"message": "<text>"}`.
    #[error("{0}")]
    BadRequestMessage(String),
    /// Model validation: `{"message": {"field": ["has already been taken"]}}`.
    #[error("validation failed")]
    Validation(Vec<(String, String)>),
    #[error("409 Conflict: {0}")]
    Conflict(String),
    /// Grape's `not_allowed!`: `{"message": "405 Method Not Allowed"}` (an action the
    /// resource's state forbids, such as merging a closed merge request).
    #[error("405 Method Not Allowed")]
    NotAllowed,
    /// A model's errors of one kind, listed: `{"message": ["<text>"]}` with 409 (GitLab's
    /// `conflict!` with `validate_branches` errors).
    #[error("409 Conflict: {0}")]
    ConflictListed(String),
    /// Model validation answered with 422 (`render_validation_error!(record, 422)`):
    /// `{"message": {"field": ["problem"]}}`.
    #[error("validation failed")]
    Unprocessable(Vec<(String, String)>),
    /// `render_api_error!(message, 422)`: `{"message": "<text>"}`.
    #[error("422 {0}")]
    UnprocessableMessage(String),
    /// The same listing with 422 (`render_api_error!(errors[:base], 422)`).
    #[error("422 Unprocessable Entity: {0}")]
    UnprocessableListed(String),
    /// `416 Range Not Satisfiable` on a trace append at the wrong offset; carries the length
    /// the trace really has so the runner can resume.
    #[error("416 Range Not Satisfiable")]
    RangeNotSatisfiable { trace_length: u64 },
    #[error("413 Request Entity Too Large")]
    TooLarge,
    /// Our bug or a store failure: logged where it happened, answered as GitLab's 500.
    #[error("500 Internal Server Error")]
    Internal,
}

impl GitlabError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(Some(what.to_string()))
    }

    pub fn missing(parameter: &str) -> Self {
        Self::InvalidParameter(format!("{parameter} is missing"))
    }

    pub fn invalid(parameter: &str) -> Self {
        Self::InvalidParameter(format!("{parameter} is invalid"))
    }

    pub fn taken(field: &str) -> Self {
        Self::Validation(vec![(
            field.to_string(),
            "has already been taken".to_string(),
        )])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) | Self::NoRoute | Self::RecordNotFound | Self::NotFoundMessage(_) => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            Self::InvalidParameter(_)
            | Self::BadRequest(_)
            | Self::BadRequestMessage(_)
            | Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) | Self::ConflictListed(_) => StatusCode::CONFLICT,
            Self::NotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnprocessableListed(_)
            | Self::Unprocessable(_)
            | Self::UnprocessableMessage(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body GitLab sends with this error.
    pub fn body(&self) -> Value {
        match self {
            Self::NotFound(Some(what)) => json!({"message": format!("404 {what} Not Found")}),
            Self::NotFound(None) => json!({"message": "404 Not Found"}),
            Self::NoRoute => json!({"error": "404 Not Found"}),
            Self::NotFoundMessage(text) => json!({"message": text}),
            Self::RecordNotFound => json!({"message": "404 Not found"}),
            Self::MethodNotAllowed => json!({"error": "405 Method Not Allowed"}),
            Self::Unauthorized => json!({"message": "401 Unauthorized"}),
            Self::Forbidden => json!({"message": "403 Forbidden"}),
            Self::ForbiddenBecause(reason) => {
                json!({"message": format!("403 Forbidden - {reason}")})
            }
            Self::InvalidParameter(text) => json!({"error": text}),
            Self::BadRequest(reason) => json!({"message": format!("400 Bad request - {reason}")}),
            Self::BadRequestMessage(text) => json!({"message": text}),
            Self::UnprocessableMessage(text) => json!({"message": text}),
            Self::Validation(fields) | Self::Unprocessable(fields) => {
                let mut map = serde_json::Map::new();
                for (field, problem) in fields {
                    let entry = map
                        .entry(field.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = entry {
                        list.push(Value::String(problem.clone()));
                    }
                }
                json!({"message": map})
            }
            Self::Conflict(text) => json!({"message": text}),
            Self::NotAllowed => json!({"message": "405 Method Not Allowed"}),
            Self::ConflictListed(text) | Self::UnprocessableListed(text) => {
                json!({"message": [text]})
            }
            Self::RangeNotSatisfiable { .. } => json!({"message": "416 Range Not Satisfiable"}),
            Self::TooLarge => json!({"message": "413 Request Entity Too Large"}),
            Self::Internal => json!({"message": "500 Internal Server Error"}),
        }
    }
}

impl From<simkit::store::StoreError> for GitlabError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "store failure");
        Self::Internal
    }
}

impl IntoResponse for GitlabError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        if let Self::RangeNotSatisfiable { trace_length } = self
            && let Ok(value) = http::HeaderValue::from_str(&format!("0-{trace_length}"))
        {
            response.headers_mut().insert(http::header::RANGE, value);
        }
        response
    }
}

pub type Result<T, E = GitlabError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_gitlabs_shapes() {
        let cases = [
            (
                GitlabError::not_found("Project"),
                json!({"message": "404 Project Not Found"}),
                404,
            ),
            (GitlabError::NoRoute, json!({"error": "404 Not Found"}), 404),
            (
                GitlabError::missing("name"),
                json!({"error": "name is missing"}),
                400,
            ),
            (
                GitlabError::Validation(vec![
                    ("name".into(), "has already been taken".into()),
                    ("path".into(), "has already been taken".into()),
                ]),
                json!({"message": {"name": ["has already been taken"], "path": ["has already been taken"]}}),
                400,
            ),
            (
                GitlabError::Unauthorized,
                json!({"message": "401 Unauthorized"}),
                401,
            ),
        ];
        for (error, body, status) in cases {
            assert_eq!(error.body(), body);
            assert_eq!(error.status().as_u16(), status);
        }
    }
}
