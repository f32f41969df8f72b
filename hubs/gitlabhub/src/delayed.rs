//! Delayed jobs (`when: delayed` with `start_in`): a job whose prerequisites are done waits
//! in `scheduled` until its `scheduled_at`, then becomes `pending`. One task sleeps until the
//! earliest such time (read from the store, so a restart re-arms what was scheduled) and is
//! woken early when a job is scheduled, played or canceled.
//!
//! What this module must not do: poll, or read the time other than through the kit's clock.

use std::sync::Arc;
use std::time::Duration;

use crate::error::Result;
use crate::model::key;
use crate::state::Gitlab;

/// Milliseconds since the epoch of one of our timestamps.
fn millis_of(text: &str) -> Option<i64> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

impl Gitlab {
    /// Queues every scheduled job whose time has come; answers how long until the next one.
    pub fn promote_due_jobs(&self) -> Result<Option<Duration>> {
        let now_millis = self.kit.clock().now_millis();
        let now = self.now();
        let mut next: Option<i64> = None;
        let mut moved = std::collections::BTreeSet::new();
        {
            let _guard = self.engine_lock();
            for (_, job) in self.db.jobs.all() {
                if job.status != "scheduled" {
                    continue;
                }
                let at = job.scheduled_at.as_deref().and_then(millis_of).unwrap_or(0);
                if at > now_millis {
                    next = Some(next.map_or(at, |earliest| earliest.min(at)));
                    continue;
                }
                self.db.jobs.update(&key(job.id), |record| {
                    if record.status == "scheduled" {
                        record.status = "pending".into();
                        record.queued_at = Some(now.clone());
                    }
                })?;
                moved.insert(job.pipeline_id);
            }
        }
        for pipeline_id in &moved {
            self.process_pipeline(*pipeline_id)?;
        }
        if !moved.is_empty() {
            self.jobs_queued.notify_waiters();
        }
        Ok(next.map(|at| Duration::from_millis(u64::try_from(at - now_millis).unwrap_or(0))))
    }
}

/// Runs until the hub stops: queues delayed jobs when their time comes.
pub async fn run(gitlab: Arc<Gitlab>) {
    loop {
        // Registered before the store is read, so a job scheduled meanwhile still wakes us.
        let scheduled = gitlab.delayed_jobs.notified();
        let stopping = gitlab.stop_polls.notified();
        tokio::pin!(scheduled, stopping);
        scheduled.as_mut().enable();
        stopping.as_mut().enable();
        if gitlab.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let wait = match gitlab.promote_due_jobs() {
            Ok(wait) => wait,
            Err(error) => {
                tracing::error!(%error, "queueing delayed jobs");
                Some(Duration::from_secs(1))
            }
        };
        match wait {
            Some(wait) => tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = &mut scheduled => {}
                () = &mut stopping => return,
            },
            None => tokio::select! {
                () = &mut scheduled => {}
                () = &mut stopping => return,
            },
        }
    }
}
