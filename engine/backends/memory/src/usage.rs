//! `docker system df` for the memory backend: images with the containers that use them,
//! containers with the bytes of their writable layers, volumes with their bytes and users.
//!
//! Limits: `LayersSize` adds each image's size, so layers two images share count twice.
//! What this module must not do: follow symbolic links while it counts (a link out of a
//! volume must not count the host's files).

use std::path::Path;

use engine_core::EngineError;
use engine_core::api::*;

use crate::containers::Containers;
use crate::images::Images;

/// The bytes of regular files under `path` (not following links); 0 when it is not there.
pub fn tree_size(path: &Path) -> i64 {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !metadata.is_dir() {
        return if metadata.is_file() {
            i64::try_from(metadata.len()).unwrap_or(i64::MAX)
        } else {
            0
        };
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| tree_size(&entry.path()))
        .fold(0i64, i64::saturating_add)
}

/// The whole report (it walks the writable layers and volumes: run it off the async threads).
pub fn system_df(containers: &Containers, images: &Images) -> Result<SystemDf, EngineError> {
    let records = containers.all();
    let mut image_list = images.list(&Filters::default())?;
    for image in &mut image_list {
        image.containers = records.iter().filter(|r| r.image_id == image.id).count() as i64;
    }
    let layers_size = image_list.iter().map(|image| image.size).sum();
    let summaries = containers.list(&ListOptions {
        all: true,
        ..Default::default()
    })?;
    let df_containers = summaries
        .into_iter()
        .map(|summary| {
            let size_rw = tree_size(&crate::layer::upper(&containers.layer_dir(&summary.id)));
            let image_size = image_list
                .iter()
                .find(|image| image.id == summary.image_id)
                .map_or(0, |image| image.size);
            DfContainer {
                summary,
                size_rw,
                size_root_fs: size_rw + image_size,
            }
        })
        .collect();
    let users = |name: &str| containers.volume_users(name);
    let volumes = containers
        .volumes
        .list(&Filters::default(), &users)?
        .volumes
        .into_iter()
        .map(|volume| {
            let usage_data = VolumeUsage {
                size: tree_size(Path::new(&volume.mountpoint)),
                ref_count: users(&volume.name).len() as i64,
            };
            DfVolume { volume, usage_data }
        })
        .collect();
    Ok(SystemDf {
        layers_size,
        images: image_list,
        containers: df_containers,
        volumes,
        build_cache: Vec::new(),
    })
}
