//! The engine's storage, driven by the docker CLI 28.2 on both backends (the memory backend,
//! and the docker backend over Podman 4.3): a container's writable layer that lasts until
//! `docker rm` (`docker cp` into a created container and out of an exited one, `start` again
//! keeping the files, `diff`, `export`), and volumes (named and anonymous, binds of host
//! paths, `--mount`, read-only mounts, Docker's filters and errors, `rm -v`, prune), and
//! `docker commit` (an image of a container's changes, with `--change`, `--message` and
//! `--author`), `docker history`, `image prune`/`container prune`, and `docker save` loaded
//! back; `docker import` of an exported root (plain and gzip) and `docker system df`.

use conformance::Cell;

use super::engine::{Engine, Target, on_every_runtime, text};

/// A scenario as one cell per target.
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[test]
                fn memory() {
                    super::$scenario(super::Target::Memory);
                }

                #[test]
                fn docker() {
                    super::$scenario(super::Target::Docker);
                }
            }
        )*
    };
}

// The writable layer and volumes on the wasm runtime too: its copy of the image is the layer.
on_every_runtime!(
    docker_writable_layer_outlives_the_process,
    docker_volumes_persist_across_containers,
);

mod docker_import_and_system_df {
    #[test]
    fn memory() {
        super::docker_import_and_system_df(super::Target::Memory);
    }

    #[test]
    fn docker() {
        super::docker_import_and_system_df(super::Target::Docker);
    }
}

// A wasm container's copy of its image has no upper directory to commit (refused).
on_every_backend!(docker_commit_makes_an_image);

fn lines(output: &str) -> Vec<&str> {
    output.lines().collect()
}

fn docker_writable_layer_outlives_the_process(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "writable-layer", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    engine.ok(&[
        "create",
        "--name",
        "keep",
        "localhost/busybox",
        "sh",
        "-c",
        "cat /seed.txt; echo run >> /work/data.txt; cat /work/data.txt",
    ]);
    // Into a container that has never run (what gitlab-ci-local does before `start`).
    let seed = engine.sandbox.path().join("seed.txt");
    std::fs::write(&seed, b"seeded\n").expect("write");
    engine.ok(&["cp", seed.to_str().expect("UTF-8"), "keep:/seed.txt"]);
    let work = engine.sandbox.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    std::fs::write(work.join("data.txt"), b"first\n").expect("write");
    engine.ok(&["cp", work.to_str().expect("UTF-8"), "keep:/"]);
    assert_eq!(
        lines(&engine.ok(&["start", "-a", "keep"])),
        ["seeded", "first", "run"]
    );
    // Out of an exited container: what its process wrote.
    let out = engine.sandbox.path().join("out.txt");
    engine.ok(&["cp", "keep:/work/data.txt", out.to_str().expect("UTF-8")]);
    assert_eq!(text(&std::fs::read(&out).expect("copied")), "first\nrun\n");
    // Started again, it finds its files as it left them.
    assert_eq!(
        lines(&engine.ok(&["start", "-a", "keep"])),
        ["seeded", "first", "run", "run"]
    );
    // Docker's missing-path error on a stopped container too.
    let missing = engine.run(&["cp", "keep:/no/such", out.to_str().expect("UTF-8")]);
    assert_eq!(missing.status.code(), Some(1));
    let expected = if target.podman() {
        "Error response from daemon: no such file or directory"
    } else {
        "Error response from daemon: Could not find the file /no/such in container keep"
    };
    assert_eq!(text(&missing.stderr).trim(), expected);
    // `docker diff`: the container's additions, as `A PATH` lines.
    let diff = engine.ok(&["diff", "keep"]);
    for line in ["A /seed.txt", "A /work", "A /work/data.txt"] {
        assert!(diff.lines().any(|l| l == line), "{line} in:\n{diff}");
    }
    // `docker export`: the whole file system, the image's files and the container's.
    let exported = engine.sandbox.path().join("export.tar");
    engine.ok(&["export", "-o", exported.to_str().expect("UTF-8"), "keep"]);
    let listing = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&exported)
        .output()
        .expect("tar -tf");
    let listing = text(&listing.stdout);
    for name in ["bin/busybox", "work/data.txt", "seed.txt"] {
        assert!(
            listing.lines().any(|l| l.trim_start_matches("./") == name),
            "{name} in:\n{listing}"
        );
    }
    let data = std::process::Command::new("tar")
        .arg("-xOf")
        .arg(&exported)
        .arg("work/data.txt")
        .output()
        .expect("tar -xOf");
    assert_eq!(text(&data.stdout), "first\nrun\nrun\n");
    // Removed, its layer goes: a new container of the same name starts from the image.
    engine.ok(&["rm", "keep"]);
    let fresh = engine.run(&[
        "run",
        "--rm",
        "--name",
        "keep",
        "localhost/busybox",
        "cat",
        "/seed.txt",
    ]);
    // Podman's `run --rm` exits 0 whatever the container did.
    let expected = if target.podman() { 0 } else { 1 };
    assert_eq!(
        fresh.status.code(),
        Some(expected),
        "{}",
        text(&fresh.stderr)
    );
    assert!(
        text(&fresh.stderr).contains("/seed.txt"),
        "{}",
        text(&fresh.stderr)
    );
}

