//! Pipeline schedules at work: running one (a pipeline with `CI_PIPELINE_SOURCE=schedule`, the
//! schedule's ref and variables, started as its owner), computing `next_run_at`, and the
//! timer that runs active schedules when their time comes. The timer sleeps until the earliest
//! `next_run_at` read from the store, so a restart re-arms every schedule, and a schedule whose
//! time passed while the hub was down runs once when it comes back (as GitLab's worker runs
//! every schedule whose `next_run_at` is past).
//!
//! What this module must not do: poll, read the time other than through the kit's clock, or
//! speak HTTP.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cron::{Cron, CronZone};
use crate::engine::{NewPipeline, ZERO_SHA};
use crate::error::{GitlabError, Result};
use crate::model::{Pipeline, PipelineSchedule, key};
use crate::state::{Gitlab, format_time};

pub fn schedule_key(project_id: u64, schedule_id: u64) -> String {
    format!("{}/{}", key(project_id), key(schedule_id))
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// When a schedule with this expression and zone next runs after `now`, as GitLab computes
/// it: the schedule worker only runs at its own ticks, so unless the expression's next time
/// is the worker's next tick, the schedule runs at the first tick after that time (with the
/// default worker, `30 1 * * *` runs at 01:33). `None` when the expression or zone is invalid
/// or the expression never matches.
pub fn next_run(
    cron: &str,
    zone: &str,
    worker: &Cron,
    now: std::time::SystemTime,
) -> Option<String> {
    let cron = Cron::parse(cron).ok()?;
    let zone = crate::cron::zone(zone)?;
    let now = OffsetDateTime::from(now);
    let ideal = cron.next_after(now, &zone)?;
    let utc = CronZone::utc();
    let next = if Some(ideal) == worker.next_after(now, &utc) {
        ideal
    } else {
        worker.next_after(ideal, &utc)?
    };
    Some(format_time(next.into()))
}

impl Gitlab {
    /// Starts the schedule's pipeline now, as its owner, and records it on the schedule.
    pub fn run_schedule(&self, schedule: &PipelineSchedule) -> Result<Pipeline> {
        let project = self
            .project(schedule.project_id)
            .ok_or_else(|| GitlabError::not_found("Project"))?;
        let owner = self
            .user(schedule.owner_id)
            .ok_or_else(|| GitlabError::not_found("User"))?;
        let repo = self.repo(&project)?;
        let (short_ref, candidates) = match (
            schedule.git_ref.strip_prefix("refs/heads/"),
            schedule.git_ref.strip_prefix("refs/tags/"),
        ) {
            (Some(branch), _) => (branch, vec![(schedule.git_ref.clone(), false)]),
            (_, Some(tag)) => (tag, vec![(schedule.git_ref.clone(), true)]),
            _ => (
                schedule.git_ref.as_str(),
                vec![
                    (format!("refs/heads/{}", schedule.git_ref), false),
                    (format!("refs/tags/{}", schedule.git_ref), true),
                ],
            ),
        };
        let mut found = None;
        for (full, tag) in candidates {
            if let Some(sha) = repo.resolve(&full)? {
                found = Some((sha, tag));
                break;
            }
        }
        let (sha, tag) = found.ok_or_else(|| {
            GitlabError::Validation(vec![("base".into(), "Reference not found".into())])
        })?;
        let pipeline = self.create_pipeline(
            &project,
            &owner,
            NewPipeline {
                git_ref: short_ref.to_string(),
                tag,
                sha,
                before_sha: ZERO_SHA.into(),
                source: "schedule".into(),
                variables: schedule.variables.clone(),
                changed_files: None,
                merge_request_iid: None,
                config_source: None,
                upstream: None,
            },
        )?;
        self.db
            .pipeline_schedules
            .update(&schedule_key(schedule.project_id, schedule.id), |record| {
                record.pipeline_ids.push(pipeline.id)
            })?;
        Ok(pipeline)
    }

    /// Runs every active schedule whose time has come and moves its `next_run_at` on; answers
    /// how long until the next one.
    pub fn run_due_schedules(&self) -> Result<Option<Duration>> {
        let now = self.kit.clock().now();
        let now_at = OffsetDateTime::from(now);
        let mut earliest: Option<OffsetDateTime> = None;
        for (record_key, schedule) in self.db.pipeline_schedules.all() {
            if !schedule.active {
                continue;
            }
            let Some(at) = parse_time(&schedule.next_run_at) else {
                continue;
            };
            if at > now_at {
                earliest = Some(earliest.map_or(at, |e| e.min(at)));
                continue;
            }
            if let Err(error) = self.run_schedule(&schedule) {
                tracing::debug!(schedule = schedule.id, %error, "scheduled pipeline not created");
            }
            let next = next_run(
                &schedule.cron,
                &schedule.cron_timezone,
                &self.schedule_worker,
                now,
            );
            self.db.pipeline_schedules.update(&record_key, |record| {
                if let Some(next) = &next {
                    record.next_run_at = next.clone();
                }
            })?;
            if let Some(next) = next.as_deref().and_then(parse_time) {
                earliest = Some(earliest.map_or(next, |e| e.min(next)));
            }
        }
        Ok(earliest.map(|at| {
            let wait = at - now_at;
            Duration::from_millis(u64::try_from(wait.whole_milliseconds()).unwrap_or(0))
        }))
    }
}

/// Runs until the hub stops: starts scheduled pipelines when their time comes.
pub async fn run(gitlab: Arc<Gitlab>) {
    loop {
        // Registered before the store is read, so a change made meanwhile still wakes us.
        let changed = gitlab.schedules_changed.notified();
        let stopping = gitlab.stop_polls.notified();
        tokio::pin!(changed, stopping);
        changed.as_mut().enable();
        stopping.as_mut().enable();
        if gitlab.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let wait = match gitlab.run_due_schedules() {
            Ok(wait) => wait,
            Err(error) => {
                tracing::error!(%error, "running pipeline schedules");
                Some(Duration::from_secs(1))
            }
        };
        match wait {
            Some(wait) => tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = &mut changed => {}
                () = &mut stopping => return,
            },
            None => tokio::select! {
                () = &mut changed => {}
                () = &mut stopping => return,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cron: &str, zone: &str, worker: &str, now: &str, expected: Option<&str>) {
        let worker = Cron::parse(worker).expect("worker cron");
        let now = OffsetDateTime::parse(now, &Rfc3339).expect("now");
        assert_eq!(
            next_run(cron, zone, &worker, now.into()).as_deref(),
            expected,
            "{cron} with worker ticks at {worker:?}"
        );
    }

    #[test]
    fn next_run_waits_for_the_workers_tick() {
        let default = crate::state::DEFAULT_SCHEDULE_WORKER_CRON;
        check(
            "30 1 * * *",
            "UTC",
            default,
            "2026-12-07T10:15:00Z",
            Some("2026-12-08T01:33:00.000Z"),
        );
        // The worker's next tick itself is kept.
        check(
            "23 10 * * *",
            "UTC",
            default,
            "2026-12-07T10:15:00Z",
            Some("2026-12-07T10:23:00.000Z"),
        );
        // A time that is a later tick still moves to the tick after it, as GitLab's does.
        check(
            "33 1 * * *",
            "UTC",
            default,
            "2026-12-07T10:15:00Z",
            Some("2026-12-08T01:43:00.000Z"),
        );
        check(
            "* * * * *",
            "UTC",
            default,
            "2026-12-07T10:15:30Z",
            Some("2026-12-07T10:23:00.000Z"),
        );
        check(
            "* * * * *",
            "UTC",
            "* * * * *",
            "2026-12-07T10:15:30Z",
            Some("2026-12-07T10:16:00.000Z"),
        );
        check(
            "0 9 * * *",
            "Etc/GMT+5",
            default,
            "2026-12-07T10:00:00Z",
            Some("2026-12-07T14:03:00.000Z"),
        );
        // 09:00 in Berlin in winter is 08:00 UTC; the worker's next tick after it is 08:03.
        check(
            "0 9 * * *",
            "Europe/Berlin",
            default,
            "2026-12-07T10:00:00Z",
            Some("2026-12-08T08:03:00.000Z"),
        );
        check(
            "0 9 * * *",
            "Mars/Olympus",
            default,
            "2026-12-07T10:00:00Z",
            None,
        );
    }
}
