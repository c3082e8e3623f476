//! Fuzz target: smsgate::lenient: parse, and from_slice into each received callback type.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smsgate_fuzz::lenient(data));
