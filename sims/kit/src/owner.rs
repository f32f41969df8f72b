//! Naming things after the process that owns them, so that a later process can tell leftovers
//! of a dead simulator (cgroups, scratch directories) from those of a live one. A tag is
//! `PID-START`: the process ID and the process's start time in clock ticks since boot, which
//! together name one process even after its ID is reused.

use std::fs;

/// The start time of process `pid` in clock ticks since boot (field 22 of `/proc/PID/stat`),
/// which tells a live process from a later one that reused its ID.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process that made a `PID-START` tag is still running.
pub fn owner_alive(pid: u32, start: u64) -> bool {
    start_time(pid) == Some(start)
}

/// This process's tag: `PID-START`.
pub fn own_tag() -> String {
    let pid = std::process::id();
    format!("{pid}-{}", start_time(pid).unwrap_or(0))
}

/// Parses `PID-START` at the front of `name` (after the prefix).
pub fn parse_tag(name: &str) -> Option<(u32, u64)> {
    let mut parts = name.splitn(3, '-');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_a_live_process_only() {
        let tag = own_tag();
        let (pid, start) = parse_tag(&tag).unwrap();
        assert_eq!(pid, std::process::id());
        assert!(owner_alive(pid, start));
        assert!(
            !owner_alive(pid, start + 1),
            "a reused PID is not the owner"
        );
        assert_eq!(parse_tag("12-34-5"), Some((12, 34)));
        assert_eq!(parse_tag("x-34"), None);
    }
}
