//! GitHub's primary rate limit, counted for real: each caller (a user, or an address for
//! anonymous requests) has a budget per hour starting at its first request. Every answered
//! request counts (304s do not, as on GitHub); past the budget the caller gets 403 until the
//! window resets. The counts live in memory: a restart gives everyone a fresh hour.
//!
//! What this module must not do: read the clock itself (callers pass seconds in).

use std::collections::HashMap;
use std::sync::Mutex;

/// The window GitHub counts in.
const WINDOW_SECONDS: i64 = 3600;

/// What the `X-RateLimit-*` headers say after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub used: u32,
    /// Unix seconds when the window resets.
    pub reset: i64,
}

impl Quota {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

#[derive(Debug)]
pub struct RateLimits {
    authenticated: u32,
    anonymous: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimits {
    pub fn new(authenticated: u32, anonymous: u32) -> Self {
        Self {
            authenticated,
            anonymous,
            windows: Mutex::default(),
        }
    }

    pub fn limit(&self, anonymous: bool) -> u32 {
        if anonymous {
            self.anonymous
        } else {
            self.authenticated
        }
    }

    /// Counts one request of `caller` at `now` (Unix seconds): `Ok` with the quota after it, or
    /// `Err` with the spent quota when the caller is over its budget.
    pub fn take(&self, caller: &str, anonymous: bool, now: i64) -> Result<Quota, Quota> {
        let limit = self.limit(anonymous);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let window = windows
            .entry(caller.to_string())
            .or_insert((now + WINDOW_SECONDS, 0));
        if now >= window.0 {
            *window = (now + WINDOW_SECONDS, 0);
        }
        if window.1 >= limit {
            return Err(Quota {
                limit,
                used: window.1,
                reset: window.0,
            });
        }
        window.1 += 1;
        Ok(Quota {
            limit,
            used: window.1,
            reset: window.0,
        })
    }

    /// The quota of `caller` without counting a request (for `/rate_limit` and 304s).
    pub fn peek(&self, caller: &str, anonymous: bool, now: i64) -> Quota {
        let limit = self.limit(anonymous);
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        match windows.get(caller) {
            Some(&(reset, used)) if now < reset => Quota { limit, used, reset },
            _ => Quota {
                limit,
                used: 0,
                reset: now + WINDOW_SECONDS,
            },
        }
    }

    /// Gives a request back (a 304 answered from the client's cache does not count).
    pub fn refund(&self, caller: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(window) = windows.get_mut(caller) {
            window.1 = window.1.saturating_sub(1);
        }
    }

    pub fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_run_out_and_reset_after_the_window() {
        let limits = RateLimits::new(2, 1);
        assert_eq!(limits.take("u", false, 100).map(|q| q.remaining()), Ok(1));
        assert_eq!(limits.take("u", false, 101).map(|q| q.remaining()), Ok(0));
        assert!(limits.take("u", false, 102).is_err());
        assert_eq!(limits.take("ip", true, 102).map(|q| q.remaining()), Ok(0));
        assert!(limits.take("ip", true, 103).is_err());
        let after = limits.take("u", false, 100 + WINDOW_SECONDS).unwrap();
        assert_eq!((after.used, after.reset), (1, 100 + 2 * WINDOW_SECONDS));
    }
}
