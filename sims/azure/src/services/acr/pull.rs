//! Finding a Container Apps replica's image in the simulator's ACR, for workloads that run in
//! their image: `NAME.azurecr.io/REPO[:TAG|@DIGEST]` names manifest TAG (or DIGEST) of
//! repository REPO in registry NAME.
//!
//! Any other registry is out of reach (the simulator does not go online): such an image cannot
//! be had, and the reason says so in the words Container Apps uses for a failed pull.

use std::sync::Arc;

use simkit::registry::Reference;
use simkit::registry::reference::split_image;
use simkit::runner::LocatedImage;
use simkit::runner::oci::image::RegistryImages;

use super::{ContainerRegistries, registry_of_host};

impl ContainerRegistries {
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
