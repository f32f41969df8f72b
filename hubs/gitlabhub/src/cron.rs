//! A pipeline schedule's `cron_timezone` as GitLab reads it: an ActiveSupport friendly name
//! (`Berlin`, `Eastern Time (US & Canada)`) is first mapped to its tz database zone, then the
//! name must be a tz database zone spelled exactly that Fugit's cron grammar reads (starting
//! with a capital letter). The expressions themselves are `simkit::cron`'s.

pub use simkit::cron::{Cron, CronZone};

/// ActiveSupport's friendly zone names and the tz database zones they stand for, as GitLab maps
/// them before validating (vendored by `scripts/refresh-gitlab-time-zones`).
const FRIENDLY_NAMES: &str = include_str!("../data/activesupport-time-zones.tsv");

fn friendly_name(name: &str) -> Option<&'static str> {
    FRIENDLY_NAMES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .find(|(friendly, _)| *friendly == name)
        .map(|(_, zone)| zone)
}

/// The zone a schedule's `cron_timezone` names, or `None` when GitLab refuses it.
pub fn zone(name: &str) -> Option<CronZone> {
    let zone = friendly_name(name).unwrap_or(name);
    if !zone.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    CronZone::named(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        for good in [
            "UTC",
            "Europe/Berlin",
            "US/Eastern",
            "Berlin",
            "Eastern Time (US & Canada)",
            "Kyiv",
        ] {
            assert!(zone(good).is_some(), "{good:?}");
        }
        for bad in [
            "Mars/Olympus",
            "Etc/GMT5",
            "utc",
            "europe/berlin",
            "Berlin/Europe",
            "",
        ] {
            assert_eq!(zone(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn friendly_names_keep_daylight_saving_time() {
        let at = |text: &str| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .expect("timestamp")
        };
        let cron = Cron::parse("0 9 * * *").expect("expression");
        let berlin = zone("Berlin").expect("Berlin");
        assert_eq!(
            cron.next_after(at("2026-10-24T08:00:00Z"), &berlin),
            Some(at("2026-10-25T08:00:00Z"))
        );
    }
}
