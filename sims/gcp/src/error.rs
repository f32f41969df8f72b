//! The error every handler returns, [`GcpError`]: an HTTP status, the `google.rpc.Code` name,
//! a message, and the legacy `reason` that Cloud Storage's JSON API reports in `errors[]`.
//! The protocol layer renders it as Google does ([`crate::protocol::render_error`]).

/// Which JSON shape an API's errors take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// `{"error":{"code","message","errors":[{"message","domain","reason"}]}}`: Cloud Storage.
    Storage,
    /// `{"error":{"code","message","status"}}`: every API built on google.rpc.Status.
    Status,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} ({http}): {message}")]
pub struct GcpError {
    pub http: u16,
    /// The `google.rpc.Code` name: `NOT_FOUND`, `INVALID_ARGUMENT`, ...
    pub status: &'static str,
    pub message: String,
    /// Cloud Storage's reason (`notFound`, `conflict`, `conditionNotMet`, `invalid`, `required`).
    pub reason: &'static str,
    /// Cloud Storage's `locationType` and `location` of the offending parameter, when known.
    pub location: Option<(&'static str, String)>,
    /// google.rpc.Status `details` (typed messages with `@type`), for the APIs that send them.
    /// A boxed slice keeps the error small (it travels in every `Result`).
    pub details: Box<[serde_json::Value]>,
}

impl GcpError {
    fn new(
        http: u16,
        status: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            http,
            status,
            message: message.into(),
            reason,
            location: None,
            details: Box::default(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", "notFound", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "ALREADY_EXISTS", "conflict", message)
    }

    /// A 409 that is not about existence (a bucket that is not empty): `FAILED_PRECONDITION`.
    pub fn conflict_state(message: impl Into<String>) -> Self {
        Self::new(409, "FAILED_PRECONDITION", "conflict", message)
    }

    /// A concurrency conflict (an etag that no longer matches): 409 `ABORTED`.
    pub fn aborted(message: impl Into<String>) -> Self {
        Self::new(409, "ABORTED", "conflict", message)
    }

    /// 403 `PERMISSION_DENIED`: what Google answers where it will not say whether a thing exists.
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(403, "PERMISSION_DENIED", "forbidden", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", "invalid", message)
    }

    /// Cloud Storage's 400 for a malformed request (`badRequest`).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", "badRequest", message)
    }

    /// A required parameter is missing: Cloud Storage says `Required parameter: NAME`.
    pub fn required(name: &str) -> Self {
        let mut error = Self::new(
            400,
            "INVALID_ARGUMENT",
            "required",
            format!("Required parameter: {name}"),
        );
        error.location = Some(("parameter", name.to_string()));
        error
    }

    /// An `if*Match` precondition did not hold: 412.
    pub fn precondition_failed() -> Self {
        Self::new(
            412,
            "FAILED_PRECONDITION",
            "conditionNotMet",
            "At least one of the pre-conditions you specified did not hold.",
        )
    }

    /// An `if*NotMatch` condition matched: 304, as GCS answers it.
    pub fn not_modified() -> Self {
        Self::new(304, "FAILED_PRECONDITION", "notModified", "")
    }

    pub fn failed_precondition(message: impl Into<String>) -> Self {
        Self::new(400, "FAILED_PRECONDITION", "failedPrecondition", message)
    }

    /// A `Range` outside the object: 416.
    pub fn range_not_satisfiable() -> Self {
        Self::new(
            416,
            "OUT_OF_RANGE",
            "requestedRangeNotSatisfiable",
            "The requested range cannot be satisfied.",
        )
    }

    pub fn unimplemented(method: &str) -> Self {
        Self::new(
            501,
            "UNIMPLEMENTED",
            "notImplemented",
            format!("Method {method} is not implemented by the Sockerless simulator."),
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            413,
            "INVALID_ARGUMENT",
            "uploadTooLarge",
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    /// Our own fault; the details are logged, never sent.
    pub fn internal() -> Self {
        Self::new(
            500,
            "INTERNAL",
            "backendError",
            "Internal error encountered.",
        )
    }

    /// An injected fault (`/_sockerless/faults`) as Google reports it: throttles are
    /// `RESOURCE_EXHAUSTED` 429, outages `UNAVAILABLE` 503, errors as registered.
    pub fn from_fault(fault: &simkit::faults::FaultAction) -> Self {
        use simkit::faults::FaultAction;
        match fault {
            FaultAction::Throttle => Self::new(
                429,
                "RESOURCE_EXHAUSTED",
                "rateLimitExceeded",
                "Quota exceeded.",
            ),
            FaultAction::Unavailable => Self::new(
                503,
                "UNAVAILABLE",
                "backendError",
                "The service is currently unavailable.",
            ),
            FaultAction::Error {
                status,
                code,
                message,
            } => {
                let status_name = match *status {
                    400 => "INVALID_ARGUMENT",
                    401 => "UNAUTHENTICATED",
                    403 => "PERMISSION_DENIED",
                    404 => "NOT_FOUND",
                    409 => "ABORTED",
                    412 => "FAILED_PRECONDITION",
                    429 => "RESOURCE_EXHAUSTED",
                    501 => "UNIMPLEMENTED",
                    503 => "UNAVAILABLE",
                    504 => "DEADLINE_EXCEEDED",
                    _ => "INTERNAL",
                };
                let mut error = Self::new(
                    *status,
                    status_name,
                    "backendError",
                    message.clone().unwrap_or_else(|| code.clone()),
                );
                // A registered code that is a google.rpc.Code name is the status itself.
                if code.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    error.status = leak_status(code);
                }
                error
            }
            FaultAction::Latency { .. } => Self::internal(),
        }
    }

    pub fn with_details(mut self, details: Vec<serde_json::Value>) -> Self {
        self.details = details.into_boxed_slice();
        self
    }

    pub fn with_location(mut self, kind: &'static str, name: impl Into<String>) -> Self {
        self.location = Some((kind, name.into()));
        self
    }
}

impl From<simkit::store::StoreError> for GcpError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "state store failed");
        Self::internal()
    }
}

impl From<std::io::Error> for GcpError {
    fn from(error: std::io::Error) -> Self {
        tracing::error!(%error, "file operation failed");
        Self::internal()
    }
}

/// The `google.rpc.Code` names, so a fault's code can be a `&'static str`.
fn leak_status(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("INTERNAL")
}
