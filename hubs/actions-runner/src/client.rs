//! The runner's HTTP client: JSON requests to the runner service with the headers the official
//! runner's VSS client sends (`Accept: application/json;api-version=…`, a bearer token), and
//! the service's answer as status and body.
//!
//! Plain HTTP only: the client has no TLS stack, and an `https://` URL is refused with an
//! explicit error rather than sent in the clear.
//!
//! What this module must not do: retry on its own (the caller knows what may be repeated), or
//! log tokens.

use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::RunnerError;

/// The API version the runner's clients ask for.
const ACCEPT: &str = "application/json;api-version=6.0-preview.1";

/// A connection pool to one service.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    /// `Location`, for redirects.
    pub location: Option<String>,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as JSON when the status is `expected`, else the service's refusal as an error.
    pub fn expect(self, expected: &[u16], what: &str) -> Result<Value, RunnerError> {
        if expected.contains(&self.status.as_u16()) {
            Ok(self.json())
        } else {
            Err(RunnerError::Refused {
                what: what.to_string(),
                status: self.status.as_u16(),
                body: String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(400)
                    .collect(),
            })
        }
    }
}

/// The body of a request.
pub enum Body {
    Empty,
    Json(Value),
    Form(Vec<(String, String)>),
    Bytes(Bytes),
}

impl Default for Http {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.enforce_http(true);
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }
}

impl Http {
    /// Sends one request; `bearer` is the token for `Authorization` (`RemoteAuth` bootstrap
    /// calls pass the whole header value through `authorization`).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        authorization: Option<&str>,
        body: Body,
    ) -> Result<Answer, RunnerError> {
        if url.starts_with("https://") {
            return Err(RunnerError::Config(format!(
                "{url}: this runner speaks plain HTTP only; point it at the service's http:// address"
            )));
        }
        let mut builder = Request::builder()
            .method(method)
            .uri(url)
            .header(header::ACCEPT, ACCEPT)
            .header(header::USER_AGENT, "GitHubActionsRunner-sockerless/2.330.0");
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        let (builder, bytes) = match body {
            Body::Empty => (builder, Bytes::new()),
            Body::Json(value) => (
                builder.header(header::CONTENT_TYPE, "application/json; charset=utf-8"),
                Bytes::from(value.to_string()),
            ),
            Body::Form(pairs) => {
                let encoded = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                (
                    builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
                    Bytes::from(encoded),
                )
            }
            Body::Bytes(bytes) => (
                builder.header(header::CONTENT_TYPE, "application/octet-stream"),
                bytes,
            ),
        };
        let request = builder
            .body(Full::new(bytes))
            .map_err(|e| RunnerError::Config(format!("{url}: {e}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| RunnerError::Unreachable(format!("{url}: {e}")))?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| RunnerError::Unreachable(format!("{url}: {e}")))?
            .to_bytes();
        Ok(Answer {
            status,
            location,
            body,
        })
    }
}

/// `Bearer TOKEN`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `url` with query parameters appended.
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    if query.is_empty() {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&{query}")
    } else {
        format!("{url}?{query}")
    }
}
