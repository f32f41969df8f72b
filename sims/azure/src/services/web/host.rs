//! A custom-container function app's process: a site whose `linuxFxVersion` is
//! `DOCKER|IMAGE` runs through the kit's runner with its `appCommandLine` (`/bin/sh -c`), or,
//! under oci with no command line, its image's own entrypoint. It sees its app settings as
//! environment variables and what App Service adds (`WEBSITE_SITE_NAME`, `WEBSITE_HOSTNAME`,
//! `WEBSITE_RESOURCE_GROUP`, `WEBSITE_OWNER_NAME`, `WEBSITES_PORT`, `PORT`,
//! `FUNCTIONS_EXTENSION_VERSION` when set). It listens on `WEBSITES_PORT` (80 unless the settings
//! say otherwise) on the host network, where `NAME.azurewebsites.net` is proxied.
//!
//! Each line it prints goes to the simulator's own log and, through the site's diagnostic
//! settings (`services::insights`), to `FunctionAppLogs` in their workspaces.
//!
//! A process that exits is started again after a back-off (1 s, doubling to 30 s), as App
//! Service restarts a container. Changing the settings or the config restarts it; a stopped,
//! disabled or deleted site has none. Process state lives in memory; running sites are started
//! again when the simulator starts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::runner::{WorkloadImage, WorkloadSpec};
use tokio::sync::watch;

use super::{SITES_DOMAIN, SiteRecord, WebApps};
use crate::services::insights::ResourceLogLine;

/// The port a site listens on unless `WEBSITES_PORT` says otherwise.
const DEFAULT_PORT: u16 = 80;

/// A running site: dropping the sender (or sending `true`) stops its loop.
#[derive(Debug)]
pub struct Running {
    stop: watch::Sender<bool>,
    pub port: u16,
}

/// The image a `DOCKER|IMAGE` `linuxFxVersion` names.
pub fn container_image(config: &serde_json::Map<String, Value>) -> Option<String> {
    let fx = config.get("linuxFxVersion")?.as_str()?;
    let (kind, image) = fx.split_once('|')?;
    (kind.eq_ignore_ascii_case("DOCKER") && !image.trim().is_empty())
        .then(|| image.trim().to_string())
}

fn port(record: &SiteRecord) -> u16 {
    record
        .app_settings
        .get("WEBSITES_PORT")
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

fn should_run(record: &SiteRecord) -> bool {
    let properties = record.site.properties.as_ref();
    let enabled = properties
        .and_then(|p| p.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let running = properties
        .and_then(|p| p.get("state"))
        .and_then(Value::as_str)
        .is_none_or(|s| s == "Running");
    enabled && running && container_image(&record.config).is_some()
}

impl WebApps {
    /// Stops the site's process, if any, and starts it again from its current record.
    pub(super) fn restart(self: &Arc<Self>, key: &str) {
        self.stop(key);
        let Some(record) = self.sites.get(key) else {
            return;
        };
        if !should_run(&record) {
            return;
        }
        let (stop, stopped) = watch::channel(false);
        let port = port(&record);
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), Running { stop, port });
        tokio::spawn(run(self.clone(), key.to_string(), stopped));
    }

    pub(super) fn stop(&self, key: &str) {
        if let Some(running) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key)
        {
            let _ = running.stop.send(true);
        }
    }

    /// Starts every running site again (after the simulator started).
    pub fn resume_sites(self: &Arc<Self>) {
        for (key, _) in self.sites.all() {
            self.restart(&key);
        }
    }

    /// The port the site `host` (`NAME.azurewebsites.net`) names listens on, when it runs.
    pub fn site_port_for_host(&self, host: &str) -> Option<u16> {
        let name = host
            .to_ascii_lowercase()
            .strip_suffix(SITES_DOMAIN)?
            .to_string();
        let (key, _) = self.site_by_name(&name)?;
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .map(|r| r.port)
    }
}

