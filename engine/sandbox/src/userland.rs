//! The utilities containers run: WASI modules (uutils coreutils, sed) in a directory, compiled
//! by wasmtime once per process and kept compiled on disk by wasmtime's cache, and run one
//! instance per command. Every instance sees the container's root as its only preopened
//! directory (`/`), so a utility reaches no host file
//! outside the root (wasmtime's capability-based file layer refuses `..` and absolute symlinks
//! that leave a preopen).
//!
//! Instances are interrupted through epochs: a ticker advances the engine's epoch every
//! [`TICK`], and a running instance yields to its caller at each tick, so a stop drops it even
//! in a tight loop. Blocking calls (`sleep`, a read on an open stdin) are async and dropped the
//! same way.
//!
//! What it must not do: spawn a host process, or give an instance a network or a host path
//! beyond the container's root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::{Config, Engine, InstancePre, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::streams::{InputSource, OutputTarget};

/// How often running instances yield (and can be stopped).
pub const TICK: Duration = Duration::from_millis(5);

/// The multicall module whose utilities are named by `--list`.
const MULTICALL: &str = "coreutils";

#[derive(Debug, thiserror::Error)]
pub enum UserlandError {
    #[error("the WASI userland directory {0} has no modules (run scripts/setup)")]
    Empty(PathBuf),
    #[error("could not read the WASI userland in {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("wasmtime: {0}")]
    Wasmtime(String),
}

/// A module compiled and linked once, or why it could not be.
type CompiledModule = OnceLock<Result<InstancePre<WasiP1Ctx>, String>>;

/// Where a command's module lives and how it is called.
#[derive(Debug, Clone)]
struct Utility {
    module: String,
}

