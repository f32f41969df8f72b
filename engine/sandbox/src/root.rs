//! A container's root directory as the shell sees it: every path is resolved inside the root
//! as a chroot would resolve it. `..` stops at the root, and symlinks are followed by this code,
//! one component at a time, with absolute targets taken from the root. So no path a script
//! writes, and no symlink in an image, reaches a host file outside the root.
//!
//! A resolved path contains no symlink when it is handed to the host's file calls, except
//! where a caller asks not to follow the last component. A symlink changed by another process
//! in the instant between resolving and opening is the one race left, and only processes of the
//! same container can make it.
//!
//! Binds and volumes are [`Bound`] directories laid over container paths, as a mount would
//! be: a path under a bound destination resolves into its source, `..` from it goes back to
//! the container's parent, and symlinks in it resolve in the container's view. A write under a
//! read-only one fails with `EROFS`, as the kernel's read-only bind does.
//!
//! What it must not do: join a user's path onto the host root without walking it.

use std::io;
use std::path::{Path, PathBuf};

/// How many symlinks one resolution may follow (Linux's limit).
const MAX_SYMLINKS: usize = 40;

/// Linux's errno for a write on a read-only file system.
const EROFS: i32 = 30;

#[derive(Debug, Clone)]
pub struct Root {
    host: PathBuf,
    mounts: std::sync::Arc<Vec<Bound>>,
}

/// A host directory bound over a container path (a bind mount or a volume).
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The container path, as components below `/`.
    pub destination: Vec<String>,
    pub source: PathBuf,
    pub read_only: bool,
}

impl Bound {
    /// `destination` as the container names it (`/data`).
    pub fn new(destination: &str, source: impl Into<PathBuf>, read_only: bool) -> Self {
        Self {
            destination: destination
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .map(str::to_string)
                .collect(),
            source: source.into(),
            read_only,
        }
    }

    /// The destination as an absolute container path.
    pub fn path(&self) -> String {
        format!("/{}", self.destination.join("/"))
    }
}

impl Root {
    pub fn new(host: impl Into<PathBuf>) -> Self {
        Self {
            host: host.into(),
            mounts: std::sync::Arc::new(Vec::new()),
        }
    }

    /// A root with `mounts` laid over it (a later mount over an earlier one wins, as mounts
    /// made in order do).
    pub fn with_mounts(host: impl Into<PathBuf>, mounts: Vec<Bound>) -> Self {
        Self {
            host: host.into(),
            mounts: std::sync::Arc::new(mounts),
        }
    }

    /// The directories bound into the root.
    pub fn mounts(&self) -> &[Bound] {
        &self.mounts
    }

    /// The mount that holds container path `parts`, if any: the deepest destination that is
    /// a prefix of it, the last made among equals.
    fn mount_of(&self, parts: &[String]) -> Option<&Bound> {
        self.mounts
            .iter()
            .enumerate()
            .filter(|(_, m)| parts.starts_with(&m.destination))
            .max_by_key(|(index, m)| (m.destination.len(), *index))
            .map(|(_, m)| m)
    }

    /// `EROFS` for a write under a read-only mount.
    fn check_writable(&self, path: &str) -> io::Result<()> {
        let mut budget = MAX_SYMLINKS;
        let parts = self.resolve_from(Vec::new(), path, true, &mut budget)?;
        if self.mount_of(&parts).is_some_and(|m| m.read_only) {
            return Err(io::Error::from_raw_os_error(EROFS));
        }
        Ok(())
    }

    /// The root's directory on the host.
    pub fn host_path(&self) -> &Path {
        &self.host
    }

    /// Resolves `path` (absolute, in the container's view) to a host path inside the root.
    /// Symlinks are followed, including the last component unless `follow_last` is false. A
    /// missing last component is fine (the path of a file about to be created); a missing
    /// directory before it is `NotFound`.
    pub fn resolve(&self, path: &str, follow_last: bool) -> io::Result<PathBuf> {
        let mut budget = MAX_SYMLINKS;
        self.resolve_from(Vec::new(), path, follow_last, &mut budget)
            .map(|parts| self.join(&parts))
    }

