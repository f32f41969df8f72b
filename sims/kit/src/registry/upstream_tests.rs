//! The pull-through client against a fake upstream in this process: the token flow, an index
//! resolved to this platform, digests checked, a pinned image served from the cache once the
//! upstream is gone, and the parsers of URLs, references and challenges.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::*;
use crate::registry::{Challenge as RegistryChallenge, Provider, RequestHead};
use crate::runner::oci::image;
use crate::{Kit, KitConfig};

#[test]
fn upstream_urls_parse_and_ca_files_are_checked() {
    let config = UpstreamConfig::parse(
        "http://127.0.0.1:4567/us-central1-docker.pkg.dev/p/images/",
        Some("oauth2accesstoken:secret"),
    )
    .unwrap();
    assert_eq!(config.authority, "127.0.0.1:4567");
    assert_eq!(config.prefix, "us-central1-docker.pkg.dev/p/images");
    assert_eq!(
        config.credentials,
        Some(("oauth2accesstoken".into(), "secret".into()))
    );
    assert!(!format!("{config:?}").contains("secret"));
    assert!(!config.https);
    let mut secure = UpstreamConfig::parse("https://Registry.local:5443/hub", None).unwrap();
    assert!(secure.https);
    assert_eq!(secure.authority, "registry.local:5443");
    // A CA file must hold a certificate: a key or garbage is refused when the server starts.
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    assert!(
        secure
            .trust_ca_file(&not_pem)
            .unwrap_err()
            .contains("no PEM certificate")
    );
    assert!(
        secure
            .trust_ca_file(&dir.path().join("absent.pem"))
            .is_err()
    );
    let ca = dir.path().join("ca.pem");
    let authority = crate::tls::Authority::generate().unwrap();
    std::fs::write(&ca, authority.ca_pem()).unwrap();
    secure.trust_ca_file(&ca).unwrap();
    assert_eq!(secure.extra_roots.len(), 1);
    assert!(UpstreamConfig::parse("registry:5000", None).is_err());
    assert!(UpstreamConfig::parse("http://user@host", None).is_err());
    assert!(UpstreamConfig::parse("http://host", Some("no-colon")).is_err());
}

#[test]
fn docker_hub_and_the_upstreams_own_host_are_routed_others_are_not() {
    let mirror = UpstreamConfig::parse("http://127.0.0.1:5000/hub", None).unwrap();
    assert_eq!(
        mirror.route("busybox"),
        Some(("hub/library/busybox".into(), "latest".into()))
    );
    assert_eq!(
        mirror.route("docker.io/team/app:v1"),
        Some(("hub/team/app".into(), "v1".into()))
    );
    assert_eq!(
        mirror.route("127.0.0.1:5000/a/b@sha256:00"),
        Some(("a/b".into(), "sha256:00".into()))
    );
    assert_eq!(mirror.route("quay.io/a/b:1"), None);
    assert_eq!(mirror.route("localhost/sockerless/busybox:1"), None);
    let bare = UpstreamConfig::parse("http://127.0.0.1:5000", None).unwrap();
    assert_eq!(
        bare.route("busybox:1"),
        Some(("library/busybox".into(), "1".into()))
    );
}

#[test]
fn challenges_parse() {
    assert_eq!(
        parse_challenge(
            r#"Bearer realm="http://127.0.0.1:1/v2/token",service="reg",scope="repository:a/b:pull""#
        ),
        Some(Challenge::Bearer {
            realm: "http://127.0.0.1:1/v2/token".into(),
            params: vec![
                ("service".into(), "reg".into()),
                ("scope".into(), "repository:a/b:pull".into())
            ],
        })
    );
    assert_eq!(
        parse_challenge(r#"Basic realm="https://x/""#),
        Some(Challenge::Basic)
    );
    assert_eq!(parse_challenge("Bearer service=\"x\""), None);
    assert_eq!(parse_challenge("Negotiate"), None);
}

/// What the fake upstream serves: manifests by `NAME/REFERENCE`, blobs by digest, and the
/// scopes tokens were asked for.
#[derive(Default)]
struct Upstream {
    manifests: HashMap<String, (String, Vec<u8>)>,
    blobs: HashMap<String, Vec<u8>>,
    scopes: Mutex<Vec<String>>,
}

const TOKEN: &str = "upstream-token";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"))
}

fn challenge(host: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            format!(r#"Bearer realm="http://{host}/token",service="fake""#),
        )],
        r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
    )
        .into_response()
}

