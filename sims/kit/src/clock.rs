//! Injected time. Nothing else in Sockerless calls `SystemTime::now` or `Instant::now` (clippy
//! enforces it), so tests can freeze the clock and a simulator's timestamps are the ones its
//! clock gave.
//!
//! [`SystemClock`] reads the host's clocks; [`ManualClock`] starts where a test says and moves
//! only when the test advances it.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of wall-clock and monotonic time.
pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
    /// A monotonic instant, for measuring durations.
    fn monotonic(&self) -> Instant;

    /// Milliseconds since the Unix epoch, as most cloud APIs count.
    fn now_millis(&self) -> i64 {
        millis_since_epoch(self.now())
    }
}

/// Milliseconds since the Unix epoch (negative before it).
pub fn millis_since_epoch(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_millis() as i64,
        Err(before) => -(before.duration().as_millis() as i64),
    }
}

/// `2026-01-02T03:04:05.678Z`: RFC 3339 in UTC to the millisecond, as most of the services'
/// JSON writes times. A time past what `time` can represent (year 9999) is written as the epoch
/// rather than panicking.
pub fn iso_millis(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(millis_since_epoch(at)) * 1_000_000,
    )
    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// The inverse of [`millis_since_epoch`].
pub fn from_millis(millis: i64) -> SystemTime {
    if millis >= 0 {
        UNIX_EPOCH + Duration::from_millis(millis as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(millis.unsigned_abs())
    }
}

/// The host's clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // This is the one place that reads the host clock.
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    #[allow(clippy::disallowed_methods)] // This is the one place that reads the host clock.
    fn monotonic(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to. Both readings advance together.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(SystemTime, Instant)>,
}

impl ManualClock {
    /// A clock frozen at `start`.
    pub fn new(start: SystemTime) -> Self {
        // The monotonic base is arbitrary; only differences between readings mean anything.
        #[allow(clippy::disallowed_methods)]
        let base = Instant::now();
        Self {
            state: Mutex::new((start, base)),
        }
    }

    /// A clock frozen at `millis` since the epoch.
    pub fn at_millis(millis: i64) -> Self {
        Self::new(from_millis(millis))
    }

    /// Moves both readings forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.0 += by;
        state.1 += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0
    }

    fn monotonic(&self) -> Instant {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_millis_writes_utc_to_the_millisecond() {
        assert_eq!(
            iso_millis(from_millis(1_767_323_045_678)),
            "2026-01-02T03:04:05.678Z"
        );
        assert_eq!(iso_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // Past year 9999: the epoch, not a panic.
        assert_eq!(
            iso_millis(from_millis(i64::MAX / 2)),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::at_millis(1_700_000_000_000);
        assert_eq!(clock.now_millis(), 1_700_000_000_000);
        let before = clock.monotonic();
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now_millis(), 1_700_000_001_500);
        assert_eq!(clock.monotonic() - before, Duration::from_millis(1500));
    }

    #[test]
    fn millis_round_trip_on_both_sides_of_the_epoch() {
        for millis in [-86_400_000, -1, 0, 1, 1_700_000_000_123] {
            assert_eq!(millis_since_epoch(from_millis(millis)), millis);
        }
    }
}
