//! Finding an ECS task's image in the simulator's registry, for workloads that run in their
//! image: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@DIGEST]` names manifest TAG (or
//! DIGEST) of repository NAME in that account's registry in that region. A pull records the
//! image's last pull time, as ECR does.
//!
//! Any other registry is out of reach (the simulator does not go online): such an image
//! cannot be had, and the reason says so in containerd's words, as ECS reports pull failures.
//! With `--registry-upstream`, images of Docker Hub and of the upstream's own host are pulled
//! through it by the kit's registry into its cache namespace ([`Ecr::workload_image`]), and their
//! failures are worded the same way.

use std::sync::Arc;

use simkit::registry::Reference;
use simkit::runner::LocatedImage;
use simkit::runner::oci::image::RegistryImages;

use super::Ecr;

// Image references split as Docker splits them, in the one place every provider shares.
use simkit::registry::reference::split_image;

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

impl Ecr {
    /// Where a task's `image` is: in ECR ([`Ecr::locate_image`]), else pulled through the
    /// server's upstream registry by the kit's registry (`--registry-upstream`), or why it
    /// cannot be had (the tail of ECS's `CannotPullContainerError`).
    pub async fn workload_image(&self, image: &str) -> Result<LocatedImage, String> {
        self.registry
            .locate_or_pull(image, self.locate_image(image), |error| {
                format!(
                    "pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {error}"
                )
            })
            .await
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
}