/// Whether `host` is under `azurewebsites.net` (a site's or its SCM site's name).
pub fn is_site_host(host: &str) -> bool {
    host.to_ascii_lowercase().ends_with(SITES_DOMAIN)
}

fn spec(
    record: &SiteRecord,
    image: &str,
    located: Result<simkit::runner::LocatedImage, String>,
) -> WorkloadSpec {
    let name = record.site.name.clone().unwrap_or_default();
    let mut env: BTreeMap<String, String> = record.app_settings.clone();
    let port = port(record).to_string();
    env.insert("WEBSITE_SITE_NAME".into(), name.clone());
    env.insert(
        "WEBSITE_HOSTNAME".into(),
        format!("{}{SITES_DOMAIN}", name.to_ascii_lowercase()),
    );
    env.insert("WEBSITE_RESOURCE_GROUP".into(), record.group.clone());
    env.insert(
        "WEBSITE_OWNER_NAME".into(),
        format!("{}+{}-webspace", record.subscription, record.group),
    );
    env.insert("WEBSITES_PORT".into(), port.clone());
    env.insert("PORT".into(), port);
    let command_line = record
        .config
        .get("appCommandLine")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .map(str::to_string);
    let argv = match &command_line {
        Some(line) => vec!["/bin/sh".to_string(), "-c".to_string(), line.clone()],
        None => Vec::new(),
    };
    WorkloadSpec {
        name: format!("functionapp/{name}"),
        argv: argv.clone(),
        env,
        timeout: None,
        stop_grace: Duration::from_secs(10),
        hostname: Some(name),
        image: Some(WorkloadImage {
            reference: image.to_string(),
            located,
            entrypoint: command_line.as_ref().map(|_| argv.clone()),
            command: command_line.as_ref().map(|_| Vec::new()),
            working_dir: None,
        }),
        ..Default::default()
    }
}

/// Runs the site's process until it is stopped, starting it again when it exits.
async fn run(web: Arc<WebApps>, key: String, mut stopped: watch::Receiver<bool>) {
    let mut backoff = Duration::from_secs(1);
    loop {
        if *stopped.borrow() {
            return;
        }
        let Some(record) = web.sites.get(&key) else {
            return;
        };
        let Some(image) = container_image(&record.config) else {
            return;
        };
        let site = record.site.name.clone().unwrap_or_default();
        let resource_id = record.site.id.clone().unwrap_or_default();
        let routed = web.resource_logs.get().cloned();
        let sink = Arc::new(FnSink(move |line: LogLine| {
            tracing::debug!(site = %site, line = %line.text, "function app output");
            if let Some(routed) = &routed {
                routed.function_app_line(ResourceLogLine {
                    resource_id: resource_id.clone(),
                    app_name: site.clone(),
                    time_ms: simkit::clock::millis_since_epoch(line.time),
                    stderr: line.stream == Stream::Stderr,
                    text: line.text,
                });
            }
        }));
        let located =
            crate::services::acr::pull::find_image(web.registry.get().map(Arc::as_ref), &image)
                .await;
        match web
            .kit
            .runner()
            .start(spec(&record, &image, located), sink)
            .await
        {
            Ok(workload) => {
                tokio::select! {
                    _ = workload.wait() => {}
                    _ = stopped.changed() => {
                        workload.stop(Duration::from_secs(10));
                        let _ = workload.wait().await;
                        return;
                    }
                }
            }
            Err(error) => {
                tracing::debug!(%error, key, "a function app's process could not start");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stopped.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn docker_fx_versions() {
        let config = |fx: &str| {
            json!({"linuxFxVersion": fx})
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(
            container_image(&config("DOCKER|myreg.azurecr.io/app:1")).as_deref(),
            Some("myreg.azurecr.io/app:1")
        );
        assert_eq!(
            container_image(&config("docker|busybox")).as_deref(),
            Some("busybox")
        );
        assert_eq!(container_image(&config("PYTHON|3.11")), None);
        assert_eq!(container_image(&config("DOCKER|")), None);
        assert_eq!(container_image(&config("")), None);
    }
}
