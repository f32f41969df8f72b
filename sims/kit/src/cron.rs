//! Cron expressions: five fields (minute, hour, day of month, month, day of week) with `*`,
//! ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, month and day names (`jan`, `mon`), `7`
//! for Sunday, and the `@hourly`/`@daily`/`@midnight`/`@weekly`/`@monthly`/`@yearly`/
//! `@annually` shorthands. When both the day of month and the day of week are restricted, a day
//! matching either runs (as in every cron). [`CronZone`] is the zone the expression's wall clock
//! is read in: a zone of the tz database bundled with jiff, so runs keep their wall-clock time
//! across daylight saving changes.
//!
//! Shared by GitLab's pipeline schedules (which add ActiveSupport's friendly zone names) and
//! Container Apps' scheduled jobs (which run in UTC).
//!
//! What this module must not do: read the clock (callers pass the instant to start from).

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// A parsed expression: one bit per allowed value of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    days_of_week: u8,
    day_of_month_restricted: bool,
    day_of_week_restricted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron expression: {0}")]
pub struct CronError(String);

const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field's bounds and the names it accepts (a name's value is its index plus `first`).
struct Field {
    what: &'static str,
    low: u32,
    high: u32,
    names: &'static [&'static str],
    names_from: u32,
}

const MINUTE: Field = Field {
    what: "minute",
    low: 0,
    high: 59,
    names: &[],
    names_from: 0,
};
const HOUR: Field = Field {
    what: "hour",
    low: 0,
    high: 23,
    names: &[],
    names_from: 0,
};
const DAY_OF_MONTH: Field = Field {
    what: "day of month",
    low: 1,
    high: 31,
    names: &[],
    names_from: 0,
};
const MONTH: Field = Field {
    what: "month",
    low: 1,
    high: 12,
    names: &MONTH_NAMES,
    names_from: 1,
};
// 7 is Sunday too; folded onto 0 after parsing.
const DAY_OF_WEEK: Field = Field {
    what: "day of week",
    low: 0,
    high: 7,
    names: &DAY_NAMES,
    names_from: 0,
};

impl Field {
    fn value(&self, text: &str) -> Result<u32, CronError> {
        let lower = text.to_ascii_lowercase();
        if let Some(index) = self.names.iter().position(|name| *name == lower) {
            return Ok(index as u32 + self.names_from);
        }
        let value: u32 = text
            .parse()
            .map_err(|_| CronError(format!("{} {text:?}", self.what)))?;
        if value < self.low || value > self.high {
            return Err(CronError(format!("{} {value} out of range", self.what)));
        }
        Ok(value)
    }

    /// The field's values as a bit set, and whether it restricts anything (`*` does not).
    fn parse(&self, text: &str) -> Result<(u64, bool), CronError> {
        let mut bits = 0u64;
        let mut restricted = false;
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => {
                    let step: u32 = step
                        .parse()
                        .ok()
                        .filter(|step| *step > 0)
                        .ok_or_else(|| CronError(format!("{} step {step:?}", self.what)))?;
                    (range, step)
                }
                None => (part, 1),
            };
            let (from, to) = if range == "*" {
                if step != 1 {
                    restricted = true;
                }
                (self.low, if self.high == 7 { 6 } else { self.high })
            } else if let Some((from, to)) = range.split_once('-') {
                restricted = true;
                (self.value(from)?, self.value(to)?)
            } else {
                restricted = true;
                let from = self.value(range)?;
                // `5/15` means from 5 to the end in steps of 15.
                (from, if step == 1 { from } else { self.high })
            };
            if from > to {
                return Err(CronError(format!("{} range {range:?}", self.what)));
            }
            let mut value = from;
            while value <= to {
                bits |= 1 << value;
                value += step;
            }
        }
        Ok((bits, restricted))
    }
}

