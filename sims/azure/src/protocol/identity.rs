//! Discovery and sign-in endpoints: `/metadata/endpoints` (the object form for api-versions
//! from 2020-06-01, the array of clouds before), Entra ID's OpenID configuration, JWKS, instance
//! discovery and token endpoints (v2.0 scopes and v1 resources), and the managed identity
//! endpoints (App Service's `IDENTITY_ENDPOINT` at `/msi/token` with `X-IDENTITY-HEADER`, and
//! IMDS's `/metadata/identity/oauth2/token` with `Metadata: true`).
//!
//! Entra's errors have OAuth's shape (`error`, `error_description` with the AADSTS code,
//! `error_codes`, `timestamp`, `trace_id`, `correlation_id`), not ARM's.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use super::{Incoming, json_response, render_arm_error};
use crate::Azure;
use crate::error::ArmError;
use crate::identity::EntraError;

/// Answers the request when it is one of these endpoints.
pub fn route(azure: &Azure, incoming: &Incoming) -> Option<Response> {
    let lower: Vec<String> = incoming
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let get = incoming.method == Method::GET;
    let post = incoming.method == Method::POST;
    match lower.as_slice() {
        ["metadata", "endpoints"] if get => Some(metadata_endpoints(incoming)),
        ["metadata", "identity", "oauth2", "token"] if get => Some(imds_token(azure, incoming)),
        ["msi", "token"] if get => Some(app_service_token(azure, incoming)),
        ["common", "discovery", "instance"] if get => Some(instance_discovery(incoming)),
        [tenant, "v2.0", ".well-known", "openid-configuration"] if get => {
            Some(openid_configuration(azure, incoming, tenant, true))
        }
        [tenant, ".well-known", "openid-configuration"] if get => {
            Some(openid_configuration(azure, incoming, tenant, false))
        }
        [_, "discovery", "v2.0", "keys"] | [_, "discovery", "keys"] if get => Some(json_response(
            StatusCode::OK,
            &azure.identity.jwks(),
            incoming,
        )),
        [_, "oauth2", "v2.0", "token"] if post => Some(token(azure, incoming, true)),
        [_, "oauth2", "token"] if post => Some(token(azure, incoming, false)),
        _ => None,
    }
}

