//! Timestamps on the wire. Inside the simulator a timestamp is a JSON number of seconds since
//! the epoch (fractions for milliseconds); on the wire it is ISO 8601 (query, ec2, XML bodies,
//! query strings), epoch seconds (JSON bodies) or an RFC 822 HTTP date (headers), unless the
//! model says otherwise with `timestampFormat`.

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{OffsetDateTime, UtcOffset};

use crate::model::TimestampFormat;

/// Reads any of the formats clients send: ISO 8601 / RFC 3339, epoch seconds, or an HTTP date.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds.is_finite().then_some(seconds);
    }
    if let Ok(moment) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(to_seconds(moment));
    }
    // ISO 8601 without an offset (`2024-01-02T03:04:05`), which some SDKs send: UTC.
    if let Ok(moment) = OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339) {
        return Some(to_seconds(moment));
    }
    // HTTP dates say GMT, which RFC 2822 parsing wants as +0000.
    let normalized = text.replace(" GMT", " +0000").replace(" UTC", " +0000");
    if let Ok(moment) = OffsetDateTime::parse(&normalized, &Rfc2822) {
        return Some(to_seconds(moment));
    }
    None
}

fn to_seconds(moment: OffsetDateTime) -> f64 {
    moment.unix_timestamp_nanos() as f64 / 1e9
}

fn from_seconds(seconds: f64) -> OffsetDateTime {
    let nanos = (seconds * 1e3).round() as i128 * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2024-01-02T03:04:05Z`, with `.123` milliseconds when there are any.
pub fn iso8601(seconds: f64) -> String {
    let moment = from_seconds(seconds).to_offset(UtcOffset::UTC);
    let millis = moment.millisecond();
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        moment.year(),
        moment.month() as u8,
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second()
    );
    if millis == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{millis:03}Z")
    }
}

/// `Tue, 02 Jan 2024 03:04:05 GMT`.
pub fn http_date(seconds: f64) -> String {
    let moment = from_seconds(seconds).to_offset(UtcOffset::UTC);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[moment.weekday().number_days_from_monday() as usize],
        moment.day(),
        MONTHS[moment.month() as usize - 1],
        moment.year(),
        moment.hour(),
        moment.minute(),
        moment.second()
    )
}

/// Epoch seconds as a JSON number: an integer when whole, else with millisecond precision.
pub fn epoch_json(seconds: f64) -> serde_json::Value {
    let millis = (seconds * 1000.0).round() as i64;
    if millis % 1000 == 0 {
        serde_json::Value::from(millis / 1000)
    } else {
        serde_json::Number::from_f64(millis as f64 / 1000.0)
            .map_or(serde_json::Value::Null, Into::into)
    }
}

/// Formats `seconds` as text in `format` (for XML, query strings and headers).
pub fn text(seconds: f64, format: TimestampFormat) -> String {
    match format {
        TimestampFormat::Iso8601 => iso8601(seconds),
        TimestampFormat::Rfc822 => http_date(seconds),
        TimestampFormat::UnixTimestamp => epoch_json(seconds).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_client_format() {
        let expected = 1_704_164_645.0;
        for text in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.000Z",
            "2024-01-02T04:04:05+01:00",
            "2024-01-02T03:04:05",
            "1704164645",
            "Tue, 02 Jan 2024 03:04:05 GMT",
        ] {
            assert_eq!(parse(text), Some(expected), "{text}");
        }
        assert_eq!(parse("1704164645.25"), Some(1_704_164_645.25));
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("NaN"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(iso8601(1_704_164_645.0), "2024-01-02T03:04:05Z");
        assert_eq!(iso8601(1_704_164_645.123), "2024-01-02T03:04:05.123Z");
        assert_eq!(http_date(1_704_164_645.0), "Tue, 02 Jan 2024 03:04:05 GMT");
        assert_eq!(epoch_json(1_704_164_645.0), serde_json::json!(1704164645));
        assert_eq!(epoch_json(1_704_164_645.5), serde_json::json!(1704164645.5));
        assert_eq!(text(0.0, TimestampFormat::Iso8601), "1970-01-01T00:00:00Z");
    }
}
