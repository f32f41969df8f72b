//! The AWS managed policies the simulator knows: the ones terraform modules, CloudFormation
//! templates and tutorials attach most (`AdministratorAccess`, the ECS task execution and Lambda
//! basic execution service roles, S3, CloudWatch Logs, ECR and ECS access, ...).
//!
//! Each entry carries AWS's name, path, policy ID, default version, dates and description, and
//! its document as AWS publishes it (the files under `managed/`, taken from AWS's
//! `GetPolicyVersion` answers as of early 2026, with `Version` and `Statement` in AWS's usual
//! order). They are visible to `GetPolicy`, `GetPolicyVersion` (default version only),
//! `ListPolicyVersions` and `ListPolicies` with `Scope=AWS`, and attachable to roles. Any other
//! `arn:aws:iam::aws:policy/...` does not exist here.
//!
//! One deviation: `AmazonECS_FullAccess`'s real policy ID is not known to us, so it carries an
//! obviously synthetic one (`ANPASOCKERLESSECSFULL`).
//!
//! What this module must not hold: anything per account (attachment counts are derived from
//! the roles that attach a policy).

/// An AWS managed policy: immutable, the same in every account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AwsManagedPolicy {
    pub name: &'static str,
    pub path: &'static str,
    pub policy_id: &'static str,
    pub default_version_id: &'static str,
    pub description: &'static str,
    pub create_date_ms: i64,
    pub update_date_ms: i64,
    /// The default version's document, as AWS formats it.
    pub document: &'static str,
}

impl AwsManagedPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// Every AWS managed policy the simulator knows, by name.
pub(crate) static AWS_MANAGED: &[AwsManagedPolicy] = &[
    AwsManagedPolicy {
        name: "AdministratorAccess",
        path: "/",
        policy_id: "ANPAIWMBCKSKIEE64ZLYK",
        default_version_id: "v1",
        description: "Provides full access to AWS services and resources.",
        create_date_ms: 1_423_247_986_000,
        update_date_ms: 1_423_247_986_000,
        document: include_str!("managed/AdministratorAccess.json"),
    },
    AwsManagedPolicy {
        name: "AmazonEC2ContainerRegistryReadOnly",
        path: "/",
        policy_id: "ANPAIFYZPA37OOHVIH7KQ",
        default_version_id: "v3",
        description: "Provides read-only access to Amazon EC2 Container Registry repositories.",
        create_date_ms: 1_450_717_455_000,
        update_date_ms: 1_576_011_392_000,
        document: include_str!("managed/AmazonEC2ContainerRegistryReadOnly.json"),
    },
    AwsManagedPolicy {
        name: "AmazonECSTaskExecutionRolePolicy",
        path: "/service-role/",
        policy_id: "ANPAJG4T4G4PV56DE72PY",
        default_version_id: "v1",
        description: "Provides access to other AWS service resources that are required to run \
                      Amazon ECS tasks",
        create_date_ms: 1_510_858_102_000,
        update_date_ms: 1_510_858_102_000,
        document: include_str!("managed/AmazonECSTaskExecutionRolePolicy.json"),
    },
    AwsManagedPolicy {
        name: "AmazonECS_FullAccess",
        path: "/",
        policy_id: "ANPASOCKERLESSECSFULL",
        default_version_id: "v21",
        description: "Provides administrative access to Amazon ECS resources and enables ECS \
                      features through access to other AWS service resources, including VPCs, \
                      Auto Scaling groups, and CloudFormation stacks.",
        create_date_ms: 1_510_090_614_000,
        update_date_ms: 1_723_577_977_000,
        document: include_str!("managed/AmazonECS_FullAccess.json"),
    },
    AwsManagedPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        policy_id: "ANPAIFIR6V6BVTRAHWINE",
        default_version_id: "v2",
        description: "Provides full access to all buckets via the AWS Management Console.",
        create_date_ms: 1_423_248_058_000,
        update_date_ms: 1_632_773_797_000,
        document: include_str!("managed/AmazonS3FullAccess.json"),
    },
    AwsManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        policy_id: "ANPAIZTJ4DXE7G6AGAE6M",
        default_version_id: "v3",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        create_date_ms: 1_423_248_059_000,
        update_date_ms: 1_691_703_099_000,
        document: include_str!("managed/AmazonS3ReadOnlyAccess.json"),
    },
    AwsManagedPolicy {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        policy_id: "ANPAJNCQGXC42545SKXIK",
        default_version_id: "v1",
        description: "Provides write permissions to CloudWatch Logs.",
        create_date_ms: 1_428_591_823_000,
        update_date_ms: 1_428_591_823_000,
        document: include_str!("managed/AWSLambdaBasicExecutionRole.json"),
    },
    AwsManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        path: "/",
        policy_id: "ANPAJ3ZGNWK2R5HW5BQFO",
        default_version_id: "v8",
        description: "Provides full access to CloudWatch Logs",
        create_date_ms: 1_423_248_002_000,
        update_date_ms: 1_770_919_233_000,
        document: include_str!("managed/CloudWatchLogsFullAccess.json"),
    },
    AwsManagedPolicy {
        name: "PowerUserAccess",
        path: "/",
        policy_id: "ANPAJYRXTHIB4FOVS3ZXS",
        default_version_id: "v12",
        description: "Provides full access to AWS services and resources, but does not allow \
                      management of Users and groups.",
        create_date_ms: 1_423_247_987_000,
        update_date_ms: 1_770_919_154_000,
        document: include_str!("managed/PowerUserAccess.json"),
    },
    AwsManagedPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        policy_id: "ANPAILL3HVNFSB6DCOWYQ",
        default_version_id: "v182",
        description: "Provides read-only access to AWS services and resources.",
        create_date_ms: 1_423_247_988_000,
        update_date_ms: 1_775_230_032_000,
        document: include_str!("managed/ReadOnlyAccess.json"),
    },
];

