//! How the runner finds the service's resources: `GET _apis/connectionData` (the location
//! service's data: instance, access mapping, service definitions) and `OPTIONS _apis/` (every
//! resource's route template by its GUID, which the runner's HTTP clients turn into URLs).
//!
//! The GUIDs are the runner's own (`TaskResourceIds`); the route templates are Azure DevOps'.
//!
//! What this module must not do: list a resource the service does not serve.

use serde_json::{Value, json};

use super::Request;

/// The `distributedtask` area's GUID.
pub const AREA_ID: &str = "a85b8835-c1a1-4aac-ae97-1c3d0ba72dbd";

/// A fixed instance and service owner, so a runner's cached location data stays valid.
const INSTANCE_ID: &str = "0d6e8a57-7c30-4d4c-9f29-c7a7c6f0b8a1";
const SERVICE_OWNER: &str = "00025394-6065-48ca-87d9-7f5672854ef7";

const PLAN: &str = "{scopeIdentifier}/_apis/distributedtask/hubs/{hubName}/plans/{planId}";

/// `(GUID, resource name, route template)` of what the service serves.
fn served() -> Vec<(&'static str, &'static str, String)> {
    vec![
        (
            "a8c47e17-4d56-4a56-92bb-de7ea7dc65be",
            "pools",
            "_apis/distributedtask/pools/{poolId}".into(),
        ),
        (
            "e298ef32-5878-4cab-993c-043836571f42",
            "agents",
            "_apis/distributedtask/pools/{poolId}/agents/{agentId}".into(),
        ),
        (
            "134e239e-2df3-4794-a6f6-24f1f19ec8dc",
            "sessions",
            "_apis/distributedtask/pools/{poolId}/sessions/{sessionId}".into(),
        ),
        (
            "c3a054f6-7a8a-49c0-944e-3a8e5d7adfd7",
            "messages",
            "_apis/distributedtask/pools/{poolId}/messages/{messageId}".into(),
        ),
        (
            "fc825784-c92a-4299-9221-998a02d1b54f",
            "jobrequests",
            "_apis/distributedtask/pools/{poolId}/jobrequests/{requestId}".into(),
        ),
        (
            "83597576-cc2c-453c-bea6-2882ae6a1653",
            "timelines",
            format!("{PLAN}/timelines/{{timelineId}}"),
        ),
        (
            "8893bc5b-35b2-4be7-83cb-99e683551db4",
            "records",
            format!("{PLAN}/timelines/{{timelineId}}/records"),
        ),
        (
            "858983e4-19bd-4c5e-864c-507b59b58b12",
            "feed",
            format!("{PLAN}/timelines/{{timelineId}}/records/{{recordId}}/feed"),
        ),
        (
            "46f5667d-263a-4684-91b1-dff7fdcf64e2",
            "logs",
            format!("{PLAN}/logs/{{logId}}"),
        ),
        (
            "557624af-b29e-4c20-8ab0-0399d2204f3f",
            "events",
            format!("{PLAN}/events"),
        ),
        (
            "27d7f831-88c1-4719-8ca1-6a061dad90eb",
            "actiondownloadinfo",
            format!("{PLAN}/actiondownloadinfo"),
        ),
    ]
}

/// `OPTIONS _apis/`: the `ApiResourceLocation` collection.
pub fn resource_locations() -> Value {
    let items: Vec<Value> = served()
        .into_iter()
        .map(|(id, name, template)| {
            json!({
                "id": id,
                "area": "distributedtask",
                "resourceName": name,
                "routeTemplate": template,
                "resourceVersion": 1,
                "minVersion": "1.0",
                "maxVersion": "9.0",
                "releasedVersion": "9.0",
            })
        })
        .collect();
    super::collection(items)
}

/// `GET _apis/connectionData`.
pub fn connection_data(request: &Request<'_>) -> Value {
    let base = &request.base_url;
    let identity = json!({
        "id": "00000000-0000-0000-0000-000000000000",
        "descriptor": {"identityType": "System:ServicePrincipal", "identifier": "00000002-0000-8888-8000-000000000000:00000000-0000-0000-0000-000000000000"},
        "providerDisplayName": "Anonymous",
        "customDisplayName": null,
        "isActive": true,
        "members": [],
        "memberOf": [],
        "properties": {},
        "resourceVersion": 2,
        "metaTypeId": 255,
    });
    json!({
        "authenticatedUser": identity,
        "authorizedUser": identity,
        "instanceId": INSTANCE_ID,
        "deploymentId": INSTANCE_ID,
        "deploymentType": "hosted",
        "locationServiceData": {
            "serviceOwner": SERVICE_OWNER,
            "defaultAccessMappingMoniker": "PublicAccessMapping",
            "lastChangeId": 1,
            "lastChangeId64": 1,
            "clientCacheFresh": false,
            "clientCacheTimeToLive": 3600,
            "accessMappings": [{
                "displayName": "Public Access Mapping",
                "moniker": "PublicAccessMapping",
                "accessPoint": base,
                "serviceOwner": SERVICE_OWNER,
                "virtualDirectory": "",
            }],
            "serviceDefinitions": [{
                "serviceType": "distributedtask",
                "identifier": AREA_ID,
                "displayName": "distributedtask",
                "relativeToSetting": "fullyQualified",
                "relativePath": "",
                "description": "Distributed Task",
                "serviceOwner": SERVICE_OWNER,
                "locationMappings": [{"accessMappingMoniker": "PublicAccessMapping", "location": base}],
                "toolId": "distributedtask",
                "resourceVersion": 1,
                "minVersion": "1.0",
                "maxVersion": "9.0",
                "releasedVersion": "9.0",
                "status": "active",
                "properties": {},
            }],
        },
        "webApplicationRelativeDirectory": "",
    })
}
