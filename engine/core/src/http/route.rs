//! Docker's paths: an optional `/vMAJOR.MINOR` prefix (checked against the versions served),
//! then the route. Image names contain slashes (`localhost/busybox:1`, `127.0.0.1:5000/a/b`),
//! so image routes take every segment between `images/` and the action.

use http::Method;

use super::{MAX_API_VERSION, MIN_API_VERSION};
use crate::error::EngineError;

/// Every route served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Ping {
        head: bool,
    },
    Version,
    Info,
    Events,
    SwarmOrPlugin,
    ImageList,
    ImageInspect(String),
    ImageTag(String),
    ImageRemove(String),
    ImageLoad,
    ImageCreate,
    ContainerCreate,
    ContainerList,
    ContainerInspect(String),
    ContainerStart(String),
    ContainerStop(String),
    ContainerRestart(String),
    ContainerKill(String),
    ContainerWait(String),
    ContainerRemove(String),
    ContainerRename(String),
    ContainerLogs(String),
    ContainerAttach(String),
    ContainerResize(String),
    ContainerPause(String),
    ContainerUnpause(String),
    ContainerTop(String),
    ContainerStats(String),
    ContainerUpdate(String),
    NetworkList,
    NetworkCreate,
    NetworkPrune,
    NetworkInspect(String),
    NetworkRemove(String),
    NetworkConnect(String),
    NetworkDisconnect(String),
    VolumeList,
    VolumeCreate,
    VolumePrune,
    VolumeInspect(String),
    VolumeRemove(String),
    ContainerChanges(String),
    ContainerExport(String),
    ArchiveStat(String),
    ArchiveGet(String),
    ArchivePut(String),
    ContainerExec(String),
    ExecStart(String),
    ExecInspect(String),
    ExecResize(String),
    Commit,
    ContainerPrune,
    ImagePrune,
    ImageHistory(String),
    /// `GET /images/get` (names in the query) or `GET /images/{name}/get` (the name given).
    ImageSave(Option<String>),
    Auth,
    SystemDf,
    /// A route of Docker's API this engine does not serve yet: answered with Docker's
    /// "not implemented" error naming the backend, never a 404 that reads as a typo.
    Unbuilt(&'static str),
}

/// Docker API routes not served yet, by their first segment(s): what each does, for the error.
fn unbuilt(segments: &[&str], method: &Method) -> Option<&'static str> {
    let what = match segments {
        ["containers", _, "attach", "ws"] => "attaching over a websocket",
        ["images", "search"] => "searching registries",
        ["images", .., "push"] if *method == Method::POST => "pushing images",
        ["build" | "build/prune", ..] => "building images",
        ["session"] => "build sessions",
        ["distribution", ..] => "registry distribution lookups",
        _ => return None,
    };
    Some(what)
}

fn not_found() -> EngineError {
    EngineError::NotFound("page not found".into())
}

/// Strips and checks the version prefix; returns the rest of the path.
fn strip_version(path: &str) -> Result<&str, EngineError> {
    let Some(rest) = path.strip_prefix("/v") else {
        return Ok(path);
    };
    let (version, rest) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    let Some((major, minor)) = version.split_once('.') else {
        return Ok(path);
    };
    let (Ok(major), Ok(minor)) = (major.parse::<u32>(), minor.parse::<u32>()) else {
        return Ok(path);
    };
    let asked = (major, minor);
    if asked < MIN_API_VERSION {
        return Err(EngineError::InvalidParameter(format!(
            "client version {major}.{minor} is too old. Minimum supported API version is {}.{}, please upgrade your client to a newer version",
            MIN_API_VERSION.0, MIN_API_VERSION.1
        )));
    }
    if asked > MAX_API_VERSION {
        return Err(EngineError::InvalidParameter(format!(
            "client version {major}.{minor} is too new. Maximum supported API version is {}.{}",
            MAX_API_VERSION.0, MAX_API_VERSION.1
        )));
    }
    Ok(rest)
}

