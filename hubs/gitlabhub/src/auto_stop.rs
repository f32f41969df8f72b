//! Environments' auto-stop: GitLab's `Environments::AutoStopCronWorker` runs on its own cron
//! (`environments_auto_stop_cron_worker_cron`, by default `24 * * * *`) and stops every
//! available environment whose `auto_stop_at` has passed, as `POST .../stop` would: its
//! `on_stop` jobs run (the environment is `stopping` until they end), or, with none, it is
//! stopped at once. So an environment stops at the first worker tick after its time, not at
//! the time itself.
//!
//! One task sleeps until the worker's next tick on the kit's clock. Nothing is kept but the
//! environments' `auto_stop_at` in the store, so after a restart the next tick stops what
//! expired meanwhile.
//!
//! What this module must not do: poll, or read the time other than through the kit's clock.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::cron::CronZone;
use crate::error::Result;
use crate::state::Gitlab;

/// GitLab's default `environments_auto_stop_cron_worker_cron`.
pub const DEFAULT_AUTO_STOP_WORKER_CRON: &str = "24 * * * *";

impl Gitlab {
    /// Stops every available environment whose `auto_stop_at` is not after now; answers how
    /// many it stopped or began to stop.
    pub fn stop_expired_environments(&self) -> Result<usize> {
        let now = self.now();
        let expired: Vec<_> = self
            .db
            .environments
            .all()
            .into_iter()
            .map(|(_, environment)| environment)
            .filter(|environment| {
                environment.state == "available"
                    && environment
                        .auto_stop_at
                        .as_deref()
                        .is_some_and(|at| at <= now.as_str())
            })
            .collect();
        for environment in &expired {
            self.stop_environment(environment, false)?;
        }
        Ok(expired.len())
    }

    /// How long until the auto-stop worker's next tick.
    fn until_auto_stop_tick(&self) -> Option<Duration> {
        let now = OffsetDateTime::from(self.kit.clock().now());
        let next = self.auto_stop_worker.next_after(now, &CronZone::utc())?;
        Some(Duration::from_millis(
            u64::try_from((next - now).whole_milliseconds()).unwrap_or(0),
        ))
    }
}

/// Runs until the hub stops: at each tick of the worker's cron, stops expired environments.
pub async fn run(gitlab: Arc<Gitlab>) {
    loop {
        let stopping = gitlab.stop_polls.notified();
        tokio::pin!(stopping);
        stopping.as_mut().enable();
        if gitlab.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let Some(wait) = gitlab.until_auto_stop_tick() else {
            return;
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut stopping => return,
        }
        match gitlab.stop_expired_environments() {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "environments auto-stopped"),
            Err(error) => tracing::error!(%error, "auto-stopping environments"),
        }
    }
}
