//! Manifests: the media types a registry takes (OCI image manifest and index, Docker v2 schema
//! 2 manifest and manifest list) and what a manifest references (config and layers, or an
//! index's manifests), its subject and artifact type. Pure parsing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{Code, RegistryError};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// What a manifest lists: an image's blobs or an index's manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Index,
}

/// A content descriptor, as far as the registry needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    pub media_type: Option<String>,
    pub digest: String,
    pub size: u64,
    /// Foreign layers (`urls`) are fetched from elsewhere, so need not be in the registry.
    #[serde(default)]
    pub urls: Vec<String>,
}

impl Descriptor {
    pub fn has_urls(&self) -> bool {
        !self.urls.is_empty()
    }
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub kind: Kind,
    pub media_type: String,
    pub references: Vec<Descriptor>,
    pub subject: Option<String>,
    pub artifact_type: Option<String>,
    pub config_media_type: Option<String>,
    pub layers_size: u64,
}

fn invalid(message: impl Into<String>) -> RegistryError {
    RegistryError::with_message(Code::ManifestInvalid, message)
}

fn descriptor(value: &Value) -> Result<Descriptor, RegistryError> {
    let digest = value
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("manifest invalid: descriptor without a digest"))?;
    super::reference::Digest::parse(digest)
        .map_err(|_| invalid(format!("manifest invalid: bad digest {digest:?}")))?;
    let size = value
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("manifest invalid: descriptor without a size"))?;
    Ok(Descriptor {
        media_type: value
            .get("mediaType")
            .and_then(Value::as_str)
            .map(String::from),
        digest: digest.to_string(),
        size,
        urls: value
            .get("urls")
            .and_then(Value::as_array)
            .map(|urls| {
                urls.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Parses `bytes`, sent with `content_type` (which wins over the body's `mediaType`, as
/// registries take the header).
pub fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Parsed, RegistryError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|error| invalid(format!("manifest invalid: {error}")))?;
    if !value.is_object() {
        return Err(invalid("manifest invalid: not a JSON object"));
    }
    let declared = value.get("mediaType").and_then(Value::as_str);
    let header = content_type
        .map(|c| c.split(';').next().unwrap_or(c).trim())
        .filter(|c| !c.is_empty() && *c != "application/json" && *c != "application/octet-stream");
    let media_type = match (header, declared) {
        (Some(header), _) => header.to_string(),
        (None, Some(declared)) => declared.to_string(),
        // An OCI manifest may leave its media type out; what it holds tells which it is.
        (None, None) if value.get("manifests").is_some() => OCI_INDEX.to_string(),
        (None, None) if value.get("layers").is_some() || value.get("config").is_some() => {
            OCI_MANIFEST.to_string()
        }
        (None, None) => return Err(invalid("manifest invalid: unknown media type")),
    };
    if let Some(declared) = declared
        && declared != media_type
    {
        return Err(invalid(format!(
            "manifest invalid: mediaType {declared} does not match Content-Type {media_type}"
        )));
    }
    if value.get("schemaVersion").and_then(Value::as_u64) != Some(2) {
        return Err(invalid("manifest invalid: schemaVersion must be 2"));
    }
    let kind = match media_type.as_str() {
        OCI_MANIFEST | DOCKER_MANIFEST => Kind::Image,
        OCI_INDEX | DOCKER_LIST => Kind::Index,
        other => {
            return Err(invalid(format!(
                "manifest invalid: unsupported media type {other}"
            )));
        }
    };
    let subject = match value.get("subject") {
        Some(subject) => Some(descriptor(subject)?.digest),
        None => None,
    };
    let artifact_type = value
        .get("artifactType")
        .and_then(Value::as_str)
        .map(String::from);
    let mut references = Vec::new();
    let mut config_media_type = None;
    let mut layers_size = 0;
    match kind {
        Kind::Image => {
            let config = value
                .get("config")
                .ok_or_else(|| invalid("manifest invalid: no config"))?;
            let config = descriptor(config)?;
            config_media_type = config.media_type.clone();
            references.push(config);
            let layers = value
                .get("layers")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("manifest invalid: no layers"))?;
            for layer in layers {
                let layer = descriptor(layer)?;
                layers_size += layer.size;
                references.push(layer);
            }
        }
        Kind::Index => {
            let manifests = value
                .get("manifests")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("manifest invalid: no manifests"))?;
            for child in manifests {
                references.push(descriptor(child)?);
            }
        }
    }
    Ok(Parsed {
        kind,
        media_type,
        references,
        subject,
        artifact_type,
        config_media_type,
        layers_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn check(body: &str, content_type: Option<&str>) -> Result<(Kind, String, usize, u64), Code> {
        parse(body.as_bytes(), content_type)
            .map(|p| (p.kind, p.media_type, p.references.len(), p.layers_size))
            .map_err(|e| e.code)
    }

    #[test]
    fn manifests() {
        let image = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"c","digest":"{D}","size":2}},"layers":[{{"digest":"{D}","size":5}},{{"digest":"{D}","size":7}}]}}"#
        );
        assert_eq!(
            check(&image, None),
            Ok((Kind::Image, OCI_MANIFEST.into(), 3, 12))
        );
        assert_eq!(
            check(&image, Some(OCI_MANIFEST)),
            Ok((Kind::Image, OCI_MANIFEST.into(), 3, 12))
        );
        assert_eq!(
            check(&image, Some(DOCKER_MANIFEST)),
            Err(Code::ManifestInvalid)
        );
        let index = format!(r#"{{"schemaVersion":2,"manifests":[{{"digest":"{D}","size":1}}]}}"#);
        assert_eq!(
            check(&index, Some(DOCKER_LIST)),
            Ok((Kind::Index, DOCKER_LIST.into(), 1, 0))
        );
        assert_eq!(
            check(&index, None),
            Ok((Kind::Index, OCI_INDEX.into(), 1, 0))
        );
        assert_eq!(check("[]", None), Err(Code::ManifestInvalid));
        assert_eq!(check("{", None), Err(Code::ManifestInvalid));
        assert_eq!(
            check(r#"{"schemaVersion":1,"layers":[]}"#, None),
            Err(Code::ManifestInvalid)
        );
        let bad_digest =
            r#"{"schemaVersion":2,"config":{"digest":"sha256:zz","size":1},"layers":[]}"#;
        assert_eq!(check(bad_digest, None), Err(Code::ManifestInvalid));
    }
}
