//! Confining a workload's first process, between `fork` and `exec`: it joins its cgroup, gets a
//! read-only view of the root file system when asked, drops to its user (never the host's
//! root), can gain no privileges through set-user-ID programs, and dies with the simulator.
//!
//! Which user: when the simulator runs as root, a workload runs as the container's `user`
//! (numeric `UID[:GID]`, or a name looked up in the host's passwd file, since the process runner
//! has no image), and as `nobody` (65534) when it asked for none or for root: root in a
//! container is not root on the host. UID 0 never reaches a workload. When the simulator is not
//! root it cannot change users: workloads run as the simulator's user, and a container that
//! names another user fails to start, saying why.
//!
//! This is the one place in the kit that runs code after `fork` in a multi-threaded process, so
//! the closure does system calls on values prepared beforehand and nothing else: no allocation,
//! no locks.

use std::ffi::CString;
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::prctl;
use nix::sys::signal::Signal;
use nix::unistd::{Gid, Pid, Uid, User, getppid, setgid, setgroups, setuid};

/// `nobody`/`nogroup`: who a workload runs as when the simulator is root and the container
/// names no user (or root).
pub(super) const SANDBOX_ID: u32 = 65534;

/// What to do to the first process before it executes the workload.
#[derive(Debug, Clone)]
pub(crate) struct Confinement {
    /// The workload cgroup's `cgroup.procs`, open for writing.
    pub cgroup_procs: Option<RawFd>,
    pub read_only_root: bool,
    /// The user to become; `None` keeps the simulator's (when it is not root).
    pub user: Option<(Uid, Gid)>,
    /// The simulator's process ID, to detect that it died before the death signal was set.
    pub parent: Pid,
    /// An overlay to mount, in a mount namespace of the process's own.
    pub overlay: Option<std::sync::Arc<Overlay>>,
    /// Standard input is a terminal to make the process's controlling terminal, in a session
    /// of its own, so the terminal's SIGWINCH reaches it.
    pub controlling_terminal: bool,
}

/// An overlay mount, its strings made before `fork` so the child only passes pointers.
#[derive(Debug)]
pub(crate) struct Overlay {
    target: CString,
    options: CString,
}

impl Overlay {
    /// An overlay of `lower` (read-only) and `upper` (the writes, with `work` beside it) at
    /// `target`. `None` when a path holds a NUL byte or a comma or colon, which the overlay's
    /// option string cannot carry.
    pub(crate) fn new(lower: &Path, upper: &Path, work: &Path, target: &Path) -> Option<Self> {
        let mut options = String::new();
        for (key, path) in [("lowerdir", lower), ("upperdir", upper), ("workdir", work)] {
            let text = path.to_str()?;
            if text.contains([',', ':']) {
                return None;
            }
            if !options.is_empty() {
                options.push(',');
            }
            options.push_str(key);
            options.push('=');
            options.push_str(text);
        }
        Some(Self {
            target: CString::new(target.as_os_str().as_bytes()).ok()?,
            options: CString::new(options).ok()?,
        })
    }

    /// Mounts the overlay in this process's mount namespace (a probe, outside any `fork`).
    pub(crate) fn mount_here(&self) -> io::Result<()> {
        mount(
            Some(c"overlay"),
            self.target.as_c_str(),
            Some(c"overlay"),
            MsFlags::empty(),
            Some(self.options.as_c_str()),
        )?;
        Ok(())
    }
}

/// Whether the simulator runs as root, and so can change users and mount namespaces.
pub(crate) fn running_as_root() -> bool {
    Uid::effective().is_root()
}

/// The user a workload runs as, from the container's `user` setting.
pub(crate) fn resolve_user(
    requested: Option<&str>,
    as_root: bool,
) -> Result<Option<(Uid, Gid)>, String> {
    let requested = requested.map(str::trim).filter(|user| !user.is_empty());
    if !as_root {
        return match requested {
            None => Ok(None),
            Some(user) => match lookup(user)? {
                (uid, _) if uid == Uid::effective() => Ok(None),
                _ => Err(format!(
                    "the process runner can run a container as user {user} only when the simulator runs as root"
                )),
            },
        };
    }
    let (uid, gid) = match requested {
        None => (Uid::from_raw(SANDBOX_ID), Gid::from_raw(SANDBOX_ID)),
        Some(user) => lookup(user)?,
    };
    // Root inside a container is not root on the host.
    let uid = if uid.is_root() {
        Uid::from_raw(SANDBOX_ID)
    } else {
        uid
    };
    let gid = if gid.as_raw() == 0 {
        Gid::from_raw(SANDBOX_ID)
    } else {
        gid
    };
    Ok(Some((uid, gid)))
}

