//! AWS's public parameters under `/aws/service/`: read-only, the same in every account. The
//! vendored `public.json` holds the `global-infrastructure` regions (each region's code and its
//! `longName`); its `_refresh` note says how to refresh it. ECS-optimized AMI IDs are not
//! vendored (they change weekly and differ by region): asking for one answers ParameterNotFound.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Every public parameter: name to value.
pub fn all() -> &'static BTreeMap<String, String> {
    static PARAMETERS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    PARAMETERS.get_or_init(|| {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("public.json")).unwrap_or_default();
        let mut parameters = BTreeMap::new();
        let base = "/aws/service/global-infrastructure/regions";
        if let Some(regions) = data["regions"].as_object() {
            for (code, long_name) in regions {
                parameters.insert(format!("{base}/{code}"), code.clone());
                parameters.insert(
                    format!("{base}/{code}/longName"),
                    long_name.as_str().unwrap_or_default().to_string(),
                );
            }
        }
        parameters
    })
}

/// Whether `name` is in AWS's public namespace.
pub fn is_public(name: &str) -> bool {
    name.starts_with("/aws/service/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn regions_are_listed_with_long_names() {
        let all = super::all();
        assert_eq!(
            all["/aws/service/global-infrastructure/regions/us-east-1"],
            "us-east-1"
        );
        assert_eq!(
            all["/aws/service/global-infrastructure/regions/eu-west-1/longName"],
            "Europe (Ireland)"
        );
    }
}
