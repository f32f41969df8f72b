//! Every AWS managed policy (1,485 of them in the data): name, path, default version, dates
//! and the default version's document as AWS publishes it, parsed on first use. The whole set
//! is machine data that `scripts/refresh-iam-managed-policies` writes (scripts/setup runs it)
//! to `$SOCKERLESS_AWS_MANAGED_POLICIES`, else `$SOCKERLESS_CLIENTS/aws-managed-policies.json`
//! (default `/opt/sockerless-clients`); without it, the policies users attach most
//! (`managed/common.json`, written by the same script and built in) are the ones there are. They are visible to `GetPolicy`, `GetPolicyVersion` (default version only),
//! `ListPolicyVersions` and `ListPolicies`, and attachable to users, groups and roles. Any other
//! `arn:aws:iam::aws:policy/...` does not exist.
//!
//! Deviations: the data carries no policy IDs or descriptions. The most used policies get AWS's
//! real ones from [`KNOWN`]; the others get a stable ID of AWS's form and no description.
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
    /// Empty where AWS's description is not in the vendored data.
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

/// Policy IDs and descriptions AWS gives the most used managed policies (the vendored data
/// carries neither). `AmazonECS_FullAccess`'s real ID is not known: it carries a synthetic one.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "AdministratorAccess",
        "ANPAIWMBCKSKIEE64ZLYK",
        "Provides full access to AWS services and resources.",
    ),
    (
        "AmazonEC2ContainerRegistryReadOnly",
        "ANPAIFYZPA37OOHVIH7KQ",
        "Provides read-only access to Amazon EC2 Container Registry repositories.",
    ),
    (
        "AmazonECSTaskExecutionRolePolicy",
        "ANPAJG4T4G4PV56DE72PY",
        "Provides access to other AWS service resources that are required to run \
                      Amazon ECS tasks",
    ),
    (
        "AmazonECS_FullAccess",
        "ANPASOCKERLESSECSFULL",
        "Provides administrative access to Amazon ECS resources and enables ECS \
                      features through access to other AWS service resources, including VPCs, \
                      Auto Scaling groups, and CloudFormation stacks.",
    ),
    (
        "AmazonS3FullAccess",
        "ANPAIFIR6V6BVTRAHWINE",
        "Provides full access to all buckets via the AWS Management Console.",
    ),
    (
        "AmazonS3ReadOnlyAccess",
        "ANPAIZTJ4DXE7G6AGAE6M",
        "Provides read only access to all buckets via the AWS Management Console.",
    ),
    (
        "AWSLambdaBasicExecutionRole",
        "ANPAJNCQGXC42545SKXIK",
        "Provides write permissions to CloudWatch Logs.",
    ),
    (
        "CloudWatchLogsFullAccess",
        "ANPAJ3ZGNWK2R5HW5BQFO",
        "Provides full access to CloudWatch Logs",
    ),
    (
        "PowerUserAccess",
        "ANPAJYRXTHIB4FOVS3ZXS",
        "Provides full access to AWS services and resources, but does not allow \
                      management of Users and groups.",
    ),
    (
        "ReadOnlyAccess",
        "ANPAILL3HVNFSB6DCOWYQ",
        "Provides read-only access to AWS services and resources.",
    ),
];

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vendored {
    path: String,
    default_version_id: String,
    create_date: String,
    update_date: String,
    document: String,
}

/// The built-in policies users attach most.
const COMMON: &str = include_str!("managed/common.json");

/// Where the whole set is, on this machine.
fn data_path() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("SOCKERLESS_AWS_MANAGED_POLICIES") {
        return path.into();
    }
    let clients =
        std::env::var_os("SOCKERLESS_CLIENTS").unwrap_or_else(|| "/opt/sockerless-clients".into());
    std::path::Path::new(&clients).join("aws-managed-policies.json")
}

