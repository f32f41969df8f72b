//! Which `api-version`s each resource type accepts, as Azure's REST API specifications declare
//! them (the table is generated at build time from `specs/api-versions*.json`). ARM refuses any
//! other version: `InvalidApiVersionParameter` for its own types (resource groups,
//! subscriptions, providers), `NoRegisteredProviderFound` for a resource provider's.

include!(concat!(env!("OUT_DIR"), "/api_versions.rs"));

/// The versions `namespace`/`resource_type` accepts, newest first (empty when unknown).
pub fn supported(namespace: &str, resource_type: &str) -> Vec<&'static str> {
    let mut versions: Vec<&'static str> = API_VERSIONS
        .iter()
        .filter(|(ns, ty, _)| {
            ns.eq_ignore_ascii_case(namespace) && ty.eq_ignore_ascii_case(resource_type)
        })
        .map(|(_, _, version)| *version)
        .collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    versions.dedup();
    versions
}

/// Whether `version` is one `namespace`/`resource_type` accepts.
pub fn accepts(namespace: &str, resource_type: &str, version: &str) -> bool {
    supported(namespace, resource_type).contains(&version)
}

/// Whether any resource type of `namespace` accepts `version`: the rule for a provider's
/// operation-status and operation-result URLs, which are polled with the api-version of the
/// request that started the operation, whatever its resource type.
pub fn namespace_accepts(namespace: &str, version: &str) -> bool {
    API_VERSIONS
        .iter()
        .any(|(ns, _, v)| ns.eq_ignore_ascii_case(namespace) && *v == version)
}

/// Every resource type of `namespace` the specifications name, spelled as they spell it.
pub fn resource_types(namespace: &str) -> Vec<&'static str> {
    let mut types: Vec<&'static str> = API_VERSIONS
        .iter()
        .filter(|(ns, _, _)| ns.eq_ignore_ascii_case(namespace))
        .map(|(_, ty, _)| *ty)
        .collect();
    types.dedup();
    types
}

/// `resource_type` of `namespace` as the specifications spell it, when they know it.
pub fn type_spelling(namespace: &str, resource_type: &str) -> Option<&'static str> {
    API_VERSIONS
        .iter()
        .find(|(ns, ty, _)| {
            ns.eq_ignore_ascii_case(namespace) && ty.eq_ignore_ascii_case(resource_type)
        })
        .map(|(_, ty, _)| *ty)
}

/// `namespace` as the specifications spell it, when they know it.
pub fn namespace_spelling(namespace: &str) -> Option<&'static str> {
    API_VERSIONS
        .iter()
        .find(|(ns, _, _)| ns.eq_ignore_ascii_case(namespace))
        .map(|(ns, _, _)| *ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_specifications() {
        assert!(accepts(
            "Microsoft.Resources",
            "resourceGroups",
            "2022-09-01"
        ));
        assert!(accepts(
            "microsoft.resources",
            "RESOURCEGROUPS",
            "2024-11-01"
        ));
        assert!(accepts(
            "Microsoft.Storage",
            "storageAccounts",
            "2023-05-01"
        ));
        assert!(!accepts(
            "Microsoft.Storage",
            "storageAccounts",
            "2099-01-01"
        ));
        assert!(supported("Microsoft.Nothing", "things").is_empty());
        let versions = supported("Microsoft.Resources", "subscriptions");
        assert_eq!(versions.first(), Some(&"2022-12-01"));
    }
}
