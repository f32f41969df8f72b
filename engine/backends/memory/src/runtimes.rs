//! The runtimes a container can run on, by the names `docker run --runtime NAME` and
//! `HostConfig.Runtime` use: `runc` (the kit's runner: the container's image on runc) and
//! `wasm` (the in-process wasmtime sandbox, when the engine was given one). The engine's
//! default (`sockerless engine --runtime oci|wasm|auto`) is filled into `HostConfig.Runtime`
//! at create, as dockerd fills its default runtime in, so inspect names the runtime a
//! container runs on.
//!
//! A wasm container has no network sandbox (WASI instances here have no sockets): its start
//! skips the namespace, and published ports are refused naming the runtime.

use std::sync::Arc;

use engine_core::EngineError;
use simkit::runner::{Runner, Workload};

/// Docker's name for the runc runtime.
pub const RUNC: &str = "runc";
/// The wasm sandbox's runtime name.
pub const WASM: &str = "wasm";

/// The runtimes this engine has, and its default.
#[derive(Clone)]
pub struct Runtimes {
    runc: Arc<dyn Runner>,
    /// The wasm runner, or why this engine has none (the userland is missing).
    wasm: Result<Arc<dyn Runner>, String>,
    default: &'static str,
}

impl std::fmt::Debug for Runtimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtimes")
            .field("wasm", &self.wasm.is_ok())
            .field("default", &self.default)
            .finish()
    }
}

impl Runtimes {
    /// Only runc: the kit's runner.
    pub fn runc_only(runc: Arc<dyn Runner>) -> Self {
        Self {
            runc,
            wasm: Err("this engine was started without the wasm runtime".into()),
            default: RUNC,
        }
    }

    /// runc and wasm (or why wasm cannot be had), `wasm_default` naming the default.
    pub fn with_wasm(
        runc: Arc<dyn Runner>,
        wasm: Result<Arc<dyn Runner>, String>,
        wasm_default: bool,
    ) -> Self {
        Self {
            runc,
            wasm,
            default: if wasm_default { WASM } else { RUNC },
        }
    }

    /// The default runtime's name.
    pub fn default_name(&self) -> &'static str {
        self.default
    }

    /// `docker info`'s `Runtimes`: name and path of each runtime this engine can run.
    pub fn listed(&self) -> Vec<(String, String)> {
        let mut out = vec![(RUNC.to_string(), RUNC.to_string())];
        if self.wasm.is_ok() {
            out.push((WASM.to_string(), "wasmtime (in-process)".to_string()));
        }
        out
    }

    /// The runtime a create names (the default when empty), or dockerd's 400 for a name it
    /// does not know. Asking for `wasm` on an engine without it says why.
    pub fn validate(&self, name: &str) -> Result<&'static str, EngineError> {
        match name {
            "" => Ok(self.default),
            RUNC => Ok(RUNC),
            WASM => match &self.wasm {
                Ok(_) => Ok(WASM),
                Err(why) => Err(EngineError::InvalidParameter(format!(
                    "unknown or invalid runtime name: {name} ({why})"
                ))),
            },
            other => Err(EngineError::InvalidParameter(format!(
                "unknown or invalid runtime name: {other}"
            ))),
        }
    }

    /// The runner of runtime `name` (records from before runtimes were kept are runc's).
    pub fn runner(&self, name: &str) -> Result<Arc<dyn Runner>, EngineError> {
        match name {
            WASM => self.wasm.clone().map_err(|why| {
                EngineError::InvalidParameter(format!(
                    "unknown or invalid runtime name: {WASM} ({why})"
                ))
            }),
            _ => Ok(self.runc.clone()),
        }
    }

    /// The runner that runs `workload` (exec and health checks go to the same one).
    pub fn runner_of(&self, workload: &Workload) -> Arc<dyn Runner> {
        match (&self.wasm, workload.runner()) {
            (Ok(wasm), WASM) => wasm.clone(),
            _ => self.runc.clone(),
        }
    }
}
