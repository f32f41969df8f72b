//! The Docker Engine API's wire types that the daemon reads and writes, written from moby's
//! `api/swagger.yaml` (1.51) with Docker's PascalCase names: only those the daemon serves.
//!
//! Container `Config` and `HostConfig` keep every field a client sent (`extra`), typed or not,
//! so inspect shows a container as it was created; the typed fields are the ones a backend acts
//! on. What this module must not do: hold behaviour; it is data and its serde shape.

pub mod container;
pub mod exec;
pub mod image;
pub mod network;
pub mod resources;
pub mod system;
pub mod volume;

pub use container::*;
pub use exec::*;
pub use image::*;
pub use network::*;
pub use resources::*;
pub use system::*;
pub use volume::*;

/// Docker's zero time, which inspect shows for a time that has not happened.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Formats `time` as Docker does: RFC 3339 with nanoseconds, in UTC.
pub fn rfc3339_nanos(time: std::time::SystemTime) -> String {
    let time = time::OffsetDateTime::from(time);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    time.format(&format)
        .unwrap_or_else(|_| ZERO_TIME.to_string())
}

/// Seconds since the epoch, for listings' `Created`.
pub fn unix_seconds(time: std::time::SystemTime) -> i64 {
    match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => since.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}
