//! IAM's semantics, driven through the operations table with normal-form input, as the
//! dispatcher calls it (so the typed structs' member names are checked too).

use std::sync::Arc;

use serde_json::{Value, json};
use simkit::clock::ManualClock;
use simkit::ids::SequentialIds;
use simkit::{Kit, KitConfig};

use super::Iam;
use crate::services::{Caller, Ctx, Service};

const ACCOUNT: &str = "123456789012";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

struct Harness {
    iam: Iam,
    ctx: Ctx,
}

fn harness() -> Harness {
    let mut config = KitConfig::new("aws");
    config.clock = Arc::new(ManualClock::at_millis(1_700_000_000_000));
    config.ids = Arc::new(SequentialIds::new(7));
    let kit = Kit::new(config).unwrap_or_else(|error| panic!("kit: {error}"));
    Harness {
        iam: Iam::new(kit).unwrap_or_else(|error| panic!("iam: {error}")),
        ctx: Ctx {
            request_id: "request".into(),
            account_id: ACCOUNT.into(),
            region: "us-east-1".into(),
            caller: Caller::root(ACCOUNT, "AKIDEXAMPLE"),
        },
    }
}

impl Harness {
    /// Calls `operation`, which must succeed.
    async fn ok(&self, operation: &str, input: Value) -> Value {
        self.iam
            .call(&self.ctx, operation, input)
            .await
            .unwrap_or_else(|error| panic!("{operation}: {error}"))
    }

    /// Calls `operation`, which must fail; returns the error shape and message.
    async fn err(&self, operation: &str, input: Value) -> (String, String) {
        match self.iam.call(&self.ctx, operation, input).await {
            Ok(output) => panic!("{operation} succeeded: {output}"),
            Err(error) => (error.code, error.message),
        }
    }

    async fn role(&self, name: &str, path: &str) {
        self.ok(
            "CreateRole",
            json!({"RoleName": name, "Path": path, "AssumeRolePolicyDocument": TRUST}),
        )
        .await;
    }

    async fn policy(&self, name: &str) -> String {
        let created = self
            .ok(
                "CreatePolicy",
                json!({"PolicyName": name, "PolicyDocument": DOCUMENT}),
            )
            .await;
        text(&created["Policy"]["Arn"])
    }

    /// Every page of a list operation, following markers.
    async fn pages(
        &self,
        operation: &str,
        input: Value,
        field: &str,
        key: &str,
    ) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut request = input;
        loop {
            let page = self.ok(operation, request.clone()).await;
            let items = page[field]
                .as_array()
                .map(|items| items.iter().map(|item| text(&item[key])).collect())
                .unwrap_or_default();
            pages.push(items);
            match page.get("Marker") {
                Some(marker) => {
                    assert_eq!(page["IsTruncated"], true);
                    request["Marker"] = marker.clone();
                }
                None => {
                    assert_eq!(page["IsTruncated"], false);
                    return pages;
                }
            }
        }
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_string()
}

