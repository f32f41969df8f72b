//! Which action an operation is authorized as, and on which resource: the vendored data in
//! `sims/aws/authz/<service>.json` (from AWS's Service Authorization Reference), applied to a
//! request's input.
//!
//! A resource template names input members (`${logGroupName}`), with a default when the member
//! is absent (`${cluster|default}`), and the request's `${Partition}`, `${Region}` and
//! `${Account}`. The last member, given as an ARN, stands for the whole resource (ECS and Logs
//! take names or ARNs alike); an earlier one given as an ARN (a cluster) gives its name; a list
//! stands for its first item.
//!
//! What this module must not do: decide anything; it only names the action and the resource.

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct ServiceFile {
    service: String,
    operations: FxHashMap<String, OperationEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct OperationEntry {
    action: String,
    resource: String,
}

/// The vendored data for every service the simulator authorizes.
#[derive(Debug)]
pub struct Catalog {
    /// Keyed by signing name (`logs`), then operation.
    services: FxHashMap<String, FxHashMap<String, OperationEntry>>,
}

const FILES: &[&str] = &[
    include_str!("../../authz/iam.json"),
    include_str!("../../authz/sts.json"),
    include_str!("../../authz/logs.json"),
    include_str!("../../authz/ecs.json"),
    include_str!("../../authz/kms.json"),
    include_str!("../../authz/secretsmanager.json"),
    include_str!("../../authz/ssm.json"),
    include_str!("../../authz/ec2.json"),
    include_str!("../../authz/efs.json"),
    include_str!("../../authz/servicediscovery.json"),
    include_str!("../../authz/ecr.json"),
    include_str!("../../authz/lambda.json"),
    include_str!("../../authz/s3.json"),
];

impl Catalog {
    pub fn vendored() -> Self {
        let services = FILES
            .iter()
            .filter_map(|text| match serde_json::from_str::<ServiceFile>(text) {
                Ok(file) => Some((file.service, file.operations)),
                // A test reads every file, so this only fires if the data was broken by hand.
                Err(error) => {
                    tracing::error!(%error, "vendored authorization data does not parse");
                    None
                }
            })
            .collect();
        Self { services }
    }

    /// The action and resource ARN `operation` of `service` is authorized as.
    pub fn resolve(
        &self,
        service: &str,
        operation: &str,
        input: &Value,
        region: &str,
        account: &str,
    ) -> (String, String) {
        match self
            .services
            .get(service)
            .and_then(|operations| operations.get(operation))
        {
            Some(entry) => (
                entry.action.clone(),
                fill(&entry.resource, input, region, account),
            ),
            None => (format!("{service}:{operation}"), "*".to_string()),
        }
    }

    /// Every action the data knows for `service`, for reports.
    pub fn knows(&self, service: &str, operation: &str) -> bool {
        self.services
            .get(service)
            .is_some_and(|operations| operations.contains_key(operation))
    }
}

/// The text an input member stands for: a string, a list's first string, a number.
fn member_text(input: &Value, member: &str) -> Option<String> {
    match input.get(member)? {
        Value::String(text) => Some(text.clone()),
        Value::Array(items) => items.first().and_then(|item| match item {
            Value::String(text) => Some(text.clone()),
            _ => None,
        }),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Fills a resource template from the input.
pub fn fill(template: &str, input: &Value, region: &str, account: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        let (name, default) = match after[..end].split_once('|') {
            Some((name, default)) => (name, Some(default)),
            None => (&after[..end], None),
        };
        let value = match name {
            "Partition" => Some("aws".to_string()),
            "Region" => Some(region.to_string()),
            "Account" => Some(account.to_string()),
            member => member_text(input, member),
        };
        let last = !after[end + 1..].contains("${");
        match value {
            // The member naming the resource itself, given as an ARN, is the resource.
            Some(value) if value.starts_with("arn:") && last => return value,
            // A parent given as an ARN (an ECS cluster) contributes its name.
            Some(value) if value.starts_with("arn:") => {
                out.push_str(value.rsplit('/').next().unwrap_or(&value));
            }
            // URLs name OIDC providers without their scheme.
            Some(value) => out.push_str(value.strip_prefix("https://").unwrap_or(&value)),
            None => out.push_str(default.unwrap_or("")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn vendored_data_covers_every_model_operation() {
        let catalog = Catalog::vendored();
        for (service, model) in [
            ("iam", crate::model::iam()),
            ("sts", crate::model::sts()),
            ("logs", crate::model::logs()),
            ("ecs", crate::model::ecs()),
            ("kms", crate::model::kms()),
            ("secretsmanager", crate::model::secretsmanager()),
            ("ssm", crate::model::ssm()),
            ("elasticfilesystem", crate::model::efs()),
            ("servicediscovery", crate::model::servicediscovery()),
            ("lambda", crate::model::lambda()),
            ("s3", crate::model::s3()),
        ] {
            for operation in model.operations.keys() {
                assert!(
                    catalog.knows(service, operation),
                    "{service}:{operation} has no authorization entry"
                );
            }
        }
    }

    #[test]
    fn resources_come_from_the_input() {
        let catalog = Catalog::vendored();
        let check = |service: &str, operation: &str, input: Value, expected: (&str, &str)| {
            assert_eq!(
                catalog.resolve(service, operation, &input, "us-east-1", "123456789012"),
                (expected.0.to_string(), expected.1.to_string()),
                "{service}:{operation}"
            );
        };
        check(
            "logs",
            "CreateLogGroup",
            json!({"logGroupName": "/aws/lambda/f"}),
            (
                "logs:CreateLogGroup",
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:",
            ),
        );
        check(
            "logs",
            "DescribeLogGroups",
            json!({}),
            (
                "logs:DescribeLogGroups",
                "arn:aws:logs:us-east-1:123456789012:log-group::log-stream:",
            ),
        );
        check(
            "logs",
            "PutLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s"}),
            (
                "logs:PutLogEvents",
                "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s",
            ),
        );
        check(
            "ecs",
            "DescribeClusters",
            json!({}),
            (
                "ecs:DescribeClusters",
                "arn:aws:ecs:us-east-1:123456789012:cluster/default",
            ),
        );
        check(
            "ecs",
            "StopTask",
            json!({"cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/c", "task": "t"}),
            (
                "ecs:StopTask",
                "arn:aws:ecs:us-east-1:123456789012:task/c/t",
            ),
        );
        check("ecs", "ListClusters", json!({}), ("ecs:ListClusters", "*"));
        check(
            "iam",
            "CreateRole",
            json!({"RoleName": "r", "Path": "/team/"}),
            ("iam:CreateRole", "arn:aws:iam::123456789012:role/team/r"),
        );
        check(
            "iam",
            "GetRole",
            json!({"RoleName": "r"}),
            ("iam:GetRole", "arn:aws:iam::123456789012:role/r"),
        );
        check(
            "sts",
            "AssumeRole",
            json!({"RoleArn": "arn:aws:iam::1:role/x"}),
            ("sts:AssumeRole", "arn:aws:iam::1:role/x"),
        );
    }
}
