//! A container's mounts, worked out once at create as Docker does: `HostConfig.Binds`
//! (`-v SRC:DST[:OPTS]`, a host path when `SRC` is absolute, else a named volume),
//! `HostConfig.Mounts` (`--mount type=bind|volume|tmpfs`), `HostConfig.Tmpfs`, and the
//! anonymous volumes of `Config.Volumes` (`-v /data`) and the image's `VOLUME`s that nothing
//! else covers. The result is stored with the container ([`MountRecord`]); start binds each
//! one in, inspect shows them as `Mounts`.
//!
//! What this module must not do: make volumes itself (it asks its caller through
//! [`VolumeSource`]), or accept a relative destination.

use std::path::PathBuf;

use engine_core::EngineError;
use engine_core::api::{HostConfig, MountPoint};
use serde::{Deserialize, Serialize};

/// One mount of a container, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MountRecord {
    /// `bind`, `volume` or `tmpfs`.
    pub kind: String,
    /// The volume's name (volumes only).
    #[serde(default)]
    pub name: String,
    /// The host path (binds only).
    #[serde(default)]
    pub source: String,
    pub destination: String,
    pub read_only: bool,
    /// Docker's `Mode` in inspect (`z` for `-v` volumes, the options given for binds).
    #[serde(default)]
    pub mode: String,
    /// Whether the image's files at the destination are copied into an empty volume.
    #[serde(default = "yes")]
    pub copy_up: bool,
}

fn yes() -> bool {
    true
}

/// Where named and anonymous volumes come from.
pub trait VolumeSource {
    /// The volume `name`, created when missing (as `-v name:/path` does).
    fn named(&self, name: &str) -> Result<(), EngineError>;
    /// A new anonymous volume; its name.
    fn anonymous(&self) -> Result<String, EngineError>;
}

fn invalid_spec(spec: &str, why: &str) -> EngineError {
    EngineError::InvalidParameter(format!("invalid volume specification: '{spec}'{why}"))
}

/// `SRC:DST[:OPTS]` of `HostConfig.Binds`, without touching anything.
pub fn parse_bind(spec: &str) -> Result<MountRecord, EngineError> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, destination, options) = match parts.as_slice() {
        [source, destination] => (*source, *destination, ""),
        [source, destination, options] => (*source, *destination, *options),
        _ => return Err(invalid_spec(spec, "")),
    };
    if source.is_empty() || destination.is_empty() {
        return Err(invalid_spec(spec, ""));
    }
    if !destination.starts_with('/') {
        return Err(invalid_spec(
            spec,
            &format!(
                ": invalid mount config for type \"{}\": invalid mount path: '{destination}' mount path must be absolute",
                if source.starts_with('/') {
                    "bind"
                } else {
                    "volume"
                }
            ),
        ));
    }
    if destination == "/" {
        return Err(EngineError::InvalidParameter(format!(
            "invalid volume specification: '{spec}': invalid mount config for type \"bind\": invalid specification: destination can't be '/'"
        )));
    }
    let mut read_only = false;
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option {
            "ro" => read_only = true,
            "rw" | "z" | "Z" | "nocopy" | "private" | "rprivate" | "shared" | "rshared"
            | "slave" | "rslave" | "consistent" | "cached" | "delegated" => {}
            _ => return Err(invalid_spec(spec, "")),
        }
    }
    let volume = !source.starts_with('/');
    Ok(MountRecord {
        kind: if volume { "volume" } else { "bind" }.into(),
        name: if volume { source.into() } else { String::new() },
        source: if volume { String::new() } else { source.into() },
        destination: destination.trim_end_matches('/').to_string(),
        read_only,
        mode: if volume && options.is_empty() {
            "z".into()
        } else {
            options.into()
        },
        copy_up: !options.split(',').any(|o| o == "nocopy"),
    })
}

