//! Upstream answers brought into the engine's API types. Docker-API daemons leave out, or send
//! as `null`, fields Docker always gives (Podman 4.3: `Labels: null` on images, no
//! `HostConfig` in container listings, `Warnings: null`); each function here fills those with
//! Docker's empty value before decoding, so a client sees Docker's shape. Values the upstream
//! did give pass unchanged.
//!
//! What this module must not do: invent a value that means something (a state, an exit code,
//! a time): only empty strings, lists and maps, zeros and `false`.

use serde_json::{Value, json};

/// Sets each `(key, empty)` the object lacks or has as `null`.
fn fill(value: &mut Value, defaults: &[(&str, Value)]) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    for (key, empty) in defaults {
        let slot = object.entry(key.to_string()).or_insert(Value::Null);
        if slot.is_null() {
            *slot = empty.clone();
        }
    }
}

fn each(value: &mut Value, fix: fn(&mut Value)) {
    if let Some(items) = value.as_array_mut() {
        items.iter_mut().for_each(fix);
    }
}

fn strings(keys: &[&'static str]) -> Vec<(&'static str, Value)> {
    keys.iter().map(|key| (*key, json!(""))).collect()
}

pub fn image_summary(value: &mut Value) {
    fill(
        value,
        &[
            ("Id", json!("")),
            ("ParentId", json!("")),
            ("RepoTags", json!([])),
            ("RepoDigests", json!([])),
            ("Created", json!(0)),
            ("Size", json!(0)),
            ("SharedSize", json!(-1)),
            ("Labels", json!({})),
            ("Containers", json!(-1)),
        ],
    );
}

pub fn image_summaries(value: &mut Value) {
    each(value, image_summary);
}

pub fn image_inspect(value: &mut Value) {
    let mut defaults = strings(&[
        "Id",
        "Parent",
        "Comment",
        "Created",
        "Author",
        "Architecture",
        "Os",
    ]);
    defaults.extend([
        ("RepoTags", json!([])),
        ("RepoDigests", json!([])),
        ("Config", json!({})),
        ("Size", json!(0)),
        ("GraphDriver", json!({"Data": null, "Name": ""})),
        ("RootFS", json!({"Type": "layers"})),
        ("Metadata", json!({"LastTagTime": "0001-01-01T00:00:00Z"})),
    ]);
    fill(value, &defaults);
}

fn mount_point(value: &mut Value) {
    let mut defaults = strings(&["Type", "Source", "Destination", "Mode", "Propagation"]);
    defaults.push(("RW", json!(false)));
    fill(value, &defaults);
}

pub fn container_summary(value: &mut Value) {
    let mut defaults = strings(&["Id", "Image", "ImageID", "Command", "State", "Status"]);
    defaults.extend([
        ("Names", json!([])),
        ("Created", json!(0)),
        ("Ports", json!([])),
        ("Labels", json!({})),
        ("HostConfig", json!({})),
        ("NetworkSettings", json!({"Networks": {}})),
        ("Mounts", json!([])),
    ]);
    fill(value, &defaults);
    if let Some(mounts) = value.get_mut("Mounts") {
        each(mounts, mount_point);
    }
}

pub fn container_summaries(value: &mut Value) {
    each(value, container_summary);
}

/// A container `Config`'s string fields, which the engine's type reads as strings.
fn container_config(value: &mut Value) {
    fill(
        value,
        &strings(&["Hostname", "Domainname", "User", "Image", "WorkingDir"]),
    );
}

fn host_config(value: &mut Value) {
    fill(
        value,
        &[
            ("NetworkMode", json!("")),
            ("RestartPolicy", json!({"Name": "", "MaximumRetryCount": 0})),
        ],
    );
}

pub fn container_inspect(value: &mut Value) {
    let mut defaults = strings(&[
        "Id",
        "Created",
        "Path",
        "Image",
        "ResolvConfPath",
        "HostnamePath",
        "HostsPath",
        "LogPath",
        "Name",
        "Driver",
        "Platform",
        "MountLabel",
        "ProcessLabel",
        "AppArmorProfile",
    ]);
    defaults.extend([
        ("Args", json!([])),
        ("RestartCount", json!(0)),
        ("HostConfig", json!({})),
        ("GraphDriver", json!({"Data": null, "Name": ""})),
        ("Mounts", json!([])),
        ("Config", json!({})),
        ("NetworkSettings", json!({})),
    ]);
    fill(value, &defaults);
    if let Some(state) = value.get_mut("State") {
        let mut defaults = strings(&["Status", "Error", "StartedAt", "FinishedAt"]);
        defaults.extend([
            ("Running", json!(false)),
            ("Paused", json!(false)),
            ("Restarting", json!(false)),
            ("OOMKilled", json!(false)),
            ("Dead", json!(false)),
            ("Pid", json!(0)),
            ("ExitCode", json!(0)),
        ]);
        fill(state, &defaults);
        // Podman answers `"Health": {"Status": ""}` for a container with no health check,
        // where Docker leaves `Health` out.
        if let Some(state) = state.as_object_mut()
            && state
                .get("Health")
                .and_then(|health| health.get("Status"))
                .is_some_and(|status| status == "")
        {
            state.remove("Health");
        }
    }
    if let Some(mounts) = value.get_mut("Mounts") {
        each(mounts, mount_point);
    }
    if let Some(config) = value.get_mut("Config") {
        container_config(config);
    }
    if let Some(host) = value.get_mut("HostConfig") {
        host_config(host);
    }
}

pub fn container_created(value: &mut Value) {
    fill(value, &[("Id", json!("")), ("Warnings", json!([]))]);
}

/// Leaves the value as it is (answers whose shape is already the engine's).
pub fn unchanged(_: &mut Value) {}

/// `GET /images/{name}/history`: missing strings and sizes become Docker's empty values.
pub fn history(value: &mut Value) {
    for entry in value.as_array_mut().into_iter().flatten() {
        let Some(object) = entry.as_object_mut() else {
            continue;
        };
        for (key, empty) in [
            ("Id", Value::String(String::new())),
            ("Created", Value::from(0)),
            ("CreatedBy", Value::String(String::new())),
            ("Size", Value::from(0)),
            ("Comment", Value::String(String::new())),
        ] {
            let slot = object.entry(key).or_insert(Value::Null);
            if slot.is_null() {
                *slot = empty;
            }
        }
        object.entry("Tags").or_insert(Value::Null);
    }
}

/// `GET /exec/{id}/json`: Podman leaves `DetachKeys` and `CanRemove` out, and `ProcessConfig`'s
/// `user` may be null.
pub fn exec_inspect(value: &mut Value) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    for (key, empty) in [
        ("CanRemove", Value::Bool(false)),
        ("DetachKeys", Value::String(String::new())),
        ("OpenStderr", Value::Bool(false)),
        ("OpenStdin", Value::Bool(false)),
        ("OpenStdout", Value::Bool(false)),
        ("Running", Value::Bool(false)),
        ("Pid", Value::from(0)),
        ("ContainerID", Value::String(String::new())),
    ] {
        let slot = object.entry(key).or_insert(Value::Null);
        if slot.is_null() {
            *slot = empty;
        }
    }
    let process = object
        .entry("ProcessConfig")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(process) = process.as_object_mut() {
        for (key, empty) in [
            ("arguments", Value::Array(Vec::new())),
            ("entrypoint", Value::String(String::new())),
            ("privileged", Value::Bool(false)),
            ("tty", Value::Bool(false)),
            ("user", Value::String(String::new())),
        ] {
            let slot = process.entry(key).or_insert(Value::Null);
            if slot.is_null() {
                *slot = empty;
            }
        }
    }
}

