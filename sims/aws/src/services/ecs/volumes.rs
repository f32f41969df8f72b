//! A task's volumes as directories on the host, and how its containers find them.
//!
//! - An `efsVolumeConfiguration` volume is the file system's directory (see
//!   `Efs::volume_root`), at its `rootDirectory` or its access point's root directory, made on
//!   first use (with the access point's creation info); every task mounting it shares it, and it
//!   persists with the state directory.
//! - A `host.sourcePath` volume is that path under a per-account, per-region host directory of
//!   the simulator's files, never the host's own path; a `dockerVolumeConfiguration` volume of
//!   `shared` scope is a directory per volume name; any other volume is the task's own.
//! - Paths from a request never leave those directories: `..` and `.` segments are refused.
//!
//! Workloads are host processes without a mount namespace of their own (see simkit's process
//! runner), so a container cannot see a volume at its `containerPath`. Each container instead
//! gets, for every mount point, `SOCKERLESS_PATH_<CONTAINER PATH>` (the path upper-cased, each
//! run of other characters than letters and digits an underscore: `/mnt/efs` →
//! `SOCKERLESS_PATH_MNT_EFS`) naming the directory, and `SOCKERLESS_MOUNTS` listing
//! `containerPath=directory` pairs separated by `;`. File system roots are writable by every
//! user, as Fargate's containers run as root.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sim_aws_shapes::ecs::{ContainerDefinition, Volume};

use super::Ecs;
use crate::services::Ctx;