async fn serve(upstream: Arc<Upstream>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let manifest_host = host.clone();
    let app = Router::new()
        .route(
            "/token",
            axum::routing::get(
                |State(upstream): State<Arc<Upstream>>,
                 Query(query): Query<HashMap<String, String>>,
                 headers: HeaderMap| async move {
                    let basic = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode("user:pw")
                    );
                    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
                        != Some(basic.as_str())
                        || query.get("service").map(String::as_str) != Some("fake")
                    {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    upstream
                        .scopes
                        .lock()
                        .unwrap()
                        .push(query.get("scope").cloned().unwrap_or_default());
                    axum::Json(serde_json::json!({ "token": TOKEN })).into_response()
                },
            ),
        )
        .route(
            "/v2/{*rest}",
            axum::routing::get(
                move |State(upstream): State<Arc<Upstream>>,
                      Path(rest): Path<String>,
                      headers: HeaderMap| {
                    let host = manifest_host.clone();
                    async move {
                        if !authorized(&headers) {
                            return challenge(&host);
                        }
                        if let Some((_, digest)) = rest.rsplit_once("/blobs/") {
                            return match upstream.blobs.get(digest) {
                                Some(bytes) => bytes.clone().into_response(),
                                None => StatusCode::NOT_FOUND.into_response(),
                            };
                        }
                        let Some((name, reference)) = rest.rsplit_once("/manifests/") else {
                            return StatusCode::NOT_FOUND.into_response();
                        };
                        match upstream.manifests.get(&format!("{name}/{reference}")) {
                            Some((media_type, bytes)) => (
                                [(header::CONTENT_TYPE, media_type.clone())],
                                bytes.clone(),
                            )
                                .into_response(),
                            None => (
                                StatusCode::NOT_FOUND,
                                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
                            )
                                .into_response(),
                        }
                    }
                },
            ),
        )
        .with_state(upstream);
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (host, server)
}

/// A layer of one file, gzipped.
fn layer(path: &str, content: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, path, content).unwrap();
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

/// Adds image `name` to `upstream`: an index whose amd64 entry is a manifest of one layer
/// (whose served bytes are `served_layer` when given, to corrupt it); the platform manifest's
/// digest.
fn add_image(
    upstream: &mut Upstream,
    name: &str,
    tag: &str,
    served_layer: Option<Vec<u8>>,
) -> Digest {
    let layer_bytes = layer("marker.txt", format!("only in {name}\n").as_bytes());
    let layer_digest = Digest::of(&layer_bytes);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["cat", "/marker.txt"], "Env": ["FROM=upstream"]},
        "rootfs": {"type": "layers", "diff_ids": []}
    })
    .to_string()
    .into_bytes();
    let config_digest = Digest::of(&config);
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest.as_str(), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest.as_str(), "size": layer_bytes.len()}]
    })
    .to_string()
    .into_bytes();
    let manifest_digest = Digest::of(&manifest);
    let other = Digest::of(b"an arm64 manifest never fetched");
    let index = serde_json::json!({
        "schemaVersion": 2, "mediaType": INDEX,
        "manifests": [
            {"mediaType": MANIFEST, "digest": other.as_str(), "size": 1, "platform": {"os": "linux", "architecture": "arm64"}},
            {"mediaType": MANIFEST, "digest": manifest_digest.as_str(), "size": manifest.len(), "platform": {"os": "linux", "architecture": image_architecture()}},
        ]
    })
    .to_string()
    .into_bytes();
    upstream.blobs.insert(
        layer_digest.to_string(),
        served_layer.unwrap_or(layer_bytes),
    );
    upstream.blobs.insert(config_digest.to_string(), config);
    upstream.manifests.insert(
        format!("{name}/{}", manifest_digest.as_str()),
        (MANIFEST.into(), manifest),
    );
    upstream
        .manifests
        .insert(format!("{name}/{tag}"), (INDEX.into(), index));
    manifest_digest
}

fn image_architecture() -> &'static str {
    platform().1
}

struct Open;

impl Provider for Open {
    fn authenticate(&self, _: &RequestHead<'_>) -> Result<String, Box<RegistryChallenge>> {
        Ok("ns".into())
    }
    fn check_repository(&self, _: &str, _: &str) -> Result<(), RegistryError> {
        Ok(())
    }
    fn check_tag(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: Option<&Digest>,
        _: &Digest,
    ) -> Result<(), RegistryError> {
        Ok(())
    }
}