/// Every AWS managed policy there is data for, parsed on first use: the whole set when this
/// machine has it, else the built-in common ones (logged once).
pub(crate) fn all() -> &'static [AwsManagedPolicy] {
    static ALL: std::sync::OnceLock<Vec<AwsManagedPolicy>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let path = data_path();
        let whole = std::fs::read_to_string(&path)
            .map_err(|error| error.to_string())
            .and_then(|text| parse(&text));
        match whole {
            Ok(policies) => policies,
            Err(error) => {
                tracing::warn!(
                    path = %path.display(),
                    %error,
                    "the AWS managed policies are not on this machine (scripts/setup writes \
                     them); only the common ones built in exist"
                );
                // The built-in file is checked by the tests below.
                parse(COMMON).unwrap_or_default()
            }
        }
    })
}

/// Managed policies from the data's JSON (name → path, versions, dates, document).
fn parse(text: &str) -> Result<Vec<AwsManagedPolicy>, String> {
    let vendored: std::collections::BTreeMap<String, Vendored> =
        serde_json::from_str(text).map_err(|error| error.to_string())?;
    Ok(vendored
        .into_iter()
        .map(|(name, policy)| {
            let known = KNOWN.iter().find(|(known, _, _)| *known == name);
            // Loaded once and kept for the life of the process, as `&'static` data.
            let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
            AwsManagedPolicy {
                policy_id: known.map_or_else(|| leak(synthetic_id(&name)), |k| k.1),
                description: known.map_or("", |k| k.2),
                path: leak(policy.path),
                default_version_id: leak(policy.default_version_id),
                create_date_ms: millis(&policy.create_date),
                update_date_ms: millis(&policy.update_date),
                document: leak(policy.document),
                name: leak(name),
            }
        })
        .collect())
}

/// A stable policy ID of AWS's form (`ANPA` and 17 base32 characters) for a policy whose real
/// ID the data lacks.
fn synthetic_id(name: &str) -> String {
    use sha2::Digest;
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = sha2::Sha256::digest(name.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|byte| BASE32[usize::from(byte % 32)] as char)
        .collect();
    format!("ANPA{tail}")
}

fn millis(date: &str) -> i64 {
    time::OffsetDateTime::parse(date, &time::format_description::well_known::Rfc3339)
        .map_or(0, |at| (at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The AWS managed policy an ARN names, if AWS has it. The path is part of the ARN:
/// `arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole` (without `service-role/`) is not it.
pub(crate) fn by_arn(arn: &str) -> Option<&'static AwsManagedPolicy> {
    static BY_ARN: std::sync::OnceLock<std::collections::HashMap<String, usize>> =
        std::sync::OnceLock::new();
    let index = BY_ARN.get_or_init(|| {
        all()
            .iter()
            .enumerate()
            .map(|(position, policy)| (policy.arn(), position))
            .collect()
    });
    index.get(arn).map(|&position| &all()[position])
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
    fn the_common_policies_are_built_in_and_well_formed() {
        let common = parse(COMMON).unwrap_or_else(|error| panic!("common.json: {error}"));
        for (name, _, _) in KNOWN {
            assert!(common.iter().any(|p| p.name == *name), "{name} is built in");
        }
        well_formed(&common);
        // The loaded set (the whole one, on a machine set up by scripts/setup) holds them too.
        well_formed(all());
    }

    fn well_formed(policies: &[AwsManagedPolicy]) {
        let mut ids = std::collections::HashSet::new();
        for policy in policies {
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
            let document: serde_json::Value = serde_json::from_str(policy.document)
                .unwrap_or_else(|error| panic!("{}: document: {error}", policy.name));
            assert!(
                ["2012-10-17", "2008-10-17"].contains(&document["Version"].as_str().unwrap_or("")),
                "{}",
                policy.name
            );
            // Every policy AWS publishes passes IAM's grammar.
            if let Err(error) =
                crate::policy::check(policy.document, crate::policy::PolicyKind::Identity)
            {
                panic!("{}: {error}", policy.name);
            }
        }
        for (name, _, description) in KNOWN {
            let arn = all()
                .iter()
                .find(|policy| policy.name == *name)
                .map(|policy| policy.arn());
            let known = arn.as_deref().and_then(by_arn);
            assert_eq!(known.map(|policy| policy.description), Some(*description));
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
