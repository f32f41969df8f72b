//! [`EngineError`]: every error the daemon answers, with Docker's status code; rendered as
//! Docker's `{"message": …}` body by the HTTP layer, in one place.

/// An error in Docker's terms: the variant is the status code (Docker's errdefs classes), the
/// text is the exact message Docker gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// 400: a malformed or invalid request (`invalid reference format`, bad JSON).
    #[error("{0}")]
    InvalidParameter(String),
    /// 401.
    #[error("{0}")]
    Unauthorized(String),
    /// 403.
    #[error("{0}")]
    Forbidden(String),
    /// 404: `No such container: x`, `No such image: x`.
    #[error("{0}")]
    NotFound(String),
    /// 409: name in use, removing a running container, an image in use.
    #[error("{0}")]
    Conflict(String),
    /// 304: starting a started container, stopping a stopped one (no body).
    #[error("not modified")]
    NotModified,
    /// 500: our bug or the host's failure; logged with details, answered plainly.
    #[error("{0}")]
    Internal(String),
    /// 501: something this backend cannot do, naming the backend.
    #[error("{0}")]
    NotImplemented(String),
    /// 503: swarm, plugins.
    #[error("{0}")]
    Unavailable(String),
    /// Any other status, as an upstream daemon answered it (the docker backend passes its
    /// upstream's errors through unchanged).
    #[error("{message}")]
    Status { status: u16, message: String },
}

impl EngineError {
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::InvalidParameter(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotModified => StatusCode::NOT_MODIFIED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Status { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    pub fn no_such_container(id: &str) -> Self {
        Self::NotFound(format!("No such container: {id}"))
    }

    pub fn no_such_image(name: &str) -> Self {
        Self::NotFound(format!("No such image: {name}"))
    }

    /// A capability `backend` does not have, in words a user can act on.
    pub fn not_supported(backend: &str, what: &str) -> Self {
        Self::NotImplemented(format!("{what} is not supported by the {backend} backend"))
    }

    /// An internal failure: logged at error with its detail, answered as Docker's 500.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::Internal(detail.to_string())
    }
}

impl From<simkit::store::StoreError> for EngineError {
    fn from(error: simkit::store::StoreError) -> Self {
        Self::internal(error)
    }
}
