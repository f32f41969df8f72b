//! What a docker repository holds, as Artifact Registry's v1 API shows it: packages (one per
//! image name), versions (one per manifest, named by digest), tags, and `dockerImages`, all
//! read from simkit's registry, so they show exactly what was pushed.
//!
//! Names: a package ID is the image name with `/` written `%2F`
//! (`projects/P/locations/L/repositories/R/packages/team%2Fapp`); a version is
//! `.../packages/PKG/versions/sha256:...`; a tag `.../packages/PKG/tags/TAG` whose `version`
//! names its version; a docker image `.../repositories/R/dockerImages/PKG@sha256:...` with its
//! `uri` `L-docker.pkg.dev/P/R/IMAGE@sha256:...`. A package's create time is its first push and
//! its update time its last; a version's create and update times are its push time.
//!
//! Deleting a package or a version answers a finished long-running operation, as Artifact
//! Registry does; a version that has tags is kept unless `force` is set. Listings are ordered by
//! name (docker images also by `upload_time` or `update_time`, ascending or `desc`) and paged
//! with opaque tokens.
//!
//! Limitations: `filter` on packages and versions and `orderBy` on packages and versions answer
//! INVALID_ARGUMENT naming them (only the tag filter `version="..."` is read); `buildTime` is not
//! read from image configs; sizes are the sum of what a manifest references (config and layers,
//! or an index's manifests).
//!
//! Must not: see HTTP; change the registry other than through its own methods.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_gcp_shapes::artifactregistry_v1::{
    DockerImage, ListDockerImagesResponse, ListPackagesResponse, ListTagsResponse,
    ListVersionsResponse, Package, Tag, Version,
};
use sim_gcp_shapes::run_v2::GoogleLongrunningOperation;
use simkit::registry::{Digest, Image, Reference};

use super::docker::repository_resource;
use super::{ArtifactRegistry, EMPTY_TYPE, not_found, parse_name};
use crate::error::GcpError;
use crate::protocol::paging;

/// A package's record: when it was first and last pushed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageRecord {
    pub create_time: String,
    pub update_time: String,
}

/// The image name in a package ID: `/` as `%2F`.
pub fn package_id(image: &str) -> String {
    image.replace('/', "%2F")
}

/// A package named in a request (its ID may arrive decoded, with `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageName {
    pub project: String,
    pub location: String,
    pub repository: String,
    /// The image name, with `/`.
    pub image: String,
}

impl PackageName {
    pub fn repository_resource(&self) -> String {
        repository_resource(&self.location, &self.project, &self.repository)
    }

    pub fn resource(&self) -> String {
        format!(
            "{}/packages/{}",
            self.repository_resource(),
            package_id(&self.image)
        )
    }

    /// The registry's repository name: `PROJECT/REPOSITORY/IMAGE`.
    pub fn registry_name(&self) -> String {
        format!("{}/{}/{}", self.project, self.repository, self.image)
    }

    fn uri(&self, digest: &str) -> String {
        format!(
            "{}-docker.pkg.dev/{}/{}/{}@{digest}",
            self.location, self.project, self.repository, self.image
        )
    }

    fn docker_image_name(&self, digest: &str) -> String {
        format!(
            "{}/dockerImages/{}@{digest}",
            self.repository_resource(),
            package_id(&self.image)
        )
    }
}

/// `projects/P/locations/L/repositories/R/packages/IMAGE`.
pub fn parse_package(name: &str) -> Result<PackageName, GcpError> {
    let invalid = || GcpError::invalid(format!("Invalid package name: {name}"));
    let (repository, image) = name.split_once("/packages/").ok_or_else(invalid)?;
    let (project, location, repository) = parse_name(repository).map_err(|_| invalid())?;
    let image = image.replace("%2F", "/").replace("%2f", "/");
    if image.is_empty() || image.split('/').any(str::is_empty) {
        return Err(invalid());
    }
    Ok(PackageName {
        project,
        location,
        repository,
        image,
    })
}

