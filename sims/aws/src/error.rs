//! The one error type handlers return and the protocol layer renders. It carries AWS's own
//! error *shape name* (`ClusterNotFoundException`, `NoSuchEntityException`); the protocol layer
//! turns that into the wire code and HTTP status the service's model declares (`NoSuchEntity`,
//! 404), in the protocol's error shape. No HTTP lives here.
//!
//! Each service also has its own error enum, one variant per documented error, converted into
//! this type in one `From` impl.

use serde_json::Value;

/// Who is at fault, as AWS's query error bodies say (`<Type>Sender</Type>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Sender,
    Receiver,
}

/// An error as AWS reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    /// The error shape's name in the model, or a common code (`ValidationException`).
    pub code: String,
    pub message: String,
    /// Overrides the model's status: for common errors the model does not declare.
    pub status: Option<u16>,
    pub fault: Fault,
    /// Extra members of the error shape (`resourceName`, ...), serialized with the error.
    pub fields: Vec<(String, Value)>,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    /// An error the model declares; code and status come from the model.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status: None,
            fault: Fault::Sender,
            fields: Vec::new(),
        }
    }

    /// A common error with an explicit status.
    pub fn with_status(code: impl Into<String>, status: u16, message: impl Into<String>) -> Self {
        let fault = if status >= 500 {
            Fault::Receiver
        } else {
            Fault::Sender
        };
        Self {
            status: Some(status),
            fault,
            ..Self::new(code, message)
        }
    }

    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.fields.push((name.to_string(), value.into()));
        self
    }

    /// Input that is not the JSON/XML/form the protocol expects, or a value of the wrong type.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::with_status("SerializationException", 400, message)
    }

    /// A model operation Sockerless does not implement.
    pub fn not_implemented(service: &str, operation: &str) -> Self {
        Self::with_status(
            "NotImplemented",
            501,
            format!("Sockerless does not implement {service}:{operation} yet"),
        )
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::with_status("UnknownOperationException", 400, message)
    }

    /// Our bug: logged with the request ID by the caller; the client sees AWS's generic error.
    pub fn internal() -> Self {
        Self::with_status(
            "InternalFailure",
            500,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    pub fn service_unavailable() -> Self {
        Self::with_status(
            "ServiceUnavailable",
            503,
            "Service is unavailable. Please try again later.",
        )
    }

    pub fn request_too_large(limit: usize) -> Self {
        Self::with_status(
            "RequestEntityTooLarge",
            413,
            format!("Request must be smaller than {limit} bytes"),
        )
    }
}

impl From<simkit::store::StoreError> for AwsError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "state store failure");
        AwsError::internal()
    }
}

impl From<sim_aws_shapes::normal::Unimplemented> for AwsError {
    fn from(unimplemented: sim_aws_shapes::normal::Unimplemented) -> Self {
        AwsError::not_implemented(unimplemented.service, unimplemented.operation)
    }
}
