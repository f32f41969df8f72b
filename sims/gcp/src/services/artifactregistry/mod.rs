//! Artifact Registry's repositories (the v1 API): create, get, list, patch and delete, each
//! change answered as a long-running operation in the one operations store (so
//! `projects.locations.operations.get` serves them), records in the kit's store.
//!
//! What holds as in Artifact Registry: repository IDs are lowercase letters, digits and
//! hyphens, start with a letter, end with a letter or digit, at most 63 characters; a
//! repository needs a format; a second repository of the same name is 409 `the repository
//! already exists`; an unknown one is 404 `Requested entity was not found.`; a docker
//! repository's `registryUri` is `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`; listings page
//! by name.
//!
//! A docker repository's images live in simkit's OCI registry ([`docker`]: addressing,
//! credentials, access); [`packages`] shows them through the v1 API (packages, versions, tags,
//! `dockerImages`); [`pull`] finds them for workloads. Deleting a repository deletes its images.
//!
//! Limitations: IAM policies, cleanup policies, remote and virtual repositories are stored as
//! given and not enforced; formats other than DOCKER hold no artifacts (nothing serves their
//! protocols).
//!
//! Must not: see HTTP; read the clock except through the kit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_gcp_shapes::artifactregistry_v1::{
    ListRepositoriesResponse, Repository, RepositoryFormat, RepositoryMode,
};
use sim_gcp_shapes::run_v2::GoogleLongrunningOperation;
use simkit::Kit;
use simkit::store::Collection;

pub mod docker;
pub mod packages;
pub mod pull;

use std::sync::Arc;

use simkit::registry::Registry;

use crate::error::GcpError;
use crate::protocol::paging;
use crate::services::operations::{LongRunning, render};
use simkit::operations::Outcome;

const REPOSITORY_TYPE: &str = "type.googleapis.com/google.devtools.artifactregistry.v1.Repository";
const METADATA_TYPE: &str =
    "type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata";
const EMPTY_TYPE: &str = "type.googleapis.com/google.protobuf.Empty";

/// A repository as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepositoryRecord {
    pub repository: Repository,
}

/// Artifact Registry's state.
pub struct ArtifactRegistry {
    kit: Kit,
    repositories: Arc<Collection<RepositoryRecord>>,
    /// Packages of docker repositories: when each was first and last pushed to.
    packages: Arc<Collection<packages::PackageRecord>>,
    /// Where docker repositories' images are (simkit's registry, with [`docker::DockerAccess`]).
    registry: Arc<Registry>,
    access: Arc<docker::DockerAccess>,
    long_running: LongRunning,
}

fn not_found() -> GcpError {
    GcpError::not_found("Requested entity was not found.")
}

fn parse_parent(parent: &str) -> Result<(String, String), GcpError> {
    match parent.split('/').collect::<Vec<_>>().as_slice() {
        ["projects", project, "locations", location]
            if !project.is_empty() && !location.is_empty() =>
        {
            Ok(((*project).to_string(), (*location).to_string()))
        }
        _ => Err(GcpError::invalid(format!("Invalid parent: {parent}"))),
    }
}

fn parse_name(name: &str) -> Result<(String, String, String), GcpError> {
    match name.split('/').collect::<Vec<_>>().as_slice() {
        [
            "projects",
            project,
            "locations",
            location,
            "repositories",
            repository,
        ] if !project.is_empty() && !location.is_empty() && !repository.is_empty() => Ok((
            (*project).to_string(),
            (*location).to_string(),
            (*repository).to_string(),
        )),
        _ => Err(GcpError::invalid(format!(
            "Invalid repository name: {name}"
        ))),
    }
}

/// Artifact Registry's rule for repository IDs.
fn check_repository_id(id: &str) -> Result<(), GcpError> {
    let valid = !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(GcpError::invalid(format!(
            "Invalid repository ID \"{id}\": it must start with a lowercase letter, end with a lowercase letter or digit, contain only lowercase letters, digits and hyphens, and be at most 63 characters long."
        )))
    }
}

fn with_type(value: &impl Serialize, type_url: &str) -> Value {
    let mut json = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut json {
        map.insert("@type".into(), Value::String(type_url.into()));
    }
    json
}

impl ArtifactRegistry {
    pub fn new(kit: Kit, long_running: LongRunning) -> Result<Arc<Self>, GcpError> {
        let repositories = kit.store().collection("artifactregistry.repositories")?;
        let access = Arc::new(docker::DockerAccess::new(
            kit.clone(),
            Arc::clone(&repositories),
        )?);
        let registry = Registry::open(kit.clone(), access.clone()).map_err(|error| {
            tracing::error!(%error, "could not open the registry");
            GcpError::internal()
        })?;
        Ok(Arc::new(Self {
            packages: kit.store().collection("artifactregistry.packages")?,
            repositories,
            registry,
            access,
            long_running,
            kit,
        }))
    }

    /// The registry docker repositories' images are in.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The registry's credentials and access rules.
    pub fn docker_access(&self) -> &Arc<docker::DockerAccess> {
        &self.access
    }

    fn now(&self) -> String {
        crate::time::rfc3339_nanos(time::OffsetDateTime::from(self.kit.clock().now()))
    }

    /// An operation whose work is done, with `response`.
    fn finished(
        &self,
        parent: &str,
        response: Value,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let name = format!("{parent}/operations/{}", self.kit.ids().uuid());
        let operations = &self.long_running.operations;
        let metadata = serde_json::json!({ "@type": METADATA_TYPE });
        operations
            .begin(&name, metadata)
            .map_err(|_| GcpError::internal())?;
        operations
            .finish(&name, Outcome::Response(response))
            .map(render)
            .map_err(|_| GcpError::internal())
    }