    fn join(&self, parts: &[String]) -> PathBuf {
        let (mut host, rest) = match self.mount_of(parts) {
            Some(mount) => (mount.source.clone(), &parts[mount.destination.len()..]),
            None => (self.host.clone(), parts),
        };
        for part in rest {
            host.push(part);
        }
        host
    }

    /// Walks `path` starting at `base` (components below the root, already resolved).
    fn resolve_from(
        &self,
        base: Vec<String>,
        path: &str,
        follow_last: bool,
        budget: &mut usize,
    ) -> io::Result<Vec<String>> {
        let mut resolved = if path.starts_with('/') {
            Vec::new()
        } else {
            base
        };
        let components: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        for (index, component) in components.iter().enumerate() {
            let last = index + 1 == components.len();
            if *component == ".." {
                resolved.pop();
                continue;
            }
            let mut candidate = resolved.clone();
            candidate.push((*component).to_string());
            let host = self.join(&candidate);
            match std::fs::symlink_metadata(&host) {
                Ok(meta) if meta.file_type().is_symlink() && (!last || follow_last) => {
                    if *budget == 0 {
                        return Err(io::Error::other("Too many levels of symbolic links"));
                    }
                    *budget -= 1;
                    let target = std::fs::read_link(&host)?;
                    let target = target.to_string_lossy().into_owned();
                    resolved = self.resolve_from(resolved, &target, true, budget)?;
                }
                Ok(meta) => {
                    if !last && !meta.is_dir() {
                        return Err(io::Error::new(
                            io::ErrorKind::NotADirectory,
                            "Not a directory",
                        ));
                    }
                    resolved = candidate;
                }
                Err(error) if error.kind() == io::ErrorKind::NotFound && last => {
                    resolved = candidate;
                }
                Err(error) => return Err(error),
            }
        }
        Ok(resolved)
    }

    /// The container path a host path inside the root stands for.
    pub fn container_path(&self, host: &Path) -> Option<String> {
        let relative = host.strip_prefix(&self.host).ok()?;
        Some(format!("/{}", relative.to_string_lossy()))
    }

