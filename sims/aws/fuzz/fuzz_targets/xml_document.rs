#![no_main]
//! Fuzzes `sim_aws::fuzzing::xml_document`: it must never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| sim_aws::fuzzing::xml_document(data));
