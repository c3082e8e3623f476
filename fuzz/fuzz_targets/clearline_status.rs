//! Fuzz target: POST /client-callback/clearline-status bodies (ClearLine).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsgate_callbacks::Route;

fuzz_target!(|data: &[u8]| smsgate_fuzz::callback_body(Route::ClearlineStatus, data));