    pub fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        if path == "/dev/null" {
            return Ok(Vec::new());
        }
        std::fs::read(self.resolve(path, true)?)
    }

    /// Creates or truncates (`append`: appends to) a file.
    pub fn write(&self, path: &str, bytes: &[u8], append: bool) -> io::Result<()> {
        use std::io::Write;
        if path == "/dev/null" {
            return Ok(());
        }
        self.check_writable(path)?;
        let host = self.resolve(path, true)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(host)?;
        file.write_all(bytes)
    }

    /// Opens a file for appending (a redirection handed to a utility as its output).
    pub fn open_append(&self, path: &str) -> io::Result<std::fs::File> {
        let host = if path == "/dev/null" {
            PathBuf::from("/dev/null")
        } else {
            self.check_writable(path)?;
            self.resolve(path, true)?
        };
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(host)
    }

    pub fn metadata(&self, path: &str, follow: bool) -> io::Result<std::fs::Metadata> {
        if path == "/dev/null" {
            return std::fs::metadata("/dev/null");
        }
        std::fs::symlink_metadata(self.resolve(path, follow)?)
    }

    pub fn read_dir(&self, path: &str) -> io::Result<Vec<String>> {
        Ok(std::fs::read_dir(self.resolve(path, true)?)?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_lie_over_the_root_and_read_only_ones_refuse_writes() {
        let outer = tempfile::tempdir().expect("tempdir");
        let root_dir = outer.path().join("root");
        let data = outer.path().join("data");
        let config = outer.path().join("config");
        for dir in [root_dir.join("mnt/data"), data.clone(), config.clone()] {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(root_dir.join("mnt/data/hidden"), "under the mount\n").expect("write");
        std::fs::write(config.join("app.conf"), "conf\n").expect("write");
        std::os::unix::fs::symlink("/etc-outside", data.join("up")).expect("link");
        let root = Root::with_mounts(
            &root_dir,
            vec![
                Bound::new("/mnt/data", &data, false),
                Bound::new("/mnt/data/config", &config, true),
            ],
        );
        root.write("/mnt/data/new", b"written\n", false)
            .expect("rw mount");
        assert_eq!(
            std::fs::read(data.join("new")).expect("in source"),
            b"written\n"
        );
        assert!(
            root.read("/mnt/data/hidden").is_err(),
            "the mount hides what is under it"
        );
        assert_eq!(
            root.read("/mnt/data/config/app.conf").expect("ro read"),
            b"conf\n"
        );
        let refused = root
            .write("/mnt/data/config/app.conf", b"x", false)
            .expect_err("read-only");
        assert_eq!(refused.raw_os_error(), Some(EROFS));
        assert!(root.open_append("/mnt/data/config/new").is_err());
        // `..` from a mount is the container's parent; a symlink in it resolves in the root.
        assert_eq!(
            root.resolve("/mnt/data/../data/new", true).expect("dotdot"),
            data.join("new")
        );
        assert_eq!(
            root.resolve("/mnt/data/up", true).expect("link"),
            root_dir.join("etc-outside")
        );
    }

    fn setup() -> (tempfile::TempDir, Root) {
        let outer = tempfile::tempdir().expect("tempdir");
        let root_dir = outer.path().join("root");
        std::fs::create_dir_all(root_dir.join("etc")).expect("mkdir");
        std::fs::create_dir_all(root_dir.join("data/sub")).expect("mkdir");
        std::fs::write(root_dir.join("etc/passwd"), "root:x:0:0:container\n").expect("write");
        std::fs::write(outer.path().join("secret"), "host secret\n").expect("write");
        std::os::unix::fs::symlink("/etc/passwd", root_dir.join("data/abs-link")).expect("link");
        std::os::unix::fs::symlink("../../../../secret", root_dir.join("data/rel-link"))
            .expect("link");
        std::os::unix::fs::symlink("/", root_dir.join("data/root-link")).expect("link");
        std::os::unix::fs::symlink("loop2", root_dir.join("data/loop1")).expect("link");
        std::os::unix::fs::symlink("loop1", root_dir.join("data/loop2")).expect("link");
        let root = Root::new(root_dir);
        (outer, root)
    }

    #[test]
    fn dot_dot_stops_at_the_root() {
        let (_outer, root) = setup();
        let passwd =
            String::from_utf8(root.read("/../../etc/passwd").expect("read")).expect("utf8");
        assert_eq!(passwd, "root:x:0:0:container\n");
        assert_eq!(
            root.read("/data/sub/../../../../etc/passwd").expect("read"),
            passwd.as_bytes()
        );
        assert!(
            root.read("/../secret").is_err(),
            "the host file beside the root is unreachable"
        );
    }

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let (_outer, root) = setup();
        assert_eq!(
            root.read("/data/abs-link").expect("read"),
            b"root:x:0:0:container\n"
        );
        assert!(
            root.read("/data/rel-link").is_err(),
            "relative escape lands on the root"
        );
        assert_eq!(
            root.resolve("/data/rel-link", true).expect("resolves"),
            root.host_path().join("secret")
        );
        assert_eq!(
            root.read("/data/root-link/etc/passwd").expect("read"),
            b"root:x:0:0:container\n"
        );
        assert!(root.read("/data/loop1").is_err());
        // Writing through a link never lands outside.
        root.write("/data/rel-link", b"inside", false)
            .expect("write");
        assert_eq!(
            std::fs::read(root.host_path().join("secret")).expect("read"),
            b"inside"
        );
        assert_eq!(
            std::fs::read(root.host_path().parent().expect("outer").join("secret")).expect("read"),
            b"host secret\n"
        );
    }

    #[test]
    fn not_following_the_last_link() {
        let (_outer, root) = setup();
        let meta = root.metadata("/data/abs-link", false).expect("lstat");
        assert!(meta.file_type().is_symlink());
        assert!(
            root.metadata("/data/abs-link", true)
                .expect("stat")
                .is_file()
        );
    }
}
