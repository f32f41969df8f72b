//! Finding a workload's image in the simulator's Artifact Registry:
//! `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE[:TAG|@DIGEST]` (also in the path form,
//! behind the simulator's own address) names that manifest of that docker repository. Any
//! other registry is out of reach (the simulator does not go online), so such an image cannot
//! be had, and the reason is worded as Cloud Run words an image it cannot find; with
//! `--registry-upstream`, the kit's registry pulls Docker Hub names and the upstream's own
//! host through it ([`ArtifactRegistry::find_image`]).
//!
//! Must not: go online, but to the configured upstream; read anything but the registry.

use std::sync::Arc;

use simkit::registry::Reference;
use simkit::runner::LocatedImage;
use simkit::runner::oci::image::RegistryImages;

use super::ArtifactRegistry;
use super::docker::{Caller, location_of_host};

/// An image reference split into registry host, repository name and reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName<'a> {
    pub host: Option<&'a str>,
    pub name: &'a str,
    pub reference: &'a str,
}

/// Splits `image` as Docker does: the first component is a host when it has a `.` or `:` or is
/// `localhost`; `@digest` wins over `:tag`; `latest` when neither is given. An Artifact
/// Registry host in second place (the path form, `127.0.0.1:4567/us-docker.pkg.dev/...`) is
/// the host.
pub fn split_image(image: &str) -> ImageName<'_> {
    let (mut host, mut rest) = match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first), rest)
        }
        _ => (None, image),
    };
    if let Some((second, after)) = rest.split_once('/')
        && location_of_host(second).is_some()
        && host.is_some_and(|h| location_of_host(h).is_none())
    {
        host = Some(second);
        rest = after;
    }
    if let Some((name, digest)) = rest.split_once('@') {
        let name = name.rsplit_once(':').map_or(name, |(name, _)| name);
        return ImageName {
            host,
            name,
            reference: digest,
        };
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rsplit_once(':') {
        Some((_, tag)) => ImageName {
            host,
            name: &rest[..rest.len() - tag.len() - 1],
            reference: tag,
        },
        None => ImageName {
            host,
            name: rest,
            reference: "latest",
        },
    }
}

impl ArtifactRegistry {
    /// Where a workload's `image` is: in Artifact Registry ([`ArtifactRegistry::locate_image`]),
    /// else pulled through the server's upstream registry by the kit's registry
    /// (`--registry-upstream`: Docker Hub names and the upstream's own host), or Cloud Run's
    /// reason it cannot be had (`Image '…' not found.`, with the pull's own reason after it
    /// when the upstream failed otherwise than not finding it).
    pub async fn find_image(&self, image: &str) -> Result<LocatedImage, String> {
        self.registry
            .locate_or_pull(image, self.locate_image(image), |error| match error {
                simkit::registry::upstream::PullError::NotFound(_) => {
                    format!("Image '{image}' not found.")
                }
                other => format!("Image '{image}' not found. {other}"),
            })
            .await
    }

    /// Where `image` is, or Cloud Run's reason it cannot be had.
    pub fn locate_image(&self, image: &str) -> Result<LocatedImage, String> {
        let parts = split_image(image);
        let not_found = |why: &str| format!("Image '{image}' not found.{why}");
        let Some(location) = parts.host.and_then(location_of_host) else {
            return Err(not_found(
                " Sockerless reaches no registry but its own Artifact Registry (LOCATION-docker.pkg.dev).",
            ));
        };
        self.access
            .check_access(location, parts.name, false, Caller::SignedIn)
            .map_err(|error| not_found(&format!(" {}", error.message)))?;
        let reference = Reference::parse(parts.reference).map_err(|_| not_found(""))?;
        let digest = self
            .registry
            .resolve(location, parts.name, &reference)
            .ok_or_else(|| not_found(""))?;
        if let Err(error) = self.registry.record_pull(location, parts.name, &digest) {
            tracing::debug!(%error, image, "could not record the pull time");
        }
        Ok(LocatedImage {
            store: Arc::new(RegistryImages {
                registry: self.registry.clone(),
                namespace: location.to_string(),
                name: parts.name.to_string(),
            }),
            manifest_digest: digest.as_str().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split() {
        let cases = [
            (
                "us-docker.pkg.dev/p/r/app:v1",
                (Some("us-docker.pkg.dev"), "p/r/app", "v1"),
            ),
            (
                "127.0.0.1:4567/us-docker.pkg.dev/p/r/team/app@sha256:ab",
                (Some("us-docker.pkg.dev"), "p/r/team/app", "sha256:ab"),
            ),
            ("busybox", (None, "busybox", "latest")),
            ("localhost:5000/a/b:1", (Some("localhost:5000"), "a/b", "1")),
        ];
        for (image, (host, name, reference)) in cases {
            assert_eq!(
                split_image(image),
                ImageName {
                    host,
                    name,
                    reference
                },
                "{image}"
            );
        }
    }
}