impl Cron {
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let expanded = match text.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(CronError(format!("{} fields, not 5", fields.len())));
        };
        let (minutes, _) = MINUTE.parse(minute)?;
        let (hours, _) = HOUR.parse(hour)?;
        let (days_of_month, day_of_month_restricted) = DAY_OF_MONTH.parse(day)?;
        let (months, _) = MONTH.parse(month)?;
        let (mut days_of_week, day_of_week_restricted) = DAY_OF_WEEK.parse(weekday)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week & !(1 << 7)) | 1;
        }
        // The bit sets fit their types: every value was checked against its field's bounds.
        Ok(Self {
            minutes,
            hours: hours as u32,
            days_of_month: days_of_month as u32,
            months: months as u16,
            days_of_week: days_of_week as u8,
            day_of_month_restricted,
            day_of_week_restricted,
        })
    }

    fn day_matches(&self, date: Date) -> bool {
        let by_month_day = self.days_of_month & (1 << date.day()) != 0;
        let by_weekday = self.days_of_week & (1 << date.weekday().number_days_from_sunday()) != 0;
        match (self.day_of_month_restricted, self.day_of_week_restricted) {
            (true, true) => by_month_day || by_weekday,
            (true, false) => by_month_day,
            (false, true) => by_weekday,
            (false, false) => true,
        }
    }

    /// The first civil minute at or after `from` whose fields the expression matches.
    fn next_civil_match(
        &self,
        from: PrimitiveDateTime,
        give_up: PrimitiveDateTime,
    ) -> Option<PrimitiveDateTime> {
        let mut at = from;
        while at < give_up {
            let midnight = |date: Date| PrimitiveDateTime::new(date, Time::MIDNIGHT);
            if self.months & (1 << u8::from(at.month())) == 0 {
                let (year, month) = match at.month() {
                    Month::December => (at.year() + 1, Month::January),
                    month => (at.year(), month.next()),
                };
                at = midnight(Date::from_calendar_date(year, month, 1).ok()?);
            } else if !self.day_matches(at.date()) {
                at = midnight(at.date().next_day()?);
            } else if self.hours & (1 << at.hour()) == 0 {
                at = PrimitiveDateTime::new(at.date(), Time::from_hms(at.hour(), 0, 0).ok()?)
                    + Duration::hours(1);
            } else if self.minutes & (1 << at.minute()) == 0 {
                at += Duration::minutes(1);
            } else {
                return Some(at);
            }
        }
        None
    }

    /// The first instant strictly after `after` whose wall-clock minute in `zone` the
    /// expression matches; `None` for an expression that never runs (`0 0 31 2 *`).
    ///
    /// Time runs on instants, as Fugit's does: a wall-clock time skipped when clocks go
    /// forward never comes (that day has no run), and one repeated when they go back comes
    /// twice. So candidates are read from a little before `after`'s wall clock (a repeated
    /// hour may hold a later instant at an earlier wall-clock time), and the earliest instant
    /// wins.
    pub fn next_after(&self, after: OffsetDateTime, zone: &CronZone) -> Option<OffsetDateTime> {
        let after_ts = to_timestamp(after)?;
        let local = zone.civil(after_ts)?;
        // No zone moves its clocks by more than a few hours at once.
        let slack = Duration::hours(3);
        let mut at = PrimitiveDateTime::new(
            local.date(),
            Time::from_hms(local.hour(), local.minute(), 0).ok()?,
        ) - slack;
        // Five years cover every expression that can run (29 February included).
        let give_up = at + Duration::days(5 * 366);
        let mut best: Option<(jiff::Timestamp, PrimitiveDateTime)> = None;
        while let Some(candidate) = self.next_civil_match(at, give_up) {
            if let Some((_, found_civil)) = best
                && candidate > found_civil + slack + slack
            {
                break;
            }
            if let Some(instant) = zone.earliest_after(candidate, after_ts)
                && best.is_none_or(|(found, _)| instant < found)
            {
                best = Some((instant, candidate));
            }
            at = candidate + Duration::minutes(1);
        }
        let (instant, _) = best?;
        OffsetDateTime::from_unix_timestamp(instant.as_second()).ok()
    }
}

fn to_timestamp(at: OffsetDateTime) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_second(at.unix_timestamp()).ok()
}

/// The zone an expression's wall clock is read in: a tz database zone.
#[derive(Debug, Clone, PartialEq)]
pub struct CronZone(jiff::tz::TimeZone);

