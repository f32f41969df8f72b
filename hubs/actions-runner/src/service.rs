//! Where the runner service's resources live: the `runner-registration` bootstrap that turns
//! `--url`/`--token` into the service's base URL and a registration token, and the resource
//! locations (`OPTIONS _apis/`) whose route templates every later URL is built from, as the
//! runner's VSS client builds them.
//!
//! What this module must not do: hard-code a route; every path comes from a template the
//! service listed.

use std::collections::HashMap;

use http::Method;
use serde_json::{Value, json};

use crate::RunnerError;
use crate::client::{Body, Http};

/// The resource-location GUIDs the runner uses (from the runner's `TaskResourceIds`).
pub mod locations {
    pub const POOLS: &str = "a8c47e17-4d56-4a56-92bb-de7ea7dc65be";
    pub const AGENTS: &str = "e298ef32-5878-4cab-993c-043836571f42";
    pub const SESSIONS: &str = "134e239e-2df3-4794-a6f6-24f1f19ec8dc";
    pub const MESSAGES: &str = "c3a054f6-7a8a-49c0-944e-3a8e5d7adfd7";
    pub const REQUESTS: &str = "fc825784-c92a-4299-9221-998a02d1b54f";
    pub const RECORDS: &str = "8893bc5b-35b2-4be7-83cb-99e683551db4";
    pub const FEED: &str = "858983e4-19bd-4c5e-864c-507b59b58b12";
    pub const LOGS: &str = "46f5667d-263a-4684-91b1-dff7fdcf64e2";
    pub const EVENTS: &str = "557624af-b29e-4c20-8ab0-0399d2204f3f";
    pub const ACTION_DOWNLOAD_INFO: &str = "27d7f831-88c1-4719-8ca1-6a061dad90eb";
}

/// What the bootstrap answered.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The service's base URL (`SystemVssConnection`'s).
    pub base: String,
    /// The token registration calls carry.
    pub token: String,
}

/// The address of the bootstrap for a repository or organization URL: GitHub.com's API host,
/// or `/api/v3` on an Enterprise (any other) host, as the runner's `ConfigurationManager` does.
pub fn registration_url(github_url: &str) -> Result<String, RunnerError> {
    let (scheme, rest) = github_url
        .split_once("://")
        .ok_or_else(|| RunnerError::Config(format!("{github_url}: not a URL")))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(RunnerError::Config(format!("{github_url}: no host")));
    }
    if host.eq_ignore_ascii_case("github.com") || host.eq_ignore_ascii_case("www.github.com") {
        Ok(format!(
            "{scheme}://api.github.com/actions/runner-registration"
        ))
    } else {
        Ok(format!(
            "{scheme}://{host}/api/v3/actions/runner-registration"
        ))
    }
}

/// `POST …/actions/runner-registration` with `RemoteAuth TOKEN`.
pub async fn bootstrap(
    http: &Http,
    github_url: &str,
    registration_token: &str,
) -> Result<Tenant, RunnerError> {
    let answer = http
        .send(
            Method::POST,
            &registration_url(github_url)?,
            Some(&format!("RemoteAuth {registration_token}")),
            Body::Json(json!({"url": github_url, "runner_event": "register"})),
        )
        .await?;
    if answer.status.as_u16() == 404 {
        return Err(RunnerError::Config(
            "the registration token was refused (404): make a new one with `gh api -X POST repos/OWNER/REPO/actions/runners/registration-token`".into(),
        ));
    }
    let body = answer.expect(&[200], "runner registration")?;
    let base = body["url"]
        .as_str()
        .ok_or_else(|| RunnerError::Protocol("the registration answer has no url".into()))?
        .trim_end_matches('/')
        .to_string();
    let token = body["token"]
        .as_str()
        .ok_or_else(|| RunnerError::Protocol("the registration answer has no token".into()))?
        .to_string();
    Ok(Tenant { base, token })
}

