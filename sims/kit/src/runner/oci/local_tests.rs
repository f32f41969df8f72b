//! Seeding layouts under `localhost/` names.

use std::path::Path;

use serde_json::json;

use super::LocalImages;

/// A layout of one image whose config's history is `history` and whose index entry carries
/// `annotations`; the manifest's digest.
fn layout(dir: &Path, history: &str, annotations: serde_json::Value) -> String {
    use sha2::Digest as _;
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let write = |bytes: Vec<u8>| -> String {
        let hex = hex::encode(sha2::Sha256::digest(&bytes));
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        format!("sha256:{hex}")
    };
    let config = write(
        serde_json::to_vec(&json!({"config": {}, "history": [{"created_by": history}]})).unwrap(),
    );
    let manifest = write(
        serde_json::to_vec(
            &json!({"schemaVersion": 2, "config": {"digest": config}, "layers": []}),
        )
        .unwrap(),
    );
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(
            &json!({"manifests": [{"digest": manifest, "annotations": annotations}]}),
        )
        .unwrap(),
    )
    .unwrap();
    manifest
}

#[test]
fn layouts_are_seeded_under_localhost_names() {
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("named");
    let digest = layout(
        &named,
        "anything",
        json!({"org.opencontainers.image.ref.name": "1.0", "io.sockerless.image.name": "sockerless/busybox"}),
    );
    let old = dir.path().join("old");
    layout(
        &old,
        "scripts/images (sockerless/bookworm-runtimes:py3_dfsg)",
        json!({"org.opencontainers.image.ref.name": "py3"}),
    );
    let anonymous = dir.path().join("anonymous");
    layout(
        &anonymous,
        "docker build",
        json!({"org.opencontainers.image.ref.name": "x"}),
    );
    let images = LocalImages::default();
    let (seeded, problems) = images.seed(&[named, old, anonymous]);
    assert_eq!(
        seeded,
        [
            "localhost/sockerless/busybox:1.0",
            "localhost/sockerless/bookworm-runtimes:py3"
        ]
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("is not named"), "{problems:?}");
    let found = images.locate("localhost/sockerless/busybox:1.0").unwrap();
    assert_eq!(found.manifest_digest, digest);
    assert!(
        images
            .locate(&format!("localhost/sockerless/busybox@{digest}"))
            .is_some()
    );
    // Only `localhost/` names, and only what was seeded.
    assert!(images.locate("sockerless/busybox:1.0").is_none());
    assert!(images.locate("docker.io/sockerless/busybox:1.0").is_none());
    assert!(images.locate("localhost/sockerless/busybox:2.0").is_none());
    assert_eq!(
        images
            .any_tag("localhost/sockerless/bookworm-runtimes")
            .map(|(name, _)| name),
        Some("localhost/sockerless/bookworm-runtimes:py3".to_string())
    );
}

#[test]
fn seeded_images_import_into_another_store_by_hard_links_checked() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("named");
    let digest = layout(
        &named,
        "anything",
        json!({"org.opencontainers.image.ref.name": "1.0", "io.sockerless.image.name": "sockerless/busybox"}),
    );
    let images = LocalImages::default();
    images.seed_layout(&named).unwrap();
    let all = images.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, "localhost/sockerless/busybox:1.0");
    let blobs = crate::registry::blobs::Blobs::new(&dir.path().join("store")).unwrap();
    let imported = super::import_into(&all[0].1, &blobs).unwrap();
    assert_eq!(imported.manifest_digest, digest);
    let config = crate::registry::Digest::parse(&imported.config_digest).unwrap();
    let source = named.join("blobs/sha256").join(config.hex());
    assert_eq!(
        std::fs::metadata(blobs.path(&config)).unwrap().ino(),
        std::fs::metadata(&source).unwrap().ino(),
        "the config is hard-linked, not copied"
    );
    assert!(
        blobs
            .path(&crate::registry::Digest::parse(&digest).unwrap())
            .is_file()
    );
    assert_eq!(super::import_into(&all[0].1, &blobs).unwrap(), imported);

    // A blob that does not match its digest is refused and not stored.
    let other = crate::registry::blobs::Blobs::new(&dir.path().join("other")).unwrap();
    std::fs::remove_file(&source).unwrap();
    std::fs::write(&source, b"tampered").unwrap();
    assert!(super::import_into(&all[0].1, &other).is_err());
    assert!(!other.path(&config).exists());
}