#[tokio::test]
async fn list_roles_pages_by_name_within_path_prefix() {
    let h = harness();
    for name in ["e-role", "C-role", "a-role", "d-role", "b-role"] {
        h.role(name, "/team/").await;
    }
    h.role("outsider", "/other/").await;
    let pages = h
        .pages(
            "ListRoles",
            json!({"PathPrefix": "/team/", "MaxItems": 2}),
            "Roles",
            "RoleName",
        )
        .await;
    assert_eq!(
        pages,
        [
            vec!["a-role", "b-role"],
            vec!["C-role", "d-role"],
            vec!["e-role"]
        ]
    );
    let all = h.ok("ListRoles", json!({})).await;
    assert_eq!(all["Roles"].as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn list_roles_leaves_out_tags_and_boundary_but_get_role_has_them() {
    let h = harness();
    let boundary = h.policy("boundary").await;
    h.ok(
        "CreateRole",
        json!({
            "RoleName": "tagged", "AssumeRolePolicyDocument": TRUST,
            "Tags": [{"Key": "team", "Value": "a"}], "PermissionsBoundary": boundary,
        }),
    )
    .await;
    let listed = &h.ok("ListRoles", json!({})).await["Roles"][0];
    assert!(listed.get("Tags").is_none() && listed.get("PermissionsBoundary").is_none());
    let got = &h.ok("GetRole", json!({"RoleName": "tagged"})).await["Role"];
    assert_eq!(got["Tags"], json!([{"Key": "team", "Value": "a"}]));
    assert_eq!(
        got["PermissionsBoundary"]["PermissionsBoundaryArn"],
        json!(boundary)
    );
    assert_eq!(got["RoleLastUsed"], json!({}));
}

#[tokio::test]
async fn delete_role_refuses_while_anything_holds_it() {
    let h = harness();
    h.role("worker", "/").await;
    let arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    h.ok(
        "AttachRolePolicy",
        json!({"RoleName": "worker", "PolicyArn": arn}),
    )
    .await;
    h.ok(
        "PutRolePolicy",
        json!({"RoleName": "worker", "PolicyName": "inline", "PolicyDocument": DOCUMENT}),
    )
    .await;
    h.ok("CreateInstanceProfile", json!({"InstanceProfileName": "p"}))
        .await;
    h.ok(
        "AddRoleToInstanceProfile",
        json!({"InstanceProfileName": "p", "RoleName": "worker"}),
    )
    .await;

    let delete = json!({"RoleName": "worker"});
    let conflict = |message: &str| ("DeleteConflictException".to_string(), message.to_string());
    assert_eq!(
        h.err("DeleteRole", delete.clone()).await,
        conflict("Cannot delete entity, must remove roles from instance profile first.")
    );
    h.ok(
        "RemoveRoleFromInstanceProfile",
        json!({"InstanceProfileName": "p", "RoleName": "worker"}),
    )
    .await;
    assert_eq!(
        h.err("DeleteRole", delete.clone()).await,
        conflict("Cannot delete entity, must detach all policies first.")
    );
    h.ok(
        "DetachRolePolicy",
        json!({"RoleName": "worker", "PolicyArn": arn}),
    )
    .await;
    assert_eq!(
        h.err("DeleteRole", delete.clone()).await,
        conflict("Cannot delete entity, must delete policies first.")
    );
    h.ok(
        "DeleteRolePolicy",
        json!({"RoleName": "worker", "PolicyName": "inline"}),
    )
    .await;
    h.ok("DeleteRole", delete.clone()).await;
    assert_eq!(
        h.err("DeleteRole", delete).await,
        (
            "NoSuchEntityException".to_string(),
            "The role with name worker cannot be found.".to_string()
        )
    );
}

#[tokio::test]
async fn attachment_counts_follow_the_roles() {
    let h = harness();
    let arn = h.policy("shared").await;
    for name in ["r1", "r2"] {
        h.role(name, "/").await;
        h.ok(
            "AttachRolePolicy",
            json!({"RoleName": name, "PolicyArn": arn}),
        )
        .await;
    }
    // Attaching twice is not an error and does not count twice.
    h.ok(
        "AttachRolePolicy",
        json!({"RoleName": "r1", "PolicyArn": arn}),
    )
    .await;
    let count = |policy: Value| policy["Policy"]["AttachmentCount"].clone();
    assert_eq!(count(h.ok("GetPolicy", json!({"PolicyArn": arn})).await), 2);
    assert_eq!(
        h.err("DeletePolicy", json!({"PolicyArn": arn})).await,
        (
            "DeleteConflictException".into(),
            "Cannot delete a policy attached to entities.".into()
        )
    );
    let entities = h
        .ok("ListEntitiesForPolicy", json!({"PolicyArn": arn}))
        .await;
    assert_eq!(entities["PolicyRoles"].as_array().map(Vec::len), Some(2));
    assert_eq!(entities["PolicyUsers"], json!([]));
    for name in ["r1", "r2"] {
        h.ok(
            "DetachRolePolicy",
            json!({"RoleName": name, "PolicyArn": arn}),
        )
        .await;
    }
    assert_eq!(count(h.ok("GetPolicy", json!({"PolicyArn": arn})).await), 0);
    assert_eq!(
        h.err(
            "DetachRolePolicy",
            json!({"RoleName": "r1", "PolicyArn": arn})
        )
        .await,
        (
            "NoSuchEntityException".into(),
            format!("Policy {arn} was not found.")
        )
    );
    h.ok("DeletePolicy", json!({"PolicyArn": arn})).await;
}

#[tokio::test]
async fn unknown_policy_arns_are_not_attachable() {
    let h = harness();
    h.role("r", "/").await;
    for arn in [
        "arn:aws:iam::aws:policy/NoSuchThing",
        "arn:aws:iam::123456789012:policy/missing",
        "arn:aws:iam::999999999999:policy/elsewhere",
    ] {
        assert_eq!(
            h.err(
                "AttachRolePolicy",
                json!({"RoleName": "r", "PolicyArn": arn})
            )
            .await,
            (
                "NoSuchEntityException".to_string(),
                format!("Policy {arn} does not exist or is not attachable.")
            )
        );
    }
    // AWS answers a string that is no policy ARN with ValidationError (recorded).
    assert_eq!(
        h.err(
            "AttachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": "nonsense"})
        )
        .await,
        (
            "ValidationError".to_string(),
            "ARN nonsense is not valid.".to_string()
        )
    );
}

#[tokio::test]
async fn policy_versions_cap_at_five_and_switch_default() {
    let h = harness();
    let arn = h.policy("versioned").await;
    for n in 2..=5 {
        let created = h
            .ok(
                "CreatePolicyVersion",
                json!({"PolicyArn": arn, "PolicyDocument": DOCUMENT, "SetAsDefault": n == 3}),
            )
            .await;
        assert_eq!(created["PolicyVersion"]["VersionId"], format!("v{n}"));
    }
    let sixth = h
        .err(
            "CreatePolicyVersion",
            json!({"PolicyArn": arn, "PolicyDocument": DOCUMENT}),
        )
        .await;
    assert_eq!(sixth.0, "LimitExceededException");
    let policy = h.ok("GetPolicy", json!({"PolicyArn": arn})).await;
    assert_eq!(policy["Policy"]["DefaultVersionId"], "v3");

    let versions = h
        .pages(
            "ListPolicyVersions",
            json!({"PolicyArn": arn, "MaxItems": 2}),
            "Versions",
            "VersionId",
        )
        .await;
    assert_eq!(versions, [vec!["v5", "v4"], vec!["v3", "v2"], vec!["v1"]]);

    assert_eq!(
        h.err(
            "DeletePolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v3"})
        )
        .await,
        (
            "DeleteConflictException".into(),
            "Cannot delete the default version of a policy.".into()
        )
    );
    assert_eq!(
        h.err("DeletePolicy", json!({"PolicyArn": arn})).await.0,
        "DeleteConflictException"
    );
    for version in ["v1", "v2", "v4", "v5"] {
        h.ok(
            "DeletePolicyVersion",
            json!({"PolicyArn": arn, "VersionId": version}),
        )
        .await;
    }
    // Version numbers are never reused.
    let next = h
        .ok(
            "CreatePolicyVersion",
            json!({"PolicyArn": arn, "PolicyDocument": DOCUMENT}),
        )
        .await;
    assert_eq!(next["PolicyVersion"]["VersionId"], "v6");
    h.ok(
        "SetDefaultPolicyVersion",
        json!({"PolicyArn": arn, "VersionId": "v6"}),
    )
    .await;
    let got = h
        .ok(
            "GetPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v6"}),
        )
        .await;
    assert_eq!(got["PolicyVersion"]["IsDefaultVersion"], true);
    assert_eq!(
        got["PolicyVersion"]["Document"],
        json!(super::encode_document(DOCUMENT))
    );
}

