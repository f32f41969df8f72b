//! Google's timestamps: RFC 3339 in UTC with a `Z`, to the millisecond for Cloud Storage and
//! to the nanosecond for Cloud Logging.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2026-12-07T03:33:37.123Z`.
pub fn rfc3339(at: SystemTime) -> String {
    simkit::clock::iso_millis(at)
}

/// `2026-12-07T03:33:37.123456789Z`.
pub fn rfc3339_nanos(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond()
    )
}

/// Parses any RFC 3339 timestamp.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        assert_eq!(rfc3339(at), "2023-11-14T22:13:20.123Z");
        let parsed = parse("2023-11-14T23:13:20.5+01:00").expect("parses");
        assert_eq!(rfc3339_nanos(parsed), "2023-11-14T22:13:20.500000000Z");
    }
}
