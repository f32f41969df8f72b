//! Benchmark: sandbox start to first output of `sh -c 'echo hi'` (the shell's builtin), and of
//! `sh -c 'cat /etc/hostname'` (one wasm instance of coreutils), with compiled modules cached.
//! Prints a table of medians over N runs (`N` from the first argument, default 50).
//!
//! `cargo run -p sandbox --example first_output [--release] -- 50`

use std::sync::Arc;
use std::time::{Duration, Instant};

use sandbox::{Userland, WasmRunner};
use simkit::clock::{Clock, SystemClock};
use simkit::logs::{FnSink, LogLine};
use simkit::runner::{Runner, WorkloadSpec};
use tokio::sync::mpsc;

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let cache = sandbox::default_cache_dir();
        // The kit's clock, as everywhere: its monotonic instants are the real ones here.
        let clock = Arc::new(SystemClock);
        let load_started = clock.monotonic();
        let userland = Userland::new(sandbox::default_userland_dir(), Some(cache))?;
        userland.warm()?;
        let load = load_started.elapsed();
        let scratch = tempfile::tempdir()?;
        let runner = WasmRunner::new(
            Arc::new(SystemClock),
            userland,
            scratch.path().to_path_buf(),
        );
        println!("| figure | median | min | max |");
        println!("|---|---|---|---|");
        println!("| userland load (compile or cache hit, once per process) | {load:.2?} | | |");
        for (label, script) in [
            ("start → first output, `sh -c 'echo hi'`", "echo hi"),
            (
                "start → first output, `sh -c 'cat /etc/hostname'` (one coreutils instance)",
                "cat /etc/hostname",
            ),
        ] {
            let mut times = Vec::new();
            for _ in 0..rounds {
                let (sender, mut receiver) = mpsc::unbounded_channel::<Instant>();
                let sink_clock = clock.clone();
                let sink = Arc::new(FnSink(move |_line: LogLine| {
                    let _ = sender.send(sink_clock.monotonic());
                }));
                let spec = WorkloadSpec {
                    name: "bench".into(),
                    argv: vec!["sh".into(), "-c".into(), script.into()],
                    stop_grace: Duration::from_secs(1),
                    ..WorkloadSpec::default()
                };
                let started = clock.monotonic();
                let workload = runner.start(spec, sink).await?;
                let first = receiver
                    .recv()
                    .await
                    .ok_or_else(|| anyhow::anyhow!("no output"))?;
                times.push(first - started);
                workload.wait().await;
            }
            times.sort();
            println!(
                "| {label} | {:.2?} | {:.2?} | {:.2?} |",
                times[times.len() / 2],
                times[0],
                times[times.len() - 1]
            );
        }
        Ok(())
    })
}