/// `PACKAGE/versions/DIGEST`.
fn parse_version(name: &str) -> Result<(PackageName, Digest), GcpError> {
    let (package, version) = name
        .rsplit_once("/versions/")
        .ok_or_else(|| GcpError::invalid(format!("Invalid version name: {name}")))?;
    let digest = Digest::parse(version)
        .map_err(|_| GcpError::invalid(format!("Invalid version name: {name}")))?;
    Ok((parse_package(package)?, digest))
}

/// `PACKAGE/tags/TAG`.
fn parse_tag(name: &str) -> Result<(PackageName, String), GcpError> {
    let (package, tag) = name
        .rsplit_once("/tags/")
        .ok_or_else(|| GcpError::invalid(format!("Invalid tag name: {name}")))?;
    if !simkit::registry::reference::valid_tag(tag) {
        return Err(GcpError::invalid(format!("Invalid tag name: {name}")));
    }
    Ok((parse_package(package)?, tag.to_string()))
}

fn millis_to_rfc3339(millis: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    crate::time::rfc3339_nanos(at)
}

fn image_size(image: &Image) -> i64 {
    let total: u64 = image
        .manifest
        .references
        .iter()
        .map(|descriptor| descriptor.size)
        .sum();
    i64::try_from(total).unwrap_or(i64::MAX)
}