/// The route templates by location GUID, read once from `OPTIONS _apis/`.
#[derive(Debug, Clone)]
pub struct Locations {
    base: String,
    templates: HashMap<String, String>,
}

impl Locations {
    /// `connectionData` then `OPTIONS _apis/`, as the runner's `ConnectAsync` does.
    pub async fn connect(http: &Http, base: &str) -> Result<Locations, RunnerError> {
        http.send(
            Method::GET,
            &format!(
                "{base}/_apis/connectionData?connectOptions=1&lastChangeId=-1&lastChangeId64=-1"
            ),
            None,
            Body::Empty,
        )
        .await?
        .expect(&[200], "connectionData")?;
        let listed = http
            .send(
                Method::OPTIONS,
                &format!("{base}/_apis/"),
                None,
                Body::Empty,
            )
            .await?
            .expect(&[200], "resource locations")?;
        Ok(Self::from_listing(base, &listed))
    }

    /// The templates of a listing (`{"value": [{"id", "routeTemplate"}]}`).
    pub fn from_listing(base: &str, listed: &Value) -> Locations {
        let templates = listed["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| {
                Some((
                    l["id"].as_str()?.to_ascii_lowercase(),
                    l["routeTemplate"].as_str()?.to_string(),
                ))
            })
            .collect();
        Locations {
            base: base.trim_end_matches('/').to_string(),
            templates,
        }
    }

    /// The service's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether the service offers a resource.
    pub fn offers(&self, location: &str) -> bool {
        self.templates.contains_key(location)
    }

    /// The URL of `location` with `values` filled in; a segment naming a value not given is
    /// dropped, as the VSS client drops optional trailing route values.
    pub fn url(&self, location: &str, values: &[(&str, &str)]) -> Result<String, RunnerError> {
        let template = self.templates.get(location).ok_or_else(|| {
            RunnerError::Protocol(format!("the service lists no resource location {location}"))
        })?;
        let mut parts = Vec::new();
        for segment in template.split('/') {
            let mut filled = segment.to_string();
            let mut missing = false;
            let mut rest = segment;
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}') else {
                    break;
                };
                let name = &rest[open + 1..open + close];
                // A catch-all (`{*name}`) is named without its star.
                let key = name.trim_start_matches('*');
                match values.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
                    Some((_, value)) => filled = filled.replace(&format!("{{{name}}}"), value),
                    None => missing = true,
                }
                rest = &rest[open + close + 1..];
            }
            if !missing {
                parts.push(filled);
            }
        }
        Ok(format!("{}/{}", self.base, parts.join("/")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_url_as_the_runner_derives_it() {
        assert_eq!(
            registration_url("https://github.com/octo/demo").unwrap(),
            "https://api.github.com/actions/runner-registration"
        );
        assert_eq!(
            registration_url("http://127.0.0.1:5555/octo/demo").unwrap(),
            "http://127.0.0.1:5555/api/v3/actions/runner-registration"
        );
        assert!(registration_url("nonsense").is_err());
    }

    #[test]
    fn urls_fill_templates_and_drop_missing_trailing_values() {
        let listed = json!({"value": [{
            "id": "C3A054F6-7A8A-49C0-944E-3A8E5D7ADFD7",
            "routeTemplate": "_apis/distributedtask/pools/{poolId}/messages/{messageId}"
        }]});
        let locations = Locations::from_listing("http://h/t/", &listed);
        assert_eq!(
            locations
                .url(locations::MESSAGES, &[("poolId", "1")])
                .unwrap(),
            "http://h/t/_apis/distributedtask/pools/1/messages"
        );
        assert_eq!(
            locations
                .url(locations::MESSAGES, &[("poolId", "1"), ("messageId", "7")])
                .unwrap(),
            "http://h/t/_apis/distributedtask/pools/1/messages/7"
        );
        assert!(locations.url(locations::AGENTS, &[]).is_err());
    }
}