#[tokio::test]
async fn aws_managed_policies_are_listed_and_read_only() {
    let h = harness();
    let names = h
        .pages(
            "ListPolicies",
            json!({"Scope": "AWS", "PathPrefix": "/service-role/"}),
            "Policies",
            "PolicyName",
        )
        .await;
    // Every AWS managed policy under the path, in pages of 100, each once and in order.
    let all: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    // (Several pages with the whole set scripts/setup writes; one with the built-in ones.)
    assert_eq!(names.len(), all.len().div_ceil(100).max(1));
    assert!(names.iter().all(|page| page.len() <= 100));
    assert!(all.contains(&"AmazonECSTaskExecutionRolePolicy"));
    assert!(all.contains(&"AWSLambdaBasicExecutionRole"));
    assert!(!all.contains(&"AdministratorAccess"), "its path is /");
    let mut unique = all.clone();
    unique.sort_unstable_by_key(|name| name.to_lowercase());
    unique.dedup();
    assert_eq!(unique.len(), all.len());
    let local = h.policy("mine").await;
    let local_only = h.ok("ListPolicies", json!({"Scope": "Local"})).await;
    assert_eq!(local_only["Policies"][0]["Arn"], json!(local));
    assert!(local_only["Policies"][0].get("Description").is_none());

    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let version = h
        .ok(
            "GetPolicyVersion",
            json!({"PolicyArn": admin, "VersionId": "v1"}),
        )
        .await;
    let document =
        percent_encoding::percent_decode_str(&text(&version["PolicyVersion"]["Document"]))
            .decode_utf8()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string();
    let document: Value = serde_json::from_str(&document).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        document["Statement"],
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    );
    assert_eq!(
        h.err(
            "CreatePolicyVersion",
            json!({"PolicyArn": admin, "PolicyDocument": DOCUMENT})
        )
        .await
        .0,
        "AccessDenied"
    );
    h.role("admin", "/").await;
    h.ok(
        "AttachRolePolicy",
        json!({"RoleName": "admin", "PolicyArn": admin}),
    )
    .await;
    let attached = h.ok("ListPolicies", json!({"OnlyAttached": true})).await;
    assert_eq!(attached["Policies"][0]["PolicyName"], "AdministratorAccess");
    assert_eq!(attached["Policies"][0]["AttachmentCount"], 1);
}

#[tokio::test]
async fn documents_are_checked() {
    let h = harness();
    let malformed = |document: &str| json!({"RoleName": "r", "AssumeRolePolicyDocument": document});
    for document in ["not json", "[1]", "\"text\""] {
        assert_eq!(
            h.err("CreateRole", malformed(document)).await.0,
            "MalformedPolicyDocumentException",
            "{document}"
        );
    }
    // The trust policy grammar refuses a document without statements.
    assert_eq!(
        h.err("CreateRole", malformed("{}")).await.1,
        "Missing required field Statement"
    );
    let huge = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::{}"]}}]}}"#,
        "a".repeat(7000)
    );
    assert_eq!(
        h.err(
            "CreatePolicy",
            json!({"PolicyName": "huge", "PolicyDocument": huge})
        )
        .await,
        (
            "LimitExceededException".into(),
            "Cannot exceed quota for PolicySize: 6144".into()
        )
    );
}

#[tokio::test]
async fn tags_are_case_insensitive_and_capped() {
    let h = harness();
    h.role("r", "/").await;
    h.ok(
        "TagRole",
        json!({"RoleName": "r", "Tags": [{"Key": "Team", "Value": "a"}]}),
    )
    .await;
    h.ok(
        "TagRole",
        json!({"RoleName": "r", "Tags": [{"Key": "team", "Value": "b"}]}),
    )
    .await;
    let tags = h.ok("ListRoleTags", json!({"RoleName": "r"})).await;
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "b"}]));

    let many: Vec<Value> = (0..50)
        .map(|n| json!({"Key": format!("k{n:02}"), "Value": "v"}))
        .collect();
    assert_eq!(
        h.err("TagRole", json!({"RoleName": "r", "Tags": many}))
            .await,
        (
            "LimitExceededException".into(),
            "The number of tags has reached the maximum limit.".into()
        )
    );
    h.ok("UntagRole", json!({"RoleName": "r", "TagKeys": ["TEAM"]}))
        .await;
    let tags = h.ok("ListRoleTags", json!({"RoleName": "r"})).await;
    assert_eq!(tags["Tags"], json!([]));
}

