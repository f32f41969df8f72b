//! Logged-in browser sessions, for servers whose admin API requires a token.
//!
//! Logging in with the admin token sets a cookie (`HttpOnly`, `SameSite=Strict`, path
//! `/_sockerless`) naming a session; each session has its own CSRF token, which the page reads
//! from a `<meta>` element and sends as `X-CSRF-Token` with every state-changing request. A
//! request that presents only the cookie and changes state without the matching CSRF token is
//! refused. The cookie's name carries a per-process suffix, since cookies are shared by every
//! port of a host and each server keeps its own sessions.
//!
//! Sessions live in memory only (a restart logs everyone out), at most [`MAX_SESSIONS`] of
//! them, each for [`SESSION_LIFETIME`].
//!
//! What this module must not do: compare secrets in variable time, or accept a session
//! identifier it did not issue.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Kit;

/// Sessions kept at once; logging in past it forgets the oldest.
pub const MAX_SESSIONS: usize = 64;
/// How long a session lasts after logging in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The header the page sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub struct Session {
    pub csrf: String,
    created: Instant,
}

/// The sessions of one server.
#[derive(Debug, Default)]
pub struct Sessions {
    cookie_name: Mutex<Option<String>>,
    sessions: Mutex<HashMap<String, Session>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether two secrets are equal, in time that depends only on their lengths.
pub fn same_secret(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

impl Sessions {
    /// The session cookie's name for this server.
    pub fn cookie_name(&self, kit: &Kit) -> String {
        lock(&self.cookie_name)
            .get_or_insert_with(|| format!("sockerless_session_{}", kit.ids().hex(8)))
            .clone()
    }

    /// Starts a session; returns its identifier (the cookie's value).
    pub fn create(&self, kit: &Kit) -> String {
        let id = kit.ids().hex(32);
        let session = Session {
            csrf: kit.ids().hex(32),
            created: kit.clock().monotonic(),
        };
        let mut sessions = lock(&self.sessions);
        while sessions.len() >= MAX_SESSIONS {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, session)| session.created)
                .map(|(id, _)| id.clone());
            match oldest {
                Some(oldest) => sessions.remove(&oldest),
                None => break,
            };
        }
        sessions.insert(id.clone(), session);
        id
    }

    pub fn end(&self, id: &str) {
        lock(&self.sessions).remove(id);
    }

    /// The session a request's cookie names, if it is live.
    pub fn of_request(&self, kit: &Kit, headers: &http::HeaderMap) -> Option<(String, Session)> {
        let name = self.cookie_name(kit);
        let id = cookie(headers, &name)?;
        let now = kit.clock().monotonic();
        let mut sessions = lock(&self.sessions);
        let (known, session) = sessions
            .iter()
            .find(|(known, _)| same_secret(known, &id))
            .map(|(known, session)| (known.clone(), session.clone()))?;
        if now.saturating_duration_since(session.created) > SESSION_LIFETIME {
            sessions.remove(&known);
            return None;
        }
        Some((known, session))
    }
}

impl Session {
    /// Whether the request carries this session's CSRF token.
    pub fn csrf_presented(&self, headers: &http::HeaderMap) -> bool {
        headers
            .get(CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|given| same_secret(&self.csrf, given))
    }
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "a=1; sockerless_session_ab=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(
            cookie(&headers, "sockerless_session_ab").as_deref(),
            Some("xyz")
        );
        assert_eq!(cookie(&headers, "sockerless_session"), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