/// A volume: every field Docker always gives, `Labels` and `Options` may be `null`.
pub fn volume(value: &mut Value) {
    fill(
        value,
        &strings(&["CreatedAt", "Driver", "Mountpoint", "Name", "Scope"]),
    );
    if let Some(object) = value.as_object_mut() {
        object.entry("Labels").or_insert(Value::Null);
        object.entry("Options").or_insert(Value::Null);
    }
}

/// `GET /volumes`: `Volumes` a list of volumes.
pub fn volume_list(value: &mut Value) {
    fill(value, &[("Volumes", json!([]))]);
    if let Some(object) = value.as_object_mut() {
        object.entry("Warnings").or_insert(Value::Null);
        if let Some(volumes) = object.get_mut("Volumes") {
            each(volumes, volume);
        }
    }
}

/// A network: the maps Podman leaves null become empty, as Docker answers them.
pub fn network(value: &mut Value) {
    fill(
        value,
        &[
            ("Containers", json!({})),
            ("Options", json!({})),
            ("Labels", json!({})),
            (
                "IPAM",
                json!({ "Driver": "default", "Options": null, "Config": [] }),
            ),
            ("ConfigFrom", json!({ "Network": "" })),
        ],
    );
}

/// `GET /networks`: a list of networks.
pub fn network_list(value: &mut Value) {
    if value.is_null() {
        *value = json!([]);
    }
    each(value, network);
}