#[tokio::test]
async fn instance_profiles_hold_one_role() {
    let h = harness();
    h.role("r1", "/").await;
    h.role("r2", "/").await;
    let created = h
        .ok(
            "CreateInstanceProfile",
            json!({"InstanceProfileName": "web", "Path": "/app/"}),
        )
        .await;
    let profile = &created["InstanceProfile"];
    assert_eq!(
        profile["Arn"],
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/app/web")
    );
    assert!(text(&profile["InstanceProfileId"]).starts_with("AIPA"));
    assert_eq!(
        h.err(
            "CreateInstanceProfile",
            json!({"InstanceProfileName": "WEB"})
        )
        .await
        .0,
        "EntityAlreadyExistsException"
    );
    let add = |role: &str| json!({"InstanceProfileName": "web", "RoleName": role});
    h.ok("AddRoleToInstanceProfile", add("r1")).await;
    assert_eq!(
        h.err("AddRoleToInstanceProfile", add("r2")).await,
        (
            "LimitExceededException".into(),
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into()
        )
    );
    let got = h
        .ok("GetInstanceProfile", json!({"InstanceProfileName": "web"}))
        .await;
    assert_eq!(got["InstanceProfile"]["Roles"][0]["RoleName"], "r1");
    let for_role = h
        .ok("ListInstanceProfilesForRole", json!({"RoleName": "r1"}))
        .await;
    assert_eq!(
        for_role["InstanceProfiles"][0]["InstanceProfileName"],
        "web"
    );
    assert_eq!(
        h.err(
            "DeleteInstanceProfile",
            json!({"InstanceProfileName": "web"})
        )
        .await
        .0,
        "DeleteConflictException"
    );
    h.ok("RemoveRoleFromInstanceProfile", add("r1")).await;
    h.ok(
        "DeleteInstanceProfile",
        json!({"InstanceProfileName": "web"}),
    )
    .await;
    assert_eq!(
        h.err("GetInstanceProfile", json!({"InstanceProfileName": "web"}))
            .await,
        (
            "NoSuchEntityException".into(),
            "Instance Profile web cannot be found.".into()
        )
    );
}

#[tokio::test]
async fn boundaries_count_separately_from_attachments() {
    let h = harness();
    let arn = h.policy("guard").await;
    h.role("bounded", "/").await;
    h.role("attached", "/").await;
    let missing = format!("arn:aws:iam::{ACCOUNT}:policy/missing");
    assert_eq!(
        h.err(
            "PutRolePermissionsBoundary",
            json!({"RoleName": "bounded", "PermissionsBoundary": missing}),
        )
        .await,
        (
            "NoSuchEntityException".into(),
            format!("Scope ARN: {missing} does not exist or is not attachable.")
        )
    );
    h.ok(
        "PutRolePermissionsBoundary",
        json!({"RoleName": "bounded", "PermissionsBoundary": arn}),
    )
    .await;
    h.ok(
        "AttachRolePolicy",
        json!({"RoleName": "attached", "PolicyArn": arn}),
    )
    .await;
    let policy = h.ok("GetPolicy", json!({"PolicyArn": arn})).await;
    assert_eq!(policy["Policy"]["AttachmentCount"], 1);
    assert_eq!(policy["Policy"]["PermissionsBoundaryUsageCount"], 1);

    let cases = [
        (json!(null), vec!["attached", "bounded"]),
        (json!("PermissionsPolicy"), vec!["attached"]),
        (json!("PermissionsBoundary"), vec!["bounded"]),
    ];
    for (filter, expected) in cases {
        let mut input = json!({"PolicyArn": arn});
        if !filter.is_null() {
            input["PolicyUsageFilter"] = filter.clone();
        }
        let pages = h
            .pages("ListEntitiesForPolicy", input, "PolicyRoles", "RoleName")
            .await;
        assert_eq!(pages, [expected], "{filter}");
    }
    let boundaries = h
        .ok(
            "ListPolicies",
            json!({"Scope": "Local", "PolicyUsageFilter": "PermissionsBoundary"}),
        )
        .await;
    assert_eq!(boundaries["Policies"][0]["Arn"], json!(arn));
    assert_eq!(
        h.err("DeletePolicy", json!({"PolicyArn": arn})).await.0,
        "DeleteConflictException"
    );
    h.ok(
        "DeleteRolePermissionsBoundary",
        json!({"RoleName": "bounded"}),
    )
    .await;
    let role = h.ok("GetRole", json!({"RoleName": "bounded"})).await;
    assert!(role["Role"].get("PermissionsBoundary").is_none());
}

