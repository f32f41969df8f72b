//! The metadata server's wire (`/_sockerless/metadata/KEY/computeMetadata/v1/...`, text or
//! JSON with `Metadata-Flavor: Google`) and Google's `tokeninfo` endpoint
//! (`oauth2.googleapis.com/tokeninfo`, `www.googleapis.com/oauth2/v3/tokeninfo`), over
//! [`crate::services::metadata`].

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::services::metadata::{Metadata, MetadataError, MetadataValue, unique_id};

pub const PATH_PREFIX: &str = "/_sockerless/metadata/";

fn answer(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("Metadata-Flavor", HeaderValue::from_static("Google"));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Serves a request under [`PATH_PREFIX`].
pub fn serve(metadata: &Metadata, request: &Request<Body>) -> Response {
    let path = request.uri().path();
    let rest = path.strip_prefix(PATH_PREFIX).unwrap_or_default();
    let (key, below) = rest.split_once('/').unwrap_or((rest, ""));
    let flavored = request
        .headers()
        .get("Metadata-Flavor")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "Google");
    // The metadata server refuses requests that went through a proxy, and those without the
    // header, so a page cannot be tricked into reading it.
    if !flavored || request.headers().contains_key("X-Forwarded-For") {
        return answer(
            StatusCode::FORBIDDEN,
            "text/html; charset=UTF-8",
            format!(
                "Your client does not have permission to get URL {path} from this server. Missing Metadata-Flavor:Google header.\n"
            ),
        );
    }
    // The root answers the detection ping google-auth sends before anything else.
    if below.is_empty() {
        return match metadata.read(key, "project/project-id", &[]) {
            Ok(_) => answer(
                StatusCode::OK,
                "application/text",
                "computeMetadata/\n".into(),
            ),
            Err(_) => not_found(path),
        };
    }
    let Some(item) = below.strip_prefix("computeMetadata/v1") else {
        return not_found(path);
    };
    let query: Vec<(String, String)> =
        form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    match metadata.read(key, item, &query) {
        Ok(MetadataValue::Text(text)) => answer(StatusCode::OK, "application/text", text),
        Ok(MetadataValue::Json(value)) => {
            answer(StatusCode::OK, "application/json", value.to_string())
        }
        Err(MetadataError::NotFound) => not_found(path),
        Err(MetadataError::BadRequest(message)) => answer(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            message,
        ),
        Err(MetadataError::Unsupported(message)) => answer(
            StatusCode::NOT_IMPLEMENTED,
            "text/plain; charset=utf-8",
            message.to_string(),
        ),
        Err(MetadataError::Internal) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "Internal error".into(),
        ),
    }
}

fn not_found(path: &str) -> Response {
    answer(
        StatusCode::NOT_FOUND,
        "text/html; charset=UTF-8",
        format!("The requested URL {path} was not found on this server.\n"),
    )
}

/// Whether a request is for `tokeninfo`.
pub fn is_token_info(host: Option<&str>, path: &str) -> bool {
    path == "/oauth2/v3/tokeninfo"
        || (path == "/tokeninfo" && host.is_none_or(|h| h.starts_with("oauth2.")))
}

/// `tokeninfo?access_token=`: Google's JSON about a token, or `invalid_token`.
pub fn token_info(metadata: &Metadata, query: Option<&str>) -> Response {
    let token = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let json = |status: StatusCode, value: serde_json::Value| {
        let mut response = (status, value.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        response
    };
    match metadata.token_info(&token) {
        Some(info) => json(
            StatusCode::OK,
            serde_json::json!({
                "azp": unique_id(&info.email),
                "aud": unique_id(&info.email),
                "scope": info.scopes.join(" "),
                "exp": info.expires_at_secs.to_string(),
                "expires_in": info.expires_in.to_string(),
                "email": info.email,
                "email_verified": "true",
                "access_type": "online",
            }),
        ),
        None => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "invalid_token", "error_description": "Invalid Value"}),
        ),
    }
}
