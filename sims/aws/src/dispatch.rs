//! From an HTTP request to a handler and back: route, authenticate, apply injected faults,
//! decode and validate, call, encode. The one place that joins the protocol layer to the
//! services; it holds no service logic.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use simkit::body::{BodyError, BodyLimit};
use simkit::context::{RequestContext, Scheme};
use simkit::faults::FaultAction;

use crate::Aws;
use crate::access::Connection;
use crate::error::AwsError;
use crate::model::{Model, Protocol};
use crate::protocol::route::{Unroutable, is_form, parse_pairs, virtual_host_path};
use crate::protocol::sigv4::{self, SignedRequest};
use crate::protocol::{self, Input, WireResponse, json, query, stream};
use crate::services::{Caller, Ctx};

/// The axum handler for every AWS API request.
pub async fn handle(State(aws): State<Arc<Aws>>, request: Request) -> Response {
    let context = request.extensions().get::<RequestContext>().cloned();
    let request_id = context
        .as_ref()
        .map_or_else(|| aws.kit.ids().uuid(), |c| c.id.clone());
    let limit = request
        .extensions()
        .get::<BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |l| l.0);
    let (mut parts, body) = request.into_parts();
    // The request inspector's note, when it is on: the operation and error code it shows.
    // Taken out rather than cloned: nothing after dispatch reads it.
    let annotation = parts.extensions.remove::<simkit::inspector::Annotation>();
    let query_pairs = parts
        .uri
        .query()
        .map(|q| parse_pairs(q.as_bytes()))
        .unwrap_or_default();
    let signature = sigv4::signature(&parts.headers, &query_pairs);
    // A form body is read before routing (it names the operation); any other body after, so
    // an operation with a streaming payload has its body spooled to disk instead.
    let form_request = is_form(&parts.method, &parts.headers, &query_pairs);
    let mut body = Some(body);
    let mut collected = bytes::Bytes::new();
    if form_request {
        match collect_body(&mut body, limit, &parts.headers, &request_id).await {
            Ok(bytes) => collected = bytes,
            Err(response) => return response,
        }
    }
    let form = form_request.then(|| {
        let mut params = if parts.method == http::Method::POST {
            parse_pairs(&collected)
        } else {
            Vec::new()
        };
        params.extend(query_pairs.iter().cloned());
        params
    });
    let scope = signature.as_ref().map(|s| &s.scope);
    let virtual_host = if form_request || scope.is_some_and(|s| s.service != "s3") {
        None
    } else {
        parts
            .uri
            .host()
            .map(str::to_string)
            .or_else(|| {
                parts
                    .headers
                    .get(http::header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .and_then(|host| virtual_host_path(&host, parts.uri.path()))
    };
    let routed = match aws.catalog.route(
        &parts.method,
        virtual_host.as_deref().unwrap_or(parts.uri.path()),
        &query_pairs,
        &parts.headers,
        form,
        scope,
    ) {
        Ok(routed) => routed,
        Err(unroutable) => {
            let (code, wire) = unroutable_response(unroutable, &request_id);
            if let Some(annotation) = &annotation {
                annotation.error_code(&code);
            }
            return wire.into_http(&request_id);
        }
    };
    let streams = streaming_payload(routed.model, routed.operation);
    let mut spooled = None;
    if streams {
        let Some(body) = body.take() else {
            return unrouted_error(&parts.headers, &AwsError::internal(), &request_id);
        };
        let file_name = aws.kit.ids().hex(32);
        match stream::spool(body, &parts.headers, &aws.spool_dir(), &file_name).await {
            Ok(file) => spooled = Some(file),
            Err(error) => {
                let error = match error {
                    stream::SpoolError::TooLarge => {
                        AwsError::with_status("EntityTooLarge", 400, error.to_string())
                    }
                    stream::SpoolError::Chunked(message) => {
                        AwsError::with_status("IncompleteBody", 400, message)
                    }
                    stream::SpoolError::Read(message) => {
                        AwsError::with_status("IncompleteBody", 400, message)
                    }
                    stream::SpoolError::Io(io) => {
                        tracing::error!(%io, "spooling a request body failed");
                        AwsError::internal()
                    }
                };
                return protocol::encode_error(routed.model, &error, &request_id)
                    .into_http(&request_id);
            }
        }
    } else if !form_request {
        match collect_body(&mut body, limit, &parts.headers, &request_id).await {
            Ok(bytes) => collected = bytes,
            Err(response) => return response,
        }
    }
    let body = collected;
    let model = routed.model;
    let operation = routed.operation;
    let service_name = model.metadata.signing_name();
    let span = tracing::Span::current();
    if !span.is_disabled() {
        span.record("operation", format!("{service_name}:{}", operation.name));
    }
    if let Some(annotation) = &annotation {
        annotation.operation(service_name, &operation.name);
    }

    let head_request = parts.method == http::Method::HEAD;
    let fail = |error: AwsError| {
        if let Some(annotation) = &annotation {
            annotation.error_code(&protocol::resolve_error(model, &error).0);
        }
        let mut wire = protocol::encode_error(model, &error, &request_id);
        // HEAD answers and 304s carry no body (the status and headers say it all).
        if head_request || wire.status == 304 {
            wire.body.clear();
            wire.content_type.clear();
        }
        wire.into_http(&request_id)
    };

    let signed = SignedRequest {
        method: &parts.method,
        raw_path: parts.uri.path(),
        query: &query_pairs,
        headers: &parts.headers,
        body: &body,
    };
    // moto's reset-auth turns authentication and authorization on after a number of requests.
    // Operations made without credentials (web identity and SAML federation) are decided by
    // their handlers, not by the caller's signature or policies.
    let anonymous = operation.authtype.as_deref() == Some("none");
    let enforce = !anonymous && (aws.config.enforce_iam || aws.moto_auth.enforce_now());
    let strict = !anonymous && (aws.config.strict_auth || enforce);
    // A presigned URL past its expiry is refused whoever signed it.
    if let Some(expires_ms) = sigv4::presigned_expiry(&query_pairs)
        && expires_ms <= aws.kit.clock().now_millis()
    {
        return fail(AwsError::with_status(
            "AccessDenied",
            403,
            "Request has expired",
        ));
    }
    let ctx = match aws.authenticate(model, &signed, signature.as_ref(), &request_id, strict) {
        Ok(ctx) => ctx,
        Err(error) => return fail(error),
    };

    let injected = aws.kit.faults().check(service_name, &operation.name);
    if let Some(latency) = injected.latency {
        tokio::time::sleep(latency).await;
    }
    if let Some(failure) = injected.failure {
        return fail(fault_error(model.metadata.protocol, failure));
    }

    let Some(service) = aws.service(service_name) else {
        return fail(AwsError::not_implemented(service_name, &operation.name));
    };
    let input = match model.metadata.protocol {
        Protocol::Json => Input::Json { body: &body },
        Protocol::Query | Protocol::Ec2 => Input::Query {
            params: &routed.params,
        },
        Protocol::RestJson | Protocol::RestXml => Input::Rest {
            labels: &routed.labels,
            query: &query_pairs,
            headers: &parts.headers,
            body: &body,
        },
    };
    let decoded = match protocol::decode(
        model,
        operation,
        input,
        &service.validation_for(&operation.name),
    ) {
        Ok(value) => value,
        Err(error) => {
            tracing::debug!(%error, "input rejected");
            return fail(error);
        }
    };
    if enforce {
        let connection = Connection {
            source_ip: context.as_ref().and_then(|c| c.peer).map(|peer| peer.ip()),
            secure: context.as_ref().is_some_and(|c| c.scheme == Scheme::Https),
        };
        if let Err(error) = aws.access.authorize(
            &ctx,
            service_name,
            model.metadata.protocol,
            &operation.name,
            &decoded,
            &connection,
            service.as_ref(),
        ) {
            tracing::debug!(%error, "denied");
            return fail(error);
        }
    }
    let (outcome, file_answer) =
        stream::scoped(spooled, service.call(&ctx, &operation.name, decoded)).await;
    match outcome {
        Ok(output) => {
            let response =
                protocol::encode(model, operation, output, &request_id).into_http(&request_id);
            match file_answer {
                Some(answer) => with_file_body(response, answer),
                None => response,
            }
        }
        Err(error) => {
            if error.status.is_some_and(|s| s >= 500) {
                tracing::warn!(%error, operation = %operation.name, "answered with a server error");
            } else {
                tracing::debug!(%error, "answered with an error");
            }
            fail(error)
        }
    }
}

/// Reads the whole body under the server's small limit, or the error response.
async fn collect_body(
    body: &mut Option<axum::body::Body>,
    limit: usize,
    headers: &http::HeaderMap,
    request_id: &str,
) -> Result<bytes::Bytes, Response> {
    let Some(body) = body.take() else {
        return Ok(bytes::Bytes::new());
    };
    match simkit::body::collect(body, limit).await {
        Ok(body) => Ok(body),
        Err(BodyError::TooLarge { limit }) => Err(unrouted_error(
            headers,
            &AwsError::request_too_large(limit),
            request_id,
        )),
        Err(BodyError::Read(message)) => Err(unrouted_error(
            headers,
            &AwsError::serialization(message),
            request_id,
        )),
    }
}

/// Whether `operation`'s input payload is a streaming member (spooled, not collected).
pub fn streaming_payload(model: &Model, operation: &crate::model::Operation) -> bool {
    operation
        .input
        .as_ref()
        .and_then(|input| model.shape(&input.shape).ok())
        .and_then(|shape| {
            let payload = shape.payload.as_ref()?;
            shape.members.get(payload)
        })
        .is_some_and(|member| member.streaming)
}

/// `response` with `answer`'s bytes streamed from disk as its body.
fn with_file_body(response: Response, answer: stream::FileAnswer) -> Response {
    use std::io::{Seek, SeekFrom};
    use tokio::io::AsyncReadExt;

    let (mut head, _) = response.into_parts();
    let mut file = answer.file;
    if let Err(error) = file.seek(SeekFrom::Start(answer.offset)) {
        tracing::error!(%error, "seeking an answer file failed");
    }
    let reader = tokio::fs::File::from_std(file).take(answer.len);
    let stream = tokio_util::io::ReaderStream::with_capacity(reader, 256 * 1024);
    if let Some(status) = answer
        .status
        .and_then(|s| http::StatusCode::from_u16(s).ok())
    {
        head.status = status;
    }
    if let Ok(length) = http::HeaderValue::try_from(answer.len.to_string()) {
        head.headers.insert(http::header::CONTENT_LENGTH, length);
    }
    Response::from_parts(head, axum::body::Body::from_stream(stream))
}

fn fault_error(protocol: Protocol, failure: FaultAction) -> AwsError {
    match failure {
        FaultAction::Throttle => protocol::throttling(protocol),
        FaultAction::Unavailable => AwsError::service_unavailable(),
        FaultAction::Error {
            status,
            code,
            message,
        } => AwsError::with_status(
            code,
            status,
            message.unwrap_or_else(|| "Injected fault".into()),
        ),
        // Latency never arrives here: it is applied, not answered.
        FaultAction::Latency { .. } => AwsError::internal(),
    }
}

/// An error for a request whose service is unknown: in json shape if it looks like a json
/// call, else in query's XML shape.
fn unrouted_error(headers: &http::HeaderMap, error: &AwsError, request_id: &str) -> Response {
    let response = if headers.contains_key("x-amz-target") {
        generic_json_error(error)
    } else {
        generic_query_error(error, request_id)
    };
    response.into_http(request_id)
}

fn generic_json_error(error: &AwsError) -> WireResponse {
    let status = error.status.unwrap_or(400);
    let body = serde_json::json!({"__type": error.code, "message": error.message});
    let mut response = WireResponse::new(
        status,
        "application/x-amz-json-1.1".into(),
        serde_json::to_vec(&body).unwrap_or_default(),
    );
    response
        .headers
        .push(("x-amzn-ErrorType".into(), error.code.clone()));
    response
}

fn generic_query_error(error: &AwsError, request_id: &str) -> WireResponse {
    let mut writer = protocol::xml::XmlWriter::new();
    writer.open("ErrorResponse", &[]);
    writer.open("Error", &[]);
    writer.element(
        "Type",
        if error.status.unwrap_or(400) >= 500 {
            "Receiver"
        } else {
            "Sender"
        },
    );
    writer.element("Code", &error.code);
    writer.element("Message", &error.message);
    writer.close("Error");
    writer.element("RequestId", request_id);
    writer.close("ErrorResponse");
    WireResponse::new(
        error.status.unwrap_or(400),
        query::CONTENT_TYPE.into(),
        writer.finish().into_bytes(),
    )
}

/// The error code and answer for a request no operation matches.
fn unroutable_response(unroutable: Unroutable, request_id: &str) -> (String, WireResponse) {
    let (code, wire) = match unroutable {
        Unroutable::UnknownTarget { target, model } => {
            let error =
                AwsError::unknown_operation(format!("Operation {target} is not recognized"));
            let wire = match model {
                Some(model) => json::error(model, &error),
                None => generic_json_error(&error),
            };
            (error.code, wire)
        }
        Unroutable::MissingAction { model } => {
            let error = AwsError::with_status("MissingAction", 400, "Missing Action");
            (error.code.clone(), query_error(model, &error, request_id))
        }
        Unroutable::UnknownAction { action, model } => {
            let version = model.map_or("", |m| m.metadata.api_version.as_str());
            let error = AwsError::with_status(
                "InvalidAction",
                400,
                format!("Could not find operation {action} for version {version}"),
            );
            (error.code.clone(), query_error(model, &error, request_id))
        }
        Unroutable::NoRoute => {
            let error = AwsError::with_status(
                "UnknownOperationException",
                404,
                "The request does not match any operation of any service Sockerless serves",
            );
            (error.code.clone(), generic_json_error(&error))
        }
    };
    (code, wire)
}

fn query_error(model: Option<&'static Model>, error: &AwsError, request_id: &str) -> WireResponse {
    match model {
        Some(model) => protocol::encode_error(model, error, request_id),
        None => generic_query_error(error, request_id),
    }
}

impl Aws {
    /// Finds the caller behind a request and, under `--strict-auth`, checks its signature.
    fn authenticate(
        &self,
        model: &Model,
        request: &SignedRequest<'_>,
        signature: Option<&sigv4::Signature>,
        request_id: &str,
        strict: bool,
    ) -> Result<Ctx, AwsError> {
        let protocol = model.metadata.protocol;
        let json_family = !matches!(protocol, Protocol::Query | Protocol::Ec2);
        let region =
            signature.map_or_else(|| self.config.region.clone(), |s| s.scope.region.clone());
        let access_key = signature
            .map(|s| s.scope.access_key_id.clone())
            .or_else(|| sigv4::access_key(request.headers, request.query))
            .unwrap_or_default();
        let issued = self.sts.credentials(&access_key);
        // A long-term key IAM issued (to a user, or to an account's root user).
        let iam_key = issued
            .is_none()
            .then(|| self.iam.access_key_identity(&access_key))
            .flatten();
        if strict {
            let Some(signature) = signature else {
                let code = if json_family {
                    "MissingAuthenticationTokenException"
                } else {
                    "MissingAuthenticationToken"
                };
                return Err(AwsError::with_status(
                    code,
                    403,
                    "Request is missing Authentication Token",
                ));
            };
            let invalid_token = || {
                let (code, status) = if json_family {
                    ("UnrecognizedClientException", 400)
                } else {
                    ("InvalidClientTokenId", 403)
                };
                AwsError::with_status(
                    code,
                    status,
                    "The security token included in the request is invalid.",
                )
            };
            let secret = match (
                &issued,
                self.config.access_keys.iter().find(|k| k.id == access_key),
            ) {
                (Some(issued), _) => {
                    let token = request
                        .headers
                        .get("x-amz-security-token")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                        .or_else(|| {
                            request
                                .query
                                .iter()
                                .find(|(k, _)| k == "X-Amz-Security-Token")
                                .map(|(_, v)| v.clone())
                        });
                    if token.as_deref() != Some(issued.session_token.as_str()) {
                        return Err(invalid_token());
                    }
                    if issued.expiration_ms <= self.kit.clock().now_millis() {
                        let code = if json_family {
                            "ExpiredTokenException"
                        } else {
                            "ExpiredToken"
                        };
                        return Err(AwsError::with_status(
                            code,
                            400,
                            "The security token included in the request is expired",
                        ));
                    }
                    issued.secret_access_key.clone()
                }
                (None, Some(key)) => key.secret.clone(),
                (None, None) => match &iam_key {
                    Some(key) if key.active => key.secret_access_key.clone(),
                    _ => return Err(invalid_token()),
                },
            };
            if !sigv4::verify(request, signature, &secret) {
                tracing::debug!(request_id, "signature mismatch");
                // JSON services answer InvalidSignatureException with 400; query services
                // SignatureDoesNotMatch with 403.
                let (code, status) = if json_family {
                    ("InvalidSignatureException", 400)
                } else {
                    ("SignatureDoesNotMatch", 403)
                };
                return Err(AwsError::with_status(
                    code,
                    status,
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
                ));
            }
        }
        let caller = match (issued, iam_key) {
            (Some(issued), _) => issued.caller,
            (None, Some(key)) => {
                if let Err(error) = self.iam.note_access_key_use(
                    &access_key,
                    model.metadata.endpoint_prefix.as_str(),
                    &region,
                ) {
                    tracing::warn!(%error, "recording an access key's last use failed");
                }
                match key.user {
                    Some(user) => Caller {
                        access_key_id: access_key.clone(),
                        account_id: user.account_id,
                        arn: user.arn,
                        user_id: user.user_id,
                        session: None,
                    },
                    None => Caller::root(&key.account_id, &access_key),
                }
            }
            (None, None) => {
                let account = self.account_of_key(&access_key);
                Caller::root(&account, &access_key)
            }
        };
        Ok(Ctx {
            request_id: request_id.to_string(),
            account_id: caller.account_id.clone(),
            region,
            caller,
        })
    }

    /// The account a long-term key stands for: a configured key's account, the key itself when
    /// it is twelve digits (LocalStack's convention, so tests can act in several accounts), or
    /// the default account.
    fn account_of_key(&self, access_key: &str) -> String {
        if let Some(key) = self.config.access_keys.iter().find(|k| k.id == access_key) {
            return key
                .account_id
                .clone()
                .unwrap_or_else(|| self.config.account_id.clone());
        }
        if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
            return access_key.to_string();
        }
        self.config.account_id.clone()
    }
}
