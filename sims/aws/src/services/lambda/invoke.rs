//! Invoke, InvokeAsync, InvokeWithResponseStream, and invocations through function URLs.
//! `RequestResponse` runs the function and answers its payload (a handler error answers 200
//! with `FunctionError: Unhandled` and the runtime's error document); `Event` queues the run and
//! answers 202; `DryRun` only checks and answers 204. An alias with a routing configuration
//! sends each invocation to one of its versions by weight.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sim_aws_shapes::lambda::{
    InvocationRequest, InvocationResponse, InvokeAsyncRequest, InvokeAsyncResponse,
    InvokeWithResponseStreamRequest, InvokeWithResponseStreamResponse,
};
use sim_aws_shapes::normal::Blob;

use super::environments::{Invocation, Launch, Outcome};
use super::{FunctionRecord, Lambda, LambdaError, VersionRecord, names};
use crate::services::Ctx;

/// The largest synchronous payload: 6 MB.
const MAX_SYNC_PAYLOAD: usize = 6_291_456;
/// The largest asynchronous payload: 1 MB.
const MAX_ASYNC_PAYLOAD: usize = 1_048_576;

/// An HTTP request to a function URL, as the HTTP layer hands it over.
#[derive(Debug, Clone)]
pub struct UrlRequest {
    pub url_id: String,
    pub method: String,
    pub path: String,
    pub raw_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub source_ip: String,
    pub signed: bool,
}

/// What a function URL answers.
#[derive(Debug, Clone)]
pub struct UrlResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Lambda {
    /// What an invocation of `reference`/`qualifier` runs: the function, the version chosen
    /// (by alias weights when routed), and the ARN the runtime is told was invoked.
    fn target(
        &self,
        ctx: &Ctx,
        reference: &str,
        qualifier: Option<&str>,
    ) -> Result<(FunctionRecord, VersionRecord, String), LambdaError> {
        let function = names::parse(ctx, reference, qualifier)?;
        let (record, mut version) = self.resolve(ctx, reference, qualifier)?;
        if let Some(alias) = function
            .qualifier
            .as_deref()
            .filter(|q| !names::is_version(q))
            && let Some(alias) =
                self.aliases
                    .get(&format!("{}{}\0{alias}", ctx.scope(), function.name))
            && let Some(weights) = alias
                .routing_config
                .and_then(|r| r.additional_version_weights)
        {
            let roll = (self.kit.ids().next_u64() % 1_000_000) as f64 / 1_000_000.0;
            let mut sum = 0.0;
            for (other, weight) in weights {
                sum += weight;
                if roll < sum {
                    let (_, chosen) = self.resolve(ctx, &function.name, Some(&other))?;
                    version = chosen;
                    break;
                }
            }
        }
        let invoked = names::qualified_arn(ctx, &function.name, function.qualifier.as_deref());
        Ok((record, version, invoked))
    }

    fn launch(&self, ctx: &Ctx, record: &FunctionRecord, version: &VersionRecord) -> Launch {
        let config = &version.config;
        let name = config.function_name.clone().unwrap_or_default();
        let executed = config.version.clone().unwrap_or_else(|| "$LATEST".into());
        let layers: Vec<String> = config
            .layers
            .iter()
            .flatten()
            .filter_map(|l| l.arn.clone())
            .collect();
        Launch {
            function_key: self.function_key(ctx, &name),
            pool_key: format!(
                "{}\0{executed}\0{}",
                self.function_key(ctx, &name),
                config.revision_id.clone().unwrap_or_default()
            ),
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
            function_name: name.clone(),
            version: executed,
            runtime: config.runtime.clone(),
            handler: config.handler.clone(),
            code: version.code.clone(),
            code_sha256: config.code_sha256.clone().unwrap_or_default(),
            image_config: version.image_config.clone(),
            layers: self.layer_zips(ctx, &layers),
            variables: config
                .environment
                .as_ref()
                .and_then(|e| e.variables.clone())
                .unwrap_or_default(),
            memory_mb: config.memory_size.unwrap_or(128),
            timeout_seconds: config.timeout.unwrap_or(3),
            role: config.role.clone().unwrap_or_default(),
            log_group: config
                .logging_config
                .as_ref()
                .and_then(|l| l.log_group.clone())
                .unwrap_or_else(|| format!("/aws/lambda/{name}")),
            reserved_concurrency: record.reserved_concurrency,
        }
    }