fn names(output: &str) -> Vec<String> {
    let mut names: Vec<String> = output.lines().map(String::from).collect();
    names.sort();
    names
}

fn docker_volumes_persist_across_containers(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "volumes", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    assert_eq!(engine.ok(&["volume", "create", "data"]).trim(), "data");
    engine.ok(&["volume", "create", "--label", "team=a", "labelled"]);
    assert_eq!(
        engine
            .ok(&[
                "volume",
                "inspect",
                "--format",
                "{{.Driver}} {{.Scope}} {{.Name}} {{.Labels}}",
                "labelled"
            ])
            .trim(),
        "local local labelled map[team:a]"
    );
    let list = |filter: &[&str]| {
        let mut args = vec!["volume", "ls", "--format", "{{.Name}}"];
        args.extend_from_slice(filter);
        names(&engine.ok(&args))
    };
    assert_eq!(list(&[]), ["data", "labelled"]);
    assert_eq!(list(&["--filter", "label=team=a"]), ["labelled"]);
    assert_eq!(list(&["--filter", "label=team=b"]), Vec::<String>::new());
    assert_eq!(list(&["--filter", "name=dat"]), ["data"]);
    assert_eq!(list(&["--filter", "driver=local"]), ["data", "labelled"]);
    // A named volume outlives the container that wrote to it.
    engine.ok(&[
        "run",
        "--rm",
        "-v",
        "data:/data",
        "localhost/busybox",
        "sh",
        "-c",
        "echo kept > /data/file",
    ]);
    assert_eq!(
        engine.ok(&[
            "run",
            "--rm",
            "-v",
            "data:/data:ro",
            "localhost/busybox",
            "cat",
            "/data/file"
        ]),
        "kept\n"
    );
    let read_only = engine.run(&[
        "run",
        "--rm",
        "-v",
        "data:/data:ro",
        "localhost/busybox",
        "touch",
        "/data/other",
    ]);
    // Podman's `run --rm` exits 0 whatever the container did (its documented deviation).
    let expected = if target.podman() { 0 } else { 1 };
    assert_eq!(
        read_only.status.code(),
        Some(expected),
        "{}",
        text(&read_only.stderr)
    );
    assert!(
        text(&read_only.stderr).contains("Read-only file system"),
        "{}",
        text(&read_only.stderr)
    );
    // On wasm the shell's own redirection is refused too, not only a utility's write.
    if target == Target::Wasm {
        let redirected = engine.run(&[
            "run",
            "--rm",
            "-v",
            "data:/data:ro",
            "localhost/busybox",
            "sh",
            "-c",
            "echo x > /data/other",
        ]);
        assert_ne!(redirected.status.code(), Some(0));
        assert!(
            text(&redirected.stderr).contains("Read-only file system"),
            "{}",
            text(&redirected.stderr)
        );
    }
    // --mount of the same volume, and a tmpfs.
    assert_eq!(
        engine.ok(&[
            "run",
            "--rm",
            "--mount",
            "type=volume,source=data,target=/m",
            "--mount",
            "type=tmpfs,target=/t",
            "localhost/busybox",
            "sh",
            "-c",
            "cat /m/file; ls -A /t | wc -l",
        ]),
        "kept\n0\n"
    );
    // A host directory bound in, both ways.
    let host = engine.sandbox.path().join("host-dir");
    std::fs::create_dir_all(&host).expect("mkdir");
    std::fs::write(host.join("in.txt"), b"from the host\n").expect("write");
    let bind = format!("{}:/h", host.display());
    assert_eq!(
        engine.ok(&[
            "run",
            "--rm",
            "-v",
            &bind,
            "localhost/busybox",
            "sh",
            "-c",
            "cat /h/in.txt; echo back > /h/out.txt"
        ]),
        "from the host\n"
    );
    assert_eq!(
        std::fs::read(host.join("out.txt")).expect("written back"),
        b"back\n"
    );
    // In use: Docker's 409 naming the container.
    let user = engine.ok(&[
        "create",
        "--name",
        "user",
        "-v",
        "data:/data",
        "localhost/busybox",
        "true",
    ]);
    let user = user.trim();
    assert_eq!(list(&["--filter", "dangling=true"]), ["labelled"]);
    assert_eq!(list(&["--filter", "dangling=false"]), ["data"]);
    let in_use = engine.run(&["volume", "rm", "data"]);
    assert_eq!(in_use.status.code(), Some(1));
    if target.podman() {
        assert!(
            text(&in_use.stderr).contains("is being used"),
            "{}",
            text(&in_use.stderr)
        );
    } else {
        assert_eq!(
            text(&in_use.stderr).trim(),
            format!("Error response from daemon: remove data: volume is in use - [{user}]")
        );
    }
    let mounts = engine.ok(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}",
        "user",
    ]);
    assert_eq!(mounts.trim(), "volume data /data true");
    engine.ok(&["rm", "user"]);
    // Anonymous volumes: made for `-v /path`, gone with `rm -v`, pruned by default.
    engine.ok(&[
        "run",
        "--name",
        "anon",
        "-v",
        "/scratch",
        "localhost/busybox",
        "sh",
        "-c",
        "echo x > /scratch/y",
    ]);
    let anonymous = engine.ok(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}",
        "anon",
    ]);
    let parts: Vec<&str> = anonymous.split_whitespace().collect();
    assert_eq!((parts[0], parts[2]), ("volume", "/scratch"), "{anonymous}");
    assert_eq!(parts[1].len(), 64, "{anonymous}");
    assert_eq!(list(&[]).len(), 3);
    engine.ok(&["rm", "-v", "anon"]);
    assert_eq!(list(&[]), ["data", "labelled"]);
    engine.ok(&[
        "create",
        "--name",
        "left",
        "-v",
        "/scratch",
        "localhost/busybox",
        "true",
    ]);
    engine.ok(&["rm", "left"]);
    assert_eq!(list(&[]).len(), 3);
    engine.ok(&["volume", "prune", "-f"]);
    if target.podman() {
        // Podman 4.3 prunes every unused volume, named ones too (Docker has pruned only
        // anonymous ones without `--all` since API 1.42).
        assert_eq!(list(&[]), Vec::<String>::new());
        return;
    }
    assert_eq!(list(&[]), ["data", "labelled"]);
    // Docker's errors.
    let missing = engine.run(&["volume", "inspect", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
    if !target.podman() {
        assert_eq!(
            text(&missing.stderr).trim(),
            "Error response from daemon: get nope: no such volume"
        );
        let bad = engine.run(&["volume", "create", "../etc"]);
        assert_eq!(bad.status.code(), Some(1));
        assert_eq!(
            text(&bad.stderr).trim(),
            "Error response from daemon: create ../etc: \"../etc\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        );
    }
    engine.ok(&["volume", "rm", "data", "labelled"]);
    assert_eq!(list(&[]), Vec::<String>::new());
}

/// `docker commit`: the container's files (added, changed and deleted) are in the new image,
/// the changes set its command and environment, and the message and author are kept.
fn docker_commit_makes_an_image(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "commit", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    engine.ok(&[
        "run",
        "--name",
        "source",
        "localhost/busybox",
        "sh",
        "-c",
        "echo hi > /greeting && mkdir /made && touch /made/file && rm /bin/vi",
    ]);
    let id = engine.ok(&[
        "commit",
        "--change",
        "CMD [\"cat\", \"/greeting\"]",
        "-c",
        "ENV FLAVOUR=plain",
        "--message",
        "first commit",
        "--author",
        "A U Thor <a@example.com>",
        "source",
        "localhost/committed:1",
    ]);
    let id = id.trim();
    // Docker prints the image ID with its algorithm; Podman without.
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    assert_eq!(hex.len(), 64, "{id}");
    if !target.podman() {
        assert!(id.starts_with("sha256:"), "{id}");
    }
    assert_eq!(engine.ok(&["run", "--rm", "localhost/committed:1"]), "hi\n");
    let seen = engine.run(&[
        "run",
        "--rm",
        "localhost/committed:1",
        "sh",
        "-c",
        "echo $FLAVOUR; ls /made; ls /bin/vi; echo $?",
    ]);
    assert_eq!(text(&seen.stdout), "plain\nfile\n1\n");
    let shown = engine.ok(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config.Cmd}}|{{.Comment}}|{{.Author}}",
        "localhost/committed:1",
    ]);
    assert_eq!(
        shown.trim(),
        "[\"cat\",\"/greeting\"]|first commit|A U Thor <a@example.com>"
    );
    // What Docker refuses.
    let refused = engine.run(&["commit", "--change", "RUN true", "source", "localhost/x"]);
    assert_eq!(refused.status.code(), Some(1));
    if !target.podman() {
        assert_eq!(
            text(&refused.stderr).trim(),
            "Error response from daemon: run is not a valid change command"
        );
    }
    let missing = engine.run(&["commit", "nosuch", "localhost/x"]);
    assert_eq!(missing.status.code(), Some(1));
    if !target.podman() {
        assert_eq!(
            text(&missing.stderr).trim(),
            "Error response from daemon: No such container: nosuch"
        );
    }
    if !target.podman() {
        // Docker records the container's command and the message; Podman its own words.
        let history = engine.ok(&[
            "history",
            "--no-trunc",
            "--format",
            "{{.CreatedBy}}|{{.Comment}}",
            "localhost/committed:1",
        ]);
        assert_eq!(
            history.lines().next(),
            Some(
                "sh -c echo hi > /greeting && mkdir /made && touch /made/file && rm /bin/vi|first commit"
            ),
            "{history}"
        );
        assert!(history.lines().count() >= 2, "{history}");
    }
    // An untagged commit is dangling: `image prune` takes it, and only it.
    let dangling = engine.ok(&["commit", "source"]);
    let dangling = dangling.trim();
    let dangling_hex = dangling.strip_prefix("sha256:").unwrap_or(dangling);
    let pruned = engine.ok(&["image", "prune", "-f"]);
    assert!(pruned.contains(dangling_hex), "{pruned}");
    assert!(!pruned.contains(hex), "{pruned}");
    // `container prune` takes the stopped container, not the running one.
    engine.ok(&[
        "run",
        "-d",
        "--name",
        "keeper",
        "localhost/busybox",
        "sleep",
        "300",
    ]);
    let source = engine.ok(&["inspect", "--format", "{{.Id}}", "source"]);
    let keeper = engine.ok(&["inspect", "--format", "{{.Id}}", "keeper"]);
    let pruned = engine.ok(&["container", "prune", "-f"]);
    assert!(
        pruned.starts_with(&format!("Deleted Containers:\n{}\n", source.trim())),
        "{pruned}"
    );
    assert!(!pruned.contains(keeper.trim()), "{pruned}");
    engine.ok(&["rm", "-f", "keeper"]);
    // `docker save`, then `docker load` of what it wrote, gives the image back whole.
    let saved = engine.sandbox.path().join("committed.tar");
    let saved = saved.to_str().expect("UTF-8");
    engine.ok(&["save", "-o", saved, "localhost/committed:1"]);
    engine.ok(&["rmi", "localhost/committed:1"]);
    let loaded = engine.ok(&["load", "-i", saved]);
    assert!(
        loaded.contains("Loaded image: localhost/committed:1"),
        "{loaded}"
    );
    assert_eq!(engine.ok(&["run", "--rm", "localhost/committed:1"]), "hi\n");
    engine.ok(&["rmi", "localhost/committed:1"]);
}