/// The name of the variable that gives a container path's directory.
pub(super) fn path_variable(container_path: &str) -> String {
    let mut name = String::from("SOCKERLESS_PATH");
    let mut gap = true;
    for c in container_path.chars() {
        if c.is_ascii_alphanumeric() {
            if gap {
                name.push('_');
            }
            name.push(c.to_ascii_uppercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    name
}

/// `relative` (a request's path) below `base`, or `None` if it tries to leave it.
fn below(base: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = base.to_path_buf();
    for segment in relative.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment == "." {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

fn make_dir(path: &Path, mode: u32) -> Result<(), String> {
    std::fs::create_dir_all(path)
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)))
        .map_err(|error| format!("could not prepare the volume directory: {error}"))
}

impl Ecs {
    /// Each volume's directory, by volume name; or the reason the task cannot start.
    pub(super) fn volume_directories(
        &self,
        ctx: &Ctx,
        task_id: &str,
        volumes: &[Volume],
    ) -> Result<BTreeMap<String, PathBuf>, String> {
        let files = self.kit.files_dir().to_path_buf();
        let mut directories = BTreeMap::new();
        for volume in volumes {
            let name = volume.name.clone().unwrap_or_default();
            let directory = if let Some(efs) = &volume.efs_volume_configuration {
                self.efs_directory(ctx, efs)?
            } else if let Some(source) = volume.host.as_ref().and_then(|h| h.source_path.as_deref())
            {
                let base = files
                    .join("ecs-host")
                    .join(&ctx.account_id)
                    .join(&ctx.region);
                let path = below(&base, source).ok_or_else(|| {
                    format!("CannotCreateContainerError: invalid host source path '{source}'")
                })?;
                make_dir(&path, 0o777)?;
                path
            } else if volume
                .docker_volume_configuration
                .as_ref()
                .and_then(|d| d.scope.as_deref())
                == Some("shared")
            {
                let base = files
                    .join("ecs-docker")
                    .join(&ctx.account_id)
                    .join(&ctx.region);
                let path = below(&base, &name).ok_or_else(|| {
                    format!("CannotCreateContainerError: invalid volume name '{name}'")
                })?;
                make_dir(&path, 0o777)?;
                path
            } else {
                let base = files.join("ecs-tasks").join(task_id);
                let path = below(&base, &name).ok_or_else(|| {
                    format!("CannotCreateContainerError: invalid volume name '{name}'")
                })?;
                make_dir(&path, 0o777)?;
                path
            };
            directories.insert(name, directory);
        }
        Ok(directories)
    }

    fn efs_directory(
        &self,
        ctx: &Ctx,
        efs: &sim_aws_shapes::ecs::EFSVolumeConfiguration,
    ) -> Result<PathBuf, String> {
        let file_system_id = &efs.file_system_id;
        let unreachable = || {
            format!(
                "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: Failed to resolve \"{file_system_id}.efs.{}.amazonaws.com\" - check that your file system ID is correct",
                ctx.region
            )
        };
        if !self.efs.file_system_exists(ctx, file_system_id) {
            return Err(unreachable());
        }
        let root = self
            .efs
            .volume_root(&ctx.account_id, &ctx.region, file_system_id);
        make_dir(&root, 0o777)?;
        let access_point = efs
            .authorization_config
            .as_ref()
            .and_then(|a| a.access_point_id.as_deref());
        let (path, creation) = match access_point {
            Some(id) => {
                let point = self.efs.access_point(ctx, id).ok_or_else(|| {
                    format!(
                        "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: access point {id} does not exist"
                    )
                })?;
                if point.file_system_id.as_deref() != Some(file_system_id.as_str()) {
                    return Err(format!(
                        "ResourceInitializationError: access point {id} does not belong to file system {file_system_id}"
                    ));
                }
                let root = point.root_directory.unwrap_or_default();
                (root.path.unwrap_or_else(|| "/".into()), root.creation_info)
            }
            None => (
                efs.root_directory.clone().unwrap_or_else(|| "/".into()),
                None,
            ),
        };
        let directory = below(&root, &path).ok_or_else(|| {
            format!("ResourceInitializationError: invalid EFS root directory '{path}'")
        })?;
        if !directory.exists() {
            match &creation {
                Some(info) => {
                    let mode = u32::from_str_radix(&info.permissions, 8).unwrap_or(0o755);
                    make_dir(&directory, mode)?;
                    // Best effort: only root can give the directory to the POSIX owner.
                    let _ = std::os::unix::fs::chown(
                        &directory,
                        Some(info.owner_uid as u32),
                        Some(info.owner_gid as u32),
                    );
                }
                None if access_point.is_some() => {
                    // EFS does not make an access point's root without creation info.
                    return Err(format!(
                        "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: b'mount.nfs4: access denied by server while mounting {file_system_id}:{path}'"
                    ));
                }
                None => {
                    return Err(format!(
                        "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: b'mount.nfs4: mounting {file_system_id}:{path} failed, reason given by server: No such file or directory'"
                    ));
                }
            }
        }
        Ok(directory)
    }

    /// The variables that tell a container where its mount points are.
    pub(super) fn mount_variables(
        container: &ContainerDefinition,
        directories: &BTreeMap<String, PathBuf>,
    ) -> Result<BTreeMap<String, String>, String> {
        let mut variables = BTreeMap::new();
        let mut pairs = Vec::new();
        for mount in container.mount_points.iter().flatten() {
            let volume = mount.source_volume.clone().unwrap_or_default();
            let container_path = mount.container_path.clone().unwrap_or_default();
            let directory = directories.get(&volume).ok_or_else(|| {
                format!(
                    "CannotCreateContainerError: the mount point's source volume '{volume}' is not a volume of the task definition"
                )
            })?;
            let directory = directory.to_string_lossy().to_string();
            variables.insert(path_variable(&container_path), directory.clone());
            pairs.push(format!("{container_path}={directory}"));
        }
        if !pairs.is_empty() {
            variables.insert("SOCKERLESS_MOUNTS".into(), pairs.join(";"));
        }
        Ok(variables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_name_their_variables() {
        assert_eq!(path_variable("/mnt/efs"), "SOCKERLESS_PATH_MNT_EFS");
        assert_eq!(
            path_variable("/data//shared-dir/"),
            "SOCKERLESS_PATH_DATA_SHARED_DIR"
        );
    }

    #[test]
    fn request_paths_stay_below_their_base() {
        let base = Path::new("/files/efs/fs-1");
        assert_eq!(
            below(base, "/app/data"),
            Some(base.join("app").join("data"))
        );
        assert_eq!(below(base, "/"), Some(base.to_path_buf()));
        assert_eq!(below(base, "/../../etc"), None);
        assert_eq!(below(base, "a/./b"), None);
    }
}
