//! Finding a Container Apps replica's image in the simulator's ACR, for workloads that run in
//! their image: `NAME.azurecr.io/REPO[:TAG|@DIGEST]` names manifest TAG (or DIGEST) of
//! repository REPO in registry NAME.
//!
//! Any other registry is out of reach (the simulator does not go online): such an image cannot
//! be had, and the reason says so in the words Container Apps uses for a failed pull. With
//! `--registry-upstream`, the kit's registry pulls Docker Hub names and the upstream's own host
//! through it ([`ContainerRegistries::find_image`]).

use std::sync::Arc;

use simkit::registry::Reference;
use simkit::registry::reference::split_image;
use simkit::runner::LocatedImage;
use simkit::runner::oci::image::RegistryImages;

use super::{ContainerRegistries, registry_of_host};

/// Where a workload's `image` is: in one of `registry`'s ACRs, else pulled through the
/// server's upstream registry; or Container Apps' reason it cannot be had. `None` for
/// `registry` is a simulator whose ACR is not connected.
pub async fn find_image(
    registry: Option<&ContainerRegistries>,
    image: &str,
) -> Result<LocatedImage, String> {
    match registry {
        Some(registry) => registry.find_image(image).await,
        None => Err(format!(
            "Failed to pull image \"{image}\": no registry is connected"
        )),
    }
}

impl ContainerRegistries {
    /// Where a workload's `image` is: in one of the simulator's registries
    /// ([`ContainerRegistries::locate_image`]), else pulled through the server's upstream
    /// registry by the kit's registry (`--registry-upstream`: Docker Hub names and the
    /// upstream's own host), or why it cannot be had, in Container Apps' words.
    pub async fn find_image(&self, image: &str) -> Result<LocatedImage, String> {
        self.registry
            .locate_or_pull(image, self.locate_image(image), |error| {
                format!("Failed to pull image \"{image}\": {error}")
            })
            .await
    }

    /// Where `image` is, or why it cannot be had.
    pub fn locate_image(&self, image: &str) -> Result<LocatedImage, String> {
        let parts = split_image(image);
        let failed = |why: String| format!("Failed to pull image \"{image}\": {why}");
        let host = parts.host.unwrap_or("docker.io");
        let Some(namespace) = registry_of_host(host).filter(|name| self.records.contains(name))
        else {
            return Err(failed(format!(
                "the Sockerless simulator reaches no registry but its own Azure Container Registries, and '{host}' is not one of them"
            )));
        };
        let not_found = || failed(format!("manifest for {image} not found: manifest unknown"));
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