/// `docker import` of what `docker export` wrote (plain and gzip, with `--change` and
/// `--message`), run as an image; an archive that is not a tar refused; `docker system df`
/// counting images, containers and volumes with what uses them.
fn docker_import_and_system_df(target: Target) {
    let _cell = Cell::new("docker-cli", target.cell(), "import-df", "docker");
    let engine = Engine::start(target);
    engine.load_busybox();
    engine.ok(&[
        "run",
        "--name",
        "source",
        "localhost/busybox",
        "sh",
        "-c",
        "echo hi > /greeting",
    ]);
    let rootfs = engine.sandbox.path().join("rootfs.tar");
    let rootfs_text = rootfs.to_str().expect("UTF-8");
    engine.ok(&["export", "-o", rootfs_text, "source"]);
    let id = engine.ok(&[
        "import",
        "--change",
        "CMD [\"cat\", \"/greeting\"]",
        "--message",
        "from export",
        rootfs_text,
        "localhost/imported:1",
    ]);
    let id = id.trim();
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    assert_eq!(hex.len(), 64, "{id}");
    assert_eq!(engine.ok(&["run", "--rm", "localhost/imported:1"]), "hi\n");
    let history = engine.ok(&[
        "history",
        "--format",
        "{{.Comment}}",
        "localhost/imported:1",
    ]);
    assert_eq!(history.trim(), "from export");
    // Gzip-compressed, read from stdin.
    let gzipped = engine.sandbox.path().join("rootfs.tgz");
    let compressed = std::process::Command::new("gzip")
        .arg("-c")
        .arg(&rootfs)
        .output()
        .expect("gzip");
    assert!(compressed.status.success(), "gzip");
    std::fs::write(&gzipped, compressed.stdout).expect("write tgz");
    engine.ok(&[
        "import",
        gzipped.to_str().expect("UTF-8"),
        "localhost/imported:gz",
    ]);
    assert_eq!(
        engine.ok(&["run", "--rm", "localhost/imported:gz", "cat", "/greeting"]),
        "hi\n"
    );
    let bad = engine.sandbox.path().join("bad.tar");
    std::fs::write(&bad, b"this is not a tar archive").expect("write");
    let refused = engine.run(&["import", bad.to_str().expect("UTF-8"), "localhost/bad"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    // Disk usage: three images (busybox used by `source`), one stopped container.
    engine.ok(&["volume", "create", "data"]);
    let usage = engine.ok(&[
        "system",
        "df",
        "--format",
        "{{.Type}}|{{.TotalCount}}|{{.Active}}",
    ]);
    if target.podman() {
        assert!(usage.starts_with("Images|"), "{usage}");
    } else {
        assert_eq!(
            lines(&usage),
            [
                "Images|3|1",
                "Containers|1|0",
                "Local Volumes|1|0",
                "Build Cache|0|0"
            ],
            "{usage}"
        );
    }
}