    fn invocation(
        &self,
        launch: &Launch,
        invoked: String,
        payload: Vec<u8>,
        client_context: Option<String>,
    ) -> Invocation {
        let now = self.now_millis();
        let trace = format!(
            "Root=1-{:08x}-{};Parent={};Sampled=0",
            now / 1000,
            self.kit.ids().hex(24),
            self.kit.ids().hex(16)
        );
        Invocation {
            request_id: self.kit.ids().uuid(),
            payload,
            deadline_ms: now + i64::from(launch.timeout_seconds) * 1000,
            invoked_function_arn: invoked,
            trace_id: trace,
            client_context,
        }
    }

    /// Runs an Event invocation in the background; a throttled one waits and tries again, as
    /// Lambda's queue does.
    fn queue(&self, launch: Launch, invocation: Invocation) {
        let Some(lambda) = self.arc() else { return };
        tokio::spawn(async move {
            let mut delay = std::time::Duration::from_millis(100);
            for _ in 0..100 {
                match lambda
                    .environments
                    .invoke(&launch, invocation.clone())
                    .await
                {
                    Err(LambdaError::TooManyRequests { .. }) => {
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(std::time::Duration::from_secs(30));
                    }
                    Err(error) => {
                        tracing::debug!(%error, function = %launch.function_name, "asynchronous invocation failed");
                        break;
                    }
                    Ok(_) => break,
                }
            }
        });
    }

    pub(crate) async fn invoke(
        &self,
        ctx: &Ctx,
        input: InvocationRequest,
    ) -> Result<InvocationResponse, LambdaError> {
        let (record, version, invoked) =
            self.target(ctx, &input.function_name, input.qualifier.as_deref())?;
        let payload = input.payload.map(|p| p.0).unwrap_or_default();
        let kind = input
            .invocation_type
            .as_deref()
            .unwrap_or("RequestResponse");
        let limit = if kind == "Event" {
            MAX_ASYNC_PAYLOAD
        } else {
            MAX_SYNC_PAYLOAD
        };
        if payload.len() > limit {
            return Err(LambdaError::RequestTooLarge(format!(
                "Request must be smaller than {limit} bytes for the InvokeFunction operation"
            )));
        }
        if !payload.is_empty() && serde_json::from_slice::<Value>(&payload).is_err() {
            return Err(LambdaError::InvalidRequestContent(
                "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')".into(),
            ));
        }
        let payload = if payload.is_empty() {
            b"{}".to_vec()
        } else {
            payload
        };
        let launch = self.launch(ctx, &record, &version);
        let executed = Some(launch.version.clone());
        match kind {
            "DryRun" => Ok(InvocationResponse {
                status_code: Some(204),
                ..Default::default()
            }),
            "Event" => {
                let invocation = self.invocation(&launch, invoked, payload, input.client_context);
                self.queue(launch, invocation);
                Ok(InvocationResponse {
                    status_code: Some(202),
                    payload: Some(Blob(Vec::new())),
                    ..Default::default()
                })
            }
            _ => {
                let client_context = input.client_context.and_then(|c| {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD
                        .decode(c)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                });
                let invocation = self.invocation(&launch, invoked, payload, client_context);
                let Outcome {
                    payload,
                    function_error,
                    log_tail,
                } = self.environments.invoke(&launch, invocation).await?;
                Ok(InvocationResponse {
                    status_code: Some(200),
                    function_error,
                    log_result: (input.log_type.as_deref() == Some("Tail")).then_some(log_tail),
                    payload: Some(Blob(payload)),
                    executed_version: executed,
                    durable_execution_arn: None,
                })
            }
        }
    }