#[tokio::test]
async fn updates_change_only_what_they_name() {
    let h = harness();
    h.role("r", "/").await;
    h.ok(
        "UpdateRole",
        json!({"RoleName": "r", "MaxSessionDuration": 7200}),
    )
    .await;
    h.ok("UpdateRole", json!({"RoleName": "r", "Description": "d"}))
        .await;
    let role = &h.ok("GetRole", json!({"RoleName": "r"})).await["Role"];
    assert_eq!(
        (
            role["MaxSessionDuration"].clone(),
            role["Description"].clone()
        ),
        (json!(7200), json!("d"))
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#;
    h.ok(
        "UpdateAssumeRolePolicy",
        json!({"RoleName": "r", "PolicyDocument": trust}),
    )
    .await;
    let role = &h.ok("GetRole", json!({"RoleName": "r"})).await["Role"];
    assert_eq!(
        role["AssumeRolePolicyDocument"],
        json!(super::encode_document(trust))
    );
    assert_eq!(
        h.err(
            "UpdateRoleDescription",
            json!({"RoleName": "nobody", "Description": "x"})
        )
        .await
        .0,
        "NoSuchEntityException"
    );
}

#[tokio::test]
async fn users_delete_only_once_nothing_holds_them() {
    let h = harness();
    let created = h
        .ok("CreateUser", json!({"UserName": "alice", "Path": "/team/"}))
        .await;
    assert_eq!(
        created["User"]["Arn"],
        "arn:aws:iam::123456789012:user/team/alice"
    );
    assert!(text(&created["User"]["UserId"]).starts_with("AIDA"));
    assert_eq!(
        h.err("CreateUser", json!({"UserName": "ALICE"})).await,
        (
            "EntityAlreadyExistsException".into(),
            "User with name ALICE already exists.".into()
        )
    );
    let arn = h.policy("p").await;
    h.ok(
        "AttachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": arn}),
    )
    .await;
    h.ok("CreateGroup", json!({"GroupName": "devs"})).await;
    h.ok(
        "AddUserToGroup",
        json!({"UserName": "alice", "GroupName": "devs"}),
    )
    .await;
    let key = h.ok("CreateAccessKey", json!({"UserName": "alice"})).await;
    let conflict = |message: &str| ("DeleteConflictException".to_string(), message.to_string());
    assert_eq!(
        h.err("DeleteUser", json!({"UserName": "alice"})).await,
        conflict("Cannot delete entity, must detach all policies first.")
    );
    h.ok(
        "DetachUserPolicy",
        json!({"UserName": "alice", "PolicyArn": arn}),
    )
    .await;
    assert_eq!(
        h.err("DeleteUser", json!({"UserName": "alice"})).await,
        conflict("Cannot delete entity, must delete access keys first.")
    );
    h.ok(
        "DeleteAccessKey",
        json!({"UserName": "alice", "AccessKeyId": key["AccessKey"]["AccessKeyId"]}),
    )
    .await;
    assert_eq!(
        h.err("DeleteGroup", json!({"GroupName": "devs"})).await,
        conflict("Cannot delete entity, must remove users from group first.")
    );
    assert_eq!(
        h.err("DeleteUser", json!({"UserName": "alice"})).await,
        conflict("Cannot delete entity, must remove users from group first.")
    );
    h.ok(
        "RemoveUserFromGroup",
        json!({"UserName": "alice", "GroupName": "devs"}),
    )
    .await;
    h.ok("DeleteUser", json!({"UserName": "alice"})).await;
    h.ok("DeleteGroup", json!({"GroupName": "devs"})).await;
    assert_eq!(
        h.err("GetUser", json!({"UserName": "alice"})).await,
        (
            "NoSuchEntityException".into(),
            "The user with name alice cannot be found.".into()
        )
    );
}

#[tokio::test]
async fn renames_carry_memberships_and_keys() {
    let h = harness();
    h.ok("CreateUser", json!({"UserName": "u1"})).await;
    h.ok("CreateGroup", json!({"GroupName": "g1"})).await;
    h.ok(
        "AddUserToGroup",
        json!({"UserName": "u1", "GroupName": "g1"}),
    )
    .await;
    let key = h.ok("CreateAccessKey", json!({"UserName": "u1"})).await;
    let key_id = text(&key["AccessKey"]["AccessKeyId"]);
    h.ok(
        "UpdateUser",
        json!({"UserName": "u1", "NewUserName": "u2", "NewPath": "/p/"}),
    )
    .await;
    h.ok(
        "UpdateGroup",
        json!({"GroupName": "g1", "NewGroupName": "g2"}),
    )
    .await;
    let group = h.ok("GetGroup", json!({"GroupName": "g2"})).await;
    assert_eq!(group["Users"][0]["UserName"], "u2");
    assert_eq!(
        group["Users"][0]["Arn"],
        "arn:aws:iam::123456789012:user/p/u2"
    );
    let groups = h.ok("ListGroupsForUser", json!({"UserName": "u2"})).await;
    assert_eq!(groups["Groups"][0]["GroupName"], "g2");
    let keys = h.ok("ListAccessKeys", json!({"UserName": "u2"})).await;
    assert_eq!(keys["AccessKeyMetadata"][0]["UserName"], "u2");
    let owner = h
        .iam
        .access_key_identity(&key_id)
        .unwrap_or_else(|| panic!("key"));
    assert_eq!(
        owner.user.map(|user| user.user_name),
        Some("u2".to_string())
    );
    assert!(owner.active);
    assert_eq!(owner.secret_access_key.len(), 40);
}

#[tokio::test]
async fn access_keys_are_two_at_most_and_switch_status() {
    let h = harness();
    h.ok("CreateUser", json!({"UserName": "k"})).await;
    let first = h.ok("CreateAccessKey", json!({"UserName": "k"})).await;
    let id = text(&first["AccessKey"]["AccessKeyId"]);
    assert!(id.starts_with("AKIA") && id.len() == 20, "{id}");
    h.ok("CreateAccessKey", json!({"UserName": "k"})).await;
    assert_eq!(
        h.err("CreateAccessKey", json!({"UserName": "k"})).await,
        (
            "LimitExceededException".into(),
            "Cannot exceed quota for AccessKeysPerUser: 2".into()
        )
    );
    h.ok(
        "UpdateAccessKey",
        json!({"UserName": "k", "AccessKeyId": id, "Status": "Inactive"}),
    )
    .await;
    assert!(
        !h.iam
            .access_key_identity(&id)
            .unwrap_or_else(|| panic!("key"))
            .active
    );
    let unused = h
        .ok("GetAccessKeyLastUsed", json!({"AccessKeyId": id}))
        .await;
    assert_eq!(
        unused["AccessKeyLastUsed"],
        json!({"ServiceName": "N/A", "Region": "N/A"})
    );
    h.iam
        .note_access_key_use(&id, "logs", "eu-west-1")
        .unwrap_or_else(|e| panic!("{e}"));
    let used = h
        .ok("GetAccessKeyLastUsed", json!({"AccessKeyId": id}))
        .await;
    assert_eq!(used["AccessKeyLastUsed"]["ServiceName"], "logs");
    assert_eq!(used["UserName"], "k");
    assert_eq!(
        h.err(
            "GetAccessKeyLastUsed",
            json!({"AccessKeyId": "AKIAIOSFODNN7EXAMPLE"})
        )
        .await
        .0,
        "AccessDenied"
    );
}

