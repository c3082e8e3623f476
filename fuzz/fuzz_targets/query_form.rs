//! Fuzz target: GET callbacks' query strings (Clickatell SMS status and reply).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smsgate_fuzz::query_form(data));