    pub(crate) async fn invoke_async(
        &self,
        ctx: &Ctx,
        input: InvokeAsyncRequest,
    ) -> Result<InvokeAsyncResponse, LambdaError> {
        let request = InvocationRequest {
            function_name: input.function_name,
            invocation_type: Some("Event".into()),
            payload: Some(input.invoke_args),
            ..Default::default()
        };
        self.invoke(ctx, request).await?;
        Ok(InvokeAsyncResponse { status: Some(202) })
    }

    /// The protocol layer cannot write an event stream, so a streamed invocation is refused
    /// after the function is found (the same code runs through Invoke).
    pub(crate) async fn invoke_with_response_stream(
        &self,
        ctx: &Ctx,
        input: InvokeWithResponseStreamRequest,
    ) -> Result<InvokeWithResponseStreamResponse, LambdaError> {
        self.target(ctx, &input.function_name, input.qualifier.as_deref())?;
        Err(LambdaError::InvalidRequestContent(
            "Response streaming is not available in this simulator; use Invoke.".into(),
        ))
    }

    /// An HTTP request to a function URL: the function's answer in the URL's format (payload
    /// format 2.0), or the errors Lambda's URL front end gives.
    pub async fn invoke_url(&self, request: UrlRequest) -> UrlResponse {
        let message = |status: u16, text: &str| UrlResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: json!({"Message": text}).to_string().into_bytes(),
        };
        let Some(target) = self.url_target(&request.url_id) else {
            return message(403, "Forbidden");
        };
        let ctx = Ctx {
            request_id: self.kit.ids().uuid(),
            account_id: target.account_id.clone(),
            region: target.region.clone(),
            caller: crate::services::Caller::root(&target.account_id, "url"),
        };
        let qualifier = (!target.qualifier.is_empty()).then_some(target.qualifier.as_str());
        let Ok((record, version, invoked)) = self.target(&ctx, &target.function, qualifier) else {
            return message(403, "Forbidden");
        };
        let auth = record
            .urls
            .get(&target.qualifier)
            .map(|u| u.config.auth_type.clone())
            .unwrap_or_default();
        if auth == "AWS_IAM" && !request.signed {
            return message(403, "Forbidden");
        }
        let event = url_event(&request, &ctx, self.now_millis());
        let launch = self.launch(&ctx, &record, &version);
        let invocation = self.invocation(&launch, invoked, event.to_string().into_bytes(), None);
        match self.environments.invoke(&launch, invocation).await {
            Ok(Outcome {
                function_error: Some(_),
                ..
            }) => message(502, "Internal Server Error"),
            Ok(Outcome { payload, .. }) => url_response(&payload),
            Err(LambdaError::TooManyRequests { .. }) => message(429, "Rate Exceeded."),
            Err(_) => message(502, "Internal Server Error"),
        }
    }
}