/// Parses `method` and `path` into a route; unknown routes are Docker's 404.
pub fn parse(method: &Method, path: &str) -> Result<Route, EngineError> {
    let rest = strip_version(path)?;
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    let delete = *method == Method::DELETE;
    let route = match (segments.as_slice(), method) {
        (["_ping"], m) if *m == Method::GET || *m == Method::HEAD => Route::Ping {
            head: *m == Method::HEAD,
        },
        (["version"], _) if get => Route::Version,
        (["info"], _) if get => Route::Info,
        (["events"], _) if get => Route::Events,
        (
            [
                "swarm" | "nodes" | "services" | "tasks" | "secrets" | "configs" | "plugins",
                ..,
            ],
            _,
        ) => Route::SwarmOrPlugin,
        (["images", "json"], _) if get => Route::ImageList,
        (["images", "load"], _) if post => Route::ImageLoad,
        (["images", "create"], _) if post => Route::ImageCreate,
        (["images", "prune"], _) if post => Route::ImagePrune,
        (["images", "get"], _) if get => Route::ImageSave(None),
        (["images", name @ .., "get"], _) if get && !name.is_empty() => {
            Route::ImageSave(Some(name.join("/")))
        }
        (["images", name @ .., "history"], _) if get && !name.is_empty() => {
            Route::ImageHistory(name.join("/"))
        }
        (["images", name @ .., "json"], _) if get && !name.is_empty() => {
            Route::ImageInspect(name.join("/"))
        }
        (["images", name @ .., "tag"], _) if post && !name.is_empty() => {
            Route::ImageTag(name.join("/"))
        }
        (["images", name @ ..], _) if delete && !name.is_empty() => {
            Route::ImageRemove(name.join("/"))
        }
        (["networks"], _) if get => Route::NetworkList,
        (["networks", "create"], _) if post => Route::NetworkCreate,
        (["networks", "prune"], _) if post => Route::NetworkPrune,
        (["networks", id], _) if get => Route::NetworkInspect(id.to_string()),
        (["networks", id], _) if delete => Route::NetworkRemove(id.to_string()),
        (["networks", id, "connect"], _) if post => Route::NetworkConnect(id.to_string()),
        (["networks", id, "disconnect"], _) if post => Route::NetworkDisconnect(id.to_string()),
        (["volumes"], _) if get => Route::VolumeList,
        (["volumes", "create"], _) if post => Route::VolumeCreate,
        (["volumes", "prune"], _) if post => Route::VolumePrune,
        (["volumes", name], _) if get => Route::VolumeInspect(name.to_string()),
        (["volumes", name], _) if delete => Route::VolumeRemove(name.to_string()),
        (["containers", "create"], _) if post => Route::ContainerCreate,
        (["containers", "json"], _) if get => Route::ContainerList,
        (["containers", "prune"], _) if post => Route::ContainerPrune,
        (["containers", id], _) if delete => Route::ContainerRemove(id.to_string()),
        (["containers", id, "archive"], m) if *m == Method::HEAD => {
            Route::ArchiveStat(id.to_string())
        }
        (["containers", id, "archive"], m) if *m == Method::PUT => {
            Route::ArchivePut(id.to_string())
        }
        (["containers", id, action], _) => {
            let id = id.to_string();
            match (*action, get, post) {
                ("json", true, _) => Route::ContainerInspect(id),
                ("logs", true, _) => Route::ContainerLogs(id),
                ("start", _, true) => Route::ContainerStart(id),
                ("stop", _, true) => Route::ContainerStop(id),
                ("restart", _, true) => Route::ContainerRestart(id),
                ("kill", _, true) => Route::ContainerKill(id),
                ("wait", _, true) => Route::ContainerWait(id),
                ("rename", _, true) => Route::ContainerRename(id),
                ("attach", _, true) => Route::ContainerAttach(id),
                ("resize", _, true) => Route::ContainerResize(id),
                ("exec", _, true) => Route::ContainerExec(id),
                ("archive", true, _) => Route::ArchiveGet(id),
                ("changes", true, _) => Route::ContainerChanges(id),
                ("export", true, _) => Route::ContainerExport(id),
                ("pause", _, true) => Route::ContainerPause(id),
                ("unpause", _, true) => Route::ContainerUnpause(id),
                ("top", true, _) => Route::ContainerTop(id),
                ("stats", true, _) => Route::ContainerStats(id),
                ("update", _, true) => Route::ContainerUpdate(id),
                _ => {
                    return unbuilt(&segments, method)
                        .map(Route::Unbuilt)
                        .ok_or_else(not_found);
                }
            }
        }
        (["commit"], _) if post => Route::Commit,
        (["auth"], _) if post => Route::Auth,
        (["system", "df"], _) if get => Route::SystemDf,
        (["exec", id, "start"], _) if post => Route::ExecStart(id.to_string()),
        (["exec", id, "json"], _) if get => Route::ExecInspect(id.to_string()),
        (["exec", id, "resize"], _) if post => Route::ExecResize(id.to_string()),
        _ => {
            return unbuilt(&segments, method)
                .map(Route::Unbuilt)
                .ok_or_else(not_found);
        }
    };
    Ok(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: Method, path: &str) -> Result<Route, String> {
        parse(&method, path).map_err(|error| error.to_string())
    }

    #[test]
    fn versions_and_routes() {
        assert_eq!(
            check(Method::HEAD, "/_ping"),
            Ok(Route::Ping { head: true })
        );
        assert_eq!(check(Method::GET, "/v1.51/version"), Ok(Route::Version));
        assert_eq!(check(Method::GET, "/v1.44/info"), Ok(Route::Info));
        assert_eq!(
            check(Method::GET, "/v1.43/info"),
            Err("client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version".into())
        );
        assert_eq!(
            check(Method::GET, "/v1.52/info"),
            Err("client version 1.52 is too new. Maximum supported API version is 1.51".into())
        );
        assert_eq!(
            check(Method::GET, "/v1.47/images/localhost/busybox:1/json"),
            Ok(Route::ImageInspect("localhost/busybox:1".into()))
        );
        assert_eq!(
            check(Method::DELETE, "/v1.47/images/127.0.0.1:5000/a/b:c"),
            Ok(Route::ImageRemove("127.0.0.1:5000/a/b:c".into()))
        );
        assert_eq!(
            check(Method::POST, "/v1.47/containers/abc/wait"),
            Ok(Route::ContainerWait("abc".into()))
        );
        assert_eq!(
            check(Method::GET, "/v1.47/nope"),
            Err("page not found".into())
        );
        assert_eq!(
            check(Method::GET, "/v1.47/containers/abc/start"),
            Err("page not found".into())
        );
        assert_eq!(check(Method::GET, "/v1.47/swarm"), Ok(Route::SwarmOrPlugin));
        assert_eq!(
            check(Method::POST, "/v1.47/containers/abc/exec"),
            Ok(Route::ContainerExec("abc".into()))
        );
        assert_eq!(
            check(Method::GET, "/v1.47/exec/e1/json"),
            Ok(Route::ExecInspect("e1".into()))
        );
        assert_eq!(
            check(Method::GET, "/v1.47/exec/e1/start"),
            Err("page not found".into())
        );
        assert_eq!(check(Method::GET, "/v1.47/volumes"), Ok(Route::VolumeList));
        assert_eq!(
            check(Method::DELETE, "/v1.47/volumes/data"),
            Ok(Route::VolumeRemove("data".into()))
        );
        assert_eq!(
            check(Method::PUT, "/v1.47/volumes/data"),
            Err("page not found".into())
        );
        assert_eq!(
            check(Method::GET, "/v1.47/networks"),
            Ok(Route::NetworkList)
        );
        assert_eq!(
            check(Method::POST, "/v1.47/networks/create"),
            Ok(Route::NetworkCreate)
        );
        assert_eq!(
            check(Method::POST, "/v1.47/networks/net1/connect"),
            Ok(Route::NetworkConnect("net1".into()))
        );
        assert_eq!(
            check(Method::DELETE, "/v1.47/networks/net1"),
            Ok(Route::NetworkRemove("net1".into()))
        );
        assert_eq!(
            check(Method::GET, "/v1.47/networks/net1/connect"),
            Err("page not found".into())
        );
    }
}