/// The AWS managed policy an ARN names, if the simulator knows it. The path is part of the ARN:
/// `arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole` (without `service-role/`) is not it.
pub(crate) fn by_arn(arn: &str) -> Option<&'static AwsManagedPolicy> {
    AWS_MANAGED.iter().find(|policy| policy.arn() == arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_arns_resolve_and_others_do_not() {
        let cases = [
            (
                "arn:aws:iam::aws:policy/AdministratorAccess",
                Some("AdministratorAccess"),
            ),
            (
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                Some("ReadOnlyAccess"),
            ),
            (
                "arn:aws:iam::aws:policy/PowerUserAccess",
                Some("PowerUserAccess"),
            ),
            (
                "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                Some("AmazonECSTaskExecutionRolePolicy"),
            ),
            (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                Some("AWSLambdaBasicExecutionRole"),
            ),
            (
                "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                Some("AmazonS3FullAccess"),
            ),
            (
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                Some("AmazonS3ReadOnlyAccess"),
            ),
            (
                "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
                Some("CloudWatchLogsFullAccess"),
            ),
            (
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                Some("AmazonEC2ContainerRegistryReadOnly"),
            ),
            (
                "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
                Some("AmazonECS_FullAccess"),
            ),
            // The path is part of the identity.
            ("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole", None),
            ("arn:aws:iam::aws:policy/administratoraccess", None),
            ("arn:aws:iam::aws:policy/NoSuchPolicy", None),
            ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),
        ];
        for (arn, expected) in cases {
            assert_eq!(by_arn(arn).map(|policy| policy.name), expected, "{arn}");
        }
    }

    #[test]
    fn entries_are_well_formed() {
        let mut ids = std::collections::HashSet::new();
        for policy in AWS_MANAGED {
            assert!(
                policy.policy_id.len() == 21 && policy.policy_id.starts_with("ANPA"),
                "{}: policy ID {}",
                policy.name,
                policy.policy_id
            );
            assert!(
                ids.insert(policy.policy_id),
                "{}: duplicate ID",
                policy.name
            );
            assert!(policy.path.starts_with('/') && policy.path.ends_with('/'));
            assert!(policy.default_version_id.starts_with('v'));
            assert!(
                policy.create_date_ms <= policy.update_date_ms,
                "{}",
                policy.name
            );
            assert!(!policy.description.is_empty());
            let document: serde_json::Value = serde_json::from_str(policy.document)
                .unwrap_or_else(|error| panic!("{}: document: {error}", policy.name));
            assert_eq!(document["Version"], "2012-10-17", "{}", policy.name);
            assert!(document["Statement"].is_array(), "{}", policy.name);
            assert!(
                crate::policy::check(policy.document, crate::policy::PolicyKind::Identity).is_ok()
            );
        }
    }

    #[test]
    fn administrator_access_is_allow_everything() {
        let admin = by_arn("arn:aws:iam::aws:policy/AdministratorAccess")
            .unwrap_or_else(|| panic!("AdministratorAccess missing"));
        let document: serde_json::Value =
            serde_json::from_str(admin.document).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            document["Statement"],
            serde_json::json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        );
    }
}