fn cloud_metadata(base: &str) -> Value {
    json!({
        "portal": "https://portal.azure.com",
        "authentication": {
            "loginEndpoint": format!("{base}/"),
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": "https://rest.media.azure.net",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "name": "AzureCloud",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": format!("{base}/"),
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
    })
}

fn metadata_endpoints(incoming: &Incoming) -> Response {
    let Some(version) = incoming.query("api-version") else {
        return render_arm_error(
            &ArmError::MissingApiVersionParameter,
            &incoming.headers,
            &incoming.context.id,
        );
    };
    let cloud = cloud_metadata(&incoming.base_url());
    // Before 2020-06-01 the endpoint lists every cloud; from then on it describes this one.
    if version < "2020-06-01" {
        json_response(StatusCode::OK, &json!([cloud]), incoming)
    } else {
        json_response(StatusCode::OK, &cloud, incoming)
    }
}

fn instance_discovery(incoming: &Incoming) -> Response {
    let base = incoming.base_url();
    let host = base.split("://").nth(1).unwrap_or_default().to_string();
    let authority = incoming
        .query("authorization_endpoint")
        .unwrap_or_default()
        .to_string();
    let tenant = authority
        .trim_start_matches(&base)
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("common")
        .to_string();
    json_response(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
        incoming,
    )
}

fn openid_configuration(azure: &Azure, incoming: &Incoming, tenant: &str, v2: bool) -> Response {
    let base = incoming.base_url();
    let tenant_id = azure.identity.tenant_id();
    let issuer_tenant = if tenant.eq_ignore_ascii_case(tenant_id) {
        tenant_id.to_string()
    } else if ["common", "organizations"].contains(&tenant) {
        "{tenantid}".to_string()
    } else {
        return entra_error(
            incoming,
            &EntraError {
                error: "invalid_tenant",
                code: 90002,
                description: format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
            },
        );
    };
    let (suffix, issuer) = if v2 {
        ("/v2.0", format!("{base}/{issuer_tenant}/v2.0"))
    } else {
        ("", format!("https://sts.windows.net/{issuer_tenant}/"))
    };
    json_response(
        StatusCode::OK,
        &json!({
            "token_endpoint": format!("{base}/{tenant}/oauth2{suffix}/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tenant}/discovery{suffix}/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer,
            "request_uri_parameter_supported": false,
            "authorization_endpoint": format!("{base}/{tenant}/oauth2{suffix}/authorize"),
            "device_authorization_endpoint": format!("{base}/{tenant}/oauth2{suffix}/devicecode"),
            "end_session_endpoint": format!("{base}/{tenant}/oauth2{suffix}/logout"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }),
        incoming,
    )
}

/// `https://management.core.windows.net//.default` → `https://management.core.windows.net/`.
fn audience_of_scope(scope: &str) -> String {
    let scope = scope
        .split_whitespace()
        .find(|s| !["openid", "profile", "offline_access"].contains(s))
        .unwrap_or(scope);
    scope.strip_suffix("/.default").unwrap_or(scope).to_string()
}

fn token(azure: &Azure, incoming: &Incoming, v2: bool) -> Response {
    let tenant = incoming.segments.first().cloned().unwrap_or_default();
    let form: Vec<(String, String)> = form_urlencoded::parse(&incoming.body)
        .into_owned()
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let grant = field("grant_type").unwrap_or_default();
    if grant != "client_credentials" {
        let description = if grant.is_empty() {
            "The request body must contain the following parameter: 'grant_type'.".to_string()
        } else {
            format!("The app requested an unsupported grant type '{grant}'.")
        };
        let (error, code) = if grant.is_empty() {
            ("invalid_request", 900144)
        } else {
            ("unsupported_grant_type", 70003)
        };
        return entra_error(
            incoming,
            &EntraError {
                error,
                code,
                description,
            },
        );
    }
    let audience = if v2 {
        match field("scope") {
            Some(scope) => audience_of_scope(scope),
            None => {
                return entra_error(
                    incoming,
                    &EntraError {
                        error: "invalid_request",
                        code: 900144,
                        description:
                            "The request body must contain the following parameter: 'scope'.".into(),
                    },
                );
            }
        }
    } else {
        field("resource")
            .unwrap_or("https://management.core.windows.net/")
            .to_string()
    };
    let principal = match azure.identity.client_credentials(
        &tenant,
        field("client_id").unwrap_or_default(),
        field("client_secret"),
    ) {
        Ok(principal) => principal,
        Err(error) => return entra_error(incoming, &error),
    };
    let (access_token, expires_on) = azure.identity.issue(&principal, &audience);
    let expires_in = crate::identity::TOKEN_LIFETIME_SECS;
    let body = if v2 {
        json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": access_token})
    } else {
        json!({
            "token_type": "Bearer", "expires_in": expires_in.to_string(),
            "ext_expires_in": expires_in.to_string(), "expires_on": expires_on.to_string(),
            "not_before": (expires_on - expires_in).to_string(), "resource": audience,
            "access_token": access_token,
        })
    };
    let mut response = json_response(StatusCode::OK, &body, incoming);
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    response
}

fn entra_error(incoming: &Incoming, error: &EntraError) -> Response {
    let status = match error.error {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    let id = &incoming.context.id;
    let body = json!({
        "error": error.error,
        "error_description": format!("AADSTS{}: {} Trace ID: {id} Correlation ID: {id}", error.code, error.description),
        "error_codes": [error.code],
        "trace_id": id,
        "correlation_id": id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={}", error.code),
    });
    let mut response = json_response(status, &body, incoming);
    *response.status_mut() = status;
    response
}

fn managed_identity_token(azure: &Azure, incoming: &Incoming, expires_in_string: bool) -> Response {
    let Some(resource) = incoming.query("resource").map(str::to_string) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": "Required query variable 'resource' is missing"})),
        )
            .into_response();
    };
    let principal = azure.identity.managed_identity().clone();
    let (access_token, expires_on) = azure.identity.issue(&principal, &resource);
    let lifetime = crate::identity::TOKEN_LIFETIME_SECS;
    let mut body = json!({
        "access_token": access_token,
        "expires_on": expires_on.to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": principal.app_id,
    });
    if expires_in_string {
        body["expires_in"] = json!(lifetime.to_string());
        body["ext_expires_in"] = json!(lifetime.to_string());
        body["not_before"] = json!((expires_on - lifetime).to_string());
    }
    json_response(StatusCode::OK, &body, incoming)
}

/// App Service's managed identity endpoint (`IDENTITY_ENDPOINT`), guarded by `IDENTITY_HEADER`.
fn app_service_token(azure: &Azure, incoming: &Incoming) -> Response {
    if incoming.header("x-identity-header") != Some(azure.identity_header.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"statusCode": 401, "message": "Unauthorized. The X-IDENTITY-HEADER is missing or invalid."})),
        )
            .into_response();
    }
    managed_identity_token(azure, incoming, false)
}

/// IMDS's token endpoint, which requires `Metadata: true`.
fn imds_token(azure: &Azure, incoming: &Incoming) -> Response {
    if !incoming
        .header("metadata")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": "Required metadata header not specified"})),
        )
            .into_response();
    }
    managed_identity_token(azure, incoming, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn scopes_become_audiences() {
        assert_eq!(
            super::audience_of_scope(
                "https://management.core.windows.net//.default offline_access"
            ),
            "https://management.core.windows.net/"
        );
        assert_eq!(
            super::audience_of_scope("https://storage.azure.com/.default"),
            "https://storage.azure.com"
        );
    }
}
