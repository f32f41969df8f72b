//! `BlobError`: every error the blob data plane answers, one variant per Azure Storage error
//! code, with the status and message wording the service uses. [`BlobError::parts`] is the one
//! place that maps a variant to (status, code, message); `protocol::blob` renders it as Azure
//! Storage's XML body (`<Error><Code>…</Code><Message>…\nRequestId:…\nTime:…</Message></Error>`)
//! and the `x-ms-error-code` header.

use http::StatusCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("ResourceNotFound")]
    ResourceNotFound,
    #[error("ContainerNotFound")]
    ContainerNotFound,
    #[error("ContainerAlreadyExists")]
    ContainerAlreadyExists,
    #[error("ContainerBeingDeleted")]
    ContainerBeingDeleted,
    #[error("BlobNotFound")]
    BlobNotFound,
    #[error("BlobAlreadyExists")]
    BlobAlreadyExists,
    #[error("ConditionNotMet")]
    ConditionNotMet,
    /// A read whose conditions say the client's copy is current: 304, no body.
    #[error("NotModified")]
    NotModified,
    #[error("InvalidRange")]
    InvalidRange { size: u64 },
    /// A signature or token that does not verify; `detail` is Azure's AuthenticationErrorDetail.
    #[error("AuthenticationFailed")]
    AuthenticationFailed { detail: String },
    #[error("NoAuthenticationInformation")]
    NoAuthenticationInformation,
    #[error("InvalidAuthenticationInfo")]
    InvalidAuthenticationInfo { detail: String },
    #[error("AuthorizationPermissionMismatch")]
    AuthorizationPermissionMismatch,
    #[error("AuthorizationResourceTypeMismatch")]
    AuthorizationResourceTypeMismatch,
    #[error("AuthorizationServiceMismatch")]
    AuthorizationServiceMismatch,
    #[error("AuthorizationProtocolMismatch")]
    AuthorizationProtocolMismatch,
    #[error("InvalidHeaderValue")]
    InvalidHeaderValue { name: String, value: String },
    #[error("MissingRequiredHeader")]
    MissingRequiredHeader { name: String },
    #[error("InvalidQueryParameterValue")]
    InvalidQueryParameterValue { name: String, value: String },
    #[error("InvalidResourceName")]
    InvalidResourceName,
    #[error("OutOfRangeInput")]
    OutOfRangeInput,
    #[error("InvalidBlockId")]
    InvalidBlockId,
    #[error("InvalidBlockList")]
    InvalidBlockList,
    #[error("InvalidXmlDocument")]
    InvalidXmlDocument,
    #[error("Md5Mismatch")]
    Md5Mismatch { sent: String, computed: String },
    #[error("RequestBodyTooLarge")]
    RequestBodyTooLarge,
    #[error("CannotVerifyCopySource")]
    CannotVerifyCopySource,
    #[error("InvalidMetadata")]
    InvalidMetadata,
    #[error("UnsupportedHttpVerb")]
    UnsupportedHttpVerb,
    #[error("NotImplemented")]
    NotImplemented(String),
    #[error("InternalError")]
    Internal,
}