    /// `repositories.create`.
    pub fn create_repository(
        &self,
        parent: &str,
        repository_id: &str,
        mut repository: Repository,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let (project, location) = parse_parent(parent)?;
        check_repository_id(repository_id)?;
        let format = match repository.format {
            None | Some(RepositoryFormat::FormatUnspecified) => {
                return Err(GcpError::invalid("Repository format must be specified."));
            }
            Some(format) => format,
        };
        let name = format!("{parent}/repositories/{repository_id}");
        let now = self.now();
        repository.name = Some(name.clone());
        repository.create_time = Some(now.clone());
        repository.update_time = Some(now);
        repository.size_bytes = Some(0);
        // An unspecified mode is a standard repository, as Artifact Registry records it.
        if matches!(
            repository.mode,
            None | Some(RepositoryMode::ModeUnspecified)
        ) {
            repository.mode = Some(RepositoryMode::StandardRepository);
        }
        repository.satisfies_pzi = None;
        repository.satisfies_pzs = None;
        let host = format.name().to_ascii_lowercase();
        repository.registry_uri = Some(format!(
            "{location}-{host}.pkg.dev/{project}/{repository_id}"
        ));
        self.repositories.modify(&name, |slot| {
            if slot.is_some() {
                return Err(GcpError::conflict("the repository already exists"));
            }
            *slot = Some(RepositoryRecord {
                repository: repository.clone(),
            });
            Ok(())
        })?;
        self.finished(parent, with_type(&repository, REPOSITORY_TYPE))
    }

    pub fn get_repository(&self, name: &str) -> Result<Repository, GcpError> {
        parse_name(name)?;
        self.repositories
            .get(name)
            .map(|record| record.repository)
            .ok_or_else(not_found)
    }

    pub fn list_repositories(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<ListRepositoriesResponse, GcpError> {
        parse_parent(parent)?;
        let size = paging::page_size(page_size, 1000, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let mut repositories: Vec<(String, Repository)> = self
            .repositories
            .scan_prefix(&format!("{parent}/repositories/"))
            .into_iter()
            .filter(|(key, _)| resume.as_ref().is_none_or(|last| key > last))
            .map(|(key, record)| (key, record.repository))
            .collect();
        let more = repositories.len() > size;
        repositories.truncate(size);
        Ok(ListRepositoriesResponse {
            next_page_token: more
                .then(|| repositories.last().map(|(key, _)| paging::token(key)))
                .flatten(),
            repositories: (!repositories.is_empty())
                .then(|| repositories.into_iter().map(|(_, r)| r).collect()),
        })
    }

    /// `repositories.patch`: description, labels and the policies named by `updateMask` (all
    /// of them without one); the name, format and mode never change.
    pub fn patch_repository(
        &self,
        name: &str,
        patch: Repository,
        update_mask: Option<&str>,
    ) -> Result<Repository, GcpError> {
        parse_name(name)?;
        let fields: Option<Vec<String>> = update_mask.map(|mask| {
            mask.split(',')
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect()
        });
        let wants = |field: &str| fields.as_ref().is_none_or(|f| f.iter().any(|x| x == field));
        for field in fields.iter().flatten() {
            let known = [
                "description",
                "labels",
                "cleanup_policies",
                "cleanupPolicies",
                "cleanup_policy_dry_run",
                "cleanupPolicyDryRun",
                "docker_config",
                "dockerConfig",
            ];
            if !known.contains(&field.as_str()) {
                return Err(GcpError::invalid(format!(
                    "Invalid update_mask path: {field}"
                )));
            }
        }
        let now = self.now();
        self.repositories.modify(name, |slot| {
            let record = slot.as_mut().ok_or_else(not_found)?;
            let repository = &mut record.repository;
            if wants("description") {
                repository.description = patch.description.clone();
            }
            if wants("labels") {
                repository.labels = patch
                    .labels
                    .clone()
                    .filter(|l: &BTreeMap<_, _>| !l.is_empty());
            }
            if wants("cleanup_policies") || wants("cleanupPolicies") {
                repository.cleanup_policies = patch.cleanup_policies.clone();
            }
            if wants("cleanup_policy_dry_run") || wants("cleanupPolicyDryRun") {
                repository.cleanup_policy_dry_run = patch.cleanup_policy_dry_run;
            }
            if wants("docker_config") || wants("dockerConfig") {
                repository.docker_config = patch.docker_config.clone();
            }
            repository.update_time = Some(now.clone());
            Ok(repository.clone())
        })
    }

    /// `repositories.delete`.
    pub fn delete_repository(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let (project, location, _) = parse_name(name)?;
        self.get_repository(name)?;
        self.delete_contents(name)?;
        self.repositories.modify(name, |slot| {
            if slot.take().is_none() {
                return Err(not_found());
            }
            Ok(())
        })?;
        self.finished(
            &format!("projects/{project}/locations/{location}"),
            serde_json::json!({ "@type": EMPTY_TYPE }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_ids_follow_the_rule() {
        for good in ["r", "repo-1", "a1"] {
            assert!(check_repository_id(good).is_ok(), "{good}");
        }
        for bad in ["", "1repo", "Repo", "repo-", "re_po", &"a".repeat(64)] {
            assert!(check_repository_id(bad).is_err(), "{bad}");
        }
        assert!(parse_name("projects/p/locations/l/repositories/r").is_ok());
        assert!(parse_name("projects/p/locations/l/repositories").is_err());
    }
}
