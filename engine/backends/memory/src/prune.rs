//! The filters `docker container prune` and `docker image prune` share: `until` (a Go duration
//! before now, Unix seconds or an RFC 3339 time, as moby's `timetypes.GetTimestamp` reads it)
//! and `label`/`label!` (`KEY` or `KEY=VALUE`). Pure.

use std::collections::BTreeMap;
use std::time::SystemTime;

use engine_core::EngineError;
use engine_core::api::Filters;

/// The `until` filter as nanoseconds since the epoch.
pub fn until(filters: &Filters, now: SystemTime) -> Result<Option<i64>, EngineError> {
    let Some(values) = filters.get("until") else {
        return Ok(None);
    };
    if values.len() > 1 {
        return Err(EngineError::InvalidParameter(
            "more than one until filter specified".into(),
        ));
    }
    let Some(text) = values.first() else {
        return Ok(None);
    };
    let now_nanos = crate::containers::nanos(now);
    if let Some(ago) = duration_nanos(text) {
        return Ok(Some(now_nanos - ago));
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return Ok(Some((seconds * 1e9) as i64));
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|at| Some(at.unix_timestamp_nanos() as i64))
        .map_err(|_| {
            EngineError::InvalidParameter(format!(
                "failed to parse value as time or duration: {text:?}"
            ))
        })
}

/// A Go duration (`24h`, `1h30m`, `90s`) in nanoseconds.
fn duration_nanos(text: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut rest = text;
    if rest.is_empty() || !rest.ends_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_end..];
    }
    Some(total as i64)
}

/// Whether `labels` pass the `label` (all must match) and `label!` (none may) filters.
pub fn labels_match(filters: &Filters, labels: &BTreeMap<String, String>) -> bool {
    let matches = |value: &String| match value.split_once('=') {
        Some((key, wanted)) => labels.get(key).map(String::as_str) == Some(wanted),
        None => labels.contains_key(value.as_str()),
    };
    filters
        .get("label")
        .is_none_or(|values| values.iter().all(matches))
        && !filters
            .get("label!")
            .is_some_and(|values| values.iter().any(matches))
}

/// The `reclaimed` attribute of a `prune` event.
pub fn reclaimed(bytes: u64) -> BTreeMap<String, String> {
    BTreeMap::from([("reclaimed".to_string(), bytes.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(key: &str, value: &str) -> Filters {
        let mut filters = Filters::new();
        filters.insert(key.into(), vec![value.into()]);
        filters
    }

    #[test]
    fn until_reads_durations_seconds_and_times() {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(10_000);
        assert_eq!(
            until(&filters("until", "1h"), now).unwrap(),
            Some(6_400_000_000_000)
        );
        assert_eq!(
            until(&filters("until", "5000"), now).unwrap(),
            Some(5_000_000_000_000)
        );
        assert_eq!(
            until(&filters("until", "1970-01-01T00:00:10Z"), now).unwrap(),
            Some(10_000_000_000)
        );
        assert!(until(&filters("until", "soon"), now).is_err());
    }

    #[test]
    fn labels_need_all_wanted_and_none_refused() {
        let labels = BTreeMap::from([("team".to_string(), "a".to_string())]);
        assert!(labels_match(&filters("label", "team=a"), &labels));
        assert!(!labels_match(&filters("label", "team=b"), &labels));
        assert!(!labels_match(&filters("label!", "team"), &labels));
    }
}
