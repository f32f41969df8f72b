//! The wasm runner: containers in an in-process wasmtime sandbox. A container is a root
//! directory ([`root::Root`], resolved as a chroot would), our POSIX shell ([`shell`], running
//! in-process over a host that confines every file access to the root) and utilities compiled
//! to WASI ([`userland::Userland`]: uutils coreutils, sed), each command a wasm instance that
//! sees the root as `/`. [`runner::WasmRunner`] puts this behind simkit's `Runner`.
//!
//! This is the only crate that depends on wasmtime. It spawns no host process: a command that
//! is neither a builtin, a utility nor a shell script exits 127 with `sh: NAME: not found`.

pub mod erofs;
pub mod host;
pub mod root;
pub mod runner;
pub mod streams;
pub mod userland;

pub use root::Root;
pub use runner::WasmRunner;
pub use userland::{Userland, UserlandError};

/// Where `scripts/setup` installs the WASI userland (`coreutils.wasm`, `sed.wasm`).
pub fn default_userland_dir() -> std::path::PathBuf {
    let clients = std::env::var_os("SOCKERLESS_CLIENTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/opt/sockerless-clients"));
    clients.join("wasi/bin")
}

/// Where compiled modules are cached by default: `$SOCKERLESS_WASM_CACHE`, else
/// `sockerless-wasm-cache` in the temporary directory.
pub fn default_cache_dir() -> std::path::PathBuf {
    std::env::var_os("SOCKERLESS_WASM_CACHE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("sockerless-wasm-cache"))
}
