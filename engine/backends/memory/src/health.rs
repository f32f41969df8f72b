//! Health checks: a container's `Healthcheck` (its own, else its image's; `["NONE"]` turns
//! it off) probed by exec in the running container every `Interval` (every `StartInterval`
//! during `StartPeriod`), each probe stopped after `Timeout`. `Retries` failures in a row make
//! it `unhealthy`, one success `healthy`; a failure inside the start period does not count.
//! Each change publishes Docker's `health_status: STATUS` event.
//!
//! The state lives in memory beside the running workload, as Docker starts it over at
//! `starting` on every start. What this module must not do: report a probe that did not run.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use engine_core::api::{ContainerConfig, Health, HealthProbe, rfc3339_nanos};
use serde_json::Value;
use simkit::logs::{FnSink, LogLine};
use simkit::runner::{ExecSpec, Workload};

use crate::containers::Containers;

/// A health check as the container will run it.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub argv: Vec<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub start_interval: Duration,
    pub retries: i64,
}

fn duration(config: &Value, key: &str, default: Duration) -> Duration {
    match config.get(key).and_then(Value::as_i64) {
        Some(nanos) if nanos > 0 => Duration::from_nanos(nanos as u64),
        _ => default,
    }
}

/// The check `config` (or else `image_config`) asks for, if any.
pub fn check_of(config: &ContainerConfig, image_config: &Value) -> Option<Check> {
    let own = config.extra.get("Healthcheck").filter(|h| !h.is_null());
    let image = image_config.get("Healthcheck").filter(|h| !h.is_null());
    let chosen = own
        .filter(|h| {
            h.get("Test")
                .and_then(Value::as_array)
                .is_some_and(|t| !t.is_empty())
        })
        .or(image)?;
    let test: Vec<String> = chosen
        .get("Test")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect();
    let argv = match test.first().map(String::as_str) {
        Some("CMD") => test[1..].to_vec(),
        Some("CMD-SHELL") => vec!["/bin/sh".into(), "-c".into(), test[1..].join(" ")],
        _ => return None,
    };
    if argv.is_empty() {
        return None;
    }
    // Settings the container leaves at zero come from the image's check.
    let setting = |key: &str, default: Duration| {
        let from_image = image.map_or(default, |i| duration(i, key, default));
        own.map_or(from_image, |o| duration(o, key, from_image))
    };
    let retries = own
        .and_then(|o| o.get("Retries").and_then(Value::as_i64))
        .filter(|r| *r > 0)
        .or_else(|| {
            image
                .and_then(|i| i.get("Retries").and_then(Value::as_i64))
                .filter(|r| *r > 0)
        })
        .unwrap_or(3);
    Some(Check {
        argv,
        interval: setting("Interval", Duration::from_secs(30)),
        timeout: setting("Timeout", Duration::from_secs(30)),
        start_period: setting("StartPeriod", Duration::ZERO),
        start_interval: setting("StartInterval", Duration::from_secs(5)),
        retries,
    })
}

/// The health of running containers.
#[derive(Debug, Default)]
pub struct HealthBook {
    states: Mutex<HashMap<String, Health>>,
}

impl HealthBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Health>> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: &str) -> Option<Health> {
        self.lock().get(id).cloned()
    }

    pub fn forget(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Folds a probe in; the new status when it changed.
    fn record(&self, id: &str, probe: HealthProbe, counts: bool, retries: i64) -> Option<String> {
        let mut states = self.lock();
        let health = states.get_mut(id)?;
        let before = health.status.clone();
        if probe.exit_code == 0 {
            health.failing_streak = 0;
            health.status = "healthy".into();
        } else if counts {
            health.failing_streak += 1;
            if health.failing_streak >= retries {
                health.status = "unhealthy".into();
            }
        }
        let mut log: VecDeque<HealthProbe> = health.log.drain(..).collect();
        log.push_back(probe);
        while log.len() > 5 {
            log.pop_front();
        }
        health.log = log.into();
        (health.status != before).then(|| health.status.clone())
    }
}

