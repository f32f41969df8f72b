//! ARM's timestamp formats, from the kit's clock readings (milliseconds since the epoch).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2026-12-07T03:58:12.1234567Z`: ARM's ISO 8601 with seven fractional digits.
pub fn arm_timestamp(millis: i64) -> String {
    let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000) else {
        return String::new();
    };
    let text = at.format(&Rfc3339).unwrap_or_default();
    let base = text.get(..19).unwrap_or(&text);
    format!("{base}.{:07}Z", (millis.rem_euclid(1000)) * 10_000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn seven_fractional_digits() {
        assert_eq!(
            super::arm_timestamp(1_700_000_000_123),
            "2023-11-14T22:13:20.1230000Z"
        );
    }
}