/// The function URL event, payload format 2.0.
fn url_event(request: &UrlRequest, ctx: &Ctx, now: i64) -> Value {
    let mut headers = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &request.headers {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| c.trim().to_string()));
            continue;
        }
        headers
            .entry(name)
            .and_modify(|existing: &mut String| {
                existing.push(',');
                existing.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    let mut query = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(request.raw_query.as_bytes()) {
        query
            .entry(key.into_owned())
            .and_modify(|existing: &mut String| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    let text = std::str::from_utf8(&request.body).ok();
    let binary = text.is_none()
        || headers.get("content-type").is_some_and(|t| {
            !(t.starts_with("text/")
                || t.contains("json")
                || t.contains("xml")
                || t.contains("x-www-form-urlencoded"))
        });
    let body = if request.body.is_empty() {
        Value::Null
    } else if binary {
        use base64::Engine;
        Value::String(base64::engine::general_purpose::STANDARD.encode(&request.body))
    } else {
        Value::String(text.unwrap_or_default().to_string())
    };
    let domain = format!("{}.lambda-url.{}.on.aws", request.url_id, ctx.region);
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": request.url_id,
            "domainName": domain,
            "domainPrefix": request.url_id,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": ctx.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": crate::protocol::timestamp::http_date(now as f64 / 1000.0),
            "timeEpoch": now,
        },
        "isBase64Encoded": binary && !request.body.is_empty(),
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

/// A function's answer as its URL returns it: a `{statusCode, headers, body, cookies,
/// isBase64Encoded}` object, or any other JSON as a 200 `application/json` body.
fn url_response(payload: &[u8]) -> UrlResponse {
    let parsed: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let structured = parsed.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(object) = structured else {
        return UrlResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: payload.to_vec(),
        };
    };
    let status = object
        .get("statusCode")
        .and_then(Value::as_u64)
        .unwrap_or(200) as u16;
    let mut headers: Vec<(String, String)> = object
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".into(), "application/json".into()));
    }
    for cookie in object
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(cookie) = cookie.as_str() {
            headers.push(("set-cookie".into(), cookie.to_string()));
        }
    }
    let body = match object.get("body") {
        Some(Value::String(text)) if object.get("isBase64Encoded") == Some(&Value::Bool(true)) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default()
        }
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
        None => Vec::new(),
    };
    UrlResponse {
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_responses_follow_the_payload_format() {
        let structured = url_response(
            br#"{"statusCode":201,"headers":{"x-a":"1"},"body":"hi","cookies":["c=1"]}"#,
        );
        assert_eq!(structured.status, 201);
        assert_eq!(structured.body, b"hi");
        assert!(
            structured
                .headers
                .contains(&("set-cookie".into(), "c=1".into()))
        );
        let plain = url_response(br#"{"hello":"world"}"#);
        assert_eq!(plain.status, 200);
        assert_eq!(plain.body, br#"{"hello":"world"}"#);
    }
}

/// What an invocation by another service came back with.
#[derive(Debug, Clone)]
pub struct ServiceInvocation {
    /// `Unhandled` (or `Handled`) when the function failed.
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
}

impl Lambda {
    /// Whether the function `function_arn` names lets the AWS service `service` (by its
    /// regional and global names) invoke it: its resource policy (AddPermission) must allow
    /// `lambda:InvokeFunction`, with the request's `context` keys (`aws:SourceAccount`,
    /// `aws:SourceArn`). False when the function does not exist.
    pub fn permits_service(
        &self,
        function_arn: &str,
        services: &[&str],
        context: &crate::policy::Context,
    ) -> bool {
        use crate::services::Service;
        let Some(attached) = self.resource_policy(function_arn) else {
            return false;
        };
        let Some(document) = attached
            .document
            .and_then(|text| crate::policy::parse(&text, crate::policy::PolicyKind::Resource).ok())
        else {
            return false;
        };
        let resource = attached
            .resource_arn
            .unwrap_or_else(|| function_arn.to_string());
        crate::policy::evaluate::service_allowed(
            &document,
            &attached.owner_account,
            services,
            "lambda:InvokeFunction",
            &resource,
            context,
        )
    }

    /// Invokes a function (RequestResponse) for another service of the simulator (Secrets
    /// Manager's rotation steps, CloudWatch Logs' subscription deliveries): the same path as
    /// Invoke, in the function's own account and region.
    pub async fn invoke_for_service(
        &self,
        function_arn: &str,
        payload: &Value,
    ) -> Result<ServiceInvocation, LambdaError> {
        let parts = crate::services::split_arn(function_arn).ok_or_else(|| {
            LambdaError::ResourceNotFound(format!("Function not found: {function_arn}"))
        })?;
        let ctx = Ctx {
            request_id: self.kit.ids().uuid(),
            account_id: parts.account.to_string(),
            region: parts.region.to_string(),
            caller: crate::services::Caller::root(parts.account, ""),
        };
        let answer = self
            .invoke(
                &ctx,
                InvocationRequest {
                    function_name: function_arn.to_string(),
                    payload: Some(Blob(payload.to_string().into_bytes())),
                    ..Default::default()
                },
            )
            .await?;
        Ok(ServiceInvocation {
            function_error: answer.function_error,
            payload: answer.payload.map(|p| p.0).unwrap_or_default(),
        })
    }
}
