//! Finding an ECS task's image in the simulator's registry, for workloads that run in their
//! image: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@DIGEST]` names manifest TAG (or
//! DIGEST) of repository NAME in that account's registry in that region. A pull records the
//! image's last pull time, as ECR does.
//!
//! Any other registry is out of reach (the simulator does not go online): such an image
//! cannot be had, and the reason says so in containerd's words, as ECS reports pull failures.

use std::sync::Arc;

use simkit::registry::Reference;
use simkit::runner::LocatedImage;
use simkit::runner::oci::image::RegistryImages;

use super::Ecr;

/// An image reference split into registry host, repository name and reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName<'a> {
    pub host: Option<&'a str>,
    pub name: &'a str,
    pub reference: &'a str,
}

/// Splits `image` as Docker does: the first component is a host when it has a `.` or `:` or is
/// `localhost`; `@digest` wins over `:tag`; `latest` when neither is given.
pub fn split_image(image: &str) -> ImageName<'_> {
    let (host, rest) = match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first), rest)
        }
        _ => (None, image),
    };
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

/// Whether `image` names an image in an ECR registry as Lambda takes one: an ECR registry
/// host, a repository, and an explicit tag or digest (Lambda does not assume `latest`).
pub fn names_ecr_image(image: &str) -> bool {
    let parts = split_image(image);
    let explicit = image.contains('@')
        || image
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'));
    explicit
        && !parts.name.is_empty()
        && parts
            .host
            .is_some_and(|host| super::access::parse_registry_host(host).is_some())
}

/// `image` with its tag replaced by `digest`: `HOST/NAME@sha256:...`.
pub fn pinned_image(image: &str, digest: &str) -> String {
    let parts = split_image(image);
    match parts.host {
        Some(host) => format!("{host}/{}@{digest}", parts.name),
        None => format!("{}@{digest}", parts.name),
    }
}

impl Ecr {
    /// Where `image` is, or why it cannot be had (the tail of ECS's `CannotPullContainerError`).
    pub fn locate_image(&self, image: &str) -> Result<LocatedImage, String> {
        let parts = split_image(image);
        let failed = |why: String| {
            format!(
                "pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {why}"
            )
        };
        let host = parts.host.unwrap_or("docker.io");
        let Some((account, region)) = super::access::parse_registry_host(host) else {
            return Err(failed(format!(
                "failed to do request: Head \"https://{host}/v2/{}/manifests/{}\": Sockerless reaches no registry but its own ECR registries",
                parts.name, parts.reference
            )));
        };
        let namespace = format!("{account}/{region}");
        let not_found = || failed(format!("{image}: not found"));
        let reference = Reference::parse(parts.reference).map_err(|_| not_found())?;
        let digest = self
            .registry
            .resolve(&namespace, parts.name, &reference)
            .ok_or_else(not_found)?;
        if let Err(error) = self.registry.record_pull(&namespace, parts.name, &digest) {
            tracing::debug!(%error, image, "could not record the pull time");
        }
        Ok(LocatedImage {
            store: Arc::new(RegistryImages {
                registry: self.registry.clone(),
                namespace,
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
    fn lambda_takes_ecr_images_with_a_tag_or_digest() {
        let host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        assert_eq!(
            [
                format!("{host}/app:v1"),
                format!("{host}/team/app@sha256:ab"),
                format!("{host}/app"),
                "app:v1".to_string(),
                "localhost:5000/app:v1".to_string(),
                format!("{host}/:v1"),
            ]
            .map(|image| names_ecr_image(&image)),
            [true, true, false, false, false, false]
        );
        assert_eq!(
            pinned_image(&format!("{host}/team/app:v1"), "sha256:ab"),
            format!("{host}/team/app@sha256:ab")
        );
    }

    #[test]
    fn image_references_split_as_docker_splits_them() {
        let cases = [
            ("busybox", (None, "busybox", "latest")),
            ("localhost:5000/a/b:1", (Some("localhost:5000"), "a/b", "1")),
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v2",
                (
                    Some("123456789012.dkr.ecr.us-east-1.amazonaws.com"),
                    "team/app",
                    "v2",
                ),
            ),
            (
                "host.example/app:v1@sha256:abcd",
                (Some("host.example"), "app", "sha256:abcd"),
            ),
            ("library/nginx", (None, "library/nginx", "latest")),
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