#[tokio::test]
async fn principals_see_policies_through_groups_and_boundaries() {
    use super::principals::{HolderKind, PrincipalRef};
    let h = harness();
    let boundary = h.policy("boundary").await;
    let attached = h.policy("attached").await;
    h.ok(
        "CreateUser",
        json!({"UserName": "u", "PermissionsBoundary": boundary, "Tags": [{"Key": "team", "Value": "x"}]}),
    )
    .await;
    h.ok(
        "PutUserPolicy",
        json!({"UserName": "u", "PolicyName": "own", "PolicyDocument": DOCUMENT}),
    )
    .await;
    h.ok("CreateGroup", json!({"GroupName": "g"})).await;
    h.ok(
        "AttachGroupPolicy",
        json!({"GroupName": "g", "PolicyArn": attached}),
    )
    .await;
    h.ok(
        "AttachGroupPolicy",
        json!({"GroupName": "g", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
    )
    .await;
    h.ok("AddUserToGroup", json!({"UserName": "u", "GroupName": "g"}))
        .await;
    let user =
        PrincipalRef::from_arn("arn:aws:iam::123456789012:user/u").unwrap_or_else(|| panic!("arn"));
    let policies = h
        .iam
        .identity_policies(&user)
        .unwrap_or_else(|| panic!("user"));
    let summary: Vec<(&str, HolderKind, bool)> = policies
        .iter()
        .map(|policy| (policy.name.as_str(), policy.holder_kind, policy.aws_managed))
        .collect();
    assert_eq!(
        summary,
        [
            ("own", HolderKind::User, false),
            ("attached", HolderKind::Group, false),
            ("ReadOnlyAccess", HolderKind::Group, true)
        ]
    );
    assert_eq!(policies[1].document, DOCUMENT);
    let found = h
        .iam
        .permissions_boundary(&user)
        .unwrap_or_else(|| panic!("boundary"));
    assert_eq!(
        (found.arn.as_str(), found.document.as_str()),
        (boundary.as_str(), DOCUMENT)
    );
    assert_eq!(
        h.iam.principal_tags(&user),
        Some(vec![("team".to_string(), "x".to_string())])
    );
    h.role("r", "/").await;
    let role = h
        .iam
        .role_identity(ACCOUNT, "R")
        .unwrap_or_else(|| panic!("role"));
    assert_eq!(role.trust_policy, TRUST);
    assert!(
        h.iam
            .identity_policies(&PrincipalRef::user(ACCOUNT, "nobody"))
            .is_none()
    );
    let entities = h
        .ok("ListEntitiesForPolicy", json!({"PolicyArn": attached}))
        .await;
    assert_eq!(entities["PolicyGroups"][0]["GroupName"], "g");
    let counted = h.ok("GetPolicy", json!({"PolicyArn": boundary})).await;
    assert_eq!(counted["Policy"]["PermissionsBoundaryUsageCount"], 1);
}

#[tokio::test]
async fn virtual_mfa_devices_enable_with_real_totp_codes() {
    use super::totp::{code_at, decode_base32, step_of};
    use base64::Engine;
    let h = harness();
    h.ok("CreateUser", json!({"UserName": "m"})).await;
    let created = h
        .ok(
            "CreateVirtualMFADevice",
            json!({"VirtualMFADeviceName": "m-device"}),
        )
        .await;
    let device = &created["VirtualMFADevice"];
    let serial = text(&device["SerialNumber"]);
    assert_eq!(serial, "arn:aws:iam::123456789012:mfa/m-device");
    let seed = base64::engine::general_purpose::STANDARD
        .decode(text(&device["Base32StringSeed"]))
        .unwrap_or_else(|e| panic!("{e}"));
    let secret = decode_base32(std::str::from_utf8(&seed).unwrap_or_default())
        .unwrap_or_else(|| panic!("seed is not Base32"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(text(&device["QRCodePNG"]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&png[..4], b"\x89PNG");
    let now = step_of(1_700_000_000);
    let enable = |first: String, second: String| json!({"UserName": "m", "SerialNumber": serial, "AuthenticationCode1": first, "AuthenticationCode2": second});
    assert_eq!(
        h.err("EnableMFADevice", enable("000000".into(), "000000".into()))
            .await,
        (
            "InvalidAuthenticationCodeException".into(),
            "Authentication code for device is not valid.".into()
        )
    );
    h.ok(
        "EnableMFADevice",
        enable(code_at(&secret, now - 1), code_at(&secret, now)),
    )
    .await;
    let listed = h.ok("ListMFADevices", json!({"UserName": "m"})).await;
    assert_eq!(listed["MFADevices"][0]["SerialNumber"], json!(serial));
    let assigned = h
        .ok(
            "ListVirtualMFADevices",
            json!({"AssignmentStatus": "Assigned"}),
        )
        .await;
    assert_eq!(assigned["VirtualMFADevices"][0]["User"]["UserName"], "m");
    assert_eq!(
        h.err("DeleteVirtualMFADevice", json!({"SerialNumber": serial}))
            .await
            .0,
        "DeleteConflictException"
    );
    assert_eq!(
        h.err("DeleteUser", json!({"UserName": "m"})).await.1,
        "Cannot delete entity, must delete MFA device first."
    );
    h.ok(
        "DeactivateMFADevice",
        json!({"UserName": "m", "SerialNumber": serial}),
    )
    .await;
    h.ok("DeleteVirtualMFADevice", json!({"SerialNumber": serial}))
        .await;
    h.ok("DeleteUser", json!({"UserName": "m"})).await;
}

#[tokio::test]
async fn credential_report_lists_root_and_users_with_their_credentials() {
    use base64::Engine;
    let h = harness();
    assert_eq!(
        h.err("GetCredentialReport", json!({})).await.0,
        "CredentialReportNotPresentException"
    );
    h.ok("CreateUser", json!({"UserName": "reported"})).await;
    h.ok(
        "CreateLoginProfile",
        json!({"UserName": "reported", "Password": "Sockerless-1!"}),
    )
    .await;
    h.ok("CreateAccessKey", json!({"UserName": "reported"}))
        .await;
    let started = h.ok("GenerateCredentialReport", json!({})).await;
    assert_eq!(started["State"], "STARTED");
    assert_eq!(
        h.ok("GenerateCredentialReport", json!({})).await["State"],
        "COMPLETE"
    );
    let report = h.ok("GetCredentialReport", json!({})).await;
    let csv = base64::engine::general_purpose::STANDARD
        .decode(text(&report["Content"]))
        .unwrap_or_else(|e| panic!("{e}"));
    let csv = String::from_utf8(csv).unwrap_or_default();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("user,arn,user_creation_time,password_enabled,"));
    assert!(lines[1].starts_with("<root_account>,arn:aws:iam::123456789012:root,"));
    let user: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(user.len(), 22);
    assert_eq!(
        (user[0], user[3], user[4], user[8], user[13]),
        ("reported", "true", "no_information", "true", "false")
    );
    assert_eq!(user[2], "2023-11-14T22:13:20+00:00");
}

#[tokio::test]
async fn summary_and_authorization_details_follow_what_exists() {
    let h = harness();
    let arn = h.policy("detail-policy").await;
    h.ok("CreateUser", json!({"UserName": "du"})).await;
    h.ok("CreateGroup", json!({"GroupName": "dg"})).await;
    h.ok(
        "AddUserToGroup",
        json!({"UserName": "du", "GroupName": "dg"}),
    )
    .await;
    h.role("dr", "/").await;
    h.ok(
        "AttachRolePolicy",
        json!({"RoleName": "dr", "PolicyArn": arn}),
    )
    .await;
    let summary = h.ok("GetAccountSummary", json!({})).await;
    let map = &summary["SummaryMap"];
    assert_eq!(
        (
            &map["Users"],
            &map["Groups"],
            &map["Roles"],
            &map["Policies"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(1))
    );
    let all = h.ok("GetAccountAuthorizationDetails", json!({})).await;
    assert_eq!(all["UserDetailList"][0]["GroupList"], json!(["dg"]));
    assert_eq!(
        all["RoleDetailList"][0]["AttachedManagedPolicies"][0]["PolicyArn"],
        json!(arn)
    );
    assert_eq!(all["Policies"][0]["AttachmentCount"], 1);
    let mut seen = Vec::new();
    let mut request = json!({"MaxItems": 1});
    loop {
        let page = h
            .ok("GetAccountAuthorizationDetails", request.clone())
            .await;
        for list in [
            "UserDetailList",
            "GroupDetailList",
            "RoleDetailList",
            "Policies",
        ] {
            seen.extend(page[list].as_array().cloned().unwrap_or_default());
        }
        match page.get("Marker") {
            Some(marker) => request["Marker"] = marker.clone(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    let roles_only = h
        .ok(
            "GetAccountAuthorizationDetails",
            json!({"Filter": ["Role"]}),
        )
        .await;
    assert_eq!(roles_only["UserDetailList"], json!([]));
    assert_eq!(
        roles_only["RoleDetailList"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn service_linked_roles_take_aws_names_and_refuse_changes() {
    let h = harness();
    let created = h
        .ok(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "ecs.amazonaws.com"}),
        )
        .await;
    assert_eq!(created["Role"]["RoleName"], "AWSServiceRoleForECS");
    assert_eq!(
        created["Role"]["Path"],
        "/aws-service-role/ecs.amazonaws.com/"
    );
    assert_eq!(
        h.err(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "ecs.amazonaws.com"})
        )
        .await
        .1,
        "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix."
    );
    assert_eq!(
        h.err(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "ecs.amazonaws.com", "CustomSuffix": "x"})
        )
        .await
        .1,
        "Custom suffix is not allowed for ecs.amazonaws.com"
    );
    let suffixed = h
        .ok(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "autoscaling.amazonaws.com", "CustomSuffix": "team"}),
        )
        .await;
    assert_eq!(
        suffixed["Role"]["RoleName"],
        "AWSServiceRoleForAutoScaling_team"
    );
    assert_eq!(
        h.err(
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "nothing.amazonaws.com"})
        )
        .await
        .0,
        "InvalidInputException"
    );
    let attached = h
        .ok(
            "ListAttachedRolePolicies",
            json!({"RoleName": "AWSServiceRoleForECS"}),
        )
        .await;
    assert_eq!(
        attached["AttachedPolicies"][0]["PolicyArn"],
        "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"
    );
    assert_eq!(
        h.err("DeleteRole", json!({"RoleName": "AWSServiceRoleForECS"}))
            .await
            .0,
        "UnmodifiableEntityException"
    );
    let task = h
        .ok(
            "DeleteServiceLinkedRole",
            json!({"RoleName": "AWSServiceRoleForECS"}),
        )
        .await;
    let task_id = text(&task["DeletionTaskId"]);
    assert!(task_id.starts_with("task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/"));
    let status = h
        .ok(
            "GetServiceLinkedRoleDeletionStatus",
            json!({"DeletionTaskId": task_id}),
        )
        .await;
    assert_eq!(status["Status"], "SUCCEEDED");
    assert_eq!(
        h.err("GetRole", json!({"RoleName": "AWSServiceRoleForECS"}))
            .await
            .0,
        "NoSuchEntityException"
    );
}

#[tokio::test]
async fn service_access_reports_name_what_policies_allow_and_keys_used() {
    let h = harness();
    h.ok("CreateUser", json!({"UserName": "reader"})).await;
    h.ok(
        "PutUserPolicy",
        json!({"UserName": "reader", "PolicyName": "p", "PolicyDocument": DOCUMENT}),
    )
    .await;
    let key = h.ok("CreateAccessKey", json!({"UserName": "reader"})).await;
    h.iam
        .note_access_key_use(&text(&key["AccessKey"]["AccessKeyId"]), "s3", "us-east-1")
        .unwrap_or_else(|e| panic!("{e}"));
    let job = h
        .ok(
            "GenerateServiceLastAccessedDetails",
            json!({"Arn": "arn:aws:iam::123456789012:user/reader"}),
        )
        .await;
    let details = h
        .ok(
            "GetServiceLastAccessedDetails",
            json!({"JobId": job["JobId"]}),
        )
        .await;
    assert_eq!(details["JobStatus"], "COMPLETED");
    let services = &details["ServicesLastAccessed"];
    assert_eq!(services.as_array().map(Vec::len), Some(1));
    assert_eq!(services[0]["ServiceNamespace"], "s3");
    assert_eq!(services[0]["TotalAuthenticatedEntities"], 1);
    assert_eq!(
        services[0]["LastAuthenticatedEntity"],
        "arn:aws:iam::123456789012:user/reader"
    );
    let granting = h
        .ok(
            "ListPoliciesGrantingServiceAccess",
            json!({"Arn": "arn:aws:iam::123456789012:user/reader", "ServiceNamespaces": ["s3", "ec2"]}),
        )
        .await;
    let entries = &granting["PoliciesGrantingServiceAccess"];
    assert_eq!(entries[0]["ServiceNamespace"], "ec2");
    assert_eq!(entries[0]["Policies"], json!([]));
    assert_eq!(entries[1]["Policies"][0]["PolicyType"], "INLINE");
    assert_eq!(entries[1]["Policies"][0]["EntityName"], "reader");
}

#[tokio::test]
async fn outbound_federation_and_organizations_answer_as_aws() {
    let h = harness();
    assert_eq!(
        h.err("GetOutboundWebIdentityFederationInfo", json!({}))
            .await
            .0,
        "FeatureDisabledException"
    );
    let enabled = h.ok("EnableOutboundWebIdentityFederation", json!({})).await;
    let issuer = text(&enabled["IssuerIdentifier"]);
    assert!(issuer.starts_with("https://") && issuer.ends_with(".tokens.sts.global.api.aws"));
    assert_eq!(
        h.err("EnableOutboundWebIdentityFederation", json!({}))
            .await
            .0,
        "FeatureEnabledException"
    );
    assert_eq!(
        h.iam.outbound_federation_issuer(ACCOUNT),
        Some(issuer.clone())
    );
    h.ok("DisableOutboundWebIdentityFederation", json!({}))
        .await;
    assert_eq!(h.iam.outbound_federation_issuer(ACCOUNT), None);
    let again = h.ok("EnableOutboundWebIdentityFederation", json!({})).await;
    assert_eq!(text(&again["IssuerIdentifier"]), issuer);
    assert_eq!(
        h.err("ListOrganizationsFeatures", json!({})).await.0,
        "OrganizationNotFoundException"
    );
    assert_eq!(
        h.err(
            "GetDelegationRequest",
            json!({"DelegationRequestId": "abc"})
        )
        .await
        .0,
        "NoSuchEntityException"
    );
}

#[tokio::test]
async fn users_change_their_own_password_within_the_policy() {
    let h = harness();
    h.ok("CreateUser", json!({"UserName": "pat"})).await;
    h.ok(
        "CreateLoginProfile",
        json!({"UserName": "pat", "Password": "First-pass-1!", "PasswordResetRequired": true}),
    )
    .await;
    h.ok(
        "UpdateAccountPasswordPolicy",
        json!({"MinimumPasswordLength": 10, "PasswordReusePrevention": 2}),
    )
    .await;
    let as_pat = Ctx {
        caller: Caller {
            access_key_id: "AKIAPAT".into(),
            account_id: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/pat"),
            user_id: "AIDAPAT".into(),
            session: None,
        },
        ..h.ctx.clone()
    };
    let change = |old: &str, new: &str| json!({"OldPassword": old, "NewPassword": new});
    let call = |input: Value| {
        let iam = &h.iam;
        let ctx = as_pat.clone();
        async move { iam.call(&ctx, "ChangePassword", input).await }
    };
    let wrong = call(change("not-it", "Second-pass-2!")).await;
    assert_eq!(wrong.map_err(|e| e.code), Err("AccessDenied".to_string()));
    let reused = call(change("First-pass-1!", "First-pass-1!")).await;
    assert_eq!(
        reused.map_err(|e| (e.code, e.message)),
        Err((
            "PasswordPolicyViolationException".to_string(),
            "Password should not be one of your 2 previous passwords".to_string()
        ))
    );
    call(change("First-pass-1!", "Second-pass-2!"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let profile = h.ok("GetLoginProfile", json!({"UserName": "pat"})).await;
    assert_eq!(profile["LoginProfile"]["PasswordResetRequired"], false);
    assert_eq!(
        h.err("ChangePassword", change("Second-pass-2!", "Third-pass-3!"))
            .await
            .0,
        "InvalidUserTypeException"
    );
}
