//! Writes under a read-only mount fail with `EROFS`, as the kernel's read-only bind makes them
//! fail, where wasmtime's own check answers `EPERM`.
//!
//! A read-only bind or volume is preopened for instances with read-only permissions; wasmtime
//! refuses a write through it with `ErrorCode::NotPermitted`, which WASI preview 1 spells
//! `EPERM`, so `touch /data/x` would print "Operation not permitted" where Linux prints
//! "Read-only file system". Each WASI call that writes through a path or descriptor is
//! wrapped: the original runs, and its `EPERM` becomes `EROFS`.
//!
//! Why every `EPERM` of these calls: in the sandbox the root and read-write mounts are
//! preopened with full permissions, so the only `EPERM` wasmtime makes is its permission
//! check, and a read-only preopen is the only one with restricted permissions. (A host `EPERM`
//! on these calls would need a privileged operation, which WASI preview 1 has none of;
//! `path_link` is left alone because linking a directory is Linux's own `EPERM`; `fd_allocate` is
//! not async in wasmtime-wasi.)

use wasmtime::{Caller, Extern, Linker};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p1::wasi_snapshot_preview1 as p1;
use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1 as _;

const MODULE: &str = "wasi_snapshot_preview1";
/// WASI preview 1's errno values (`typenames.witx`).
const ERRNO_PERM: i32 = 63;
const ERRNO_ROFS: i32 = 69;

/// Defines `$name` over wasmtime-wasi's own implementation (its raw-ABI function, called as
/// its own linker glue calls it: the instance's memory and the store's context), its `EPERM`
/// read as `EROFS`.
macro_rules! remap {
    ($linker:ident, $name:ident, ($($arg:ident: $ty:ty),*)) => {
        $linker.func_wrap_async(
            MODULE,
            stringify!($name),
            |mut caller: Caller<'_, WasiP1Ctx>, ($($arg,)*): ($($ty,)*)| {
                Box::new(async move {
                    let fuel = wasmtime::AsContextMut::as_context_mut(&mut caller).hostcall_fuel();
                    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                        return Err(wasmtime::Error::msg("missing required memory export"));
                    };
                    let (bytes, ctx) = memory.data_and_store_mut(&mut caller);
                    ctx.set_hostcall_fuel(fuel);
                    let mut guest = wiggle::GuestMemory::Unshared(bytes);
                    let errno = p1::$name(ctx, &mut guest, $($arg),*).await?;
                    Ok(if errno == ERRNO_PERM { ERRNO_ROFS } else { errno })
                })
            },
        )?;
    };
}

/// Redefines `linker`'s writing calls (it must hold WASI preview 1 already) so their `EPERM`
/// reads `EROFS`.
pub fn remap_read_only(linker: &mut Linker<WasiP1Ctx>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    remap!(linker, path_open, (fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, out: i32));
    remap!(linker, path_create_directory, (fd: i32, path: i32, len: i32));
    remap!(linker, path_remove_directory, (fd: i32, path: i32, len: i32));
    remap!(linker, path_unlink_file, (fd: i32, path: i32, len: i32));
    remap!(linker, path_rename, (fd: i32, path: i32, len: i32, new_fd: i32, new_path: i32, new_len: i32));
    remap!(linker, path_symlink, (old: i32, old_len: i32, fd: i32, path: i32, len: i32));
    remap!(linker, path_filestat_set_times, (fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32));
    remap!(linker, fd_filestat_set_size, (fd: i32, size: i64));
    remap!(linker, fd_filestat_set_times, (fd: i32, atim: i64, mtim: i64, fst: i32));
    linker.allow_shadowing(false);
    Ok(())
}