/// One page of `items` (already in order), resuming after the position a token holds.
fn page_of<T>(
    items: Vec<T>,
    page_size: Option<i64>,
    page_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), GcpError> {
    let size = paging::page_size(page_size, 100, 1000)?;
    let start = match paging::resume_after(page_token)? {
        None => 0,
        Some(position) => position
            .parse::<usize>()
            .map_err(|_| GcpError::invalid("Invalid page token."))?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let end = start + page.len();
    let next = (end < total).then(|| paging::token(&end.to_string()));
    Ok((page, next))
}

fn not_supported(parameter: &str) -> GcpError {
    GcpError::invalid(format!(
        "The {parameter} parameter is not supported by the Sockerless simulator for this method."
    ))
}

impl ArtifactRegistry {
    fn images_of(&self, package: &PackageName) -> Vec<Image> {
        self.registry
            .images(&package.location, &package.registry_name())
    }

    fn package_record(&self, package: &PackageName) -> Result<PackageRecord, GcpError> {
        self.get_repository(&package.repository_resource())?;
        self.packages.get(&package.resource()).ok_or_else(not_found)
    }

    /// Records a push of a manifest into registry repository `name` of `location`.
    pub fn record_push(&self, location: &str, name: &str) -> Result<(), GcpError> {
        let Some((project, repository, image)) = super::docker::split_name(name) else {
            return Ok(());
        };
        let package = PackageName {
            project: project.into(),
            location: location.into(),
            repository: repository.into(),
            image: image.into(),
        };
        let now = self.now();
        self.packages.modify(&package.resource(), |slot| {
            let record = slot.get_or_insert_with(|| PackageRecord {
                create_time: now.clone(),
                update_time: now.clone(),
            });
            record.update_time = now.clone();
            Ok::<_, GcpError>(())
        })
    }

    /// Drops the package of registry repository `name` once it holds no manifest.
    pub fn forget_if_empty(&self, location: &str, name: &str) -> Result<(), GcpError> {
        let Some((project, repository, image)) = super::docker::split_name(name) else {
            return Ok(());
        };
        let package = PackageName {
            project: project.into(),
            location: location.into(),
            repository: repository.into(),
            image: image.into(),
        };
        if self.images_of(&package).is_empty() {
            self.packages.remove(&package.resource())?;
        }
        Ok(())
    }

    /// Every package of a repository, by name.
    fn packages_of(&self, repository: &str) -> Result<Vec<PackageName>, GcpError> {
        self.packages
            .scan_prefix(&format!("{repository}/packages/"))
            .into_iter()
            .map(|(key, _)| parse_package(&key))
            .collect()
    }

    /// Removes what the registry holds for a repository being deleted.
    pub(super) fn delete_contents(&self, repository: &str) -> Result<(), GcpError> {
        for package in self.packages_of(repository)? {
            self.registry
                .delete_repository(&package.location, &package.registry_name())
                .map_err(|_| GcpError::internal())?;
            self.packages.remove(&package.resource())?;
        }
        Ok(())
    }

    fn render_package(package: &PackageName, record: PackageRecord) -> Package {
        Package {
            name: Some(package.resource()),
            create_time: Some(record.create_time),
            update_time: Some(record.update_time),
            ..Default::default()
        }
    }

    /// `packages.list`.
    pub fn list_packages(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
        filter: Option<&str>,
        order_by: Option<&str>,
    ) -> Result<ListPackagesResponse, GcpError> {
        if filter.is_some_and(|f| !f.is_empty()) {
            return Err(not_supported("filter"));
        }
        if order_by.is_some_and(|o| !o.is_empty()) {
            return Err(not_supported("orderBy"));
        }
        self.get_repository(parent)?;
        let records: Vec<(String, PackageRecord)> =
            self.packages.scan_prefix(&format!("{parent}/packages/"));
        let (page, next) = page_of(records, page_size, page_token)?;
        let packages = page
            .into_iter()
            .map(|(key, record)| Ok(Self::render_package(&parse_package(&key)?, record)))
            .collect::<Result<Vec<_>, GcpError>>()?;
        Ok(ListPackagesResponse {
            packages: (!packages.is_empty()).then_some(packages),
            next_page_token: next,
        })
    }

    /// `packages.get`.
    pub fn get_package(&self, name: &str) -> Result<Package, GcpError> {
        let package = parse_package(name)?;
        let record = self.package_record(&package)?;
        Ok(Self::render_package(&package, record))
    }

    /// `packages.delete`: every version and tag with it.
    pub fn delete_package(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let package = parse_package(name)?;
        self.package_record(&package)?;
        self.registry
            .delete_repository(&package.location, &package.registry_name())
            .map_err(|_| GcpError::internal())?;
        self.packages.remove(&package.resource())?;
        self.finished(
            &format!(
                "projects/{}/locations/{}",
                package.project, package.location
            ),
            serde_json::json!({ "@type": EMPTY_TYPE }),
        )
    }

    fn tag(package: &PackageName, tag: &str, digest: &str) -> Tag {
        Tag {
            name: Some(format!("{}/tags/{tag}", package.resource())),
            version: Some(format!("{}/versions/{digest}", package.resource())),
        }
    }

    fn render_version(package: &PackageName, image: &Image, full: bool) -> Version {
        let pushed = millis_to_rfc3339(image.manifest.pushed_at);
        let digest = image.digest.as_str();
        let mut metadata = BTreeMap::new();
        metadata.insert(
            "name".to_string(),
            Value::String(package.docker_image_name(digest)),
        );
        metadata.insert(
            "imageSizeBytes".to_string(),
            Value::String(image_size(image).to_string()),
        );
        metadata.insert(
            "mediaType".to_string(),
            Value::String(image.manifest.media_type.clone()),
        );
        let related: Vec<Tag> = image
            .tags
            .iter()
            .map(|tag| Self::tag(package, tag, digest))
            .collect();
        Version {
            name: Some(format!("{}/versions/{digest}", package.resource())),
            create_time: Some(pushed.clone()),
            update_time: Some(pushed),
            related_tags: (full && !related.is_empty()).then_some(related),
            metadata: full.then_some(metadata),
            ..Default::default()
        }
    }

    fn full_view(view: Option<&str>) -> Result<bool, GcpError> {
        match view {
            None
            | Some("")
            | Some("BASIC")
            | Some("VERSION_VIEW_UNSPECIFIED")
            | Some("0")
            | Some("1") => Ok(false),
            Some("FULL") | Some("2") => Ok(true),
            Some(other) => Err(GcpError::invalid(format!(
                "Invalid value at 'view' (type.googleapis.com/google.devtools.artifactregistry.v1.VersionView), \"{other}\""
            ))),
        }
    }

    /// `versions.list`.
    pub fn list_versions(
        &self,
        parent: &str,
        view: Option<&str>,
        page_size: Option<i64>,
        page_token: Option<&str>,
        filter: Option<&str>,
        order_by: Option<&str>,
    ) -> Result<ListVersionsResponse, GcpError> {
        if filter.is_some_and(|f| !f.is_empty()) {
            return Err(not_supported("filter"));
        }
        if order_by.is_some_and(|o| !o.is_empty()) {
            return Err(not_supported("orderBy"));
        }
        let full = Self::full_view(view)?;
        let package = parse_package(parent)?;
        self.package_record(&package)?;
        let (page, next) = page_of(self.images_of(&package), page_size, page_token)?;
        let versions: Vec<Version> = page
            .iter()
            .map(|image| Self::render_version(&package, image, full))
            .collect();
        Ok(ListVersionsResponse {
            versions: (!versions.is_empty()).then_some(versions),
            next_page_token: next,
        })
    }

    fn find_version(&self, name: &str) -> Result<(PackageName, Image), GcpError> {
        let (package, digest) = parse_version(name)?;
        self.package_record(&package)?;
        let image = self
            .images_of(&package)
            .into_iter()
            .find(|image| image.digest == digest)
            .ok_or_else(not_found)?;
        Ok((package, image))
    }

    /// `versions.get`.
    pub fn get_version(&self, name: &str, view: Option<&str>) -> Result<Version, GcpError> {
        let full = Self::full_view(view)?;
        let (package, image) = self.find_version(name)?;
        Ok(Self::render_version(&package, &image, full))
    }

    /// `versions.delete`: a tagged version only with `force`, and its tags with it.
    pub fn delete_version(
        &self,
        name: &str,
        force: bool,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let (package, image) = self.find_version(name)?;
        if !image.tags.is_empty() && !force {
            return Err(GcpError::failed_precondition(format!(
                "Version {name} has tags ({}); delete them first or set force to delete them with it.",
                image.tags.join(", ")
            )));
        }
        self.registry
            .delete_manifest(&package.location, &package.registry_name(), &image.digest)
            .map_err(|_| GcpError::internal())?;
        self.forget_if_empty(&package.location, &package.registry_name())?;
        self.finished(
            &format!(
                "projects/{}/locations/{}",
                package.project, package.location
            ),
            serde_json::json!({ "@type": EMPTY_TYPE }),
        )
    }

    fn tags_of(&self, package: &PackageName) -> Vec<(String, String)> {
        let mut tags: Vec<(String, String)> = self
            .images_of(package)
            .into_iter()
            .flat_map(|image| {
                let digest = image.digest.to_string();
                image.tags.into_iter().map(move |tag| (tag, digest.clone()))
            })
            .collect();
        tags.sort();
        tags
    }

    /// `tags.list`; the filter `version="VERSION NAME"` is read.
    pub fn list_tags(
        &self,
        parent: &str,
        filter: Option<&str>,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<ListTagsResponse, GcpError> {
        let package = parse_package(parent)?;
        let wanted_version = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(filter) => {
                let value = filter
                    .strip_prefix("version")
                    .map(str::trim_start)
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(|rest| rest.trim().trim_matches('"').to_string())
                    .ok_or_else(|| not_supported("filter (other than version=\"...\")"))?;
                Some(value)
            }
        };
        self.package_record(&package)?;
        let tags: Vec<Tag> = self
            .tags_of(&package)
            .into_iter()
            .map(|(tag, digest)| Self::tag(&package, &tag, &digest))
            .filter(|tag| {
                wanted_version
                    .as_ref()
                    .is_none_or(|wanted| tag.version.as_ref() == Some(wanted))
            })
            .collect();
        let (tags, next) = page_of(tags, page_size, page_token)?;
        Ok(ListTagsResponse {
            tags: (!tags.is_empty()).then_some(tags),
            next_page_token: next,
        })
    }

    /// `tags.get`.
    pub fn get_tag(&self, name: &str) -> Result<Tag, GcpError> {
        let (package, tag) = parse_tag(name)?;
        self.package_record(&package)?;
        let digest = self
            .registry
            .resolve(
                &package.location,
                &package.registry_name(),
                &Reference::Tag(tag.clone()),
            )
            .ok_or_else(not_found)?;
        Ok(Self::tag(&package, &tag, digest.as_str()))
    }

    /// `tags.delete`: the version stays.
    pub fn delete_tag(&self, name: &str) -> Result<serde_json::Map<String, Value>, GcpError> {
        let (package, tag) = parse_tag(name)?;
        self.package_record(&package)?;
        let removed = self
            .registry
            .untag(&package.location, &package.registry_name(), &tag)
            .map_err(|_| GcpError::internal())?;
        if !removed {
            return Err(not_found());
        }
        Ok(serde_json::Map::new())
    }

    /// `tags.create` and `tags.patch`: points `tag` at the version `tag.version` names, through
    /// the registry (so a pull by tag sees it).
    pub async fn put_tag(
        &self,
        package: &PackageName,
        tag_id: &str,
        version: Option<&str>,
        must_be_new: bool,
    ) -> Result<Tag, GcpError> {
        if !simkit::registry::reference::valid_tag(tag_id) {
            return Err(GcpError::invalid(format!("Invalid tag ID: {tag_id}")));
        }
        self.package_record(package)?;
        let version = version.ok_or_else(|| GcpError::invalid("Tag version is required."))?;
        let (version_package, digest) = parse_version(version)?;
        if version_package != *package {
            return Err(GcpError::invalid(format!(
                "Version {version} is not in package {}",
                package.resource()
            )));
        }
        let name = package.registry_name();
        let exists = self
            .registry
            .resolve(
                &package.location,
                &name,
                &Reference::Tag(tag_id.to_string()),
            )
            .is_some();
        if must_be_new && exists {
            return Err(GcpError::conflict(format!(
                "Tag {}/tags/{tag_id} already exists",
                package.resource()
            )));
        }
        let manifest = self
            .registry
            .manifest(&package.location, &name, &digest)
            .ok_or_else(not_found)?;
        self.registry
            .put_manifest(
                &package.location,
                &name,
                &Reference::Tag(tag_id.to_string()),
                Some(&manifest.media_type),
                &manifest.bytes(),
            )
            .await
            .map_err(|error| GcpError::failed_precondition(error.message))?;
        Ok(Self::tag(package, tag_id, digest.as_str()))
    }

    /// `tags.create`.
    pub async fn create_tag(&self, parent: &str, tag_id: &str, tag: Tag) -> Result<Tag, GcpError> {
        let package = parse_package(parent)?;
        self.put_tag(&package, tag_id, tag.version.as_deref(), true)
            .await
    }

    /// `tags.patch`: moves the tag to the version given.
    pub async fn patch_tag(&self, name: &str, tag: Tag) -> Result<Tag, GcpError> {
        let (package, tag_id) = parse_tag(name)?;
        self.put_tag(&package, &tag_id, tag.version.as_deref(), false)
            .await
    }

    fn render_docker_image(package: &PackageName, image: &Image) -> DockerImage {
        let digest = image.digest.as_str();
        let pushed = millis_to_rfc3339(image.manifest.pushed_at);
        let mut tags = image.tags.clone();
        tags.sort();
        DockerImage {
            name: Some(package.docker_image_name(digest)),
            uri: Some(package.uri(digest)),
            tags: (!tags.is_empty()).then_some(tags),
            image_size_bytes: Some(image_size(image)),
            upload_time: Some(pushed.clone()),
            update_time: Some(pushed),
            media_type: Some(image.manifest.media_type.clone()),
            artifact_type: image
                .manifest
                .artifact_type
                .clone()
                .or_else(|| image.manifest.config_media_type.clone()),
            ..Default::default()
        }
    }

    /// `dockerImages.list`: every manifest of every package of the repository.
    pub fn list_docker_images(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
        order_by: Option<&str>,
    ) -> Result<ListDockerImagesResponse, GcpError> {
        self.get_repository(parent)?;
        let mut images: Vec<(PackageName, Image)> = Vec::new();
        for package in self.packages_of(parent)? {
            for image in self.images_of(&package) {
                images.push((package.clone(), image));
            }
        }
        let order = order_by.map(str::trim).filter(|o| !o.is_empty());
        let (field, descending) = match order {
            None => ("name", false),
            Some(order) => {
                let mut words = order.split_whitespace();
                let field = words.next().unwrap_or("name");
                let descending = match words.next() {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(_) => return Err(GcpError::invalid(format!("Invalid order_by: {order}"))),
                };
                (field, descending)
            }
        };
        match field {
            "name" => {}
            "upload_time" | "uploadTime" | "update_time" | "updateTime" => {
                images.sort_by_key(|(_, image)| image.manifest.pushed_at);
            }
            other => {
                return Err(GcpError::invalid(format!(
                    "Invalid order_by field: {other}"
                )));
            }
        }
        if descending {
            images.reverse();
        }
        let (page, next) = page_of(images, page_size, page_token)?;
        let docker_images: Vec<DockerImage> = page
            .iter()
            .map(|(package, image)| Self::render_docker_image(package, image))
            .collect();
        Ok(ListDockerImagesResponse {
            docker_images: (!docker_images.is_empty()).then_some(docker_images),
            next_page_token: next,
        })
    }

    /// `dockerImages.get`: by `IMAGE@DIGEST` or `IMAGE:TAG`.
    pub fn get_docker_image(&self, name: &str) -> Result<DockerImage, GcpError> {
        let invalid = || GcpError::invalid(format!("Invalid docker image name: {name}"));
        let (repository, image) = name.split_once("/dockerImages/").ok_or_else(invalid)?;
        let image = image.replace("%2F", "/").replace("%2f", "/");
        let (image, reference) = match image.split_once('@') {
            Some((image, digest)) => (
                image.to_string(),
                Reference::Digest(Digest::parse(digest).map_err(|_| invalid())?),
            ),
            None => {
                let (image, tag) = image.rsplit_once(':').ok_or_else(invalid)?;
                (image.to_string(), Reference::Tag(tag.to_string()))
            }
        };
        let package = parse_package(&format!("{repository}/packages/{image}"))?;
        self.get_repository(&package.repository_resource())?;
        let digest = self
            .registry
            .resolve(&package.location, &package.registry_name(), &reference)
            .ok_or_else(not_found)?;
        let image = self
            .images_of(&package)
            .into_iter()
            .find(|image| image.digest == digest)
            .ok_or_else(not_found)?;
        Ok(Self::render_docker_image(&package, &image))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        let package = parse_package("projects/p/locations/l/repositories/r/packages/team%2Fapp")
            .expect("package");
        assert_eq!(package.image, "team/app");
        assert_eq!(
            package.resource(),
            "projects/p/locations/l/repositories/r/packages/team%2Fapp"
        );
        assert_eq!(
            parse_package("projects/p/locations/l/repositories/r/packages/team/app")
                .expect("decoded")
                .image,
            "team/app"
        );
        assert!(parse_package("projects/p/locations/l/repositories/r/packages/").is_err());
        let digest = format!("sha256:{}", "a".repeat(64));
        let (package, parsed) = parse_version(&format!(
            "projects/p/locations/l/repositories/r/packages/app/versions/{digest}"
        ))
        .expect("version");
        assert_eq!(
            (package.image.as_str(), parsed.as_str()),
            ("app", digest.as_str())
        );
        assert!(
            parse_version("projects/p/locations/l/repositories/r/packages/app/versions/x").is_err()
        );
        let (_, tag) =
            parse_tag("projects/p/locations/l/repositories/r/packages/app/tags/v1").expect("tag");
        assert_eq!(tag, "v1");
    }

    #[test]
    fn pages_resume_where_they_ended() {
        let items: Vec<u32> = (0..5).collect();
        let (first, token) = page_of(items.clone(), Some(2), None).expect("first");
        assert_eq!(first, vec![0, 1]);
        let (second, token) = page_of(items.clone(), Some(2), token.as_deref()).expect("second");
        assert_eq!(second, vec![2, 3]);
        let (third, token) = page_of(items, Some(2), token.as_deref()).expect("third");
        assert_eq!((third, token), (vec![4], None));
    }
}