/// `GET /system/df`: each part's entries in the shapes their own listings take, and the
/// sizes an upstream leaves out as Docker's "not computed" (-1).
pub fn system_df(value: &mut Value) {
    for (key, fix) in [
        ("Images", image_summary as fn(&mut Value)),
        ("Containers", container_summary),
        ("Volumes", volume),
    ] {
        match value.get_mut(key) {
            Some(Value::Array(entries)) => entries.iter_mut().for_each(fix),
            _ => value[key] = Value::Array(Vec::new()),
        }
    }
    for container in value["Containers"].as_array_mut().into_iter().flatten() {
        for size in ["SizeRw", "SizeRootFs"] {
            if !container.get(size).is_some_and(Value::is_i64) {
                container[size] = Value::from(-1);
            }
        }
    }
    for volume in value["Volumes"].as_array_mut().into_iter().flatten() {
        if !volume.get("UsageData").is_some_and(Value::is_object) {
            volume["UsageData"] = serde_json::json!({"Size": -1, "RefCount": -1});
        }
    }
    if !value.get("LayersSize").is_some_and(Value::is_i64) {
        value["LayersSize"] = Value::from(0);
    }
    value["BuildCache"] = Value::Array(Vec::new());
}

/// One `GET /containers/{id}/stats` sample: Docker names the container with its leading slash
/// (`/box`), as in inspect, and the CLI cuts the first character off; Podman sends `box`, which
/// the CLI would print as `ox`.
pub fn stats_sample(value: &mut Value) {
    if let Some(Value::String(name)) = value.get_mut("name")
        && !name.is_empty()
        && !name.starts_with('/')
    {
        name.insert(0, '/');
    }
}