impl BlobError {
    /// Azure Storage's status, code and message for this error.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use BlobError::*;
        match self {
            ResourceNotFound => (
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                "The specified resource does not exist.".into(),
            ),
            ContainerNotFound => (
                StatusCode::NOT_FOUND,
                "ContainerNotFound",
                "The specified container does not exist.".into(),
            ),
            ContainerAlreadyExists => (
                StatusCode::CONFLICT,
                "ContainerAlreadyExists",
                "The specified container already exists.".into(),
            ),
            ContainerBeingDeleted => (
                StatusCode::CONFLICT,
                "ContainerBeingDeleted",
                "The specified container is being deleted.".into(),
            ),
            BlobNotFound => (
                StatusCode::NOT_FOUND,
                "BlobNotFound",
                "The specified blob does not exist.".into(),
            ),
            BlobAlreadyExists => (
                StatusCode::CONFLICT,
                "BlobAlreadyExists",
                "The specified blob already exists.".into(),
            ),
            ConditionNotMet => (
                StatusCode::PRECONDITION_FAILED,
                "ConditionNotMet",
                "The condition specified using HTTP conditional header(s) is not met.".into(),
            ),
            NotModified => (
                StatusCode::NOT_MODIFIED,
                "ConditionNotMet",
                "The condition specified using HTTP conditional header(s) is not met.".into(),
            ),
            InvalidRange { .. } => (
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The range specified is invalid for the current size of the resource.".into(),
            ),
            AuthenticationFailed { .. } => (
                StatusCode::FORBIDDEN,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.".into(),
            ),
            NoAuthenticationInformation => (
                StatusCode::UNAUTHORIZED,
                "NoAuthenticationInformation",
                "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.".into(),
            ),
            InvalidAuthenticationInfo { .. } => (
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationInfo",
                "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.".into(),
            ),
            AuthorizationPermissionMismatch => (
                StatusCode::FORBIDDEN,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.".into(),
            ),
            AuthorizationResourceTypeMismatch => (
                StatusCode::FORBIDDEN,
                "AuthorizationResourceTypeMismatch",
                "This request is not authorized to perform this operation using this resource type.".into(),
            ),
            AuthorizationServiceMismatch => (
                StatusCode::FORBIDDEN,
                "AuthorizationServiceMismatch",
                "This request is not authorized to perform this operation using this service.".into(),
            ),
            AuthorizationProtocolMismatch => (
                StatusCode::FORBIDDEN,
                "AuthorizationProtocolMismatch",
                "This request is not authorized to perform this operation using this protocol.".into(),
            ),
            InvalidHeaderValue { .. } => (
                StatusCode::BAD_REQUEST,
                "InvalidHeaderValue",
                "The value for one of the HTTP headers is not in the correct format.".into(),
            ),
            MissingRequiredHeader { .. } => (
                StatusCode::BAD_REQUEST,
                "MissingRequiredHeader",
                "An HTTP header that's mandatory for this request is not specified.".into(),
            ),
            InvalidQueryParameterValue { .. } => (
                StatusCode::BAD_REQUEST,
                "InvalidQueryParameterValue",
                "Value for one of the query parameters specified in the request URI is invalid.".into(),
            ),
            // Azure's own spelling.
            InvalidResourceName => (
                StatusCode::BAD_REQUEST,
                "InvalidResourceName",
                "The specifed resource name contains invalid characters.".into(),
            ),
            OutOfRangeInput => (
                StatusCode::BAD_REQUEST,
                "OutOfRangeInput",
                "One of the request inputs is out of range.".into(),
            ),
            InvalidBlockId => (
                StatusCode::BAD_REQUEST,
                "InvalidBlockId",
                "The specified block ID is invalid. The block ID must be Base64-encoded.".into(),
            ),
            InvalidBlockList => (
                StatusCode::BAD_REQUEST,
                "InvalidBlockList",
                "The specified block list is invalid.".into(),
            ),
            InvalidXmlDocument => (
                StatusCode::BAD_REQUEST,
                "InvalidXmlDocument",
                "XML specified is not syntactically valid.".into(),
            ),
            Md5Mismatch { .. } => (
                StatusCode::BAD_REQUEST,
                "Md5Mismatch",
                "The MD5 value specified in the request did not match with the MD5 value calculated by the server.".into(),
            ),
            RequestBodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestBodyTooLarge",
                "The request body is too large and exceeds the maximum permissible limit.".into(),
            ),
            CannotVerifyCopySource => (
                StatusCode::NOT_FOUND,
                "CannotVerifyCopySource",
                "The specified blob does not exist.".into(),
            ),
            InvalidMetadata => (
                StatusCode::BAD_REQUEST,
                "InvalidMetadata",
                "The metadata specified is invalid. It has characters that are not permitted.".into(),
            ),
            UnsupportedHttpVerb => (
                StatusCode::METHOD_NOT_ALLOWED,
                "UnsupportedHttpVerb",
                "The resource doesn't support specified Http Verb.".into(),
            ),
            NotImplemented(what) => (
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                format!("The simulator does not implement {what}."),
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "Server encountered an internal error. Please try again after some time.".into(),
            ),
        }
    }

    /// Extra elements Azure puts in the error body after `Message`.
    pub fn details(&self) -> Vec<(&'static str, String)> {
        match self {
            BlobError::AuthenticationFailed { detail }
            | BlobError::InvalidAuthenticationInfo { detail } => {
                vec![("AuthenticationErrorDetail", detail.clone())]
            }
            BlobError::InvalidHeaderValue { name, value } => {
                vec![("HeaderName", name.clone()), ("HeaderValue", value.clone())]
            }
            BlobError::MissingRequiredHeader { name } => vec![("HeaderName", name.clone())],
            BlobError::InvalidQueryParameterValue { name, value } => vec![
                ("QueryParameterName", name.clone()),
                ("QueryParameterValue", value.clone()),
            ],
            BlobError::Md5Mismatch { sent, computed } => vec![
                ("UserSpecifiedMd5", sent.clone()),
                ("ServerCalculatedMd5", computed.clone()),
            ],
            _ => Vec::new(),
        }
    }
}

impl From<simkit::store::StoreError> for BlobError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "blob store failure");
        BlobError::Internal
    }
}

impl From<std::io::Error> for BlobError {
    fn from(error: std::io::Error) -> Self {
        tracing::error!(%error, "blob file failure");
        BlobError::Internal
    }
}