#[tokio::test]
async fn images_are_pulled_through_with_tokens_checked_and_cached() {
    let mut upstream = Upstream::default();
    let pinned = add_image(&mut upstream, "mirror/team/app", "v1", None);
    let bad = add_image(
        &mut upstream,
        "mirror/team/bad",
        "v1",
        Some(b"not the layer".to_vec()),
    );
    let upstream = Arc::new(upstream);
    let (host, server) = serve(upstream.clone()).await;
    let config = UpstreamConfig::parse(&format!("http://{host}/mirror"), Some("user:pw")).unwrap();
    let mut kit_config = KitConfig::new("upstream-test");
    kit_config.registry_upstream = Some(config.clone());
    let kit = Kit::new(kit_config).unwrap();
    // The registry pulls through the kit's upstream itself.
    let registry = Registry::open(kit.clone(), Arc::new(Open)).unwrap();
    let pull = PullThrough::new(config);

    // Docker Hub's name, through the mirror's prefix: the token flow, the platform's manifest.
    let located = registry
        .pull_through("docker.io/team/app:v1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        upstream.scopes.lock().unwrap().as_slice(),
        ["repository:mirror/team/app:pull"]
    );
    let resolved = image::resolve(located.store.as_ref(), &located.manifest_digest).unwrap();
    assert_eq!(resolved.manifest_digest, pinned.as_str());
    assert_eq!(
        resolved.config.cmd,
        Some(vec!["cat".into(), "/marker.txt".into()])
    );
    assert_eq!(resolved.layers.len(), 1);
    image::verify_file(&resolved.layers[0].path, &resolved.layers[0].digest).unwrap();
    assert_eq!(
        registry.tag_names(CACHE_NAMESPACE, &format!("{host}/mirror/team/app")),
        ["v1"]
    );

    // A host-process runner uses no image: the provider's own reason stands, nothing pulled.
    let own = registry
        .locate_or_pull("docker.io/team/app:v1", Err("own".into()), |error| {
            error.to_string()
        })
        .await;
    assert_eq!(own.err().as_deref(), Some("own"));

    // A corrupt layer is refused and never stored; a missing image is not found.
    let error = pull
        .pull(&registry, &format!("{host}/mirror/team/bad:v1"))
        .await
        .unwrap()
        .err()
        .expect("an error");
    assert!(
        error.to_string().contains("unexpected commit digest"),
        "{error}"
    );
    let served_bad = resolved_layer_digest(&upstream, "mirror/team/bad", &bad);
    assert_eq!(registry.blobs().size(&served_bad), None);
    let error = pull
        .pull(&registry, &format!("{host}/mirror/team/none:v1"))
        .await
        .unwrap()
        .err()
        .expect("an error");
    assert_eq!(
        error.to_string(),
        format!("{host}/mirror/team/none:v1: not found")
    );
    // Another registry is not the upstream's to serve.
    assert!(pull.pull(&registry, "quay.io/team/app:v1").await.is_none());

    // Pinned by the platform manifest's digest, the image comes from the cache with the
    // upstream gone; a tag needs the upstream.
    server.abort();
    let _ = server.await;
    // A new client: the old one's pooled connection would outlive the listener.
    let gone = PullThrough::new(
        UpstreamConfig::parse(&format!("http://{host}/mirror"), Some("user:pw")).unwrap(),
    );
    let by_digest = format!("{host}/mirror/team/app@{}", pinned.as_str());
    let located = gone.pull(&registry, &by_digest).await.unwrap().unwrap();
    assert_eq!(located.manifest_digest, pinned.as_str());
    let error = gone
        .pull(&registry, &format!("{host}/mirror/team/app:v1"))
        .await
        .unwrap()
        .err()
        .expect("an error");
    assert!(
        error.to_string().starts_with(&format!(
            "failed to do request: Get \"http://{host}/v2/mirror/team/app/manifests/v1\": "
        )),
        "{error}"
    );
}

/// The digest of the layer manifest `digest` of `name` names.
fn resolved_layer_digest(upstream: &Upstream, name: &str, digest: &Digest) -> Digest {
    let (_, bytes) = &upstream.manifests[&format!("{name}/{}", digest.as_str())];
    let manifest: Value = serde_json::from_slice(bytes).unwrap();
    Digest::parse(manifest["layers"][0]["digest"].as_str().unwrap()).unwrap()
}