/// The message `POST /images/create?fromSrc=` ends with. Docker's is `{"status":"sha256:HEX"}`
/// (the CLI prints the status as the new image's ID); Podman 4.3 sends the bare hex as both
/// `status` and `id`, which the CLI prints as `HEX: HEX`. Any other message passes unchanged.
pub fn import_message(value: &mut Value) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    let bare_hex = |text: &str| text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
    let digest = |key: &str| {
        let text = object.get(key).and_then(Value::as_str).unwrap_or("");
        text.strip_prefix("sha256:").unwrap_or(text).to_string()
    };
    let (status, id) = (digest("status"), digest("id"));
    let (status, id) = (status.as_str(), id.as_str());
    let hex = if bare_hex(status) {
        status.to_string()
    } else if status.is_empty() && bare_hex(id) {
        id.to_string()
    } else {
        return;
    };
    if !id.is_empty() && id != hex {
        return;
    }
    object.clear();
    object.insert("status".into(), Value::String(format!("sha256:{hex}")));
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine_core::api::{ContainerInspect, ContainerSummary, ImageSummary};

    #[test]
    fn podman_stats_and_import_take_docker_shapes() {
        let mut sample = json!({"name": "box", "id": "abc"});
        stats_sample(&mut sample);
        assert_eq!(sample["name"], "/box");
        stats_sample(&mut sample);
        assert_eq!(sample["name"], "/box");
        let hex = "a".repeat(64);
        for mut podman in [
            json!({"status": hex, "progress": "", "progressDetail": {}, "id": hex}),
            json!({"status": format!("sha256:{hex}"), "id": format!("sha256:{hex}")}),
            json!({"status": format!("sha256:{hex}")}),
        ] {
            import_message(&mut podman);
            assert_eq!(podman, json!({"status": format!("sha256:{hex}")}));
        }
        let mut other = json!({"status": "Importing", "id": "layer"});
        import_message(&mut other);
        assert_eq!(other, json!({"status": "Importing", "id": "layer"}));
    }

    #[test]
    fn podman_listing_decodes_with_docker_empties() {
        // Podman 4.3's answers, trimmed: images with null labels, containers without HostConfig.
        let mut images = json!([{
            "Id": "sha256:d49b", "ParentId": "", "RepoTags": ["localhost/busybox:latest"],
            "RepoDigests": ["localhost/busybox@sha256:b55d"], "Created": 1796636093,
            "Size": 2131126, "SharedSize": 0, "VirtualSize": 2131126, "Labels": null,
            "Containers": 2, "Names": ["localhost/busybox:latest"]
        }]);
        image_summaries(&mut images);
        let images: Vec<ImageSummary> = serde_json::from_value(images).unwrap();
        assert!(images[0].labels.is_empty());
        assert_eq!(images[0].containers, 2);
        let mut containers = json!([{
            "Id": "608d", "Names": ["/c1"], "Image": "localhost/busybox:latest",
            "ImageID": "sha256:d49b", "Command": "sleep 100", "Created": 1796636195,
            "Ports": [], "Labels": {"a": "b"}, "State": "running", "Status": "Up 1 second",
            "NetworkSettings": {"Networks": {}}, "Mounts": [], "Name": "", "Config": null
        }]);
        container_summaries(&mut containers);
        let containers: Vec<ContainerSummary> = serde_json::from_value(containers).unwrap();
        assert_eq!(containers[0].state, "running");
        assert_eq!(containers[0].host_config, json!({}));
    }

    #[test]
    fn inspect_keeps_what_was_given() {
        let mut inspect = json!({
            "Id": "be4a", "Created": "2026-12-07T09:36:35.967341435Z", "Path": "sh",
            "Args": ["-c", "exit 3"],
            "State": {"Status": "exited", "Running": false, "Paused": false, "Restarting": false,
                      "OOMKilled": false, "Dead": false, "Pid": 0, "ExitCode": 3, "Error": "",
                      "StartedAt": "2026-12-07T09:36:36.211322608Z",
                      "FinishedAt": "2026-12-07T09:36:36.218545526Z", "Health": {"Status": ""}},
            "Image": "sha256:d49b", "Name": "/c2", "RestartCount": 0, "Driver": "overlay",
            "ExecIDs": [], "HostConfig": {"NetworkMode": "bridge", "RestartPolicy": null},
            "Mounts": [], "Config": {"Hostname": "be4a", "Cmd": ["sh", "-c", "exit 3"],
            "Tty": false, "Volumes": null, "StopSignal": "15"}, "NetworkSettings": {}
        });
        container_inspect(&mut inspect);
        let inspect: ContainerInspect = serde_json::from_value(inspect).unwrap();
        assert_eq!(inspect.state.exit_code, 3);
        assert_eq!(inspect.host_config.network_mode, "bridge");
        assert_eq!(inspect.config.stop_signal.as_deref(), Some("15"));
        assert!(inspect.config.extra.contains_key("Volumes"));
        assert!(
            inspect.state.health.is_none(),
            "Podman's empty Health is no health check"
        );
    }
}
