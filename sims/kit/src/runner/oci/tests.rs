use std::collections::BTreeMap;
use std::path::Path;

use super::bundle::{merge_args, merge_env, resolve_user};
use super::image::ImageConfig;
use super::unpack::{apply_layer, resolve_in_root};

/// One tar entry, written with its raw name (so hostile names get through, as a hostile layer's
/// would).
enum Entry<'a> {
    Dir(&'a str),
    File(&'a str, &'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
}

fn layer(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        let (name, kind, data, link): (&str, tar::EntryType, &[u8], Option<&str>) = match entry {
            Entry::Dir(name) => (name, tar::EntryType::Directory, b"", None),
            Entry::File(name, text) => (name, tar::EntryType::Regular, text.as_bytes(), None),
            Entry::Symlink(name, target) => (name, tar::EntryType::Symlink, b"", Some(target)),
            Entry::HardLink(name, target) => (name, tar::EntryType::Link, b"", Some(target)),
        };
        let raw = &mut header.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            let raw = &mut header.as_old_mut().linkname;
            raw[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_entry_type(kind);
        header.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn apply(root: &Path, entries: &[Entry<'_>]) -> Result<(), super::unpack::UnpackError> {
    apply_layer(root, std::io::Cursor::new(layer(entries)), false)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

struct Sandbox {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    outside: std::path::PathBuf,
}

/// A root to unpack into, beside a directory with a file (`outside/secret`) no layer may touch.
fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir(&root).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), "untouched").unwrap();
    Sandbox {
        _dir: dir,
        root,
        outside,
    }
}

fn assert_outside_untouched(sandbox: &Sandbox) {
    let names: Vec<_> = std::fs::read_dir(&sandbox.outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["secret"], "nothing was added outside the root");
    assert_eq!(
        std::fs::read_to_string(sandbox.outside.join("secret")).unwrap(),
        "untouched"
    );
}

#[test]
fn layers_apply_in_order_with_whiteouts() {
    let sandbox = sandbox();
    let root = &sandbox.root;
    apply(
        root,
        &[
            Entry::Dir("etc/"),
            Entry::File("etc/os-release", "one"),
            Entry::File("etc/gone", "x"),
            Entry::Dir("var/"),
            Entry::Dir("var/cache/"),
            Entry::File("var/cache/old", "x"),
        ],
    )
    .unwrap();
    let second = layer(&[
        Entry::File("etc/os-release", "two"),
        Entry::File("etc/.wh.gone", ""),
        Entry::Dir("var/cache/"),
        Entry::File("var/cache/new", "kept"),
        Entry::File("var/cache/.wh..wh..opq", ""),
    ]);
    // Layers are usually gzip-compressed.
    apply_layer(root, std::io::Cursor::new(gzip(&second)), false).unwrap();
    assert_eq!(
        std::fs::read_to_string(root.join("etc/os-release")).unwrap(),
        "two"
    );
    assert!(!root.join("etc/gone").exists(), "a whiteout removes");
    assert!(
        !root.join("var/cache/old").exists(),
        "an opaque directory hides the layers below"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("var/cache/new")).unwrap(),
        "kept",
        "but keeps what its own layer put there"
    );
}

#[test]
fn parent_references_stay_inside_the_root() {
    let sandbox = sandbox();
    apply(
        &sandbox.root,
        &[
            Entry::File("../outside/secret", "overwritten"),
            Entry::File("../../outside/new", "escaped"),
        ],
    )
    .unwrap();
    assert_outside_untouched(&sandbox);
    assert_eq!(
        std::fs::read_to_string(sandbox.root.join("outside/secret")).unwrap(),
        "overwritten",
        "`..` above the root is the root"
    );
}

#[test]
fn absolute_paths_start_at_the_root() {
    let sandbox = sandbox();
    let absolute = format!("{}/secret", sandbox.outside.display());
    apply(&sandbox.root, &[Entry::File(&absolute, "overwritten")]).unwrap();
    assert_outside_untouched(&sandbox);
    let inside =
        resolve_in_root(&sandbox.root, &super::unpack::clean(Path::new(&absolute))).unwrap();
    assert!(inside.starts_with(&sandbox.root));
    assert_eq!(std::fs::read_to_string(inside).unwrap(), "overwritten");
}

#[test]
fn a_symlink_out_of_the_root_is_followed_inside_it() {
    let sandbox = sandbox();
    let outside = sandbox.outside.display().to_string();
    apply(
        &sandbox.root,
        &[
            // An absolute link to the host directory, then files written through it.
            Entry::Symlink("escape", &outside),
            Entry::File("escape/secret", "overwritten"),
            Entry::File("escape/new", "escaped"),
            // A relative one climbing out.
            Entry::Symlink("up", "../../../../../../.."),
            Entry::File("up/new2", "escaped"),
        ],
    )
    .unwrap();
    assert_outside_untouched(&sandbox);
    assert_eq!(
        std::fs::read_link(sandbox.root.join("escape")).unwrap(),
        sandbox.outside,
        "the link itself is kept as the image has it"
    );
    let through = sandbox.root.join(outside.trim_start_matches('/'));
    assert_eq!(
        std::fs::read_to_string(through.join("secret")).unwrap(),
        "overwritten"
    );
    assert!(sandbox.root.join("new2").exists());
}

#[test]
fn a_file_replaces_a_symlink_rather_than_writing_through_it() {
    let sandbox = sandbox();
    let secret = format!("{}/secret", sandbox.outside.display());
    apply(
        &sandbox.root,
        &[
            Entry::Symlink("link", &secret),
            Entry::File("link", "replaced"),
        ],
    )
    .unwrap();
    assert_outside_untouched(&sandbox);
    assert_eq!(
        std::fs::read_to_string(sandbox.root.join("link")).unwrap(),
        "replaced"
    );
}

#[test]
fn a_hard_link_to_a_host_path_links_inside_the_root_or_fails() {
    let sandbox = sandbox();
    let secret = format!("{}/secret", sandbox.outside.display());
    // The host file is not in the image: the layer fails, and nothing outside changed.
    let refused = apply(&sandbox.root, &[Entry::HardLink("stolen", &secret)]);
    assert!(refused.is_err(), "{refused:?}");
    assert_outside_untouched(&sandbox);
    assert!(!sandbox.root.join("stolen").exists());

    // Through a symlink to the host: the link resolves inside the root.
    let sandbox = sandbox_with_file_inside();
    let outside = sandbox.outside.display().to_string();
    apply(
        &sandbox.root,
        &[
            Entry::Symlink("escape", &outside),
            Entry::HardLink("stolen", "escape/secret"),
            Entry::File("stolen", "written"),
        ],
    )
    .unwrap();
    assert_outside_untouched(&sandbox);
}

/// A sandbox whose root holds a file at the outside directory's path (so a hard link through
/// a symlink to it has something inside the root to link).
fn sandbox_with_file_inside() -> Sandbox {
    let sandbox = sandbox();
    let mirrored = sandbox.root.join(
        sandbox
            .outside
            .display()
            .to_string()
            .trim_start_matches('/'),
    );
    std::fs::create_dir_all(&mirrored).unwrap();
    std::fs::write(mirrored.join("secret"), "image's own").unwrap();
    sandbox
}

#[test]
fn a_whiteout_cannot_remove_outside_the_root() {
    let sandbox = sandbox();
    let outside = sandbox.outside.display().to_string();
    apply(
        &sandbox.root,
        &[
            Entry::Symlink("escape", &outside),
            Entry::File("escape/.wh.secret", ""),
            Entry::File("../outside/.wh.secret", ""),
            Entry::File("escape/.wh..wh..opq", ""),
        ],
    )
    .unwrap();
    assert_outside_untouched(&sandbox);
}

#[test]
fn symlink_loops_fail_rather_than_spin() {
    let sandbox = sandbox();
    let result = apply(
        &sandbox.root,
        &[
            Entry::Symlink("a", "b"),
            Entry::Symlink("b", "a"),
            Entry::File("a/x", "x"),
        ],
    );
    assert!(
        matches!(result, Err(super::unpack::UnpackError::Loop(_))),
        "{result:?}"
    );
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A definition's entrypoint and command, and the arguments they give.
type Case<'a> = (Option<&'a [&'a str]>, Option<&'a [&'a str]>, &'a [&'a str]);

#[test]
fn arguments_merge_as_docker_merges_them() {
    let image = ImageConfig {
        entrypoint: Some(strings(&["/entry"])),
        cmd: Some(strings(&["default"])),
        ..ImageConfig::default()
    };
    let cases: [Case; 4] = [
        (None, None, &["/entry", "default"]),
        (None, Some(&["given"]), &["/entry", "given"]),
        // A definition's entrypoint drops the image's command.
        (Some(&["/other"]), None, &["/other"]),
        (Some(&["/other"]), Some(&["x", "y"]), &["/other", "x", "y"]),
    ];
    for (entrypoint, command, expected) in cases {
        let entrypoint = entrypoint.map(strings);
        let command = command.map(strings);
        assert_eq!(
            merge_args(&image, entrypoint.as_deref(), command.as_deref()),
            strings(expected),
            "entrypoint {entrypoint:?} command {command:?}"
        );
    }
    let bare = ImageConfig {
        cmd: Some(strings(&["sh"])),
        ..ImageConfig::default()
    };
    assert_eq!(merge_args(&bare, None, None), strings(&["sh"]));
}

#[test]
fn environment_is_the_images_then_the_definitions() {
    let image = strings(&["PATH=/image/bin", "LANG=C", "KEEP=1"]);
    let mut definition = BTreeMap::new();
    definition.insert("LANG".to_string(), "C.UTF-8".to_string());
    definition.insert("NEW".to_string(), "x=y".to_string());
    assert_eq!(
        merge_env(&image, &definition),
        strings(&["PATH=/image/bin", "LANG=C.UTF-8", "KEEP=1", "NEW=x=y"])
    );
    let with_default_path = merge_env(&[], &BTreeMap::new());
    assert!(with_default_path[0].starts_with("PATH=/usr/local/sbin:"));
}

#[test]
fn users_are_looked_up_in_the_images_files() {
    let sandbox = sandbox();
    let etc = sandbox.root.join("etc");
    std::fs::create_dir(&etc).unwrap();
    std::fs::write(
        etc.join("passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("group"),
        "root:x:0:\napp:x:1000:\nextra:x:2000:app\n",
    )
    .unwrap();
    let app = resolve_user(&sandbox.root, Some("app")).unwrap();
    assert_eq!(
        (
            app.uid,
            app.gid,
            app.additional_gids.clone(),
            app.home.as_str()
        ),
        (1000, 1000, vec![2000], "/home/app")
    );
    let numeric = resolve_user(&sandbox.root, Some("1000:extra")).unwrap();
    assert_eq!((numeric.uid, numeric.gid), (1000, 2000));
    let unknown_uid = resolve_user(&sandbox.root, Some("4242")).unwrap();
    assert_eq!((unknown_uid.uid, unknown_uid.gid), (4242, 0));
    assert_eq!(resolve_user(&sandbox.root, None).unwrap().uid, 0);
    assert_eq!(
        resolve_user(&sandbox.root, Some("ghost")).unwrap_err(),
        "unable to find user ghost: no matching entries in passwd file"
    );
}

/// Writes `bytes` as a blob of the layout at `dir`, giving its descriptor.
fn put_blob(dir: &Path, media_type: &str, bytes: &[u8]) -> serde_json::Value {
    use sha2::Digest as _;
    let hex = hex::encode(sha2::Sha256::digest(bytes));
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(&hex), bytes).unwrap();
    serde_json::json!({"mediaType": media_type, "digest": format!("sha256:{hex}"), "size": bytes.len()})
}

/// An OCI layout holding a busybox image (the host's static busybox) with a user `app`
/// (1000), a file only it has, and the given config.
fn busybox_layout(dir: &Path, config: serde_json::Value) -> String {
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, kind: tar::EntryType, data: &[u8], link: Option<&str>, mode| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(data.len() as u64);
        if let Some(link) = link {
            builder.append_link(&mut header, name, link).unwrap();
        } else {
            builder.append_data(&mut header, name, data).unwrap();
        }
    };
    for dir in ["bin/", "etc/", "home/", "home/app/"] {
        add(dir, tar::EntryType::Directory, b"", None, 0o755);
    }
    add("tmp/", tar::EntryType::Directory, b"", None, 0o1777);
    let busybox = std::fs::read("/bin/busybox").expect("busybox-static is installed");
    add(
        "bin/busybox",
        tar::EntryType::Regular,
        &busybox,
        None,
        0o755,
    );
    for applet in [
        "sh", "cat", "echo", "id", "pwd", "sleep", "ls", "touch", "trap", "head", "tr",
    ] {
        add(
            &format!("bin/{applet}"),
            tar::EntryType::Symlink,
            b"",
            Some("busybox"),
            0o777,
        );
    }
    add(
        "etc/passwd",
        tar::EntryType::Regular,
        b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        None,
        0o644,
    );
    add(
        "etc/group",
        tar::EntryType::Regular,
        b"root:x:0:\napp:x:1000:\n",
        None,
        0o644,
    );
    add(
        "etc/only-in-image",
        tar::EntryType::Regular,
        b"from the image\n",
        None,
        0o644,
    );
    let layer = gzip(&builder.into_inner().unwrap());
    let layer = put_blob(dir, "application/vnd.oci.image.layer.v1.tar+gzip", &layer);
    let config = serde_json::json!({"architecture": "amd64", "os": "linux", "config": config, "rootfs": {"type": "layers", "diff_ids": []}});
    let config = put_blob(
        dir,
        "application/vnd.oci.image.config.v1+json",
        config.to_string().as_bytes(),
    );
    let manifest = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config, "layers": [layer]});
    let manifest = put_blob(
        dir,
        "application/vnd.oci.image.manifest.v1+json",
        manifest.to_string().as_bytes(),
    );
    let digest = manifest["digest"].as_str().unwrap().to_string();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::json!({"schemaVersion": 2, "manifests": [manifest]}).to_string(),
    )
    .unwrap();
    digest
}

struct ImageRun {
    _dir: tempfile::TempDir,
    runner: super::OciRunner,
    image: crate::runner::WorkloadImage,
}

fn image_run(
    mode: super::WorkloadsMode,
    runtime: Option<&str>,
    config: serde_json::Value,
) -> ImageRun {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    let digest = busybox_layout(&layout, config);
    let runner = super::OciRunner::new(
        std::sync::Arc::new(crate::clock::SystemClock),
        super::OciConfig {
            mode,
            runtime: runtime.map(Into::into),
            cache_dir: dir.path().join("cache"),
            scratch_root: dir.path().join("scratch"),
        },
    );
    let image = crate::runner::WorkloadImage {
        reference: "localhost/sockerless/test:1".into(),
        located: Ok(crate::runner::LocatedImage {
            store: std::sync::Arc::new(super::image::LayoutStore { dir: layout }),
            manifest_digest: digest,
        }),
        entrypoint: None,
        command: None,
        working_dir: None,
    };
    ImageRun {
        _dir: dir,
        runner,
        image,
    }
}

async fn run_in_image(
    run: &ImageRun,
    image: crate::runner::WorkloadImage,
) -> (
    crate::runner::Workload,
    crate::runner::ExitStatus,
    std::sync::Arc<crate::logs::MemorySink>,
) {
    use crate::runner::Runner;
    let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
    let spec = crate::runner::WorkloadSpec {
        name: "test".into(),
        stop_grace: std::time::Duration::from_secs(1),
        image: Some(image),
        ..Default::default()
    };
    let workload = run.runner.start(spec, sink.clone()).await.unwrap();
    let status = workload.wait().await;
    (workload, status, sink)
}

#[tokio::test]
async fn a_workload_runs_in_its_image_with_its_config() {
    let run = image_run(
        super::WorkloadsMode::Oci,
        None,
        serde_json::json!({
            "Entrypoint": ["sh", "-c"],
            "Cmd": ["cat /etc/only-in-image; id -u; pwd; echo \"$GREETING\"; echo oops >&2; touch /tmp/mine; exit 7"],
            "Env": ["GREETING=hello", "PATH=/bin"],
            "WorkingDir": "/home/app/work",
            "User": "app",
        }),
    );
    let (workload, status, sink) = run_in_image(&run, run.image.clone()).await;
    use crate::logs::Stream;
    assert_eq!(workload.runner(), "oci");
    assert_eq!(
        (
            status.code,
            &status.reason,
            sink.texts(Stream::Stdout),
            sink.texts(Stream::Stderr)
        ),
        (
            7,
            &crate::runner::ExitReason::Exited,
            strings(&["from the image", "1000", "/home/app/work", "hello"]),
            strings(&["oops"])
        )
    );
    // A second workload of the image does not see the first one's file, and the definition's
    // command replaces the image's.
    let mut image = run.image.clone();
    image.command = Some(strings(&["ls /tmp; exit 0"]));
    let (_, status, sink) = run_in_image(&run, image).await;
    assert_eq!(
        (status.code, sink.texts(Stream::Stdout)),
        (0, Vec::<String>::new())
    );
    assert_eq!(run.runner.cache().entries().len(), 1, "one unpacked tree");

    // A command the image lacks cannot start, as runc reports it.
    let mut image = run.image.clone();
    image.entrypoint = Some(strings(&["not-in-the-image"]));
    let (_, status, _) = run_in_image(&run, image).await;
    assert_eq!(
        (status.code, status.reason),
        (
            127,
            crate::runner::ExitReason::SpawnFailed {
                message: "exec: \"not-in-the-image\": executable file not found in $PATH".into()
            }
        )
    );
}

#[tokio::test]
async fn a_stopped_container_ends_with_sigterm_or_sigkill() {
    use crate::runner::Runner;
    let run = image_run(
        super::WorkloadsMode::Oci,
        None,
        serde_json::json!({"Cmd": ["sh", "-c", "trap 'exit 143' TERM; echo ready; while :; do sleep 0.1; done"]}),
    );
    let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
    let spec = crate::runner::WorkloadSpec {
        name: "stop".into(),
        stop_grace: std::time::Duration::from_secs(5),
        image: Some(run.image.clone()),
        ..Default::default()
    };
    let workload = run.runner.start(spec, sink.clone()).await.unwrap();
    // Up to ten seconds for the container to be ready.
    for attempt in 0.. {
        if sink
            .texts(crate::logs::Stream::Stdout)
            .contains(&"ready".to_string())
        {
            break;
        }
        assert!(attempt < 500, "never ready: {:?}", sink.lines());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    workload.stop(std::time::Duration::from_secs(5));
    let status = workload.wait().await;
    assert_eq!(
        (status.code, status.reason),
        (143, crate::runner::ExitReason::Stopped)
    );

    // A first process that ignores SIGTERM (PID 1 without a handler) is killed after the grace.
    let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
    let mut image = run.image.clone();
    image.entrypoint = Some(strings(&["sleep", "60"]));
    let spec = crate::runner::WorkloadSpec {
        name: "kill".into(),
        stop_grace: std::time::Duration::from_millis(300),
        image: Some(image),
        ..Default::default()
    };
    let workload = run.runner.start(spec, sink).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    workload.stop(std::time::Duration::from_millis(300));
    assert_eq!(
        (workload.wait().await.code, workload.out_of_memory()),
        (137, false)
    );
}

#[tokio::test]
async fn a_container_past_its_memory_limit_is_killed_by_the_oom_killer() {
    use crate::runner::Runner;
    let run = image_run(
        super::WorkloadsMode::Oci,
        None,
        // The shell keeps 200 MB in a variable: far past the 32 MiB limit.
        serde_json::json!({"Cmd": ["sh", "-c", "a=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"]}),
    );
    let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
    let spec = crate::runner::WorkloadSpec {
        name: "oom".into(),
        stop_grace: std::time::Duration::from_secs(1),
        image: Some(run.image.clone()),
        resources: crate::runner::WorkloadResources {
            memory_limit: Some(32 << 20),
            rlimits: vec![crate::runner::Rlimit {
                kind: "RLIMIT_NOFILE".into(),
                soft: 321,
                hard: 322,
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let workload = run.runner.start(spec, sink.clone()).await.unwrap();
    let status = workload.wait().await;
    assert_eq!(
        (
            status.code,
            status.reason,
            workload.out_of_memory(),
            sink.texts(crate::logs::Stream::Stdout)
        ),
        (137, crate::runner::ExitReason::Exited, true, Vec::new())
    );

    // The rlimits reach the container.
    let mut image = run.image.clone();
    image.entrypoint = Some(strings(&["sh", "-c", "ulimit -n; ulimit -Hn"]));
    let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
    let spec = crate::runner::WorkloadSpec {
        name: "rlimits".into(),
        image: Some(image),
        resources: crate::runner::WorkloadResources {
            memory_limit: Some(32 << 20),
            rlimits: vec![crate::runner::Rlimit {
                kind: "RLIMIT_NOFILE".into(),
                soft: 321,
                hard: 322,
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let workload = run.runner.start(spec, sink.clone()).await.unwrap();
    let status = workload.wait().await;
    assert_eq!(
        (
            status.code,
            workload.out_of_memory(),
            sink.texts(crate::logs::Stream::Stdout)
        ),
        (0, false, strings(&["321", "322"]))
    );
}

#[tokio::test]
async fn without_a_runtime_auto_falls_back_and_oci_refuses() {
    let config = serde_json::json!({"Cmd": ["true"]});
    let auto = image_run(
        super::WorkloadsMode::Auto,
        Some("/nonexistent/runc"),
        config.clone(),
    );
    use crate::runner::Runner;
    let spec = crate::runner::WorkloadSpec {
        name: "fallback".into(),
        argv: strings(&["sh", "-c", "exit 5"]),
        image: Some(auto.image.clone()),
        ..Default::default()
    };
    let workload = auto
        .runner
        .start(spec, std::sync::Arc::new(crate::logs::DiscardSink))
        .await
        .unwrap();
    assert_eq!(
        (workload.runner(), workload.wait().await.code),
        ("process", 5)
    );

    let oci = image_run(super::WorkloadsMode::Oci, Some("/nonexistent/runc"), config);
    let (workload, status, _) = run_in_image(&oci, oci.image.clone()).await;
    assert_eq!(workload.runner(), "oci");
    assert!(
        matches!(&status.reason, crate::runner::ExitReason::SpawnFailed { message } if message.contains("/nonexistent/runc")),
        "{status:?}"
    );
    let mut missing = oci.image.clone();
    missing.located = Err("not found".into());
    let (_, status, _) = run_in_image(
        &image_run(super::WorkloadsMode::Oci, None, serde_json::json!({})),
        missing,
    )
    .await;
    assert_eq!(
        status.reason,
        crate::runner::ExitReason::PullFailed {
            message: "not found".into()
        }
    );
}

#[tokio::test]
async fn workloads_of_a_group_share_its_memory_limit() {
    use crate::runner::Runner;
    let run = image_run(
        super::WorkloadsMode::Oci,
        None,
        serde_json::json!({"Cmd": ["sh"]}),
    );
    let group = crate::runner::ResourceGroup {
        name: "task/shared".into(),
        memory_limit: Some(96 << 20),
        ..Default::default()
    };
    let start = |name: &str, script: &str| {
        let mut image = run.image.clone();
        image.entrypoint = Some(strings(&["sh", "-c", script]));
        let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
        let spec = crate::runner::WorkloadSpec {
            name: name.into(),
            stop_grace: std::time::Duration::from_secs(1),
            image: Some(image),
            resources: crate::runner::WorkloadResources {
                group: Some(group.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        let runner = &run.runner;
        async move { (runner.start(spec, sink.clone()).await.unwrap(), sink) }
    };
    // Each alone fits in the group's 96 MiB; together they do not.
    let hold = "a=$(head -c 60000000 /dev/zero | tr '\\0' a); echo held; sleep 20";
    let (holder, holder_out) = start("holder", hold).await;
    for _ in 0..500 {
        if holder_out.texts(crate::logs::Stream::Stdout) == strings(&["held"]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (hog, _) = start("hog", hold).await;
    let hog_status = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        tokio::select! {
            status = hog.wait() => status,
            status = holder.wait() => status,
        }
    })
    .await
    .expect("one of them is killed");
    assert_eq!(hog_status.code, 137);
    assert!(
        hog.out_of_memory() || holder.out_of_memory(),
        "the OOM killer ended one"
    );
    holder.kill();
    hog.kill();
    holder.wait().await;
    hog.wait().await;
    // The group's cgroups go with its last workload.
    let dir_name = {
        use sha2::Digest as _;
        format!(
            "g-{}",
            &hex::encode(sha2::Sha256::digest(b"task/shared"))[..16]
        )
    };
    let runner_dir = run.runner.process.cgroup_dir().expect("a runner cgroup");
    let relative = runner_dir
        .strip_prefix(super::super::process::cgroup::cgroup2_mount().expect("cgroup2"))
        .expect("the runner's cgroup is in the v2 hierarchy");
    let mut places: Vec<std::path::PathBuf> = super::limits::v1_mounts()
        .into_iter()
        .map(|mount| mount.join(relative).join(&dir_name))
        .collect();
    places.push(runner_dir.join(&dir_name));
    for _ in 0..100 {
        if places.iter().all(|dir| !dir.exists()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let left: Vec<_> = places.iter().filter(|dir| dir.exists()).collect();
    panic!("the group's cgroups are left behind: {left:?}");
}

#[tokio::test]
async fn a_kept_writable_layer_outlives_the_workload() {
    use crate::runner::Runner;
    let run = image_run(
        super::WorkloadsMode::Oci,
        None,
        serde_json::json!({"Cmd": ["sh", "-c", "cat /kept 2>/dev/null || echo none; echo run >> /kept; rm -f /etc/only-in-image"]}),
    );
    let layer = run._dir.path().join("layer");
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let sink = std::sync::Arc::new(crate::logs::MemorySink::default());
        let spec = crate::runner::WorkloadSpec {
            name: "kept".into(),
            stop_grace: std::time::Duration::from_secs(1),
            image: Some(run.image.clone()),
            writable_layer: Some(layer.clone()),
            ..Default::default()
        };
        let workload = run.runner.start(spec, sink.clone()).await.unwrap();
        assert_eq!(workload.wait().await.code, 0);
        outputs.push(sink.texts(crate::logs::Stream::Stdout));
    }
    // The second run reads what the first wrote; the layer directory holds the writes.
    assert_eq!(outputs, vec![strings(&["none"]), strings(&["run"])]);
    let kept = if layer.join("upper").is_dir() {
        layer.join("upper")
    } else {
        layer.join("rootfs")
    };
    assert_eq!(
        std::fs::read_to_string(kept.join("kept")).unwrap(),
        "run\nrun\n"
    );
}

/// Two images sharing a base layer: the base is unpacked once, both roots link its files (one
/// inode), each root sees only its own top layer, and whiteouts hide what the layers below
/// put there.
#[tokio::test]
async fn images_sharing_a_layer_unpack_it_once() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs");
    std::fs::create_dir(&blobs).unwrap();
    let write_blob = |name: &str, bytes: Vec<u8>| -> super::image::Layer {
        use sha2::Digest as _;
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)));
        let path = blobs.join(name);
        std::fs::write(&path, bytes).unwrap();
        super::image::Layer { digest, path }
    };
    let base = write_blob(
        "base",
        gzip(&layer(&[
            Entry::Dir("etc/"),
            Entry::File("etc/base", "base"),
            Entry::File("etc/gone", "hidden above"),
            Entry::Dir("opt/"),
            Entry::File("opt/old", "emptied above"),
            Entry::Symlink("bin", "usr/bin"),
        ])),
    );
    let top_a = write_blob(
        "a",
        layer(&[
            Entry::File("etc/a", "a"),
            Entry::File("etc/.wh.gone", ""),
            Entry::Dir("opt/"),
            Entry::File("opt/.wh..wh..opq", ""),
            Entry::File("opt/new", "a's"),
        ]),
    );
    let top_b = write_blob("b", layer(&[Entry::File("etc/b", "b")]));
    let image = |layers: Vec<super::image::Layer>| super::image::ResolvedImage {
        manifest_digest: String::new(),
        config: ImageConfig::default(),
        layers,
    };
    let cache = super::cache::RootfsCache::new(dir.path().join("cache"), false);
    let root_a = cache
        .ensure(&image(vec![base.clone(), top_a.clone()]))
        .await
        .unwrap();
    let root_b = cache
        .ensure(&image(vec![base.clone(), top_b.clone()]))
        .await
        .unwrap();
    let mut expected_layers: Vec<String> = [&base, &top_a, &top_b]
        .iter()
        .map(|layer| layer.digest["sha256:".len()..].to_string())
        .collect();
    expected_layers.sort();
    assert_eq!(cache.layers(), expected_layers, "each layer unpacked once");
    assert_eq!(cache.entries().len(), 2, "one root per image");
    let inode = |path: std::path::PathBuf| std::fs::symlink_metadata(path).unwrap().ino();
    let in_base = inode(cache.layer_path(&base.digest).join("etc/base"));
    assert_eq!(inode(root_a.join("etc/base")), in_base);
    assert_eq!(inode(root_b.join("etc/base")), in_base);
    assert_eq!(
        std::fs::read_link(root_b.join("bin")).unwrap(),
        Path::new("usr/bin")
    );
    let listing = |root: &Path, dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(&root_a, "etc"), ["a", "base"]);
    assert_eq!(listing(&root_a, "opt"), ["new"]);
    assert_eq!(listing(&root_b, "etc"), ["b", "base", "gone"]);
    assert_eq!(listing(&root_b, "opt"), ["old"]);
    // The markers stay in the layer's own directory only.
    assert!(
        cache
            .layer_path(&top_a.digest)
            .join("etc/.wh.gone")
            .is_file()
    );
}

#[test]
fn without_root_the_runtime_is_refused_naming_why() {
    let runc = Path::new("/usr/sbin/runc");
    assert_eq!(
        super::rootless_refusal(runc, true),
        "the OCI runtime /usr/sbin/runc needs the simulator to run as root: this kernel allows unprivileged user namespaces, but Sockerless does not drive runc's rootless mode yet"
    );
    assert!(
        super::rootless_refusal(runc, false)
            .contains("does not allow unprivileged user namespaces")
    );
    // As an unprivileged user, the runner refuses, and under `oci` a workload fails saying so.
    assert!(
        super::detect_runtime(Some(runc), false)
            .unwrap_err()
            .starts_with("the OCI runtime /usr/sbin/runc needs the simulator to run as root: ")
    );
}