/// Starts probing a container that has just started with `workload`.
pub fn watch(containers: &Arc<Containers>, id: &str, workload: Workload, check: Check) {
    containers.health.lock().insert(
        id.to_string(),
        Health {
            status: "starting".into(),
            failing_streak: 0,
            log: Vec::new(),
        },
    );
    let weak: Weak<Containers> = Arc::downgrade(containers);
    let id = id.to_string();
    tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        loop {
            let in_start_period = started.elapsed() < check.start_period;
            let wait = if in_start_period {
                check.start_interval
            } else {
                check.interval
            };
            tokio::time::sleep(wait).await;
            if workload.exit_status().is_some() {
                return;
            }
            let Some(containers) = weak.upgrade() else {
                return;
            };
            let in_start_period = started.elapsed() < check.start_period;
            let probe = probe(&containers, &workload, &check).await;
            let Some(probe) = probe else {
                return;
            };
            // Docker counts no failure inside the start period; a success there still makes
            // the container healthy.
            let changed = containers
                .health
                .record(&id, probe, !in_start_period, check.retries);
            if let Some(status) = changed {
                containers.health_changed(&id, &status);
            }
        }
    });
}

/// Runs one probe; `None` when the container is gone.
async fn probe(containers: &Containers, workload: &Workload, check: &Check) -> Option<HealthProbe> {
    let output = Arc::new(Mutex::new(String::new()));
    let collected = output.clone();
    let sink = Arc::new(FnSink(move |line: LogLine| {
        let mut text = collected.lock().unwrap_or_else(|p| p.into_inner());
        // Docker keeps at most 4 KiB of a probe's output.
        if text.len() < 4096 {
            text.push_str(&line.text);
            text.push('\n');
        }
    }));
    let start = containers.now();
    let spec = ExecSpec {
        name: "health".into(),
        argv: check.argv.clone(),
        env: Vec::new(),
        user: None,
        working_dir: None,
        stdin: None,
        terminal: None,
    };
    let (code, note) = match containers
        .runner_of(workload)
        .exec(workload, spec, sink)
        .await
    {
        Ok(process) => match tokio::time::timeout(check.timeout, process.wait()).await {
            Ok(status) => (i64::from(status.code), None),
            Err(_) => {
                process.kill();
                (
                    -1,
                    Some(format!(
                        "Health check exceeded timeout ({}s)",
                        check.timeout.as_secs_f64()
                    )),
                )
            }
        },
        Err(simkit::runner::RunnerError::NotRunning) => return None,
        Err(error) => (-1, Some(error.to_string())),
    };
    let end = containers.now();
    let mut text = output.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(note) = note {
        text = note;
    }
    Some(HealthProbe {
        start: rfc3339_nanos(start),
        end: rfc3339_nanos(end),
        exit_code: code,
        output: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_merge_the_image_and_the_container() {
        let image = serde_json::json!({ "Healthcheck": { "Test": ["CMD-SHELL", "true"], "Interval": 2_000_000_000i64 } });
        let mut config = ContainerConfig::default();
        let check = check_of(&config, &image).unwrap();
        assert_eq!(check.argv, ["/bin/sh", "-c", "true"]);
        assert_eq!(check.interval, Duration::from_secs(2));
        assert_eq!(check.retries, 3);
        config.extra.insert(
            "Healthcheck".into(),
            serde_json::json!({ "Test": ["CMD", "cat", "/ok"], "Retries": 1 }),
        );
        let check = check_of(&config, &image).unwrap();
        assert_eq!(check.argv, ["cat", "/ok"]);
        assert_eq!((check.interval, check.retries), (Duration::from_secs(2), 1));
        config.extra.insert(
            "Healthcheck".into(),
            serde_json::json!({ "Test": ["NONE"] }),
        );
        assert_eq!(check_of(&config, &image), None);
    }
}
