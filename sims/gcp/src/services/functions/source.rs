//! A function's source and runtime: the zip unpacked by simkit's `zip_archive` (entries that
//! would land outside the directory are refused, files made readable by the user workloads run
//! as), the runtime's
//! entry file checked as GCF's buildpacks check it, and the command that starts the real
//! Functions Framework for the runtime.
//!
//! The frameworks come from `scripts/setup`: `functions-framework` in the workload Python
//! (`$SOCKERLESS_CLIENTS/workload-python`), `@google-cloud/functions-framework` under
//! `$SOCKERLESS_CLIENTS/node-ff`. A runtime whose framework is missing fails the build, naming
//! what to install.
//!
//! Must not: write outside the directory it is given.

use std::io::Cursor;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::GcpError;

/// The unpacked size GCF accepts for a source archive (its limit for gen 2 sources).
const MAX_UNPACKED_BYTES: u64 = 500 << 20;

fn clients_root() -> PathBuf {
    std::env::var_os("SOCKERLESS_CLIENTS")
        .map_or_else(|| PathBuf::from("/opt/sockerless-clients"), PathBuf::from)
}

/// The runtimes the simulator runs: GCF's `python3*` and `nodejs*` families.
pub fn check_runtime(runtime: &str) -> Result<(), GcpError> {
    let family_version = |prefix: &str| {
        runtime
            .strip_prefix(prefix)
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
    };
    if family_version("python3") || family_version("nodejs") {
        Ok(())
    } else {
        // Our wording: the real message could not be checked here.
        Err(GcpError::invalid(format!(
            "buildConfig.runtime: runtime '{runtime}' is not supported by the simulator (python3* and nodejs* are)"
        )))
    }
}

/// Unpacks `bytes` into `dir` (made afresh); the error is GCF's build failure.
pub fn unpack(bytes: &[u8], dir: &Path) -> Result<(), String> {
    let unreadable = || "Build failed: the source archive is not a readable zip file.".to_string();
    let io = |error: std::io::Error| format!("Build failed: unpacking the source: {error}");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let total: u64 = (0..archive.len())
        .filter_map(|index| archive.by_index(index).ok().map(|entry| entry.size()))
        .sum();
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "Build failed: the unpacked source is {total} bytes, more than the {MAX_UNPACKED_BYTES} allowed."
        ));
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io)?;
    }
    make_dir(dir).map_err(io)?;
    simkit::zip_archive::extract(bytes, dir).map_err(|error| match error {
        simkit::zip_archive::ExtractError::Unreadable => unreadable(),
        simkit::zip_archive::ExtractError::Io(error) => io(error),
    })
}

fn make_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // The parents up to the sources root too: workloads may run as another user.
    for ancestor in dir.ancestors().take(3) {
        if ancestor.starts_with(std::env::temp_dir()) && ancestor != std::env::temp_dir() {
            std::fs::set_permissions(ancestor, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// The file the runtime loads must be there, as GCF's build checks.
pub fn check_entry(runtime: &str, dir: &Path) -> Result<(), String> {
    if runtime.starts_with("python") && !dir.join("main.py").is_file() {
        return Err("Build failed: missing main.py and GOOGLE_FUNCTION_SOURCE not specified. Either create the function in main.py or specify GOOGLE_FUNCTION_SOURCE to point to the file that contains the function".into());
    }
    if runtime.starts_with("nodejs")
        && !dir.join("index.js").is_file()
        && !dir.join("package.json").is_file()
    {
        return Err("Build failed: the source has neither package.json nor index.js".into());
    }
    Ok(())
}

/// The command that serves the function through the runtime's Functions Framework.
pub fn framework_command(runtime: &str, dir: &Path) -> Result<Vec<String>, String> {
    let clients = clients_root();
    if runtime.starts_with("python") {
        let python = clients.join("workload-python/bin/python3");
        let framework = clients.join("workload-python/lib");
        if !python.exists() || !has_python_framework(&framework) {
            return Err(format!(
                "Build failed: runtime {runtime} needs functions-framework in {}: run scripts/setup",
                python.display()
            ));
        }
        return Ok(vec![
            python.display().to_string(),
            "-m".into(),
            "functions_framework".into(),
        ]);
    }
    let main =
        clients.join("node-ff/node_modules/@google-cloud/functions-framework/build/src/main.js");
    if !main.exists() {
        return Err(format!(
            "Build failed: runtime {runtime} needs @google-cloud/functions-framework in {}: run scripts/setup",
            clients.join("node-ff").display()
        ));
    }
    let _ = dir;
    // The workload's PATH is minimal: name node by its path.
    let node = ["/usr/local/bin/node", "/usr/bin/node"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .ok_or_else(|| format!("Build failed: runtime {runtime} needs node on this machine"))?;
    Ok(vec![node.to_string(), main.display().to_string()])
}

fn has_python_framework(lib: &Path) -> bool {
    std::fs::read_dir(lib)
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| {
            version
                .path()
                .join("site-packages/functions_framework")
                .is_dir()
        })
}

/// The variables that tell the framework where the function is.
pub fn framework_env(runtime: &str, dir: &Path) -> Vec<(String, String)> {
    if runtime.starts_with("python") {
        vec![
            (
                "FUNCTION_SOURCE".into(),
                dir.join("main.py").display().to_string(),
            ),
            ("PYTHONUNBUFFERED".into(), "1".into()),
        ]
    } else {
        vec![("FUNCTION_SOURCE".into(), dir.display().to_string())]
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("start");
            writer.write_all(body.as_bytes()).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    #[test]
    fn unpacks_inside_and_checks_entries() {
        let root = std::env::temp_dir().join(format!("sockerless-fn-test-{}", std::process::id()));
        let dir = root.join("src");
        unpack(
            &zip_of(&[("main.py", "x = 1"), ("../evil.py", "y"), ("pkg/a.py", "z")]),
            &dir,
        )
        .expect("unpacks");
        assert!(dir.join("main.py").is_file() && dir.join("pkg/a.py").is_file());
        assert!(!root.join("evil.py").exists());
        assert!(check_entry("python312", &dir).is_ok());
        assert!(check_entry("nodejs20", &dir).is_err());
        assert!(unpack(b"not a zip", &dir).is_err());
        assert!(check_runtime("python312").is_ok() && check_runtime("nodejs20").is_ok());
        assert!(check_runtime("go122").is_err() && check_runtime("python").is_err());
        std::fs::remove_dir_all(&root).ok();
    }
}
