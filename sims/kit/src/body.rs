//! Reading request bodies under the server's size limit. The kit wraps every body in a limit;
//! a simulator collects it here and renders [`BodyError::TooLarge`] in its provider's shape.

use bytes::Bytes;
use http_body_util::BodyExt;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the request body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("reading the request body failed: {0}")]
    Read(String),
}

/// The largest body the server accepts, as set in its configuration.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Collects `body` whole.
pub async fn collect(body: axum::body::Body, limit: usize) -> Result<Bytes, BodyError> {
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(BodyError::TooLarge { limit })
        }
        Err(error) => {
            // The kit's own limit wraps the body too; its error travels inside axum's.
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error.as_ref());
            while let Some(current) = source {
                if current.is::<http_body_util::LengthLimitError>() {
                    return Err(BodyError::TooLarge { limit });
                }
                source = current.source();
            }
            Err(BodyError::Read(error.to_string()))
        }
    }
}