/// The utilities, and the engine that runs them.
pub struct Userland {
    engine: Engine,
    linker: Linker<WasiP1Ctx>,
    dir: PathBuf,
    /// Modules by file stem, compiled on first use.
    modules: Mutex<HashMap<String, Arc<CompiledModule>>>,
    /// Command names to modules, read once.
    table: OnceLock<HashMap<String, Utility>>,
    ticker_stop: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Userland {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Userland")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Drop for Userland {
    fn drop(&mut self) {
        self.ticker_stop
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What one instance gets.
pub struct Launch<'a> {
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    pub root: &'a Path,
    /// Binds and volumes, each preopened at its container path (wasi-libc gives a path to
    /// the preopen with the longest matching prefix, as a mount table would).
    pub mounts: &'a [crate::root::Bound],
    pub stdin: InputSource,
    pub stdout: OutputTarget,
    pub stderr: OutputTarget,
}

impl Userland {
    /// A userland over the `.wasm` modules in `dir`, with compiled code cached under
    /// `cache_dir`.
    pub fn new(
        dir: impl Into<PathBuf>,
        cache_dir: Option<PathBuf>,
    ) -> Result<Arc<Self>, UserlandError> {
        let dir = dir.into();
        let mut config = Config::new();
        config.epoch_interruption(true);
        if let Some(cache_dir) = cache_dir {
            let mut cache_config = wasmtime::CacheConfig::new();
            cache_config.with_directory(cache_dir);
            let cache = wasmtime::Cache::new(cache_config)
                .map_err(|e| UserlandError::Wasmtime(e.to_string()))?;
            config.cache(Some(cache));
        }
        let engine = Engine::new(&config).map_err(|e| UserlandError::Wasmtime(e.to_string()))?;
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut linker, |ctx| ctx)
            .map_err(|e| UserlandError::Wasmtime(e.to_string()))?;
        crate::erofs::remap_read_only(&mut linker)
            .map_err(|e| UserlandError::Wasmtime(e.to_string()))?;
        let ticker_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = ticker_stop.clone();
            // The epoch ticker: a timer thread, not a polling loop; it only advances a counter.
            std::thread::Builder::new()
                .name("wasm-epoch".into())
                .spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| UserlandError::Read {
                    path: dir.clone(),
                    source: e,
                })?;
        }
        Ok(Arc::new(Self {
            engine,
            linker,
            dir,
            modules: Mutex::new(HashMap::new()),
            table: OnceLock::new(),
            ticker_stop,
        }))
    }

    /// The modules directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn module_files(&self) -> Result<Vec<String>, UserlandError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| UserlandError::Read {
            path: self.dir.clone(),
            source,
        })?;
        let mut stems: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".wasm").map(str::to_string)
            })
            .collect();
        stems.sort();
        if stems.is_empty() {
            return Err(UserlandError::Empty(self.dir.clone()));
        }
        Ok(stems)
    }

    /// The compiled module `stem`, compiling it (or loading it from the cache) on first use.
    fn instance_pre(&self, stem: &str) -> Result<InstancePre<WasiP1Ctx>, String> {
        let cell = {
            let mut modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
            modules.entry(stem.to_string()).or_default().clone()
        };
        cell.get_or_init(|| {
            let path = self.dir.join(format!("{stem}.wasm"));
            let module = Module::from_file(&self.engine, &path)
                .map_err(|e| format!("cannot load {}: {e}", path.display()))?;
            self.linker
                .instantiate_pre(&module)
                .map_err(|e| format!("cannot link {}: {e}", path.display()))
        })
        .clone()
    }

    /// Compiles (or loads) every module now, so the first command does not pay for it.
    pub fn warm(&self) -> Result<(), UserlandError> {
        for stem in self.module_files()? {
            self.instance_pre(&stem).map_err(UserlandError::Wasmtime)?;
        }
        Ok(())
    }

    /// The module that runs `name`, if any.
    pub fn module_for(&self, name: &str, handle: &tokio::runtime::Handle) -> Option<String> {
        let table = self.table.get_or_init(|| self.read_table(handle));
        table.get(name).map(|utility| utility.module.clone())
    }

    /// Every command name the userland has.
    pub fn commands(&self, handle: &tokio::runtime::Handle) -> Vec<String> {
        let table = self.table.get_or_init(|| self.read_table(handle));
        let mut names: Vec<String> = table.keys().cloned().collect();
        names.sort();
        names
    }

    fn read_table(&self, handle: &tokio::runtime::Handle) -> HashMap<String, Utility> {
        let mut table = HashMap::new();
        let Ok(stems) = self.module_files() else {
            return table;
        };
        for stem in stems {
            if stem == MULTICALL {
                // The multicall binary names its utilities, one per line.
                let listing = OutputTarget::buffer(1 << 20);
                // `--list` touches no file; the modules directory stands in for a root.
                let empty_root = self.dir.clone();
                let argv = vec![MULTICALL.to_string(), "--list".to_string()];
                let result = handle.block_on(self.run(
                    &stem,
                    Launch {
                        argv: &argv,
                        env: &[],
                        root: &empty_root,
                        mounts: &[],
                        stdin: InputSource::empty(),
                        stdout: listing.clone(),
                        stderr: OutputTarget::Closed,
                    },
                ));
                if result.is_ok() {
                    let text = String::from_utf8_lossy(&listing.take_buffer()).into_owned();
                    for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                        if name == "[" {
                            // `[` is the shell's builtin; the utility's would be the same test.
                            continue;
                        }
                        table.insert(
                            name.to_string(),
                            Utility {
                                module: stem.clone(),
                            },
                        );
                    }
                }
            } else {
                table.insert(
                    stem.clone(),
                    Utility {
                        module: stem.clone(),
                    },
                );
            }
        }
        table
    }

    /// Runs one instance of module `stem` to its end: its exit code, 128+6 when it trapped
    /// (as a process that aborted), or a message when it could not start.
    pub async fn run(&self, stem: &str, launch: Launch<'_>) -> Result<i32, String> {
        let pre = self.instance_pre(stem)?;
        let mut builder = WasiCtxBuilder::new();
        builder
            .args(launch.argv)
            .envs(launch.env)
            .stdin(launch.stdin)
            .stdout(launch.stdout)
            .stderr(launch.stderr);
        // Only the root is preopened. wasi-libc (as the utilities link it) has no working
        // directory: it matches relative and absolute paths alike to the last preopen, so a
        // second preopen `.` for the working directory would capture absolute paths too. Until
        // the utilities get a working directory, relative paths resolve from `/`.
        builder
            .preopened_dir(launch.root, "/", FsPerms::ReadWrite)
            .map_err(|e| format!("cannot open the container's root: {e}"))?;
        for mount in launch.mounts {
            // A read-only one refuses writes (EROFS, as the kernel's: see `erofs`).
            let perms = if mount.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            builder
                .preopened_dir(&mount.source, mount.path(), perms)
                .map_err(|e| format!("cannot open the mount at {}: {e}", mount.path()))?;
        }
        let ctx = builder.build_p1();
        let mut store = Store::new(&self.engine, ctx);
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        let instance = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| format!("cannot instantiate {stem}: {e}"))?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|e| format!("{stem} has no entry point: {e}"))?;
        match start.call_async(&mut store, ()).await {
            Ok(()) => Ok(0),
            Err(error) => match error.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => {
                    tracing::debug!(module = stem, %error, "instance trapped");
                    Ok(134)
                }
            },
        }
    }
}
