//! Parameter names, paths, selectors and ARNs, as Parameter Store reads them (pure).

use super::SsmError;

/// The most levels a hierarchical name may have.
const MAX_LEVELS: usize = 15;

/// What a request's name asks for: the name and, after a `:`, a version or a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Latest,
    Version(i64),
    Label(String),
}

/// Splits `name:selector` (the part after the last `:`).
pub fn split_selector(requested: &str) -> (&str, Selector) {
    match requested.rsplit_once(':') {
        Some((name, selector)) if !name.is_empty() && !selector.is_empty() => {
            match selector.parse::<i64>() {
                Ok(version) => (name, Selector::Version(version)),
                Err(_) => (name, Selector::Label(selector.to_string())),
            }
        }
        _ => (requested, Selector::Latest),
    }
}

/// The message AWS gives for a name it refuses.
const NAME_RULES: &str = "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_";

/// Checks a name a parameter may be created with.
pub fn check_new_name(name: &str) -> Result<(), SsmError> {
    let bare = name.strip_prefix('/').unwrap_or(name);
    let lower = bare.to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        if name.starts_with('/') && (lower.starts_with("aws/") || lower.starts_with("ssm/")) {
            return Err(SsmError::new(
                "AccessDeniedException",
                format!("No access to reserved parameter name: {name}."),
            ));
        }
        return Err(SsmError::validation(NAME_RULES));
    }
    if name.contains('/') && !name.starts_with('/') {
        return Err(SsmError::validation(
            "Parameter name must be a fully qualified name.",
        ));
    }
    let segments: Vec<&str> = bare.split('/').collect();
    let well_formed = segments.iter().all(|segment| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    });
    if !well_formed {
        return Err(SsmError::validation(NAME_RULES));
    }
    if segments.len() > MAX_LEVELS {
        return Err(SsmError::new(
            "HierarchyLevelLimitExceededException",
            "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.",
        ));
    }
    Ok(())
}

/// `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME` (a leading `/` is not doubled).
pub fn arn(region: &str, account_id: &str, name: &str) -> String {
    let name = name.strip_prefix('/').unwrap_or(name);
    format!("arn:aws:ssm:{region}:{account_id}:parameter/{name}")
}

/// The name an ARN or a name refers to.
pub fn name_of(reference: &str) -> String {
    match reference.strip_prefix("arn:") {
        Some(rest) => {
            let resource = rest.splitn(5, ':').nth(4).unwrap_or_default();
            let name = resource.strip_prefix("parameter").unwrap_or(resource);
            name.to_string()
        }
        None => reference.to_string(),
    }
}

/// Whether `name` lies under `path` (directly, unless `recursive`).
pub fn under_path(name: &str, path: &str, recursive: bool) -> bool {
    let prefix = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    let Some(rest) = name.strip_prefix(&prefix) else {
        return false;
    };
    !rest.is_empty() && (recursive || !rest.contains('/'))
}

/// Checks a path GetParametersByPath may take.
pub fn check_path(path: &str) -> Result<(), SsmError> {
    if !path.starts_with('/') {
        return Err(SsmError::validation(
            "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.",
        ));
    }
    if path.split('/').filter(|s| !s.is_empty()).count() > MAX_LEVELS {
        return Err(SsmError::new(
            "HierarchyLevelLimitExceededException",
            "A hierarchy can have a maximum of 15 levels.",
        ));
    }
    Ok(())
}

/// Checks labels; returns those AWS refuses (reported as `InvalidLabels`).
pub fn invalid_labels(labels: &[String]) -> Vec<String> {
    labels
        .iter()
        .filter(|label| {
            let lower = label.to_ascii_lowercase();
            label.is_empty()
                || label.len() > 100
                || lower.starts_with("aws")
                || lower.starts_with("ssm")
                || label.bytes().all(|b| b.is_ascii_digit())
                || !label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_split_versions_from_labels() {
        assert_eq!(split_selector("/a/b:3"), ("/a/b", Selector::Version(3)));
        assert_eq!(
            split_selector("/a/b:prod"),
            ("/a/b", Selector::Label("prod".into()))
        );
        assert_eq!(split_selector("/a/b"), ("/a/b", Selector::Latest));
    }

    #[test]
    fn names_follow_aws_rules() {
        assert!(check_new_name("/app/db/password").is_ok());
        assert!(check_new_name("plain").is_ok());
        assert!(check_new_name("/aws/x").is_err());
        assert!(check_new_name("ssmthing").is_err());
        assert!(check_new_name("a/b").is_err());
        assert!(check_new_name("/a b").is_err());
        let deep = "/a".repeat(16);
        assert!(check_new_name(&deep).is_err());
    }

    #[test]
    fn paths_one_level_or_recursive() {
        assert!(under_path("/a/b", "/a", false));
        assert!(!under_path("/a/b/c", "/a", false));
        assert!(under_path("/a/b/c", "/a/", true));
        assert!(!under_path("/ab", "/a", true));
        assert!(under_path("/x", "/", false));
    }

    #[test]
    fn labels_refused_as_aws_refuses_them() {
        let labels = vec![
            "prod".to_string(),
            "123".into(),
            "aws-x".into(),
            "a/b".into(),
        ];
        assert_eq!(invalid_labels(&labels), ["123", "aws-x", "a/b"]);
        assert_eq!(
            name_of("arn:aws:ssm:us-east-1:123456789012:parameter/a/b"),
            "/a/b"
        );
    }
}