/// Every zone name the bundled tz database holds, spelled as it spells them (jiff's own lookup
/// ignores case; callers that need exact names, as TZInfo finds them, use these).
fn zone_names() -> &'static std::collections::BTreeSet<String> {
    static NAMES: std::sync::OnceLock<std::collections::BTreeSet<String>> =
        std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        jiff::tz::db()
            .available()
            .map(|name| name.to_string())
            .collect()
    })
}

impl CronZone {
    pub fn utc() -> Self {
        Self(jiff::tz::TimeZone::UTC)
    }

    /// A tz database zone spelled exactly as the database spells it (`Europe/Berlin`, `UTC`,
    /// `Etc/GMT+5`, links such as `US/Eastern`); `europe/berlin` is not one.
    pub fn named(name: &str) -> Option<Self> {
        if !zone_names().contains(name) {
            return None;
        }
        jiff::tz::db().get(name).ok().map(Self)
    }

    /// The wall-clock time at `instant`.
    fn civil(&self, instant: jiff::Timestamp) -> Option<PrimitiveDateTime> {
        let civil = instant.to_zoned(self.0.clone()).datetime();
        let month = Month::try_from(u8::try_from(civil.month()).ok()?).ok()?;
        let date = Date::from_calendar_date(
            i32::from(civil.year()),
            month,
            u8::try_from(civil.day()).ok()?,
        )
        .ok()?;
        let time = Time::from_hms(
            u8::try_from(civil.hour()).ok()?,
            u8::try_from(civil.minute()).ok()?,
            0,
        )
        .ok()?;
        Some(PrimitiveDateTime::new(date, time))
    }