/// `UID`, `UID:GID`, `NAME` or `NAME:GROUP`, as Docker reads a container's user.
fn lookup(user: &str) -> Result<(Uid, Gid), String> {
    let (user_part, group_part) = match user.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (user, None),
    };
    let (uid, default_gid) = match user_part.parse::<u32>() {
        Ok(uid) => {
            let gid = User::from_uid(Uid::from_raw(uid))
                .ok()
                .flatten()
                .map_or(Gid::from_raw(SANDBOX_ID), |found| found.gid);
            (Uid::from_raw(uid), gid)
        }
        Err(_) => match User::from_name(user_part) {
            Ok(Some(found)) => (found.uid, found.gid),
            _ => {
                return Err(format!(
                    "unable to find user {user_part}: no matching entries in passwd file"
                ));
            }
        },
    };
    let gid = match group_part {
        None => default_gid,
        Some(group) => match group.parse::<u32>() {
            Ok(gid) => Gid::from_raw(gid),
            Err(_) => match nix::unistd::Group::from_name(group) {
                Ok(Some(found)) => found.gid,
                _ => {
                    return Err(format!(
                        "unable to find group {group}: no matching entries in group file"
                    ));
                }
            },
        },
    };
    Ok((uid, gid))
}

/// Arranges for `confinement` to be applied in the child before it executes the program.
#[allow(unsafe_code)]
pub(crate) fn apply(command: &mut tokio::process::Command, confinement: Confinement) {
    // SAFETY: the closure runs in the forked child before exec. It only makes system calls
    // through nix on values copied in beforehand (integers, and static strings that nix passes
    // through a stack buffer), so it takes no lock and allocates nothing that another thread
    // of the parent could have held at fork.
    unsafe {
        command.pre_exec(move || enter(&confinement));
    }
}

fn enter(confinement: &Confinement) -> io::Result<()> {
    if confinement.controlling_terminal {
        // A new session (and process group, whose ID is the process's own, as the runner's
        // `killpg` expects), then the terminal on standard input as its controlling terminal.
        nix::unistd::setsid()?;
        // SAFETY: descriptor 0 is open in the child: the runner set it to the terminal.
        #[allow(unsafe_code)]
        let terminal = unsafe { BorrowedFd::borrow_raw(0) };
        rustix::process::ioctl_tiocsctty(terminal)?;
    }
    if let Some(procs) = confinement.cgroup_procs {
        // SAFETY: the parent keeps the descriptor open until the child has executed, and a
        // forked child holds a copy of it.
        #[allow(unsafe_code)]
        let procs = unsafe { BorrowedFd::borrow_raw(procs) };
        // Writing 0 moves the writing process itself into the group.
        nix::unistd::write(procs, b"0")?;
    }
    if let Some(overlay) = &confinement.overlay {
        unshare(CloneFlags::CLONE_NEWNS)?;
        // The overlay and everything after must stay in this namespace.
        mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            None::<&str>,
        )?;
        overlay.mount_here()?;
    }
    if confinement.read_only_root {
        unshare(CloneFlags::CLONE_NEWNS)?;
        // Changes made in this mount namespace must not propagate back to the host's.
        mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            None::<&str>,
        )?;
        mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY,
            None::<&str>,
        )?;
    }
    if let Some((uid, gid)) = confinement.user {
        setgroups(&[])?;
        setgid(gid)?;
        setuid(uid)?;
    }
    prctl::set_no_new_privs()?;
    // After the user change, which would clear it.
    prctl::set_pdeathsig(Signal::SIGKILL)?;
    if getppid() != confinement.parent {
        // The simulator died before the death signal was armed.
        return Err(io::Error::from_raw_os_error(nix::libc::ESRCH));
    }
    Ok(())
}
