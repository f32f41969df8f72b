//! The registry's state machines through its Rust API: uploads (offsets, digest checks,
//! cancel), manifests (missing blobs, digests, tags moving or refused) and repository removal.

use std::sync::Arc;

use super::*;
use crate::KitConfig;

/// A provider that lets everything through but tags named `frozen` moving.
struct Open;

impl Provider for Open {
    fn authenticate(&self, _: &RequestHead<'_>) -> Result<String, Box<Challenge>> {
        Ok("ns".into())
    }

    fn check_repository(&self, _: &str, _: &str) -> Result<(), RegistryError> {
        Ok(())
    }

    fn check_tag(
        &self,
        _: &str,
        _: &str,
        tag: &str,
        current: Option<&Digest>,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        match (tag, current) {
            ("frozen", Some(current)) if current != digest => {
                Err(RegistryError::new(Code::TagInvalid))
            }
            _ => Ok(()),
        }
    }
}

fn registry() -> (Kit, Arc<Registry>) {
    let kit = Kit::new(KitConfig::new("registry-test")).expect("kit");
    let registry = Registry::open(kit.clone(), Arc::new(Open)).expect("registry");
    (kit, registry)
}

fn code<T>(outcome: Result<T, RegistryError>) -> Option<Code> {
    outcome.err().map(|error| error.code)
}

#[tokio::test]
async fn uploads_follow_offsets_and_digests() {
    let (_kit, registry) = registry();
    let id = registry.start_upload("ns", "repo").expect("start");
    assert_eq!(registry.append_upload_bytes(&id, 0, b"hel").await, Ok(3));
    assert_eq!(
        code(registry.append_upload_bytes(&id, 0, b"x").await),
        Some(Code::RangeInvalid)
    );
    assert_eq!(registry.append_upload_bytes(&id, 3, b"lo").await, Ok(5));
    assert_eq!(
        registry.upload("ns", "repo", &id).map(|u| u.offset),
        Some(5)
    );
    assert!(registry.upload("ns", "other", &id).is_none());
    assert_eq!(
        code(registry.complete_upload(&id, &Digest::of(b"nope")).await),
        Some(Code::DigestInvalid)
    );
    let digest = Digest::of(b"hello");
    assert_eq!(registry.complete_upload(&id, &digest).await, Ok(5));
    assert!(registry.upload("ns", "repo", &id).is_none());
    assert_eq!(registry.blob_size("ns", "repo", &digest), Some(5));
    assert_eq!(registry.blob_size("ns", "other", &digest), None);
    let cancelled = registry.start_upload("ns", "repo").expect("start");
    assert_eq!(registry.cancel_upload(&cancelled), Ok(true));
    assert_eq!(
        code(registry.complete_upload(&cancelled, &digest).await),
        Some(Code::BlobUploadUnknown)
    );
}

#[tokio::test]
async fn manifests_need_their_blobs_and_respect_tags() {
    let (_kit, registry) = registry();
    let config = b"{}";
    let config_digest = registry.blobs().put_bytes(config).await.expect("blob");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"digest":"{config_digest}","size":2}},"layers":[]}}"#,
        manifest::OCI_MANIFEST
    );
    let tag = Reference::Tag("frozen".into());
    assert_eq!(
        code(
            registry
                .put_manifest("ns", "repo", &tag, None, manifest.as_bytes())
                .await
        ),
        Some(Code::ManifestBlobUnknown)
    );
    registry
        .link_blob("ns", "repo", &config_digest, 2)
        .expect("link");
    let digest = registry
        .put_manifest("ns", "repo", &tag, None, manifest.as_bytes())
        .await
        .expect("put");
    assert_eq!(digest, Digest::of(manifest.as_bytes()));
    assert_eq!(registry.resolve("ns", "repo", &tag), Some(digest.clone()));
    // The same manifest again keeps the tag; another one may not move it.
    assert!(
        registry
            .put_manifest("ns", "repo", &tag, None, manifest.as_bytes())
            .await
            .is_ok()
    );
    let other = manifest.replace("\"layers\":[]", "\"layers\":[],\"annotations\":{}");
    assert_eq!(
        code(
            registry
                .put_manifest("ns", "repo", &tag, None, other.as_bytes())
                .await
        ),
        Some(Code::TagInvalid)
    );
    let wrong = Reference::Digest(Digest::of(b"x"));
    assert_eq!(
        code(
            registry
                .put_manifest("ns", "repo", &wrong, None, manifest.as_bytes())
                .await
        ),
        Some(Code::DigestInvalid)
    );
    let images = registry.images("ns", "repo");
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].tags, vec!["frozen".to_string()]);
    assert_eq!(
        registry.delete_manifest("ns", "repo", &digest),
        Ok(Some(vec!["frozen".to_string()]))
    );
    assert_eq!(registry.resolve("ns", "repo", &tag), None);
    registry.delete_repository("ns", "repo").expect("delete");
    assert_eq!(registry.blob_size("ns", "repo", &config_digest), None);
}