    /// The earliest instant after `after` that shows the wall-clock time `civil`: none in a
    /// gap (clocks went forward past it), the earlier of two in a fold that is late enough.
    fn earliest_after(
        &self,
        civil: PrimitiveDateTime,
        after: jiff::Timestamp,
    ) -> Option<jiff::Timestamp> {
        let datetime = jiff::civil::DateTime::new(
            i16::try_from(civil.year()).ok()?,
            i8::try_from(u8::from(civil.month())).ok()?,
            i8::try_from(civil.day()).ok()?,
            i8::try_from(civil.hour()).ok()?,
            i8::try_from(civil.minute()).ok()?,
            0,
            0,
        )
        .ok()?;
        let ambiguous = self.0.to_ambiguous_timestamp(datetime);
        let offsets: Vec<jiff::tz::Offset> = match ambiguous.offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { offset } => vec![offset],
            jiff::tz::AmbiguousOffset::Gap { .. } => Vec::new(),
            jiff::tz::AmbiguousOffset::Fold { before, after } => vec![before, after],
        };
        offsets
            .into_iter()
            .filter_map(|offset| offset.to_timestamp(datetime).ok())
            .filter(|instant| *instant > after)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).expect("timestamp")
    }

    fn check(expression: &str, zone: &str, after: &str, expected: Option<&str>) {
        let cron = Cron::parse(expression).expect(expression);
        let zone = CronZone::named(zone).expect(zone);
        let next = cron.next_after(at(after), &zone);
        assert_eq!(next, expected.map(at), "{expression} after {after}");
    }

    #[test]
    fn next_run_times() {
        check(
            "* * * * *",
            "UTC",
            "2026-12-07T10:15:30Z",
            Some("2026-12-07T10:16:00Z"),
        );
        check(
            "* * * * *",
            "UTC",
            "2026-12-07T10:15:00Z",
            Some("2026-12-07T10:16:00Z"),
        );
        check(
            "0 1 * * *",
            "UTC",
            "2026-12-07T10:15:00Z",
            Some("2026-12-08T01:00:00Z"),
        );
        check(
            "*/15 * * * *",
            "UTC",
            "2026-12-07T10:15:00Z",
            Some("2026-12-07T10:30:00Z"),
        );
        check(
            "5-20/5 9 * * *",
            "UTC",
            "2026-12-07T09:11:00Z",
            Some("2026-12-07T09:15:00Z"),
        );
        check(
            "30 4 1,15 * *",
            "UTC",
            "2026-12-07T00:00:00Z",
            Some("2026-12-15T04:30:00Z"),
        );
        check(
            "0 0 * * mon-fri",
            "UTC",
            "2026-12-11T12:00:00Z",
            Some("2026-12-14T00:00:00Z"),
        );
        check(
            "0 0 * * 7",
            "UTC",
            "2026-12-07T00:00:00Z",
            Some("2026-12-13T00:00:00Z"),
        );
        check(
            "0 12 1 jan *",
            "UTC",
            "2026-12-07T00:00:00Z",
            Some("2027-01-01T12:00:00Z"),
        );
        check(
            "0 0 29 2 *",
            "UTC",
            "2026-03-01T00:00:00Z",
            Some("2028-02-29T00:00:00Z"),
        );
        check("0 0 31 2 *", "UTC", "2026-03-01T00:00:00Z", None);
        check(
            "@daily",
            "Etc/UTC",
            "2026-12-07T10:00:00Z",
            Some("2026-12-08T00:00:00Z"),
        );
        // Either day rule matches when both are restricted: the 13th, or any Friday.
        check(
            "0 0 13 * fri",
            "UTC",
            "2026-12-07T00:00:00Z",
            Some("2026-12-11T00:00:00Z"),
        );
        // 09:00 five hours behind UTC is 14:00 UTC.
        check(
            "0 9 * * *",
            "Etc/GMT+5",
            "2026-12-07T10:00:00Z",
            Some("2026-12-07T14:00:00Z"),
        );
        check(
            "0 9 * * *",
            "Etc/GMT-2",
            "2026-12-07T10:00:00Z",
            Some("2026-12-08T07:00:00Z"),
        );
    }

    #[test]
    fn invalid_expressions() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "* * * foo *",
            "1,,2 * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn zones() {
        for good in [
            "UTC",
            "Etc/GMT+12",
            "Europe/Berlin",
            "America/New_York",
            "America/Argentina/Buenos_Aires",
            "US/Eastern",
        ] {
            assert!(CronZone::named(good).is_some(), "{good:?}");
        }
        for bad in [
            "Mars/Olympus",
            "Etc/GMT+15",
            "Etc/GMT+05",
            "utc",
            "europe/berlin",
            "Berlin",
            "",
        ] {
            assert_eq!(CronZone::named(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn daylight_saving_time() {
        // Berlin: CET (+01) until 2026-03-29 01:00Z, CEST (+02) until 2026-10-25 01:00Z.
        check(
            "0 9 * * *",
            "Europe/Berlin",
            "2026-03-28T09:00:00Z",
            Some("2026-03-29T07:00:00Z"),
        );
        check(
            "0 9 * * *",
            "Europe/Berlin",
            "2026-10-24T08:00:00Z",
            Some("2026-10-25T08:00:00Z"),
        );
        // 02:30 does not exist on the day clocks go forward: that day has no run.
        check(
            "30 2 * * *",
            "Europe/Berlin",
            "2026-03-28T02:00:00Z",
            Some("2026-03-30T00:30:00Z"),
        );
        // 02:30 comes twice on the day clocks go back: first as CEST, then as CET.
        check(
            "30 2 * * *",
            "Europe/Berlin",
            "2026-10-24T12:00:00Z",
            Some("2026-10-25T00:30:00Z"),
        );
        check(
            "30 2 * * *",
            "Europe/Berlin",
            "2026-10-25T00:30:00Z",
            Some("2026-10-25T01:30:00Z"),
        );
        check(
            "15 2 * * *",
            "Europe/Berlin",
            "2026-10-25T00:40:00Z",
            Some("2026-10-25T01:15:00Z"),
        );
        // New York: EST (-05) until 2026-03-08 07:00Z.
        check(
            "0 8 * * mon-fri",
            "America/New_York",
            "2026-03-06T14:00:00Z",
            Some("2026-03-09T12:00:00Z"),
        );
        check(
            "0 8 * * *",
            "America/New_York",
            "2026-03-07T14:00:00Z",
            Some("2026-03-08T12:00:00Z"),
        );
        // Southern hemisphere: Sydney leaves daylight saving time on 2026-04-05.
        check(
            "0 12 * * *",
            "Australia/Sydney",
            "2026-04-04T02:00:00Z",
            Some("2026-04-05T02:00:00Z"),
        );
    }
}
