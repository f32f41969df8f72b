//! Unit tests of ECR's pure pieces: wildcards and tag immutability with exclusion filters.

use sim_aws_shapes::ecr::ImageTagMutabilityExclusionFilter;

use super::{RepositoryRecord, wildcard_matches};

#[test]
fn wildcards() {
    let cases = [
        ("prod*", "prod-1", true),
        ("prod*", "dev", false),
        ("*-rc", "v1-rc", true),
        ("v*-*", "v1-rc", true),
        ("v*-*", "v1", false),
        ("exact", "exact", true),
        ("*", "", true),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(
            wildcard_matches(pattern, text),
            expected,
            "{pattern} {text}"
        );
    }
}

fn repository(mutability: &str, filter: Option<&str>) -> RepositoryRecord {
    RepositoryRecord {
        name: "r".into(),
        created_at: 0,
        image_tag_mutability: mutability.into(),
        exclusion_filters: filter.map(|filter| {
            vec![ImageTagMutabilityExclusionFilter {
                filter_type: "WILDCARD".into(),
                filter: filter.into(),
            }]
        }),
        scan_on_push: false,
        encryption_type: "AES256".into(),
        kms_key: None,
        tags: Vec::new(),
        policy: None,
        lifecycle_policy: None,
        lifecycle_preview: None,
        scans: Default::default(),
        archived: Default::default(),
        activated: Default::default(),
    }
}

#[test]
fn immutability() {
    let cases = [
        ("MUTABLE", None, "v1", false),
        ("IMMUTABLE", None, "v1", true),
        ("IMMUTABLE_WITH_EXCLUSION", Some("latest*"), "latest", false),
        ("IMMUTABLE_WITH_EXCLUSION", Some("latest*"), "v1", true),
        (
            "MUTABLE_WITH_EXCLUSION",
            Some("release-*"),
            "release-1",
            true,
        ),
        ("MUTABLE_WITH_EXCLUSION", Some("release-*"), "dev", false),
    ];
    for (mutability, filter, tag, expected) in cases {
        assert_eq!(
            repository(mutability, filter).tag_is_immutable(tag),
            expected,
            "{mutability} {tag}"
        );
    }
}
