//! Benchmark tools for `scripts/bench`: `loadgen` (keep-alive HTTP load with latency
//! percentiles, printed as JSON) and `hello` (a bare axum server, the ceiling a simulator's
//! throughput is compared with). The benchmark itself, which runs the peers (moto) in the same
//! run and prints ratios, is `scripts/bench`.