/// Every mount of a container being created, volumes made through `volumes`. `image_volumes`
/// are the image's `VOLUME` paths.
pub fn resolve(
    host_config: &HostConfig,
    config_volumes: &[String],
    image_volumes: &[String],
    volumes: &dyn VolumeSource,
) -> Result<Vec<MountRecord>, EngineError> {
    let mut mounts: Vec<MountRecord> = Vec::new();
    let add = |mount: MountRecord, mounts: &mut Vec<MountRecord>| {
        if mounts.iter().any(|m| m.destination == mount.destination) {
            return Err(EngineError::InvalidParameter(format!(
                "Duplicate mount point: {}",
                mount.destination
            )));
        }
        mounts.push(mount);
        Ok(())
    };
    for spec in host_config.binds.iter().flatten() {
        let mount = parse_bind(spec)?;
        add(mount, &mut mounts)?;
    }
    for mount in host_config.mounts.iter().flatten() {
        if !mount.target.starts_with('/') {
            return Err(EngineError::InvalidParameter(format!(
                "invalid mount config for type \"{}\": invalid mount path: '{}' mount path must be absolute",
                mount.kind, mount.target
            )));
        }
        let record = match mount.kind.as_str() {
            "bind" => {
                if mount.source.is_empty() {
                    return Err(EngineError::InvalidParameter(
                        "invalid mount config for type \"bind\": field Source must not be empty"
                            .into(),
                    ));
                }
                if !std::path::Path::new(&mount.source).exists() {
                    return Err(EngineError::InvalidParameter(format!(
                        "invalid mount config for type \"bind\": bind source path does not exist: {}",
                        mount.source
                    )));
                }
                MountRecord {
                    kind: "bind".into(),
                    name: String::new(),
                    source: mount.source.clone(),
                    destination: mount.target.clone(),
                    read_only: mount.read_only,
                    mode: String::new(),
                    copy_up: false,
                }
            }
            "volume" => {
                let no_copy = mount
                    .extra
                    .get("VolumeOptions")
                    .and_then(|o| o.get("NoCopy"))
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false);
                MountRecord {
                    kind: "volume".into(),
                    name: mount.source.clone(),
                    source: String::new(),
                    destination: mount.target.clone(),
                    read_only: mount.read_only,
                    mode: String::new(),
                    copy_up: !no_copy,
                }
            }
            "tmpfs" => MountRecord {
                kind: "tmpfs".into(),
                name: String::new(),
                source: String::new(),
                destination: mount.target.clone(),
                read_only: mount.read_only,
                mode: String::new(),
                copy_up: false,
            },
            other => {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid mount config for type \"{other}\": mount type unknown"
                )));
            }
        };
        add(record, &mut mounts)?;
    }
    for target in host_config.tmpfs.iter().flatten().map(|(t, _)| t) {
        add(
            MountRecord {
                kind: "tmpfs".into(),
                name: String::new(),
                source: String::new(),
                destination: target.clone(),
                read_only: false,
                mode: String::new(),
                copy_up: false,
            },
            &mut mounts,
        )?;
    }
    // Anonymous volumes: where nothing above is mounted.
    for target in config_volumes.iter().chain(image_volumes) {
        let target = target.trim_end_matches('/').to_string();
        if target.is_empty() || mounts.iter().any(|m| m.destination == target) {
            continue;
        }
        mounts.push(MountRecord {
            kind: "volume".into(),
            name: String::new(),
            source: String::new(),
            destination: target,
            read_only: false,
            mode: String::new(),
            copy_up: true,
        });
    }
    // Volumes are made last, once every mount is known to be valid.
    for mount in mounts.iter_mut().filter(|m| m.kind == "volume") {
        if mount.name.is_empty() {
            mount.name = volumes.anonymous()?;
        } else {
            volumes.named(&mount.name)?;
        }
    }
    Ok(mounts)
}

/// A mount as inspect and the list show it; `volume_dir` is where a volume's files are.
pub fn mount_point(mount: &MountRecord, volume_dir: &dyn Fn(&str) -> PathBuf) -> MountPoint {
    match mount.kind.as_str() {
        "volume" => MountPoint {
            kind: "volume".into(),
            name: Some(mount.name.clone()),
            source: volume_dir(&mount.name).display().to_string(),
            destination: mount.destination.clone(),
            driver: Some("local".into()),
            mode: mount.mode.clone(),
            rw: !mount.read_only,
            propagation: String::new(),
        },
        "bind" => MountPoint {
            kind: "bind".into(),
            name: None,
            source: mount.source.clone(),
            destination: mount.destination.clone(),
            driver: None,
            mode: mount.mode.clone(),
            rw: !mount.read_only,
            propagation: "rprivate".into(),
        },
        other => MountPoint {
            kind: other.to_string(),
            name: None,
            source: String::new(),
            destination: mount.destination.clone(),
            driver: None,
            mode: String::new(),
            rw: !mount.read_only,
            propagation: String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(std::cell::RefCell<Vec<String>>);

    impl VolumeSource for Counter {
        fn named(&self, name: &str) -> Result<(), EngineError> {
            self.0.borrow_mut().push(name.to_string());
            Ok(())
        }
        fn anonymous(&self) -> Result<String, EngineError> {
            let name = format!("anon{}", self.0.borrow().len());
            self.0.borrow_mut().push(name.clone());
            Ok(name)
        }
    }

    #[test]
    fn binds_volumes_and_anonymous_ones() {
        let host = HostConfig {
            binds: Some(vec!["data:/data".into(), "/tmp:/host:ro".into()]),
            ..HostConfig::default()
        };
        let made = Counter(Default::default());
        let mounts = resolve(
            &host,
            &["/scratch".into()],
            &["/data".into(), "/cache/".into()],
            &made,
        )
        .unwrap();
        let summary: Vec<_> = mounts
            .iter()
            .map(|m| {
                (
                    m.kind.as_str(),
                    m.name.as_str(),
                    m.destination.as_str(),
                    m.read_only,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("volume", "data", "/data", false),
                ("bind", "", "/host", true),
                ("volume", "anon1", "/scratch", false),
                ("volume", "anon2", "/cache", false),
            ]
        );
    }

    #[test]
    fn bad_specifications() {
        let check = |spec: &str| parse_bind(spec).unwrap_err().to_string();
        assert_eq!(
            check("/tmp:data"),
            "invalid volume specification: '/tmp:data': invalid mount config for type \"bind\": invalid mount path: 'data' mount path must be absolute"
        );
        assert_eq!(check("a:b:c:d"), "invalid volume specification: 'a:b:c:d'");
        assert_eq!(
            check("/tmp:/x:bogus"),
            "invalid volume specification: '/tmp:/x:bogus'"
        );
        let host = HostConfig {
            binds: Some(vec!["a1:/data".into(), "/tmp:/data".into()]),
            ..HostConfig::default()
        };
        let made = Counter(Default::default());
        assert_eq!(
            resolve(&host, &[], &[], &made).unwrap_err().to_string(),
            "Duplicate mount point: /data"
        );
        assert!(
            made.0.borrow().is_empty(),
            "no volume made for a refused container"
        );
    }
}
