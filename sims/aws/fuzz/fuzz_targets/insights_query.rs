#![no_main]
//! Fuzzes `sim_aws::fuzzing::insights_query`: it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sim_aws::fuzzing::insights_query(data));
