//! The watchdog: a small `/bin/sh` process per runner that outlives the simulator just long
//! enough to clean up after it. It reads its standard input, whose only writer is the runner,
//! until end of file; that comes when the runner is dropped or when the simulator dies in any
//! way, SIGKILL included, since the kernel closes a dead process's descriptors. Then it kills
//! every process in the runner's cgroup, waits for them to go, removes the cgroups, the
//! runner's scratch directory, and the subnet bridges nothing is attached to any more (the
//! groups' veths went with their namespaces).
//!
//! It runs in a process group of its own so that a terminal's Ctrl-C, which the simulator
//! handles gracefully, does not end it first.

use std::io::Write;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};

const SCRIPT: &str = r#"
while read -r _; do :; done
PATH=$PATH:/usr/sbin:/sbin
cg=$1
scratch=$2
if [ -n "$cg" ] && [ -d "$cg" ]; then
  echo 1 > "$cg/cgroup.kill" 2>/dev/null
  i=0
  while [ $i -lt 50 ] && grep -q 'populated 1' "$cg/cgroup.events" 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
  done
  for group in "$cg"/*/*/ "$cg"/*/; do rmdir "$group" 2>/dev/null; done
  rmdir "$cg" 2>/dev/null
fi
if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
# Subnet bridges (`slbr…`, see runner::oci::network) with nothing attached any more.
for bridge in /sys/class/net/slbr*; do
  [ -d "$bridge/brif" ] || continue
  [ -z "$(ls -A "$bridge/brif" 2>/dev/null)" ] && ip link delete "${bridge##*/}" type bridge 2>/dev/null
done
"#;

/// The runner's end of the watchdog's pipe: dropping it starts the cleanup.
#[derive(Debug)]
pub(super) struct Watchdog {
    _pipe: ChildStdin,
}

impl Watchdog {
    /// Starts a watchdog for the cgroup at `cgroup` (if any) and the scratch root `scratch`.
    pub(super) fn start(cgroup: Option<&Path>, scratch: &Path) -> Option<Self> {
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(SCRIPT)
            .arg("sockerless-watchdog")
            .arg(cgroup.map(Path::as_os_str).unwrap_or_default())
            .arg(scratch)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                tracing::warn!(%error, "no watchdog: workloads may outlive a crashed simulator");
                return None;
            }
        };
        let mut pipe = child.stdin.take()?;
        // A line now proves the pipe works; the watchdog ignores what it reads.
        let _ = pipe.write_all(b"watching\n");
        // Reaps the watchdog when it is done, so it does not linger as a zombie.
        std::thread::Builder::new()
            .name("sockerless-watchdog-reaper".into())
            .spawn(move || {
                let _ = child.wait();
            })
            .ok()?;
        Some(Self { _pipe: pipe })
    }
}
